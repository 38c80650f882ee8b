"""Names of months and weekdays, and number words, in the languages digest reads.

Month and weekday names come from CLDR through babel (wide and abbreviated, format and stand-alone:
the genitive "28 вересня" and the nominative "вересень"); number words for day numbers come from
num2words (1..60, cardinal and ordinal). `digest/data/dates.yaml` adds what neither gives: case
endings, zone phrases and the words around a war day number. Everything is built once, at import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from babel.dates import get_day_names, get_month_names
from num2words import num2words

LANGUAGES = ("en", "uk", "ru", "pl", "de", "fr", "es")
_LATIN = ("pl", "de", "fr", "es")
_SLAVIC = ("uk", "ru", "pl")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})
_SEPARATORS = re.compile(r"[\s\-]+")


@cache
def data() -> dict[str, Any]:
    """The hand-kept part of the tables (digest/data/dates.yaml)."""
    text = files("digest").joinpath("data/dates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def norm(word: str) -> str:
    """The key a printed word is looked up by: lower case, one kind of apostrophe, single spaces
    for hyphens and runs of space, no trailing dot."""
    return _SEPARATORS.sub(" ", word.translate(_APOSTROPHES).lower()).strip().rstrip(".")


def _folded(word: str) -> str:
    # Pages drop diacritics ("wrzesnia", "miercoles", "Marz"); Cyrillic keeps й, so only Latin folds.
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _variants(word: str, lang: str) -> set[str]:
    forms = {norm(word)}
    if lang in _LATIN:
        forms |= {_folded(f) for f in forms}
    if lang == "de":
        forms |= {f.replace("ä", "ae").replace("ü", "ue").replace("ö", "oe") for f in forms}
    if lang == "ru":
        forms |= {f.replace("ё", "е") for f in forms}
    return forms


def _common_prefix(words: Iterable[str]) -> str:
    words = list(words)
    prefix = words[0]
    for w in words[1:]:
        while not w.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _add(table: dict[str, int], clashes: set[str], key: str, value: int) -> None:
    # A form two languages give different meanings is no evidence either way: drop it.
    if table.get(key, value) != value:
        clashes.add(key)
    table[key] = value


def _strict(english: set[str], foreign: set[str]) -> frozenset[str]:
    # English names count only capitalised ("may" is a verb, "sun" a star), but a form that is also
    # another language's ("feb", "nov" in Spanish) reads in lower case, unless it is an English word.
    words = set(data()["english_words"])
    return frozenset(w for w in english if w in words or w not in foreign)


def _months() -> tuple[dict[str, int], dict[str, int], frozenset[str], frozenset[str]]:
    exact: dict[str, int] = {}
    stems: dict[str, int] = {}
    english: set[str] = {"sept"}
    foreign: set[str] = set()
    clashes: set[str] = set()
    for lang in LANGUAGES:
        wide = {ctx: get_month_names("wide", ctx, lang) for ctx in ("format", "stand-alone")}
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in get_month_names(width, ctx, lang).items():
                    for form in _variants(name, lang):
                        _add(exact, clashes, form, number)
                        (english if lang == "en" else foreign).add(form)
        if lang in _SLAVIC:  # nominative and genitive differ: the stem also reads "у травні", "листопаді"
            for number in range(1, 13):
                stem = _common_prefix([norm(wide[ctx][number]) for ctx in wide])
                if len(stem) >= 4:
                    for form in _variants(stem, lang):
                        _add(stems, clashes, form, number)
    exact["sept"] = 9
    for key in clashes:
        exact.pop(key, None)
        stems.pop(key, None)
    return exact, stems, frozenset(english), _strict(english, foreign)


def _weekday_forms(name: str, lang: str) -> set[str]:
    table: dict[str, list[str]] = data()["weekday_endings"][lang]
    base = norm(name)
    cut = max((k for k in table if k and base.endswith(k)), key=len, default="")
    stem = base[: len(base) - len(cut)]
    forms = {base} | {stem + ending for ending in table.get(cut, [""])}
    return {v for form in forms for v in _variants(form, lang)}


def _weekdays() -> tuple[dict[str, int], dict[str, int], frozenset[str]]:
    full: dict[str, int] = {}
    abbreviated: dict[str, int] = {}
    english: set[str] = set()
    clashes: set[str] = set()
    for lang in LANGUAGES:
        for ctx in ("format", "stand-alone"):
            for number, name in get_day_names("wide", ctx, lang).items():
                for form in _weekday_forms(name, lang):
                    _add(full, clashes, form, number)
                    if lang == "en":
                        english.add(form)
            for number, name in get_day_names("abbreviated", ctx, lang).items():
                for form in _variants(name, lang):
                    _add(abbreviated, clashes, form, number)
                    if lang == "en":
                        english.add(form)
    for extra, number in (("tues", 1), ("weds", 2), ("thur", 3), ("thurs", 3)):
        abbreviated[extra] = number
        english.add(extra)
    for key in clashes | set(data()["weekday_homographs"]):
        full.pop(key, None)
        abbreviated.pop(key, None)
    for key in full:
        abbreviated.pop(key, None)
    return full, abbreviated, _strict(english, set())


def _ordinal_forms(word: str, lang: str) -> set[str]:
    rule: dict[str, Any] = data()["ordinal_endings"].get(lang, {})
    head, _, last = word.rpartition(" ")
    lasts = {last}
    if "strip" in rule:
        lasts |= {last[: -rule["strip"]] + ending for ending in rule["endings"]}
    if "apocope" in rule:
        long, short = rule["apocope"]
        if last.endswith(long):
            lasts.add(last[: -len(long)] + short)
    return {v for x in lasts for v in _variants(f"{head} {x}".strip(), lang)}


def _numbers() -> tuple[dict[str, int], dict[str, int]]:
    cardinal: dict[str, int] = {}
    ordinal: dict[str, int] = {}
    clashes: set[str] = set()
    for lang in LANGUAGES:
        for n in range(1, 61):
            for form in _variants(num2words(n, lang=lang), lang):
                _add(cardinal, clashes, form, n)
            for form in _ordinal_forms(norm(num2words(n, lang=lang, to="ordinal")), lang):
                _add(ordinal, clashes, form, n)
        for word, n in data()["ordinal_endings"].get(lang, {}).get("extra", {}).items():
            ordinal[norm(word)] = n
    for key in clashes:
        cardinal.pop(key, None)
        ordinal.pop(key, None)
    return cardinal, ordinal


def _day_nouns() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for lang, groups in data()["day_nouns"].items():
        for cls in ("singular", "either", "plural"):
            table.update({norm(w): (lang, cls) for w in groups.get(cls, [])})
    return table


def trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many words, factored by common prefixes: far faster to search
    than a flat "a|b|c" of hundreds of words. Spaces match any run of spaces or hyphens and an
    apostrophe any of ' ’ ʼ; the caller adds word boundaries and compiles case-insensitively."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def char_pattern(char: str) -> str:
        return {" ": r"[\s\-]+", "'": "['’ʼ]"}.get(char, re.escape(char))

    def emit(node: dict[str, Any]) -> str:
        branches = [char_pattern(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return emit(trie)


# English forms; CAPITALISED_*: those that count only with a capital letter.
MONTHS, MONTH_STEMS, ENGLISH_MONTHS, CAPITALISED_MONTHS = _months()
WEEKDAYS, WEEKDAY_ABBREVIATIONS, CAPITALISED_WEEKDAYS = _weekdays()
CARDINALS, ORDINALS = _numbers()
DAY_NOUNS = _day_nouns()  # "день" → ("uk", "singular"): its language, and how a number before it reads
ZONE_PHRASES = {norm(p): zone for zone, ps in data()["zone_phrases"].items() for p in ps}  # → IANA or "local"


def phrases(key: str) -> str:
    """A regex alternation of one list of dates.yaml. Unlike `norm`, it keeps a final dot: "р." and
    "o godz." are printed with it."""
    return trie_pattern({" ".join(w.lower().split()) for w in data()[key]})


def month_number(word: str) -> int | None:
    """The month a printed name means ("Sept.", "вересня", "листопаді", "März"), or None."""
    key = norm(word)
    if key in MONTHS:
        return MONTHS[key]
    stem = next((key[:i] for i in range(len(key), 3, -1) if key[:i] in MONTH_STEMS), None)
    return MONTH_STEMS[stem] if stem else None


def weekday_number(word: str) -> int | None:
    """The weekday (0 = Monday) a printed name means ("Thu", "у неділю" → "неділю"), or None."""
    key = norm(word)
    return WEEKDAYS.get(key, WEEKDAY_ABBREVIATIONS.get(key))

