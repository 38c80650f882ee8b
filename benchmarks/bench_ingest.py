"""How fast `digest ingest` takes one big RSS feed: 10,000 entries by default.

    python benchmarks/bench_ingest.py [--entries 10000] [--repeat-titles 0.1] [--minutes 4]
                                      [--keep DIR]

Writes an invented RSS 2.0 feed (headlines and paragraphs made from a few templates, a tenth of
the headlines repeated so that entries of one day want the same file name, one entry every
`--minutes`, HTML and plain-text bodies; `--repeat-titles 1 --minutes 0` is a live blog's feed,
every entry wanting one name) into an empty project with the repository's settings, then times, in
a fresh process each, `digest ingest FEED` into the empty seeds/ and the same command again
(every entry already there: what re-ingesting a daily feed costs). Prints entries per second.
A plain script, not a test.
"""

from __future__ import annotations

import argparse
import html
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLACES = ["Kyiv", "Kharkiv", "Odesa", "Bakhmut", "Avdiivka", "Zaporizhzhia", "Kherson", "Lviv",
          "Donetsk", "Dnipro", "Sumy", "Mykolaiv", "Kupiansk", "Robotyne", "Crimea", "Belgorod"]
PEOPLE = ["Zelensky", "Stoltenberg", "Blinken", "Shoigu", "Kuleba", "Scholz", "Macron", "Lavrov"]
HEADLINES = ["{n} drones shot down over {place} overnight", "Shelling of {place} injures {n}",
             "{person} meets allies to discuss air defence", "Power restored to {n} homes in {place}",
             "Grain ships leave {place} despite mines", "{person} says {n} conditions for talks"]
SENTENCES = ["Air defence destroyed {n} drones launched at {place}, the air force said.",
             "{n} civilians were injured when artillery shelled {place}, the governor said.",
             "{person} held talks with partners about new air defence systems.",
             "Officials gave no further details.", "The claim could not be verified.",
             "Rescue teams worked through the night near {place}."]


def make_feed(entries: int, repeat: float, minutes: float = 4, seed: int = 11) -> bytes:
    """An RSS feed of `entries` invented entries, newest first as feeds are."""
    rng = random.Random(seed)
    start = datetime(2023, 9, 1, 6, 0, tzinfo=UTC)
    items = []
    repeated: list[str] = []
    for n in range(entries):
        def fill(text: str) -> str:
            return text.format(n=rng.randint(2, 90), place=rng.choice(PLACES),
                               person=rng.choice(PEOPLE))
        if repeated and rng.random() < repeat:
            title = rng.choice(repeated)  # the same headline: the same file name wanted
        else:
            title = f"{fill(rng.choice(HEADLINES))} ({n})"
            if len(repeated) < 20:
                repeated.append(title)
        paragraphs = [fill(rng.choice(SENTENCES)) for _ in range(rng.randint(2, 5))]
        when = start + timedelta(minutes=minutes * n)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        content = (f"<content:encoded><![CDATA[{body}]]></content:encoded>" if n % 3
                   else f"<description>{html.escape(' '.join(paragraphs))}</description>")
        items.append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://news.example.org/{when:%Y/%m/%d}/story-{n}</link>"
            f"<guid isPermaLink=\"false\">example-{n}</guid>"
            f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>{content}</item>")
    items.reverse()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>Example News</title><link>https://news.example.org/</link>"
            "<description>Invented entries for a benchmark</description>\n"
            + "\n".join(items) + "\n</channel></rss>\n").encode("utf-8")


def make_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("digest.yaml", "sources.yaml", "themes.yaml"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, folder / name)
    (folder / "seeds").mkdir(exist_ok=True)
    return folder


def timed_ingest(project: Path, feed: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process, its last line). The CPU time is the figure
    to compare on a shared machine, where the wall time also measures the neighbours."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "digest", "-C", str(project), "ingest", str(feed)],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]
    if done.returncode not in (0, 1):  # 1: some entries had errors (reported), not a crash
        raise SystemExit(f"digest ingest failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return seconds, cpu, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat-titles", type=float, default=0.1,
                        help="share of entries that reuse an earlier headline")
    parser.add_argument("--minutes", type=float, default=4, help="between two entries")
    parser.add_argument("--keep", type=Path, help="write the project here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="digest-bench-ingest-"))
    try:
        project = make_project(folder / "project")
        feed = folder / "feed.xml"
        feed.write_bytes(make_feed(args.entries, args.repeat_titles, args.minutes))
        print(f"feed: {args.entries} entries, {feed.stat().st_size / 2**20:.1f} MB")
        for label in ("into empty seeds/", "again (all known)"):
            seconds, cpu, last = timed_ingest(project, feed)
            print(f"  {label:<18} {seconds:6.1f} s wall {args.entries / seconds:6.0f} entries/s,"
                  f" {cpu:6.1f} s CPU {args.entries / cpu:6.0f} entries/s   ({last})")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
