"""Fit the coverage re-ranking of retrieval (SearchTunables.rerank_depth, coverage_weight).

    python -m evaluation.fit_rerank SET_DIR... [--json]

Each SET_DIR holds ``questions.jsonl`` and ``corpus/`` (the layout of ../shared/bench/*); the corpus is
ingested (incrementally) into a knowledge base named after the set, under ``$ZONEQA_DATA``.

Each question is searched once, without re-ranking, for its first 50 fused candidates with their
fused scores and coverage; every setting of the grid then re-orders those lists as the searcher
would (retrieval.hybrid.rerank_by_coverage, then the asked year first) and is scored by the rank of
the first passage holding the question's evidence. The setting with the best mean MRR over the sets,
on the questions fitted on (about 70 % of each set, by a hash of the id; the rest held out as in
evaluation.bench_sets), is printed with hit@1/3/5 and MRR on both parts.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

DEPTHS = (10, 20, 30, 50)
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
POOL = 50


@dataclass(frozen=True)
class Candidates:
    """One question's first fused candidates: (holds evidence, fused score, coverage, year conflict)."""

    set_name: str
    held_out: bool
    rows: tuple[tuple[bool, float, float, bool], ...]


def collect(set_dir: Path, settings) -> list[Candidates]:
    from evaluation.bench_sets import bench_searcher, held_out
    from evaluation.metrics import contains_any
    from retrieval.hybrid import year_conflict
    from retrieval.tunables import DEFAULT

    searcher, questions = bench_searcher(set_dir, settings, replace(DEFAULT.search, coverage_weight=0.0))
    out = []
    for q in questions:
        if not q.answerable or not q.evidence:
            continue
        result = searcher.search(q.question, k=POOL)
        rows = tuple((contains_any(p.text, q.evidence), p.score, p.coverage,
                      bool(result.years) and year_conflict(p.title, p.section, p.text, result.years))
                     for p in result.passages)
        out.append(Candidates(set_dir.name, held_out(set_dir.name, q.id), rows))
    return out


def evidence_rank(c: Candidates, depth: int, weight: float) -> int | None:
    """The evidence's rank after re-ranking ``c`` as HybridSearcher.search does."""
    order = list(range(len(c.rows)))
    if weight:
        head = sorted(order[:depth], key=lambda i: -(c.rows[i][1] + weight * c.rows[i][2]))
        order = head + order[depth:]
    order.sort(key=lambda i: c.rows[i][3])  # stable: the asked year first, re-ranked order kept
    return next((rank for rank, i in enumerate(order, 1) if c.rows[i][0]), None)


def measures(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {"n": len(ranks),
            **{f"hit@{k}": round(sum(r is not None and r <= k for r in ranks) / n, 4) for k in (1, 3, 5)},
            "mrr": round(sum(1 / r for r in ranks if r is not None and r <= 5) / n, 4)}


def main(argv: list[str] | None = None) -> int:
    from settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m evaluation.fit_rerank",
                                     description="拟合检索的覆盖度重排参数（rerank_depth、coverage_weight）")
    parser.add_argument("sets", type=Path, nargs="+", help="题集文件夹（含 questions.jsonl 与 corpus/）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    args = parser.parse_args(argv)
    settings = get_settings()
    data = [c for d in args.sets for c in collect(d, settings)]
    sets = sorted({c.set_name for c in data})

    def table(depth: int, weight: float) -> dict:
        return {s: {part: measures([evidence_rank(c, depth, weight) for c in data
                                    if c.set_name == s and c.held_out == (part == "held_out")])
                    for part in ("fitted", "held_out")} for s in sets}

    grid = {(d, w): table(d, w) for d in DEPTHS for w in WEIGHTS}
    best = max(grid, key=lambda key: sum(grid[key][s]["fitted"]["mrr"] for s in sets))
    out = {"best": {"rerank_depth": best[0], "coverage_weight": best[1]}, "with_best": grid[best],
           "without": grid[(DEPTHS[0], 0.0)],
           "grid": {f"{d}/{w}": {s: grid[(d, w)][s]["fitted"]["mrr"] for s in sets} for d, w in grid}}
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
