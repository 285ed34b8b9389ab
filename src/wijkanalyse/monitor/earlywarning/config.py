"""The early warning's constants, configuration (``data/earlywarning.yaml``), input checks and
number texts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import nl_number

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
METHODS = ("model", "laatste_verandering", "basispercentage", "laagste_kwart", "hoog_niveau",
           "recente_stijging")
METHOD_LABELS = {
    "model": "model (logistische regressie)",
    "laatste_verandering": "baseline: laatste verandering zet door",
    "basispercentage": "baseline: altijd het basispercentage",
    "laagste_kwart": "baseline: laagste kwart blijft achter",
    "hoog_niveau": "baseline: hoog niveau valt terug",
    "recente_stijging": "baseline: na een stijging volgt terugval",
    "gbm": "gradient boosting (alle kenmerken)",
    "logit_alles": "logistische regressie (alle kenmerken)",
}
#: Share of the units per origin counted as "top" for :data:`METRICS` ``precision_top``.
TOP_SHARE = 0.10
METRICS = ("n", "n_decline", "base_rate", "flagged", "recall", "precision", "f1", "auc", "brier",
           "precision_top")
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
    signal_dimension_delta: float = 0.015
    signal_kwb_rise: float = 1.0
    signal_kwb_window: int = 5
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
    sig = data.get("signals") or {}
    if not isinstance(sig, dict):
        raise bad("signals", "moet een mapping zijn")
    sig_dim, sig_rise, sig_window = (sig.get("dimension_delta", 0.015),
                                     sig.get("kwb_rise", 1.0), sig.get("kwb_window", 5))
    if not (all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                for v in (sig_dim, sig_rise))
            and isinstance(sig_window, int) and sig_window >= 1):
        raise bad("signals", "dimension_delta en kwb_rise (>= 0) en kwb_window (geheel, >= 1)")
    return EarlyWarningConfig(
        signal_dimension_delta=float(sig_dim),
        signal_kwb_rise=float(sig_rise),
        signal_kwb_window=sig_window,
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


# ----------------------------------------------------------------------------- number texts


def _pct(value: float, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.v.t."
    return f"{nl_number(value * 100, decimals=decimals)}%"


def _num(value: float, decimals: int = 2, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.v.t."
    return nl_number(round(float(value), decimals) + 0.0, decimals=decimals, sign=sign)
