"""What a loader of a paged format (PDF, image, slides, OFD) hands back: text per page.

Pages keep their numbers so citations can name them ("第3页"); scanned pages also say how many
were read by OCR and how long that took, for the ingestion report.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PagedText:
    pages: list[str]
    warnings: list[str] = field(default_factory=list)
    ocr_pages: int = 0
    ocr_seconds: float = 0.0

    def joined(self) -> tuple[str, tuple[int, ...]]:
        """The pages as one text, and the offset where each page begins."""
        text, starts = "", []
        for page in self.pages:
            starts.append(len(text))
            text += page.strip() + "\n"
        return text, tuple(starts)
