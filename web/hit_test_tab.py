"""The 命中测试 tab (admins only, ZONEQA_ADMIN): a question -> the ranked passages with their BM25, dense and
fused ranks and scores, the relevance decision and its reason, and the sentences the answer would quote.
Top-k, candidates and the relevance threshold can be changed for the test only. The content is
retrieval.hit_test's JSON, the same that ``POST /api/search`` returns.

Admin-only because it lays open scoring internals and lets settings be tried at will; the same credentials
and back-off as 知识库管理 (web.admin_tab)."""

from __future__ import annotations

import html
import logging
from typing import Any

import gradio as gr

from errors import ZoneQAError
from retrieval.hit_test import CANDIDATES_RANGE, K_RANGE, HitTestSettings, hit_test
from web.admin_tab import AdminError, check_admin
from web.security import LoginThrottle

log = logging.getLogger(__name__)
PREVIEW = 240  # characters of a passage shown in the table


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _rank(signal: dict[str, Any] | None, digits: int) -> str:
    if signal is None:
        return "—（未进入候选）"
    return f"第 {signal['rank']} 名（{signal['score']:.{digits}f}）"


def hit_test_html(result: dict[str, Any]) -> str:
    """The hit-test JSON as a page: decision, answer, then one table row per ranked passage."""
    decision = result["decision"]
    s = result["settings"]
    relevant = decision["decision"] == "relevant"
    parts = [f'<div class="zq-{"score" if relevant else "notice"}" id="zq-hit-decision">'
             f'判定：{"可以作答" if relevant else "拒答"}。{_e(decision["reason"])}'
             f'<br>本次参数：top-k {s["k"]}，候选 {s["candidates"]}，相关度阈值 {s["min_relevance"]}；'
             f'用时 {result["timings_ms"]["total"]:.0f} 毫秒</div>',
             f'<p><b>回答</b>：{_e(result["answer"]["text"])}</p>']
    if result["query"]["terms"]:
        parts.append("<p><b>问题关键词（权重）</b>：" + "、".join(
            f"{_e(t)}（{result['query']['weights'].get(t, 0):.2f}）" for t in result["query"]["terms"]) + "</p>")
    rows = []
    for p in result["passages"]:
        sentences = "".join(f"<mark>{_e(q)}</mark><br>" for q in p["answer_sentences"])
        text = p["text"][:PREVIEW] + ("…" if len(p["text"]) > PREVIEW else "")
        rows.append(
            f"<tr><td>{p['rank']}</td><td class='zq-hit-bm25'>{_rank(p['bm25'], 3)}</td>"
            f"<td class='zq-hit-dense'>{_rank(p['dense'], 4)}</td>"
            f"<td class='zq-hit-fused'>{p['fused']['score']:.5f}（{p['fused']['scaled']:.3f}）</td>"
            f"<td>{'相关' if p['relevant'] else '不相关'}：{_e(p['reason'])}</td>"
            f"<td>{_e(p['source'])}<br>{_e(p['section'])}</td><td>{sentences}{_e(text)}</td></tr>")
    parts.append("<table id='zq-hit-table'><tr><th>融合排名</th><th>BM25 排名（分数）</th><th>向量排名（相似度）</th>"
                 "<th>融合分数（归一化）</th><th>相关度判定</th><th>来源 · 章节</th><th>答案句 / 片段</th></tr>"
                 + "".join(rows) + "</table>")
    return "".join(parts)


class HitTestTab:
    def __init__(self, assistant, default_kb: str, throttle: LoginThrottle) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.default_kb = default_kb
        self.throttle = throttle  # shared with 知识库管理 (web.security.admin_login_throttle)

    def run(self, user: str, password: str, question: str, kb: str | None, k: float, candidates: float,
            threshold: float, request: gr.Request) -> str:
        client = request.client.host if request is not None and request.client else "unknown"
        try:
            self.throttle.attempt(client, lambda: check_admin(self.settings, user, password), AdminError)
            result = hit_test(self.assistant, question, kb or self.default_kb,
                              HitTestSettings(int(k), int(candidates), float(threshold)))
        except ZoneQAError as exc:
            return f'<div class="zq-notice">{_e(exc.message)}</div>'
        except Exception:
            log.exception("hit test failed")
            return '<div class="zq-notice">命中测试出错，请查看服务器日志。</div>'
        return hit_test_html(result)


def build_hit_test_tab(assistant, kbs: list[str], default_kb: str, throttle: LoginThrottle) -> None:
    """The tab's components and events, built inside the caller's Blocks."""
    tab = HitTestTab(assistant, default_kb, throttle)
    s = assistant.settings
    if s.admin is None:
        gr.HTML('<div class="zq-notice">未设置管理员凭据（环境变量 ZONEQA_ADMIN=用户名:密码），命中测试已关闭。</div>')
    with gr.Row():
        user = gr.Textbox(label="管理员用户名", elem_id="zq-hit-user", scale=1)
        password = gr.Textbox(label="密码", type="password", elem_id="zq-hit-password", scale=1)
        kb = gr.Dropdown(choices=kbs, value=default_kb, label="知识库", allow_custom_value=True,
                         elem_id="zq-hit-kb", scale=1)
    question = gr.Textbox(label="问题", placeholder="输入要测试的问题", elem_id="zq-hit-question")
    with gr.Row():
        k = gr.Slider(K_RANGE[0], 20, value=s.top_k, step=1, label="top-k（返回片段数）", elem_id="zq-hit-k")
        candidates = gr.Slider(CANDIDATES_RANGE[0], 200, value=s.candidates, step=1, label="候选数（每路检索）",
                               elem_id="zq-hit-candidates")
        threshold = gr.Slider(0.0, 1.0, value=s.min_relevance, step=0.05, label="相关度阈值",
                              elem_id="zq-hit-threshold")
    run = gr.Button("测试", variant="primary", elem_id="zq-hit-run")
    gr.Markdown("以上参数只用于本次测试，不影响问答。")
    out = gr.HTML(elem_id="zq-hit-result")
    inputs = [user, password, question, kb, k, candidates, threshold]
    run.click(tab.run, inputs, [out], api_visibility="private")
    question.submit(tab.run, inputs, [out], api_visibility="private")
