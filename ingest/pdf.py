"""PDF -> text page by page: the text layer with its tables kept as tables, OCR for scanned pages.

Text and tables come from pdfplumber (pdfminer's layout). A ruled table becomes one line per row,
every cell labelled by its column header (ingest/tables.py, the rule Word and Excel tables follow),
and its characters are left out of the page's loose text, so nothing is said twice. Merged cells
are read as Word reads them: the merged text in every grid position it covers. A header of two
rows (a cell spanning columns above the cells that divide it) labels each column with both
("补贴标准·2023年"). A table that runs on over a page break continues under its header, whether the
next page repeats the header row or not.

A page without a text layer but with an image is rendered (pypdfium2) and read by OCR
(ingest/ocr.py); a page with neither is blank and skipped. So a scanned notice with a typed cover
page is read whole, and every page keeps its number for citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.load_error import LoadError, text_too_long
from ingest.paged import PagedText
from ingest.ocr import OcrPage, PageProgress, low_confidence_warning, recognise
from ingest.pdfium_lock import PDFIUM_LOCK
from ingest.tables import table_row_line
from settings import Settings

# Scanned pages are rendered at 144 dpi: 五号 (10.5 pt) characters come out ~21 px high, inside
# what PP-OCR reads well, while an A4 page stays under RapidOCR's 2000 px side limit.
RENDER_SCALE = 2.0
# A page mostly covered by an image, with no more text layer than this, is a scan with a stamp on it.
SCAN_STAMP_CHARS = 40
# Footer lines such as "— 3 —" or "第3页 共5页" between a table and the page end do not end the table.
_PAGE_NUMBER = re.compile(r"^[\s—–\-－]*\d+[\s—–\-－]*$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$")
_LATIN = re.compile(r"[A-Za-z0-9]")
# A line ending in one of these ends its sentence (or announces a list) even when it reaches the margin.
# Line height over the body's: at least 1.45 -> '#', 1.25 -> '##', 1.1 -> '###' (measured on Word/WPS exports:
# title 17 pt, subtitle 15, 一、 headings 13 over an 11 pt body).
_HEADING_RATIOS = (1.45, 1.25, 1.1)
_SENTENCE_END = re.compile(r"[。！？；!?;]|\n")
_LINE_ENDS = ("。", "！", "？", "；", "：", "!", "?", ";", ":", "”", "）")


@dataclass(frozen=True)
class _Grid:
    """A table's cells in grid positions, merged cells repeated, and where a cell spans columns."""

    rows: list[list[str]]
    spans_right: frozenset[tuple[int, int]]  # (row, column) covered by a cell that starts further left

    @property
    def columns(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def header_rows(self) -> int:
        """Two header rows when the first has a cell spanning columns over a row that divides it."""
        two = len(self.rows) > 2 and any(r == 0 for r, _ in self.spans_right)
        return 2 if two else 1

    def header(self) -> list[str]:
        labels = []
        for c in range(self.columns):
            parts: list[str] = []
            for row in self.rows[: self.header_rows()]:
                if row[c] and row[c] not in parts:
                    parts.append(row[c])
            labels.append("·".join(parts))
        return labels


@dataclass
class _OpenTable:
    """The table that ended the previous page: the next page's first table may continue it."""

    header_rows: list[list[str]]
    header: list[str]


def _cell_text(raw: str | None) -> str:
    """A cell's text with its wrapped lines joined: no space inside Chinese, one between Latin words."""
    lines = [line.strip() for line in (raw or "").split("\n") if line.strip()]
    text = ""
    for line in lines:
        gap = " " if text and _LATIN.match(text[-1]) and _LATIN.match(line[0]) else ""
        text += gap + line
    return text


def _grid(table) -> _Grid:
    texts = table.extract()
    by_box: dict[tuple, str] = {}
    for row, row_text in zip(table.rows, texts):
        for box, text in zip(row.cells, row_text):
            if box is not None:
                by_box[box] = _cell_text(text)
    column_boxes = [col.bbox for col in table.columns]
    rows: list[list[str]] = []
    spans: set[tuple[int, int]] = set()
    for r, row in enumerate(table.rows):
        line = []
        for c, box in enumerate(row.cells):
            if box is None:  # covered by a merged cell: find the one over this position's centre
                x = (column_boxes[c][0] + column_boxes[c][2]) / 2
                y = (row.bbox[1] + row.bbox[3]) / 2
                box = next((b for b in by_box if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)
                if box is not None and box[0] < column_boxes[c][0] - 1:
                    spans.add((r, c))
            line.append(by_box.get(box, "") if box is not None else "")
        rows.append(line)
    return _Grid(rows, frozenset(spans))


def _centre_in(obj: dict, box: tuple) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _gap(before: str, after: str) -> str:
    """What joins two wrapped pieces: nothing in Chinese or inside a number ("1" + "0%"), a space
    between Latin words."""
    if before[-1:].isdigit() and after[:1].isdigit():
        return ""
    return " " if _LATIN.match(before[-1:]) and _LATIN.match(after[:1]) else ""


def _heading_level(height: float, body: float) -> int:
    """0 for body text; 1-3 for a line set larger than the body (Word and WPS headings, 公文 titles:
    二号/三号 over a 三号/四号 body), by how much larger."""
    ratio = height / body if body else 1.0
    return next((level for level, floor in enumerate(_HEADING_RATIOS, 1) if ratio >= floor), 0)


def _reflow(lines: list[dict], left: float, right: float, body: float) -> tuple[str, bool]:
    """Lines joined back into paragraphs: a line that runs from the left margin (or a paragraph
    indent) to the right margin without ending a sentence was wrapped by the layout, and its sentence
    goes on in the next line when that starts at the left margin ("…的1" + "0%…" is 10%). Right-
    aligned lines (a signature, a date) stay lines of their own. Lines set larger than the body are
    headings ('#' lines, as the Word loader writes them), a title over two lines one heading. Every
    newline left is a sentence or paragraph end, as in a text file. Page-number footers ("— 3 —")
    are dropped.

    Also says whether the last line runs on (full width, no sentence end): its sentence goes on
    overleaf."""
    lines = [line for line in lines if line["text"].strip() and not _PAGE_NUMBER.match(line["text"].strip())]
    out: list[str] = []
    joining = False  # the last piece in ``out`` goes on with the next line
    runs_on = False
    previous_level = 0
    for i, line in enumerate(lines):
        words = line["text"].strip()
        height = line["bottom"] - line["top"]
        level = _heading_level(height, body)
        if level:
            if previous_level == level and out:  # a heading over two lines
                out[-1] += _gap(out[-1], words) + words
            else:
                out.append("#" * level + " " + words)
            previous_level, joining, runs_on = level, False, False
            continue
        previous_level = 0
        if joining:
            out[-1] += _gap(out[-1], words) + words
        else:
            out.append(words)
        following = lines[i + 1] if i + 1 < len(lines) else None
        runs_on = (line["x0"] <= left + 3 * height and line["x1"] >= right - 1.5 * height
                   and not words.endswith(_LINE_ENDS))
        joining = runs_on and following is not None and following["x0"] <= left + 1.5 * height
    return "\n".join(out).strip(), runs_on


def _band_text(page, top: float, bottom: float, layout: tuple[float, float, float]) -> tuple[str, bool]:
    band = page.filter(lambda o: o.get("object_type") != "char" or top <= (o["top"] + o["bottom"]) / 2 < bottom)
    return _reflow(band.extract_text_lines(strip=True, return_chars=False), *layout)


def _body_height(lines: list[dict]) -> float:
    """The line height that most characters of the page are set in."""
    counts: dict[float, int] = {}
    for line in lines:
        height = round(line["bottom"] - line["top"], 1)
        counts[height] = counts.get(height, 0) + len(line["text"])
    return max(counts, key=counts.get) if counts else 0.0


def _page_blocks(page) -> tuple[list[str | _Grid], bool]:
    """The page's loose text and tables, top to bottom (table characters only in their table), and
    whether its last sentence runs on to the next page."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    boxes = [t.bbox for t in tables]
    loose = page.filter(lambda o: o.get("object_type") != "char" or not any(_centre_in(o, b) for b in boxes))
    blocks: list[str | _Grid] = []
    top = page.bbox[1]
    # The margins (where the lines of loose text begin, where the longest ones end) and the body size.
    lines = loose.extract_text_lines(return_chars=False)
    layout = (min((line["x0"] for line in lines), default=page.bbox[0]),
              max((line["x1"] for line in lines), default=page.bbox[2]), _body_height(lines))
    for table in tables:
        blocks.append(_band_text(loose, top, table.bbox[1], layout)[0])
        grid = _grid(table)
        if len(grid.rows) < 2 or grid.columns < 2:  # a ruled box around text, not a table
            blocks.append("\n".join(cell for row in grid.rows for cell in row if cell))
        else:
            blocks.append(grid)
        top = table.bbox[3]
    tail, runs_on = _band_text(loose, top, page.bbox[3] + 1, layout)
    blocks.append(tail)
    return [b for b in blocks if not isinstance(b, str) or b], runs_on and bool(tail)


def _table_text(grid: _Grid, open_table: _OpenTable | None) -> tuple[str, _OpenTable]:
    """Row lines of ``grid``; when it continues ``open_table``, under that header (a repeat dropped)."""
    if open_table is not None and len(open_table.header) == grid.columns:
        repeated = grid.rows[: len(open_table.header_rows)] == open_table.header_rows
        body = grid.rows[len(open_table.header_rows):] if repeated else grid.rows
        current = open_table
    else:
        h = grid.header_rows()
        body = grid.rows[h:]
        current = _OpenTable(grid.rows[:h], grid.header())
    lines = [line for line in (table_row_line(current.header, row) for row in body) if line]
    return "\n".join(lines), current


def _ends_with_table(blocks: list[str | _Grid]) -> bool:
    for block in reversed(blocks):
        if isinstance(block, _Grid):
            return True
        if not all(_PAGE_NUMBER.match(line.strip()) for line in block.split("\n")):
            return False
    return False


def _is_scan(page, blocks: list[str | _Grid]) -> bool:
    """A page to read by OCR: an image and no text layer, or an image over most of the page with only
    a few words of text layer (the name a scanning app stamps on, a page header added later)."""
    if not page.images:
        return False
    if not blocks:
        return True
    words = sum(len(b) for b in blocks if isinstance(b, str))
    if words > SCAN_STAMP_CHARS or any(isinstance(b, _Grid) for b in blocks):
        return False
    x0, top, x1, bottom = page.bbox
    covered = sum(max(0.0, min(i["x1"], x1) - max(i["x0"], x0)) * max(0.0, min(i["bottom"], bottom) - max(i["top"], top))
                  for i in page.images)
    return covered >= 0.5 * (x1 - x0) * (bottom - top)


def _check_encryption(path: Path) -> None:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(str(path))
        # Many PDFs are "encrypted" only to carry permission flags, with an empty user password:
        # any viewer opens them without asking, so we read them too.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise LoadError(f"{path.name}: PDF 已加密，需要密码才能打开，已跳过")
    except DependencyError as exc:  # AES encryption needs the optional cryptography package
        raise LoadError(f"{path.name}: PDF 的加密方式需要安装 cryptography 才能读取，已跳过") from exc


def _text_layer(path: Path, max_chars: int) -> tuple[list[str], list[int]]:
    """Each page's text (tables as row lines), and the numbers of pages that are scanned images."""
    import pdfplumber

    pages: list[str] = []
    scanned: list[int] = []
    chars = 0
    open_table: _OpenTable | None = None
    last_table: _OpenTable | None = None
    with pdfplumber.open(str(path), password="") as pdf:
        runs_on = False
        for number, page in enumerate(pdf.pages, 1):
            blocks, next_runs_on = _page_blocks(page)
            if runs_on and blocks and isinstance(blocks[0], str):
                # The sentence the last page broke off ends here: it goes back whole to the page it began on.
                end = _SENTENCE_END.search(blocks[0])
                cut = end.end() if end else len(blocks[0])
                pages[-1] += blocks[0][:cut]
                blocks[0] = blocks[0][cut:].lstrip("\n")
                if not blocks[0]:
                    blocks.pop(0)
            runs_on = next_runs_on
            if _is_scan(page, blocks):
                scanned.append(number)
                blocks = []  # its few text-layer words (a scanning app's stamp) are on the rendered page: OCR reads them
            parts = []
            for i, block in enumerate(blocks):
                if isinstance(block, _Grid):
                    text, last_table = _table_text(block, open_table if i == 0 else None)
                    parts.append(text)
                else:
                    parts.append(block)
            open_table = last_table if _ends_with_table(blocks) else None
            pages.append("\n".join(p for p in parts if p))
            chars += len(pages[-1])
            if chars > max_chars:
                raise text_too_long(path.name, max_chars)
            page.close()  # pdfplumber caches each page's layout; a long PDF would hold them all
    return pages, scanned


def _ocr(path: Path, numbers: list[int], on_page: PageProgress | None) -> list[OcrPage]:
    import pypdfium2

    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(str(path))
    try:
        results = []
        for done, number in enumerate(numbers, 1):
            with PDFIUM_LOCK:  # only while PDFium renders: OCR of the image runs without it
                page = document[number - 1]
                image = page.render(scale=RENDER_SCALE).to_pil()
                page.close()
            results.append(recognise(image))
            if on_page:
                on_page(done, len(numbers))
        return results
    finally:
        with PDFIUM_LOCK:
            document.close()


def read_pdf(path: Path, s: Settings, on_ocr_page: PageProgress | None = None) -> PagedText:
    """Every page's text, scanned pages read by OCR (each under the confidence floor named)."""
    try:
        _check_encryption(path)
        pages, scanned = _text_layer(path, s.max_text_chars)
    except LoadError:
        raise
    except Exception as exc:  # pdfminer/pypdf raise many types for a damaged file
        name = type(exc).__name__
        if "Password" in name or "Encryption" in name:
            raise LoadError(f"{path.name}: PDF 已加密，需要密码才能打开，已跳过") from exc
        raise LoadError(f"{path.name}: PDF 文件已损坏或无法解析（{name}），已跳过") from exc
    warnings: list[str] = []
    results = _ocr(path, scanned, on_ocr_page) if scanned else []
    for number, result in zip(scanned, results):
        pages[number - 1] = result.text
        warning = low_confidence_warning(path.name, number, result, s.ocr_min_confidence)
        if warning:
            warnings.append(warning)
    if not "".join(pages).strip():
        detail = "OCR 也没有识别出文字" if scanned else "也没有可做 OCR 的扫描图像"
        raise LoadError(f"{path.name}: PDF 没有文字层，{detail}，已跳过")
    return PagedText(pages, warnings, len(results), sum(r.seconds for r in results))
