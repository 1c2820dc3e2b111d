"""Documents as zones publish them, made here with real tools: PDF tables, scanned PDFs and images (OCR),
PowerPoint, OFD and legacy Word; loaded, ingested into a real knowledge base and asked about."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_text
from tests.conftest import ask_cli, run_cli, use_env

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TALENT_ROWS = [["人才类别", "购房补贴", "租房补贴", "安家补贴"], ["A类人才", "100万元", "每月5000元", "30万元"],
               ["B类人才", "80万元", "每月3000元", "20万元"], ["C类人才", "60万元", "每月2000元", "10万元"]]


# --------------------------------------------------------------------------- real files


def _pdf():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("wqy", "", FONT)
    pdf.set_font("wqy", size=11)
    return pdf


def _table(pdf, rows: list[list[str]], **options) -> None:
    from fpdf import FontFace

    with pdf.table(headings_style=FontFace(emphasis=""), **options) as table:
        for values in rows:
            row = table.row()
            for value in values:
                if isinstance(value, tuple):  # (text, {"colspan": 2}) for a merged cell
                    row.cell(value[0], **value[1])
                else:
                    row.cell(value)


def make_table_pdf(path: Path) -> Path:
    """Two pages; the 4-column talent table (a header and 3 rows) on page 2, text around it."""
    pdf = _pdf()
    pdf.add_page()
    pdf.multi_cell(0, 8, "青枫湾人才安居办法\n一、总则\n为吸引各类人才来园区创新创业，制定本办法。")
    pdf.add_page()
    pdf.multi_cell(0, 8, "二、补贴标准\n各类人才的安居补贴标准见下表。")
    _table(pdf, TALENT_ROWS)
    pdf.multi_cell(0, 8, "三、申请方式\n申请人向人才服务中心提交申请材料。")
    pdf.output(str(path))
    return path


def make_long_merged_table_pdf(path: Path) -> Path:
    """A two-row header (指标 spans two rows, 完成值 two columns) over 40 rows: it runs onto page 2,
    where fpdf2 repeats the header as Word and WPS do."""
    pdf = _pdf()
    pdf.add_page()
    pdf.multi_cell(0, 8, "重点指标完成情况")
    rows = [[("指标", {"rowspan": 2}), ("完成值", {"colspan": 2})], ["2023年上半年", "2024年上半年"]]
    rows += [[f"第{i}项指标", f"{i}亿元", f"{i + 1}亿元"] for i in range(1, 41)]
    _table(pdf, rows, num_heading_rows=2)
    pdf.output(str(path))
    return path


def render_text(lines: list[str], size: tuple[int, int] = (760, 160)):
    """Chinese text drawn with a CJK font: what a scanner hands over, with no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 26)
    for i, line in enumerate(lines):
        draw.text((30, 30 + i * 50), line, font=font, fill="black")
    return image


def make_scanned_pdf(path: Path) -> Path:
    """Two scanned pages saved by Pillow: images only, no text layer."""
    first = render_text(["园区交通情况说明", "本说明由管委会交通办编制。"])
    second = render_text(["园区共有公交线路12条，", "地铁5号线在园区设站。"])
    first.save(path, save_all=True, append_images=[second], resolution=100)
    return path


def make_mixed_pdf(path: Path, image_path: Path) -> Path:
    """Page 1 typed (text layer), page 2 a scanned image, page 3 a full-page scan with a scanning app's
    stamp in the text layer."""
    render_text(["污水处理厂日处理能力8万吨。"]).save(image_path)
    stamped = image_path.with_name("p3.png")
    render_text(["园区绿化覆盖率达到45%。"], size=(760, 1000)).save(stamped)
    pdf = _pdf()
    pdf.add_page()
    pdf.multi_cell(0, 8, "园区基础设施简介\n园区道路总长46公里。")
    pdf.add_page()
    pdf.image(str(image_path), x=10, y=10, w=150)
    pdf.add_page()
    pdf.image(str(stamped), x=0, y=0, w=210, h=297)
    pdf.set_auto_page_break(False)
    pdf.set_xy(10, 285)
    pdf.cell(0, 5, "由扫描应用创建")
    pdf.output(str(path))
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    cover = deck.slides.add_slide(deck.slide_layouts[0])
    cover.shapes.title.text = "2024年上半年工作汇报"
    cover.placeholders[1].text = "青枫湾高新区招商服务局"
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = "招商引资"
    box = slide.shapes.add_textbox(Inches(1), Inches(1.5), Inches(8), Inches(1))
    box.text_frame.text = "上半年新签约项目45个，总投资210亿元。"
    table = slide.shapes.add_table(3, 2, Inches(1), Inches(3), Inches(6), Inches(1.2)).table
    for r, (a, b) in enumerate([("产业", "签约项目"), ("集成电路", "12个"), ("生物医药", "9个")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    deck.save(str(path))
    return path


OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(path: Path, pages: list[list[str]]) -> Path:
    """An OFD package as GB/T 33190 lays it out: OFD.xml -> Doc_0/Document.xml -> Pages/Page_N/Content.xml,
    each line a TextObject (Boundary in mm) with a TextCode; lines written bottom first, so reading
    order has to come from their positions, not from the file order."""
    def page_xml(lines: list[str]) -> str:
        objects = "".join(
            f'<ofd:TextObject ID="{i + 10}" Boundary="20 {30 + i * 10} 170 8" Font="1" Size="4.2">'
            f'<ofd:TextCode X="0" Y="6">{line}</ofd:TextCode></ofd:TextObject>'
            for i, line in reversed(list(enumerate(lines))))
        return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
                f'<ofd:Layer ID="2">{objects}</ofd:Layer></ofd:Content></ofd:Page>')

    page_refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0">'
                              f'<ofd:DocBody><ofd:DocInfo><ofd:DocID>zoneqa-test</ofd:DocID></ofd:DocInfo>'
                              f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
                                         f'<ofd:CommonData><ofd:MaxUnitID>100</ofd:MaxUnitID></ofd:CommonData>'
                                         f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
        for i, lines in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page_xml(lines))
    return path


OFD_PAGES = [["关于开展科技创新券申领工作的通知", "各有关企业："],
             ["一、申领额度", "每家企业每年申领创新券最高20万元。", "二、使用范围", "创新券可用于购买检验检测服务。"]]


def make_doc(path: Path, tmp: Path) -> Path:
    """A Word 97-2003 file written by LibreOffice from a .docx (antiword reads what Word and WPS write)."""
    import docx

    d = docx.Document()
    d.add_heading("孵化器扶持细则", 1)
    for text in ["对经认定的市级以上孵化器，按其在孵企业数量给予运营补贴。",
                 "孵化器应当为在孵企业提供创业辅导、投融资对接和知识产权服务。",
                 "运营补贴每年申报一次，由科技创新局组织评审。"] * 3:
        d.add_paragraph(text)
    table = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("补贴项目", "补贴金额"), ("场地补贴", "30万元"), ("运营补贴", "15万元")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    source = tmp / (path.stem + ".docx")
    d.save(str(source))
    subprocess.run(["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp), str(source)],
                   check=True, capture_output=True, timeout=120, env={"HOME": str(tmp), "PATH": "/usr/bin:/bin"})
    shutil.move(tmp / (path.stem + ".doc"), path)
    return path


# --------------------------------------------------------------------------- loading


def test_pdf_table_rows_are_labelled_on_their_page_and_not_repeated_as_loose_text(tmp_path):
    loaded = load_text(make_table_pdf(tmp_path / "安居.pdf"))
    assert len(loaded.page_starts) == 2
    row = "人才类别：C类人才，购房补贴：60万元，租房补贴：每月2000元，安家补贴：10万元。"
    assert row in loaded.text.split("\n")
    assert loaded.page_of(loaded.text.index(row)) == 2
    # The cells appear once, in their row: no loose "C类人才 60万元 …" line, no bare header line.
    assert loaded.text.count("C类人才") == 1 and loaded.text.count("安家补贴") == 3
    lines = loaded.text.split("\n")
    assert lines.index("各类人才的安居补贴标准见下表。") < lines.index(row) < lines.index("三、申请方式")


def test_pdf_merged_header_labels_both_levels_and_a_repeated_header_is_dropped(tmp_path):
    loaded = load_text(make_long_merged_table_pdf(tmp_path / "指标.pdf"))
    assert len(loaded.page_starts) == 2
    lines = [line for line in loaded.text.split("\n") if line]
    assert lines[0] == "重点指标完成情况"
    rows = lines[1:]
    assert len(rows) == 40  # the header, shown again on page 2, is no row of its own
    assert rows[0] == "指标：第1项指标，完成值·2023年上半年：1亿元，完成值·2024年上半年：2亿元。"
    assert rows[-1] == "指标：第40项指标，完成值·2023年上半年：40亿元，完成值·2024年上半年：41亿元。"
    last = loaded.text.index(rows[-1])
    assert loaded.page_of(last) == 2


def test_pptx_slides_are_pages_with_their_titles_as_headings(tmp_path):
    loaded = load_text(make_pptx(tmp_path / "汇报.pptx"))
    assert len(loaded.page_starts) == 2
    second = loaded.text[loaded.page_starts[1]:].split("\n")
    assert second[0] == "# 招商引资"
    assert "上半年新签约项目45个，总投资210亿元。" in second
    assert "产业：集成电路，签约项目：12个。" in second
    assert loaded.text.startswith("# 2024年上半年工作汇报\n青枫湾高新区招商服务局")


def test_ofd_pages_read_in_position_order(tmp_path):
    loaded = load_text(make_ofd(tmp_path / "通知.ofd", OFD_PAGES))
    assert len(loaded.page_starts) == 2
    assert loaded.text.split("\n")[:2] == OFD_PAGES[0]
    assert loaded.text[loaded.page_starts[1]:].split("\n")[:4] == OFD_PAGES[1]


def test_every_format_is_in_the_one_supported_list():
    for suffix in (".pdf", ".doc", ".wps", ".pptx", ".ofd", ".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        assert suffix in SUPPORTED_SUFFIXES


@pytest.mark.parametrize("name,data", [
    ("坏幻灯片.pptx", b"PK\x03\x04 not a zip" * 20),
    ("坏公文.ofd", b"PK\x03\x04 not a zip" * 20),
    ("坏旧版.doc", b"\xd0\xcf\x11\xe0 not an OLE file" * 20),
    ("坏文件.wps", b"plain words, not Word" * 20),
    ("坏图片.png", b"\x89PNG\r\n\x1a\n broken" * 20),
])
def test_corrupt_files_are_refused_in_chinese_by_name(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(LoadError) as refused:
        load_text(tmp_path / name)
    assert str(refused.value).startswith(name) and "已跳过" in str(refused.value)


def test_an_ofd_without_its_root_file_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "空.ofd", "w") as z:
        z.writestr("Doc_0/Document.xml", "<x/>")
    with pytest.raises(LoadError, match="空.ofd.*OFD.xml"):
        load_text(tmp_path / "空.ofd")


@pytest.mark.slow
def test_scanned_and_mixed_pdfs_are_read_page_by_page_with_a_confidence_floor(tmp_path, monkeypatch):
    scanned = load_text(make_scanned_pdf(tmp_path / "扫描件.pdf"))
    assert scanned.ocr_pages == 2 and len(scanned.page_starts) == 2
    second = scanned.text[scanned.page_starts[1]:]
    assert "公交线路12条" in second and "园区交通" not in second
    assert scanned.warnings == ()  # clean print reads well above the default floor

    mixed = load_text(make_mixed_pdf(tmp_path / "混合.pdf", tmp_path / "p2.png"))
    assert mixed.ocr_pages == 2 and len(mixed.page_starts) == 3
    assert "园区道路总长46公里" in mixed.text[:mixed.page_starts[1]]
    assert "日处理能力8万吨" in mixed.text[mixed.page_starts[1]:mixed.page_starts[2]]
    third = mixed.text[mixed.page_starts[2]:]
    # The scan is read, and the stamp (drawn on the rendered page) only once, not also from the text layer.
    assert "绿化覆盖率达到45%" in third and third.count("扫描应用") == 1

    use_env(monkeypatch, ZONEQA_OCR_MIN_CONFIDENCE="0.9999")
    strict = load_text(tmp_path / "混合.pdf")
    assert [w.split("：")[0] for w in strict.warnings] == ["混合.pdf 第2页", "混合.pdf 第3页"]
    assert "OCR 置信度" in strict.warnings[0] and "ZONEQA_OCR_MIN_CONFIDENCE" in strict.warnings[0]


@pytest.mark.slow
def test_a_two_column_scan_is_read_column_by_column(tmp_path):
    from PIL import ImageDraw, ImageFont

    image = render_text([], size=(900, 330))
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 24)
    draw.text((200, 20), "园区简报第三期标题", font=font, fill="black")
    left = ["左栏第一行园区企业", "左栏第二行新增专利", "左栏第三行研发投入"]
    right = ["右栏第一行人才公寓", "右栏第二行交通线路", "右栏第三行绿化面积"]
    for i, (a, b) in enumerate(zip(left, right)):
        draw.text((30, 90 + i * 70), a, font=font, fill="black")
        draw.text((500, 90 + i * 70), b, font=font, fill="black")
    image.save(tmp_path / "简报.png")
    assert load_text(tmp_path / "简报.png").text.split() == ["园区简报第三期标题", *left, *right]


def _box(left: float, top: float, text: str, width: float = 200):
    from ingest.ocr import _Box

    return _Box(left, left + width, top, top + 20, text, 0.99)


def test_reading_order_keeps_table_rows_and_splits_text_columns():
    from ingest.ocr import _reading_order

    def read(boxes):
        return [" ".join(b.text for b in line) for line in _reading_order(boxes)]

    table = [_box(x, 40 * r, text, 120) for r, row in enumerate(TALENT_ROWS) for x, text in zip((0, 200, 400, 600), row)]
    assert read(table) == [" ".join(row) for row in TALENT_ROWS]  # a scanned table stays row by row
    columns = [_box(0, 40 * r, f"左栏第{r}行的一句完整文字") for r in range(4)]
    columns += [_box(400, 40 * r, f"右栏第{r}行的一句完整文字") for r in range(4)]
    assert read(columns) == [f"左栏第{r}行的一句完整文字" for r in range(4)] + [f"右栏第{r}行的一句完整文字" for r in range(4)]


def test_a_pdf_with_neither_text_nor_images_is_refused(tmp_path):
    pdf = _pdf()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(tmp_path / "空白.pdf"))
    with pytest.raises(LoadError, match="空白.pdf.*没有文字层"):
        load_text(tmp_path / "空白.pdf")


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def formats_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("docformats")
    docs, work = root / "docs", root / "work"
    docs.mkdir()
    work.mkdir()
    make_table_pdf(docs / "人才安居办法.pdf")
    make_scanned_pdf(docs / "交通扫描件.pdf")
    render_text(["人才公寓每年3月集中受理申请。"]).save(docs / "公寓通知.png")
    make_pptx(docs / "工作汇报.pptx")
    make_ofd(docs / "创新券通知.ofd", OFD_PAGES)
    make_doc(docs / "孵化器细则.doc", work)
    data = root / "data"
    # Without -q: the per-page OCR progress goes to stderr as it would in a terminal.
    result = run_cli("-m", "ingest", str(docs), "--kb", "docformats", env={"ZONEQA_DATA": str(data)})
    assert result.returncode == 0, result.stderr
    return data, result


def _ask(data: Path, question: str) -> dict:
    return ask_cli(data, question, "docformats")


@pytest.mark.slow
def test_every_format_is_ingested_with_ocr_progress_and_speed(formats_kb):
    _, result = formats_kb
    assert "写入 6" in result.stdout and "跳过 0" in result.stdout
    assert "OCR 3 页" in result.stdout and "页/秒" in result.stdout
    assert "OCR 交通扫描件.pdf" in result.stderr and "2/2" in result.stderr


@pytest.mark.slow
def test_a_pdf_table_row_answers_and_cites_its_page(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "C类人才的购房补贴是多少？")
    assert not a["refused"] and "60万元" in a["answer"]
    cited = a["citations"][0]
    assert cited["source"] == "人才安居办法.pdf" and "第2页" in cited["section"]
    assert "人才类别：C类人才，购房补贴：60万元" in cited["text"]


@pytest.mark.slow
def test_the_figure_table_labels_a_table_figure_by_row_and_column(formats_kb):
    data, _ = formats_kb
    r = run_cli("-m", "retrieval.figures", "C类人才", "--kb", "docformats", "--json", env={"ZONEQA_DATA": str(data)})
    assert r.returncode == 0, r.stderr
    rows = {(row["metric"], row["value"], row["unit"]) for row in json.loads(r.stdout)}
    assert ("C类人才 · 购房补贴", "60", "万元") in rows
    assert ("C类人才 · 安家补贴", "10", "万元") in rows
    assert all(metric.startswith("C类人才") for metric, _, _ in rows)  # not the A/B rows beside it
    ranked = run_cli("-m", "retrieval.figures", "购房补贴", "--min", "700000", "--sort", "value", "--kb", "docformats",
                     "--json", env={"ZONEQA_DATA": str(data)})
    assert [(r["metric"], r["value"]) for r in json.loads(ranked.stdout)] == [("A类人才 · 购房补贴", "100"),
                                                                         ("B类人才 · 购房补贴", "80")]


@pytest.mark.slow
def test_scanned_pages_and_images_answer_with_the_page(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "园区有几条公交线路？")
    assert "12条" in a["answer"]
    assert a["citations"][0]["source"] == "交通扫描件.pdf" and "第2页" in a["citations"][0]["section"]
    b = _ask(data, "人才公寓每年几月受理申请？")
    assert "3月" in b["answer"] and b["citations"][0]["source"] == "公寓通知.png"


@pytest.mark.slow
def test_slides_ofd_and_legacy_word_answer(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "上半年新签约项目多少个？")
    assert "45个" in a["answer"]
    assert a["citations"][0]["source"] == "工作汇报.pptx"
    assert "招商引资" in a["citations"][0]["section"] and "第2页" in a["citations"][0]["section"]
    b = _ask(data, "每家企业每年申领创新券最高多少钱？")
    assert "20万元" in b["answer"] and b["citations"][0]["source"] == "创新券通知.ofd"
    assert "第2页" in b["citations"][0]["section"]
    c = _ask(data, "孵化器场地补贴金额是多少？")
    assert "30万元" in c["answer"] and c["citations"][0]["source"] == "孵化器细则.doc"
    assert "补贴项目：场地补贴，补贴金额：30万元。" in c["citations"][0]["text"]
