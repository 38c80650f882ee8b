"""`digest build`: the whole pipeline, top to bottom.

    load config -> read + parse (cached) -> content -> days (themes, stories, key events)
    -> render -> feeds -> write beside the old site and swap

`prepare()` computes everything and writes nothing (`digest check` and `digest serve` use it);
`build_site()` is prepare plus the write. Only the final write touches the output folder, and a
failed build leaves the previous site whole.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cache import ParseCache, parse_all
from .config import Config, load_config
from .days import Groups, dated_items, make_days
from .feeds import render_feeds
from .model import Article, Day, Item, OutputFile, Problem, RawArticle
from .read import ReadError, discover_articles, read_article
from .render import make_site, render_site
from .urls import Urls


@dataclass(slots=True)
class Prepared:
    """Everything a build computes, before anything is written."""

    config: Config
    base_url: str
    days: tuple[Day, ...]  # oldest first
    files: list[OutputFile]
    problems: list[Problem]  # every problem, in input order (left-out ones included)
    left_out: list[Problem]  # inputs not on the site, each with why and the fix
    articles: int = 0  # articles read and parsed
    items: int = 0  # items shown on the site
    pages: int = 0  # HTML pages
    feeds: int = 0  # feed files
    seconds: float = 0.0


@dataclass(slots=True)
class BuildResult:
    prepared: Prepared
    out: Path
    written: int = 0  # files whose bytes changed (or are new)
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def prepare(root: Path, *, base_url: str | None = None,
            cache: ParseCache | None = None) -> Prepared:
    """Compute the whole site in memory. Raises ConfigError when the settings are wrong."""
    started = time.perf_counter()
    config = load_config(root)
    settings = config.settings
    urls = Urls(base_url or settings.base_url)
    cache = cache if cache is not None else ParseCache.for_project(settings)

    raws, problems, left_out = read_all(root, config, cache)
    articles, parse_problems, failed = parse_articles(raws, config, cache)
    problems += parse_problems
    items, undated = dated_items(articles)
    left_out += failed + undated
    merge, split = editor_groups(raws)

    # --- content/: hand-written items and corrections (digest/content.py) -------------------
    items, more_merge, more_split, content_problems = add_content(root, config, items)
    merge, split = merge + more_merge, split + more_split
    problems += content_problems

    result = make_days(items, config, merge=merge, split=split, memo=cache.memo)
    left_out += result.problems
    site = make_site(result.days, config, urls, memo=cache.memo)
    files = render_site(site)
    feeds = render_feeds(site)
    # The parser repeats the reading problems among an article's warnings: say each once.
    problems = list(dict.fromkeys(problems + left_out))
    return Prepared(
        config=config, base_url=urls.base_url, days=result.days, files=files + feeds,
        problems=problems, left_out=left_out, articles=len(articles),
        items=result.items, pages=sum(f.path.endswith(".html") for f in files),
        feeds=len(feeds), seconds=time.perf_counter() - started)


def build_site(root: Path, *, base_url: str | None = None, out: Path | None = None,
               strict: bool = False, cache: ParseCache | None = None) -> BuildResult:
    """Prepare the site and write it to `out` (default: the settings' output folder).
    `strict` is the CLI's business (exit code); the site is written either way."""
    started = time.perf_counter()
    prepared = prepare(root, base_url=base_url, cache=cache)
    settings = prepared.config.settings
    target = out if out is not None else root / settings.output
    written = write_site(prepared.files, target)
    return BuildResult(prepared, target, written, time.perf_counter() - started,
                       list(prepared.problems))


# --- reading and parsing --------------------------------------------------------------------


def read_all(root: Path, config: Config, cache: ParseCache | None = None
             ) -> tuple[list[RawArticle], list[Problem], list[Problem]]:
    """Every article of seeds/, the problems found reading them, and the unreadable ones.
    Files unchanged since the last build (by size and time) come from the cache's index,
    without their text: parse_all reads them again only if it has to parse them."""
    index = cache.reads if cache is not None else None
    raws: list[RawArticle] = []
    problems: list[Problem] = []
    left_out: list[Problem] = []
    paths = discover_articles(root / config.settings.seeds)
    for path in paths:
        raw = index.get(path) if index is not None else None
        if raw is None:
            try:
                raw = read_article(path, root)
            except ReadError as exc:
                left_out.append(_left_out(exc.problem))
                continue
            if index is not None:
                index.put(path, raw)
        raws.append(raw)
        problems += raw.problems
    if index is not None:
        index.forget_others({str(p) for p in paths})
        index.save()
    return raws, problems, left_out


def _left_out(problem: Problem) -> Problem:
    return Problem(problem.path, problem.line, problem.message + "; it is left out of the site",
                   problem.fix, problem.severity)


def parse_articles(raws: list[RawArticle], config: Config, cache: ParseCache
                   ) -> tuple[list[Article], list[Problem], list[Problem]]:
    """Parsed articles, their warnings, and the articles the parser failed on."""
    articles: list[Article] = []
    problems: list[Problem] = []
    failed: list[Problem] = []
    def reread(raw: RawArticle) -> RawArticle:
        return read_article(config.settings.root / raw.path, config.settings.root)

    for article, problem in parse_all(raws, config.sources, config.settings, cache,
                                      reread=reread):
        if problem is not None:
            failed.append(_left_out(problem))
        if article is not None:
            articles.append(article)
            # An undated article's own "no date" warning is said once, by dated_items.
            problems += [w for w in article.warnings if article.date is not None
                         or "date" not in w.message.lower()]
    return articles, problems, failed


def editor_groups(raws: list[RawArticle]) -> tuple[Groups, Groups]:
    """The editor's forced merges and splits of stories, from the articles' metadata."""
    merge: list[tuple[str, ...]] = []
    split: list[tuple[str, ...]] = []
    for raw in raws:
        merge += [tuple(g) for g in raw.metadata.get("merge", ())]
        split += [tuple(g) for g in raw.metadata.get("split", ())]
    return tuple(merge), tuple(split)


def add_content(root: Path, config: Config,
                items: list[Item]) -> tuple[list[Item], Groups, Groups, list[Problem]]:
    """Hand-written items join the parsed ones, and corrections apply to them.
    Guarded so that a build works before (and without) digest/content.py."""
    try:
        from . import content
    except ImportError:
        return items, (), (), []
    loaded = content.load_content(root, config.settings, config.themes, config.sources)
    corrected, problems = content.apply_corrections(items, loaded.corrections)
    return ([*corrected, *loaded.items], loaded.merge, loaded.split,
            [*loaded.problems, *problems])


# --- writing ----------------------------------------------------------------------------------


def safe_target(folder: Path, relative: str) -> Path:
    """Where an output file goes, refusing any path that would land outside `folder`."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in relative:
        raise ValueError(f"output path {relative!r} is outside the output folder")
    target = folder.joinpath(*pure.parts)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise ValueError(f"output path {relative!r} is outside the output folder")
    return target


def write_site(files: list[OutputFile], out: Path) -> int:
    """Write the files into a new folder beside `out`, then swap it in: old -> backup,
    new -> out, backup deleted. Never empties `out` first, so a failure leaves it whole.
    Files whose bytes did not change are hard-linked from the old site (cheap, same bytes).
    Returns how many files are new or changed."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.new-{os.getpid()}")
    backup = out.with_name(f".{out.name}.old-{os.getpid()}")
    for leftover in (fresh, backup):
        if leftover.exists():
            shutil.rmtree(leftover)
    changed = 0
    try:
        fresh.mkdir()
        seen: set[str] = set()
        for file in files:
            if file.path in seen:
                raise ValueError(f"two outputs want {file.path} ({file.made_from})")
            seen.add(file.path)
            target = safe_target(fresh, file.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _link_unchanged(out, file, target):
                target.write_bytes(file.data)
                changed += 1
        if out.exists():
            os.replace(out, backup)
        os.replace(fresh, out)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    return changed


def _link_unchanged(old_site: Path, file: OutputFile, target: Path) -> bool:
    old = old_site.joinpath(*PurePosixPath(file.path).parts)
    try:
        if old.is_file() and not old.is_symlink() and old.stat().st_size == len(file.data) \
                and old.read_bytes() == file.data:
            os.link(old, target)
            return True
    except OSError:
        pass  # a file system without hard links: write the bytes instead
    return False
