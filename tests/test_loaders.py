from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_text

TEXT = "一、总体要求\n（一）加快建设。高新区计划年内建成道路5条。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_encodings_are_detected(tmp_path: Path, encoding: str):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(TEXT.encode(encoding))
    loaded = load_text(path)
    assert loaded.text == TEXT
    assert not loaded.text.startswith("\ufeff")


def test_windows_line_endings_are_normalised(tmp_path: Path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert load_text(path).text == TEXT


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("empty.txt", b"", "为空"),
        ("blank.txt", b"  \n\n  ", "为空"),
        ("binary.txt", bytes(range(256)) * 40, "二进制"),
        ("zip.txt", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00\xff" * 500, "二进制"),
    ],
)
def test_bad_files_raise_a_message_naming_the_file(tmp_path: Path, name: str, data: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as err:
        load_text(path)
    assert name in str(err.value) and message in str(err.value)
