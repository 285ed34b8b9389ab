"""Tests of wijkanalyse.gebieden.areas against a real DuckDB store.

The store holds real KWB 2024 rows of the gemeenten Lelystad (GM0995) and Emmen (GM0114),
read from /work/shared/data in the test (nothing is copied into the repository). Rows that are
generated or derived are marked as such where they are made.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from wijkanalyse import store
from wijkanalyse.catalogue import parse_catalogue
from wijkanalyse.codes import gemeente_code_of, level_from_soort, wijk_code_of
from wijkanalyse.errors import AreaError, CatalogueError, DataFileError
from wijkanalyse.gebieden.areafiles import AreaFileError, load_area_file
from wijkanalyse.gebieden.areas import (
    Area,
    area_values,
    define_area,
    get_area,
    list_areas,
    remove_area,
    slugify,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KWB_2024 = SHARED_DATA / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"
SECRET = "ontbreekt of geheim (CBS '.')"
JOL_GALJOEN = ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]

# Catalogue for the test store. a_inw and a_65plus are real KWB columns; p_65plus (share 65+)
# is derived in the test from those two real counts.
CATALOGUE = parse_catalogue(
    {
        "indicators": [
            {"id": "a_inw", "label": "Aantal inwoners", "unit": "aantal",
             "domain": "bevolking", "kind": "count"},
            {"id": "a_65plus", "label": "65 jaar of ouder", "unit": "aantal",
             "domain": "bevolking", "kind": "count"},
            {"id": "p_65plus", "label": "Aandeel 65 jaar of ouder", "unit": "%",
             "domain": "bevolking", "kind": "rate", "base": "a_inw"},
            {"id": "ste_mvs", "label": "Stedelijkheid", "unit": "code",
             "domain": "stedelijkheid", "kind": "code"},
        ]
    },
    origin="test",
)


@pytest.fixture(scope="module")
def kwb_rows() -> pd.DataFrame:
    """Real rows of Lelystad and Emmen (gemeente, wijken, buurten) from the KWB 2024 file."""
    if not KWB_2024.exists():
        pytest.fail(f"real data file missing: {KWB_2024}")
    raw = pd.read_csv(KWB_2024, sep=";", encoding="utf-8-sig", dtype=str)
    frame = pd.DataFrame(
        {
            "code": raw["Regioaanduiding/Codering (code)"].str.strip(),
            "name": raw["Wijken en buurten"].str.strip(),
            "gemeente_name": raw["Regioaanduiding/Gemeentenaam (naam)"].str.strip(),
            "level": raw["Regioaanduiding/Soort regio (omschrijving)"].map(level_from_soort),
            "a_inw": pd.to_numeric(raw["Bevolking/Aantal inwoners (aantal)"].str.strip()),
            "a_65plus": pd.to_numeric(
                raw["Bevolking/Leeftijdsgroepen/65 jaar of ouder (aantal)"].str.strip()),
        }
    )
    frame = frame[frame["code"].map(gemeente_code_of).isin(["GM0995", "GM0114"])]
    # Emmen: 1 gemeente, 27 wijken, 83 buurten; Lelystad: 1 gemeente, 11 wijken, 136 buurten
    assert len(frame) == 259
    return frame.reset_index(drop=True)


def _write_source(con: duckdb.DuckDBPyConnection, source_id: str, year: int,
                  regions: pd.DataFrame, observations: pd.DataFrame) -> None:
    con.execute(
        "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [source_id, source_id, str(KWB_2024), "", "kwb", "statline_csv", "85984NED", year,
         "CBS, Kerncijfers wijken en buurten", 20, len(regions), len(observations)],
    )
    reg = pd.DataFrame(
        {
            "year": year,
            "code": regions["code"],
            "level": regions["level"],
            "name": regions["name"],
            "gemeente_code": regions["code"].map(gemeente_code_of),
            "wijk_code": regions["code"].map(wijk_code_of),
            "gemeente_name": regions["gemeente_name"],
            "source_id": source_id,
            "match_method": "code",
        }
    )
    con.register("_reg", reg)
    con.execute("INSERT INTO region_sources SELECT * FROM _reg")
    con.unregister("_reg")
    con.register("_obs", observations.assign(source_id=source_id)[
        ["indicator_id", "year", "code", "value", "missing_reason", "source_id",
         "source_column"]])
    con.execute("INSERT INTO observations SELECT * FROM _obs")
    con.unregister("_obs")


@pytest.fixture
def con(tmp_path: Path, kwb_rows: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    connection = store.connect(tmp_path / "wijkanalyse.duckdb")
    store.write_catalogue(connection, CATALOGUE)
    empty = kwb_rows["a_inw"] == 0
    long = pd.concat(
        [
            pd.DataFrame({"indicator_id": "a_inw", "code": kwb_rows["code"],
                          "value": kwb_rows["a_inw"].astype(float), "missing_reason": None,
                          "source_column": "Bevolking/Aantal inwoners (aantal)"}),
            pd.DataFrame({"indicator_id": "a_65plus", "code": kwb_rows["code"],
                          "value": kwb_rows["a_65plus"].astype(float), "missing_reason": None,
                          "source_column": "Bevolking/Leeftijdsgroepen/65 jaar of ouder"}),
            # derived from the real counts; suppressed ('.') where nobody lives, as CBS does
            pd.DataFrame({"indicator_id": "p_65plus", "code": kwb_rows["code"],
                          "value": (100 * kwb_rows["a_65plus"] / kwb_rows["a_inw"])
                          .where(~empty),
                          "missing_reason": np.where(empty, SECRET, None),
                          "source_column": "afgeleid: 100 * 65+ / inwoners"}),
        ],
        ignore_index=True,
    ).assign(year=2024)
    _write_source(connection, "kwb_2024_nl_all_levels_pop_sex_age.csv", 2024, kwb_rows, long)
    # generated: a buurt code that exists only in an older (fictitious) year, and a
    # stedelijkheid code for two Emmen buurten
    old = pd.DataFrame({"code": ["BU09950699"], "level": ["buurt"], "name": ["Oude buurt"],
                        "gemeente_name": ["Lelystad"]})
    gen_obs = pd.DataFrame(
        {"indicator_id": ["a_inw", "ste_mvs", "ste_mvs"], "year": [2019, 2024, 2024],
         "code": ["BU09950699", "BU01144300", "BU01144400"], "value": [40.0, 2.0, 2.0],
         "missing_reason": [None, None, None], "source_column": ["gegenereerd"] * 3}
    )
    _write_source(connection, "generated_2019.csv", 2019, old, gen_obs)
    yield connection
    connection.close()


def value_of(frame: pd.DataFrame, indicator: str, year: int = 2024) -> pd.Series:
    hit = frame[(frame["indicator_id"] == indicator) & (frame["year"] == year)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# ---------------------------------------------------------------- define / list / get / remove


def test_slugify() -> None:
    assert slugify("Jol/Galjoen") == "jol-galjoen"
    assert slugify("  Kerkrade-West ") == "kerkrade-west"
    assert slugify("'s-Hertogenbosch Noord-Oost") == "s-hertogenbosch-noord-oost"
    assert slugify("Één café") == "een-cafe"


def test_define_list_get_remove(con) -> None:
    area = define_area(con, name="Jol/Galjoen", codes=[" bu09950633", "BU09950634 ",
                                                       "BU09950637", "BU09950635"],
                       description="Kustwijk, kennisprogramma", created_by="test")
    assert isinstance(area, Area)
    assert area.area_id == "jol-galjoen"
    assert area.codes == tuple(JOL_GALJOEN)
    assert area.gemeente_code == "GM0995" and area.level == "buurt"
    assert area.gemeente_codes == ("GM0995",)
    assert area.created_by == "test" and area.created_at.endswith("+00:00")

    listed = list_areas(con)
    assert listed["area_id"].tolist() == ["jol-galjoen"]
    row = listed.iloc[0]
    assert row["name"] == "Jol/Galjoen" and row["level"] == "buurt" and row["n_codes"] == 4
    assert list(row["codes"]) == JOL_GALJOEN
    assert row["description"] == "Kustwijk, kennisprogramma"

    assert get_area(con, "jol-galjoen") == area
    assert get_area(con, "JOL/GALJOEN") == area
    assert get_area(con, "Jol Galjoen") == area  # via the slug

    remove_area(con, "jol-galjoen")
    assert list_areas(con).empty
    assert con.execute("SELECT count(*) FROM area_members").fetchone()[0] == 0
    with pytest.raises(AreaError, match="bestaat niet"):
        get_area(con, "jol-galjoen")
    with pytest.raises(AreaError, match="bestaat niet"):
        remove_area(con, "jol-galjoen")


def test_code_known_only_in_an_older_year_is_accepted(con) -> None:
    area = define_area(con, name="Oud", codes=["BU09950699", "BU09950633"])
    assert area.codes == ("BU09950633", "BU09950699")


def test_wijk_area_and_multiple_gemeenten_when_allowed(con) -> None:
    wijken = define_area(con, name="Emmen Zuid", codes="WK011443, WK011444")
    assert wijken.level == "wijk" and wijken.codes == ("WK011443", "WK011444")
    assert value_of(area_values(con, "emmen-zuid"), "a_inw")["value"] == 7695 + 7085
    regio = define_area(con, name="Twee steden", codes=["BU01144300", "BU09950633"],
                        allow_multiple_gemeenten=True)
    assert regio.gemeente_code is None
    assert regio.gemeente_codes == ("GM0114", "GM0995")
    assert value_of(area_values(con, "twee-steden"), "a_inw")["value"] == 7695 + 2285


def test_get_area_suggests_close_ids(con) -> None:
    with pytest.raises(AreaError, match="nog geen gebieden"):
        get_area(con, "jol-galjoen")
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    with pytest.raises(AreaError, match="Bedoelt u jol-galjoen"):
        get_area(con, "jol-galjon")


# ---------------------------------------------------------------- validation errors


def test_unknown_code_lists_it_with_suggestions(con) -> None:
    with pytest.raises(AreaError) as exc:
        define_area(con, name="Fout", codes=["BU09950633", "BU09950636", "BU99999999"])
    msg = str(exc.value)
    assert ("BU09950636 (bedoelt u BU09950635 (Park, Jol, Gajoen), BU09950637 (Galjoen Zuid), "
            "BU09950634 (Galjoen)?)") in msg
    assert "BU99999999" in msg and "BU09950633 (bedoelt" not in msg
    assert "data build" in msg
    # a name instead of a code: the codes with that name are suggested
    with pytest.raises(AreaError, match=r"Angelslo \(bedoelt u BU01144300 \(Angelslo\)"):
        define_area(con, name="Fout", codes=["Angelslo"])
    assert list_areas(con).empty


def test_mixed_levels_are_refused_naming_the_double_count(con) -> None:
    with pytest.raises(AreaError) as exc:
        define_area(con, name="Kust", codes=["WK099506", "BU09950633", "BU09950634"])
    msg = str(exc.value)
    assert "mengt wijken (WK099506) en buurten (BU09950633, BU09950634)" in msg
    assert "dubbel tellen: WK099506 bevat BU09950633, BU09950634" in msg
    with pytest.raises(AreaError, match="mengt wijken") as exc:
        define_area(con, name="Kust", codes=["WK011443", "BU09950633"])
    assert "dubbel" not in str(exc.value)
    with pytest.raises(AreaError, match="GM0995 is een gemeente"):
        define_area(con, name="Gemeente", codes=["GM0995"])


def test_mixed_gemeenten_are_refused(con) -> None:
    with pytest.raises(AreaError) as exc:
        define_area(con, name="Twee steden", codes=["BU01144300", "BU09950633"])
    msg = str(exc.value)
    assert "ligt in 2 gemeenten" in msg
    assert "GM0114 (Emmen): BU01144300" in msg and "GM0995 (Lelystad): BU09950633" in msg
    assert "allow_multiple_gemeenten=True" in msg


def test_duplicate_codes_and_empty_input_are_refused(con) -> None:
    with pytest.raises(AreaError, match=r"BU09950633 \(2x\)"):
        define_area(con, name="Dubbel", codes=["BU09950633", "bu09950633 "])
    with pytest.raises(AreaError, match="geen codes"):
        define_area(con, name="Leeg", codes=[])
    with pytest.raises(AreaError, match="naam nodig"):
        define_area(con, name="  ", codes=JOL_GALJOEN)
    with pytest.raises(AreaError, match="geen letters of cijfers"):
        define_area(con, name="//", codes=JOL_GALJOEN)


def test_existing_name_needs_replace(con) -> None:
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    with pytest.raises(AreaError) as exc:
        define_area(con, name="Jol Galjoen", codes=["BU09950633"])
    assert "'jol-galjoen'" in str(exc.value) and "replace=True" in str(exc.value)
    replaced = define_area(con, name="Jol Galjoen", codes=["BU09950633", "BU09950634"],
                           replace=True)
    assert replaced.name == "Jol Galjoen"
    assert get_area(con, "jol-galjoen").codes == ("BU09950633", "BU09950634")
    assert con.execute("SELECT count(*) FROM area_members").fetchone()[0] == 2


# ---------------------------------------------------------------- transactions


class FailingConnection:
    """Wraps a real connection and fails on the n-th statement that matches ``pattern``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pattern: str) -> None:
        self._con = con
        self._pattern = pattern

    def _check(self, sql: str) -> None:
        if self._pattern in sql:
            raise RuntimeError("gesimuleerde schrijffout")

    def execute(self, sql: str, *args):
        self._check(sql)
        return self._con.execute(sql, *args)

    def executemany(self, sql: str, *args):
        self._check(sql)
        return self._con.executemany(sql, *args)


def test_failed_write_leaves_nothing_behind(con) -> None:
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN, description="oud")
    failing = FailingConnection(con, "INSERT INTO area_members")
    # a new area: the areas row written before the failure is rolled back
    with pytest.raises(RuntimeError, match="gesimuleerde"):
        define_area(failing, name="Galjoen", codes=["BU09950634"])
    # replacing: the deletion of the old definition is rolled back too
    with pytest.raises(RuntimeError, match="gesimuleerde"):
        define_area(failing, name="Jol/Galjoen", codes=["BU09950633"], replace=True)
    assert list_areas(con)["area_id"].tolist() == ["jol-galjoen"]
    kept = get_area(con, "jol-galjoen")
    assert kept.codes == tuple(JOL_GALJOEN) and kept.description == "oud"
    assert con.execute("SELECT count(*) FROM area_members").fetchone()[0] == 4
    # an invalid replacement keeps the old definition as well
    with pytest.raises(AreaError):
        define_area(con, name="Jol/Galjoen", codes=["BU01144300", "BU09950633"], replace=True)
    assert get_area(con, "jol-galjoen").codes == tuple(JOL_GALJOEN)
    # and the connection is usable afterwards (no transaction left open)
    define_area(con, name="Galjoen", codes=["BU09950634", "BU09950637"])
    assert list_areas(con)["area_id"].tolist() == ["galjoen", "jol-galjoen"]


# ---------------------------------------------------------------- values


def test_area_values_weights_rates_and_skips_empty_buurt(con) -> None:
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    res = area_values(con, "Jol/Galjoen")
    assert res["area_id"].unique().tolist() == ["jol-galjoen"]
    assert res["indicator_id"].tolist() == ["a_65plus", "a_inw", "p_65plus"]
    inw = value_of(res, "a_inw")
    assert inw["value"] == 2285 + 1055 + 0 + 835 == 4175 and inw["complete"]
    assert value_of(res, "a_65plus")["value"] == 415 + 145 + 0 + 70 == 630
    rate = value_of(res, "p_65plus")
    # weighted by inhabitants: equals 100 * 630 / 4175 = 15.09%, whereas the plain mean of
    # the three buurt percentages (18.16, 13.74, 8.38) would be 13.43%
    assert rate["value"] == pytest.approx(100 * 630 / 4175, rel=1e-12)
    assert round(rate["value"], 2) == 15.09
    # Park, Jol, Gajoen (BU09950635) has 0 inhabitants and a suppressed rate: still complete
    assert bool(rate["complete"]) and rate["n_present"] == 3 and rate["n_parts"] == 4
    assert rate["missing_parts"] == [] and rate["reason"] is None


def test_area_values_filters_and_partial(con) -> None:
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    only_rate = area_values(con, "jol-galjoen", indicators=["p_65plus"])
    assert only_rate["indicator_id"].tolist() == ["p_65plus"]  # base read, not returned
    assert only_rate["value"].iloc[0] == pytest.approx(100 * 630 / 4175)
    assert area_values(con, "jol-galjoen", years=[2023]).empty
    assert len(area_values(con, "jol-galjoen", years=[2024])) == 3
    with pytest.raises(CatalogueError, match=r"p_65plu \(bedoelt u p_65plus"):
        area_values(con, "jol-galjoen", indicators=["p_65plu"])
    # generated: suppress the inhabitants of Galjoen in a second, preferred source
    con.execute("INSERT INTO sources VALUES ('generated_odata', 'g', 'g', '', 'kwb', "
                "'odata_json', '85984NED', 2024, 'gegenereerd', 5, 1, 1)")
    con.execute("INSERT INTO observations VALUES ('a_inw', 2024, 'BU09950634', NULL, ?, "
                "'generated_odata', 'AantalInwoners_5')", [SECRET])
    # the observation view still prefers the real value over a missing one
    assert value_of(area_values(con, "jol-galjoen"), "a_inw")["value"] == 4175
    con.execute("DELETE FROM observations WHERE code = 'BU09950634' AND indicator_id = 'a_inw' "
                "AND source_id <> 'generated_odata'")
    res = area_values(con, "jol-galjoen")
    inw = value_of(res, "a_inw")
    assert math.isnan(inw["value"]) and not inw["complete"]
    assert inw["missing_parts"] == ["BU09950634"]
    assert inw["reason"] == "1 van 4 buurten: " + SECRET
    rate = value_of(res, "p_65plus")
    assert math.isnan(rate["value"])
    assert rate["reason"] == "1 van 4 buurten: gewicht (a_inw): " + SECRET
    part = area_values(con, "jol-galjoen", partial=True)
    assert value_of(part, "a_inw")["value"] == 2285 + 835
    assert value_of(part, "p_65plus")["value"] == pytest.approx(100 * (415 + 70) / (2285 + 835))


def test_single_buurt_area_equals_the_buurt(con) -> None:
    define_area(con, name="Angelslo", codes=["BU01144300"])
    res = area_values(con, "angelslo")
    stored = con.execute("SELECT indicator_id, value FROM observation WHERE code = 'BU01144300' "
                         "ORDER BY indicator_id").fetchall()
    assert [(r.indicator_id, r.value) for r in res.itertuples()] == stored
    assert value_of(res, "ste_mvs")["value"] == 2.0  # a code passes through a one-buurt area
    two = define_area(con, name="Angelslo en Emmerhout", codes=["BU01144300", "BU01144400"])
    code = value_of(area_values(con, two.area_id), "ste_mvs")
    assert math.isnan(code["value"]) and "code of klasse" in code["reason"]


# ---------------------------------------------------------------- area files


def test_load_yaml_file(con, tmp_path: Path) -> None:
    path = tmp_path / "gebieden.yaml"  # generated
    path.write_text(
        "- name: Jol/Galjoen\n"
        "  description: Kustwijk\n"
        "  codes: [BU09950633, BU09950634, BU09950635, BU09950637]\n"
        "- name: Emmen Zuid\n"
        "  codes:\n"
        "    - WK011443\n"
        "    - wk011444\n",
        encoding="utf-8",
    )
    areas = load_area_file(con, path)
    assert [a.area_id for a in areas] == ["jol-galjoen", "emmen-zuid"]
    assert areas[0].description == "Kustwijk" and areas[1].codes == ("WK011443", "WK011444")
    assert list_areas(con)["area_id"].tolist() == ["emmen-zuid", "jol-galjoen"]
    with pytest.raises(AreaFileError, match="regel 1: .*replace=True"):
        load_area_file(con, path)
    assert len(load_area_file(con, path, replace=True)) == 2


def test_load_csv_file(con, tmp_path: Path) -> None:
    path = tmp_path / "gebieden.csv"  # generated, Excel-style with ';'
    path.write_text(
        "area;code;description\n"
        "Jol/Galjoen;BU09950633;Kustwijk\n"
        "Jol/Galjoen;BU09950634;\n"
        "Angelslo;BU01144300;\n"
        "Jol/Galjoen;BU09950637;\n",
        encoding="utf-8-sig",
    )
    areas = load_area_file(con, path)
    assert [(a.area_id, a.codes) for a in areas] == [
        ("jol-galjoen", ("BU09950633", "BU09950634", "BU09950637")),
        ("angelslo", ("BU01144300",)),
    ]
    assert areas[0].description == "Kustwijk"


def test_area_file_errors_name_file_and_line(con, tmp_path: Path) -> None:
    # generated files with one mistake each
    yaml_path = tmp_path / "fout.yaml"
    yaml_path.write_text(
        "- name: Goed\n"
        "  codes: [BU09950633]\n"
        "- name: Fout\n"
        "  codes:\n"
        "    - BU09950634\n"
        "    - BU09950636\n",
        encoding="utf-8",
    )
    with pytest.raises(AreaFileError) as exc:
        load_area_file(con, yaml_path)
    assert isinstance(exc.value, AreaError) and isinstance(exc.value, DataFileError)
    assert exc.value.path == yaml_path and exc.value.line == 6
    assert str(exc.value).startswith(f"{yaml_path}, regel 6: gebied 'Fout': onbekende code")
    assert list_areas(con).empty  # the valid first area is rolled back too

    csv_path = tmp_path / "fout.csv"
    csv_path.write_text(
        "area,code\n"
        "Kust,BU09950633\n"
        "Kust,BU01144300\n",
        encoding="utf-8",
    )
    with pytest.raises(AreaFileError, match="regel 3: .*ligt in 2 gemeenten"):
        load_area_file(con, csv_path)

    dup = tmp_path / "dubbel.csv"
    dup.write_text("gebied,code\nA,BU09950633\nA,BU09950634\nA,bu09950633\n", encoding="utf-8")
    with pytest.raises(AreaFileError, match=r"regel 4: .*BU09950633 \(2x\)"):
        load_area_file(con, dup)

    no_code = tmp_path / "kolom.csv"
    no_code.write_text("area,buurt\nA,BU09950633\n", encoding="utf-8")
    with pytest.raises(AreaFileError, match="regel 1: kolom 'code' ontbreekt"):
        load_area_file(con, no_code)

    twice = tmp_path / "twee.yaml"
    twice.write_text("- name: A\n  codes: [BU09950633]\n- name: a\n  codes: [BU09950634]\n",
                     encoding="utf-8")
    with pytest.raises(AreaFileError, match="regel 3: gebied 'a' staat twee keer"):
        load_area_file(con, twice)

    bad_key = tmp_path / "sleutel.yaml"
    bad_key.write_text("- name: A\n  code: [BU09950633]\n", encoding="utf-8")
    with pytest.raises(AreaFileError, match=r"regel 2: onbekende sleutel\(s\) \['code'\]"):
        load_area_file(con, bad_key)

    broken = tmp_path / "kapot.yaml"
    broken.write_text("- name: A\n  codes: [BU09950633\n", encoding="utf-8")
    with pytest.raises(AreaFileError, match="geen geldige YAML"):
        load_area_file(con, broken)

    with pytest.raises(AreaFileError, match="onbekend bestandstype"):
        load_area_file(con, tmp_path / "gebieden.xlsx")
    assert list_areas(con).empty
