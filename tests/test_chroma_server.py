"""Against a real `chroma run` server on loopback: one process ingests, another answers."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, free_port, run_cli, wait_for_port


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
