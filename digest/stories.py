"""Stage `story`: the items of one day that report the same event become one Story.

Two items are compared only when they come from different articles (a live blog's entries, or a
summary's sections, are different events by the outlet's own account) and are of the same day.

1. Exact duplicates score 1: the same headline once normalised (case, punctuation, accents), or
   the same URL with the same headline.
2. Every other pair gets a weighted score of five parts, each from 0 to 1 (see `PARTS`):
   - cover ("told by the other"): how much of one item's headline the other item says anywhere,
     the better of the two ways round, each word weighted by how rare it is that day (sharing
     "Izmail" or "40,000" says more than sharing "drone"). The strongest sign: an outlet that
     reports the same event uses the words of the other outlet's headline;
   - headline and opening: rapidfuzz's Indel similarity of the sorted distinct content words of
     the two headlines (or first words) and of the two openings; words used by most of the day's
     items are left out;
   - names: the rarity-weighted share of names of people, places and organisations (capitalised
     words of headline and opening), leaving out those every item of this war carries (Ukraine,
     Russia, Kyiv, ...) and titles (President, Minister, ...);
   - numbers: the share of numbers in common, when both give numbers ("kills 2").
   The weighted sum is scaled by `STRETCH` so that the default threshold, 0.55, separates the
   same event from different ones, and then lowered when the items name different people or
   places (none in common, or each headline names someone the other never mentions) or give
   different numbers. That keeps apart two statements by one person on one day, and "shelling
   of Kherson kills 3" from "shelling of Kharkiv kills 2".
3. Pairs at or above the threshold are merged best first, as long as the story would not get two
   items of one article, two items an editor split, or an item unlike one already in it (a pair
   scoring below `CHAIN_FLOOR` x threshold): this stops A~B, B~C from pulling an unrelated C to A.

An editor's `merge` groups are joined first, even items of one article; `split` beats `merge`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy
from anyascii import anyascii
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from .model import Item, Story
from .themes import normalise_word

OPENING_WORDS = 45  # the opening: what an outlet leads with
PARTS = {"cover": 0.45, "headline": 0.1, "opening": 0.15, "names": 0.15, "numbers": 0.15}
STRETCH = 1.35  # so that the default threshold, 0.55, falls between same and different events
COMMON_FROM_ITEMS = 6  # with fewer items of a day, no word is "common"
COMMON_SHARE = 0.4  # a word in more of the day's items than this share is "common"
NO_NAME_IN_COMMON = 0.6  # both name people or places, and none the same: likely two events
HEADLINE_NAMES_MISSING = 0.6  # neither item mentions all the names of the other's headline
NUMBERS_DIFFER = 0.85  # both give numbers, and none the same
CANDIDATE = 0.15  # pairs sharing less of headline and opening than this are not scored
CHAIN_FLOOR = 0.6  # a story's items must all score at least this share of the threshold
SHOWN_FROM = 0.25  # explain_grouping lists pairs scoring at least this (or forced or split)

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _word_set("""
a about after against all also an and any are as at be been before being between both but by
can could did do does during each for from had has have he her his how i if in into is it its
itself last more most new no not now of on one only or other our out over own said says same
she should since so some such than that the their them then there these they this those through
to too under until up very was we were what when where which while who whom why will with would
you your yesterday today tomorrow monday tuesday wednesday thursday friday saturday sunday
""")
# Names nearly every item of this war carries, and titles: sharing them says nothing.
_COMMON_NAMES = _word_set("""
ukraine ukraines ukrainian ukrainians russia russias russian russians kyiv kiev moscow kremlin
president minister ministry secretary general chief commander prime foreign defence defense
deputy head state states government officials official army armed forces military war oblast
region city mr mrs ms dr gmt utc live update updates breaking news reuters afp ap
""")
_NAME = re.compile(r"\b[A-Z][\w'’.-]*[\w]|\b[A-Z]\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DATE_OR_ORDINAL = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"|\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
# "one" is left out: "one of the", "one person" are too often not a count.
_MODEL_NUMBER = re.compile(r"\b[A-Za-z]+-\d+\w*")  # F-16, S-300, Su-34: names, not counts
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "dozen": "12", "twenty": "20",
}
_NEXT_IS_NAME = re.compile(r"\s+[A-Z][a-z]")
_WORD = re.compile(r"[a-z0-9]+")
_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[-–—•*]\s+|[\"“‘«(]\s*)$")


# --- what is compared ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Features:
    """What one item is compared on: words are normalised (see digest.themes.normalise_word)."""

    head: list[str]  # distinct content words of the headline (or of the first words), sorted
    opening: list[str]  # distinct content words of the opening, sorted
    words: frozenset[str]  # every content word of headline and text, common ones too
    names: frozenset[str]
    head_names: frozenset[str]  # the names in the headline
    stems: frozenset[str]  # every word cut to a name's length, to look names up in
    numbers: frozenset[str]
    key: str  # normalised headline, for exact duplicates; "" when it has none
    article: str
    url: str | None


def _content_words(text: str) -> list[str]:
    return [normalise_word(w) for w in _WORD.findall(anyascii(text).lower()) if w not in _STOPWORDS]


def _names(text: str, lowercase: set[str]) -> set[str]:
    """Capitalised words as 6-letter stems, so that "Zelensky" and "Zelenskyy" are one name.
    A sentence's first word counts only when the item never writes it in lowercase (so
    "Zelensky meets ..." gives a name, "Overnight, ..." does not) or it opens a longer name."""
    found = set()
    for match in _NAME.finditer(text):
        word = match.group()
        plain = re.sub(r"['’]s$", "", anyascii(word)).lower().replace(".", "")
        if not plain or plain in _COMMON_NAMES or plain in _STOPWORDS or plain in _NUMBER_WORDS:
            continue
        starts = _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()])
        if (starts and plain in lowercase and not word.isupper()
                and not _NEXT_IS_NAME.match(text, match.end())):
            continue
        found.add(plain[:6])
    return found


def _numbers(text: str) -> set[str]:
    """Numbers that describe the event ("kills 3", "40,000 tonnes"): written as words or digits;
    days of the month and ordinals ("Sept. 28", "20th") are left out."""
    text = _MODEL_NUMBER.sub(" ", _DATE_OR_ORDINAL.sub(" ", text))
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS}
    return found


def _title_case(headline: str) -> bool:
    words = [w for w in headline.split() if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _opening_text(text: str) -> str:
    return " ".join(text.split()[:OPENING_WORDS])


def _features(item: Item, common: frozenset[str]) -> _Features:
    opening = _opening_text(item.text)
    headline = (item.headline or "").strip()
    head = _content_words(headline) if headline else _content_words(opening)[:15]
    lowercase = set(_LOWER_WORD.findall(f"{headline} {item.text}"))
    names = _names(opening, lowercase)
    head_names: set[str] = set()
    if headline and not _title_case(headline):  # in Title Case every word looks like a name
        head_names = _names(headline, lowercase)
        names |= head_names
    words = _WORD.findall(anyascii(f"{headline} {item.text}").lower())
    return _Features(
        head=sorted(set(head) - common),
        opening=sorted(set(_content_words(opening)) - common),
        words=frozenset(_content_words(f"{headline} {item.text}")),
        names=frozenset(names),
        head_names=frozenset(head_names),
        stems=frozenset(w[:6] for w in words),
        numbers=frozenset(_numbers(f"{headline} {opening}")),
        key=" ".join(_WORD.findall(anyascii(headline).lower())),
        article=item.article_path,
        url=item.url,
    )


def _rarity(items: Sequence[Item], names: Sequence[frozenset[str]] = (),
            ) -> tuple[frozenset[str], dict[str, float]]:
    """The words in so many of the day's items that sharing them says nothing ("attack"), and
    a weight per word, higher the fewer items use it: sharing "Izmail" or "40,000" says more
    than sharing "drone". A day of few items has too little to go on: every word weighs 1."""
    if len(items) < COMMON_FROM_ITEMS:
        return frozenset(), {}
    counts = Counter(w for item in items
                     for w in set(_content_words(f"{item.headline or ''} {item.text}")))
    # Names get their own weights (keyed "@name"): a name on every second item weighs little.
    counts.update(f"@{name}" for found in names for name in found)
    n = len(items)
    common = frozenset(w for w, c in counts.items() if c > COMMON_SHARE * n)
    return common, {w: math.log(1 + n / c) for w, c in counts.items()}


@dataclass(frozen=True, slots=True)
class PairScore:
    """How alike two items are, part by part (see the module's docstring)."""

    total: float
    headline: float = 0.0
    opening: float = 0.0
    cover: float = 0.0
    names: float = 0.0
    numbers: float | None = None  # None when one of them gives no numbers
    exact: bool = False

    def describe(self) -> str:
        if self.exact:
            return "exact duplicate"
        numbers = "-" if self.numbers is None else f"{self.numbers:.2f}"
        gate = " (no name in common)" if self.names == 0 and self.total else ""
        return (f"headline {self.headline:.2f}, opening {self.opening:.2f}, "
                f"told by the other {self.cover:.2f}, names {self.names:.2f}{gate}, "
                f"numbers {numbers}")


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(frozen=True, slots=True)
class _Weighed:
    """An item's headline words and names with the day's weight of each (see `_rarity`), and
    their totals: what every pair with the item needs, worked out once."""

    head: tuple[tuple[str, float], ...]  # (word, weight), in headline order
    head_total: float
    names: dict[str, float]  # name -> weight
    names_total: float


def _weigh(f: _Features, weight: dict[str, float]) -> _Weighed:
    head = tuple((w, weight.get(w, 1.0)) for w in f.head)
    names = {name: weight.get(f"@{name}", 1.0) for name in f.names}
    # Sets iterate in hash order, which changes from run to run; floats are summed in sorted
    # order so that scores, and so groupings, are the same in every process.
    return _Weighed(head, sum(w for _, w in head), names, sum(names[x] for x in sorted(f.names)))


def _names_shared(a: _Features, b: _Features, wa: _Weighed, wb: _Weighed) -> float:
    """Dice coefficient of two sets of names, each name weighted by its rarity that day."""
    if not a.names or not b.names:
        return 0.0
    shared = sorted(a.names & b.names)
    return 2 * sum(wa.names[x] for x in shared) / (wa.names_total + wb.names_total)


def _cover(head: _Weighed, other: _Features) -> float:
    """Share of a headline's words (by weight) that the other item uses anywhere."""
    words = other.words
    return (sum(w for word, w in head.head if word in words) / head.head_total
            if head.head_total else 0.0)


# The parts' weights and their sums, with and without numbers, added up in the order of PARTS
# as every score adds up its parts.
_ALL_PARTS = tuple(PARTS.items())
_NO_NUMBERS = tuple((k, w) for k, w in PARTS.items() if k != "numbers")
_ALL_WEIGHT = sum(w for _, w in _ALL_PARTS)
_NO_NUMBERS_WEIGHT = sum(w for _, w in _NO_NUMBERS)


def _pair_score(a: _Features, b: _Features, headline: float, opening: float,
                wa: _Weighed, wb: _Weighed) -> PairScore:
    names = _names_shared(a, b, wa, wb)
    cover = max(_cover(wa, b), _cover(wb, a))
    if (a.key and a.key == b.key) or (a.url and a.url == b.url and a.key == b.key):
        return PairScore(1.0, 1.0, opening, cover, names, None, exact=True)
    numbers = None
    weights, weight_sum = _NO_NUMBERS, _NO_NUMBERS_WEIGHT
    if a.numbers and b.numbers:
        numbers = _dice(a.numbers, b.numbers)
        weights, weight_sum = _ALL_PARTS, _ALL_WEIGHT
    parts = {"headline": headline, "opening": opening, "cover": cover, "names": names,
             "numbers": numbers or 0.0}
    total = sum(parts[k] * w for k, w in weights) / weight_sum * STRETCH
    if a.names and b.names and not names:
        total *= NO_NAME_IN_COMMON  # same kind of news, other people or places
    elif not (a.head_names <= b.stems or b.head_names <= a.stems):
        total *= HEADLINE_NAMES_MISSING  # each headline names someone the other never does
    if numbers == 0:
        total *= NUMBERS_DIFFER  # "kills 2" and "kills 5": likely two events
    return PairScore(round(min(1.0, total), 4), headline, opening, cover, names, numbers)


def score_pairs(items: Sequence[Item]) -> dict[tuple[int, int], PairScore]:
    """Scores of the pairs (i, j), i < j, of items from different articles of the same day that
    have anything in common; a pair left out has nothing (and scores 0)."""
    feats = [_features(item, frozenset()) for item in items]
    common, weight = _rarity(items, [f.names for f in feats])
    if common:
        feats = [replace(f, head=[w for w in f.head if w not in common],
                         opening=[w for w in f.opening if w not in common]) for f in feats]
    # rapidfuzz compares all headlines (and all openings) at once, in C++: on sorted distinct
    # words, its Indel similarity is the share of words two lists have in common.
    heads = process.cdist([f.head for f in feats], [f.head for f in feats],
                          scorer=Indel.normalized_similarity, dtype="float32")
    openings = process.cdist([f.opening for f in feats], [f.opening for f in feats],
                             scorer=Indel.normalized_similarity, dtype="float32")
    # Only pairs that share something are scored in full: on a busy day most pairs share nothing.
    candidates = numpy.argwhere(numpy.triu((heads >= CANDIDATE) | (openings >= CANDIDATE), k=1))
    keys: dict[str, list[int]] = {}
    for n, f in enumerate(feats):
        if f.key:
            keys.setdefault(f.key, []).append(n)
    pairs = {(i, j) for i, j in candidates.tolist()}
    pairs |= {(i, j) for same in keys.values() for i, j in combinations(same, 2)}
    weighed = [_weigh(f, weight) for f in feats]
    head_rows, opening_rows = heads.tolist(), openings.tolist()  # floats, as float() gives
    scores = {}
    for i, j in sorted(pairs):
        if feats[i].article == feats[j].article or items[i].date != items[j].date:
            continue
        scores[(i, j)] = _pair_score(feats[i], feats[j], head_rows[i][j], opening_rows[i][j],
                                     weighed[i], weighed[j])
    return scores


# --- grouping -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Grouping:
    """Clusters of item indexes and why each pair was or was not joined."""

    cluster_of: list[int]
    members: dict[int, list[int]]
    reasons: dict[tuple[int, int], str]

    def join(self, a: int, b: int) -> None:
        ca, cb = self.cluster_of[a], self.cluster_of[b]
        keep, gone = min(ca, cb), max(ca, cb)
        for m in self.members.pop(gone):
            self.cluster_of[m] = keep
            self.members[keep].append(m)


def _index_groups(items: Sequence[Item], groups: Sequence[Sequence[str]]) -> list[list[int]]:
    """Editor groups of item ids as lists of indexes; ids not among the items are ignored."""
    where: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        where.setdefault(item.id, []).append(n)
    return [[n for item_id in group for n in where.get(item_id, [])] for group in groups]


def _group(items: Sequence[Item], threshold: float, merge: Sequence[Sequence[str]],
           split: Sequence[Sequence[str]]) -> tuple[_Grouping, dict[tuple[int, int], PairScore]]:
    scores = score_pairs(items)
    g = _Grouping(list(range(len(items))), {n: [n] for n in range(len(items))}, {})
    split_of: dict[int, set[int]] = {}  # item -> the split groups it is in
    for number, group in enumerate(_index_groups(items, split)):
        for n in group:
            split_of.setdefault(n, set()).add(number)

    def splits_apart(a: int, b: int) -> bool:
        ma, mb = g.members[g.cluster_of[a]], g.members[g.cluster_of[b]]
        left = set().union(*(split_of.get(m, set()) for m in ma))
        return any(split_of.get(m, set()) & left for m in mb)

    for group in _index_groups(items, merge):
        for a, b in zip(group, group[1:], strict=False):
            pair = (min(a, b), max(a, b))
            if g.cluster_of[a] == g.cluster_of[b]:
                continue
            if splits_apart(a, b):
                g.reasons[pair] = "separate stories: an editor split them (a split wins over a merge)"
            else:
                g.join(a, b)
                g.reasons[pair] = "one story: an editor merged them"

    floor = threshold * CHAIN_FLOOR
    ranked = sorted((pair for pair, s in scores.items() if s.total >= threshold),
                    key=lambda pair: (-scores[pair].total, items[pair[0]].id, items[pair[1]].id))
    for a, b in ranked:
        if (a, b) in g.reasons:
            continue
        ca, cb = g.cluster_of[a], g.cluster_of[b]
        if ca == cb:
            g.reasons[(a, b)] = "one story already, through other items"
            continue
        ma, mb = g.members[ca], g.members[cb]
        articles = {items[m].article_path for m in ma}
        clash = next((items[m].article_path for m in mb if items[m].article_path in articles), None)
        if clash is not None:
            g.reasons[(a, b)] = f"separate stories: the story would hold two items of {clash}"
        elif splits_apart(a, b):
            g.reasons[(a, b)] = "separate stories: an editor split them"
        elif any(scores.get((min(x, y), max(x, y)), PairScore(0.0)).total < floor
                 for x in ma for y in mb):
            g.reasons[(a, b)] = "separate stories: the story would join items unlike each other"
        else:
            g.join(a, b)
            g.reasons[(a, b)] = f"one story: {scores[(a, b)].total:.2f} >= threshold {threshold:.2f}"
    return g, scores


# --- stories ------------------------------------------------------------------------------


def group_stories(items: Sequence[Item], *, threshold: float, theme_order: Sequence[str],
                  merge: Sequence[Sequence[str]] = (),
                  split: Sequence[Sequence[str]] = ()) -> tuple[Story, ...]:
    """Items of one day, already themed, as Stories: sorted by theme order, then key-event score
    (best first), then id. Items without a date cannot be placed and raise ValueError."""
    for item in items:
        if item.date is None:
            raise ValueError(f"{item.article_path}: item {item.id} has no date")
    items = sorted(items, key=lambda i: (i.id, i.article_path))  # same input, same output
    grouping, _ = _group(items, threshold, merge, split)
    stories = [_story([items[n] for n in members], theme_order)
               for members in grouping.members.values()]
    rank = _theme_rank(theme_order)
    return tuple(sorted(stories, key=lambda s: (rank(s.theme), -s.key_event_score, s.id)))


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
    items = sorted(items, key=lambda i: (i.id, i.article_path))
    grouping, scores = _group(items, threshold, merge, split)
    pairs = set(grouping.reasons) | {p for p, s in scores.items() if s.total >= SHOWN_FROM}
    lines = []
    for a, b in sorted(pairs, key=lambda p: (-(scores[p].total if p in scores else 1.0), p)):
        score = scores.get((a, b))
        together = grouping.cluster_of[a] == grouping.cluster_of[b]
        reason = grouping.reasons.get((a, b))
        if reason is None and score is not None:
            reason = f"{score.total:.2f} < threshold {threshold:.2f}"
            reason = (f"one story: {reason}, but both are alike enough to other items of it"
                      if together else f"separate stories: {reason}")
        parts = f"{score.total:.2f}: {score.describe()}" if score else "items of one article"
        lines.append(f"{_label(items[a])}\n  ~ {_label(items[b])}\n    {parts}\n    {reason}")
    return lines


def _label(item: Item) -> str:
    words = (item.headline or item.text).split()
    title = " ".join(words[:9]) + (" ..." if len(words) > 9 else "")
    return f"{item.source or 'unknown outlet'}: {title} ({item.id})"
