"""The content store: what people make, in a relational database apart from the analytical
DuckDB file.

Accounts (Argon2 hashes, roles, gemeenten per deelnemer), login sessions (only a hash of the
token), stories and approaches, applied interventions and kennisdossier versions, each change
with who and when. SQLAlchemy 2 models (:mod:`~wijkanalyse.content.models`), Alembic
migrations shipped in ``content/migrations`` (:func:`open_content` upgrades to the newest
schema; re-running is safe). Embedded default: a SQLite file (WAL) next to the DuckDB file,
``<db>.content.sqlite``, which ``data build`` never touches; a shared server:
``WIJKANALYSE_CONTENT_URL=postgresql://...`` (docs/postgresql.md).

Modules: ``engine`` (URL, engine, migrations), ``models``, ``accounts`` (roles, ``User``,
hashing, checks), ``records`` (versioned records), ``store`` (``ContentStore``), ``legacy``
(copying the user tables of an older DuckDB database in), ``transfer`` (copying a whole
content store to another database, e.g. SQLite to PostgreSQL), ``programmes`` (knowledge
programmes: a document and a version per programme, a row per save, locking and stale-save
refusal).

May import only the kernel.
"""

from __future__ import annotations

from pathlib import Path

from wijkanalyse.content.accounts import AccountError, Role, User
from wijkanalyse.content.engine import (
    SQLITE_SUFFIX,
    URL_ENV,
    ContentStoreError,
    content_path,
    current_revision,
    head_revision,
    make_engine,
    migrated_engine,
    resolve_url,
    upgrade,
)
from wijkanalyse.content.programmes import (
    ProgrammeDocument,
    ProgrammeTables,
    StaleProgrammeError,
)
from wijkanalyse.content.records import (
    APPLIED_COLUMNS,
    STORY_COLUMNS,
    DuplicateRecordError,
)
from wijkanalyse.content.store import SESSION_LIFETIME_S, ContentStore
from wijkanalyse.content.transfer import CopyReport, copy_store


def open_content(url: str | None = None, *, db_path: Path | None = None) -> ContentStore:
    """Open the content store and migrate it to the newest schema.

    Parameters
    ----------
    url
        A SQLAlchemy URL (``sqlite:///pad``, ``postgresql://...``); default the environment
        variable ``WIJKANALYSE_CONTENT_URL``, else the SQLite file ``<db_path>.content.sqlite``.
    db_path
        The DuckDB file the content belongs to (for the default place).

    Raises
    ------
    ContentStoreError
        No place known, a bad URL, or the database cannot be reached or migrated.
    """
    resolved = resolve_url(url, db_path=db_path)
    return ContentStore(migrated_engine(resolved), url=resolved)


def open_content_if_present(*, db_path: Path) -> ContentStore | None:
    """The content store when there is one (``WIJKANALYSE_CONTENT_URL`` set, or the SQLite file
    next to ``db_path`` exists), else ``None``: for commands that only read and should not
    make a file."""
    import os

    if os.environ.get(URL_ENV) or content_path(db_path).exists():
        return open_content(db_path=db_path)
    return None


__all__ = [
    "APPLIED_COLUMNS",
    "SESSION_LIFETIME_S",
    "SQLITE_SUFFIX",
    "STORY_COLUMNS",
    "URL_ENV",
    "AccountError",
    "ContentStore",
    "ContentStoreError",
    "CopyReport",
    "DuplicateRecordError",
    "ProgrammeDocument",
    "ProgrammeTables",
    "StaleProgrammeError",
    "Role",
    "User",
    "content_path",
    "copy_store",
    "current_revision",
    "head_revision",
    "make_engine",
    "migrated_engine",
    "open_content",
    "open_content_if_present",
    "resolve_url",
    "upgrade",
]
