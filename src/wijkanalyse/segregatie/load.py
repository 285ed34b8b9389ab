"""Segregatie: every query of the package (the only module with SQL). Functions take a
connection and return DataFrames or plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.fmt import join_nl, year_list
from wijkanalyse.segregatie.data import _Data


def resolve_gemeente(con: duckdb.DuckDBPyConnection, query: str) -> tuple[str, str]:
    """A gemeente by name or code -> ``(code, name)``: the one resolver,
    :func:`wijkanalyse.gebieden.subjects.resolve_gemeente` (see there for the rule on
    ambiguous names).

    Raises
    ------
    WijkanalyseError
        Unknown or ambiguous gemeente (with close gemeente names as suggestions), or a name
        that is a wijk or buurt (saying which gemeente it lies in).
    """
    from wijkanalyse.gebieden.subjects import resolve_gemeente as resolve

    return resolve(con, query)


def _lineage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The lineage table (issue 12; empty for a database built before it), read by
    :func:`wijkanalyse.gebieden.read_lineage`."""
    from wijkanalyse.gebieden.lineage import read_lineage

    return read_lineage(con)


def _gemeente_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) FROM regions "
        "WHERE level = 'gemeente' GROUP BY code"
    ).fetchall()
    return {code: (name or code) for code, name in rows}


# ------------------------------------------------------------------------------------------
def _load(con: duckdb.DuckDBPyConnection, *, level: str, gemeente_codes: Sequence[str] | None,
          years: Sequence[int] | None, indicators: Iterable[str]) -> _Data:
    # a unit's name as in that year, else its most recent name (some sources carry codes only)
    sql = """SELECT r.gemeente_code, o.year::INTEGER AS year, o.code,
                    coalesce(r.name, n.name) AS name, o.indicator_id, o.value,
                    s.label AS source, o.source_id
             FROM observation o
             JOIN regions r ON r.year = o.year AND r.code = o.code
             LEFT JOIN (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name
                        FROM regions WHERE level = ? GROUP BY code) n ON n.code = o.code
             LEFT JOIN sources s ON s.source_id = o.source_id
             WHERE r.level = ? AND list_contains(?, o.indicator_id)
               AND r.gemeente_code IS NOT NULL"""
    params: list[Any] = [level, level, sorted(set(indicators))]
    if gemeente_codes is not None:
        sql += " AND list_contains(?, r.gemeente_code)"
        params.append(sorted(set(gemeente_codes)))
    if years is not None:
        sql += " AND list_contains(?, o.year::INTEGER)"
        params.append([int(y) for y in years])
    long = con.execute(sql, params).df()
    long["year"] = long["year"].astype("int64")
    long["value"] = long["value"].astype("float64")
    gm_sql = """SELECT o.code, o.year::INTEGER AS year, o.indicator_id, o.value
                FROM observation o JOIN regions r ON r.year = o.year AND r.code = o.code
                WHERE r.level = 'gemeente' AND o.value IS NOT NULL
                  AND list_contains(?, o.indicator_id)"""
    gm_params: list[Any] = [sorted(set(indicators))]
    if gemeente_codes is not None:
        gm_sql += " AND list_contains(?, o.code)"
        gm_params.append(sorted(set(gemeente_codes)))
    gm_rows = con.execute(gm_sql, gm_params).df()
    gm_rows["year"] = gm_rows["year"].astype("int64")
    return _Data(level=level, long=long, gemeente_names=_gemeente_names(con),
                 gemeente_rows=gm_rows)


def _gemeente_tenure(con: duckdb.DuckDBPyConnection, gemeente_code: str) -> pd.DataFrame:
    df = con.execute(
        "SELECT code AS gemeente_code, year::INTEGER AS year, value AS share_corporation "
        "FROM observation WHERE indicator_id = 'p_wcorpw' AND code = ? AND value IS NOT NULL",
        [gemeente_code]).df()
    df["year"] = df["year"].astype("int64")
    return df


def _tenure_availability(con: duckdb.DuckDBPyConnection, level: str) -> str:
    """Which gemeenten and years have tenure figures at this level, in Dutch."""
    rows = con.execute(
        """SELECT r.gemeente_code, list(DISTINCT o.year::INTEGER ORDER BY o.year::INTEGER)
           FROM observation o JOIN regions r ON r.year = o.year AND r.code = o.code
           WHERE o.indicator_id = 'p_wcorpw' AND o.value IS NOT NULL AND r.level = ?
           GROUP BY r.gemeente_code ORDER BY r.gemeente_code""", [level]).fetchall()
    if not rows:
        return "geen enkele gemeente"
    names = _gemeente_names(con)
    return join_nl([f"{names.get(gm, gm)} ({year_list(ys)})" for gm, ys in rows])


# ------------------------------------------------------------------------------------------


def _source_rows(con: duckdb.DuckDBPyConnection, source_ids: Iterable[str | None]) -> pd.DataFrame:
    """The sources with these ids: label (the citation), file, CBS table and year."""
    return con.execute(
        "SELECT label, file_name AS file, table_id, year FROM sources "
        "WHERE list_contains(?, source_id) ORDER BY year, label, file_name",
        [sorted(s for s in source_ids if s)]).df()


def _numerator_years(con: duckdb.DuckDBPyConnection, code: str, level: str,
                     numerators: Sequence[str]) -> list[int]:
    """The years with rows of any of ``numerators`` for the units of one gemeente at a level."""
    years: list[int] = con.execute(
        """SELECT list(DISTINCT o.year::INTEGER ORDER BY o.year::INTEGER) FROM observation o
           JOIN regions r ON r.year = o.year AND r.code = o.code
           WHERE r.gemeente_code = ? AND r.level = ? AND list_contains(?, o.indicator_id)""",
        [code, level, numerators]).fetchall()[0][0] or []
    return years


def _stored_gemeente_part(con: duckdb.DuckDBPyConnection, level: str,
                          gemeente_code: str) -> str | None:
    """The stored gemeente part of the profile section (JSON), or ``None`` when the database
    has none (built before ``segregatie_gemeente`` existed, or no units of the gemeente)."""
    from wijkanalyse.store import tables_exist

    if not tables_exist(con, ("segregatie_gemeente",)):
        return None
    rows = con.execute("SELECT part FROM segregatie_gemeente WHERE level = ? AND "
                       "gemeente_code = ?", [level, gemeente_code]).fetchall()
    return str(rows[0][0]) if rows else None


def _stored_gemeente_parts(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, str]:
    """Every stored gemeente part of ``level`` (JSON) by gemeente code; empty when none."""
    from wijkanalyse.store import tables_exist

    if not tables_exist(con, ("segregatie_gemeente",)):
        return {}
    return {str(gm): str(part) for gm, part in con.execute(
        "SELECT gemeente_code, part FROM segregatie_gemeente WHERE level = ?",
        [level]).fetchall()}


def _write_gemeente_parts(con: duckdb.DuckDBPyConnection,
                          rows: Sequence[tuple[str, str, str]]) -> None:
    """Replace the stored gemeente parts by ``rows`` of ``(level, gemeente_code, part)``."""
    con.execute("DELETE FROM segregatie_gemeente")
    if rows:
        con.executemany("INSERT INTO segregatie_gemeente VALUES (?, ?, ?)", list(rows))
