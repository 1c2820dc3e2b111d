"""A message asking several questions in a row, cut into its questions.

"人才公寓配租要经过哪几个环节？接到选房通知后多少天内必须签租赁合同？" asks for a procedure and a deadline;
retrieval.multipart answers each part and joins the answers. A later part often leans on the first one's
topic ("…多少天内必须签租赁合同" is about 人才公寓), so it is searched with the first part's topic words.
"""

from __future__ import annotations

import re

from text.normalize import normalize_text, terms
from text.questions import QUESTION_WORDS, asks_a_kind
from text.years import YEAR

# What makes a stretch of a message a question of its own: a kind of answer asked for, or a word
# that asks (吗, 哪, 什么, 如何 …). "多大/多高" ask for a figure without naming its kind.
_ASKS_SOMETHING = re.compile(r"吗|呢|哪|什么|啥|怎么|怎样|如何|是否|能否|可否|有没有|是不是|能不能|可不可以|多大|多高|多长|多远|多重"
                             r"|\b(?:what|which|who|when|where|why|how|is|are|does|do|can|could|should|will)\b",
                             re.IGNORECASE)
# A question mark ends a part unless a quotation closes right after it (他说“什么是高企？”是吗).
_QUESTION_END = re.compile(r"(?<=[?？])(?![”\"」』’)）])")
# "How many … in 2024, and what is the target for the whole year?" asks twice in one sentence.
_ENGLISH_SECOND_ASK = re.compile(r",\s*and\s+(?=(?:what|which|who|when|where|how)\b)", re.IGNORECASE)
# Each part costs a search and a line of the answer; a longer list of questions is rare in a chat and
# the rest is answered with the last part.
MAX_PARTS = 3


def question_parts(question: str) -> list[str]:
    """The questions a message asks one after another, each ending at its question mark:
    "人才公寓配租要经过哪几个环节？接到选房通知后多少天内必须签租赁合同？" is two. A message asking one
    question is returned whole; stretches that ask nothing stay with the question before them."""
    parts: list[str] = []
    carried = ""  # a stretch asking nothing before the first question ("好的？") leads into it
    for piece in _QUESTION_END.split(_ENGLISH_SECOND_ASK.sub("? ", question.strip())):
        if not piece.strip():
            continue
        asks = _ASKS_SOMETHING.search(piece) or asks_a_kind(piece)
        if not parts and not asks:
            carried += piece
        elif parts and (not asks or len(parts) == MAX_PARTS):
            parts[-1] += piece
        else:
            parts.append((carried + piece).strip())
            carried = ""
    return parts if len(parts) > 1 else [question.strip()]


# A part leans on the first one when it points back (那个旧办法, 它, 其) or is too short to name a topic
# ("最多补多少？"); "火星移民计划的报名费是多少？" stands alone and is searched as it is.
_POINTS_BACK = re.compile(r"^(?:那么|那|还有|另外|再|and\b)|那个|这个|那些|这些|该|其|它|它们|呢\s*[?？]?\s*$", re.IGNORECASE)
_SHORT_PART = 6  # content characters; fewer than this cannot name a topic


def leans_on_first(part: str) -> bool:
    """True when a later part of a message needs the first part's topic to be understood."""
    normalized = normalize_text(part).strip()
    content = "".join(t for t in terms(normalized, normalized=True) if t not in QUESTION_WORDS and not asks_a_kind(t))
    return bool(_POINTS_BACK.search(normalized)) or len(content) < _SHORT_PART


def with_context(first: str, part: str) -> str:
    """A later part of a message made standalone with the topic words of the first part it lacks:
    "接到选房通知后多少天内必须签租赁合同？" after "人才公寓配租要经过哪几个环节？" is searched as
    "人才公寓 配租 经过 环节，接到选房通知后…". Words that ask (哪几个, 多少) are left out, so the part asks
    only what it asks; so is the first part's year when the part names its own ("2023年产值多少？那2022年呢？").
    A part that stands alone (:func:`leans_on_first`) is returned as it is."""
    if not leans_on_first(part):
        return part
    normalized = normalize_text(part)
    own = set(terms(normalized, normalized=True))
    own_year = bool(YEAR.search(normalized))
    context = [t for t in dict.fromkeys(terms(normalize_text(first), normalized=True))
               if t not in own and t not in QUESTION_WORDS and not asks_a_kind(t) and not _ASKS_SOMETHING.search(t)
               and not (own_year and YEAR.fullmatch(t))]
    return f"{' '.join(context)}，{part}" if context else part
