"""Untrusted text (documents, question sets, user input) written out so that it stays literal text:
escaped for Markdown, made inert for spreadsheets. One rule each, shared by web/ and evaluation/."""

from __future__ import annotations

import html
import re
from typing import Any

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_markdown(text: str) -> str:
    """Text shown literally in a Markdown message: HTML escaped, Markdown punctuation backslashed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def inert_cell(value: Any) -> str:
    """A cell as text a spreadsheet will not run: documents are untrusted, and Excel or LibreOffice treat a
    cell starting with = + - @ (or tab/CR) as a formula (=HYPERLINK(…) phishing, DDE), so such a cell
    gets a leading apostrophe, the spreadsheet convention for literal text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
