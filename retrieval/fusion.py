"""Reciprocal rank fusion of several ranked lists (Cormack et al., k=60)."""

from __future__ import annotations

from typing import Hashable, Sequence

RRF_K = 60  # the default; retrieval.tunables.SearchTunables.rrf_k is what search uses


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hashable]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[Hashable, float]]:
    """Fuse best-first lists of ids; returns (id, score) best first, ties kept in first-seen order."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
