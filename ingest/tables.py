"""Tables as text: one line per row, every cell labelled by its column header.

The one rule every loader uses for tables (Word, HTML, PDF, spreadsheets, CSV, Markdown pipe
tables, slides): "年份：2023，金额：50万元。", so a row read alone, or a table split across
chunks, still says what each figure is.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator


def table_row_line(header: list[str], row: list[str]) -> str:
    """One table row as a sentence whose cells carry their column names."""
    cells = []
    for i, value in enumerate(row):
        value = " ".join(str(value).split())
        if not value:
            continue
        name = header[i].strip() if i < len(header) and header[i] and header[i].strip() else f"第{i + 1}列"
        cells.append(f"{name}：{value}")
    return "，".join(cells) + "。" if cells else ""


def iter_table_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Row lines of a table whose first non-empty row is the header; streamed, so a large sheet
    is never held as a whole."""
    header: list[str] | None = None
    has_body = False
    for raw in rows:
        row = [("" if c is None else str(c)).strip() for c in raw]
        if not any(row):
            continue
        if header is None:
            header = row
            continue
        has_body = True
        line = table_row_line(header, row)
        if line:
            yield line
    if header is not None and not has_body:
        yield "，".join(c for c in header if c) + "。"


def table_lines(rows: Iterable[Iterable]) -> list[str]:
    return list(iter_table_lines(rows))



# GitHub-flavoured Markdown pipe tables: a header row, a delimiter row (|---|:--:|), body rows.
_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*$")
_PIPE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
# Plain-text reports draw tables with pipes but no delimiter row: rows fenced by pipes at both ends.
_FENCED_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _pipe_cells(line: str) -> list[str]:
    """The cells of one pipe-table row (outer pipes optional, ``\\|`` is a literal pipe)."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(inner)]


def markdown_tables(text: str) -> str:
    """Rewrite Markdown pipe tables as one line per data row, every cell labelled by its column.

    The same treatment as Word, HTML and spreadsheet tables (:func:`_table_lines`): the delimiter
    row is dropped, and "| 1 | 国内发明专利授权 | 每件8000元 |" under "| 序号 | 资助事项 | 标准 |"
    becomes "序号：1，资助事项：国内发明专利授权，标准：每件8000元。". Lines that are not part of a
    table (a header row followed by a delimiter row with as many cells) are left as they are. Plain
    text often leaves the delimiter row out: two or more rows fenced by pipes at both ends, with as
    many cells, are a table whose first row is the header.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if (i + 1 < len(lines) and "|" in line and _PIPE_ROW.match(line) and _PIPE_DELIMITER.match(lines[i + 1])
                and "|" in lines[i + 1] and len(_pipe_cells(lines[i + 1])) == len(_pipe_cells(line))):
            rows = [_pipe_cells(line)]
            i += 2
            while i < len(lines) and lines[i].strip() and "|" in lines[i]:
                rows.append(_pipe_cells(lines[i]))
                i += 1
            out += table_lines(rows)
            continue
        fenced = _fenced_rows(lines, i)
        if fenced:
            out += table_lines(fenced)
            i += len(fenced)
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _fenced_rows(lines: list[str], start: int) -> list[list[str]]:
    """The rows of a table without a delimiter row starting at ``start`` (a header and at least one
    body row, fenced by pipes, with as many cells), or [] when none starts there."""
    rows: list[list[str]] = []
    for at, line in enumerate(lines[start:], start):
        if not _FENCED_ROW.match(line) or _PIPE_DELIMITER.match(line):
            break
        if at + 1 < len(lines) and _PIPE_DELIMITER.match(lines[at + 1]):
            break  # the header of a Markdown table; a fenced title row above it is left as it is
        cells = _pipe_cells(line)
        if len(cells) < 2 or (rows and len(cells) != len(rows[0])):
            break
        rows.append(cells)
    return rows if len(rows) >= 2 else []
