"""BM25 over jieba tokens (bm25s), with document frequencies for coverage weights.

The tokens come from Chroma (stored with each chunk at ingestion), so building
the index needs no tokenising; a built index is saved and memory-mapped on load.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import bm25s
import jieba
import numpy as np


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    """IDF of words in general Chinese text (the table shipped with jieba.analyse)."""
    # Found by path: importing jieba.analyse would load its POS tagger too (~0.6 s at start-up).
    path = Path(jieba.__file__).with_name("analyse") / "idf.txt"
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    median = sorted(table.values())[len(table) // 2]
    return table, median


def general_idf(token: str) -> float:
    """How informative a word is in Chinese at large; unknown words count as rare."""
    table, median = _general_idf()
    return table.get(token, median)


class KeywordIndex:
    """BM25 over token lists, savable to a folder (memory-mapped when loaded)."""

    def __init__(self, bm25: bm25s.BM25 | None) -> None:
        self._bm25 = bm25
        self.size = int(bm25.scores["num_docs"]) if bm25 else 0
        self._vocab: dict[str, int] = bm25.vocab_dict if bm25 else {}
        # Document frequency of each token = its column length in bm25s's CSC matrix.
        self._df_by_id = np.diff(np.asarray(bm25.scores["indptr"])) if bm25 else np.zeros(0, dtype=int)

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> "KeywordIndex":
        """Index already-tokenised passages (see text.normalize.passage_tokens)."""
        if not any(corpus_tokens):
            return cls(None)
        bm25 = bm25s.BM25()
        bm25.index(corpus_tokens, show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        if not (folder / "params.index.json").exists():  # an empty knowledge base saves no matrix
            return cls(None)
        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False))

    def vocabulary(self) -> list[str]:
        """Every token of the indexed passages."""
        return list(self._vocab)

    def df(self, token: str) -> int:
        """In how many passages ``token`` occurs."""
        tid = self._vocab.get(token)
        return int(self._df_by_id[tid]) if tid is not None and tid < len(self._df_by_id) else 0

    def rows_with(self, token: str) -> list[int]:
        """The rows (passages) that hold ``token``: its column of bm25s's CSC matrix."""
        tid = self._vocab.get(token)
        if tid is None or tid >= len(self._df_by_id):
            return []
        indptr = self._bm25.scores["indptr"]
        return [int(r) for r in self._bm25.scores["indices"][indptr[tid]:indptr[tid + 1]]]

    def idf(self, token: str) -> float:
        """Inverse document frequency; a token absent from the corpus gets the highest weight."""
        df = self.df(token)
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def term_weight(self, token: str) -> float:
        """Weight of a question word for coverage: informative in the language and rare in this corpus."""
        return general_idf(token) * self.idf(token) / self.idf("")

    def search(self, query_tokens: list[str], n: int) -> list[tuple[int, float]]:
        """Top ``n`` (row, score) pairs with a positive score, best first."""
        known = [t for t in query_tokens if self.df(t)]
        if not self.size or not known:
            return []
        scores = self._bm25.get_scores(known)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
