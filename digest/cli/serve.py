"""`digest serve [--port 8000] [--bind 127.0.0.1] [--open] [--poll]`: preview the site while
editing it. Builds into a temporary folder, serves it, rebuilds on every save and reloads open
pages; prints the address, each rebuild and every problem."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import webbrowser
from pathlib import Path

from ..model import Problem
from ..serve import BuildReport, DevServer

WILDCARDS = ("", "0.0.0.0", "::")
SHOWN = 20  # problems listed per build; a big archive can have thousands of warnings


def run(args: argparse.Namespace) -> int:
    root = Path(args.project)
    if not root.is_dir():
        print(f"{root} is not a folder — give the project's folder with -C DIR", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"--port {args.port} is not a port — give a number from 1 to 65535 "
              "(0 lets the system choose)", file=sys.stderr)
        return 2
    log = Log()
    server = DevServer(root, bind=args.bind, port=args.port, poll=args.poll, report=log.report)
    # Ctrl-C and a service manager's SIGTERM both stop the server the same, clean way: the
    # exception unwinds the main thread (the build, or the wait below) into `finally`.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        say(f"Building {root.resolve().name or root} into a temporary folder…")
        try:
            server.start()
        except OSError as exc:
            print(f"Cannot listen on {args.bind} port {args.port}: {exc.strerror or exc} — "
                  "try another --port or --bind", file=sys.stderr)
            return 1
        if args.port and server.actual_port != args.port:
            say(f"Port {args.port} is taken; using {server.actual_port}.")
        if args.bind in WILDCARDS:
            say(f"Listening on every network interface ({args.bind or '0.0.0.0'}): other "
                "machines can open this preview.")
        log.url = server.url
        say(f"Serving {server.url} — press Ctrl-C to stop.")
        if args.open:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        while True:
            # The work happens in other threads. The kernel may hand Ctrl-C to any of them, and
            # Python runs its handler only when the main thread wakes: so wake often.
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, previous)
    say("Stopped.")
    return 0


def say(text: str) -> None:
    # Flushed at once: the output is often a pipe (an IDE, a test) where lines would wait.
    print(text, flush=True)


class Log:
    """Prints each build: what changed, how long it took, and the problems. Errors are printed
    every time (they need fixing); a warning only the first time it appears, since the same
    warnings would otherwise repeat on every save."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.warned: set[Problem] = set()
        self.builds = 0

    def report(self, report: BuildReport) -> None:
        self.builds += 1
        first = self.builds == 1
        stamp = "" if first else time.strftime("%H:%M:%S ")
        cause = _changed(report.changed)
        errors = [p for p in report.problems if p.severity == "error"]
        warnings = [p for p in report.problems if p.severity != "error"]
        if not report.ok:
            say(f"{stamp}{cause}the build failed; "
                + ("nothing to serve yet:" if first else "still serving the last good site:"))
            for problem in report.problems[:SHOWN]:
                say(f"  {problem}")
            if len(report.problems) > SHOWN:
                say(f"  … and {len(report.problems) - SHOWN} more (`digest check` lists them all)")
            if report.crash:
                print(report.crash, file=sys.stderr, flush=True)
            return
        new = [p for p in warnings if p not in self.warned]
        self.warned = set(warnings)
        what = "Built" if first else "rebuilt"
        said = f"{stamp}{cause}{what} in {report.seconds:.2f} s"
        if not first:
            said += f", {report.written} file{'' if report.written == 1 else 's'} changed"
        counts = (_count(len(errors), "error"), _count(len(warnings), "warning"))
        tally = ", ".join(x for x in counts if x)
        say(said + (f" ({tally})." if tally else "."))
        listed = errors + new
        for problem in listed[:SHOWN]:
            say(f"  {problem}")
        if len(listed) > SHOWN:
            say(f"  … and {len(listed) - SHOWN} more (`digest check` lists them all)")
        if self.url is not None and report.url != self.url:
            self.url = report.url
            say(f"base_url changed: now serving {report.url}")


def _changed(paths: tuple[str, ...]) -> str:
    if not paths:
        return ""
    shown = ", ".join(paths[:3])
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return f"{shown}{more} changed: "


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}" if n else ""
