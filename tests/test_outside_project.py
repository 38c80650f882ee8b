"""`digest` outside a project says so and suggests `digest init`, with exit code 2, and creates
nothing; `-C` never creates a folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli import main

# Every command that needs a project, with arguments that would otherwise be fine.
COMMANDS = {
    "build": ["build"],
    "build --out": ["build", "--out", "public"],
    "check": ["check"],
    "serve": ["serve", "--port", "0"],
    "stories": ["stories", "2023-09-28"],
    "parse": ["parse", "seeds"],
    "parse a file": ["parse", "article.txt"],
    "ingest": ["ingest", "article.txt"],
    "new": ["new", "--headline", "Hello"],
    "edit": ["edit", "some-item"],
}


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with an article in it, but no digest.yaml: not a project."""
    here = tmp_path / "here"
    (here / "seeds").mkdir(parents=True)
    (here / "article.txt").write_text("A title\n\nSome text of an article.\n", encoding="utf-8")
    (here / "seeds" / "a.txt").write_text("A title\n\nSome text.\n", encoding="utf-8")
    return here


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_outside_a_project_says_so_and_creates_nothing(
        command: str, folder: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(folder)
    before = listing(folder.parent)
    assert main(COMMANDS[command]) == 2
    err = capsys.readouterr().err
    assert "this folder is not a digest project (there is no digest.yaml in it)" in err
    assert "`digest init`" in err and "-C" in err
    assert listing(folder.parent) == before  # no site/, no .digest-cache/, no content/


def test_with_dash_c_the_folder_is_named(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(folder), "build"]) == 2
    assert f"{folder} is not a digest project" in capsys.readouterr().err
    assert listing(folder) == ["article.txt", "seeds", "seeds/a.txt"]


@pytest.mark.parametrize("command", [["build"], ["check"], ["serve"], ["init"], ["init", "x"],
                                     ["parse", "x.txt"]])
def test_dash_c_never_creates_a_folder(command: list[str], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing-folder"
    assert main(["-C", str(missing), *command]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: there is no such folder" in err
    assert not missing.exists() and listing(tmp_path) == []


def test_dash_c_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "digest.yaml").write_text("title: x\n")
    assert main(["-C", str(tmp_path / "digest.yaml"), "build"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_init_needs_no_project_and_then_build_works(tmp_path: Path) -> None:
    assert main(["-C", str(tmp_path), "init", "new"]) == 0
    assert main(["-C", str(tmp_path / "new"), "build"]) == 0
    assert (tmp_path / "new" / "site" / "index.html").is_file()


def test_as_an_editor_runs_it(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "digest", "build"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("digest build: this folder is not a digest project")
    assert listing(tmp_path) == []
    done = subprocess.run([sys.executable, "-m", "digest", "-C", "nowhere", "build"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "nowhere: there is no such folder" in done.stderr
    assert listing(tmp_path) == []


def test_a_digest_yaml_of_any_kind_makes_a_project(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A digest.yaml that is a FIFO or a dangling link is the settings loader's to report."""
    (tmp_path / "digest.yaml").symlink_to(tmp_path / "nowhere.yaml")
    main(["-C", str(tmp_path), "check"])
    assert "not a digest project" not in capsys.readouterr().err
