"""The evaluators' workbench as users meet it: the 评测 tab (upload an XLSX set, run in the background,
metrics, failures, downloads, compare two runs), the admins' 命中测试 tab and POST /api/search — one real app
on loopback, real Chromium."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import post_json, start_app, stop_app
from tests.test_web import PATENT_Q, _browser, _open

pytestmark = pytest.mark.slow  # starts the app

HEADER = ["编号", "问题", "答案", "依据", "可回答", "类型", "语言"]
ROWS = [
    ["a1", "2022年全年完成固定资产投资多少？", "完成固投*亿元", "完成固投*亿元", "是", "数字", "zh"],
    ["a2", "2023年有哪些在建安置房？", "南港花园", "在建安置房", "是", "列举", "zh"],
    ["a3", "高新区管委会主任是谁？", "", "", "否", "不可回答", "zh"],
    ["a4", "国家专利审查协作分中心有多少专业人才？", "专业人才近*人", "专业人才近*人", "也许", "数字", "zh"],
]


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def admin_server(corpus_kb, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "app.log"
    proc, url = start_app(corpus_kb, "--skip-ingest", env={"ZONEQA_ADMIN": "admin:pw"}, log=log)
    yield url
    stop_app(proc)


def _run_set(page, path: Path, name: str) -> None:
    """Upload a set through the tab, start it and wait until this run (by name) is done."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    shown = f"document.querySelector('#zq-eval-file').innerText.includes('{path.name}')"
    page.wait_for_selector("#zq-eval-run", state="visible", timeout=30000)
    page.locator("#zq-eval-file input[type=file]").set_input_files(str(path))
    try:
        page.wait_for_function(shown, timeout=15000)
    except PlaywrightTimeout:  # a file chosen while the tab was still mounting is dropped: choose it again
        page.locator("#zq-eval-file input[type=file]").set_input_files(str(path))
        page.wait_for_function(shown, timeout=30000)
    page.locator("#zq-eval-name input, #zq-eval-name textarea").first.fill(name)
    page.locator("#zq-eval-run").click()
    page.wait_for_function(
        "(() => { const s = document.querySelector('#zq-eval-state');"
        f" return s && s.dataset.state === 'done' && s.innerText.includes('{name}'); }})()", timeout=180000)


@pytest.mark.browser
def test_browser_evaluation_tab_runs_an_xlsx_set_and_compares_two_runs(admin_server, corpus_kb, tmp_path):
    from playwright.sync_api import sync_playwright

    # Run A: a1's expected answer is wrong (so it fails); run B: right (so it is fixed). Row 5 is malformed.
    wrong = [HEADER, [*ROWS[0][:2], "一万二千亿元", *ROWS[0][3:]], *ROWS[1:]]
    set_a = _xlsx(tmp_path / "题集A.xlsx", wrong)
    set_b = _xlsx(tmp_path / "题集B.xlsx", [HEADER, *ROWS])
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
        _open(page, admin_server)
        page.get_by_role("tab", name="评测").click()
        _run_set(page, set_a, "浏览器A")

        status = page.locator("#zq-eval-status").inner_text()
        assert "3 / 3 题" in status and "第5行（可回答）：无法识别的值“也许”" in status and "已跳过" in status
        summary = page.locator("#zq-eval-summary").inner_text()
        assert "回答准确率" in summary and "检索 hit@1" in summary and "拒答准确率" in summary
        assert "按题型" in summary and "不可回答" in summary and "按语言" in summary
        table = page.locator("#zq-eval-table")
        assert "a2" in table.inner_text() and "正确（已拒答）" in table.inner_text()

        page.locator("#zq-eval-filter").get_by_text("答错", exact=True).click()
        page.wait_for_function("!document.querySelector('#zq-eval-table').innerText.includes('a2')", timeout=30000)
        failures = table.inner_text()
        assert "a1" in failures and "引用了依据但回答缺少期望内容" in failures and "a3" not in failures
        table.get_by_test_id("cell-0-1").click()  # the question of the first (only) row
        page.wait_for_function("document.querySelector('#zq-eval-detail').innerText.includes('检索到的片段')",
                               timeout=30000)
        detail = page.locator("#zq-eval-detail").inner_text()
        assert "一万二千亿元" in detail and "完成固投*亿元" in detail and "诊断：引用了依据但回答缺少期望内容" in detail

        with page.expect_download() as info:
            page.locator("#zq-eval-xlsx").click()
        info.value.save_as(tmp_path / "results.xlsx")

        page.locator("#zq-eval-file button[aria-label='清空']").first.click()
        _run_set(page, set_b, "浏览器B")
        assert "浏览器A" in page.locator("#zq-eval-run-a").inner_text() or \
            "浏览器A" in page.locator("#zq-eval-run-a input").first.input_value()
        page.locator("#zq-eval-compare-run").click()
        page.wait_for_function("document.querySelector('#zq-eval-compare').innerText.includes('改对的题目')",
                               timeout=30000)
        comparison = page.locator("#zq-eval-compare").inner_text()
        page.screenshot(path=str(tmp_path / "eval.png"), full_page=True)
        browser.close()
    assert "改对的题目（1）" in comparison and "a1" in comparison and "改错的题目（0）" in comparison
    assert "evals/" in comparison and str(corpus_kb) not in comparison  # runs by name, never server paths
    rows = list(openpyxl.load_workbook(tmp_path / "results.xlsx").active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "问题", "类型") and "诊断" in rows[0]
    diagnosis = rows[0].index("诊断")
    assert {r[0]: r[diagnosis] for r in rows[1:]} == {
        "a1": "引用了依据但回答缺少期望内容", "a2": "正确", "a3": "正确（已拒答）"}
    runs = sorted(p.name for p in (corpus_kb / "evals").iterdir() if "浏览器" in p.name)
    assert [r.split("-", 2)[2] for r in runs] == ["浏览器A", "浏览器B"]
    assert (corpus_kb / "evals" / runs[0] / "question_set.xlsx").read_bytes() == set_a.read_bytes()


@pytest.mark.browser
def test_browser_hit_testing_shows_bm25_dense_and_fused_ranks(admin_server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        _open(page, admin_server)
        page.get_by_role("tab", name="命中测试").click()
        page.locator("#zq-hit-user input, #zq-hit-user textarea").first.fill("admin")
        page.locator("#zq-hit-password input").first.fill("wrong")
        page.locator("#zq-hit-question textarea, #zq-hit-question input").first.fill(PATENT_Q)
        page.locator("#zq-hit-run").click()
        page.wait_for_selector("text=管理员用户名或密码不正确", timeout=60000)
        page.locator("#zq-hit-password input").first.fill("pw")
        page.locator("#zq-hit-run").click()
        page.wait_for_selector("#zq-hit-table", timeout=60000)
        decision = page.locator("#zq-hit-decision").inner_text()
        first = page.locator("#zq-hit-table tr").nth(1)
        bm25 = first.locator(".zq-hit-bm25").inner_text()
        dense = first.locator(".zq-hit-dense").inner_text()
        fused = first.locator(".zq-hit-fused").inner_text()
        text = first.inner_text()
        page.screenshot(path=str(tmp_path / "hit.png"), full_page=True)
        browser.close()
    assert "可以作答" in decision and "阈值 30%" in decision
    assert bm25.startswith("第 1 名") and dense.startswith("第 1 名") and fused.startswith("0.03")
    assert "相关" in text and "国家专利审查协作分中心已集聚专业人才近*人" in text


def test_api_search_returns_the_hit_test_json(admin_server):
    status, obj = post_json(f"{admin_server}/api/search", {"question": PATENT_Q, "k": 3, "min_relevance": 0.9})
    assert status == 200
    assert set(obj) == {"question", "kb", "settings", "decision", "query", "answer", "passages", "timings_ms"}
    assert obj["settings"] == {"k": 3, "candidates": 30, "min_relevance": 0.9}
    assert len(obj["passages"]) == 3
    top = obj["passages"][0]
    assert top["bm25"]["rank"] == 1 and top["dense"]["rank"] == 1 and top["relevant"] is True
    assert top["fused"]["score"] == pytest.approx(2 / 61, abs=1e-6) and top["answer_sentences"]
    assert obj["decision"]["decision"] == "relevant"
    status, obj = post_json(f"{admin_server}/api/search", {"question": "高新区管委会主任是谁？"})
    assert status == 200 and obj["decision"]["refusal"] == "nothing_relevant" and obj["answer"]["refused"]
    status, obj = post_json(f"{admin_server}/api/search", {"question": " "})
    assert status == 400 and "不能为空" in obj["error"]
    status, obj = post_json(f"{admin_server}/api/search", {"question": "道路", "kb": "nosuchkb"})
    assert status == 404
    status, obj = post_json(f"{admin_server}/api/search", {"question": "道路", "min_relevance": 2})
    assert status == 422

