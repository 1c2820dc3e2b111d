"""The errors users can meet, one hierarchy for the API, the chat and the CLIs alike.

Each class carries the HTTP status it becomes; its message is Chinese and meant
for the user. The CLIs print the message and exit with code 2, the API answers
``{"error": message}`` with the status, the chat shows the message as a notice.
Anything that is not a :class:`ZoneQAError` is a bug: logged, never shown.
"""

from __future__ import annotations


class ZoneQAError(Exception):
    """An expected failure; ``message`` is for the user, ``status`` is its HTTP status."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- 4xx: the request


class InputError(ZoneQAError):
    """A request that cannot be served as asked (empty question, k out of range)."""

    status = 400


class QuestionError(InputError):
    """A question that cannot be asked (empty)."""


class InvalidNameError(InputError):
    """A knowledge-base name that could not name a collection or a folder."""


class TooLongError(InputError):
    """Input over the configured limit."""

    status = 413


class ForbiddenError(ZoneQAError):
    """An action the caller's credentials do not allow (admin actions)."""

    status = 403


class NotFoundError(ZoneQAError):
    """Something named by the request does not exist."""

    status = 404


class KnowledgeBaseMissingError(NotFoundError):
    """No knowledge base of that name exists."""


class DocumentMissingError(NotFoundError):
    """A knowledge base holds no file of that name."""


class PathMissingError(NotFoundError):
    """A file or folder given to ingest does not exist."""


class UnknownModelError(NotFoundError):
    """An OpenAI-style model name that names no knowledge base."""


class BusyError(ZoneQAError):
    """Too much work queued already (background evaluations); try again later."""

    status = 429


class ModelMismatchError(ZoneQAError):
    """The knowledge base was built with another embedding model (rebuild it)."""

    status = 409


# --------------------------------------------------------------------------- 5xx: the service


class ConfigError(ZoneQAError):
    """A malformed setting (environment variable)."""

    status = 500


class StoreUnavailableError(ZoneQAError):
    """The knowledge-base store (a Chroma server) is down or did not answer in time."""

    status = 503
