"""What a rebuild asks of the store: row counts, conflicts between sources, and carrying the
user tables of the previous database file over into the new one.

:func:`wijkanalyse.sources.build.build_database` calls these; it holds no SQL itself.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import duckdb

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.store.failures import REBUILD_HINT, BadDatabaseError, database_error
from wijkanalyse.store.schema import LEGACY_TABLES, USER_TABLES

__all__ = ["NotWijkanalyseDatabaseError", "carry_over_user_tables", "checkpoint",
           "conflicting_sources", "record_conflicts", "row_count", "use_one_thread"]

#: The tables a build may count (names are put into SQL, so only these are accepted).
_COUNTED = frozenset({"observations", "regions", "load_issues", "sources", *USER_TABLES,
                      *LEGACY_TABLES})


class NotWijkanalyseDatabaseError(WijkanalyseError):
    """The file at the target is a DuckDB database that wijkanalyse did not make."""


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The number of rows of ``table`` (one of the store's own tables)."""
    if table not in _COUNTED:
        raise ValueError(f"onbekende tabel {table!r}")
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def use_one_thread(con: duckdb.DuckDBPyConnection) -> None:
    """Let DuckDB use one thread on this connection (the build runs beside its reader)."""
    con.execute("SET threads = 1")


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write everything of the write-ahead log into the database file."""
    con.execute("CHECKPOINT")


def record_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    """Record, per indicator, year and pair of sources, the figures on which they disagree.

    Two CBS files of the same year can hold different revisions (e.g. a StatLine export made
    before and an OData download made after a correction); the ``observation`` view then uses
    the preferred layout, and ``data status`` shows how many figures differ and by how much.
    :func:`conflicting_sources` reads the source ids back (the wijkprofiel looks up the
    differing values of its own codes only in those sources).
    """
    con.execute(
        """INSERT INTO load_issues
           WITH pairs AS (
               SELECT a.indicator_id, a.year, a.code, a.source_id AS sa, b.source_id AS sb,
                      a.value AS va, b.value AS vb
               FROM observations a JOIN observations b
                 ON a.indicator_id = b.indicator_id AND a.year = b.year AND a.code = b.code
                AND a.source_id < b.source_id
               WHERE a.value IS NOT NULL AND b.value IS NOT NULL
                 AND abs(a.value - b.value) > 1e-6 * greatest(abs(a.value), abs(b.value), 1))
           , ex AS (
               SELECT indicator_id, year, sa, sb, code, va, vb FROM pairs
               QUALIFY row_number() OVER (PARTITION BY indicator_id, year, sa, sb
                                          ORDER BY abs(va - vb) DESC, code) = 1)
           SELECT '(build)', 'conflict',
                  p.indicator_id || ' ' || p.year || ': ' || count(*)
                  || ' regio''s verschillen tussen ' || p.sa || ' en ' || p.sb
                  || ' (grootste verschil ' || round(max(abs(p.va - p.vb)), 3) || ', bv. '
                  || any_value(ex.code) || ': ' || any_value(ex.va) || ' tegen '
                  || any_value(ex.vb) || ')',
                  p.indicator_id, NULL
           FROM pairs p JOIN ex USING (indicator_id, year, sa, sb)
           GROUP BY p.indicator_id, p.year, p.sa, p.sb
           ORDER BY p.indicator_id, p.year, p.sa, p.sb"""
    )


_CONFLICT_PAIR = re.compile(r"regio's verschillen tussen (\S+) en (\S+) \(grootste")


def conflicting_sources(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The ids of the sources that disagree with another source on some figure, from the
    ``conflict`` issues :func:`record_conflicts` wrote (empty when sources agree)."""
    found: set[str] = set()
    for (detail,) in con.execute(
            "SELECT detail FROM load_issues WHERE kind = 'conflict' "
            "AND source_id = '(build)'").fetchall():
        match = _CONFLICT_PAIR.search(str(detail))
        if match:
            found.update(match.groups())
    return frozenset(found)


def _refuse_truncated(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Refuse a previous file that is shorter than the blocks its header names (broken off):
    the tables a build reads from it may all lie before the break, the rest is lost."""
    row = con.execute("SELECT block_size * total_blocks FROM pragma_database_size() "
                      "WHERE database_name = 'previous'").fetchone()
    size = target.stat().st_size
    if row is not None and size < int(row[0]):
        raise BadDatabaseError(
            f"{target} is geen leesbare wijkanalyse-database: het bestand is afgebroken "
            f"({size} bytes, de database beslaat er {int(row[0])}). "
            + REBUILD_HINT.format(path=target))


def carry_over_user_tables(
    con: duckdb.DuckDBPyConnection, target: Path, *, previous: dict[str, int] | None = None,
) -> dict[str, int]:
    """Copy the user tables of the database at ``target`` into ``con``.

    Returns the rows carried over per table; ``previous`` (when given) is filled with what the
    previous database held (``observations`` and ``sources``: for the check that a build does
    not shrink it).

    Raises
    ------
    NotWijkanalyseDatabaseError
        When ``target`` is a DuckDB database without wijkanalyse's ``meta`` table.
    BadDatabaseError
        When ``target`` cannot be read as a DuckDB database.
    """
    if not target.exists():
        return {}
    counts: dict[str, int] = {}
    if previous is None:
        previous = {}
    path = str(target).replace("'", "''")
    try:
        con.execute(f"ATTACH '{path}' AS previous (READ_ONLY)")
    except duckdb.Error as exc:
        raise database_error(target, exc) from exc
    try:
        existing = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous'"
        ).fetchall()}
        if existing and "meta" not in existing:
            raise NotWijkanalyseDatabaseError(
                f"{target} is een DuckDB-database, maar niet van wijkanalyse; data build "
                "vervangt hem niet. Kies een ander pad met --db.")
        _refuse_truncated(con, target)
        for name in USER_TABLES:
            if name in existing:
                con.execute(f"INSERT INTO main.{name} BY NAME SELECT * FROM previous.{name}")
                counts[name] = row_count(con, name)
        for name in LEGACY_TABLES:  # not yet copied to the content store: kept as they are
            if name in existing and int(con.execute(
                    f"SELECT count(*) FROM previous.{name}").fetchall()[0][0]):
                con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM previous.{name}")
                counts[name] = row_count(con, name)
        for name in ("observations", "sources"):
            if name in existing:
                previous[name] = int(con.execute(
                    f"SELECT count(*) FROM previous.{name}").fetchall()[0][0])
    except duckdb.Error as exc:
        raise database_error(target, exc) from exc
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("DETACH previous")
    return counts
