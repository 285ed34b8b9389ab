"""The classification of each unit from its series (pure), and texts for reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.trends.config import (
    CLASS_IDS,
    RESULT_COLUMNS,
    TrendConfig,
    load_trend_config,
    trend_classes,
)

_DECIMALS = 10  # slopes and levels are rounded to this before comparing with thresholds


def _check_series(series: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """unit ids, years and deviations of the rows with a value; raises ValueError."""
    missing = [c for c in ("unit_id", "year", "lbm_afw") if c not in series.columns]
    if missing:
        raise ValueError(f"series mist de kolom(men) {missing}")
    units = series["unit_id"].astype(str).to_numpy(dtype=object)
    years = pd.to_numeric(series["year"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(years).any() or (years != np.floor(years)).any():
        raise ValueError("series.year moet uit gehele jaartallen bestaan")
    values = pd.to_numeric(series["lbm_afw"], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(values)
    units, years, values = units[keep], years[keep].astype(int), values[keep]
    keys = pd.MultiIndex.from_arrays([units, years])
    if keys.has_duplicates:
        unit, year = keys[keys.duplicated()][0]
        raise ValueError(f"series heeft twee waarden voor {unit} in {year}")
    return units, years, values


def _fit(codes: np.ndarray, years: np.ndarray, values: np.ndarray, n_units: int,
         start: int, end: int) -> dict[str, np.ndarray]:
    """Least-squares slope per unit over the points with start <= year <= end.

    ``codes`` are unit positions (0..n_units-1) of points sorted by unit and year. Years are
    counted from ``start`` and centred per unit, so slopes depend on differences of years and
    of values only. Returns arrays of length ``n_units`` (NaN where a unit has no point).
    """
    keep = (years >= start) & (years <= end)
    c, t, y = codes[keep], (years[keep] - start).astype(float), values[keep]
    n = np.bincount(c, minlength=n_units).astype(float)
    safe_n = np.where(n > 0, n, 1.0)
    t_mean = np.bincount(c, t, minlength=n_units) / safe_n
    y_mean = np.bincount(c, y, minlength=n_units) / safe_n
    dt, dy = t - t_mean[c], y - y_mean[c]
    sxx = np.bincount(c, dt * dt, minlength=n_units)
    sxy = np.bincount(c, dt * dy, minlength=n_units)
    slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), np.nan)
    resid = dy - np.nan_to_num(slope)[c] * dt
    ssr = np.bincount(c, resid * resid, minlength=n_units)
    dof = n - 2
    noise = np.where(dof > 0, np.sqrt(ssr / np.where(dof > 0, dof, 1.0)), np.nan)
    first_pos = np.full(n_units, -1)
    last_pos = np.full(n_units, -1)
    positions = np.arange(len(c))
    first_pos[c[::-1]] = positions[::-1]  # the last assignment wins: the first point
    last_pos[c] = positions
    has = n > 0

    def pick(arr: np.ndarray, pos: np.ndarray) -> np.ndarray:
        if not len(arr):
            return np.full(n_units, np.nan)
        return np.where(has, arr[np.where(has, pos, 0)], np.nan)

    first_value, last_value = pick(y, first_pos), pick(y, last_pos)
    return {"n": n.astype(int), "slope": slope, "noise": noise,
            "change": last_value - first_value, "first_year": pick(t, first_pos) + start,
            "last_year": pick(t, last_pos) + start, "first_value": first_value}


def classify_trends(
    series: pd.DataFrame,
    *,
    config: TrendConfig | None = None,
    year: int | None = None,
    unit_ids: Iterable[str] | None = None,
    **overrides: float | int | None,
) -> pd.DataFrame:
    """Classify each unit by the level and trend of its Leefbaarometer deviation.

    Rules (thresholds from ``config``, see ``docs/trendklassen.md``), in this order:

    1. ``onvoldoende_gegevens``: fewer than ``min_points`` measurements from the start of the
       early period up to the reference year, fewer than ``min_points_period`` in either
       period, or the latest measurement more than ``max_level_age`` years before the
       reference year;
    2. at or above average now (level >= ``level_average``): ``boven_dalend`` when the late
       slope < ``slope_decline``; else ``succes`` when the first measurement of the early
       period was below average, else ``stabiel_sterk``;
    3. below average, late slope < ``slope_decline``: ``terugval`` when the early slope >
       ``slope_improve``, else ``achteruitgang``;
    4. below average, late slope > ``slope_improve``: ``gestaag_herstel`` when the early slope
       also > ``slope_improve``, else ``recent_herstel``;
    5. below average, standstill since the start of the late period: ``vroegsignalering`` when
       level >= ``level_near_below``, else ``blijvend_achter``.

    Parameters
    ----------
    series
        Long frame with ``unit_id``, ``year`` and ``lbm_afw`` (other columns are ignored), as
        :func:`lbm_series` gives it. Missing values are skipped.
    config
        Thresholds; default :func:`load_trend_config`.
    year
        Reference year: only measurements up to this year count and the late period ends here
        (unless the config fixes its end). Default: the latest year in ``series``.
    unit_ids
        Units to report, in this order; those without rows in ``series`` get
        ``onvoldoende_gegevens`` ("geen Leefbaarometer-meting"). Default: the units of
        ``series`` in order of appearance.
    **overrides
        Thresholds to change for this call (field names of :class:`TrendConfig`, e.g.
        ``slope_improve=0.003``).

    Returns
    -------
    DataFrame
        One row per unit, columns :data:`RESULT_COLUMNS`: ``klasse`` (id), ``klasse_label``,
        ``level`` (latest ``lbm_afw``) and ``level_year``, ``start_level``/``start_year`` (first
        measurement of the early period), ``slope_early``/``slope_late`` (per year),
        ``change_early``/``change_late`` (last minus first measurement in the period),
        ``n_points``/``n_early``/``n_late``, ``periods`` (text) and ``evidence`` (a Dutch
        sentence with the figures).

    Raises
    ------
    ValueError
        For a series without the needed columns, with non-integer years or two values for one
        unit and year, and for unknown or invalid overrides.
    """
    cfg = config or load_trend_config()
    if overrides:
        cfg = cfg.with_overrides(**overrides)
    all_units, all_years, all_values = _check_series(series)
    ids = (list(dict.fromkeys(str(u) for u in unit_ids)) if unit_ids is not None
           else list(dict.fromkeys(all_units)))
    position = pd.Index(ids).get_indexer(all_units) if len(ids) else np.full(
        len(all_units), -1)
    keep = position >= 0
    ref_year = (int(year) if year is not None
                else (int(all_years[keep].max()) if keep.any() else None))
    if ref_year is not None:
        keep &= all_years <= ref_year
    late_end = cfg.late_end if cfg.late_end is not None else ref_year
    order = np.lexsort((all_years[keep], position[keep]))
    codes = position[keep][order]
    years = all_years[keep][order]
    values = all_values[keep][order]
    n_units = len(ids)

    last_pos = np.full(n_units, -1)
    last_pos[codes] = np.arange(len(codes))
    has = last_pos >= 0
    take = np.where(has, last_pos, 0)
    level = np.where(has, values[take], np.nan) if len(codes) else np.full(n_units, np.nan)
    level_year = np.where(has, years[take], np.nan) if len(codes) else np.full(n_units, np.nan)
    n_points = np.bincount(codes[years >= cfg.early_start], minlength=n_units)
    early = _fit(codes, years, values, n_units, cfg.early_start, cfg.early_end)
    late = _fit(codes, years, values, n_units, cfg.late_start,
                late_end if late_end is not None else cfg.late_start)

    lvl = np.round(level, _DECIMALS)
    start = np.round(early["first_value"], _DECIMALS)
    s_early = np.round(early["slope"], _DECIMALS)
    s_late = np.round(late["slope"], _DECIMALS)
    age = ref_year - level_year if ref_year is not None else np.full(n_units, np.nan)
    insufficient = (
        np.isnan(lvl) | (n_points < cfg.min_points)
        | (early["n"] < cfg.min_points_period) | (late["n"] < cfg.min_points_period)
        | np.isnan(s_early) | np.isnan(s_late) | ~(age <= cfg.max_level_age)
    )
    above = lvl >= cfg.level_average
    declining = s_late < cfg.slope_decline
    improving = s_late > cfg.slope_improve
    early_up = s_early > cfg.slope_improve
    klasse = np.select(
        [insufficient, above & declining, above & (start < cfg.level_average), above,
         declining & early_up, declining, improving & early_up, improving,
         lvl >= cfg.level_near_below],
        ["onvoldoende_gegevens", "boven_dalend", "succes", "stabiel_sterk", "terugval",
         "achteruitgang", "gestaag_herstel", "recent_herstel", "vroegsignalering"],
        default="blijvend_achter")
    unstable = np.nan_to_num(np.round(late["noise"], _DECIMALS)) > cfg.max_noise
    labels = {c.id: c.label for c in cfg.classes}
    out = pd.DataFrame({
        "unit_id": pd.array(ids, dtype=str) if ids else pd.array([], dtype=str),
        "klasse": klasse.astype(str) if n_units else np.array([], dtype=str),
        "klasse_label": [labels[k] for k in klasse],
        "level": level,
        "level_year": pd.array(level_year, dtype="Int64"),
        "start_level": early["first_value"],
        "start_year": pd.array(early["first_year"], dtype="Int64"),
        "slope_early": early["slope"],
        "slope_late": late["slope"],
        "change_early": early["change"],
        "change_late": late["change"],
        "n_points": n_points.astype(int),
        "n_early": early["n"],
        "n_late": late["n"],
        "noise": late["noise"],
        "unstable": unstable.astype(bool),
    })
    spans = [(_span(a, b), _span(c, d)) for a, b, c, d in zip(
        early["first_year"], early["last_year"], late["first_year"], late["last_year"],
        strict=True)]
    out["periods"] = [" en ".join(p for p in pair if p) for pair in spans]
    out["evidence"] = [
        _evidence(_Row(*vals), cfg, ref_year=ref_year, late_end=late_end)
        for vals in zip(out["klasse"], out["klasse_label"], level, level_year,
                        early["first_value"], early["first_year"], early["slope"],
                        late["slope"], early["change"], late["change"], n_points, early["n"],
                        late["n"], late["noise"], unstable, spans, strict=True)]
    return out[list(RESULT_COLUMNS)]

# ----------------------------------------------------------------------------------- texts


def _span(a: float | None, b: float | None) -> str:
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return ""
    return f"{int(a)}–{int(b)}"


class _Row(NamedTuple):
    """The figures of one unit, for its evidence sentence."""

    klasse: str
    klasse_label: str
    level: float
    level_year: float
    start_level: float
    start_year: float
    slope_early: float
    slope_late: float
    change_early: float
    change_late: float
    n_points: int
    n_early: int
    n_late: int
    noise: float
    unstable: bool
    spans: tuple[str, str]


def _signed(value: float, decimals: int) -> str:
    """A signed Dutch number; a value that rounds to zero is shown without sign."""
    if pd.isna(value):
        return "–"
    if round(float(value), decimals) == 0:
        return nl_number(0.0, decimals=decimals)
    return nl_number(value, decimals=decimals, sign=True)


def _level_text(value: float) -> str:
    """A level with two decimals and its sign kept: -0.0007 is "-0,00" (just below average)."""
    return nl_number(value, decimals=2, sign=True)


def _position(level: float, cfg: TrendConfig) -> str:
    if level >= cfg.level_average:
        return "op of boven het landelijk gemiddelde"
    if level >= cfg.level_near_below:
        return "net onder het landelijk gemiddelde"
    return "ruim onder het landelijk gemiddelde"


def _evidence(r: Any, cfg: TrendConfig, *, ref_year: int | None, late_end: int | None) -> str:
    if r.klasse == "onvoldoende_gegevens":
        return _insufficient_text(r, cfg, ref_year=ref_year, late_end=late_end)
    start = (f"; {int(r.start_year)}: {_level_text(r.start_level)}"
             if not pd.isna(r.start_year) and r.start_year != r.level_year else "")
    return (
        f"Afwijking {int(r.level_year)} {_level_text(r.level)} "
        f"({_position(float(r.level), cfg)}{start}); "
        f"{r.spans[0]} {_signed(r.slope_early, 3)} per jaar "
        f"({_signed(r.change_early, 2)}), "
        f"{r.spans[1]} {_signed(r.slope_late, 3)} per jaar "
        f"({_signed(r.change_late, 2)}): {r.klasse_label.lower()}."
        + (f" Let op: onrustige reeks (spreiding rond de trend sinds {r.spans[1][:4]} "
           f"{nl_number(r.noise, decimals=2)}); de klasse is onzeker." if r.unstable else "")
    )


def _insufficient_text(r: Any, cfg: TrendConfig, *, ref_year: int | None,
                       late_end: int | None) -> str:
    if pd.isna(r.level_year):
        return "Onvoldoende gegevens: geen Leefbaarometer-meting voor dit gebied."
    reasons = []
    if ref_year is not None and ref_year - int(r.level_year) > cfg.max_level_age:
        reasons.append(f"laatste meting in {int(r.level_year)}, meer dan {cfg.max_level_age} "
                       f"jaar voor {ref_year}")
    if r.n_points < cfg.min_points:
        reasons.append(f"{r.n_points} meting{'en' if r.n_points != 1 else ''} vanaf "
                       f"{cfg.early_start} (minstens {cfg.min_points} nodig)")
    for n, a, b in ((r.n_early, cfg.early_start, cfg.early_end),
                    (r.n_late, cfg.late_start, late_end)):
        if n < cfg.min_points_period:
            span = f"in {a}–{b}" if b is not None and b > a else f"vanaf {a}"
            reasons.append(f"{n} meting{'en' if n != 1 else ''} {span} (minstens "
                           f"{cfg.min_points_period} nodig)")
    level = (f" Afwijking {int(r.level_year)} {_level_text(r.level)} "
             f"({_position(float(r.level), cfg)}).")
    return "Onvoldoende gegevens: " + "; ".join(reasons) + "." + level


def class_distribution(result: pd.DataFrame, config: TrendConfig | None = None) -> pd.DataFrame:
    """Number and share of units per class, in report order (all classes, also empty ones).

    Parameters
    ----------
    result
        The frame of :func:`classify_trends`.
    config
        For the labels; default :func:`load_trend_config`.

    Returns
    -------
    DataFrame
        ``klasse``, ``klasse_label``, ``n``, ``share`` (fraction of all units).
    """
    classes = trend_classes(config)
    counts = result["klasse"].value_counts()
    classes["n"] = classes["klasse"].map(counts).fillna(0).astype(int)
    total = int(classes["n"].sum())
    classes["share"] = np.where(total > 0, classes["n"] / max(total, 1), np.nan)
    return classes[["klasse", "klasse_label", "n", "share"]]


def trend_summary(result: pd.DataFrame, *, mapping: Mapping[str, str] | None = None) -> str:
    """One Dutch sentence with the distribution: "12 gebieden: 3 succes, 2 terugval, …".

    Parameters
    ----------
    result
        The frame of :func:`classify_trends`.
    mapping
        Optional class id -> label (default: the labels in ``result``).
    """
    labels = dict(mapping or dict(zip(result["klasse"], result["klasse_label"], strict=True)))
    counts = result["klasse"].value_counts()
    parts = [f"{int(counts[k])} {labels.get(k, k).lower()}" for k in CLASS_IDS if k in counts]
    n = len(result)
    return f"{n} gebied{'en' if n != 1 else ''}: " + ", ".join(parts) + "."
