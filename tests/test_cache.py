"""The caches of a build: a rebuild from them makes exactly the site a build without them makes,
whatever changed in between (articles, themes, outlets, templates, settings, content/), and
whatever happened to the caches themselves."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from conftest import copy_project

from digest.build import build_site, prepare, write_site
from digest.cache import ParseCache, Store, cache_folder
from digest.config import load_config
from digest.model import OutputFile

REPO = Path(__file__).parent.parent
SEED = "seeds/002_e36b2bbf93a9e1ef.txt"  # Novinite, 28 September 2023


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample project with two stories a page, so that themes and outlets have pages."""
    project = copy_project(tmp_path / "project")
    settings = project / "digest.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "theme_page_size: 50", "theme_page_size: 2"), encoding="utf-8")
    return project


def fresh(project: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site a build without any cache makes of the project as it is now."""
    copy = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".digest-cache", "site"))
    build_site(copy)
    return tree(copy / "site")


def rebuilt(project: Path) -> dict[str, bytes]:
    build_site(project)
    return tree(project / "site")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_article(project: Path) -> None:
    edit(project / SEED, "The NATO chief has arrived", "The NATO chief has at last arrived")


def add_article(project: Path) -> None:
    (project / "seeds" / "late.txt").write_text(
        "Drones hit the port of Izmail overnight\n\nRussian drones struck grain silos in the "
        "port of Izmail overnight, the governor said, in the third attack this week on the "
        "Danube port that ships Ukrainian grain.\n", encoding="utf-8")
    (project / "seeds" / "late.yaml").write_text(
        "date: 2023-09-28\nsource: Reuters\nurl: https://www.reuters.com/late\n",
        encoding="utf-8")


def edit_themes(project: Path) -> None:
    edit(project / "themes.yaml", "name: Diplomacy and politics", "name: Talks and visits")


def edit_sources(project: Path) -> None:
    # A shared clutter rule that drops a line of the article: its text, and so the site, change.
    edit(project / "sources.yaml", "shared_clutter:\n", "shared_clutter:\n  - '^The NATO chief has'\n")


def edit_template(project: Path) -> None:
    templates = project / "templates"
    templates.mkdir(exist_ok=True)
    day = (REPO / "digest" / "templates" / "day.html").read_text(encoding="utf-8")
    (templates / "day.html").write_text(day.replace("</article>", "<p>Edited.</p></article>"),
                                        encoding="utf-8")


def edit_settings(project: Path) -> None:
    edit(project / "digest.yaml", "title: War Digest", "title: Another Digest")


def add_correction(project: Path) -> None:
    items = [i for d in prepare(project).days for s in d.stories for i in s.items
             if i.article_path == SEED]
    (project / "content").mkdir(exist_ok=True)
    (project / "content" / "fix.md").write_text(
        f"---\ncorrects: {items[0].id}\ncorrected: 2023-10-02\nheadline: A corrected "
        "headline\nnote: A better headline.\n---\n", encoding="utf-8")


def delete_article(project: Path) -> None:
    (project / SEED).unlink()
    (project / SEED).with_suffix(".yaml").unlink()


CHANGES: dict[str, Callable[[Path], None]] = {
    "edited article": edit_article, "new article": add_article, "themes.yaml": edit_themes,
    "sources.yaml": edit_sources, "template": edit_template, "digest.yaml": edit_settings,
    "correction": add_correction, "deleted article": delete_article,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_cached_rebuild_after_a_change_is_a_fresh_build(
        change: str, project: Path, tmp_path: Path) -> None:
    before = rebuilt(project)
    assert rebuilt(project) == before  # from the caches
    CHANGES[change](project)
    after = rebuilt(project)
    assert after != before, "the change shows"
    assert after == fresh(project, tmp_path)


def test_changes_one_after_another_from_one_cache(project: Path, tmp_path: Path) -> None:
    """As `digest serve` does: one cache object for every build."""
    cache = ParseCache.for_project(load_config(project).settings)
    out = project / "site"
    build_site(project, cache=cache)
    for change in CHANGES.values():
        change(project)
        build_site(project, cache=cache)
        assert tree(out) == fresh(project, tmp_path)


def test_a_deleted_article_leaves_pages_and_feeds(project: Path) -> None:
    site = project / "site"
    build_site(project)
    phrase = "The NATO chief has arrived"
    assert phrase in (site / "day" / "2023-09-28" / "index.html").read_text(encoding="utf-8")
    delete_article(project)
    build_site(project)
    for path, data in tree(site).items():
        assert phrase.encode() not in data, path
    for feed in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((site / feed).read_bytes())
        assert parsed.bozo == 0
        assert all(phrase not in e.content[0].value for e in parsed.entries)


def test_a_rebuild_without_change_writes_nothing(project: Path) -> None:
    build_site(project)
    index = project / "site" / "index.html"
    before = os.stat(index)
    again = build_site(project)
    assert again.written == 0
    assert os.stat(index).st_ino == before.st_ino and os.stat(index).st_mtime_ns == \
        before.st_mtime_ns


def test_the_site_is_repaired_when_someone_changed_it(project: Path, tmp_path: Path) -> None:
    site = project / "site"
    build_site(project)
    (site / "stray.html").write_text("stray", encoding="utf-8")
    (site / "index.html").write_text("edited by hand", encoding="utf-8")
    build_site(project)
    assert tree(site) == fresh(project, tmp_path)
    # The site before the last one is kept in the cache to start the next one from (not one
    # that was changed by hand, as above): a hand there is repaired too.
    edit_article(project)
    build_site(project)
    kept = next(cache_folder(load_config(project).settings).glob("site-*")) / "site"
    assert kept.is_dir()
    (kept / "stray.html").write_text("stray", encoding="utf-8")
    (kept / "index.html").write_text("edited by hand", encoding="utf-8")
    edit_themes(project)
    build_site(project)
    assert tree(site) == fresh(project, tmp_path)
    (kept / "index.html").write_text("edited by hand", encoding="utf-8")  # and only that
    edit_settings(project)
    build_site(project)
    assert tree(site) == fresh(project, tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "deleted"])
def test_damaged_caches_only_cost_time(damage: str, project: Path, tmp_path: Path) -> None:
    build_site(project)
    folder = cache_folder(load_config(project).settings)
    for path in folder.iterdir():
        if path.is_file():
            if damage == "garbage":
                path.write_bytes(b"not a cache" * 100)
            else:
                path.unlink()
    edit_article(project)
    assert rebuilt(project) == fresh(project, tmp_path)
    assert rebuilt(project) == fresh(project, tmp_path)


def test_a_store_that_lost_its_days_makes_them_again(project: Path, tmp_path: Path) -> None:
    """The index says what is there; the store lost some of it (here: every day, every page,
    every feed): what is missing is made again, from the articles."""
    build_site(project)
    store = cache_folder(load_config(project).settings) / "store.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM blobs WHERE key NOT LIKE 'article-%' AND key NOT LIKE '%:info'")
    edit_template(project)
    assert rebuilt(project) == fresh(project, tmp_path)


def test_a_store_that_lost_its_articles_parses_them_again(project: Path, tmp_path: Path) -> None:
    build_site(project)
    store = cache_folder(load_config(project).settings) / "store.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM blobs WHERE key LIKE 'article-%' OR key LIKE 'day-%'")
    edit_themes(project)  # every day is made again, from its articles
    assert rebuilt(project) == fresh(project, tmp_path)


def test_moving_the_project_keeps_its_caches_useful(project: Path, tmp_path: Path) -> None:
    site = rebuilt(project)
    moved = tmp_path / "moved"
    shutil.copytree(project, moved, symlinks=True)
    cache = ParseCache.for_project(load_config(moved).settings)
    prepared = prepare(moved, cache=cache)
    assert {f.path: f.data for f in prepared.files} == site
    assert cache.misses == 0  # no article parsed again
    assert cache.memo.misses == 0  # no day or page made again


def test_write_site_keeps_the_site_before_and_starts_from_it(tmp_path: Path) -> None:
    out, record = tmp_path / "site", tmp_path / "cache" / "site-x"
    versions = [
        {"index.html": b"one", "a/index.html": b"a1", "a/b/index.html": b"b1", "c.txt": b""},
        {"index.html": b"two", "a/index.html": b"a1", "d/index.html": b"d1", "c.txt": b"c"},
        {"index.html": b"two", "a/b": b"a file where a folder was", "d/index.html": b"d2"},
        {"index.html": b"one", "a/index.html": b"a1", "a/b/index.html": b"b1", "c.txt": b""},
        {},
    ]
    for files in [*versions, *versions]:
        outputs = [OutputFile(path, data) for path, data in files.items()]
        keys = {path: repr(data) for path, data in files.items() if path != "c.txt"}
        write_site(outputs, out, keys=keys, record=record)
        assert tree(out) == files
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "site"]
    assert (record / "site").is_dir()


def test_the_store_collects_what_no_recent_build_used(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite")
    for n in range(3000):
        store.put(f"old-{n}", b"x")
    store.save("one")
    for n in range(10):
        store.put(f"new-{n}", b"y")
    store.save("one")  # the same build again: what it no longer uses is garbage
    store = Store(tmp_path / "store.sqlite")
    assert store.get("new-3") == b"y" and store.get("old-3") is None
    with sqlite3.connect(tmp_path / "store.sqlite") as db:
        assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == 10
