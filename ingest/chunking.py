"""Sentence-aware chunks inside one section, with offsets and stable ids.

A chunk never crosses a section boundary and never cuts a sentence; only a
single sentence longer than twice the target is split, at clause commas.
Consecutive chunks share one short sentence, so a fact told across a sentence
boundary is whole in at least one chunk.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest.structure import Section, parse_sections
from text.sentences import sentence_spans

_CLAUSE_END = re.compile(r"[，,、：:]")

# Bump when structure parsing or chunking changes what chunks a file yields:
# the manifest records it, and files chunked by another version are re-chunked.
CHUNKER_VERSION = "4"


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: ``document[start:end]`` under ``section``."""

    id: str
    source: str
    section: str
    start: int
    end: int
    text: str
    index: int


def _split_long(text: str, s: int, e: int, limit: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at clause marks so no piece exceeds ``limit`` if possible."""
    pieces: list[tuple[int, int]] = []
    piece_start = s
    last_cut = None
    for m in _CLAUSE_END.finditer(text, s, e):
        if m.end() - piece_start > limit and last_cut is not None:
            pieces.append((piece_start, last_cut))
            piece_start = last_cut
        last_cut = m.end()
    while e - piece_start > limit:  # no clause mark at all: hard cut
        pieces.append((piece_start, piece_start + limit))
        piece_start += limit
    pieces.append((piece_start, e))
    return pieces


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    """Stable id: the same file content always yields the same ids."""
    digest = hashlib.sha1(f"{source}\x00{start}\x00{end}\x00{text}".encode("utf-8"))
    return digest.hexdigest()[:24]


def chunk_section(text: str, section: Section, target_chars: int) -> list[tuple[int, int]]:
    """Pack the sentences of one section into spans of about ``target_chars``."""
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, section.start, section.end):
        if e - s > 2 * target_chars:
            spans.extend(_split_long(text, s, e, target_chars))
        else:
            spans.append((s, e))
    packed: list[tuple[int, int]] = []
    last: tuple[int, int] | None = None  # the last sentence of the chunk being filled
    for s, e in spans:
        if packed and e - packed[-1][0] <= target_chars:
            packed[-1] = (packed[-1][0], e)
        elif packed and last and last[1] - last[0] <= target_chars // 3 and e - last[0] <= target_chars:
            # Overlap by one short sentence, so a fact told across two sentences is whole somewhere.
            packed.append((last[0], e))
        else:
            packed.append((s, e))
        last = (s, e)
    return packed


def chunk_document(text: str, source: str, target_chars: int) -> list[Chunk]:
    """Parse the structure of ``text`` and cut it into chunks."""
    chunks: list[Chunk] = []
    for section in parse_sections(text):
        for s, e in chunk_section(text, section, target_chars):
            body = text[s:e]
            chunks.append(
                Chunk(
                    id=chunk_id(source, s, e, body),
                    source=source,
                    section=section.path_text,
                    start=s,
                    end=e,
                    text=body,
                    index=len(chunks),
                )
            )
    return chunks
