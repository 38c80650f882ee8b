"""The one YAML loader of every file an editor writes: sidecars, content front matter, settings.

Every file gets the same limits and the same cleaning, so that a mistake that one kind of file
refuses quickly cannot hang or crash another:

- safe constructors only (no `!!python/...`), no YAML 1.1 sexagesimal numbers (`10:00` stays
  text, not 600); each mapping remembers the line of each key (`LineDict`);
- at most MAX_BYTES of text, MAX_DEPTH levels and MAX_NODES values once aliases are expanded,
  checked on the composed node graph before anything is built (a "billion laughs" alias bomb is
  a few hundred bytes that expand to 10^9 values: every later walk over it would hang), and no
  alias that contains itself;
- a key given twice is reported (`file:line: key "date" given twice — keep one`);
- a date that does not exist (`2023-02-30`) is reported and read as nothing, never a traceback;
- every string (raw in the file, or made by an escape such as "\\x01" or "\\uD800") loses the
  characters no later stage can take (`UNSAFE`), with a warning naming the line.

`load` returns the data and the problems; the data is None only when the file could not be read
as YAML at all, so a warning or a single bad value never costs the rest of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .model import Problem, Severity

MAX_BYTES = 2_000_000  # far above any settings file, sidecar or front matter an editor writes
MAX_DEPTH = 64
MAX_NODES = 200_000  # values with aliases expanded: themes.yaml has a few thousand

# C0 controls but tab and newline, DEL and C1 controls, the noncharacters U+FFFE/U+FFFF and
# lone surrogates: XML (the feeds) cannot carry them, and YAML refuses most of them raw.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_CRLF = re.compile(r"\r\n?")


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML that remembers the line of each key (`lines[key]`, 1-based)."""

    lines: dict[Any, int]
    item_lines: dict[Any, list[int]]  # for a list value: the line of each of its items

    def line_of(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key)

    def item_line(self, key: Any, index: int) -> int | None:
        lines = getattr(self, "item_lines", {}).get(key)
        return lines[index] if lines and index < len(lines) else self.line_of(key)


def describe(chars: str) -> str:
    """`U+0001, U+FFFE`: the characters removed, each once, as an editor can search for them."""
    return ", ".join(f"U+{ord(c):04X}" for c in sorted(set(chars)))


def strip_unsafe(text: str) -> str:
    """The text without UNSAFE characters; "\\r\\n" and "\\r" become "\\n"."""
    return UNSAFE.sub("", _CRLF.sub("\n", text))


def unsafe_lines(text: str) -> list[tuple[int, str]]:
    """(line, the UNSAFE characters of that line) for every line that has some; a lone "\\r"
    counts as a newline, as `strip_unsafe` makes it."""
    found: dict[int, str] = {}
    if not UNSAFE.search(text):
        return []
    text = _CRLF.sub("\n", text)
    for match in UNSAFE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found[line] = found.get(line, "") + match.group()
    return sorted(found.items())


def unsafe_problems(text: str, name: str, line_offset: int = 0) -> list[Problem]:
    """A warning for each line of `text` that holds UNSAFE characters (at most ten, then one
    that says how many more)."""
    lines = unsafe_lines(text)
    problems = [Problem(name, line + line_offset, f"control or invalid characters ({describe(chars)}) "
                        "were removed", "delete them from the file (they are invisible in most editors)")
                for line, chars in lines[:10]]
    if len(lines) > 10:
        problems.append(Problem(name, lines[10][0] + line_offset,
                                f"{len(lines) - 10} more lines held control or invalid characters, "
                                "removed too", "save the file again as clean UTF-8 text"))
    return problems


# --- the loader ---------------------------------------------------------------------------

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster, and it
# limits nesting itself (the pure-Python composer recurses until RecursionError)


@dataclass(slots=True)
class _Report:
    """What the constructors found while building one document."""

    name: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, node: yaml.Node, message: str, fix: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, message, fix, severity))


def _report(loader: Any) -> _Report:
    report = getattr(loader, "report", None)
    if report is None:  # a loader made by someone else than `load`: collect, report nothing
        report = loader.report = _Report("?")
    return report


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    # Keys that came from `<<: *defaults` come first, and the file's own may override them.
    merged = len(node.value) - explicit
    result = LineDict()
    result.lines = {}
    result.item_lines = {}
    own: set[Any] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key here is not a plain value", key_node.start_mark
            ) from None
        if index >= merged:
            if key in own:
                _report(loader).add(key_node, f'key "{key}" given twice', "keep one")
            own.add(key)
        value = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.SequenceNode):
            result.item_lines[key] = [n.start_mark.line + 1 for n in value_node.value]
        if isinstance(value, NotADate):
            continue  # reported where it was read: the key is as if not given
        result[key] = value
    return result


def _construct_str(loader: Any, node: yaml.ScalarNode) -> str:
    value: str = loader.construct_scalar(node)
    if UNSAFE.search(value):
        bad = "".join(UNSAFE.findall(_CRLF.sub("\n", value)))
        if bad:
            _report(loader).add(node, f"control or invalid characters ({describe(bad)}) were removed",
                                "delete the escape (e.g. \"\\x01\" or \"\\uD800\") from the value",
                                "warning")
        value = strip_unsafe(value)
    return value


class NotADate(str):
    """A value shaped like a date that is none (`2023-02-30`), already reported. A mapping
    leaves its key out, so that no check reports it a second time."""

    __slots__ = ()


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        shown = strip_unsafe(str(node.value))
        fix = "write YYYY-MM-DD" if len(shown) == 10 else "write YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+HH:MM"
        _report(loader).add(node, f"{shown} is not a date", fix)
        return NotADate(shown)


class Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader with the constructors above."""


Loader.yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)
Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith((":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Put back plain ints and floats, without the sexagesimal forms.
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class PureLoader(yaml.SafeLoader):
    """The same on PyYAML's Python parser: its error messages name what it expected."""


PureLoader.yaml_constructors = Loader.yaml_constructors
PureLoader.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


# --- limits on the node graph -------------------------------------------------------------


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str, fix: str):
        super().__init__(message)
        self.node = node
        self.fix = fix


def _check_graph(root: yaml.Node) -> None:
    """Raise _TooBig when the document, aliases expanded, is deeper than MAX_DEPTH, has more
    than MAX_NODES values, or holds an alias inside the node it names. Each distinct node is
    visited once (sizes are memoised), so a bomb is measured without being expanded."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"the data is nested more than {MAX_DEPTH} levels deep",
                          "keep the file shallow: a few levels of `key: value` lines")
        if id(node) in open_nodes:
            raise _TooBig(node, "an alias (*name) refers to the value it is part of",
                          "write the value out instead of the alias")
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children: list[yaml.Node] = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        if children:
            open_nodes.add(id(node))
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_NODES:
                    raise _TooBig(node, f"the data holds more than {MAX_NODES:,} values once its "
                                  "aliases (*name) are expanded",
                                  "write the values out rather than through aliases")
            open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    size(root, 0)


# --- loading ------------------------------------------------------------------------------


def _invalid(name: str, exc: BaseException) -> Problem:
    # For an unclosed bracket or quote, the context mark is where it was opened: the line
    # to fix. Otherwise the problem mark is where YAML gave up.
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else None
    what = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return Problem(name, line, f"this is not valid YAML ({what})",
                   "check the indentation and quote values that contain ': ' or '#'", "error")


def load(text: str, name: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document safely: (data or None, problems). See the module's docstring."""
    if len(text) > MAX_BYTES:
        return None, [Problem(name, None, f"the file is larger than {MAX_BYTES // 1_000_000} MB",
                              "settings, metadata and front matter are a few lines: remove what "
                              "does not belong there", "error")]
    problems = unsafe_problems(text, name)
    if problems:
        text = strip_unsafe(text)
    try:
        return _load_with(Loader, text, name, problems)
    except yaml.YAMLError as exc:
        if _Base is yaml.SafeLoader or "nesting depth" in str(exc):
            return None, [*problems, _invalid(name, exc)]
        first = exc
    # libyaml refuses some escapes PyYAML reads ("\uD800", which is then cleaned), and PyYAML's
    # messages say what it expected: the Python parser has the last word.
    try:
        return _load_with(PureLoader, text, name, problems)
    except yaml.YAMLError as exc:
        return None, [*problems, _invalid(name, exc)]
    except RecursionError:
        return None, [*problems, _invalid(name, first)]


def _load_with(loader_class: Any, text: str, name: str, problems: list[Problem]
               ) -> tuple[Any, list[Problem]]:
    loader = loader_class(text)
    loader.report = _Report(name)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, problems
        _check_graph(node)
        data = loader.construct_document(node)
    except _TooBig as exc:
        return None, [*problems, Problem(name, exc.node.start_mark.line + 1, str(exc), exc.fix,
                                         "error")]
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # e.g. an integer of 5,000 digits, which Python refuses to convert
        return None, [*problems, Problem(name, None, f"a value cannot be read ({exc})",
                                         "check the values of the file", "error")]
    finally:
        loader.dispose()
    return data, problems + loader.report.problems


def errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
