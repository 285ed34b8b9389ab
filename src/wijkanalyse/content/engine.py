"""Where the content store is and how it is opened: the URL (argument, then
``WIJKANALYSE_CONTENT_URL``, then a SQLite file next to the DuckDB file), the engine (SQLite
in WAL mode with foreign keys and a busy timeout; PostgreSQL through psycopg 3) and the
Alembic upgrade to the latest schema."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from wijkanalyse.errors import WijkanalyseError

#: The environment variable with the URL of a shared content database.
URL_ENV = "WIJKANALYSE_CONTENT_URL"

#: Suffix of the embedded content file next to the DuckDB file (``w.duckdb.content.sqlite``).
SQLITE_SUFFIX = ".content.sqlite"

#: Milliseconds SQLite waits for another writer before giving up.
BUSY_TIMEOUT_MS = 30_000

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class ContentStoreError(WijkanalyseError):
    """The content store cannot be opened or used (message in Dutch, says what to do)."""


def content_path(db_path: Path) -> Path:
    """The embedded content file that belongs to a DuckDB file: ``<db>.content.sqlite``."""
    return Path(db_path).with_name(Path(db_path).name + SQLITE_SUFFIX)


def resolve_url(url: str | None = None, *, db_path: Path | None = None) -> str:
    """The SQLAlchemy URL of the content store.

    ``url`` when given, else ``WIJKANALYSE_CONTENT_URL``, else the SQLite file next to
    ``db_path``. ``postgresql://`` URLs get the psycopg 3 driver.

    Raises
    ------
    ContentStoreError
        When neither a URL nor a database path is known, or the URL is not understood.
    """
    text = url or os.environ.get(URL_ENV) or None
    if text is None:
        if db_path is None:
            raise ContentStoreError(
                f"waar staat de inhoud (verhalen, accounts)? Geef {URL_ENV}=postgresql://... of "
                "een database met --db; de inhoud staat dan naast dat bestand.")
        return f"sqlite:///{content_path(db_path)}"
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    try:
        make_url(text)
    except ArgumentError as exc:
        raise ContentStoreError(
            f"{URL_ENV} {text!r} is geen database-URL; gebruik bijvoorbeeld "
            "postgresql://gebruiker@server/wijkanalyse of sqlite:///pad/naar/inhoud.sqlite."
        ) from exc
    return text


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise ContentStoreError(
                    f"de map {folder} voor het inhoudsbestand bestaat niet; maak hem aan of "
                    f"geef een andere plek met {URL_ENV}.")
        engine = create_engine(url, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config() -> Config:
    """The Alembic configuration of the shipped migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with the package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


#: Key of the PostgreSQL advisory lock held while migrating (two app processes starting at once).
MIGRATION_LOCK = 150_000


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema (does nothing when it is already there).

    Processes starting at the same time migrate one after the other and the later ones find
    the schema up to date: on PostgreSQL the migration holds an advisory lock, on SQLite it
    runs in one ``BEGIN IMMEDIATE`` transaction (the file's write lock; DDL is transactional
    there too).
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DBAPIError:
        if current_revision(engine) != head:
            raise


def migrated_engine(url: str, *, what: str = "inhoudsdatabase",
                    hint: str = f"Controleer {URL_ENV} of de map.") -> Engine:
    """An engine for ``url`` with the schema upgraded to the newest revision.

    Raises
    ------
    ContentStoreError
        The database cannot be reached or written (the message names it as ``what`` and ends
        with ``hint``).
    """
    from sqlalchemy.exc import OperationalError

    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise ContentStoreError(
            f"de {what} {engine.url.render_as_string(hide_password=True)} is niet "
            f"bereikbaar of niet te schrijven ({exc.orig}). {hint}") from exc
    return engine


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
