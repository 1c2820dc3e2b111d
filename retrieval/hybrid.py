"""Hybrid retrieval: BM25 (jieba) + dense (Chroma), fused by RRF, with a relevance cut-off.

The keyword index is derived from the chunks stored in Chroma and rebuilt
whenever an ingestion run changes the collection, so any number of app
processes can share one Chroma server.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from ingest.embeddings import get_embeddings
from ingest.figures import YEAR
from ingest.index import TOKENS_KEY, collection_version, iter_stored_chunks, open_collection, tokens_are_current
from retrieval.answerability import QUESTION_WORDS
from retrieval.fusion import RRF_K, reciprocal_rank_fusion
from retrieval.keyword import KeywordIndex
from retrieval.meaning import CONFIDENCE, TRUSTED, VocabularyMap
from retrieval.normalize import (
    english_terms,
    expand_synonyms,
    is_mostly_chinese,
    normalize_text,
    passage_search_text,
    passage_tokens,
    synonym_groups,
    terms,
    tokenize,
)
from settings import Settings, get_settings, validate_kb_name

log = logging.getLogger(__name__)

VERSION_CHECK_SECONDS = 2.0
# Up to this many chunks a changed knowledge base is reloaded before the question that noticed
# the change is answered (well under a second); larger ones reload in the background while
# questions are answered from the previous version.
INLINE_RELOAD_MAX = 20_000
_IDS_FILE = "ids.json"
# A question word no passage holds and the meaning map cannot place (老板, 从头到尾) weighs this
# share of its IDF weight in coverage: it can be matched by nothing, so its full weight would refuse
# every question asked in everyday words. Whether the *asked attribute* is missing is judged apart
# (retrieval.answerability).
UNKNOWN_WEIGHT = float(os.environ.get("ZQ_UNK", "0.3"))


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
    # Question words the knowledge base lacks -> (its words that stand for them, how much they count).
    alternatives: dict[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)
    # Question words that no passage of the knowledge base holds and no trusted stand-in replaces.
    unknown: frozenset[str] = frozenset()
    chinese: bool = True
    years: list[str] = field(default_factory=list)


class _Store:
    """One collection version's keyword side: chunk ids in BM25 row order and the BM25 index.

    Texts and metadata stay in Chroma and are fetched for a question's few
    candidates, so memory and start-up time do not grow with the stored text.
    """

    def __init__(self, version: str, ids: list[str], keyword: KeywordIndex) -> None:
        self.version = version
        self.ids = ids
        self.keyword = keyword
        self._vocabulary: VocabularyMap | None = None

    @property
    def vocabulary(self) -> VocabularyMap:
        """Meaning map onto this version's words, built on first use."""
        if self._vocabulary is None:
            self._vocabulary = VocabularyMap(self.keyword.vocabulary(), self.keyword.df)
        return self._vocabulary

    @property
    def size(self) -> int:
        return len(self.ids)


def load_store(collection, cache_dir: Path | None) -> _Store:
    """The keyword index of ``collection``'s current version: from the local cache, else built from Chroma.

    The cache (one folder per collection version, memory-mapped) is only an
    accelerator: any replica can rebuild it from the tokens stored in Chroma.
    """
    version = collection_version(collection)
    folder = cache_dir / version if cache_dir and version else None
    if folder and (folder / _IDS_FILE).exists():
        try:
            ids = json.loads((folder / _IDS_FILE).read_text(encoding="utf-8"))
            return _Store(version, ids, KeywordIndex.load(folder))
        except (OSError, ValueError) as exc:
            log.warning("关键词索引缓存 %s 无法读取（%s），将从 Chroma 重建", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    ids, corpus_tokens = _stored_tokens(collection)
    store = _Store(version, ids, KeywordIndex.build(corpus_tokens))
    if folder:
        _save_store(store, folder)
    return store


def _stored_tokens(collection) -> tuple[list[str], list[list[str]]]:
    """Chunk ids and their BM25 tokens, as stored at ingestion (re-tokenised if made by another tokenizer)."""
    current = tokens_are_current(collection)
    if not current:
        log.warning("知识库的分词结果由旧版词典生成，本次在内存中重新分词；"
                    "运行 python -m ingest 可将新分词写回 Chroma，加快启动。")
    ids: list[str] = []
    corpus_tokens: list[list[str]] = []
    for cid, text, meta in iter_stored_chunks(collection, with_documents=not current):
        meta = meta or {}
        stored = meta.get(TOKENS_KEY) if current else None
        ids.append(cid)
        corpus_tokens.append(stored.split(" ") if stored else
                             passage_tokens(meta.get("title", ""), meta.get("section", ""), text or ""))
    return ids, corpus_tokens


def _save_store(store: _Store, folder: Path) -> None:
    """Write the cache atomically (a folder renamed into place) and drop older versions."""
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        store.keyword.save(tmp)
        (tmp / _IDS_FILE).write_text(json.dumps(store.ids), encoding="utf-8")
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


class HybridSearcher:
    """Searches one knowledge base; safe to share between threads."""

    def __init__(self, kb: str | None = None, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        self.embeddings = get_embeddings(self.settings.embedding, self.settings.embed_batch)
        self._collection = open_collection(self.kb, self.embeddings, settings=self.settings)
        self._cache_dir = self.settings.kb_dir(self.kb) / "keyword"
        self._lock = threading.Lock()
        self._store = load_store(self._collection, self._cache_dir)
        self._checked = time.monotonic()
        self._reloading: threading.Thread | None = None

    @property
    def size(self) -> int:
        return self._store.size

    def _current_store(self) -> _Store:
        """The keyword store, reloaded when another process changed the collection."""
        now = time.monotonic()
        if now - self._checked >= VERSION_CHECK_SECONDS:
            with self._lock:
                if now - self._checked >= VERSION_CHECK_SECONDS and self._reloading is None:
                    self._checked = now
                    collection = open_collection(self.kb, self.embeddings, settings=self.settings)
                    self._collection = collection
                    if collection_version(collection) != self._store.version:
                        if self._store.size <= INLINE_RELOAD_MAX:
                            self._store = load_store(collection, self._cache_dir)
                        else:
                            self._reloading = threading.Thread(target=self._reload, args=(collection,),
                                                               name=f"reload-{self.kb}", daemon=True)
                            self._reloading.start()
        return self._store

    def _reload(self, collection) -> None:
        try:
            self._store = load_store(collection, self._cache_dir)
        except Exception:  # keep answering from the previous version; the next check retries
            log.exception("知识库 %s 的关键词索引重建失败", self.kb)
        finally:
            self._reloading = None

    def _fetch(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of the candidates, read from Chroma (ids deleted meanwhile are absent)."""
        if not ids:
            return {}
        got = self._collection.get(ids=ids, include=["documents", "metadatas"])
        return {cid: (text, meta or {}) for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}

    def search(self, question: str, k: int | None = None) -> SearchResult:
        """Rank passages for ``question`` and judge whether any is relevant enough to answer from."""
        s = self.settings
        k = k or s.top_k
        store = self._current_store()
        normalized = normalize_text(question)
        chinese = is_mostly_chinese(normalized)
        vocabulary = store.vocabulary
        if chinese:
            query_terms = [t for t in terms(normalized, normalized=True) if t not in QUESTION_WORDS]
            query_tokens = tokenize(normalized, normalized=True)
        alternatives: dict[str, tuple[tuple[str, ...], float]] = {}
        if not chinese:
            missed: list[str] = []
            query_terms, translated, total = english_terms(normalized, missed)
            # Words the glossary lacks go through the dictionary; each stays one question word
            # whose Chinese renderings stand in for it (found when any of them is).
            # A word found in neither stays a question word that nothing matches, weighed like an
            # unknown Chinese word (UNKNOWN_WEIGHT), so both languages are judged by one rule.
            for word in dict.fromkeys(missed):
                renderings = vocabulary.english(word) if len(word) > 2 else []
                if renderings:
                    alternatives[word] = (tuple(renderings), CONFIDENCE["english"])
                query_terms.append(word)
            query_tokens = tokenize(" ".join(t for t in query_terms if t not in missed), normalized=True)
        for t in query_terms:
            mapping = None if t in alternatives else vocabulary.map_word(t)
            if mapping is not None:
                alternatives[t] = (mapping.alternatives, mapping.confidence)
        for stand_ins, _ in alternatives.values():
            query_tokens += [a for a in stand_ins if a not in query_tokens]
        weights = {t: self._weight(store, t, alternatives) for t in query_terms}
        result = SearchResult(question, normalized, [], False, query_terms=query_terms,
                              term_weights=weights, chinese=chinese, years=YEAR.findall(normalized),
                              alternatives=alternatives,
                              unknown=frozenset(t for t in query_terms if not vocabulary.known_in_parts(t)
                                                and alternatives.get(t, ((), 0.0))[1] < TRUSTED))
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
        # Only the candidates that can still reach the top k are read from Chroma.
        fetched = self._fetch([cid for cid, _ in (fused if result.years else fused[: k + 5])])
        if result.years:
            fused = self._prefer_asked_year(fetched, fused, result.years)
        best_possible = 2.0 / (RRF_K + 1)
        for cid, score in fused:
            if len(result.passages) == k:
                break
            if cid not in fetched:  # deleted since the keyword index was built
                continue
            text, meta = fetched[cid]
            p = _passage(cid, text, meta)
            p.rank, p.score = len(result.passages) + 1, round(score / best_possible, 4)
            p.dense = dense_sim.get(cid)
            p.keyword = keyword_score.get(cid)
            search_text = passage_search_text(meta.get("title", ""), meta.get("section", ""), text)
            p.coverage = round(coverage(query_terms, weights, search_text, alternatives), 4)
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
    def _prefer_asked_year(fetched: dict[str, tuple[str, dict]], fused: list, years: list[str]) -> list:
        """Move passages whose section is about another year below the rest (order kept otherwise)."""
        def conflicts(cid: str) -> bool:
            if cid not in fetched:
                return False
            m = fetched[cid][1]
            years_here = context_years(m.get("title", ""), m.get("section", ""))
            return bool(years_here) and not any(y in years_here for y in years)

        return sorted(fused, key=lambda item: conflicts(item[0]))

    @staticmethod
    def _weight(store: _Store, term: str, alternatives: dict[str, tuple[tuple[str, ...], float]]) -> float:
        """A question word's coverage weight: its own IDF weight, its stand-ins' when it has them
        and is no word of the knowledge base (an English word), a share of it when it is unknown."""
        if term in alternatives and not store.vocabulary.known(term):
            own = store.keyword.term_weight(term)
            return min(own, max(store.keyword.term_weight(a) for a in alternatives[term][0]))
        if store.vocabulary.known(term):
            return store.keyword.term_weight(term)
        return store.keyword.term_weight(term) * UNKNOWN_WEIGHT

    def _dense(self, question: str, n: int) -> list[tuple[str, float]]:
        vector = self.embeddings.embed_query(question)
        res = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]


def _passage(cid: str, text: str, m: dict[str, Any]) -> Passage:
    section = m.get("section", "")
    if m.get("page"):  # PDFs: citations name the page
        section = f"{section} · 第{m['page']}页" if section else f"第{m['page']}页"
    return Passage(id=cid, text=text, source=m.get("source", ""), title=m.get("title", ""),
                   section=section, start=int(m.get("start", 0)), end=int(m.get("end", 0)))


def context_years(title: str, section: str) -> list[str]:
    """Years a passage is about: its section path's, else its document title's."""
    return YEAR.findall(section) or YEAR.findall(title)


def coverage(query_terms: list[str], weights: dict[str, float], text: str,
             alternatives: dict[str, tuple[tuple[str, ...], float]] | None = None) -> float:
    """IDF-weighted share of the question's content words found in ``text``.

    Synonyms count whole; a word the knowledge base lacks counts as much as the meaning map
    trusts the word it found for it (``alternatives``: word -> (its stand-ins, confidence)).
    """
    total = sum(weights.get(t, 0.0) for t in query_terms)
    if total <= 0:
        return 0.0
    groups = synonym_groups()
    alternatives = alternatives or {}
    found = 0.0
    for t in query_terms:
        if t in text or any(alt in text for alt in groups.get(t, ())):
            found += weights.get(t, 0.0)
        elif t in alternatives and any(alt in text for alt in alternatives[t][0]):
            found += weights.get(t, 0.0) * alternatives[t][1]
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
