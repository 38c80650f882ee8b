"""Settings files: validated once, every problem reported together as file:line: what — fix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digest.config import ConfigError, load_config

REPO = Path(__file__).parent.parent


def project(tmp_path: Path, **files: str) -> Path:
    for name in ("digest.yaml", "sources.yaml", "themes.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return [str(p) for p in caught.value.problems]


def test_repository_settings_are_valid() -> None:
    config = load_config(REPO)
    assert config.settings.timezone == "Europe/Kyiv"
    assert config.settings.day_number(config.settings.war_start) == 1
    assert {"novinite", "kyiv-independent", "london-loves-business", "trt-world"} <= {
        s.slug for s in config.sources.outlets}


def test_old_spelling_of_kyiv_is_accepted(tmp_path: Path) -> None:
    root = project(tmp_path, digest="timezone: Europe/Kiev\n")
    assert load_config(root).settings.timezone == "Europe/Kyiv"


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        digest="title: X\ntimezon: Europe/Kyiv\nbase_url: ftp://x\nwar_start: yesterday\n",
        sources="sources:\n  bad-outlet:\n    name: Bad\n    clutter: ['(unclosed']\n",
    )
    found = problems(root)
    assert any(p.startswith("digest.yaml:2: unknown key `timezon`") and "did you mean `timezone`?"
               in p for p in found)
    assert any(p.startswith("digest.yaml:3:") and "base_url" in p for p in found)
    assert any(p.startswith("digest.yaml:4:") and "war_start" in p for p in found)
    assert any(p.startswith("sources.yaml:4:") and "regular expression" in p for p in found)


def test_unknown_timezone(tmp_path: Path) -> None:
    found = problems(project(tmp_path, digest="timezone: Europe/Kiyv\n"))
    assert found == ["digest.yaml:1: unknown timezone 'Europe/Kiyv' — use an IANA name such as "
                     "`Europe/Kyiv`"]


def test_broken_yaml_has_a_line(tmp_path: Path) -> None:
    found = problems(project(tmp_path, themes="themes:\n  fighting:\n    name: [Fighting\n"))
    assert found[0].startswith("themes.yaml:") and "not valid YAML" in found[0]


def test_times_stay_text(tmp_path: Path) -> None:
    from digest.config import parse_yaml

    data, _ = parse_yaml("time: 10:00\n", "x.yaml")
    assert data == {"time": "10:00"}  # not 600, as YAML 1.1 would have it


def test_parse_json_interface() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digest", "-C", str(REPO), "parse", "--json",
         str(REPO / "seeds" / "004_23e9bc7918185571.txt")],
        capture_output=True, text=True, timeout=60, check=True)
    [article] = json.loads(result.stdout)
    assert set(article) >= {"path", "source", "url", "title", "author", "published", "date",
                            "day_number", "format", "key_events", "items", "warnings"}
    assert article["path"] == "seeds/004_23e9bc7918185571.txt"
    assert article["date"] == "2023-11-29" and article["day_number"] == 644
    item = article["items"][1]
    assert set(item) >= {"id", "headline", "date", "time", "published", "text", "theme"}
    assert item["time"] == "15:27" and item["published"] == "2023-11-29T13:27:00+00:00"


def test_parse_explain_shows_the_deciding_phrases() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digest", "-C", str(REPO), "parse", "--explain",
         str(REPO / "seeds" / "002_e36b2bbf93a9e1ef.txt")],
        capture_output=True, text=True, timeout=60, check=True)
    assert "outlet:    London Loves Business" in result.stdout
    assert "author:    Mark Channer" in result.stdout
    assert "theme diplomacy, because:" in result.stdout
    assert "nato" in result.stdout.split("because:")[1].splitlines()[1]
