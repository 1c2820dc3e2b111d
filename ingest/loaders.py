"""File -> text, with the encoding detected and document structure kept.

Plain text and Markdown arrive as UTF-8, UTF-8 with BOM, or GB18030/GBK.
Word (.docx, and .doc/.wps through antiword), HTML, PDF, PowerPoint, OFD, spreadsheets (and Markdown pipe
tables in text files) are turned into text whose headings are Markdown ``#`` lines (so text.structure sees
them) and whose table rows are one line each, every cell labelled with its column header
("年份：2023，金额：50万元。", ingest/tables.py), so a table split across chunks keeps its header. Paged
formats (PDF, slides, OFD, images) keep page offsets for page-precise citations; scanned PDF pages and
images are read by OCR (ingest/ocr.py). A file that is empty, binary, encrypted or corrupt raises
:class:`LoadError` with a message naming the file.

Files are untrusted input (anyone with the admin password can upload), so each
one is held to limits from settings before and while it is parsed: what an
Office (zip) file may unpack to, how much text a file may yield, and how many
rows, columns and cells a sheet may have. A file over a limit is refused by
name with the limit; a sheet over a limit is read up to it and named in
:attr:`LoadedText.warnings`.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from charset_normalizer import from_bytes

from ingest.load_error import LoadError, text_too_long
from ingest.images import read_image
from ingest.legacy_word import read_legacy_word
from ingest.markdown import unbold_labels
from ingest.ocr import PageProgress
from ingest.ofd import read_ofd
from ingest.paged import PagedText
from ingest.pdf import read_pdf
from ingest.slides import read_pptx
from ingest.tables import iter_table_lines, markdown_tables, table_lines
from settings import Settings, get_settings

# The one list of what ZoneQA reads (discovery, the admin upload and the README's formats table follow it).
TEXT_SUFFIXES = frozenset({".txt", ".md"})
ZIP_SUFFIXES = frozenset({".docx", ".xlsx", ".pptx", ".ofd"})  # zip packages: held to the unpacked-size limit
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})  # read by OCR
LEGACY_WORD_SUFFIXES = frozenset({".doc", ".wps"})  # Word 97-2003 binary, read by antiword
SUPPORTED_SUFFIXES = (TEXT_SUFFIXES | ZIP_SUFFIXES | IMAGE_SUFFIXES | LEGACY_WORD_SUFFIXES
                      | {".html", ".htm", ".pdf", ".csv"})
_MB = 1024 * 1024
# Zip members are inflated in steps of this size when checked, so a bomb never sits in memory whole.
_INFLATE_STEP = 1024 * 1024
_ZIP_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then name and extra-field lengths at 26


@dataclass(frozen=True)
class LoadedText:
    path: Path
    text: str
    encoding: str
    page_starts: tuple[int, ...] = ()  # paged formats: offset in ``text`` where each page (slide) begins
    warnings: tuple[str, ...] = ()  # loaded, but not all of it (a sheet over a limit, a doubtful OCR page)
    ocr_pages: int = 0
    ocr_seconds: float = 0.0

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset`` (paged formats only)."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return True
    sample = data[:65536]
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode document bytes; return (text, encoding) or raise ValueError."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if _looks_binary(data):
        raise ValueError("看起来是二进制文件，不是文本")
    # Strict tries in order of likelihood; GB18030 is a superset of GBK/GB2312.
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ValueError("无法识别文件编码")
    return str(best), best.encoding


def _text_too_long(path: Path, limit: int) -> LoadError:
    return text_too_long(path.name, limit)


def _inflated_size(raw: BinaryIO, info: zipfile.ZipInfo, budget: int) -> int:
    """How many bytes ``info`` really unpacks to, counting no further than just past ``budget``.

    Read from the raw archive rather than through zipfile: zipfile inflates a member's
    compressed bytes in one call and only then cuts them to the size the header declares,
    so it cannot tell us the true size without holding it all.
    """
    raw.seek(info.header_offset)
    signature, name_len, extra_len = _ZIP_LOCAL_HEADER.unpack(raw.read(_ZIP_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    raw.seek(info.header_offset + _ZIP_LOCAL_HEADER.size + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:  # Office files are always deflated
        raise zipfile.BadZipFile(f"unexpected compression method {info.compress_type}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    compressed_left = info.compress_size
    size = 0
    while not inflater.eof and size <= budget:
        if inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
        elif compressed_left > 0:
            data = raw.read(min(compressed_left, _INFLATE_STEP))
            if not data:
                break
            compressed_left -= len(data)
        else:
            break
        size += len(inflater.decompress(data, _INFLATE_STEP))
    return size


def check_zip_limits(path: Path, limit_mb: int) -> None:
    """Refuse an Office file that would unpack to more than ``limit_mb`` before any parser opens it.

    The declared sizes catch an honest bomb at no cost. A member whose header understates its
    size would still be inflated whole by zipfile inside python-docx/openpyxl, so every member
    is also inflated once here, in bounded steps, and must not exceed what its header says.
    """
    limit = limit_mb * _MB
    with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
        members = archive.infolist()
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise LoadError(f"{path.name}: 解压后共 {declared / _MB:.0f} MB，超过 {limit_mb} MB 的上限"
                            f"（ZONEQA_MAX_UNZIPPED_MB），可能是压缩炸弹，已跳过")
        for member in members:
            if _inflated_size(raw, member, member.file_size) > member.file_size:
                raise LoadError(f"{path.name}: 压缩包内 {member.filename} 的实际大小超过文件头声明的大小"
                                f"（可能是压缩炸弹），已跳过")


def _docx(path: Path, max_chars: int) -> str:
    import docx

    document = docx.Document(str(path))
    styles = _paragraph_style_names(document)
    lines: list[str] = []
    chars = 0
    for block in document.element.body.iterchildren():
        if chars > max_chars:  # stop extracting as soon as the file is known to be refused
            raise _text_too_long(path, max_chars)
        before = len(lines)
        _docx_block(block, document, styles, lines)
        chars += sum(len(line) + 1 for line in lines[before:])
    return "\n".join(lines)


def _paragraph_style_names(document) -> dict[str | None, str]:
    """Paragraph style id -> lower-case style name, None -> the default style's.

    Looked up once per file: python-docx's ``Paragraph.style`` scans every style of the
    document for each paragraph, which made a 20 MB document take minutes.
    """
    from docx.enum.style import WD_STYLE_TYPE

    names: dict[str | None, str] = {
        st.style_id: (st.name or "").lower() for st in document.styles if st.type == WD_STYLE_TYPE.PARAGRAPH
    }
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    names[None] = (default.name or "").lower() if default is not None else ""
    return names


def _docx_block(block, document, styles: dict[str | None, str], lines: list[str]) -> None:
    """Append the lines of one body element: a paragraph (headings as '#') or a table."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    tag = block.tag.rsplit("}", 1)[-1]
    if tag == "p":
        para = Paragraph(block, document)
        text = para.text.strip()
        # Like python-docx: an unknown style id means the default paragraph style.
        style = styles.get(block.style, styles[None])
        if not text:
            return
        if style.startswith("heading") or style.startswith("标题") or style == "title":
            digits = "".join(ch for ch in style if ch.isdigit())
            lines.append("#" * min(6, int(digits) if digits else 1) + " " + text)
        else:
            lines.append(text)
    elif tag == "tbl":
        table = Table(block, document)
        lines += table_lines([[cell.text for cell in row.cells] for row in table.rows])


def _html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript", "template"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    lines: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "table", "pre"]):
        if el.find_parent(["table", "li", "p"]) is not None and el.name != "table":
            continue  # already taken with its container
        if el.name == "table":
            if el.find_parent("table") is None:
                lines += table_lines([[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
                                       for tr in el.find_all("tr")])
        elif el.name[0] == "h":
            text = el.get_text(" ", strip=True)
            if text:
                lines.append("#" * int(el.name[1]) + " " + text)
        else:
            text = el.get_text(" ", strip=True)
            if text:
                lines.append(text)
    return "\n".join(lines)


def sheet_cells(sheet) -> Iterator[tuple[int, int, object]]:
    """(row, column, value) of every cell present in a read-only sheet's XML, in file order.

    Not ``sheet.iter_rows``: it pads rows to the sheet's declared dimension and yields every
    missing row, so a 6 KB file with cells at A1 and XFD1048576 makes it allocate billions of
    slots. Here the XML is streamed and each element dropped once read, so memory does not grow
    with the sheet; openpyxl's own cell parser (what its read-only sheets use) keeps its typing
    of shared strings, numbers, booleans and dates.
    """
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
    book = sheet.parent
    with sheet._get_source() as src:
        parser = WorkSheetParser(src, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        open_elements: list = []
        in_cell = 0
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                open_elements.append(element)
                if element.tag == cell_tag:
                    in_cell += 1
                elif element.tag == row_tag:  # what WorkSheetParser.parse_row does for cells without "r"
                    r = element.get("r")
                    parser.row_counter = int(float(r)) if r else parser.row_counter + 1
                    parser.col_counter = 0
                continue
            open_elements.pop()
            if element.tag == cell_tag:
                in_cell -= 1
                cell = parser.parse_cell(element)
                if cell["value"] is not None:
                    yield cell["row"], cell["column"], cell["value"]
            if not in_cell and open_elements:  # a cell's children are read with the cell
                open_elements[-1].remove(element)


def _sheet_rows(sheet, s: Settings, notes: list[str]) -> Iterator[list[object]]:
    """The sheet's non-empty rows (column i at index i-1), within the row, column and cell limits.

    Each limit reached is described in ``notes``; rows are yielded as they end, so only one row
    (at most ``xlsx_max_columns`` wide) is ever built.
    """
    rows = cells = 0
    current_row, values = None, {}
    dropped_columns = False

    def row_list() -> list[object]:
        row: list[object] = [None] * max(values)
        for column, value in values.items():
            row[column - 1] = value
        return row

    for r, column, value in sheet_cells(sheet):
        if r != current_row:
            if values:
                yield row_list()
                rows += 1
            current_row, values = r, {}
        if not str(value).strip():
            continue
        if column > s.xlsx_max_columns:
            dropped_columns = True
            continue
        if not values and rows >= s.xlsx_max_rows:
            notes.append(f"超过 {s.xlsx_max_rows} 行（ZONEQA_XLSX_MAX_ROWS），只读取了前 {rows} 行")
            break
        if cells >= s.xlsx_max_cells:
            notes.append(f"超过 {s.xlsx_max_cells} 个单元格（ZONEQA_XLSX_MAX_CELLS），只读取了前 {cells} 个")
            break
        values[column] = value
        cells += 1
    if values:
        yield row_list()
    if dropped_columns:
        notes.append(f"超过 {s.xlsx_max_columns} 列（ZONEQA_XLSX_MAX_COLUMNS），之后的列未读取")


def _xlsx(path: Path, s: Settings) -> tuple[str, list[str]]:
    """Text of every sheet, and a warning naming each sheet that was read only up to a limit."""
    from openpyxl import load_workbook

    book = load_workbook(str(path), read_only=True, data_only=True)
    lines: list[str] = []
    warnings: list[str] = []
    chars = 0
    try:
        for sheet in book.worksheets:
            notes: list[str] = []
            table: list[str] = []
            for line in iter_table_lines(_sheet_rows(sheet, s, notes)):
                chars += len(line) + 1
                if chars > s.max_text_chars:
                    raise _text_too_long(path, s.max_text_chars)
                table.append(line)
            if table:
                lines.append(f"# {sheet.title}")
                lines += table
            if notes:
                warnings.append(f"{path.name}: 工作表“{sheet.title}”" + "；".join(notes) + "，其余内容未导入")
    finally:
        book.close()
    return "\n".join(lines), warnings


def _csv(data: bytes) -> str:
    text, _ = decode_bytes(data)
    return "\n".join(table_lines(list(csv.reader(io.StringIO(text)))))


def _paged(path: Path, suffix: str, s: Settings, on_ocr_page: PageProgress | None) -> PagedText:
    if suffix == ".pdf":
        return read_pdf(path, s, on_ocr_page)
    if suffix in IMAGE_SUFFIXES:
        return read_image(path, s, on_ocr_page)
    if suffix == ".pptx":
        return read_pptx(path, s.max_text_chars)
    return read_ofd(path, s.max_text_chars)


def load_text(path: Path, settings: Settings | None = None,
              on_ocr_page: PageProgress | None = None) -> LoadedText:
    """Read a supported file as text with normalised line endings (and page offsets for paged formats).

    ``on_ocr_page`` is told of every page read by OCR (pages done, pages to do), for a progress bar.
    """
    s = settings or get_settings()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: 无法读取（{exc.strerror or exc}）") from exc
    if not data.strip():
        raise LoadError(f"{path.name}: 文件为空，已跳过")
    suffix = path.suffix.lower()
    encoding = "binary"
    warnings: list[str] = []
    paged = PagedText([])
    pages: tuple[int, ...] = ()
    try:
        if suffix in ZIP_SUFFIXES:
            check_zip_limits(path, s.max_unzipped_mb)
        if suffix in TEXT_SUFFIXES:
            text, encoding = decode_bytes(data)
            if len(text) > s.max_text_chars:  # before tables are spelled out (labelled rows grow)
                raise _text_too_long(path, s.max_text_chars)
            text = markdown_tables(text.replace("\r\n", "\n").replace("\r", "\n"))
            if suffix == ".md":
                text = unbold_labels(text)
        elif suffix in (".html", ".htm"):
            text = _html(data)
        elif suffix == ".csv":
            text = _csv(data)
        elif suffix in (".pdf", ".pptx", ".ofd") or suffix in IMAGE_SUFFIXES:
            paged = _paged(path, suffix, s, on_ocr_page)
            text, pages = paged.joined()
            warnings = list(paged.warnings)
        elif suffix == ".docx":
            text = _docx(path, s.max_text_chars)
        elif suffix == ".xlsx":
            text, warnings = _xlsx(path, s)
        elif suffix in LEGACY_WORD_SUFFIXES:
            text = read_legacy_word(path)
        else:
            raise LoadError(f"{path.name}: 不支持的文件类型 {suffix}")
    except LoadError:
        raise
    except ValueError as exc:  # decode_bytes: binary or undecodable text
        raise LoadError(f"{path.name}: {exc}，已跳过") from exc
    except Exception as exc:  # a corrupt Office file: zip, XML and library errors alike
        raise LoadError(f"{path.name}: 文件已损坏或无法解析（{type(exc).__name__}），已跳过") from exc
    if len(text) > s.max_text_chars:
        raise _text_too_long(path, s.max_text_chars)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(f"{path.name}: 文件没有文字内容，已跳过")
    return LoadedText(path=path, text=text, encoding=encoding, page_starts=pages, warnings=tuple(warnings),
                      ocr_pages=paged.ocr_pages, ocr_seconds=paged.ocr_seconds)
