"""Stage `read`: encodings, newlines, control characters, refusals, sidecar metadata."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from digest.read import ReadError, decode, discover_articles, read_article

REPO = Path(__file__).parent.parent


def test_utf8_bom_crlf_cr_nfc_and_controls() -> None:
    data = "\ufeffTitle\r\n\r\nCafe\u0301 \u0008bell\u001f\rend\u00a0here\n".encode()
    text, problems = decode(data, "x.txt")
    assert text == "Title\n\nCafé bell\nend here\n"
    # The controls are removed with one warning naming the line (issue 11); the BOM is not one.
    assert [(p.line, "U+0008, U+001F" in p.message) for p in problems] == [(3, True)]


def test_utf16_with_bom() -> None:
    text, _ = decode("Київ\nKyiv\n".encode("utf-16"), "x.txt")
    assert text == "Київ\nKyiv\n"


def test_cp1251_is_read_with_a_warning() -> None:
    text, problems = decode("Новини з України: ракетний удар по Києву\n".encode("cp1251"), "x.txt")
    assert text.startswith("Новини з України")
    assert problems and "Windows-1251" in problems[0].message and "UTF-8" in problems[0].fix


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"  \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"abc\x00\x01\x02def", "binary"),
    (b"line one\nline two caf\xe9 ok\n", "not UTF-8"),
])
def test_refusals_say_why(data: bytes, words: str) -> None:
    with pytest.raises(ReadError) as caught:
        decode(data, "seeds/x.txt")
    problem = caught.value.problem
    assert words in problem.message and problem.path == "seeds/x.txt" and problem.fix
    if words == "not UTF-8":
        assert problem.line == 2


def test_sidecar_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nSome body text.\n")
    (tmp_path / "a.yaml").write_text(
        "source: Novinite\ndate: 2022-09-10\npublished: '2022-09-10T10:00'\nsourse: x\n")
    raw = read_article(tmp_path / "a.txt", tmp_path)
    assert raw.metadata["date"] == date(2022, 9, 10) and raw.metadata["source"] == "Novinite"
    messages = [str(p) for p in raw.problems]
    assert any("a.yaml:4: unknown key `sourse`" in m and "did you mean `source`?" in m
               for m in messages)
    assert any("a.yaml:3" in m and "no UTC offset" in m for m in messages)


def test_broken_sidecar_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nSome body text.\n")
    (tmp_path / "a.yaml").write_text("source: Novinite\ndate: [2022\n")
    raw = read_article(tmp_path / "a.txt", tmp_path)
    assert raw.problems[0].path == "a.yaml" and raw.problems[0].line is not None


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nSome body text.\n")
    (tmp_path / "a.yaml").write_text("source: !!python/object/apply:os.system ['true']\n")
    raw = read_article(tmp_path / "a.txt", tmp_path)
    assert raw.problems and raw.problems[0].severity == "error" and not raw.metadata


def test_discovery_skips_sidecars_and_dotfiles(tmp_path: Path) -> None:
    for name in ("b.txt", "a.html", "a.yaml", ".hidden.txt", "notes.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in discover_articles(tmp_path)] == ["a.html", "b.txt"]


def run_parse(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digest", "-C", str(REPO), "parse", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=60)


def test_cli_bad_inputs_get_clear_messages_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Title\n\nCaf\xe9 in Kyiv\n".encode("latin-1"))
    (tmp_path / "good.txt").write_text("Title of a story\n\n28 September 2023\n\nThe text.\n")
    result = run_parse(str(tmp_path), "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "empty.txt: the file is empty" in result.stderr
    assert "image.txt: this is a binary file" in result.stderr
    assert "latin1.txt:3: this is not UTF-8 text" in result.stderr
    assert '"title": "Title of a story"' in result.stdout  # the rest is still read


def test_cli_missing_path(tmp_path: Path) -> None:
    result = run_parse(str(tmp_path / "nope.txt"), cwd=tmp_path)
    assert result.returncode == 1 and "no such file" in result.stderr
