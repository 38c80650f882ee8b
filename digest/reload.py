"""Live reload for `digest serve`: the script, the problem overlay and the event stream.

Nothing here is ever written into the built site. The server adds a stylesheet link, the overlay
(when there are problems) and one script tag to each HTML page *as it serves it*, as MkDocs'
`_inject_js_into_html` does, so `digest build` output stays byte for byte the same with or
without a preview running.

The script opens a server-sent event stream on the same host and port. Every event carries the
status of the preview: the token of the site being served and the problems to show. A page whose
token differs from the one it was served with reloads; otherwise it shows or hides the overlay.
Sending the status, not "something changed", means a page that connects after a rebuild (a slow
load, a laptop waking up, a restarted server) still catches up.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Problem

RESERVED = "/__digest__/"  # paths the preview answers itself; a site's slugs are [a-z0-9-]
EVENTS_PATH = RESERVED + "events"
SCRIPT_PATH = RESERVED + "reload.js"
STYLE_PATH = RESERVED + "overlay.css"
STATUS_PATH = RESERVED + "status"
OVERLAY_ID = "digest-overlay"
KEEP_ALIVE_SECONDS = 15.0  # a comment line this often keeps proxies and browsers from dropping it
RETRY_MS = 1000  # how soon a browser reconnects when the server went away (a restart)


@dataclass(frozen=True, slots=True)
class Status:
    """What the browser needs to know about the preview, sent on each change."""

    token: str  # the site being served, "<server run>.<generation>": a page with another reloads
    version: int  # bumped on every change of status, so the event stream knows what it has sent
    failed: bool  # the last rebuild failed; an older site (or none) is being served
    problems: tuple[Problem, ...] = ()  # for the overlay: errors only; warnings go to the terminal

    def to_json(self) -> str:
        return json.dumps({
            "token": self.token,
            "failed": self.failed,
            "problems": [
                {"path": p.path, "line": p.line, "message": p.message, "fix": p.fix,
                 "severity": p.severity}
                for p in self.problems
            ],
        }, ensure_ascii=False, separators=(",", ":"))


def inject(page: bytes, status: Status) -> bytes:
    """The page with the preview's tags before its last `</body>` (or at its end)."""
    snippet = tags(status).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at == -1:
        return page + snippet
    return page[:at] + snippet + page[at:]


def tags(status: Status) -> str:
    """A stylesheet link and a script tag: external files rather than inline code, so that a
    site with a Content-Security-Policy of `'self'` still gets live reload."""
    return (
        f'<link rel="stylesheet" href="{STYLE_PATH}">'
        + overlay_html(status.problems, status.failed)
        + f'<script src="{SCRIPT_PATH}" data-token="{html.escape(status.token)}"'
        f' data-events="{EVENTS_PATH}"></script>'
    )


def overlay_html(problems: Sequence[Problem], failed: bool) -> str:
    """The overlay as markup, so a page served while a build is broken shows it at once (and
    without JavaScript). The script renders the same structure from the event stream."""
    if not problems:
        return ""
    items = "".join(
        "<li>"
        f'<code class="digest-where">{html.escape(where(p))}</code> '
        f'<span class="digest-message">{html.escape(p.message)}</span>'
        f'<br><span class="digest-fix">Fix: {html.escape(p.fix)}</span>'
        "</li>"
        for p in problems
    )
    return (
        f'<section id="{OVERLAY_ID}" role="alert" aria-live="assertive">'
        f"<h2>{html.escape(headline(len(problems), failed))}</h2>"
        f"<ol>{items}</ol>"
        '<p class="digest-note">Saving a fix rebuilds the site; this message then goes away.</p>'
        "</section>"
    )


def headline(count: int, failed: bool) -> str:
    what = "a problem" if count == 1 else f"{count} problems"
    if failed:
        return f"The site could not be rebuilt: {what}. Showing the last good build."
    return f"The site was rebuilt with {what}; the inputs concerned were left out."


def where(problem: Problem) -> str:
    return f"{problem.path}:{problem.line}" if problem.line else problem.path


def not_built_page(status: Status) -> bytes:
    """What every page shows when no build has succeeded yet (the settings were broken from the
    start): the overlay, and the script that reloads once a fix makes a site."""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>digest serve: no site yet</title></head>"
        "<body><h1>No site yet</h1><p>The first build failed; see the problems below.</p>"
        "</body></html>"
    )
    return inject(page.encode("utf-8"), status)


def event(status: Status) -> bytes:
    """One server-sent event. The JSON has no newlines, so one `data:` line carries it."""
    return f"id: {status.version}\ndata: {status.to_json()}\n\n".encode()


def stream_start() -> bytes:
    return f"retry: {RETRY_MS}\n\n".encode()


KEEP_ALIVE = b": keep-alive\n\n"  # a comment: ignored by EventSource, keeps the stream open

STYLE = """\
#digest-overlay{position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;
z-index:2147483647;margin:0;padding:1rem 1.25rem;border-radius:.5rem;border:2px solid #c0392b;
background:#fff8f6;color:#222;box-shadow:0 .5rem 2rem rgba(0,0,0,.35);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;text-align:left}
#digest-overlay h2{margin:0 2rem .5rem 0;font-size:1.05rem;color:#a52714}
#digest-overlay ol{margin:0;padding-left:1.5rem}
#digest-overlay li{margin:.35rem 0}
#digest-overlay code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
background:#f3e1dd;padding:0 .25rem;border-radius:.2rem;color:#222}
#digest-overlay .digest-fix{color:#444}
#digest-overlay .digest-note{margin:.5rem 0 0;color:#666;font-size:.9em}
#digest-overlay button{position:absolute;top:.5rem;right:.6rem;border:0;background:none;
font-size:1.4rem;line-height:1;cursor:pointer;color:#a52714}
@media (prefers-color-scheme:dark){
#digest-overlay{background:#2a1714;color:#eee;border-color:#e0604f}
#digest-overlay h2,#digest-overlay button{color:#ff8a78}
#digest-overlay code{background:#4a2a25;color:#eee}#digest-overlay .digest-fix{color:#ccc}
#digest-overlay .digest-note{color:#aaa}}
"""

# Plain ES5-level JavaScript, no build step. Text goes in with textContent, never innerHTML:
# a problem message quotes the editor's files.
SCRIPT = """\
// Served by `digest serve` only: reloads the page after each rebuild and shows build problems.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource) { return; }
  var token = me.getAttribute("data-token");
  var source = new EventSource(me.getAttribute("data-events"));
  source.onmessage = function (message) {
    var status = JSON.parse(message.data);
    if (status.token !== token) {  // a newer site is being served
      source.close();
      window.location.reload();
      return;
    }
    show(status);
  };
  // Close the stream before the page goes, so the browser's few connections per host stay free.
  window.addEventListener("pagehide", function () { source.close(); });

  function where(p) { return p.line ? p.path + ":" + p.line : p.path; }

  function show(status) {
    var old = document.getElementById("__OVERLAY_ID__");
    if (old) { old.parentNode.removeChild(old); }
    var problems = status.problems;
    if (!problems.length) { return; }
    var box = document.createElement("section");
    box.id = "__OVERLAY_ID__";
    box.setAttribute("role", "alert");
    box.setAttribute("aria-live", "assertive");
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Hide");
    close.textContent = "\\u00d7";
    close.onclick = function () { box.parentNode.removeChild(box); };
    var title = document.createElement("h2");
    var what = problems.length === 1 ? "a problem" : problems.length + " problems";
    title.textContent = status.failed
      ? "The site could not be rebuilt: " + what + ". Showing the last good build."
      : "The site was rebuilt with " + what + "; the inputs concerned were left out.";
    var list = document.createElement("ol");
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var code = document.createElement("code");
      code.className = "digest-where";
      code.textContent = where(p);
      var text = document.createElement("span");
      text.className = "digest-message";
      text.textContent = " " + p.message;
      var fix = document.createElement("span");
      fix.className = "digest-fix";
      fix.textContent = "Fix: " + p.fix;
      item.appendChild(code);
      item.appendChild(text);
      item.appendChild(document.createElement("br"));
      item.appendChild(fix);
      list.appendChild(item);
    });
    var note = document.createElement("p");
    note.className = "digest-note";
    note.textContent = "Saving a fix rebuilds the site; this message then goes away.";
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(list);
    box.appendChild(note);
    document.body.appendChild(box);
  }

  // The overlay the server put in the page gets a close button too.
  var served = document.getElementById("__OVERLAY_ID__");
  if (served) {
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Hide");
    button.textContent = "\\u00d7";
    button.onclick = function () { served.parentNode.removeChild(served); };
    served.insertBefore(button, served.firstChild);
  }
})();
""".replace("__OVERLAY_ID__", OVERLAY_ID)
