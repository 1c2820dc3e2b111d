"""Text of scanned pages and images: RapidOCR (PP-OCRv4 Chinese detection + recognition, ONNX on CPU).

The models ship inside the rapidocr-onnxruntime wheel (``rapidocr_onnxruntime/models``), so nothing
is downloaded. Recognised boxes are put back into reading order by lines (boxes whose vertical
centres fall within half a line height of each other form one line, read left to right), and each
page gets a confidence: the mean recognition score of its boxes, weighted by their characters.
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


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float  # 0..1, character-weighted mean box score; 0.0 when nothing was recognised
    seconds: float


@dataclass(frozen=True)
class _Box:
    left: float
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
            boxes.append(_Box(min(xs), min(ys), max(ys), text.strip(), float(score)))
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
    text = "\n".join(_join(line) for line in _lines(boxes))
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
