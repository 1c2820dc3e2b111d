"""Does the quoted text answer what is asked? The kind of answer a question wants, and its focus.

Word overlap finds the topic (高新贷, 政务服务中心) but not whether the documents say what is asked
about it: a question after the 邮政编码 of a service centre shares every topic word with the
sentence giving its address. So a question is read for

- the kind of answer it wants (an amount, a percentage, a count in its unit, a duration, a phone
  number, an address, and, unchecked, a date, a place or a person's name): for the kinds whose answers can be
  told from their text the quoted sentence must supply one, and
- its asked attribute, the noun in "X的Y是多少 / Y有多少 / 哪些Y": the knowledge base must speak of Y
  somewhere (retrieval.answer weighs that against the meaning map's stand-ins).

When the topic is found but the attribute or the kind of answer is not, the answer is a partial
refusal that says what was found and what was not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from text.years import YEAR
from text.normalize import dictionary_word, last_noun, normalize_text, terms


class AskedKind(Enum):
    """The kind of answer a question wants; ``label`` is how a refusal names it."""

    EMAIL = "电子邮箱"
    WEBSITE = "网址"
    PHONE = "联系电话"
    PERSON = "人名"
    ADDRESS = "地址"
    PLACE = "地点"
    HOURS = "开放时间"  # a time of day: office hours, 几点开门
    PERCENT = "比例"
    DURATION = "期限"
    DAY = "具体日期"  # 哪天, 几号: a day of a month, not a month or a year
    DATE = "时间"
    AMOUNT = "金额"
    COUNT = "数量"
    NUMBER = "数值"
    OTHER = ""

    @property
    def label(self) -> str:
        return self.value

    @property
    def tells_when(self) -> bool:
        """A kind answered by a date (哪天 a day of it, 何时 any time)."""
        return self in (AskedKind.DAY, AskedKind.DATE)

    @property
    def of_one_party(self) -> bool:
        """A kind that belongs to one office or company: the phone number, address or office hours of
        one are no answer about another, however close their topics."""
        return self in (AskedKind.EMAIL, AskedKind.WEBSITE, AskedKind.PHONE, AskedKind.ADDRESS, AskedKind.HOURS)


_NUM = r"[\d*.０-９一二两三四五六七八九十百千万亿]"
# Measure words that name what a 多少/几 question counts.
# 分 counts points (评分加几分), not minutes (几分钟), fractions (几分之一), money (几分钱) or discounts (打几分折).
_MEASURE = "个|家|人|名|位|件|项|套|条|次|所|批|户|类|种|间|辆|亩|台|片|张|吨|篇|分(?!钟|之|钱|折)"
# 几 asking how many or how long; 哪几 (哪几家, 哪几年) asks which.
_FEW = "(?<![哪那这])几"
# Question pattern -> kind, first match wins (more specific kinds first).
_ASKS: list[tuple[AskedKind, re.Pattern[str]]] = [
    # An e-mail or web address, before the phone (联系方式), unless the question asks whether (asked()).
    (AskedKind.EMAIL, re.compile(r"邮箱|电子邮件|电邮|邮件地址|e-?mail")),
    # 网址 asks an address on the web; "在哪个网站申报" may be answered by the site's name.
    (AskedKind.WEBSITE, re.compile(r"网址|网站地址|网页地址|链接地址|\burl\b|web address")),
    (AskedKind.PHONE, re.compile(r"电话|热线|联系方式|号码|\bphone|\bhotline|\btelephone")),
    (AskedKind.PERSON, re.compile(r"叫什么名字|名字叫|姓名|是谁|哪位|who\b")),
    # English "address" as a noun (the address of …), not the verb (how does the policy address …).
    (AskedKind.ADDRESS, re.compile(r"地址|门牌|住址|\b(?:the|its|an|what|which|office|street|postal) address\b")),
    (AskedKind.PLACE, re.compile(r"在哪|哪里|何处|什么地方|位置|where\b")),
    # Before the figure kinds: 几点 asks a time of day, not how many.
    (AskedKind.HOURS, re.compile(r"几点(?:钟|开|关|上班|下班|到几点|前|之前|以前)|(?:营业|办公|开放|上班|受理|服务)时间"
                                 r"|几点开门|什么时候(?:开门|关门|下班)|what time|opening hours|office hours")),
    (AskedKind.PERCENT, re.compile(r"比例|百分之|占比|比重|增速|增幅|降幅|幅度|百分比|多少%|\bpercentage|\bratio\b|\brate\b|\bshare\b")),
    # 期限, 有效期 name a duration asked for, not one the question states as a condition (有效期满后, 有效期内).
    (AskedKind.DURATION, re.compile(rf"多长时间|多久|{_FEW}年|{_FEW}个月|{_FEW}天|{_FEW}个工作日|多少天|多少个工作日|(?:期限|有效期|时限)(?![满内届到])|how long|\bduration|\bterm\b|\bperiod\b")),
    (AskedKind.DAY, re.compile(r"哪天|哪一天|几号|几月几[日号]|具体日期|\b(?:what|which) (?:day|date)\b")),
    # English "when" asks a time at the head of a question; inside one it opens a condition ("how is a
    # loss shared when no guarantor is involved").
    (AskedKind.DATE, re.compile(rf"什么时候|什么时间|时间段|何时|几时|哪一年|哪年|哪几个月|哪个月|{_FEW}月|{_FEW}号前|截止|日期"
                                r"|^\W*when\b|\bby when\b|\bdeadline|\bdate\b")),
    (AskedKind.AMOUNT, re.compile(r"多少钱|(?:收费|费用|价格|价钱|售价|票价|租金|房租|单价)(?:标准)?(?:是|为|大概|大约|一般)?多少|多少万|金额|资金多少|奖励多少|补贴多少|资助多少|补助多少|奖多少|补多少|拿多少|领多少|多少奖励|多少补贴|多少资助|多少补助|how much|\bamount|\baward|\breward|\bsubsid|\bfunding")),
    (AskedKind.COUNT, re.compile(rf"(多少|{_FEW})({_MEASURE}|平方米)|how many")),
    (AskedKind.NUMBER, re.compile(rf"多少|{_FEW}")),
]
_KIND_PATTERN = dict(_ASKS)
# "对合同期限、租用面积和投产时间有什么要求？" asks for the conditions: the figures it names are what they
# are about, not one value of one kind.
_ASKS_CONDITIONS = re.compile(r"(?:什么|哪些|何种)(?:要求|条件|规定)|有何要求|需要满足|要满足")
_NUMERIC = frozenset({AskedKind.PERCENT, AskedKind.DURATION, AskedKind.AMOUNT, AskedKind.COUNT, AskedKind.NUMBER})
_MEASURED = re.compile(rf"(?:多少|{_FEW})({_MEASURE})")
_CURRENCY = r"(万|亿|千|百)?(元|美元|欧元|英镑|日元|港元|港币|澳元|卢布|法郎|镑)"
# What a sentence supplying each checked kind contains.
_SUPPLIES: dict[AskedKind, re.Pattern[str]] = {
    # ASCII only: \w would take the Chinese after an address ("登录qfw.gov.cn进行申报") for part of it.
    AskedKind.EMAIL: re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    AskedKind.WEBSITE: re.compile(r"https?://|www\.|[A-Za-z0-9-]+\.(?:gov\.cn|com\.cn|org\.cn|com|cn|net|org)(?![A-Za-z0-9-])"),
    AskedKind.PHONE: re.compile(r"\d{5,}|\d{3,4}-\d{6,8}"),
    # An address is written with a number of a road, building, floor or room (科创路88号, 3楼301室);
    # not a document number (〔2023〕5号) or a metro line (3号线).
    AskedKind.ADDRESS: re.compile(r"(?<![〕\]\d])\d+\s*(?:号(?!线)|楼|层|室|栋|幢)|[一二三四五六七八九十]+楼|大厦|[路街巷]\s*\d"),
    AskedKind.HOURS: re.compile(r"(?<![\d.])(?:[01]?\d|2[0-3])\s*[:：]\s*[0-5]\d(?!\d)|[上下]午\s*\d{1,2}\s*点"),
    AskedKind.PERCENT: re.compile(r"%|％|百分之|[一二三四五六七八九十]成|倍"),
    # A date or a time, however loosely given (6月30日前, 每年二季度, 年底前, 公示期满后), and in prose an
    # era or an event it follows (唐末, 孔雀王朝时期, 四国征伐后，, 高二的时候): only a sentence with no
    # time at all fails to tell when.
    AskedKind.DATE: re.compile(r"(?:19|20)\d{2}\s*年|(?:年份|年度|时间|日期)\s*[：:]\s*[\d*]"
                               r"|(?<![\d.])(?:19|20)\d{2}(?![\d.万亿元%％多余个家人次件项户名位条])|[\d*一二三四五六七八九十两]{1,2}\s*(?:年(?![内以来期度])|月(?!内)|日(?!内)|号(?![楼线院]))"
                               r"|[上下]半年|季度|(?<![\d一二三四五六七八九十两])[年月][底中内]|[春夏秋冬]季|[朝代年月]?[末初](?:年|期)|[朝代唐宋元明清年月][末初]"
                               r"|世纪|年代|时[期候代]|期间|之日|期满|[\d一二三四五六七八九十]+岁|至今|[以之]前|[以之]后|后[，,。；;]|前后"
                               r"|当[天日月年]|随时|常年|全年|即时|星期[一二三四五六日天]|周[一二三四五六日]|[上下]午|每[月周季]第"
                               r"|[早中晚]期|年前|平日|早上|晚上|白天|夜间|工作日"),
    # A day of a month; not a building (3号楼), a document number (〔2022〕3号) or a number of days (10日内).
    AskedKind.DAY: re.compile(r"(?<![〕\]\d])[\d*０-９]{1,2}\s*(?:日(?!内)|号(?![楼线院]))|[一二三四五六七八九十]+[日号](?!内)|当[天日]|即日"),
    AskedKind.DURATION: re.compile(_NUM + r"+\s*(个)?(年|月|日|天|工作日|小时|周|季度)|当年|当月|当日|即办"),
    AskedKind.AMOUNT: re.compile(_NUM + r"+\s*[多余]?\s*" + _CURRENCY + r"|免费|不收取"),
    AskedKind.COUNT: re.compile(_NUM + rf"+\s*[多余]?\s*({_MEASURE}|平方米|栋|座)"),
}
# Where a question names the thing it asks about, most specific pattern first:
# "哪些材料" / "多少个车位" / "有多少专业人才" name it after the question word; "X的Y是多少" / "Y叫什么" before
# it (its head is its last word); "地铁几号线" right before it.
_CATEGORY = re.compile(r"(?:哪些|哪几|哪个|哪家|哪类|哪种)(?:个|家|类|种|项)?([\u4e00-\u9fff]{2,4})")
_ATTRIBUTE_AFTER = [
    re.compile(rf"(?:多少|{_FEW})(?:个|家|名|位|件|项|套|条|次|所|批|户|种|间|辆)"
               r"(?!月|年|天|工作日|小时|星期|季度)([\u4e00-\u9fff]{2,4})"),
    re.compile(r"有多少([\u4e00-\u9fff]{2,6})"),
]
_ATTRIBUTE_BEFORE = [
    re.compile(r"([\u4e00-\u9fffA-Za-z]{2,12}?)(?:一共|总共|大概|大约|具体|现在|目前|分别|各自|各)?"
               r"(?:是多少|为多少|是几|叫什么|是什么|是谁|在哪|是哪)"),
    re.compile(r"([\u4e00-\u9fff]{2,12})几(?:号|个|家|条|路)"),
    # "租金指导价是每平方米每月多少钱": a rate per unit between 是 and 多少.
    re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:一共|总共|大概|大约|具体|现在|目前)?(?:是|为)"
               r"(?:每(?:平方米|平米|亩|月|年|天|小时|人|件|家|个|次|平))+(?:多少|几)"),
]
# "常住人口有多少？", "利润总额多少亿元？": the thing counted, when a noun comes right before a closing 多少
# (not a verb: "区里一共能奖多少" names no thing).
_MEASURE_WORDS = frozenset("数量 总数 人数 总量 数目 规模 金额".split())  # 数额 is a QUESTION_WORD
_NOUN_BEFORE_HOW_MANY = re.compile(r"([\u4e00-\u9fff]{2,12}?)(?:有|共有|共|约)?多少(?:亿元|万元|亿美元|元|亿|万)?[?？]?$")
# Words that say what is asked, not what about: they never count as a missing topic. The last line:
# a cap, amount or target is a kind of figure, written 最高/不超过/力争 rather than named.
QUESTION_WORDS = frozenset(
    """时候 什么样 怎么样 多长时间 多长 多久 多大 多高 几年 几个 几次 几号 几天 几家 几类 几种 几项 几月 钱 最多 最少 至少 最高 最低
    一共 总共 大概 大约 具体 能拿 能领 能报 可以 需要 要求 应该 标准
    上限 下限 封顶 限额 额度 数额 目标 门槛
    东西 内容 方面 事情 事项 地方 方式 途径 情形 情况 问题""".split()
)


# After a year, a word for a document or its version: the year names that document.
_OF_DOCUMENT = r"\s*年?\s*(?:的)?\s*(?:原|旧|新|修订)?\s*(?:版|办法|规定|细则|通知|文件|意见|措施)"


@dataclass(frozen=True)
class Asked:
    """What a question asks for: the kind of answer and the attribute words (may be empty)."""

    kind: AskedKind
    attribute: str
    years: tuple[str, ...]
    unit: str = ""  # the measure word of "多少件 / 几家": a count in another unit answers something else
    # "哪些河道": the answer names members of a category (元峰河、安里河) more often than the category.
    category: bool = False
    # Years naming a document, not a period ("2022年原办法", "2024年版"): its number (〔2022〕3号) names
    # them too.
    document_years: tuple[str, ...] = ()

    @property
    def names_its_kind(self) -> bool:
        """The attribute is the checked kind itself ("地址是什么", "电话是多少"): whether the quote gives
        one is told from its text (:func:`supplies`), not from the word, which documents often leave out
        (位于科创大道88号)."""
        return self.checked and bool(self.attribute) and bool(_KIND_PATTERN[self.kind].search(self.attribute))

    @property
    def wants_value(self) -> bool:
        """A question after one value (多少, 叫什么, 是谁, 在哪, 何时) or the members of a category (哪些X),
        whose named attribute must then be something the documents speak of."""
        return self.kind is not AskedKind.OTHER or self.category

    @property
    def numeric(self) -> bool:
        """A question after a figure (多少钱, 几年, 比例, 多少): a figure belongs to one thing."""
        return self.kind in _NUMERIC

    @property
    def checked(self) -> bool:
        """Kinds whose presence in a sentence can be told from its text: a figure with its unit or a
        phone number, an address (a numbered road, building or room). Names, dates and places take too
        many forms (唐末, 四国征伐后) to be checked."""
        return self.kind in _SUPPLIES


@lru_cache(maxsize=1024)
def asked(normalized_question: str) -> Asked:
    """Read a normalised question (NFKC, Simplified, lower case) for the kind of answer and attribute.
    Cached: sentence scoring and the partial-refusal check both read the same question."""
    kind = next((k for k, pattern in _ASKS if pattern.search(normalized_question)), AskedKind.OTHER)
    if kind in (AskedKind.EMAIL, AskedKind.WEBSITE) and asks_whether(normalized_question):
        kind = AskedKind.OTHER  # "材料可以通过电子邮件提交吗？" asks whether, not for an address
    if _ASKS_CONDITIONS.search(normalized_question):
        kind = AskedKind.OTHER
    named = tuple(YEAR.findall(normalized_question))
    of_documents = tuple(y for y in named if re.search(y + _OF_DOCUMENT, normalized_question))
    years = tuple(y for y in named if y not in of_documents)
    measured = _MEASURED.search(normalized_question)
    unit = measured.group(1) if measured and kind is AskedKind.COUNT else ""
    category = _CATEGORY.search(normalized_question)
    if category:
        words = [w for w in terms(category.group(1), normalized=True) if _is_attribute_word(w)]
        return Asked(kind, words[0] if words else "", years, category=True, unit=unit, document_years=of_documents)
    return Asked(kind, _attribute(normalized_question), years, unit=unit, document_years=of_documents)


def _attribute(question: str) -> str:
    """The word naming what is asked about ("" when the question names none we can read)."""
    for pattern in _ATTRIBUTE_AFTER:
        match = pattern.search(question)
        if match:
            words = [w for w in terms(match.group(1), normalized=True) if _is_attribute_word(w)]
            return words[0] if words else ""
    for pattern in _ATTRIBUTE_BEFORE:
        match = pattern.search(question)
        if match:
            words = [w for w in terms(match.group(1), normalized=True) if _is_attribute_word(w)]
            return words[-1] if words else ""
    match = _NOUN_BEFORE_HOW_MANY.search(question)
    if match:
        noun = last_noun(match.group(1))
        # A word that only counts (企业数量有多少) names no thing; jieba glues an adverb of degree to the
        # word after it (价值约值多少), which then names none either.
        if noun in _MEASURE_WORDS or noun.startswith(("约", "近", "逾", "超")):
            return ""
        return noun if _is_attribute_word(noun) else ""
    return ""


def _is_attribute_word(word: str) -> bool:
    """A dictionary word of two or more characters that names a thing, not the question itself.
    Pieces jieba cuts out of colloquial text (能奖, 冲北交) are no words and name nothing."""
    # 每月, 每平方米: a rate's unit measures what is asked, it names nothing.
    return len(word) >= 2 and word not in QUESTION_WORDS and not word.startswith("每") and dictionary_word(word)


# Measure words documents swap for the general ones: 多少张券 is told in 份, 多少台 in 个 or 套.
_UNIT_STAND_INS = {"张": "张|份|个", "台": "台|个|套|辆|部", "篇": "篇|份"}


def supplies(kind: AskedKind, text: str, unit: str = "") -> bool:
    """True when ``text`` holds an answer of ``kind`` (a figure with its unit, a phone number; always
    for a kind that is not checked); with ``unit``, a count in that unit (多少件 -> "3件", not "1126家")."""
    if unit:
        units = _UNIT_STAND_INS.get(unit, re.escape(unit))
        return bool(re.search(_NUM + r"+\s*[多余]?\s*(?:" + units + ")", text))
    pattern = _SUPPLIES.get(kind)
    return True if pattern is None else bool(pattern.search(text))


# A date written with its numbers (2023年, 6月, 30日), not a number of years or days (5年内 is how long).
EXPLICIT_DATE = re.compile(r"(?:19|20)\d{2}\s*年|[*\d]{1,2}\s*(?:年(?![内以来期度])|月(?!内)|日(?!内))")
FULL_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def names_year(years: tuple[str, ...], text: str, period: bool = False) -> bool:
    """True when ``text`` (a sentence with its section path) is about one of the asked years.

    A document number such as 〔2022〕11号 names a year without being about it; with ``period`` (a figure
    is asked for the year and the question names no day of it), neither does a day in it
    ("2022年1月1日以后取得学历"): a figure of a year is told for the year or a part of it.
    """
    if not years:
        return True
    cleaned = re.sub(r"[〔\[(（]\s*(?:19|20)\d{2}\s*[〕\])）]", "", text)
    if period:
        cleaned = FULL_DATE.sub("", cleaned)
    return any(y in cleaned for y in years)


# A grade or class written as a label: A类, 丙类, 三星级, 二档. Documents enumerate them (A类、B类、C类),
# so a label that a quote's enumeration leaves out is a class the quoted figures are not for.
# A phase of a project or a fund (一期, 第二期; 首期 is 一期) is a label of the same kind.
_LABEL = re.compile(r"(?<![a-z])[a-z]类|[甲乙丙丁]类|(?<![一二三四五六七八九十\d])[一二三四五六七八九十\d](?:星级|档|级)"
                    r"|(?<![一二三四五六七八九十\d分为年月每])[一二三四五六七八九十]期|(?<=第)\d{1,2}期")


def _label_family(label: str) -> str:
    return label[1:]


# 3级 and 三级 name the same level.
_ARABIC_TO_CHINESE = str.maketrans("0123456789", "〇一二三四五六七八九")


# Classes enumerated before one 类 ("按a、b、c三类分别给予…"): each letter is a class of its own.
_LETTER_RUN = re.compile(r"(?<![a-z])([a-z](?:\s*[、,，和及与]\s*[a-z])+)\s*[两三四五六七八九十]?类")


def _labels(normalized_text: str) -> list[str]:
    normalized_text = normalized_text.replace("首期", "一期")
    enumerated = [f"{letter}类" for run in _LETTER_RUN.findall(normalized_text) for letter in re.findall("[a-z]", run)]
    return [label.translate(_ARABIC_TO_CHINESE) for label in _LABEL.findall(normalized_text)] + enumerated


def unlisted_label(normalized_question: str, normalized_text: str) -> str:
    """A class label of the question (d类) absent from ``normalized_text`` while that text names others
    of its kind (a类, b类, c类); "" when there is none."""
    found = _labels(normalized_text)
    present = {_label_family(m) for m in found}
    for label in _labels(normalized_question):
        if label not in found and _label_family(label) in present:
            return label.upper()
    return ""


# "什么是X" / "X是什么" / "X是如何界定的": the answer is the sentence that defines X.
# After a comma too: a later part of a message is searched after its context ("高新贷 贴息，什么是首贷户？").
_DEFINITION_Q = re.compile(r"(?:^|[,，])(?:请问)?什么是(.{1,20}?)[?？]?$|(?:^|[,，])(.{1,20}?)(?:是什么|指的是什么|是指什么|指什么|是什么意思"
                           r"|(?:是)?(?:如何|怎么|怎样)(?:界定|定义)(?:的)?|的定义是什么)[?？]?$")
# A term the question quotes ("…中的“新型研发机构”是如何界定的") is the one to define.
_QUOTED_TERM = re.compile(r"[“\"「『]([^”\"」』]{2,20})[”\"」』]")


def defined_term(normalized_question: str) -> str:
    """The term a definition question asks to define ("" for any other question)."""
    match = _DEFINITION_Q.search(normalized_question)
    subject = next((g for g in match.groups() if g), "").strip() if match else ""
    subject = re.split(r"[,，]", subject)[-1].strip()  # the clause that asks
    quoted = _QUOTED_TERM.search(subject)
    term = quoted.group(1) if quoted else subject
    return term if len(re.findall(r"\w", term)) >= 2 else ""  # not "?" of "请问什么是？"


def defines(term: str, normalized_text: str) -> bool:
    """True when ``normalized_text`` opens with ``term`` or says what it is (新型研发机构,是指…)."""
    return normalized_text.startswith(term) or bool(
        re.search(re.escape(term) + r"[(（，,]?[^。]{0,30}?(是|为|指)", normalized_text))


def states_definition(term: str, normalized_text: str) -> bool:
    """True when ``normalized_text`` holds the formal definition of ``term``, as laws and policies write
    it: "本办法所称新型研发机构,是指…" / "新型研发机构是指…"."""
    escaped = re.escape(term)
    return bool(re.search(rf"所称[“\"]?{escaped}|{escaped}[”\"]?[,，]?(?:是指|系指|指的是)", normalized_text))


# "X的咨询电话", "X的办公地址和联系电话": X is whose the contact detail is. Up to 4 characters may say which
# one (咨询, 办公) between 的 and the kind.
_OWNER = re.compile(r"([^的，,。；;？?！!、和与及或“”\"\s]{2,24})的[\u4e00-\u9fff]{0,4}$")
# What owns a phone number or an address: an office, a company, a building (企业服务中心8号税务窗口, 人才安居公司).
_OWNER_HEAD = re.compile(r"(?:中心|窗口|公司|集团|局|办|办公室|处|科|部|委|委员会|管委会|协会|学会|站|所|院|校|馆|厅|室"
                         r"|大厦|大楼|园|基地|平台|银行|机构|单位|政府|街道|社区|医院|学校|公寓|服务点|分行|支行)$")
# Words asking, before the owner: "我想问一下高新区管委会的电话".
_ASKING_LEAD = re.compile(r".*(?:请问|问一下|问下|咨询一下|想问|想知道|我们|我)")


def contact_owner(normalized_question: str, kind: AskedKind) -> str:
    """Whose phone number, address or office hours a question asks for ("企业服务中心8号税务窗口" of
    "企业服务中心8号税务窗口的咨询电话是多少？"); "" when it names no office, company or building with 的
    ("申报过程中遇到问题的咨询电话" names a matter, not an owner), or asks another kind."""
    if not kind.of_one_party:
        return ""
    # The first contact kind named: "…的办公地址和联系电话" names its owner before the address.
    starts = [m.start() for k, pattern in _ASKS if k.of_one_party for m in [pattern.search(normalized_question)] if m]
    found = _OWNER.search(normalized_question[: min(starts)]) if starts else None
    owner = _ASKING_LEAD.sub("", found.group(1)) if found else ""
    return owner if len(owner) >= 2 and _OWNER_HEAD.search(owner) else ""


# "什么时候正式投产", "几年内使用完毕": the time word, then the event whose time is asked.
_TIME_ASKED = re.compile(rf"(?:什么时候|什么时间|何时|几时|哪一年|哪年|哪个月|哪一天|哪天|几月几[日号]|{_FEW}月份?|几号"
                         rf"|多长时间|多久|{_FEW}年|{_FEW}个月|{_FEW}天|{_FEW}个工作日|多少天|多少个工作日)"
                         r"(?:之内|以内|内)?")
# Before the event: how it is hedged or obliged (能, 正式, 必须), not what happens.
# Longer words first: 可以 is not 可 + 以.
_EVENT_LEAD = re.compile(r"^(?:就|才|便|再|需要|需|必须|须|应当|应该|应|得|能够|能|可以|可|会被|会|将|被|予以|正式|开始|之前|以前|前"
                         r"|完成?(?=[\u4e00-\u9fff]{2}))*")
_EVENT_END = re.compile(r"[，,。；;？?！!]|吗|呢|啊|呀|了$")


def asked_event(normalized_question: str, kind: AskedKind) -> str:
    """The event whose date or duration a question asks, when written after the time word ("投产" of
    "项目预计什么时候正式投产？", "使用完毕" of "几年内使用完毕？"); "" for other kinds or when the
    question ends at the time word ("申报截止时间是哪天" names its event as an attribute)."""
    if kind not in (AskedKind.DATE, AskedKind.DAY, AskedKind.DURATION):
        return ""
    match = _TIME_ASKED.search(normalized_question)
    if not match:
        return ""
    rest = _EVENT_END.split(normalized_question[match.end():], maxsplit=1)[0]
    return _EVENT_LEAD.sub("", rest.strip())


# The level of a recognition or a programme (国家级, 省级): a 省级众创空间 is no 国家级众创空间.
LEVEL = re.compile(r"(?:国家|省|市|区|县)级")


def leveled_things(normalized_question: str) -> list[tuple[str, str]]:
    """Each level the question names with the word right after it (("省级", "众创空间") of
    "新认定的省级众创空间可以获得多少奖励")."""
    found = []
    for match in LEVEL.finditer(normalized_question):
        words = terms(normalized_question[match.end():], normalized=True)
        if words and len(words[0]) >= 2 and normalized_question.startswith(words[0], match.end()):
            found.append((match.group(), words[0]))
    return found


# A question after whether something holds ("…需要交个人所得税吗？", "能否按照外商投资企业享受…").
_WHETHER = re.compile(r"吗[?？]?$|是否|能否|可否|能不能|可不可以|要不要|需不需要|会不会|是不是|有没有|用不用")


def asks_whether(normalized_question: str) -> bool:
    """True when a Chinese question asks whether something holds: its answer is a sentence that speaks
    of the thing and of what is said to hold for it together."""
    return bool(_WHETHER.search(normalized_question))


# "合作银行是哪几家", "哪几家合作银行": the answer names members of the category.
_MEMBERS_AFTER = r"(?:具体|分别|主要|都|一共|究竟|到底)?(?:是|有)(?:哪几|哪些)"
_MEMBERS_BEFORE = r"(?:哪几|哪些)(?:家|个|所|类|种)?"
# A modifier counting the members ("四大主导产业", "一家院士工作站", "第一所大学") asks for those members;
# it is no name the documents give the category.
_COUNTING = re.compile(r"[\d一二两三四五六七八九十百千几第首]")


def member_phrases(normalized_question: str, category: str) -> frozenset[str]:
    """How the question names a category whose members it asks for ("合作银行" of "合作银行是哪几家", with
    modifier and head), or nothing when it asks no members of ``category`` or names it bare ("哪些银行").
    A quote naming the category only so speaks of it as a whole, and names no member."""
    escaped = re.escape(category)
    if not category or not re.search(escaped + _MEMBERS_AFTER + "|" + _MEMBERS_BEFORE + escaped, normalized_question):
        return frozenset()
    return frozenset(phrase for phrase in _modified(normalized_question, category)
                     if not _COUNTING.search(phrase[: -len(category)]))


def _modified(normalized_question: str, word: str) -> list[str]:
    """``word`` with the question's Chinese word of two or more characters right before it, at each
    place it follows one (合作银行 of 银行, 市场租金 of 租金)."""
    words = terms(normalized_question, normalized=True)
    return [before + w for before, w in zip(words, words[1:])
            if w == word and len(before) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", before)]


def asked_compound(normalized_question: str, attribute: str) -> str:
    """The asked attribute with the word written right before it (市场租金, 租金指导价), or "" when the
    question names it bare or after 的 (人才公寓的租金)."""
    return next((phrase for phrase in _modified(normalized_question, attribute) if phrase in normalized_question), "")


def stated_values(kind: AskedKind, normalized_question: str) -> frozenset[str]:
    """Words of the asked kind that the question states itself, without a number ("超过免费时长后每小时收费
    多少" says 免费): a quote saying them again tells nothing new. A number the question states (提高到60%)
    shows that it asks about something else than that kind, and is left to the kind check as it is."""
    pattern = _SUPPLIES.get(kind)
    if pattern is None:
        return frozenset()
    return frozenset(m.group() for m in pattern.finditer(normalized_question)
                     if len(m.group()) >= 2 and not re.search(_NUM, m.group()))


def asks_a_kind(text: str) -> bool:
    """True when ``text`` asks for one of the kinds of answer (多少钱, 几天, 哪天, 电话 …)."""
    normalized = normalize_text(text)
    return any(pattern.search(normalized) for _, pattern in _ASKS)
