"""The profiel, verhaal and aanpak commands in-process, on the database built from real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkanalyse.cli.main import app

runner = CliRunner()


@pytest.fixture()
def db(built_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copy(built_db, target)
    return target


def test_profiel_json_for_a_programme_neighbourhood(built_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(built_db), "profiel", "Wijk 43 Angelslo",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    prof = json.loads(result.stdout)
    assert prof["subject"]["id"] == "WK011443" and prof["subject"]["gemeente_name"] == "Emmen"
    a_inw = next(k for k in prof["key_figures"] if k["indicator_id"] == "a_inw")
    assert a_inw["area"]["value"] == 7695
    assert a_inw["area"]["source"] == "CBS, Kerncijfers Wijken en Buurten 2024"
    lbm = next(s for s in prof["leefbaarometer"] if s["indicator_id"] == "lbm")
    assert [p["year"] for p in lbm["points"]] == [2002, 2008, 2012, 2014, 2016, 2018, 2020,
                                                   2022, 2024]
    assert len(prof["peers"]["peers"]) == 10


def test_profiel_ambiguous_name_lists_candidates(built_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(built_db), "profiel", "Vogelwijk"])
    assert result.exit_code == 1
    for gemeente in ("'s-Gravenhage", "Lisse", "Leeuwarden", "Leiden", "Westland", "Zeist"):
        assert gemeente in result.output
    assert "--gemeente" in result.output


def test_profiel_name_unique_in_a_shipped_set_says_which(built_db: Path) -> None:
    # Meerwijk is a wijk in Haarlem (programme 2016) and in Uithoorn, and a buurt in
    # Bloemendaal and Uithoorn: the programme's wijk is taken, and the others are named
    result = runner.invoke(app, ["--db", str(built_db), "profiel", "Meerwijk",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    prof = json.loads(result.stdout)
    assert (prof["subject"]["id"], prof["subject"]["gemeente_name"]) == ("WK039221", "Haarlem")
    assert [c["code"] for c in prof["subject"]["alternatives"]] == [
        "WK045165", "BU03770404", "BU04518500"]
    said = " ".join(result.stderr.split())
    assert ("'Meerwijk' is opgevat als wijk Meerwijk in Haarlem (WK039221): het gebied met die "
            "naam in de meegeleverde set programma-2016 (Programmawijken 2016).") in said
    for line in ("WK045165: Meerwijk (wijk in Uithoorn)",
                 "BU03770404: Meerwijk (buurt in Bloemendaal)",
                 "BU04518500: Meerwijk (buurt in Uithoorn)", "--gemeente Uithoorn"):
        assert line in said
    assert prof["subject"]["resolution"].startswith("'Meerwijk' is opgevat als wijk Meerwijk")


def test_profiel_typo_gets_suggestion(built_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(built_db), "profiel", "Angelsloo"])
    assert result.exit_code == 1
    assert "Angelslo" in result.output


def test_profiel_writes_html_and_pdf(built_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporten"
    result = runner.invoke(app, ["--db", str(built_db), "profiel", "Jol/Galjoen",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "Jol/Galjoen" in html and "Bron: CBS, Kerncijfers Wijken en Buurten 2024" in html
    assert next(out.glob("*.pdf")).read_bytes().startswith(b"%PDF")


def test_story_lifecycle_survives_rebuild(rebuilt_db: dict, tmp_path: Path) -> None:
    """Added through the CLI, then a full rebuild from ../shared/data (the session fixture
    rebuilt_db, shared with the area and build-twice tests)."""
    added = rebuilt_db["story_added"]
    assert added.exit_code == 0, added.output
    assert "WK011443" in added.output
    assert "Gesprek met de wijkagent" in rebuilt_db["story_listed"].stdout
    # a rebuild keeps the story: it is in the content store next to the database, a file
    # the rebuild does not touch (nothing of it is carried over in the DuckDB file)
    rebuilt = rebuilt_db["rebuilt"]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rijen in stories" not in rebuilt.output
    db = tmp_path / "w.duckdb"
    shutil.copy(rebuilt_db["path"], db)
    shutil.copy(f"{rebuilt_db['path']}.content.sqlite", f"{db}.content.sqlite")
    prof = json.loads(runner.invoke(app, ["--db", str(db), "profiel", "WK011443", "--format",
                                          "json"]).stdout)
    assert [s["title"] for s in prof["stories"]] == ["Gesprek met de wijkagent"]
    assert "<script>" not in prof["stories"][0]["body_html"]
    story_id = prof["stories"][0]["story_id"]
    removed = runner.invoke(app, ["--db", str(db), "verhaal", "remove", str(story_id),
                                  "--door", "tester"])
    assert removed.exit_code == 0, removed.output
    history = runner.invoke(app, ["--db", str(db), "verhaal", "show", str(story_id),
                                  "--geschiedenis"])
    assert history.exit_code == 0, history.output
    assert "remove" in history.stdout and "add" in history.stdout
