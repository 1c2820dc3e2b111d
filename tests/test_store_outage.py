"""A Chroma server that stops or freezes under a running app: clear 503s within seconds, then recovery.

A real `chroma run` server and the app under uvicorn, both on loopback, over HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, post_json, start_app, stop_app, wait_for_port

pytestmark = pytest.mark.slow

QUESTION = "国家专利审查协作分中心有多少专业人才？"
TIMEOUT = 2  # ZONEQA_STORE_TIMEOUT for the app under test
PROMPT = TIMEOUT * 3 + 3  # how long an answer may take while the store is down or frozen


class ChromaServer:
    """`chroma run` on a fixed port and folder, so it can be stopped and started again."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        exe = shutil.which("chroma") or os.path.join(os.path.dirname(sys.executable), "chroma")
        self.proc = subprocess.Popen([exe, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server cannot handle SIGTERM
            self.proc.terminate()
            self.proc.wait(timeout=30)


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _until_ok(url: str, deadline_s: float = 60) -> tuple[int, dict]:
    """Ask until the answer is a 200 again (the store came back)."""
    deadline = time.monotonic() + deadline_s
    while True:
        status, body = post_json(f"{url}/api/ask", {"question": QUESTION})
        if status == 200 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.5)


@pytest.fixture
def app_on_server(tmp_path):
    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port), "ZONEQA_STORE_TIMEOUT": str(TIMEOUT)}
    app, url = start_app(tmp_path / "data", env=env)  # ingests corpus/ into the server on start
    try:
        status, body = post_json(f"{url}/api/ask", {"question": QUESTION})
        assert status == 200 and "专业人才近*人" in body["answer"], body
        yield chroma, url
    finally:
        stop_app(app)
        chroma.stop()


def test_a_stopped_store_is_a_503_then_recovers(app_on_server):
    chroma, url = app_on_server
    chroma.stop()  # SIGTERM

    (status, body), took = _timed(lambda: post_json(f"{url}/api/ask", {"question": QUESTION}))
    assert status == 503 and "Chroma" in body["error"] and "不存在" not in body["error"], body
    assert took < PROMPT
    (status, body), took = _timed(lambda: _get_json(f"{url}/api/health"))
    assert status == 503 and body["status"] == "degraded" and took < PROMPT, body
    status, body = post_json(f"{url}/v1/chat/completions", {"model": "zoneqa", "messages": [
        {"role": "user", "content": QUESTION}]})
    assert status == 503 and body["error"]["type"] == "server_error", body

    chroma.start()  # same folder, same port: the app recovers without a restart
    status, body = _until_ok(url)
    assert status == 200 and "专业人才近*人" in body["answer"], body
    assert _get_json(f"{url}/api/health") == (200, {"status": "ok", "knowledge_bases": ["default"]})


def test_a_frozen_store_is_a_503_within_the_timeout_then_recovers(app_on_server):
    chroma, url = app_on_server
    chroma.proc.send_signal(signal.SIGSTOP)
    try:
        (status, body), took = _timed(lambda: _get_json(f"{url}/api/health"))
        assert status == 503 and body["status"] == "degraded" and took < PROMPT, (took, body)
        (status, body), took = _timed(lambda: post_json(f"{url}/api/ask", {"question": QUESTION}))
        assert status == 503 and "Chroma" in body["error"] and took < PROMPT, (took, body)
    finally:
        chroma.proc.send_signal(signal.SIGCONT)
    status, body = _until_ok(url)
    assert status == 200 and "专业人才近*人" in body["answer"], body
