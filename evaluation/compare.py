"""Compare two run folders: metric deltas and the questions that changed (fixed / broken), by id."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.question_sets import QuestionSetError
from text.escaping import escape_markdown

# (key in metrics.json, dotted; Chinese label; True when higher is better)
METRICS = [
    ("answer_accuracy", "回答准确率", True),
    ("citation_accuracy", "引用准确率", True),
    ("refusal_accuracy", "拒答准确率", True),
    ("false_refusal_rate", "误拒率", False),
    ("retrieval.hit@1", "检索 hit@1", True),
    ("retrieval.hit@3", "检索 hit@3", True),
    ("retrieval.hit@5", "检索 hit@5", True),
    ("retrieval.mrr", "检索 MRR", True),
    ("answer_chars_median", "回答长度中位数（字）", None),
    ("latency_ms.p50", "延迟 p50（毫秒）", False),
    ("latency_ms.p95", "延迟 p95（毫秒）", False),
]


class RunFolderError(QuestionSetError):
    """A folder that is not a complete run (exit code 2, like a bad question set)."""


@dataclass
class Run:
    folder: Path
    metrics: dict[str, Any]
    results: dict[str, dict[str, str]]  # id -> results.csv row
    info: dict[str, Any]  # run.json ({} for a folder written before run.json existed)


def load_run(folder: Path) -> Run:
    folder = Path(folder)
    try:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        with open(folder / "results.csv", encoding="utf-8-sig", newline="") as f:
            results = {row["id"]: row for row in csv.DictReader(f)}
    except FileNotFoundError as exc:
        raise RunFolderError(f"{folder} 不是评测结果文件夹（缺少 {Path(exc.filename).name}）") from exc
    except (OSError, ValueError, KeyError) as exc:
        raise RunFolderError(f"无法读取评测结果 {folder}：{exc}") from exc
    try:
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    return Run(folder, metrics, results, info)


def _get(obj: dict[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _truthy(value: str | None) -> bool:
    return str(value).strip().lower() in {"true", "1", "是"}


def _change(row_a: dict[str, str] | None, row_b: dict[str, str] | None, qid: str) -> dict[str, Any]:
    row = row_b or row_a or {}
    return {"id": qid, "question": row.get("question", ""),
            "a": (row_a or {}).get("diagnosis", ""), "b": (row_b or {}).get("diagnosis", "")}


def _describe(run: Run) -> dict[str, Any]:
    info, qs = run.info, run.info.get("question_set", {})
    return {"folder": str(run.folder), "timestamp": info.get("timestamp"),
            "commit": _get(info, "version.commit"), "question_set": qs.get("file"),
            "question_set_sha256": qs.get("sha256"), "knowledge_base": _get(info, "knowledge_base.name"),
            "n": run.metrics.get("n")}


def _documents(run: Run) -> dict[str, Any]:
    return {d.get("source"): d.get("sha256") for d in _get(run.info, "knowledge_base.documents") or []}


def compare_runs(folder_a: Path, folder_b: Path) -> dict[str, Any]:
    """The comparison of run B against run A (B is the newer one by convention)."""
    a, b = load_run(folder_a), load_run(folder_b)
    metrics = {}
    for key, _, _ in METRICS:
        va, vb = _get(a.metrics, key), _get(b.metrics, key)
        delta = round(vb - va, 4) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        metrics[key] = {"a": va, "b": vb, "delta": delta}
    fixed, broken = [], []
    for qid, row_b in b.results.items():
        row_a = a.results.get(qid)
        if row_a is None:
            continue
        was, now = _truthy(row_a.get("correct")), _truthy(row_b.get("correct"))
        if not was and now:
            fixed.append(_change(row_a, row_b, qid))
        elif was and not now:
            broken.append(_change(row_a, row_b, qid))
    notes = []
    desc_a, desc_b = _describe(a), _describe(b)
    if desc_a["question_set_sha256"] and desc_b["question_set_sha256"] \
            and desc_a["question_set_sha256"] != desc_b["question_set_sha256"]:
        notes.append("两次评测的题集内容不同")
    if a.info and b.info and _documents(a) != _documents(b):
        notes.append("两次评测的知识库文档不同")
    for key, label in (("embedding_model", "嵌入模型"), ("top_k", "top-k"), ("candidates", "候选数"),
                       ("min_relevance", "相关度阈值"), ("chunk_chars", "切块大小"), ("llm", "LLM")):
        if a.info and b.info and a.info.get(key) != b.info.get(key):
            notes.append(f"{label}不同：{a.info.get(key)} → {b.info.get(key)}")
    return {
        "a": desc_a, "b": desc_b, "metrics": metrics, "fixed": fixed, "broken": broken,
        "only_in_a": [qid for qid in a.results if qid not in b.results],
        "only_in_b": [qid for qid in b.results if qid not in a.results],
        "notes": notes,
    }


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def _literal(value: Any) -> str:
    """A value from a run folder as literal Markdown: ids, questions, file names and diagnoses come from
    uploaded sets and files on disk, so links, images, HTML and table pipes must not take effect. Line
    breaks would end a table row, so they become spaces."""
    text = "—" if value is None else " ".join(str(value).splitlines())
    return escape_markdown(text)


def _delta(value: float | None, higher_better: bool | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    text = f"{value:+g}"
    if higher_better is None:
        return text
    return text + (" ✅" if (value > 0) == higher_better else " ❌")


def comparison_markdown(result: dict[str, Any]) -> str:
    a, b = result["a"], result["b"]
    lines = ["# 评测对比", ""]
    for side, run in (("A", a), ("B", b)):
        commit = run["commit"] and str(run["commit"])[:12]
        lines.append(f"- {side}：{_literal(run['folder'])}（{_literal(run['timestamp'])}，{_literal(commit)}，"
                     f"题集 {_literal(run['question_set'])}）")
    lines += [f"- 注意：{_literal(note)}" for note in result["notes"]]
    lines += ["", "| 指标 | A | B | 变化 |", "| --- | --- | --- | --- |"]
    for key, label, higher_better in METRICS:
        m = result["metrics"][key]
        lines.append(f"| {label} | {_fmt(m['a'])} | {_fmt(m['b'])} | {_delta(m['delta'], higher_better)} |")
    for key, title in (("fixed", "改对的题目"), ("broken", "改错的题目")):
        changes = result[key]
        lines += ["", f"## {title}（{len(changes)}）", ""]
        if changes:
            lines += ["| 编号 | 问题 | A 诊断 | B 诊断 |", "| --- | --- | --- | --- |"]
            lines += [f"| {_literal(c['id'])} | {_literal(c['question'])} | {_literal(c['a'])} | {_literal(c['b'])} |"
                      for c in changes]
        else:
            lines.append("无")
    for key, title in (("only_in_a", "只在 A 中的题目"), ("only_in_b", "只在 B 中的题目")):
        if result[key]:
            lines += ["", f"{title}：{', '.join(_literal(qid) for qid in result[key])}"]
    return "\n".join(lines) + "\n"
