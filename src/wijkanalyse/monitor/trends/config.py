"""The trend classes and their thresholds: ``data/trends.yaml``, user files over it."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.errors import DataFileError

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
