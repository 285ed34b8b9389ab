"""The programme against the real database: wijk names of the 2016 registrations resolved to
the codes of the shipped set, inhabitants and trend classes from the database, meetings
planned with the real gemeente centroids."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import itertools
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
from wijkanalyse.programma.database import centroids, db_resolver

from .conftest import DATA


@pytest.fixture(scope="module")
def resolved(built_db: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Programme, dict[str, tuple[float, float]]]:
    """The 2016 file without its wijkcodes and inhabitants: names resolved in the database."""
    rows = list(csv.DictReader((DATA / "aanmeldingen-2016.csv").read_text(
        encoding="utf-8").splitlines(), delimiter=";"))
    path = tmp_path_factory.mktemp("prog") / "namen.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        fields = [k for k in rows[0] if k not in ("wijkcodes", "inwoners")]
        w = csv.DictWriter(f, fieldnames=fields, delimiter=";", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    prog = read_definition(DATA / "programma-2016.yaml")
    con = store.connect(built_db, read_only=True)
    try:
        result = import_registrations(prog, path, resolver=db_resolver(con))
        prog.registrations = result.accepted
        prog.rejected = result.rejected
        coords = centroids(con, prog.registrations)
    finally:
        con.close()
    return prog, coords


Resolved = tuple[Programme, dict[str, tuple[float, float]]]


def test_names_resolve_to_the_shipped_codes(resolved: Resolved) -> None:
    resolved_2016 = resolved[0]
    assert [r.reason for r in resolved_2016.rejected] == []
    expected = {r["id"]: tuple(r["wijkcodes"].split("|")) for r in csv.DictReader(
        (DATA / "aanmeldingen-2016.csv").read_text(encoding="utf-8").splitlines(),
        delimiter=";")}
    got = {r.id: r.wijk_codes for r in resolved_2016.registrations}
    assert got == expected


def test_gemeente_codes_and_inhabitants(resolved: Resolved) -> None:
    resolved_2016 = resolved[0]
    by = {r.gemeente: r for r in resolved_2016.registrations}
    assert by["Groningen"].gemeente_codes == ("GM0014",)
    assert len(by["Parkstad Limburg"].gemeente_codes) >= 7
    assert by["Groningen"].inwoners == 243768  # a_inw, KWB 2024
    assert by["Emmen"].trend_class != ""


def test_unknown_wijk_is_rejected_with_suggestions(built_db: Path) -> None:
    prog = read_definition(DATA / "programma-2016.yaml")
    con = store.connect(built_db, read_only=True)
    try:
        out = register(prog, {"gemeente": "Emmen", "wijk": "Angelsloo", "themas": "wonen",
                              "contactpersoon": "x", "email": "x@emmen.nl",
                              "datum": "2016-10-01", "deelnemer1_naam": "a",
                              "deelnemer1_organisatie": "o", "deelnemer2_naam": "b",
                              "deelnemer2_organisatie": "p"},
                       source="a.csv", row=2, resolver=db_resolver(con, with_trend=False))
    finally:
        con.close()
    assert isinstance(out, RejectedRow)
    assert out.reason.startswith("a.csv, rij 2, kolom 'wijk': ")
    assert "Angelslo" in out.reason and "wijkcodes" in out.reason


def test_meetings_with_real_centroids(resolved: Resolved) -> None:
    resolved_2016, coords = resolved
    assert set(coords) == {r.id for r in resolved_2016.registrations}
    gron, maas = coords["p01"], coords["p10"]
    assert 230 < math.dist(gron, maas) / 1000 < 290  # Groningen - Maastricht, straight line
    prog = dataclasses.replace(resolved_2016, meetings=[])
    meetings = plan_meetings(prog, ["wonen", "participatie", "openbare ruimte",
                                    "zorg en welzijn"], coords=coords)
    assert meetings[0].date == dt.date(2016, 11, 29)
    hosts = [m.host_registration for m in meetings]
    assert len(set(hosts)) == 4
    spread = sum(math.dist(coords[a], coords[b]) for a, b in itertools.combinations(hosts, 2))
    assert spread / 1000 > 600
