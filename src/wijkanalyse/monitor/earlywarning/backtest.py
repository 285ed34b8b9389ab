"""The backtest: each measurement year predicted from the earlier ones, with baselines."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.config import (
    COMPARED,
    METHODS,
    TOP_SHARE,
    EarlyWarningConfig,
    EarlyWarningError,
    _cfg,
    _check_series,
)
from wijkanalyse.monitor.earlywarning.features import (
    risk_features,
    transitions,
)
from wijkanalyse.monitor.earlywarning.model import (
    RiskModel,
    _fit,
    _metrics_matrix,
    _training_frame,
    _weighted_auc,
    classification_metrics,
)


@dataclass(frozen=True)
class BacktestResult:
    """Result of :func:`backtest`.

    Attributes
    ----------
    folds
        One row per (origin, method): ``origin``, ``target``, ``n_train``, ``method`` and
        :data:`METRICS`.
    pooled
        One row per method: :data:`METRICS` over all folds' predictions together.
    comparison
        Model minus baseline per ``baseline`` and ``metric`` (``auc``, ``f1``, ``brier``):
        ``difference`` on all predictions, ``low``/``high`` (2.5 and 97.5 percentiles of a
        bootstrap over units) and ``share_better`` (share of bootstrap samples in which the
        model is better).
    calibration
        Pooled model predictions by risk band: ``band``, ``n``, ``mean_risk``, ``observed``.
    predictions
        One row per predicted transition: ``origin``, ``unit_id``, ``target``, ``decline``,
        ``change_next`` and per method ``<method>_prob``, ``<method>_score``,
        ``<method>_flag``; ``risk_class`` of the model.
    models
        The model of every fold, by origin.
    config
        The settings used.
    n_units, years
        Units and measurement years in the series.
    skipped
        Dutch notes on folds that could not be run.
    intervals
        Per ``method`` and ``metric`` (``auc``, ``auc_within``, ``brier``): ``value`` on all
        predictions and ``low``/``high``, the 2.5 and 97.5 percentiles of the same bootstrap
        over units (the input of the skill rule, :mod:`.skill`).
    """

    folds: pd.DataFrame
    pooled: pd.DataFrame
    comparison: pd.DataFrame
    calibration: pd.DataFrame
    predictions: pd.DataFrame
    models: Mapping[int, RiskModel]
    config: EarlyWarningConfig
    n_units: int
    years: tuple[int, ...]
    skipped: tuple[str, ...] = ()
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)


def _rate_by(frame: pd.DataFrame, mask: np.ndarray, base: float) -> tuple[float, float]:
    """Decline rate where ``mask`` and where not (``base`` when a group is empty)."""
    y = frame["decline"].to_numpy(dtype=bool)
    inside = float(y[mask].mean()) if mask.any() else base
    outside = float(y[~mask].mean()) if (~mask).any() else base
    return inside, outside


def _low_mask(frame: pd.DataFrame, q: float, by: str) -> np.ndarray:
    """Rows in the lowest ``q`` of ``lbm_afw`` within each group of ``by``."""
    cut = frame.groupby(by)["lbm_afw"].transform(lambda v: v.quantile(q))
    return np.asarray((frame["lbm_afw"] <= cut).to_numpy(dtype=bool))


def backtest(
    series: pd.DataFrame,
    *,
    folds: Sequence[int] | None = None,
    config: EarlyWarningConfig | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the model against naive baselines.

    Parameters
    ----------
    series
        Long Leefbaarometer series of many units (``unit_id, year, lbm_afw`` and ideally
        the dimensions).
    folds
        Origin years ``T``; default ``folds`` of the configuration. For each ``T`` the
        model sees only measurements up to ``T`` and predicts the transition from ``T`` to
        each unit's next measurement.
    config
        Settings; default the shipped file.

    Returns
    -------
    BacktestResult

    Raises
    ------
    EarlyWarningError
        When no fold can be run.
    """
    cfg = _cfg(config)
    s = _check_series(series)
    origins = tuple(sorted({int(t) for t in (cfg.folds if folds is None else folds)}))
    all_trans = transitions(s, config=cfg)
    years = tuple(int(y) for y in sorted(s.loc[s["lbm_afw"].notna(), "year"].unique()))
    models: dict[int, RiskModel] = {}
    preds: list[pd.DataFrame] = []
    skipped: list[str] = []
    for t in origins:
        train_years = [y for y in years if y <= t]
        cut = s[s["year"] <= t]
        feats = risk_features(cut, as_of=t, config=cfg)
        feats = feats[(feats["last_year"] == t) & (feats["n_measurements"] >= cfg.min_history)]
        labels = all_trans.loc[all_trans["year"] == t,
                               ["unit_id", "next_year", "change_next", "decline"]]
        test = feats.merge(labels, on="unit_id", how="inner")
        if test.empty:
            skipped.append(f"Peiljaar {t}: geen wijken met een meting in {t} én een volgende "
                           "meting; overgeslagen.")
            continue
        train = _training_frame(cut, train_years=train_years, indicators=None, cfg=cfg)
        try:
            model = _fit(train, train_years=tuple(train_years), cfg=cfg)
        except EarlyWarningError as exc:
            skipped.append(f"Peiljaar {t}: {exc} Overgeslagen.")
            continue
        models[t] = model
        preds.append(_fold_predictions(t, test, train, model, cfg))
    if not preds:
        raise EarlyWarningError("Geen enkele backtest-ronde kon worden uitgevoerd. "
                                + " ".join(skipped))
    predictions = pd.concat(preds, ignore_index=True)
    n_train = {t: m.n_train for t, m in models.items()}
    fold_table, pooled, comparison, intervals = score_predictions(
        predictions, methods=METHODS, n_train=n_train, config=cfg)
    return BacktestResult(
        folds=fold_table,
        pooled=pooled,
        comparison=comparison,
        calibration=calibration_table(predictions, cfg),
        predictions=predictions,
        models=models,
        config=cfg,
        n_units=int(s.loc[s["lbm_afw"].notna(), "unit_id"].nunique()),
        years=years,
        skipped=tuple(skipped),
        intervals=intervals,
    )


def score_predictions(
    predictions: pd.DataFrame,
    *,
    methods: Sequence[str],
    n_train: Mapping[int, int],
    config: EarlyWarningConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per-fold and pooled metrics, model-minus-baseline differences and intervals.

    Parameters
    ----------
    predictions
        One row per predicted transition: ``origin``, ``unit_id``, ``next_year``,
        ``decline`` and per method ``<method>_prob``, ``<method>_score``, ``<method>_flag``.
    methods
        The methods; the first is the model compared with each of the others.
    n_train
        Training transitions per origin.
    config
        Settings (bootstrap size and seed).

    Returns
    -------
    tuple of DataFrame
        ``(folds, pooled, comparison, intervals)`` as in :class:`BacktestResult`.
    """
    cfg = _cfg(config)
    fold_rows = []
    for t, p in predictions.groupby("origin", sort=True):
        for method in methods:
            m = classification_metrics(p["decline"], flag=p[f"{method}_flag"],
                                       score=p[f"{method}_score"], prob=p[f"{method}_prob"])
            m["precision_top"] = _top_precision(p, method)
            fold_rows.append({"origin": int(t), "target": _targets(p),
                              "n_train": n_train.get(int(t)), "method": method, **m})
    pooled_rows = []
    for method in methods:
        m = classification_metrics(predictions["decline"],
                                   flag=predictions[f"{method}_flag"],
                                   score=predictions[f"{method}_score"],
                                   prob=predictions[f"{method}_prob"])
        m["precision_top"] = _top_precision(predictions, method)
        m["auc_within"] = float(np.nanmean(_within_auc(predictions, method,
                                                       np.ones((1, len(predictions))))))
        pooled_rows.append({"method": method, **m})
    comparison, intervals = _bootstrap_comparison(predictions, cfg, methods=tuple(methods))
    return pd.DataFrame(fold_rows), pd.DataFrame(pooled_rows), comparison, intervals


def _top_precision(pred: pd.DataFrame, method: str, share: float = TOP_SHARE) -> float:
    """Share of declines among the top ``share`` of units by score within each origin
    (ties at the cut all count, weighted so that exactly ``share`` is taken)."""
    hits = 0.0
    taken = 0.0
    for _, p in pred.groupby("origin", sort=True):
        k = max(1, math.ceil(share * len(p)))
        score = p[f"{method}_score"].to_numpy(dtype="float64")
        score = np.where(np.isnan(score), -np.inf, score)
        y = p["decline"].to_numpy(dtype=bool)
        cut = np.sort(score)[::-1][k - 1]
        above = score > cut
        at = score == cut
        rest = k - int(above.sum())
        frac = rest / int(at.sum())
        hits += float(y[above].sum()) + frac * float(y[at].sum())
        taken += k
    return hits / taken if taken else math.nan


def _targets(p: pd.DataFrame) -> str:
    targets = sorted({int(v) for v in p["next_year"]})
    return "/".join(map(str, targets))


def _fold_predictions(t: int, test: pd.DataFrame, train: pd.DataFrame, model: RiskModel,
                      cfg: EarlyWarningConfig) -> pd.DataFrame:
    """Predictions of the model and the baselines for one origin."""
    pred = model.predict(test)
    base = model.base_rate
    train_rows = train.dropna(subset=list(model.features))
    out = pd.DataFrame({
        "origin": t,
        "unit_id": test["unit_id"].to_numpy(),
        "target": test["next_year"].to_numpy(),
        "next_year": test["next_year"].to_numpy(),
        "lbm_afw": test["lbm_afw"].to_numpy(),
        "change_last": test["change_last"].to_numpy(),
        "decline": test["decline"].to_numpy(dtype=bool),
        "change_next": test["change_next"].to_numpy(),
        "model_prob": pred["risk"].to_numpy(),
        "model_score": pred["risk"].to_numpy(),
        "model_flag": pred["signal"].to_numpy(dtype=bool),
        "risk_class": pred["risk_class"].to_numpy(),
    })
    # (a) the last change continues
    train_last = (train_rows["change_last"] < -cfg.delta).to_numpy(dtype=bool)
    p_in, p_out = _rate_by(train_rows, train_last, base)
    last = (test["change_last"] < -cfg.delta).to_numpy(dtype=bool)
    out["laatste_verandering_flag"] = last
    out["laatste_verandering_score"] = -test["change_per_year"].to_numpy(dtype="float64")
    out["laatste_verandering_prob"] = np.where(last, p_in, p_out)
    # (b1) always the base rate
    out["basispercentage_flag"] = np.full(len(test), base >= 0.5)
    out["basispercentage_score"] = np.zeros(len(test))
    out["basispercentage_prob"] = np.full(len(test), base)
    # (b2) the lowest quarter stays behind
    train_low = _low_mask(train_rows, cfg.low_quantile, "as_of")
    p_in, p_out = _rate_by(train_rows, train_low, base)
    low = _low_mask(test, cfg.low_quantile, "as_of")
    out["laagste_kwart_flag"] = low
    out["laagste_kwart_score"] = -test["lbm_afw"].to_numpy(dtype="float64")
    out["laagste_kwart_prob"] = np.where(low, p_in, p_out)
    # (c1) regression to the mean: a high level falls back (the highest quarter)
    train_high = _high_mask(train_rows, cfg.low_quantile, "as_of")
    p_in, p_out = _rate_by(train_rows, train_high, base)
    high = _high_mask(test, cfg.low_quantile, "as_of")
    out["hoog_niveau_flag"] = high
    out["hoog_niveau_score"] = test["lbm_afw"].to_numpy(dtype="float64")
    out["hoog_niveau_prob"] = np.where(high, p_in, p_out)
    # (c2) regression to the mean: after a rise comes a fall
    train_rise = (train_rows["change_last"] > cfg.delta).to_numpy(dtype=bool)
    p_in, p_out = _rate_by(train_rows, train_rise, base)
    rise = (test["change_last"] > cfg.delta).to_numpy(dtype=bool)
    out["recente_stijging_flag"] = rise
    out["recente_stijging_score"] = test["change_per_year"].to_numpy(dtype="float64")
    out["recente_stijging_prob"] = np.where(rise, p_in, p_out)
    return out


def _high_mask(frame: pd.DataFrame, q: float, by: str) -> np.ndarray:
    """Rows in the highest ``q`` of ``lbm_afw`` within each group of ``by``."""
    cut = frame.groupby(by)["lbm_afw"].transform(lambda v: v.quantile(1.0 - q))
    return np.asarray((frame["lbm_afw"] >= cut).to_numpy(dtype=bool))


_BOOTSTRAP_CELLS = 4_000_000


def _bootstrap_comparison(pred: pd.DataFrame, cfg: EarlyWarningConfig, *,
                          methods: tuple[str, ...] = METHODS
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model (the first method) minus each other method, and each method's interval, with
    a bootstrap over units (all their transitions)."""
    y = pred["decline"].to_numpy(dtype=bool)
    codes, uniques = pd.factorize(pred["unit_id"])
    rng = np.random.default_rng(cfg.bootstrap_seed)
    n_units = len(uniques)
    ones = np.ones((1, len(y)))

    def metrics(method: str, w: np.ndarray) -> dict[str, np.ndarray]:
        out = _metrics_matrix(y, pred[f"{method}_flag"].to_numpy(dtype=bool),
                              pred[f"{method}_score"].to_numpy(dtype="float64"),
                              pred[f"{method}_prob"].to_numpy(dtype="float64"), w)
        out["auc_within"] = _within_auc(pred, method, w)
        return out

    point = {m: metrics(m, ones) for m in methods}
    parts: dict[str, dict[str, list[np.ndarray]]] = {m: {k: [] for k in COMPARED}
                                                     for m in methods}
    n_boot = cfg.bootstrap_n if n_units > 0 else 0
    # resamples in chunks so that a chunk's weight matrix stays near 4 million cells
    chunk = max(1, min(max(n_boot, 1), _BOOTSTRAP_CELLS // max(1, len(y))))
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(m, n_units))
        counts = np.stack([np.bincount(d, minlength=n_units) for d in draws])
        weights = counts[:, codes].astype("float64")
        for method in methods:
            got = metrics(method, weights)
            for k in COMPARED:
                parts[method][k].append(got[k])
    boot = ({method: {k: np.concatenate(v) for k, v in d.items()}
             for method, d in parts.items()} if n_boot else {})
    first = methods[0]
    rows = []
    for baseline in methods[1:]:
        for metric in COMPARED:
            diff = float(point[first][metric][0] - point[baseline][metric][0])
            if boot:
                d = boot[first][metric] - boot[baseline][metric]
                d = d[np.isfinite(d)]
            else:
                d = np.empty(0)
            better = (d < 0) if metric == "brier" else (d > 0)
            rows.append({
                "baseline": baseline,
                "metric": metric,
                "difference": diff,
                "low": float(np.percentile(d, 2.5)) if len(d) else math.nan,
                "high": float(np.percentile(d, 97.5)) if len(d) else math.nan,
                "share_better": float(better.mean()) if len(d) else math.nan,
            })
    intervals = []
    for method in methods:
        for metric in ("auc", "auc_within", "brier"):
            v = boot[method][metric] if boot else np.empty(0)
            v = v[np.isfinite(v)]
            intervals.append({
                "method": method, "metric": metric,
                "value": float(point[method][metric][0]),
                "low": float(np.percentile(v, 2.5)) if len(v) else math.nan,
                "high": float(np.percentile(v, 97.5)) if len(v) else math.nan,
            })
    return pd.DataFrame(rows), pd.DataFrame(intervals)


def _within_auc(pred: pd.DataFrame, method: str, weights: np.ndarray) -> np.ndarray:
    """Mean over origins of the AUC within each origin, per row of ``weights`` (B x n)."""
    y = pred["decline"].to_numpy(dtype=bool)
    score = pred[f"{method}_score"].to_numpy(dtype="float64")
    origin = pred["origin"].to_numpy()
    per_fold = [_weighted_auc(y[origin == t], score[origin == t], weights[:, origin == t])
                for t in np.unique(origin)]
    stacked = np.vstack(per_fold)
    valid = np.isfinite(stacked)
    n = valid.sum(axis=0)
    total = np.where(valid, stacked, 0.0).sum(axis=0)
    return np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)


def calibration_table(pred: pd.DataFrame, cfg: EarlyWarningConfig, *, method: str = "model"
                      ) -> pd.DataFrame:
    """Reliability table of ``<method>_prob``: ``band, n, mean_risk, observed``."""
    bins = list(cfg.calibration_bins)
    labels = [f"{nl_number(a, decimals=2)}–{nl_number(b, decimals=2)}"
              for a, b in zip(bins, bins[1:], strict=False)]
    prob = pred[f"{method}_prob"]
    band = pd.cut(prob, bins=bins, labels=labels, include_lowest=True,
                  right=False)
    # the last band includes 1.0
    band = band.where(prob < 1.0, labels[-1])
    frame = pd.DataFrame({"band": band, "risk": prob,
                          "decline": pred["decline"].astype(float)})
    out = frame.groupby("band", observed=False).agg(
        n=("risk", "size"), mean_risk=("risk", "mean"), observed=("decline", "mean"))
    return out.reset_index().assign(band=lambda d: d["band"].astype(object))


# ------------------------------------------------------------------------------------ markdown
