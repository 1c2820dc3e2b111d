"""Real Word, PDF, HTML, Excel and CSV files, made here with real libraries, ingested and asked about."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_text
from tests.conftest import ask_cli, run_cli

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("科技企业扶持办法", level=1)
    d.add_heading("研发补助", level=2)
    d.add_paragraph("对新认定的高新技术企业，给予一次性研发补助，最高补助50万元。")
    d.add_heading("补助标准表", level=2)
    table = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["企业类型", "补助比例", "上限"], ["科技小巨人企业", "30%", "200万元"],
                             ["瞪羚企业", "20%", "100万元"]]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    d.save(path)
    return path


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("wqy", "", FONT)
    pdf.set_font("wqy", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "园区企业名录"
    sheet.append(["企业名称", "所属产业", "入驻年份"])
    sheet.append(["福光数码科技有限公司", "光电产业", 2019])
    sheet.append(["闽江生物医药有限公司", "生物医药", 2021])
    book.save(path)
    return path


HTML = """<html><head><title>通知</title><script>var x = "不应出现的脚本文字";</script></head>
<body><nav>首页 | 通知公告</nav><main><h1>人才公寓申请通知</h1>
<h2>申请条件</h2><p>在高新区工作满一年的高层次人才可以申请人才公寓。</p>
<h2>受理时间</h2><p>每年3月1日至3月31日集中受理。</p></main><footer>版权所有</footer></body></html>"""


@pytest.fixture(scope="module")
def formats_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    make_docx(docs / "扶持办法.docx")
    make_pdf(docs / "园区年报.pdf", ["第一章 概况\n园区总面积约12平方公里。", "第二章 交通\n园区共有公交线路8条，地铁2号线在园区设站。"])
    make_xlsx(docs / "企业名录.xlsx")
    (docs / "人才公寓.html").write_text(HTML, encoding="utf-8")
    (docs / "补贴.csv").write_text("项目,金额\n研发补助,50万元\n人才奖励,200万元\n", encoding="gb18030")
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip file" * 10)
    (docs / "broken.xlsx").write_bytes(b"\x00\x01garbage" * 50)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage without objects")
    (docs / "empty.pdf").write_bytes(b"")
    data = root / "data"
    result = run_cli("-m", "ingest", str(docs), "--kb", "formats", "-q", env={"ZONEQA_DATA": str(data)})
    assert result.returncode == 0, result.stderr
    return data, result


def _ask(data: Path, question: str) -> dict:
    return ask_cli(data, question, "formats")


@pytest.mark.slow
def test_bad_files_are_named_and_the_rest_ingested(formats_kb):
    _, result = formats_kb
    for name in ("broken.docx", "broken.xlsx", "broken.pdf", "empty.pdf"):
        assert name in result.stderr
    assert "写入 5" in result.stdout


@pytest.mark.slow
def test_word_headings_become_sections_and_tables_keep_headers(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "科技小巨人企业的补助上限是多少？")
    assert "200万元" in a["answer"]
    cited = a["citations"][0]
    assert cited["source"] == "扶持办法.docx" and "补助标准表" in cited["section"]
    assert "企业类型：科技小巨人企业，补助比例：30%，上限：200万元。" in cited["text"]


@pytest.mark.slow
def test_pdf_citations_name_the_page(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "园区有几条公交线路？")
    assert "8条" in a["answer"]
    assert a["citations"][0]["source"] == "园区年报.pdf" and "第2页" in a["citations"][0]["section"]


@pytest.mark.slow
def test_html_main_text_without_scripts_and_spreadsheets_by_row(formats_kb):
    data, _ = formats_kb
    a = _ask(data, "人才公寓什么时候受理申请？")
    assert "3月1日至3月31日" in a["answer"] and "受理时间" in a["citations"][0]["section"]
    assert all("不应出现的脚本文字" not in p["text"] for p in a["passages"])
    b = _ask(data, "闽江生物医药有限公司哪一年入驻？")
    assert "入驻年份：2021" in b["answer"] and "园区企业名录" in b["citations"][0]["section"]
    c = _ask(data, "人才奖励金额是多少？")
    assert "200万元" in c["answer"]


def test_encrypted_and_scanned_pdfs_are_refused_with_a_reason(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["保密文件内容。"])
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt("secret")
    writer.write(str(tmp_path / "locked.pdf"))
    with pytest.raises(LoadError, match="加密"):
        load_text(tmp_path / "locked.pdf")

    from fpdf import FPDF

    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 60, style="F")  # an image-like page with no text layer
    scan.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(LoadError, match="OCR"):
        load_text(tmp_path / "scan.pdf")


@pytest.mark.slow
def test_kb_management_list_delete_drop(formats_kb):
    data, _ = formats_kb
    env = {"ZONEQA_DATA": str(data)}
    listing = run_cli("-m", "ingest", "--kb", "formats", "--list", env=env)
    assert listing.returncode == 0 and "扶持办法.docx" in listing.stdout and "已跳过" in listing.stdout
    deleted = run_cli("-m", "ingest", "--kb", "formats", "--delete", "补贴.csv", env=env)
    assert deleted.returncode == 0 and "已删除" in deleted.stdout
    after = _ask(data, "人才奖励金额是多少？")
    assert all(p["source"] != "补贴.csv" for p in after["passages"])
    missing = run_cli("-m", "ingest", "--kb", "formats", "--delete", "nosuch.txt", env=env)
    assert missing.returncode == 2 and "没有文件" in missing.stderr
    dropped = run_cli("-m", "ingest", "--kb", "formats", "--drop", env=env)
    assert dropped.returncode == 0
    gone = run_cli("-m", "retrieval.ask", "问题", "--kb", "formats", env=env)
    assert gone.returncode == 2 and "不存在" in gone.stderr
