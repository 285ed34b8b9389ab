"""The one Jinja environment of all HTML reports (profile, monitor, segregatie)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from wijkanalyse.fmt import as_float, nl_number

__all__ = ["environment"]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment of all reports (profile, monitor, segregatie).

    Templates come from the package folder ``templates``; HTML is autoescaped and an undefined
    name is an error. Filters: ``nl`` (a Dutch number, ``decimals=0``), ``signed`` (with its
    sign, ``decimals=2``), ``pct`` (a percentage: ``12,5%``) and ``fpct`` (a fraction as a
    percentage: 0,125 -> ``12,5%``); missing values and non-numbers show as ``"–"``.
    """
    env = Environment(
        loader=PackageLoader("wijkanalyse.present", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def pct(value: Any, decimals: int = 0, factor: float = 1.0) -> str:
        number = as_float(value)
        return "–" if number is None else f"{nl_number(number * factor, decimals=decimals)}%"

    env.filters["nl"] = lambda v, decimals=0: nl_number(as_float(v), decimals=decimals)
    env.filters["signed"] = lambda v, decimals=2: nl_number(as_float(v), decimals=decimals,
                                                            sign=True)
    env.filters["pct"] = pct
    env.filters["fpct"] = lambda v, decimals=0: pct(v, decimals, 100)
    return env
