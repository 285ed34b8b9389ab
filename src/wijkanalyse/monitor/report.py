"""The national monitor of aandachtswijken: ``wijkanalyse monitor <set>``.

:func:`run_monitor` follows every neighbourhood of a set (:mod:`wijkanalyse.gebieden.sets`) in the
Leefbaarometer and the KWB the way Platform31's "Kwetsbare wijken in beeld" (2017) did, and
assembles one :class:`MonitorResult`:

1. the set's units (:func:`wijkanalyse.gebieden.sets.resolve_set`);
2. their Leefbaarometer series up to the report year and the trend class of each unit with its
   evidence (:mod:`wijkanalyse.monitor.trends`);
3. the composite KWB index by domain, 100 = national average of the base year, and how far it
   agrees with the Leefbaarometer (:mod:`wijkanalyse.monitor.composite`);
4. the structural typology of the units (:mod:`wijkanalyse.monitor.typology`);
5. the early-warning risk score and its backtest (:mod:`wijkanalyse.monitor.earlywarning`);
6. which data the database holds for each unit, per source, year and level, on the codes of
   each year's CBS division where the set gives them (:mod:`wijkanalyse.monitor.availability`);
7. from these: one row per unit, the class distribution, a summary per gemeente, the
   early-warning list (risk class ``hoog`` or ``verhoogd``), the mean Leefbaarometer deviation
   per class and year, the boundaries of the units where the database has them, the sources,
   Dutch notes on what is missing, and a short generated summary whose every number is in
   :attr:`MonitorResult.facts`.

A part that cannot be computed for the set (too few units for a typology, no KWB figures for
an index) does not stop the monitor: the part stays empty and a note says why.

:func:`write_monitor` writes ``monitor-<set>-<year>.<ext>``, each file atomically (temporary
file in the target folder, then ``os.replace``):

``html``
    one self-contained page (inline CSS and SVG, no JavaScript, no external resources):
    summary, classes (distribution chart, Leefbaarometer deviation per class as small
    multiples), the units, per gemeente, early warning, typology, index versus Leefbaarometer,
    maps, the data per unit (source × year × level), sources and missing data. Every table
    and figure has a "Bron:" caption;
``pdf``
    the same page printed with WeasyPrint (A4, "pagina X van Y");
``xlsx``
    sheets ``toelichting``, ``wijken``, ``klassen``, ``gemeenten``, ``vroegsignalering``,
    ``typologie``, ``leefbaarometer``, ``gegevens`` (units × source columns), ``gegevens_detail``
    (one row per unit and source column, with the codes looked for) and ``bronnen`` with Dutch
    headers;
``csv``
    the per-unit table (UTF-8, comma separated, decimal point; the same rows and columns as
    sheet ``wijken``, with machine-friendly column names);
``json``
    the whole result as plain data (:func:`to_dict`; boundaries are left out: they are in
    the GeoPackage);
``gpkg``
    GeoPackage (RD New, EPSG:28992) with layer ``wijken``: every unit of the set, with its
    boundary where the database has one and an empty (NULL) geometry otherwise (column
    ``heeft_grens``), so one layer holds the whole set for QGIS; plus the non-spatial table
    ``leefbaarometer`` (the series, long format).

Boundaries: a unit's boundary is the union of the boundaries of its member codes; a wijk
without a boundary of its own whose buurten all have one is composed from its buurten (Den
Haag), as in :mod:`wijkanalyse.gebieden.location`. A unit with a member without a boundary gets
none.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import duckdb
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup
from shapely.geometry.base import BaseGeometry

from wijkanalyse import __version__
from wijkanalyse.atomicio import write_atomic as _write_atomic
from wijkanalyse.atomicio import write_json, write_pdf, write_report_files
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame, text_cells
from wijkanalyse.fmt import as_float as _float
from wijkanalyse.fmt import dutch_date, join_nl, nl_number
from wijkanalyse.gebieden import sets
from wijkanalyse.monitor import composite, earlywarning, trends, typology
from wijkanalyse.monitor.availability import STATUS_LABELS, Availability, data_availability
from wijkanalyse.present import (
    MapFrame,
    halo_text,
    path_d,
    place_labels,
    scale_label,
    wrap_text,
)
from wijkanalyse.present import svg_num as _fmt

__all__ = [
    "CLASS_COLOURS",
    "EXPORT_COLUMNS",
    "FORMATS",
    "MAX_AVAIL_ROWS",
    "MAX_TABLE_ROWS",
    "MAX_WARN_ROWS",
    "WARN_CLASSES",
    "MonitorGeo",
    "MonitorResult",
    "agreement_chart",
    "class_series_chart",
    "distribution_chart",
    "export_units",
    "gemeente_map",
    "monitor_stem",
    "national_map",
    "parse_formats",
    "render_html",
    "render_pdf",
    "risk_chart",
    "run_monitor",
    "short_explanation",
    "to_dict",
    "write_monitor",
]

#: The formats :func:`write_monitor` can write.
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "csv", "json", "gpkg")
#: Risk classes that put a unit on the early-warning list, most urgent first.
WARN_CLASSES: tuple[str, ...] = ("hoog", "verhoogd")
#: Units above this number are listed in the HTML/PDF only when they have a trend class.
MAX_TABLE_ROWS = 400
#: The early-warning table in the HTML/PDF lists at most this many units (all in Excel/CSV).
MAX_WARN_ROWS = 30
#: Up to this many units the HTML/PDF shows the data per unit (source × year × level); larger
#: sets get counts per source there, and the table per unit in Excel and JSON.
MAX_AVAIL_ROWS = 80
_AV_SYMBOLS = {"ja": "●", "deels": "◐", "omvattend": "○", "nee": "–"}

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
    ("has_geometry", "heeft_grens", "Grens beschikbaar"),
    ("codes_year", "indeling_jaar", "CBS-indeling van de codes (jaar)"),
    ("uncertain", "onzeker", "Onzeker afgebakend"),
    ("uncertain_reason", "onzeker_reden", "Waarom onzeker"),
    ("missing", "ontbrekende_gegevens", "Wat ontbreekt"),
)

_UNIT_COLUMNS = [c for c, _, _ in EXPORT_COLUMNS]
_FIELD_HEADERS = tuple((f, h) for _, f, h in EXPORT_COLUMNS)
_NO_CLASS = "geen_reeks"
_NO_CLASS_LABEL = "geen Leefbaarometer-reeks"
_LBM_LABEL = "Leefbaarometer 3.0, ministerie van BZK"
_KWB_STEM = "CBS, Kerncijfers Wijken en Buurten"
_UNKNOWN_SOURCE = "Bron: niet vastgelegd"

#: Colour per trend class (ColorBrewer PRGn/RdYlGn tones: green = good, red = decline).
CLASS_COLOURS: dict[str, str] = {
    "succes": "#1a7837",
    "stabiel_sterk": "#5aae61",
    "boven_dalend": "#d9ef8b",
    "gestaag_herstel": "#a6dba0",
    "recent_herstel": "#92c5de",
    "vroegsignalering": "#fdae61",
    "terugval": "#d73027",
    "achteruitgang": "#a50026",
    "blijvend_achter": "#762a83",
    "onvoldoende_gegevens": "#bdbdbd",
    _NO_CLASS: "#ececec",
}
_EXTRA_COLOURS = ("#2166ac", "#e08214", "#8c510a", "#01665e", "#c51b7d", "#636363")
_RISK_COLOURS = {"hoog": "#b2182b", "verhoogd": "#f4a582", "laag": "#92c5de",
                 "gemiddeld": "#d9d9d9"}


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
        ``lbm_afw``, ``risk``, ``risk_class``, ``risk_explanation``; ``hoog`` before
        ``verhoogd``, then by falling risk.
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
        return int((self.units["klasse"] != _NO_CLASS).sum()) if len(self.units) else 0


# ------------------------------------------------------------------------------ small helpers


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def _n_wijken(n: int) -> str:
    return f"{nl_number(n)} {'wijk' if n == 1 else 'wijken'}"


def _n_gebieden(n: int) -> str:
    return f"{nl_number(n)} {'gebied' if n == 1 else 'gebieden'}"


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole * 100


def _year_span(years: Sequence[int]) -> str:
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    return str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}"


def _plain(value: Any) -> Any:
    """A value as JSON-able plain data (NaN -> None, numpy -> Python, frames -> records)."""
    if isinstance(value, pd.DataFrame):
        if not isinstance(value.index, pd.RangeIndex) or value.index.name is not None:
            value = value.reset_index()  # a named or labelled index is data (type names)
        return [{str(k): _plain(v) for k, v in rec.items()}
                for rec in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
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
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def _evidence_text(value: Any) -> str:
    """The trend evidence as one Dutch line (text as is; mappings as ``key: value``)."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = []
        for key, val in value.items():
            if isinstance(val, float):
                val = nl_number(val, decimals=3)
            parts.append(f"{key}: {val}")
        return "; ".join(parts)
    if isinstance(value, (list, tuple)):
        return "; ".join(_evidence_text(v) for v in value)
    return str(value)


def _periods(value: Any) -> tuple[str, str]:
    """The two periods of a trend row as text (``"2002–2012"``, ``"2012–2024"``)."""
    if _missing(value):
        return "", ""
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[;,/]| en ", value) if p.strip()]
        return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")
    if isinstance(value, dict):
        items = list(value.values())
    else:
        items = list(value)
    texts = []
    for item in items[:2]:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            texts.append(f"{int(item[0])}–{int(item[1])}")
        else:
            texts.append(str(item))
    texts += ["", ""]
    return texts[0], texts[1]


# ------------------------------------------------------------------------------ sources


def _source_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT source_id, coalesce(label, file_name, source_id) AS label, kind, year, "
        "file_name FROM sources ORDER BY source_id").df()


def _kwb_label(year: int) -> str:
    return f"{_KWB_STEM} {year}"


def _caption(labels: Sequence[str | None], *, note: str | None = None) -> str:
    """``"Bron: A; B"`` from distinct labels; KWB labels of several years are cited once."""
    kwb_years: list[int] = []
    order: list[str] = []
    for label in labels:
        if not label:
            continue
        m = re.match(rf"^{re.escape(_KWB_STEM)} ((?:19|20)\d\d)$", label)
        if m:
            if _KWB_STEM not in order:
                order.append(_KWB_STEM)
            kwb_years.append(int(m.group(1)))
        elif label not in order:
            order.append(label)
    if not order:
        return _UNKNOWN_SOURCE
    ys = sorted(set(kwb_years))
    cited = [f"{_KWB_STEM} {join_nl([str(y) for y in ys])}" if lab == _KWB_STEM else lab
             for lab in order]
    text = "Bron: " + "; ".join(cited)
    return text + (f"; {note}" if note else "")


# ------------------------------------------------------------------------------ boundaries


def _unit_geometries(con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
                     labels: dict[str, str], *, cache: dict[str, Any] | None = None,
                     extra: dict[str, Any] | None = None,
                     areas: dict[str, Any] | None = None,
                     ) -> tuple[dict[str, BaseGeometry], dict[str, list[str]], list[str]]:
    """Boundary (RD New) per unit, its citation labels per unit, and notes on units left
    off the map. ``cache`` is the boundary cache of :func:`wijkanalyse.gebieden.location.locate`
    (shared with the typology's location feature). When ``extra`` is a dict it receives
    ``unit_years`` (boundary years per unit) and ``context`` (the other wijken or buurten of
    each gemeente with units on the map, see :class:`MonitorGeo`). ``areas`` are the set's
    entries per unit id: a unit whose codes have no boundary is drawn with the codes of an
    older division that have one (Jagershoef with its buurt of 2015), and a note says so."""
    # the gemeente's wijk/buurt layers, composed as in Ligging
    from wijkanalyse.gebieden import gemeente_layers

    have = con.execute(
        "SELECT DISTINCT substr(code, 3, 4) FROM geometries WHERE level IN ('wijk', 'buurt')"
    ).fetchall()
    with_shapes = {f"GM{r[0]}" for r in have}
    out: dict[str, BaseGeometry] = {}
    used: dict[str, list[str]] = {}
    off_map: list[str] = []
    older: list[str] = []
    layers: dict[str, Any] = cache if cache is not None else {}

    def shapes_of(candidates: Sequence[str]) -> list[Any]:
        found = []
        for code in candidates:
            shape = gemeente_layers(con, f"GM{code[2:6]}", layers).get(code)
            if shape is None or shape.missing_parts:
                return []
            found.append(shape)
        return found

    for row in units.itertuples(index=False):
        codes = list(row.codes)
        gms = {f"GM{c[2:6]}" for c in codes}
        if not codes or not gms <= with_shapes:
            continue
        parts = shapes_of(codes)
        entry = (areas or {}).get(str(row.unit_id))
        if not parts and entry is not None:
            for div in sorted(entry.other_years, key=lambda d: -max(d.years)):
                parts = shapes_of(list(div.codes))
                if parts:
                    older.append(f"{row.name} ({row.gemeente_name}): "
                                 f"{join_nl([p.level + ' ' + p.code for p in parts])} van "
                                 f"{join_nl([str(y) for y in div.years])}")
                    codes = list(div.codes)
                    break
        if not parts:
            off_map.append(f"{row.name} ({row.gemeente_name})")
            continue
        geom = parts[0].geom if len(parts) == 1 else shapely.union_all([p.geom for p in parts])
        out[str(row.unit_id)] = geom
        used[str(row.unit_id)] = list(dict.fromkeys(
            labels.get(src, src) for part in parts for src in part.sources))
        if extra is not None:
            extra.setdefault("unit_years", {})[str(row.unit_id)] = sorted(
                {p.year for p in parts if p.year is not None})
            for gm in gms:
                extra.setdefault("levels", {}).setdefault(gm, set()).add(parts[0].level)
                extra.setdefault("drawn", {}).setdefault(gm, set()).update(codes)
    if extra is not None:
        for gm, levels in extra.get("levels", {}).items():
            layer = gemeente_layers(con, gm, layers)
            source = layer.buurten if levels == {"buurt"} else layer.wijk_layer
            drawn = extra["drawn"][gm]
            extra.setdefault("context", {})[gm] = [
                (c, shape.name, shape.geom, shape.year) for c, shape in sorted(source.items())
                if c not in drawn]
    notes = []
    if off_map:
        listed = (join_nl(off_map) if len(off_map) <= 12
                  else ", ".join(off_map[:12]) + f" en {nl_number(len(off_map) - 12)} andere")
        notes.append("In gemeenten met wijk- of buurtgrenzen staan op de kaart niet: "
                     f"{listed}; van (een deel van) hun gebied is geen grens geladen.")
    if older:
        notes.append("Op de kaart met de grenzen van een oudere indeling, omdat hun codes in "
                     f"geen grensbestand staan: {'; '.join(older)}.")
    return out, used, notes


def _gemeenten_with_boundaries(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the gemeenten with wijk or buurt boundaries in the database."""
    rows = con.execute(
        "SELECT DISTINCT 'GM' || substr(g.code, 3, 4) AS gm, "
        "(SELECT arg_max(r.name, r.year) FROM regions r WHERE r.code = 'GM' || "
        "substr(g.code, 3, 4)) FROM geometries g WHERE g.level IN ('wijk', 'buurt') "
        "ORDER BY 1").fetchall()
    return sorted(str(name or gm) for gm, name in rows)


def _gemeente_geometries(con: duckdb.DuckDBPyConnection, labels: dict[str, str]
                         ) -> tuple[dict[str, BaseGeometry], int | None, list[str]]:
    """The gemeente map of the latest year with gemeente boundaries (RD New)."""
    from wijkanalyse.gebieden import to_rd

    row = con.execute("SELECT max(year) FROM geometries WHERE level = 'gemeente'").fetchone()
    year = row[0] if row else None
    if year is None:
        return {}, None, []
    df = con.execute("SELECT code, source_id, geojson FROM geometries "
                     "WHERE level = 'gemeente' AND year = ? ORDER BY code", [year]).df()
    geoms = to_rd(shapely.from_geojson(df["geojson"].to_numpy()))
    out = {code: g for code, g in zip(df["code"], geoms, strict=True)
           if g is not None and not g.is_empty}
    used = list(dict.fromkeys(labels.get(s, s) for s in df["source_id"]))
    return out, int(year), used


# ------------------------------------------------------------------------------ run


def _report_year(con: duckdb.DuckDBPyConnection, year: int | None) -> int:
    """The report year: the one given, else the latest Leefbaarometer (else KWB) year."""
    lbm_years = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM observation WHERE indicator_id = 'lbm' AND value IS NOT "
        "NULL ORDER BY year").fetchall()]
    all_years = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM observation WHERE value IS NOT NULL ORDER BY year"
    ).fetchall()]
    if year is None:
        if lbm_years:
            return lbm_years[-1]
        if all_years:
            return all_years[-1]
        raise WijkanalyseError("De database bevat geen cijfers; bouw hem eerst met "
                               "'wijkanalyse data build --source MAP'.")
    if not isinstance(year, (int, np.integer)) or isinstance(year, bool):
        raise WijkanalyseError(f"Het jaar {year!r} is geen jaartal.")
    if all_years and year > max(all_years):
        raise WijkanalyseError(f"Voor {year} zijn er nog geen cijfers in de database; het "
                               f"laatste jaar met cijfers is {max(all_years)}.")
    if not all_years or year < min(all_years):
        first = min(all_years) if all_years else None
        raise WijkanalyseError(
            f"Voor {year} of eerder zijn er geen cijfers in de database"
            + (f"; het eerste jaar met cijfers is {first}." if first else "."))
    return int(year)


def _try(step: str, notes: list[str], fn: Callable[[], Any]) -> Any:
    """Run one analysis step; a data problem becomes a Dutch note instead of a crash."""
    try:
        return fn()
    except WijkanalyseError as exc:
        notes.append(f"{step} is niet berekend: {exc}")
        return None


def _class_key(klasse: str, order: list[str]) -> tuple[int, str]:
    return (order.index(klasse) if klasse in order else len(order), klasse)


def _class_order(trends: ModuleType, present: Sequence[str]) -> list[str]:
    """Class codes in the trend module's report order, unknown ones after, no series last."""
    declared = [str(k) for k in getattr(trends, "CLASS_IDS", ())]
    order = [k for k in declared if k in present]
    order += sorted(k for k in present if k not in declared and k != _NO_CLASS)
    return order + [_NO_CLASS]


def _class_definitions(trends: ModuleType) -> dict[str, str]:
    """Dutch description per class code (:func:`wijkanalyse.monitor.trends.trend_classes`)."""
    classes = trends.trend_classes()
    return {str(k): str(v) for k, v in zip(classes["klasse"], classes["description"],
                                            strict=True)}


def _latest_total_index(index: pd.DataFrame | None, year: int, total: str) -> pd.DataFrame:
    """Per unit the total composite index of the latest year up to ``year`` with a value."""
    cols = ["unit_id", "index_year", "index", "index_complete"]
    if index is None or index.empty:
        return pd.DataFrame(columns=cols)
    df = index[(index["year"] <= year) & (index["domain"] == total)]
    df = df.dropna(subset=["index"]).sort_values(["unit_id", "year"])
    last = df.groupby("unit_id", as_index=False).tail(1)
    return pd.DataFrame({"unit_id": last["unit_id"].astype(str),
                         "index_year": last["year"].astype(int),
                         "index": last["index"].astype(float),
                         "index_complete": last["complete"].astype(bool)})


def _agreement(composite: ModuleType, index: pd.DataFrame, series: pd.DataFrame
               ) -> dict[str, Any]:
    """Index versus Leefbaarometer; the headline is the year with the most units."""
    plain = index.copy()
    plain.attrs = {}  # attrs holding DataFrames break pandas' concat in the comparison
    cmp = composite.compare_with_lbm(plain, series)
    per_year = cmp["per_year"]
    out: dict[str, Any] = {"per_year": per_year, "method": cmp.get("method"),
                           "note": cmp.get("note"), "units": cmp.get("units")}
    valid = per_year.dropna(subset=["spearman"]) if len(per_year) else per_year
    if len(valid):
        # headline: a year measured in both, then the most units, then the latest year
        ranked = valid.assign(_same=(valid["year"] == valid["lbm_year"]).astype(int))
        best = ranked.sort_values(["_same", "n", "year"], ascending=False).iloc[0]
        out.update({"year": int(best["year"]), "lbm_year": int(best["lbm_year"]),
                    "n": int(best["n"]), "spearman": float(best["spearman"]),
                    "p_value": _float(best["p_value"]),
                    "spearman_min": float(valid["spearman"].min()),
                    "spearman_max": float(valid["spearman"].max()),
                    "years": [int(y) for y in valid["year"]]})
    return out


def run_monitor(con: duckdb.DuckDBPyConnection, spec: str, *, year: int | None = None,
                progress: Callable[[str], None] | None = None) -> MonitorResult:
    """Run the monitor for a set of neighbourhoods.

    Parameters
    ----------
    con
        A store connection (read-only is enough).
    spec
        The set: ``programma-2016``, ``gemeente:<naam>``, ``nl`` or a CSV/YAML file
        (:func:`wijkanalyse.gebieden.sets.resolve_set`).
    year
        Report year; default the latest Leefbaarometer year in the database. Leefbaarometer
        measurements after this year are not used.
    progress
        Called with a short Dutch description before each step (for a status line).

    Returns
    -------
    MonitorResult

    Raises
    ------
    WijkanalyseError
        For an unusable set spec, an empty set or a year before all data.
    """
    say = progress or (lambda _text: None)

    say("Set bepalen")
    mset = sets.resolve_set(con, spec)
    units = mset.units.reset_index(drop=True)
    if units.empty:
        raise WijkanalyseError(
            f"De set {spec!r} bevat geen wijken die in de database gevonden zijn."
            + (" " + " ".join(mset.problems) if mset.problems else ""))
    report_year = _report_year(con, year)
    notes: list[str] = []

    say("Gegevens per wijk")
    avail = _try("Het overzicht van de gegevens per wijk", notes,
                 lambda: data_availability(con, units, mset.areas))

    say("Leefbaarometer-reeksen en klassen")
    series = trends.lbm_series(con, units)
    later_years = sorted({int(y) for y in series["year"] if y > report_year})
    series = series[series["year"] <= report_year].reset_index(drop=True)
    trend = trends.classify_trends(series, year=report_year)

    say("Samengestelde index")
    index = _try("De samengestelde index", notes,
                 lambda: composite.composite_index(con, units))
    total = getattr(composite, "TOTAL", "totaal")
    agreement: dict[str, Any] = {}
    if index is not None and len(index) and len(series):
        agreement = _try("De vergelijking van index en Leefbaarometer", notes,
                         lambda: _agreement(composite, index, series)) or {}

    say("Typologie")
    geo_cache: dict[str, Any] = {}  # boundaries per gemeente, for typology and map alike
    typ_out = _try("De typologie", notes,
                   lambda: _typology(typology, con, units, report_year, notes,
                                     cache=geo_cache))
    typ, features, typ_extra = typ_out or (None, None, {})

    say("Vroegsignalering")
    risk = _try("De risicoscore", notes,
                lambda: earlywarning.risk_scores(con, units, year=report_year))
    backtest = _try("De terugtoets van de vroegsignalering", notes,
                    lambda: _backtest(earlywarning, con, report_year))

    say("Grenzen")
    src = _source_table(con)
    labels = dict(zip(src["source_id"], src["label"], strict=True))
    geo_extra: dict[str, Any] = {}
    unit_geoms, unit_geo_sources, geo_notes = _unit_geometries(con, units, labels,
                                                               cache=geo_cache,
                                                               extra=geo_extra,
                                                               areas=mset.areas)
    gm_geoms, gm_year, gm_sources = _gemeente_geometries(con, labels)
    geo = MonitorGeo(units=unit_geoms, gemeenten=gm_geoms, gemeenten_year=gm_year,
                     unit_sources=unit_geo_sources, gemeente_sources=gm_sources,
                     gemeenten_with_boundaries=_gemeenten_with_boundaries(con),
                     unit_years=geo_extra.get("unit_years", {}),
                     context=geo_extra.get("context", {}))

    say("Samenvatten")
    table = _unit_table(units, series, trend, _latest_total_index(index, report_year, total),
                        typ, risk, unit_geoms, avail)
    order = _class_order(trends, table["klasse"].unique().tolist())
    class_info = _class_info(table, order, _class_definitions(trends))
    classes = _class_distribution(table, order)
    class_series = _class_series(series, table, order)
    gemeenten = _gemeente_summary(table, order, class_info)
    warnings = _warning_list(table)
    types = _type_summary(table, order, class_info)
    typology_info = _typology_info(typ, features, typ_extra)
    index_info = _index_info(index, table)
    notes = (_notes(mset, table, later_years, index_info, typology_info, geo, report_year)
             + geo_notes + _availability_notes(avail, table) + notes)
    sources = _sources_used(src, series, index, typology_info, geo, report_year)
    summary, facts = _summary(mset.title, table, classes, warnings, types, agreement,
                              report_year)
    return MonitorResult(
        set_name=mset.name, title=mset.title, description=mset.description,
        level_note=mset.level_note, set_kind=mset.kind, spec=mset.spec or spec,
        year=report_year, units=table, classes=classes, gemeenten=gemeenten,
        warnings=warnings, types=types,
        lbm_series=series[["unit_id", "year", "lbm", "lbm_afw"]].copy(),
        class_series=class_series, agreement=agreement, backtest=backtest,
        typology_info=typology_info, class_info=class_info, index_info=index_info,
        risk_info=_risk_info(risk), sources=sources, notes=notes,
        problems=list(mset.problems), summary=summary, facts=facts, geo=geo,
        availability=avail, divisions=_divisions(mset))


def _divisions(mset: Any) -> dict[str, list[dict[str, Any]]]:
    """Per unit of a YAML set its codes per CBS division, as plain data."""
    out: dict[str, list[dict[str, Any]]] = {}
    for uid, entry in getattr(mset, "areas", {}).items():
        out[uid] = [{"years": list(d.years), "year": d.year, "level": d.level,
                     "codes": list(d.codes), "reason": d.reason} for d in entry.divisions()]
    return out


def _availability_notes(avail: Availability | None, table: pd.DataFrame) -> list[str]:
    """Dutch notes: uncertain units and the source columns without data for the set."""
    notes = []
    unsure = table[table["uncertain"]]
    if len(unsure):
        named = join_nl([f"{r.name}" for r in unsure.itertuples()])
        notes.append(f"{_n_gebieden(len(unsure)).capitalize()} van de set "
                     f"{'is' if len(unsure) == 1 else 'zijn'} onzeker afgebakend (de bronnen "
                     f"beslissen niet welke CBS-wijken of -buurten erbij horen): {named}. De "
                     "reden staat per gebied in hoofdstuk 8 en in het Excel-bestand.")
    if avail is not None and avail.absent:
        notes.append("In de database, maar voor geen enkel gebied van deze set: "
                     f"{join_nl(avail.absent)}.")
    return notes


def _kwb_years(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, year: int
               ) -> dict[int, int]:
    """KWB years up to ``year`` -> number of units of which every member has an inhabitant
    count that year."""
    pairs = [(str(u), str(c)) for u, cs in zip(units["unit_id"], units["codes"], strict=True)
             for c in cs]
    if not pairs:
        return {}
    rows = con.execute(
        "WITH m AS (SELECT unnest(?) AS unit_id, unnest(?) AS code), "
        "n AS (SELECT unit_id, count(*) AS n FROM m GROUP BY unit_id) "
        "SELECT o.year, count(*) FROM (SELECT m.unit_id, o.year, count(*) AS k FROM m "
        "  JOIN observation o ON o.code = m.code AND o.indicator_id = 'a_inw' "
        "  AND o.value IS NOT NULL AND o.year <= ? GROUP BY ALL) o "
        "JOIN n ON n.unit_id = o.unit_id AND n.n = o.k GROUP BY o.year ORDER BY o.year",
        [[p[0] for p in pairs], [p[1] for p in pairs], year]).fetchall()
    return {int(y): int(n) for y, n in rows}


def _typology(typology: ModuleType, con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
              year: int, notes: list[str], *, cache: dict[str, Any] | None = None,
              ) -> tuple[Any, pd.DataFrame | None, dict[str, Any]]:
    """The typology of the latest KWB year up to ``year`` and, where earlier years have the
    same features, how units moved between its types.

    Returns
    -------
    tuple
        The :class:`~wijkanalyse.monitor.typology.TypologyResult` (or None), its features, and
        ``{"year", "transitions" (DataFrame or None), "transition_note"}``.
    """
    extra: dict[str, Any] = {"year": None, "transitions": None, "transition_note": ""}
    years_n = _kwb_years(con, units, year)
    years = list(years_n)
    if not years:
        notes.append(f"Er is geen typologie gemaakt: de database heeft tot en met {year} geen "
                     "inwonertallen (KWB) van deze wijken.")
        return None, None, extra
    ref = years[-1]
    extra["year"] = ref
    cache = {} if cache is None else cache
    features = typology.structural_features(con, units, year=ref, cache=cache)
    typ = typology.typology(features)
    if typ.k == 0:
        note = str(typ.note or "").strip()
        notes.append(note if note.lower().startswith("geen typologie")
                     else f"Er is geen typologie gemaakt: {note}")
        return None, features, extra
    labels_by_year = {ref: typ.labels}
    # the most recent earlier year in which at least half of the units have inhabitants
    tried = [y for y, n in years_n.items() if y < ref and n >= len(units) / 2][-1:]
    for y in tried:
        assigned = typology.assign_types(
            typ, typology.structural_features(con, units, year=y, cache=cache))
        if int(assigned["type_id"].notna().sum()) >= 3:
            labels_by_year[y] = assigned
    if len(labels_by_year) > 1:
        table = typology.transition_table(labels_by_year)
        extra["transitions"] = table
        extra["transition_note"] = str(table.attrs.get("note", ""))
    elif tried:
        extra["transition_note"] = (
            "Overgangen tussen typen zijn niet te tonen: in "
            + join_nl([str(y) for y in sorted(tried)])
            + f" ontbreken kenmerken die de typologie van {ref} gebruikt (zoals herkomst, "
            "die het CBS pas sinds 2022 zo indeelt), dus geen wijk kan daar een type krijgen.")
    else:
        extra["transition_note"] = (
            "Overgangen tussen typen zijn niet te tonen: de database heeft vóór "
            f"{ref} voor minder dan de helft van deze wijken KWB-cijfers (in de CBS-indeling "
            f"van {ref}).")
    return typ, features, extra


def _risk_info(risk: pd.DataFrame | None) -> dict[str, Any]:
    info: dict[str, Any] = {"as_of": None, "base_rate": None, "n": 0}
    if risk is None or risk.empty:
        return info
    scored = risk[risk["risk"].notna()]
    info["n"] = len(scored)
    if "as_of" in risk and risk["as_of"].notna().any():
        info["as_of"] = int(risk["as_of"].dropna().iloc[0])
    if "base_rate" in risk and risk["base_rate"].notna().any():
        info["base_rate"] = float(risk["base_rate"].dropna().iloc[0])
    return info


def _backtest(earlywarning: ModuleType, con: duckdb.DuckDBPyConnection,
              year: int) -> dict[str, Any]:
    """The rolling-origin backtest on every Leefbaarometer series in the database up to
    ``year`` (the history the risk model is fitted on), as plain tables."""
    history = earlywarning.lbm_history(con)
    history = history[history["year"] <= year]
    bt = earlywarning.backtest(history)
    labels = getattr(earlywarning, "METHOD_LABELS", {})
    pooled = bt.pooled.copy()
    pooled.insert(1, "label", pooled["method"].map(lambda m: labels.get(m, m)))
    return {"pooled": pooled, "folds": bt.folds, "n_units": int(bt.n_units),
            "years": [int(y) for y in bt.years], "skipped": list(bt.skipped),
            "delta": _float(getattr(bt.config, "delta", None))}


# ------------------------------------------------------------------------------ tables


def _unit_table(units: pd.DataFrame, series: pd.DataFrame, trend: pd.DataFrame,
                index: pd.DataFrame, typ: Any, risk: pd.DataFrame | None,
                geoms: dict[str, BaseGeometry],
                avail: Availability | None = None) -> pd.DataFrame:
    """One row per unit with class, Leefbaarometer, index, type, risk and what data exist."""
    base = pd.DataFrame({
        "unit_id": units["unit_id"].astype(str),
        "name": units["name"].astype(str),
        "gemeente_code": units["gemeente_code"],
        "gemeente": units["gemeente_name"].where(units["gemeente_name"].notna(),
                                                 units["gemeente_code"]),
        "level": units["level"].astype(str),
        "codes": ["; ".join(map(str, c)) for c in units["codes"]],
    })
    tr = trend.copy()
    tr["unit_id"] = tr["unit_id"].astype(str)
    if len(tr):
        pe = [_periods(v) for v in tr.get("periods", pd.Series([None] * len(tr)))]
        tr["period_early"] = [p[0] for p in pe]
        tr["period_late"] = [p[1] for p in pe]
        tr["evidence"] = [_evidence_text(v) for v in tr.get("evidence",
                                                             pd.Series([None] * len(tr)))]
    keep = ["unit_id", "klasse", "klasse_label", "level_year", "change_early", "change_late",
            "period_early", "period_late", "evidence"]
    tr = tr[[c for c in keep if c in tr]].drop_duplicates("unit_id")
    df = base.merge(tr, on="unit_id", how="left")
    # the last measurement up to the report year (the series is cut there): the level year
    s = series.assign(unit_id=series["unit_id"].astype(str)).dropna(subset=["lbm_afw"])
    last = s.sort_values(["unit_id", "year"]).groupby("unit_id").tail(1).set_index("unit_id")
    df["lbm_year"] = df["unit_id"].map(last["year"])
    df["lbm"] = df["unit_id"].map(last["lbm"])
    df["lbm_afw"] = df["unit_id"].map(last["lbm_afw"])
    has_class = df["klasse"].notna() if "klasse" in df else pd.Series(False, index=df.index)
    df["klasse"] = df.get("klasse", pd.Series(index=df.index, dtype=object)).where(
        has_class, _NO_CLASS)
    df["klasse_label"] = df.get("klasse_label", pd.Series(index=df.index, dtype=object)).where(
        has_class, _NO_CLASS_LABEL)
    for col in ("change_early", "change_late"):
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df else np.nan
    for col in ("period_early", "period_late", "evidence"):
        df[col] = df[col].fillna("") if col in df else ""
    df["evidence"] = df["evidence"].where(has_class, "Geen Leefbaarometer-reeks in de database.")
    # composite index
    idx = index.set_index("unit_id") if len(index) else None
    df["index_year"] = df["unit_id"].map(idx["index_year"]) if idx is not None else np.nan
    df["index"] = df["unit_id"].map(idx["index"]) if idx is not None else np.nan
    # typology
    labels = getattr(typ, "labels", None)
    if labels is not None and len(labels):
        lab = labels.assign(unit_id=labels["unit_id"].astype(str)).set_index("unit_id")
        df["type_id"] = df["unit_id"].map(lab["type_id"])
        df["type_name"] = df["unit_id"].map(lab["type_name"]).fillna("")
    else:
        df["type_id"] = np.nan
        df["type_name"] = ""
    # risk
    if risk is not None and len(risk):
        rk = risk.assign(unit_id=risk["unit_id"].astype(str)).drop_duplicates("unit_id")
        rk = rk.set_index("unit_id")
        df["risk"] = pd.to_numeric(df["unit_id"].map(rk["risk"]), errors="coerce")
        df["risk_class"] = df["unit_id"].map(rk["risk_class"]).fillna("")
        expl = rk["explanation"] if "explanation" in rk else pd.Series("", index=rk.index)
        df["risk_explanation"] = df["unit_id"].map(expl.map(_evidence_text)).fillna("")
    else:
        df["risk"] = np.nan
        df["risk_class"] = ""
        df["risk_explanation"] = ""
    df["has_geometry"] = df["unit_id"].isin(list(geoms))
    ids = units["unit_id"].astype(str).tolist()
    df["codes_year"] = (units["codes_year"].astype("Int64").tolist() if "codes_year" in units
                        else [pd.NA] * len(units))
    df["uncertain"] = (units["uncertain"].astype(bool).tolist() if "uncertain" in units
                       else [False] * len(units))
    df["uncertain_reason"] = (units["uncertain_reason"].fillna("").astype(str).tolist()
                              if "uncertain_reason" in units else [""] * len(units))
    df["missing"] = [avail.missing.get(u, "") if avail is not None else "" for u in ids]
    df["codes_year"] = df["codes_year"].astype("Int64")
    for col in ("lbm_year", "index_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in ("lbm", "lbm_afw", "index"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    out = df[_UNIT_COLUMNS + ["type_id"]].copy()
    return out.reset_index(drop=True)


def _class_info(table: pd.DataFrame, order: list[str],
                definitions: dict[str, str]) -> dict[str, dict[str, Any]]:
    labels = table.drop_duplicates("klasse").set_index("klasse")["klasse_label"].to_dict()
    palette = iter(_EXTRA_COLOURS)
    info: dict[str, dict[str, Any]] = {}
    for k in order:
        if k not in labels:
            continue
        colour = CLASS_COLOURS.get(k) or next(palette, "#999999")
        info[k] = {"label": str(labels[k]), "colour": colour,
                   "definition": definitions.get(k, "")}
    if _NO_CLASS in info and not info[_NO_CLASS]["definition"]:
        info[_NO_CLASS]["definition"] = ("De database heeft geen Leefbaarometer-reeks van deze "
                                         "wijk, dus geen klasse.")
    return info


def _class_distribution(table: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    n_classified = int((table["klasse"] != _NO_CLASS).sum())
    rows = []
    for k, grp in table.groupby("klasse", sort=False):
        n = len(grp)
        rows.append({"klasse": k, "klasse_label": grp["klasse_label"].iloc[0], "n": n,
                     "share": (np.nan if k == _NO_CLASS or n_classified == 0
                               else n / n_classified * 100),
                     "mean_afw": grp["lbm_afw"].mean() if grp["lbm_afw"].notna().any()
                     else np.nan})
    df = pd.DataFrame(rows, columns=["klasse", "klasse_label", "n", "share", "mean_afw"])
    df["_o"] = [_class_key(k, order) for k in df["klasse"]]
    return df.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def _class_series(series: pd.DataFrame, table: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    cols = ["klasse", "klasse_label", "year", "mean_afw", "n"]
    if series.empty or "lbm_afw" not in series:
        return pd.DataFrame(columns=cols)
    s = series.assign(unit_id=series["unit_id"].astype(str)).merge(
        table[["unit_id", "klasse", "klasse_label"]], on="unit_id")
    s = s[s["klasse"] != _NO_CLASS].dropna(subset=["lbm_afw"])
    if s.empty:
        return pd.DataFrame(columns=cols)
    out = (s.groupby(["klasse", "klasse_label", "year"], as_index=False)
           .agg(mean_afw=("lbm_afw", "mean"), n=("lbm_afw", "size")))
    out["_o"] = [_class_key(k, order) for k in out["klasse"]]
    return out.sort_values(["_o", "year"]).drop(columns="_o").reset_index(drop=True)[cols]


def _gemeente_summary(table: pd.DataFrame, order: list[str],
                      class_info: dict[str, dict[str, Any]]) -> pd.DataFrame:
    classes = [k for k in order if k in class_info and k != _NO_CLASS]
    labels = [class_info[k]["label"] for k in classes]
    cols = ["gemeente_code", "gemeente", "n_units", "n_lbm"] + labels + ["mean_afw", "n_warn"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    t = table.assign(gemeente_code=table["gemeente_code"].fillna(""),
                     _lbm=(table["klasse"] != _NO_CLASS).astype(int),
                     _warn=table["risk_class"].isin(WARN_CLASSES).astype(int))
    g = t.groupby("gemeente_code", sort=False)
    out = pd.DataFrame({"gemeente": g["gemeente"].first(), "n_units": g.size(),
                        "n_lbm": g["_lbm"].sum()})
    counts = pd.crosstab(t["gemeente_code"], t["klasse"]).reindex(
        index=out.index, columns=classes, fill_value=0)
    counts.columns = labels
    out = out.join(counts.astype(int))
    out["mean_afw"] = g["lbm_afw"].mean()
    out["n_warn"] = g["_warn"].sum()
    out = out.reset_index()[cols]
    out["gemeente_code"] = out["gemeente_code"].replace("", None)
    return out.sort_values(["n_lbm", "gemeente"], ascending=[False, True]).reset_index(drop=True)


def _warning_list(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["unit_id", "name", "gemeente", "klasse_label", "lbm_afw", "risk", "risk_class",
            "risk_explanation"]
    df = table[table["risk_class"].isin(WARN_CLASSES)][cols].copy()
    df["_rank"] = df["risk_class"].map({c: i for i, c in enumerate(WARN_CLASSES)})
    df = df.sort_values(["_rank", "risk", "name"], ascending=[True, False, True])
    return df.drop(columns="_rank").reset_index(drop=True)


def _type_summary(table: pd.DataFrame, order: list[str],
                  class_info: dict[str, dict[str, Any]]) -> pd.DataFrame:
    classes = [k for k in order if k in class_info]
    typed = table[table["type_name"] != ""]
    cols = (["type_id", "type_name", "n", "share", "mean_afw"]
            + [class_info[k]["label"] for k in classes])
    if typed.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (tid, tname), grp in typed.groupby(["type_id", "type_name"], sort=True):
        row: dict[str, Any] = {"type_id": tid, "type_name": tname, "n": len(grp),
                               "share": len(grp) / len(typed) * 100,
                               "mean_afw": grp["lbm_afw"].mean()
                               if grp["lbm_afw"].notna().any() else np.nan}
        for k in classes:
            row[class_info[k]["label"]] = int((grp["klasse"] == k).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=cols).sort_values(
        ["n", "type_name"], ascending=[False, True]).reset_index(drop=True)


def _typology_info(typ: Any, features: pd.DataFrame | None,
                   extra: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {"year": extra.get("year"), "k": None, "method": None,
                            "criterion": None, "features_used": [], "feature_labels": [],
                            "note": "", "features_note": "", "centers": None,
                            "transitions": extra.get("transitions"),
                            "transition_note": extra.get("transition_note", "")}
    if features is not None:
        info["features_note"] = str(features.attrs.get("note", "") or "")
    if typ is None:
        return info
    from wijkanalyse.monitor.typology import FEATURE_LABELS

    info["k"] = int(typ.k)
    info["method"] = str(typ.method)
    info["criterion"] = typ.criterion
    info["features_used"] = list(typ.features_used)
    info["feature_labels"] = [FEATURE_LABELS.get(f, f) for f in typ.features_used]
    info["note"] = str(typ.note or "")
    info["centers"] = typ.centers
    return info


def _index_info(index: pd.DataFrame | None, table: pd.DataFrame) -> dict[str, Any]:
    years = table["index_year"].dropna().astype(int)
    info: dict[str, Any] = {
        "n": int(table["index"].notna().sum()),
        "year": int(years.mode().iloc[0]) if len(years) else None,
        "years": sorted({int(y) for y in years}),
        "domains": [],
        "base_year": None,
    }
    info["method"] = str(index.attrs.get("note", "")) if index is not None else ""
    if index is not None and len(index):
        info["domains"] = sorted(str(d) for d in index["domain"].dropna().unique())
        for col in ("base_year",):
            if col in index and index[col].notna().any():
                info["base_year"] = int(index[col].dropna().iloc[0])
        notes = index["note"].dropna().astype(str) if "note" in index else pd.Series([], dtype=str)
        info["notes"] = sorted({n for n in notes if n})[:10]
    return info


# ------------------------------------------------------------------------------ notes, sources


def _notes(mset: Any, table: pd.DataFrame, later_years: list[int], index_info: dict[str, Any],
           typology_info: dict[str, Any], geo: MonitorGeo, year: int) -> list[str]:
    n = len(table)
    notes = [mset.level_note] if getattr(mset, "level_note", "") else []
    no_lbm = table[table["klasse"] == _NO_CLASS]
    if len(no_lbm):
        if len(no_lbm) <= 12:
            named = join_nl([f"{r.name} ({r.gemeente})" for r in no_lbm.itertuples()])
            notes.append(f"Van {_n_wijken(len(no_lbm))} van de {nl_number(n)} is geen "
                         f"Leefbaarometer-reeks in de database: {named}. Zij hebben geen "
                         "klasse en tellen niet mee in de verdeling over de klassen.")
        else:
            gms = table.loc[table["klasse"] != _NO_CLASS, "gemeente"].nunique()
            notes.append(f"Van {_n_wijken(len(no_lbm))} van de {nl_number(n)} is geen "
                         "Leefbaarometer-reeks in de database (de database bevat de "
                         f"Leefbaarometer van wijken in {nl_number(gms)} gemeenten van deze "
                         "set). Zij hebben geen klasse en tellen niet mee in de verdeling "
                         "over de klassen; wel staan ze in de tabellen en exportbestanden.")
    if later_years:
        notes.append(f"Leefbaarometer-metingen na {year} "
                     f"({join_nl([str(y) for y in later_years])}) zijn niet gebruikt.")
    n_idx = index_info["n"]
    if n_idx == 0:
        notes.append("Voor geen enkele wijk van de set is een samengestelde index berekend: de "
                     "database heeft voor deze wijken niet de KWB-cijfers die de index nodig "
                     "heeft (inkomen, arbeid, wonen, veiligheid; zie hoofdstuk 6).")
    elif n_idx < n:
        years = index_info.get("years") or []
        notes.append(
            f"Een samengestelde index is berekend voor {nl_number(n_idx)} van de "
            f"{_n_wijken(n)}" + (f" (jaren {join_nl([str(y) for y in years])})" if years
                                 else "")
            + "; voor de andere ontbreken de KWB-cijfers die de index nodig heeft.")
    if typology_info.get("features_note"):
        notes.append(f"Typologie ({typology_info.get('year')}): "
                     f"{typology_info['features_note']}")
    n_risk = int(table["risk"].notna().sum())
    if n_risk < n:
        notes.append(f"Een risicoscore is berekend voor {nl_number(n_risk)} van de "
                     f"{_n_wijken(n)}; voor de andere ontbreken de benodigde cijfers.")
    n_geo = len(geo.units)
    if n_geo == 0:
        where = (f" (die zijn er alleen in {join_nl(geo.gemeenten_with_boundaries)})"
                 if geo.gemeenten_with_boundaries else "")
        notes.append("Van geen enkele wijk van de set zijn wijk- of buurtgrenzen in de database"
                     f"{where}; daarom is er geen wijkkaart en hebben de wijken in de "
                     "GeoPackage geen geometrie.")
    elif n_geo < n:
        notes.append(f"Van {nl_number(n_geo)} van de {_n_wijken(n)} zijn grenzen in de "
                     "database; alleen die staan op de wijkkaarten en hebben een geometrie in "
                     "de GeoPackage (de andere staan er zonder geometrie in).")
    return notes


def _sources_used(src: pd.DataFrame, series: pd.DataFrame, index: pd.DataFrame | None,
                  typology_info: dict[str, Any], geo: MonitorGeo,
                  year: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(sub: pd.DataFrame, used_for: str) -> None:
        for r in sub.itertuples(index=False):
            rows.append({"label": r.label, "kind": r.kind,
                         "year": None if _missing(r.year) else int(r.year),
                         "file": r.file_name, "used_for": used_for})

    if len(series):
        add(src[src["kind"] == "leefbaarometer"],
            f"Leefbaarometer {_year_span(series['year'])}: klassen, ontwikkeling, "
            "vroegsignalering")
    kwb = src[src["kind"] == "kwb"]
    idx_years = sorted({int(y) for y in index.loc[index["index"].notna(), "year"]}) if (
        index is not None and len(index)) else []
    if idx_years:
        add(kwb[kwb["year"].isin(idx_years)], "samengestelde index")
    t_year = typology_info.get("year")
    if typology_info.get("k") is not None and t_year is not None:
        add(kwb[kwb["year"] == t_year], "typologie en risicoscore")
    labels = set(geo.sources_of()) | set(geo.gemeente_sources)
    add(src[(src["kind"] == "boundaries") & src["label"].isin(labels)], "kaarten")
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["label"], r["file"] or "")
        if key in merged:
            if r["used_for"] not in merged[key]["used_for"]:
                merged[key]["used_for"] += "; " + r["used_for"]
        else:
            merged[key] = dict(r)
    return sorted(merged.values(), key=lambda r: (r["kind"] or "", r["label"], r["file"] or ""))


# ------------------------------------------------------------------------------ summary


def _summary(title: str, table: pd.DataFrame, classes: pd.DataFrame, warnings: pd.DataFrame,
             types: pd.DataFrame, agreement: dict[str, Any],
             year: int) -> tuple[list[str], dict[str, Any]]:
    """Three to six Dutch sentences, every number taken from ``facts``."""
    n = len(table)
    n_gm = int(table["gemeente_code"].nunique())
    classified = table[table["klasse"] != _NO_CLASS]
    n_lbm = len(classified)
    facts: dict[str, Any] = {"n_units": n, "n_gemeenten": n_gm, "n_lbm": n_lbm, "year": year}
    last = table["lbm_year"].max() if table["lbm_year"].notna().any() else None
    last_text = (f" (laatste meting {int(last)})" if last is not None and int(last) < year
                 else "")
    out = [f"De set ‘{title}’ telt {_n_wijken(n)} in {nl_number(n_gm)} "
           f"{'gemeente' if n_gm == 1 else 'gemeenten'}; van {nl_number(n_lbm)} daarvan heeft "
           f"de database een Leefbaarometer-reeks tot en met {year}{last_text}."]
    dist = classes[classes["klasse"] != _NO_CLASS]
    facts["classes"] = {str(r.klasse): int(r.n) for r in dist.itertuples()}
    if n_lbm:
        parts = [f"{nl_number(int(r.n))} in de klasse {r.klasse_label}"
                 for r in dist.itertuples()]
        verb = "valt er" if len(dist) == 1 and int(dist["n"].iloc[0]) == 1 else "vallen er"
        out.append(f"Van de {_n_wijken(n_lbm)} met een reeks {verb} {join_nl(parts)}.")
        # direction of change in the two periods of the classification
        pe = classified["period_early"].replace("", np.nan).dropna()
        pl = classified["period_late"].replace("", np.nan).dropna()
        up = int((classified["change_early"] > 0).sum())
        n_e = int(classified["change_early"].notna().sum())
        down = int((classified["change_late"] < 0).sum())
        n_l = int(classified["change_late"].notna().sum())
        if n_e and n_l and len(pe) and len(pl):
            p1, p2 = pe.mode().iloc[0], pl.mode().iloc[0]
            share = _pct(down, n_l)
            facts.update({"period_early": p1, "period_late": p2, "n_up_early": up,
                          "n_early": n_e, "n_down_late": down, "n_late": n_l,
                          "pct_down_late": share})
            out.append(f"In {p1} ging de positie ten opzichte van het landelijk gemiddelde "
                       f"vooruit bij {nl_number(up)} van de {_n_wijken(n_e)}; in {p2} ging "
                       f"die achteruit bij {nl_number(down)} van de {_n_wijken(n_l)} "
                       f"({nl_number(share, decimals=0)}%).")
    else:
        out.append("Daarom heeft geen enkele wijk van deze set een klasse; de tabellen tonen "
                   "wel de andere cijfers.")
    n_warn = len(warnings)
    facts["n_warn"] = n_warn
    if table["risk"].notna().any():
        if n_warn:
            n_high = int((warnings["risk_class"] == "hoog").sum())
            top = [f"{r.name} ({r.gemeente})" for r in warnings.head(3).itertuples()]
            facts.update({"n_warn_hoog": n_high, "warn_top": top})
            high = (f"{nl_number(n_high)} daarvan hoog" if n_high else "geen daarvan hoog")
            out.append(f"{_n_wijken(n_warn).capitalize()} "
                       f"{'heeft' if n_warn == 1 else 'hebben'} een hoog of verhoogd risico op "
                       f"terugval ({high}); het hoogste risico "
                       f"{'heeft' if len(top) == 1 else 'hebben'} {join_nl(top)}.")
        else:
            out.append("Geen enkele wijk heeft een hoog of verhoogd risico op terugval.")
    rho = _float(agreement.get("spearman"))
    n_pairs = agreement.get("n")
    if rho is not None and n_pairs:
        word = ("sterk" if abs(rho) >= 0.7 else "redelijk" if abs(rho) >= 0.4 else "weinig")
        facts.update({"spearman": rho, "n_agreement": int(n_pairs),
                      "agreement_year": agreement.get("year")})
        years = agreement.get("years") or []
        spread = ""
        if len(years) > 1:
            lo, hi = agreement["spearman_min"], agreement["spearman_max"]
            facts.update({"spearman_min": lo, "spearman_max": hi})
            spread = (f"; in {_year_span(years)} tussen {nl_number(lo, decimals=2)} en "
                      f"{nl_number(hi, decimals=2)}")
        out.append(f"De samengestelde KWB-index en de Leefbaarometer stemmen {word} overeen "
                   f"(rangcorrelatie {nl_number(rho, decimals=2)} over "
                   f"{_n_wijken(int(n_pairs))} in {agreement.get('year')}{spread}).")
    if len(types):
        big = types.iloc[0]
        facts.update({"n_types": len(types), "largest_type": str(big["type_name"]),
                      "n_largest_type": int(big["n"])})
        out.append(f"Naar hun structuur vallen de wijken in {nl_number(len(types))} typen; het "
                   f"grootste is ‘{big['type_name']}’ ({_n_wijken(int(big['n']))}).")
    return out[:6], facts



# ------------------------------------------------------------------------------ charts
# Drawn with the settings and SVG writer of :mod:`wijkanalyse.present.charts` (DejaVu Sans, text
# kept
# as text, unique ids); titles and "Bron:" captions are HTML around the SVG.


def _svg(fig: Any, *, label: str) -> str:
    from wijkanalyse.present.charts import _to_svg

    return _to_svg(fig, label=label)


def _rc() -> dict[Any, Any]:  # keys: matplotlib rc names
    from wijkanalyse.present.charts import _RC

    return dict(_RC)


def _short(text: str, limit: int = 34) -> str:
    text = str(text)
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def distribution_chart(classes: pd.DataFrame, class_info: dict[str, dict[str, Any]]
                       ) -> str | None:
    """Horizontal bars: number (and share) of units per trend class.

    Units without a Leefbaarometer series are left out (the caption says how many).
    Returns an ``<svg>`` element, or ``None`` when no unit has a class.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    dist = classes[(classes["klasse"] != _NO_CLASS) & (classes["n"] > 0)]
    if dist.empty:
        return None
    counts = [int(x) for x in dist["n"]]
    shares = [float(x) for x in dist["share"]]
    colours = [class_info.get(k, {}).get("colour", "#999999") for k in dist["klasse"]]
    height = 0.55 + 0.23 * len(dist)
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, height))
        bottom = 0.42 / height
        ax = fig.add_axes((0.27, bottom, 0.66, 1 - bottom - 0.06 / height))
        ys = list(range(len(dist)))[::-1]
        ax.barh(ys, counts, color=colours, edgecolor="#333333", linewidth=0.5, height=0.68,
                zorder=3)
        top = max(counts)
        for y, n, share in zip(ys, counts, shares, strict=True):
            ax.text(n + top * 0.012, y, f"{nl_number(n)} ({nl_number(share, decimals=0)}%)",
                    va="center", ha="left", fontsize=6.5, color="#222222")
        ax.set_yticks(ys)
        ax.set_yticklabels([_short(x) for x in dist["klasse_label"]], fontsize=7)
        ax.set_ylim(-0.6, len(dist) - 0.4)
        ax.set_xlim(0, top * 1.2)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v)))
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.set_xlabel("aantal wijken", fontsize=6.5)
        return _svg(fig, label="Staafdiagram: aantal wijken per klasse")


def class_series_chart(series: pd.DataFrame, units: pd.DataFrame,
                       class_info: dict[str, dict[str, Any]]) -> str | None:
    """Small multiples: the Leefbaarometer deviation of every unit of a class over the years
    (thin grey lines) and the class mean (thick line), one panel per class.

    Returns an ``<svg>`` element, or ``None`` without any series.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    if series.empty:
        return None
    s = series.assign(unit_id=series["unit_id"].astype(str)).merge(
        units[["unit_id", "klasse"]], on="unit_id")
    s = s[s["klasse"] != _NO_CLASS].dropna(subset=["lbm_afw"])
    if s.empty:
        return None
    present = [k for k in class_info if k in set(s["klasse"])]
    ncols = min(3, len(present))
    nrows = math.ceil(len(present) / ncols)
    years = sorted(int(y) for y in s["year"].unique())
    lo, hi = float(s["lbm_afw"].min()), float(s["lbm_afw"].max())
    pad = max(0.02, (hi - lo) * 0.06)
    ticks = sorted({years[0], years[-1]} | ({2012} if years[0] + 4 <= 2012 <= years[-1] - 4
                                             else set()))
    panel_h = 1.45
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, panel_h * nrows + 0.15))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for i, k in enumerate(present):
            ax = axes[i // ncols][i % ncols]
            grp = s[s["klasse"] == k]
            for _uid, g in grp.groupby("unit_id", sort=False):
                g = g.sort_values("year")
                ax.plot(g["year"], g["lbm_afw"], color="#9a9a9a", linewidth=0.45, alpha=0.8,
                        zorder=2)
            mean = grp.groupby("year")["lbm_afw"].mean()
            ax.plot(mean.index, mean.values, color="#333333", linewidth=3.2, zorder=4)
            ax.plot(mean.index, mean.values, color=class_info[k]["colour"], linewidth=2.2,
                    zorder=4, marker="o", markersize=2.4, markeredgecolor="#222222",
                    markeredgewidth=0.4)
            ax.axhline(0, color="#222222", linewidth=0.7, linestyle=(0, (4, 2)), zorder=3)
            n = grp["unit_id"].nunique()
            ax.set_title(f"{_short(class_info[k]['label'], 30)} ({nl_number(n)})",
                         fontsize=7, loc="left", pad=3)
            ax.grid(axis="y")
            ax.set_axisbelow(True)
        for j in range(len(present), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        ax0 = axes[0][0]
        ax0.set_ylim(lo - pad, hi + pad)
        ax0.set_xlim(years[0] - 1, years[-1] + 1)
        ax0.xaxis.set_major_locator(FixedLocator(ticks))
        ax0.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: str(int(round(v)))))
        ax0.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax0.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _p=None: nl_number(0.0 if abs(v) < 1e-12 else v, decimals=2)))
        for row in axes:
            row[0].set_ylabel("afwijking", fontsize=6.3)
        for c in range(ncols):  # the last visible panel of each column gets the year labels
            last = max(r for r in range(nrows) if r * ncols + c < len(present))
            axes[last][c].xaxis.set_tick_params(labelbottom=True)
        fig.subplots_adjust(left=0.09, right=0.99, top=1 - 0.28 / (panel_h * nrows),
                            bottom=0.32 / (panel_h * nrows), hspace=0.55, wspace=0.12)
        return _svg(fig, label="Lijngrafieken: afwijking van de Leefbaarometer per klasse")


def risk_chart(warnings: pd.DataFrame, *, base_rate: float | None, limit: int = 20
               ) -> str | None:
    """Horizontal bars of the risk of the units on the early-warning list (at most ``limit``),
    with the average risk as a dashed line. ``None`` for an empty list."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    top = warnings.head(limit)
    if top.empty:
        return None
    labels = [_short(f"{r.name} ({r.gemeente})", 40) for r in top.itertuples()]
    risks = [float(r) * 100 for r in top["risk"]]
    colours = [_RISK_COLOURS.get(str(c), "#999999") for c in top["risk_class"]]
    hatches = ["////" if c == "hoog" else "" for c in top["risk_class"]]
    height = 0.95 + 0.2 * len(top)
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, height))
        bottom = 0.72 / height
        ax = fig.add_axes((0.36, bottom, 0.6, 1 - bottom - 0.06 / height))
        ys = list(range(len(top)))[::-1]
        for y, r, c, h in zip(ys, risks, colours, hatches, strict=True):
            ax.barh(y, r, color=c, edgecolor="#333333", linewidth=0.5, height=0.66, hatch=h,
                    zorder=3)
            ax.text(r + max(risks) * 0.01, y, f"{nl_number(r, decimals=0)}%", va="center",
                    fontsize=6.3)
        handles: list[Any]  # patches and a line
        handles = [Patch(facecolor=_RISK_COLOURS["hoog"], edgecolor="#333333", hatch="////",
                         label="hoog"),
                   Patch(facecolor=_RISK_COLOURS["verhoogd"], edgecolor="#333333",
                         label="verhoogd")]
        if base_rate is not None:
            ax.axvline(base_rate * 100, color="#222222", linewidth=0.8,
                       linestyle=(0, (4, 2)), zorder=4)
            from matplotlib.lines import Line2D
            handles.append(Line2D([], [], color="#222222", linewidth=0.8,
                                  linestyle=(0, (4, 2)),
                                  label=f"gemiddeld ({nl_number(base_rate * 100, decimals=0)}%)"))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=6.5)
        ax.set_ylim(-0.6, len(top) - 0.4)
        ax.set_xlim(0, max(risks) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: f"{nl_number(v)}%"))
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.set_xlabel("kans op terugval bij de volgende meting", fontsize=6.3)
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.04 / height),
                   ncol=3, fontsize=6.3, borderaxespad=0.0)
        return _svg(fig, label="Staafdiagram: risico op terugval")


def agreement_chart(agreement: dict[str, Any], units: pd.DataFrame,
                    class_info: dict[str, dict[str, Any]]) -> str | None:
    """Scatter of the total composite index against the Leefbaarometer deviation in the
    headline year of the comparison, points coloured by class. ``None`` without pairs."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    pairs = agreement.get("units")
    year = agreement.get("year")
    if pairs is None or year is None or len(pairs) == 0:
        return None
    pts = pairs[pairs["year"] == year].merge(
        units[["unit_id", "klasse"]].astype({"unit_id": str}), on="unit_id", how="left")
    if pts.empty:
        return None
    with rc_context(_rc()):
        fig = Figure(figsize=(4.2, 3.0))
        ax = fig.add_axes((0.15, 0.16, 0.82, 0.8))
        colours = [class_info.get(str(k), {}).get("colour", "#999999") for k in pts["klasse"]]
        ax.scatter(pts["lbm_afw"], pts["index"], c=colours, edgecolors="#222222",
                   linewidths=0.5, s=22, zorder=3)
        ax.axvline(0, color="#666666", linewidth=0.6, linestyle=(0, (4, 2)))
        ax.axhline(100, color="#666666", linewidth=0.6, linestyle=(0, (4, 2)))
        ax.grid(True)
        ax.set_axisbelow(True)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v, decimals=2)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v)))
        ax.set_xlabel(f"Leefbaarometer: afwijking van landelijk gemiddelde "
                      f"({agreement.get('lbm_year')})", fontsize=6.3)
        ax.set_ylabel(f"samengestelde index {year} (100 = Nederland)", fontsize=6.3)
        return _svg(fig, label="Spreidingsdiagram: index tegen Leefbaarometer")


# ------------------------------------------------------------------------------ maps
# Many areas at once, drawn with the primitives of mapsvg (frame, paths, labels, wrap).

_MAP_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def _legend(items: Sequence[tuple[str, str, str]], *, x: float, y: float, size: float = 10
            ) -> tuple[str, float]:
    """Legend rows (fill, stroke, label) from (x, y) downwards; returns markup and bottom y."""
    out = []
    for fill, stroke, label in items:
        out.append(f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="12" height="9" '
                   f'fill={quoteattr(fill)} stroke={quoteattr(stroke)} stroke-width="0.6"/>')
        out.append(f'<text x="{_fmt(x + 17)}" y="{_fmt(y + 8)}" font-size="{_fmt(size)}" '
                   f'fill="#222222">{escape(label)}</text>')
        y += 14
    return "".join(out), y


def _svg_doc(width: float, height: float, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map-svg" role="img" '
            f'aria-label={quoteattr(label)} viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
            f'width="{_fmt(width)}" height="{_fmt(height)}" font-family="{_MAP_FONT}">'
            f"{body}</svg>")


def national_map(geo: MonitorGeo, units: pd.DataFrame, *, width: int = 360,
                 height: int = 430, max_labels: int = 20) -> str | None:
    """The Netherlands by gemeente: gemeenten with units that have a trend class dark,
    gemeenten with units but no class light, the others white; the marked gemeenten are
    named when there are at most ``max_labels``. ``None`` without a gemeente map."""
    if not geo.gemeenten:
        return None
    with_class = set(units.loc[units["klasse"] != _NO_CLASS, "gemeente_code"].dropna())
    in_set = set(units["gemeente_code"].dropna())
    names = dict(zip(units["gemeente_code"], units["gemeente"], strict=False))
    legend_h = 40
    union = shapely.union_all(list(geo.gemeenten.values()))
    frame = MapFrame.fit(union.bounds, width, height - legend_h, 6)
    scale = frame.scale
    tol = 0.6 / scale
    body = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    for code, geom in sorted(geo.gemeenten.items()):
        fill = "#1b4f8a" if code in with_class else "#9ec0e6" if code in in_set else "#ffffff"
        d = path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#8a8a8a" '
                    f'stroke-width="0.35"><title>{escape(names.get(code, code))}</title></path>')
    marked = sorted(c for c in in_set if c in geo.gemeenten)
    if len(marked) <= max_labels:
        size = 8.5
        placed: list[tuple[float, float, float, float]] = []
        points = []
        for code in marked:
            pt = geo.gemeenten[code].representative_point()
            points.append((code, *frame.xy(pt.x, pt.y)))
        for code, x, y in sorted(points, key=lambda t: (t[2], t[1])):
            text = str(names.get(code, code))
            w, h = len(text) * size * 0.6, size * 1.1
            # above the gemeente, else below, right or left: the first spot that is free
            for dx, dy in ((0, -6), (0, 12), (w / 2 + 6, 3), (-w / 2 - 6, 3), (0, -16),
                           (0, 22)):
                box = (x + dx - w / 2, y + dy - h, x + dx + w / 2, y + dy + 2)
                if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                           for b in placed):
                    break
            placed.append(box)
            body.append(halo_text(x + dx, y + dy, text, size=size, fill="#111111"))
    items = [("#1b4f8a", "#8a8a8a", "gemeente met wijken met een klasse"),
             ("#9ec0e6", "#8a8a8a", "gemeente in de set, zonder Leefbaarometer-reeks")]
    if not in_set - with_class:
        items = items[:1]
    legend, _ = _legend(items, x=6, y=height - legend_h + 6, size=10)
    body.append(legend)
    return _svg_doc(width, height, "".join(body),
                    "Kaart van Nederland met de gemeenten van de set")


def gemeente_map(gm: str, gm_name: str, geo: MonitorGeo, units: pd.DataFrame,
                 class_info: dict[str, dict[str, Any]], *, width: int = 520,
                 height: int = 440) -> str | None:
    """The units of one gemeente coloured by trend class, on the gemeente outline with the
    other wijken (or buurten) of the gemeente light around them, every area labelled with its
    name where it fits (the units first; a unit whose name does not fit gets a number, listed
    under the map; :func:`wijkanalyse.present.svgmap.place_labels`), with a legend that gives the
    boundary years and a scale bar. ``None`` when no unit of the gemeente has a boundary."""
    rows = units[(units["gemeente_code"] == gm) & units["unit_id"].isin(list(geo.units))]
    if rows.empty:
        return None
    shapes = [(r, geo.units[r.unit_id]) for r in rows.itertuples()]
    outline = geo.gemeenten.get(gm)
    context = geo.context.get(gm, [])
    extent = shapely.union_all([g for _, g in shapes] + ([outline] if outline else [])
                               + [c[2] for c in context])
    n_classes = len({r.klasse for r, _ in shapes})
    legend_h = 16 + 14 * (math.ceil(n_classes / 2) + 1 + (1 if context else 0))
    frame = MapFrame.fit(extent.bounds, width, height - legend_h, 8)
    scale = frame.scale
    tol = 0.4 / scale
    body = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if outline is not None:
        d = path_d(shapely.simplify(outline, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="#f0f0f0" fill-rule="evenodd" stroke="#555555" '
                    'stroke-width="1"/>')
    if context:
        paths = "".join(
            f'<path d="{path_d(shapely.simplify(g, tol, preserve_topology=True), frame)}">'
            f"<title>{escape(str(name))}</title></path>" for _, name, g, _ in context)
        body.append(f'<g fill="#dddddd" fill-rule="evenodd" stroke="#ffffff" '
                    f'stroke-width="0.6">{paths}</g>')
    for r, geom in shapes:
        colour = class_info.get(r.klasse, {}).get("colour", "#cccccc")
        d = path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="{colour}" fill-rule="evenodd" stroke="#222222" '
                    f'stroke-width="0.9"><title>{escape(str(r.name))}: '
                    f'{escape(str(r.klasse_label))}</title></path>')
    # names: the units first (numbered when they do not fit), then the other areas
    y0 = height - legend_h - 10
    reserved: list[tuple[float, float, float, float]] = [
        (width - 160, y0 - 20, width, y0 + 4)]
    named = [(str(r.name), g) for r, g in shapes] + [(str(c[1]), c[2]) for c in context]
    placed = place_labels(named, frame, reserved=reserved, priority=set(range(len(shapes))),
                          max_numbers=40, sizes=(8.0, 6.8))
    body.append(f'<g class="namen">{placed.svg}</g>')
    # scale bar (about a fifth of the width, rounded)
    metres = (width / 5) / scale
    steps = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)
    length = max([s for s in steps if s <= metres] or [steps[0]])
    px = length * scale
    body.append(f'<g><rect x="{_fmt(width - px - 14)}" y="{_fmt(y0 - 4)}" width="{_fmt(px)}" '
                f'height="4" fill="#222222"/><text x="{_fmt(width - px / 2 - 14)}" '
                f'y="{_fmt(y0 - 8)}" font-size="10" text-anchor="middle" fill="#222222">'
                f"{escape(scale_label(length))}</text></g>")
    present = [k for k in class_info if k in {r.klasse for r, _ in shapes}]
    half = math.ceil(len(present) / 2)
    cols = [present[:half], present[half:]]
    bottom: float = height - legend_h + 6
    for c, keys in enumerate(cols):
        items = [(class_info[k]["colour"], "#555555", class_info[k]["label"]) for k in keys]
        legend, end = _legend(items, x=8 + c * width / 2, y=height - legend_h + 6, size=10)
        body.append(legend)
        bottom = max(bottom, end)
    unit_years = sorted({y for r, _ in shapes for y in geo.unit_years.get(r.unit_id, [])})
    ctx_years = sorted({c[3] for c in context if c[3] is not None})
    extra_items = []
    if context:
        extra_items.append(("#dddddd", "#ffffff", "andere wijken of buurten van de gemeente"
                            + (f" (grenzen van {join_nl([str(y) for y in ctx_years])})"
                               if ctx_years else "")))
    if outline is not None and geo.gemeenten_year:
        extra_items.append(("#f0f0f0", "#555555",
                            f"gemeente (grens van {geo.gemeenten_year})"))
    legend, bottom = _legend(extra_items, x=8, y=bottom, size=10)
    body.append(legend)
    text_lines = []
    if unit_years:
        line = "Wijken van de set: grenzen van " + join_nl([str(y) for y in unit_years])
        code_years = sorted({int(r.codes_year) for r, _ in shapes
                             if "codes_year" in rows.columns and not _missing(r.codes_year)})
        if code_years and max(code_years) > max(unit_years):
            of = join_nl([str(y) for y in code_years])
            line += (f"; hun codes zijn van de indeling van {of}, "
                     "waarin een grens anders kan liggen")
        text_lines.append(line + ".")
    if placed.numbered:
        text_lines.append(" · ".join(f"{n} {name}" for n, name in placed.numbered))
    total = bottom
    for line in text_lines:
        for part in wrap_text(line, width_px=width - 16, font_size=9.5):
            total += 12
            body.append(f'<text x="8" y="{_fmt(total)}" font-size="9.5" fill="#222222">'
                        f"{escape(part)}</text>")
    total_h = max(float(height), total + 8)
    body[0] = f'<rect width="{width}" height="{_fmt(total_h)}" fill="#ffffff"/>'
    return _svg_doc(width, total_h, "".join(body),
                    f"Kaart van {gm_name}: wijken gekleurd naar klasse")


# ------------------------------------------------------------------------------ HTML


@dataclass
class _Figure:
    title: str
    svg: Markup | None
    caption: str
    lines: list[str] = field(default_factory=list)
    note: str | None = None


def _lbm_caption(result: MonitorResult) -> str:
    years = sorted({int(y) for y in result.lbm_series["year"]}) if len(
        result.lbm_series) else []
    label = next((s["label"] for s in result.sources if s["kind"] == "leefbaarometer"),
                 _LBM_LABEL)
    span = f" ({_year_span(years)})" if years else ""
    return f"Bron: {label}{span}; bewerking wijkanalyse"


def _kwb_caption(years: Sequence[int], extra: str = "bewerking wijkanalyse") -> str:
    if not years:
        return "Bron: geen KWB-cijfers beschikbaar"
    return _caption([_kwb_label(int(y)) for y in years], note=extra)


_SENTENCE_END = re.compile(r"(?<=[.)])\s+(?=[A-Z])")


def short_explanation(text: str) -> str:
    """The figures and the main driver of a risk explanation, without its first sentence
    (the risk, already in the table), the KWB context and the source (in the caption)."""
    parts = [p.strip() for p in _SENTENCE_END.split(str(text or "")) if p.strip()]
    keep = [p for p in parts[1:] if not p.startswith(("Ter informatie", "Bron:"))]
    return " ".join(keep) if keep else str(text or "")


def _class_rows(result: MonitorResult) -> list[dict[str, Any]]:
    rows = []
    for r in result.classes.itertuples():
        info = result.class_info.get(r.klasse, {})
        rows.append({"klasse": r.klasse, "label": r.klasse_label, "n": int(r.n),
                     "share": r.share, "mean_afw": r.mean_afw,
                     "colour": info.get("colour", "#999999"),
                     "definition": info.get("definition", "")})
    return rows


def _context(result: MonitorResult, generated_on: date) -> dict[str, Any]:
    units = result.units
    lbm_caption = _lbm_caption(result)
    n_no = int((units["klasse"] == _NO_CLASS).sum())
    dist_svg = distribution_chart(result.classes, result.class_info)
    dist = _Figure(
        title="Aantal wijken per klasse", svg=Markup(dist_svg) if dist_svg else None,
        caption=lbm_caption,
        lines=([f"{_n_wijken(n_no).capitalize()} zonder Leefbaarometer-reeks "
                f"{'staat' if n_no == 1 else 'staan'} niet in de grafiek."] if n_no else []))
    multiples_svg = class_series_chart(result.lbm_series, units, result.class_info)
    multiples = _Figure(
        title="Afwijking van het landelijk gemiddelde per klasse, "
              f"{_year_span(result.lbm_series['year']) if len(result.lbm_series) else ''}",
        svg=Markup(multiples_svg) if multiples_svg else None, caption=lbm_caption,
        lines=["Dunne grijze lijnen: de wijken; dikke lijn: het gemiddelde van de klasse; "
               "stippellijn: het landelijk gemiddelde (0). Tussen haakjes het aantal wijken."])
    # units table: every unit, or only those with a class for very large sets
    shown = units if len(units) <= MAX_TABLE_ROWS else units[units["klasse"] != _NO_CLASS]
    shown = shown.assign(colour=[result.class_info.get(k, {}).get("colour", "#999999")
                                 for k in shown["klasse"]])
    shown = shown.sort_values(["gemeente", "name"], kind="stable") if len(units) > 20 else shown
    index_years = result.index_info.get("years") or []
    unit_caption = _caption([next((s["label"] for s in result.sources
                                   if s["kind"] == "leefbaarometer"), _LBM_LABEL)]
                            + [_kwb_label(y) for y in index_years]
                            + ([_kwb_label(result.typology_info["year"])]
                               if result.typology_info.get("k") else []),
                            note="bewerking wijkanalyse")
    periods = (result.facts.get("period_early") or "periode 1",
               result.facts.get("period_late") or "periode 2")
    warn_svg = risk_chart(result.warnings, base_rate=result.risk_info.get("base_rate"))
    warn_fig = _Figure(
        title="Wijken met een hoog of verhoogd risico op terugval",
        svg=Markup(warn_svg) if warn_svg else None,
        caption=f"{lbm_caption} (risicomodel getraind op de Leefbaarometer-reeksen van alle "
                "wijken in de database)",
        lines=([f"De {min(20, len(result.warnings))} wijken met het hoogste risico van "
                f"{nl_number(len(result.warnings))}."] if len(result.warnings) > 20 else []))
    agree_svg = agreement_chart(result.agreement, units, result.class_info)
    agree_fig = _Figure(
        title="Samengestelde index tegen de Leefbaarometer",
        svg=Markup(agree_svg) if agree_svg else None,
        caption=_caption(([_kwb_label(result.agreement["year"])]
                          if result.agreement.get("year") else []) + [_LBM_LABEL],
                         note="bewerking wijkanalyse") if agree_svg else "",
        lines=["Elke stip is een wijk, gekleurd naar zijn klasse; stippellijnen: het landelijk "
               "gemiddelde."])
    maps = _maps(result)
    generated = f"Gemaakt met {result.generated_with} op {dutch_date(generated_on)}"
    gm_class_cols = [c for c in result.gemeenten.columns
                     if c not in ("gemeente_code", "gemeente", "n_units", "n_lbm", "mean_afw",
                                  "n_warn")]
    gm_class_cols = [c for c in gm_class_cols if result.gemeenten[c].sum() > 0]
    gemeenten = result.gemeenten
    gm_hidden = 0
    if len(gemeenten) > 60:
        gm_hidden = int((gemeenten["n_lbm"] == 0).sum())
        gemeenten = gemeenten[gemeenten["n_lbm"] > 0]
    type_cols = [c for c in result.types.columns
                 if c not in ("type_id", "type_name", "n", "share", "mean_afw")]
    type_cols = [c for c in type_cols if result.types[c].sum() > 0]
    colours_by_label = {v["label"]: v["colour"] for v in result.class_info.values()}
    return {
        "p": result,
        "r": result,
        "generated": generated,
        "subtitle": (f"{_n_wijken(len(units))} in "
                     f"{nl_number(units['gemeente_code'].nunique())} gemeenten · "
                     f"Leefbaarometer tot en met {result.year}"),
        "class_rows": _class_rows(result),
        "dist": dist,
        "multiples": multiples,
        "units_shown": _plain(shown),
        "units_hidden": len(units) - len(shown),
        "show_evidence": len(shown) <= 60,
        "unit_caption": unit_caption,
        "periods": periods,
        "gemeenten": _plain(gemeenten),
        "gm_hidden": gm_hidden,
        "gm_class_cols": gm_class_cols,
        "gm_caption": lbm_caption + ("; risico: model wijkanalyse" if len(
            result.warnings) else ""),
        "warn_fig": warn_fig,
        "warn_rows": _plain(result.warnings.head(MAX_WARN_ROWS).assign(
            risk_explanation=result.warnings["risk_explanation"].head(MAX_WARN_ROWS).map(
                short_explanation))),
        "warn_hidden": max(0, len(result.warnings) - MAX_WARN_ROWS),
        "backtest": result.backtest,
        "backtest_rows": _plain(result.backtest["pooled"]) if result.backtest else [],
        "types": _plain(result.types),
        "type_cols": type_cols,
        "colours_by_label": colours_by_label,
        "type_caption": _kwb_caption([result.typology_info["year"]]
                                     if result.typology_info.get("k") else []),
        "agree_fig": agree_fig,
        "agree_rows": _plain(result.agreement.get("per_year"))
        if result.agreement.get("per_year") is not None else [],
        "index_caption": _kwb_caption(index_years),
        "maps": maps,
        "no_class": _NO_CLASS,
        "warn_classes": WARN_CLASSES,
        **_availability_context(result),
    }


def _availability_context(result: MonitorResult) -> dict[str, Any]:
    """Template variables of the chapter on the data per unit."""
    avail = result.availability
    ctx: dict[str, Any] = {"avail": avail is not None, "avail_rows": [], "avail_cols": [],
                           "avail_groups": [], "avail_units": [], "avail_notes": [],
                           "avail_caption": "", "n_uncertain": result.n_uncertain,
                           "divisions_shown": any(len(d) > 1
                                                  for d in result.divisions.values())}
    if avail is None:
        return ctx
    cols = avail.columns
    ctx["avail_cols"] = [{"key": c.key, "label": c.label, "level": c.level, "n_ja": c.n_ja,
                          "n_deels": c.n_deels, "n_omvattend": c.n_omvattend,
                          "n_nee": c.n_nee} for c in cols.itertuples(index=False)]
    groups: list[dict[str, Any]] = []
    for base in cols["base"]:
        if groups and groups[-1]["base"] == base:
            groups[-1]["span"] += 1
        else:
            groups.append({"base": base, "span": 1})
    ctx["avail_groups"] = groups
    labels = [lab.strip() for src in cols["source"] for lab in str(src).split(";") if lab.strip()]
    ctx["avail_caption"] = _caption(labels, note="bewerking wijkanalyse")
    ctx["avail_notes"] = ([f"Wel in de database, maar voor geen enkel gebied van deze set: "
                           f"{join_nl(avail.absent)}."] if avail.absent else [])
    by_note: dict[str, list[str]] = {}
    for c in cols.itertuples(index=False):
        if c.note:
            by_note.setdefault(str(c.note), []).append(str(c.label))
    ctx["avail_notes"] += [f"{join_nl(labs)}: {note}" for note, labs in by_note.items()]
    units = result.units
    if len(units) > MAX_AVAIL_ROWS:
        return ctx
    cells = {(r.unit_id, r.key): r for r in avail.cells.itertuples(index=False)}
    keys = cols["key"].tolist()
    for u in units.itertuples(index=False):
        uid = str(u.unit_id)
        row_cells = []
        for key in keys:
            cell = cells.get((uid, key))
            status = cell.status if cell is not None else "nee"
            row_cells.append({"status": status, "symbol": _AV_SYMBOLS.get(status, "?"),
                              "detail": (cell.detail if cell is not None else "")})
        ctx["avail_rows"].append({"name": u.name, "gemeente": u.gemeente,
                                  "uncertain": bool(u.uncertain), "cells": row_cells})
        divs = result.divisions.get(uid) or [{"years": [], "year": _int_or_none(u.codes_year),
                                              "codes": str(u.codes).split("; "),
                                              "reason": ""}]
        shown = []
        for i, d in enumerate(divs):
            if i == 0:
                when = f"codes {d['year']}" if d.get("year") is not None else "codes"
                if len(divs) > 1:
                    when += " (en andere jaren)"
            else:
                when = _year_span(d["years"])
            shown.append({"when": when, "codes": ", ".join(d["codes"]),
                          "reason": d["reason"] if i > 0 else ""})
        ctx["avail_units"].append({
            "unit_id": uid, "name": u.name, "gemeente": u.gemeente,
            "uncertain": bool(u.uncertain), "uncertain_reason": u.uncertain_reason,
            "reason": divs[0].get("reason", ""), "divisions": shown,
            "missing": u.missing or avail.missing.get(uid, "")})
    return ctx


def _int_or_none(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _maps(result: MonitorResult) -> list[_Figure]:
    out: list[_Figure] = []
    geo = result.geo
    nat = national_map(geo, result.units)
    if nat:
        out.append(_Figure(
            title="De gemeenten van de set",
            svg=Markup(nat),
            caption=_caption(geo.gemeente_sources),
            lines=[_national_map_note(result)]))
    mapped = result.units[result.units["has_geometry"]]
    for gm, grp in mapped.groupby("gemeente_code", sort=True):
        name = str(grp["gemeente"].iloc[0])
        svg = gemeente_map(str(gm), name, geo, result.units, result.class_info)
        if svg:
            n_all = int((result.units["gemeente_code"] == gm).sum())
            out.append(_Figure(
                title=f"{name}: wijken naar klasse",
                svg=Markup(svg),
                caption=_caption(geo.sources_of(grp["unit_id"].tolist())
                                 + geo.gemeente_sources,
                                 note=_lbm_caption(result).removeprefix("Bron: ")),
                lines=[f"{nl_number(len(grp))} van de {_n_wijken(n_all)} van {name} met een "
                       "grens in de database."]))
    return out


def _national_map_note(result: MonitorResult) -> str:
    """What the national map shows and which gemeenten of the set it lacks (new codes)."""
    geo = result.geo
    units = result.units.dropna(subset=["gemeente_code"])
    absent = units[~units["gemeente_code"].isin(list(geo.gemeenten))].drop_duplicates(
        "gemeente_code")
    text = f"Gemeentegrenzen {geo.gemeenten_year}."
    if absent.empty:
        return text
    names = [f"{r.gemeente} ({r.gemeente_code})" for r in absent.itertuples()]
    listed = (join_nl(names) if len(names) <= 8
              else f"{nl_number(len(names))} gemeenten")
    return (f"{text} Niet op de kaart, omdat ze na {geo.gemeenten_year} een nieuwe code "
            f"kregen (samenvoeging): {listed}; de gemeenten waaruit ze ontstonden, zijn wit.")


def render_html(result: MonitorResult, *, generated_on: date | None = None) -> str:
    """The monitor as one self-contained HTML page (no scripts, no external resources).

    Parameters
    ----------
    result
        From :func:`run_monitor`.
    generated_on
        Date in the colophon; today when not given.

    Returns
    -------
    str
    """
    from wijkanalyse.present.jinja import environment

    template = environment().get_template("monitor.html")
    return template.render(**_context(result, generated_on or date.today()))


def render_pdf(result: MonitorResult, path: Path, *, generated_on: date | None = None,
               html: str | None = None) -> Path:
    """Print the monitor to an A4 PDF (WeasyPrint) from :func:`render_html`.

    Parameters
    ----------
    result
        From :func:`run_monitor`.
    path
        Target file (replaced atomically).
    generated_on
        Date in the colophon.
    html
        Already rendered HTML of the same result (saves rendering it twice).

    Returns
    -------
    Path
    """
    text = html if html is not None else render_html(result, generated_on=generated_on)
    return write_pdf(Path(path), text)


# ------------------------------------------------------------------------------ exports


def export_units(result: MonitorResult, *, headers: str = "fields") -> pd.DataFrame:
    """The per-unit table as exported.

    Parameters
    ----------
    result
        From :func:`run_monitor`.
    headers
        ``"fields"`` for the CSV/GeoPackage field names (``code``, ``naam``, ...),
        ``"labels"`` for the Dutch Excel headers.

    Returns
    -------
    DataFrame
        One row per unit in the set's order.
    """
    if headers not in ("fields", "labels"):
        raise ValueError("headers must be 'fields' or 'labels'")
    pos = 1 if headers == "fields" else 2
    out = result.units[_UNIT_COLUMNS].copy()
    out["klasse"] = out["klasse"].replace(_NO_CLASS, "")
    out["klasse_label"] = out["klasse_label"].where(out["klasse"] != "", "")
    out = out.rename(columns={c[0]: c[pos] for c in EXPORT_COLUMNS})
    return out.reset_index(drop=True)


def _sheet_frames(result: MonitorResult) -> dict[str, pd.DataFrame]:
    """The Excel sheets, in order, with Dutch headers."""
    lines = ([("Titel", result.title), ("Omschrijving", result.description),
              ("Set", result.spec), ("Jaar", result.year),
              ("Gemaakt met", result.generated_with)]
             + [("Samenvatting", s) for s in result.summary]
             + [("Opmerking", n) for n in result.notes]
             + [("Probleem met de set", n) for n in result.problems]
             + [("Klasse: " + v["label"], v["definition"]) for v in
                result.class_info.values()])
    toelichting = pd.DataFrame(lines, columns=["Onderdeel", "Tekst"])
    classes = result.classes.rename(columns={
        "klasse": "Klasse (code)", "klasse_label": "Klasse", "n": "Aantal wijken",
        "share": "Aandeel (% van wijken met klasse)",
        "mean_afw": "Gemiddelde afwijking Leefbaarometer"})
    classes.insert(2, "Omschrijving", [result.class_info.get(k, {}).get("definition", "")
                                       for k in result.classes["klasse"]])
    gemeenten = result.gemeenten.rename(columns={
        "gemeente_code": "Gemeentecode", "gemeente": "Gemeente", "n_units": "Wijken",
        "n_lbm": "Wijken met Leefbaarometer-reeks",
        "mean_afw": "Gemiddelde afwijking Leefbaarometer",
        "n_warn": "Wijken met hoog of verhoogd risico"})
    warnings = result.warnings.rename(columns={
        "unit_id": "Code", "name": "Naam", "gemeente": "Gemeente", "klasse_label": "Klasse",
        "lbm_afw": "Afwijking Leefbaarometer", "risk": "Risicoscore (kans op terugval)",
        "risk_class": "Risicoklasse", "risk_explanation": "Toelichting"})
    types = result.types.rename(columns={
        "type_id": "Type (nummer)", "type_name": "Type", "n": "Aantal wijken",
        "share": "Aandeel (%)", "mean_afw": "Gemiddelde afwijking Leefbaarometer"})
    if types.empty:
        types = pd.DataFrame({"Type": [], "Aantal wijken": []})
    series = result.lbm_series.rename(columns={
        "unit_id": "Code", "year": "Jaar", "lbm": "Leefbaarometer-score",
        "lbm_afw": "Afwijking van landelijk gemiddelde"})
    sources = pd.DataFrame(result.sources, columns=["label", "kind", "year", "file",
                                                    "used_for"]).rename(columns={
        "label": "Bron", "kind": "Soort", "year": "Jaar", "file": "Bestand",
        "used_for": "Gebruikt voor"})
    wijken = export_units(result, headers="labels")
    for field_name in ("heeft_grens", "onzeker"):
        header = dict(_FIELD_HEADERS)[field_name]
        wijken[header] = wijken[header].map({True: "ja", False: "nee"})
    gegevens, detail = _availability_sheets(result)
    return {"toelichting": toelichting, "wijken": wijken,
            "klassen": classes, "gemeenten": gemeenten, "vroegsignalering": warnings,
            "typologie": types, "leefbaarometer": series, "gegevens": gegevens,
            "gegevens_detail": detail, "bronnen": sources}


def _availability_sheets(result: MonitorResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sheet ``gegevens`` (units × source columns, Dutch status words) and
    ``gegevens_detail`` (one row per unit and source column)."""
    units = result.units
    head = pd.DataFrame({
        "Code": units["unit_id"], "Naam": units["name"], "Gemeente": units["gemeente"],
        "CBS-indeling van de codes (jaar)": units["codes_year"],
        "Onzeker afgebakend": units["uncertain"].map({True: "ja", False: "nee"})})
    avail = result.availability
    if avail is None:
        return head.assign(**{"Wat ontbreekt": units["missing"]}), pd.DataFrame(
            {"Toelichting": ["Het overzicht van de gegevens per gebied is niet gemaakt."]})
    matrix = avail.matrix(labels=True).reindex(units["unit_id"].astype(str))
    gegevens = pd.concat([head.reset_index(drop=True), matrix.reset_index(drop=True)], axis=1)
    gegevens["Wat ontbreekt"] = units["missing"].to_numpy()
    cols = avail.columns.set_index("key")
    names = dict(zip(units["unit_id"].astype(str), units["name"], strict=True))
    cells = avail.cells
    detail = pd.DataFrame({
        "Code": cells["unit_id"], "Naam": cells["unit_id"].map(names),
        "Bron": cells["key"].map(cols["label"]),
        "Jaar": cells["key"].map(cols["year"]).astype("Int64"),
        "Niveau": cells["key"].map(cols["level"]),
        "Status": cells["status"].map(STATUS_LABELS),
        "Gezochte codes": cells["codes"].map(lambda c: " ".join(c)),
        "Codes met gegevens": cells["n_with_data"],
        "Aantal codes": cells["n_codes"],
        "Indicatoren met een waarde": cells["n_indicators"],
        "Toelichting": cells["detail"],
        "Bronvermelding": cells["key"].map(cols["source"])})
    return gegevens, detail


def _write_xlsx(result: MonitorResult, tmp: Path) -> None:
    from openpyxl.styles import Alignment, Font

    frames = _sheet_frames(result)
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for i, col in enumerate(frame.columns, start=1):
                values = [str(col)] + [str(v) for v in frame[col].head(200).tolist()]
                width = min(60, max(8, max(len(v) for v in values) + 2))
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
        text_cells(writer.book)  # names from files and users stay text, never formulas


def _write_gpkg(result: MonitorResult, target: Path) -> Path:
    """GeoPackage with layer ``wijken`` (RD New; NULL geometry without a boundary) and
    table ``leefbaarometer``; written in a temporary folder, then moved into place."""
    import geopandas as gpd
    import pyogrio

    table = export_units(result, headers="fields")
    geoms = [result.geo.units.get(u) for u in result.units["unit_id"]]
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs="EPSG:28992"))
    gdf["heeft_grens"] = gdf["heeft_grens"].astype(bool)
    series = result.lbm_series.rename(columns={"unit_id": "code", "year": "jaar",
                                               "lbm": "lbm_score", "lbm_afw": "lbm_afwijking"})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tmp = tmp_dir / target.name
        pyogrio.write_dataframe(gdf, tmp, layer="wijken", driver="GPKG",
                                promote_to_multi=True)
        pyogrio.write_dataframe(pd.DataFrame(series), tmp, layer="leefbaarometer",
                                driver="GPKG", append=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return target


def to_dict(result: MonitorResult) -> dict[str, Any]:
    """The result as plain JSON-able data (boundaries left out; they are in the GeoPackage).

    Frames become lists of records, missing numbers ``None``.
    """
    out: dict[str, Any] = {}
    for name in result.__dataclass_fields__:
        if name == "geo":
            continue
        out[name] = _plain(getattr(result, name))
    out["n_units"] = result.n_units
    out["n_classified"] = result.n_classified
    out["boundaries"] = {
        "units_with_boundary": sorted(result.geo.units),
        "gemeenten_year": result.geo.gemeenten_year,
        "sources": result.geo.sources_of() + result.geo.gemeente_sources,
        "note": "De grenzen zelf staan in de GeoPackage (laag wijken).",
    }
    return out


def monitor_stem(result: MonitorResult) -> str:
    """File name without extension: ``monitor-<set>-<year>``."""
    return f"monitor-{_slug(result.set_name) or 'set'}-{result.year}"


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """Formats from ``"html,pdf"``-style text (or a list); ``"rapport"`` means html, pdf
    and xlsx, ``"alles"`` every format.

    Raises
    ------
    WijkanalyseError
        For an unknown format (Dutch message).
    """
    items = [text] if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        for part in str(item).replace(";", ",").split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part == "rapport":
                out += ["html", "pdf", "xlsx"]
            elif part == "alles":
                out += list(FORMATS)
            elif part == "excel":
                out.append("xlsx")
            elif part in FORMATS:
                out.append(part)
            else:
                raise WijkanalyseError(
                    f"Onbekend formaat {part!r}; kies uit {', '.join(FORMATS)}, rapport "
                    "(html, pdf en xlsx) of alles.")
    if not out:
        raise WijkanalyseError("Geef minstens één formaat op.")
    return tuple(dict.fromkeys(out))


def write_monitor(result: MonitorResult, out_dir: Path, *,
                  formats: Sequence[str] = FORMATS,
                  generated_on: date | None = None) -> dict[str, Path]:
    """Write the monitor in the chosen formats as ``monitor-<set>-<year>.<ext>``.

    Parameters
    ----------
    result
        From :func:`run_monitor`.
    out_dir
        Output folder (created when missing).
    formats
        Any of :data:`FORMATS`.
    generated_on
        Date in the HTML/PDF colophon; today when not given.

    Returns
    -------
    dict of str to Path
        The written file per format.

    Raises
    ------
    WijkanalyseError
        For an unknown format.
    """
    formats = parse_formats(list(formats))

    def write_csv(target: Path) -> Path:
        frame = csv_frame(export_units(result, headers="fields"))
        return _write_atomic(target, lambda tmp: frame.to_csv(tmp, index=False,
                                                              encoding="utf-8"))

    return write_report_files(
        out_dir, monitor_stem(result), formats, allowed=FORMATS,
        html=lambda: render_html(result, generated_on=generated_on),
        writers={"xlsx": lambda target: _write_atomic(target,
                                                      lambda tmp: _write_xlsx(result, tmp)),
                 "csv": write_csv,
                 "json": lambda target: write_json(target, to_dict(result)),
                 "gpkg": lambda target: _write_gpkg(result, target)})
