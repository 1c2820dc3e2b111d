"""Bring a knowledge base in line with folders of files: plan (gone / changed / unchanged / skipped), then apply.

Incremental and crash-safe: the manifest of file hashes (store.manifest) makes
re-runs touch only what changed. Files are committed in groups: marked pending
in the manifest, their old chunks deleted, vectors and BM25 tokens written,
then the manifest committed; a run killed part-way is repaired by the next one,
which deletes and rewrites the pending files' chunks under the same ids.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from errors import KnowledgeBaseMissingError, PathMissingError
from ingest.chunking import CHUNKER_VERSION, Chunk, chunk_document
from ingest.loaders import LoadError, load_text
from ingest.sources import SourceFile, discover, is_under
from ingest.timing import PhaseTimer
from settings import Settings, get_settings, validate_kb_name
from store import TOKENS_KEY, KnowledgeBase, Manifest, StoredChunk, create_knowledge_base, list_knowledge_bases
from store import drop_knowledge_base as drop_collection
from store import open_knowledge_base
from store.embeddings import get_embeddings, model_id_for
from store.manifest import manifest_path
from text.normalize import passage_tokens

log = logging.getLogger(__name__)

# Files are committed in groups of this many embedding batches: one manifest write,
# one delete and one store write per group instead of per file (small files dominate
# large corpora); a crash loses at most one group's embedding work.
GROUP_BATCHES = 8


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
    ocr_pages: int = 0  # scanned PDF pages and images read by OCR (part of the parse phase)
    ocr_seconds: float = 0.0
    seconds: float = 0.0
    timer: PhaseTimer = field(default_factory=PhaseTimer)

    @property
    def parse_seconds(self) -> float:
        return self.timer.seconds["parse"]

    @property
    def tokenize_seconds(self) -> float:
        return self.timer.seconds["tokenize"]

    @property
    def embed_seconds(self) -> float:
        return self.timer.seconds["embed"]

    @property
    def write_seconds(self) -> float:
        return self.timer.seconds["write"]

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
        if self.ocr_pages:
            line += (f"；OCR {self.ocr_pages} 页，用时 {self.ocr_seconds:.1f} 秒"
                     f"（{self.ocr_pages / max(self.ocr_seconds, 1e-9):.2f} 页/秒）")
        # The admin tab and the CLI both show this summary, so warnings ride along with it.
        return "\n".join([line] + [f"注意：{w}" for w in self.warnings])


@dataclass
class FileWork:
    """A file to (re-)index: its chunks, parsed and ready to embed."""

    sf: SourceFile
    file_hash: str
    title: str
    chunks: list[Chunk]
    pages: dict[str, int | None]
    stale: bool  # old chunks of this file may be stored and must go first


@dataclass
class SkippedFile:
    """A file that could not be loaded; remembered so it is not re-read until it changes."""

    sf: SourceFile
    file_hash: str
    reason: str
    was_indexed: bool  # its old chunks must not linger


@dataclass
class SyncPlan:
    """What a sync will do, decided before anything is written."""

    gone: list[str] = field(default_factory=list)
    changed: list[FileWork] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # messages: files that could not even be read
    warnings: list[str] = field(default_factory=list)  # loaded with a caveat (truncated sheet, slow to embed)
    unchanged: int = 0
    ocr_pages: int = 0
    ocr_seconds: float = 0.0


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the dense model sees: document title and section path give the chunk its context."""
    head = " ".join(p for p in (title, chunk.section) if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


def chunk_metadata(chunk: Chunk, title: str, file_hash: str, page: int | None, tokens: list[str]) -> dict:
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


def chunker_id(s: Settings) -> str:
    return f"{CHUNKER_VERSION}:{s.chunk_chars}"


# --------------------------------------------------------------------------- plan


def plan_sync(sources: list[SourceFile], roots: list[Path], manifest: Manifest, s: Settings,
              trust_manifest: bool, timer: PhaseTimer, progress: bool = False) -> SyncPlan:
    """Sort the files into gone / changed / unchanged / skipped; parse and chunk the changed ones."""
    model_id, chunker = model_id_for(s.embedding), chunker_id(s)
    current = {sf.source for sf in sources}
    plan = SyncPlan()
    # Files gone from a scanned folder (pending ones included: a run killed mid-file).
    plan.gone = [src for src, entry in manifest.files.items()
                 if src not in current and is_under(entry.get("path", ""), roots)]
    with timer.phase("parse"):
        for sf in sources:
            _plan_file(sf, manifest, model_id, chunker, s, trust_manifest, plan, progress)
    return plan


class _OcrBar:
    """A progress bar for one file's OCR pages, drawn from the first page on (most files have none)."""

    def __init__(self, source: str, enabled: bool) -> None:
        self.source, self.enabled, self.bar = source, enabled, None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, unit="页", desc=f"OCR {self.source}")
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _plan_file(sf: SourceFile, manifest: Manifest, model_id: str, chunker: str, s: Settings,
               trust_manifest: bool, plan: SyncPlan, progress: bool = False) -> None:
    try:
        raw = sf.path.read_bytes()
    except OSError as exc:
        plan.unreadable.append(f"{sf.source}: 无法读取（{exc}）")
        return
    file_hash = hashlib.sha256(raw).hexdigest()
    if manifest.is_current(sf.source, file_hash, model_id, chunker):
        plan.unchanged += 1
        return
    known = sf.source in manifest.files
    bar = _OcrBar(sf.source, progress)
    try:
        loaded = load_text(sf.path, s, on_ocr_page=bar)
    except LoadError as exc:
        plan.skipped.append(SkippedFile(sf, file_hash, str(exc), known))
        return
    finally:
        bar.close()
    plan.ocr_pages += loaded.ocr_pages
    plan.ocr_seconds += loaded.ocr_seconds
    # Said now, before hours of embedding, and kept for the report the admin tab shows.
    slow = slow_file_warning(sf.source, len(loaded.text), s)
    for warning in [*loaded.warnings, *([slow] if slow else [])]:
        log.warning("%s", warning)
        plan.warnings.append(warning)
    chunks = chunk_document(loaded.text, sf.source, s.chunk_chars, loaded.page_starts)
    pages = {c.id: loaded.page_of(c.start) for c in chunks} if loaded.page_starts else {}
    # A file the manifest knows (changed, or left pending by a crash) may have chunks to remove;
    # without a trustworthy manifest any file may.
    stale = known or not trust_manifest
    plan.changed.append(FileWork(sf, file_hash, sf.path.stem, chunks, pages, stale))


# --------------------------------------------------------------------------- apply


class _Writer:
    """Applies a plan to one knowledge base and its manifest, timing each phase."""

    def __init__(self, store: KnowledgeBase, manifest: Manifest, embeddings: Embeddings, s: Settings,
                 report: IngestReport, progress: bool) -> None:
        self.store, self.manifest, self.embeddings = store, manifest, embeddings
        self.batch = s.embed_batch
        self.model_id, self.chunker = model_id_for(s.embedding), chunker_id(s)
        self.report, self.timer, self.progress = report, report.timer, progress

    def remove_gone(self, gone: list[str]) -> None:
        if not gone:
            return
        with self.timer.phase("write"):
            self.store.delete_sources(gone)
            for source in gone:
                del self.manifest.files[source]
            self.manifest.save()
        self.report.files_removed = len(gone)

    def record_skipped(self, skipped: list[SkippedFile]) -> None:
        for f in skipped:
            self.report.skipped.append(f.reason)
            log.warning("%s", f.reason)
            if f.was_indexed:
                self.store.delete_sources([f.sf.source])
            self.manifest.record_skipped(f.sf.source, f.sf.path, f.file_hash, self.model_id, self.chunker, f.reason)
            self.manifest.save()

    def refresh_tokens(self) -> bool:
        """Re-tokenise every stored chunk after a dictionary change; vectors and texts stay as they are."""
        if self.store.tokens_current() or not self.store.count():
            return False
        with self.timer.phase("tokenize"):
            fresh = []
            for c in tqdm(self.store.chunks(), unit="片段", desc="重新分词", disable=not self.progress):
                meta = {**c.meta, TOKENS_KEY: " ".join(
                    passage_tokens(c.meta.get("title", ""), c.meta.get("section", ""), c.text or ""))}
                fresh.append(StoredChunk(c.id, c.text, meta))
            self.store.update_metadata(fresh)
        return True

    def write_changed(self, changed: list[FileWork], kb: str) -> None:
        bar = tqdm(total=sum(len(w.chunks) for w in changed), unit="片段", desc=f"向量化 {kb}",
                   disable=not self.progress)
        for group in _groups(changed, GROUP_BATCHES * self.batch):
            self._write_group(group, bar)
        bar.close()

    def _write_group(self, group: list[FileWork], bar) -> None:
        """Embed and store a group of files as one crash-safe step (marked pending first)."""
        with self.timer.phase("write"):
            for w in group:
                self.manifest.mark_pending(w.sf.source, w.sf.path)
            self.manifest.save()
            stale = [w.sf.source for w in group if w.stale]
            if stale:
                self.store.delete_sources(stale)
        items = [(w, c) for w in group for c in w.chunks]
        vectors = self._embed(items, bar)
        with self.timer.phase("tokenize"):
            stored = [StoredChunk(c.id, c.text, chunk_metadata(c, w.title, w.file_hash, w.pages.get(c.id),
                                                                passage_tokens(w.title, c.section, c.text)))
                      for w, c in items]
        with self.timer.phase("write"):
            self.store.write(stored, vectors)
            for w in group:
                self.manifest.record(w.sf.source, w.sf.path, w.file_hash, self.model_id, self.chunker, len(w.chunks))
            self.manifest.save()
        self.report.files_written += len(group)
        self.report.chunks_written += len(items)

    def _embed(self, items: list[tuple[FileWork, Chunk]], bar) -> list[list[float]]:
        vectors: list[list[float]] = []
        for i in range(0, len(items), self.batch):
            part = items[i : i + self.batch]
            with self.timer.phase("embed"):
                vectors += self.embeddings.embed_documents([embedding_text(w.title, c) for w, c in part])
            bar.update(len(part))
        return vectors


def _groups(todo: list[FileWork], group_chunks: int) -> Iterable[list[FileWork]]:
    """Whole files, gathered until a group holds at least ``group_chunks`` chunks."""
    group: list[FileWork] = []
    size = 0
    for work in todo:
        group.append(work)
        size += len(work.chunks)
        if size >= group_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


# --------------------------------------------------------------------------- entry points


def sync_knowledge_base(paths: Iterable[Path] | None = None, kb: str | None = None, rebuild: bool = False,
                        settings: Settings | None = None, progress: bool = True) -> IngestReport:
    """Bring knowledge base ``kb`` in line with the files under ``paths`` (default: the corpus folder).

    Unchanged files are skipped, changed files re-embedded, and files deleted
    from a scanned folder removed from the index.
    """
    s = settings or get_settings()
    kb = validate_kb_name(s.default_kb if kb is None else kb)
    roots = [Path(p).resolve() for p in (paths or [s.corpus_dir])]
    started = time.perf_counter()
    report = IngestReport()
    manifest = Manifest(manifest_path(s.kb_dir(kb)))
    if rebuild:
        _forget(kb, s, manifest)
    store = create_knowledge_base(kb, s)
    # An empty store needs no deletes; a lost manifest beside stored chunks means any file may have some.
    trust_manifest = bool(manifest.files) or store.count() == 0
    sources = discover(roots)
    report.files_seen = len(sources)
    plan = plan_sync(sources, roots, manifest, s, trust_manifest, report.timer, progress)
    report.files_unchanged = plan.unchanged
    report.ocr_pages, report.ocr_seconds = plan.ocr_pages, plan.ocr_seconds
    report.skipped += plan.unreadable
    report.warnings += plan.warnings

    writer = _Writer(store, manifest, get_embeddings(s.embedding, s.embed_batch), s, report, progress)
    writer.remove_gone(plan.gone)
    writer.record_skipped(plan.skipped)
    retokenised = writer.refresh_tokens()  # the user dictionary changed since the last run
    writer.write_changed(plan.changed, kb)

    if retokenised or report.files_written or report.files_removed or rebuild:
        store.mark_changed()
    report.chunks_total = store.count()
    report.seconds = time.perf_counter() - started
    return report


def _forget(kb: str, s: Settings, manifest: Manifest) -> None:
    """--rebuild: the knowledge base and its manifest start from nothing."""
    try:
        drop_collection(kb, s)
    except KnowledgeBaseMissingError:  # absent already
        pass
    manifest.remove_file()


def knowledge_base_is_current(kb: str, paths: Iterable[Path] | None = None, settings: Settings | None = None) -> bool:
    """True when ``kb`` exists and a sync of ``paths`` would have nothing to do."""
    s = settings or get_settings()
    manifest = Manifest(manifest_path(s.kb_dir(kb)))
    try:
        sources = discover([Path(p) for p in (paths or [s.corpus_dir])])
    except PathMissingError:
        return False
    if not manifest.files or set(manifest.files) != {sf.source for sf in sources}:
        return False
    model_id, chunker = model_id_for(s.embedding), chunker_id(s)
    for sf in sources:
        if not manifest.is_current(sf.source, hashlib.sha256(sf.path.read_bytes()).hexdigest(), model_id, chunker):
            return False
    if kb not in list_knowledge_bases(s):
        return False
    store = open_knowledge_base(kb, s)
    store.check_model(model_id)
    return store.tokens_current()
