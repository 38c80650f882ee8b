"""Stage `parse`: which day a page covers, chosen from every date and day number it prints.

Every date is a candidate with its line, its role (title, dateline, day heading, intro line, entry
stamp, caption, body) and its cue ("Published", "Updated", "today", "until"). The rules, in order:
1. the editor's `date:` in the sidecar;
2. a full date in the title, a "Published"/dateline line, a day heading, an intro line ("Here is
   the situation on ..."), an "Updated" line, an entry's stamp;
3. a date printed without a year in those places, its year settled by a printed weekday, the
   stated day number, the page store's stamp, or a weekday the text names — only when exactly
   one year of the war fits;
4. a stated ordinal day number ("Day 582", "431-й день"), an anniversary that is today ("Dziś
   druga rocznica napaści"), then the page store's stamp, then a count of days or weeks ("600
   days since the invasion" is day 601, "one week since Russia invaded" day 8);
5. a date in the text marked as today ("Hoy miércoles 25 de junio de 2025"), a caption's date
   followed by "this Tuesday", or, as the text's only full date, a report's dated title
   ("Russian Offensive Campaign Assessment, November 26, 2025:").
Otherwise the date is unknown: never guessed. Dates in clutter (a "Read also" link, a related
list, a copyright line) are never candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .dates import (
    FoundDate,
    find_anniversaries,
    find_dates,
    find_day_numbers,
    find_week_counts,
    find_weekdays,
)
from .line_shapes import dateline_date
from .lines import Page

_PUBLISHED = re.compile(
    r"(?:published|created|posted|first published|online seit|veröffentlicht|publié|publicado"
    r"|опубліковано|опубликовано|opublikowano|dodano)\b[^|]{0,40}$", re.IGNORECASE)
_UPDATED = re.compile(
    r"(?:updated|last updated|modified|aktualisiert|mis à jour|modifié|actualizado|оновлено"
    r"|обновлено|zaktualizowano|aktualizacja)\b[^|]{0,40}$", re.IGNORECASE)
_NOT_THE_DAY = re.compile(
    r"(?:\b(?:until|till|by|since|from|before|after|ago|bis|seit|vor|nach|jusqu'au|jusqu’au|depuis"
    r"|avant|après|hasta|desde|antes|od|do|po|przed|od)|(?<!\w)(?:до|з|від|с|после|после|після|перед))"
    r"\s+(?:the\s+|dem\s+|le\s+|el\s+)?$", re.IGNORECASE)
_TODAY = re.compile(
    r"(?:\b(?:today|this|hoy|este|esta|ce|cette|en ce|heute|dziś|dzisiaj)|(?<!\w)(?:сьогодні|сегодня))"
    r"[\s,]+(?:\w+[\s,]+)?$", re.IGNORECASE)
_OTHER_ARTICLES = {"read_also", "related_heading", "related list", "end", "after an end marker",
                   "copyright", "sign_off", "above the title", "caption", "credit"}
# "Russian Offensive Campaign Assessment, November 26, 2025: https://...": a dated title of a report.
_TITLED = re.compile(r"(?-i:[A-Z])[^.!?:]{3,80},\s*")
_AFTER_TITLED = re.compile(r"\s*(?::\s*(?:https?://\S+)?)?\s*")
_ROLE_ORDER = ["title", "published", "dateline", "day", "intro", "updated", "entry", "header"]
_ROLE_OF_KIND = {"title": "title", "dateline": "dateline", "day": "day", "intro": "intro",
                 "entry": "entry", "byline": "dateline"}


@dataclass(frozen=True, slots=True)
class Candidate:
    found: FoundDate
    line: int
    role: str
    reference: bool = False  # a report's title with its date ("Campaign Assessment, November 26, 2025:")


@dataclass(frozen=True, slots=True)
class Dating:
    """The page's day and how it was chosen."""

    date: date | None
    found: FoundDate | None  # the printed date chosen (for its time and zone), if any
    line: int | None
    why: str
    stated_day: int | None  # the war's day number as the text states it (ordinal), if any
    partial: FoundDate | None = None  # a date without a year that nothing settled
    candidates: tuple[str, ...] = ()  # every candidate, for --explain


def choose_date(page: Page, war_start: date, latest_year: int, given: date | None = None) -> Dating:
    candidates = _candidates(page)
    ordinal, counted = _day_numbers(page)
    stated = ordinal[0] if ordinal else None
    listed = tuple(f"line {c.line}: {c.role} {_show(c.found)}" for c in candidates)
    years = _Years(page, candidates, war_start, latest_year, stated)

    def pick(day: date, why: str, chosen: Candidate | None = None) -> Dating:
        return Dating(day, chosen.found if chosen else None, chosen.line if chosen else None, why,
                      stated, None, listed)

    if given is not None:
        return pick(given, "the sidecar's `date:`")
    ranked = sorted((c for c in candidates if c.role in _ROLE_ORDER),
                    key=lambda c: (_ROLE_ORDER.index(c.role), c.line))
    for c in ranked:
        if c.found.date is not None and c.found.date >= war_start:
            return pick(c.found.date, f"the {c.role} date on line {c.line}", c)
        settled = years.settle(c.found)
        if settled is not None:
            return pick(settled[0], f"the {c.role} date on line {c.line}, year from {settled[1]}", c)
    if stated is not None:
        return pick(war_start + timedelta(days=stated - 1), f"the stated day {stated}")
    years_today = _anniversary_today(page)
    if years_today is not None:
        day = war_start.replace(year=war_start.year + years_today)
        return pick(day, f"today is the war's anniversary number {years_today}")
    if page.stamp and len(page.stamp) == 10:
        return pick(date.fromisoformat(page.stamp), "the page store's stamp")
    if counted:
        return pick(war_start + timedelta(days=counted[0] - 1), f"the count of days (day {counted[0]})")
    late = _weaker(candidates, years, war_start)
    if late is not None:
        return pick(late[0], late[1], late[2])
    partial = next((c.found for c in [*ranked, *candidates] if c.found.year is None
                    and c.role not in {"caption", "mentioned"}), None)
    return Dating(None, None, None, "no date the text fixes", stated, partial, listed)


def _show(found: FoundDate) -> str:
    year = found.year if found.year else "????"
    return f"{year}-{found.month:02d}-{found.day:02d}"


def _candidates(page: Page) -> list[Candidate]:
    out: list[Candidate] = []
    first_text = _first_body_line(page) or 0
    for unit in page.units:
        # Clutter can carry the page's own dateline ("Friday 7 March 2025 · 4 min read", a line an
        # outlet's rule removes); never the date of another article (a "Read also" link).
        outlet_dateline = (unit.kind == "clutter" and unit.why not in _OTHER_ARTICLES
                           and unit.number < first_text and dateline_date(unit.text) is not None)
        if unit.kind == "clutter" and unit.why not in {"above the title", "caption", "credit"} \
                and not outlet_dateline:
            continue
        if unit.kind == "entry":
            if unit.day is not None:
                out.append(Candidate(unit.day, unit.number, "entry"))
            continue
        text = unit.text
        for found in find_dates(text):
            before = text[max(0, found.start - 60):found.start]
            if outlet_dateline:
                role = "dateline"
            elif unit.kind == "clutter":
                role = "header" if unit.why == "above the title" else "caption"
            elif _PUBLISHED.search(before) and not _UPDATED.search(before[-25:]):
                role = "published"
            elif _UPDATED.search(before):
                role = "updated"
            elif _NOT_THE_DAY.search(before[-14:]):
                role = "mentioned"  # "extended until 28 February", "since 24 February"
            elif unit.kind == "day" and unit.day is not None:
                role = "day"
            elif _TODAY.search(before[-16:]):
                role = "today"
            else:
                role = _ROLE_OF_KIND.get(unit.kind, "body")
                if role == "body" and found.start <= 2 and unit.number == _first_body_line(page):
                    role = "dateline"  # "Mar 19, 2022 - ISW Press...": a dateline glued to the text
            reference = bool(_TITLED.fullmatch(text[:found.start])
                             and _AFTER_TITLED.fullmatch(text[found.end:]))
            out.append(Candidate(found, unit.number, role, reference))
    return out


def _first_body_line(page: Page) -> int | None:
    return next((u.number for u in page.units if u.kind in {"body", "lead"}), None)


def _day_numbers(page: Page) -> tuple[list[int], list[int]]:
    """The day numbers the text states: ordinals as printed, counts of days as the day they name."""
    ordinal: list[int] = []
    counted: list[int] = []
    for unit in page.units:
        if unit.kind in {"clutter", "day"}:
            continue  # "Day 2" heads a section of a timeline; it is not the page's day
        for number in [*find_day_numbers(unit.text), *find_week_counts(unit.text)]:
            if number.kind == "ordinal":
                ordinal.append(number.n)
            elif number.kind == "elapsed":
                counted.append(number.n + 1)
            else:
                counted.append(number.n)
    return ordinal, counted


def _anniversary_today(page: Page) -> int | None:
    """"Dziś druga rocznica napaści", "a rally to mark the one-year anniversary ... today"."""
    for unit in page.units:
        if unit.kind != "clutter":
            for found in find_anniversaries(unit.text):
                if found.today:
                    return found.years
    return None


class _Years:
    """The year of a date printed without one, when exactly one year of the war fits."""

    def __init__(self, page: Page, candidates: list[Candidate], war_start: date, latest_year: int,
                 stated: int | None) -> None:
        self.war_start = war_start
        self.years = range(war_start.year, latest_year + 1)
        self.stated = war_start + timedelta(days=stated - 1) if stated else None
        self.stamp = page.stamp
        self.full = [c.found.date for c in candidates if c.found.date is not None]
        text = "\n".join(u.text for u in page.units if u.kind != "clutter")
        mentions = find_weekdays(text)
        self.this_weekdays = {w.weekday for w in mentions if w.this}
        self.weekdays = {w.weekday for w in mentions}

    def fits(self, found: FoundDate) -> list[date]:
        out = []
        for year in self.years:
            try:
                day = date(year, found.month, found.day)
            except ValueError:
                continue
            if day >= self.war_start:
                out.append(day)
        return out

    def settle(self, found: FoundDate) -> tuple[date, str] | None:
        if found.year is not None or found.alternatives:
            return None
        fits = self.fits(found)
        if found.weekday is not None:
            fits = [d for d in fits if d.weekday() == found.weekday]
            return (fits[0], "its weekday") if len(fits) == 1 else None
        if self.stated is not None:
            close = [d for d in fits if abs((d - self.stated).days) <= 3]
            if len(close) == 1:
                return close[0], "the stated day number"
        same = {d.year for d in self.full if (d.month, d.day) == (found.month, found.day)}
        if len(same) == 1:
            return date(same.pop(), found.month, found.day), "the same date printed with its year"
        if self.stamp and int(self.stamp[5:7]) == found.month:
            year = int(self.stamp[:4])
            chosen = [d for d in fits if d.year == year]
            if chosen:
                return chosen[0], "the page store's stamp"
        for weekdays, why in ((self.this_weekdays, "'this' weekday"), (self.weekdays, "a weekday")):
            matching = [d for d in fits if d.weekday() in weekdays]
            if weekdays and len(matching) == 1:
                return matching[0], f"{why} the text names"
        return None


def _weaker(candidates: list[Candidate], years: _Years, war_start: date
            ) -> tuple[date, str, Candidate] | None:
    for c in candidates:
        if c.role == "today" and c.found.date is not None and c.found.date >= war_start:
            return c.found.date, f"the date marked as today on line {c.line}", c
    for c in candidates:
        if c.role == "caption" and c.found.date is not None and years.this_weekdays:
            for offset in range(7):
                day = c.found.date + timedelta(days=offset)
                if day.weekday() in years.this_weekdays and len(years.this_weekdays) == 1:
                    return day, f"the caption's date on line {c.line} and 'this' weekday", c
    full = {c.found.date for c in candidates if c.found.date and c.role in {"body", "mentioned"}}
    titled = [c for c in candidates if c.role == "body" and c.found.date and c.found.date >= war_start
              and c.reference]
    if len(full) == 1 and len(titled) == 1:
        return titled[0].found.date, f"the dated report title on line {titled[0].line}", titled[0]
    return None
