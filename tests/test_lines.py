"""Stage `parse`, reading lines: what each line of a page is, from its shape and its neighbours.
Texts of our own."""

from __future__ import annotations

from datetime import UTC, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.clutter import rules_for
from digest.config import load_config
from digest.line_shapes import entry_stamp
from digest.lines import Page, read_page

REPO = Path(__file__).parent.parent
PARAGRAPH = ("Emergency crews worked through the night to restore power to the eastern districts, "
             "the city council said in a statement on its website.")


@pytest.fixture(scope="module")
def rules():
    config = load_config(REPO)
    return rules_for(config.sources, None)


def kinds(page: Page) -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in page.units]


@pytest.mark.parametrize(("line", "clock", "rest"), [
    ("14:05 — Power restored in Kharkiv", time(14, 5), "Power restored in Kharkiv"),
    ("1432 GMT — Talks resume", time(14, 32), "Talks resume"),
    ("10:05 am", time(10, 5), ""),
    ("9:20 p.m.: The convoy had stopped.", time(21, 20), "The convoy had stopped."),
    ("+++ 23:24 Neue Angriffe auf Charkiw +++", time(23, 24), "Neue Angriffe auf Charkiw"),
    ("19:30 Uhr | Selenskyj spricht vor dem Parlament", time(19, 30), "Selenskyj spricht vor dem Parlament"),
    ("11.04.2024, 07:15 | Luftalarm in Kiew", time(7, 15), "Luftalarm in Kiew"),
    ("19h45", time(19, 45), ""),
    ("03:42 , Jane Writer", time(3, 42), ""),  # the author after the stamp is not a headline
])
def test_entry_stamps(line: str, clock: time, rest: str) -> None:
    found = entry_stamp(line)
    assert found is not None and found[0] is not None
    assert (found[0].clock, found[1]) == (clock, rest)


@pytest.mark.parametrize("line", [
    "10.5 million people have left the region.", "24.02.2024 10:05", "2024 was a hard year.",
    "7 am in Kyiv is when the sirens started.",
])
def test_not_entry_stamps(line: str) -> None:
    assert entry_stamp(line) is None


def test_relative_stamps_open_entries() -> None:
    assert entry_stamp("35 min ago") == (None, "", None)


def test_breadcrumb_masthead_and_the_title_below_them(rules) -> None:
    page = read_page("News / World / Europe\nThe Herald\nThe Herald\n\nPower cut in Kharkiv after strike\n\n"
                     f"{PARAGRAPH}\n", rules, None)
    assert page.title == "Power cut in Kharkiv after strike"
    assert [k for k, _ in kinds(page)][:3] == ["clutter", "clutter", "clutter"]


def test_a_caption_printed_twice_and_the_standfirst_above_it(rules) -> None:
    page = read_page(
        "Power cut in Kharkiv after strike\n\nThe city lost power for the second night in a row.\n\n"
        "Workers repair a substation in Kharkiv\n"
        "Workers repair a substation in Kharkiv. Photograph: Anna Name/Agency\n\n"
        f"{PARAGRAPH}\n", rules, None)
    assert page.lead == ("The city lost power for the second night in a row.",)
    assert [u.why for u in page.units if u.kind == "clutter"] == ["caption", "caption"]


def test_a_related_list_ends_where_the_article_resumes(rules) -> None:
    page = read_page(f"Power cut in Kharkiv\n\n{PARAGRAPH}\n\nRead more:\n\nDrones over Odesa\n\n"
                     f"Grain deal talks stall\n\n{PARAGRAPH.replace('night', 'day')}\n", rules, None)
    assert [u.why for u in page.units if u.kind == "clutter"] == [
        "related_heading", "related list", "related list"]
    assert page.units[-1].kind == "body"


def test_a_dated_line_above_the_text_is_a_dateline_not_a_day_heading(rules) -> None:
    page = read_page(f"Power cut in Kharkiv\n\nMonday 3 March 2025\n\n{PARAGRAPH}\n", rules, None)
    assert ("dateline", "Monday 3 March 2025") in kinds(page)
    timeline = read_page(f"A week of strikes\n\nMonday 3 March\n\n{PARAGRAPH}\n\nTuesday 4 March\n\n"
                         f"{PARAGRAPH}\n", rules, None)
    assert [k for k, _ in kinds(timeline)].count("day") == 2


def test_the_clock_a_page_states_for_its_times(rules) -> None:
    page = read_page("Live: strikes on Kyiv\n\nAll times are Kyiv time.\n\n22:15\n\n" + PARAGRAPH,
                     rules, None)
    assert page.zone == ZoneInfo("Europe/Kyiv")
    page = read_page("En vivo\n\nA continuación (hora ucraniana, GMT+2):\n\n22:15\n\n" + PARAGRAPH,
                     rules, None)
    assert page.zone is not None and page.zone != UTC


def test_a_text_cut_mid_sentence_is_noticed(rules) -> None:
    cut = f"Title of a page\n\n{PARAGRAPH}\n\nThe governor added that two schools and a clinic had been dam"
    assert read_page(cut, rules, None).cut_at == 5
    assert read_page(f"Title of a page\n\n{PARAGRAPH}\n", rules, None).cut_at is None


def test_a_page_that_opens_with_its_text_keeps_it(rules) -> None:
    # An embedded post below the first paragraphs is not the page's title: nothing above it is lost.
    page = read_page(f"{PARAGRAPH}\n\n{PARAGRAPH.replace('night', 'day')}\n\n"
                     "Power is back in Kharkiv, per the mayor — @someone March 3, 2025\n\n"
                     f"{PARAGRAPH.replace('eastern', 'western')}\n", rules, None)
    assert page.title is None
    assert [u.kind for u in page.units].count("body") >= 3
