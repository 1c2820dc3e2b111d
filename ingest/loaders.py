"""File -> text, with the encoding detected and document structure kept.

Plain text and Markdown arrive as UTF-8, UTF-8 with BOM, or GB18030/GBK.
Word, HTML, PDF and spreadsheets (and Markdown pipe tables in text files) are turned into text whose headings are
Markdown ``#`` lines (so ingest.structure sees them) and whose table rows are
one line each, every cell labelled with its column header ("年份：2023，金额：50万元。"),
so a table split across chunks keeps its header. PDFs keep page offsets for
page-precise citations. A file that is empty, binary, encrypted, scanned or
corrupt raises :class:`LoadError` with a message naming the file.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

TEXT_SUFFIXES = frozenset({".txt", ".md"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".html", ".htm", ".pdf", ".xlsx", ".csv"}


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file."""


@dataclass(frozen=True)
class LoadedText:
    path: Path
    text: str
    encoding: str
    page_starts: tuple[int, ...] = ()  # PDF: offset in ``text`` where each page begins

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset`` (PDF only)."""
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


def table_row_line(header: list[str], row: list[str]) -> str:
    """One table row as a sentence whose cells carry their column names."""
    cells = []
    for i, value in enumerate(row):
        value = " ".join(str(value).split())
        if not value:
            continue
        name = header[i].strip() if i < len(header) and header[i] and header[i].strip() else f"第{i + 1}列"
        cells.append(f"{name}：{value}")
    return "，".join(cells) + "。" if cells else ""


def _table_lines(rows: list[list[str]]) -> list[str]:
    rows = [[("" if c is None else str(c)).strip() for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        return ["，".join(c for c in header if c) + "。"]
    return [line for line in (table_row_line(header, r) for r in body) if line]


# GitHub-flavoured Markdown pipe tables: a header row, a delimiter row (|---|:--:|), body rows.
_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*$")
_PIPE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _pipe_cells(line: str) -> list[str]:
    """The cells of one pipe-table row (outer pipes optional, ``\\|`` is a literal pipe)."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(inner)]


def markdown_tables(text: str) -> str:
    """Rewrite Markdown pipe tables as one line per data row, every cell labelled by its column.

    The same treatment as Word, HTML and spreadsheet tables (:func:`_table_lines`): the delimiter
    row is dropped, and "| 1 | 国内发明专利授权 | 每件8000元 |" under "| 序号 | 资助事项 | 标准 |"
    becomes "序号：1，资助事项：国内发明专利授权，标准：每件8000元。". Lines that are not part of a
    table (a header row followed by a delimiter row with as many cells) are left as they are.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if (i + 1 < len(lines) and "|" in line and _PIPE_ROW.match(line) and _PIPE_DELIMITER.match(lines[i + 1])
                and "|" in lines[i + 1] and len(_pipe_cells(lines[i + 1])) == len(_pipe_cells(line))):
            rows = [_pipe_cells(line)]
            i += 2
            while i < len(lines) and lines[i].strip() and "|" in lines[i]:
                rows.append(_pipe_cells(lines[i]))
                i += 1
            out += _table_lines(rows)
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _docx(path: Path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            text = para.text.strip()
            style = (para.style.name or "").lower() if para.style is not None else ""
            if not text:
                continue
            if style.startswith("heading") or style.startswith("标题") or style == "title":
                digits = "".join(ch for ch in style if ch.isdigit())
                lines.append("#" * min(6, int(digits) if digits else 1) + " " + text)
            else:
                lines.append(text)
        elif tag == "tbl":
            table = Table(block, document)
            lines += _table_lines([[cell.text for cell in row.cells] for row in table.rows])
    return "\n".join(lines)


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
                lines += _table_lines([[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
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


def _pdf(path: Path) -> tuple[str, tuple[int, ...]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError(f"{path.name}: PDF 已加密，无法读取，已跳过")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"{path.name}: PDF 文件已损坏或无法解析（{type(exc).__name__}），已跳过") from exc
    if not "".join(pages).strip():
        raise LoadError(f"{path.name}: PDF 没有文字层（可能是扫描件），需要先做 OCR，已跳过")
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page.strip() + "\n"
    return text, tuple(starts)


def _xlsx(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(str(path), read_only=True, data_only=True)
    lines: list[str] = []
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        table = _table_lines(rows)
        if table:
            lines.append(f"# {sheet.title}")
            lines += table
    book.close()
    return "\n".join(lines)


def _csv(data: bytes) -> str:
    text, _ = decode_bytes(data)
    return "\n".join(_table_lines(list(csv.reader(io.StringIO(text)))))


def load_text(path: Path) -> LoadedText:
    """Read a supported file as text with normalised line endings (and page offsets for PDFs)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: 无法读取（{exc.strerror or exc}）") from exc
    if not data.strip():
        raise LoadError(f"{path.name}: 文件为空，已跳过")
    suffix = path.suffix.lower()
    pages: tuple[int, ...] = ()
    encoding = "binary"
    try:
        if suffix in TEXT_SUFFIXES:
            text, encoding = decode_bytes(data)
            text = markdown_tables(text.replace("\r\n", "\n").replace("\r", "\n"))
        elif suffix in (".html", ".htm"):
            text = _html(data)
        elif suffix == ".csv":
            text = _csv(data)
        elif suffix == ".pdf":
            text, pages = _pdf(path)
        elif suffix == ".docx":
            text = _docx(path)
        elif suffix == ".xlsx":
            text = _xlsx(path)
        else:
            raise LoadError(f"{path.name}: 不支持的文件类型 {suffix}")
    except LoadError:
        raise
    except ValueError as exc:  # decode_bytes: binary or undecodable text
        raise LoadError(f"{path.name}: {exc}，已跳过") from exc
    except Exception as exc:  # a corrupt Office file: zip, XML and library errors alike
        raise LoadError(f"{path.name}: 文件已损坏或无法解析（{type(exc).__name__}），已跳过") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(f"{path.name}: 文件没有文字内容，已跳过")
    return LoadedText(path=path, text=text, encoding=encoding, page_starts=pages)
