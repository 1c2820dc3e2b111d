"""How cost grows with the knowledge base: ingestion, start-up, query latency, memory and disk.

    python -m benchmarks.scale [--sizes 1000,10000] [--expand 100000] [--work DIR] [--queries 200]

For each size N in --sizes it writes a corpus of about N chunks of real Chinese
text (sentences of ../shared/bench/cmrc2018-trial and corpus/, recombined so
no two chunks are the same), ingests it with the real pipeline and model
(phases: parse, tokenise, embed, write), re-runs the ingestion with no change,
then measures in fresh processes: keyword-index load (cold: built from
Chroma; warm: from the local cache), warm query latency (retrieve + answer)
for cmrc2018 questions, peak RSS and disk size.

--expand M builds an M-chunk knowledge base without embedding anything new:
every chunk of the largest ingested size is written with its real vector,
plus variants of it (its sentences rotated, one sentence from another chunk
added, another title) that reuse that vector. Query latency, start-up,
memory and disk are measured on it as above; ingestion at M is extrapolated
from the real runs.

Everything lives under --work (default ~/.cache/zoneqa-bench), outside the repo;
finished steps are reused, so the command can be re-run to fill in the rest.
Results: one JSON object per line on stdout and in WORK/results.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "cmrc2018-trial"
KB = "bench"
NUMERALS = "一二三四五六七八九十"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _disk_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# --------------------------------------------------------------------------- corpus


def _sentence_pool() -> list[tuple[str, list[str]]]:
    """(title, sentences) of every source document: the cmrc2018 documents and corpus/."""
    from text.sentences import sentence_spans

    docs = sorted((BENCH / "corpus").glob("*.txt")) + sorted((ROOT / "corpus").glob("*.txt"))
    pool = []
    for path in docs:
        text = path.read_text(encoding="utf-8")
        sentences = [text[s:e] for s, e in sentence_spans(text) if len(text[s:e].strip("#").strip()) > 8]
        if len(sentences) >= 4:
            pool.append((path.stem, sentences))
    return pool


def write_corpus(folder: Path, target_chunks: int, chunk_chars: int, seed: int = 7) -> dict:
    """Documents of recombined real sentences until they yield ``target_chunks`` chunks.

    Each document follows one source: a few sections, each a window of that
    source's sentences with some of another source's mixed in, so chunks read
    like real text yet no two are the same.
    """
    from ingest.chunking import chunk_document

    marker = folder / ".complete"
    if marker.exists():
        return json.loads(marker.read_text(encoding="utf-8"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    pool = _sentence_pool()
    total = files = 0
    texts: set[str] = set()
    while total < target_chunks:
        title, sentences = pool[files % len(pool)]
        _, other = pool[rng.randrange(len(pool))]
        parts = []
        for n in range(rng.randint(2, 4)):
            start = rng.randrange(len(sentences))
            window = [sentences[(start + i) % len(sentences)] for i in range(rng.randint(4, 14))]
            for _ in range(rng.randint(1, 3)):
                window.insert(rng.randrange(len(window) + 1), rng.choice(other))
            parts.append(f"{NUMERALS[n]}、{rng.choice(window)[:18].strip('。，；、 ')}\n" + "".join(window))
        text = "\n".join(parts) + "\n"
        name = f"{files // 1000:03d}/{title}-{files:06d}.txt"
        chunks = chunk_document(text, name, chunk_chars)
        files += 1
        own = [c.text for c in chunks]
        if len(set(own)) < len(own) or any(t in texts for t in own):  # a window came round again: draw anew
            continue
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        texts.update(c.text for c in chunks)
        total += len(chunks)
    info = {"files": sum(1 for _ in folder.rglob("*.txt")), "chunks": total, "distinct_chunk_texts": len(texts)}
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


# --------------------------------------------------------------------------- steps (run in fresh processes)


def step_ingest(corpus: Path) -> dict:
    """One ingestion run in this process: phases, throughput, peak RSS."""
    from ingest.sync import sync_knowledge_base

    t0 = time.perf_counter()
    r = sync_knowledge_base([corpus], kb=KB, progress=False)
    wall = time.perf_counter() - t0
    other = r.parse_seconds + r.tokenize_seconds + r.write_seconds
    return {
        "files": r.files_seen, "chunks_written": r.chunks_written, "chunks_total": r.chunks_total,
        "seconds": round(wall, 2),
        "phases_s": {"parse": round(r.parse_seconds, 2), "tokenize": round(r.tokenize_seconds, 2),
                     "embed": round(r.embed_seconds, 2), "write": round(r.write_seconds, 2)},
        "embed_passages_per_s": round(r.chunks_written / r.embed_seconds, 2) if r.embed_seconds else None,
        "pipeline_chunks_per_s": round(r.chunks_written / wall, 2) if r.chunks_written else None,
        "non_embedding_share": round(1 - r.embed_seconds / wall, 3) if r.chunks_written else None,
        "other_phases_share": round(other / wall, 3) if r.chunks_written else None,
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def step_query(questions: list[str]) -> dict:
    """Keyword-index load, then warm latency of Assistant.ask over ``questions``."""
    import settings as _settings  # noqa: F401  (offline environment)
    from retrieval.ask import Assistant

    assistant = Assistant()
    t0 = time.perf_counter()
    searcher = assistant.searcher(KB)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    assistant.ask(questions[0], kb=KB)  # first question: Chroma's vector index comes off disk
    first_s = time.perf_counter() - t0
    totals, retrieve = [], []
    for q in questions[1:]:
        answer = assistant.ask(q, kb=KB)
        totals.append(answer.timings_ms["total"])
        retrieve.append(answer.timings_ms["retrieve"])
    totals.sort()
    return {
        "chunks": searcher.size, "index_load_s": round(load_s, 2), "first_question_s": round(first_s, 2),
        "queries": len(totals),
        "latency_ms": {"p50": round(statistics.median(totals), 1), "p95": round(totals[int(0.95 * (len(totals) - 1))], 1),
                       "retrieve_p50": round(statistics.median(retrieve), 1)},
        "peak_rss_mib": round(_peak_rss_mib(), 1),
    }


def step_expand(source_data: Path, target: int, seed: int = 11) -> dict:
    """Write ``target`` chunks into this data dir: the source's chunks with their vectors, plus variants."""
    from dataclasses import replace

    from settings import get_settings
    from store import TOKENS_KEY, StoredChunk, create_knowledge_base, open_knowledge_base
    from text.normalize import passage_tokens
    from text.sentences import sentence_spans

    s = get_settings()
    base = list(open_knowledge_base(KB, replace(s, data_dir=source_data)).export())
    n = len(base)
    store = create_knowledge_base(KB, s)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    tokenize_s = 0.0
    seen: set[str] = set()
    written = 0
    variant = 0
    while written < target:
        chunks, vecs = [], []
        for i in range(n):
            if written + len(chunks) >= target:
                break
            (cid, text, meta), vec = base[i][0], base[i][1]
            meta = dict(meta)
            if variant:
                spans = sentence_spans(text)
                sentences = [text[a:b] for a, b in spans]
                shift = variant % len(sentences)
                donor = base[rng.randrange(n)][0].text
                extra = [donor[a:b] for a, b in sentence_spans(donor)]
                text = "".join(sentences[shift:] + sentences[:shift] + [rng.choice(extra)])
                meta["title"] = f"{meta['title']}（汇编{variant}）"
                meta["source"] = f"variant-{variant}/{meta['source']}"
            if text in seen:
                continue
            seen.add(text)
            t1 = time.perf_counter()
            meta[TOKENS_KEY] = " ".join(passage_tokens(meta["title"], meta.get("section", ""), text))
            tokenize_s += time.perf_counter() - t1
            chunks.append(StoredChunk(f"v{variant}-{cid}", text, meta))
            vecs.append(vec)
        store.write(chunks, vecs)
        written += len(chunks)
        variant += 1
    store.mark_changed()
    wall = time.perf_counter() - t0
    return {"chunks": store.count(), "distinct_texts": len(seen), "base_chunks": n, "variants_per_base": variant,
            "seconds": round(wall, 1), "tokenize_s": round(tokenize_s, 1),
            "write_chunks_per_s": round(written / (wall - tokenize_s), 1)}


# --------------------------------------------------------------------------- driver


def _run_step(step: str, data: Path, *args: str) -> dict:
    env = {**os.environ, "ZONEQA_DATA": str(data), "ZONEQA_KB": KB}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--step", step, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"step {step} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - t0, 2)
    return result


def _startup_to_first_answer(data: Path, question: str) -> float:
    """Seconds from `python app.py --skip-ingest` to its first answered /api/ask."""
    from benchmarks.load_api import ask, free_port

    port = free_port()
    env = {**os.environ, "ZONEQA_DATA": str(data), "ZONEQA_KB": KB}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--skip-ingest", "--port", str(port), "--kb", KB], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < 300:
            ok, _ = ask(f"http://127.0.0.1:{port}", question, KB, timeout=60)
            if ok:
                return time.perf_counter() - t0
            time.sleep(0.1)
        raise TimeoutError("the app did not answer within 300 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure(data: Path, questions: list[str], label: str) -> dict:
    shutil.rmtree(data / "kb" / KB / "keyword", ignore_errors=True)
    cold = _run_step("query", data, "--queries", "20")
    warm = _run_step("query", data, "--queries", str(len(questions)))
    return {"size": label, "chunks": warm["chunks"], "keyword_index_load_s": {"cold": cold["index_load_s"],
            "warm": warm["index_load_s"]}, "first_question_s": warm["first_question_s"],
            "latency_ms": warm["latency_ms"], "queries": warm["queries"], "query_peak_rss_mib": warm["peak_rss_mib"],
            "app_start_to_first_answer_s": round(_startup_to_first_answer(data, questions[0]), 2),
            "disk_mib": round(_disk_mib(data), 1)}


def _emit(work: Path, record: dict) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    with open(work / "results.jsonl", "a", encoding="utf-8") as f:
        f.write(line + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="sizes ingested for real (comma-separated)")
    parser.add_argument("--expand", type=int, default=0, help="also build and measure this size from the largest")
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "zoneqa-bench")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in
                 (BENCH / "questions.jsonl").read_text(encoding="utf-8").splitlines()[: max(args.queries, 21) + 1]]
    if args.step == "ingest":
        print(json.dumps(step_ingest(args.corpus)))
        return 0
    if args.step == "query":
        print(json.dumps(step_query(questions[: args.queries + 1])))
        return 0
    if args.step == "expand":
        print(json.dumps(step_expand(args.source, args.target)))
        return 0

    from settings import get_settings

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    chunk_chars = get_settings().chunk_chars
    sizes = [int(x) for x in args.sizes.split(",") if x]
    for size in sizes:
        corpus, data = work / f"corpus-{size}", work / f"data-{size}"
        info = write_corpus(corpus, size, chunk_chars)
        if not (data / ".ingested").exists():
            # Incremental: an interrupted run resumes (its report then covers the remaining files).
            first = _run_step("ingest", data, "--corpus", str(corpus))
            (data / ".ingested").write_text(json.dumps(first), encoding="utf-8")
            _emit(work, {"size": size, "step": "ingest", "corpus": info, **first})
        again = _run_step("ingest", data, "--corpus", str(corpus))
        _emit(work, {"size": size, "step": "no-change re-run", "sync_s": again["seconds"],
                     "process_s": again["process_s"], "files": again["files"]})
        _emit(work, {"step": "query", **measure(data, questions[: args.queries + 1], str(size))})
    if args.expand:
        source = work / f"data-{max(sizes)}"
        data = work / f"data-{args.expand}"
        if not (data / ".expanded").exists():
            shutil.rmtree(data, ignore_errors=True)
            built = _run_step("expand", data, "--source", str(source), "--target", str(args.expand))
            (data / ".expanded").write_text(json.dumps(built), encoding="utf-8")
            _emit(work, {"size": args.expand, "step": "expand (vectors reused)", **built})
        _emit(work, {"step": "query", "vectors": f"reused from the {max(sizes)} real ones",
                     **measure(data, questions[: args.queries + 1], str(args.expand))})
    return 0


if __name__ == "__main__":
    sys.exit(main())
