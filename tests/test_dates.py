"""Stage `dates`: every case of tests/fixtures/dates.txt, id = its line number."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from digest.dates import find_dates, find_day_number, find_time

FIXTURE = Path(__file__).parent / "fixtures" / "dates.txt"


def _cases() -> list:
    cases = []
    for number, line in enumerate(FIXTURE.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            text, expected = (part.strip() for part in line.split("||"))
            cases.append(pytest.param(text, expected, id=f"line{number}"))
    return cases


def _describe(text: str) -> str:
    found = find_dates(text)
    if not found:
        return "none"
    first = found[0]
    day = first.date.isoformat() if first.date else f"--{first.month:02d}-{first.day:02d}"
    if first.clock is None:
        return day
    if isinstance(first.zone, str) or first.zone is None:
        zone = "local"
    else:
        offset = datetime(first.year or 2024, first.month, first.day, first.clock.hour,
                          tzinfo=first.zone).strftime("%z")
        zone = f"{offset[:3]}:{offset[3:]}"
    return f"{day} {first.clock:%H:%M} {zone}"


@pytest.mark.parametrize(("text", "expected"), _cases())
def test_date_fixture(text: str, expected: str) -> None:
    assert _describe(text) == expected


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
