"""How long `digest build` takes on a big archive: 1,000 days, 20,000 articles.

    python benchmarks/bench_build.py [--days 1000] [--per-day 20] [--keep DIR]

Writes a synthetic project (articles in the formats of the samples: daily summaries, live blogs,
single stories and stories with sections, each with a sidecar naming its outlet and day) into a
temp folder, then times a cold build (empty cache), a rebuild with no change, a rebuild after
one new article (on the latest day) and a rebuild after one edited article (in the middle of
the archive), each in a fresh process as an editor would run them. Prints the figures and the
peak memory of each build (of the build's process and its workers). A plain script, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTLETS = [("Novinite", "novinite.com"), ("The Kyiv Independent", "kyivindependent.com"),
           ("TRT World", "trtworld.com"), ("London Loves Business", "londonlovesbusiness.com"),
           ("Ukrinform", "ukrinform.net"), ("Kyiv Post", "kyivpost.com"),
           ("Reuters", "reuters.com"), ("Al Jazeera", "aljazeera.com")]
PLACES = ["Kyiv", "Kharkiv", "Odesa", "Bakhmut", "Avdiivka", "Zaporizhzhia", "Kherson", "Lviv",
          "Donetsk", "Dnipro", "Sumy", "Mykolaiv", "Kupiansk", "Robotyne", "Crimea", "Belgorod"]
PEOPLE = ["Zelensky", "Stoltenberg", "Blinken", "Shoigu", "Zaluzhnyi", "Kuleba", "Scholz",
          "Macron", "Erdogan", "Lavrov", "Peskov", "Budanov", "Syrskyi", "von der Leyen"]
SUBJECTS = [
    ("{n} drones shot down over {place} overnight", "air defence destroyed {n} Shahed drones "
     "launched at {place}, the air force said"),
    ("Missile strike damages energy infrastructure in {place}", "a missile hit a power station "
     "near {place}, cutting electricity to {n} thousand homes"),
    ("Russian shelling of {place} kills {n}", "{n} civilians were killed when Russian artillery "
     "shelled residential districts of {place}, the regional governor said"),
    ("Ukrainian forces advance near {place}", "troops pushed forward {n} kilometres near "
     "{place}, the general staff reported, as fighting continued along the front line"),
    ("{person} meets allies to discuss air defence", "{person} held talks with partners about "
     "new air defence systems and the NATO summit, calling for {n} more Patriot batteries"),
    ("EU agrees new sanctions package against Russia", "the European Union approved its "
     "{n}th package of sanctions, targeting oil exports and drone components"),
    ("{person} says peace talks are possible on conditions", "{person} said negotiations "
     "could start only if {n} conditions were met, the ministry reported"),
    ("Germany pledges {n} million euros in military aid", "Berlin will send ammunition, "
     "tanks and artillery shells worth {n} million euros, {person} announced"),
    ("Grain exports from {place} resume", "ships carrying {n} thousand tonnes of grain left "
     "port near {place} despite the threat of mines, the economy ministry said"),
    ("Kremlin tightens rules for foreign journalists", "the Kremlin spokesman {person} said "
     "{n} reporters would lose their accreditation, as a court extended a detention"),
]
FILLER = ["Officials gave no further details.", "The claim could not be independently verified.",
          "Both sides have accused each other of targeting civilians.",
          "The region has been under regular attack for months.",
          "Rescue teams worked through the night to clear the rubble.",
          "Analysts said the move reflected growing pressure on the front.",
          "The statement was published on the ministry's Telegram channel.",
          "Western partners promised to speed up deliveries before winter."]


def event(rng: random.Random) -> tuple[str, str]:
    headline, lead = rng.choice(SUBJECTS)
    values = {"n": rng.randint(2, 90), "place": rng.choice(PLACES), "person": rng.choice(PEOPLE)}
    body = lead.format(**values)
    paragraphs = [body[0].upper() + body[1:] + "."] + rng.sample(FILLER, rng.randint(1, 3))
    return headline.format(**values), "\n\n".join(paragraphs)


def summary(rng: random.Random, day: date, number: int) -> str:
    events = [event(rng) for _ in range(rng.randint(4, 6))]
    lines = [f"Day {number} of the Invasion of Ukraine: {events[0][0]}", "",
             f"Day {number} of the invasion of Ukraine. Summary of key events in the last "
             "24 hours:", ""]
    lines += [f"  • {h}" for h, _ in events] + [""]
    for headline, text in events:
        lines += [headline, "", text, ""]
    lines += ["Tags: Ukraine, Russia", "Follow on Twitter and Facebook"]
    return "\n".join(lines)


def live_blog(rng: random.Random, day: date, number: int) -> str:
    lines = [f"Live blog: {event(rng)[0]}", "", f"Russia-Ukraine conflict enters its {number}th "
             "day.", "", f"{day:%A}, {day:%B} {day.day}, {day.year}", ""]
    minutes = sorted(rng.sample(range(60, 23 * 60), rng.randint(5, 10)), reverse=True)
    for m in minutes:
        headline, text = event(rng)
        lines += [f"{m // 60:02d}{m % 60:02d} GMT — {headline}", "", text, "", "Loading...", ""]
    return "\n".join(lines)


def story(rng: random.Random, day: date, number: int) -> str:
    headline, text = event(rng)
    return "\n".join(["Home Breaking News " + headline, "", headline, "",
                      "by A Correspondent", f"{day.day}th {day:%b} {day:%y} 4:23 pm", "", text,
                      "", "Read more on Russia-Ukraine war:", "", event(rng)[0]])


def sections(rng: random.Random, day: date, number: int) -> str:
    parts = [event(rng) for _ in range(3)]
    lines = [parts[0][0], "", parts[0][1], ""]
    for headline, text in parts[1:]:
        lines += [f"– {headline.split(' ', 3)[-1].capitalize()} –", "", text, ""]
    return "\n".join(lines)


FORMATS = [summary, live_blog, story, story, sections]


def make_project(root: Path, days: int, per_day: int, seed: int = 582) -> int:
    rng = random.Random(seed)
    for name in ("digest.yaml", "sources.yaml", "themes.yaml"):
        shutil.copy(REPO / name, root / name)
    seeds = root / "seeds"
    start = date(2022, 2, 24)
    count = 0
    for d in range(days):
        day = start + timedelta(days=d)
        folder = seeds / f"{day:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(per_day):
            fmt = FORMATS[(d + n) % len(FORMATS)]
            outlet, domain = OUTLETS[(d * 7 + n) % len(OUTLETS)]
            stem = folder / f"{day}-{n:02d}"
            stem.with_suffix(".txt").write_text(fmt(rng, day, d + 1), encoding="utf-8")
            stem.with_suffix(".yaml").write_text(
                f"date: {day}\nsource: {outlet}\nurl: https://www.{domain}/news/{day}-{n}\n",
                encoding="utf-8")
            count += 1
    return count


def timed_build(project: Path, label: str) -> tuple[float, float]:
    """One build in a fresh process: seconds and peak memory (MB); prints both and the summary."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "digest", "-C", str(project), "build"],
                                   stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)  # the usage of this build alone
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    if process.returncode != 0:
        print(stdout[-2000:], stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{label}: build failed")
    last = [line for line in stdout.splitlines() if line.startswith("Built")]
    print(f"{label:<34} {seconds:7.2f} s   peak memory {peak:6.0f} MB")
    print(f"  {last[-1] if last else stdout.strip()[-300:]}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--keep", metavar="DIR", help="make the project here and keep it")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="digest-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        count = make_project(folder, args.days, args.per_day)
        print(f"{count} articles over {args.days} days written in "
              f"{time.perf_counter() - started:.1f} s to {folder}")
        figures = {"cold build": timed_build(folder, "cold build"),
                   "rebuild, nothing changed": timed_build(folder, "rebuild, nothing changed")}
        rng = random.Random(1)
        last = date(2022, 2, 24) + timedelta(days=args.days - 1)
        new = folder / "seeds" / f"{last:%Y-%m}" / f"{last}-new.txt"
        new.write_text(story(rng, last, args.days), encoding="utf-8")
        new.with_suffix(".yaml").write_text(f"date: {last}\nsource: Reuters\n", encoding="utf-8")
        figures["rebuild, one new article"] = timed_build(folder, "rebuild, one new article")
        middle = date(2022, 2, 24) + timedelta(days=args.days // 2)
        edited = sorted((folder / "seeds" / f"{middle:%Y-%m}").glob(f"{middle}-*.txt"))[-1]
        edited.write_text(edited.read_text(encoding="utf-8") + "\nThe governor later raised "
                          "the toll, saying more victims had been found.\n", encoding="utf-8")
        figures["rebuild, one edited article"] = timed_build(folder, "rebuild, one edited article")
        print("\nsummary")
        for label, (seconds, _) in figures.items():
            print(f"  {label:<32} {seconds:7.2f} s")
        print(f"  {'peak memory (any build)':<32} {max(p for _, p in figures.values()):7.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
