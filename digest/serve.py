"""`digest serve`: build into a temporary folder, serve it over HTTP, rebuild on every save.

Three kinds of thread share one `Preview`: the HTTP server's (one per request, `ThreadingHTTPServer`
from the standard library), the watchers' (`digest.watch`), and one rebuild thread, so two builds
never run at once and changes that arrive during a build are all taken by the next one.

The served folder is a temporary one, never `site/`: a preview must not leave a half-edited site
where `digest build` publishes from. A build that fails (broken settings, a broken template) leaves
the last good site in place and sets the problems the overlay shows; a build that succeeds writes
only the files that changed, then bumps the token that makes open pages reload.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from . import reload
from .config import Config, ConfigError, load_config
from .model import OutputFile, Problem
from .reload import Status
from .urls import Urls
from .watch import Watcher

Prepare = Callable[..., Any]  # digest.build.prepare, or a stand-in with its signature
PORT_TRIES = 50  # how many ports after a taken one are tried before giving up

_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".woff": "font/woff", ".webmanifest": "application/manifest+json",
}


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


# --- paths ------------------------------------------------------------------------------------


def request_path(target: str) -> str | None:
    """The path of a request target, percent-decoded exactly once, or None when it cannot name a
    file of the site: not UTF-8, a NUL byte, a backslash, or a `..` segment. Decoding once is
    the point: `%2e%2e` is `..` and refused, `%252e%252e` stays the literal name `%2e%2e`."""
    # Not urlsplit for the usual form: it reads "//x/y" as host x. Absolute-form targets
    # ("http://host/path", which HTTP/1.1 allows) are the only ones with a host.
    absolute = not target.startswith("/")
    raw = urlsplit(target).path or "/" if absolute else target.split("?", 1)[0].split("#", 1)[0]
    try:
        path = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    if any(segment == ".." for segment in path.split("/")):
        return None
    return path


def inside(folder: Path, relative: str) -> Path | None:
    """The existing file `relative` names in `folder` (a folder's index.html), after following
    symlinks, or None when there is none or the result lies outside `folder`."""
    try:
        base = folder.resolve()
        target = (base / relative).resolve()
        if target.is_dir():
            target = (target / "index.html").resolve()
        if target.is_relative_to(base) and target.is_file():
            return target
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name too long
        pass
    return None


def check_output_path(path: str) -> str:
    """An OutputFile's path, refused unless it stays inside the output folder."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or "\\" in path or "\x00" in path:
        raise ValueError(f"output path {path!r} would leave the output folder")
    return pure.as_posix()


# --- the preview ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Shared:
    """State read by request threads; replaced under `Preview._lock`."""

    status: Status
    prefix: str = "/"  # the sub-path of base_url the site is served under
    built: bool = False  # some build has succeeded: there is a site to serve
    closing: bool = False


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
        self._shared = _Shared(Status(self._token(), 0, failed=False))
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None

    def _token(self) -> str:
        return f"{self._run}.{self._generation}"

    # --- read by request threads

    @property
    def shared(self) -> _Shared:
        with self._lock:
            return self._shared

    def wait(self, seen: int, timeout: float) -> Status | None:
        """The status once its version differs from `seen`, or None after `timeout` seconds or
        when the preview closes."""
        with self._lock:
            changed = self._lock.wait_for(
                lambda: self._shared.closing or self._shared.status.version != seen, timeout)
            if not changed or self._shared.closing:
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
            self._shared = _Shared(Status(self._token(), version, False, errors), prefix, True)
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
            self._shared = _Shared(status, shared.prefix, shared.built)
            self._lock.notify_all()
            url = self.origin + shared.prefix
        return self._done(BuildReport(False, time.perf_counter() - started, changed, problems,
                                      url=url, crash=crash))

    def _done(self, report: BuildReport) -> BuildReport:
        if not self.shared.closing:  # a build that ends during shutdown has no one to tell
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
                self._lock.wait_for(lambda: self._pending or self._shared.closing)
                if self._shared.closing:
                    return
                batch, self._pending = self._pending, set()
            self.rebuild(batch)

    def close(self) -> None:
        """Stop the rebuild thread, release the event streams, remove the temporary folder."""
        with self._lock:
            self._shared.closing = True
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
    """An unexpected exception as a Problem for the overlay. Template errors name their file
    and line; anything else is a bug, and the terminal shows its traceback."""
    filename = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if isinstance(filename, str):
        with contextlib.suppress(ValueError):  # a template of the package, not the project's
            filename = Path(filename).resolve().relative_to(root).as_posix()
        return Problem(filename, line if isinstance(line, int) else None,
                       f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}",
                       "fix it and save; the last good site is shown until then", "error")
    return Problem("(build)", None, f"the build crashed ({type(exc).__name__}: {exc})",
                   "see the traceback in the terminal; please report it as a bug", "error")


# --- HTTP -------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the site's files and the preview's own resources."""

    server: PreviewServer
    server_version = "digest-serve"
    # HTTP/1.0: one request per connection, so the event stream needs no chunked encoding and
    # every thread ends with its response.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # a line per request would bury the build messages the editor needs

    def _answer(self, body: bool) -> None:
        preview = self.server.preview
        shared = preview.shared
        path = request_path(self.path)
        if path is None:
            return self._not_found(shared, body)
        if path.startswith(reload.RESERVED):
            return self._reserved(path, shared, body)
        if not shared.built:
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8",
                              reload.not_built_page(shared.status), body)
        prefix = shared.prefix
        if (path == "/" and prefix != "/") or path == prefix.rstrip("/"):
            return self._redirect(prefix)  # as GitHub Pages serves the project under /repo/
        if not path.startswith(prefix):
            return self._not_found(shared, body)
        relative = "/".join(part for part in path[len(prefix):].split("/") if part not in ("", "."))
        file = inside(preview.folder, relative)
        if file is None and relative and not path.endswith("/"):
            file = inside(preview.folder, relative + ".html")  # Pages serves /about as about.html
        if file is None:
            return self._not_found(shared, body)
        if file.name == "index.html" and relative and not relative.endswith("index.html") \
                and not path.endswith("/"):
            return self._redirect(quote(prefix + relative + "/"))  # relative links need the slash
        self._send_file(file, shared, body)

    def _send_file(self, file: Path, shared: _Shared, body: bool,
                   status: HTTPStatus = HTTPStatus.OK) -> None:
        try:
            data = file.read_bytes()
        except OSError:  # removed by a rebuild between finding and reading it
            return self._not_found(shared, body)
        kind = _TYPES.get(file.suffix.lower(), "application/octet-stream")
        if kind.startswith("text/html"):
            data = reload.inject(data, shared.status)
        self._send(status, kind, data, body)

    def _not_found(self, shared: _Shared, body: bool) -> None:
        page = inside(self.server.preview.folder, "404.html") if shared.built else None
        if page is not None:
            return self._send_file(page, shared, body, HTTPStatus.NOT_FOUND)
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8",
                   reload.inject(b"<!doctype html><title>Not found</title><h1>Not found</h1>",
                                 shared.status), body)

    def _reserved(self, path: str, shared: _Shared, body: bool) -> None:
        if path == reload.EVENTS_PATH:
            return self._events(body)
        if path == reload.SCRIPT_PATH:
            return self._send(HTTPStatus.OK, _TYPES[".js"], reload.SCRIPT.encode(), body)
        if path == reload.STYLE_PATH:
            return self._send(HTTPStatus.OK, _TYPES[".css"], reload.STYLE.encode(), body)
        if path == reload.STATUS_PATH:
            return self._send(HTTPStatus.OK, _TYPES[".json"],
                              shared.status.to_json().encode(), body)
        self._send(HTTPStatus.NOT_FOUND, _TYPES[".txt"], b"not found\n", body)

    def _events(self, body: bool) -> None:
        """A server-sent event stream: the status now, then on every change, with a comment
        every few seconds so that nothing between here and the page closes it as idle."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")  # nginx, when someone proxies the preview
        self.end_headers()
        if not body:
            return
        status = preview.shared.status
        try:
            self.wfile.write(reload.stream_start() + reload.event(status))
            self.wfile.flush()
            seen = status.version
            while not preview.shared.closing:
                status_now = preview.wait(seen, reload.KEEP_ALIVE_SECONDS)
                if status_now is None:
                    self.wfile.write(reload.KEEP_ALIVE)
                else:
                    self.wfile.write(reload.event(status_now))
                    seen = status_now.version
                self.wfile.flush()
        except (ConnectionError, OSError):
            pass  # the page went away

    def _redirect(self, location: str) -> None:
        # 302, not 301: a browser keeps a 301 for good, and base_url may change while previewing.
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send(self, status: HTTPStatus, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a preview must never show a stale file
        self.end_headers()
        if body:
            self.wfile.write(data)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive
    # SO_REUSEADDR lets a restarted preview take its port back at once (the old connections
    # linger in TIME_WAIT). On Windows it would let two servers share a port: not there.
    allow_reuse_address = os.name == "posix"

    def __init__(self, address: tuple[str, int], preview: Preview):
        self.preview = preview
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a browser that closed a connection early is not an error
        super().handle_error(request, client_address)


def open_server(preview: Preview, bind: str, port: int) -> PreviewServer:
    """A server on `bind`:`port`, or on the next free port when that one is taken."""
    last: OSError | None = None
    for candidate in range(port, min(port + PORT_TRIES, 65536)) if port else [0]:
        try:
            server = PreviewServer((bind, candidate), preview)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            last = exc
            continue
        preview.origin = f"http://{url_host(bind)}:{server.server_address[1]}"
        return server
    raise OSError(errno.EADDRINUSE, f"no free port from {port} to {port + PORT_TRIES - 1}") \
        from last


def url_host(bind: str) -> str:
    """The host to put in URLs for a bind address: a wildcard is reached through loopback."""
    if bind in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bind == "::":
        return "[::1]"
    return f"[{bind}]" if ":" in bind else bind


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
