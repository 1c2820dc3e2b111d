"""The 数据速查 tab: figure look-up with filters, a table, context with the figure highlighted, CSV/XLSX export."""

from __future__ import annotations

import atexit
import csv
import html
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import Any

import gradio as gr

from errors import ZoneQAError
from retrieval.figures import FigureOrder, FigureQuery
from text.escaping import inert_cell
from web.api import FigureTables
from web.chat import knowledge_base_choices
from web.limits import MAX_KEYWORD_CHARS

# 指标, 数值 and 期间 first: on a phone they are what shows before the table scrolls sideways.
HEADERS = ["指标", "数值", "期间", "单位", "限定", "章节", "来源"]
ALL = "全部"
ORDERS = {"原文顺序": FigureOrder.DOCUMENT, "数值从大到小": FigureOrder.VALUE}
EXPORTS_KEPT = 16  # export folders kept on disk; older ones are deleted as new look-ups come in


def _table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[r["metric"], r["value"] + ("（原文隐去）" if r["masked"] else ""), r["period"] or "—", r["unit"],
             r["qualifier"], r["section"], r["source"]] for r in rows]


def context_html(rows: list[dict[str, Any]]) -> str:
    """Each row's sentence, escaped, with its figure in <mark>; masked values said to be masked."""
    if not rows:
        return '<div class="zq-notice">没有找到匹配的数据，换个关键词或放宽筛选条件试试。</div>'
    items = []
    for i, r in enumerate(rows, 1):
        s, e, sentence = r["fig_start"], r["fig_end"], r["sentence"]
        marked = (html.escape(sentence[:s]) + f"<mark>{html.escape(sentence[s:e])}</mark>"
                  + html.escape(sentence[e:]))
        note = ' <span class="zq-low">原文中该数字以“*”隐去</span>' if r["masked"] else ""
        items.append(f'<div class="zq-figure"><b>{i}.</b> {marked}{note}'
                     f'<div class="zq-score">{html.escape(r["source"])} · {html.escape(r["section"])}</div></div>')
    return "".join(items)


class ExportFolder:
    """Where this app writes 数据速查 exports: one temp folder, removed at exit, holding the newest
    ``keep`` exports only (Gradio copies each into its own cache as soon as the look-up returns)."""

    def __init__(self, keep: int = EXPORTS_KEPT, prefix: str = "zoneqa-exports-") -> None:
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self._lock = threading.Lock()
        self._made: deque[Path] = deque()
        atexit.register(shutil.rmtree, self.root, True)

    def new(self) -> Path:
        """A fresh folder for one export (two look-ups never share a file); the oldest beyond ``keep`` go."""
        with self._lock:
            folder = Path(tempfile.mkdtemp(dir=self.root))
            self._made.append(folder)
            while len(self._made) > self.keep:
                shutil.rmtree(self._made.popleft(), ignore_errors=True)
            return folder


def export_files(rows: list[dict[str, Any]], folder: Path) -> tuple[str, str]:
    """Write the result table as CSV (UTF-8 with BOM, opens in Excel) and XLSX into ``folder``; return both
    paths. Every cell is inert text (see inert_cell; XLSX cells are typed as strings, never formulas)."""
    from openpyxl import Workbook

    table = [HEADERS + ["原文句子"]] + [row + [r["sentence"]] for row, r in zip(_table_rows(rows), rows, strict=True)]
    csv_path = folder / "数据速查.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([[inert_cell(v) for v in line] for line in table])
    book = Workbook()
    sheet = book.active
    sheet.title = "数据速查"
    for line in table:
        sheet.append(["" if v is None else str(v) for v in line])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula; store it as text
    xlsx_path = folder / "数据速查.xlsx"
    book.save(xlsx_path)
    return str(csv_path), str(xlsx_path)


def build_figures_tab(figures: FigureTables, kbs: list[str], default_kb: str) -> None:
    """The tab's components and events, built inside the caller's Blocks."""
    exports = ExportFolder()

    def lookup(keyword: str, year: str, kind: str, unit: str, section: str, kb: str, order: str = "原文顺序"):
        query = FigureQuery((keyword or "").strip()[:MAX_KEYWORD_CHARS], "" if year == ALL else year,
                            "" if kind == ALL else kind, "" if unit == ALL else unit, (section or "").strip(),
                            order=ORDERS.get(order, FigureOrder.DOCUMENT))
        try:
            rows = figures.search(kb or default_kb, query)
        except ZoneQAError as exc:
            return gr.update(value=[]), f'<div class="zq-notice">{html.escape(exc.message)}</div>', None, None
        csv_path, xlsx_path = export_files(rows, exports.new())
        summary = f'<div class="zq-score">共 {len(rows)} 条</div>' if rows else ""
        return _table_rows(rows), summary + context_html(rows), csv_path, xlsx_path

    with gr.Row():
        keyword = gr.Textbox(label="关键词", placeholder="如：道路、高新贷、高新技术企业", scale=3, elem_id="zq-fig-q")
        year = gr.Dropdown([ALL, "2022", "2023"], value=ALL, label="年份", allow_custom_value=True, scale=1)
        kind = gr.Dropdown([ALL, "完成", "计划"], value=ALL, label="完成/计划", scale=1)
        unit = gr.Dropdown([ALL, "亿元", "万元", "%", "家", "个", "所", "条", "人", "亩", "万㎡", "km", "公里"],
                           value=ALL, label="单位", allow_custom_value=True, scale=1)
        section = gr.Textbox(label="章节包含", placeholder="可选", scale=2)
        # Sorted by value as a number (60万元 above 5000元, 五十 as 50); the value shown stays as written.
        order = gr.Dropdown(list(ORDERS), value="原文顺序", label="排序", scale=1)
        kb = gr.Dropdown(choices=kbs, value=default_kb, label="知识库", visible=len(kbs) > 1, scale=1)
    search = gr.Button("查询", variant="primary", elem_id="zq-fig-search")
    # Narrow first columns: on a phone 指标, 数值 and 期间 fit the screen, the rest scrolls sideways.
    table = gr.Dataframe(headers=HEADERS, value=[], interactive=False, wrap=True, elem_id="zq-fig-table",
                         column_widths=["120px", "80px", "110px", "60px", "90px", "240px", "200px"])
    with gr.Row():
        csv_file = gr.DownloadButton("导出 CSV", value=None, elem_id="zq-fig-csv")
        xlsx_file = gr.DownloadButton("导出 XLSX", value=None, elem_id="zq-fig-xlsx")
    context = gr.HTML('<div class="zq-empty">输入关键词后点击“查询”，这里显示每条数据所在的原文句子。</div>',
                      elem_id="zq-fig-context")
    inputs = [keyword, year, kind, unit, section, kb, order]
    outputs = [table, context, csv_file, xlsx_file]
    search.click(lookup, inputs, outputs, api_name="figures")
    gr.on(None, lambda: knowledge_base_choices(figures.settings, default_kb), None, kb, api_visibility="private")
    keyword.submit(lookup, inputs, outputs, api_visibility="private")
