"""Copying a whole content store to another database (``wijkanalyse content kopieer``): from
the embedded SQLite file to a shared PostgreSQL server, or from any URL to any URL.

The target is migrated to the newest schema first (Alembic), then every table of
:data:`~wijkanalyse.content.models.Base` is copied in one transaction on the target, parents
before children (foreign keys), row for row with the same numbers; PostgreSQL sequences are
moved past the highest copied number, and the row count of every table is compared with the
source before the transaction commits. A target that already holds rows is refused unless
``overwrite`` is given (then its rows are deleted in the same transaction). The source is read
in one transaction too, so the copy is one consistent state of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlalchemy.engine import make_url

from wijkanalyse.content.engine import ContentStoreError, migrated_engine, resolve_url
from wijkanalyse.content.models import Base

#: Rows inserted per statement (and per progress step).
BATCH = 500

#: ``progress(table, rows_copied_so_far, rows_in_total)``, called after every batch.
Progress = Callable[[str, int, int], None]


@dataclass
class CopyReport:
    """What one copy did: rows per table (equal in source and target), rows deleted first."""

    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    deleted: int = 0

    @property
    def total(self) -> int:
        """All rows copied."""
        return sum(self.rows.values())


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _same(a: str, b: str) -> bool:
    """Whether two URLs name the same database (SQLite: the same file)."""
    ua, ub = make_url(a), make_url(b)
    if ua.get_backend_name() == ub.get_backend_name() == "sqlite":
        return bool(ua.database and ub.database
                    and Path(ua.database).resolve() == Path(ub.database).resolve())
    return ua.render_as_string(hide_password=True) == ub.render_as_string(hide_password=True)


def _counts(conn: Connection, tables: list[Table]) -> dict[str, int]:
    return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables}


def _move_sequences(conn: Connection, tables: list[Table]) -> None:
    """On PostgreSQL, let each serial column's sequence continue after the copied numbers."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        col = table.autoincrement_column
        if col is None:
            continue
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                          {"t": table.name, "c": col.name})
        if seq is None:
            continue
        top = conn.scalar(select(func.max(col)))
        conn.execute(text("SELECT setval(:s, :v, :called)"),
                      {"s": seq, "v": int(top or 1), "called": top is not None})


def _open(url: str, what: str) -> Engine:
    return migrated_engine(url, what=what, hint="Controleer de URL, de server en de rechten.")


def copy_store(source_url: str, target_url: str, *, overwrite: bool = False,
               progress: Progress | None = None) -> CopyReport:
    """Copy every row of one content store into another (rules in the module docstring).

    Parameters
    ----------
    source_url, target_url
        SQLAlchemy URLs (``sqlite:///pad``, ``postgresql://...``); both are migrated to the
        newest schema first.
    overwrite
        Replace the rows a non-empty target holds (else such a target is refused).
    progress
        Called after every batch of rows with the table, the rows copied so far and the total.

    Returns
    -------
    CopyReport
        The rows per table (verified equal in both) and the rows deleted from the target.

    Raises
    ------
    ContentStoreError
        Source and target are the same database, one cannot be reached, the target holds rows
        and ``overwrite`` is not given, or the counts differ after copying (nothing is kept
        then: the transaction is rolled back).
    """
    source_url, target_url = resolve_url(source_url), resolve_url(target_url)
    source = _open(source_url, "brondatabase")
    try:
        if _same(source_url, target_url):
            raise ContentStoreError(
                f"bron en doel zijn dezelfde database ({_shown(source)}); geef met --naar een "
                "andere database.")
        target = _open(target_url, "doeldatabase")
    except BaseException:
        source.dispose()
        raise
    tables = list(Base.metadata.sorted_tables)
    report = CopyReport(source=_shown(source), target=_shown(target))
    try:
        with source.connect() as src, src.begin(), target.begin() as dst:
            wanted = _counts(src, tables)
            present = {name: n for name, n in _counts(dst, tables).items() if n}
            if present and not overwrite:
                listed = ", ".join(f"{name} ({n})" for name, n in present.items())
                raise ContentStoreError(
                    f"de doeldatabase {report.target} is niet leeg: {listed}. Geef "
                    "--overschrijf om die rijen te vervangen, of kies een lege database.")
            for table in reversed(tables):
                report.deleted += dst.execute(table.delete()).rowcount or 0
            total, done = sum(wanted.values()), 0
            for table in tables:
                result = src.execute(select(table).order_by(*table.primary_key.columns))
                while batch := result.mappings().fetchmany(BATCH):
                    dst.execute(table.insert(), [dict(r) for r in batch])
                    done += len(batch)
                    if progress is not None:
                        progress(table.name, done, total)
                report.rows[table.name] = wanted[table.name]
            _move_sequences(dst, tables)
            copied = _counts(dst, tables)
            wrong = [f"{t}: {wanted[t]} in de bron, {copied[t]} in het doel"
                     for t in wanted if copied[t] != wanted[t]]
            if wrong:
                raise ContentStoreError(
                    "na het kopiëren klopt het aantal rijen niet (" + "; ".join(wrong) + "); "
                    "er is niets vastgelegd. Controleer of iemand tegelijk in de doeldatabase "
                    "schreef en probeer het opnieuw.")
    finally:
        source.dispose()
        target.dispose()
    return report

