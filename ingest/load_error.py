"""The one error every loader raises for a file it cannot turn into text."""


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file."""


def text_too_long(name: str, limit: int) -> LoadError:
    return LoadError(f"{name}: 提取出的文字超过 {limit} 个字符的上限（ZONEQA_MAX_TEXT_CHARS），已跳过")
