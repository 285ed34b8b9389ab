"""The monitor's queries: every SQL statement of :mod:`wijkanalyse.monitor` lives here, as
functions that take a store connection and return DataFrames or plain values.

The analysis modules (:mod:`~wijkanalyse.monitor.trends`,
:mod:`~wijkanalyse.monitor.composite`, :mod:`~wijkanalyse.monitor.typology`,
:mod:`~wijkanalyse.monitor.earlywarning`), the report and the availability table read the
database only through these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

# --- trends, composite, typology, early warning


def lbm_observations(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Leefbaarometer ``lbm`` and ``lbm_afw`` of ``codes``: ``code``, ``year``,
    ``indicator_id``, ``value`` and the source ``label``."""
    return con.execute(
        "SELECT o.code, o.year, o.indicator_id, o.value, s.label FROM observation o "
        "LEFT JOIN sources s ON s.source_id = o.source_id "
        "WHERE o.indicator_id IN ('lbm', 'lbm_afw') AND o.value IS NOT NULL "
        "AND list_contains(?, o.code)", [list(codes)]).df()


def inhabitants(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Inhabitants (``a_inw``) of ``codes`` per year: ``code``, ``year``, ``value``."""
    return con.execute(
        "SELECT code, year, value FROM observation WHERE indicator_id = 'a_inw' "
        "AND value IS NOT NULL AND list_contains(?, code)", [list(codes)]).df()


def latest_names_and_inhabitants(con: duckdb.DuckDBPyConnection,
                                 codes: Sequence[str]) -> pd.DataFrame:
    """The latest name of ``codes`` and their inhabitants (``a_inw``) in the latest year with
    a count: ``code``, ``name``, ``inhabitants``, ``inhabitants_year``."""
    return con.execute(
        """WITH n AS (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name
                      FROM regions WHERE list_contains(?, code) GROUP BY code),
                i AS (SELECT code, arg_max(value, year) AS inhabitants,
                             max(year) AS inhabitants_year
                      FROM observation WHERE indicator_id = 'a_inw' AND value IS NOT NULL
                        AND list_contains(?, code) GROUP BY code)
           SELECT n.code, n.name, i.inhabitants, i.inhabitants_year
           FROM n LEFT JOIN i USING (code) ORDER BY n.code""",
        [list(codes), list(codes)]).df()


def indicator_values(con: duckdb.DuckDBPyConnection, *, codes: Sequence[str] | None,
                     prefix: str | None, indicator_ids: Sequence[str],
                     years: Sequence[int] | None,
                     national_code: str | None = None) -> pd.DataFrame:
    """Observations with the citation label of their source, of ``codes`` or of every code
    starting with ``prefix`` (plus ``national_code``), optionally limited to ``years``.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, year`` (int64), ``code, value`` (float64), ``missing_reason, label``.
    """
    where = ["list_contains(?, o.indicator_id)"]
    params: list[Any] = [list(indicator_ids)]
    if codes is not None:
        where.append("o.code IN (SELECT unnest(?))")
        params.append(list(codes))
    if prefix is not None:
        where.append("(starts_with(o.code, ?) OR o.code = ?)")
        params.extend([prefix, national_code])
    if years is not None:
        where.append("list_contains(?, o.year)")
        params.append([int(y) for y in years])
    df = con.execute(
        f"""SELECT o.indicator_id, o.year, o.code, o.value, o.missing_reason,
                   coalesce(s.label, s.file_name, o.source_id) AS label
            FROM observation o LEFT JOIN sources s USING (source_id)
            WHERE {' AND '.join(where)}""",
        params,
    ).df()
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df


def years_with_regions(con: duckdb.DuckDBPyConnection, *, indicator_ids: Sequence[str],
                       prefixes: Sequence[str], min_regions: int) -> list[int]:
    """Years in which some indicator of ``indicator_ids`` has a value for at least
    ``min_regions`` codes of one of the level ``prefixes`` (``GM``, ``WK``, ``BU``)."""
    rows = con.execute(
        """SELECT DISTINCT year FROM observation
            WHERE list_contains(?, indicator_id) AND value IS NOT NULL
              AND list_contains(?, substr(code, 1, 2))
            GROUP BY year, indicator_id, substr(code, 1, 2)
            HAVING count(*) >= ?""",
        [list(indicator_ids), list(prefixes), int(min_regions)],
    ).fetchall()
    return [int(r[0]) for r in rows]


def gemeenten_with_boundaries(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Codes (``GM....``) of the gemeenten with wijk or buurt boundaries in the database."""
    return {"GM" + str(r[0]) for r in con.execute(
        "SELECT DISTINCT substr(code, 3, 4) FROM geometries WHERE level IN ('wijk', 'buurt')"
    ).fetchall()}


def gemeente_areas(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Area (m²) of every gemeente with a boundary: the latest year's, the first source."""
    return {str(code): float(area) for code, area in con.execute(
        """SELECT code, area_m2 FROM geometries WHERE level = 'gemeente' AND area_m2 > 0
           QUALIFY row_number() OVER (PARTITION BY code ORDER BY year DESC, source_id) = 1"""
    ).fetchall()}


def source_labels(con: duckdb.DuckDBPyConnection, *, year: int, codes: Sequence[str],
                  indicator_ids: Sequence[str]) -> set[str]:
    """Citation labels of the sources with a value of ``indicator_ids`` for ``codes`` in
    ``year``."""
    return {str(r[0]) for r in con.execute(
        """SELECT DISTINCT coalesce(s.label, s.file_name, o.source_id) FROM observation o
           LEFT JOIN sources s USING (source_id)
           WHERE o.year = ? AND o.code IN (SELECT unnest(?)) AND list_contains(?, o.indicator_id)
             AND o.value IS NOT NULL""",
        [year, list(codes), list(indicator_ids)]).fetchall() if r[0]}


def year_values(con: duckdb.DuckDBPyConnection, *, year: int, codes: Sequence[str],
                indicator_ids: Sequence[str]) -> pd.DataFrame:
    """``code, indicator_id, value`` of ``codes`` in ``year`` (missing values included)."""
    return con.execute(
        """SELECT code, indicator_id, value FROM observation
           WHERE year = ? AND code IN (SELECT unnest(?)) AND list_contains(?, indicator_id)""",
        [int(year), list(codes), list(indicator_ids)]).df()


def present_values(con: duckdb.DuckDBPyConnection, *, indicator_ids: Sequence[str],
                   codes: Sequence[str]) -> pd.DataFrame:
    """``code, year, indicator_id, value`` of ``codes`` where the value is present."""
    return con.execute(
        "SELECT code, year, indicator_id, value FROM observation WHERE value IS NOT NULL "
        "AND list_contains(?, indicator_id) AND list_contains(?, code)",
        [list(indicator_ids), list(codes)]).df()


def observations(con: duckdb.DuckDBPyConnection, *, indicator_ids: Sequence[str],
                 codes: Sequence[str]) -> pd.DataFrame:
    """``indicator_id, year, code, value, missing_reason`` of ``codes`` (missing included)."""
    return con.execute(
        "SELECT indicator_id, year, code, value, missing_reason FROM observation "
        "WHERE list_contains(?, indicator_id) AND list_contains(?, code)",
        [list(indicator_ids), list(codes)]).df()


def lbm_wijken(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every code with a Leefbaarometer deviation (``lbm_afw``), in code order, as tuples
    ``(code, name, gemeente_code, gemeente_name)``: the latest name and gemeente of the code
    (the gemeente from the code when the regions lack it) and that gemeente's latest name."""
    return con.execute(
        """
        WITH l AS (SELECT DISTINCT code FROM observation
                   WHERE indicator_id = 'lbm_afw' AND value IS NOT NULL),
             r AS (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name,
                          arg_max(gemeente_code, year) AS gemeente_code
                   FROM regions GROUP BY code)
        SELECT l.code, r.name, coalesce(r.gemeente_code, 'GM' || substr(l.code, 3, 4)),
               g.name
        FROM l LEFT JOIN r USING (code)
        LEFT JOIN r AS g ON g.code = coalesce(r.gemeente_code, 'GM' || substr(l.code, 3, 4))
        ORDER BY l.code
        """).fetchall()


def source_files(con: duckdb.DuckDBPyConnection, *, kind: str) -> list[tuple[Any, ...]]:
    """``(label, file_name, sha256)`` of the loaded sources of one kind, by source id."""
    return con.execute(
        "SELECT label, file_name, sha256 FROM sources WHERE kind = ? "
        "ORDER BY source_id", [kind]).fetchall()


# --- monitor report and availability


def source_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The loaded sources: ``source_id``, ``label`` (label, else file name, else id),
    ``kind``, ``year``, ``file_name``."""
    return con.execute(
        "SELECT source_id, coalesce(label, file_name, source_id) AS label, kind, year, "
        "file_name FROM sources ORDER BY source_id").df()


def lbm_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The years with a Leefbaarometer score, ascending."""
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM observation WHERE indicator_id = 'lbm' AND value IS NOT "
        "NULL ORDER BY year").fetchall()]


def gemeenten_per_year(con: duckdb.DuckDBPyConnection, *, level: str) -> dict[int, int]:
    """``year -> number of gemeenten`` in which the database has regions of ``level``."""
    return {int(y): int(n) for y, n in con.execute(
        "SELECT year, count(DISTINCT coalesce(gemeente_code, substr(code, 3, 4))) FROM regions "
        "WHERE level = ? GROUP BY year", [level]).fetchall()}


def observation_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The years with any figure, ascending."""
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM observation WHERE value IS NOT NULL ORDER BY year"
    ).fetchall()]


def kwb_unit_years(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, year: int
                   ) -> dict[int, int]:
    """KWB years up to ``year`` -> number of units of which every member has an inhabitant
    count that year."""
    pairs = [(str(u), str(c)) for u, cs in zip(units["unit_id"], units["codes"], strict=True)
             for c in cs]
    if not pairs:
        return {}
    rows = con.execute(
        "WITH m AS (SELECT unnest(?) AS unit_id, unnest(?) AS code), "
        "n AS (SELECT unit_id, count(*) AS n FROM m GROUP BY unit_id) "
        "SELECT o.year, count(*) FROM (SELECT m.unit_id, o.year, count(*) AS k FROM m "
        "  JOIN observation o ON o.code = m.code AND o.indicator_id = 'a_inw' "
        "  AND o.value IS NOT NULL AND o.year <= ? GROUP BY ALL) o "
        "JOIN n ON n.unit_id = o.unit_id AND n.n = o.k GROUP BY o.year ORDER BY o.year",
        [[p[0] for p in pairs], [p[1] for p in pairs], year]).fetchall()
    return {int(y): int(n) for y, n in rows}


def gemeenten_with_shapes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Codes (``GMxxxx``) of the gemeenten with wijk or buurt boundaries."""
    have = con.execute(
        "SELECT DISTINCT substr(code, 3, 4) FROM geometries WHERE level IN ('wijk', 'buurt')"
    ).fetchall()
    return {f"GM{r[0]}" for r in have}


def gemeente_names_with_shapes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """``(GM code, latest name or None)`` of the gemeenten with wijk or buurt boundaries."""
    rows = con.execute(
        "SELECT DISTINCT 'GM' || substr(g.code, 3, 4) AS gm, "
        "(SELECT arg_max(r.name, r.year) FROM regions r WHERE r.code = 'GM' || "
        "substr(g.code, 3, 4)) FROM geometries g WHERE g.level IN ('wijk', 'buurt') "
        "ORDER BY 1").fetchall()
    return [(str(gm), None if name is None else str(name)) for gm, name in rows]


def gemeente_boundaries(con: duckdb.DuckDBPyConnection) -> tuple[int | None, pd.DataFrame]:
    """The latest year with gemeente boundaries and those boundaries (``code``,
    ``source_id``, ``geojson``, by code); ``(None, empty)`` without any."""
    row = con.execute("SELECT max(year) FROM geometries WHERE level = 'gemeente'").fetchone()
    year = row[0] if row else None
    if year is None:
        return None, pd.DataFrame(columns=["code", "source_id", "geojson"])
    df = con.execute("SELECT code, source_id, geojson FROM geometries "
                     "WHERE level = 'gemeente' AND year = ? ORDER BY code", [year]).df()
    return int(year), df


def availability_frames(con: duckdb.DuckDBPyConnection, gms: list[str]
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What :func:`wijkanalyse.monitor.availability.data_availability` reads for the
    gemeenten ``gms`` (four-digit numbers): wijk/buurt figures per source kind, year and code
    (``kind``, ``series``, ``year``, ``code``, ``n_ind``, ``labels``), wijk/buurt boundaries
    (``year``, ``code``, ``labels``) and the buurt codes per year (``year``, ``code``)."""
    obs = con.execute(
        "SELECT s.kind, s.year IS NULL AS series, o.year, o.code, "
        "count(DISTINCT o.indicator_id) AS n_ind, list(DISTINCT coalesce(s.label, s.file_name, "
        "s.source_id)) AS labels FROM observations o JOIN sources s USING (source_id) "
        "WHERE o.value IS NOT NULL AND substr(o.code, 1, 2) IN ('WK', 'BU') "
        "AND list_contains(?, substr(o.code, 3, 4)) GROUP BY ALL", [gms]).df()
    geo = con.execute(
        "SELECT g.year, g.code, list(DISTINCT coalesce(s.label, s.file_name, s.source_id)) "
        "AS labels FROM geometries g LEFT JOIN sources s USING (source_id) "
        "WHERE g.level IN ('wijk', 'buurt') AND list_contains(?, substr(g.code, 3, 4)) "
        "GROUP BY ALL", [gms]).df()
    known_buurten = con.execute(
        "SELECT DISTINCT year, code FROM regions WHERE level = 'buurt' AND year IS NOT NULL "
        "AND list_contains(?, substr(code, 3, 4))", [gms]).df()
    return obs, geo, known_buurten
