"""Small Dutch wording helpers shared by the monitor's tables, notes and report
("3 wijken", "2012–2024") and the test for a missing value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from wijkanalyse.fmt import nl_number


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def n_wijken(n: int) -> str:
    return f"{nl_number(n)} {'wijk' if n == 1 else 'wijken'}"


def n_gebieden(n: int) -> str:
    return f"{nl_number(n)} {'gebied' if n == 1 else 'gebieden'}"


def pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole * 100


def year_span(years: Sequence[int]) -> str:
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    return str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}"

