"""The shapes of single lines: a live-blog entry's time stamp, a dateline, a day heading, a
headline, a byline, an intro line, a "Label: text" line. Each is a function of the line's text
alone; `lines` decides with the neighbours.
"""

from __future__ import annotations

import re

from .clutter import SENTENCE_END, word_count
from .dates import (
    FoundDate,
    FoundTime,
    find_dates,
    find_day_numbers,
    find_time,
    find_times,
    find_weekdays,
)
from .page_words import phrases

_SUBHEADING = re.compile(r"^[–—-]+\s*(?P<title>.+?)\s*[–—-]+$")
_ZONE = (r"(?:\s*\(?(?:gmt|utc|bst|cet|cest|eet|eest|msk|est|edt|pst|pdt|ist|kyiv time|kiev time"
         r"|moscow time|local time|uhr|ortszeit)(?:\s?[+-]\s?\d{1,2}(?::?\d{2})?)?\)?)?")
_CLOCK = (r"(?:[0-2]?\d[:.h][0-5]\d(?![\d.,]\d)(?:\s?[ap]\.?\s?m\.?)?"
          r"|(?:1[0-2]|0?[1-9])\s?[ap]\.?\s?m\.?"
          r"|[0-2]\d[0-5]\d(?=\s*(?:gmt|utc)))")
# A live-blog entry's stamp at the start of a line: "14:05", "Update 10:59 p.m. EST Feb. 26:",
# "+++ 23:24 ... +++", "++22.45++", "19:30 Uhr |", "23:30 - 8 декабря", "11.04.2024, 07:15 |".
_ENTRY = re.compile(
    rf"^(?:update[sd]?\s+)?(?:\+{{2,3}}\s*)?"
    rf"(?:(?P<lead_date>\d{{1,2}}\.\d{{1,2}}\.\d{{4}}),?\s+)?"
    rf"(?P<clock>{_CLOCK}{_ZONE})"
    rf"(?P<date>\s*[-–,]?\s*(?:\d{{1,2}}\s+[^\W\d_]{{3,}}\.?|[A-Z][a-z]{{2,}}\.?\s+\d{{1,2}})(?!\w))?"
    rf"\s*(?:\+{{2,3}})?\s*(?P<sep>[—–|:,-]+)?\s*(?P<rest>.*?)\s*(?:\+{{2,3}})?$",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"^(?P<n>\d{1,2})\s?(?:h|hrs?|hours?|min|mins|minutes?|m)\s+ago$", re.IGNORECASE)
_DATELINE_WORDS = re.compile(
    r"\b(?:published|updated|created|posted|last|modified|on|at|by|am|pm|gmt|utc|ist|est|et|uhr"
    r"|online seit|aktualisiert|am|um|publié|modifié|le|à|mis à jour|publicado|actualizado|el|de"
    r"|опубліковано|оновлено|опубликовано|обновлено|opublikowano|aktualizacja|р|року|года|roku"
    r"|today|aujourd’hui|aujourd'hui|сьогодні|сегодня|dziś|heute|hoy)\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-ZА-ЯІЇЄҐ][\w'’.-]+|and|&|de|van|von|der|da|di|al|la|le|і|и|та)$")
_LABEL = re.compile(r"^(?P<label>[A-ZА-ЯІЇЄҐÀ-Ý][^.:!?]{1,40}?)\s*:\s+(?P<rest>\S.*)$")


def entry_stamp(text: str) -> tuple[FoundTime | None, str, FoundDate | None] | None:
    """(time, the text after the stamp, a date printed in the stamp) for a line that opens a
    live-blog entry; None for any other line."""
    relative = _RELATIVE.match(text)
    if relative:
        return None, "", None
    match = _ENTRY.match(text)
    if match is None or (match.group("lead_date") and not match.group("sep")):
        return None  # "24.02.2024 10:05" alone is a dateline; "11.04.2024, 07:15 |" opens an entry
    rest = match.group("rest") or ""
    if not match.group("sep") and rest and not rest[:1].isupper() and rest[:1] not in "\"“«„'‘📰":
        return None  # "10.5 million people", "7 am in Kyiv": a number, not a stamp
    clock = find_time(match.group("clock"))
    if clock is None:
        return None
    stamp_date = None
    if match.group("date") or match.group("lead_date"):
        dates = find_dates((match.group("lead_date") or "") + " " + (match.group("date") or ""))
        stamp_date = dates[0] if dates else None
    if rest.startswith(",") or (match.group("sep") == "," and word_count(rest) <= 4):
        rest = ""  # "03:42 , Arpan Rai": the author, not a headline
    return clock, rest, stamp_date


def dateline_date(text: str) -> FoundDate | None:
    """The date of a line that is there to give a date ("Published On 24 Nov 2024", "Reuters |
    Updated: 23-01-2024 10:48 IST", "By Staff Writer | Thursday 04/03/2025 | 6:45 PM ET")."""
    found = date_and_rest(text)
    if found is None:
        return None
    first, rest = found
    if SENTENCE_END.search(text) and rest > 1:
        return None  # "The war began on February 24, 2022." is a sentence, not a dateline
    return first if rest <= 6 else None


def date_and_rest(text: str) -> tuple[FoundDate, int] | None:
    """The first date of a short line, and how many words the line has besides dates, times,
    weekdays and the words that announce them."""
    if word_count(text) > 24 or not any(ch.isdigit() for ch in text):
        return None
    found = find_dates(text)
    if not found:
        return None
    rest = text
    for f in reversed(found):
        rest = rest[:f.start] + " " + rest[f.end:]
    for t in reversed(find_times(rest)):
        rest = rest[:t.start] + " " + rest[t.end:]
    rest = _DATELINE_WORDS.sub(" ", rest)
    for w in reversed(find_weekdays(rest)):
        rest = rest[:w.start] + " " + rest[w.end:]
    return found[0], word_count(rest)


def day_heading(text: str) -> FoundDate | str | None:
    """A heading that opens one day of a timeline: a date ("Monday 3 March", "30 квітня",
    "Viernes 18 de marzo:"), a weekday alone ("Thursday"), or "Day 2"."""
    words = word_count(text)
    if words > 6 or SENTENCE_END.search(text.rstrip(":")):
        return None
    found = find_dates(text)
    if found:
        rest = text[:found[0].start] + text[found[0].end:]
        for w in find_weekdays(rest):
            rest = rest[:w.start] + rest[w.end:]
        return found[0] if word_count(rest) <= 1 else None
    weekdays = find_weekdays(text)
    if weekdays and words == 1:
        return "weekday"
    numbers = find_day_numbers(text)
    if numbers and words <= 3:
        return "day-number"
    return None


def is_headline_shaped(text: str, max_words: int = 20) -> bool:
    words = word_count(text)
    if not 1 <= words <= max_words or text.endswith((":", ",", ";")):
        return False
    if text.startswith(("\"", "“", "‘", "'", "«", "„")):
        # A quotation opens a paragraph; a short quoted phrase may be a headline ("‘Push for Kyiv’").
        return words <= 8 and text.endswith(("\"", "”", "’", "'", "»", "“"))
    return not SENTENCE_END.search(text) and not text.startswith(("(", "—", "–", "-"))


def is_byline(text: str) -> bool:
    """A list of names ("Samantha Lock, Léonie Chao-Fong and Martin Belam", "A | B | C")."""
    if ":" in text or word_count(text) > 14 or not re.search(r",|\band\b|\||&| і | и | та ", text):
        return False
    words = re.sub(r"[,|]", " ", text).split()
    return len(words) >= 3 and all(_NAME_WORD.match(w) for w in words)


def is_intro(text: str) -> bool:
    """A line that introduces what follows ("Here are the latest updates:", "These are the key
    events on day 1,186 of Russia's war on Ukraine.")."""
    words = word_count(text)
    if text.endswith(":") and 4 <= words <= 30:
        return True
    if words > 30 or not text.endswith((":", ".", "…")):
        return False
    return phrases("intro_cues").opens(text.lstrip("(")) or phrases("intro_phrases").found_in(text)


def label_of(text: str, loose: bool = False) -> tuple[str, str] | None:
    """"The latest: Belarus is preparing ...", "Der Tag: Für den ...": (label, text)."""
    match = _LABEL.match(text)
    if not match or word_count(match.group("label")) > 4 or word_count(match.group("rest")) < 6:
        return None
    if word_count(text) <= 14 and is_headline_shaped(match.group("rest"), 14) and not loose:
        return None  # "Ukraine war: key events of the day": a headline with a colon
    return match.group("label").strip(), match.group("rest").strip()


def subheading(text: str) -> str | None:
    """"– Ukrainian flag hoisted –": a wire report's sub-heading."""
    match = _SUBHEADING.match(text)
    return match.group("title") if match else None
