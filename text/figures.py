"""Figure statements: every number-with-unit in a sentence, as rows staff can look up.

"建成道路*条、通车*km" yields two rows (建成道路 · * · 条; 通车 · * · km). Each row
keeps the metric phrase, the value (a number, a Chinese numeral, or the mask
``*``), the unit, a qualifier (近, 约, 比增, 提升至, 以上 …), and the period:
the year from the section heading (or the sentence) and whether it is a
result (完成) or a plan (计划).

A table row, as the loaders write it ("人才类别：C类人才，购房补贴：60万元，…"), is read by its cells:
each figure's metric is the row label plus the column header ("C类人才 · 购房补贴"), its period
comes from a header that names one ("2023年上半年"), and its unit from the header ("金额（万元）")
when the cell gives a bare number. Each figure also keeps its context, the words a look-up matches:
the clause it stands in (and the clause before, for a one-word metric like 总长), or for a table
figure its row label and column, never the whole sentence, so a search for 道路 does not return
the 污水管网 figure written after the next comma. Values stay as
written; :attr:`Figure.number` is the value as a number in the unit's base (60万元 -> 600000.0,
五十亩 -> 50.0), for sorting and filtering.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from text.sentences import sentence_spans
from text.years import YEAR

_UNIT_ALIASES = {"万m²": "万㎡", "万m2": "万㎡", "万m*": "万㎡", "万平方米": "万㎡", "m²": "㎡", "平方米": "㎡",
                 "％": "%", "公里": "公里", "千米": "km"}
_UNITS = sorted(
    ["亿元", "万元", "元", "亿", "万㎡", "万m²", "万m2", "万m*", "万平方米", "㎡", "m²", "平方米", "公里", "千米", "km",
     "米", "万亩", "亩", "%", "％", "万人", "万个", "家", "个", "所", "条", "人", "项", "名", "处", "栋", "座",
     "批", "套", "台", "户", "间", "场", "次", "倍", "天"],
    key=len, reverse=True,
)
_NUMBER = r"(?:\*|\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+(?:点[零一二三四五六七八九]+)?)"
FIGURE = re.compile(
    rf"(?P<value>{_NUMBER}(?:[-~至到]{_NUMBER})?)(?P<more>多|余)?(?P<unit>{'|'.join(re.escape(u) for u in _UNITS)})"
    r"(?P<after>以上|左右|以下|以内)?"
)
# Words in front of a number that qualify it rather than name the metric.
_QUALIFIERS = sorted(
    ["比增达", "比增", "同比增长", "增长", "提升至", "提高至", "降至", "下降至", "增至", "达到", "达", "突破",
     "超过", "超", "近", "约", "从", "由", "不超过", "最高", "最多", "至少", "共", "总计", "合计", "按"],
    key=len, reverse=True,
)
_LEADING_QUALIFIERS = ("最高", "最多", "不超过", "至少", "按")
_LEADING_NOISE = re.compile(r"^(?:全年|年内|今年|当年|力争|计划|预计|争取|累计|其中|同时|并且|并|已经|已|将|共|全区|等)+")
_PLAN = re.compile(r"计划|力争|预计|争取|目标|拟|将")
_RESULT = re.compile(r"全年完成|已完成|累计完成|已建成|共完成")
_QUOTED = re.compile(r"“[^”]{0,20}”")
_CLAUSE = re.compile(r"[，,；;：:。！？!?（）()]")
MAX_METRIC_CHARS = 24
# A period a column header names: 2023年, 2023年上半年, 2024年一季度, 2024年1-6月.
_HEADER_PERIOD = re.compile(
    r"(?<!\d)((?:19|20)\d\d)年(?:上半年|下半年|全年|第?[一二三四1-4]季度|\d{1,2}[-~至]\d{1,2}月|\d{1,2}月)?")
_HEADER_UNIT = re.compile(rf"[（(](?:单位[：:])?\s*({'|'.join(re.escape(u) for u in _UNITS)})\s*[）)]")
_BARE_NUMBER = re.compile(rf"^\s*({_NUMBER})\s*$")
# Magnitude words of a unit: 60万元 and 0.6亿元 sort as the same amount.
_MAGNITUDE = {"万": 1e4, "亿": 1e8}


@dataclass(frozen=True)
class Figure:
    metric: str
    value: str
    unit: str
    qualifier: str
    year: str
    kind: str  # 完成 (a result) | 计划 (a plan) | "" (cannot tell)
    sentence: str
    start: int  # offsets of the figure inside ``sentence``
    end: int
    context: str = ""  # what a look-up matches: the figure's clause, or its table row label and column
    period_text: str = ""  # a period a table header names (2023年上半年), said as written

    @property
    def masked(self) -> bool:
        return "*" in self.value

    @property
    def period(self) -> str:
        if self.period_text:
            return self.period_text
        return f"{self.year}年{self.kind}" if self.year else self.kind

    @property
    def number(self) -> float | None:
        """The value as a number in the unit's base (万元 x 10^4), for sorting; None when masked."""
        return figure_number(self.value, self.unit)

    def as_dict(self) -> dict:
        return {**asdict(self), "masked": self.masked, "period": self.period, "number": self.number}


def figure_number(value: str, unit: str) -> float | None:
    """"60", "万元" -> 600000.0; "五十" -> 50.0; a range counts by its lower end; masked -> None."""
    import cn2an

    first = re.split(r"[-~至到]", value)[0]
    if not first or "*" in first:
        return None
    try:
        number = float(first) if re.fullmatch(r"\d+(?:\.\d+)?", first) else float(cn2an.cn2an(first, "smart"))
    except (ValueError, KeyError):
        return None
    return number * _MAGNITUDE.get(unit[:1], 1.0)


def _split_qualifier(text: str) -> tuple[str, str]:
    """(metric text, qualifier) from the words in front of a number: 近*人, 最高补助50万元, 按…的30%."""
    for q in _QUALIFIERS:
        if text.endswith(q):
            return text[: -len(q)], q
    for q in _LEADING_QUALIFIERS:
        if text.startswith(q):
            return text[len(q):], q
    return text, ""


def _clean_metric(text: str) -> str:
    text = re.sub(r"(以及|及|和|与)$", "", text.replace("“", "").replace("”", "").replace('"', "")).strip(" 、，,")
    text = _LEADING_NOISE.sub("", text)
    return text[-MAX_METRIC_CHARS:]


def _period(sentence: str, section: str, title: str) -> tuple[str, str]:
    """Year and kind: the section heading decides first, then the sentence, then the document title."""
    years = YEAR.findall(section) or YEAR.findall(sentence) or YEAR.findall(title)
    year = years[0] if len(set(years)) == 1 else ""
    if re.search(r"思路|计划|安排|打算|要点", section):
        kind = "计划"
    elif re.search(r"情况|总结|回顾|成效|完成", section):
        kind = "完成"
    elif _PLAN.search(sentence):
        kind = "计划"
    elif _RESULT.search(sentence):
        kind = "完成"
    else:
        kind = ""
    return year, kind


def _masked_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans that are names, not figures: quoted campaign names (“攻坚*天”)."""
    return [m.span() for m in _QUOTED.finditer(sentence)]


def _clause_around(sentence: str, start: int, end: int, metric: str) -> str:
    """The clause holding ``sentence[start:end]``: from the clause mark before it to the one after.

    A metric of one short word (建成, 总长) continues the clause before it ("新启动道路*条，总长*公里"),
    so that clause is part of its context too; a named metric (污水管网) stands on its own.
    """
    marks = [m.end() for m in _CLAUSE.finditer(sentence, 0, start)]
    before = marks[-1] if marks else 0
    if len(metric) <= 2 and len(marks) >= 2:
        before = marks[-2]
    elif len(metric) <= 2 and marks:
        before = 0
    after = _CLAUSE.search(sentence, end)
    return sentence[before : after.start() if after else len(sentence)]


def table_row_cells(sentence: str) -> list[tuple[str, str, int]] | None:
    """(column header, cell value, value offset) of a table row line ("列名：值，列名：值。"), else None.

    A part without "：" belongs to the value before it (a cell whose text holds a comma); a line
    needs two labelled cells to count as a row.
    """
    body = sentence.rstrip().rstrip("。")
    cells: list[tuple[str, str, int]] = []
    offset = 0
    for part in body.split("，"):
        name, colon, value = part.partition("：")
        if colon and name.strip() and len(name) <= MAX_METRIC_CHARS:
            cells.append((name.strip(), value, offset + len(name) + 1))
        elif cells:
            header, text, at = cells[-1]
            cells[-1] = (header, f"{text}，{part}", at)
        else:
            return None
        offset += len(part) + 1
    return cells if len(cells) >= 2 else None


def _cell_figures(value: str) -> list[re.Match]:
    """Figures of one cell, by the prose rules: an ordinal (第1项, 唯一) is a name and 一次 no figure."""
    return [m for m in FIGURE.finditer(value)
            if not value[: m.start()].endswith(("第", "唯")) and m.group("value") not in ("一", "一一")]


def _row_label(cells: list[tuple[str, str, int]]) -> str:
    """The cell that names the row: the first one that is neither a figure nor a bare number (序号)."""
    for _, value, _ in cells:
        value = value.strip()
        if value and not _cell_figures(value) and not _BARE_NUMBER.match(value):
            return value
    return ""


def _header_parts(header: str) -> tuple[str, str, str, str]:
    """(metric words, period as written, its year, unit) of a column header."""
    unit_match = _HEADER_UNIT.search(header)
    unit = _UNIT_ALIASES.get(unit_match.group(1), unit_match.group(1)) if unit_match else ""
    name = _HEADER_UNIT.sub("", header)
    period = _HEADER_PERIOD.search(name)
    if period:
        name = name.replace(period.group(0), "")
    name = name.strip(" ·、")
    return name, (period.group(0) if period else ""), (period.group(1) if period else ""), unit


def _table_row_figures(sentence: str, cells: list[tuple[str, str, int]], section: str, title: str) -> list[Figure]:
    label = _row_label(cells)
    year, kind = _period(label, section, title)  # not the cells: 每月2000元 names no year
    figures: list[Figure] = []
    for header, value, at in cells:
        name, period_text, header_year, header_unit = _header_parts(header)
        if value.strip() == label:
            continue
        matches = [(m.start("value"), m.end(), m.group("value"), _UNIT_ALIASES.get(m.group("unit"), m.group("unit")),
                    m.group("more") or m.group("after") or "") for m in _cell_figures(value)]
        bare = _BARE_NUMBER.match(value)
        if not matches and bare and header_unit:
            matches = [(bare.start(1), bare.end(1), bare.group(1), header_unit, "")]
        metric = " · ".join(p for p in (label, name) if p)
        for s, e, number, unit, more in matches:
            lead, qualifier = _split_qualifier(value[:s].strip())
            qualifier = "、".join(q for q in (qualifier or lead, more) if q)
            figures.append(Figure(metric, number, unit, qualifier, header_year or year, "" if period_text else kind,
                                  sentence, at + s, at + e, context=f"{label} {header}",
                                  period_text=period_text))
    return figures


def extract_sentence(sentence: str, section: str = "", title: str = "") -> list[Figure]:
    """All figure statements in one sentence, in order."""
    cells = table_row_cells(sentence)
    if cells:
        return _table_row_figures(sentence, cells, section, title)
    year, kind = _period(sentence, section, title)
    skip = _masked_spans(sentence)
    figures: list[Figure] = []
    last_metric = ""
    clause_starts = [0] + [m.end() for m in _CLAUSE.finditer(sentence)]
    for m in FIGURE.finditer(sentence):
        s, e = m.span()
        if any(a <= s < b for a, b in skip):
            continue
        value, unit = m.group("value"), _UNIT_ALIASES.get(m.group("unit"), m.group("unit"))
        before = sentence[:s]
        if before.endswith(("第", "唯")) or value in ("一", "一一"):
            continue  # ordinals (第四届) and 唯一 are not figures
        if unit == "个" and sentence[e:e + 1] in ("月", "年", "季", "小"):
            continue  # 一个月: a duration, not a count
        if re.fullmatch(r"(?:19|20)\d\d", value) and sentence[e - len(m.group("unit")) :].startswith("年"):
            continue
        clause_start = max(c for c in clause_starts if c <= s)
        prev_end = figures[-1].end if figures and figures[-1].end > clause_start else clause_start
        metric_text, qualifier = _split_qualifier(sentence[prev_end:s])
        # The noun may follow the count: 聚焦*条重点产业链, *个项目竣工.
        after_unit = re.match(r"[^，,；;。：:！？!?（）()\d*]*", sentence[e:]).group(0)
        metric = _clean_metric(metric_text)
        same_clause = bool(figures) and figures[-1].end > clause_start
        if not metric and last_metric and (same_clause or not after_unit):
            metric = last_metric  # "比增*%", "*亿、*亿大关": the same metric as the figure before
        elif after_unit and not after_unit.startswith(("、", "以上", "左右", "的")) and not _split_qualifier(after_unit)[1]:
            metric = _clean_metric(metric + after_unit)
        more = m.group("more") or m.group("after") or ""
        qualifier = "、".join(q for q in (qualifier, more) if q)
        figures.append(Figure(metric, value, unit, qualifier, year, kind, sentence, s, e,
                              context=_clause_around(sentence, s, e, metric)))
        last_metric = metric
    return figures


def extract_figures(text: str, section: str = "", title: str = "") -> list[tuple[int, Figure]]:
    """(sentence offset in ``text``, figure) for every figure statement in ``text``."""
    found: list[tuple[int, Figure]] = []
    for s, e in sentence_spans(text):
        found.extend((s, f) for f in extract_sentence(text[s:e], section, title))
    return found
