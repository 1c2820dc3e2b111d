"""Hybrid retrieval: BM25 (jieba) + dense (Chroma), fused by RRF, with a relevance cut-off.

The keyword index is derived from the chunks stored in Chroma and rebuilt
whenever an ingestion run changes the collection, so any number of app
processes can share one Chroma server.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field

from retrieval.fusion import reciprocal_rank_fusion
from retrieval.keyword import KeywordIndex
from retrieval.keyword_cache import KeywordSnapshot, load_snapshot
from retrieval.meaning import (
    CACHE_WORDS,
    LOOSE,
    TRUSTED,
    Mapping,
    Stretch,
    VocabularyMap,
    abbreviation_stretches,
    expand_abbreviation,
)
from retrieval.schema import Refusal
from retrieval.tunables import DEFAULT, SearchTunables
from settings import Settings, get_settings, validate_kb_name
from store import KnowledgeBase, StoredChunk, open_for_model
from store.embeddings import get_embeddings, model_id_for
from text.normalize import (
    english_terms,
    english_words,
    expand_synonyms,
    is_mostly_chinese,
    normalize_text,
    noun_compounds,
    passage_search_text,
    place_names,
    synonym_groups,
    terms,
    tokenize,
)
from text.questions import QUESTION_WORDS, asked, defined_term, states_definition
from text.structure import short_forms
from text.years import YEAR, context_years, labels_year, recalls_year

log = logging.getLogger(__name__)


@dataclass
class Passage:
    """A retrieved chunk with its scores; ``score`` ranks it: the fused score plus the coverage re-ranking,
    scaled so that the best passage has 1 (``fused`` is the raw reciprocal-rank score)."""

    id: str
    text: str
    source: str
    title: str
    section: str
    start: int
    end: int
    rank: int = 0
    score: float = 0.0
    coverage: float = 0.0
    relevance: float = 0.0
    # Where the passage came from (hit testing, /api/search): its place in each ranking (None when that
    # ranking did not list it among the candidates) and the raw reciprocal-rank-fusion score.
    bm25: RankSignal | None = None
    dense: RankSignal | None = None
    fused: float = 0.0


@dataclass(frozen=True)
class RankSignal:
    """A passage's 1-based rank and score in one ranking (BM25 score; dense cosine similarity)."""

    rank: int
    score: float


@dataclass(frozen=True)
class Fusion:
    """The fused ranking, best first, and the rankings it was fused from."""

    fused: list[tuple[str, float]]
    bm25: dict[str, RankSignal]
    dense: dict[str, RankSignal]


@dataclass
class Query:
    """A question as search sees it: normalised, its content words with their weights, the years it names."""

    question: str
    normalized: str
    chinese: bool
    terms: list[str]
    tokens: list[str]
    weights: dict[str, float]
    years: list[str]
    # Question words the knowledge base lacks -> the words of it that stand for them (retrieval.meaning).
    alternatives: dict[str, Mapping] = field(default_factory=dict)
    # Question words that no passage holds and no trusted stand-in replaces.
    unknown: frozenset[str] = frozenset()
    # Question words or compounds naming a narrower thing than a knowledge-base word: 博士后 -> 博士,
    # 总部企业 -> 企业 (see narrower_things).
    narrower: dict[str, str] = field(default_factory=dict)
    # Places and organisations the question names and the knowledge base never does (香港).
    unheard: tuple[str, ...] = ()
    # Question words the knowledge base holds only in pieces (利润 and 总额, never 利润总额).
    pieced: frozenset[str] = frozenset()

    @property
    def strict_alternatives(self) -> dict[str, Mapping]:
        """The stand-ins that may make a passage relevant (the alternatives themselves when all may)."""
        if not any(m.how in LOOSE for m in self.alternatives.values()):
            return self.alternatives
        return {t: m for t, m in self.alternatives.items() if m.how not in LOOSE}


@dataclass(frozen=True)
class Compound:
    """A noun compound of the question (实用新型专利: modifier 实用新型, head 专利) with the documents
    whose text names the modifier or a stand-in of it (None: too many to list, as for 企业)."""

    modifier: str
    head: str
    sources: frozenset[str] | None


@dataclass
class SearchResult:
    question: str
    normalized: str
    passages: list[Passage]
    refusal: Refusal | None = None
    missing_years: list[str] = field(default_factory=list)  # with Refusal.YEAR_NOT_COVERED
    query_terms: list[str] = field(default_factory=list)
    term_weights: dict[str, float] = field(default_factory=dict)
    chinese: bool = True
    years: list[str] = field(default_factory=list)
    alternatives: dict[str, Mapping] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    narrower: dict[str, str] = field(default_factory=dict)
    unheard: tuple[str, ...] = ()
    pieced: frozenset[str] = frozenset()
    # Short forms the fetched passages define, per source document (首贷户 -> 首次获得银行贷款的企业):
    # a sentence of that document using one is read with what it stands for.
    short_forms: dict[str, dict[str, str]] = field(default_factory=dict)
    # The question's noun compounds whose modifier some document names (see HybridSearcher._compounds).
    compounds: tuple[Compound, ...] = ()

    @property
    def relevant(self) -> bool:
        return self.refusal is None


class HybridSearcher:
    """Searches one knowledge base; safe to share between threads."""

    def __init__(self, kb: str | None = None, settings: Settings | None = None,
                 tunables: SearchTunables = DEFAULT.search) -> None:
        self.settings = settings or get_settings()
        self.tunables = tunables
        self.kb = validate_kb_name(self.settings.default_kb if kb is None else kb)
        self.embeddings = get_embeddings(self.settings.embedding, self.settings.embed_batch)
        self._store: KnowledgeBase = open_for_model(self.kb, self.settings)
        self._cache_dir = self.settings.kb_dir(self.kb) / "keyword"
        self._lock = threading.Lock()
        self._snapshot = load_snapshot(self._store, self._cache_dir)
        self._checked = time.monotonic()
        self._reloading: threading.Thread | None = None
        self._sources_cache: dict[tuple[str, tuple[str, ...]], frozenset[str] | None] = {}

    @property
    def size(self) -> int:
        return self._snapshot.size

    def variant(self, candidates: int | None = None, min_relevance: float | None = None,
                tunables: SearchTunables | None = None) -> HybridSearcher:
        """This searcher with other candidate count, relevance threshold or tunables, for one test (hit
        testing): it shares the loaded index, store and model, and changes nothing for other questions."""
        self._current()  # a knowledge base changed since the last question is picked up first
        other = copy.copy(self)
        changes = {name: value for name, value in (("candidates", candidates), ("min_relevance", min_relevance))
                   if value is not None}
        other.settings = dataclasses.replace(self.settings, **changes)
        other.tunables = tunables or self.tunables
        other._checked = float("inf")  # never reloads on its own: the shared searcher does that
        return other

    # ----------------------------------------------------------------- keeping up with the store

    def _current(self) -> KeywordSnapshot:
        """The keyword snapshot, reloaded when another process changed the knowledge base."""
        now = time.monotonic()
        if now - self._checked >= self.tunables.version_check_seconds:
            with self._lock:
                if now - self._checked >= self.tunables.version_check_seconds and self._reloading is None:
                    self._checked = now
                    self._follow_version()
        return self._snapshot

    def _follow_version(self) -> None:
        version = self._store.version()  # read fresh, by name: a rebuild replaces the collection
        self._store.check_model(model_id_for(self.settings.embedding))
        if version == self._snapshot.version:
            return
        if self._snapshot.size <= self.tunables.inline_reload_max:
            self._snapshot = load_snapshot(self._store, self._cache_dir, version)
        else:
            self._reloading = threading.Thread(target=self._reload, args=(self._store,),
                                               name=f"reload-{self.kb}", daemon=True)
            self._reloading.start()

    def _reload(self, store: KnowledgeBase) -> None:
        try:
            self._snapshot = load_snapshot(store, self._cache_dir)
        except Exception:  # keep answering from the previous version; the next check retries
            log.exception("知识库 %s 的关键词索引重建失败", self.kb)
        finally:
            self._reloading = None

    # ----------------------------------------------------------------- search, by phase

    def search(self, question: str, k: int | None = None) -> SearchResult:
        """Rank passages for ``question`` and judge whether any is relevant enough to answer from."""
        k = k or self.settings.top_k
        snapshot = self._current()
        query = analyse(question, snapshot.keyword, snapshot.vocabulary, self.tunables.unknown_weight)
        if not snapshot.ids:
            return _result_of(query, [], Refusal.EMPTY_KNOWLEDGE_BASE)
        fusion = self._fuse(query, snapshot)
        fused = fusion.fused
        depth = max(k + self.tunables.fetch_margin, self.tunables.rerank_depth if self.tunables.coverage_weight else 0)
        # Only the candidates that can still reach the top k are read from the store (all of them when
        # a passage of the asked year, or one defining the asked term, moves up from anywhere).
        term = defined_term(query.normalized)
        fetched = self._store.fetch([cid for cid, _ in (fused if query.years or term else fused[:depth])])
        texts = SearchTexts(fetched)
        query = with_abbreviations(query, texts, snapshot.keyword, snapshot.vocabulary, self.tunables.unknown_weight)
        # Coverage for the candidates the re-ranking weighs; _passages adds it for any other that is shown.
        covered = {cid: _coverage_of(query, texts[cid]) for cid, _ in fused[:depth] if cid in fetched}
        if self.tunables.coverage_weight:
            fused = rerank_by_coverage(fused, covered, depth, self.tunables.coverage_weight)
        if query.years:
            fused = prefer_asked_year(fetched, fused, query.years)
        if term:
            fused = prefer_definition(fetched, texts, fused, term)
        result = _result_of(query, self._passages(query, fused, fetched, texts, covered, k))
        result.short_forms = short_forms_by_source(fetched, texts, {p.source for p in result.passages})
        result.compounds = self._compounds(query, snapshot, fetched)
        raw = dict(fusion.fused)
        for p in result.passages:
            p.bm25, p.dense, p.fused = fusion.bm25.get(p.id), fusion.dense.get(p.id), raw.get(p.id, 0.0)
        result.refusal, result.missing_years = self._judge(query, result.passages, snapshot.keyword)
        return result

    def _fuse(self, query: Query, snapshot: KeywordSnapshot) -> Fusion:
        """BM25 and dense candidates, fused by reciprocal rank."""
        n = min(self.settings.candidates, len(snapshot.ids))
        keyword_hits = [(snapshot.ids[row], score)
                        for row, score in snapshot.keyword.search(expand_synonyms(query.tokens), n)]
        dense_hits = self._store.dense_query(self.embeddings.embed_query(query.question), n)
        fused = reciprocal_rank_fusion([[cid for cid, _ in keyword_hits], [cid for cid, _ in dense_hits]],
                                       k=self.tunables.rrf_k)
        return Fusion(fused, _signals(keyword_hits), _signals(dense_hits))

    def _passages(self, query: Query, fused: list, fetched: dict[str, StoredChunk], texts: SearchTexts,
                  covered: dict[str, float], k: int) -> list[Passage]:
        # The asked year's passages come first, so the best score need not be the first one.
        best_possible = max((score for _, score in fused), default=1.0)
        # Loose stand-ins (meaning.LOOSE) rank passages but do not make one relevant.
        strict = query.strict_alternatives
        gate = query if strict is query.alternatives else dataclasses.replace(query, alternatives=strict)
        passages: list[Passage] = []
        for cid, score in fused:
            if len(passages) == k:
                break
            if cid not in fetched:  # deleted since the keyword index was built
                continue
            p = _passage(fetched[cid])
            p.rank, p.score = len(passages) + 1, round(score / best_possible, 4) if best_possible > 0 else 0.0
            if cid not in covered:  # a passage of the asked year from below the re-ranked depth
                covered[cid] = _coverage_of(query, texts[cid])
            p.coverage = round(covered[cid], 4)
            # Lexical coverage, not the dense score, decides relevance: e5 gives unrelated
            # Chinese questions about the same cosine as related ones (measured on seed.jsonl).
            p.relevance = p.coverage if gate is query else round(_coverage_of(gate, texts[cid]), 4)
            passages.append(p)
        return passages

    def _compounds(self, query: Query, snapshot: KeywordSnapshot, fetched: dict[str, StoredChunk]) -> tuple[Compound, ...]:
        """The question's noun compounds whose modifier the knowledge base holds, each with the documents
        that name the modifier (or a stand-in of it). A figure of 专利 quoted from a document that never
        says 实用新型 is a figure of another kind of 专利 (发明专利) than the one asked about. A modifier
        no document holds is narrower_things' case."""
        if not query.chinese or not asked(query.normalized).numeric:  # only a figure belongs to one kind
            return ()
        found = []
        for modifier, head in noun_compounds(query.normalized):
            if len(modifier) < 2 or len(head) < 2 or not snapshot.keyword.df(modifier):
                continue
            mapping = query.alternatives.get(modifier)
            words = (modifier, *(mapping.alternatives if mapping else ()))
            found.append(Compound(modifier, head, self._sources_naming(words, snapshot, fetched)))
        return tuple(found)

    def _sources_naming(self, words: tuple[str, ...], snapshot: KeywordSnapshot,
                        fetched: dict[str, StoredChunk]) -> frozenset[str] | None:
        """The documents holding any of ``words`` (None when more passages hold them than are worth
        reading), cached per knowledge-base version."""
        key = (snapshot.version, words)
        if key in self._sources_cache:
            return self._sources_cache[key]
        sources = None
        if sum(snapshot.keyword.df(w) for w in words) <= self.tunables.compound_sources_rows:
            ids = [snapshot.ids[row] for w in words for row in snapshot.keyword.rows_with(w)]
            chunks = {cid: fetched[cid] for cid in ids if cid in fetched}
            chunks.update(self._store.fetch([cid for cid in set(ids) if cid not in chunks]))
            sources = frozenset(c.meta.get("source", "") for c in chunks.values())
        if len(self._sources_cache) >= CACHE_WORDS:
            self._sources_cache.clear()
        self._sources_cache[key] = sources
        return sources

    def _judge(self, query: Query, passages: list[Passage], keyword: KeywordIndex) -> tuple[Refusal | None, list[str]]:
        """A year no document mentions, or too little of the question covered: refuse."""
        missing_years = [y for y in query.years if keyword.idf(y) >= keyword.idf("")]
        if missing_years:
            return Refusal.YEAR_NOT_COVERED, missing_years
        if max((p.relevance for p in passages), default=0.0) < self.settings.min_relevance:
            return Refusal.NOTHING_RELEVANT, []
        return None, []


def _dictionary_phrases(words: list[str], missed: set[str], vocabulary: VocabularyMap) -> list[Mapping]:
    """Runs of two or three consecutive words the glossary lacks that the dictionary renders as one
    ("phone number" -> 电话, "office hours" -> 办公时间), with their renderings; longest first, left to
    right."""
    phrases, i = [], 0
    while i < len(words):
        for size in (3, 2):
            run = words[i:i + size]
            renderings = vocabulary.english(" ".join(run)) if len(run) == size and all(w in missed for w in run) else []
            if renderings:
                phrases.append(Mapping(" ".join(run), tuple(renderings), "english"))
                i += size
                break
        else:
            i += 1
    return phrases


def analyse(question: str, keyword: KeywordIndex, vocabulary: VocabularyMap, unknown_weight: float) -> Query:
    """Normalise the question, find its content words (through the glossary and CC-CEDICT for English)
    and the knowledge-base words that stand for the ones it lacks (retrieval.meaning)."""
    normalized = normalize_text(question)
    chinese = is_mostly_chinese(normalized)
    alternatives: dict[str, Mapping] = {}
    if chinese:
        query_terms = [t for t in terms(normalized, normalized=True) if t not in QUESTION_WORDS]
        query_tokens = tokenize(normalized, normalized=True)
    else:
        missed: list[str] = []
        query_terms, _, _ = english_terms(normalized, missed)
        # Words the glossary lacks go through the dictionary, phrases first ("phone number" is 电话,
        # "phone" alone 致电); each stays one question word whose Chinese renderings stand in for it. A
        # word found in neither stays a question word that nothing matches, weighed like an unknown
        # Chinese word, so both languages follow one rule.
        for phrase in _dictionary_phrases(english_words(normalized), set(missed), vocabulary):
            alternatives[phrase.word] = phrase
            query_terms.append(phrase.word)
            missed = [w for w in missed if w not in phrase.word.split()]
        for word in dict.fromkeys(missed):
            renderings = vocabulary.english(word) if len(word) > 2 else []
            if renderings:
                alternatives[word] = Mapping(word, tuple(renderings), "english")
            query_terms.append(word)
        query_tokens = tokenize(" ".join(t for t in query_terms if t not in missed), normalized=True)
    for t in query_terms:
        mapping = None if t in alternatives else vocabulary.map_word(t)
        if mapping is not None:
            alternatives[t] = mapping
    for mapping in alternatives.values():
        query_tokens += [a for a in mapping.alternatives if a not in query_tokens]
    weights = {t: _weight(keyword, vocabulary, t, alternatives, unknown_weight) for t in query_terms}
    unknown = frozenset(t for t in query_terms if not vocabulary.known_in_parts(t)
                        and (t not in alternatives or alternatives[t].confidence < TRUSTED))
    unheard = tuple(n for n in place_names(normalized) if n in unknown and n not in alternatives) if chinese else ()
    pieced = frozenset(t for t in query_terms if t not in unknown and not vocabulary.known(t) and t not in alternatives)
    return Query(question, normalized, chinese, query_terms, query_tokens, weights, YEAR.findall(normalized),
                 alternatives, unknown, narrower_things(normalized, chinese, unknown, alternatives, vocabulary), unheard,
                 pieced)


def narrower_things(normalized: str, chinese: bool, unknown: frozenset[str], alternatives: dict[str, Mapping],
                    vocabulary: VocabularyMap) -> dict[str, str]:
    """What the question names that is narrower than anything the knowledge base speaks of, with the
    broader knowledge-base word: a word one character longer (博士后 -> 博士), or a compound whose
    modifier the knowledge base never uses, nor any stand-in of it (总部企业 -> 企业, 候鸟工作站 ->
    工作站). Chinese compounds are right-headed, so a figure of 企业 in general is no figure of 总部企业."""
    narrower = {t: head for t in unknown if (head := vocabulary.narrows(t))}
    if unknown and chinese:
        for modifier, head in noun_compounds(normalized):
            if modifier in unknown and _unplaced(modifier, alternatives) and vocabulary.known(head):
                narrower[modifier + head] = head
    return narrower


def _unplaced(word: str, alternatives: dict[str, Mapping]) -> bool:
    """No stand-in places ``word``, or only loose ones (a dictionary gloss: 外观设计 -> 设计, 国外)."""
    return word not in alternatives or alternatives[word].how in LOOSE


def with_abbreviations(query: Query, texts: SearchTexts, keyword: KeywordIndex,
                       vocabulary: VocabularyMap, unknown_weight: float) -> Query:
    """The query with abbreviations that jieba cut apart read in the candidate passages.

    A user writes 北交所 where the documents say 北京证券交易所, and jieba cuts "冲北交所" into 冲北交 +
    所: no dictionary knows the stretch, but a candidate passage that the dense search found holds
    the phrase it shortens. The stretch replaces the unknown pieces it overlaps and the phrase stands
    for it ("passage abbreviation": found in the passages it then helps to rank, so trusted less
    than the vocabulary's own abbreviations).
    """
    if not query.chinese or not query.unknown:
        return query
    terms_now, alternatives, unknown = list(query.terms), dict(query.alternatives), set(query.unknown)
    unplaced = [t for t in query.terms if t in query.unknown and t not in query.alternatives]
    stretches = abbreviation_stretches(query.normalized, unplaced)
    candidates = texts.all() if stretches else []
    read: list[Stretch] = []
    for stretch in stretches:
        if any(stretch.overlap(other.text, query.normalized) >= 2 for other in read):
            continue  # 北交所上 once 北交所 is read
        phrase = expand_abbreviation(stretch.text, candidates)
        if not phrase:
            continue
        replaced = {t for t in terms_now if t in unknown and stretch.overlap(t, query.normalized) >= 2}
        terms_now = [t for t in terms_now if t not in replaced] + [stretch.text]
        unknown -= replaced
        alternatives[stretch.text] = Mapping(stretch.text, (phrase,), "passage abbreviation")
        read.append(stretch)
    if not read:
        return query
    weights = {t: query.weights.get(t) or _weight(keyword, vocabulary, t, alternatives, unknown_weight) for t in terms_now}
    return dataclasses.replace(query, terms=terms_now, weights=weights, alternatives=alternatives,
                               unknown=frozenset(unknown),
                               narrower=narrower_things(query.normalized, query.chinese, frozenset(unknown), alternatives, vocabulary),
                               unheard=tuple(n for n in query.unheard if n in unknown))


def _weight(keyword: KeywordIndex, vocabulary: VocabularyMap, term: str,
            alternatives: dict[str, Mapping], unknown_weight: float) -> float:
    """A question word's coverage weight: its IDF weight; its stand-ins' when it is no word of the
    knowledge base but has them (an English word, an abbreviation); a share of it when nothing can
    match it (老板, 从头到尾) or only loose stand-ins can (meaning.LOOSE), since its full weight would
    refuse every question asked in everyday words. Whether the asked attribute itself is missing is
    judged apart (retrieval.answer)."""
    if vocabulary.known(term):
        return keyword.term_weight(term)
    if term in alternatives and alternatives[term].how not in LOOSE:
        # A stand-in of several words (北京证券交易所: 北京 / 证券 / 交易所) weighs as its heaviest word.
        stand_in = max(keyword.term_weight(w) for a in alternatives[term].alternatives for w in terms(a, normalized=True) or [a])
        return min(keyword.term_weight(term), stand_in)
    return keyword.term_weight(term) * unknown_weight


def rerank_by_coverage(fused: list, covered: dict[str, float], depth: int, weight: float) -> list:
    """The first ``depth`` fused candidates re-ordered by their fused score (scaled so that the best
    is 1) plus ``weight`` × their coverage of the question; the rest follow in fused order."""
    head, tail = fused[:depth], fused[depth:]
    top = max((score for _, score in head), default=0.0) or 1.0
    rescored = [(cid, score / top + weight * covered.get(cid, 0.0)) for cid, score in head]
    rescored.sort(key=lambda item: -item[1])
    return rescored + [(cid, score / top) for cid, score in tail]


def _coverage_of(query: Query, text: str) -> float:
    return coverage(query.terms, query.weights, text, query.alternatives)


class SearchTexts(dict):
    """Each fetched chunk's search text (title, section path and text, normalised), made once per
    question on first use: abbreviations, the re-ranking and the relevance check all read it."""

    def __init__(self, fetched: dict[str, StoredChunk]) -> None:
        super().__init__()
        self._fetched = fetched

    def __missing__(self, cid: str) -> str:
        chunk = self._fetched[cid]
        text = self[cid] = passage_search_text(chunk.meta.get("title", ""), chunk.meta.get("section", ""), chunk.text)
        return text

    def all(self) -> list[str]:
        return [self[cid] for cid in self._fetched]


def _result_of(query: Query, passages: list[Passage], refusal: Refusal | None = None) -> SearchResult:
    """The search result for ``query`` (as the abbreviations left it), before the relevance judgement."""
    return SearchResult(query.question, query.normalized, passages, refusal=refusal, query_terms=query.terms,
                        term_weights=query.weights, chinese=query.chinese, years=query.years,
                        alternatives=query.alternatives, unknown=query.unknown, narrower=query.narrower,
                        unheard=query.unheard, pieced=query.pieced)


def prefer_asked_year(fetched: dict[str, StoredChunk], fused: list, years: list[str]) -> list:
    """Move passages whose section is about another year below the rest (order kept otherwise)."""
    def conflicts(cid: str) -> bool:
        if cid not in fetched:
            return False
        m = fetched[cid].meta
        return year_conflict(m.get("title", ""), m.get("section", ""), fetched[cid].text, years)

    return sorted(fused, key=lambda item: conflicts(item[0]))


def short_forms_by_source(fetched: dict[str, StoredChunk], texts: SearchTexts,
                          sources: set[str]) -> dict[str, dict[str, str]]:
    """The short forms that the fetched chunks of each of ``sources`` (the documents an answer may quote)
    define: a document's 本办法 or 区担保公司 is its own. Other documents' chunks are not read."""
    by_source: dict[str, list[str]] = {}
    for cid, chunk in fetched.items():
        if (source := chunk.meta.get("source", "")) in sources:
            by_source.setdefault(source, []).append(texts[cid])
    return {source: found for source, chunk_texts in by_source.items() if (found := short_forms(chunk_texts))}


def prefer_definition(fetched: dict[str, StoredChunk], texts: SearchTexts, fused: list, term: str) -> list:
    """Move the passages that define ``term`` ("本办法所称新型研发机构，是指…") to the front (order kept
    otherwise): a definition question's words ("研发投入补助办法中的…如何界定") match the passages that
    use the term as well as the one that defines it."""
    return sorted(fused, key=lambda item: not (item[0] in fetched and states_definition(term, texts[item[0]])))


def _signals(hits: list[tuple[str, float]]) -> dict[str, RankSignal]:
    return {cid: RankSignal(rank, score) for rank, (cid, score) in enumerate(hits, start=1)}


def year_conflict(title: str, section: str, text: str, years: list[str]) -> bool:
    """True when a passage's title or section is about years other than the asked ones. A table with
    a column per period (labelled cells "2023年上半年：…") is about the asked year too, and so is a
    passage naming the asked year's end ("较2023年底的1126家" in a 2024 report: a year-end figure is told
    the year after). A mere mention of the year is not enough: a plan for 2023 speaks of "2022年入学需求"."""
    years_here = context_years(title, section)
    return (bool(years_here) and not any(y in years_here for y in years) and not labels_year(text, years)
            and not any(f"{y}年底" in text or f"{y}年末" in text for y in years)
            and not recalls_year(text, years_here, years))


def _passage(chunk: StoredChunk) -> Passage:
    m = chunk.meta
    section = m.get("section", "")
    if m.get("page"):  # PDFs: citations name the page
        section = f"{section} · 第{m['page']}页" if section else f"第{m['page']}页"
    return Passage(id=chunk.id, text=chunk.text, source=m.get("source", ""), title=m.get("title", ""),
                   section=section, start=int(m.get("start", 0)), end=int(m.get("end", 0)))


def coverage(query_terms: list[str], weights: dict[str, float], text: str,
             alternatives: dict[str, Mapping] | None = None) -> float:
    """IDF-weighted share of the question's content words found in ``text``.

    Synonyms count whole; a word the knowledge base lacks counts as much as the meaning map
    trusts the words it found for it (``alternatives``: word -> its Mapping).
    """
    total = sum(weights.get(t, 0.0) for t in query_terms)
    if total <= 0:
        return 0.0
    alternatives = alternatives or {}
    return sum(weights.get(t, 0.0) * found_whole(t, text, alternatives) for t in query_terms) / total


def found_whole(term: str, text: str, alternatives: dict[str, Mapping]) -> float:
    """How surely ``text`` holds ``term`` whole: 1 for the word or a synonym of synonyms.txt, the
    meaning map's confidence for one of its stand-ins, 0 for none."""
    if term in text or any(alt in text for alt in synonym_groups().get(term, ())):
        return 1.0
    mapping = alternatives.get(term)
    return mapping.confidence if mapping is not None and any(alt in text for alt in mapping.alternatives) else 0.0
