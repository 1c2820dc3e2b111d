"""PowerPoint (.pptx) -> text, one page per slide: the slide title as a '#' heading (so it becomes the
section), then the text boxes top to bottom, left to right, and tables row by row under their header."""

from __future__ import annotations

from pathlib import Path

from ingest.load_error import text_too_long
from ingest.paged import PagedText
from ingest.tables import table_lines


def _shape_lines(shape, title_id: int | None) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_id == title_id:
        return []
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [line for child in _reading_order(shape.shapes) for line in _shape_lines(child, title_id)]
    if getattr(shape, "has_table", False) and shape.has_table:
        return table_lines([[cell.text for cell in row.cells] for row in shape.table.rows])
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip()]
    return []


def _reading_order(shapes) -> list:
    return sorted(shapes, key=lambda sh: ((sh.top or 0), (sh.left or 0)))


def read_pptx(path: Path, max_chars: int) -> PagedText:
    from pptx import Presentation

    pages: list[str] = []
    chars = 0
    for slide in Presentation(str(path)).slides:
        title = slide.shapes.title
        title_text = " ".join(title.text.split()) if title is not None and title.has_text_frame else ""
        lines = [f"# {title_text}"] if title_text else []
        title_id = title.shape_id if title is not None else None
        for shape in _reading_order(slide.shapes):
            lines += _shape_lines(shape, title_id)
        pages.append("\n".join(lines))
        chars += len(pages[-1])
        if chars > max_chars:
            raise text_too_long(path.name, max_chars)
    return PagedText(pages)
