"""Tests of wijkanalyse.monitor.composite: the index computed by hand from the raw observations,
orientation, the reference unit, properties, missing data and the Leefbaarometer comparison."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkanalyse import store
from wijkanalyse.monitor.composite import (
    DOMAINS,
    INDEX_COLUMNS,
    TOTAL,
    CompositeConfigError,
    combine_scores,
    compare_with_lbm,
    composite_index,
    default_base_year,
    index_references,
    indicator_index,
    lbm_deviation,
    load_config,
    parse_config,
    score_values,
)

HEERLEN_CENTRUM = "WK091733"  # Wijk 33 Heerlen-Centrum
BURGWALLEN = "WK036300"  # Burgwallen-Oude Zijde, Amsterdam
CFG = load_config()


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _units(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"unit_id": codes, "codes": [[c] for c in codes], "level": "wijk"})


@pytest.fixture(scope="module")
def units(con) -> pd.DataFrame:
    """Heerlen's wijken (KWB 2016-2020) and Amsterdam's wijken of the 2017/2019 division."""
    codes = [r[0] for r in con.execute(
        "SELECT DISTINCT code FROM regions WHERE year IN (2017, 2019) AND level = 'wijk' "
        "AND (code LIKE 'WK0917%' OR code LIKE 'WK0363%') ORDER BY code").fetchall()]
    return _units(codes)


@pytest.fixture(scope="module")
def index(con, units) -> pd.DataFrame:
    return composite_index(con, units)


def _obs(con, indicator: str, year: int, code: str) -> float:
    row = con.execute("SELECT value FROM observation WHERE indicator_id = ? AND year = ? "
                      "AND code = ?", [indicator, year, code]).fetchone()
    return math.nan if row is None or row[0] is None else float(row[0])


def _spread(con, indicator: str, year: int) -> float:
    """Standard deviation (ddof=0) over the wijken with >= 500 inhabitants, from the raw rows."""
    vals = con.execute(
        """SELECT o.value FROM observation o JOIN observation i
             ON i.code = o.code AND i.year = o.year AND i.indicator_id = 'a_inw'
           WHERE o.indicator_id = ? AND o.year = ? AND o.code LIKE 'WK%'
             AND o.value IS NOT NULL AND i.value >= 500""", [indicator, year]).fetchall()
    return float(np.std([v[0] for v in vals]))


def _hand_index(con, indicator: str, year: int, code: str, *, base: int, lower: bool) -> float:
    v = _obs(con, indicator, year, code)
    z = (v - _obs(con, indicator, base, "NL00")) / _spread(con, indicator, base)
    return 100 + 10 * float(np.clip(-z if lower else z, -4, 4))


def _row(index: pd.DataFrame, unit: str, year: int, domain: str) -> pd.Series:
    hit = index[(index["unit_id"] == unit) & (index["year"] == year) & (index["domain"] == domain)]
    assert len(hit) == 1, (unit, year, domain)
    return hit.iloc[0]


# --------------------------------------------------------------------------- configuration


def test_config_lists_only_directed_indicators_per_domain():
    assert [d.id for d in CFG.domains] == list(DOMAINS)
    assert all(i.better in ("higher", "lower") for i in CFG.indicators)
    assert len(CFG.indicator_ids) == len(set(CFG.indicator_ids)) == 15
    assert CFG.scale == 10 and CFG.clip_z == 4
    assert CFG.band(100) == "rond het gemiddelde"
    assert CFG.band(89.99) == "onder het gemiddelde"
    assert CFG.band(130) == "ver boven het gemiddelde"
    assert CFG.band(math.nan) is None


def _raw_config() -> dict:
    from importlib import resources

    import yaml

    return yaml.safe_load(resources.files("wijkanalyse").joinpath("data/composite.yaml")
                          .read_text("utf-8"))


def test_config_rejects_indicator_without_direction_and_unknown_fields():
    raw = _raw_config()
    raw["domains"][0]["indicators"].append({"id": "a_inw"})
    with pytest.raises(CompositeConfigError, match="geen richting"):
        parse_config(raw)
    raw = _raw_config()
    raw["schaal"] = 3
    with pytest.raises(CompositeConfigError, match="onbekende velden schaal"):
        parse_config(raw)
    raw = _raw_config()
    raw["domains"][0]["id"] = "cultuur"
    with pytest.raises(CompositeConfigError, match="id moet een van"):
        parse_config(raw)


# --------------------------------------------------------------------------- real data


def test_default_base_year_is_the_year_with_most_national_references(con, index):
    assert default_base_year(con, levels=["wijk"]) == 2019
    assert set(index["base_year"]) == {2019}
    refs = index_references(con, level="wijk", base_year=2019)
    usable = refs[refs["usable"]]
    assert len(usable) == 11 and set(usable["reference_kind"]) == {"nationaal"}
    assert set(refs.loc[~refs["usable"], "indicator_id"]) == {
        "p_n_act", "g_wodief", "g_vernoo", "g_gewsek"}
    hh = refs.set_index("indicator_id").loc["p_hh_li"]
    assert hh["reference"] == pytest.approx(40.0) and hh["n_regions"] == 96
    assert hh["n_gemeenten"] == 1


def test_heerlen_centrum_economisch_2017_computed_by_hand(con, index):
    """Economisch = mean of the indices of p_hh_li, p_hh_osm (lower is better) and g_ink_pi
    (higher is better); p_arb_pp is missing in 2017 and p_n_act has no value in 2019."""
    hand = [
        _hand_index(con, "p_hh_li", 2017, HEERLEN_CENTRUM, base=2019, lower=True),
        _hand_index(con, "p_hh_osm", 2017, HEERLEN_CENTRUM, base=2019, lower=True),
        _hand_index(con, "g_ink_pi", 2017, HEERLEN_CENTRUM, base=2019, lower=False),
    ]
    row = _row(index, HEERLEN_CENTRUM, 2017, "economisch")
    assert row["index"] == pytest.approx(float(np.mean(hand)), abs=1e-9)
    assert row["index"] == pytest.approx(92.0598, abs=1e-4)
    assert row["indicators_used"] == ["p_hh_li", "p_hh_osm", "g_ink_pi"]
    assert row["n_indicators"] == 3
    assert not row["complete"]
    assert "Ontbreekt in 2017: p_arb_pp" in row["note"]
    assert "Nederland 2019" in row["note"]
    assert row["band"] == "rond het gemiddelde"
    assert "CBS, Kerncijfers Wijken en Buurten 2019" in row["source"]


def test_heerlen_series_2016_2019_and_total(con, index):
    eco = index[(index["unit_id"] == HEERLEN_CENTRUM) & (index["domain"] == "economisch")]
    assert list(eco["year"]) == [2016, 2017, 2018, 2019]
    # 2019: only p_arb_pp of four usable indicators -> below the 50 % weight share
    assert math.isnan(_row(index, HEERLEN_CENTRUM, 2019, "economisch")["index"])
    total = _row(index, HEERLEN_CENTRUM, 2018, TOTAL)
    domains = index[(index["unit_id"] == HEERLEN_CENTRUM) & (index["year"] == 2018)
                    & (index["domain"] != TOTAL) & index["index"].notna()]
    assert set(domains["domain"]) == {"sociaal", "economisch", "fysiek/wonen"}
    assert total["index"] == pytest.approx(domains["index"].mean(), abs=1e-9)
    assert total["complete"]
    # 2020: too little data; the total row is there and says why
    t2020 = _row(index, HEERLEN_CENTRUM, 2020, TOTAL)
    assert math.isnan(t2020["index"]) and "Geen totaalindex" in t2020["note"]


def test_amsterdam_fysiek_2019_weighted_by_hand(con, index):
    """p_leegsw weighs 1, the four distances 0.25 each."""
    parts = [(1.0, _hand_index(con, "p_leegsw", 2019, BURGWALLEN, base=2019, lower=True))]
    for ind in ("g_afs_hp", "g_afs_gs", "g_afs_kv", "g_afs_sc"):
        parts.append((0.25, _hand_index(con, ind, 2019, BURGWALLEN, base=2019, lower=True)))
    w = np.array([p[0] for p in parts])
    v = np.array([p[1] for p in parts])
    row = _row(index, BURGWALLEN, 2019, "fysiek/wonen")
    assert row["index"] == pytest.approx(float((w * v).sum() / w.sum()), abs=1e-9)
    assert row["index"] == pytest.approx(93.0549, abs=1e-4)
    assert row["complete"]
    # Amsterdam 2017 is there too (same wijk codes)
    assert _row(index, BURGWALLEN, 2017, "economisch")["index"] > 0


def test_result_columns_and_one_total_per_unit_and_year(index, units):
    assert list(index.columns) == list(INDEX_COLUMNS)
    totals = index[index["domain"] == TOTAL]
    years = sorted(set(index["year"]))
    assert len(totals) == len(units) * len(years)
    assert not index.duplicated(["unit_id", "year", "domain"]).any()
    assert set(index["domain"]) <= {*DOMAINS, TOTAL}


def test_worse_low_income_share_gives_lower_index(con, units):
    """Real data: within a year the p_hh_li index falls as the share rises (rank -1)."""
    scores = indicator_index(con, units, base_year=2019, years=[2019])
    s = scores[(scores["indicator_id"] == "p_hh_li") & scores["index"].notna()]
    assert len(s) == 98
    assert s["value"].corr(s["index"], method="spearman") == pytest.approx(-1.0)
    g = scores[(scores["indicator_id"] == "g_ink_pi") & scores["index"].notna()]
    assert g["value"].corr(g["index"], method="spearman") == pytest.approx(1.0)


def test_unit_equal_to_the_national_reference_scores_100(con):
    out = composite_index(con, _units(["NL00"]), base_year=2019, years=[2019])
    rows = out[out["year"] == 2019]
    assert set(rows["domain"]) == {"sociaal", "economisch", "fysiek/wonen", TOTAL}
    assert np.allclose(rows["index"].to_numpy(dtype=float), 100.0, atol=1e-9)


def test_set_of_two_wijken_is_weighted_by_households(con):
    """p_hh_li of two wijken together = sum(p * a_hh) / sum(a_hh), then scored."""
    a, b = "WK091733", "WK091720"
    units = pd.DataFrame({"unit_id": ["samen"], "codes": [[a, b]], "level": "wijk"})
    scores = indicator_index(con, units, base_year=2019, years=[2017])
    got = scores[scores["indicator_id"] == "p_hh_li"].iloc[0]
    p = [_obs(con, "p_hh_li", 2017, c) for c in (a, b)]
    w = [_obs(con, "a_hh", 2017, c) for c in (a, b)]
    assert got["value"] == pytest.approx((p[0] * w[0] + p[1] * w[1]) / (w[0] + w[1]))
    ref, sd = _obs(con, "p_hh_li", 2019, "NL00"), _spread(con, "p_hh_li", 2019)
    assert got["index"] == pytest.approx(100 - 10 * (got["value"] - ref) / sd)


def test_base_year_2017_has_veiligheid_with_a_mean_reference(con, units):
    refs = index_references(con, level="wijk", base_year=2017)
    safety = refs[refs["domain"] == "veiligheid"]
    assert safety["usable"].all()
    assert set(safety["reference_kind"]) == {"gemiddelde"}
    assert all("geen landelijke waarde" in t for t in safety["reference_text"])
    out = composite_index(con, units, base_year=2017, years=[2017])
    row = _row(out, HEERLEN_CENTRUM, 2017, "veiligheid")
    assert row["n_indicators"] == 3
    assert "gewogen gemiddelde van de geladen wijken in 2017" in row["note"]
    assert row["index"] == pytest.approx(97.3311, abs=1e-4)


def test_a_wijk_without_index_data_says_so(con):
    units = _units(["WK011443"])  # Angelslo: only 2024 population figures
    empty = composite_index(con, units, base_year=2019)
    assert empty.empty and "Geen uitkomsten" in empty.attrs["note"]
    out = composite_index(con, units, base_year=2019, years=[2024])
    assert len(out) == 1 and out.iloc[0]["domain"] == TOTAL
    assert math.isnan(out.iloc[0]["index"])
    assert "Geen van de indexindicatoren heeft in 2024 een waarde" in out.iloc[0]["note"]


# --------------------------------------------------------------------------- properties


def _refs(values: dict[str, float], sds: dict[str, float]) -> pd.DataFrame:
    rows = []
    for ind in CFG.indicators:
        rows.append({"indicator_id": ind.id, "domain": ind.domain, "weight": ind.weight,
                     "level": "wijk", "base_year": 2019, "reference": values[ind.id],
                     "reference_kind": "nationaal", "sd": sds[ind.id], "n_regions": 50,
                     "n_gemeenten": 3, "usable": True, "note": None, "source": None,
                     "better": ind.better, "label": ind.label, "reference_text": "x"})
    return pd.DataFrame(rows)


def _index_of(values: pd.DataFrame, refs: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    grid = pd.DataFrame({"unit_id": units, "year": 2019, "level": "wijk"})
    return combine_scores(score_values(values, refs, config=CFG), refs, grid=grid,
                          base_year=2019, config=CFG)


finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
positive = st.floats(min_value=0.01, max_value=100, allow_nan=False)


@settings(max_examples=15, deadline=None)
@given(refs=st.lists(st.tuples(finite, positive), min_size=15, max_size=15),
       others=st.lists(st.lists(st.one_of(finite, st.just(math.nan)), min_size=15,
                                max_size=15), min_size=1, max_size=4))
def test_adding_a_unit_identical_to_the_reference_gives_100(refs, others):
    ids = CFG.indicator_ids
    table = _refs({i: r for i, (r, _) in zip(ids, refs, strict=True)},
                  {i: s for i, (_, s) in zip(ids, refs, strict=True)})
    rows = [{"unit_id": f"u{n}", "level": "wijk", "indicator_id": i, "year": 2019, "value": v}
            for n, vals in enumerate(others) for i, v in zip(ids, vals, strict=True)]
    base_units = [f"u{n}" for n in range(len(others))]
    before = _index_of(pd.DataFrame(rows), table, base_units)
    rows += [{"unit_id": "ref", "level": "wijk", "indicator_id": i, "year": 2019,
              "value": r} for i, (r, _) in zip(ids, refs, strict=True)]
    after = _index_of(pd.DataFrame(rows), table, [*base_units, "ref"])
    ref_rows = after[after["unit_id"] == "ref"]
    assert set(ref_rows["domain"]) == {*DOMAINS, TOTAL}
    assert np.allclose(ref_rows["index"].to_numpy(dtype=float), 100.0, atol=1e-9)
    assert ref_rows["complete"].all()
    # the other units do not move
    pd.testing.assert_frame_equal(after[after["unit_id"] != "ref"].reset_index(drop=True),
                                  before.reset_index(drop=True))


@settings(max_examples=25, deadline=None)
@given(ref=finite, sd=positive, a=finite, b=finite)
def test_orientation_follows_better(ref, sd, a, b):
    """A higher p_hh_li (lower is better) never gives a higher index; g_ink_pi the reverse."""
    table = _refs({i: ref for i in CFG.indicator_ids}, {i: sd for i in CFG.indicator_ids})
    rows = [{"unit_id": u, "level": "wijk", "indicator_id": i, "year": 2019, "value": v}
            for u, v in (("a", a), ("b", b)) for i in ("p_hh_li", "g_ink_pi")]
    s = score_values(pd.DataFrame(rows), table, config=CFG).set_index(
        ["unit_id", "indicator_id"])["index"]
    lo, hi = ("a", "b") if a <= b else ("b", "a")
    assert s[(hi, "p_hh_li")] <= s[(lo, "p_hh_li")]
    assert s[(hi, "g_ink_pi")] >= s[(lo, "g_ink_pi")]
    assert 60 <= s.min() and s.max() <= 140


# --------------------------------------------------------------------------- Leefbaarometer


def test_compare_with_lbm_in_heerlen(con, index, units):
    lbm = lbm_deviation(con, units)
    heerlen = lbm[lbm["unit_id"].str.startswith("WK0917")]
    assert sorted(set(heerlen["year"])) == [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022,
                                            2024]
    assert (heerlen.groupby("year").size() == 23).all()
    assert heerlen["source"].iloc[0].startswith("Bron: ")
    res = compare_with_lbm(index, lbm)
    per_year = res["per_year"].set_index("year")
    assert list(per_year.index) == [2016, 2017, 2018, 2019]
    assert list(per_year["lbm_year"]) == [2016, 2016, 2018, 2018]
    assert per_year.loc[2016, "n"] == 20
    assert per_year.loc[2016, "spearman"] == pytest.approx(0.5624, abs=1e-4)
    assert per_year.loc[2018, "spearman"] == pytest.approx(0.6165, abs=1e-4)
    assert "Index 2017 vergeleken met de Leefbaarometer 2016" in res["note"]
    u = res["units"]
    one = u[u["year"] == 2016]
    assert sorted(one["rank_index"]) == list(map(float, range(1, 21)))
    assert (one["rank_difference"] == one["rank_index"] - one["rank_lbm"]).all()
    rho = one["rank_index"].corr(one["rank_lbm"])
    assert rho == pytest.approx(per_year.loc[2016, "spearman"])


def test_compare_with_lbm_concordant_and_too_few():
    index = pd.DataFrame({"unit_id": list("abcd"), "year": 2018, "domain": TOTAL,
                          "index": [90.0, 95.0, 100.0, 120.0]})
    lbm = pd.DataFrame({"unit_id": list("abcd"), "year": 2018, "value": [-0.2, -0.1, 0.0, 0.3]})
    res = compare_with_lbm(index, lbm)
    assert res["per_year"].iloc[0]["spearman"] == pytest.approx(1.0)
    assert res["per_year"].iloc[0]["n"] == 4
    res = compare_with_lbm(index.iloc[:2], lbm)
    assert math.isnan(res["per_year"].iloc[0]["spearman"])
    assert "te weinig gebieden (2)" in res["note"]
    res = compare_with_lbm(index.assign(year=2010), lbm)
    assert res["per_year"].empty and "Geen vergelijking mogelijk" in res["note"]


def test_wk091710_2019_pinned_rows(index):
    """Every field of one wijk's 2019 rows, pinned from the index before it was vectorised
    (issue 14: the same values, notes, reasons and sources after the rewrite)."""
    rows = {d: _row(index, "WK091710", 2019, d) for d in
            ("sociaal", "economisch", "fysiek/wonen", TOTAL)}
    assert rows["sociaal"]["index"] == pytest.approx(96.74201105380862, abs=1e-9)
    assert rows["fysiek/wonen"]["index"] == pytest.approx(100.07402054313327, abs=1e-9)
    assert rows[TOTAL]["index"] == pytest.approx(98.40801579847096, abs=1e-9)
    assert math.isnan(rows["economisch"]["index"])
    assert rows["economisch"]["indicators_used"] == ["p_arb_pp"]
    assert rows[TOTAL]["indicators_used"] == ["p_jz_tn", "p_wmo_t", "p_leegsw", "g_afs_hp",
                                              "g_afs_gs", "g_afs_kv", "g_afs_sc"]
    assert [rows[d]["complete"] for d in rows] == [True, False, True, False]
    assert rows["economisch"]["note"] == (
        "Geen domeinindex: de beschikbare indicatoren (1 van 4) dragen minder dan 50% van het "
        "gewicht. Ontbreekt in 2019: p_hh_li (1 van 1 wijk: leeg in bron), p_hh_osm (1 van 1 "
        "wijk: leeg in bron) en g_ink_pi (1 van 1 wijk: leeg in bron). Niet in de index: "
        "p_n_act (geen waarde voor wijken in basisjaar 2019). Referentie: Nederland 2019 voor "
        "p_hh_li, p_hh_osm, g_ink_pi en p_arb_pp. Spreiding over 96–115 wijken in 1–2 "
        "gemeenten.")
    assert rows[TOTAL]["note"] == (
        "Gemiddelde van sociaal en fysiek/wonen. Zonder domeinindex in 2019: economisch. Niet "
        "te berekenen (geen bruikbare indicator in basisjaar 2019): veiligheid.")
    assert {rows[d]["source"] for d in rows} == {"Bron: CBS, Kerncijfers Wijken en Buurten 2019"}
    assert rows[TOTAL]["band"] == "rond het gemiddelde" and rows["economisch"]["band"] is None
