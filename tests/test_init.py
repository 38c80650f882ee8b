"""`digest init`: a new project from the template shipped in the package, ready to build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest.build import build_site
from digest.cli import main
from digest.cli.init import template_files

REPO = Path(__file__).parent.parent

# The template's copies of the repository's own files: the same bytes, always. When this
# fails after editing the repository's file, copy it over: cp FILE digest/project_template/...
SHARED = {
    "digest.yaml": "digest.yaml",
    "sources.yaml": "sources.yaml",
    "themes.yaml": "themes.yaml",
    ".github/workflows/pages.yml": "dot-github/workflows/pages.yml",
}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_template_copies_match_the_repository(name: str) -> None:
    ours = REPO / name
    if not ours.exists():
        pytest.skip(f"the repository has no {name} yet")
    copy = REPO / "digest" / "project_template" / SHARED[name]
    assert copy.exists(), f"copy {name} to {copy.relative_to(REPO)}"
    assert copy.read_bytes() == ours.read_bytes(), \
        f"{name} changed: copy it to {copy.relative_to(REPO)}"


def test_template_contents() -> None:
    names = set(template_files())
    assert {"digest.yaml", "sources.yaml", "themes.yaml", "README.md", ".gitignore"} <= names
    assert any(re.fullmatch(r"seeds/[\w-]+\.txt", n) for n in names)
    assert not any("dot-" in n for n in names)


def test_init_then_build_gives_a_working_site(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "my-digest"
    assert main(["init", str(project)]) == 0
    assert "digest build" in capsys.readouterr().out
    assert (project / "content").is_dir()
    if (REPO / ".github" / "workflows" / "pages.yml").exists():
        assert (project / ".github" / "workflows" / "pages.yml").is_file()
    result = build_site(project)
    assert not [p for p in result.problems if p.severity == "error"], result.problems
    site = project / "site"
    index = (site / "index.html").read_text("utf-8")
    day = (site / "day" / "2023-09-28" / "index.html").read_text("utf-8")
    assert "Day 582" in day and "Stoltenberg" in day
    assert 'href="/day/2023-09-28/"' in index or "day/2023-09-28/" in index
    assert "<rss" in (site / "feed.xml").read_text("utf-8")
    assert main(["-C", str(project), "check"]) == 0


def test_init_in_the_current_folder_with_unrelated_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["-C", str(tmp_path), "init"]) == 0
    assert (tmp_path / "digest.yaml").is_file() and (tmp_path / "notes.txt").read_text() == "mine"


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "digest.yaml").write_text("title: Mine\n")
    assert main(["init", str(tmp_path)]) == 1
    assert (tmp_path / "digest.yaml").read_text() == "title: Mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.yaml"]  # nothing half-made
    assert "already has digest.yaml" in capsys.readouterr().err
