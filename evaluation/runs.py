"""Reproducible runs: a run folder holds the question set as given, run.json (what was evaluated, how),
results.csv/.xlsx, metrics.json and report.md. ``python -m evaluation --compare A B`` reads two of them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evaluation.metrics import Outcome
from evaluation.question_sets import QuestionSet
from evaluation.report import write_outputs
from settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RUN_FILE = "run.json"
QUESTION_SET_COPY = "question_set"  # + the original suffix: question_set.xlsx, question_set.csv, …


def run_dir_for(settings: Settings, name: str, when: float | None = None) -> Path:
    """``$ZONEQA_DATA/evals/<YYYYmmdd-HHMMSS>-<name>/``, made unique with -2, -3… when it exists."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    slug = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")[:60] or "run"
    base = settings.data_dir / "evals" / f"{stamp}-{slug}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


# A folder run_dir_for names: <YYYYmmdd-HHMMSS>-<slug>[-n]. Pruning touches nothing else under evals/.
_RUN_NAME = re.compile(r"^\d{8}-\d{6}-.+$")


def is_run_folder(folder: Path) -> bool:
    """A complete saved run: named as run_dir_for names runs, holding run.json and metrics.json."""
    return (folder.is_dir() and not folder.is_symlink() and _RUN_NAME.match(folder.name) is not None
            and (folder / RUN_FILE).is_file() and (folder / "metrics.json").is_file())


def prune_runs(settings: Settings, keep: int) -> list[Path]:
    """Delete the oldest saved runs under ``$ZONEQA_DATA/evals`` beyond the newest ``keep`` (0 = keep all);
    returns the deleted folders. Names start with their time stamp, so name order is age order."""
    root = settings.data_dir / "evals"
    if keep <= 0 or not root.is_dir():
        return []
    runs = sorted((p for p in root.iterdir() if is_run_folder(p)), key=lambda p: p.name, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


def project_version(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The git commit of the code (``unknown`` outside a checkout) and whether files were modified."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return {"commit": "unknown", "dirty": None}
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(),
                "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def _public_url(url: str | None) -> str | None:
    """An endpoint without user:password or query (never credentials in run.json)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def knowledge_base_info(kb: str, settings: Settings) -> dict[str, Any]:
    """Name, chunk count, embedding model and documents (source, sha256 of the file's bytes, chunks).

    Documents come from the ingestion manifest (``kb/NAME/manifest.json``); where this process has no
    manifest (a Chroma server filled from elsewhere) they are read from the chunks' own metadata
    (``source``, ``file_hash``), which ingestion writes from the same hash.
    """
    from store import Manifest, open_knowledge_base
    from store.manifest import manifest_path

    store = open_knowledge_base(kb, settings)
    documents: list[dict[str, Any]] = []
    for source, entry in sorted(Manifest(manifest_path(settings.kb_dir(kb))).files.items()):
        doc = {"source": source, "sha256": entry.get("hash"), "chunks": entry.get("chunks", 0),
               "updated": entry.get("updated")}
        if entry.get("skipped"):
            doc["skipped"] = entry["skipped"]
        if entry.get("pending"):
            doc["pending"] = True
        documents.append(doc)
    origin = "manifest"
    if not documents:
        counts: dict[str, dict[str, Any]] = {}
        for chunk in store.chunks(with_text=False):
            source = str(chunk.meta.get("source", ""))
            doc = counts.setdefault(source, {"source": source, "sha256": chunk.meta.get("file_hash"), "chunks": 0})
            doc["chunks"] += 1
        documents, origin = [counts[k] for k in sorted(counts)], "store"
    return {"name": kb, "chunks": store.count(), "embedding_model": store.built_with(),
            "documents_from": origin, "documents": documents}


def describe_run(kb: str, settings: Settings, k: int | None, qset: QuestionSet, started: float,
                 generator: str | None = None) -> dict[str, Any]:
    """The run.json object: everything needed to tell two runs apart and to repeat one."""
    kb_info = knowledge_base_info(kb, settings)
    llm = None
    if settings.llm_base_url or settings.llm_model:
        llm = {"base_url": _public_url(settings.llm_base_url), "model": settings.llm_model}
    return {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "version": project_version(),
        "knowledge_base": kb_info,
        "embedding_model": kb_info["embedding_model"],
        "chunk_chars": settings.chunk_chars,
        "top_k": k if k is not None else settings.top_k,
        "candidates": settings.candidates,
        "min_relevance": settings.min_relevance,
        "llm": llm,
        "generator": generator,
        "question_set": {
            "file": qset.path.name, "copy": QUESTION_SET_COPY + qset.path.suffix.lower(),
            "sha256": qset.sha256, "format": qset.format, "encoding": qset.encoding,
            "questions": len(qset.questions),
            "skipped_rows": qset.skipped_rows,
            "issues": qset.issue_texts(),
        },
    }


def save_run(out_dir: Path, qset: QuestionSet, outcomes: list[Outcome], summary: dict[str, Any],
             info: dict[str, Any]) -> Path:
    """Write a complete run folder; returns it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(qset.path, out_dir / (QUESTION_SET_COPY + qset.path.suffix.lower()))
    (out_dir / RUN_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    title = f"{qset.path.name}（知识库 {info['knowledge_base']['name']}）"
    write_outputs(out_dir, outcomes, summary, title, info)
    return out_dir
