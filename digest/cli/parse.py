"""`digest parse PATH... [--json] [--explain]`: what is read out of articles."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from ..article_json import article_to_json
from ..config import Config, ConfigError, load_config
from ..model import Article, Item, RawArticle
from ..parse import explain_parse, parse_article, plain_text
from ..read import ReadError, discover_articles, read_article


def print_config_problems(error: ConfigError) -> None:
    print("The settings files have problems:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


def config_or_report(root: Path) -> Config | None:
    """The project's settings, or None after printing every problem in them."""
    try:
        return load_config(root)
    except ConfigError as error:
        print_config_problems(error)
        return None


def read_and_parse(paths: list[Path], root: Path, config: Config
                   ) -> tuple[list[tuple[RawArticle, Article]], bool]:
    """Each readable article with what was parsed out of it; unreadable ones are reported on
    stderr, and the flag says whether there were any."""
    parsed: list[tuple[RawArticle, Article]] = []
    failed = False
    for path in paths:
        try:
            raw = read_article(path, root)
        except ReadError as error:
            print(str(error.problem), file=sys.stderr)
            failed = True
            continue
        parsed.append((raw, parse_article(raw, config.sources, config.settings)))
    return parsed, failed


def expand_paths(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Files as given, folders as the articles in them; and the paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += discover_articles(path)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(name)
    return files, missing


def themed(article: Article, config: Config) -> Article:
    from ..themes import assign_themes

    return replace(article, items=assign_themes(article.items, config.themes))


def format_article(article: Article, explain: Config | None = None,
                   reasons: list[str] | None = None) -> str:
    """The human summary of one parsed article."""
    day = f"day {article.day_number}" if article.day_number else "day unknown"
    lines = [
        article.path,
        f"  outlet:    {article.source or 'unknown'}",
        f"  title:     {article.title or '(none)'}",
    ]
    if article.author:
        lines.append(f"  author:    {article.author}")
    published = f" (published {article.published.isoformat()})" if article.published else ""
    lines += [
        f"  date:      {article.date or 'unknown'}, {day}{published}",
        f"  format:    {article.format}, {len(article.items)} item(s)",
    ]
    lines += reasons or []
    if article.key_events:
        lines.append("  key events:")
        lines += [f"    • {event}" for event in article.key_events]
    for number, item in enumerate(article.items, start=1):
        when = f"{item.time} " if item.time else ""
        theme = f" [{item.theme}]" if item.theme else ""
        lines.append(f"  {number:>2}. {when}{item.headline or '(no headline)'}{theme}")
        first_words = textwrap.shorten(plain_text(item.text), 90, placeholder=" …")
        lines.append(f"      {first_words}")
        lines.append(f"      id: {item.id}")
        if explain is not None:
            lines += _explanation(item, explain)
    for warning in article.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


def _explanation(item: Item, config: Config) -> list[str]:
    from ..themes import explain_theme

    choice = explain_theme(item, config.themes)
    out = [f"      theme {choice.slug}, because:"]
    for score in choice.scores[:3]:
        phrases = ", ".join(score.phrases) or "no phrase matched"
        out.append(f"        {score.slug:<13} {score.score:6.1f}  {phrases}")
    return out


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    config = config_or_report(root)
    if config is None:
        return 2
    files, missing = expand_paths(args.paths)
    failed = bool(missing)
    for name in missing:
        print(f"{name}: no such file or folder — check the path", file=sys.stderr)
    parsed, unreadable = read_and_parse(files, root, config)
    failed = failed or unreadable
    articles = [themed(article, config) for _, article in parsed]
    if args.json:
        json.dump([article_to_json(a) for a in articles], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        explain = config if args.explain else None
        print("\n\n".join(
            format_article(a, explain, explain_parse(raw, config.sources, config.settings)
                           if args.explain else None)
            for (raw, _), a in zip(parsed, articles, strict=True)))
    return 1 if failed else 0
