"""Writes a run's per-question CSV and its Markdown report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from evaluation.metrics import Outcome

_LABELS = [
    ("n", "题目数"),
    ("retrieval.hit@1", "检索 hit@1"),
    ("retrieval.hit@3", "检索 hit@3"),
    ("retrieval.hit@5", "检索 hit@5"),
    ("retrieval.mrr", "检索 MRR"),
    ("answer_accuracy", "回答准确率（可回答题）"),
    ("citation_accuracy", "引用准确率"),
    ("refusal_accuracy", "拒答准确率（不可回答题）"),
    ("false_refusal_rate", "误拒率"),
    ("answer_chars_median", "回答长度中位数（字）"),
    ("latency_ms.p50", "延迟 p50（毫秒）"),
    ("latency_ms.p95", "延迟 p95（毫秒）"),
]


def _get(summary: dict[str, Any], dotted: str) -> Any:
    value: Any = summary
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def summary_table(summary: dict[str, Any]) -> str:
    """A two-column Markdown table of the summary."""
    rows = ["| 指标 | 数值 |", "| --- | --- |"]
    rows += [f"| {label} | {'—' if _get(summary, key) is None else _get(summary, key)} |" for key, label in _LABELS]
    return "\n".join(rows)


_BREAKDOWNS = [("by_type", "按题型"), ("by_lang", "按语言")]


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def breakdown_tables(summary: dict[str, Any]) -> str:
    """One Markdown table per label of the question set (题型, 语言): asked, correct, accuracies."""
    blocks = []
    for key, title in _BREAKDOWNS:
        table = summary.get(key)
        if not table:
            continue
        rows = [f"## {title}", "",
                "| 取值 | 题目数 | 正确 | 准确率 | 回答准确率 | 拒答准确率 | 检索 hit@1 |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        rows += [f"| {value} | {m['asked']} | {m['correct']} | {_cell(m['accuracy'])} | "
                 f"{_cell(m['answer_accuracy'])} | {_cell(m['refusal_accuracy'])} | {_cell(m['hit@1'])} |"
                 for value, m in table.items()]
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)


def write_outputs(out_dir: Path, outcomes: list[Outcome], summary: dict[str, Any], title: str) -> None:
    """results.csv (one row per question) and report.md (summary + the questions got wrong)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "results.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "question", "type", "lang", "answerable", "refused", "correct", "evidence_rank",
                         "citation_ok", "latency_ms", "answer", "expected"])
        for o in outcomes:
            writer.writerow([o.question.id, o.question.question, o.question.type or "", o.question.lang or "",
                             o.question.answerable, o.refused, o.correct,
                             o.evidence_rank or "", "" if o.citation_ok is None else o.citation_ok,
                             round(o.latency_ms, 1), o.answer, " | ".join(o.question.answers)])
    wrong = [o for o in outcomes if not o.correct]
    lines = [f"# 评测报告：{title}", "", summary_table(summary), ""]
    breakdowns = breakdown_tables(summary)
    if breakdowns:
        lines += [breakdowns, ""]
    lines += [f"## 答错的题目（{len(wrong)}）", ""]
    for o in wrong:
        expected = "应拒答" if not o.question.answerable else "应包含：" + " / ".join(o.question.answers)
        got = "（拒答）" if o.refused else o.answer
        label = "".join(f"（{v}）" for v in (o.question.type, o.question.lang) if v)
        lines.append(f"- `{o.question.id}`{label} {o.question.question}  \n  {expected}  \n  实际：{got}")
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
