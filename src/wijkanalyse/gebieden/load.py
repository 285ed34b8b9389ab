"""All database reads and writes of :mod:`wijkanalyse.gebieden`: functions that take a
connection and return DataFrames or plain values (the other modules hold no SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.store import SERIES_ON_LATEST_DIVISION, tables_exist

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


# --------------------------------------------------------------------------- location

_GEOMETRY_COLUMNS = "code, year, level, name, source_id, geojson, area_m2"


def latest_geometries(con: duckdb.DuckDBPyConnection, level: str, num: str) -> pd.DataFrame:
    """The latest geometry per code of one level (``wijk``, ``buurt``, ``gemeente``) in the
    gemeente with four-digit number ``num``: code, year, level, name, source_id, geojson,
    area_m2, sorted by code."""
    if level == "gemeente":
        where, params = "code = ?", [f"GM{num}"]
    else:
        prefix = {"wijk": "WK", "buurt": "BU"}[level]
        where, params = "level = ? AND code LIKE ?", [level, f"{prefix}{num}%"]
    return con.execute(
        f"""SELECT {_GEOMETRY_COLUMNS}
            FROM geometries WHERE {where}
            QUALIFY row_number() OVER (PARTITION BY code ORDER BY year DESC, source_id) = 1
            ORDER BY code""",
        params,
    ).df()


def all_latest_geometries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest geometry per code of every wijk, buurt and gemeente (columns as
    :func:`latest_geometries`), in one query."""
    return con.execute(
        f"""SELECT {_GEOMETRY_COLUMNS}
            FROM geometries WHERE level IN ('wijk', 'buurt', 'gemeente')
            QUALIFY row_number() OVER (PARTITION BY level, code
                                       ORDER BY year DESC, source_id) = 1
            ORDER BY code""").df()


def latest_densities(con: duckdb.DuckDBPyConnection,
                     codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The latest ``bev_dich`` and ``a_inw`` (code, indicator_id, value) of ``codes`` (default:
    of every code)."""
    if codes is None:
        return con.execute(
            """SELECT code, indicator_id, value FROM observation
               WHERE indicator_id IN ('bev_dich', 'a_inw') AND value IS NOT NULL
               QUALIFY row_number() OVER (PARTITION BY code, indicator_id
                                          ORDER BY year DESC) = 1""").df()
    return con.execute(
        """SELECT code, indicator_id, value FROM observation
           WHERE indicator_id IN ('bev_dich', 'a_inw') AND code IN (SELECT unnest(?))
             AND value IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY code, indicator_id
                                      ORDER BY year DESC) = 1""",
        [list(codes)],
    ).df()


def latest_region_rows(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Name and wijk of regions in the latest year a code exists (code, year, name,
    wijk_code): the best-priority name of ``region_sources`` (not the ``regions`` view)."""
    return con.execute(
        """SELECT r.code, r.year, r.name, r.wijk_code
           FROM region_sources r JOIN sources s USING (source_id)
           WHERE r.code IN (SELECT unnest(?)) AND r.name IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY r.code
                                      ORDER BY r.year DESC, s.priority, r.source_id) = 1""",
        [list(codes)],
    ).df()


def buurten_of_wijken(con: duckdb.DuckDBPyConnection, wijken: Sequence[str]) -> pd.DataFrame:
    """The buurten of each wijk (wijk_code, code) as listed in the latest year the wijk
    exists."""
    return con.execute(
        """WITH w AS (SELECT code, max(year) AS year FROM region_sources
                      WHERE code IN (SELECT unnest(?)) GROUP BY code)
           SELECT DISTINCT r.wijk_code, r.code FROM region_sources r
           JOIN w ON r.wijk_code = w.code AND r.year = w.year
           WHERE r.level = 'buurt' ORDER BY r.wijk_code, r.code""",
        [list(wijken)],
    ).df()


def source_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Citation label of every source (``sources.label``, else its file name)."""
    rows = con.execute(
        "SELECT source_id, coalesce(label, file_name, source_id) FROM sources").fetchall()
    return dict(rows)


def boundary_gemeente_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """(level, year, number of gemeenten with boundaries) of the loaded geometries."""
    return [(str(r[0]), int(r[1]), int(r[2])) for r in con.execute(
        "SELECT level, year, count(DISTINCT substr(code, 3, 4)) FROM geometries "
        "WHERE year IS NOT NULL GROUP BY level, year ORDER BY level, year").fetchall()]


def latest_kwb_year(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> int | None:
    """The latest year a KWB source lists one of ``codes``."""
    row = con.execute(
        """SELECT max(r.year) FROM region_sources r JOIN sources s USING (source_id)
           WHERE s.kind = 'kwb' AND list_contains(?, r.code)""", [list(codes)]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


# --------------------------------------------------------------------------- subjects


def region_summaries(con: duckdb.DuckDBPyConnection,
                     codes: Sequence[str]) -> list[tuple[Any, ...]]:
    """(code, latest level, latest non-empty name, latest gemeente_code, years) of the regions
    among ``codes`` over all years."""
    return con.execute(
        """SELECT code, arg_max(level, year) AS level,
                  arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name,
                  arg_max(gemeente_code, year) AS gemeente_code,
                  list(DISTINCT year ORDER BY year) AS years
           FROM regions WHERE list_contains(?, code) GROUP BY code""",
        [list(codes)],
    ).fetchall()


def latest_nonempty_names(con: duckdb.DuckDBPyConnection,
                          codes: Sequence[str]) -> list[tuple[str, str | None]]:
    """(code, latest non-empty name) of the regions among ``codes``."""
    return [(r[0], r[1]) for r in con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) FROM regions "
        "WHERE list_contains(?, code) GROUP BY code",
        [list(codes)],
    ).fetchall()]


def gemeente_name_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(code, year or 0, name, all names) of every gemeente per year, by code and year."""
    return con.execute(
        "SELECT code, coalesce(year, 0), name, names FROM regions WHERE level = 'gemeente' "
        "ORDER BY code, year").fetchall()


def codes_with_prefix(con: duckdb.DuckDBPyConnection, prefix6: str) -> list[str]:
    """The distinct codes whose first six characters are ``prefix6``."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT code FROM regions WHERE substr(code, 1, 6) = ?", [prefix6]
    ).fetchall()]


def region_names(con: duckdb.DuckDBPyConnection,
                 gemeente_codes: Sequence[str] | None = None) -> list[str]:
    """Every name of a region below the land (of those gemeenten, if given)."""
    sql = "SELECT DISTINCT unnest(names) FROM regions WHERE level != 'land'"
    params: list[Any] = []
    if gemeente_codes is not None:
        sql += " AND list_contains(?, gemeente_code)"
        params.append(list(gemeente_codes))
    return [r[0] for r in con.execute(sql, params).fetchall()]


# --------------------------------------------------------------------------- sets


def wijk_rows(con: duckdb.DuckDBPyConnection, *, year: int,
              gemeente_code: str | None) -> list[tuple[Any, ...]]:
    """(code, name, gemeente_code, gemeente name) of every wijk of ``year`` (of one gemeente,
    or all), by code."""
    sql = ("SELECT r.code, r.name, r.gemeente_code, g.name FROM regions r "
           "LEFT JOIN (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name "
           "FROM regions WHERE level = 'gemeente' GROUP BY code) g ON g.code = r.gemeente_code "
           "WHERE r.level = 'wijk' AND r.year = ?")
    params: list[Any] = [year]
    if gemeente_code is not None:
        sql += " AND r.gemeente_code = ?"
        params.append(gemeente_code)
    return con.execute(sql + " ORDER BY r.code", params).fetchall()


def largest_wijk_year(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """(year, number of wijken) of the year with the most wijken (ties: the latest)."""
    row = con.execute(
        "SELECT year, count(*) AS n FROM regions WHERE level = 'wijk' AND year IS NOT NULL "
        "GROUP BY year ORDER BY n DESC, year DESC LIMIT 1").fetchone()
    return (int(row[0]), int(row[1])) if row else None


def wijk_years(con: duckdb.DuckDBPyConnection, gemeente_code: str) -> list[int]:
    """The years with wijken of a gemeente, ascending."""
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM regions WHERE level = 'wijk' AND year IS NOT NULL "
        "AND gemeente_code = ? ORDER BY year", [gemeente_code]).fetchall()]


# --------------------------------------------------------------------------- lineage (issue 12)

LINEAGE_TABLE_COLUMNS = ["level", "source_year", "source_code", "target_year", "target_code",
                         "weight", "evidence", "certainty", "note"]


def lineage_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The division regions (``year, code, level, name``: the best source's name, without the
    historical years of :data:`~wijkanalyse.store.SERIES_ON_LATEST_DIVISION`) and their
    boundaries (``year, level, code, geojson``: the preferred source's polygon) for
    :mod:`wijkanalyse.gebieden.lineage`."""
    layouts = ", ".join(f"'{x}'" for x in SERIES_ON_LATEST_DIVISION)
    regions = con.execute(
        f"""SELECT r.year, r.code, arg_min(r.level, s.priority) AS level,
                   arg_min(r.name, s.priority) FILTER (WHERE r.name IS NOT NULL) AS name
            FROM region_sources r JOIN sources s USING (source_id)
            WHERE r.level IN ('gemeente', 'wijk', 'buurt') AND r.code IS NOT NULL
              AND NOT (s.layout IN ({layouts})
                       AND r.year < (SELECT max(r2.year) FROM region_sources r2
                                     WHERE r2.source_id = r.source_id))
            GROUP BY r.year, r.code ORDER BY r.year, r.code""").df()
    geometries = con.execute(
        """SELECT g.year, g.level, g.code, arg_min(g.geojson, s.priority) AS geojson
           FROM geometries g JOIN sources s USING (source_id)
           WHERE g.year IS NOT NULL AND g.code IS NOT NULL AND g.geojson IS NOT NULL
           GROUP BY g.year, g.level, g.code ORDER BY g.year, g.level, g.code""").df()
    return regions, geometries


def write_lineage(con: duckdb.DuckDBPyConnection, table: pd.DataFrame) -> None:
    """Replace the lineage table by ``table`` (columns as
    :data:`~wijkanalyse.gebieden.lineage.LINEAGE_COLUMNS`)."""
    con.execute("DELETE FROM lineage")
    if table.empty:
        return
    con.register("_lineage", table)
    try:
        con.execute("""INSERT INTO lineage SELECT level, CAST(source_year AS INTEGER),
                       source_code, CAST(target_year AS INTEGER), target_code,
                       CAST(weight AS DOUBLE), evidence, certainty, note FROM _lineage""")
    finally:
        con.unregister("_lineage")


def read_lineage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The lineage table (empty when the database was built before issue 12)."""
    if not tables_exist(con, ("lineage",)):
        return pd.DataFrame(columns=LINEAGE_TABLE_COLUMNS)
    return con.execute("SELECT * FROM lineage ORDER BY level, source_year, source_code, "
                       "target_code").df()


def lineage_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Number of rows and a hash of the lineage table (``(0, None)`` without one): whether
    a lineage read before is still the same."""
    if not tables_exist(con, ("lineage",)):
        return (0, None)
    row = con.execute("SELECT count(*), bit_xor(hash(level, source_year, source_code, "
                      "target_year, target_code, weight, evidence, certainty, note)) "
                      "FROM lineage").fetchall()[0]
    return tuple(row)


def boundaries_of(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    """``year, level, code, geojson`` of ``codes`` (the preferred source per code and year)."""
    return con.execute(
        """SELECT g.year, g.level, g.code, arg_min(g.geojson, s.priority) AS geojson
           FROM geometries g JOIN sources s USING (source_id)
           WHERE g.year IS NOT NULL AND list_contains(?, g.code) AND g.geojson IS NOT NULL
           GROUP BY g.year, g.level, g.code ORDER BY g.year, g.code""", [list(codes)]).df()


def lineage_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``year, code, centroid_lon, centroid_lat, inhabitants`` of the buurten with a boundary
    and a number of inhabitants (``a_inw``) of the same year (weights of the lineage)."""
    return con.execute(
        """SELECT g.year, g.code, any_value(g.centroid_lon) AS centroid_lon,
                  any_value(g.centroid_lat) AS centroid_lat, any_value(o.value) AS inhabitants
           FROM geometries g
           JOIN observation o ON o.code = g.code AND o.year = g.year
                              AND o.indicator_id = 'a_inw'
           WHERE g.level = 'buurt' AND g.year IS NOT NULL AND o.value IS NOT NULL
           GROUP BY g.year, g.code ORDER BY g.year, g.code""").df()
