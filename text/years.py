"""Years and versions as the documents write them: reports are organised by year, questions name one,
and a new policy often restates the standard it replaces."""

from __future__ import annotations

import re

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def context_years(title: str, section: str) -> list[str]:
    """Years a passage is about: its section path's, else its document title's."""
    return YEAR.findall(section) or YEAR.findall(title)


# After a year opening a sentence: a period of it and a comma ("2024年上半年，"); not a date or a start
# ("2022年1月1日起，本办法施行", "2023年以来，…"), which say when, not what year the sentence is about.
_LEADING_YEAR = r"年(?![\d一二三四五六七八九十]+月)(?![^，。；：:\s]{0,6}?(?:以来|起|以后|之后|以前|之前))[^，。；：:\s]{0,6}[，,]"


def labels_year(text: str, years: list[str] | tuple[str, ...]) -> bool:
    """True when ``text`` holds a table cell labelled with one of ``years`` ("2023年上半年：451.9"), or a
    sentence led by one ("2024年上半年，全区实现地区生产总值383.2亿元"): a table with a column per period,
    and a report's sentence recalling last year's figures, are about that year whatever their section
    says. A year inside a sentence ("满足2022年入学需求") is a mere mention."""
    return any(re.search(re.escape(y) + r"年[^，。；：:\s]{0,8}[：:]", text)
               or re.search(r"(?:^|[。；;！!？?\n])\s*" + re.escape(y) + _LEADING_YEAR, text)
               for y in years)


# A report recalls the year before its own as 去年 / 上年同期 ("去年同期PM2.5平均浓度为32微克/立方米" in a 2025
# report). (Not 上年度: rules say it of the year before an application.)
_LAST_YEAR = re.compile(r"去年|上年同期|上年末|上年底")


def recalls_year(text: str, years_here: list[str], years: list[str] | tuple[str, ...]) -> bool:
    """True when ``text``, in a passage about ``years_here``, speaks of the year before one of them and
    that year is among the asked ``years``."""
    return bool(_LAST_YEAR.search(text)) and any(str(int(y) + 1) in years_here for y in years)


# A sentence giving the standard a document replaces: "原《…办法（2024年版）》规定的租房补贴标准为…",
# "原办法规定…", "调整前…". New policies restate the old figures for the transition; they are not the
# figures in force.
_SUPERSEDED = re.compile(r"^\W{0,3}原[《“\"]|^\W{0,3}原[^，。；]{0,12}?(?:办法|规定|细则|政策|标准)|调整前|旧标准|原标准")
# A question after an earlier version or a comparison of versions.
_ASKS_EARLIER = re.compile(r"[原旧新](?:办法|规定|标准|政策|细则|版|[《“\"])|新旧|调整前|以前的标准|之前的标准|[之以]前已"
                           r"|此前|相比|对比|有何不同|有什么不同|区别|变化|\d{4}\s*年?\s*版"
                           r"|\bold\b|\bprevious|\bformer|\bcompar|\bchang|\bdiffer")


def states_superseded(sentence: str) -> bool:
    """True when a (normalised) sentence gives the standard a document replaces."""
    return bool(_SUPERSEDED.search(sentence))


def asks_earlier_version(normalized_question: str) -> bool:
    """True when a question asks after an earlier standard, or how versions differ."""
    return bool(_ASKS_EARLIER.search(normalized_question))


# A part of a year a report is about: a quarter, the first three quarters, a half, the whole year. Written several ways
# (第三季度, 三季度, 3季度, 7—9月; 上半年, 1—6月, 截至6月底; 前三季度, 1—3季度), read as one canonical name.
_RANGE = r"\s*[-—–~至到]\s*"
_PERIOD = re.compile(rf"全年|前三季度|(?<![\d一二三四])[1一]{_RANGE}[3三]\s*季度|截至\s*([69])\s*月[底末]|上半年|下半年"
                     rf"|(?<!\d)(\d{{1,2}})\s*月?{_RANGE}(\d{{1,2}})\s*月"
                     rf"|第?((?:[一二三四1234][、,，和及与])*[一二三四1234])\s*季度")
_QUARTER_NAMES = {"1": "一", "2": "二", "3": "三", "4": "四"}
# Months from … to …: the part of the year they make up.
_MONTHS = {("1", "3"): "第一季度", ("4", "6"): "第二季度", ("7", "9"): "第三季度", ("10", "12"): "第四季度",
           ("1", "6"): "上半年", ("7", "12"): "下半年", ("1", "9"): "前三季度"}


def _period_names(match: re.Match[str]) -> list[str]:
    if match.group(4):  # 第三季度, 一、二季度
        return [f"第{_QUARTER_NAMES.get(q, q)}季度" for q in re.findall(r"[一二三四1234]", match.group(4))]
    if match.group(2):  # 7—9月, 1月至3月
        name = _MONTHS.get((match.group(2), match.group(3)))
        return [name] if name else []
    if match.group(1):  # 截至6月底
        return ["上半年" if match.group(1) == "6" else "前三季度"]
    text = match.group()
    return ["前三季度"] if "季度" in text else [text]  # 1—3季度; 全年, 上半年, 下半年


def periods(text: str) -> set[str]:
    """The parts of a year ``text`` names, by canonical name (第二季度 of 4—6月, 上半年 of 截至6月底)."""
    return {name for m in _PERIOD.finditer(text) for name in _period_names(m)}


# A part of a year that says when something is done ("上半年申报的项目"), not what period a figure is of.
_PERIOD_OF_ACT = re.compile(r"^\s*(?:的)?\s*(?:申报|受理|申请|认定|入驻|注册|签约|提交|开工|竣工|投产|办理|发放|拨付)")


def asked_periods(normalized_question: str) -> set[str]:
    """The parts of a year whose figure a question asks (第三季度 of "2025年第三季度地区生产总值是多少"),
    leaving out a period that dates an act ("上半年申报的项目补贴多少")."""
    return {name for m in _PERIOD.finditer(normalized_question)
            if not _PERIOD_OF_ACT.match(normalized_question[m.end():]) for name in _period_names(m)}
