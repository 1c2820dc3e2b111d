"""Question -> answer JSON, and the CLI: python -m retrieval.ask "问题" [--kb NAME] [-k N] [--json]"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from retrieval.answer import compose_answer
from retrieval.hybrid import HybridSearcher
from retrieval.schema import AnswerResult
from settings import Settings, get_settings, validate_kb_name

LOW_RELEVANCE = 0.5


class QuestionError(ValueError):
    """A question that cannot be asked (empty); the message is for the user."""


class Assistant:
    """Answers questions over any knowledge base; one searcher per base, shared by threads."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._searchers: dict[str, HybridSearcher] = {}
        self._lock = threading.Lock()

    def searcher(self, kb: str | None = None) -> HybridSearcher:
        kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        with self._lock:
            if kb not in self._searchers:
                self._searchers[kb] = HybridSearcher(kb, self.settings)
            return self._searchers[kb]

    def ask(self, question: str, kb: str | None = None, k: int | None = None) -> AnswerResult:
        """Answer ``question`` from knowledge base ``kb``; raises QuestionError for an empty question."""
        started = time.perf_counter()
        question = (question or "").strip()
        if not question:
            raise QuestionError("问题不能为空，请输入要查询的内容。")
        if k is not None and not 1 <= k <= 50:
            raise QuestionError("k 应在 1 到 50 之间。")
        notices: list[str] = []
        limit = self.settings.max_question_chars
        asked = question
        if len(question) > limit:
            asked = question[:limit]
            notices.append(f"问题过长（{len(question)} 字），仅按前 {limit} 字检索。")
        searcher = self.searcher(kb)
        t0 = time.perf_counter()
        result = searcher.search(asked, k)
        t1 = time.perf_counter()
        answer = compose_answer(result)
        t2 = time.perf_counter()
        answer.question = question
        if not answer.refused and max((c.score for c in answer.citations), default=0) < LOW_RELEVANCE:
            notices.append("检索到的内容与问题相关度较低，请对照引用原文核实。")
        if notices and notices[0].startswith("问题过长"):
            answer.answer = f"（{notices[0]}）" + answer.answer
        answer.notices = notices
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000,
                             "total": (t2 - started) * 1000}
        return answer


def format_readable(answer: AnswerResult) -> str:
    """The CLI's human-readable form: answer, notices, numbered sources."""
    lines = [answer.answer]
    lines += [f"提示：{n}" for n in answer.notices]
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

    from ingest.index import KnowledgeBaseMissingError, ModelMismatchError

    try:
        answer = Assistant(s).ask(args.question, kb=args.kb, k=args.k)
    except (QuestionError, ValueError, KnowledgeBaseMissingError, ModelMismatchError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_readable(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
