"""Load benchmark for POST /api/ask on loopback (bounded: a fixed number of requests).

    python -m benchmarks.load_api [--requests 200] [--clients 16] [--kb default] [--url URL]

Without --url it starts `python app.py --skip-ingest` on a free loopback port, reports
how long the app took to answer /api/health (start-up with an existing index), runs
the load, and stops the app. Questions cycle through evaluation/questions/seed.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy in {timeout:.0f}s")


def _ask(url: str, question: str, kb: str) -> tuple[bool, float]:
    body = json.dumps({"question": question, "kb": kb}).encode()
    req = urllib.request.Request(f"{url}/api/ask", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            ok = resp.status == 200 and "answer" in json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        ok = False
    return ok, (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kb", default="default")
    parser.add_argument("--url", default=None, help="an already running app; default: start one")
    args = parser.parse_args()

    questions = [json.loads(l)["question"] for l in
                 (ROOT / "evaluation/questions/seed.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    proc = None
    url = args.url
    if url is None:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "app.py", "--skip-ingest", "--port", str(port)], cwd=ROOT,
                                env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = _wait_healthy(url, 180)
        _ask(url, questions[0], args.kb)  # first query loads the index
        work = [questions[i % len(questions)] for i in range(args.requests)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda q: _ask(url, q, args.kb), work))
        wall = time.perf_counter() - t0
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    latencies = sorted(ms for _, ms in results)
    report = {
        "requests": len(results),
        "clients": args.clients,
        "errors": sum(1 for ok, _ in results if not ok),
        "latency_ms": {"p50": round(statistics.median(latencies), 1),
                       "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1)},
        "throughput_rps": round(len(results) / wall, 1),
        "startup_s": round(startup, 2) if proc else None,
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
