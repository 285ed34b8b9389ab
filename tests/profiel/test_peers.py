"""Tests of wijkanalyse.profiel.peers: hand-computed distances, properties and the real data."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from wijkanalyse import store
from wijkanalyse.gebieden.aggregate import aggregate_many
from wijkanalyse.model import PeerGroup, Subject, to_dict
from wijkanalyse.profiel.features import (
    FEATURES,
    choose_reasons,
    reason_text,
    similarity,
    sum_members,
    theme_weights,
)
from wijkanalyse.profiel.peers import (
    MIN_INHABITANTS,
    find_peers,
    structural_features,
    subject_features,
)

ANGELSLO = Subject(kind="wijk", id="WK011443", name="Angelslo", gemeente_code="GM0114",
                   gemeente_name="Emmen", level="wijk", members=["WK011443"],
                   wijk_codes=["WK011443"])
JOL_GALJOEN = Subject(kind="gebied", id="jol-galjoen", name="Jol/Galjoen",
                      gemeente_code="GM0995", gemeente_name="Lelystad", level="buurt",
                      members=["BU09950633", "BU09950634", "BU09950635", "BU09950637"],
                      wijk_codes=["WK099506"])
SCHILDERSWIJK = Subject(kind="wijk", id="WK051828", name="Schilderswijk",
                        gemeente_code="GM0518", gemeente_name="'s-Gravenhage", level="wijk",
                        members=["WK051828"], wijk_codes=["WK051828"])
FEATURES_2024_WIJK = [
    "inwoners_log", "dichtheid_log", "aandeel_0_14", "aandeel_15_24", "aandeel_25_44",
    "aandeel_45_64", "aandeel_65_plus", "woningen_per_100_inw", "aandeel_herkomst_nl",
    "aandeel_herkomst_europa", "aandeel_herkomst_buiten_europa",
]
#: Features with any value for the 2024 wijken: also households, known only for Utrecht
#: (kwb-2024.xlsx) and dropped from peer groups for their coverage.
PRESENT_2024_WIJK = [*FEATURES_2024_WIJK[:7], "huishoudensgrootte", "aandeel_eenpersoonshh",
                     "aandeel_hh_met_kinderen", *FEATURES_2024_WIJK[7:]]
# a number the Dutch way: thousands with '.', decimals with ','
NL_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?%?$")


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def angelslo(con) -> PeerGroup:
    return find_peers(con, ANGELSLO)


# ---------------------------------------------------------------- similarity by hand


def tiny() -> tuple[pd.DataFrame, pd.Series]:
    """3 features, 4 candidates, chosen so that means and standard deviations are round.

    a = 0, 0, 2, 2 -> mean 1, std 1;  b = 1, 3, 1, 3 -> mean 2, std 1;
    c = 1, 1, 5, 5 -> mean 3, std 2 (population std, ddof=0).
    """
    features = pd.DataFrame(
        {"a": [0.0, 0.0, 2.0, 2.0], "b": [1.0, 3.0, 1.0, 3.0], "c": [1.0, 1.0, 5.0, 5.0]},
        index=["K1", "K2", "K3", "K4"],
    )
    return features, pd.Series({"a": 0.0, "b": 1.0, "c": 3.0})


def test_similarity_hand_computed() -> None:
    features, target = tiny()
    res = similarity(features, target)
    # standardised differences (x - t) / std
    assert res["a"].tolist() == [0.0, 0.0, 2.0, 2.0]
    assert res["b"].tolist() == [0.0, 2.0, 0.0, 2.0]
    assert res["c"].tolist() == [-1.0, -1.0, 1.0, 1.0]
    # distance = sqrt(sum dz^2 / 3)
    expected = [math.sqrt(1 / 3), math.sqrt(5 / 3), math.sqrt(5 / 3), math.sqrt(9 / 3)]
    assert res["distance"].tolist() == pytest.approx(expected, abs=1e-12)
    assert res["n_features"].tolist() == [3, 3, 3, 3]
    assert res["weight_share"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert list(res.index) == ["K1", "K2", "K3", "K4"]


def test_similarity_weights_by_hand() -> None:
    features, target = tiny()
    res = similarity(features, target, weights={"a": 2.0})  # b and c weigh 1
    # sqrt((2*a^2 + b^2 + c^2) / 4)
    expected = [math.sqrt(1 / 4), math.sqrt(5 / 4), math.sqrt(9 / 4), math.sqrt(13 / 4)]
    assert res["distance"].tolist() == pytest.approx(expected, abs=1e-12)
    assert res.loc["K3", "distance"] == pytest.approx(1.5)


def test_similarity_missing_values_and_zero_variance() -> None:
    features, target = tiny()
    features["flat"] = 7.0  # no variance: carries no information, left out
    features.loc["K2", "a"] = np.nan  # K2 is compared on b and c only
    target["flat"] = 9.0
    res = similarity(features, target)
    assert res["flat"].isna().all()
    # a over K1, K3, K4 = 0, 2, 2: mean 4/3, std sqrt(8/9)
    std_a = math.sqrt(8 / 9)
    assert res.loc["K3", "a"] == pytest.approx(2 / std_a)
    assert res.loc["K2", "n_features"] == 2
    assert res.loc["K2", "weight_share"] == pytest.approx(2 / 3)
    assert res.loc["K2", "distance"] == pytest.approx(math.sqrt((4 + 1) / 2))
    assert res.loc["K1", "distance"] == pytest.approx(math.sqrt(1 / 3))
    # a feature the target lacks is compared for nobody
    res2 = similarity(features, target.drop("c"))
    assert res2["c"].isna().all()
    assert res2.loc["K1", "distance"] == pytest.approx(0.0)


def test_similarity_refuses_bad_input() -> None:
    features, target = tiny()
    with pytest.raises(ValueError, match="negative|>= 0"):
        similarity(features, target, weights={"a": -1.0})
    with pytest.raises(ValueError, match="clash"):
        similarity(features.rename(columns={"a": "distance"}), target)


def test_theme_weights_give_each_theme_weight_one() -> None:
    w = theme_weights(["inwoners_log", "aandeel_0_14", "aandeel_65_plus", "aandeel_koop"])
    assert w == {"inwoners_log": 1.0, "aandeel_0_14": 0.5, "aandeel_65_plus": 0.5,
                 "aandeel_koop": 1.0}


def test_sum_members_by_hand() -> None:
    wide = pd.DataFrame(
        {"a_inw": [100.0, 300.0, 0.0], "a_woning": [50.0, 150.0, 0.0],
         "p_koopw": [20.0, 60.0, np.nan]},  # the empty third member has no share: ignored
        index=["BU1", "BU2", "BU3"],
    )
    res = sum_members(wide, bases={"p_koopw": "a_woning"})
    assert res["a_inw"] == 400.0 and res["a_woning"] == 200.0
    assert res["p_koopw"] == pytest.approx((20 * 50 + 60 * 150) / 200)  # 50, not the mean 40
    wide.loc["BU2", "a_inw"] = np.nan  # a missing part: no silently smaller sum
    wide.loc["BU1", "p_koopw"] = np.nan
    res = sum_members(wide, bases={"p_koopw": "a_woning"})
    assert np.isnan(res["a_inw"]) and np.isnan(res["p_koopw"])
    assert sum_members(wide.iloc[[0]], bases={}).equals(wide.iloc[0])


def test_sum_members_agrees_with_aggregate(con) -> None:
    members = JOL_GALJOEN.members
    values = con.execute(
        "SELECT indicator_id, year, code, value, missing_reason FROM observation "
        "WHERE year IN (2019, 2024) AND list_contains(?, code)", [members]).df()
    catalogue = con.execute("SELECT id, kind, aggregation, base FROM indicators").df()
    bases = dict(catalogue.loc[catalogue["aggregation"] == "weighted", ["id", "base"]]
                 .itertuples(index=False))
    expected = aggregate_many(values, areas={"x": members}, indicators=catalogue)
    for year, part in values.groupby("year"):
        wide = part.pivot(index="code", columns="indicator_id", values="value").reindex(members)
        got = sum_members(wide, bases=bases)
        exp = expected[expected["year"] == year].set_index("indicator_id")["value"]
        for ind in ("a_inw", "a_65_oo", "a_nl_all", "a_neu_al"):
            assert got[ind] == pytest.approx(exp[ind]), (year, ind)
    # Amsterdam 2019, with weighted shares (corporation dwellings by a_woning)
    ams = ["BU03630000", "BU03630001", "BU03630002"]
    values = con.execute(
        "SELECT indicator_id, year, code, value, missing_reason FROM observation "
        "WHERE year = 2019 AND list_contains(?, code)", [ams]).df()
    expected = aggregate_many(values, areas={"x": ams}, indicators=catalogue)
    exp = expected.set_index("indicator_id")["value"]
    wide = values.pivot(index="code", columns="indicator_id", values="value").reindex(ams)
    got = sum_members(wide, bases=bases)
    for ind in ("a_inw", "a_woning", "p_wcorpw", "p_koopw", "g_hhgro", "bev_dich", "a_hh"):
        assert (np.isnan(got[ind]) and np.isnan(exp[ind])) or got[ind] == pytest.approx(exp[ind])
    assert not np.isnan(got["p_wcorpw"])


# ---------------------------------------------------------------- properties

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
frames = hnp.arrays(np.float64, st.tuples(st.integers(3, 12), st.integers(1, 5)), elements=finite)


@settings(max_examples=80, deadline=None)
@given(frames, st.data())
def test_distance_symmetric_and_zero_for_identical(values: np.ndarray, data) -> None:
    n, k = values.shape
    features = pd.DataFrame(values, columns=[f"f{j}" for j in range(k)],
                            index=[f"K{i}" for i in range(n)])
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1))
    d_ij = similarity(features, features.iloc[i])["distance"].iloc[j]
    d_ji = similarity(features, features.iloc[j])["distance"].iloc[i]
    if np.isnan(d_ij):  # every feature without variance
        assert np.isnan(d_ji)
    else:
        assert d_ij == pytest.approx(d_ji, rel=1e-9, abs=1e-9)
        assert similarity(features, features.iloc[i])["distance"].iloc[i] == 0.0


@settings(max_examples=80, deadline=None)
@given(frames, st.data())
def test_scaling_a_feature_keeps_distances_and_ranking(values: np.ndarray, data) -> None:
    n, k = values.shape
    features = pd.DataFrame(values, columns=[f"f{j}" for j in range(k)])
    target = features.iloc[data.draw(st.integers(0, n - 1))].copy()
    col = f"f{data.draw(st.integers(0, k - 1))}"
    factor = data.draw(st.sampled_from([-3.0, 0.01, 0.5, 2.0, 1000.0]))
    assume(features[col].std(ddof=0) > 1e-6)
    before = similarity(features, target)["distance"].to_numpy()
    scaled = features.copy()
    scaled[col] = scaled[col] * factor
    target_scaled = target.copy()
    target_scaled[col] = target_scaled[col] * factor
    after = similarity(scaled, target_scaled)["distance"].to_numpy()
    assert np.allclose(before, after, rtol=1e-7, atol=1e-7, equal_nan=True)
    # the ranking only changes between distances that are equal up to rounding
    rank_before = np.argsort(before, kind="stable")
    rank_after = np.argsort(after, kind="stable")
    assert np.allclose(before[rank_before], before[rank_after], rtol=1e-7, atol=1e-7)


# ---------------------------------------------------------------- reason phrases


def test_reason_text_dutch_numbers() -> None:
    assert reason_text("inwoners_log", math.log10(3590), math.log10(3455),
                       peer_z=0.1, subject_z=0.05) == (
        "vergelijkbaar aantal inwoners (3.590 tegen 3.455)")
    assert reason_text("aandeel_65_plus", 24.2, 23.4, peer_z=1.2, subject_z=0.9) == (
        "ook veel 65-plussers (24% tegen 23%)")
    assert reason_text("aandeel_65_plus", 12.0, 13.0, peer_z=-1.0, subject_z=-0.8) == (
        "ook weinig 65-plussers (12% tegen 13%)")
    assert reason_text("aandeel_koop", 40.0, 41.0, peer_z=0.1, subject_z=0.2) == (
        "vergelijkbaar aandeel koopwoningen (40% tegen 41%)")
    assert reason_text("huishoudensgrootte", 2.14, 2.2, peer_z=0.0, subject_z=0.1) == (
        "vergelijkbare huishoudensgrootte (2,1 tegen 2,2 personen)")
    # two dense wijken more than half a standard deviation apart are not "vergelijkbaar"
    assert reason_text("dichtheid_log", math.log10(25748), math.log10(11155), peer_z=2.0,
                       subject_z=1.2) == (
        "ook een hoge bevolkingsdichtheid (25.748 tegen 11.155 inwoners per km²)")


def test_choose_reasons_one_per_theme_smallest_first() -> None:
    diffs = pd.Series({"aandeel_0_14": 0.01, "aandeel_65_plus": 0.02, "inwoners_log": -0.3,
                       "aandeel_herkomst_nl": 0.2, "dichtheid_log": 0.9})
    assert choose_reasons(diffs) == ["aandeel_0_14", "aandeel_herkomst_nl", "inwoners_log"]
    # no theme within half a standard deviation: the two smallest differences
    far = pd.Series({"aandeel_0_14": 0.8, "aandeel_65_plus": 0.7, "inwoners_log": 1.5})
    assert choose_reasons(far) == ["aandeel_65_plus", "aandeel_0_14"]


# ---------------------------------------------------------------- real data


def test_structural_features_of_all_wijken_2024(con) -> None:
    feats = structural_features(con, level="wijk", year=2024)
    assert list(feats.columns) == PRESENT_2024_WIJK
    assert len(feats) == 3393
    assert feats.index.is_unique and feats.index.is_monotonic_increasing
    # Angelslo, from the 2024 files: a_inw 7695, a_65_oo 1950, bev_dich 3186, a_woning 3809,
    # herkomst Nederland 5070, Europa 830, buiten Europa 1795
    row = feats.loc["WK011443"]
    assert row["aandeel_65_plus"] == pytest.approx(1950 / 7695 * 100)
    assert row["inwoners_log"] == pytest.approx(math.log10(7695))
    assert row["dichtheid_log"] == pytest.approx(math.log10(3186))
    assert row["woningen_per_100_inw"] == pytest.approx(3809 / 7695 * 100)
    assert row["aandeel_herkomst_nl"] == pytest.approx(5070 / 7695 * 100)
    assert row["aandeel_herkomst_buiten_europa"] == pytest.approx(1795 / 7695 * 100)
    # a copy: changing it does not change the next call
    feats.loc["WK011443", "aandeel_65_plus"] = -1
    again = structural_features(con, level="wijk", year=2024)
    assert again.loc["WK011443", "aandeel_65_plus"] == pytest.approx(1950 / 7695 * 100)


def test_structural_features_depend_on_the_data_of_level_and_year(con) -> None:
    buurten = structural_features(con, level="buurt", year=2024)
    assert len(buurten) == 14574
    assert "dichtheid_log" not in buurten.columns  # no area for buurten in 2024
    assert "woningen_per_100_inw" not in buurten.columns
    assert buurten.loc["BU09950633", "aandeel_65_plus"] == pytest.approx(415 / 2285 * 100)
    wijken_2019 = structural_features(con, level="wijk", year=2019)
    assert {"huishoudensgrootte", "aandeel_corporatie", "aandeel_bouwjaar_2000",
            "aandeel_niet_westers"} <= set(wijken_2019.columns)
    assert "aandeel_herkomst_nl" not in wijken_2019.columns
    assert structural_features(con, level="wijk", year=1990).empty


def test_angelslo_gets_ten_national_peers(angelslo: PeerGroup) -> None:
    g = angelslo
    assert g.level == "wijk" and g.year == 2024
    assert g.indicators == FEATURES_2024_WIJK
    assert [p.rank for p in g.peers] == list(range(1, 11))
    codes = [p.code for p in g.peers]
    assert "WK011443" not in codes
    assert all(c.startswith("WK") for c in codes) and len(set(codes)) == 10
    distances = [p.distance for p in g.peers]
    assert distances == sorted(distances) and all(d > 0 for d in distances)
    assert len({c[2:6] for c in codes}) > 5  # nationally, not just Emmen
    # pinned on the real 2024 data: Elderveld (Arnhem) is the closest
    assert g.peers[0].code == "WK020221"
    assert g.peers[0].name == "Elderveld" and g.peers[0].gemeente_name == "Arnhem"
    assert g.peers[0].distance == pytest.approx(0.221, abs=0.001)
    assert not any(p.name.lower().startswith("wijk ") for p in g.peers)
    assert g.source == ("CBS, Kerncijfers Wijken en Buurten 2024; "
                        "Leefbaarometer 3.0, ministerie van BZK")
    assert "standaard" in g.method and "Nederland" in g.method
    assert "Vergeleken op 11 kenmerken (2024)" in g.note
    assert "huishoudens" in g.note and "aandeel koopwoningen" in g.note
    assert "Angelslo zelf" in g.note and "500 inwoners" in g.note


def test_angelslo_reasons_are_dutch_with_dutch_numbers(angelslo: PeerGroup) -> None:
    for peer in angelslo.peers:
        assert 2 <= len(peer.reasons) <= 3
        for reason in peer.reasons:
            m = re.search(r"\((\S+) tegen (\S+?)(?: [a-z].*)?\)$", reason)
            assert m, reason
            assert reason.split(" ")[0] in ("vergelijkbaar", "vergelijkbare", "ook")
            for number in m.groups():
                assert NL_NUMBER.match(number), (reason, number)
    # the inhabitants phrase carries both counts with a thousands point
    phrases = [r for p in angelslo.peers for r in p.reasons if "aantal inwoners" in r]
    assert phrases and all(r.endswith(" tegen 7.695)") for r in phrases)
    tanthof = next(p for p in angelslo.peers if p.code == "WK050322")
    assert "vergelijkbaar aantal inwoners (7.990 tegen 7.695)" in tanthof.reasons


def test_peers_carry_their_leefbaarometer_series(con, angelslo: PeerGroup) -> None:
    with_lbm = [p for p in angelslo.peers if p.lbm_series]
    assert {p.code for p in with_lbm} >= {"WK039220", "WK050322"}  # Haarlem, Delft
    molenwijk = next(p for p in with_lbm if p.code == "WK039220")
    rows = con.execute(
        "SELECT year, value FROM observation WHERE indicator_id = 'lbm' AND code = 'WK039220'"
        " AND value IS NOT NULL ORDER BY year").fetchall()
    assert [(pt.year, pt.area) for pt in molenwijk.lbm_series] == [(y, v) for y, v in rows]
    assert molenwijk.lbm_series[0].year == 2002 and molenwijk.lbm_series[-1].year == 2024
    assert molenwijk.lbm_change == pytest.approx(rows[-1][1] - rows[0][1])
    assert re.fullmatch(r"[+-]\d+,\d\d", molenwijk.lbm_change_text)
    assert all(pt.source == "Leefbaarometer 3.0, ministerie van BZK"
               for pt in molenwijk.lbm_series)
    without = [p for p in angelslo.peers if not p.lbm_series]
    assert all(p.lbm_change is None and p.lbm_change_text is None for p in without)


def test_jol_galjoen_as_a_set_of_buurten(con) -> None:
    feats = subject_features(con, JOL_GALJOEN)
    # summed counts of Jol (2285 inhabitants, 415 aged 65+), Galjoen (1055, 145), Park
    # Jol/Galjoen (0, 0) and Galjoen Zuid (835, 70): the set of src/.../programma-2016.yaml
    assert feats["inwoners_log"] == pytest.approx(math.log10(4175))
    assert feats["aandeel_65_plus"] == pytest.approx((415 + 145 + 70) / 4175 * 100)
    assert pd.isna(feats.get("dichtheid_log"))  # buurten have no area in 2024
    g = find_peers(con, JOL_GALJOEN)
    assert g.level == "wijk" and g.year == 2024 and len(g.peers) == 10
    assert all(p.code.startswith("WK") for p in g.peers)
    assert "WK099506" not in {p.code for p in g.peers}  # the wijk it lies in
    assert "dichtheid_log" not in g.indicators and "inwoners_log" in g.indicators
    assert "Jol/Galjoen (4 buurten) is samengeteld" in g.note
    assert "vergeleken met wijken" in g.note
    assert "Niet gebruikt omdat ze voor Jol/Galjoen ontbreken: bevolkingsdichtheid" in g.note
    assert any(r.endswith("tegen 4.175)") for p in g.peers for r in p.reasons)


def test_subject_without_data_for_the_year_gives_empty_group(con) -> None:
    g = find_peers(con, ANGELSLO, year=2019)  # no 2019 figures for Emmen
    assert g.peers == [] and g.indicators == [] and g.year == 2019
    assert "Angelslo" in g.note and "2019" in g.note and "geen structuurkenmerken" in g.note
    unknown = Subject(kind="wijk", id="WK999999", name="Nergenswijk", gemeente_code=None,
                      gemeente_name=None, level="wijk", members=["WK999999"])
    g = find_peers(con, unknown)
    assert g.peers == [] and "Nergenswijk" in g.note and "geen enkel jaar" in g.note
    assert subject_features(con, unknown).empty
    land = Subject(kind="land", id="NL01", name="Nederland", gemeente_code=None,
                   gemeente_name=None, level="land", members=["NL01"])
    assert "alleen voor gemeenten, wijken, buurten" in find_peers(con, land).note


def test_options_restrict_the_peer_group(con) -> None:
    g = find_peers(con, ANGELSLO, n=5, exclude_same_gemeente=True,
                   indicators=["inwoners_log", "aandeel_65_plus"])
    assert len(g.peers) == 5 and g.indicators == ["inwoners_log", "aandeel_65_plus"]
    assert all(not p.code.startswith("WK0114") for p in g.peers)
    assert "de wijken van Emmen" in g.note
    with pytest.raises(ValueError, match="onbekende kenmerken: inwoners"):
        find_peers(con, ANGELSLO, indicators=["inwoners"])
    with pytest.raises(ValueError):
        find_peers(con, ANGELSLO, n=0)
    # a candidate with fewer inhabitants than the minimum never appears
    feats = structural_features(con, level="wijk", year=2024)
    for p in find_peers(con, ANGELSLO, n=50).peers:
        assert 10 ** feats.loc[p.code, "inwoners_log"] >= MIN_INHABITANTS - 1e-6


def test_2019_comparison_is_said_to_be_not_national(con) -> None:
    g = find_peers(con, SCHILDERSWIJK, year=2019, n=5)
    assert len(g.peers) == 5
    assert {"huishoudensgrootte", "aandeel_corporatie"} <= set(g.indicators)
    assert "niet landelijk" in g.note and "Amsterdam" in g.note
    assert all(p.code[2:6] in ("0363", "0518", "0344", "0917") for p in g.peers)


def test_buurt_and_gemeente_subjects(con) -> None:
    jol = Subject(kind="buurt", id="BU09950633", name="Jol", gemeente_code="GM0995",
                  gemeente_name="Lelystad", level="buurt", members=["BU09950633"],
                  wijk_codes=["WK099506"])
    g = find_peers(con, jol, n=5)
    assert g.level == "buurt" and all(p.code.startswith("BU") for p in g.peers)
    assert "BU09950633" not in {p.code for p in g.peers}
    assert "geen gegevens geladen over bevolkingsdichtheid en woningvoorraad" in g.note
    # households are known for the Utrecht buurten of kwb-2024.xlsx only
    assert "te weinig buurten bekend zijn (minder dan 80%): gemiddelde huishoudensgrootte (1%)" \
        in g.note
    emmen = Subject(kind="gemeente", id="GM0114", name="Emmen", gemeente_code="GM0114",
                    gemeente_name="Emmen", level="gemeente", members=["GM0114"])
    g = find_peers(con, emmen, n=3)
    assert g.level == "gemeente" and all(p.code.startswith("GM") for p in g.peers)
    assert "GM0114" not in {p.code for p in g.peers}


def test_peer_group_is_json_able(angelslo: PeerGroup) -> None:
    data = json.loads(json.dumps(to_dict(angelslo)))
    assert data["peers"][0]["code"] == "WK020221"
    assert set(data) >= {"level", "year", "indicators", "method", "peers", "source", "note"}


def test_feature_table_is_consistent() -> None:
    ids = [f.id for f in FEATURES]
    assert len(ids) == len(set(ids))
    assert all(f.noun or f.id in ("inwoners_log", "dichtheid_log", "huishoudensgrootte",
                                  "woningen_per_100_inw") for f in FEATURES)
