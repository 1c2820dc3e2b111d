"""Figure extraction against hand labels, and the look-up through the CLI and the API."""

import json


from text.figures import extract_figures, extract_sentence
from text.structure import parse_sections
import pytest

from tests.conftest import CORPUS, ROOT, run_cli, use_env

DOC = (CORPUS / "高新区2022年工作情况及2023年工作思路.txt").read_text(encoding="utf-8")
LABELS = json.loads((ROOT / "tests/fixtures/figure_labels.json").read_text(encoding="utf-8"))["sentences"]


def _extracted_by_sentence():
    found = {}
    for sec in parse_sections(DOC):
        for _, f in extract_figures(DOC[sec.start:sec.end], sec.path_text, "高新区2022年工作情况及2023年工作思路"):
            found.setdefault(f.sentence, []).append(f)
    return found


def test_extraction_recall_and_precision_against_hand_labels():
    extracted = _extracted_by_sentence()
    labelled = sum(len(s["figures"]) for s in LABELS)
    assert labelled >= 40
    matched = predicted = 0
    misses = []
    for item in LABELS:
        assert item["sentence"] in DOC, item["sentence"]
        rows = list(extracted.get(item["sentence"], []))
        predicted += len(rows)
        for key, value, unit, period in item["figures"]:
            hit = next((r for r in rows if key in r.metric and r.value == value and r.unit == unit
                        and r.period == period), None)
            if hit:
                rows.remove(hit)
                matched += 1
            else:
                misses.append((item["sentence"][:20], key, unit))
    recall, precision = matched / labelled, matched / predicted
    print(f"figure extraction: recall {recall:.3f}, precision {precision:.3f} ({labelled} labelled)")
    assert recall >= 0.95, misses
    assert precision >= 0.95


def test_a_clause_listing_figures_gives_one_row_each():
    rows = extract_sentence("建成道路*条、通车*km。", "一、2022年主要工作情况")
    assert [(r.metric, r.unit, r.period) for r in rows] == [("建成道路", "条", "2022年完成"), ("通车", "km", "2022年完成")]
    assert all(r.masked for r in rows)


def test_qualifiers_and_real_numbers_in_a_differently_written_notice():
    notice = ("关于支持科技企业发展的若干措施\n一、研发补助\n对新认定的高新技术企业，最高补助50万元。\n"
              "二、人才奖励\n对引进的高层次人才，按其实际投入的30%给予奖励，单个企业每年不超过200万元。\n"
              "三、2024年工作安排\n计划新建孵化器3家，力争新增科技型中小企业约120家以上。\n")
    rows = [f for sec in parse_sections(notice) for _, f in extract_figures(notice[sec.start:sec.end], sec.path_text)]
    got = [(r.value, r.unit, r.qualifier, r.period) for r in rows]
    assert ("50", "万元", "最高", "") in got
    assert ("30", "%", "按", "") in got
    assert ("200", "万元", "不超过", "") in got
    assert ("3", "家", "", "2024年计划") in got
    assert ("120", "家", "约、以上", "2024年计划") in got
    assert not any(r.masked for r in rows)


def test_lookup_roads_and_loans_with_periods(corpus_kb, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from retrieval.figures import FigureQuery, FigureTable

    table = FigureTable("default")
    roads = {(r["period"], r["metric"], r["unit"]) for r in table.search(FigureQuery("道路"))}
    assert {("2022年完成", "建成道路", "条"), ("2022年完成", "通车", "km")} <= roads
    assert {("2023年计划", "建成", "条"), ("2023年计划", "新启动道路", "条"), ("2023年计划", "总长", "公里")} <= roads
    loans = [r for r in table.search(FigureQuery("高新贷")) if "高新贷" in r["metric"]]
    assert {(r["period"], r["metric"]) for r in loans} == {("2022年完成", "批复发放高新贷"), ("2023年计划", "新增发放高新贷")}
    only_2023 = table.search(FigureQuery("道路", year="2023"))
    assert only_2023 and all(r["year"] == "2023" for r in only_2023)
    assert all(r["unit"] == "条" for r in table.search(FigureQuery("道路", unit="条")))
    assert table.search(FigureQuery("地铁")) == []
    for odd in ["%", "_", "'; DROP TABLE figures; --", "\\", "<script>"]:
        assert isinstance(table.search(FigureQuery(odd)), list)
    assert table.search(FigureQuery("道路"))  # the table survived


@pytest.mark.slow
def test_cli_json_and_no_match(corpus_kb):
    env = {"ZONEQA_DATA": str(corpus_kb)}
    r = run_cli("-m", "retrieval.figures", "道路", "--year", "2023", "--json", env=env)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and all(row["period"] == "2023年计划" for row in rows)
    assert {"metric", "value", "unit", "qualifier", "period", "section", "source", "sentence", "masked"} <= set(rows[0])
    none = run_cli("-m", "retrieval.figures", "地铁", env=env)
    assert none.returncode == 0 and "没有找到" in none.stdout


def test_a_table_row_names_each_figure_by_its_row_and_column():
    row = "人才类别：C类人才，购房补贴：60万元，租房补贴：每月2000元，安家补贴：10万元。"
    got = [(f.metric, f.value, f.unit, f.qualifier, row[f.start:f.end]) for f in extract_sentence(row, "二、补贴标准")]
    assert got == [("C类人才 · 购房补贴", "60", "万元", "", "60万元"),
                   ("C类人才 · 租房补贴", "2000", "元", "每月", "2000元"),
                   ("C类人才 · 安家补贴", "10", "万元", "", "10万元")]
    assert all(f.year == "" for f in extract_sentence(row))  # 每月2000元 names no year


def test_a_table_header_gives_the_period_and_the_unit():
    periods = extract_sentence("项目：地区生产总值，2023年上半年：四百五十亿元，2024年上半年：451.9亿元。")
    assert [(f.metric, f.period, f.year, f.value) for f in periods] == [
        ("地区生产总值", "2023年上半年", "2023", "四百五十"), ("地区生产总值", "2024年上半年", "2024", "451.9")]
    units = extract_sentence("序号：3，项目：场地补贴，金额（万元）：30。")
    assert [(f.metric, f.value, f.unit) for f in units] == [("场地补贴 · 金额", "30", "万元")]
    ordinal = extract_sentence("指标：第1项指标，完成值：2亿元，备注：有效期内奖励一次。")
    assert [(f.metric, f.value) for f in ordinal] == [("第1项指标 · 完成值", "2")]


def test_prose_with_a_colon_is_not_taken_for_a_table_row():
    assert extract_sentence("申请材料：营业执照，税务登记证。") == []
    rows = extract_sentence("主要指标：地区生产总值增长8%，工业增加值增长10%。")
    assert [r.value for r in rows] == ["8", "10"]


def test_a_figure_matches_by_its_own_clause_not_its_neighbours():
    roads, pipes, green = extract_sentence("建成道路*条，污水管网*km，绿化面积*万㎡。")
    assert "道路" in roads.context and "道路" not in pipes.context and "道路" not in green.context
    started, length = extract_sentence("新启动道路*条，总长*公里。")
    assert "道路" in length.context  # a one-word metric is said with the clause before it
    listed = extract_sentence("计划新启动道路*条、建成*条、总长*公里。")
    assert all("道路" in f.context for f in listed)  # one clause: the road figures belong together


def test_numbers_are_normalised_for_sorting_while_the_value_stays_as_written():
    from text.figures import figure_number

    assert figure_number("60", "万元") == 600_000 and figure_number("0.6", "亿元") == 60_000_000
    assert figure_number("五十", "亩") == 50 and figure_number("两千", "元") == 2000
    assert figure_number("1.5-2", "倍") == 1.5 and figure_number("*", "条") is None
    f = extract_sentence("园区新增用地五十亩。")[0]
    assert (f.value, f.number) == ("五十", 50.0)


def test_lookup_by_value_range_and_order(corpus_kb, monkeypatch):
    use_env(monkeypatch, ZONEQA_DATA=str(corpus_kb))
    from retrieval.figures import FigureOrder, FigureQuery, FigureTable

    table = FigureTable("default")
    ranked = table.search(FigureQuery(order=FigureOrder.VALUE))
    numbers = [r["number"] for r in ranked if r["number"] is not None]
    assert numbers and numbers == sorted(numbers, reverse=True)
    assert all(r["number"] is None for r in ranked[len(numbers):])  # masked figures (no number) last
    top = numbers[0]
    assert [r["number"] for r in table.search(FigureQuery(min_number=top))] == [top]
    assert all(r["number"] <= top / 2 for r in table.search(FigureQuery(max_number=top / 2)))
