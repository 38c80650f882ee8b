"""Stage `render`: pages from hand-made days, without touching the disk."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_days, make_item, make_story
from jinja2 import UndefinedError

from digest.config import Config, load_config
from digest.model import Day, OutputFile
from digest.render import environment, make_site, markdown_renderer, render_site
from digest.urls import Urls, anchor, check_slug, output_path

HOSTILE_HEADLINE = '<script>alert("h")</script><img src=x onerror="alert(1)">'
HOSTILE_TEXT = (
    'Before <script>alert("t")</script> and <img src=x onerror=alert(2)> '
    "and [a link](javascript:alert(3)) and <a href=\"javascript:alert(4)\">raw</a>."
)


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def assert_harmless(html: str) -> None:
    """No element or attribute of the hostile text came through as markup."""
    for tag, attrs in elements(html):
        assert tag != "script"
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")
        assert not (tag == "img" and attrs.get("src") == "x")


def files_by_path(files: list[OutputFile]) -> dict[str, str]:
    return {f.path: f.data.decode("utf-8") for f in files}


@pytest.fixture
def site_files(config: Config) -> dict[str, str]:
    site = make_site(make_days(), config, Urls("https://user.github.io/repo/"))
    return files_by_path(render_site(site))


def test_markdown_escapes_raw_html_and_drops_javascript_links() -> None:
    md = markdown_renderer()
    html = str(md(HOSTILE_TEXT))
    assert_harmless(html)
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_urls_honour_a_sub_path() -> None:
    urls = Urls("https://user.github.io/repo")
    assert urls.path("") == "/repo/"
    assert urls.path(urls.day(date(2023, 9, 28))) == "/repo/day/2023-09-28/"
    assert urls.absolute("feed.xml") == "https://user.github.io/repo/feed.xml"
    assert Urls("https://example.org/").path("archive/") == "/archive/"
    assert output_path("day/2023-09-28/") == "day/2023-09-28/index.html"
    assert anchor("a/b c") == "s-a-b-c"
    with pytest.raises(ValueError):
        check_slug("../../x")


def test_day_page_heading_key_events_themes_and_neighbours(site_files: dict[str, str]) -> None:
    page = site_files["day/2023-09-28/index.html"]
    assert "Day 582 · Thursday 28 September 2023" in page
    main = page[page.index("<main"):]
    assert main.index("Key events") < main.index("Air war") < main.index("Diplomacy")
    assert 'href="/repo/day/2023-09-27/"' in page and 'href="/repo/day/2023-09-29/"' in page
    assert '<time datetime="2023-09-28T14:49+03:00">14:49</time>' in page
    # Both outlets linked, the second one's version collapsed.
    assert '<a href="https://kyivindependent.com/b" rel="noopener">The Kyiv Independent</a>' in page
    assert "<details>" in page and "The other version." in page
    assert '<link rel="canonical" href="https://user.github.io/repo/day/2023-09-28/">' in page
    assert 'property="og:title"' in page and '<html lang="en">' in page
    assert 'type="application/rss+xml"' in page and 'type="application/atom+xml"' in page


def test_every_page_has_a_stylesheet_with_a_hashed_name(site_files: dict[str, str]) -> None:
    css = [path for path in site_files if path.endswith(".css")]
    assert len(css) == 1 and css[0].startswith("assets/style.")
    for path, text in site_files.items():
        if path.endswith(".html"):
            assert f'href="/repo/{css[0]}"' in text, path


def test_index_archive_theme_source_and_404(site_files: dict[str, str]) -> None:
    assert "Day 583 · Friday 29 September 2023" in site_files["index.html"]
    assert "Earlier days" in site_files["index.html"]
    assert "September 2023" in site_files["archive/index.html"]
    assert "Drones attack on 2023-09-27" in site_files["theme/air-war/index.html"]
    assert "theme/air-war/feed.xml" in site_files["theme/air-war/index.html"]
    assert "Kyiv reports drones" in site_files["source/the-kyiv-independent/index.html"]
    assert 'href="/repo/"' in site_files["404.html"]  # root-relative: works at any depth
    assert "https://user.github.io/repo/sitemap.xml" in site_files["robots.txt"]
    assert "<loc>https://user.github.io/repo/day/2023-09-28/</loc>" in site_files["sitemap.xml"]
    assert ".nojekyll" in site_files and "CNAME" not in site_files


def test_theme_pages_are_paginated(config: Config) -> None:
    config = replace(config, settings=replace(config.settings, theme_page_size=2))
    files = files_by_path(render_site(make_site(make_days(5), config, Urls("https://x.org/"))))
    pages = sorted(p for p in files if p.startswith("theme/air-war/"))
    assert pages == ["theme/air-war/index.html", "theme/air-war/page/2/index.html",
                     "theme/air-war/page/3/index.html"]
    assert 'href="/theme/air-war/page/2/"' in files["theme/air-war/index.html"]


def test_day_json_is_the_documented_form(site_files: dict[str, str]) -> None:
    data = json.loads(site_files["day/2023-09-28/index.json"])
    assert data["date"] == "2023-09-28" and data["day"] == 582
    assert data["url"] == "https://user.github.io/repo/day/2023-09-28/"
    assert data["key_events"] == ["a-2023-09-28"]
    first = data["items"][0]
    assert set(first) >= {"id", "headline", "theme", "outlet", "url", "time", "text", "story"}
    assert first["outlet"] == "Novinite" and first["theme"] == "air-war"
    assert [s["outlets"][1]["name"] for s in data["stories"][:1]] == ["The Kyiv Independent"]
    entry = next(i for i in data["items"] if i["time"])
    assert entry["time"] == "14:49" and entry["headline"] is None


def test_hostile_text_renders_as_text(config: Config) -> None:
    day = date(2023, 9, 28)
    item = make_item("evil", day, HOSTILE_HEADLINE, text=HOSTILE_TEXT,
                     url="javascript:alert(5)")
    story = make_story(item)
    site = make_site((Day(day, 582, (story,), (story,)),), config, Urls("https://x.org/"))
    for file in render_site(site):
        text = file.data.decode("utf-8")
        if file.path.endswith(".html"):
            assert_harmless(text)
    page = files_by_path(render_site(site))["day/2023-09-28/index.html"]
    assert "&lt;script&gt;alert(&#34;h&#34;)&lt;/script&gt;" in page
    assert "alert(2)" in page  # shown, as text


def test_correction_is_shown(config: Config) -> None:
    day = date(2023, 9, 28)
    item = make_item("fixed", day, "Fixed", corrected=date(2023, 10, 2),
                     correction_note="The town's name was misspelt.")
    site = make_site((Day(day, 582, (make_story(item),)),), config, Urls("https://x.org/"))
    page = files_by_path(render_site(site))["day/2023-09-28/index.html"]
    assert "Corrected on" in page and "2 October 2023" in page
    assert "The town&#39;s name was misspelt." in page


def test_cname_when_configured(config: Config) -> None:
    config = replace(config, settings=replace(config.settings, cname="digest.example.org"))
    files = files_by_path(render_site(make_site(make_days(1), config, Urls("https://x.org/"))))
    assert files["CNAME"] == "digest.example.org\n"


def test_a_project_template_overrides_the_default(empty_project: Path) -> None:
    (empty_project / "templates").mkdir()
    (empty_project / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Lost, sorry</h1>{% endblock %}')
    config = load_config(empty_project)
    files = files_by_path(render_site(make_site(make_days(1), config, Urls("https://x.org/"))))
    assert "Lost, sorry" in files["404.html"]
    assert "Day 581" in files["day/2023-09-27/index.html"]  # the others stay the defaults


def test_templates_use_strict_undefined(empty_project: Path) -> None:
    env = environment(empty_project / "templates")
    with pytest.raises(UndefinedError):
        env.from_string("{{ nothing.here }}").render()
    assert str(env.from_string("{{ x }}").render(x="<b>")) == "&lt;b&gt;"
