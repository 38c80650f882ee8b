"""`digest check`: every problem of every input, `file:line: what — fix`, and nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from digest.cli import main


def tree(project: Path) -> dict[str, str]:
    return {p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(project.rglob("*")) if p.is_file()}


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    before = tree(project)
    code = main(["-C", str(project), "check"])
    assert tree(project) == before  # not a site, not a cache, not a byte
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_sample_project_passes(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(sample_project, capsys)
    assert code == 0, out
    assert "0 error(s)" in out


def test_every_kind_of_problem(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds, content = sample_project / "seeds", sample_project / "content"
    content.mkdir()
    (seeds / "undated.txt").write_text("Drones hit Odesa overnight, the governor said.\n")
    (seeds / "lost.yaml").write_text("source: Novinite\n")
    (seeds / "bad-meta.txt").write_text("Kyiv, September 28, 2023\n\nDrones hit Kyiv.\n")
    (seeds / "bad-meta.yaml").write_text("date: 2023-09-28\nsorce: Reuters\n")
    (content / "broken.md").write_text(
        "---\ndate: 2023-09-28\nheadline: Kyiv: drones\n---\nText.\n")
    (content / "theme.md").write_text(
        "---\ndate: 2023-09-28\nheadline: H\ntheme: air-raids\n---\nText.\n")
    (content / "stale.md").write_text(
        "---\ncorrects: 2023-09-28-novinite-gone\ncorrected: 2023-10-01\nheadline: X\n---\n")
    code, out = check(sample_project, capsys)
    assert code == 1
    for expected in (
        "content/broken.md:3: this is not valid YAML",
        "content/theme.md:4: unknown theme `air-raids`",
        "content/stale.md:2: it corrects item `2023-09-28-novinite-gone`, which no longer exists",
        "seeds/undated.txt: no date in the text or metadata",
        "add `date: YYYY-MM-DD` (the day it covers) to seeds/undated.yaml",
        "seeds/bad-meta.yaml:2: unknown key `sorce` in the metadata — did you mean `source`?",
        "seeds/lost.yaml: metadata without an article beside it",
    ):
        assert expected in out, expected
    assert out.index("errors:") < out.index("content/broken.md") < out.index("warnings:")


def test_warnings_alone_pass(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_project / "seeds" / "undated.txt").write_text("Drones hit Odesa overnight.\n")
    code, out = check(sample_project, capsys)
    assert code == 0
    assert "seeds/undated.txt: no date" in out


def test_broken_settings(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = sample_project / "digest.yaml"
    settings.write_text(settings.read_text() + "\ntimezone: Mars/Olympus\ntitel: X\n")
    code, out = check(sample_project, capsys)
    assert code == 1
    assert "unknown timezone 'Mars/Olympus'" in out
    assert "unknown key `titel`" in out and "did you mean `title`?" in out
    assert "digest.yaml:" in out
