"""The risk score of units at a measurement year, with its explanation."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.config import (
    EarlyWarningConfig,
    _cfg,
    _num,
    _pct,
)
from wijkanalyse.monitor.earlywarning.data import (
    _check_units,
    _code_list,
    _lbm_codes,
    kwb_indicators,
    lbm_history,
    unit_series,
)
from wijkanalyse.monitor.earlywarning.features import (
    risk_features,
)
from wijkanalyse.monitor.earlywarning.model import (
    RiskModel,
    fit_model,
)

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
    # plain facts only: a pattern of all wijken (regression to the mean) is no reason for one
    "lbm_afw": ("lager niveau dan gemiddeld", "hoger niveau dan gemiddeld"),
    "change_per_year": ("recente daling", "recente stijging"),
    "slope3": ("dalende trend", "stijgende trend"),
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


# ------------------------------------------------------------------------------ early signals


def unit_signals(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    year: int | None = None,
    config: EarlyWarningConfig | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The descriptive early signals of the units (:func:`.signals.early_signals`).

    Parameters
    ----------
    con
        A database connection (read-only is fine).
    units
        Units as :func:`wijkanalyse.gebieden.sets.resolve_set` gives them.
    year
        The last year that may be used (default: every year).
    config
        Settings; default the shipped file.
    history
        :func:`lbm_history` of ``con`` when the caller already has it: the gemeente means.

    Returns
    -------
    pandas.DataFrame
        As :func:`.signals.early_signals`.
    """
    from wijkanalyse.monitor.earlywarning.signals import early_signals

    cfg = _cfg(config)
    units = _check_units(units)
    if history is None:
        history = lbm_history(con)
    as_of = int(year) if year is not None else 9999
    series = _units_series(con, units, history)
    return early_signals(series, units, as_of=as_of, reference=history,
                         indicators=kwb_indicators(con, units), config=cfg)
