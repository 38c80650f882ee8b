"""The output folder: where the site may be written, and how it is swapped in.

A build replaces its output folder whole (build.write_site), so that folder must never be the
project, hold any of its inputs, or hold files someone else put there: `check_output` refuses
all of those before anything is read. Every site digest writes carries a marker file (MARKER),
which is how a later build knows that the folder it is about to replace is a site of its own.

The new site is made beside the old one and swapped in with one system call where the system
has one (Linux's renameat2 RENAME_EXCHANGE), so there is no moment when the output folder is
missing; a build killed part-way leaves folders named `.NAME.new-PID` / `.NAME.old-PID`, which
the next build removes (or, if the kill came between two renames, puts back).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .config import SETTINGS_FILE, SOURCES_FILE, THEMES_FILE, Config, line_of, load_yaml_file
from .model import OutputFile, Problem

MARKER = ".digest-site"
# Fixed bytes (no date, no version): the same input gives the same site, byte for byte.
MARKER_TEXT = (b"digest build wrote this folder and replaces it whole at every build:\n"
               b"keep nothing of your own in it.\n")
MARKER_FILE = OutputFile(MARKER, MARKER_TEXT, "digest build")


class OutputError(Exception):
    """The output folder would be the project, hold its inputs, or hold others' files."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[Problem]]:
        return (type(self), (self.problem,))


def check_output(root: Path, config: Config, out: Path | None, *, force: bool = False,
                 ours: Callable[[Path], bool] = lambda folder: False) -> Path:
    """The folder the site goes to (`out`, else `paths.output`), with symlinks resolved, so
    that the check and the write see the same folder. Raises OutputError when it is the
    project or an ancestor of it, inside (or holding) seeds/, content/, templates/ or the
    cache, a file, a folder that looks like a project, or a non-empty folder without MARKER
    (unless `force`, or `ours(folder)` says the last build wrote it: a site made before the
    marker existed)."""
    settings = config.settings
    given = out if out is not None else root / settings.output
    target = Path(os.path.realpath(given))
    project = Path(os.path.realpath(root))

    def refuse(what: str, fix: str) -> OutputError:
        if out is not None:
            return OutputError(Problem(f"--out {out}", None, what, fix or
                                       "give the site a folder of its own, e.g. `--out site`",
                                       "error"))
        line = _output_line(root)
        name = f"`paths.output: {settings.output}`" if line else \
            f"the default output folder `{settings.output}` (paths.output)"
        return OutputError(Problem(SETTINGS_FILE, line, f"{name} {what}", fix or
                                   "set `output:` under `paths:` in digest.yaml to a folder of "
                                   "its own, e.g. `output: site`", "error"))

    if target == project:
        raise refuse("is the project folder itself: the build would replace digest.yaml, the "
                     "articles and every hand-written item with the site", "")
    if project.is_relative_to(target):
        raise refuse(f"holds the project ({project}): the build would replace the whole "
                     "project with the site", "")
    inputs = [(settings.seeds, "the articles"), (settings.content, "the hand-written items"),
              (settings.templates, "the templates"), (settings.cache, "the cache")]
    for name, what in inputs:
        folder = Path(os.path.realpath(project / name))
        if target.is_relative_to(folder):
            raise refuse(f"is inside {name}/, which holds {what}: the site would replace "
                         "them", "")
        if folder.is_relative_to(target):
            raise refuse(f"holds {name}/, which holds {what}: the site would replace them", "")
    if os.path.lexists(target) and not target.is_dir():
        raise refuse("is a file, not a folder: the build would replace it with the site", "")
    if not target.is_dir():
        return target  # a new folder
    try:
        entries = set(os.listdir(target))
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or exc})",
                     "give a folder you can read and write") from None
    project_like = sorted(entries & {"seeds", "content", settings.seeds, settings.content,
                                     SETTINGS_FILE, SOURCES_FILE, THEMES_FILE})
    if project_like:
        shown = ", ".join(n if "." in n else n + "/" for n in project_like)
        raise refuse(f"holds {shown}: it looks like a digest project, which the build would "
                     "replace with the site", "")
    if entries and MARKER not in entries and not force and not ours(target):
        count = f"{len(entries)} file{'' if len(entries) == 1 else 's'} or folder" + \
            ("" if len(entries) == 1 else "s")
        flag = "add `--force`" if out is not None else "run `digest build --force`"
        raise refuse(f"holds {count} that digest did not write (no {MARKER} in it): the build "
                     "would replace them with the site",
                     f"give a new or empty folder, or {flag} to replace what is in it")
    return target


def _output_line(root: Path) -> int | None:
    """The line of `output:` under `paths:` in digest.yaml, when it is written there."""
    data, _ = load_yaml_file(root, SETTINGS_FILE)
    paths = data.get("paths") if isinstance(data, dict) else None
    return line_of(paths, "output") if isinstance(paths, dict) and "output" in paths else None


# --- the swap ---------------------------------------------------------------------------------


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def exchange(one: Path, other: Path) -> bool:
    """Swap two folders in one step, so that a reader (or a kill) never finds `other`
    missing. False where the system or file system cannot: then rename twice."""
    function = _renameat2()
    if function is None:
        return False
    return function(_AT_FDCWD, os.fsencode(one), _AT_FDCWD, os.fsencode(other),
                    _RENAME_EXCHANGE) == 0


def swap_in(fresh: Path, out: Path, backup: Path) -> Path | None:
    """Make the complete folder `fresh` the new `out`. Returns where the old `out` is now
    (None when there was none)."""
    if not os.path.lexists(out):
        os.replace(fresh, out)
        return None
    if out.is_dir() and not out.is_symlink() and exchange(fresh, out):
        return fresh  # the old site, under the new one's temporary name
    os.replace(out, backup)
    try:
        os.replace(fresh, out)  # a kill between the two: clear_leftovers puts `backup` back
    except BaseException:
        os.replace(backup, out)  # the old site stays
        raise
    return backup


_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>new|old)-(?P<pid>\d+)")


def clear_leftovers(out: Path, remove: Callable[[Path], None] = shutil.rmtree) -> None:
    """Remove the temporary folders of builds of `out` that were killed (their process is
    gone); if `out` itself is missing (a kill between the two renames of swap_in), put the
    old site back first: it is whole."""
    try:
        names = os.listdir(out.parent)
    except OSError:
        return
    found = []
    for name in sorted(names):
        match = _LEFTOVER.fullmatch(name)
        if match and match["name"] == out.name and int(match["pid"]) != os.getpid() \
                and not _alive(int(match["pid"])):
            found.append((match["kind"], out.parent / name))
    for kind, folder in found:
        if kind == "old" and not os.path.lexists(out):
            with contextlib.suppress(OSError):
                os.replace(folder, out)
                continue
        remove(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True
