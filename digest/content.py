"""Stage `content`: the editor's hand-written items and corrections, from content/*.md.

Each file is Markdown with YAML front matter between `---` lines. A file with `corrects: ITEM_ID`
is a correction of one parsed item; any other file is a hand-written item. Both win over what
the parser read, on every build, so a re-ingest or a rebuild never undoes an editor's work.

Ids of hand-written items: the front matter's `id:` when given, else `editor-` and the file's
path inside content/ without `.md`, slugged (`content/2023-09-28-drone-attack.md` ->
`editor-2023-09-28-drone-attack`). They depend on neither the headline nor the text, so an
editor can rewrite both without breaking a link, a merge or a feed entry.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import frontmatter
from anyascii import anyascii

from .config import Checker, Settings, Sources, Theme, line_of, parse_yaml
from .model import Item, Problem
from .read import clean_with_warning, find_files, refuse_input, relative

CONTENT_SUFFIXES = (".md", ".markdown")
ITEM_KEYS = ["id", "date", "headline", "theme", "outlets", "links", "time", "key_event", "hidden"]
CORRECTION_KEYS = ["corrects", "corrected", "note", "headline", "theme", "hidden", "merge",
                   "split"]
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

Groups = tuple[tuple[str, ...], ...]  # merge/split groups of item ids, as the story stage takes


def slugify(text: str, limit: int = 60) -> str:
    """`[a-z0-9-]` only: Cyrillic and accents transliterated, apostrophes dropped, the rest
    dashes; cut at a word boundary. Empty when nothing of `text` survives."""
    ascii_text = anyascii(text).lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


@dataclass(frozen=True, slots=True)
class Correction:
    """An editor's override of one parsed item. Fields left out (None) keep the parsed value."""

    item_id: str
    path: str  # the content/ file it came from
    line: int | None  # line of `corrects:` in that file
    corrected: date | None  # the day the editor made it (written by `digest edit`)
    note: str | None = None  # what was corrected, shown with the date
    headline: str | None = None
    text: str | None = None  # the Markdown body; None when the body is empty
    theme: str | None = None
    hidden: bool = False
    merge: tuple[str, ...] = ()  # ids of items that report the same event
    split: tuple[str, ...] = ()  # ids of items that must not be grouped with it


@dataclass(frozen=True, slots=True)
class Content:
    """Everything in content/: hand-written items, corrections by item id, forced groups."""

    items: tuple[Item, ...] = ()
    corrections: dict[str, Correction] = field(default_factory=dict)
    merge: Groups = ()  # for group_stories(merge=...): from corrections and multi-outlet items
    split: Groups = ()
    problems: tuple[Problem, ...] = ()


def discover_content(folder: Path) -> list[Path]:
    """Markdown files under `folder`, sorted; dotfiles and `_`-folders are skipped (drafts),
    links to folders are not followed. Anything else with a Markdown name is listed, even a
    FIFO or a link out of the project: `load_content` says why it is not read."""
    return [Path(path) for path in find_files(folder, CONTENT_SUFFIXES)]


def split_front_matter(text: str, name: str) -> tuple[Any, str, int, list[Problem]]:
    """(front matter data, body, line of the body's first line, problems). YAML lines in
    problems are lines of the file, not of the front matter."""
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        return None, text, 1, [Problem(
            name, 1, "the file does not start with front matter",
            "start it with a line `---`, the item's fields (`date:`, `headline:`...), "
            "and another `---`", "error")]
    # python-frontmatter's own boundaries, found here rather than with its split() because we
    # need where the front matter starts: YAML reports lines of the front matter, not the file.
    bounds = list(itertools.islice(handler.FM_BOUNDARY.finditer(text), 2))
    if len(bounds) < 2:
        return None, "", 1, [Problem(name, 1, "the front matter is not closed",
                                     "add a line `---` after its last field", "error")]
    fm = text[bounds[0].end():bounds[1].start()]
    body = text[bounds[1].end():]
    offset = text[: bounds[0].end()].count("\n")
    body_line = text[: bounds[1].end()].count("\n") + 2  # the line after the closing `---`
    data, problems = parse_yaml(fm, name)
    # YAML reports an unclosed bracket or quote at the end of its input: the front matter's
    # last line is where the editor should look, not the `---` after it.
    last = offset + max(fm.rstrip("\n").count("\n") + 1, 1)
    problems = [replace(p, line=min(p.line + offset, last) if p.line else None)
                for p in problems]
    if data is None:
        return None, body, body_line, problems
    if hasattr(data, "lines"):
        _shift_lines(data, offset, set())
    # A warning (control characters removed) or one bad value (a date that does not exist, a
    # key given twice) is reported, and the rest of the front matter is still used.
    return data, body, body_line, problems


def _shift_lines(data: Any, offset: int, seen: set[int]) -> None:
    """Make the line numbers LineDict remembers lines of the whole file. A mapping that an
    alias shares is shifted once."""
    if id(data) in seen:
        return
    seen.add(id(data))
    if isinstance(data, dict):
        if hasattr(data, "lines"):
            data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift_lines(value, offset, seen)
    elif isinstance(data, list):
        for value in data:
            _shift_lines(value, offset, seen)


def load_content(root: Path, settings: Settings, themes: Sequence[Theme] = (),
                 sources: Sources | None = None) -> Content:
    """Read every file of content/. A bad file is reported (`file:line: what — fix`) and
    skipped; the rest still load. `sources` names the outlets of `links:` by their hosts."""
    folder = root / settings.content
    items: list[Item] = []
    corrections: dict[str, Correction] = {}
    merge: list[tuple[str, ...]] = []
    split: list[tuple[str, ...]] = []
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    for path in discover_content(folder):
        name = relative(path.parent, root) + "/" + path.name  # where a link stands
        refused = refuse_input(path, root, name)
        if refused is not None:
            problems.append(refused)
            continue
        try:
            text, found = clean_with_warning(path.read_bytes().decode("utf-8-sig"), name)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, f"cannot be read ({exc})", "save it as UTF-8",
                                    "error"))
            continue
        problems += found
        data, body, body_line, found = split_front_matter(text, name)
        problems += found
        if data is None and found:
            continue
        check = Checker(name)
        if isinstance(data, dict) and "corrects" in data:
            correction = _correction(data, body, name, check, themes)
            if correction is not None:
                if correction.item_id in corrections:
                    other = corrections[correction.item_id].path
                    check.add(correction.line, f"item `{correction.item_id}` is already "
                              f"corrected in {other}", "keep one correction file per item")
                else:
                    corrections[correction.item_id] = correction
                    if correction.merge:
                        merge.append((correction.item_id, *correction.merge))
                    if correction.split:
                        split.append((correction.item_id, *correction.split))
        else:
            made = _items(data, body, body_line, path.relative_to(folder), name, check,
                          settings, themes, sources)
            for item in made:
                if item.id in seen_ids:
                    check.add(line_of(data, "id"), f"id `{item.id}` is also used by "
                              f"{seen_ids[item.id]}", "give each item its own `id:`")
                    break
            else:
                for item in made:
                    seen_ids[item.id] = name
                items += made
                if len(made) > 1:  # one event, several outlets: always one story
                    merge.append(tuple(item.id for item in made))
        problems += check.problems
    return Content(tuple(items), corrections, tuple(merge), tuple(split), tuple(problems))


# --- hand-written items ---------------------------------------------------------------------


def _items(data: Any, body: str, body_line: int, inside: Path, name: str, check: Checker,
           settings: Settings, themes: Sequence[Theme], sources: Sources | None) -> list[Item]:
    """The items of one hand-written file: one per outlet (ids `ID`, `ID-2`...), so that the
    story shows every outlet with its link; none when the file is hidden or broken."""
    if not check.keys(data, ITEM_KEYS, "the front matter", 1):
        return []
    if data.get("hidden") is True:
        return []
    day = data.get("date")
    if isinstance(day, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.strip()):
        try:  # `date: "2023-09-28"`, quoted: the same day, as in a sidecar
            day = date.fromisoformat(day.strip())
        except ValueError:
            check.add(line_of(data, "date"), f"{day.strip()} is not a date", "write YYYY-MM-DD")
            return []
    if not isinstance(day, date) or isinstance(day, datetime):
        check.add(line_of(data, "date") or 1, f"`date` {day!r} is not a day" if day is not None
                  else "the item has no `date`",
                  "write the day it belongs to as YYYY-MM-DD, e.g. `date: 2023-09-28`")
        return []
    headline = _text_field(data, "headline", check)
    text = body.strip()
    if not text and not headline:
        check.add(body_line, "the item has neither a headline nor text",
                  "write a `headline:` and the item's text below the front matter")
        return []
    item_id = _text_field(data, "id", check) or "editor-" + slugify(
        inside.with_suffix("").as_posix().replace("/", "-"), limit=120)
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", item_id):
        check.add(line_of(data, "id"), f"id {item_id!r} has characters ids cannot have",
                  "use letters, digits and dashes")
        return []
    theme = _theme(data, check, themes)
    clock = data.get("time")
    published = None
    if clock is not None:
        match = _TIME.match(str(clock).strip())
        if match:
            clock = f"{int(match[1]):02d}:{match[2]}"
            published = datetime.combine(day, time(int(match[1]), int(match[2])),
                                         tzinfo=settings.zone)
        else:
            check.add(line_of(data, "time"), f"`time` {clock!r} is not a time of day",
                      'write it as "HH:MM" in quotes, e.g. `time: "14:05"`')
            clock = None
    key_event = data.get("key_event", False)
    if not isinstance(key_event, bool):
        check.add(line_of(data, "key_event"), "`key_event` should be true or false",
                  "write `key_event: true`")
        key_event = False
    outlets = _outlets(data, check, sources) or [(settings.title, None, None)]
    base = Item(id=item_id, headline=headline, text=text, date=day, time=clock,
                published=published, theme=theme, article_path=name,
                line=line_of(data, "headline") or 1,
                key_event=key_event)
    return [
        replace(base, id=item_id if n == 0 else f"{item_id}-{n + 1}", source=outlet,
                source_slug=slug, url=url)
        for n, (outlet, slug, url) in enumerate(outlets)
    ]


def _text_field(data: Any, key: str, check: Checker) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # `note: ""` in a fresh correction means "no note"
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    check.add(line_of(data, key), f"`{key}` should be text", f"write `{key}: ...` on one line")
    return None


def _theme(data: Any, check: Checker, themes: Sequence[Theme]) -> str | None:
    """The theme slug, when it is one of themes.yaml; an unknown one is reported and dropped,
    so the item is themed by its words instead of vanishing from the site."""
    theme = _text_field(data, "theme", check)
    slugs = [t.slug for t in themes]
    if theme is None or not slugs or theme in slugs:
        return theme
    close = difflib.get_close_matches(theme, slugs, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"use one of: {', '.join(slugs)}"
    check.add(line_of(data, "theme"), f"unknown theme `{theme}` (themes.yaml has no such theme)",
              hint)
    return None


def _outlets(data: Any, check: Checker, sources: Sources | None
             ) -> list[tuple[str, str | None, str | None]]:
    """(name, source slug, url) of every outlet: `outlets:` entries (a name, or `name:` and
    `url:`), then `links:` (bare URLs, named after sources.yaml or their host)."""
    found: list[tuple[str, str | None, str | None]] = []
    entries = data.get("outlets") or []
    links = data.get("links") or []
    if not isinstance(entries, list) or not isinstance(links, list):
        check.add(line_of(data, "outlets" if not isinstance(entries, list) else "links"),
                  "`outlets` and `links` should be lists",
                  "write one `- name: Outlet` / `  url: https://...` entry (or `- https://...` "
                  "link) per line")
        return []
    for entry in entries:
        name, url = (entry, None) if isinstance(entry, str) else (
            (entry.get("name"), entry.get("url")) if isinstance(entry, dict) else (None, None))
        if not isinstance(name, str) or not name.strip() or (
                url is not None and not _is_url(url)):
            check.add(line_of(data, "outlets"), f"outlet {entry!r} needs a `name:` and an "
                      "http(s) `url:`", "write e.g. `- name: Reuters` and `  url: https://...`")
            continue
        known = sources.by_name(name) if sources is not None else None
        found.append((known.name if known else name.strip(), known.slug if known else None, url))
    for link in links:
        if not _is_url(link):
            check.add(line_of(data, "links"), f"link {link!r} is not an http(s) URL",
                      "write the full address, starting with https://")
            continue
        known = sources.by_url(link) if sources is not None else None
        host = re.sub(r"^https?://(www\.)?", "", link).split("/")[0]
        found.append((known.name if known else host, known.slug if known else None, link))
    return found


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^https?://[^\s/]+\S*$", value) is not None


# --- corrections ----------------------------------------------------------------------------


def _correction(data: Any, body: str, name: str, check: Checker,
                themes: Sequence[Theme]) -> Correction | None:
    if not check.keys(data, CORRECTION_KEYS, "the correction", 1):
        return None
    item_id = data.get("corrects")
    line = line_of(data, "corrects")
    if not isinstance(item_id, str) or not item_id.strip():
        check.add(line, "`corrects` should be the id of the item to correct",
                  "write `corrects: ITEM_ID` (see `digest parse` for ids)")
        return None
    corrected = data.get("corrected")
    if corrected is not None and (not isinstance(corrected, date)
                                  or isinstance(corrected, datetime)):
        check.add(line_of(data, "corrected"), f"`corrected` {corrected!r} is not a day",
                  "write the day of the correction as YYYY-MM-DD")
        corrected = None
    hidden = data.get("hidden", False)
    if not isinstance(hidden, bool):
        check.add(line_of(data, "hidden"), "`hidden` should be true or false",
                  "write `hidden: true` to remove the item from the site")
        hidden = False
    groups = {}
    for key in ("merge", "split"):
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            check.add(line_of(data, key), f"`{key}` should be a list of item ids",
                      f"write e.g. `{key}: [OTHER_ITEM_ID]`")
            value = []
        groups[key] = tuple(v.strip() for v in value if v.strip())
    correction = Correction(
        item_id=item_id.strip(), path=name, line=line, corrected=corrected,
        note=_text_field(data, "note", check), headline=_text_field(data, "headline", check),
        text=body.strip() or None, theme=_theme(data, check, themes), hidden=hidden,
        merge=groups["merge"], split=groups["split"],
    )
    if corrected is None and _changes_content(correction):
        check.add(line, "the correction has no `corrected:` day, which readers are shown",
                  "add `corrected: YYYY-MM-DD` (the day you made it)")
    return correction


def _changes_content(correction: Correction) -> bool:
    return any(v is not None for v in (correction.headline, correction.text, correction.theme,
                                       correction.note))


def apply_corrections(items: Iterable[Item], corrections: dict[str, Correction]
                      ) -> tuple[list[Item], list[Problem]]:
    """Items with the editor's corrections applied, hidden ones dropped. A corrected item keeps
    its id; it is marked corrected only when something it says changed. A correction whose item
    no longer exists is a problem naming its file: the parser's ids changed, or the article
    went, and the editor's fix would otherwise be lost without a word."""
    out: list[Item] = []
    used: set[str] = set()
    for item in items:
        correction = corrections.get(item.id)
        if correction is None:
            out.append(item)
            continue
        used.add(item.id)
        if correction.hidden:
            continue
        out.append(_corrected(item, correction))
    problems = [
        Problem(c.path, c.line, f"it corrects item `{c.item_id}`, which no longer exists",
                "find the item's new id with `digest parse` and write it in `corrects:`, "
                "or delete this file", "error")
        for item_id, c in sorted(corrections.items()) if item_id not in used
    ]
    return out, problems


def _corrected(item: Item, correction: Correction) -> Item:
    changes: dict[str, Any] = {}
    if correction.headline is not None and correction.headline != item.headline:
        changes["headline"] = correction.headline
    if correction.text is not None and correction.text != item.text.strip():
        changes["text"] = correction.text
    if correction.theme is not None and correction.theme != item.theme:
        changes["theme"] = correction.theme
    if changes or correction.note:
        changes["corrected"] = correction.corrected
        changes["correction_note"] = correction.note
    return replace(item, **changes)
