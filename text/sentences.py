"""Sentence boundaries of Chinese text: one rule for chunking, answers and figure extraction."""

from __future__ import annotations

import re

# A sentence ends at a full stop / question / exclamation mark / semicolon or a
# line break, plus any closing quotes or brackets that follow it.
# ASCII ';' is left out: in mixed text it separates list items and markup, not sentences.
_SENTENCE_END = re.compile(r"[。！？!?；]+[”’」』）)\"']*|\n+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed
