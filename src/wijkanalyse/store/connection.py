"""Connections: opening and creating databases, the locked ``writing``/``reading``
connections, transactions and copying a database into a file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from wijkanalyse import dblock
from wijkanalyse.dblock import WaitCallback, print_wait
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.store.failures import (
    REBUILD_HINT,
    BadDatabaseError,
    check_writable,
    database_error,
    missing_database_message,
    recognised_error,
)
from wijkanalyse.store.schema import init_schema, tables_exist


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
        with _closing(path, connect(path)) as con:
            yield con


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
        with _closing(path, connect(path, read_only=True)) as con:
            if _foreign(con) or not tables_exist(con, ("meta",)):
                raise BadDatabaseError(
                    f"{path} is geen wijkanalyse-database (de tabel 'meta' ontbreekt). "
                    + REBUILD_HINT.format(path=path))
            yield con


@contextmanager
def _closing(
    path: Path, con: duckdb.DuckDBPyConnection,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield ``con``, closing it afterwards; a DuckDB or OS error the package recognises
    (:func:`recognised_error`) is raised as its Dutch :class:`WijkanalyseError`."""
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
