"""The data that flows through the pipeline: small frozen dataclasses, changed with `replace`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something an editor must know about an input, phrased as what is wrong and the fix."""

    path: str  # project-relative file the problem is in
    line: int | None  # 1-based line in that file, when known
    message: str  # what is wrong
    fix: str  # what the editor should do
    severity: Severity = "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} — {self.fix}"


@dataclass(frozen=True, slots=True)
class Source:
    """An outlet, as described in sources.yaml."""

    slug: str  # [a-z0-9-], used in URLs (/source/SLUG/)
    name: str  # display name, e.g. "The Kyiv Independent"
    home: str  # home page URL
    domains: tuple[str, ...] = ()  # hosts of its article URLs
    recognise: tuple[str, ...] = ()  # regexes; any match in an article's text names this outlet
    clutter: tuple[str, ...] = ()  # regexes for whole lines of site clutter on its pages
    end: tuple[str, ...] = ()  # regexes for a line after which nothing is article text
    timezone: str | None = None  # zone of times printed on its pages without one
    label: str | None = None  # e.g. "Russian state media"


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One input file, decoded, with the metadata from the sidecar beside it."""

    path: str  # project-relative path of the article file
    text: str  # decoded, NFC, "\n" newlines, no control characters but tab and newline
    metadata: dict[str, Any] = field(default_factory=dict)  # validated sidecar fields
    metadata_path: str | None = None  # where the sidecar is, or would be
    content_hash: str = ""  # hash of the bytes of the article and its sidecar
    problems: tuple[Problem, ...] = ()  # found while reading (sidecar mistakes, odd encodings)


@dataclass(frozen=True, slots=True)
class Item:
    """One piece of news: a summary section, a live-blog entry, a story, or a hand-written item."""

    id: str  # stable: from outlet, date and headline (or first words); never from a URL
    headline: str | None  # None for a live-blog entry without one
    text: str  # Markdown
    date: date | None  # the day it belongs to, in the site's timezone
    time: str | None = None  # "HH:MM" in the site's timezone, for live-blog entries
    published: datetime | None = None  # aware, when the text or metadata gives a time
    theme: str | None = None  # a slug of themes.yaml, set by the theme stage
    source: str | None = None  # outlet's display name; None when unknown
    source_slug: str | None = None
    url: str | None = None  # the article's URL, when known
    article_path: str = ""  # the file it came from
    line: int | None = None  # where it starts in that file
    key_event: bool = False  # the outlet listed it among its own key events
    section: str | None = None  # the theme heading it stood under on its page ("Fighting")
    corrected: date | None = None  # when an editor corrected it (content/ overrides)
    correction_note: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """What the parser read out of one RawArticle."""

    path: str
    source: str | None  # outlet's display name; None when unknown
    source_slug: str | None
    url: str | None
    title: str | None
    author: str | None
    published: datetime | None  # aware
    date: date | None  # None when neither the text nor the metadata gives it
    day_number: int | None
    format: str  # "summary" | "live-blog" | "story" | "story-with-sections"
    key_events: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()  # the standfirst or introduction: a summary, not an item
    items: tuple[Item, ...] = ()
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """The items of one day, from one or more outlets, that report the same event."""

    id: str  # the id of its lead item: stable as long as that item is
    date: date
    headline: str | None
    theme: str
    items: tuple[Item, ...]  # the lead item (fullest text) first
    key_event_score: float = 0.0  # how strongly it belongs among the day's key events

    @property
    def lead(self) -> Item:
        return self.items[0]

    @property
    def outlets(self) -> tuple[tuple[str, str | None], ...]:
        """(name, url) of every outlet that reported it, each once, in item order."""
        seen: dict[str, str | None] = {}
        for item in self.items:
            name = item.source or "Unknown outlet"
            if name not in seen or (seen[name] is None and item.url):
                seen[name] = item.url
        return tuple(seen.items())


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the war, in the site's timezone."""

    date: date
    number: int  # day 1 is the war's first day (digest.yaml: war_start)
    stories: tuple[Story, ...]  # grouped by theme in theme order
    key_events: tuple[Story, ...] = ()  # the day's top stories, best first


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A file of the site as render and feeds return it; only build writes it."""

    path: str  # relative to the output folder, posix, e.g. "day/2023-09-28/index.html"
    data: bytes
    made_from: str = ""  # what produced it, for messages ("day 2023-09-28", "feed")
