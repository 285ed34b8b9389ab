"""Dutch formatting used by every output: numbers (1.234,5), readable differences, dates
("5 maart 2024") and lists ("a, b en c")."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

#: Dutch month names, January first.
MONTHS_NL: tuple[str, ...] = ("januari", "februari", "maart", "april", "mei", "juni", "juli",
                              "augustus", "september", "oktober", "november", "december")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_float(value: object) -> float | None:
    """``value`` as a float; ``None`` for missing values (None, NaN, ``pd.NA``) and for
    anything that is no number."""
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


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


def dutch_date(value: date) -> str:
    """A date the Dutch way: ``date(2024, 3, 5)`` -> ``"5 maart 2024"``.

    >>> dutch_date(date(2024, 3, 5))
    '5 maart 2024'
    """
    return f"{value.day} {MONTHS_NL[value.month - 1]} {value.year}"


def join_nl(items: Iterable[object], word: str = "en") -> str:
    """Items as a Dutch list: ``["a", "b", "c"]`` -> ``"a, b en c"``.

    One item stands alone, no items give ``""``; ``word`` replaces ``"en"`` (e.g. ``"of"``).
    Items are shown with ``str``; empty ones are kept (filter them first when they can occur).

    >>> join_nl([2020, 2022, 2023])
    '2020, 2022 en 2023'
    >>> join_nl(["wijk", "buurt"], "of")
    'wijk of buurt'
    """
    texts = [str(i) for i in items]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + f" {word} " + texts[-1]


def year_list(years: Iterable[int]) -> str:
    """Years as a Dutch list with runs of three or more as a span: ``[2016, 2017, 2018, 2020]``
    -> ``"2016–2018 en 2020"``; no years give ``""``.

    >>> year_list([2020, 2016, 2017, 2018])
    '2016–2018 en 2020'
    """
    ordered = sorted({int(y) for y in years})
    parts: list[str] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            run = ordered[start:i]
            parts.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(y) for y in run])
            start = i
    return join_nl(parts)
