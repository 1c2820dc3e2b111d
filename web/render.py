"""Turning answers into safe text and HTML for the chat: every piece of document or user text is escaped."""

from __future__ import annotations

import html
import re

from retrieval.schema import AnswerResult, Citation
from retrieval.tunables import LOW_RELEVANCE

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def escape_markdown(text: str) -> str:
    """Text shown literally in a Markdown message: HTML escaped, Markdown punctuation backslashed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _highlight(text: str, quotes: list[str]) -> str:
    """``text`` escaped, with each quoted sentence wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for q in quotes:
        i = text.find(q)
        if i >= 0:
            spans.append((i, i + len(q)))
    spans.sort()
    out, pos = [], 0
    for s, e in spans:
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def citation_block(c: Citation, open_: bool) -> str:
    where = html.escape(c.source) + (f" · {html.escape(c.section)}" if c.section else "")
    low = ' <span class="zq-low">相关度较低</span>' if c.score < LOW_RELEVANCE else ""
    return (
        f'<details class="zq-source" {"open" if open_ else ""}>'
        f'<summary><b>[{c.n}]</b> {where} <span class="zq-score">相关度 {c.score:.2f}</span>{low}</summary>'
        f'<div class="zq-passage">{_highlight(c.text, c.quotes)}</div></details>'
    )


def sources_html(answer: AnswerResult | None) -> str:
    """The sources panel: a notice for refusals and low relevance, then one block per citation."""
    if answer is None:
        return '<div class="zq-empty">提问后，这里会显示回答引用的原文段落。</div>'
    parts = []
    if answer.refused:
        parts.append('<div class="zq-notice">未找到相关内容：资料中没有能回答该问题的段落，因此没有给出回答。</div>')
    for note in answer.notices:
        parts.append(f'<div class="zq-warning">{html.escape(note.text)}</div>')
    parts += [citation_block(c, open_=(i == 0)) for i, c in enumerate(answer.citations)]
    return "".join(parts) or '<div class="zq-empty">没有引用。</div>'


def answer_markdown(answer: AnswerResult) -> str:
    """The chat message: the answer text shown literally (figures masked as * stay *)."""
    return escape_markdown(answer.answer)


def answer_with_sources_text(answer: AnswerResult) -> str:
    """Plain text for API clients: the answer, then numbered sources."""
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("来源：")
        lines += [f"[{c.n}] {c.source}" + (f" · {c.section}" if c.section else "") for c in answer.citations]
    return "\n".join(lines)
