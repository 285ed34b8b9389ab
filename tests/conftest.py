"""Shared fixtures: the real data in ../shared/data and one database built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data files (never copied into the repository)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} ontbreekt: de tests hebben de echte bronbestanden nodig.")
    return SHARED_DATA


@pytest.fixture(scope="session")
def built_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once from all of ../shared/data (read-only use in tests)."""
    from wijkanalyse.build import build_database
    from wijkanalyse.settings import resolve_settings

    db = tmp_path_factory.mktemp("db") / "wijkanalyse.duckdb"
    settings = resolve_settings(db=db, source=shared_data, cache=db.parent / "cache")
    build_database(settings)
    return db
