"""One safe YAML loader for every file a user gives wijkanalyse.

PyYAML's ``safe_load`` constructs no Python objects, but it happily expands aliases: ten lines
of nested ``*a`` references ("billion laughs") become billions of values, and a few hundred
nested brackets exhaust the stack. Every user YAML (story front matter, intervention files,
``gebied import``, area sets) is therefore checked by :func:`check` before it is composed:

* the text is at most :data:`MAX_BYTES` long;
* the parser's event stream is read once (linear in the text, nothing is expanded) and
  counts aliases, nesting depth and the number of values the document would have with every
  alias expanded; more than :data:`MAX_ALIASES`, :data:`MAX_DEPTH` or :data:`MAX_VALUES`, or
  an alias that refers to itself, is refused with a :class:`YamlLimitError` naming the line.

:func:`compose` and :func:`load` check first and then compose/load as before (safe loader).
This module is the only place in the package that parses YAML: user files and the packaged
files (catalogue, rules, configurations, column maps) alike. The loader is libyaml's
``CSafeLoader`` where PyYAML has it (same objects, several times faster). Given ``origin``
(the file), a limit error names it: ``"signalen.yaml: regel 3: ..."``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml

from wijkanalyse.errors import WijkanalyseError

#: Largest YAML text accepted (bytes, UTF-8).
MAX_BYTES = 1_000_000
#: Most aliases (``*name``) in one document.
MAX_ALIASES = 200
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 40
#: Most values (scalars, lists, mappings) the document may have with aliases expanded.
MAX_VALUES = 200_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(WijkanalyseError):
    """A YAML text beyond the limits (size, aliases, depth, expanded size).

    Attributes
    ----------
    line
        1-based line in the text where the limit was passed (``None`` for the size).
    problem
        What is wrong, in Dutch, without the file name (callers add file and line).
    origin
        The file (as given to :func:`load`/:func:`compose`), or ``None``.
    """

    def __init__(self, problem: str, *, line: int | None = None,
                 origin: str | None = None) -> None:
        self.problem = problem
        self.line = line
        self.origin = origin
        where = f"regel {line}: " if line is not None else ""
        super().__init__((f"{origin}: " if origin else "") + where + problem)


def check(text: str, *, max_bytes: int = MAX_BYTES, max_aliases: int = MAX_ALIASES,
          max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> None:
    """Refuse YAML that is too large, too deep or expands too much, before composing it.

    Parameters
    ----------
    text
        The YAML text.
    max_bytes, max_aliases, max_depth, max_values
        The limits (defaults: :data:`MAX_BYTES`, :data:`MAX_ALIASES`, :data:`MAX_DEPTH`,
        :data:`MAX_VALUES`).

    Raises
    ------
    YamlLimitError
        Naming the limit and the line where it was passed. Text that is not YAML at all
        passes: composing it then raises the loader's own error.
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise YamlLimitError(
            f"het bestand is {size:,} bytes; wijkanalyse leest YAML tot {max_bytes:,} bytes."
            .replace(",", ".") + " Splits het bestand of haal overbodige tekst weg.")
    anchors: dict[str, int] = {}
    open_anchors: set[str] = set()
    stack: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    aliases = 0
    total = 0
    try:
        events = list(_events(text))
    except yaml.YAMLError:
        return  # not YAML: the caller's own loader reports it (with its own line numbers)
    for event in events:
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) > max_depth:
                raise YamlLimitError(
                    f"lijsten en mappings zijn dieper dan {max_depth} niveaus genest. Zo'n "
                    "bestand is niet met de hand geschreven; controleer de inhoud.", line=line)
            if event.anchor:
                open_anchors.add(event.anchor)
            stack.append([event.anchor, 0])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, count = stack.pop()
            count += 1
            if anchor:
                anchors[anchor] = count
                open_anchors.discard(anchor)
            stack[-1][1] += count
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                anchors[event.anchor] = 1
            stack[-1][1] += 1
            total += 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise YamlLimitError(
                    f"meer dan {max_aliases} verwijzingen (*naam) naar andere delen van het "
                    "bestand. Schrijf de waarden uit in plaats van ernaar te verwijzen.",
                    line=line)
            if event.anchor in open_anchors:
                raise YamlLimitError(
                    f"de verwijzing *{event.anchor} verwijst naar zichzelf (een oneindige "
                    "structuur). Haal de verwijzing weg.", line=line)
            expanded = anchors.get(event.anchor or "", 1)
            stack[-1][1] += expanded
            total += expanded
        if total > max_values or stack[-1][1] > max_values:
            raise YamlLimitError(
                f"met alle verwijzingen (*naam) uitgeschreven heeft dit bestand meer dan "
                f"{max_values:,} waarden (een 'alias-bom'). Schrijf de waarden uit in plaats "
                "van ernaar te verwijzen.".replace(",", "."), line=line)


def _events(text: str) -> Iterator[yaml.Event]:
    """The parser's events, one at a time (nothing is expanded or constructed)."""
    yield from yaml.parse(text, Loader=_Loader)


def _checked(text: str, origin: str | None) -> None:
    try:
        check(text)
    except YamlLimitError as exc:
        if origin is None:
            raise
        raise YamlLimitError(exc.problem, line=exc.line, origin=origin) from None


def compose(text: str, *, loader: type = _Loader, origin: str | None = None) -> yaml.Node | None:
    """:func:`check`, then compose ``text`` into nodes (with line marks) with ``loader``.

    ``origin`` (the file) is named in a :class:`YamlLimitError`.
    """
    _checked(text, origin)
    return yaml.compose(text, Loader=loader)


def load(text: str, *, origin: str | None = None, trusted: bool = False) -> Any:
    """:func:`check`, then load ``text`` with the safe loader (libyaml's where available).

    Parameters
    ----------
    text
        The YAML text.
    origin
        The file it came from, named in a :class:`YamlLimitError` (``None``: not named).
    trusted
        Skip :func:`check` (only for a large file shipped inside the package, the indicator
        catalogue: the check's event walk would add ~40% to its 0.1 s parse).

    Returns
    -------
    Any
        The plain Python data (dicts, lists, scalars).

    Raises
    ------
    YamlLimitError
        Beyond the limits of :func:`check`.
    yaml.YAMLError
        Not valid YAML (callers turn it into their own Dutch error with file and line).
    """
    if not trusted:
        _checked(text, origin)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def read_document(text: str, origin: Any, error: Callable[..., Exception]
                  ) -> tuple[yaml.Node | None, Any]:
    """:func:`check`, then compose (for line numbers) and load one user document.

    Errors become ``error(origin, problem, line=..., [hint=...])`` (a
    :class:`~wijkanalyse.errors.DataFileError` subclass naming the file): the limits of
    :func:`check`, or invalid YAML with the parser's line.

    Returns
    -------
    tuple of (yaml.Node or None, Any)
        The node tree (``None`` for an empty document) and the plain data.
    """
    try:
        check(text)
        return yaml.compose(text, Loader=_Loader), yaml.load(text, Loader=_Loader)  # noqa: S506
    except YamlLimitError as exc:
        raise error(origin, exc.problem, line=exc.line) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(origin, f"geen geldige YAML: {getattr(exc, 'problem', None) or exc}",
                    line=mark.line + 1 if mark is not None else None,
                    hint="controleer inspringing en dubbele punten.") from exc
