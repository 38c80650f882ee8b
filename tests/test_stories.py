"""The story stage: same event from several outlets -> one Story; key events of a day."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from digest.config import load_config
from digest.days import dated_items, make_days
from digest.model import Item
from digest.parse import parse_article
from digest.read import discover_articles, read_article
from digest.stories import (
    clearest_headline,
    explain_grouping,
    group_stories,
    key_event_score,
    key_events,
)
from digest.themes import assign_themes

REPO = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "stories" / "day.yaml"
ORDER = ["fighting", "air-war", "civilians", "diplomacy", "military-aid", "economy", "russia",
         "other"]
THRESHOLD = 0.55  # the default story_threshold of digest.yaml
DAY = date(2023, 10, 17)


def fixture_day() -> tuple[list[Item], dict[str, str]]:
    """The invented day of tests/fixtures/stories/day.yaml, and the event of each item."""
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    items = [
        Item(id=e["id"], headline=e["headline"], text=e["text"], date=data["date"],
             theme="fighting", source=e["source"], article_path=e["article"],
             key_event=e.get("key_event", False))
        for e in data["items"]
    ]
    return items, {e["id"]: e["story"] for e in data["items"]}


def item(id: str, headline: str | None, text: str, *, source: str = "Outlet A",
         article: str | None = None, **more) -> Item:
    return Item(id=id, headline=headline, text=text, date=DAY, theme=more.pop("theme", "fighting"),
                source=source, article_path=article or f"seeds/{id}.txt", **more)


def groups(stories) -> set[frozenset[str]]:
    return {frozenset(i.id for i in s.items) for s in stories}


# --- grouping -------------------------------------------------------------------------------


def test_fixture_day_groups_each_event_once():
    items, event = fixture_day()
    stories = group_stories(items, threshold=THRESHOLD, theme_order=ORDER)
    expected: dict[str, set[str]] = {}
    for item_id, name in event.items():
        expected.setdefault(name, set()).add(item_id)
    assert groups(stories) == {frozenset(ids) for ids in expected.values()}


def test_reworded_report_of_one_event_is_merged():
    items, _ = fixture_day()
    pair = [i for i in items if i.id in ("kyivpost-grain-izmail", "ukrinform-izmail-port")]
    (story,) = group_stories(pair, threshold=THRESHOLD, theme_order=ORDER)
    assert story.outlets == (("Kyiv Post", None), ("Ukrinform", None))


def test_same_event_on_two_days_is_not_merged(config):
    # The same report, word for word, filed by two outlets on consecutive days: two days, two
    # stories, one on each day's page.
    items, _ = fixture_day()
    first = next(i for i in items if i.id == "kyivpost-grain-izmail")
    second = replace(next(i for i in items if i.id == "ukrinform-izmail-port"),
                     headline=first.headline, text=first.text, date=date(2023, 10, 18))
    assert len(group_stories([first, second], threshold=THRESHOLD, theme_order=ORDER)) == 2
    days = make_days([first, second], config).days
    assert [(d.date, [len(s.items) for s in d.stories]) for d in days] == [
        (date(2023, 10, 17), [1]), (date(2023, 10, 18), [1])]


def test_same_person_in_two_events_is_not_merged():
    # Stoltenberg on ammunition for Ukraine, and Stoltenberg on Russia's influence: one man,
    # one city, one day, two events.
    items, _ = fixture_day()
    pair = [i for i in items
            if i.id in ("kyivpost-stoltenberg-ammunition", "reuters-stoltenberg-influence")]
    assert len(group_stories(pair, threshold=THRESHOLD, theme_order=ORDER)) == 2


def test_same_wording_different_place_and_numbers_is_not_merged():
    items, _ = fixture_day()
    pair = [i for i in items if i.id in ("kyivpost-kherson-shelling", "ukrinform-kharkiv-shelling")]
    assert len(group_stories(pair, threshold=THRESHOLD, theme_order=ORDER)) == 2


def test_items_of_one_article_are_never_merged():
    text = "Russian drones struck Odesa overnight, the governor said. 20 drones were shot down."
    twins = [item("a", "Drones strike Odesa", text, article="seeds/live.txt"),
             item("b", "Drones strike Odesa", text, article="seeds/live.txt")]
    assert len(group_stories(twins, threshold=THRESHOLD, theme_order=ORDER)) == 2


def test_exact_duplicate_headlines_from_two_outlets_are_merged():
    a = item("a", "Russia launches 40 drones at Odesa overnight", "Air defence shot most down.")
    b = item("b", "Russia Launches 40 Drones at Odesa Overnight!", "Officials reported damage.",
             source="Outlet B")
    (story,) = group_stories([a, b], threshold=THRESHOLD, theme_order=ORDER)
    assert {i.id for i in story.items} == {"a", "b"}


def test_a_third_outlet_cannot_bring_a_second_item_of_an_article():
    items, _ = fixture_day()
    izmail = [i for i in items if "izmail" in i.id]
    # A second item of the Kyiv Post roundup reporting the same event stays out of the story.
    again = replace(izmail[0], id="kyivpost-izmail-again")
    stories = group_stories([*izmail, again], threshold=THRESHOLD, theme_order=ORDER)
    for story in stories:
        paths = [i.article_path for i in story.items]
        assert len(paths) == len(set(paths))


def test_forced_merge_and_split_are_honoured():
    items, _ = fixture_day()
    merge = [("reuters-gershkovich", "euronews-sanctions-eu")]
    split = [("kyivpost-grain-izmail", "ukrinform-izmail-port")]
    stories = group_stories(items, threshold=THRESHOLD, theme_order=ORDER, merge=merge, split=split)
    found = groups(stories)
    assert frozenset({"reuters-gershkovich", "euronews-sanctions-eu"}) in found
    assert frozenset({"kyivpost-grain-izmail"}) in found
    assert frozenset({"ukrinform-izmail-port"}) in found


def test_forced_merge_may_join_items_of_one_article_but_split_wins():
    a = item("a", "Shelling of Kherson", "Three killed.", article="seeds/roundup.txt")
    b = item("b", "Kherson shelled", "Three were killed.", article="seeds/roundup.txt")
    merged = group_stories([a, b], threshold=THRESHOLD, theme_order=ORDER, merge=[("a", "b")])
    assert groups(merged) == {frozenset({"a", "b"})}
    apart = group_stories([a, b], threshold=THRESHOLD, theme_order=ORDER, merge=[("a", "b")],
                          split=[("b", "a")])
    assert len(apart) == 2


def test_grouping_does_not_depend_on_input_order():
    items, _ = fixture_day()
    first = group_stories(items, threshold=THRESHOLD, theme_order=ORDER)
    shuffled = list(items)
    random.Random(7).shuffle(shuffled)
    assert group_stories(shuffled, threshold=THRESHOLD, theme_order=ORDER) == first


def test_item_without_date_is_refused():
    with pytest.raises(ValueError, match="no date"):
        group_stories([replace(item("a", "x", "y"), date=None)], threshold=THRESHOLD,
                      theme_order=ORDER)


# --- the story's fields --------------------------------------------------------------------


def test_lead_is_the_fullest_item_and_the_others_follow_by_outlet():
    long = item("z", "Drones hit Odesa port", "Drones hit the port of Odesa. " * 10,
                source="Zeta News")
    short_b = item("b", "Odesa port hit by drones", "Drones hit the port of Odesa.",
                   source="Beta")
    short_a = item("a", "Odesa port struck by drones", "The port of Odesa was hit by drones.",
                   source="Alpha")
    (story,) = group_stories([short_b, long, short_a], threshold=0.3, theme_order=ORDER,
                             merge=[("a", "b", "z")])
    assert story.id == "z"
    assert [i.id for i in story.items] == ["z", "a", "b"]


def test_story_theme_is_the_leads():
    a = item("a", "One", "Long text " * 20, theme="air-war")
    b = item("b", "Two", "Short", theme="civilians", source="Outlet B")
    (story,) = group_stories([a, b], threshold=THRESHOLD, theme_order=ORDER, merge=[("a", "b")])
    assert story.theme == "air-war"


def test_clearest_headline_prefers_a_plain_statement():
    items = [
        item("a", None, "An entry without headline, the longest text of all. " * 5),
        item("b", "Live: latest updates", "x"),
        item("c", "Stoltenberg, French and UK defence leaders visit Kyiv", "x"),
        item("d", "Zelensky discusses ‘Ukraine’s entry into NATO’ and ‘air defence’ with the "
                  "alliance chief in Kyiv during a long meeting on Thursday afternoon", "x"),
    ]
    assert clearest_headline(items) == "Stoltenberg, French and UK defence leaders visit Kyiv"
    assert clearest_headline(items[:1]) is None


def test_stories_are_sorted_by_theme_then_score():
    items, _ = fixture_day()
    themed = assign_themes([replace(i, theme=None) for i in items],
                           load_config(REPO).themes)
    stories = group_stories(themed, threshold=THRESHOLD, theme_order=ORDER)
    keys = [(ORDER.index(s.theme), -s.key_event_score, s.id) for s in stories]
    assert keys == sorted(keys)


# --- key events ------------------------------------------------------------------------------


def test_key_events_rank_shared_and_flagged_stories_first():
    items, _ = fixture_day()
    stories = group_stories(items, threshold=THRESHOLD, theme_order=ORDER)
    keys = key_events(stories, ORDER)
    assert 5 <= len(keys) <= 8
    scores = [s.key_event_score for s in keys]
    assert scores == sorted(scores, reverse=True)
    # Every story told by two outlets beats every story told by one.
    shared = [s for s in keys if len(s.outlets) > 1]
    assert shared and keys[: len(shared)] == tuple(shared)
    assert all(s.key_event_score == key_event_score(s, ORDER) for s in keys)


def test_key_events_are_between_five_and_eight():
    subjects = ["Odesa port", "Kharkiv school", "Avdiivka front", "grain deal", "Duma vote",
                "oil price cap", "Zelensky trip", "Kherson ferry", "Black Sea fleet",
                "Patriot battery", "prisoner swap", "Belgorod border"]
    many = [item(f"i{n}", f"News about the {subject}", f"Report on the {subject}.",
                 source=f"Outlet {n}", key_event=True) for n, subject in enumerate(subjects)]
    stories = group_stories(many, threshold=THRESHOLD, theme_order=ORDER)
    assert len(key_events(stories, ORDER)) == 8
    few = group_stories(many[:3], threshold=THRESHOLD, theme_order=ORDER)
    assert len(key_events(few, ORDER)) == 3
    plain = [replace(i, key_event=False) for i in many]
    assert len(key_events(group_stories(plain, threshold=THRESHOLD, theme_order=ORDER), ORDER)) == 5


# --- explanation -----------------------------------------------------------------------------


def test_explanation_says_why():
    items, _ = fixture_day()
    lines = explain_grouping(items, threshold=THRESHOLD,
                             split=[("kyivpost-grain-izmail", "ukrinform-izmail-port")])
    text = "\n".join(lines)
    assert "an editor split them" in text
    assert "one story: " in text and ">= threshold 0.55" in text
    assert "separate stories: " in text and "< threshold 0.55" in text
    assert "names in common" in text and "words in common" in text


# --- the samples, through the real reader and parser ---------------------------------------


@pytest.fixture(scope="module")
def sample_items() -> list[Item]:
    config = load_config(REPO)
    articles = [parse_article(read_article(path, REPO), config.sources, config.settings)
                for path in discover_articles(REPO / "seeds")]
    items, _ = dated_items(articles)
    return list(assign_themes(items, config.themes))


def sample_name(item: Item, items: list[Item]) -> str:
    """FILE#N as in the samples' expected/stories.yaml."""
    same = [i for i in items if i.article_path == item.article_path]
    return f"{Path(item.article_path).stem}#{same.index(item) + 1}"


def test_sample_day_582_has_one_story_from_three_outlets(sample_items):
    day = [i for i in sample_items if i.date == date(2023, 9, 28)]
    stories = group_stories(day, threshold=THRESHOLD, theme_order=ORDER)
    shared = [s for s in stories if len(s.items) > 1]
    assert len(shared) == 1
    assert {sample_name(i, sample_items) for i in shared[0].items} == {
        "000_fb2bde1abee48328#1", "001_334b0ac5a83a86f1#1", "002_e36b2bbf93a9e1ef#1"}
    assert {name for name, _ in shared[0].outlets} == {
        "Novinite", "The Kyiv Independent", "London Loves Business"}
    assert len(stories) == len(day) - 2


def test_sample_live_blog_merges_nothing(sample_items):
    day = [i for i in sample_items if i.date == date(2023, 11, 29)]
    assert len(day) == 15
    stories = group_stories(day, threshold=THRESHOLD, theme_order=ORDER)
    assert len(stories) == 15
    assert 5 <= len(key_events(stories, ORDER)) <= 8


# --- `digest stories DATE` -------------------------------------------------------------------


def test_cli_explains_a_sample_day(sample_project, capsys):
    from digest.cli import main

    assert main(["-C", str(sample_project), "stories", "2023-09-28"]) == 0
    out = capsys.readouterr().out
    assert "11 item(s) from 3 article(s)" in out
    assert "one story: " in out and ">= threshold 0.55" in out
    assert "9 stories:" in out


def test_cli_refuses_a_bad_date(sample_project, capsys):
    from digest.cli import main

    assert main(["-C", str(sample_project), "stories", "28/09/2023"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["-C", str(sample_project), "stories", "2020-01-01"]) == 1


# --- what the merger must find, and what it must keep apart (texts written for these tests) ---


def _together(*texts: tuple[str, str | None, str]) -> set[frozenset[str]]:
    """Group (outlet, headline, text) items, one article each; the groups of outlets."""
    items = [item(f"i{n}", headline, text, source=outlet, article=f"seeds/{outlet}.txt")
             for n, (outlet, headline, text) in enumerate(texts)]
    stories = group_stories(items, threshold=THRESHOLD, theme_order=ORDER)
    return {frozenset(i.source for i in s.items) for s in stories}


def test_one_strike_told_from_different_angles_is_one_story():
    found = _together(
        ("Alpha", "Russian missile hits shopping centre in Vinnytsia",
         "A Russian missile struck a shopping centre in central Vinnytsia on Thursday morning, "
         "killing seven people, regional governor Serhiy Borzov said."),
        ("Beta", "Vinnytsia death toll rises to nine",
         "Rescuers pulled two more bodies from the rubble of the shopping centre in Vinnytsia, "
         "bringing the number killed in the missile strike to nine."),
        ("Gamma", None,
         "Eleven people are now known to have died after the missile strike on a Vinnytsia "
         "shopping centre, the emergency service said, as rescuers kept searching the rubble."),
    )
    assert frozenset({"Alpha", "Beta", "Gamma"}) in found


def test_the_same_event_in_three_languages_is_one_story():
    found = _together(
        ("Alpha", "Zelensky and Duda sign air defence pact in Kyiv",
         "Ukrainian President Volodymyr Zelensky and Polish President Andrzej Duda signed a pact "
         "on joint production of air defence missiles in Kyiv on Tuesday."),
        ("Beta", None,
         "Prezydent Ukrainy Wołodymyr Zełenski i prezydent Andrzej Duda podpisali w Kijowie umowę "
         "o wspólnej produkcji rakiet obrony powietrznej."),
        ("Gamma", None,
         "Selenskyj und Duda haben in Kiew ein Abkommen über die gemeinsame Produktion von "
         "Flugabwehrraketen unterzeichnet."),
    )
    assert frozenset({"Alpha", "Beta", "Gamma"}) in found


def test_a_one_sentence_bullet_joins_the_long_story_of_its_event():
    found = _together(
        ("Alpha", None, "Ukraine and Russia swapped 95 prisoners of war each, Kyiv said."),
        ("Beta", "95 Ukrainian defenders come home in prisoner exchange",
         "Ninety-five Ukrainian soldiers returned home on Friday in a prisoner exchange with "
         "Russia mediated by the United Arab Emirates, the coordination headquarters for the "
         "treatment of prisoners of war said. Among those freed were defenders of Mariupol and "
         "border guards captured in the first weeks of the invasion. Russia received the same "
         "number of its servicemen. It was the third exchange this year."),
    )
    assert frozenset({"Alpha", "Beta"}) in found


def test_strikes_on_two_cities_the_same_night_stay_apart():
    found = _together(
        ("Alpha", None, "Russian drones hit an industrial site in Lviv overnight, injuring two workers."),
        ("Beta", None, "Drones struck a warehouse district in Lutsk overnight; no one was hurt."),
    )
    assert len(found) == 2


def test_a_capture_claim_and_its_denial_stay_apart():
    found = _together(
        ("Alpha", None, "Russia's defence ministry claimed its forces had captured the village of "
                        "Robotyne in the Zaporizhzhia region."),
        ("Beta", None, "Ukraine's general staff denied that Robotyne had fallen, saying its units "
                       "repelled nine assaults near the village."),
    )
    assert len(found) == 2


def test_a_planned_trip_and_a_meeting_held_stay_apart():
    found = _together(
        ("Alpha", None, "Zelensky met the Polish president in Warsaw, where the two signed a "
                        "declaration on missile production."),
        ("Beta", None, "Zelensky will travel to Berlin next week to discuss Taurus missiles, his "
                       "office said."),
    )
    assert len(found) == 2


def test_explanation_shows_digits_enough_to_tell_a_score_from_the_threshold():
    from digest.stories import versus

    assert versus(0.5499, 0.55) == "0.5499 < threshold 0.55"
    assert versus(0.55, 0.55) == "0.55 >= threshold 0.55"
    assert versus(0.61, 0.55) == "0.61 >= threshold 0.55"


def test_counts_that_rise_between_reports_are_compatible():
    from digest.story_features import day_weights, item_features, pair_features, vector

    a = item_features(item("a", None, "A missile strike on Odesa killed seven, the governor said."))
    b = item_features(item("b", None, "The toll of the missile strike on Odesa has risen to 11 dead."))
    day = day_weights([a, b])
    parts = pair_features(a, b, vector(a.stems, day), vector(b.stems, day),
                          vector(a.lead_stems, day), vector(b.lead_stems, day), day)
    assert a.counts["killed"] == {7} and b.counts["killed"] == {11}
    assert parts["counts_compatible"] == 1.0 and parts["counts_differ"] == 0.0


def test_names_are_one_across_spellings_and_cases():
    from digest.story_features import item_features

    names = [item_features(item(str(n), None, text)).names for n, text in enumerate([
        "Talks with Zelensky in Kyiv.", "Rozmowy z Zełenskim w Kijowie.", "Gespräche mit Selenskyj in Kiew.",
        "Переговори із Зеленським у Києві."])]
    assert all("@zelensky" in found for found in names)
