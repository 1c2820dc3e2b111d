"""Years as the documents write them: reports are organised by year, questions name one."""

from __future__ import annotations

import re

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def context_years(title: str, section: str) -> list[str]:
    """Years a passage is about: its section path's, else its document title's."""
    return YEAR.findall(section) or YEAR.findall(title)
