"""All SQL of the kennisdossier: the tables (:data:`TABLES`, DDL :data:`SCHEMA`), reading and
writing interventions, and the observations the peer applications compare. Applied
approaches are kept in the content store (:class:`wijkanalyse.content.ContentStore`).
Functions take a connection and return plain values or DataFrames; the rules (what to write
when) live in :mod:`~wijkanalyse.kennis.dossier` and
:mod:`~wijkanalyse.kennis.applied`. The versions people store are in the content store
(``kennis_history``), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

from wijkanalyse import store

#: The table of this package: the shipped catalogue (``data build`` loads it).
TABLES = ("interventions",)

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


def all_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """``intervention_id, record, version, origin, updated_at, updated_by, removed_at,
    removed_by`` of every row of ``interventions``, by id."""
    return [tuple(r) for r in con.execute(
        "SELECT intervention_id, record, version, origin, updated_at, updated_by, removed_at, "
        "removed_by FROM interventions ORDER BY intervention_id").fetchall()]


def delete_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str) -> None:
    """Delete the row of an intervention that is no longer shipped."""
    con.execute("DELETE FROM interventions WHERE intervention_id = ?", [intervention_id])


def current_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Id -> ``origin``, ``version``, ``shipped_sha256``, ``removed_at``, ``record`` of every
    row of ``interventions`` (removed ones too)."""
    rows = con.execute("SELECT intervention_id, origin, version, shipped_sha256, removed_at, "
                       "record FROM interventions").fetchall()
    return {r[0]: {"origin": r[1], "version": r[2], "shipped_sha256": r[3],
                   "removed_at": r[4], "record": r[5]} for r in rows}


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
