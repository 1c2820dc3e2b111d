"""Text of scanned pages and images: RapidOCR (PP-OCRv4 Chinese detection + recognition, ONNX on CPU).

The models ship inside the rapidocr-onnxruntime wheel (``rapidocr_onnxruntime/models``), so nothing
is downloaded. Recognised boxes are put back into reading order: a page set in two columns (a gutter
no box crosses, with text on both sides) is read column by column, a title across both read where it
stands; within a column, boxes whose vertical centres fall within half a line height of each other
form one line, read left to right. Each page gets a confidence: the mean recognition score of its boxes, weighted by their characters.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

# One OCR'd page done: (pages done, pages to do) of the file at hand; the CLI draws a bar from it.
PageProgress = Callable[[int, int], None]

# Latin letters/digits on both sides of a gap between two boxes of a line keep a space between them;
# Chinese text has none.
_WORD_EDGE = re.compile(r"[A-Za-z0-9]")
# Columns of text hold phrases; table cells ("C类人才", "60万元") are shorter and are read by rows.
COLUMN_MIN_CHARS = 8


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float  # 0..1, character-weighted mean box score; 0.0 when nothing was recognised
    seconds: float


@dataclass(frozen=True)
class _Box:
    left: float
    right: float
    top: float
    bottom: float
    text: str
    score: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def _boxes(raw) -> list[_Box]:
    boxes = []
    for points, text, score in raw or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if text.strip():
            boxes.append(_Box(min(xs), max(xs), min(ys), max(ys), text.strip(), float(score)))
    return boxes


def _lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped into lines, top to bottom; each line left to right."""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        if lines:
            last = lines[-1]
            height = sum(b.bottom - b.top for b in last) / len(last)
            if abs(box.middle - sum(b.middle for b in last) / len(last)) <= height / 2:
                last.append(box)
                continue
        lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _gutter(boxes: list[_Box]) -> float | None:
    """The x of the gap between two columns of text, or None.

    A gutter lies in the middle half of the text, at least a line height wide between the boxes left
    and right of it, crossed by few boxes (a title over both columns), with three or more boxes on
    each side whose median text is a phrase, not a table cell (a scanned table read column by column
    would lose its rows).
    """
    if len(boxes) < 6:
        return None
    left, right = min(b.left for b in boxes), max(b.right for b in boxes)
    height = sorted(b.bottom - b.top for b in boxes)[len(boxes) // 2]
    best: tuple[int, float] | None = None
    for box in boxes:
        x = box.right + height / 2
        if not left + (right - left) / 4 <= x <= right - (right - left) / 4:
            continue
        before = [b for b in boxes if b.right <= x]
        after = [b for b in boxes if b.left >= x]
        crossing = len(boxes) - len(before) - len(after)
        if (len(before) < 3 or len(after) < 3 or crossing > 0.2 * len(boxes)
                or min(b.left for b in after) - max(b.right for b in before) < height
                or min(_median_chars(before), _median_chars(after)) < COLUMN_MIN_CHARS):
            continue
        middle = (max(b.right for b in before) + min(b.left for b in after)) / 2
        if best is None or crossing < best[0]:
            best = (crossing, middle)
    return best[1] if best else None


def _median_chars(boxes: list[_Box]) -> int:
    return sorted(len(b.text) for b in boxes)[len(boxes) // 2]


def _reading_order(boxes: list[_Box]) -> list[list[_Box]]:
    """Lines in reading order: by columns when the page has two, else top to bottom."""
    gutter = _gutter(boxes)
    if gutter is None:
        return _lines(boxes)
    spanning = sorted((b for b in boxes if b.left < gutter < b.right), key=lambda b: b.middle)
    rest = [b for b in boxes if not b.left < gutter < b.right]
    bounds = [float("-inf")] + [b.middle for b in spanning] + [float("inf")]
    ordered: list[list[_Box]] = []
    for i in range(len(bounds) - 1):  # the bands between titles that cross the gutter
        band = [b for b in rest if bounds[i] <= b.middle < bounds[i + 1]]
        ordered += _lines([b for b in band if b.right <= gutter]) + _lines([b for b in band if b.left >= gutter])
        if i < len(spanning):
            ordered.append([spanning[i]])
    return ordered


def _join(line: list[_Box]) -> str:
    text = ""
    for box in line:
        gap = " " if text and _WORD_EDGE.match(text[-1]) and _WORD_EDGE.match(box.text[0]) else ""
        text += gap + box.text
    return text


def recognise(image) -> OcrPage:
    """OCR one page image (a PIL image or an RGB numpy array)."""
    import numpy as np

    started = time.perf_counter()
    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else image
    raw, _ = _engine()(array)
    boxes = _boxes(raw)
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0
    text = "\n".join(_join(line) for line in _reading_order(boxes))
    return OcrPage(text, confidence, time.perf_counter() - started)


def low_confidence_warning(name: str, page: int | None, result: OcrPage, floor: float) -> str | None:
    """The report line for a page whose recognition is not to be trusted blindly, else None."""
    where = f"{name} 第{page}页" if page else name
    if not result.text:
        return f"{where}：OCR 没有识别出文字（可能是空白页或图片过于模糊）"
    if result.confidence < floor:
        return (f"{where}：OCR 置信度 {result.confidence:.2f}，低于 {floor:g}（ZONEQA_OCR_MIN_CONFIDENCE），"
                f"识别结果可能有误，请人工核对")
    return None
