"""Stage `feeds`: RSS and Atom from hand-made days, read back with feedparser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime

import feedparser
from conftest import make_days, make_item, make_story
from test_render import HOSTILE_HEADLINE, HOSTILE_TEXT, assert_harmless

from digest.config import Config
from digest.feeds import render_feeds
from digest.model import Day
from digest.render import make_site
from digest.urls import Urls

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"


def feeds(days: tuple[Day, ...], config: Config, base: str = "https://user.github.io/repo/"
          ) -> dict[str, bytes]:
    return {f.path: f.data for f in render_feeds(make_site(days, config, Urls(base)))}


def test_site_feeds_read_cleanly_one_entry_per_day(config: Config) -> None:
    files = feeds(make_days(3), config)
    for name in ("feed.xml", "atom.xml", "theme/air-war/feed.xml", "theme/air-war/atom.xml"):
        parsed = feedparser.parse(files[name])
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 3, name
        first = parsed.entries[0]  # newest first
        assert first.title == "Day 583 — 29 September 2023: Drones attack on 2023-09-29"
        assert first.link.startswith("https://user.github.io/repo/day/2023-09-29/")
        assert "https://user.github.io/repo/day/2023-09-29/" in first.content[0].value
        assert 'href="/' not in first.content[0].value  # absolute links only
        assert first.summary
    rss = feedparser.parse(files["feed.xml"])
    assert rss.entries[0].id == "digest:day:2023-09-29" and not rss.entries[0].guidislink
    assert rss.feed.link == "https://user.github.io/repo/"
    assert b'<atom:link href="https://user.github.io/repo/feed.xml" rel="self"' in files["feed.xml"]
    assert b'href="https://user.github.io/repo/atom.xml" rel="self"' in files["atom.xml"]
    assert b'isPermaLink="false"' in files["feed.xml"]
    theme = feedparser.parse(files["theme/diplomacy/feed.xml"])
    assert theme.entries[0].id == "digest:theme:diplomacy:day:2023-09-29"


def test_ids_do_not_change_with_base_url_or_headline(config: Config) -> None:
    days = make_days(2)
    before = feedparser.parse(feeds(days, config)["atom.xml"])
    lead = days[-1].stories[0]
    renamed = replace(lead, headline="A new headline",
                      items=(replace(lead.lead, headline="A new headline"), *lead.items[1:]))
    changed = (days[0], replace(days[-1], stories=(renamed, *days[-1].stories[1:]),
                                key_events=(renamed,)))
    after = feedparser.parse(feeds(changed, config, "https://digest.example.org/")["atom.xml"])
    assert [e.id for e in before.entries] == [e.id for e in after.entries]
    assert "A new headline" in after.entries[0].title


def test_dates_come_from_the_content_not_the_clock(config: Config) -> None:
    files = feeds(make_days(2), config)
    again = feeds(make_days(2), config)
    assert files == again
    atom = feedparser.parse(files["atom.xml"])
    # The latest item's publication time (09:30 UTC), shown in the site's zone.
    assert atom.entries[0].published == "2023-09-28T12:30:00+03:00"
    assert atom.feed.updated == "2023-09-28T12:30:00+03:00"
    rss = ET.fromstring(files["feed.xml"])
    assert rss.findtext("channel/lastBuildDate") == "Thu, 28 Sep 2023 12:30:00 +0300"


def test_a_day_without_times_is_dated_at_its_start(config: Config) -> None:
    day = date(2023, 9, 28)
    story = make_story(make_item("x", day, "Something"))
    atom = feedparser.parse(feeds((Day(day, 582, (story,)),), config)["atom.xml"])
    assert atom.entries[0].published == "2023-09-28T00:00:00+03:00"


def test_a_correction_bumps_updated_but_not_the_id(config: Config) -> None:
    day = date(2023, 9, 28)
    published = datetime(2023, 9, 28, 9, 0, tzinfo=UTC)
    item = make_item("x", day, "Something", published=published)
    plain = feeds((Day(day, 582, (make_story(item),)),), config)
    fixed = replace(item, corrected=date(2023, 10, 2), correction_note="A name was wrong.")
    corrected = feeds((Day(day, 582, (make_story(fixed),)),), config)
    a = feedparser.parse(plain["atom.xml"]).entries[0]
    b = feedparser.parse(corrected["atom.xml"]).entries[0]
    assert a.id == b.id and a.published == b.published
    assert a.updated == "2023-09-28T12:00:00+03:00"
    assert b.updated == "2023-10-02T00:00:00+03:00"
    assert "Corrected on" in b.content[0].value and "A name was wrong." in b.content[0].value
    assert "Corrected on" in b.summary


def test_feeds_carry_the_newest_days_only(config: Config) -> None:
    config = replace(config, settings=replace(config.settings, feed_entries=5))
    files = feeds(make_days(8), config)
    for name in ("feed.xml", "atom.xml", "theme/air-war/feed.xml"):
        entries = feedparser.parse(files[name]).entries
        assert len(entries) == 5
        assert entries[0].id.endswith("2023-10-04")


def test_hostile_text_is_text_in_every_feed(config: Config) -> None:
    day = date(2023, 9, 28)
    item = make_item("evil", day, HOSTILE_HEADLINE, text=HOSTILE_TEXT, theme="fighting",
                     url="javascript:alert(5)")
    story = make_story(item)
    files = feeds((Day(day, 582, (story,), (story,)),), config)
    for name in ("feed.xml", "atom.xml", "theme/fighting/feed.xml", "theme/fighting/atom.xml"):
        root = ET.fromstring(files[name])
        htmls = [e.text or "" for e in root.iter() if e.tag in (
            CONTENT, "description", f"{ATOM}content", f"{ATOM}summary")]
        assert len(htmls) >= 2, name
        for html in htmls:
            assert_harmless(html)
        assert any("&lt;script&gt;" in html for html in htmls), name
        titles = [e.text or "" for e in root.iter() if e.tag in ("title", f"{ATOM}title")]
        assert any(HOSTILE_HEADLINE in t for t in titles)  # a title is plain text, not HTML
