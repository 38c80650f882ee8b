"""End to end: the sample project built into a temp folder, checked page by page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import REPO, copy_project
from test_render import HOSTILE_TEXT, assert_harmless

from digest.build import build_site, prepare, safe_target, write_site
from digest.cli import main
from digest.model import OutputFile

UNDATED = "seeds/003_c96be513e5640d2e"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

# What a careful editor reads out of the samples: (headline or first words, sensible themes).
EXPECTED = {
    "2023-09-28": [
        ("Ukrainian forces are gradually making progress", {"diplomacy", "military-aid"}),
        ("Russia is preparing to buy Iranian missiles", {"military-aid", "air-war"}),
        ("In Ukraine, Kyiv forces said they had repelled", {"diplomacy", "fighting"}),
        ("Ukraine announced that it destroyed more than 30 drones", {"air-war", "fighting"}),
        ("Canadian Prime Minister Justin Trudeau has apologized", {"diplomacy"}),
        ("President Volodymyr Zelensky held separate meetings", {"diplomacy"}),
        ("General Valerii Zaluzhnyi, commander-in-chief", {"diplomacy", "military-aid"}),
        ("The projectile that caused the death of two people", {"diplomacy", "air-war"}),
        ("The European Commission has warned Western firms", {"economy"}),
        ("Russian forces launched an artillery strike", {"civilians"}),
        ("The NATO chief has arrived in Ukraine’s capital", {"diplomacy", "military-aid"}),
    ],
    "2023-11-29": [
        ("Russia has said its armed forces had taken control of Khromove", {"fighting"}),
        ("NATO chief reiterates support for Ukraine", {"diplomacy"}),
        ("Blinken reiterates NATO's 'unwavering' support", {"diplomacy"}),
        ("Russia amasses large missile stockpile", {"air-war", "military-aid"}),
        ("Russia mulls 'loyalty' pledge", {"russia"}),
        ("Ukraine says Russia ramping up attacks on Avdiivka", {"fighting"}),
        ("Ukraine tells NATO it won't 'back down'", {"diplomacy"}),
        ("Ukrainian victory over Russia in NATO's interest", {"diplomacy"}),
        ("Ukraine has received 300,000 of EU's promised", {"military-aid"}),
        ("German minister calls for protective winter shield", {"diplomacy", "air-war"}),
        ("Ukraine downed 21 drones, missiles", {"air-war"}),
        ("Russia's air defence forces destroy Ukraine-launched drone", {"air-war"}),
        ("Russia extends detention of WSJ reporter", {"russia"}),
        ("Russia says Black Sea frigate strikes", {"air-war", "fighting"}),
        ("Ukraine says bad weather slows Russian offensive", {"fighting"}),
    ],
}


class Page(HTMLParser):
    """Checks that tags nest and close, and collects links, assets and ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def check_site(site: Path, prefix: str) -> None:
    """Every page parses, and every internal link and asset resolves to a file (and anchor)."""
    pages = {p: read_page(p) for p in site.rglob("*.html")}
    assert pages
    for path, page in pages.items():
        assert not page.errors and page.stack == [], (path, page.errors, page.stack)
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # outlets' pages, and absolute links to ourselves in <head>
            if not parts.path:
                assert parts.fragment in page.ids, (path, link)
                continue
            assert parts.path.startswith(prefix), (path, link)
            target = site / parts.path[len(prefix):]
            if parts.path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), (path, link)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[target].ids, (path, link)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample, without the metadata that dates 003, built under a sub-path."""
    project = copy_project(tmp_path_factory.mktemp("sample") / "project")
    (project / f"{UNDATED}.yaml").unlink()
    out = project / "site"
    code = main(["-C", str(project), "build", "--base-url", "https://user.github.io/repo/"])
    assert code == 0
    return out, "/repo/"


def test_every_page_parses_and_every_link_resolves_under_a_sub_path(built) -> None:
    site, prefix = built
    check_site(site, prefix)
    for name in (".nojekyll", "robots.txt", "sitemap.xml", "404.html", "archive/index.html",
                 "feed.xml", "atom.xml", "theme/fighting/index.html"):
        assert (site / name).exists(), name
    assert not (site / "CNAME").exists()


def test_links_resolve_at_the_root_too(sample_project: Path, tmp_path: Path) -> None:
    build_site(sample_project, base_url="https://digest.example.org/", out=tmp_path / "out")
    check_site(tmp_path / "out", "/")


def test_the_two_days_hold_every_expected_item_under_a_sensible_theme(built) -> None:
    site, _ = built
    for day, expected in EXPECTED.items():
        assert (site / "day" / day / "index.html").is_file()
        data = json.loads((site / "day" / day / "index.json").read_text(encoding="utf-8"))
        for words, themes in expected:
            found = [i for i in data["items"]
                     if (i["headline"] or "").startswith(words) or i["text"].startswith(words)]
            assert len(found) == 1, (day, words)
            assert found[0]["theme"] in themes, (day, words, found[0]["theme"])
        page = (site / "day" / day / "index.html").read_text(encoding="utf-8")
        assert "Key events" in page


def test_the_undated_article_is_left_out_and_the_summary_says_why(
        sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_project / f"{UNDATED}.yaml").unlink()
    code = main(["-C", str(sample_project), "build", "--out", str(tmp_path / "out")])
    assert code == 0
    output = capsys.readouterr().out
    assert f"{UNDATED}.txt: no date" in output and f"{UNDATED}.yaml" in output
    assert "Left out (1)" in output and "Built 2 days" in output
    assert not (tmp_path / "out" / "day" / "2022-09-10").exists()
    assert main(["-C", str(sample_project), "build", "--strict",
                 "--out", str(tmp_path / "out")]) == 1


def test_with_its_date_the_article_is_published(sample_project: Path, tmp_path: Path) -> None:
    result = build_site(sample_project, out=tmp_path / "out")
    assert (tmp_path / "out" / "day" / "2022-09-10" / "index.html").is_file()
    assert not result.prepared.left_out
    assert "Day 199 · Saturday 10 September 2022" in (
        tmp_path / "out" / "day" / "2022-09-10" / "index.html").read_text(encoding="utf-8")


def test_feeds_read_cleanly_one_entry_per_day_with_absolute_links(built) -> None:
    site, _ = built
    days = sorted(p.name for p in (site / "day").iterdir())
    for name in ("feed.xml", "atom.xml", "theme/diplomacy/feed.xml"):
        parsed = feedparser.parse((site / name).read_bytes())
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        if name.startswith("theme/"):
            assert 1 <= len(parsed.entries) <= len(days)
        else:
            assert len(parsed.entries) == len(days)
        for entry in parsed.entries:
            assert entry.link.startswith("https://user.github.io/repo/day/")
            assert 'href="/' not in entry.content[0].value
            assert entry.id.startswith("digest:")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build(project: Path, out: Path, zone: str) -> None:
    env = {**os.environ, "TZ": zone}
    subprocess.run([sys.executable, "-m", "digest", "-C", str(project), "build", "--out",
                    str(out)], check=True, env=env, capture_output=True)


def test_builds_are_byte_identical_whatever_the_timezone(tmp_path: Path) -> None:
    one = copy_project(tmp_path / "one")
    two = copy_project(tmp_path / "two")
    run_build(one, tmp_path / "a", "UTC")
    run_build(two, tmp_path / "b", "Pacific/Kiritimati")  # UTC+14: another day from UTC
    run_build(one, tmp_path / "c", "America/Los_Angeles")  # warm cache this time
    a = tree(tmp_path / "a")
    assert a == tree(tmp_path / "b") == tree(tmp_path / "c")
    assert len(a) > 20


def test_hostile_article_renders_as_text_on_pages_and_feeds(
        sample_project: Path, tmp_path: Path) -> None:
    seeds = sample_project / "seeds"
    (seeds / "evil.txt").write_text(
        '<script>alert("head")</script> <img src=x onerror=alert(1)> Drone attack on Kyiv\n\n'
        + HOSTILE_TEXT + "\n\nAir defence shot down drones over the capital overnight.\n",
        encoding="utf-8")
    (seeds / "evil.yaml").write_text(
        "date: 2023-09-28\nsource: Novinite\n"
        "title: '<script>alert(\"t\")</script><img src=x onerror=alert(1)>'\n",
        encoding="utf-8")
    out = tmp_path / "out"
    build_site(sample_project, out=out)
    shown = False
    for path in out.rglob("*"):
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            assert_harmless(text)
            shown = shown or "alert(2)" in text
        elif path.suffix == ".xml" and path.name != "sitemap.xml":
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0
            raw = path.read_text(encoding="utf-8")
            assert "<script" not in raw and "<img" not in raw  # markup only ever escaped
    assert shown  # the hostile text is on the site, as text


def test_an_unreadable_file_and_an_unknown_theme_are_left_out(
        sample_project: Path, tmp_path: Path) -> None:
    (sample_project / "seeds" / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (sample_project / "seeds" / "002_e36b2bbf93a9e1ef.yaml").write_text(
        "source: London Loves Business\nthemes:\n  1: sport\n", encoding="utf-8")
    prepared = prepare(sample_project)
    messages = [str(p) for p in prepared.left_out]
    assert any(m.startswith("seeds/broken.txt: this is a binary file") for m in messages)
    assert any("unknown theme `sport`" in m for m in messages), messages
    assert prepared.days  # the rest still builds


def test_a_failed_build_leaves_the_previous_site_whole(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site([OutputFile("index.html", b"old"), OutputFile("a/b.html", b"b")], out)
    with pytest.raises(ValueError):
        write_site([OutputFile("index.html", b"new"), OutputFile("../escape.html", b"x")], out)
    assert (out / "index.html").read_bytes() == b"old" and (out / "a/b.html").exists()
    assert not (tmp_path / "escape.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temp folders left
    assert write_site([OutputFile("index.html", b"new"), OutputFile("a/b.html", b"b")], out) == 1
    assert (out / "index.html").read_bytes() == b"new"


def test_output_paths_must_stay_inside(tmp_path: Path) -> None:
    for bad in ("../x", "/etc/x", "a/../../x", ""):
        with pytest.raises(ValueError):
            safe_target(tmp_path, bad)
    assert safe_target(tmp_path, "day/x/index.html") == tmp_path / "day" / "x" / "index.html"


def test_nothing_is_written_by_prepare_and_the_repo_sample_builds(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    before = sorted(p.relative_to(project) for p in project.rglob("*")
                    if ".digest-cache" not in p.parts)
    prepared = prepare(project, base_url="https://x.org/")
    after = sorted(p.relative_to(project) for p in project.rglob("*")
                   if ".digest-cache" not in p.parts)
    assert before == after and prepared.files and prepared.pages >= 10
    assert (REPO / "seeds").is_dir()


def test_a_rebuild_shows_every_change_and_only_changed_files_are_rewritten(
        sample_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_site(sample_project, out=out)
    again = build_site(sample_project, out=out)  # everything from the caches
    assert again.written == 0 and tree(out) == tree(tmp_path / "out")
    seed = sample_project / "seeds" / "002_e36b2bbf93a9e1ef.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "The NATO chief has arrived", "The NATO chief has at last arrived"), encoding="utf-8")
    changed = build_site(sample_project, out=out)
    day = (out / "day" / "2023-09-28" / "index.html").read_text(encoding="utf-8")
    assert "The NATO chief has at last arrived" in day
    assert "The NATO chief has at last arrived" in (out / "feed.xml").read_text(encoding="utf-8")
    assert 0 < changed.written < first.written
    # A fresh build without any cache gives the same bytes as the cached one.
    shutil.rmtree(sample_project / ".digest-cache")
    build_site(sample_project, out=tmp_path / "fresh")
    assert tree(out) == tree(tmp_path / "fresh")
