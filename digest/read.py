"""Stage `read`: article files and their sidecar metadata, decoded into RawArticles.

The only stage besides the final write that touches the disk. Text comes out as NFC with "\\n"
newlines and no control characters but tab and newline, whatever the file's encoding was.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import config as _config
from .config import Checker, line_of, parse_yaml, valid_timezone
from .model import Problem, RawArticle

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
SIDECAR_SUFFIXES = (".yaml", ".yml")
METADATA_KEYS = [
    "source", "url", "date", "published", "timezone", "title", "author", "themes",
    "merge", "split", "encoding",
]

# Bytes that open common binary formats: refused before any attempt to decode them.
_BINARY_MAGIC = (
    b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"BZh",
    b"\x7fELF", b"RIFF", b"OggS", b"ID3", b"{\\rtf", b"\xd0\xcf\x11\xe0",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff\ufffe\uffff]")
# No-break and other fixed-width spaces: pages use them between words, rules expect spaces.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


class ReadError(Exception):
    """An input that cannot be read at all; carries the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def relative(path: Path, root: Path) -> str:
    """The path as the editor knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(_resolved(root)).as_posix()
    except ValueError:
        return str(path)


@lru_cache(maxsize=8)
def _resolved(root: Path) -> Path:
    return root.resolve()


def discover_articles(folder: Path) -> list[Path]:
    """Article files under `folder`, sorted; dotfiles and sidecars are not articles."""
    return [Path(path) for path in find_articles(folder)]


def find_articles(folder: Path) -> list[str]:
    """The paths (as text) of `discover_articles`: sorted by their parts, as Paths sort; files
    and folders whose names start with "." or "_" are left out, and symbolic links to folders
    are not followed."""
    if not folder.is_dir():
        return []
    found: list[tuple[str, ...]] = []

    def walk(path: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(path) as scan:
                entries = list(scan)
        except PermissionError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")):
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        walk(entry.path, (*parts, name))
                elif name.lower().endswith(ARTICLE_SUFFIXES) and entry.is_file():
                    found.append((*parts, name))
            except OSError:
                continue

    top = str(folder)
    walk(top, ())
    found.sort()
    return [os.path.join(top, *parts) for parts in found]


def sidecar_for(path: Path) -> Path:
    """The metadata file beside an article: NAME.yaml (or NAME.yml when that one exists)."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return path.with_suffix(".yaml")


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, list[Problem]]:
    """Decode an article's bytes into clean text, or raise ReadError saying why not."""
    if not data.strip():
        raise ReadError(Problem(name, None, "the file is empty",
                                "paste the article's text into it, or delete it", "error"))
    problems: list[Problem] = []
    if encoding:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ReadError(Problem(name, None, f"cannot be decoded as {encoding} ({exc})",
                                    "fix `encoding:` in its metadata, or save it as UTF-8",
                                    "error")) from None
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = _decode_or_refuse(data, "utf-32", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_or_refuse(data, "utf-16", name)
    elif data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise ReadError(Problem(name, None, "this is a binary file, not an article's text",
                                "save the article as plain text (.txt) or as an HTML page", "error"))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _cyrillic_single_byte(data)
            if text is None:
                line = data[: exc.start].count(b"\n") + 1
                raise ReadError(Problem(
                    name, line, f"this is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read)",
                    "save the file as UTF-8, or name its encoding in the metadata, e.g. "
                    "`encoding: cp1252`", "error")) from None
            problems.append(Problem(name, None, "the file is not UTF-8; it was read as Windows-1251",
                                    "save it as UTF-8, or add `encoding: cp1251` to its metadata"))
    return clean_text(text), problems


def _decode_or_refuse(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise ReadError(Problem(name, None, f"the file starts like {codec.upper()} but is not",
                                "save it as UTF-8", "error")) from None


def _cyrillic_single_byte(data: bytes) -> str | None:
    """Text in Windows-1251 is common for Ukrainian and Russian pages; accept it only when the
    bytes above 0x7F are overwhelmingly Cyrillic letters in that encoding."""
    high = [b for b in data if b >= 0x80]
    letters = sum(1 for b in high if b >= 0xC0 or b in (0xA8, 0xB8, 0xAA, 0xBA, 0xAF, 0xBF, 0xB2, 0xB3))
    if len(high) < 8 or letters / len(high) < 0.9:
        return None
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        return None


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROL.sub("", text))


def validate_metadata(data: Any, name: str) -> tuple[dict[str, Any], list[Problem]]:
    """Check a sidecar's fields; keep the good ones."""
    check = Checker(name)
    if data is None:
        return {}, []
    if not check.keys(data, METADATA_KEYS, "the metadata"):
        return {}, check.problems
    meta: dict[str, Any] = {}
    for key in ("source", "url", "title", "author", "encoding"):
        if data.get(key) is not None:
            if isinstance(data[key], str) and data[key].strip():
                meta[key] = data[key].strip()
            else:
                check.add(line_of(data, key), f"`{key}` should be text", f"write `{key}: ...`")
    if "url" in meta and not re.match(r"^https?://\S+$", meta["url"]):
        check.add(line_of(data, "url"), f"`url` {meta['url']!r} is not an http(s) URL",
                  "write the article's full address, starting with https://")
        del meta["url"]
    if data.get("date") is not None:
        value = data["date"]
        if isinstance(value, date) and not isinstance(value, datetime):
            meta["date"] = value
        else:
            check.add(line_of(data, "date"), f"`date` {value!r} is not a date",
                      "write the day the article covers as YYYY-MM-DD, e.g. `date: 2022-09-10`")
    if data.get("published") is not None:
        value = data["published"]
        parsed = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            check.add(line_of(data, "published"), f"`published` {value!r} is not a date and time",
                      "write it as ISO 8601 with its offset, e.g. `published: 2023-09-28T16:23:00+01:00`")
        elif parsed.tzinfo is None:
            meta["published_naive"] = parsed
            check.problems.append(Problem(
                name, line_of(data, "published"), "`published` has no UTC offset",
                "add the offset (e.g. +02:00) or a `timezone:`; until then the article's "
                "timezone is assumed"))
        else:
            meta["published"] = parsed
    if data.get("timezone") is not None:
        zone = valid_timezone(data["timezone"])
        if zone:
            meta["timezone"] = zone
        else:
            check.add(line_of(data, "timezone"), f"unknown timezone {data['timezone']!r}",
                      "use an IANA name such as `Europe/London`")
    if data.get("themes") is not None:
        themes = data["themes"]
        if isinstance(themes, dict) and all(isinstance(v, str) for v in themes.values()):
            meta["themes"] = {str(k): v for k, v in themes.items()}
            meta["themes_line"] = line_of(data, "themes")
        else:
            check.add(line_of(data, "themes"), "`themes` should map items to theme slugs",
                      "write lines like `  1: diplomacy` (item number or item id: theme)")
    for key in ("merge", "split"):
        if data.get(key) is not None:
            groups = data[key]
            if isinstance(groups, list) and all(
                isinstance(g, list) and len(g) >= 2 and all(isinstance(i, str) for i in g)
                for g in groups
            ):
                meta[key] = [tuple(g) for g in groups]
            else:
                check.add(line_of(data, key), f"`{key}` should be a list of lists of item ids",
                          f"write e.g. `{key}: [[ITEM_ID, OTHER_ITEM_ID]]`")
    return meta, check.problems


def read_article(path: Path, root: Path) -> RawArticle:
    """Read one article file and its sidecar. Raises ReadError when the article is unreadable;
    sidecar mistakes are reported on the RawArticle and the good fields still used."""
    name = relative(path, root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(Problem(name, None, f"cannot be opened ({exc.strerror})",
                                "check that the file exists and is readable", "error")) from None
    sidecar = sidecar_for(path)
    sidecar_name = relative(sidecar, root)
    sidecar_bytes = b""
    problems: list[Problem] = []
    metadata: dict[str, Any] = {}
    if sidecar.exists():
        try:
            sidecar_bytes = sidecar.read_bytes()
            raw, problems = parse_sidecar(sidecar_bytes.decode("utf-8-sig"), sidecar_name)
            if not problems:
                metadata, problems = validate_metadata(raw, sidecar_name)
        except (OSError, UnicodeDecodeError) as exc:
            problems = [Problem(sidecar_name, None, f"cannot be read ({exc})",
                                "save it as UTF-8 YAML", "error")]
    text, decode_problems = decode(data, name, metadata.get("encoding"))
    if path.suffix.lower() in (".html", ".htm"):
        from .html import html_to_text  # only HTML pages need the extraction library

        text, html_meta = html_to_text(text)
        metadata = {**html_meta, **metadata}
    digest = hashlib.sha256(data + b"\0" + sidecar_bytes).hexdigest()
    return RawArticle(
        path=name,
        text=text,
        metadata=metadata,
        metadata_path=sidecar_name,
        content_hash=digest,
        problems=tuple(problems + decode_problems),
    )


# --- sidecars, quickly ---------------------------------------------------------------------


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The settings' YAML loader (key lines, no sexagesimal numbers: `config._Loader`) on
    libyaml's parser, which reads a sidecar about ten times faster."""


_FastLoader.yaml_constructors = _config._Loader.yaml_constructors
_FastLoader.yaml_implicit_resolvers = _config._Loader.yaml_implicit_resolvers


def parse_sidecar(text: str, name: str) -> tuple[Any, list[Problem]]:
    """`config.parse_yaml`, faster. Anything libyaml refuses goes to parse_yaml itself, so
    that an editor's mistake is always reported in the same words."""
    try:
        return yaml.load(text, Loader=_FastLoader), []  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return parse_yaml(text, name)


# --- many files ---------------------------------------------------------------------------

PARALLEL_FROM = 256  # fewer files than this are quicker to read in one process


def read_articles(paths: Sequence[Path], root: Path,
                  workers: int | None = None) -> list[RawArticle | ReadError]:
    """`read_article` of each path (or the ReadError it raised), in the order of `paths`; in
    worker processes when there are many."""
    from .cache import worker_started

    workers = workers or os.cpu_count() or 1
    if len(paths) < PARALLEL_FROM or workers < 2:
        return [_read_or_error(path, root) for path in paths]
    size = max(16, min(256, len(paths) // (workers * 8)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    out: list[RawArticle | ReadError] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_started) as pool:
        for done in pool.map(_read_chunk, chunks, [root] * len(chunks)):
            # A ReadError does not survive pickling: its Problem comes back instead.
            out += [ReadError(r) if isinstance(r, Problem) else r for r in done]
    return out


def _read_or_error(path: Path, root: Path) -> RawArticle | ReadError:
    try:
        return read_article(path, root)
    except ReadError as error:
        return error


def _read_chunk(paths: Sequence[Path], root: Path) -> list[RawArticle | Problem]:
    done = [_read_or_error(path, root) for path in paths]
    return [r.problem if isinstance(r, ReadError) else r for r in done]
