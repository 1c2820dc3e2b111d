"""A real HTTP server on loopback speaking the OpenAI chat-completions protocol, with scripted replies.

Each test sets ``server.script = fn(request_body) -> Reply``; the server answers every request with it,
as JSON or (when the request asks for ``stream``) as server-sent events.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as the body instead of a well-formed completion


def passage_number(body: dict, needle: str) -> int:
    """The [n] under which the request's user message numbered the passage containing ``needle``."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    heads = list(re.finditer(r"^\[(\d+)\] ", user, re.M))
    for head, nxt in zip(heads, heads[1:] + [None]):
        if needle in user[head.start():nxt.start() if nxt else len(user)]:
            return int(head.group(1))
    raise AssertionError(f"no passage containing {needle!r} was sent")


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: Callable[[dict], Reply] = lambda body: Reply("未设置回复")
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                reply = fake.script(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw is not None or reply.status != 200:
                    payload = reply.raw if reply.raw is not None else json.dumps(
                        {"error": {"message": "scripted failure", "type": "server_error"}}).encode()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": body.get("model", "fake")}
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    pieces = [reply.text[i:i + 5] for i in range(0, len(reply.text), 5)]
                    for i, piece in enumerate(pieces):
                        delta = {"content": piece} if i else {"role": "assistant", "content": piece}
                        chunk = {**base, "object": "chat.completion.chunk",
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    end = {**base, "object": "chat.completion.chunk",
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                    self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                    return
                payload = json.dumps({**base, "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
                    ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
