"""Fees per city (€3,000 partner, €4,000 non-partner), paid/unpaid, export; the programme
file store (round trip, history, several programmes, clear errors)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma import (
    FileStore,
    Programme,
    invoices,
    mark_paid,
    new_programme,
    programme_from_dict,
    programme_to_dict,
    write_invoices,
)


def test_2016_fees(programme_2016: Programme) -> None:
    frame = invoices(programme_2016)
    assert len(frame) == 12
    fees = dict(zip(frame["gemeente"], frame["bedrag"], strict=True))
    assert fees["Groningen"] == 3000 and fees["Lelystad"] == 4000
    assert fees["Parkstad Limburg"] == 4000 and fees["Haarlem"] == 4000
    assert int(frame["bedrag"].sum()) == 9 * 3000 + 3 * 4000 == 39000
    mark_paid(programme_2016, "p01", on=dt.date(2016, 12, 1))
    frame = invoices(programme_2016)
    assert frame.loc[frame["id"] == "p01", "betaald_op"].item() == "2016-12-01"
    assert (frame["betaald"] == "nee").sum() == 11
    with pytest.raises(WijkanalyseError, match="doet niet mee"):
        mark_paid(programme_2016, "p99", on=dt.date(2016, 12, 1))


def test_export_is_formula_safe(programme_2016: Programme, tmp_path: Path) -> None:
    programme_2016.registrations[0].contact = "=HYPERLINK(\"http://x\")"
    write_invoices(programme_2016, tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx").worksheets[0]
    cells = {c.value for row in ws.iter_rows() for c in row}
    assert "=HYPERLINK(\"http://x\")" in cells  # kept as text
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.cell(row=14, column=1).value == "totaal" and ws.cell(row=14, column=5).value == 39000
    write_invoices(programme_2016, tmp_path / "f.csv")
    csv = pd.read_csv(tmp_path / "f.csv")
    assert csv.loc[0, "contactpersoon"].startswith("'=")
    with pytest.raises(WijkanalyseError, match="kies .xlsx of .csv"):
        write_invoices(programme_2016, tmp_path / "f.pdf")


def test_store_round_trip_and_history(programme_2016: Programme, tmp_path: Path) -> None:
    assert programme_from_dict(json.loads(json.dumps(programme_to_dict(programme_2016)))
                               ) == programme_2016
    store = FileStore(tmp_path)
    store.save(programme_2016, what="aangemaakt", who="test")
    other = new_programme(slug="programma-2026", name="Nieuw", period_start=dt.date(2026, 1, 1),
                          period_end=dt.date(2026, 12, 31), deadline=dt.date(2026, 3, 1),
                          meeting_start=dt.date(2026, 4, 1), meeting_end=dt.date(2026, 9, 30))
    store.save(other, what="aangemaakt")
    assert store.list() == ["programma-2016", "programma-2026"]
    loaded = store.load("programma-2016")
    loaded.paid["p01"] = "2016-12-01"
    store.save(loaded, what="betaling p01")
    again = store.load("programma-2016")
    assert [h["what"] for h in again.history] == ["aangemaakt", "betaling p01"]
    assert again.registrations == programme_2016.registrations
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(WijkanalyseError, match="bestaat niet.*wel: programma-2016"):
        store.load("programma-2017")
    (tmp_path / "kapot.json").write_text("{", encoding="utf-8")
    with pytest.raises(WijkanalyseError, match="beschadigd"):
        store.load("kapot")


def test_new_programme_checks_rules() -> None:
    with pytest.raises(WijkanalyseError, match="sluit na de eerste bijeenkomst"):
        new_programme(slug="x", name="x", period_start=dt.date(2016, 9, 1),
                      period_end=dt.date(2017, 6, 1), deadline=dt.date(2016, 12, 1),
                      meeting_start=dt.date(2016, 11, 29), meeting_end=dt.date(2017, 3, 31))
    with pytest.raises(WijkanalyseError, match="Ongeldige programmanaam"):
        FileStore(Path(".")).load("../etc")


def test_two_editors_at_once_lose_nothing(programme_2016: Programme, tmp_path: Path) -> None:
    """The second editor waits for the first (the programme's lock) and sees its change."""
    import threading

    store = FileStore(tmp_path)
    store.save(programme_2016, what="aangemaakt")
    inside = threading.Event()

    def first() -> None:
        with store.editing("programma-2016", purpose="eerste") as prog:
            inside.set()
            threading.Event().wait(0.3)  # the second one tries meanwhile
            prog.paid["p01"] = "2016-12-01"
            store.save(prog, what="betaling p01")

    def second() -> None:
        inside.wait()
        from wijkanalyse import dblock

        path = tmp_path / "programma-2016.json"
        with dblock.hold(path, exclusive=True, purpose="tweede", on_wait=None):
            prog = store.load("programma-2016")
            prog.paid["p02"] = "2016-12-02"
            store.save(prog, what="betaling p02")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.load("programma-2016")
    assert final.paid == {"p01": "2016-12-01", "p02": "2016-12-02"}
    assert [h["what"] for h in final.history] == ["aangemaakt", "betaling p01", "betaling p02"]
