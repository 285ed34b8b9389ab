"""Small Dutch wording helpers shared by the monitor's tables, notes and report
("3 wijken", "2012–2024") and the test for a missing value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from wijkanalyse.fmt import count_text

__all__ = ["is_missing", "n_gebieden", "n_wijken", "pct", "year_span"]


def is_missing(value: Any) -> bool:
    """Whether ``value`` is missing (``None``, ``pd.NA`` or a float NaN)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def n_wijken(n: int) -> str:
    """``"1 wijk"``, ``"3 wijken"`` (Dutch number)."""
    return count_text(n, "wijk", "wijken")


def n_gebieden(n: int) -> str:
    """``"1 gebied"``, ``"3 gebieden"`` (Dutch number)."""
    return count_text(n, "gebied", "gebieden")


def pct(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; ``None`` when ``whole`` is 0."""
    return None if whole == 0 else part / whole * 100


def year_span(years: Sequence[int]) -> str:
    """Distinct years as ``"2012"`` or ``"2002–2024"`` (first–last); ``""`` for none."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    return str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}"

