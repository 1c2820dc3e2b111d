"""Scanned images (.png, .jpg, .tif; every frame of a multi-page TIFF a page) -> text by OCR."""

from __future__ import annotations

from pathlib import Path

from ingest.load_error import LoadError
from ingest.ocr import PageProgress, low_confidence_warning, recognise
from ingest.paged import PagedText
from settings import Settings


def read_image(path: Path, s: Settings, on_ocr_page: PageProgress | None = None) -> PagedText:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        # Pillow refuses an image of more than 2 x MAX_IMAGE_PIXELS (a decompression bomb) on open.
        with Image.open(path) as image:
            frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise LoadError(f"{path.name}: 图片已损坏或无法识别（{type(exc).__name__}），已跳过") from exc
    pages, warnings, seconds = [], [], 0.0
    for number, frame in enumerate(frames, 1):
        result = recognise(frame)
        pages.append(result.text)
        seconds += result.seconds
        warning = low_confidence_warning(path.name, number if len(frames) > 1 else None, result,
                                         s.ocr_min_confidence)
        if warning:
            warnings.append(warning)
        if on_ocr_page:
            on_ocr_page(number, len(frames))
    if not "".join(pages).strip():
        raise LoadError(f"{path.name}: 图片中没有识别出文字（OCR），已跳过")
    return PagedText(pages, warnings, len(frames), seconds)
