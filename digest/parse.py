"""Stage `parse`: a RawArticle (decoded text and metadata) in, an Article out.

A list of small named steps, each taking and returning a Draft (as markdown-it-py's rule
chain): find the outlet, the title, the byline, the dates, remove clutter, cut the body into
items, date them, give them ids. Pure: no file system, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from anyascii import anyascii

from .clutter import (
    SENTENCE_END,
    Line,
    recognisers,
    remove_clutter,
    rules_for,
    split_lines,
    word_count,
)
from .config import Settings, Sources
from .dates import FoundDate, find_dates, find_day_number, resolve_zone
from .model import Article, Item, Problem, RawArticle, Source
from .split import Piece, Split, split_body

# Bump when parsing changes, so that cached parse results are not reused.
PARSER_VERSION = "1"

_BYLINE = re.compile(r"^(?:by|words by|written by|author:?)\s+(?P<name>.+)$", re.IGNORECASE)
_ROLE_WORDS = {
    "correspondent", "reporter", "editor", "writer", "journalist", "staff", "contributor",
    "columnist", "analyst", "war", "senior", "chief", "political", "politics", "defence",
    "defense", "foreign", "business", "news", "world", "international", "security",
    "diplomatic", "economics", "deputy", "managing", "associate", "digital", "special",
}
_BYLINE_END = re.compile(r"[|,(•·]")
_WHITESPACE = re.compile(r"\s+")
_VIEWS = re.compile(r"[\d,.]+\s*views?\b", re.IGNORECASE)
_DATELINE_WORDS = re.compile(r"\b(published|updated|posted|last|on|at|views?|am|pm|gmt|utc)\b",
                             re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d{3,}")
_SLUG_WORDS = re.compile(r"[a-z0-9]+")
_NAME_PARTICLES = {"de", "van", "von", "der", "da", "di", "al", "bin", "la", "le", "and"}


@dataclass(frozen=True, slots=True)
class Context:
    raw: RawArticle
    sources: Sources
    settings: Settings


@dataclass(frozen=True, slots=True)
class Draft:
    """The article as it is being read; each step fills in more of it."""

    lines: tuple[Line, ...]
    source: Source | None = None
    source_name: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    dates: tuple[tuple[int, FoundDate], ...] = ()  # (line number, date) of each dateline
    body_start: int = 0  # number of the first line of running text (25 words or more)
    stated_day: int | None = None
    split: Split | None = None
    date: date | None = None
    published: datetime | None = None
    items: tuple[Item, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def warn(self, ctx: Context, message: str, fix: str, line: int | None = None,
             path: str | None = None) -> Draft:
        problem = Problem(path or ctx.raw.path, line, message, fix)
        return replace(self, warnings=self.warnings + (problem,))

    def without(self, numbers: set[int]) -> Draft:
        return replace(self, lines=tuple(x for x in self.lines if x.number not in numbers))


def find_source(d: Draft, ctx: Context) -> Draft:
    """The outlet: from metadata, else its URL's domain, else the text naming it; never a
    guess from style."""
    meta = ctx.raw.metadata
    name = meta.get("source")
    if name:
        source = ctx.sources.by_name(name)
        if source is None:
            return replace(d, source_name=name, url=meta.get("url"))
        return replace(d, source=source, source_name=source.name, url=meta.get("url"))
    url = meta.get("url")
    if url and (source := ctx.sources.by_url(url)):
        return replace(d, source=source, source_name=source.name, url=url)
    # Pages name themselves in their header or footer ("Novinite is still the only ...",
    # "Consider supporting the Kyiv Independent"); a mention in the body is a citation.
    lines = ctx.raw.text.strip().split("\n")
    ends = "\n".join(lines[:10] + lines[-30:]) if len(lines) > 40 else "\n".join(lines)
    named = [s for s, pattern in recognisers(ctx.sources) if pattern.search(ends)]
    if len(named) == 1:
        return replace(d, source=named[0], source_name=named[0].name, url=url)
    d = replace(d, url=url)
    if len(named) > 1:
        names = ", ".join(s.name for s in named)
        return d.warn(ctx, f"the text names several outlets ({names})",
                      f"add `source: NAME` to {ctx.raw.metadata_path}")
    return d.warn(ctx, "the outlet is unknown: the text does not name it",
                  f"add `source: NAME` (and `url:`) to {ctx.raw.metadata_path}")


def find_title(d: Draft, ctx: Context) -> Draft:
    """The first line that is not clutter; a repeated title line counts once, and a
    breadcrumb glued before it ("Home Breaking News <title>") is dropped."""
    rules = rules_for(ctx.sources, d.source)
    head = [x for x in d.lines if x.text][:6]
    candidates = [x for x in head if not rules.is_clutter(x.text) and not _dateline_of(x.text)]
    # A section label ("Europe", "World news") may stand above the title: a title has words.
    first = next((x for x in candidates if word_count(x.text) >= 3), None)
    first = first or (candidates[0] if candidates else None)
    if first is None:
        return d
    title = first.text
    used = {first.number} | {x.number for x in candidates if x.number < first.number}
    for later in head:
        if later.number <= first.number:
            continue
        if later.text == title:
            used.add(later.number)
        elif title.endswith(" " + later.text) and word_count(later.text) >= 3:
            title = later.text  # the first line was breadcrumb + title
            used.add(later.number)
    title = ctx.raw.metadata.get("title") or title
    return replace(d.without(used), title=title)


def find_byline(d: Draft, ctx: Context) -> Draft:
    for line in [x for x in d.lines if x.text][:3]:
        match = _BYLINE.match(line.text)
        if match and word_count(line.text) <= 14:
            return replace(d.without({line.number}), author=_author_name(match.group("name")))
    return replace(d, author=ctx.raw.metadata.get("author"))


def _author_name(text: str) -> str:
    words = _WHITESPACE.split(_BYLINE_END.split(text)[0].strip())
    name: list[str] = []
    for word in words:
        bare = word.strip(".").lower()
        if bare in _ROLE_WORDS or not (word[:1].isupper() or bare in _NAME_PARTICLES):
            break
        name.append(word)
    while name and name[-1].lower() in _NAME_PARTICLES:
        name.pop()
    return " ".join(name) or text.strip()


def _is_dateline(text: str, found: FoundDate) -> bool:
    """A line that is there to give the date: little else on it."""
    if SENTENCE_END.search(text) and not text.rstrip(".").endswith(("am", "pm", "m")):
        return False  # "The war began on February 24, 2022." is a sentence, not a dateline
    rest = text[: found.start] + " " + text[found.end:]
    rest = _VIEWS.sub(" ", rest)
    rest = _DATELINE_WORDS.sub(" ", rest)
    return word_count(rest) <= 3 and not _LONG_NUMBER.search(rest)


def _dateline_of(text: str) -> FoundDate | None:
    if not any(map(str.isdigit, text)) or word_count(text) > 16:
        return None
    found = find_dates(text)
    return found[0] if found and _is_dateline(text, found[0]) else None


def find_dates_in_text(d: Draft, ctx: Context) -> Draft:
    """Datelines (a line that is mostly a date: the article's, or a live blog's day
    headers) and the day number the text states ("Day 582", "enters its 644th day")."""
    datelines: list[tuple[int, FoundDate]] = []
    day_lines: set[int] = set()
    stated: int | None = find_day_number(d.title or "")
    for line in d.lines:
        if not line.text or line.bullet:
            continue
        found = _dateline_of(line.text)
        if found:
            datelines.append((line.number, found))
        number = find_day_number(line.text) if "day" in line.text.lower() else None
        if number is not None:
            stated = stated or number
            if word_count(line.text) <= 10:
                day_lines.add(line.number)
    body_start = next((x.number for x in d.lines if not x.bullet and word_count(x.text) >= 25),
                      len(d.lines) + 1)
    d = replace(d.without({n for n, _ in datelines} | day_lines), dates=tuple(datelines),
                stated_day=stated, body_start=body_start)
    for number, found in datelines:
        if found.weekday_mismatch():
            d = d.warn(ctx, f"the dateline's weekday does not match {found.date}",
                       "check the date in the text or its metadata", number)
    return d


def strip_clutter(d: Draft, ctx: Context) -> Draft:
    return replace(d, lines=tuple(remove_clutter(list(d.lines), rules_for(ctx.sources, d.source))))


def cut_items(d: Draft, ctx: Context) -> Draft:
    split = split_body(list(d.lines), d.title)
    if not split.pieces:
        d = d.warn(ctx, "no article text was found once site clutter was removed",
                   "check that the file holds the article, not only the page around it")
    return replace(d, split=split)


def date_article(d: Draft, ctx: Context) -> Draft:
    """The article's day and time: the editor's metadata first, then the text's dateline.
    A date the text does not give is never guessed."""
    meta = ctx.raw.metadata
    zone_name = meta.get("timezone") or (d.source.timezone if d.source else None)
    published: datetime | None = meta.get("published")
    if published is None and meta.get("published_naive") and zone_name:
        published = meta["published_naive"].replace(tzinfo=ZoneInfo(zone_name))
    text_date: date | None = None
    # The article's own dateline stands above its text; a live blog's first day header
    # may stand lower, below a pinned caption or summary.
    live = d.split is not None and d.split.format == "live-blog"
    dateline = next((x for x in d.dates if live or x[0] < d.body_start), None)
    if dateline:
        number, found = dateline
        text_date = found.date
        if found.clock and published is None and text_date:
            zone = resolve_zone(found.zone, zone_name)
            if zone is not None:
                published = datetime.combine(text_date, found.clock).replace(tzinfo=zone)
            elif d.split and d.split.format != "live-blog":
                d = d.warn(ctx, f"the time {found.clock:%H:%M} has no timezone and the outlet's "
                           "is unknown", f"add `timezone:` or `source:` to {ctx.raw.metadata_path}",
                           number)
    site_zone = ctx.settings.zone
    day = meta.get("date")
    if day is None and published is not None:
        day = published.astimezone(site_zone).date()
    if day is None:
        day = text_date
    if day is None:
        d = _warn_undated(d, ctx)
    elif meta.get("date") and text_date and text_date != meta["date"]:
        d = d.warn(ctx, f"the metadata's date {meta['date']} differs from the text's {text_date}",
                   "the metadata wins; correct whichever is wrong", dateline[0] if dateline else None)
    if day is not None and d.stated_day is not None:
        expected = ctx.settings.day_number(day)
        if expected != d.stated_day:
            d = d.warn(ctx, f"the text says day {d.stated_day}, but {day} is day {expected} "
                       f"of the war", f"check the date (or `date:` in {ctx.raw.metadata_path})")
    return replace(d, date=day, published=published)


def _warn_undated(d: Draft, ctx: Context) -> Draft:
    partial = next((f for _, f in d.dates if f.year is None), None)
    if partial is None:
        mentions = [f for x in d.lines if x.text for f in find_dates(x.text) if f.year is None]
        partial = mentions[0] if mentions else None
    fix = f"add `date: YYYY-MM-DD` to {ctx.raw.metadata_path}"
    if partial is not None:
        when = date(2000, partial.month, partial.day).strftime("%B %-d")
        return d.warn(ctx, f"the text gives {when} but no year, so the date is unknown", fix)
    return d.warn(ctx, "no date was found in the text", fix)


def make_items(d: Draft, ctx: Context) -> Draft:
    """Items with their day, time and a stable id."""
    if d.split is None:
        return d
    pieces = d.split.pieces
    when = _entry_times(d, ctx, pieces) if d.split.format == "live-blog" else {}
    site_zone = ctx.settings.zone
    items: list[Item] = []
    taken: set[str] = set()
    for index, piece in enumerate(pieces):
        stamp = when.get(index)
        day = stamp.astimezone(site_zone).date() if stamp else d.date
        clock = f"{stamp.astimezone(site_zone):%H:%M}" if stamp else None
        items.append(Item(
            id=_unique(item_id(d.source.slug if d.source else _slug(d.source_name or ""), day,
                               piece.headline or " ".join(x.text for x in piece.paragraphs)), taken),
            headline=piece.headline,
            text=markdown_text(piece.paragraphs),
            date=day,
            time=clock,
            published=stamp or d.published,
            source=d.source_name,
            source_slug=d.source.slug if d.source else (_slug(d.source_name) or None
                                                        if d.source_name else None),
            url=d.url,
            article_path=ctx.raw.path,
            line=piece.line,
            key_event=piece.key_event,
        ))
    return replace(d, items=tuple(items))


def _entry_times(d: Draft, ctx: Context, pieces: list[Piece]) -> dict[int, datetime]:
    """Aware times of live-blog entries. An entry's day is the day header above it (in the
    entries' zone); a blog that runs newest first and jumps forward by more than six hours
    has crossed midnight into the day before (and the other way for oldest first)."""
    zone_name = ctx.raw.metadata.get("timezone") or (d.source.timezone if d.source else None)
    base = d.dates[0][1].date if d.dates and d.dates[0][1].date else d.date
    minutes = [p.clock.clock.hour * 60 + p.clock.clock.minute if p.clock else None for p in pieces]
    steps = [b - a for a, b in zip(minutes[1:], minutes[2:], strict=False)
             if a is not None and b is not None]
    newest_first = sum(s < 0 for s in steps) >= sum(s > 0 for s in steps)
    result: dict[int, datetime] = {}
    shift, previous, header = 0, None, None
    for index, piece in enumerate(pieces):
        if piece.clock is None:
            continue
        above = [f for n, f in d.dates if n < piece.line and f.date]
        if above and above[-1] is not header:
            header, shift, previous = above[-1], 0, None
        day = header.date if header else base
        zone: tzinfo | None = resolve_zone(piece.clock.zone, zone_name)
        if day is None or zone is None:
            continue
        now = minutes[index]
        if previous is not None and now is not None and index > 1:
            jump = now - previous
            if newest_first and jump > 360:
                shift -= 1
            elif not newest_first and jump < -360:
                shift += 1
        previous = now
        result[index] = datetime.combine(day + timedelta(days=shift),
                                         time(piece.clock.clock.hour, piece.clock.clock.minute),
                                         tzinfo=zone)
    return result


def apply_metadata_themes(d: Draft, ctx: Context) -> Draft:
    """`themes:` in the metadata sets an item's theme, by item number (1 = first) or id."""
    wanted: dict[str, str] = ctx.raw.metadata.get("themes", {})
    if not wanted:
        return d
    items = list(d.items)
    for key, theme in wanted.items():
        index = next((i for i, item in enumerate(items) if item.id == key), None)
        if index is None and key.isdigit() and 1 <= int(key) <= len(items):
            index = int(key) - 1
        if index is None:
            d = d.warn(ctx, f"`themes:` names item {key!r}, which this article does not have",
                       f"use an item number from 1 to {len(items)} or an item id",
                       ctx.raw.metadata.get("themes_line"), ctx.raw.metadata_path)
        else:
            items[index] = replace(items[index], theme=theme)
    return replace(d, items=tuple(items))


STEPS: list[Callable[[Draft, Context], Draft]] = [
    find_source,
    find_title,
    find_byline,
    find_dates_in_text,
    strip_clutter,
    cut_items,
    date_article,
    make_items,
    apply_metadata_themes,
]


def parse_article(raw: RawArticle, sources: Sources, settings: Settings) -> Article:
    ctx = Context(raw, sources, settings)
    draft = Draft(lines=tuple(split_lines(raw.text)), warnings=raw.problems)
    for step in STEPS:
        draft = step(draft, ctx)
    if draft.split and draft.split.format == "live-blog":
        untimed = [i for i in draft.items if i.time is None]
        if untimed and draft.date is not None:
            draft = draft.warn(ctx, f"{len(untimed)} live-blog entries have a time without a "
                               "timezone", f"add `timezone:` or `source:` to {raw.metadata_path}")
    return Article(
        path=raw.path,
        source=draft.source_name,
        source_slug=draft.source.slug if draft.source else (_slug(draft.source_name) or None
                                                            if draft.source_name else None),
        url=draft.url,
        title=draft.title,
        author=draft.author,
        published=draft.published,
        date=draft.date,
        day_number=settings.day_number(draft.date) if draft.date else None,
        format=draft.split.format if draft.split else "story",
        key_events=tuple(draft.split.key_events) if draft.split else (),
        items=draft.items,
        warnings=draft.warnings,
    )


# --- ids and Markdown ---------------------------------------------------------------------


def _slug(text: str, max_words: int = 8) -> str:
    words = _SLUG_WORDS.findall(anyascii(text).lower())
    return "-".join(words[:max_words])[:64].strip("-")


def item_id(source_slug: str, day: date | None, words: str) -> str:
    """Readable and stable: outlet, day, and the headline's (or text's) first words.
    Never the URL or base_url, which change when a site moves."""
    return "-".join(part for part in (
        day.isoformat() if day else "undated", source_slug or "unknown", _slug(words) or "item",
    ))


def _unique(candidate: str, taken: set[str]) -> str:
    result, n = candidate, 2
    while result in taken:
        result, n = f"{candidate}-{n}", n + 1
    taken.add(result)
    return result


_MD_INLINE = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])(?=\s|$)")


def markdown_paragraph(text: str) -> str:
    """Plain article text as Markdown that renders as the same text."""
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def markdown_text(lines: list[Line]) -> str:
    """Paragraphs separated by blank lines; consecutive list items as one Markdown list."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if line.bullet:
            if index and lines[index - 1].bullet:
                out[-1] += "\n- " + markdown_paragraph(line.text)
            else:
                out.append("- " + markdown_paragraph(line.text))
        else:
            out.append(markdown_paragraph(line.text))
    return "\n\n".join(out)


def plain_text(markdown: str) -> str:
    """The inverse of markdown_paragraph, for tests and search."""
    return re.sub(r"\\([\\`*_\[\]<>#+=.)-])", r"\1", re.sub(r"^- ", "", markdown, flags=re.M))

