"""The app with a background evaluation running, for benchmarks.load_api --background-eval N.

    python -m benchmarks.eval_server --port P [--kb default] [--questions 1000]

Starts the real app (app.create_app), queues an evaluation of N questions (seed.jsonl cycled) on the same
runner the 评测 tab uses, serves on 127.0.0.1:P, and prints the job's progress as one JSON line a second
({"state", "done", "total"}). The job is not saved unless it finishes before the server is stopped.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def question_set(n: int, folder: Path) -> Path:
    """seed.jsonl's questions cycled to ``n`` lines, with ids made unique."""
    seed = [json.loads(line) for line in (ROOT / "evaluation/questions/seed.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    path = folder / f"background-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            row = dict(seed[i % len(seed)])
            row["id"] = f"{row.get('id', 'q')}-{i}"
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kb", default="default")
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()

    import uvicorn

    from app import create_app
    from evaluation.question_sets import read_question_set
    from settings import get_settings

    app = create_app(get_settings(), args.kb)
    folder = Path(tempfile.mkdtemp(prefix="zoneqa-bench-"))
    job = app.state.evaluations.submit(read_question_set(question_set(args.questions, folder)), args.kb,
                                       f"background-{args.questions}")

    def report() -> None:
        while True:
            print(json.dumps({"state": job.state.value, "done": job.done, "total": job.total}), flush=True)
            time.sleep(1.0)

    threading.Thread(target=report, daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
