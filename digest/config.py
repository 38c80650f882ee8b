"""Settings files: digest.yaml, sources.yaml and themes.yaml, loaded safely and validated once.

Every problem in every file is collected and reported together as `file:line: what — fix`;
an unknown key gets a "did you mean".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import safe_yaml
from .model import Problem, Source
from .safe_regex import catastrophic
from .safe_yaml import LineDict

SETTINGS_FILE = "digest.yaml"
SOURCES_FILE = "sources.yaml"
THEMES_FILE = "themes.yaml"

# Old tz data knows only the Russian spelling; we accept both and always use the new one.
TIMEZONE_ALIASES = {"Europe/Kiev": "Europe/Kyiv"}


class ConfigError(Exception):
    """Raised with every problem found in the settings files."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# --- YAML with line numbers -------------------------------------------------------------


# LineDict and the loader live in safe_yaml: one loader, with the same limits, for every file.
_Loader = safe_yaml.PureLoader


def parse_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text safely (`safe_yaml.load`): the data (None when the text is not YAML at
    all) and every problem, warnings included; a value that is wrong is reported and read as
    nothing, so one mistake never costs the rest of the file."""
    return safe_yaml.load(text, path)


def load_yaml_file(root: Path, name: str) -> tuple[Any, list[Problem]]:
    path = root / name
    refused = safe_yaml_input(path, root, name)
    if refused is not None:
        return None, [refused]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, None, f"cannot be read ({exc})", "save it as UTF-8 text", "error")]
    return parse_yaml(text, name)


def safe_yaml_input(path: Path, root: Path, name: str) -> Problem | None:
    """Why a settings file must not be opened (a FIFO would block the build; a link to a file
    outside the project would publish what is not the project's), or None."""
    if not path.is_symlink() and not path.exists():
        return None
    from .read import refuse_input  # read imports config

    return refuse_input(path, root, name, "error")


# --- a small schema checker ---------------------------------------------------------------


Check = Callable[[Any], str | None]  # returns what is wrong, or None


@dataclass(slots=True)
class Checker:
    """Collects problems about one YAML file."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, message: str, fix: str) -> None:
        self.problems.append(Problem(self.path, line, message, fix, "error"))

    def keys(self, mapping: Any, allowed: list[str], where: str, line: int | None = None) -> bool:
        """Check that `mapping` is a mapping with only `allowed` keys."""
        if not isinstance(mapping, dict):
            self.add(line, f"{where} should be a mapping of `key: value` lines",
                     f"write it as `key: value` lines (allowed keys: {', '.join(allowed)})")
            return False
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"allowed keys: {', '.join(allowed)}"
                self.add(line_of(mapping, key), f"unknown key `{key}` in {where}", hint)
        return True


def line_of(mapping: Any, key: Any) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else None


def valid_timezone(value: Any) -> str | None:
    """The canonical zone name, or None when `value` is not a zone."""
    if not isinstance(value, str):
        return None
    name = TIMEZONE_ALIASES.get(value, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def valid_regex(value: Any) -> str | None:
    """What is wrong with a regex pattern, or None."""
    if not isinstance(value, str):
        return "is not text"
    try:
        re.compile(value)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regular expression ({exc})"
    return None


# --- digest.yaml --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """Site settings from digest.yaml, with paths resolved against the project root."""

    root: Path
    title: str = "War Digest"
    description: str = "The Russia-Ukraine war, day by day, from many outlets."
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "Europe/Kyiv"
    war_start: date = date(2022, 2, 24)
    # The war's last day, once there is one. Until then a date printed without a year is read
    # within war_start's year to the year the settings were loaded in (the one impure default,
    # taken at the edge so that the parser stays a function of its inputs).
    war_end: date | None = None
    latest_year: int = field(default_factory=lambda: date.today().year)
    cname: str | None = None
    seeds: str = "seeds"
    content: str = "content"
    templates: str = "templates"
    output: str = "site"
    cache: str = ".digest-cache"
    feed_entries: int = 30
    theme_page_size: int = 50
    story_threshold: float = 0.55

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_number(self, day: date) -> int:
        return (day - self.war_start).days + 1


_PATH_KEYS = ["seeds", "content", "templates", "output", "cache"]
_SETTINGS_KEYS = [
    "title", "description", "base_url", "language", "timezone", "war_start", "war_end", "cname",
    "paths", "feed_entries", "theme_page_size", "story_threshold",
]


def _settings_from(data: Any, root: Path, check: Checker) -> Settings:
    if data is None:
        return Settings(root=root)
    if not check.keys(data, _SETTINGS_KEYS, SETTINGS_FILE):
        return Settings(root=root)
    values: dict[str, Any] = {}
    for key in ("title", "description", "language"):
        if key in data:
            if isinstance(data[key], str) and data[key].strip():
                values[key] = data[key].strip()
            else:
                check.add(line_of(data, key), f"`{key}` should be text", f"write `{key}: some text`")
    if "base_url" in data:
        url = data["base_url"]
        if isinstance(url, str) and re.match(r"^https?://[^/\s]+(/\S*)?$", url):
            values["base_url"] = url if url.endswith("/") else url + "/"
        else:
            check.add(line_of(data, "base_url"), f"`base_url` {url!r} is not an http(s) URL",
                      "write the site's address, e.g. `base_url: https://user.github.io/repo/`")
    if "timezone" in data:
        zone = valid_timezone(data["timezone"])
        if zone:
            values["timezone"] = zone
        else:
            check.add(line_of(data, "timezone"), f"unknown timezone {data['timezone']!r}",
                      "use an IANA name such as `Europe/Kyiv`")
    if "war_start" in data:
        start = data["war_start"]
        if isinstance(start, date):
            values["war_start"] = start
        else:
            check.add(line_of(data, "war_start"), f"`war_start` {start!r} is not a date",
                      "write it as YYYY-MM-DD, e.g. `war_start: 2022-02-24`")
    if data.get("war_end") is not None:
        end = data["war_end"]
        if isinstance(end, date) and end >= values.get("war_start", date(2022, 2, 24)):
            values["war_end"] = end
            values["latest_year"] = end.year
        else:
            check.add(line_of(data, "war_end"), f"`war_end` {end!r} is not a date after war_start",
                      "write the war's last day as YYYY-MM-DD, or leave `war_end:` empty")
    if data.get("cname") is not None:
        cname = data["cname"]
        if isinstance(cname, str) and re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}", cname):
            values["cname"] = cname
        else:
            check.add(line_of(data, "cname"), f"`cname` {cname!r} is not a domain name",
                      "write a bare domain, e.g. `cname: digest.example.org`")
    for key, low, high in (("feed_entries", 1, 1000), ("theme_page_size", 1, 10000)):
        if key in data:
            value = data[key]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[key] = value
            else:
                check.add(line_of(data, key), f"`{key}` {value!r} is not a whole number",
                          f"write a number from {low} to {high}")
    if "story_threshold" in data:
        value = data["story_threshold"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
            values["story_threshold"] = float(value)
        else:
            check.add(line_of(data, "story_threshold"), f"`story_threshold` {value!r} is out of range",
                      "write a number between 0 and 1, e.g. 0.55")
    paths = data.get("paths")
    if paths is not None and check.keys(paths, _PATH_KEYS, "`paths`", line_of(data, "paths")):
        for key in _PATH_KEYS:
            if key in paths:
                value = paths[key]
                inside = isinstance(value, str) and value and not Path(value).is_absolute()
                if inside and ".." not in Path(value).parts:
                    values[key] = value.strip("/")
                else:
                    check.add(line_of(paths, key), f"path `{key}` {value!r} must stay inside the project",
                              "write a folder name relative to the project, e.g. `seeds`")
    return Settings(root=root, **values)


# --- sources.yaml -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sources:
    """Known outlets and the clutter rules shared by all pages."""

    outlets: tuple[Source, ...] = ()
    shared_clutter: tuple[str, ...] = ()
    shared_end: tuple[str, ...] = ()

    def by_name(self, name: str) -> Source | None:
        """Find an outlet by slug, name or domain, ignoring case."""
        wanted = name.strip().lower()
        for source in self.outlets:
            if wanted in (source.slug, source.name.lower()) or wanted in source.domains:
                return source
        return None

    def by_url(self, url: str) -> Source | None:
        host = re.sub(r"^https?://", "", url.lower()).split("/")[0].split(":")[0]
        for source in self.outlets:
            if any(host == d or host.endswith("." + d) for d in source.domains):
                return source
        return None


_SOURCE_KEYS = ["name", "home", "domains", "recognise", "clutter", "end", "timezone", "label"]
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _pattern_list(check: Checker, owner: Any, key: str, where: str) -> tuple[str, ...]:
    values = owner.get(key, []) or []
    if not isinstance(values, list):
        check.add(line_of(owner, key), f"`{key}` of {where} should be a list",
                  "write one `- pattern` line per rule")
        return ()
    good = []
    for value in values:
        # A project's pattern is checked for the shapes that backtrack without end once, here,
        # rather than timed on each of the parser's calls (see safe_regex).
        wrong = valid_regex(value) or catastrophic(value)
        if wrong:
            check.add(_item_line(owner, key, values, value), f"a `{key}` rule of {where} {wrong}: {value!r}",
                      "fix the pattern (quote it with single quotes in YAML; use `x+` rather "
                      "than `(x+)+`)" if "forever" in wrong else
                      "fix the pattern (quote it with single quotes in YAML)")
        else:
            good.append(value)
    return tuple(good)


def _item_line(owner: Any, key: str, values: list[Any], value: Any) -> int | None:
    """The line of one `- pattern` of a list (the key's line when not known)."""
    if isinstance(owner, LineDict):
        return owner.item_line(key, values.index(value))
    return None


def _sources_from(data: Any, check: Checker) -> Sources:
    if data is None:
        return Sources()
    if not check.keys(data, ["sources", "shared_clutter", "shared_end"], SOURCES_FILE):
        return Sources()
    shared = _pattern_list(check, data, "shared_clutter", "the shared rules")
    shared_end = _pattern_list(check, data, "shared_end", "the shared rules")
    outlets = []
    entries = data.get("sources") or {}
    if not isinstance(entries, dict):
        check.add(line_of(data, "sources"), "`sources` should map a slug to each outlet",
                  "write `sources:` then `  slug:` with the outlet's fields under it")
        entries = {}
    for slug, entry in entries.items():
        where = f"outlet `{slug}`"
        line = line_of(entries, slug)
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            check.add(line, f"outlet key {slug!r} is not a slug",
                      "use lowercase letters, digits and dashes, e.g. `kyiv-independent`")
            continue
        if not check.keys(entry, _SOURCE_KEYS, where, line):
            continue
        if not isinstance(entry.get("name"), str):
            check.add(line, f"{where} has no `name`", "add `name: Display Name`")
            continue
        home = entry.get("home", "")
        if home and not (isinstance(home, str) and home.startswith(("http://", "https://"))):
            check.add(line_of(entry, "home"), f"`home` of {where} is not a URL",
                      "write the outlet's home page, e.g. `home: https://example.com`")
            home = ""
        domains = entry.get("domains", []) or []
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            check.add(line_of(entry, "domains"), f"`domains` of {where} should be a list of hosts",
                      "write `domains: [example.com]`")
            domains = []
        zone = None
        if entry.get("timezone") is not None:
            zone = valid_timezone(entry["timezone"])
            if not zone:
                check.add(line_of(entry, "timezone"), f"unknown timezone {entry['timezone']!r} of {where}",
                          "use an IANA name such as `Europe/London`")
        outlets.append(Source(
            slug=slug,
            name=entry["name"],
            home=home or "",
            domains=tuple(d.lower() for d in domains),
            recognise=_pattern_list(check, entry, "recognise", where),
            clutter=_pattern_list(check, entry, "clutter", where),
            end=_pattern_list(check, entry, "end", where),
            timezone=zone,
            label=entry.get("label") if isinstance(entry.get("label"), str) else None,
        ))
    return Sources(tuple(outlets), shared, shared_end)


# --- digest/data/clutter.yaml: the clutter kinds every project gets -----------------------

CLUTTER_FILE = "digest/data/clutter.yaml"
# The kinds a line of clutter can be; the parser treats some of them apart (`end` stops the
# article, `related_heading` opens a list of links, `caption` and `credit` pair up), so a kind is
# code, while its phrasings and patterns are data.
CLUTTER_KINDS = (
    "read_also", "related_heading", "share", "cookie", "newsletter", "app", "donation", "follow",
    "loading", "ad", "comments", "caption", "credit", "breadcrumb", "tags", "listen", "copyright",
    "disclaimer", "sign_off", "widget", "end",
)
_CLUTTER_KEYS = ["words", "shapes", "kinds"]
_KIND_KEYS = ["line", "start", "anywhere", "max_length", "patterns"]
_LANGUAGE = re.compile(r"^(?:[a-z]{2}|any)$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class ClutterKind:
    """One kind of clutter of the package data: its phrasings as written (every language
    together) and its regexes with the `{word}` placeholders filled in."""

    name: str
    line: tuple[str, ...] = ()  # the whole line is one of these
    start: tuple[str, ...] = ()  # the line starts with one of these
    anywhere: tuple[str, ...] = ()  # one of these stands in a line of at most max_length
    max_length: int = 160  # for `anywhere` and for patterns not anchored with ^
    patterns: tuple[str, ...] = ()  # Python regexes, case-insensitive


def _phrasings(check: Checker, owner: Any, key: str, where: str) -> tuple[str, ...]:
    """A mapping of language to a list of phrases, every language together."""
    by_language = owner.get(key)
    if by_language is None:
        return ()
    if not isinstance(by_language, dict):
        check.add(line_of(owner, key), f"`{key}` of {where} should map a language to phrases",
                  f"write `{key}:` then lines like `  en: [read also, see also]`")
        return ()
    phrases: list[str] = []
    for language, values in by_language.items():
        line = line_of(by_language, language)
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            check.add(line, f"{language!r} in `{key}` of {where} is not a language code",
                      "use a two-letter code such as `en` or `uk`, or `any`")
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            check.add(line, f"`{language}` in `{key}` of {where} should be a list of phrases",
                      "write e.g. `en: [read also, see also]`, quoting phrases that hold ':' or ','")
            continue
        phrases += [v.strip() for v in values]
    return tuple(dict.fromkeys(phrases))


def _same_phrase(phrase: str) -> str:
    """How two phrasings compare: case, curly apostrophes and a closing ":" or "." aside."""
    return " ".join(phrase.replace("’", "'").lower().split()).rstrip(":. ")


def _fill(check: Checker, line: int | None, pattern: str, fills: dict[str, str], where: str) -> str:
    """Replace each `{name}` of a pattern by its alternation; an unknown name is a problem."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fills:
            check.add(line, f"a pattern of {where} uses `{{{name}}}`, which is not defined",
                      f"define `{name}` under `words` or `shapes`, or use one of: {', '.join(fills)}")
            return match.group(0)
        return fills[name]
    return _PLACEHOLDER.sub(one, pattern)


def _clutter_from(data: Any, check: Checker) -> tuple[ClutterKind, ...]:
    if not check.keys(data, _CLUTTER_KEYS, CLUTTER_FILE):
        return ()
    fills: dict[str, str] = {}
    words = data.get("words") or {}
    if not isinstance(words, dict):
        check.add(line_of(data, "words"), "`words` should map a name to a list of words",
                  "write e.g. `agency: [reuters, afp]`")
        words = {}
    for name, values in words.items():
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            check.add(line_of(words, name), f"`{name}` of `words` should be a list of words",
                      "write e.g. `agency: [reuters, afp]`")
            continue
        # Longest first, so that "getty images" is tried before "getty".
        alternatives = sorted({v.strip() for v in values}, key=lambda v: (-len(v), v))
        fills[name] = "(?:" + "|".join(re.escape(v) for v in alternatives) + ")"
    shapes = data.get("shapes") or {}
    if not isinstance(shapes, dict):
        check.add(line_of(data, "shapes"), "`shapes` should map a name to a regex",
                  "write e.g. `credit: '...'`")
        shapes = {}
    for name, shape in shapes.items():
        if not isinstance(shape, str):
            check.add(line_of(shapes, name), f"shape `{name}` is not a regex", "quote it with single quotes")
            continue
        filled = _fill(check, line_of(shapes, name), shape, fills, f"shape `{name}`")
        wrong = valid_regex(filled)
        if wrong:
            check.add(line_of(shapes, name), f"shape `{name}` {wrong}", "fix the regex")
            continue
        fills[name] = "(?:" + filled + ")"
    kinds = data.get("kinds") or {}
    if not isinstance(kinds, dict):
        check.add(line_of(data, "kinds"), "`kinds` should map a clutter kind to its phrasings",
                  "write `kinds:` then `  read_also:` with `start:`, `line:`, ... under it")
        return ()
    result = []
    owners: dict[tuple[str, str], str] = {}  # (way of matching, phrase) -> the kind that has it
    for name, entry in kinds.items():
        where = f"kind `{name}`"
        line = line_of(kinds, name)
        if name not in CLUTTER_KINDS:
            close = difflib.get_close_matches(str(name), CLUTTER_KINDS, n=1)
            check.add(line, f"unknown clutter kind `{name}`",
                      f"did you mean `{close[0]}`?" if close else f"known kinds: {', '.join(CLUTTER_KINDS)}")
            continue
        if not check.keys(entry, _KIND_KEYS, where, line):
            continue
        max_length = entry.get("max_length", 160)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
            check.add(line_of(entry, "max_length"), f"`max_length` of {where} is not a whole number",
                      "write the longest line, in characters, e.g. `max_length: 160`")
            max_length = 160
        patterns = []
        raw_patterns = entry.get("patterns") or []
        if not isinstance(raw_patterns, list):
            check.add(line_of(entry, "patterns"), f"`patterns` of {where} should be a list",
                      "write one `- 'regex'` line per pattern")
            raw_patterns = []
        for pattern in raw_patterns:
            if not isinstance(pattern, str):
                check.add(line_of(entry, "patterns"), f"a pattern of {where} is not text", "quote it")
                continue
            filled = _fill(check, line_of(entry, "patterns"), pattern, fills, where)
            wrong = valid_regex(filled)
            if wrong:
                check.add(line_of(entry, "patterns"), f"a pattern of {where} {wrong}: {pattern!r}",
                          "fix the pattern (quote it with single quotes in YAML)")
            else:
                patterns.append(filled)
        phrasings = {mode: _phrasings(check, entry, mode, where) for mode in ("line", "start", "anywhere")}
        for mode, phrases in phrasings.items():
            for phrase in phrases:
                owner = owners.setdefault((mode, _same_phrase(phrase)), name)
                if owner != name:
                    check.add(line_of(entry, mode),
                              f"`{mode}` phrase {phrase!r} of {where} is also in kind `{owner}`",
                              "keep it in one kind: a line has one kind")
        result.append(ClutterKind(name=name, line=phrasings["line"], start=phrasings["start"],
                                  anywhere=phrasings["anywhere"], max_length=max_length,
                                  patterns=tuple(patterns)))
    return tuple(result)


def clutter_from_text(text: str) -> tuple[ClutterKind, ...]:
    """The clutter kinds of a clutter.yaml text; ConfigError naming the file if it is wrong."""
    data, problems = parse_yaml(text, CLUTTER_FILE)
    check = Checker(CLUTTER_FILE)
    kinds = _clutter_from(data, check) if data is not None else ()
    problems += check.problems
    if problems:  # the package's own data: a warning there is a bug too
        raise ConfigError(problems)
    return kinds


@cache
def package_clutter() -> tuple[ClutterKind, ...]:
    """The package's clutter kinds, read and validated once per process."""
    return clutter_from_text(resources.files("digest").joinpath("data/clutter.yaml").read_text("utf-8"))


# --- themes.yaml --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme of the digest and the weighted words and phrases that point to it."""

    slug: str
    name: str
    description: str
    order: int
    words: tuple[tuple[str, float], ...] = ()  # (lowercase phrase, weight)


_THEME_KEYS = ["name", "description", "order", "words"]
FALLBACK_THEME = "other"


def _themes_from(data: Any, check: Checker) -> tuple[Theme, ...]:
    if data is None:
        return (Theme(FALLBACK_THEME, "Other", "Everything else.", 999),)
    if not check.keys(data, ["themes"], THEMES_FILE):
        return ()
    entries = data.get("themes") or {}
    if not isinstance(entries, dict):
        check.add(line_of(data, "themes"), "`themes` should map a slug to each theme",
                  "write `themes:` then `  slug:` with the theme's fields under it")
        return ()
    themes = []
    for slug, entry in entries.items():
        line = line_of(entries, slug)
        where = f"theme `{slug}`"
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            check.add(line, f"theme key {slug!r} is not a slug",
                      "use lowercase letters, digits and dashes, e.g. `air-war`")
            continue
        if not check.keys(entry, _THEME_KEYS, where, line):
            continue
        name = entry.get("name")
        if not isinstance(name, str):
            check.add(line, f"{where} has no `name`", "add `name: Display Name`")
            continue
        order = entry.get("order", len(themes) + 1)
        if not isinstance(order, int) or isinstance(order, bool):
            check.add(line_of(entry, "order"), f"`order` of {where} is not a whole number",
                      "write e.g. `order: 3`")
            order = len(themes) + 1
        words: list[tuple[str, float]] = []
        raw_words = entry.get("words", {}) or {}
        if not isinstance(raw_words, dict):
            check.add(line_of(entry, "words"), f"`words` of {where} should map phrases to weights",
                      "write `words:` then lines like `  missile: 2`")
            raw_words = {}
        for phrase, weight in raw_words.items():
            if not isinstance(phrase, str) or not phrase.strip():
                check.add(line_of(raw_words, phrase), f"a word of {where} is not text", "quote it")
            elif not isinstance(weight, (int, float)) or isinstance(weight, bool):
                check.add(line_of(raw_words, phrase),
                          f"the weight of `{phrase}` in {where} is not a number",
                          "write e.g. `missile: 2`")
            else:
                words.append((phrase.strip().lower(), float(weight)))
        description = entry.get("description", "")
        themes.append(Theme(slug, name, description if isinstance(description, str) else "",
                            order, tuple(words)))
    if not any(t.slug == FALLBACK_THEME for t in themes):
        check.add(None, f"there is no `{FALLBACK_THEME}` theme for items that fit none",
                  f"add a theme `{FALLBACK_THEME}` with a name and no words")
    return tuple(sorted(themes, key=lambda t: (t.order, t.slug)))


# --- all together -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    settings: Settings
    sources: Sources
    themes: tuple[Theme, ...]
    # Warnings about the settings files (control characters removed): errors raise ConfigError.
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def theme(self, slug: str) -> Theme | None:
        return next((t for t in self.themes if t.slug == slug), None)


def load_config(root: Path) -> Config:
    """Read and validate the three settings files; raise ConfigError with every problem."""
    problems: list[Problem] = []
    parsed = {}
    for name in (SETTINGS_FILE, SOURCES_FILE, THEMES_FILE):
        data, found = load_yaml_file(root, name)
        problems += found
        parsed[name] = data
    checks = {name: Checker(name) for name in parsed}
    settings = _settings_from(parsed[SETTINGS_FILE], root, checks[SETTINGS_FILE])
    sources = _sources_from(parsed[SOURCES_FILE], checks[SOURCES_FILE])
    themes = _themes_from(parsed[THEMES_FILE], checks[THEMES_FILE])
    for check in checks.values():
        problems += check.problems
    try:
        package_clutter()  # the rules every project gets: a broken package file is reported too
    except ConfigError as exc:
        problems += exc.problems
    if safe_yaml.errors(problems):
        raise ConfigError(problems)
    return Config(settings, sources, themes, tuple(problems))
