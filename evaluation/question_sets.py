"""Question sets in the formats evaluators use: JSONL, CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX.

Columns (Chinese or English names, any order; other columns are ignored):

  编号 / id          missing ids are numbered q1, q2, … by data row (row 1 of the set = q1)
  问题 / question    required
  答案 / answers     expected answer strings, several separated by ``|``, ``；`` or ``;``
  依据 / evidence    strings a passage must contain to count as the evidence, same separators
  可回答 / answerable  是/否, true/false, yes/no, 1/0; empty = answerable when answers or evidence are given,
                     unanswerable (should be refused) when both are empty
  类型 / type, 语言 / lang   optional labels (accuracy is broken down by them)

A malformed row (no question, an unreadable 可回答 value, a JSONL line that is not a JSON object, a
repeated id) is reported as a ``RowIssue`` naming its row and column, and skipped; a set with no valid
row raises ``QuestionSetError``. Rows are numbered as the evaluator sees them: JSONL by line, CSV and
XLSX by spreadsheet row (the header is row 1).

Uploaded sets are untrusted: an XLSX passes the documents' zip-bomb check before openpyxl opens it,
only the first ``MAX_ISSUES`` issues are kept (the rest are counted), and a caller with a question cap
(the web tab) passes ``max_questions`` so reading stops a few rows past it instead of parsing the whole file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from evaluation.metrics import Question

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}

# Canonical field -> accepted header names (compared after strip + lower-case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "id", "序号", "题号"),
    "question": ("问题", "question", "题目"),
    "answers": ("答案", "answers", "answer", "期望答案"),
    "evidence": ("依据", "evidence", "证据"),
    "answerable": ("可回答", "answerable", "是否可回答"),
    "type": ("类型", "type", "题型"),
    "lang": ("语言", "lang", "language"),
}
# The Chinese name of each field, used in messages and in the template.
CHINESE = {name: names[0] for name, names in COLUMNS.items()}
TEMPLATE_HEADER = ["编号", "问题", "答案", "依据", "可回答", "类型", "语言"]

_TRUE = {"是", "true", "t", "yes", "y", "1", "可", "可回答", "对", "√"}
_FALSE = {"否", "false", "f", "no", "n", "0", "不可", "不可回答", "不可答", "错", "×"}
_SEPARATORS = re.compile(r"[|｜;；]")
MAX_ISSUES = 100  # issues kept and shown; a set with more is mostly broken and the first ones say why
# Rows read past ``max_questions`` before a set is refused as too large: room for the few skipped rows a
# set at the cap may have, so that the caller's own cap (counting valid questions) decides near the limit.
ROW_MARGIN = 100
QUOTED_CHARS = 40  # of a cell value quoted in an issue


class QuestionSetError(ValueError):
    """A question set that cannot be used at all (unreadable, no question column, no valid row).

    ``issues`` holds the row issues found before giving up (every row of a set without a valid row).
    """

    def __init__(self, message: str, issues: list[RowIssue] | None = None, issues_omitted: int = 0) -> None:
        super().__init__(message)
        self.issues = list(issues or [])
        self.issues_omitted = issues_omitted  # further issues found but not kept (beyond MAX_ISSUES)


@dataclass(frozen=True)
class RowIssue:
    """One problem in one row; ``skipped`` rows are left out of the run."""
    row: int
    column: str  # Chinese column name, or "" for the whole row
    message: str
    skipped: bool = True

    def text(self) -> str:
        where = f"第{self.row}行" + (f"（{self.column}）" if self.column else "")
        return f"{where}：{self.message}" + ("，已跳过" if self.skipped else "")


@dataclass
class QuestionSet:
    path: Path
    format: str  # jsonl | csv | xlsx
    questions: list[Question]
    issues: list[RowIssue] = field(default_factory=list)  # the first MAX_ISSUES
    encoding: str | None = None  # of a CSV
    issues_omitted: int = 0  # issues found beyond MAX_ISSUES, counted only
    skipped_rows: int = 0  # rows left out of the run, kept issues or not

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)

    def issue_texts(self) -> list[str]:
        """The kept issues as text, then the line counting the omitted ones (if any)."""
        omitted = [omitted_issues_text(self.issues_omitted)] if self.issues_omitted else []
        return [i.text() for i in self.issues] + omitted


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def split_values(value: Any) -> list[str]:
    """Answers or evidence from a cell (``a|b；c``) or a JSON list; blanks dropped."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else _SEPARATORS.split(_cell_text(value))
    return [text for text in (_cell_text(v).strip() for v in items) if text]


def parse_answerable(value: Any) -> bool | None:
    """是/否, true/false, yes/no, 1/0 (and real booleans); None for empty; ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return value
    text = _cell_text(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"无法识别的值“{_quoted(value)}”（应为 是/否、true/false 或 1/0）")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quoted(value: Any) -> str:
    """A cell value as an issue message quotes it: shortened, since issues are shown (and re-sent) as they are."""
    text = _cell_text(value).strip()
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def _label(value: Any) -> str | None:
    text = _cell_text(value).strip()
    return text or None


def build_question(record: dict[str, Any], row: int, ordinal: int) -> Question | RowIssue:
    """One row (canonical field names) -> a Question, or the issue that makes it unusable."""
    text = _cell_text(record.get("question")).strip()
    if not text:
        return RowIssue(row, CHINESE["question"], "缺少问题")
    try:
        answerable = parse_answerable(record.get("answerable"))
    except ValueError as exc:
        return RowIssue(row, CHINESE["answerable"], str(exc))
    answers, evidence = split_values(record.get("answers")), split_values(record.get("evidence"))
    if answerable is None:
        answerable = bool(answers or evidence)
    qid = _label(record.get("id")) or f"q{ordinal}"
    return Question(qid, text, answers if answerable else [], evidence if answerable else [], answerable,
                    _label(record.get("type")), _label(record.get("lang")))


def _header_map(header: list[Any]) -> dict[int, str]:
    """Column index -> canonical field for the recognised headers."""
    lookup = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        name = lookup.get(_cell_text(cell).strip().lstrip("\ufeff").lower())
        if name and name not in mapping.values():
            mapping[i] = name
    return mapping


def _table_records(rows: Iterable[tuple[int, list[Any]]], where: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(spreadsheet row, data-row ordinal, record) for numbered rows: a header row, then data rows; blank rows
    skipped. The ordinal counts from the header (row header+1 is data row 1), blank rows included."""
    iterator = iter(rows)
    header_row = 0
    for header_row, header in iterator:
        if any(_cell_text(c).strip() for c in header):
            break
    else:
        raise QuestionSetError(f"{where} 是空的")
    mapping = _header_map(list(header))
    if "question" not in mapping.values():
        raise QuestionSetError(f"{where} 第{header_row}行（表头）：找不到“问题”（question）列；"
                               f"可用的列名：{'、'.join(TEMPLATE_HEADER)}")
    for row, cells in iterator:
        cells = list(cells)
        if not any(_cell_text(c).strip() for c in cells):
            continue
        yield row, row - header_row, {name: cells[i] for i, name in mapping.items() if i < len(cells)}


def _jsonl_records(text: str) -> Iterator[tuple[int, int, dict[str, Any] | RowIssue]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, number, RowIssue(number, "", f"不是合法的 JSON（{exc}）")
            continue
        if not isinstance(obj, dict):
            yield number, number, RowIssue(number, "", "不是 JSON 对象")
            continue
        lookup = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}
        yield number, number, {lookup[k.lower()]: v for k, v in obj.items()
                               if isinstance(k, str) and k.lower() in lookup}


def _decode(data: bytes) -> tuple[str, str]:
    from ingest.loaders import decode_bytes  # the documents' rule: BOM, UTF-8, GB18030, then detection

    try:
        return decode_bytes(data)
    except ValueError as exc:
        raise QuestionSetError(f"无法读取题集：{exc}") from exc


def omitted_issues_text(count: int) -> str:
    """The line that stands for the issues not kept (empty when all are listed)."""
    return f"另有 {count} 处问题未列出（只列出前 {MAX_ISSUES} 处）" if count else ""


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row, cells) of the first sheet's rows that hold a value, columns beyond
    ZONEQA_XLSX_MAX_COLUMNS left out. Read as documents are (ingest.loaders): the zip-bomb check first,
    then the sheet's XML streamed — not ``iter_rows``, which pads every row to the declared dimension
    (A1:XFD1048576 in a 6 KB file) and yields every missing row."""
    import openpyxl

    from ingest.load_error import LoadError
    from ingest.loaders import check_zip_limits, sheet_cells
    from settings import get_settings

    settings = get_settings()
    try:
        check_zip_limits(path, settings.max_unzipped_mb)
    except zipfile.BadZipFile as exc:
        raise QuestionSetError(f"{path.name} 不是可读的 Excel 文件（{exc}）") from exc
    except LoadError as exc:
        raise QuestionSetError(str(exc)) from exc
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (zip, XML and openpyxl errors alike)
        raise QuestionSetError(f"{path.name} 不是可读的 Excel 文件（{exc}）") from exc

    def row_list(values: dict[int, Any]) -> list[Any]:
        cells: list[Any] = [None] * max(values)
        for column, value in values.items():
            cells[column - 1] = value
        return cells

    try:
        current, values = 0, {}
        for row, column, value in sheet_cells(workbook.worksheets[0]):
            if row != current:
                if values:
                    yield current, row_list(values)
                current, values = row, {}
            if column <= settings.xlsx_max_columns:
                values[column] = value
        if values:
            yield current, row_list(values)
    finally:
        workbook.close()


def read_question_set(path: Path, max_questions: int | None = None) -> QuestionSet:
    """Read a question set; malformed rows become issues, a set without a valid row raises QuestionSetError.

    With ``max_questions``, a set with more than ``max_questions + ROW_MARGIN`` non-blank rows raises
    QuestionSetError as soon as that row is read (the CLI passes none: it has no cap).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QuestionSetError(f"{path.name}：不支持的题集格式（支持 {', '.join(sorted(FORMATS))}）")
    try:
        data = path.read_bytes() if fmt != "xlsx" else b""
    except OSError as exc:
        raise QuestionSetError(f"无法读取题集 {path}：{exc.strerror or exc}") from exc
    encoding = None
    if fmt == "jsonl":
        text, encoding = _decode(data) if data else ("", "utf-8")
        records: Iterable[tuple[int, int, Any]] = _jsonl_records(text)
    elif fmt == "csv":
        text, encoding = _decode(data) if data else ("", "utf-8")
        records = _table_records(enumerate(csv.reader(io.StringIO(text)), 1), path.name)
    else:
        if not path.is_file():
            raise QuestionSetError(f"找不到题集 {path}")
        records = _table_records(_xlsx_rows(path), path.name)
    questions: list[Question] = []
    issues: list[RowIssue] = []
    found = skipped = 0
    first_row_of: dict[str, int] = {}

    def note(issue: RowIssue) -> None:
        nonlocal found
        found += 1
        if len(issues) < MAX_ISSUES:
            issues.append(issue)

    max_rows = None if max_questions is None else max_questions + ROW_MARGIN
    for read, (row, ordinal, record) in enumerate(records, 1):
        if max_rows is not None and read > max_rows:
            raise QuestionSetError(f"{path.name}：题集过大，超过 {max_questions} 道题的上限（读到第{row}行时停止）；"
                                   "请拆分题集，或用命令行 python -m evaluation 评测。")
        item = record if isinstance(record, RowIssue) else build_question(record, row, ordinal)
        if isinstance(item, Question) and item.id in first_row_of:
            item = RowIssue(row, CHINESE["id"], f"编号“{_quoted(item.id)}”与第{first_row_of[item.id]}行重复")
        if isinstance(item, RowIssue):
            note(item)
            skipped += 1
            continue
        first_row_of[item.id] = row
        if item.answerable and not item.answers:
            note(RowIssue(row, CHINESE["answers"], "可回答的题目没有答案，回答一定判为错误", skipped=False))
        questions.append(item)
    if not questions:
        detail = "；".join(i.text() for i in issues[:5])
        raise QuestionSetError(f"{path.name}：没有可用的题目" + (f"（{detail}）" if detail else ""), issues,
                               found - len(issues))
    return QuestionSet(path, fmt, questions, issues, encoding, found - len(issues), skipped)


# --- the template evaluators download -------------------------------------------------------------

TEMPLATE_NAME = "题集模板"
# Five questions about the shipped corpus (corpus/高新区2022年工作情况及2023年工作思路.txt), one of each kind.
TEMPLATE_ROWS: list[list[str]] = [
    ["q1", "2022年全年完成固定资产投资多少？", "完成固投*亿元", "完成固投*亿元", "是", "数字", "zh"],
    ["q2", "2023年有哪些在建安置房？", "翔龙花园、南港花园", "加快翔龙花园、南港花园等*个在建安置房建设", "是", "列举", "zh"],
    ["q3", "What are the 2023 plans for road construction?", "计划年内建成*条", "计划年内建成*条", "是", "计划", "en"],
    ["q4", "高新区管委会主任是谁？", "", "", "否", "不可回答", "zh"],
    ["q5", "國家專利審查協作分中心有多少專業人才？", "专业人才近*人|近*人", "国家专利审查协作分中心已集聚专业人才近*人", "是", "数字",
     "zh-Hant"],
]


def write_template(out_dir: Path) -> list[Path]:
    """题集模板.csv (UTF-8 with BOM, so Excel opens it) and 题集模板.xlsx: Chinese headers, five examples."""
    import openpyxl
    from openpyxl.styles import Font

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{TEMPLATE_NAME}.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(TEMPLATE_HEADER)
        writer.writerows(TEMPLATE_ROWS)
    xlsx_path = out_dir / f"{TEMPLATE_NAME}.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "题集"
    sheet.append(TEMPLATE_HEADER)
    for row in TEMPLATE_ROWS:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (8, 48, 28, 44, 8, 10, 8)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    for line in TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    workbook.save(xlsx_path)
    return [csv_path, xlsx_path]


TEMPLATE_NOTES = [
    "每行一道题；第一行是列名（中文或英文：编号/id、问题/question、答案/answers、依据/evidence、可回答/answerable、类型/type、语言/lang）。",
    "问题：必填。编号：可空，空时按数据行编号为 q1、q2……",
    "答案：回答中应出现的文字，多个用 | 或 ； 分隔，出现任意一个即判对。资料中被遮蔽的数字照原文写成 *。",
    "依据：资料原文中能支持答案的文字，多个用 | 或 ； 分隔；检索到的片段包含任意一个即算检索命中。",
    "可回答：是/否（也可写 true/false、1/0）。空着时：给了答案或依据就算可回答，否则算应拒答的题。",
    "类型、语言：可选标签，报告按它们分别统计准确率。",
    "格式：.xlsx（读第一个工作表）、.csv（UTF-8、带 BOM 的 UTF-8 或 GB18030）、.jsonl。",
]
