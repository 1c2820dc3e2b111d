"""Managing a knowledge base by file: list what its manifest records, delete one file, drop it all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from errors import DocumentMissingError
from settings import Settings, get_settings, validate_kb_name
from store import Manifest, open_knowledge_base
from store import drop_knowledge_base as drop_collection
from store.manifest import manifest_path


def list_documents(kb: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The files of a knowledge base with their chunk counts, as its manifest records them."""
    s = settings or get_settings()
    files = Manifest(manifest_path(s.kb_dir(validate_kb_name(kb)))).files
    rows = []
    for source, entry in sorted(files.items()):
        path = Path(entry.get("path", ""))
        rows.append({
            "source": source, "chunks": entry.get("chunks", 0), "updated": entry.get("updated", ""),
            "bytes": path.stat().st_size if path.is_file() else None,
            "status": "已跳过：" + entry["skipped"] if entry.get("skipped") else ("未完成" if entry.get("pending") else "已索引"),
        })
    return rows


def delete_document(kb: str, source: str, settings: Settings | None = None) -> int:
    """Remove one file's chunks from a knowledge base; returns how many were removed."""
    s = settings or get_settings()
    store = open_knowledge_base(kb, s)
    found = store.ids_of_source(source)
    manifest = Manifest(manifest_path(s.kb_dir(kb)))
    if not found and source not in manifest.files:
        raise DocumentMissingError(f"知识库 {kb!r} 中没有文件 {source!r}")
    store.delete_sources([source])
    manifest.files.pop(source, None)
    manifest.save()
    store.mark_changed()
    return len(found)


def drop_knowledge_base(kb: str, settings: Settings | None = None) -> None:
    """Delete a knowledge base: its collection and its manifest."""
    s = settings or get_settings()
    drop_collection(kb, s)
    Manifest(manifest_path(s.kb_dir(kb))).remove_file()
