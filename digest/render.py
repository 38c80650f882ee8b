"""Stage `render`: Days -> the site's pages, as OutputFiles (only `build` writes them).

Templates are Jinja with autoescape on and StrictUndefined. The defaults ship inside the package
(`digest/templates/`); a project's own `templates/NAME` overrides the file of the same name.
Article text is untrusted: `markdown()` is the one function that turns it into Markup, with
raw HTML off, and templates never mark article text safe themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markdown_it import MarkdownIt
from markupsafe import Markup

from .cache import Memo, code_fingerprint
from .config import Config, Theme
from .days import day_title, long_date, month_name, short_date, story_headline, top_story
from .model import Day, Item, OutputFile, Story
from .urls import Urls, anchor, output_path

JSON_FORMAT = "digest-day/1"  # bump when the day JSON changes incompatibly
STYLESHEET = "style.css"
ICON = "favicon.svg"
INDEX_EARLIER_DAYS = 30  # days listed under the latest one on the home page


def markdown_renderer() -> Callable[[str], Markup]:
    """Markdown -> Markup. `html: False` escapes raw HTML, and markdown-it's link validation
    drops `javascript:`, `vbscript:`, `file:` and non-image `data:` links."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    cache: dict[str, Markup] = {}

    def render(text: str) -> Markup:
        # The same text shows on its day page, its theme page and in feeds: render it once.
        if text not in cache:
            cache[text] = Markup(md.render(text))  # noqa: S704 - raw HTML is off, see above
        return cache[text]

    return render


def environment(project_templates: Path | None) -> Environment:
    """Jinja environment: the project's templates first, then the package's defaults."""
    loaders: list[Any] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(FileSystemLoader(str(project_templates)))
    loaders.append(PackageLoader("digest", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(slots=True)
class Site:
    """What every template sees, and the helpers they call."""

    config: Config
    urls: Urls
    days: tuple[Day, ...]  # oldest first
    env: Environment
    md: Callable[[str], Markup] = field(default_factory=markdown_renderer)
    stylesheet: str = ""  # site path of the content-hashed stylesheet
    icon: str = ""  # and of the icon
    memo: Memo | None = None  # pages already rendered from the same inputs
    fingerprint: str = ""  # of everything global the pages depend on (see site_fingerprint)

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.config.themes

    def theme_name(self, slug: str) -> str:
        theme = self.config.theme(slug)
        return theme.name if theme else slug

    def item_datetime(self, item: Item) -> str:
        """ISO time of an item for `<time datetime=>`, in the site's timezone."""
        zone = self.config.settings.zone
        if item.published is not None:
            return item.published.astimezone(zone).isoformat(timespec="minutes")
        if item.date is not None and item.time:
            hour, minute = (int(x) for x in item.time.split(":")[:2])
            return datetime.combine(item.date, time(hour, minute), zone).isoformat(
                timespec="minutes")
        return item.date.isoformat() if item.date else ""

    def globals(self, absolute: bool = False) -> dict[str, Any]:
        """Template globals; `absolute` makes every link absolute (feed content)."""
        url = self.urls.absolute if absolute else self.urls.path
        return {
            "site": self.config.settings, "themes": self.themes, "theme_name": self.theme_name,
            "url": url, "abs_url": self.urls.absolute, "paths": self.urls, "md": self.md,
            "anchor": anchor, "day_title": day_title, "long_date": long_date,
            "short_date": short_date, "month_name": month_name, "headline": story_headline,
            "top_story": top_story, "item_datetime": self.item_datetime,
            "stylesheet": self.stylesheet, "icon": self.icon, "link": web_link,
        }

    def render(self, template: str, site_path: str, *, title: str, description: str,
               feeds: Sequence[tuple[str, str, str]] = (), inputs: Any = None,
               **context: Any) -> OutputFile:
        """One page. `feeds` are (title, mime type, site path) for autodiscovery links.
        `inputs`, when given, must hold everything the context is made of: the page is then
        taken from the memo when they (and the site's fingerprint) are unchanged."""
        if inputs is None:
            return self._render(template, site_path, title=title, description=description,
                                feeds=feeds, **context)
        data = self.memoized(f"page-{template}", (site_path, inputs), lambda: self._render(
            template, site_path, title=title, description=description, feeds=feeds,
            **context).data)
        return OutputFile(output_path(site_path), data, template)

    def memoized(self, kind: str, inputs: Any, make: Callable[[], bytes]) -> bytes:
        """`make()`, or what it made before from the same inputs and site fingerprint."""
        if self.memo is None:
            return make()
        key = Memo.key(kind, self.fingerprint, inputs)
        data = self.memo.get(key)
        if data is None:
            data = make()
            self.memo.put(key, data)
        return data

    def _render(self, template: str, site_path: str, *, title: str, description: str,
                feeds: Sequence[tuple[str, str, str]] = (), **context: Any) -> OutputFile:
        all_feeds = [
            (f"{self.config.settings.title} (RSS)", "application/rss+xml", "feed.xml"),
            (f"{self.config.settings.title} (Atom)", "application/atom+xml", "atom.xml"),
            *feeds,
        ]
        page = {"title": title, "description": _clip(description), "path": site_path,
                "feeds": all_feeds}
        html = self.env.get_template(template).render(
            **self.globals(), page=page, **context)
        return OutputFile(output_path(site_path), html.encode("utf-8"), template)


def web_link(url: str | None) -> str | None:
    """An outlet's URL when it is http(s); anything else (`javascript:`...) is no link."""
    if url and url.lower().startswith(("https://", "http://")) and not any(
            c.isspace() for c in url):
        return url
    return None


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def day_description(day: Day) -> str:
    heads = [story_headline(s) for s in (day.key_events or day.stories)]
    return f"{day_title(day)}: " + "; ".join(heads)


def asset(env: Environment, name: str) -> OutputFile:
    """A static file of the templates under a content-hashed name: Pages caches files for
    ten minutes, so a changed stylesheet must have a new name to be seen."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    data = source.encode("utf-8")
    stem, _, suffix = name.rpartition(".")
    return OutputFile(f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{suffix}", data,
                      name)


def stylesheet(env: Environment) -> OutputFile:
    return asset(env, STYLESHEET)


# --- the pages ------------------------------------------------------------------------------


def make_site(days: Sequence[Day], config: Config, urls: Urls,
              env: Environment | None = None, memo: Memo | None = None) -> Site:
    """What render and feeds share: templates, helpers, the Markdown cache, the page memo."""
    env = env or environment(config.settings.root / config.settings.templates)
    site = Site(config, urls, tuple(days), env, stylesheet=stylesheet(env).path,
                icon=asset(env, ICON).path, memo=memo)
    if memo is not None:
        site.fingerprint = site_fingerprint(env, config, urls)
    return site


def site_fingerprint(env: Environment, config: Config, urls: Urls) -> str:
    """Everything global a page depends on: the code, every template, the settings, the
    address. A page is taken from the memo only when this and its own inputs are unchanged."""
    assert env.loader is not None
    h = hashlib.sha256(code_fingerprint().encode())
    for name in sorted(env.list_templates()):
        h.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode())
    h.update(repr((config, urls)).encode())
    return h.hexdigest()


def render_site(site: Site) -> list[OutputFile]:
    """Every file of the site but the feeds."""
    files = [stylesheet(site.env), asset(site.env, ICON)]
    files += day_pages(site)
    files += [index_page(site), archive_page(site), not_found_page(site)]
    files += theme_pages(site)
    files += source_pages(site)
    files += [day_json(site, day) for day in site.days]
    files += site_files(site, [f.path for f in files])
    return files


def day_pages(site: Site) -> list[OutputFile]:
    files = []
    for n, day in enumerate(site.days):
        previous = site.days[n - 1] if n > 0 else None
        following = site.days[n + 1] if n + 1 < len(site.days) else None
        files.append(site.render(
            "day.html", site.urls.day(day.date), title=day_title(day),
            description=day_description(day), day=day, previous=_bare(previous),
            next=_bare(following), inputs=(day, _bare(previous), _bare(following))))
    return files


def index_page(site: Site) -> OutputFile:
    latest = site.days[-1] if site.days else None
    earlier = list(reversed(site.days[:-1]))[:INDEX_EARLIER_DAYS]
    description = day_description(latest) if latest else site.config.settings.description
    return site.render("index.html", "", title=site.config.settings.title,
                       description=description, day=latest, earlier=earlier,
                       previous=_bare(site.days[-2]) if len(site.days) > 1 else None, next=None,
                       more=len(site.days) - 1 > len(earlier))


def archive_page(site: Site) -> OutputFile:
    months: dict[str, list[Day]] = {}
    for day in reversed(site.days):
        months.setdefault(month_name(day.date), []).append(day)
    return site.render("archive.html", "archive/", title="Archive",
                       description=f"Every day of {site.config.settings.title}, by month.",
                       months=list(months.items()))


def not_found_page(site: Site) -> OutputFile:
    # Served by Pages at any depth, so its links must be root-relative (they are: url()).
    return site.render("404.html", "404.html", title="Page not found",
                       description="There is no page at this address.")


def _pages(entries: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [entries[i:i + size] for i in range(0, len(entries), size)] or [[]]


def _bare(day: Day | None) -> Day | None:
    """A day without its stories, for pages that only name it: then a page's memo key need
    not hold (and the page cannot depend on) that day's whole content."""
    return Day(day.date, day.number, ()) if day is not None else None


def _by_day(entries: Sequence[tuple[Day, Any]]) -> list[tuple[Day, list[Any]]]:
    grouped: list[tuple[Day, list[Any]]] = []
    for day, entry in entries:
        if not grouped or grouped[-1][0].date != day.date:
            grouped.append((_bare(day) or day, []))
        grouped[-1][1].append(entry)
    return grouped


def theme_pages(site: Site) -> list[OutputFile]:
    files = []
    size = site.config.settings.theme_page_size
    for theme in site.themes:
        entries = [(day, s) for day in reversed(site.days) for s in day.stories
                   if s.theme == theme.slug]
        pages = _pages(entries, size)
        feeds = [(f"{theme.name} (RSS)", "application/rss+xml", site.urls.theme_feed(theme.slug)),
                 (f"{theme.name} (Atom)", "application/atom+xml",
                  site.urls.theme_atom(theme.slug))]
        for number, chunk in enumerate(pages, 1):
            path = site.urls.theme(theme.slug, number)
            suffix = f" (page {number})" if number > 1 else ""
            groups = _by_day(chunk)
            files.append(site.render(
                "theme.html", path, title=theme.name + suffix,
                description=theme.description or f"{theme.name}, day by day.", feeds=feeds,
                theme=theme, groups=groups, page_number=number, page_count=len(pages),
                page_url=lambda n, slug=theme.slug: site.urls.theme(slug, n),
                inputs=(theme, groups, number, len(pages))))
    return files


def source_pages(site: Site) -> list[OutputFile]:
    """One page (or more) per outlet: its items, newest day first, each linked to its story."""
    outlets: dict[str, tuple[str, list[tuple[Day, tuple[Item, Story]]]]] = {}
    for day in reversed(site.days):
        for story in day.stories:
            for item in story.items:
                if item.source_slug:
                    name = item.source or item.source_slug
                    # The page shows the item and names its story: give it no more than that.
                    named = Story(story.id, story.date, story_headline(story), story.theme,
                                  (item,))
                    outlets.setdefault(item.source_slug, (name, []))[1].append((day, (item, named)))
    files = []
    for slug in sorted(outlets):
        name, entries = outlets[slug]
        source = site.config.sources.by_name(slug)
        pages = _pages(entries, site.config.settings.theme_page_size)
        for number, chunk in enumerate(pages, 1):
            suffix = f" (page {number})" if number > 1 else ""
            groups = _by_day(chunk)
            files.append(site.render(
                "source.html", site.urls.source(slug, number), title=name + suffix,
                description=f"What {name} reported, day by day.", name=name, source=source,
                groups=groups, page_number=number, page_count=len(pages),
                page_url=lambda n, slug=slug: site.urls.source(slug, n),
                inputs=(name, source, groups, number, len(pages))))
    return files


# --- machine-readable files -----------------------------------------------------------------


def day_json(site: Site, day: Day) -> OutputFile:
    """The documented JSON form of a day (see README: "The day JSON")."""
    data = site.memoized("day-json", day, lambda: _day_json(site, day))
    return OutputFile(site.urls.day_json(day.date), data, f"day {day.date}")


def _day_json(site: Site, day: Day) -> bytes:
    stories = []
    items = []
    keys = {s.id for s in day.key_events}
    for story in day.stories:
        stories.append({
            "id": story.id, "headline": story.headline, "theme": story.theme,
            "key_event": story.id in keys,
            "outlets": [{"name": name, "url": web_link(url)} for name, url in story.outlets],
            "items": [item.id for item in story.items],
        })
        for item in story.items:
            items.append({
                "id": item.id, "story": story.id, "headline": item.headline,
                "theme": story.theme, "outlet": item.source, "outlet_slug": item.source_slug,
                "url": web_link(item.url), "time": item.time,
                "published": item.published.isoformat() if item.published else None,
                "text": item.text,
                "corrected": item.corrected.isoformat() if item.corrected else None,
                "correction_note": item.correction_note,
            })
    data = {
        "format": JSON_FORMAT, "date": day.date.isoformat(), "day": day.number,
        "title": day_title(day), "url": site.urls.absolute(site.urls.day(day.date)),
        "key_events": [s.id for s in day.key_events], "stories": stories, "items": items,
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def site_files(site: Site, paths: Sequence[str]) -> list[OutputFile]:
    """sitemap.xml, robots.txt, .nojekyll and CNAME."""
    lastmod: dict[str, date] = {output_path(site.urls.day(d.date)): d.date for d in site.days}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(p for p in paths if p.endswith(".html") and p != "404.html"):
        page = path.removesuffix("index.html")
        mod = f"<lastmod>{lastmod[path].isoformat()}</lastmod>" if path in lastmod else ""
        # Paths are made of slugs and dates: nothing in them needs XML escaping.
        lines.append(f"  <url><loc>{site.urls.absolute(page)}</loc>{mod}</url>")
    lines.append("</urlset>\n")
    files = [
        OutputFile("sitemap.xml", "\n".join(lines).encode("utf-8"), "sitemap"),
        OutputFile("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: "
                   f"{site.urls.absolute('sitemap.xml')}\n".encode(), "robots"),
        # Without it Pages runs Jekyll, which drops files whose names start with "_".
        OutputFile(".nojekyll", b"", "GitHub Pages"),
    ]
    if site.config.settings.cname:
        files.append(OutputFile("CNAME", (site.config.settings.cname + "\n").encode(), "cname"))
    return files
