"""The nationwide series (2015, 2017, 2019, 2024) in `data status`, in every wijkprofiel and
on the maps: one series per concept, the definition break of migratieachtergrond/herkomst,
benefits of 2015, Nederland 2015 from the gemeenten, changed names, older divisions of the
programme areas, and labelled maps that state their boundary year.

Every pinned figure comes from the real files in ../shared/data (the Wijk- en Buurtkaart
2015/2017, KWB 2024); the expected shares and sums are recomputed here from the stored counts.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.cli.main import app
from wijkanalyse.cli.status import render_status
from wijkanalyse.gebieden import load_area_set
from wijkanalyse.gebieden.location import locate
from wijkanalyse.gebieden.subjects import resolve_subject, subject_for_area_set_entry
from wijkanalyse.model import Profile, Subject, to_dict
from wijkanalyse.present.maps import needs_zoom, render_map_svg
from wijkanalyse.present.svgmap import MapFrame, place_labels
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.cells import _add_derived, _Cell, _meta_table
from wijkanalyse.profiel.report import render_html
from wijkanalyse.sources.status import data_status

ONLY_MINE = dict(with_peers=False, with_signals=False, with_location=False, with_stories=False,
                 with_segregatie=False, with_kennis=False)
SVG = "{http://www.w3.org/2000/svg}"
WBK_2015 = "CBS, Wijk- en Buurtkaart 2015 (wijken)"
NL_2015 = 16900726.0  # the 393 gemeenten of the Wijk- en Buurtkaart 2015 (PROVENANCE.md)
BREAK_NOTE = ("Indeling naar migratieachtergrond (westers/niet-westers) is na KWB 2022 "
              "vervangen door de herkomstindeling (Nederland, Europa, buiten Europa); niet "
              "1-op-1 vergelijkbaar.")


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _value(con, code: str, ind: str, year: int) -> float | None:
    row = con.execute("SELECT value FROM observation WHERE code = ? AND indicator_id = ? "
                      "AND year = ?", [code, ind, year]).fetchone()
    return None if row is None else row[0]


def _series(prof: Profile, ind: str):
    hits = [s for s in prof.series if s.indicator_id == ind]
    assert hits, f"no series {ind}"
    return hits[0]


def _kf(prof: Profile, ind: str):
    hits = [k for k in prof.key_figures if k.indicator_id == ind]
    assert hits, f"no key figure {ind}"
    return hits[0]


# ------------------------------------------------------------------ 1 data status


def test_status_counts_regions_with_values_per_year_and_level(con) -> None:
    report = data_status(con)
    grid = {(int(r.year), r.level): (int(r.n_with_value), int(r.n_regions))
            for r in report.with_values.itertuples()}
    # 2015: Wijk- en Buurtkaart (2,796 wijken + 20 derived from their buurten), no NL row
    assert grid[(2015, "gemeente")] == (393, 393)
    assert grid[(2015, "wijk")] == (2816, 2816)
    assert grid[(2015, "buurt")] == (12229, 12229)
    assert (2015, "land") not in grid
    # 2017: the wijk and gemeente tables of the map (and Amsterdam/Heerlen buurten)
    assert grid[(2017, "gemeente")] == (388, 388) and grid[(2017, "wijk")] == (3070, 3070)
    assert grid[(2017, "land")] == (1, 1)
    assert grid[(2019, "gemeente")] == (355, 355)
    assert grid[(2024, "gemeente")] == (342, 342) and grid[(2024, "wijk")] == (3393, 3393)
    assert grid[(2024, "buurt")] == (14574, 14574)
    # the gemeente boundaries of 2013 carry no figure: 0 of 412
    assert grid[(2013, "gemeente")] == (0, 412)

    matrix = report.to_dict()["matrix"]
    assert matrix["a_inw"]["years"]["2015"] == {"gemeente": 393, "wijk": 2816, "buurt": 12229}
    assert matrix["a_inw"]["years"]["2017"] == {"land": 1, "gemeente": 388, "wijk": 3070,
                                                "buurt": 536}
    assert matrix["a_inw"]["years"]["2024"] == {"land": 1, "gemeente": 342, "wijk": 3393,
                                                "buurt": 14574}
    # benefits of 2015: suppressed (CBS map code -99999999) in 1,193 buurten and 86 wijken
    assert matrix["wwb_uittot"]["years"]["2015"] == {"gemeente": 393, "wijk": 2730,
                                                     "buurt": 11036}
    assert matrix["p_65_eo_jr"]["years"]["2017"]["wijk"] == 2989
    # the same counts, independently from the observation view
    n = con.execute("SELECT count(*) FROM observation WHERE indicator_id = 'wwb_uittot' "
                    "AND year = 2015 AND code LIKE 'BU%' AND value IS NOT NULL").fetchone()[0]
    assert n == 11036


def test_status_text_and_json_from_the_cli(con, built_db: Path) -> None:
    report = data_status(con)

    def render(limit: int | None) -> str:
        out = io.StringIO()
        render_status(report, console=Console(file=out, width=160), limit=limit)
        return out.getvalue()

    text = render(15)
    assert "Regio's per jaar en niveau (met cijfers, van het aantal in de database)" in text
    row_2015 = next(line for line in text.splitlines() if line.startswith("│ 2015"))
    assert re.findall(r"[\d.]+", row_2015)[1:4] == ["393", "2.816", "12.229"]
    assert "0 van 412" in text
    assert "'data status --alles'" in text  # the matrix only with --alles (or in JSON)
    assert "Regio's met een waarde per indicator, jaar en niveau" not in text
    full = render(None)
    assert "Regio's met een waarde per indicator, jaar en niveau" in full
    wwb = [line for line in full.splitlines()
           if re.match(r"│ wwb_uittot +│ 2015 ", line)]
    assert len(wwb) == 1 and re.findall(r"[\d.–]+", wwb[0]) == [
        "2015", "–", "393", "2.730", "11.036"]
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(built_db), "data", "status", "--alles"])
    assert result.exit_code == 0 and "per indicator, jaar en niveau" in result.stdout
    data = json.loads(runner.invoke(app, ["--db", str(built_db), "data", "status",
                                          "--format", "json"]).stdout)
    assert data["matrix"]["a_inw"]["years"]["2015"]["buurt"] == 12229
    assert {"year": 2015, "level": "wijk", "n_with_value": 2816, "n_regions": 2816,
            "n_indicators": 43} in data["with_values"]


def test_catalogue_listing_names_the_counts_of_a_share() -> None:
    rows = {r["id"]: r for r in json.loads(CliRunner().invoke(
        app, ["data", "indicatoren", "--format", "json"]).stdout)}
    assert (rows["p_65_eo_jr"]["numerator"], rows["p_65_eo_jr"]["base"]) == ("a_65_oo", "a_inw")
    assert rows["p_65_eo_jr"]["computed"] is False
    assert rows["p_soz_wb_afgeleid"]["computed"] is True
    assert rows["a_opl_bekend_afgeleid"]["sum_of"] == ["a_opl_lg", "a_opl_md", "a_opl_hg"]


# ------------------------------------------------------------------ 2 one series per concept


@pytest.fixture(scope="module")
def angelslo(con) -> Profile:
    return build_profile(con, resolve_subject(con, "Angelslo"), **ONLY_MINE)


def test_published_percentages_and_computed_shares_form_one_series(con, angelslo) -> None:
    prof = angelslo
    old = _series(prof, "p_65_eo_jr")
    pts = {p.year: p for p in old.points}
    # 2015 and 2017: whole percentages of the Wijk- en Buurtkaart, as published
    assert (pts[2015].area, pts[2015].derived) == (24.0, None)
    assert (pts[2017].area, pts[2017].derived) == (24.0, None)
    # 2024: computed from the counts of KWB 2024 (1 950 of 7 695 inhabitants)
    assert pts[2024].area == pytest.approx(1950 / 7695 * 100)
    assert pts[2024].derived == "berekend uit aantallen: a_65_oo / a_inw × 100"
    assert old.label == "Inwoners 65 jaar of ouder (%)"
    # never the share twice: no separate computed row for a concept CBS publishes
    ids = {s.indicator_id for s in prof.series} | {k.indicator_id for k in prof.key_figures}
    assert not ids & {"p_65_oo_afgeleid", "p_00_14_afgeleid", "p_w_all_afgeleid",
                      "p_nw_all_afgeleid", "p_1p_hh_afgeleid"}
    for ind in ("p_00_14_jr", "p_15_24_jr", "p_25_44_jr", "p_45_64_jr", "p_65_eo_jr"):
        assert [p.year for p in _series(prof, ind).points] == [2015, 2017, 2024]
    kf = _kf(prof, "p_65_eo_jr")
    assert kf.year == 2024 and kf.label == "Inwoners 65 jaar of ouder (%, berekend)"


def test_nederland_2015_is_computed_from_the_393_gemeenten(con, angelslo) -> None:
    inw = {p.year: p for p in _series(angelslo, "a_inw").points}
    assert inw[2015].nederland == NL_2015
    assert inw[2015].nederland_derived == (
        "berekend uit de 393 gemeenten van 2015 (aantallen opgeteld, percentages en "
        "gemiddelden gewogen met hun noemer)")
    assert inw[2017].nederland == 17081507.0 and inw[2017].nederland_derived is None
    # the national share: the gemeenten's whole percentages weighted by their inhabitants
    num, den, n = con.execute(
        """SELECT sum(p.value * i.value), sum(i.value), count(*)
           FROM observation p JOIN observation i USING (year, code)
           WHERE p.indicator_id = 'p_65_eo_jr' AND i.indicator_id = 'a_inw'
             AND p.year = 2015 AND p.code LIKE 'GM%'""").fetchone()
    assert n == 393
    old = {p.year: p for p in _series(angelslo, "p_65_eo_jr").points}
    assert old[2015].nederland == pytest.approx(num / den)
    assert old[2015].nederland == pytest.approx(17.804, abs=1e-3)
    assert any(m.startswith("Nederland 2015: de bestanden van 2015 hebben geen landelijke "
                            "rij") for m in angelslo.missing)


def test_migration_background_and_herkomst_in_one_chart_with_the_break(angelslo) -> None:
    groups = angelslo.series_groups
    assert len(groups) == 1
    g = groups[0]
    assert g.title == "Migratieachtergrond (tot 2022) en herkomst (vanaf 2023), % van inwoners"
    assert (g.break_year, g.note) == (2023, BREAK_NOTE)
    assert g.before == ["p_west_al", "p_n_w_al"]
    assert g.after == ["p_eur_al_afgeleid", "p_neu_al_afgeleid"]
    points = {s.indicator_id: [(p.year, p.area) for p in s.points if p.area is not None]
              for s in g.series}
    assert points["p_west_al"] == [(2015, 10.0), (2017, 11.0)]
    assert points["p_n_w_al"] == [(2015, 18.0), (2017, 19.0)]
    assert points["p_eur_al_afgeleid"] == [(2024, pytest.approx(830 / 7695 * 100))]
    assert points["p_neu_al_afgeleid"] == [(2024, pytest.approx(1795 / 7695 * 100))]
    # rendered: one wide chart with the break marked, no separate chart of its members
    html = render_html(angelslo)
    assert html.count("Lijngrafiek met definitiebreuk") == 1
    assert "nieuwe indeling" in html and "Vanaf 2023: " + BREAK_NOTE in html
    titles = re.findall(r'<div class="chart-title">([^<]*)</div>', html)
    assert "Westerse migratieachtergrond (%)" not in titles
    assert g.title in titles


def test_benefits_of_2015_as_count_and_per_1000_inhabitants(con, angelslo) -> None:
    wwb = _kf(angelslo, "wwb_uittot")
    assert (wwb.year, wwb.area.value, wwb.gemeente.value) == (2015, 720.0, 4040.0)
    assert wwb.nederland.value == 441630.0  # the 393 gemeenten of 2015
    assert "latere jaren tellen personen met een uitkering (a_soz_wb)" in wwb.note
    rate = _kf(angelslo, "wwb_uittot_1000_afgeleid")
    assert rate.year == 2015 and rate.unit == "per 1 000 inwoners"
    assert rate.label == ("Bijstandsuitkeringen per 1 000 inwoners (uitkeringen, geen "
                          "personen, berekend)")
    assert rate.area.value == pytest.approx(720 / 7790 * 1000)
    assert rate.gemeente.value == pytest.approx(4040 / 107775 * 1000)
    assert rate.nederland.value == pytest.approx(441630 / NL_2015 * 1000)
    assert rate.area.derived == "berekend uit aantallen: wwb_uittot / a_inw × 1.000"
    assert "geen doorlopende reeks" in rate.note
    # one year only: a key figure, not a chart
    assert all(s.indicator_id != "wwb_uittot" for s in angelslo.series)
    # valid until 2015: never reported as "missing" in 2024
    assert not any("Bijstandsuitkeringen" in m for m in angelslo.missing)


def test_a_changed_name_is_flagged(con) -> None:
    # WK050209 (Capelle aan den IJssel) was "Rivium en Fascinatio" in 2015 and 2017 and is
    # "Rivium" in 2024; the lineage keeps it as one area (same code, weight 1 every year)
    prof = build_profile(con, resolve_subject(con, "WK050209"), **ONLY_MINE)
    assert [(n.kind, n.years, n.codes, n.names) for n in prof.area_notes] == [
        ("naam", [2015, 2017], ["WK050209"], ["Rivium en Fascinatio"])]
    text = prof.area_notes[0].text
    assert text.startswith("In 2015 en 2017 heette dit gebied Rivium en Fascinatio; met "
                           "dezelfde code (WK050209) geldt het hier als hetzelfde gebied")
    inw = _series(prof, "a_inw")
    assert [(p.year, p.area) for p in inw.points] == [(2015, 3000.0), (2017, 2985.0),
                                                     (2024, 3690.0)]
    assert "In 2015 en 2017 heette dit gebied Rivium en Fascinatio." in inw.note
    assert text in prof.missing
    # a name that only loses its CBS prefix ("Wijk 01 Meerzicht" -> "Meerzicht") is no change
    meerzicht = build_profile(con, resolve_subject(con, "WK063701"), **ONLY_MINE)
    assert meerzicht.area_notes == []


def test_a_code_reused_for_another_area_is_not_its_past(con) -> None:
    # WK039209 was Schalkwijk (32,385 inhabitants) in the division of 2015 and is Parkwijk
    # (6,805 in 2017) from 2016 on: Haarlem renumbered its wijken. The lineage (2015 buurten
    # in the 2016 wijk polygons) puts 31.2 % of 2015's Haarlem-Oost (WK039203) in Parkwijk;
    # the figure of 2015 is that share, not Schalkwijk's, and no "heette" note is given
    prof = build_profile(con, resolve_subject(con, "WK039209"), **ONLY_MINE)
    assert [(n.kind, n.years, n.codes, n.names) for n in prof.area_notes] == [
        ("indeling", [2015], ["WK039203"], ["Haarlem-Oost"])]
    assert prof.area_notes[0].short == ("Op de grenzen van 2024; 2015 omgerekend "
                                        "(WK039203 Haarlem-Oost → WK039209: grenswijziging)")
    weight = con.execute("SELECT weight FROM lineage WHERE source_year = 2015 AND source_code "
                         "= 'WK039203' AND target_code = 'WK039209'").fetchone()[0]
    oost = con.execute("SELECT value FROM observations WHERE indicator_id = 'a_inw' AND "
                       "year = 2015 AND code = 'WK039203'").fetchone()[0]
    assert weight == pytest.approx(0.3119, abs=1e-4)
    inw = _series(prof, "a_inw")
    assert [(p.year, p.area) for p in inw.points] == [
        (2015, pytest.approx(oost * weight)), (2017, 6805.0), (2024, 6830.0)]
    assert inw.points[0].area == pytest.approx(6767.2, abs=0.1)


def test_a_code_of_another_division_says_why_there_is_no_development(con) -> None:
    # Zuid-Scharwoude, Dijk en Waard (formed 2022): only figures of 2024
    prof = build_profile(con, resolve_subject(con, "WK198003"), **ONLY_MINE)
    assert prof.years_available == [2024] and prof.series == []
    assert any("niet onder de code WK198003" in m and "geen ontwikkeling te tonen" in m
               for m in prof.missing)


# ------------------------------------------------------------------ the twelve programme areas

#: (a_inw 2015, a_inw 2024, wwb_uittot 2015) per programme area, from the files.
PROGRAMMA = {
    "selwerd": (6585, 6580, 540), "angelslo": (7790, 7695, 720),
    "jol-galjoen": (4215, 4175, 220), "meerwijk": (7950, 9200, 460),
    "dolphia": (585, 610, 60), "buitenhof": (13950, 14525, 910),
    "schiedam-oost": (11345, 11490, 540), "gestelse-buurt": (1235, 1040, 130),
    "jagershoef": (3560, 3590, 210), "mariaberg": (5000, 5005, 360),
    "meerzicht": (15010, 15915, 670), "kerkrade-west": (14720, 14510, 570),
}


@pytest.mark.parametrize("area_id", list(PROGRAMMA))
def test_every_programme_area_has_its_development_2015_2024(con, area_id: str) -> None:
    entry = load_area_set("programma-2016").get(area_id)
    prof = build_profile(con, subject_for_area_set_entry(con, entry), **ONLY_MINE)
    data = json.loads(json.dumps(to_dict(prof)))  # the JSON profile
    series = {s["indicator_id"]: s for s in data["series"]}
    inw_2015, inw_2024, wwb_2015 = PROGRAMMA[area_id]

    def measured(ind: str) -> dict[int, float]:
        return {p["year"]: p["area"] for p in series[ind]["points"] if p["area"] is not None}

    inw = measured("a_inw")
    assert (inw[2015], inw[2024]) == (inw_2015, inw_2024)
    nl = {p["year"]: p["nederland"] for p in series["a_inw"]["points"]}
    assert nl[2015] == NL_2015
    for ind in ("p_00_14_jr", "p_15_24_jr", "p_25_44_jr", "p_45_64_jr", "p_65_eo_jr"):
        assert {2015, 2024} <= set(measured(ind)), ind
    group = data["series_groups"][0]
    years = {s["indicator_id"]: [p["year"] for p in s["points"] if p["area"] is not None]
             for s in group["series"]}
    assert 2015 in years["p_west_al"] and 2015 in years["p_n_w_al"]
    assert years["p_eur_al_afgeleid"] == [2024] and years["p_neu_al_afgeleid"] == [2024]
    wwb = next(k for k in data["key_figures"] if k["indicator_id"] == "wwb_uittot")
    assert (wwb["year"], wwb["area"]["value"]) == (2015, wwb_2015)
    rate = next(k for k in data["key_figures"]
                if k["indicator_id"] == "wwb_uittot_1000_afgeleid")
    assert rate["area"]["value"] == pytest.approx(wwb_2015 / inw_2015 * 1000)


def test_sets_of_buurten_of_2015_are_aggregated_on_their_counts(con) -> None:
    entry = load_area_set("programma-2016").get("jol-galjoen")
    prof = build_profile(con, subject_for_area_set_entry(con, entry), **ONLY_MINE)
    old = ["BU09952333", "BU09952334", "BU09952335", "BU09952337"]
    inw = {c: _value(con, c, "a_inw", 2015) for c in old}
    assert inw == {"BU09952333": 2310.0, "BU09952334": 1045.0, "BU09952335": 0.0,
                   "BU09952337": 860.0}
    # the published whole percentages of 2015, weighted by inhabitants (never a mean of them)
    share = {c: _value(con, c, "p_65_eo_jr", 2015) for c in old}
    expected = sum(share[c] * inw[c] for c in old) / sum(inw.values())
    pts = {p.year: p for p in _series(prof, "p_65_eo_jr").points}
    assert pts[2015].area == pytest.approx(expected) and pts[2015].derived is None
    assert pts[2024].area == pytest.approx((415 + 145 + 0 + 70) / 4175 * 100)
    # benefits: the park without inhabitants has a suppressed count, which counts as 0
    wwb = {c: _value(con, c, "wwb_uittot", 2015) for c in old}
    assert wwb["BU09952335"] is None
    assert _kf(prof, "wwb_uittot").area.value == sum(v for v in wwb.values() if v) == 220.0
    assert any(m.startswith("In 2015 woonde niemand in BU09952335") and "Bijstandsuitkeringen"
               in m for m in prof.missing)
    note = next(n for n in prof.area_notes if n.kind == "indeling")
    assert note.years == [2015] and note.codes == old
    assert note.names == ["Jol", "Galjoen", "Park, Jol, Galjoen", "Galjoen zuid"]


# ------------------------------------------------------------------ property: one figure


@given(published=st.one_of(st.none(), st.integers(0, 100)),
       count=st.one_of(st.none(), st.integers(0, 5000)),
       inhabitants=st.one_of(st.none(), st.integers(0, 20000)))
def test_one_figure_per_concept(published, count, inhabitants) -> None:
    meta = _meta_table(load_catalogue())
    table = {}
    if published is not None:
        table[("p_65_eo_jr", 2020)] = _Cell(float(published), source_ids=("a",))
    if count is not None:
        table[("a_65_oo", 2020)] = _Cell(float(count), source_ids=("b",))
    if inhabitants is not None:
        table[("a_inw", 2020)] = _Cell(float(inhabitants), source_ids=("b",))
    _add_derived(table, meta)
    cell = table.get(("p_65_eo_jr", 2020))
    if published is not None:  # the published figure is kept as it is
        assert cell.value == published and cell.derived is None
    elif count is None:
        assert cell is None
    elif inhabitants:  # computed from the counts, and said so
        assert cell.value == pytest.approx(count / inhabitants * 100)
        assert cell.derived.startswith("berekend uit aantallen")
    else:
        assert cell.value is None and cell.reason in ("noemer ontbreekt", "noemer is 0")


# ------------------------------------------------------------------ 3 maps


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_angelslo_map_names_its_neighbours_and_the_boundary_year(con) -> None:
    loc = locate(con, resolve_subject(con, "Angelslo"))
    assert loc.boundary_years == [2016] and loc.context_years == [2016]
    assert loc.gemeente_year == 2022
    assert loc.boundary_note == (
        "Grens van 2016 (wijk WK011443). De code heeft cijfers tot en met 2024; getekend is "
        "de vorm van 2016: in de indeling van 2024 kan de grens anders liggen.")
    names = {a.name for a in loc.context}
    assert {"Emmerhout", "Bargeres", "Emmen-Centrum", "Erica"} <= names
    assert needs_zoom(loc)
    overview = render_map_svg(loc, title="Angelslo")
    texts = _texts(overview)
    assert "Angelslo (grens van 2016)" in texts
    assert "gemeente (grens van 2022)" in texts
    assert "andere wijken of buurten (grenzen van 2016)" in texts
    zoom = render_map_svg(loc, title="Angelslo en omgeving", name="Angelslo", view="omgeving")
    ztexts = _texts(zoom)
    # the neighbours that touch Angelslo are named on the enlarged map (or numbered)
    for neighbour in ("Emmerhout", "Bargeres", "Barger-Oosterveld"):
        assert neighbour in ztexts or any(neighbour in t for t in ztexts), neighbour
    assert 'clip-path="url(#wa-kader)"' in zoom


def test_labels_never_overlap_on_real_maps(con) -> None:
    for query in ("Angelslo", "WK051829", "Selwerd", "Kanaleneiland-Noord"):
        loc = locate(con, resolve_subject(con, query))
        svg = render_map_svg(loc, title=query)
        root = ET.fromstring(svg)
        group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "namen")
        assert len(list(group)) > 0, query


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 3),
                          st.integers(1, 3), st.text("abcdefgh ", min_size=1, max_size=16)),
                min_size=1, max_size=25))
def test_place_labels_property(cells) -> None:
    # generated areas: rectangles of 1-3 by 1-3 cells of 100 m on a 10 x 10 grid
    areas = [(name.strip() or "x", shapely.box(x * 100, y * 100, (x + w) * 100, (y + h) * 100))
             for x, y, w, h, name in cells]
    frame = MapFrame(minx=0.0, maxy=1300.0, scale=0.4, ox=10.0, oy=10.0)
    placed = place_labels(areas, frame, priority=set(range(len(areas))))
    boxes = placed.boxes
    for i, a in enumerate(boxes):  # no two labels or numbers overlap
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    assert len(placed.named) + len(placed.numbered) <= len(areas)
    assert [n for n, _ in placed.numbered] == list(range(1, len(placed.numbered) + 1))


def test_programme_areas_without_a_boundary_use_their_2015_buurten(con) -> None:
    entry = load_area_set("programma-2016").get("jagershoef")
    loc = locate(con, subject_for_area_set_entry(con, entry))
    assert loc.has_map and loc.boundary_years == [2015]
    assert loc.boundary_note == (
        "Grens van 2015 (buurt BU07721513). De code van deze buurt (BU07725130) staat in geen "
        "geladen grensbestand; de kaart toont de buurt van 2015 die het gebied toen vormde.")


def test_a_code_in_no_boundary_file_is_said_plainly_and_the_gemeente_shown(con) -> None:
    loc = locate(con, resolve_subject(con, "WK198003"))
    assert not loc.has_map and loc.gemeente_geojson is not None
    assert loc.boundary_note.startswith(
        "De code WK198003 komt in geen van de geladen grensbestanden voor (wijkgrenzen: 2015 "
        "en 2016 voor heel Nederland, 2024 voor enkele gemeenten)")
    svg = render_map_svg(loc, title="Zuid-Scharwoude")
    assert "gemeente (grens van 2022)" in _texts(svg)


def test_buurt_map_of_2015_and_a_gemeente_larger_than_its_old_map(con) -> None:
    loc = locate(con, resolve_subject(con, "Selwerd"))
    assert loc.boundary_years == [2015] and loc.context_years == [2015]
    # Groningen of 2022 includes Haren and Ten Boer, which had other codes in 2015
    assert ("Een deel van de gemeente (grens van 2022) heeft op de kaart geen buurten"
            in loc.note)


def test_profile_report_has_both_maps(con) -> None:
    subject: Subject = resolve_subject(con, "Angelslo")
    prof = build_profile(con, subject, with_peers=False, with_signals=False,
                         with_segregatie=False, with_kennis=False)
    html = render_html(prof)
    assert "Angelslo en de wijken of buurten eromheen (uitvergroot)" in html
    assert html.count('class="wa-kaart"') == 2
    assert "Grens van 2016 (wijk WK011443)." in html


def test_programme_codes_of_2015_are_the_same_places(con) -> None:
    """The other_years of the programme set, checked in the 2015 files: names, wijk, place."""
    programme = load_area_set("programma-2016")
    names = dict(con.execute("SELECT code, name FROM regions WHERE year = 2015").fetchall())
    wijk_of = dict(con.execute("SELECT code, wijk_code FROM regions WHERE year = 2015 "
                               "AND level = 'buurt'").fetchall())
    jol = programme.get("jol-galjoen").other_years[0]
    assert [names[c] for c in jol.codes] == ["Jol", "Galjoen", "Park, Jol, Galjoen",
                                             "Galjoen zuid"]
    # four buurten of wijk Schepenwijk West; Lelystad kept the buurt numbers (33, 34, 35, 37)
    assert {wijk_of[c] for c in jol.codes} == {"WK099523"}
    main = programme.get("jol-galjoen").codes
    assert [c[-2:] for c in jol.codes] == [c[-2:] for c in main]
    assert names["BU09952338"] == "Bedrijventerrein Jol"  # left out in 2015 as in 2024
    jagershoef = programme.get("jagershoef").other_years[0]
    assert jagershoef.codes == ("BU07721513",) and names["BU07721513"] == "Jagershoef"
    meerwijk = programme.get("meerwijk").other_years[0]
    assert meerwijk.codes == ("BU03920903",) and names["BU03920903"] == "Meerwijk"
    assert wijk_of["BU03920903"] == "WK039209" and names["WK039209"] == "Wijk 09 Schalkwijk"
    # the buurt Meerwijk of 2015 lies (97%) inside the wijk Meerwijk of the 2016 map
    shapes = dict(con.execute("SELECT code, geojson FROM geometries WHERE (code = 'BU03920903' "
                              "AND year = 2015) OR (code = 'WK039221' AND year = 2016)")
                  .fetchall())
    buurt = shapely.from_geojson(shapes["BU03920903"])
    wijk = shapely.from_geojson(shapes["WK039221"])
    assert wijk.intersection(buurt).area / buurt.area > 0.95
