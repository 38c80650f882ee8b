"""Site clutter: the lines of a scraped page that are not the article.

Rules are regular expressions from sources.yaml (shared ones and the outlet's own), matched
against one line at a time with its bullet and surrounding spaces removed, so that the same
rule catches the same kind of clutter on any page: "Read also: ...", a lone "Loading...",
newsletter and donation appeals, comment prompts, tag lists, captions and credits.
Two kinds of rule: `clutter` drops a line; `end` drops the line and everything after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .config import Sources
from .model import Source

_DASHED = re.compile(r"^\s*[-–—].*[-–—]$")  # "– Sub-heading –": dashes around, not a bullet
_SPACES = re.compile(r"[ \t]+")
_WORDS = re.compile(r"\w+")
BULLET = re.compile(r"^\s*(?:[•·▪◦●■□►▶✓✔*]|[-–—](?=\s)|\d{1,2}[.)](?=\s))\s*")
# A sentence ends with . ! ? or … possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\"'’”»)\]]*$")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an article's text, with where it came from."""

    number: int  # 1-based line number in the file
    text: str  # without bullet marker and surrounding spaces; "" for a blank line
    bullet: bool = False  # it was a list item ("• ...", "- ...", "1. ...")
    indented: bool = False  # it started with spaces (a continuation of a list item)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Patterns as two alternations: those anchored at the line's start are only tried there
    (most rules), the others everywhere. Two regex calls a line instead of one per rule."""

    anchored: re.Pattern[str] | None
    floating: re.Pattern[str] | None

    def matches(self, text: str) -> bool:
        return bool(
            (self.anchored is not None and self.anchored.match(text))
            or (self.floating is not None and self.floating.search(text))
        )


@dataclass(frozen=True, slots=True)
class Rules:
    clutter: RuleSet
    end: RuleSet

    def is_clutter(self, text: str) -> bool:
        return self.clutter.matches(text)

    def is_end(self, text: str) -> bool:
        return self.end.matches(text)


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _rule_set(patterns: tuple[str, ...]) -> RuleSet:
    anchored = [p for p in patterns if p.startswith("^")]
    floating = [p for p in patterns if not p.startswith("^")]
    return RuleSet(_alternation(anchored), _alternation(floating))


@lru_cache(maxsize=64)
def rules_for(sources: Sources, source: Source | None) -> Rules:
    clutter = sources.shared_clutter + (source.clutter if source else ())
    end = sources.shared_end + (source.end if source else ())
    return Rules(_rule_set(clutter), _rule_set(end))


@lru_cache(maxsize=64)
def recognisers(sources: Sources) -> tuple[tuple[Source, re.Pattern[str]], ...]:
    """Each outlet with its `recognise` patterns as one regex."""
    return tuple(
        (s, re.compile("|".join(f"(?:{p})" for p in s.recognise), re.IGNORECASE | re.MULTILINE))
        for s in sources.outlets if s.recognise
    )


def split_lines(text: str) -> list[Line]:
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.rstrip()
        # "– Sub-heading –" opens with a dash too, but closes with one: it is not a list item.
        bullet = None if _DASHED.match(raw) else BULLET.match(raw)
        stripped = raw[bullet.end():] if bullet else raw.strip()
        lines.append(Line(number, _SPACES.sub(" ", stripped).strip(), bool(bullet),
                          raw.startswith((" ", "\t")) and not bullet))
    return lines


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def is_headline_like(text: str, max_words: int = 25) -> bool:
    """Short, and not a sentence: no closing full stop, and not opening with a quotation."""
    return (
        0 < word_count(text) <= max_words
        and not SENTENCE_END.search(text)
        and not text.startswith(("\"", "“", "‘", "'", "«", "„"))
    )


def remove_clutter(lines: list[Line], rules: Rules) -> list[Line]:
    """Drop clutter lines, the lists that follow a clutter heading such as "Read more on
    Russia-Ukraine war:", everything after an end marker, and trailing page fragments."""
    kept: list[Line] = []
    in_list = False
    seen_body = False
    for line in lines:
        if not line.text:
            kept.append(line)
            continue
        if seen_body and rules.is_end(line.text):
            break
        if rules.is_clutter(line.text):
            # A clutter heading ending with ":" introduces a list of links to other articles.
            in_list = line.text.endswith(":")
            continue
        if in_list and is_headline_like(line.text, max_words=30):
            continue
        in_list = False
        seen_body = seen_body or word_count(line.text) >= 12
        kept.append(line)
    return trim_trailing_fragments(kept)


def trim_trailing_fragments(lines: list[Line]) -> list[Line]:
    """Page widgets often close a scraped page: short lines that are not sentences
    ("Route 6", "Share", a section name). Drop them from the end."""
    end = len(lines)
    while end:
        text = lines[end - 1].text
        if text and (word_count(text) > 4 or SENTENCE_END.search(text)):
            break
        end -= 1
    return lines[:end]
