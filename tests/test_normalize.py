from text.normalize import english_forms, english_terms, expand_synonyms, match_key, normalize_text, terms, tokenize


def test_traditional_and_full_width_are_normalised():
    assert normalize_text("國家專利審查協作分中心ＡＢＣ１２３％") == "国家专利审查协作分中心abc123%"


def test_domain_terms_stay_whole():
    tokens = terms("高新贷和科技小巨人企业、院士工作站")
    assert "高新贷" in tokens
    assert any(t.startswith("科技小巨人") for t in tokens)
    assert "院士工作站" in tokens


def test_stopwords_and_punctuation_are_dropped():
    tokens = tokenize("2023年道路建设有什么计划？")
    assert "什么" not in tokens and "？" not in tokens
    assert {"2023", "道路", "建设", "计划"} <= set(tokens)


def test_synonyms_expand_the_query():
    assert "固定资产" in expand_synonyms(tokenize("固投完成多少"))


def test_match_key_keeps_masks_and_percent():
    assert match_key("比增达*％， 批复发放“高新贷”*亿元") == "比增达*%批复发放高新贷*亿元"


def test_english_questions_map_to_chinese_terms():
    found, translated, total = english_terms("What are the 2023 plans for road construction?")
    assert {"2023", "道路", "计划", "建设"} <= set(found)
    assert translated == total


def test_english_words_are_looked_up_under_their_dictionary_forms():
    assert "spend" in english_forms("spending") and "organization" in english_forms("organisation")
    assert "recognize" in english_forms("recognised") and "subsidy" in english_forms("subsidies")
    assert "job" in english_forms("jobs") and english_forms("red") == ["red"]
    found, _, _ = english_terms("R&D spending")
    assert "研发" in found  # "R&D" stays one word, as the glossary lists it
