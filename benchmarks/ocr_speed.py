"""OCR speed and accuracy on scanned pages made from a real document.

Renders the text of a document as A4 pages (150 dpi, 12 pt Chinese font, ~30 lines a page), saves them
as a PDF with no text layer (Pillow), reads it back through the ingestion loader (pypdfium2 render +
RapidOCR), and reports pages per second, the per-page confidence and the share of the source characters
recovered (character-level, in order: difflib matching blocks).

python -m benchmarks.ocr_speed [DOCUMENT] [--pages N] [--json]
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from settings import PROJECT_ROOT, get_settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEFAULT_DOCUMENT = PROJECT_ROOT / "corpus/高新区2022年工作情况及2023年工作思路.txt"
DPI = 150
A4 = (int(8.27 * DPI), int(11.69 * DPI))
LINE_CHARS, PAGE_LINES = 38, 30


def page_texts(document: Path, pages: int) -> list[list[str]]:
    lines = [piece for paragraph in document.read_text(encoding="utf-8").splitlines() if paragraph.strip()
             for piece in textwrap.wrap(paragraph.strip(), LINE_CHARS)]
    return [lines[i:i + PAGE_LINES] for i in range(0, min(len(lines), pages * PAGE_LINES), PAGE_LINES)]


def scanned_pdf(pages: list[list[str]], path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, int(12 / 72 * DPI))
    images = []
    for lines in pages:
        image = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((int(0.8 * DPI), int(0.9 * DPI) + i * int(0.33 * DPI)), line, font=font, fill=0)
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=DPI)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr_speed", description="OCR 速度与准确率")
    parser.add_argument("document", nargs="?", type=Path, default=DEFAULT_DOCUMENT)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from ingest.loaders import load_text
    from ingest.ocr import recognise

    pages = page_texts(args.document, args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scan.pdf"
        scanned_pdf(pages, pdf)
        started = time.perf_counter()
        from PIL import Image

        recognise(Image.new("RGB", (64, 32), "white"))  # model load, reported apart
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        loaded = load_text(pdf, get_settings())
        wall = time.perf_counter() - started
    source = "".join("".join(lines) for lines in pages)
    read = "".join(loaded.text.split())
    matcher = difflib.SequenceMatcher(None, source, read, autojunk=False)
    recovered = sum(block.size for block in matcher.get_matching_blocks()) / len(source)
    result = {"document": args.document.name, "pages": loaded.ocr_pages, "chars": len(source),
              "model_load_s": round(load_seconds, 2), "ocr_s": round(loaded.ocr_seconds, 2), "wall_s": round(wall, 2),
              "pages_per_s": round(loaded.ocr_pages / loaded.ocr_seconds, 3),
              "chars_recovered": round(recovered, 4), "warnings": list(loaded.warnings)}
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
