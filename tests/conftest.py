"""Shared fixtures: the real data in ../shared/data and one database built from it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


@pytest.fixture(scope="session")
def ref2024(shared_data: Path) -> pd.DataFrame:
    """Reference regions (as store.reference_regions gives them) from the real KWB 2024 CSV."""
    from wijkanalyse.codes import gemeente_code_of, level_from_soort, normalise_code

    df = pd.read_csv(shared_data / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv", sep=";",
                     encoding="utf-8-sig", dtype=str)
    code = df["Regioaanduiding/Codering (code)"].map(normalise_code)
    return pd.DataFrame({
        "year": 2024,
        "code": code,
        "level": df["Regioaanduiding/Soort regio (omschrijving)"].map(level_from_soort),
        "name": df["Wijken en buurten"].str.strip(),
        "gemeente_code": code.map(gemeente_code_of),
        "gemeente_name": df["Regioaanduiding/Gemeentenaam (naam)"].str.strip(),
    })
