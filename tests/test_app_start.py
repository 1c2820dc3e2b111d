"""Start-up of `python app.py` as a user meets it: a busy port, and a console without library DEBUG lines."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import copy_corpus, post_json, run_cli, start_app, stop_app

pytestmark = pytest.mark.slow


def test_a_busy_port_is_reported_in_chinese_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("app.py", "--port", str(port), "--skip-ingest",
                       env={"ZONEQA_DATA": str(tmp_path / "data")}, timeout=120)
    assert done.returncode == 2
    assert f"端口 {port} 已被占用" in done.stderr
    assert "已启动" not in done.stdout and "Traceback" not in done.stderr


def test_the_console_shows_no_library_debug_lines(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    log = tmp_path / "app.log"
    proc, url = start_app(tmp_path / "data", env={"ZONEQA_CORPUS": str(corpus)}, log=log)
    try:
        status, body = post_json(f"{url}/api/ask", {"question": "高新贷发放了多少？"})
        assert status == 200 and not body["refused"]
    finally:
        stop_app(proc)
    text = log.read_text(encoding="utf-8")
    assert "已启动" in text
    assert " DEBUG " not in text, [line for line in text.splitlines() if " DEBUG " in line][:3]


def test_a_malformed_log_level_is_a_clear_error(tmp_path):
    done = run_cli("app.py", "--skip-ingest", env={"ZONEQA_DATA": str(tmp_path), "ZONEQA_LOG_LEVEL": "loud"},
                   timeout=120)
    assert done.returncode == 2 and "ZONEQA_LOG_LEVEL" in done.stderr
