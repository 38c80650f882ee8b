"""Patterns from settings files, checked when loaded for the shapes that backtrack without end.

The parser tries every clutter and `recognise` pattern of sources.yaml on every line, so a
pattern like `^(a+)+$` would hang the build on one long line of "aaaa...". A time budget per
match (the `regex` package's `timeout=`) costs on each of those calls; a check of the pattern's
shape costs once, when sources.yaml is read. It refuses the classic catastrophic forms:

- a repeat inside a repeat, where the inner one can make up the whole of the outer one's body
  (`(a+)+`, `(a*)*`, `(\\w+\\s?)*`, `(x+x+)+`), so that a string splits in exponentially many ways;
  `(\\w+\\s+)*` is fine: the `\\s+` every round must match keeps the splits apart;
- a repeated alternation whose alternatives can match the same text (`(a|a)+`, `(.|\\s)*`),
  or repeats side by side that can match the same characters (`(x+x+)+`, `(\\s+\\s*)+`).

What it cannot see (e.g. several `.*` in a row, which are slow but polynomial) is left to the
lines being short. Possessive repeats and atomic groups never backtrack and are allowed.
"""

from __future__ import annotations

import re
from re import _compiler  # type: ignore[attr-defined]
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT)
_ONE_CHAR = (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY, c.CATEGORY)
_ZERO_WIDTH = (c.AT, c.ASSERT, c.ASSERT_NOT)
Items = Any  # a SubPattern or a list of (opcode, argument)


def catastrophic(pattern: str) -> str | None:
    """What makes `pattern` backtrack without end, or None. A pattern `re` refuses is None too
    (`valid_regex` reports that)."""
    try:
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    return _danger(list(parsed))


def _danger(items: Items) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if high > 1:
                if _reduces_to_repeat(body):
                    return "has a repeat inside a repeat (like `(a+)+`), which can take forever"
                if _ambiguous_branch(body):
                    return ("repeats parts that can match the same text in several ways (like `(a|a)+` "
                            "or `(x+x+)+`), which can take forever")
            found = _danger(body)
        elif op is c.SUBPATTERN:
            found = _danger(av[3])
        elif op is c.BRANCH:
            found = next((d for d in (_danger(b) for b in av[1]) if d), None)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            found = _danger(av[1])
        else:
            found = None  # possessive repeats and atomic groups do not backtrack
        if found:
            return found
    return None


def _can_be_empty(items: Items) -> bool:
    for op, av in items:
        if op in _REPEATS or op is c.POSSESSIVE_REPEAT:
            if av[0] > 0 and not _can_be_empty(av[2]):
                return False
        elif op is c.SUBPATTERN:
            if not _can_be_empty(av[3]):
                return False
        elif op is c.BRANCH:
            if not any(_can_be_empty(b) for b in av[1]):
                return False
        elif op is c.ATOMIC_GROUP:
            if not _can_be_empty(av):
                return False
        elif op not in _ZERO_WIDTH and op is not c.GROUPREF_EXISTS:
            return False
    return True


def _reduces_to_repeat(items: Items) -> bool:
    """Whether `items` can be one backtracking repeat (max > 1) with all else empty."""
    items = list(items)
    for index, (op, av) in enumerate(items):
        others = items[:index] + items[index + 1:]
        if op in _REPEATS:
            inner = (av[1] > 1 and not _can_be_empty(av[2])) or _reduces_to_repeat(av[2])
        elif op is c.SUBPATTERN:
            inner = _reduces_to_repeat(av[3])
        elif op is c.BRANCH:
            inner = any(_reduces_to_repeat(b) for b in av[1])
        else:
            inner = False
        if inner and _can_be_empty(others):
            return True
    return False


def _ambiguous_branch(items: Items) -> bool:
    """Whether `items` hold (outside other repeats) an alternation two of whose alternatives
    match the same text, or two repeats side by side that can match the same characters
    (`x+x+`): either way one string splits in several ways, each round of the outer repeat."""
    items = list(items)
    for index, (op, av) in enumerate(items):
        if op is c.SUBPATTERN and _ambiguous_branch(av[3]):
            return True
        if op is c.BRANCH and (_overlap(av[1]) or any(_ambiguous_branch(b) for b in av[1])):
            return True
        if op in _REPEATS and av[1] > 1 and index + 1 < len(items):
            nxt_op, nxt = items[index + 1]
            # Only when the two can be the whole round: `(x+x+)+`, not `(\s*/\s*x+)*`, where
            # the `/` every round must match keeps the splits apart.
            if nxt_op in _REPEATS and nxt[1] > 1 and _can_be_empty(items[:index] + items[index + 2:]):
                first, second = _chars(list(av[2])), _chars(list(nxt[2]))
                if first is None or second is None or first & second:
                    return True
    return False


# Characters a one-character item is tried on: enough to tell letters, digits, spaces and
# punctuation apart in the scripts the outlets write in.
_PROBE = "".join(chr(i) for i in range(32, 127)) + "\t\n\xa0йЖёЇієÄöüßąłśćé–—’«»"


def _chars(items: Items) -> frozenset[str] | None:
    """The probe characters a one-character pattern matches, or None when it is not one."""
    if len(items) == 1 and items[0][0] is c.SUBPATTERN:
        return _chars(list(items[0][1][3]))
    if len(items) != 1 or items[0][0] not in _ONE_CHAR:
        return None
    try:
        state = sre.State()
        compiled = _compiler.compile(sre.SubPattern(state, list(items)), 0)
    except (re.error, TypeError, ValueError, AttributeError):
        return None
    return frozenset(ch for ch in _PROBE if compiled.fullmatch(ch))


def _text(items: Items) -> str | None:
    if all(op is c.LITERAL for op, _ in items):
        return "".join(chr(av) for _, av in items)
    if len(items) == 1 and items[0][0] is c.SUBPATTERN:
        return _text(list(items[0][1][3]))
    return None


def _overlap(alternatives: list[Items]) -> bool:
    """Two alternatives that match the same text: equal literals (`a|a`, which `re` keeps as
    `a(?:|)`), or one-character classes with a character in common (`\\w|\\d` is merged by
    `re` into one class already)."""
    texts = [_text(list(a)) for a in alternatives]
    known = [t for t in texts if t is not None]
    if len(known) != len(set(known)):
        return True
    chars = [x for x in (_chars(list(a)) for a in alternatives) if x is not None]
    return any(a & b for i, a in enumerate(chars) for b in chars[i + 1:])
