"""Learning from everything loaded: a wider feature set, two learners, the same backtest.

:func:`panel_features` builds, per unit and origin year ``as_of``, every feature the data
allow from what is known at ``as_of`` only (the series is cut first):

* Leefbaarometer: level (``lbm_afw``), change and trend (:func:`.features.risk_features`),
  the five dimensions at the last measurement that has them and their change per year since
  the measurement with dimensions before it (``d_<dim>``);
* gemeente context: the mean level and change of the gemeente's other wijken in the history
  (``gm_afw``, ``gm_change``) and the unit's gap to it (``gap_gm``, ``gap_gm_change``);
* neighbours (spatial lag): mean level and change of the adjacent wijken
  (``nb_afw``, ``nb_change``; adjacency from the boundary files, :func:`wijk_neighbours`);
* KWB where the database has it for the unit (``p_hh_li``, ``p_bijstand``, ``p_wcorpw``,
  ``inw_change``, known at ``as_of`` or up to ``kwb.max_age`` years before).

:func:`compare_backtest` runs the rolling-origin backtest of :func:`.backtest.backtest` (same
origins, same transitions, same baselines) for a regularised logistic regression
(``logit_alles``, median imputation with missing-value indicators, L2) and gradient boosting
(``gbm``, scikit-learn's ``HistGradientBoostingClassifier``, which takes missing values as
they are), next to the shipped model. Everything is fitted on transitions that end at or
before the origin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkanalyse.monitor.earlywarning.backtest import (
    BacktestResult,
    calibration_table,
    score_predictions,
)
from wijkanalyse.monitor.earlywarning.config import (
    DIMENSIONS,
    KWB_FEATURES,
    EarlyWarningConfig,
    _cfg,
    _check_series,
)
from wijkanalyse.monitor.earlywarning.features import risk_features, transitions

#: The wider feature set, in this order.
PANEL_FEATURES = (
    "lbm_afw", "change_per_year", "slope3", "dim_min", *DIMENSIONS,
    *(f"d_{d}" for d in DIMENSIONS),
    "gm_afw", "gm_change", "gap_gm", "gap_gm_change", "nb_afw", "nb_change", *KWB_FEATURES,
)
#: The learners compared with the shipped model, in report order.
LEARNERS = ("logit_alles", "gbm")


def panel_features(series: pd.DataFrame, *, as_of: int,
                   neighbours: pd.DataFrame | None = None,
                   indicators: pd.DataFrame | None = None,
                   config: EarlyWarningConfig | None = None) -> pd.DataFrame:
    """Every feature of :data:`PANEL_FEATURES` per unit, from data up to ``as_of`` only.

    Parameters
    ----------
    series
        Long Leefbaarometer series with the dimensions; ``unit_id`` are wijk codes (the
        gemeente is read from the code, ``WKggggww``). Rows after ``as_of`` are ignored.
    as_of
        The origin year.
    neighbours
        ``unit_id, neighbour`` pairs (both directions); ``None`` leaves ``nb_*`` missing.
    indicators
        KWB values (``unit_id, year, indicator_id, value``) as :func:`.data.kwb_indicators`.
    config
        Settings; default the shipped file.

    Returns
    -------
    pandas.DataFrame
        :func:`.features.risk_features` columns plus the features above.
    """
    cfg = _cfg(config)
    s = _check_series(series)
    s = s[s["year"] <= as_of]
    base = risk_features(s, indicators=indicators, as_of=as_of, config=cfg)
    out = base.set_index("unit_id")
    for d in DIMENSIONS:
        out[d] = np.nan
        out[f"d_{d}"] = np.nan
    dims = [d for d in DIMENSIONS if d in s.columns]
    if len(dims) == len(DIMENSIONS):
        with_dims = s[s[dims].notna().all(axis=1)].sort_values(["unit_id", "year"])
        g = with_dims.groupby("unit_id", sort=False)
        back = g.cumcount(ascending=False)
        last = with_dims[back == 0].set_index("unit_id")
        prev = with_dims[back == 1].set_index("unit_id")
        span = (last["year"] - prev["year"].reindex(last.index)).astype("float64")
        for d in dims:
            out[d] = last[d].reindex(out.index)
            change = (last[d] - prev[d].reindex(last.index)) / span.where(span > 0)
            out[f"d_{d}"] = change.reindex(out.index)
    # gemeente context: the other wijken of the gemeente measured at the same year
    now = out[out["last_year"] == as_of]
    gm = pd.Series([str(u)[2:6] for u in now.index], index=now.index)
    sums = now.groupby(gm)[["lbm_afw", "change_per_year"]].agg(["sum", "count"])
    for col, name in (("lbm_afw", "gm_afw"), ("change_per_year", "gm_change")):
        total = sums[(col, "sum")].reindex(gm.to_numpy()).to_numpy()
        count = sums[(col, "count")].reindex(gm.to_numpy()).to_numpy()
        own = now[col].to_numpy(dtype="float64")
        has = np.isfinite(own)
        others = count - has
        value = np.where(others > 0, (total - np.where(has, own, 0.0))
                         / np.where(others > 0, others, 1), np.nan)
        out[name] = pd.Series(value, index=now.index).reindex(out.index)
    out["gap_gm"] = out["lbm_afw"] - out["gm_afw"]
    out["gap_gm_change"] = out["change_per_year"] - out["gm_change"]
    out["nb_afw"] = np.nan
    out["nb_change"] = np.nan
    if neighbours is not None and len(neighbours):
        nb = neighbours[neighbours["neighbour"].isin(now.index)
                        & neighbours["unit_id"].isin(out.index)]
        vals = now[["lbm_afw", "change_per_year"]].reindex(nb["neighbour"].to_numpy())
        vals.index = nb["unit_id"].to_numpy()
        means = vals.groupby(level=0).mean()
        out["nb_afw"] = means["lbm_afw"].reindex(out.index)
        out["nb_change"] = means["change_per_year"].reindex(out.index)
    return out.reset_index()


def _panel_training(series: pd.DataFrame, *, train_years: Sequence[int],
                    neighbours: pd.DataFrame | None, indicators: pd.DataFrame | None,
                    cfg: EarlyWarningConfig) -> pd.DataFrame:
    """Features at ``t`` and the label of every transition within ``train_years``."""
    years = sorted({int(y) for y in train_years})
    s = series[series["year"].isin(years)]
    trans = transitions(s, config=cfg)
    frames = []
    for t in sorted(trans["year"].unique()):
        ind = None if indicators is None else indicators[indicators["year"] <= t]
        f = panel_features(s, as_of=int(t), neighbours=neighbours, indicators=ind, config=cfg)
        f = f[(f["last_year"] == t) & (f["n_measurements"] >= cfg.min_history)]
        lab = trans.loc[trans["year"] == t, ["unit_id", "next_year", "change_next", "decline"]]
        frames.append(f.merge(lab, on="unit_id", how="inner"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _learner(name: str) -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "gbm":
        return HistGradientBoostingClassifier(
            max_depth=3, learning_rate=0.05, max_iter=150, min_samples_leaf=40,
            l2_regularization=1.0, random_state=0)
    return make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                       keep_empty_features=True),
                         StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_backtest`.

    Attributes
    ----------
    result
        A :class:`BacktestResult` whose methods are ``model`` (the shipped model),
        :data:`LEARNERS` and the baselines, all on the same transitions; ``intervals`` has
        every method's AUC interval (the skill rule takes any method by name), ``comparison``
        is the shipped model minus each other method.
    shipped
        The backtest of the shipped model alone (:func:`.backtest.backtest`), as passed in.
    calibration
        Reliability table per learner.
    coverage
        Share of test transitions with a value, per feature.
    importance
        Per learner and feature: the mean decrease of the pooled AUC when that feature is
        permuted within its origin (only on the last origin's test set, to keep it cheap).
    """

    result: BacktestResult
    shipped: BacktestResult
    calibration: Mapping[str, pd.DataFrame]
    coverage: Mapping[str, float]
    importance: pd.DataFrame


def compare_backtest(
    series: pd.DataFrame,
    *,
    shipped: BacktestResult,
    neighbours: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    config: EarlyWarningConfig | None = None,
) -> Comparison:
    """The rolling-origin backtest of :data:`LEARNERS` on :data:`PANEL_FEATURES`.

    Parameters
    ----------
    series
        The Leefbaarometer history (wijk codes as ``unit_id``).
    shipped
        :func:`.backtest.backtest` of the same series: its predictions (the shipped model
        and the baselines) are joined, so that every method is scored on the same
        transitions.
    neighbours, indicators
        See :func:`panel_features`.
    config
        Settings; default the shipped file.

    Returns
    -------
    Comparison
    """
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    # small data: one thread is faster than OpenMP's threads on a shared machine
    with threadpool_limits(limits=1):
        return _compare(series, shipped=shipped, neighbours=neighbours,
                        indicators=indicators, cfg=_cfg(config), auc=roc_auc_score)


def _compare(series: pd.DataFrame, *, shipped: BacktestResult,
             neighbours: pd.DataFrame | None, indicators: pd.DataFrame | None,
             cfg: EarlyWarningConfig, auc: Callable[..., float]) -> Comparison:
    s = _check_series(series)
    years = [int(y) for y in sorted(s.loc[s["lbm_afw"].notna(), "year"].unique())]
    base = shipped.predictions
    parts = []
    coverage_rows = []
    importance = []
    origins = sorted(int(t) for t in base["origin"].unique())
    for t in origins:
        cut = s[s["year"] <= t]
        ind = None if indicators is None else indicators[indicators["year"] <= t]
        train = _panel_training(cut, train_years=[y for y in years if y <= t],
                                neighbours=neighbours, indicators=ind, cfg=cfg)
        test = panel_features(cut, as_of=t, neighbours=neighbours, indicators=ind,
                              config=cfg)
        fold = base[base["origin"] == t][["origin", "unit_id"]]
        test = fold.merge(test, on="unit_id", how="left")
        coverage_rows.append(test[list(PANEL_FEATURES)].notna())
        # a feature without any training value (KWB or dimensions in early folds) is left out
        kept = [f for f in PANEL_FEATURES if train[f].notna().sum() >= cfg.min_train_rows]
        x_train = train[kept].to_numpy(dtype="float64")
        y_train = train["decline"].to_numpy(dtype=bool)
        x_test = test[kept].to_numpy(dtype="float64")
        pred = pd.DataFrame({"origin": t, "unit_id": test["unit_id"].to_numpy()})
        rate = float(y_train.mean())
        for name in LEARNERS:
            model = _learner(name)
            model.fit(x_train, y_train)  # type: ignore[attr-defined]
            prob = model.predict_proba(x_test)[:, 1]  # type: ignore[attr-defined]
            pred[f"{name}_prob"] = prob
            pred[f"{name}_score"] = prob
            pred[f"{name}_flag"] = prob >= rate
            if t == origins[-1]:
                y_test = base.loc[base["origin"] == t, "decline"].to_numpy(dtype=bool)
                ref = auc(y_test, prob)
                rng = np.random.default_rng(0)
                for j, feat in enumerate(kept):
                    xp = x_test.copy()
                    xp[:, j] = rng.permutation(xp[:, j])
                    got = auc(y_test, model.predict_proba(xp)[:, 1])  # type: ignore[attr-defined]
                    importance.append({"learner": name, "feature": feat,
                                       "auc_drop": float(ref - got)})
        parts.append(pred)
    learned = pd.concat(parts, ignore_index=True)
    predictions = base.merge(learned, on=["origin", "unit_id"], how="left", validate="1:1")
    baselines = ("laatste_verandering", "basispercentage", "laagste_kwart", "hoog_niveau",
                 "recente_stijging")
    n_train = {t: m.n_train for t, m in shipped.models.items()}
    methods = ("model", *LEARNERS, *baselines)
    folds, pooled, comparison, intervals = score_predictions(
        predictions, methods=methods, n_train=n_train, config=cfg)
    cov = pd.concat(coverage_rows, ignore_index=True).mean()
    result = BacktestResult(
        folds=folds, pooled=pooled, comparison=comparison,
        calibration=calibration_table(predictions, cfg), predictions=predictions,
        models=shipped.models, config=cfg, n_units=shipped.n_units, years=shipped.years,
        skipped=shipped.skipped, intervals=intervals)
    return Comparison(
        result=result, shipped=shipped,
        calibration={n: calibration_table(predictions, cfg, method=n) for n in LEARNERS},
        coverage={str(k): float(v) for k, v in cov.items()},
        importance=pd.DataFrame(importance))
