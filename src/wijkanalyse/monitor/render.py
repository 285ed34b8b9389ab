"""The monitor as one self-contained HTML page (Jinja template ``monitor.html``: inline CSS
and SVG, no JavaScript, no external resources) and as PDF (Typst, A4, "pagina X van Y").

Chapters: summary, classes (distribution chart, Leefbaarometer deviation per class as small
multiples), the units, per gemeente, early warning, typology, index versus Leefbaarometer,
maps, the data per unit (source × year × level), sources and missing data. Every table and
figure has a "Bron:" caption.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from wijkanalyse.fmt import count_text, dutch_date, join_nl, nl_number
from wijkanalyse.monitor.charts import (
    agreement_chart,
    class_series_chart,
    distribution_chart,
    risk_chart,
)
from wijkanalyse.monitor.maps import gemeente_map, national_map
from wijkanalyse.monitor.result import NO_CLASS, WARN_CLASSES, MonitorResult, to_plain
from wijkanalyse.monitor.wording import is_missing, n_wijken, year_span
from wijkanalyse.present.typeset import typeset_pdf

__all__ = [
    "MAX_AVAIL_ROWS",
    "MAX_TABLE_ROWS",
    "MAX_WARN_ROWS",
    "PDF_KIND",
    "print_pdf",
    "render_html",
    "render_pdf",
    "short_explanation",
]

#: Units above this number are listed in the HTML/PDF only when they have a trend class.
MAX_TABLE_ROWS = 400
#: The early-warning table in the HTML/PDF lists at most this many units (all in Excel/CSV).
MAX_WARN_ROWS = 30
#: Up to this many units the HTML/PDF shows the data per unit (source × year × level); larger
#: sets get counts per source there, and the table per unit in Excel and JSON.
MAX_AVAIL_ROWS = 80
#: The text at the top right of the PDF's pages (but the first).
PDF_KIND = "Monitor kwetsbare wijken"
_AV_SYMBOLS = {"ja": "●", "deels": "◐", "omvattend": "○", "nee": "–"}

_LBM_LABEL = "Leefbaarometer 3.0, ministerie van BZK"
_KWB_STEM = "CBS, Kerncijfers Wijken en Buurten"
_UNKNOWN_SOURCE = "Bron: niet vastgelegd"


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
    span = f" ({year_span(years)})" if years else ""
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
    n_no = int((units["klasse"] == NO_CLASS).sum())
    dist_svg = distribution_chart(result.classes, result.class_info)
    dist = _Figure(
        title="Aantal wijken per klasse", svg=Markup(dist_svg) if dist_svg else None,
        caption=lbm_caption,
        lines=([f"{n_wijken(n_no).capitalize()} zonder Leefbaarometer-reeks "
                f"{'staat' if n_no == 1 else 'staan'} niet in de grafiek."] if n_no else []))
    multiples_svg = class_series_chart(result.lbm_series, units, result.class_info)
    multiples = _Figure(
        title="Afwijking van het landelijk gemiddelde per klasse, "
              f"{year_span(result.lbm_series['year']) if len(result.lbm_series) else ''}",
        svg=Markup(multiples_svg) if multiples_svg else None, caption=lbm_caption,
        lines=["Dunne grijze lijnen: de wijken; dikke lijn: het gemiddelde van de klasse; "
               "stippellijn: het landelijk gemiddelde (0). Tussen haakjes het aantal wijken."])
    # units table: every unit, or only those with a class for very large sets
    shown = units if len(units) <= MAX_TABLE_ROWS else units[units["klasse"] != NO_CLASS]
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
    ranking = result.early_warning.get("mode", "ranking") == "ranking"
    warn_svg = (risk_chart(result.warnings, base_rate=result.risk_info.get("base_rate"))
                if ranking else None)
    warn_fig = _Figure(
        title="Wijken met een hoog of verhoogd risico op terugval",
        svg=Markup(warn_svg) if warn_svg else None,
        caption=(f"{lbm_caption} (risicomodel getraind op de Leefbaarometer-reeksen van alle "
                 "wijken in de database)" if ranking else
                 f"{lbm_caption}; CBS, Kerncijfers Wijken en Buurten (lage inkomens, "
                 "bijstand); vroege signalen: bewerking wijkanalyse"),
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
        "subtitle": (f"{n_wijken(len(units))} in "
                     f"{count_text(units['gemeente_code'].nunique(), 'gemeente', 'gemeenten')}"
                     " · "
                     f"Leefbaarometer tot en met {result.year}"),
        "class_rows": _class_rows(result),
        "dist": dist,
        "multiples": multiples,
        "units_shown": to_plain(shown),
        "units_hidden": len(units) - len(shown),
        "show_evidence": len(shown) <= 60,
        "unit_caption": unit_caption,
        "periods": periods,
        "gemeenten": to_plain(gemeenten),
        "gm_hidden": gm_hidden,
        "gm_class_cols": gm_class_cols,
        "gm_caption": lbm_caption + ("; risico: model wijkanalyse" if ranking and len(
            result.warnings) else ""),
        "ranking": ranking,
        "warn_fig": warn_fig,
        "warn_rows": to_plain(result.warnings.head(MAX_WARN_ROWS).assign(
            risk_explanation=result.warnings["risk_explanation"].head(MAX_WARN_ROWS).map(
                short_explanation))),
        "warn_hidden": max(0, len(result.warnings) - MAX_WARN_ROWS),
        "backtest": result.backtest,
        "backtest_rows": to_plain(result.backtest["pooled"]) if result.backtest else [],
        "types": to_plain(result.types),
        "type_cols": type_cols,
        "colours_by_label": colours_by_label,
        "type_caption": _kwb_caption([result.typology_info["year"]]
                                     if result.typology_info.get("k") else []),
        "agree_fig": agree_fig,
        "agree_rows": to_plain(result.agreement.get("per_year"))
        if result.agreement.get("per_year") is not None else [],
        "index_caption": _kwb_caption(index_years),
        "maps": maps,
        "no_class": NO_CLASS,
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
                when = year_span(d["years"])
            shown.append({"when": when, "codes": ", ".join(d["codes"]),
                          "reason": d["reason"] if i > 0 else ""})
        ctx["avail_units"].append({
            "unit_id": uid, "name": u.name, "gemeente": u.gemeente,
            "uncertain": bool(u.uncertain), "uncertain_reason": u.uncertain_reason,
            "reason": divs[0].get("reason", ""), "divisions": shown,
            "missing": u.missing or avail.missing.get(uid, "")})
    return ctx


def _int_or_none(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


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
                lines=[f"{nl_number(len(grp))} van de {n_wijken(n_all)} van {name} met een "
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
    """Print the monitor to an A4 PDF from :func:`render_html`, typeset by Typst
    (:func:`print_pdf`).

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
    return print_pdf(Path(path), text)


def print_pdf(path: Path, html: str) -> Path:
    """Print the monitor's page (:func:`render_html`) to an A4 PDF at ``path`` (replaced
    atomically): :func:`wijkanalyse.present.typeset.typeset_pdf` with "Monitor kwetsbare
    wijken" at the top of every page but the first, the wijken, gemeenten and data tables
    on landscape pages. Returns ``path``."""
    return typeset_pdf(path, html, kind=PDF_KIND)

