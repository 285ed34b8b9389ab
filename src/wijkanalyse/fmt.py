"""Dutch number formatting (1.234,5) and readable differences, used by every output."""

from __future__ import annotations

import math


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def nl_number(value: float | None, *, decimals: int = 0, sign: bool = False) -> str:
    """Format a number the Dutch way: ``1234.5`` -> ``"1.234,5"``; missing -> ``"–"``.

    >>> nl_number(1234.5, decimals=1)
    '1.234,5'
    >>> nl_number(-0.25, decimals=2, sign=True)
    '-0,25'
    """
    if _missing(value):
        return "–"
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def decimals_for(unit: str, kind: str) -> int:
    """How many decimals a value of this unit/kind is shown with."""
    if kind == "count":
        return 0
    if unit in ("%", "per 1 000 inwoners", "aantal per huishouden", "km", "per huishouden"):
        return 1
    if kind == "score":
        return 2
    return 1 if kind in ("rate", "mean") else 0


def format_value(value: float | None, *, unit: str, kind: str) -> str:
    """A value with its unit: ``"18,0%"``, ``"3.590"``, ``"27,4 x 1 000 euro"``."""
    if _missing(value):
        return "–"
    text = nl_number(value, decimals=decimals_for(unit, kind))
    if unit == "%":
        return f"{text}%"
    if unit in ("aantal", "", None) or kind == "code":
        return text
    return f"{text} {unit}"


def difference(value: float | None, reference: float | None, *, unit: str,
               kind: str) -> tuple[float | None, str | None]:
    """Difference of a value with a reference, as (number, Dutch text).

    Rates in % give percentage points ("+7,0 procentpunt"); scores give the plain difference
    ("+0,12"); counts and means give an index (value / reference × 100, "index 164").
    """
    if value is None or reference is None or _missing(value) or _missing(reference):
        return None, None
    if unit == "%":
        d = value - reference
        return d, f"{nl_number(d, decimals=1, sign=True)} procentpunt"
    if kind == "score":
        d = value - reference
        return d, nl_number(d, decimals=2, sign=True)
    if reference == 0:
        return None, None
    idx = value / reference * 100
    return idx, f"index {nl_number(idx, decimals=0)}"


def change(first: float | None, last: float | None, *, unit: str,
           kind: str) -> tuple[float | None, str | None]:
    """Change between two measurements: percentage points for rates, plain for scores,
    relative % for counts and means ("+12,5%")."""
    if first is None or last is None or _missing(first) or _missing(last):
        return None, None
    if unit == "%":
        d = last - first
        return d, f"{nl_number(d, decimals=1, sign=True)} procentpunt"
    if kind == "score":
        d = last - first
        return d, nl_number(d, decimals=2, sign=True)
    if first == 0:
        return None, None
    rel = (last - first) / abs(first) * 100
    return rel, f"{nl_number(rel, decimals=1, sign=True)}%"
