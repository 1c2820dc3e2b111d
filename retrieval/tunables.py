"""Every scoring weight and threshold of retrieval and answering, in one place.

They are tuned on evaluation/questions/seed.jsonl and the policy-dev and
cmrc2018 sets (README, Evaluation); change them only with those numbers in
hand. Each is passed in (``HybridSearcher(tunables=…)``, ``compose_answer(…,
weights=…)``) rather than read from module globals, so an experiment can try
other values without patching modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A cited passage whose relevance (question coverage) is below this is shown with a
# "相关度较低" mark and a notice to check the source.
LOW_RELEVANCE = 0.5


@dataclass(frozen=True)
class SearchTunables:
    """Retrieval: fusion, candidate reads, index reloads."""

    rrf_k: int = 60  # reciprocal rank fusion constant (Cormack et al.)
    # Candidates read from Chroma beyond the top k (only those can still reach it).
    fetch_margin: int = 5
    # How often a searcher checks the store's version (seconds).
    version_check_seconds: float = 2.0
    # Up to this many chunks a changed knowledge base is reloaded before the question that noticed
    # the change is answered (well under a second); larger ones reload in the background while
    # questions are answered from the previous version.
    inline_reload_max: int = 20_000
    # A question word no passage holds and the meaning map cannot place weighs this share of its
    # IDF weight in coverage (0.3, 0.5 and 1.0 tried on policy-dev; refusals unchanged, answers up).
    unknown_weight: float = 0.3
    # The fused candidates down to this rank are read from the store and re-ranked by fused score
    # plus coverage_weight × their coverage of the question (the share of its words they hold, meaning
    # map included): BM25 and e5 both rank a passage holding every asked word below longer ones that
    # repeat a few of them. Fitted by ``python -m evaluation.fit_rerank`` (README, Retrieval).
    rerank_depth: int = 10
    coverage_weight: float = 0.5
    # A question compound's modifier held by more passages than this is common enough (企业, 人才) not
    # to look up which documents name it (HybridSearcher._compounds): a rare one is read from a few.
    compound_sources_rows: int = 40

    def __post_init__(self) -> None:
        if (self.rrf_k < 1 or self.fetch_margin < 0 or self.rerank_depth < 0 or self.coverage_weight < 0
                or self.version_check_seconds < 0 or self.inline_reload_max < 0):
            raise ValueError(f"无效的检索参数：{self}")


@dataclass(frozen=True)
class AnswerWeights:
    """Sentence selection for extractive answers (retrieval/answer.py)."""

    max_sentences: int = 3
    max_answer_chars: int = 200
    runner_up: float = 0.85  # a second sentence joins when it scores this close to the best
    short_sentence: int = 24  # a best sentence this short, without figures, is a lead-in: the next one joins
    topic_sentence: int = 16  # in a report full of figures, a sentence this short is a heading ("商贸大幅提升。")
    report_figures: float = 1.5  # figures per 100 characters from which a passage reads like a report
    definition_bonus: float = 0.15
    rank_bonus: float = 0.1  # for sentences of the best-ranked document, halved for the second, …
    partial_weight: float = 0.3  # a word of the question found only in part counts this much of a whole one
    cue_bonus: float = 0.05  # per kind of answer asked for (ANSWER_TYPES) that a sentence shows; a tie-breaker
    figure_bonus: float = 0.1  # a 多少 question and a sentence with a figure
    list_bonus: float = 0.03  # a 哪些 question and a sentence that enumerates
    date_bonus: float = 0.1  # a 何时 question and a sentence with a date
    kind_bonus: float = 0.1  # a sentence holding the kind of answer asked for (an amount for 多少钱)
    year_match: float = 0.15  # the passage (or sentence) is about the asked year
    year_conflict: float = -0.3  # the passage's section is about another year
    # A sentence restating the standard a document replaces (原《…》规定…), for a question not after it.
    superseded: float = -0.3  # as year_conflict: a sentence about another version
    brief_answer: int = 60  # an answer shorter than this takes the next sentence along
    # A question word this heavy (IDF weight; 高新区 weighs 0.2) that only the next sentence speaks to
    # brings that sentence along (answer._complement).
    complement_weight: float = 1.0
    explain_brief: int = 160  # the same for questions that ask to explain or list
    extend_min_coverage: float = 0.1  # past the first addition, a following sentence must cover this much

    def __post_init__(self) -> None:
        if self.max_sentences < 1 or self.max_answer_chars < 1 or not 0 < self.runner_up <= 1:
            raise ValueError(f"无效的回答参数：{self}")


@dataclass(frozen=True)
class Tunables:
    search: SearchTunables = field(default_factory=SearchTunables)
    answer: AnswerWeights = field(default_factory=AnswerWeights)


DEFAULT = Tunables()
