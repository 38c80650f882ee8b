"""The story stage's lexicon: the gazetteer of names and the words for kinds of events, counts,
tense and denial, read from the package's YAML data (digest/data/) and looked up word by word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from anyascii import anyascii

SUFFIX = 4  # a name form of 4+ letters matches a word with up to this many more (case endings)
_APOSTROPHE = re.compile(r"['’ʼ`]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def norm_words(text: str) -> list[str]:
    """A word (or a form of several) as the ASCII words it is compared as: "Київ" -> ["kiiv"],
    "F-16" -> ["f", "16"], "Куп'янськ" -> ["kupiansk"]."""
    return [w for w in _NOT_ALNUM.split(_APOSTROPHE.sub("", anyascii(text).lower())) if w]


@dataclass(frozen=True, slots=True)
class Entry:
    """A gazetteer entry: a place, person or body, or an event type."""

    id: str
    kind: str  # see data/gazetteer.yaml; "event" for an event type
    weak: bool = False  # named by nearly every item of the war
    side: str | None = None  # the camp a person or body speaks for


@dataclass(frozen=True, slots=True)
class Matcher:
    """Forms of several words looked up word by word: the first word of each form indexes it."""

    first: dict[str, tuple[tuple[tuple[str, ...], Entry], ...]]  # first word -> (form, entry)
    suffix: int  # how many letters a word may have beyond a form's (of 4+ letters)
    longest: int  # the longest first word
    seen: dict[str, tuple[tuple[tuple[str, ...], Entry], ...]] = field(default_factory=dict)  # see candidates

    def word_matches(self, form: str, word: str) -> bool:
        if len(form) < 4:
            return word == form
        return word.startswith(form) and len(word) - len(form) <= self.suffix

    def candidates(self, word: str) -> tuple[tuple[tuple[str, ...], Entry], ...]:
        """The forms whose first word matches `word`, worked out once per word (a day's items
        use the same words again and again)."""
        found = self.seen.get(word)
        if found is None:
            found = tuple((form, entry) for cut in range(min(len(word), self.longest), 0, -1)
                          for form, entry in self.first.get(word[:cut], ())
                          if self.word_matches(form[0], word))
            self.seen[word] = found
        return found

    def match(self, words: Sequence[str], at: int) -> tuple[int, Entry] | None:
        """The longest form starting at words[at]: (number of words, entry), or None."""
        best: tuple[int, int, Entry] | None = None
        for form, entry in self.candidates(words[at]):
            if len(form) > len(words) - at:
                continue
            if all(self.word_matches(f, w) for f, w in zip(form[1:], words[at + 1:], strict=False)):
                size = (len(form), sum(map(len, form)))
                if best is None or size > best[:2]:
                    best = (*size, entry)
        return None if best is None else (best[0], best[2])


def _matcher(forms: Iterable[tuple[str, Entry]], suffix: int) -> Matcher:
    first: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
    for text, entry in forms:
        words = tuple(norm_words(str(text)))
        if words and (words, entry) not in first.get(words[0], []):
            first.setdefault(words[0], []).append((words, entry))
    return Matcher({k: tuple(v) for k, v in first.items()}, suffix, max(map(len, first), default=0))


@dataclass(frozen=True, slots=True)
class Lexicon:
    names: Matcher  # the gazetteer
    events: Matcher  # event types, and the markers of tense and denial
    units: Matcher
    no_casualties: Matcher
    stopwords: frozenset[str]
    ignore: frozenset[str]  # capitalised words that are no names (given names, titles, labels)


def _data(name: str) -> dict:
    text = resources.files("digest").joinpath("data", name).read_text(encoding="utf-8")
    # The C loader when PyYAML has it: the lexicon is read once per process, but it is large.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def lexicon() -> Lexicon:
    gazetteer, events, stop = _data("gazetteer.yaml"), _data("event_types.yaml"), _data("stopwords.yaml")
    names = []
    for group in ("places", "people", "orgs", "operations"):
        for key, spec in gazetteer[group].items():
            entry = Entry(key, spec["kind"], bool(spec.get("weak")), spec.get("side"))
            names += [(form, entry) for form in spec["forms"]]
    kinds = [(form, Entry(kind, "event")) for kind, forms in events["events"].items() for form in forms]
    kinds += [(form, Entry("future", "marker")) for form in events["future"]]
    units = [(form, Entry(unit, "unit")) for unit, forms in events["units"].items() for form in forms]
    return Lexicon(
        names=_matcher(names, SUFFIX),
        events=_matcher(kinds, 99),  # event words are stems: any ending
        units=_matcher(units, 99),
        no_casualties=_matcher(((f, Entry("none", "marker")) for f in events["no_casualties"]), 99),
        stopwords=frozenset(w for words in stop.values() for form in words for w in norm_words(str(form))),
        ignore=frozenset(w for form in gazetteer["ignore"] for w in norm_words(str(form))),
    )
