"""The web page: the chat, 数据速查, 知识库管理, 评测 and 命中测试 tabs in one Gradio Blocks."""

from __future__ import annotations

import gradio as gr

from evaluation.jobs import EvaluationRunner
from retrieval.ask import Assistant
from web.api import FigureTables
from web.chat import build_chat_tab
from web.admin_tab import build_admin_tab
from web.eval_tab import build_eval_tab
from web.figures_tab import build_figures_tab
from web.hit_test_tab import build_hit_test_tab
from web.security import GRADIO_CACHE_SWEEP, admin_login_throttle


def build_ui(assistant: Assistant, figures: FigureTables, kbs: list[str], default_kb: str,
             evaluations: EvaluationRunner | None = None) -> gr.Blocks:
    admin_throttle = admin_login_throttle(assistant.settings)  # one back-off for every tab that checks ZONEQA_ADMIN
    with gr.Blocks(title="高新区政策与报告问答助手", delete_cache=GRADIO_CACHE_SWEEP) as demo:
        gr.Markdown("## 高新区政策与报告问答助手\n回答均摘自已收录文件，并标注来源；原文中以“\\*”隐去的数字会如实说明。")
        with gr.Tabs():
            with gr.Tab("智能问答", id="chat"):
                build_chat_tab(assistant, kbs, default_kb)
            with gr.Tab("数据速查", id="figures", elem_id="zq-fig-tab"):
                build_figures_tab(figures, kbs, default_kb)
            with gr.Tab("知识库管理", id="admin", elem_id="zq-admin-tab"):
                build_admin_tab(assistant.settings, default_kb, admin_throttle)
            with gr.Tab("评测", id="eval", elem_id="zq-eval-tab"):
                build_eval_tab(evaluations or EvaluationRunner(assistant), kbs, default_kb)
            with gr.Tab("命中测试", id="hit-test", elem_id="zq-hit-tab"):
                build_hit_test_tab(assistant, kbs, default_kb, admin_throttle)
    return demo
