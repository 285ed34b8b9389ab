"""Every figure belongs to the area it is shown for (issue 13, items 1 and 2): the
Leefbaarometer of the wijk around a buurt says so in its cell and in the JSON (``geldt_voor``),
figures on which two loaded sources disagree carry both values in a footnote, and figures whose
peiljaar differs from the KWB edition say which year they describe. Real values from the files
in ../shared/data."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import Profile, Subject, to_dict
from wijkanalyse.profiel.assemble import build_profile, profile_frames
from wijkanalyse.profiel.cells import _applies_to, _lbm_codes, _Row
from wijkanalyse.profiel.conflicts import conflict_for, conflicts_by_key
from wijkanalyse.profiel.report import render_html

ONLY_MINE = dict(with_peers=False, with_signals=False, with_location=False, with_stories=False,
                 with_segregatie=False, with_kennis=False)
ODATA_2019 = "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv"
STATLINE_2019 = "kwb_2019_amsterdam_statline_export.csv"
GENERATED_ON = date(2025, 1, 15)


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _kf(prof: Profile, ind: str):
    hits = [k for k in prof.key_figures if k.indicator_id == ind]
    assert hits, f"{ind} not among the key figures"
    return hits[0]


def _profile(con, query: str, gemeente: str | None = None) -> Profile:
    return build_profile(con, resolve_subject(con, query, gemeente=gemeente), **ONLY_MINE)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------- the Leefbaarometer of the wijk


@pytest.mark.parametrize("query, gemeente, code, name, inhabitants, text", [
    ("Mariaberg", "Maastricht", "WK093502", "Buitenwijk West", 36335.0,
     "score van wijk Buitenwijk West, 36.335 inw."),
    ("Selwerd", "Groningen", "WK001410", "Noordwest", 19600.0,
     "score van wijk Noordwest, 19.600 inw."),
    ("jol-galjoen", None, "WK099506", "Kustwijk", 13000.0,
     "score van wijk Kustwijk, 13.000 inw."),
])
def test_leefbaarometer_of_the_wijk_says_so_in_its_cell(con, query, gemeente, code, name,
                                                        inhabitants, text):
    prof = _profile(con, query, gemeente)
    assert prof.subject.level == "buurt"
    for ind in ("lbm", "lbm_afw"):
        fig = _kf(prof, ind).area
        assert fig.geldt_voor is not None
        assert (fig.geldt_voor.code, fig.geldt_voor.name) == (code, name)
        assert fig.geldt_voor.inhabitants == inhabitants
        assert fig.geldt_voor.inhabitants_year == 2024 and fig.geldt_voor.text == text
    lbm = next(s for s in prof.leefbaarometer if s.indicator_id == "lbm")
    assert lbm.geldt_voor is not None and lbm.geldt_voor.code == code
    # the buurt's own figures belong to the buurt
    assert _kf(prof, "a_inw").area.geldt_voor is None

    data = json.loads(json.dumps(to_dict(prof)))
    row = next(k for k in data["key_figures"] if k["indicator_id"] == "lbm")
    assert row["area"]["geldt_voor"]["code"] == code
    assert row["area"]["geldt_voor"]["name"] == name
    assert row["area"]["geldt_voor"]["inhabitants"] == inhabitants
    assert data["leefbaarometer"][0]["geldt_voor"]["code"] == code
    frame = profile_frames(prof)["key_figures"].set_index("indicator_id")
    assert frame.loc["lbm", "geldt_voor"] == code and pd.isna(frame.loc["a_inw", "geldt_voor"])

    html = render_html(prof, generated_on=GENERATED_ON)
    # the Kerncijfers row of the score: value and the wijk in the same cell
    cell = re.search(r'Leefbaarometer-score[^<]*(?:<[^>]+>[^<]*)*?</td>\s*<td class="num">'
                     r'(.*?)</td>', html, re.S)
    assert cell is not None and text in cell.group(1)
    assert f"Alle waarden: {text}" in html


def test_mariaberg_score_is_that_of_buitenwijk_west(con):
    prof = _profile(con, "Mariaberg", "Maastricht")
    assert _kf(prof, "a_inw").area.value == 5005.0  # the buurt itself
    assert _kf(prof, "lbm").area.value == pytest.approx(4.0080308757078)


def test_a_wijk_has_its_own_leefbaarometer(con):
    prof = _profile(con, "WK011443")  # Angelslo
    assert _kf(prof, "lbm").area.geldt_voor is None
    assert all(s.geldt_voor is None for s in prof.leefbaarometer)
    assert '"geldt_voor": null' in json.dumps(to_dict(prof))
    assert "geldt-voor" not in render_html(prof, generated_on=GENERATED_ON)


def _subject(members: list[str], wijken: list[str]) -> Subject:
    return Subject("gebied", "x", "X", "GM0995", "Lelystad", "buurt", members,
                   wijk_codes=wijken)


def test_a_finer_leefbaarometer_wins_over_the_wijk():
    """Buurt scores, when loaded, are the buurt's own: no containing wijk."""
    subject = _subject(["BU09950633", "BU09950634"], ["WK099506"])
    assert _lbm_codes(subject) == ["WK099506"]
    assert _lbm_codes(subject, {"BU09950633"}) == ["WK099506"]  # not every member has one
    assert _lbm_codes(subject, {"BU09950633", "BU09950634"}) == ["BU09950633", "BU09950634"]
    assert _applies_to(subject, ["BU09950633", "BU09950634"], {}, []) is None


def test_applies_to_two_wijken_sums_their_inhabitants():
    subject = _subject(["BU00010101", "BU00010201"], ["WK000101", "WK000102"])
    rows = [_Row("a_inw", 2023, "WK000101", 1000.0, None, "s", "kwb"),
            _Row("a_inw", 2024, "WK000101", 1200.0, None, "s", "kwb"),
            _Row("a_inw", 2024, "WK000102", 800.0, None, "s", "kwb")]
    applies = _applies_to(subject, ["WK000101", "WK000102"], {"WK000101": "Noord",
                                                             "WK000102": "Zuid"}, rows)
    assert applies is not None and applies.codes == ["WK000101", "WK000102"]
    assert applies.inhabitants == 2000.0 and applies.inhabitants_year == 2024
    assert applies.text == "gewogen score van de wijken Noord en Zuid, samen 2.000 inw."


# ------------------------------------------------------------- sources that disagree


@pytest.fixture(scope="module")
def bu03632304(con) -> Profile:
    """An Amsterdam buurt on which the two 2019 files disagree most on the WOZ value."""
    return _profile(con, "BU03632304")


def test_amsterdam_2019_woz_conflict_shows_both_values(bu03632304):
    woz = _kf(bu03632304, "g_woz")
    assert woz.year == 2019 and woz.area.value == 638.0
    conflict = woz.area.conflict
    assert conflict is not None
    assert [(v.source_id, v.value, v.chosen) for v in conflict.values] == [
        (ODATA_2019, 638.0, True), (STATLINE_2019, 158.0, False)]
    assert conflict.values[0].kind == "OData-bestand van CBS"
    assert conflict.values[1].kind == "StatLine-export via R"
    assert conflict.text == (
        "Bronnen verschillen (CBS, Kerncijfers Wijken en Buurten 2019): € 638.000 in "
        f"{ODATA_2019} (OData-bestand van CBS) en € 158.000 in {STATLINE_2019} (StatLine-export "
        "via R). Getoond: € 638.000, want bij verschillen gaat een OData-bestand van CBS voor een "
        "StatLine-export via R (vaste voorrang van bronsoorten).")
    # the gemeente's WOZ differs too (378 tegen 375), in its own cell
    assert [v.value for v in woz.gemeente.conflict.values] == [378.0, 375.0]
    # corporation housing: 92 regions differ; this buurt is not one of them
    assert _kf(bu03632304, "p_wcorpw").area.conflict is None

    data = to_dict(bu03632304)
    row = next(k for k in data["key_figures"] if k["indicator_id"] == "g_woz")
    assert [v["value"] for v in row["area"]["conflict"]["values"]] == [638.0, 158.0]

    html = render_html(bu03632304, generated_on=GENERATED_ON)
    row_html = re.search(r"Gemiddelde WOZ-waarde van woningen.*?</tr>", html, re.S).group(0)
    note = re.search(r'<td class="num">€ 638.000<sup>(\d+)</sup>', row_html)
    assert note is not None
    section = html[html.index(row_html):]
    notes = re.search(r'<ol class="footnotes">(.*?)</ol>', section, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", notes, re.S)
    assert "€ 158.000 in " + STATLINE_2019 in items[int(note.group(1)) - 1]


def test_the_build_names_the_sources_in_conflict(con):
    """Only the two Amsterdam 2019 files disagree (428 WOZ values, 92 corporation shares, …);
    a profile without rows from them reads no alternatives at all."""
    assert store.conflicting_sources(con) == {ODATA_2019, STATLINE_2019}
    prof = _profile(con, "WK011443")  # Angelslo
    assert all(k.area.conflict is None and k.gemeente.conflict is None
               for k in prof.key_figures)


def test_corporation_housing_conflict_of_an_amsterdam_buurt(con):
    prof = _profile(con, "BU03638103")  # 74 tegen 46 in the two 2019 files
    fig = _kf(prof, "p_wcorpw").area
    assert fig.conflict is not None and fig.value == 46.0
    assert [(v.value, v.chosen) for v in fig.conflict.values] == [(46.0, True), (74.0, False)]


def test_conflict_of_an_aggregate_names_its_parts():
    rows = [("g_woz", 2019, "BU1", 638.0, "a.csv", "odata_csv", 10, "L", "a.csv"),
            ("g_woz", 2019, "BU1", 158.0, "b.csv", "r_csv", 30, "L", "b.csv")]
    conflicts = conflicts_by_key(rows)
    agg = conflict_for(conflicts, "g_woz", 2019, ["BU1", "BU2"], ["a.csv", "b.csv"],
                       unit="x 1 000 euro", kind="mean")
    assert agg is not None and agg.parts == ["BU1"]
    assert agg.text.startswith("Bij 1 van de 2 delen geven bronnen verschillende waarden "
                               "(BU1: € 638.000 (OData-bestand van CBS) tegen € 158.000 "
                               "(StatLine-export via R))")
    # a computed figure (no chosen source among the rows) has no conflict of its own
    assert conflict_for(conflicts, "g_woz", 2019, ["BU1"], ["c.csv"], unit="%",
                        kind="rate") is None
    assert conflict_for(conflicts, "g_woz", 2017, ["BU1"], ["a.csv"], unit="%",
                        kind="rate") is None


# ------------------------------------------------------------- peiljaar next to the edition


def test_woz_and_income_state_their_peiljaar(bu03632304):
    woz = _kf(bu03632304, "g_woz")
    assert (woz.year, woz.peiljaar) == (2019, 2018)
    assert woz.peiljaar_text == "waardepeildatum 1 januari 2018"
    assert woz.area.peiljaar == 2018 and woz.gemeente.peiljaar == 2018
    income = _kf(bu03632304, "g_ink_pi")
    assert (income.year, income.peiljaar, income.peiljaar_text) == (2019, 2019,
                                                                    "inkomen over 2019")
    assert income.area.value == 25.2
    inw = _kf(bu03632304, "a_inw")
    assert bu03632304.year == inw.year == 2021  # the latest KWB year of the buurt
    assert (inw.peiljaar, inw.peiljaar_text, inw.area.peiljaar) == (2021, None, None)

    html = _text(render_html(bu03632304, generated_on=GENERATED_ON))
    assert ("Gemiddelde WOZ-waarde van woningen (waardepeildatum 1 januari 2018; KWB 2019) "
            "€ 638.000") in html
    assert "Gemiddeld inkomen per inwoner (inkomen over 2019; KWB 2019) € 25.200" in html

    data = to_dict(bu03632304)
    row = next(k for k in data["key_figures"] if k["indicator_id"] == "g_woz")
    assert (row["year"], row["peiljaar"], row["area"]["peiljaar"]) == (2019, 2018, 2018)
    frame = profile_frames(bu03632304)["key_figures"].set_index("indicator_id")
    assert frame.loc["g_woz", "peiljaar"] == 2018
    assert "€ 158.000 in " + STATLINE_2019 in frame.loc["g_woz", "conflict"]


def test_woz_series_says_its_years_are_editions(con):
    prof = _profile(con, "WK036323")  # Amsterdam: WOZ in the KWB 2017 and 2019 files
    woz = next(s for s in prof.series if s.indicator_id == "g_woz")
    assert [p.year for p in woz.points if p.area is not None] == [2017, 2019]
    assert "De jaartallen zijn KWB-edities; waardepeildatum 1 januari 2018 in KWB 2019." in (
        woz.note or "")
    # the two 2019 files disagree on this wijk (631 tegen 436): said under the chart too
    point = next(p for p in woz.points if p.year == 2019)
    assert point.area == 631.0 and [v.value for v in point.conflict.values] == [631.0, 436.0]
    assert next(p for p in woz.points if p.year == 2017).conflict is None
    html = _text(render_html(prof, generated_on=GENERATED_ON))
    assert ("2019: Bronnen verschillen (CBS, Kerncijfers Wijken en Buurten 2019): € 631.000 in "
            f"{ODATA_2019}") in html


def test_catalogue_reference_text():
    cat = load_catalogue()
    assert cat["g_woz"].reference_text(2023) == "waardepeildatum 1 januari 2022"
    assert cat["g_ink_pi"].reference_text(2023) == "inkomen over 2023"
    assert cat["p_hh_li"].reference_year(2019) == 2019
    assert cat["m_hh_ver"].reference_text(2024) == "vermogen van 2024"
    assert cat["a_inw"].reference_text(2023) is None
    assert cat["a_soz_wb"].reference_text(2023) is None  # a date in the same year, no text
