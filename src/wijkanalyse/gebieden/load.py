"""All database reads and writes of :mod:`wijkanalyse.gebieden`: functions that take a
connection and return DataFrames or plain values (the other modules hold no SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

# --------------------------------------------------------------------------- areas


def area_name(con: duckdb.DuckDBPyConnection, area_id: str) -> str | None:
    """The name of the area ``area_id``, ``None`` when there is none."""
    row = con.execute("SELECT name FROM areas WHERE area_id = ?", [area_id]).fetchone()
    return None if row is None else str(row[0])


def delete_area(con: duckdb.DuckDBPyConnection, area_id: str) -> None:
    """Delete an area and its members (inside the caller's transaction)."""
    con.execute("DELETE FROM area_members WHERE area_id = ?", [area_id])
    con.execute("DELETE FROM areas WHERE area_id = ?", [area_id])


def insert_area(con: duckdb.DuckDBPyConnection, row: Sequence[object],
                codes: Sequence[str]) -> None:
    """Insert an area (area_id, name, gemeente_code, description, created_by, created_at) and
    its member codes."""
    con.execute("INSERT INTO areas VALUES (?, ?, ?, ?, ?, ?)", list(row))
    con.executemany("INSERT INTO area_members VALUES (?, ?)", [(row[0], c) for c in codes])


def latest_names(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Regions (any year) among ``codes``: code, their latest name and gemeente_code."""
    return con.execute(
        """SELECT code, arg_max(name, year) AS name, arg_max(gemeente_code, year) AS gemeente_code
           FROM regions WHERE list_contains(?, code) GROUP BY code""",
        [list(codes)],
    ).df()


def latest_name_rows(con: duckdb.DuckDBPyConnection,
                     codes: Sequence[str]) -> list[tuple[str, str | None]]:
    """(code, latest name) of the regions among ``codes``."""
    return [(r[0], r[1]) for r in con.execute(
        "SELECT code, arg_max(name, year) FROM regions WHERE list_contains(?, code) GROUP BY code",
        [list(codes)],
    ).fetchall()]


def buurt_wijk_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every buurt and wijk code with its latest name (code, name), sorted by code."""
    return con.execute(
        """SELECT code, arg_max(name, year) AS name FROM regions
           WHERE level IN ('buurt', 'wijk') GROUP BY code ORDER BY code"""
    ).df()


_AREA_COLUMNS = "area_id, name, gemeente_code, description, created_by, created_at"


def area_row(con: duckdb.DuckDBPyConnection, wanted: str,
             slug: str) -> tuple[Any, ...] | None:
    """The areas row (:data:`_AREA_COLUMNS`) with id ``wanted``, else the first whose name is
    ``wanted`` (case-insensitive) or whose id is ``slug``."""
    row = con.execute(f"SELECT {_AREA_COLUMNS} FROM areas WHERE area_id = ?",
                      [wanted]).fetchone()
    if row is None:
        row = con.execute(
            f"SELECT {_AREA_COLUMNS} FROM areas WHERE lower(name) = lower(?) OR area_id = ? "
            "ORDER BY area_id LIMIT 1",
            [wanted, slug],
        ).fetchone()
    return None if row is None else tuple(row)


def area_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The ids of all areas, sorted."""
    return [r[0] for r in con.execute("SELECT area_id FROM areas ORDER BY area_id").fetchall()]


def area_members(con: duckdb.DuckDBPyConnection, area_id: str) -> list[str]:
    """The member codes of an area, sorted."""
    return [r[0] for r in con.execute(
        "SELECT code FROM area_members WHERE area_id = ? ORDER BY code", [area_id]
    ).fetchall()]


def areas_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All areas with their members (see :func:`wijkanalyse.gebieden.areas.list_areas`)."""
    return con.execute(
        """SELECT a.area_id, a.name, a.gemeente_code,
                  CASE substr(min(m.code), 1, 2) WHEN 'BU' THEN 'buurt' WHEN 'WK' THEN 'wijk'
                  END AS level,
                  count(m.code) AS n_codes,
                  coalesce(list(m.code ORDER BY m.code) FILTER (WHERE m.code IS NOT NULL),
                           []::VARCHAR[]) AS codes,
                  a.description, a.created_by, a.created_at
           FROM areas a LEFT JOIN area_members m USING (area_id)
           GROUP BY a.area_id, a.name, a.gemeente_code, a.description, a.created_by,
                    a.created_at
           ORDER BY a.area_id"""
    ).df()


def indicator_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The aggregation rules of the catalogue: id, kind, aggregation, base."""
    return con.execute("SELECT id, kind, aggregation, base FROM indicators").df()


def member_observations(con: duckdb.DuckDBPyConnection, codes: Sequence[str], *,
                        indicators: Sequence[str] | None = None,
                        years: Sequence[int] | None = None) -> pd.DataFrame:
    """The best observations (indicator_id, year, code, value, missing_reason) of ``codes``,
    optionally only of ``indicators`` and ``years``."""
    sql = (
        "SELECT indicator_id, year, code, value, missing_reason FROM observation "
        "WHERE list_contains(?, code)"
    )
    params: list[Any] = [list(codes)]
    if indicators is not None:
        sql += " AND list_contains(?, indicator_id)"
        params.append(list(indicators))
    if years is not None:
        sql += " AND list_contains(?, year)"
        params.append(list(years))
    return con.execute(sql, params).df()
