"""Hostile and oversized documents (security probe, issue 11), built here as real files.

Each crafted Office file is loaded in a child process whose address space is capped
(RLIMIT_AS), so a regression fails with MemoryError instead of taking the machine down;
the child reports its peak resident memory, which must stay under 300 MB.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_text
from tests.conftest import ROOT, run_cli, use_env
from tests.test_formats import make_docx, make_pdf

MB = 1024 * 1024
PEAK_RSS_LIMIT_MB = 300
# Address-space guard for the child: comfortably above Python + openpyxl + python-docx + pypdf
# (about 190 MB of mappings), far below what the unfixed loaders tried to take (over 5 GB).
ADDRESS_SPACE_LIMIT = 768 * MB

_CHILD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.path.insert(0, {root!r})
from ingest.loaders import LoadError, load_text
out = {{}}
try:
    loaded = load_text(Path(sys.argv[1]))
    out.update(loaded=True, text=loaded.text[:2000], chars=len(loaded.text), warnings=list(loaded.warnings))
except LoadError as exc:
    out.update(loaded=False, error=str(exc))
except MemoryError:
    out.update(loaded=False, error="MemoryError")
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of a big pytest process would
# report its parent's peak; VmHWM belongs to this interpreter's own address space.
hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
out["peak_rss_mb"] = (int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
print(json.dumps(out, ensure_ascii=False))
"""


def load_in_capped_child(path: Path, **env: str) -> dict:
    """load_text(path) in a fresh interpreter under an address-space cap; its result and peak RSS."""
    script = _CHILD.format(limit=ADDRESS_SPACE_LIMIT, root=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    print(path.name, "peak RSS", f"{out['peak_rss_mb']:.0f} MB")  # shown with pytest -s
    return out


# --------------------------------------------------------------------------- crafted files


def make_far_cell_xlsx(path: Path) -> Path:
    """An xlsx with cells only at A1 and XFD1048576, and a dimension claiming the whole grid."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "稀疏表"
    sheet["A1"] = "项目"
    staged = path.with_suffix(".staged.xlsx")
    book.save(staged)
    far_row = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>最远的格子</t></is></c></row>'
    with zipfile.ZipFile(staged) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode("utf-8")
                xml = xml.replace('<dimension ref="A1:A1"/>', '<dimension ref="A1:XFD1048576"/>')
                xml = xml.replace("</row></sheetData>", "</row>" + far_row + "</sheetData>")
                assert "A1:XFD1048576" in xml and "XFD1048576\"" in xml
                data = xml.encode("utf-8")
            dst.writestr(info, data)
    staged.unlink()
    assert path.stat().st_size < 10 * 1024
    return path


def make_table_xlsx(path: Path, rows: int, columns: int = 3) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "企业名录"
    sheet.append([f"字段{j + 1}" for j in range(columns)])
    for i in range(rows):
        sheet.append([f"企业{i}-{j}" for j in range(columns)])
    book.save(path)
    return path


_PARAGRAPH = ('<w:p><w:r><w:t>高新区计划年内建成道路5条，新增公交线路8条，'
              '持续优化营商环境，推动科技企业高质量发展。</w:t></w:r></w:p>')


def make_docx_bomb(path: Path, target_mb: int = 170) -> Path:
    """A real docx whose word/document.xml is ~target_mb of repeated paragraphs, deflated to < 1 MB."""
    staged = make_docx(path.with_suffix(".staged.docx"))
    block = _PARAGRAPH.encode("utf-8") * 4096
    with zipfile.ZipFile(staged) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            xml = src.read(info.filename).decode("utf-8")
            head, tail = xml.split("<w:body>", 1)
            with dst.open("word/document.xml", "w") as out:  # streamed: the test never holds 170 MB
                out.write((head + "<w:body>").encode("utf-8"))
                for _ in range(target_mb * MB // len(block)):
                    out.write(block)
                out.write(tail.encode("utf-8"))
    staged.unlink()
    return path


def understate_member_size(path: Path, member: str, declared: int) -> None:
    """Rewrite a member's headers to claim ``declared`` bytes, with the CRC of just those bytes,
    so zipfile's own checks pass while the real stream still inflates to its full size."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        with archive.open(member) as f:
            crc = zlib.crc32(f.read(declared))
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46: central + 46 + name_len] == member.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    assert central != -1
    struct.pack_into("<I", data, central + 16, crc)  # central directory: CRC at 16, size at 24
    struct.pack_into("<I", data, central + 24, declared)
    local = info.header_offset  # local header: CRC at 14, size at 22
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, declared)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- spreadsheets


def test_far_cell_xlsx_loads_within_memory_and_names_the_truncated_sheet(tmp_path):
    out = load_in_capped_child(make_far_cell_xlsx(tmp_path / "far.xlsx"))
    assert out["loaded"], out
    assert out["text"] == "# 稀疏表\n项目。"
    [warning] = out["warnings"]
    assert "far.xlsx" in warning and "稀疏表" in warning and "ZONEQA_XLSX_MAX_COLUMNS" in warning
    assert out["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


def test_far_cell_is_read_at_its_real_coordinates_without_allocating_the_grid(tmp_path):
    # With the column limit at Excel's maximum the far cell is read: only cells that exist cost memory.
    out = load_in_capped_child(make_far_cell_xlsx(tmp_path / "far.xlsx"), ZONEQA_XLSX_MAX_COLUMNS="16384")
    assert out["loaded"], out
    assert out["text"] == "# 稀疏表\n第16384列：最远的格子。" and out["warnings"] == []
    assert out["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


def test_sheet_row_and_cell_limits_truncate_with_a_named_reason(tmp_path, monkeypatch):
    path = make_table_xlsx(tmp_path / "名录.xlsx", rows=50)
    use_env(monkeypatch, ZONEQA_XLSX_MAX_ROWS="10")
    loaded = load_text(path)
    lines = loaded.text.splitlines()
    assert lines[0] == "# 企业名录" and len(lines) == 1 + 9  # the header row counts as one of the 10
    assert lines[1] == "字段1：企业0-0，字段2：企业0-1，字段3：企业0-2。"
    [warning] = loaded.warnings
    assert "名录.xlsx" in warning and "企业名录" in warning and "10 行" in warning

    use_env(monkeypatch, ZONEQA_XLSX_MAX_ROWS="200000", ZONEQA_XLSX_MAX_CELLS="30")
    loaded = load_text(path)
    assert len(loaded.text.splitlines()) == 1 + 9  # 30 cells: the header and 9 rows of 3
    assert "30 个单元格" in loaded.warnings[0]


def test_spreadsheet_within_limits_is_unchanged(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "补助"
    sheet.append(["项目", None, "金额"])  # a gap column keeps its position
    sheet.append(["研发补助", None, 50])
    sheet["A5"] = "人才奖励"  # rows missing in between are simply absent
    sheet["C5"] = True
    book.save(tmp_path / "补助.xlsx")
    loaded = load_text(tmp_path / "补助.xlsx")
    assert loaded.text == "# 补助\n项目：研发补助，金额：50。\n项目：人才奖励，金额：True。"
    assert loaded.warnings == ()


# --------------------------------------------------------------------------- zip bombs and text size


def test_docx_bomb_is_refused_by_its_unzipped_size(tmp_path):
    bomb = make_docx_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 1 * MB
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("word/document.xml").file_size > 170 * 1000 * 1000
    out = load_in_capped_child(bomb)
    assert not out["loaded"]
    assert "bomb.docx" in out["error"] and "50 MB" in out["error"] and "ZONEQA_MAX_UNZIPPED_MB" in out["error"]
    assert out["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


def test_docx_bomb_with_understated_headers_is_refused_while_inflating(tmp_path):
    liar = make_docx_bomb(tmp_path / "liar.docx")
    understate_member_size(liar, "word/document.xml", 4000)
    with zipfile.ZipFile(liar) as archive:  # the headers now add up to almost nothing
        assert sum(m.file_size for m in archive.infolist()) < 1 * MB
    out = load_in_capped_child(liar)
    assert not out["loaded"]
    assert "liar.docx" in out["error"] and "word/document.xml" in out["error"] and "实际大小" in out["error"]
    assert out["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


def test_unzipped_limit_is_a_setting(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "办法.docx")
    assert "科技小巨人企业" in load_text(path).text
    use_env(monkeypatch, ZONEQA_MAX_UNZIPPED_MB="0")
    with pytest.raises(LoadError, match="办法.docx.*0 MB.*ZONEQA_MAX_UNZIPPED_MB"):
        load_text(path)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".txt"])
def test_text_over_the_character_limit_is_refused_by_name(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"长文{suffix}"
    if suffix == ".docx":
        import docx

        d = docx.Document()
        for i in range(200):
            d.add_paragraph(f"第{i}段：高新区持续优化营商环境，推动科技企业高质量发展。")
        d.save(path)
    elif suffix == ".xlsx":
        make_table_xlsx(path, rows=200)
    else:
        path.write_text("高新区持续优化营商环境。\n" * 200, encoding="utf-8")
    assert len(load_text(path).text) > 2000
    use_env(monkeypatch, ZONEQA_MAX_TEXT_CHARS="1000")
    with pytest.raises(LoadError, match="长文.*1000 个字符.*ZONEQA_MAX_TEXT_CHARS"):
        load_text(path)


# --------------------------------------------------------------------------- PDF passwords


def _encrypted_pdf(tmp_path: Path, name: str, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / f"plain-{name}", ["园区共有公交线路8条。"])
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    writer.encrypt(user_password, owner_password="owner-secret")
    writer.write(str(tmp_path / name))
    return tmp_path / name


def test_pdf_with_an_empty_user_password_is_read(tmp_path):
    from pypdf import PdfReader

    path = _encrypted_pdf(tmp_path, "permissions-only.pdf", "")
    assert PdfReader(str(path)).is_encrypted
    assert "公交线路8条" in load_text(path).text


def test_pdf_that_needs_a_password_is_still_refused(tmp_path):
    path = _encrypted_pdf(tmp_path, "locked.pdf", "secret")
    with pytest.raises(LoadError, match="locked.pdf.*加密.*密码"):
        load_text(path)


# --------------------------------------------------------------------------- slow-ingestion warning


def test_large_text_gets_a_time_estimate_before_ingestion(tmp_path):
    from ingest.sync import estimated_embed_minutes, slow_file_warning
    from settings import MEASURED_EMBED_RATE, get_settings

    sentence = "高新区计划年内建成道路5条，新增公交线路8条，持续优化营商环境。\n"
    path = tmp_path / "年报汇编.txt"
    path.write_text(sentence * (20 * MB // len(sentence.encode("utf-8"))), encoding="utf-8")
    assert path.stat().st_size > 19 * MB
    loaded = load_text(path)
    s = get_settings()
    minutes = len(loaded.text) / s.chunk_chars / MEASURED_EMBED_RATE / 60
    assert minutes > 30 and estimated_embed_minutes(len(loaded.text), s) == pytest.approx(minutes)
    warning = slow_file_warning("年报汇编.txt", len(loaded.text), s)
    assert warning is not None and "年报汇编.txt" in warning and f"约 {round(minutes)} 分钟" in warning
    assert slow_file_warning("短文.txt", 5000, s) is None  # a few seconds: no warning


@pytest.mark.slow
def test_warnings_reach_the_cli_and_the_sync_report(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "长篇报告.txt").write_text("一、总体情况\n" + "高新区持续优化营商环境，推动科技企业高质量发展。" * 100,
                                   encoding="utf-8")
    make_table_xlsx(docs / "名录.xlsx", rows=20)
    # Thresholds lowered so small files stand in for hours-long ones; nothing else is faked.
    env = {"ZONEQA_DATA": str(tmp_path / "data"), "ZONEQA_WARN_INGEST_MINUTES": "0.01",
           "ZONEQA_XLSX_MAX_ROWS": "5"}
    result = run_cli("-m", "ingest", str(docs), "--kb", "limits", "-q", env=env)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "长篇报告.txt 较大" in result.stderr and "分钟" in result.stderr  # logged before embedding
    assert "注意：长篇报告.txt 较大" in result.stdout  # and in the summary the admin tab shows
    assert "注意：名录.xlsx: 工作表“企业名录”超过 5 行" in result.stdout
    assert "写入 2" in output
