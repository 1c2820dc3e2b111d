"""Scoring one question and aggregating a run, by the matching rules of ARCHITECTURE.md."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from text.normalize import match_key
from retrieval.schema import AnswerResult


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    evidence: list[str]
    answerable: bool
    type: str | None = None  # optional labels of a question set (policy-dev: figure, table, …; zh, en, …)
    lang: str | None = None


@dataclass
class Outcome:
    question: Question
    answer: str
    refused: bool
    correct: bool
    evidence_rank: int | None  # 1-based rank of the first passage holding evidence
    citation_ok: bool | None
    latency_ms: float


def load_questions(path: Path) -> list[Question]:
    """Read a question-set JSONL file; a malformed line raises ValueError naming its number."""
    questions = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                questions.append(Question(
                    id=str(obj.get("id", number)), question=obj["question"],
                    answers=list(obj.get("answers", [])), evidence=list(obj.get("evidence", [])),
                    answerable=bool(obj.get("answerable", True)),
                    type=_label(obj.get("type")), lang=_label(obj.get("lang")),
                ))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: 无法解析的题目（{exc}）") from exc
    return questions


def _label(value: Any) -> str | None:
    """A question's optional label, or None when absent or blank."""
    text = "" if value is None else str(value).strip()
    return text or None


def contains_any(text: str, needles: list[str]) -> bool:
    key = match_key(text)
    return any(match_key(n) and match_key(n) in key for n in needles)


def score(question: Question, result: AnswerResult) -> Outcome:
    """Judge one answer: correctness, evidence rank among passages, citation correctness."""
    if question.answerable:
        correct = not result.refused and contains_any(result.answer, question.answers)
        rank = next((p.rank for p in result.passages if contains_any(p.text, question.evidence)), None)
        citation_ok = None if result.refused else any(contains_any(c.text, question.evidence) for c in result.citations)
    else:
        correct, rank, citation_ok = result.refused, None, None
    return Outcome(question, result.answer, result.refused, correct, rank, citation_ok,
                   result.timings_ms.get("total", 0.0))


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def breakdown(outcomes: list[Outcome], field: str) -> dict[str, dict[str, Any]]:
    """Accuracy per value of a question label (``type`` or ``lang``), values in first-seen order.

    ``correct`` counts answerable questions answered correctly and unanswerable ones refused, so
    ``accuracy`` is answer accuracy for a value that only has answerable questions and refusal
    accuracy for one that only has unanswerable ones; both are given separately as well.
    """
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        value = getattr(o.question, field)
        if value is not None:
            groups.setdefault(value, []).append(o)
    table: dict[str, dict[str, Any]] = {}
    for value, group in groups.items():
        answerable = [o for o in group if o.question.answerable]
        unanswerable = [o for o in group if not o.question.answerable]
        correct = sum(o.correct for o in group)
        table[value] = {
            "asked": len(group),
            "correct": correct,
            "accuracy": _ratio(correct, len(group)),
            "answer_accuracy": _ratio(sum(o.correct for o in answerable), len(answerable)),
            "refusal_accuracy": _ratio(sum(o.correct for o in unanswerable), len(unanswerable)),
            "hit@1": _ratio(sum(1 for o in answerable if o.evidence_rank == 1), len(answerable)),
        }
    return table


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """The report object printed by ``--json`` (keys fixed by the core issue).

    ``by_type`` and ``by_lang`` are added only when the question set labels its questions so.
    """
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    ranks = [o.evidence_rank for o in answerable]
    cited = [o for o in answerable if o.citation_ok is not None]
    answered = [o for o in outcomes if not o.refused]
    summary: dict[str, Any] = {
        "n": len(outcomes),
        "retrieval": {
            "hit@1": _ratio(sum(1 for r in ranks if r and r <= 1), len(ranks)),
            "hit@3": _ratio(sum(1 for r in ranks if r and r <= 3), len(ranks)),
            "hit@5": _ratio(sum(1 for r in ranks if r and r <= 5), len(ranks)),
            "mrr": round(sum(1.0 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
        },
        "answer_accuracy": _ratio(sum(o.correct for o in answerable), len(answerable)),
        "citation_accuracy": _ratio(sum(bool(o.citation_ok) for o in cited), len(cited)),
        "refusal_accuracy": _ratio(sum(o.correct for o in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(o.refused for o in answerable), len(answerable)),
        "answer_chars_median": statistics.median(len(o.answer) for o in answered) if answered else None,
        "latency_ms": {
            "p50": _percentile([o.latency_ms for o in outcomes], 0.5),
            "p95": _percentile([o.latency_ms for o in outcomes], 0.95),
        },
    }
    for field in ("type", "lang"):
        table = breakdown(outcomes, field)
        if table:
            summary[f"by_{field}"] = table
    return summary
