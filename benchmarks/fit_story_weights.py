"""Fit the story stage's weights (digest/data/story_weights.yaml) on the devstories corpus.

    python benchmarks/fit_story_weights.py [--devstories ../shared/devstories] [--write]

Every cross-article pair of the corpus's items (cut as its oracle segmentation cuts them) is a
sample: 1 when both are required items of one story, 0 otherwise (pairs with an `optional` item
of the same story are left out), plus the pairs of the invented day in
tests/fixtures/stories/day.yaml. A logistic regression with an L2 penalty (Newton's method, numpy
only) gives a coefficient per feature of digest.story_features.FEATURES.

The bias is then moved so that the threshold that groups the corpus best (highest pairwise F1
with no look-alike merged and the project's own days grouped right, in the middle of the range
that does so) falls on the default
`story_threshold`, 0.55. The script prints the corpus scores at that threshold and the
leave-one-day-out scores (each day grouped with weights fitted on the other days): the second
is the honest estimate for days no one has tuned on. `--write` stores the weights.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import sys
from pathlib import Path

import numpy
import yaml

from digest.model import Item
from digest.stories import group_stories
from digest.story_features import FEATURES
from digest.story_scores import Weights, pair_table

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "digest" / "data" / "story_weights.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "stories" / "day.yaml"
DEFAULT = 0.55  # digest.yaml's story_threshold
PENALTY = 1.0  # L2, on the coefficients (not the bias)


def corpus(path: Path) -> tuple[dict, dict[str, tuple[list[Item], list[str]]]]:
    """The corpus's expected answers, and per day its items and their references."""
    sys.path.insert(0, str(path))
    import oracle_segmentation
    import score_stories

    expected = score_stories.load_expected()
    days = {}
    for date, day in expected.items():
        seg = oracle_segmentation.segment(day)
        d = dt.date.fromisoformat(date)
        items = [Item(id=f"x{n}", headline=s["headline"], text=s["text"], date=d, source=s["outlet"],
                      article_path=s["file"]) for n, s in enumerate(seg)]
        days[date] = (items, [s["ref"] for s in seg])
    return expected, days


def labels(day: dict, refs: list[str]) -> dict[tuple[int, int], int]:
    """1 for two required items of one story, 0 for pairs in no story together; pairs with an
    optional item of their story are left out (as score_stories leaves them out)."""
    stories = [(set(st["items"]), set(st.get("optional", []))) for st in day["stories"]]
    out = {}
    for i in range(len(refs)):
        for j in range(i + 1, len(refs)):
            a, b = refs[i], refs[j]
            if any({a, b} <= req | opt and {a, b} & opt for req, opt in stories):
                continue
            out[(i, j)] = int(any({a, b} <= req for req, _ in stories))
    return out


@functools.cache
def own_days() -> list[tuple[list[Item], list[str]]]:
    """The project's own days with known stories: the invented day of the story tests, and the
    sample day 2023-09-28 of seeds/ (through the real reader and parser), whose one story is told
    by three outlets. Each item with the name of its story (its own id when alone)."""
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    fixture = [Item(id=e["id"], headline=e["headline"], text=e["text"], date=data["date"], source=e["source"],
                    article_path=e["article"]) for e in data["items"]]
    days = [(fixture, [e["story"] for e in data["items"]])]
    from digest.config import load_config
    from digest.days import dated_items
    from digest.parse import parse_article
    from digest.read import discover_articles, read_article

    config = load_config(REPO)
    articles = [parse_article(read_article(p, REPO), config.sources, config.settings)
                for p in discover_articles(REPO / "seeds")]
    items, _ = dated_items(articles)
    day = [i for i in items if i.date == dt.date(2023, 9, 28)]
    first = {}
    for i in day:
        first.setdefault(i.article_path, i.id)
    days.append((day, ["drone-attacks" if first[i.article_path] == i.id else i.id for i in day]))
    return days


def own_samples() -> tuple[list[list[float]], list[int]]:
    xs, ys = [], []
    for items, story in own_days():
        table = pair_table(items)
        xs += [[f[k] for k in FEATURES] for f in table.values()]
        ys += [int(story[i] == story[j]) for i, j in table]
    return xs, ys


def own_mistakes(weights: Weights, threshold: float) -> int:
    """Pairs of the project's own days grouped wrong (see own_days)."""
    wrong = 0
    for items, story in own_days():
        of = {i.id: s for i, s in zip(items, story, strict=True)}
        stories = group_stories(items, threshold=threshold, theme_order=["other"], weights=weights)
        found = {i.id: n for n, st in enumerate(stories) for i in st.items}
        wrong += sum((of[a.id] == of[b.id]) != (found[a.id] == found[b.id])
                     for a in items for b in items if a.id < b.id)
    return wrong


def samples(days: dict, expected: dict, only: set[str] | None = None) -> tuple[numpy.ndarray, numpy.ndarray]:
    xs, ys = own_samples()
    for date, (items, refs) in sorted(days.items()):
        if only is not None and date not in only:
            continue
        table = pair_table(items)
        for pair, y in sorted(labels(expected[date], refs).items()):
            if pair in table:
                xs.append([table[pair][k] for k in FEATURES])
                ys.append(y)
    return numpy.array(xs, dtype=float), numpy.array(ys, dtype=float)


# The sign each coefficient is expected to have: evidence for one event adds, evidence against
# takes away. A feature whose fitted sign is the other one is left out (its
# coefficient 0) and the rest refitted: on a small corpus such a sign is noise, and a weight
# that says "counts differ, so one event" could not be explained to an editor. (On devstories
# the constrained fit scores as well as the free one left out a day at a time: F1 0.76 both.)
# --free keeps every sign.
SIGNS = {
    "text": 1, "lead": 1, "cover": 1, "names": 1, "names_both": 1, "no_names": -1, "places_differ": -1,
    "events": 1, "events_differ": -1, "main_event_differs": -1, "events_one_sided": -1, "counts_match": 1,
    "counts_compatible": 1, "counts_differ": -1, "actor_same": 1, "actor_differs": -1, "tense_differs": -1,
    "denial_differs": -1,
}


def fit(x: numpy.ndarray, y: numpy.ndarray, signs: bool = True) -> tuple[float, numpy.ndarray]:
    """`fit_free`, with `signs` every coefficient of the wrong sign left out (see SIGNS)."""
    if not signs:
        return fit_free(x, y)
    keep = list(range(len(FEATURES)))
    while True:
        bias, coef = fit_free(x[:, keep], y)
        wrong = [k for k, c in zip(keep, coef, strict=True) if c * SIGNS[FEATURES[k]] < 0]
        if not wrong:
            full = numpy.zeros(len(FEATURES))
            full[keep] = coef
            return bias, full
        keep.remove(max(wrong, key=lambda k: abs(coef[keep.index(k)])))


def fit_free(x: numpy.ndarray, y: numpy.ndarray) -> tuple[float, numpy.ndarray]:
    """L2-penalised logistic regression by Newton's method; positives weighed up to balance."""
    design = numpy.hstack([numpy.ones((len(x), 1)), x])
    sample_weight = numpy.where(y == 1, (y == 0).sum() / max(1, (y == 1).sum()), 1.0)
    penalty = numpy.full(design.shape[1], PENALTY)
    penalty[0] = 0.0
    beta = numpy.zeros(design.shape[1])
    for _ in range(50):
        p = 1 / (1 + numpy.exp(-design @ beta))
        gradient = design.T @ (sample_weight * (p - y)) + penalty * beta
        hessian = (design.T * (sample_weight * p * (1 - p))) @ design + numpy.diag(penalty)
        step = numpy.linalg.solve(hessian, gradient)
        beta -= step
        if numpy.abs(step).max() < 1e-9:
            break
    return float(beta[0]), beta[1:]


def weights_of(bias: float, coef: numpy.ndarray, note: str = "") -> Weights:
    return Weights(bias, {k: float(c) for k, c in zip(FEATURES, coef, strict=True)}, note)


def predict(days: dict, weights: Weights, threshold: float, only: set[str] | None = None) -> dict:
    preds = {}
    for date, (items, refs) in days.items():
        if only is not None and date not in only:
            continue
        ref_of = {i.id: r for i, r in zip(items, refs, strict=True)}
        stories = group_stories(items, threshold=threshold, theme_order=["other"], weights=weights)
        preds[date] = [[{"file": ref_of[i.id].partition("#")[0], "text": ref_of[i.id].partition("#")[2]}
                        for i in st.items] for st in stories if len(st.items) > 1]
    return preds


def scored(expected: dict, preds: dict) -> tuple[float, int, str]:
    import score_stories

    res = score_stories.score({d: expected[d] for d in preds}, preds)
    t = res["total"]
    return (res["f1"], t["distinct_merged"],
            f"P {res['precision']:.3f} R {res['recall']:.3f} F1 {res['f1']:.3f} "
            f"(tp {t['tp']} fp {t['fp']} fn {t['fn']}), look-alikes merged {t['distinct_merged']}")


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def best_threshold(days: dict, expected: dict, weights: Weights, only: set[str] | None = None) -> float:
    """The middle of the thresholds with the best F1 and no look-alike merged (else the fewest)."""
    sweep = []
    for k in range(10, 91, 2):
        f1, looks, _ = scored(expected, predict(days, weights, k / 100, only))
        # A look-alike merged, or a pair of the project's own days grouped wrong, weighs alike.
        sweep.append((looks + own_mistakes(weights, k / 100), -round(f1, 3), k / 100))
    top = min(sweep)[:2]
    good = [t for looks, f1, t in sweep if (looks, f1) == top]
    return good[len(good) // 2]


def shifted(weights: Weights, threshold: float) -> Weights:
    """The same weights with the bias moved so that `threshold` falls on DEFAULT."""
    return replace_bias(weights, weights.bias + logit(DEFAULT) - logit(threshold))


def settled(days: dict, expected: dict, weights: Weights) -> Weights:
    """Moving the bias does not move averages of probabilities exactly as it moves each one: the
    nearest bias (in steps of 0.1) at which, at DEFAULT, no look-alike is merged and the project's
    own days are grouped right, with the best F1 among the nearest."""
    best = None
    for step in sorted(range(-10, 11), key=abs):
        w = replace_bias(weights, weights.bias + step / 10)
        f1, looks, _ = scored(expected, predict(days, w, DEFAULT))
        if looks + own_mistakes(w, DEFAULT) == 0 and (best is None or f1 > best[0] + 0.01):
            best = (f1, w)
    return best[1] if best else weights


def replace_bias(weights: Weights, bias: float) -> Weights:
    return Weights(bias, weights.coef, weights.fitted_on)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devstories", type=Path, default=REPO.parent / "shared" / "devstories")
    ap.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(REPO)}")
    ap.add_argument("--free", action="store_true", help="keep features fitted with the unexpected sign")
    args = ap.parse_args()
    if not (args.devstories / "expected").is_dir():
        print(f"no devstories corpus at {args.devstories}", file=sys.stderr)
        return 2
    expected, days = corpus(args.devstories.resolve())
    x, y = samples(days, expected)
    print(f"{len(y)} pairs, {int(y.sum())} same-event")
    bias, coef = fit(x, y, not args.free)
    raw = weights_of(bias, coef)
    threshold = best_threshold(days, expected, raw)
    weights = settled(days, expected, shifted(raw, threshold))
    print(f"best threshold of the raw fit {threshold:.2f}; bias moved so that it falls on {DEFAULT}")
    for name, c in zip(FEATURES, coef, strict=True):
        print(f"  {name:18} {c:+.3f}{'' if c * SIGNS.get(name, 1) >= 0 else '  (unexpected sign)'}")
    print(f"  {'bias':18} {weights.bias:+.3f}")
    print(f"corpus at {DEFAULT}: {scored(expected, predict(days, weights, DEFAULT))[2]}")
    # Leave one day out: each day grouped by weights (and a threshold) fitted on the others.
    held: dict = {}
    for date in sorted(days):
        others = set(days) - {date}
        b, c = fit(*samples(days, expected, others), not args.free)
        w = weights_of(b, c)
        w = shifted(w, best_threshold(days, expected, w, others))
        held.update(predict(days, w, DEFAULT, {date}))
    print(f"leave one day out at {DEFAULT}: {scored(expected, held)[2]}")
    if args.write:
        data = {"fitted_on": f"devstories ({len(days)} day-groups), tests/fixtures/stories/day.yaml and "
                             f"the sample day 2023-09-28 of seeds/, "
                             f"{len(y)} pairs, {int(y.sum())} same-event; by benchmarks/fit_story_weights.py",
                "bias": round(weights.bias, 4),
                "coef": {k: round(v, 4) for k, v in weights.coef.items()}}
        OUT.write_text("# The story stage's logistic regression (see digest/stories.py). Written by\n"
                       "# `python benchmarks/fit_story_weights.py --write`: refit rather than edit.\n"
                       + yaml.safe_dump(data, sort_keys=False, width=100), encoding="utf-8")
        print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
