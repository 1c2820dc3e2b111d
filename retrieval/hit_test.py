"""Hit testing (命中测试): why a question finds the passages it finds.

One question is searched as the assistant searches it, optionally with another top-k, candidate count or
relevance threshold for this test only, and the search result is laid open: each passage's BM25 and dense
rank and score, its fused score, whether it is relevant enough and why, and the sentences the answer
quotes from it. The same JSON is the web tab's content and ``POST /api/search``'s body (ARCHITECTURE.md).
Nothing is recomputed here: the numbers are those the search itself used (``retrieval.hybrid``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from errors import QuestionError
from retrieval.answer import compose_answer
from retrieval.hybrid import Passage, RankSignal, SearchResult
from retrieval.schema import AnswerResult, Refusal

# Bounds of the settings a test may change (the same bounds as the API's k).
K_RANGE = (1, 50)
CANDIDATES_RANGE = (1, 500)


class Decision(Enum):
    """Whether the question is answered from the passages, and on what grounds."""

    RELEVANT = "relevant"  # a passage covers enough of the question: answered
    REFUSED = "refused"  # searched, then refused (see the refusal)


# Why a search or an answer was refused, for the admin who tests it.
REFUSAL_REASONS = {
    Refusal.EMPTY_KNOWLEDGE_BASE: "知识库中没有任何片段。",
    Refusal.NOTHING_RELEVANT: "没有片段覆盖足够多的问题关键词（最高覆盖率低于相关度阈值）。",
    Refusal.YEAR_NOT_COVERED: "问题中的年份在已收录的文件中从未出现。",
    Refusal.ATTRIBUTE_MISSING: "找到了相关主题，但摘录的句子中没有所问的内容（如年份、金额、数量）。",
    Refusal.MODEL_REFUSED: "大模型认为资料不足以回答。",
    Refusal.EMPTY_QUESTION: "问题为空。",
}


@dataclass(frozen=True)
class HitTestSettings:
    """The settings of one test; None = the app's own."""

    k: int | None = None
    candidates: int | None = None
    min_relevance: float | None = None

    def check(self) -> None:
        if self.k is not None and not K_RANGE[0] <= self.k <= K_RANGE[1]:
            raise QuestionError(f"k 应在 {K_RANGE[0]} 到 {K_RANGE[1]} 之间。")
        if self.candidates is not None and not CANDIDATES_RANGE[0] <= self.candidates <= CANDIDATES_RANGE[1]:
            raise QuestionError(f"候选数应在 {CANDIDATES_RANGE[0]} 到 {CANDIDATES_RANGE[1]} 之间。")
        if self.min_relevance is not None and not 0.0 <= self.min_relevance <= 1.0:
            raise QuestionError("相关度阈值应在 0 到 1 之间。")


def _signal(signal: RankSignal | None) -> dict[str, Any] | None:
    return None if signal is None else {"rank": signal.rank, "score": round(float(signal.score), 4)}


def _passage_reason(p: Passage, threshold: float) -> tuple[bool, str]:
    enough = p.relevance >= threshold
    verb = "不低于" if enough else "低于"
    return enough, f"覆盖问题关键词 {p.relevance:.0%}，{verb}阈值 {threshold:.0%}"


def _quotes_by_passage(answer: AnswerResult) -> dict[str, list[str]]:
    """The sentences the answer quotes, keyed by passage text (citations carry the passage text)."""
    quotes: dict[str, list[str]] = {}
    for c in answer.citations:
        quotes.setdefault(c.text, []).extend(c.quotes)
    return quotes


def explain(result: SearchResult, answer: AnswerResult, k: int, candidates: int, threshold: float,
            kb: str, elapsed_ms: float) -> dict[str, Any]:
    """The hit-test JSON of a search result and the answer composed from it."""
    quotes = _quotes_by_passage(answer)
    passages = []
    for p in result.passages:
        relevant, reason = _passage_reason(p, threshold)
        passages.append({
            "rank": p.rank, "source": p.source, "section": p.section, "text": p.text,
            "bm25": _signal(p.bm25), "dense": _signal(p.dense),
            "fused": {"score": round(p.fused, 6), "scaled": p.score},
            "coverage": p.coverage, "relevant": relevant, "reason": reason,
            "answer_sentences": quotes.get(p.text, []),
        })
    refusal = result.refusal or (answer.refusal if answer.refused else None)
    if refusal is None:
        reason = f"最相关的片段覆盖问题关键词 {max((p.relevance for p in result.passages), default=0):.0%}，" \
                 f"不低于阈值 {threshold:.0%}，据此作答。"
    else:
        reason = REFUSAL_REASONS.get(refusal, refusal.value)
        if result.missing_years:
            reason += f"（{'、'.join(result.missing_years)}年）"
    return {
        "question": result.question,
        "kb": kb,
        "settings": {"k": k, "candidates": candidates, "min_relevance": threshold},
        "decision": {"decision": (Decision.RELEVANT if refusal is None else Decision.REFUSED).value,
                     "refusal": refusal.value if refusal else None, "reason": reason,
                     "missing_years": list(result.missing_years)},
        "query": {"terms": list(result.query_terms),
                  "weights": {t: round(w, 4) for t, w in result.term_weights.items()},
                  "unknown": sorted(result.unknown)},
        "answer": {"text": answer.answer, "refused": answer.refused,
                   "sentences": [q for c in answer.citations for q in c.quotes]},
        "passages": passages,
        "timings_ms": {"total": round(elapsed_ms, 2)},
    }


def hit_test(assistant, question: str, kb: str | None = None,
             test: HitTestSettings = HitTestSettings()) -> dict[str, Any]:
    """Search ``question`` in ``kb`` with the test's settings and explain the result (see ``explain``).

    ``assistant`` is a ``retrieval.ask.Assistant``: its searcher (loaded index and model) is shared, its
    settings are changed for this call only (``HybridSearcher.variant``). Extractive answer only: the test
    is about retrieval, and a language model would make it slow and costly.
    """
    question = (question or "").strip()
    if not question:
        raise QuestionError("问题不能为空，请输入要查询的内容。")
    test.check()
    searcher = assistant.searcher(kb)
    settings = assistant.settings
    k = test.k or settings.top_k
    candidates = test.candidates or settings.candidates
    threshold = settings.min_relevance if test.min_relevance is None else test.min_relevance
    started = time.perf_counter()
    variant = searcher.variant(candidates=candidates, min_relevance=threshold)
    result = variant.search(question[: settings.max_question_chars], k)
    answer = compose_answer(result, assistant.tunables.answer)
    return explain(result, answer, k, candidates, threshold, searcher.kb, (time.perf_counter() - started) * 1000)
