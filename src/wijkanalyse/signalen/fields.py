"""Parsers of the fields of one rule in ``data/signalen.yaml`` (types, ranges, templates): each
returns the checked value or raises :class:`~wijkanalyse.signalen.rules.RuleError` with the
place in the file."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Sequence
from typing import Any

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.errors import WijkanalyseError

#: Severity number -> label shown to users.
SEVERITY_LABELS: dict[int, str] = {3: "ernstig", 2: "aandacht", 1: "om te volgen"}
#: Keys of ``thresholds`` and ``mate`` in the YAML -> severity number.
SEVERITY_KEYS: dict[str, int] = {"om_te_volgen": 1, "aandacht": 2, "ernstig": 3}
REFERENCES = ("gemeente", "nederland")
#: Indicator ids that are not in the catalogue but computed by the profile end with this.
DERIVED_SUFFIX = "_afgeleid"
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_DEFAULT_WORDS = {
    "gemeente": "de gemeente",
    "nederland": "Nederland",
    "boven": "boven",
    "onder": "onder",
    "gestegen": "gestegen",
    "gedaald": "gedaald",
    "onvolledig": "onvolledig",
    "onvolledig_reden": "niet alle delen hebben een waarde",
    "lbm_wijk": "Leefbaarometer van de wijk waarin het gebied ligt",
}
_COMMON_PH = {"onderwerp", "gebied"}


class RuleError(WijkanalyseError):
    """The signal rules (``signalen.yaml`` or a user's version) are invalid."""


def _choice(value: Any, allowed: Sequence[str], name: str, where: str) -> str:
    if value not in allowed:
        raise RuleError(f"{where}: {name} {value!r} is onbekend; kies uit {', '.join(allowed)}.")
    return str(value)


def _int(value: Any, name: str, where: str, *, minimum: int,
         maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
            maximum is not None and value > maximum):
        bound = f"tussen {minimum} en {maximum}" if maximum is not None else f">= {minimum}"
        raise RuleError(f"{where}: {name} moet een geheel getal {bound} zijn, niet {value!r}.")
    return value


def _number(value: Any, name: str, where: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise RuleError(f"{where}: {name} moet een getal zijn, niet {value!r}.")
    if minimum is not None and value < minimum:
        raise RuleError(f"{where}: {name} moet minstens {minimum} zijn.")
    return float(value)


def _references(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleError(f"{where}: reference moet een lijst zijn uit {', '.join(REFERENCES)}.")
    return tuple(_choice(v, REFERENCES, "reference", where) for v in value)


def _id_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: {name} moet een lijst van regel-id's zijn.")
    return tuple(value)


def _severity_map(raw: Any, name: str, where: str) -> dict[int, Any]:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: {name} moet een mapping zijn met sleutels uit "
                        f"{', '.join(SEVERITY_KEYS)}.")
    bad = [k for k in raw if k not in SEVERITY_KEYS]
    if bad:
        raise RuleError(f"{where}: {name}: onbekende ernst {bad}; kies uit "
                        f"{', '.join(SEVERITY_KEYS)}.")
    return {SEVERITY_KEYS[k]: v for k, v in raw.items()}


def _thresholds(raw: Any, where: str, *, descending: bool, positive: bool) -> dict[int, float]:
    values = _severity_map(raw, "thresholds", where)
    if not values:
        raise RuleError(f"{where}: thresholds heeft minstens één drempel nodig.")
    out = {s: _number(v, f"drempel {SEVERITY_LABELS[s]!r}", where,
                      minimum=0.0 if positive else None) for s, v in values.items()}
    if positive and any(v == 0 for v in out.values()):
        raise RuleError(f"{where}: drempels moeten groter dan 0 zijn.")
    ordered = [out[s] for s in sorted(out)]
    pairs = list(zip(ordered, ordered[1:], strict=False))
    if descending and any(b >= a for a, b in pairs):
        raise RuleError(f"{where}: drempels moeten dalen van om_te_volgen naar ernstig "
                        "(unfavourable: lower).")
    if not descending and any(b <= a for a, b in pairs):
        raise RuleError(f"{where}: drempels moeten stijgen van om_te_volgen naar ernstig.")
    return dict(sorted(out.items()))


def _mate(raw: Any, base: dict[int, str], where: str) -> dict[int, str]:
    for s, text in _severity_map(raw, "mate", where).items():
        if not isinstance(text, str):
            raise RuleError(f"{where}: mate moet tekst zijn per ernst.")
        base[s] = text
    return base


def _words(raw: Any, base: dict[str, str], where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: words moet een mapping zijn.")
    unknown = set(raw) - set(_DEFAULT_WORDS)
    if unknown:
        raise RuleError(f"{where}: words: onbekende sleutels {sorted(unknown)}; toegestaan zijn "
                        f"{sorted(_DEFAULT_WORDS)}.")
    for key, text in raw.items():
        if not isinstance(text, str):
            raise RuleError(f"{where}: words.{key} moet tekst zijn.")
        base[key] = text
    return base


def _min_base(raw: Any, where: str, catalogue: Catalogue) -> tuple[str, float]:
    if not isinstance(raw, dict) or set(raw) != {"indicator", "value"}:
        raise RuleError(f"{where}: min_base moet 'indicator' en 'value' hebben.")
    ind = raw["indicator"]
    if not isinstance(ind, str) or not (ind in catalogue or ind.endswith(DERIVED_SUFFIX)):
        raise RuleError(f"{where}: min_base: indicator {ind!r} staat niet in de catalogus.")
    return ind, _number(raw["value"], "min_base.value", where)


def _fields(text: str, where: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise RuleError(f"{where}: template heeft ongeldige accolades ({exc}).") from exc
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise RuleError(f"{where}: template: schrijf plaatshouders als {{naam}}, zonder "
                            "opmaak of positie.")
        names.add(name)
    return names


def _check_template(template: str, always: set[str], optional: set[str], where: str, *,
                    has_phrase: bool) -> None:
    always = always | _COMMON_PH
    main = _SEGMENT.sub("", template)
    if "[" in main or "]" in main:
        raise RuleError(f"{where}: template heeft een ongepaarde '[' of ']' (optionele delen "
                        "staan tussen [ en ], niet genest).")
    main_fields = _fields(main, where)
    bad = main_fields - always
    if bad & optional:
        raise RuleError(f"{where}: template: {sorted(bad & optional)} heeft niet altijd een "
                        "waarde; zet het in een optioneel deel tussen [ en ].")
    if bad:
        raise RuleError(f"{where}: template: onbekende plaatshouders {sorted(bad)}; voor deze "
                        f"regel zijn er {sorted(always | optional)}.")
    seg_fields: set[str] = set()
    for seg in _SEGMENT.findall(template):
        seg_fields |= _fields(seg, where)
    bad = seg_fields - always - optional
    if bad:
        raise RuleError(f"{where}: template: onbekende plaatshouders {sorted(bad)}; voor deze "
                        f"regel zijn er {sorted(always | optional)}.")
    if "onderwerp" in (main_fields | seg_fields) and not has_phrase:
        raise RuleError(f"{where}: template gebruikt {{onderwerp}} maar 'phrase' ontbreekt.")
