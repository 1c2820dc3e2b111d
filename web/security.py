"""What the web layer lets clients reach: Gradio's file-path policy, its upload limit and cache lifetime,
the API schema shown to guests, and the back-off on wrong admin passwords."""

from __future__ import annotations

import math
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from settings import PROJECT_ROOT, Settings

# Gradio's own cache (uploads, copies of the files our functions return) is swept every 10 minutes of files
# older than an hour, and emptied when the server stops: uploads that never reach an accepted admin upload
# do not pile up on disk.
GRADIO_CACHE_SWEEP = (600, 3600)  # (every N seconds, delete files older than M seconds)
SYSTEM_SECRETS = ("/proc", "/sys", "/dev", "/etc")


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def gradio_blocked_paths(settings: Settings) -> list[str]:
    """Folders Gradio must never copy into its cache or serve, whoever names them: the process's environment
    and system files (secrets), our code and our data. A folder holding Gradio's upload cache or the temp
    folder (our exports) is left out, so a deployment that puts them there still works."""
    from gradio.utils import get_upload_folder

    needed = [Path(get_upload_folder()), Path(tempfile.gettempdir())]
    candidates = [Path(p) for p in SYSTEM_SECRETS] + [PROJECT_ROOT, settings.data_dir, settings.corpus_dir]
    return [str(p) for p in candidates if not any(_within(n, p) for n in needed)]


def gradio_mount_options(settings: Settings) -> dict[str, Any]:
    """Security options for ``gr.mount_gradio_app``: nothing served beyond Gradio's own upload cache
    (``allowed_paths`` empty), the secret folders blocked, uploads capped at ZONEQA_MAX_UPLOAD_MB by
    Gradio's upload route itself, before anything is kept on disk, and no internal error text to clients."""
    return {
        "allowed_paths": [],
        "blocked_paths": gradio_blocked_paths(settings),
        "max_file_size": settings.max_upload_mb * 1024 * 1024,
        # Gradio's own error texts name server paths (its blocked folders, our code and data dirs); our
        # handlers already turn every expected failure into a Chinese message, so clients need no more.
        "show_error": False,
    }


def enable_client_path_checks(blocks) -> None:
    """Switch on Gradio's check of file paths sent by clients.

    Gradio validates a client-sent FileData path (only files in its upload cache are accepted as input) only
    once ``launch()`` has set ``has_launched``; ``mount_gradio_app`` never sets it, so a mounted app copied any
    path a client named (e.g. /proc/self/environ) into its cache and served it (issue 11)."""
    blocks.has_launched = True


_API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.DOTALL)
_EMPTY_API_INFO = b'window.gradio_api_info = {"named_endpoints":{},"unnamed_endpoints":{}};</script>'


async def hide_api_info_from_guests(response):
    """Gradio embeds its API schema even in the login page it shows to guests (its /gradio_api/info route needs
    a login); blank it there. Pages for logged-in users are passed on unchanged."""
    from starlette.responses import Response

    page = b"".join([chunk async for chunk in response.body_iterator])
    if b'"auth_required":true' in page:
        page = _API_INFO.sub(_EMPTY_API_INFO, page, count=1)
    rewritten = Response(page, status_code=response.status_code)
    rewritten.raw_headers = rewritten.raw_headers + [
        (k, v) for k, v in response.raw_headers if k.lower() != b"content-length"]
    return rewritten


@dataclass
class _Failures:
    count: int = 0
    since: float = 0.0
    lockouts: int = 0
    until: float = 0.0


class LoginThrottle:
    """Per-client back-off on wrong admin passwords.

    After ``max_failures`` wrong attempts within ``window_s`` seconds a client is refused for ``lockout_s``
    seconds, doubling with each further lockout up to ``max_lockout_s``; a correct password clears its record.
    While refused, even the right password is not checked, so guessing cannot go faster than the back-off.
    """

    MAX_CLIENTS = 10_000  # records kept before expired ones are dropped

    def __init__(self, max_failures: int = 5, lockout_s: float = 30.0, window_s: float = 900.0,
                 max_lockout_s: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max(1, max_failures)
        self.lockout_s = lockout_s
        self.window_s = window_s
        self.max_lockout_s = max_lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[str, _Failures] = {}

    def attempt(self, client: str, check: Callable[[], None], refused: type[Exception]) -> None:
        """Run ``check`` (which raises ``refused`` on wrong credentials) unless ``client`` is backed off, in
        which case ``refused`` is raised with a message saying how long to wait."""
        with self._lock:  # one attempt per moment: concurrent guesses cannot slip past the count
            now = self._clock()
            record = self._clients.get(client)
            if record and now < record.until:
                wait = math.ceil(record.until - now)
                raise refused(f"管理员密码错误次数过多，请 {wait} 秒后再试。")
            try:
                check()
            except refused:
                self._failed(client, now)
                raise
            self._clients.pop(client, None)

    def _failed(self, client: str, now: float) -> None:
        record = self._clients.setdefault(client, _Failures(since=now))
        if now - record.since > self.window_s:  # old mistakes are forgotten...
            record.count, record.since = 0, now
        if record.lockouts and now - record.until > self.window_s:  # ...and so is a quiet window after a lockout
            record.lockouts = 0
        record.count += 1
        if record.count >= self.max_failures:
            record.lockouts += 1
            record.until = now + min(self.max_lockout_s, self.lockout_s * 2 ** (record.lockouts - 1))
            record.count, record.since = 0, now
        if len(self._clients) > self.MAX_CLIENTS:
            self._clients = {c: r for c, r in self._clients.items()
                             if now < r.until or now - r.since <= self.window_s}


def admin_login_throttle(settings: Settings) -> LoginThrottle:
    """The back-off on wrong admin passwords, as ZONEQA_ADMIN_* configure it. Build one per app and give it to
    every tab that checks the admin password (知识库管理, 命中测试), so a guesser's failures count in all of them."""
    return LoginThrottle(settings.admin_max_failures, settings.admin_lockout_s)


def mounted_gradio_app(app):
    """The Gradio app ``gr.mount_gradio_app`` mounted into the FastAPI ``app`` (it keeps the login sessions)."""
    from gradio.routes import App as GradioApp

    return next((route.app for route in app.routes if isinstance(getattr(route, "app", None), GradioApp)), None)


def gradio_session_user(gradio_app, request) -> str | None:
    """The user logged in to the Gradio page through this request's cookie, or None.

    Links from the chat (查看原文, page images, downloads) are opened by the browser, which sends Gradio's login
    cookie, not the API's Basic credentials: a valid chat login opens them too, so the viewer has the chat's auth."""
    if gradio_app is None:
        return None
    token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return gradio_app.tokens.get(token) if token else None
