"""Stage `day`: items into days, undated articles and unknown themes left out with the fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from conftest import make_item, make_story

from digest.config import Config
from digest.days import dated_items, day_title, known_themes, long_date, make_days, story_headline, top_story
from digest.model import Article, Day


def article(path: str, day: date | None, *items) -> Article:
    return Article(path=path, source="Novinite", source_slug="novinite", url=None, title=None,
                   author=None, published=None, date=day, day_number=None, format="summary",
                   items=tuple(items))


def test_dates_are_written_out_in_english_whatever_the_locale() -> None:
    assert long_date(date(2023, 9, 28)) == "Thursday 28 September 2023"
    day = Day(date(2023, 9, 28), 582, ())
    assert day_title(day) == "Day 582 · Thursday 28 September 2023"


def test_an_undated_article_is_left_out_with_the_fix() -> None:
    day = date(2023, 9, 28)
    items, left_out = dated_items([
        article("seeds/a.txt", day, make_item("a", day)),
        article("seeds/b.txt", None, make_item("b", None)),  # type: ignore[arg-type]
    ])
    assert [i.id for i in items] == ["a"]
    assert len(left_out) == 1
    assert str(left_out[0]).startswith("seeds/b.txt: no date")
    assert "add `date: YYYY-MM-DD`" in left_out[0].fix and "seeds/b.yaml" in left_out[0].fix


def test_an_item_takes_its_articles_date_when_it_has_none() -> None:
    item = make_item("a", None)  # type: ignore[arg-type]
    items, _ = dated_items([article("seeds/a.txt", date(2023, 9, 28), item)])
    assert items[0].date == date(2023, 9, 28)


def test_an_unknown_theme_is_a_problem_and_the_item_is_left_out(config: Config) -> None:
    day = date(2023, 9, 28)
    good = make_item("good", day, theme="fighting")
    bad = make_item("bad", day, "Odd one", theme="sport")
    kept, problems = known_themes([good, bad], config.themes)
    assert kept == [good]
    assert str(problems[0]).startswith("seeds/bad.txt:1: unknown theme `sport`")
    assert "fighting" in problems[0].fix


def test_days_are_keyed_by_date_with_day_numbers_and_theme_order(config: Config) -> None:
    first, second = date(2023, 9, 28), date(2023, 11, 29)
    items = [
        make_item("n1", second, "Drone attack on Kyiv overnight", theme="air-war",
                  source="TRT World"),
        make_item("n2", second, "Foreign ministers meet in Brussels", theme="diplomacy",
                  source="TRT World"),
        make_item("o1", first, "Troops advance near Bakhmut", theme="fighting"),
        make_item("x", first, "A match was played", theme="sport"),
    ]
    result = make_days(items, config)
    assert [d.date for d in result.days] == [first, second]
    assert [d.number for d in result.days] == [582, 644]
    # The mistyped theme is reported and the item keeps its automatic theme (issue 11).
    assert result.items == 4 and len(result.problems) == 1
    assert "did you mean" in result.problems[0].fix or "use one of" in result.problems[0].fix
    order = [t.slug for t in config.themes]
    themes = [s.theme for s in result.days[1].stories]
    assert themes == sorted(themes, key=order.index)


def test_a_story_without_headline_is_named_by_its_first_words() -> None:
    day = date(2023, 11, 29)
    story = make_story(make_item("e", day, None, text="Russia has said its forces took a village."))
    assert story_headline(story) == "Russia has said its forces took a village."
    assert top_story(Day(day, 644, (story,))) == story
    assert top_story(Day(day, 644, ())) is None


def test_an_item_id_twice_on_one_day_is_shown_once_and_reported(config: Config) -> None:
    day = date(2023, 9, 28)
    first = make_item("same", day, "Drone attack on Kyiv", theme="air-war")
    again = replace(first, article_path="seeds/copy.txt")
    result = make_days([again, first], config)
    assert [i.article_path for s in result.days[0].stories for i in s.items] == [
        "seeds/copy.txt"]  # file order: "seeds/copy.txt" < "seeds/same.txt"
    assert "also in seeds/copy.txt" in str(result.problems[0])


def test_days_from_the_memo_equal_days_computed_afresh(config: Config) -> None:
    from digest.cache import Memo

    day = date(2023, 11, 29)
    items = [make_item(f"e{n}", day, headline, source="TRT World", theme=None)  # type: ignore[arg-type]
             for n, headline in enumerate([
                 "Russia says it took a village near Bakhmut", "NATO chief backs Ukraine",
                 "Drones shot down over Kyiv overnight", "EU agrees new sanctions package",
                 "Ukraine says drones shot down over Kyiv", "Blinken reiterates support"])]
    memo = Memo(None)
    fresh = make_days(items, config, memo=memo)
    assert memo.misses == 1 and memo.memory
    cached = make_days(items, config, memo=memo)
    assert memo.misses == 1 and memo.hits  # the day came from the memo, not computed again
    assert cached == fresh
