from ingest.chunking import chunk_document
from text.sentences import sentence_spans
from text.structure import parse_sections
from tests.conftest import CORPUS

DOC = (CORPUS / "高新区2022年工作情况及2023年工作思路.txt").read_text(encoding="utf-8")


def test_official_headings_become_section_paths():
    paths = [s.path_text for s in parse_sections(DOC)]
    assert paths[0] == ""  # the preamble before 一、
    assert "一、2022年主要工作情况 > （二）加快建设一流大学城，创新驱动集聚新动能" in paths
    assert "二、2023年主要工作思路 > （四）加速品质大提升" in paths
    assert "二、2023年主要工作思路" in paths  # its own lead paragraph


def test_nested_numbering_and_articles():
    text = "第一章 总则\n第一条 为促进科技创新，制定本办法。\n第二条 本办法适用于高新区企业。\n（一）研发补助。最高补助50万元。\n第二章 附则\n1. 本办法自发布之日起施行。\n"
    paths = [s.path_text for s in parse_sections(text)]
    assert paths == [
        "第一章 总则 > 第一条",
        "第一章 总则 > 第二条",
        "第一章 总则 > 第二条 > （一）研发补助",
        "第二章 附则 > 1. 本办法自发布之日起施行",
    ]


def test_chunks_keep_exact_offsets_and_never_cross_sections():
    chunks = chunk_document(DOC, "doc.txt", 300)
    sections = parse_sections(DOC)
    for c in chunks:
        assert DOC[c.start:c.end] == c.text
        owner = [s for s in sections if s.start <= c.start and c.end <= s.end]
        assert len(owner) == 1 and owner[0].path_text == c.section


def test_chunks_end_on_sentence_boundaries():
    for c in chunk_document(DOC, "doc.txt", 120):
        assert c.text[-1] in "。；！？" , c.text[-20:]


def test_ids_are_stable_and_unique():
    a = chunk_document(DOC, "doc.txt", 300)
    b = chunk_document(DOC, "doc.txt", 300)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    assert chunk_document(DOC, "other.txt", 300)[0].id != a[0].id


def test_overlong_sentence_is_split_at_clauses_only():
    sentence = "，".join(f"第{i}项工作稳步推进" for i in range(120)) + "。"
    chunks = chunk_document(sentence, "long.txt", 100)
    assert len(chunks) > 5
    assert all(len(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == sentence


def test_sentence_spans_keep_closing_quotes():
    text = "他说：“计划完成。”随后离开！"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["他说：“计划完成。”", "随后离开！"]
