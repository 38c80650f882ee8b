"""SIGKILL at random moments of a medium build (200 invented articles): each time, the output
folder holds the old site or the new one, whole, and the next build gives the bytes of a
clean build. A reader looking at the folder meanwhile never finds it missing.

About 30 s: `-k "not slow"` skips it; plain `python -m pytest` (CI) runs it. The moments are
random; a failure prints the seed, and DIGEST_KILL_SEED=N replays it (DIGEST_KILLS=N kills
N times).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import copy_project

from digest.output import MARKER

pytestmark = pytest.mark.slow

ARTICLES = 200
KILLS = int(os.environ.get("DIGEST_KILLS") or 20)  # more, to look harder
BASES = ("https://a.example.org/", "https://b.example.org/sub/")  # every page differs
OUTLETS = ("Novinite", "The Kyiv Independent", "London Loves Business", "TRT World")
PLACES = ("Kharkiv", "Odesa", "Zaporizhzhia", "Dnipro", "Kherson", "Sumy", "Lviv", "Poltava")
WHO = ("The regional governor", "The air force", "The foreign ministry", "A local official",
       "The general staff", "Rescue services", "The energy ministry", "The mayor")
DID = ("said a drone strike damaged", "reported shelling near", "announced new aid for",
       "confirmed power cuts in", "said troops held positions outside", "opened shelters in")


def invented(rng: random.Random, n: int, version: int) -> str:
    """An article of invented sentences: a headline and a few paragraphs."""
    head = f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(PLACES)} (report {n}.{version})"
    paragraphs = [" ".join(f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(PLACES)} on day "
                           f"{rng.randint(1, 900)}, with {rng.randint(2, 90)} people affected."
                           for _ in range(rng.randint(2, 4)))
                  for _ in range(rng.randint(3, 6))]
    return head + "\n\n" + "\n\n".join(paragraphs) + "\n"


def seeds(version: int) -> dict[str, bytes]:
    """The seeds/ of version 0, or version 1: a tenth of the articles rewritten, five gone,
    five new ones on a new day."""
    rng = random.Random(2026)
    files: dict[str, bytes] = {}
    start = date(2023, 3, 1)
    numbers = list(range(ARTICLES)) + ([ARTICLES + n for n in range(5)] if version else [])
    for n in numbers:
        text = invented(rng, n, version if n % 10 == 3 else 0)
        if version and 150 <= n < 155:
            continue
        day = start + timedelta(days=n // 5)
        files[f"a{n:03}.txt"] = text.encode()
        files[f"a{n:03}.yaml"] = f"date: {day}\nsource: {OUTLETS[n % 4]}\n".encode()
    return files


def put(project: Path, files: dict[str, bytes]) -> None:
    folder = project / "seeds"
    folder.mkdir(exist_ok=True)
    for path in folder.iterdir():
        if path.name not in files:
            path.unlink()
    for name, data in files.items():
        path = folder / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def command(project: Path, version: int) -> list[str]:
    return [sys.executable, "-m", "digest", "-C", str(project), "build",
            "--base-url", BASES[version]]


def build(project: Path, version: int) -> float:
    started = time.perf_counter()
    subprocess.run(command(project, version), check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def clean(tmp_path: Path, version: int) -> dict[str, bytes]:
    """The site a clean build of `version` gives: a new project, no cache."""
    project = copy_project(tmp_path / f"clean-{version}", seeds=False)
    put(project, seeds(version))
    build(project, version)
    return tree(project / "site")


class Reader(threading.Thread):
    """Looks at the site as a web server would, all the time: is it there?"""

    def __init__(self, site: Path):
        super().__init__(daemon=True)
        self.site = site
        self.looks = 0
        self.missing = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.looks += 1
            if not ((self.site / "index.html").is_file() and (self.site / MARKER).is_file()):
                self.missing += 1
            time.sleep(0.0005)  # leaves the builds a core


def test_slow_sigkill_at_random_moments_leaves_the_old_or_the_new_site_whole(
        tmp_path: Path) -> None:
    seed = int(os.environ.get("DIGEST_KILL_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    project = copy_project(tmp_path / "project", seeds=False)
    put(project, seeds(0))
    build(project, 0)  # a clean build: no cache yet
    site = project / "site"
    sites = [tree(site), clean(tmp_path, 1)]
    assert len(sites[0]) > 100 and sites[0].keys() != sites[1].keys()
    times = []  # how long a build of the other version takes, once both were parsed
    for version in (1, 0, 1):
        put(project, seeds(version))
        times.append(build(project, version))
        assert tree(site) == sites[version]
    took = min(times[1:])

    reader = Reader(site)
    reader.start()
    version, mid_build = 1, 0
    try:
        for kill in range(KILLS):
            old, version = version, 1 - version
            put(project, seeds(version))
            process = subprocess.Popen(command(project, version), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(rng.uniform(0.0, took))
            mid_build += process.poll() is None
            with contextlib.suppress(ProcessLookupError):  # it had ended
                os.killpg(process.pid, signal.SIGKILL)  # the build and any worker it started
            process.wait()
            found = tree(site)
            why = f"kill {kill}, seed {seed} (DIGEST_KILL_SEED={seed} replays it)"
            assert found in (sites[old], sites[version]), why
            build(project, version)  # the next build, to the end
            assert tree(site) == sites[version], why
            leftovers = [p.name for p in project.iterdir() if p.name.startswith(".site.")]
            assert leftovers == [], why
    finally:
        reader.stop.set()
        reader.join()
    print(f"{KILLS} kills, {mid_build} during a build, seed {seed}; the reader looked "
          f"{reader.looks} times and found no site {reader.missing} times")
    assert mid_build >= KILLS // 2, (mid_build, seed)  # most kills came during a build
    assert reader.looks > 1000 and reader.missing == 0, (reader.looks, reader.missing)
