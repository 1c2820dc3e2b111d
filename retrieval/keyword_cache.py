"""The keyword side of one knowledge-base version: chunk ids in BM25 row order and the BM25 index.

Built from the BM25 tokens stored with each chunk (no tokenising), saved per
version under ``kb/NAME/keyword/`` and memory-mapped on the next start. The
cache is only an accelerator: any replica can rebuild it from the store.
Texts and metadata stay in the store and are fetched for a question's few
candidates, so memory and start-up time do not grow with the stored text.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from retrieval.keyword import KeywordIndex
from retrieval.meaning import VocabularyMap
from store import TOKENS_KEY, KnowledgeBase
from text.normalize import passage_tokens

log = logging.getLogger(__name__)
_IDS_FILE = "ids.json"


class KeywordSnapshot:
    """One store version's BM25 index with the chunk id of each row."""

    def __init__(self, version: str, ids: list[str], keyword: KeywordIndex) -> None:
        self.version = version
        self.ids = ids
        self.keyword = keyword
        self._vocabulary: VocabularyMap | None = None

    @property
    def vocabulary(self) -> VocabularyMap:
        """The meaning map onto this version's words, built on first use."""
        if self._vocabulary is None:
            self._vocabulary = VocabularyMap(self.keyword.vocabulary(), self.keyword.df)
        return self._vocabulary

    @property
    def size(self) -> int:
        return len(self.ids)


def load_snapshot(store: KnowledgeBase, cache_dir: Path | None, version: str | None = None) -> KeywordSnapshot:
    """The keyword index of the store's current version: from the local cache, else built from the store."""
    version = store.version() if version is None else version
    folder = cache_dir / version if cache_dir and version else None
    if folder and (folder / _IDS_FILE).exists():
        try:
            ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
            return KeywordSnapshot(version, ids, KeywordIndex.load(folder))
        except (OSError, ValueError) as exc:
            log.warning("关键词索引缓存 %s 无法读取（%s），将从 Chroma 重建", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    ids, corpus_tokens = _stored_tokens(store)
    snapshot = KeywordSnapshot(version, ids, KeywordIndex.build(corpus_tokens))
    if folder:
        _save(snapshot, folder)
    return snapshot


def _stored_tokens(store: KnowledgeBase) -> tuple[list[str], list[list[str]]]:
    """Chunk ids and their BM25 tokens, as stored at ingestion (re-tokenised if made by another tokenizer)."""
    current = store.tokens_current()
    if not current:
        log.warning("知识库的分词结果由旧版词典生成，本次在内存中重新分词；"
                    "运行 python -m ingest 可将新分词写回 Chroma，加快启动。")
    ids: list[str] = []
    corpus_tokens: list[list[str]] = []
    for chunk in store.chunks(with_text=not current):
        meta = chunk.meta
        stored = meta.get(TOKENS_KEY) if current else None
        ids.append(chunk.id)
        corpus_tokens.append(stored.split(" ") if stored else
                             passage_tokens(meta.get("title", ""), meta.get("section", ""), chunk.text or ""))
    return ids, corpus_tokens


def _save(snapshot: KeywordSnapshot, folder: Path) -> None:
    """Write the cache atomically (a folder renamed into place) and drop older versions."""
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        snapshot.keyword.save(tmp)
        (tmp / _IDS_FILE).write_text(json.dumps(snapshot.ids), encoding="utf-8")
        try:
            tmp.rename(folder)
        except OSError:  # another process of this data dir saved the same version first
            shutil.rmtree(tmp, ignore_errors=True)
        for other in folder.parent.iterdir():
            if other.name != folder.name and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)
    except OSError as exc:  # a read-only or full disk costs start-up time, not answers
        log.warning("关键词索引缓存无法写入 %s：%s", folder, exc)
        shutil.rmtree(tmp, ignore_errors=True)
