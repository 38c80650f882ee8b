"""Dates, times, weekdays and war day numbers as news pages print them, in English, Ukrainian,
Russian, Polish, German, French and Spanish.

Dates: "September 28, 2023, Thursday // 14:26", "Friday, Nov. 29, 2024", "Sept. 28", "28th Sep 23
4:23 pm", "Published On 27 Nov 202427 Nov 2024" (glued: the first is read), "У неділю, 30 квітня",
"19 листопада 2024 року", "23:30 - 8 декабря", "24 lutego 2022 roku", "29. Juni 2022, 19:30 Uhr",
"jeudi 24 février 2022", "1er mars", "miércoles 25 de junio de 2025", "2023-09-28T14:26:00+03:00",
"28.09.2023", "23-01-2024 10:48 IST" and "04/03/2025" (day and month order unknown: both readings
are kept unless a printed weekday settles it). Month and weekday names come from CLDR, in every
case form, so inflected names ("у травні", "w sobotę") read too; English ones must be capitalised
("may" is a verb). A month with a year and no day ("February 2022") is not a date.

Times: "14:05", "10:05 am", "9:20 p.m.", "7 p.m.", "1432 GMT", "19:30 Uhr", "19h45", "02:35 Kyiv
time", "12:49 GMT+2", "17:40 Uhr Ortszeit"; "14.05" only where it cannot be a number: at the start
of a line ("++22.45++"), after a date, or followed by a zone, "Uhr" or "h".

Weekdays: every printed name (inflected too), with whether it is marked as today ("this Monday",
"ce jeudi", "hoy miércoles", "сьогодні, у неділю").

Day numbers of the war: ordinals ("Day 582 of the invasion", "enters its 644th day", "431-й день
війни", "101. dniem wojny", "le 348e jour", "su día 1218", "the third day"), elapsed counts ("500
days ago", "Après 348 jours de guerre": over, so day n+1) and counts ("100 Tage Krieg"). A number
counts only next to a word of the war, or as a heading of its own ("Day 2").

Nothing here guesses: a date without a year keeps `year=None`, a time without a zone keeps
`zone=None`, and the caller decides what the context allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo

from . import date_names as names
from .date_names import norm, phrases, trie_pattern

_S = r"[^\S\n]"  # a space inside one line: a date or a time never spans two
_DATA = names.data()

# Zones news pages print after a time. "GMT" on a page means UTC, never British summer time; IST is
# India's (the English-language pages that print it are Indian).
FIXED_ZONES: dict[str, tzinfo] = {
    "gmt": UTC, "utc": UTC, "z": UTC,
    "bst": timezone(timedelta(hours=1), "BST"),
    "cet": timezone(timedelta(hours=1), "CET"), "cest": timezone(timedelta(hours=2), "CEST"),
    "eet": timezone(timedelta(hours=2), "EET"), "eest": timezone(timedelta(hours=3), "EEST"),
    "msk": timezone(timedelta(hours=3), "MSK"),
    "est": timezone(timedelta(hours=-5), "EST"), "edt": timezone(timedelta(hours=-4), "EDT"),
    "pst": timezone(timedelta(hours=-8), "PST"), "pdt": timezone(timedelta(hours=-7), "PDT"),
    "ist": timezone(timedelta(hours=5, minutes=30), "IST"),
}
_ABBREVIATIONS = "|".join(sorted((z.upper() for z in FIXED_ZONES if z != "z"), key=len, reverse=True))
# Abbreviations only in capitals: "est" and "ist" are words in French and German.
_ONE_ZONE = (rf"(?:(?-i:GMT|UTC){_S}?[+-]{_S}?\d{{1,2}}(?::?\d{{2}})?|[+-]\d{{2}}:?\d{{2}}"
             rf"|(?-i:{_ABBREVIATIONS})|{trie_pattern(names.ZONE_PHRASES)})(?!\w)")
_ZONE = rf"(?P<zone>\(?{_S}*{_ONE_ZONE}(?:{_S}*[,/]{_S}*{_ONE_ZONE})?\)?)"
_OFFSET = re.compile(r"(?:gmt|utc)?\s?([+-])\s?(\d{1,2}):?(\d{2})?")

_AMPM = rf"(?P<ampm>[ap]\.?{_S}?m\b\.?)"
_TAIL = rf"(?:{_S}*(?P<uhr>uhr\b|h\b|год\.|godz\.))?(?:{_S}*{_ZONE})?"
_FREE = r"(?:(?<=\dT)|(?<![\w:.,]))"  # not glued to a word or number; "…T14:26" (ISO) is fine
_TIME_PATTERNS = tuple(re.compile(p, re.I) for p in (
    # 14:05, 14.05, 10:05 am, 19:30 Uhr, 02:35 Kyiv time (a dotted one is checked by the caller)
    rf"{_FREE}(?P<hour>[01]?\d|2[0-3])(?P<sep>[:.])(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
    rf"(?!\d|[.,:]\d|{_S}?%)(?:{_S}?{_AMPM})?{_TAIL}",
    rf"{_FREE}(?P<hour>[01]?\d|2[0-3]){_S}?h{_S}?(?P<minute>[0-5]\d)(?!\d)(?:{_S}*{_ZONE})?",  # 19h45
    rf"{_FREE}(?P<hour>1[0-2]|0?[1-9]){_S}?{_AMPM}(?:{_S}*{_ZONE})?",  # 7 p.m.
    rf"{_FREE}(?P<military>)(?P<hour>[01]\d|2[0-3])(?P<minute>[0-5]\d){_S}*{_ZONE}",  # 1249 GMT
))
_LINE_LEAD = re.compile(r"[^\S\n]*[-+*•·#>\[(|–—]*[^\S\n]*")
_SEPARATORS = re.compile(rf"{_S}*[-–—,|/]*{_S}*")


_EN_MONTH = trie_pattern(names.ENGLISH_MONTHS)
_NOT_A_MONTH = rf"(?!(?:{phrases('month_homographs')})(?!\w))"  # "5 травм" are injuries, not May
_MONTH = (rf"(?P<month>{trie_pattern(names.MONTHS)}(?!\w)"
          rf"|{_NOT_A_MONTH}{trie_pattern(names.MONTH_STEMS)}\w{{0,3}}(?!\w))\.?")
_WEEKDAY_FULL = trie_pattern(names.WEEKDAYS)
_LONG_ABBR = trie_pattern(w for w in names.WEEKDAY_ABBREVIATIONS if len(w) > 2)
_SHORT_ABBR = trie_pattern(w for w in names.WEEKDAY_ABBREVIATIONS if len(w) <= 2)
# A year may run into a repeat of the date ("27 Nov 202427 Nov 2024"), never into other digits.
_YEAR = r"(?:19|20)\d\d(?:(?!\d)|(?=[0-3]?\d[^\S\n]*[^\W\d_]))"
_YEAR_SUFFIX = rf"(?:{_S}*(?:{phrases('year_suffixes')})(?:(?<=\.)|(?!\w)))?"
_WEEKDAY_AFTER = rf"(?:,?{_S}+(?P<wd2>{_WEEKDAY_FULL})(?![\w'’]))?"
_DATE_PATTERNS = tuple(re.compile(p, re.I) for p in (
    # 2023-09-28, 2023-09-28T14:26:00+03:00
    r"(?<![\d.,/-])(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)"
    r"(?:T(?P<iso_time>\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(?P<iso_zone>z|[+-]\d\d:?\d\d)?)?(?![\d/]|-\d)",
    # 28.09.2023, 24.02.22 (European order)
    rf"(?<![\d.,])(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.(?P<year>{_YEAR})(?!\.\d)",
    r"(?<![\d.,])(?P<day>[0-3]\d)\.(?P<mnum>[01]\d)\.(?P<year2>\d\d)(?!\d|\.\d)",
    # 04/03/2025, 23-01-2024: the order is read from the numbers, or left open
    r"(?<![\d.,/-])(?P<a>[0-3]?\d)(?P<sep>[/-])(?P<b>[0-3]?\d)(?P=sep)(?P<year>(?:19|20)\d\d)(?![\d/]|-\d)",
    # Wednesday, November 29, 2023 / September 28, 2023, Thursday / Sept. 28 (English order)
    rf"(?<![\w.])(?P<month>{_EN_MONTH})(?:\.|(?!\w)){_S}*(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\w|[.,:]\d)"
    rf"(?:,?{_S}+(?P<year>{_YEAR}))?{_WEEKDAY_AFTER}",
    # 28 вересня 2023 р. / 29. Juni 2022 / 1er mars / 25 de junio de 2025 / 28th Sep 23 4:23 pm
    rf"(?<![\w.,/:+-])(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.|º|°)?{_S}*(?:(?:of|de){_S}+)?{_MONTH}"
    rf"(?:,?{_S}*(?:(?:de|del){_S}+)?(?P<year>{_YEAR}){_YEAR_SUFFIX}"
    rf"|,?{_S}+(?P<year2>\d\d)(?={_S}+[0-2]?\d[:.]\d\d|\s*$))?{_WEEKDAY_AFTER}",
))
_WEEKDAY_BEFORE = re.compile(
    rf"(?<![\w'’])(?P<wd>{_WEEKDAY_FULL}(?!\w)|{_LONG_ABBR}(?!\w)\.?|{_SHORT_ABBR}(?=[.,])\.?)"
    rf"{_S}*,?{_S}*(?:den{_S}+)?\Z", re.I)
_TIME_LEAD = re.compile(rf"{_S}*(?:[,|/–—-]+{_S}*)*(?:(?:{phrases('time_leads')})(?:(?<=\.)|(?!\w)))?{_S}*",
                        re.I)
_WEEKDAY_WORD = re.compile(rf"(?<![\w'’])(?:{_WEEKDAY_FULL})(?!\w)", re.I)
_THIS_BEFORE = re.compile(rf"(?<!\w)(?:{phrases('this_before')}){_S}*,?{_S}*"
                          rf"(?:(?:{phrases('weekday_prepositions')}){_S}+)?\Z", re.I)
_THIS_AFTER = re.compile(rf"{_S}*,?{_S}*(?:{phrases('this_after')})(?!\w)", re.I)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A calendar date found in a line of text."""

    month: int
    day: int
    year: int | None  # None when the text gives no year
    weekday: int | None  # 0 = Monday, when the text names one
    clock: time | None  # a time given with the date, before or after it
    zone: tzinfo | str | None  # a tzinfo, "local" (the outlet's own time), or None
    start: int
    end: int
    alternatives: tuple[tuple[int, int], ...] = ()  # other (month, day) readings of 04/03/2025

    @property
    def date(self) -> date | None:
        """The date, when the year is printed and the reading is not ambiguous."""
        return date(self.year, self.month, self.day) if self.year and not self.alternatives else None

    def weekday_mismatch(self) -> bool:
        """A printed weekday that no reading of the date falls on: a misprint or a misreading."""
        if self.year is None or self.weekday is None:
            return False
        readings = [(self.month, self.day), *self.alternatives]
        return all(date(self.year, m, d).weekday() != self.weekday for m, d in readings)


@dataclass(frozen=True, slots=True)
class FoundTime:
    clock: time
    zone: tzinfo | str | None  # tzinfo, "local", or None when no zone is printed
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FoundWeekday:
    weekday: int  # 0 = Monday
    start: int
    end: int
    this: bool  # marked as the current day: "this Monday", "ce jeudi", "сьогодні, у неділю"


@dataclass(frozen=True, slots=True)
class FoundDayNumber:
    n: int
    kind: str  # "ordinal" (day n), "elapsed" (n days are over: day n+1), "count" (day n, or n+1)
    start: int
    end: int


_Found = TypeVar("_Found", FoundDate, FoundTime, FoundDayNumber)


def parse_zone(text: str | None) -> tzinfo | str | None:
    """A zone as printed after a time: tzinfo, "local", or None when absent or unknown. Of two
    ("Hora ucraniana, GMT+2"), a printed offset wins over a name."""
    if not text:
        return None
    found: list[tzinfo | str] = []
    for part in re.split(r"[,/]", text.strip().strip("()")):
        key = norm(part)
        offset = _OFFSET.fullmatch(key)
        if offset:
            sign = -1 if offset.group(1) == "-" else 1
            delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
            if delta <= timedelta(hours=14):
                return timezone(sign * delta)
        elif key in FIXED_ZONES:
            found.append(FIXED_ZONES[key])
        elif key in names.ZONE_PHRASES:
            zone = names.ZONE_PHRASES[key]
            found.append(zone if zone == "local" else UTC if zone == "UTC" else ZoneInfo(zone))
    return found[0] if found else None


def _clock(hour: str, minute: str | None, second: str | None, ampm: str | None) -> time | None:
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = (h % 12) + (12 if ampm.lower().startswith("p") else 0)
    elif minute is None:
        return None  # a bare number is not a time
    return time(h, m, s) if h <= 23 else None


def _time_from(match: re.Match[str], text: str, after_date: bool) -> FoundTime | None:
    g = match.groupdict()
    if g.get("sep") == ".":  # 14.05 is also a number: it needs a mark of a time
        marked = g.get("ampm") or g.get("uhr") or g.get("zone")
        line_start = text.rfind("\n", 0, match.start()) + 1
        at_line_start = _LINE_LEAD.fullmatch(text, line_start, match.start()) is not None
        if not (marked or at_line_start or (after_date and len(g["hour"]) == 2)):
            return None
    if g.get("military") is not None and g["zone"].lstrip("( ")[:1] in "+-":
        return None  # "2022 +0300" is a year, not 20:22
    clock = _clock(g["hour"], g.get("minute"), g.get("second"), g.get("ampm"))
    if clock is None:
        return None
    return FoundTime(clock, parse_zone(g.get("zone")), match.start(), match.end())


def find_times(text: str) -> list[FoundTime]:
    """Every clock time in `text`, in order, without overlaps."""
    if not _DIGIT.search(text):
        return []
    found = [t for p in _TIME_PATTERNS for m in p.finditer(text) if (t := _time_from(m, text, False))]
    return _without_overlaps(found)


def find_time(text: str) -> FoundTime | None:
    """The first clock time in `text` ("14:26", "4:23 pm", "1249 GMT", "10.05 BST")."""
    found = find_times(text)
    return found[0] if found else None


def _time_at(text: str, pos: int) -> FoundTime | None:
    """A time that starts exactly at `pos` (just after a date)."""
    for pattern in _TIME_PATTERNS:
        match = pattern.match(text, pos)
        if match and (found := _time_from(match, text, True)):
            return found
    return None


def _time_before(text: str, lo: int, pos: int) -> FoundTime | None:
    """A time after `lo` that ends just before `pos`, only separators between."""
    lo = max(lo, pos - 48)
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(text, lo, pos):
            if _SEPARATORS.fullmatch(text, match.end(), pos) and (found := _time_from(match, text, True)):
                return found
    return None


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    # Of two overlapping readings the one that starts first wins, then the longer one.
    found.sort(key=lambda f: (f.start, f.start - f.end))
    kept: list[_Found] = []
    for candidate in found:
        if not kept or candidate.start >= kept[-1].end:
            kept.append(candidate)
    return kept


def find_dates(text: str) -> list[FoundDate]:
    """Every calendar date in `text`, in order, without overlaps: where two readings overlap,
    the one that starts first wins, then the longer ("28th Sep 23" over "Sep 23")."""
    if not _DIGIT.search(text):
        return []
    found = _without_overlaps([f for p in _DATE_PATTERNS for m in p.finditer(text)
                               if (f := _from_match(m, text))])
    for i, f in enumerate(found):
        # A time just before a date is its time ("23:30 - 8 декабря"), unless a date before claimed it.
        before = None if f.clock else _time_before(text, found[i - 1].end if i else 0, f.start)
        if before:
            found[i] = replace(f, clock=before.clock, zone=before.zone, start=before.start)
    return found


def _capitalised(word: str | None, english: frozenset[str]) -> bool:
    # Month and weekday names are capitalised in English; "may" in lower case is a verb.
    return not word or word[0].isupper() or norm(word) not in english


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        date(year or 2024, month, day)  # 2024 is a leap year: 29 February is a real day
    except ValueError:
        return False
    return True


def _from_match(match: re.Match[str], text: str) -> FoundDate | None:
    g = match.groupdict()
    if not _capitalised(g.get("month"), names.CAPITALISED_MONTHS):
        return None
    year = int(g["year"][:4]) if g.get("year") else (2000 + int(g["year2"]) if g.get("year2") else None)
    start, end = match.start(), match.end()
    if g.get("month") and end == match.end("month") + 1 and len(norm(g["month"])) >= 5:
        end -= 1  # "…до 28 февраля." ends a sentence: the dot is no abbreviation's
    weekday: int | None = None
    before = _WEEKDAY_BEFORE.search(text, max(0, start - 40), start)
    if before and _capitalised(before.group("wd"), names.CAPITALISED_WEEKDAYS):
        weekday, start = names.weekday_number(before.group("wd")), before.start()
    if g.get("wd2") and _capitalised(g["wd2"], names.CAPITALISED_WEEKDAYS):
        weekday = names.weekday_number(g["wd2"])
    if g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        readings = [r for r in dict.fromkeys([(b, a), (a, b)]) if _valid(year, *r)]
        if weekday is not None and year:
            settled = [r for r in readings if date(year, *r).weekday() == weekday]
            readings = settled if len(settled) == 1 else readings
    else:
        month = int(g["mnum"]) if g.get("mnum") else names.month_number(g["month"])
        readings = [(month, int(g["day"]))] if month and _valid(year, month, int(g["day"])) else []
    if not readings:
        return None
    clock: time | None = None
    zone: tzinfo | str | None = None
    if g.get("iso_time"):
        clock = time.fromisoformat(g["iso_time"])
        zone = parse_zone(g["iso_zone"])
    else:
        lead = _TIME_LEAD.match(text, end)
        after = _time_at(text, lead.end() if lead else end)
        if after:
            clock, zone, end = after.clock, after.zone, after.end
    (month, day), *others = readings
    return FoundDate(month, day, year, weekday, clock, zone, start, end, tuple(others))


def find_weekdays(text: str) -> list[FoundWeekday]:
    """Every weekday named in `text`, those inside a date included (a caller that has the dates
    skips the ones within their spans). Abbreviations count only inside dates ("Do." is a word)."""
    found: list[FoundWeekday] = []
    for match in _WEEKDAY_WORD.finditer(text):
        word = match.group()
        if not _capitalised(word, names.CAPITALISED_WEEKDAYS):
            continue
        number = names.weekday_number(word)
        if number is None:
            continue
        this = bool(_THIS_BEFORE.search(text, max(0, match.start() - 32), match.start())
                    or _THIS_AFTER.match(text, match.end()))
        found.append(FoundWeekday(number, match.start(), match.end(), this))
    return found


_NOUN = re.compile(rf"(?<!\w)(?:{trie_pattern(names.DAY_NOUNS)})(?!\w)", re.I)
_NUMBER = r"[1-9]\d{0,2}(?:[,.\u00a0\u202f]\d{3})+|[1-9]\d{0,3}"
_NUMBER_SPACED = r"[1-9]\d{0,2}(?:[,.\u00a0\u202f ]\d{3})+|[1-9]\d{0,3}"  # "1 000 днів"
_ORDINAL_WORD = trie_pattern(names.ORDINALS)
_CARDINAL_WORD = trie_pattern(names.CARDINALS)
_SUFFIXES = {lang: {x.lower() for x in groups["suffixes"]} for lang, groups in _DATA["day_nouns"].items()}
# What stands before a day noun: "431-й ", "the 556th ", "101. ", "третій ", "500 ", "100-".
_BEFORE_NOUN = re.compile(
    rf"(?<![\w.,])(?:(?P<num>{_NUMBER_SPACED})(?P<suf>{trie_pattern(set().union(*_SUFFIXES.values()))})?"
    rf"|(?P<ord>{_ORDINAL_WORD})|(?P<card>{_CARDINAL_WORD}))(?P<gap>{_S}+|-)\Z", re.I)
_AFTER_NOUN = re.compile(rf"{_S}+(?:(?P<num>{_NUMBER})|(?P<card>{_CARDINAL_WORD}))(?!\w|[.,]\d)", re.I)
_PLAIN = {lang for lang, groups in _DATA["day_nouns"].items() if groups.get("plain")}
_WAR_WORDS = [norm(w) for ws in _DATA["war_words"].values() for w in ws]
_WAR = re.compile(rf"(?<!\w)(?:{trie_pattern(w for w in _WAR_WORDS if not w.endswith('$'))}"
                  rf"|(?:{trie_pattern(w[:-1] for w in _WAR_WORDS if w.endswith('$'))})(?!\w))", re.I)
_FILLERS = {part for w in _DATA["war_fillers"] for part in norm(w).split()}
_GENITIVES = {norm(w) for w in _DATA["genitive_words"]}
_TOKEN = re.compile(r"\w+(?:['’]\w+)?['’]?")
_ELISION = re.compile(r"[ld]['’](?=\w)", re.I)
_ELAPSED_BEFORE = re.compile(rf"(?<!\w)(?:{phrases('elapsed_before')}){_S}+(?:a{_S}+)?(?:full{_S}+)?\Z",
                             re.I)
_AGO_BEFORE = re.compile(rf"(?<!\w)(?:{phrases('ago_before')}){_S}+\Z", re.I)
_ELAPSED_AFTER = re.compile(rf"{_S}+(?:{phrases('elapsed_after')})(?!\w)", re.I)
_COUNT_AFTER = re.compile(rf"{_S}+(?:{phrases('count_after')})(?!\w)", re.I)
_REFERENCE = re.compile(rf"(?<!\w)(?:{phrases('reference_before')})(?:{_S}+(?:the|dem|le|el|la))?{_S}+\Z",
                        re.I)
_STREAK = re.compile(rf"{_S}+(?:{phrases('streak_after')})(?!\w)", re.I)
_HEADING_LEAD = re.compile(r"[\s#*•·>|–—-]*")
_HEADING_TAIL = re.compile(r"\s*(?:[:.|–—-].*)?", re.S)
_HEADING_END = re.compile(r".*[,:|–—-]\s*", re.S)


def _line(text: str, start: int, end: int) -> tuple[int, int]:
    stop = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if stop < 0 else stop


def _war_near(text: str, start: int, end: int) -> bool:
    lo, hi = _line(text, start, end)  # the span itself may say it: "am dritten Kriegstag"
    return bool(_WAR.search(text, max(lo, start - 80), min(hi, end + 60)))


def _after_context(text: str, pos: int) -> str:
    """What the words after a day number are about: "war" ("of the full-scale invasion", "війни"),
    "other" ("of the talks": a genitive of something else), or "none" (nothing said)."""
    genitive = False
    for token in _TOKEN.finditer(text, pos, _line(text, pos, pos)[1]):
        word = norm(token.group())
        if not genitive and word in _GENITIVES and token.start() - pos < 3:
            genitive = True
            continue
        start = token.start()
        if elision := _ELISION.match(text, start):
            start, word = elision.end(), word[2:]
        if word in _FILLERS:
            continue
        return "war" if _WAR.match(text, start) else "other" if genitive else "none"
    return "none"


def _is_heading(text: str, start: int, end: int) -> bool:
    # "Day 2", "Day 2: Russian troops…" and "…key events, day 748" head a day of a live blog.
    lo, hi = _line(text, start, end)
    if _HEADING_LEAD.fullmatch(text, lo, start) and _HEADING_TAIL.fullmatch(text, end, hi):
        return True
    return bool(_HEADING_END.fullmatch(text, lo, start)) and not text[end:hi].strip(" .")


def _number(match: re.Match[str]) -> int | None:
    g = match.groupdict()
    if g.get("num"):
        n = int(re.sub(r"\D", "", g["num"]))
    else:
        n = names.ORDINALS.get(norm(g["ord"])) if g.get("ord") else names.CARDINALS.get(norm(g["card"]))
    return n if n and 1 <= n <= 5000 else None


def _ordinal(text: str, start: int, end: int, heading: bool = False) -> bool:
    if _REFERENCE.search(text, max(0, start - 16), start) or _STREAK.match(text, end):
        return False
    context = _after_context(text, end)
    if context != "none":
        return context == "war"
    return _war_near(text, start, end) or (heading and _is_heading(text, start, end))


def _count_kind(text: str, start: int, noun_end: int, hyphen: bool) -> str | None:
    """"elapsed", "count" or None for "N days" (a count of days, not the day itself)."""
    elapsed_before = _ELAPSED_BEFORE.search(text, max(0, start - 28), start)
    ago = _ELAPSED_AFTER.match(text, noun_end) or _AGO_BEFORE.search(text, max(0, start - 12), start)
    if not hyphen and ago and _war_near(text, start, noun_end):
        return "elapsed"
    if not hyphen and _after_context(text, noun_end) == "war":
        return "elapsed" if elapsed_before else "count"
    if _COUNT_AFTER.match(text, noun_end) and _war_near(text, start, noun_end):
        return "count"
    return None


def _day_number(text: str, noun: re.Match[str]) -> FoundDayNumber | None:
    lang, cls = names.DAY_NOUNS[norm(noun.group())]
    before = _BEFORE_NOUN.search(text, max(0, noun.start() - 48), noun.start())
    if before and before.group("suf") and before.group("suf").lower() not in _SUFFIXES[lang]:
        before = None  # "348e" is French: not before "день"
    n = _number(before) if before else None
    if before and n:
        hyphen = before.group("gap") == "-"
        ordinal = before.group("ord") or before.group("suf") or (
            before.group("num") and lang in _PLAIN and cls == "singular")
        if ordinal and not hyphen and cls != "plural":
            if _ordinal(text, before.start(), noun.end()):
                return FoundDayNumber(n, "ordinal", before.start(), noun.end())
        elif not ordinal and (cls != "singular" or hyphen):
            kind = _count_kind(text, before.start(), noun.end(), hyphen)
            if kind:
                return FoundDayNumber(n, kind, before.start(), noun.end())
    after = _AFTER_NOUN.match(text, noun.end()) if cls == "singular" else None
    n = _number(after) if after else None
    if after and n and _ordinal(text, noun.start(), after.end(), heading=True):
        return FoundDayNumber(n, "ordinal", noun.start(), after.end())
    return None


def find_day_numbers(text: str) -> list[FoundDayNumber]:
    """Every day number of the war `text` states, in order: ordinals ("Day 582 of the invasion",
    "431-й день війни"), elapsed counts ("500 days ago": read as day n+1) and counts ("100 Tage
    Krieg"). A number counts only next to a word of the war, or as a heading of its own."""
    found = [f for m in _NOUN.finditer(text) if (f := _day_number(text, m))]
    return _without_overlaps(found)


def find_day_number(text: str) -> int | None:
    """The war's day number a text states, as stated: the first ordinal, else the first count."""
    found = find_day_numbers(text)
    ordinal = next((f for f in found if f.kind == "ordinal"), found[0] if found else None)
    return ordinal.n if ordinal else None


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


@dataclass(frozen=True, slots=True)
class FoundAnniversary:
    years: int  # "the second anniversary": 2
    today: bool  # the same line says it is today ("Dziś druga rocznica", "... in Paris today")
    start: int
    end: int


_NUMBER_WORD = r"(?P<n>\d{1,2}|[^\W\d_]+)"
_ANNIVERSARY = re.compile(rf"(?<!\w)(?:{names.phrases('anniversary_nouns')})(?!\w)", re.IGNORECASE)
_YEARS_SUFFIX = re.compile(r"(?:st|nd|rd|th|\.|-?year|-?річн\w*|-?летн\w*|-?jährig\w*)$", re.IGNORECASE)
# "one week since Russia invaded", "two weeks into the war": counted from the war's start, which
# the words after say (not "the offensive ... three weeks ago", another count).
_WEEKS = re.compile(rf"(?<!\w){_NUMBER_WORD}\s+(?:{names.phrases('week_nouns')})\s+(?:since|into|of|ago"
                    r"|after|від|з|с|od|seit|depuis|desde|de)(?!\w)", re.IGNORECASE)
# Feminine ordinals ("druga rocznica", "третя річниця", "третья годовщина") to the masculine forms
# num2words spells.
_FEMININE = (("ья", "ий"), ("ая", "ый"), ("ая", "ой"), ("ая", "ий"), ("я", "ій"), ("а", "ий"),
             ("a", "i"), ("a", "y"), ("e", ""), ("te", "ter"))
_TODAY_WORDS = re.compile(rf"(?<!\w)(?:{names.phrases('this_after')}|today)(?!\w)", re.IGNORECASE)


def _small_number(word: str) -> int | None:
    word = _YEARS_SUFFIX.sub("", word) if not word.isdigit() else word
    if word.isdigit():
        return int(word)
    key = norm(word)
    found = names.ORDINALS.get(key) or names.CARDINALS.get(key)
    for ending, masculine in _FEMININE:
        if found is None and key.endswith(ending):
            found = names.ORDINALS.get(key[: -len(ending)] + masculine)
    return found


def find_anniversaries(text: str) -> list[FoundAnniversary]:
    """Anniversaries of the war a text names ("the one-year anniversary of Russia's invasion")."""
    out = []
    for match in _ANNIVERSARY.finditer(text):
        before = re.findall(r"[\w.’'-]+", text[max(0, match.start() - 30):match.start()])[-2:]
        years = next((n for w in reversed(before) if (n := _small_number(w.strip("-")))), None)
        if years and years <= 20 and _war_near(text, match.start(), match.end()):
            lo, hi = _line(text, match.start(), match.end())
            out.append(FoundAnniversary(years, bool(_TODAY_WORDS.search(text, lo, hi)),
                                        match.start(), match.end()))
    return out


def find_week_counts(text: str) -> list[FoundDayNumber]:
    """Weeks of war counted as days elapsed ("one week since Russia invaded" is 7 days over)."""
    out = []
    for match in _WEEKS.finditer(text):
        weeks = _small_number(match.group("n"))
        if weeks and weeks <= 60 and _WAR.search(text, match.end(), match.end() + 50):
            out.append(FoundDayNumber(7 * weeks, "elapsed", match.start(), match.end()))
    return out
