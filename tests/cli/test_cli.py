"""The CLI in-process (typer's CliRunner) against real data: build, status, areas, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkanalyse.cli.main import app

runner = CliRunner()
JOL_GALJOEN = ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]


@pytest.fixture()
def db(built_db: Path, tmp_path: Path) -> Path:
    """A private copy of the database built from ../shared/data."""
    target = tmp_path / "w.duckdb"
    shutil.copy(built_db, target)
    return target


def run(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_build_and_status_json(tmp_path: Path, shared_data: Path) -> None:
    src = tmp_path / "bronnen"
    src.mkdir()
    for rel in ("leefbaarometer/lbm3_scores_wijken_2002_2024_selection.csv",
                "kwb/kwb_2024_nl_all_levels_pop_sex_age.csv"):
        shutil.copy(shared_data / rel, src / Path(rel).name)
    db = tmp_path / "w.duckdb"
    result = run("--db", str(db), "data", "build", "--source", str(src))
    assert result.exit_code == 0, result.output
    assert "Database gebouwd" in result.output and "2 brontabellen" in result.output
    result = run("--db", str(db), "data", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert {s["source_id"] for s in status["sources"]} == {
        "lbm3_scores_wijken_2002_2024_selection.csv", "kwb_2024_nl_all_levels_pop_sex_age.csv"}
    cov = [c for c in status["coverage"] if c["indicator_id"] == "a_inw" and c["level"] == "buurt"]
    assert cov[0]["n_regions"] == 14574
    # the text form names the sections a user looks for
    text = run("--db", str(db), "data", "status").stdout
    assert "Bronnen" in text and "Regio's per jaar en niveau" in text


def test_environment_variable_selects_database(db: Path, monkeypatch) -> None:
    monkeypatch.setenv("WIJKANALYSE_DB", str(db))
    result = run("data", "status", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["sources"]) >= 25


def test_status_without_database_explains(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "nee.duckdb"), "data", "status")
    assert result.exit_code == 1
    assert "data build" in result.output


def test_indicator_catalogue_listing() -> None:
    result = run("data", "indicatoren", "--format", "json")
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["a_inw"]["kind"] == "count"
    assert rows["p_wcorpw"]["base"] == "a_woning"
    assert rows["p_hh_li"]["better"] == "lower"
    # how a figure is written (issue 13): as CBS publishes it, deviations with their sign
    assert (rows["p_wcorpw"]["decimals"], rows["p_hh_li"]["decimals"]) == (0, 1)
    assert rows["lbm_afw"]["signed"] is True and rows["lbm"]["signed"] is False


def test_area_lifecycle_and_rebuild_keeps_it(rebuilt_db: dict, tmp_path: Path) -> None:
    """Added through the CLI, then a full rebuild from ../shared/data (the session fixture
    rebuilt_db, shared with the story and build-twice tests)."""
    result = rebuilt_db["area_added"]
    assert result.exit_code == 0, result.output
    assert "jol-galjoen" in result.output and "GM0995" in result.output
    # a rebuild carries user areas over
    rebuilt = rebuilt_db["rebuilt"]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Overgenomen uit de vorige database: 1 rijen in areas" in rebuilt.output
    db = tmp_path / "w.duckdb"
    shutil.copy(rebuilt_db["path"], db)
    shown = run("--db", str(db), "gebied", "show", "jol-galjoen", "--jaar", "2024",
                "--indicator", "a_inw", "--format", "json")
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    assert rows[0]["value"] == 2285 + 1055 + 0 + 835  # counts of the 4 buurten, summed
    assert rows[0]["complete"] is True
    listed = run("--db", str(db), "gebied", "list")
    assert "Jol/Galjoen" in listed.stdout
    assert run("--db", str(db), "gebied", "remove", "jol-galjoen").exit_code == 0
    assert "Nog geen eigen gebieden" in run("--db", str(db), "gebied", "list").stdout


def test_area_with_unknown_code_is_refused(db: Path) -> None:
    result = run("--db", str(db), "gebied", "add", "Fout", "--code", "BU09959999")
    assert result.exit_code == 1
    assert "BU09959999" in result.output


def test_area_across_gemeenten_needs_the_option(db: Path) -> None:
    args = ["--db", str(db), "gebied", "add", "Parkstad-test", "--code", "WK091710",
            "--code", "WK092801"]
    refused = run(*args)
    assert refused.exit_code == 1
    allowed = run(*args, "--meerdere-gemeenten")
    assert allowed.exit_code == 0, allowed.output
    assert "GM0917" in allowed.output and "GM0928" in allowed.output
