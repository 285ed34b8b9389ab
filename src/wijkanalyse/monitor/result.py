"""What the monitor found for one set and year: :class:`MonitorResult` and its boundaries
(:class:`MonitorGeo`), the per-unit export columns, and :func:`to_plain` (the result as
JSON-able plain data)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from wijkanalyse import __version__
from wijkanalyse.monitor.availability import Availability

__all__ = [
    "EXPORT_COLUMNS",
    "NO_CLASS",
    "UNIT_COLUMNS",
    "WARN_CLASSES",
    "MonitorGeo",
    "MonitorResult",
    "to_plain",
]

#: Risk classes that put a unit on the early-warning list, most urgent first.
WARN_CLASSES: tuple[str, ...] = ("hoog", "verhoogd")

#: The per-unit table as exported: (column of :attr:`MonitorResult.units`, field name in
#: CSV/GeoPackage, Dutch header in Excel).
EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("unit_id", "code", "Code"),
    ("name", "naam", "Naam"),
    ("gemeente_code", "gemeentecode", "Gemeentecode"),
    ("gemeente", "gemeente", "Gemeente"),
    ("level", "niveau", "Niveau"),
    ("codes", "cbs_codes", "CBS-codes"),
    ("klasse", "klasse_code", "Klasse (code)"),
    ("klasse_label", "klasse", "Klasse"),
    ("klasse_geldt_voor", "klasse_geldt_voor", "Klasse geldt voor (wijkcodes)"),
    ("klasse_geldt_voor_tekst", "klasse_geldt_voor_tekst", "Klasse geldt voor"),
    ("lbm_year", "lbm_jaar", "Leefbaarometer: jaar"),
    ("lbm", "lbm_score", "Leefbaarometer: score"),
    ("lbm_afw", "lbm_afwijking", "Leefbaarometer: afwijking van landelijk gemiddelde"),
    ("period_early", "periode_1", "Periode 1"),
    ("change_early", "verandering_1", "Verandering afwijking periode 1"),
    ("period_late", "periode_2", "Periode 2"),
    ("change_late", "verandering_2", "Verandering afwijking periode 2"),
    ("evidence", "onderbouwing", "Onderbouwing klasse"),
    ("index_year", "index_jaar", "Samengestelde index: jaar"),
    ("index", "index_totaal", "Samengestelde index (100 = Nederland)"),
    ("type_name", "type", "Type"),
    ("risk", "risico", "Risicoscore"),
    ("risk_class", "risicoklasse", "Risicoklasse"),
    ("risk_explanation", "risico_toelichting", "Toelichting risico"),
    ("lbm_change", "lbm_verandering_laatst",
     "Leefbaarometer: verandering afwijking sinds vorige meting"),
    ("n_signals", "vroege_signalen_aantal", "Vroege signalen (aantal)"),
    ("signals", "vroege_signalen", "Vroege signalen"),
    ("has_geometry", "heeft_grens", "Grens beschikbaar"),
    ("codes_year", "indeling_jaar", "CBS-indeling van de codes (jaar)"),
    ("uncertain", "onzeker", "Onzeker afgebakend"),
    ("uncertain_reason", "onzeker_reden", "Waarom onzeker"),
    ("missing", "ontbrekende_gegevens", "Wat ontbreekt"),
)

UNIT_COLUMNS = [c for c, _, _ in EXPORT_COLUMNS]

NO_CLASS = "geen_reeks"


# ------------------------------------------------------------------------------ the result


@dataclass
class MonitorGeo:
    """Boundaries for the maps and the GeoPackage (RD New, EPSG:28992); not in the JSON.

    Attributes
    ----------
    units
        Boundary per unit id (units without a boundary are absent).
    gemeenten
        The national gemeente map: boundary per gemeente code (one year).
    gemeenten_year
        Year of that map (``None`` when the database has no gemeente boundaries).
    unit_sources
        Citation labels of the boundaries of each unit (by unit id).
    gemeente_sources
        Citation labels of the gemeente map.
    gemeenten_with_boundaries
        Names of the gemeenten with wijk or buurt boundaries in the database.
    unit_years
        The boundary years each unit is drawn with (2016 for the nationwide wijk map).
    context
        Per gemeente code the other wijken (or buurten) of its map at the level of its units:
        ``(code, name, geometry, year)``, drawn light and labelled on the gemeente maps.
    """

    units: dict[str, BaseGeometry] = field(default_factory=dict)
    gemeenten: dict[str, BaseGeometry] = field(default_factory=dict)
    gemeenten_year: int | None = None
    unit_sources: dict[str, list[str]] = field(default_factory=dict)
    gemeente_sources: list[str] = field(default_factory=list)
    gemeenten_with_boundaries: list[str] = field(default_factory=list)
    unit_years: dict[str, list[int]] = field(default_factory=dict)
    context: dict[str, list[tuple[str, str, BaseGeometry, int | None]]] = field(
        default_factory=dict)

    def sources_of(self, unit_ids: Sequence[str] | None = None) -> list[str]:
        """Distinct citation labels of the boundaries of these units (default all)."""
        ids = list(self.unit_sources) if unit_ids is None else unit_ids
        return list(dict.fromkeys(lab for u in ids for lab in self.unit_sources.get(u, [])))


@dataclass
class MonitorResult:
    """Everything the monitor of one set and year found.

    Attributes
    ----------
    set_name, title, description, level_note, set_kind, spec
        The set (:class:`wijkanalyse.gebieden.sets.MonitorSet`).
    year
        The report year: Leefbaarometer series are used up to this year; index, typology and
        risk are of this year where the data allow (the year used is in each table).
    units
        One row per unit, columns :data:`EXPORT_COLUMNS` (first element), in the set's order.
        ``klasse`` is ``"geen_reeks"`` for a unit without a Leefbaarometer series.
    classes
        Class distribution: ``klasse``, ``klasse_label``, ``n``, ``share`` (of the units with a
        class), ``mean_afw`` (mean Leefbaarometer deviation in the level year).
    gemeenten
        Per gemeente: ``gemeente_code``, ``gemeente``, ``n_units``, ``n_lbm``, one count column
        per class label, ``mean_afw``, ``n_warn`` (units on the early-warning list).
    warnings
        The early-warning list: ``unit_id``, ``name``, ``gemeente``, ``klasse_label``,
        ``lbm_afw``, ``lbm_change``, ``risk``, ``risk_class``, ``risk_explanation``,
        ``n_signals``, ``signals``. Ranking mode (``early_warning["mode"]``): the units of
        risk class ``hoog`` before ``verhoogd``, then by falling risk. Signal mode: the units
        with at least one descriptive early signal, most signals first, then the largest
        decline; ``risk`` is empty.
    types
        Typology summary: ``type_id``, ``type_name``, ``n``, ``share``, ``mean_afw`` and one
        count column per class label.
    lbm_series
        The Leefbaarometer series of the units (``unit_id``, ``year``, ``lbm``, ``lbm_afw``)
        up to :attr:`year`.
    class_series
        Mean Leefbaarometer deviation per class and year: ``klasse``, ``klasse_label``,
        ``year``, ``mean_afw``, ``n``.
    agreement
        :func:`wijkanalyse.monitor.composite.compare_with_lbm` (plain data), empty when not
        computed.
    backtest
        The early-warning backtest as plain data, ``None`` when not computed.
    typology_info
        ``k``, ``method``, ``criterion``, ``features_used``, ``note``, ``year``.
    class_info
        Per class code: label and (where the trend module gives one) its definition.
    index_info
        ``year`` (most common index year), ``years``, ``base_year``, ``domains``, ``n``,
        ``method`` (Dutch), ``notes``.
    risk_info
        ``as_of`` (Leefbaarometer year the risk starts from), ``base_rate`` (the average
        risk in the training history), ``n`` (units with a score).
    early_warning
        Which early warning is shown: ``mode`` (``"ranking"``: the risk ranking, the
        backtest of the model shows skill; ``"signalen"``: the descriptive early signals
        only), ``skill`` (the verdict of :func:`wijkanalyse.monitor.earlywarning.skill_of`,
        ``None`` without a backtest), ``statement`` (Dutch: why no prediction is shown; ""
        in ranking mode) and ``n_signals`` (units with at least one early signal).
    sources
        The sources used: ``label``, ``kind``, ``year``, ``file``, ``used_for`` (Dutch).
    notes
        Dutch sentences on missing data and limits.
    problems
        Problems of the set itself (unknown names, missing codes).
    summary
        Three to six Dutch sentences generated from the figures.
    facts
        Every number used in :attr:`summary`, by name.
    geo
        Boundaries for maps and the GeoPackage.
    availability
        The data per unit, source, year and level (:class:`wijkanalyse.monitor.availability.
        Availability`); ``None`` when it could not be computed (a note says why).
    divisions
        Per unit id, for units of a YAML set: its codes per CBS division as plain data
        (``years`` (empty for the main division), ``year``, ``level``, ``codes``, ``reason``).
    generated_with
        ``"wijkanalyse <version>"``.
    """

    set_name: str
    title: str
    description: str
    level_note: str
    set_kind: str
    spec: str
    year: int
    units: pd.DataFrame
    classes: pd.DataFrame
    gemeenten: pd.DataFrame
    warnings: pd.DataFrame
    types: pd.DataFrame
    lbm_series: pd.DataFrame
    class_series: pd.DataFrame
    agreement: dict[str, Any]
    backtest: dict[str, Any] | None
    typology_info: dict[str, Any]
    class_info: dict[str, dict[str, Any]]
    index_info: dict[str, Any]
    risk_info: dict[str, Any]
    sources: list[dict[str, Any]]
    notes: list[str]
    problems: list[str]
    summary: list[str]
    facts: dict[str, Any]
    geo: MonitorGeo = field(default_factory=MonitorGeo)
    availability: Availability | None = None
    divisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    early_warning: dict[str, Any] = field(default_factory=dict)
    generated_with: str = f"wijkanalyse {__version__}"

    @property
    def n_uncertain(self) -> int:
        """Number of units whose codes the set marks ``onzeker``."""
        return int(self.units["uncertain"].sum()) if len(self.units) else 0

    @property
    def n_units(self) -> int:
        """Number of units in the set."""
        return len(self.units)

    @property
    def n_classified(self) -> int:
        """Number of units with a trend class (a Leefbaarometer series)."""
        return int((self.units["klasse"] != NO_CLASS).sum()) if len(self.units) else 0


# ------------------------------------------------------------------------------ small helpers


def to_plain(value: Any) -> Any:
    """A value as JSON-able plain data (NaN -> None, numpy -> Python, frames -> records)."""
    if isinstance(value, pd.DataFrame):
        if not isinstance(value.index, pd.RangeIndex) or value.index.name is not None:
            value = value.reset_index()  # a named or labelled index is data (type names)
        return [{str(k): to_plain(v) for k, v in rec.items()}
                for rec in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value
