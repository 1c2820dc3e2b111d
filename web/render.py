"""Turning answers into safe text and HTML for the chat: every piece of document or user text is escaped."""

from __future__ import annotations

import html
import re

from retrieval.schema import AnswerResult, Citation
from retrieval.tunables import LOW_RELEVANCE
from text.escaping import escape_markdown
from web.viewer import viewer_url

_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")  # [n] as escape_markdown writes it: \[n\]
VIEW_PASSAGE_CHARS = 120  # what the 查看原文 link carries to find the passage when the answer quoted none


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


def source_anchor(turn: int, n: int) -> str:
    """The id of citation ``n``'s block among the sources of answer ``turn`` (what ``[n]`` links to)."""
    return f"zq-src-{turn}-{n}"


def turn_anchor(turn: int) -> str:
    """The id of answer ``turn``'s section in the sources panel."""
    return f"zq-turn-{turn}"


def citation_block(c: Citation, open_: bool, kb: str, turn: int) -> str:
    where = html.escape(c.source) + (f" · {html.escape(c.section)}" if c.section else "")
    low = ' <span class="zq-low">相关度较低</span>' if c.score < LOW_RELEVANCE else ""
    passage = c.quotes[0] if c.quotes else c.text[:VIEW_PASSAGE_CHARS]
    view = html.escape(viewer_url(kb, c.source, passage))
    return (
        f'<details class="zq-source" id="{source_anchor(turn, c.n)}" {"open" if open_ else ""}>'
        f'<summary><b>[{c.n}]</b> {where} <span class="zq-score">相关度 {c.score:.2f}</span>{low}</summary>'
        f'<div class="zq-passage">{_highlight(c.text, c.quotes)}</div>'
        f'<a class="zq-view" href="{view}" target="_blank" rel="noopener">查看原文</a></details>'
    )


EMPTY_PANEL = '<div class="zq-empty">提问后，这里会显示回答引用的原文段落。</div>'


def sources_html(answer: AnswerResult | None, kb: str = "", turn: int = 0) -> str:
    """The sources of one answer: a notice for refusals and low relevance, then one block per citation."""
    if answer is None:
        return '<div class="zq-empty">没有引用。</div>'
    parts = []
    if answer.refused:
        parts.append('<div class="zq-notice">未找到相关内容：资料中没有能回答该问题的段落，因此没有给出回答。</div>')
    for note in answer.notices:
        parts.append(f'<div class="zq-warning">{html.escape(note.text)}</div>')
    parts += [citation_block(c, i == 0, kb, turn) for i, c in enumerate(answer.citations)]
    return "".join(parts) or '<div class="zq-empty">没有引用。</div>'


def sources_panel(turns: list[str]) -> str:
    """The sources panel: every answer's sources, each in its own section, only the latest shown. The page's
    script (web/chat.py, CITATION_SCRIPT) switches sections when an answer is clicked."""
    if not turns:
        return EMPTY_PANEL
    shown = len(turns) - 1
    return "".join(
        f'<section class="zq-turn" id="{turn_anchor(i)}"{"" if i == shown else " hidden"}>'
        f'<div class="zq-turn-title">第 {i + 1} 问的来源</div>{body}</section>'
        for i, body in enumerate(turns))


def link_citations(markdown: str, turn: int) -> str:
    """Each escaped ``[n]`` of an answer made a link to its source block; then a 来源 link to the answer's
    sources. Plain anchors to ids on the page: Gradio's sanitiser keeps them (not data-* attributes), the page
    script handles clicks."""
    def link(m: re.Match) -> str:
        n = m.group(1)
        return f'<a class="zq-cite" href="#{source_anchor(turn, int(n))}">[{n}]</a>'

    return _ESCAPED_MARKER.sub(link, markdown) + f' <a class="zq-turn-sources" href="#{turn_anchor(turn)}">来源</a>'


def answer_markdown(answer: AnswerResult) -> str:
    """The chat message: the answer text shown literally (figures masked as * stay *); the chat then links its
    [n] markers (link_citations)."""
    return escape_markdown(answer.answer)


def answer_with_sources_text(answer: AnswerResult) -> str:
    """Plain text for API clients: the answer, then numbered sources."""
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("来源：")
        lines += [f"[{c.n}] {c.source}" + (f" · {c.section}" if c.section else "") for c in answer.citations]
    return "\n".join(lines)
