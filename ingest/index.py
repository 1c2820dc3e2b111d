"""Knowledge bases in Chroma: incremental, crash-safe writes and reads.

Chroma is the source of truth for chunks (text, vector, metadata); the BM25
index is derived from it at query time. A per-knowledge-base manifest of file
hashes, kept in the data dir and rewritten atomically after each file, makes
re-runs incremental. A file is marked pending before its chunks are written,
so a run killed part-way is repaired by the next one: the file's chunks are
deleted and rewritten under the same deterministic ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import chromadb
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest.chunking import CHUNKER_VERSION, Chunk, chunk_document
from ingest.embeddings import get_embeddings, model_id_of
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_text
from retrieval.normalize import passage_tokens, tokenizer_id
from settings import Settings, get_settings, validate_kb_name

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "zoneqa_"
TOKENS_KEY = "tokens"  # chunk metadata: space-separated BM25 tokens
_GET_PAGE = 5000
# Files are committed in groups of this many embedding batches: one manifest write,
# one delete and one Chroma write per group instead of per file (small files dominate
# large corpora); a crash loses at most one group's embedding work.
GROUP_BATCHES = 8


class ModelMismatchError(RuntimeError):
    """The knowledge base was built with another embedding model."""


class KnowledgeBaseMissingError(LookupError):
    """No knowledge base of that name exists."""


@register_embedding_function
class _ChromaAdapter(EmbeddingFunction[Documents]):
    """Hands chromadb our LangChain embeddings, so it never loads its default model."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return self._embeddings.embed_documents(list(input))

    def embed_query(self, input: Documents) -> ChromaEmbeddings:
        return [self._embeddings.embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "zoneqa"

    def get_config(self) -> dict[str, Any]:
        return {"model": model_id_of(self._embeddings), "spec": getattr(self._embeddings, "spec", "")}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "_ChromaAdapter":
        return _ChromaAdapter(get_embeddings(config.get("spec") or "e5-small"))

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"


_clients: dict[tuple, Any] = {}


def chroma_client(settings: Settings | None = None) -> Any:
    """A Chroma client: a server when CHROMA_HOST is set, else on-disk under the data dir."""
    s = settings or get_settings()
    if s.chroma_host:
        key: tuple = ("http", s.chroma_host, s.chroma_port)
        if key not in _clients:
            _clients[key] = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port)
    else:
        path = s.data_dir / "chroma"
        key = ("disk", str(path))
        if key not in _clients:
            path.mkdir(parents=True, exist_ok=True)
            _clients[key] = chromadb.PersistentClient(path=str(path))
    return _clients[key]


def collection_name(kb: str) -> str:
    return COLLECTION_PREFIX + validate_kb_name(kb)


def list_knowledge_bases(settings: Settings | None = None) -> list[str]:
    """Names of the knowledge bases that exist in Chroma."""
    names = [c if isinstance(c, str) else c.name for c in chroma_client(settings).list_collections()]
    return sorted(n[len(COLLECTION_PREFIX):] for n in names if n.startswith(COLLECTION_PREFIX))


def open_collection(kb: str, embeddings: Embeddings, create: bool = False, settings: Settings | None = None):
    """Open (or create) a knowledge base's collection, checking its embedding model."""
    client = chroma_client(settings)
    name = collection_name(kb)
    model_id = model_id_of(embeddings)
    adapter = _ChromaAdapter(embeddings)
    if create:
        collection = client.get_or_create_collection(
            name,
            embedding_function=adapter,
            configuration={"hnsw": {"space": "cosine"}},
            metadata=_versioned(model_id),
        )
    else:
        try:
            collection = client.get_collection(name, embedding_function=adapter)
        except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
            raise KnowledgeBaseMissingError(
                f"知识库 {kb!r} 不存在。请先运行：python -m ingest --kb {kb}"
            ) from exc
    built_with = (collection.metadata or {}).get("zoneqa_model")
    if built_with and built_with != model_id:
        raise ModelMismatchError(
            f"知识库 {kb!r} 由向量模型 {built_with} 构建，当前配置的是 {model_id}。"
            f"请运行 python -m ingest --kb {kb} --rebuild 重建索引。"
        )
    return collection


def _versioned(model_id: str) -> dict[str, str]:
    """Collection metadata after a change: a new version tells searchers to reload."""
    return {"zoneqa_model": model_id, "zoneqa_tokenizer": tokenizer_id(), "zoneqa_version": uuid.uuid4().hex}


def mark_changed(collection, model_id: str) -> None:
    """Give the collection a new version, so every searcher (any process) reloads its keyword index."""
    collection.modify(metadata=_versioned(model_id))


def tokens_are_current(collection) -> bool:
    """True when the BM25 tokens stored with the chunks were made by today's tokenizer."""
    return (collection.metadata or {}).get("zoneqa_tokenizer") == tokenizer_id()


def refresh_tokens(collection, progress: bool = False) -> int:
    """Re-tokenise every stored chunk after a dictionary change; vectors and texts stay as they are."""
    ids: list[str] = []
    metas: list[dict] = []
    for cid, text, meta in tqdm(iter_stored_chunks(collection), unit="片段", desc="重新分词", disable=not progress):
        meta = dict(meta or {})
        meta[TOKENS_KEY] = " ".join(passage_tokens(meta.get("title", ""), meta.get("section", ""), text))
        ids.append(cid)
        metas.append(meta)
    step = _max_batch(collection)
    for i in range(0, len(ids), step):
        collection.update(ids=ids[i : i + step], metadatas=metas[i : i + step])
    return len(ids)


def _max_batch(collection) -> int:
    """Largest write Chroma accepts in one call (it differs between embedded and server)."""
    try:
        return max(1, min(5000, int(collection._client.get_max_batch_size())))
    except Exception:  # older clients / unusual backends
        return 1000


def collection_version(collection) -> str:
    """Changes whenever an ingestion run changes the collection."""
    return str((collection.metadata or {}).get("zoneqa_version", ""))


def iter_stored_chunks(collection, with_documents: bool = True) -> Iterable[tuple[str, str | None, dict]]:
    """Yield (id, text, metadata) for every chunk, paging through large collections.

    Without documents the text is None: reading only ids and metadata is much cheaper at scale.
    """
    include = ["documents", "metadatas"] if with_documents else ["metadatas"]
    offset = 0
    while True:
        page = collection.get(include=include, limit=_GET_PAGE, offset=offset)
        ids = page["ids"]
        if not ids:
            return
        texts = page["documents"] if with_documents else [None] * len(ids)
        yield from zip(ids, texts, page["metadatas"])
        offset += len(ids)


# --------------------------------------------------------------------------- manifest


def _manifest_path(kb: str, settings: Settings) -> Path:
    return settings.kb_dir(kb) / "manifest.json"


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"files": {}}
    except (OSError, ValueError):
        log.warning("清单文件 %s 已损坏，将重新核对全部文件", path)
        return {"files": {}}


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a crash leaves the old or the new manifest, never half


# --------------------------------------------------------------------------- ingestion


@dataclass
class IngestReport:
    files_seen: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_written: int = 0
    chunks_total: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # ingested, but worth knowing: slow or truncated files
    seconds: float = 0.0
    # Where the time went (wall clock): read + hash + parse + chunk; jieba tokens;
    # dense vectors; Chroma deletes/writes and manifest commits.
    parse_seconds: float = 0.0
    tokenize_seconds: float = 0.0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0

    def summary(self) -> str:
        line = (
            f"完成：{self.files_seen} 个文件（写入 {self.files_written}，未变 {self.files_unchanged}，"
            f"移除 {self.files_removed}，跳过 {len(self.skipped)}），写入 {self.chunks_written} 个片段，"
            f"知识库共 {self.chunks_total} 个片段，用时 {self.seconds:.1f} 秒"
        )
        if self.chunks_written and self.embed_seconds:
            line += (f"（向量化 {self.chunks_written / self.embed_seconds:.1f} 片段/秒；解析 {self.parse_seconds:.1f} 秒，"
                     f"分词 {self.tokenize_seconds:.1f} 秒，向量化 {self.embed_seconds:.1f} 秒，"
                     f"写入 {self.write_seconds:.1f} 秒）")
        # The admin tab and the CLI both show this summary, so warnings ride along with it.
        return "\n".join([line] + [f"注意：{w}" for w in self.warnings])


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
            raise FileNotFoundError(f"找不到路径：{root}")
    return found


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the dense model sees: document title and section path give the chunk its context."""
    head = " ".join(p for p in (title, chunk.section) if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


def _chunk_metadata(chunk: Chunk, title: str, file_hash: str, page: int | None, tokens: list[str]) -> dict[str, Any]:
    page_field = {"page": page} if page else {}
    return {**page_field,
        "source": chunk.source,
        "title": title,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "index": chunk.index,
        "file_hash": file_hash,
        # Stored so that every searcher (any replica) builds BM25 without re-running jieba.
        TOKENS_KEY: " ".join(tokens),
    }


def estimated_embed_minutes(chars: int, s: Settings) -> float:
    """Minutes the dense model needs for ``chars`` characters of text (passages of chunk_chars
    at the measured rate of settings.embed_rate; embedding is nearly all of ingestion time)."""
    return chars / s.chunk_chars / s.embed_rate / 60


def slow_file_warning(source: str, chars: int, s: Settings) -> str | None:
    """A line to show before ingesting a file that will take longer than warn_ingest_minutes."""
    minutes = estimated_embed_minutes(chars, s)
    if minutes <= s.warn_ingest_minutes:
        return None
    return (f"{source} 较大（{chars} 个字符），预计导入需要约 {max(1, round(minutes))} 分钟"
            f"（按每秒 {s.embed_rate:g} 个片段估算）")


def _chunker_id(s: Settings) -> str:
    return f"{CHUNKER_VERSION}:{s.chunk_chars}"


def _entry_is_current(entry: dict[str, Any] | None, file_hash: str, model_id: str, chunker: str) -> bool:
    """A manifest entry that needs no work: same bytes, same model, same chunking, not left half-done."""
    return bool(entry and entry.get("hash") == file_hash and entry.get("model") == model_id
                and entry.get("chunker") == chunker and not entry.get("pending"))


def _is_under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


@dataclass
class _FileWork:
    """A file to (re-)index: its chunks, parsed and ready to embed."""

    sf: SourceFile
    file_hash: str
    title: str
    chunks: list[Chunk]
    pages: dict[str, int | None]
    stale: bool  # old chunks of this file may be stored and must go first


def _groups(todo: list[_FileWork], group_chunks: int) -> Iterable[list[_FileWork]]:
    """Whole files, gathered until a group holds at least ``group_chunks`` chunks."""
    group: list[_FileWork] = []
    size = 0
    for work in todo:
        group.append(work)
        size += len(work.chunks)
        if size >= group_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


def _write_group(group: list[_FileWork], collection, embeddings: Embeddings, batch: int,
                 files: dict[str, dict[str, Any]], manifest: dict[str, Any], manifest_path: Path,
                 model_id: str, chunker: str, report: IngestReport, bar) -> None:
    """Embed and store a group of files as one crash-safe step.

    The files are marked pending before anything is written; if the process
    dies part-way, the next run removes whatever of theirs was stored and
    writes them again under the same ids.
    """
    t0 = time.perf_counter()
    for w in group:
        files[w.sf.source] = {"path": str(w.sf.path), "pending": True}
    _write_manifest(manifest_path, manifest)
    stale = [w.sf.source for w in group if w.stale]
    if stale:
        collection.delete(where={"source": {"$in": stale}})
    report.write_seconds += time.perf_counter() - t0

    items = [(w, c) for w in group for c in w.chunks]
    vectors: list[list[float]] = []
    for i in range(0, len(items), batch):
        t0 = time.perf_counter()
        vectors += embeddings.embed_documents([embedding_text(w.title, c) for w, c in items[i : i + batch]])
        report.embed_seconds += time.perf_counter() - t0
        bar.update(len(items[i : i + batch]))

    t0 = time.perf_counter()
    metadatas = [
        _chunk_metadata(c, w.title, w.file_hash, w.pages.get(c.id), passage_tokens(w.title, c.section, c.text))
        for w, c in items
    ]
    report.tokenize_seconds += time.perf_counter() - t0

    t0 = time.perf_counter()
    step = _max_batch(collection)
    for i in range(0, len(items), step):
        collection.upsert(
            ids=[c.id for _, c in items[i : i + step]],
            embeddings=vectors[i : i + step],
            documents=[c.text for _, c in items[i : i + step]],
            metadatas=metadatas[i : i + step],
        )
    updated = time.strftime("%Y-%m-%d %H:%M:%S")
    for w in group:
        files[w.sf.source] = {"path": str(w.sf.path), "hash": w.file_hash, "model": model_id,
                              "chunker": chunker, "chunks": len(w.chunks), "updated": updated}
    _write_manifest(manifest_path, manifest)
    report.write_seconds += time.perf_counter() - t0
    report.files_written += len(group)
    report.chunks_written += len(items)


def sync_knowledge_base(
    paths: Iterable[Path] | None = None,
    kb: str | None = None,
    rebuild: bool = False,
    settings: Settings | None = None,
    progress: bool = True,
) -> IngestReport:
    """Bring knowledge base ``kb`` in line with the files under ``paths``.

    Unchanged files are skipped, changed files re-embedded, and files deleted
    from a scanned folder removed from the index.
    """
    s = settings or get_settings()
    kb = validate_kb_name(s.default_kb if kb is None else kb)
    roots = [Path(p).resolve() for p in (paths or [s.corpus_dir])]
    started = time.perf_counter()
    report = IngestReport()
    embeddings = get_embeddings(s.embedding, s.embed_batch)
    manifest_path = _manifest_path(kb, s)

    if rebuild:
        try:
            chroma_client(s).delete_collection(collection_name(kb))
        except Exception:  # absent already
            pass
        manifest_path.unlink(missing_ok=True)
    collection = open_collection(kb, embeddings, create=True, settings=s)
    manifest = _read_manifest(manifest_path)
    files: dict[str, dict[str, Any]] = manifest.setdefault("files", {})
    # An empty collection needs no deletes; a lost manifest beside stored chunks means any file may have some.
    trust_manifest = bool(files) or collection.count() == 0
    changed = False
    model_id = model_id_of(embeddings)
    chunker = _chunker_id(s)

    sources = discover(roots)
    report.files_seen = len(sources)
    current = {sf.source for sf in sources}

    # Files gone from a scanned folder (pending ones included: a run killed mid-file).
    gone = [src for src, entry in files.items() if src not in current and _is_under(entry.get("path", ""), roots)]
    if gone:
        t0 = time.perf_counter()
        for i in range(0, len(gone), 500):
            collection.delete(where={"source": {"$in": gone[i : i + 500]}})
        for source in gone:
            del files[source]
        _write_manifest(manifest_path, manifest)
        report.files_removed = len(gone)
        report.write_seconds += time.perf_counter() - t0

    todo: list[_FileWork] = []
    t0 = time.perf_counter()
    for sf in sources:
        try:
            raw = sf.path.read_bytes()
        except OSError as exc:
            report.skipped.append(f"{sf.source}: 无法读取（{exc}）")
            continue
        file_hash = hashlib.sha256(raw).hexdigest()
        entry = files.get(sf.source)
        if _entry_is_current(entry, file_hash, model_id, chunker):
            report.files_unchanged += 1
            continue
        try:
            loaded = load_text(sf.path, s)
        except LoadError as exc:
            report.skipped.append(str(exc))
            log.warning("%s", exc)
            if entry:  # it used to be indexed: its old chunks must not linger
                collection.delete(where={"source": sf.source})
            # Remembered as skipped, so an unchanged bad file is not re-read every run.
            files[sf.source] = {"path": str(sf.path), "hash": file_hash, "model": model_id,
                                "chunker": chunker, "chunks": 0, "skipped": str(exc)}
            _write_manifest(manifest_path, manifest)
            continue
        # Said now, before hours of embedding, and kept for the report the admin tab shows.
        slow = slow_file_warning(sf.source, len(loaded.text), s)
        for warning in [*loaded.warnings, *([slow] if slow else [])]:
            log.warning("%s", warning)
            report.warnings.append(warning)
        chunks = chunk_document(loaded.text, sf.source, s.chunk_chars)
        pages = {c.id: loaded.page_of(c.start) for c in chunks} if loaded.page_starts else {}
        # A file the manifest knows (changed, or left pending by a crash) may have chunks to remove;
        # without a trustworthy manifest any file may.
        stale = entry is not None or not trust_manifest
        todo.append(_FileWork(sf, file_hash, sf.path.stem, chunks, pages, stale))
    report.parse_seconds += time.perf_counter() - t0

    if not tokens_are_current(collection) and collection.count():
        t0 = time.perf_counter()
        refresh_tokens(collection, progress)  # the user dictionary changed since the last run
        report.tokenize_seconds += time.perf_counter() - t0
        changed = True

    bar = tqdm(total=sum(len(w.chunks) for w in todo), unit="片段", desc=f"向量化 {kb}", disable=not progress)
    for group in _groups(todo, GROUP_BATCHES * s.embed_batch):
        _write_group(group, collection, embeddings, s.embed_batch, files, manifest, manifest_path,
                     model_id, chunker, report, bar)
    bar.close()

    if changed or report.files_written or report.files_removed or rebuild:
        mark_changed(collection, model_id)
    report.chunks_total = collection.count()
    report.seconds = time.perf_counter() - started
    return report


def knowledge_base_is_current(kb: str, paths: Iterable[Path] | None = None, settings: Settings | None = None) -> bool:
    """True when ``kb`` exists and a sync of ``paths`` would have nothing to do."""
    s = settings or get_settings()
    manifest = _read_manifest(_manifest_path(kb, s)).get("files", {})
    try:
        sources = discover([Path(p) for p in (paths or [s.corpus_dir])])
    except FileNotFoundError:
        return False
    if not manifest or set(manifest) != {sf.source for sf in sources}:
        return False
    embeddings = get_embeddings(s.embedding, s.embed_batch)
    model_id = model_id_of(embeddings)
    for sf in sources:
        file_hash = hashlib.sha256(sf.path.read_bytes()).hexdigest()
        if not _entry_is_current(manifest[sf.source], file_hash, model_id, _chunker_id(s)):
            return False
    if kb not in list_knowledge_bases(s):
        return False
    return tokens_are_current(open_collection(kb, embeddings, settings=s))


# --------------------------------------------------------------------------- management


def list_documents(kb: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The files of a knowledge base with their chunk counts, as its manifest records them."""
    s = settings or get_settings()
    files = _read_manifest(_manifest_path(validate_kb_name(kb), s)).get("files", {})
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
    embeddings = get_embeddings(s.embedding, s.embed_batch)
    collection = open_collection(kb, embeddings, settings=s)
    found = collection.get(where={"source": source}, include=[])["ids"]
    manifest_path = _manifest_path(kb, s)
    manifest = _read_manifest(manifest_path)
    if not found and source not in manifest.get("files", {}):
        raise FileNotFoundError(f"知识库 {kb!r} 中没有文件 {source!r}")
    collection.delete(where={"source": source})
    manifest.get("files", {}).pop(source, None)
    _write_manifest(manifest_path, manifest)
    mark_changed(collection, model_id_of(embeddings))
    return len(found)


def drop_knowledge_base(kb: str, settings: Settings | None = None) -> None:
    """Delete a knowledge base: its Chroma collection and its manifest."""
    s = settings or get_settings()
    try:
        chroma_client(s).delete_collection(collection_name(kb))
    except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
        raise KnowledgeBaseMissingError(f"知识库 {kb!r} 不存在") from exc
    _manifest_path(kb, s).unlink(missing_ok=True)
