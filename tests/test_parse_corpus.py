"""Stage `parse` on the shared development corpora (issue 9): the floors the parser must reach.

Runs the parser in-process on ../shared/devcorpus/raw and ../shared/devcorpus-intl/raw (beside
the project checkout; the module is skipped when they are absent) and scores what
`digest parse --json` would print by the rules of ../shared/devcorpus/eval_parse.py, rewritten
compactly here (nothing is imported from it, and no corpus text is kept in the project):

- dates: `date` or any of `date_alternatives`; a date returned where the answer is null is
  "guessed";
- day numbers: `day_number` or any of `day_number_alternatives`, counted where a day number is
  given or the date is null;
- titles: only answers with a title; similarity >= 0.9 after normalising;
- items: greedy matching on headline or first words (score >= 0.8); on a truncated excerpt at
  most one extra parsed item is charged to precision;
- clutter leaks: a boilerplate entry of 12 characters or fewer counts only as a whole line of an
  item, a longer one anywhere in it.

Floors per corpus: dates >= 95 % with 0 guessed, day numbers >= 95 %, titles >= 90 %,
items F1 >= 0.92, clutter leaks <= 2.  Run alone with `pytest -k corpus` (or `-m corpus`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.article_json import article_to_json
from digest.config import Config, load_config
from digest.parse import parse_article
from digest.read import read_article
from digest.themes import assign_themes

REPO = Path(__file__).parent.parent
SHARED = REPO.parent / "shared"
CORPORA = [name for name in ("devcorpus", "devcorpus-intl")
           if (SHARED / name / "raw").is_dir() and (SHARED / name / "expected").is_dir()]
if not CORPORA:
    pytest.skip(f"no development corpora in {SHARED}", allow_module_level=True)

pytestmark = pytest.mark.corpus

QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
# Editors' section headings and the digest themes they agree with (as the evaluator has them).
SECTION_THEMES = {
    "fighting": ["fighting", "air-war", "civilians"],
    "the military situation": ["fighting", "air-war"],
    "the civilian/humanitarian situation": ["civilians"],
    "military aid": ["military-aid"],
    "weapons": ["military-aid"],
    "regional security": ["diplomacy", "military-aid", "air-war"],
    "diplomatic efforts": ["diplomacy"],
    "politics and diplomacy": ["diplomacy", "russia"],
    "economy": ["economy"],
    "sanctions": ["economy"],
}


def norm(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES).lower()
    text = re.sub(r"[*_`#>\[\]()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def sim(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def prefix_sim(start: str, text: str) -> float:
    s, t = norm(start), norm(text)
    return difflib.SequenceMatcher(None, s, t[: len(s) + 5]).ratio() if s else 0.0


def expected_items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in answer.get("items") or []:
        if isinstance(item, str):
            out.append({"headline": item, "starts_with": item})
            continue
        item = dict(item)
        section = (item.get("section") or "").strip().lower()
        if not item.get("themes") and section in SECTION_THEMES:
            item["themes"] = SECTION_THEMES[section]
        out.append(item)
    return out


def item_score(want: dict[str, Any], got: dict[str, Any]) -> float:
    headline, text = got.get("headline") or "", got.get("text") or ""
    best = 0.0
    if want.get("headline"):
        best = max(best, sim(want["headline"], headline), prefix_sim(want["headline"], text))
    if want.get("starts_with"):
        best = max(best, prefix_sim(want["starts_with"], text),
                   prefix_sim(want["starts_with"], headline + " " + text))
    return best


def match_items(wanted: list[dict], got: list[dict], threshold: float = 0.8) -> list[tuple[int, int]]:
    scored = ((item_score(w, g), i, j) for i, w in enumerate(wanted) for j, g in enumerate(got))
    pairs = sorted((s for s in scored if s[0] >= threshold), reverse=True)
    used_w: set[int] = set()
    used_g: set[int] = set()
    matched = []
    for _, i, j in pairs:
        if i not in used_w and j not in used_g:
            used_w.add(i)
            used_g.add(j)
            matched.append((i, j))
    return sorted(matched)


def leaked(boilerplate: list[str], got: list[dict]) -> list[str]:
    hits = []
    for entry in boilerplate:
        wanted = norm(entry)
        if not wanted:
            continue
        for item in got:
            blob = "\n".join(norm(line) for line in
                             ((item.get("headline") or "") + "\n" + (item.get("text") or "")).splitlines())
            if (wanted in blob.splitlines()) if len(wanted) <= 12 else (wanted in blob):
                hits.append(entry)
                break
    return hits


@dataclass
class Score:
    files: int = 0
    date_ok: int = 0
    date_n: int = 0
    guessed: int = 0
    day_ok: int = 0
    day_n: int = 0
    title_ok: int = 0
    title_n: int = 0
    want_items: int = 0
    got_items: int = 0
    matched: int = 0
    leaks: int = 0
    theme_ok: int = 0
    theme_n: int = 0
    rows: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        precision = self.matched / self.got_items if self.got_items else 0.0
        recall = self.matched / self.want_items if self.want_items else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def summary(self, name: str) -> str:
        precision = self.matched / self.got_items if self.got_items else 0.0
        recall = self.matched / self.want_items if self.want_items else 0.0
        return (f"{name}: {self.files} files; dates {self.date_ok}/{self.date_n} (guessed "
                f"{self.guessed}); day numbers {self.day_ok}/{self.day_n}; titles "
                f"{self.title_ok}/{self.title_n}; items P={precision:.2f} R={recall:.2f} "
                f"F1={self.f1:.2f}; clutter leaks {self.leaks}; themes {self.theme_ok}/{self.theme_n}")


def parsed_json(path: Path, config: Config) -> dict[str, Any]:
    """What `digest parse --json PATH` prints for one article (themes included)."""
    article = parse_article(read_article(path, path.parent), config.sources, config.settings)
    article = replace(article, items=assign_themes(article.items, config.themes))
    return article_to_json(article)


def score_file(score: Score, stem: str, answer: dict[str, Any], got: dict[str, Any]) -> None:
    notes = []
    if "date" in answer:
        score.date_n += 1
        want = str(answer["date"]) if answer["date"] else None
        accepted = {want} | {None if x is None else str(x) for x in answer.get("date_alternatives") or []}
        if got.get("date") in accepted:
            score.date_ok += 1
        else:
            notes.append(f"date {got.get('date')} != {want}")
            if want is None and got.get("date"):
                score.guessed += 1
    if answer.get("day_number") is not None or ("day_number" in answer and answer.get("date") is None):
        score.day_n += 1
        accepted_days = {answer.get("day_number"), *(answer.get("day_number_alternatives") or [])}
        if got.get("day_number") in accepted_days:
            score.day_ok += 1
        else:
            notes.append(f"day {got.get('day_number')} != {answer.get('day_number')}")
    if answer.get("title"):
        score.title_n += 1
        if sim(answer["title"], got.get("title") or "") >= 0.9:
            score.title_ok += 1
        else:
            notes.append(f"title {got.get('title')!r}")
    wanted, items = expected_items(answer), got.get("items") or []
    matched = match_items(wanted, items)
    score.want_items += len(wanted)
    score.got_items += min(len(items), len(wanted) + 1) if answer.get("truncated") else len(items)
    score.matched += len(matched)
    leaks = leaked(answer.get("boilerplate") or [], items)
    score.leaks += len(leaks)
    for i, j in matched:
        if wanted[i].get("themes"):
            score.theme_n += 1
            score.theme_ok += items[j].get("theme") in wanted[i]["themes"]
    row = f"  {stem}: items {len(matched)}/{len(wanted)} matched, {len(items)} parsed"
    if leaks:
        row += f", clutter leaked: {leaks}"
    if notes:
        row += ", " + "; ".join(notes)
    score.rows.append(row)


def score_corpus(name: str, config: Config) -> Score:
    folder = SHARED / name
    score = Score()
    for answer_path in sorted((folder / "expected").glob("*.yaml")):
        answer = yaml.safe_load(answer_path.read_text(encoding="utf-8"))
        if not isinstance(answer, dict) or "items" not in answer:
            continue
        raws = [p for p in (folder / "raw").glob(answer_path.stem + ".*")
                if p.suffix not in (".yaml", ".yml")]
        if not raws:
            continue
        score.files += 1
        score_file(score, answer_path.stem, answer, parsed_json(raws[0], config))
    return score


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO)


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_floors(name: str, config: Config) -> None:
    score = score_corpus(name, config)
    print(score.summary(name))
    assert score.files, f"no answered files in {SHARED / name}"
    short = []
    if score.date_ok < 0.95 * score.date_n:
        short.append(f"dates {score.date_ok}/{score.date_n} < 95 %")
    if score.guessed:
        short.append(f"{score.guessed} date(s) guessed where the text gives none")
    if score.day_ok < 0.95 * score.day_n:
        short.append(f"day numbers {score.day_ok}/{score.day_n} < 95 %")
    if score.title_ok < 0.90 * score.title_n:
        short.append(f"titles {score.title_ok}/{score.title_n} < 90 %")
    if score.f1 < 0.92:
        short.append(f"items F1 {score.f1:.3f} < 0.92")
    if score.leaks > 2:
        short.append(f"clutter leaks {score.leaks} > 2")
    assert not short, "\n".join([score.summary(name), "below the floors: " + "; ".join(short),
                                 *score.rows])
