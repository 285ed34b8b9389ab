"""The embedded DuckDB store: schema, connections and writing source tables.

Data model (see docs/architecture.md):

``sources``            one row per loaded source table (file, layout, CBS table id, year, sha256)
``indicators``         the catalogue as loaded
``region_sources``     every (year, code) a source mentions, with the name it uses there
``regions`` (view)     one row per (year, code): level, name, gemeente, wijk (best source)
``observations``       long format: indicator, year, code, value, missing reason, source, column
``observation`` (view) one row per (indicator, year, code): the best available source
``geometries``         boundaries in WGS84 (GeoJSON text), with how they were matched
``load_issues``        what readers and the build noticed (unmapped columns, unmatched names, ...)
``documents``          documentation found next to the data (PDF, Markdown, metadata), not read
``areas``, ``area_members``  user-defined areas (kept across rebuilds)
"""

from __future__ import annotations

import errno
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse import dblock
from wijkanalyse.atomicio import write_protected as write_protected  # build uses it
from wijkanalyse.catalogue import Catalogue
from wijkanalyse.codes import gemeente_code_of, wijk_code_of
from wijkanalyse.dblock import WaitCallback, print_wait
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.sourcetable import SourceTable


class BadDatabaseError(WijkanalyseError):
    """The database file is not a (complete) wijkanalyse database."""


class ReadOnlyDatabaseError(WijkanalyseError):
    """The database file is write-protected; nothing writes to or replaces it."""

SCHEMA_VERSION = "1"

#: Tables that hold what users made themselves; ``data build`` carries them over.
USER_TABLES = ("areas", "area_members", "stories", "story_history", "interventions",
               "intervention_history", "applied_approaches", "applied_approach_history")

#: Lower is preferred when two sources give the same figure.
LAYOUT_PRIORITY = {
    "odata_json": 5,
    "odata_csv": 10,
    "kwb2024_herkomst": 12,
    "ses_woa_csv": 12,
    "lbm_wijk_csv": 12,
    "geojson_boundaries": 70,
    "statline_csv": 20,
    "r_csv": 30,
    "statline_csv_names": 35,
    "heerlen_sqlite": 40,
    "gemeenten_subset_csv": 50,
    # CBS Wijk- en Buurtkaart attributes (rounded counts, whole percentages): after the KWB
    # tables; wijken derived from buurten last
    "wbk_dbf": 45,
    "wbk_dbf_indeling": 45,
    "wbk_geojson": 45,
    "wbk_geojson_afgeleid": 80,
    "kwb_xlsx": 15,
    "renamed_csv": 45,
    "politie_statline_csv": 12,
    "ggd_gezondheidsmonitor_csv": 12,
}

#: Verhalen and aanpakken with their full history (see :mod:`wijkanalyse.verhalen.stories`).
STORIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (
    story_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('verhaal', 'aanpak')),
    area_code VARCHAR NOT NULL, title VARCHAR NOT NULL, author VARCHAR NOT NULL,
    story_date DATE NOT NULL, body_markdown VARCHAR NOT NULL, tags VARCHAR[], meta VARCHAR,
    created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, source_file VARCHAR,
    removed_at VARCHAR, removed_by VARCHAR);
CREATE TABLE IF NOT EXISTS story_history (
    story_id INTEGER NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    snapshot VARCHAR NOT NULL, PRIMARY KEY (story_id, version));
"""

#: Kennisdossier: interventions (shipped and user versions), their history and the approaches
#: applied in areas (see :mod:`wijkanalyse.kennis.dossier`).
KENNIS_SCHEMA = """
CREATE TABLE IF NOT EXISTS interventions (
    intervention_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, summary VARCHAR NOT NULL,
    description VARCHAR NOT NULL, themes VARCHAR[] NOT NULL, partners VARCHAR[] NOT NULL,
    funding VARCHAR[] NOT NULL, evidence_level VARCHAR NOT NULL, cost_level VARCHAR NOT NULL,
    horizon VARCHAR NOT NULL, domains VARCHAR[] NOT NULL, indicators VARCHAR[] NOT NULL,
    signals VARCHAR[] NOT NULL, related VARCHAR[] NOT NULL, search_text VARCHAR NOT NULL,
    record VARCHAR NOT NULL,
    origin VARCHAR NOT NULL CHECK (origin IN ('pakket', 'gebruiker')),
    version INTEGER NOT NULL, shipped_sha256 VARCHAR, updated_at VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL, removed_at VARCHAR, removed_by VARCHAR);
CREATE TABLE IF NOT EXISTS intervention_history (
    intervention_id VARCHAR NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL
        CHECK (action IN ('add', 'update', 'remove', 'restore', 'shipped_skipped')),
    origin VARCHAR NOT NULL CHECK (origin IN ('pakket', 'gebruiker')), note VARCHAR,
    snapshot VARCHAR NOT NULL, PRIMARY KEY (intervention_id, version));
CREATE TABLE IF NOT EXISTS applied_approaches (
    applied_id INTEGER PRIMARY KEY, intervention_id VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL, area_name VARCHAR NOT NULL, area_kind VARCHAR NOT NULL,
    area_members VARCHAR[] NOT NULL, gemeente_code VARCHAR, year_from INTEGER NOT NULL,
    year_to INTEGER, partners VARCHAR[] NOT NULL, funding VARCHAR[] NOT NULL,
    result_text VARCHAR NOT NULL, result_indicators VARCHAR[] NOT NULL,
    author VARCHAR NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL,
    removed_at VARCHAR, removed_by VARCHAR);
CREATE TABLE IF NOT EXISTS applied_approach_history (
    applied_id INTEGER NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    snapshot VARCHAR NOT NULL, PRIMARY KEY (applied_id, version));
"""

SCHEMA = STORIES_SCHEMA + KENNIS_SCHEMA + """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY, file_name VARCHAR, path VARCHAR, sha256 VARCHAR,
    kind VARCHAR, layout VARCHAR, table_id VARCHAR, year INTEGER, label VARCHAR,
    priority INTEGER, n_regions INTEGER, n_values INTEGER);
CREATE TABLE IF NOT EXISTS indicators (
    id VARCHAR PRIMARY KEY, label VARCHAR, unit VARCHAR, domain VARCHAR, kind VARCHAR,
    aggregation VARCHAR, base VARCHAR, better VARCHAR, description VARCHAR,
    valid_from INTEGER, valid_to INTEGER, replaces VARCHAR, replaced_by VARCHAR,
    definition_changes VARCHAR);
CREATE TABLE IF NOT EXISTS region_sources (
    year INTEGER, code VARCHAR, level VARCHAR, name VARCHAR, gemeente_code VARCHAR,
    wijk_code VARCHAR, gemeente_name VARCHAR, source_id VARCHAR, match_method VARCHAR);
CREATE TABLE IF NOT EXISTS observations (
    indicator_id VARCHAR, year INTEGER, code VARCHAR, value DOUBLE, missing_reason VARCHAR,
    source_id VARCHAR, source_column VARCHAR);
CREATE TABLE IF NOT EXISTS geometries (
    code VARCHAR, year INTEGER, level VARCHAR, name VARCHAR, source_id VARCHAR,
    source_crs VARCHAR, match_method VARCHAR, geojson VARCHAR,
    centroid_lon DOUBLE, centroid_lat DOUBLE, area_m2 DOUBLE);
CREATE TABLE IF NOT EXISTS load_issues (
    source_id VARCHAR, kind VARCHAR, detail VARCHAR, column_name VARCHAR, line INTEGER);
CREATE TABLE IF NOT EXISTS documents (
    rel_path VARCHAR, path VARCHAR, kind VARCHAR, description VARCHAR, title VARCHAR,
    size_bytes BIGINT);
CREATE TABLE IF NOT EXISTS areas (
    area_id VARCHAR PRIMARY KEY, name VARCHAR, gemeente_code VARCHAR, description VARCHAR,
    created_by VARCHAR, created_at VARCHAR);
CREATE TABLE IF NOT EXISTS area_members (
    area_id VARCHAR, code VARCHAR, PRIMARY KEY (area_id, code));
CREATE OR REPLACE VIEW regions AS
SELECT r.year, r.code,
       arg_min(r.level, s.priority) AS level,
       arg_min(r.name, s.priority) FILTER (WHERE r.name IS NOT NULL) AS name,
       arg_min(r.gemeente_code, s.priority) AS gemeente_code,
       arg_min(r.wijk_code, s.priority) AS wijk_code,
       list(DISTINCT r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL) AS names,
       list(DISTINCT r.source_id ORDER BY r.source_id) AS source_ids
FROM region_sources r JOIN sources s USING (source_id)
GROUP BY r.year, r.code;
CREATE OR REPLACE VIEW observation AS
SELECT o.indicator_id, o.year, o.code,
       arg_min(o.value, (o.value IS NULL, s.priority, o.source_id)) AS value,
       arg_min(o.missing_reason, (o.value IS NULL, s.priority, o.source_id)) AS missing_reason,
       arg_min(o.source_id, (o.value IS NULL, s.priority, o.source_id)) AS source_id,
       count(*) AS n_sources
FROM observations o JOIN sources s USING (source_id)
GROUP BY o.indicator_id, o.year, o.code;
"""


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, initialise) the database at ``path``.

    This opens the file without the database lock: commands use :func:`reading` and
    :func:`writing`, which hold it. DuckDB errors on opening (a file that is not a DuckDB
    database, a truncated file, a file locked by another program) become a
    :class:`~wijkanalyse.errors.WijkanalyseError` that says what the file is and what to do.
    """
    path = Path(path)
    try:
        if read_only:
            return duckdb.connect(str(path), read_only=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise database_error(path, exc) from exc
    try:
        if _foreign(con):
            raise BadDatabaseError(
                f"{path} is een DuckDB-database, maar niet van wijkanalyse (de tabel 'meta' "
                "ontbreekt); wijkanalyse schrijft er niets in. Kies een ander pad met --db, "
                "bijv. 'wijkanalyse --db wijkanalyse.duckdb data build --source MAP'."
            )
        init_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def connect_memory() -> duckdb.DuckDBPyConnection:
    """A new in-memory database with the schema (the build's working database).

    :func:`copy_database` writes it to a file when it is complete.
    """
    con = duckdb.connect(":memory:")
    try:
        # an in-memory database checkpoints (compresses) every 16 MB by default: the build
        # writes it to a file once, so that work is done there (at most one checkpoint)
        con.execute("SET checkpoint_threshold = '1TB'")
        init_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def copy_database(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    alongside: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    last: tuple[str, ...] = (),
) -> None:
    """Write every table of the database of ``con`` into a new database file at ``path``.

    The file gets its schema from :func:`connect` (so it is the same as that of any database
    this module creates); the rows are copied table by table in their order, and the file is
    checkpointed. See :class:`FileCopy` for a copy that starts while the database still grows.

    Parameters
    ----------
    con
        A connection to the database to copy (the build's in-memory database).
    path
        The new file (must not exist yet).
    alongside
        Run with a second connection to the same database while the tables not in ``last``
        are copied (in a thread: DuckDB works outside Python's lock). Its error is raised.
    last
        Tables copied after ``alongside`` has finished (those it writes to).
    """
    copy = FileCopy(con, path)
    try:
        copy.finish(alongside=alongside, last=last)
    finally:
        copy.close()


class FileCopy:
    """Copy the tables of a database (the build's in-memory one) into a new file, in two steps.

    :meth:`start` copies, in a thread, the rows the given tables hold now (and, called again,
    the rows appended since), while the caller goes on appending to them (DuckDB works outside
    Python's lock, and the copy reads a snapshot); :meth:`finish` copies the rows appended
    since (by row id: the tables are only ever appended to) and every other table, so that the
    file holds each table's rows in their order, as one copy at the end would. The file gets
    its schema from :func:`connect`.

    Parameters
    ----------
    con
        A connection to the database to copy; the copy uses connections of its own to it.
    path
        The new file (must not exist yet).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
        self._path = Path(path)
        connect(self._path).close()
        self._con = con.cursor()
        self._source = self._con.execute("SELECT current_database()").fetchall()[0][0]
        self._tables = [r[0] for r in self._con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name <> 'meta' ORDER BY table_name").fetchall()]
        self._con.execute(f"ATTACH '{_sql_text(self._path)}' AS _copy_target")
        self._attached = True
        self._copied: dict[str, int] = {}  # table -> rows (row ids 0..n-1) already copied
        self._thread: threading.Thread | None = None
        self._errors: list[BaseException] = []

    def start(self, tables: tuple[str, ...]) -> None:
        """Copy, in a thread, the rows ``tables`` hold now that are not copied yet (after the
        copy started before has finished)."""
        self._join()

        def run() -> None:
            try:
                with transaction(self._con):  # one snapshot: the rows committed now
                    for name in tables:
                        done = self._copied.get(name, 0)
                        where = f" WHERE rowid >= {int(done)}" if done else ""
                        self._con.execute(
                            f'INSERT INTO _copy_target.main."{name}" '
                            f'SELECT * FROM "{self._source}".main."{name}"{where}')
                        self._copied[name] = self._con.execute(
                            f'SELECT count(*) FROM "{self._source}".main."{name}"').fetchall()[0][0]
            except BaseException as exc:  # noqa: BLE001 - raised by finish()
                self._errors.append(exc)

        self._thread = threading.Thread(target=run, name="wijkanalyse-kopie")
        self._thread.start()

    def finish(self, *, alongside: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
               last: tuple[str, ...] = ()) -> None:
        """Copy the rest (see :func:`copy_database` for ``alongside`` and ``last``) and
        checkpoint the file."""
        self._join()
        thread = None
        if alongside is not None:
            other = self._con.cursor()

            def run() -> None:
                try:
                    alongside(other)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self._errors.append(exc)
                finally:
                    other.close()

            thread = threading.Thread(target=run, name="wijkanalyse-naast-kopie")
            thread.start()
        try:
            self._copy_rest([t for t in self._tables if t not in last])
        finally:
            if thread is not None:
                thread.join()
        self._raise()
        self._copy_rest([t for t in self._tables if t in last])
        self._con.execute("CHECKPOINT _copy_target")

    def close(self) -> None:
        """Wait for a running copy and detach the file (the caller removes it when it fails)."""
        self._join(raise_error=False)
        if self._attached:
            with suppress(duckdb.Error):
                self._con.execute("DETACH _copy_target")
            self._attached = False
            with suppress(duckdb.Error):
                self._con.close()

    def _copy_rest(self, tables: list[str]) -> None:
        with transaction(self._con):
            for name in tables:
                done = self._copied.get(name, 0)
                where = f" WHERE rowid >= {int(done)}" if done else ""
                self._con.execute(f'INSERT INTO _copy_target.main."{name}" '
                                  f'SELECT * FROM "{self._source}".main."{name}"{where}')

    def _join(self, *, raise_error: bool = True) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if raise_error:
            self._raise()

    def _raise(self) -> None:
        if self._errors:
            raise self._errors[0]


def _sql_text(text: object) -> str:
    return str(text).replace("'", "''")


def _foreign(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has tables but none of ours (someone else's DuckDB file)."""
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}
    return bool(names) and "meta" not in names


@contextmanager
def writing(
    path: str | Path,
    *,
    purpose: str,
    create: bool = False,
    timeout: float | None = None,
    on_wait: WaitCallback | None = print_wait,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one way to write to a database: a connection under the exclusive database lock.

    The lock (:mod:`wijkanalyse.dblock`) is held until the connection is closed (DuckDB has
    then written everything to the file), so a ``data build`` that swaps in a new file waits
    for this write, and copies it over, instead of losing it.

    Parameters
    ----------
    path
        The database file.
    purpose
        What is written, in Dutch (shown to a process that has to wait).
    create
        Create the database when it does not exist (otherwise: an error saying to build it).
    timeout, on_wait
        See :func:`wijkanalyse.dblock.hold`.

    Raises
    ------
    WijkanalyseError
        No database yet, a write-protected database, a file that is no wijkanalyse database,
        or a database that stayed busy (:class:`~wijkanalyse.dblock.DatabaseBusyError`).
    """
    path = Path(path)
    if not create and not path.exists():
        raise WijkanalyseError(missing_database_message(path))
    if path.exists():
        check_writable(path)
    with dblock.hold(path, exclusive=True, purpose=purpose, timeout=timeout, on_wait=on_wait):
        con = connect(path)
        try:
            yield con
        except (duckdb.Error, OSError) as exc:
            known = recognised_error(path, exc)
            if known is None:
                raise
            raise known from exc
        finally:
            with suppress(duckdb.Error):
                con.close()


@contextmanager
def reading(
    path: str | Path,
    *,
    timeout: float | None = None,
    on_wait: WaitCallback | None = print_wait,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection under the shared database lock (many readers at once).

    Raises
    ------
    WijkanalyseError
        No database yet, a file that is no (complete) wijkanalyse database, or a database that
        stayed busy.
    """
    path = Path(path)
    if not path.exists():
        raise WijkanalyseError(missing_database_message(path))
    with dblock.hold(path, exclusive=False, purpose="lezen", timeout=timeout, on_wait=on_wait):
        con = connect(path, read_only=True)
        try:
            if _foreign(con) or not tables_exist(con, ("meta",)):
                raise BadDatabaseError(
                    f"{path} is geen wijkanalyse-database (de tabel 'meta' ontbreekt). "
                    + REBUILD_HINT.format(path=path))
            yield con
        except (duckdb.Error, OSError) as exc:
            known = recognised_error(path, exc)
            if known is None:
                raise
            raise known from exc
        finally:
            with suppress(duckdb.Error):
                con.close()


#: What to do with a database that cannot be read (formatted with ``path``).
REBUILD_HINT = (
    "Herstel: bouw de database opnieuw naar een nieuw pad, bijv. 'wijkanalyse --db "
    "nieuw.duckdb data build --source MAP', en gebruik voortaan dat pad. Bewaar {path} tot u "
    "weet dat u er niets meer uit nodig hebt (eigen gebieden en verhalen stonden erin)."
)


def missing_database_message(path: Path) -> str:
    """The message for a database that does not exist yet."""
    return (f"Er is nog geen database op {path}. Bouw hem eerst met "
            "'wijkanalyse data build --source MAP'.")


def check_writable(path: Path) -> None:
    """Raise a :class:`ReadOnlyDatabaseError` when the database file is write-protected."""
    if write_protected(path):
        raise ReadOnlyDatabaseError(
            f"De database {path} is schrijfbeveiligd (alleen-lezen); wijkanalyse verandert of "
            f"vervangt hem niet. Maak hem schrijfbaar (bijv. 'chmod u+w {path}') of gebruik een "
            "ander pad met --db."
        )


def database_error(path: str | Path, exc: BaseException) -> WijkanalyseError:
    """A DuckDB (or file system) error on the database at ``path`` as an error for people."""
    known = recognised_error(path, exc)
    if known is not None:
        return known
    return WijkanalyseError(f"De database {path} kan niet worden gebruikt: "
                            f"{_first_line(str(exc))}. " + REBUILD_HINT.format(path=path))


def recognised_error(path: str | Path, exc: BaseException) -> WijkanalyseError | None:
    """The error for people when ``exc`` is a known trouble with the database file (locked by
    another program, disk full, not a database, truncated, another DuckDB version); ``None``
    for anything else (a programming error stays what it is)."""
    path = Path(path)
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f"proces {pid.group(1)}" if pid else "een ander programma"
        return dblock.DatabaseBusyError(
            f"De database {path} is in gebruik door {who} (buiten wijkanalyse om geopend, "
            "bijv. in Python of de DuckDB-shell). Sluit die verbinding, of wacht tot dat "
            "programma klaar is, en probeer het opnieuw.")
    if is_disk_full(exc):
        return WijkanalyseError(disk_full_message(path))
    if ("not a valid DuckDB database" in text or "Could not read enough bytes" in text
            or "corrupt" in text.lower() or "checksum" in text.lower()):
        return BadDatabaseError(
            f"{path} is geen leesbare wijkanalyse-database: het bestand is afgebroken, "
            f"beschadigd of iets anders dan een DuckDB-database ({_first_line(text)}). "
            + REBUILD_HINT.format(path=path))
    if "serialization" in text.lower() or "storage version" in text.lower():
        return BadDatabaseError(
            f"{path} is gemaakt met een andere versie van DuckDB ({_first_line(text)}). "
            + REBUILD_HINT.format(path=path))
    if isinstance(exc, duckdb.IOException):
        return BadDatabaseError(
            f"{path} is geen leesbare wijkanalyse-database: lezen of schrijven mislukt "
            f"({_first_line(text)}). " + REBUILD_HINT.format(path=path))
    return None


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error means that the disk (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return "No space left on device" in text or "Disk quota exceeded" in text


def disk_full_message(path: str | Path) -> str:
    """The message for a full disk while writing ``path``."""
    return (f"De schijf is vol: {path} kan niet worden geschreven. Er is niets half "
            f"achtergebleven. Maak ruimte vrij op de schijf van {Path(path).parent} (of kies "
            "een andere plek) en probeer het opnieuw.")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and views that do not exist yet."""
    con.execute(SCHEMA)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def tables_exist(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> bool:
    """Whether all tables ``names`` exist in the main schema of the current database."""
    found = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND list_contains(?, table_name)", [list(names)]
    ).fetchall()}
    return found == set(names)


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database was opened read-only."""
    row = con.execute("SELECT readonly FROM duckdb_databases() "
                      "WHERE database_name = current_database()").fetchone()
    return bool(row is not None and row[0])


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def next_version(con: duckdb.DuckDBPyConnection, history: str, key_column: str,
                 key: object) -> int:
    """The next version number of a versioned record: 1 + the highest in its history table.

    Versioned records (stories, interventions, applied approaches) keep their current row in
    one table and every version ever written in ``history`` (key, version, changed_at,
    changed_by, action, [extra columns], snapshot JSON); :func:`append_version` writes one.
    """
    if not (_IDENTIFIER.match(history) and _IDENTIFIER.match(key_column)):
        raise ValueError(f"not a table or column name: {history!r}, {key_column!r}")
    row = con.execute(f"SELECT coalesce(max(version), 0) + 1 FROM {history} "
                      f"WHERE {key_column} = ?", [key]).fetchone()
    return int(row[0]) if row is not None else 1


def append_version(con: duckdb.DuckDBPyConnection, history: str, key_column: str, key: object,
                   record: Mapping[str, Any], *, action: str, changed_by: str, changed_at: str,
                   extra: Sequence[Any] = (), version: int | None = None) -> int:
    """Append one version of a record to its history table.

    Parameters
    ----------
    con
        A writable connection.
    history, key_column, key
        The history table, its key column and the record's key.
    record
        The full record; stored as JSON (sorted keys, UTF-8 text) in the last column.
    action
        ``"add"``, ``"update"``, ``"remove"`` (or the module's own actions).
    changed_by, changed_at
        Who and when (ISO timestamp).
    extra
        Values of the table's columns between ``action`` and the snapshot (e.g. origin, note).
    version
        The version number; default :func:`next_version`.

    Returns
    -------
    int
        The version written.
    """
    if version is None:
        version = next_version(con, history, key_column, key)
    values = [key, version, changed_at, changed_by, action, *extra,
              json.dumps(dict(record), ensure_ascii=False, sort_keys=True)]
    con.execute(f"INSERT INTO {history} VALUES ({', '.join('?' for _ in values)})", values)
    return version


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def write_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Replace the ``indicators`` table with the catalogue."""
    rows = [
        (i.id, i.label, i.unit, i.domain, i.kind, i.aggregation, i.base, i.better,
         i.description, i.valid_from, i.valid_to, i.replaces, i.replaced_by,
         json.dumps(list(i.definition_changes), ensure_ascii=False))
        for i in catalogue
    ]
    con.execute("DELETE FROM indicators")
    frame = pd.DataFrame(rows, columns=[
        "id", "label", "unit", "domain", "kind", "aggregation", "base", "better", "description",
        "valid_from", "valid_to", "replaces", "replaced_by", "definition_changes"], dtype=object)
    con.register("_indicators", frame)
    try:
        # one statement (executemany costs a round trip per row: most of a small build)
        con.execute("INSERT INTO indicators SELECT id, label, unit, domain, kind, aggregation, "
                    "base, better, description, CAST(valid_from AS INTEGER), "
                    "CAST(valid_to AS INTEGER), replaces, replaced_by, definition_changes "
                    "FROM _indicators")
    finally:
        con.unregister("_indicators")


def write_source_table(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    *,
    match_methods: pd.Series | None = None,
) -> None:
    """Write one resolved source table (all codes known) inside the caller's transaction.

    Regions whose ``code`` is still missing (unmatched names) are skipped together with their
    values; the reader or resolver records them in ``table.issues``.
    """
    src = table.source
    sid = src.source_id
    regions = table.regions
    has_code = regions["code"].notna().to_numpy()
    if match_methods is None:
        methods = np.full(len(regions), "code", dtype=object)
    else:  # aligned on the index, as a column assignment would
        methods = match_methods.reindex(regions.index).to_numpy(dtype=object)
    if not has_code.all():
        regions = regions[has_code]
        methods = methods[has_code]
    codes = regions["code"].to_numpy(dtype=object)
    region_keys = pd.Index(regions["region_key"].to_numpy())

    values = table.values
    pos = region_keys.get_indexer(values["region_key"].to_numpy())
    if (pos < 0).any():  # values of regions without a code (unmatched names)
        values = values[pos >= 0]
        pos = pos[pos >= 0]
    obs = pd.DataFrame({
        "indicator_id": values["indicator_id"].array,
        "year": values["year"].to_numpy(dtype="int64"),
        "code": codes[pos],
        "value": values["value"].to_numpy(dtype="float64"),
        "missing_reason": values["missing_reason"].array,
        "source_column": values["source_column"].array,
    })
    reg = pd.DataFrame({
        "year": regions["year"].array,
        "code": codes,
        "level": regions["level"].array,
        "name": regions["name"].array,
        "gemeente_code": np.array([gemeente_code_of(c) for c in codes], dtype=object),
        "wijk_code": np.array([wijk_code_of(c) for c in codes], dtype=object),
        "gemeente_name": regions["gemeente_name"].array,
        "match_method": methods,
    })
    first = ~reg.duplicated(["year", "code"]).to_numpy()
    if not first.all():
        reg = reg[first]
    con.execute(
        "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [sid, src.path.name, str(src.path), src.sha256, src.kind, src.layout, src.table_id,
         src.year, src.label, LAYOUT_PRIORITY.get(src.layout, 60), len(regions), len(obs)],
    )
    _insert(con, "region_sources", reg,
            "year, code, level, name, gemeente_code, wijk_code, gemeente_name, ?, "
            "match_method", sid)
    _insert(con, "observations", obs,
            "indicator_id, year, code, value, missing_reason, ?, source_column", sid)
    if table.geometries is not None and len(table.geometries):
        geo = table.geometries.merge(pd.DataFrame({
            "region_key": regions["region_key"].array, "code": codes,
            "year": regions["year"].array, "level": regions["level"].array,
            "name": regions["name"].array,
            "match_method": methods}), on="region_key")
        _insert(con, "geometries", geo,
                "code, year, level, name, ?, source_crs, match_method, geojson, "
                "centroid_lon, centroid_lat, area_m2", sid)
    write_issues(con, sid, table.issues)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, select: str,
            *params: object) -> None:
    """``INSERT INTO table SELECT <select> FROM frame`` (``?`` in ``select`` take ``params``)."""
    con.register("_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _rows", list(params))
    finally:
        con.unregister("_rows")


def write_documents(con: duckdb.DuckDBPyConnection, documents: list[Any]) -> None:
    """Record the documentation files found next to the data (``readers.Document``)."""
    if documents:
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?)",
            [(d.rel_path, str(d.path), d.kind, d.description, d.title, d.size_bytes)
             for d in documents],
        )


def write_issues(con: duckdb.DuckDBPyConnection, source_id: str, issues: list[Any]) -> None:
    """Append load issues of one source (in their order, in one statement)."""
    if not issues:
        return
    frame = pd.DataFrame({
        "kind": pd.Series([i.kind for i in issues], dtype=object),
        "detail": pd.Series([i.detail for i in issues], dtype=object),
        "column_name": pd.Series([None if i.column is None else str(i.column) for i in issues],
                                 dtype=object),
        "line": pd.Series([i.line for i in issues], dtype="Int64"),
    })
    con.register("_issues", frame)
    try:
        con.execute("INSERT INTO load_issues SELECT ?, kind, detail, column_name, "
                    "CAST(line AS INTEGER) FROM _issues", [source_id])
    finally:
        con.unregister("_issues")


#: Layouts that give a whole time series on one (the latest) division: their codes appear
#: under every year although they only exist in the latest (Leefbaarometer 2002-2024 on the
#: 2024 wijken). Name resolution uses them only for that latest year.
SERIES_ON_LATEST_DIVISION = ("lbm_wijk_csv",)


def reference_regions(con: duckdb.DuckDBPyConnection, *,
                      for_resolution: bool = False) -> pd.DataFrame:
    """All coded regions with every name any source used, for resolving name-only sources.

    With ``for_resolution=True`` (the build) the regions that layouts of
    :data:`SERIES_ON_LATEST_DIVISION` list under earlier years are left out: a name of 2015 must
    not be matched to a code of the 2024 division because a boundary-consistent series reports
    that code for 2014 and 2016.
    """
    where = ""
    if for_resolution:
        layouts = ", ".join(f"'{x}'" for x in SERIES_ON_LATEST_DIVISION)
        where = f"""WHERE NOT (r.source_id IN (SELECT source_id FROM sources
                                               WHERE layout IN ({layouts}))
                              AND r.year < (SELECT max(r2.year) FROM region_sources r2
                                            WHERE r2.source_id = r.source_id))"""
    return con.execute(
        f"""SELECT DISTINCT r.year, r.code, r.level, r.name, r.gemeente_code,
                  g.name AS gemeente_name
           FROM region_sources r
           LEFT JOIN (SELECT code, arg_max(name, year) AS name FROM region_sources
                      WHERE level = 'gemeente' GROUP BY code) g ON g.code = r.gemeente_code
           {where}
           ORDER BY r.code, r.year, r.name"""
    ).df()
