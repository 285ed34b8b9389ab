"""Early warning: the risk that a neighbourhood's Leefbaarometer falls back, and its backtest.

What is predicted
-----------------
A *transition* is a pair of consecutive Leefbaarometer measurements of one unit, ``t`` and the
next one ``t+1`` (2002, 2008, 2012, 2014, …, 2024: unequal intervals). It is a *decline*
("terugval") when the deviation from the national average, ``lbm_afw``, falls by more than
``delta`` (:file:`data/earlywarning.yaml`, 0.02): ``lbm_afw(t+1) - lbm_afw(t) < -delta``.

Features (:func:`risk_features`) are leading indicators known at the origin year ``as_of``:
only measurements up to and including ``as_of`` are read (no look-ahead):

* ``lbm_afw``: the level at the last measurement;
* ``change_per_year``: the change since the previous measurement, per year (``change_last``
  is the raw change);
* ``slope3``: the least-squares slope over the last three measurements, per year;
* ``dim_min``: the weakest of the five dimensions (``lbm_fys`` … ``lbm_won``) at the last
  measurement that has all five (from 2014; 2016 has none), with ``dim_weakest``/``dim_year``;
* from the KWB where the optional ``indicators`` frame has them (values of ``as_of`` or up to
  ``kwb.max_age`` years earlier): ``p_hh_li`` (households with a low income), ``p_bijstand``
  (bijstand recipients per 100 inhabitants, ``a_soz_wb / a_inw``), ``p_wcorpw`` (corporation
  dwellings) and ``inw_change`` (population growth, % per year). ``features_available`` says
  per unit which features exist; ``variant`` is ``"lbm"`` or ``"lbm+kwb"``.

The model (:func:`fit_model`)
-----------------------------
A logistic regression (scikit-learn, L2 with ``C``, ``class_weight="balanced"``) on the
standardised Leefbaarometer features of all training transitions. KWB features can be
configured, but the shipped configuration leaves them out: they exist for too few units and
years to estimate anything (they are reported per unit as context). A feature known for fewer
than ``min_coverage`` of the training transitions is dropped (recorded in
:attr:`RiskModel.dropped`); training rows lacking a kept feature are dropped.

Balanced class weights shift the log-odds by ``log(n_neg / n_pos)``; the stored intercept
undoes that (prior correction), so :attr:`RiskModel.predict` returns a probability on the
scale of the training base rate ``π``. The model's *signal* is ``risk >= π`` (exactly the
balanced model's ``p >= 0.5``). Risk classes are multiples of ``π`` (``risk_classes``):
``hoog`` (≥ 2 π), ``verhoogd`` (≥ π), ``laag``. Components are the log-odds contributions
``coef_j * (x_j - mean_j) / sd_j`` relative to the average training transition; a feature a
unit lacks is set to the training mean (contribution 0) and listed in ``missing_features``.

The backtest (:func:`backtest`)
-------------------------------
Rolling origin: for every origin ``T`` in ``folds`` a model is fitted on the transitions that
end at or before ``T`` (the series is cut at ``T`` first), and predicts the transition from
``T`` to the next measurement of every unit measured at ``T``; the features come from the
series cut at ``T``. Three naive baselines are scored on the same transitions:

* ``laatste_verandering``: decline if the last change was a decline (``change_last < -delta``);
  ranking score ``-change_per_year``; probability = the training decline rate after a
  decline / after no decline;
* ``basispercentage``: always the training base rate (no unit is flagged; the reference for
  the Brier score; AUC 0.5);
* ``laagste_kwart``: decline for the units in the lowest quarter (``low_quantile``) of
  ``lbm_afw`` at ``T``; ranking score ``-lbm_afw``; probability = training rate in / outside
  the lowest quarter.

Per fold and pooled: number of transitions, base rate, share flagged, recall, precision, F1,
AUC, Brier; a calibration table of the model; and a unit-level bootstrap of the differences
between model and baselines. :func:`backtest_markdown` renders it (``docs/backtest.md`` is made
with ``wijkanalyse monitor --backtest-md docs/backtest.md``).

Database access is limited to :func:`lbm_history`, :func:`unit_series`,
:func:`kwb_indicators` and :func:`risk_scores`; everything else is pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import nl_number

__all__ = [
    "DIMENSIONS",
    "KWB_FEATURES",
    "LBM_FEATURES",
    "METHODS",
    "RISK_CLASSES",
    "BacktestResult",
    "EarlyWarningConfig",
    "EarlyWarningError",
    "RiskModel",
    "backtest",
    "backtest_markdown",
    "backtest_summary",
    "classification_metrics",
    "database_backtest",
    "fit_model",
    "kwb_indicators",
    "lbm_history",
    "load_config",
    "risk_features",
    "risk_scores",
    "transitions",
    "unit_series",
]

#: The five Leefbaarometer dimensions (deviations from the national average; sum = lbm_afw).
DIMENSIONS = ("lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won")
#: Features computed from the Leefbaarometer series alone.
LBM_FEATURES = ("lbm_afw", "change_per_year", "slope3", "dim_min")
#: Features computed from KWB indicators, where the ``indicators`` frame has them.
KWB_FEATURES = ("p_hh_li", "p_bijstand", "p_wcorpw", "inw_change")
#: KWB indicators read for :data:`KWB_FEATURES`.
KWB_INDICATORS = ("p_hh_li", "p_wcorpw", "a_soz_wb", "a_inw")
#: Risk classes, highest first.
RISK_CLASSES = ("hoog", "verhoogd", "laag")
#: The model and the naive baselines of the backtest, in report order.
METHODS = ("model", "laatste_verandering", "basispercentage", "laagste_kwart")
METHOD_LABELS = {
    "model": "model (logistische regressie)",
    "laatste_verandering": "baseline: laatste verandering zet door",
    "basispercentage": "baseline: altijd het basispercentage",
    "laagste_kwart": "baseline: laagste kwart blijft achter",
}
METRICS = ("n", "n_decline", "base_rate", "flagged", "recall", "precision", "f1", "auc", "brier")
#: Metrics compared between the model and each baseline (``auc_within``: the mean over
#: origins of the AUC within one origin, which ignores differences between periods).
COMPARED = ("auc_within", "auc", "f1", "brier")

_CONFIG_FILE = ("data", "earlywarning.yaml")
_UNIT_COLUMNS = ("unit_id", "name", "gemeente_code", "gemeente_name", "level", "codes",
                 "wijk_codes")


class EarlyWarningError(WijkanalyseError):
    """The early warning cannot be computed (too little data, bad configuration); Dutch."""


# ------------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class EarlyWarningConfig:
    """Settings of the early warning (:file:`data/earlywarning.yaml`, documented there)."""

    delta: float = 0.02
    min_history: int = 2
    features: tuple[str, ...] = LBM_FEATURES
    min_coverage: float = 0.5
    min_train_rows: int = 30
    C: float = 1.0
    risk_classes: Mapping[str, float] = field(
        default_factory=lambda: {"hoog": 2.0, "verhoogd": 1.0})
    kwb_features: tuple[str, ...] = KWB_FEATURES
    kwb_max_age: int = 5
    kwb_change_window: int = 5
    folds: tuple[int, ...] = (2014, 2016, 2018, 2020, 2022)
    low_quantile: float = 0.25
    calibration_bins: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 1.0)
    bootstrap_n: int = 1000
    bootstrap_seed: int = 2016
    labels: Mapping[str, str] = field(default_factory=dict)
    dimension_labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, feature: str) -> str:
        """Dutch label of a feature (the id when none is configured)."""
        return str(self.labels.get(feature, feature))


def load_config(path: str | Path | None = None) -> EarlyWarningConfig:
    """Read and check the early-warning settings.

    Parameters
    ----------
    path
        A YAML file in the format of the shipped :file:`data/earlywarning.yaml`; ``None``
        reads the shipped file.

    Returns
    -------
    EarlyWarningConfig

    Raises
    ------
    EarlyWarningError
        Naming the file and the setting, when a value is missing or invalid.
    """
    if path is None:
        return _packaged_config()
    p = Path(path)
    if not p.is_file():
        raise EarlyWarningError(f"{p}: het instellingenbestand bestaat niet.")
    return _parse_config(p.read_text(encoding="utf-8"), origin=str(p))


@lru_cache(maxsize=1)
def _packaged_config() -> EarlyWarningConfig:
    text = resources.files("wijkanalyse").joinpath(*_CONFIG_FILE).read_text("utf-8")
    return _parse_config(text, origin="wijkanalyse/" + "/".join(_CONFIG_FILE))


def _parse_config(text: str, *, origin: str) -> EarlyWarningConfig:
    try:
        data = safeyaml.load(text, origin=origin)
    except yaml.YAMLError as exc:
        raise EarlyWarningError(f"{origin}: geen geldige YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise EarlyWarningError(f"{origin}: verwacht een mapping met instellingen.")

    def bad(key: str, why: str) -> EarlyWarningError:
        return EarlyWarningError(f"{origin}: instelling {key!r} {why}.")

    def number(key: str, *, low: float, high: float = math.inf, integer: bool = False) -> Any:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(key, "ontbreekt of is geen getal")
        if integer and int(value) != value:
            raise bad(key, "moet een geheel getal zijn")
        if not low <= value <= high:
            raise bad(key, f"moet tussen {low} en {high} liggen")
        return int(value) if integer else float(value)

    known = set(LBM_FEATURES) | set(KWB_FEATURES)
    features = tuple(str(f) for f in data.get("features") or ())
    if not features or any(f not in known for f in features) or len(set(features)) != len(
            features):
        raise bad("features", f"moet een lijst zonder herhalingen zijn uit {sorted(known)}")
    classes = data.get("risk_classes") or {}
    if set(classes) != {"hoog", "verhoogd"}:
        raise bad("risk_classes", "moet precies 'hoog' en 'verhoogd' hebben")
    hoog, verhoogd = classes["hoog"], classes["verhoogd"]
    if not all(isinstance(v, int | float) and v > 0 for v in (hoog, verhoogd)) or hoog < verhoogd:
        raise bad("risk_classes", "moet positieve veelvouden hebben met hoog >= verhoogd")
    kwb = data.get("kwb") or {}
    kwb_features = tuple(str(f) for f in kwb.get("features") or ())
    if any(f not in KWB_FEATURES for f in kwb_features):
        raise bad("kwb.features", f"mag alleen {list(KWB_FEATURES)} bevatten")
    folds = data.get("folds") or []
    if not folds or not all(isinstance(y, int) and not isinstance(y, bool) for y in folds):
        raise bad("folds", "moet een lijst van jaren zijn")
    bins = data.get("calibration_bins") or []
    if (len(bins) < 2 or bins[0] != 0 or bins[-1] != 1
            or any(b >= c for b, c in zip(bins, bins[1:], strict=False))):
        raise bad("calibration_bins", "moet oplopen van 0 tot 1")
    boot = data.get("bootstrap") or {}
    n_boot, seed = boot.get("n"), boot.get("seed")
    if not (isinstance(n_boot, int) and n_boot >= 0 and isinstance(seed, int)):
        raise bad("bootstrap", "moet 'n' (>= 0) en 'seed' (geheel getal) hebben")
    max_age, window = kwb.get("max_age", 5), kwb.get("change_window", 5)
    if not (isinstance(max_age, int) and max_age >= 0 and isinstance(window, int)
            and window >= 1):
        raise bad("kwb", "max_age (>= 0) en change_window (>= 1) moeten gehele getallen zijn")
    return EarlyWarningConfig(
        delta=number("delta", low=0.0, high=10.0),
        min_history=number("min_history", low=2, high=50, integer=True),
        features=features,
        min_coverage=number("min_coverage", low=0.0, high=1.0),
        min_train_rows=number("min_train_rows", low=2, high=1e9, integer=True),
        C=number("C", low=1e-9, high=1e9),
        risk_classes={"hoog": float(hoog), "verhoogd": float(verhoogd)},
        kwb_features=kwb_features,
        kwb_max_age=max_age,
        kwb_change_window=window,
        folds=tuple(sorted(set(folds))),
        low_quantile=number("low_quantile", low=0.01, high=0.99),
        calibration_bins=tuple(float(b) for b in bins),
        bootstrap_n=n_boot,
        bootstrap_seed=seed,
        labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
        dimension_labels={str(k): str(v)
                          for k, v in (data.get("dimension_labels") or {}).items()},
    )


# --------------------------------------------------------------------------------- validation


def _check_series(series: pd.DataFrame) -> pd.DataFrame:
    """The series with typed columns: ``unit_id``, ``year``, ``lbm_afw`` (+ optional)."""
    lacking = [c for c in ("unit_id", "year", "lbm_afw") if c not in series.columns]
    if lacking:
        raise ValueError(f"series lacks columns {lacking}")
    cols = ["unit_id", "year", "lbm_afw", *[c for c in ("lbm", *DIMENSIONS)
                                          if c in series.columns]]
    out = series[cols].copy()
    out["unit_id"] = out["unit_id"].astype(object)
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    for c in cols[2:]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    if out.duplicated(["unit_id", "year"]).any():
        dup = out.loc[out.duplicated(["unit_id", "year"]), ["unit_id", "year"]].iloc[0]
        raise ValueError(f"series has more than one row for unit {dup['unit_id']!r}, "
                         f"year {dup['year']}")
    return out.sort_values(["unit_id", "year"], kind="stable").reset_index(drop=True)


def _check_indicators(indicators: pd.DataFrame | None) -> pd.DataFrame | None:
    if indicators is None:
        return None
    lacking = [c for c in ("unit_id", "year", "indicator_id", "value")
               if c not in indicators.columns]
    if lacking:
        raise ValueError(f"indicators frame lacks columns {lacking}")
    out = pd.DataFrame({
        "unit_id": indicators["unit_id"].astype(object),
        "year": pd.to_numeric(indicators["year"]).astype("int64"),
        "indicator_id": indicators["indicator_id"].astype(object),
        "value": pd.to_numeric(indicators["value"], errors="coerce").astype("float64"),
    })
    return out[out["value"].notna()]


def _cfg(config: EarlyWarningConfig | None) -> EarlyWarningConfig:
    return load_config() if config is None else config


# ----------------------------------------------------------------------------------- features


def transitions(series: pd.DataFrame, *, config: EarlyWarningConfig | None = None
                ) -> pd.DataFrame:
    """Consecutive pairs of measurements per unit and whether they are a decline.

    Parameters
    ----------
    series
        Long Leefbaarometer series: ``unit_id``, ``year``, ``lbm_afw`` (other columns ignored).
    config
        Settings (``delta``); default the shipped file.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, year, next_year, lbm_afw, next_afw, change_next, decline`` (bool:
        ``change_next < -delta``), one row per transition, sorted by unit and year.
    """
    cfg = _cfg(config)
    s = _check_series(series)
    s = s[s["lbm_afw"].notna()]
    g = s.groupby("unit_id", sort=False)
    out = pd.DataFrame({
        "unit_id": s["unit_id"],
        "year": s["year"],
        "next_year": g["year"].shift(-1),
        "lbm_afw": s["lbm_afw"],
        "next_afw": g["lbm_afw"].shift(-1),
    })
    out = out[out["next_year"].notna()].copy()
    out["next_year"] = out["next_year"].astype("int64")
    out["change_next"] = out["next_afw"] - out["lbm_afw"]
    out["decline"] = (out["change_next"] < -cfg.delta).astype(bool)
    return out.reset_index(drop=True)


def risk_features(
    series: pd.DataFrame,
    *,
    indicators: pd.DataFrame | None = None,
    as_of: int,
    config: EarlyWarningConfig | None = None,
) -> pd.DataFrame:
    """Leading indicators per unit, from data known at ``as_of`` only.

    Parameters
    ----------
    series
        Long Leefbaarometer series (:func:`wijkanalyse.monitor.trends.lbm_series`): ``unit_id``,
        ``year``, ``lbm_afw``; optional ``lbm`` and the dimensions :data:`DIMENSIONS`.
        Rows after ``as_of`` are ignored.
    indicators
        Optional KWB values: ``unit_id, year, indicator_id, value`` with the ids in
        :data:`KWB_INDICATORS`; only years ``as_of - kwb.max_age`` … ``as_of`` are used.
    as_of
        The origin year.
    config
        Settings; default the shipped file.

    Returns
    -------
    pandas.DataFrame
        One row per unit of ``series`` (in order of first appearance), with ``as_of``,
        ``n_measurements`` (up to ``as_of``), ``last_year``, ``lbm_afw``, ``lbm``,
        ``prev_year``, ``prev_afw``, ``change_last``, ``change_per_year``, ``slope3``,
        ``slope_from``, ``dim_min``, ``dim_weakest``, ``dim_year``, the KWB features with
        their ``*_year`` columns (``inw_change_from`` too), ``features_available`` (list of
        feature ids with a value) and ``variant`` (``"lbm"``, ``"lbm+kwb"`` or ``None``
        without any Leefbaarometer up to ``as_of``). Missing values are ``NaN``.
    """
    cfg = _cfg(config)
    s = _check_series(series)
    ind = _check_indicators(indicators)
    units = pd.Index(pd.unique(s["unit_id"]), name="unit_id", dtype=object)
    out = _lbm_features(s, as_of=int(as_of), units=units)
    kwb = _kwb_features(ind, as_of=int(as_of), units=units, cfg=cfg)
    out = out.join(kwb)
    names = [*LBM_FEATURES, *KWB_FEATURES]
    present = out[names].notna().to_numpy()
    out["features_available"] = pd.Series(
        [[n for n, p in zip(names, row, strict=True) if p] for row in present],
        index=out.index, dtype=object)
    has_kwb = out[list(KWB_FEATURES)].notna().any(axis=1)
    out["variant"] = pd.Series(np.where(out["n_measurements"] == 0, np.array(None, dtype=object),
                                        np.where(has_kwb, "lbm+kwb", "lbm")),
                               index=out.index, dtype=object)
    out.insert(0, "as_of", int(as_of))
    return out.reset_index()


def _lbm_features(s: pd.DataFrame, *, as_of: int, units: pd.Index) -> pd.DataFrame:
    known = s[s["year"] <= as_of]
    m = known[known["lbm_afw"].notna()]
    g = m.groupby("unit_id", sort=False)
    back = g.cumcount(ascending=False)
    last = m[back == 0].set_index("unit_id")
    prev = m[back == 1].set_index("unit_id")
    out = pd.DataFrame(index=units)
    out["n_measurements"] = g.size().reindex(units).fillna(0).astype("int64")
    out["last_year"] = last["year"].reindex(units).astype("Int64")
    out["lbm_afw"] = last["lbm_afw"].reindex(units)
    out["lbm"] = (last["lbm"].reindex(units) if "lbm" in last.columns
                  else pd.Series(np.nan, index=units))
    out["prev_year"] = prev["year"].reindex(units).astype("Int64")
    out["prev_afw"] = prev["lbm_afw"].reindex(units)
    out["change_last"] = out["lbm_afw"] - out["prev_afw"]
    span = (out["last_year"] - out["prev_year"]).astype("float64").to_numpy()
    change = out["change_last"].to_numpy(dtype="float64")
    ok = np.isfinite(span) & (span > 0)
    out["change_per_year"] = np.where(ok, change / np.where(ok, span, 1.0), np.nan)

    t3 = m[back <= 2]
    t3 = t3[t3.groupby("unit_id", sort=False)["year"].transform("size") == 3]
    g3 = t3.groupby("unit_id", sort=False)
    dx = t3["year"] - g3["year"].transform("mean")
    dy = t3["lbm_afw"] - g3["lbm_afw"].transform("mean")
    num = (dx * dy).groupby(t3["unit_id"], sort=False).sum()
    den = (dx * dx).groupby(t3["unit_id"], sort=False).sum()
    out["slope3"] = (num / den).reindex(units)
    out["slope_from"] = g3["year"].min().reindex(units).astype("Int64")

    dims = [d for d in DIMENSIONS if d in known.columns]
    out["dim_min"] = np.nan
    out["dim_weakest"] = pd.Series(None, index=units, dtype=object)
    out["dim_year"] = pd.Series(pd.NA, index=units, dtype="Int64")
    if len(dims) == len(DIMENSIONS):
        d = known[known[dims].notna().all(axis=1)]
        d = d.groupby("unit_id", sort=False).tail(1).set_index("unit_id")
        if len(d):
            vals = d[dims]
            out["dim_min"] = vals.min(axis=1).reindex(units)
            out["dim_weakest"] = vals.idxmin(axis=1).astype(object).reindex(units)
            out["dim_year"] = d["year"].reindex(units).astype("Int64")
    return out


def _kwb_features(ind: pd.DataFrame | None, *, as_of: int, units: pd.Index,
                  cfg: EarlyWarningConfig) -> pd.DataFrame:
    cols = ["p_hh_li", "p_hh_li_year", "p_bijstand", "p_bijstand_year", "p_wcorpw",
            "p_wcorpw_year", "inw_change", "inw_change_from", "inw_change_year"]
    out = pd.DataFrame(index=units, columns=cols, dtype="float64")
    for c in cols:
        if c.endswith(("_year", "_from")):
            out[c] = out[c].astype("Int64")
    if ind is None or ind.empty:
        return out
    ind = ind[(ind["year"] <= as_of) & (ind["year"] >= as_of - cfg.kwb_max_age)
              & ind["unit_id"].isin(units)]
    ind = ind.sort_values(["unit_id", "indicator_id", "year"], kind="stable")

    def latest(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("unit_id", sort=False).tail(1).set_index("unit_id")

    for iid in ("p_hh_li", "p_wcorpw"):
        last = latest(ind[ind["indicator_id"] == iid])
        out[iid] = last["value"].reindex(units)
        out[f"{iid}_year"] = last["year"].reindex(units).astype("Int64")

    wide = ind[ind["indicator_id"].isin(["a_soz_wb", "a_inw"])].pivot_table(
        index=["unit_id", "year"], columns="indicator_id", values="value", aggfunc="first")
    if {"a_soz_wb", "a_inw"} <= set(wide.columns):
        both = wide[wide["a_soz_wb"].notna() & (wide["a_inw"] > 0)].reset_index()
        both = both.sort_values(["unit_id", "year"], kind="stable")
        both["share"] = both["a_soz_wb"] / both["a_inw"] * 100.0
        last = latest(both)
        out["p_bijstand"] = last["share"].reindex(units)
        out["p_bijstand_year"] = last["year"].reindex(units).astype("Int64")

    inw = ind[(ind["indicator_id"] == "a_inw") & (ind["value"] > 0)]
    if len(inw):
        last_year = inw.groupby("unit_id", sort=False)["year"].transform("max")
        window = inw[(inw["year"] >= last_year - cfg.kwb_change_window)]
        first = window.groupby("unit_id", sort=False).head(1).set_index("unit_id")
        last = latest(window)
        span = (last["year"] - first["year"]).astype("float64")
        valid = span > 0
        growth = (last["value"] / first["value"] - 1.0) * 100.0 / span.where(valid)
        out["inw_change"] = growth.where(valid).reindex(units)
        out["inw_change_from"] = first["year"].where(valid).reindex(units).astype("Int64")
        out["inw_change_year"] = last["year"].where(valid).reindex(units).astype("Int64")
    return out


# --------------------------------------------------------------------------------------- model


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
    fold_rows = []
    for t, p in predictions.groupby("origin", sort=True):
        for method in METHODS:
            m = classification_metrics(p["decline"], flag=p[f"{method}_flag"],
                                       score=p[f"{method}_score"], prob=p[f"{method}_prob"])
            fold_rows.append({"origin": int(t), "target": _targets(p),
                              "n_train": models[int(t)].n_train, "method": method, **m})
    pooled_rows = []
    for method in METHODS:
        m = classification_metrics(predictions["decline"],
                                   flag=predictions[f"{method}_flag"],
                                   score=predictions[f"{method}_score"],
                                   prob=predictions[f"{method}_prob"])
        m["auc_within"] = float(np.nanmean(_within_auc(predictions, method,
                                                       np.ones((1, len(predictions))))))
        pooled_rows.append({"method": method, **m})
    return BacktestResult(
        folds=pd.DataFrame(fold_rows),
        pooled=pd.DataFrame(pooled_rows),
        comparison=_bootstrap_comparison(predictions, cfg),
        calibration=_calibration(predictions, cfg),
        predictions=predictions,
        models=models,
        config=cfg,
        n_units=int(s.loc[s["lbm_afw"].notna(), "unit_id"].nunique()),
        years=years,
        skipped=tuple(skipped),
    )


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
    return out


_BOOTSTRAP_CELLS = 4_000_000


def _bootstrap_comparison(pred: pd.DataFrame, cfg: EarlyWarningConfig) -> pd.DataFrame:
    """Model minus each baseline, with a bootstrap over units (all their transitions)."""
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

    point = {m: metrics(m, ones) for m in METHODS}
    parts: dict[str, dict[str, list[np.ndarray]]] = {m: {k: [] for k in COMPARED}
                                                     for m in METHODS}
    n_boot = cfg.bootstrap_n if n_units > 0 else 0
    # resamples in chunks so that a chunk's weight matrix stays near 4 million cells
    chunk = max(1, min(max(n_boot, 1), _BOOTSTRAP_CELLS // max(1, len(y))))
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(m, n_units))
        counts = np.stack([np.bincount(d, minlength=n_units) for d in draws])
        weights = counts[:, codes].astype("float64")
        for method in METHODS:
            got = metrics(method, weights)
            for k in COMPARED:
                parts[method][k].append(got[k])
    boot = ({method: {k: np.concatenate(v) for k, v in d.items()}
             for method, d in parts.items()} if n_boot else {})
    rows = []
    for baseline in METHODS[1:]:
        for metric in COMPARED:
            diff = float(point["model"][metric][0] - point[baseline][metric][0])
            if boot:
                d = boot["model"][metric] - boot[baseline][metric]
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
    return pd.DataFrame(rows)


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


def _calibration(pred: pd.DataFrame, cfg: EarlyWarningConfig) -> pd.DataFrame:
    bins = list(cfg.calibration_bins)
    labels = [f"{nl_number(a, decimals=2)}–{nl_number(b, decimals=2)}"
              for a, b in zip(bins, bins[1:], strict=False)]
    band = pd.cut(pred["model_prob"], bins=bins, labels=labels, include_lowest=True,
                  right=False)
    # the last band includes 1.0
    band = band.where(pred["model_prob"] < 1.0, labels[-1])
    frame = pd.DataFrame({"band": band, "risk": pred["model_prob"],
                          "decline": pred["decline"].astype(float)})
    out = frame.groupby("band", observed=False).agg(
        n=("risk", "size"), mean_risk=("risk", "mean"), observed=("decline", "mean"))
    return out.reset_index().assign(band=lambda d: d["band"].astype(object))


# ------------------------------------------------------------------------------------ markdown


def _pct(value: float, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.v.t."
    return f"{nl_number(value * 100, decimals=decimals)}%"


def _num(value: float, decimals: int = 2, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.v.t."
    return nl_number(round(float(value), decimals) + 0.0, decimals=decimals, sign=sign)


def _metric_table(rows: pd.DataFrame, lead: list[str]) -> list[str]:
    within = "auc_within" in rows.columns
    head = [*lead, "n", "terugval", "gesignaleerd", "trefkans (recall)", "precisie", "F1",
            *(["AUC binnen peiljaar", "AUC alles samen"] if within else ["AUC"]), "Brier"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows.to_dict("records"):
        cells = [str(r[c]) if c != "method" else METHOD_LABELS[r[c]] for c in _lead_keys(lead)]
        cells += [nl_number(r["n"]), _pct(r["base_rate"], 1), _pct(r["flagged"]),
                  _pct(r["recall"]), _pct(r["precision"]), _num(r["f1"]),
                  *([_num(r["auc_within"])] if within else []), _num(r["auc"]),
                  _num(r["brier"], 3)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


_METRIC_NAMES = {"auc_within": "AUC binnen peiljaar", "auc": "AUC alles samen", "f1": "F1",
                 "brier": "Brier"}
_LEAD_KEYS = {"peiljaar": "origin", "voorspeld": "target", "methode": "method"}


def _lead_keys(lead: list[str]) -> list[str]:
    return [_LEAD_KEYS[c] for c in lead]


def backtest_markdown(
    result: BacktestResult,
    *,
    data_note: str | None = None,
    generated: date | None = None,
    command: str = "wijkanalyse monitor --backtest-md docs/backtest.md",
) -> str:
    """The backtest as a Markdown document (Dutch), with tables and an honest reading.

    Parameters
    ----------
    result
        From :func:`backtest`.
    data_note
        What data were used (source, file, units, gemeenten, years); default a sentence
        with the number of units and years of ``result``.
    generated
        Date of the run, printed in the document (default today).
    command
        The command that made the document.

    Returns
    -------
    str
    """
    cfg = result.config
    when = (generated or date.today()).isoformat()
    years = ", ".join(map(str, result.years))
    data = data_note or f"{result.n_units} eenheden met Leefbaarometer-metingen in {years}."
    pooled = result.pooled.set_index("method")
    model = pooled.loc["model"]
    origins = sorted(result.models)
    last_model = result.models[origins[-1]]
    lines = [
        "# Backtest van de vroegsignalering",
        "",
        f"Gemaakt op {when} met `{command}`. Alle cijfers in dit document komen uit die run; "
        "niets is met de hand bijgewerkt.",
        "",
        f"**Gegevens**: {data}",
        "",
        "## Wat wordt voorspeld",
        "",
        "Een *overgang* is een paar opeenvolgende Leefbaarometer-metingen van een wijk. Er is "
        f"**terugval** als de afwijking van het landelijk gemiddelde (`lbm_afw`) bij de "
        f"volgende meting meer dan {_num(cfg.delta)} lager is. De vroegsignalering geeft per "
        "wijk de kans op terugval bij de volgende meting, uitsluitend uit wat op het peiljaar "
        "bekend is.",
        "",
        "Het model is een logistische regressie op gestandaardiseerde kenmerken (scikit-learn, "
        f"`class_weight=\"balanced\"`, C = {_num(cfg.C, 1)}), met een prior-correctie zodat de "
        "uitkomst een kans is op de schaal van het basispercentage. Kenmerken: "
        + ", ".join(f"{cfg.label(f)} (`{f}`)" for f in cfg.features)
        + ". Een wijk wordt gesignaleerd als haar kans hoger is dan het basispercentage van de "
        "training; *hoog* is vanaf "
        f"{_num(cfg.risk_classes['hoog'], 1)} × het basispercentage. KWB-kenmerken (inkomen, "
        "bijstand, corporatiebezit, bevolkingsgroei) zitten niet in het model: ze bestaan in "
        "de database maar voor een handvol wijken en jaren (Heerlen 2016–2020, Den Haag 2019, "
        "Amsterdam 2015), te weinig om iets mee te schatten of te toetsen. Instellingen: "
        "`src/wijkanalyse/data/earlywarning.yaml`. Kenmerken, drempel en instellingen zijn "
        "vooraf vastgelegd en niet op de uitkomsten van deze backtest bijgesteld.",
        "",
        "## Werkwijze: rolling origin, zonder blik vooruit",
        "",
        "Voor elk peiljaar T wordt de reeks eerst afgekapt bij T. Het model wordt geschat op de "
        "overgangen die op of vóór T eindigen, en voorspelt voor elke wijk met een meting in T "
        "de overgang naar haar volgende meting, die het model niet heeft gezien. De kenmerken "
        "komen ook uit de afgekapte reeks (een test controleert dat het veranderen van latere "
        f"metingen geen voorspelling verandert). Minimaal {cfg.min_history} metingen tot en met "
        "T. Dezelfde overgangen worden voorspeld met drie naïeve baselines:",
        "",
        f"- **laatste verandering zet door**: terugval als de vorige verandering zelf een "
        f"daling van meer dan {_num(cfg.delta)} was (kans: het aandeel terugval na wel/geen "
        "daling in de trainingsjaren; rangorde voor de AUC: de vorige verandering per jaar);",
        "- **altijd het basispercentage**: iedere wijk krijgt het basispercentage van de "
        "training als kans; niemand wordt gesignaleerd (trefkans 0, AUC 0,5): de maatstaf "
        "voor de Brier-score;",
        f"- **laagste kwart blijft achter**: terugval voor de {_pct(cfg.low_quantile)} wijken "
        "met de laagste Leefbaarometer op het peiljaar (rangorde: hoe lager, hoe hoger).",
        "",
        "Maten: *trefkans* (recall) = deel van de terugvallers dat gesignaleerd was; "
        "*precisie* = deel van de gesignaleerde wijken dat terugviel; F1 = hun harmonisch "
        "gemiddelde; AUC = kans dat een willekeurige terugvaller een hogere score heeft dan een "
        "willekeurige niet-terugvaller (0,5 = gokken); *AUC binnen peiljaar* is het gemiddelde "
        "van de AUC per peiljaar (vergelijkt alleen wijken in dezelfde periode; dat is wat een "
        "lijst van één jaar doet), *AUC alles samen* legt alle peiljaren op één hoop (en "
        "straft dus ook het missen van verschillen tussen perioden); Brier = gemiddelde "
        "gekwadrateerde fout van de kans (lager is beter).",
        "",
        "## Resultaten per peiljaar",
        "",
        *_metric_table(result.folds, ["peiljaar", "voorspeld", "methode"]),
        "",
        "## Alle peiljaren samen",
        "",
        *_metric_table(result.pooled, ["methode"]),
        "",
        "## Verschil tussen model en baselines",
        "",
        "Model min baseline over alle voorspellingen, met een 95%-interval uit een bootstrap "
        f"over wijken ({nl_number(cfg.bootstrap_n)} trekkingen; een wijk gaat met al haar "
        "overgangen mee, want overgangen van dezelfde wijk zijn niet onafhankelijk). Wijken "
        "van één gemeente bewegen ook samen; de intervallen zijn daarom eerder te smal dan te "
        "breed. Bij AUC en F1 is een positief verschil beter voor het model, bij Brier een "
        "negatief.",
        "",
        "| baseline | maat | verschil | 95%-interval | model beter in |",
        "|---|---|---|---|---|",
    ]
    for r in result.comparison.to_dict("records"):
        dec = 3 if r["metric"] == "brier" else 2
        lines.append(
            f"| {METHOD_LABELS[r['baseline']].removeprefix('baseline: ')} | "
            f"{_METRIC_NAMES[r['metric']]} | "
            f"{_num(r['difference'], dec, sign=True)} | "
            f"{_num(r['low'], dec, sign=True)} tot {_num(r['high'], dec, sign=True)} | "
            f"{_pct(r['share_better'])} van de trekkingen |")
    lines += [
        "",
        "## Kalibratie van het model",
        "",
        "Voorspelde kans tegen het werkelijke aandeel terugval (alle peiljaren samen).",
        "",
        "| voorspelde kans | n | gemiddelde voorspelling | werkelijk terugval |",
        "|---|---|---|---|",
    ]
    for r in result.calibration.to_dict("records"):
        lines.append(f"| {r['band']} | {nl_number(r['n'])} | {_pct(r['mean_risk'], 1)} | "
                     f"{_pct(r['observed'], 1)} |")
    lines += [
        "",
        f"## Het model van het laatste peiljaar ({origins[-1]})",
        "",
        f"Geschat op {nl_number(last_model.n_train)} overgangen van "
        f"{nl_number(last_model.n_units)} wijken ("
        + ", ".join(f"{a}→{b}: {n}" for (a, b), n in sorted(
            last_model.transition_counts.items()))
        + f"); basispercentage {_pct(last_model.base_rate, 1)}. Coëfficiënt = verandering van "
        "de log-odds per standaardafwijking van het kenmerk.",
        "",
        "| kenmerk | coëfficiënt | odds-ratio per sd | gemiddelde | sd |",
        "|---|---|---|---|---|",
    ]
    for r in last_model.coefficient_table(config=cfg).to_dict("records"):
        lines.append(f"| {r['label']} (`{r['feature']}`) | {_num(r['coefficient'], 2, True)} "
                     f"| {_num(r['odds_ratio'], 2)} | {_num(r['mean'], 3)} | "
                     f"{_num(r['sd'], 3)} |")
    dropped = {t: m.dropped for t, m in result.models.items() if m.dropped}
    if dropped:
        lines += ["", "Weggelaten kenmerken (te weinig bekend in de trainingsjaren):", ""]
        for t, d in sorted(dropped.items()):
            lines.append(f"- peiljaar {t}: "
                         + "; ".join(f"{cfg.label(f)}: {why}" for f, why in d.items()))
    if result.skipped:
        lines += ["", *[f"- {s}" for s in result.skipped]]
    lines += ["", "## Eerlijke lezing", "", *_reading(result, pooled, model), ""]
    lines += ["## Beperkingen", "", *_limitations(result), ""]
    return "\n".join(lines)


def _reading(result: BacktestResult, pooled: pd.DataFrame, model: pd.Series) -> list[str]:
    comp = result.comparison.set_index(["baseline", "metric"])
    n = int(model["n"])
    model_folds = result.folds[result.folds["method"] == "model"].set_index("origin")
    rates = model_folds["base_rate"]
    out = [
        f"- **Omvang**: {nl_number(n)} voorspelde overgangen van {nl_number(result.n_units)} "
        f"wijken over {len(result.models)} peiljaren, waarvan "
        f"{nl_number(model['n_decline'])} met terugval ({_pct(model['base_rate'], 1)}). "
        "Dat zijn weinig onafhankelijke gevallen: dezelfde wijken komen elk peiljaar terug en "
        "de wijken van één gemeente bewegen vaak samen.",
        f"- **Periode bepaalt veel**: het aandeel terugval verschilt per peiljaar van "
        f"{_pct(rates.min(), 1)} ({_transition(model_folds, rates.idxmin())}) tot "
        f"{_pct(rates.max(), 1)} ({_transition(model_folds, rates.idxmax())}). Die landelijke "
        "beweging is uit wijkkenmerken niet te voorspellen; elk model en elke baseline mist "
        "haar. Daarom is de AUC binnen een peiljaar de maat voor de vraag welke wijken eerst "
        "aandacht verdienen.",
        f"- **Model**: AUC binnen peiljaar {_num(model['auc_within'])} (per peiljaar "
        + ", ".join(f"{t}: {_num(v)}" for t, v in model_folds["auc"].items())
        + f"), alles samen {_num(model['auc'])}; het signaleert {_pct(model['flagged'])} van de "
        "overgangen en vangt daarmee "
        f"{_pct(model['recall'])} van de terugvallers, met precisie {_pct(model['precision'])}"
        f" (tegen een basispercentage van {_pct(model['base_rate'])}).",
    ]
    chance = comp.loc[("basispercentage", "auc_within")]
    pooled_chance = comp.loc[("basispercentage", "auc")]
    out.append(
        f"- **Tegen toeval** (AUC 0,5, de baseline \"altijd het basispercentage\"): verschil "
        f"in AUC binnen peiljaar {_num(chance['difference'], 2, True)} (95%-interval "
        f"{_num(chance['low'], 2, True)} tot {_num(chance['high'], 2, True)}): "
        + ("binnen een periode rangschikt het model aantoonbaar beter dan toeval"
           if chance["low"] > 0 else "ook binnen een periode is het model niet aantoonbaar "
           "beter dan toeval")
        + f"; alle peiljaren samen {_num(pooled_chance['difference'], 2, True)} "
        f"({_num(pooled_chance['low'], 2, True)} tot {_num(pooled_chance['high'], 2, True)})"
        + ("." if pooled_chance["low"] > 0 else ", niet aantoonbaar beter dan toeval."))
    for baseline in ("laatste_verandering", "laagste_kwart"):
        b = pooled.loc[baseline]
        auc = comp.loc[(baseline, "auc_within")]
        text = (
            f"- **Tegen \"{METHOD_LABELS[baseline].removeprefix('baseline: ')}\"** (AUC binnen "
            f"peiljaar {_num(b['auc_within'])}, trefkans {_pct(b['recall'])}, precisie "
            f"{_pct(b['precision'])}): verschil in AUC binnen peiljaar "
            f"{_num(auc['difference'], 2, True)} (95%-interval "
            f"{_num(auc['low'], 2, True)} tot {_num(auc['high'], 2, True)}): "
            f"{_verdict(auc['low'], auc['high'], auc['difference'])}.")
        if b["auc_within"] < 0.5:
            text += " " + _REVERSED[baseline]
        out.append(text)
    flagged = {m: pooled.loc[m, "flagged"] for m in ("model", "laatste_verandering",
                                                     "laagste_kwart")}
    out.append(
        f"- **Precisie en F1**: het model signaleert meer overgangen ({_pct(flagged['model'])}) "
        f"dan de regels ({_pct(flagged['laatste_verandering'])} en "
        f"{_pct(flagged['laagste_kwart'])}). Bij een laag basispercentage beloont F1 ruim "
        "signaleren; de precisie is de eerlijkere vergelijking: model "
        f"{_pct(model['precision'])}, regels {_pct(pooled.loc['laatste_verandering', 'precision'])}"
        f" en {_pct(pooled.loc['laagste_kwart', 'precision'])}, zonder signaal "
        f"{_pct(model['base_rate'])} (het basispercentage).")
    brier = comp.loc[("basispercentage", "brier")]
    b = pooled.loc["basispercentage"]
    out.append(
        f"- **Kansen** (Brier, basispercentage {_num(b['brier'], 3)}): verschil "
        f"{_num(brier['difference'], 3, True)} ({_num(brier['low'], 3, True)} tot "
        f"{_num(brier['high'], 3, True)}): "
        + ("de kansen van het model zijn aantoonbaar beter dan steeds het gemiddelde noemen."
           if brier["high"] < 0 else
           "de kansen van het model zijn niet beter dan steeds het gemiddelde noemen; lees de "
           "risicoscore als rangorde, niet als precieze kans (zie ook de kalibratietabel)."))
    out.append("- **Conclusie**: " + _conclusion(comp, pooled))
    return out


def _transition(folds: pd.DataFrame, origin: Any) -> str:
    return f"{int(origin)}→{folds.loc[origin, 'target']}"


_REVERSED = {
    "laatste_verandering": (
        "De regel werkt averechts (AUC onder 0,5): na een daling volgt vaker herstel en na een "
        "stijging vaker terugval, het patroon van regressie naar het gemiddelde."),
    "laagste_kwart": (
        "De regel werkt averechts (AUC onder 0,5): wijken met een lage Leefbaarometer vallen "
        "juist minder vaak verder terug dan andere wijken."),
}


def _verdict(low: float, high: float, diff: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "geen interval (te weinig gegevens)"
    if low > 0:
        return "het model rangschikt aantoonbaar beter"
    if high < 0:
        return "de baseline rangschikt aantoonbaar beter"
    lead = "het model" if diff > 0 else "de baseline"
    return f"{lead} scoort hoger, maar het verschil is niet zeker (het interval omvat 0)"


def _conclusion(comp: pd.DataFrame, pooled: pd.DataFrame) -> str:
    rules = ("laatste_verandering", "laagste_kwart")
    beats_rules = all(comp.loc[(b, "auc_within"), "low"] > 0 for b in rules)
    loses = any(comp.loc[(b, "auc_within"), "high"] < 0 for b in (*rules, "basispercentage"))
    beats_chance = comp.loc[("basispercentage", "auc_within"), "low"] > 0
    reversed_rules = [b for b in rules if pooled.loc[b, "auc_within"] < 0.5]
    auc = nl_number(float(pooled.loc["model", "auc_within"]), decimals=2)
    if loses:
        return ("een naïeve regel of toeval doet het aantoonbaar beter dan het model; gebruik "
                "de risicoscore niet als voorspelling.")
    if beats_rules and beats_chance:
        why = (" (die regels werken zelfs averechts)" if reversed_rules else "")
        return (f"binnen een periode rangschikt het model de wijken aantoonbaar beter dan de "
                f"naïeve regels{why} en dan toeval, maar het onderscheidend vermogen is klein "
                f"(AUC {auc}; 0,5 is gokken, 1 is perfect) en de kansen zelf zijn niet beter "
                "dan het gemiddelde. Gebruik de lijst als aanleiding om naar een wijk te "
                "kijken, niet als voorspelling of oordeel.")
    if beats_rules:
        why = (" vooral doordat die regels averechts werken" if reversed_rules else "")
        return ("het model verslaat de naïeve regels" + why + ", maar is niet aantoonbaar "
                "beter dan toeval. De risicoscore ordent niveau, recente verandering, trend en "
                "zwakste dimensie op een vaste, uitlegbare manier; als voorspelling van "
                "terugval is hij met deze gegevens niet betrouwbaar. Gebruik hem hooguit als "
                "aanleiding om naar een wijk te kijken, en kijk dan naar de wijk zelf.")
    return ("het model is niet aantoonbaar beter dan de naïeve regels; de score ordent de "
            "informatie op een vaste, uitlegbare manier, maar voorspelt terugval niet "
            "betrouwbaar. Gebruik hem hooguit als aanleiding om naar een wijk te kijken.")


def _limitations(result: BacktestResult) -> list[str]:
    years = result.years
    gaps = [b - a for a, b in zip(years, years[1:], strict=False)]
    gap_text = ", ".join(f"{a}→{b}: {b - a} jaar" for a, b in zip(years, years[1:],
                                                                   strict=False) if b - a > 2)
    out = [
        "- **Selectie van gemeenten**: alleen de wijken van de gemeenten in de geladen "
        "Leefbaarometer-selectie, geen steekproef van Nederland; wijken van één gemeente "
        "hangen samen. Uitkomsten gelden voor deze wijken en zijn niet zonder meer landelijk.",
        "- **Ongelijke tussenpozen**: een overgang duurt "
        + (f"meestal 2 jaar, maar {gap_text}" if gap_text else "steeds even lang")
        + ". Terugval is een vaste drempel per overgang, ongeacht de duur; de vorige "
        "verandering wordt per jaar genomen. De trainingsovergangen van de eerste peiljaren "
        "zijn langer dan de voorspelde tweejaarlijkse overgangen.",
    ]
    if gaps and max(gaps) >= 6:
        out.append(
            "- **Het gat 2002–2008**: de eerste verandering beslaat zes jaar; wijken die in die "
            "periode eerst daalden en daarna herstelden zijn niet te onderscheiden van wijken "
            "die gelijk bleven. De eerste peiljaren trainen op weinig en grove overgangen.")
    out += [
        "- **Dimensies**: de vijf dimensies bestaan vanaf 2014 en niet in 2016; op peiljaar "
        "2016 gebruikt het model de dimensies van 2014. In de eerste peiljaren valt de zwakste "
        "dimensie weg (te weinig bekend in de trainingsjaren, zie boven).",
        "- **Terugrekening**: de Leefbaarometer 3.0 is voor de oudere jaren met het model van "
        "nu teruggerekend; de reeks is consistent, maar de oudste jaren zijn modelschattingen, "
        "geen toenmalige metingen.",
        "- **Regressie naar het gemiddelde**: wijken die net sterk stegen dalen vaker, en "
        "omgekeerd; een deel van het voorspellend vermogen is dat meetpatroon, geen "
        "wijkdynamiek.",
        "- **Geen KWB**: inkomen, uitkeringen en woningvoorraad zitten niet in de score, omdat "
        "de database ze voor te weinig wijken en jaren heeft. Met landelijke KWB-reeksen kan "
        "dezelfde backtest ze toetsen (`features` in de instellingen).",
        "- **Drempel**: terugval = daling van meer dan "
        f"{_num(result.config.delta)}; een andere drempel geeft andere aantallen (instelbaar).",
    ]
    return out


# ---------------------------------------------------------------------------- database access


def _lbm_codes(units: pd.DataFrame) -> dict[str, list[str]]:
    """The wijk codes whose Leefbaarometer stands for each unit (its ``wijk_codes``)."""
    return {str(r["unit_id"]): _code_list(r["wijk_codes"]) for r in units.to_dict("records")}


def _code_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return sorted({str(c) for c in value})


def _check_units(units: pd.DataFrame) -> pd.DataFrame:
    lacking = [c for c in ("unit_id", "codes", "wijk_codes") if c not in units.columns]
    if lacking:
        raise ValueError(f"units frame lacks columns {lacking}")
    if units["unit_id"].duplicated().any():
        raise ValueError("units frame repeats a unit_id")
    out = units.copy()
    for c in _UNIT_COLUMNS:
        if c not in out.columns:
            out[c] = None
    out["unit_id"] = out["unit_id"].astype(str).astype(object)
    return out.reset_index(drop=True)


def _dimension_values(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """The five dimensions per unit and year, weighted as :func:`trends.lbm_series` weights
    ``lbm_afw`` (its wijk weights); a year counts only when every wijk of the unit has all
    five dimensions."""
    from wijkanalyse.monitor.trends.series import _weights

    cols = ["unit_id", "year", *DIMENSIONS]
    pairs = pd.DataFrame(
        [(u, c) for u, cs in _lbm_codes(units).items() for c in cs],
        columns=["unit_id", "code"])
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    codes = sorted(pairs["code"].unique())
    obs = con.execute(
        "SELECT code, year, indicator_id, value FROM observation WHERE value IS NOT NULL "
        "AND list_contains(?, indicator_id) AND list_contains(?, code)",
        [list(DIMENSIONS), codes]).df()
    if obs.empty:
        return pd.DataFrame(columns=cols)
    wide = obs.pivot_table(index=["code", "year"], columns="indicator_id", values="value",
                           aggfunc="first").reset_index()
    for d in DIMENSIONS:
        if d not in wide.columns:
            wide[d] = np.nan
    wide = wide.dropna(subset=list(DIMENSIONS))
    weights, _ = _weights(con, pairs, codes)
    data = pairs.merge(weights, on=["unit_id", "code"], how="left").merge(wide, on="code")
    n_total = pairs.groupby("unit_id")["code"].nunique()
    w = data["weight"].fillna(0.0).to_numpy(dtype="float64")
    weighted = pd.DataFrame({d: data[d].to_numpy(dtype="float64") * w for d in DIMENSIONS})
    weighted["unit_id"] = data["unit_id"].to_numpy()
    weighted["year"] = data["year"].to_numpy()
    weighted["w"] = w
    weighted["n"] = 1
    plain = data[["unit_id", "year", *DIMENSIONS]]
    sums = weighted.groupby(["unit_id", "year"]).sum()
    means = plain.groupby(["unit_id", "year"]).mean()
    sums = sums[sums["n"].to_numpy() == n_total.reindex(
        sums.index.get_level_values("unit_id")).to_numpy()]
    means = means.reindex(sums.index)
    positive = (sums["w"] > 0).to_numpy()
    denom = np.where(positive, sums["w"].to_numpy(), 1.0)
    out = pd.DataFrame(index=sums.index)
    for d in DIMENSIONS:
        out[d] = np.where(positive, sums[d].to_numpy() / denom, means[d].to_numpy())
    return out.reset_index()[cols]


def unit_series(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """Leefbaarometer series of the units, with the five dimensions.

    :func:`wijkanalyse.monitor.trends.lbm_series` gives ``lbm`` and ``lbm_afw`` (a buurt gets its
    wijk; several wijken are weighted by inhabitants); the dimensions are added with the
    same weights when that series does not have them.

    Parameters
    ----------
    con
        A database connection (read-only is fine).
    units
        Units as :func:`wijkanalyse.gebieden.sets.resolve_set` gives them (``unit_id``, ``codes``,
        ``wijk_codes``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~wijkanalyse.monitor.trends.lbm_series` and :data:`DIMENSIONS`; units
        without a Leefbaarometer have no rows.
    """
    from wijkanalyse.monitor.trends import lbm_series

    units = _check_units(units)
    series = lbm_series(con, units)
    lacking = [d for d in DIMENSIONS if d not in series.columns]
    if lacking and len(series):
        dims = _dimension_values(con, units)[["unit_id", "year", *lacking]]
        series = series.merge(dims, on=["unit_id", "year"], how="left")
    for d in lacking:
        if d not in series.columns:
            series[d] = np.nan
    return series


def lbm_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The Leefbaarometer series of every wijk in the database (the training history).

    Returns
    -------
    pandas.DataFrame
        As :func:`unit_series`, with ``unit_id`` = the wijk code.
    """
    return unit_series(con, _lbm_wijk_units(con))


def _lbm_wijk_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A units frame of every wijk with a Leefbaarometer value."""
    rows = con.execute(
        """
        WITH l AS (SELECT DISTINCT code FROM observation
                   WHERE indicator_id = 'lbm_afw' AND value IS NOT NULL),
             r AS (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name,
                          arg_max(gemeente_code, year) AS gemeente_code
                   FROM regions GROUP BY code)
        SELECT l.code, r.name, coalesce(r.gemeente_code, 'GM' || substr(l.code, 3, 4)),
               g.name
        FROM l LEFT JOIN r USING (code)
        LEFT JOIN r AS g ON g.code = coalesce(r.gemeente_code, 'GM' || substr(l.code, 3, 4))
        ORDER BY l.code
        """).fetchall()
    return pd.DataFrame({
        "unit_id": pd.Series([r[0] for r in rows], dtype=object),
        "name": pd.Series([r[1] or r[0] for r in rows], dtype=object),
        "gemeente_code": pd.Series([r[2] for r in rows], dtype=object),
        "gemeente_name": pd.Series([r[3] for r in rows], dtype=object),
        "level": "wijk",
        "codes": pd.Series([[r[0]] for r in rows], dtype=object),
        "wijk_codes": pd.Series([[r[0]] for r in rows], dtype=object),
    })


def kwb_indicators(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """The KWB values of the units needed for :data:`KWB_FEATURES`.

    Units made of several regions are aggregated with :mod:`wijkanalyse.gebieden.aggregate` (counts
    summed, rates weighted by their base); an incomplete aggregate is left out.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, year, indicator_id, value``.
    """
    from wijkanalyse.catalogue import load_catalogue
    from wijkanalyse.gebieden.aggregate import aggregate_many

    units = _check_units(units)
    areas = {str(r["unit_id"]): list(dict.fromkeys(str(c) for c in (r["codes"] or [])))
             for r in units.to_dict("records") if r["codes"] is not None and len(r["codes"])}
    cols = ["unit_id", "year", "indicator_id", "value"]
    if not areas:
        return pd.DataFrame(columns=cols)
    cat = load_catalogue()
    wanted = sorted({*KWB_INDICATORS, *(b for i in KWB_INDICATORS
                                         if i in cat and (b := cat[i].base))})
    codes = sorted({c for cs in areas.values() for c in cs})
    obs = con.execute(
        "SELECT indicator_id, year, code, value, missing_reason FROM observation "
        "WHERE list_contains(?, indicator_id) AND list_contains(?, code)",
        [wanted, codes]).df()
    if obs.empty:
        return pd.DataFrame(columns=cols)
    agg = aggregate_many(obs, areas=areas, indicators=cat)
    agg = agg[agg["indicator_id"].isin(KWB_INDICATORS) & agg["value"].notna()]
    return agg.rename(columns={"area_id": "unit_id"})[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------- risk scores


def risk_scores(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    year: int | None = None,
    model: RiskModel | None = None,
    config: EarlyWarningConfig | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The early-warning risk of every unit, with its figures in a Dutch sentence.

    Parameters
    ----------
    con
        A database connection (read-only is fine).
    units
        Units as :func:`wijkanalyse.gebieden.sets.resolve_set` gives them.
    year
        Origin year; the latest Leefbaarometer measurement up to this year is used
        (default the latest in the database).
    model
        A fitted model; default a model fitted on the Leefbaarometer history of every wijk
        in the database, using only measurements up to the origin year.
    config
        Settings; default the shipped file.
    history
        :func:`lbm_history` of ``con`` when the caller already has it (it is read otherwise);
        units that are exactly one wijk take their series from it.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the order of ``units``: ``unit_id``, ``as_of`` (the
        measurement year used; ``None`` without any), ``risk`` (probability of a decline of
        more than ``delta`` at the next measurement; ``NaN`` without a score),
        ``risk_class`` (``hoog``, ``verhoogd``, ``laag``; ``None`` without a score),
        ``signal``, ``base_rate``, ``components`` (dict feature -> log-odds contribution;
        empty without a score), ``explanation`` (Dutch sentence with the figures, or why
        there is no score), ``features_available`` (list), ``variant`` and the features
        ``lbm_afw``, ``change_last``, ``change_per_year``, ``slope3``, ``dim_min``,
        ``dim_weakest``, ``last_year``, ``prev_year``.

    Raises
    ------
    EarlyWarningError
        When no model can be fitted from the database's history.
    """
    cfg = _cfg(config)
    units = _check_units(units)
    if history is None:
        history = lbm_history(con)
    years = sorted(int(y) for y in history.loc[history["lbm_afw"].notna(), "year"].unique())
    wanted = int(year) if year is not None else (max(years) if years else None)
    known = [y for y in years if wanted is not None and y <= wanted]
    as_of = known[-1] if known else None
    series = _units_series(con, units, history)
    if as_of is None:
        feats = risk_features(series, as_of=wanted if wanted is not None else 0, config=cfg)
        return _scores_frame(units, feats, None, None, cfg, as_of=None, wanted=wanted)
    if model is None:
        model = fit_model(history, train_years=known, config=cfg)
    feats = risk_features(series, indicators=kwb_indicators(con, units), as_of=as_of,
                          config=cfg)
    ok = (feats["last_year"] == as_of).fillna(False) & (
        feats["n_measurements"] >= cfg.min_history)
    pred = model.predict(feats[ok.to_numpy(dtype=bool)])
    return _scores_frame(units, feats, pred, model, cfg, as_of=as_of, wanted=wanted)


def _units_series(con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
                  history: pd.DataFrame) -> pd.DataFrame:
    """:func:`unit_series` of the units; a unit that is exactly one wijk of the history (its
    codes are its wijk codes, one code) takes that wijk's rows, the rest is read."""
    wijken = set(history["unit_id"].astype(str))
    single: dict[str, list[str]] = {}
    for r in units.to_dict("records"):
        codes, wijk = _code_list(r["codes"]), _code_list(r["wijk_codes"])
        if len(wijk) == 1 and codes == wijk and wijk[0] in wijken:
            single[wijk[0]] = single.get(wijk[0], []) + [str(r["unit_id"])]
    parts = []
    if single:
        rows = history[history["unit_id"].astype(str).isin(single)]
        pairs = pd.DataFrame([(w, u) for w, us in single.items() for u in us],
                             columns=["unit_id", "_unit"])
        parts.append(rows.merge(pairs, on="unit_id").drop(columns="unit_id")
                     .rename(columns={"_unit": "unit_id"}))
    done = {u for us in single.values() for u in us}
    rest = units[~units["unit_id"].astype(str).isin(done)]
    if len(rest):
        parts.append(unit_series(con, rest))
    if not parts:
        return history.iloc[0:0]
    return pd.concat(parts, ignore_index=True)


_OUT_FEATURES = ("lbm_afw", "change_last", "change_per_year", "slope3", "dim_min",
                 "dim_weakest", "last_year", "prev_year")


def _scores_frame(units: pd.DataFrame, feats: pd.DataFrame, pred: pd.DataFrame | None,
                  model: RiskModel | None, cfg: EarlyWarningConfig, *, as_of: int | None,
                  wanted: int | None) -> pd.DataFrame:
    by_unit = feats.set_index("unit_id")
    pred_by = pred.set_index("unit_id") if pred is not None and len(pred) else None
    lbm_codes = _lbm_codes(units)
    rows = []
    for u in units.to_dict("records"):
        uid = str(u["unit_id"])
        name = str(u.get("name") or uid)
        f = by_unit.loc[uid] if uid in by_unit.index else None
        p = pred_by.loc[uid] if pred_by is not None and uid in pred_by.index else None
        row: dict[str, Any] = {"unit_id": u["unit_id"], "as_of": as_of, "risk": math.nan,
                               "risk_class": None, "signal": False,
                               "base_rate": model.base_rate if model else math.nan,
                               "components": {}, "features_available": [], "variant": None}
        for c in _OUT_FEATURES:
            row[c] = None if f is None else _plain(f[c])
        if f is not None:
            row["features_available"] = list(f["features_available"])
            row["variant"] = f["variant"]
        if p is not None and model is not None:
            row.update(risk=float(p["risk"]), risk_class=str(p["risk_class"]),
                       signal=bool(p["signal"]), components=dict(p["components"]))
            row["explanation"] = _explain(name, f, p, model, cfg,
                                          via_wijk=_code_list(u["codes"]) != lbm_codes[uid])
        else:
            row["explanation"] = _no_score(name, f, cfg, as_of=as_of, wanted=wanted,
                                           wijken=lbm_codes.get(uid, []))
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in ("risk_class", "variant", "explanation", "dim_weakest"):
        out[c] = pd.Series([r[c] for r in rows], index=out.index, dtype=object)
    for c in ("last_year", "prev_year"):
        out[c] = pd.Series([r[c] for r in rows], index=out.index, dtype="Int64")
    return out


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _no_score(name: str, f: pd.Series | None, cfg: EarlyWarningConfig, *, as_of: int | None,
              wanted: int | None, wijken: list[str]) -> str:
    if f is None or int(f["n_measurements"]) == 0:
        if not wijken:
            return (f"Geen Leefbaarometer voor {name}: de Leefbaarometer bestaat alleen voor "
                    "wijken (en buurten via hun wijk); geen risicoscore.")
        if wanted is None:
            return (f"Geen Leefbaarometer voor {name}: de database bevat geen Leefbaarometer; "
                    "geen risicoscore.")
        if as_of is None:
            return (f"Geen Leefbaarometer voor {name} in of vóór {wanted}: geen risicoscore.")
        noun = "wijk" if len(wijken) == 1 else "de wijken"
        return (f"Geen Leefbaarometer voor {name}: de geladen Leefbaarometer bevat {noun} "
                f"{', '.join(wijken)} niet; geen risicoscore.")
    last = _plain(f["last_year"])
    if last != as_of:
        return (f"Geen Leefbaarometer-meting in {as_of} voor {name} (laatste meting {last}): "
                "geen risicoscore.")
    return (f"Te weinig Leefbaarometer-metingen voor {name} ({int(f['n_measurements'])} tot en "
            f"met {as_of}, minimaal {cfg.min_history}): geen risicoscore.")


#: Log-odds contribution above which a feature is named as raising the risk.
_NOTABLE = 0.02
#: (below the training mean, above it) per feature, for the explanation.
_DIRECTION = {
    "lbm_afw": ("lager niveau dan gemiddeld", "hoger niveau dan gemiddeld; hoog scorende "
                "wijken vallen vaker terug"),
    "change_per_year": ("recente daling", "recente stijging; na een stijging volgt vaker "
                        "terugval"),
    "slope3": ("dalende trend", "stijgende trend; na een stijging volgt vaker terugval"),
    "dim_min": ("zwakkere dimensie dan gemiddeld", "sterkere dimensies dan gemiddeld"),
    "p_hh_li": ("minder lage inkomens dan gemiddeld", "meer lage inkomens dan gemiddeld"),
    "p_bijstand": ("minder bijstand dan gemiddeld", "meer bijstand dan gemiddeld"),
    "p_wcorpw": ("minder corporatiewoningen dan gemiddeld",
                 "meer corporatiewoningen dan gemiddeld"),
    "inw_change": ("tragere bevolkingsgroei dan gemiddeld",
                   "snellere bevolkingsgroei dan gemiddeld"),
}


def _explain(name: str, f: pd.Series, p: pd.Series, model: RiskModel,
             cfg: EarlyWarningConfig, *, via_wijk: bool) -> str:
    as_of = int(f["last_year"])
    parts = [
        f"{name}: kans op terugval (Leefbaarometer-afwijking bij de volgende meting meer dan "
        f"{_num(model.delta)} lager) {_pct(float(p['risk']))}, risico {p['risk_class']} "
        f"(gemiddeld {_pct(model.base_rate)})."
    ]
    facts = [f"Leefbaarometer-afwijking {as_of}: {_num(float(f['lbm_afw']), 3, True)}"]
    if _plain(f["prev_year"]) is not None:
        facts.append(f"{_num(float(f['change_last']), 3, True)} sinds {int(f['prev_year'])}")
    if _plain(f["slope3"]) is not None:
        facts.append(f"trend {int(f['slope_from'])}–{as_of} "
                     f"{_num(float(f['slope3']), 3, True)} per jaar")
    if _plain(f["dim_min"]) is not None:
        dim = cfg.dimension_labels.get(str(f["dim_weakest"]), str(f["dim_weakest"]))
        facts.append(f"zwakste dimensie ({int(f['dim_year'])}) {dim} "
                     f"{_num(float(f['dim_min']), 3, True)}")
    parts.append("; ".join(facts) + ".")
    comps = {k: v for k, v in dict(p["components"]).items() if v > _NOTABLE}
    if comps:
        top = max(comps, key=comps.__getitem__)
        i = model.features.index(top)
        above = float(f[top]) > model.means[i]
        parts.append(f"Verhoogt het risico het meest: {cfg.label(top)} "
                     f"({_DIRECTION[top][above]}).")
    else:
        parts.append("Geen kenmerk verhoogt het risico noemenswaard boven het gemiddelde.")
    missing = list(p["missing_features"])
    if missing:
        parts.append("Niet bekend (als gemiddeld gerekend): "
                     + ", ".join(cfg.label(m) for m in missing) + ".")
    kwb = []
    for feat, unit in (("p_hh_li", "%"), ("p_bijstand", ""), ("p_wcorpw", "%")):
        if _plain(f[feat]) is not None:
            kwb.append(f"{cfg.label(feat)} {nl_number(float(f[feat]), decimals=1)}{unit} "
                       f"({int(f[f'{feat}_year'])})")
    if _plain(f["inw_change"]) is not None:
        growth = nl_number(float(f["inw_change"]), decimals=1, sign=True)
        kwb.append(f"{cfg.label('inw_change')} {growth}% "
                   f"({int(f['inw_change_from'])}–{int(f['inw_change_year'])})")
    if kwb:
        parts.append("Ter informatie, niet in de score (Bron: CBS, Kerncijfers Wijken en "
                     "Buurten): " + "; ".join(kwb) + ".")
    if via_wijk:
        parts.append("Leefbaarometer van de wijk(en) waarin het gebied ligt.")
    parts.append("Bron: Leefbaarometer 3.0, ministerie van BZK.")
    return " ".join(parts)


# ----------------------------------------------------------------------------------------- CLI


def _data_note(con: duckdb.DuckDBPyConnection, history: pd.DataFrame) -> str:
    src = con.execute(
        "SELECT label, file_name, sha256 FROM sources WHERE kind = 'leefbaarometer' "
        "ORDER BY source_id").fetchall()
    units = history.loc[history["lbm_afw"].notna(), "unit_id"].unique()
    gemeenten = sorted({"GM" + str(u)[2:6] for u in units})
    years = sorted(int(y) for y in history.loc[history["lbm_afw"].notna(), "year"].unique())
    files = "; ".join(f"{label} (bestand `{fn}`, sha256 {sha[:12]}…)" for label, fn, sha in src)
    return (f"{files or 'Leefbaarometer'}: {len(units)} wijken in {len(gemeenten)} gemeenten "
            f"({', '.join(gemeenten)}), metingen {', '.join(map(str, years))}, wijkindeling "
            "2024 (grensvaste reeks).")


def database_backtest(con: duckdb.DuckDBPyConnection) -> tuple[BacktestResult, str]:
    """The backtest on every Leefbaarometer series in the database, with its data note.

    Used by ``wijkanalyse monitor --backtest-md PAD`` (:mod:`wijkanalyse.cli.monitor`).

    Parameters
    ----------
    con
        A database connection (read-only is fine).

    Returns
    -------
    tuple of (BacktestResult, str)
        The result of :func:`backtest` and the sentence on the data (source files with
        sha256, units, gemeenten, years) for :func:`backtest_markdown`.

    Raises
    ------
    EarlyWarningError
        When the database holds no Leefbaarometer.
    """
    history = lbm_history(con)
    if history.empty:
        raise EarlyWarningError("de database bevat geen Leefbaarometer.")
    return backtest(history), _data_note(con, history)


def backtest_summary(result: BacktestResult) -> list[str]:
    """One Dutch line per method with the pooled figures (n, terugval, trefkans, precisie,
    F1, AUC, Brier), as ``wijkanalyse monitor --backtest-md`` prints them."""
    pooled = result.pooled.set_index("method")
    lines = []
    for method in METHODS:
        r = pooled.loc[method]
        lines.append(f"{METHOD_LABELS[method]}: n {int(r['n'])}, terugval "
                     f"{_pct(r['base_rate'], 1)}, trefkans {_pct(r['recall'])}, precisie "
                     f"{_pct(r['precision'])}, F1 {_num(r['f1'])}, AUC {_num(r['auc'])}, "
                     f"Brier {_num(r['brier'], 3)}")
    return lines
