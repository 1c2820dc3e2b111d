"""The one lock around every pypdfium2 call in the process.

pypdfium2's docs: PDFium is not thread-safe, and calling it from several threads at once (the viewer rendering a
page for one request while ingestion renders a scanned page for OCR in another) may crash or corrupt the process.
So every use of pypdfium2 (opening, rendering, the text layer, closing) happens while holding ``PDFIUM_LOCK``.
Re-entrant, so a function holding it may call another that takes it too.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
