"""Sentence-aware chunks that follow the document's headings, with offsets and stable ids.

A heading whose whole part (its own text and every sub-item) fits the target
size becomes one chunk under its own section path, so an article keeps its
（一）（二）… items and the sentence that announces them. Consecutive short
parts under one heading are packed together up to the target, under that
heading's path, each keeping its own heading line; a chunk never holds a
heading that divides the document (Markdown #, 附件, 第X编/章/节), so only
articles and numbered items (第X条, 一、, （一）, 1., （1）) are packed together. A part too big for one
chunk is split the same way one level down; a single section too big is cut
at sentence ends (only a sentence longer than twice the target is split, at
clause commas), and those chunks share one short sentence, so a fact told
across a sentence boundary is whole in at least one chunk. A chunk never
crosses a heading of a level above its section path, nor a page of a paged
document (PDF, slides, OFD), so each chunk's citation names one page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from text.structure import Section, is_division, parse_sections
from text.sentences import sentence_spans

_CLAUSE_END = re.compile(r"[，,、：:]")

# Bump when structure parsing or chunking changes what chunks a file yields:
# the manifest records it, and files chunked by another version are re-chunked.
CHUNKER_VERSION = "8"  # 8: pipe tables without a delimiter row read as tables (ingest.tables); 7: bold labels


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


@dataclass
class _Part:
    """One item under a heading: the heading's own text (a lead-in) or a sub-heading's whole part."""

    path: tuple[str, ...]
    sections: list[Section]
    outer: int  # where it starts when packed with its siblings: its heading line, or its own text
    inner: int  # where it starts as a chunk of its own (its heading is then in the section path)

    @property
    def end(self) -> int:
        return self.sections[-1].end


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _holds_division(text: str, s: int, e: int) -> bool:
    """True when ``text[s:e]`` holds a heading line that divides the document (Markdown, 第X章 …)."""
    return any(is_division(line) for line in text[s:e].split("\n"))


def _parts(sections: list[Section], depth: int) -> list[_Part]:
    """Split sections sharing their first ``depth`` headings into the items under that heading."""
    parts: list[_Part] = []
    key = None
    for sec in sections:
        own = len(sec.path) == depth
        this = ("own", sec.start) if own else ("head", sec.heads[depth])
        if parts and this == key and not own:
            parts[-1].sections.append(sec)
            continue
        key = this
        if own:
            parts.append(_Part(sec.path, [sec], sec.start, sec.start))
        else:
            # Alone, a part starts with its own text, or with its first sub-item's heading line.
            inner = sec.start if len(sec.path) == depth + 1 else sec.heads[depth + 1]
            parts.append(_Part(sec.path[: depth + 1], [sec], sec.heads[depth], inner))
    return parts


def _pack(text: str, sections: list[Section], depth: int, target: int) -> list[tuple[int, int, tuple[str, ...]]]:
    """Chunks (start, end, section path) for sections that share their first ``depth`` headings."""
    out: list[tuple[int, int, tuple[str, ...]]] = []
    run: list[_Part] = []  # consecutive parts that fit, being packed into one chunk

    def flush() -> None:
        if len(run) == 1:
            out.append((*_trim(text, run[0].inner, run[0].end), run[0].path))
        elif run:
            out.append((*_trim(text, run[0].outer, run[-1].end), run[0].path[:depth]))
        run.clear()

    for part in _parts(sections, depth):
        if len(text[part.inner : part.end].strip()) > target or _holds_division(text, part.inner, part.end):
            flush()
            if len(part.sections) == 1 and len(part.sections[0].path) == len(part.path):
                sec = part.sections[0]
                out += [(s, e, sec.path) for s, e in chunk_section(text, sec, target)]
            else:
                out += _pack(text, part.sections, len(part.path), target)
            continue
        if run and (len(text[run[0].outer : part.end].strip()) > target
                    or _holds_division(text, run[0].outer, part.end)):
            flush()
        run.append(part)
    flush()
    return out


def _at_pages(text: str, spans: list[tuple[int, int, tuple[str, ...]]],
              page_starts: tuple[int, ...]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Spans cut where a page begins. Pages are joined with a newline, which also ends a sentence,
    so a cut there never splits one."""
    out = []
    for s, e, path in spans:
        for cut in [p for p in page_starts if s < p < e] + [e]:
            piece = _trim(text, s, cut)
            if piece[0] < piece[1]:
                out.append((*piece, path))
            s = cut
    return out


def chunk_document(text: str, source: str, target_chars: int, page_starts: tuple[int, ...] = ()) -> list[Chunk]:
    """Parse the structure of ``text`` and cut it into chunks that follow its headings (and its pages)."""
    chunks: list[Chunk] = []
    spans = _pack(text, parse_sections(text), 0, target_chars)
    for s, e, path in _at_pages(text, spans, page_starts) if page_starts else spans:
        if s < e:
            body = text[s:e]
            chunks.append(
                Chunk(
                    id=chunk_id(source, s, e, body),
                    source=source,
                    section=" > ".join(path),
                    start=s,
                    end=e,
                    text=body,
                    index=len(chunks),
                )
            )
    return chunks
