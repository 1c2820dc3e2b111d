"""Question -> answer JSON, and the CLI: python -m retrieval.ask "问题" [--kb NAME] [-k N] [--json]"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import threading
import time
from typing import Iterator

from langchain_core.language_models import BaseChatModel

from errors import QuestionError, ZoneQAError
from retrieval.answer import compose_answer
from retrieval.conversation import condense_question
from retrieval.hybrid import HybridSearcher, Passage, SearchResult
from retrieval.llm import Generation, LLMGenerator, LLMUnavailable, answer_messages, make_chat_model, number_passages
from retrieval.meaning import cedict_gloss_words, cedict_reverse
from retrieval.multipart import merge_answers
from retrieval.schema import AnswerResult, Citation, Delta, Final, Notice, NoticeKind, Refusal, StreamEvent
from retrieval.tunables import DEFAULT, LOW_RELEVANCE, Tunables
from settings import Settings, get_settings, validate_kb_name
from text.normalize import warm_tagger
from text.question_parts import question_parts, with_context

log = logging.getLogger(__name__)
LLM_DOWN = Notice(NoticeKind.LLM_UNAVAILABLE, "大模型服务暂时不可用，已改用原文摘录回答。")
LOW_RELEVANCE_NOTICE = Notice(NoticeKind.LOW_RELEVANCE, "检索到的内容与问题相关度较低，请对照引用原文核实。")

__all__ = ["Assistant", "QuestionError", "format_readable", "llm_answer", "main"]


class Assistant:
    """Answers questions over any knowledge base; one searcher per base, shared by threads.

    With an LLM endpoint configured (or ``chat_model`` given) relevant questions are answered by the
    model behind the grounding guards of retrieval.llm; the extractive answer is the fallback.
    """

    def __init__(self, settings: Settings | None = None, chat_model: BaseChatModel | None = None,
                 tunables: Tunables = DEFAULT) -> None:
        self.settings = settings or get_settings()
        self.tunables = tunables
        self._searchers: dict[str, HybridSearcher] = {}
        self._lock = threading.Lock()
        model = chat_model or make_chat_model(self.settings)
        self.llm = LLMGenerator(model, self.settings) if model is not None else None

    def searcher(self, kb: str | None = None) -> HybridSearcher:
        kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        with self._lock:
            if kb not in self._searchers:
                self._searchers[kb] = HybridSearcher(kb, self.settings, self.tunables.search)
            return self._searchers[kb]

    def warm_up(self, kb: str | None = None) -> threading.Thread:
        """Load ``kb``'s index, the embedding model, the tokenizer and the dictionary tables in the background.

        Started before the web page is built, so that work overlaps start-up instead of
        delaying the first question. A missing knowledge base is only logged here; asking
        reports it to the user.
        """
        def run() -> None:
            try:
                self.searcher(kb).search("预热")
            except Exception as exc:  # noqa: BLE001  (reported when a question is asked)
                log.info("warm-up of knowledge base %s skipped: %s", kb, exc)
            # About 1 s each, else paid by the first question with an English or a colloquial word
            # (the part-of-speech table: by the first question with a word the knowledge base lacks).
            cedict_reverse()
            cedict_gloss_words()
            warm_tagger()

        thread = threading.Thread(target=run, name="warm-up", daemon=True)
        thread.start()
        return thread

    def condense(self, previous: list[str], question: str) -> str:
        """A follow-up made standalone: by the model when configured and the rules say it is one."""
        rewritten = condense_question(previous, question)
        if self.llm is None or rewritten == question.strip():
            return rewritten
        try:
            return self.llm.condense(previous, question)
        except LLMUnavailable as exc:
            log.warning("condensing with the LLM failed, using the rules: %s", exc)
            return rewritten

    def _checked(self, question: str, k: int | None) -> tuple[str, list[Notice], str]:
        """The question stripped, notices about it, and the text to search (cut to the length limit)."""
        question = (question or "").strip()
        if not question:
            raise QuestionError("问题不能为空，请输入要查询的内容。")
        if not re.search(r"\w", question):  # "？？？": nothing to search, and no language to answer in
            raise QuestionError("问题中没有可查询的文字，请输入要查询的内容。")
        if k is not None and not 1 <= k <= 50:
            raise QuestionError("k 应在 1 到 50 之间。")
        notices: list[Notice] = []
        limit = self.settings.max_question_chars
        asked = question
        if len(question) > limit:
            asked = question[:limit]
            notices.append(Notice(NoticeKind.TRUNCATED, f"问题过长（{len(question)} 字），仅按前 {limit} 字检索。"))
        return question, notices, asked

    def _finish(self, answer: AnswerResult, question: str, notices: list[Notice], times: list[float]) -> AnswerResult:
        answer.question = question
        if not answer.refused and max((c.score for c in answer.citations), default=0) < LOW_RELEVANCE:
            notices.append(LOW_RELEVANCE_NOTICE)
        truncated = next((n for n in notices if n.kind is NoticeKind.TRUNCATED), None)
        if truncated is not None:
            answer.answer = f"（{truncated.text}）" + answer.answer
        answer.notices = notices + answer.notices
        started, searched, done = times
        answer.timings_ms = {"retrieve": (searched - started) * 1000, "answer": (done - searched) * 1000,
                             "total": (done - started) * 1000}
        return answer

    def ask(self, question: str, kb: str | None = None, k: int | None = None) -> AnswerResult:
        """Answer ``question`` from knowledge base ``kb``; raises QuestionError for an empty question."""
        *_, final = self.ask_stream(question, kb, k)
        assert isinstance(final, Final)
        return final.answer

    def ask_stream(self, question: str, kb: str | None = None, k: int | None = None) -> Iterator[StreamEvent]:
        """Delta events while a model writes, then one Final — whose text replaces the streamed one
        when the guards rejected it."""
        started = time.perf_counter()
        question, notices, asked = self._checked(question, k)
        # A model reads a message asking several questions as it is; the extractive answer takes
        # them one at a time (retrieval.multipart).
        parts = question_parts(asked) if self.llm is None else [asked]
        if len(parts) > 1:
            results = [self.searcher(kb).search(with_context(parts[0], p) if i else p, k) for i, p in enumerate(parts)]
            searched = time.perf_counter()
            answer = merge_answers(asked, parts, [compose_answer(r, self.tunables.answer) for r in results])
        else:
            result = self.searcher(kb).search(asked, k)
            searched = time.perf_counter()
            answer = compose_answer(result, self.tunables.answer)
            if self.llm is not None and result.relevant:
                answer = yield from self._generate(result, answer)
        yield Final(self._finish(answer, question, notices, [started, searched, time.perf_counter()]))

    def _generate(self, result: SearchResult, extractive: AnswerResult) -> Iterator[StreamEvent]:
        """Stream the model's answer; returns it, or the extractive one when the model failed."""
        given = number_passages(result.passages, self.settings.llm_context_tokens)
        messages = answer_messages(result.question, given)
        streamed = ""
        try:
            for delta in self.llm.stream(messages):
                streamed += delta
                yield Delta(delta)
            return llm_answer(self.llm.finish(messages, streamed, given), given, extractive)
        except LLMUnavailable as exc:
            log.warning("LLM endpoint failed, answering extractively: %s", exc)
            extractive.notices.append(LLM_DOWN)
            return extractive


def llm_answer(generation: Generation, given: list[Passage], extractive: AnswerResult) -> AnswerResult:
    """The model's answer with its citations, or the extractive one when the guards still fail."""
    if not generation.grounding.ok:
        log.warning("LLM answer failed the grounding guards: %s", generation.grounding.problems)
        extractive.grounding = generation.grounding.as_json()
        extractive.notices.append(Notice(NoticeKind.LLM_REJECTED, "大模型的回答未通过核对（"
                                         + "；".join(generation.grounding.problems[:2]) + "），已改用原文摘录回答。"))
        return extractive
    refused = generation.refused
    cited = sorted({int(n) for n in re.findall(r"\[(\d{1,3})\]", generation.text) if 1 <= int(n) <= len(given)})
    citations = [] if refused else [
        Citation(n, given[n - 1].source, given[n - 1].section, given[n - 1].text, given[n - 1].relevance)
        for n in cited
    ]
    return AnswerResult(extractive.question, generation.text, refused, citations, extractive.passages,
                        masked=any("*" in c.text for c in citations), generator="llm",
                        grounding=generation.grounding.as_json(), refusal=Refusal.MODEL_REFUSED if refused else None)


def format_readable(answer: AnswerResult) -> str:
    """The CLI's human-readable form: answer, notices, numbered sources."""
    lines = [answer.answer]
    lines += [f"提示：{n.text}" for n in answer.notices]
    if answer.citations:
        lines.append("")
        lines.append("来源：")
        for c in answer.citations:
            where = f"{c.source} · {c.section}" if c.section else c.source
            lines.append(f"[{c.n}] {where}（相关度 {c.score:.2f}）")
            lines.append(f"    {c.text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    parser = argparse.ArgumentParser(prog="python -m retrieval.ask", description="向知识库提问，返回带引用的简短回答。")
    parser.add_argument("question", help="问题（中文、英文或繁体）")
    parser.add_argument("--kb", default=s.default_kb, help=f"知识库名称，默认 {s.default_kb}")
    parser.add_argument("-k", type=int, default=None, help=f"检索的片段数，默认 {s.top_k}")
    parser.add_argument("--json", action="store_true", help="输出 ARCHITECTURE.md 规定的回答 JSON")
    args = parser.parse_args(argv)

    try:
        answer = Assistant(s).ask(args.question, kb=args.kb, k=args.k)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_readable(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
