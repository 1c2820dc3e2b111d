"""Markdown pipe tables read like Word tables, and chunks that keep a policy article with its items."""

from __future__ import annotations

import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load_text, markdown_tables
from text.structure import parse_sections
from tests.conftest import use_env

NOTICE = """# 青枫湾高新区知识产权资助办法

## 第一章 资助标准

第一条 对获得授权的国内发明专利给予资助，资助标准见附件。

第二条 知识产权示范企业奖励：

（一）被认定为国家知识产权示范企业的，奖励40万元；

（二）被认定为国家知识产权优势企业的，奖励20万元；

（三）被认定为省级知识产权示范企业的，奖励10万元。

由优势企业晋升为示范企业的，按差额补足。

## 第二章 申报

第三条 申报资助应当提交以下材料：

（一）知识产权资助申请表；

（二）营业执照副本复印件；

（三）信用承诺书。

第四条 市场监督管理分局自受理截止之日起15个工作日内完成审核。

附件：知识产权资助标准一览表

| 序号 | 资助事项 | 资助标准 | 限额及说明 |
|---|:---:|---|---|
| 1 | 国内发明专利授权 | 每件8000元 | 同一申请人每年最高50万元 |
| 2 | 国内商标注册 | 每件500元 | 同一申请人每年最高1万元 |
"""


@pytest.fixture
def notice_file(tmp_path):
    path = tmp_path / "ip_funding.md"
    path.write_text(NOTICE, encoding="utf-8")
    return path


def test_pipe_table_rows_are_labelled_by_their_column_headers(notice_file):
    text = load_text(notice_file).text
    assert "序号：1，资助事项：国内发明专利授权，资助标准：每件8000元，限额及说明：同一申请人每年最高50万元。" in text
    assert "序号：2，资助事项：国内商标注册，资助标准：每件500元，限额及说明：同一申请人每年最高1万元。" in text
    assert "|" not in text and "---" not in text  # delimiter row dropped, no raw cells left
    assert text.count("序号：") == 2  # the header row is not a row of its own


def test_pipe_tables_in_txt_files_too_and_without_outer_pipes(tmp_path):
    path = tmp_path / "rent.txt"
    path.write_text("租金补贴标准如下。\r\n租赁年度 | 先进制造业项目\r\n--- | ---\r\n第一年 | 免租金\r\n第二年 | 50%\r\n"
                    "以上标准自2024年起执行。\r\n", encoding="utf-8")
    lines = load_text(path).text.splitlines()
    assert lines == ["租金补贴标准如下。", "租赁年度：第一年，先进制造业项目：免租金。",
                     "租赁年度：第二年，先进制造业项目：50%。", "以上标准自2024年起执行。"]


def test_a_pipe_table_drawn_without_a_delimiter_row_is_a_table(tmp_path):
    # Plain-text reports fence their rows with pipes and leave the |---| row out.
    path = tmp_path / "report.txt"
    path.write_text("主要指标如下：\n| 指标 | 2024年上半年 | 2025年上半年 |\n| 地区生产总值（亿元） | 383.2 | 412.6 |\n"
                    "| 税收收入（亿元） | ** | 26.4 |\n下半年继续努力。\n", encoding="utf-8")
    assert load_text(path).text.splitlines() == [
        "主要指标如下：", "指标：地区生产总值（亿元），2024年上半年：383.2，2025年上半年：412.6。",
        "指标：税收收入（亿元），2024年上半年：**，2025年上半年：26.4。", "下半年继续努力。"]
    # One fenced line alone is no table.
    assert markdown_tables("| 注意 | 以上数据为初步统计 |\n正文。") == "| 注意 | 以上数据为初步统计 |\n正文。"


def test_text_with_pipes_that_is_no_table_is_kept():
    text = "命令 a | b 把输出交给 b。\n下一行 | 也不是表格\n正文。"
    assert markdown_tables(text) == text
    # A delimiter row whose cell count differs from the header's is not a table either.
    odd = "| 甲 | 乙 |\n|---|\n| 1 | 2 |"
    assert markdown_tables(odd) == odd


def test_escaped_pipe_stays_in_its_cell():
    assert markdown_tables("| 名称 | 说明 |\n|---|---|\n| A\\|B | 两种 |") == "名称：A|B，说明：两种。"


def test_an_appendix_starts_a_part_of_its_own(notice_file):
    text = load_text(notice_file).text
    paths = [s.path_text for s in parse_sections(text)]
    table_section = next(s for s in parse_sections(text) if "国内商标注册" in text[s.start:s.end])
    assert table_section.path_text == "青枫湾高新区知识产权资助办法 > 附件：知识产权资助标准一览表"
    assert "青枫湾高新区知识产权资助办法 > 第二章 申报 > 第四条" in paths  # the article before it is unchanged


def test_an_article_keeps_its_items_and_the_sentence_announcing_them(notice_file):
    text = load_text(notice_file).text
    chunks = chunk_document(text, "ip_funding.md", 80)
    lead = next(c for c in chunks if "申报资助应当提交以下材料" in c.text)
    assert lead.section == "青枫湾高新区知识产权资助办法 > 第二章 申报 > 第三条"
    assert lead.text.startswith("申报资助应当提交以下材料：")
    for item in ("（一）知识产权资助申请表；", "（二）营业执照副本复印件；", "（三）信用承诺书。"):
        assert item in lead.text  # each item with its own heading line


def test_short_sibling_parts_are_packed_under_their_parent_up_to_the_target(notice_file):
    text = load_text(notice_file).text
    target = 200
    chunks = chunk_document(text, "ip_funding.md", target)
    sections = parse_sections(text)
    for c in chunks:
        assert text[c.start:c.end] == c.text and len(c.text) <= target
        # A chunk never crosses a heading above its own section path.
        for s in sections:
            if s.start < c.end and c.start < s.end:
                assert s.path_text.startswith(c.section), (c.section, s.path_text)
    chapter = next(c for c in chunks if "第三条" in c.text)
    # 第三条 and 第四条 fit together: one chunk under 第二章, each article's heading line kept.
    assert chapter.section == "青枫湾高新区知识产权资助办法 > 第二章 申报"
    assert chapter.text.startswith("第三条 申报资助应当提交以下材料：") and "第四条 市场监督管理分局" in chapter.text
    assert len(chunks) < len(sections)  # fewer, larger chunks than one per article
    # Nothing is lost: every sentence of every section is in some chunk.
    for s in sections:
        for sentence in text[s.start:s.end].split("\n"):
            assert not sentence.strip() or any(sentence.strip() in c.text for c in chunks)


def test_a_part_too_big_is_split_one_level_down_and_long_text_at_sentences():
    body = "".join(f"第{i}项工作稳步推进，取得明显成效。" for i in range(40))  # about 600 characters
    text = f"一、总体情况\n{body}\n二、下一步计划\n（一）抓项目。年内开工10个。\n（二）优环境。办结时限压缩一半。\n"
    chunks = chunk_document(text, "report.txt", 200)
    big = [c for c in chunks if c.section == "一、总体情况"]
    assert len(big) >= 3 and all(len(c.text) <= 200 and c.text.endswith("。") for c in big)
    plan = [c for c in chunks if "抓项目" in c.text]
    assert len(plan) == 1 and plan[0].section == "二、下一步计划" and "优环境" in plan[0].text
    assert plan[0].text.startswith("（一）抓项目。")


@pytest.mark.slow
def test_real_knowledge_base_answers_lists_and_table_rows(notice_file, tmp_path, monkeypatch):
    """Real e5 vectors and Chroma: the list comes with its lead-in, a table row with its headers."""
    # A small target, so that the appendix table is a chunk of its own (at 500 the notice is one chunk).
    use_env(monkeypatch, ZONEQA_DATA=str(tmp_path / "data"), ZONEQA_CHUNK_CHARS="150")
    from ingest.sync import sync_knowledge_base
    from retrieval.ask import Assistant

    report = sync_knowledge_base([notice_file.parent], kb="tables", progress=False)
    assert report.files_written == 1
    assistant = Assistant()
    listed = assistant.ask("申报知识产权资助要提交哪些材料？", kb="tables")
    assert not listed.refused
    assert "以下材料" in listed.answer
    assert "知识产权资助申请表" in listed.answer and "信用承诺书" in listed.answer
    row = assistant.ask("国内商标注册每件资助多少钱？", kb="tables")
    assert not row.refused and "每件500元" in row.answer and "|" not in row.answer
    assert row.citations[0].section.endswith("附件：知识产权资助标准一览表")
