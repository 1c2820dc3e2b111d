"""python -m evaluation QUESTIONS [--kb NAME] [--corpus DIR] [--json] [--out DIR | --save [NAME]]
          | --template DIR | --compare RUN_A RUN_B [--json]"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from evaluation.jobs import run_questions
from settings import get_settings


def kb_name_for(corpus: Path) -> str:
    """A knowledge-base name derived from a corpus folder (its parent's name for a folder called corpus)."""
    folder = corpus.resolve()
    name = folder.parent.name if folder.name == "corpus" else folder.name
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:50]
    return name or "eval"


USAGE = """\
  python -m evaluation QUESTIONS [--kb NAME] [--corpus DIR] [-k N] [--json] [--out DIR | --save [NAME]]
  python -m evaluation --template DIR
  python -m evaluation --compare RUN_A RUN_B [--json]"""


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    parser = argparse.ArgumentParser(prog="python -m evaluation", usage=USAGE,
                                     description="用题集评测检索与回答的准确率；题集可以是 .xlsx、.csv 或 .jsonl。")
    parser.add_argument("questions", type=Path, nargs="?", help="题集文件（.xlsx / .csv / .jsonl）")
    parser.add_argument("--kb", default=None, help=f"知识库名称，默认 {s.default_kb}（给出 --corpus 时按文件夹命名）")
    parser.add_argument("--corpus", type=Path, default=None, help="先把该文件夹导入知识库（增量）")
    parser.add_argument("-k", type=int, default=None, help=f"检索的片段数，默认 {s.top_k}")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象（指标，或 --compare 的对比）")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None, help="把这次评测完整保存到该文件夹")
    where.add_argument("--save", nargs="?", const="", default=None, metavar="NAME",
                       help="保存到 $ZONEQA_DATA/evals/<时间>-<NAME>/（NAME 默认取题集文件名）")
    parser.add_argument("--template", type=Path, default=None, metavar="DIR",
                        help="在 DIR 写出题集模板（题集模板.csv、题集模板.xlsx）后退出")
    parser.add_argument("--compare", type=Path, nargs=2, default=None, metavar=("RUN_A", "RUN_B"),
                        help="对比两个评测结果文件夹：指标变化和改对/改错的题目")
    args = parser.parse_args(argv)
    modes = sum(x is not None for x in (args.questions, args.template, args.compare))
    if modes != 1:
        parser.error("请给出题集文件，或 --template DIR，或 --compare RUN_A RUN_B（三者选一）")
    if args.template is not None:
        return _template(args.template)
    if args.compare is not None:
        return _compare(args.compare[0], args.compare[1], args.json)
    return _evaluate(args, s)


def _template(folder: Path) -> int:
    from evaluation.question_sets import write_template

    try:
        paths = write_template(folder)
    except OSError as exc:
        print(f"错误：无法写出模板：{exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _compare(folder_a: Path, folder_b: Path, as_json: bool) -> int:
    from evaluation.compare import RunFolderError, compare_runs, comparison_markdown

    try:
        result = compare_runs(folder_a, folder_b)
    except RunFolderError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False) if as_json else comparison_markdown(result), end="" if not as_json else "\n")
    return 0


def _evaluate(args: argparse.Namespace, s) -> int:
    import time

    from errors import ZoneQAError
    from evaluation.metrics import summarize
    from evaluation.question_sets import QuestionSetError, omitted_issues_text, read_question_set
    from evaluation.report import breakdown_tables, summary_table
    from evaluation.runs import describe_run, run_dir_for, save_run
    from ingest.sync import sync_knowledge_base

    try:
        qset = read_question_set(args.questions)
    except QuestionSetError as exc:
        for issue in exc.issues:
            print(f"{args.questions.name}:{issue.row}: {issue.text()}", file=sys.stderr)
        if exc.issues_omitted:
            print(f"{args.questions.name}: {omitted_issues_text(exc.issues_omitted)}", file=sys.stderr)
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for issue in qset.issues:  # file:row: so editors can jump to the row
        print(f"{qset.path.name}:{issue.row}: {issue.text()}", file=sys.stderr)
    if qset.issues_omitted:
        print(f"{qset.path.name}: {omitted_issues_text(qset.issues_omitted)}", file=sys.stderr)
    kb = args.kb or (kb_name_for(args.corpus) if args.corpus else s.default_kb)
    started = time.time()
    try:
        if args.corpus:
            report = sync_knowledge_base([args.corpus], kb=kb, settings=s, progress=not args.json)
            print(report.summary(), file=sys.stderr)
        outcomes = run_questions(qset.questions, kb, args.k, s)
        summary = summarize(outcomes)
        out = args.out
        if out is None and args.save is not None:
            out = run_dir_for(s, args.save or args.questions.stem, started)
        if out is not None:
            generators = sorted({o.result.generator for o in outcomes if o.result is not None})
            info = describe_run(kb, s, args.k, qset, started, "+".join(generators) or None)
            save_run(out, qset, outcomes, summary, info)
            print(f"评测结果已保存到 {out}", file=sys.stderr)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：无法保存评测结果：{exc}", file=sys.stderr)
        return 2
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
