"""A broken template of the project's own is reported as `templates/day.html:12: what — fix`:
exit code 1, no Jinja traceback, and the site built before is left as it was."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import copy_project

from digest import render
from digest.build import build_site
from digest.cli import main
from digest.render import TemplateProblems

DEFAULTS = Path(render.__file__).parent / "templates"


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, str]:
    """A project built once, with a copy of the default day template to break."""
    project = copy_project(tmp_path / "project")
    assert main(["-C", str(project), "build"]) == 0
    (project / "templates").mkdir()
    (project / "templates" / "day.html").write_text(
        (DEFAULTS / "day.html").read_text(encoding="utf-8"), encoding="utf-8")
    return project, tree_hash(project / "site")


def with_line(project: Path, name: str, line: int, extra: str) -> None:
    """Add `extra` at the end of line `line` of templates/NAME (a copy of the default)."""
    path = project / "templates" / name
    if not path.exists():
        path.write_text((DEFAULTS / name).read_text(encoding="utf-8"), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] += extra
    path.write_text("\n".join(lines), encoding="utf-8")


def build_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["-C", str(project), "build"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "nothing was written" in captured.err
    return captured.err


CASES = {
    "an undefined name": ("day.html", 5, " {{ nosuchname }}",
                          "templates/day.html:5: 'nosuchname' is undefined — "),
    "an unclosed tag": ("day.html", 7, " {% if day %}", "templates/day.html:"),
    "a bad expression": ("day.html", 5, " {{ 1 + }}", "templates/day.html:5: template syntax: "),
    "an unknown filter": ("day.html", 5, " {{ day | shout }}",
                          "templates/day.html:5: template syntax: No filter named 'shout'"),
    "a missing include": ("day.html", 5, ' {% include "nope.html" %}',
                          "templates/day.html:5: there is no template `nope.html` — "),
    "a type error": ("day.html", 5, " {{ day.date + 1 }}", "templates/day.html:5: "),
    "in the frame of every page": ("base.html", 3, " {{ site.nosuch.deeper }}",
                                   "templates/base.html:3: "),
    "in a feed entry": ("feed_entry.html", 1, " {{ nosuch_in_feed }}",
                        "templates/feed_entry.html:1: 'nosuch_in_feed' is undefined"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_template_is_named_with_its_line_and_the_site_is_kept(
        case: str, built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    project, before = built
    name, line, extra, expected = CASES[case]
    with_line(project, name, line, extra)
    err = build_fails(project, capsys)
    assert err.startswith(expected), err
    assert " — " in err.splitlines()[0]
    assert tree_hash(project / "site") == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == []


def test_every_syntax_error_is_reported_together_and_check_reports_them_too(
        built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    project, before = built
    with_line(project, "day.html", 5, " {{ 1 + }}")
    with_line(project, "index.html", 2, " {% endfor %}")
    (project / "templates" / "archive.html").write_bytes(b"{% extends 'base.html' %}\n\xff\xfe\n")
    err = build_fails(project, capsys)
    assert [line.split(":")[0] for line in err.splitlines()[:3]] == [
        "templates/archive.html", "templates/day.html", "templates/index.html"]
    assert err.startswith("templates/archive.html:2: is not UTF-8 text — save it as UTF-8")
    assert main(["-C", str(project), "check"]) == 1
    out = capsys.readouterr().out
    assert "templates/day.html:5: template syntax" in out and "Traceback" not in out
    assert tree_hash(project / "site") == before


def test_an_editors_swap_file_in_templates_is_no_template(built: tuple[Path, str]) -> None:
    project, _ = built
    (project / "templates" / ".day.html.swp").write_bytes(b"\x00\xff\xfe binary {% if")
    (project / "templates" / "notes.md").write_bytes(b"\xff not utf-8 either")
    assert main(["-C", str(project), "build"]) == 0


def test_an_error_met_in_a_worker_process_is_named_too(
        built: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pages are made in forked workers: the template's file and line are found there,
    where the traceback is, and reach the parent intact."""
    project, before = built
    monkeypatch.setattr(render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)
    with_line(project, "day.html", 5, " {{ nosuch_in_worker }}")
    with pytest.raises(TemplateProblems) as caught:
        build_site(project)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("templates/day.html", 5)
    assert "nosuch_in_worker" in problem.message
    assert tree_hash(project / "site") == before


def test_a_template_linked_from_outside_the_project_is_not_used(
        built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A template that is a link out of the project would publish whatever it points to."""
    project, _ = built
    secret = tmp_path / "secret.html"
    secret.write_text("PRIVATE NOTES {{ 1 }}", encoding="utf-8")
    (project / "templates" / "day.html").unlink()
    (project / "templates" / "day.html").symlink_to(secret)
    (project / "templates" / "partials").symlink_to(tmp_path, target_is_directory=True)
    with_line(project, "index.html", 1, ' {% include "partials/secret.html" ignore missing %}')
    assert main(["-C", str(project), "build"]) == 0
    out = capsys.readouterr().out
    assert "templates/day.html: is a link to " in out and "outside the project" in out
    assert "templates/partials: is a link to " in out
    site = project / "site"
    assert not any(b"PRIVATE NOTES" in p.read_bytes() for p in site.rglob("*") if p.is_file())
    assert b"Key events" in (site / "day" / "2023-09-28" / "index.html").read_bytes()


def test_a_fifo_in_templates_does_not_hang_the_build(built: tuple[Path, str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project, _ = built
    (project / "templates" / "day.html").unlink()
    os.mkfifo(project / "templates" / "day.html")
    assert main(["-C", str(project), "build"]) == 0  # pytest's timeout would end a hang
    assert "templates/day.html: is not a regular file" in capsys.readouterr().out
