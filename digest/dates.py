"""Dates, times and day numbers as news pages print them.

"September 28, 2023, Thursday // 14:26", "28th Sep 23 4:23 pm", "Wednesday, November 29, 2023",
"Sept. 28", "2023-09-28T14:26:00+03:00", "1249 GMT", "Day 582 of the invasion",
"enters its 644th day". Nothing here guesses: a date without a year keeps `year=None`, a time
without a zone keeps `zone=None`, and the caller decides what the context allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = (
    r"(?P<weekday>(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR4 = r"(?P<year>(?:19|20)\d\d)"

# Zones news pages print after a time. "GMT" on a page means UTC, never British summer time.
FIXED_ZONES: dict[str, tzinfo] = {
    "gmt": UTC, "utc": UTC, "z": UTC,
    "bst": timezone(timedelta(hours=1), "BST"),
    "cet": timezone(timedelta(hours=1), "CET"), "cest": timezone(timedelta(hours=2), "CEST"),
    "eet": timezone(timedelta(hours=2), "EET"), "eest": timezone(timedelta(hours=3), "EEST"),
    "msk": timezone(timedelta(hours=3), "MSK"),
    "est": timezone(timedelta(hours=-5), "EST"), "edt": timezone(timedelta(hours=-4), "EDT"),
    "pst": timezone(timedelta(hours=-8), "PST"), "pdt": timezone(timedelta(hours=-7), "PDT"),
}
_NAMED_ZONES = {"kyiv time": "Europe/Kyiv", "kiev time": "Europe/Kyiv", "moscow time": "Europe/Moscow"}
_ZONE = (
    r"(?P<zone>(?:gmt|utc)\s?[+-]\s?\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|gmt|utc|bst|cest|cet|eest"
    r"|eet|msk|est|edt|pst|pdt|z|kyiv time|kiev time|moscow time|local time)"
)
_CLOCK = (
    r"(?P<hour>[0-2]?\d)(?:[:.](?P<minute>[0-5]\d))?(?::(?P<second>[0-5]\d))?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?"
)

_DATE_PATTERNS = [
    # 2023-09-28, 2023-09-28T14:26:00+03:00
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)"
        r"(?:[T ](?P<iso_time>\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(?P<iso_zone>z|[+-]\d\d:?\d\d)?)?(?!\d)",
        re.I,
    ),
    # 28.09.2023 (European order; slashes are ambiguous between day and month, so not read)
    re.compile(r"(?<![\d.])(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.(?P<year>(?:19|20)\d\d)(?![\d.])"),
    # Wednesday, November 29, 2023 / September 28, 2023, Thursday / Sept. 28 / Nov. 15, 2022
    re.compile(
        rf"(?:{_WEEKDAY},?\s+)?\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR4}\b)?"
        rf"(?:,?\s+(?P<weekday2>(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b)?",
        re.I,
    ),
    # 28th Sep 23 / Thursday 28 September 2023 / 28 September
    re.compile(
        rf"(?:{_WEEKDAY},?\s+)?(?<![\d.])\b{_DAY}\s+(?:of\s+)?{_MONTH}\b"
        r"(?:,?\s+(?P<year>(?:19|20)\d\d|\d\d(?=\s+[0-2]?\d[:.]\d\d|\s*$)))?",
        re.I,
    ),
]
_TIME_PATTERN = re.compile(
    rf"(?<![\d:.])(?:{_CLOCK})(?![\d:])(?:\s*\(?{_ZONE}\)?)?(?![a-z])", re.I
)
_MILITARY_TIME = re.compile(rf"(?<![\d:.])(?P<hhmm>[0-2]\d[0-5]\d)\s*{_ZONE}(?![a-z])", re.I)
_WHITESPACE = re.compile(r"\s+")
_OFFSET = re.compile(r"(?:gmt|utc)?\s?([+-])\s?(\d{1,2}):?(\d{2})?")
_TIME_LEAD = re.compile(r"[\s,|/–—-]*(?:at\s+)?")
_DAY_NUMBER = [
    re.compile(r"\bday\s+(?P<n>\d{1,4})\s+of\s+(?:the\s+)?(?:full[- ]scale\s+|russian\s+)*"
               r"(?:invasion|war|conflict|aggression|offensive|special military operation)", re.I),
    re.compile(r"\b(?:enters?|entered|entering|marks?|on)\s+(?:its|the)\s+(?P<n>\d{1,4})"
               r"(?:st|nd|rd|th)\s+day\b", re.I),
    re.compile(r"\b(?P<n>\d{1,4})(?:st|nd|rd|th)\s+day\s+of\s+(?:the\s+)?(?:full[- ]scale\s+)?"
               r"(?:russian\s+)?(?:invasion|war|conflict|aggression)", re.I),
    re.compile(r"\bday\s+(?P<n>\d{1,4})\b(?=\s*[:|–—-]|\s*$)", re.I),
]


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A calendar date found in a line of text."""

    month: int
    day: int
    year: int | None  # None when the text gives no year
    weekday: int | None  # 0 = Monday, when the text names one
    clock: time | None  # a time given with the date
    zone: tzinfo | str | None  # a tzinfo, "local" (the outlet's own time), or None
    start: int
    end: int

    @property
    def date(self) -> date | None:
        return date(self.year, self.month, self.day) if self.year else None

    def weekday_mismatch(self) -> bool:
        day = self.date
        return day is not None and self.weekday is not None and day.weekday() != self.weekday


@dataclass(frozen=True, slots=True)
class FoundTime:
    clock: time
    zone: tzinfo | str | None  # tzinfo, "local", or None when no zone is printed
    start: int
    end: int


def _month_number(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")[:3]]


def _weekday_number(name: str | None) -> int | None:
    return _WEEKDAYS.index(name.lower()[:3]) if name else None


def parse_zone(text: str | None) -> tzinfo | str | None:
    """A zone as printed after a time: tzinfo, "local", or None when absent or unknown."""
    if not text:
        return None
    key = _WHITESPACE.sub(" ", text.strip().lower())
    if key in FIXED_ZONES:
        return FIXED_ZONES[key]
    if key in _NAMED_ZONES:
        return ZoneInfo(_NAMED_ZONES[key])
    if key == "local time":
        return "local"
    offset = _OFFSET.fullmatch(key)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        if delta <= timedelta(hours=14):
            return timezone(sign * delta)
    return None


def _clock(hour: str, minute: str | None, second: str | None, ampm: str | None) -> time | None:
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if ampm:
        if not 1 <= h <= 12:
            return None
        pm = ampm.lower().startswith("p")
        h = (h % 12) + (12 if pm else 0)
    elif minute is None:
        return None  # a bare number is not a time
    if h > 23:
        return None
    return time(h, m, s)


def find_time(text: str) -> FoundTime | None:
    """The first clock time in `text` ("14:26", "4:23 pm", "1249 GMT", "10.05 BST")."""
    best: FoundTime | None = None
    for match in _TIME_PATTERN.finditer(text):
        g = match.groupdict()
        if g["minute"] is None and not g["ampm"]:
            continue
        clock = _clock(g["hour"], g["minute"], g["second"], g["ampm"])
        if clock is not None:
            best = FoundTime(clock, parse_zone(g["zone"]), match.start(), match.end())
            break
    military = _MILITARY_TIME.search(text)
    if military and (best is None or military.start() < best.start):
        hhmm = military.group("hhmm")
        if int(hhmm[:2]) < 24:
            return FoundTime(time(int(hhmm[:2]), int(hhmm[2:])), parse_zone(military.group("zone")),
                             military.start(), military.end())
    return best


def find_dates(text: str) -> list[FoundDate]:
    """Every calendar date in `text`, in order, without overlaps: where two readings overlap,
    the one that starts first wins, then the longer ("28th Sep 23" over "Sep 23")."""
    candidates = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parsed = _from_match(match, text)
            if parsed is not None:
                candidates.append(parsed)
    candidates.sort(key=lambda f: (f.start, f.start - f.end))
    found: list[FoundDate] = []
    for candidate in candidates:
        if not found or candidate.start >= found[-1].end:
            found.append(candidate)
    return found


def _from_match(match: re.Match[str], text: str) -> FoundDate | None:
    g = match.groupdict()
    # Month and weekday names are capitalised in English; "may" in lower case is a verb.
    for name in ("month", "weekday"):
        if g.get(name) and not g[name][0].isupper():
            return None
    month = int(g["mnum"]) if g.get("mnum") else _month_number(g["month"])
    day = int(g["day"])
    year: int | None = None
    if g.get("year"):
        year = int(g["year"])
        if year < 100:
            year += 2000
    try:
        date(year or 2024, month, day)  # 2024 is a leap year: 29 February is a real day
    except ValueError:
        return None
    weekday = _weekday_number(g.get("weekday") or g.get("weekday2"))
    clock: time | None = None
    zone: tzinfo | str | None = None
    end = match.end()
    if g.get("iso_time"):
        clock = time.fromisoformat(g["iso_time"])
        zone = parse_zone(g["iso_zone"]) if g.get("iso_zone") else None
    else:
        # A time close after the date belongs to it: "…, Thursday // 14:26", "28th Sep 23 4:23 pm".
        rest = text[end:end + 40]
        lead = _TIME_LEAD.match(rest)
        offset = lead.end() if lead else 0
        found = find_time(rest[offset:])
        if found and found.start == 0:
            clock, zone = found.clock, found.zone
            end += offset + found.end
    return FoundDate(month, day, year, weekday, clock, zone, match.start(), end)


def find_day_number(text: str) -> int | None:
    """The war's day number a text states ("Day 582 of the invasion", "its 644th day")."""
    for pattern in _DAY_NUMBER:
        match = pattern.search(text)
        if match:
            return int(match.group("n"))
    return None


def to_aware(day: date, clock: time, zone: tzinfo | None) -> datetime | None:
    """A date and a clock time in a zone, or None when the zone is unknown."""
    if zone is None:
        return None
    return datetime.combine(day, clock).replace(tzinfo=zone)


def resolve_zone(zone: tzinfo | str | None, local: str | None) -> tzinfo | None:
    """The zone a printed time is in: as printed, else the outlet's own zone (`local`)."""
    if isinstance(zone, tzinfo):
        return zone
    return ZoneInfo(local) if local else None
