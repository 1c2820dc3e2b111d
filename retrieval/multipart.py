"""One answer to a message that asks several questions in a row.

"人才公寓配租要经过哪几个环节？接到选房通知后多少天内必须签租赁合同？" asks for a procedure and a
deadline: searched as one question, the best sentence answers one of them and the asked-kind check
refuses the other. Each part is searched and answered on its own (text.question_parts.question_parts,
with_context) and the answers are joined here, citations renumbered across the parts.
"""

from __future__ import annotations

import re

from retrieval.answer import LEAD_IN_EN, LEAD_IN_TRADITIONAL
from retrieval.schema import AnswerResult, Citation, RankedPassage

_MARKER = re.compile(r"\[(\d{1,3})\]")


def merge_answers(question: str, parts: list[str], answers: list[AnswerResult]) -> AnswerResult:
    """The answers to the ``parts`` of ``question`` as one: each part's text on its own line with its [n]
    renumbered to the merged citations (a passage cited by two parts keeps one number), refused only
    when every part was. A refused part keeps its sentence (资料提到了…但没有提到…), so the reader sees
    what is missing; one that found nothing at all says which part it answers."""
    citations: list[Citation] = []
    texts: list[str] = []
    for part, answer in zip(parts, answers):
        numbers: dict[int, int] = {}
        for c in answer.citations:
            same = next((m for m in citations if (m.source, m.section, m.text) == (c.source, c.section, c.text)), None)
            if same is None:
                same = Citation(len(citations) + 1, c.source, c.section, c.text, c.score, list(c.quotes))
                citations.append(same)
            else:
                same.quotes.extend(q for q in c.quotes if q not in same.quotes)
            numbers[c.n] = same.n
        text = _MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]", answer.answer)
        if texts:  # the lead-in ("根據資料：") introduces the whole answer once
            text = text.removeprefix(LEAD_IN_EN).removeprefix(LEAD_IN_TRADITIONAL)
        if answer.refused and not answer.citations:
            text = f"关于“{part.rstrip('?？ ')}”：{text}"
        texts.append(text if answer.refused else _unsaid(text, "".join(texts)))
    unique_texts = [t for t in dict.fromkeys(texts) if t]  # two parts refused alike say so once
    text, citations = _cited_only("\n".join(unique_texts), citations)
    refused = all(a.refused for a in answers)
    first_refusal = next((a.refusal for a in answers if a.refused), None)
    notices = []
    for answer in answers:
        notices += [n for n in answer.notices if n not in notices]
    return AnswerResult(question, text, refused, citations, _passages(answers),
                        notices=notices, masked=any(a.masked for a in answers),
                        refusal=first_refusal if refused else None)


def _cited_only(text: str, citations: list[Citation]) -> tuple[str, list[Citation]]:
    """The citations that ``text`` still refers to, numbered 1, 2, … in order of first mention."""
    order = list(dict.fromkeys(int(n) for n in _MARKER.findall(text)))
    renumber = {old: new for new, old in enumerate(order, 1)}
    kept = []
    for c in citations:
        if c.n in renumber:
            kept.append(Citation(renumber[c.n], c.source, c.section, c.text, c.score, c.quotes))
    kept.sort(key=lambda c: c.n)
    return _MARKER.sub(lambda m: f"[{renumber.get(int(m.group(1)), int(m.group(1)))}]", text), kept


def _quoted_pieces(text: str) -> list[str]:
    """An extractive answer cut after each [n] marker: each piece is a quote with its marker."""
    return [piece for piece in re.split(r"(?<=\])", text) if piece.strip()]


def _unsaid(text: str, said: str) -> str:
    """``text`` without the quotes that an earlier part's answer already gave (two parts often share a
    sentence: "续贷贷款继续纳入风险补偿范围，…不超过2次。" answers both 纳入吗 and 续几次)."""
    plain_said = _MARKER.sub("", said)
    return "".join(p for p in _quoted_pieces(text) if _MARKER.sub("", p).strip() not in plain_said)


def _passages(answers: list[AnswerResult]) -> list[RankedPassage]:
    """The parts' retrieved passages, the first part's first, each passage once, ranked anew."""
    seen: set[tuple[str, str, str]] = set()
    merged: list[RankedPassage] = []
    for answer in answers:
        for p in answer.passages:
            key = (p.source, p.section, p.text)
            if key not in seen:
                seen.add(key)
                merged.append(RankedPassage(len(merged) + 1, p.source, p.section, p.text, p.score))
    return merged
