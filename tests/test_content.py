"""content/: hand-written items, corrections, and what a build makes of them."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.build import build_site
from digest.cli import main
from digest.config import load_config
from digest.content import apply_corrections, load_content, slugify, split_front_matter
from tests.conftest import make_item

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def write(project: Path, name: str, text: str) -> Path:
    path = project / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(project: Path):
    config = load_config(project)
    return load_content(project, config.settings, config.themes, config.sources)


HAND_ITEM = """---
date: 2023-09-28
headline: Power cut in Odesa after a drone strike
theme: civilians
time: 14:05
outlets:
  - name: Reuters
    url: https://www.reuters.com/world/europe/odesa-power/
links: [https://kyivindependent.com/odesa-power/]
---
Part of **Odesa** lost power after a drone hit a substation.
"""


def test_slugs_are_ascii_and_transliterated() -> None:
    assert slugify("Зеленський обговорив вступ України до НАТО") == \
        "zelenskiy-obgovoriv-vstup-ukraini-do-nato"
    assert slugify("Ukraine’s entry: ../../etc/passwd") == "ukraines-entry-etc-passwd"
    assert slugify("a" * 30 + " " + "b" * 40, limit=60) == "a" * 30
    assert slugify("«»") == ""


def test_hand_written_item(empty_project: Path) -> None:
    write(empty_project, "2023-09-28-odesa-power.md", HAND_ITEM)
    content = load(empty_project)
    assert content.problems == ()
    first, second = content.items
    assert first.id == "editor-2023-09-28-odesa-power"
    assert (first.date, first.time, first.theme) == (date(2023, 9, 28), "14:05", "civilians")
    assert first.published is not None and first.published.utcoffset() is not None
    assert first.headline == "Power cut in Odesa after a drone strike"
    assert first.text == "Part of **Odesa** lost power after a drone hit a substation."
    assert (first.source, first.url) == ("Reuters", "https://www.reuters.com/world/europe/odesa-power/")
    # A link is named after its outlet in sources.yaml; both are one story, always.
    assert (second.id, second.source) == ("editor-2023-09-28-odesa-power-2", "The Kyiv Independent")
    assert content.merge == ((first.id, second.id),)
    assert first.article_path == "content/2023-09-28-odesa-power.md"


def test_front_matter_problems_name_the_file_line(empty_project: Path) -> None:
    write(empty_project, "a-good.md", HAND_ITEM)
    write(empty_project, "b-broken.md", "---\ndate: 2023-09-28\nheadline: Kyiv: drones\n---\nx\n")
    write(empty_project, "c-theme.md",
          "---\ndate: 2023-09-28\nheadline: H\ntheme: diplomcy\n---\nText.\n")
    write(empty_project, "d-none.md", "Just text, no front matter.\n")
    write(empty_project, "e-open.md", "---\ndate: 2023-09-28\nheadline: H\n")
    write(empty_project, "f-keys.md", "---\ndate: 2023-09-28\nheadlin: H\n---\nText.\n")
    content = load(empty_project)
    found = {str(p) for p in content.problems}
    assert any(p.startswith("content/b-broken.md:3: this is not valid YAML") for p in found)
    assert any(p.startswith("content/c-theme.md:4: unknown theme `diplomcy`")
               and "did you mean `diplomacy`" in p for p in found)
    assert any(p.startswith("content/d-none.md:1: the file does not start with front matter")
               for p in found)
    assert any(p.startswith("content/e-open.md:1: the front matter is not closed") for p in found)
    assert any(p.startswith("content/f-keys.md:3: unknown key `headlin`")
               and "did you mean `headline`" in p for p in found)
    # The good file, and the item with a mistyped theme (themed by its words instead), load.
    ids = {i.id for i in content.items}
    assert {"editor-a-good", "editor-c-theme"} <= ids
    assert all(p.severity == "error" for p in content.problems)


def test_front_matter_lines_are_file_lines() -> None:
    data, body, _, problems = split_front_matter(
        "---\n# comment\ndate: 2023-09-28\nheadline: H\n---\nBody\n", "x.md")
    assert problems == []
    assert data.line_of("headline") == 4
    assert body.strip() == "Body"


def correction(item_id: str, **fields: str) -> str:
    lines = [f"corrects: {item_id}", "corrected: 2023-10-02"]
    body = fields.pop("text", "")
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def test_apply_corrections(empty_project: Path) -> None:
    day = date(2023, 9, 28)
    items = [make_item("a", day, "Wrong headline", text="Old text."),
             make_item("b", day, "Same"), make_item("c", day, "To hide"),
             make_item("d", day, "Untouched")]
    write(empty_project, "corrections/a.md",
          correction("a", headline="Right headline", note="The headline misnamed the city.",
                     theme="diplomacy", text="New text.\n"))
    write(empty_project, "corrections/b.md", correction("b", headline="Same", text="Some text."))
    write(empty_project, "corrections/c.md", correction("c", hidden="true"))
    write(empty_project, "corrections/gone.md", correction("no-such-item", headline="X"))
    content = load(empty_project)
    assert content.problems == ()
    out, problems = apply_corrections(items, content.corrections)
    by_id = {i.id: i for i in out}
    assert list(by_id) == ["a", "b", "d"]  # c is hidden; order kept
    a = by_id["a"]
    assert (a.headline, a.text, a.theme) == ("Right headline", "New text.", "diplomacy")
    assert a.corrected == date(2023, 10, 2)  # the day in the file, never the build's
    assert a.correction_note == "The headline misnamed the city."
    # A correction that changes nothing marks nothing.
    assert by_id["b"] == items[1]
    assert by_id["d"] == items[3]
    [gone] = problems
    assert str(gone).startswith("content/corrections/gone.md:2: it corrects item `no-such-item`")
    assert gone.severity == "error"


def test_two_corrections_of_one_item(empty_project: Path) -> None:
    write(empty_project, "corrections/a.md", correction("a", headline="One"))
    write(empty_project, "corrections/b.md", correction("a", headline="Two"))
    content = load(empty_project)
    assert content.corrections["a"].headline == "One"
    [problem] = content.problems
    assert problem.path == "content/corrections/b.md" and "already corrected" in problem.message


def test_merge_and_split_are_exposed(empty_project: Path) -> None:
    write(empty_project, "corrections/a.md",
          "---\ncorrects: a\nmerge: [b, c]\nsplit: [d]\n---\n")
    content = load(empty_project)
    assert content.merge == (("a", "b", "c"),)
    assert content.split == (("a", "d"),)


# --- end to end: what the editor does, what the reader sees ---------------------------------


def ingest(project: Path, *sources: str) -> None:
    assert main(["-C", str(project), "ingest", *sources]) == 0


def site_text(project: Path) -> str:
    """Every page and feed of the built site, concatenated."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((project / "site").rglob("*"))
                     if p.suffix in (".html", ".xml", ".json"))


def first_item_id(project: Path, capsys: pytest.CaptureFixture[str], seed: str) -> str:
    capsys.readouterr()
    assert main(["-C", str(project), "parse", seed]) == 0
    return next(line.split("id: ", 1)[1] for line in capsys.readouterr().out.splitlines()
                if line.strip().startswith("id: "))


def test_correction_survives_rebuild_and_reingest(empty_project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    page = str(FIXTURES / "article.html")
    ingest(empty_project, page)
    [seed] = (empty_project / "seeds").glob("*.html")
    item_id = first_item_id(empty_project, capsys, str(seed))
    build_site(empty_project)
    before = site_text(empty_project)
    guids_before = _guids(empty_project)
    assert "Ukraine downs 34 of 44 Shahed drones" in before

    assert main(["-C", str(empty_project), "edit", item_id]) == 0
    [fix] = (empty_project / "content" / "corrections").glob("*.md")
    text = fix.read_text(encoding="utf-8")
    assert f"corrects: {item_id}" in text and "Ukraine downs 34 of 44" in text
    text = text.replace("headline: Ukraine downs 34 of 44 Shahed drones overnight, air force says",
                        "headline: Ukraine downs 34 of 44 attack drones overnight")
    text = text.replace('note: ""', 'note: "The drones were Shahed-type, not all Shaheds."')
    today = datetime.now(ZoneInfo("Europe/Kyiv")).date()
    assert f"corrected: {today.isoformat()}" in text  # the day `digest edit` ran
    text = text.replace(f"corrected: {today.isoformat()}", "corrected: 2023-10-02")
    fix.write_text(text, encoding="utf-8")

    for _ in range(2):  # a rebuild, then a re-ingest and another rebuild
        build_site(empty_project)
        after = site_text(empty_project)
        assert "Ukraine downs 34 of 44 attack drones overnight" in after
        assert "Ukraine downs 34 of 44 Shahed drones overnight" not in after
        assert "Corrected on" in after and "not all Shaheds" in after
        day = (empty_project / "site" / "day" / "2023-09-28" / "index.html").read_text("utf-8")
        assert "Corrected on" in day
        feed = (empty_project / "site" / "feed.xml").read_text("utf-8")
        assert "attack drones" in feed and "Corrected" in feed
        assert _guids(empty_project) == guids_before  # the entry's id never changes
        ingest(empty_project, page)
    assert fix.read_text(encoding="utf-8") == text  # nothing rewrote the editor's file
    # The feed entry's updated time moved to the correction's day.
    atom = (empty_project / "site" / "atom.xml").read_text("utf-8")
    assert "<updated>2023-10-02T00:00:00+03:00</updated>" in atom


def _guids(project: Path) -> list[str]:
    feed = (project / "site" / "feed.xml").read_text("utf-8")
    return re.findall(r"<guid[^>]*>([^<]+)</guid>", feed)


def test_hidden_item_is_gone_from_pages_and_feeds(empty_project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ingest(empty_project, str(FIXTURES / "feed.xml"))
    seed = next((empty_project / "seeds").glob("*denmark*.html"))
    item_id = first_item_id(empty_project, capsys, str(seed))
    build_site(empty_project)
    assert "Denmark will send Ukraine" in site_text(empty_project)
    write(empty_project, "corrections/hide.md",
          f"---\ncorrects: {item_id}\ncorrected: 2023-10-02\nhidden: true\n---\n")
    build_site(empty_project)
    text = site_text(empty_project)
    assert "Denmark" not in text
    assert "Russian troops shelled the city of Kherson" in text  # the rest of the day stays


def test_hand_written_item_on_its_day(empty_project: Path) -> None:
    shutil.copy(FIXTURES / "article.html", empty_project / "seeds" / "page.html")
    write(empty_project, "2023-09-28-odesa-power.md", HAND_ITEM)
    result = build_site(empty_project)
    day = (empty_project / "site" / "day" / "2023-09-28" / "index.html").read_text("utf-8")
    assert "Power cut in Odesa after a drone strike" in day
    assert "<strong>Odesa</strong>" in day
    assert "https://www.reuters.com/world/europe/odesa-power/" in day
    assert "https://kyivindependent.com/odesa-power/" in day
    assert not [p for p in result.problems if p.path.startswith("content/")]


def test_broken_front_matter_reported_while_the_rest_builds(empty_project: Path) -> None:
    shutil.copy(FIXTURES / "article.html", empty_project / "seeds" / "page.html")
    write(empty_project, "good.md", HAND_ITEM)
    write(empty_project, "broken.md",
          "---\ndate: 2023-09-28\nheadline: Kyiv: drones\ntheme: civilians\n---\nText.\n")
    result = build_site(empty_project)
    assert any(str(p).startswith("content/broken.md:3: this is not valid YAML")
               for p in result.problems)
    day = (empty_project / "site" / "day" / "2023-09-28" / "index.html").read_text("utf-8")
    assert "Power cut in Odesa" in day and "Ukraine downs 34 of 44" in day


def test_new_item_from_the_template(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "article.html", empty_project / "seeds" / "page.html")
    args = ["-C", str(empty_project), "new", "--headline", "Пожежа в Одесі", "--theme", "civilians"]
    assert main(args) == 0
    assert main(args) == 0  # the same again: a second file, the first untouched
    first = empty_project / "content" / "2023-09-28-pozhezha-v-odesi.md"  # the latest day
    second = first.with_name("2023-09-28-pozhezha-v-odesi-2.md")
    assert first.read_text("utf-8") == second.read_text("utf-8")
    assert "created content/2023-09-28-pozhezha-v-odesi.md" in capsys.readouterr().out
    content = load(empty_project)
    assert content.problems == ()
    item = next(i for i in content.items if i.id == "editor-2023-09-28-pozhezha-v-odesi")
    assert (item.headline, item.theme, item.date) == ("Пожежа в Одесі", "civilians",
                                                      date(2023, 9, 28))
    assert main(["-C", str(empty_project), "new", "--theme", "civilian"]) == 2
    assert "did you mean civilians?" in capsys.readouterr().err


def test_edit_unknown_and_already_corrected(empty_project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    ingest(empty_project, str(FIXTURES / "feed.xml"))
    seed = next((empty_project / "seeds").glob("*kherson*.html"))
    item_id = first_item_id(empty_project, capsys, str(seed))
    assert main(["-C", str(empty_project), "edit", item_id[:-3]]) == 1
    assert f"did you mean {item_id}?" in capsys.readouterr().err
    assert main(["-C", str(empty_project), "edit", item_id]) == 0
    capsys.readouterr()
    assert main(["-C", str(empty_project), "edit", item_id]) == 0
    assert "is already corrected in content/corrections/" in capsys.readouterr().out
    assert len(list((empty_project / "content" / "corrections").iterdir())) == 1
    # A fresh correction changes nothing until the editor does.
    result = build_site(empty_project)
    assert not [p for p in result.problems if p.path.startswith("content/")]
    assert "Corrected on" not in site_text(empty_project)
