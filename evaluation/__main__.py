"""python -m evaluation QUESTIONS.jsonl [--kb NAME] [--corpus DIR] [--json] [--out DIR]"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from settings import get_settings


def kb_name_for(corpus: Path) -> str:
    """A knowledge-base name derived from a corpus folder (its parent's name for a folder called corpus)."""
    folder = corpus.resolve()
    name = folder.parent.name if folder.name == "corpus" else folder.name
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:50]
    return name or "eval"


def _ask(assistant, question: str, kb: str, k: int | None):
    """Ask, turning a question the assistant rejects (empty) into a refusal, as a user would see it."""
    from errors import QuestionError
    from retrieval.schema import AnswerResult, Refusal

    try:
        return assistant.ask(question, kb=kb, k=k)
    except QuestionError as exc:
        return AnswerResult(question, exc.message, True, refusal=Refusal.EMPTY_QUESTION)


def run_questions(questions, kb: str, k: int | None = None, settings=None) -> list:
    """Ask every question of a set against knowledge base ``kb`` and score it (one Outcome each)."""
    from evaluation.metrics import score
    from retrieval.ask import Assistant

    assistant = Assistant(settings or get_settings())
    assistant.ask("预热", kb=kb)  # load the index and model before timing
    return [score(q, _ask(assistant, q.question, kb, k)) for q in questions]


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    parser = argparse.ArgumentParser(prog="python -m evaluation", description="用题集评测检索与回答的准确率。")
    parser.add_argument("questions", type=Path, help="题集 JSONL 文件")
    parser.add_argument("--kb", default=None, help=f"知识库名称，默认 {s.default_kb}（给出 --corpus 时按文件夹命名）")
    parser.add_argument("--corpus", type=Path, default=None, help="先把该文件夹导入知识库（增量）")
    parser.add_argument("-k", type=int, default=None, help=f"检索的片段数，默认 {s.top_k}")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 指标对象")
    parser.add_argument("--out", type=Path, default=None, help="写出 results.csv 和 report.md 的文件夹")
    args = parser.parse_args(argv)

    from errors import ZoneQAError
    from evaluation.metrics import load_questions, summarize
    from evaluation.report import breakdown_tables, summary_table, write_outputs
    from ingest.sync import sync_knowledge_base

    try:
        questions = load_questions(args.questions)
    except (OSError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    kb = args.kb or (kb_name_for(args.corpus) if args.corpus else s.default_kb)
    try:
        if args.corpus:
            report = sync_knowledge_base([args.corpus], kb=kb, settings=s, progress=not args.json)
            print(report.summary(), file=sys.stderr)
        outcomes = run_questions(questions, kb, args.k, s)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    summary = summarize(outcomes)
    if args.out:
        write_outputs(args.out, outcomes, summary, f"{args.questions.name}（知识库 {kb}）")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(summary_table(summary))
        breakdowns = breakdown_tables(summary)
        if breakdowns:
            print("\n" + breakdowns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
