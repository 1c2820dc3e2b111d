"""The original files of a knowledge base, for people who open a cited document (查看原文).

Only a file its manifest lists is ever opened, found by its source name as citations show it: a name that is
not a manifest key (``../x``, ``/etc/passwd``, an encoded traversal) is unknown, and a listed file that is now a
symbolic link or no regular file is refused too, so the viewer cannot be pointed at anything else on disk.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from errors import DocumentMissingError
from ingest.loaders import LoadError, load_text
from ingest.pdfium_lock import PDFIUM_LOCK
from settings import Settings, validate_kb_name
from store import Manifest
from store.manifest import manifest_path
from text.structure import parse_sections

PAGE_SCALE = 1.5  # rendered page images: 1.5 × 72 dpi, sharp enough for Chinese text on a laptop screen
MAX_PAGE_PIXELS = 12_000_000  # a huge page (a poster, a forged 200-inch page) is rendered smaller, not in GBs
MAX_RENDER_PAGE = 10_000
CACHED_DOCUMENTS = 16  # documents the viewer keeps loaded (each at most max_text_chars of text)


@dataclass(frozen=True)
class DocumentSection:
    path: str  # "一、… > （二）…", as citations show it
    start: int
    end: int


@dataclass(frozen=True)
class OriginalDocument:
    """A knowledge-base file as the viewer shows it: its text, its sections, and where each PDF page starts."""

    source: str
    path: Path
    text: str
    sections: tuple[DocumentSection, ...]
    headings: frozenset[int]  # offsets of the heading lines, shown as headings
    page_starts: tuple[int, ...]  # empty unless a PDF

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "text": self.text,
            "sections": [{"path": s.path, "start": s.start, "end": s.end} for s in self.sections],
            "pages": [{"n": i + 1, "start": start, "end": self._page_end(i)} for i, start in enumerate(self.page_starts)],
        }

    def _page_end(self, i: int) -> int:
        return self.page_starts[i + 1] if i + 1 < len(self.page_starts) else len(self.text)

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset`` (PDFs only)."""
        pages = [i + 1 for i, start in enumerate(self.page_starts) if start <= offset]
        return pages[-1] if pages else None

    def section_at(self, offset: int) -> str:
        """The section path of the text at ``offset`` (the innermost section holding it)."""
        holding = [s for s in self.sections if s.start <= offset < max(s.end, s.start + 1)]
        return holding[-1].path if holding else ""


def original_file(kb: str, source: str, settings: Settings) -> Path:
    """The file behind ``source`` in ``kb``, or DocumentMissingError (404) for any name the manifest does not
    list, a skipped file, a file gone, or one that is now a symbolic link."""
    missing = DocumentMissingError(f"知识库中没有文件 {source!r}。")
    files = Manifest(manifest_path(settings.kb_dir(validate_kb_name(kb)))).files
    entry = files.get(source)
    if not entry or entry.get("skipped") or not entry.get("path"):
        raise missing
    path = Path(entry["path"])
    if not path.is_absolute() or path.is_symlink() or not path.is_file() or path.resolve() != path:
        raise missing
    return path


def load_original(kb: str, source: str, settings: Settings) -> OriginalDocument:
    """The text of a knowledge-base file, read by the same loader ingestion used (so offsets match chunks)."""
    return _read_original(original_file(kb, source, settings), source, settings)


def _read_original(path: Path, source: str, settings: Settings) -> OriginalDocument:
    try:
        loaded = load_text(path, settings)
    except LoadError as exc:
        raise DocumentMissingError(f"文件 {source!r} 现在无法读取：{exc}") from exc
    parsed = [s for s in parse_sections(loaded.text) if s.path]
    sections = tuple(DocumentSection(s.path_text, s.start, s.end) for s in parsed)
    headings = frozenset(head for s in parsed for head in s.heads)
    return OriginalDocument(source, path, loaded.text, sections, headings, loaded.page_starts)


class DocumentCache:
    """The documents the viewer opened lately, so that reopening one (its page, then its JSON, then a reload) does
    not read it again: a scanned PDF or an image would be OCR'd on every request. Keyed by the file's path, size
    and modification time, so a file replaced on disk is read afresh; at most ``maxsize`` documents, the least
    recently used dropped first. ``loads`` and ``hits`` count reads and reuses (for the tests and for logs).
    Thread-safe; two first requests for one document at the same moment may both read it (the viewer bounds how
    many reads run at once)."""

    def __init__(self, settings: Settings, maxsize: int = CACHED_DOCUMENTS) -> None:
        self.settings = settings
        self.maxsize = max(1, maxsize)
        self.loads = 0
        self.hits = 0
        self._lock = threading.Lock()
        self._documents: OrderedDict[tuple, OriginalDocument] = OrderedDict()

    def get(self, kb: str, source: str) -> OriginalDocument:
        """``load_original(kb, source)``, from the cache while the file is unchanged."""
        path = original_file(kb, source, self.settings)
        stat = path.stat()
        key = (source, str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            doc = self._documents.get(key)
            if doc is not None:
                self._documents.move_to_end(key)
                self.hits += 1
                return doc
        doc = _read_original(path, source, self.settings)  # outside the lock: other documents need not wait
        with self._lock:
            self.loads += 1
            self._documents[key] = doc
            self._documents.move_to_end(key)
            while len(self._documents) > self.maxsize:
                self._documents.popitem(last=False)
        return doc


def _unreadable(path: Path, exc: Exception) -> DocumentMissingError:
    return DocumentMissingError(f"文件 {path.name!r} 的页面无法显示：PDF 文件已损坏或无法渲染（{exc}）。")


def _open_page(path: Path, page: int):
    """PDFium's document and its page ``page`` (1-based); a page outside the document, or a file that is no
    PDF, is a 404. Call with ``PDFIUM_LOCK`` held."""
    import pypdfium2 as pdfium

    if path.suffix.lower() != ".pdf":
        raise DocumentMissingError(f"文件 {path.name!r} 不是 PDF，没有页面图像。")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _unreadable(path, exc) from exc
    if not 1 <= page <= min(len(pdf), MAX_RENDER_PAGE):
        pdf.close()
        raise DocumentMissingError(f"没有第 {page} 页。")
    return pdf, pdf[page - 1]


def page_scale(width: float, height: float) -> float:
    """PAGE_SCALE, or less for a page so large that it would render to more than MAX_PAGE_PIXELS pixels
    (``width`` × ``height`` in points are the pixels at scale 1). PDFium rounds each side up to whole pixels, so
    the scale is the largest ``s`` with (width·s + 1)(height·s + 1) ≤ MAX_PAGE_PIXELS, not just √(max / area)."""
    area, sides = max(width * height, 1.0), max(width + height, 1.0)
    fitting = (math.sqrt(sides * sides + 4 * area * (MAX_PAGE_PIXELS - 1)) - sides) / (2 * area)
    return min(PAGE_SCALE, fitting)


def render_pdf_page(path: Path, page: int) -> bytes:
    """Page ``page`` (1-based) of a PDF as PNG (PDFium, which pypdfium2 ships in its wheel), at most
    MAX_PAGE_PIXELS pixels."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf, pdf_page = _open_page(path, page)
        try:
            image = pdf_page.render(scale=page_scale(*pdf_page.get_size())).to_pil()
        except pdfium.PdfiumError as exc:
            raise _unreadable(path, exc) from exc
        finally:
            pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def passage_marks(path: Path, page: int, passage: str) -> tuple[tuple[float, float, float, float], ...]:
    """Where ``passage`` sits on page ``page``: boxes (left, top, right, bottom) as fractions of the page's width
    and height, from the PDF's text layer; empty when the text layer does not hold it."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf, pdf_page = _open_page(path, page)
        try:
            width, height = pdf_page.get_size()
            return _passage_boxes(pdf_page, passage, width, height) if passage.strip() else ()
        except pdfium.PdfiumError as exc:
            raise _unreadable(path, exc) from exc
        finally:
            pdf.close()


def _passage_boxes(pdf_page, passage: str, width: float, height: float) -> tuple[tuple[float, ...], ...]:
    """Boxes of ``passage`` on the page. PDF text layers break lines where the layout wrapped them, so the
    passage is searched line by line (each piece of a line that the passage holds), not as one string."""
    textpage = pdf_page.get_textpage()
    boxes: list[tuple[float, float, float, float]] = []
    pieces = _search_pieces(passage)
    while pieces:
        piece = pieces.pop(0)
        found = textpage.search(piece, match_case=False).get_next()
        if not found:
            if len(piece) >= 8:  # it may straddle a line break of the page: try its halves
                pieces[:0] = [piece[: len(piece) // 2], piece[len(piece) // 2 :]]
            continue
        index, count = found
        for i in range(textpage.count_rects(index, count)):
            left, bottom, right, top = textpage.get_rect(i)
            boxes.append((left / width, 1 - top / height, right / width, 1 - bottom / height))
    return tuple(boxes)


def _search_pieces(passage: str, size: int = 12) -> list[str]:
    """The passage cut at line breaks and into pieces of ``size`` characters: short enough to sit on one line of
    the page, long enough to be found only where the passage is."""
    pieces: list[str] = []
    for line in passage.splitlines():
        line = line.strip()
        pieces += [line[i : i + size] for i in range(0, len(line), size) if len(line[i : i + size]) >= 4]
    return pieces
