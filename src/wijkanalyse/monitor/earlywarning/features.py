"""The risk features of units at a measurement year (pure): Leefbaarometer and KWB."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkanalyse.monitor.earlywarning.config import (
    DIMENSIONS,
    KWB_FEATURES,
    LBM_FEATURES,
    EarlyWarningConfig,
    _cfg,
    _check_indicators,
    _check_series,
)


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
