"""Clutter rules: every kind in every language, article text left alone, captions printed twice,
headings over lists of links, project and outlet rules on top, and the data file validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.clutter import (
    caption_pair,
    glued_double,
    make_rules,
    rules_for,
)
from digest.config import (
    CLUTTER_FILE,
    CLUTTER_KINDS,
    Config,
    ConfigError,
    Sources,
    clutter_from_text,
)
from digest.lines import read_page
from digest.model import Source

FIXTURE = Path(__file__).parent / "fixtures" / "clutter.txt"
LANGUAGES = {"en", "uk", "ru", "pl", "de", "fr", "es"}


def fixture_cases() -> list[tuple[int, str, str, str]]:
    """(line number, expected kind or "none", language, text) of each case in the fixture."""
    cases = []
    for number, line in enumerate(FIXTURE.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            kind, language, text = line.split(None, 2)
            cases.append((number, kind, language, text))
    return cases


CASES = fixture_cases()


@pytest.mark.parametrize(("kind", "text"), [(k, t) for _, k, _, t in CASES],
                         ids=[str(n) for n, *_ in CASES])
def test_clutter_line(kind: str, text: str) -> None:
    rules = make_rules()
    assert rules.kind(text) == (None if kind == "none" else kind), text
    assert rules.is_clutter(text) == (kind != "none")


def test_the_fixture_covers_every_kind_in_every_language() -> None:
    kinds = [kind for _, kind, _, _ in CASES]
    assert set(kinds) == set(CLUTTER_KINDS) | {"none"}
    for kind in CLUTTER_KINDS:
        assert {lang for _, k, lang, _ in CASES if k == kind} == LANGUAGES, kind
    assert {lang for _, k, lang, _ in CASES if k == "none"} == LANGUAGES
    assert sum(k != "none" for k in kinds) >= 120
    assert kinds.count("none") >= 60


def test_every_kind_has_phrasings() -> None:
    from digest.config import package_clutter

    kinds = package_clutter()
    assert [k.name for k in kinds] == list(CLUTTER_KINDS)
    assert all(k.line or k.start or k.anywhere or k.patterns for k in kinds)


# --- captions printed twice -------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [
    ("A destroyed column near Kyiv", "A destroyed column near Kyiv. Photograph: Jane Doe/EPA"),
    ("A destroyed column near Kyiv. Photograph: Jane Doe/EPA", "A destroyed column near Kyiv"),
    ("U.S. President Joe Biden. File | Photo Credit: Reuters", "U.S. President Joe Biden. File"),
    ("Rescuers at a damaged house in Sumy", "Rescuers at a damaged house in Sumy (Photo | AP)"),
    ("Рятувальники біля зруйнованого будинку в Сумах",
     "Рятувальники біля зруйнованого будинку в Сумах. Фото: ДСНС"),
    # Two captions of one photo, opening alike, one closing with its credit.
    ("In this photo provided by the 47th Brigade press service, a soldier launches a drone",
     "In this photo provided by the 47th Brigade's press service, soldiers launch a drone "
     "[Handout/47th Brigade via AP Photo]"),
    ("Volunteers unload aid in Zaporizhzhia",
     "Volunteers unload aid in Zaporizhzhia.Volunteers unload aid in Zaporizhzhia. Picture: Jane Doe"),
    # A caption over a credit that says it is a photo's.
    ("Strażacy gaszą pożar magazynu pod Równem.", "Fot. Jan Kowalski / Agencja Wschód"),
    ("An armed man stands by a burnt vehicle in Bucha, Tuesday 1 March 2022.", "Photograph: Jane Doe/AP"),
])
def test_caption_pairs(first: str, second: str) -> None:
    assert caption_pair(first, second)


@pytest.mark.parametrize(("first", "second"), [
    # A headline over its paragraph repeats its words, but no credit follows.
    ("Russia strikes Kyiv", "Russia strikes Kyiv with 40 missiles overnight, the air force said."),
    # A title printed twice is not a caption (the parser treats it apart).
    ("Ukraine war: key events", "Ukraine war: key events"),
    ("Energy grid", "Ukraine's grid operator said power cuts would not be needed this weekend."),
    # Two entries of a live blog that open alike, neither with a credit.
    ("Russian forces launched a massive drone attack on the Odesa region overnight, the governor said",
     "Russian forces launched a massive drone attack on the Odesa region overnight, killing two"),
    ("", "Photograph: Jane Doe/EPA"),
    # A paragraph is no caption, and a source is no photo credit.
    ("Russian forces shelled the centre of Kherson on Tuesday, killing two people and wounding six, "
     "the regional governor said, adding that a school and a hospital were damaged.", "Photo: Reuters"),
    ("Grain exports rose in March", "Source: UN OCHA"),
])
def test_not_caption_pairs(first: str, second: str) -> None:
    assert not caption_pair(first, second)


def test_glued_double() -> None:
    assert glued_double("Members of an assault brigade rest near BakhmutMembers of an assault brigade "
                        "rest near Bakhmut. Picture: Jane Doe")
    # A phrase that comes back later in a sentence, after a space, is not a caption printed twice.
    assert not glued_double("Russian forces shelled the town again; Russian forces shelled the town "
                            "twice last week.")


# --- headings over lists ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Read also", "Read more:", "Читайте також:", "Читайте также", "ZOBACZ TAKŻE", "Mehr zum Thema",
    "À lire aussi", "Más información", "Related", "More from our Ukraine coverage",
    "Read more on the war in Ukraine:",
])
def test_opens_list(text: str) -> None:
    assert make_rules().opens_list(text)


@pytest.mark.parametrize("text", [
    "Read also: Kyiv hosts a donor conference", "Читайте також: Як працює ППО над Одесою",
    "Lire l'article.", "Related articles", "Tags: Kharkiv", "Energy grid", "Advertisement",
])
def test_does_not_open_list(text: str) -> None:
    assert not make_rules().opens_list(text)


def test_end_markers() -> None:
    rules = make_rules()
    assert rules.is_end("You may also like")
    assert rules.is_end("Популярные новости")
    assert not rules.is_end("Read also: Kyiv hosts a donor conference")


# --- project and outlet rules ---------------------------------------------------------------


def test_project_and_outlet_rules_apply_on_top() -> None:
    outlet = Source(slug="example", name="Example", home="https://example.org",
                    clutter=(r"^route \d+$",), end=(r"^keep watching$",))
    sources = Sources(outlets=(outlet,), shared_clutter=(r"^the editors recommend\b",),
                      shared_end=(r"^from our partners$",))
    rules = rules_for(sources, outlet)
    assert rules.kind("Route 6") == "outlet"
    assert rules.kind("The editors recommend these stories") == "project"
    assert rules.kind("Keep watching") == "end" and rules.is_end("Keep watching")
    assert rules.kind("From our partners") == "end"
    assert rules.kind("Advertisement") == "ad"  # the package data still applies
    # Another outlet's pages do not get this outlet's rules.
    assert rules_for(sources, None).kind("Route 6") is None
    assert rules_for(sources, None).kind("The editors recommend these stories") == "project"


def test_a_project_pattern_with_global_flags_still_works() -> None:
    rules = make_rules(project=(r"(?i)^our partners say\b",))
    assert rules.kind("Our partners say hello") == "project"


def test_repository_rules_keep_article_text(config: Config) -> None:
    rules = rules_for(config.sources, config.sources.by_name("novinite"))
    assert rules.kind("Ukraine's parliament approved a new foreign minister on Thursday.") is None
    assert rules.kind("Novinite is the only Bulgarian news agency in English") == "outlet"


def test_a_page_loses_its_clutter_lists_and_what_follows_the_end() -> None:
    text = "\n".join([
        "Drones hit Izmail port",
        "Share on Facebook | Share on X | Email",
        "Russian drones struck grain silos in the port of Izmail overnight, the governor said, in "
        "the third attack this week.",
        "Read more:",
        "Kyiv hosts donor conference",
        "Why the grain corridor matters",
        "The port resumed work by noon, the regional administration said in a statement on Telegram.",
        "A damaged silo in Izmail",
        "A damaged silo in Izmail. Photograph: Jane Doe/Reuters",
        "You may also like",
        "Something else entirely, which is not part of this article at all, as the page says.",
    ])
    kept = [u.text for u in read_page(text, make_rules(), None).units if u.kind != "clutter"]
    assert kept == [
        "Drones hit Izmail port",
        "Russian drones struck grain silos in the port of Izmail overnight, the governor said, in "
        "the third attack this week.",
        "The port resumed work by noon, the regional administration said in a statement on Telegram.",
    ]


# --- the data file --------------------------------------------------------------------------


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        clutter_from_text(text)
    return [str(p) for p in caught.value.problems]


def test_an_unknown_kind_is_named_with_its_file_and_line() -> None:
    found = problems("kinds:\n  read_alsoo:\n    start:\n      en: [read also]\n")
    assert found == [f"{CLUTTER_FILE}:2: unknown clutter kind `read_alsoo` — did you mean `read_also`?"]


def test_an_unknown_key_of_a_kind() -> None:
    found = problems("kinds:\n  share:\n    strat:\n      en: [share on]\n")
    assert found[0].startswith(f"{CLUTTER_FILE}:3: unknown key `strat` in kind `share`")
    assert "did you mean `start`?" in found[0]


def test_a_bad_regex_is_named() -> None:
    found = problems("kinds:\n  credit:\n    patterns:\n      - '^(reuters$'\n")
    assert found[0].startswith(f"{CLUTTER_FILE}:3: a pattern of kind `credit` is not a valid regular")


def test_an_undefined_placeholder_is_named() -> None:
    found = problems("kinds:\n  credit:\n    patterns:\n      - '^{agencies}$'\n")
    assert any("`{agencies}`, which is not defined" in p for p in found)


def test_a_phrase_in_two_kinds_is_a_problem() -> None:
    found = problems("kinds:\n  share:\n    line:\n      en: [share]\n"
                     "  widget:\n    line:\n      en: ['Share:']\n")
    assert found == [f"{CLUTTER_FILE}:6: `line` phrase 'Share:' of kind `widget` is also in kind `share` "
                     "— keep it in one kind: a line has one kind"]


def test_phrases_are_plain_text_and_placeholders_fill_patterns() -> None:
    kinds = clutter_from_text(
        "words:\n  agency: [a.p., dpa]\n"
        "kinds:\n"
        "  credit:\n    patterns:\n      - '^(?:{agency})$'\n"
        "  ad:\n    line:\n      en: ['ad (paid)']\n"
    )
    rules = make_rules(kinds)
    assert rules.kind("A.P.") == "credit" and rules.kind("AxPx") is None  # escaped: "." is a dot
    assert rules.kind("Ad (paid)") == "ad"
