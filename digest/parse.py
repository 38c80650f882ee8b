"""Stage `parse`: a RawArticle (decoded text and metadata) in, an Article out.

A list of small named steps, each taking and returning a Draft (as markdown-it-py's rule
chain): find the outlet, read the page's structure (`lines`: what each line is; `split`: the
items), choose its date (`dating`), date the items and give them ids. Pure: no file system,
no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from anyascii import anyascii

from .clutter import Line, recognisers, rules_for
from .config import Settings, Sources
from .dates import find_day_numbers, resolve_zone
from .dating import Dating, choose_date
from .lines import Page, read_page
from .model import Article, Item, Problem, RawArticle, Source
from .split import Piece, Split, split_page

# Bump when parsing changes, so that cached parse results are not reused.
PARSER_VERSION = "2"

_BYLINE = re.compile(r"^(?:by|words by|written by|author:?)\s+(?P<name>.+)$", re.IGNORECASE)
_ROLE_WORDS = {
    "correspondent", "reporter", "editor", "writer", "journalist", "staff", "contributor",
    "columnist", "analyst", "war", "senior", "chief", "political", "politics", "defence",
    "defense", "foreign", "business", "news", "world", "international", "security",
    "diplomatic", "economics", "deputy", "managing", "associate", "digital", "special",
}
_BYLINE_END = re.compile(r"[|,(•·]")
_WHITESPACE = re.compile(r"\s+")
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

    source: Source | None = None
    source_name: str | None = None
    url: str | None = None
    page: Page | None = None
    split: Split | None = None
    title: str | None = None
    author: str | None = None
    dating: Dating | None = None
    date: date | None = None
    published: datetime | None = None
    items: tuple[Item, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def warn(self, ctx: Context, message: str, fix: str, line: int | None = None,
             path: str | None = None) -> Draft:
        problem = Problem(path or ctx.raw.path, line, message, fix)
        return replace(self, warnings=self.warnings + (problem,))


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


def read_structure(d: Draft, ctx: Context) -> Draft:
    """What each line is, then the items: see `lines` and `split`."""
    page = read_page(ctx.raw.text, rules_for(ctx.sources, d.source), ctx.raw.metadata.get("title"))
    split = split_page(page)
    d = replace(d, page=page, split=split, title=page.title)
    if split.cut is not None:
        d = d.warn(ctx, "the text stops in the middle of a sentence, so its last item is left out",
                   "check that the file holds the whole article", split.cut.line)
    if not split.pieces and split.cut is None:
        d = d.warn(ctx, "no article text was found once site clutter was removed",
                   "check that the file holds the article, not only the page around it")
    return d


def find_byline(d: Draft, ctx: Context) -> Draft:
    author = ctx.raw.metadata.get("author")
    if author is None and d.page is not None:
        for unit in d.page.units[:12]:
            match = _BYLINE.match(unit.text)
            if unit.kind == "byline" and match:
                author = _author_name(match.group("name"))
                break
    return replace(d, author=author)


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


def date_article(d: Draft, ctx: Context) -> Draft:
    """The article's day and time: the editor's metadata first, then the text (see `dating`).
    A date the text does not give is never guessed."""
    assert d.page is not None
    meta = ctx.raw.metadata
    settings = ctx.settings
    dating = choose_date(d.page, settings.war_start, _latest_year(settings), None)
    zone_name = meta.get("timezone") or (d.source.timezone if d.source else None)
    published: datetime | None = meta.get("published")
    if published is None and meta.get("published_naive") and zone_name:
        published = meta["published_naive"].replace(tzinfo=ZoneInfo(zone_name))
    found = dating.found
    if published is None and found is not None and found.clock and dating.date == found.date:
        zone = resolve_zone(found.zone, zone_name)
        if zone is not None:
            published = datetime.combine(dating.date, found.clock).replace(tzinfo=zone)
        elif d.split and d.split.format != "live-blog":
            d = d.warn(ctx, f"the time {found.clock:%H:%M} has no timezone and the outlet's "
                       "is unknown", f"add `timezone:` or `source:` to {ctx.raw.metadata_path}",
                       dating.line)
    day = meta.get("date")
    if day is None and published is not None:
        day = published.astimezone(settings.zone).date()
    if day is None:
        day = dating.date
    if day is None:
        d = _warn_undated(d, ctx, dating)
    elif meta.get("date") and dating.date and dating.date != meta["date"]:
        d = d.warn(ctx, f"the metadata's date {meta['date']} differs from the text's {dating.date}",
                   "the metadata wins; correct whichever is wrong", dating.line)
    if day is not None and dating.stated_day is not None:
        expected = settings.day_number(day)
        if expected != dating.stated_day:
            d = d.warn(ctx, f"the text says day {dating.stated_day}, but {day} is day {expected} "
                       f"of the war", f"check the date (or `date:` in {ctx.raw.metadata_path})")
    return replace(d, date=day, published=published, dating=dating)


def _latest_year(settings: Settings) -> int:
    """The war's last year, that a date printed without one can fall in."""
    return settings.war_end.year if settings.war_end else settings.latest_year


def _warn_undated(d: Draft, ctx: Context, dating: Dating) -> Draft:
    fix = f"add `date: YYYY-MM-DD` to {ctx.raw.metadata_path}"
    partial = dating.partial
    if partial is not None:
        when = date(2000, partial.month, partial.day).strftime("%B %-d")
        return d.warn(ctx, f"the text gives {when} but no year, so the date is unknown", fix)
    return d.warn(ctx, "no date was found in the text", fix)


def make_items(d: Draft, ctx: Context) -> Draft:
    """Items with their day, time, section and a stable id."""
    if d.split is None:
        return d
    pieces = d.split.pieces
    when = _entry_times(d, ctx, pieces) if d.split.format == "live-blog" else {}
    site_zone = ctx.settings.zone
    source_slug = d.source.slug if d.source else (_slug(d.source_name) or None if d.source_name else None)
    items: list[Item] = []
    taken: set[str] = set()
    for index, piece in enumerate(pieces):
        stamp = when.get(index)
        day = stamp.astimezone(site_zone).date() if stamp else _piece_day(piece, d, ctx)
        clock = f"{stamp.astimezone(site_zone):%H:%M}" if stamp else None
        items.append(Item(
            id=_unique(item_id(source_slug or "", day,
                               piece.headline or " ".join(x.text for x in piece.paragraphs)), taken),
            headline=piece.headline,
            text=markdown_text(piece.paragraphs),
            date=day,
            time=clock,
            published=stamp or d.published,
            source=d.source_name,
            source_slug=source_slug,
            url=d.url,
            article_path=ctx.raw.path,
            line=piece.line,
            key_event=piece.key_event,
            section=piece.section,
        ))
    return replace(d, items=tuple(items))


def _piece_day(piece: Piece, d: Draft, ctx: Context) -> date | None:
    """The day of the heading an item stands under ("Monday 3 March", "Day 2"), else the page's."""
    if piece.day is not None:
        if piece.day.date is not None:
            return piece.day.date
        if d.date is not None:
            # The heading's year is the page's (or the one before, in early January), and its
            # printed weekday settles it.
            options = []
            for year in (d.date.year, d.date.year - 1):
                try:
                    options.append(date(year, piece.day.month, piece.day.day))
                except ValueError:
                    continue
            weekday = piece.day.weekday
            fitting = [o for o in options if weekday is None or o.weekday() == weekday]
            for day in fitting or options:
                if day <= d.date + timedelta(days=1):
                    return day
    if piece.day_heading:
        numbers = find_day_numbers(piece.day_heading)
        if numbers:
            return ctx.settings.war_start + timedelta(days=numbers[0].n - 1)
    return d.date


def _entry_times(d: Draft, ctx: Context, pieces: list[Piece]) -> dict[int, datetime]:
    """Aware times of live-blog entries. An entry's day is the day heading above it (or the
    date in its stamp, in the entries' zone); a blog that runs newest first and jumps forward by
    more than six hours has crossed midnight into the day before (the other way for oldest first)."""
    zone_name = ctx.raw.metadata.get("timezone") or (d.source.timezone if d.source else None)
    minutes = [p.clock.clock.hour * 60 + p.clock.clock.minute if p.clock else None for p in pieces]
    steps = [b - a for a, b in zip(minutes[1:], minutes[2:], strict=False)
             if a is not None and b is not None]
    newest_first = sum(s < 0 for s in steps) >= sum(s > 0 for s in steps)
    result: dict[int, datetime] = {}
    shift, previous, header = 0, None, None
    for index, piece in enumerate(pieces):
        if piece.clock is None:
            continue
        if piece.day is not None and piece.day is not header:
            header, shift, previous = piece.day, 0, None
        day = _piece_day(piece, d, ctx) if header is not None else d.date
        zone: tzinfo | None = resolve_zone(piece.clock.zone, zone_name)
        if piece.clock.zone is None and d.page is not None and d.page.zone is not None:
            zone = d.page.zone  # "All times are Kyiv time"
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
    read_structure,
    find_byline,
    date_article,
    make_items,
    apply_metadata_themes,
]


def parse_article(raw: RawArticle, sources: Sources, settings: Settings) -> Article:
    ctx = Context(raw, sources, settings)
    draft = Draft(warnings=raw.problems)
    for step in STEPS:
        draft = step(draft, ctx)
    if draft.split and draft.split.format == "live-blog":
        clocks = {p.line for p in draft.split.pieces if p.clock is not None}
        untimed = [i for i in draft.items if i.time is None and i.line in clocks]
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
        lead=tuple(draft.split.lead) if draft.split else (),
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



def explain_parse(raw: RawArticle, sources: Sources, settings: Settings) -> list[str]:
    """Why the parser read the page as it did, for `digest parse --explain`: the structure it
    recognised, every date candidate and the rule that chose one, and the lines it set aside."""
    d = find_source(Draft(), Context(raw, sources, settings))
    page = read_page(raw.text, rules_for(sources, d.source), raw.metadata.get("title"))
    split = split_page(page)
    dating = choose_date(page, settings.war_start, _latest_year(settings), raw.metadata.get("date"))
    out = [f"  structure: {split.format}: {split.why}"]
    out.append(f"  dated by:  {dating.why}")
    if dating.stated_day is not None:
        out.append(f"  stated:    day {dating.stated_day}")
    out += [f"    candidate {c}" for c in dating.candidates]
    if page.zone is not None:
        out.append(f"  times:     in {page.zone} (the page says so)")
    if split.lead:
        out.append(f"  lead:      {len(split.lead)} paragraph(s) kept as the article's lead, not items")
    if split.cut is not None:
        out.append(f"  cut:       line {split.cut.line}: the text stops mid-sentence; that item is left out")
    set_aside = [u for u in page.units if u.kind not in {"body", "bullet", "headline", "entry", "label",
                                                          "title"}]
    for unit in set_aside:
        why = f" ({unit.why})" if unit.why else ""
        out.append(f"    line {unit.number}: {unit.kind}{why}: {unit.text[:70]}")
    return out
