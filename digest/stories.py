"""Stage `story`: the items of one day that report the same event become one Story.

Two items are compared only when they come from different articles (a live blog's entries, or a
summary's sections, are different events by the outlet's own account) and are of the same day.

1. Exact duplicates score 1: the same headline once normalised (case, punctuation, accents).
2. Every other pair that has anything in common gets the probability that it is one event, from
   the evidence of digest.story_features (words and lead words in common, the names of places,
   people and bodies across spellings and languages, the kind of event, counts, who acts, tense
   and denial), weighed by a logistic regression whose coefficients are data
   (data/story_weights.yaml, fitted on the devstories corpus by benchmarks/fit_story_weights.py):
   see digest.story_scores.
3. Stories are joined by average link: the two stories whose items are most alike on average
   are joined first, as long as that average reaches the threshold (`story_threshold` in
   digest.yaml) and the story would not get two items of one article or two items an editor
   split. Unlike single link, a chain A~B, B~C does not pull an unrelated C to A: C joins only
   when it is alike to A and B on average.

An editor's `merge` groups are joined first, even items of one article; `split` beats `merge`.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from .model import Item, Story
from .story_scores import PairScore, Weights, score_pairs, versus

LINK_FLOOR = 0.05  # pair scores below this count as 0 in the average link
SWAP_MARGIN = 0.05  # how much closer another item of an article must be to take its place in a story
EARLIER_SLACK = 0.15  # how much less close an earlier item of the article may be and still take it
SHOWN_FROM = 0.25  # explain_grouping lists pairs scoring at least this (or forced or split)
OPENING_WORDS = 45  # the opening: what an outlet leads with (for the story's headline)


# --- grouping ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Grouping:
    """Clusters of item indexes and why each pair was or was not joined."""

    cluster_of: list[int]
    members: dict[int, list[int]]
    reasons: dict[tuple[int, int], str]
    average: dict[int, float] = field(default_factory=dict)  # cluster -> average at its last join

    def join(self, a: int, b: int) -> None:
        ca, cb = self.cluster_of[a], self.cluster_of[b]
        keep, gone = min(ca, cb), max(ca, cb)
        for m in self.members.pop(gone):
            self.cluster_of[m] = keep
            self.members[keep].append(m)
        self.members[keep].sort()


def _index_groups(items: Sequence[Item], groups: Sequence[Sequence[str]]) -> list[list[int]]:
    """Editor groups of item ids as lists of indexes; ids not among the items are ignored."""
    where: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        where.setdefault(item.id, []).append(n)
    return [[n for item_id in group for n in where.get(item_id, [])] for group in groups]


def _group(items: Sequence[Item], threshold: float, merge: Sequence[Sequence[str]],
           split: Sequence[Sequence[str]], weights: Weights | None = None, order: Sequence[int] = (),
           ) -> tuple[_Grouping, dict[tuple[int, int], PairScore]]:
    """`order`: each item's place in its article (default: their order in `items`)."""
    order = order or range(len(items))
    scores = score_pairs(items, weights)
    g = _Grouping(list(range(len(items))), {n: [n] for n in range(len(items))}, {})
    split_of: dict[int, set[int]] = {}  # item -> the split groups it is in
    for number, group in enumerate(_index_groups(items, split)):
        for n in group:
            split_of.setdefault(n, set()).add(number)

    def splits_apart(ca: int, cb: int) -> bool:
        left = set().union(*(split_of.get(m, set()) for m in g.members[ca]))
        return any(split_of.get(m, set()) & left for m in g.members[cb])

    for group in _index_groups(items, merge):
        for a, b in zip(group, group[1:], strict=False):
            pair = (min(a, b), max(a, b))
            if g.cluster_of[a] == g.cluster_of[b]:
                continue
            if splits_apart(g.cluster_of[a], g.cluster_of[b]):
                g.reasons[pair] = "separate stories: an editor split them (a split wins over a merge)"
            else:
                g.join(a, b)
                g.reasons[pair] = "one story: an editor merged them"

    _average_link(items, g, scores, threshold, splits_apart)
    _prefer_closest(items, g, scores, threshold, split_of, order)
    _reasons(items, g, scores, threshold, split_of)
    return g, scores


def _average_link(items: Sequence[Item], g: _Grouping, scores: dict[tuple[int, int], PairScore],
                  threshold: float, splits_apart: Callable[[int, int], bool]) -> None:
    """Join the two stories whose items are most alike on average (the sum of their pair scores
    over the number of pairs), best first, while that average reaches the threshold; never two
    that would hold two items of one article or two items an editor split. Ties go to the lower
    indexes, so the result does not depend on anything but the items."""
    links: dict[int, dict[int, float]] = {c: {} for c in g.members}
    for (a, b), s in sorted(scores.items()):
        ca, cb = g.cluster_of[a], g.cluster_of[b]
        # A pair that is almost surely two events adds next to nothing to an average: left out,
        # it keeps a busy day's links few (its place in the denominator stays).
        if ca != cb and s.total >= LINK_FLOOR:
            links[ca][cb] = links[ca].get(cb, 0.0) + s.total
            links[cb][ca] = links[cb].get(ca, 0.0) + s.total
    version = dict.fromkeys(g.members, 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(ca: int, cb: int) -> None:
        ca, cb = min(ca, cb), max(ca, cb)
        average = links[ca][cb] / (len(g.members[ca]) * len(g.members[cb]))
        if average >= threshold:
            heapq.heappush(heap, (-average, ca, cb, version[ca], version[cb]))

    for ca in sorted(links):
        for cb in sorted(links[ca]):
            if ca < cb:
                push(ca, cb)
    while heap:
        negative, ca, cb, va, vb = heapq.heappop(heap)
        if version.get(ca) != va or version.get(cb) != vb:
            continue  # one of the two stories has grown since
        if _shared_article(items, g.members[ca], g.members[cb]) or splits_apart(ca, cb):
            continue  # and so will any larger story holding them
        g.join(ca, cb)  # ca < cb: cb joins ca
        g.average[ca] = -negative
        for other, total in links.pop(cb).items():
            del links[other][cb]
            if other != ca:
                links[ca][other] = links[ca].get(other, 0.0) + total
                links[other][ca] = links[other].get(ca, 0.0) + total
        del version[cb]
        version[ca] += 1
        for other in sorted(links[ca]):
            push(ca, other)


def _prefer_closest(items: Sequence[Item], g: _Grouping, scores: dict[tuple[int, int], PairScore],
                    threshold: float, split_of: dict[int, set[int]], order: Sequence[int]) -> None:
    """An article that tells one event in several items (a summary's bullets on one crash, a live
    blog's first report and its toll update) is in a story by one of them: the one closest to
    the other outlets' items (by more than SWAP_MARGIN), else the earliest that is close enough
    (within EARLIER_SLACK): outlets lead with the event itself and add its facets after.
    `order`: each item's place in the input, which is its article's order."""

    def score(a: int, b: int) -> float:
        s = scores.get((min(a, b), max(a, b)))
        return s.total if s else 0.0

    def average(x: int, others: Sequence[int]) -> float:
        return math.fsum(score(x, y) for y in others) / len(others) if others else 0.0

    by_article: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        by_article.setdefault(item.article_path, []).append(n)
    linked: dict[int, set[int]] = {}  # item -> the items it has a score worth counting with
    for (a, b), s in scores.items():
        if s.total >= LINK_FLOOR:
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
    editor = {n for pair, reason in g.reasons.items() if "editor" in reason for n in pair}
    for _ in range(3):
        swapped = False
        for cluster in sorted(g.members):
            if len(g.members.get(cluster, [])) < 2:
                continue
            for m in list(g.members[cluster]):
                if m in editor or m not in g.members.get(g.cluster_of[m], []):
                    continue
                rest = [x for x in g.members[g.cluster_of[m]] if x != m]
                now = average(m, rest)
                best: tuple[tuple[int, float, int], int] | None = None
                for x in by_article[items[m].article_path]:
                    if x == m or x in editor or not linked.get(x, set()).intersection(rest):
                        continue
                    if any(split_of.get(x, set()) & split_of.get(y, set()) for y in rest):
                        continue
                    here = average(x, rest)
                    there = average(x, [y for y in g.members[g.cluster_of[x]] if y != x])
                    if here < threshold or here <= there + SWAP_MARGIN:
                        continue  # x stays where it is closer
                    closer = here > now + SWAP_MARGIN
                    earlier = order[x] < order[m] and here >= now - EARLIER_SLACK
                    if closer or earlier:
                        rank = (0 if closer else 1, -here, order[x])
                        if best is None or rank < best[0]:
                            best = (rank, x)
                if best is not None:
                    _swap(g, m, best[1])
                    swapped = True
        if not swapped:
            break


def _swap(g: _Grouping, out: int, into: int) -> None:
    """Take `out` out of its story and put `into` in its place (out of its own story)."""
    _leave(g, into)
    cluster = g.cluster_of[out]
    members = sorted([x for x in g.members.pop(cluster) if x != out] + [into])
    del g.members[into]
    key = members[0]
    average = g.average.pop(cluster, 0.0)
    g.members[key], g.average[key] = members, average
    for x in members:
        g.cluster_of[x] = key
    g.members[out], g.cluster_of[out] = [out], out


def _leave(g: _Grouping, n: int) -> None:
    """Take n out of its story, alone."""
    cluster = g.cluster_of[n]
    rest = [x for x in g.members.pop(cluster) if x != n]
    if rest:
        average = g.average.pop(cluster, 0.0)
        g.members[rest[0]], g.average[rest[0]] = rest, average
        for x in rest:
            g.cluster_of[x] = rest[0]
    g.members[n], g.cluster_of[n] = [n], n


def _shared_article(items: Sequence[Item], ma: Sequence[int], mb: Sequence[int]) -> str | None:
    articles = {items[m].article_path for m in ma}
    return next((items[m].article_path for m in mb if items[m].article_path in articles), None)


def _reasons(items: Sequence[Item], g: _Grouping, scores: dict[tuple[int, int], PairScore],
             threshold: float, split_of: dict[int, set[int]]) -> None:
    """Why each scored pair ended in one story or in two (pairs an editor decided keep theirs)."""
    for (a, b), s in scores.items():
        if (a, b) in g.reasons:
            continue
        ca, cb = g.cluster_of[a], g.cluster_of[b]
        if ca == cb:
            g.reasons[(a, b)] = (f"one story: {versus(s.total, threshold)}" if s.total >= threshold else
                                 f"one story: {versus(s.total, threshold)}, but both are alike enough to "
                                 f"the story's other items (average {g.average.get(ca, 0):.2f})")
            continue
        if s.total < threshold:
            g.reasons[(a, b)] = f"separate stories: {versus(s.total, threshold)}"
            continue
        clash = _shared_article(items, g.members[ca], g.members[cb])
        if clash is not None:
            g.reasons[(a, b)] = f"separate stories: the story would hold two items of {clash}"
        elif any(split_of.get(x, set()) & split_of.get(y, set())
                 for x in g.members[ca] for y in g.members[cb]):
            g.reasons[(a, b)] = "separate stories: an editor split them"
        else:
            g.reasons[(a, b)] = (f"separate stories: {versus(s.total, threshold)}, but the two stories' "
                                 "items are unlike each other on average")


# --- stories ------------------------------------------------------------------------------


def group_stories(items: Sequence[Item], *, threshold: float, theme_order: Sequence[str],
                  merge: Sequence[Sequence[str]] = (),
                  split: Sequence[Sequence[str]] = (), weights: Weights | None = None) -> tuple[Story, ...]:
    """Items of one day, already themed, as Stories: sorted by theme order, then key-event score
    (best first), then id. Items without a date cannot be placed and raise ValueError.
    `weights`: other coefficients than the package's (to fit them)."""
    for item in items:
        if item.date is None:
            raise ValueError(f"{item.article_path}: item {item.id} has no date")
    items, order = _sorted(items)
    grouping, _ = _group(items, threshold, merge, split, weights, order)
    stories = [_story([items[n] for n in members], theme_order)
               for members in grouping.members.values()]
    rank = _theme_rank(theme_order)
    return tuple(sorted(stories, key=lambda s: (rank(s.theme), -s.key_event_score, s.id)))


def _sorted(items: Sequence[Item]) -> tuple[list[Item], list[int]]:
    """The items in a fixed order (same input, same output), and each one's place in its article:
    its line, or where the caller listed it when it has none."""
    ranked = sorted(range(len(items)), key=lambda n: (items[n].id, items[n].article_path))
    return [items[n] for n in ranked], [n if items[n].line is None else items[n].line for n in ranked]


def _theme_rank(theme_order: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    positions = {slug: n for n, slug in enumerate(theme_order)}
    return lambda slug: (positions.get(slug, len(positions)), slug)


def _story(members: list[Item], theme_order: Sequence[str]) -> Story:
    lead = min(members, key=lambda i: (-len(i.text), not i.key_event, i.id))
    rest = sorted((i for i in members if i is not lead),
                  key=lambda i: ((i.source or "").lower(), i.id))
    ordered = (lead, *rest)
    story = Story(id=lead.id, date=lead.date,  # type: ignore[arg-type]  # checked by the caller
                  headline=clearest_headline(ordered), theme=_story_theme(ordered, theme_order),
                  items=ordered)
    return replace(story, key_event_score=key_event_score(story, theme_order))


def _story_theme(items: Sequence[Item], theme_order: Sequence[str]) -> str:
    """The lead's theme; without one, the most common, ties by theme order."""
    if items[0].theme:
        return items[0].theme
    counts = Counter(i.theme for i in items if i.theme)
    if not counts:
        return "other"
    rank = _theme_rank(theme_order)
    return min(counts, key=lambda slug: (-counts[slug], rank(slug)))


def _opening_text(text: str) -> str:
    return " ".join(text.split()[:OPENING_WORDS])


_QUOTES = re.compile(r"[‘’“”\"']")


def _headline_flaws(headline: str) -> int:
    """How far a headline is from a plain statement of the event (0 is best)."""
    words = len(headline.split())
    flaws = 0
    if words < 5 or words > 16:
        flaws += 2  # a fragment, or a paragraph
    if _QUOTES.search(headline.replace("’s", "").replace("'s", "")):
        flaws += 1  # quoted fragments read as someone's claim, not as the event
    if headline.rstrip().endswith((":", "?", "...", "…")) or headline.isupper():
        flaws += 2  # a teaser or a shout
    if re.match(r"(?i)^(live|latest|update|breaking|watch|video|opinion)\b", headline):
        flaws += 2  # a page label, not the event
    return flaws


def clearest_headline(items: Sequence[Item]) -> str | None:
    """The story's headline, chosen among its items' headlines by this rule:
    1. only real headlines: an item without one (a live-blog entry) offers none;
    2. fewest flaws: shorter than 5 or longer than 16 words, quoted fragments, a teaser ending
       in ":" or "?" or a label such as "Live:" count against a headline;
    3. then the one whose words best cover the other items' headlines and openings (rapidfuzz
       token-set ratio, averaged), i.e. the most representative;
    4. then the lead's, then the alphabetically first.
    None when no item has a headline."""
    offered = [(n, i.headline.strip()) for n, i in enumerate(items) if i.headline and i.headline.strip()]
    if not offered:
        return None

    def coverage(n: int, headline: str) -> float:
        others = [f"{i.headline or ''} {_opening_text(i.text)}" for k, i in enumerate(items) if k != n]
        if not others:
            return 0.0
        return sum(fuzz.token_set_ratio(headline.lower(), o.lower()) for o in others) / len(others)

    best = min(offered, key=lambda o: (_headline_flaws(o[1]), -round(coverage(*o)), o[0], o[1]))
    return best[1]


def key_event_score(story: Story, theme_order: Sequence[str]) -> float:
    """How strongly a story belongs among the day's key events:
    2 for every outlet beyond the first that reported it (agreement across outlets is the best
    sign of importance), 1.5 for every outlet that listed it among its own key events, and up to
    0.5 for its theme (the earlier in the theme order, the more; `other` gets nothing)."""
    outlets = {i.source or i.article_path for i in story.items}
    flagged = {i.source or i.article_path for i in story.items if i.key_event}
    positions = [slug for slug in theme_order if slug != "other"]
    theme = 0.0
    if story.theme in positions:
        theme = 0.5 * (1 - positions.index(story.theme) / len(positions))
    return round(2 * (len(outlets) - 1) + 1.5 * len(flagged) + theme, 3)


def key_events(stories: Sequence[Story], theme_order: Sequence[str], limit: int = 8,
               minimum: int = 5) -> tuple[Story, ...]:
    """The day's top stories, best first, with `key_event_score` set: every story reported by
    several outlets or listed by an outlet as a key event, up to `limit`; topped up to `minimum`
    with the next best when there are fewer."""
    rank = _theme_rank(theme_order)
    scored = [replace(s, key_event_score=key_event_score(s, theme_order)) for s in stories]
    scored.sort(key=lambda s: (-s.key_event_score, rank(s.theme), s.id))
    notable = [s for s in scored if len({i.source or i.article_path for i in s.items}) > 1
               or any(i.key_event for i in s.items)]
    count = min(max(len(notable), minimum), limit)
    return tuple(scored[:count])


# --- explanation --------------------------------------------------------------------------


def explain_grouping(items: Sequence[Item], *, threshold: float,
                     merge: Sequence[Sequence[str]] = (),
                     split: Sequence[Sequence[str]] = ()) -> list[str]:
    """Three lines per pair of items from different articles that are somewhat alike (or that
    an editor merged or split), most alike first: the two items, the score and its parts, and
    whether they ended in one story and why."""
    items, order = _sorted(items)
    grouping, scores = _group(items, threshold, merge, split, order=order)
    pairs = set(grouping.reasons) | {p for p, s in scores.items() if s.total >= SHOWN_FROM}
    lines = []
    for a, b in sorted(pairs, key=lambda p: (-(scores[p].total if p in scores else 1.0), p)):
        score = scores.get((a, b))
        together = grouping.cluster_of[a] == grouping.cluster_of[b]
        reason = grouping.reasons.get((a, b))
        if reason is None and score is not None:
            reason = ("one story: " if together else "separate stories: ") + versus(score.total, threshold)
        parts = f"{score.total:.2f}: {score.describe()}" if score else "items of one article"
        lines.append(f"{_label(items[a])}\n  ~ {_label(items[b])}\n    {parts}\n    {reason}")
    return lines


def _label(item: Item) -> str:
    words = (item.headline or item.text).split()
    title = " ".join(words[:9]) + (" ..." if len(words) > 9 else "")
    return f"{item.source or 'unknown outlet'}: {title} ({item.id})"
