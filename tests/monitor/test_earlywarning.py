"""Tests of the early warning (risk features, model, backtest) on hand-made and real series."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from wijkanalyse import store
from wijkanalyse.monitor import earlywarning as ew
from wijkanalyse.monitor.earlywarning.model import _weighted_auc

DOCS = Path(__file__).resolve().parents[2] / "docs"
S = 0.0625  # a step that is exact in binary, so hand-computed ties stay ties


def _cfg(**changes) -> ew.EarlyWarningConfig:
    return dataclasses.replace(ew.load_config(), **changes)


def _series(values: dict[str, list[float | None]], years: list[int]) -> pd.DataFrame:
    rows = [(u, y, v) for u, vs in values.items() for y, v in zip(years, vs, strict=True)
            if v is not None]
    return pd.DataFrame(rows, columns=["unit_id", "year", "lbm_afw"])


def _panel(n_units: int, years: list[int], seed: int) -> pd.DataFrame:
    """Generated random-walk panel (not real data) with dimensions from 2014 on."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.18, n_units)
    rows = []
    for y in years:
        level = level + rng.normal(0.005, 0.04, n_units) - 0.1 * level * 0.2
        for i in range(n_units):
            dims = rng.dirichlet(np.ones(5)) * level[i] + rng.normal(0, 0.02, 5)
            dims = dims - (dims.sum() - level[i]) / 5
            row = {"unit_id": f"U{i:04d}", "year": y, "lbm_afw": level[i],
                   "lbm": level[i] + 4.1}
            for d, v in zip(ew.DIMENSIONS, dims, strict=True):
                row[d] = v if y >= 2014 else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ configuration


def test_shipped_config() -> None:
    cfg = ew.load_config()
    assert cfg.delta == 0.02
    assert cfg.features == ("lbm_afw", "change_per_year", "slope3", "dim_min")
    assert cfg.folds == (2014, 2016, 2018, 2020, 2022)
    assert cfg.risk_classes == {"hoog": 2.0, "verhoogd": 1.0}
    assert cfg.label("dim_min") == "zwakste dimensie"
    assert cfg.dimension_labels["lbm_onv"] == "overlast en onveiligheid"


def test_bad_config_names_the_setting(tmp_path: Path) -> None:
    text = (Path(ew.__file__).parents[2] / "data" / "earlywarning.yaml").read_text("utf-8")
    bad = tmp_path / "ew.yaml"
    bad.write_text(text.replace("delta: 0.02", "delta: -1"), encoding="utf-8")
    with pytest.raises(ew.EarlyWarningError, match="'delta'"):
        ew.load_config(bad)
    bad.write_text(text.replace("features: [lbm_afw,", "features: [onbekend,"),
                   encoding="utf-8")
    with pytest.raises(ew.EarlyWarningError, match="'features'"):
        ew.load_config(bad)
    with pytest.raises(ew.EarlyWarningError, match="bestaat niet"):
        ew.load_config(tmp_path / "nergens.yaml")


# ----------------------------------------------------------------------------------- features


def test_transitions_threshold_is_strict() -> None:
    s = _series({"a": [1.0, 0.75, 0.25, 0.5]}, [2014, 2016, 2018, 2020])
    t = ew.transitions(s, config=_cfg(delta=0.25))
    assert t["next_year"].tolist() == [2016, 2018, 2020]
    assert t["change_next"].tolist() == [-0.25, -0.5, 0.25]
    assert t["decline"].tolist() == [False, True, False]  # exactly -delta is no decline


def test_risk_features_by_hand() -> None:
    years = [2014, 2016, 2018, 2020]
    s = _series({"A": [0.10, 0.05, 0.08, 0.20], "B": [None, None, 0.3, 0.1],
                 "C": [None, None, None, 0.0]}, years)
    dims = {d: v for d, v in zip(ew.DIMENSIONS, [0.01, -0.04, 0.05, 0.03, 0.03], strict=True)}
    for d, v in dims.items():
        s[d] = np.where((s["unit_id"] == "A") & (s["year"] == 2014), v, np.nan)
    ind = pd.DataFrame(
        [("A", 2015, "p_hh_li", 40.0), ("A", 2017, "p_hh_li", 42.0),
         ("A", 2019, "p_hh_li", 50.0),  # after as_of: ignored
         ("A", 2017, "a_soz_wb", 100.0), ("A", 2017, "a_inw", 2000.0),
         ("A", 2013, "a_inw", 1800.0), ("A", 2012, "a_inw", 1000.0),  # 2012: too old
         ("A", 2017, "p_wcorpw", 35.0)],
        columns=["unit_id", "year", "indicator_id", "value"])
    f = ew.risk_features(s, indicators=ind, as_of=2018).set_index("unit_id")
    a = f.loc["A"]
    assert a["n_measurements"] == 3 and a["last_year"] == 2018 and a["prev_year"] == 2016
    assert a["lbm_afw"] == pytest.approx(0.08)
    assert a["change_last"] == pytest.approx(0.03)
    assert a["change_per_year"] == pytest.approx(0.015)
    assert a["slope3"] == pytest.approx(-0.005)  # OLS over (2014, .10), (2016, .05), (2018, .08)
    assert a["slope_from"] == 2014
    assert a["dim_min"] == pytest.approx(-0.04)
    assert a["dim_weakest"] == "lbm_onv" and a["dim_year"] == 2014
    assert a["p_hh_li"] == 42.0 and a["p_hh_li_year"] == 2017
    assert a["p_bijstand"] == pytest.approx(5.0) and a["p_bijstand_year"] == 2017
    assert a["p_wcorpw"] == 35.0
    assert a["inw_change"] == pytest.approx((2000 / 1800 - 1) * 100 / 4)
    assert (a["inw_change_from"], a["inw_change_year"]) == (2013, 2017)
    assert a["features_available"] == [*ew.LBM_FEATURES, *ew.KWB_FEATURES]
    assert a["variant"] == "lbm+kwb"
    b = f.loc["B"]
    assert b["n_measurements"] == 1 and math.isnan(b["change_last"])
    assert b["features_available"] == ["lbm_afw"] and b["variant"] == "lbm"
    c = f.loc["C"]
    assert c["n_measurements"] == 0 and c["variant"] is None
    assert c["features_available"] == []


def test_risk_features_ignore_later_data() -> None:
    s = _panel(40, [2008, 2012, 2014, 2016, 2018, 2020], seed=3)
    before = ew.risk_features(s, as_of=2016)
    changed = s.copy()
    later = changed["year"] > 2016
    changed.loc[later, "lbm_afw"] = 9.0
    changed.loc[later, list(ew.DIMENSIONS)] = -9.0
    pd.testing.assert_frame_equal(before, ew.risk_features(changed, as_of=2016))


# ------------------------------------------------------------------------------------ metrics


def test_metrics_by_hand() -> None:
    m = ew.classification_metrics([1, 1, 0, 0, 0], flag=[1, 0, 1, 0, 0],
                                  score=[0.9, 0.3, 0.6, 0.2, 0.3],
                                  prob=[0.8, 0.4, 0.6, 0.1, 0.2])
    assert m["n"] == 5 and m["n_decline"] == 2
    assert m["base_rate"] == pytest.approx(0.4)
    assert m["flagged"] == pytest.approx(0.4)
    assert m["recall"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["auc"] == pytest.approx(4.5 / 6)  # one tie (0.3 vs 0.3) counts half
    assert m["brier"] == pytest.approx(0.81 / 5)
    none = ew.classification_metrics([1, 0], flag=[0, 0], score=[1, 1], prob=[0.5, 0.5])
    assert math.isnan(none["precision"]) and none["f1"] == 0.0 and none["auc"] == 0.5
    one_class = ew.classification_metrics([0, 0], flag=[0, 1], score=[1, 2], prob=[0, 1])
    assert math.isnan(one_class["auc"]) and math.isnan(one_class["recall"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(-3, 3), st.integers(1, 3)), min_size=2,
                max_size=40))
def test_weighted_auc_equals_sklearn_on_repeated_rows(rows) -> None:
    y = np.array([r[0] for r in rows])
    score = np.array([float(r[1]) for r in rows])
    w = np.array([float(r[2]) for r in rows])
    got = _weighted_auc(y, score, w)[0]
    if y.all() or not y.any():
        assert math.isnan(got)
        return
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    assert got == pytest.approx(roc_auc_score(y[rep], score[rep]))


# --------------------------------------------------------------------------- model & baselines

HAND = {  # afwijking in 2010, 2012, 2014, 2016 (multiples of S)
    "u1": [0, -1, -2, -4], "u2": [0, -1, 0, 1], "u3": [0, 1, 0, -1], "u4": [0, 1, 2, 2],
    "u5": [2, 2, 1, 2], "u6": [-2, -2, -2, -3], "u7": [4, 5, 4, 4], "u8": [-4, -4, -5, -6],
}


def _hand_series() -> pd.DataFrame:
    return _series({u: [v * S for v in vs] for u, vs in HAND.items()}, [2010, 2012, 2014, 2016])


def test_baselines_by_hand() -> None:
    cfg = _cfg(min_train_rows=4, bootstrap_n=20, folds=(2014,))
    r = ew.backtest(_hand_series(), config=cfg)
    p = r.predictions.set_index("unit_id").sort_index()
    assert p["decline"].tolist() == [True, False, True, False, False, True, False, True]
    # training (2012 -> 2014): declines u1, u3, u5, u7, u8; base rate 5/8
    model = r.models[2014]
    assert model.base_rate == pytest.approx(5 / 8)
    assert model.transition_counts == {(2012, 2014): 8}
    assert set(model.dropped) == {"slope3", "dim_min"}  # unknown with two measurements
    # (a) last change continues: flagged where 2012 -> 2014 fell by more than delta
    last = p["laatste_verandering_flag"]
    assert last[last].index.tolist() == ["u1", "u3", "u5", "u7", "u8"]
    # training rates after a decline (u1, u2: 1 of 2) and after none (4 of 6)
    assert p.loc["u1", "laatste_verandering_prob"] == pytest.approx(0.5)
    assert p.loc["u2", "laatste_verandering_prob"] == pytest.approx(4 / 6)
    folds = r.folds.set_index("method")
    a = folds.loc["laatste_verandering"]
    assert (a["recall"], a["precision"], a["f1"]) == pytest.approx((0.75, 0.6, 2 / 3))
    assert a["auc"] == pytest.approx(11 / 16)
    assert a["brier"] == pytest.approx(2.25 / 8)
    # (b1) base rate 5/8 >= 0.5: everyone flagged
    b = folds.loc["basispercentage"]
    assert (b["recall"], b["precision"], b["auc"]) == pytest.approx((1.0, 0.5, 0.5))
    assert b["brier"] == pytest.approx((4 * 9 / 64 + 4 * 25 / 64) / 8)
    # (b2) lowest quarter in 2014: u1, u6, u8 (cut -2 S)
    low = p["laagste_kwart_flag"]
    assert low[low].index.tolist() == ["u1", "u6", "u8"]
    q = folds.loc["laagste_kwart"]
    assert (q["recall"], q["precision"], q["f1"]) == pytest.approx((0.75, 1.0, 6 / 7))
    # training lowest quarter in 2012 (cut -1.25 S): u6 (no), u8 (yes)
    assert p.loc["u6", "laagste_kwart_prob"] == pytest.approx(0.5)
    assert p.loc["u2", "laagste_kwart_prob"] == pytest.approx(4 / 6)
    # pooled over one fold = that fold
    assert r.pooled.set_index("method").loc["model", "auc"] == pytest.approx(
        folds.loc["model", "auc"])


def test_model_recovers_a_planted_effect_and_is_calibrated() -> None:
    """Generated: decline probability depends on the level only (high level falls back)."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(400):
        v = rng.normal(0, 0.2)
        for y in (2014, 2016, 2018, 2020):
            rows.append((f"U{i}", y, v))
            p = 1 / (1 + math.exp(-(-1.5 + 8 * v)))
            v = v - 0.05 if rng.random() < p else v + rng.normal(0.0, 0.005)
    s = pd.DataFrame(rows, columns=["unit_id", "year", "lbm_afw"])
    model = ew.fit_model(s, train_years=[2014, 2016, 2018, 2020])
    coef = dict(zip(model.features, model.coefficients, strict=True))
    assert coef["lbm_afw"] > 0.8
    assert "dim_min" in model.dropped
    feats = ew.risk_features(s, as_of=2018)
    pred = model.predict(feats)
    # after the prior correction the mean risk is close to the base rate
    assert abs(pred["risk"].mean() - model.base_rate) < 0.05
    assert set(pred["risk_class"]) <= set(ew.RISK_CLASSES)
    th = model.thresholds()
    assert ((pred["risk"] >= th["hoog"]) == (pred["risk_class"] == "hoog")).all()
    row = pred.iloc[0]
    assert math.isclose(sum(row["components"].values()) + model.intercept, row["logit"])


def test_missing_feature_contributes_nothing() -> None:
    s = _panel(120, [2008, 2012, 2014, 2016, 2018], seed=5)
    model = ew.fit_model(s, train_years=[2008, 2012, 2014, 2016, 2018])
    feats = ew.risk_features(s, as_of=2018).head(2).copy()
    feats.loc[feats.index[0], "slope3"] = np.nan
    pred = model.predict(feats)
    assert pred.iloc[0]["missing_features"] == ["slope3"]
    assert pred.iloc[0]["components"]["slope3"] == 0.0
    assert pred.iloc[1]["missing_features"] == []


def test_too_little_data_is_said_in_dutch() -> None:
    s = _series({"a": [0.0, -0.1, -0.2], "b": [0.0, 0.1, 0.2]}, [2014, 2016, 2018])
    with pytest.raises(ew.EarlyWarningError, match="Te weinig gegevens.*2 overgangen"):
        ew.fit_model(s, train_years=[2014, 2016, 2018])
    with pytest.raises(ew.EarlyWarningError, match="Geen Leefbaarometer-overgangen"):
        ew.fit_model(s, train_years=[2014, 2016])


# ------------------------------------------------------------------------------ no leakage


def test_backtest_has_no_look_ahead() -> None:
    """Changing every measurement after the origin changes no prediction of that fold."""
    s = _panel(150, [2002, 2008, 2012, 2014, 2016, 2018, 2020], seed=11)
    cfg = _cfg(bootstrap_n=0)
    before = ew.backtest(s, folds=[2016], config=cfg).predictions
    changed = s.copy()
    later = changed["year"] > 2016
    rng = np.random.default_rng(1)
    changed.loc[later, "lbm_afw"] = rng.normal(0, 0.3, later.sum())
    changed.loc[later, list(ew.DIMENSIONS)] = rng.normal(0, 0.1, (later.sum(), 5))
    after = ew.backtest(changed, folds=[2016], config=cfg).predictions
    cols = [c for c in before.columns if c.endswith(("_prob", "_score", "_flag"))]
    pd.testing.assert_frame_equal(before[["unit_id", *cols]], after[["unit_id", *cols]])
    assert not before["decline"].equals(after["decline"])  # only the outcomes changed
    m1 = ew.fit_model(s, train_years=[2002, 2008, 2012, 2014, 2016])
    m2 = ew.fit_model(changed, train_years=[2002, 2008, 2012, 2014, 2016])
    assert m1 == m2


@settings(max_examples=4, deadline=None)
@given(st.floats(-1.0, 1.0))
def test_adding_a_constant_changes_no_prediction(shift: float) -> None:
    """Features are standardised, so shifting every afwijking changes no risk."""
    s = _panel(60, [2008, 2012, 2014, 2016, 2018], seed=2)
    cfg = _cfg(bootstrap_n=0, folds=(2016,))
    base = ew.backtest(s, config=cfg).predictions
    moved = s.assign(lbm_afw=s["lbm_afw"] + shift)
    for d in ew.DIMENSIONS:
        moved[d] = moved[d] + shift / 5
    got = ew.backtest(moved, config=cfg).predictions
    np.testing.assert_allclose(got["model_prob"], base["model_prob"], rtol=1e-6, atol=1e-9)


# -------------------------------------------------------------------------- the real history


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def history(con) -> pd.DataFrame:
    return ew.lbm_history(con)


@pytest.fixture(scope="module")
def real_backtest(history: pd.DataFrame) -> ew.BacktestResult:
    return ew.backtest(history)


def test_history_is_the_leefbaarometer_selection(history: pd.DataFrame) -> None:
    assert history["unit_id"].nunique() == 335
    assert len(history) == 3007
    assert sorted(history["year"].unique()) == [2002, 2008, 2012, 2014, 2016, 2018, 2020,
                                                2022, 2024]
    angelslo = history[(history["unit_id"] == "WK011443") & (history["year"] == 2014)].iloc[0]
    dims = angelslo[list(ew.DIMENSIONS)].astype(float)
    assert dims.sum() == pytest.approx(angelslo["lbm_afw"], abs=1e-9)
    assert history.loc[history["year"] == 2016, list(ew.DIMENSIONS)].isna().all().all()


def test_real_backtest_pooled_numbers(real_backtest: ew.BacktestResult) -> None:
    r = real_backtest
    assert sorted(r.models) == [2014, 2016, 2018, 2020, 2022]
    pooled = r.pooled.set_index("method")
    assert int(pooled.loc["model", "n"]) == 1669
    assert int(pooled.loc["model", "n_decline"]) == 290
    assert pooled.loc["model", "base_rate"] == pytest.approx(290 / 1669)
    per_fold = r.folds[r.folds["method"] == "model"].set_index("origin")
    assert per_fold["n"].tolist() == [334, 334, 334, 333, 334]
    assert per_fold["n_decline"].tolist() == [46, 66, 28, 62, 88]
    # the AUC is reported (not asserted to beat anything)
    for method in ew.METHODS:
        assert 0.0 <= pooled.loc[method, "auc"] <= 1.0
        assert 0.0 <= pooled.loc[method, "auc_within"] <= 1.0
    assert pooled.loc["basispercentage", "auc"] == 0.5
    assert "dim_min" in r.models[2014].dropped and not r.models[2022].dropped
    assert set(r.comparison["metric"]) == set(ew.COMPARED)
    assert r.calibration["n"].sum() == 1669


def test_real_backtest_shows_no_skill(real_backtest: ew.BacktestResult) -> None:
    """The rule on the loaded data: the model does not beat chance nor the regression-to-
    the-mean rules, so every monitor of this database shows signals, not a ranking."""
    sk = ew.skill_of(real_backtest.pooled, real_backtest.intervals)
    assert not sk.shows_skill
    assert sk.auc == pytest.approx(0.530, abs=5e-4)
    assert sk.auc_low == pytest.approx(0.492, abs=0.01) and sk.auc_low < 0.5
    assert sk.best_baseline == "recente_stijging"
    assert sk.best_baseline_auc == pytest.approx(0.572, abs=5e-4)
    pooled = real_backtest.pooled.set_index("method")
    assert pooled.loc["hoog_niveau", "auc"] == pytest.approx(0.568, abs=5e-4)
    assert pooled.loc["model", "precision_top"] == pytest.approx(0.30, abs=0.005)
    assert len(sk.failed) == 2  # chance and the best rule; the Brier equals the base rate's


def test_den_haag_signals(con, history: pd.DataFrame) -> None:
    from wijkanalyse.gebieden.sets import resolve_set

    units = resolve_set(con, "gemeente:Den Haag").units
    got = ew.unit_signals(con, units, year=2024, history=history)
    named = got.assign(name=units["name"].to_numpy()).set_index("name")
    assert int((got["n_signals"] > 0).sum()) == 15
    assert named.loc["Binckhorst", "n_signals"] == 4
    assert named.loc["Binckhorst", "signal_text"].startswith(
        "Leefbaarometer -0,091 sinds 2022 (afwijking van het landelijk gemiddelde van +0,031 "
        "naar -0,060 in 2024)")
    assert not any("kans" in t or "risico" in t for t in got["signal_text"])


def test_backtest_markdown_and_doc(real_backtest: ew.BacktestResult) -> None:
    md = ew.backtest_markdown(real_backtest, data_note="testgegevens")
    for heading in ("## Resultaten per peiljaar", "## Alle peiljaren samen",
                    "## Verschil tussen model en baselines", "## Kalibratie van het model",
                    "## Eerlijke lezing", "## Beperkingen"):
        assert heading in md
    assert "| model (logistische regressie) | 1.669 | 17,4% |" in md
    assert "**Gegevens**: testgegevens" in md
    doc = (DOCS / "backtest.md").read_text(encoding="utf-8")
    # the shipped document was generated from the same data: same pooled row
    row = next(line for line in md.splitlines()
               if line.startswith("| model (logistische regressie) | 1.669"))
    assert row in doc
    assert "335 wijken in 15 gemeenten" in doc and "2002, 2008, 2012" in doc
    assert "## Regel: wanneer toont de monitor een risicorangorde?" in md
    assert "| model (logistische regressie) | 0,53 (0,49 tot 0,56) |" in doc
    assert "| gradient boosting (alle kenmerken) | 0,52 (0,48 tot 0,56) |" in doc
    assert "## Regressie naar het gemiddelde: wat het model leert" in doc


def test_monitor_backtest_md_writes_the_document(built_db: Path, tmp_path: Path) -> None:
    """``wijkanalyse monitor --backtest-md PAD`` (the former private CLI of this module)."""
    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app

    out = tmp_path / "bt.md"
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(built_db), "monitor", "--backtest-md", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Leefbaarometer 3.0, ministerie van BZK" in text and "sha256" in text
    assert f"`wijkanalyse monitor --backtest-md {out}`" in text
    assert "| model (logistische regressie) | 1.669 | 17,4% |" in text
    assert "Geschreven:" in result.output
    assert "model (logistische regressie): n 1669, terugval 17,4%" in result.output
    assert "geen betrouwbare voorspelling van terugval" in " ".join(result.output.split())
    assert "## Alles wat geladen is: twee leermodellen" in text
    assert not ew.__dict__.get("main")  # one way in: the main CLI
    missing = runner.invoke(app, ["--db", str(tmp_path / "geen.duckdb"), "monitor",
                                  "--backtest-md", str(out)])
    assert missing.exit_code == 1 and "nog geen database" in missing.output
    neither = runner.invoke(app, ["--db", str(built_db), "monitor"])
    assert neither.exit_code == 1 and "--backtest-md" in neither.output


def test_risk_scores_programma_2016(con) -> None:
    from wijkanalyse.gebieden.sets import resolve_set

    units = resolve_set(con, "programma-2016").units
    r = ew.risk_scores(con, units)
    assert len(r) == 12 and r["unit_id"].tolist() == units["unit_id"].tolist()
    no_lbm = {"BU07725130", "WK063701"}  # Jagershoef (Eindhoven), Meerzicht (Zoetermeer)
    for row in r.to_dict("records"):
        if row["unit_id"] in no_lbm:
            assert row["risk_class"] is None and math.isnan(row["risk"])
            assert row["explanation"].startswith("Geen Leefbaarometer voor ")
            assert "geen risicoscore" in row["explanation"]
        else:
            assert row["as_of"] == 2024 and row["last_year"] == 2024
            assert row["risk_class"] in ew.RISK_CLASSES
            assert 0 < row["risk"] < 1
            assert row["explanation"].startswith(
                f"{units.set_index('unit_id').loc[row['unit_id'], 'name']}: kans op terugval")
            assert "Leefbaarometer-afwijking 2024:" in row["explanation"]
            assert "Bron: Leefbaarometer 3.0" in row["explanation"]
            assert set(row["components"]) == set(ew.LBM_FEATURES)
    angelslo = r.set_index("unit_id").loc["WK011443"]
    assert angelslo["lbm_afw"] == pytest.approx(-0.166, abs=5e-4)
    assert "Leefbaarometer-afwijking 2024: -0,166" in angelslo["explanation"]
    selwerd = r.set_index("unit_id").loc["BU00141000"]
    assert "Leefbaarometer van de wijk(en) waarin het gebied ligt" in selwerd["explanation"]


def test_risk_scores_kwb_context_heerlen(con) -> None:
    from wijkanalyse.gebieden.sets import resolve_set

    units = resolve_set(con, "gemeente:Heerlen").units
    r = ew.risk_scores(con, units, year=2019)  # the latest measurement up to 2019: 2018
    assert set(r["as_of"]) == {2018}
    scored = r[r["risk_class"].notna()]
    assert len(scored) > 0 and (scored["variant"] == "lbm+kwb").all()
    text = scored.iloc[0]["explanation"]
    assert "Ter informatie, niet in de score" in text and "(2018)" in text
    assert "p_hh_li" in scored.iloc[0]["features_available"]
    assert set(scored.iloc[0]["components"]) == set(ew.LBM_FEATURES)  # KWB not in the score


def test_risk_scores_without_any_leefbaarometer(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "leeg.duckdb")
    units = pd.DataFrame({"unit_id": ["WK011443"], "name": ["Angelslo"],
                          "level": ["wijk"], "codes": [["WK011443"]],
                          "wijk_codes": [["WK011443"]]})
    r = ew.risk_scores(con, units)
    con.close()
    row = r.iloc[0]
    assert row["risk_class"] is None and row["as_of"] is None and math.isnan(row["risk"])
    assert row["explanation"] == ("Geen Leefbaarometer voor Angelslo: de database bevat geen "
                                  "Leefbaarometer; geen risicoscore.")
