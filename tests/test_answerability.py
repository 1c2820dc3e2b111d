"""What is asked, and whether the documents say it: partial refusals and the meaning map,
on a small real knowledge base (real e5 model, real on-disk Chroma, real 词林 and CC-CEDICT)."""

from __future__ import annotations

import pytest

from text.normalize import normalize_text
from text.questions import AskedKind, asked, supplies, unlisted_label
from tests.conftest import knowledge_base_in, use_env

NOTICE = """# 青枫湾高新区企业服务须知

## 一、政务服务中心
高新区政务服务中心位于科创大道88号市民服务中心A座1—3楼。
政务服务中心综合咨询电话：88261000。

## 二、“高新贷”贴息
对使用“高新贷”的企业，按实际支付利息的50%给予贴息，单户企业每年贴息最高50万元。

贷款资金不得用于股票、期货等投资。

## 三、知识产权维权
企业在境外发生知识产权诉讼的，按实际支付律师费的50%给予补助，单个案件最高40万元。
企业登记软件著作权的，每件资助300元。

## 四、上市奖励
企业在北京证券交易所上市的，给予300万元奖励。

## 五、人才生活补贴
首次在高新区就业的博士研究生，给予一次性生活补贴5万元。
"""


def _knowledge_base(tmp_path_factory, kb: str, files: dict[str, str]):
    """A real knowledge base ``kb`` of ``files`` (name -> text) in a fresh data dir; yields the dir."""
    data = tmp_path_factory.mktemp(kb)
    docs = data / "docs"
    docs.mkdir()
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    with knowledge_base_in(data, docs, kb):
        yield data


@pytest.fixture(scope="module")
def service_kb(tmp_path_factory):
    yield from _knowledge_base(tmp_path_factory, "service", {"service.md": NOTICE})


def _asker(data, kb: str, monkeypatch):
    """Ask questions of knowledge base ``kb`` in data dir ``data`` through the real Assistant."""
    use_env(monkeypatch, ZONEQA_DATA=str(data))
    from retrieval.ask import Assistant

    assistant = Assistant()
    return lambda question: assistant.ask(question, kb=kb)


@pytest.fixture
def ask(service_kb, monkeypatch):
    return _asker(service_kb, "service", monkeypatch)


def test_question_kind_and_attribute():
    wanted = asked(normalize_text("政务服务中心的邮政编码是多少？"))
    assert wanted.attribute == "邮政编码"
    assert asked(normalize_text("政务服务中心停车场有多少个车位？")).attribute == "车位"
    assert asked(normalize_text("想投诉打哪个电话？")).kind is AskedKind.PHONE
    assert asked(normalize_text("审核要多长时间？")).kind is AskedKind.DURATION
    assert asked(normalize_text("能拿多少钱？")).kind is AskedKind.AMOUNT
    # A price or fee asked for is an amount: a quote of a share or a scale does not give it.
    assert asked(normalize_text("智算中心的算力服务收费标准是多少？")).kind is AskedKind.AMOUNT
    assert supplies(AskedKind.AMOUNT, "给予30万元奖励") and not supplies(AskedKind.AMOUNT, "给予奖励")
    assert supplies(AskedKind.DURATION, "20个工作日内完成审核")
    # 几点 asks a time of day, which a clock time supplies and a count does not.
    assert asked(normalize_text("周六几点开门？")).kind is AskedKind.HOURS
    assert asked(normalize_text("政务服务中心的办公时间是什么？")).kind is AskedKind.HOURS
    for other in ("工作时间满3年的博士能拿多少补贴？", "申报材料有几点要求？", "一季度实现开门红的目标是多少？"):
        assert asked(normalize_text(other)).kind is not AskedKind.HOURS, other
    assert asked(normalize_text("几时能拿到补贴？")).kind is AskedKind.DATE
    assert supplies(AskedKind.HOURS, "周六上午9:00—12:00") and not supplies(AskedKind.HOURS, "3个工作日")
    assert not supplies(AskedKind.HOURS, "有以下3点要求")
    # 哪天 asks a day of a month: "11月举办决赛" names the month only.
    assert asked(normalize_text("到底哪天开学？")).kind is AskedKind.DAY
    assert supplies(AskedKind.DAY, "9月1日正式开学") and not supplies(AskedKind.DAY, "11月举办第三届大赛决赛")
    # A date question is answered by a date however loosely given, not by a sentence without one.
    assert asked(normalize_text("一年中哪几个月可以申报？")).kind is AskedKind.DATE
    for dated in ("受理时间为每年6月1日至6月30日", "年底前完成验收", "公示期满后拨付", "每年二季度集中申报"):
        assert supplies(AskedKind.DATE, dated), dated
    assert not supplies(AskedKind.DATE, "创业投资机构可按规定申请天使投资风险补偿")
    # 那几个 points at things already named; it asks no count.
    assert asked(normalize_text("公章财务章那几个章还得自己掏钱去弄吗？")).kind is not AskedKind.COUNT
    # A year before a document's name names that document (its number 〔2022〕3号 names it too).
    wanted = asked(normalize_text("新办法与2022年原办法相比，贴息比例是多少？"))
    assert wanted.document_years == ("2022",) and wanted.years == ()
    assert asked(normalize_text("2022年的贴息比例是多少？")).years == ("2022",)
    # Asking for the conditions on a 期限 and an 面积 asks for neither figure alone.
    assert asked(normalize_text("对合同期限和租用面积有什么要求？")).kind is AskedKind.OTHER


def test_missing_attribute_is_a_partial_refusal_citing_what_was_found(ask):
    answer = ask("政务服务中心的邮政编码是多少？")
    assert answer.refused
    assert "政务服务中心" in answer.answer and "没有提到“邮政编码”" in answer.answer
    assert answer.citations and "政务服务中心" in answer.citations[0].text


def test_missing_kind_of_answer_is_refused(ask):
    answer = ask("高新贷的贷款利率是多少？")
    assert answer.refused and "利率" in answer.answer and "[1]" in answer.answer


def test_answerable_questions_still_answered(ask):
    answer = ask("政务服务中心的咨询电话是多少？")
    assert not answer.refused and "88261000" in answer.answer


def test_colloquial_word_mapped_by_meaning(ask, service_kb):
    from retrieval.ask import Assistant

    searcher = Assistant().searcher("service")
    vocabulary = searcher._current().vocabulary
    assert "打官司" not in NOTICE
    mapping = vocabulary.map_word("打官司")  # 词林 puts it with 诉讼
    assert mapping is not None and "诉讼" in mapping.alternatives
    answer = ask("公司在国外打官司，律师费能补贴多少？")
    assert not answer.refused and "40万元" in answer.answer


def test_english_word_mapped_through_the_dictionary(ask):
    from retrieval.ask import Assistant

    vocabulary = Assistant().searcher("service")._current().vocabulary
    assert "著作权" in vocabulary.english("copyright")  # not in glossary_en.txt: CC-CEDICT
    answer = ask("How much funding is given per software copyright registration?")
    assert not answer.refused and "300元" in answer.answer


def test_coverage_rerank_lifts_the_passage_holding_every_asked_word():
    from retrieval.hybrid import rerank_by_coverage

    fused = [("long", 0.032), ("other", 0.030), ("exact", 0.025), ("deep", 0.010)]
    covered = {"long": 0.4, "other": 0.3, "exact": 1.0, "deep": 1.0}
    order = [cid for cid, _ in rerank_by_coverage(fused, covered, depth=3, weight=0.5)]
    assert order[0] == "exact"  # 0.78 + 0.5 beats 1.0 + 0.2
    assert order[-1] == "deep"  # below the re-ranked depth the fused order stands
    assert [cid for cid, _ in rerank_by_coverage(fused, covered, depth=3, weight=0.0)] == [c for c, _ in fused]


def test_hard_negative_loses_its_answer_sentence_and_keeps_the_topic(ask, service_kb):
    """The fitting script's hard negatives: the answer sentence is gone, the rest of the passage stays."""
    from evaluation.fit_answerability import strip_answers
    from retrieval.ask import Assistant

    result = Assistant().searcher("service").search("高新贷贴息每年最高多少？")
    assert any("50万元" in p.text for p in result.passages)
    stripped = strip_answers(result, ["50万元"], min_relevance=0.0)
    assert stripped is not None
    assert not any("50万元" in p.text for p in stripped.passages)
    assert any("政务服务中心" in p.text for p in stripped.passages)  # the other sentences are kept
    assert strip_answers(result, ["50万元"], min_relevance=1.01) is None  # nothing relevant is left


def test_a_passage_naming_the_asked_year_is_not_put_below_the_rest():
    from retrieval.hybrid import year_conflict

    title = "青枫湾高新区2024年上半年工作总结"
    assert year_conflict(title, "一、创新主体", "全区有效高新技术企业达到1289家。", ["2023"])
    assert not year_conflict(title, "一、创新主体", "达到1289家，较2023年底的1126家净增163家。", ["2023"])
    assert not year_conflict(title, "", "指标：企业数，2023年上半年：12，2024年上半年：15", ["2023"])
    assert not year_conflict(title, "", "全区有效高新技术企业达到1289家。", ["2024"])
    # A plan for 2023 that merely mentions 2022 is still about 2023.
    assert year_conflict("2023年工作思路", "", "建成后将增加学位*万个、满足未来2022年入学需求。", ["2022"])


def test_a_figure_asked_of_a_narrower_thing_is_refused_naming_it(ask):
    # 博士后 adds a head character to 博士: the documents' 5万元 belongs to 博士, not to 博士后.
    narrower = ask("博士后有多少生活补贴？")
    assert narrower.refused and "没有提到“博士后”" in narrower.answer and "[1]" in narrower.answer
    broader = ask("博士有多少生活补贴？")
    assert not broader.refused and "5万元" in broader.answer
    assert not ask("第一次在高新区就业的博士有多少生活补贴？").refused  # 第一次: a numeral and its classifier


def test_a_figure_asked_of_a_compound_with_an_unheard_modifier_is_refused(ask):
    from text.normalize import noun_compounds

    # No document says 总部: their 40万元 is for any 企业, and says nothing of 总部企业 in particular.
    narrower = ask("总部企业在境外发生知识产权诉讼，单个案件最高补助多少？")
    assert narrower.refused and "没有提到“总部企业”" in narrower.answer
    assert "40万元" in ask("企业在境外发生知识产权诉讼，单个案件最高补助多少？").answer
    assert ("总部", "企业") in noun_compounds("总部企业来高新区落户能拿多少奖励")
    # 坏账 is the object of 出了, and 银行 begins the next clause: no compound.
    assert not any("坏账" in pair for pair in noun_compounds("出了坏账银行自己扛多少"))
    # After a pronoun a noun names someone, and the next noun says something of them.
    assert ("孩子", "硕士") not in noun_compounds("我家孩子硕士刚毕业来园区上班")


def test_an_address_question_needs_a_numbered_place(ask):
    assert "科创大道88号" in ask("政务服务中心的地址是什么？").answer
    answer = ask("高新贷贴息去哪个地址办理？")
    assert answer.refused and "地址" in answer.answer
    assert asked(normalize_text("人才公寓地址在哪里？")).kind is AskedKind.ADDRESS


def test_colloquial_word_bridged_through_its_english_gloss(ask, service_kb):
    from retrieval.ask import Assistant

    vocabulary = Assistant().searcher("service")._current().vocabulary
    assert "炒股" not in NOTICE
    mapping = vocabulary.map_word("炒股")  # "speculate in stocks" shares 股 and "stock" with 股票
    assert mapping is not None and mapping.how == "gloss" and "股票" in mapping.alternatives
    assert vocabulary._gloss("一类") == []  # a numeral and its classifier: a count, not a concept
    answer = ask("高新贷的钱能拿去炒股吗？")
    assert not answer.refused and "股票" in answer.answer


def test_an_abbreviation_cut_apart_by_jieba_is_read_in_the_passages(ask):
    from retrieval.meaning import abbreviation_stretches, expand_abbreviation

    assert "北交所" in [s.text for s in abbreviation_stretches("老板想冲北交所上市", ["冲北交"])]
    assert expand_abbreviation("北交所", ["在北京证券交易所上市的"]) == "北京证券交易所"
    assert expand_abbreviation("北交所", ["北交所上市"]) == ""  # found as it is: no abbreviation
    from retrieval.ask import Assistant

    result = Assistant().searcher("service").search("老板打算冲北交所上市，区里能奖多少？")
    assert result.alternatives["北交所"].alternatives == ("北京证券交易所",) and "冲北交" not in result.query_terms
    answer = ask("老板打算冲北交所上市，区里能奖多少？")
    assert not answer.refused and "300万元" in answer.answer


def test_a_message_asking_two_questions_is_split_at_its_question_marks():
    from text.question_parts import question_parts, with_context

    parts = question_parts("人才公寓配租要经过哪几个环节？接到选房通知后多少天内必须签租赁合同？")
    assert parts == ["人才公寓配租要经过哪几个环节？", "接到选房通知后多少天内必须签租赁合同？"]
    # The second part names its own topic (选房通知, 租赁合同): it is searched as it is.
    assert with_context(parts[0], parts[1]) == parts[1]
    # One pointing back or too short to name a topic is searched with the first part's topic words.
    later = with_context(parts[0], "那个期限是多少天？")
    assert later.startswith("人才公寓") and later.endswith("那个期限是多少天？") and "哪几" not in later and "几个" not in later
    assert question_parts("国家专利审查协作分中心有多少专业人才？") == ["国家专利审查协作分中心有多少专业人才？"]
    # A stretch asking nothing stays with a question: "好的？" leads into the next one.
    assert question_parts("好的？谢谢。今年进出口总额是多少？") == ["好的？谢谢。今年进出口总额是多少？"]
    assert question_parts("他说“什么是高企？”是吗？") == ["他说“什么是高企？”是吗？"]  # a quoted question
    english = question_parts("How many talents came in 2024, and what is the target for the whole year?")
    assert english == ["How many talents came in 2024?", "what is the target for the whole year?"]
    # A later part naming its own year does not take on the first part's.
    years = question_parts("2023年地区生产总值是多少？那2022年呢？")
    assert "2023" not in with_context(years[0], years[1]) and "生产总值" in with_context(years[0], years[1])
    assert "2023" in with_context(years[0], "同比增长多少？")


def test_each_question_of_a_message_is_answered_with_its_own_citation(ask):
    answer = ask("高新贷的贴息比例是多少？境外知识产权诉讼单个案件最高补助多少钱？")
    assert not answer.refused
    first, second = answer.answer.split("\n")
    assert "50%" in first and "[1]" in first
    assert "40万元" in second and "[2]" in second
    assert [c.n for c in answer.citations] == [1, 2]
    # One part the documents do not answer: the other is still answered, the missing one named.
    mixed = ask("高新贷的贴息比例是多少？政务服务中心的邮政编码是多少？")
    assert not mixed.refused and "50%" in mixed.answer and "没有提到“邮政编码”" in mixed.answer
    # One sentence answers both parts: it is quoted once, under one number.
    same = ask("高新贷的贴息比例是多少？单户企业每年贴息最高多少？")
    assert len(same.citations) == 1 and same.answer.count("[1]") == 1 and "\n" not in same.answer


def test_a_place_no_document_names_is_refused_by_name(ask):
    # The documents reward a listing in 北京; nothing they say is about 香港.
    answer = ask("企业在香港联合交易所上市的，给予多少奖励？")
    assert answer.refused and "没有提到“香港”" in answer.answer
    # Asked no value of it, a place the documents do not name is only where the asker comes from.
    assert not ask("我在香港工作，来高新区就业的博士研究生有什么补贴？").refused
    assert "300万元" in ask("企业在北京证券交易所上市的，给予多少奖励？").answer


def test_a_class_label_left_out_of_the_quoted_enumeration_is_missing():
    table = normalize_text("人才类别：A类，购房补贴300万元。人才类别：B类，购房补贴150万元。人才类别：C类，购房补贴60万元。")
    assert unlisted_label(normalize_text("D类人才购房补贴多少？"), table) == "D类"
    assert unlisted_label(normalize_text("B类人才购房补贴多少？"), table) == ""
    # A text naming no class of that kind says nothing about which classes there are.
    assert unlisted_label(normalize_text("D类人才购房补贴多少？"), normalize_text("购房补贴最高300万元。")) == ""


def test_merged_parts_say_a_shared_quote_once_and_cite_only_what_they_quote():
    from retrieval.multipart import merge_answers
    from retrieval.schema import AnswerResult, Citation

    rule = Citation(1, "d.txt", "第十一条", "无还本续贷……续贷次数不超过2次。", 0.9, ["续贷次数不超过2次。"])
    costs = Citation(2, "d.txt", "第二十条", "贷款利息不纳入补偿范围。", 0.8, ["贷款利息不纳入补偿范围。"])
    first = AnswerResult("q1", "续贷贷款纳入风险补偿范围，续贷次数不超过2次。[1]", False, [rule])
    second = AnswerResult("q2", "续贷贷款纳入风险补偿范围，续贷次数不超过2次。[1]贷款利息不纳入补偿范围。[2]", False,
                          [rule, costs])
    merged = merge_answers("q1？q2？", ["q1？", "q2？"], [first, second])
    assert merged.answer == "续贷贷款纳入风险补偿范围，续贷次数不超过2次。[1]\n贷款利息不纳入补偿范围。[2]"
    assert [(c.n, c.section) for c in merged.citations] == [(1, "第十一条"), (2, "第二十条")]
    # A part whose only quote an earlier part gave leaves no line and no citation behind.
    alone = merge_answers("q1？q2？", ["q1？", "q2？"], [first, AnswerResult("q2", "续贷贷款纳入风险补偿范围，续贷次数不超过2次。[1]", False, [rule])])
    assert alone.answer == first.answer and len(alone.citations) == 1 and not alone.refused



def test_a_figure_of_a_year_is_not_told_by_a_day_of_it():
    from text.questions import names_year

    rule = normalize_text("本细则所称青年人才，是指2022年1月1日以后取得学历学位的人员。")
    assert names_year(("2022",), rule)  # the year is named …
    assert not names_year(("2022",), rule, period=True)  # … but no figure of 2022 is told
    assert names_year(("2022",), normalize_text("2022年上半年地区生产总值412亿元。"), period=True)
    assert not names_year(("2022",), normalize_text("依据青高管发〔2022〕11号文件。"))


def test_a_part_nothing_answers_says_which_part_it_is(ask):
    answer = ask("高新贷的贴息比例是多少？火星移民计划的报名费是多少？")
    assert not answer.refused and "50%" in answer.answer
    assert "关于“火星移民计划的报名费是多少”：资料中没有找到" in answer.answer


PATENT_FUNDING = """# 青枫湾高新区知识产权资助办法

第八条 资助标准。
国内发明专利授权，每件资助8000元，同一申请人每年资助总额最高50万元。
美国、日本、欧洲专利局发明专利授权，每件每个国家资助5万元。

第十二条 申报材料。企业申报时一般应提交以下材料：

（一）知识产权资助申请表；

（二）营业执照复印件；

（三）专利证书复印件。

第十三条 企业以虚报、冒领、伪造材料等方式骗取资助资金的，追回已拨付资金，3年内不得申报。
"""

# Another document that does speak of 实用新型专利, as a condition, with no figure of its own.
INCUBATION = """# 青枫湾高新区高新技术企业培育库管理办法

第六条 申请入库的企业应当拥有1项以上发明专利，或者4项以上实用新型专利、软件著作权。

第七条 申请进入培育库的企业，应当同时符合下列条件：

（一）在高新区注册并实际经营满1年；

（二）主导产品属于高新区重点发展的集成电路、生物医药、新材料等产业领域。

连续两年未达到所在层级培育目标的企业，调出培育库。
"""


# A new standard that restates the one it replaces, as policies do for the transition.
HOUSING = """# 青枫湾高新区人才安居实施细则

第十六条 对新引进的青年人才按月给予租房补贴，标准如下：

（一）全日制博士研究生：每人每月2500元；

（二）全日制硕士研究生：每人每月1500元。

原《青枫湾高新区人才安居实施办法（2024年版）》规定的租房补贴标准为：博士研究生每人每月2000元，硕士研究生每人每月1000元。

第二十条 用人单位上年度利润增长较快的，其人才可以优先配租人才公寓。
"""


# A measure with an article left to a later rule and a Q&A annex.
VOUCHER = """# 青枫湾高新区科技创新券管理办法

第十条 软件企业资质奖励。

（一）首次通过CMMI五级、四级、三级评估的企业，分别给予一次性奖励50万元、30万元、10万元；

（二）首次通过ITSS一级、二级认证的企业，分别给予一次性奖励30万元、15万元。

第十三条 创新券自发放之日起12个月内有效。

第四十二条 高新区与其他区县之间实行创新券互认互通的具体办法，由科技创新局会同有关部门另行制定。

附件 常见问题解答

1. 问：创新券过期后能否申请延期？
答：不能。逾期未使用的部分自动作废，不予延期。

2. 问：创新券能否用于支付专利申请的官费？
答：不能。创新券不得用于支付专利年费、申请费等官方规费。
"""


@pytest.fixture(scope="module")
def patents_kb(tmp_path_factory):
    funding = ("**第八条** 资助标准。\n" + PATENT_FUNDING.split("第八条 资助标准。\n", 1)[1]
               .replace("第十二条 申报材料。", "**第十二条** 申报材料。"))
    yield from _knowledge_base(tmp_path_factory, "patents", {
        "ip_funding.md": funding, "incubation.md": INCUBATION, "housing.md": HOUSING, "voucher.txt": VOUCHER})


@pytest.fixture
def ask_patents(patents_kb, monkeypatch):
    return _asker(patents_kb, "patents", monkeypatch)


def test_a_figure_of_another_kind_of_the_thing_is_refused_naming_the_kind(ask_patents):
    # The funding document gives figures for 发明专利 only; 实用新型专利 is named by another document,
    # which gives no figure: the 8000元 is for another kind of 专利.
    other_kind = ask_patents("实用新型专利授权每件资助多少钱？")
    assert other_kind.refused and "没有提到“实用新型专利”" in other_kind.answer
    assert "8000元" in ask_patents("国内发明专利授权每件资助多少钱？").answer
    # A kind no document names at all, whose dictionary gloss only loosely stands in (外观设计 ->
    # 设计, 国外): the compound rule of the whole knowledge base.
    unnamed = ask_patents("外观设计专利授权每件资助多少钱？")
    assert unnamed.refused and "外观设计" in unnamed.answer


def test_bold_markdown_article_labels_keep_a_lead_in_with_its_items(ask_patents):
    from ingest.markdown import unbold_labels

    assert unbold_labels("**第十二条** 申报材料。\n**申报条件**\n") == "第十二条 申报材料。\n申报条件\n"
    for masked in ("实际使用外资**亿美元，同比增长**%。", "**万人次，同比增长**"):
        assert unbold_labels(masked) == masked  # masked figures stay as written
    answer = ask_patents("申报知识产权资助需要提交哪些材料？")
    assert not answer.refused and "**" not in answer.answer
    # The lead-in announcing 以下材料 comes first, with its items, ahead of a sentence that merely
    # mentions 材料 (伪造材料).
    assert answer.answer.startswith("企业申报时一般应提交以下材料")
    assert "营业执照复印件" in answer.answer and "专利证书复印件" in answer.answer


def test_the_standard_in_force_is_quoted_before_the_one_it_replaces(ask_patents):
    from text.years import asks_earlier_version, states_superseded

    assert states_superseded(normalize_text("原《人才安居实施办法（2024年版）》规定的租房补贴标准为：…"))
    assert not states_superseded(normalize_text("原名青枫湾科技园，2010年更名。"))
    assert asks_earlier_version(normalize_text("原办法的租房补贴标准是多少？"))
    current = ask_patents("硕士研究生每个月的租房补贴是多少钱？")
    assert current.answer.startswith("（二）全日制硕士研究生：每人每月1500元")
    earlier = ask_patents("原办法规定硕士研究生每月租房补贴多少钱？")
    assert "1000元" in earlier.answer.split("[1]")[0]


def test_a_paragraph_after_a_list_goes_on_with_the_article_not_its_last_item(ask_patents):
    from retrieval.answer import _item_headings
    from text.structure import parse_sections

    article = INCUBATION[INCUBATION.index("第七条"):]
    inner = parse_sections(article)
    after = article.index("连续两年")
    # "调出培育库" follows item （二） but is no part of it: it does not borrow the item's words...
    assert "第七条" in _item_headings(inner, after, article) and "集成电路" not in _item_headings(inner, after, article)
    # ...while an item announcing a list of its own heads its sub-items.
    nested = "（二）新供工业用地控制性指标如下：\n\n1. 固定资产投资强度不低于每亩400万元；\n"
    assert "控制性指标" in _item_headings(parse_sections(nested), nested.index("固定资产"), nested)
    # An item titled, not said in full, heads its sub-items; one said in full with a sibling after it
    # heads the paragraph in between.
    titled = "第五条 支持标准。\n（一）高层次人才引进计划的支持标准\n1. 顶尖人才给予500万元。\n"
    assert "高层次人才引进计划" in _item_headings(parse_sections(titled), titled.index("顶尖"), titled)
    inside = "第六条 奖励。\n（一）对首次认定的国家高新技术企业给予奖励。\n奖励标准为每家20万元。\n（二）对重新认定的企业给予奖励。\n"
    assert "首次认定" in _item_headings(parse_sections(inside), inside.index("每家"), inside)
    answer = ask_patents("进入培育库的企业，主导产品需要属于哪些产业领域？")
    assert "集成电路" in answer.answer


def test_a_question_the_document_asks_is_no_answer_but_heads_the_answer_after_it(ask_patents):
    answer = ask_patents("创新券过期了还能申请延期吗？")
    assert "不予延期" in answer.answer and "问：" not in answer.answer


def test_a_matter_left_to_a_later_rule_is_refused_saying_so(ask_patents):
    from retrieval.answer import _deferred

    answer = ask_patents("创新券和其他区县互认互通具体怎么操作？")
    assert answer.refused and "文件写明另行制定" in answer.answer and answer.citations
    # The closing formula and a guide published later beside stated rules leave nothing unsaid.
    assert _deferred("法律法规另行规定的，从其规定。") == ""
    assert _deferred("符合条件的企业均可申请，申报指南另行发布。") == ""


def test_a_level_left_out_of_the_quoted_enumeration_is_missing(ask_patents):
    # ITSS二级 is in the same passage, but the quoted CMMI enumeration has no 二级.
    answer = ask_patents("软件企业通过CMMI二级评估能拿多少奖励？")
    assert answer.refused and "二级" in answer.answer
    assert "30万元" in ask_patents("软件企业首次通过CMMI四级评估能拿多少奖励？").answer


def test_a_number_of_years_is_how_long_not_when():
    from text.questions import unlisted_label
    from text.years import asks_earlier_version

    assert not supplies(AskedKind.DATE, "5年内取消其申报资格")
    assert supplies(AskedKind.DATE, "年内完成验收") and supplies(AskedKind.DATE, "自十八岁开始至今")
    assert supplies(AskedKind.DATE, "2024年内完成验收") and supplies(AskedKind.DATE, "唐末藩镇混战中瓦解")
    for when in ("生存于上白垩纪早期，约9500万年前", "只在平日早上提供服务", "每月第二周的星期四下午举办",
                 "企业名称：闽江生物医药有限公司，入驻年份：2021。"):
        assert supplies(AskedKind.DATE, when), when
    for timeless in ("初审通过后拨付资金", "每人每月2500元"):
        assert not supplies(AskedKind.DATE, timeless), timeless
    for no_day in ("位于3号楼", "〔2022〕3号文件", "10日内办结"):
        assert not supplies(AskedKind.DAY, no_day), no_day
    # 3级 is 三级, which the enumeration lists.
    assert unlisted_label("通过cmmi3级评估", "通过cmmi五级、四级、三级评估") == ""
    assert not asks_earlier_version(normalize_text("申请不通过的原因是什么？"))


def test_a_thing_counted_before_a_closing_how_many_is_the_attribute(ask):
    assert asked(normalize_text("高新区常住人口有多少？")).attribute == "常住人口"
    assert asked(normalize_text("规模以上工业企业实现利润总额多少亿元？")).attribute == "利润总额"
    # A verb before 多少 names no thing: "区里" is where the money comes from, not what is counted.
    assert asked(normalize_text("从头到尾区里一共能奖多少？")).attribute == ""
    answer = ask("政务服务中心常住人口有多少？")
    assert answer.refused and "常住人口" in answer.answer


def test_an_attribute_held_only_in_pieces_elsewhere_is_missing_from_the_quote(ask_patents):
    # 利润 and 总额 are in two other documents, 利润总额 in none: a figure of CMMI awards is no 利润总额.
    answer = ask_patents("通过CMMI评估的软件企业利润总额多少万元？")
    assert answer.refused and "利润总额" in answer.answer


# Loans and a service centre: the topics of every question below are here, some asked details are not.
GUIDE = """# 青枫湾高新区科技金融和企业服务指引

## 一、“高新贷”

第一条 “高新贷”由合作银行向区内科技型企业发放，单户企业贷款额度最高1000万元。

第二条 合作银行按照不低于风险补偿资金存入额10倍的比例发放贷款。

“高新贷”业务受理邮箱：gxd@qfw.gov.cn。

## 二、人才支持

第三条 A类人才首次在高新区购房的，给予购房补贴100万元，分5年发放。

第四条 申请人才认定应当提供个人所得税纳税记录等证明材料。

## 三、临床试验补助

对完成相应阶段临床试验的创新药，按照该阶段实际研发投入的40%给予补助，补助标准上限见表1。

表1 临床试验分阶段补助标准（单位：万元）

| 药品类别 | I期临床 | II期临床 | III期临床 |
| --- | --- | --- | --- |
| 1类创新药 | 300 | 500 | 800 |
| 2类改良型新药 | 100 | 200 | 300 |

表2 孵化载体补助标准（单位：万元）

| 序号 | 事项 | 说明 |
| --- | --- | --- |
| 1 | 孵化器认定补助 | 按实际投入核定 |

## 四、企业服务中心

企业服务中心位于科创大道88号，工作日上午9:00—12:00、下午14:00—17:30办公。

企业服务中心综合咨询电话：0592-88261000。

8号窗口：税务窗口，负责发票申领、税务登记等业务。

中心地下停车场可免费停车2小时，超过2小时的按照停车场公示标准收费。

## 五、“科创贷”

首批“科创贷”合作银行包括工行、建行和农商行。

## 六、人才公寓

入住人才公寓的青年人才，按每平方米每月10元给予租金补贴。

## 七、重点项目

星辰光电项目于3月18日开工建设，主厂房年底前封顶。全区竣工投产项目9个。

## 八、标准厂房

补贴期满后，上年度地均税收超过每平方米500元的企业可以申请续租，续租期内租金按租金指导价的80%收取。

## 九、研发平台

对新获批的省级重点实验室、省级工程技术研究中心，给予100万元资助。

对新认定的国家级、省级众创空间，分别给予100万元、50万元一次性奖励。

## 十、资金拨付

研发平台资助资金于次年6月底前拨付至企业账户。研发平台资助资金发放实行专款专用。

## 十一、经济运行

上半年，全区一般公共预算收入31.2亿元。

2024年，全区技术合同成交额86亿元。

青枫湾高新区管委会办公室　2025年4月15日印发
"""


@pytest.fixture(scope="module")
def guide_kb(tmp_path_factory):
    yield from _knowledge_base(tmp_path_factory, "guide", {"guide.md": GUIDE})


@pytest.fixture
def ask_guide(guide_kb, monkeypatch):
    return _asker(guide_kb, "guide", monkeypatch)


def test_question_readers_for_members_owners_stated_values_and_whether():
    from text.questions import asked_event, asks_whether, contact_owner, member_phrases, stated_values

    q = normalize_text("第一批“高新贷”合作银行是哪几家？")
    assert member_phrases(q, asked(q).attribute) == {"合作银行"}
    # A counted category asks for the members it counts; a bare one has no name of its own.
    assert not member_phrases(normalize_text("四大主导产业是哪些？"), "主导产业")
    assert not member_phrases(normalize_text("哪些银行可以办理？"), "银行")
    q = normalize_text("高新区人才安居公司的办公地址和联系电话是什么？")
    assert contact_owner(q, asked(q).kind) == "高新区人才安居公司"
    q = normalize_text("我想周六去办营业执照，服务中心开门吗，几点到几点？")
    assert contact_owner(q, asked(q).kind) == ""  # no "X的" names whose hours
    assert stated_values(AskedKind.AMOUNT, normalize_text("超过免费时长后每小时收费多少？")) == {"免费"}
    assert not stated_values(AskedKind.PERCENT, normalize_text("什么样的企业贴息比例可以提高到60%？"))
    assert asks_whether(normalize_text("购房补贴需要交个人所得税吗？"))
    assert not asks_whether(normalize_text("购房补贴分几年发放？"))
    q = normalize_text("星辰光电项目预计什么时候正式投产？")
    assert asked_event(q, asked(q).kind) == "投产"
    q = normalize_text("补助资金拨付后要在几年内使用完毕？")
    assert asked_event(q, asked(q).kind) == "使用完毕"
    q = normalize_text("申报截止时间是哪天？")
    assert asked_event(q, asked(q).kind) == ""  # the event is named before the time word

def test_an_email_address_or_points_asked_for_must_be_given():
    assert asked(normalize_text("科技项目窗口的咨询电子邮箱是什么？")).kind is AskedKind.EMAIL
    assert asked(normalize_text("申报系统的网址是多少？")).kind is AskedKind.WEBSITE
    assert supplies(AskedKind.EMAIL, "受理邮箱：gxd@qfw.gov.cn") and not supplies(AskedKind.EMAIL, "电话：0592-88261000")
    assert supplies(AskedKind.WEBSITE, "登录www.qfw.gov.cn申报") and not supplies(AskedKind.WEBSITE, "登录企服通申报")
    # 几分 counts points: a weight of 30% gives none; 几分钟 asks minutes.
    points = asked(normalize_text("每配备一名创业导师能加几分？"))
    assert points.unit == "分" and not supplies(points.kind, "权重：30%", points.unit)
    assert asked(normalize_text("排队要等几分钟？")).unit == ""




def test_a_sentence_led_by_a_year_is_about_that_year():
    from text.years import labels_year

    assert labels_year("2024年上半年，全区实现地区生产总值383.2亿元。", ["2024"])
    assert labels_year("2024年上半年对应情况：城镇新增就业1.21万人。", ["2024"])
    assert not labels_year("新建学校满足2022年入学需求，新增学位3200个。", ["2022"])


def test_a_report_recalls_the_year_before_its_own_as_last_year():
    from retrieval.hybrid import year_conflict
    from text.years import recalls_year

    text = "上半年新设立经营主体4127户；去年同期新设立经营主体3675户。"
    assert recalls_year(text, ["2025"], ["2024"]) and not recalls_year(text, ["2025"], ["2023"])
    assert not year_conflict("2025年上半年工作总结", "（一）营商环境", text, ["2024"])
    assert year_conflict("2025年上半年工作总结", "（一）营商环境", "上半年新设立经营主体4127户。", ["2024"])
    # 上年度 in a rule is the year before an application, not before the document's.
    assert not recalls_year("上年度研发费用超过1000万元的企业", ["2025"], ["2024"])


def test_review_cases_read_as_they_are_meant():
    from ingest.tables import markdown_tables
    from text.questions import contact_owner
    from text.years import labels_year

    # An address runs up to the Chinese after it.
    assert supplies(AskedKind.WEBSITE, normalize_text("请登录qfw.gov.cn进行申报"))
    assert supplies(AskedKind.EMAIL, normalize_text("发送至hr@gxq.gov.cn邮箱"))
    # Asking whether mail is accepted asks for no address; 几分钱 is money, not points.
    assert asked(normalize_text("申请材料可以通过电子邮件提交吗？")).kind is AskedKind.OTHER
    assert asked(normalize_text("充电服务费每度多少分钱？")).unit == ""
    # A matter is no owner of a phone number; an office is, without the words asking for it.
    for matter in ("申报过程中遇到问题的咨询电话是多少？", "这个补贴的咨询电话是多少？"):
        q = normalize_text(matter)
        assert contact_owner(q, asked(q).kind) == "", matter
    q = normalize_text("我想问一下高新区管委会的电话是多少？")
    assert contact_owner(q, asked(q).kind) == "高新区管委会"
    # A fenced title row above a Markdown table's header is no table of its own.
    table = "| 附表 | 2024 |\n| 项目 | 标准 |\n| --- | --- |\n| 博士 | 10万元 |"
    assert markdown_tables(table) == "| 附表 | 2024 |\n项目：博士，标准：10万元。"
    # A date or a start opening a sentence says when, not what year it is about.
    assert not labels_year("2022年1月1日起，本办法施行。", ["2022"])
    assert not labels_year("2023年以来，全区新增企业1200家。", ["2023"])


def test_labels_levels_periods_and_measures_read_as_the_documents_write_them():
    from text.normalize import noun_compounds
    from text.questions import asked_event
    from text.years import asked_periods, periods

    # 有效期满后 states a condition; the question asks the reward.
    assert asked(normalize_text("国家高新技术企业有效期满后重新通过认定，高新区奖励多少？")).kind is AskedKind.AMOUNT
    assert asked(normalize_text("贷款期限多短的贷款不纳入贴息范围？")).kind is AskedKind.DURATION
    # jieba cuts 时间内向财金局 into 内向 | 财金 | 局: no compound of 内向 and 财金.
    assert ("内向", "财金") not in noun_compounds(normalize_text("应在多长时间内向财金局备案？"))
    # Letters enumerated before one 类 are classes each; 首期 is the first phase.
    assert unlisted_label("d类领军人才创业项目能获得多少资助", "按a、b、c三类分别给予最高500万元") == "D类"
    assert unlisted_label("b类领军人才创业项目能获得多少资助", "按a、b、c三类分别给予最高500万元") == ""
    assert unlisted_label("资金池第二期规模是多少", "设立资金池，首期规模1亿元") == "二期"
    assert unlisted_label("资金池首期规模是多少", "设立资金池，首期规模1亿元") == ""
    assert unlisted_label("二期什么时候开工", "项目分三期建设") == ""  # 分三期 counts phases
    # A quarter or a half, however written.
    assert periods("2025年第三季度（7—9月）单季的地区生产总值") == {"第三季度"}
    assert periods("前三季度实现地区生产总值") == {"前三季度"}
    assert periods("1—6月完成投资128.6亿元") == {"上半年"}
    assert periods("2025年7—9月总产值") == {"第三季度"} and periods("截至6月末") == {"上半年"}
    assert periods("一、二季度分别新增") == {"第一季度", "第二季度"} and periods("1—3季度") == {"前三季度"}
    assert asked_periods("上半年申报的项目补贴多少") == set()  # the period dates the act, not a figure
    q = normalize_text("补贴资金什么时候可以发放？")
    assert asked_event(q, asked(q).kind) == "发放"
    assert unlisted_label("第二期规模是多少", "首期规模5亿元，第2期规模10亿元") == ""
    assert supplies(AskedKind.COUNT, "发放消费券10万份", "张")  # 张 is told in 份 too
    # 台 counts machines; 2亿台 is a count of them.
    q = normalize_text("目前全世界约有多少台机车？")
    assert asked(q).unit == "台" and supplies(AskedKind.COUNT, "全世界约有2亿台机车", "台")


# (what the case shows, question, refused?, what the answer must say): each rule's refusal beside a control
# the same knowledge base answers.
GUIDE_CASES = [
    ("members named only as a whole", "“高新贷”的合作银行具体是哪几家？", True, "具体是哪些合作银行"),
    ("members listed without the category word", "“科创贷”的合作银行是哪几家？", False, "工行、建行和农商行"),
    ("the same topic's figure", "“高新贷”单户企业贷款额度最高多少？", False, "1000万元"),
    ("another office's phone", "企业服务中心8号税务窗口的咨询电话是多少？", True, "“企业服务中心8号税务窗口”的联系电话"),
    ("the office's own phone", "企业服务中心的咨询电话是多少？", False, "0592-88261000"),
    ("免费 stated by the question", "地下停车场超过免费时长后每小时收费多少？", True, "金额"),
    ("how long parking is free", "地下停车场可以免费停多长时间？", False, "2小时"),
    ("whether, said apart", "A类人才的购房补贴需要交个人所得税吗？", True, "“购房”与“个人所得税”的关系"),
    ("whether, said together", "A类人才首次购房能拿购房补贴吗？", False, "100万元"),
    ("no e-mail address quoted", "企业服务中心的电子邮箱是什么？", True, "电子邮箱"),
    ("an e-mail address quoted", "“高新贷”业务的受理邮箱是什么？", False, "gxd@qfw.gov.cn"),
    # The row alone says "III期临床：800": the caption above the table says what of, and in 万元.
    ("a row under its caption", "1类创新药III期临床补助上限是多少万元？", False,
     ("III期临床：800", "表1 临床试验分阶段补助标准（单位：万元）")),
    ("序号 is no amount in the caption's unit", "孵化器认定补助多少万元？", True, "金额"),
    ("a subsidy of the rent is no rent", "人才公寓的租金是每平方米每月多少元？", True, "资料给出的是租金补贴"),
    ("the subsidy asked for", "人才公寓的租金补贴是每平方米每月多少元？", False, "10元"),
    ("an issue date is no date of what the notice rules", "人才公寓租金补贴每年什么时候申报？", True, "所问的时间"),
    ("the issue date asked for", "这份指引是哪天印发的？", False, "2025年4月15日印发"),
    # The quote names 投产 (竣工投产项目9个), but its date is when building began.
    ("a date of another event", "星辰光电项目预计什么时候正式投产？", True, "“投产”的时间"),
    ("the date of the event asked", "星辰光电项目什么时候开工？", False, "3月18日"),
    # A share of the 租金指导价 is quoted, not the 租金指导价 itself; the bare 租金 is told by the share.
    ("a share of the thing asked", "标准厂房的租金指导价是每平方米多少钱？", True, "“租金指导价”的具体金额"),
    ("the share asked for", "标准厂房续租期内的租金是多少？", False, "租金指导价的80%"),
    ("a thing of another level", "新获批的国家级工程技术研究中心可获得多少资助？", True, "“国家级工程技术”"),
    ("the level quoted", "新获批的省级工程技术研究中心可获得多少资助？", False, "100万元"),
    ("levels listed before one thing", "新认定的国家级众创空间奖励多少？", False, "100万元"),
    # 拨付 is how the documents say 发放 (synonyms.txt).
    ("the event said with a synonym", "研发平台资助资金什么时候可以发放？", False, "6月底前"),
    # A half-year figure is no figure of the whole year; a year's figure often goes without 全年.
    ("a part of the year for the whole", "全区全年一般公共预算收入是多少？", True, "全年的相关内容"),
    ("a year's figure without 全年", "2024年全年技术合同成交额是多少？", False, "86亿元"),
]


@pytest.mark.parametrize("shows,question,refused,says", GUIDE_CASES, ids=[case[0] for case in GUIDE_CASES])
def test_what_the_quote_is_about_decides_between_answer_and_partial_refusal(ask_guide, shows, question, refused, says):
    answer = ask_guide(question)
    assert answer.refused is refused, answer.answer
    for text in (says,) if isinstance(says, str) else says:
        assert text in answer.answer, answer.answer
