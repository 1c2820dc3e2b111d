"""Knowledge bases in Chroma (embedded on disk, or a ``chroma run`` server): the store contract.

Chroma is the source of truth for chunks (text, vector, metadata, BM25 tokens);
everything else is derived from it. Each change writes a new ``zoneqa_version``
into the collection metadata, which readers in any process watch. Every call to
a server is bounded by ZONEQA_STORE_TIMEOUT: a server that is down or frozen
becomes a :class:`StoreUnavailableError` (HTTP 503) within seconds, and the
next call after it comes back simply works.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import chromadb
import httpx
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.errors import NotFoundError
from chromadb.utils.embedding_functions import register_embedding_function

from errors import KnowledgeBaseMissingError, ModelMismatchError, StoreUnavailableError
from settings import Settings, validate_kb_name
from store.contract import StoredChunk
from store.embeddings import get_embeddings, model_id_for
from text.normalize import tokenizer_id

COLLECTION_PREFIX = "zoneqa_"
_GET_PAGE = 5000
_UNREACHABLE = "知识库服务（Chroma）暂时无法访问，请稍后再试。"


@register_embedding_function
class _ChromaAdapter(EmbeddingFunction[Documents]):
    """Names our embedding model in the collection's configuration, so chromadb never loads its default.

    Vectors are always computed by us and handed over; the model is only loaded
    if chromadb itself ever asks for one.
    """

    def __init__(self, spec: str) -> None:
        self._spec = spec

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return get_embeddings(self._spec).embed_documents(list(input))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        embeddings = get_embeddings(self._spec)
        return [embeddings.embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "zoneqa"

    def get_config(self) -> dict[str, Any]:
        return {"model": model_id_for(self._spec), "spec": self._spec}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "_ChromaAdapter":
        return _ChromaAdapter(config.get("spec") or "e5-small")

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"


# --------------------------------------------------------------------------- client


@contextmanager
def _reachable() -> Iterator[None]:
    """Turn a server that is down or too slow into StoreUnavailableError."""
    try:
        yield
    except (httpx.TransportError, ConnectionError) as exc:
        raise StoreUnavailableError(_UNREACHABLE) from exc


_clients: dict[tuple, Any] = {}


def chroma_client(s: Settings) -> Any:
    """A Chroma client: a server when CHROMA_HOST is set, else on-disk under the data dir."""
    if s.chroma_host:
        key: tuple = ("http", s.chroma_host, s.chroma_port)
        if key not in _clients:
            _clients[key] = _http_client(s)
    else:
        path = s.data_dir / "chroma"
        key = ("disk", str(path))
        if key not in _clients:
            path.mkdir(parents=True, exist_ok=True)
            _clients[key] = chromadb.PersistentClient(path=str(path))
    return _clients[key]


def _http_client(s: Settings) -> Any:
    """A server client whose every request is bounded by ``store_timeout``.

    chromadb's HttpClient waits forever (httpx timeout=None) and talks to the
    server while it is built, so the server is probed first with the timeout.
    """
    timeout = httpx.Timeout(s.store_timeout)
    with _reachable():
        httpx.get(f"http://{s.chroma_host}:{s.chroma_port}/api/v2/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port)
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = timeout
    return client


def collection_name(kb: str) -> str:
    return COLLECTION_PREFIX + validate_kb_name(kb)


def list_knowledge_bases(s: Settings) -> list[str]:
    """Names of the knowledge bases that exist in the store."""
    with _reachable():
        names = [c if isinstance(c, str) else c.name for c in chroma_client(s).list_collections()]
    return sorted(n[len(COLLECTION_PREFIX):] for n in names if n.startswith(COLLECTION_PREFIX))


def _versioned(model_id: str) -> dict[str, str]:
    """Collection metadata after a change: a new version tells readers to reload."""
    return {"zoneqa_model": model_id, "zoneqa_tokenizer": tokenizer_id(), "zoneqa_version": uuid.uuid4().hex}


# --------------------------------------------------------------------------- opening


def open_knowledge_base(kb: str, s: Settings) -> "ChromaKnowledgeBase":
    """An existing knowledge base, for reading and writing; loads no model."""
    name = collection_name(kb)
    with _reachable():
        try:
            collection = chroma_client(s).get_collection(name, embedding_function=_ChromaAdapter(s.embedding))
        except (NotFoundError, ValueError) as exc:  # embedded chromadb raises ValueError by version
            raise KnowledgeBaseMissingError(f"知识库 {kb!r} 不存在。请先运行：python -m ingest --kb {kb}") from exc
    return ChromaKnowledgeBase(kb, s, collection)


def open_for_model(kb: str, s: Settings) -> "ChromaKnowledgeBase":
    """An existing knowledge base, checked to be built with the configured embedding model."""
    store = open_knowledge_base(kb, s)
    store.check_model(model_id_for(s.embedding))
    return store


def create_knowledge_base(kb: str, s: Settings) -> "ChromaKnowledgeBase":
    """Open a knowledge base for ingestion, creating it when missing; checks the embedding model."""
    model_id = model_id_for(s.embedding)
    with _reachable():
        collection = chroma_client(s).get_or_create_collection(
            collection_name(kb),
            embedding_function=_ChromaAdapter(s.embedding),
            configuration={"hnsw": {"space": "cosine"}},
            metadata=_versioned(model_id),
        )
    store = ChromaKnowledgeBase(kb, s, collection)
    store.check_model(model_id)
    return store


def drop_knowledge_base(kb: str, s: Settings) -> None:
    """Delete a knowledge base's collection."""
    with _reachable():
        try:
            chroma_client(s).delete_collection(collection_name(kb))
        except (NotFoundError, ValueError) as exc:
            raise KnowledgeBaseMissingError(f"知识库 {kb!r} 不存在") from exc


# --------------------------------------------------------------------------- the contract


class ChromaKnowledgeBase:
    """One knowledge base in Chroma (see store.contract.KnowledgeBase)."""

    def __init__(self, name: str, s: Settings, collection) -> None:
        self.name = name
        self._settings = s
        self._collection = collection

    def _metadata(self) -> dict[str, Any]:
        """The collection's metadata as the store has it now (another process may have changed it).

        Re-opened by name: a rebuild replaces the collection under the same name.
        """
        with _reachable():
            try:
                self._collection = chroma_client(self._settings).get_collection(
                    collection_name(self.name), embedding_function=_ChromaAdapter(self._settings.embedding))
            except (NotFoundError, ValueError) as exc:
                raise KnowledgeBaseMissingError(
                    f"知识库 {self.name!r} 不存在。请先运行：python -m ingest --kb {self.name}") from exc
        return self._collection.metadata or {}

    def version(self) -> str:
        return str(self._metadata().get("zoneqa_version", ""))

    def built_with(self) -> str:
        return str((self._collection.metadata or {}).get("zoneqa_model", ""))

    def check_model(self, model_id: str) -> None:
        built_with = self.built_with()
        if built_with and built_with != model_id:
            raise ModelMismatchError(
                f"知识库 {self.name!r} 由向量模型 {built_with} 构建，当前配置的是 {model_id}。"
                f"请运行 python -m ingest --kb {self.name} --rebuild 重建索引。"
            )

    def tokens_current(self) -> bool:
        return self._metadata().get("zoneqa_tokenizer") == tokenizer_id()

    def count(self) -> int:
        with _reachable():
            return self._collection.count()

    def chunks(self, with_text: bool = True) -> Iterator[StoredChunk]:
        include = ["documents", "metadatas"] if with_text else ["metadatas"]
        offset = 0
        while True:
            with _reachable():
                page = self._collection.get(include=include, limit=_GET_PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            texts = page["documents"] if with_text else [None] * len(ids)
            for cid, text, meta in zip(ids, texts, page["metadatas"]):
                yield StoredChunk(cid, text, meta or {})
            offset += len(ids)

    def export(self) -> Iterator[tuple[StoredChunk, list[float]]]:
        """Every chunk with its vector (copying a knowledge base, benchmarks); not part of the contract."""
        offset = 0
        while True:
            with _reachable():
                page = self._collection.get(include=["documents", "metadatas", "embeddings"], limit=_GET_PAGE,
                                            offset=offset)
            if not page["ids"]:
                return
            for cid, text, meta, vec in zip(page["ids"], page["documents"], page["metadatas"], page["embeddings"]):
                yield StoredChunk(cid, text, meta or {}), list(vec)
            offset += len(page["ids"])

    def fetch(self, ids: list[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        with _reachable():
            got = self._collection.get(ids=ids, include=["documents", "metadatas"])
        return {cid: StoredChunk(cid, text, meta or {})
                for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}

    def ids_of_source(self, source: str) -> list[str]:
        with _reachable():
            return self._collection.get(where={"source": source}, include=[])["ids"]

    def dense_query(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        with _reachable():
            res = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def write(self, chunks: list[StoredChunk], vectors: list[list[float]]) -> None:
        step = self._max_batch()
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            with _reachable():
                self._collection.upsert(ids=[c.id for c in part], embeddings=vectors[i : i + step],
                                        documents=[c.text for c in part], metadatas=[c.meta for c in part])

    def update_metadata(self, chunks: list[StoredChunk]) -> None:
        step = self._max_batch()
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            with _reachable():
                self._collection.update(ids=[c.id for c in part], metadatas=[c.meta for c in part])

    def delete_sources(self, sources: list[str]) -> None:
        for i in range(0, len(sources), 500):
            with _reachable():
                self._collection.delete(where={"source": {"$in": sources[i : i + 500]}})

    def mark_changed(self) -> None:
        with _reachable():
            self._collection.modify(metadata=_versioned(model_id_for(self._settings.embedding)))

    def _max_batch(self) -> int:
        """Largest write Chroma accepts in one call (it differs between embedded and server)."""
        try:
            return max(1, min(5000, int(self._collection._client.get_max_batch_size())))
        except Exception:  # older clients / unusual backends
            return 1000
