"""File -> text, with the encoding detected.

Chinese government documents arrive as UTF-8, UTF-8 with BOM, or GB18030/GBK.
A file that is empty, binary or undecodable raises :class:`LoadError` with a
message naming the file, so the caller can skip it and go on.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

SUPPORTED_SUFFIXES = frozenset({".txt", ".md"})


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file."""


@dataclass(frozen=True)
class LoadedText:
    path: Path
    text: str
    encoding: str


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return True
    sample = data[:65536]
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode document bytes; return (text, encoding) or raise ValueError."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if _looks_binary(data):
        raise ValueError("看起来是二进制文件，不是文本")
    # Strict tries in order of likelihood; GB18030 is a superset of GBK/GB2312.
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ValueError("无法识别文件编码")
    return str(best), best.encoding


def load_text(path: Path) -> LoadedText:
    """Read a .txt/.md file as text with normalised line endings."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path.name}: 无法读取（{exc.strerror or exc}）") from exc
    if not data.strip():
        raise LoadError(f"{path.name}: 文件为空，已跳过")
    try:
        text, encoding = decode_bytes(data)
    except ValueError as exc:
        raise LoadError(f"{path.name}: {exc}，已跳过") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError(f"{path.name}: 文件没有文字内容，已跳过")
    return LoadedText(path=path, text=text, encoding=encoding)
