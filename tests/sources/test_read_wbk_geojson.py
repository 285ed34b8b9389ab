"""The 2015 Wijk- en Buurtkaart as GeoJSON with attributes (../shared/data/geo/wijkbuurtkaart_2015,
split per veiligheidsregio), read as one source. Small cases are GENERATED under tmp_path (not
CBS data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import boundaries as rb
from wijkanalyse.sources.registry import ReadContext, detect, discover
from wijkanalyse.sources.wbk_geojson import (
    LAYOUT,
    LAYOUT_DERIVED,
    is_unit_folder,
    read,
    sniff,
)
from wijkanalyse.sourcetable import SourceTable

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
WBK = DATA / "geo" / "wijkbuurtkaart_2015"
CAT = load_catalogue()
TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def _read(path: Path) -> dict[str, SourceTable]:
    return {t.source.source_id: t for t in read(path, catalogue=CAT, context=ReadContext())}


@pytest.fixture(scope="module")
def tables() -> dict[str, SourceTable]:
    return _read(WBK)


@pytest.fixture(scope="module")
def raw_buurten() -> pd.DataFrame:
    """Every buurt feature of the 25 files, straight from the JSON (for independent checks)."""
    rows = []
    for f in sorted((WBK / "buurt_2015_per_vr").glob("*.geojson")):
        for i, feat in enumerate(json.loads(f.read_text("utf-8"))["features"], start=1):
            rows.append({**feat["properties"], "_file": f.name, "_feature": i,
                         "_geom": feat["geometry"]})
    return pd.DataFrame(rows)


def _values(t: SourceTable) -> pd.DataFrame:
    return t.values.merge(t.regions[["region_key", "code"]], on="region_key")


def _series(t: SourceTable, ind: str) -> pd.Series:
    v = _values(t)
    return v[v["indicator_id"] == ind].set_index("code")["value"]


GEM = "wijkbuurtkaart_2015: gemeenten 2015"
WIJK = "wijkbuurtkaart_2015: wijken 2015"
BUURT = "wijkbuurtkaart_2015: buurten 2015"
DERIVED = "wijkbuurtkaart_2015: wijken 2015 afgeleid uit buurten"


# ----------------------------------------------------------------------------- discovery


def test_folder_is_one_source_unit() -> None:
    units = discover(DATA)
    assert WBK in units
    assert not [u for u in units if WBK in u.parents]
    assert is_unit_folder(WBK) and not is_unit_folder(DATA / "geo")
    assert not is_unit_folder(WBK / "buurt_2015_per_vr" / "utrecht.buurt.geojson")
    hit = detect(WBK)
    assert hit is not None and hit[0] == LAYOUT


def test_sniff_files() -> None:
    assert sniff(WBK / "buurt_2015_per_vr" / "utrecht.buurt.geojson") == LAYOUT
    assert sniff(WBK / "gemeente_2015_wijkbuurtkaart_v1_simplified_wgs84.geojson") == LAYOUT
    # boundary files without the map's attributes stay with the generic reader
    for name in ("alkmaar_wijken_2024_wgs84.geojson", "wijk_2016_nl_generalised_rd.geojson",
                 "gemeenten_2022_gegeneraliseerd_wgs84.geojson"):
        assert sniff(DATA / "geo" / name) is None
        assert rb.sniff(DATA / "geo" / name) == "geojson_boundaries"
    assert sniff(DATA / "kwb" / "wijk_2017_wijkbuurtkaart_attributes.dbf") is None
    assert sniff(DATA / "kwb" / "odata_85984NED_kwb2024") is None


# ------------------------------------------------------------------------------ real data


def test_tables_years_layouts_labels(tables: dict[str, SourceTable]) -> None:
    assert list(tables) == [GEM, WIJK, BUURT, DERIVED]
    counts = {k: len(t.regions) for k, t in tables.items()}
    assert counts == {GEM: 393, WIJK: 2796, BUURT: 12229, DERIVED: 20}
    for t in tables.values():
        assert t.source.year == 2015 and t.source.kind == "kwb"
        assert (t.regions["year"] == 2015).all() and t.regions["code"].is_unique
        assert len(t.source.sha256) == 64
    assert tables[BUURT].source.layout == LAYOUT
    assert tables[DERIVED].source.layout == LAYOUT_DERIVED
    assert tables[BUURT].source.label == "CBS, Wijk- en Buurtkaart 2015 (buurten)"
    assert tables[DERIVED].source.label == (
        "CBS, Wijk- en Buurtkaart 2015 (wijken afgeleid uit buurten)")
    assert {t.regions["level"].iloc[0] for t in tables.values()} == {"gemeente", "wijk",
                                                                      "buurt"}


def test_pinned_totals(tables: dict[str, SourceTable]) -> None:
    inw = _series(tables[GEM], "a_inw")
    assert inw.sum() == 16_900_726
    assert inw["GM0363"] == 821_752
    r = tables[GEM].regions.set_index("code")
    assert r.loc["GM0363", "name"] == "Amsterdam"


def test_every_property_maps(tables: dict[str, SourceTable]) -> None:
    for t in tables.values():
        assert [i for i in t.issues if i.kind == "unmapped_column"] == []
    ids = set(tables[BUURT].values["indicator_id"])
    assert {"wwb_uittot", "ao_uit_tot", "ww_uit_tot", "a_soz_ow", "p_n_w_al", "p_west_al",
            "a_pau", "g_pau_hh"} <= ids
    assert len(ids) == 43  # 49 properties - BU_CODE, BU_NAAM, WK_CODE, GM_CODE, GM_NAAM, IND_WBI


def test_buurt_sums_match_gemeenten(tables: dict[str, SourceTable]) -> None:
    """Buurt populations are rounded to multiples of 5 (error <= 2.5 per buurt). Besides that,
    a gemeente counts inhabitants that no buurt holds (registered without a placeable
    address), so the buurt sum may fall short but never exceeds the gemeente by more than the
    rounding. Observed shortfall beyond rounding: at most 1.06 % (Brielle: buurten and wijken
    both sum to about 16,260 against 16,467); the tolerance is 1.5 %. Checked for all 393."""
    b = _values(tables[BUURT])
    b = b[b["indicator_id"] == "a_inw"].copy()
    b["gm"] = "GM" + b["code"].str[2:6]
    per = b.groupby("gm").agg(inw=("value", "sum"), n=("code", "size"))
    gm = _series(tables[GEM], "a_inw")
    assert set(per.index) == set(gm.index)
    diff = per["inw"] - gm.reindex(per.index)
    rounding = 2.5 * per["n"]
    assert (diff <= rounding).all()
    assert (diff >= -(rounding + 0.015 * gm.reindex(per.index))).all()
    assert (b["value"] % 5 == 0).all()


def test_duplicates_across_files_are_one_region(tables: dict[str, SourceTable],
                                                raw_buurten: pd.DataFrame) -> None:
    t = tables[BUURT]
    copies = raw_buurten.groupby("BU_CODE")["_file"].nunique()
    assert (copies > 1).sum() == 488 and len(copies) == 12229
    assert any(i.detail.startswith("488 buurten staan in meer dan één feature of bestand")
               for i in t.issues)
    assert [i for i in t.issues if i.kind == "conflict"] == []  # the real copies agree
    # BU03630375 is in amsterdam-amstelland (feature 61) and kennemerland (feature 4): its
    # geometry is the union of both clipped copies
    code = "BU03630375"
    parts = raw_buurten[raw_buurten["BU_CODE"] == code]
    assert sorted(parts["_file"]) == ["amsterdam-amstelland.buurt.geojson",
                                      "kennemerland.buurt.geojson"]
    geoms = [shape(g) for g in parts["_geom"]]
    union_rd = shapely.transform(shapely.union_all(geoms), lambda xy: np.column_stack(
        TO_RD.transform(xy[:, 0], xy[:, 1])))
    geo = t.geometries.merge(t.regions[["region_key", "code"]]).set_index("code")
    assert geo.loc[code, "area_m2"] == pytest.approx(union_rd.area, rel=1e-6)
    each = [shapely.transform(g, lambda xy: np.column_stack(TO_RD.transform(xy[:, 0],
                                                                             xy[:, 1]))).area
            for g in geoms]
    assert geo.loc[code, "area_m2"] > max(each)


def test_bad_geometry_dropped_with_note_attributes_kept(tables: dict[str, SourceTable],
                                                        raw_buurten: pd.DataFrame) -> None:
    t = tables[BUURT]
    bad = raw_buurten[raw_buurten["_geom"].map(lambda g: g["type"] not in ("Polygon",
                                                                           "MultiPolygon"))]
    assert 0.005 < len(bad) / len(raw_buurten) < 0.015  # about 1 % of the shapes
    notes = [i for i in t.issues if i.column == "geometry" and "geen vlak" in i.detail]
    assert len(notes) == len(bad) == 128
    repaired = [i for i in t.issues if i.column == "geometry" and "make_valid" in i.detail]
    assert len(repaired) == 9 and all("ongeldige geometrie" in i.detail for i in repaired)
    note = next(i for i in notes if "BU04150009" in i.detail)
    assert note.detail.startswith("buurt_2015_per_vr/amsterdam-amstelland.buurt.geojson, "
                                  "feature 157 (BU04150009) heeft als geometrie een Point")
    assert note.line == 157
    assert _series(t, "a_inw")["BU04150009"] == float(
        raw_buurten.loc[raw_buurten["BU_CODE"] == "BU04150009", "AANT_INW"].iloc[0])
    # every region has a polygon: the clipped-away copies have a polygonal twin
    assert len(t.geometries) == 12229


def test_geometry_area_in_rd_matches_cbs_area(tables: dict[str, SourceTable]) -> None:
    """Area computed in RD New equals CBS's OPP_TOT within 0.5 % for most gemeenten; coastal
    gemeenten are smaller on the map (clipped to the coastline), never larger by > 1 %."""
    t = tables[GEM]
    geo = t.geometries.merge(t.regions[["region_key", "code"]]).set_index("code")
    ratio = geo["area_m2"] / (_series(t, "a_opp_ha") * 1e4)
    assert ((ratio - 1).abs() < 0.005).sum() >= 300
    assert (ratio <= 1.01).all()
    first = json.loads(geo["geojson"].iloc[0])
    assert first["type"] in ("Polygon", "MultiPolygon")
    assert geo["centroid_lon"].between(3.2, 7.3).all()
    assert geo["centroid_lat"].between(50.7, 53.6).all()
    assert (geo["source_crs"] == "EPSG:4326").all()


def test_derived_wijken(tables: dict[str, SourceTable], raw_buurten: pd.DataFrame) -> None:
    wijk_codes = set(tables[WIJK].regions["code"])
    d = tables[DERIVED]
    assert "WK005000" in set(d.regions["code"])  # Zeewolde, absent from the wijk files
    assert not set(d.regions["code"]) & wijk_codes
    buurt_wijken = set("WK" + c[2:8] for c in tables[BUURT].regions["code"])
    assert set(d.regions["code"]) == buurt_wijken - wijk_codes
    assert d.regions["name"].isna().all()
    assert (d.regions.set_index("code").loc["WK005000", "gemeente_name"]) == "Zeewolde"

    raw = raw_buurten.drop_duplicates("BU_CODE")
    zw = raw[raw["BU_CODE"].str.startswith("BU005000")]
    assert len(zw) == 11
    inw = _series(d, "a_inw")
    assert inw["WK005000"] == zw["AANT_INW"].sum() == 21_885
    expected = (zw["P_00_14_JR"] * zw["AANT_INW"]).sum() / zw["AANT_INW"].sum()
    assert _series(d, "p_00_14_jr")["WK005000"] == pytest.approx(expected, rel=1e-12)
    hh = (zw["GEM_HH_GR"] * zw["AANTAL_HH"]).sum() / zw["AANTAL_HH"].sum()
    assert _series(d, "g_hhgro")["WK005000"] == pytest.approx(hh, rel=1e-12)
    v = _values(d).set_index(["code", "indicator_id"])
    row = v.loc[("WK005000", "wwb_uittot")]
    assert np.isnan(row["value"])  # 2 of the 11 buurten are secret
    assert row["missing_reason"].startswith("afgeleid uit buurten, onvolledig: 2 van 11 buurten")
    assert v.loc[("WK005000", "a_inw"), "source_column"] == "AANT_INW (afgeleid uit buurten)"
    assert "ste_mvs" not in set(d.values["indicator_id"])  # a code: not derived
    note = d.issues[0].detail
    assert note.startswith("20 wijken van 2015 ontbreken in het wijkbestand: WK001002, ")
    assert "ste_mvs (code of klasse)" in note and "ste_oad (noemer a_woning ontbreekt" in note
    # the geometry is the union of the buurten: its area is theirs (CBS OPP_TOT, ha)
    geo = d.geometries.merge(d.regions[["region_key", "code"]]).set_index("code")
    assert geo.loc["WK005000", "area_m2"] == pytest.approx(zw["OPP_TOT"].sum() * 1e4, rel=0.005)


def test_wijk_values_from_wijk_file_not_derived(tables: dict[str, SourceTable]) -> None:
    inw = _series(tables[WIJK], "a_inw")
    assert inw["WK035800"] == 12_030  # "Wijk 00 Aalsmeer", as in the wijk file


# ------------------------------------------------------------------------ generated sets


def _feature(code: str, geometry: dict | None, **props: object) -> dict:
    level = {"BU": "BU_CODE", "WK": "WK_CODE", "GM": "GM_CODE"}[code[:2]]
    base = {level: code, "GM_CODE": "GM" + code[2:6], "GM_NAAM": "Proefgemeente",
            "AANT_INW": 100, "P_00_14_JR": 20, "AANTAL_HH": 40}
    if level == "BU_CODE":
        base["BU_NAAM"] = f"Buurt {code[-2:]}"
        base["WK_CODE"] = "WK" + code[2:8]
    return {"type": "Feature", "properties": {**base, **props}, "geometry": geometry}


def _square(x: float, y: float, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _write(path: Path, features: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def test_generated_conflicting_copies(tmp_path: Path) -> None:
    unit = tmp_path / "proefkaart_2015"
    _write(unit / "a.buurt.geojson", [_feature("BU99990001", _square(5.0, 52.0)),
                                      _feature("BU99990002", _square(5.1, 52.0))])
    _write(unit / "b.buurt.geojson", [_feature("BU99990002", _square(5.11, 52.0),
                                               AANT_INW=150)])
    assert is_unit_folder(unit) and discover(tmp_path) == [unit]
    t = _read(unit)["proefkaart_2015: buurten 2015"]
    assert _series(t, "a_inw")["BU99990002"] == 100  # the first copy
    conflicts = [i for i in t.issues if i.kind == "conflict"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.detail.startswith("BU99990002 staat twee keer in de Wijk- en Buurtkaart met andere "
                               "waarden: a.buurt.geojson, feature 2 en b.buurt.geojson, feature "
                               "1: AANT_INW 100 tegen 150.")
    assert c.column == "AANT_INW" and c.line == 1
    # geometry: the union of both copies (two 0.01-degree squares overlapping by 0.001)
    geo = t.geometries.merge(t.regions[["region_key", "code"]]).set_index("code")
    assert geo.loc["BU99990002", "area_m2"] > 1.8 * geo.loc["BU99990001", "area_m2"]


def test_generated_point_only_region_keeps_attributes(tmp_path: Path) -> None:
    unit = tmp_path / "kaart_2015"
    _write(unit / "x.buurt.geojson", [
        _feature("BU99990001", _square(5.0, 52.0)),
        _feature("BU99990002", {"type": "Point", "coordinates": [5.2, 52.1]}),
    ])
    _write(unit / "x.wijk.geojson", [_feature("WK999900", _square(5.0, 52.0, 0.3))])
    tables = _read(unit)
    assert list(tables) == ["kaart_2015: wijken 2015", "kaart_2015: buurten 2015"]
    t = tables["kaart_2015: buurten 2015"]
    assert set(t.regions["code"]) == {"BU99990001", "BU99990002"}
    assert _series(t, "a_inw")["BU99990002"] == 100
    geo = t.geometries.merge(t.regions[["region_key", "code"]])
    assert set(geo["code"]) == {"BU99990001"}
    note = next(i for i in t.issues if i.column == "geometry")
    assert note.detail == ("x.buurt.geojson, feature 2 (BU99990002) heeft als geometrie een "
                           "Point, geen vlak; de geometrie is niet geladen, de kenmerken wel "
                           "(gebied zonder kaartvlak).")


def test_generated_derived_wijk_without_wijk_file(tmp_path: Path) -> None:
    unit = tmp_path / "kaart_2015"
    _write(unit / "n.buurt.geojson", [
        _feature("BU99990001", _square(5.0, 52.0), AANT_INW=300, P_00_14_JR=10),
        _feature("BU99990002", _square(5.01, 52.0), AANT_INW=100, P_00_14_JR=30,
                 AANTAL_HH=-99999999),
    ])
    _write(unit / "n.gemeente.geojson", [_feature("GM9999", _square(5.0, 52.0, 0.02),
                                                   AANT_INW=400)])
    tables = _read(unit)
    d = tables["kaart_2015: wijken 2015 afgeleid uit buurten"]
    assert d.regions["code"].tolist() == ["WK999900"]
    assert _series(d, "a_inw")["WK999900"] == 400
    assert _series(d, "p_00_14_jr")["WK999900"] == pytest.approx(15.0)  # (300*10+100*30)/400
    assert np.isnan(_series(d, "a_hh")["WK999900"])
    assert "(er is geen wijkbestand)" in d.issues[0].detail
    geo = d.geometries.merge(d.regions[["region_key", "code"]])
    assert len(geo) == 1 and geo["area_m2"].iloc[0] > 0


def test_generated_bad_value_names_file_feature_field(tmp_path: Path) -> None:
    unit = tmp_path / "kaart_2015"
    _write(unit / "a.buurt.geojson", [_feature("BU99990001", _square(5.0, 52.0))])
    _write(unit / "b.buurt.geojson", [_feature("BU99990002", _square(5.0, 52.0)),
                                      _feature("BU99990003", _square(5.0, 52.0),
                                               AANT_INW="veel")])
    with pytest.raises(DataFileError) as err:
        _read(unit)
    msg = str(err.value)
    assert "b.buurt.geojson, feature 2, veld AANT_INW: waarde 'veel' is geen getal" in msg
    assert err.value.column == "AANT_INW" and "Wat te doen" in msg


def test_generated_bad_code_and_broken_json(tmp_path: Path) -> None:
    unit = tmp_path / "kaart_2015"
    _write(unit / "a.buurt.geojson", [_feature("BU99990001", _square(5.0, 52.0))])
    bad = _write(unit / "b.buurt.geojson", [_feature("BU99990002", _square(5.0, 52.0))])
    doc = json.loads(bad.read_text())
    doc["features"][0]["properties"]["BU_CODE"] = "BUURT 7"
    bad.write_text(json.dumps(doc))
    with pytest.raises(DataFileError, match=r"b.buurt.geojson, feature 1, veld BU_CODE: "
                                            r"'BUURT 7' is geen CBS-buurtcode"):
        _read(unit)
    bad.write_text(bad.read_text()[:-30])
    with pytest.raises(DataFileError) as err:
        _read(unit)
    assert err.value.path == bad and "ongeldige JSON" in str(err.value)
    assert err.value.line == 1 and err.value.column is not None


def test_generated_year_from_folders_and_missing_year(tmp_path: Path) -> None:
    unit = tmp_path / "kaart"
    _write(unit / "buurten_2016" / "a.buurt.geojson", [_feature("BU99990001",
                                                                _square(5.0, 52.0))])
    _write(unit / "wijken_2016" / "a.wijk.geojson", [_feature("WK999900", _square(5.0, 52.0))])
    assert set(_read(unit)) == {"kaart: buurten 2016", "kaart: wijken 2016"}
    single = _write(tmp_path / "los" / "buurten.geojson", [_feature("BU99990001",
                                                                     _square(5.0, 52.0))])
    with pytest.raises(DataFileError, match="het jaar van de Wijk- en Buurtkaart is onbekend"):
        _read(single)
    named = _write(tmp_path / "los" / "buurten_2014.geojson",
                   [_feature("BU99990001", _square(5.0, 52.0))])
    # a single file keeps its own name; without a wijk file all its wijken are derived
    assert list(_read(named)) == ["buurten_2014.geojson",
                                  "buurten_2014.geojson: wijken 2014 afgeleid uit buurten"]


def test_generated_coordinates_outside_the_netherlands(tmp_path: Path) -> None:
    p = _write(tmp_path / "buurten_2015.geojson", [
        _feature("BU99990001", _square(5.0, 52.0)),
        _feature("BU99990002", _square(120000.0, 480000.0, 100.0)),  # RD New without crs
    ])
    with pytest.raises(DataFileError, match=r"feature 2: de coördinaten .* liggen niet in "
                                            r"Nederland volgens het coördinatenstelsel "
                                            r"EPSG:4326"):
        _read(p)


def test_generated_mixed_folder_is_not_a_unit(tmp_path: Path) -> None:
    _write(tmp_path / "geo" / "kaart_2015" / "a.buurt.geojson",
           [_feature("BU99990001", _square(5.0, 52.0))])
    _write(tmp_path / "geo" / "kaart_2015" / "b.buurt.geojson",
           [_feature("BU99990002", _square(5.0, 52.0))])
    other = tmp_path / "geo" / "grenzen_2020.geojson"
    other.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"statcode": "GM0363"}, "geometry": _square(5, 52)}]}))
    assert not is_unit_folder(tmp_path / "geo")
    assert discover(tmp_path) == [tmp_path / "geo" / "grenzen_2020.geojson",
                                  tmp_path / "geo" / "kaart_2015"]
