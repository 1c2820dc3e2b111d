"""The 评测 tab: upload a question set, run it against a knowledge base in the background (progress, ETA,
cancel), read the metrics and the failures with their diagnosis, download the report, compare two saved runs.

Open to every user of the page (behind ZONEQA_AUTH when set), not only admins: evaluators are their own user
group, an evaluation only reads the knowledge base, and what a run shows is what the chat would answer. The
cost is CPU, which EvaluationRunner bounds (one run at a time, a short queue, a question cap, lower priority
than chat).
"""

from __future__ import annotations

import html
import logging
import shutil
from enum import Enum
from pathlib import Path
from typing import Any

import gradio as gr

from errors import ZoneQAError
from evaluation.compare import METRICS, RunFolderError, compare_runs, comparison_markdown
from evaluation.jobs import MAX_QUESTIONS, STATE_LABELS, EvaluationJob, EvaluationRunner, JobState
from evaluation.metrics import ANSWERED_UNANSWERABLE, REFUSED, Outcome, diagnose
from evaluation.question_sets import (QuestionSet, QuestionSetError, RowIssue, omitted_issues_text,
                                     read_question_set, write_template)
from settings import Settings
from web.figures_tab import ExportFolder

log = logging.getLogger(__name__)
TABLE_HEADERS = ["编号", "问题", "类型", "语言", "诊断", "依据排名", "延迟（毫秒）"]
DOWNLOADS = ("report.md", "results.csv", "results.xlsx")
PASSAGE_PREVIEW = 300  # characters of a ranked passage shown in the details
DETAIL_PLACEHOLDER = '<div class="zq-empty">点击表格中的一行，查看该题的回答、期望答案、引用和检索片段。</div>'


class ResultFilter(Enum):
    ALL = "全部"
    WRONG = "答错"
    FALSE_REFUSAL = "误拒答"
    ANSWERED_UNANSWERABLE = "回答了不可回答的题目"

    def keeps(self, outcome: Outcome) -> bool:
        if self is ResultFilter.WRONG:
            return not outcome.correct
        if self is ResultFilter.FALSE_REFUSAL:
            return diagnose(outcome) == REFUSED
        if self is ResultFilter.ANSWERED_UNANSWERABLE:
            return diagnose(outcome) == ANSWERED_UNANSWERABLE
        return True


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _message(kind: str, text: str) -> str:
    return f'<div class="zq-{kind}">{_e(text)}</div>'


def _get(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _cell(value: Any) -> str:
    return "—" if value is None else _e(value)


def summary_html(summary: dict[str, Any]) -> str:
    """The metric summary, then one row per question type and per language."""
    rows = "".join(f"<tr><td>{_e(label)}</td><td>{_cell(_get(summary, key))}</td></tr>" for key, label, _ in METRICS)
    parts = [f'<table class="zq-eval-metrics"><tr><th>指标（共 {summary.get("n", 0)} 题）</th><th>数值</th></tr>'
             f"{rows}</table>"]
    for key, title in (("by_type", "按题型"), ("by_lang", "按语言")):
        table = summary.get(key)
        if not table:
            continue
        body = "".join(
            f"<tr><td>{_e(value)}</td><td>{m['asked']}</td><td>{m['correct']}</td><td>{_cell(m['accuracy'])}</td>"
            f"<td>{_cell(m['answer_accuracy'])}</td><td>{_cell(m['refusal_accuracy'])}</td><td>{_cell(m['hit@1'])}</td></tr>"
            for value, m in table.items())
        parts.append(f'<table class="zq-eval-{key}"><caption>{title}</caption><tr><th>取值</th><th>题目数</th>'
                     f"<th>正确</th><th>准确率</th><th>回答准确率</th><th>拒答准确率</th><th>检索 hit@1</th></tr>"
                     f"{body}</table>")
    return "".join(parts)


def table_rows(outcomes: list[Outcome], shown: ResultFilter) -> list[list[Any]]:
    return [[o.question.id, o.question.question, o.question.type or "", o.question.lang or "", diagnose(o),
             o.evidence_rank or "", round(o.latency_ms, 1)] for o in outcomes if shown.keeps(o)]


def detail_html(o: Outcome) -> str:
    """One question: diagnosis, answer, expected answers, citations and the ranked passages with scores."""
    q, r = o.question, o.result
    expected = "应拒答（不可回答）" if not q.answerable else " ｜ ".join(q.answers) or "（未给出）"
    parts = [f'<div class="zq-eval-diagnosis"><b>{_e(q.id)}</b> {_e(q.question)}<br>诊断：<b>{_e(diagnose(o))}</b></div>',
             f"<p><b>回答</b>{'（已拒答）' if o.refused else ''}：{_e(o.answer)}</p>",
             f"<p><b>期望答案</b>：{_e(expected)}</p>"]
    if q.evidence:
        parts.append(f"<p><b>期望依据</b>：{_e(' ｜ '.join(q.evidence))}</p>")
    citations = r.citations if r else []
    if citations:
        items = "".join(f"<li>[{c.n}] {_e(c.source)} · {_e(c.section)}（相关度 {c.score:.2f}）"
                        f"{'：' + _e(' '.join(c.quotes)) if c.quotes else ''}</li>" for c in citations)
        parts.append(f"<p><b>引用</b></p><ol class='zq-eval-citations'>{items}</ol>")
    passages = r.passages if r else []
    if passages:
        rows = "".join(
            f"<tr{' class=zq-eval-evidence' if p.rank == o.evidence_rank else ''}><td>{p.rank}</td>"
            f"<td>{p.score:.3f}</td><td>{_e(p.source)}<br>{_e(p.section)}</td>"
            f"<td>{_e(p.text[:PASSAGE_PREVIEW])}{'…' if len(p.text) > PASSAGE_PREVIEW else ''}</td></tr>"
            for p in passages)
        parts.append("<p><b>检索到的片段</b>（依据所在行加粗）</p><table class='zq-eval-passages'><tr><th>排名</th>"
                     f"<th>分数</th><th>来源 · 章节</th><th>片段</th></tr>{rows}</table>")
    return "".join(parts)


def progress_html(job: EvaluationJob) -> str:
    """Progress bar with questions done / total and the time left."""
    label = STATE_LABELS[job.state]
    text = f"{label}：{job.done} / {job.total} 题"
    eta = job.eta_s()
    if eta is not None:
        text += f"，预计还需 {int(eta // 60)} 分 {int(eta % 60)} 秒" if eta >= 60 else f"，预计还需 {eta:.0f} 秒"
    if job.state is JobState.DONE and job.folder is not None:
        text += f"。结果已保存：evals/{job.folder.name}"
    if job.state is JobState.CANCELLED:
        text += "（已取消，未保存）"
    if job.error:
        text += f"。{job.error}"
    kind = "notice" if job.state is JobState.FAILED else "score"
    return (f'<div class="zq-{kind}" id="zq-eval-state" data-state="{job.state.value}">'
            f'<progress max="{max(job.total, 1)}" value="{job.done}"></progress> {_e(text)}</div>')


def _issue_items(issues: list[RowIssue], omitted: int) -> str:
    """The kept issues as list items, then one item counting the ones not kept (at most MAX_ISSUES + 1 items:
    this HTML is re-sent on every poll)."""
    items = "".join(f"<li>{_e(i.text())}</li>" for i in issues)
    return items + (f"<li>{_e(omitted_issues_text(omitted))}</li>" if omitted else "")


def issues_html(qset: QuestionSet) -> str:
    if not qset.issues:
        return ""
    total = len(qset.issues) + qset.issues_omitted
    return (f'<div class="zq-warning">题集中有 {total} 处问题：<ul class="zq-eval-issues">'
            f"{_issue_items(qset.issues, qset.issues_omitted)}</ul></div>")


def saved_runs(settings: Settings) -> list[str]:
    """Names of the run folders under $ZONEQA_DATA/evals, newest first."""
    folder = settings.data_dir / "evals"
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if (p / "metrics.json").is_file()), reverse=True)


def run_folder(settings: Settings, name: str | None) -> Path:
    """The run folder a client named, only if it is one of the listed runs (names are untrusted)."""
    if not name or name not in saved_runs(settings):
        raise RunFolderError("请选择一个已保存的评测结果。")
    return settings.data_dir / "evals" / name


class EvaluationTab:
    """The tab's actions, apart from its layout."""

    def __init__(self, runner: EvaluationRunner, default_kb: str) -> None:
        self.runner = runner
        self.settings = runner.settings
        self.default_kb = default_kb
        self.exports = ExportFolder(prefix="zoneqa-eval-downloads-")

    def start(self, upload: str | None, kb: str | None, name: str | None):
        """Returns (job id, status HTML, details placeholder, timer update)."""
        stopped = gr.update(active=False)
        if not upload:
            return None, _message("notice", "请先选择题集文件（.xlsx、.csv 或 .jsonl）。"), gr.update(), stopped
        path = Path(upload)
        limit_mb = self.settings.max_question_set_mb
        try:
            too_big = path.stat().st_size > limit_mb * 1024 * 1024
        except OSError:
            return None, _message("notice", "上传的题集已失效，请重新选择文件。"), gr.update(), stopped
        if too_big:  # refused before parsing: a set under the general upload limit can still be costly
            return (None, _message("notice", f"{path.name}：题集文件超过 {limit_mb} MB 上限"
                                   "（ZONEQA_MAX_QUESTION_SET_MB），请拆分题集。"), gr.update(), stopped)
        try:
            qset = read_question_set(path, max_questions=MAX_QUESTIONS)
        except QuestionSetError as exc:
            issues = _issue_items(exc.issues, exc.issues_omitted)
            notice = _message("notice", str(exc)) + (f"<ul class='zq-eval-issues'>{issues}</ul>" if issues else "")
            return None, notice, gr.update(), stopped
        except Exception:  # a file no reader expected: say so, keep serving
            log.exception("reading question set %s failed", path.name)
            return None, _message("notice", f"无法读取题集 {path.name}，请检查文件格式。"), gr.update(), stopped
        try:
            job = self.runner.submit(qset, kb or self.default_kb, (name or "").strip() or path.stem)
        except ZoneQAError as exc:
            return None, _message("notice", exc.message), gr.update(), stopped
        return job.id, progress_html(job) + issues_html(qset), DETAIL_PLACEHOLDER, gr.update(active=True)

    def cancel(self, job_id: str | None) -> str:
        job = self.runner.get(job_id)
        if job is None or job.state.finished:
            return _message("notice", "没有正在进行的评测。")
        job.cancel()
        return _message("score", f"正在取消（已完成 {job.done} / {job.total} 题）……")

    def poll(self, job_id: str | None, shown: str):
        """(status, summary, table, downloads ×3, run A, run B, timer) while a job runs, and its results
        when it ends (the new run becomes B of the comparison, the one before it A)."""
        job = self.runner.get(job_id)
        keep = (gr.update(),) * 7
        if job is None:
            return (gr.update(), *keep, gr.update(active=False))
        status = progress_html(job) + issues_html(job.qset)
        if not job.state.finished:
            return (status, *keep, gr.update(active=True))
        if job.state is not JobState.DONE:
            return (status, *keep, gr.update(active=False))
        downloads = self._downloads(job.folder)
        return (status, summary_html(job.summary or {}), table_rows(job.outcomes, ResultFilter(shown)),
                *downloads, *self.run_choices(job.folder.name if job.folder else None), gr.update(active=False))

    def _downloads(self, folder: Path | None) -> list[str | None]:
        """Copies of the run's files in a temp folder (Gradio serves nothing from the data dir)."""
        if folder is None:
            return [None] * len(DOWNLOADS)
        target = self.exports.new()
        paths: list[str | None] = []
        for name in DOWNLOADS:
            shutil.copyfile(folder / name, target / name)
            paths.append(str(target / name))
        return paths

    def filter(self, job_id: str | None, shown: str):
        job = self.runner.get(job_id)
        return table_rows(job.outcomes, ResultFilter(shown)) if job and job.state is JobState.DONE else []

    def select(self, job_id: str | None, shown: str, evt: gr.SelectData) -> str:
        """The clicked row's details, found by its id (or, without one, by its place in the filtered table)."""
        job = self.runner.get(job_id)
        if job is None or job.state is not JobState.DONE:
            return ""
        listed = [o for o in job.outcomes if ResultFilter(shown).keeps(o)]
        if evt.row_value:
            outcome = next((o for o in listed if o.question.id == str(evt.row_value[0])), None)
        else:
            index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            outcome = listed[index] if isinstance(index, int) and 0 <= index < len(listed) else None
        return detail_html(outcome) if outcome else ""

    def run_choices(self, latest: str | None = None):
        """Dropdown updates listing the saved runs: B the given (or newest) run, A the one saved before it."""
        runs = saved_runs(self.settings)
        b = latest if latest in runs else (runs[0] if runs else None)
        older = [r for r in runs if r < b] if b else []
        a = older[0] if older else None
        return gr.update(choices=runs, value=a), gr.update(choices=runs, value=b)

    def compare(self, name_a: str | None, name_b: str | None) -> str:
        try:
            result = compare_runs(run_folder(self.settings, name_a), run_folder(self.settings, name_b))
        except RunFolderError as exc:
            return f"**{exc}**"
        for side, name in (("a", name_a), ("b", name_b)):
            result[side]["folder"] = f"evals/{name}"  # the page names runs, never server paths
        return comparison_markdown(result)


def build_eval_tab(runner: EvaluationRunner, kbs: list[str], default_kb: str) -> None:
    """The tab's components and events, built inside the caller's Blocks."""
    tab = EvaluationTab(runner, default_kb)
    hidden = {"api_visibility": "private"}
    template_folder = tab.exports.new()
    csv_template, xlsx_template = write_template(template_folder)
    gr.Markdown("上传题集（.xlsx、.csv 或 .jsonl；列名可用中文：编号、问题、答案、依据、可回答、类型、语言），"
                "选择知识库后开始评测。每次评测都保存在 `$ZONEQA_DATA/evals/` 下，可在下方对比两次评测。")
    with gr.Row():
        upload = gr.File(label="题集文件", file_types=[".xlsx", ".csv", ".jsonl"], type="filepath",
                         elem_id="zq-eval-file", scale=3)
        with gr.Column(scale=2):
            kb = gr.Dropdown(choices=kbs, value=default_kb, label="知识库", elem_id="zq-eval-kb")
            name = gr.Textbox(label="评测名称（可选，默认取文件名）", elem_id="zq-eval-name")
            with gr.Row():
                gr.DownloadButton("模板 XLSX", value=str(xlsx_template), size="sm")
                gr.DownloadButton("模板 CSV", value=str(csv_template), size="sm")
    with gr.Row():
        start = gr.Button("开始评测", variant="primary", elem_id="zq-eval-run")
        cancel = gr.Button("取消", variant="stop", elem_id="zq-eval-cancel")
    job_id = gr.State(None)
    timer = gr.Timer(1.0, active=False)
    status = gr.HTML(elem_id="zq-eval-status")
    summary = gr.HTML(elem_id="zq-eval-summary")
    shown = gr.Radio([f.value for f in ResultFilter], value=ResultFilter.ALL.value, label="显示",
                     elem_id="zq-eval-filter")
    table = gr.Dataframe(headers=TABLE_HEADERS, value=[], interactive=False, wrap=True, elem_id="zq-eval-table")
    detail = gr.HTML(DETAIL_PLACEHOLDER, elem_id="zq-eval-detail")
    with gr.Row():
        report_md = gr.DownloadButton("下载 report.md", value=None, elem_id="zq-eval-report")
        results_csv = gr.DownloadButton("下载 results.csv", value=None, elem_id="zq-eval-csv")
        results_xlsx = gr.DownloadButton("下载 results.xlsx", value=None, elem_id="zq-eval-xlsx")
    with gr.Accordion("对比两次评测", open=True):
        runs = saved_runs(runner.settings)
        with gr.Row():
            run_a = gr.Dropdown(choices=runs, value=runs[1] if len(runs) > 1 else None, label="评测 A（旧）",
                                elem_id="zq-eval-run-a")
            run_b = gr.Dropdown(choices=runs, value=runs[0] if runs else None, label="评测 B（新）",
                                elem_id="zq-eval-run-b")
        with gr.Row():
            refresh = gr.Button("刷新列表", size="sm", elem_id="zq-eval-refresh")
            compare = gr.Button("对比", elem_id="zq-eval-compare-run")
        comparison = gr.Markdown(elem_id="zq-eval-compare")

    start.click(tab.start, [upload, kb, name], [job_id, status, detail, timer], **hidden)
    cancel.click(tab.cancel, [job_id], [status], **hidden)
    timer.tick(tab.poll, [job_id, shown],
               [status, summary, table, report_md, results_csv, results_xlsx, run_a, run_b, timer], **hidden)
    shown.change(tab.filter, [job_id, shown], [table], **hidden)
    table.select(tab.select, [job_id, shown], [detail], **hidden)
    refresh.click(lambda: tab.run_choices(), None, [run_a, run_b], **hidden)
    compare.click(tab.compare, [run_a, run_b], [comparison], **hidden)
