"""The story stage's scores: how likely two items of one day are to report one event.

Every pair of items that has anything in common gets the probability that it is one event, from
the evidence of digest.story_features, weighed by a logistic regression whose coefficients are
data (data/story_weights.yaml, fitted on the devstories corpus by benchmarks/fit_story_weights.py).
digest.stories groups items by these scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import combinations

import numpy
import yaml

from .model import Item
from .story_features import (
    DESCRIBE,
    FEATURES,
    ItemFeatures,
    day_weights,
    item_features,
    lexicon,
    pair_features,
    vector,
)

NEIGHBOURS = 24  # how many of its nearest items each item is compared with
CANDIDATE = 0.12  # pairs whose words have less in common than this, and no name, are not scored


# --- scores -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """The logistic regression that turns a pair's features into a probability of one event."""

    bias: float
    coef: dict[str, float]  # feature -> coefficient (log-odds per unit of the feature)
    fitted_on: str = ""


@cache
def story_weights() -> Weights:
    data = yaml.safe_load(resources.files("digest").joinpath("data", "story_weights.yaml")
                          .read_text(encoding="utf-8"))
    coef = {name: float(data["coef"].get(name, 0.0)) for name in FEATURES}
    return Weights(float(data["bias"]), coef, str(data.get("fitted_on", "")))


@dataclass(frozen=True, slots=True)
class PairScore:
    """How likely two items are to report one event, and the evidence for it."""

    total: float  # the probability, 0 to 1
    parts: dict[str, float] = field(default_factory=dict)  # feature -> value (0 to 1)
    contributions: dict[str, float] = field(default_factory=dict)  # feature -> log-odds it adds
    exact: bool = False

    def describe(self) -> str:
        if self.exact:
            return "exact duplicate"
        shown = sorted((c, name) for name, c in self.contributions.items() if abs(c) >= 0.05)
        shown.sort(key=lambda x: -abs(x[0]))
        return ", ".join(f"{DESCRIBE[name]} {self.parts[name]:.2f} ({c:+.2f})" for c, name in shown) or \
            "nothing in common"


def _probability(parts: dict[str, float], weights: Weights) -> PairScore:
    contributions = {name: weights.coef[name] * parts[name] for name in FEATURES}
    logit = weights.bias + sum(contributions[name] for name in FEATURES)  # in a fixed order
    return PairScore(round(1 / (1 + math.exp(-logit)), 4), parts, contributions)


def _vectors(feats: Sequence[ItemFeatures]) -> tuple[list[dict[str, float]], list[dict[str, float]],
                                                     numpy.ndarray]:
    day = day_weights(feats)
    full = [vector(f.stems, day) for f in feats]
    lead = [vector(f.lead_stems, day) for f in feats]
    vocabulary = {w: n for n, w in enumerate(sorted({w for v in full for w in v}))}
    matrix = numpy.zeros((len(feats), max(1, len(vocabulary))), dtype=numpy.float32)
    for row, v in enumerate(full):
        for w, x in v.items():
            matrix[row, vocabulary[w]] = x
    return full, lead, matrix @ matrix.T


def score_pairs(items: Sequence[Item], weights: Weights | None = None,
                ) -> dict[tuple[int, int], PairScore]:
    """Scores of the pairs (i, j), i < j, of items from different articles of the same day that
    have anything in common; a pair left out has nothing (and scores 0)."""
    weights = weights or story_weights()
    lex = lexicon()
    feats = [item_features(item, lex) for item in items]
    day = day_weights(feats)
    full, lead, cosines = _vectors(feats)
    # Only pairs that share something are scored in full: on a busy day most pairs share nothing.
    # The matrix only picks them; every score is worked out again in a fixed order of sums.
    # Each item is compared with its NEIGHBOURS nearest items at most (an event is told by a
    # handful of outlets, not by fifty), and those two items in two languages may share little
    # but a name ("Kherson", "Херсон") among twice as many.
    numpy.fill_diagonal(cosines, -1.0)
    ranked = numpy.argsort(-cosines, axis=1, kind="stable")
    near: set[tuple[int, int]] = set()
    for i, row in enumerate(ranked.tolist()):
        for rank, j in enumerate(row[:2 * NEIGHBOURS]):
            shares_name = bool(feats[i].lead_names & feats[j].lead_names)
            if rank < NEIGHBOURS and cosines[i, j] >= CANDIDATE or shares_name and cosines[i, j] > 0:
                near.add((min(i, j), max(i, j)))
    pairs = set(near)
    keys: dict[str, list[int]] = {}
    for n, f in enumerate(feats):
        if f.key:
            keys.setdefault(f.key, []).append(n)
    pairs |= {(i, j) for same in keys.values() for i, j in combinations(same, 2)}
    scores = {}
    for i, j in sorted(pairs):
        a, b = feats[i], feats[j]
        if a.article == b.article or items[i].date != items[j].date:
            continue
        if a.key and a.key == b.key:
            scores[(i, j)] = PairScore(1.0, exact=True)
            continue
        parts = pair_features(a, b, full[i], full[j], lead[i], lead[j], day)
        scores[(i, j)] = _probability(parts, weights)
    return scores


def pair_table(items: Sequence[Item]) -> dict[tuple[int, int], dict[str, float]]:
    """Every cross-article pair's features, for fitting the weights (benchmarks/fit_story_weights.py)."""
    feats = [item_features(item) for item in items]
    day = day_weights(feats)
    full, lead, _ = _vectors(feats)
    return {(i, j): pair_features(feats[i], feats[j], full[i], full[j], lead[i], lead[j], day)
            for i, j in combinations(range(len(items)), 2) if feats[i].article != feats[j].article}


def versus(score: float, threshold: float) -> str:
    """"0.5499 < threshold 0.55", never "0.55 < threshold 0.55": as many digits as tell them apart."""
    digits = 2
    while digits < 6 and round(score, digits) == round(threshold, digits) and score != threshold:
        digits += 1
    sign = ">=" if score >= threshold else "<"
    return f"{score:.{digits}f} {sign} threshold {threshold:.2f}"
