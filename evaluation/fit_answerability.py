"""Fit the answerability model (retrieval/answerability.json) on question sets, with hard negatives.

    python -m evaluation.fit_answerability SET_DIR... [--out retrieval/answerability.json] [--report FILE]

Each SET_DIR holds ``questions.jsonl`` and ``corpus/`` (the layout of ../shared/bench/*); the corpus is
ingested (incrementally) into a knowledge base named after the set, under ``$ZONEQA_DATA``.

Examples, from every question the rules let through (retrieval.answer refuses the others itself):
- answerable, answered correctly by the rules alone: label 1;
- the same question with every sentence that holds an expected answer removed from the retrieved
  passages (a hard negative: the topic is still there, the answer is not): label 0;
- a question the set marks unanswerable: label 0.
Answerable questions answered wrongly are left out: neither label is true of them.

About 30 % of each set (by a hash of its id) is held out of fitting; the report gives both parts.
The threshold is the one that maximises balanced accuracy on the fitted part while keeping at most
``--max-false-refusals`` of its correctly answered questions from being refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

HELD_OUT_SHARE = 3  # tenths of each set kept out of fitting


@dataclass(frozen=True)
class Example:
    set_name: str
    question_id: str
    kind: str  # positive | hard_negative | unanswerable
    label: int
    vector: tuple[float, ...]
    held_out: bool


def held_out(set_name: str, question_id: str) -> bool:
    return zlib.crc32(f"{set_name}/{question_id}".encode()) % 10 < HELD_OUT_SHARE


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
    from evaluation.__main__ import kb_name_for
    from evaluation.metrics import contains_any
    from evaluation.question_sets import read_question_set
    from ingest.sync import sync_knowledge_base
    from retrieval.answer import compose_answer, choose_quote, quote_signals
    from retrieval.answerability import ANSWER_ALL
    from retrieval.hybrid import HybridSearcher

    corpus = set_dir / "corpus"
    kb = kb_name_for(corpus)
    print(sync_knowledge_base([corpus], kb=kb, settings=settings).summary(), file=sys.stderr)
    searcher = HybridSearcher(kb, settings)
    name = set_dir.name
    examples: list[Example] = []

    def add(result, kind: str, label: int, qid: str) -> None:
        if result is None or result.refusal is not None:
            return
        quote = choose_quote(result)
        if quote.chosen and not quote.missing:
            signals = quote_signals(result, quote.chosen)
            examples.append(Example(name, qid, kind, label, tuple(signals.vector()), held_out(name, qid)))

    for q in read_question_set(set_dir / "questions.jsonl").questions:
        result = searcher.search(q.question)
        if not q.answerable:
            add(result, "unanswerable", 0, q.id)
            continue
        answer = compose_answer(result, model=ANSWER_ALL)
        if answer.refused or not contains_any(answer.answer, q.answers):
            continue
        add(result, "positive", 1, q.id)
        add(strip_answers(result, q.answers, settings.min_relevance), "hard_negative", 0, q.id)
    return examples


def fit(examples: list[Example], max_false_refusals: float):
    """Logistic regression on the fitted part, classes balanced; the threshold as the module says."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from retrieval.answerability import AnswerabilityModel

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
    sets = sorted({e.set_name for e in train})
    return AnswerabilityModel(tuple(float(w) for w in clf.coef_[0]), float(clf.intercept_[0]), round(best, 2),
                              f"{', '.join(sets)}; {len(train)} examples (held out: crc32(set/id) % 10 < {HELD_OUT_SHARE})")


def report(examples: list[Example], model) -> dict:
    """Per set, part (fitted / held out) and kind: how many examples the model gets right."""
    from retrieval.answerability import Signals

    table: dict = {}
    for e in examples:
        answered = model.answers(Signals(*e.vector))
        right = answered == bool(e.label)
        part = "held_out" if e.held_out else "fitted"
        cell = table.setdefault(e.set_name, {}).setdefault(part, {}).setdefault(e.kind, {"n": 0, "right": 0})
        cell["n"] += 1
        cell["right"] += int(right)
    for parts in table.values():
        for kinds in parts.values():
            for cell in kinds.values():
                cell["accuracy"] = round(cell["right"] / cell["n"], 3)
    return table


def main(argv: list[str] | None = None) -> int:
    from retrieval.answerability import MODEL_PATH
    from settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m evaluation.fit_answerability",
                                     description="用题集与困难负例拟合“能否作答”模型（retrieval/answerability.json）")
    parser.add_argument("sets", type=Path, nargs="+", help="题集文件夹（含 questions.jsonl 与 corpus/）")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="模型写到哪里")
    parser.add_argument("--report", type=Path, default=None, help="把拟合部分与留出部分的结果写成 JSON")
    parser.add_argument("--max-false-refusals", type=float, default=0.03,
                        help="拟合部分允许误拒的比例上限（选阈值用）")
    args = parser.parse_args(argv)
    settings = get_settings()
    examples = [e for d in args.sets for e in set_examples(d, settings)]
    model = fit(examples, args.max_false_refusals)
    args.out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = report(examples, model)
    text = json.dumps({"model": model.to_json(), "report": table}, ensure_ascii=False, indent=1)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
