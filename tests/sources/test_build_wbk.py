"""A build from the Wijk- en Buurtkaart sources only (links to the real files in tmp_path):
what they add to the database, their provenance, priorities and data status."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database
from wijkanalyse.sources.status import data_status
from wijkanalyse.store import LAYOUT_PRIORITY

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LINKS = {
    "kwb/wijk_2017_wijkbuurtkaart_attributes.dbf": DATA / "kwb"
    / "wijk_2017_wijkbuurtkaart_attributes.dbf",
    "kwb/gem_2017_wijkbuurtkaart_attributes.dbf": DATA / "kwb"
    / "gem_2017_wijkbuurtkaart_attributes.dbf",
    "kwb/wijk_2023_v0_codes_names.dbf": DATA / "kwb" / "wijk_2023_v0_codes_names.dbf",
    "kwb/kwb_2017_amsterdam_statline_export.csv": DATA / "kwb"
    / "kwb_2017_amsterdam_statline_export.csv",
    "geo/wijk_2016_nl_generalised_rd.geojson": DATA / "geo"
    / "wijk_2016_nl_generalised_rd.geojson",
    "geo/wijkbuurtkaart_2015": DATA / "geo" / "wijkbuurtkaart_2015",
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("wbk")
    src = root / "bron"
    for rel, target in LINKS.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).symlink_to(target, target_is_directory=target.is_dir())
    settings = resolve_settings(db=root / "wbk.duckdb", source=src, cache=root / "cache")
    report = build_database(settings)
    assert report.failed == []
    c = duckdb.connect(str(settings.db_path), read_only=True)
    yield c
    c.close()


def test_sources_layouts_priorities(con) -> None:
    rows = dict(con.execute("SELECT source_id, layout FROM sources").fetchall())
    assert rows == {
        "wijk_2017_wijkbuurtkaart_attributes.dbf": "wbk_dbf",
        "gem_2017_wijkbuurtkaart_attributes.dbf": "wbk_dbf",
        "wijk_2023_v0_codes_names.dbf": "wbk_dbf_indeling",
        "kwb_2017_amsterdam_statline_export.csv": "r_csv",
        "wijk_2016_nl_generalised_rd.geojson": "geojson_boundaries",
        "wijkbuurtkaart_2015: gemeenten 2015": "wbk_geojson",
        "wijkbuurtkaart_2015: wijken 2015": "wbk_geojson",
        "wijkbuurtkaart_2015: buurten 2015": "wbk_geojson",
        "wijkbuurtkaart_2015: wijken 2015 afgeleid uit buurten": "wbk_geojson_afgeleid",
    }
    prio = dict(con.execute("SELECT layout, any_value(priority) FROM sources GROUP BY 1")
                .fetchall())
    assert prio["wbk_geojson_afgeleid"] == LAYOUT_PRIORITY["wbk_geojson_afgeleid"] == 80
    assert prio["r_csv"] < prio["wbk_dbf"] < prio["geojson_boundaries"]


def test_regions_per_year_and_level(con) -> None:
    got = {(y, lvl): n for y, lvl, n in con.execute(
        "SELECT year, level, count(*) FROM regions GROUP BY 1, 2").fetchall()}
    assert got[(2015, "gemeente")] == 393
    assert got[(2015, "wijk")] == 2796 + 20
    assert got[(2015, "buurt")] == 12229
    assert got[(2016, "wijk")] == 2981
    assert got[(2017, "gemeente")] == 388
    assert got[(2017, "wijk")] == 3070
    assert got[(2023, "wijk")] == 3353


def test_best_values_and_no_conflicts(con) -> None:
    q = ("SELECT value, source_id FROM observation WHERE indicator_id = ? AND year = ? "
         "AND code = ?")
    assert con.execute(q, ["a_inw", 2017, "WK036300"]).fetchone() == (
        4245.0, "kwb_2017_amsterdam_statline_export.csv")  # the KWB table wins
    assert con.execute(q, ["a_inw", 2017, "WK000300"]).fetchone() == (
        11970.0, "wijk_2017_wijkbuurtkaart_attributes.dbf")
    assert con.execute(q, ["a_inw", 2015, "WK005000"]).fetchone() == (
        21885.0, "wijkbuurtkaart_2015: wijken 2015 afgeleid uit buurten")
    assert con.execute(q, ["a_inw", 2015, "GM0363"]).fetchone() == (
        821752.0, "wijkbuurtkaart_2015: gemeenten 2015")
    assert con.execute("SELECT sum(value) FROM observation WHERE indicator_id = 'a_inw' "
                       "AND year = 2017 AND code LIKE 'GM%'").fetchone()[0] == 17_081_507
    assert con.execute("SELECT count(*) FROM load_issues WHERE kind = 'conflict'"
                       ).fetchone()[0] == 0


def test_geometries_per_source(con) -> None:
    got = dict(con.execute("SELECT source_id, count(*) FROM geometries GROUP BY 1").fetchall())
    assert got == {
        "wijk_2016_nl_generalised_rd.geojson": 2979,
        "wijkbuurtkaart_2015: gemeenten 2015": 393,
        "wijkbuurtkaart_2015: wijken 2015": 2796,
        "wijkbuurtkaart_2015: buurten 2015": 12229,
        "wijkbuurtkaart_2015: wijken 2015 afgeleid uit buurten": 20,
    }


def test_data_status_shows_derived_source_and_notes(con) -> None:
    st = data_status(con)
    derived = st.sources[st.sources["source_id"].str.contains("afgeleid")]
    assert derived["label"].tolist() == [
        "CBS, Wijk- en Buurtkaart 2015 (wijken afgeleid uit buurten)"]
    assert derived["n_regions"].tolist() == [20]
    notes = con.execute("SELECT detail FROM load_issues WHERE source_id = "
                        "'wijkbuurtkaart_2015: wijken 2015 afgeleid uit buurten'").fetchall()
    assert notes[0][0].startswith("20 wijken van 2015 ontbreken in het wijkbestand")
    assert st.unmapped_columns.empty
