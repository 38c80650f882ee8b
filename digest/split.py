"""Splitting an article's body into items, by the shape of the article.

- live blog: timestamped entries ("1249 GMT — Headline", "10:32 BST" on its own line), each an
  item, with or without a headline;
- summary: a list of key events, then one section per key event, each opened by a headline line
  that repeats its bullet (sometimes reworded, sometimes missing); or a list of key events that
  are the news themselves (no sections), each bullet an item;
- story with sections ("– Ukrainian flag hoisted –"): one item per section. A wire report's
  sub-headings mark a change of subject (a town retaken, a minister's visit), so each section
  is its own piece of news with its own theme, and may be the same event another outlet reports;
- story: one item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .clutter import SENTENCE_END, Line, is_headline_like, word_count
from .dates import FoundTime, find_time

# "1249 GMT — text", "12:49 GMT: text", "14.05 — text"; a four-digit time needs its zone.
_ENTRY = re.compile(
    r"^(?:\d{1,2}\s?[hm]\s?ago\s*)?(?P<clock>(?:[0-2]\d[0-5]\d(?=\s*[A-Za-z])|[0-2]?\d[:.][0-5]\d)"
    r"(?:\s?[ap]\.?m\.?)?(?:\s*(?:gmt|utc|bst|cet|cest|eet|eest|msk|kyiv time|kiev time)"
    r"(?:\s?[+-]\s?\d{1,2})?)?)\s*(?:[—–|:-]+\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
_SUBHEADING = re.compile(r"^[–—-]+\s*(?P<title>.+?)\s*[–—-]+$")
_INITIAL_DOTS = re.compile(r"(?<=\b[A-Za-z])\.(?=[A-Za-z]\b)")
_NOT_WORD = re.compile(r"[^\w\s]")
_MATCH_SCORE = 75  # rapidfuzz token-set score for a section line to repeat a bullet


@dataclass(slots=True)
class Piece:
    """An item before ids and dates are given to it."""

    headline: str | None
    line: int
    paragraphs: list[Line] = field(default_factory=list)  # list items keep their bullet
    key_event: bool = False
    clock: FoundTime | None = None  # a live-blog entry's printed time


@dataclass(slots=True)
class Split:
    format: str
    pieces: list[Piece]
    key_events: list[str] = field(default_factory=list)


def split_body(lines: list[Line], title: str | None) -> Split:
    """Choose the article's shape and cut its body into pieces."""
    text_lines = [line for line in lines if line.text]
    entries = [line for line in text_lines if _entry_match(line)]
    if len(entries) >= 2:
        return _live_blog(text_lines, title)
    block = _key_event_block(text_lines)
    if block:
        summary = _summary(text_lines, block, title)
        if summary is not None:
            return summary
        # Key points above a story that does not repeat them as sections.
        text_lines = [line for line in text_lines if line not in block]
    key_events = [line.text for line in block]
    if any(_SUBHEADING.match(line.text) for line in text_lines):
        split = _sectioned_story(text_lines, title)
    else:
        split = Split("story", [_story_piece(text_lines, title)] if text_lines else [])
    split.key_events = key_events
    return split


def _entry_match(line: Line) -> re.Match[str] | None:
    if line.bullet or word_count(line.text) == 0:
        return None
    return _ENTRY.match(line.text)


def _live_blog(lines: list[Line], title: str | None) -> Split:
    pieces: list[Piece] = []
    intro: list[Line] = []
    key_events: list[str] = []
    current: Piece | None = None
    expect_headline = False
    for line in lines:
        match = _entry_match(line)
        if match:
            rest = (match.group("rest") or "").strip()
            current = Piece(None, line.number, clock=find_time(match.group("clock")))
            pieces.append(current)
            if rest and is_headline_like(rest, max_words=30):
                current.headline = rest
            elif rest:
                current.paragraphs.append(Line(line.number, rest))
            expect_headline = not rest
        elif current is None:
            intro.append(line)
        elif expect_headline and is_headline_like(line.text, max_words=30):
            current.headline = line.text
            expect_headline = False
        else:
            current.paragraphs.append(line)
            expect_headline = False
    key_events = [line.text for line in intro if line.bullet]
    prose = [line for line in intro if not line.bullet]
    # A live blog often opens with a short standfirst; a longer opening is news of its own.
    if len(prose) >= 2 or word_count(" ".join(line.text for line in prose)) >= 40:
        pieces.insert(0, Piece(title, intro[0].number, prose))
    return Split("live-blog", pieces, key_events)


def _key_event_block(lines: list[Line]) -> list[Line]:
    """The first run of at least three list items: the article's key events. Short headings
    between the items ("Fighting", "Politics and diplomacy") do not end the run."""
    block: list[Line] = []
    for line in lines:
        if not line.bullet and not block and word_count(line.text) >= 25:
            return []  # the article has begun: a list further down is part of its text
        if line.bullet:
            block.append(line)
        elif block and (line.indented or (is_headline_like(line.text) and word_count(line.text) <= 6)):
            continue  # the wrapped rest of a list item, or a heading inside the list
        elif len(block) >= 3:
            break
        else:
            block = []
    return block if len(block) >= 3 else []


def _normalise(text: str) -> str:
    text = _INITIAL_DOTS.sub("", text)  # U.K. -> UK
    return _NOT_WORD.sub(" ", text.lower())


def _repeats(line: str, bullet: str) -> bool:
    """Does a section's headline line repeat a bullet, perhaps reworded?"""
    a, b = _normalise(line), _normalise(bullet)
    if not a.split() or len(a.split()) < 0.4 * len(b.split()):
        return False
    return fuzz.token_set_ratio(a, b) >= _MATCH_SCORE and fuzz.token_sort_ratio(a, b) >= 50


def _summary(lines: list[Line], block: list[Line], title: str | None) -> Split | None:
    bullets = [line.text for line in block]
    end_of_block = block[-1].number
    body = [line for line in lines if line.number > end_of_block]
    headings: dict[int, int] = {}  # body index -> bullet index
    next_bullet = 0
    for index, line in enumerate(body):
        if line.bullet or not is_headline_like(line.text):
            continue
        for b in range(next_bullet, len(bullets)):
            if _repeats(line.text, bullets[b]):
                headings[index] = b
                next_bullet = b + 1
                break
    _find_reworded_headings(body, bullets, headings)
    if not headings:
        long_bullets = sum(word_count(b) > 25 for b in bullets)
        if long_bullets * 2 >= len(bullets):
            # The list items are the news themselves (Al Jazeera's "list of key events").
            pieces = [Piece(None, line.number, [Line(line.number, line.text)], key_event=True)
                      for line in lines if line.bullet]
            return Split("summary", pieces)
        return None
    pieces: list[Piece] = []
    marks = sorted(headings)
    first = marks[0]
    if first > 0 and headings[first] > 0:
        # The first section has no headline line of its own: it belongs to the bullet before.
        pieces.append(Piece(bullets[headings[first] - 1], body[0].number, body[:first], True))
    elif first > 0:
        pieces.append(Piece(title, body[0].number, body[:first]))
    for position, index in enumerate(marks):
        stop = marks[position + 1] if position + 1 < len(marks) else len(body)
        paragraphs = body[index + 1:stop]
        pieces.append(Piece(body[index].text, body[index].number, paragraphs, True))
    return Split("summary", [p for p in pieces if p.paragraphs], bullets)


_COMMON = {
    "ukraine", "ukraine's", "ukrainian", "russia", "russia's", "russian", "kyiv", "moscow",
    "says", "said", "with", "from", "over", "after", "that", "this", "their", "will", "have",
    "been", "more", "than", "into", "about", "against", "war",
}


def _loosely_repeats(line: str, bullet: str) -> bool:
    """A headline reworded beyond fuzzy matching still names what its bullet names."""
    a, b = set(_normalise(line).split()), set(_normalise(bullet).split())
    shared = {w for w in a & b if len(w) >= 4 and w not in _COMMON}
    return bool(shared) and 3 <= len(a) <= 16 and fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= 45


def _find_reworded_headings(body: list[Line], bullets: list[str], headings: dict[int, int]) -> None:
    """Second pass for bullets whose section headline was not found: look between the
    neighbouring sections for a headline-shaped line that loosely repeats the bullet."""
    for b in range(len(bullets)):
        if b in headings.values():
            continue
        before = [i for i, x in headings.items() if x < b]
        after = [i for i, x in headings.items() if x > b]
        low = max(before) + 1 if before else 0
        high = min(after) if after else len(body)
        for index in range(low, high):
            line = body[index]
            shaped = not line.bullet and is_headline_like(line.text, 16)
            if shaped and _loosely_repeats(line.text, bullets[b]):
                headings[index] = b
                break


def _sectioned_story(lines: list[Line], title: str | None) -> Split:
    pieces = [Piece(title, lines[0].number)]
    for line in lines:
        match = _SUBHEADING.match(line.text)
        if match:
            pieces.append(Piece(match.group("title"), line.number))
        else:
            pieces[-1].paragraphs.append(line)
    return Split("story-with-sections", [p for p in pieces if p.paragraphs])


def _story_piece(lines: list[Line], title: str | None) -> Piece:
    return Piece(title, lines[0].number, list(lines))


def ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END.search(text))
