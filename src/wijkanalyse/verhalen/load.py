"""Verhalen: every query of the package on the analytical database (the only module with
SQL): the areas a story can be attached to. The stories themselves live in the content store
(:class:`wijkanalyse.content.ContentStore`), which keeps their rows and versions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb


def _region_rows(con: duckdb.DuckDBPyConnection,
                 codes: Iterable[str]) -> list[tuple[Any, ...]]:
    """``(code, latest name, latest level)`` of the regions with these codes."""
    return con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL), arg_max(level, year) "
        "FROM regions WHERE list_contains(?, code) GROUP BY code",
        [list(codes)],
    ).fetchall()


def _user_area_rows(con: duckdb.DuckDBPyConnection,
                    ids: Iterable[str]) -> list[tuple[Any, ...]]:
    """``(area_id, name, member codes)`` of the user areas with these ids."""
    return con.execute(
        "SELECT a.area_id, a.name, list(m.code ORDER BY m.code) FILTER (WHERE m.code IS NOT NULL) "
        "FROM areas a LEFT JOIN area_members m USING (area_id) "
        "WHERE list_contains(?, a.area_id) GROUP BY a.area_id, a.name",
        [list(ids)],
    ).fetchall()


def _user_area_names(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """``(area_id, name)`` of every user area."""
    return con.execute("SELECT area_id, name FROM areas").fetchall()
