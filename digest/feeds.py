"""Stage `feeds`: RSS 2.0 and Atom with feedgen, one entry per day, for the site and per theme.

Everything in a feed comes from the content, never from the clock: feedgen stamps the build time
into `lastBuildDate`, `updated` and each entry unless told otherwise, so every date is set here.
Ids are minted from the day (and theme), never from `base_url` or a headline, so moving the site
or rewording a headline never re-sends old days as unread.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from . import __version__
from .cache import Memo
from .config import Theme
from .days import DayInfo, short_date, story_headline, top_story
from .model import Day, OutputFile, Story
from .render import Site


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry: a day, or the part of a day under one theme."""

    day: Day
    stories: tuple[Story, ...]
    id: str
    link: str  # site path of the page it shows
    key: str = ""  # the day's key (DayInfo.key): the entry's content is memoized by it


def entry_id(day: date, theme: str | None = None) -> str:
    """The entry's id (RSS guid, Atom id): from the day and theme only."""
    return f"digest:theme:{theme}:day:{day.isoformat()}" if theme else f"digest:day:{day.isoformat()}"


def entry_dates(entry: Entry, site: Site) -> tuple[datetime, datetime]:
    """(published, updated). Published: the latest publication time among the entry's items,
    else the start of the day in the site's timezone. Updated: bumped by a correction."""
    zone = site.config.settings.zone
    items = [item for story in entry.stories for item in story.items]
    times = [item.published for item in items if item.published is not None]
    published = max(times) if times else datetime.combine(entry.day.date, time(0), zone)
    published = published.astimezone(zone)
    corrections = [datetime.combine(item.corrected, time(0), zone)
                   for item in items if item.corrected is not None]
    updated = max([published, *corrections])
    return published, updated


def _title(entry: Entry) -> str:
    ids = {s.id for s in entry.stories}
    top = next((s for s in entry.day.key_events if s.id in ids), None)
    top = top or (entry.stories[0] if entry.stories else top_story(entry.day))
    head = f": {story_headline(top)}" if top else ""
    return f"Day {entry.day.number} — {short_date(entry.day.date)}{head}"


def _summary(entry: Entry, site: Site) -> str:
    """The day's key events (those of the entry's stories, in a theme feed) as a short list."""
    ids = {s.id for s in entry.stories}
    keys = [s for s in entry.day.key_events if s.id in ids] or list(entry.stories[:5])
    lines = Markup("").join(Markup("<li>{}</li>").format(story_headline(s)) for s in keys)
    corrected = sorted({i.corrected for s in entry.stories for i in s.items if i.corrected})
    note = Markup("")
    if corrected:
        note = Markup("<p>Corrected on {}.</p>").format(
            ", ".join(short_date(d) for d in corrected))
    return str(Markup("<ul>{}</ul>{}").format(lines, note))


def _content(entry: Entry, site: Site, theme: Theme | None) -> str:
    """The entry's full HTML, links absolute; from the memo when the day is unchanged."""
    key = _content_key(site, entry.key or entry.day, theme)
    if site.memo is not None and (data := site.memo.get(key)) is not None:
        return data.decode("utf-8")
    template = site.env.get_template("feed_entry.html")
    slugs = [theme.slug] if theme else [t.slug for t in site.themes]
    html = template.render(**site.globals(absolute=True), day=entry.day, slugs=slugs,
                           show_key_events=theme is None)
    if site.memo is not None:
        site.memo.put(key, html.encode("utf-8"))
    return html


def _content_key(site: Site, day: str | Day, theme: Theme | None) -> str:
    # A theme is in the site's fingerprint (the settings): its slug will do.
    return Memo.key("feed-entry", site.fingerprint, (day, theme.slug if theme else None))


def feed_files(site: Site, entries: Sequence[Entry], *, title: str, description: str,
               feed_id: str, page: str, rss_path: str, atom_path: str,
               theme: Theme | None = None) -> list[OutputFile]:
    """The RSS and Atom files of one feed. `entries` newest first."""
    settings = site.config.settings
    entries = list(entries)[: settings.feed_entries]
    dated = [(entry, *entry_dates(entry, site)) for entry in entries]
    fallback = datetime.combine(settings.war_start, time(0), settings.zone)
    feed_updated = max((updated for _, _, updated in dated), default=fallback)
    out = []
    for path, kind in ((rss_path, "rss"), (atom_path, "atom")):
        fg = FeedGenerator()
        fg.id(feed_id)
        fg.title(title)
        fg.subtitle(description)
        fg.description(description)
        fg.language(settings.language)
        fg.author({"name": settings.title})
        fg.generator("digest", version=__version__)
        # The self link first: feedgen takes the last link as RSS's <link>, the site's page.
        fg.link(href=site.urls.absolute(path), rel="self",
                type="application/rss+xml" if kind == "rss" else "application/atom+xml")
        fg.link(href=site.urls.absolute(page), rel="alternate")
        fg.updated(feed_updated)  # sets lastBuildDate too: from content, not the clock
        for entry, published, updated in dated:
            fe = fg.add_entry(order="append")
            fe.id(entry.id)
            fe.guid(entry.id, permalink=False)
            fe.title(_title(entry))
            fe.link(href=site.urls.absolute(entry.link))
            fe.published(published)
            fe.updated(updated)
            fe.content(_content(entry, site, theme), type="html")
            fe.summary(_summary(entry, site), type="html")
        data = fg.rss_str(pretty=True) if kind == "rss" else fg.atom_str(pretty=True)
        out.append(OutputFile(path, data, f"{kind} feed {feed_id}"))
    return out


def render_feeds(site: Site) -> list[OutputFile]:
    """/feed.xml and /atom.xml, and the same for every theme."""
    infos = list(reversed(site.days.infos))
    settings = site.config.settings
    files = _feed(site, infos[:settings.feed_entries], None, title=settings.title,
                  description=settings.description, feed_id="digest:feed", page="",
                  rss_path="feed.xml", atom_path="atom.xml")
    for theme in site.themes:
        days = [info for info in infos if theme.slug in info.themes][:settings.feed_entries]
        files += _feed(
            site, days, theme, title=f"{settings.title}: {theme.name}",
            description=theme.description or f"{theme.name}, day by day.",
            feed_id=f"digest:theme:{theme.slug}", page=site.urls.theme(theme.slug),
            rss_path=site.urls.theme_feed(theme.slug), atom_path=site.urls.theme_atom(theme.slug))
    site.keep_markdown()
    return files


def _feed(site: Site, days: Sequence[DayInfo], theme: Theme | None, **how: str
          ) -> list[OutputFile]:
    """One feed of `days` (newest first; under one theme, or all of them): its RSS and Atom
    files, from the memo when its days (by their keys) and settings are unchanged."""

    def entry(info: DayInfo) -> Entry:
        day = site.day(info)
        if theme is None:
            return Entry(day, day.stories, entry_id(day.date), site.urls.day(day.date), info.key)
        stories = tuple(s for s in day.stories if s.theme == theme.slug)
        link = f"{site.urls.day(day.date)}#theme-{theme.slug}-{day.date.isoformat()}"
        return Entry(day, stories, entry_id(day.date, theme.slug), link, info.key)

    def make() -> bytes:
        rss, atom = feed_files(site, [entry(info) for info in days], theme=theme, **how)
        return marshal.dumps((rss.data, atom.data))

    if site.memo is not None:
        # The entries' content behind a feed that did not change is still wanted next time.
        site.memo.store.keep(_content_key(site, info.key, theme) for info in days)
    data = site.memoized("feed", (how, theme.slug if theme else None,
                                  [info.key for info in days]), make,
                         paths=(how["rss_path"], how["atom_path"]))
    rss, atom = marshal.loads(data)
    return [OutputFile(how["rss_path"], rss, f"rss feed {how['feed_id']}"),
            OutputFile(how["atom_path"], atom, f"atom feed {how['feed_id']}")]
