"""`digest serve`: build into a temporary folder, serve it over HTTP, rebuild on every save.

Three kinds of thread share one `Preview`: the HTTP server's (`digest.httpd`: a pool of
workers, and one that writes the event streams), the watchers' (`digest.watch`), and one
rebuild thread, so two builds never run at once and
changes that arrive during a build are all taken by the next one. `digest.reload` is what the
pages get to reload themselves and show the problems of a failed build.

The served folder is a temporary one, never `site/`: a preview must not leave a half-edited site
where `digest build` publishes from. A build that fails (broken settings, a broken template) leaves
the last good site in place and sets the problems the overlay shows; a build that succeeds writes
only the files that changed, then bumps the token that makes open pages reload.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .config import Config, ConfigError, load_config
from .httpd import PreviewServer, open_server
from .model import OutputFile, Problem
from .reload import Status
from .urls import Urls
from .watch import Watcher

Prepare = Callable[..., Any]  # digest.build.prepare, or a stand-in with its signature


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What one build did, for the terminal (only the CLI prints)."""

    ok: bool  # False: nothing changed on the served site
    seconds: float
    changed: tuple[str, ...]  # project-relative paths that triggered it; () for the first build
    problems: tuple[Problem, ...]  # every problem of the build (errors and warnings)
    written: int = 0  # files written or removed in the served folder
    url: str = ""  # where the site is served now
    crash: str | None = None  # a traceback, when the build raised something unexpected


def check_output_path(path: str) -> str:
    """An OutputFile's path, refused unless it stays inside the output folder."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or "\\" in path or "\x00" in path:
        raise ValueError(f"output path {path!r} would leave the output folder")
    return pure.as_posix()


# --- the preview ------------------------------------------------------------------------------


@dataclass(slots=True)
class Shared:
    """State read by request threads; replaced under `Preview._lock`."""

    status: Status
    prefix: str = "/"  # the sub-path of base_url the site is served under
    built: bool = False  # some build has succeeded: there is a site to serve


class Preview:
    """The served site: a temporary folder kept up to date by `rebuild`, and its status."""

    def __init__(self, root: Path, *, prepare: Prepare | None = None,
                 report: Callable[[BuildReport], None] = lambda report: None):
        self.root = root.resolve()
        self.report = report
        self._prepare = prepare
        self._temp = Path(tempfile.mkdtemp(prefix="digest-serve-"))
        self.folder = self._temp / "site"
        self.folder.mkdir()
        self.origin = "http://127.0.0.1:8000"  # set by the server once it has a port
        self.config: Config | None = None
        self._cache: Any = None
        self._written: dict[str, bytes] = {}  # what is in `folder` now: path -> bytes
        self._run = uuid.uuid4().hex[:8]  # a restarted server's pages must not match old ones
        self._generation = 0
        self._lock = threading.Condition()
        self._shared = Shared(Status(self._token(), 0, failed=False))
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None
        self.closing = False  # set once, by close(); event streams and the rebuild loop end

    def _token(self) -> str:
        return f"{self._run}.{self._generation}"

    # --- read by request threads

    @property
    def shared(self) -> Shared:
        with self._lock:
            return self._shared

    def wait(self, seen: int, timeout: float) -> Status | None:
        """The status once its version differs from `seen`, or None after `timeout` seconds or
        when the preview closes."""
        with self._lock:
            changed = self._lock.wait_for(
                lambda: self.closing or self._shared.status.version != seen, timeout)
            if not changed or self.closing:
                return None
            return self._shared.status

    # --- building

    def rebuild(self, changed: Iterable[str] = ()) -> BuildReport:
        """Build the site and, when that works, bring the served folder up to date."""
        started = time.perf_counter()
        changed = tuple(sorted(changed))
        try:
            # The base URL and the cache folder come from the settings, which the build itself
            # reads: guess them from the last good settings and build again in the rare case
            # the new ones differ (digest.yaml's base_url or cache path was just edited).
            config = self.config or load_config(self.root)
            prepared = self._prepare_site(config)
            if _site_keys(prepared.config) != _site_keys(config):
                prepared = self._prepare_site(prepared.config)
            written = self._write(prepared.files)
        except ConfigError as exc:
            return self._failed(tuple(exc.problems), started, changed)
        except Exception as exc:  # noqa: BLE001 - a broken template must not stop the preview
            return self._failed((crash_problem(exc, self.root),), started, changed,
                                crash=traceback.format_exc())
        problems = tuple(prepared.problems)
        errors = tuple(p for p in problems if p.severity == "error")
        prefix = _site_keys(prepared.config)[0]
        with self._lock:
            self.config = prepared.config
            self._generation += 1
            version = self._shared.status.version + 1
            self._shared = Shared(Status(self._token(), version, False, errors), prefix, True)
            self._lock.notify_all()
        return self._done(BuildReport(True, time.perf_counter() - started, changed, problems,
                                      written, self.origin + prefix))

    def _prepare_site(self, config: Config) -> Any:
        prepare = self._prepare
        if prepare is None:
            from .build import prepare  # the whole pipeline: imported when first needed
        prefix, cache_folder = _site_keys(config)
        if self._cache is None or self._cache.folder != cache_folder:
            from .cache import ParseCache

            # One cache for the whole session: its memory layer is what makes a rebuild
            # re-parse only the articles whose bytes changed.
            self._cache = ParseCache.for_project(config.settings)
        return prepare(self.root, base_url=self.origin + prefix, cache=self._cache)

    def _failed(self, problems: tuple[Problem, ...], started: float, changed: tuple[str, ...],
                crash: str | None = None) -> BuildReport:
        with self._lock:
            shared = self._shared
            status = Status(shared.status.token, shared.status.version + 1, True, problems)
            self._shared = Shared(status, shared.prefix, shared.built)
            self._lock.notify_all()
            url = self.origin + shared.prefix
        return self._done(BuildReport(False, time.perf_counter() - started, changed, problems,
                                      url=url, crash=crash))

    def _done(self, report: BuildReport) -> BuildReport:
        if not self.closing:  # a build that ends during shutdown has no one to tell
            self.report(report)
        return report

    def _write(self, files: Iterable[OutputFile]) -> int:
        """Write what changed since the last build and remove what is gone. Each file is
        replaced whole (`os.replace`), so a request never reads half of one. `_written` is
        kept true file by file, so a write that fails half-way is repaired by the next build."""
        new: dict[str, bytes] = {}
        for file in files:
            new[check_output_path(file.path)] = file.data
        count = 0
        for path in sorted(self._written.keys() - new.keys(), reverse=True):
            target = self.folder / path
            target.unlink(missing_ok=True)
            del self._written[path]
            _prune(target.parent, self.folder)
            count += 1
        for path, data in new.items():
            if self.closing:  # close() gave up waiting and removed the folder: write nothing
                raise RuntimeError("the preview is closing")
            if self._written.get(path) != data:
                target = self.folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f".{target.name}.partial")
                partial.write_bytes(data)
                os.replace(partial, target)
                self._written[path] = data
                count += 1
        return count

    # --- the rebuild thread

    def changed(self, paths: Iterable[str]) -> None:
        """Called by the watchers: queue a rebuild for these paths."""
        with self._lock:
            self._pending.update(paths)
            self._lock.notify_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._rebuild_loop, name="digest-rebuild",
                                        daemon=True)
        self._thread.start()

    def _rebuild_loop(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._pending or self.closing)
                if self.closing:
                    return
                batch, self._pending = self._pending, set()
            self.rebuild(batch)

    def close(self) -> None:
        """Stop the rebuild thread, release the event streams, remove the temporary folder."""
        with self._lock:
            self.closing = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)  # a build under way finishes first
        shutil.rmtree(self._temp, ignore_errors=True)


def _site_keys(config: Config) -> tuple[str, Path]:
    """What of the settings a build in the preview depends on: the sub-path of base_url, and
    the parse cache's folder (as `ParseCache.for_project` makes it)."""
    settings = config.settings
    return Urls(settings.base_url).prefix, settings.root / settings.cache / "parse"


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty, up to (not including) `top`."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def crash_problem(exc: BaseException, root: Path) -> Problem:
    """An unexpected exception as a Problem for the overlay. A template error names the template
    and line: Jinja gives them on syntax errors, and rewrites the traceback so that a template's
    frames carry its file and line for errors while rendering. Anything else is a bug, and the
    terminal shows its traceback."""
    where: tuple[str, int | None] | None = None
    filename = getattr(exc, "filename", None)
    if isinstance(filename, str) and not filename.endswith(".py"):
        line = getattr(exc, "lineno", None)
        where = (filename, line if isinstance(line, int) else None)
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if not f.filename.endswith(".py") and not f.filename.startswith("<")]
        if frames:
            where = (frames[-1].filename, frames[-1].lineno)
    message = getattr(exc, "message", None) or str(exc)
    if where is None:
        return Problem("(build)", None, f"the build crashed ({type(exc).__name__}: {message})",
                       "see the traceback in the terminal; please report it as a bug", "error")
    path = where[0]
    with contextlib.suppress(ValueError):  # a template of the package, not the project's
        path = Path(path).resolve().relative_to(root).as_posix()
    return Problem(path, where[1], f"{type(exc).__name__}: {message}",
                   "fix the template and save; the last good site is shown until then", "error")


# --- all together -----------------------------------------------------------------------------


@dataclass(slots=True)
class DevServer:
    """Preview + HTTP server + watchers, started and stopped together."""

    root: Path
    bind: str = "127.0.0.1"
    port: int = 8000
    poll: bool = False
    report: Callable[[BuildReport], None] = lambda report: None
    prepare: Prepare | None = None
    preview: Preview = field(init=False)
    server: PreviewServer | None = field(init=False, default=None)
    watcher: Watcher | None = field(init=False, default=None)
    _serving: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.preview = Preview(self.root, prepare=self.prepare, report=self._built)

    def _built(self, report: BuildReport) -> None:
        if self.watcher is not None:
            self.watcher.retarget(self.preview.config)  # digest.yaml may name other folders
        self.report(report)

    @property
    def url(self) -> str:
        return self.preview.origin + self.preview.shared.prefix

    @property
    def actual_port(self) -> int:
        return self.server.server_address[1] if self.server else self.port

    def start(self) -> BuildReport:
        """Take a port, build once, then serve and watch. The first build runs before any other
        thread exists: the parser may start worker processes, and forking is only safe then."""
        self.server = open_server(self.preview, self.bind, self.port)
        first = self.preview.rebuild()
        self._serving = threading.Thread(target=self.server.serve_forever,
                                         kwargs={"poll_interval": 0.2}, name="digest-http",
                                         daemon=True)
        self._serving.start()
        self.preview.start()
        self.watcher = Watcher(self.preview.root, self.preview.changed, poll=self.poll)
        self.watcher.retarget(self.preview.config)
        self.watcher.start()
        return first

    def close(self) -> None:
        """Stop watching, stop serving, then remove the temporary folder; safe to call twice."""
        if self.watcher is not None:
            self.watcher.stop()
        if self.server is not None and self._serving is not None:
            self.server.shutdown()
            self._serving = None
        self.preview.close()
        if self.server is not None:
            self.server.server_close()
