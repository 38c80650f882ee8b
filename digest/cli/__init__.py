"""The `digest` command. Only the CLI prints and chooses exit codes; each command's module
under digest/cli/ has `run(args) -> int`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..config import SETTINGS_FILE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest",
        description="Build a static site of daily war digests from raw articles of many outlets.",
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    parser.add_argument("-C", "--project", default=".", metavar="DIR",
                        help="the project folder (default: the current one)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("parse", help="show what is read out of articles")
    p.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders")
    p.add_argument("--json", action="store_true", help="print the documented JSON form")
    p.add_argument("--explain", action="store_true",
                   help="show which phrases decided each item's theme")

    p = commands.add_parser("build", help="build the site")
    p.add_argument("--base-url", metavar="URL", help="the address the site is published at")
    p.add_argument("--out", metavar="DIR", help="output folder (default: site/)")
    p.add_argument("--strict", action="store_true", help="exit with code 1 on any warning")
    p.add_argument("--force", action="store_true",
                   help="replace an output folder that holds files digest did not write")

    p = commands.add_parser("serve", help="preview the site, rebuilding on every save")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS")
    p.add_argument("--open", action="store_true", help="open the site in a browser")
    p.add_argument("--poll", action="store_true",
                   help="poll for changes (for network or container file systems)")

    p = commands.add_parser("stories", help="show why a day's items were or were not merged")
    p.add_argument("date", metavar="DATE", help="YYYY-MM-DD")

    p = commands.add_parser("ingest", help="add articles from files, pages, feeds or URLs")
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="a text or HTML file, a feed file, an http(s) URL, or - for standard input")
    p.add_argument("--source", metavar="NAME", help="the outlet, when the input does not say")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day, when the input does not say")
    p.add_argument("--url", metavar="URL", help="the article's address, for a file or stdin")

    p = commands.add_parser("new", help="create a hand-written item in content/")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="its day (default: the latest day)")
    p.add_argument("--headline", help="its headline")
    p.add_argument("--theme", help="its theme")

    p = commands.add_parser("edit", help="correct a parsed item (writes a file in content/)")
    p.add_argument("item_id", metavar="ITEM_ID")

    commands.add_parser("check", help="validate every input without writing anything")

    p = commands.add_parser("init", help="create a new digest project")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR")
    return parser


# Commands that work without a project: `init` makes one.
NO_PROJECT = {"init"}


def project_problem(folder: str, command: str) -> str | None:
    """Why `command` cannot run in the project folder `folder` (-C), or None. `-C` never makes
    a folder, and a command that needs a project refuses to run outside one: it would make
    `site/`, a cache or `seeds/` in whatever folder it was run in."""
    path = Path(folder)
    if not path.exists():
        return (f"{folder}: there is no such folder — check the path given to -C "
                f"(`digest init {folder}` makes a new project there)")
    if not path.is_dir():
        return f"{folder}: is a file, not a folder — give -C the project's folder"
    # Anything named digest.yaml makes a project: the settings loader then says what is wrong
    # with it (a folder, a pipe), by name.
    if command in NO_PROJECT or os.path.lexists(path / SETTINGS_FILE):
        return None
    where = "this folder" if folder == "." else folder
    return (f"{where} is not a digest project (there is no {SETTINGS_FILE} in it) — run "
            "`digest init` to make one here, or give the project's folder with -C DIR")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    problem = project_problem(args.project, args.command)
    if problem is not None:
        print(f"digest {args.command}: {problem}", file=sys.stderr)
        return 2
    module = importlib.import_module(f".{args.command}", __name__)
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
