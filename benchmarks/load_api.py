"""Load benchmark for POST /api/ask on loopback, bounded by time or by a number of requests.

    python -m benchmarks.load_api [--clients 16 64] [--duration 60 | --requests 200] [--kb default] [--url URL]
                                  [--background-eval 1000]

Without --url it starts `python app.py --skip-ingest` on a free loopback port, reports
how long the app took to answer /api/health (start-up with an existing index), runs
one load per --clients value, and stops the app. While the load runs it samples the
app's resident memory (RSS) once a second and reports first/last/peak and the trend
over the run (least-squares slope in MiB per minute). Questions cycle through
evaluation/questions/seed.jsonl.

With --background-eval N the app is started by benchmarks.eval_server, which queues an N-question evaluation
on the 评测 tab's background runner first; the load starts once that evaluation is running, and the report
adds how many of its questions were answered during the load (chat latency with an evaluation running).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
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


def ask(url: str, question: str, kb: str, timeout: float = 60) -> tuple[bool, float]:
    """POST one question; (answered with an answer JSON, milliseconds)."""
    body = json.dumps({"question": question, "kb": kb}).encode()
    req = urllib.request.Request(f"{url}/api/ask", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            ok = resp.status == 200 and "answer" in json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        ok = False
    return ok, (time.perf_counter() - t0) * 1000


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process (Linux /proc), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per minute."""
    if len(samples) < 3:
        return 0.0
    xs, ys = [t for t, _ in samples], [m for _, m in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def run_load(url: str, questions: list[str], kb: str, clients: int, duration: float | None,
             requests: int | None, pid: int | None) -> dict:
    """``clients`` threads asking in a loop until ``duration`` seconds or ``requests`` questions."""
    results: list[tuple[bool, float]] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    started = time.perf_counter()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            i = next(counter)
            if requests is not None and i >= requests:
                return
            if duration is not None and time.perf_counter() - started >= duration:
                return
            outcome = ask(url, questions[i % len(questions)], kb)
            with lock:
                results.append(outcome)

    samples: list[tuple[float, float]] = []

    def sampler() -> None:
        while not stop.wait(1.0):
            if pid and (m := rss_mib(pid)) is not None:
                samples.append((time.perf_counter() - started, m))

    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    latencies = sorted(ms for _, ms in results)
    report = {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "errors": sum(1 for ok, _ in results if not ok),
        "latency_ms": {"p50": round(statistics.median(latencies), 1),
                       "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1)},
        "throughput_rps": round(len(results) / wall, 1),
    }
    if samples:
        half = samples[len(samples) // 2:]
        report["rss_mib"] = {"first": round(samples[0][1], 1), "last": round(samples[-1][1], 1),
                             "peak": round(max(m for _, m in samples), 1),
                             "slope_mib_per_min": round(_slope_per_minute(samples), 2),
                             "second_half_slope_mib_per_min": round(_slope_per_minute(half), 2)}
    return report


class EvaluationProgress:
    """Follows the JSON progress lines benchmarks.eval_server prints for its background evaluation."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self._latest: dict = {}
        self._running = threading.Event()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            try:
                self._latest = json.loads(line)
            except ValueError:  # the app's own start-up lines
                continue
            if self._latest.get("state") == "running":
                self._running.set()

    def wait_running(self, timeout: float) -> None:
        if not self._running.wait(timeout):
            raise TimeoutError(f"the background evaluation did not start: {self._latest}")

    def latest(self) -> dict:
        return dict(self._latest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[16])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--duration", type=float, default=None, help="seconds per load (e.g. 60)")
    group.add_argument("--requests", type=int, default=None, help="questions per load (default 200)")
    parser.add_argument("--kb", default="default")
    parser.add_argument("--url", default=None, help="an already running app; default: start one")
    parser.add_argument("--background-eval", type=int, default=None, metavar="N",
                        help="run an N-question evaluation in the app's background while measuring")
    args = parser.parse_args()
    if args.background_eval and args.url:
        parser.error("--background-eval starts its own app; it cannot be combined with --url")
    if args.duration is None and args.requests is None:
        args.requests = 200

    questions = [json.loads(line)["question"] for line in
                 (ROOT / "evaluation/questions/seed.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    proc = None
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        if args.background_eval:
            command = ["-m", "benchmarks.eval_server", "--questions", str(args.background_eval)]
        else:
            command = ["app.py", "--skip-ingest"]
        proc = subprocess.Popen([sys.executable, *command, "--port", str(port), "--kb", args.kb],
                                cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE if args.background_eval
                                else subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    progress = EvaluationProgress(proc) if args.background_eval else None
    failed = False
    try:
        startup = _wait_healthy(url, 180)
        ask(url, questions[0], args.kb)  # the first question loads the index
        if proc:
            print(json.dumps({"startup_s": round(startup, 2), "rss_mib_idle": round(rss_mib(proc.pid) or 0, 1)}),
                  flush=True)
        if progress:
            progress.wait_running(180)
        for clients in args.clients:
            before = progress.latest() if progress else None
            report = run_load(url, questions, args.kb, clients, args.duration, args.requests,
                              proc.pid if proc else None)
            if progress:
                after = progress.latest()
                report["background_eval"] = {"total": after.get("total"), "state_after": after.get("state"),
                                             "questions_during_load": after.get("done", 0) - before.get("done", 0)}
            failed |= report["errors"] > 0
            print(json.dumps(report, ensure_ascii=False), flush=True)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
