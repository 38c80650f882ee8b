"""`digest ingest`: raw articles from files, saved pages, feeds, URLs or stdin, into seeds/.

Each article is stored as it came (a page stays `.html`, read.py extracts its text at read
time, so a better extractor later improves old pages too), with a sidecar `NAME.yaml` holding
what the command line and the feed said. Feeds are split into one article per entry.

Nothing here clobbers: files are written to a hidden staging folder and hard-linked into place,
which fails rather than replaces when the name is taken; the same article twice (same URL, or
same bytes) is recognised and not added again. Dates are never guessed: an article without one
is stored as `undated-...` and reported, for the editor to add `date:` to its sidecar.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from . import __version__
from .config import Config
from .content import slugify
from .model import Article, Problem
from .read import (
    ARTICLE_SUFFIXES,
    SIDECAR_SUFFIXES,
    ReadError,
    discover_articles,
    parse_sidecar,
    read_article,
    relative,
)

FETCH_TIMEOUT = 15.0  # seconds; a news page that takes longer is not coming
MAX_BYTES = 20 * 1024 * 1024  # no article or feed is this big; a bigger answer is not one
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<meta|<title|<!--)", re.I)
_FEED_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)\b",
                         re.I | re.S)

Parser = Callable[[Any, Config], Article]  # (RawArticle, config) -> Article


class IngestError(Exception):
    """An input that cannot be taken at all (unreachable URL, missing file)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Input:
    """One article to store: its bytes and what we know about it besides them."""

    label: str  # where it came from, for messages
    data: bytes
    suffix: str  # ".txt" or ".html"
    metadata: dict[str, Any] = field(default_factory=dict)  # sidecar fields
    urls: tuple[str, ...] = ()  # every address it is known by, for recognising it again


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one Input."""

    label: str
    path: str  # project-relative: the new file, or the one it duplicates
    added: bool
    why: str = ""  # for a duplicate: "same URL" or "same bytes"
    article: Article | None = None  # as parsed from the stored file
    problems: tuple[Problem, ...] = ()


# --- getting the bytes ----------------------------------------------------------------------


def fetch(url: str, timeout: float = FETCH_TIMEOUT) -> tuple[bytes, str, str | None, str]:
    """(bytes, content type, charset, final URL) of an http(s) address, or IngestError."""
    request = urllib.request.Request(url, headers={
        "User-Agent": f"digest/{__version__} (news digest; ingest)",
        "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                  "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(MAX_BYTES + 1)
            ctype = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final = response.geturl()
    except urllib.error.HTTPError as exc:
        raise _cannot_fetch(url, f"the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        raise _cannot_fetch(url, str(reason)) from None
    except TimeoutError:
        raise _cannot_fetch(url, f"no answer within {timeout:g} s") from None
    except (OSError, HTTPException, ValueError) as exc:
        raise _cannot_fetch(url, str(exc) or type(exc).__name__) from None
    if len(data) > MAX_BYTES:
        raise _cannot_fetch(url, f"the answer is larger than {MAX_BYTES // 2**20} MB")
    return data, ctype, charset, final


def _cannot_fetch(url: str, reason: str) -> IngestError:
    return IngestError(Problem(url, None, f"cannot fetch ({reason})",
                               "check the address and the connection, or save the page from "
                               "a browser and ingest the file", "error"))


def _read_file(name: str) -> bytes:
    path = Path(name)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise IngestError(Problem(name, None, "the file is too large for an article",
                                      "ingest the article's page or text, not a whole archive",
                                      "error"))
        return path.read_bytes()
    except FileNotFoundError:
        raise IngestError(Problem(name, None, "no such file",
                                  "check the name, or give an http(s) URL", "error")) from None
    except IsADirectoryError:
        raise IngestError(Problem(name, None, "this is a folder",
                                  "name the files in it, e.g. `folder/*.html`", "error")) from None
    except OSError as exc:
        raise IngestError(Problem(name, None, f"cannot be read ({exc.strerror})",
                                  "check that the file is readable", "error")) from None


def kind_of(data: bytes, suffix: str = "", content_type: str = "") -> str:
    """"feed", "html" or "text". A feed is known by its first element whatever its name or
    type (saved feeds are `.xml`, servers call them text/xml); a page by its name, its type
    or its markup (a page saved as `.txt` is still a page)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _FEED_START.match(head):
        return "feed"
    if suffix in (".html", ".htm", ".xhtml") or content_type in ("text/html",
                                                                 "application/xhtml+xml"):
        return "html"
    if _HTML_START.match(head) or re.search(rb"<(body|p|div|article)\b[^>]*>", head, re.I):
        return "html"
    return "text"


def gather(source: str, *, url: str | None = None, stdin: BinaryIO | None = None,
           timeout: float = FETCH_TIMEOUT, known: Callable[[str], bool] = lambda _: False
           ) -> list[Input]:
    """The articles in one SOURCE argument: a file, `-`, or an http(s) URL (page or feed).
    `known(url)` says whether an address is already in seeds/, so that it is not fetched."""
    charset = None
    fetched_url = None
    if source == "-":
        if stdin is None:
            raise IngestError(Problem("-", None, "there is no standard input",
                                      "pipe the article in, or name a file", "error"))
        data, suffix, ctype, label = stdin.read(MAX_BYTES + 1), "", "", "standard input"
    elif re.match(r"^https?://", source, re.I):
        if known(source):
            return [Input(source, b"", ".html", {"url": source}, (source,))]
        data, ctype, charset, fetched_url = fetch(source, timeout)
        suffix, label = Path(source.split("?")[0]).suffix.lower(), source
    else:
        data, suffix, ctype, label = _read_file(source), Path(source).suffix.lower(), "", source
    kind = kind_of(data, suffix, ctype)
    if kind == "feed":
        return feed_entries(data, label)
    # The address in the sidecar: --url, else (after parsing) the page's canonical one, else
    # where it was fetched; all of them recognise the article next time.
    addresses = tuple(dict.fromkeys(a for a in (url, fetched_url, source if fetched_url else None)
                                    if a))
    meta: dict[str, Any] = {"url": url} if url else {}
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        meta["encoding"] = charset  # the server said so; read.py cannot know it from the bytes
    return [Input(label, data, ".html" if kind == "html" else ".txt", meta, addresses)]


def feed_entries(data: bytes, label: str) -> list[Input]:
    """One Input per entry of an RSS or Atom feed: its content (or summary) with its link,
    time, title and author. An entry's HTML is kept as a small page, so that it is read like
    any saved page."""
    import feedparser  # only feeds need it

    feed = feedparser.parse(data)  # bytes, never a URL: fetching is ours, with a timeout
    if not feed.version and not feed.entries:
        raise IngestError(Problem(label, None, "this looks like a feed but cannot be read as "
                                  "RSS or Atom", "check that it is the feed's address", "error"))
    outlet = (feed.feed.get("title") or "").strip()
    inputs = []
    for number, entry in enumerate(feed.entries, 1):
        title = " ".join((entry.get("title") or "").split())
        body, kind = _entry_body(entry)
        where = f"{label} entry {number}" + (f" ({title})" if title else "")
        if not body.strip():
            inputs.append(Input(where, b"", ".txt"))  # reported by ingest as empty
            continue
        if kind == "html":
            page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                    f"<title>{html.escape(title)}</title></head>\n"
                    f"<body><article>\n{body.strip()}\n</article></body></html>\n")
            data_out, suffix = page.encode("utf-8"), ".html"
        else:
            data_out, suffix = (f"{title}\n\n{body.strip()}\n" if title else body).encode(), ".txt"
        meta: dict[str, Any] = {}
        link = entry.get("link")
        if outlet:
            meta["source"] = outlet
        if isinstance(link, str) and re.match(r"^https?://\S+$", link):
            meta["url"] = link
        published = _entry_time(entry)
        if published:
            meta["published"] = published
        if title:
            meta["title"] = title
        if entry.get("author"):
            meta["author"] = " ".join(str(entry["author"]).split())
        inputs.append(Input(where, data_out, suffix, meta, (link,) if "url" in meta else ()))
    return inputs


def _entry_body(entry: Any) -> tuple[str, str]:
    """The fullest text of an entry, and whether it is "html" or "text"."""
    for detail in [*(entry.get("content") or []), entry.get("summary_detail")]:
        if detail and (detail.get("value") or "").strip():
            kind = "html" if "html" in (detail.get("type") or "text/html") else "text"
            return detail["value"], kind
    return "", "text"


def _entry_time(entry: Any) -> str | None:
    """The entry's publication time as ISO 8601 with its own offset; UTC when the feed's
    text cannot be read but feedparser's normalised time can. None when the entry has none."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw:
            continue
        for reader in (_rfc822, _iso):
            parsed = reader(raw)
            if parsed is not None and parsed.tzinfo is not None:
                return parsed.isoformat()
        parsed_tuple = entry.get(key + "_parsed")
        if parsed_tuple:
            return datetime(*parsed_tuple[:6], tzinfo=UTC).isoformat()
    return None


def _rfc822(text: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


# --- what seeds/ already holds --------------------------------------------------------------


def normalise_url(url: str) -> str:
    """The same page, whatever the scheme's case, fragment or trailing slash."""
    url = url.strip().split("#", 1)[0]
    match = re.match(r"^(https?)://([^/?]+)(.*)$", url, re.I)
    if not match:
        return url
    rest = match[3].rstrip("/") if "?" not in match[3] else match[3]
    return f"{match[1].lower()}://{match[2].lower().removeprefix('www.')}{rest}"


@dataclass(slots=True)
class SeedIndex:
    """The addresses and content hashes of every article in seeds/."""

    root: Path
    urls: dict[str, str] = field(default_factory=dict)  # normalised URL -> article path
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 of the bytes -> article path
    names: FreeNames | None = None  # the names taken in the folder, read when first needed

    @classmethod
    def scan(cls, root: Path, folder: Path) -> SeedIndex:
        index = cls(root)
        for path in discover_articles(folder):
            name = relative(path, root)
            try:
                index.hashes.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), name)
            except OSError:
                continue  # `digest check` reports unreadable files; here they just don't match
            url = _sidecar_url(path)
            if url:
                index.urls.setdefault(normalise_url(url), name)
        return index

    def known_url(self, url: str) -> str | None:
        return self.urls.get(normalise_url(url))

    def match(self, item: Input) -> tuple[str, str] | None:
        """(existing path, why) when the Input is already in seeds/."""
        for url in item.urls:
            if self.known_url(url):
                return self.urls[normalise_url(url)], "same URL"
        found = self.hashes.get(hashlib.sha256(item.data).hexdigest())
        return (found, "same bytes") if found else None

    def add(self, item: Input, name: str, url: str | None) -> None:
        self.hashes.setdefault(hashlib.sha256(item.data).hexdigest(), name)
        for address in (*item.urls, *([url] if url else [])):
            self.urls.setdefault(normalise_url(address), name)


def _sidecar_url(article: Path) -> str | None:
    for suffix in SIDECAR_SUFFIXES:
        sidecar = article.with_suffix(suffix)
        if sidecar.exists():
            try:
                # read.py's sidecar loader: libyaml, several times faster than parse_yaml on
                # the thousands of sidecars a big seeds/ holds, and it reads them the same way.
                data, _ = parse_sidecar(sidecar.read_text(encoding="utf-8-sig"), sidecar.name)
            except (OSError, UnicodeDecodeError):
                return None
            url = data.get("url") if isinstance(data, dict) else None
            return url if isinstance(url, str) else None
    return None


# --- storing ------------------------------------------------------------------------------


def seed_stem(day: date | None, title: str | None, text: str, fallback: str) -> str:
    """`2023-09-28-zelensky-meets-nato-chief`, or `undated-...` when the day is not known."""
    words = title or next((line for line in text.splitlines() if line.strip()), "")
    slug = slugify(words, limit=50) or slugify(fallback, limit=50) or "article"
    return f"{day.isoformat() if day else 'undated'}-{slug}"


# libyaml's emitter when PyYAML has it: the same YAML, written a few times faster.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def sidecar_text(meta: dict[str, Any], undated: bool) -> str:
    """The sidecar as YAML: plain `key: value` lines in a fixed order, times as quoted text
    (YAML would otherwise turn some of them into numbers or naive datetimes)."""
    order = ["source", "url", "date", "published", "timezone", "title", "author", "encoding"]
    ordered = {key: meta[key] for key in order if meta.get(key) is not None}
    lines = ["# Metadata of the article beside this file (written by `digest ingest`).",
             "# What is written here wins over what the article says; correct it freely."]
    if ordered:
        lines.append(yaml.dump(ordered, Dumper=_DUMPER, allow_unicode=True, sort_keys=False,
                               width=1000).rstrip("\n"))
    if undated:
        lines += ["# No date was found in the article: add the day it covers, e.g.",
                  "# date: 2023-09-28"]
    return "\n".join(lines) + "\n"


def _taken(folder: Path, stem: str) -> bool:
    return any((folder / (stem + s)).exists() for s in (*ARTICLE_SUFFIXES, *SIDECAR_SUFFIXES))


@dataclass(slots=True)
class FreeNames:
    """The names already used in one folder, read once per command, so that finding a free name
    costs the same for a feed's 10,000th entry as for its first. Without it, the n-th article
    wanting a name (a live blog's entries, all titled alike) tried the n-1 taken ones first,
    with five file lookups each: quadratic. A hint, not a lock: `place` still checks the name
    it picks and links without replacing, so a file someone else adds meanwhile is safe."""

    taken: set[str] = field(default_factory=set)  # stems of articles and sidecars
    last: dict[str, int] = field(default_factory=dict)  # stem -> the last number given out for it

    @classmethod
    def scan(cls, folder: Path) -> FreeNames:
        names = cls()
        suffixes = (*ARTICLE_SUFFIXES, *SIDECAR_SUFFIXES)
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    stem, dot, suffix = entry.name.rpartition(".")
                    if dot and "." + suffix in suffixes:
                        names.taken.add(stem)
        except (FileNotFoundError, NotADirectoryError):
            pass
        return names


def _link(source: Path, target: Path) -> bool:
    """Put `source` at `target` unless `target` exists; never replaces. True when placed."""
    try:
        os.link(source, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links: exclusive create is still no-clobber.
        try:
            with open(target, "xb") as out:
                out.write(source.read_bytes())
            return True
        except FileExistsError:
            return False


def place(folder: Path, stem: str, article: Path, sidecar: Path | None,
          names: FreeNames | None = None) -> Path:
    """Link the staged files into `folder` under `stem`, or `stem-2`, `stem-3`...: the first
    name whose article and sidecar are both free. Returns the article's path. `names` is what
    the folder holds, kept up to date here; without it the folder is read now."""
    names = names if names is not None else FreeNames.scan(folder)
    first = names.last.get(stem, 1)  # every number below it is given out already
    for n in range(first, first + 10_000):
        name = stem if n == 1 else f"{stem}-{n}"
        if name in names.taken or _taken(folder, name):
            continue
        names.taken.add(name)  # given out or found taken: either way not to be tried again
        names.last[stem] = n
        target = folder / (name + article.suffix)
        side_target = folder / (name + ".yaml")
        if sidecar is not None and not _link(sidecar, side_target):
            continue
        if _link(article, target):
            return target
        if sidecar is not None:
            side_target.unlink()  # ours, made a moment ago: someone took the article's name
    raise OSError(f"no free name for {stem} in {folder}")


class Staging:
    """The hidden folder in seeds/ where articles are written before they are linked into place
    (a dot-folder: discovery skips it, so a build running meanwhile never sees half a seed).
    One for a whole command, made when first needed and removed by `close`, rather than one
    per article: making and removing a folder costs some 3 ms on ext4, about a third of what
    storing a feed's entry costs otherwise."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._path: Path | None = None

    def path(self) -> Path:
        if self._path is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path = Path(tempfile.mkdtemp(prefix=".ingest-", dir=self.folder))
        return self._path

    def close(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ingest(item: Input, root: Path, config: Config, index: SeedIndex, parse: Parser, *,
           day: date | None = None, source: str | None = None,
           staging: Staging | None = None) -> Outcome:
    """Store one Input in seeds/ unless it is there already; parse what was stored.
    `day` and `source` (from --date and --source) fill in what the article does not say.
    `staging` is the command's staging folder; without one, one is made for this article."""
    folder = root / config.settings.seeds
    if staging is None or staging.folder != folder:
        with Staging(folder) as own:
            return ingest(item, root, config, index, parse, day=day, source=source, staging=own)
    duplicate = index.match(item)
    if duplicate:
        return Outcome(item.label, duplicate[0], False, duplicate[1])
    if not item.data.strip():
        return Outcome(item.label, "", False, problems=(Problem(
            item.label, None, "there is no text in it", "check that it is the article", "error"),))
    stage = staging.path()
    if index.names is None:
        index.names = FreeNames.scan(folder)
    article_file = stage / ("article" + item.suffix)
    sidecar_file = article_file.with_suffix(".yaml")
    try:
        meta = dict(item.metadata)
        article_file.write_bytes(item.data)
        staged_text = sidecar_text(meta, False)
        sidecar_file.write_text(staged_text, encoding="utf-8")
        try:
            # Read and parsed with the metadata it will be stored with, to learn its date and
            # title for the file name.
            raw = read_article(article_file, root)
            first = parse(raw, config)
        except ReadError as exc:  # binary, empty, undecodable: not an article to keep
            problem = replace(exc.problem, path=item.label)
            return Outcome(item.label, "", False, problems=(problem,))
        staged_meta = dict(meta)
        if "url" not in meta and (first.url or item.urls):
            meta["url"] = first.url or item.urls[0]
        if first.date is None and day is not None:
            meta["date"] = day
        if first.source_slug is None and source:
            known = config.sources.by_name(source)
            meta["source"] = known.name if known else source
        undated = first.date is None and day is None
        sidecar: Path | None = None
        if meta or undated:
            sidecar = sidecar_file
            final_text = sidecar_text(meta, undated)
            if final_text != staged_text:
                sidecar_file.write_text(final_text, encoding="utf-8")
        stem = seed_stem(first.date or day, first.title or meta.get("title"),
                         _first_text(first), item.label.rsplit("/", 1)[-1])
        stored = place(folder, stem, article_file, sidecar, index.names)
    finally:  # linked into place or not kept: either way the staged names are free again
        article_file.unlink(missing_ok=True)
        sidecar_file.unlink(missing_ok=True)
    name = relative(stored, root)
    index.add(item, name, meta.get("url"))
    article = None
    if meta == staged_meta and not raw.problems:
        article = _moved(first, relative(article_file, root), name)
    if article is None:
        article = parse(read_article(stored, root), config)
    return Outcome(item.label, name, True, article=article,
                   problems=_hint_conflicts(article, day, source, config))


def _moved(article: Article, staged: str, stored: str) -> Article | None:
    """The article parsed from its staged copy, as parsed from where it is now stored: the
    same but for the paths (of the article and of its sidecar) it names. None when a path
    could not be moved, and it must be read and parsed again. Reading again is what this
    saves: a page's text extraction (trafilatura) and the parse are nearly all of an entry's
    cost, and the stored bytes and metadata are the staged ones."""
    old, new = staged.rsplit(".", 1)[0], stored.rsplit(".", 1)[0]  # both files' names' stem

    def move(text: str) -> str:
        return text.replace(old, new)

    def problem(p: Problem) -> Problem:
        return replace(p, path=move(p.path), message=move(p.message), fix=move(p.fix))

    moved = replace(article, path=stored,
                    items=tuple(replace(i, article_path=stored) for i in article.items),
                    warnings=tuple(problem(p) for p in article.warnings))
    # The parser names its input in these places today; one more, added later, would show the
    # hidden staging folder to the editor: then the slow, sure way.
    return None if old in repr(moved) else moved


def _first_text(article: Article) -> str:
    first = article.items[0] if article.items else None
    return (first.headline or first.text) if first else ""


def _hint_conflicts(article: Article, day: date | None, source: str | None,
                    config: Config) -> tuple[Problem, ...]:
    """--date and --source only fill gaps; say so when the article disagrees with them."""
    found = []
    sidecar = article.path.rsplit(".", 1)[0] + ".yaml"
    if day and article.date and article.date != day:
        found.append(Problem(article.path, None,
                             f"the article says {article.date.isoformat()}, so --date "
                             f"{day.isoformat()} was not used",
                             f"if the article is wrong, write `date: {day.isoformat()}` in "
                             f"{sidecar}"))
    wanted = config.sources.by_name(source) if source else None
    if source and article.source and (wanted.name if wanted else source) != article.source:
        found.append(Problem(article.path, None,
                             f"the article names {article.source}, so --source {source!r} "
                             "was not used",
                             f"if that is wrong, write `source: {source}` in {sidecar}"))
    return tuple(found)

