"""The BM25 side at scale: tokens stored in Chroma, a per-version local cache, background reloads."""

import json
import time
from pathlib import Path

from tests.conftest import use_env

POLICY = "一、研发补助\n对新认定的高新技术企业，最高补助50万元。\n二、人才奖励\n按实际投入的30%给予奖励，不超过200万元。\n"
EXTRA = "一、候鸟计划\n候鸟工作站每年接待外地专家。\n"


def _kb(tmp_path: Path, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from ingest.sync import sync_knowledge_base

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "policy.txt").write_text(POLICY, encoding="utf-8")
    sync_knowledge_base([docs], progress=False)
    return docs


def _store():
    from settings import get_settings
    from store import open_knowledge_base

    s = get_settings()
    return open_knowledge_base(s.default_kb, s)


def _keyword_finds(searcher, question: str) -> bool:
    """True when the BM25 side alone finds ``question``'s words in the searcher's snapshot."""
    from text.normalize import tokenize

    return bool(searcher._current().keyword.search(tokenize(question), 5))


def test_tokens_are_stored_with_each_chunk_and_the_index_is_cached_per_version(tmp_path, monkeypatch):
    docs = _kb(tmp_path, monkeypatch)
    from ingest.sync import sync_knowledge_base
    from retrieval.hybrid import HybridSearcher
    from settings import get_settings
    from store import TOKENS_KEY, StoredChunk
    from text.normalize import passage_tokens

    store = _store()
    for _, text, meta in store.chunks():
        assert meta[TOKENS_KEY].split(" ") == passage_tokens(meta["title"], meta["section"], text)

    first = HybridSearcher()
    version = store.version()
    cache = get_settings().kb_dir("default") / "keyword"
    assert [p.name for p in cache.iterdir()] == [version]
    assert _keyword_finds(first, "高新技术企业最高补助多少")

    # Spoil the stored tokens without a new version: a second searcher still finds the passage,
    # so its keyword index came from the cache, not from Chroma.
    store.update_metadata([StoredChunk(c.id, c.text, {**c.meta, TOKENS_KEY: "无关"}) for c in store.chunks()])
    assert _keyword_finds(HybridSearcher(), "高新技术企业最高补助多少")

    # A new version gets its own cache folder; the old one is removed.
    (docs / "extra.txt").write_text(EXTRA, encoding="utf-8")
    sync_knowledge_base([docs], progress=False)
    HybridSearcher()
    assert [p.name for p in cache.iterdir()] == [_store().version()]


def test_a_broken_cache_is_rebuilt_from_chroma(tmp_path, monkeypatch):
    _kb(tmp_path, monkeypatch)
    from retrieval.hybrid import HybridSearcher
    from settings import get_settings

    HybridSearcher()
    (folder,) = (get_settings().kb_dir("default") / "keyword").iterdir()
    (folder / "ids.json").write_text("{not json", encoding="utf-8")
    result = HybridSearcher().search("研发补助最高多少")
    assert result.relevant and "50万元" in result.passages[0].text
    assert len(json.loads((folder / "ids.json").read_text(encoding="utf-8"))) == HybridSearcher().size > 0


def test_tokens_made_by_another_dictionary_are_redone(tmp_path, monkeypatch):
    docs = _kb(tmp_path, monkeypatch)
    from ingest.sync import knowledge_base_is_current, sync_knowledge_base
    from retrieval.hybrid import HybridSearcher
    from store import TOKENS_KEY, StoredChunk
    from text.normalize import tokenizer_id

    store = _store()
    # As if an older user dictionary had made these tokens.
    store.update_metadata([StoredChunk(c.id, c.text, {**c.meta, TOKENS_KEY: "旧词"}) for c in store.chunks()])
    collection = store._collection
    collection.modify(metadata={**collection.metadata, "zoneqa_tokenizer": "old", "zoneqa_version": "v-old"})

    # The searcher does not trust them: it tokenises the texts itself.
    assert _keyword_finds(HybridSearcher(), "高新技术企业最高补助多少")
    # The next ingestion run writes fresh tokens back, without re-embedding anything.
    assert not knowledge_base_is_current("default", [docs])
    report = sync_knowledge_base([docs], progress=False)
    assert report.chunks_written == 0
    store = _store()
    assert store.tokens_current() and store._collection.metadata["zoneqa_tokenizer"] == tokenizer_id()
    assert all(m[TOKENS_KEY] != "旧词" for _, _, m in store.chunks())
    assert knowledge_base_is_current("default", [docs])


def test_large_knowledge_bases_reload_in_the_background(tmp_path, monkeypatch):
    docs = _kb(tmp_path, monkeypatch)
    from ingest.sync import sync_knowledge_base
    from retrieval.hybrid import HybridSearcher
    from retrieval.tunables import SearchTunables

    # Treat this small base as a large one, and check the version on every question.
    searcher = HybridSearcher(tunables=SearchTunables(inline_reload_max=0, version_check_seconds=0.0))
    before = searcher.size
    (docs / "extra.txt").write_text(EXTRA, encoding="utf-8")
    sync_knowledge_base([docs], progress=False)

    # Questions keep being answered while the new keyword index builds; then it takes over.
    deadline = time.monotonic() + 30
    while searcher.size == before and time.monotonic() < deadline:
        assert searcher.search("研发补助最高多少").relevant
        time.sleep(0.05)
    assert searcher.size > before
    hit = searcher.search("候鸟工作站接待谁")
    assert hit.relevant and "候鸟" in hit.passages[0].text and _keyword_finds(searcher, "候鸟工作站接待谁")
