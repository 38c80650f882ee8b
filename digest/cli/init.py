"""`digest init [DIR]`: a new digest project, ready for `digest build`.

Copies `digest/project_template/` (shipped inside the package, so an installed digest can do
it): the settings, themes and outlets files, an example seed with its metadata, the GitHub
Pages workflow, a .gitignore and a README. Names starting with `dot-` become dotfiles there,
since package data drops dotfiles. Refuses to overwrite anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

TEMPLATE = "project_template"
# In the template's pyproject.toml: where the Pages workflow's `pip install .` gets digest.
PLACEHOLDER = b"digest @ git+https://github.com/OWNER/digest"


def template_files() -> dict[str, Traversable]:
    """Every file of the template, by its path in the new project (posix)."""
    found: dict[str, Traversable] = {}
    stack: list[tuple[Traversable, PurePosixPath]] = [(files("digest") / TEMPLATE,
                                                       PurePosixPath())]
    while stack:
        folder, where = stack.pop()
        for entry in folder.iterdir():
            if entry.name == "__pycache__":
                continue
            name = "." + entry.name[4:] if entry.name.startswith("dot-") else entry.name
            if entry.is_dir():
                stack.append((entry, where / name))
            else:
                found[(where / name).as_posix()] = entry
    return dict(sorted(found.items()))


def run(args: argparse.Namespace) -> int:
    target = Path(args.project) / args.dir
    plan = template_files()
    taken = [name for name in plan if (target / name).exists()]
    if taken:
        print(f"{target}: already has " + ", ".join(taken) + " — digest init never overwrites "
              "a file; choose an empty folder, or move those files away", file=sys.stderr)
        return 1
    requirement = installed_from()
    for name, source in plan.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if name == "pyproject.toml" and requirement:
            data = data.replace(PLACEHOLDER, requirement.encode())
        with open(path, "xb") as out:  # "x": a file that appeared meanwhile is not replaced
            out.write(data)
    (target / "content").mkdir(exist_ok=True)
    if not requirement:
        print("Before publishing on GitHub Pages, write where digest comes from in "
              "pyproject.toml (`dependencies`).")
    print(f"created a digest project in {target} ({len(plan)} files). Next:\n"
          f"  cd {target}\n"
          "  digest build      # the site, in site/\n"
          "  digest serve      # preview it at http://127.0.0.1:8000/\n"
          "Set `title` and `base_url` in digest.yaml; add articles with `digest ingest`.")
    return 0


def installed_from() -> str | None:
    """The requirement that installs this very digest, when pip installed it from a git
    repository (its direct_url.json says so); None otherwise."""
    try:
        text = metadata.distribution("digest").read_text("direct_url.json")
        data = json.loads(text) if text else None
    except (metadata.PackageNotFoundError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("vcs_info"), dict):
        commit = data["vcs_info"].get("commit_id")
        return f"digest @ git+{data['url']}" + (f"@{commit}" if commit else "")
    return None
