"""What `digest serve` watches: the input folders and the settings files, with watchfiles.

Two watchers, because watchfiles' `recursive` flag is per call: one recursive over `seeds/`,
`content/` and `templates/`, and one over the project folder alone for `digest.yaml`,
`sources.yaml` and `themes.yaml`. Watching the project recursively instead would put a watch on
every folder of `site/`, the cache and `.git`, only to ignore what they report.

Never reported (as Lektor's `WatchFilter`): the output and cache folders, so a build cannot
trigger the next (rust-lang/mdBook#1327), dotfiles and dot-folders, and editors' temporary
files: vim's `*.swp` and its `4913` probe, `*~` backups, Emacs' `.#*` locks, `*.tmp`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

from .config import SETTINGS_FILE, SOURCES_FILE, THEMES_FILE, Config, Settings

SETTINGS_NAMES = (SETTINGS_FILE, SOURCES_FILE, THEMES_FILE)
# An editor's save is a burst of events (write a temp file, rename, chmod): watchfiles groups
# events until STEP_MS pass without another, for at most DEBOUNCE_MS, into one rebuild. Changes
# that arrive while a build runs are queued and taken together by the next one.
DEBOUNCE_MS = 250
STEP_MS = 50
_TEMPORARY = re.compile(r"(\.sw.|~|\.tmp|\.partial)$|^4913$|^\.#|^__pycache__$")


def ignored_name(name: str) -> bool:
    """A file or folder name no change of which should rebuild the site."""
    return name.startswith(".") or bool(_TEMPORARY.search(name))


class ChangeFilter:
    """watchfiles' filter: True for a change that should rebuild the site."""

    def __init__(self, root: Path, ignored: Iterable[Path] = ()):
        self.root = root
        self.ignored = tuple(ignored)

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        target = Path(path)
        try:
            relative = target.relative_to(self.root)
        except ValueError:
            return False
        if any(target.is_relative_to(folder) for folder in self.ignored):
            return False
        return not any(ignored_name(part) for part in relative.parts)


class _RootFilter(ChangeFilter):
    """Only the settings files and the appearing or vanishing of a watched folder."""

    def __init__(self, root: Path, folders: Callable[[], tuple[Path, ...]]):
        super().__init__(root)
        self.folders = folders  # asked each time: the settings may name other folders by now

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        target = Path(path)
        return target.parent == self.root and (
            target.name in SETTINGS_NAMES or target in self.folders())


class Watcher:
    """Calls `on_change` with the project-relative paths of each burst of changes."""

    def __init__(self, root: Path, on_change: Callable[[set[str]], None], *, poll: bool = False):
        self.root = root
        self.on_change = on_change
        self.poll = poll  # force polling: network and container file systems send no events
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._round = threading.Event()  # set to make the folder watcher start over
        self._folders: tuple[Path, ...] = ()
        self._ignored: tuple[Path, ...] = ()
        self._threads: list[threading.Thread] = []

    def retarget(self, config: Config | None) -> None:
        """Watch the folders the settings name (the defaults while they cannot be read)."""
        settings = config.settings if config is not None else Settings(root=self.root)
        folders = tuple(self.root / name
                        for name in (settings.seeds, settings.content, settings.templates))
        ignored = tuple(self.root / name for name in (settings.output, settings.cache))
        with self._lock:
            if (folders, ignored) == (self._folders, self._ignored):
                return
            self._folders, self._ignored = folders, ignored
            self._round.set()

    def start(self) -> None:
        for target, name in ((self._watch_folders, "digest-watch"),
                             (self._watch_settings, "digest-watch-settings")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._round.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _watch(self, paths: tuple[Path, ...], watch_filter: ChangeFilter,
               stop_event: threading.Event, recursive: bool) -> None:
        for changes in watchfiles.watch(
            *paths, watch_filter=watch_filter, debounce=DEBOUNCE_MS, step=STEP_MS,
            stop_event=stop_event, force_polling=self.poll, raise_interrupt=False,
            recursive=recursive, ignore_permission_denied=True,
        ):
            found = {Path(path) for _, path in changes}
            if any(path in self._folders for path in found):
                self._round.set()  # a watched folder appeared or went: watch the new set
            self.on_change({path.relative_to(self.root).as_posix() for path in found})

    def _watch_folders(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._round = round_over = threading.Event()
                folders = tuple(folder for folder in self._folders if folder.is_dir())
                watch_filter = ChangeFilter(self.root, self._ignored)
            if not folders:
                round_over.wait()  # until a folder appears or the watcher stops
                continue
            try:
                self._watch(folders, watch_filter, round_over, recursive=True)
            except (OSError, RuntimeError):
                # A watched folder removed under the watcher: look again in a moment.
                self._stop.wait(0.5)

    def _watch_settings(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch((self.root,), _RootFilter(self.root, lambda: self._folders), self._stop,
                            recursive=False)
            except (OSError, RuntimeError):
                self._stop.wait(0.5)
