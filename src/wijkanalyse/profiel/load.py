"""The database reads of the wijkprofiel and the peer group: the only SQL of :mod:`profiel`.

Every function takes a connection and returns plain values or a DataFrame; the assembly
(:mod:`~wijkanalyse.profiel.assemble`, :mod:`~wijkanalyse.profiel.cells`) and the peer search
(:mod:`~wijkanalyse.profiel.peers`) compute from those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.codes import gemeente_code_of
from wijkanalyse.store import conflicting_sources as store_conflicting_sources

_OBS_SQL = """
SELECT o.indicator_id, o.year, o.code, o.value, o.missing_reason, o.source_id,
       s.kind AS source_kind
FROM observation o JOIN sources s USING (source_id)
WHERE list_contains(?, o.code)
"""


# ------------------------------------------------------------------------------ profile


def observations(con: duckdb.DuckDBPyConnection,
                 codes: Sequence[str]) -> list[tuple[Any, ...]]:
    """Every observation of ``codes`` (all indicators, all years) in one query: rows
    ``(indicator_id, year, code, value, missing_reason, source_id, source_kind)``."""
    return con.execute(_OBS_SQL, [list(codes)]).fetchall()


def conflicting_sources(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The sources that disagree with another on some figure
    (:func:`wijkanalyse.store.conflicting_sources`)."""
    return store_conflicting_sources(con)


def disagreeing_values(con: duckdb.DuckDBPyConnection, codes: Sequence[str],
                       source_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The values of ``codes`` in ``source_ids`` on which those sources disagree (the same
    indicator, year and code with different values, by the tolerance of
    :func:`wijkanalyse.store.record_conflicts`): rows ``(indicator_id, year, code, value,
    source_id, layout, priority, label, file_name)``, best priority first."""
    if not codes or not source_ids:
        return []
    return con.execute(
        """SELECT indicator_id, year, code, value, source_id, layout, priority, label,
                  file_name
           FROM (SELECT o.indicator_id, o.year, o.code, o.value, o.source_id, s.layout,
                        s.priority, s.label, s.file_name,
                        min(o.value) OVER w AS lo, max(o.value) OVER w AS hi
                 FROM observations o JOIN sources s USING (source_id)
                 WHERE o.source_id IN (SELECT unnest(?::VARCHAR[]))
                   AND list_contains(?, o.code) AND o.value IS NOT NULL
                 WINDOW w AS (PARTITION BY o.indicator_id, o.year, o.code))
           WHERE hi - lo > 1e-6 * greatest(abs(lo), abs(hi), 1)
           ORDER BY indicator_id, year, code, priority, source_id""",
        [list(source_ids), list(codes)]).fetchall()


def source_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every loaded source: rows ``(source_id, file_name, kind, table_id, year, label)``."""
    return con.execute(
        "SELECT source_id, file_name, kind, table_id, year, label FROM sources"
    ).fetchall()


def latest_kwb_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest year of a loaded KWB source, or ``None``."""
    latest = con.execute("SELECT max(year) FROM sources WHERE kind = 'kwb'").fetchone()
    if latest is None or latest[0] is None:
        return None
    return int(latest[0])


def kwb_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The years of the loaded KWB sources, ascending."""
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM sources WHERE kind = 'kwb' AND year IS NOT NULL "
        "ORDER BY year").fetchall()]


def kwb_source_ids(con: duckdb.DuckDBPyConnection, year: int) -> list[str]:
    """The ids of the KWB sources of ``year``."""
    return [r[0] for r in con.execute(
        "SELECT source_id FROM sources WHERE kind = 'kwb' AND year = ?", [year]).fetchall()]


def gemeente_values(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str],
                    year: int) -> pd.DataFrame:
    """The best value per gemeente and indicator as the observation view picks it, over the
    given sources of ``year`` only (a scan of those sources instead of the whole view).

    Columns ``indicator_id, code, value, source_id``.
    """
    return con.execute(
        """SELECT o.indicator_id, o.code,
                  arg_min(o.value, (o.value IS NULL, s.priority, o.source_id)) AS value,
                  arg_min(o.source_id, (o.value IS NULL, s.priority, o.source_id))
                      AS source_id
           FROM observations o JOIN sources s USING (source_id)
           WHERE o.source_id IN (SELECT unnest(?::VARCHAR[])) AND o.year = ?
             AND starts_with(o.code, 'GM')
           GROUP BY o.indicator_id, o.code""", [list(source_ids), year]).df()


def wijk_buurt_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], str]:
    """The name of every wijk and buurt code in every year (the regions view)."""
    return {
        (code, int(year)): name for code, year, name in con.execute(
            "SELECT code, year, name FROM regions WHERE name IS NOT NULL "
            "AND level IN ('wijk', 'buurt')").fetchall()}


def names_by_year(con: duckdb.DuckDBPyConnection, codes: Sequence[str],
                  years: Sequence[int]) -> list[tuple[str, int, str]]:
    """Rows ``(code, year, name)`` of ``codes`` in ``years`` (the regions view)."""
    return [(code, int(year), name) for code, year, name in con.execute(
        "SELECT code, year, name FROM regions WHERE list_contains(?, code) "
        "AND list_contains(?, year) AND name IS NOT NULL",
        [list(codes), list(years)]).fetchall()]


def latest_names(con: duckdb.DuckDBPyConnection,
                 codes: Sequence[str]) -> list[tuple[str, str]]:
    """Rows ``(code, name)``: the name of each code in its latest year with one."""
    return con.execute(
        "SELECT code, arg_max(name, year) FROM regions WHERE list_contains(?, code) "
        "AND name IS NOT NULL GROUP BY code", [list(codes)]
    ).fetchall()


def kwb_years_of_prefix(con: duckdb.DuckDBPyConnection, prefix: str) -> set[int]:
    """The years of KWB regions whose code starts with ``prefix`` (a gemeente's wijken or
    buurten: ``"WK0114"``)."""
    return {int(r[0]) for r in con.execute(
        """SELECT DISTINCT r.year FROM region_sources r JOIN sources s USING (source_id)
           WHERE s.kind = 'kwb' AND starts_with(r.code, ?)""", [prefix]).fetchall()}


def nationwide_kwb_years(con: duckdb.DuckDBPyConnection, level: str,
                         min_regions: int) -> set[int]:
    """The years whose KWB sources hold at least ``min_regions`` regions of ``level``."""
    return {int(r[0]) for r in con.execute(
        """SELECT r.year FROM region_sources r JOIN sources s USING (source_id)
           WHERE s.kind = 'kwb' AND r.level = ? GROUP BY r.year
           HAVING count(DISTINCT r.code) >= ?""", [level, min_regions]).fetchall()}


# ------------------------------------------------------------------------------ peers


def source_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A key of the loaded sources (ids and checksums): another build, another key."""
    row = con.execute(
        "SELECT count(*) || ':' || coalesce(string_agg(source_id || '@' || coalesce(sha256, ''),"
        " ',' ORDER BY source_id), '') FROM sources"
    ).fetchall()[0]
    return str(row[0])


def levels_with_inhabitants(con: duckdb.DuckDBPyConnection,
                             prefixes: dict[str, str]) -> list[tuple[str, int]]:
    """``(level, year)`` of every level (``level -> code prefix``) and year with an inhabitant
    count, in level order then year."""
    rows = con.execute(
        "SELECT DISTINCT substr(code, 1, 2), year FROM observations "
        "WHERE indicator_id = 'a_inw' AND value IS NOT NULL").fetchall()
    found = {(str(p), int(y)) for p, y in rows}
    return [(level, year) for level, prefix in prefixes.items()
            for year in sorted(y for p, y in found if p == prefix)]


def level_values(con: duckdb.DuckDBPyConnection, year: int, prefix: str,
                 indicators: Sequence[str]) -> pd.DataFrame:
    """Values of ``indicators`` of every region whose code starts with ``prefix`` in ``year``,
    long: columns ``code, indicator_id, value, label`` (the source label)."""
    return con.execute(
        """SELECT o.code, o.indicator_id, o.value, s.label
           FROM observation o JOIN sources s USING (source_id)
           WHERE o.year = ? AND starts_with(o.code, ?) AND list_contains(?, o.indicator_id)""",
        [int(year), prefix, list(indicators)],
    ).df()


def gemeenten_with_inhabitants(con: duckdb.DuckDBPyConnection, year: int) -> int:
    """The number of gemeenten with an inhabitant count in ``year``."""
    n_gm = con.execute(
        "SELECT count(DISTINCT code) FROM observations WHERE year = ? AND indicator_id = 'a_inw'"
        " AND value IS NOT NULL AND starts_with(code, 'GM')",
        [int(year)],
    ).fetchone()
    return int(n_gm[0] or 0) if n_gm else 0


def member_values(con: duckdb.DuckDBPyConnection, year: int, codes: Sequence[str],
                  indicators: Sequence[str]) -> pd.DataFrame:
    """Values of ``indicators`` of ``codes`` in ``year``, long: columns
    ``code, indicator_id, value, label``."""
    return con.execute(
        """SELECT o.code, o.indicator_id, o.value, s.label
           FROM observation o JOIN sources s USING (source_id)
           WHERE o.year = ? AND list_contains(?, o.code) AND list_contains(?, o.indicator_id)""",
        [int(year), list(codes), list(indicators)],
    ).df()


def weighted_bases(con: duckdb.DuckDBPyConnection,
                   indicators: Sequence[str]) -> dict[str, str]:
    """``indicator id -> base id`` of the weighted indicators among ``indicators``."""
    return dict(con.execute(
        "SELECT id, base FROM indicators WHERE aggregation = 'weighted' AND base IS NOT NULL "
        "AND list_contains(?, id)", [list(indicators)]).fetchall())


def years_with_inhabitants(con: duckdb.DuckDBPyConnection) -> dict[str, frozenset[int]]:
    """Per region code the years with an inhabitant count."""
    rows = con.execute(
        "SELECT code, list(DISTINCT year) FROM observations "
        "WHERE indicator_id = 'a_inw' AND value IS NOT NULL GROUP BY code"
    ).fetchall()
    return {str(c): frozenset(int(y) for y in ys) for c, ys in rows}


def best_names(con: duckdb.DuckDBPyConnection) -> dict[str, dict[int, str]]:
    """Per region code its name per year (of the source with the best priority)."""
    rows = con.execute(
        """SELECT r.code, r.year, arg_min(r.name, s.priority)
           FROM region_sources r JOIN sources s USING (source_id)
           WHERE r.name IS NOT NULL GROUP BY r.code, r.year"""
    ).fetchall()
    names: dict[str, dict[int, str]] = {}
    for code, year, name in rows:
        names.setdefault(str(code), {})[int(year)] = str(name)
    return names


def indicator_series(con: duckdb.DuckDBPyConnection,
                     indicator: str) -> list[tuple[str, int, float, str | None]]:
    """Rows ``(code, year, value, source label)`` of every value of ``indicator``, ordered by
    code and year."""
    return [(str(code), int(year), float(value), label) for code, year, value, label in
            con.execute(
                """SELECT o.code, o.year, o.value, s.label FROM observation o JOIN sources s
                   USING (source_id)
                   WHERE o.indicator_id = ? AND o.value IS NOT NULL ORDER BY o.code, o.year""",
                [indicator],
            ).fetchall()]


# ------------------------------------------------------------------------------ lineage

_LINEAGE_AROUND_SQL = """
WITH RECURSIVE gmanc(y, c) AS (
    -- the gemeente of the code and every gemeente that went into it
    SELECT ?::INTEGER, ?::VARCHAR
    UNION
    SELECT l.source_year, l.source_code FROM lineage l
    JOIN gmanc ON l.target_year = gmanc.y AND l.target_code = gmanc.c
), gms AS (SELECT DISTINCT substr(c, 3, 4) AS g FROM gmanc),
anc(y, c) AS (
    SELECT ?::INTEGER, ?::VARCHAR
    UNION
    SELECT l.source_year, l.source_code FROM lineage l
    JOIN anc ON l.target_year = anc.y AND l.target_code = anc.c
), fwd(y, c) AS (
    SELECT y, c FROM anc
    UNION
    -- the regions of the same level in those gemeenten: one that does not arrive whole makes
    -- the targets of its gemeente incomplete (gebieden.harmonise._lost_gemeenten)
    SELECT source_year, source_code FROM lineage
    WHERE starts_with(source_code, ?) AND substr(source_code, 3, 4) IN (SELECT g FROM gms)
    UNION
    SELECT l.target_year, l.target_code FROM lineage l
    JOIN fwd ON l.source_year = fwd.y AND l.source_code = fwd.c
    WHERE l.target_code IS NOT NULL
)
SELECT l.* FROM lineage l JOIN (SELECT DISTINCT y, c FROM fwd) n
    ON l.source_year = n.y AND l.source_code = n.c
UNION
SELECT l.* FROM lineage l
WHERE starts_with(l.source_code, 'GM') AND substr(l.source_code, 3, 4) IN (SELECT g FROM gms)
"""


def lineage_latest(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest boundary year of the lineage (``None`` without a lineage table)."""
    if not con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'lineage'").fetchone()[0]:  # type: ignore[index]
        return None
    row = con.execute("SELECT max(target_year) FROM lineage").fetchone()
    return None if row is None or row[0] is None else int(row[0])


_LINEAGE_INTO_SQL = """
WITH RECURSIVE anc(y, c) AS (
    SELECT ?::INTEGER, ?::VARCHAR
    UNION
    SELECT l.source_year, l.source_code FROM lineage l
    JOIN anc ON l.target_year = anc.y AND l.target_code = anc.c
)
SELECT l.source_year, l.source_code, l.target_code, l.weight FROM lineage l
JOIN anc ON l.target_year = anc.y AND l.target_code = anc.c
"""


def lineage_into(con: duckdb.DuckDBPyConnection, latest: int, code: str
                 ) -> list[tuple[int, str, str, float | None]]:
    """The links into ``code`` of ``latest`` and into each of its predecessors, through all
    years: ``(source_year, source_code, target_code, weight)`` (one small recursive query,
    enough to see whether the area kept its boundary)."""
    return [(int(y), str(s), str(t), None if w is None else float(w))
            for y, s, t, w in con.execute(_LINEAGE_INTO_SQL, [int(latest), code]).fetchall()]


def lineage_around(con: duckdb.DuckDBPyConnection, code: str, latest: int | None = None
                   ) -> tuple[int | None, pd.DataFrame]:
    """The latest boundary year of the lineage and the lineage rows that put earlier years on
    the boundaries of ``code`` in that year: the regions that feed it (through all years),
    every link of those regions (where their other parts went), the regions of the same level
    in the gemeenten that went into the code's gemeente with all their links (whether one of
    them was lost on the way) and those gemeenten' links. ``(None, empty)`` without a lineage table;
    ``latest`` when the caller knows it (:func:`lineage_latest`)."""
    if latest is None:
        latest = lineage_latest(con)
    if latest is None:
        return None, pd.DataFrame()
    gm = gemeente_code_of(code)
    return latest, con.execute(_LINEAGE_AROUND_SQL,
                               [latest, gm, latest, code, code[:2]]).df()
