"""BM25 over jieba tokens (bm25s), with document frequencies for coverage weights."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path

import bm25s
import jieba.analyse
import numpy as np

from retrieval.normalize import tokenize


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    """IDF of words in general Chinese text (the table shipped with jieba.analyse)."""
    path = Path(jieba.analyse.__file__).with_name("idf.txt")
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
    """An in-memory BM25 index over already-normalised texts."""

    def __init__(self, normalized_texts: list[str]) -> None:
        corpus_tokens = [tokenize(t, normalized=True) for t in normalized_texts]
        self.size = len(corpus_tokens)
        self._df: Counter[str] = Counter()
        for toks in corpus_tokens:
            self._df.update(set(toks))
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index(corpus_tokens, show_progress=False)

    def idf(self, token: str) -> float:
        """Inverse document frequency; a token absent from the corpus gets the highest weight."""
        df = self._df.get(token, 0)
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def term_weight(self, token: str) -> float:
        """Weight of a question word for coverage: informative in the language and rare in this corpus."""
        return general_idf(token) * self.idf(token) / self.idf("")

    def search(self, query_tokens: list[str], n: int) -> list[tuple[int, float]]:
        """Top ``n`` (row, score) pairs with a positive score, best first."""
        if not self.size or not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
