"""The answer JSON shape (ARCHITECTURE.md), in one place.

``python -m retrieval.ask --json``, ``POST /api/ask`` and the evaluation
harness all serialise answers through :meth:`AnswerResult.as_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    notices: list[str] = field(default_factory=list)  # shown in the UI (truncation, low relevance)
    masked: bool = False  # a quoted figure is masked as * in the source
    generator: str = "extractive"  # "llm" when a language model wrote the text
    grounding: dict[str, Any] = field(default_factory=lambda: {"ok": True, "problems": []})

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
