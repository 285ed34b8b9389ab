"""The data per unit (wijkanalyse.monitor.availability) on a small generated database.

The database below is generated in the test (gemeente GM0999 does not exist): a few wijken and
buurten with figures in some years, a Leefbaarometer series, a boundary. Every expected status
is worked out by hand from those rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkanalyse import store
from wijkanalyse.gebieden.areasets import Division, SetArea
from wijkanalyse.monitor.availability import STATUSES, data_availability

SOURCES = [  # source_id, kind, year, label
    ("kwb24", "kwb", 2024, "CBS, Kerncijfers Wijken en Buurten 2024"),
    ("kwb17", "kwb", 2017, "CBS, Kerncijfers Wijken en Buurten 2017"),
    ("lbm", "leefbaarometer", None, "Leefbaarometer 3.0, ministerie van BZK"),
    ("ses", "ses", 2019, "CBS, SES-WOA scores per wijk en buurt 2019"),
    ("grens", "boundaries", 2024, "CBS/PDOK, Wijk- en Buurtkaart 2024"),
]


def _db(observations: list[tuple], regions: list[tuple] | None = None,
        geometries: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory store with the given rows (generated test data)."""
    con = duckdb.connect()
    store.init_schema(con)
    for sid, kind, year, label in SOURCES:
        con.execute("INSERT INTO sources (source_id, file_name, kind, year, label, priority) "
                    "VALUES (?, ?, ?, ?, ?, 1)", [sid, f"{sid}.csv", kind, year, label])
    for year, code, level in regions or []:
        con.execute("INSERT INTO region_sources (year, code, level, name, gemeente_code, "
                    "source_id) VALUES (?, ?, ?, ?, ?, 'kwb24')",
                    [year, code, level, code, "GM" + code[2:6]])
    for indicator, year, code, value, sid in observations:
        con.execute("INSERT INTO observations (indicator_id, year, code, value, source_id) "
                    "VALUES (?, ?, ?, ?, ?)", [indicator, year, code, value, sid])
    for code, year in geometries or []:
        con.execute("INSERT INTO geometries (code, year, level, source_id) VALUES (?, ?, ?, "
                    "'grens')", [code, year, "wijk" if code.startswith("WK") else "buurt"])
    return con


def _units(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([{"unit_id": uid, "name": name, "gemeente_code": "GM" + codes[0][2:6],
                          "gemeente_name": gm, "level": level, "codes": codes,
                          "codes_year": 2024}
                         for uid, name, gm, level, codes in rows])


ENTRY_A = SetArea(id="a", name="A", gemeente_name="Proefstad", gemeente_code="GM0999",
                  level="wijk", codes=("WK099901",), year=2024, reason="proef",
                  other_years=(Division(years=(2017,), level="wijk", codes=("WK099950",),
                                        year=2017),))
ENTRY_B = SetArea(id="b", name="B", gemeente_name="Proefstad", gemeente_code="GM0999",
                  level="buurt", codes=("BU09990101", "BU09990103"), year=2024)


@pytest.fixture(scope="module")
def avail():
    obs = [
        ("a_inw", 2024, "WK099901", 100.0, "kwb24"),
        ("a_inw", 2024, "BU09990101", 60.0, "kwb24"),
        ("p_x", 2024, "BU09990101", 5.0, "kwb24"),
        ("a_inw", 2024, "BU09990102", 40.0, "kwb24"),
        ("a_inw", 2024, "BU09990103", None, "kwb24"),  # secret: no value
        ("a_inw", 2024, "WK099902", None, "kwb24"),
        ("a_inw", 2017, "WK099950", 90.0, "kwb17"),  # the old code of wijk A
        ("lbm", 2002, "WK099901", 3.9, "lbm"),
        ("lbm", 2024, "WK099901", 4.1, "lbm"),
        ("ses_score", 2019, "WK099960", 0.1, "ses"),  # no unit of the set
    ]
    regions = [(2024, "BU09990103", "buurt"), (2024, "BU09990201", "buurt")]
    con = _db(obs, regions, geometries=[("WK099901", 2024)])
    units = _units([("a", "A", "Proefstad", "gebied", ["WK099901"]),
                    ("b", "B", "Proefstad", "gebied", ["BU09990101", "BU09990103"]),
                    ("WK099902", "C", "Proefstad", "wijk", ["WK099902"]),
                    ("WK088801", "D", "Elders", "wijk", ["WK088801"])])
    return data_availability(con, units, {"a": ENTRY_A, "b": ENTRY_B})


def test_columns_in_report_order_and_empty_ones_named(avail) -> None:
    assert avail.columns["label"].tolist() == [
        "KWB 2017 · wijken", "KWB 2024 · wijken", "KWB 2024 · buurten",
        "Leefbaarometer 2002–2024 · wijken", "Grenzen 2024 · wijken"]
    assert avail.absent == ["SES-WOA 2019 · wijken"]
    lbm = avail.columns.set_index("key").loc["leefbaarometer:reeks:wijk"]
    assert lbm["years"] == [2002, 2024] and pd.isna(lbm["year"])


@pytest.mark.parametrize(("unit", "key", "status", "codes", "n_ind"), [
    ("a", "kwb:2024:wijk", "ja", ["WK099901"], 1),
    ("a", "kwb:2017:wijk", "ja", ["WK099950"], 1),  # the codes of 2017
    ("a", "kwb:2024:buurt", "deels", ["BU09990101", "BU09990102", "BU09990103"], 2),
    ("a", "leefbaarometer:reeks:wijk", "ja", ["WK099901"], 1),
    ("a", "grens:2024:wijk", "ja", ["WK099901"], 0),
    ("b", "kwb:2024:buurt", "deels", ["BU09990101", "BU09990103"], 2),
    ("b", "kwb:2024:wijk", "omvattend", ["WK099901"], 1),
    ("b", "leefbaarometer:reeks:wijk", "omvattend", ["WK099901"], 1),
    ("b", "kwb:2017:wijk", "nee", ["WK099901"], 0),  # B has no codes of 2017 of its own
    ("WK099902", "kwb:2024:wijk", "nee", ["WK099902"], 0),  # only a secret value
    ("WK099902", "kwb:2024:buurt", "nee", ["BU09990201"], 0),
    ("WK088801", "kwb:2024:wijk", "nee", ["WK088801"], 0),
])
def test_cells_worked_out_by_hand(avail, unit, key, status, codes, n_ind) -> None:
    cell = avail.cells[(avail.cells["unit_id"] == unit) & (avail.cells["key"] == key)].iloc[0]
    assert cell["status"] == status
    assert cell["codes"] == codes
    assert cell["n_indicators"] == n_ind
    assert avail.status(unit, key) == status


def test_details_and_sentences_say_what_is_missing(avail) -> None:
    cells = avail.cells.set_index(["unit_id", "key"])
    assert cells.loc[("a", "kwb:2024:buurt"), "detail"] == "2 van 3 buurten; ontbreekt: BU09990103"
    assert cells.loc[("a", "kwb:2017:wijk"), "detail"] == "(codes van 2017)"
    assert cells.loc[("b", "kwb:2024:wijk"), "detail"] == "alleen de omvattende wijk WK099901"
    assert cells.loc[("WK099902", "kwb:2024:wijk"), "why"] == "gebied"
    assert cells.loc[("WK088801", "kwb:2024:wijk"), "detail"] == (
        "deze bron heeft niets van Elders")
    assert avail.missing["a"] == "Deels: KWB 2024 (buurten)."
    assert avail.missing["b"] == (
        "Geen gegevens voor dit gebied (wel voor de gemeente): KWB 2017 (wijken). Deels: KWB "
        "2024 (buurten). Alleen voor de omvattende wijk: KWB 2024 (wijken), Leefbaarometer "
        "2002–2024 (wijken) en Grenzen 2024 (wijken).")
    assert avail.missing["WK088801"].startswith("Niet in de database voor deze gemeente: KWB "
                                                "2017 (wijken), KWB 2024 (wijken en buurten)")


def test_counts_and_matrix(avail) -> None:
    cols = avail.columns.set_index("key")
    assert cols.loc["kwb:2024:wijk", ["n_ja", "n_deels", "n_omvattend", "n_nee"]].tolist() == [
        1, 0, 1, 2]
    matrix = avail.matrix()
    assert matrix.index.tolist() == ["a", "b", "WK099902", "WK088801"]
    assert matrix.loc["b", "KWB 2024 · wijken"] == "alleen omvattende wijk"
    assert avail.matrix(labels=False).loc["a", "KWB 2024 · buurten"] == "deels"


BUURTEN = [f"BU0999010{i}" for i in range(1, 8)]


@settings(max_examples=15, deadline=None)
@given(covered=st.sets(st.sampled_from(BUURTEN)), wanted=st.sets(st.sampled_from(BUURTEN),
                                                                  min_size=1))
def test_status_follows_the_share_of_codes_with_data(covered: set[str], wanted: set[str]) -> None:
    """Invariant: ja = every code has a value, deels = some, nee = none; counts add up."""
    obs = [("a_inw", 2024, c, 1.0, "kwb24") for c in sorted(covered)]
    obs.append(("a_inw", 2024, "WK099901", 1.0, "kwb24"))  # the column exists for the gemeente
    con = _db(obs)
    units = _units([("u", "U", "Proefstad", "gebied", sorted(wanted))])
    out = data_availability(con, units)
    hits = len(wanted & covered)
    if not hits:
        assert "kwb:2024:buurt" not in set(out.cells["key"]) or out.status(
            "u", "kwb:2024:buurt") == "nee"
        return
    cell = out.cells[out.cells["key"] == "kwb:2024:buurt"].iloc[0]
    assert cell["n_with_data"] == hits and cell["n_codes"] == len(wanted)
    assert cell["status"] == ("ja" if hits == len(wanted) else "deels")
    row = out.columns.set_index("key").loc["kwb:2024:buurt"]
    assert sum(int(row[f"n_{s}"]) for s in STATUSES) == 1
