"""Hybrid retrieval: BM25 (jieba) + dense (Chroma), fused by RRF, with a relevance cut-off.

The keyword index is derived from the chunks stored in Chroma and rebuilt
whenever an ingestion run changes the collection, so any number of app
processes can share one Chroma server.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from ingest.embeddings import get_embeddings
from ingest.figures import YEAR
from ingest.index import collection_version, iter_stored_chunks, open_collection
from retrieval.fusion import RRF_K, reciprocal_rank_fusion
from retrieval.keyword import KeywordIndex
from retrieval.normalize import (
    english_terms,
    expand_synonyms,
    is_mostly_chinese,
    normalize_text,
    synonym_groups,
    terms,
    tokenize,
)
from settings import Settings, get_settings, validate_kb_name

VERSION_CHECK_SECONDS = 2.0


@dataclass
class Passage:
    """A retrieved chunk with its scores; ``score`` is the fused score scaled to 0..1."""

    id: str
    text: str
    source: str
    title: str
    section: str
    start: int
    end: int
    rank: int = 0
    score: float = 0.0
    dense: float | None = None
    keyword: float | None = None
    coverage: float = 0.0
    relevance: float = 0.0


@dataclass
class SearchResult:
    question: str
    normalized: str
    passages: list[Passage]
    relevant: bool
    reason: str = ""
    query_terms: list[str] = field(default_factory=list)
    term_weights: dict[str, float] = field(default_factory=dict)
    chinese: bool = True
    years: list[str] = field(default_factory=list)


class _Store:
    """Chunks of one collection held in memory, with their BM25 index."""

    def __init__(self, collection) -> None:
        self.version = collection_version(collection)
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metas: list[dict[str, Any]] = []
        for cid, text, meta in iter_stored_chunks(collection):
            self.ids.append(cid)
            self.texts.append(text)
            self.metas.append(meta or {})
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        # Title and section path take part in matching: they carry the year and the topic.
        self.search_texts = [
            normalize_text(" ".join((m.get("title", ""), m.get("section", ""), t)))
            for t, m in zip(self.texts, self.metas)
        ]
        self.keyword = KeywordIndex(self.search_texts)

    def passage(self, row: int) -> Passage:
        m = self.metas[row]
        section = m.get("section", "")
        if m.get("page"):  # PDFs: citations name the page
            section = f"{section} · 第{m['page']}页" if section else f"第{m['page']}页"
        return Passage(
            id=self.ids[row], text=self.texts[row], source=m.get("source", ""), title=m.get("title", ""),
            section=section, start=int(m.get("start", 0)), end=int(m.get("end", 0)),
        )


class HybridSearcher:
    """Searches one knowledge base; safe to share between threads."""

    def __init__(self, kb: str | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        self.embeddings = get_embeddings(self.settings.embedding, self.settings.embed_batch)
        self._collection = open_collection(self.kb, self.embeddings, settings=self.settings)
        self._lock = threading.Lock()
        self._store = _Store(self._collection)
        self._checked = time.monotonic()

    @property
    def size(self) -> int:
        return len(self._store.ids)

    def _current_store(self) -> _Store:
        """The in-memory store, reloaded when another process changed the collection."""
        now = time.monotonic()
        if now - self._checked >= VERSION_CHECK_SECONDS:
            with self._lock:
                if now - self._checked >= VERSION_CHECK_SECONDS:
                    self._checked = now
                    self._collection = open_collection(self.kb, self.embeddings, settings=self.settings)
                    if collection_version(self._collection) != self._store.version:
                        self._store = _Store(self._collection)
        return self._store

    def search(self, question: str, k: int | None = None) -> SearchResult:
        """Rank passages for ``question`` and judge whether any is relevant enough to answer from."""
        s = self.settings
        k = k or s.top_k
        store = self._current_store()
        normalized = normalize_text(question)
        chinese = is_mostly_chinese(normalized)
        understood = 1.0
        if chinese:
            query_terms = terms(normalized, normalized=True)
            query_tokens = tokenize(normalized, normalized=True)
        else:
            query_terms, translated, total = english_terms(normalized)
            query_tokens = tokenize(" ".join(query_terms), normalized=True)
            understood = translated / total if total else 0.0
        weights = {t: store.keyword.term_weight(t) for t in query_terms}
        result = SearchResult(question, normalized, [], False, query_terms=query_terms,
                              term_weights=weights, chinese=chinese, years=YEAR.findall(normalized))
        if not store.ids:
            result.reason = "empty"
            return result

        n = min(s.candidates, len(store.ids))
        keyword_hits = store.keyword.search(expand_synonyms(query_tokens), n)
        dense_hits = self._dense(question, n)
        dense_sim = dict(dense_hits)
        keyword_score = {store.ids[row]: score for row, score in keyword_hits}
        fused = reciprocal_rank_fusion(
            [[store.ids[row] for row, _ in keyword_hits], [cid for cid, _ in dense_hits]]
        )
        if result.years:
            fused = self._prefer_asked_year(store, fused, result.years)
        best_possible = 2.0 / (RRF_K + 1)
        for rank, (cid, score) in enumerate(fused[:k], start=1):
            row = store.row.get(cid)
            if row is None:  # deleted between the dense query and our snapshot
                continue
            p = store.passage(row)
            p.rank, p.score = rank, round(score / best_possible, 4)
            p.dense = dense_sim.get(cid)
            p.keyword = keyword_score.get(cid)
            p.coverage = round(coverage(query_terms, weights, store.search_texts[row]) * understood, 4)
            # Lexical coverage, not the dense score, decides relevance: e5 gives unrelated
            # Chinese questions about the same cosine as related ones (measured on seed.jsonl).
            p.relevance = p.coverage
            result.passages.append(p)

        missing_years = [y for y in result.years if store.keyword.idf(y) >= store.keyword.idf("")]
        best = max((p.relevance for p in result.passages), default=0.0)
        if missing_years:
            result.reason = "year:" + ",".join(missing_years)
        elif best < s.min_relevance:
            result.reason = "low"
        else:
            result.relevant = True
        return result

    @staticmethod
    def _prefer_asked_year(store: _Store, fused: list, years: list[str]) -> list:
        """Move passages whose section is about another year below the rest (order kept otherwise)."""
        def conflicts(cid: str) -> bool:
            row = store.row.get(cid)
            if row is None:
                return False
            m = store.metas[row]
            years_here = context_years(m.get("title", ""), m.get("section", ""))
            return bool(years_here) and not any(y in years_here for y in years)

        return sorted(fused, key=lambda item: conflicts(item[0]))

    def _dense(self, question: str, n: int) -> list[tuple[str, float]]:
        vector = self.embeddings.embed_query(question)
        res = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]


def context_years(title: str, section: str) -> list[str]:
    """Years a passage is about: its section path's, else its document title's."""
    return YEAR.findall(section) or YEAR.findall(title)


def coverage(query_terms: list[str], weights: dict[str, float], text: str) -> float:
    """IDF-weighted share of the question's content words found in ``text`` (synonyms count)."""
    total = sum(weights.get(t, 0.0) for t in query_terms)
    if total <= 0:
        return 0.0
    groups = synonym_groups()
    found = sum(
        weights.get(t, 0.0)
        for t in query_terms
        if t in text or any(alt in text for alt in groups.get(t, ()))
    )
    return found / total


class HybridRetriever(BaseRetriever):
    """LangChain retriever over :class:`HybridSearcher`; scores go in each Document's metadata."""

    searcher: Any
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.searcher.search(query, self.k)
        return [
            Document(
                page_content=p.text,
                id=p.id,
                metadata={"source": p.source, "section": p.section, "start": p.start, "end": p.end,
                          "rank": p.rank, "score": p.score, "relevance": p.relevance},
            )
            for p in result.passages
        ]
