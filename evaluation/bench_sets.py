"""The bench folders the fitting scripts read (../shared/bench/*: questions.jsonl + corpus/), and the one
rule that splits each set into the part fitted on and the part held out."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

HELD_OUT_SHARE = 3  # tenths of each set kept out of fitting


def held_out(set_name: str, question_id: str) -> bool:
    return zlib.crc32(f"{set_name}/{question_id}".encode()) % 10 < HELD_OUT_SHARE


def bench_searcher(set_dir: Path, settings, tunables=None):
    """A searcher over ``set_dir``'s corpus, ingested (incrementally) into a knowledge base named after it,
    and the set's questions."""
    from evaluation.__main__ import kb_name_for
    from evaluation.question_sets import read_question_set
    from ingest.sync import sync_knowledge_base
    from retrieval.hybrid import HybridSearcher
    from retrieval.tunables import DEFAULT

    corpus = set_dir / "corpus"
    kb = kb_name_for(corpus)
    print(sync_knowledge_base([corpus], kb=kb, settings=settings).summary(), file=sys.stderr)
    searcher = HybridSearcher(kb, settings, tunables or DEFAULT.search)
    return searcher, read_question_set(set_dir / "questions.jsonl").questions
