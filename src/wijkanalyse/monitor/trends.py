"""Trend classes of neighbourhoods from their Leefbaarometer series ("Kwetsbare wijken in beeld").

Platform31 (2017) followed the former aandachtswijken in the Leefbaarometer and sorted them by
level and trend: *Succes*, *Gestaag herstel*, *Terugval* and *Vroegsignalering*. This module
makes that classification repeatable for any set of units and any year, with the classes needed
for units that fit none of the four (see ``docs/trendklassen.md``).

Two steps:

* :func:`lbm_series` (I/O) reads the Leefbaarometer per unit from the database: a unit that is a
  buurt or a set of buurten gets the series of the wijk(en) containing it; several wijken are
  averaged with weights = their inhabitants (``a_inw``) in the latest year in which all of them
  have a count.
* :func:`classify_trends` (pure) classifies each unit from its series.

The classification uses only ``lbm_afw``, the deviation from the national reference as the
Leefbaarometer defines it (``lbm - lbm_afw``); it is therefore unchanged when a constant is added
to every ``lbm`` score, and the slopes depend on differences only. Levels are compared with
thresholds, trends are least-squares slopes (afwijkingspunten per jaar) over the measurements in
an early and a late period; the spread of the measurements around the late trend line
(``noise``) flags erratic series. Every threshold lives in ``data/trends.yaml``
(:class:`TrendConfig`, :func:`load_trend_config`) and can be overridden per call.
:func:`class_distribution`, :func:`trend_classes` and :func:`trend_summary` help reports.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.errors import DataFileError
from wijkanalyse.fmt import nl_number

#: The class ids, in report order; the rules in :func:`classify_trends` use exactly these.
CLASS_IDS = ("succes", "stabiel_sterk", "boven_dalend", "gestaag_herstel", "recent_herstel",
             "vroegsignalering", "terugval", "achteruitgang", "blijvend_achter",
             "onvoldoende_gegevens")
#: Columns of :func:`lbm_series`.
SERIES_COLUMNS = ("unit_id", "year", "lbm", "lbm_afw", "lbm_nl", "n_wijken", "n_wijken_total",
                  "weighting", "source")
#: Columns of :func:`classify_trends`.
RESULT_COLUMNS = ("unit_id", "klasse", "klasse_label", "level", "level_year", "start_level",
                  "start_year", "slope_early", "slope_late", "change_early", "change_late",
                  "n_points", "n_early", "n_late", "noise", "unstable", "periods", "evidence")
_DECIMALS = 10  # slopes and levels are rounded to this before comparing with thresholds
_TOP_KEYS = {"periods", "level", "slope", "data", "classes"}
#: YAML path -> TrendConfig field.
_FIELDS = {
    ("periods", "early", "start"): "early_start",
    ("periods", "early", "end"): "early_end",
    ("periods", "late", "start"): "late_start",
    ("periods", "late", "end"): "late_end",
    ("level", "average"): "level_average",
    ("level", "near_below"): "level_near_below",
    ("slope", "improve"): "slope_improve",
    ("slope", "decline"): "slope_decline",
    ("data", "min_points"): "min_points",
    ("data", "min_points_period"): "min_points_period",
    ("data", "max_level_age"): "max_level_age",
    ("data", "max_noise"): "max_noise",
}
_INT_FIELDS = {"early_start", "early_end", "late_start", "late_end", "min_points",
               "min_points_period", "max_level_age"}


class TrendConfigError(DataFileError):
    """A trend configuration file is invalid; names the file and what is wrong."""


@dataclass(frozen=True)
class TrendClass:
    """One class: fixed ``id``, Dutch ``label`` and one-sentence ``description``."""

    id: str
    label: str
    description: str


@dataclass(frozen=True)
class TrendConfig:
    """Thresholds of the trend classification (documented in ``docs/trendklassen.md``).

    Attributes
    ----------
    early_start, early_end
        The early period (inclusive years; default 2002–2012).
    late_start, late_end
        The late period; ``late_end=None`` means the reference year (the latest year in the
        series, or the year asked for).
    level_average
        A unit is at or above the national average when its deviation (``lbm_afw``) is at
        least this (default 0).
    level_near_below
        Lower bound of "nog redelijk" (just below average; default -0.10).
    slope_improve, slope_decline
        A slope (afwijkingspunten per jaar) above ``slope_improve`` is improvement, below
        ``slope_decline`` decline, in between standstill (defaults ±0.002).
    min_points
        Fewer measurements than this in the analysed window -> ``onvoldoende_gegevens``.
    min_points_period
        Minimum measurements in each period for a slope.
    max_level_age
        The latest measurement may lie at most this many years before the reference year.
    max_noise
        A series whose residual standard deviation around the late trend line exceeds this is
        flagged as unstable (``unstable``; the evidence says the class is uncertain). The class
        itself is not changed.
    classes
        Labels and descriptions of the classes, in report order.
    origin
        Where the configuration came from.
    """

    early_start: int
    early_end: int
    late_start: int
    late_end: int | None
    level_average: float
    level_near_below: float
    slope_improve: float
    slope_decline: float
    min_points: int
    min_points_period: int
    max_level_age: int
    max_noise: float
    classes: tuple[TrendClass, ...]
    origin: str = ""

    def __post_init__(self) -> None:
        problems = []
        for name in _FIELDS.values():
            value = getattr(self, name)
            if value is None and name == "late_end":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(
                    value):
                problems.append(f"{name} moet een getal zijn (nu {value!r})")
            elif name in _INT_FIELDS and int(value) != value:
                problems.append(f"{name} moet een geheel getal zijn (nu {value!r})")
        if problems:
            raise ValueError("; ".join(problems))
        if self.early_start >= self.early_end:
            problems.append("de vroege periode moet beginnen voor ze eindigt "
                            f"({self.early_start}–{self.early_end})")
        if self.late_end is not None and self.late_start >= self.late_end:
            problems.append("de late periode moet beginnen voor ze eindigt "
                            f"({self.late_start}–{self.late_end})")
        if self.late_start < self.early_start:
            problems.append("de late periode mag niet voor de vroege beginnen")
        if self.level_near_below > self.level_average:
            problems.append("level.near_below mag niet boven level.average liggen")
        if self.slope_decline > self.slope_improve:
            problems.append("slope.decline mag niet boven slope.improve liggen")
        if self.min_points < 2 or self.min_points_period < 2:
            problems.append("min_points en min_points_period zijn minstens 2 (een helling "
                            "vraagt twee metingen)")
        if self.max_level_age < 0:
            problems.append("max_level_age mag niet negatief zijn")
        if self.max_noise <= 0:
            problems.append("max_noise moet positief zijn")
        ids = [c.id for c in self.classes]
        if sorted(ids) != sorted(CLASS_IDS):
            problems.append(f"classes moet precies de klassen {', '.join(CLASS_IDS)} noemen")
        if problems:
            raise ValueError("; ".join(problems))

    def label(self, klasse: str) -> str:
        """The Dutch label of a class id."""
        return next(c.label for c in self.classes if c.id == klasse)

    def with_overrides(self, **changes: Any) -> TrendConfig:
        """A copy with some thresholds changed (field names of this class).

        Raises
        ------
        ValueError
            For an unknown field or an invalid combination of values.
        """
        unknown = sorted(set(changes) - set(_FIELDS.values()))
        if unknown:
            raise ValueError(f"onbekende drempel(s) {unknown}; bekend zijn "
                             f"{sorted(_FIELDS.values())}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The thresholds and classes as plain data (for reports and JSON)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS.values()}
        out["classes"] = [dataclasses.asdict(c) for c in self.classes]
        out["origin"] = self.origin
        return out


# ------------------------------------------------------------------------------ configuration


def _packaged_text() -> str:
    return resources.files("wijkanalyse").joinpath("data", "trends.yaml").read_text(
        encoding="utf-8")


@lru_cache(maxsize=1)
def _packaged_config() -> TrendConfig:
    return _config_from(_parse_yaml(_packaged_text(), origin="wijkanalyse/data/trends.yaml"),
                        origin="wijkanalyse/data/trends.yaml")


def load_trend_config(path: str | Path | None = None) -> TrendConfig:
    """The trend thresholds: the packaged ``data/trends.yaml``, or a user file over it.

    Parameters
    ----------
    path
        A YAML file in the format of ``data/trends.yaml``; it only needs the values it changes
        (``slope: {improve: 0.003}``). ``classes`` entries are merged by ``id``.

    Raises
    ------
    TrendConfigError
        Missing file, invalid YAML, unknown keys or invalid values (naming the file).
    """
    base = _packaged_config()
    if path is None:
        return base
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TrendConfigError(path, "bestand bestaat niet",
                               hint="controleer het pad van het drempelbestand.") from exc
    user = _parse_yaml(text, origin=str(path))
    merged = _parse_yaml(_packaged_text(), origin="wijkanalyse/data/trends.yaml")
    for top, value in user.items():
        if top == "classes":
            merged["classes"] = _merge_classes(merged["classes"], value, origin=str(path))
        elif isinstance(value, dict):
            merged[top] = _deep_merge(merged.get(top) or {}, value)
        else:
            raise TrendConfigError(path, f"{top!r} moet een mapping zijn",
                                   hint="zie src/wijkanalyse/data/trends.yaml voor het formaat.")
    return _config_from(merged, origin=str(path))


def _parse_yaml(text: str, *, origin: str) -> dict[str, Any]:
    try:
        data = safeyaml.load(text, origin=origin)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TrendConfigError(origin, f"geen geldige YAML: {getattr(exc, 'problem', None) or exc}",
                               line=mark.line + 1 if mark is not None else None) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TrendConfigError(origin, "verwacht een mapping met periods, level, slope, data",
                               line=1)
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise TrendConfigError(origin, f"onbekende sleutel(s) {unknown}",
                               hint=f"toegestaan zijn {sorted(_TOP_KEYS)}.")
    return data


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_classes(base: list[dict[str, Any]], extra: object, *, origin: str
                   ) -> list[dict[str, Any]]:
    if not isinstance(extra, list) or not all(isinstance(e, dict) and "id" in e for e in extra):
        raise TrendConfigError(origin, "'classes' moet een lijst zijn van {id, label, "
                               "description}")
    out = [dict(c) for c in base]
    for entry in extra:
        match = next((c for c in out if c["id"] == entry["id"]), None)
        if match is None:
            raise TrendConfigError(origin, f"onbekende klasse {entry['id']!r}",
                                   hint=f"de klassen zijn {', '.join(CLASS_IDS)}.")
        match.update(entry)
    return out


def _config_from(data: dict[str, Any], *, origin: str) -> TrendConfig:
    values: dict[str, Any] = {}
    known_paths = {path[:i] for path in _FIELDS for i in range(1, len(path) + 1)}

    def walk(node: object, prefix: tuple[str, ...]) -> None:
        if prefix in _FIELDS:
            values[_FIELDS[prefix]] = node
            return
        if prefix and prefix not in known_paths:
            raise TrendConfigError(origin, f"onbekende sleutel {'.'.join(prefix)!r}",
                                   hint="zie src/wijkanalyse/data/trends.yaml voor de sleutels.")
        if not isinstance(node, dict):
            raise TrendConfigError(origin, f"{'.'.join(prefix)!r} moet een mapping zijn")
        for key, value in node.items():
            walk(value, (*prefix, str(key)))

    walk({k: v for k, v in data.items() if k != "classes"}, ())
    missing = sorted(set(_FIELDS.values()) - set(values))
    if missing:
        raise TrendConfigError(origin, f"drempel(s) ontbreken: {missing}")
    classes = []
    for entry in data.get("classes") or []:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("label"):
            raise TrendConfigError(origin, "elke klasse heeft een id en een label")
        classes.append(TrendClass(id=str(entry["id"]), label=str(entry["label"]).strip(),
                                  description=" ".join(str(entry.get("description") or "")
                                                       .split())))
    try:
        return TrendConfig(**values, classes=tuple(classes), origin=origin)
    except (TypeError, ValueError) as exc:
        raise TrendConfigError(origin, str(exc)) from exc


def trend_classes(config: TrendConfig | None = None) -> pd.DataFrame:
    """The classes in report order: ``klasse``, ``klasse_label``, ``description``, ``order``."""
    cfg = config or load_trend_config()
    order = {c: i for i, c in enumerate(CLASS_IDS)}
    rows = [{"klasse": c.id, "klasse_label": c.label, "description": c.description,
             "order": order[c.id]} for c in cfg.classes]
    return pd.DataFrame(rows).sort_values("order", kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- series (I/O)


def lbm_series(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, *,
               complete_only: bool = True) -> pd.DataFrame:
    """The Leefbaarometer series of each unit (long format).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        At least ``unit_id`` and ``wijk_codes`` (list of wijk codes per unit), as in
        :attr:`wijkanalyse.gebieden.sets.MonitorSet.units`.
    complete_only
        Keep only years in which every wijk of a unit has a score (default), so that a
        change of composition never looks like a trend. With ``False`` a year with some of the
        wijken is kept and ``n_wijken`` says how many.

    Returns
    -------
    DataFrame
        Columns :data:`SERIES_COLUMNS`: ``unit_id``, ``year``, ``lbm`` (score), ``lbm_afw``
        (deviation from the national reference), ``lbm_nl`` (the national reference,
        ``lbm - lbm_afw``), ``n_wijken`` (wijken averaged that year), ``n_wijken_total``
        (wijken of the unit), ``weighting`` (Dutch: how several wijken were weighted) and
        ``source`` (citation). Units without any score have no rows. Several wijken are
        averaged with their inhabitants (``a_inw``) of the latest year in which all of them
        have a count; without such a year (or with zero inhabitants) they count equally.

    Raises
    ------
    ValueError
        When ``units`` lacks a column or repeats a unit_id.
    """
    for col in ("unit_id", "wijk_codes"):
        if col not in units.columns:
            raise ValueError(f"units mist de kolom {col!r}")
    if units["unit_id"].duplicated().any():
        dups = sorted(units.loc[units["unit_id"].duplicated(), "unit_id"].astype(str))
        raise ValueError(f"unit_id komt meer dan eens voor: {', '.join(dups[:5])}")
    pairs = units[["unit_id", "wijk_codes"]].copy()
    pairs["wijk_codes"] = pairs["wijk_codes"].map(
        lambda v: sorted({str(c) for c in v}) if isinstance(v, Iterable)
        and not isinstance(v, str) else ([v] if isinstance(v, str) else []))
    pairs = pairs.explode("wijk_codes").dropna(subset=["wijk_codes"]).rename(
        columns={"wijk_codes": "code"})
    pairs["unit_id"] = pairs["unit_id"].astype(str)
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        SERIES_COLUMNS, (str, int, float, float, float, int, int, str, str), strict=True)})
    if pairs.empty:
        return empty
    codes = sorted(pairs["code"].unique())
    obs = con.execute(
        "SELECT o.code, o.year, o.indicator_id, o.value, s.label FROM observation o "
        "LEFT JOIN sources s ON s.source_id = o.source_id "
        "WHERE o.indicator_id IN ('lbm', 'lbm_afw') AND o.value IS NOT NULL "
        "AND list_contains(?, o.code)", [codes]).df()
    if obs.empty:
        return empty
    wide = obs.pivot_table(index=["code", "year"], columns="indicator_id", values="value",
                           aggfunc="first").reset_index()
    if "lbm" not in wide.columns or "lbm_afw" not in wide.columns:
        return empty
    wide = wide.dropna(subset=["lbm", "lbm_afw"])
    labels = (obs[obs["indicator_id"] == "lbm_afw"].groupby(["code", "year"])["label"]
              .first().rename("source").reset_index())
    wide = wide.merge(labels, on=["code", "year"], how="left")

    weights, weighting = _weights(con, pairs, codes)
    pairs = pairs.merge(weights, on=["unit_id", "code"], how="left")
    n_total = pairs.groupby("unit_id")["code"].nunique().rename("n_wijken_total")
    data = pairs.merge(wide, on="code", how="inner")
    data["w_lbm"] = data["weight"] * data["lbm"]
    data["w_afw"] = data["weight"] * data["lbm_afw"]
    grouped = data.groupby(["unit_id", "year"], sort=False)
    agg = grouped.agg(n_wijken=("code", "nunique"), sw=("weight", "sum"), swl=("w_lbm", "sum"),
                      swa=("w_afw", "sum"), mean_lbm=("lbm", "mean"),
                      mean_afw=("lbm_afw", "mean"),
                      source=("source", lambda s: "; ".join(sorted(set(s.dropna()))))
                      ).reset_index()
    positive = agg["sw"] > 0
    denom = np.where(positive, agg["sw"], 1.0)
    agg["lbm"] = np.where(positive, agg["swl"] / denom, agg["mean_lbm"])
    agg["lbm_afw"] = np.where(positive, agg["swa"] / denom, agg["mean_afw"])
    agg["lbm_nl"] = agg["lbm"] - agg["lbm_afw"]
    agg = agg.merge(n_total, left_on="unit_id", right_index=True, how="left")
    if complete_only:
        agg = agg[agg["n_wijken"] == agg["n_wijken_total"]]
    agg["weighting"] = agg["unit_id"].map(weighting)
    order = {u: i for i, u in enumerate(units["unit_id"].astype(str))}
    agg["_order"] = agg["unit_id"].map(order)
    agg = agg.sort_values(["_order", "year"], kind="stable")
    out = agg[list(SERIES_COLUMNS)].reset_index(drop=True)
    return out.astype({"year": int, "n_wijken": int, "n_wijken_total": int})


def _weights(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, codes: list[str]
             ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Weight per (unit, wijk): a_inw of the latest year all the unit's wijken have it."""
    n_per_unit = pairs.groupby("unit_id")["code"].nunique()
    multi = set(n_per_unit[n_per_unit > 1].index)
    weights = pairs[["unit_id", "code"]].copy()
    weights["weight"] = 1.0
    weighting = {u: "één wijk" for u in n_per_unit.index if u not in multi}
    if not multi:
        return weights, weighting
    inw = con.execute(
        "SELECT code, year, value FROM observation WHERE indicator_id = 'a_inw' "
        "AND value IS NOT NULL AND list_contains(?, code)", [codes]).df()
    sub = pairs[pairs["unit_id"].isin(multi)].merge(inw, on="code", how="inner")
    counts = sub.groupby(["unit_id", "year"])["code"].nunique().reset_index(name="n")
    counts = counts.merge(n_per_unit.rename("total"), left_on="unit_id", right_index=True)
    full = counts[counts["n"] == counts["total"]].groupby("unit_id")["year"].max()
    for unit in sorted(multi):
        year = full.get(unit)
        if year is None:
            weighting[unit] = "gelijk gewogen (inwonertal ontbreekt)"
            continue
        rows = sub[(sub["unit_id"] == unit) & (sub["year"] == year)].set_index("code")["value"]
        if float(rows.sum()) <= 0:
            weighting[unit] = f"gelijk gewogen (geen inwoners in {int(year)})"
            continue
        mask = weights["unit_id"] == unit
        weights.loc[mask, "weight"] = weights.loc[mask, "code"].map(rows).astype(float)
        weighting[unit] = f"gewogen met inwoners {int(year)}"
    return weights, weighting


# --------------------------------------------------------------------- classification (pure)


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
