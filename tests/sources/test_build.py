"""Integration: the database built from all of ../shared/data, with pinned real figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from wijkanalyse import store
from wijkanalyse.errors import DataFileError
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database
from wijkanalyse.sources.registry import discover
from wijkanalyse.sources.status import data_status


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


@pytest.fixture(scope="module")
def con(built_db: Path):
    c = store.connect(built_db, read_only=True)
    yield c
    c.close()


def test_every_source_file_is_loaded(con, shared_data: Path) -> None:
    loaded = {r[0] for r in con.execute("SELECT file_name FROM sources").fetchall()}
    # every source unit: files, and folders read as one source (OData table, Wijk- en
    # Buurtkaart split per veiligheidsregio)
    expected = {u.name for u in discover(shared_data)
                if u.is_dir() or u.suffix in {".csv", ".sqlite", ".geojson", ".dbf"}}
    assert {"odata_85984NED_kwb2024", "wijkbuurtkaart_2015"} <= expected
    assert expected <= loaded
    assert _one(con, "SELECT count(*) FROM load_issues WHERE kind = 'failed_source'") == 0


def test_amsterdam_2019_inhabitants_equal_across_layouts(con) -> None:
    rows = con.execute(
        """SELECT s.layout, o.value FROM observations o JOIN sources s USING (source_id)
           WHERE o.indicator_id = 'a_inw' AND o.year = 2019 AND o.code = 'GM0363'
           ORDER BY s.layout"""
    ).fetchall()
    layouts = {layout: value for layout, value in rows}
    assert layouts["odata_csv"] == layouts["r_csv"] == 862965
    assert _one(con, """SELECT value FROM observation
                        WHERE indicator_id='a_inw' AND year=2019 AND code='GM0363'""") == 862965


def test_leefbaarometer_groningen_oud_noord_2024(con) -> None:
    lbm = _one(con, """SELECT value FROM observation
                       WHERE indicator_id='lbm' AND year=2024 AND code='WK001403'""")
    afw = _one(con, """SELECT value FROM observation
                       WHERE indicator_id='lbm_afw' AND year=2024 AND code='WK001403'""")
    assert lbm == pytest.approx(3.99955665916473, abs=1e-12)
    assert afw == pytest.approx(-0.102708191978951, abs=1e-12)
    name = _one(con, "SELECT name FROM regions WHERE code='WK001403' AND year=2024")
    assert name == "Oud-Noord"


def test_regions_per_year_and_level(con) -> None:
    counts = dict(((y, lv), n) for y, lv, n in con.execute(
        "SELECT year, level, count(*) FROM regions GROUP BY ALL").fetchall())
    assert counts[(2024, "land")] == 1
    assert counts[(2024, "gemeente")] == 342
    assert counts[(2024, "wijk")] == 3393
    assert counts[(2024, "buurt")] == 14574
    # Heerlen 2016 (names only in the SQLite) resolved to CBS codes
    assert _one(con, """SELECT value FROM observation WHERE indicator_id='a_inw'
                        AND year=2016 AND code='GM0917'""") == 87406
    assert _one(con, "SELECT level FROM regions WHERE year=2016 AND code='WK091710'") == "wijk"


def test_padded_codes_and_symbols(con) -> None:
    assert _one(con, "SELECT count(*) FROM regions WHERE code <> trim(code)") == 0
    reason = _one(con, """SELECT missing_reason FROM observation WHERE value IS NULL
                          AND missing_reason LIKE '%''.''%' LIMIT 1""")
    assert reason is not None


def test_provenance_kept(con) -> None:
    row = con.execute(
        """SELECT s.file_name, s.table_id, s.year, o.source_column FROM observations o
           JOIN sources s USING (source_id)
           WHERE o.indicator_id='a_inw' AND o.code='GM0518' AND o.year=2019
             AND s.layout='statline_csv'"""
    ).fetchone()
    assert row == ("kwb_2019_denhaag_statline_export.csv", "84583NED", 2019,
                   "Bevolking/Aantal inwoners (aantal)")


def test_2024_herkomst_joined_on_row_position(con) -> None:
    assert _one(con, """SELECT value FROM observation WHERE indicator_id = 'a_nl_all'
                        AND year=2024 AND code='NL00'""") == 12941748


def test_boundaries_loaded_and_matched(con) -> None:
    assert _one(con, "SELECT count(*) FROM geometries WHERE code LIKE 'WK0361%' "
                     "AND year = 2024") == 8
    den_haag = _one(con, "SELECT count(*) FROM geometries WHERE code LIKE 'BU0518%'")
    assert den_haag >= 100  # 114 municipal buurten, most share the CBS name
    lon, lat = con.execute("SELECT centroid_lon, centroid_lat FROM geometries "
                           "WHERE code='GM0014' ORDER BY year DESC LIMIT 1").fetchone()
    assert 6.4 < lon < 6.8 and 53.1 < lat < 53.3


def test_status_report(con) -> None:
    report = data_status(con)
    assert not report.is_empty
    assert report.failed.empty
    a_inw = report.coverage.query("indicator_id == 'a_inw' and year == 2024 and level == 'buurt'")
    assert a_inw["n_value"].iloc[0] + a_inw["n_missing"].iloc[0] == 14574
    # names that could not be resolved are listed, not dropped silently
    assert set(report.issues["kind"]) >= {"unmatched_name"} or report.unmatched.empty


def _dump(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for table in ("sources", "indicators", "region_sources", "observations", "geometries",
                  "load_issues", "areas", "area_members", "documents"):
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        order = ", ".join(f'"{c}"' for c in cols if c not in ("geojson",))
        out[table] = con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    con.close()
    return out


def test_build_twice_gives_same_database(built_db: Path, rebuilt_db: dict) -> None:
    """The session's fresh build and a second build of the same files over a copy of it (the
    fixture rebuilt_db, which first added a user area) give equal tables; the user area is
    carried over and is the only difference."""
    assert rebuilt_db["rebuilt"].exit_code == 0, rebuilt_db["rebuilt"].output
    first = _dump(built_db)
    again = _dump(rebuilt_db["path"])
    for table in first:
        if table in ("areas", "area_members"):
            continue
        assert first[table] == again[table], table
    assert first["areas"] == [] and first["area_members"] == []
    assert [row[0] for row in again["areas"]] == ["jol-galjoen"]
    assert sorted(row[1] for row in again["area_members"]) == [
        "BU09950633", "BU09950634", "BU09950635", "BU09950637"]


def test_bad_file_leaves_database_untouched(shared_data: Path, tmp_path: Path) -> None:
    src = tmp_path / "bronnen"
    src.mkdir()
    shutil.copy(shared_data / "leefbaarometer" / "lbm3_scores_wijken_2002_2024_selection.csv",
                src / "lbm3_scores_wijken_2002_2024_selection.csv")
    db = tmp_path / "w.duckdb"
    settings = resolve_settings(db=db, source=src, cache=tmp_path / "c")
    build_database(settings)
    before = _dump(db)
    # generated broken file: a truncated StatLine export (header + half a row)
    (src / "kwb_2019_kapot.csv").write_text(
        '\ufeffWijken en buurten;Regioaanduiding/Codering (code);'
        'Bevolking/Aantal inwoners (aantal)\n"Amsterdam";"GM0363    ";"86', encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        build_database(settings)
    assert "kwb_2019_kapot.csv" in str(info.value)
    assert _dump(db) == before
    assert not list(tmp_path.glob("*.tmp"))
    # with skip, the rest loads and the failure is recorded
    report = build_database(settings, strict=False)
    assert [f.path.name for f in report.failed] == ["kwb_2019_kapot.csv"]
    con = duckdb.connect(str(db), read_only=True)
    assert _one(con, "SELECT count(*) FROM load_issues WHERE kind='failed_source'") == 1
    con.close()


def test_unknown_file_is_named(tmp_path: Path) -> None:
    src = tmp_path / "bronnen"
    src.mkdir()
    (src / "iets.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # generated, unknown layout
    with pytest.raises(DataFileError, match="iets.csv"):
        build_database(resolve_settings(db=tmp_path / "w.duckdb", source=src,
                                        cache=tmp_path / "c"))
