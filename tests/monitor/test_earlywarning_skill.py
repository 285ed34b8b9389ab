"""The skill rule, the descriptive early signals and the wider comparison (hand-made data)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from wijkanalyse.monitor import earlywarning as ew
from wijkanalyse.monitor.earlywarning.compare import (
    LEARNERS,
    PANEL_FEATURES,
    compare_backtest,
    panel_features,
)
from wijkanalyse.monitor.report import early_warning_info

RULES = {"laatste_verandering": 0.43, "basispercentage": 0.5, "laagste_kwart": 0.43,
         "hoog_niveau": 0.57, "recente_stijging": 0.60}


def _cfg(**changes) -> ew.EarlyWarningConfig:
    return dataclasses.replace(ew.load_config(), **changes)


# ------------------------------------------------------------------------------ the rule


def test_skill_when_the_lower_bound_beats_the_best_rule_and_brier_holds() -> None:
    sk = ew.skill_verdict(auc=0.70, auc_low=0.61, auc_high=0.78, baseline_auc=RULES,
                          brier=0.140, brier_base=0.145)
    assert sk.shows_skill and sk.failed == ()
    assert (sk.best_baseline, sk.best_baseline_auc) == ("recente_stijging", 0.60)


def test_no_skill_below_the_best_rule() -> None:
    sk = ew.skill_verdict(auc=0.66, auc_low=0.59, auc_high=0.72, baseline_auc=RULES,
                          brier=0.140, brier_base=0.145)
    assert not sk.shows_skill
    assert sk.failed == ("die ondergrens ligt niet boven de AUC van de beste vuistregel "
                         "(‘na een stijging volgt terugval’, 0,60)",)


def test_no_skill_at_chance_even_when_every_rule_works_backwards() -> None:
    backwards = {"laatste_verandering": 0.40, "laagste_kwart": 0.42, "basispercentage": 0.5}
    sk = ew.skill_verdict(auc=0.55, auc_low=0.49, auc_high=0.60, baseline_auc=backwards,
                          brier=0.140, brier_base=0.145)
    assert not sk.shows_skill and len(sk.failed) == 1
    assert sk.failed[0].startswith("de ondergrens van het 95%-interval van de AUC (0,49)")
    # exactly at the bar is not above it
    assert not ew.skill_verdict(auc=0.6, auc_low=0.5, auc_high=0.7, baseline_auc={},
                                brier=0.1, brier_base=0.2).shows_skill
    assert ew.skill_verdict(auc=0.6, auc_low=0.501, auc_high=0.7, baseline_auc={},
                            brier=0.1, brier_base=0.2).shows_skill


def test_no_skill_when_the_probabilities_are_worse_than_the_base_rate() -> None:
    sk = ew.skill_verdict(auc=0.75, auc_low=0.70, auc_high=0.80, baseline_auc=RULES,
                          brier=0.150, brier_base=0.145)
    assert not sk.shows_skill
    assert sk.failed == ("de kansen zijn niet beter dan steeds het gemiddelde noemen (Brier "
                         "0,150 tegen 0,145)",)
    assert not ew.skill_verdict(auc=0.75, auc_low=math.nan, auc_high=math.nan,
                                baseline_auc=RULES, brier=0.1, brier_base=0.2).shows_skill


def test_skill_of_reads_the_backtest_tables_and_the_monitor_mode_follows() -> None:
    pooled = pd.DataFrame({"method": ["model", *RULES],
                           "auc": [0.68, *RULES.values()],
                           "brier": [0.13, 0.146, 0.145, 0.145, 0.146, 0.145],
                           "n": [1000, 1000, 1000, 1000, 1000, 1000]})
    iv = pd.DataFrame({"method": ["model"], "metric": ["auc"], "value": [0.68],
                       "low": [0.63], "high": [0.73]})
    sk = ew.skill_of(pooled, iv)
    assert sk.shows_skill and sk.auc_low == 0.63
    table = pd.DataFrame({"n_signals": [0, 2, 1]})
    bt = type("BT", (), {"pooled": pooled, "n_units": 300})()
    info = early_warning_info(sk, bt, table)
    assert info["mode"] == "ranking" and info["statement"] == "" and info["n_signals"] == 2
    low = ew.skill_of(pooled, iv.assign(low=0.55))
    info = early_warning_info(low, bt, table)
    assert info["mode"] == "signalen" and info["skill"]["auc_low"] == 0.55
    assert info["statement"] == (
        "Met deze gegevens is geen betrouwbare voorspelling van terugval te maken. In de "
        "terugtoets op 1.000 voorspelde overgangen van 300 wijken haalt het model een AUC van "
        "0,68 (95%-interval 0,55 tot 0,73; 0,5 is gokken): die ondergrens ligt niet boven de "
        "AUC van de beste vuistregel (‘na een stijging volgt terugval’, 0,60). Daarom toont "
        "de monitor geen risicoscore of kans per wijk, maar de vroege signalen die de cijfers "
        "zelf laten zien.")
    assert early_warning_info(None, None, table)["mode"] == "signalen"


# ------------------------------------------------------------------------ early signals


def _signal_series() -> pd.DataFrame:
    rows = []
    dims = {"lbm_fys": 0.01, "lbm_onv": 0.0, "lbm_soc": 0.0, "lbm_vrz": 0.0, "lbm_won": 0.0}
    for unit, afw in (("WK000101", [0.05, 0.04, 0.01]), ("WK000102", [0.0, 0.0, 0.0]),
                      ("WK000103", [-0.10, -0.09, -0.08])):
        for year, value in zip((2014, 2016, 2018), afw, strict=True):
            row = {"unit_id": unit, "year": year, "lbm_afw": value}
            for d, v in dims.items():
                row[d] = (np.nan if year == 2016
                          else v - (0.02 if unit == "WK000101" and year == 2018
                                    and d == "lbm_onv" else 0.0))
            rows.append(row)
    return pd.DataFrame(rows)


def test_early_signals_by_hand() -> None:
    s = _signal_series()
    units = pd.DataFrame({"unit_id": ["WK000101", "WK000102", "WK000103", "WK000199"],
                          "name": ["A", "B", "C", "D"], "gemeente_code": ["GM0001"] * 4})
    ind = pd.DataFrame({"unit_id": ["WK000103"] * 2, "year": [2013, 2017],
                        "indicator_id": ["p_hh_li"] * 2, "value": [10.0, 12.5]})
    got = ew.early_signals(s, units, as_of=2018, reference=s, indicators=ind).set_index(
        "unit_id")
    a = got.loc["WK000101"]
    assert a["lbm_change"] == pytest.approx(-0.03) and a["prev_year"] == 2016
    kinds = [f["kind"] for f in a["signals"]]
    assert kinds == ["daling", "gemeente", "dimensie"]
    # the gemeente mean: 2016 (0.04 + 0 - 0.09) / 3, 2018 (0.01 + 0 - 0.08) / 3
    assert a["signal_text"] == (
        "Leefbaarometer -0,030 sinds 2016 (afwijking van het landelijk gemiddelde van +0,040 "
        "naar +0,010 in 2018); verder achter geraakt op het gemiddelde van de wijken van de "
        "gemeente: verschil +0,057 in 2016, +0,033 in 2018; dimensie overlast en "
        "onveiligheid -0,020 sinds 2014 (naar -0,020 in 2018)")
    assert got.loc["WK000102", "n_signals"] == 0 and got.loc["WK000102", "signal_text"] == ""
    c = got.loc["WK000103"]
    assert c["signal_text"] == ("huishoudens met een laag inkomen gestegen van 10,0% (2013) "
                                "naar 12,5% (2017)")
    d = got.loc["WK000199"]
    assert d["n_signals"] == 0 and pd.isna(d["lbm_year"])
    # nothing after as_of is used, and no text gives a probability
    later = pd.concat([s, s[s["year"] == 2018].assign(year=2020, lbm_afw=-0.5)],
                      ignore_index=True)
    again = ew.early_signals(later, units, as_of=2018, reference=later, indicators=ind)
    pd.testing.assert_frame_equal(again.set_index("unit_id"), got)
    assert not any("kans" in t or "risico" in t for t in got["signal_text"])


# -------------------------------------------------------------- the wider comparison


def _panel(n_units: int, years: list[int], seed: int) -> pd.DataFrame:
    """Generated random-walk panel (not real data), 6 gemeenten, dimensions from 2014."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.18, n_units)
    rows = []
    for y in years:
        level = level + rng.normal(0.0, 0.04, n_units) - 0.05 * level
        for i in range(n_units):
            row = {"unit_id": f"WK{i % 6:04d}{i:02d}", "year": y, "lbm_afw": level[i]}
            for j, d in enumerate(ew.DIMENSIONS):
                row[d] = level[i] / 5 + 0.01 * j if y >= 2014 and y != 2016 else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def test_panel_features_by_hand() -> None:
    s = _signal_series()
    nb = pd.DataFrame({"unit_id": ["WK000101", "WK000101", "WK000102"],
                       "neighbour": ["WK000102", "WK000103", "WK000101"]})
    f = panel_features(s, as_of=2018, neighbours=nb).set_index("unit_id")
    a = f.loc["WK000101"]
    assert a["gm_afw"] == pytest.approx((0.0 - 0.08) / 2)  # the other wijken
    assert a["gap_gm"] == pytest.approx(0.01 + 0.04)
    assert a["nb_afw"] == pytest.approx(-0.04) and a["nb_change"] == pytest.approx(0.0025)
    assert a["d_lbm_onv"] == pytest.approx(-0.02 / 4)  # per year, 2014 -> 2018
    assert f.loc["WK000102", "nb_afw"] == pytest.approx(0.01)
    assert math.isnan(f.loc["WK000103", "nb_afw"])
    assert set(PANEL_FEATURES) <= set(f.columns)


def test_comparison_has_no_look_ahead_and_scores_every_method() -> None:
    s = _panel(60, [2008, 2012, 2014, 2016, 2018], seed=5)
    cfg = _cfg(bootstrap_n=10, folds=(2016,))
    codes = sorted(s["unit_id"].unique())
    nb = pd.DataFrame({"unit_id": codes[:-1] + codes[1:], "neighbour": codes[1:] + codes[:-1]})
    comp = compare_backtest(s, shipped=ew.backtest(s, config=cfg), neighbours=nb, config=cfg)
    changed = s.copy()
    later = changed["year"] > 2016
    rng = np.random.default_rng(3)
    changed.loc[later, "lbm_afw"] = rng.normal(0, 0.3, int(later.sum()))
    comp2 = compare_backtest(changed, shipped=ew.backtest(changed, config=cfg), neighbours=nb,
                             config=cfg)
    cols = [f"{m}_prob" for m in ("model", *LEARNERS)]
    pd.testing.assert_frame_equal(comp.result.predictions[cols],
                                  comp2.result.predictions[cols])
    pooled = comp.result.pooled.set_index("method")
    assert set(pooled.index) == {"model", *LEARNERS, *ew.METHODS[1:]}
    assert pooled["precision_top"].between(0, 1).all()
    iv = comp.result.intervals.set_index(["method", "metric"])
    for m in ("model", *LEARNERS):
        assert iv.loc[(m, "auc"), "low"] <= pooled.loc[m, "auc"] <= iv.loc[(m, "auc"), "high"]
    assert set(comp.calibration) == set(LEARNERS)
