"""`digest new [--date D] [--headline H] [--theme T]`: a hand-written item in content/."""

from __future__ import annotations

import argparse
import difflib
import sys
from datetime import date, datetime
from pathlib import Path

import yaml

from ..config import Config
from ..content import slugify
from .parse import config_or_report


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    config = config_or_report(root)
    if config is None:
        return 2
    if args.date:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            print(f"--date {args.date!r} is not a day — write it as YYYY-MM-DD", file=sys.stderr)
            return 2
    else:
        day = latest_day(root, config)
    slugs = [t.slug for t in config.themes]
    if args.theme and args.theme not in slugs:
        close = difflib.get_close_matches(args.theme, slugs, n=1)
        hint = f"did you mean {close[0]}?" if close else f"use one of: {', '.join(slugs)}"
        print(f"--theme {args.theme!r} is not a theme of themes.yaml — {hint}", file=sys.stderr)
        return 2
    folder = root / config.settings.content
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{day.isoformat()}-{slugify(args.headline or '', limit=50) or 'item'}"
    text = item_template(day, args.headline, args.theme, slugs)
    path = create_file(folder, stem, text)
    if path is None:
        print(f"no free file name for {stem} in {folder}", file=sys.stderr)
        return 1
    print(f"created {path.relative_to(root).as_posix()} — write the item's text in it; "
          "it appears on its day at the next build")
    return 0


def create_file(folder: Path, stem: str, text: str) -> Path | None:
    """Write `text` to STEM.md, or STEM-2.md, ... in `folder`: the first name not taken.
    Never replaces a file (mode "x"), so an editor's work is never clobbered."""
    for n in range(1, 1000):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            with open(path, "x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError:
            continue
        return path
    return None


def latest_day(root: Path, config: Config) -> date:
    """The site's latest day: the newest date among the articles (parsed through the build's
    cache, so this is quick after a build); today, in the site's timezone, when there are none."""
    from .edit import parsed_articles

    days = [a.date for a in parsed_articles(root, config) if a.date is not None]
    return max(days) if days else datetime.now(config.settings.zone).date()


def item_template(day: date, headline: str | None, theme: str | None, themes: list[str]) -> str:
    """The new file: every field the editor may fill, explained where it stands."""
    fields = yaml.safe_dump({"date": day, "headline": headline or "A headline for the item"},
                            allow_unicode=True, sort_keys=False, width=1000)
    theme_line = (f"theme: {theme}" if theme else "# theme: other") + \
        f"            # one of: {', '.join(themes)}; without it, the rules choose"
    return (
        "---\n"
        "# A hand-written item: it appears on its day like the items read from articles.\n"
        "# Its id is `editor-` and this file's name: keep the name to keep its links.\n"
        f"{fields}"
        f"{theme_line}\n"
        '# time: "14:05"            # a time of day, in the site\'s timezone (quote it)\n'
        "# key_event: true          # among the day's key events\n"
        "outlets: []                # who reported it, e.g.:\n"
        "#  - name: Reuters\n"
        "#    url: https://www.reuters.com/world/europe/...\n"
        "# links: [https://kyivindependent.com/...]   # or just the reports' addresses\n"
        "---\n"
        "The item's text, in Markdown.\n"
    )
