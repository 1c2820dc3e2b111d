"""Extractive answers: pick the 1–3 sentences that answer, quote them with [n], cite, or refuse.

No LLM is needed. Sentences in the retrieved passages are scored by how much
of the question they cover (IDF-weighted, synonyms counted), with small
bonuses for the passage's rank, for a year the question names, and for the
kind of thing asked (a figure for 多少, a list for 哪些, a date for 何时).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.chunking import sentence_spans
from ingest.figures import FIGURE, extract_sentence
from retrieval.hybrid import Passage, SearchResult, context_years, coverage
from retrieval.normalize import normalize_text
from retrieval.schema import AnswerResult, Citation, RankedPassage

REFUSAL = "资料中没有找到与该问题相关的内容，无法据此回答。请换一种问法，或确认问题是否在已收录文件的范围内。"
REFUSAL_EN = "The documents contain nothing relevant to this question, so it cannot be answered from them."
MASKED_NOTE = "（注：原文中该数字以“*”隐去，资料未公开具体数值。）"
MASKED_NOTE_EN = " (Note: the figure is masked as “*” in the source; the exact number is not disclosed.)"
LEAD_IN_EN = "According to the Chinese source documents: "
LEAD_IN_TRADITIONAL = "根據資料："

MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 200
RUNNER_UP = 0.85  # a second sentence joins when it scores this close to the best
SHORT_SENTENCE = 16
DEFINITION_BONUS = 0.15
RANK_BONUS = 0.1
BRIEF_ANSWER = 60  # an answer shorter than this takes the next sentence along
EXTEND_MIN_COVERAGE = 0.1
EXPLAIN_BRIEF = 140  # the same for questions that ask to explain or list

_FIGURE_Q = re.compile(r"多少|几|比例|占比|比重|增速|增长|规模|how many|how much|percentage|rate")
_EXPLAIN_Q = re.compile(r"什么是|是什么|哪些|为什么|为何|原因|怎么|如何|怎样|特点|作用|有什么|内容")
_LIST_Q = re.compile(r"哪些|哪几|有什么|what are|which")
_DATE_Q = re.compile(r"什么时候|何时|哪年|哪一年|几月|日期|when")
# A sentence opening like this leans on the one before it (因此…, 其…, 它…).
_CONTINUES = re.compile(r"^(因此|所以|因而|故|于是|由此|这|此|其|它|他|她|该|但|而且|并且|同时)")
# "什么是X" / "X是什么": the answer is the sentence that defines X.
_DEFINITION_Q = re.compile(r"^(?:请问)?什么是(.{1,20}?)[?？]?$|^(.{1,20}?)(?:是什么|指的是什么|是指什么)[?？]?$")
_HAS_DATE = re.compile(r"\d+年|[*\d]+月|[*\d]+日")


@dataclass
class _Candidate:
    passage: Passage
    start: int  # offsets inside passage.text
    end: int
    score: float
    own: float = 0.0  # coverage of the question by the sentence alone, without its headings

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]


def _year_agreement(asked: list[str], passage: Passage, sentence: str) -> float:
    """Reports are organised by year: reward the asked year, penalise a section about another one."""
    if not asked:
        return 0.0
    years_here = context_years(passage.title, passage.section)
    if years_here:
        return 0.15 if any(y in years_here for y in asked) else -0.3
    return 0.15 if any(y in sentence for y in asked) else 0.0


def _score_sentences(result: SearchResult) -> list[_Candidate]:
    q = result.normalized
    wants_figure, wants_list, wants_date = (bool(r.search(q)) for r in (_FIGURE_Q, _LIST_Q, _DATE_Q))
    defined = _DEFINITION_Q.search(q)
    subject = next((g for g in defined.groups() if g), "").strip() if defined else ""
    candidates: list[_Candidate] = []
    for p in result.passages:
        context = normalize_text(f"{p.title} {p.section}")
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            norm = normalize_text(sentence)
            # Words in the title or heading hold for every sentence under it: the
            # sentence that answers often says 它/其 instead of the subject.
            score = coverage(result.query_terms, result.term_weights, context + " " + norm)
            score += RANK_BONUS / p.rank
            score += _year_agreement(result.years, p, norm)
            if wants_figure and FIGURE.search(sentence):
                score += 0.1
            if wants_list and ("、" in sentence or "，" in sentence):
                score += 0.03
            if wants_date and _HAS_DATE.search(sentence):
                score += 0.1
            if subject and (norm.startswith(subject) or re.search(re.escape(subject) + r"[(（，,]?[^。]{0,30}?(是|为|指)", norm)):
                score += DEFINITION_BONUS
            candidates.append(_Candidate(p, s, e, score, coverage(result.query_terms, result.term_weights, norm)))
    candidates.sort(key=lambda c: -c.score)
    return candidates


def _select(candidates: list[_Candidate], result: SearchResult) -> list[_Candidate]:
    """The best sentence, its continuation when it is only a lead-in, and a close runner-up."""
    if not candidates:
        return []
    best = candidates[0]
    chosen = [best]
    same_passage = [c for c in candidates if c.passage is best.passage]
    if best.end - best.start <= SHORT_SENTENCE and not FIGURE.search(best.text):
        following = [c for c in same_passage if c.start >= best.end]
        if following:
            chosen.append(min(following, key=lambda c: c.start))
    if _CONTINUES.match(best.text):
        preceding = [c for c in same_passage if c.end <= best.start]
        if preceding:
            chosen.append(max(preceding, key=lambda c: c.end))
    for c in candidates[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        total = sum(x.end - x.start for x in chosen) + c.end - c.start
        if c in chosen or total > MAX_ANSWER_CHARS or c.score < RUNNER_UP * best.score:
            continue
        chosen.append(c)
    total = sum(x.end - x.start for x in chosen)
    answered_figure = bool(_FIGURE_Q.search(result.normalized)) and bool(FIGURE.search(best.text))
    # A short answer gains from the sentences after it: the span asked for often runs on, and
    # questions asking to explain or list (什么是, 哪些, 为什么, 如何) have long answers.
    brief = EXPLAIN_BRIEF if _EXPLAIN_Q.search(result.normalized) else BRIEF_ANSWER
    end = max(c.end for c in chosen if c.passage is best.passage)
    while total < brief and not answered_figure:
        following = [c for c in same_passage if c.start >= end and c not in chosen]
        if not following:
            break
        nxt = min(following, key=lambda c: c.start)
        # A short sentence without figures opens a new topic ("启动福建科学城建设。"): leave it out.
        opens_topic = nxt.end - nxt.start <= SHORT_SENTENCE and not FIGURE.search(nxt.text)
        # Past the first addition, only sentences that still speak to the question.
        drifts = end > best.end and nxt.own < EXTEND_MIN_COVERAGE
        if opens_topic or drifts or total + nxt.end - nxt.start > MAX_ANSWER_CHARS:
            break
        chosen.append(nxt)
        total += nxt.end - nxt.start
        end = nxt.end
    # Read in document order within a passage, passages in rank order.
    chosen.sort(key=lambda c: (c.passage.rank, c.start))
    return _merge_adjacent(chosen)


def _merge_adjacent(chosen: list[_Candidate]) -> list[_Candidate]:
    """Join back-to-back sentences of one passage into one quote, cited once at its end."""
    merged: list[_Candidate] = []
    for c in chosen:
        prev = merged[-1] if merged else None
        if prev and prev.passage is c.passage and not c.passage.text[prev.end : c.start].strip():
            merged[-1] = _Candidate(c.passage, prev.start, c.end, max(prev.score, c.score))
        else:
            merged.append(c)
    return merged


def _figure_period(result: SearchResult, chosen: list[_Candidate]) -> str:
    """For a 多少/几/占比 question, say which period the quoted figure belongs to (2022年完成情况 / 2023年计划)."""
    if not _FIGURE_Q.search(result.normalized):
        return ""
    for c in chosen:
        for f in extract_sentence(c.text, c.passage.section, c.passage.title):
            if f.year and f.kind:
                return f"（{f.year}年{'完成情况' if f.kind == '完成' else '计划'}）"
    return ""


def _is_traditional(question: str) -> bool:
    import unicodedata

    nfkc = unicodedata.normalize("NFKC", question)
    return normalize_text(nfkc) != nfkc.lower()


def compose_answer(result: SearchResult) -> AnswerResult:
    """Turn a search result into the answer: quoted sentences with [n] markers and citations."""
    passages = [RankedPassage(p.rank, p.source, p.section, p.text, p.score) for p in result.passages]
    english = not result.chinese
    if not result.relevant:
        text = REFUSAL_EN if english else REFUSAL
        if result.reason.startswith("year:") and not english:
            text = f"资料中没有找到与该问题相关的内容：已收录的文件未涉及{result.reason[5:].replace(',', '、')}年。"
        return AnswerResult(result.question, text, True, [], passages)

    chosen = _select(_score_sentences(result), result)
    citations: dict[str, Citation] = {}
    parts: list[str] = []
    for c in chosen:
        cit = citations.get(c.passage.id)
        if cit is None:
            cit = Citation(len(citations) + 1, c.passage.source, c.passage.section, c.passage.text,
                           c.passage.relevance)
            citations[c.passage.id] = cit
        cit.quotes.append(c.text)
        parts.append(f"{c.text}[{cit.n}]")
    body = "".join(parts)
    masked = any("*" in c.text for c in chosen)
    if english:
        text = LEAD_IN_EN + body + (MASKED_NOTE_EN if masked else "")
    else:
        text = (LEAD_IN_TRADITIONAL if _is_traditional(result.question) else "") + body
        text += _figure_period(result, chosen) + (MASKED_NOTE if masked else "")
    return AnswerResult(result.question, text, False, list(citations.values()), passages, masked=masked)
