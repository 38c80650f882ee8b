"""The words pages use to announce their shape (digest/data/page.yaml), compiled once.

Each list becomes one case-insensitive alternation of whole phrases, so that asking "does this
line name a live blog?" is one regex call whatever the number of languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True, slots=True)
class Phrases:
    """One list of page.yaml, every language together."""

    anywhere: re.Pattern[str]  # the phrase as whole words anywhere in the text
    whole: re.Pattern[str]  # the text is the phrase (with a trailing ":" or "." allowed)
    opening: re.Pattern[str]  # the text opens with the phrase

    def found_in(self, text: str) -> bool:
        return bool(self.anywhere.search(text))

    def is_whole(self, text: str) -> bool:
        return bool(self.whole.match(text.strip()))

    def opens(self, text: str) -> bool:
        return bool(self.opening.match(text))


def _compile(phrases: list[str]) -> Phrases:
    # Longest first, so "politics and diplomacy" wins over "politics".
    body = "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))
    return Phrases(
        anywhere=re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE),
        whole=re.compile(rf"(?:{body})\s*[:.]?$", re.IGNORECASE),
        opening=re.compile(rf"(?:{body})(?!\w)", re.IGNORECASE),
    )


@cache
def page_words() -> dict[str, Phrases]:
    data = yaml.safe_load(resources.files("digest").joinpath("data/page.yaml").read_text("utf-8"))
    return {
        kind: _compile([str(p) for phrases in by_language.values() for p in phrases])
        for kind, by_language in data.items()
    }


def phrases(kind: str) -> Phrases:
    return page_words()[kind]
