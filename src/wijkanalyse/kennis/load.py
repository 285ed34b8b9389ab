"""All SQL of the kennisdossier: the tables (:data:`TABLES`, DDL :data:`SCHEMA`), reading and
writing interventions, and the observations the peer applications compare. Applied
approaches are kept in the content store (:class:`wijkanalyse.content.ContentStore`).
Functions take a connection and return plain values or DataFrames; the rules (what to write
when) live in :mod:`~wijkanalyse.kennis.dossier` and
:mod:`~wijkanalyse.kennis.applied`. The version history is written with the store's helpers
(``store.append_version``, ``store.next_version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse import store

#: The user tables of this package (to be listed in ``store.USER_TABLES``).
TABLES = ("interventions", "intervention_history")

#: DDL of :data:`TABLES` (part of ``store.SCHEMA``).
SCHEMA = store.KENNIS_SCHEMA

#: Columns of a row of ``interventions``, in the order :func:`replace_intervention` takes them.
ROW_COLUMNS = ("intervention_id", "name", "summary", "description", "themes", "partners",
               "funding", "evidence_level", "cost_level", "horizon", "domains", "indicators",
               "signals", "related", "search_text", "record", "origin", "version",
               "shipped_sha256", "updated_at", "updated_by", "removed_at", "removed_by")



# --------------------------------------------------------------------------- tables


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Run :data:`SCHEMA` (``CREATE TABLE IF NOT EXISTS``)."""
    con.execute(SCHEMA)


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether all :data:`TABLES` exist."""
    return store.tables_exist(con, TABLES)


def catalogue_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``interventions`` exists and holds at least one row."""
    try:
        return bool(con.execute("SELECT count(*) FROM interventions").fetchall()[0][0] > 0)
    except duckdb.CatalogException:
        return False


# --------------------------------------------------------------------------- interventions


def replace_intervention(con: duckdb.DuckDBPyConnection, values: Sequence[Any]) -> None:
    """Replace the current row of an intervention (``values`` in :data:`ROW_COLUMNS` order)."""
    con.execute("DELETE FROM interventions WHERE intervention_id = ?", [values[0]])
    con.execute(f"INSERT INTO interventions ({', '.join(ROW_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in ROW_COLUMNS)})", list(values))


def current_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Id -> ``origin``, ``version``, ``shipped_sha256``, ``removed_at``, ``record`` of every
    row of ``interventions`` (removed ones too)."""
    rows = con.execute("SELECT intervention_id, origin, version, shipped_sha256, removed_at, "
                       "record FROM interventions").fetchall()
    return {r[0]: {"origin": r[1], "version": r[2], "shipped_sha256": r[3],
                   "removed_at": r[4], "record": r[5]} for r in rows}


def set_shipped_sha(con: duckdb.DuckDBPyConnection, intervention_id: str, sha: str) -> None:
    """Record the hash of the last shipped content seen for an intervention."""
    con.execute("UPDATE interventions SET shipped_sha256 = ? WHERE intervention_id = ?",
                [sha, intervention_id])


def mark_removed(con: duckdb.DuckDBPyConnection, intervention_id: str, *, now: str, who: str,
                 version: int) -> None:
    """Soft-delete an intervention as ``version`` by ``who``."""
    con.execute("UPDATE interventions SET removed_at = ?, removed_by = ?, version = ?, "
                "updated_at = ?, updated_by = ? WHERE intervention_id = ?",
                [now, who, version, now, who, intervention_id])


def current_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The ids of the interventions that are not removed."""
    return {r[0] for r in con.execute(
        "SELECT intervention_id FROM interventions WHERE removed_at IS NULL").fetchall()}


def current_names(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(id, name) of the interventions that are not removed."""
    return [(r[0], r[1]) for r in con.execute(
        "SELECT intervention_id, name FROM interventions WHERE removed_at IS NULL").fetchall()]


def intervention_row(con: duckdb.DuckDBPyConnection, intervention_id: str
                     ) -> tuple[Any, ...] | None:
    """``record, version, origin, updated_at, updated_by, removed_at, removed_by`` of one
    intervention, or ``None``."""
    row = con.execute("SELECT record, version, origin, updated_at, updated_by, removed_at, "
                      "removed_by FROM interventions WHERE intervention_id = ?",
                      [intervention_id]).fetchone()
    return None if row is None else tuple(row)


def current_records(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """``record, version, origin, updated_at, updated_by`` of every intervention that is not
    removed, by id."""
    return [tuple(r) for r in con.execute(
        "SELECT record, version, origin, updated_at, updated_by FROM interventions "
        "WHERE removed_at IS NULL ORDER BY intervention_id").fetchall()]


def intervention_table(con: duckdb.DuckDBPyConnection, columns: Sequence[str], *,
                       theme: str | None = None, partner: str | None = None,
                       evidence_levels: Sequence[str] | None = None) -> pd.DataFrame:
    """The interventions that are not removed, by name: ``columns`` plus ``record``; only
    those with ``theme`` / ``partner`` (ids) and an evidence level in ``evidence_levels``."""
    sql = f"SELECT {', '.join(columns)}, record FROM interventions WHERE removed_at IS NULL"
    params: list[Any] = []
    if theme is not None:
        sql += " AND list_contains(themes, ?)"
        params.append(theme)
    if partner is not None:
        sql += " AND list_contains(partners, ?)"
        params.append(partner)
    if evidence_levels is not None:
        sql += " AND list_contains(?, evidence_level)"
        params.append(list(evidence_levels))
    return con.execute(sql + " ORDER BY lower(name), intervention_id", params).df()


def current_version(con: duckdb.DuckDBPyConnection, intervention_id: str) -> int:
    """The version number of the current row of an intervention."""
    return int(con.execute("SELECT version FROM interventions WHERE intervention_id = ?",
                           [intervention_id]).fetchall()[0][0])


def history_rows(con: duckdb.DuckDBPyConnection, intervention_id: str
                 ) -> list[tuple[Any, ...]]:
    """``intervention_id, version, changed_at, changed_by, action, origin, note, snapshot`` of
    every version of an intervention, oldest first."""
    return [tuple(r) for r in con.execute(
        "SELECT intervention_id, version, changed_at, changed_by, action, origin, note, "
        "snapshot FROM intervention_history WHERE intervention_id = ? ORDER BY version",
        [intervention_id]).fetchall()]


# --------------------------------------------------------------------------- applied


def intervention_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Id -> name of every stored intervention (empty without the table)."""
    if not tables_exist(con):
        return {}
    return {str(i): str(n) for i, n in con.execute(
        "SELECT intervention_id, name FROM interventions").fetchall()}


# --------------------------------------------------------------------------- observations


def observed_rows(con: duckdb.DuckDBPyConnection, indicators: Iterable[str],
                  codes: Iterable[str]) -> list[tuple[Any, ...]]:
    """``indicator_id, code, year, value, source label`` of the best observations with a value
    of these indicators and codes, by year."""
    return [tuple(r) for r in con.execute(
        "SELECT o.indicator_id, o.code, o.year, o.value, s.label FROM observation o "
        "JOIN sources s USING (source_id) WHERE list_contains(?, o.indicator_id) "
        "AND list_contains(?, o.code) AND o.value IS NOT NULL ORDER BY o.year",
        [list(indicators), list(codes)],
    ).fetchall()]
