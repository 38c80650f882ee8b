"""Stage `parse`, second half: cutting a page's classified units (see `lines`) into items.

The page's structure decides, not its outlet:
- live blog: entries opened by a time; what stands above the first entry is the lead (its
  bullets are the page's key events);
- summary with a table of contents: a list of key events at the top, then one section per key
  event opened by a headline that repeats it (sometimes reworded, sometimes missing);
- roundup: bullets, paragraphs, "Label: text" lines or headline sections, each an item, under
  theme headings ("Fighting") kept as the item's section and day headings giving its day;
- story: one item, or one per sub-heading ("story-with-sections").
A paragraph that continues the one before it (a quote, "He added ...") never starts an item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .clutter import Line, word_count
from .dates import FoundDate, FoundTime
from .line_shapes import entry_stamp, is_headline_shaped
from .lines import Page, Unit
from .page_words import phrases

_INITIAL_DOTS = re.compile(r"(?<=\b[A-Za-z])\.(?=[A-Za-z]\b)")
_NOT_WORD = re.compile(r"[^\w\s]")
_QUOTE_OPENERS = ("\"", "“", "„", "«", "‘", "'", "”")
_FULL_NAME = re.compile(r"\b[A-ZА-ЯІЇЄҐÀ-Þ][\w'’-]+\s+(?P<surname>[A-ZА-ЯІЇЄҐÀ-Þ][\w'’-]{2,})")
_MATCH_SCORE = 75  # rapidfuzz token-set score for a section headline to repeat a key event
_SKIPPED = {"dateline", "intro", "byline", "label-line", "keypoints", "clutter", "title"}


@dataclass(slots=True)
class Piece:
    """An item before ids and dates are given to it."""

    headline: str | None
    line: int
    paragraphs: list[Line] = field(default_factory=list)  # list items keep their bullet
    key_event: bool = False
    clock: FoundTime | None = None  # a live-blog entry's printed time
    section: str | None = None  # the theme heading it stands under
    day: FoundDate | None = None  # the day heading (or entry stamp) it stands under
    day_heading: str | None = None  # a heading that names a day without a date ("Thursday")


@dataclass(slots=True)
class Split:
    format: str
    pieces: list[Piece]
    key_events: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    why: str = ""  # which structure was recognised, for --explain
    cut: Piece | None = None  # the last item, left out: the text stops in the middle of it


def split_page(page: Page) -> Split:
    """Choose the page's structure and cut it into pieces."""
    units = [u for u in page.units if u.kind not in {"clutter", "title"}]
    units = _entry_in_title(page) + units
    entries = [u for u in units if u.kind == "entry"]
    timed = [u for u in entries if u.clock is not None]
    listed_above = bool(timed) and any(u.bullet for u in units[:units.index(timed[0])])
    if len(entries) >= 2 or (timed and (page.zone is not None or listed_above
                                        or _names_itself(page, "roundup_cues"))):
        split = _live_blog(units)
    else:
        split = _table_of_contents(units, page.title) or _roundup_or_story(units, page)
    split.lead = list(page.lead) + split.lead
    # A headline alone is an entry only on a live blog ("20:00 Headline"); elsewhere a teaser.
    split.pieces = [p for p in split.pieces if p.paragraphs or (p.headline and p.clock)]
    if page.cut_at is not None and split.pieces and (len(split.pieces) > 1
                                                     or split.format == "live-blog"):
        # A story cut short is still the story; an item of a list or blog cut short is left out:
        # a reader would get half a report. A headline alone at the cut opened the next one.
        last = split.pieces[-1]
        cut = [line for line in last.paragraphs if line.number == page.cut_at]
        if (cut and last.paragraphs.index(cut[0]) > 0 and is_headline_shaped(cut[0].text, 10)
                and cut[0].text[:1].isupper()):
            last.paragraphs.remove(cut[0])
            split.cut = Piece(cut[0].text, cut[0].number)
        elif cut or last.line == page.cut_at:
            split.cut = split.pieces.pop()
    return split


_TICKER = re.compile(r"\+{3}\s*(?P<stamp>\d{1,2}[:.]\d{2}\s.*?)\s*\+{3}\s*$")


def _entry_in_title(page: Page) -> list[Unit]:
    """A ticker's newest entry glued to its title: "Liveticker +++ 23:24 Headline +++"."""
    title = next((u for u in page.units if u.kind == "title"), None)
    match = _TICKER.search(title.text) if title is not None and page.title else None
    if match is None or match.start() == 0:
        return []
    stamp = entry_stamp(match.group("stamp"))
    if stamp is None or stamp[0] is None:
        return []
    return [Unit(title.number, match.group("stamp"), kind="entry", clock=stamp[0], rest=stamp[1])]


def _names_itself(page: Page, kind: str) -> bool:
    """Does the page say what it is ("live", "key events", "Relacja na żywo") in its title, a
    label, an intro line or a short heading?"""
    labels = [u.text for u in page.units if u.kind in {"label-line", "intro", "dateline"}
              or (u.kind in {"headline", "body"} and word_count(u.text) <= 10)
              or (u.kind == "clutter" and u.why in {"widget", "masthead", "above the title"}
                  and word_count(u.text) <= 4)]
    return any(phrases(kind).found_in(text) for text in [page.title or "", *labels])


# --- live blogs ------------------------------------------------------------------------------


def _live_blog(units: list[Unit]) -> Split:
    pieces: list[Piece] = []
    key_events: list[str] = []
    lead: list[str] = []
    current: Piece | None = None
    day: FoundDate | None = None
    section: str | None = None
    expect_headline = False
    held_headline: Unit | None = None
    for index, unit in enumerate(units):
        kind = unit.kind
        if kind == "entry":
            nxt = units[index + 1] if index + 1 < len(units) else None
            if unit.clock is None and nxt is not None and nxt.kind == "entry":
                continue  # "2h ago" above "17:52": the clock time stands for the entry
            current = _entry_piece(unit, held_headline, day, section)
            held_headline = None
            expect_headline = current.headline is None and not unit.rest
            pieces.append(current)
            continue
        if kind == "day":
            day = unit.day or day
            continue
        if kind == "section":
            section = unit.text
            continue
        if kind in _SKIPPED:
            continue
        if current is None:
            if unit.bullet:
                key_events.append(unit.text)
            elif kind == "headline" and _next_kind(units, index) == "entry":
                held_headline = unit
            else:
                lead.append(unit.text)
            continue
        if expect_headline and kind == "headline":
            current.headline = unit.text
            expect_headline = False
            continue
        expect_headline = False
        nxt = units[index + 1] if index + 1 < len(units) else None
        if kind == "headline" and nxt is not None and nxt.kind == "entry" and not _has_headline(nxt):
            held_headline = unit  # a headline printed above its entry's time stamp
            continue
        text = unit.rest if kind == "label" and not unit.text else unit.text
        current.paragraphs.append(Line(unit.number, text, unit.bullet))
    return Split("live-blog", pieces, key_events, lead, "entries opened by a time")


def _next_kind(units: list[Unit], index: int) -> str | None:
    return units[index + 1].kind if index + 1 < len(units) else None


def _has_headline(entry: Unit) -> bool:
    return bool(entry.rest) and is_headline_shaped(entry.rest, 30)


def _entry_piece(unit: Unit, held: Unit | None, day: FoundDate | None, section: str | None) -> Piece:
    piece = Piece(None, unit.number, clock=unit.clock, day=unit.day or day, section=section)
    if unit.rest and is_headline_shaped(unit.rest, 30):
        piece.headline = unit.rest
    elif unit.rest:
        piece.paragraphs.append(Line(unit.number, unit.rest))
    if piece.headline is None and held is not None:
        piece.headline = held.text
    return piece


# --- a list of key events that is the table of contents of the sections below -------------------


def _key_event_block(units: list[Unit]) -> list[Unit]:
    """The first run of at least three list items, before the text has begun; short headings
    between the items ("Fighting") do not end the run."""
    block: list[Unit] = []
    for unit in units:
        if unit.kind in _SKIPPED or unit.kind == "lead":
            continue
        if not unit.bullet and not block and word_count(unit.text) >= 25:
            return []
        if unit.bullet:
            block.append(unit)
        elif block and unit.kind in {"section", "headline"} and word_count(unit.text) <= 6:
            continue
        elif len(block) >= 3:
            break
        else:
            block = []
    return block if len(block) >= 3 else []


def _normalise(text: str) -> str:
    return _NOT_WORD.sub(" ", _INITIAL_DOTS.sub("", text).lower())


def _repeats(line: str, bullet: str) -> bool:
    a, b = _normalise(line), _normalise(bullet)
    if not a.split() or len(a.split()) < 0.4 * len(b.split()):
        return False
    return fuzz.token_set_ratio(a, b) >= _MATCH_SCORE and fuzz.token_sort_ratio(a, b) >= 50


_COMMON = {
    "ukraine", "ukraine's", "ukrainian", "russia", "russia's", "russian", "kyiv", "moscow",
    "says", "said", "with", "from", "over", "after", "that", "this", "their", "will", "have",
    "been", "more", "than", "into", "about", "against", "war",
}


def _loosely_repeats(line: str, bullet: str) -> bool:
    """A headline reworded beyond fuzzy matching still names what its key event names."""
    a, b = set(_normalise(line).split()), set(_normalise(bullet).split())
    shared = {w for w in a & b if len(w) >= 4 and w not in _COMMON}
    return bool(shared) and 3 <= len(a) <= 16 and fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= 45


def _table_of_contents(units: list[Unit], title: str | None) -> Split | None:
    block = _key_event_block(units)
    if not block:
        return None
    bullets = [u.text for u in block]
    body = [u for u in units if u.number > block[-1].number and u.kind not in _SKIPPED]
    headings: dict[int, int] = {}  # body index -> key event index
    next_bullet = 0
    for index, unit in enumerate(body):
        if unit.bullet or not is_headline_shaped(unit.text, 25):
            continue
        for b in range(next_bullet, len(bullets)):
            if _repeats(unit.text, bullets[b]):
                headings[index] = b
                next_bullet = b + 1
                break
    for b in range(len(bullets)):  # second pass: sections whose headline was reworded
        if b in headings.values():
            continue
        low = max((i for i, x in headings.items() if x < b), default=-1) + 1
        high = min((i for i, x in headings.items() if x > b), default=len(body))
        for index in range(low, high):
            unit = body[index]
            if not unit.bullet and is_headline_shaped(unit.text, 16) and _loosely_repeats(
                    unit.text, bullets[b]):
                headings[index] = b
                break
    if not headings:
        return None
    pieces: list[Piece] = []
    marks = sorted(headings)
    first = marks[0]
    if first > 0 and headings[first] > 0:
        # The first section has no headline of its own: it belongs to the key event before it.
        pieces.append(Piece(bullets[headings[first] - 1], body[0].number, _lines(body[:first]), True))
    elif first > 0:
        pieces.append(Piece(title, body[0].number, _lines(body[:first])))
    for position, index in enumerate(marks):
        stop = marks[position + 1] if position + 1 < len(marks) else len(body)
        pieces.append(Piece(body[index].text, body[index].number, _lines(body[index + 1:stop]), True))
    return Split("summary", pieces, bullets, why="key events, each repeated as a section headline")


def _lines(units: list[Unit]) -> list[Line]:
    return [Line(u.number, u.text, u.bullet) for u in units if u.kind != "lead"]


# --- roundups and stories -------------------------------------------------------------------------


def _roundup_or_story(units: list[Unit], page: Page) -> Split:
    long_bullets = [u for u in units if u.bullet and word_count(u.text) >= 6]
    labels = [u for u in units if u.kind == "label"]
    paragraphs = [u for u in units if u.kind in {"label", "body"}]
    labelled = len(labels) >= 2 and 2 * len(labels) >= len(paragraphs)
    bullets_form = len(long_bullets) >= 3
    roundup = (bullets_form or labelled or _names_itself(page, "roundup_cues")
               or any(u.kind in {"section", "keypoints"} for u in units))
    key_points = _key_points(units)
    key_events = [u.text for u in key_points]
    units = [u for u in units if u not in key_points]
    long_bullets = [u for u in long_bullets if u not in key_points]
    bullets_form = len(long_bullets) >= 3
    pieces: list[Piece] = []
    lead: list[str] = []
    current: Piece | None = None
    section: str | None = None
    day: FoundDate | None = None
    day_name: str | None = None
    headed = any(u.kind in {"headline", "section", "day"} for u in units)
    for index, unit in enumerate(units):
        kind = unit.kind
        if kind == "intro" and not roundup:
            kind = "body"  # "Officials listed the regions cut off:" is a story's own sentence
        if kind in _SKIPPED:
            continue
        if kind == "lead":
            lead.append(unit.text)
            continue
        if kind == "section":
            section, current = unit.text, None
            continue
        if kind == "day":
            day, day_name, current = unit.day, (None if unit.day else unit.text), None
            if not roundup:  # a timeline: each day heading opens the item of that day
                current = Piece(None, unit.number, section=section, day=day, day_heading=day_name)
                pieces.append(current)
            continue
        if kind == "headline" and not roundup and not pieces and page.title and not any(
                u.kind == "headline" for u in units[index + 1:]):
            lead.append(unit.text)  # a story's subtitle, between its title and its text
            continue
        new = _start(unit, units, index, bullets_form, roundup, labelled)
        if new is not None:
            current = Piece(new[0], unit.number, new[1], section=section, day=day, day_heading=day_name)
            current.key_event = bullets_form and unit.bullet
            pieces.append(current)
            continue
        line = Line(unit.number, unit.rest or unit.text if kind == "entry" else unit.text, unit.bullet)
        if current is not None and (current.headline is not None or not roundup
                                    or _follows_up(unit.text, current)):
            current.paragraphs.append(line)
        elif labelled and not pieces:
            lead.append(unit.text)  # what stands above a page's labelled paragraphs introduces them
        elif roundup and not bullets_form:
            current = Piece(None, unit.number, [line], section=section, day=day, day_heading=day_name)
            pieces.append(current)
        elif roundup:
            lead.append(unit.text)  # context around a list of key events
        else:
            current = Piece(page.title, unit.number, [line])
            pieces.append(current)
    if any(u.kind == "day" for u in units):
        return Split("summary", pieces, key_events, lead, "a timeline: day headings open its items")
    if not roundup:
        fmt = "story-with-sections" if headed and len(pieces) > 1 else "story"
        return Split(fmt, pieces, key_events, lead, "a story: no list, entries or theme headings")
    return Split("summary", pieces, key_events, lead, "a roundup: each bullet, paragraph or section an item")


def _key_points(units: list[Unit]) -> list[Unit]:
    """The list under a "Key points" heading, when headline sections follow it: the page's own
    table of contents, not items."""
    for index, unit in enumerate(units):
        if unit.kind != "keypoints":
            continue
        block = []
        for other in units[index + 1:]:
            if not other.bullet:
                break
            block.append(other)
        rest = units[index + 1 + len(block):]
        if block and any(u.kind == "headline" for u in rest):
            return block
    return []


def _start(unit: Unit, units: list[Unit], index: int, bullets_form: bool, roundup: bool,
           labelled: bool) -> tuple[str | None, list[Line]] | None:
    """(headline, first lines) when this unit opens an item of its own."""
    if unit.kind == "headline":
        return unit.text, []
    if unit.kind == "label" and labelled:
        return unit.label, [Line(unit.number, unit.rest)]
    if unit.kind == "entry":
        if unit.rest and is_headline_shaped(unit.rest, 30):
            return unit.rest, []
        return None, [Line(unit.number, unit.rest)] if unit.rest else []
    if unit.bullet:
        nxt = units[index + 1] if index + 1 < len(units) else None
        alone = index == 0 or not units[index - 1].bullet  # not the last item of a list
        if (not bullets_form and alone and is_headline_shaped(unit.text, 12) and nxt is not None
                and not nxt.bullet and nxt.kind == "body"):
            return unit.text, []  # "- Push for Kyiv" over its paragraphs: a headline
        if bullets_form or roundup:
            return None, [Line(unit.number, unit.text)]
    return None


def _follows_up(text: str, piece: Piece) -> bool:
    """A paragraph that continues the item before it: a quote, an attribution, "He added",
    or one that names again, by surname alone, the person the item named in full."""
    if not piece.paragraphs:
        return False
    if text.startswith(_QUOTE_OPENERS) or text.startswith(("— ", "– ")):
        return True
    if phrases("follow_up_openers").opens(text):
        return True
    previous = " ".join(line.text for line in piece.paragraphs)
    # A person named in full inside the item ("..., Serguéi Lavrov, ha pedido") and again by
    # surname alone ("Lavrov ha destacado"); a country at a paragraph's start is not a person.
    surnames = {m.group("surname") for m in _FULL_NAME.finditer(previous) if m.start() > 0}
    words = [w.strip(",.:;") for w in text.split()[:6]]
    return any(w in surnames and (i == 0 or not words[i - 1][:1].isupper())
               for i, w in enumerate(words))
