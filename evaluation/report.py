"""Writes a run's per-question results (CSV, XLSX), its metrics and its Markdown report."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from evaluation.metrics import Outcome, diagnose
from text.escaping import inert_cell

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


# results.csv columns (English keys, kept stable for scripts) and their Chinese headers in results.xlsx.
RESULT_COLUMNS = [
    ("id", "编号"), ("question", "问题"), ("type", "类型"), ("lang", "语言"), ("answerable", "可回答"),
    ("refused", "已拒答"), ("correct", "正确"), ("evidence_rank", "依据排名"), ("citation_ok", "引用正确"),
    ("latency_ms", "延迟（毫秒）"), ("answer", "回答"), ("expected", "期望答案"), ("diagnosis", "诊断"),
    ("evidence", "期望依据"), ("cited_sources", "引用来源"), ("cited_sections", "引用章节"),
    ("passages", "检索片段（来源#章节@分数）"),
]


def _passage_ref(source: str, section: str, score: float) -> str:
    return f"{source}#{section}@{score:.3f}" if section else f"{source}@{score:.3f}"


def result_row(o: Outcome) -> dict[str, Any]:
    """One question's row of results.csv / results.xlsx, keyed by ``RESULT_COLUMNS``."""
    r = o.result
    citations = r.citations if r else []
    return {
        "id": o.question.id, "question": o.question.question, "type": o.question.type or "",
        "lang": o.question.lang or "", "answerable": o.question.answerable, "refused": o.refused,
        "correct": o.correct, "evidence_rank": o.evidence_rank or "",
        "citation_ok": "" if o.citation_ok is None else o.citation_ok, "latency_ms": round(o.latency_ms, 1),
        "answer": o.answer, "expected": " | ".join(o.question.answers), "diagnosis": diagnose(o),
        "evidence": " | ".join(o.question.evidence),
        "cited_sources": " | ".join(f"[{c.n}] {c.source}" for c in citations),
        "cited_sections": " | ".join(f"[{c.n}] {c.section}" for c in citations),
        "passages": " | ".join(_passage_ref(p.source, p.section, p.score) for p in (r.passages if r else [])),
    }


def _xlsx_value(value: Any) -> Any:
    return ("是" if value else "否") if isinstance(value, bool) else value


def write_results_xlsx(path: Path, rows: list[dict[str, Any]]) -> None:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "结果"
    sheet.append([label for _, label in RESULT_COLUMNS])
    for row in rows:
        sheet.append([_xlsx_value(row[key]) for key, _ in RESULT_COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Answers and passages quote untrusted documents: text starting with "=" stays text, never
                # a formula (openpyxl would store it as one), also when the file is downloaded from the 评测 tab.
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    workbook.save(path)


def run_section(info: dict[str, Any]) -> str:
    """What was evaluated (from run.json): knowledge base and its documents, settings, version, question set."""
    qs, kb = info.get("question_set", {}), info.get("knowledge_base", {})
    llm = info.get("llm")
    lines = ["## 评测对象", "",
             f"- 时间：{info.get('timestamp', '—')}",
             f"- 版本：{info.get('version', {}).get('commit', 'unknown')}"
             + ("（有未提交的修改）" if info.get("version", {}).get("dirty") else ""),
             f"- 题集：{qs.get('file', '—')}（sha256 {str(qs.get('sha256', ''))[:12]}，"
             f"{qs.get('questions', 0)} 题，跳过 {qs.get('skipped_rows', 0)} 行）",
             f"- 知识库：{kb.get('name', '—')}（{kb.get('chunks', '—')} 个片段）",
             f"- 嵌入模型：{info.get('embedding_model', '—')}",
             f"- 检索：top-k {info.get('top_k')}，候选 {info.get('candidates')}，"
             f"相关度阈值 {info.get('min_relevance')}，切块约 {info.get('chunk_chars')} 字",
             f"- 生成：{'LLM ' + str(llm.get('model')) + ' @ ' + str(llm.get('base_url')) if llm else '抽取式（无 LLM）'}",
             ""]
    documents = kb.get("documents") or []
    if documents:
        lines += ["| 文档 | sha256 | 片段数 |", "| --- | --- | --- |"]
        lines += [f"| {d['source']} | {str(d.get('sha256') or '—')[:12]} | {d.get('chunks', '—')} |" for d in documents]
        lines.append("")
    for issue in qs.get("issues", []):
        lines.append(f"- 题集{issue}")
    return "\n".join(lines).rstrip() + "\n"


def write_outputs(out_dir: Path, outcomes: list[Outcome], summary: dict[str, Any], title: str,
                  run_info: dict[str, Any] | None = None) -> None:
    """results.csv and results.xlsx (one row per question), metrics.json (the summary) and report.md
    (what was evaluated, the summary, the questions got wrong with their diagnosis)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [result_row(o) for o in outcomes]
    with open(out_dir / "results.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([key for key, _ in RESULT_COLUMNS])
        # Downloadable from the 评测 tab and opened in Excel: answers quote untrusted documents.
        writer.writerows([[inert_cell(row[key]) for key, _ in RESULT_COLUMNS] for row in rows])
    write_results_xlsx(out_dir / "results.xlsx", rows)
    (out_dir / "metrics.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    wrong = [o for o in outcomes if not o.correct]
    lines = [f"# 评测报告：{title}", ""]
    if run_info:
        lines += [run_section(run_info), ""]
    lines += ["## 指标", "", summary_table(summary), ""]
    breakdowns = breakdown_tables(summary)
    if breakdowns:
        lines += [breakdowns, ""]
    lines += [f"## 答错的题目（{len(wrong)}）", ""]
    for o in wrong:
        expected = "应拒答" if not o.question.answerable else "应包含：" + " / ".join(o.question.answers)
        got = "（拒答）" if o.refused else o.answer
        label = "".join(f"（{v}）" for v in (o.question.type, o.question.lang) if v)
        lines.append(f"- `{o.question.id}`{label} {o.question.question}  \n  诊断：{diagnose(o)}  \n"
                     f"  {expected}  \n  实际：{got}")
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
