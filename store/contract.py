"""The knowledge base as one small contract: what ingestion writes and retrieval reads.

Chroma (embedded or a server) is today's only implementation (store/chroma.py);
the rest of the code sees only this protocol, so another vector store needs
one new module, not changes across ingest/ and retrieval/.
"""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple, Protocol

TOKENS_KEY = "tokens"  # chunk metadata: space-separated BM25 tokens


class StoredChunk(NamedTuple):
    """One stored chunk: id, text (None when read without texts) and metadata
    (source, title, section, start, end, index, file_hash, page, tokens)."""

    id: str
    text: str | None
    meta: dict[str, Any]


class KnowledgeBase(Protocol):
    """One named knowledge base. Opening one for reading loads no embedding model."""

    name: str

    def version(self) -> str:
        """Changes whenever a write changes the knowledge base (read fresh from the store)."""

    def built_with(self) -> str:
        """The embedding model id the vectors were made with ("" when unknown)."""

    def check_model(self, model_id: str) -> None:
        """Raise ModelMismatchError when the vectors were made by another model."""

    def tokens_current(self) -> bool:
        """True when the stored BM25 tokens were made by today's tokenizer."""

    def count(self) -> int:
        """How many chunks are stored."""

    def chunks(self, with_text: bool = True) -> Iterator[StoredChunk]:
        """Every chunk, paged; without texts is much cheaper at scale."""

    def fetch(self, ids: list[str]) -> dict[str, StoredChunk]:
        """The chunks of ``ids`` that still exist, by id."""

    def ids_of_source(self, source: str) -> list[str]:
        """Ids of one file's chunks."""

    def dense_query(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """The ``n`` nearest chunks to ``vector``: (id, cosine similarity), best first."""

    def write(self, chunks: list[StoredChunk], vectors: list[list[float]]) -> None:
        """Insert or replace chunks with their vectors."""

    def update_metadata(self, chunks: list[StoredChunk]) -> None:
        """Replace the metadata of stored chunks (texts and vectors stay)."""

    def delete_sources(self, sources: list[str]) -> None:
        """Remove every chunk of these files."""

    def mark_changed(self) -> None:
        """Give the knowledge base a new version, so every reader (any process) reloads."""
