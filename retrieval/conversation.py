"""Follow-up questions made standalone, by rules (no LLM needed).

"2023年道路有什么计划？" then "那2022年呢？" becomes "2022年道路有什么计划？":
a follow-up that names a new year takes the previous question with the year
swapped; any other follow-up is searched together with the previous question.
"""

from __future__ import annotations

import re

from text.years import YEAR
from text.normalize import normalize_text, terms

_LEAD = re.compile(r"^(那么|那|还有|另外|再问一下|再问|那如果|如果是|and|what about|how about)\s*", re.IGNORECASE)
_TAIL = re.compile(r"(呢|的呢|怎么样|如何)?\s*[?？。!！]*\s*$")
SHORT_FOLLOW_UP = 6  # content characters; fewer than this cannot stand alone


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous one ("那2022年呢？", "And in 2022?")."""
    q = question.strip()
    if _LEAD.match(q) or re.search(r"呢\s*[?？]?\s*$", q):
        return True
    content = "".join(terms(YEAR.sub("", q)))
    return len(content) < SHORT_FOLLOW_UP


def condense_question(previous: list[str], question: str) -> str:
    """Rewrite ``question`` to stand alone, given the earlier (standalone) questions, latest last."""
    question = question.strip()
    if not previous or not is_follow_up(question):
        return question
    last = previous[-1].strip()
    new_years = YEAR.findall(normalize_text(question))
    old_years = YEAR.findall(last)
    if new_years and old_years:
        rewritten = last
        for old, new in zip(old_years, new_years):
            rewritten = rewritten.replace(old, new, 1)
        rest = YEAR.sub("", _TAIL.sub("", _LEAD.sub("", question))).strip(" 年，,")
        return f"{rewritten} {rest}" if terms(rest) else rewritten
    rest = _TAIL.sub("", _LEAD.sub("", question)).strip()
    return f"{last} {rest}".strip()
