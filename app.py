"""Web entry: python app.py [--host H] [--port P] [--kb NAME]

Serves the Gradio page at / (chat, 数据速查, 知识库管理, 评测, 命中测试 tabs) and the HTTP API
(/api/ask, /api/search, /api/figures, /api/health, /v1/chat/completions, /v1/models) on one FastAPI app. On start it brings the
knowledge base up to date with corpus/ (incremental), then serves.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import logging
import secrets
import socket
import sys
from typing import TYPE_CHECKING

import settings as _settings  # noqa: F401  (sets the offline environment first)
from errors import ZoneQAError
from settings import Settings, get_settings, validate_kb_name

if TYPE_CHECKING:
    from fastapi import Request

log = logging.getLogger("zoneqa")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Paths that need the login when ZONEQA_AUTH is set: the API, the OpenAI-compatible API and the document viewer.
PROTECTED_PREFIXES = ("/api/", "/v1/", "/documents/")
# What the chat's login cookie opens besides the chat: only reading the documents its citations link to (查看原文).
# The rest of /api/ and /v1/ still needs HTTP Basic or Bearer credentials, so a browser session (and whatever
# runs in it) cannot call the API.
VIEWER_PREFIXES = ("/documents/", "/api/documents/")


def _opened_by_chat_login(request: Request) -> bool:
    return request.method == "GET" and request.url.path.startswith(VIEWER_PREFIXES)


def _credentials_ok(header: str, auth: tuple[str, str]) -> bool:
    """HTTP Basic user:password, or a Bearer token equal to 'user:password' (for OpenAI clients)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(value.encode(), f"{auth[0]}:{auth[1]}".encode())


def create_app(s: Settings | None = None, kb: str | None = None):
    """The FastAPI app with the API routes and the chat mounted at /."""
    from retrieval.ask import Assistant

    s = s or get_settings()
    default_kb = validate_kb_name(kb or s.default_kb)
    assistant = Assistant(s)
    assistant.warm_up(default_kb)  # loads the index while the page is being built

    import gradio as gr
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from fastapi_offline import FastAPIOffline

    from evaluation.jobs import EvaluationRunner
    from store import list_knowledge_bases
    from web.api import FigureTables, build_router, build_search_router, install_error_handlers
    from web.chat import CITATION_SCRIPT, CSS, THEME
    from web.chinese_labels import LABELS_SCRIPT
    from web.security import (enable_client_path_checks, gradio_mount_options, gradio_session_user,
                              hide_api_info_from_guests, mounted_gradio_app)
    from web.ui import build_ui
    from web.viewer import build_viewer_router

    # /api/docs with Swagger UI's files served from the fastapi-offline wheel: FastAPI's own page loads them from a
    # CDN, which this offline product cannot reach (the page stayed blank).
    app = FastAPIOffline(title="ZoneQA", docs_url="/api/docs", redoc_url=None, static_url="/api/docs-assets")
    install_error_handlers(app)

    mounted = {}  # the Gradio app, mounted below: its login cookie also opens the document viewer (GET only)
    if s.auth:
        @app.middleware("http")
        async def require_credentials(request: Request, call_next):
            path = request.url.path
            protected = path.startswith(PROTECTED_PREFIXES) or path == app.openapi_url  # the schema, like /api/docs
            if protected and path != "/api/health":
                if not (_credentials_ok(request.headers.get("authorization", ""), s.auth)
                        or (_opened_by_chat_login(request)
                            and gradio_session_user(mounted.get("gradio"), request) is not None)):
                    return JSONResponse({"error": "需要登录凭据。"}, status_code=401,
                                        headers={"WWW-Authenticate": 'Basic realm="zoneqa"'})
            response = await call_next(request)
            if request.method == "GET" and response.headers.get("content-type", "").startswith("text/html"):
                response = await hide_api_info_from_guests(response)
            return response

    figures = FigureTables(assistant)
    app.include_router(build_router(assistant, figures))
    app.include_router(build_viewer_router(s))
    app.include_router(build_search_router(assistant))
    kbs = list_knowledge_bases(s) or [default_kb]
    evaluations = EvaluationRunner(assistant)  # the 评测 tab's background runs (benchmarks reach it via app.state)
    demo = build_ui(assistant, figures, kbs, default_kb, evaluations)
    app = gr.mount_gradio_app(
        app, demo, path="/", auth=s.auth, theme=THEME, css=CSS, footer_links=[],
        js=f"() => {{ ({CITATION_SCRIPT})(); ({LABELS_SCRIPT})(); }}",
        ssr_mode=False, auth_message="请输入 ZONEQA_AUTH 中设置的用户名和密码。", **gradio_mount_options(s),
    )
    enable_client_path_checks(demo)
    mounted["gradio"] = mounted_gradio_app(app)
    app.state.evaluations = evaluations
    return app


def ensure_index(s: Settings, kb: str) -> None:
    """Ingest corpus/ into ``kb`` when it is missing or out of date (incremental, progress on the console)."""
    from ingest.sync import knowledge_base_is_current, sync_knowledge_base
    from web.admin_tab import source_folders

    roots = source_folders(s, kb, with_corpus=True)  # corpus/ and the files uploaded through the admin tab
    if s.chroma_host is None and knowledge_base_is_current(kb, roots, s):
        return
    print(f"正在更新知识库 {kb}（来源 {s.corpus_dir}）……", flush=True)
    report = sync_knowledge_base(roots, kb=kb, settings=s)
    for message in report.skipped:
        print(f"跳过：{message}", flush=True)
    print(report.summary(), flush=True)


# Libraries that log at DEBUG/INFO on their own (bm25s announces every index build): quiet on the console.
_CHATTY_LIBRARIES = ("bm25s", "httpx", "httpcore", "chromadb", "urllib3", "gradio", "asyncio", "multipart",
                     "uvicorn", "sentence_transformers", "jieba")


def configure_logging(level: str) -> None:
    """Our messages at ``level`` (ZONEQA_LOG_LEVEL); libraries at WARNING unless DEBUG is asked for.

    A filter on the console handler, not logger levels: bm25s sets its own logger to DEBUG when imported,
    which happens after start-up configured logging."""
    logging.basicConfig(level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if level == "DEBUG":
        return

    def quiet_libraries(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] not in _CHATTY_LIBRARIES

    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet_libraries)


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (checked before the slow start, so a busy
    port is reported at once instead of after ingestion and model loading)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn does: a port left in TIME_WAIT by a closed server is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    try:
        s = get_settings()
    except ZoneQAError as exc:  # a malformed environment variable
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python app.py", description="启动高新区政策与报告问答助手（网页与 API）。")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认只监听本机 127.0.0.1")
    parser.add_argument("--port", type=int, default=7860, help="端口，默认 7860")
    parser.add_argument("--kb", default=s.default_kb, help=f"默认知识库，默认 {s.default_kb}")
    parser.add_argument("--no-auth", action="store_true",
                        help="在非本机地址上不设登录也启动（不安全，仅限受信任的内网）")
    parser.add_argument("--skip-ingest", action="store_true", help="启动时不检查、不更新知识库")
    args = parser.parse_args(argv)
    configure_logging(s.log_level)

    try:
        kb = validate_kb_name(args.kb)
    except ZoneQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host) and not s.auth:
        if not args.no_auth:
            print(f"错误：在 {args.host} 上提供服务需要设置登录凭据，例如 ZONEQA_AUTH=用户名:密码；"
                  "确需无登录运行请加 --no-auth。", file=sys.stderr)
            return 2
        log.warning("在 %s 上无登录运行：任何能访问该地址的人都能使用问答与 API。", args.host)
    if port_in_use(args.host, args.port):
        print(f"错误：端口 {args.port} 已被占用（{args.host}），请关闭占用它的程序或用 --port 换一个端口。",
              file=sys.stderr)
        return 2
    if not args.skip_ingest:
        ensure_index(s, kb)

    import uvicorn

    app = create_app(s, kb)
    print(f"问答助手已启动：http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
