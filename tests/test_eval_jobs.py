"""Background evaluations (evaluation.jobs), hit testing (retrieval.hit_test) and the evaluation CLI against a
knowledge base chosen by name — real model, real on-disk Chroma."""

from __future__ import annotations

import json

import openpyxl
import pytest

from errors import BusyError, QuestionError
from evaluation.question_sets import read_question_set
from tests.conftest import CORPUS, knowledge_base_in, run_cli, use_env, write_xlsx

HEADER = ["编号", "问题", "答案", "依据", "可回答", "类型", "语言"]
ROWS = [
    ["a1", "2022年全年完成固定资产投资多少？", "完成固投*亿元", "完成固投*亿元", "是", "数字", "zh"],
    ["a2", "高新区管委会主任是谁？", "", "", "否", "不可回答", "zh"],
]
PATENT_Q = "国家专利审查协作分中心有多少专业人才？"


def test_background_job_reports_progress_and_saves_a_run(assistant, corpus_kb, tmp_path):
    from evaluation.jobs import EvaluationRunner, JobState

    runner = EvaluationRunner(assistant)
    qset = read_question_set(write_xlsx(tmp_path / "后台.xlsx", [HEADER, *ROWS]))
    job = runner.submit(qset, "default", "后台任务")
    assert job.wait(120)
    assert (job.state, job.done, job.total, job.error) == (JobState.DONE, 2, 2, None)
    assert runner.get(job.id) is job and runner.get("nosuchjob") is None
    assert job.summary["answer_accuracy"] == 1.0 and job.summary["refusal_accuracy"] == 1.0
    assert job.folder.parent == corpus_kb / "evals" and job.folder.name.endswith("-后台任务")
    info = json.loads((job.folder / "run.json").read_text(encoding="utf-8"))
    assert info["knowledge_base"]["name"] == "default" and info["generator"] == "extractive"
    assert info["question_set"]["file"] == "后台.xlsx"
    assert not job.qset.path.exists()  # the job's own copy of the upload is gone once saved

    missing = runner.submit(qset, "nosuchkb", "x")
    assert missing.wait(60) and missing.state is JobState.FAILED and "不存在" in missing.error


def test_jobs_queue_behind_each_other_and_can_be_cancelled(assistant, tmp_path):
    from evaluation.jobs import EvaluationRunner, JobState

    runner = EvaluationRunner(assistant, workers=1, max_queued=1)
    many = [HEADER] + [[f"q{i}", PATENT_Q, "专业人才近*人", "", "是", "", ""] for i in range(300)]
    qset = read_question_set(write_xlsx(tmp_path / "大.xlsx", many))
    first, second = runner.submit(qset, "default", "一"), runner.submit(qset, "default", "二")
    with pytest.raises(BusyError):
        runner.submit(qset, "default", "三")
    assert second.state is JobState.QUEUED and second.eta_s() is None
    while first.done < 2 and not first.ended.is_set():  # a condition, not a sleep: two questions answered
        first.ended.wait(0.05)
    assert first.state is JobState.RUNNING and first.eta_s() > 0
    from web.eval_tab import progress_html

    shown = progress_html(first)
    assert "评测中：" in shown and "/ 300 题" in shown and "预计还需" in shown
    second.cancel()  # still queued behind the first
    first.cancel()
    assert first.wait(120) and second.wait(120)
    assert first.state is JobState.CANCELLED and first.done < 300 and first.folder is None
    assert second.state is JobState.CANCELLED and second.done == 0


def test_hit_test_explains_the_search_with_settings_for_the_test_only(assistant):
    from retrieval.hit_test import HitTestSettings, hit_test

    result = hit_test(assistant, PATENT_Q, "default", HitTestSettings(k=4))
    assert result["settings"] == {"k": 4, "candidates": 30, "min_relevance": 0.3}
    assert result["decision"]["decision"] == "relevant" and len(result["passages"]) == 4
    rrf_k = assistant.tunables.search.rrf_k
    for p in result["passages"]:  # the fused score is the RRF of the two ranks shown
        parts = [1 / (rrf_k + s["rank"]) for s in (p["bm25"], p["dense"]) if s]
        assert p["fused"]["score"] == pytest.approx(sum(parts), abs=1e-6)
        assert p["relevant"] == (p["coverage"] >= 0.3)
    top = result["passages"][0]
    assert top["bm25"]["rank"] == 1 and top["answer_sentences"][0] in result["answer"]["text"]

    strict = hit_test(assistant, "高新区管委会主任是谁？", "default", HitTestSettings(candidates=5))
    assert strict["decision"]["refusal"] == "nothing_relevant" and strict["answer"]["refused"]
    loose = hit_test(assistant, "高新区管委会主任是谁？", "default", HitTestSettings(min_relevance=0.0))
    assert loose["passages"][0]["relevant"] and loose["decision"]["refusal"] != "nothing_relevant"
    # The app's own searcher is unchanged by the tests.
    assert assistant.searcher("default").settings.min_relevance == 0.3
    assert assistant.searcher("default").settings.candidates == 30
    for bad in (HitTestSettings(k=0), HitTestSettings(candidates=10_000), HitTestSettings(min_relevance=1.5)):
        with pytest.raises(QuestionError):
            hit_test(assistant, PATENT_Q, "default", bad)


def test_saved_run_names_from_clients_are_checked(corpus_kb, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from evaluation.compare import RunFolderError
    from settings import get_settings
    from web.eval_tab import run_folder

    for name in ("../kb", "/etc", "", None, "..", "nosuchrun"):
        with pytest.raises(RunFolderError):
            run_folder(get_settings(), name)


@pytest.mark.slow  # runs the CLI in a subprocess
def test_cli_evaluates_an_xlsx_set_against_a_kb_by_name(tmp_path):
    data = tmp_path / "data"
    with knowledge_base_in(data, CORPUS, "policy") as report:
        assert report.chunks_total > 10
    rows = [HEADER, *ROWS, ["a3", "道路建设有什么计划？", "", "", "也许", "", ""]]
    questions = write_xlsx(tmp_path / "set.xlsx", rows)
    out = tmp_path / "run"
    r = run_cli("-m", "evaluation", str(questions), "--kb", "policy", "--out", str(out),
                env={"ZONEQA_DATA": str(data)})
    assert r.returncode == 0, r.stderr
    assert "set.xlsx:4: 第4行（可回答）：无法识别的值“也许”" in r.stderr and "| 题目数 | 2 |" in r.stdout
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["knowledge_base"]["name"] == "policy" and info["question_set"]["skipped_rows"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "question_set.xlsx", "report.md",
                                                    "results.csv", "results.xlsx", "run.json"]
    r = run_cli("-m", "evaluation", str(questions), "--kb", "default", "--out", str(tmp_path / "none"),
                env={"ZONEQA_DATA": str(data)})
    assert r.returncode == 2 and "知识库 'default' 不存在" in r.stderr


def test_results_xlsx_keeps_formula_like_answers_as_text(tmp_path):
    """results.xlsx is downloadable from the 评测 tab; answers quote untrusted documents."""
    from evaluation.report import RESULT_COLUMNS, write_results_xlsx

    row = {key: "" for key, _ in RESULT_COLUMNS}
    row.update(id="q1", answer='=HYPERLINK("http://example.invalid","点此")', correct=True, latency_ms=1.5)
    write_results_xlsx(tmp_path / "r.xlsx", [row])
    cells = {c.column_letter: c for c in openpyxl.load_workbook(tmp_path / "r.xlsx").active[2]}
    answer = next(c for c in cells.values() if str(c.value).startswith("=HYPERLINK"))
    assert answer.data_type == "s"  # text, not a formula
    assert any(c.value == "是" for c in cells.values()) and any(c.value == 1.5 for c in cells.values())


def test_the_web_runner_keeps_only_the_newest_saved_runs(corpus_kb, tmp_path, monkeypatch):
    """ZONEQA_EVAL_RUNS_KEPT: older runs go once a new one is saved; other folders under evals/ stay."""
    import shutil

    from evaluation.jobs import EvaluationRunner, JobState
    from retrieval.ask import Assistant

    data = tmp_path / "data"
    shutil.copytree(corpus_kb, data, ignore=shutil.ignore_patterns("evals"))
    evals = data / "evals"
    for name in ("20200101-000000-old1", "20200102-000000-old2", "20200103-000000-old3"):
        (evals / name).mkdir(parents=True)
        for file in ("run.json", "metrics.json"):
            (evals / name / file).write_text("{}", encoding="utf-8")
    (evals / "20200101-000000-partial").mkdir()  # named like a run but not one: never removed
    (evals / "notes").mkdir()
    use_env(monkeypatch, ZONEQA_DATA=str(data), ZONEQA_EVAL_RUNS_KEPT="2")
    runner = EvaluationRunner(Assistant())
    job = runner.submit(read_question_set(write_xlsx(tmp_path / "一题.xlsx", [HEADER, ROWS[0]])), "default", "新")
    assert job.wait(120) and job.state is JobState.DONE, job.error
    assert sorted(p.name for p in evals.iterdir()) == sorted(
        ["20200101-000000-partial", "notes", "20200103-000000-old3", job.folder.name])


def test_the_tab_refuses_large_question_sets_with_a_message(corpus_kb, tmp_path, monkeypatch):
    from evaluation.jobs import MAX_QUESTIONS, EvaluationRunner
    from retrieval.ask import Assistant
    from web.eval_tab import EvaluationTab

    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb), ZONEQA_MAX_QUESTION_SET_MB="1")
    tab = EvaluationTab(EvaluationRunner(Assistant()), "default")
    big = tmp_path / "大.csv"
    big.write_text("问题\n" + "这是一个问题？\n" * 60_000, encoding="utf-8")  # > 1 MB
    job_id, notice, _, _ = tab.start(str(big), "default", "")
    assert job_id is None and "题集文件超过 1 MB 上限" in notice and "ZONEQA_MAX_QUESTION_SET_MB" in notice

    many = tmp_path / "多.csv"  # small file, too many rows: reading stops at the web cap
    many.write_text("编号,问题,可回答\n" + "".join(f"q{i},x,也许\n" for i in range(MAX_QUESTIONS + 1_000)),
                    encoding="utf-8")
    assert many.stat().st_size < 1 << 20
    job_id, notice, _, _ = tab.start(str(many), "default", "")
    assert job_id is None and f"超过 {MAX_QUESTIONS} 道题的上限" in notice and "<li>" not in notice
