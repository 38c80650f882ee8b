"""What makes a rebuild quick: results kept by a hash of everything they are made from.

- `Store`: blobs by key, in memory and in one SQLite file (`.digest-cache/parse/store.sqlite`):
  parsed articles, days, pages and feeds. Keys are hashes of a result's inputs and of the code
  that makes it, so an entry is never stale, only unused; unused entries are collected.
- `ReadIndex` (`index.pickle`, loaded in one go): for each article file, its size, time and
  inode and what reading it gave, so that an unchanged file is neither read nor hashed again;
  and for each parse key, the little a build needs of the parsed article before its text
  (`ParsedInfo`), so that an unchanged article is not even decoded.
- `ParseCache`: the two together, as the build (and `digest serve`, which keeps it from build to
  build) uses them. Parsing many articles runs in worker processes.

A cache that cannot be read or written only costs time: every failure here means "compute it".
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import marshal
import os
import pickle
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from . import __version__
from .config import Settings, Sources
from .model import Article, Item, Problem, RawArticle

CACHE_FORMAT = "2"  # bump when the cache layout changes
PARALLEL_FROM = 64  # below this many misses, worker start-up costs more than it saves
STORE_NAME = "store.sqlite"
INDEX_NAME = "index.pickle"

# The modules whose code decides what `parse_article` returns. Their source is hashed into the
# key, so editing the parser can never serve a stale result, even without a version bump.
_PARSER_MODULES = ("parse", "lines", "line_shapes", "split", "dating", "dates", "date_names", "clutter",
                   "page_words", "html", "model", "article_json", "data/page.yaml",
                   "data/dates.yaml", "data/clutter.yaml")
# Modules that cannot change what a build makes: the commands around it. Everything else
# counts, new modules included, since a stale page is worse than a slow build.
_NOT_OUTPUT = {"cli", "serve.py", "reload.py", "watch.py", "ingest.py", "__main__.py",
               "httpd.py"}
_READ_MODULES = ("read", "html", "config", "model")  # what a RawArticle depends on


def parser_fingerprint() -> str:
    """A hash of the parser's code (and its version constant, when it declares one)."""
    return code_fingerprint(_PARSER_MODULES)


@lru_cache(maxsize=16)
def code_fingerprint(only: Sequence[str] | None = None) -> str:
    """A hash of digest's code that shapes the output (or of the modules named in `only`).
    Read once per process: the code that runs is the code that was loaded, even when the
    files change under a long `digest serve`."""
    package = Path(__file__).parent
    h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    if only is not None:
        paths = [package / (name if "/" in name else f"{name}.py") for name in only]
    else:
        # The parser's word lists (data/*.yaml) shape the output as much as its code.
        paths = [p for p in sorted([*package.rglob("*.py"), *package.glob("data/*.yaml")])
                 if p.relative_to(package).parts[0] not in _NOT_OUTPUT]
    for path in paths:
        if path.exists():
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def sources_fingerprint(sources: Sources) -> str:
    """A hash of sources.yaml's parsed content: a comment or reordering of keys in the file
    that changes nothing does not empty the cache; any change of a rule does."""
    return hashlib.sha256(repr(sources).encode("utf-8")).hexdigest()


def digest_of(*parts: object) -> str:
    """A hash of the `repr` of `parts`: frozen dataclasses print every field, so any change in
    an input changes it."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def worker_started() -> None:
    """A worker process forked from a build, which pauses the garbage collector: what the
    worker inherited is frozen (never scanned: scanning would also copy every page of it),
    and what it makes itself is collected as usual."""
    gc.freeze()
    gc.enable()


# --- values as bytes ----------------------------------------------------------------------------
# Plain tuples, strings, numbers and dates, pickled; unpickling admits nothing else, so a
# damaged (or tampered) cache file can make a build slower, never run code.


def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, ZoneInfo) and obj.key is not None:
            return _zone, (obj.key,)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    _ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"),
                ("datetime", "timedelta"), (__name__, "_zone")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a cache value")
        return super().find_class(module, name)


def pack(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=5).dump(value)
    return buffer.getvalue()


def unpack(data: bytes) -> Any:
    """The value `pack` made; raises ValueError for anything else."""
    try:
        return _Unpickler(io.BytesIO(data)).load()
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with the bytes: not a value
        raise ValueError(f"not a cache value ({exc})") from exc


ITEM_FIELDS = tuple(f.name for f in fields(Item))
item_tuple = attrgetter(*ITEM_FIELDS)  # Item -> tuple of its fields; Item(*t) makes it again


def article_to_tuple(article: Article) -> tuple[Any, ...]:
    return (article.path, article.source, article.source_slug, article.url, article.title,
            article.author, article.published, article.date, article.day_number, article.format,
            article.key_events, article.lead, tuple(item_tuple(i) for i in article.items),
            tuple(_problem_tuple(p) for p in article.warnings))


def article_from_tuple(t: Sequence[Any]) -> Article:
    (path, source, slug, url, title, author, published, day, number, form, keys, lead, items,
     warnings) = t
    return Article(path, source, slug, url, title, author, published, day, number, form,
                   key_events=tuple(keys), lead=tuple(lead), items=tuple(Item(*i) for i in items),
                   warnings=tuple(Problem(*p) for p in warnings))


def _problem_tuple(p: Problem) -> tuple[Any, ...]:
    return (p.path, p.line, p.message, p.fix, p.severity)


# --- the store ----------------------------------------------------------------------------------


class Store:
    """Blobs by key: in memory, and in one SQLite file unless `path` is None.

    Writes wait in memory until `save()`, which also records the keys this build used and,
    now and then, deletes entries that none of the last few builds used (`KEEP_BUILDS`: a
    preview under another address, or a build with other settings, keeps its own)."""

    KEEP_BUILDS = 4
    FLUSH_BYTES = 64 << 20  # pending writes above this go to disk at once
    _BATCH = 500  # keys per query

    def __init__(self, path: Path | None):
        self.path = path
        self.memory: dict[str, bytes] = {}
        self.used: set[str] = set()
        self._pending: dict[str, bytes] = {}
        self._pending_bytes = 0
        self._db: sqlite3.Connection | None = None
        self._forked_db: sqlite3.Connection | None = None  # see detach
        self._failed = path is None
        self._retried = False
        self._lock = threading.RLock()  # `digest serve` builds in a thread of its own

    @property
    def persistent(self) -> bool:
        """Whether what is put goes to disk (not when memory only, or after a failure)."""
        return not self._failed

    def detach(self) -> None:
        """Go on in memory only, without touching the database: in a forked process, whose
        connection is its parent's (closing it here would close it there)."""
        self._forked_db, self._db = self._db, None
        self._failed = True  # what waits to be written is still read, never written

    def identity(self) -> str:
        """A token that names this store's content: another after it was emptied."""
        with self._lock:
            db = self._connect()
            if db is not None:
                try:
                    row = db.execute("SELECT value FROM meta WHERE name = 'id'").fetchone()
                    if row is not None:
                        return str(row[0])
                except sqlite3.Error:
                    self._give_up()
            return f"memory-{id(self)}"

    def keep(self, keys: Iterable[str]) -> None:
        """Count `keys` as used by this build without reading them: what a build depends on
        but did not need to read (a day's stories behind a page that did not change) must
        survive the garbage collection, or the next change would have to make it again."""
        with self._lock:
            self.used.update(keys)

    def get(self, key: str) -> bytes | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The blobs there are of `keys`."""
        with self._lock:
            found: dict[str, bytes] = {}
            missing = []
            for key in keys:
                data = self.memory.get(key)
                if data is None:
                    data = self._pending.get(key)
                if data is None:
                    missing.append(key)
                else:
                    found[key] = data
            db = self._connect() if missing else None
            if db is not None:
                try:
                    for start in range(0, len(missing), self._BATCH):
                        batch = missing[start:start + self._BATCH]
                        marks = ",".join("?" * len(batch))
                        for key, data in db.execute(
                                f"SELECT key, data FROM blobs WHERE key IN ({marks})",  # noqa: S608
                                batch):
                            found[key] = self.memory[key] = data
                except sqlite3.Error:
                    self._give_up()
            self.used.update(found)
            return found

    def have(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` are there, without reading them."""
        with self._lock:
            there = set()
            missing = []
            for key in keys:
                if key in self.memory or key in self._pending:
                    there.add(key)
                else:
                    missing.append(key)
            db = self._connect() if missing else None
            if db is not None:
                try:
                    for start in range(0, len(missing), self._BATCH):
                        batch = missing[start:start + self._BATCH]
                        marks = ",".join("?" * len(batch))
                        there.update(key for (key,) in db.execute(
                            f"SELECT key FROM blobs WHERE key IN ({marks})", batch))  # noqa: S608
                except sqlite3.Error:
                    self._give_up()
            return there

    def put(self, key: str, data: bytes, *, keep: bool = True) -> None:
        """Store `data`; `keep` False: not in memory beyond this build's writing (the caller
        keeps what it needs, decoded)."""
        with self._lock:
            self.used.add(key)
            if keep or self._failed:
                self.memory[key] = data
            if self._failed:
                return
            self._pending[key] = data
            self._pending_bytes += len(data)
            if self._pending_bytes > self.FLUSH_BYTES:
                self.flush()

    def flush(self) -> None:
        with self._lock:
            db = self._connect() if self._pending else None
            if db is not None:
                try:
                    with db:
                        db.executemany("INSERT OR REPLACE INTO blobs (key, data) VALUES (?, ?)",
                                       self._pending.items())
                except sqlite3.Error:
                    self._give_up()
            self._pending.clear()
            self._pending_bytes = 0

    def save(self, build: str) -> set[str]:
        """The end of a build named `build` (its settings and address): write what waits,
        remember the keys it used, collect the garbage of older builds. The memory keeps only
        what this build used, so a long preview session does not grow without end. Returns
        the keys used."""
        with self._lock:
            self.flush()
            used, self.used = self.used, set()
            self.memory = {k: v for k, v in self.memory.items() if k in used}
            db = self._connect()
            if db is None:
                return used
            try:
                with db:
                    db.execute("INSERT OR REPLACE INTO builds (name, keys, stamp) VALUES (?, ?, ?)",
                               (build, marshal.dumps(sorted(used)), time.time()))
                    self._collect(db, len(used))
            except (sqlite3.Error, ValueError, EOFError, TypeError):
                self._give_up()
            return used

    def _collect(self, db: sqlite3.Connection, live: int) -> None:
        builds = db.execute("SELECT name FROM builds ORDER BY stamp DESC").fetchall()
        for (name,) in builds[self.KEEP_BUILDS:]:
            db.execute("DELETE FROM builds WHERE name = ?", (name,))
        (count,) = db.execute("SELECT count(*) FROM blobs").fetchone()
        if count <= live + max(2000, live // 4):
            return  # little garbage: not worth the time
        db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
        db.execute("DELETE FROM live")
        for (keys,) in db.execute("SELECT keys FROM builds").fetchall():
            db.executemany("INSERT OR IGNORE INTO live VALUES (?)", ((k,) for k in marshal.loads(keys)))
        db.execute("DELETE FROM blobs WHERE key NOT IN (SELECT key FROM live)")
        db.execute("DELETE FROM live")

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._failed or self.path is None:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # a reader never waits for a writer
            db.execute("PRAGMA synchronous=NORMAL")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            with db:
                if version != int(CACHE_FORMAT):
                    for table in ("blobs", "builds", "meta"):
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                    db.execute(f"PRAGMA user_version = {int(CACHE_FORMAT)}")
                db.execute("CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY,"
                           " data BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS builds (name TEXT PRIMARY KEY,"
                           " keys BLOB NOT NULL, stamp REAL NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                db.execute("INSERT OR IGNORE INTO meta VALUES ('id', ?)", (os.urandom(16).hex(),))
        except sqlite3.OperationalError:  # cannot be opened (a read-only folder...)
            self._give_up()
            return None
        except sqlite3.DatabaseError:
            # Not a database (damaged, or another program's file): start again, once.
            if self.path.exists() and not self._retried:
                self._retried = True
                with contextlib.suppress(OSError):
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                return self._connect()
            self._give_up()
            return None
        except OSError:
            self._give_up()
            return None
        self._db = db
        return db

    def _give_up(self) -> None:
        """Go on without the file: the build is slower, never wrong."""
        self._failed = True
        self._pending.clear()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


# --- memo of derived results (days, rendered pages, feeds) -------------------------------------


class Memo:
    """Results computed from known inputs, by a hash of those inputs: a day's stories, a
    rendered page. Kept in a `Store` (memory only when None).

    Keys are made with `key()` from a kind, a fingerprint of everything global the result
    depends on (code, templates, settings) and the `repr` of the inputs: frozen dataclasses
    print every field, so any change in an input changes the key."""

    def __init__(self, store: Store | None = None):
        self.store = store if store is not None else Store(None)
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_project(cls, settings: Settings) -> Memo:
        return cls(Store(cache_folder(settings) / STORE_NAME))

    @property
    def memory(self) -> dict[str, bytes]:
        return self.store.memory

    @staticmethod
    def key(kind: str, fingerprint: str, inputs: object) -> str:
        h = hashlib.sha256(f"{kind}\0{fingerprint}\0".encode())
        h.update(repr(inputs).encode("utf-8", "surrogatepass"))
        return f"{kind}-{h.hexdigest()}"

    def get(self, key: str) -> bytes | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        found = self.store.get_many(keys)
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def have(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` are there, without reading them."""
        return self.store.have(keys)

    def put(self, key: str, data: bytes, *, keep: bool = True) -> None:
        self.store.put(key, data, keep=keep)


# --- files read before, by their size and modification time -------------------------------------


def file_signature(path: Path | str) -> tuple[int, int, int] | None:
    """What tells a changed file without reading it: size, modification time, inode (as make
    and git do). None when the file does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class ParsedInfo(NamedTuple):
    """What a build needs of a parsed article before (and mostly instead of) the article:
    enough to place its items on their days and to report its problems."""

    key: str  # the parse key: the article is `ParseCache.get(key)`
    path: str
    date: date | None
    warnings: tuple[Problem, ...]
    items: tuple[tuple[str, date | None, int | None], ...]  # (id, date, line) of each item


def parsed_info(key: str, article: Article) -> ParsedInfo:
    return ParsedInfo(key, article.path, article.date, article.warnings,
                      tuple((i.id, i.date, i.line) for i in article.items))


class ReadIndex:
    """For each article file read before: the signatures of it and its sidecar, and what later
    stages need of its RawArticle except the text (its hash, editor's groups, problems). An
    unchanged article is then not read at all, unless its parse is not in the cache. Also the
    `ParsedInfo` of each parse key of the last build.

    Read in one go from one file; a build that changed a few entries appends them to a
    journal beside it rather than writing it whole. Every entry checks itself (a file's
    signature, a content key), so one that a crash left out or old only costs time."""

    JOURNAL_LIMIT = 4000  # changes kept in the journal before the index is written whole

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.parsed: dict[str, ParsedInfo] = {}
        self.store_id = ""  # the Store the parse infos point into
        self.changed = False
        self._parsed_used: set[str] = set()
        self._fingerprint = code_fingerprint(_READ_MODULES)
        self._token = ""  # names the whole index that the journal goes on from
        self._changes: list[tuple[Any, ...]] = []  # since the index was read or written
        self._journaled = 0  # changes in the journal file
        self._whole = True  # write it whole next time (no file yet, or a reset)
        if path is not None:
            self._load(path)

    @property
    def journal(self) -> Path | None:
        return self.path.with_suffix(".journal") if self.path is not None else None

    def _load(self, path: Path) -> None:
        try:
            fingerprint, entries, parsed, store_id, token = unpack(path.read_bytes())
        except (OSError, ValueError, TypeError):
            return
        if fingerprint != self._fingerprint:
            return
        self.entries, self.store_id, self._token, self._whole = entries, store_id, token, False
        for t in parsed:
            self._add_parsed(t)
        assert self.journal is not None
        try:
            stream = io.BytesIO(self.journal.read_bytes())
        except OSError:
            return
        while True:
            try:
                token, change, *args = _Unpickler(stream).load()
            except (ValueError, EOFError, TypeError, pickle.UnpicklingError):
                break  # the end, or a change cut short by a crash
            if token != self._token:
                continue  # from before the index was last written whole
            self._journaled += 1
            if change == "put":
                self.entries[args[0]] = args[1]
            elif change == "forget":
                self.entries.pop(args[0], None)
            elif change == "parsed":
                self._add_parsed(args[0])
            elif change == "drop":
                self.parsed.pop(args[0], None)

    def _add_parsed(self, t: tuple[Any, ...]) -> None:
        key, path, day, warnings, items = t
        self.parsed[key] = ParsedInfo(key, path, day, tuple(Problem(*w) for w in warnings)
                                      if warnings else (), items)

    def _change(self, *change: Any) -> None:
        self._changes.append(change)
        self.changed = True

    @staticmethod
    def signature(path: Path | str) -> tuple[Any, ...]:
        """The file's signature and its sidecar's: NAME.yaml, else NAME.yml (as read_article
        chooses)."""
        name = str(path)
        stem = os.path.splitext(name)[0]
        yaml = file_signature(stem + ".yaml")
        return (file_signature(name), yaml, None if yaml else file_signature(stem + ".yml"))

    def get(self, path: Path | str) -> RawArticle | None:
        """A RawArticle without its text, when the file and its sidecar are unchanged."""
        entry = self.entries.get(str(path))
        if entry is None or entry[0] != self.signature(path):
            return None
        _, raw_path, metadata_path, digest, metadata, problems = entry
        return RawArticle(raw_path, "", metadata, metadata_path, digest,
                          tuple(Problem(*p) for p in problems) if problems else ())

    def put(self, path: Path | str, raw: RawArticle) -> None:
        # Only the metadata that stages after parsing read: the editor's groups.
        metadata = {k: [tuple(g) for g in raw.metadata[k]] for k in ("merge", "split")
                    if k in raw.metadata}
        entry = (self.signature(path), raw.path, raw.metadata_path, raw.content_hash,
                 metadata, tuple(_problem_tuple(p) for p in raw.problems))
        self.entries[str(path)] = entry
        self._change("put", str(path), entry)

    def forget_others(self, paths: set[str]) -> None:
        for gone in set(self.entries) - paths:
            del self.entries[gone]
            self._change("forget", gone)

    def parsed_info(self, key: str) -> ParsedInfo | None:
        info = self.parsed.get(key)
        if info is not None:
            self._parsed_used.add(key)
        return info

    def put_parsed(self, info: ParsedInfo) -> None:
        self.parsed[info.key] = info
        self._parsed_used.add(info.key)
        self._change("parsed", _parsed_tuple(info))

    def reset_parsed(self, store_id: str) -> None:
        """Forget every parse info: they point into another store than `store_id`."""
        self.parsed.clear()
        self.store_id = store_id
        self._whole = self.changed = True

    def save(self) -> None:
        """Write what changed; the parse infos no parse asked for since the last save are
        dropped (their articles are gone or changed)."""
        for key in set(self.parsed) - self._parsed_used:
            del self.parsed[key]
            self._change("drop", key)
        self._parsed_used = set()
        if self.path is None or not self.changed:
            return
        try:
            if self._whole or self._journaled + len(self._changes) > self.JOURNAL_LIMIT:
                self._write_whole(self.path)
            else:
                assert self.journal is not None
                with self.journal.open("ab") as stream:  # one write: appended whole
                    stream.write(b"".join(pickle.dumps((self._token, *change), protocol=5)
                                          for change in self._changes))
                self._journaled += len(self._changes)
            self._changes = []
            self.changed = False
        except OSError:
            pass

    def _write_whole(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._token = os.urandom(8).hex()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # Plain tuples and plain pickle: nothing here needs `pack`'s zones, and it is quicker.
        tmp.write_bytes(pickle.dumps((self._fingerprint, self.entries,
                                      [_parsed_tuple(i) for i in self.parsed.values()],
                                      self.store_id, self._token), protocol=5))
        os.replace(tmp, path)  # a reader never sees half a file
        assert self.journal is not None
        self.journal.unlink(missing_ok=True)
        self._whole, self._journaled = False, 0


def _parsed_tuple(info: ParsedInfo) -> tuple[Any, ...]:
    return (info.key, info.path, info.date, tuple(map(_problem_tuple, info.warnings)),
            info.items)


# --- the parse cache ----------------------------------------------------------------------------


def cache_folder(settings: Settings) -> Path:
    """Where a project's caches live."""
    return settings.root / settings.cache / "parse"


class ParseCache:
    """Parsed articles by key, and every other cache of a project, carried from build to
    build (`digest serve` keeps one for its whole session). `folder` None: memory only."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.memory: dict[str, Article] = {}
        self.hits = 0
        self.misses = 0
        self._fingerprint = parser_fingerprint()
        self._sources: tuple[Sources, str] | None = None
        self._checked = False
        if folder is not None:
            _forget_old_layout(folder)
        self.store = Store(folder / STORE_NAME if folder is not None else None)
        # Later stages' results (a day's stories, rendered pages) and the index of files read
        # live beside the parses, so that one object carries every cache from build to build.
        self.memo = Memo(self.store)
        self.reads = ReadIndex(folder / INDEX_NAME if folder is not None else None)

    @classmethod
    def for_project(cls, settings: Settings) -> ParseCache:
        return cls(cache_folder(settings))

    def key(self, raw: RawArticle, sources: Sources, settings: Settings) -> str:
        if self._sources is None or self._sources[0] is not sources:
            self._sources = (sources, sources_fingerprint(sources))  # once, not per article
        parts = (raw.content_hash, self._sources[1], settings.timezone,
                 settings.war_start.isoformat(), self._fingerprint, raw.path)
        # raw.path is part of the key: the article records where it came from, and problems
        # name the file; two copies of the same bytes are two articles.
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

    def get(self, key: str) -> Article | None:
        article = self.memory.get(key)
        if article is not None:
            return article
        data = self.store.get(f"article-{key}")
        if data is None:
            return None
        try:
            article = article_from_tuple(unpack(data))
        except (ValueError, TypeError):
            return None  # damaged: parse again
        self.memory[key] = article
        return article

    def put(self, key: str, article: Article, data: bytes | None = None) -> None:
        self.memory[key] = article  # decoded: the bytes need not stay in memory too
        self.store.put(f"article-{key}", data if data is not None
                       else pack(article_to_tuple(article)), keep=False)

    def article(self, key: str, raw: RawArticle, sources: Sources, settings: Settings,
                reread: Callable[[RawArticle], RawArticle] | None = None) -> Article | None:
        """The article of a parse key the index knows, parsed again should the store have
        lost it (then read again with `reread`: a file that changed since gives None)."""
        article = self.get(key)
        if article is not None:
            return article
        if not raw.text and reread is not None:
            raw = reread(raw)
        if self.key(raw, sources, settings) != key:
            return None
        article, _ = _parse_one(raw, sources, settings)
        if article is not None:
            self.put(key, article)
        return article

    def info(self, key: str) -> ParsedInfo | None:
        """The ParsedInfo of a parse key, without decoding the article when the index has it."""
        if not self._checked:
            # The index's parse infos point into one store: not into another, or an emptied one.
            self._checked = True
            if self.reads.store_id != self.store.identity():
                self.reads.reset_parsed(self.store.identity())
        info = self.reads.parsed_info(key)
        if info is None:
            article = self.get(key)
            if article is None:
                return None
            info = parsed_info(key, article)
            self.reads.put_parsed(info)
        else:
            self.store.used.add(f"article-{key}")  # still wanted, though not read
        return info

    def save(self, build: str) -> None:
        """The end of a build: the store, then the index, to disk. The index's parse infos
        point into the store: when the store could not be written, they are not kept."""
        used = self.store.save(build)
        self.memory = {k: a for k, a in self.memory.items() if f"article-{k}" in used}
        if not self.store.persistent and self.folder is not None:
            self.reads.reset_parsed("")
        self.reads.save()


def _forget_old_layout(folder: Path) -> None:
    """The first cache layout (a JSON file per article, a file per memo): delete it once."""
    for old in (folder.parent / "memo", folder.parent / "read-index.json"):
        try:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            elif old.exists():
                old.unlink()
        except OSError:
            pass
    try:
        for sub in folder.iterdir() if folder.is_dir() else ():
            if len(sub.name) == 2 and sub.is_dir():
                shutil.rmtree(sub, ignore_errors=True)
    except OSError:
        pass


# --- parsing many articles ----------------------------------------------------------------------

Parsed = tuple[Article | None, Problem | None]


def _parse_one(raw: RawArticle, sources: Sources, settings: Settings) -> Parsed:
    from .parse import parse_article

    try:
        return parse_article(raw, sources, settings), None
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
        return None, Problem(raw.path, None, f"the parser failed on it ({type(exc).__name__}: "
                             f"{exc})", "report this as a bug, with the file", "error")


def _parse_chunk(raws: Sequence[RawArticle], sources: Sources,
                 settings: Settings) -> list[tuple[bytes | None, Problem | None]]:
    # Workers send back the packed form: it is what the cache stores anyway, and plain tuples
    # pickle faster than nested frozen dataclasses.
    out: list[tuple[bytes | None, Problem | None]] = []
    for raw in raws:
        article, problem = _parse_one(raw, sources, settings)
        out.append((pack(article_to_tuple(article)) if article is not None else None, problem))
    return out


def parse_infos(raws: Sequence[RawArticle], sources: Sources, settings: Settings,
                cache: ParseCache, workers: int | None = None,
                reread: Callable[[RawArticle], RawArticle] | None = None
                ) -> list[tuple[ParsedInfo | None, Problem | None]]:
    """What the build needs of every article's parse, from the cache where possible (then the
    article is not even decoded); results in the order of `raws`. A RawArticle the ReadIndex
    gave without its text is read again with `reread` when its parse is not in the cache."""
    raws = list(raws)
    results: list[tuple[ParsedInfo | None, Problem | None] | None] = [None] * len(raws)
    keys = [cache.key(raw, sources, settings) for raw in raws]
    todo: list[int] = []
    for n, key in enumerate(keys):
        info = cache.info(key)
        if info is not None:
            results[n] = (info, None)
            continue
        if not raws[n].text and reread is not None:
            try:
                raws[n] = reread(raws[n])
            except Exception as exc:  # noqa: BLE001 - e.g. ReadError: report, go on
                problem = getattr(exc, "problem", None)
                results[n] = (None, problem if isinstance(problem, Problem) else Problem(
                    raws[n].path, None, f"cannot be read ({exc})", "check the file", "error"))
                continue
            keys[n] = cache.key(raws[n], sources, settings)  # it may have changed since
            info = cache.info(keys[n])
            if info is not None:
                results[n] = (info, None)
                continue
        todo.append(n)
    cache.hits += len(raws) - len(todo)
    cache.misses += len(todo)
    for n, (article, problem) in zip(todo, _parse_many([raws[n] for n in todo], sources,
                                                        settings, cache, [keys[n] for n in todo],
                                                        workers), strict=True):
        info = parsed_info(keys[n], article) if article is not None else None
        if info is not None:
            cache.reads.put_parsed(info)
        results[n] = (info, problem)
    return [r for r in results if r is not None]


def _parse_many(raws: list[RawArticle], sources: Sources, settings: Settings, cache: ParseCache,
                keys: list[str], workers: int | None) -> list[Parsed]:
    """Parse `raws` (none of them in the cache) and put them in it."""
    workers = workers or os.cpu_count() or 1
    results: list[Parsed] = []
    if len(raws) >= PARALLEL_FROM and workers > 1:
        # Many small chunks: a worker that is done early takes the next one.
        size = max(8, min(64, len(raws) // (workers * 8)))
        chunks = [range(i, min(i + size, len(raws))) for i in range(0, len(raws), size)]
        with ProcessPoolExecutor(max_workers=workers, initializer=worker_started) as pool:
            futures = [pool.submit(_parse_chunk, [raws[n] for n in chunk], sources, settings)
                       for chunk in chunks]
            for chunk, future in zip(chunks, futures, strict=True):
                for n, (data, problem) in zip(chunk, future.result(), strict=True):
                    article = article_from_tuple(unpack(data)) if data is not None else None
                    if article is not None:
                        cache.put(keys[n], article, data)
                    results.append((article, problem))
        return results
    for raw, key in zip(raws, keys, strict=True):
        article, problem = _parse_one(raw, sources, settings)
        if article is not None:
            cache.put(key, article)
        results.append((article, problem))
    return results


def parse_all(raws: Sequence[RawArticle], sources: Sources, settings: Settings,
              cache: ParseCache | None = None, workers: int | None = None,
              reread: Callable[[RawArticle], RawArticle] | None = None) -> list[Parsed]:
    """Parse every article, from the cache where possible; results in the order of `raws`.
    A RawArticle the ReadIndex gave without its text is read again with `reread` when its
    parse is not in the cache."""
    cache = cache if cache is not None else ParseCache(None)
    raws = list(raws)
    out: list[Parsed] = []
    for raw, (info, problem) in zip(raws, parse_infos(raws, sources, settings, cache, workers,
                                                      reread), strict=True):
        article = None
        if info is not None:
            article = cache.article(info.key, raw, sources, settings, reread)
            if article is None:
                problem = Problem(raw.path, None, "it changed while it was being read",
                                  "build again", "error")
        out.append((article, problem))
    return out
