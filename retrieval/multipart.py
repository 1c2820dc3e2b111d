"""One answer to a message that asks several questions in a row.

"人才公寓配租要经过哪几个环节？接到选房通知后多少天内必须签租赁合同？" asks for a procedure and a
deadline: searched as one question, the best sentence answers one of them and the asked-kind check
refuses the other. Each part is searched and answered on its own (text.questions.question_parts,
with_context) and the answers are joined here, citations renumbered across the parts.
"""

from __future__ import annotations

import re

from retrieval.schema import AnswerResult, Citation, RankedPassage

_MARKER = re.compile(r"\[(\d{1,3})\]")


def merge_answers(question: str, answers: list[AnswerResult]) -> AnswerResult:
    """The parts' answers as one: each part's text on its own line with its [n] renumbered to the
    merged citations (a passage cited by two parts keeps one number), refused only when every part
    was. A refused part keeps its sentence (资料提到了…但没有提到…), so the reader sees what is missing."""
    citations: list[Citation] = []
    texts: list[str] = []
    for answer in answers:
        numbers: dict[int, int] = {}
        for c in answer.citations:
            same = next((m for m in citations if (m.source, m.section, m.text) == (c.source, c.section, c.text)), None)
            if same is None:
                same = Citation(len(citations) + 1, c.source, c.section, c.text, c.score, list(c.quotes))
                citations.append(same)
            else:
                same.quotes.extend(q for q in c.quotes if q not in same.quotes)
            numbers[c.n] = same.n
        texts.append(_MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]", answer.answer))
    unique_texts = list(dict.fromkeys(texts))  # two parts refused alike say so once
    refused = all(a.refused for a in answers)
    first_refusal = next((a.refusal for a in answers if a.refused), None)
    notices = []
    for answer in answers:
        notices += [n for n in answer.notices if n not in notices]
    return AnswerResult(question, "\n".join(unique_texts), refused, citations, _passages(answers),
                        notices=notices, masked=any(a.masked for a in answers),
                        refusal=first_refusal if refused else None)


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
