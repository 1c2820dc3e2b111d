"""Sentence selection of the extractive answer, on hand-made passages (no model, no index)."""

from __future__ import annotations

from retrieval.answer import MASKED_NOTE, _answer_cues, _score_sentences, compose_answer
from retrieval.hybrid import Passage, SearchResult
from text.normalize import normalize_text, terms


def _result(question: str, *texts: str, title: str = "", sources: list[str] | None = None) -> SearchResult:
    """A relevant search result for ``question`` with one passage per text, in rank order."""
    normalized = normalize_text(question)
    query_terms = terms(normalized, normalized=True)
    passages = [
        Passage(id=f"p{i}", text=text, source=(sources[i - 1] if sources else "doc.txt"), title=title,
                section="", start=0, end=len(text), rank=i, score=1.0 / i, relevance=0.9)
        for i, text in enumerate(texts, 1)
    ]
    return SearchResult(question, normalized, passages, query_terms=query_terms,
                        term_weights={t: 1.0 for t in query_terms})


def test_question_words_pick_their_answer_types():
    assert _answer_cues("元皇后的儿子叫什么?")  # a name: 名/称/号
    assert _answer_cues("蒙泰罗获得第几名?")  # an ordinal and a count
    assert not _answer_cues("这个项目的主要内容")


def test_colour_question_prefers_the_sentence_that_names_a_colour():
    # The title holds the subject for every sentence and both name the flower (花): the colour decides.
    ranked = _score_sentences(_result(
        "黄蝉的花是什么颜色？",
        "黄蝉别称小花黄蝉，为夹竹桃科黄蝉属植物，原生于巴西，现广植于热带地区，常见于公园和庭院中栽种。"
        "花为鲜黄色，花冠呈漏斗形，花冠管内带有红褐色条纹，冠筒细长基部膨大。",
        title="黄蝉",
    ))
    assert ranked[0].text.startswith("花为鲜黄色")


def test_next_sentence_with_the_asked_count_joins():
    # The best match for the question's words has no number; the sentence after it has the count.
    answer = compose_answer(_result(
        "爱普格评分由几项指标构成？",
        "爱普格评分由多项指标构成，是新生婴儿健康状况最常用的快速评估方法，自上世纪中叶发明以来，被世界各地的医院和产科医生广泛采用。"
        "这些指标共有五项，分别是外观、脉搏、表情、活动和呼吸。评分在出生后一分钟和五分钟各做一次。",
    ))
    assert "共有五项" in answer.answer


def test_a_sentence_cut_at_a_semicolon_is_quoted_to_its_end():
    answer = compose_answer(_result(
        "短叶水蜈蚣的全草主治哪些问题？",
        "短叶水蜈蚣为莎草科植物，多生于山坡荒地、路旁草丛、田边草地、溪边和海边的沙滩上。"
        "中医上以全草入药，功能发汗退热、消肿解毒，主治感冒发热、疟疾、痢疾、皮肤瘙痒、蛇虫咬伤等症；"
        "近年也用于治疗乳糜尿。其根茎可提取芳香油。",
    ))
    assert "乳糜尿" in answer.answer


def test_why_question_takes_the_story_before_the_outcome():
    answer = compose_answer(_result(
        "元皇后为什么被降居顺成宫？",
        "元皇后是北齐孝昭帝的皇后。孝昭帝死后，元皇后随梓宫返回邺城。"
        "途中武成帝听闻皇后藏有奇药，追索不得，便使宦官就车羞辱她。元皇后于是被降居顺成宫。",
    ))
    assert "追索不得" in answer.answer and "降居顺成宫" in answer.answer


def test_a_sentence_repeated_by_overlapping_chunks_is_quoted_once():
    sentence = "据国家药品不良反应监测中心的数据，雷公藤制剂可引起肝、肾、血液系统和生殖系统等损害。"
    answer = compose_answer(_result(
        "国家药品不良反应监测中心的数据显示雷公藤会造成什么损害？",
        "雷公藤是卫矛科植物。" + sentence + "主要表现为药物性肝炎、肾功能不全、白细胞减少等。",
        sentence + "主要表现为药物性肝炎、肾功能不全、白细胞减少等。",
    ))
    assert answer.answer.count("雷公藤制剂可引起") == 1
    assert "药物性肝炎" in answer.answer


def test_report_headings_still_end_the_answer():
    # Work reports put short headings between figure-laden sentences: one is not part of the answer.
    answer = compose_answer(_result(
        "高新技术企业新认定了多少家？",
        "投资较快增速。全年完成固投*亿元、比增*%，工业固投*亿元。"
        "新认定高新技术企业*家。商贸大幅提升。实际利用外资*亿元，外贸出口完成*亿元、比增*%。",
    ))
    assert "新认定高新技术企业*家" in answer.answer
    assert "商贸大幅提升" not in answer.answer


def test_masked_note_only_when_a_masked_figure_or_asked_date_is_quoted():
    campaign = "高新区开展“攻坚*天”行动，推出“科创十条”、“人才新政”等政策。"  # a name, not a figure
    assert MASKED_NOTE not in compose_answer(_result("高新区推出了哪些政策？", campaign)).answer
    awards = "高新区出台了“科创十条”等政策，兑现奖励*万元。"
    assert MASKED_NOTE in compose_answer(_result("高新区兑现了多少奖励？", awards)).answer
    school = "学校于*月*日开学，新增学位300个。"
    assert MASKED_NOTE in compose_answer(_result("学校什么时候开学？", school)).answer
    assert MASKED_NOTE not in compose_answer(_result("新增学位多少个？", school)).answer


def test_a_sentence_announcing_a_list_is_answered_with_its_items():
    # The announcement holds a figure of its own (36个月) and matches the question best; the asked amount
    # is in its items, and a close scorer elsewhere must not take their place.
    answer = compose_answer(_result(
        "青年博士每月租房补贴多少？",
        "第十三条 青年人才可以按以下标准申请租房补贴，补贴期限最长为36个月：\n\n（一）博士研究生每人每月2000元；\n\n"
        "（二）硕士研究生每人每月1500元；\n\n（三）全日制本科毕业生每人每月800元。",
        "青年人才可以申请租房补贴。",
    ))
    assert "2000元" in answer.answer and "800元" in answer.answer
    assert "可以申请租房补贴。" not in answer.answer


def test_a_negative_growth_is_told_as_a_fall():
    answer = compose_answer(_result(
        "今年上半年进出口总额是增加还是减少，幅度多大？",
        "指标：进出口总额，单位：亿元，2023年上半年：322.7，2024年上半年：312.4，同比增长：-3.2%。",
    ))
    assert "（即下降3.2%）" in answer.answer and answer.answer.index("[1]") < answer.answer.index("即下降")
    growth = compose_answer(_result("进出口总额增长了多少？", "进出口总额312.4亿元，同比增长3.2%。"))
    assert "下降" not in growth.answer


def test_a_list_item_is_quoted_with_the_sentence_announcing_its_list():
    # The item matches the question; what it leads to (不予支持) is only in the announcement.
    answer = compose_answer(_result(
        "贷款资金能用于股票投资吗？",
        "第十四条 有下列情形之一的，不予支持：\n\n（一）企业被列入失信被执行人名单的；\n\n"
        "（二）贷款资金用于股票、期货等投资的；\n\n（三）企业存在尚未结清的不良贷款的。",
    ))
    assert "不予支持" in answer.answer and "股票" in answer.answer
    assert answer.answer.index("不予支持") < answer.answer.index("股票")


def test_a_sentence_going_on_with_a_list_item_brings_the_item_opening():
    # The second sentence of item (二) matches the question's words; the number asked for opens the item.
    answer = compose_answer(_result(
        "对窗口工作人员的服务态度不满意，投诉打哪个电话？",
        "（一）咨询电话：88261000。\n（二）投诉监督电话：88261099。对窗口工作人员服务态度、办事效率等问题，"
        "也可以通过“好差评”系统进行评价。\n（三）投诉事项一般在5个工作日内答复。",
    ))
    assert "88261099" in answer.answer and "88261000" not in answer.answer


def test_a_special_case_right_after_the_rule_joins_when_it_speaks_to_the_question():
    from text.structure import short_forms

    defined = short_forms([normalize_text("其中首次获得银行贷款的企业（以下简称“首贷户”）最高500万元。为支持青枫湾高新区（以下简称“高新区”）")])
    assert defined == {"首贷户": "其中首次获得银行贷款的企业"}  # 高新区 is part of what it shortens
    rule = "对按期还本付息的企业，按实际支付利息的50%给予贴息，单户企业每年最高50万元。首贷户的贴息比例提高至60%。"
    result = _result("首次找银行贷款、按期还本付息的企业，利息能贴多少？", rule)
    # Without the definition "首贷户" says nothing of a first loan: the rule alone answers.
    assert "60%" not in compose_answer(result).answer
    result.short_forms = {"other.txt": defined}  # another document's 首贷户 is not this one's
    assert "60%" not in compose_answer(result).answer
    result.short_forms = {"doc.txt": defined}
    answer = compose_answer(result).answer
    assert "50%" in answer and "60%" in answer


def test_the_formal_definition_answers_how_a_term_is_defined():
    from text.questions import defined_term, states_definition

    question = normalize_text("研发投入补助办法中的“新型研发机构”是如何界定的？")
    assert defined_term(question) == "新型研发机构"  # the quoted term, not the whole stretch before 是如何
    assert defined_term(normalize_text("什么是高新贷？")) == "高新贷"
    assert defined_term(normalize_text("高新贷能贷多少？")) == ""
    defining = normalize_text("本办法所称新型研发机构，是指主要从事研发服务的独立法人机构。")
    assert states_definition("新型研发机构", defining)
    assert not states_definition("新型研发机构", normalize_text("新型研发机构租用区内研发用房的，给予租金补贴。"))
    ranked = _score_sentences(_result(
        "研发投入补助办法中的“新型研发机构”是如何界定的？",
        "新型研发机构租用区内办公研发用房的，按每月每平方米20元的标准给予研发租金补贴，补助期限不超过3年。",
        "本办法所称新型研发机构，是指主要从事研发服务的独立法人机构。",
    ))
    assert ranked[0].text.startswith("本办法所称新型研发机构")
