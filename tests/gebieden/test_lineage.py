"""Region lineage across CBS boundary years (issue 12): real cases pinned on the real files,
the corrections file's validation, and the ``data lineage`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from wijkanalyse.cli.main import app
from wijkanalyse.gebieden import lineage
from wijkanalyse.gebieden import load as gebieden_load
from wijkanalyse.gebieden.lineage import corrections

runner = CliRunner()


@pytest.fixture(scope="module")
def table(built_db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        return lineage.read_lineage(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def regions(built_db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        return lineage.prepare_regions(gebieden_load.lineage_inputs(con)[0])
    finally:
        con.close()


def _links(table: pd.DataFrame, code: str, year: int | None = None) -> pd.DataFrame:
    out = table[table["source_code"] == code]
    return out if year is None else out[out["source_year"] == year]


def test_build_writes_a_lineage_for_every_level(table: pd.DataFrame) -> None:
    counts = table.groupby("level").size()
    assert set(counts.index) == {"gemeente", "wijk", "buurt"}
    assert counts["gemeente"] > 2000 and counts["wijk"] > 10000 and counts["buurt"] > 10000
    assert set(table["evidence"].dropna()) <= set(lineage.EVIDENCE)
    assert set(table["certainty"]) <= set(lineage.CERTAINTY)
    assert (table["target_year"] > table["source_year"]).all()
    # the weights of every source region sum to 1 (unresolved regions: one row, no target)
    linked = table[table["target_code"].notna()]
    sums = linked.groupby(["level", "source_year", "source_code"])["weight"].sum()
    assert sums.between(1 - 1e-9, 1 + 1e-9).all()
    unresolved = table[table["target_code"].isna()]
    assert unresolved["note"].str.startswith("geen opvolger gevonden").all()
    assert not unresolved.duplicated(["level", "source_year", "source_code"]).any()


def test_kolenkit_renumbered_with_the_same_boundary(table: pd.DataFrame) -> None:
    link = _links(table, "WK036339", 2021)
    assert link[["target_year", "target_code", "weight", "evidence", "certainty", "note"]] \
        .values.tolist() == [[2023, "WK0363ED", 1.0, "hernummerd", "zeker", "zelfde grens"]]
    # 2016 -> 2017 -> 2019 -> 2021: the same code and name (the partial years are skipped)
    chain = _links(table, "WK036339")
    assert chain[["source_year", "target_year"]].values.tolist() == [
        [2016, 2017], [2017, 2019], [2019, 2021], [2021, 2023]]


def test_amsterdam_wijken_2019_to_2023(table: pd.DataFrame) -> None:
    ams = table[(table["level"] == "wijk") & table["source_code"].str.startswith("WK0363")]
    y2019 = ams[ams["source_year"] == 2019]
    assert len(y2019) == 99 and (y2019["evidence"] == "code+naam").all()
    assert (y2019["target_year"] == 2021).all()
    y2021 = ams[ams["source_year"] == 2021]
    by = y2021.groupby(["evidence", "certainty"], dropna=False).size().to_dict()
    # 85 of the 99 wijken of 2021 renumbered (79 with the same boundary), 12 links of the
    # wijken split by the 2016 and 2024 polygons (weighed by the inhabitants of the 2015
    # buurten: pieces without inhabitants get no link); the two the rules left without
    # successor (their 2016 polygons count the water of the port) are in the shipped
    # corrections
    assert by[("hernummerd", "zeker")] == 79
    assert by[("hernummerd", "waarschijnlijk")] == 6
    assert by[("geometrie", "waarschijnlijk")] + by[("geometrie", "onzeker")] == 12
    split = y2021[y2021["evidence"] == "geometrie"]
    assert split["note"].str.contains("gewicht naar inwoners \\(buurten van 2015\\)").any()
    assert y2021["target_code"].notna().all()
    fixed = y2021[y2021["evidence"] == "correctie"]
    assert fixed[["source_code", "target_code", "weight"]].values.tolist() == [
        ["WK036310", "WK0363BA", 0.58], ["WK036310", "WK0363BB", 0.42],
        ["WK036311", "WK0363FA", 1.0]]
    assert set(y2021["source_code"]) == set(y2019["source_code"])


def test_dijk_en_waard_merger(table: pd.DataFrame) -> None:
    for code in ("GM0398", "GM0416"):  # Heerhugowaard, Langedijk
        link = _links(table, code, 2019)
        assert link[["target_year", "target_code", "weight", "evidence"]].values.tolist() == [
            [2022, "GM1980", 1.0, "geometrie"]]
        assert link["certainty"].iloc[0] == "waarschijnlijk"
        assert link["note"].iloc[0] == "grenzen van 2015 en 2022 vergeleken"
    # their wijken of 2017 are renumbered into Dijk en Waard by name
    wijk = _links(table, "WK039801", 2017)
    assert wijk[["target_year", "target_code", "evidence"]].values.tolist() == [
        [2023, "WK198010", "hernummerd"]]


def test_heerlen_de_beitel_is_listed_not_guessed(table: pd.DataFrame, built_db: Path) -> None:
    """WK091742 is called "Wijk 41 De Beitel" in 2015 and 2016 and "Wijk 42 De Beitel" from
    2017: the code and the name (without the number) agree, so the code is kept and the
    disagreement is written on the link; the 2016 SQLite row under that name (which names
    wijk 41) stays unmatched."""
    links = _links(table, "WK091742")
    noted = links[links["note"].fillna("").str.contains("noemt wijk 41")]
    assert noted["source_year"].tolist() == [2015, 2016]
    assert (links["target_code"] == "WK091742").all()
    assert (links["certainty"] == "zeker").all()
    # WK091741 (Heerlerbaan-Schil) is not touched by it
    assert (_links(table, "WK091741")["target_code"] == "WK091741").all()
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        issues = con.execute("SELECT kind, line FROM load_issues WHERE detail LIKE "
                             "'%Wijk 41 De Beitel%'").fetchall()
    finally:
        con.close()
    assert issues == [("unmatched_name", 80)]


def test_shipped_corrections_applied(table: pd.DataFrame) -> None:
    weesp = _links(table, "GM0457", 2022)
    assert weesp[["target_year", "target_code", "weight", "evidence", "certainty"]] \
        .values.tolist() == [[2023, "GM0363", 1.0, "correctie", "zeker"]]
    hellevoetsluis = _links(table, "GM0530", 2022)
    assert hellevoetsluis["target_code"].tolist() == ["GM1992"]
    # Brielle and Westvoorne: by the names of their wijken
    for code in ("GM0501", "GM0614"):
        assert _links(table, code, 2022)[["target_code", "evidence"]].values.tolist() == [
            ["GM1992", "samenvoeging"]]


# --------------------------------------------------------------------------- corrections


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "correcties.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """correcties:
  - van: WK036339
    van_jaar: 2021
    naar_jaar: 2023
    naar: {WK0363ED: 0.75, WK0363EC: 0.25}
    reden: proef
"""


def test_correction_file_is_read(tmp_path: Path, regions: pd.DataFrame) -> None:
    fixes = lineage.read_corrections(_write(tmp_path, GOOD), regions)
    assert fixes[["source_code", "target_code", "weight", "evidence", "level"]] \
        .values.tolist() == [["WK036339", "WK0363ED", 0.75, "correctie", "wijk"],
                             ["WK036339", "WK0363EC", 0.25, "correctie", "wijk"]]


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD.replace("WK036339", "WK036399"), 2, ["onbekende code WK036399 in 2021"]),
    (GOOD.replace("WK0363EC: 0.25", "WK0363EC: 0.35"), 2,
     ["WK036339", "tellen op tot 1.1, niet tot 1"]),
    (GOOD.replace("WK0363EC", "WK0363ZZ"), 2, ["onbekende code WK0363ZZ in 2023"]),
    (GOOD.replace("naar_jaar: 2023", "naar_jaar: 2019").replace(
        "{WK0363ED: 0.75, WK0363EC: 0.25}", "{WK036339: 1}"), 2, ["WK036339", "kring"]),
    (GOOD + "  - van: WK036338\n    van_jaar: 2019\n    naar_jaar: 2021\n"
            "    naar: {WK036338: 0.5}\n", 7, ["WK036338", "tellen op tot 0.5"]),
])
def test_bad_correction_file_names_file_line_and_code(
        tmp_path: Path, regions: pd.DataFrame, text: str, line: int, words: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(lineage.CorrectionFileError) as info:
        lineage.load_corrections(regions, [path])
    message = str(info.value)
    assert f"{path}, regel {line}" in message
    assert "niets uit dit bestand toegepast" in message
    for w in words:
        assert w in message


def test_corrections_replace_all_links_of_their_region(regions: pd.DataFrame,
                                                       table: pd.DataFrame,
                                                       tmp_path: Path) -> None:
    fixes = lineage.read_corrections(_write(tmp_path, GOOD), regions)
    out = lineage.apply_corrections(table, fixes)
    got = _links(out, "WK036339", 2021)
    assert sorted(got["target_code"]) == ["WK0363EC", "WK0363ED"]
    assert len(out) == len(table) + 1


def test_a_cycle_through_two_corrections(tmp_path: Path) -> None:
    regions = pd.DataFrame({"year": [2020, 2021, 2020, 2021],
                            "code": ["WK000101", "WK000101", "WK000102", "WK000102"]})
    edges = {(2020, "WK000101"): [(2021, "WK000102", 3)],
             (2021, "WK000102"): [(2020, "WK000101", 8)]}

    def fail(line, message):
        return lineage.CorrectionFileError(f"f, regel {line}: {message}")

    with pytest.raises(lineage.CorrectionFileError, match="regel 8: WK000102: kring"):
        corrections._check_cycles(edges, fail)
    assert len(regions) == 4


# --------------------------------------------------------------------------- compute


def test_split_by_polygons_gives_area_weights() -> None:
    """A hand-made split: wijk A of 2020 (a 2 x 1 km rectangle) becomes B (the western
    quarter) and C (the rest) in 2021; the weights are the area shares."""
    import shapely
    from pyproj import Transformer

    to_wgs = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)

    def gj(x0, x1):
        box = shapely.box(x0, 450000, x1, 451000)
        return shapely.to_geojson(shapely.transform(
            box, lambda xy: __import__("numpy").column_stack(to_wgs.transform(xy[:, 0],
                                                                               xy[:, 1]))))

    regions = pd.DataFrame({"year": [2020, 2021, 2021], "code": ["WK000101", "WK000102",
                                                                 "WK000103"],
                            "level": "wijk", "name": ["Oud", "West", "Oost"]})
    geoms = pd.DataFrame({"year": [2020, 2021, 2021], "level": "wijk",
                          "code": ["WK000101", "WK000102", "WK000103"],
                          "geojson": [gj(150000, 152000), gj(150000, 150500),
                                      gj(150500, 152000)]})
    out = lineage.compute_lineage(regions, geoms)
    got = out[out["source_code"] == "WK000101"]
    assert got["target_code"].tolist() == ["WK000102", "WK000103"]
    assert got["weight"].round(3).tolist() == [0.25, 0.75]
    assert set(got["evidence"]) == {"geometrie"}


# --------------------------------------------------------------------------- command


def test_data_lineage_command(built_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_db, db)
    res = runner.invoke(app, ["--db", str(db), "data", "lineage", "WK036339"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert ("WK036339 De Kolenkit (2016–2021) → WK0363ED De Kolenkit (2023–): hernummerd, "
            "zelfde grens, zeker") in res.output
    res = runner.invoke(app, ["--db", str(db), "data", "lineage", "wk0363ed", "--format",
                              "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["code"] == "WK0363ED" and data["level"] == "wijk"
    assert [s["code"] for s in data["spans"]][-2:] == ["WK036339", "WK0363ED"]
    assert data["spans"][-1]["open_end"] is True
    res = runner.invoke(app, ["--db", str(db), "data", "lineage", "GM1980"],
                        env={"COLUMNS": "200"})
    assert "GM0398 Heerhugowaard (2013–2019) → GM1980 Dijk en Waard (2022–): samengevoegd" \
        in res.output
    res = runner.invoke(app, ["--db", str(db), "data", "lineage", "WK999999"])
    assert res.exit_code == 1
    assert "WK999999 is geen gemeente, wijk of buurt" in res.output


# --------------------------------------------------------------------------- profile


def test_profiel_de_kolenkit_is_one_area_with_a_continuous_series(built_db: Path) -> None:
    """The issue's user case: "De Kolenkit" was ambiguous (WK036339 2016-2021, WK0363ED from
    2022, and the 2015 buurt BU03630239 with the same boundary as the wijk of 2016); it is one
    area now, with inhabitants 2015-2024, the Leefbaarometer and notes under the charts."""
    from wijkanalyse.gebieden.subjects import resolve_subject
    from wijkanalyse.profiel.assemble import build_profile

    con = duckdb.connect(str(built_db), read_only=True)
    try:
        subject = resolve_subject(con, "De Kolenkit")
        prof = build_profile(con, subject, with_peers=False, with_signals=False,
                             with_location=False, with_stories=False, with_segregatie=False,
                             with_kennis=False)
    finally:
        con.close()
    assert subject.id == "WK0363ED"
    assert [(d.years, d.members, d.level) for d in subject.other_years] == [
        ([2016, 2017, 2019, 2021], ["WK036339"], "wijk"), ([2015], ["BU03630239"], "buurt")]
    inw = next(s for s in prof.series if s.indicator_id == "a_inw")
    assert [(p.year, p.area) for p in inw.points] == [
        (2015, 9215.0), (2017, 9915.0), (2019, 10160.0), (2021, 11020.0), (2024, 12140.0)]
    assert inw.note is not None
    assert ("Op de grenzen van 2024; 2017, 2019 en 2021 omgerekend (WK036339: hernummerd, "
            "zelfde grens)") in inw.note
    assert "Op de grenzen van 2024; 2015 omgerekend (BU03630239: buurt van toen" in inw.note
    lbm = next(s for s in prof.leefbaarometer if s.indicator_id == "lbm")
    assert [p.year for p in lbm.points if p.area is not None][-1] == 2024


def test_a_split_is_weighed_by_inhabitants(table: pd.DataFrame) -> None:
    """Boarnsterhim (2013) was divided over four gemeenten in 2014: weighed by the
    inhabitants of the 2015 buurten in each piece, not by area."""
    got = _links(table, "GM0055", 2013).set_index("target_code")["weight"].round(3)
    assert got.to_dict() == {"GM0074": 0.309, "GM0080": 0.566, "GM1900": 0.085,
                             "GM1921": 0.040}
    assert _links(table, "GM0055", 2013)["note"].eq(
        "gewicht naar inwoners (buurten van 2015)").all()
