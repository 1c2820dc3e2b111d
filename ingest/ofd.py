"""OFD (GB/T 33190, the national e-government document format) -> text, one page per OFD page.

An OFD file is a zip: ``OFD.xml`` names each document's root (``DocBody/DocRoot``), the document's
``Document.xml`` lists its pages (``Pages/Page/@BaseLoc``), and each page's ``Content.xml`` holds
``TextObject``s (``Boundary="x y w h"``) whose ``TextCode`` children carry the text with its
``X``/``Y`` offsets. Text pieces are put back into lines by their baseline, read left to right.
A small reader of our own: the format is plain XML, and the one PyPI package (easyofd) pulls in
a PDF renderer and image stacks to get there.
"""

from __future__ import annotations

import posixpath
import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ingest.load_error import LoadError, text_too_long
from ingest.paged import PagedText


@dataclass(frozen=True)
class _Piece:
    x: float
    y: float
    size: float
    text: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _resolve(base_dir: str, location: str) -> str:
    """An OFD location: absolute from the package root ('/Doc_0/...') or relative to ``base_dir``."""
    location = location.strip()
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(base_dir, location)
    return posixpath.normpath(joined)


def _numbers(raw: str | None) -> list[float]:
    try:
        return [float(v) for v in (raw or "").split()]
    except ValueError:
        return []


def _pieces(content: ET.Element) -> list[_Piece]:
    pieces = []
    for obj in _children(content, "TextObject"):
        box = _numbers(obj.get("Boundary")) + [0.0, 0.0]
        size = float(obj.get("Size") or 3.5)
        for code in _children(obj, "TextCode"):
            if code.text and code.text.strip():
                x = box[0] + (_numbers(code.get("X")) or [0.0])[0]
                y = box[1] + (_numbers(code.get("Y")) or [0.0])[0]
                pieces.append(_Piece(x, y, size, code.text))
    return pieces


def _page_text(pieces: list[_Piece]) -> str:
    lines: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.y, p.x)):
        if lines and abs(piece.y - lines[-1][0].y) <= piece.size / 2:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return "\n".join("".join(p.text for p in sorted(line, key=lambda p: p.x)).strip() for line in lines)


def read_ofd(path: Path, max_chars: int) -> PagedText:
    pages: list[str] = []
    chars = 0
    with zipfile.ZipFile(path) as archive:
        try:
            root = ET.fromstring(archive.read("OFD.xml"))
        except KeyError as exc:
            raise LoadError(f"{path.name}: 不是有效的 OFD 文件（缺少 OFD.xml），已跳过") from exc
        for doc_root in _children(root, "DocRoot"):
            doc_path = _resolve("", doc_root.text or "")
            document = ET.fromstring(archive.read(doc_path))
            doc_dir = posixpath.dirname(doc_path)
            for page in _children(document, "Page"):
                location = page.get("BaseLoc")
                if not location:
                    continue
                content = ET.fromstring(archive.read(_resolve(doc_dir, location)))
                pages.append(_page_text(_pieces(content)))
                chars += len(pages[-1])
                if chars > max_chars:
                    raise text_too_long(path.name, max_chars)
    if not pages:
        raise LoadError(f"{path.name}: OFD 文件中没有页面，已跳过")
    return PagedText(pages)
