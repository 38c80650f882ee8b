"""Stage `day`: items of dated articles -> Days of the war, each with its stories and key events.

Days are keyed in the site's timezone (an Item's `date` already is). Themes and stories come from
`digest.themes` and `digest.stories`; this module only gathers, checks and orders. Nothing that
is left out goes silently: each left-out input comes back as a Problem saying why and the fix.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

from .cache import Memo, code_fingerprint
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


def dated_items(articles: Iterable[Article]) -> tuple[list[Item], list[Problem]]:
    """The items of every dated article; an undated article is left out, with the fix."""
    items: list[Item] = []
    left_out: list[Problem] = []
    for article in articles:
        if article.date is None:
            sidecar = article.path.rsplit(".", 1)[0] + ".yaml"
            left_out.append(Problem(
                article.path, None,
                "no date in the text or metadata, so the article is left out of the site",
                f"add `date: YYYY-MM-DD` (the day it covers) to {sidecar}"))
            continue
        if not article.items:
            left_out.append(Problem(article.path, None, "no news items were found in it",
                                    "check that the file holds the article's text"))
            continue
        for item in article.items:
            if item.date is None:
                item = replace(item, date=article.date)
            items.append(item)
    return items, left_out


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


@dataclass(frozen=True, slots=True)
class DaysResult:
    days: tuple[Day, ...]  # oldest first
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


@dataclass(frozen=True, slots=True)
class DayDone:
    items: tuple[Item, ...]  # themed, unknown themes left out
    problems: tuple[Problem, ...]
    stories: tuple[Story, ...]
    key_events: tuple[Story, ...]


def make_days(items: Iterable[Item], config: Config, *, merge: Groups = (), split: Groups = (),
              memo: Memo | None = None, workers: int | None = None) -> DaysResult:
    """Theme every item, group each day's items into stories, pick each day's key events.

    Each day depends only on its own items (and the rules), so days are computed apart: from
    the memo when their inputs are unchanged, else in worker processes when there are many."""
    by_day: dict[date, list[Item]] = defaultdict(list)
    for item in items:
        assert item.date is not None  # dated_items gave every item its article's date
        by_day[item.date].append(item)
    jobs = []
    twice: list[Problem] = []
    for day in sorted(by_day):
        # In file order (paths are sorted, lines increase), whatever order the parse pool
        # returned them in: a stable input gives stable stories.
        day_items = _once(sorted(by_day[day], key=lambda i: (i.article_path, i.line or 0, i.id)),
                          twice)
        ids = {i.id for i in day_items}
        jobs.append(DayJob(day, day_items, config.themes, config.settings.story_threshold,
                           tuple(g for g in merge if ids.intersection(g)),
                           tuple(g for g in split if ids.intersection(g))))
    done = _run_jobs(jobs, memo, workers)
    days = tuple(Day(job.date, config.settings.day_number(job.date), d.stories, d.key_events)
                 for job, d in zip(jobs, done, strict=True) if d.stories)
    return DaysResult(days, sum(len(d.items) for d in done),
                      tuple(twice) + tuple(p for d in done for p in d.problems))


def _once(items: list[Item], problems: list[Problem]) -> tuple[Item, ...]:
    """A day's items with each id once. Ids name stories, anchors and the editor's merges, so
    two items with one id (the same article saved twice, or one outlet repeating a headline
    on one day) would be confused: the first (in file order) stays, the other is reported."""
    seen: dict[str, Item] = {}
    for item in items:
        first = seen.setdefault(item.id, item)
        if first is not item:
            problems.append(Problem(
                item.article_path or "?", item.line,
                f"item `{item.id}` is also in {first.article_path}, so it is shown once",
                "delete one of the two files if they are the same article; otherwise give the "
                "item a headline of its own"))
    return tuple(seen.values())


def day_job(job: DayJob) -> DayDone:
    """One day: themes (keeping preset ones), unknown themes left out, stories, key events."""
    from .stories import group_stories, key_events
    from .themes import assign_themes

    themed = assign_themes(job.items, job.themes)
    kept, problems = known_themes(themed, job.themes)
    order = [t.slug for t in job.themes]
    stories = group_stories(tuple(kept), threshold=job.threshold, theme_order=order,
                            merge=job.merge, split=job.split)
    keys = key_events(stories, order)
    return DayDone(tuple(kept), tuple(problems), tuple(stories), tuple(keys))


PARALLEL_DAYS = 40  # fewer days than this are quicker in one process


def _run_jobs(jobs: list[DayJob], memo: Memo | None, workers: int | None) -> list[DayDone]:
    fingerprint = code_fingerprint() if memo is not None else ""
    keys = [Memo.key("day", fingerprint, job) for job in jobs]
    results: list[DayDone | None] = [None] * len(jobs)
    todo = []
    for n, job in enumerate(jobs):
        data = memo.get(keys[n]) if memo is not None else None
        results[n] = _done_from(data, job) if data is not None else None
        if results[n] is None:
            todo.append(n)
    workers = workers or os.cpu_count() or 1
    if len(todo) >= PARALLEL_DAYS and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            made = list(pool.map(day_job, [jobs[n] for n in todo], chunksize=8))
    else:
        made = [day_job(jobs[n]) for n in todo]
    for n, done in zip(todo, made, strict=True):
        results[n] = done
        if memo is not None:
            data = _done_to(done, jobs[n])
            if data is not None:
                memo.put(keys[n], data)
    return [r for r in results if r is not None]


def _done_to(done: DayDone, job: DayJob) -> bytes | None:
    """A day's result as JSON that points into the job's items (which the key covers)."""
    where = {id(item): n for n, item in enumerate(done.items)}
    if any(id(i) not in where for s in done.stories for i in s.items):
        return None  # the story stage changed an item: do not guess, compute it next time
    # Key events are copies of stories (with their score set) sharing the stories' items.
    index = {id(s.items): n for n, s in enumerate(done.stories)}
    if any(id(s.items) not in index for s in done.key_events):
        return None
    data = {
        "themes": [i.theme for i in done.items],
        "kept": [next(n for n, i in enumerate(job.items) if i.id == k.id and
                      i.article_path == k.article_path and i.line == k.line) for k in done.items],
        "problems": [[p.path, p.line, p.message, p.fix, p.severity] for p in done.problems],
        "stories": [[s.id, s.headline, s.theme, s.key_event_score,
                     [where[id(i)] for i in s.items]] for s in done.stories],
        "keys": [[index[id(s.items)], s.key_event_score] for s in done.key_events],
    }
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _done_from(data: bytes, job: DayJob) -> DayDone | None:
    try:
        d = json.loads(data)
        items = tuple(replace(job.items[n], theme=theme)
                      for n, theme in zip(d["kept"], d["themes"], strict=True))
        stories = tuple(Story(id=sid, date=job.date, headline=headline, theme=theme,
                              items=tuple(items[n] for n in members), key_event_score=score)
                        for sid, headline, theme, score, members in d["stories"])
        return DayDone(items, tuple(Problem(*p) for p in d["problems"]), stories,
                       tuple(replace(stories[n], key_event_score=score) for n, score in d["keys"]))
    except (ValueError, KeyError, IndexError, TypeError):
        return None  # a damaged memo: compute the day again
