"""Stage `dates`: every case of tests/fixtures/dates.txt and tests/fixtures/date_parts.txt, id = its
line number, plus the behaviour the fixtures cannot show (spans, several dates, speed)."""

from __future__ import annotations

import re
import time as clock
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.dates import (
    FoundDate,
    find_dates,
    find_day_number,
    find_day_numbers,
    find_time,
    find_times,
    find_weekdays,
    parse_zone,
)

FIXTURES = Path(__file__).parent / "fixtures"
LANGUAGES = {"en", "uk", "ru", "pl", "de", "fr", "es"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"(?P<kind>time|day|weekday) (?P<lang>[a-z]{2}): (?P<text>.*?) \|\| (?P<expected>.*)")


def _lines(name: str) -> list[tuple[int, str]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.startswith("#")]


def _date_cases() -> list:
    cases = []
    for number, line in _lines("dates.txt"):
        text, expected = (part.strip() for part in line.split("||"))
        cases.append(pytest.param(text, expected, id=f"line{number}"))
    return cases


def _part_cases(kind: str) -> list:
    cases = []
    for number, line in _lines("date_parts.txt"):
        match = _PART.fullmatch(line)
        assert match and match["lang"] in LANGUAGES, f"date_parts.txt:{number}: malformed case"
        if match["kind"] == kind:
            cases.append(pytest.param(match["text"], match["expected"].strip(), id=f"line{number}"))
    return cases


def _zone_name(zone: tzinfo | str | None, day: date) -> str:
    if zone is None or isinstance(zone, str):
        return "local"
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=zone).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _describe(text: str, with_weekday: bool) -> str:
    found = find_dates(text)
    if not found:
        return "none"
    first = found[0]
    readings = [(first.month, first.day), *first.alternatives]
    if first.year:
        day = "|".join(date(first.year, m, d).isoformat() for m, d in sorted(readings))
    else:
        day = f"--{first.month:02d}-{first.day:02d}"
    if first.clock is not None:
        when = date(first.year or 2024, first.month, first.day)
        day += f" {first.clock:%H:%M} {_zone_name(first.zone, when)}"
    if with_weekday:
        day += f" wd={WEEKDAYS[first.weekday]}" if first.weekday is not None else " wd=none"
    return day


@pytest.mark.parametrize(("text", "expected"), _date_cases())
def test_date_fixture(text: str, expected: str) -> None:
    assert _describe(text, " wd=" in expected) == expected


@pytest.mark.parametrize(("text", "expected"), _part_cases("time"))
def test_time_fixture(text: str, expected: str) -> None:
    found = find_time(text)
    if found is None:
        assert expected == "none"
        return
    zone = found.zone
    if isinstance(zone, ZoneInfo):
        name = zone.key
    elif zone is None:
        name = "-"
    else:
        name = _zone_name(zone, date(2024, 1, 15))
    assert f"{found.clock:%H:%M} {name}" == expected


@pytest.mark.parametrize(("text", "expected"), _part_cases("day"))
def test_day_number_fixture(text: str, expected: str) -> None:
    found = "; ".join(f"{f.n} {f.kind}" for f in find_day_numbers(text))
    assert (found or "none") == expected


@pytest.mark.parametrize(("text", "expected"), _part_cases("weekday"))
def test_weekday_fixture(text: str, expected: str) -> None:
    found = "; ".join(WEEKDAYS[f.weekday] + ("*" if f.this else "") for f in find_weekdays(text))
    assert (found or "none") == expected


def test_fixtures_cover_every_language() -> None:
    counts = dict.fromkeys(LANGUAGES, 0)
    language = "en"
    for _, line in [(0, x) for x in (FIXTURES / "dates.txt").read_text(encoding="utf-8").splitlines()]:
        if line.startswith("# -- "):
            language = line[5:].strip()
        elif line.strip() and not line.startswith("#"):
            counts[language] += 1
    for _, line in _lines("date_parts.txt"):
        counts[line.split(":")[0].split()[1]] += 1
    assert all(n >= 12 for n in counts.values()), counts
    assert sum(counts.values()) >= 150


@pytest.mark.parametrize(("text", "number"), [
    ("Day 582 of the Invasion of Ukraine: NATO Chief visited Kyiv", 582),
    ("Russia-Ukraine conflict enters its 644th day.", 644),
    ("Russia-Ukraine war: List of key events, day 748", 748),
    ("on the 1000th day of the full-scale invasion", 1000),
    ("War enters its 1000th day", 1000),
    ("A day 5 trip to Kyiv was planned.", None),
    ("The 30 drones launched on the day", None),
])
def test_day_numbers(text: str, number: int | None) -> None:
    assert find_day_number(text) == number


def test_day_number_prefers_the_stated_ordinal() -> None:
    text = "1000 днів тому почалася війна. Сьогодні 1000-й день війни"
    assert [f.kind for f in find_day_numbers(text)] == ["elapsed", "ordinal"]
    assert find_day_number(text) == 1000
    assert find_day_number("500 days of war") == 500


@pytest.mark.parametrize(("text", "clock", "zone"), [
    ("1249 GMT — Russia has said", "12:49", "UTC"),
    ("12:49 GMT", "12:49", "UTC"),
    ("10.05 BST", "10:05", "BST"),
    ("4:23 pm", "16:23", None),
    ("at 12 p.m. local time", "12:00", "local"),
])
def test_times(text: str, clock: str, zone: str | None) -> None:
    found = find_time(text)
    assert found is not None
    assert f"{found.clock:%H:%M}" == clock
    name = found.zone if isinstance(found.zone, str) or found.zone is None else found.zone.tzname(None)
    assert name == zone


def test_bare_numbers_are_not_times() -> None:
    assert find_time("killed 2 and injured 12") is None
    assert find_time("in 2023 and 1986") is None


def test_every_date_and_time_in_order() -> None:
    text = "Від 24 лютого 2022 року до 9 травня: 14:05, потім 15:10 Uhr"
    assert [(f.month, f.day, f.year) for f in find_dates(text)] == [(2, 24, 2022), (5, 9, None)]
    assert [f"{t.clock:%H:%M}" for t in find_times(text)] == ["14:05", "15:10"]


def test_spans() -> None:
    text = "Posted 27 Nov 202427 Nov 2024"
    first = find_dates(text)[0]
    assert text[first.start:first.end] == "27 Nov 2024"
    text = "Зміни від 28 лютого."
    found = find_dates(text)[0]
    assert text[found.start:found.end] == "28 лютого"  # the sentence's full stop is not the date's
    text = "War: day 12 — what we know"
    number = find_day_numbers(text)[0]
    assert text[number.start:number.end] == "day 12"


def test_weekday_mismatch_and_ambiguity() -> None:
    assert find_dates("Sunday, 25 March 2024")[0].weekday_mismatch()  # it was a Monday
    assert not find_dates("Monday, 25 March 2024")[0].weekday_mismatch()
    open_order = find_dates("06/03/2025")[0]
    assert open_order.date is None and open_order.alternatives == ((6, 3),)
    assert not open_order.weekday_mismatch()
    assert FoundDate(3, 6, 2025, None, None, None, 0, 10).date == date(2025, 3, 6)


def test_weekdays_inside_dates_are_reported_too() -> None:
    text = "Thursday, 17 July 2025"
    assert [w.weekday for w in find_weekdays(text)] == [3]
    assert find_dates(text)[0].weekday == 3


def test_parse_zone() -> None:
    assert parse_zone("Hora ucraniana, GMT+2") == parse_zone("GMT+2")
    assert parse_zone("Ortszeit") == "local"
    assert parse_zone("за київським часом") == ZoneInfo("Europe/Kyiv")
    assert parse_zone("nowhere time") is None
    assert parse_zone(None) is None


def test_speed() -> None:
    line = ("Officials in the region said the repairs to the power grid would take several weeks, and "
            "that residents should expect further outages as temperatures fall.")
    functions = (find_dates, find_day_numbers, find_weekdays, find_time)
    start = clock.perf_counter()
    for _ in range(500):
        for function in functions:
            function(line)
    per_line = (clock.perf_counter() - start) / 500
    assert per_line < 0.002  # generous for slow CI machines; typically well under 0.1 ms
