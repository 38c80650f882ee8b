"""The preview's HTTP side: which file a request names, and the server that answers it.

An `http.server` server with a fixed pool of worker threads behind a real listen backlog, so
that a burst of requests (an editor's tabs reloading at once, a link checker) waits in order
instead of being dropped; event streams are handed to one thread that writes to all of them,
so open pages never hold a worker; a request's head is bounded in size and in time, so a
slow or silent client is dropped. GET and HEAD only. Pages are read from the preview's
temporary folder and get the live-reload tags as they are sent (`digest.reload.inject`); the
preview's own resources live under `/__digest__/`.

No path outside the site folder is ever served: a request path is percent-decoded exactly once,
refused with a NUL byte, a backslash or a `..` segment, and the file it names is resolved
(symlinks followed) and must still lie inside the folder.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import queue
import socket
import socketserver
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from . import reload

if TYPE_CHECKING:
    from .serve import Preview, Shared

PORT_TRIES = 50  # how many ports after a taken one are tried before giving up
# "Taken": on Windows a port held exclusively answers EACCES; elsewhere EACCES means a port
# below 1024 without the right to it, which the next port will not cure.
_TAKEN = {errno.EADDRINUSE} | ({errno.EACCES} if os.name == "nt" else set())

_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".woff": "font/woff", ".webmanifest": "application/manifest+json",
}


def request_path(target: str) -> str | None:
    """The path of a request target, percent-decoded exactly once, or None when it cannot name a
    file of the site: not UTF-8, a NUL byte, a backslash, or a `..` segment. Decoding once is
    the point: `%2e%2e` is `..` and refused, `%252e%252e` stays the literal name `%2e%2e`."""
    # Not urlsplit for the usual form: it reads "//x/y" as host x. Absolute-form targets
    # ("http://host/path", which HTTP/1.1 allows) are the only ones with a host.
    absolute = not target.startswith("/")
    raw = (urlsplit(target).path or "/") if absolute else target.split("?", 1)[0].split("#", 1)[0]
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


# --- the server -------------------------------------------------------------------------------

BACKLOG = 1024  # connections the kernel queues before accept: 5 (the default) made 200 wait 15 s
WORKERS = 32  # threads answering requests; an event stream is handed on and holds none
QUEUED = 256  # accepted connections waiting for a worker; past that the kernel's backlog fills
MAX_HEAD_BYTES = 32 * 1024  # request line and headers; localhost cookies of other apps add up
HEAD_SECONDS = 10.0  # for the whole request head, however slowly it trickles in
WRITE_SECONDS = 10.0  # for each send of a response to a client that stopped reading
MAX_STREAMS = 100  # open event streams; past that the oldest is closed (it reconnects)


def read_head(connection: socket.socket, limit: int, seconds: float) -> tuple[bytes, str]:
    """The request line and headers of a request, through the blank line after them, read
    with a deadline for the whole head (a timeout per read would let a client that sends a
    byte every few seconds hold its worker for ever). (head, "") or (b"", why): "large",
    "slow" or "closed". A head the client ends without a blank line is returned as it is."""
    deadline = time.monotonic() + seconds
    data = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", "slow"
        connection.settimeout(left)
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            return b"", "slow"
        except OSError:
            return b"", "closed"
        if not chunk:
            return (bytes(data), "") if data else (b"", "closed")
        looked = max(0, len(data) - 3)
        data += chunk
        for end in (b"\r\n\r\n", b"\n\n"):  # bare newlines: curl by hand, netcat
            at = data.find(end, looked)
            if at != -1 and at + len(end) <= limit:
                return bytes(data[:at + len(end)]), ""
        if len(data) > limit:
            return b"", "large"


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the site's files and the preview's own resources."""

    server: PreviewServer
    server_version = "digest-serve"
    # HTTP/1.0: one request per connection, so the event stream needs no chunked encoding, a
    # worker is free again after each response, and no idle connection waits for a second one.
    protocol_version = "HTTP/1.0"
    kept = False  # True once the connection is handed to the event streams: not to be closed

    def handle(self) -> None:
        self.close_connection = True
        # What send_error needs before a request line was read.
        self.requestline, self.request_version, self.command = "", "HTTP/1.0", ""
        head, why = read_head(self.connection, MAX_HEAD_BYTES, HEAD_SECONDS)
        self.connection.settimeout(WRITE_SECONDS)
        try:
            if why == "large":
                return self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            if why == "slow":
                return self.send_error(HTTPStatus.REQUEST_TIMEOUT)
        except OSError:
            return  # it went away meanwhile
        if not head:
            return
        self.rfile.close()  # the stream's reader: the head was read already, from the socket
        self.rfile = io.BytesIO(head)
        self.handle_one_request()

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

    def _send_file(self, file: Path, shared: Shared, body: bool,
                   status: HTTPStatus = HTTPStatus.OK) -> None:
        try:
            data = file.read_bytes()
        except OSError:  # removed by a rebuild between finding and reading it
            return self._not_found(shared, body)
        kind = _TYPES.get(file.suffix.lower(), "application/octet-stream")
        if kind.startswith("text/html"):
            data = reload.inject(data, shared.status)
        self._send(status, kind, data, body)

    def _not_found(self, shared: Shared, body: bool) -> None:
        page = inside(self.server.preview.folder, "404.html") if shared.built else None
        if page is not None:
            return self._send_file(page, shared, body, HTTPStatus.NOT_FOUND)
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8",
                   reload.inject(b"<!doctype html><title>Not found</title><h1>Not found</h1>",
                                 shared.status), body)

    def _reserved(self, path: str, shared: Shared, body: bool) -> None:
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
        """A server-sent event stream: the headers and the status now, then the connection goes
        to the server's `Streams`, which writes every later change to all open streams from one
        thread. A stream is open as long as its page: were it to keep this worker, a few tabs
        would take every worker and no page could load."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")  # nginx, when someone proxies the preview
        self.end_headers()
        if not body:
            return
        status = self.server.preview.shared.status
        self.wfile.write(reload.stream_start() + reload.event(status))
        self.wfile.flush()
        self.kept = self.server.streams.adopt(self.connection, status.version)

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


class Streams:
    """The open event streams, written by one thread: the status on every change, and a
    comment every few seconds so that nothing between here and the page closes one as idle.
    Sockets are non-blocking here: a stream that cannot take a whole event at once (a page
    that stopped reading) is closed rather than waited for, and its page reconnects and gets
    the status then: every event carries the whole status, so nothing is lost."""

    def __init__(self, preview: Preview, limit: int = MAX_STREAMS):
        self.preview = preview
        self.limit = limit
        self._lock = threading.Lock()
        self._open: dict[socket.socket, int] = {}  # oldest first -> the status version it has
        self._stopped = False
        self._thread: threading.Thread | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="digest-events", daemon=True)
        self._thread.start()

    def adopt(self, connection: socket.socket, version: int) -> bool:
        """Take over a stream that has been sent the status of `version`. False when the
        server is stopping: the caller closes it."""
        with self._lock:
            if self._stopped:
                return False
            connection.setblocking(False)
            while len(self._open) >= self.limit:
                self._close(next(iter(self._open)))
            self._open[connection] = version
            status = self.preview.shared.status
            if status.version != version:  # a change between the first event and now
                self._send(connection, reload.event(status), status.version)
        return True

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for connection in list(self._open):
                self._close(connection)

    def _run(self) -> None:
        seen = self.preview.shared.status.version
        while not self.preview.closing and not self._stopped:
            status = self.preview.wait(seen, reload.KEEP_ALIVE_SECONDS)
            with self._lock:
                for connection in [c for c in self._open if _gone(c)]:
                    self._close(connection)
                if status is None:
                    for connection, version in list(self._open.items()):
                        self._send(connection, reload.KEEP_ALIVE, version)
                    continue
                seen = status.version
                data = reload.event(status)
                for connection, version in list(self._open.items()):
                    if version != status.version:
                        self._send(connection, data, status.version)
        self.stop()

    def _send(self, connection: socket.socket, data: bytes, version: int) -> None:
        try:
            sent = connection.send(data)
        except OSError:  # BlockingIOError (its buffer is full), a reset, a closed socket
            sent = -1
        if sent == len(data):
            self._open[connection] = version
        else:
            self._close(connection)  # half an event would garble the stream: end it

    def _close(self, connection: socket.socket) -> None:
        self._open.pop(connection, None)
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()


def _gone(connection: socket.socket) -> bool:
    """The page closed its end: a read gives end of file, not "would block"."""
    try:
        return connection.recv(1024, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class PreviewServer(HTTPServer):
    """One thread accepts, `WORKERS` threads answer, and `Streams` keeps the event streams.
    The threads start with `serve_forever`, not before: the first build runs between opening
    the port and serving, and may fork worker processes, which is only safe without threads."""

    request_queue_size = BACKLOG
    # SO_REUSEADDR lets a restarted preview take its port back at once (the old connections
    # linger in TIME_WAIT). On Windows it would let two servers share a port: not there.
    allow_reuse_address = os.name == "posix"

    def __init__(self, address: tuple[str, int], preview: Preview, workers: int = WORKERS):
        self.preview = preview
        self.streams = Streams(preview)
        self.workers = workers
        self._jobs: queue.Queue[tuple[socket.socket, Any] | None] = queue.Queue(QUEUED)
        self._threads: list[threading.Thread] = []
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer's own asks DNS for the host's full name (socket.getfqdn), which nothing
        # here uses and which can stall the start for seconds on a network with slow DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        if not self._threads:
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"digest-http-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)
            self.streams.start()
        super().serve_forever(poll_interval)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Blocks when QUEUED connections wait already: then the accept thread waits too, and
        # new connections wait in the kernel's backlog, not in this process's memory.
        self._jobs.put((request, client_address))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            request, client_address = job
            kept = False
            try:
                handler = self.RequestHandlerClass(request, client_address, self)
                kept = isinstance(handler, Handler) and handler.kept
            except Exception:  # noqa: BLE001 - one bad request must not end a worker
                self.handle_error(request, client_address)
            if not kept:
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self.streams.stop()
        # Connections still queued are closed, and the workers told to stop without waiting for
        # room in the queue: a Ctrl-C on a busy server must not block on its own queue.
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self.shutdown_request(job[0])
        for _ in self._threads:
            try:
                self._jobs.put_nowait(None)
            except queue.Full:
                break
        # Workers end after their request; one waiting for a silent client's head need not be
        # waited for (they are daemon threads), or a Ctrl-C would take HEAD_SECONDS.
        deadline = time.monotonic() + 1.0
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._threads = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a browser that closed a connection early, or stopped reading: not an error
        super().handle_error(request, client_address)


def open_server(preview: Preview, bind: str, port: int) -> PreviewServer:
    """A server on `bind`:`port`, or on the next free port when that one is taken."""
    last: OSError | None = None
    for candidate in range(port, min(port + PORT_TRIES, 65536)) if port else [0]:
        try:
            server = PreviewServer((bind, candidate), preview)
        except OSError as exc:
            if exc.errno not in _TAKEN:
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
