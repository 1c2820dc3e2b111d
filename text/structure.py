"""Chinese official-document headings -> a flat list of sections with paths.

Recognised headings, outermost first: Markdown ``#``; 第X编/章/节/条;
一、; （一）; 1. / 1、; （1）. A heading often shares its line with the body
("（一）全力稳投资稳增长，经济发展迈上新台阶。投资较快增速。……"): the
title is then the first sentence, and the whole line after the marker stays
body text, so no sentence exists only in a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "零〇一二三四五六七八九十百千两"

# (rank, pattern) — a lower rank is an outer level. Patterns match at line start.
_HEADINGS: list[tuple[int, re.Pattern[str]]] = [
    (10, re.compile(rf"第[{_CN_NUM}\d]+编")),
    (11, re.compile(rf"第[{_CN_NUM}\d]+章")),
    (12, re.compile(rf"第[{_CN_NUM}\d]+节")),
    (13, re.compile(rf"第[{_CN_NUM}\d]+条")),
    (20, re.compile(rf"[{_CN_NUM}]+[、．.]")),
    (21, re.compile(rf"[（(][{_CN_NUM}]+[）)]")),
    (22, re.compile(r"\d{1,2}(?:[、．]|\.(?!\d))")),
    (23, re.compile(r"[（(]\d{1,2}[）)]")),
]
_MARKDOWN = re.compile(r"(#{1,6})\s+")
# An appendix line (附件 / 附件1： / 附表：… / 附录二) starts a part of its own, outside the articles
# above it; only the document title (Markdown "#") stays above it.
_APPENDIX = re.compile(rf"附(?:件|表|录)\s*[{_CN_NUM}\d]*\s*(?:[：:]|$)")
APPENDIX_RANK = 2
_TITLE_END = re.compile(r"[。！？；!?;：:]")
MAX_TITLE_CHARS = 50


@dataclass(frozen=True)
class Section:
    """A section body: ``text[start:end]`` of the document, under ``path``."""

    path: tuple[str, ...]
    start: int
    end: int
    heads: tuple[int, ...] = ()  # offset of each path level's heading line (one per path entry)

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)


def _match_heading(line: str) -> tuple[int, int] | None:
    """Return (rank, marker length) when ``line`` starts with a heading marker."""
    md = _MARKDOWN.match(line)
    if md:
        return len(md.group(1)), md.end()
    if _APPENDIX.match(line) and len(line.strip()) <= MAX_TITLE_CHARS:
        return APPENDIX_RANK, 0
    for rank, pattern in _HEADINGS:
        m = pattern.match(line)
        if m:
            return rank, m.end()
    return None


DIVISION_RANK = 13  # below this: Markdown headings, appendices, 第X编/章/节 — divisions of a document


def is_division(line: str) -> bool:
    """True when ``line`` is a heading that divides the document (Markdown #, 附件, 第X编/章/节),
    as opposed to one that numbers its items (第X条, 一、, （一）, 1., （1））."""
    heading = _match_heading(line.lstrip())
    return heading is not None and heading[0] < DIVISION_RANK


def _split_heading(line: str, rank: int, marker_len: int) -> tuple[str, int]:
    """Return (title, length of the line that belongs to the heading only)."""
    if rank < 10:  # Markdown (or an appendix line): the whole line is the title.
        return line[marker_len:].strip(), len(line)
    if rank == 13:  # 第X条: the article number is the title; the rest is its text.
        return line[:marker_len].strip(), marker_len
    m = _TITLE_END.search(line, marker_len)
    if m and m.start() <= MAX_TITLE_CHARS:
        # The title is the line's first sentence, which is content too: keep it in the body.
        return line[: m.start()].strip(), marker_len
    if len(line) <= MAX_TITLE_CHARS:
        return line.strip(), len(line)
    # A long line without an early full stop: a numbered paragraph, not a title.
    return line[:marker_len].strip(), marker_len


def parse_sections(text: str) -> list[Section]:
    """Split ``text`` into sections; bodies keep exact offsets into ``text``."""
    sections: list[Section] = []
    stack: list[tuple[int, str, int]] = []  # (rank, title, offset of the heading line)
    body_start = 0
    pos = 0

    def close(end: int) -> None:
        if text[body_start:end].strip():
            sections.append(Section(tuple(t for _, t, _ in stack), body_start, end, tuple(h for _, _, h in stack)))

    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        heading = _match_heading(stripped)
        if heading:
            close(pos)
            rank, marker_len = heading
            title, consumed = _split_heading(stripped.rstrip("\n"), rank, marker_len)
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, title, pos + indent))
            body_start = pos + indent + consumed
        pos += len(line)
    close(pos)
    return sections


# "其中首次获得银行贷款的企业（以下简称“首贷户”）": policy documents define a short form once and use it
# after; read in normalised text (half-width brackets and commas).
_SHORT_FORM = re.compile(r"([^,.。;:;：、“”\"()\s]{2,30})\(以下(?:简称|称)[“\"]([^”\"()]{1,12})[”\"]\)")


def short_forms(normalized_texts: list[str]) -> dict[str, str]:
    """The short forms these normalised texts define, each with what it stands for
    (首贷户 -> 其中首次获得银行贷款的企业)."""
    found: dict[str, str] = {}
    for text in normalized_texts:
        for full, short in _SHORT_FORM.findall(text):
            if short not in full:
                found.setdefault(short, full)
    return found
