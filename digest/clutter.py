"""Site clutter: the lines of a scraped page that are not the article.

What clutter looks like is data: `digest/data/clutter.yaml` lists kinds of clutter (share bars,
captions and credits, newsletter and donation appeals, "Read also" links, tag lists, cookie banners,
live-blog sign-offs, ...) with their phrasings in every language digest reads, and `sources.yaml`
adds a project's own regexes (`shared_clutter`, `shared_end`) and each outlet's (`clutter`, `end`).

`Rules.kind(text)` names the kind of one line (its bullet and surrounding spaces removed), or
None for article text. The parser asks it of every line of every article, so each way of matching
is compiled once: the `line` phrases into a dict, the `start` phrases into one trie regex (an
alternation whose branches share their prefixes), the `anywhere` phrases into an Aho-Corasick
automaton, which also finds the literals without which a pattern cannot match ("photo",
"kriegsparteien"), so that a pattern is only tried on the few lines that hold one. A line costs
a dict lookup, one scan, one regex match and the patterns it could match, whatever the number of
phrases and languages.

A kind is recognised by its shape, not by a word: a sentence that mentions Telegram, a photo or
Reuters is article text; "Follow us on Telegram", "Photo: ..." and a line ending with a credit are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import ahocorasick

from .config import ClutterKind, Sources, package_clutter
from .model import Source

try:  # the parsed form of a regex, to find the literals it needs (the stdlib's own parser)
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - a Python that moved them: patterns are then tried ungated
    _sre = _sre_parse = None  # type: ignore[assignment]

_WORDS = re.compile(r"\w+")
# A sentence ends with . ! ? or … possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\"'’”»)\]]*$")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an article's text, with where it came from."""

    number: int  # 1-based line number in the file
    text: str  # without bullet marker and surrounding spaces; "" for a blank line
    bullet: bool = False  # it was a list item ("• ...", "- ...", "1. ...")
    indented: bool = False  # it started with spaces (a continuation of a list item)


# --- reading a line the way the data is written ---------------------------------------------

# Curly apostrophes, ё and odd spaces, so that "Lire l’article" and "Lire l'article" are one
# phrase. str.replace behind an `in` test: both are fast scans, unlike str.translate on
# non-ASCII text, which looks up every character.
_FOLDS = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("ё", "е"), ("Ё", "Е"), ("\u00a0", " "),
          ("\u202f", " "), ("\u2009", " "), ("\t", " "))
# What may stand around a phrase on its line: ">> Read more", "Read more >>", "Tags:", "- Published".
_LEAD = " >»›|•·*+#-–—~"
_TRAIL = " .:;,!?…>»›|-–—*"
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+")  # "1. Skip to content" of a scraped menu
# What may close a whole-line phrase: punctuation, arrows and emoji ("More updates 👇", "Read more »").
_CLOSING = re.compile(r"[\W_]+$")
_HEAD = 240  # characters of a long line that `line` and `start` phrases need to see
_CAPTION_KINDS = frozenset({"caption", "credit"})


def _fold(text: str) -> str:
    for old, new in _FOLDS:
        if old in text:
            text = text.replace(old, new)
    if "  " in text:
        text = " ".join(text.split())
    return text


def _fold_phrase(phrase: str) -> str:
    return _fold(phrase).lower().replace(" :", ":").strip()


def _key(low: str) -> str:
    """A folded, lowercased line without the decorations that may stand around a phrase."""
    key = low.lstrip(_LEAD)
    if key[:1].isdigit():
        numbered = _NUMBERED.match(key)
        if numbered:
            key = key[numbered.end():]
    return key


# --- compiling the data ---------------------------------------------------------------------


def _trie_regex(phrases: Iterable[str]) -> str:
    """One regex for many literal phrases, branching only where they differ ("read (?:also|more)"),
    so that a failed match costs one look at the first characters rather than one per phrase. A
    phrase ending with a letter or digit must end a word ("share on" is not "share one"); where
    one phrase continues another, the longer is tried first."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict], last: str) -> str:
        branches = [re.escape(char) + render(child, char) for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append(r"(?!\w)" if last.isalnum() else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return render(trie, "")


def _scoped(pattern: str) -> str:
    """A pattern that opens with global flags ("(?i)...") scoped to itself, so that it can stand
    inside an alternation with others."""
    flags = re.match(r"^\(\?([imsx]+)\)", pattern)
    return f"(?{flags.group(1)}:{pattern[flags.end():]})" if flags else pattern


# Every pattern is tried only on lines that hold one of the literals it cannot match without
# ("photo", "getty images", "kriegsparteien", "/"): they are found, with the `anywhere` phrases,
# in one pass of an Aho-Corasick automaton, so that a line costs one scan whatever the number
# of patterns, and the few patterns it could match.
_MAX_ALTERNATIVES = 64  # a literal run that branches more than this is not worth a gate


def _charset(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The characters of a class made only of literals ("[:|©]"), else None."""
    if all(op is _sre.LITERAL for op, _ in items) and len(items) <= 8:
        return {chr(value).lower() for _, value in items}
    return None


def _score(literals: frozenset[str]) -> tuple[int, int]:
    return (min(len(x) for x in literals), -len(literals))  # long and few: a selective gate


# A literal set found in a parsed regex, and the top-level items it spans (first, last), so
# that its distance from an anchor can be bounded.
_Candidate = tuple[frozenset[str], int, int]


def _candidates(items: Any) -> list[_Candidate]:
    """Literal sets one of which every match of the parsed regex `items` contains. Literal runs,
    classes of literals and branches are followed; what may repeat zero times, assertions and
    everything else ends a run and adds nothing."""
    found: list[_Candidate] = []
    run: set[str] = {""}
    run_start = 0

    def close(index: int) -> None:
        nonlocal run
        if run != {""} and all(run):
            found.append((frozenset(run), run_start, index - 1))
        run = {""}

    for index, (op, value) in enumerate(items):
        chars = _charset(value) if op is _sre.IN else None
        if op is _sre.LITERAL or (chars is not None and len(run) * len(chars) <= _MAX_ALTERNATIVES):
            if run == {""}:
                run_start = index
            run = {r + c for r in run for c in (chars or {chr(value).lower()})}
            continue
        close(index)
        inner: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            inner = required_literals(value[3])
        elif op is _sre.ATOMIC_GROUP:
            inner = required_literals(value)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and value[0] >= 1:
            inner = required_literals(value[2])
        elif op is _sre.BRANCH:
            branches = [required_literals(b) for b in value[1]]
            if all(b is not None for b in branches):
                inner = frozenset().union(*branches)  # type: ignore[arg-type]
        if inner and all(inner):
            found.append((inner, index, index))
    close(len(items))
    return found


def required_literals(items: Any) -> frozenset[str] | None:
    """The most selective set of lowercase strings one of which every match contains, or None."""
    found = _candidates(items)
    return max((c[0] for c in found), key=_score) if found else None


_UNBOUNDED = 10_000


def _gate(pattern: str) -> tuple[frozenset[str], int | None, int | None] | None:
    """The literals that gate a pattern, and how far from the line's start (for a pattern
    opening with ^) and from its end (for one closing with $) the literal can stand."""
    if _sre_parse is None:
        return None
    parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    items = list(parsed.data)
    found = _candidates(items)
    if not found:
        return None
    literals, first, last = max(found, key=lambda c: _score(c[0]))
    widths = [_sre_parse.SubPattern(parsed.state, [item]).getwidth()[1] for item in items]

    def within(span: list[int]) -> int | None:
        total = sum(min(w, _UNBOUNDED) for w in span)
        return total if total < _UNBOUNDED else None

    # A literal inside an item (a group) may stand anywhere in it: count the item's width too.
    inside = first == last and not (items[first][0] is _sre.LITERAL or items[first][0] is _sre.IN)
    begin = items[0] == (_sre.AT, _sre.AT_BEGINNING)
    end = items[-1] == (_sre.AT, _sre.AT_END)
    max_start = within(widths[:last + 1 if inside else first]) if begin else None
    max_tail = within(widths[first if inside else last + 1:]) if end else None
    return literals, max_start, max_tail


@dataclass(frozen=True, slots=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]
    anchored: bool  # opens with ^: tried with match(), on lines of any length
    max_length: int  # for a pattern not anchored
    gated: bool  # tried only when the automaton saw one of its literals


@dataclass(frozen=True, slots=True)
class Package:
    """The package data compiled: a dict of whole-line phrases, one trie regex of opening
    phrases, and one automaton of `anywhere` phrases and of the literals that gate patterns."""

    lines: dict[str, str]  # folded phrase, decorations removed -> kind
    line_max: int  # no `line` phrase fits a longer line
    start: re.Pattern[str] | None
    start_kinds: dict[str, str]  # folded phrase -> kind
    # ahocorasick.Automaton: literal -> the `anywhere` phrases (kind rank, kind, max length, size, 0)
    # and pattern gates (pattern index, size, max distance from the start, from the end) it is.
    automaton: Any
    patterns: tuple[_Pattern, ...]  # in the order of the file
    ungated: tuple[int, ...]  # patterns with no literal to wait for: always tried

    def kind(self, text: str) -> str | None:
        """The kind of one line of clutter, or None."""
        n = len(text)
        folded = _fold(text)
        low = folded.lower()  # what the automaton scans: gate positions count in it
        head = low if n <= _HEAD else low[:_HEAD]
        key = _key(head.replace(" :", ":") if " :" in head else head)  # French spacing: "Photo : AFP"
        if n <= self.line_max:
            found = self.lines.get(_CLOSING.sub("", key))
            if found:
                return found
        phrase, gates = self._scan(low, n)
        for index in gates:
            pattern = self.patterns[index]
            if pattern.anchored and pattern.regex.match(folded):
                return pattern.kind
        if self.start is not None:
            match = self.start.match(key)
            if match:
                return self.start_kinds[match.group(0)]
        if phrase is not None:
            return phrase
        for index in gates:
            pattern = self.patterns[index]
            if not pattern.anchored and n <= pattern.max_length and pattern.regex.search(folded):
                return pattern.kind
        if n <= 600 and glued_double(folded):
            return "caption"
        return None

    def _scan(self, low: str, n: int) -> tuple[str | None, list[int]]:
        """One pass of the automaton: the kind of the first-ranked `anywhere` phrase standing as
        whole words, and the patterns worth trying (in file order): those whose literal stands
        where the pattern could use it."""
        rank = 1 << 30
        phrase: str | None = None
        gates = list(self.ungated)
        last = len(low) - 1
        for end, values in self.automaton.iter(low):
            for value in values:
                if len(value) == 4:  # a pattern's gate: (index, size, max_start, max_tail)
                    index, size, max_start, max_tail = value
                    if ((max_start is None or end - size + 1 <= max_start)
                            and (max_tail is None or last - end <= max_tail)):
                        gates.append(index)
                    continue
                order, kind, max_length, size, _ = value  # an `anywhere` phrase
                if order >= rank or n > max_length:
                    continue
                begin = end - size + 1
                # Whole words: a phrase edge that is a letter may not touch another letter.
                if (begin == 0 or not low[begin - 1].isalnum() or not low[begin].isalnum()) and (
                        end == last or not low[end + 1].isalnum() or not low[end].isalnum()):
                    rank, phrase = order, kind
        return phrase, sorted(set(gates)) if len(gates) > 1 else gates


def _is_anchored(pattern: str) -> bool:
    return pattern.startswith("^") or bool(re.match(r"^\(\?[imsx]+\)\^", pattern))


@cache
def compile_package(kinds: tuple[ClutterKind, ...]) -> Package:
    """Compile clutter kinds (the package data, or a test's) into a Package."""
    lines: dict[str, str] = {}
    start: dict[str, str] = {}
    literals: dict[str, list[tuple[Any, ...]]] = {}
    patterns: list[_Pattern] = []
    ungated: list[int] = []
    for order, kind in enumerate(kinds):
        for phrase in kind.line:
            # setdefault: where two kinds share a phrase, the first in the file wins.
            lines.setdefault(_CLOSING.sub("", _key(_fold_phrase(phrase))), kind.name)
        for phrase in kind.start:
            start.setdefault(_key(_fold_phrase(phrase)), kind.name)
        for phrase in kind.anywhere:
            folded = _fold(phrase).lower().strip()
            literals.setdefault(folded, []).append((order, kind.name, kind.max_length, len(folded), 0))
        for pattern in kind.patterns:
            index = len(patterns)
            gate = _gate(pattern)
            if gate is None:
                ungated.append(index)
            else:
                words, max_start, max_tail = gate
                for literal in words:
                    literals.setdefault(literal, []).append((index, len(literal), max_start, max_tail))
            patterns.append(_Pattern(kind.name, re.compile(pattern, re.IGNORECASE), _is_anchored(pattern),
                                     kind.max_length, gate is not None))
    lines.pop("", None)
    start.pop("", None)
    automaton = ahocorasick.Automaton()
    for literal, values in literals.items():
        automaton.add_word(literal, tuple(values))
    if literals:
        automaton.make_automaton()
    return Package(
        lines=lines,
        line_max=max((len(p) for p in lines), default=0) + 12,  # room for decorations
        start=re.compile(_trie_regex(start)) if start else None,
        start_kinds=start,
        automaton=automaton if literals else _NoAutomaton(),
        patterns=tuple(patterns),
        ungated=tuple(ungated),
    )


class _NoAutomaton:
    """An automaton with no words (ahocorasick refuses to search with none)."""

    def iter(self, text: str) -> list[tuple[int, tuple[object, ...]]]:
        return []


@cache
def package() -> Package:
    """The package's own clutter data, compiled once."""
    return compile_package(package_clutter())


# --- rules: the package data plus a project's and an outlet's regexes -----------------------


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Patterns as two alternations: those anchored at the line's start are only tried there
    (most rules), the others everywhere. Two regex calls a line instead of one per rule."""

    anchored: re.Pattern[str] | None
    floating: re.Pattern[str] | None

    def matches(self, text: str) -> bool:
        return bool(
            (self.anchored is not None and self.anchored.match(text))
            or (self.floating is not None and self.floating.search(text))
        )


def _rule_alternation(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{_scoped(p)})" for p in patterns), re.IGNORECASE) if patterns else None


def _rule_set(patterns: tuple[str, ...]) -> RuleSet:
    anchored = [p for p in patterns if p.startswith("^")]
    floating = [p for p in patterns if not p.startswith("^")]
    return RuleSet(_rule_alternation(anchored), _rule_alternation(floating))


_MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything that makes a line clutter for one outlet's pages."""

    package: Package  # the kinds every project gets (digest/data/clutter.yaml)
    project: RuleSet  # the project's `shared_clutter`: kind "project"
    outlet: RuleSet  # the outlet's `clutter`: kind "outlet"
    end: RuleSet  # `shared_end` and the outlet's `end`: kind "end"
    # The parser asks about a line more than once (its kind, then whether it ends the page or
    # opens a list, and as the neighbour of the line before): remember recent answers.
    _memo: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def kind(self, text: str) -> str | None:
        """The clutter kind of one line (its bullet and surrounding spaces removed), or None."""
        if not text:
            return None
        memo = self._memo
        if text in memo:
            return memo[text]
        found: str | None
        if self.end.matches(text):
            found = "end"  # an outlet's end marker wins over what the line would otherwise be
        else:
            found = self.package.kind(text)
            if found is None:
                if self.outlet.matches(text):
                    found = "outlet"
                elif self.project.matches(text):
                    found = "project"
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[text] = found
        return found

    def is_clutter(self, text: str) -> bool:
        return self.kind(text) is not None

    def is_end(self, text: str) -> bool:
        """Nothing after this line is article text ("Related articles", "You may also like")."""
        return self.kind(text) == "end"

    def opens_list(self, text: str) -> bool:
        """A heading over a list of links to other articles: "Read also", "Read more:",
        "More from our Ukraine coverage", "Читайте також:", "Read more on the war:"."""
        found = self.kind(text)
        return found == "related_heading" or (found == "read_also" and text.rstrip().endswith(":"))


def make_rules(kinds: tuple[ClutterKind, ...] | None = None, *, project: tuple[str, ...] = (),
               outlet: tuple[str, ...] = (), end: tuple[str, ...] = ()) -> Rules:
    """Rules from clutter kinds (the package's by default) and extra regexes."""
    compiled = package() if kinds is None else compile_package(kinds)
    return Rules(compiled, _rule_set(project), _rule_set(outlet), _rule_set(end))


@lru_cache(maxsize=64)
def rules_for(sources: Sources, source: Source | None) -> Rules:
    """The rules for the pages of one outlet (or of an unknown one)."""
    return make_rules(
        project=sources.shared_clutter,
        outlet=source.clutter if source else (),
        end=sources.shared_end + (source.end if source else ()),
    )


@lru_cache(maxsize=64)
def recognisers(sources: Sources) -> tuple[tuple[Source, re.Pattern[str]], ...]:
    """Each outlet with its `recognise` patterns as one regex."""
    return tuple(
        (s, re.compile("|".join(f"(?:{p})" for p in s.recognise), re.IGNORECASE | re.MULTILINE))
        for s in sources.outlets if s.recognise
    )


# --- captions: what only two lines together, or a doubled line, show ------------------------


def glued_double(text: str) -> bool:
    """A caption printed twice with nothing between: "Caption textCaption text. Picture: X"."""
    if len(text) < 40:
        return False
    probe = text[:20]
    at = text.find(probe, 20)
    while at != -1:
        # Glued: the copy follows a letter, a full stop or a bracket, not a space.
        if not text[at - 1].isspace():
            size = min(at, 40)
            if text[at:at + size] == text[:size]:
                return True
        at = text.find(probe, at + 1)
    return False


_CREDIT_REST = re.compile(r"^[\s.,;|–—-]+")
# A credit line that names itself a photo's: "Fot. Name / Agency", "Photograph: Name/EPA".
_PHOTO_LABEL = re.compile(r"^[\[(]?\s*(?:photo(?:graph)?s?|pictures?|images?|фото|foto|fot\.|zdjęci[ea]|bild"
                          r"|crédit photo|fotografía|imagen)(?!\w)", re.IGNORECASE)


def _is_credit(text: str) -> bool:
    rest = _CREDIT_REST.sub("", text).strip()
    if not rest:
        return False
    if rest.lower().strip("()[]. ") in {"file", "archive", "file photo", "архів", "архив", "archiv",
                                        "archiwum", "archives", "archivo"}:
        return True
    return package().kind(rest) in _CAPTION_KINDS


def caption_pair(first: str, second: str) -> bool:
    """Two adjacent lines that are one photo caption: printed twice, once with its credit
    ("A destroyed column near Kyiv" / "A destroyed column near Kyiv. Photograph: X/EPA"), or over
    a credit that names itself a photo's ("Firefighters at the substation." / "Fot. Name / PAP");
    "U.S. President Joe Biden. File" / "U.S. President Joe Biden. File | Photo Credit: Reuters";
    two captions opening with the same 40 characters, one of them ending with a credit; or a
    line that is the other glued to itself ("CaptionCaption. Picture: X").
    Two identical lines are not a pair by themselves: a title is often printed twice."""
    a, b = _fold(first).strip(), _fold(second).strip()
    if not a or not b or a == b:
        return False
    # A caption over its own photo credit: the credit says whose photo the line above describes.
    if (_PHOTO_LABEL.match(b) and package().kind(b) == "credit" and package().kind(a) is None
            and 3 <= word_count(a) <= 25 and not a.endswith(":")):
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= 15 and longer.lower().startswith(shorter.lower()):
        return _is_credit(longer[len(shorter):])
    if len(shorter) >= 40 and a[:40].lower() == b[:40].lower():
        return any(package().kind(x) in _CAPTION_KINDS for x in (a, b))
    return any(glued_double(x) and y[:20].lower() == x[:20].lower() for x, y in ((a, b), (b, a)))


# --- lines ----------------------------------------------------------------------------------


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))
