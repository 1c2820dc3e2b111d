"""The web app as users and clients meet it: a real uvicorn server on loopback, real HTTP, the openai client,
gradio_client, and a real Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, post_json as _post, start_app as _start, stop_app as _stop

pytestmark = pytest.mark.slow  # starts apps, CLIs or servers as subprocesses

PATENT_Q = "国家专利审查协作分中心有多少专业人才？"


@pytest.fixture(scope="module")
def server(corpus_kb):
    proc, url = _start(corpus_kb)
    yield url
    _stop(proc)


def test_api_ask_returns_the_answer_json(server):
    status, obj = _post(f"{server}/api/ask", {"question": PATENT_Q, "k": 3})
    assert status == 200
    assert set(obj) == {"question", "answer", "refused", "citations", "passages", "timings_ms", "generator", "grounding"}
    assert obj["generator"] == "extractive" and obj["grounding"] == {"ok": True, "problems": []}
    assert "专业人才近*人" in obj["answer"] and obj["citations"][0]["n"] == 1
    assert len(obj["passages"]) == 3


@pytest.mark.parametrize("body,status,needle", [
    ({"question": ""}, 400, "不能为空"),
    ({"question": "   "}, 400, "不能为空"),
    ({"question": "？？？"}, 400, "没有可查询的文字"),
    ({"question": "高" * 10000}, 413, "过长"),
    ({"question": "道路", "kb": "nosuchkb"}, 404, "不存在"),
    ({"question": "道路", "kb": "../x"}, 400, "知识库名称"),
    ({"question": "道路", "k": 0}, 422, "k"),
    ({"q": "道路"}, 422, "question"),
])
def test_api_bad_input_gets_a_json_4xx(server, body, status, needle):
    got, obj = _post(f"{server}/api/ask", body)
    assert got == status and needle in obj["error"]
    # ...and the server keeps serving.
    ok, _ = _post(f"{server}/api/ask", {"question": PATENT_Q})
    assert ok == 200


def test_html_in_the_question_is_just_text(server):
    status, obj = _post(f"{server}/api/ask", {"question": "<script>alert(1)</script>高新贷批复发放了多少？"})
    assert status == 200 and obj["question"].startswith("<script>")


def test_openai_client_non_stream_and_stream(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="unused")
    assert "zoneqa" in [m.id for m in client.models.list().data]
    reply = client.chat.completions.create(model="zoneqa", messages=[{"role": "user", "content": PATENT_Q}])
    text = reply.choices[0].message.content
    assert "专业人才近*人" in text and "[1]" in text and "来源：" in text
    pieces = [c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="zoneqa", stream=True, messages=[{"role": "user", "content": "2023年道路建设有什么计划？"}])
        if c.choices]
    assert len(pieces) > 3 and "计划年内建成*条" in "".join(pieces)


def test_openai_follow_up_uses_the_conversation(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="unused")
    reply = client.chat.completions.create(model="zoneqa", messages=[
        {"role": "user", "content": "2023年道路有什么计划？"},
        {"role": "assistant", "content": "……"},
        {"role": "user", "content": "那2022年呢？"},
    ])
    text = reply.choices[0].message.content
    assert "建成道路*条" in text and "2022年主要工作情况" in text


def test_openai_errors_are_openai_shaped(server):
    import openai
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="zoneqa:nosuchkb", messages=[{"role": "user", "content": "道路"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="zoneqa", messages=[{"role": "user", "content": " "}])


def test_gradio_client_gets_a_cited_answer(server):
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    result = client.predict(PATENT_Q, "default", api_name="/ask")  # the history is the session's own
    content = result[0][-1]["content"]
    text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
    assert "专业人才近" in text and "[1" in text
    assert "<mark>" in result[1]


def test_non_loopback_needs_credentials(corpus_kb):
    r = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--skip-ingest"], cwd=ROOT,
                       env={**os.environ, "ZONEQA_DATA": str(corpus_kb)}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "ZONEQA_AUTH" in r.stderr


def test_credentials_protect_the_api(corpus_kb):
    """/api/ask and the staff's /api/search (命中测试) behind the same credentials, on one app start."""
    import base64

    proc, url = _start(corpus_kb, "--skip-ingest", env={"ZONEQA_AUTH": "staff:s3cret"})
    token = base64.b64encode(b"staff:s3cret").decode()
    try:
        for endpoint in ("/api/ask", "/api/search"):
            status, obj = _post(f"{url}{endpoint}", {"question": PATENT_Q})
            assert status == 401 and "凭据" in obj["error"]
            status, obj = _post(f"{url}{endpoint}", {"question": PATENT_Q}, {"Authorization": f"Basic {token}"})
            assert status == 200
            if endpoint == "/api/search":
                assert obj["passages"][0]["bm25"]["rank"] == 1
            status, _ = _post(f"{url}{endpoint}", {"question": PATENT_Q}, {"Authorization": "Bearer staff:wrong"})
            assert status == 401
        with urllib.request.urlopen(f"{url}/api/health", timeout=30) as resp:
            assert resp.status == 200
    finally:
        _stop(proc)


# ----------------------------------------------------------------------------- real browser

def _browser(p):
    return p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])


def _open(page, url: str) -> None:
    """Load the app and wait for the question box (not for network idle: the page keeps a queue open)."""
    page.goto(url + "/", wait_until="load")
    page.wait_for_selector("#zq-input textarea", timeout=60000)


def _ask_in_page(page, question: str) -> None:
    box = page.locator("#zq-input textarea")
    box.fill(question)
    box.press("Enter")


# True once the chat's text has not changed for 300 ms: a streamed answer has finished.
_CHAT_QUIET = """() => {
  const text = [...document.querySelectorAll('#zq-chat .bot, #zq-chat .user')].map(m => m.innerText).join('|');
  const now = Date.now();
  if (window.__zqText !== text) { window.__zqText = text; window.__zqSince = now; return false; }
  return now - window.__zqSince >= 300;
}"""


def _wait_until_quiet(page) -> None:
    """Wait for the chat to stop changing (a condition, not a fixed sleep)."""
    page.wait_for_function(_CHAT_QUIET, timeout=60000, polling=100)


def _api_until(url: str, question: str, done, timeout: float = 30) -> dict:
    """Ask over the API (same Assistant as the page) until ``done(body)``: the app has seen a change."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        status, body = _post(f"{url}/api/ask", {"question": question})
        if (status == 200 and done(body)) or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def _wait_for_answer(page, n: int) -> None:
    """Wait until the n-th answer has finished streaming (a new question is ignored while one streams)."""
    page.wait_for_function(
        f"(() => {{ const b = document.querySelectorAll('#zq-chat .bot'); return b.length >= {n} && b[{n} - 1].innerText.includes('隐去'); }})()",
        timeout=60000)
    _wait_until_quiet(page)  # the event ends just after its last streamed update


@pytest.mark.browser
def test_browser_chat_answers_with_an_openable_source(server, tmp_path):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
        _open(page, server)
        assert "2023年道路建设有什么计划？" in page.content()  # example questions on the empty chat
        _ask_in_page(page, PATENT_Q)
        page.wait_for_function("document.querySelector('#zq-sources mark') !== null", timeout=60000)
        bot = page.locator("#zq-chat .bot").last
        page.wait_for_function(
            "(() => { const b = [...document.querySelectorAll('#zq-chat .bot')].pop(); return b && b.innerText.includes('隐去'); })()",
            timeout=60000)
        assert "[1]" in bot.inner_text() and "专业人才近*人" in bot.inner_text()
        source = page.locator("#zq-sources details").first
        assert "（二）加快建设一流大学城" in source.locator("summary").inner_text()
        assert "国家专利审查协作分中心已集聚专业人才近*人" in source.locator("mark").first.inner_text()
        page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
        browser.close()
    assert (tmp_path / "chat.png").stat().st_size > 10000
    assert outside == [], f"the page reached outside the server: {outside[:5]}"


@pytest.mark.browser
def test_browser_clicking_an_example_asks_it(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _open(page, server)
        page.get_by_text("2023年道路建设有什么计划？").first.click()
        page.wait_for_function(
            "(() => [...document.querySelectorAll('#zq-chat .bot')].some(b => b.innerText.includes('道路')))()",
            timeout=60000)
        assert "2023年道路建设有什么计划？" in page.locator("#zq-chat .user").first.inner_text()
        browser.close()


@pytest.mark.browser
def test_browser_escapes_html_and_survives_bad_input(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        _open(page, server)
        _ask_in_page(page, '<img src=x onerror="alert(1)"><script>alert(2)</script>高新贷发放了多少？')
        page.wait_for_function("document.querySelectorAll('#zq-chat .bot').length >= 1", timeout=60000)
        _wait_until_quiet(page)
        assert dialogs == []
        assert page.locator("#zq-chat img[src='x']").count() == 0
        assert "<script>alert(2)</script>" in page.locator("#zq-chat .user").last.inner_text()
        _ask_in_page(page, "高" * 10000)
        page.wait_for_function(
            "(() => [...document.querySelectorAll('#zq-chat .bot')].some(b => b.innerText.includes('问题过长')))()",
            timeout=60000)
        _ask_in_page(page, "高新区管委会主任是谁？")
        page.wait_for_function("document.querySelector('#zq-sources .zq-notice') !== null", timeout=60000)
        page.screenshot(path=str(tmp_path / "refusal.png"), full_page=True)
        browser.close()
    assert dialogs == []


@pytest.mark.browser
def test_browser_follow_up_feedback_and_clear(server, corpus_kb):
    from playwright.sync_api import sync_playwright

    feedback = corpus_kb / "feedback.jsonl"
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _open(page, server)
        page.locator("#zq-input textarea").press("Enter")  # empty message: a warning, nothing sent
        page.wait_for_selector("text=请输入问题。", timeout=30000)
        assert page.locator("#zq-chat .user").count() == 0

        _ask_in_page(page, "2023年道路有什么计划？")
        _wait_for_answer(page, 1)
        _ask_in_page(page, "那2022年呢？")
        page.wait_for_function(
            "(() => [...document.querySelectorAll('#zq-chat .bot')].some(b => b.innerText.includes('按“2022年道路有什么计划？”理解')))()",
            timeout=60000)
        last = page.locator("#zq-chat .bot").last.inner_text()
        assert "建成道路*条" in last
        assert "2022年主要工作情况" in page.locator("#zq-sources section:not([hidden]) summary").first.inner_text()

        page.locator("#zq-chat button[aria-label='有帮助'], #zq-chat button[aria-label='Like']").last.click()
        page.wait_for_selector("text=感谢反馈", timeout=30000)
        page.locator("#zq-clear").click()
        page.wait_for_function("document.querySelectorAll('#zq-chat .user').length === 0", timeout=30000)
        assert page.locator("#zq-sources mark").count() == 0
        browser.close()
    lines = feedback.read_text(encoding="utf-8").splitlines()[before:]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["liked"] is True and record["question"] == "2022年道路有什么计划？"
    assert "建成道路*条" in record["answer"] and record["citations"] and record["time"]


def test_api_figures(server):
    with urllib.request.urlopen(f"{server}/api/figures?q=%E9%AB%98%E6%96%B0%E8%B4%B7", timeout=60) as resp:
        obj = json.loads(resp.read())
    periods = {r["period"] for r in obj["rows"] if "高新贷" in r["metric"]}
    assert periods == {"2022年完成", "2023年计划"} and obj["count"] == len(obj["rows"])
    with urllib.request.urlopen(f"{server}/api/figures?q=%25%27%3B", timeout=60) as resp:  # %'; is harmless
        assert json.loads(resp.read())["rows"] == []
    try:
        urllib.request.urlopen(f"{server}/api/figures?q=x&kb=nosuchkb", timeout=60)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as err:
        assert err.code == 404 and "不存在" in json.loads(err.read())["error"]


@pytest.mark.browser
def test_browser_figure_lookup_tab_with_export(server, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        _open(page, server)
        page.get_by_role("tab", name="数据速查").click()
        page.locator("#zq-fig-q textarea, #zq-fig-q input").first.fill("道路")
        page.locator("#zq-fig-search").click()
        page.wait_for_function("document.querySelector('#zq-fig-context mark') !== null", timeout=60000)
        table_text = page.locator("#zq-fig-table").inner_text()
        assert "建成道路" in table_text and "新启动道路" in table_text and "2023年计划" in table_text
        assert "原文中该数字以“*”隐去" in page.locator("#zq-fig-context").inner_text()
        page.screenshot(path=str(tmp_path / "figures.png"), full_page=True)
        with page.expect_download() as info:
            page.locator("#zq-fig-xlsx").click()
        xlsx = tmp_path / "out.xlsx"
        info.value.save_as(xlsx)
        with page.expect_download() as info:
            page.locator("#zq-fig-csv").click()
        csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")

        page.locator("#zq-fig-q textarea, #zq-fig-q input").first.fill("地铁")
        page.locator("#zq-fig-search").click()
        page.wait_for_selector("text=没有找到匹配的数据", timeout=60000)
        browser.close()
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("指标", "数值", "期间", "单位")
    assert any(r[0] == "建成道路" and r[2] == "2022年完成" for r in rows[1:])
    assert "新启动道路" in csv_text


@pytest.mark.browser
def test_browser_document_with_html_is_shown_as_text(tmp_path):
    """A document carrying <script> and an onerror image must not run or break the page when cited."""
    from playwright.sync_api import sync_playwright

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "恶意<b>文件.txt").write_text(
        "一、测试条款\n高新区测试补贴最高50万元<script>alert('doc')</script><img src=x onerror=\"alert('img')\">。\n",
        encoding="utf-8")
    proc, url = _start(tmp_path / "data", env={"ZONEQA_CORPUS": str(docs)})  # ingests docs/ on start
    try:
        with sync_playwright() as p:
            browser = _browser(p)
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            _open(page, url)
            _ask_in_page(page, "测试补贴最高多少？")
            page.wait_for_function("document.querySelector('#zq-sources details') !== null", timeout=60000)
            _wait_until_quiet(page)
            panel = page.locator("#zq-sources").inner_text()
            assert "<script>alert('doc')</script>" in panel and "恶意<b>文件.txt" in panel
            assert page.locator("#zq-sources script, #zq-sources img, #zq-chat img[src='x']").count() == 0
            assert "50万元" in page.locator("#zq-chat .bot").last.inner_text()
            browser.close()
        assert dialogs == []
    finally:
        _stop(proc)


def test_upload_names_sizes_and_credentials_are_checked(tmp_path, monkeypatch):
    from tests.conftest import use_env

    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"), ZONEQA_ADMIN="admin:pw", ZONEQA_MAX_UPLOAD_MB="20")
    from settings import get_settings
    from web.admin_tab import AdminError, check_admin, store_uploads

    s = get_settings()
    with pytest.raises(AdminError):
        check_admin(s, "admin", "wrong")
    check_admin(s, "admin", "pw")
    ok = tmp_path / "ok.txt"
    ok.write_text("一、测试\n内容。\n", encoding="utf-8")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # a 50 MB file
    stored, refused = store_uploads(s, "default", [
        ("ok.txt", ok), ("../../etc/evil.txt", ok), ("a/b.txt", ok), ("..txt", ok), (".hidden.txt", ok),
        ("big.txt", big), ("tool.exe", ok)])
    assert stored == ["ok.txt"]
    assert len(refused) == 6 and any("50" in why or "20 MB" in why for _, why in refused)
    assert {name for name, _ in refused} == {"../../etc/evil.txt", "a/b.txt", "..txt", ".hidden.txt", "big.txt", "tool.exe"}
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"ok.txt", "big.txt", "data/uploads/default/ok.txt"}  # nothing outside the data dir


def test_sizes_and_upload_results_read_as_people_expect():
    from web.admin_tab import human_size, upload_results

    assert [human_size(n) for n in (None, 0, 812, 1024, 12_600, 5 * 1024 * 1024)] == [
        "", "0 B", "812 B", "1.0 KB", "12.3 KB", "5.0 MB"]
    docs = [["a.txt", 3, "1.0 KB", "", "已索引"], ["scan.pdf", 0, "2.0 KB", "", "已跳过：scan.pdf: PDF 没有文字层"]]
    assert upload_results(["a.txt", "scan.pdf"], [("x.exe", "x.exe: 不支持的文件类型")], docs) == [
        ["a.txt", "已索引", 3, ""], ["scan.pdf", "已跳过", 0, "scan.pdf: PDF 没有文字层"],
        ["x.exe", "未接受", 0, "x.exe: 不支持的文件类型"]]


@pytest.mark.browser
def test_browser_admin_upload_ask_delete(tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.conftest import run_cli

    docs = tmp_path / "corpus"
    docs.mkdir()
    (docs / "base.txt").write_text("一、概况\n高新区总面积约12平方公里。\n", encoding="utf-8")
    upload = tmp_path / "新政策.txt"
    upload.write_text("一、租金补贴\n入驻孵化器的初创企业，首年租金补贴比例为70%。\n", encoding="utf-8")
    cli_docs = tmp_path / "cli"
    cli_docs.mkdir()
    (cli_docs / "命令行导入.txt").write_text("一、说明\n这是命令行导入的文件。\n", encoding="utf-8")
    proc, url = _start(tmp_path / "data", env={"ZONEQA_CORPUS": str(docs), "ZONEQA_ADMIN": "admin:pw"})
    try:
        with sync_playwright() as p:
            browser = _browser(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, url)
            page.get_by_role("tab", name="知识库管理").click()
            page.wait_for_function("document.querySelector('#zq-admin-docs').innerText.includes('base.txt')",
                                   timeout=30000)
            assert "B" in page.locator("#zq-admin-docs").inner_text().split("base.txt", 1)[1]  # a readable size
            assert page.locator("#zq-admin-target input").first.input_value() == ""  # nothing preselected
            accept = page.locator("#zq-admin-files input[type=file]").get_attribute("accept") or ""
            assert ".pdf" in accept and ".docx" in accept and ".exe" not in accept
            page.locator("#zq-admin-files input[type=file]").set_input_files(str(upload))
            page.locator("#zq-admin-user textarea, #zq-admin-user input").first.fill("admin")
            page.locator("#zq-admin-password input, #zq-admin-password textarea").first.fill("wrong")
            page.locator("#zq-admin-upload").click()
            page.wait_for_selector("text=管理员用户名或密码不正确", timeout=60000)
            # A refused upload's temporary files are deleted and the file list emptied: choose it again.
            page.locator("#zq-admin-files input[type=file]").set_input_files(str(upload))
            page.locator("#zq-admin-password input, #zq-admin-password textarea").first.fill("pw")
            page.locator("#zq-admin-upload").click()
            page.wait_for_function("document.querySelector('#zq-admin-docs').innerText.includes('新政策.txt')",
                                   timeout=120000)
            results = page.locator("#zq-admin-results").inner_text()
            assert "新政策.txt" in results and "已索引" in results
            assert page.locator("#zq-admin-files .file-preview").count() == 0  # the picker is cleared

            page.get_by_role("tab", name="智能问答").click()
            # Searchers notice a changed knowledge base within 2 s: wait until the app answers from it.
            assert "70%" in _api_until(url, "初创企业首年租金补贴比例是多少？", lambda b: "70%" in b["answer"])["answer"]
            _ask_in_page(page, "初创企业首年租金补贴比例是多少？")
            page.wait_for_function(
                "(() => { const b = [...document.querySelectorAll('#zq-chat .bot')].pop(); return b && b.innerText.includes('70%'); })()",
                timeout=60000)
            _wait_until_quiet(page)

            page.get_by_role("tab", name="知识库管理").click()
            page.locator("#zq-admin-target input").first.fill("新政策.txt")
            page.locator("#zq-admin-target input").first.press("Enter")
            page.locator("#zq-admin-delete").click()  # asks first
            page.wait_for_selector("text=确定要从知识库删除 新政策.txt 吗", timeout=30000)
            page.locator("#zq-admin-cancel-delete").click()
            page.wait_for_selector("#zq-admin-confirm-delete", state="hidden", timeout=30000)
            assert "新政策.txt" in page.locator("#zq-admin-docs").inner_text()
            page.locator("#zq-admin-delete").click()
            page.locator("#zq-admin-confirm-delete").click()
            page.wait_for_selector("text=已删除 新政策.txt", timeout=60000)

            page.get_by_role("tab", name="智能问答").click()
            assert _api_until(url, "初创企业首年租金补贴比例是多少？", lambda b: b["refused"])["refused"]
            _ask_in_page(page, "初创企业首年租金补贴比例是多少？")
            page.wait_for_function("document.querySelector('#zq-sources .zq-notice') !== null", timeout=60000)

            # A knowledge base made by the CLI while the app runs: in the selectors after a reload.
            made = run_cli("-m", "ingest", str(cli_docs), "--kb", "clikb", "-q",
                           env={"ZONEQA_DATA": str(tmp_path / "data")})
            assert made.returncode == 0, made.stderr
            _open(page, url)
            page.wait_for_selector("#zq-kb", state="visible", timeout=30000)  # two knowledge bases now
            page.get_by_role("tab", name="知识库管理").click()
            kb_box = page.locator("#zq-admin-kb input").first
            kb_box.click()
            kb_box.fill("cli")  # the options are filtered by what is typed
            option = page.locator("#zq-admin-kb li:has-text('clikb'), ul.options li:has-text('clikb')").first
            option.wait_for(state="visible", timeout=30000)
            option.click()
            page.wait_for_function("document.querySelector('#zq-admin-docs').innerText.includes('命令行导入.txt')",
                                   timeout=30000)
            browser.close()
        assert not (tmp_path / "data" / "uploads" / "default" / "新政策.txt").exists()
    finally:
        _stop(proc)
