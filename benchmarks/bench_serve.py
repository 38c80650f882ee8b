"""How long from saving one article to the reloaded page, with `digest serve`.

    python benchmarks/bench_serve.py [--days 1000] [--per-day 20] [--saves 10] [--browser]
                                     [--requests 200] [--skip-sample] [--skip-archive]

Runs `digest serve` in a subprocess on 127.0.0.1, first on a copy of the sample project, then on
a generated archive of `--days` days (bench_build.py's generator). For each of `--saves` saves
of one article it times, from the moment the file is written:

  event   the server-sent event that tells open pages to reload (watch + debounce + rebuild)
  page    that day's page fetched again, with the change in it (what a reload costs on top)
  build   the rebuild alone, as `digest serve` prints it

With `--browser`, the same in Debian's chromium through Playwright: from the save to the
DOMContentLoaded of the reload that shows the change. Before the saves, `--requests` requests
(pages, feeds, the stylesheet, the status) are sent all at once, each on its own connection,
while an event stream is open, as many tabs and a crawler would: failures, median, p90, p99 and
worst. Prints median, 90th percentile and worst, and the server's peak memory. A plain script,
not a test.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import make_project  # noqa: E402 - the archive generator lives there

REPO = Path(__file__).resolve().parent.parent
EVENTS = "/__digest__/events"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; never a downloaded one
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class Server:
    """`digest serve --port 0` on a project, with its output collected."""

    def __init__(self, project: Path, start_timeout: float):
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digest", "-C", str(project), "serve", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.monotonic() + start_timeout
        self.url = ""
        while not self.url and time.monotonic() < deadline:
            try:
                found = re.search(r"Serving (http://\S+)", self.lines.get(timeout=0.5))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.url = found[1] if found else ""
        if not self.url:
            self.stop()
            raise SystemExit("digest serve did not start:\n" + "".join(self.output[-40:]))
        self.start_seconds = time.perf_counter() - started
        match = re.match(r"http://([^:/]+):(\d+)(/.*)", self.url)
        assert match
        self.host, self.port, self.prefix = match[1], int(match[2]), match[3]

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def get(self, path: str) -> str:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("GET", path)
            return connection.getresponse().read().decode("utf-8")
        finally:
            connection.close()

    def rebuild_times(self) -> list[float]:
        return [float(m[1]) for line in self.output
                if (m := re.search(r"changed: rebuilt in ([\d.]+) s", line))]

    def peak_memory_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found[1]) / 1024 if found else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=300)  # it ends the rebuild under way first
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Events:
    """The server-sent event stream, as an open page reads it: (arrival time, token)."""

    def __init__(self, server: Server):
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=None)
        self.connection.request("GET", EVENTS)
        self.response = self.connection.getresponse()
        self.tokens: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.token = self.next_token(timeout=10)[1]

    def _read(self) -> None:
        try:
            for raw in self.response:
                line = raw.decode("utf-8")
                if line.startswith("data: "):
                    self.tokens.put((time.perf_counter(), json.loads(line[6:])["token"]))
        except (OSError, ValueError):
            pass

    def next_token(self, timeout: float) -> tuple[float, str]:
        """The next event whose token differs from the last one seen."""
        deadline = time.monotonic() + timeout
        while True:
            at, token = self.tokens.get(timeout=max(0.01, deadline - time.monotonic()))
            if token != getattr(self, "token", None):
                self.token = token
                return at, token

    def close(self) -> None:
        self.connection.close()


def save_and_time(server: Server, article: Path, pattern: str, page: str,
                  saves: int) -> dict[str, list[float]]:
    """Save `article` `saves` times, each with a new marker in place of `pattern`'s match."""
    events = Events(server)
    figures: dict[str, list[float]] = {"event": [], "page": []}
    original = article.read_text(encoding="utf-8")
    try:
        for n in range(saves):
            marker = f"benchmark{n}x{int(time.time() * 1000) % 100000}"
            text = re.sub(pattern, lambda m, marker=marker: m[1] + marker, original, count=1)
            saved = time.perf_counter()
            article.write_text(text, encoding="utf-8")
            at, _ = events.next_token(timeout=600)
            body = server.get(page)
            for _ in range(50):  # a save caught mid-build shows in the build after
                if marker in body:
                    break
                at, _ = events.next_token(timeout=600)
                body = server.get(page)
            else:
                raise SystemExit(f"the page never showed {marker}")
            figures["event"].append(at - saved)
            figures["page"].append(time.perf_counter() - saved)
            time.sleep(0.3)  # separate saves, not one burst
    finally:
        article.write_text(original, encoding="utf-8")
        try:
            events.next_token(timeout=600)  # let the rebuild of the restore end before timing more
        finally:
            events.close()
    return figures


def browser_times(server: Server, article: Path, pattern: str, page: str,
                  saves: int) -> list[float]:
    """Save, then wait for the page to show the change by itself; the time is that of the
    DOMContentLoaded of the reload that shows it, as Playwright reports the event."""
    from playwright.sync_api import sync_playwright

    original = article.read_text(encoding="utf-8")
    seconds = []
    loaded: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.on("domcontentloaded", lambda _: loaded.append(time.perf_counter()))
            tab.goto(server.url.rstrip("/") + page, wait_until="domcontentloaded")
            for n in range(saves):
                marker = f"browser{n}x{int(time.time() * 1000) % 100000}"
                text = re.sub(pattern, lambda m, marker=marker: m[1] + marker, original, count=1)
                time.sleep(0.5)  # separate saves, not one burst
                saved = time.perf_counter()
                article.write_text(text, encoding="utf-8")
                tab.locator(f"text={marker}").first.wait_for(timeout=600_000)
                seconds.append(loaded[-1] - saved)
        finally:
            browser.close()
            article.write_text(original, encoding="utf-8")
    return seconds


def load(server: Server, count: int, paths: list[str],
         timeout: float = 15.0) -> tuple[list[float], list[str]]:
    """`count` GETs started together (a barrier), each on a new connection, with an event
    stream open all along: (seconds of each that succeeded, why each other failed)."""
    events = Events(server)
    start = threading.Barrier(count)

    def one(n: int) -> float | str:
        start.wait()
        began = time.perf_counter()
        connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
        try:
            connection.request("GET", paths[n % len(paths)])
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                return f"status {response.status}"
            return time.perf_counter() - began
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    try:
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            results = list(pool.map(one, range(count)))
    finally:
        events.close()
    return [r for r in results if isinstance(r, float)], [r for r in results if isinstance(r, str)]


def describe_load(count: int, seconds: list[float], failures: list[str]) -> str:
    ordered = sorted(seconds) or [float("nan")]

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    said = (f"  {count} concurrent requests, SSE open: {len(failures)} failed; median "
            f"{statistics.median(ordered):.3f} s  p90 {at(0.9):.3f} s  p99 {at(0.99):.3f} s  "
            f"worst {ordered[-1]:.3f} s")
    if failures:
        kinds = sorted(set(failures))
        said += "\n    failures: " + "; ".join(f"{failures.count(k)} x {k}" for k in kinds[:5])
    return said


def describe(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"  {label:<34} median {statistics.median(ordered):6.3f} s   p90 {p90:6.3f} s   "
            f"worst {ordered[-1]:6.3f} s   (n={len(ordered)})")


def run(name: str, project: Path, article: Path, pattern: str, page: str, args: Any) -> None:
    server = Server(project, start_timeout=3600)
    try:
        print(f"{name}: serving after {server.start_seconds:.1f} s (first build, cold cache)")
        if args.requests:
            paths = [page, "/", "/feed.xml", "/__digest__/overlay.css", "/__digest__/status"]
            print(describe_load(args.requests, *load(server, args.requests, paths)))
        figures = save_and_time(server, article, pattern, page, args.saves)
        print(describe("save -> reload event", figures["event"]))
        print(describe("save -> page fetched with the change", figures["page"]))
        print(describe("rebuild alone (as printed)", server.rebuild_times()[-args.saves:]))
        if args.browser:
            print(describe("save -> page reloaded in chromium", browser_times(
                server, article, pattern, page, args.saves)))
        memory = server.peak_memory_mb()
        if memory:
            print(f"  server peak memory {memory:.0f} MB")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also time reloads in chromium")
    parser.add_argument("--requests", type=int, default=200,
                        help="concurrent requests of the load test (0: none)")
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--skip-archive", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="digest-bench-serve-"))
    try:
        if not args.skip_sample:
            sample = folder / "sample"
            sample.mkdir()
            for name in ("digest.yaml", "sources.yaml", "themes.yaml"):
                shutil.copy(REPO / name, sample / name)
            shutil.copytree(REPO / "seeds", sample / "seeds")
            run("sample (5 articles)", sample, sample / "seeds" / "002_e36b2bbf93a9e1ef.txt",
                r"(Our cooperation is )\w+", "/day/2023-09-28/", args)
        if not args.skip_archive:
            archive = folder / "archive"
            archive.mkdir()
            started = time.perf_counter()
            count = make_project(archive, args.days, args.per_day)
            # The article that is saved: a plain story on the archive's last day.
            last = sorted((archive / "seeds").glob("*/*.txt"))[-1]
            day = last.name[:10]
            article = last.with_name(f"{day}-edited.txt")
            article.write_text("Zaporizhzhia officials report a quiet night\n\nOfficials in "
                               "Zaporizhzhia said the night passed without strikes, start "
                               "said.\n\nThe claim could not be verified.\n", encoding="utf-8")
            article.with_suffix(".yaml").write_text(f"date: {day}\nsource: Reuters\n",
                                                    encoding="utf-8")
            print(f"archive: {count + 1} articles over {args.days} days generated in "
                  f"{time.perf_counter() - started:.1f} s")
            run(f"archive ({args.days} days)", archive, article, r"(without strikes, )\w+",
                f"/day/{day}/", args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
