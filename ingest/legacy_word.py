"""Legacy Word (.doc, Word 97-2003) and WPS (.wps, the same binary layout) -> text with antiword.

antiword (Debian package ``antiword``) is a small C program that reads the binary format directly;
LibreOffice would read more variants but costs ~300 MB and seconds per file. It writes tables as
'|'-separated rows, which are turned into labelled row lines like every other table.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ingest.load_error import LoadError
from ingest.tables import table_lines

# A hostile file must not hold an ingestion run for ever.
ANTIWORD_TIMEOUT_S = 60


def _rows(lines: list[str]) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]


def _with_tables(text: str) -> str:
    """antiword's table rows ('|a |b |') as labelled row lines; other lines as they are."""
    out: list[str] = []
    table: list[str] = []
    for line in text.split("\n") + [""]:
        if line.strip().startswith("|") and line.strip().endswith("|"):
            table.append(line)
            continue
        if table:
            out += table_lines(_rows(table))
            table = []
        out.append(line.strip())
    return "\n".join(line for line in out if line)


def read_legacy_word(path: Path) -> str:
    if shutil.which("antiword") is None:
        raise LoadError(f"{path.name}: 读取 {path.suffix} 文件需要安装 antiword（apt-get install antiword），已跳过")
    try:
        done = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)], capture_output=True,
                              timeout=ANTIWORD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"{path.name}: 解析超过 {ANTIWORD_TIMEOUT_S} 秒，已跳过") from exc
    text = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0 or not text.strip():
        raise LoadError(f"{path.name}: 不是有效的 Word 97-2003 / WPS 文档或文件已损坏，已跳过")
    return _with_tables(text)
