"""Figure look-up for staff: which number, which year, which section.

The table is derived from the chunks in Chroma (like the BM25 index), stored
as SQLite in the data dir (``kb/NAME/figures.sqlite``) and rebuilt when an
ingestion run changes the knowledge base.

A keyword matches a figure's metric or its context (the clause it stands in; for a table figure its
row label and column header), not the rest of its sentence. ``number`` is the value in the unit's
base (60万元 -> 600000, 五十 -> 50), for ``--min``/``--max`` and ``--sort value``; the value shown
stays as written.

CLI: python -m retrieval.figures 道路 [--year 2023] [--kind 计划] [--unit 条] [--min N] [--max N]
     [--sort document|value] [--kb NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from errors import ZoneQAError
from settings import Settings, get_settings, validate_kb_name
from store import KnowledgeBase, open_knowledge_base
from text.figures import extract_figures
from text.normalize import normalize_text, synonym_groups

COLUMNS = ["metric", "value", "unit", "qualifier", "year", "kind", "period", "masked", "section", "source",
           "sentence", "fig_start", "fig_end", "number"]
MAX_ROWS = 500
# Bump when what a row holds changes: a table built by an older version is rebuilt.
SCHEMA = "2"


class FigureOrder(Enum):
    DOCUMENT = "document"  # as the documents tell them
    VALUE = "value"  # largest first (by number; masked figures last)


_ORDER_SQL = {FigureOrder.DOCUMENT: "source, doc_offset, fig_start",
              FigureOrder.VALUE: "number IS NULL, number DESC, source, doc_offset, fig_start"}


@dataclass
class FigureQuery:
    keyword: str = ""
    year: str = ""
    kind: str = ""
    unit: str = ""
    section: str = ""
    min_number: float | None = None
    max_number: float | None = None
    order: FigureOrder = FigureOrder.DOCUMENT


class FigureTable:
    """The figure rows of one knowledge base; safe to share between threads."""

    def __init__(self, kb: str | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        self._lock = threading.Lock()
        self._version = ""
        self._db: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.settings.kb_dir(self.kb) / "figures.sqlite"

    def _connection(self) -> sqlite3.Connection:
        """The SQLite table, rebuilt from the store when the knowledge base changed (reads text only: no model)."""
        store = open_knowledge_base(self.kb, self.settings)
        version = store.version()
        with self._lock:
            if self._db is not None and version == self._version:
                return self._db
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False)
            stored = db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)") and \
                db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if not stored or stored[0] != f"{SCHEMA}:{version}":
                _rebuild(db, store, version)
            self._db, self._version = db, version
            return db

    def search(self, query: FigureQuery) -> list[dict[str, Any]]:
        """Rows whose metric or context holds the keyword (or a synonym), filtered."""
        db = self._connection()
        where, args = [], []
        keyword = normalize_text(query.keyword.strip())
        if keyword:
            alternatives = [keyword, *synonym_groups().get(keyword, ())]
            where.append("(" + " OR ".join(["metric_n LIKE ? ESCAPE '\\' OR context_n LIKE ? ESCAPE '\\'"]
                                            * len(alternatives)) + ")")
            for alt in alternatives:
                pattern = "%" + alt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                args += [pattern, pattern]
        for column, value in (("year", query.year), ("kind", query.kind), ("unit", query.unit)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if query.section:
            where.append("section LIKE ?")
            args.append(f"%{query.section}%")
        for bound, op in ((query.min_number, ">="), (query.max_number, "<=")):
            if bound is not None:
                where.append(f"number {op} ?")
                args.append(bound)
        sql = (f"SELECT {', '.join(COLUMNS)} FROM figures " + (f"WHERE {' AND '.join(where)} " if where else "")
               + f"ORDER BY {_ORDER_SQL[query.order]} LIMIT {MAX_ROWS}")
        rows = [dict(zip(COLUMNS, r, strict=True)) for r in db.execute(sql, args)]
        for r in rows:
            r["masked"] = bool(r["masked"])
        return rows


def _rebuild(db: sqlite3.Connection, store: KnowledgeBase, version: str) -> None:
    db.execute("DROP TABLE IF EXISTS figures")
    db.execute(
        "CREATE TABLE figures (metric TEXT, value TEXT, unit TEXT, qualifier TEXT, year TEXT, kind TEXT,"
        " period TEXT, masked INTEGER, section TEXT, source TEXT, sentence TEXT, fig_start INTEGER, fig_end INTEGER,"
        " number REAL, doc_offset INTEGER, metric_n TEXT, context_n TEXT, UNIQUE (source, doc_offset, fig_start))"
    )
    rows = []
    for _, text, meta in store.chunks():
        base = int(meta.get("start", 0))
        for offset, f in extract_figures(text, meta.get("section", ""), meta.get("title", "")):
            rows.append((f.metric, f.value, f.unit, f.qualifier, f.year, f.kind, f.period, int(f.masked),
                         meta.get("section", ""), meta.get("source", ""), f.sentence, f.start, f.end, f.number,
                         base + offset, normalize_text(f.metric), normalize_text(f.context or f.sentence)))
    # Chunks overlap by a sentence: the UNIQUE key keeps one row per figure of the document.
    db.executemany("INSERT OR IGNORE INTO figures VALUES (" + ",".join("?" * 17) + ")", rows)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (f"{SCHEMA}:{version}",))
    db.commit()


def format_rows(rows: list[dict[str, Any]]) -> str:
    """A readable listing for the CLI."""
    if not rows:
        return "没有找到匹配的数据。"
    lines = []
    for r in rows:
        value = f"{r['value']}{r['unit']}" + ("（原文隐去）" if r["masked"] else "")
        qualifier = f"[{r['qualifier']}] " if r["qualifier"] else ""
        lines.append(f"{r['period'] or '—'}  {r['metric']}：{qualifier}{value}    {r['source']} · {r['section']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    parser = argparse.ArgumentParser(prog="python -m retrieval.figures", description="按关键词、年份查找文件中的数据。")
    parser.add_argument("keyword", nargs="?", default="", help="关键词，如 道路、高新贷")
    parser.add_argument("--year", default="", help="年份，如 2023")
    parser.add_argument("--kind", default="", choices=["", "完成", "计划"], help="完成情况或计划")
    parser.add_argument("--unit", default="", help="单位，如 亿元、家、条")
    parser.add_argument("--section", default="", help="章节包含的文字")
    parser.add_argument("--min", type=float, default=None, help="数值下限（按单位换算，如 60万元 记为 600000）")
    parser.add_argument("--max", type=float, default=None, help="数值上限（同上）")
    parser.add_argument("--sort", default="document", choices=[o.value for o in FigureOrder],
                        help="排序：document 按原文顺序（默认），value 按数值从大到小")
    parser.add_argument("--kb", default=s.default_kb, help=f"知识库名称，默认 {s.default_kb}")
    parser.add_argument("--json", action="store_true", help="输出 JSON 数组")
    args = parser.parse_args(argv)

    try:
        query = FigureQuery(args.keyword, args.year, args.kind, args.unit, args.section, args.min, args.max,
                            FigureOrder(args.sort))
        rows = FigureTable(args.kb, s).search(query)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(json.dumps(rows, ensure_ascii=False, indent=1) if args.json else format_rows(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
