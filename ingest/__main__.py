"""CLI: python -m ingest [PATH...] [--kb NAME] [--rebuild]"""

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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from ingest.index import ModelMismatchError, sync_knowledge_base

    try:
        report = sync_knowledge_base(args.paths or None, kb=args.kb, rebuild=args.rebuild, progress=not args.quiet)
    except (ValueError, FileNotFoundError, ModelMismatchError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for message in report.skipped:
        print(f"跳过：{message}", file=sys.stderr)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
