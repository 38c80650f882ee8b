"""Stage `read`: article files and their sidecar metadata, decoded into RawArticles.

The only stage besides the final write that touches the disk. Text comes out as NFC with "\\n"
newlines and no control characters but tab and newline, whatever the file's encoding was.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import Checker, line_of, parse_yaml, valid_timezone
from .model import Problem, RawArticle, Severity
from .safe_yaml import UNSAFE, describe, strip_unsafe, unsafe_lines

ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
# The longest article pages are a few hundred kB (a live blog of a whole day with its clutter);
# anything much larger is a log or a dump saved by mistake, and would only slow the build.
MAX_ARTICLE_BYTES = 10_000_000
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
# Zero-width spaces and stray byte-order marks are page furniture: removed without a word. The
# characters no later stage can take (safe_yaml.UNSAFE) are removed with a warning.
_INVISIBLE = re.compile(r"[\u200b\ufeff]")
# No-break and other fixed-width spaces: pages use them between words, rules expect spaces.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


class ReadError(Exception):
    """An input that cannot be read at all; carries the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# `&#1;`, `&#xFFFE;`, `&#xD800;`: a reference to a character XML cannot hold makes the HTML
# library give up on the whole page (no text at all). Such references are removed first.
_BAD_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _drop_bad_reference(match: re.Match[str]) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    bad = (code < 0x20 and code not in (0x09, 0x0A, 0x0D)) or code in (0xFFFE, 0xFFFF) \
        or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF
    return "" if bad else match[0]


def _name(path: Path, root: Path) -> str:
    """`relative`, for a path that may be a link: where it stands, not where it leads."""
    try:
        return (path.parent.resolve() / path.name).relative_to(_resolved(root)).as_posix()
    except ValueError:
        return str(path)


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
    """The paths (as text) of `discover_articles`; see `find_files`."""
    return find_files(folder, ARTICLE_SUFFIXES)


def find_files(folder: Path, suffixes: tuple[str, ...]) -> list[str]:
    """The paths (as text) of the files under `folder` whose names end with one of `suffixes`,
    sorted by their parts, as Paths sort; files and folders whose names start with "." or "_"
    are left out, and symbolic links to folders are not followed. Anything else with such a
    name is listed, even if it is not a regular file: the reader says why it is not read."""
    if not folder.is_dir():
        return []
    found: list[tuple[str, ...]] = []

    def walk(path: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(path) as scan:
                entries = list(scan)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")):
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        walk(entry.path, (*parts, name))
                elif name.lower().endswith(suffixes):
                    # FIFOs, sockets, devices and links that lead out of the project are
                    # listed too: they are refused by name, never silently.
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
    elif (codec := _utf16_without_bom(data)) is not None:
        text = _decode_or_refuse(data, codec, name)
        problems.append(Problem(name, None, f"the file is {codec.upper()} without a byte order mark; "
                                "it was read as such", "save it as UTF-8"))
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
    text, found = clean_with_warning(text, name)
    return text, problems + found


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the bytes look like text in it (Windows tools save it
    so): zeros in one half of the byte pairs only (the spaces and newlines of any script, every
    Latin letter), and what it decodes to is printable text; None otherwise."""
    head = data[:8192]
    if len(head) < 16 or b"\x00" not in head:
        return None
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2], head[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.2 * len(zeros) and other.count(0) == 0:
            try:
                sample = head.decode(codec)
            except UnicodeDecodeError:
                continue
            printable = sum(1 for ch in sample if ch.isprintable() or ch in "\t\n\r")
            if printable >= 0.97 * len(sample):
                return codec
    return None


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
    """NFC, "\n" newlines, no UNSAFE or invisible characters, plain spaces."""
    text = strip_unsafe(text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _INVISIBLE.sub("", text))


def clean_with_warning(text: str, name: str, line_offset: int = 0) -> tuple[str, list[Problem]]:
    """`clean_text`, and one warning naming the first line that held UNSAFE characters (an
    article pasted from a terminal or a broken page can hold hundreds of them)."""
    lines = unsafe_lines(text) if UNSAFE.search(text) else []
    if not lines:
        return clean_text(text), []
    chars = "".join(c for _, c in lines)
    more = f" on {len(lines)} lines, the first here" if len(lines) > 1 else ""
    return clean_text(text), [Problem(
        name, lines[0][0] + line_offset,
        f"{len(chars)} control or invalid characters ({describe(chars)[:80]}) were removed{more}",
        "nothing to do if the text reads well; otherwise save the article again as UTF-8 text")]


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
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            with contextlib.suppress(ValueError):  # `date: "2023-09-28"`, quoted: the same day
                value = date.fromisoformat(value.strip())
        if isinstance(value, date) and not isinstance(value, datetime):
            meta["date"] = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            check.add(line_of(data, "date"), f"{value.strip()} is not a date", "write YYYY-MM-DD")
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
    name = _name(path, root)
    refused = refuse_input(path, root, name)
    if refused is not None:
        raise ReadError(refused)
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ReadError(Problem(name, None, f"the file is {size / 1e6:.0f} MB, larger than any "
                                    f"article ({MAX_ARTICLE_BYTES // 1_000_000} MB at most), so it "
                                    "is not read", "save only the article's text, or delete it",
                                    "error"))
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(Problem(name, None, f"cannot be opened ({exc.strerror})",
                                "check that the file exists and is readable", "error")) from None
    sidecar = sidecar_for(path)
    sidecar_name = _name(sidecar, root)
    sidecar_bytes = b""
    problems: list[Problem] = []
    metadata: dict[str, Any] = {}
    if sidecar.is_symlink() or sidecar.exists():
        refused = refuse_input(sidecar, root, sidecar_name, "error")
        try:
            if refused is not None:
                problems = [refused]
            else:
                sidecar_bytes = sidecar.read_bytes()
                raw, problems = parse_sidecar(sidecar_bytes.decode("utf-8-sig"), sidecar_name)
                if raw is not None:
                    metadata, found = validate_metadata(raw, sidecar_name)
                    problems += found
        except (OSError, UnicodeDecodeError) as exc:
            problems = [Problem(sidecar_name, None, f"cannot be read ({exc})",
                                "save it as UTF-8 YAML", "error")]
    text, decode_problems = decode(data, name, metadata.get("encoding"))
    if path.suffix.lower() in (".html", ".htm"):
        from .html import html_to_text  # only HTML pages need the extraction library

        text, html_meta = html_to_text(_BAD_REFERENCE.sub(_drop_bad_reference, text))
        # Entities (`&#1;`, `&#xFFFE;`) make in the extracted text and the page's own metadata
        # what the bytes did not hold: cleaned here too, silently (the page is not the editor's).
        text = clean_text(text)
        metadata = {**{k: clean_text(v) if isinstance(v, str) else v for k, v in html_meta.items()},
                    **metadata}
    digest = hashlib.sha256(data + b"\0" + sidecar_bytes).hexdigest()
    return RawArticle(
        path=name,
        text=text,
        metadata=metadata,
        metadata_path=sidecar_name,
        content_hash=digest,
        problems=tuple(problems + decode_problems),
    )


# --- sidecars --------------------------------------------------------------------------------


def parse_sidecar(text: str, name: str) -> tuple[Any, list[Problem]]:
    """A sidecar's YAML: the one loader of every file (`safe_yaml.load`, on libyaml)."""
    return parse_yaml(text, name)


# --- what may be read -----------------------------------------------------------------------

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))


def refuse_input(path: Path, root: Path, name: str, severity: Severity = "warning") -> Problem | None:
    """Why `path` must not be read, or None when it is a regular file inside the project.

    A link that leads out of the project would publish a file that is not the project's (an
    editor's ~/.ssh, /etc/passwd) in pages and feeds; a FIFO would block the build forever on
    open(), a device would never end. Both are looked at without opening them."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return None  # the caller says it in its own words
    except OSError as exc:
        return Problem(name, None, f"cannot be looked at ({exc.strerror})",
                       "check that the file exists and is readable", severity)
    st = link
    if stat.S_ISLNK(link.st_mode):
        target = path.resolve()
        try:
            target.relative_to(root.resolve())
        except ValueError:
            return Problem(name, None, f"is a link to {target}, outside the project, so it is not read",
                           "copy the file into the project instead of linking to it", severity)
        try:
            st = os.stat(path)
        except OSError:
            return Problem(name, None, "is a link to a file that does not exist",
                           "delete the link, or make it point to the file", severity)
    if stat.S_ISREG(st.st_mode):
        return None
    kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
    return Problem(name, None, f"is {kind}, not a file, so it is skipped",
                   "delete it, or put the article's text in a plain file", severity)


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
