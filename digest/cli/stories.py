"""`digest stories DATE`: why a day's items were, or were not, shown as one story."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..config import Config
from ..days import dated_items
from ..model import Article, Item, Story
from ..read import discover_articles
from ..stories import explain_grouping, group_stories, key_events
from ..themes import assign_themes
from .parse import config_or_report, read_and_parse

Groups = list[tuple[str, ...]]


def run(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"{args.date!r} is not a date — write it as YYYY-MM-DD, e.g. 2023-09-28",
              file=sys.stderr)
        return 2
    root = Path(args.project)
    config = config_or_report(root)
    if config is None:
        return 2
    articles, merge, split, failed = _read_seeds(root, config)
    items, _ = dated_items(articles)
    items = [i for i in assign_themes(tuple(items), config.themes) if i.date == day]
    if not items:
        print(f"No item of {day} in {config.settings.seeds}/ — check the date, or run "
              "`digest check` to see which articles have no date", file=sys.stderr)
        return 1
    threshold = config.settings.story_threshold
    order = [t.slug for t in config.themes]
    print(f"{day}: {len(items)} item(s) from {len({i.article_path for i in items})} article(s); "
          f"threshold {threshold:.2f} (story_threshold in digest.yaml)\n")
    lines = explain_grouping(items, threshold=threshold, merge=merge, split=split)
    print("\n".join(lines) if lines else "No two items of different articles are alike.")
    stories = group_stories(items, threshold=threshold, theme_order=order, merge=merge, split=split)
    keys = {s.id for s in key_events(stories, order)}
    print(f"\n{len(stories)} stories:")
    for story in stories:
        print(_format_story(story, story.id in keys))
    return 1 if failed else 0


def _read_seeds(root: Path, config: Config) -> tuple[list[Article], Groups, Groups, bool]:
    """Every parsed article of the seeds folder, and the editor's merges and splits."""
    parsed, failed = read_and_parse(discover_articles(root / config.settings.seeds), root, config)
    merge: Groups = [tuple(g) for raw, _ in parsed for g in raw.metadata.get("merge", ())]
    split: Groups = [tuple(g) for raw, _ in parsed for g in raw.metadata.get("split", ())]
    articles = [article for _, article in parsed]
    return articles, merge, split, failed


def _format_story(story: Story, key: bool) -> str:
    mark = "*" if key else " "
    lines = [f"{mark} [{story.theme}] {story.headline or '(no headline)'}"
             f"  (score {story.key_event_score:g}, id {story.id})"]
    lines += [f"      - {_outlet(item)}" for item in story.items]
    return "\n".join(lines)


def _outlet(item: Item) -> str:
    return f"{item.source or 'unknown outlet'}: {item.headline or '(no headline)'} ({item.id})"
