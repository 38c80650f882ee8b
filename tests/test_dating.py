"""Stage `parse`, choosing the date: every candidate with its role, the rule that wins, and
never a guess. Texts of our own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.clutter import rules_for
from digest.config import Config, load_config
from digest.dating import choose_date
from digest.lines import read_page

REPO = Path(__file__).parent.parent
WAR = date(2022, 2, 24)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO)


def dated(text: str, config: Config) -> tuple[date | None, str]:
    page = read_page(text, rules_for(config.sources, None), None)
    found = choose_date(page, WAR, 2026)
    return found.date, found.why


BODY = "Rescuers worked through the night at the site of the strike, the regional governor said today."


def test_published_wins_over_updated(config: Config) -> None:
    text = ("Tram depot hit in evening strike\n\nPublished: Tuesday, 12 November 2024, 23:10 | "
            f"Updated: Wednesday, 13 November 2024, 09:05\n\n{BODY}\n")
    assert dated(text, config) == (date(2024, 11, 12), "the published date on line 3")


def test_a_read_also_link_is_never_the_dateline(config: Config) -> None:
    text = f"Drones hit a depot\n\n{BODY}\n\nRead also: The front on 4 September 2024\n"
    day, why = dated(text, config)
    assert day is None and why == "no date the text fixes"


def test_a_year_is_settled_by_the_printed_weekday_only_when_one_year_fits(config: Config) -> None:
    text = f"Strikes on Odesa\n\nHere is the situation on Saturday, July 8:\n\n• {BODY}\n• {BODY}\n• {BODY}\n"
    assert dated(text, config)[0] == date(2023, 7, 8)
    # 24 February was a Friday in 2023 and, within the war's years, in no other year.
    assert dated(text.replace("Saturday, July 8", "Friday, February 24"), config)[0] == date(2023, 2, 24)
    text = text.replace("Saturday, July 8", "March 29")  # no weekday, no day number: no year
    assert dated(text, config)[0] is None


def test_a_stated_day_number_gives_the_date(config: Config) -> None:
    assert dated(f"Day 1,000 of the full-scale war\n\n{BODY}\n", config)[0] == date(2024, 11, 19)
    assert dated(f"Сьогодні 1100-й день війни\n\n{BODY}\n", config)[0] == date(2025, 2, 27)


def test_a_count_of_days_is_the_day_after(config: Config) -> None:
    text = f"It has now been 100 days since the Russian invasion of Ukraine.\n\n{BODY}\n"
    assert dated(text, config)[0] == date(2022, 6, 4)  # 100 days over: day 101


def test_an_anniversary_that_is_today(config: Config) -> None:
    text = f"Dziś druga rocznica napaści Rosji na Ukrainę.\n\n{BODY}\n"
    assert dated(text, config)[0] == date(2024, 2, 24)


def test_a_date_the_headline_extends_to_is_not_the_day(config: Config) -> None:
    text = f"Curfew extended until 28 February\n\nСьогодні третій день війни.\n\n{BODY}\n"
    assert dated(text, config)[0] == date(2022, 2, 26)


def test_the_sidecar_date_wins(config: Config) -> None:
    page = read_page("Strike on Kyiv\n\nPublished 3 March 2023\n", rules_for(config.sources, None), None)
    assert choose_date(page, WAR, 2026, date(2023, 3, 4)).date == date(2023, 3, 4)


def test_parse_explain_says_which_candidate_won(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text(
        "Tram depot hit in evening strike\n\nPublished: Tuesday, 12 November 2024, 23:10 | "
        f"Updated: Wednesday, 13 November 2024, 09:05\n\n{BODY}\n\nTags: Kharkiv, trams\n",
        encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "digest", "-C", str(REPO), "parse", "--explain",
                          str(tmp_path / "a.txt")], capture_output=True, text=True, timeout=60).stdout
    assert "dated by:  the published date on line 3" in out
    assert "candidate line 3: updated 2024-11-13" in out
    assert "line 7: clutter (tags): Tags: Kharkiv, trams" in out
