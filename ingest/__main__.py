"""CLI: python -m ingest [PATH...] [--kb NAME] [--rebuild] | --list | --delete FILE | --drop"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from settings import get_settings


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    parser = argparse.ArgumentParser(
        prog="python -m ingest", description="把文档导入知识库（增量：只处理新增、修改和删除的文件）。"
    )
    parser.add_argument("paths", nargs="*", type=Path, help=f"文件或文件夹，默认 {s.corpus_dir}")
    parser.add_argument("--kb", default=s.default_kb, help=f"知识库名称，默认 {s.default_kb}")
    parser.add_argument("--rebuild", action="store_true", help="删除该知识库并全部重建（更换向量模型后需要）")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")
    manage = parser.add_mutually_exclusive_group()
    manage.add_argument("--list", action="store_true", help="列出知识库中的文件")
    manage.add_argument("--delete", metavar="FILE", help="从知识库中删除一个文件（按 --list 显示的名称）")
    manage.add_argument("--drop", action="store_true", help="删除整个知识库")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from errors import ZoneQAError
    from ingest.manage import delete_document, drop_knowledge_base, list_documents
    from ingest.sync import sync_knowledge_base

    try:
        if args.list:
            rows = list_documents(args.kb, s)
            for r in rows:
                size = f"{r['bytes']} 字节" if r["bytes"] is not None else "文件已不在原处"
                print(f"{r['source']}\t{r['chunks']} 个片段\t{size}\t{r['updated']}\t{r['status']}")
            print(f"共 {len(rows)} 个文件")
            return 0
        if args.delete:
            print(f"已删除 {args.delete}（{delete_document(args.kb, args.delete, s)} 个片段）")
            return 0
        if args.drop:
            drop_knowledge_base(args.kb, s)
            print(f"已删除知识库 {args.kb}")
            return 0
        report = sync_knowledge_base(args.paths or None, kb=args.kb, rebuild=args.rebuild, settings=s,
                                     progress=not args.quiet)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for message in report.skipped:
        print(f"跳过：{message}", file=sys.stderr)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
