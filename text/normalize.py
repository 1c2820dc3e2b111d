"""The one place for text normalisation and tokenisation.

Index and query go through the same steps: NFKC (full-width -> half-width),
Traditional -> Simplified (OpenCC), lower case; then jieba in search mode with
a user dictionary of domain terms, so 高新贷 or 科技小巨人 stay whole.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
from opencc import OpenCC

jieba.setLogLevel(logging.WARNING)

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

# Function words and question words: they say what is asked, not what about.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 有 个 等 为 对 将 把 被 从 向 于 以 其 之 也 都 而 并 就 还 又 吗 呢 吧 啊 呀
    什么 多少 几 哪些 哪个 哪 怎么 怎样 如何 怎么样 是否 是不是 有没有 请问 一下 一共 总共 情况 方面 那边 那 这 这个 那个
    啥 谁 何 多 少 么 能 会 要 想 请 我 我们 你 你们 他们 它 现在 目前 已经 进行 相关 主要 方面 具体
    the a an of in on at for to is are was were be been what which who how many much when where why
    and or did do does has have had with by from its it this that""".split()
)

# English words that carry no topic; only English questions see them (kept out of STOPWORDS, whose
# changes re-tokenise every stored chunk).
ENGLISH_FUNCTION_WORDS = frozenset(
    """per given each any can could should must will would may might shall there their them they than then
    also into about under over after before between within without upon such other some its our your my
    get gets got give gives if so not no yes all more most less least very just only still yet as""".split()
)

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(LEXICON_DIR / "userdict.txt"))
    return tokenizer


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """term -> the other terms of its group, from lexicon/synonyms.txt."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in (LEXICON_DIR / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        terms = [normalize_text(t) for t in line.split("#", 1)[0].split()]
        for term in terms:
            groups[term] = tuple(t for t in terms if t != term)
    return groups


def normalize_text(text: str) -> str:
    """NFKC + Traditional->Simplified + lower case; keeps length-changing steps minimal."""
    text = unicodedata.normalize("NFKC", text)
    return _converter().convert(text).lower()


def match_key(text: str) -> str:
    """The form used to compare answers and evidence: normalised, no spaces or punctuation but * and %."""
    text = normalize_text(text)
    return "".join(
        ch for ch in text if ch in "*%" or not (unicodedata.category(ch)[0] in "PZ" or ch.isspace())
    )


def dictionary_word(word: str) -> bool:
    """True when jieba's dictionary (with the user dictionary) holds ``word``."""
    tokenizer = _tokenizer()
    tokenizer.check_initialized()
    return tokenizer.FREQ.get(word, 0) > 0


@lru_cache(maxsize=1)
def _tagger():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_tokenizer())


def warm_tagger() -> None:
    """Load jieba's part-of-speech table (about 1 s), else paid by the first question with a word the
    knowledge base lacks."""
    _tagger().lcut("预热")


@lru_cache(maxsize=256)
def _tagged(normalized: str) -> tuple[tuple[str, str], ...]:
    """jieba's words of a question with their part-of-speech tags (read by two rules per question)."""
    return tuple((p.word, p.flag) for p in _tagger().lcut(normalized))


# Common nouns (n) and other proper nouns (nz: 高新贷) name kinds of things; person and place names
# (nr, ns) are cut too unreliably by jieba to be read as modifiers.
_NOUN_TAGS = frozenset({"n", "nz"})
# Places (香港, 深圳) and organisations: jieba tags dictionary words so; its person-name tag (nr) also
# falls on idioms and fragments (武艺超群, 维拉第 of 阿斯顿维拉第一个), so persons are not read.
_NAME_TAGS = frozenset({"ns", "nt"})


def place_names(normalized: str) -> list[str]:
    """The dictionary words of a normalised question that jieba tags as places or organisations."""
    return [w for w, flag in _tagged(normalized) if flag in _NAME_TAGS and len(w) >= 2 and dictionary_word(w)]


def last_noun(normalized: str) -> str:
    """The last word of a normalised text when jieba tags it a noun ("" otherwise): 利润总额 of
    "规模以上工业企业实现利润总额", nothing of "区里一共能奖"."""
    tagged = _tagged(normalized)
    return tagged[-1][0] if tagged and tagged[-1][1] in _NOUN_TAGS else ""


def noun_compounds(normalized: str) -> list[tuple[str, str]]:
    """Adjacent noun pairs of a normalised question that read as one compound, modifier first
    (总部 + 企业 of "总部企业来高新区落户"). A noun right after a verb or a particle is that verb's
    object, and the noun that follows it begins the next clause (出了坏账 | 银行自己扛), so such
    pairs are left out; so is a noun after a pronoun, which names someone, and the noun after it says
    something of them (我家孩子 | 硕士刚毕业)."""
    tagged = _tagged(normalized)
    pairs = []
    for i in range(len(tagged) - 1):
        (modifier, m_flag), (head, h_flag) = tagged[i], tagged[i + 1]
        before = tagged[i - 1][1] if i else "x"
        # A head glued to a one-character noun (财金 + 局) is part of a name jieba cut apart, and the
        # cut before it is as unsure (时间内向财金局 -> 内向 | 财金 | 局: 内 belongs to the time).
        glued = i + 2 < len(tagged) and len(tagged[i + 2][0]) == 1 and tagged[i + 2][1] in _NOUN_TAGS
        if m_flag in _NOUN_TAGS and h_flag in _NOUN_TAGS and not before.startswith(("v", "u", "r")) and not glued \
                and dictionary_word(modifier):  # not a fragment jieba's HMM made (人告 of 被人告专利侵权)
            pairs.append((modifier, head))
    return pairs


def word_bounds(normalized: str) -> frozenset[int]:
    """The offsets where jieba's words of ``normalized`` start or end (precise mode)."""
    bounds = {0}
    for _, start, end in _tokenizer().tokenize(normalized):
        bounds.update((start, end))
    return frozenset(bounds)


def _content(tokens) -> list[str]:
    return [tok for tok in (t.strip() for t in tokens) if tok and tok not in STOPWORDS and _WORD.search(tok)]


def terms(text: str, normalized: bool = False) -> list[str]:
    """Non-overlapping content words of ``text`` (jieba precise mode), for coverage checks."""
    return _content(_tokenizer().lcut(text if normalized else normalize_text(text)))


def tokenize(text: str, normalized: bool = False) -> list[str]:
    """Search tokens of ``text``: normalised, jieba search mode, no stopwords or punctuation."""
    return _content(_tokenizer().cut_for_search(text if normalized else normalize_text(text)))


def passage_search_text(title: str, section: str, text: str) -> str:
    """What a stored chunk is matched on, normalised: title and section path take part,
    they carry the year and the topic."""
    return normalize_text(" ".join((title, section, text)))


def passage_tokens(title: str, section: str, text: str) -> list[str]:
    """BM25 tokens of a stored chunk (of its :func:`passage_search_text`)."""
    return tokenize(passage_search_text(title, section, text), normalized=True)


@lru_cache(maxsize=1)
def tokenizer_id() -> str:
    """Changes whenever the tokens of a text could change (jieba, user dictionary, stopwords).

    Stored tokens made under another id are recomputed, so a dictionary edit
    never leaves the keyword index silently out of step with the questions.
    """
    digest = hashlib.sha256(jieba.__version__.encode())
    digest.update((LEXICON_DIR / "userdict.txt").read_bytes())
    digest.update(" ".join(sorted(STOPWORDS)).encode())
    return digest.hexdigest()[:16]


def expand_synonyms(tokens: list[str]) -> list[str]:
    """Add the synonym-group members of each token (once each)."""
    groups = synonym_groups()
    extra: list[str] = []
    seen = set(tokens)
    for tok in tokens:
        for alt in groups.get(tok, ()):
            for alt_tok in tokenize(alt, normalized=True):
                if alt_tok not in seen:
                    seen.add(alt_tok)
                    extra.append(alt_tok)
    return tokens + extra


@lru_cache(maxsize=1)
def _glossary() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in (LEXICON_DIR / "glossary_en.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        table[" ".join(english.lower().replace("-", " ").split())] = tuple(chinese.split())
    return table


def lookup_english(table: dict, phrase: str):
    """``table``'s entry for an English word or phrase, or for one of its other forms (a phrase less a
    plural -s; a single word also less -ing/-ed/-ies and in American spelling); None when none has one."""
    forms = english_forms(phrase) if " " not in phrase else [phrase] + ([phrase[:-1]] if phrase.endswith("s") else [])
    return next((table[form] for form in forms if table.get(form)), None)


# British spellings as dictionaries spell them (organisation -> organization, labour -> labor).
_AMERICAN = [(re.compile(r"is(ation|e|ed|es|ing)$"), r"iz\1"), (re.compile(r"our$"), "or"), (re.compile(r"tre$"), "ter")]


def english_forms(word: str) -> list[str]:
    """An English word, then the forms a dictionary files it under: the American spelling, the word
    less a plural -s/-es/-ies, a past -ed or a gerund -ing (spending -> spend, recognised -> recognize)."""
    forms = [word]
    for pattern, repl in _AMERICAN:
        if pattern.search(word):
            forms.append(pattern.sub(repl, word))
    for base in list(forms):
        if len(base) <= 3:
            continue
        if base.endswith("ies"):
            forms.append(base[:-3] + "y")
        elif base.endswith("es"):
            forms += [base[:-2], base[:-1]]
        elif base.endswith("s") and not base.endswith("ss"):
            forms.append(base[:-1])
        for suffix in ("ing", "ed"):
            stem = base[: -len(suffix)]
            if base.endswith(suffix) and len(stem) >= 2:
                # using -> use before us; planned -> plan; a stem of two letters is no word of its own.
                forms += [stem + "e"] + ([stem] if len(stem) >= 3 else [])
                forms += [stem[:-1]] if len(stem) > 2 and stem[-1] == stem[-2] else []
    return list(dict.fromkeys(forms))


# "R&D", "M&A": one word, as the glossary lists them.
_EN_WORD = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)*")


def english_words(text: str) -> list[str]:
    """The words of an English text in order, as the glossary reads them (start-up -> start, up)."""
    return _EN_WORD.findall(normalize_text(text).replace("-", " "))


def english_terms(text: str, missed: list[str] | None = None) -> tuple[list[str], int, int]:
    """Chinese terms for an English question via the glossary.

    Returns (terms, content words translated, content words in all): the
    caller can tell a question the glossary understood from one it did not.
    The content words the glossary lacks are appended to ``missed`` when given.
    """
    words = english_words(text)
    table = _glossary()
    found: list[str] = []
    translated = total = 0
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            phrase = " ".join(words[i : i + size])
            hit = lookup_english(table, phrase)
            if hit and len(words[i : i + size]) == size:
                found.extend(t for t in hit if t not in found)
                translated += size
                total += size
                i += size
                break
        else:
            word = words[i]
            if word.isdigit() and len(word) == 4:
                found.append(word)  # a year means the same in both languages
            elif word not in STOPWORDS and word not in ENGLISH_FUNCTION_WORDS:
                total += 1
                if missed is not None:
                    missed.append(word)
            i += 1
    return found, translated, total


def is_mostly_chinese(text: str) -> bool:
    """True when at least a third of the letters are CJK characters."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(bool(_CJK.match(ch)) for ch in letters) * 3 >= len(letters)
