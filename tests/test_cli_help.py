"""Every CLI's help and usage errors are Chinese (argparse's own headings included); the flags stay as they are."""

from __future__ import annotations

import re

import pytest


def _mains():
    import app
    from evaluation.__main__ import main as evaluation_main
    from ingest.__main__ import main as ingest_main

    return {"app.py": app.main, "ingest": ingest_main, "evaluation": evaluation_main}


@pytest.mark.parametrize("name", ["app.py", "ingest", "evaluation"])
def test_help_is_chinese_with_the_same_flags(name, capsys):
    with pytest.raises(SystemExit) as done:
        _mains()[name](["-h"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("用法：") and "选项:" in text and "显示本帮助并退出" in text
    assert "usage:" not in text and "options:" not in text and "show this help" not in text
    assert "--kb" in text and "-h, --help" in text
    # Apart from flags, metavars, file types and paths, no English words.
    words = set(re.findall(r"(?<![-\w./])[a-z]{3,}(?![\w./])", text))
    assert words <= {"paths", "questions", "json", "jsonl", "xlsx", "csv", "python", "ingest", "evaluation",
                     "app", "py", "localhost", "template", "compare", "save", "out", "corpus", "host", "port",
                     "auth", "name", "dir", "default"}, words


def test_usage_errors_are_chinese(capsys):
    with pytest.raises(SystemExit) as done:
        _mains()["ingest"](["--no-such-flag"])
    assert done.value.code == 2
    assert "错误：无法识别的参数：--no-such-flag" in capsys.readouterr().err
