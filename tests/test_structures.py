"""Stage `parse` on small articles of our own, one per page structure (issue 9).

Each fixture in tests/fixtures/structures/ is a raw page with `NAME.expected.yaml` beside it (the
schema is in that folder's README). Every difference from the answer is collected, so that one
failure lists all of them, followed by what was parsed."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.config import Config, load_config
from digest.model import Article, Item
from digest.parse import parse_article, plain_text
from digest.read import read_article

REPO = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "structures"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.txt"))
WAR_START = date(2022, 2, 24)
SHORT = 12  # boilerplate this short counts only as a whole line (as eval_parse.py counts it)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO)


def expected(name: str) -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / f"{name}.expected.yaml").read_text(encoding="utf-8"))


def parse(name: str, config: Config) -> Article:
    path = FIXTURES / f"{name}.txt"
    return parse_article(read_article(path, path.parent), config.sources, config.settings)


def squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def body(item: Item) -> str:
    return squash(plain_text(item.text))


def shown(article: Article) -> str:
    """What was parsed, one line per item, to read beside the answer."""
    lines = [f"parsed: title {article.title!r}", f"        date {article.date}, day "
             f"{article.day_number}, format {article.format}, {len(article.items)} item(s)"]
    if article.key_events:
        lines.append(f"        key events {list(article.key_events)}")
    for number, item in enumerate(article.items, start=1):
        extra = [f"time {item.time}" if item.time else "",
                 f"date {item.date}" if item.date != article.date else "",
                 f"section {getattr(item, 'section', None)!r}" if getattr(item, "section", None) else ""]
        extra_text = f" ({', '.join(e for e in extra if e)})" if any(extra) else ""
        lines.append(f"  {number:>2}. {item.headline!r}{extra_text}")
        lines.append(f"      {textwrap.shorten(body(item), 100, placeholder=' …')}")
    lines += [f"  warning: {w}" for w in article.warnings]
    return "\n".join(lines)


def report(name: str, problems: list[str], article: Article) -> str:
    return f"{name}: {len(problems)} difference(s)\n" + "\n".join(
        f"  - {p}" for p in problems) + "\n" + shown(article)


def item_problems(number: int, item: Item, want: dict[str, Any], day: date | None) -> list[str]:
    out: list[str] = []
    where = f"item {number}"
    if squash(item.headline) != squash(want.get("headline")):
        out.append(f"{where}: headline {item.headline!r}, expected {want.get('headline')!r}")
    text = body(item)
    if not text.startswith(squash(want["starts_with"])):
        out.append(f"{where}: text starts {text[:80]!r}, expected {want['starts_with']!r}")
    if "ends_with" in want and not text.endswith(squash(want["ends_with"])):
        out.append(f"{where}: text ends {text[-80:]!r}, expected {want['ends_with']!r}")
    if "time" in want and item.time != want["time"]:
        out.append(f"{where}: time {item.time!r}, expected {want['time']!r}")
    if "section" in want and getattr(item, "section", None) != want["section"]:
        out.append(f"{where}: section {getattr(item, 'section', None)!r}, expected {want['section']!r}")
    item_day = want.get("item_date", day)
    if item.date != item_day:
        out.append(f"{where}: date {item.date}, expected {item_day}")
    return out


def leaks(article: Article, boilerplate: list[str]) -> list[str]:
    out: list[str] = []
    for line in boilerplate:
        wanted = squash(line).casefold()
        for number, item in enumerate(article.items, start=1):
            headline = squash(item.headline).casefold()
            if len(wanted) <= SHORT:
                lines = [squash(x).casefold() for x in plain_text(item.text).splitlines()]
                found = wanted == headline or wanted in lines
            else:
                found = wanted in headline or wanted in body(item).casefold()
            if found:
                out.append(f"item {number}: clutter {line!r} leaked into it")
    return out


@pytest.mark.parametrize("name", NAMES)
def test_structure(name: str, config: Config) -> None:
    want = expected(name)
    article = parse(name, config)
    problems: list[str] = []
    if squash(article.title) != squash(want["title"]):
        problems.append(f"title {article.title!r}, expected {want['title']!r}")
    if article.date != want["date"]:
        problems.append(f"date {article.date}, expected {want['date']}")
    if article.day_number != want["day_number"]:
        problems.append(f"day number {article.day_number}, expected {want['day_number']}")
    if "key_events" in want and [squash(e) for e in article.key_events] != [
            squash(e) for e in want["key_events"]]:
        problems.append(f"key events {list(article.key_events)}, expected {want['key_events']}")
    items = want["items"]
    if len(article.items) != len(items):
        problems.append(f"{len(article.items)} item(s), expected {len(items)}")
    for number, (item, item_want) in enumerate(zip(article.items, items, strict=False), start=1):
        problems += item_problems(number, item, item_want, want["date"])
    problems += leaks(article, want.get("boilerplate", []))
    if want["date"] is None:
        sidecar = f"{name}.yaml"
        if not any(sidecar in str(w) and "date" in str(w) for w in article.warnings):
            problems.append(f"no warning about the missing date that names {sidecar}")
    assert not problems, report(name, problems, article)


@pytest.mark.parametrize("name", [n for n in NAMES if "format" in expected(n)])
def test_structure_format(name: str, config: Config) -> None:
    article = parse(name, config)
    assert article.format == expected(name)["format"], shown(article)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_consistent(name: str) -> None:
    """The fixtures themselves: small, marked invented, every quoted string in the raw text."""
    raw_path = FIXTURES / f"{name}.txt"
    size = raw_path.stat().st_size
    assert 600 <= size <= 2500, f"{name}.txt is {size} bytes"
    answer = (FIXTURES / f"{name}.expected.yaml").read_text(encoding="utf-8")
    assert answer.startswith("# invented text"), "the first line must say the text is invented"
    want = yaml.safe_load(answer)
    assert want.keys() >= {"structure", "title", "date", "day_number", "items", "boilerplate"}
    raw = squash(raw_path.read_text(encoding="utf-8"))
    quoted = [want["title"], *want.get("key_events", []), *want["boilerplate"]]
    for item in want["items"]:
        assert item.keys() <= {"headline", "starts_with", "ends_with", "time", "section",
                               "item_date"}, item
        quoted += [item["headline"], item["starts_with"], item.get("ends_with"), item.get("section")]
        if item.get("time") is not None:
            assert re.fullmatch(r"[0-2]\d:[0-5]\d", item["time"]), item["time"]
    for text in quoted:
        if text is not None:
            assert squash(text) in raw, f"not in {name}.txt: {text!r}"
    if want["date"] is not None:
        assert want["day_number"] == (want["date"] - WAR_START).days + 1
    else:
        assert want["day_number"] is None
