"""The profile orchestrator on the real data: key figures, series, Leefbaarometer, sources."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.model import Peer, PeerGroup, Profile, Subject, to_dict
from wijkanalyse.profiel.assemble import build_profile, profile, profile_frames
from wijkanalyse.profiel.figures import KEY_FIGURES, assess

# the module, also when the package exports the function ``profile`` under the same name
profile_mod = importlib.import_module("wijkanalyse.profiel.assemble")

ONLY_MINE = dict(with_peers=False, with_signals=False, with_location=False, with_stories=False)
KWB_2019 = "CBS, Kerncijfers Wijken en Buurten 2019"
LBM = "Leefbaarometer 3.0, ministerie van BZK"

SCHILDERSWIJK = Subject("wijk", "WK051829", "Schildersbuurt", "GM0518", "'s-Gravenhage",
                        "wijk", ["WK051829"])
DAPPERBUURT = Subject("wijk", "WK036329", "Dapperbuurt", "GM0363", "Amsterdam", "wijk",
                      ["WK036329"])
HEERLEN_CENTRUM = Subject("wijk", "WK091733", "Heerlen-Centrum", "GM0917", "Heerlen", "wijk",
                          ["WK091733"])
ANGELSLO = Subject("wijk", "WK011443", "Angelslo", "GM0114", "Emmen", "wijk", ["WK011443"])
JOL_GALJOEN = Subject("gebied", "jol-galjoen", "Jol/Galjoen", "GM0995", "Lelystad", "buurt",
                      ["BU09950633", "BU09950634", "BU09950635", "BU09950637"],
                      wijk_codes=["WK099506"])


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _kf(prof: Profile, ind: str):
    hits = [k for k in prof.key_figures if k.indicator_id == ind]
    assert hits, f"{ind} not among the key figures"
    return hits[0]


def _series(series, ind: str):
    hits = [s for s in series if s.indicator_id == ind]
    assert hits, f"no series for {ind}"
    return hits[0]


def _points(series) -> list[tuple]:
    return [(p.year, p.area, p.gemeente, p.nederland) for p in series.points]


# ------------------------------------------------------------------ Den Haag, rich 2019 data


@pytest.fixture(scope="module")
def schilderswijk_2019(con) -> Profile:
    return build_profile(con, SCHILDERSWIJK, year=2019, **ONLY_MINE)


def test_schilderswijk_2019_key_figures_match_the_statline_file(schilderswijk_2019, shared_data):
    prof = schilderswijk_2019
    assert prof.year == 2019
    # 2015 and 2017 from the nationwide Wijk- en Buurtkaart
    assert prof.years_available == [2015, 2017, 2019, 2021, 2024]

    a_inw = _kf(prof, "a_inw")
    assert (a_inw.area.value, a_inw.gemeente.value, a_inw.nederland.value) == (
        31385.0, 537833.0, 17282163.0)
    assert a_inw.area.source == KWB_2019

    corp = _kf(prof, "p_wcorpw")
    assert (corp.area.value, corp.gemeente.value, corp.nederland.value) == (68.0, 31.0, 29.0)
    assert corp.diff_gemeente == pytest.approx(37.0)
    # whole percentage points: CBS publishes p_wcorpw whole (issue 13)
    assert corp.decimals == 0
    assert corp.diff_gemeente_text == "+37 procentpunt"
    assert corp.diff_nederland_text == "+39 procentpunt"
    assert corp.area.source == KWB_2019

    # the 2019 Den Haag file was published before the income figures: '.' for wijk and gemeente
    for ind, nl in (("p_hh_li", 40.0), ("g_ink_pi", 27.1)):
        kf = _kf(prof, ind)
        assert kf.area.value is None and kf.gemeente.value is None
        assert kf.area.reason == "ontbreekt of geheim (CBS '.')"
        assert kf.nederland.value == nl
        assert kf.diff_gemeente is None and kf.assessment is None

    raw = pd.read_csv(shared_data / "kwb" / "kwb_2019_denhaag_statline_export.csv", sep=";",
                      dtype=str, encoding="utf-8-sig")
    raw = raw.set_index(raw["Regioaanduiding/Codering (code)"].str.strip())
    assert float(raw.loc["WK051829", "Bevolking/Aantal inwoners (aantal)"]) == a_inw.area.value
    assert float(raw.loc["GM0518", "Bevolking/Aantal inwoners (aantal)"]) == a_inw.gemeente.value
    corp_col = "Wonen/Woningen naar eigendom/Huurwoningen/In bezit woningcorporatie (%)"
    assert float(raw.loc["WK051829", corp_col]) == corp.area.value
    assert float(raw.loc["GM0518", corp_col]) == corp.gemeente.value
    income = [c for c in raw.columns if "Gemiddeld inkomen per inwoner" in c]
    assert raw.loc["WK051829", income[0]].strip() == "."


def test_schilderswijk_derived_shares_assessment_and_order(schilderswijk_2019):
    prof = schilderswijk_2019
    # one figure per concept: the CBS percentage p_65_eo_jr, computed from the counts of 2019
    share = _kf(prof, "p_65_eo_jr")
    assert share.unit == "%" and share.label == "Inwoners 65 jaar of ouder (%, berekend)"
    assert share.area.value == pytest.approx(3240 / 31385 * 100)
    assert share.area.derived == "berekend uit aantallen: a_65_oo / a_inw × 100"
    assert share.gemeente.value == pytest.approx(78020 / 537833 * 100)
    assert share.nederland.value == pytest.approx(3314004 / 17282163 * 100)
    nw = _kf(prof, "p_n_w_al")
    assert nw.area.value == pytest.approx(26095 / 31385 * 100)
    ids = [k.indicator_id for k in prof.key_figures]
    assert not [i for i in ids if i.startswith("p_") and i.endswith("_afgeleid")
                and i.replace("_afgeleid", "") in ("p_65_oo", "p_nw_all", "p_w_all")]
    # herkomst (from 2023) does not exist in 2019: no share, no statement
    assert all(k.indicator_id != "p_neu_al_afgeleid" for k in prof.key_figures)

    leeg = _kf(prof, "p_leegsw")  # 3% against 8%: lower is better, beyond the 1 pp band
    assert (leeg.area.value, leeg.gemeente.value, leeg.assessment) == (3.0, 8.0, "gunstig")
    # the catalogue gives corporation homes no direction; the signal rule corporatiewijk makes
    # the higher side unfavourable (issue 13: one judgement), so +37 procentpunt against the
    # gemeente is ongunstig (a lower share would never be called gunstig)
    corp = _kf(prof, "p_wcorpw")
    assert (corp.diff_gemeente, corp.better) == (pytest.approx(37.0), None)
    assert corp.assessment == "ongunstig"
    assert prof.judgement("p_wcorpw").level == "ongunstig"

    ids = [k.indicator_id for k in prof.key_figures]
    assert ids[:2] == ["a_inw", "bev_dich"]
    assert ids.index("p_wcorpw") < ids.index("a_man")  # curated before the rest
    assert "a_marok" in ids  # everything with a value is shown
    assert len(ids) == len(set(ids))


def test_schilderswijk_sources_and_missing(schilderswijk_2019):
    prof = schilderswijk_2019
    refs = {(s.label, s.file) for s in prof.sources}
    assert (KWB_2019, "kwb_2019_denhaag_statline_export.csv") in refs
    assert (LBM, "lbm3_scores_wijken_2002_2024_selection.csv") in refs
    dh = [s for s in prof.sources if s.file == "kwb_2019_denhaag_statline_export.csv"][0]
    assert (dh.table_id, dh.year, dh.licence) == ("84583NED", 2019, "CC BY 4.0")
    assert [s for s in prof.sources if s.label == LBM][0].licence is None
    assert prof.generated_with.startswith("wijkanalyse ")

    assert "Geen KWB-cijfers voor 2016, 2018, 2020, 2022 en 2023 geladen." in prof.missing
    assert ("Geen landelijke cijfers (Nederland) voor 2021: alleen voor 2017, 2019 en "
            "2024." in prof.missing)
    assert any(m.startswith("Nederland 2015: de bestanden van 2015 hebben geen landelijke rij; "
                            "de landelijke cijfers zijn berekend uit de 393 gemeenten van 2015")
               for m in prof.missing)
    empty = [m for m in prof.missing if m.startswith("Zonder waarde in 2019")]
    assert len(empty) == 1
    assert "Huishoudens met laag inkomen (landelijke laagste 40%)" in empty[0]
    assert "Gemiddeld inkomen per inwoner" in empty[0]
    absent = [m for m in prof.missing if m.startswith("Niet in de geladen bestanden voor 2019")]
    assert "Nettoarbeidsparticipatie" in absent[0]


def test_schilderswijk_leefbaarometer(schilderswijk_2019):
    prof = schilderswijk_2019
    lbm = _series(prof.leefbaarometer, "lbm")
    assert [p.year for p in lbm.points] == [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022,
                                             2024]
    last = lbm.points[-1]
    assert last.area == pytest.approx(3.904830, abs=1e-6)
    assert last.nederland == pytest.approx(3.904830 + 0.197435, abs=1e-5)
    assert last.gemeente is None and last.source == LBM
    assert [s.indicator_id for s in prof.leefbaarometer] == [
        "lbm", "lbm_afw", "lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won"]
    afw = _series(prof.leefbaarometer, "lbm_afw")
    assert all(p.nederland == 0.0 for p in afw.points)
    assert "Nederland = 0" in afw.note
    # 2019 is no Leefbaarometer year: no key figure
    assert all(k.indicator_id != "lbm" for k in prof.key_figures)


def test_default_year_is_latest_kwb_year(con):
    prof = build_profile(con, SCHILDERSWIJK, **ONLY_MINE)
    assert prof.year == 2024
    assert _kf(prof, "a_inw").area.value == 30700.0
    assert _kf(prof, "lbm").area.value == pytest.approx(3.904830, abs=1e-6)


# ------------------------------------------------------------------ Amsterdam, 2017 + 2019 + 2021
# The 2015 income download names "Dapperbuurt", which in the 2015 division was the buurt
# BU03630529 (Wijk- en Buurtkaart 2015); the wijk WK036329 exists from 2016 on. So the 2015
# figures are not in the series of WK036329 (see test_amsterdam_2015_names_on_the_2015_division).


@pytest.fixture(scope="module")
def dapperbuurt(con) -> Profile:
    return build_profile(con, DAPPERBUURT, **ONLY_MINE)


def test_amsterdam_series(dapperbuurt):
    prof = dapperbuurt
    assert prof.year == 2021 and prof.years_available == [2017, 2019, 2021]
    li = _series(prof.series, "p_hh_li")
    assert _points(li) == [(2017, 57.9, 52.1, 40.0), (2019, 57.0, 50.9, 40.0)]
    assert li.change_first == pytest.approx(57.0 - 57.9)
    assert li.change_first_text == "-0,9 procentpunt"
    assert li.change_previous == pytest.approx(-0.9)
    assert [p.source for p in li.points] == ["CBS, Kerncijfers Wijken en Buurten 2017",
                                             KWB_2019]

    ink = _series(prof.series, "g_ink_pi")
    assert _points(ink) == [(2017, 26.3, 28.9, 25.7), (2019, 29.6, 31.3, 27.1)]
    assert ink.change_first == pytest.approx((29.6 - 26.3) / 26.3 * 100)
    assert ink.change_first_text == "+12,5%"

    inw = _series(prof.series, "a_inw")
    assert _points(inw) == [(2017, 9755.0, 844947.0, 17081507.0),
                            (2019, 10185.0, 862965.0, 17282163.0),
                            (2021, 10045.0, 873338.0, None)]
    assert inw.change_previous == pytest.approx((10045 - 10185) / 10185 * 100)


def test_amsterdam_2015_names_on_the_2015_division(con):
    """The names-only 2015 income file (line 76: "Dapperbuurt";"7300";…;"59,5";…) lands on the
    2015 buurt of that name, next to the Wijk- en Buurtkaart 2015 figures of the same buurt."""
    rows = con.execute(
        "SELECT indicator_id, value, source_id FROM observation WHERE year = 2015 "
        "AND code = 'BU03630529' AND indicator_id IN ('p_hh_li', 'g_ink_pi', 'a_inkont', "
        "'a_inw') ORDER BY indicator_id").fetchall()
    income = "kwb_2015_amsterdam_income_statline_export.csv"
    assert rows == [("a_inkont", 7300.0, income), ("a_inw", 8935.0,
                                                    "wijkbuurtkaart_2015: buurten 2015"),
                    ("g_ink_pi", 24.0, income), ("p_hh_li", 59.5, income)]
    # the gemeente row of the file: Amsterdam 2015
    assert con.execute("SELECT value FROM observation WHERE year = 2015 AND code = 'GM0363' "
                       "AND indicator_id = 'p_hh_li'").fetchone()[0] == 53.1
    # and WK036329 (Dapperbuurt since 2016) has no 2015 figure of its own
    assert con.execute("SELECT count(*) FROM observation WHERE year = 2015 "
                       "AND code = 'WK036329'").fetchone()[0] == 0


def test_amsterdam_definitions_are_not_joined_and_missing_is_stated(dapperbuurt):
    prof = dapperbuurt
    ids = {s.indicator_id for s in prof.series}
    assert "p_n_w_al" in ids and "a_nw_all" in ids
    assert not ids & {"a_neu_al", "p_neu_al_afgeleid", "a_nl_all"}
    assert "g_wodief" not in ids  # crime only in 2017: one point, no series
    assert all(s.indicator_id != "ste_mvs" for s in prof.series)  # a class gets no series
    # 2017: the whole percentage of the Wijk- en Buurtkaart (published) wins over the share
    # computed from the StatLine counts (1215 / 9755 = 12,5%); 2019 and 2021: computed
    share = _series(prof.series, "p_65_eo_jr")
    assert (share.points[0].year, share.points[0].area, share.points[0].derived) == (
        2017, 12.0, None)
    assert share.points[0].gemeente == 12.0 and share.points[0].gemeente_derived is None
    assert share.points[1].area == pytest.approx(1360 / 10185 * 100)
    assert share.points[1].derived == "berekend uit aantallen: a_65_oo / a_inw × 100"
    assert share.label == "Inwoners 65 jaar of ouder (%)"  # mixed: the points say which
    assert "Geen KWB-cijfers voor 2018 en 2020 geladen." in prof.missing
    assert "Geen Leefbaarometer voor deze wijk." in prof.missing
    assert prof.leefbaarometer == []


def test_amsterdam_2017_crime_key_figures(con):
    prof = build_profile(con, DAPPERBUURT, year=2017, **ONLY_MINE)
    kf = _kf(prof, "g_wodief")
    assert kf.area.value == 9.0 and kf.area.source == "CBS, Kerncijfers Wijken en Buurten 2017"
    assert kf.unit == "per 1 000 inwoners"


# ------------------------------------------------------------------ Heerlen 2016–2020


def test_heerlen_series_2016_2020(con):
    prof = build_profile(con, HEERLEN_CENTRUM, year=2018, **ONLY_MINE)
    assert prof.years_available == [2015, 2016, 2017, 2018, 2019, 2020, 2024]
    inw = _series(prof.series, "a_inw")
    # 2015 from the Wijk- en Buurtkaart, 2016–2020 from the Heerlen SQLite, 2024 from the
    # national file
    assert _points(inw) == [
        (2015, 5015.0, 87500.0, 16900726.0),  # Nederland: sum of the 393 gemeenten
        (2016, 5100.0, 87406.0, None),
        (2017, 5105.0, 87189.0, 17081507.0),
        (2018, 5045.0, 86762.0, None),
        (2019, 5100.0, 86832.0, 17282163.0),
        (2020, 5185.0, 87086.0, None),
        (2024, 5510.0, 87461.0, 17942942.0),
    ]
    assert inw.change_first == pytest.approx((5510 - 5015) / 5015 * 100)
    assert inw.change_previous == pytest.approx((5510 - 5185) / 5185 * 100)
    assert ("Geen landelijke cijfers (Nederland) voor 2016, 2018 en 2020: alleen voor "
            "2017, 2019 en 2024.") in prof.missing
    assert "Geen KWB-cijfers voor 2021, 2022 en 2023 geladen." in prof.missing

    # 2018 is a Leefbaarometer year: score and afwijking are key figures
    lbm = _kf(prof, "lbm")
    assert lbm.area.value == pytest.approx(4.05442080892501)
    assert lbm.nederland.value == pytest.approx(4.05442080892501 + 0.0478440422186771)
    assert lbm.gemeente.value is None and "alleen per wijk" in lbm.gemeente.reason
    assert lbm.area.source == LBM
    assert lbm.assessment is None  # -0,048 lies within the neutral band of 0,05
    assert _kf(prof, "lbm_afw").nederland.value == 0.0
    kf = _kf(prof, "a_inw")
    assert kf.nederland.value is None
    assert kf.nederland.reason == "geen landelijke cijfers voor 2018 geladen"


def test_leefbaarometer_of_two_wijken_is_weighted_by_inhabitants(con):
    subject = Subject("gebied", "twee", "Twee wijken", "GM0917", "Heerlen", "wijk",
                      ["WK091733", "WK091734"])
    prof = build_profile(con, subject, **ONLY_MINE)
    lbm = _series(prof.leefbaarometer, "lbm")
    w33, w34 = 5510, 2525  # inhabitants 2024
    expected_2018 = (4.05442080892501 * w33 + 3.82871208368061 * w34) / (w33 + w34)
    assert {p.year: p.area for p in lbm.points}[2018] == pytest.approx(expected_2018)
    assert "gewogen naar aantal inwoners (2024)" in lbm.note
    assert "Heerlen-Centrum en Eikenderveld" in lbm.note
    assert _kf(prof, "a_inw").area.value == w33 + w34


# ------------------------------------------------------------------ programme: only 2024 + LBM


def test_angelslo_2024_and_leefbaarometer(con):
    prof = build_profile(con, ANGELSLO, **ONLY_MINE)
    # 2015 and 2017: the nationwide Wijk- en Buurtkaart
    assert prof.year == 2024 and prof.years_available == [2015, 2017, 2024]
    kf = _kf(prof, "a_inw")
    assert (kf.area.value, kf.gemeente.value, kf.nederland.value) == (7695.0, 109346.0,
                                                                     17942942.0)
    assert kf.diff_gemeente_text is None  # counts of areas of different size: no index
    neu = _kf(prof, "p_neu_al_afgeleid")
    assert neu.area.value == pytest.approx(1795 / 7695 * 100)
    assert neu.gemeente.value == pytest.approx(8880 / 109346 * 100)
    assert neu.nederland.value == pytest.approx(3324101 / 17942942 * 100)
    assert neu.diff_nederland_text == "+4,8 procentpunt"

    lbm = _series(prof.leefbaarometer, "lbm")
    assert [p.year for p in lbm.points] == [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022,
                                             2024]
    assert lbm.points[0].area == pytest.approx(3.92064393084691)
    assert lbm.points[-1].area == pytest.approx(3.93634333965517)
    assert lbm.points[-1].nederland == pytest.approx(3.93634333965517 + 0.165921511488516)
    assert lbm.change_first == pytest.approx(3.93634333965517 - 3.92064393084691)
    assert lbm.note.startswith("Nederland: het landelijk gemiddelde")
    assert [p.year for p in _series(prof.leefbaarometer, "lbm_fys").points] == [
        2014, 2018, 2020, 2022, 2024]
    afw = _kf(prof, "lbm_afw")
    assert afw.diff_nederland == pytest.approx(-0.165921511488516)
    assert afw.assessment == "ongunstig"  # no gemeente figure: compared with Nederland

    # 2015 and 2017 from the Wijk- en Buurtkaart (the gemeente and Nederland 2017 as well)
    inw = _series(prof.series, "a_inw")
    # Nederland 2015: the sum of the 393 gemeenten of the Wijk- en Buurtkaart 2015
    assert _points(inw) == [(2015, 7790.0, 107775.0, 16900726.0),
                            (2017, 7800.0, 107490.0, 17081507.0),
                            (2024, 7695.0, 109346.0, 17942942.0)]
    assert inw.points[0].nederland_derived.startswith("berekend uit de 393 gemeenten van 2015")
    assert inw.points[1].nederland_derived is None
    assert [p.source for p in inw.points] == [
        "CBS, Wijk- en Buurtkaart 2015 (wijken)", "CBS, Wijk- en Buurtkaart 2017 (wijken)",
        "CBS, Kerncijfers Wijken en Buurten 2024"]
    absent = [m for m in prof.missing
              if m.startswith("Niet in de geladen bestanden tot en met 2024")]
    assert "Huishoudens met laag inkomen (landelijke laagste 40%)" in absent[0]
    assert "Leefbaarheid" not in absent[0]
    assert not any(m.startswith("Geen landelijke cijfers") for m in prof.missing)


# ------------------------------------------------------------------ a set of buurten


def test_jol_galjoen_buurt_set(con):
    prof = build_profile(con, JOL_GALJOEN, **ONLY_MINE)
    assert prof.year == 2024
    inw = _kf(prof, "a_inw")
    assert inw.area.value == 4175.0  # 2285 + 1055 + 0 + 835
    assert inw.area.complete and inw.gemeente.value == 84080.0
    old = _kf(prof, "p_65_eo_jr")
    assert old.area.value == pytest.approx((415 + 145 + 0 + 70) / 4175 * 100)
    shares = [415 / 2285, 145 / 1055, 70 / 835]
    assert old.area.value != pytest.approx(sum(shares) / 3 * 100)  # not a mean of shares
    assert old.gemeente.value == pytest.approx(15340 / 84080 * 100)
    neu = _kf(prof, "p_neu_al_afgeleid")
    assert neu.area.value == pytest.approx((625 + 290 + 0 + 190) / 4175 * 100)

    lbm = _series(prof.leefbaarometer, "lbm")
    assert lbm.note.startswith("Leefbaarometer van wijk Kustwijk, waarin de buurten liggen.")
    assert lbm.label.endswith("(van de wijk)")
    assert _kf(prof, "lbm").area.value == pytest.approx(4.11998063944551)
    assert "Geen KWB-cijfers" not in " ".join(prof.missing)


# ------------------------------------------------------------------ peers, optional parts


def test_peer_figures_are_means_weighted_by_base(con, monkeypatch):
    group = PeerGroup(level="wijk", year=2019, indicators=["a_inw"], method="test",
                      peers=[Peer("WK036328", "Oosterparkbuurt", "Amsterdam", 0.1, 1, []),
                             Peer("WK036330", "Transvaalbuurt", "Amsterdam", 0.2, 2, []),
                             Peer("WK999999", "Onbekend", None, 0.3, 3, [])],
                      source=KWB_2019)
    calls = []

    def fake_find_peers(con_, subject, *, year=None, n=10):
        calls.append((subject.id, year))
        return group

    monkeypatch.setattr(profile_mod, "find_peers", fake_find_peers)
    prof = build_profile(con, DAPPERBUURT, year=2019, with_signals=False, with_location=False,
                         with_stories=False, with_segregatie=False, with_kennis=False)
    assert calls == [("WK036329", 2019)]
    assert prof.peers is group
    li = _kf(prof, "p_hh_li").peers  # weighted by households
    assert li.value == pytest.approx((56.1 * 6490 + 56.6 * 5025) / (6490 + 5025))
    assert li.complete is False and "2 van de 3" in li.reason
    assert li.source == KWB_2019
    assert _kf(prof, "a_inw").peers.value == pytest.approx((10855 + 9250) / 2)
    old = _kf(prof, "p_65_eo_jr").peers  # pooled share
    assert old.value == pytest.approx((1245 + 990) / (10855 + 9250) * 100)
    # parts that are switched off stay empty
    assert prof.signals == [] and prof.location is None
    assert prof.stories == [] and prof.approaches == []
    files = {s.file for s in prof.sources}
    assert "kwb_2016_2020_heerlen.sqlite" not in files  # the peers' label adds no other files


def test_parts_switched_off_stay_empty(con):
    prof = build_profile(con, ANGELSLO, **ONLY_MINE, with_segregatie=False, with_kennis=False)
    assert prof.peers is None and prof.location is None and prof.signals == []
    kf = _kf(prof, "a_inw")
    assert kf.peers.value is None and kf.peers.reason == "geen vergelijkbare wijken bepaald"
    # sections switched off are None, also through the attribute API from before the registry
    assert prof.section("kennis") is None and prof.kennis is None and prof.segregatie is None
    with pytest.raises(AttributeError):
        prof.no_such_section  # noqa: B018


def test_gemeente_profile_compares_with_nederland(con):
    subject = Subject("gemeente", "GM0917", "Heerlen", "GM0917", "Heerlen", "gemeente",
                      ["GM0917"])
    prof = build_profile(con, subject, year=2019, **ONLY_MINE)
    kf = _kf(prof, "a_inw")
    assert kf.area.value == 86832.0 and kf.gemeente.value is None
    assert kf.gemeente.reason == "het gebied is de gemeente zelf"
    li = _kf(prof, "p_hh_li")
    assert li.diff_gemeente is None and li.nederland.value == 40.0
    assert li.assessment == assess(li.diff_nederland, unit="%", kind="rate", better="lower")
    assert any(m.startswith("Geen Leefbaarometer voor de gemeente") for m in prof.missing)


def test_unknown_region_states_that_nothing_is_loaded(con):
    subject = Subject("wijk", "WK999999", "Nergens", "GM9999", "Nergens", "wijk", ["WK999999"])
    prof = build_profile(con, subject, **ONLY_MINE)
    assert prof.key_figures == [] and prof.series == [] and prof.years_available == []
    assert prof.missing[0] == "Geen KWB-cijfers voor deze wijk geladen."
    assert "Geen Leefbaarometer voor deze wijk." in prof.missing


# ------------------------------------------------------------------ JSON, frames, helpers


def test_json_and_frames(con, schilderswijk_2019, dapperbuurt):
    for prof in (schilderswijk_2019, dapperbuurt, build_profile(con, JOL_GALJOEN, **ONLY_MINE)):
        data = json.loads(json.dumps(to_dict(prof)))
        assert data["subject"]["id"] == prof.subject.id
        assert len(data["key_figures"]) == len(prof.key_figures)
    frames = profile_frames(dapperbuurt)
    assert set(frames) == {"key_figures", "series", "leefbaarometer", "signals", "peers"}
    kf = frames["key_figures"].set_index("indicator_id")
    assert kf.loc["a_inw", "area"] == 10045.0 and kf.loc["a_inw", "gemeente"] == 873338.0
    series = frames["series"]
    li = series[series["indicator_id"] == "p_hh_li"]
    assert li["year"].tolist() == [2017, 2019]
    assert li["area"].tolist() == [57.9, 57.0]
    assert frames["leefbaarometer"].empty and frames["peers"].empty


def test_assess_neutral_band():
    assert assess(0.9, unit="%", kind="rate", better="lower") is None
    assert assess(1.0, unit="%", kind="rate", better="lower") == "ongunstig"
    assert assess(-1.5, unit="%", kind="rate", better="lower") == "gunstig"
    assert assess(105.0, unit="x 1 000 euro", kind="mean", better="higher") is None
    assert assess(94.0, unit="x 1 000 euro", kind="mean", better="higher") == "ongunstig"
    assert assess(-0.04, unit="score", kind="score", better="higher") is None
    assert assess(-0.2, unit="score", kind="score", better="higher") == "ongunstig"
    assert assess(30.0, unit="%", kind="rate", better=None) is None


def test_curated_ids_exist():
    cat = load_catalogue()
    assert all(i in cat for i in KEY_FIGURES)
    assert len(KEY_FIGURES) == len(set(KEY_FIGURES))
    # no curated share has a published twin: one row per concept
    numerators = [cat[i].numerator for i in KEY_FIGURES if cat[i].numerator]
    assert len(numerators) == len(set(numerators))


def test_profile_without_database(tmp_path):
    with pytest.raises(WijkanalyseError, match="nog geen database"):
        profile("Angelslo", db=tmp_path / "geen.duckdb")
