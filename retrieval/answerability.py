"""Does the chosen quote answer the question? A small logistic model over signals of both.

The rules before it refuse what they can tell for sure (no passage covers the question, a year no
document names, an asked attribute or kind of answer the quote lacks). What is left is a weighing:
a quote can share the question's topic words and still be about something else (the 博士 subsidy
for a question about 博士后). The signals below are weighed by a logistic model fitted by
``python -m evaluation.fit_answerability`` on answerable questions and on hard negatives (the same
questions with their answer sentences removed from the retrieved passages), see that module and
README (Answerability). The fitted weights live in ``answerability.json`` next to this file.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("answerability.json")


@dataclass(frozen=True)
class Signals:
    """What the answer step knows about a question and the quote it chose (each about 0..1)."""

    relevance: float  # question coverage by the best passage (with its title and section)
    sentence: float  # the best sentence's score: coverage with its headings, plus bonuses
    own: float  # coverage by the best sentence alone
    quote: float  # coverage by everything quoted, with the quoted passages' headings
    absent: float  # IDF share of the question's words that neither the quote nor its headings hold
    absent_rarity: float  # rarity in general Chinese of the most specific such word (0 when none)
    unknown: float  # share of the question's words that no passage holds (nor a trusted stand-in)
    checked: float  # 1 when the question asks for a kind of value the quote was checked to supply
    english: float  # 1 for a question in English (its words reach the documents through dictionaries)

    def vector(self) -> list[float]:
        return [float(getattr(self, f.name)) for f in fields(self)]

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


SIGNAL_NAMES = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class AnswerabilityModel:
    """Logistic regression on ``Signals``: answer when P(answerable) reaches ``threshold``."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if len(self.weights) != len(SIGNAL_NAMES) or not 0.0 <= self.threshold <= 1.0:
            raise ValueError("answerability.json 与当前的信号不一致，请重新运行 python -m evaluation.fit_answerability")

    def probability(self, signals: Signals) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, signals.vector()))
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def answers(self, signals: Signals) -> bool:
        return self.probability(signals) >= self.threshold

    def to_json(self) -> dict:
        return {"signals": list(SIGNAL_NAMES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "fitted_on": self.fitted_on}

    @classmethod
    def from_json(cls, data: dict) -> "AnswerabilityModel":
        if tuple(data.get("signals", ())) != SIGNAL_NAMES:
            raise ValueError("answerability.json 与当前的信号不一致，请重新运行 python -m evaluation.fit_answerability")
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["threshold"]),
                   str(data.get("fitted_on", "")))


# Before any fitting: answer everything the rules let through (the behaviour of the rules alone).
ANSWER_ALL = AnswerabilityModel(tuple(0.0 for _ in SIGNAL_NAMES), 0.0, 0.0, "none")


@lru_cache(maxsize=1)
def fitted_model() -> AnswerabilityModel:
    """The committed model, or ANSWER_ALL where none has been fitted yet."""
    if not MODEL_PATH.exists():
        return ANSWER_ALL
    return AnswerabilityModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
