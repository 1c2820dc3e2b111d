"""The one place that reads ZoneQA's environment variables and defaults.

Every other module asks :func:`get_settings` instead of reading ``os.environ``.
Importing this module also switches off the telemetry and hub look-ups of the
libraries we use: this product runs offline.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from errors import ConfigError, InvalidNameError

# Set before chromadb / gradio / huggingface are imported anywhere: they read
# these at import time and would otherwise try to reach the internet.
for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)

PROJECT_ROOT = Path(__file__).resolve().parent
KB_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")
# Passages of ~500 characters that e5-small embeds per second on this project's 2-core CPU
# machine: measured by benchmarks/scale.py (4.0–4.4 passages/s at 1k and 10k chunks, README
# "Scale"). Used only to warn before a file whose ingestion will take long.
MEASURED_EMBED_RATE = 4.0


def _number(name: str, default, cast):
    """Read a numeric env var; a malformed value is a clear error, not a silent default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return cast(raw)
    except ValueError as exc:
        raise ConfigError(f"环境变量 {name} 应为数字，实际为 {raw!r}") from exc


def _int(name: str, default: int) -> int:
    return _number(name, default, int)


def _float(name: str, default: float) -> float:
    return _number(name, default, float)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see the README's Configuration table."""

    data_dir: Path
    corpus_dir: Path
    default_kb: str
    embedding: str
    chroma_host: str | None
    chroma_port: int
    store_timeout: float
    chunk_chars: int
    top_k: int
    candidates: int
    max_question_chars: int
    min_relevance: float
    embed_batch: int
    max_input_chars: int
    auth: tuple[str, str] | None
    admin: tuple[str, str] | None
    max_upload_mb: int
    # The 评测 tab: its own, smaller upload limit for question sets, and how many saved runs it keeps.
    max_question_set_mb: int
    eval_runs_kept: int
    admin_max_failures: int
    admin_lockout_s: float
    llm_base_url: str | None
    llm_model: str | None
    llm_api_key: str | None
    llm_timeout: float
    llm_context_tokens: int
    log_level: str  # the console's level for our messages; libraries stay at WARNING unless DEBUG
    # Document limits (see ingest/loaders.py): what one file may unpack to and yield.
    max_unzipped_mb: int
    max_text_chars: int
    xlsx_max_rows: int
    xlsx_max_columns: int
    xlsx_max_cells: int
    # OCR (ingest/ocr.py): pages whose mean recognition confidence is below this are named in the report.
    ocr_min_confidence: float
    # Ingestion-time warning: files estimated to embed for longer than this are announced.
    embed_rate: float
    warn_ingest_minutes: float

    def kb_dir(self, kb: str) -> Path:
        """This process's files for one knowledge base (manifest, caches), under the data dir."""
        return self.data_dir / "kb" / kb


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; tests call ``get_settings.cache_clear()``."""
    return Settings(
        data_dir=Path(os.environ.get("ZONEQA_DATA", PROJECT_ROOT / "data")).resolve(),
        corpus_dir=Path(os.environ.get("ZONEQA_CORPUS", PROJECT_ROOT / "corpus")).resolve(),
        default_kb=os.environ.get("ZONEQA_KB", "default"),
        embedding=os.environ.get("ZONEQA_EMBEDDING", "e5-small"),
        chroma_host=os.environ.get("CHROMA_HOST") or None,
        chroma_port=_int("CHROMA_PORT", 8000),
        store_timeout=_float("ZONEQA_STORE_TIMEOUT", 5.0),
        chunk_chars=_int("ZONEQA_CHUNK_CHARS", 500),
        top_k=_int("ZONEQA_TOP_K", 5),
        candidates=_int("ZONEQA_CANDIDATES", 30),
        max_question_chars=_int("ZONEQA_MAX_QUESTION_CHARS", 500),
        min_relevance=_float("ZONEQA_MIN_RELEVANCE", 0.3),
        embed_batch=_int("ZONEQA_EMBED_BATCH", 16),
        max_input_chars=_int("ZONEQA_MAX_INPUT_CHARS", 4000),
        auth=_auth(os.environ.get("ZONEQA_AUTH", "")),
        admin=_auth(os.environ.get("ZONEQA_ADMIN", ""), "ZONEQA_ADMIN"),
        max_upload_mb=_int("ZONEQA_MAX_UPLOAD_MB", 20),
        # 5,000 questions (the web cap) with answers and evidence fit in well under 5 MB.
        max_question_set_mb=_int("ZONEQA_MAX_QUESTION_SET_MB", 5),
        eval_runs_kept=_int("ZONEQA_EVAL_RUNS_KEPT", 50),
        admin_max_failures=_int("ZONEQA_ADMIN_MAX_FAILURES", 5),
        admin_lockout_s=_float("ZONEQA_ADMIN_LOCKOUT_S", 30.0),
        llm_base_url=os.environ.get("ZONEQA_LLM_BASE_URL") or None,
        llm_model=os.environ.get("ZONEQA_LLM_MODEL") or None,
        llm_api_key=os.environ.get("ZONEQA_LLM_API_KEY") or None,
        llm_timeout=_float("ZONEQA_LLM_TIMEOUT", 20.0),
        llm_context_tokens=_int("ZONEQA_LLM_CONTEXT_TOKENS", 3000),
        log_level=_log_level(os.environ.get("ZONEQA_LOG_LEVEL", "INFO")),
        max_unzipped_mb=_int("ZONEQA_MAX_UNZIPPED_MB", 50),
        # 20 million characters: any plain-text file under the default upload limit passes;
        # the cap matters for text extracted from Office/PDF files, which can expand.
        max_text_chars=_int("ZONEQA_MAX_TEXT_CHARS", 20_000_000),
        xlsx_max_rows=_int("ZONEQA_XLSX_MAX_ROWS", 200_000),
        xlsx_max_columns=_int("ZONEQA_XLSX_MAX_COLUMNS", 1_000),
        xlsx_max_cells=_int("ZONEQA_XLSX_MAX_CELLS", 2_000_000),
        # PP-OCRv4 scores clean print at 0.95-0.99; a page below 0.8 is worth a human look.
        ocr_min_confidence=_float("ZONEQA_OCR_MIN_CONFIDENCE", 0.8),
        embed_rate=_float("ZONEQA_EMBED_RATE", MEASURED_EMBED_RATE),
        warn_ingest_minutes=_float("ZONEQA_WARN_INGEST_MINUTES", 5.0),
    )


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"环境变量 ZONEQA_LOG_LEVEL 应为 {'/'.join(_LOG_LEVELS)} 之一，实际为 {raw!r}")
    return level


def _auth(raw: str, name: str = "ZONEQA_AUTH") -> tuple[str, str] | None:
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise ConfigError(f"{name} 的格式应为 用户名:密码")
    return user, password


def validate_kb_name(name: str) -> str:
    """Return ``name`` if it can name a knowledge base, else raise InvalidNameError."""
    if not KB_NAME_PATTERN.match(name or ""):
        raise InvalidNameError(
            f"知识库名称 {name!r} 无效：只能使用字母、数字、下划线和连字符（1–50 个字符），且以字母或数字开头。"
        )
    return name
