"""The manifest of one knowledge base: which file was indexed from which bytes, by which model and chunker.

It lives in the data dir (``kb/NAME/manifest.json``), belongs to the ingesting
process only, and is rewritten atomically, so a crash leaves the old or the new
one, never half. An entry marked ``pending`` is a file whose chunks were being
written when a run stopped: the next run deletes and rewrites them.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Manifest:
    """The file entries of one knowledge base, with atomic saves."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: dict[str, dict[str, Any]] = self._read().setdefault("files", {})

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"files": {}}
        except (OSError, ValueError):
            log.warning("清单文件 %s 已损坏，将重新核对全部文件", self.path)
            return {"files": {}}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"files": self.files}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new manifest, never half

    def remove_file(self) -> None:
        """Forget everything (the knowledge base was dropped or is rebuilt)."""
        self.path.unlink(missing_ok=True)
        self.files = {}

    def is_current(self, source: str, file_hash: str, model_id: str, chunker: str) -> bool:
        """True when ``source`` needs no work: same bytes, same model, same chunking, not left half-done."""
        entry = self.files.get(source)
        return bool(entry and entry.get("hash") == file_hash and entry.get("model") == model_id
                    and entry.get("chunker") == chunker and not entry.get("pending"))

    def mark_pending(self, source: str, path: Path) -> None:
        self.files[source] = {"path": str(path), "pending": True}

    def record(self, source: str, path: Path, file_hash: str, model_id: str, chunker: str, chunks: int) -> None:
        self.files[source] = {"path": str(path), "hash": file_hash, "model": model_id, "chunker": chunker,
                              "chunks": chunks, "updated": time.strftime("%Y-%m-%d %H:%M:%S")}

    def record_skipped(self, source: str, path: Path, file_hash: str, model_id: str, chunker: str,
                       reason: str) -> None:
        """Remembered as skipped, so an unchanged bad file is not re-read every run."""
        self.files[source] = {"path": str(path), "hash": file_hash, "model": model_id,
                              "chunker": chunker, "chunks": 0, "skipped": reason}


def manifest_path(kb_dir: Path) -> Path:
    return kb_dir / "manifest.json"
