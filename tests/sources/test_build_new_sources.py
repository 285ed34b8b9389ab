"""The sources of the second collection in the build: kwb-xlsx, the renamed CSV, Politie,
RIVM Gezondheidsmonitor, and documentation next to the data (listed, never read as data).

The build runs on a folder of symlinks to the real files (plus the nationwide KWB 2024 and the
2022 gemeente boundaries, the coded references the Politie names are resolved against), so
that it is fast and independent of files other readers handle."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from wijkanalyse import store
from wijkanalyse.cli.main import app
from wijkanalyse.sources.registry import detect, discover, discover_documents, documentation_kind
from wijkanalyse.sources.status import data_status

MINE = [
    "kwb/kwb_2023_utrecht_cbs_xlsx.xlsx",
    "kwb/kwb_2024_utrecht_cbs_xlsx.xlsx",
    "kwb/kwb_2023_amsterdam_income_renamed.csv",
    "crime/politie_47013NED_misdrijven_gemeente_2022_2023.csv",
    "crime/politie_47013NED_misdrijven_gemeente_2024.csv",
    "gezondheid/rivm_gezondheidsmonitor_2016_wijk_eenzaamheid.csv",
]
REFERENCES = ["kwb/kwb_2024_nl_all_levels_pop_sex_age.csv",
              "geo/gemeenten_2022_gegeneraliseerd_wgs84.geojson",
              # names of 2015 next to wijk codes of 2016 (RIVM), 2017 and the Leefbaarometer
              # series on the 2024 division
              "kwb/kwb_2015_amsterdam_income_statline_export.csv",
              "kwb/kwb_2017_amsterdam_statline_export.csv",
              "leefbaarometer/lbm3_scores_wijken_2002_2024_selection.csv"]
DOCS = {
    "PROVENANCE.md": "readme",
    "docs/toelichting_variabelen_kwb_2023.pdf": "pdf",
    "docs/toelichting_variabelen_kwb_2024.pdf": "pdf",
    "kwb/wijk_2017_wijkbuurtkaart_metadata.shp.xml": "esri_metadata",
    "lists/krachtwijken40_BCF_BWBR0004418_2011-07-20.md": "markdown",
}
#: Files read by the Wijk- en Buurtkaart readers of another branch (readers-b).
OTHER_READERS = {"gem_2017_wijkbuurtkaart_attributes.dbf",
                 "wijk_2017_wijkbuurtkaart_attributes.dbf", "wijk_2023_v0_codes_names.dbf"}


def _one(con, sql: str):
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("bronnen")
    for rel in [*MINE, *REFERENCES, *DOCS]:
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(shared_data / rel)
    return src


@pytest.fixture(scope="module")
def db(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "w.duckdb"
    result = CliRunner().invoke(app, ["--db", str(path), "data", "build", "--source",
                                      str(folder)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output  # strict: no file fails
    assert "5 documentatiebestanden gevonden" in result.output
    return path


@pytest.fixture(scope="module")
def con(db: Path):
    c = store.connect(db, read_only=True)
    yield c
    c.close()


def test_whole_folder_is_recognised(shared_data: Path) -> None:
    """The build of all of ../shared/data no longer stops at these files: every unit is
    recognised by a reader except the Wijk- en Buurtkaart files of the other readers branch, and
    documentation is not a unit at all."""
    units = discover(shared_data)
    undetected = {p.name for p in units if detect(p) is None}
    assert undetected <= OTHER_READERS
    names = {p.name for p in units}
    assert {Path(m).name for m in MINE} <= names
    assert not {Path(d).name for d in DOCS} & names
    layouts = {p.name: detect(p)[0] for p in units if p.name in {Path(m).name for m in MINE}}
    assert sorted(set(layouts.values())) == ["ggd_gezondheidsmonitor_csv",
                                              "kwb_xlsx", "politie_statline_csv", "renamed_csv"]


def test_documents_discovered(shared_data: Path, tmp_path: Path) -> None:
    docs = {d.rel_path: d for d in discover_documents(shared_data)}
    assert {k: d.kind for k, d in docs.items()} == DOCS
    assert docs["docs/toelichting_variabelen_kwb_2023.pdf"].title == \
        "Kerncijfers wijken en buurten"
    assert docs["kwb/wijk_2017_wijkbuurtkaart_metadata.shp.xml"].title == "wijk_2017"
    assert docs["lists/krachtwijken40_BCF_BWBR0004418_2011-07-20.md"].title.startswith(
        "Besluit van 17 oktober 1988")
    # generated files: a README without suffix and an ISO metadata XML are documentation, an
    # XML that is not a metadata record is not (it stays an unknown file, never dropped)
    (tmp_path / "README").write_text("generated\n", encoding="utf-8")
    (tmp_path / "generated_meta.xml").write_text(
        '<?xml version="1.0"?><gmd:MD_Metadata xmlns:gmd="x"/>', encoding="utf-8")
    (tmp_path / "generated_data.xml").write_text("<feed><entry/></feed>", encoding="utf-8")
    assert documentation_kind(tmp_path / "README")[0] == "readme"
    assert documentation_kind(tmp_path / "generated_meta.xml")[0] == "xml_metadata"
    assert documentation_kind(tmp_path / "generated_data.xml") is None
    assert [p.name for p in discover(tmp_path)] == ["generated_data.xml"]


def test_pinned_values_in_the_database(con) -> None:
    def obs(ind: str, year: int, code: str):
        return _one(con, f"SELECT value FROM observation WHERE indicator_id = '{ind}' "
                         f"AND year = {year} AND code = '{code}'")

    assert obs("a_inw", 2023, "GM0344") == 367947
    assert obs("g_woz", 2023, "GM0344") == 458
    assert obs("p_wcorpw", 2023, "GM0344") == 31
    assert obs("a_soz_wb", 2023, "GM0344") == 10410
    assert obs("a_inw", 2024, "GM0344") == 374238  # the xlsx and the StatLine CSV agree
    assert obs("g_ink_pi", 2023, "GM0363") == 38.6
    assert obs("pol_misd_tot", 2022, "NL00") == 800027
    assert obs("pol_misd_tot", 2023, "NL00") == 805590
    assert obs("pol_misd_tot", 2024, "NL00") == 805559
    assert obs("pol_misd_tot", 2024, "GM0363") == 82964
    assert obs("gzm_p_eenzaam", 2016, "WK011443") == 49
    # no conflict between the two 2024 sources of Utrecht's inhabitants
    assert _one(con, "SELECT count(*) FROM load_issues WHERE kind = 'conflict' "
                     "AND column_name = 'a_inw'") == 0


def test_politie_gemeenten_resolved_per_year(con) -> None:
    per_year = dict(con.execute(
        "SELECT year, count(*) FROM observation WHERE indicator_id = 'pol_misd_tot' "
        "AND code LIKE 'GM%' GROUP BY year").fetchall())
    # 2022: the 2022 gemeente list is loaded (boundaries): 341 of 342, Voorne aan Zee (2023)
    # is not a gemeente of 2022; 2023: no list, 341 by continuity 2022-2024; 2024: all 342
    assert per_year == {2022: 341, 2023: 341, 2024: 342}
    methods = dict(con.execute(
        "SELECT year, list(DISTINCT match_method ORDER BY match_method) FROM region_sources "
        "WHERE source_id LIKE 'politie%' AND code LIKE 'GM%' GROUP BY year").fetchall())
    # 2023: Utrecht and Amsterdam are in the 2023 xlsx and renamed CSV, the rest by continuity
    assert methods == {2022: ["gemeente"], 2023: ["gemeente", "gemeente:continu"],
                       2024: ["gemeente"]}
    unmatched = [r[0] for r in con.execute(
        "SELECT detail FROM load_issues WHERE source_id LIKE 'politie%' "
        "AND kind = 'unmatched_name' ORDER BY detail").fetchall()]
    assert len(unmatched) == 2 and all("Voorne aan Zee" in u for u in unmatched)
    notes = " ".join(r[0] for r in con.execute(
        "SELECT detail FROM load_issues WHERE source_id LIKE 'politie%' AND kind = 'note'"
    ).fetchall())
    assert "GM0457 Weesp" in notes and "GM0501 Brielle" in notes
    assert "'Amsterdam (RE)' is geen gemeente" in notes
    label = _one(con, "SELECT label FROM sources WHERE source_id = "
                      "'politie_47013NED_misdrijven_gemeente_2024.csv'")
    assert label == "Politie, Geregistreerde misdrijven (CBS-tabel 47013NED) 2024"


def test_sources_table(con) -> None:
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT source_id, kind, layout, year, label FROM sources").fetchall()}
    assert rows["rivm_gezondheidsmonitor_2016_wijk_eenzaamheid.csv"] == (
        "gezondheid", "ggd_gezondheidsmonitor_csv", 2016,
        "RIVM/GGD, Gezondheidsmonitor Volwassenen en Ouderen 2016")
    assert rows["kwb_2023_utrecht_cbs_xlsx.xlsx"][:3] == ("kwb", "kwb_xlsx", 2023)
    assert rows["kwb_2023_amsterdam_income_renamed.csv"][:3] == ("kwb", "renamed_csv", 2023)


def test_status_lists_documentation(con, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = data_status(con)
    assert report.failed.empty
    docs = dict(zip(report.documents["rel_path"], report.documents["kind"], strict=True))
    assert docs == DOCS
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(db), "data", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert {d["rel_path"] for d in status["documents"]} == set(DOCS)
    pdf = next(d for d in status["documents"] if d["kind"] == "pdf")
    assert pdf["title"] == "Kerncijfers wijken en buurten" and pdf["size_bytes"] > 300_000
    # the CLI's console took its width when it was made (at import, whatever COLUMNS was then)
    from wijkanalyse.cli import util

    monkeypatch.setattr(util.console, "width", 200)
    text = runner.invoke(app, ["--db", str(db), "data", "status", "--alles"]).stdout
    assert "Documentatie (5" in text and "toelichting_variabelen_kwb_2023.pdf" in text
    assert "Niet geladen bestanden" not in text


def test_indicatoren_json_has_peiljaar() -> None:
    result = CliRunner().invoke(app, ["data", "indicatoren", "--domein", "wonen",
                                      "--format", "json"])
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["g_woz"]["peiljaar"]["offset"] == -1
    assert rows["p_wcorpw"]["peiljaar"] is None


def test_status_of_an_older_database_without_documents(tmp_path: Path) -> None:
    path = tmp_path / "oud.duckdb"
    con = store.connect(path)
    con.execute("DROP TABLE documents")
    report = data_status(con)
    con.close()
    assert report.documents.empty and list(report.documents.columns)[:2] == ["rel_path", "kind"]


def test_database_has_no_paths_outside_the_documents(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    n = _one(con, "SELECT count(*) FROM documents")
    con.close()
    assert n == 5


def test_2015_names_get_codes_of_their_own_time(con) -> None:
    """The Leefbaarometer lists 2024 wijk codes (WK0363AE) under 2002-2024; a 2015 name must get
    the code of the division of its time (WK036300, known from 2016 and 2017), not a 2024 one."""
    rows = dict(con.execute(
        "SELECT name, code FROM region_sources WHERE source_id = "
        "'kwb_2015_amsterdam_income_statline_export.csv'").fetchall())
    assert rows["Burgwallen-Oude Zijde"] == "WK036300"
    assert rows["Grachtengordel-West"] == "WK036302"
    wijken = [c for c in rows.values() if c.startswith("WK")]
    assert len(wijken) >= 70 and all(c[6:].isdigit() for c in wijken)


def test_reference_for_resolution_drops_series_years(tmp_path: Path) -> None:
    import pandas as pd

    from wijkanalyse.sourcetable import SourceInfo, SourceTable, empty_values

    con = store.connect(tmp_path / "ref.duckdb")
    for layout, years in (("lbm_wijk_csv", [2016, 2024]), ("statline_csv", [2017])):
        regions = pd.DataFrame({
            "region_key": range(len(years)), "year": years,
            "code": "WK036300" if layout == "statline_csv" else "WK0363AE", "level": "wijk",
            "name": "Burgwallen-Oude Zijde", "gemeente_name": "Amsterdam", "line": 2})
        info = SourceInfo(path=tmp_path / f"generated_{layout}.csv", kind="kwb", layout=layout,
                          table_id=None, year=None)
        store.write_source_table(con, SourceTable(source=info, regions=regions,
                                                  values=empty_values()))
    every = store.reference_regions(con)
    resolution = store.reference_regions(con, for_resolution=True)
    con.close()
    assert sorted(zip(every["year"], every["code"], strict=True)) == [
        (2016, "WK0363AE"), (2017, "WK036300"), (2024, "WK0363AE")]
    assert sorted(zip(resolution["year"], resolution["code"], strict=True)) == [
        (2017, "WK036300"), (2024, "WK0363AE")]
