"""Gradio's own English labels on our page, shown in Chinese whatever the browser's language.

Gradio translates some of its strings by the browser's locale (an English browser gets English) and hard-codes
others ("Copy conversation", "Select example 1: …"), so neither gr.I18n nor the page language covers them all.
The page script below replaces exactly these labels (whole text nodes and the aria-label, title and
placeholder attributes) as Gradio renders them; text inside chat messages, sources and tables is never touched.
"""

from __future__ import annotations

import json

# Gradio's English label -> ours. Whole strings only (after trimming), so document text is never rewritten.
LABELS: dict[str, str] = {
    "Copy message": "复制消息",
    "Copied message": "已复制",
    "Copy conversation": "复制整段对话",
    "Copied conversation": "已复制整段对话",
    "Copy": "复制",
    "Copied": "已复制",
    "Copy table data": "复制表格数据",
    "Copy to clipboard": "复制",
    "Fullscreen": "全屏",
    "Exit fullscreen mode": "退出全屏",
    "Exit fullscreen": "退出全屏",
    "Clear": "清空",
    "Like": "有帮助",
    "Dislike": "没帮助",
    "Retry": "重试",
    "Undo": "撤销",
    "Edit": "编辑",
    "Submit": "提交",
    "Warning": "提示",
    "Error": "出错了",
    "Info": "消息",
    "Success": "成功",
    "Close": "关闭",
    "Loading": "加载中",
    "Loading...": "加载中……",
    "Loading…": "加载中……",
    "processing": "处理中",
    "Processing": "处理中",
    "Drop File Here": "将文件拖放到这里",
    "Drop Files Here": "将文件拖放到这里",
    "- or -": "或",
    "Click to Upload": "点击上传",
    "Upload file": "上传文件",
    "Upload": "上传",
    "Download": "下载",
    "Remove": "移除",
    "Search": "搜索",
    "Sort": "排序",
    "Sort ascending": "升序",
    "Sort descending": "降序",
    "Clear sort": "取消排序",
    "Filter": "筛选",
    "Close search": "关闭搜索",
    "Search...": "搜索……",
    "Scroll down": "滚动到底部",
    "Scroll to bottom": "滚动到底部",
    "Chatbot": "对话",
    "chatbot conversation": "对话记录",
    "More tabs": "更多标签页",
    "Textbox": "文本框",
    "Dropdown": "下拉框",
    "File": "文件",
    "Table": "表格",
    "Select": "选择",
    "Settings": "设置",
    "Logout": "退出登录",
    "On mobile, the connection can break if this tab is unfocused or the device sleeps, losing your position in queue.":
        "在手机上，切换到其他页面或锁屏可能使连接中断，排队位置会丢失。",
    "Lost connection due to leaving page. Rejoining queue...": "离开页面后连接已断开，正在重新排队……",
    "Connection errored out.": "连接出错。",
    "Login": "登录",
    "Username": "用户名",
    "Password": "密码",
}

# Labels with a variable part: (JavaScript regular expression, replacement).
PATTERNS: list[tuple[str, str]] = [
    (r"^Select example (\d+): ?(.*)$", "选择示例 $1：$2"),
    (r"^Select example (\d+)$", "选择示例 $1"),
    (r"^Select to sort by (.*)$", "点击按“$1”排序"),
    (r"^Sort by (.*)$", "按“$1”排序"),
    (r"^(\d+) selected$", "已选 $1 项"),
    (r"^In queue: (\d+) of (\d+)$", "排队中：第 $1 位，共 $2 位"),
    (r"^queue: (\d+)/(\d+)$", "排队：$1/$2"),
    (r"^bot's message: ([\s\S]*)$", "回答：$1"),
    (r"^user's message: ([\s\S]*)$", "提问：$1"),
]

# Where user, document and answer text lives: never rewritten, even when a line equals a label.
UNTOUCHED = "#zq-sources, #zq-chat .message-content, #zq-chat .bot, #zq-chat .user, #zq-fig-context, textarea, input"

LABELS_SCRIPT = """() => {
  const labels = %s;
  const patterns = %s.map(([re, to]) => [new RegExp(re), to]);
  const untouched = %s;
  const chinese = (value) => {
    const text = value.trim();
    if (!text) return null;
    if (Object.prototype.hasOwnProperty.call(labels, text)) return value.replace(text, labels[text]);
    for (const [re, to] of patterns) if (re.test(text)) return value.replace(text, text.replace(re, to));
    return null;
  };
  const fixText = (node) => {
    const parent = node.parentElement;
    if (!parent || parent.closest(untouched)) return;
    const to = chinese(node.nodeValue);
    if (to !== null && to !== node.nodeValue) node.nodeValue = to;
  };
  const ATTRIBUTES = ['aria-label', 'title', 'placeholder'];
  const fixAttributes = (el) => {
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      const to = value && chinese(value);
      if (to && to !== value) el.setAttribute(name, to);
    }
  };
  const fix = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) fixText(n);
    fixAttributes(root);
    root.querySelectorAll('[aria-label], [title], [placeholder]').forEach(fixAttributes);
  };
  fix(document.body);
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'characterData') fixText(m.target);
      else if (m.type === 'attributes') fixAttributes(m.target);
      else m.addedNodes.forEach(fix);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ATTRIBUTES});
}""" % (json.dumps(LABELS, ensure_ascii=False), json.dumps(PATTERNS, ensure_ascii=False), json.dumps(UNTOUCHED))
