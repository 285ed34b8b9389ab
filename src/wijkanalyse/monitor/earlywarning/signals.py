"""Descriptive early signals per unit: what the figures themselves show, no prediction.

Shown by the monitor instead of a risk ranking when the skill rule (:mod:`.skill`) finds no
skill. Per unit, at its last Leefbaarometer measurement up to the report year (``as_of``):

* ``daling``: the deviation from the national average fell by more than ``delta``
  (:file:`data/earlywarning.yaml`) since the previous measurement;
* ``dimensie``: a dimension fell by more than ``signals.dimension_delta`` since the previous
  measurement with dimensions (2016 has none: 2018 is compared with 2014);
* ``gemeente``: the unit fell further behind the mean of the gemeente's wijken (its gap to
  that mean shrank by more than ``delta``), or dropped below it;
* ``kwb``: the share of a vulnerable group (households with a low income, bijstand per 100
  inhabitants) rose by more than ``signals.kwb_rise`` percentage points between the two
  latest KWB years of the unit (at most ``signals.kwb_window`` years apart).

Each signal is a Dutch sentence with its figures; the texts never give a probability.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.config import (
    DIMENSIONS,
    EarlyWarningConfig,
    _cfg,
    _check_series,
    _num,
)

#: Signal kinds in report order.
SIGNAL_KINDS = ("daling", "dimensie", "gemeente", "kwb")
#: KWB shares watched for a rising concentration, with their Dutch label and unit.
KWB_SHARES = {"p_hh_li": ("huishoudens met een laag inkomen", "%"),
              "p_bijstand": ("bijstandsontvangers per 100 inwoners", "")}


def early_signals(
    series: pd.DataFrame,
    units: pd.DataFrame,
    *,
    as_of: int,
    reference: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    config: EarlyWarningConfig | None = None,
) -> pd.DataFrame:
    """The descriptive early signals of each unit.

    Parameters
    ----------
    series
        Leefbaarometer series of the units with the dimensions (:func:`.data.unit_series`).
    units
        ``unit_id``, ``name`` and ``gemeente_code`` of the units.
    as_of
        The last year that may be used (the report year).
    reference
        The Leefbaarometer history of all wijken (:func:`.data.lbm_history`); the gemeente
        mean of a year is the mean of its wijken measured that year. ``None``: no
        ``gemeente`` signal.
    indicators
        KWB values of the units (:func:`.data.kwb_indicators`); ``None``: no ``kwb`` signal.
    config
        Settings; default the shipped file.

    Returns
    -------
    pandas.DataFrame
        One row per unit in the order of ``units``: ``unit_id``, ``lbm_year``, ``prev_year``,
        ``lbm_change`` (change of ``lbm_afw`` since ``prev_year``), ``signals`` (list of
        dicts ``kind``, ``text``, ``value``), ``n_signals`` and ``signal_text`` (the texts
        joined; "" without signals).
    """
    cfg = _cfg(config)
    s = _check_series(series)
    s = s[(s["year"] <= as_of) & s["lbm_afw"].notna()]
    gm_mean = _gemeente_means(reference, as_of) if reference is not None else None
    kwb = _kwb_rises(indicators, as_of=as_of, cfg=cfg)
    rows = []
    by_unit = dict(tuple(s.groupby("unit_id", sort=False)))
    for u in units.to_dict("records"):
        uid = str(u["unit_id"])
        own = by_unit.get(uid)
        row: dict[str, Any] = {"unit_id": u["unit_id"], "lbm_year": None, "prev_year": None,
                               "lbm_change": math.nan}
        found: list[dict[str, Any]] = []
        if own is not None and len(own):
            own = own.sort_values("year")
            last = own.iloc[-1]
            row["lbm_year"] = int(last["year"])
            if len(own) >= 2:
                prev = own.iloc[-2]
                change = float(last["lbm_afw"] - prev["lbm_afw"])
                row.update(prev_year=int(prev["year"]), lbm_change=change)
                if change < -cfg.delta:
                    found.append({"kind": "daling", "value": change, "text": (
                        f"Leefbaarometer {_num(change, 3, True)} sinds {int(prev['year'])} "
                        f"(afwijking van het landelijk gemiddelde van "
                        f"{_num(float(prev['lbm_afw']), 3, True)} naar "
                        f"{_num(float(last['lbm_afw']), 3, True)} in {int(last['year'])})")})
                gm = str(u.get("gemeente_code") or "")
                if gm_mean is not None and gm in gm_mean.index.get_level_values(0):
                    found += _gemeente_signal(gm_mean.loc[gm], prev, last, cfg)
            found += _dimension_signals(own, cfg)
        found += kwb.get(uid, [])
        row["signals"] = found
        row["n_signals"] = len(found)
        row["signal_text"] = "; ".join(f["text"] for f in found)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["unit_id", "lbm_year", "prev_year", "lbm_change",
                                      "signals", "n_signals", "signal_text"])
    for c in ("lbm_year", "prev_year"):
        out[c] = out[c].astype("Int64")
    out["n_signals"] = out["n_signals"].astype("int64")
    return out


def _gemeente_means(reference: pd.DataFrame, as_of: int) -> pd.Series:
    """Mean ``lbm_afw`` of the wijken per (gemeente code, year) up to ``as_of``."""
    r = reference[(reference["year"] <= as_of) & reference["lbm_afw"].notna()]
    gm = "GM" + r["unit_id"].astype(str).str[2:6]
    return r.groupby([gm.rename("gm"), r["year"]])["lbm_afw"].mean()


def _gemeente_signal(means: pd.Series, prev: pd.Series, last: pd.Series,
                     cfg: EarlyWarningConfig) -> list[dict[str, Any]]:
    py, ly = int(prev["year"]), int(last["year"])
    if py not in means.index or ly not in means.index:
        return []
    gap_prev = float(prev["lbm_afw"]) - float(means.loc[py])
    gap_last = float(last["lbm_afw"]) - float(means.loc[ly])
    fell = gap_last - gap_prev < -cfg.delta
    crossed = gap_prev >= 0 > gap_last
    if not (fell or crossed):
        return []
    lead = ("onder het gemiddelde van de wijken van de gemeente gezakt" if crossed
            else "verder achter geraakt op het gemiddelde van de wijken van de gemeente")
    return [{"kind": "gemeente", "value": gap_last - gap_prev, "text": (
        f"{lead}: verschil {_num(gap_prev, 3, True)} in {py}, {_num(gap_last, 3, True)} "
        f"in {ly}")}]


def _dimension_signals(own: pd.DataFrame, cfg: EarlyWarningConfig) -> list[dict[str, Any]]:
    dims = [d for d in DIMENSIONS if d in own.columns]
    if len(dims) < len(DIMENSIONS):
        return []
    with_dims = own[own[dims].notna().all(axis=1)]
    if len(with_dims) < 2:
        return []
    prev, last = with_dims.iloc[-2], with_dims.iloc[-1]
    out = []
    for d in dims:
        change = float(last[d] - prev[d])
        if change < -cfg.signal_dimension_delta:
            label = cfg.dimension_labels.get(d, d)
            out.append({"kind": "dimensie", "value": change, "text": (
                f"dimensie {label} {_num(change, 3, True)} sinds {int(prev['year'])} "
                f"(naar {_num(float(last[d]), 3, True)} in {int(last['year'])})")})
    return sorted(out, key=lambda f: f["value"])


def _kwb_rises(indicators: pd.DataFrame | None, *, as_of: int, cfg: EarlyWarningConfig
               ) -> dict[str, list[dict[str, Any]]]:
    if indicators is None or indicators.empty:
        return {}
    ind = indicators[indicators["year"] <= as_of]
    wide = ind.pivot_table(index=["unit_id", "year"], columns="indicator_id", values="value",
                           aggfunc="first")
    if {"a_soz_wb", "a_inw"} <= set(wide.columns):
        inw = wide["a_inw"].where(wide["a_inw"] > 0)
        wide["p_bijstand"] = wide["a_soz_wb"] / inw * 100.0
    out: dict[str, list[dict[str, Any]]] = {}
    for iid, (label, unit) in KWB_SHARES.items():
        if iid not in wide.columns:
            continue
        v = wide[iid].dropna().reset_index()
        for uid, part in v.groupby("unit_id", sort=False):
            part = part.sort_values("year")
            if len(part) < 2:
                continue
            last = part.iloc[-1]
            earlier = part[part["year"] >= int(last["year"]) - cfg.signal_kwb_window].iloc[:-1]
            if earlier.empty:
                continue
            first = earlier.iloc[-1]
            rise = float(last[iid] - first[iid])
            if np.isfinite(rise) and rise > cfg.signal_kwb_rise:
                out.setdefault(str(uid), []).append({"kind": "kwb", "value": rise, "text": (
                    f"{label} gestegen van {nl_number(float(first[iid]), decimals=1)}{unit} "
                    f"({int(first['year'])}) naar {nl_number(float(last[iid]), decimals=1)}"
                    f"{unit} ({int(last['year'])})")})
    return out
