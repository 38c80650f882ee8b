"""`digest check`: validate every input without writing anything.

Settings, seeds and their metadata, content/ files and corrections: everything a build would
find, by computing the whole site in memory (build.prepare) with a cache that stays in memory.
Prints every problem as `file:line: what — fix`; exit code 1 when any is an error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import ConfigError, load_config
from ..model import Problem
from ..read import ARTICLE_SUFFIXES, SIDECAR_SUFFIXES, relative


def run(args: argparse.Namespace) -> int:
    from ..build import prepare
    from ..cache import ParseCache

    root = Path(args.project)
    try:
        config = load_config(root)
    except ConfigError as error:
        return report(error.problems, "the settings files")
    try:  # None: nothing is written, not even a cache
        prepared = prepare(root, cache=ParseCache(None), config=config)
    except ConfigError as error:  # a broken template (render.TemplateProblems)
        return report(error.problems, "the templates")
    problems = orphan_sidecars(root, root / config.settings.seeds) + list(prepared.problems)
    summary = (f"{prepared.articles} article(s), {prepared.items} item(s) on "
               f"{len(prepared.days)} day(s)")
    return report(problems, summary)


def orphan_sidecars(root: Path, folder: Path) -> list[Problem]:
    """Metadata files with no article beside them: usually an article renamed without it."""
    if not folder.is_dir():
        return []
    found = []
    for sidecar in sorted(p for s in SIDECAR_SUFFIXES for p in folder.rglob("*" + s)):
        if any(part.startswith((".", "_")) for part in sidecar.relative_to(folder).parts):
            continue
        if not any(sidecar.with_suffix(s).exists() for s in ARTICLE_SUFFIXES):
            found.append(Problem(relative(sidecar, root), None,
                                 "metadata without an article beside it (nothing uses it)",
                                 "rename it to match its article's name, or delete it"))
    return found


def report(problems: list[Problem], what: str) -> int:
    """Print errors, then warnings, each once, in input order; 1 when there is an error."""
    unique = list(dict.fromkeys(problems))
    errors = [p for p in unique if p.severity == "error"]
    warnings = [p for p in unique if p.severity != "error"]
    for title, group in (("errors", errors), ("warnings", warnings)):
        if group:
            print(f"{title}:")
            for problem in group:
                print(f"  {problem}")
    verdict = "no problems" if not unique else f"{len(errors)} error(s), {len(warnings)} warning(s)"
    print(f"checked {what}: {verdict}")
    return 1 if errors else 0
