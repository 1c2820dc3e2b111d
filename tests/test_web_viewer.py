"""Citations people can open: [n] links, each answer's own sources, the 查看原文 viewer and its API, Chinese
labels, and the phone layout. One app serves a copy of corpus/ plus a two-page PDF, built with fpdf2."""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import copy_corpus, start_app, stop_app
from tests.test_formats import make_pdf
from tests.test_web import PATENT_Q, _ask_in_page, _browser, _open, _wait_until_quiet

PDF = "园区年报.pdf"
BUS_Q = "园区共有多少条公交线路？"
CORPUS_TXT = "高新区2022年工作情况及2023年工作思路.txt"
# ASCII words allowed in the page's own labels: file types and the like.
ALLOWED_WORDS = {"CSV", "XLSX", "API", "PDF", "txt", "pdf", "md", "docx", "html", "xlsx", "csv"}


def test_original_file_serves_only_manifest_files(tmp_path, monkeypatch):
    """The manifest decides: names it does not list, skipped files and files replaced by links are 404s."""
    from tests.conftest import use_env

    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from errors import DocumentMissingError
    from ingest.originals import original_file
    from settings import get_settings
    from store import Manifest
    from store.manifest import manifest_path

    s = get_settings()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("一、甲\n内容。\n", encoding="utf-8")
    (docs / "b.txt").write_text("一、乙\n内容。\n", encoding="utf-8")
    (docs / "bad.txt").write_text("x", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", encoding="utf-8")
    manifest = Manifest(manifest_path(s.kb_dir("default")))
    for name in ("a.txt", "b.txt"):
        manifest.record(name, (docs / name).resolve(), "h", "m", "c", 1)
    manifest.record_skipped("bad.txt", (docs / "bad.txt").resolve(), "h", "m", "c", "太短")
    manifest.save()

    assert original_file("default", "a.txt", s) == (docs / "a.txt").resolve()
    (docs / "b.txt").unlink()
    (docs / "b.txt").symlink_to(secret)  # replaced by a link after indexing
    for name in ("../a.txt", "docs/a.txt", str((docs / "a.txt").resolve()), "/etc/passwd", "secret.txt",
                 "bad.txt", "b.txt", "", "a.txt/"):
        with pytest.raises(DocumentMissingError):
            original_file("default", name, s)


@pytest.fixture(scope="module")
def viewer_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("viewer")
    docs = copy_corpus(root / "corpus")
    make_pdf(docs / PDF, ["第一章 概况\n园区总面积约12平方公里。",
                          "第二章 交通\n园区共有公交线路8条，地铁2号线在园区设站。"])
    (root / "outside.txt").write_text("一、外部\n不属于知识库的文件。\n", encoding="utf-8")
    proc, url = start_app(root / "data", env={"ZONEQA_CORPUS": str(docs)})
    yield url
    stop_app(proc)


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, resp.read(), resp.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("content-type", "")


@pytest.mark.slow
def test_documents_api_serves_only_that_knowledge_base(viewer_app):
    base = f"{viewer_app}/api/documents/default"
    status, body, _ = _get(f"{base}/{quote(PDF)}")
    doc = json.loads(body)
    assert status == 200 and "园区共有公交线路8条" in doc["text"]
    assert [p["n"] for p in doc["pages"]] == [1, 2] and any(s["path"] == "第二章 交通" for s in doc["sections"])
    status, body, kind = _get(f"{base}/{quote(PDF)}/page/2.png")
    assert status == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
    status, body, _ = _get(f"{base}/{quote(CORPUS_TXT)}/original")
    assert status == 200 and body == (Path(__file__).parents[1] / "corpus" / CORPUS_TXT).read_bytes()
    refused = [
        "../outside.txt", "..%2Foutside.txt", "%2E%2E%2F%2E%2E%2Fsettings.py", "..%252Foutside.txt",
        "%2Fetc%2Fpasswd", quote(str(Path(__file__).resolve()), safe=""), "outside.txt",
        f"{quote(PDF)}%2F..%2F..%2Fsettings.py", f"{quote(PDF)}/page/9.png", f"{quote(PDF)}/page/0.png",
    ]
    for name in refused:
        status, body, _ = _get(f"{base}/{name}")
        assert status == 404, (name, status, body[:200])
    for suffix in ("", "/original", "/page/1.png"):  # another knowledge base's name: nothing
        assert _get(f"{viewer_app}/api/documents/nosuchkb/{quote(PDF)}{suffix}")[0] == 404
        assert _get(f"{viewer_app}/api/documents/..%2Fdefault/{quote(PDF)}{suffix}")[0] in (400, 404)
    assert _get(f"{viewer_app}/documents/default/..%2Foutside.txt?q=x")[0] == 404


@pytest.mark.browser
def test_browser_api_docs_work_offline(viewer_app):
    """Swagger UI's files come from this server (the swagger-ui-bundle wheel), not a CDN."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((viewer_app, "data:")) else None)
        page.goto(f"{viewer_app}/api/docs", wait_until="load")
        page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30000)
        assert "/api/documents/{kb}/{source}" in page.locator(".swagger-ui").inner_text()
        browser.close()
    assert outside == []


# Visible English on the page: text nodes and tooltips/labels, outside answers, questions and document text.
_ENGLISH = """(allowed) => {
  const word = /[A-Za-z]{2,}/g;
  const english = (s) => (s.match(word) || []).some((w) => !allowed.includes(w));
  const content = '.message-content, .zq-passage, #zq-sources summary, .examples, [data-testid="user"], [data-testid="bot"]';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style') || el.closest(content)) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (english(n.nodeValue)) out.push(n.nodeValue.trim());
  }
  for (const el of document.querySelectorAll('button[aria-label], button[title], [role="tab"], textarea[placeholder]')) {
    if (!el.getBoundingClientRect().width || el.closest('.examples')) continue;
    for (const name of ['aria-label', 'title', 'placeholder']) {
      const v = el.getAttribute(name);
      if (v && english(v)) out.push(`${name}=${v}`);
    }
  }
  return out;
}"""


def _english_on_page(page) -> list[str]:
    return page.evaluate(_ENGLISH, sorted(ALLOWED_WORDS))


def _shown_turn(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#zq-sources section.zq-turn')].filter(s => !s.hidden).map(s => s.id)")


def _answer_count(page, n: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#zq-chat a.zq-turn-sources').length >= {n}", timeout=60000)
    _wait_until_quiet(page)


@pytest.mark.browser
def test_browser_citations_sources_viewer_and_chinese(viewer_app, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")  # an English browser
        _open(page, viewer_app)
        page.locator("#zq-input textarea").press("Enter")  # empty: a warning toast, titled in Chinese
        page.wait_for_selector("text=请输入问题。", timeout=30000)
        assert _english_on_page(page) == []

        _ask_in_page(page, BUS_Q)
        _answer_count(page, 1)
        page.locator("#zq-chat a.zq-cite").first.click()
        first = page.locator("#zq-src-0-1")
        page.wait_for_function("document.querySelector('#zq-src-0-1').open", timeout=10000)
        assert first.is_visible() and "zq-active" in (first.get_attribute("class") or "")
        assert PDF in first.locator("summary").inner_text()

        _ask_in_page(page, PATENT_Q)
        _answer_count(page, 2)
        assert _shown_turn(page) == ["zq-turn-1"] and CORPUS_TXT in page.locator("#zq-sources").inner_text()
        page.locator("#zq-chat .bot").first.click()  # the earlier answer: its own sources again
        page.wait_for_function("!document.getElementById('zq-turn-0').hidden", timeout=10000)
        assert _shown_turn(page) == ["zq-turn-0"] and PDF in page.locator("#zq-turn-0").inner_text()
        assert _english_on_page(page) == []
        page.screenshot(path=str(tmp_path / "chat.png"))

        with page.expect_popup() as opened:
            page.locator("#zq-turn-0 a.zq-view").first.click()
        viewer = opened.value
        viewer.wait_for_load_state("load")
        viewer.wait_for_function(
            "(() => { const i = document.getElementById('zq-page-image'); return i && i.complete && i.naturalWidth > 0; })()",
            timeout=30000)
        assert "第 2 页" in viewer.locator("#zq-page figcaption").inner_text()
        assert viewer.locator(".zq-box").count() >= 1  # the passage marked on the page image
        assert "公交线路8条" in viewer.locator(".zq-text mark").first.inner_text()
        assert viewer.locator("#zq-crumb").inner_text() == "第二章 交通"
        assert viewer.locator("#zq-hit").is_visible()
        viewer.screenshot(path=str(tmp_path / "viewer.png"))
        browser.close()


@pytest.mark.browser
def test_browser_phone_layout(viewer_app, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        _open(page, viewer_app)
        _ask_in_page(page, BUS_Q)
        _answer_count(page, 1)
        too_wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
          }).map((el) => `${el.tagName}#${el.id}.${el.className} ${(el.innerText || '').slice(0, 20)} @${Math.round(el.getBoundingClientRect().left)}..${Math.round(el.getBoundingClientRect().right)}`).slice(0, 10)""")
        assert too_wide == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        tops = page.evaluate("['#zq-chat', '#zq-sources', '#zq-input'].map(s => document.querySelector(s).getBoundingClientRect().top)")
        assert tops == sorted(tops)  # the answers, then their sources, then the question box at the bottom
        assert PDF in page.locator("#zq-sources").inner_text()
        page.locator("#zq-sources-box button").first.click()  # sources fold away
        page.wait_for_function("!document.querySelector('#zq-sources') || !document.querySelector('#zq-sources').offsetParent",
                               timeout=10000)
        page.locator("#zq-chat a.zq-cite").first.click()  # ...and a citation opens them again
        page.wait_for_function("document.querySelector('#zq-src-0-1') && document.querySelector('#zq-src-0-1').offsetParent",
                               timeout=10000)
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)

        # 数据速查: 指标, 数值 and 期间 on the screen, the other columns a sideways scroll away.
        page.get_by_role("tab", name="数据速查").click()
        page.locator("#zq-fig-q textarea, #zq-fig-q input").first.fill("道路")
        page.locator("#zq-fig-search").click()
        page.wait_for_function("document.querySelector('#zq-fig-context mark') !== null", timeout=60000)
        heads = page.evaluate("""() => [...document.querySelectorAll('#zq-fig-table th')].map(
            (th) => [th.innerText.trim(), th.getBoundingClientRect().right])""")
        assert [name for name, _ in heads[:3]] == ["指标", "数值", "期间"] and heads[2][1] <= 390
        assert heads[-1][1] > 390  # the rest is there, scrolled sideways inside the table
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()


def test_answer_markers_link_to_their_own_answers_sources():
    from web.chat import _typed_out
    from web.render import escape_markdown, link_citations, sources_panel

    linked = link_citations(escape_markdown("道路*条[1]，管网[2]。[x]"), turn=3)
    assert '<a class="zq-cite" href="#zq-src-3-1">[1]</a>' in linked and 'href="#zq-src-3-2"' in linked
    assert "\\[x\\]" in linked and linked.endswith('<a class="zq-turn-sources" href="#zq-turn-3">来源</a>')
    # Typed out in steps, a prefix never ends inside a tag.
    for prefix in _typed_out(linked):
        assert prefix.rfind("<") < prefix.rfind(">") or "<" not in prefix
    panel = sources_panel(["<p>甲</p>", "<p>乙</p>"])
    assert '<section class="zq-turn" id="zq-turn-0" hidden>' in panel and '<section class="zq-turn" id="zq-turn-1">' in panel


def test_viewer_marks_the_passage_on_the_pdf_page_and_in_the_text(tmp_path, monkeypatch):
    from tests.conftest import use_env

    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from ingest.originals import load_original, passage_marks, render_pdf_page
    from settings import get_settings
    from store import Manifest
    from store.manifest import manifest_path
    from web.viewer import viewer_page

    pdf = make_pdf(tmp_path / PDF, ["第一章 概况\n园区总面积约12平方公里。",
                                    "第二章 交通\n园区共有公交线路8条，地铁2号线在园区设站。"])
    s = get_settings()
    manifest = Manifest(manifest_path(s.kb_dir("default")))
    manifest.record(PDF, pdf.resolve(), "h", "m", "c", 2)
    manifest.save()
    doc = load_original("default", PDF, s)
    assert doc.page_starts and doc.page_of(doc.text.index("公交线路")) == 2
    assert doc.section_at(doc.text.index("公交线路")) == "第二章 交通"
    boxes = passage_marks(pdf, 2, "园区共有公交线路8条")
    assert boxes and all(0 <= v <= 1 for box in boxes for v in box)
    assert passage_marks(pdf, 1, "园区共有公交线路8条") == ()  # not on page 1
    assert render_pdf_page(pdf, 1).startswith(b"\x89PNG")
    page = viewer_page(doc, "default", "园区共有公交线路8条")
    assert 'id="zq-crumb">第二章 交通<' in page and "/page/2.png" in page and 'class="zq-box" id="zq-hit"' in page
    assert "<mark>园区共有公交线路8条</mark>" in page
    lost = viewer_page(doc, "default", "文件里没有的句子")
    assert "未能在原文中找到引用的段落" in lost and "/page/1.png" in lost and "<mark" not in lost


def _viewer_kb(tmp_path, monkeypatch, files: dict[str, Path]):
    """Settings whose 'default' knowledge base lists ``files`` (source name → file), as ingestion records them."""
    from tests.conftest import use_env

    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"))
    from settings import get_settings
    from store import Manifest
    from store.manifest import manifest_path

    s = get_settings()
    manifest = Manifest(manifest_path(s.kb_dir("default")))
    for name, path in files.items():
        manifest.record(name, path.resolve(), "h", "m", "c", 1)
    manifest.save()
    return s


def _huge_page_pdf(path: Path) -> Path:
    """One 14400 × 14400 pt page (200 inches, PDF's largest): 21600² pixels at the viewer's usual scale."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(14400, 14400)
    pdf.save(str(path))
    pdf.close()
    return path


def test_document_cache_reads_each_document_once_while_unchanged(tmp_path, monkeypatch):
    from ingest.originals import DocumentCache

    doc = tmp_path / "a.txt"
    doc.write_text("一、甲\n内容一。\n", encoding="utf-8")
    other = tmp_path / "b.txt"
    other.write_text("一、乙\n内容二。\n", encoding="utf-8")
    cache = DocumentCache(_viewer_kb(tmp_path, monkeypatch, {"a.txt": doc, "b.txt": other}), maxsize=1)
    first = cache.get("default", "a.txt")
    assert cache.get("default", "a.txt") is first and (cache.loads, cache.hits) == (1, 1)
    doc.write_text("一、甲\n内容一，已修改。\n", encoding="utf-8")  # replaced on disk: read afresh
    assert "已修改" in cache.get("default", "a.txt").text and cache.loads == 2
    cache.get("default", "b.txt")  # maxsize 1: a.txt is dropped
    cache.get("default", "a.txt")
    assert (cache.loads, cache.hits) == (4, 1)


def test_page_images_only_for_pdfs_and_within_the_pixel_cap(tmp_path, monkeypatch):
    from PIL import Image

    from errors import DocumentMissingError
    from ingest.originals import MAX_PAGE_PIXELS, render_pdf_page

    note = tmp_path / "a.md"
    note.write_text("# 甲\n内容。\n", encoding="utf-8")
    with pytest.raises(DocumentMissingError, match="不是 PDF"):
        render_pdf_page(note, 1)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    with pytest.raises(DocumentMissingError, match="已损坏或无法渲染"):
        render_pdf_page(broken, 1)
    png = render_pdf_page(_huge_page_pdf(tmp_path / "huge.pdf"), 1)
    width, height = Image.open(io.BytesIO(png)).size
    assert width * height <= MAX_PAGE_PIXELS and width > 3000 and width == height


@pytest.mark.slow
def test_viewer_over_http_reads_a_document_once_and_pages_only_pdfs(tmp_path, monkeypatch):
    """The viewer's routes on a real uvicorn server: the page and the JSON of one document read it once, a
    Markdown file has no page image (404, in Chinese), a huge PDF page comes back within the pixel cap."""
    import threading

    import uvicorn
    from fastapi import FastAPI
    from PIL import Image

    from ingest.originals import MAX_PAGE_PIXELS, DocumentCache
    from tests.conftest import free_port, wait_for_port
    from web.api import install_error_handlers
    from web.viewer import build_viewer_router

    note = tmp_path / "a.md"
    note.write_text("# 一、甲\n园区共有公交线路8条。\n", encoding="utf-8")
    s = _viewer_kb(tmp_path, monkeypatch, {"a.md": note, "huge.pdf": _huge_page_pdf(tmp_path / "huge.pdf")})
    cache = DocumentCache(s)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_viewer_router(s, cache))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        status, body, _ = _get(f"{url}/documents/default/a.md?q={quote('公交线路8条')}")
        assert status == 200 and "<mark" in body.decode()
        status, body, _ = _get(f"{url}/api/documents/default/a.md")
        assert status == 200 and "公交线路" in json.loads(body)["text"]
        assert (cache.loads, cache.hits) == (1, 1)
        status, body, _ = _get(f"{url}/api/documents/default/a.md/page/1.png")
        assert status == 404 and "不是 PDF" in json.loads(body)["error"]
        status, body, kind = _get(f"{url}/api/documents/default/huge.pdf/page/1.png")
        assert status == 200 and kind == "image/png"
        width, height = Image.open(io.BytesIO(body)).size
        assert width * height <= MAX_PAGE_PIXELS
        assert _get(f"{url}/api/documents/default/a.md")[0] == 200  # still serving
    finally:
        server.should_exit = True
        thread.join(timeout=30)
