"""Tests of the GeoJSON boundaries reader against the real files in ../shared/data/geo.

Small cases (broken files, RD coordinates without crs, parts, secret values) are generated in
``tmp_path`` by the tests themselves; nothing from the shared data is copied.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import boundaries as rb
from wijkanalyse.sources import boundary_features as bf
from wijkanalyse.sources import geometry as geo
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import REGION_COLUMNS, VALUE_COLUMNS, SourceTable
from wijkanalyse.store import init_schema, write_source_table

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
GEO = SHARED / "geo"
GEOD = Geod(ellps="WGS84")

pytestmark = pytest.mark.skipif(not GEO.is_dir(), reason="../shared/data/geo not present")


def _catalogue(*, alias: bool = False) -> Catalogue:
    """A hand-made catalogue, so that these tests do not depend on the evolving YAML."""
    ind = {"id": "a_inw", "label": "Aantal inwoners", "unit": "aantal", "domain": "bevolking",
           "kind": "count", "headers": ["Bevolking/Aantal inwoners (aantal)"],
           "odata_keys": ["AantalInwoners_5"]}
    if alias:
        ind["aliases"] = ["aantalInwoners"]
    return parse_catalogue({"indicators": [ind]}, origin="test")


def _read(path: Path, catalogue: Catalogue | None = None) -> SourceTable:
    tables = rb.read(path, catalogue=catalogue or _catalogue(), context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def _merged(table: SourceTable) -> pd.DataFrame:
    return table.regions.merge(table.geometries, on="region_key", how="left")


def _feature_collection(features: list[dict], **extra: object) -> dict:
    return {"type": "FeatureCollection", **extra, "features": features}


def _polygon_feature(coords: list[list[float]], **props: object) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [coords]}}


def _square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _write(path: Path, doc: dict, *, indent: int | None = 1) -> Path:
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------- sniff


@pytest.mark.parametrize("name", sorted(p.name for p in GEO.glob("*.geojson")) or ["-"])
def test_sniff_recognises_every_real_boundary_file(name: str) -> None:
    assert rb.sniff(GEO / name) == "geojson_boundaries"


def test_sniff_rejects_odata_json_and_other_sources(tmp_path: Path) -> None:
    odata_dir = SHARED / "kwb" / "odata_85984NED_kwb2024"
    for name in ("TableInfos.json", "DataProperties.json", "stripped_filtered_data_2024.json"):
        assert rb.sniff(odata_dir / name) is None
    assert rb.sniff(odata_dir) is None
    for csv in (SHARED / "kwb").glob("*.csv"):
        assert rb.sniff(csv) is None
    # generated: the OData files' openings outside their folder, a foreign JSON, junk bytes
    (tmp_path / "DataProperties.json").write_text(
        '[{"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Key": "WijkenEnBuurten"}]')
    (tmp_path / "values.json").write_text('{"GM1680": {"AantalInwoners_5": 25845}}')
    (tmp_path / "odata.json").write_text(
        '{"odata.metadata": "x", "value": [{"type": "FeatureCollection"}]}')
    (tmp_path / "junk.geojson").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "wijken.csv").write_text('{"type": "FeatureCollection", "features": []}')
    for name in ("DataProperties.json", "values.json", "odata.json", "junk.geojson",
                 "wijken.csv", "does_not_exist.geojson"):
        assert rb.sniff(tmp_path / name) is None
    assert rb.sniff(tmp_path) is None


def test_sniff_accepts_features_before_type(tmp_path: Path) -> None:
    # generated: a FeatureCollection whose "type" member comes after the features
    doc = {"features": [_polygon_feature(_square(4.9, 52.3, 0.01), name="A")],
           "type": "FeatureCollection"}
    assert rb.sniff(_write(tmp_path / "x_wijken.json", doc, indent=None)) == "geojson_boundaries"


# ---------------------------------------------------------------------- real files: counts


@pytest.mark.parametrize(
    ("name", "n_regions", "level", "year", "coded"),
    [
        ("alkmaar_wijken_2024_wgs84.geojson", 8, "wijk", 2024, True),
        # 168 features, of which 58 are numbered parts of 7 wijken ("Waterland (1)" ...)
        ("amsterdam_wijken_municipal_names_wgs84.geojson", 117, "wijk", None, False),
        # 598 features, of which 82 are numbered parts of 19 buurten
        ("amsterdam_buurten_municipal_names_wgs84.geojson", 535, "buurt", None, False),
        ("denhaag_buurten_municipal_rd.geojson", 114, "buurt", None, False),
        ("gemeenten_2013_simplified_wgs84.geojson", 412, "gemeente", 2013, True),
        ("gemeenten_2022_gegeneraliseerd_wgs84.geojson", 345, "gemeente", 2022, True),
    ],
)
def test_real_files_counts_levels_years(name: str, n_regions: int, level: str,
                                        year: int | None, coded: bool) -> None:
    table = _read(GEO / name)
    regions, geoms = table.regions, table.geometries
    assert list(regions.columns) == REGION_COLUMNS
    assert list(geoms.columns) == geo.GEOMETRY_COLUMNS
    assert list(table.values.columns) == VALUE_COLUMNS
    assert len(regions) == n_regions
    assert len(geoms) == n_regions
    assert regions["region_key"].tolist() == list(range(1, n_regions + 1))
    assert set(regions["level"]) == {level}
    assert regions["name"].notna().all() and regions["name"].is_unique
    assert table.source.year == year
    assert table.source.kind == "boundaries" and table.source.layout == "geojson_boundaries"
    assert table.source.table_id is None
    assert len(table.source.sha256) == 64
    if year is None:
        assert regions["year"].isna().all()
    else:
        assert (regions["year"] == year).all()
    if coded:
        assert regions["code"].notna().all() and regions["code"].is_unique
    else:
        assert regions["code"].isna().all()
    assert (geoms["area_m2"] > 0).all()
    # geometry text is WGS84 GeoJSON with at most 6 decimals
    first = json.loads(geoms["geojson"].iloc[0])
    assert first["type"] in ("Polygon", "MultiPolygon")
    lon, lat = shapely.get_coordinates(shapely.from_geojson(geoms["geojson"].iloc[0]))[0]
    assert 3.2 < lon < 7.3 and 50.7 < lat < 53.6
    assert round(lon, 6) == lon and round(lat, 6) == lat


def test_real_files_labels() -> None:
    assert _read(GEO / "alkmaar_wijken_2024_wgs84.geojson").source.label == (
        "CBS/PDOK, Wijk- en Buurtkaart 2024")
    assert _read(GEO / "gemeenten_2022_gegeneraliseerd_wgs84.geojson").source.label == (
        "CBS/PDOK, gemeentegrenzen 2022")
    assert _read(GEO / "amsterdam_buurten_municipal_names_wgs84.geojson").source.label == (
        "Gemeente Amsterdam, gebiedsindeling buurten")
    assert _read(GEO / "denhaag_buurten_municipal_rd.geojson").source.label == (
        "Gemeente 's-Gravenhage, gebiedsindeling buurten")


# ---------------------------------------------------------------------------- Den Haag (RD)


def test_denhaag_reprojected_from_rd() -> None:
    table = _read(GEO / "denhaag_buurten_municipal_rd.geojson")
    m = _merged(table)
    assert set(m["source_crs"]) == {"EPSG:28992"}
    # municipal numbering (WIJKBUURTCODE 18006, BUURTCODE "06") is not taken for a CBS code
    assert m["code"].isna().all()
    assert set(m["gemeente_name"]) == {"'s-Gravenhage"}
    assert m["centroid_lon"].between(4.18, 4.42).all()
    assert m["centroid_lat"].between(52.0, 52.14).all()
    assert m.loc[0, "name"] == "Waldeck-Zuid" and m.loc[0, "line"] == 1
    # every vertex is reprojected, not only the centroids
    for text in m["geojson"]:
        xy = shapely.get_coordinates(shapely.from_geojson(text))
        assert xy[:, 0].min() > 4.1 and xy[:, 0].max() < 4.45
        assert xy[:, 1].min() > 51.98 and xy[:, 1].max() < 52.15
    assert table.issues == []


def test_denhaag_area_equals_file_oppervlakte() -> None:
    doc = json.loads((GEO / "denhaag_buurten_municipal_rd.geojson").read_text("utf-8"))
    own = {f["properties"]["BUURTNAAM"]: f["properties"]["OPPERVLAKTE"] for f in doc["features"]}
    m = _merged(_read(GEO / "denhaag_buurten_municipal_rd.geojson")).set_index("name")
    assert m.loc["Schildersbuurt-West", "area_m2"] == pytest.approx(
        own["Schildersbuurt-West"], rel=0.01)
    assert m.loc["Schildersbuurt-West", "area_m2"] == pytest.approx(643_674, rel=0.001)
    for name, area in own.items():
        assert m.loc[name, "area_m2"] == pytest.approx(area, rel=0.01)


def test_denhaag_buurten_cover_gemeente_2022() -> None:
    buurten = _read(GEO / "denhaag_buurten_municipal_rd.geojson").geometries["area_m2"].sum()
    gm = _merged(_read(GEO / "gemeenten_2022_gegeneraliseerd_wgs84.geojson")).set_index("code")
    assert buurten == pytest.approx(85.62e6, rel=0.001)
    assert buurten == pytest.approx(gm.loc["GM0518", "area_m2"], rel=0.01)


# ------------------------------------------------------------------------------- Alkmaar


def test_alkmaar_codes_names_and_centroid() -> None:
    table = _read(GEO / "alkmaar_wijken_2024_wgs84.geojson")
    m = _merged(table).set_index("code")
    assert list(m.index) == [f"WK0361{i:02d}" for i in range(1, 9)]
    assert m.loc["WK036101", "name"] == "Zuid"
    assert m.loc["WK036108", "name"] == "Centrum"
    assert set(m["gemeente_name"]) == {"Alkmaar"}
    assert set(m["source_crs"]) == {"EPSG:4326"}
    doc = json.loads((GEO / "alkmaar_wijken_2024_wgs84.geojson").read_text("utf-8"))
    own = {f["properties"]["wijkCode"]: f["properties"]["centroid"] for f in doc["features"]}
    dist = {code: GEOD.inv(lon, lat, m.loc[code, "centroid_lon"], m.loc[code, "centroid_lat"])[2]
            for code, (lon, lat) in own.items()}
    # the file's own centroid is computed differently (source unknown): measured 44 m for
    # Zuid, at most 276 m (Daalmeer/Koedijk)
    assert dist["WK036101"] < 200
    assert max(dist.values()) < 300
    assert m.loc["WK036101", "area_m2"] == pytest.approx(2.6133e6, rel=0.005)


def test_alkmaar_population_unmapped_without_alias() -> None:
    table = _read(GEO / "alkmaar_wijken_2024_wgs84.geojson", _catalogue(alias=False))
    assert table.values.empty and list(table.values.columns) == VALUE_COLUMNS
    assert [(i.kind, i.column) for i in table.issues] == [
        ("unmapped_column", "aantalInwoners")]


def test_alkmaar_population_loaded_when_catalogue_knows_it() -> None:
    table = _read(GEO / "alkmaar_wijken_2024_wgs84.geojson", _catalogue(alias=True))
    v = table.values.merge(table.regions[["region_key", "code"]], on="region_key")
    v = v.set_index("code")
    assert len(v) == 8
    assert set(v["indicator_id"]) == {"a_inw"} and set(v["year"]) == {2024}
    assert set(v["source_column"]) == {"aantalInwoners"}
    assert v.loc["WK036101", "value"] == 14510
    assert v.loc["WK036108", "value"] == 9555
    assert v["missing_reason"].isna().all()
    assert table.issues == []


# ----------------------------------------------------------------------------- gemeenten


def test_gemeenten_2022_statcode_and_groningen_area() -> None:
    m = _merged(_read(GEO / "gemeenten_2022_gegeneraliseerd_wgs84.geojson")).set_index("code")
    assert m.loc["GM0014", "name"] == "Groningen"
    assert m.loc["GM0014", "gemeente_name"] == "Groningen"
    assert m.loc["GM0014", "line"] == 1
    # Groningen incl. Haren and Ten Boer (2019): CBS gives about 198 km² (land + water)
    assert m.loc["GM0014", "area_m2"] == pytest.approx(197.89e6, rel=0.01)
    assert m.loc["GM0014", "centroid_lon"] == pytest.approx(6.6207, abs=0.001)
    assert m.loc["GM0014", "centroid_lat"] == pytest.approx(53.2186, abs=0.001)
    assert m.loc["GM0363", "name"] == "Amsterdam"
    assert m.loc["GM1991", "name"] == "Maashorst"


def test_gemeenten_2013_feature_id_codes_and_repairs() -> None:
    table = _read(GEO / "gemeenten_2013_simplified_wgs84.geojson")
    m = _merged(table).set_index("code")
    assert m.loc["GM0003", "name"] == "Appingedam"
    assert m.loc["GM1987", "name"] == "Menterwolde"
    assert m.loc["GM0363", "area_m2"] == pytest.approx(197.5e6, rel=0.01)
    # the strongly simplified polygons self-intersect in 60 gemeenten: repaired and noted
    notes = [i for i in table.issues if i.kind == "note"]
    assert len(notes) == 60 and len(table.issues) == 60
    delfzijl = next(i for i in notes if "'Delfzijl'" in i.detail)
    assert delfzijl.line == 5 and "make_valid" in delfzijl.detail
    assert (m["area_m2"] > 0).all()


# ----------------------------------------------------------------------------- Amsterdam


def test_amsterdam_names_parts_merged() -> None:
    table = _read(GEO / "amsterdam_wijken_municipal_names_wgs84.geojson")
    m = _merged(table).set_index("name")
    assert set(m["gemeente_name"]) == {"Amsterdam"}
    assert "Waterland (1)" not in m.index
    assert m.loc["Waterland", "line"] == 96
    assert json.loads(m.loc["Waterland", "geojson"])["type"] == "MultiPolygon"
    assert m.loc["Havens-West", "line"] == 11
    note = next(i for i in table.issues if "'Waterland'" in i.detail)
    assert note.kind == "note" and note.detail.startswith("42 features")
    merges = [i for i in table.issues if "samengevoegd" in i.detail]
    repairs = [i for i in table.issues if "make_valid" in i.detail]
    assert len(merges) == 7 and len(repairs) == 6 and len(table.issues) == 13
    assert repairs[0].line == 154 and "'Groot water (2)'" in repairs[0].detail


def test_amsterdam_buurten_fast_and_consistent_with_wijken() -> None:
    start = time.perf_counter()
    buurten = _read(GEO / "amsterdam_buurten_municipal_names_wgs84.geojson")
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0  # measured about 0.1 s
    m = _merged(buurten).set_index("name")
    # "Reigersbos 1" .. "Reigersbos 4" are separate buurten (no parentheses): not merged
    assert {"Reigersbos 1", "Reigersbos 4"} <= set(m.index)
    assert m.loc["Noorderstrook-West", "line"] == 446
    wijken = _read(GEO / "amsterdam_wijken_municipal_names_wgs84.geojson")
    # both divisions tile the same territory
    total_b = buurten.geometries["area_m2"].sum()
    total_w = wijken.geometries["area_m2"].sum()
    assert total_b == pytest.approx(173.55e6, rel=0.001)
    assert total_b == pytest.approx(total_w, rel=0.001)


# ------------------------------------------------------------------------ store integration


def test_geometries_are_written_by_store() -> None:
    table = _read(GEO / "alkmaar_wijken_2024_wgs84.geojson")
    con = duckdb.connect()
    init_schema(con)
    write_source_table(con, table)
    rows = con.execute(
        "SELECT code, year, level, name, source_crs, round(area_m2) FROM geometries "
        "ORDER BY code").fetchall()
    assert len(rows) == 8
    assert rows[0][:5] == ("WK036101", 2024, "wijk", "Zuid", "EPSG:4326")
    n = con.execute("SELECT count(*) FROM region_sources WHERE level = 'wijk'").fetchone()[0]
    assert n == 8


# ------------------------------------------------------------------------ generated files


def test_rd_coordinates_without_crs_are_an_error(tmp_path: Path) -> None:
    # generated: RD New coordinates (Den Haag centre) in a file that names no crs
    doc = _feature_collection([
        _polygon_feature(_square(81000, 454000, 500), BUURTNAAM="Testbuurt"),
        _polygon_feature(_square(82000, 454000, 500), BUURTNAAM="Tweede"),
    ])
    path = _write(tmp_path / "denhaag_buurten.geojson", doc)
    with pytest.raises(DataFileError) as err:
        _read(path)
    text = str(err.value)
    assert "denhaag_buurten.geojson" in text
    assert "feature 1 ('Testbuurt')" in text
    assert "EPSG:28992" in text and "Wat te doen" in text
    lines = path.read_text().splitlines()
    expected_line = next(n for n, t in enumerate(lines, 1) if t.strip() == '"type": "Feature",')
    assert err.value.line == expected_line == 5


def test_rd_with_crs_member_in_urn_form(tmp_path: Path) -> None:
    # generated: a 500 m x 500 m square in RD New, crs as OGC URN
    doc = _feature_collection(
        [_polygon_feature(_square(81000, 454000, 500), BUURTNAAM="Testbuurt")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}})
    m = _merged(_read(_write(tmp_path / "denhaag_buurten.geojson", doc)))
    assert m.loc[0, "source_crs"] == "EPSG:28992"
    assert m.loc[0, "area_m2"] == pytest.approx(250_000, rel=1e-9)
    # the centroid of the RD square, projected to WGS84
    lon, lat = geo._transformer("EPSG:28992", "EPSG:4326").transform(81250, 454250)
    assert m.loc[0, "centroid_lon"] == pytest.approx(lon, abs=1e-9)
    assert m.loc[0, "centroid_lat"] == pytest.approx(lat, abs=1e-9)
    assert m.loc[0, "gemeente_name"] == "'s-Gravenhage" and m.loc[0, "level"] == "buurt"


def test_declared_rd_but_lonlat_is_an_error(tmp_path: Path) -> None:
    doc = _feature_collection(
        [_polygon_feature(_square(4.3, 52.07, 0.01), name="Fout")],
        crs={"type": "name", "properties": {"name": "EPSG:28992"}})
    with pytest.raises(DataFileError, match="lijken lengte-/breedtegraden"):
        _read(_write(tmp_path / "utrecht_wijken.geojson", doc))


def test_swapped_lat_lon_is_an_error(tmp_path: Path) -> None:
    doc = _feature_collection([_polygon_feature([[52.0, 5.0], [52.1, 5.0], [52.1, 5.1],
                                                 [52.0, 5.0]], name="Omgedraaid")])
    with pytest.raises(DataFileError, match="omgekeerde volgorde"):
        _read(_write(tmp_path / "utrecht_wijken.geojson", doc))


def test_unknown_crs_is_an_error(tmp_path: Path) -> None:
    doc = _feature_collection([_polygon_feature(_square(4.3, 52.07, 0.01), name="A")],
                              crs={"type": "link", "properties": {"href": "x.prj"}})
    with pytest.raises(DataFileError, match="coördinatenstelsel") as err:
        _read(_write(tmp_path / "utrecht_wijken.geojson", doc))
    assert err.value.column == "crs"


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    # generated: a FeatureCollection cut off / with a missing comma on line 4
    path = tmp_path / "utrecht_wijken.geojson"
    path.write_text('{\n "type": "FeatureCollection",\n "features": [\n'
                    '  {"type": "Feature" "properties": {}}\n ]\n}\n', encoding="utf-8")
    assert rb.sniff(path) == "geojson_boundaries"
    with pytest.raises(DataFileError) as err:
        _read(path)
    assert err.value.line == 4 and err.value.column == 22
    assert "utrecht_wijken.geojson, regel 4" in str(err.value)
    assert "ongeldige JSON" in str(err.value)


def test_not_a_feature_collection(tmp_path: Path) -> None:
    path = _write(tmp_path / "utrecht_wijken.geojson",
                  {"type": "Feature", "properties": {}, "geometry": None})
    with pytest.raises(DataFileError, match="geen GeoJSON FeatureCollection"):
        _read(path)


def test_name_only_without_gemeente_is_an_error(tmp_path: Path) -> None:
    doc = _feature_collection([_polygon_feature(_square(5.1, 52.09, 0.01), name="Binnenstad")])
    with pytest.raises(DataFileError) as err:
        _read(_write(tmp_path / "wijken_wgs84.geojson", doc))
    assert "'Binnenstad'" in str(err.value) and "gemeentenaam" in err.value.hint


def test_name_only_without_level_is_an_error(tmp_path: Path) -> None:
    doc = _feature_collection([_polygon_feature(_square(5.1, 52.09, 0.01), name="Binnenstad")])
    with pytest.raises(DataFileError, match="niveau"):
        _read(_write(tmp_path / "utrecht.geojson", doc))


def test_gemeente_and_level_from_properties(tmp_path: Path) -> None:
    # generated: PDOK-style properties (gemeentenaam, rubriek); file name says nothing
    doc = _feature_collection([
        _polygon_feature(_square(5.1, 52.09, 0.01), buurtnaam="Lange Elisabethstraat",
                         gemeentenaam="Utrecht", rubriek="buurt", buurtcode="12"),
    ])
    m = _merged(_read(_write(tmp_path / "export.geojson", doc)))
    assert m.loc[0, ["code", "level", "name", "gemeente_name"]].tolist() == [
        None, "buurt", "Lange Elisabethstraat", "Utrecht"]


def test_jrstatcode_gives_code_and_year(tmp_path: Path) -> None:
    doc = _feature_collection([
        _polygon_feature(_square(6.5, 53.2, 0.05), jrstatcode="2022GM0014", naam="Groningen"),
    ])
    table = _read(_write(tmp_path / "gemeenten.geojson", doc))
    assert table.source.year == 2022
    assert table.regions.loc[0, ["code", "level", "year"]].tolist() == ["GM0014", "gemeente",
                                                                        2022]


def test_invalid_geometry_repaired_and_noted(tmp_path: Path) -> None:
    # generated: a bow-tie (self-intersecting) ring of two 100 m triangles in RD New
    bowtie = [[80000, 450000], [80200, 450100], [80200, 450000], [80000, 450100],
              [80000, 450000]]
    doc = _feature_collection([_polygon_feature(bowtie, BUURTNAAM="Strik")],
                              crs={"type": "name", "properties": {"name": "EPSG:28992"}})
    table = _read(_write(tmp_path / "delft_buurten.geojson", doc))
    m = _merged(table)
    assert m.loc[0, "area_m2"] == pytest.approx(2 * 0.5 * 100 * 100, rel=1e-9)
    assert [(i.kind, i.line) for i in table.issues] == [("note", 1)]
    assert "Self-intersection" in table.issues[0].detail
    assert m.loc[0, "gemeente_name"] == "Delft"


def test_parts_merged_and_values_with_sentinels(tmp_path: Path) -> None:
    # generated: a coded 2024 wijk file, two features share a code; CBS map code -99997
    doc = _feature_collection([
        _polygon_feature(_square(4.70, 52.60, 0.01), wijkCode="WK036101", wijkNaam="Zuid",
                         aantalInwoners=100),
        _polygon_feature(_square(4.72, 52.60, 0.01), wijkCode="WK036102", wijkNaam="Oudorp",
                         aantalInwoners=-99997),
        _polygon_feature(_square(4.74, 52.60, 0.01), wijkCode="WK036103", wijkNaam="Overdie",
                         aantalInwoners=7),
        _polygon_feature(_square(4.75, 52.60, 0.01), wijkCode="WK036103", wijkNaam="Overdie",
                         aantalInwoners=1),
        _polygon_feature(_square(4.77, 52.60, 0.01), wijkCode="WK036104", wijkNaam="West",
                         aantalInwoners=None),
    ])
    table = _read(_write(tmp_path / "alkmaar_wijken_2024.geojson", doc), _catalogue(alias=True))
    assert table.regions["code"].tolist() == ["WK036101", "WK036102", "WK036103", "WK036104"]
    assert table.regions["line"].tolist() == [1, 2, 3, 5]
    m = _merged(table).set_index("code")
    one = shapely.area(shapely.from_geojson(m.loc["WK036101", "geojson"]))
    assert shapely.area(shapely.from_geojson(m.loc["WK036103", "geojson"])) == pytest.approx(
        2 * one, rel=1e-6)
    v = table.values.set_index("region_key")
    assert v.loc[1, "value"] == 100 and v.loc[1, "missing_reason"] is None
    assert math.isnan(v.loc[2, "value"]) and "-99997" in v.loc[2, "missing_reason"]
    assert math.isnan(v.loc[4, "value"]) and v.loc[4, "missing_reason"] == "leeg in bron"
    assert 3 not in v.index  # merged region: value per part unclear, not loaded
    details = [i.detail for i in table.issues]
    assert details == [
        "2 features met code WK036103 (features 3, 4) zijn samengevoegd tot één gebied.",
        "eigenschap 'aantalInwoners' is niet geladen voor 1 samengevoegde gebieden "
        "(waarde per deel onduidelijk).",
    ]


def test_missing_geometry_is_noted(tmp_path: Path) -> None:
    doc = _feature_collection([
        _polygon_feature(_square(5.1, 52.09, 0.01), name="Met"),
        {"type": "Feature", "properties": {"name": "Zonder"}, "geometry": None},
    ])
    table = _read(_write(tmp_path / "utrecht_wijken.geojson", doc))
    assert len(table.regions) == 2 and table.geometries["region_key"].tolist() == [1]
    assert [(i.kind, i.line) for i in table.issues] == [("note", 2)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("denhaag_buurten_municipal_rd.geojson", "'s-Gravenhage"),
        ("den_haag_wijken.geojson", "'s-Gravenhage"),
        ("amsterdam_buurten_municipal_names_wgs84.geojson", "Amsterdam"),
        ("de_bilt_buurten_2023.geojson", "De Bilt"),
        ("alphen_aan_den_rijn_wijken.geojson", "Alphen aan den Rijn"),
        ("capelle_aan_den_ijssel_wijken_epsg28992.geojson", "Capelle aan den IJssel"),
        ("wijken_en_buurten_utrecht.json", "Utrecht"),
        ("'s-hertogenbosch_buurten.geojson", "'s-Hertogenbosch"),
        ("buurten_wgs84.geojson", None),
    ],
)
def test_gemeente_from_file_name(name: str, expected: str | None) -> None:
    assert bf.gemeente_from_file_name(name) == expected


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (None, None),
        ({"type": "name", "properties": {"name": "EPSG:28992"}}, "EPSG:28992"),
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}, "EPSG:28992"),
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "EPSG:4326"),
        ({"type": "name", "properties": {"name": "http://www.opengis.net/def/crs/EPSG/0/4326"}},
         "EPSG:4326"),
    ],
)
def test_crs_from_member(member: object, expected: str | None) -> None:
    assert geo.crs_from_member(member) == expected


# ------------------------------------------------------------ nationwide wijken 2016 (RD)


def test_wijken_2016_nationwide_codes_names_and_merged_parts() -> None:
    """WKC/WKN/GMC/GMN properties; 2,982 polygons with 2,981 codes (WK191104 twice)."""
    t = _read(GEO / "wijk_2016_nl_generalised_rd.geojson")
    r = t.regions
    assert t.source.year == 2016 and (r["year"] == 2016).all()
    assert len(r) == 2981 and r["code"].notna().all() and r["code"].is_unique
    assert set(r["level"]) == {"wijk"}
    assert r["gemeente_name"].notna().all()
    by_code = r.set_index("code")
    assert by_code.loc["WK036300", "name"] == "Burgwallen-Oude Zijde"
    assert by_code.loc["WK036301", "name"] == "Burgwallen-Nieuwe Zijde"
    assert by_code.loc["WK036300", "gemeente_name"] == "Amsterdam"
    assert (r["code"].str.startswith("WK0363")).sum() == 99
    assert by_code.loc["WK191104", "name"] == "Wijk 04 Wieringen"
    assert any(i.detail.startswith("2 features met code WK191104 (features 2824, 2982)")
               for i in t.issues)
    assert [i for i in t.issues if i.kind == "unmapped_column"] == []
    g = _merged(t).set_index("code")
    assert (g["source_crs"].dropna() == "EPSG:28992").all()
    assert g["geojson"].notna().sum() == 2979  # features 619 and 2256 have no geometry
    assert t.source.label == "CBS/PDOK, Wijk- en Buurtkaart 2016"
    # the merged wijk is the union of its two polygons
    doc = json.loads((GEO / "wijk_2016_nl_generalised_rd.geojson").read_text("utf-8"))
    parts = [shapely.geometry.shape(f["geometry"]) for f in doc["features"]
             if f["properties"]["WKC"] == "WK191104"]
    assert len(parts) == 2
    assert g.loc["WK191104", "area_m2"] == pytest.approx(
        shapely.union_all(shapely.make_valid(parts)).area, rel=1e-6)
