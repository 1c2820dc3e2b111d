"""Years as the documents write them: reports are organised by year, questions name one."""

from __future__ import annotations

import re

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def context_years(title: str, section: str) -> list[str]:
    """Years a passage is about: its section path's, else its document title's."""
    return YEAR.findall(section) or YEAR.findall(title)


def labels_year(text: str, years: list[str] | tuple[str, ...]) -> bool:
    """True when ``text`` holds a table cell labelled with one of ``years`` ("2023年上半年：451.9"):
    a table with a column per period is about each of them, whatever its section says."""
    return any(re.search(re.escape(y) + r"年[^，。；：:\s]{0,6}[：:]", text) for y in years)
