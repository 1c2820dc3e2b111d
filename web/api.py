"""HTTP API: POST /api/ask (answer JSON), GET /api/health, and OpenAI-compatible /v1 endpoints."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from typing import Any, Iterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from errors import InputError, StoreUnavailableError, TooLongError, UnknownModelError, ZoneQAError
from retrieval.ask import Assistant
from retrieval.figures import FigureOrder, FigureQuery, FigureTable
from retrieval.schema import AnswerResult, Delta, Final, StreamEvent
from store import list_knowledge_bases
from web.limits import MAX_KEYWORD_CHARS, check_question_length
from web.render import answer_with_sources_text

log = logging.getLogger(__name__)
MODEL_PREFIX = "zoneqa"
STREAM_PIECE = 8  # characters per streamed delta


class AskRequest(BaseModel):
    question: str
    kb: str | None = None
    k: int | None = Field(default=None, ge=1, le=50)


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = MODEL_PREFIX
    messages: list[ChatMessage]
    stream: bool = False


def answer_or_raise(assistant: Assistant, question: str, kb: str | None, k: int | None = None) -> AnswerResult:
    """Ask; expected failures are ZoneQAErrors, which carry their HTTP status."""
    check_question_length(assistant.settings, question)
    return assistant.ask(question, kb=kb, k=k)


def _text_of(message: ChatMessage) -> str:
    """The message's text; a content part whose text is not a string is the client's error (400)."""
    if not isinstance(message.content, list):
        return message.content or ""
    texts = [part.get("text", "") for part in message.content]
    if not all(isinstance(text, str) for text in texts):
        raise InputError("messages 中 content 的 text 字段必须是字符串。")
    return "".join(texts)


def _kb_of_model(model: str) -> str | None:
    """``zoneqa`` -> default knowledge base; ``zoneqa:NAME`` -> NAME."""
    if model == MODEL_PREFIX or not model:
        return None
    prefix, _, kb = model.partition(":")
    if prefix != MODEL_PREFIX or not kb:
        raise UnknownModelError(f"未知的模型 {model!r}：请使用 {MODEL_PREFIX} 或 {MODEL_PREFIX}:知识库名")
    return kb


class FigureTables:
    """One figure table per knowledge base, created on first use."""

    def __init__(self, assistant: Assistant) -> None:
        self.settings = assistant.settings
        self._tables: dict[str, FigureTable] = {}

    def search(self, kb: str | None, query: FigureQuery) -> list[dict[str, Any]]:
        kb = kb or self.settings.default_kb
        if kb not in self._tables:
            self._tables[kb] = FigureTable(kb, self.settings)
        return self._tables[kb].search(query)


def build_router(assistant: Assistant, figures: FigureTables | None = None) -> APIRouter:
    router = APIRouter()
    figures = figures or FigureTables(assistant)

    @router.get("/api/figures")
    async def figure_lookup(q: str = "", year: str = "", kind: str = "", unit: str = "", section: str = "",
                            kb: str | None = None, min_value: float | None = Query(None, alias="min"),
                            max_value: float | None = Query(None, alias="max"),
                            sort: FigureOrder = FigureOrder.DOCUMENT) -> dict[str, Any]:
        if len(q) > MAX_KEYWORD_CHARS:
            raise TooLongError(f"关键词过长，请精简到 {MAX_KEYWORD_CHARS} 字以内。")
        query = FigureQuery(q, year, kind, unit, section, min_value, max_value, sort)
        rows = await asyncio.to_thread(figures.search, kb, query)
        return {"query": q, "count": len(rows), "rows": rows}

    @router.get("/api/health")
    def health():
        try:
            return {"status": "ok", "knowledge_bases": list_knowledge_bases(assistant.settings)}
        except StoreUnavailableError as exc:
            return JSONResponse({"status": "degraded", "error": exc.message, "knowledge_bases": []},
                                status_code=exc.status)

    @router.post("/api/ask")
    async def ask(body: AskRequest) -> dict[str, Any]:
        answer = await asyncio.to_thread(answer_or_raise, assistant, body.question, body.kb, body.k)
        return answer.as_json()

    @router.get("/v1/models")
    def models() -> dict[str, Any]:
        ids = [MODEL_PREFIX] + [f"{MODEL_PREFIX}:{kb}" for kb in list_knowledge_bases(assistant.settings)]
        return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "zoneqa"} for i in ids]}

    @router.post("/v1/chat/completions")
    async def chat_completions(body: ChatRequest):
        kb = _kb_of_model(body.model)
        users = [_text_of(m) for m in body.messages if m.role == "user"]
        if not users:
            raise InputError("messages 中没有用户消息。")
        question = await asyncio.to_thread(assistant.condense, users[:-1], users[-1])
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        if body.stream:
            # Validation and search happen before the first byte, so bad input still gets a 4xx.
            check_question_length(assistant.settings, question)
            events = assistant.ask_stream(question, kb)

            head = await asyncio.to_thread(next, events)
            return StreamingResponse(_stream(completion_id, created, body.model, itertools.chain([head], events)),
                                     media_type="text/event-stream")
        answer = await asyncio.to_thread(answer_or_raise, assistant, question, kb)
        text = answer_with_sources_text(answer)
        return {
            "id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(question), "completion_tokens": len(text),
                      "total_tokens": len(question) + len(text)},
        }

    return router


def _stream(completion_id: str, created: int, model: str, events: Iterator[StreamEvent]) -> Iterator[str]:
    """Server-sent chunks: the model's words as they come (when one writes), then the sources.
    If the guards replaced the streamed words, a notice and the replacement follow them."""
    def chunk(delta: dict[str, str], finish: str | None = None) -> str:
        obj = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed, final = "", None
    for event in events:
        if isinstance(event, Delta):
            streamed += event.text
            yield chunk({"content": event.text})
        elif isinstance(event, Final):
            final = event.answer
    text = answer_with_sources_text(final)
    if not streamed:
        rest = text
    elif final.answer.strip() == streamed.strip():
        rest = text[len(final.answer):]
    else:
        rest = "\n\n（以上内容未通过核对，已替换为下面的回答）\n" + text
    for i in range(0, len(rest), STREAM_PIECE):
        yield chunk({"content": rest[i : i + STREAM_PIECE]})
    yield chunk({}, "stop")
    yield "data: [DONE]\n\n"


def install_error_handlers(app) -> None:
    """JSON errors everywhere: ours, validation errors, and anything unexpected (logged, never shown)."""
    from fastapi.exceptions import RequestValidationError

    def payload(request: Request, status: int, message: str) -> JSONResponse:
        if request.url.path.startswith("/v1/"):
            kind = "invalid_request_error" if status < 500 else "server_error"
            return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(ZoneQAError)
    async def _zoneqa_error(request: Request, exc: ZoneQAError):
        return payload(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", [])[1:])
        return payload(request, 422, f"请求格式不正确：{where} {first.get('msg', '')}".strip())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # Starlette logs the exception with its stack trace after this answer; the client sees none of it.
        return payload(request, 500, "服务器内部错误，请稍后再试。")


# ----------------------------------------------------------------------------- /api/search (hit testing)
# Kept apart from build_router: the JSON is retrieval.hit_test's (ARCHITECTURE.md, "POST /api/search").


class SearchRequest(BaseModel):
    question: str
    kb: str | None = None
    k: int | None = Field(default=None, ge=1, le=50)
    candidates: int | None = Field(default=None, ge=1, le=500)
    min_relevance: float | None = Field(default=None, ge=0.0, le=1.0)


def build_search_router(assistant: Assistant) -> APIRouter:
    """``POST /api/search``: the ranked passages with BM25, dense and fused ranks and the relevance decision;
    protected like /api/ask (ZONEQA_AUTH)."""
    from retrieval.hit_test import HitTestSettings, hit_test

    router = APIRouter()

    @router.post("/api/search")
    async def search(body: SearchRequest) -> dict[str, Any]:
        check_question_length(assistant.settings, body.question)
        test = HitTestSettings(body.k, body.candidates, body.min_relevance)
        return await asyncio.to_thread(hit_test, assistant, body.question, body.kb, test)

    return router
