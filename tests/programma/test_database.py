"""The programme against the real database: wijk names of the 2016 registrations resolved to
the codes of the shipped set, inhabitants and trend classes from the database, meetings
planned with the real gemeente centroids."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
from pathlib import Path

import pytest

from wijkanalyse import store
from wijkanalyse.programma import (
    Programme,
    RejectedRow,
    import_registrations,
    plan_meetings,
    read_definition,
    register,
)
from wijkanalyse.programma.database import centroids, complete_from_database, db_resolver

from .conftest import DATA

BY_NAME = ("p01", "p03", "p12")  # a buurt, a shipped set of buurten, a wijk in a region


@pytest.fixture(scope="module")
def resolved(built_db: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Programme, Programme, dict[str, tuple[float, float]]]:
    """Three registrations of 2016 without wijkcodes and inhabitants (names resolved in the
    database), all twelve with their codes completed from the database, and their
    centroids."""
    rows = list(csv.DictReader((DATA / "aanmeldingen-2016.csv").read_text(
        encoding="utf-8").splitlines(), delimiter=";"))
    path = tmp_path_factory.mktemp("prog") / "namen.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        fields = [k for k in rows[0] if k not in ("wijkcodes", "inwoners")]
        w = csv.DictWriter(f, fieldnames=fields, delimiter=";", extrasaction="ignore")
        w.writeheader()
        w.writerows(r for r in rows if r["id"] in BY_NAME)
    by_name = read_definition(DATA / "programma-2016.yaml")
    full = read_definition(DATA / "programma-2016.yaml")
    con = store.connect(built_db, read_only=True)
    try:
        result = import_registrations(by_name, path, resolver=db_resolver(con))
        by_name.registrations = complete_from_database(con, result.accepted)
        by_name.rejected = result.rejected
        result = import_registrations(full, DATA / "aanmeldingen-2016.csv",
                                      resolver=db_resolver(con))
        full.registrations = complete_from_database(con, result.accepted)
        coords = centroids(con, full.registrations)
    finally:
        con.close()
    return by_name, full, coords


Resolved = tuple[Programme, Programme, dict[str, tuple[float, float]]]


def test_names_resolve_to_the_shipped_codes(resolved: Resolved) -> None:
    by_name = resolved[0]
    assert [r.reason for r in by_name.rejected] == []
    expected = {r["id"]: tuple(r["wijkcodes"].split("|")) for r in csv.DictReader(
        (DATA / "aanmeldingen-2016.csv").read_text(encoding="utf-8").splitlines(),
        delimiter=";") if r["id"] in BY_NAME}
    got = {r.id: r.wijk_codes for r in by_name.registrations}
    assert got == expected
    by = {r.gemeente: r for r in by_name.registrations}
    assert by["Groningen"].gemeente_codes == ("GM0014",)
    assert by["Groningen"].inwoners == 243768  # a_inw, KWB 2024
    # the seven gemeenten of 2024 (not Nuth and Onderbanken, merged into Beekdaelen in 2019)
    assert by["Parkstad Limburg"].inwoners == 256180


def test_trend_classes_of_the_twelve(resolved: Resolved) -> None:
    full = resolved[1]
    # the monitor's trend classes (Leefbaarometer) of the twelve wijken
    assert {r.gemeente: r.trend_class for r in full.registrations} == {
        "Groningen": "blijvend_achter", "Emmen": "recent_herstel", "Lelystad": "succes",
        "Haarlem": "blijvend_achter", "Enschede": "gestaag_herstel",
        "Delft": "gestaag_herstel", "Schiedam": "recent_herstel",
        "'s-Hertogenbosch": "succes", "Eindhoven": "onvoldoende_gegevens",
        "Maastricht": "recent_herstel", "Zoetermeer": "onvoldoende_gegevens",
        "Parkstad Limburg": "recent_herstel"}
    assert [r.gemeente_codes for r in full.registrations][:2] == [("GM0014",), ("GM0114",)]


def test_region_codes_are_those_gemeenten(built_db: Path) -> None:
    from wijkanalyse.programma.regions import load_regions

    table = load_regions()
    con = store.connect(built_db, read_only=True)
    try:
        for region, names in table.regions.items():
            codes = table.region_gm_codes(region)
            found = dict(con.execute(
                "SELECT code, arg_max(name, year) FROM regions WHERE code IN "
                "(SELECT unnest(?)) GROUP BY code", [list(codes)]).fetchall())
            assert [found.get(c) for c in codes] == list(names), region
    finally:
        con.close()


def test_unknown_wijk_is_rejected_with_suggestions(built_db: Path) -> None:
    prog = read_definition(DATA / "programma-2016.yaml")
    con = store.connect(built_db, read_only=True)
    try:
        out = register(prog, {"gemeente": "Emmen", "wijk": "Angelsloo", "themas": "wonen",
                              "contactpersoon": "x", "email": "x@emmen.nl",
                              "datum": "2016-10-01", "deelnemer1_naam": "a",
                              "deelnemer1_organisatie": "o", "deelnemer2_naam": "b",
                              "deelnemer2_organisatie": "p"},
                       source="a.csv", row=2, resolver=db_resolver(con))
    finally:
        con.close()
    assert isinstance(out, RejectedRow)
    assert out.reason.startswith("a.csv, rij 2, kolom 'wijk': ")
    assert "Angelslo" in out.reason and "wijkcodes" in out.reason


def test_meetings_with_real_centroids(resolved: Resolved) -> None:
    _, full, coords = resolved
    assert set(coords) == {r.id for r in full.registrations}
    gron, maas = coords["p01"], coords["p10"]
    assert 230 < math.dist(gron, maas) / 1000 < 290  # Groningen - Maastricht, straight line
    meetings = plan_meetings(full, ["wonen", "participatie", "openbare ruimte",
                                    "zorg en welzijn"], coords=coords)
    assert meetings[0].date == dt.date(2016, 11, 29)
    hosts = [m.host_registration for m in meetings]
    assert len(set(hosts)) == 4
    spread = sum(math.dist(coords[a], coords[b]) for a, b in itertools.combinations(hosts, 2))
    assert spread / 1000 > 600


def test_2016_end_to_end_through_the_cli(built_db: Path, tmp_path: Path) -> None:
    """nieuw, import (gemeenten resolved in the database), bijeenkomsten with the real
    centroids and ICS, aanwezig, uitkomst, facturen."""
    from icalendar import Calendar
    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app

    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(built_db), "programma", *args], env={
            "WIJKANALYSE_CONTENT_URL": f"sqlite:///{tmp_path / 'inhoud.sqlite'}"})
        assert result.exit_code == 0, result.output
        return result.stdout

    run("nieuw", str(DATA / "programma-2016.yaml"))
    run("aanmelding", "import", str(DATA / "aanmeldingen-2016.csv"), "-p", "programma-2016")
    meetings = json.loads(run("bijeenkomsten", "-p", "programma-2016", "--voorkeuren",
                              str(DATA / "voorkeuren-2016.csv"), "--ics", str(tmp_path / "ics"),
                              "--format", "json"))
    assert [m["theme"] for m in meetings] == ["wonen", "participatie", "openbare ruimte",
                                              "zorg en welzijn"]
    assert [m["date"] for m in meetings] == ["2016-11-29", "2017-01-10", "2017-02-21",
                                             "2017-03-28"]
    assert len({m["host_registration"] for m in meetings}) == 4
    cal = Calendar.from_ical((tmp_path / "ics" / "bijeenkomsten.ics").read_bytes())
    assert len(list(cal.walk("VEVENT"))) == 4
    lines = (tmp_path / "ics" / "aanwezigheid.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 4 * 27  # 27 participants of the 12 cities, at each meeting
    run("aanwezig", "-p", "programma-2016", "--bijeenkomst", "1", "--aanmelding", "p06",
        "--naam", "Deelnemer Delft A", "--naam", "Deelnemer Delft C")
    run("uitkomst", "-p", "programma-2016", "--bijeenkomst", "1", "--tekst",
        "Afspraken over een gezamenlijk wijkbudget.", "--wijk", "WK050325")
    from wijkanalyse.content import open_content
    from wijkanalyse.programma import ContentProgrammeStore, programme_to_dict

    with open_content(f"sqlite:///{tmp_path / 'inhoud.sqlite'}") as content:
        saved = programme_to_dict(ContentProgrammeStore(content).load("programma-2016"))
    first = saved["meetings"][0]
    assert {"registration_id": "p06", "names": ["Deelnemer Delft A", "Deelnemer Delft C"]
            } in first["attendance"]
    assert first["outcomes"][0]["wijk_codes"] == ["WK050325"]
    assert len(saved["theme_rankings"]) == 12  # the preferences file is stored as well
    assert saved["theme_rankings"]["Emmen"] == ["zorg en welzijn", "participatie", "wonen"]
    assert "Totaal € 39.000, nog open € 39.000" in run("facturen", "-p", "programma-2016")


def test_cli_plans_with_the_stored_rankings(built_db: Path, tmp_path: Path) -> None:
    """Without --voorkeuren and without meetings yet, 'programma bijeenkomsten' plans with the
    rankings stored from the web form. Borda by hand (m = 4): menging 4 + 3 = 7, onderwijs
    3 + 4 = 7 (equal: alphabetically), veiligheid 2, wonen 1."""
    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app
    from wijkanalyse.content import open_content
    from wijkanalyse.programma import ContentProgrammeStore

    url = f"sqlite:///{tmp_path / 'inhoud.sqlite'}"

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", str(built_db), "programma", *args],
                                    env={"WIJKANALYSE_CONTENT_URL": url})
        assert result.exit_code == 0, result.output
        return result.stdout

    run("nieuw", str(DATA / "programma-2016.yaml"))
    run("aanmelding", "import", str(DATA / "aanmeldingen-2016.csv"), "-p", "programma-2016")
    assert json.loads(run("bijeenkomsten", "-p", "programma-2016", "--format", "json")) == []
    with open_content(url) as content:
        store = ContentProgrammeStore(content)
        prog = store.load("programma-2016")
        prog.theme_rankings = {"p01": ["menging", "onderwijs", "veiligheid", "wonen"],
                               "p02": ["onderwijs", "menging"]}
        store.save(prog, what="themavoorkeuren")
    meetings = json.loads(run("bijeenkomsten", "-p", "programma-2016", "--format", "json"))
    assert [m["theme"] for m in meetings] == ["menging", "onderwijs", "veiligheid", "wonen"]
