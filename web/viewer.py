"""查看原文: a knowledge-base document opened from a citation, with the cited passage highlighted.

Routes (behind the same login as the chat, see app.py):
  GET /documents/{kb}/{source}?q=PASSAGE          the viewer page (HTML)
  GET /api/documents/{kb}/{source}                text + sections + pages (JSON)
  GET /api/documents/{kb}/{source}/page/{n}.png   a PDF page rendered by PDFium
  GET /api/documents/{kb}/{source}/original       the original file, as a download
Only files the knowledge base's manifest lists are served (ingest/originals.py); any other name is a 404.
"""

from __future__ import annotations

import asyncio
import html
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from ingest.originals import DocumentCache, OriginalDocument, original_file, passage_marks, render_pdf_page
from settings import Settings

MAX_PASSAGE_CHARS = 400  # the ?q= passage: one or two sentences are enough to find and mark it
HEADING_CHARS = 50  # a heading line longer than this is a paragraph that starts with its heading
FIND_PREFIX_CHARS = 24  # when the whole passage is not found verbatim, its beginning still places it
VIEWER_WORKERS = 2  # documents read (OCR included) and pages rendered at once; more requests wait their turn


def viewer_url(kb: str, source: str, passage: str) -> str:
    """The viewer page for ``source`` with ``passage`` marked (the link each cited source carries)."""
    return (f"/documents/{quote(kb, safe='')}/{quote(source, safe='')}"
            f"?q={quote(passage[:MAX_PASSAGE_CHARS], safe='')}#zq-hit")


def _api_base(kb: str, source: str) -> str:
    return f"/api/documents/{quote(kb, safe='')}/{quote(source, safe='')}"


@dataclass(frozen=True)
class Hit:
    """Where the passage sits in the document's text (``start == -1``: not found)."""

    start: int
    end: int

    @property
    def found(self) -> bool:
        return self.start >= 0


def find_passage(text: str, passage: str) -> Hit:
    passage = passage.strip()[:MAX_PASSAGE_CHARS]
    if not passage:
        return Hit(-1, -1)
    start = text.find(passage)
    if start >= 0:
        return Hit(start, start + len(passage))
    start = text.find(passage[:FIND_PREFIX_CHARS])
    return Hit(start, start + min(len(passage), FIND_PREFIX_CHARS)) if start >= 0 else Hit(-1, -1)


def _marked_lines(doc: OriginalDocument, start: int, end: int, hit: Hit, anchor: bool = True) -> str:
    """``doc.text[start:end]`` as HTML lines: headings as headings, the passage in <mark> (the first one with
    id="zq-hit", which the link's #zq-hit scrolls into view, unless ``anchor`` is False)."""
    out: list[str] = []
    pos = start
    first_mark = anchor
    for line in doc.text[start:end].split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if not line.strip():
            continue
        pieces = []
        if hit.found and hit.start < e and hit.end > s:
            a, b = max(hit.start, s) - s, min(hit.end, e) - s
            anchor = ' id="zq-hit"' if first_mark else ""
            first_mark = False
            pieces = [html.escape(line[:a]), f"<mark{anchor}>{html.escape(line[a:b])}</mark>", html.escape(line[b:])]
        body = "".join(pieces) or html.escape(line)
        # A heading line is shown as one; a paragraph that opens with its heading ("（二）…。…") stays a paragraph.
        tag = "h3" if (s in doc.headings and len(line) <= HEADING_CHARS) or line.startswith("#") else "p"
        out.append(f"<{tag}>{body}</{tag}>")
    return "\n".join(out)


def _pdf_page_html(doc: OriginalDocument, kb: str, hit: Hit) -> str:
    page = (doc.page_of(hit.start) if hit.found else None) or 1
    i = page - 1
    start = doc.page_starts[i]
    end = doc.page_starts[i + 1] if i + 1 < len(doc.page_starts) else len(doc.text)
    located = doc.text[hit.start:hit.end] if hit.found else ""
    marks = passage_marks(doc.path, page, located) if located else ()
    ids = [' id="zq-hit"'] + [""] * (len(marks) - 1)  # the first box is what the link's #zq-hit scrolls to
    boxes = "".join(
        f'<div class="zq-box"{box_id} style="left:{l * 100:.2f}%;top:{t * 100:.2f}%;'
        f'width:{(r - l) * 100:.2f}%;height:{(b - t) * 100:.2f}%"></div>' for box_id, (l, t, r, b) in zip(ids, marks))
    note = "" if marks or not hit.found else '<p class="zq-note">页面图像上无法定位这段文字，已在右侧文字中标出。</p>'
    pages = len(doc.page_starts)
    return (
        f'<div class="zq-pdf"><figure class="zq-page" id="zq-page">'
        f'<img src="{_api_base(kb, doc.source)}/page/{page}.png" alt="第 {page} 页" id="zq-page-image">{boxes}'
        f'<figcaption>第 {page} 页 / 共 {pages} 页</figcaption></figure>'
        f'<div class="zq-text">{note}{_marked_lines(doc, start, end, hit, anchor=not marks)}</div></div>'
    )


VIEWER_CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:0;
  color:#1f2937;background:#f9fafb}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #e5e7eb;padding:10px 16px;z-index:2}
header h1{font-size:1.1em;margin:0 0 4px;word-break:break-all}
.zq-crumb{color:#4b5563;font-size:.9em;word-break:break-all}
.zq-actions{margin-top:6px;font-size:.9em}
main{padding:12px 16px;max-width:1200px;margin:0 auto;box-sizing:border-box}
main p,main h3{line-height:1.8;margin:4px 0;overflow-wrap:anywhere}
main h3{font-size:1em;margin-top:14px}
mark{background:#fde68a;padding:0 2px;scroll-margin-top:120px}
.zq-pdf{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.zq-page{position:relative;margin:0;flex:1 1 420px;max-width:100%}
.zq-page img{width:100%;height:auto;border:1px solid #d1d5db;display:block}
.zq-box{position:absolute;scroll-margin-top:120px;background:rgba(250,204,21,.4);outline:2px solid rgba(217,119,6,.8)}
.zq-page figcaption{text-align:center;color:#6b7280;font-size:.85em}
.zq-text{flex:1 1 320px;min-width:0}
.zq-note{color:#b45309}
"""


def viewer_page(doc: OriginalDocument, kb: str, passage: str) -> str:
    hit = find_passage(doc.text, passage)
    crumb = doc.section_at(hit.start) if hit.found else ""
    crumbs = " › ".join(html.escape(part) for part in crumb.split(" > ")) if crumb else "（全文）"
    missing = "" if hit.found or not passage.strip() else '<p class="zq-note">未能在原文中找到引用的段落，下面从头显示。</p>'
    body = missing + (_pdf_page_html(doc, kb, hit) if doc.is_pdf and doc.page_starts
                      else _marked_lines(doc, 0, len(doc.text), hit))
    title = html.escape(doc.source)
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>查看原文 · {title}</title>'
        f"<style>{VIEWER_CSS}</style></head><body>"
        f'<header><h1>{title}</h1><nav class="zq-crumb" id="zq-crumb">{crumbs}</nav>'
        f'<div class="zq-actions"><a href="{_api_base(kb, doc.source)}/original" download>下载原文件</a></div></header>'
        f'<main id="zq-doc">{body}</main></body></html>'
    )


def build_viewer_router(settings: Settings, documents: DocumentCache | None = None) -> APIRouter:
    """The viewer's routes. Specific routes come first: ``{source:path}`` would also match their suffixes.

    Reading a document (OCR for a scan) and rendering pages run in the viewer's own few threads, not asyncio's
    default pool that /api/ask shares, so opening many documents cannot starve the questions; documents read
    once are kept in ``documents`` (a DocumentCache) while unchanged."""
    router = APIRouter()
    documents = documents or DocumentCache(settings)
    workers = ThreadPoolExecutor(max_workers=VIEWER_WORKERS, thread_name_prefix="zq-viewer")

    async def in_viewer_thread(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(workers, fn, *args)

    @router.get("/api/documents/{kb}/{source:path}/page/{page}.png")
    async def page_image(kb: str, source: str, page: int) -> Response:
        path = original_file(kb, source, settings)
        png = await in_viewer_thread(render_pdf_page, path, page)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})

    @router.get("/api/documents/{kb}/{source:path}/original")
    def original(kb: str, source: str) -> FileResponse:
        path = original_file(kb, source, settings)
        return FileResponse(path, filename=path.name, content_disposition_type="attachment")

    @router.get("/api/documents/{kb}/{source:path}")
    async def document_json(kb: str, source: str) -> dict:
        doc = await in_viewer_thread(documents.get, kb, source)
        return doc.as_json()

    @router.get("/documents/{kb}/{source:path}", response_class=HTMLResponse)
    async def document_page(kb: str, source: str, q: str = "") -> HTMLResponse:
        doc = await in_viewer_thread(documents.get, kb, source)
        page = await in_viewer_thread(viewer_page, doc, kb, q)
        return HTMLResponse(page)

    return router
