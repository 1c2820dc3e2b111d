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
from store import list_knowledge_bases
from web.limits import check_question_length
from web.render import EMPTY_PANEL, answer_markdown, escape_markdown, link_citations, sources_html, sources_panel

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
.zq-source.zq-active{outline:2px solid #f59e0b;background:#fffbeb}
.zq-turn-title{font-size:.85em;color:var(--body-text-color-subdued);margin:2px 0 4px}
.zq-view{display:inline-block;margin-top:6px;font-size:.9em}
a.zq-cite{text-decoration:none;font-weight:600}
a.zq-turn-sources{font-size:.8em;margin-left:4px}
#zq-sources{max-height:560px;overflow-y:auto}
@media (max-width:640px){
  #zq-chat{height:auto !important;min-height:200px;max-height:60vh}  /* a phone: no empty 520 px box */
  #zq-chat .placeholder-content{padding-top:40px}  /* below the 对话 label, not under it */
  #zq-sources{max-height:none}
  /* Five tabs do not fit a phone's width: they wrap to a second row instead of running off the screen. */
  .tab-container{flex-wrap:wrap !important;height:auto !important}
}
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
            gr.Warning("请输入问题。", title="提示")
            yield state["history"], gr.update(), state, message
            return
        turn = len(state["panels"])
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
        yield from self._show(answer, message, standalone, history, state, streamed, kb or self.default_kb, turn)

    def _show(self, answer: AnswerResult, message: str, standalone: str, history: list[dict], state: dict,
              streamed: str, kb: str, turn: int) -> Iterator[tuple]:
        """The finished answer: at once when a model streamed it, else typed out in small steps. Its [n] link
        to its own sources, which stay in the panel (one section per answer) after later answers."""
        state["questions"] = state["questions"] + [standalone]
        state["answers"] = state["answers"] + [answer.as_json()]
        full = answer_markdown(answer)
        if standalone != message:
            full += "\n\n" + escape_markdown(f"（按“{standalone}”理解）")
        full = link_citations(full, turn)
        state["panels"] = state["panels"] + [sources_html(answer, kb, turn)]
        panel = sources_panel(state["panels"])
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
        gr.Info("感谢反馈！", title="提示")

    @staticmethod
    def clear() -> tuple:
        return [], EMPTY_PANEL, new_state(), ""


def new_state() -> dict[str, list]:
    """A session's conversation: standalone questions, answer JSONs, the messages shown (text only), and each
    answer's sources panel section (failed answers too, so answer i always owns section i)."""
    return {"questions": [], "answers": [], "history": [], "panels": []}


def _failed(history: list[dict], markdown: str, state: dict) -> tuple:
    turn = len(state["panels"])
    history[-1] = {"role": "assistant", "content": link_citations(markdown, turn)}
    state["history"] = history
    state["panels"] = state["panels"] + [sources_html(None)]
    return history, sources_panel(state["panels"]), state, ""


def _typed_out(full: str) -> Iterator[str]:
    """Growing prefixes of ``full``, cut only outside a backslash escape or an HTML tag (the citation links;
    text '<' is escaped as &lt;), so the chat never shows half of one."""
    i = 0
    while i < len(full):
        if i:
            time.sleep(STREAM_DELAY)
        i = min(len(full), i + STREAM_STEP)
        while i < len(full) and full[i - 1] == "\\":
            i += 1
        if full.rfind("<", 0, i) > full.rfind(">", 0, i):
            i = full.find(">", i) + 1 or len(full)
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
    """Chat and sources side by side, the input below both: on a phone the columns stack, so the sources
    follow the answers and the input stays at the bottom."""
    kb = gr.Dropdown(choices=kbs, value=default_kb, label="知识库", visible=len(kbs) > 1, elem_id="zq-kb")
    with gr.Row(elem_id="zq-chat-row"):
        with gr.Column(scale=3, min_width=300):
            chatbot = gr.Chatbot(
                label="对话", height=520, elem_id="zq-chat",
                examples=[{"text": e} for e in EXAMPLES],
                placeholder="请输入关于高新区工作情况与政策的问题，或点击下方示例。",
                feedback_options=("Like", "Dislike"),
                buttons=["copy", "copy_all"],
            )
        with gr.Column(scale=2, min_width=300):
            with gr.Accordion("引用来源", open=True, elem_id="zq-sources-box"):
                panel = gr.HTML(EMPTY_PANEL, elem_id="zq-sources")
    with gr.Row(elem_id="zq-input-row"):
        box = gr.Textbox(placeholder="输入问题，按回车发送", show_label=False, scale=5,
                         max_lines=4, elem_id="zq-input")
        send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="zq-send")
    clear_btn = gr.Button("清空对话", variant="secondary", elem_id="zq-clear")
    return _ChatLayout(kb, chatbot, box, send, clear_btn, panel)


# Clicks on an answer: a [n] link opens, highlights and scrolls to source n of that answer; a click anywhere
# else on an answer (or its 来源 link) shows that answer's sources. Client-side only: every answer's sources
# are already in the panel (web/render.sources_panel), so no round trip and nothing for a client to forge.
# Gradio's sanitiser drops data-* attributes, so the links say which answer and source in their href
# (#zq-src-TURN-N, #zq-turn-TURN).
CITATION_SCRIPT = """() => {
  const panel = () => document.getElementById('zq-sources');
  const target = (link) => /^#zq-(?:src|turn)-(\\d+)(?:-(\\d+))?$/.exec(link.getAttribute('href') || '');
  const showTurn = (turn) => {
    const p = panel();
    if (!p) return null;
    let shown = null;
    p.querySelectorAll('section.zq-turn').forEach((s) => {
      const on = s.id === `zq-turn-${turn}`;
      s.hidden = !on;
      if (on) shown = s;
    });
    return shown;
  };
  const openPanel = () => {
    const box = document.getElementById('zq-sources-box');
    const toggle = box && box.querySelector('button');
    if (toggle && !(panel() && panel().offsetParent)) toggle.click();  // the accordion was folded
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('#zq-chat a.zq-cite, #zq-chat a.zq-turn-sources');
    const where = link && target(link);
    if (where) {
      event.preventDefault();
      event.stopPropagation();
      openPanel();
      const section = showTurn(where[1]);
      const block = where[2] ? document.getElementById(`zq-src-${where[1]}-${where[2]}`) : section;
      if (!block) return;
      document.querySelectorAll('#zq-sources .zq-active').forEach((b) => b.classList.remove('zq-active'));
      if (block.tagName === 'DETAILS') { block.open = true; block.classList.add('zq-active'); }
      setTimeout(() => block.scrollIntoView({block: 'nearest', behavior: 'smooth'}), 50);
      return;
    }
    const message = event.target.closest && event.target.closest('#zq-chat .bot, #zq-chat [data-testid="bot"]');
    const marker = message && message.querySelector('a.zq-turn-sources');
    const turn = marker && target(marker);
    if (turn) showTurn(turn[1]);
  }, true);
}"""


def knowledge_base_choices(settings, default_kb: str):
    """The knowledge-base selector as the store is now (one made by the CLI shows without a restart); hidden
    while there is only one."""
    try:
        names = sorted(set(list_knowledge_bases(settings)) | {default_kb})
    except ZoneQAError:  # the store is down: keep the selector as it is
        return gr.update()
    return gr.update(choices=names, visible=len(names) > 1)


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
    gr.on(None, lambda: knowledge_base_choices(assistant.settings, default_kb), None, ui.kb, **hidden)
