"""The evaluation harness end to end, on a small real question set."""

import json

import pytest

from tests.conftest import ROOT, run_cli

SUMMARY_KEYS = {"n", "retrieval", "answer_accuracy", "citation_accuracy", "refusal_accuracy",
                "false_refusal_rate", "answer_chars_median", "latency_ms"}


def _subset(tmp_path, ids):
    lines = [l for l in (ROOT / "evaluation/questions/seed.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(l)["id"] in ids]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # runs the CLI in a subprocess
def test_json_report_has_the_fixed_keys_and_real_scores(corpus_kb, tmp_path):
    q = _subset(tmp_path, {"seed-01", "seed-02", "seed-18", "seed-u03", "seed-u06"})
    out = tmp_path / "out"
    r = run_cli("-m", "evaluation", str(q), "--json", "--out", str(out), env={"ZONEQA_DATA": str(corpus_kb)})
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert set(summary) == SUMMARY_KEYS
    assert set(summary["retrieval"]) == {"hit@1", "hit@3", "hit@5", "mrr"}
    assert set(summary["latency_ms"]) == {"p50", "p95"}
    assert summary["n"] == 5
    assert summary["answer_accuracy"] == 1.0 and summary["refusal_accuracy"] == 1.0
    assert summary["retrieval"]["hit@5"] == 1.0
    assert (out / "results.csv").read_text(encoding="utf-8-sig").count("\n") == 6
    assert "评测报告" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow  # runs the CLI in a subprocess
def test_wrong_expectations_are_counted_wrong(corpus_kb, tmp_path):
    """The harness must be able to fail: an answer key that is not in the answer scores 0."""
    path = tmp_path / "wrong.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "国家专利审查协作分中心有多少专业人才？",
                                "answers": ["一万二千人"], "evidence": ["不存在的证据句"],
                                "answerable": True}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "y", "question": "2023年道路建设有什么计划？", "answers": [],
                                  "evidence": [], "answerable": False}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    r = run_cli("-m", "evaluation", str(path), "--json", env={"ZONEQA_DATA": str(corpus_kb)})
    summary = json.loads(r.stdout)
    assert summary["answer_accuracy"] == 0.0
    assert summary["retrieval"]["hit@5"] == 0.0 and summary["citation_accuracy"] == 0.0
    assert summary["refusal_accuracy"] == 0.0


@pytest.mark.slow  # runs the CLI in a subprocess
def test_corpus_flag_ingests_into_a_named_kb(tmp_path):
    docs = tmp_path / "policy-demo"
    docs.mkdir()
    (docs / "notice.txt").write_text("一、研发补助\n对新认定的高新技术企业，最高补助50万元。\n", encoding="utf-8")
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "1", "question": "新认定的高新技术企业最高补助多少？", "answers": ["50万元"],
                             "evidence": ["最高补助50万元"], "answerable": True}, ensure_ascii=False) + "\n",
                 encoding="utf-8")
    data = tmp_path / "data"
    r = run_cli("-m", "evaluation", str(q), "--corpus", str(docs), "--json", env={"ZONEQA_DATA": str(data)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["answer_accuracy"] == 1.0
    assert (data / "kb" / "policy-demo" / "manifest.json").exists()


@pytest.mark.slow  # runs the CLI in a subprocess
def test_malformed_question_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    r = run_cli("-m", "evaluation", str(bad), env={"ZONEQA_DATA": str(tmp_path)})
    assert r.returncode == 2 and "bad.jsonl:1" in r.stderr


def _labelled(tmp_path, labels):
    """seed.jsonl questions with ``type`` and ``lang`` labels added (id -> (type, lang))."""
    lines = []
    for line in (ROOT / "evaluation/questions/seed.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["id"] in labels:
            obj["type"], obj["lang"] = labels[obj["id"]]
            lines.append(json.dumps(obj, ensure_ascii=False))
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_breakdown_counts_answers_and_refusals_per_label():
    """Scoring real AnswerResults: a right answer, a wrong one, a right refusal and a false one."""
    from evaluation.metrics import Question, score, summarize
    from retrieval.schema import AnswerResult, RankedPassage

    def q(qid, answerable, qtype, lang):
        return Question(qid, "问", ["50万元"] if answerable else [], ["最高补助50万元"] if answerable else [],
                        answerable, qtype, lang)

    passage = [RankedPassage(1, "a.txt", "", "对新认定的企业最高补助50万元。", 1.0)]
    outcomes = [
        score(q("1", True, "figure", "zh"), AnswerResult("问", "最高补助50万元[1]", False, [], passage)),
        score(q("2", True, "figure", "en"), AnswerResult("问", "最高补助30万元[1]", False, [], passage)),
        score(q("3", False, "unanswerable", "zh"), AnswerResult("问", "资料中没有找到", True)),
        score(q("4", False, "unanswerable", "zh"), AnswerResult("问", "最高补助50万元[1]", False, [], passage)),
    ]
    summary = summarize(outcomes)
    assert summary["by_type"] == {
        "figure": {"asked": 2, "correct": 1, "accuracy": 0.5, "answer_accuracy": 0.5,
                   "refusal_accuracy": None, "hit@1": 1.0},
        "unanswerable": {"asked": 2, "correct": 1, "accuracy": 0.5, "answer_accuracy": None,
                         "refusal_accuracy": 0.5, "hit@1": None},
    }
    assert summary["by_lang"]["zh"] == {"asked": 3, "correct": 2, "accuracy": 0.6667, "answer_accuracy": 1.0,
                                        "refusal_accuracy": 0.5, "hit@1": 1.0}
    assert summary["by_lang"]["en"]["correct"] == 0


def test_unlabelled_sets_get_no_breakdown():
    from evaluation.metrics import Question, score, summarize
    from retrieval.schema import AnswerResult

    summary = summarize([score(Question("1", "问", [], [], False), AnswerResult("问", "拒答", True))])
    assert set(summary) == SUMMARY_KEYS


@pytest.mark.slow
def test_cli_reports_accuracy_by_type_and_language(corpus_kb, tmp_path):
    q = _labelled(tmp_path, {"seed-01": ("figure", "zh"), "seed-18": ("figure", "zh"),
                             "seed-02": ("plan", "zh"), "seed-u03": ("unanswerable", "zh"),
                             "seed-u06": ("unanswerable", "zh")})
    out = tmp_path / "out"
    r = run_cli("-m", "evaluation", str(q), "--json", "--out", str(out), env={"ZONEQA_DATA": str(corpus_kb)})
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert set(summary) == SUMMARY_KEYS | {"by_type", "by_lang"}
    assert list(summary["by_type"]) == ["figure", "plan", "unanswerable"]
    assert summary["by_type"]["figure"]["asked"] == 2
    assert summary["by_type"]["unanswerable"] == {"asked": 2, "correct": 2, "accuracy": 1.0, "answer_accuracy": None,
                                                  "refusal_accuracy": 1.0, "hit@1": None}
    assert summary["by_lang"]["zh"]["asked"] == 5
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## 按题型" in report and "| unanswerable | 2 | 2 | 1.0 | — | 1.0 | — |" in report
    assert "## 按语言" in report
    assert (out / "results.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("id,question,type,lang,")


@pytest.mark.slow
def test_langchain_baseline_benchmark_compares_both_stacks(tmp_path):
    """The side-by-side benchmark on a two-document corpus: real splitter, Chroma, BM25 and ensemble."""
    docs = tmp_path / "policy-demo"
    docs.mkdir()
    (docs / "rd.txt").write_text("一、研发补助\n对新认定的高新技术企业，最高补助50万元。\n", encoding="utf-8")
    (docs / "talent.md").write_text("# 人才\n\n| 人才类别 | 租房补贴 |\n|---|---|\n| A类 | 每月10000元 |\n",
                                    encoding="utf-8")
    q = tmp_path / "q.jsonl"
    q.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in [
        {"id": "1", "question": "新认定的高新技术企业最高补助多少？", "answers": ["50万元"],
         "evidence": ["最高补助50万元"], "answerable": True},
        {"id": "2", "question": "A类人才每月租房补贴多少？", "answers": ["10000元"], "evidence": ["A类"],
         "answerable": True},
        {"id": "3", "question": "高新区管委会主任是谁？", "answers": [], "evidence": [], "answerable": False},
    ]) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    r = run_cli("-m", "benchmarks.baseline_langchain", str(q), "--corpus", str(docs), "--json", "--work", str(work))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    for stack in ("zoneqa", "langchain"):
        numbers = result[stack]
        assert numbers["n"] == 3 and numbers["hit@5"] == 1.0
        assert {"hit@1", "hit@3", "mrr", "answer_accuracy", "refusal_accuracy", "chars_read_median",
                "latency_ms", "peak_rss_mib", "index"} <= set(numbers)
        assert numbers["peak_rss_mib"] > 0
    assert result["langchain"]["refusal_accuracy"] == 0.0  # the textbook stack never refuses
    assert result["zoneqa"]["answer_accuracy"] == 1.0
    # A second run reuses both indexes (same corpus bytes) and prints the table.
    again = run_cli("-m", "benchmarks.baseline_langchain", str(q), "--corpus", str(docs), "--work", str(work))
    assert again.returncode == 0, again.stderr
    assert "| hit@1 |" in again.stdout and "LangChain baseline" in again.stdout
    assert json.loads((next(work.iterdir()) / "langchain" / "built.json").read_text())["chunks"] >= 2
