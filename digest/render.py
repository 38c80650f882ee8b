"""Stage `render`: Days -> the site's pages, as OutputFiles (only `build` writes them).

Templates are Jinja with autoescape on and StrictUndefined. The defaults ship inside the package
(`digest/templates/`); a project's own `templates/NAME` overrides the file of the same name.
Article text is untrusted: `markdown()` is the one function that turns it into Markup, with
raw HTML off, and templates never mark article text safe themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import re
import stat
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.loaders import split_template_path
from markdown_it import MarkdownIt
from markupsafe import Markup

from .cache import Memo, code_fingerprint, digest_of, pack, unpack, worker_started
from .config import Config, ConfigError, Theme
from .days import (
    DayInfo,
    Days,
    day_title,
    long_date,
    month_name,
    short_date,
    story_headline,
    top_story,
)
from .model import Day, Item, OutputFile, Problem, Source, Story
from .output import MARKER_FILE
from .urls import Urls, anchor, output_path

JSON_FORMAT = "digest-day/1"  # bump when the day JSON changes incompatibly
STYLESHEET = "style.css"
ICON = "favicon.svg"
INDEX_EARLIER_DAYS = 30  # days listed under the latest one on the home page


def markdown_renderer(cache: dict[str, Markup] | None = None) -> Callable[[str], Markup]:
    """Markdown -> Markup. `html: False` escapes raw HTML, and markdown-it's link validation
    drops `javascript:`, `vbscript:`, `file:` and non-image `data:` links. `cache` holds
    texts rendered before (by text)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    cache = cache if cache is not None else {}

    def render(text: str) -> Markup:
        # The same text shows on its day page, its theme page and in feeds: render it once.
        if text not in cache:
            cache[text] = Markup(md.render(text))  # noqa: S704 - raw HTML is off, see above
        return cache[text]

    return render


class ProjectTemplates(FileSystemLoader):
    """The project's own templates: regular files inside the project only. A link to a file
    outside it, a FIFO (which would hang the build), a socket or a device is no template: the
    default of that name is used instead, and check_templates warns about it."""

    def __init__(self, folder: Path, root: Path):
        super().__init__(str(folder))
        self.folder = folder
        self.root = Path(os.path.realpath(root))

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        path = self.folder.joinpath(*split_template_path(template))
        if os.path.lexists(path) and not usable_template(path, self.root):
            raise TemplateNotFound(template)
        return super().get_source(environment, template)

    def list_templates(self) -> list[str]:
        return [name for name in super().list_templates()
                if usable_template(self.folder / name, self.root)]


def usable_template(path: Path, root: Path) -> bool:
    """A regular file (after links) inside the project (`root`, resolved)."""
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
    return regular and Path(os.path.realpath(path)).is_relative_to(root)


def environment(project_templates: Path | None, root: Path | None = None) -> Environment:
    """Jinja environment: the project's templates first, then the package's defaults.
    `root`: the project (default: the templates folder's parent), which no template leaves."""
    loaders: list[Any] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(ProjectTemplates(project_templates, root or project_templates.parent))
    loaders.append(PackageLoader("digest", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# --- template errors: `templates/day.html:12: what — fix`, never a Jinja traceback -----------


class TemplateProblems(ConfigError):
    """A template that cannot be compiled or rendered, each problem naming its file and line.
    A ConfigError, so that whoever stops a build for broken settings (the CLI, the preview's
    overlay) stops it the same way for this, before anything is written."""

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        return (type(self), (self.problems,))  # raised in a worker process, seen in the parent


TEMPLATE_SUFFIXES = (".html", ".xml")  # what Jinja compiles; other files are used as they are
ASSET_SUFFIXES = (".css", ".svg")


def check_templates(folder: Path, env: Environment, root: Path,
                    memo: Memo | None = None) -> list[Problem]:
    """Every problem of the project's own templates that shows without rendering: a file that
    is not UTF-8, a syntax error, an unknown filter or test (errors); a link out of the
    project, a FIFO, socket or device (warnings: ProjectTemplates skips them). All together,
    so that the editor fixes them in one go. Editor swap and backup files are no templates.
    `memo` keeps which sources compiled before: compiling them all again would cost a warm
    rebuild (a preview's, on every save) about as much as the rest of it."""
    if not folder.is_dir():
        return []
    import jinja2

    compiler = f"{jinja2.__version__} {code_fingerprint()}"  # the filters and tests are ours
    problems = []
    project = Path(os.path.realpath(root))
    for path in _walk(folder):
        name = path.relative_to(folder).as_posix()
        if any(part.startswith((".", "#")) for part in name.split("/")):
            continue
        shown = _lexical(path, root)  # a link's own name, not where it leads
        if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(project):
            problems.append(Problem(
                shown, None, f"is a link to {os.path.realpath(path)}, outside the project: "
                "it is not used (the default of that name is)",
                "copy the file into the project instead of linking to it"))
            continue
        if not name.endswith(TEMPLATE_SUFFIXES + ASSET_SUFFIXES) or path.is_dir():
            continue
        if not usable_template(path, project):
            problems.append(Problem(shown, None, "is not a regular file (a FIFO, socket or "
                                    "device?): it is not used (the default of that name is)",
                                    "replace it with a file, or delete it"))
            continue
        try:
            data = path.read_bytes()
            source = data.decode("utf-8")
        except OSError as exc:
            problems.append(Problem(shown, None, f"cannot be read ({exc.strerror or exc})",
                                    "check the file's permissions", "error"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(shown, data.count(b"\n", 0, exc.start) + 1,
                                    "is not UTF-8 text", "save it as UTF-8", "error"))
            continue
        if name.endswith(TEMPLATE_SUFFIXES):
            key = Memo.key("template-compiles", compiler, (name, source))
            if memo is not None and memo.get(key) is not None:
                continue
            try:
                env.compile(source, name, str(path))
            except TemplateSyntaxError as exc:
                problems.append(template_problem(exc, root) or Problem(
                    shown, exc.lineno, str(exc), _SYNTAX_FIX, "error"))
                continue
            if memo is not None:
                memo.put(key, b"")
    return problems


def _lexical(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return _shown(str(path), root)


def _walk(folder: Path) -> list[Path]:
    """Everything under `folder`, links to folders listed but not entered."""
    found = []
    for top, folders, files in os.walk(folder):
        found += [Path(top, name) for name in folders + files]
    return sorted(found)


_SYNTAX_FIX = ("correct the Jinja syntax on that line: values go in {{ }}, tags in {% %}, and "
               "each {% if %}, {% for %} and {% block %} needs its {% end… %}")


def template_problem(exc: BaseException, root: Path) -> Problem | None:
    """An exception raised compiling or rendering a template, as the editor's problem: the
    template's file and line (Jinja gives them on a syntax error, and rewrites a traceback so
    that a template's frames carry its file and line), what is wrong and the fix. None when
    no template is to blame (a bug of digest, whose traceback should be seen)."""
    where: tuple[str, int | None] | None = None
    if isinstance(exc, TemplateSyntaxError):
        filename = exc.filename or exc.name
        if filename:
            where = (filename, exc.lineno)
    if where is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(TEMPLATE_SUFFIXES)]
        if frames:
            where = (frames[-1].filename, frames[-1].lineno)
    if where is None:
        return None
    message = (getattr(exc, "message", None) or str(exc)).strip().splitlines()[0]
    if isinstance(exc, TemplateSyntaxError):
        what, fix = f"template syntax: {message}", _SYNTAX_FIX
    elif isinstance(exc, UndefinedError):
        what = message
        fix = ("use a name the templates are given (the default template of the same name, in "
               "digest/templates/, shows them), or test it first with `is defined`")
    elif isinstance(exc, TemplateNotFound):
        what = f"there is no template `{exc.name}`"
        fix = f"add templates/{exc.name}, or name one of the defaults (templates/README.md)"
    else:
        what = f"{message} ({type(exc).__name__})"
        fix = "check the expression on that line"
    return Problem(_shown(where[0], root), where[1], what, fix, "error")


def _shown(filename: str, root: Path) -> str:
    """A template's file as the editor knows it: relative to the project, or, for a default
    template, to the package's folder (`digest/templates/day.html`)."""
    path = Path(filename)
    for base in (Path(os.path.realpath(root)), Path(__file__).resolve().parent.parent):
        with contextlib.suppress(ValueError, OSError):
            return Path(os.path.realpath(path)).relative_to(base).as_posix()
    return filename


@contextlib.contextmanager
def template_errors(root: Path) -> Iterator[None]:
    """Turns an exception a template caused into TemplateProblems naming it."""
    try:
        yield
    except ConfigError:
        raise
    except Exception as exc:
        problem = template_problem(exc, root)
        if problem is None:
            raise
        raise TemplateProblems([problem]) from None


@dataclass(slots=True)
class Page:
    """A file of the site before it is made: where it goes, what it is made from, how to make
    it. `inputs` are small (days by their keys, not their stories): with the site's
    fingerprint they key the page in the memo, and `make` runs only when the key is new."""

    path: str  # output path
    made_from: str  # template (or what else made it), for messages
    inputs: Any
    make: Callable[[], bytes]


@dataclass(slots=True)
class Site:
    """What every template sees, and the helpers they call."""

    config: Config
    urls: Urls
    days: Days  # oldest first; a day's stories are decoded when a page needs them
    env: Environment
    md: Callable[[str], Markup] = field(default_factory=markdown_renderer)
    stylesheet: str = ""  # site path of the content-hashed stylesheet
    icon: str = ""  # and of the icon
    memo: Memo | None = None  # pages already rendered from the same inputs
    fingerprint: str = ""  # of everything global the pages depend on (see site_fingerprint)
    keys: dict[str, str] = field(default_factory=dict)  # output path -> memo key it came from
    problems: list[Problem] = field(default_factory=list)  # warnings about the templates
    markdown: dict[str, Markup] = field(default_factory=dict)  # md's cache
    # Days whose text was shown, by key: (info, whether their Markdown was kept before).
    _md_days: dict[str, tuple[DayInfo, bool]] = field(default_factory=dict)

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

    def day(self, info: DayInfo, *, text: bool = True) -> Day:
        """The Day of an info. `text`: the page shows its stories' text; then the Markdown of
        its items, rendered in a build before, comes with it (the same text shows on its day
        page, theme pages and feeds: it is rendered once), and what is rendered now is kept
        for the next build by `keep_markdown`."""
        day = self.days.day(info)
        if text and self.memo is not None and info.key not in self._md_days:
            data = self.memo.get(self._markdown_key(info))
            found = False
            if data is not None:
                try:
                    self.markdown.update((text, Markup(html))  # noqa: S704 - made by md()
                                         for text, html in unpack(data).items())
                    found = True
                except (ValueError, TypeError, AttributeError):
                    pass  # damaged: render it again
            self._md_days[info.key] = (info, found)
        return day

    @staticmethod
    def _markdown_key(info: DayInfo) -> str:
        return Memo.key("markdown", markdown_fingerprint(), info.key)

    def keep_markdown(self) -> None:
        """Keep the Markdown of the days whose text was shown, when it was not kept before."""
        if self.memo is None:
            return
        for key, (info, found) in self._md_days.items():
            if not found:
                day = self.days.day(info)
                texts = sorted({item.text for story in day.stories for item in story.items})
                self.memo.put(self._markdown_key(info),
                              pack({text: str(self.md(text)) for text in texts}), keep=False)
                self._md_days[key] = (info, True)

    def page(self, template: str, site_path: str, inputs: Any,
             context: Callable[[], dict[str, Any]]) -> Page:
        """A page of `template`. `context()` gives its title, description, feeds (title, mime
        type, site path for autodiscovery links) and template variables; `inputs` must hold
        everything that context is made of."""

        def make() -> bytes:
            made = context()
            return self._render(template, site_path, **made).data

        return Page(output_path(site_path), template, inputs, make)

    def produce(self, pages: Sequence[Page]) -> list[OutputFile]:
        """The pages' files: from the memo when their inputs (and the site's fingerprint) are
        unchanged, else made now (in worker processes when there are many)."""
        if self.memo is None:
            made = self._make([*pages])
            return [OutputFile(p.path, data, p.made_from) for p, data in zip(pages, made,
                                                                              strict=True)]
        keys = [Memo.key("page", self.fingerprint, (p.path, p.made_from, p.inputs))
                for p in pages]
        found = self.memo.get_many(keys)
        missing = [n for n, key in enumerate(keys) if key not in found]
        for n, data in zip(missing, self._make([pages[n] for n in missing]), strict=True):
            found[keys[n]] = data
            self.memo.put(keys[n], data)
        self.keep_markdown()
        files = []
        for page, key in zip(pages, keys, strict=True):
            self.keys[page.path] = key
            files.append(OutputFile(page.path, found[key], page.made_from))
        return files

    def _make(self, pages: list[Page]) -> list[bytes]:
        workers = os.cpu_count() or 1
        if len(pages) < PARALLEL_PAGES or workers < 2 or not _can_fork() or self.memo is None:
            return [page.make() for page in pages]
        # The workers must not read the cache (a database connection does not survive a
        # fork): what they may need of it is read first, as bytes (the days and their
        # Markdown; each worker decodes what its pages need). The Markdown no build kept yet
        # is rendered first, in parallel too, so that no text is rendered twice.
        infos = self.days.infos
        markdown = {self._markdown_key(info): info for info in infos}
        found = self.memo.get_many([info.key for info in infos] + list(markdown))
        lacking = [info for key, info in markdown.items() if key not in found]
        texts = sorted({item.text for info in lacking for story in self.days.day(info).stories
                        for item in story.items} - self.markdown.keys())
        global _FORKED
        _FORKED = (self, pages)
        context = mp.get_context("fork")
        try:
            if len(texts) >= PARALLEL_PAGES:
                with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                         initializer=_forked) as pool:
                    size = max(64, len(texts) // (workers * 4))
                    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
                    for chunk, html in zip(chunks, pool.map(_markdown_html, chunks),
                                           strict=True):
                        self.markdown.update(zip(chunk, map(Markup, html), strict=True))
            for info in lacking:
                self._md_days[info.key] = (info, False)
            self.keep_markdown()  # in the store (its memory, which the workers share)
            with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_forked) as pool:
                size = max(4, min(64, len(pages) // (workers * 4)))
                starts = range(0, len(pages), size)
                return [data for made in pool.map(_make_pages, starts, [size] * len(starts))
                        for data in made]
        finally:
            _FORKED = None

    def memoized(self, kind: str, inputs: Any, make: Callable[[], bytes],
                 paths: Sequence[str] = ()) -> bytes:
        """`make()`, or what it made before from the same inputs and site fingerprint.
        `paths`: the output files the result is (recorded in `keys`)."""
        if self.memo is None:
            return make()
        key = Memo.key(kind, self.fingerprint, inputs)
        data = self.memo.get(key)
        if data is None:
            data = make()
            self.memo.put(key, data)
        for path in paths:
            self.keys[path] = key
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


PARALLEL_PAGES = 400  # fewer pages to make than this are quicker in one process
_FORKED: tuple[Site, list[Page]] | None = None  # what forked workers make pages of


def _can_fork() -> bool:
    """Whether worker processes can be forked safely: on Linux, from the main thread (another
    thread, such as a preview's server, may hold a lock that a forked worker would wait for)."""
    return sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() \
        and threading.current_thread() is threading.main_thread()


def _forked() -> None:
    """A forked worker renders from memory only: the cache's connection stays the parent's."""
    worker_started()
    if _FORKED is not None and _FORKED[0].memo is not None:
        _FORKED[0].memo.store.detach()


def _make_pages(start: int, size: int) -> list[bytes]:
    """In a forked worker: pages[start:start + size]. A template's error is named here,
    where its traceback is: the parent gets the exception without it."""
    assert _FORKED is not None
    with template_errors(_FORKED[0].config.settings.root):
        return [page.make() for page in _FORKED[1][start:start + size]]


def _markdown_html(texts: list[str]) -> list[str]:
    """In a forked worker: the HTML of each text."""
    assert _FORKED is not None
    md = _FORKED[0].md
    return [str(md(text)) for text in texts]


_SPACE = re.compile(r"\s")  # the characters str.isspace() is true of


@lru_cache(maxsize=65536)
def web_link(url: str | None) -> str | None:
    """An outlet's URL when it is http(s); anything else (`javascript:`...) is no link."""
    if url and url.lower().startswith(("https://", "http://")) and not _SPACE.search(url):
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
    """What render and feeds share: templates, helpers, the Markdown cache, the page memo.
    `days` may be `Days` (from the day stage, decoded as pages need them) or Day objects."""
    folder = config.settings.root / config.settings.templates
    env = env or environment(folder, config.settings.root)
    problems = check_templates(folder, env, config.settings.root, memo)
    if any(p.severity == "error" for p in problems):
        raise TemplateProblems([p for p in problems if p.severity == "error"])
    site = Site(config, urls, days if isinstance(days, Days) else Days.of(days), env,
                stylesheet=stylesheet(env).path, icon=asset(env, ICON).path, memo=memo,
                problems=problems)
    site.md = markdown_renderer(site.markdown)
    if memo is not None:
        site.fingerprint = site_fingerprint(env, config, urls)
    return site


@lru_cache(maxsize=1)
def markdown_fingerprint() -> str:
    """What the HTML of a Markdown text depends on besides the text."""
    import markdown_it

    return digest_of(code_fingerprint(), markdown_it.__version__)


def site_fingerprint(env: Environment, config: Config, urls: Urls) -> str:
    """Everything global a page depends on: the code (and the libraries that render), every
    template, the settings, the address. A page is taken from the memo only when this and its
    own inputs are unchanged."""
    import feedgen.version
    import jinja2

    assert env.loader is not None
    h = hashlib.sha256(code_fingerprint().encode())
    h.update(f"{markdown_fingerprint()} {jinja2.__version__} {feedgen.version.version_str}"
             .encode())
    for name in sorted(env.list_templates()):
        try:
            source = env.loader.get_source(env, name)[0]
        except (UnicodeDecodeError, OSError):  # no template (an editor's swap file): no page uses it
            source = "\0unreadable"
        h.update(name.encode() + b"\0" + source.encode())
    # Where the project is does not change a page (and moving it should not make them again).
    h.update(repr((replace(config, settings=replace(config.settings, root=Path())),
                   urls)).encode())
    return h.hexdigest()


def render_site(site: Site) -> list[OutputFile]:
    """Every file of the site but the feeds."""
    files = [stylesheet(site.env), asset(site.env, ICON)]
    files += site.produce([*day_pages(site), index_page(site), archive_page(site),
                           not_found_page(site), *theme_pages(site), *source_pages(site),
                           *day_jsons(site)])
    files += site_files(site, [f.path for f in files])
    return files


def _bare(info: DayInfo | None) -> Day | None:
    """A day without its stories, for pages that only name it: then a page's memo key need
    not hold (and the page cannot depend on) that day's whole content."""
    return Day(info.date, info.number, ()) if info is not None else None


def _named(info: DayInfo | None) -> tuple[date, int] | None:
    """What a page that names a day (and no more) depends on."""
    return (info.date, info.number) if info is not None else None


def day_pages(site: Site) -> list[Page]:
    pages = []
    infos = site.days.infos
    for n, info in enumerate(infos):
        previous = infos[n - 1] if n > 0 else None
        following = infos[n + 1] if n + 1 < len(infos) else None

        def context(info: DayInfo = info, previous: DayInfo | None = previous,
                    following: DayInfo | None = following) -> dict[str, Any]:
            day = site.day(info)
            return {"title": day_title(day), "description": day_description(day), "day": day,
                    "previous": _bare(previous), "next": _bare(following)}

        pages.append(site.page("day.html", site.urls.day(info.date),
                               (info.key, _named(previous), _named(following)), context))
    return pages


def index_page(site: Site) -> Page:
    infos = site.days.infos
    latest = infos[-1] if infos else None
    earlier = list(reversed(infos[:-1]))[:INDEX_EARLIER_DAYS]
    previous = infos[-2] if len(infos) > 1 else None
    more = len(infos) - 1 > len(earlier)

    def context() -> dict[str, Any]:
        day = site.day(latest) if latest else None
        description = day_description(day) if day else site.config.settings.description
        return {"title": site.config.settings.title, "description": description, "day": day,
                "earlier": [site.day(i, text=False) for i in earlier],
                "previous": _bare(previous),
                "next": None, "more": more}

    return site.page("index.html", "", (latest.key if latest else None,
                                         [i.key for i in earlier], _named(previous), more),
                     context)


def archive_page(site: Site) -> Page:
    infos = site.days.infos

    def context() -> dict[str, Any]:
        months: dict[str, list[Day]] = {}
        for info in reversed(infos):
            months.setdefault(month_name(info.date), []).append(site.day(info, text=False))
        return {"title": "Archive",
                "description": f"Every day of {site.config.settings.title}, by month.",
                "months": list(months.items())}

    return site.page("archive.html", "archive/", [i.key for i in infos], context)


def not_found_page(site: Site) -> Page:
    # Served by Pages at any depth, so its links must be root-relative (they are: url()).
    return site.page("404.html", "404.html", (), lambda: {
        "title": "Page not found", "description": "There is no page at this address."})


def _paginate(days: Sequence[tuple[DayInfo, Sequence[Any]]], size: int
              ) -> list[list[tuple[DayInfo, list[Any]]]]:
    """Entries by day (newest first) cut into pages of `size` entries, each page's entries
    still by day (a day cut by the end of a page goes on on the next). One page, empty, when
    there is nothing."""
    pages: list[list[tuple[DayInfo, list[Any]]]] = []
    page: list[tuple[DayInfo, list[Any]]] = []
    room = size
    for info, entries in days:
        start = 0
        while start < len(entries):
            taken = list(entries[start:start + room])
            page.append((info, taken))
            start += len(taken)
            room -= len(taken)
            if room == 0:
                pages.append(page)
                page, room = [], size
    if page:
        pages.append(page)
    return pages or [[]]


def theme_pages(site: Site) -> list[Page]:
    # Each theme's stories, newest day first: (day, places of its stories in the day).
    by_theme: dict[str, list[tuple[DayInfo, list[int]]]] = {t.slug: [] for t in site.themes}
    for info in reversed(site.days.infos):
        places: dict[str, list[int]] = {}
        for n, slug in enumerate(info.themes):
            places.setdefault(slug, []).append(n)
        for slug, found in places.items():
            if slug in by_theme:
                by_theme[slug].append((info, found))
    pages = []
    size = site.config.settings.theme_page_size
    for theme in site.themes:
        chunks = _paginate(by_theme[theme.slug], size)
        feeds = [(f"{theme.name} (RSS)", "application/rss+xml", site.urls.theme_feed(theme.slug)),
                 (f"{theme.name} (Atom)", "application/atom+xml",
                  site.urls.theme_atom(theme.slug))]
        for number, groups in enumerate(chunks, 1):
            path = site.urls.theme(theme.slug, number)

            def context(theme: Theme = theme, number: int = number, count: int = len(chunks),
                        groups: list[tuple[DayInfo, list[int]]] = groups,
                        feeds: list[tuple[str, str, str]] = feeds) -> dict[str, Any]:
                suffix = f" (page {number})" if number > 1 else ""
                return {
                    "title": theme.name + suffix,
                    "description": theme.description or f"{theme.name}, day by day.",
                    "feeds": feeds, "theme": theme,
                    "groups": [(_bare(info), [site.day(info).stories[n] for n in places])
                               for info, places in groups],
                    "page_number": number, "page_count": count,
                    "page_url": lambda n, at=theme.slug: site.urls.theme(at, n)}

            # The theme itself is in the site's fingerprint (the settings): its slug will do.
            pages.append(site.page("theme.html", path, (
                theme.slug, [(info.key, places) for info, places in groups], number,
                len(chunks)), context))
    return pages


def source_pages(site: Site) -> list[Page]:
    """One page (or more) per outlet: its items, newest day first, each linked to its story."""
    # slug -> (name, [(day, [(place of the story in the day, place of the item in the story)])])
    outlets: dict[str, tuple[str, list[tuple[DayInfo, tuple[tuple[int, int], ...]]]]] = {}
    for info in reversed(site.days.infos):
        for slug, name, places in info.outlets:
            outlets.setdefault(slug, (name, []))[1].append((info, places))
    pages = []
    for slug in sorted(outlets):
        name, days = outlets[slug]
        source = site.config.sources.by_name(slug)
        chunks = _paginate(days, site.config.settings.theme_page_size)
        for number, groups in enumerate(chunks, 1):

            def context(slug: str = slug, name: str = name, source: Source | None = source,
                        number: int = number, count: int = len(chunks),
                        groups: list[tuple[DayInfo, list[tuple[int, int]]]] = groups
                        ) -> dict[str, Any]:
                suffix = f" (page {number})" if number > 1 else ""
                return {
                    "title": name + suffix, "description": f"What {name} reported, day by day.",
                    "name": name, "source": source,
                    "groups": [(_bare(info), [_outlet_entry(site.day(info, text=False), at)
                                              for at in places]) for info, places in groups],
                    "page_number": number, "page_count": count,
                    "page_url": lambda n, at=slug: site.urls.source(at, n)}

            # The outlet's entry in sources.yaml is in the site's fingerprint: its slug will do.
            pages.append(site.page("source.html", site.urls.source(slug, number), (
                slug, name, [(info.key, places) for info, places in groups], number,
                len(chunks)), context))
    return pages


def _outlet_entry(day: Day, at: tuple[int, int]) -> tuple[Item, Story]:
    """An item of an outlet's page, and its story: the page shows the item and names its
    story, so it is given no more of the story than that."""
    story = day.stories[at[0]]
    item = story.items[at[1]]
    return item, Story(story.id, story.date, story_headline(story), story.theme, (item,))


# --- machine-readable files -----------------------------------------------------------------


def day_jsons(site: Site) -> list[Page]:
    """The documented JSON form of each day (see README: "The day JSON")."""
    return [Page(site.urls.day_json(info.date), f"day {info.date}", info.key,
                 lambda info=info: _day_json(site, site.day(info, text=False)))
            for info in site.days.infos]


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
    """sitemap.xml, robots.txt, .nojekyll, the marker and CNAME."""
    lastmod: dict[str, date] = {output_path(site.urls.day(d.date)): d.date
                                for d in site.days.infos}
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
        MARKER_FILE,  # says digest wrote the folder: a build replaces only a folder that has it
    ]
    if site.config.settings.cname:
        files.append(OutputFile("CNAME", (site.config.settings.cname + "\n").encode(), "cname"))
    return files
