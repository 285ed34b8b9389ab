"""The risk model (a logistic regression on the features) and the classification metrics."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.config import (
    LBM_FEATURES,
    EarlyWarningConfig,
    EarlyWarningError,
    _cfg,
    _check_indicators,
    _check_series,
)
from wijkanalyse.monitor.earlywarning.features import (
    risk_features,
    transitions,
)


@dataclass(frozen=True)
class RiskModel:
    """A fitted early-warning model (a standardised logistic regression).

    Attributes
    ----------
    features
        The features used, in order.
    coefficients
        Log-odds per standard deviation of each feature.
    intercept
        Log-odds of the average training transition, after prior correction.
    means, scales
        Training mean and standard deviation of each feature.
    base_rate
        Share of declines among the training transitions (``π``).
    delta
        The decline threshold the model was trained for.
    train_years
        The measurement years the model was allowed to see.
    transition_counts
        ``{(t, next): n}`` of the training transitions.
    n_train, n_units
        Training transitions and units.
    coverage
        Share of training transitions with a value, per configured feature.
    dropped
        Configured features left out, with the reason (Dutch).
    risk_classes
        Class thresholds as multiples of ``base_rate`` (``hoog``, ``verhoogd``).
    """

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    base_rate: float
    delta: float
    train_years: tuple[int, ...]
    transition_counts: Mapping[tuple[int, int], int]
    n_train: int
    n_units: int
    coverage: Mapping[str, float]
    dropped: Mapping[str, str]
    risk_classes: Mapping[str, float]

    def thresholds(self) -> dict[str, float]:
        """Probability thresholds of the classes ``hoog`` and ``verhoogd``."""
        return {k: min(1.0, v * self.base_rate) for k, v in self.risk_classes.items()}

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Risk per row of a :func:`risk_features` frame.

        Returns
        -------
        pandas.DataFrame
            ``unit_id`` (when present), ``risk`` (probability of a decline at the next
            measurement), ``logit``, ``signal`` (``risk >= base_rate``), ``risk_class``,
            ``components`` (dict feature -> log-odds contribution relative to the average
            training transition) and ``missing_features`` (list; set to the training mean).
        """
        lacking = [f for f in self.features if f not in features.columns]
        if lacking:
            raise ValueError(f"features frame lacks columns {lacking}")
        x = features[list(self.features)].to_numpy(dtype="float64")
        z = (x - np.asarray(self.means)) / np.asarray(self.scales)
        missing = ~np.isfinite(z)
        z = np.where(missing, 0.0, z)
        contrib = z * np.asarray(self.coefficients)
        logit = self.intercept + contrib.sum(axis=1)
        risk = 1.0 / (1.0 + np.exp(-logit))
        th = self.thresholds()
        klass = np.where(risk >= th["hoog"], "hoog",
                         np.where(risk >= th["verhoogd"], "verhoogd", "laag"))
        out = pd.DataFrame(index=features.index)
        if "unit_id" in features.columns:
            out["unit_id"] = features["unit_id"]
        out["risk"] = risk
        out["logit"] = logit
        out["signal"] = risk >= self.base_rate
        out["risk_class"] = pd.Series(klass, index=features.index, dtype=object)
        out["components"] = pd.Series(
            [dict(zip(self.features, map(float, row), strict=True)) for row in contrib],
            index=features.index, dtype=object)
        out["missing_features"] = pd.Series(
            [[f for f, m in zip(self.features, row, strict=True) if m] for row in missing],
            index=features.index, dtype=object)
        return out

    def coefficient_table(self, *, config: EarlyWarningConfig | None = None) -> pd.DataFrame:
        """``feature, label, coefficient, odds_ratio, mean, sd`` (one row per feature)."""
        cfg = _cfg(config)
        return pd.DataFrame({
            "feature": list(self.features),
            "label": [cfg.label(f) for f in self.features],
            "coefficient": list(self.coefficients),
            "odds_ratio": [math.exp(c) for c in self.coefficients],
            "mean": list(self.means),
            "sd": list(self.scales),
        })


def _training_frame(series: pd.DataFrame, *, train_years: Iterable[int],
                    indicators: pd.DataFrame | None, cfg: EarlyWarningConfig) -> pd.DataFrame:
    """Features at ``t`` and the decline label of every transition within ``train_years``."""
    years = sorted({int(y) for y in train_years})
    s = _check_series(series)
    s = s[s["year"].isin(years)]
    ind = _check_indicators(indicators)
    if ind is not None:
        ind = ind[ind["year"] <= (years[-1] if years else -1)]
    trans = transitions(s, config=cfg)
    frames = []
    for t in sorted(trans["year"].unique()):
        f = risk_features(s, indicators=ind, as_of=int(t), config=cfg)
        f = f[(f["last_year"] == t) & (f["n_measurements"] >= cfg.min_history)]
        lab = trans.loc[trans["year"] == t, ["unit_id", "next_year", "change_next", "decline"]]
        frames.append(f.merge(lab, on="unit_id", how="inner"))
    if not frames:
        return pd.DataFrame(columns=["unit_id", "as_of", "next_year", "decline",
                                     *LBM_FEATURES])
    return pd.concat(frames, ignore_index=True)


def fit_model(
    series: pd.DataFrame,
    *,
    train_years: Iterable[int],
    indicators: pd.DataFrame | None = None,
    config: EarlyWarningConfig | None = None,
) -> RiskModel:
    """Fit the early-warning model on the transitions within ``train_years``.

    Parameters
    ----------
    series
        Long Leefbaarometer series (see :func:`risk_features`) of many units.
    train_years
        The measurement years the model may see; rows of other years are removed first, so
        nothing outside them can leak in. A transition ``t -> t+1`` is used when both are
        in ``train_years`` and the unit has ``min_history`` measurements up to ``t``.
    indicators
        Optional KWB values (only used when ``features`` in the configuration names KWB
        features).
    config
        Settings; default the shipped file.

    Returns
    -------
    RiskModel

    Raises
    ------
    EarlyWarningError
        When there are fewer than ``min_train_rows`` usable transitions, or only one
        outcome.
    """
    cfg = _cfg(config)
    years = tuple(sorted({int(y) for y in train_years}))
    frame = _training_frame(series, train_years=years, indicators=indicators, cfg=cfg)
    return _fit(frame, train_years=years, cfg=cfg)


def _fit(frame: pd.DataFrame, *, train_years: tuple[int, ...],
         cfg: EarlyWarningConfig) -> RiskModel:
    from sklearn.linear_model import LogisticRegression

    span = f"{train_years[0]}–{train_years[-1]}" if train_years else "geen jaren"
    if frame.empty:
        raise EarlyWarningError(
            f"Geen Leefbaarometer-overgangen om het model te schatten (jaren {span}): er zijn "
            f"minstens {cfg.min_history} metingen vóór een volgende meting nodig.")
    coverage = {f: float(frame[f].notna().mean()) if f in frame.columns else 0.0
                for f in cfg.features}
    kept = [f for f in cfg.features if coverage[f] >= cfg.min_coverage and coverage[f] > 0]
    dropped = {
        f: (f"bekend voor {nl_number(coverage[f] * 100, decimals=0)}% van de "
            f"trainingsovergangen (minimaal {nl_number(cfg.min_coverage * 100, decimals=0)}%)")
        for f in cfg.features if f not in kept
    }
    if not kept:
        raise EarlyWarningError(
            f"Geen enkel kenmerk is vaak genoeg bekend om het model te schatten (jaren {span}).")
    rows = frame.dropna(subset=kept)
    y = rows["decline"].to_numpy(dtype=bool)
    if len(rows) < cfg.min_train_rows or y.all() or not y.any():
        raise EarlyWarningError(
            f"Te weinig gegevens om het model te schatten (jaren {span}): {len(rows)} "
            f"overgangen, waarvan {int(y.sum())} met terugval; nodig zijn minstens "
            f"{cfg.min_train_rows} overgangen met beide uitkomsten.")
    x = rows[kept].to_numpy(dtype="float64")
    means = x.mean(axis=0)
    sd = x.std(axis=0)
    scales = np.where(sd > 0, sd, 1.0)
    z = (x - means) / scales
    lr = LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=1000)
    lr.fit(z, y)
    base_rate = float(y.mean())
    intercept = float(lr.intercept_[0]) + math.log(base_rate / (1.0 - base_rate))
    counts = rows.groupby(["as_of", "next_year"]).size()
    return RiskModel(
        features=tuple(kept),
        coefficients=tuple(float(c) for c in lr.coef_[0]),
        intercept=intercept,
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        base_rate=base_rate,
        delta=cfg.delta,
        train_years=train_years,
        transition_counts={(int(a), int(b)): int(n) for (a, b), n in counts.items()},
        n_train=len(rows),
        n_units=int(rows["unit_id"].nunique()),
        coverage=coverage,
        dropped=dropped,
        risk_classes=dict(cfg.risk_classes),
    )


# ------------------------------------------------------------------------------------- metrics


def _weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Area under the ROC curve (ties count half) for each row of ``weights`` (B x n)."""
    w = np.atleast_2d(np.asarray(weights, dtype="float64"))
    score = np.asarray(score, dtype="float64")
    score = np.where(np.isnan(score), -np.inf, score)
    order = np.argsort(score, kind="stable")
    s_sorted = score[order]
    y_sorted = np.asarray(y, dtype=bool)[order]
    w_sorted = w[:, order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    pos = np.add.reduceat(np.where(y_sorted, w_sorted, 0.0), starts, axis=1)
    neg = np.add.reduceat(np.where(y_sorted, 0.0, w_sorted), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    n_pos = pos.sum(axis=1)
    n_neg = neg.sum(axis=1)
    num = (pos * (below + 0.5 * neg)).sum(axis=1)
    den = n_pos * n_neg
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _metrics_matrix(y: np.ndarray, flag: np.ndarray, score: np.ndarray, prob: np.ndarray,
                    weights: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted metrics for every row of ``weights`` (B x n)."""
    w = np.atleast_2d(np.asarray(weights, dtype="float64"))
    y = np.asarray(y, dtype=bool)
    flag = np.asarray(flag, dtype=bool)
    prob = np.asarray(prob, dtype="float64")
    n = w.sum(axis=1)
    tp = (w * (flag & y)).sum(axis=1)
    fp = (w * (flag & ~y)).sum(axis=1)
    fn = (w * (~flag & y)).sum(axis=1)
    pos = tp + fn
    flagged = tp + fp

    def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)

    return {
        "n": n,
        "n_decline": pos,
        "base_rate": ratio(pos, n),
        "flagged": ratio(flagged, n),
        "recall": ratio(tp, pos),
        "precision": ratio(tp, flagged),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "auc": _weighted_auc(y, np.asarray(score, dtype="float64"), w),
        "brier": ratio((w * (prob - y) ** 2).sum(axis=1), n),
    }


def classification_metrics(
    y: Sequence[bool] | np.ndarray,
    *,
    flag: Sequence[bool] | np.ndarray,
    score: Sequence[float] | np.ndarray,
    prob: Sequence[float] | np.ndarray,
) -> dict[str, float]:
    """Metrics of one set of predictions.

    Parameters
    ----------
    y
        Observed declines.
    flag
        Predicted declines (the signal).
    score
        Ranking score (higher = more likely a decline), for the AUC.
    prob
        Predicted probability, for the Brier score.

    Returns
    -------
    dict
        ``n``, ``n_decline``, ``base_rate`` (observed share of declines), ``flagged`` (share
        flagged), ``recall`` (hit rate: share of declines flagged), ``precision`` (share of
        flags that declined; ``NaN`` without flags), ``f1`` (``2TP / (2TP + FP + FN)``),
        ``auc`` (ties count half; ``NaN`` with one outcome only), ``brier`` (mean squared
        error of ``prob``).
    """
    y_arr = np.asarray(y, dtype=bool)
    arrays = [np.asarray(a) for a in (flag, score, prob)]
    if any(len(a) != len(y_arr) for a in arrays):
        raise ValueError("y, flag, score and prob must have the same length")
    m = _metrics_matrix(y_arr, arrays[0], arrays[1], arrays[2], np.ones(len(y_arr)))
    out = {k: float(v[0]) for k, v in m.items()}
    out["n"] = int(len(y_arr))
    out["n_decline"] = int(y_arr.sum())
    return out


# ------------------------------------------------------------------------------------ backtest
