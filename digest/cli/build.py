"""`digest build [--base-url URL] [--out DIR] [--strict] [--force]`: build the site and say what
happened."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ..build import BuildResult, build_site
from ..config import ConfigError
from ..output import OutputError
from ..render import TemplateProblems


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    if args.out is not None and not args.out.strip():
        print("--out '': give the folder the site is written to, e.g. --out site",
              file=sys.stderr)
        return 2
    out = Path(args.out) if args.out is not None else None
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        print(f"--base-url {args.base_url!r} is not an http(s) URL — give the address the site "
              "is published at, e.g. https://user.github.io/repo/", file=sys.stderr)
        return 2
    try:
        result = build_site(root, base_url=args.base_url, out=out, strict=args.strict,
                            force=args.force)
    except OutputError as exc:
        print(exc.problem, file=sys.stderr)
        print("Nothing was built or written.", file=sys.stderr)
        return 2
    except TemplateProblems as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("A template has mistakes; nothing was written (the site built before is as it "
              "was).", file=sys.stderr)
        return 1
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("The settings have mistakes; nothing was built.", file=sys.stderr)
        return 1
    print(summary(result))
    if args.strict and result.problems:
        print(f"--strict: {len(result.problems)} problem(s), exit code 1", file=sys.stderr)
        return 1
    return 0


def summary(result: BuildResult) -> str:
    """The end-of-build report: what was made, what was left out and why, and the time."""
    p = result.prepared
    lines = []
    left = {(x.path, x.line, x.message) for x in p.left_out}
    others = [x for x in p.problems if (x.path, x.line, x.message) not in left]
    if others:
        lines.append(f"{len(others)} problem(s):")
        lines += [f"  {x}" for x in others]
    if p.left_out:
        lines.append(f"Left out ({len(p.left_out)}):")
        lines += [f"  {x}" for x in p.left_out]
    kinds = Counter(x.severity for x in p.problems)
    first = p.days[0].date.isoformat() if p.days else "-"
    last = p.days[-1].date.isoformat() if p.days else "-"
    lines.append(
        f"Built {_count(len(p.days), 'day')} ({first} to {last}), {_count(p.items, 'item')} from "
        f"{_count(p.articles, 'article')}: {_count(p.pages, 'page')}, {_count(p.feeds, 'feed')}, "
        f"{_count(len(p.files), 'file')} "
        f"({result.written} new or changed) in {result.out} "
        f"for {p.base_url} in {result.seconds:.1f} s.")
    if p.problems:
        lines.append(f"{kinds['error']} error(s), {kinds['warning']} warning(s).")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
