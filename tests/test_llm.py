"""LLM answers against a real loopback server speaking the OpenAI protocol, and the guards on fake models."""

from __future__ import annotations

import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from retrieval.llm import REFUSAL_LLM, check_grounding, count_tokens
from retrieval.schema import Delta, Final
from tests.conftest import use_env
from tests.fake_openai import FakeOpenAI, Reply, passage_number

PATENT_Q = "国家专利审查协作分中心有多少专业人才？"
PATENT = "国家专利审查协作分中心已集聚专业人才近*人"


@pytest.fixture
def llm_server():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_assistant(corpus_kb, llm_server, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb), ZONEQA_LLM_BASE_URL=llm_server.url,
            ZONEQA_LLM_MODEL="fake-qwen", ZONEQA_LLM_TIMEOUT="2")
    from retrieval.ask import Assistant

    return Assistant()


def _cited(text: str):
    return lambda body: Reply(text.format(n=passage_number(body, PATENT)))


def test_a_correct_cited_answer_is_used(llm_assistant, llm_server):
    llm_server.script = _cited("国家专利审查协作分中心已集聚专业人才近*人（原文中该数字以“*”隐去）[{n}]。")
    a = llm_assistant.ask(PATENT_Q)
    assert a.generator == "llm" and a.grounding == {"ok": True, "problems": []}
    assert a.answer.startswith("国家专利审查协作分中心已集聚专业人才近*人")
    assert [c.n for c in a.citations] == [passage_number(llm_server.requests[0], PATENT)]
    assert PATENT in a.citations[0].text
    sent = llm_server.requests[0]
    assert sent["model"] == "fake-qwen" and "只能依据" in sent["messages"][0]["content"]


def test_a_number_not_in_the_passages_is_retried_then_replaced(llm_assistant, llm_server):
    llm_server.script = _cited("国家专利审查协作分中心已集聚专业人才近1200人[{n}]。")
    a = llm_assistant.ask(PATENT_Q)
    assert len(llm_server.requests) == 2  # one retry with the problem stated
    assert "1200" in llm_server.requests[1]["messages"][-1]["content"]
    assert a.generator == "extractive" and a.grounding["ok"] is False
    assert any("1200" in p for p in a.grounding["problems"])
    assert "1200" not in a.answer and "专业人才近*人" in a.answer
    assert any("未通过核对" in n.text for n in a.notices)


def test_a_retry_that_fixes_the_answer_is_accepted(llm_assistant, llm_server):
    replies = iter(["专业人才近1200人[{n}]。", "专业人才近*人，原文该数字以“*”隐去[{n}]。"])
    llm_server.script = lambda body: Reply(next(replies).format(n=passage_number(body, PATENT)))
    a = llm_assistant.ask(PATENT_Q)
    assert a.generator == "llm" and a.grounding["ok"] and "1200" not in a.answer


def test_a_citation_of_a_passage_not_given_fails(llm_assistant, llm_server):
    llm_server.script = lambda body: Reply("国家专利审查协作分中心已集聚专业人才近*人[7]。")
    a = llm_assistant.ask(PATENT_Q, k=3)
    assert a.generator == "extractive" and not a.grounding["ok"]
    assert any("[7]" in p for p in a.grounding["problems"])


def test_a_filled_in_masked_figure_fails(llm_assistant, llm_server):
    llm_server.script = _cited("专业人才近800人，其中研究生占60%以上[{n}]。")
    a = llm_assistant.ask(PATENT_Q)
    assert a.generator == "extractive"
    assert any("800" in p and "隐去" in p for p in a.grounding["problems"])
    assert "800" not in a.answer and "60%" not in a.answer


@pytest.mark.parametrize("reply", [Reply(status=500), Reply(raw=b"{not json"), Reply(status=401),
                                   Reply(text="")])
def test_endpoint_failures_fall_back_to_extractive(llm_assistant, llm_server, reply):
    llm_server.script = lambda body: reply
    a = llm_assistant.ask(PATENT_Q)
    assert a.generator == "extractive" and "专业人才近*人" in a.answer
    assert any("暂时不可用" in n.text for n in a.notices)


def test_a_hang_past_the_timeout_falls_back_in_time(llm_assistant, llm_server):
    llm_server.script = lambda body: Reply("太迟了[1]", delay=6)
    t0 = time.perf_counter()
    a = llm_assistant.ask(PATENT_Q)
    assert time.perf_counter() - t0 < 5  # ZONEQA_LLM_TIMEOUT=2
    assert a.generator == "extractive" and any("暂时不可用" in n.text for n in a.notices)


def test_nothing_relevant_means_no_model_call(llm_assistant, llm_server):
    a = llm_assistant.ask("高新区管委会主任是谁？")
    assert a.refused and llm_server.requests == []


def test_the_model_may_refuse(llm_assistant, llm_server):
    llm_server.script = lambda body: Reply(REFUSAL_LLM)
    a = llm_assistant.ask(PATENT_Q)
    assert a.refused and a.generator == "llm" and a.citations == []


def test_streaming_shows_tokens_then_the_guarded_final(llm_assistant, llm_server):
    llm_server.script = _cited("国家专利审查协作分中心已集聚专业人才近*人（原文中该数字以“*”隐去）[{n}]。")
    events = list(llm_assistant.ask_stream(PATENT_Q))
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert len(deltas) > 3 and isinstance(events[-1], Final)
    assert events[-1].answer.generator == "llm" and "".join(deltas) == events[-1].answer.answer
    llm_server.script = _cited("专业人才近999人[{n}]。")
    events = list(llm_assistant.ask_stream(PATENT_Q))
    final = events[-1].answer
    assert "999" in "".join(e.text for e in events if isinstance(e, Delta))
    assert final.generator == "extractive" and "999" not in final.answer


def test_follow_ups_are_condensed_by_the_model(llm_assistant, llm_server):
    llm_server.script = lambda body: Reply("2022年道路建设情况如何？")
    assert llm_assistant.condense(["2023年道路有什么计划？"], "那2022年呢？") == "2022年道路建设情况如何？"
    assert "那2022年呢" in llm_server.requests[0]["messages"][0]["content"]


# ------------------------------------------------------------------ guards with langchain fake chat models

def test_guards_on_fake_chat_models(corpus_kb, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from retrieval.ask import Assistant

    searcher = Assistant().searcher()
    first = searcher.search(PATENT_Q).passages
    n = next(i for i, p in enumerate(first, 1) if PATENT in p.text)
    good = GenericFakeChatModel(messages=iter([f"专业人才近*人（原文以“*”隐去）[{n}]。"]))
    a = Assistant(chat_model=good).ask(PATENT_Q)
    assert a.generator == "llm" and a.grounding["ok"]
    bad = GenericFakeChatModel(messages=iter([f"专业人才近五十人[{n}]。", f"专业人才近五十人[{n}]。"]))
    b = Assistant(chat_model=bad).ask(PATENT_Q)
    assert b.generator == "extractive" and any("五十" in p for p in b.grounding["problems"])


def test_check_grounding_rules():
    passages = ["全年完成固投*亿元、比增*%。", "新认定高新技术企业25家，二十三项政策。"]
    assert check_grounding("新认定高新技术企业25家[2]。", passages).ok
    assert check_grounding("制定二十三项政策[2]。", passages).ok
    assert not check_grounding("新认定高新技术企业25家。", passages).ok  # no citation
    assert not check_grounding("固投完成25亿元[1]。", passages).ok  # 25 is in [2], not in the cited [1]
    assert not check_grounding("见[3]。", passages).ok
    assert check_grounding(REFUSAL_LLM, passages).ok


def test_local_token_count_needs_no_download():
    assert count_tokens("国家专利审查") == 6
    assert 2 <= count_tokens("hello world") <= 4


def test_a_dead_endpoint_falls_back(corpus_kb, monkeypatch):
    from tests.conftest import free_port

    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb), ZONEQA_LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
            ZONEQA_LLM_MODEL="nobody-home", ZONEQA_LLM_TIMEOUT="2")
    from retrieval.ask import Assistant

    a = Assistant().ask(PATENT_Q)
    assert a.generator == "extractive" and "专业人才近*人" in a.answer
    assert any("暂时不可用" in n.text for n in a.notices)


@pytest.mark.slow
def test_openai_api_streams_model_tokens_and_replaces_a_failed_answer(corpus_kb, llm_server):
    from openai import OpenAI

    from tests.test_web import _start, _stop

    proc, url = _start(corpus_kb, "--skip-ingest", env={"ZONEQA_LLM_BASE_URL": llm_server.url,
                                                        "ZONEQA_LLM_MODEL": "fake-qwen", "ZONEQA_LLM_TIMEOUT": "5"})
    try:
        client = OpenAI(base_url=f"{url}/v1", api_key="unused")

        def streamed() -> str:
            return "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
                model="zoneqa", stream=True, messages=[{"role": "user", "content": PATENT_Q}]) if c.choices)

        llm_server.script = _cited("国家专利审查协作分中心已集聚专业人才近*人（原文中该数字以“*”隐去）[{n}]。")
        good = streamed()
        assert good.startswith("国家专利审查协作分中心已集聚专业人才近*人（原文中") and "来源：" in good
        assert "未通过核对" not in good
        llm_server.script = _cited("专业人才近1234人[{n}]。")
        bad = streamed()
        assert bad.startswith("专业人才近1234人")  # the words streamed as the model wrote them...
        replacement = bad.split("已替换为下面的回答）", 1)[1]  # ...then the guarded replacement
        assert "1234" not in replacement and "专业人才近*人" in replacement and "来源：" in replacement
    finally:
        _stop(proc)
