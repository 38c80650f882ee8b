"""Stage `day`: items of dated articles -> Days of the war, each with its stories and key events.

Days are keyed in the site's timezone (an Item's `date` already is). Themes and stories come from
`digest.themes` and `digest.stories`; this module only gathers, checks and orders. Nothing that
is left out goes silently: each left-out input comes back as a Problem saying why and the fix.

A day is the unit of caching. Its key is a hash of its items' fingerprints (for a parsed item:
its article's parse key and place), the rules and the code; a day whose key is unchanged is
neither grouped again nor even decoded unless a page needs it (`Days`, `DayInfo`).
"""

from __future__ import annotations

import difflib
import marshal
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple, overload

from .cache import (
    Memo,
    ParsedInfo,
    code_fingerprint,
    digest_of,
    item_tuple,
    pack,
    unpack,
    worker_started,
)
from .config import Config, Theme
from .model import Article, Day, Item, Problem, Story

# English names, not strftime's: strftime follows the machine's locale, and the same input
# must give the same bytes everywhere.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

Groups = tuple[tuple[str, ...], ...]  # editor's merge/split groups of item ids


def long_date(day: date) -> str:
    """"Thursday 28 September 2023"."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """"28 September 2023"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(day: date) -> str:
    """"September 2023"."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def day_title(day: Day) -> str:
    """"Day 582 · Thursday 28 September 2023"."""
    return f"Day {day.number} · {long_date(day.date)}"


def top_story(day: Day) -> Story | None:
    """The story that names a day in lists and feeds: its first key event."""
    if day.key_events:
        return day.key_events[0]
    return day.stories[0] if day.stories else None


def story_headline(story: Story) -> str:
    """A story's headline, or the first words of its text when no outlet gave one."""
    if story.headline:
        return story.headline
    words = " ".join(story.lead.text.split()).lstrip("#>*-_ ")
    return words if len(words) <= 90 else words[:90].rsplit(" ", 1)[0] + "…"


# --- gathering ------------------------------------------------------------------------------


class ItemRef(NamedTuple):
    """An item as the day stage first sees it: enough to put it on its day, order it and key
    the day, without its text. `item` is the Item when it is at hand (hand-written, corrected);
    otherwise `origin` (parse key, place in the article) says where the build's loader finds it."""

    id: str
    date: date
    article_path: str
    line: int | None
    fingerprint: str  # changes whenever the item would
    item: Item | None = None
    origin: tuple[str, int] | None = None


def item_ref(item: Item) -> ItemRef:
    """The ref of an item at hand: its fingerprint is a hash of every field."""
    assert item.date is not None
    return ItemRef(item.id, item.date, item.article_path, item.line, digest_of(item), item)


def _undated(path: str) -> Problem:
    sidecar = path.rsplit(".", 1)[0] + ".yaml"
    return Problem(path, None,
                   "no date in the text or metadata, so the article is left out of the site",
                   f"add `date: YYYY-MM-DD` (the day it covers) to {sidecar}")


def _no_items(path: str) -> Problem:
    return Problem(path, None, "no news items were found in it",
                   "check that the file holds the article's text")


def dated_items(articles: Iterable[Article]) -> tuple[list[Item], list[Problem]]:
    """The items of every dated article; an undated article is left out, with the fix."""
    items: list[Item] = []
    left_out: list[Problem] = []
    for article in articles:
        if article.date is None:
            left_out.append(_undated(article.path))
            continue
        if not article.items:
            left_out.append(_no_items(article.path))
            continue
        for item in article.items:
            if item.date is None:
                item = replace(item, date=article.date)
            items.append(item)
    return items, left_out


def dated_refs(infos: Iterable[ParsedInfo]) -> tuple[list[ItemRef], list[Problem]]:
    """`dated_items` from what the parse cache knows of each article, without its items: the
    ref of item n of an article is made into the item by `load_parsed`."""
    refs: list[ItemRef] = []
    left_out: list[Problem] = []
    for info in infos:
        if info.date is None:
            left_out.append(_undated(info.path))
            continue
        if not info.items:
            left_out.append(_no_items(info.path))
            continue
        for n, (item_id, day, line) in enumerate(info.items):
            refs.append(ItemRef(item_id, day or info.date, info.path, line, f"{info.key}:{n}",
                                None, (info.key, n)))
    return refs, left_out


def load_parsed(ref: ItemRef, article: Article) -> Item:
    """The item a ref of `dated_refs` stands for, as `dated_items` gives it."""
    assert ref.origin is not None
    item = article.items[ref.origin[1]]
    return item if item.date is not None else replace(item, date=article.date)


def typo_themes(items: Iterable[Item], themes: Sequence[Theme]) -> tuple[list[Item], list[Problem]]:
    """Items whose preset theme (from `themes:` in an article's metadata) is not in themes.yaml
    get their automatic theme instead, with a "did you mean": an editor's typo must not take
    the item off the site without a word (issue 11)."""
    slugs = [t.slug for t in themes]
    out: list[Item] = []
    problems: list[Problem] = []
    for item in items:
        if not item.theme or item.theme in slugs or not slugs:
            out.append(item)
            continue
        close = difflib.get_close_matches(item.theme, slugs, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"use one of: {', '.join(slugs)}"
        what = item.headline or " ".join(item.text.split()[:8])
        problems.append(Problem(
            item.article_path or "?", item.line,
            f"unknown theme `{item.theme}` for “{what}” (themes.yaml has no such theme), so the "
            "item keeps its automatic theme", f"{hint} (in `themes:` of its metadata)", "error"))
        out.append(replace(item, theme=None))
    return out, problems


def outlet_typos(items: Iterable[Item], outlets: Outlets) -> list[Problem]:
    """One problem for each article whose outlet (its metadata's `source:`, or the site name
    an HTML page gives) is not in sources.yaml: it is used as written, and a name close to a
    known one is most likely a typo that would make a second outlet (`Novinit`)."""
    if not outlets:
        return []
    slugs = {slug for slug, _ in outlets}
    names = [name for _, name in outlets]
    problems: list[Problem] = []
    said: set[str] = set()
    for item in items:
        # Hand-written items name outlets freely (slug None); a parsed item's unknown outlet
        # has the slug of its name.
        if not item.source or not item.source_slug or item.source_slug in slugs:
            continue
        if item.article_path in said:
            continue
        said.add(item.article_path or "")
        by_lower = {n.lower(): n for n in names}
        close = difflib.get_close_matches(item.source.lower(), list(by_lower), n=1, cutoff=0.75)
        if close:
            problems.append(Problem(
                item.article_path or "?", None,
                f"outlet `{item.source}` is not in sources.yaml, so it is shown as written",
                f"did you mean `{by_lower[close[0]]}`? (`source:` in its metadata)", "error"))
        else:
            problems.append(Problem(
                item.article_path or "?", None,
                f"outlet `{item.source}` is not in sources.yaml, so it is shown as written",
                "add it to sources.yaml (name, home, domains), or correct `source:` in its metadata"))
    return problems


def known_themes(items: Iterable[Item], themes: Sequence[Theme]) -> tuple[list[Item], list[Problem]]:
    """Items whose theme is in themes.yaml; any other item is left out with the fix."""
    slugs = {t.slug for t in themes}
    listed = ", ".join(t.slug for t in themes)
    kept: list[Item] = []
    problems: list[Problem] = []
    for item in items:
        if item.theme in slugs:
            kept.append(item)
            continue
        what = item.headline or " ".join(item.text.split()[:8])
        problems.append(Problem(
            item.article_path or "?", item.line,
            f"unknown theme `{item.theme}` for “{what}”, so the item is left out",
            f"use one of the themes of themes.yaml ({listed}), or add `{item.theme}` there"))
    return kept, problems


# --- days -----------------------------------------------------------------------------------


class DayInfo(NamedTuple):
    """What pages that list many days need of one day, without its stories: a page is made
    again only when a key of its days changes, and lists are laid out from the rest."""

    date: date
    number: int
    key: str  # a hash of everything the day is made from: same key, same Day
    themes: tuple[str, ...]  # the theme of each story, in story order
    # Each outlet of the day's items, in story and item order: its slug, the name its first
    # item gives, and the (place of the story, place in the story) of each of its items.
    outlets: tuple[tuple[str, str, tuple[tuple[int, int], ...]], ...]


def day_info(day: Day, key: str) -> DayInfo:
    outlets: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    for n, story in enumerate(day.stories):
        for m, item in enumerate(story.items):
            if item.source_slug:
                outlets.setdefault(item.source_slug, (item.source or item.source_slug, []))[1] \
                    .append((n, m))
    return DayInfo(day.date, day.number, key, tuple(s.theme for s in day.stories),
                   tuple((slug, name, tuple(places)) for slug, (name, places) in outlets.items()))


class Days(Sequence[Day]):
    """The site's days, oldest first: each one's DayInfo at hand, the Day itself made (or
    decoded from the cache) the first time it is asked for."""

    def __init__(self, infos: Iterable[DayInfo], load: Callable[[DayInfo], Day]):
        self.infos = tuple(infos)
        self._load = load
        self._days: dict[str, Day] = {}

    @classmethod
    def of(cls, days: Iterable[Day]) -> Days:
        """Days at hand, each keyed by a hash of all it holds."""
        by_key = {digest_of(day): day for day in days}
        return cls([day_info(day, key) for key, day in by_key.items()], lambda i: by_key[i.key])

    def day(self, info: DayInfo) -> Day:
        found = self._days.get(info.key)
        if found is None:
            found = self._days[info.key] = self._load(info)
        return found

    def __len__(self) -> int:
        return len(self.infos)

    @overload
    def __getitem__(self, index: int) -> Day: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Day, ...]: ...
    def __getitem__(self, index: int | slice) -> Day | tuple[Day, ...]:
        if isinstance(index, slice):
            return tuple(self.day(info) for info in self.infos[index])
        return self.day(self.infos[index])

    def __iter__(self) -> Iterator[Day]:
        return (self.day(info) for info in self.infos)


@dataclass(frozen=True, slots=True)
class DaysResult:
    days: Sequence[Day]  # oldest first (`Days` from make_days_lazy, a tuple from make_days)
    items: int  # items shown
    problems: tuple[Problem, ...]  # items left out, and why


@dataclass(frozen=True, slots=True)
class DayJob:
    """What one day's themes and stories are computed from: nothing else goes in."""

    date: date
    items: tuple[Item, ...]  # in file order
    themes: tuple[Theme, ...]
    threshold: float
    merge: Groups  # only the editor's groups that name an item of this day
    split: Groups
    outlets: Outlets = ()  # sources.yaml's outlets, to tell a mistyped `source:` (outlet_typos)


Outlets = tuple[tuple[str, str], ...]  # (slug, name) of each outlet of sources.yaml


def known_outlets(config: Config) -> Outlets:
    return tuple((s.slug, s.name) for s in config.sources.outlets)


@dataclass(frozen=True, slots=True)
class DayDone:
    items: tuple[Item, ...]  # themed, unknown themes left out
    problems: tuple[Problem, ...]
    stories: tuple[Story, ...]
    key_events: tuple[Story, ...]


def make_days(items: Iterable[Item], config: Config, *, merge: Groups = (), split: Groups = (),
              memo: Memo | None = None, workers: int | None = None) -> DaysResult:
    """Theme every item, group each day's items into stories, pick each day's key events."""
    result = make_days_lazy([item_ref(i) for i in items], config, load=_at_hand, merge=merge,
                            split=split, memo=memo, workers=workers)
    return replace(result, days=tuple(result.days))


def _at_hand(refs: Sequence[ItemRef]) -> list[Item]:
    return [ref.item for ref in refs if ref.item is not None]


Load = Callable[[Sequence[ItemRef]], list[Item]]  # the items of refs, in their order


def make_days_lazy(refs: Iterable[ItemRef], config: Config, *, load: Load,
                   merge: Groups = (), split: Groups = (), memo: Memo | None = None,
                   workers: int | None = None) -> DaysResult:
    """`make_days` from refs: a day whose key is in the memo is not grouped again, and its
    items are not loaded; its Day is decoded only when asked for.

    Each day depends only on its own items (and the rules), so days are computed apart: in
    worker processes when there are many."""
    by_day: dict[date, list[ItemRef]] = defaultdict(list)
    refs, out_of_war = _within_the_war(refs, config)
    for ref in refs:
        by_day[ref.date].append(ref)
    memo = memo if memo is not None else Memo(None)
    rules = digest_of(code_fingerprint(), config.themes, config.settings.story_threshold,
                      config.settings.war_start, known_outlets(config))
    plans = []
    twice: list[Problem] = []
    for day in sorted(by_day):
        # In file order (paths are sorted, lines increase), whatever order the parse pool
        # returned them in: a stable input gives stable stories.
        day_refs = _once(sorted(by_day[day], key=lambda r: (r.article_path, r.line or 0, r.id)),
                         twice)
        ids = {r.id for r in day_refs}
        day_merge = tuple(g for g in merge if ids.intersection(g))
        day_split = tuple(g for g in split if ids.intersection(g))
        key = Memo.key("day", rules, (day, day_merge, day_split,
                                      tuple(r.fingerprint for r in day_refs)))
        plans.append(_Plan(day, day_refs, day_merge, day_split, key))
    maker = _DayMaker(plans, config, load, memo)
    infos = maker.run(workers)
    return DaysResult(Days([i for i in infos if i.themes], maker.day),
                      sum(maker.counts), tuple(out_of_war) + tuple(twice) + tuple(maker.problems))


def _within_the_war(refs: Iterable[ItemRef], config: Config) -> tuple[list[ItemRef], list[Problem]]:
    """Refs whose day lies between `war_start` and the last year the site covers; the others
    are left out, once per file: a mistyped year (`date: 2203-09-28`, `1923-09-28`) would
    otherwise make a day -36,000 or take over the front page as the latest day."""
    settings = config.settings
    last_year = settings.war_end.year if settings.war_end else settings.latest_year
    kept: list[ItemRef] = []
    problems: list[Problem] = []
    said: set[tuple[str, date]] = set()
    for ref in refs:
        if settings.war_start <= ref.date and ref.date.year <= last_year:
            kept.append(ref)
            continue
        if (ref.article_path, ref.date) not in said:
            said.add((ref.article_path, ref.date))
            when = ("before `war_start`" if ref.date < settings.war_start
                    else "after the years the site covers")
            problems.append(Problem(
                ref.article_path or "?", ref.line,
                f"{ref.date.isoformat()} is {when} ({settings.war_start.isoformat()} to {last_year}), so "
                "it is left out", "check the year of its `date:` (in its metadata or front matter)",
                "error"))
    return kept, problems


def _once(refs: list[ItemRef], problems: list[Problem]) -> tuple[ItemRef, ...]:
    """A day's items with each id once. Ids name stories, anchors and the editor's merges, so
    two items with one id (the same article saved twice, or one outlet repeating a headline
    on one day) would be confused: the first (in file order) stays, the other is reported."""
    seen: dict[str, ItemRef] = {}
    for ref in refs:
        first = seen.setdefault(ref.id, ref)
        if first is not ref:
            problems.append(Problem(
                ref.article_path or "?", ref.line,
                f"item `{ref.id}` is also in {first.article_path}, so it is shown once",
                "delete one of the two files if they are the same article; otherwise give the "
                "item a headline of its own"))
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class _Plan:
    date: date
    refs: tuple[ItemRef, ...]  # in file order, each id once
    merge: Groups
    split: Groups
    key: str


class _DayMaker:
    """The days of the plans: their infos from the memo, or computed (and memoized)."""

    def __init__(self, plans: list[_Plan], config: Config, load: Load, memo: Memo):
        self.plans = {p.key: p for p in plans}
        self.order = plans
        self.config = config
        self.load = load
        self.memo = memo
        self.made: dict[str, Day] = {}
        self.counts: list[int] = []
        self.problems: list[Problem] = []

    def run(self, workers: int | None) -> list[DayInfo]:
        found = self.memo.get_many([p.key + ":info" for p in self.order])
        # An info is of use only with its Day behind it (decoded when a page needs it).
        there = self.memo.have(p.key for p in self.order if p.key + ":info" in found)
        infos: dict[str, DayInfo] = {}
        counts: dict[str, int] = {}
        problems: dict[str, tuple[Problem, ...]] = {}
        todo = []
        for plan in self.order:
            data = found.get(plan.key + ":info")
            decoded = _info_from(data, plan) if data is not None and plan.key in there else None
            if decoded is None:
                todo.append(plan)
            else:
                infos[plan.key], counts[plan.key], problems[plan.key] = decoded
        self.memo.store.keep(there)
        for plan, (day, count, found_problems, data) in zip(
                todo, self._compute(todo, workers), strict=True):
            info = infos[plan.key] = day_info(day, plan.key)
            counts[plan.key], problems[plan.key] = count, found_problems
            self.made[plan.key] = day
            self.memo.put(plan.key, data, keep=False)
            self.memo.put(plan.key + ":info", marshal.dumps((
                info.number, info.themes, info.outlets, count,
                tuple(_problem(p) for p in found_problems))))
        self.counts = [counts[p.key] for p in self.order]
        self.problems = [p for plan in self.order for p in problems[plan.key]]
        return [infos[p.key] for p in self.order]

    def _compute(self, plans: list[_Plan], workers: int | None
                 ) -> list[tuple[Day, int, tuple[Problem, ...], bytes]]:
        """Each plan's Day, how many items it shows, its problems, and the Day as bytes."""
        themes, threshold = self.config.themes, self.config.settings.story_threshold
        outlets = known_outlets(self.config)
        number = self.config.settings.day_number
        workers = workers or os.cpu_count() or 1
        if len(plans) >= PARALLEL_DAYS and workers > 1:
            # Plain tuples each way (quick to pickle); the rules go to each worker once.
            tasks = [(p.date, number(p.date), [item_tuple(i) for i in self.load(p.refs)],
                      p.merge, p.split) for p in plans]
            with ProcessPoolExecutor(max_workers=workers, initializer=_day_worker,
                                     initargs=(themes, threshold, outlets)) as pool:
                return [(_day_from_tuple(unpack(data)), count, tuple(Problem(*p) for p in found),
                         data) for data, count, found in pool.map(_made_day, tasks, chunksize=4)]
        made = []
        for p in plans:
            done = day_job(DayJob(p.date, tuple(self.load(p.refs)), themes, threshold, p.merge,
                                  p.split, outlets))
            day = Day(p.date, number(p.date), done.stories, done.key_events)
            made.append((day, len(done.items), done.problems, pack(_day_to_tuple(day))))
        return made

    def day(self, info: DayInfo) -> Day:
        """The Day of an info: made in this build, else from the memo, else made again."""
        made = self.made.get(info.key)
        if made is not None:
            return made
        data = self.memo.get(info.key)
        if data is not None:
            try:
                return _day_from_tuple(unpack(data))
            except (ValueError, TypeError, IndexError):
                pass  # damaged: make it again
        day, _, _, data = self._compute([self.plans[info.key]], 1)[0]
        if day_info(day, info.key) != info:
            # Pages were laid out from the info: they cannot take another Day. Forget both.
            self.memo.put(info.key + ":info", b"")
            raise RuntimeError(f"the cache of {info.date} was damaged: build again")
        self.memo.put(info.key, data, keep=False)
        return day


def day_job(job: DayJob) -> DayDone:
    """One day: themes (keeping preset ones), unknown themes left out, stories, key events."""
    from .stories import group_stories, key_events
    from .themes import assign_themes

    items, typos = typo_themes(job.items, job.themes)
    themed = assign_themes(items, job.themes)
    kept, problems = known_themes(themed, job.themes)
    problems = typos + outlet_typos(kept, job.outlets) + problems
    order = [t.slug for t in job.themes]
    stories = group_stories(tuple(kept), threshold=job.threshold, theme_order=order,
                            merge=job.merge, split=job.split)
    keys = key_events(stories, order)
    return DayDone(tuple(kept), tuple(problems), tuple(stories), tuple(keys))


PARALLEL_DAYS = 40  # fewer days than this are quicker in one process
_RULES: tuple[tuple[Theme, ...], float] = ((), 0.0)  # a day worker's themes and threshold
_OUTLETS: Outlets = ()


def _day_worker(themes: tuple[Theme, ...], threshold: float, outlets: Outlets = ()) -> None:
    global _RULES, _OUTLETS
    worker_started()
    _RULES = (themes, threshold)
    _OUTLETS = outlets


def _made_day(task: tuple[Any, ...]) -> tuple[bytes, int, tuple[tuple[Any, ...], ...]]:
    """In a worker: a day (its date, number, items as tuples, editor's groups) made, as the
    memo keeps it, with how many items it shows and its problems."""
    day, number, items, merge, split = task
    done = day_job(DayJob(day, tuple(Item(*i) for i in items), *_RULES, merge, split, _OUTLETS))
    made = Day(day, number, done.stories, done.key_events)
    return pack(_day_to_tuple(made)), len(done.items), tuple(_problem(p) for p in done.problems)


# --- a day as plain values (the memo's form) ------------------------------------------------


def _problem(p: Problem) -> tuple[Any, ...]:
    return (p.path, p.line, p.message, p.fix, p.severity)


def _info_from(data: bytes, plan: _Plan
               ) -> tuple[DayInfo, int, tuple[Problem, ...]] | None:
    try:
        number, themes, outlets, count, problems = marshal.loads(data)
        info = DayInfo(plan.date, number, plan.key, themes, outlets)
        return info, count, tuple(Problem(*p) for p in problems)
    except (ValueError, TypeError, EOFError):
        return None  # damaged: compute the day again


def _story_tuple(story: Story, where: dict[int, int]) -> tuple[Any, ...]:
    return (story.id, story.date, story.headline, story.theme,
            tuple(where[id(i)] for i in story.items), story.key_event_score)


def _day_to_tuple(day: Day) -> tuple[Any, ...]:
    """Each item once (key events share the stories' items)."""
    items: list[tuple[Any, ...]] = []
    where: dict[int, int] = {}
    for story in (*day.stories, *day.key_events):
        for item in story.items:
            if id(item) not in where:
                where[id(item)] = len(items)
                items.append(item_tuple(item))
    return (day.date, day.number, tuple(items),
            tuple(_story_tuple(s, where) for s in day.stories),
            tuple(_story_tuple(s, where) for s in day.key_events))


def _day_from_tuple(t: Sequence[Any]) -> Day:
    day, number, item_tuples, stories, keys = t
    items = [Item(*i) for i in item_tuples]
    pick = items.__getitem__
    return Day(day, number,
               tuple([Story(a, b, c, d, tuple(map(pick, e)), f) for a, b, c, d, e, f in stories]),
               tuple([Story(a, b, c, d, tuple(map(pick, e)), f) for a, b, c, d, e, f in keys]))
