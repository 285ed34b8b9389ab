"""Writing the monitor: :func:`write_monitor` writes ``monitor-<set>-<year>.<ext>``, each file
atomically (temporary file in the target folder, then ``os.replace``):

``html``
    one self-contained page (inline CSS and SVG, no JavaScript, no external resources):
    summary, classes (distribution chart, Leefbaarometer deviation per class as small
    multiples), the units, per gemeente, early warning, typology, index versus Leefbaarometer,
    maps, the data per unit (source × year × level), sources and missing data. Every table
    and figure has a "Bron:" caption;
``pdf``
    the same page typeset by Typst (A4, "pagina X van Y", the wide tables landscape);
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
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from wijkanalyse.atomicio import write_atomic as _write_atomic
from wijkanalyse.atomicio import write_json, write_report_files
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame, write_sheets
from wijkanalyse.monitor.availability import STATUS_LABELS
from wijkanalyse.monitor.render import print_pdf, render_html
from wijkanalyse.monitor.result import (
    EXPORT_COLUMNS,
    NO_CLASS,
    UNIT_COLUMNS,
    MonitorResult,
    to_plain,
)

__all__ = ["FORMATS", "export_units", "monitor_stem", "parse_formats", "to_dict", "write_monitor"]

#: The formats :func:`write_monitor` can write.
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "csv", "json", "gpkg")

_FIELD_HEADERS = tuple((f, h) for _, f, h in EXPORT_COLUMNS)


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


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
    out = result.units[UNIT_COLUMNS].copy()
    out["klasse"] = out["klasse"].replace(NO_CLASS, "")
    out["klasse_label"] = out["klasse_label"].where(out["klasse"] != "", "")
    out = out.rename(columns={c[0]: c[pos] for c in EXPORT_COLUMNS})
    return out.reset_index(drop=True)


def _sheet_frames(result: MonitorResult) -> dict[str, pd.DataFrame]:
    """The Excel sheets, in order, with Dutch headers."""
    ranking = result.early_warning.get("mode", "ranking") == "ranking"
    lines = ([("Titel", result.title), ("Omschrijving", result.description),
              ("Set", result.spec), ("Jaar", result.year),
              ("Gemaakt met", result.generated_with)]
             + [("Samenvatting", s) for s in result.summary]
             + ([("Vroegsignalering", result.early_warning["statement"])]
                if result.early_warning.get("statement") else [])
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
        "n_warn": ("Wijken met hoog of verhoogd risico" if ranking
                   else "Wijken met een vroeg signaal")})
    warn = result.warnings
    if not ranking:  # no probability for a single wijk when the backtest shows no skill
        warn = warn.drop(columns=[c for c in ("risk", "risk_class", "risk_explanation")
                                  if c in warn.columns])
    warnings = warn.rename(columns={
        "unit_id": "Code", "name": "Naam", "gemeente": "Gemeente", "klasse_label": "Klasse",
        "klasse_geldt_voor_tekst": "Klasse geldt voor", "lbm_afw": "Afwijking Leefbaarometer",
        "risk": "Risicoscore (kans op terugval)",
        "risk_class": "Risicoklasse", "risk_explanation": "Toelichting",
        "lbm_change": "Verandering Leefbaarometer sinds vorige meting",
        "n_signals": "Vroege signalen (aantal)", "signals": "Vroege signalen"})
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
    write_sheets(tmp, _sheet_frames(result), fit_columns=True)


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
        out[name] = to_plain(getattr(result, name))
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
        html=lambda: render_html(result, generated_on=generated_on), printer=print_pdf,
        writers={"xlsx": lambda target: _write_atomic(target,
                                                      lambda tmp: _write_xlsx(result, tmp)),
                 "csv": write_csv,
                 "json": lambda target: write_json(target, to_dict(result)),
                 "gpkg": lambda target: _write_gpkg(result, target)})
