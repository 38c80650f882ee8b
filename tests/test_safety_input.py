"""Issue 11, the inputs: nothing an editor types (or a hostile file in seeds/) crashes, hangs or
leaks. Each case of tests/fixtures/hostile/cases.yaml (the format is described at its top) goes
through `digest check` and `digest build` in a project of ours: never a traceback, a message
naming the file, the rest still built. Then the loader's limits, the pattern check and a
property test of the parser, each alone."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.safe_regex import catastrophic
from digest.safe_yaml import load

HERE = Path(__file__).parent
MANIFEST = HERE / "fixtures/hostile/cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text("utf-8"))["cases"]
SHARED = [c for c in CASES if not c.get("alone")]
ALONE = [c for c in CASES if c.get("alone")]
LIMIT = 120  # seconds a command may take: a hang fails the test instead of the run

# Our own article: a story with two paragraphs, TAG in the first.
ARTICLE = ("Night strikes on the coast\n\n"
           "Russian drones struck energy sites in the Odesa region overnight, said TAG, the "
           "regional governor, on Thursday.\n\n"
           "Air defence forces shot down most of the drones over TAG, the air force said, and "
           "repair crews were at work by the morning.\n\n"
           "Officials in TAG said the power would be back by the evening.\n")
SECRET = "outside-secret-words in a file that is not the project's\n"


def test_the_corpus_has_at_least_sixty_kinds() -> None:
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)


def _tag(case: dict[str, Any]) -> str:
    return f"hostile{CASES.index(case):02d}"


def _day(case: dict[str, Any]) -> str:
    return (date(2023, 3, 1) + timedelta(days=CASES.index(case))).isoformat()


def _fill(text: str, case: dict[str, Any], outside: Path) -> str:
    return (text.replace("ARTICLE", ARTICLE).replace("DATE", _day(case)).replace("TAG", _tag(case))
            .replace("OUTSIDE", str(outside)))


def _write(root: Path, case: dict[str, Any], outside: Path) -> None:
    for name, spec in case["files"].items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        if isinstance(spec, str):
            path.write_bytes(_fill(spec, case, outside).encode("utf-8", "surrogatepass"))
        elif "hex" in spec:
            path.write_bytes(bytes.fromhex(spec["hex"].replace(" ", "")))
        elif "encode" in spec:
            path.write_bytes(_fill(spec["text"], case, outside).encode(spec["encode"]))
        elif "repeat" in spec:
            path.write_bytes((_fill(spec["repeat"], case, outside) * spec["times"]).encode())
        elif spec.get("make") == "fifo":
            os.mkfifo(path)
        elif spec.get("make") == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(path))  # left bound: the file stays a socket while the test runs
            _SOCKETS.append(server)
        elif "link" in spec:
            target = _fill(spec["link"], case, outside)
            path.symlink_to(target if target.startswith("/") else root / target)
        else:
            raise AssertionError(f"unknown file spec {spec!r} in case {case['id']}")


_SOCKETS: list[socket.socket] = []


def _project(where: Path, cases: list[dict[str, Any]]) -> Path:
    root = where / "project"
    _run(["init", str(root)], where)
    outside = where / "outside.txt"
    outside.write_text(SECRET)
    for case in cases:
        _write(root, case, outside)
    return root


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "digest", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=LIMIT, stdin=subprocess.DEVNULL)
    done.seconds = time.monotonic() - started  # type: ignore[attr-defined]
    return done


def _site_text(site: Path, suffixes: tuple[str, ...] = (".html", ".xml", ".json", ".txt")) -> str:
    return "\n".join(p.read_text("utf-8", "replace") for p in sorted(site.rglob("*"))
                     if p.is_file() and p.suffix in suffixes)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One project holding every shared case, checked and built once."""
    where = tmp_path_factory.mktemp("hostile")
    root = _project(where, SHARED)
    check = _run(["-C", str(root), "check"], where)
    build = _run(["-C", str(root), "build"], where)
    # What a browser or a feed reader would interpret: the day JSON carries the text as data.
    yield {"root": root, "check": check, "build": build, "site": _site_text(root / "site"),
           "markup": _site_text(root / "site", (".html", ".xml"))}
    for server in _SOCKETS:
        server.close()


def test_the_shared_project_neither_crashes_nor_hangs(shared: dict[str, Any]) -> None:
    for done in (shared["check"], shared["build"]):
        assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
        assert done.seconds < LIMIT  # type: ignore[attr-defined]
    assert shared["check"].returncode == 1  # errors among the cases
    assert shared["build"].returncode == 0, shared["build"].stderr[-3000:]
    # The project's own article is still built, and so are the good cases (below).
    assert (shared["root"] / "site/day/2023-09-28/index.html").is_file()
    assert not Path("/tmp/digest-pwned").exists()


@pytest.mark.parametrize("case", SHARED, ids=[c["id"] for c in SHARED])
def test_a_hostile_input(case: dict[str, Any], shared: dict[str, Any]) -> None:
    said = shared["check"].stdout + shared["check"].stderr
    for words in case.get("says", []):
        assert words in said, f"{case['id']}: {words!r} not said by `digest check`"
    built = shared["build"].stdout + shared["build"].stderr
    for words in case.get("says", []):
        name = re.match(r"[^:]+", words)
        assert name is None or name.group() in built or name.group() in said
    if "built" in case:
        assert (_tag(case) in shared["site"]) == case["built"], case["id"]
    for words in case.get("absent", []):
        assert words not in shared["markup"], f"{case['id']}: {words!r} reached the site"


@pytest.mark.parametrize("case", ALONE, ids=[c["id"] for c in ALONE])
def test_a_hostile_settings_file(case: dict[str, Any], tmp_path: Path) -> None:
    root = _project(tmp_path, [case])
    try:
        check = _run(["-C", str(root), "check"], tmp_path)
        build = _run(["-C", str(root), "build"], tmp_path)
    finally:
        for server in _SOCKETS:
            server.close()
    for done in (check, build):
        assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    said = check.stdout + check.stderr
    for words in case.get("says", []):
        assert words in said, f"{case['id']}: {words!r} not in {said[-2000:]!r}"
    assert check.returncode == case["check_rc"], said[-2000:]
    assert build.returncode == case["build_rc"], (build.stdout + build.stderr)[-2000:]
    if case["build_rc"] == 0:
        assert (root / "site/day/2023-09-28/index.html").is_file()


# --- the loader alone -----------------------------------------------------------------------


def test_an_alias_bomb_is_measured_not_expanded() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(12))
    started = time.perf_counter()
    data, problems = load(bomb, "x.yaml")
    assert data is None and "expanded" in problems[0].message and problems[0].severity == "error"
    assert time.perf_counter() - started < 0.5


def test_merge_keys_are_not_duplicates_and_shared_values_keep_working() -> None:
    data, problems = load("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "x.yaml")
    assert data["use"] == {"x": 1, "y": 3} and problems == []


def test_every_string_is_cleaned_with_its_line() -> None:
    data, problems = load('a: ok\nb: "\\x01\\uD800\\uFFFE x"\nc: ["\\x7f"]\n', "x.yaml")
    assert data == {"a": "ok", "b": " x", "c": [""]}
    assert [(p.line, p.severity) for p in problems] == [(2, "warning"), (3, "warning")]
    assert "U+0001, U+D800, U+FFFE" in problems[0].message


def test_times_stay_text_and_dates_that_exist_are_dates() -> None:
    data, problems = load("time: 10:00\ndate: 2024-02-29\nbad: 2023-02-29\n", "x.yaml")
    assert data == {"time": "10:00", "date": date(2024, 2, 29)} and len(problems) == 1
    assert str(problems[0]) == "x.yaml:3: 2023-02-29 is not a date — write YYYY-MM-DD"


# --- patterns -------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    r"^(a+)+$", r"(a*)*", r"(\w+\s?)*$", r"(x+x+)+y", r"(a|a)+", r"(.|\s)*x", r"((ab)*)+",
    r"(?:a+){2,}", r"^(\d+)*$", r"(\s+\s*)+$", r"(foo|foo)+",
])
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    assert catastrophic(pattern)


@pytest.mark.parametrize("pattern", [
    r"(\w+\s+)*", r"(?:\w+\s+){0,3}x", r"^Novinite is\b", r"(a|b)+", r"(?:Read|Reuters)+", r"a++",
    r"(?>a+)+", r"^[^|]{0,60}\|[^|]*//\s*\d{1,2}:\d{2}\s*\|.*views?$", r"(ab|a)+", r"(\w|\d)+$",
    r"(?:\d+,)+\d+", r"#stayinformed",
])
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert catastrophic(pattern) is None


def test_the_package_and_sample_patterns_pass() -> None:
    from digest.config import load_config, package_clutter

    patterns = [p for kind in package_clutter() for p in kind.patterns]
    config = load_config(HERE.parent)
    for source in config.sources.outlets:
        patterns += [*source.recognise, *source.clutter, *source.end]
    assert patterns and [p for p in patterns if catastrophic(p)] == []


def test_a_line_of_dashes_does_not_hang_the_clutter_rules() -> None:
    from digest.clutter import make_rules

    rules = make_rules()
    started = time.perf_counter()
    for n in (30, 60, 80):
        rules.kind("a" + "-" * n + "{ x")
    assert time.perf_counter() - started < 1.0


def test_the_init_project_is_untouched_by_the_corpus() -> None:
    # The corpus is written into temp projects only: the fixture folder holds the manifest.
    assert sorted(p.name for p in (HERE / "fixtures/hostile").iterdir()) == ["cases.yaml"]


@pytest.fixture(autouse=True, scope="module")
def _no_stray_sockets() -> Any:
    yield
    for server in _SOCKETS:
        server.close()
    _SOCKETS.clear()


# --- the parser never raises and never invents words ----------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402 - only this part needs it
from hypothesis import strategies as st  # noqa: E402

from digest.config import load_config  # noqa: E402
from digest.model import RawArticle  # noqa: E402
from digest.parse import parse_article  # noqa: E402
from digest.read import clean_text  # noqa: E402

_CONFIG = load_config(HERE.parent)
_WORD = re.compile(r"[^\W_]+")  # letters and digits: the text's Markdown escapes (`0\_`) aside
# Lines shaped like the pages the parser reads, so that its rules (bullets, live-blog times,
# datelines, clutter) fire, mixed with any text at all.
_SHAPES = st.sampled_from([
    "", "Key developments:", "• Russian drones hit Odesa overnight", "- Talks resume in Geneva",
    "1249 GMT — Missiles strike Kyiv", "14:05", "+++ 10:05 +++", "Read also: drones over Lviv",
    "September 28, 2023, Thursday // 14:26", "Day 582 of the invasion", "Loading...",
    "– Ukrainian flag hoisted –", "Photo: Reuters", "Wednesday, November 29, 2023", "28th Sep 23 4:23 pm",
    "Share this article", "By Anna Kovalenko", "UPDATE:", "***", "> quoted", "# heading",
])
_LINES = st.one_of(_SHAPES, st.text(max_size=120))
_TEXTS = st.lists(_LINES, max_size=40).map("\n".join)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, dated=st.booleans())
def test_the_parser_never_raises_and_never_invents_words(text: str, dated: bool) -> None:
    clean = clean_text(text)  # what the read stage hands the parser
    metadata: dict[str, Any] = {"source": "Novinite"}
    if dated:
        metadata["date"] = date(2023, 9, 28)
    raw = RawArticle("seeds/x.txt", clean, metadata, "seeds/x.yaml", "hash")
    article = parse_article(raw, _CONFIG.sources, _CONFIG.settings)
    known = _words(clean)
    for item in article.items:
        made = _words(item.text) | _words(item.headline or "")
        assert made <= known, f"invented {sorted(made - known)} from {clean!r}"
