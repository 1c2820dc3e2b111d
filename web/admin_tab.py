"""The 知识库管理 tab: list, upload, delete and re-index documents. Admin credentials (ZONEQA_ADMIN)
are required for every change, also on 127.0.0.1; uploads are checked before anything is written."""

from __future__ import annotations

import hmac
import html
import logging
import shutil
from pathlib import Path

import gradio as gr

from errors import ForbiddenError, ZoneQAError
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.manage import delete_document, list_documents
from ingest.sync import sync_knowledge_base
from settings import Settings, validate_kb_name
from store import list_knowledge_bases
from web.security import LoginThrottle

log = logging.getLogger(__name__)
HEADERS = ["文件", "片段数", "大小", "更新时间", "状态"]
UPLOAD_HEADERS = ["文件", "结果", "片段数", "原因"]
# The file picker offers only what ingestion reads (Gradio filters the dialog by these suffixes).
PICKER_TYPES = sorted(SUPPORTED_SUFFIXES)


class AdminError(ForbiddenError):
    """A refused admin action; the message is for the user."""


def uploads_dir(settings: Settings, kb: str) -> Path:
    return settings.data_dir / "uploads" / kb


def check_admin(settings: Settings, user: str, password: str) -> None:
    if settings.admin is None:
        raise AdminError("未设置管理员凭据（环境变量 ZONEQA_ADMIN=用户名:密码），管理功能已关闭。")
    ok_user = hmac.compare_digest((user or "").encode(), settings.admin[0].encode())
    ok_password = hmac.compare_digest((password or "").encode(), settings.admin[1].encode())
    if not (ok_user and ok_password):
        raise AdminError("管理员用户名或密码不正确。")


def safe_upload_name(name: str) -> str:
    """The file name to store an upload under, or AdminError for a name that could escape the folder."""
    if not name or "/" in name or "\\" in name or ".." in name or name.startswith(".") or "\x00" in name:
        raise AdminError(f"文件名 {name!r} 不允许（不能含路径分隔符或“..”）。")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise AdminError(f"{name}: 不支持的文件类型，支持 {'、'.join(sorted(SUPPORTED_SUFFIXES))}。")
    return name


def store_uploads(settings: Settings, kb: str,
                  files: list[tuple[str, Path]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Copy accepted uploads into the knowledge base's upload folder; returns (stored, refused as (name, why))."""
    folder = uploads_dir(settings, kb)
    folder.mkdir(parents=True, exist_ok=True)
    existing = {r["source"] for r in list_documents(kb, settings)} if settings.kb_dir(kb).exists() else set()
    stored, refused = [], []
    limit = settings.max_upload_mb * 1024 * 1024
    for original, temp in files:
        try:
            name = safe_upload_name(original)
            if temp.stat().st_size > limit:
                raise AdminError(f"{name}: 文件超过 {settings.max_upload_mb} MB 上限。")
            if name in existing and not (folder / name).exists():
                raise AdminError(f"{name}: 知识库中已有同名的其他来源文件，请改名后上传。")
            target = folder / name
            if target.resolve().parent != folder.resolve():
                raise AdminError(f"文件名 {original!r} 不允许。")
            shutil.copyfile(temp, target)
            stored.append(name)
        except AdminError as exc:
            refused.append((original, exc.message))
    return stored, refused


def source_folders(settings: Settings, kb: str, with_corpus: bool) -> list[Path]:
    """The folders a knowledge base mirrors: its uploads, and corpus/ for the one the app serves."""
    uploads_dir(settings, validate_kb_name(kb)).mkdir(parents=True, exist_ok=True)
    return ([settings.corpus_dir] if with_corpus else []) + [uploads_dir(settings, kb)]


def reindex(settings: Settings, kb: str, with_corpus: bool):
    """Sync the knowledge base with its folders."""
    return sync_knowledge_base(source_folders(settings, kb, with_corpus), kb=kb, settings=settings)


def human_size(size: int | None) -> str:
    """Bytes as people read them: 812 B, 12.3 KB, 4.5 MB (1 KB = 1024 B, as file managers count)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def documents_table(settings: Settings, kb: str) -> list[list]:
    return [[r["source"], r["chunks"], human_size(r["bytes"]), r["updated"], r["status"]]
            for r in list_documents(kb, settings)]


def upload_results(stored: list[str], refused: list[tuple[str, str]], documents: list[list]) -> list[list]:
    """One row per chosen file: 文件, 结果, 片段数, 原因. A stored file's outcome is what the knowledge base now
    records for it (indexed with its chunks, or skipped with the loader's reason)."""
    by_name = {row[0]: row for row in documents}
    rows = []
    for name in stored:
        row = by_name.get(name)
        status = row[4] if row else "未索引"
        if status.startswith("已跳过："):
            rows.append([name, "已跳过", 0, status.removeprefix("已跳过：")])
        else:
            rows.append([name, status, row[1] if row else 0, ""])
    rows += [[name, "未接受", 0, why] for name, why in refused]
    return rows


def discard_uploads(paths: list[str] | None) -> None:
    """Delete Gradio's temporary copies of an admin upload once it is stored or refused: only files that
    reach the knowledge base's upload folder are kept."""
    for path in paths or []:
        temp = Path(path)
        temp.unlink(missing_ok=True)
        try:
            temp.parent.rmdir()  # Gradio keeps each upload in a folder of its own
        except OSError:
            pass


def _message(kind: str, text: str) -> str:
    return f'<div class="zq-{kind}">{html.escape(text)}</div>'


class AdminActions:
    """The tab's actions, apart from its layout; each returns (documents table, delete choices, status)."""

    def __init__(self, settings: Settings, default_kb: str, throttle: LoginThrottle) -> None:
        self.settings = settings
        self.default_kb = default_kb
        self.throttle = throttle  # shared with the other admin-password tabs (web.security.admin_login_throttle)

    def authorize(self, user: str, password: str, request: gr.Request | None) -> None:
        """The admin credentials, checked behind a per-client back-off on wrong passwords."""
        client = request.client.host if request is not None and request.client else "unknown"
        self.throttle.attempt(client, lambda: check_admin(self.settings, user, password), AdminError)

    def refresh(self, kb: str):
        """The documents table and the delete choices, read fresh (the CLI may have ingested meanwhile); no file
        is preselected for deletion."""
        try:
            rows = documents_table(self.settings, kb or self.default_kb)
        except ZoneQAError:  # an invalid knowledge-base name typed in
            rows = []
        return rows, gr.update(choices=[r[0] for r in rows], value=None)

    def on_load(self, kb: str):
        """Every page load: the knowledge bases as they are now (the CLI may have created one) and its documents."""
        try:
            names = list_knowledge_bases(self.settings)
        except ZoneQAError:  # the store is down: the page still opens
            names = []
        kb = kb or self.default_kb
        return (gr.update(choices=sorted(set(names) | {kb, self.default_kb})), *self.refresh(kb))

    def upload(self, user, password, files, kb, request: gr.Request, progress=gr.Progress(track_tqdm=True)):
        """Also empties the file list: its temporary files are gone, stored or refused."""
        kb = kb or self.default_kb
        try:
            self.authorize(user, password, request)
            if not files:
                raise AdminError("请先选择要上传的文件。")
            stored, refused = store_uploads(self.settings, kb, [(Path(f).name, Path(f)) for f in files])
            report = reindex(self.settings, kb, kb == self.default_kb) if stored else None
        except ZoneQAError as exc:
            return (*self.refresh(kb), _message("notice", exc.message), None, [])
        except Exception:
            log.exception("upload failed")
            return (*self.refresh(kb), _message("notice", "上传处理失败，请查看服务器日志。"), None, [])
        finally:
            discard_uploads(files)
        docs, choices = self.refresh(kb)
        results = upload_results(stored, refused, docs)
        warn = refused or (report and report.skipped)
        summary = report.summary() if report else "没有文件被接受。"
        return docs, choices, _message("warning" if warn else "empty", summary), None, results

    @staticmethod
    def ask_to_delete(source: str):
        """First step of a deletion: name the file and show the confirm/cancel buttons (nothing deleted yet)."""
        if not source:
            return gr.update(visible=False), _message("notice", "请选择要删除的文件。")
        return gr.update(visible=True), _message("warning", f"确定要从知识库删除 {source} 吗？删除后需重新上传才能恢复。")

    def delete(self, user, password, source, kb, request: gr.Request):
        """The confirmed deletion (also hides the confirm buttons)."""
        kb = kb or self.default_kb
        try:
            self.authorize(user, password, request)
            if not source:
                raise AdminError("请选择要删除的文件。")
            removed = delete_document(kb, source, self.settings)
            (uploads_dir(self.settings, kb) / safe_upload_name(source)).unlink(missing_ok=True)
        except ZoneQAError as exc:
            return (*self.refresh(kb), _message("notice", exc.message), gr.update(visible=False))
        return (*self.refresh(kb), _message("empty", f"已删除 {source}（{removed} 个片段）。"), gr.update(visible=False))

    def rebuild(self, user, password, kb, request: gr.Request, progress=gr.Progress(track_tqdm=True)):
        kb = kb or self.default_kb
        try:
            self.authorize(user, password, request)
            report = reindex(self.settings, kb, kb == self.default_kb)
        except ZoneQAError as exc:
            return (*self.refresh(kb), _message("notice", exc.message))
        return (*self.refresh(kb), _message("empty", report.summary()))


def build_admin_tab(settings: Settings, default_kb: str, throttle: LoginThrottle) -> None:
    """The tab's components and events, built inside the caller's Blocks."""
    actions = AdminActions(settings, default_kb, throttle)
    if settings.admin is None:
        gr.HTML(_message("notice", "未设置管理员凭据（环境变量 ZONEQA_ADMIN=用户名:密码），管理功能已关闭。"))
    with gr.Row():
        user = gr.Textbox(label="管理员用户名", elem_id="zq-admin-user", scale=1)
        password = gr.Textbox(label="密码", type="password", elem_id="zq-admin-password", scale=1)
        # A new name may be typed: uploading to it creates that knowledge base.
        kb = gr.Dropdown(choices=[default_kb], value=default_kb, label="知识库", allow_custom_value=True,
                         elem_id="zq-admin-kb", scale=1)
    docs = gr.Dataframe(headers=HEADERS, value=[], interactive=False, elem_id="zq-admin-docs")
    files = gr.File(label="上传文件（可多选）", file_count="multiple", file_types=PICKER_TYPES,
                    elem_id="zq-admin-files")
    with gr.Row():
        upload_btn = gr.Button("上传并索引", variant="primary", elem_id="zq-admin-upload")
        target = gr.Dropdown(choices=[], value=None, label="要删除的文件", allow_custom_value=True,
                             elem_id="zq-admin-target")
        delete_btn = gr.Button("删除", variant="stop", elem_id="zq-admin-delete")
        rebuild_btn = gr.Button("重新索引", elem_id="zq-admin-reindex")
    with gr.Row(visible=False, elem_id="zq-admin-confirm") as confirm:
        confirm_btn = gr.Button("确认删除", variant="stop", elem_id="zq-admin-confirm-delete")
        cancel_btn = gr.Button("取消", elem_id="zq-admin-cancel-delete")
    status = gr.HTML(elem_id="zq-admin-status")
    results = gr.Dataframe(headers=UPLOAD_HEADERS, value=[], interactive=False, label="上传结果",
                           elem_id="zq-admin-results")
    hidden = {"api_visibility": "private"}
    outputs = [docs, target, status]
    # On every page load and whenever the knowledge base is switched: the lists as they are now.
    gr.on(None, actions.on_load, [kb], [kb, docs, target], **hidden)
    upload_btn.click(actions.upload, [user, password, files, kb], outputs + [files, results], **hidden)
    delete_btn.click(actions.ask_to_delete, [target], [confirm, status], **hidden)
    confirm_btn.click(actions.delete, [user, password, target, kb], outputs + [confirm], **hidden)
    cancel_btn.click(lambda: (gr.update(visible=False), ""), None, [confirm, status], **hidden)
    rebuild_btn.click(actions.rebuild, [user, password, kb], outputs, **hidden)
