"""Every query of the web package: functions that take a connection and return plain values.

The pages read precomputed figures (the ``observation`` view, the stored
``segregatie_gemeente`` parts); everything heavier goes through the feature packages' APIs.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

__all__ = ["gemeente_name", "gemeente_segregation", "gemeente_units", "indicator_values",
           "indicators_with_values", "latest_year"]


def gemeente_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    """The latest name of gemeente ``code`` (``None`` when unknown)."""
    rows = con.execute("SELECT name FROM regions WHERE code = ? AND name IS NOT NULL "
                       "ORDER BY year DESC LIMIT 1", [code]).fetchall()
    return str(rows[0][0]) if rows else None


def latest_year(con: duckdb.DuckDBPyConnection, gemeente_code: str, level: str) -> int | None:
    """The latest year in which the gemeente has regions of ``level``."""
    rows = con.execute("SELECT max(year) FROM regions WHERE gemeente_code = ? AND level = ?",
                       [gemeente_code, level]).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def gemeente_units(con: duckdb.DuckDBPyConnection, gemeente_code: str, level: str,
                   year: int) -> list[tuple[str, str]]:
    """(code, name) of the gemeente's regions of ``level`` in ``year``, by code."""
    rows = con.execute("SELECT code, coalesce(name, code) FROM regions WHERE gemeente_code = ? "
                       "AND level = ? AND year = ? ORDER BY code",
                       [gemeente_code, level, year]).fetchall()
    return [(str(c), str(n)) for c, n in rows]


def indicators_with_values(con: duckdb.DuckDBPyConnection, codes: list[str]) -> list[str]:
    """The indicators with at least one value for ``codes``."""
    if not codes:
        return []
    rows = con.execute("SELECT DISTINCT indicator_id FROM observation WHERE code IN "
                       "(SELECT unnest(?)) AND value IS NOT NULL ORDER BY 1", [codes]).fetchall()
    return [str(r[0]) for r in rows]


def indicator_values(con: duckdb.DuckDBPyConnection, indicator: str, codes: list[str]
                     ) -> tuple[int | None, dict[str, float]]:
    """The values of ``indicator`` for ``codes`` in the latest year in which any has one."""
    if not codes:
        return None, {}
    rows = con.execute(
        "SELECT year, code, value FROM observation WHERE indicator_id = ? AND code IN "
        "(SELECT unnest(?)) AND value IS NOT NULL", [indicator, codes]).fetchall()
    if not rows:
        return None, {}
    year = max(int(r[0]) for r in rows)
    return year, {str(c): float(v) for y, c, v in rows if int(y) == year}


def gemeente_segregation(con: duckdb.DuckDBPyConnection, gemeente_code: str
                         ) -> dict[str, dict[str, Any]]:
    """The stored segregation parts of a gemeente per level (``data build`` computes them)."""
    try:
        rows = con.execute("SELECT level, part FROM segregatie_gemeente WHERE gemeente_code = ?",
                           [gemeente_code]).fetchall()
    except duckdb.CatalogException:
        return {}
    return {str(level): json.loads(part) for level, part in rows}
