"""The Gradio chat: streamed answers with [n] markers, a sources panel, examples, feedback, follow-ups."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from errors import ZoneQAError
from retrieval.ask import Assistant
from retrieval.schema import AnswerResult, Delta
from web.limits import check_question_length
from web.render import answer_markdown, escape_markdown, sources_html

log = logging.getLogger(__name__)

EXAMPLES = [
    "国家专利审查协作分中心有多少专业人才？",
    "2023年道路建设有什么计划？",
    "2022年新认定了多少家高新技术企业？",
    "“高新贷”发放了多少？",
    "How many high-tech enterprises were newly recognized in 2022?",
]
STREAM_STEP = 6  # characters added per streamed update
STREAM_DELAY = 0.02

CSS = """
.zq-source{border:1px solid var(--border-color-primary);border-radius:8px;padding:6px 10px;margin:6px 0}
.zq-source summary{cursor:pointer}
.zq-score{color:var(--body-text-color-subdued);font-size:.85em;margin-left:6px}
.zq-low{color:#b45309;font-size:.85em;margin-left:6px}
.zq-passage{margin-top:6px;line-height:1.7;white-space:pre-wrap}
.zq-passage mark{background:#fde68a;padding:0 2px}
.zq-notice{background:#fee2e2;border-radius:8px;padding:8px 10px;margin:6px 0}
.zq-warning{background:#fef3c7;border-radius:8px;padding:8px 10px;margin:6px 0}
.zq-empty{color:var(--body-text-color-subdued)}
.zq-figure{padding:6px 0;border-bottom:1px solid var(--border-color-primary);line-height:1.7}
"""

# Local fonts only: the default theme would fetch web fonts, and this product runs offline.
THEME = gr.themes.Soft(
    font=["PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "sans-serif"],
    font_mono=["Menlo", "Consolas", "monospace"],
)


class FeedbackLog:
    """Appends 👍/👎 feedback as JSON lines in the data dir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class ChatSession:
    """The chat's behaviour, apart from its layout: answer, record feedback, clear."""

    def __init__(self, assistant: Assistant, default_kb: str) -> None:
        self.assistant = assistant
        self.default_kb = default_kb
        self.feedback = FeedbackLog(assistant.settings.data_dir / "feedback.jsonl")

    def respond(self, message: str, state: dict, kb: str) -> Iterator[tuple]:
        """Outputs (chatbot, sources panel, state, input box) as the answer streams in.

        The conversation shown is rebuilt from this session's own state, never taken from the client: a
        client-sent history could carry file messages naming server paths (issue 11), and we only ever
        show plain text we wrote ourselves.
        """
        message = (message or "").strip()
        state = {**new_state(), **(state or {})}
        if not message:
            gr.Warning("请输入问题。")
            yield state["history"], gr.update(), state, message
            return
        standalone = self.assistant.condense(state["questions"], message)
        history = state["history"] + [{"role": "user", "content": escape_markdown(message)},
                                      {"role": "assistant", "content": ""}]
        answer, streamed = None, ""
        try:
            check_question_length(self.assistant.settings, standalone)
            for event in self.assistant.ask_stream(standalone, kb or self.default_kb):
                if isinstance(event, Delta):  # a language model writing: show its words as they come
                    streamed += event.text
                    history[-1] = {"role": "assistant", "content": escape_markdown(streamed)}
                    yield history, gr.update(), state, ""
                else:
                    answer = event.answer
        except ZoneQAError as exc:  # a Chinese message for the user (store down, bad input, …)
            yield _failed(history, escape_markdown(f"⚠️ {exc.message}"), state)
            return
        except Exception:  # never a stack trace in the page; the server keeps serving
            log.exception("answering failed")
            yield _failed(history, "⚠️ 系统暂时无法回答，请稍后再试。", state)
            return
        yield from self._show(answer, message, standalone, history, state, streamed)

    def _show(self, answer: AnswerResult, message: str, standalone: str, history: list[dict], state: dict,
              streamed: str) -> Iterator[tuple]:
        """The finished answer: at once when a model streamed it, else typed out in small steps."""
        state["questions"] = state["questions"] + [standalone]
        state["answers"] = state["answers"] + [answer.as_json()]
        full = answer_markdown(answer)
        if standalone != message:
            full += "\n\n" + escape_markdown(f"（按“{standalone}”理解）")
        panel = sources_html(answer)
        state["history"] = history[:-1] + [{"role": "assistant", "content": full}]
        if streamed:  # the model's text, or the extractive answer that replaced it
            history[-1] = {"role": "assistant", "content": full}
            yield history, panel, state, ""
            return
        for shown in _typed_out(full):
            history[-1] = {"role": "assistant", "content": shown}
            yield history, panel, state, ""

    def on_like(self, data: gr.LikeData, state: dict) -> None:
        answers = (state or {}).get("answers", [])
        turn = data.index[0] // 2 if isinstance(data.index, (list, tuple)) else int(data.index) // 2
        record = answers[turn] if 0 <= turn < len(answers) else {}
        self.feedback.append({
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "liked": bool(data.liked),
            "question": record.get("question", ""),
            "answer": record.get("answer", ""),
            "citations": record.get("citations", []),
        })
        gr.Info("感谢反馈！")

    @staticmethod
    def clear() -> tuple:
        return [], sources_html(None), new_state(), ""


def new_state() -> dict[str, list]:
    """A session's conversation: standalone questions, answer JSONs, and the messages shown (text only)."""
    return {"questions": [], "answers": [], "history": []}


def _failed(history: list[dict], markdown: str, state: dict) -> tuple:
    history[-1] = {"role": "assistant", "content": markdown}
    state["history"] = history
    return history, sources_html(None), state, ""


def _typed_out(full: str) -> Iterator[str]:
    """Growing prefixes of ``full``, cut only outside a backslash escape so Markdown never shows half of one."""
    i = 0
    while i < len(full):
        if i:
            time.sleep(STREAM_DELAY)
        i = min(len(full), i + STREAM_STEP)
        while i < len(full) and full[i - 1] == "\\":
            i += 1
        yield full[:i]


@dataclass
class _ChatLayout:
    kb: Any
    chatbot: Any
    box: Any
    send: Any
    clear_btn: Any
    panel: Any


def _layout(kbs: list[str], default_kb: str) -> _ChatLayout:
    with gr.Row():
        with gr.Column(scale=3):
            kb = gr.Dropdown(choices=kbs, value=default_kb, label="知识库", visible=len(kbs) > 1)
            chatbot = gr.Chatbot(
                label="对话", height=520, elem_id="zq-chat",
                examples=[{"text": e} for e in EXAMPLES],
                placeholder="请输入关于高新区工作情况与政策的问题，或点击下方示例。",
                feedback_options=("Like", "Dislike"),
                buttons=["copy", "copy_all"],
            )
            with gr.Row():
                box = gr.Textbox(placeholder="输入问题，按回车发送", show_label=False, scale=5,
                                 max_lines=4, elem_id="zq-input")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="zq-send")
            clear_btn = gr.Button("清空对话", variant="secondary", elem_id="zq-clear")
        with gr.Column(scale=2):
            gr.Markdown("### 引用来源")
            panel = gr.HTML(sources_html(None), elem_id="zq-sources")
    return _ChatLayout(kb, chatbot, box, send, clear_btn, panel)


def example_text(data: gr.SelectData) -> str:
    """The clicked example's question. Gradio passes the event data by this annotation, so it must stay
    a typed function (a bare lambda gets no argument and fails when an example is clicked)."""
    return data.value["text"]


def build_chat_tab(assistant: Assistant, kbs: list[str], default_kb: str) -> None:
    """The chat, built inside the caller's Blocks; ``kbs`` fills the selector (hidden when there is one)."""
    session = ChatSession(assistant, default_kb)
    ui = _layout(kbs, default_kb)
    state = gr.State(new_state())
    inputs = [ui.box, state, ui.kb]
    outputs = [ui.chatbot, ui.panel, state, ui.box]
    hidden = {"api_visibility": "private"}
    ui.box.submit(session.respond, inputs, outputs, api_name="ask")
    ui.send.click(session.respond, inputs, outputs, **hidden)
    ui.chatbot.example_select(example_text, None, ui.box, **hidden).then(
        session.respond, inputs, outputs, **hidden)
    ui.chatbot.like(session.on_like, [state], None, **hidden)
    ui.clear_btn.click(session.clear, None, outputs, **hidden)
    ui.chatbot.clear(session.clear, None, outputs, **hidden)
    ui.kb.change(session.clear, None, outputs, **hidden)
