"""Extractive answers: pick the 1–3 sentences that answer, quote them with [n], cite, or refuse.

No LLM is needed. Sentences in the retrieved passages are scored by how much
of the question they cover (IDF-weighted, synonyms counted, words found only in
part counted a little), with small bonuses for the document's rank, for a year
the question names, and for the kind of thing asked (a figure for 多少, a list
for 哪些, a date for 何时, a reason for 为什么: ANSWER_TYPES). The best sentence
then takes its neighbours when the answer runs on: the rest of a sentence cut at
"；", a list it announces, the next sentence when that one holds the kind of
answer asked for, the story before an outcome for 为什么/怎么 questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from retrieval.hybrid import Passage, SearchResult, coverage, found_whole
from retrieval.meaning import Mapping
from retrieval.schema import AnswerResult, Citation, RankedPassage, Refusal
from retrieval.tunables import DEFAULT, AnswerWeights
from text.figures import FIGURE, extract_sentence, table_row_cells
from text.normalize import match_key, normalize_text, passage_search_text, terms, tokenize, word_bounds
from text.questions import (EXPLICIT_DATE, FULL_DATE, LEVEL, QUESTION_WORDS, Asked, AskedKind, asked, asked_compound,
                            asked_event, asks_whether, contact_owner, defined_term, defines, leveled_things,
                            member_phrases, names_year, stated_values, states_definition, supplies, unlisted_label)
from text.sentences import sentence_spans
from text.structure import Section, parse_sections
from text.years import (asked_periods, asks_earlier_version, context_years, labels_year, periods, recalls_year,
                        states_superseded)

REFUSAL = "资料中没有找到与该问题相关的内容，无法据此回答。请换一种问法，或确认问题是否在已收录文件的范围内。"
REFUSAL_EN = "The documents contain nothing relevant to this question, so it cannot be answered from them."
MASKED_NOTE = "（注：原文中该数字以“*”隐去，资料未公开具体数值。）"
MASKED_NOTE_EN = " (Note: the figure is masked as “*” in the source; the exact number is not disclosed.)"
LEAD_IN_EN = "According to the Chinese source documents: "
LEAD_IN_TRADITIONAL = "根據資料："

_FIGURE_Q = re.compile(r"多少|几|比例|占比|比重|增速|增长|规模|how many|how much|percentage|rate")
_EXPLAIN_Q = re.compile(r"什么是|是什么|哪些|为什么|为何|原因|怎么|如何|怎样|特点|作用|有什么|内容")
_LIST_Q = re.compile(r"哪些|哪几|有什么|what are|which")
# A sentence opening like this leans on the one before it (因此…, 其…, 它…).
_CONTINUES = re.compile(r"^(因此|所以|因而|故|于是|由此|这|此|其|它|牠|他|她|该|但|而且|并且|同时)")
# A sentence that goes on with a list the answer started (第二，… / 其次… / 另外…).
_ENUMERATES = re.compile(r"^(第[二三四五六七八九十]|[二三四五六七八九十]是|其次|再次|最后|另外|此外|还有|又|也)")
# A sentence announcing that the answer follows ("其特点主要有以下三点：").
# Not "500万元以下" (a bound) nor "（以下简称…）" (a short form).
_LEAD_IN = re.compile(r"(?<![\d万千百亿元岁人年个家次*])以下(?!简称|称)|如下|下列|[：:]$")
# Questions about how something came about: the story usually comes before the sentence naming the outcome.
_ANTECEDENT_Q = re.compile(r"为什么|为何|原因|怎么会|怎么死|怎样死|如何死|背景|由来|得名|怎么来|怎样来")
# An item of a list: (一) / (1) / 一、/ 一是 / 1. / 第一， / a bullet.
_BULLETS = "-•·●▪"
_LIST_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}(?:、|是)"
                        rf"|\d{{1,2}}(?:[、．]|\.(?!\d))|第[一二三四五六七八九十]{{1,3}}[，、,]|[{_BULLETS}])")
# A sentence leaving the matter to a later rule ("具体办法由科技创新局另行制定"): what is asked is not in
# the documents yet.
_ARTICLE_LABEL = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条章节款项]")
_DEFERRED = re.compile(r"另行(?:制定|规定|公布|通知|明确|发布|印发)")
_SPECIFICS = re.compile(r"具体(?:办法|标准|规定|措施|细则|方案|操作)|实施细则|管理办法")
# A sentence that is itself a question (问：创新券能否用于支付官费？), and the answer that follows one.
_ENDS_IN_QUESTION = re.compile(r"[?？]\s*$")
_ANSWERS = re.compile(r"^\W*(?:答|回答)\s*[：:]")
_ASKED_BY = re.compile(r"^\W*(?:\d+\W*)?(?:问|提问)\s*[：:]")
# A longer sentence ending in a question mark is prose that may hold the answer before its question
# ("…为了给妈妈过更好的日子…，小葵究竟要如何做才能打动英崎哥的心房？").
_QUESTION_CHARS = 50
_NEW_PARAGRAPH = re.compile(r"\n\s*$")
# A list item's line at most this long is a title with a body under it ("（三）核定依据。"); a longer one
# is an item said in full.
_ITEM_TITLE_CHARS = 16
MAX_ITEMS_BACK = 12  # how far back from a list item its announcement is looked for, in sentences


# What kind of answer a question asks for (pattern on the question), and the words a sentence
# giving that kind of answer tends to hold (pattern on the sentence). They matter most when several
# sentences cover the question equally, as when the subject is the document's title.
ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "reason": (re.compile(r"为什么|为何|原因|怎么会|何故|缘故|理由"),
               re.compile(r"因为|由于|因此|所以|因而|以致|导致|原因|缘故|鉴于|为了")),
    # 目的 but not 项目的/节目的/题目的 …
    "purpose": (re.compile(r"(?<![项题节科数栏书剧条])目的|用意"), re.compile(r"为了|以便|旨在|目的|以求|用以|用来")),
    "name": (re.compile(r"叫什么|名字|称为什么|称作什么|称之为|别称|又称|别名|美誉|称号|史称|人称|号称|也叫|俗称|简称"),
             re.compile(r"名|称|号|叫|誉")),
    "place": (re.compile(r"哪里|在哪|何处|什么地方|哪个地方|地理位置|位于|地点|哪儿|出生地|哪个国家|哪个城市"),
              re.compile(r"位于|坐落|地处|生于|出生于|[省市县州国区镇村岛]")),
    "death": (re.compile(r"怎么死|如何死|怎样死|死因|因何而死"),
              re.compile(r"死|卒|杀|逝|亡|崩|薨|殁|害")),
    "colour": (re.compile(r"颜色|什么色"), re.compile(r"色")),
    "shape": (re.compile(r"形状|样子|外形|外观|外貌|什么样|形态"), re.compile(r"形|状|呈")),
    # "*" is a figure the source masks (the zone reports write "*亿元", "*月*日").
    "count": (re.compile(r"几|多少"), re.compile(r"[\d*]|[一二两三四五六七八九十百千万]+[种个项名位次件条部座家所本张首人年]")),
    "ordinal": (re.compile(r"第几"), re.compile(r"第[\d*一二三四五六七八九十百]+")),
    "date": (re.compile(r"什么时候|何时|哪年|哪一年|几月|日期|时间|年代"),
             re.compile(r"[\d*〇零一二三四五六七八九十百]+年|[\d*一二三四五六七八九十]+月|世纪|年代")),
}
_GIVES_REASON = ANSWER_TYPES["reason"][1]


def _answer_cues(question: str) -> list[re.Pattern[str]]:
    """Sentence patterns for the kinds of answer ``question`` (normalised) asks for."""
    return [sentence for asked, sentence in ANSWER_TYPES.values() if asked.search(question)]


def _shows_cue(cues: list[re.Pattern[str]], text: str) -> bool:
    return any(cue.search(normalize_text(text)) for cue in cues)


@dataclass
class _Candidate:
    passage: Passage
    start: int  # offsets inside passage.text
    end: int
    score: float
    own: float = 0.0  # coverage of the question by the sentence alone, without its headings

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]


def _year_agreement(asked: list[str], passage: Passage, sentence: str, w: AnswerWeights) -> float:
    """Reports are organised by year: reward the asked year, penalise a section about another one.

    A table row with a cell labelled by the asked year ("2023年上半年：6420，2024年上半年：…") is about
    it whatever its section says; a sentence that merely names the year ("较2023年底的1126家") is not
    penalised for its section."""
    if not asked:
        return 0.0
    if labels_year(sentence, asked):
        return w.year_match
    years_here = context_years(passage.title, passage.section)
    if years_here:
        if any(y in years_here for y in asked) or recalls_year(sentence, years_here, asked):
            return w.year_match
        return 0.0 if names_year(tuple(asked), sentence) else w.year_conflict
    return w.year_match if names_year(tuple(asked), sentence) else 0.0


def _partial_coverage(query_terms: list[str], weights: dict[str, float], text: str,
                      alternatives: dict[str, Mapping]) -> float:
    """IDF-weighted share of the question's words that ``text`` lacks whole but holds in part.

    A question paraphrases its source: 颜色 for 色, 树叶 for 叶, 有毒 for 毒性. Each missing
    word of two or more characters earns the fraction of its characters found in the sentence;
    a word that :func:`coverage` already found through a synonym or stand-in is not missing.
    """
    total = sum(weights.get(t, 0.0) for t in query_terms)
    if total <= 0:
        return 0.0
    found = 0.0
    for t in query_terms:
        if len(t) < 2 or found_whole(t, text, alternatives):
            continue
        found += weights.get(t, 0.0) * sum(ch in text for ch in t) / len(t)
    return found / total


def _score_sentences(result: SearchResult, w: AnswerWeights = DEFAULT.answer) -> list[_Candidate]:
    q = result.normalized
    wants_figure, wants_list = (bool(r.search(q)) for r in (_FIGURE_Q, _LIST_Q))
    wanted = asked(q)
    wants_date = wanted.kind.tells_when
    subject = defined_term(q)
    cues = _answer_cues(q)
    current_only = not asks_earlier_version(q)
    # Retrieval finds the right document more reliably than the right chunk of it (hit@1 counts
    # documents), so every chunk of a document shares its best rank: sentences compete on content.
    doc_rank: dict[str, int] = {}
    for p in result.passages:
        doc_rank.setdefault(p.source, len(doc_rank) + 1)
    candidates: list[_Candidate] = []
    for p in result.passages:
        context = normalize_text(f"{p.title} {p.section}")
        inner = parse_sections(p.text)
        asked_before = ""  # the document's own question that the sentences after it answer (问：…？ 答：…)
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            norm = normalize_text(sentence)
            if _ENDS_IN_QUESTION.search(norm) and (len(norm) <= _QUESTION_CHARS or _ASKED_BY.match(norm)):
                # A question the document asks (a Q&A annex, a rhetorical one) answers nothing itself;
                # it holds for the answer after it, as a heading does.
                asked_before = " " + norm
                continue
            if _NEW_PARAGRAPH.search(p.text[max(0, s - 2):s]) and not _ANSWERS.match(norm):
                asked_before = ""
            context_here = context + _item_headings(inner, e - 1, p.text) + asked_before
            caption = _table_caption(p.text, s)
            if caption is not None:
                context_here += " " + normalize_text(p.text[caption[0] : caption[1]])
            context_here += _short_forms_used(result, p, norm)
            # Words in the title or heading hold for every sentence under it: the
            # sentence that answers often says 它/其 instead of the subject.
            score = coverage(result.query_terms, result.term_weights, context_here + " " + norm, result.alternatives)
            score += w.partial_weight * _partial_coverage(result.query_terms, result.term_weights,
                                                          context_here + " " + norm, result.alternatives)
            score += w.rank_bonus / doc_rank[p.source]
            score += _year_agreement(result.years, p, norm, w)
            if current_only and states_superseded(norm):
                score += w.superseded
            if wants_figure and FIGURE.search(sentence):
                score += w.figure_bonus
            # A sentence announcing a list ("申报企业应当提交以下材料：") stands for its items.
            if wants_list and ("、" in sentence or "，" in sentence or _LEAD_IN.search(sentence)):
                score += w.list_bonus
            if wants_date and EXPLICIT_DATE.search(sentence):
                score += w.date_bonus
            if subject and defines(subject, norm):
                # The formal definition (本办法所称X，是指…) over a sentence merely opening with X.
                score += w.definition_bonus * (2 if states_definition(subject, norm) else 1)
            score += sum(w.cue_bonus for cue in cues if cue.search(norm))
            if wanted.checked and supplies(wanted.kind, norm, wanted.unit):
                score += w.kind_bonus
            elif _announces(wanted, norm):
                score += w.kind_bonus
            own = coverage(result.query_terms, result.term_weights, norm, result.alternatives)
            candidates.append(_Candidate(p, s, e, score, own))
    candidates.sort(key=lambda c: -c.score)
    return candidates


# A table's caption ("表1 临床试验分阶段补助标准（单位：万元）"): it names what the rows under it are of, and
# often their unit. (A sentence announcing a table, "按照下表标准给予奖励。", is prose scored on its own; as a
# heading of every row it outweighed a worked example after the table, measured on qiwu.)
_CAPTION = re.compile(r"^\s*附?表\s*(?:\d+|[一二三四五六七八九十]+(?=[\s：:、.．]))")  # not 表二十强企业名单
_CAPTION_CHARS = 60
# A notice's issue line ("…办公室　2025年4月15日印发"), and a question about issuing itself.
_ISSUED_ON = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:印发|发布|公布)")
_ASKS_ISSUING = re.compile(r"印发|发布|公布|出台|颁布|下发|成文|发文")
_UNIT_NOTE = re.compile(r"单位\s*[：:]\s*(?:人民币)?((?:万|亿|千|百)?(?:元|美元)|%|人|家|个|件|项|户|平方米|亩|天|个月|年)")
_BARE_NUMBER = re.compile(r"\s*\d+(?:\.\d+)?\s*")
# Columns whose numbers are no quantity in the table's unit: an index, a year, a date.
_NOT_IN_UNIT = re.compile(r"序号|编号|排名|名次|年份|年度|日期|时间|期限|[（(]")


def _table_caption(text: str, start: int) -> tuple[int, int] | None:
    """The span of the caption heading the table whose row line starts at ``start`` (None when the
    sentence there is no row, or no caption heads its table): the first line above the row lines."""
    line_end = text.find("\n", start)
    line = text[start : line_end if line_end >= 0 else len(text)].strip()
    if _CAPTION.search(line) or table_row_cells(line) is None:
        return None
    end = text.rfind("\n", 0, start)
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].strip()
        if line and _CAPTION.search(line):  # a caption may itself read as cells: "表1：补助标准，单位：万元"
            return (begin, end) if len(line) <= _CAPTION_CHARS else None
        if line and table_row_cells(line) is None:
            return None  # prose above the table: no caption
        end = begin - 1
    return None


def _read_for_kind(c: _Candidate, normalized_question: str, kind: AskedKind) -> str:
    """A quote normalised for the kind check (:func:`supplies`), line by line (a caption and its row may be
    merged into one quote):

    - a unit statement ("单位：万元") is taken out, and in a row line the bare-number cells take the unit
      its table's caption states: "III期临床：800" under "（单位：万元）" gives an amount, 800万元 (an index
      or a year column does not);
    - unless the question asks about issuing, the date the notice was issued on ("管委会办公室
      2025年4月15日印发") is taken out: it tells when the notice was printed, not when anything in it
      happens;
    - a value of the kind that the question states itself (免费) is taken out: said again, it is no answer.
    """
    lines = []
    offset = c.start
    for line in c.text.split("\n"):
        lines.append(_row_in_unit(c.passage.text, offset, line))
        offset += len(line) + 1
    read = " ".join(lines)
    if not _ASKS_ISSUING.search(normalized_question):
        read = _ISSUED_ON.sub(" ", read)
    return _without(read, stated_values(kind, normalized_question))


def _row_in_unit(text: str, start: int, line: str) -> str:
    """One line of :func:`_read_for_kind` (``start``: its offset in the passage ``text``)."""
    caption = _table_caption(text, start) if line.strip() else None
    unit = _UNIT_NOTE.search(normalize_text(text[caption[0] : caption[1]])) if caption else None
    cells = table_row_cells(line.strip()) if unit else None
    if cells:  # read on the line as written: normalising turns the cells' "，：" into ",:"
        line = "，".join(f"{header}：{value}{unit.group(1)}" if _BARE_NUMBER.fullmatch(value) and not _NOT_IN_UNIT.search(header)
                         else f"{header}：{value}" for header, value, _ in cells)
    return _UNIT_NOTE.sub("", normalize_text(line))


def _short_forms_used(result: SearchResult, passage: Passage, normalized_sentence: str) -> str:
    """What the short forms a sentence of ``passage`` uses stand for, space-led: "首贷户的贴息比例提高至60%"
    speaks of 首次获得银行贷款的企业, defined elsewhere in the document."""
    defined = result.short_forms.get(passage.source, {})
    return "".join(f" {full}" for short, full in defined.items() if short in normalized_sentence)


def _read_with_short_forms(result: SearchResult, candidate: _Candidate) -> str:
    """A candidate sentence normalised, followed by what the short forms it uses stand for."""
    normalized = normalize_text(candidate.text)
    return normalized + _short_forms_used(result, candidate.passage, normalized)


def _complement(best: _Candidate, same_passage: list[_Candidate], chosen: list[_Candidate],
                result: SearchResult, w: AnswerWeights) -> _Candidate | None:
    """The sentence right after ``best`` in its paragraph when it speaks to a question word that the
    chosen sentences leave out: a rule's special case follows the rule ("…按其实际支付利息的50%给予贴息。"
    then "首贷户的贴息比例提高至60%。" for a first-time borrower)."""
    following = [c for c in same_passage if c.start >= best.end]
    if not following or len(chosen) >= w.max_sentences:
        return None
    nxt = min(following, key=lambda c: c.start)
    if nxt in chosen or "\n" in best.passage.text[best.end : nxt.start]:
        return None
    if sum(c.end - c.start for c in chosen) + nxt.end - nxt.start > w.max_answer_chars:
        return None
    said = " ".join(_read_with_short_forms(result, c) for c in chosen)
    own = _read_with_short_forms(result, nxt)
    heavy = [t for t in result.query_terms if result.term_weights.get(t, 0.0) >= w.complement_weight]
    adds = any(found_whole(t, own, result.alternatives) and not found_whole(t, said, result.alternatives) for t in heavy)
    return nxt if adds else None


def _select(candidates: list[_Candidate], result: SearchResult, w: AnswerWeights = DEFAULT.answer) -> list[_Candidate]:
    """The best sentence, what it needs to be read (its continuation when it is only a lead-in, the
    announcement of the list it is an item of, the opening of the item it goes on with), and a
    close runner-up."""
    if not candidates:
        return []
    best = _announcing_lead_in(candidates, result, w) or candidates[0]
    # An item of a list ("（一）…认定当年拨付20万元；次年…拨付剩余10万元。") is finished before any
    # runner-up: a runner-up further down the same passage would otherwise skip its second half.
    chosen = [best] + (_rest_of_sentence(best, candidates, w) if _announced_item(best.text) else [])
    same_passage = [c for c in candidates if c.passage is best.passage]
    for context in (_item_opening(best, same_passage), _list_lead_in(best, same_passage, w),
                    _caption_of(best, same_passage)):
        if context is not None:
            chosen.append(context)
    if best.end - best.start <= w.short_sentence and not FIGURE.search(best.text):
        following = [c for c in same_passage if c.start >= best.end]
        if following:
            chosen.append(min(following, key=lambda c: c.start))
    # 为什么/怎么死/由来: when the best sentence only states the outcome, the sentence before tells how.
    untold = bool(_ANTECEDENT_Q.search(result.normalized)) and not _GIVES_REASON.search(best.text)
    if _CONTINUES.match(best.text) or untold:
        preceding = [c for c in same_passage if c.end <= best.start]
        if preceding:
            chosen.append(max(preceding, key=lambda c: c.end))
    nxt = _next_with_cue(best, same_passage, _answer_cues(result.normalized))
    if nxt is not None and nxt not in chosen:
        chosen.append(nxt)
    # A sentence announcing a list ("按以下标准申请租房补贴：") is answered by the items after it, not by
    # close scorers elsewhere: they are taken below, and a figure in the announcement (补贴期限最长为36个月)
    # does not answer a 多少 question.
    lead_in = bool(_LEAD_IN.search(best.text))
    for c in ([] if lead_in else candidates[1:]):
        if len(chosen) >= w.max_sentences:
            break
        total = sum(x.end - x.start for x in chosen) + c.end - c.start
        if c in chosen or total > w.max_answer_chars or c.score < w.runner_up * best.score:
            continue
        if any(_same_sentence(c, x) for x in chosen):
            continue  # retrieved chunks overlap: the same sentence can come back from two passages
        chosen.append(c)
    # After the runner-ups: a close second answer matters more than a special case of the first.
    complement = None if lead_in else _complement(best, same_passage, chosen, result, w)
    if complement is not None:
        chosen.append(complement)
    total = sum(x.end - x.start for x in chosen)
    answered_figure = bool(_FIGURE_Q.search(result.normalized)) and bool(FIGURE.search(best.text)) and not lead_in
    # A short answer gains from the sentences after it: the span asked for often runs on, and
    # questions asking to explain or list (什么是, 哪些, 为什么, 如何) have long answers.
    brief = w.explain_brief if _EXPLAIN_Q.search(result.normalized) else w.brief_answer
    end = max(c.end for c in chosen if c.passage is best.passage)
    report = bool(FIGURE.search(best.text)) or _figure_density(best.passage.text) >= w.report_figures
    while (total < brief or _unfinished(best.passage, end) or lead_in) and not answered_figure:
        following = [c for c in same_passage if c.start >= end and c not in chosen]
        if not following:
            break
        nxt = min(following, key=lambda c: c.start)
        if lead_in and total >= brief and not _announced_item(nxt.text):
            break  # the announced list is complete (as far as the answer's length allows)
        # In a report full of figures a short sentence without one opens a new topic
        # ("启动福建科学城建设。"): leave it out. In prose it goes on with the story.
        opens_topic = report and nxt.end - nxt.start <= w.topic_sentence and not FIGURE.search(nxt.text)
        # Past the first addition, only sentences that still speak to the question, go on
        # from the one before (其…, 第二…, 此外…) or continue a list the answer announced.
        drifts = (end > best.end and nxt.own < w.extend_min_coverage and not lead_in
                  and not _CONTINUES.match(nxt.text) and not _ENUMERATES.match(nxt.text))
        if _unfinished(best.passage, end):
            drifts = opens_topic = False  # the piece after "；" is the rest of the same sentence
        if lead_in and _announced_item(nxt.text):
            opens_topic = False  # a short item of the list the answer announced, not a new topic
        if opens_topic or drifts or total + nxt.end - nxt.start > w.max_answer_chars:
            break
        chosen.append(nxt)
        total += nxt.end - nxt.start
        end = nxt.end
    # Read in document order within a passage, passages in rank order.
    chosen.sort(key=lambda c: (c.passage.rank, c.start))
    return _merge_adjacent(chosen)


def _announcing_lead_in(candidates: list[_Candidate], result: SearchResult, w: AnswerWeights) -> _Candidate | None:
    """For a 哪些X question, a close runner-up that announces a list of X ("申报单位应当提交以下材料："):
    the list it opens is the answer, more than a sentence that merely mentions X among other words."""
    wanted = asked(result.normalized)
    if not (wanted.category and wanted.attribute):
        return None
    return next((c for c in candidates[1:] if c.score >= w.runner_up * candidates[0].score
                 and _announces(wanted, normalize_text(c.text))), None)


def _announces(wanted: Asked, normalized_sentence: str) -> bool:
    """True when a sentence announces a list of what a 哪些X question asks for ("企业申报时应提交以下材料："
    for 哪些材料): its members are the answer."""
    return (wanted.category and bool(wanted.attribute) and wanted.attribute in normalized_sentence
            and bool(_LEAD_IN.search(normalized_sentence)))


def _caption_of(best: _Candidate, same_passage: list[_Candidate]) -> _Candidate | None:
    """The caption of the table ``best`` is a row of: a row quoted alone does not say what its numbers
    are of, nor in what unit ("表1 临床试验分阶段补助标准（单位：万元）")."""
    caption = _table_caption(best.passage.text, best.start)
    if caption is None:
        return None
    return next((c for c in same_passage if c.start <= caption[0] < c.end or caption[0] <= c.start < caption[1]), None)


def _item_opening(best: _Candidate, same_passage: list[_Candidate]) -> _Candidate | None:
    """The opening sentence of the list item that ``best`` goes on with, on the same line.

    An item's first sentence names what the item is about ("（二）投诉监督电话：88261099。"); the
    sentences after it lean on it ("对窗口工作人员服务态度……也可以拨打12345…反映。") and, quoted alone,
    lose the subject and often the figure asked for.
    """
    if _announced_item(best.text):
        return None
    preceding = [c for c in same_passage if c.end <= best.start]
    if not preceding:
        return None
    before = max(preceding, key=lambda c: c.end)
    between = best.passage.text[before.end : best.start]
    # A bulleted item opens with its only sentence (and "-{…}-" is wiki markup, no bullet).
    numbered = _announced_item(before.text) and before.text.lstrip()[:1] not in _BULLETS
    return before if numbered and "\n" not in between and not between.strip() else None


def _list_lead_in(best: _Candidate, same_passage: list[_Candidate], w: AnswerWeights) -> _Candidate | None:
    """The sentence announcing the list that ``best`` is an item of ("有下列情形之一的，不予支持：").

    In policy texts the announcement holds what the items lead to (不予支持, 追回补贴) or what they
    are (申报材料): an item quoted alone ("（四）贷款资金用于股票…的；") answers nothing.
    """
    if not _announced_item(best.text):
        return None
    text = best.passage.text
    preceding = sorted((c for c in same_passage if c.end <= best.start), key=lambda c: -c.start)
    for c in preceding[:MAX_ITEMS_BACK]:
        if _announced_item(c.text):
            continue  # an earlier item of the same list
        if _LEAD_IN.search(c.text):
            return c if c.end - c.start <= w.max_answer_chars // 2 else None
        # A sentence going on with an earlier item shares its line; one that opens a line is prose
        # (another list's items may come before it), and prose before the item on its line means
        # there is no list at all.
        if not text[text.rfind("\n", 0, c.start) + 1 : c.start].strip() or "\n" not in text[c.end : best.start]:
            return None
    return None


def _next_with_cue(best: _Candidate, same_passage: list[_Candidate],
                   cues: list[re.Pattern[str]]) -> _Candidate | None:
    """The sentence right after ``best`` when it, and not ``best``, shows the kind of answer asked for.

    The best match for the question's words often sets the scene and the next sentence gives the
    figure, date or name asked for ("…共有几种？" -> "…分为A和B两种。").
    """
    if not cues or _shows_cue(cues, best.text):
        return None
    following = [c for c in same_passage if c.start >= best.end]
    nxt = min(following, key=lambda c: c.start) if following else None
    return nxt if nxt is not None and _shows_cue(cues, nxt.text) else None


def _item_headings(inner: list[Section], offset: int, text: str) -> str:
    """The headings, inside a passage, of the item holding ``offset`` (normalised, space-led; a
    sentence is looked up by its last character: its first ones may be the item's marker).

    A passage that packs several articles or items keeps each one's heading line in its text
    ("3. 绩效奖励。按…收入总额的10%给予奖励"): like the section path of a passage, the heading of
    the item a sentence belongs to holds for that sentence. A list item written as a whole sentence
    ("（五）主导产品属于…等产业领域。") has no body, though: the paragraph after a list's last item
    goes on with the article ("连续两年未达到…的企业，调出培育库。"), not with that item. (An item
    announcing a list of its own, "（二）控制性指标如下：", heads its sub-items.)
    """
    here = next((sec for sec in inner if sec.start <= offset < sec.end), None)
    if here is None or not here.path:
        return ""
    path = list(here.path)
    for level, head in enumerate(here.heads[: len(path)]):
        line_end = text.find("\n", head)
        line = text[head : line_end if line_end >= 0 else len(text)].strip()
        marker = _LIST_ITEM.match(line)
        if marker and 0 <= line_end < offset and _said_in_full(line) and not _sibling_after(text, offset, marker.group()):
            path = path[:level]
            break
    return " " + normalize_text(" ".join(path)) if path else ""


def _said_in_full(item_line: str) -> bool:
    """A list item's line that is a whole sentence (ends with 。/；), not a title heading a body
    ("（一）高层次人才的支持标准"), a lead-in heading sub-items ("（二）控制性指标如下：") or a question heading
    its answer ("1. 问：…？")."""
    return (len(item_line) > _ITEM_TITLE_CHARS and item_line.endswith(("。", "；", ";"))
            and not _LEAD_IN.search(item_line) and not _ENDS_IN_QUESTION.search(item_line))


def _sibling_after(text: str, offset: int, marker: str) -> bool:
    """True when a later line of ``text`` opens an item marked like ``marker`` ((二) after (一)): the
    paragraph at ``offset`` lies inside that list, so it belongs to the item before it."""
    shape = re.escape(marker[0]) if marker[0] in "（(" else r"\d"
    return bool(re.search(r"\n\s*" + shape, text[offset:]))


def _rest_of_sentence(best: _Candidate, candidates: list[_Candidate], w: AnswerWeights) -> list[_Candidate]:
    """The pieces that finish ``best`` when it stops at "；" (sentence_spans splits there).

    Only on the same line: a "；" at the end of a line closes a list item, and the next line is
    another item, taken (or not) by the list rules of :func:`_select`.
    """
    rest: list[_Candidate] = []
    end, total = best.end, best.end - best.start
    pieces = sorted((c for c in candidates if c.passage is best.passage and c.start >= best.end),
                    key=lambda c: c.start)
    for c in pieces:
        gap = best.passage.text[end:c.start]
        if not _unfinished(best.passage, end) or gap.strip() or "\n" in gap:
            break
        if total + c.end - c.start > w.max_answer_chars:
            break
        rest.append(c)
        end, total = c.end, total + c.end - c.start
    return rest


def _announced_item(sentence: str) -> bool:
    """True when ``sentence`` is an item of a list ("（一）知识产权资助申请表；", "2. 并联审核。").

    After a sentence announcing a list ("应当提交以下材料："), such items are the answer, however
    short: in a passage full of figures a short sentence would otherwise read as a new topic.
    """
    return bool(_LIST_ITEM.match(sentence.lstrip()))


def _figure_density(text: str) -> float:
    """Figures (number + unit) per 100 characters: work reports have several, prose rarely one."""
    return len(FIGURE.findall(text)) * 100 / max(len(text), 1)


def _unfinished(passage: Passage, end: int) -> bool:
    """True when the quote so far stops at a "；": the sentence goes on (sentence_spans splits there)."""
    return end > 0 and passage.text[end - 1] in "；;"


def _same_sentence(a: _Candidate, b: _Candidate) -> bool:
    """True when one candidate's text holds the other's (overlapping chunks repeat sentences)."""
    ka, kb = match_key(a.text), match_key(b.text)
    return bool(ka and kb) and (ka in kb or kb in ka)


def _merge_adjacent(chosen: list[_Candidate]) -> list[_Candidate]:
    """Join back-to-back sentences of one passage into one quote, cited once at its end."""
    merged: list[_Candidate] = []
    for c in chosen:
        prev = merged[-1] if merged else None
        if prev and prev.passage is c.passage and not c.passage.text[prev.end : c.start].strip():
            merged[-1] = _Candidate(c.passage, prev.start, c.end, max(prev.score, c.score))
        else:
            merged.append(c)
    return merged


_MASKED_DATE = re.compile(r"\*+\s*(年|月|日)")


def _quotes_masked_answer(result: SearchResult, chosen: list[_Candidate]) -> bool:
    """True when the quote holds a masked figure ("建成道路*条"), or a masked date for a 何时 question.
    A "*" that is no figure (a campaign name “攻坚*天”, a masked date beside the asked figure) gets no
    note: the note says a number is withheld, and only then is it true of what the user reads."""
    quoted = [c.text for c in chosen]
    if any(f.masked for text in quoted for f in extract_sentence(text)):
        return True
    return asked(result.normalized).kind.tells_when and any(_MASKED_DATE.search(text) for text in quoted)


def _figure_period(result: SearchResult, chosen: list[_Candidate]) -> str:
    """For a 多少/几/占比 question, say which period the quoted figure belongs to (2022年完成情况 / 2023年计划)."""
    if not _FIGURE_Q.search(result.normalized):
        return ""
    for c in chosen:
        for f in extract_sentence(c.text, c.passage.section, c.passage.title):
            # A question naming its year gets no note about another year's figure (a table row
            # holds 2023 and 2024 columns; the asked one is quoted, the other is not its period).
            if f.year and f.kind and (not result.years or f.year in result.years):
                return f"（{f.year}年{'完成情况' if f.kind == '完成' else '计划'}）"
    return ""


# Reports write a fall as a negative growth ("同比增长：-3.2%"); a reader asking whether it rose or fell
# is told in words which it was.
_NEGATIVE_GROWTH = re.compile(r"(?:增长|增速|增幅)\s*[：:]?\s*[-－−]\s*(\d+(?:\.\d+)?\s*[%％])")


def _decline_note(result: SearchResult, chosen: list[_Candidate]) -> str:
    """"（即下降3.2%）" when the best quote gives the asked figure as a negative growth."""
    if not (_FIGURE_Q.search(result.normalized) or asked(result.normalized).kind is AskedKind.PERCENT):
        return ""
    match = _NEGATIVE_GROWTH.search(chosen[0].text)
    return f"（即下降{match.group(1)}）" if match else ""


def _is_traditional(question: str) -> bool:
    import unicodedata

    nfkc = unicodedata.normalize("NFKC", question)
    return normalize_text(nfkc) != nfkc.lower()


_TOPIC_EDGES = "的之和与及或在对是有，。、？?！!“”\"' "


def _missing(result: SearchResult, chosen: list[_Candidate], wanted: Asked) -> str:
    """What the question asks that the quoted sentences do not give ("" when they give it all).

    - A figure asked of a narrower thing than the documents speak of (博士后 where they have 博士):
      the quoted figure belongs to the broader one.
    - An attribute counts as missing only when the question asks for a value of it (多少, 叫什么, 在哪,
      哪些X) and the knowledge base holds the word nowhere, nor a trusted stand-in: documents often
      give an attribute without naming it (生于… for 出生地, 又名… for 别名), but a 邮政编码 or 注册资本
      that no document mentions is not in them. An attribute naming the checked kind itself (地址,
      电话) is left to the kind check.
    - A value asked of a place or organisation no document names (上市 in 香港 where they list 上海,
      深圳, 北京), or of a class the quoted passages' enumeration leaves out (D类 of A类、B类、C类): what
      they say holds for the places and classes they name. Only for questions after a value: "我在上海
      工作，来高新区落户有什么补贴？" is answered by what any newcomer gets.
    - A figure of a compound (实用新型专利) quoted from documents that never name its modifier: a figure
      of another kind of the thing (发明专利). An attribute the knowledge base holds only in pieces
      (利润, 总额) when the quoted passages lack its leading piece.
    - The asked year (a figure of it not told by a day of it), the asked quarter or half (第三季度 is not
      前三季度), a thing asked at a level the quote names only others of (国家级 beside 省级), a year
      naming a document (2022年原办法),
      and for checked kinds (金额, 比例, 件数, 期限, 日期, 电话, 地址, 开放时间) a value of that kind.
    - A quote leaving the specifics to a later rule (具体办法另行制定): the documents do not say them yet.
    - A value of the asked kind that the question states itself (免费) gives none; a contact detail whose
      giving sentence does not name the office asked about (8号税务窗口) is another's; a category whose
      members are asked, named only as the question names it (合作银行), names none; a date or duration
      asked of an event the quoted passages name (投产) is another event's when no sentence giving a time
      names it (于3月18日开工建设); an amount of a compound named only as what a share is taken of
      (按租金指导价的80%) is not told; a whether-question whose two heaviest words no quoted sentence says
      together (购房补贴 … 个人所得税) is not answered.
    """
    said = " ".join(normalize_text(c.text) for c in chosen)
    quoted = " ".join(normalize_text(f"{c.passage.title} {c.passage.section} {c.text}") for c in chosen)
    # The quoted passages' whole text, read only for a question after a value.
    passages = " ".join(normalize_text(f"{c.passage.title} {c.passage.section} {c.passage.text}")
                        for c in chosen) if wanted.wants_value else ""
    if wanted.wants_value:
        # Names are looked for in the quoted passages too: one the keyword index holds only inside a
        # longer word is still there. A class is looked for in the quoted sentences (with their
        # headings): a passage packs several enumerations (CMMI五级、四级、三级 beside ITSS一级、二级), and
        # the quoted one is what answers.
        not_named = next((n for n in result.unheard if n not in passages), "") or unlisted_label(result.normalized, quoted)
        if not_named:
            return f"“{not_named}”"
    # A figure asked of 博士后 where the documents only speak of 博士: the figure quoted belongs to
    # another thing. (Prose about the broader thing often still tells what is asked, so only figures.)
    narrower = wanted.attribute if wanted.attribute in result.narrower else next(iter(sorted(result.narrower)), "")
    if narrower and wanted.numeric:
        return f"“{narrower}”"
    other_kind = _another_kind(result, chosen, said) if wanted.numeric else ""
    if other_kind:
        return f"“{other_kind}”"
    if wanted.wants_value and wanted.attribute in result.pieced and not wanted.names_its_kind \
            and not _leading_piece_in(wanted.attribute, passages):
        return f"“{wanted.attribute}”"
    if wanted.wants_value and wanted.attribute in result.unknown and not wanted.names_its_kind:
        # "哪些河道" is answered by naming members of the category (元峰河、安里河), which share
        # the category's first character.
        if not (wanted.category and wanted.attribute[0] in said):
            return f"“{wanted.attribute}”"
    period = wanted.numeric and not FULL_DATE.search(result.normalized)
    if wanted.years and not names_year(wanted.years, quoted, period=period) and not any(
            recalls_year(c.text, context_years(c.passage.title, c.passage.section), wanted.years) for c in chosen):
        return "、".join(wanted.years) + "年的相关内容"
    # A figure of a quarter or a half is told only for that part of the year (第三季度 is not 前三季度); one
    # of the whole year not by a quote of a part of it (a half-year report), though a year's figure is
    # often given without 全年.
    of_periods = asked_periods(result.normalized) if wanted.numeric else set()
    named_periods = periods(quoted)
    if of_periods and not of_periods & named_periods and (of_periods - {"全年"} or named_periods - {"全年"}):
        return "、".join(sorted(of_periods)) + "的相关内容"
    unnamed = [y for y in wanted.document_years if y not in quoted]
    if unnamed:
        return "、".join(unnamed) + "年的相关内容"
    if wanted.checked and not any(supplies(wanted.kind, _read_for_kind(c, result.normalized, wanted.kind), wanted.unit)
                                  for c in chosen):
        return f"所问的{wanted.kind.label}"
    subsidy = _subsidy_instead(result.normalized, chosen, wanted)
    if subsidy:
        return f"“{wanted.attribute}”本身（资料给出的是{subsidy}）"
    base = _share_base_only(result.normalized, chosen, wanted)
    if base:
        return f"“{base}”的具体{wanted.kind.label}（只说了按它的一定比例计算）"
    party = _other_party(result, chosen, wanted)
    if party:
        return f"“{party}”的{wanted.kind.label}"
    members = _members_unnamed(result.normalized, wanted.attribute, said)
    if members:
        return f"具体是哪些{members}"
    leveled = _other_level(result.normalized, chosen)
    if leveled:
        return f"“{leveled}”"
    event = _event_unbound(result, chosen, wanted)
    if event:
        return f"“{event}”的{wanted.kind.label}"
    apart = _said_apart(result, chosen)
    if apart:
        return "“{}”与“{}”的关系".format(*apart)
    deferred = _deferred(chosen[0].text)
    if deferred:
        return f"具体规定（文件写明{deferred}）"
    return ""


def _without(text: str, words: frozenset[str]) -> str:
    """``text`` with every one of ``words`` blanked out, the longest first."""
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def _sentences_in_context(chosen: list[_Candidate]) -> list[tuple[str, str]]:
    """Each quoted sentence normalised, alone and led by the title and section it stands under
    (back-to-back sentences were merged into one quote: they are read one by one again)."""
    read = []
    for c in chosen:
        context = normalize_text(f"{c.passage.title} {c.passage.section}")
        for start, end in sentence_spans(c.text):
            sentence = normalize_text(c.text[start:end])
            read.append((sentence, f"{context} {sentence}"))
    return read


def _heaviest(result: SearchResult, words: list[str], count: int) -> list[str]:
    """The ``count`` heaviest of ``words`` with two or more characters, by the question's term weights
    (the earlier first among equals)."""
    unique = dict.fromkeys(w for w in words if len(w) >= 2)
    return sorted(unique, key=lambda w: -result.term_weights.get(w, 0.0))[:count]


def _other_party(result: SearchResult, chosen: list[_Candidate], wanted: Asked) -> str:
    """For a phone number, address or office hours of someone the question names ("企业服务中心8号税务窗口的
    咨询电话"): that owner when no quoted sentence giving one names both its head (窗口) and its heaviest
    word. A number of the service centre is no number of its tax window."""
    owner = contact_owner(result.normalized, wanted.kind)
    words = [w for w in terms(owner, normalized=True) if len(w) >= 2] if owner else []
    if not words:
        return ""
    needed = {words[-1], *_heaviest(result, words, 1)}
    giving = [in_context for sentence, in_context in _sentences_in_context(chosen) if supplies(wanted.kind, sentence)]
    if not giving or any(all(found_whole(w, text, result.alternatives) for w in needed) for text in giving):
        return ""
    return owner


# What is paid towards a thing (租金补贴, 房租补助): an amount of it is no amount of the thing itself.
_PAID_TOWARDS = re.compile(r"补贴|补助|奖励|资助|贴息|减免|优惠")


def _subsidy_instead(question: str, chosen: list[_Candidate], wanted: Asked) -> str:
    """For an amount asked of a thing ("人才公寓的市场租金是多少"), the subsidy of it (租金补贴) when every
    quoted sentence giving an amount names the thing only as what a subsidy is paid towards: 12元 of
    租金补贴 is no 租金. Its head (租金 of 市场租金) is what the sentences are read for."""
    if wanted.kind not in (AskedKind.AMOUNT, AskedKind.NUMBER) or not wanted.attribute:
        return ""
    asked_after = [question[m.end():] for m in re.finditer(re.escape(wanted.attribute), question)]
    if _PAID_TOWARDS.search(wanted.attribute) or any(_PAID_TOWARDS.match(rest) for rest in asked_after):
        return ""  # "有多少生活补贴" asks for the subsidy itself
    head = wanted.attribute[-2:]
    giving = [sentence for sentence, _ in _sentences_in_context(chosen)
              if (supplies(AskedKind.AMOUNT, sentence) if wanted.kind is AskedKind.AMOUNT else FIGURE.search(sentence))]
    after = [sentence[m.end():] for sentence in giving for m in re.finditer(re.escape(head), sentence)]
    paid = [_PAID_TOWARDS.match(rest) for rest in after]
    return head + paid[0].group() if paid and all(paid) else ""


# "按市场租金的50%收取": a share of a thing, which leaves the thing's own amount untold.
_SHARE = r"的\s*(?:\d+(?:\.\d+)?\s*[%％]|百分之|[一二三四五六七八九]成|\d+(?:\.\d+)?\s*倍|一半)"


def _share_base_only(question: str, chosen: list[_Candidate], wanted: Asked) -> str:
    """For an amount asked of a compound ("市场租金是每平方米每月多少钱"), the compound when the quote names
    it only as what a share is taken of ("第三年按市场租金的50%收取"): the quote tells the share, not the
    amount. Not for the bare word: "人才公寓租金多少" is answered by "按市场租金的50%收取"."""
    if wanted.kind not in (AskedKind.AMOUNT, AskedKind.NUMBER) or not wanted.attribute:
        return ""
    compound = asked_compound(question, wanted.attribute)
    naming = [in_context for _, in_context in _sentences_in_context(chosen) if compound and compound in in_context]
    if not naming:
        return ""
    share = re.compile(re.escape(compound) + _SHARE)
    return "" if any(compound in share.sub(" ", text) for text in naming) else compound


# A clause listing a category's members ("包括工行、建行"); not "应当具备下列条件：", which lists conditions.
_LISTS_MEMBERS = re.compile(r"包括|分别为|分别是|、|名单")


def _members_unnamed(question: str, category: str, said: str) -> str:
    """When a question asks which members of a category ("合作银行是哪几家") and the quote names the
    category only as the question does, the question's name for it: the quote speaks of the 合作银行 as a
    whole and names none of them."""
    phrases = member_phrases(question, category) if category else frozenset()
    if not phrases or category not in said or category in _without(said, phrases):
        return ""
    # "首批合作银行包括工行、建行和农商行": the clause after the category lists its members.
    after = [clause for phrase in phrases for clause in re.findall(re.escape(phrase) + r"([^，,。；;]*)", said)]
    return "" if any(_LISTS_MEMBERS.search(clause) for clause in after) else max(phrases, key=len)


def _names_other_level(text: str, start: int, level: str) -> bool:
    """True when the clause right before ``start`` names a level, and not ``level``: not written out
    (省级 of 省级孵化器), nor bare in a list (国家、省、市级重点实验室), nor covered by 以上 (省级以上)."""
    clause = re.split(r"[，,。；;：:]", text[max(0, start - 16):start])[-1]
    return bool(LEVEL.search(clause)) and level[:-1] not in clause and "以上" not in clause


def _other_level(question: str, chosen: list[_Candidate]) -> str:
    """A thing asked at one level ("国家级工程技术研究中心") when every quoted mention of it names another
    level (省级工程技术研究中心, 市级…): what the quote says holds for those levels."""
    said = [normalize_text(c.text) for c in chosen]
    for level, thing in leveled_things(question):
        mentions = [_names_other_level(text, m.start(), level) for text in said for m in re.finditer(re.escape(thing), text)]
        if mentions and all(mentions):
            return level + thing
    return ""


def _event_unbound(result: SearchResult, chosen: list[_Candidate], wanted: Asked) -> str:
    """For a date or duration asked of an event ("什么时候投产", "几年内使用完毕"): the event when no quoted
    sentence giving a time names it. 3月18日 of "于3月18日开工建设" is when building began, not when
    production starts; "5年内取消资格" is how long a ban lasts, not a deadline for spending."""
    event = asked_event(result.normalized, wanted.kind)
    # In search mode: 建成投产 is also 建成 and 投产.
    words = [w for w in tokenize(event, normalized=True) if len(w) >= 2 and w not in QUESTION_WORDS]
    if not words:
        return ""
    # Only an event the quoted passages name elsewhere: documents tell when with other verbs (卒于 for
    # 去世, 压缩至 for 办完), so an event they never name is no sign that the time is another's.
    named = " ".join(normalize_text(c.passage.text) for c in chosen)
    words = [w for w in words if w in named]
    giving = [in_context for sentence, in_context in _sentences_in_context(chosen) if supplies(wanted.kind, sentence)]
    if not words or not giving or any(found_whole(w, text, result.alternatives) for w in words for text in giving):
        return ""
    return event


def _said_apart(result: SearchResult, chosen: list[_Candidate]) -> tuple[str, str] | None:
    """For a question after whether something holds ("购房补贴需要交个人所得税吗？"), its two heaviest
    words when the quote holds both but no sentence holds them together: one sentence speaks of the
    购房补贴, another of 个人所得税, and neither says whether the one is subject to the other."""
    if not (result.chinese and asks_whether(result.normalized)):
        return None
    pair = _heaviest(result, result.query_terms, 2)
    if len(pair) < 2:
        return None
    pair.sort(key=lambda word: (word not in result.normalized, result.normalized.find(word)))  # as asked
    read = [in_context for _, in_context in _sentences_in_context(chosen)]
    holds = [[found_whole(word, text, result.alternatives) for text in read] for word in pair]
    if not all(any(found) for found in holds) or any(a and b for a, b in zip(*holds)):
        return None
    return pair[0], pair[1]


def _deferred(sentence: str) -> str:
    """The words leaving the specifics to a later rule (另行制定) when a sentence gives no figure and
    defers its own specifics ("互认互通的具体办法…另行制定"); not the closing formula "另有规定的，从其规定"
    nor a later guide beside rules it states."""
    match = _DEFERRED.search(sentence)
    if not match or FIGURE.search(_ARTICLE_LABEL.sub("", sentence)):
        return ""
    clause = next((c for c in re.split(r"[，,；;。]", sentence) if match.group() in c), "")
    return match.group() if _SPECIFICS.search(sentence[: sentence.find(clause) + len(clause)]) else ""


def _leading_piece_in(word: str, passages: str) -> bool:
    """True when the quoted passages hold the leading piece of a word the knowledge base has only in
    pieces: "身高1.83米，体重80公斤" tells a 身高体重, "人口为1.2万人" a 人口数量; a quote of 工业总产值
    holds no 利润 of 利润总额."""
    return any(word[:cut] in passages for cut in range(2, len(word)))


def _another_kind(result: SearchResult, chosen: list[_Candidate], said: str) -> str:
    """A compound the question asks a figure of (实用新型专利) when the quote gives a figure of its head
    (发明专利授权每件8000元) from documents that never name its modifier: another kind of the thing."""
    sources = {c.passage.source for c in chosen}
    for compound in result.compounds:
        if compound.sources is not None and compound.head in said and not sources & compound.sources:
            return compound.modifier + compound.head
    return ""


def _topic_found(result: SearchResult, found_text: str) -> str:
    """The longest stretch of the question that the passage repeats (政务服务中心), for the refusal
    to name; the question's heaviest word found there when no stretch of two characters is shared."""
    question = result.normalized
    if result.chinese:  # an English question shares no stretch with a Chinese passage
        match = SequenceMatcher(None, question, found_text, autojunk=False).find_longest_match(
            0, len(question), 0, len(found_text))
        # Whole words only: 政务中心 against 政务服务中心 shares "务中心", which is no word.
        bounds = word_bounds(question)
        start = min((b for b in bounds if b >= match.a), default=match.a + match.size)
        end = max((b for b in bounds if b <= match.a + match.size), default=match.a)
        # Shown as the user wrote it (PCT, not pct) when normalising kept the length.
        shown = result.question.strip() if len(result.question.strip()) == len(question) else question
        stretch = shown[start:end].strip(_TOPIC_EDGES) if end > start else ""
        if len(stretch) >= 2:
            return stretch
    found = [t for t in result.query_terms if t in found_text]
    return max(found, key=lambda t: result.term_weights.get(t, 0.0), default="")


def _partial_refusal(result: SearchResult, chosen: list[_Candidate], passages: list[RankedPassage],
                     missing: str) -> AnswerResult:
    """Refuse, saying what was found and what was not, when the quote lacks what is asked:
    "资料提到了“政务服务中心”（[1]），但没有提到“邮政编码”。" cites what was found."""
    best = chosen[0].passage
    topic = _topic_found(result, passage_search_text(best.title, best.section, best.text))
    if not topic:
        text = REFUSAL_EN if not result.chinese else f"资料中没有找到{missing}。"
        return AnswerResult(result.question, text, True, [], passages, refusal=Refusal.ATTRIBUTE_MISSING)
    citation = Citation(1, best.source, best.section, best.text, best.relevance, [chosen[0].text])
    if result.chinese:
        text = f"资料提到了“{topic}”（[1]），但没有提到{missing}。"
    else:
        text = f"The documents mention “{topic}” [1] but not what is asked about it."
    return AnswerResult(result.question, text, True, [citation], passages, refusal=Refusal.ATTRIBUTE_MISSING)


@dataclass
class Quote:
    """The sentences chosen to answer, and what a rule found missing from them ("" when nothing)."""

    chosen: list[_Candidate]
    missing: str


def choose_quote(result: SearchResult, weights: AnswerWeights = DEFAULT.answer) -> Quote:
    """The sentences that answer ``result``'s question best, checked by the rules of :func:`_missing`."""
    chosen = _select(_score_sentences(result, weights), result, weights)
    return Quote(chosen, _missing(result, chosen, asked(result.normalized)) if chosen else "")


def refusal_text(result: SearchResult) -> str:
    """What a refused question is told, by the reason it was refused."""
    if not result.chinese:
        return REFUSAL_EN
    if result.refusal is Refusal.YEAR_NOT_COVERED:
        return f"资料中没有找到与该问题相关的内容：已收录的文件未涉及{'、'.join(result.missing_years)}年。"
    return REFUSAL


def compose_answer(result: SearchResult, weights: AnswerWeights = DEFAULT.answer) -> AnswerResult:
    """Turn a search result into the answer: quoted sentences with [n] markers and citations."""
    passages = [RankedPassage(p.rank, p.source, p.section, p.text, p.score) for p in result.passages]
    english = not result.chinese
    if result.refusal is not None:
        return AnswerResult(result.question, refusal_text(result), True, [], passages, refusal=result.refusal)

    quote = choose_quote(result, weights)
    chosen = quote.chosen
    if not chosen:
        return AnswerResult(result.question, refusal_text(result), True, [], passages, refusal=Refusal.NOTHING_RELEVANT)
    if quote.missing:
        return _partial_refusal(result, chosen, passages, quote.missing)
    citations: dict[str, Citation] = {}
    parts: list[str] = []
    for c in chosen:
        cit = citations.get(c.passage.id)
        if cit is None:
            cit = Citation(len(citations) + 1, c.passage.source, c.passage.section, c.passage.text,
                           c.passage.relevance)
            citations[c.passage.id] = cit
        cit.quotes.append(c.text)
        parts.append(f"{c.text}[{cit.n}]")
    if result.chinese and parts:
        parts[0] += _decline_note(result, chosen)  # right after the quote it explains
    body = "".join(parts)
    masked = _quotes_masked_answer(result, chosen)
    if english:
        text = LEAD_IN_EN + body + (MASKED_NOTE_EN if masked else "")
    else:
        text = (LEAD_IN_TRADITIONAL if _is_traditional(result.question) else "") + body
        text += _figure_period(result, chosen) + (MASKED_NOTE if masked else "")
    return AnswerResult(result.question, text, False, list(citations.values()), passages, masked=masked)
