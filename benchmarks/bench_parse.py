"""How long `parse_article` takes per article, on the development corpora and the samples.

    python benchmarks/bench_parse.py [--repeat 5] [--profile]

Reads every article of ../shared/devcorpus/raw, ../shared/devcorpus-intl/raw (beside the
project checkout; left out when missing) and the project's seeds/ once, then times only
`parse_article` on each, --repeat times after one untimed warm-up pass. An article's time is
the median of its repeats; the figures are the median, 90th percentile and maximum of those
per article, and the total of one pass, for each corpus and overall. --profile also prints
the 15 functions with the most cumulative time over the timed passes (cProfile). A plain
script, not a test; it always exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digest.config import Config, load_config  # noqa: E402
from digest.model import RawArticle  # noqa: E402
from digest.parse import parse_article  # noqa: E402
from digest.read import ReadError, discover_articles, read_article  # noqa: E402

SHARED = REPO.parent / "shared"
CORPORA = [("devcorpus", SHARED / "devcorpus" / "raw"),
           ("devcorpus-intl", SHARED / "devcorpus-intl" / "raw"),
           ("seeds", REPO / "seeds")]


def read_corpus(folder: Path, root: Path) -> list[RawArticle]:
    out = []
    for path in discover_articles(folder):
        try:
            out.append(read_article(path, root))
        except ReadError as error:
            print(f"  skipped: {error.problem}", file=sys.stderr)
    return out


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0-1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def time_corpus(articles: list[RawArticle], config: Config, repeat: int,
                profile: cProfile.Profile | None) -> list[float]:
    """Milliseconds per article: the median of its `repeat` timed parses."""
    for raw in articles:  # warm-up: compiled patterns, loaded CLDR data, caches
        parse_article(raw, config.sources, config.settings)
    runs: list[list[float]] = [[] for _ in articles]
    clock = time.perf_counter
    for _ in range(repeat):
        for index, raw in enumerate(articles):
            if profile is not None:
                profile.enable()
            started = clock()
            parse_article(raw, config.sources, config.settings)
            runs[index].append((clock() - started) * 1000)
            if profile is not None:
                profile.disable()
    return [statistics.median(r) for r in runs]


def row(label: str, ms: list[float]) -> str:
    if not ms:
        return f"{label:<16} {0:>5}   (no articles)"
    return (f"{label:<16} {len(ms):>5} {statistics.median(ms):>9.2f} {percentile(ms, 0.9):>9.2f} "
            f"{max(ms):>9.2f} {sum(ms):>10.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", "-n", type=int, default=5, help="timed passes (default 5)")
    parser.add_argument("--profile", action="store_true",
                        help="print the top 15 functions by cumulative time")
    args = parser.parse_args()
    config = load_config(REPO)
    profile = cProfile.Profile() if args.profile else None
    results: list[tuple[str, list[float]]] = []
    started = time.perf_counter()
    for name, folder in CORPORA:
        if not folder.is_dir():
            print(f"{name}: {folder} is missing, left out")
            continue
        articles = read_corpus(folder, folder if name != "seeds" else REPO)
        results.append((name, time_corpus(articles, config, max(1, args.repeat), profile)))
    print(f"\nparse_article, ms per article (median of {max(1, args.repeat)} timed passes "
          f"after one warm-up), {time.perf_counter() - started:.1f} s in all")
    print(f"{'corpus':<16} {'files':>5} {'median':>9} {'p90':>9} {'max':>9} {'total ms':>10}")
    for name, ms in results:
        print(row(name, ms))
    print(row("overall", [m for _, ms in results for m in ms]))
    if profile is not None:
        print("\ntop 15 functions by cumulative time (timed passes only):")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
