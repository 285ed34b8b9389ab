"""The monitor's queries: every SQL statement of :mod:`wijkanalyse.monitor` lives here, as
functions that take a store connection and return DataFrames or plain values."""

from __future__ import annotations

import duckdb
import pandas as pd

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
