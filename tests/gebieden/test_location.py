"""Tests of wijkanalyse.gebieden.location (Ligging) and wijkanalyse.present.maps on the real
boundary files.

The database is built once from ../shared/data (``built_db``). Expected distances and areas are
computed independently in the tests from the stored GeoJSON with pyproj and shapely, and
checked against CBS's own area (``a_opp_ha``, KWB 2024) where that exists.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from wijkanalyse import store
from wijkanalyse.gebieden.location import locate
from wijkanalyse.model import Location, Subject, to_dict
from wijkanalyse.present.maps import render_map_svg
from wijkanalyse.present.svgmap import scale_label

SVG_NS = "http://www.w3.org/2000/svg"
_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def subject(code: str, gemeente: str, name: str, gemeente_name: str, *, kind: str = "wijk",
            level: str | None = None, members: list[str] | None = None) -> Subject:
    return Subject(kind=kind, id=code, name=name, gemeente_code=gemeente,
                   gemeente_name=gemeente_name, level=level or kind,
                   members=members or [code])


def rd(geojson_text: str):
    """A WGS84 GeoJSON geometry projected to RD New with pyproj."""
    return shapely.transform(shape(json.loads(geojson_text)),
                             lambda c: np.column_stack(_RD.transform(c[:, 0], c[:, 1])))


def rd_geometry(con, code: str):
    """The stored boundary of ``code`` (latest year) in RD New, computed here independently."""
    text = con.execute(
        "SELECT geojson FROM geometries WHERE code = ? ORDER BY year DESC LIMIT 1", [code]
    ).fetchone()[0]
    return rd(text)


def cbs_area_km2(con, code: str) -> float:
    """CBS's own area (KWB 2024 a_opp_ha, land and water) in km²."""
    return con.execute(
        "SELECT value FROM observation WHERE indicator_id = 'a_opp_ha' AND year = 2024 "
        "AND code = ?", [code]).fetchone()[0] / 100


def test_alkmaar_zuid_area_and_distance_to_wijk_centrum(con) -> None:
    loc = locate(con, subject("WK036101", "GM0361", "Zuid", "Alkmaar"))
    assert loc.has_map is True
    zuid = rd_geometry(con, "WK036101")
    centrum = rd_geometry(con, "WK036108")  # wijk "Centrum" of Alkmaar: the centre used
    assert loc.area_km2 == pytest.approx(zuid.area / 1e6, rel=0.005)
    assert loc.area_km2 == pytest.approx(2.613, abs=0.001)
    assert loc.area_km2 == pytest.approx(cbs_area_km2(con, "WK036101"), rel=0.02)  # 261 ha
    expected = zuid.centroid.distance(centrum.centroid) / 1000
    assert loc.distance_to_centre_km == pytest.approx(expected, abs=0.1)
    assert loc.distance_to_centre_km == pytest.approx(1.22, abs=0.1)
    assert "zwaartepunt van wijk Centrum" in loc.note
    # the other 7 Alkmaar wijken are context; the gemeente is the 2022 map (after the merger
    # with Graft-De Rijp and Schermer, 117 km²)
    assert len(loc.context_geojson) == 7
    gemeente = rd(loc.gemeente_geojson)
    assert gemeente.area / 1e6 == pytest.approx(117.3, abs=0.5)
    assert loc.source == "CBS/PDOK, Wijk- en Buurtkaart 2024; CBS/PDOK, gemeentegrenzen 2022"
    lon, lat = loc.centroid
    assert (lon, lat) == pytest.approx((4.7369, 52.6251), abs=1e-3)


def test_alkmaar_centrum_is_at_distance_zero(con) -> None:
    loc = locate(con, subject("WK036108", "GM0361", "Centrum", "Alkmaar"))
    assert loc.distance_to_centre_km == pytest.approx(0.0, abs=1e-6)
    assert loc.centroid == loc.gemeente_centroid


def test_amsterdam_wijk_from_municipal_boundaries(con) -> None:
    loc = locate(con, subject("WK0363AD", "GM0363", "Burgwallen-Nieuwe Zijde", "Amsterdam"))
    assert loc.has_map is True
    assert loc.area_km2 == pytest.approx(0.728, abs=0.001)
    assert loc.area_km2 == pytest.approx(cbs_area_km2(con, "WK0363AD"), rel=0.02)  # 73 ha
    assert 0 < loc.distance_to_centre_km < 15
    # Amsterdam has no wijk called Centrum: the centre is the densest wijk (CBS bev_dich 2024)
    densest = con.execute(
        "SELECT code FROM observation WHERE indicator_id = 'bev_dich' AND year = 2024 "
        "AND code LIKE 'WK0363%' AND code IN (SELECT code FROM geometries) "
        "ORDER BY value DESC LIMIT 1").fetchone()[0]
    assert densest == "WK0363ES"  # Van Lennepbuurt, 27.751 inwoners per km²
    expected = (rd_geometry(con, "WK0363AD").centroid
                .distance(rd_geometry(con, densest).centroid) / 1000)
    assert loc.distance_to_centre_km == pytest.approx(expected, abs=0.1)
    assert loc.distance_to_centre_km == pytest.approx(2.23, abs=0.1)
    assert "dichtstbevolkte wijk (Van Lennepbuurt, 27.751 inwoners per km²)" in loc.note
    assert len(loc.context_geojson) == 106  # 107 matched wijken minus the subject
    assert loc.source.startswith("Gemeente Amsterdam, gebiedsindeling wijken")


def test_wijk_without_boundary_has_only_the_gemeente(con) -> None:
    # Het Hogeland (formed 2019) has no wijk or buurt map in the data, only its 2022 outline
    loc = locate(con, subject("WK196612", "GM1966", "Uithuizen", "Het Hogeland"))
    assert loc.has_map is False
    assert loc.area_geojson == [] and loc.centroid is None and loc.area_km2 is None
    assert loc.distance_to_centre_km is None
    assert loc.gemeente_geojson is not None
    hogeland = rd(loc.gemeente_geojson)
    # 477 km² land (KWB 2024); the generalised map is clipped to the coastline
    assert hogeland.area / 1e6 == pytest.approx(477, rel=0.02)
    # said plainly: the code is in no boundary file (which files there are), the gemeente is shown
    assert loc.boundary_note == (
        "De code WK196612 komt in geen van de geladen grensbestanden voor (wijkgrenzen: 2015 "
        "en 2016 voor heel Nederland, 2024 voor enkele gemeenten), dus er is geen grens van "
        "deze wijk.")
    assert loc.note.startswith(loc.boundary_note + " De kaart toont alleen de gemeente "
                               "(grens van 2022).")
    assert loc.gemeente_year == 2022 and loc.boundary_years == []
    assert "afstand tot het midden van de gemeente niet te bepalen" in loc.note
    assert loc.source == "CBS/PDOK, gemeentegrenzen 2022"
    assert loc.context_geojson == []


def test_angelslo_has_its_2016_boundary_among_the_2016_wijken(con) -> None:
    # the nationwide 2016 wijk map gives Angelslo (same code in 2024) a boundary; the context
    # is the rest of Emmen's 2016 map, never mixed with wijken of other years
    loc = locate(con, subject("WK011443", "GM0114", "Angelslo", "Emmen"))
    assert loc.has_map is True
    assert loc.area_km2 == pytest.approx(rd_geometry(con, "WK011443").area / 1e6, rel=0.005)
    n_2016 = con.execute("SELECT count(*) FROM geometries WHERE code LIKE 'WK0114%' "
                         "AND source_id = 'wijk_2016_nl_generalised_rd.geojson'").fetchone()[0]
    assert len(loc.context_geojson) == n_2016 - 1 == 26
    assert loc.source.startswith("CBS/PDOK, Wijk- en Buurtkaart 2016")
    assert "zwaartepunt van wijk Emmen-Centrum" in loc.note


def test_den_haag_buurt_matched_by_name(con) -> None:
    row = con.execute(
        "SELECT code, name, match_method FROM geometries WHERE code = 'BU05180701' "
        "AND source_id = 'denhaag_buurten_municipal_rd.geojson'").fetchone()
    assert row == ("BU05180701", "Oud Scheveningen", "naam+niveau")
    loc = locate(con, subject("BU05180701", "GM0518", "Oud Scheveningen", "'s-Gravenhage",
                              kind="buurt"))
    assert loc.has_map is True
    assert loc.area_km2 == pytest.approx(rd_geometry(con, "BU05180701").area / 1e6, rel=0.005)
    assert len(loc.context_geojson) == 112  # the other matched buurten of Den Haag
    # the centre is Den Haag's wijk 28 Centrum, composed from its 4 buurten
    centrum = shapely.union_all([rd_geometry(con, c) for c in con.execute(
        "SELECT code FROM geometries WHERE code LIKE 'BU051828%'").df()["code"]])
    expected = rd_geometry(con, "BU05180701").centroid.distance(centrum.centroid) / 1000
    assert loc.distance_to_centre_km == pytest.approx(expected, abs=0.1)
    assert "zwaartepunt van wijk Centrum" in loc.note
    assert loc.source.startswith("Gemeente 's-Gravenhage, gebiedsindeling buurten")


def test_den_haag_wijk_composed_from_its_buurten(con) -> None:
    buurten = ["BU05182915", "BU05182916", "BU05182917"]
    loc = locate(con, subject("WK051829", "GM0518", "Schildersbuurt", "'s-Gravenhage"))
    assert loc.has_map is True
    expected = sum(rd_geometry(con, b).area for b in buurten) / 1e6
    assert loc.area_km2 == pytest.approx(expected, rel=0.005)
    assert loc.area_km2 == pytest.approx(1.465, abs=0.001)
    assert "samengesteld uit de grenzen van haar 3 buurten" in loc.note
    assert len(loc.context_geojson) == 43  # the other composed wijken
    # Forepark: one of its two buurten has no boundary -> map, but no area
    forepark = locate(con, subject("WK051843", "GM0518", "Forepark", "'s-Gravenhage"))
    assert forepark.has_map is True and forepark.area_km2 is None
    assert "1 van haar 2 buurten" in forepark.note and "BU05184316" in forepark.note


def test_gebied_with_a_member_without_boundary(con) -> None:
    loc = locate(con, subject("test", "GM0363", "Test", "Amsterdam", kind="gebied",
                              level="buurt", members=["BU0363AE03", "BU0363SB01"]))
    assert loc.has_map is True and loc.area_km2 is None
    assert len(loc.area_geojson) == 1
    assert "(BU0363SB01)" in loc.note and "oppervlakte ontbreekt" in loc.note
    both = locate(con, subject("test", "GM0518", "Test", "'s-Gravenhage", kind="gebied",
                               level="buurt", members=["BU05182915", "BU05182916"]))
    expected = sum(rd_geometry(con, b).area for b in ["BU05182915", "BU05182916"]) / 1e6
    assert both.area_km2 == pytest.approx(expected, rel=0.005)


def test_gemeente_subject_and_unknown_gemeente(con) -> None:
    loc = locate(con, subject("GM0363", "GM0363", "Amsterdam", "Amsterdam", kind="gemeente"))
    assert loc.has_map is True and loc.distance_to_centre_km is None
    assert loc.area_geojson == [loc.gemeente_geojson]
    assert loc.area_km2 == pytest.approx(196.6, abs=0.1)
    assert len(loc.context_geojson) == 107
    # Voorne aan Zee (GM1992) was formed in 2023: no boundary in the 2013/2022 maps
    none = locate(con, subject("GM1992", "GM1992", "Voorne aan Zee", "Voorne aan Zee",
                               kind="gemeente"))
    assert none.has_map is False and none.gemeente_geojson is None and none.source is None
    assert none.note == "Geen grens van deze gemeente geladen; er is geen kaart."


def test_cache_gives_the_same_result(con) -> None:
    cache: dict = {}
    s = subject("WK036101", "GM0361", "Zuid", "Alkmaar")
    first = locate(con, s, cache=cache)
    assert any(k.startswith("layers:") for k in cache)
    assert to_dict(locate(con, s, cache=cache)) == to_dict(first) == to_dict(locate(con, s))


# --- SVG -----------------------------------------------------------------------------------


def check_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert "<script" not in svg.lower()
    assert "javascript" not in svg.lower()
    assert svg.count("http") == 1 and f'xmlns="{SVG_NS}"' in svg  # only the namespace
    assert "href" not in svg  # no external resources
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{{{SVG_NS}}}text")]


def test_svg_alkmaar(con) -> None:
    loc = locate(con, subject("WK036101", "GM0361", "Zuid", "Alkmaar"))
    svg = render_map_svg(loc, title="Zuid, Alkmaar")
    root = check_svg(svg)
    labels = texts(root)
    assert "Zuid, Alkmaar" in labels
    assert any(re.fullmatch(r"\d+(,\d)? km", t) for t in labels)  # scale bar
    assert "N" in labels  # north arrow
    assert ("Bron: CBS/PDOK, Wijk- en Buurtkaart 2024; CBS/PDOK, gemeentegrenzen 2022"
            in labels)
    assert "midden van de gemeente (afstand 1,2 km)" in labels
    assert 'fill="url(#wa-arcering)"' in svg and 'id="wa-arcering"' in svg
    assert root.get("viewBox") == "0 0 560 420"
    assert len(svg) < 30_000
    Path("/tmp/location_alkmaar.svg").write_text(svg, encoding="utf-8")


def test_svg_amsterdam_size_limits(con) -> None:
    wijk = locate(con, subject("WK0363AD", "GM0363", "Burgwallen-Nieuwe Zijde", "Amsterdam"))
    svg = render_map_svg(wijk, title="Burgwallen-Nieuwe Zijde, Amsterdam")
    check_svg(svg)
    assert len(svg.encode()) < 100_000
    Path("/tmp/location_amsterdam.svg").write_text(svg, encoding="utf-8")
    # a buurt with all 491 other buurten as context stays under 300 KB, and is ringed
    # (491: the 2024 buurten plus Burgemeester Tellegenbuurt-West, matched to its 2021 code)
    buurt = locate(con, subject("BU0363AE03", "GM0363", "Burgwallen-Oost", "Amsterdam",
                                kind="buurt"))
    assert len(buurt.context_geojson) == 491
    large = render_map_svg(buurt, width=900, height=700)
    check_svg(large)
    assert len(large.encode()) < 300_000
    svg = render_map_svg(buurt)
    root = check_svg(svg)
    assert len(svg.encode()) < 150_000
    # legend label without a title, with the boundary year
    assert "dit gebied (grens van 2024)" in texts(root)
    assert 'r="14" fill="none"' in svg  # ring around a subject too small to see
    assert 'r="14" fill="none"' not in large  # 900 px wide: big enough to see


def test_svg_with_only_the_gemeente_outline(con) -> None:
    loc = locate(con, subject("WK196612", "GM1966", "Uithuizen", "Het Hogeland"))
    root = check_svg(render_map_svg(loc, title="Uithuizen <Het Hogeland> & co"))
    labels = texts(root)
    assert "Uithuizen <Het Hogeland> & co" in labels  # escaped in the markup, intact after
    joined = " ".join(labels)
    assert "komt in geen van de geladen grensbestanden voor" in joined
    assert "gemeente (grens van 2022)" in labels
    assert "Bron: CBS/PDOK, gemeentegrenzen 2022" in labels
    assert not any(t.startswith("midden van de gemeente") for t in labels)  # no distance


def test_svg_subject_as_point_and_no_map_at_all() -> None:
    square = json.dumps({"type": "Polygon", "coordinates": [[[4.70, 52.60], [4.80, 52.60],
                                                              [4.80, 52.66], [4.70, 52.66],
                                                              [4.70, 52.60]]]})
    point = Location(has_map=False, gemeente_geojson=square, centroid=(4.75, 52.63),
                     source="Testbron & <co>", note="Alleen een punt.")
    svg = render_map_svg(point, title="Punt")
    root = check_svg(svg)
    assert "Bron: Testbron & <co>" in texts(root)
    assert "&amp; &lt;co&gt;" in svg
    assert svg.count("<circle") == 2  # the point and its legend swatch
    empty = render_map_svg(Location(has_map=False, note="Geen grens geladen."))
    root = check_svg(empty)
    assert "Geen kaart beschikbaar" in texts(root)
    assert "Bron: geen grenzen geladen" in texts(root)


def test_scale_label() -> None:
    assert scale_label(1000) == "1 km"
    assert scale_label(2500) == "2,5 km"
    assert scale_label(500) == "500 m"
