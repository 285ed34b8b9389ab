"""`wijkanalyse programma` end to end: the 2016 programme entered through the CLI (without a
database), the generated 40 selected to 15, fees exported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from wijkanalyse.cli.main import app
from wijkanalyse.programma import import_registrations, read_definition

from .conftest import DATA, programme_store

runner = CliRunner()


def _run(tmp: Path, *args: str) -> str:
    result = runner.invoke(app, ["--db", str(tmp / "geen.duckdb"), "programma", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_2016_end_to_end(tmp_path: Path) -> None:
    out = _run(tmp_path, "nieuw", str(DATA / "programma-2016.yaml"))
    assert "aanmelden tot 14-10-2016" in out and "29-11-2016" in out
    out = _run(tmp_path, "aanmelding", "import", str(DATA / "aanmeldingen-2016.csv"),
               "--programma", "programma-2016", "--zonder-database")
    assert "12 aanmeldingen aangenomen, 0 afgewezen" in out
    data = json.loads(_run(tmp_path, "aanmeldingen", "-p", "programma-2016", "--format",
                           "json"))
    assert len(data["aanmeldingen"]) == 12
    assert data["aanmeldingen"][11]["wijk_codes"] == ["WK092800"]
    out = _run(tmp_path, "selectie", "-p", "programma-2016")
    assert "geen selectie nodig" in out
    fees = json.loads(_run(tmp_path, "facturen", "-p", "programma-2016", "--betaald", "p02",
                           "--op", "2016-12-01", "--out", str(tmp_path / "f.xlsx"),
                           "--format", "json"))
    assert sum(f["bedrag"] for f in fees) == 39000
    assert [f["id"] for f in fees if f["betaald"] == "ja"] == ["p02"]
    assert load_workbook(tmp_path / "f.xlsx").worksheets[0].max_row == 14
    listing = json.loads(_run(tmp_path, "lijst", "--format", "json"))
    assert listing == [{"slug": "programma-2016", "naam":
                        "Nieuwe perspectieven voor stedelijke vernieuwing", "aanmeldingen": 12,
                        "afgewezen": 0, "geselecteerd": True, "bijeenkomsten": 0}]
    with programme_store(tmp_path / "geen.duckdb") as store:
        saved = store.load("programma-2016")
        versions = store.tables.versions("programma-2016")
    assert saved.version == 4 and [v["version"] for v in versions] == [1, 2, 3, 4]
    assert versions[-1]["document"]["paid"] == {"p02": "2016-12-01"}
    assert [h["what"].split(":")[0] for h in saved.history] == [
        "programma aangemaakt uit programma-2016.yaml",
        "12 aanmeldingen en 0 afgewezen rijen uit aanmeldingen-2016.csv", "selectie",
        "betaling p02 op 2016-12-01"]


def test_second_import_is_rejected_as_duplicate_and_kept(tmp_path: Path) -> None:
    _run(tmp_path, "nieuw", str(DATA / "programma-2016.yaml"))
    args = ("aanmelding", "import", str(DATA / "aanmeldingen-2016.csv"), "-p",
            "programma-2016", "--zonder-database")
    _run(tmp_path, *args)
    out = _run(tmp_path, *args)
    assert "0 aanmeldingen aangenomen, 12 afgewezen" in out
    data = json.loads(_run(tmp_path, "aanmeldingen", "-p", "programma-2016", "--afgewezen",
                           "--format", "json"))
    assert len(data["aanmeldingen"]) == 12 and len(data["afgewezen"]) == 12
    assert data["afgewezen"][0]["reason"].startswith(
        "aanmeldingen-2016.csv, rij 2, kolom 'gemeente': Groningen heeft zich al aangemeld")


def test_generated_40_selected_to_15(tmp_path: Path) -> None:
    _run(tmp_path, "nieuw", str(DATA / "programma-2016.yaml"))
    _run(tmp_path, "aanmelding", "import", str(DATA / "aanmeldingen-gegenereerd-40.csv"),
         "-p", "programma-2016", "--zonder-database")
    data = json.loads(_run(tmp_path, "selectie", "-p", "programma-2016", "--format", "json"))
    assert data["needed"] and len(data["selected"]) == 15 and len(data["decisions"]) == 40
    text = _run(tmp_path, "selectie", "-p", "programma-2016")
    assert "Spreiding voor en na" in text and "Beste ruil" in text


def test_unknown_programme_is_a_dutch_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "w.duckdb"), "programma",
                                 "aanmeldingen", "-p", "bestaat-niet"])
    assert result.exit_code == 1
    assert "Programma 'bestaat-niet' bestaat niet" in result.output


def test_outcome_and_attendance_through_the_cli(tmp_path: Path) -> None:
    """Meetings planned with the library (hand-given centroids), then recorded via the CLI;
    kennisdossier ids checked against the shipped catalogue (no database)."""
    from wijkanalyse.programma import import_registrations, plan_meetings
    from wijkanalyse.programma import read_definition as read_def

    from .test_meetings import COORDS

    prog = read_def(DATA / "programma-2016.yaml")
    prog.registrations = import_registrations(prog, DATA / "aanmeldingen-2016.csv").accepted
    prog.meetings = plan_meetings(prog, ["wonen", "participatie"], coords=COORDS,
                                  dates=[dt.date(2016, 11, 29), dt.date(2017, 1, 10)])
    with programme_store(tmp_path / "geen.duckdb") as store:
        store.save(prog, what="gepland")
    _run(tmp_path, "uitkomst", "-p", "programma-2016", "--bijeenkomst", "2", "--tekst",
         "Achter de voordeur werkt samen met het wijkteam.", "--kennis", "achter-de-voordeur",
         "--wijk", "WK011443")
    bad = runner.invoke(app, ["--db", str(tmp_path / "geen.duckdb"), "programma", "uitkomst",
                              "-p", "programma-2016",
                              "--bijeenkomst", "2", "--tekst", "x", "--kennis", "verzonnen-id"])
    assert bad.exit_code == 1 and "Onbekende kennisdossier-id(s): verzonnen-id" in bad.output
    bad = runner.invoke(app, ["--db", str(tmp_path / "geen.duckdb"), "programma", "aanwezig",
                              "-p", "programma-2016",
                              "--bijeenkomst", "1", "--aanmelding", "p02", "--naam", "Alleen"])
    assert bad.exit_code == 1 and "twee of drie" in bad.output
    meetings = json.loads(_run(tmp_path, "bijeenkomsten", "-p", "programma-2016", "--ics",
                               str(tmp_path / "ics"), "--format", "json"))
    assert meetings[1]["outcomes"] == [{"text": "Achter de voordeur werkt samen met het "
                                        "wijkteam.", "kennis_ids": ["achter-de-voordeur"],
                                        "wijk_codes": ["WK011443"]}]
    assert (tmp_path / "ics" / "bijeenkomsten.ics").read_bytes().count(b"BEGIN:VEVENT") == 2


def test_importeer_map_moves_json_files_in_once(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The former JSON files (here from WIJKANALYSE_PROGRAMMA) come into the content store
    with their history; a second run changes nothing."""
    from wijkanalyse.programma import FileStore, programme_to_dict

    data = DATA
    files = FileStore(tmp_path / "oud")
    prog = read_definition(data / "programma-2016.yaml")
    files.save(prog, what="programma aangemaakt")
    prog.registrations = import_registrations(prog, data / "aanmeldingen-2016.csv").accepted
    files.save(prog, what="12 aanmeldingen", who="team@example.nl")
    original = json.loads((tmp_path / "oud" / "programma-2016.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("WIJKANALYSE_PROGRAMMA", str(tmp_path / "oud"))
    out = _run(tmp_path, "importeer-map")
    assert out.strip() == ("programma-2016 (programma-2016.json): overgenomen met 2 regels "
                           "geschiedenis.")
    again = json.loads(_run(tmp_path, "importeer-map", str(tmp_path / "oud"), "--format",
                            "json"))
    assert again == [{"programma": "programma-2016", "bestand": str(
        tmp_path / "oud" / "programma-2016.json"), "status": "al aanwezig", "geschiedenis": 2}]
    with programme_store(tmp_path / "geen.duckdb") as store:
        assert programme_to_dict(store.load("programma-2016")) == original
        assert store.load("programma-2016").version == 2
    missing = runner.invoke(app, ["--db", str(tmp_path / "geen.duckdb"), "programma",
                                  "importeer-map", str(tmp_path / "nergens")])
    assert missing.exit_code == 1 and "bestaat niet" in " ".join(missing.output.split())
