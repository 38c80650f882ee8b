"""What the story stage compares two items on: the evidence a reader uses to tell one event from two.

An item is read once into `ItemFeatures`:
- its words, transliterated to ASCII (so "Київ" and "Kyiv" are compared alike), cut to stems,
  without the stop words of the languages outlets write in (data/stopwords.yaml);
- the places, people and bodies it names, looked up in a gazetteer (data/gazetteer.yaml) that
  knows their spellings across languages and the case endings of Ukrainian, Russian and Polish;
  other capitalised words are kept as names by a loose spelling key ("Kuzhenkino");
- what happened (data/event_types.yaml: strike, visit, talks, prisoner exchange, ...), whether
  the item's lead tells it as still to come ("will visit") or as a denial;
- its counts with their units (10 killed, 150 prisoners, 40,000 households).

`pair_features` then gives a pair of items a handful of numbers, each from 0 to 1 and each with
a name shown by `digest stories DATE`; digest.stories weighs them with coefficients fitted on
the devstories corpus (data/story_weights.yaml).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .model import Item
from .story_lexicon import Entry, Lexicon, Matcher, lexicon, norm_words

LEAD_WORDS = 45  # the lead: headline and opening words, what an outlet says the item is about
COUNT_WORDS = 120  # counts are read from the first words only: later ones are background
STEM = 6  # words are compared on their first letters: "strikes" and "striking" are one stem
UNIT_AFTER, UNIT_BEFORE = 4, 3  # how far from a number its unit may stand, in words

# A specific place: two items whose leads name different ones are likely two events.
SPECIFIC = frozenset({"city", "thing"})
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What an item's first sentence is about is an event, not what it struck or a toll.
NOT_MAIN = frozenset({"statement", "casualties", "civil_building", "hospital"})
# A reaction or a denial is what its item is about, whatever it reacts to: "Moscow rejects the
# warrant" is not the warrant.
RESPONSES = frozenset({"reaction", "denial"})
ACTORS = frozenset({"person", "org"})

# A word, a number (40,000 / 2.5), or a model name or ordinal kept whole ("F-16", "Su-34", "12th")
# so that neither is taken for a count.
_RAW = re.compile(r"(?P<model>[^\W\d_]+-\d+\w*)|(?P<number>\d+(?:[.,]\d{3})+(?![\d\w])|\d+(?:[.,]\d+)?(?!\w))"
                  r"|\d+\w+|[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*\d*")
_LOWER = re.compile(r"(?<![\w'’])[^\W\d_A-Z][^\W\d_]*")  # words written in lowercase
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\b|\(\d{1,2}\)", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?…])\s+(?=\W*[^\W\d_])|\n+")
# A full stop that ends no sentence: "Dec. 21", "the U.S. envoy", "Mr. Peskov", "Gen. Syrskyi".
_ABBREVIATION = re.compile(r"(?:\b[A-Z][a-z]{0,3}|\b[A-Z]\.[A-Z])\.$")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ARABIC_PREFIX = ("w", "b", "l", "f", "k")
_MONTHS = _word_set("""jan january feb february mar march apr april may jun june jul july aug august sep
sept september oct october nov november dec december janvier fevrier mars avril mai juin juillet aout
septembre octobre novembre decembre januar februar marz maerz juni juli oktober dezember stycznia lutego
marca kwietnia maja czerwca lipca sierpnia wrzesnia pazdziernika listopada grudnia gennaio febbraio
marzo aprile maggio giugno luglio agosto settembre ottobre dicembre janeiro fevereiro marco abril maio
junho julho setembro outubro dezembro enero febrero abril mayo junio julio septiembre octubre noviembre
diciembre""")
_DAY_WORDS = _word_set("day days giorno jour tag dia dzien dnia den")
_NUMBER_WORDS = {
    **dict.fromkeys(["two", "zwei", "deux", "dwa", "dwie", "dwoch", "dwoje", "dois", "duas", "dos", "dva",
                     "dvi", "dyo", "ithnan"], 2),
    **dict.fromkeys(["three", "drei", "trois", "trzy", "trzech", "tre", "tres", "tri", "tria", "treis"], 3),
    **dict.fromkeys(["four", "vier", "quatre", "cztery", "czterech", "quattro", "quatro", "cuatro",
                     "chotyry", "chetyre", "tesseris"], 4),
    **dict.fromkeys(["five", "funf", "cinq", "piec", "pieciu", "cinque", "cinco", "piat", "pente"], 5),
    **dict.fromkeys(["six", "sechs", "szesc", "szesciu", "seis", "shist", "shest", "exi"], 6),
    **dict.fromkeys(["seven", "sieben", "siedem", "sette", "sete", "siete", "sim", "sem", "epta"], 7),
    **dict.fromkeys(["eight", "acht", "huit", "osiem", "otto", "oito", "ocho", "visim", "vosem", "okto"], 8),
    **dict.fromkeys(["nine", "neun", "neuf", "dziewiec", "nove", "nueve", "deviat", "ennea"], 9),
    **dict.fromkeys(["ten", "zehn", "dix", "dziesiec", "dieci", "dez", "diez", "desiat", "deka"], 10),
    **dict.fromkeys(["eleven", "elf", "onze", "once"], 11),
    **dict.fromkeys(["twelve", "dozen", "zwolf", "douze", "dodici", "doze", "doce"], 12),
    **dict.fromkeys(["twenty", "zwanzig", "vingt", "dwadziescia", "venti", "vinte", "veinte"], 20),
}


# --- one item ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # normalised (ASCII, lowercase)
    capital: bool  # written with a capital letter, not as a sentence's first word
    sentence: int  # which sentence of the item (the headline is sentence 0 when there is one)
    number: int | None = None  # its value, for a number written in digits or words


@dataclass(frozen=True, slots=True)
class ItemFeatures:
    """What one item is compared on (see the module's docstring)."""

    article: str
    key: str  # the normalised headline, for exact duplicates; "" when it has none
    url: str | None
    stems: Counter[str]  # stems of every content word, and "@id" of every name
    lead_stems: Counter[str]  # the same, of the lead only
    names: frozenset[str]  # "@id" of the places, people and bodies named (weak ones left out),
    # and "~key" of other names (see _spelling_key)
    lead_names: frozenset[str]
    places: tuple[str, ...]  # specific places of the lead, first named first
    actors: frozenset[str]  # the sides (or ids) of every person and body of the lead
    actor: str | None  # who the first sentence is about: the side (or id) of its first person or body
    events: frozenset[str]
    lead_events: frozenset[str]
    main_event: str | None  # the first kind of event of the first sentence: what the item is about
    first_events: frozenset[str]  # every kind of event of the first sentence
    counts: dict[str, frozenset[int]]  # unit -> values
    numbers: frozenset[int]  # notable numbers (not dates, not small unit-less ones)
    future: bool  # its lead tells of something still to come
    denial: bool  # its lead denies a claim
    words: int


@lru_cache(maxsize=65536)
def _norm(raw: str) -> tuple[str, ...]:
    return tuple(norm_words(raw))


def _words(headline: str, text: str) -> list[Word]:
    out: list[Word] = []
    title_case = _title_case(headline)
    lowercase = {w for w in _LOWER.findall(f"{headline} {text}")}
    sentences = ([headline] if headline else []) + _sentences(_TIME.sub(" ", text))
    for n, sentence in enumerate(s for s in sentences if s.strip()):
        for position, match in enumerate(_RAW.finditer(sentence)):
            raw = match.group()
            if match.group("model"):  # "F-16", "Su-34": a name, not a count
                out.append(Word("".join(_norm(raw)), False, n))
                continue
            if match.group("number"):
                digits = re.sub(r"[.,](?=\d{3}\b)", "", raw)
                value = int(float(digits.replace(",", "."))) if len(digits) < 12 else None
                out.append(Word(digits, False, n, value))
                continue
            # A sentence's first word, and every word of a headline in Title Case, are written
            # with a capital whatever they are: they count as names only when the item never
            # writes them in lowercase ("Nauseda met ...", not "Overnight, ...").
            capital = raw[0].isupper() and (position > 0 and not (n == 0 and title_case)
                                            or raw.lower() not in lowercase)
            arabic = _ARABIC.match(raw) is not None
            for part in _norm(raw):
                out.append(Word(part, capital or arabic, n, _NUMBER_WORDS.get(part)))
    return out


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for piece in _SENTENCES.split(text):
        if out and _ABBREVIATION.search(out[-1]) and not out[-1].endswith("\n"):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _title_case(headline: str) -> bool:
    words = [w for w in headline.split() if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _spelling_key(word: str) -> str:
    """A loose key for a name's spelling across transliterations: "Kharkiv"/"Charkiw",
    "Zelensky"/"Selenskyj"/"Zełenski" give one key each."""
    w = word.replace("kh", "h").replace("ch", "h").replace("sch", "sh").replace("zh", "z").replace("w", "v")
    w = w.translate(str.maketrans("yjzq", "iisk"))
    w = w[0] + re.sub(r"[aeiou]", "", w[1:])
    return re.sub(r"(.)\1+", r"\1", w)


def item_features(item: Item, lex: Lexicon | None = None) -> ItemFeatures:
    lex = lex or lexicon()
    headline = (item.headline or "").strip()
    words = _words(headline, item.text)
    texts = [w.text for w in words]
    lead_end = min(len(words), LEAD_WORDS)
    first_sentence = words[0].sentence if words else 0
    stems: Counter[str] = Counter()
    lead: Counter[str] = Counter()
    names: dict[str, int] = {}
    lead_names: set[str] = set()
    places: list[str] = []
    actor: str | None = None
    actors: set[str] = set()
    main: str | None = None
    first_events: set[str] = set()
    events: set[str] = set()
    lead_events: set[str] = set()
    future = denial = False
    at = 0
    while at < len(words):
        word = words[at]
        in_lead = at < lead_end
        found = lex.names.match(texts, at) or _arabic_match(lex.names, words, at)
        if found:
            size, entry = found
            if not entry.weak:
                key = f"@{entry.id}"
                names.setdefault(key, at)
                stems[key] += 2
                if in_lead:
                    lead_names.add(key)
                    lead[key] += 2
                    if entry.kind in SPECIFIC and entry.id not in places:
                        places.append(entry.id)
            if entry.kind in ACTORS and word.sentence == first_sentence:
                actor = actor or entry.side or entry.id
            if entry.kind in ACTORS and in_lead:
                actors.add(entry.side or entry.id)
            at += size
            continue
        event = lex.events.match(texts, at) or _arabic_match(lex.events, words, at)
        if event:
            size, entry = event
            if entry.id == "future":
                future = future or (in_lead and word.sentence <= first_sentence + 1)
            else:
                events.add(entry.id)
                if word.sentence == first_sentence:
                    first_events.add(entry.id)
                if word.sentence == first_sentence and entry.id not in NOT_MAIN and (
                        main is None or entry.id in RESPONSES and main not in RESPONSES):
                    main = entry.id
                if in_lead:
                    lead_events.add(entry.id)
                    denial = denial or entry.id == "denial"
        text = word.text
        if text not in lex.stopwords and (len(text) > 1 or word.number is not None):
            stem = text if word.number is not None else text[:STEM]
            spelling = _spelling_key(text) if word.capital and word.number is None else ""
            if len(text) >= 4 and len(spelling) >= 2 and text not in lex.ignore:
                key = f"~{spelling}"  # an unknown name
                names.setdefault(key, at)
                if in_lead:
                    lead_names.add(key)
                stem = key
            stems[stem] += 1
            if in_lead:
                lead[stem] += 1
        at += event[0] if event else 1
    counts, numbers = _counts(words[:COUNT_WORDS], texts[:COUNT_WORDS], lex)
    return ItemFeatures(
        article=item.article_path, key=" ".join(norm_words(headline)), url=item.url, stems=stems,
        lead_stems=lead, names=frozenset(names), lead_names=frozenset(lead_names), places=tuple(places),
        actors=frozenset(actors), actor=actor, events=frozenset(events), lead_events=frozenset(lead_events),
        main_event=main, first_events=frozenset(first_events), counts=counts, numbers=numbers,
        future=future, denial=denial, words=len(words))


def _arabic_match(matcher: Matcher, words: Sequence[Word], at: int) -> tuple[int, Entry] | None:
    """Arabic writes "and", "to", "with" and "the" onto the word: "والأسرى" is "and the prisoners"."""
    word = words[at]
    if not word.capital or word.text[:1] not in _ARABIC_PREFIX:
        return None
    text = word.text
    for cut in (1, 2, 3):
        if text[cut - 1:cut] not in _ARABIC_PREFIX or len(text) - cut < 3:
            break
        found = matcher.match([text[cut:]], 0)
        if found:
            return 1, found[1]
    return None


def _counts(words: Sequence[Word], texts: Sequence[str], lex: Lexicon,
            ) -> tuple[dict[str, frozenset[int]], frozenset[int]]:
    """Counts with their units ("10 killed", "dez pessoas", "150 prisoners"), and notable numbers:
    days of the month, years, day numbers and small numbers with no unit are left out."""
    units: list[str | None] = [None] * len(words)
    wanted: set[int] = set()  # the words near a number: only there may a unit stand
    for at, word in enumerate(words):
        if word.number is not None:
            wanted.update(range(max(0, at - UNIT_BEFORE - 2), min(len(words), at + 1 + UNIT_AFTER)))
    for at in sorted(wanted):
        found = lex.units.match(texts, at) if lex.units.candidates(texts[at]) else None
        if found:
            units[at] = found[1].id
    counts: dict[str, set[int]] = {}
    numbers: set[int] = set()
    for at, word in enumerate(words):
        if word.number is None:
            continue
        near = {texts[k] for k in (at - 1, at + 1) if 0 <= k < len(words)}
        if near & _MONTHS or (at and texts[at - 1] in _DAY_WORDS):
            continue  # a date or a day number
        unit = next((units[k] for k in range(at + 1, min(len(words), at + 1 + UNIT_AFTER)) if units[k]), None)
        before = [units[k] for k in range(at - 1, max(-1, at - 1 - UNIT_BEFORE - 2), -1) if units[k]]
        # "the number killed in the missile strike rose to five": before a number, a toll wins.
        unit = unit or next((u for u in before if u in TOLLS), None) or next(iter(before[:1]), None)
        digits = word.text.isdigit()
        if unit:
            counts.setdefault(unit, set()).add(word.number)
        if digits and (unit or word.number >= 10) and not 1990 <= word.number <= 2035:
            numbers.add(word.number)
    for at in range(len(words)):
        if lex.no_casualties.candidates(texts[at]) and lex.no_casualties.match(texts, at):
            counts.setdefault("killed", set()).add(0)
            counts.setdefault("injured", set()).add(0)
    return {k: frozenset(v) for k, v in counts.items()}, frozenset(numbers)


def _name_key(place: str) -> str:
    return place if place.startswith("~") else f"@{place}"


# --- two items --------------------------------------------------------------------------------


FEATURES = ("text", "lead", "cover", "names", "no_names", "places_differ", "events",
            "events_differ", "main_event_differs", "events_one_sided", "counts_match", "counts_compatible",
            "counts_differ", "actor_same", "actor_differs", "tense_differs", "denial_differs")
DESCRIBE = {  # how `digest stories` names each part
    "text": "words in common", "lead": "lead words in common", "cover": "lead told by the other",
    "names": "names in common",
    "no_names": "no names to compare", "places_differ": "places differ",
    "events": "same kind of event", "events_differ": "other kind of event",
    "main_event_differs": "first sentences tell other kinds of event",
    "events_one_sided": "only one tells of an event",
    "counts_match": "same counts", "counts_compatible": "compatible counts", "counts_differ": "counts differ",
    "actor_same": "same actor", "actor_differs": "other actor",
    "tense_differs": "one still to come",
    "denial_differs": "one denies",
}
TOLLS = frozenset({"killed", "injured", "people"})  # counts that rise between reports


@dataclass(frozen=True, slots=True)
class Day:
    """The day's weight of each stem and name: the fewer of the day's items use it, the more it
    says (an idf); a word of most items says little."""

    idf: dict[str, float]
    default: float  # the weight of a word no item of the day has (never seen)


def day_weights(feats: Sequence[ItemFeatures]) -> Day:
    counts: Counter[str] = Counter()
    for f in feats:
        counts.update(f.stems.keys())
    # A pseudo-count of 2 items that have every word keeps a small day (3 items) from taking
    # every shared word for a rare one.
    n = len(feats) + 2
    return Day({w: math.log(n / (c + 2)) + 1.0 for w, c in counts.items()}, math.log(n / 2) + 1.0)


def vector(stems: Counter[str], day: Day) -> dict[str, float]:
    """Weighted and normalised to unit length: a dot product of two is their cosine. (Sums are
    math.fsum, exact whatever the order: sets iterate in another order in every process.)"""
    v = {w: (1 + math.log(c)) * day.idf.get(w, day.default) for w, c in stems.items()}
    norm = math.sqrt(math.fsum(x * x for x in v.values()))
    return {w: x / norm for w, x in v.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return math.fsum(x * b[w] for w, x in a.items() if w in b)


def _cover(lead: Counter[str], other: Counter[str], day: Day) -> float:
    """The weighted share of one item's lead words that the other item uses anywhere: a bullet
    of one sentence is all told by a long story of the same event."""
    total = math.fsum(day.idf.get(w, day.default) for w in lead)
    told = math.fsum(day.idf.get(w, day.default) for w in lead if w in other)
    return told / total if total else 0.0


def _share(mine: frozenset[str], theirs: frozenset[str], day: Day) -> float:
    total = math.fsum(day.idf.get(n, day.default) for n in mine)
    return math.fsum(day.idf.get(n, day.default) for n in mine & theirs) / total if total else 0.0


def _counts_compared(a: ItemFeatures, b: ItemFeatures) -> tuple[float, float, float]:
    """(match, compatible, differ) of the two items' counts of the same unit. A toll that rises
    between reports (3, then 5 dead) is compatible; nought and some, or two tallies of drones or
    prisoners far apart, differ."""
    match = compatible = differ = 0.0
    for unit in sorted(a.counts.keys() & b.counts.keys()):
        x, y = a.counts[unit], b.counts[unit]
        if x & y - {0}:
            match = 1.0
        elif (0 in x) != (0 in y) and (x | y) - {0}:
            differ = 1.0
        elif unit in TOLLS:
            compatible = 1.0
        else:
            low, high = min(max(x), max(y)), max(max(x), max(y))
            if low >= 0.5 * high:
                compatible = 1.0
            else:
                differ = max(differ, 0.5)
    rare = {n for n in a.numbers & b.numbers if n >= 10}
    if rare:
        match = 1.0
    return match, compatible, differ


def pair_features(a: ItemFeatures, b: ItemFeatures, va: dict[str, float], vb: dict[str, float],
                  la: dict[str, float], lb: dict[str, float], day: Day) -> dict[str, float]:
    """The parts of FEATURES for one pair, each from 0 to 1. `va`/`la`: a's full and lead vectors."""
    names = 0.0
    if a.lead_names and b.lead_names:
        # The better way round: a bullet's names are all in a long story of the same event.
        names = max(_share(a.lead_names, b.names, day), _share(b.lead_names, a.names, day))
    places_differ = 0.0
    if a.places and b.places:
        places_differ = ((_name_key(a.places[0]) not in b.names)
                         + (_name_key(b.places[0]) not in a.names)) / 2
    events = events_differ = 0.0
    # "Said" is no event: two statements by one man on two subjects share it.
    lead_a, lead_b = a.lead_events - {"statement"}, b.lead_events - {"statement"}
    if lead_a and lead_b:
        events = 2 * len(lead_a & lead_b) / (len(lead_a) + len(lead_b))
        if not (lead_a & b.events or lead_b & a.events):
            events_differ = 1.0
    match, compatible, differ = _counts_compared(a, b)
    actor_same = actor_differs = 0.0
    if a.actor and b.actor:
        # Who the first sentence is about: "Zelensky meets Stoltenberg" and "Stoltenberg visits
        # Kyiv" are one meeting: two actors only when neither is named in the other's lead.
        actor_same = float(a.actor == b.actor)
        actor_differs = float(a.actor not in b.actors and b.actor not in a.actors)
    return {
        "text": cosine(va, vb),
        "lead": cosine(la, lb),
        "cover": max(_cover(a.lead_stems, b.stems, day), _cover(b.lead_stems, a.stems, day)),
        "names": names,
        "no_names": float(not (a.lead_names and b.lead_names)),
        "places_differ": places_differ,
        "events": events,
        "events_differ": events_differ,
        # What each first sentence is about, and the other's first sentence does not tell.
        "main_event_differs": float(bool(a.main_event and b.main_event and a.main_event not in b.first_events
                                         and b.main_event not in a.first_events)),
        # One tells what happened, the other only what someone said: two statements of one man
        # on two subjects, or an event and a comment on something else.
        "events_one_sided": float(bool(lead_a) != bool(lead_b)),
        "counts_match": match,
        "counts_compatible": compatible,
        "counts_differ": differ,
        "actor_same": actor_same,
        "actor_differs": actor_differs,
        "tense_differs": float(a.future != b.future),
        "denial_differs": float(a.denial != b.denial),
    }
