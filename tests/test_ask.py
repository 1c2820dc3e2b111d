"""Answers on the real corpus, real model and real Chroma."""

import json

import pytest

from retrieval.schema import Refusal
from retrieval.answer import MASKED_NOTE, REFUSAL
from errors import QuestionError
from tests.conftest import run_cli

ANSWER_KEYS = {"question", "answer", "refused", "citations", "passages", "timings_ms", "generator", "grounding"}


def test_patent_centre_figure_is_quoted_masked_and_cited(assistant):
    a = assistant.ask("国家专利审查协作分中心有多少专业人才？")
    assert not a.refused
    assert "专业人才近*人" in a.answer and "[1]" in a.answer
    assert MASKED_NOTE in a.answer  # the figure is masked: say so, never a number
    cited = a.citations[0]
    assert "国家专利审查协作分中心已集聚专业人才近*人" in cited.text
    assert cited.section.startswith("一、2022年主要工作情况 > （二）")
    assert cited.source == "高新区2022年工作情况及2023年工作思路.txt"


def test_road_plan_comes_from_the_2023_section(assistant):
    a = assistant.ask("2023年道路建设有什么计划？")
    assert "计划年内建成*条" in a.answer
    assert all(c.section.startswith("二、2023年主要工作思路") for c in a.citations)


def test_year_decides_between_result_and_plan(assistant):
    done = assistant.ask("2022年“高新贷”批复发放了多少？")
    plan = assistant.ask("2023年“高新贷”计划新增发放多少？")
    assert "批复发放“高新贷”*亿元" in done.answer and "2022" in done.citations[0].section
    assert "新增发放“高新贷”*亿元" in plan.answer and "2023" in plan.citations[0].section


def test_answers_are_short_sentences_not_whole_chunks(assistant):
    a = assistant.ask("2022年新认定了多少家高新技术企业？")
    assert len(a.answer) < len(a.citations[0].text)
    assert len(a.answer) <= 160


def test_english_and_traditional_questions(assistant):
    en = assistant.ask("How many professionals has the national patent examination cooperation center gathered?")
    assert en.answer.startswith("According to") and "专业人才近*人" in en.answer
    assert "masked" in en.answer
    tw = assistant.ask("國家專利審查協作分中心有多少專業人才？")
    assert tw.answer.startswith("根據資料") and "专业人才近*人" in tw.answer


@pytest.mark.parametrize("question", ["高新区管委会主任是谁？", "高新区的常住人口有多少？"])
def test_unrelated_questions_are_refused(assistant, question):
    a = assistant.ask(question)
    assert a.refused and a.answer == REFUSAL and a.citations == []
    assert a.passages  # the ranked list is still reported


def test_a_question_about_something_no_document_mentions_says_what_is_missing(assistant):
    a = assistant.ask("福州地铁几号线经过高新区？")
    assert a.refused and a.refusal is Refusal.ATTRIBUTE_MISSING
    assert "没有提到“地铁”" in a.answer and "高新区" in a.answer


def test_years_the_documents_do_not_cover_are_refused_by_name(assistant):
    a = assistant.ask("2024年高新区计划建设多少条道路？")
    assert a.refused and "2024" in a.answer


def test_empty_question_is_an_error(assistant):
    for q in ["", "   \n"]:
        with pytest.raises(QuestionError):
            assistant.ask(q)
    with pytest.raises(QuestionError, match="没有可查询的文字"):
        assistant.ask("？？？！")


def test_huge_question_is_truncated_with_a_note(assistant):
    q = "国家专利审查协作分中心有多少专业人才？" + "啊" * 5000
    a = assistant.ask(q)
    assert "问题过长" in a.answer and a.notices
    assert a.question == q.strip()


@pytest.mark.slow
def test_cli_json_has_exactly_the_contract_keys(corpus_kb):
    env = {"ZONEQA_DATA": str(corpus_kb)}
    r = run_cli("-m", "retrieval.ask", "2023年道路建设有什么计划？", "--json", "-k", "3", env=env)
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    assert set(obj) == ANSWER_KEYS
    assert set(obj["citations"][0]) == {"n", "source", "section", "text", "score"}
    assert set(obj["passages"][0]) == {"rank", "source", "section", "text", "score"}
    assert [p["rank"] for p in obj["passages"]] == [1, 2, 3]
    assert set(obj["timings_ms"]) == {"retrieve", "answer", "total"}
    assert obj["citations"][0]["n"] == 1 and "[1]" in obj["answer"]


@pytest.mark.slow
def test_cli_readable_output_and_errors(corpus_kb):
    env = {"ZONEQA_DATA": str(corpus_kb)}
    r = run_cli("-m", "retrieval.ask", "新增科技小巨人企业多少家？", env=env)
    assert r.returncode == 0 and "来源：" in r.stdout and "[1]" in r.stdout
    empty = run_cli("-m", "retrieval.ask", "  ", env=env)
    assert empty.returncode == 2 and "不能为空" in empty.stderr
    missing = run_cli("-m", "retrieval.ask", "问题", "--kb", "nosuchkb", env=env)
    assert missing.returncode == 2 and "不存在" in missing.stderr

