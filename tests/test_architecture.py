"""The layers of ARCHITECTURE.md, checked on the source: who may import whom, and decisions as types."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PROJECT = {"text", "store", "ingest", "retrieval", "web", "app", "settings", "errors", "evaluation", "benchmarks",
           "tests"}
# Each layer and the project modules it may import (itself included). web/, app.py, evaluation/ and
# benchmarks/ sit on top and may use every layer below them.
ALLOWED = {
    "errors": {"errors"},
    "settings": {"settings", "errors"},
    "text": {"text", "settings", "errors"},
    "store": {"store", "text", "settings", "errors"},
    "ingest": {"ingest", "store", "text", "settings", "errors"},
    "retrieval": {"retrieval", "store", "text", "settings", "errors"},
}
# Inside retrieval/, search does not know about answers.
SEARCH_MODULES = {"retrieval/hybrid.py", "retrieval/keyword.py", "retrieval/keyword_cache.py", "retrieval/fusion.py"}
ANSWER_MODULES = {"retrieval.answer", "retrieval.ask", "retrieval.llm", "retrieval.conversation", "retrieval.multipart"}


def _imports(path: Path) -> list[str]:
    """Every module name ``path`` imports, at any depth (imports inside functions count too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _layer(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and _layer(p) in PROJECT]


def test_no_layer_imports_one_above_it():
    forbidden = []
    for path in _sources():
        layer = _layer(path)
        if layer not in ALLOWED:
            continue
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PROJECT and top not in ALLOWED[layer]:
                forbidden.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not forbidden, "\n".join(sorted(set(forbidden)))


def test_ingest_and_retrieval_do_not_know_each_other():
    edges = [(p, n) for p in _sources() for n in _imports(p)
             if {_layer(p), n.split(".")[0]} == {"ingest", "retrieval"}]
    assert not edges


def test_search_does_not_import_answering():
    for rel in SEARCH_MODULES:
        bad = [n for n in _imports(ROOT / rel) if any(n == m or n.startswith(m + ".") for m in ANSWER_MODULES)]
        assert not bad, f"{rel} imports {bad}"


def test_decisions_are_not_parsed_from_strings():
    offenders = []
    for path in _sources():
        if _layer(path) == "tests":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"reason\[", line) or re.search(r"notices?\[\d*\]?\.startswith\(\"", line) \
                    or re.search(r"\[:\d+\]\)", line) and "startswith" in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_web_errors_come_from_errors_py():
    """The chat does not borrow the API's error mapping; both use the one hierarchy."""
    for rel in ("web/chat.py", "web/figures_tab.py", "web/admin_tab.py"):
        assert not [n for n in _imports(ROOT / rel) if n.startswith("web.api.") and "Error" in n], rel


def test_pdfium_is_used_only_under_the_one_lock():
    """PDFium is not thread-safe (pypdfium2's docs): every module that imports pypdfium2 is in ingest/ and takes
    ingest.pdfium_lock.PDFIUM_LOCK, so the viewer's page rendering and ingestion's OCR rendering never overlap."""
    users = [p for p in _sources() if _layer(p) not in {"tests", "benchmarks"}
             and any(n.split(".")[0] == "pypdfium2" for n in _imports(p))]
    assert {p.relative_to(ROOT).as_posix() for p in users} >= {"ingest/pdf.py", "ingest/originals.py"}
    for path in users:
        assert _layer(path) == "ingest" and "ingest.pdfium_lock.PDFIUM_LOCK" in _imports(path), path
        assert "with PDFIUM_LOCK:" in path.read_text(encoding="utf-8"), path
