"""Input limits at the web boundary (API and chat alike): text past them is refused before any work."""

from __future__ import annotations

from errors import TooLongError
from settings import Settings

MAX_KEYWORD_CHARS = 200  # figure look-up keywords


def check_question_length(settings: Settings, question: str) -> None:
    limit = settings.max_input_chars
    if len(question) > limit:
        raise TooLongError(f"问题过长（{len(question)} 字），请精简到 {limit} 字以内。")
