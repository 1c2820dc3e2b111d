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


# --------------------------------------------------------------------------- the CLIs' own words

# argparse's texts (headings of -h, its usage errors) in Chinese, for every CLI at once: argparse looks each up
# through its module-level gettext ``_`` when it prints, so replacing that one name is enough. The flags and
# our own help texts are unchanged. Python 3.11's message ids; an id not listed stays English.
ARGPARSE_TEXTS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "invalid %(type)s value: %(value)r": "%(type)s 值无效：%(value)r",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选 %(choices)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
}


def _chinese_argparse() -> None:
    import argparse

    english = argparse._  # gettext.gettext
    argparse._ = lambda text: ARGPARSE_TEXTS.get(text) or english(text)


_chinese_argparse()
