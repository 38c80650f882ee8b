"""`digest edit ITEM_ID`: a correction file in content/corrections/ for one parsed item.

The file starts as a copy of the item (headline, text, theme as comments), so the editor
changes what is wrong in place. It is applied on every build, so it survives rebuilds and
re-ingests; the item keeps its id, and readers see "Corrected on ...".
"""

from __future__ import annotations

import argparse
import difflib
import sys
from datetime import date, datetime
from pathlib import Path

import yaml

from ..config import Config
from ..content import load_content, slugify
from ..model import Article, Item
from ..read import ReadError, discover_articles, read_article
from .new import create_file
from .parse import config_or_report


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    config = config_or_report(root)
    if config is None:
        return 2
    wanted = args.item_id.strip()
    content = load_content(root, config.settings, config.themes, config.sources)
    if wanted in content.corrections:
        path = content.corrections[wanted].path
        print(f"{wanted} is already corrected in {path} — change that file")
        return 0
    hand = next((i for i in content.items if i.id == wanted), None)
    if hand is not None:
        print(f"{wanted} is a hand-written item — change {hand.article_path}")
        return 0
    items = parsed_items(root, config)
    item = items.get(wanted)
    if item is None:
        close = difflib.get_close_matches(wanted, list(items), n=3, cutoff=0.6)
        hint = ("did you mean " + " or ".join(close) + "?") if close else \
            "`digest parse seeds/` lists every item with its id"
        print(f"there is no item {wanted!r} — {hint}", file=sys.stderr)
        return 1
    folder = root / config.settings.content / "corrections"
    folder.mkdir(parents=True, exist_ok=True)
    today = datetime.now(config.settings.zone).date()
    text = correction_template(item, today, [t.slug for t in config.themes])
    stem = slugify(wanted, limit=120) or "item"
    path = create_file(folder, stem, text)
    if path is None:
        print(f"no free file name for {stem} in {folder}", file=sys.stderr)
        return 1
    print(f"created {path.relative_to(root).as_posix()} — change what is wrong in it; "
          "it applies at every build from now on")
    return 0


def parsed_articles(root: Path, config: Config) -> list[Article]:
    """Every readable article of seeds/, parsed through the build's cache (quick after a
    build); unreadable ones are the business of `digest check`."""
    from ..cache import ParseCache, parse_all

    raws = []
    for path in discover_articles(root / config.settings.seeds):
        try:
            raws.append(read_article(path, root))
        except ReadError:
            continue
    parsed = parse_all(raws, config.sources, config.settings,
                       ParseCache.for_project(config.settings))
    return [article for article, _ in parsed if article is not None]


def parsed_items(root: Path, config: Config) -> dict[str, Item]:
    """Every parsed item by id (dated or not), with the theme the build would give it."""
    from ..themes import assign_themes

    items = [item for article in parsed_articles(root, config) for item in article.items]
    return {item.id: item for item in assign_themes(items, config.themes)}


def correction_template(item: Item, today: date, themes: list[str]) -> str:
    def field(key: str, value: object) -> str:
        return yaml.safe_dump({key: value}, allow_unicode=True, width=1000).rstrip("\n")

    headline = field("headline", item.headline) if item.headline else \
        "# headline: ...           # the entry has none; write one to give it one"
    return (
        "---\n"
        f"# A correction of one item of {item.article_path}, applied at every build.\n"
        "# Change what is wrong; a field left as it is changes nothing. The text below the\n"
        "# second `---` replaces the item's text. Delete this file to undo the correction.\n"
        f"{field('corrects', item.id)}\n"
        f"{field('corrected', today)}\n"
        "# ^ the day of the correction: readers see \"Corrected on ...\"\n"
        'note: ""\n'
        "# ^ what was corrected, shown with the date, e.g. \"The headline misnamed the city.\"\n"
        f"{headline}\n"
        f"# theme: {item.theme or 'other'}\n"
        f"# ^ its theme now; uncomment and change it. One of: {', '.join(themes)}\n"
        "# hidden: true\n"
        "# ^ removes the item from every page and feed\n"
        "# merge: [OTHER_ITEM_ID]\n"
        "# ^ the same event as these items of the same day: shown as one story\n"
        "# split: [OTHER_ITEM_ID]\n"
        "# ^ a different event from these: never shown as one story with them\n"
        "---\n"
        f"{item.text.strip()}\n"
    )
