"""Partners and money per wijk: validation (Dutch messages), the overview across the
programme, persistence in the programme file and the CLI (issue 16 item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma import (
    FileStore,
    Programme,
    add_money,
    add_party,
    overview,
    programme_from_dict,
    programme_to_dict,
)

from .conftest import programme_store


def test_party_by_id_name_or_code_and_replaced_by_name(programme_2016: Programme) -> None:
    a = add_party(programme_2016, wijk="p02", name="Lefier", kind="corporatie", role="actief")
    b = add_party(programme_2016, wijk="Angelslo", name="lefier ", kind="Corporatie",
                  role="uit te dagen", note="investeert nog niet")
    c = add_party(programme_2016, wijk="WK011443", name="GGD Drenthe", kind="zorg",
                  role="actief")
    assert a.registration_id == b.registration_id == c.registration_id == "p02"
    # the same name in the same wijk replaces the first record
    assert [(p.name, p.role) for p in programme_2016.parties] == [
        ("lefier", "uit te dagen"), ("GGD Drenthe", "actief")]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"wijk": "Kanaleneiland"}, "doet niet mee aan programma-2016"),
    ({"kind": "bank"}, "Onbekende soort partij 'bank': kies uit gemeente, corporatie"),
    ({"role": "passief"}, "Onbekende rol 'passief': kies uit actief, uit te dagen"),
    ({"name": "  "}, "De naam van de partij is leeg"),
])
def test_party_validation(programme_2016: Programme, kwargs: dict[str, str],
                          message: str) -> None:
    args = {"wijk": "p01", "name": "Lefier", "kind": "corporatie", "role": "actief", **kwargs}
    with pytest.raises(WijkanalyseError, match=message):
        add_party(programme_2016, **args)
    assert programme_2016.parties == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"amount": 0}, "Bedrag 0 is niet positief"),
    ({"amount": -5}, "Bedrag -5 is niet positief"),
    ({"start": 2019, "end": 2017}, "Periode 2019-2017 klopt niet"),
    ({"start": 1890}, "Periode 1890-1890 klopt niet"),
    ({"source": ""}, "Bron en doel van het geld zijn verplicht"),
    ({"purpose": " "}, "Bron en doel van het geld zijn verplicht"),
    ({"wijk": "p99"}, "Wijk 'p99' doet niet mee"),
])
def test_money_validation(programme_2016: Programme, kwargs: dict[str, object],
                          message: str) -> None:
    args: dict[str, object] = {"wijk": "p01", "source": "gemeente Groningen", "amount": 1000,
                               "start": 2016, "purpose": "buurtbudget", **kwargs}
    with pytest.raises(WijkanalyseError, match=message):
        add_money(programme_2016, **args)  # type: ignore[arg-type]
    assert programme_2016.money == []


def test_overview_who_is_where_models_and_missing(programme_2016: Programme) -> None:
    add_party(programme_2016, wijk="p01", name="Lefier", kind="corporatie", role="actief")
    add_party(programme_2016, wijk="p02", name="Lefier", kind="corporatie", role="actief")
    add_party(programme_2016, wijk="p02", name="Bewonersvereniging Angelslo", kind="bewoners",
              role="actief")
    add_party(programme_2016, wijk="p02", name="Enexis", kind="energiebedrijf",
              role="uit te dagen")
    add_money(programme_2016, wijk="p01", source="gemeente Groningen", amount=250_000,
              start=2016, end=2019, purpose="wijkvernieuwing", model="Subsidie")
    add_money(programme_2016, wijk="p02", source="gemeente Emmen", amount=100_000,
              start=2017, purpose="buurtbudget", model="subsidie")
    add_money(programme_2016, wijk="p02", source="Lefier", amount=1_500_000, start=2016,
              end=2020, purpose="renovatie", model="investering corporatie")
    ov = overview(programme_2016)
    assert len(ov.per_wijk) == 12
    angelslo = ov.per_wijk[1]
    assert angelslo["wijk"] == "Angelslo"
    assert angelslo["actief"] == ["Lefier", "Bewonersvereniging Angelslo"]
    assert angelslo["uit_te_dagen"] == ["Enexis"]
    assert angelslo["geld"] == 1_600_000
    assert angelslo["ontbreekt"] == ["zorg", "welzijn", "onderwijs", "ondernemers"]
    assert ov.per_wijk[2]["ontbreekt"] == ["corporatie", "zorg", "welzijn", "onderwijs",
                                           "bewoners", "ondernemers"]
    assert ov.parties_in_several == [{"naam": "Lefier", "wijken": ["Angelslo", "Selwerd"]}]
    assert ov.models == [
        {"model": "subsidie", "wijken": 2, "bedrag": 350_000},
        {"model": "investering corporatie", "wijken": 1, "bedrag": 1_500_000}]
    assert [m["model"] for m in ov.recurring] == ["subsidie"]


def test_parties_and_money_survive_the_programme_file(programme_2016: Programme,
                                                      tmp_path: Path) -> None:
    add_party(programme_2016, wijk="p03", name="Centrada", kind="corporatie", role="actief")
    add_money(programme_2016, wijk="p03", source="Rijk", amount=40_000, start=2016,
              purpose="proces", model="fonds")
    again = programme_from_dict(json.loads(json.dumps(programme_to_dict(programme_2016))))
    assert again.parties == programme_2016.parties
    assert again.money == programme_2016.money
    store = FileStore(tmp_path)
    store.save(programme_2016, what="test")
    assert store.load("programma-2016").money[0].amount == 40_000


def test_cli_partner_and_geld(programme_2016: Programme, tmp_path: Path) -> None:
    from wijkanalyse.cli.main import app

    with programme_store(tmp_path / "w.duckdb") as store:
        store.save(programme_2016, what="test")
    runner = CliRunner()
    base = ["--db", str(tmp_path / "w.duckdb"), "programma"]
    r = runner.invoke(app, [*base, "partner", "add", "-p", "programma-2016", "--wijk",
                            "Meerwijk", "--naam", "Elan Wonen", "--soort", "corporatie",
                            "--rol", "uit te dagen"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*base, "partner", "add", "-p", "programma-2016", "--wijk",
                            "Meerwijk", "--naam", "X", "--soort", "bank"])
    assert r.exit_code != 0
    assert "Onbekende soort partij 'bank'" in r.output
    r = runner.invoke(app, [*base, "geld", "add", "-p", "programma-2016", "--wijk", "p04",
                            "--bron", "gemeente Haarlem", "--bedrag", "75000", "--van",
                            "2016", "--tot", "2018", "--doel", "buurtbudget", "--model",
                            "subsidie"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*base, "partner", "list", "-p", "programma-2016", "--format",
                            "json"])
    data = json.loads(r.stdout)
    assert data["partijen"] == [{"registration_id": "p04", "name": "Elan Wonen",
                                 "kind": "corporatie", "role": "uit te dagen", "note": ""}]
    r = runner.invoke(app, [*base, "geld", "list", "-p", "programma-2016", "--format", "json"])
    data = json.loads(r.stdout)
    assert data["modellen"] == [{"model": "subsidie", "wijken": 1, "bedrag": 75000}]
    assert data["geldstromen"][0]["start"] == 2016 and data["geldstromen"][0]["end"] == 2018
