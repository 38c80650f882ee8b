"""`digest ingest SOURCE... [--source NAME] [--date D] [--url URL]`: add articles to seeds/."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from ..config import Config
from ..ingest import FETCH_TIMEOUT, IngestError, Outcome, SeedIndex, Staging, gather, ingest
from ..parse import parse_article
from .parse import config_or_report, format_article, themed


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    config = config_or_report(root)
    if config is None:
        return 2
    day, wrong = _options(args)
    if wrong:
        print(wrong, file=sys.stderr)
        return 2
    index = SeedIndex.scan(root, root / config.settings.seeds)
    with Staging(root / config.settings.seeds) as staging:
        added, known, failed = _ingest_all(args, root, config, index, day, staging)
    print(f"\n{added} article(s) added, {known} already in "
          f"{config.settings.seeds}/" + (", with errors" if failed else ""))
    return 1 if failed else 0


def _ingest_all(args: argparse.Namespace, root: Path, config: Config, index: SeedIndex,
                day: date | None, staging: Staging) -> tuple[int, int, bool]:
    """(added, already there, any error) over every SOURCE."""
    failed = False
    added = known = 0
    for source in args.sources:
        try:
            inputs = gather(source, url=args.url, stdin=sys.stdin.buffer,
                            timeout=FETCH_TIMEOUT, known=lambda u: index.known_url(u) is not None)
        except IngestError as error:
            print(str(error.problem), file=sys.stderr)
            failed = True
            continue
        if not inputs:
            print(f"{source}: the feed has no entries — nothing to add")
        for item in inputs:
            outcome = ingest(item, root, config, index,
                             lambda raw, c: themed(parse_article(raw, c.sources, c.settings), c),
                             day=day, source=args.source, staging=staging)
            failed |= _report(outcome)
            added += outcome.added
            known += bool(outcome.why)
    return added, known, failed


def _options(args: argparse.Namespace) -> tuple[date | None, str | None]:
    day = None
    if args.date:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            return None, f"--date {args.date!r} is not a day — write it as YYYY-MM-DD"
    if args.url and not re.match(r"^https?://\S+$", args.url):
        return None, f"--url {args.url!r} is not an http(s) URL — write the article's full address"
    if args.url and len(args.sources) > 1:
        return None, "--url names one article — give a single SOURCE with it"
    return day, None


def _report(outcome: Outcome) -> bool:
    """Print one outcome; True when it is an error."""
    if outcome.why:
        print(f"{outcome.label}: already in {outcome.path} ({outcome.why}) — not added again")
        return False
    errors = [p for p in outcome.problems if p.severity == "error"]
    if not outcome.added:
        for problem in outcome.problems:
            print(str(problem), file=sys.stderr)
        return bool(errors)
    print(f"\nadded from {outcome.label}:")
    print(format_article(outcome.article) if outcome.article is not None else outcome.path)
    for problem in outcome.problems:
        print(f"  {problem.severity}: {problem}")
    return bool(errors)
