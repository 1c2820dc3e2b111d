"""The answer JSON shape (ARCHITECTURE.md), in one place.

``python -m retrieval.ask --json``, ``POST /api/ask`` and the evaluation
harness all serialise answers through :meth:`AnswerResult.as_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union


class Refusal(Enum):
    """Why a question was not answered; the texts users see are chosen from this, never parsed."""

    EMPTY_QUESTION = "empty_question"  # nothing was asked (an error for the API and the CLI)
    EMPTY_KNOWLEDGE_BASE = "empty_knowledge_base"  # the knowledge base holds no chunks
    NOTHING_RELEVANT = "nothing_relevant"  # no passage covers enough of the question's words
    YEAR_NOT_COVERED = "year_not_covered"  # the question names a year no document mentions
    ATTRIBUTE_MISSING = "attribute_missing"  # the topic is found, what is asked about it is not
    MODEL_REFUSED = "model_refused"  # the language model found nothing to answer from


class NoticeKind(Enum):
    TRUNCATED = "truncated"  # the question was searched by its first part only
    LOW_RELEVANCE = "low_relevance"  # the cited passages match the question weakly
    LLM_UNAVAILABLE = "llm_unavailable"  # the model endpoint failed: extractive answer instead
    LLM_REJECTED = "llm_rejected"  # the model's answer failed the grounding guards: extractive instead


@dataclass(frozen=True)
class Notice:
    """A note shown beside an answer (UI notices, CLI 提示); ``text`` is for the user."""

    kind: NoticeKind
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Citation:
    n: int
    source: str
    section: str
    text: str
    score: float
    quotes: list[str] = field(default_factory=list)  # the sentences the answer took from ``text``

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "section": self.section, "text": self.text,
                "score": round(float(self.score), 4)}


@dataclass
class RankedPassage:
    rank: int
    source: str
    section: str
    text: str
    score: float

    def as_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "source": self.source, "section": self.section, "text": self.text,
                "score": round(float(self.score), 4)}


@dataclass
class AnswerResult:
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[RankedPassage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)  # shown in the UI (truncation, low relevance)
    masked: bool = False  # a quoted figure is masked as * in the source
    generator: str = "extractive"  # "llm" when a language model wrote the text
    grounding: dict[str, Any] = field(default_factory=lambda: {"ok": True, "problems": []})
    refusal: Refusal | None = None  # why, when ``refused``

    def has_notice(self, kind: NoticeKind) -> bool:
        return any(n.kind is kind for n in self.notices)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "passages": [p.as_json() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "generator": self.generator,
            "grounding": self.grounding,
        }


@dataclass(frozen=True)
class Delta:
    """Stream event: words of the answer as a language model writes them."""

    text: str


@dataclass(frozen=True)
class Final:
    """Stream event: the finished answer (its text replaces the streamed one when the guards rejected it)."""

    answer: AnswerResult


StreamEvent = Union[Delta, Final]
