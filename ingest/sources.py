"""Which files a sync looks at: supported files under the given folders, named as citations show them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from errors import PathMissingError
from ingest.loaders import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # name shown in citations: path relative to the ingested folder


def discover(paths: Iterable[Path]) -> list[SourceFile]:
    """Supported files under ``paths`` (folders are walked), in a stable order."""
    found: list[SourceFile] = []
    for root in paths:
        root = Path(root)
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."):
                    found.append(SourceFile(p.resolve(), p.relative_to(root).as_posix()))
        elif root.is_file():
            found.append(SourceFile(root.resolve(), root.name))
        else:
            raise PathMissingError(f"找不到路径：{root}")
    return found


def is_under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)
