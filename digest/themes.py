"""Stage `theme`: file each item under one theme of themes.yaml, explainably.

Each theme lists weighted phrases. An item's text is cut into words, each word normalised
(lowercase, possessive and plural dropped, US spellings read as British, old transliterations as
new ones), and the phrases are looked up at every word, longest first. A phrase adds its weight,
times a factor for where it was found (headline 3, opening 2, further down 1, far down 0.5; a
short attribution closing a headline, ": foreign minister", counts as body text); a
phrase found again adds less each time (1/2, 1/3, ...), so one word repeated down a long story
cannot outvote everything else. The highest total wins, ties go to the theme listed first
(lowest `order`), and an item with no phrase at all goes to `other`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .config import FALLBACK_THEME, Theme
from .model import Item

HEADLINE_FACTOR = 3.0
OPENING_FACTOR = 2.0  # the first OPENING_WORDS words of the text: what the item is about
OPENING_WORDS = 40
BODY_WORDS = 250  # words past this count half: long stories wander off their subject
FAR_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class ThemeScore:
    """How strongly an item points to one theme, and the phrases that made it so."""

    slug: str
    score: float
    phrases: tuple[str, ...]  # matched phrases of themes.yaml, strongest first


@dataclass(frozen=True, slots=True)
class ThemeChoice:
    """The theme chosen for an item and the scores of every theme that matched."""

    slug: str
    scores: tuple[ThemeScore, ...]  # best first; empty when nothing matched


# --- words --------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)|<?https?://\S+>?")  # Markdown link targets, bare URLs
# One spelling for words that outlets spell two ways, so themes.yaml needs to list only one.
_SPELLINGS = {
    "defense": "defence", "offense": "offence", "armor": "armour", "armored": "armoured",
    "center": "centre", "maneuver": "manoeuvre", "maneuvers": "manoeuvre", "kiev": "kyiv",
    "kharkov": "kharkiv", "odessa": "odesa", "nikolaev": "mykolaiv", "zaporozhye": "zaporizhzhia",
    "lugansk": "luhansk", "artemovsk": "bakhmut", "defenses": "defence", "offenses": "offence",
}
_IZE = re.compile(r"(?<=\w{3})iz(e|es|ed|ing|ation|ations)$")
# Words ending in "s" that are not plurals; shorter words are never changed.
_NOT_PLURAL = frozenset({"news", "series", "species", "this", "us", "gas", "bus", "kursk",
                         "minsk", "always", "across", "various", "previous", "serious"})


@lru_cache(maxsize=100_000)
def normalise_word(word: str) -> str:
    """The form a word is compared in: 'Drones' -> 'drone', 'Russia's' -> 'russia',
    'defense' -> 'defence', 'mobilization' -> 'mobilisation', 'casualties' -> 'casualty'."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    w = _SPELLINGS.get(w, w)
    w = _IZE.sub(r"is\1", w)
    if len(w) <= 3 or w in _NOT_PLURAL:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words_of(text: str) -> list[str]:
    """The normalised words of a text, link targets left out."""
    return [normalise_word(w) for w in _WORD.findall(_LINK_TARGET.sub(" ", text))]


# --- compiled rules -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    theme: int  # index into the themes tuple
    weight: float
    text: str  # as written in themes.yaml, for explanations


@dataclass(frozen=True, slots=True)
class _Rules:
    themes: tuple[Theme, ...]
    by_first_word: dict[str, tuple[_Phrase, ...]]  # candidates at a word, longest first
    fallback: str


@lru_cache(maxsize=8)
def _compile(themes: tuple[Theme, ...]) -> _Rules:
    """Index every phrase by its first word; built once per set of themes."""
    index: dict[str, dict[tuple[tuple[str, ...], int], _Phrase]] = {}
    for number, theme in enumerate(themes):
        for text, weight in theme.words:
            words = tuple(words_of(text))
            if not words or weight == 0:
                continue
            known = index.setdefault(words[0], {})
            # "drone" and "drones" are one phrase once normalised: keep the stronger weight.
            old = known.get((words, number))
            if old is None or weight > old.weight:
                known[(words, number)] = _Phrase(words, number, float(weight), text)
    by_first = {
        first: tuple(sorted(found.values(), key=lambda p: (-len(p.words), p.theme, p.text)))
        for first, found in index.items()
    }
    slugs = [t.slug for t in themes]
    fallback = FALLBACK_THEME if FALLBACK_THEME in slugs or not slugs else slugs[-1]
    return _Rules(themes, by_first, fallback)


def _find(rules: _Rules, words: list[str],
          factor_at: Callable[[int], float]) -> list[tuple[_Phrase, float]]:
    """Every phrase found in `words`, longest match first at each place, with its factor."""
    found: list[tuple[_Phrase, float]] = []
    i, n = 0, len(words)
    while i < n:
        candidates = rules.by_first_word.get(words[i])
        length = 0
        if candidates:
            for phrase in candidates:
                size = len(phrase.words)
                if length and size < length:
                    break  # only phrases of the longest matching length count here
                if tuple(words[i:i + size]) == phrase.words:
                    length = size
                    found.append((phrase, factor_at(i)))
        i += length or 1
    return found


# "Russia amasses missiles ahead of winter: NATO's Stoltenberg", "... – Kiev": a short tail
# after a colon or dash names who said it, not what it is about.
_ATTRIBUTION = re.compile(r"^(?P<subject>.+?)\s*(?::|\s[–—-])\s+(?P<tail>[^:–—]+)$")


def split_attribution(headline: str) -> tuple[str, str]:
    """(what the headline is about, who said it); the second is empty when there is none."""
    found = _ATTRIBUTION.match(headline.strip())
    if found and len(found["tail"].split()) <= 4 < len(found["subject"].split()):
        return found["subject"], found["tail"]
    return headline, ""


def _body_factor(position: int) -> float:
    if position < OPENING_WORDS:
        return OPENING_FACTOR
    return 1.0 if position < BODY_WORDS else FAR_FACTOR


def choose_theme(headline: str | None, text: str, themes: Sequence[Theme]) -> ThemeChoice:
    """Score every theme on the item's headline and text; the best one wins."""
    rules = _compile(tuple(themes))
    subject, attribution = split_attribution(headline or "")
    matches = _find(rules, words_of(subject), lambda _: HEADLINE_FACTOR)
    matches += _find(rules, words_of(attribution), lambda _: 1.0)
    matches += _find(rules, words_of(text), _body_factor)
    # Factors of each phrase, strongest first, so that repeats count 1, 1/2, 1/3, ...
    factors: dict[_Phrase, list[float]] = {}
    for phrase, factor in matches:
        factors.setdefault(phrase, []).append(factor)
    per_theme: dict[int, list[tuple[float, str]]] = {}
    for phrase, found in factors.items():
        found.sort(reverse=True)
        points = phrase.weight * sum(f / k for k, f in enumerate(found, start=1))
        per_theme.setdefault(phrase.theme, []).append((points, phrase.text))
    scores = []
    for number, parts in per_theme.items():
        parts.sort(key=lambda p: (-p[0], p[1]))
        total = round(sum(p[0] for p in parts), 3)
        scores.append((number, ThemeScore(rules.themes[number].slug, total,
                                          tuple(text for _, text in parts))))
    # Themes are sorted by order already, so their index breaks ties by order.
    scores.sort(key=lambda pair: (-pair[1].score, pair[0]))
    ranked = tuple(score for _, score in scores)
    return ThemeChoice(ranked[0].slug if ranked else rules.fallback, ranked)


def assign_themes(items: Sequence[Item], themes: Sequence[Theme]) -> tuple[Item, ...]:
    """Items with `theme` set; one that already has a theme (from an article's metadata or an
    editor's correction) keeps it."""
    themes = tuple(themes)
    return tuple(
        item if item.theme else replace(item, theme=choose_theme(item.headline, item.text,
                                                                 themes).slug)
        for item in items
    )


def explain_theme(item: Item, themes: Sequence[Theme]) -> ThemeChoice:
    """What the rules say about an item. When the item's theme was set by hand, that theme is
    the choice and the scores show what the rules alone would have said."""
    choice = choose_theme(item.headline, item.text, themes)
    return replace(choice, slug=item.theme) if item.theme else choice
