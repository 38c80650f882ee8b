"""The parse cache: parsing is the slow stage, and its result depends only on the article's bytes
(and sidecar), the outlets' rules, the site's timezone and war start, and the parser's code.

The key is a sha256 of all of these; the value is the article's documented JSON form
(`digest.article_json`) in `.digest-cache/parse/`. An in-memory layer on top lets `digest serve`
re-parse only what changed. A cold build with many articles parses them in worker processes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings, Sources
from .model import Article, Problem, RawArticle

CACHE_FORMAT = "1"  # bump when the cache layout changes
PARALLEL_FROM = 64  # below this many misses, worker start-up costs more than it saves

# The modules whose code decides what `parse_article` returns. Their source is hashed into the
# key, so editing the parser can never serve a stale result, even without a version bump.
_PARSER_MODULES = ("parse", "dates", "clutter", "split", "html", "model", "article_json")


def parser_fingerprint() -> str:
    """A hash of the parser's code (and its version constant, when it declares one)."""
    package = Path(__file__).parent
    h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    for name in _PARSER_MODULES:
        path = package / f"{name}.py"
        if path.exists():
            h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# Modules that cannot change what a build makes: the commands around it. Everything else
# counts, new modules included, since a stale page is worse than a slow build.
_NOT_OUTPUT = {"cli", "serve.py", "reload.py", "watch.py", "ingest.py", "__main__.py"}
_READ_MODULES = ("read", "html", "config", "model")  # what a RawArticle depends on


def code_fingerprint(only: Sequence[str] | None = None) -> str:
    """A hash of digest's code that shapes the output (or of the modules named in `only`)."""
    package = Path(__file__).parent
    h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    if only is not None:
        paths = [package / f"{name}.py" for name in only]
    else:
        paths = [p for p in sorted(package.rglob("*.py"))
                 if p.relative_to(package).parts[0] not in _NOT_OUTPUT]
    for path in paths:
        if path.exists():
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def sources_fingerprint(sources: Sources) -> str:
    """A hash of sources.yaml's parsed content: a comment or reordering of keys in the file
    that changes nothing does not empty the cache; any change of a rule does."""
    return hashlib.sha256(repr(sources).encode("utf-8")).hexdigest()


class ParseCache:
    """Parsed articles by key, in memory and (unless `folder` is None) on disk."""

    def __init__(self, folder: Path | None, memo_folder: Path | None = None):
        self.folder = folder
        self.memory: dict[str, Article] = {}
        self.hits = 0
        self.misses = 0
        self._fingerprint = parser_fingerprint()
        # Later stages' results (a day's stories, rendered pages) and the index of files read
        # live beside the parses, so that one object carries every cache from build to build
        # (`digest serve` keeps it).
        self.memo = Memo(memo_folder)
        self.reads = ReadIndex(memo_folder.parent / "read-index.json" if memo_folder else None)

    @classmethod
    def for_project(cls, settings: Settings) -> ParseCache:
        folder = settings.root / settings.cache
        return cls(folder / "parse", folder / "memo")

    def key(self, raw: RawArticle, sources: Sources, settings: Settings) -> str:
        parts = (raw.content_hash, sources_fingerprint(sources), settings.timezone,
                 settings.war_start.isoformat(), self._fingerprint, raw.path)
        # raw.path is part of the key: the article records where it came from, and problems
        # name the file; two copies of the same bytes are two articles.
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

    def get(self, key: str) -> Article | None:
        if key in self.memory:
            return self.memory[key]
        if self.folder is None:
            return None
        path = self.folder / key[:2] / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            article = _from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: parse again
        self.memory[key] = article
        return article

    def put(self, key: str, article: Article, data: dict[str, Any] | None = None) -> None:
        self.memory[key] = article
        if self.folder is None:
            return
        path = self.folder / key[:2] / f"{key}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(data if data is not None else _to_json(article), ensure_ascii=False)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)  # a reader never sees half a file
        except OSError:
            pass  # a cache that cannot be written only costs time


def _to_json(article: Article) -> dict[str, Any]:
    from .article_json import article_to_json

    return article_to_json(article)


def _from_json(data: dict[str, Any]) -> Article:
    from .article_json import article_from_json

    return article_from_json(data)


# --- parsing many articles --------------------------------------------------------------------

Parsed = tuple[Article | None, Problem | None]


def _parse_one(raw: RawArticle, sources: Sources, settings: Settings) -> Parsed:
    from .parse import parse_article

    try:
        return parse_article(raw, sources, settings), None
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
        return None, Problem(raw.path, None, f"the parser failed on it ({type(exc).__name__}: "
                             f"{exc})", "report this as a bug, with the file", "error")


def _parse_chunk(raws: Sequence[RawArticle], sources: Sources,
                 settings: Settings) -> list[tuple[dict[str, Any] | None, Problem | None]]:
    # Workers send back the JSON form: it is what the cache stores anyway, and plain dicts
    # pickle faster than nested frozen dataclasses.
    out: list[tuple[dict[str, Any] | None, Problem | None]] = []
    for raw in raws:
        article, problem = _parse_one(raw, sources, settings)
        out.append((_to_json(article) if article is not None else None, problem))
    return out


def parse_all(raws: Sequence[RawArticle], sources: Sources, settings: Settings,
              cache: ParseCache | None = None, workers: int | None = None,
              reread: Callable[[RawArticle], RawArticle] | None = None) -> list[Parsed]:
    """Parse every article, from the cache where possible; results in the order of `raws`.
    A RawArticle the ReadIndex gave without its text is read again with `reread` when its
    parse is not in the cache."""
    cache = cache if cache is not None else ParseCache(None)
    raws = list(raws)
    results: list[Parsed | None] = [None] * len(raws)
    keys = [cache.key(raw, sources, settings) for raw in raws]
    todo: list[int] = []
    for n, key in enumerate(keys):
        article = cache.get(key)
        if article is None:
            todo.append(n)
            if not raws[n].text and reread is not None:
                try:
                    raws[n] = reread(raws[n])
                except Exception as exc:  # noqa: BLE001 - e.g. ReadError: report, go on
                    problem = getattr(exc, "problem", None)
                    results[n] = (None, problem if isinstance(problem, Problem) else Problem(
                        raws[n].path, None, f"cannot be read ({exc})", "check the file", "error"))
                    todo.pop()
                    continue
                keys[n] = cache.key(raws[n], sources, settings)  # it may have changed since
        else:
            results[n] = (article, None)
    cache.hits += len(raws) - len(todo)
    cache.misses += len(todo)
    workers = workers or os.cpu_count() or 1
    if len(todo) >= PARALLEL_FROM and workers > 1:
        size = max(16, len(todo) // (workers * 8))
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_parse_chunk, [raws[n] for n in chunk], sources, settings)
                       for chunk in chunks]
            for chunk, future in zip(chunks, futures, strict=True):
                for n, (data, problem) in zip(chunk, future.result(), strict=True):
                    article = _from_json(data) if data is not None else None
                    if article is not None:
                        cache.put(keys[n], article, data)
                    results[n] = (article, problem)
    else:
        for n in todo:
            article, problem = _parse_one(raws[n], sources, settings)
            if article is not None:
                cache.put(keys[n], article)
            results[n] = (article, problem)
    return [r for r in results if r is not None]


# --- memo of derived results (stories of a day, rendered pages) -------------------------------


class Memo:
    """Results computed from known inputs, by a hash of those inputs: a day's stories, a
    rendered page. In memory, and on disk under `.digest-cache/memo/` unless `folder` is None.

    Keys are made with `key()` from a kind, a fingerprint of everything global the result
    depends on (code, templates, settings) and the `repr` of the inputs: frozen dataclasses
    print every field, so any change in an input changes the key."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.memory: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_project(cls, settings: Settings) -> Memo:
        return cls(settings.root / settings.cache / "memo")

    @staticmethod
    def key(kind: str, fingerprint: str, inputs: object) -> str:
        h = hashlib.sha256(f"{kind}\0{fingerprint}\0".encode())
        h.update(repr(inputs).encode("utf-8", "surrogatepass"))
        return f"{kind}-{h.hexdigest()}"

    def get(self, key: str) -> bytes | None:
        data = self.memory.get(key)
        if data is None and self.folder is not None:
            try:
                data = (self.folder / key[-2:] / key).read_bytes()
            except OSError:
                data = None
            if data is not None:
                self.memory[key] = data
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        self.memory[key] = data
        if self.folder is None:
            return
        path = self.folder / key[-2:] / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{key}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            pass  # a memo that cannot be written only costs time


# --- files read before, by their size and modification time -----------------------------------


def file_signature(path: Path) -> list[int] | None:
    """What tells a changed file without reading it: size, modification time, inode (as make
    and git do). None when the file does not exist."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class ReadIndex:
    """For each article file read before: the signatures of it and its sidecar, and what later
    stages need of its RawArticle except the text (its hash, editor's groups, problems). An
    unchanged article is then not read at all, unless its parse is not in the cache."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        self._fingerprint = code_fingerprint(_READ_MODULES)
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("code") == self._fingerprint:
                    self.entries = data["files"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.entries = {}

    @staticmethod
    def signature(path: Path) -> list[Any]:
        return [file_signature(path), file_signature(path.with_suffix(".yaml")),
                file_signature(path.with_suffix(".yml"))]

    def get(self, path: Path) -> RawArticle | None:
        """A RawArticle without its text, when the file and its sidecar are unchanged."""
        entry = self.entries.get(str(path))
        if entry is None or entry["sig"] != self.signature(path):
            return None
        try:
            return RawArticle(
                path=entry["path"], text="", metadata=entry["metadata"],
                metadata_path=entry["metadata_path"], content_hash=entry["hash"],
                problems=tuple(Problem(*p) for p in entry["problems"]))
        except (KeyError, TypeError):
            return None

    def put(self, path: Path, raw: RawArticle) -> None:
        self.entries[str(path)] = {
            "sig": self.signature(path), "path": raw.path, "metadata_path": raw.metadata_path,
            "hash": raw.content_hash,
            # Only the metadata that stages after parsing read: the editor's groups.
            "metadata": {k: [list(g) for g in raw.metadata[k]]
                         for k in ("merge", "split") if k in raw.metadata},
            "problems": [[p.path, p.line, p.message, p.fix, p.severity] for p in raw.problems],
        }
        self.changed = True

    def forget_others(self, paths: set[str]) -> None:
        for gone in set(self.entries) - paths:
            del self.entries[gone]
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"code": self._fingerprint, "files": self.entries}),
                           encoding="utf-8")
            os.replace(tmp, self.path)
            self.changed = False
        except OSError:
            pass
