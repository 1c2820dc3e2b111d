"""The storage layer: knowledge bases (the contract of store.contract, kept in Chroma by
store.chroma), the manifest of indexed files, and the embedding models vectors are made with.

Imports only ``text``, ``settings`` and ``errors``; ingest/ writes through it, retrieval/ reads through it.
"""

from store.chroma import (
    create_knowledge_base,
    drop_knowledge_base,
    list_knowledge_bases,
    open_for_model,
    open_knowledge_base,
)
from store.contract import TOKENS_KEY, KnowledgeBase, StoredChunk
from store.manifest import Manifest

__all__ = [
    "TOKENS_KEY", "KnowledgeBase", "Manifest", "StoredChunk", "create_knowledge_base", "drop_knowledge_base",
    "list_knowledge_bases", "open_for_model", "open_knowledge_base",
]
