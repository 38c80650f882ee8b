"""Stage `parse`, first half: what each line of a page is.

A page is read as a list of Units: a line, or a list item with the lines that wrap it. Every unit
gets a kind from its own shape and its neighbours, never from the outlet's wording:

- clutter: share bars, captions, appeals, related lists (the rules are data: digest/data/clutter.yaml);
- title, byline, dateline (a line that is there to give the date), intro ("Here are the latest
  updates:"), label ("Live", "Trending");
- key-points heading (a table of contents follows), section heading ("Fighting", "Бойові дії"),
  day heading ("Monday 3 March", "30 квітня", "Day 2");
- entry: a live-blog entry opened by a time ("14:05", "1432 GMT", "10:05 am", "+++ 23:24 ... +++");
- bullet, headline (a short line over its paragraphs), body.

The shape of one line alone is `line_shapes`'; segmenting the units into items is `split`'s;
choosing the date is `dating`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import tzinfo
from functools import cache

from .clutter import SENTENCE_END, Rules, caption_pair, word_count
from .date_names import ZONE_PHRASES
from .dates import (
    FIXED_ZONES,
    FoundDate,
    FoundTime,
    find_dates,
    find_day_numbers,
    parse_zone,
)
from .line_shapes import (
    date_and_rest,
    dateline_date,
    day_heading,
    entry_stamp,
    is_byline,
    is_headline_shaped,
    is_intro,
    label_of,
    subheading,
)
from .page_words import phrases

BULLET = re.compile(r"^\s*(?:[•·▪◦●■□►▶✓✔✇*]|>+(?=\s)|[-–—](?=\s|$)|\d{1,2}[.)](?=\s))\s*")
_DASHED = re.compile(r"^\s*[-–—]\s*\S.*\S\s*[-–—]$")  # "– Sub-heading –" is not a list item
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
# A page store's stamp glued before the text: " date 2022-11-19 ..." or " date 2022-04 ...".
_STORE_STAMP = re.compile(r"^\s*date (?P<stamp>\d{4}-\d{2}(?:-\d{2})?)\b\s*")

_BY = re.compile(r"^(?:by|words by|written by|author:?|автор(?:ка)?:?|von|par|por|autor(?:ka)?:?|redacción"
                 r"|redakcja|rédaction|redaktion|редакція|редакция|texto?:?|текст:?)\s+\S", re.IGNORECASE)
# "News / World / Europe", "Inicio » Internacional", "Herald · World": a trail of short names.
_CRUMB_SEPARATOR = re.compile(r"\s+(?:/|›|»|·|\||>|→)\s+")
# A lone lower-case scrap between paragraphs ("qatar airways"): an advertiser's name, a widget.
_FRAGMENT = re.compile(r"^[a-zа-яіїєґ][a-zа-яіїєґ' -]{0,30}$")
_TIMES_CUE = re.compile(
    r"\b(?:times?|heures?|hora|horas|horario|czas|godziny|uhrzeit|zeit(?:angaben)?)\b|(?<!\w)(?:час|время)",
    re.IGNORECASE)
_VIDEO = re.compile(r"\b(?:video|відео|видео|wideo|vidéo|vídeo)\b.{0,40}\d", re.IGNORECASE)
_URL = re.compile(r"^(?:https?://|www\.)\S+$")


@dataclass(frozen=True, slots=True)
class Unit:
    """One line of a page (or a list item with its wrapped lines), with what it is."""

    number: int  # 1-based line in the file where it starts
    text: str  # without bullet marker and surrounding spaces
    bullet: bool = False
    blank_before: bool = True  # a blank line (or the top of the page) stands above it
    kind: str = "body"
    why: str = ""  # for `digest parse --explain`: the clutter kind, cue or rule that decided
    clock: FoundTime | None = None  # entry: its printed time
    rest: str = ""  # entry: the text after the stamp; label: the text after "Label:"
    label: str = ""  # headline of an entry or label line
    day: FoundDate | None = None  # day heading, or a date printed in an entry's stamp


@dataclass(frozen=True, slots=True)
class Page:
    units: tuple[Unit, ...]
    title: str | None
    stamp: str | None  # the page store's stamp ("2022-04" or "2022-11-19"), evidence of the year
    lead: tuple[str, ...] = ()  # a standfirst above the first photo: summary, not an item
    zone: tzinfo | None = None  # the clock of its times, as the page states it ("All times Kyiv time")
    cut_at: int | None = None  # the line where the text stops mid-sentence (a truncated file)


def read_units(text: str) -> tuple[list[Unit], str | None]:
    """Lines as units: a bullet marker alone on its line takes the next line as its text;
    an indented line after a list item, or a line broken mid-sentence, continues it."""
    raw_lines = text.split("\n")
    stamp = None
    if raw_lines and (match := _STORE_STAMP.match(raw_lines[0])):
        stamp = match.group("stamp")
        raw_lines[0] = raw_lines[0][match.end():]
    units: list[Unit] = []
    blank = True
    pending_bullet: int | None = None
    bullet_indent = -1  # how far the last list item was indented
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.rstrip()
        text = _SPACES.sub(" ", raw).strip()
        if not text:
            blank = True
            continue
        indent = len(raw) - len(raw.lstrip())
        bullet_match = None if _DASHED.match(raw) else BULLET.match(raw)
        if bullet_match and bullet_match.group().strip()[:1].isdigit() and _opens_with_date(text):
            bullet_match = None  # "29. Juni 2022": a German date, not item 29 of a list
        body = _SPACES.sub(" ", raw[bullet_match.end():]).strip() if bullet_match else text
        if bullet_match and not body:
            pending_bullet, bullet_indent = number, indent
            continue
        if pending_bullet is not None:
            units.append(Unit(pending_bullet, text, True, blank))
            pending_bullet, blank = None, False
            continue
        previous = units[-1] if units else None
        if (previous and not blank and not bullet_match
                and _continues(previous, indent > bullet_indent, text)):
            units[-1] = replace(previous, text=f"{previous.text} {text}")
            continue
        if bullet_match:
            bullet_indent = indent
        elif indent <= bullet_indent:
            bullet_indent = -1
        units.append(Unit(number, body, bool(bullet_match), blank))
        blank = False
    return units, stamp


def _opens_with_date(text: str) -> bool:
    found = find_dates(text[:40])
    return bool(found) and found[0].start == 0


def _continues(previous: Unit, deeper: bool, text: str) -> bool:
    if previous.bullet and deeper and entry_stamp(text) is None:
        return True  # the wrapped rest of a list item, indented under it
    # "On Tuesday, Russian troops" / "fired on TV Tower": a sentence broken across two lines.
    return (text[:1].islower() and not SENTENCE_END.search(previous.text)
            and not previous.text.endswith(":") and word_count(previous.text) >= 3)


# --- clutter --------------------------------------------------------------------------------


def mark_clutter(units: list[Unit], rules: Rules) -> list[Unit]:
    """Clutter by kind, plus what only neighbours show: a caption printed twice, a caption over
    a lone credit ("Reuters"), the list of links under "Read more:", a label repeated as the
    outlet's masthead, and nothing after an end marker."""
    out = list(units)
    kinds = [rules.kind(u.text) for u in units]
    in_list = False
    eaten = 0  # teasers taken into the current related list
    ended = False
    seen_body = False
    for index, unit in enumerate(out):
        if ended:
            out[index] = replace(unit, kind="clutter", why="after an end marker")
            continue
        kind = kinds[index]
        nxt = out[index + 1] if index + 1 < len(out) else None
        if kind is None and nxt is not None:
            kind = _neighbour_clutter(unit, nxt, kinds[index + 1])
            if kind in {"masthead", "caption pair"}:
                kinds[index + 1] = kind = kind.split()[0]
        if kind is None and (_URL.match(unit.text) or (_FRAGMENT.match(unit.text) and not unit.bullet)):
            kind = "link" if _URL.match(unit.text) else "fragment"
        if kind is None and _is_breadcrumb(unit.text):
            kind = "breadcrumb"
        if (kind is None and index and out[index - 1].kind == "clutter" and _VIDEO.search(out[index - 1].text)
                and is_headline_shaped(unit.text, 14)):
            kind = "video title"  # the title of an embedded video, under its player's duration
        if kind is not None:
            if seen_body and rules.is_end(unit.text):
                ended = True
            # A list of links to other articles, below the text ("Trending" atop a page is a label).
            in_list = (seen_body and rules.opens_list(unit.text)) or (in_list and kind != "end")
            out[index] = replace(unit, kind="clutter", why=kind)
            continue
        if in_list and _is_teaser(unit) and (eaten or not _over_its_text(unit, out, index)):
            out[index] = replace(unit, kind="clutter", why="related list")
            eaten += 1
            continue
        in_list, eaten = False, 0
        seen_body = seen_body or word_count(unit.text) >= 12
    return _trim_tail(out)


def _is_breadcrumb(text: str) -> bool:
    parts = _CRUMB_SEPARATOR.split(text)
    return (len(parts) >= 2 and all(1 <= word_count(p) <= 3 for p in parts)
            and not any(ch.isdigit() for ch in text) and not SENTENCE_END.search(text))


def _neighbour_clutter(unit: Unit, nxt: Unit, next_kind: str | None) -> str | None:
    """Clutter that only the next line shows."""
    if caption_pair(unit.text, nxt.text):
        return "caption pair"  # the same caption twice, once with its credit
    if unit.text == nxt.text and not nxt.blank_before and word_count(unit.text) <= 8:
        return "masthead"  # "The Guardian - AU" twice: the outlet's masthead
    if next_kind in {"credit", "caption"} and not nxt.blank_before and not SENTENCE_END.search(
            unit.text) and word_count(unit.text) <= (30 if word_count(nxt.text) <= 6 else 16):
        return "caption"  # a caption over its credit line, or an image's alt text over its caption
    return None


def _over_its_text(unit: Unit, units: list[Unit], index: int) -> bool:
    """A headline followed by a full paragraph: the article goes on (the list above was empty)."""
    nxt = next((u for u in units[index + 1:] if u.kind != "clutter"), None)
    return nxt is not None and word_count(nxt.text) >= 20 and bool(SENTENCE_END.search(nxt.text))


def _is_teaser(unit: Unit) -> bool:
    """In a list of links to other articles: a headline, or its teaser; the list ends where the
    article resumes with a full paragraph."""
    words = word_count(unit.text)
    if words >= 10 and SENTENCE_END.search(unit.text):
        return False  # a sentence of the article, not a link's headline or teaser
    return words <= 60


def _trim_tail(units: list[Unit]) -> list[Unit]:
    """A scraped page often closes with widget fragments: short lines that are not sentences."""
    end = len(units)
    while end:
        unit = units[end - 1]
        if unit.kind != "clutter" and (word_count(unit.text) > 4 or SENTENCE_END.search(unit.text)):
            break
        if unit.kind != "clutter":
            units[end - 1] = replace(unit, kind="clutter", why="page fragment at the end")
        end -= 1
    return units


# --- the title and the classification of every unit ---------------------------------------


def find_title(units: list[Unit], given: str | None) -> tuple[list[Unit], str | None]:
    """The headline as printed: the first title-shaped line near the top that is not a label,
    a byline, a dateline or clutter. What stands above it is the site's header. A repeat of the
    title (or the title glued after a breadcrumb) counts once."""
    content = [i for i, u in enumerate(units) if u.kind != "clutter"]
    chosen: int | None = None
    skipped_prose = 0
    for position, index in enumerate(content[:12]):
        unit = units[index]
        following = units[content[position + 1]] if position + 1 < len(content) else None
        repeated = following is not None and following.text == unit.text and word_count(unit.text) <= 40
        if repeated or _title_shaped(unit, units[index + 1] if index + 1 < len(units) else None):
            chosen = index  # a line printed twice at the top is the headline, whatever its shape
            break
        if not (unit.bullet or _is_label(unit.text) or is_byline(unit.text)
                or dateline_date(unit.text) or entry_stamp(unit.text)):
            skipped_prose += 1
        if skipped_prose >= 3 or position >= 10 or (word_count(unit.text) > 60 and not unit.bullet):
            break
        if _is_prose(unit):
            break  # the article's text has begun: a title below it would cost its first paragraphs
    if chosen is None:
        return units, given
    title = units[chosen].text
    out = [replace(u, kind="clutter", why="above the title") if i < chosen and u.kind != "clutter"
           else u for i, u in enumerate(units)]
    out[chosen] = replace(units[chosen], kind="title")
    for i in range(chosen + 1, min(chosen + 6, len(out))):
        other = out[i]
        if other.kind != "clutter" and (other.text == title or title.endswith(" " + other.text)
                                        and word_count(other.text) >= 3):
            if other.text != title:
                title = other.text  # the first line was a breadcrumb glued before the title
            out[i] = replace(other, kind="title", why="the title repeated")
    return out, given or title


def _is_prose(unit: Unit) -> bool:
    """A paragraph of the article itself: sentences, not a quoted teaser of another page."""
    return (not unit.bullet and word_count(unit.text) >= 15 and bool(SENTENCE_END.search(unit.text))
            and not unit.text.startswith(("\"", "“", "«", "„")))


def _title_shaped(unit: Unit, nxt: Unit | None) -> bool:
    text = unit.text
    words = word_count(text)
    if unit.bullet or words < 3 or words > 45 or text.endswith(":") or _is_label(text):
        return False
    if text.startswith(("\"", "“", "«", "„", "(", "[")) or is_byline(text) or entry_stamp(text):
        return False
    dated = date_and_rest(text)
    if dated is not None and dated[1] <= 2:
        return False  # "Published On 24 Nov 2024": a dateline, however short
    if SENTENCE_END.search(text):
        # A headline may end with a full stop; a short sentence set apart from the text may be one.
        return (words <= 14 and (nxt is None or nxt.blank_before) and not find_dates(text)
                and not find_day_numbers(text) and text.count(". ") == 0)
    return text.count(". ") < 3 or words <= 40


def _is_label(text: str) -> bool:
    """"Live", "Liveticker", or a short line that ends by naming the page's form ("Rosja -
    Ukraina. Relacja na żywo", "Ukraine war | Live")."""
    if phrases("page_labels").is_whole(text):
        return True
    if word_count(text) > 8 or not is_headline_shaped(text):
        return False
    head, _, tail = text.rpartition(". ") if ". " in text else text.rpartition(" | ")
    return bool(head) and phrases("page_labels").is_whole(tail)


def classify(units: list[Unit]) -> list[Unit]:
    """Give each unit that is not clutter or the title its kind."""
    out = list(units)
    for index, unit in enumerate(out):
        if unit.kind in {"clutter", "title"}:
            continue
        out[index] = _classify_one(unit)
    # Where a page labels its paragraphs ("Der Tag: ...", "Die Lage: ..."), a short one is one too.
    if sum(u.kind == "label" for u in out) >= 2:
        for index, unit in enumerate(out):
            if unit.kind in {"candidate", "body"} and (found := label_of(unit.text, loose=True)):
                out[index] = replace(unit, kind="label", label=found[0], rest=found[1])
    # "Theatre bombing:" heads a section only where others like it do ("New Delhi:" is a dateline).
    if sum(u.why == "colon-heading" for u in out) < 2:
        out = [replace(u, kind="dateline", why="a place before a colon") if u.why == "colon-heading"
               else u for u in out]
    # A headline is a short line over its own paragraphs: decided with the next unit.
    for index, unit in enumerate(out):
        if unit.kind != "candidate":
            continue
        nxt = next((u for u in out[index + 1:] if u.kind != "clutter"), None)
        body_follows = nxt is not None and nxt.kind in {"body", "label"} and (
            word_count(nxt.text) >= 8 or bool(SENTENCE_END.search(nxt.text)))
        if body_follows or (nxt is not None and nxt.kind == "entry" and nxt.rest
                            and not is_headline_shaped(nxt.rest, 30)):
            out[index] = replace(unit, kind="headline")
        elif nxt is not None and nxt.kind in {"bullet", "candidate"} and word_count(unit.text) <= 6:
            out[index] = replace(unit, kind="section", why="a short heading over a list")
        else:
            out[index] = replace(unit, kind="body")
    return out


def _classify_one(unit: Unit) -> Unit:
    text = unit.text
    stamp = None if unit.bullet else entry_stamp(text)
    if stamp is not None:
        clock, rest, day = stamp
        return replace(unit, kind="entry", clock=clock, rest=rest, day=day)
    if not unit.bullet and (sub := subheading(text)):
        return replace(unit, kind="headline", text=sub, why="a sub-heading between dashes")
    if _is_label(text):
        return replace(unit, kind="label-line", why="a page label")
    if is_byline(text) or (_BY.match(text) and word_count(text) <= 14
                           and not SENTENCE_END.search(text)):
        return replace(unit, kind="byline")
    heading = day_heading(text)
    if heading is not None and not unit.bullet:
        return replace(unit, kind="day", day=heading if isinstance(heading, FoundDate) else None,
                       why=f"a day heading ({heading if isinstance(heading, str) else 'date'})")
    if not unit.bullet and dateline_date(text):
        return replace(unit, kind="dateline")
    if phrases("key_point_headings").is_whole(text):
        return replace(unit, kind="keypoints")
    if phrases("section_headings").is_whole(text) and word_count(text) <= 5:
        return replace(unit, kind="section", why="a theme heading")
    if unit.bullet:
        return replace(unit, kind="bullet")
    if is_intro(text):
        return replace(unit, kind="intro")
    if (label := label_of(text)) is not None:
        return replace(unit, kind="label", label=label[0], rest=label[1])
    if _ends_with_colon_heading(text):
        return replace(unit, kind="candidate", text=text.rstrip(": "), why="colon-heading")
    if is_headline_shaped(text):
        return replace(unit, kind="candidate")
    return unit


def _ends_with_colon_heading(text: str) -> bool:
    """"Theatre bombing:" — a heading written with a colon."""
    return text.endswith(":") and 1 <= word_count(text) <= 4 and text[:1].isupper()


def read_page(text: str, rules: Rules, given_title: str | None) -> Page:
    units, stamp = read_units(text)
    units = mark_clutter(units, rules)
    units, title = find_title(units, given_title)
    units = _datelines_not_headings(classify(units))
    units, lead = _standfirst(units)
    return Page(tuple(units), title, stamp, lead, _stated_zone(units), _cut_at(text, units))


def _cut_at(text: str, units: list[Unit]) -> int | None:
    """A file that stops in the middle of a sentence (no closing punctuation, no final newline)
    was cut short: its last item is incomplete."""
    if not units or text.endswith(("\n", "\r")) or units[-1].kind == "clutter":
        return None
    last = units[-1].text
    if SENTENCE_END.search(last) or last.endswith(("\"", "”", "»", ")", "]")):
        return None
    return units[-1].number


@cache
def _zone_words() -> re.Pattern[str]:
    names = sorted([*ZONE_PHRASES, *FIXED_ZONES], key=len, reverse=True)
    words = "|".join(re.escape(n) for n in names if len(n) > 1)
    return re.compile(rf"(?<!\w)(?:gmt|utc)\s?[+-]\s?\d{{1,2}}(?::?\d{{2}})?|(?<!\w)(?:{words})(?!\w)",
                      re.IGNORECASE)


def _stated_zone(units: list[Unit]) -> tzinfo | None:
    """"All times are Kyiv time", "(час київський)", "(Hora ucraniana, GMT+2)", "All times EDT":
    a line above the first entry that names the clock of the page's times."""
    for unit in units:
        if unit.kind == "entry":
            break
        if unit.kind == "title" or not _TIMES_CUE.search(unit.text):
            continue
        found = [parse_zone(m.group()) for m in _zone_words().finditer(unit.text)]
        zones = [z for z in found if isinstance(z, tzinfo)]
        if zones:
            return zones[-1]  # "Hora ucraniana, GMT+2": the offset, printed last, is exact
    return None


def _datelines_not_headings(units: list[Unit]) -> list[Unit]:
    """A page's only dated line, above its text, is its dateline ("28th Sep 23 4:23 pm"), not
    the heading of a day; so is a dated line that prints a time."""
    days = [i for i, u in enumerate(units) if u.kind == "day"]
    first_text = next((i for i, u in enumerate(units) if u.kind in {"body", "headline", "bullet",
                                                                  "entry", "label"}), len(units))
    before = [i for i in days if i < first_text]
    out = list(units)
    for i in days:
        day = units[i].day
        if ((len(days) == 1 and i < first_text) or (i in before and i != before[-1])
                or (day is not None and day.clock is not None)):
            out[i] = replace(units[i], kind="dateline", why="a dated line above the text")
    return out


def _standfirst(units: list[Unit]) -> tuple[list[Unit], tuple[str, ...]]:
    """The standfirst: a summary of what follows, kept as the article's lead rather than as an
    item. It stands between the title and the first photo (its caption), or above the page's
    dateline, or it opens by naming the page ("La guerra ... en directo con las últimas noticias")."""
    titled = next((i for i, u in enumerate(units) if u.kind == "title"), None)
    top = -1 if titled is None else titled  # a page without a title: from its first line
    after = [i for i in range(top + 1, len(units)) if units[i].kind not in {"title", "byline",
                                                                            "label-line"}]
    out = list(units)
    lead: list[str] = []
    for position, i in enumerate(after[:3]):
        unit = units[i]
        if unit.kind != "body":
            if unit.kind == "dateline" or (unit.kind == "clutter" and unit.why != "above the title"):
                continue
            break
        rest = [units[j] for j in after[position + 1:]]
        nxt = rest[0] if rest else None
        above_photo = nxt is not None and nxt.kind == "clutter" and nxt.why in {"caption", "credit",
                                                                                 "link"}
        above_dateline = any(u.kind == "dateline" for u in rest[:2])
        names_page = phrases("roundup_cues").found_in(" ".join(unit.text.split()[:12]))
        if titled is None:
            above_photo = names_page = False  # untitled, only a dateline below sets a paragraph apart
        if not (above_photo or above_dateline or names_page):
            break
        out[i] = replace(unit, kind="lead", why="the standfirst")
        lead.append(unit.text)
    return out, tuple(lead)
