"""The output folder is never the project: `digest build --out X` (and `paths.output: X`) refuses
every X that would replace an input, with exit code 2, before anything is read or written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_project

from digest.build import build_site, write_site
from digest.cli import main
from digest.model import OutputFile
from digest.output import MARKER, OutputError, clear_leftovers, exchange, swap_in


def hashes(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, each file with the hash of its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        found[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample project, with a hand-written item and a template of its own, in a folder
    with a neighbour (to show the parent folder is left alone too)."""
    root = copy_project(tmp_path / "project")
    (root / "content").mkdir()
    (root / "content" / "2023-09-28-hand.md").write_text(
        "---\ndate: 2023-09-28\nheadline: An item by hand\n---\nWritten by the editor.\n",
        encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates" / "README.md").write_text("my notes\n", encoding="utf-8")
    (tmp_path / "neighbour.txt").write_text("not the project's\n", encoding="utf-8")
    return root


BAD_OUTS = {
    "the project": ".",
    "its parent": "..",
    "the parent's parent": "../..",
    "seeds": "seeds",
    "a folder in seeds": "seeds/site",
    "content": "content",
    "templates": "templates",
    "the cache": ".digest-cache",
    "the settings file": "digest.yaml",
    "another settings file": "themes.yaml",
    "an article": "seeds/000_fb2bde1abee48328.txt",
}


@pytest.mark.parametrize("what", list(BAD_OUTS))
def test_build_out_refuses_the_project_and_its_inputs(
        what: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".digest-cache").mkdir()
    monkeypatch.chdir(project)  # `--out .` as an editor types it, in the project
    before = hashes(tmp_path)
    assert main(["build", "--out", BAD_OUTS[what]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"--out {BAD_OUTS[what]}: ") and " — " in err, err
    assert "Traceback" not in err
    assert hashes(tmp_path) == before  # every input file's bytes, and nothing new anywhere


def test_an_empty_out_is_refused_not_taken_for_the_default(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = hashes(tmp_path)
    assert main(["-C", str(project), "build", "--out", ""]) == 2
    assert "--out ''" in capsys.readouterr().err
    assert hashes(tmp_path) == before


def test_the_same_refusals_through_a_subprocess_with_absolute_paths(
        project: Path, tmp_path: Path) -> None:
    """As an editor runs it: `digest -C PROJECT build --out X`, X absolute, exit code 2."""
    before = hashes(tmp_path)
    for out in (project, tmp_path, project / "seeds", project / "content", project / "digest.yaml"):
        done = subprocess.run([sys.executable, "-m", "digest", "-C", str(project), "build",
                               "--out", str(out)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (out, done.stderr)
        assert done.stderr.startswith(f"--out {out}: ") and "Traceback" not in done.stderr
    assert hashes(tmp_path) == before


@pytest.mark.parametrize("setting", [".", "seeds", "content", "content/site", "templates"])
def test_paths_output_is_refused_naming_the_setting_and_its_line(
        setting: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = project / "digest.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "\n  output: site\n" in text  # the sample's own `paths:` (a second one is a duplicate key)
    text = text.replace("\n  output: site\n", f"\n  output: {setting}\n")
    settings.write_text(text, encoding="utf-8")
    line = text[:text.index(f"  output: {setting}")].count("\n") + 1
    before = hashes(tmp_path)
    assert main(["-C", str(project), "build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"digest.yaml:{line}: `paths.output: {setting}` "), err
    assert "under `paths:`" in err
    assert hashes(tmp_path) == before


def test_a_folder_digest_did_not_write_is_refused_unless_forced(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8 a photo")
    before = hashes(tmp_path)
    assert main(["-C", str(project), "build", "--out", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert "holds 1 file or folder that digest did not write" in err and "--force" in err
    assert hashes(tmp_path) == before
    # --force: the editor says so; the folder becomes the site, with its marker.
    assert main(["-C", str(project), "build", "--out", str(foreign), "--force"]) == 0
    assert not (foreign / "holiday.jpg").exists() and (foreign / MARKER).is_file()
    assert (foreign / "index.html").is_file()


def test_force_never_lets_the_build_replace_a_project(project: Path, tmp_path: Path) -> None:
    other = copy_project(tmp_path / "other", seeds=False)  # someone else's project
    before = hashes(tmp_path)
    for out in (project, tmp_path, project / "seeds", other):
        assert main(["-C", str(project), "build", "--out", str(out), "--force"]) == 2, out
    assert hashes(tmp_path) == before


def test_a_folder_holding_seeds_or_settings_is_refused(project: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("seeds", "content", "digest.yaml", "sources.yaml"):
        folder = tmp_path / f"looks-like-{name}"
        folder.mkdir()
        (folder / MARKER).write_bytes(b"")  # even with the marker
        (folder / name).mkdir() if "." not in name else (folder / name).write_text("x: 1\n")
        assert main(["-C", str(project), "build", "--out", str(folder)]) == 2
        assert "looks like a digest project" in capsys.readouterr().err
        assert sorted(p.name for p in folder.iterdir()) == sorted([MARKER, name])


def test_a_symlink_to_an_input_is_refused(project: Path, tmp_path: Path) -> None:
    (project / "site").symlink_to(project / "seeds")
    before = hashes(project / "seeds")
    assert main(["-C", str(project), "build"]) == 2
    assert hashes(project / "seeds") == before


def test_its_own_site_a_new_folder_and_an_empty_one_are_fine(project: Path,
                                                              tmp_path: Path) -> None:
    assert main(["-C", str(project), "build"]) == 0
    site = project / "site"
    assert (site / MARKER).read_bytes().startswith(b"digest build wrote this folder")
    assert main(["-C", str(project), "build"]) == 0  # the marker says it is a site
    (tmp_path / "empty").mkdir()
    assert main(["-C", str(project), "build", "--out", str(tmp_path / "empty")]) == 0
    assert main(["-C", str(project), "build", "--out", str(tmp_path / "new" / "deep")]) == 0
    assert hashes(tmp_path / "empty") == hashes(tmp_path / "new" / "deep") == hashes(site)


def test_a_site_built_before_the_marker_is_known_by_the_cache_record(project: Path) -> None:
    """A site written by a digest without the marker: the cache's record of that write says
    it is ours, while nothing was added to or removed from it."""
    build_site(project)
    site = project / "site"
    stat = site.stat()
    (site / MARKER).unlink()
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as that write left it
    build_site(project)
    assert (site / MARKER).is_file()
    (site / MARKER).unlink()
    (site / "mine.txt").write_text("added by hand\n")  # now it is not what digest wrote
    with pytest.raises(OutputError):
        build_site(project)
    assert (site / "mine.txt").is_file()


def test_a_killed_builds_leftovers_are_cleared_and_a_missing_site_put_back(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    out = tmp_path / "site"
    write_site([OutputFile("index.html", b"old"), OutputFile(MARKER, b"")], out)
    # A kill between the two renames of a swap: the old site beside, the new one half-made.
    os.replace(out, tmp_path / f".site.old-{dead}")
    (tmp_path / f".site.new-{dead}").mkdir()
    (tmp_path / f".site.new-{dead}" / "half.html").write_bytes(b"<p>ha")
    (tmp_path / ".other.new-1").mkdir()  # not this site's: left alone
    clear_leftovers(out)
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-1", "site"]
    write_site([OutputFile("index.html", b"new"), OutputFile(MARKER, b"")], out)
    assert (out / "index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-1", "site"]


def test_the_swap_is_one_step_where_the_system_has_it(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        (folder / "name").write_text(folder.name)
    if exchange(one, two):  # Linux with renameat2: no moment without `two`
        assert (two / "name").read_text() == "one" and (one / "name").read_text() == "two"
    old = swap_in(one, two, tmp_path / "backup")
    assert old is not None and (two / "name").read_text() in ("one", "two")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["two", old.name])
