"""`digest build`: the whole pipeline, top to bottom.

    load config -> read + parse (cached) -> content -> days (themes, stories, key events)
    -> render -> feeds -> write beside the old site and swap

`prepare()` computes everything and writes nothing (`digest check` and `digest serve` use it);
`build_site()` is prepare plus the write. Only the final write touches the output folder, and a
failed build leaves the previous site whole.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from .cache import ParseCache, ParsedInfo, cache_folder, digest_of, parse_infos
from .config import Config, load_config
from .days import Groups, ItemRef, Load, dated_refs, item_ref, load_parsed, make_days_lazy
from .feeds import render_feeds
from .model import Day, Item, OutputFile, Problem, RawArticle
from .output import check_output, clear_leftovers, swap_in
from .read import ReadError, find_articles, read_article, read_articles
from .render import make_site, render_site, template_errors
from .urls import Urls


@dataclass(slots=True)
class Prepared:
    """Everything a build computes, before anything is written."""

    config: Config
    base_url: str
    days: Sequence[Day]  # oldest first; a day's stories are decoded when first read
    files: list[OutputFile]
    problems: list[Problem]  # every problem, in input order (left-out ones included)
    left_out: list[Problem]  # inputs not on the site, each with why and the fix
    articles: int = 0  # articles read and parsed
    items: int = 0  # items shown on the site
    pages: int = 0  # HTML pages
    feeds: int = 0  # feed files
    seconds: float = 0.0
    keys: dict[str, str] = field(default_factory=dict)  # output path -> what made its bytes


@dataclass(slots=True)
class BuildResult:
    prepared: Prepared
    out: Path
    written: int = 0  # files whose bytes changed (or are new)
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def prepare(root: Path, *, base_url: str | None = None,
            cache: ParseCache | None = None, config: Config | None = None) -> Prepared:
    """Compute the whole site in memory. Raises ConfigError when the settings are wrong, and
    render.TemplateProblems (a ConfigError) when a template is."""
    started = time.perf_counter()
    config = config if config is not None else load_config(root)
    settings = config.settings
    urls = Urls(base_url or settings.base_url)
    cache = cache if cache is not None else ParseCache.for_project(settings)
    with collector_paused():
        raws, problems, left_out = read_all(root, config, cache)
        problems = list(config.problems) + problems  # the settings files' warnings come first
        parsed, parse_problems, failed = parse_articles(raws, config, cache)
        raws = [replace(r, text="") if r.text else r for r in raws]  # the parser's, done with
        problems += parse_problems
        refs, undated = dated_refs(parsed)
        left_out += failed + undated
        merge, split = editor_groups(raws)
        load = item_loader(raws, config, cache)

        # --- content/: hand-written items and corrections (digest/content.py) ---------------
        refs, more_merge, more_split, content_problems = add_content(root, config, refs, load)
        merge, split = merge + more_merge, split + more_split
        problems += content_problems

        result = make_days_lazy(refs, config, load=load, merge=merge, split=split,
                                memo=cache.memo)
        cache.memory.clear()  # the articles were for the days: let them go before rendering
        left_out += result.problems
        with template_errors(root):  # a broken template: `templates/day.html:12: ...`
            site = make_site(result.days, config, urls, memo=cache.memo)
            files = render_site(site)
            feeds = render_feeds(site)
        problems += site.problems
        cache.save(build=urls.base_url)
    # The parser repeats the reading problems among an article's warnings: say each once.
    problems = list(dict.fromkeys(problems + left_out))
    return Prepared(
        config=config, base_url=urls.base_url, days=result.days, files=files + feeds,
        problems=problems, left_out=left_out, articles=len(parsed),
        items=result.items, pages=sum(f.path.endswith(".html") for f in files),
        feeds=len(feeds), seconds=time.perf_counter() - started, keys=site.keys)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """A build makes millions of small objects that live until it ends (the index, items,
    pages): the cyclic garbage collector would scan them again and again, for a third of a
    rebuild's time, to find almost nothing. So it is paused, and what the build made is then
    frozen (`gc.freeze`): never scanned, yet freed as usual when no longer referenced. The
    few cycles a build leaves are collected when the next build in the same process (a
    preview) begins."""
    if not gc.isenabled():  # paused already (prepare within build_site)
        yield
        return
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def build_site(root: Path, *, base_url: str | None = None, out: Path | None = None,
               strict: bool = False, cache: ParseCache | None = None,
               force: bool = False) -> BuildResult:
    """Prepare the site and write it to `out` (default: the settings' output folder).
    `strict` is the CLI's business (exit code); the site is written either way. Raises
    output.OutputError, before reading anything, when the output folder is not one the site
    may replace (the project, its inputs, someone else's files: `force` allows the last)."""
    started = time.perf_counter()
    with collector_paused():
        config = load_config(root)
        settings = config.settings
        folder = cache.folder if cache is not None else cache_folder(settings)

        def record_of(target: Path) -> Path | None:
            # What was written where, and the site before, beside the cache.
            return folder / f"site-{digest_of(str(target.absolute()))[:16]}" if folder else None

        target = check_output(root, config, out, force=force,
                              ours=lambda found: written_here(found, record_of(found)))
        prepared = prepare(root, base_url=base_url, cache=cache, config=config)
        written = write_site(prepared.files, target, keys=prepared.keys,
                             record=record_of(target))
    return BuildResult(prepared, target, written, time.perf_counter() - started,
                       list(prepared.problems))


# --- reading and parsing --------------------------------------------------------------------


def read_all(root: Path, config: Config, cache: ParseCache | None = None
             ) -> tuple[list[RawArticle], list[Problem], list[Problem]]:
    """Every article of seeds/, the problems found reading them, and the unreadable ones.
    Files unchanged since the last build (by size and time) come from the cache's index,
    without their text: parse_articles reads them again only if it has to parse them."""
    index = cache.reads if cache is not None else None
    paths = find_articles(root / config.settings.seeds)
    known = [index.get(path) if index is not None else None for path in paths]
    unread = [path for path, raw in zip(paths, known, strict=True) if raw is None]
    fresh = dict(zip(unread, read_articles([Path(p) for p in unread], root), strict=True))
    raws: list[RawArticle] = []
    problems: list[Problem] = []
    left_out: list[Problem] = []
    for path, raw in zip(paths, known, strict=True):
        if raw is None:
            read = fresh[path]
            if isinstance(read, ReadError):
                left_out.append(_left_out(read.problem))
                continue
            raw = read
            if index is not None:
                index.put(path, raw)
        raws.append(raw)
        problems += raw.problems
    if index is not None:
        index.forget_others(set(paths))
    return raws, problems, left_out


def _left_out(problem: Problem) -> Problem:
    return Problem(problem.path, problem.line, problem.message + "; it is left out of the site",
                   problem.fix, problem.severity)


def parse_articles(raws: list[RawArticle], config: Config, cache: ParseCache
                   ) -> tuple[list[ParsedInfo], list[Problem], list[Problem]]:
    """What the build needs of each parsed article (its items are loaded when a day that
    changed needs them), their warnings, and the articles the parser failed on."""
    parsed: list[ParsedInfo] = []
    problems: list[Problem] = []
    failed: list[Problem] = []
    for info, problem in parse_infos(raws, config.sources, config.settings, cache,
                                     reread=_reader(config)):
        if problem is not None:
            failed.append(_left_out(problem))
        if info is not None:
            parsed.append(info)
            # An undated article's own "no date" warning is said once, by dated_refs.
            problems += [w for w in info.warnings if info.date is not None
                         or "date" not in w.message.lower()]
    return parsed, problems, failed


def _reader(config: Config) -> Callable[[RawArticle], RawArticle]:
    """Reads an article again (the index gave it without its text)."""
    root = config.settings.root
    return lambda raw: read_article(root / raw.path, root)


def item_loader(raws: list[RawArticle], config: Config, cache: ParseCache) -> Load:
    """The items behind refs: from their parsed articles (decoded once, when a day needs one)."""
    by_path = {raw.path: raw for raw in raws}
    reread = _reader(config)

    def load(refs: Sequence[ItemRef]) -> list[Item]:
        items = []
        for ref in refs:
            if ref.item is not None:
                items.append(ref.item)
                continue
            assert ref.origin is not None
            article = cache.article(ref.origin[0], by_path[ref.article_path], config.sources,
                                    config.settings, reread)
            if article is None:
                raise RuntimeError(f"{ref.article_path} changed during the build: build again")
            items.append(load_parsed(ref, article))
        return items

    return load


def editor_groups(raws: list[RawArticle]) -> tuple[Groups, Groups]:
    """The editor's forced merges and splits of stories, from the articles' metadata."""
    merge: list[tuple[str, ...]] = []
    split: list[tuple[str, ...]] = []
    for raw in raws:
        merge += [tuple(g) for g in raw.metadata.get("merge", ())]
        split += [tuple(g) for g in raw.metadata.get("split", ())]
    return tuple(merge), tuple(split)


def add_content(root: Path, config: Config, refs: list[ItemRef], load: Load
                ) -> tuple[list[ItemRef], Groups, Groups, list[Problem]]:
    """Hand-written items join the parsed ones, and corrections apply to them (only the
    corrected items are loaded). Guarded so that a build works before (and without)
    digest/content.py."""
    try:
        from . import content
    except ImportError:
        return refs, (), (), []
    loaded = content.load_content(root, config.settings, config.themes, config.sources)
    corrections = loaded.corrections
    # apply_corrections keeps the order of the items it is given and drops the hidden ones.
    corrected, problems = content.apply_corrections(
        load([r for r in refs if r.id in corrections]), corrections)
    fixed = iter(corrected)
    out = []
    for ref in refs:
        correction = corrections.get(ref.id)
        if correction is None:
            out.append(ref)
        elif not correction.hidden:
            out.append(item_ref(next(fixed)))
    out += [item_ref(item) for item in loaded.items]
    return out, loaded.merge, loaded.split, [*loaded.problems, *problems]


# --- writing ----------------------------------------------------------------------------------


def _parts(relative: str) -> tuple[str, ...]:
    """The parts of an output path, refusing any path that could land outside its folder."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in relative:
        raise ValueError(f"output path {relative!r} is outside the output folder")
    return pure.parts


def safe_target(folder: Path, relative: str) -> Path:
    """Where an output file goes, refusing any path that would land outside `folder`."""
    target = folder.joinpath(*_parts(relative))
    if not target.resolve().is_relative_to(folder.resolve()):
        raise ValueError(f"output path {relative!r} is outside the output folder")
    return target


def _check_paths(files: list[OutputFile]) -> None:
    """Refuse a path that could land outside the output folder (as `_parts` does, without
    making a PurePosixPath of each), and two files for one path."""
    seen: set[str] = set()
    for file in files:
        path = file.path
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if path.startswith("/") or "\\" in path or not parts or ".." in parts:
            raise ValueError(f"output path {path!r} is outside the output folder")
        if path in seen:
            raise ValueError(f"two outputs want {path} ({file.made_from})")
        seen.add(path)


def write_site(files: list[OutputFile], out: Path, *, keys: Mapping[str, str] | None = None,
               record: Path | None = None) -> int:
    """Write the files as the new `out`: made in a folder beside it, then swapped in (in one
    step where the system can: output.swap_in), so that `out` is never emptied first and a
    failure, or a kill, leaves it whole (render gives the site output.MARKER, which says
    digest wrote it). Returns how many files are new or changed.

    Without `record`, the new folder is made whole, with the files whose bytes did not change
    hard-linked from the old site. `record` (a folder of the cache) makes it quicker: it keeps
    what the last write put in `out` (each file's key, from `keys`: what made its bytes; and
    its size, time and inode) and the site before that one. The new site is then that kept
    site with only the files that differ replaced; and when `out` holds `files` already,
    nothing is written at all."""
    out = Path(os.path.abspath(out))  # no `..` in it: its name is the folder's own
    keys = keys or {}
    _check_paths(files)
    clear_leftovers(out, _remove_tree)  # of builds that were killed
    folders = _folders(files)
    now = _Written.load(record / "out" if record else None, out)  # what `out` holds
    now_intact = now is not None and now.intact()
    # Whether `out` holds each file's bytes: by key and signature, else by its bytes.
    in_out = [(now_intact and now is not None and now.same(f, keys))
              or _same_bytes(os.path.join(out, f.path), f.data) for f in files]
    if now_intact and now is not None and all(in_out) and {f.path for f in files} == \
            now.files.keys():
        return 0
    spare = record / "site" if record else None
    kept = _Written.load(record / "site" if record else None, spare) if spare else None
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.new-{os.getpid()}")
    backup = out.with_name(f".{out.name}.old-{os.getpid()}")
    for leftover in (fresh, backup):
        if leftover.exists():
            _remove_tree(leftover)
    try:
        if spare is not None and kept is not None and kept.intact() and _move(spare, fresh):
            kept.root = str(fresh)  # its files' signatures do not change with the move
            made = _update(fresh, kept, files, keys, folders, out, in_out)
        else:
            if spare is not None and spare.exists():
                _remove_tree(spare)
            made = _fill(fresh, files, folders, out, in_out)
        old = swap_in(fresh, out, backup)
    except BaseException:
        _remove_tree(fresh)
        raise
    if old is not None:
        backup = old
    if record is not None and spare is not None:
        # The old site, kept for the next write: what the record said of it, where true.
        if now is not None and now_intact and _move(backup, spare):
            verified = {f.path for f, same in zip(files, in_out, strict=True) if same}
            now.moved(spare, verified).save(record / "site")
        else:
            _Written.forget(record / "site")
        _Written(str(out), {f.path: (keys.get(f.path), sig) for f, sig in made},
                 {d: _signature(os.path.join(out, d)) for d in folders}).save(record / "out")
    _remove_tree(backup)
    return sum(not same for same in in_out)


def written_here(folder: Path, record: Path | None) -> bool:
    """Whether the cache's record says the last build wrote `folder`, and nothing was added to
    or removed from it since (a site made before sites carried their MARKER)."""
    written = _Written.load(record / "out" if record else None, folder)
    return written is not None and written.intact()


_IO_THREADS = 4  # system calls run in parallel: a few threads write a site much faster


def _folders(files: list[OutputFile]) -> list[str]:
    """Every folder the files need ("" for the site's own), parents first."""
    found = {""}
    for file in files:
        folder = os.path.dirname(file.path)
        while folder not in found:
            found.add(folder)
            folder = os.path.dirname(folder)
    return sorted(found, key=lambda f: (f.count("/") if f else -1, f))


def _fill(site: Path, files: list[OutputFile], folders: list[str], out: Path,
          in_out: list[bool]) -> list[tuple[OutputFile, Signature]]:
    """Make `site` (a new folder) hold `files`: each hard-linked from `out` when it has the
    same bytes there, else written. Returns each file with its signature in `site`."""

    def place(at: int) -> tuple[OutputFile, Signature]:
        file = files[at]
        target = os.path.join(site, file.path)
        if not _link_same(out, file, target, in_out[at]):
            with open(target, "wb") as stream:
                stream.write(file.data)
        return file, _signature(target)

    with ThreadPoolExecutor(max_workers=_IO_THREADS) as pool:
        for depth in _by_depth(folders):
            list(pool.map(os.mkdir, [os.path.join(site, f) for f in depth], chunksize=64))
        return list(pool.map(place, range(len(files)), chunksize=64))


def _by_depth(folders: list[str]) -> list[list[str]]:
    """The folders (parents first) as a list per depth; the site's own folder first."""
    levels: dict[int, list[str]] = {}
    for folder in folders:
        levels.setdefault(folder.count("/") if folder else -1, []).append(folder)
    return [levels[depth] for depth in sorted(levels)]


def _update(site: Path, kept: _Written, files: list[OutputFile], keys: Mapping[str, str],
            folders: list[str], out: Path, in_out: list[bool]
            ) -> list[tuple[OutputFile, Signature]]:
    """Make `site` (a kept site, `kept` saying what it holds) hold `files`. Its files may be
    hard links to the files of `out`: a file is never changed in place, but replaced. Returns
    each file with its signature in `site`."""
    wanted = {f.path for f in files}
    for path in kept.files.keys() - wanted:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(site, path))
    for folder in sorted(kept.folders.keys() - set(folders), key=lambda f: -f.count("/")):
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(site, folder))
    for folder in folders:
        if folder not in kept.folders:
            os.makedirs(os.path.join(site, folder), exist_ok=True)
    made: list[tuple[OutputFile, Signature]] = []
    todo = []
    for at, file in enumerate(files):
        last = kept.files.get(file.path)
        if file.path in keys and kept.same(file, keys):
            made.append((file, last[1] if last else None))  # untouched: as the record says
        elif file.path not in keys and _same_bytes(os.path.join(site, file.path), file.data):
            made.append((file, _signature(os.path.join(site, file.path))))
        else:
            todo.append(at)

    def replace(at: int) -> tuple[OutputFile, Signature]:
        file = files[at]
        target = os.path.join(site, file.path)
        partial = f"{target}.{os.getpid()}.partial"
        if not _link_same(out, file, partial, in_out[at]):
            with open(partial, "wb") as stream:
                stream.write(file.data)
        os.replace(partial, target)
        if os.path.lexists(partial):  # both names were links to one file: rename did nothing
            os.unlink(partial)
        return file, _signature(target)

    with ThreadPoolExecutor(max_workers=_IO_THREADS) as pool:
        made += pool.map(replace, todo, chunksize=16)
    return made


def _move(folder: Path, to: Path) -> bool:
    """Rename a folder (on the same file system only)."""
    try:
        to.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder, to)
        return True
    except OSError:
        return False


def _remove_tree(folder: Path) -> None:
    """shutil.rmtree, its subfolders in parallel threads. A symlink is removed, never what
    it points to."""
    if os.path.islink(folder):
        with contextlib.suppress(OSError):
            os.unlink(folder)
        return
    try:
        tops = list(os.scandir(folder))
    except OSError:
        return
    parts = []
    for entry in tops:
        if entry.is_dir(follow_symlinks=False):
            try:
                parts += [e.path for e in os.scandir(entry.path)]
            except OSError:
                parts.append(entry.path)

    def remove(path: str) -> None:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)

    with ThreadPoolExecutor(max_workers=_IO_THREADS) as pool:
        list(pool.map(remove, parts))
    shutil.rmtree(folder, ignore_errors=True)


def _link_same(old_site: Path, file: OutputFile, target: str, known: bool) -> bool:
    """Hard-link the old site's file when it has the same bytes (`known`: it has)."""
    old = os.path.join(old_site, file.path)
    try:
        if not (known or _same_bytes(old, file.data)):
            return False
        os.link(old, target)
        return True
    except OSError:
        return False  # a file system without hard links: write the bytes instead


Signature = tuple[int, int, int] | None  # size, modification time, inode; None: no such file


@dataclass(slots=True)
class _Written:
    """What a write put in a site folder `root`: each file's key (None: unknown, compare the
    bytes) and signature, and the signature of each folder (a file added to or removed from
    a folder changes the folder's time)."""

    root: str
    files: dict[str, tuple[str | None, Signature]]
    folders: dict[str, Signature]

    @classmethod
    def load(cls, record: Path | None, root: Path | None) -> _Written | None:
        if record is None or root is None:
            return None
        try:
            written = cls(*pickle.loads(record.with_suffix(".pickle").read_bytes()))
        except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError):
            return None
        return written if written.root == str(root) else None

    @staticmethod
    def forget(record: Path) -> None:
        record.with_suffix(".pickle").unlink(missing_ok=True)

    def moved(self, root: Path, verified: set[str]) -> _Written:
        """The record of this site once moved to `root` (its folders were found intact, and
        the `verified` files unchanged, just before): a file changed since the record (an
        editor's hand?) is still there, with its key unknown."""
        files = {}
        for path, (key, signature) in self.files.items():
            if path not in verified:
                now = _signature(os.path.join(root, path))
                key, signature = (key if now == signature else None), now
            files[path] = (key, signature)
        return _Written(str(root), files, dict(self.folders))

    def save(self, record: Path) -> None:
        target = record.with_suffix(".pickle")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps((self.root, self.files, self.folders)))
            os.replace(tmp, target)
        except OSError:
            pass  # only costs time

    def same(self, file: OutputFile, keys: Mapping[str, str]) -> bool:
        """Whether the site holds this file's bytes, by its key and signature."""
        key = keys.get(file.path)
        last = self.files.get(file.path)
        return key is not None and last is not None and last[0] == key \
            and last[1] is not None and last[1] == _signature(os.path.join(self.root, file.path))

    def intact(self) -> bool:
        """Whether no file was added to or removed from the site since."""
        return all(_signature(os.path.join(self.root, d)) == sig
                   for d, sig in self.folders.items())


def _signature(path: str) -> Signature:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.path.islink(path) or os.path.getsize(path) != len(data):
            return False
        with open(path, "rb") as stream:
            return stream.read() == data
    except OSError:
        return False
