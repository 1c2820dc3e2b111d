"""Against a real `chroma run` server on loopback: one process ingests, another answers."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, free_port, post_json, run_cli, start_app, stop_app, wait_for_port

pytestmark = pytest.mark.slow  # starts apps, CLIs or servers as subprocesses


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    exe = shutil.which("chroma") or os.path.join(os.path.dirname(sys.executable), "chroma")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ingest_in_one_process_answer_in_another(chroma_server, tmp_path):
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server), "ZONEQA_DATA": str(tmp_path / "data")}
    ingest = run_cli("-m", "ingest", str(ROOT / "corpus"), "--kb", "server", "-q", env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to the embedded store
    # A second process with its own (empty) data dir answers from the server alone.
    env2 = {**env, "ZONEQA_DATA": str(tmp_path / "replica")}
    answer = run_cli("-m", "retrieval.ask", "国家专利审查协作分中心有多少专业人才？", "--kb", "server", "--json", env=env2)
    assert answer.returncode == 0, answer.stderr
    obj = json.loads(answer.stdout)
    assert "专业人才近*人" in obj["answer"] and not obj["refused"]


def test_two_app_replicas_share_one_chroma_server(chroma_server, tmp_path):
    """App A ingests corpus/ at start; app B (own, empty data dir, --skip-ingest) answers from the server
    alone, and sees a document ingested later through A's data dir without a restart."""
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    a, url_a = start_app(tmp_path / "replica-a", env=env)
    b = None
    try:
        status, body = post_json(f"{url_a}/api/ask", {"question": "国家专利审查协作分中心有多少专业人才？"})
        assert status == 200 and "专业人才近*人" in body["answer"]
        b, url_b = start_app(tmp_path / "replica-b", "--skip-ingest", env=env)
        status, body = post_json(f"{url_b}/api/ask", {"question": "国家专利审查协作分中心有多少专业人才？"})
        assert status == 200 and "专业人才近*人" in body["answer"] and not body["refused"]
        assert not (tmp_path / "replica-b" / "chroma").exists()

        news = tmp_path / "news"
        news.mkdir()
        (news / "候鸟计划.txt").write_text("一、候鸟计划\n候鸟工作站每年接待外地专家三百人次。\n", encoding="utf-8")
        ingest = run_cli("-m", "ingest", str(news), "-q", env={**env, "ZONEQA_DATA": str(tmp_path / "replica-a")})
        assert ingest.returncode == 0, ingest.stderr
        deadline = time.monotonic() + 30
        while True:
            status, body = post_json(f"{url_b}/api/ask", {"question": "候鸟工作站每年接待多少外地专家？"})
            # B picks the new chunks up on its next refresh; until then it answers from what it had.
            if "三百人次" in body.get("answer", "") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200 and "三百人次" in body["answer"], body
    finally:
        stop_app(a)
        if b:
            stop_app(b)
