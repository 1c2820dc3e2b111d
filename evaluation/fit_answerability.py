"""Can a fitted model tell an answer from a near miss? A measurement, with hard negatives.

    python -m evaluation.fit_answerability SET_DIR... [--report FILE] [--max-false-refusals 0.03]

Each SET_DIR holds ``questions.jsonl`` and ``corpus/`` (the layout of ../shared/bench/*); the corpus is
ingested (incrementally) into a knowledge base named after the set, under ``$ZONEQA_DATA``.

For every question the answer rules let through (retrieval.answer refuses the rest itself), the signals
of the question and of the quote the rules chose (``Signals``) become one example:
- answerable, answered correctly by the rules: label 1;
- the same question with every sentence that holds an expected answer removed from the retrieved
  passages (a hard negative: the topic is still there, the answer is not): label 0;
- a question the set marks unanswerable: label 0.
Answerable questions answered wrongly are left out: neither label is true of them.

A logistic regression (scikit-learn, classes balanced) is fitted on about 70 % of each set (by a hash
of the id); the threshold keeps at most ``--max-false-refusals`` of the fitted part's correct answers
from being refused. The report gives, per set, part (fitted / held out) and kind, how many examples
the model gets right, and the net change in correct outcomes on real questions had it decided.

Measured 2026-11-28 (README, Answerability): it refuses about a fifth of the hard negatives of
cmrc2018/policy-dev at that threshold, and on real questions it refuses as many correct answers as
unanswerable questions, so it does not decide anything in the product; the rules do.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

@dataclass(frozen=True)
class Signals:
    """What the answer step knows about a question and the quote it chose (each about 0..1)."""

    relevance: float  # question coverage by the best passage (with its title and section)
    sentence: float  # the best sentence's score: coverage with its headings, plus bonuses
    own: float  # coverage by the best sentence alone
    quote: float  # coverage by everything quoted, with the quoted passages' headings
    absent: float  # IDF share of the question's words that neither the quote nor its headings hold
    absent_rarity: float  # rarity in general Chinese of the rarest such word (0 when none)
    unknown: float  # share of the question's words that no passage holds (nor a trusted stand-in)
    checked: float  # 1 when the question asks for a kind of value the quote was checked to supply
    english: float  # 1 for a question in English

    def vector(self) -> list[float]:
        return [float(getattr(self, f.name)) for f in fields(self)]


SIGNAL_NAMES = tuple(f.name for f in fields(Signals))


def general_rarity(word: str) -> float:
    """How rare ``word`` is in Chinese at large, 0 (everyday) .. 1 (in no dictionary): the negative log
    of its share of jieba's dictionary counts, scaled by the largest such value."""
    import jieba

    jieba.dt.check_initialized()
    return math.log(jieba.dt.total / (jieba.dt.FREQ.get(word, 0) + 1)) / math.log(jieba.dt.total)


def quote_signals(result, chosen) -> Signals:
    """The signals of a quote (retrieval.answer.choose_quote's sentences) the rules let through."""
    from retrieval.hybrid import coverage
    from text.normalize import normalize_text
    from text.questions import asked

    said = " ".join(normalize_text(f"{c.passage.title} {c.passage.section} {c.text}") for c in chosen)
    weights = result.term_weights
    total = sum(weights.get(t, 0.0) for t in result.query_terms) or 1.0
    absent = [t for t in result.query_terms
              if coverage([t], {t: 1.0}, said, {t: result.alternatives[t]} if t in result.alternatives else None) == 0]
    best = chosen[0]
    return Signals(
        relevance=max((p.relevance for p in result.passages), default=0.0),
        sentence=best.score,
        own=best.own,
        quote=coverage(result.query_terms, weights, said, result.alternatives),
        absent=sum(weights.get(t, 0.0) for t in absent) / total,
        absent_rarity=max((general_rarity(t) for t in absent), default=0.0),
        unknown=sum(t in result.unknown for t in result.query_terms) / max(len(result.query_terms), 1),
        checked=float(asked(result.normalized).checked),
        english=float(not result.chinese),
    )


@dataclass(frozen=True)
class Example:
    set_name: str
    question_id: str
    kind: str  # positive | hard_negative | unanswerable
    label: int
    vector: tuple[float, ...]
    held_out: bool


def strip_answers(result, answers: list[str], min_relevance: float):
    """``result`` with every sentence holding one of ``answers`` removed from its passages, and the
    relevance of each passage recomputed; None when no passage is left relevant (the rules refuse)."""
    from retrieval.hybrid import coverage
    from text.normalize import match_key, passage_search_text
    from text.sentences import sentence_spans

    keys = [match_key(a) for a in answers if match_key(a)]
    passages = []
    for p in result.passages:
        kept = "".join(p.text[s:e] for s, e in _spans_with_gaps(p.text, sentence_spans(p.text))
                       if not any(k in match_key(p.text[s:e]) for k in keys))
        cov = coverage(result.query_terms, result.term_weights, passage_search_text(p.title, p.section, kept),
                       result.alternatives)
        passages.append(replace(p, text=kept, coverage=cov, relevance=cov))
    if max((p.relevance for p in passages), default=0.0) < min_relevance:
        return None
    return replace(result, passages=passages)


def _spans_with_gaps(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans widened to cover the text between them, so that what is kept reads as written."""
    out, prev = [], 0
    for s, e in spans:
        out.append((prev, e))
        prev = e
    if prev < len(text):
        out.append((prev, len(text)))
    return out


def set_examples(set_dir: Path, settings) -> list[Example]:
    from evaluation.bench_sets import bench_searcher, held_out
    from evaluation.metrics import contains_any
    from retrieval.answer import choose_quote, compose_answer

    searcher, questions = bench_searcher(set_dir, settings)
    name = set_dir.name
    examples: list[Example] = []

    def add(result, kind: str, label: int, qid: str) -> None:
        if result is None or result.refusal is not None:
            return
        quote = choose_quote(result)
        if quote.chosen and not quote.missing:
            signals = quote_signals(result, quote.chosen)
            examples.append(Example(name, qid, kind, label, tuple(signals.vector()), held_out(name, qid)))

    for q in questions:
        result = searcher.search(q.question)
        if not q.answerable:
            add(result, "unanswerable", 0, q.id)
            continue
        answer = compose_answer(result)
        if answer.refused or not contains_any(answer.answer, q.answers):
            continue
        add(result, "positive", 1, q.id)
        add(strip_answers(result, q.answers, settings.min_relevance), "hard_negative", 0, q.id)
    return examples


@dataclass(frozen=True)
class FittedModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def answers(self, vector: tuple[float, ...]) -> bool:
        z = self.bias + sum(w * x for w, x in zip(self.weights, vector))
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0))) >= self.threshold


def fit(examples: list[Example], max_false_refusals: float) -> FittedModel:
    """Logistic regression on the fitted part, classes balanced; the threshold as the module says."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    train = [e for e in examples if not e.held_out]
    x = np.array([e.vector for e in train])
    y = np.array([e.label for e in train])
    clf = LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000).fit(x, y)
    probabilities = clf.predict_proba(x)[:, 1]
    best, best_score = 0.0, -1.0
    for threshold in np.linspace(0.0, 0.95, 96):
        kept = (probabilities[y == 1] >= threshold).mean()
        refused = (probabilities[y == 0] < threshold).mean()
        if 1 - kept <= max_false_refusals and (kept + refused) / 2 > best_score:
            best, best_score = float(threshold), (kept + refused) / 2
    return FittedModel(tuple(float(w) for w in clf.coef_[0]), float(clf.intercept_[0]), round(best, 2))


def report(examples: list[Example], model: FittedModel) -> dict:
    """Per set, part (fitted / held out) and kind: how many examples the model gets right; and the net
    change in correct outcomes on the set's real questions (unanswerable refused minus answers refused)."""
    table: dict = {}
    for e in examples:
        right = model.answers(e.vector) == bool(e.label)
        part = "held_out" if e.held_out else "fitted"
        cell = table.setdefault(e.set_name, {}).setdefault(part, {}).setdefault(e.kind, {"n": 0, "right": 0})
        cell["n"] += 1
        cell["right"] += int(right)
    for parts in table.values():
        for kinds in parts.values():
            for cell in kinds.values():
                cell["accuracy"] = round(cell["right"] / cell["n"], 3)
            positives, unanswerable = kinds.get("positive", {}), kinds.get("unanswerable", {})
            kinds["net_change_on_real_questions"] = (unanswerable.get("right", 0)
                                                     - (positives.get("n", 0) - positives.get("right", 0)))
    return table


def main(argv: list[str] | None = None) -> int:
    from settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m evaluation.fit_answerability",
                                     description="用题集与困难负例拟合“能否作答”模型，报告它在留出部分上的效果")
    parser.add_argument("sets", type=Path, nargs="+", help="题集文件夹（含 questions.jsonl 与 corpus/）")
    parser.add_argument("--report", type=Path, default=None, help="把结果另存为 JSON 文件")
    parser.add_argument("--max-false-refusals", type=float, default=0.03,
                        help="拟合部分允许误拒的比例上限（选阈值用）")
    args = parser.parse_args(argv)
    settings = get_settings()
    examples = [e for d in args.sets for e in set_examples(d, settings)]
    model = fit(examples, args.max_false_refusals)
    out = {"signals": list(SIGNAL_NAMES), "model": asdict(model), "report": report(examples, model)}
    text = json.dumps(out, ensure_ascii=False, indent=1)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
