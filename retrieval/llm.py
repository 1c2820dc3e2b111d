"""Optional answers from an OpenAI-compatible chat model, behind grounding guards.

Configured by ZONEQA_LLM_BASE_URL / ZONEQA_LLM_MODEL (and ZONEQA_LLM_API_KEY,
ZONEQA_LLM_TIMEOUT, ZONEQA_LLM_CONTEXT_TOKENS). Not configured -> the
extractive answer, as always. After generation the guards check that every
[n] names a passage that was given, and that every number in the answer is
written in a passage it cites — which also catches a figure masked as * in
the source being filled in. A failing answer gets one retry with the problems
stated, then the extractive answer takes its place.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from retrieval.hybrid import Passage
from settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

PROMPTS_DIR = PROJECT_ROOT / "prompts"
REFUSAL_LLM = "资料中没有找到与该问题相关的内容，无法据此回答。"
# The model's reply is free text: a reply opening like the refusal the prompt asks for is one.
REFUSAL_OPENING = "资料中没有找到与该问题相关"
_CITATION = re.compile(r"\[(\d{1,3})\]")
# Digits (with decimals and %), and Chinese numerals of two or more characters (一 alone is a word: 唯一, 一流).
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?|[零〇一二两三四五六七八九十百千万亿]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


class LLMUnavailable(Exception):
    """The endpoint failed (down, slow, HTTP error, empty or malformed output)."""


@lru_cache(maxsize=None)
def load_prompt(name: str) -> str:
    """A prompt template from prompts/NAME.txt."""
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def count_tokens(text: str) -> int:
    """A local, conservative token estimate (tiktoken would download its tables): a CJK character
    is about one token, other text about four characters a token."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


@dataclass
class Grounding:
    ok: bool
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"ok": self.ok, "problems": list(self.problems)}


def is_model_refusal(text: str) -> bool:
    """True when the model answered with the refusal its prompt asks for."""
    return text.lstrip().startswith(REFUSAL_OPENING)


def check_grounding(answer: str, passages: list[str]) -> Grounding:
    """Check an LLM answer against the numbered passages it was given."""
    text = unicodedata.normalize("NFKC", answer).strip()
    if not text:
        return Grounding(False, ["回答为空"])
    if is_model_refusal(text):
        return Grounding(True)
    problems: list[str] = []
    cited = [int(n) for n in _CITATION.findall(text)]
    valid = sorted({n for n in cited if 1 <= n <= len(passages)})
    for n in sorted(set(cited) - set(valid)):
        problems.append(f"引用了不存在的段落 [{n}]（只给出了 {len(passages)} 段）")
    if not cited:
        problems.append("回答没有标注引用编号 [n]")
    sources = [unicodedata.normalize("NFKC", passages[n - 1]) for n in (valid or range(1, len(passages) + 1))]
    cited_text = "\n".join(sources)
    masked_source = "*" in cited_text
    for number in dict.fromkeys(_NUMBER.findall(_CITATION.sub(" ", text))):
        if number not in cited_text and number.rstrip("%") not in cited_text:
            note = "（所引原文此处以“*”隐去，不能填写具体数值）" if masked_source else ""
            problems.append(f"数字 {number} 不在所引段落中{note}")
    return Grounding(not problems, problems)


def number_passages(passages: list[Passage], budget_tokens: int) -> list[Passage]:
    """The passages that fit the context budget, best first (at least one)."""
    kept, used = [], 0
    for p in passages:
        cost = count_tokens(p.text) + 20
        if kept and used + cost > budget_tokens:
            break
        kept.append(p)
        used += cost
    return kept


def answer_messages(question: str, passages: list[Passage]) -> list[BaseMessage]:
    numbered = "\n\n".join(
        f"[{i}] 《{p.title or p.source}》{(' ' + p.section) if p.section else ''}\n{p.text}"
        for i, p in enumerate(passages, 1)
    )
    return [SystemMessage(load_prompt("answer_system")),
            HumanMessage(load_prompt("answer_user").format(passages=numbered, question=question))]


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """ChatOpenAI for the configured endpoint, or None when no endpoint is configured."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout, max_retries=0, temperature=0,
    )


@dataclass
class Generation:
    text: str
    grounding: Grounding

    @property
    def refused(self) -> bool:
        return is_model_refusal(self.text)


class LLMGenerator:
    """Generates a grounded answer, or raises LLMUnavailable / returns a failing Generation."""

    def __init__(self, model: BaseChatModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings

    def _invoke(self, messages: list[BaseMessage]) -> str:
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # network, timeout, HTTP status, malformed JSON: all the same to the user
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}") from exc
        text = reply.content if isinstance(reply.content, str) else "".join(
            part.get("text", "") for part in reply.content if isinstance(part, dict))
        if not text.strip():
            raise LLMUnavailable("empty reply")
        return text.strip()

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        """Yield the reply's text as it arrives."""
        try:
            for chunk in self.model.stream(messages):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except Exception as exc:
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def finish(self, messages: list[BaseMessage], first: str, passages: list[Passage]) -> Generation:
        """Guard ``first``; on a violation ask once more with the problems stated."""
        texts = [p.text for p in passages]
        if not first.strip():
            raise LLMUnavailable("empty reply")
        grounding = check_grounding(first, texts)
        if grounding.ok:
            return Generation(first.strip(), grounding)
        retry = messages + [AIMessage(first), HumanMessage(load_prompt("retry").format(
            problems="\n".join(f"- {p}" for p in grounding.problems)))]
        second = self._invoke(retry)
        return Generation(second, check_grounding(second, texts))

    def condense(self, previous: list[str], question: str) -> str:
        prompt = load_prompt("condense").format(history="\n".join(previous[-3:]), question=question)
        rewritten = self._invoke([HumanMessage(prompt)]).splitlines()[0].strip()
        return rewritten if 0 < len(rewritten) <= 300 else question
