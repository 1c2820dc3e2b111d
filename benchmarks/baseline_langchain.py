"""ZoneQA against the textbook LangChain RAG stack, on one question set, side by side.

    python -m benchmarks.baseline_langchain QUESTIONS.jsonl --corpus DIR [--json] [--work DIR] [-k 5]

The textbook stack is built from real LangChain components: each .txt/.md file read
whole, ``RecursiveCharacterTextSplitter`` (500 characters, 50 overlap, Chinese
separators), ``langchain_chroma.Chroma`` with our embedding model
(``store.embeddings.get_embeddings``), ``BM25Retriever`` over jieba tokens, and an
``EnsembleRetriever`` of the two with equal weights, k=5. It answers with its chunks:
the top chunk is what a user reads. ZoneQA runs the same questions through the
evaluation runner (``evaluation.run_questions``) on its own data dir.

Both are scored with evaluation/metrics.py's matching: hit@1/3/5 and MRR are the
rank of the first chunk containing evidence; ZoneQA's answer accuracy (not refused
and containing an answer string) is set against the baseline's answer-in-top-chunk;
refusal accuracy is the share of unanswerable questions refused (the baseline never
refuses); characters read are the median length of ZoneQA's answers and of the
baseline's top chunks; latency is per question (ZoneQA: retrieve + answer; baseline:
the ensemble retrieval); peak RSS is the query process's (``resource.getrusage``).

Each stack is built and queried in processes of its own, so RSS is each one's.
Work files live under --work (default ~/.cache/zoneqa-bench/baseline/<corpus>-<hash>),
outside the repo; an index built from the same corpus bytes is reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]
TEXT_SUFFIXES = (".txt", ".md")
KB = "bench"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_hash(corpus: Path) -> str:
    """Hash of the corpus files' names and bytes: an index built from the same hash is reused."""
    digest = hashlib.sha256()
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(corpus)).encode("utf-8") + b"\x00")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


# --------------------------------------------------------------------------- the textbook stack


def _jieba_tokens(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def _baseline_chunks(corpus: Path) -> list:
    from langchain_community.document_loaders import TextLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                              separators=SEPARATORS)
    docs = []
    for path in sorted(p for p in corpus.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES):
        for doc in TextLoader(str(path), encoding="utf-8").load():
            doc.metadata["source"] = path.name
            docs.append(doc)
    return splitter.split_documents(docs)


def _vector_store(work: Path):
    from settings import get_settings  # first: the offline environment (no telemetry, no hub)

    from langchain_chroma import Chroma

    from store.embeddings import get_embeddings

    return Chroma(collection_name="baseline", embedding_function=get_embeddings(get_settings().embedding),
                  persist_directory=str(work / "chroma"))


def step_build_langchain(corpus: Path, work: Path) -> dict[str, Any]:
    """Split, embed and store the corpus (skipped when this corpus hash was built before)."""
    done = work / "built.json"
    if done.exists():
        return {**json.loads(done.read_text(encoding="utf-8")), "reused": True}
    t0 = time.perf_counter()
    chunks = _baseline_chunks(corpus)
    store = _vector_store(work)
    store.reset_collection()
    for i in range(0, len(chunks), 64):
        store.add_documents(chunks[i : i + 64])
    (work / "chunks.json").write_text(json.dumps(
        [{"text": c.page_content, "metadata": c.metadata} for c in chunks], ensure_ascii=False), encoding="utf-8")
    info = {"chunks": len(chunks), "chunk_chars_median": statistics.median(len(c.page_content) for c in chunks),
            "build_s": round(time.perf_counter() - t0, 1), "build_peak_rss_mib": round(_peak_rss_mib(), 1)}
    done.write_text(json.dumps(info), encoding="utf-8")
    return {**info, "reused": False}


def ensemble_retriever(work: Path, k: int):
    """The textbook hybrid retriever over a built work dir: BM25 (jieba) + Chroma, equal weights."""
    from langchain_community.retrievers import BM25Retriever
    from langchain_core.documents import Document

    try:
        from langchain_classic.retrievers import EnsembleRetriever
    except ImportError:  # langchain < 1.0 kept it in the main package
        from langchain.retrievers import EnsembleRetriever

    stored = json.loads((work / "chunks.json").read_text(encoding="utf-8"))
    docs = [Document(page_content=c["text"], metadata=c["metadata"]) for c in stored]
    bm25 = BM25Retriever.from_documents(docs, preprocess_func=_jieba_tokens, k=k)
    dense = _vector_store(work).as_retriever(search_kwargs={"k": k})
    return EnsembleRetriever(retrievers=[bm25, dense], weights=[0.5, 0.5])


def step_query_langchain(questions_path: Path, work: Path, k: int) -> dict[str, Any]:
    from evaluation.metrics import contains_any, load_questions

    retriever = ensemble_retriever(work, k)
    retriever.invoke("预热")
    rows = []
    for q in load_questions(questions_path):
        t0 = time.perf_counter()
        docs = retriever.invoke(q.question)[:k]
        ms = (time.perf_counter() - t0) * 1000
        texts = [d.page_content for d in docs]
        rank = next((i for i, t in enumerate(texts, 1) if contains_any(t, q.evidence)), None) if q.answerable else None
        correct = bool(texts) and contains_any(texts[0], q.answers) if q.answerable else False  # never refuses
        rows.append({"id": q.id, "answerable": q.answerable, "rank": rank, "correct": correct,
                     "refused": False, "chars": len(texts[0]) if texts else 0, "latency_ms": ms})
    return {"rows": rows, "peak_rss_mib": round(_peak_rss_mib(), 1)}


# --------------------------------------------------------------------------- ZoneQA


def step_build_zoneqa(corpus: Path) -> dict[str, Any]:
    """Incremental ingestion into this data dir: unchanged files (same bytes, same chunker) are kept."""
    from ingest.sync import sync_knowledge_base
    from settings import get_settings

    t0 = time.perf_counter()
    report = sync_knowledge_base([corpus], kb=KB, settings=get_settings(), progress=False)
    return {"chunks": report.chunks_total, "written": report.chunks_written,
            "build_s": round(time.perf_counter() - t0, 1), "reused": report.chunks_written == 0,
            "build_peak_rss_mib": round(_peak_rss_mib(), 1)}


def step_query_zoneqa(questions_path: Path, k: int) -> dict[str, Any]:
    from evaluation.__main__ import run_questions
    from evaluation.metrics import load_questions

    outcomes = run_questions(load_questions(questions_path), KB, k)
    rows = [{"id": o.question.id, "answerable": o.question.answerable, "rank": o.evidence_rank,
             "correct": o.correct, "refused": o.refused, "chars": len(o.answer), "latency_ms": o.latency_ms}
            for o in outcomes]
    return {"rows": rows, "peak_rss_mib": round(_peak_rss_mib(), 1)}


# --------------------------------------------------------------------------- comparison


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ranks = [r["rank"] for r in answerable]
    n = len(answerable)

    def hit(k: int) -> float | None:
        return round(sum(1 for r in ranks if r and r <= k) / n, 4) if n else None

    answered = [r["chars"] for r in rows if not r["refused"]]
    latencies = [r["latency_ms"] for r in rows]
    return {
        "n": len(rows),
        "hit@1": hit(1), "hit@3": hit(3), "hit@5": hit(5),
        "mrr": round(sum(1.0 / r for r in ranks if r) / n, 4) if n else None,
        "answer_accuracy": round(sum(r["correct"] for r in answerable) / n, 4) if n else None,
        "refusal_accuracy": (round(sum(r["refused"] for r in unanswerable) / len(unanswerable), 4)
                             if unanswerable else None),
        "chars_read_median": statistics.median(answered) if answered else None,
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
    }


_TABLE = [
    ("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("mrr", "MRR"),
    ("answer_accuracy", "answer accuracy (ZoneQA: answer; LangChain: answer in top chunk)"),
    ("refusal_accuracy", "refusal accuracy (unanswerable refused)"),
    ("chars_read_median", "characters the user reads (median: answer / top chunk)"),
    ("latency_ms.p50", "latency p50 (ms)"), ("latency_ms.p95", "latency p95 (ms)"),
    ("peak_rss_mib", "peak RSS of the query process (MiB)"),
    ("index.chunks", "chunks in the index"),
    ("index.build_s", "index build (s; ZoneQA: this run's incremental sync, LangChain: its last build)"),
]


def _get(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def table(result: dict[str, Any]) -> str:
    z, b = result["zoneqa"], result["langchain"]
    lines = [f"{result['questions']} ({z['n']} questions), corpus {result['corpus']}", "",
             "| metric | ZoneQA | LangChain baseline |", "| --- | --- | --- |"]
    for key, label in _TABLE:
        zv, bv = _get(z, key), _get(b, key)
        lines.append(f"| {label} | {'—' if zv is None else zv} | {'—' if bv is None else bv} |")
    return "\n".join(lines)


def _step(name: str, *args: str, data: Path | None = None) -> dict[str, Any]:
    env = {**os.environ}
    if data is not None:
        env.update(ZONEQA_DATA=str(data), ZONEQA_KB=KB)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.baseline_langchain", "--step", name, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"step {name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(questions: Path, corpus: Path, work_root: Path, k: int, log=print) -> dict[str, Any]:
    work = work_root / f"{corpus.resolve().parent.name if corpus.name == 'corpus' else corpus.name}-{corpus_hash(corpus)}"
    (work / "langchain").mkdir(parents=True, exist_ok=True)
    (work / "zoneqa").mkdir(parents=True, exist_ok=True)
    q, c = str(questions.resolve()), str(corpus.resolve())
    log(f"work dir {work}")
    log("ZoneQA: ingesting (incremental) …")
    z_build = _step("build-zoneqa", c, data=work / "zoneqa")
    log("ZoneQA: asking …")
    z = _step("query-zoneqa", q, "-k", str(k), data=work / "zoneqa")
    log("LangChain: building (reused when built from the same corpus) …")
    b_build = _step("build-langchain", c, "--work", str(work / "langchain"))
    log("LangChain: retrieving …")
    b = _step("query-langchain", q, "-k", str(k), "--work", str(work / "langchain"))
    return {
        "questions": questions.name, "corpus": str(corpus), "k": k,
        "zoneqa": {**summarize(z["rows"]), "peak_rss_mib": z["peak_rss_mib"], "index": z_build},
        "langchain": {**summarize(b["rows"]), "peak_rss_mib": b["peak_rss_mib"], "index": b_build},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baseline_langchain", description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path, help="question set (JSONL); for --step build-*: the corpus folder")
    parser.add_argument("--corpus", type=Path, help="folder of documents both stacks index")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "zoneqa-bench" / "baseline")
    parser.add_argument("--step", choices=["build-zoneqa", "query-zoneqa", "build-langchain", "query-langchain"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.step:
        import settings  # noqa: F401  (offline environment before chromadb is imported)

        if args.step == "build-zoneqa":
            out = step_build_zoneqa(args.questions)
        elif args.step == "query-zoneqa":
            out = step_query_zoneqa(args.questions, args.k)
        elif args.step == "build-langchain":
            out = step_build_langchain(args.questions, args.work)
        else:
            out = step_query_langchain(args.questions, args.work, args.k)
        print(json.dumps(out, ensure_ascii=False))
        return 0

    if args.corpus is None or not args.corpus.is_dir():
        parser.error("--corpus DIR is required (a folder of documents)")
    result = compare(args.questions, args.corpus, args.work, args.k,
                     log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
