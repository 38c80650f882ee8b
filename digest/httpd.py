"""The preview's HTTP side: which file a request names, and the server that answers it.

`ThreadingHTTPServer` from the standard library, one thread per request. GET and HEAD only.
Pages are read from the preview's temporary folder and get the live-reload tags as they are
sent (`digest.reload.inject`); the preview's own resources live under `/__digest__/`.

No path outside the site folder is ever served: a request path is percent-decoded exactly once,
refused with a NUL byte, a backslash or a `..` segment, and the file it names is resolved
(symlinks followed) and must still lie inside the folder.
"""

from __future__ import annotations

import errno
import os
import socket
import socketserver
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
            while not preview.closing:
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

    def server_bind(self) -> None:
        # HTTPServer's own asks DNS for the host's full name (socket.getfqdn), which nothing
        # here uses and which can stall the start for seconds on a network with slow DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

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
