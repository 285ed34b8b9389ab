"""Shared fixtures: the real data in ../shared/data and one database built from it.

Hypothesis profiles: ``ci`` (the default; property tests that leave the number of examples to
the profile run 50) and ``grondig`` (500 each), chosen with ``HYPOTHESIS_PROFILE=grondig``.
Tests that set ``max_examples`` themselves keep their number in both.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("grondig", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
    from wijkanalyse.settings import resolve_settings
    from wijkanalyse.sources.build import build_database

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


#: The buurten of the programme area Jol/Galjoen (Lelystad), used as a user area.
JOL_GALJOEN_BUURTEN = ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]


@pytest.fixture(scope="session")
def rebuilt_db(built_db: Path, shared_data: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of ``built_db`` to which the CLI added a user area (Jol/Galjoen) and a story
    (GENERATED text), then rebuilt from all of ../shared/data with ``data build``.

    One full rebuild shared by the tests of carry-over (areas, stories) and of a second build
    giving the same tables. Tests that change the database copy ``path`` first. Returns a dict
    with ``path`` and the CLI results ``area_added``, ``story_added``, ``story_listed`` and
    ``rebuilt``.
    """
    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app

    runner = CliRunner()
    folder = tmp_path_factory.mktemp("herbouw")
    db = folder / "w.duckdb"
    db.write_bytes(built_db.read_bytes())
    args = ["--db", str(db), "gebied", "add", "Jol/Galjoen"]
    for code in JOL_GALJOEN_BUURTEN:
        args += ["--code", code]
    out = {"path": db, "area_added": runner.invoke(app, args)}
    md = folder / "verhaal.md"  # generated test story
    md.write_text("---\ntitel: Gesprek met de wijkagent\nauteur: A. de Vries\n"
                  "datum: 2024-05-01\ngebied: WK011443\n---\nHet is <script>x</script> rustiger "
                  "geworden.\n", encoding="utf-8")
    out["story_added"] = runner.invoke(app, ["--db", str(db), "verhaal", "add", str(md)])
    out["story_listed"] = runner.invoke(app, ["--db", str(db), "verhaal", "list", "--gebied",
                                              "WK011443"])
    out["rebuilt"] = runner.invoke(app, ["--db", str(db), "data", "build", "--source",
                                         str(shared_data)], env={"COLUMNS": "200"})
    return out
