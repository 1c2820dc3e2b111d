"""Shared fixtures: an isolated data dir per test module and a real knowledge base of the shipped corpus."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import json
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT))

import settings as settings_module  # noqa: E402


def use_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Set ZoneQA env vars for one test and make settings re-read them."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings_module.get_settings.cache_clear()


def pytest_collection_modifyitems(items):
    """Every browser test is also slow: `-m "not slow"` never opens a browser."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fresh_settings():
    settings_module.get_settings.cache_clear()
    yield
    settings_module.get_settings.cache_clear()


@contextmanager
def knowledge_base_in(data: Path, folder: Path, kb: str):
    """Ingest ``folder`` into knowledge base ``kb`` of data dir ``data`` (real e5 model, real on-disk
    Chroma) with ZONEQA_DATA pointing there; yields the ingestion report, restores the variable after."""
    old = os.environ.get("ZONEQA_DATA")
    os.environ["ZONEQA_DATA"] = str(data)
    settings_module.get_settings.cache_clear()
    from ingest.sync import sync_knowledge_base

    try:
        yield sync_knowledge_base([folder], kb=kb, progress=False)
    finally:
        if old is None:
            os.environ.pop("ZONEQA_DATA", None)
        else:
            os.environ["ZONEQA_DATA"] = old
        settings_module.get_settings.cache_clear()


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory: pytest.TempPathFactory):
    """A real knowledge base of corpus/, built once per session."""
    data = tmp_path_factory.mktemp("data")
    with knowledge_base_in(data, CORPUS, "default") as report:
        assert report.files_written == 1 and report.chunks_total > 10
        yield data


@pytest.fixture
def assistant(corpus_kb, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from retrieval.ask import Assistant

    return Assistant()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m ...`` from the project root with the test's environment."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def ask_cli(data: Path, question: str, kb: str) -> dict:
    """``python -m retrieval.ask QUESTION --kb KB --json`` against data dir ``data``: the answer JSON."""
    r = run_cli("-m", "retrieval.ask", question, "--kb", kb, "--json", env={"ZONEQA_DATA": str(data)})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def write_xlsx(path: Path, rows: list) -> Path:
    """A one-sheet workbook holding ``rows`` (real openpyxl file)."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in CORPUS.iterdir():
        shutil.copy(f, dest / f.name)
    return dest


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def start_app(data: Path, *extra: str, env: dict[str, str] | None = None,
              log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free loopback port with its own data dir; returns the process and its URL.
    Pass ``log`` when the app will write much (e.g. a traceback per refused request): an unread pipe would
    fill up and block the server."""
    port = free_port()
    full_env = {**os.environ, "ZONEQA_DATA": str(data), **(env or {})}
    out = open(log, "w", encoding="utf-8") if log else subprocess.PIPE
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *extra], cwd=ROOT, env=full_env,
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    if log:
        out.close()  # the child holds its own copy
    try:
        wait_for_port(port, timeout=180)
    except TimeoutError as exc:
        proc.kill()
        raise AssertionError(log.read_text(encoding="utf-8") if log else proc.stdout.read()) from exc
    return proc, f"http://127.0.0.1:{port}"


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def post_json(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    """POST JSON; (status, decoded JSON body) for successes and HTTP errors alike."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
