"""Shared fixtures: a copy of the sample project, and hand-made days for render and feed tests."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digest.config import Config, load_config
from digest.model import Day, Item, Story

REPO = Path(__file__).parent.parent

# Debian's chromium, driven by Playwright; never a browser Playwright downloads.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None. Under CI=true they must run."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}"
    return None
PROJECT_FILES = ("digest.yaml", "sources.yaml", "themes.yaml")


def copy_project(target: Path, *, seeds: bool = True) -> Path:
    """The repository's settings (and sample seeds) copied into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        if (REPO / name).exists():
            shutil.copy(REPO / name, target / name)
    if seeds:
        shutil.copytree(REPO / "seeds", target / "seeds")
    return target


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """The sample project (seeds and settings) in a temp folder."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def empty_project(tmp_path: Path) -> Path:
    """The repository's settings without any article."""
    project = copy_project(tmp_path / "project", seeds=False)
    (project / "seeds").mkdir()
    return project


@pytest.fixture
def config(empty_project: Path) -> Config:
    return load_config(empty_project)


def make_item(id: str, day: date, headline: str | None = "A headline", *, theme: str = "fighting",
              text: str = "Some text.", source: str | None = "Novinite", url: str | None = None,
              time: str | None = None, published: datetime | None = None, **more) -> Item:
    slug = source.lower().replace(" ", "-") if source else None
    return Item(id=id, headline=headline, text=text, date=day, time=time, published=published,
                theme=theme, source=source, source_slug=slug, url=url,
                article_path=f"seeds/{id}.txt", line=1, **more)


def make_story(*items: Item) -> Story:
    lead = items[0]
    assert lead.date is not None and lead.theme is not None
    return Story(id=lead.id, date=lead.date, headline=lead.headline, theme=lead.theme,
                 items=tuple(items))


def make_days(count: int = 3, start: date = date(2023, 9, 27)) -> tuple[Day, ...]:
    """`count` small days: two stories each, the first from two outlets."""
    days = []
    for n in range(count):
        day = start + timedelta(days=n)
        published = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)
        a = make_item(f"a-{day}", day, f"Drones attack on {day}", theme="air-war",
                      url="https://www.novinite.com/a", published=published)
        b = make_item(f"b-{day}", day, f"Kyiv reports drones on {day}", theme="air-war",
                      source="The Kyiv Independent", url="https://kyivindependent.com/b",
                      text="The other version.")
        c = make_item(f"c-{day}", day, None, theme="diplomacy", source="TRT World",
                      time="14:49", text="An entry without a headline.")
        stories = (make_story(a, b), make_story(c))
        days.append(Day(day, (day - date(2022, 2, 24)).days + 1, stories, stories[:1]))
    return tuple(days)
