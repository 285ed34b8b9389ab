"""One typed settings object, resolved once by the CLI and passed in everywhere.

Resolution order for the database path: ``--db PATH`` option, else the ``WIJKANALYSE_DB``
environment variable, else a per-user default (``platformdirs.user_data_dir``).
The default source directory: ``--source DIR``, else ``WIJKANALYSE_SOURCE``, else
``../shared/data`` relative to the working directory when it exists, else ``<data dir>/bronnen``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "wijkanalyse"
ENV_DB = "WIJKANALYSE_DB"
ENV_SOURCE = "WIJKANALYSE_SOURCE"
ENV_CACHE = "WIJKANALYSE_CACHE"


@dataclass(frozen=True)
class Settings:
    """Where wijkanalyse keeps its things.

    Attributes
    ----------
    db_path
        The DuckDB database file.
    source_dir
        Directory with source files for ``data build``.
    cache_dir
        Directory for downloads (CBS OData, Leefbaarometer); ``data build`` also reads the
        finished downloads in ``cache_dir / "bronnen"``.
    """

    db_path: Path
    source_dir: Path
    cache_dir: Path

    @property
    def download_dir(self) -> Path:
        """Finished downloads, in a layout ``data build`` reads."""
        return self.cache_dir / "bronnen"


def default_data_dir() -> Path:
    """Per-user data directory."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_settings(
    *,
    db: str | Path | None = None,
    source: str | Path | None = None,
    cache: str | Path | None = None,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings from explicit options, the environment and defaults.

    Parameters
    ----------
    db, source, cache
        Explicit values (from CLI options); ``None`` means "not given".
    environ
        Environment to read (default ``os.environ``).
    cwd
        Working directory for the ``../shared/data`` default (default ``Path.cwd()``).
    """
    env = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    data_dir = default_data_dir()
    if db is not None:
        db_path = Path(db)
    elif env.get(ENV_DB):
        db_path = Path(env[ENV_DB])
    else:
        db_path = data_dir / "wijkanalyse.duckdb"
    if source is not None:
        source_dir = Path(source)
    elif env.get(ENV_SOURCE):
        source_dir = Path(env[ENV_SOURCE])
    elif (cwd.parent / "shared" / "data").is_dir():
        source_dir = cwd.parent / "shared" / "data"
    else:
        source_dir = data_dir / "bronnen"
    if cache is not None:
        cache_dir = Path(cache)
    elif env.get(ENV_CACHE):
        cache_dir = Path(env[ENV_CACHE])
    else:
        cache_dir = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return Settings(
        db_path=db_path.expanduser(),
        source_dir=source_dir.expanduser(),
        cache_dir=cache_dir.expanduser(),
    )
