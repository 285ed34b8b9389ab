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

The monitor's parts live in :mod:`~wijkanalyse.monitor.tables`, :mod:`~wijkanalyse.monitor.summary`,
:mod:`~wijkanalyse.monitor.boundaries`, :mod:`~wijkanalyse.monitor.render` (HTML, PDF) and
:mod:`~wijkanalyse.monitor.export` (the other formats); the SQL in :mod:`~wijkanalyse.monitor.load`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import as_float as _float
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden import gemeente_layers, sets
from wijkanalyse.monitor import composite, earlywarning, load, trends, typology
from wijkanalyse.monitor.availability import data_availability
from wijkanalyse.monitor.boundaries import gemeente_geometries, unit_geometries
from wijkanalyse.monitor.result import MonitorGeo, MonitorResult
from wijkanalyse.monitor.summary import availability_notes, monitor_notes, sources_used, summarise
from wijkanalyse.monitor.tables import (
    class_definitions,
    class_distribution,
    class_info_of,
    class_order,
    class_series_of,
    gemeente_summary,
    index_info_of,
    latest_total_index,
    risk_info_of,
    type_summary,
    typology_info_of,
    unit_table,
    warning_list,
)

__all__ = ["run_monitor"]

# ------------------------------------------------------------------------------ run


def _report_year(year: int | None, lbm_years: list[int], all_years: list[int]) -> int:
    """The report year: the one given, else the latest Leefbaarometer (else KWB) year.
    ``lbm_years`` and ``all_years`` are the years with a Leefbaarometer score and with any
    figure, ascending."""
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


def _agreement(index: pd.DataFrame, series: pd.DataFrame) -> dict[str, Any]:
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


def run_monitor(con: duckdb.DuckDBPyConnection, spec: str | sets.MonitorSet, *,
                year: int | None = None,
                progress: Callable[[str], None] | None = None) -> MonitorResult:
    """Run the monitor for a set of neighbourhoods.

    Parameters
    ----------
    con
        A store connection (read-only is enough).
    spec
        The set: ``programma-2016``, ``gemeente:<naam>``, ``nl`` or a CSV/YAML file
        (:func:`wijkanalyse.gebieden.sets.resolve_set`), or a set already resolved (a
        :class:`~wijkanalyse.gebieden.sets.MonitorSet` made by the caller).
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
    mset = spec if isinstance(spec, sets.MonitorSet) else sets.resolve_set(con, spec)
    units = mset.units.reset_index(drop=True)
    if units.empty:
        raise WijkanalyseError(
            f"De set {spec!r} bevat geen wijken die in de database gevonden zijn."
            + (" " + " ".join(mset.problems) if mset.problems else ""))
    report_year = _report_year(year, load.lbm_years(con), load.observation_years(con))
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
    total = composite.TOTAL
    agreement: dict[str, Any] = {}
    if index is not None and len(index) and len(series):
        agreement = _try("De vergelijking van index en Leefbaarometer", notes,
                         lambda: _agreement(index, series)) or {}

    say("Typologie")
    geo_cache: dict[str, Any] = {}  # boundaries per gemeente, for typology and map alike
    typ_out = _try("De typologie", notes,
                   lambda: _typology(con, units, report_year, notes, cache=geo_cache))
    typ, features, typ_extra = typ_out or (None, None, {})

    say("Vroegsignalering")
    history = earlywarning.lbm_history(con)
    bt = _try("De terugtoets van de vroegsignalering", notes,
              lambda: earlywarning.history_backtest(con, history, year=report_year))
    skill = earlywarning.skill_of(bt.pooled, bt.intervals) if bt is not None else None
    ranking = skill is not None and skill.shows_skill
    # a risk (a probability per wijk) only when the backtest of the model shows skill
    risk = (_try("De risicoscore", notes,
                 lambda: earlywarning.risk_scores(con, units, year=report_year,
                                                  history=history))
            if ranking else None)
    signals = _try("De vroege signalen", notes,
                   lambda: earlywarning.unit_signals(con, units, year=report_year,
                                                     history=history))
    backtest = _backtest_plain(bt) if bt is not None else None

    say("Grenzen")
    src = load.source_table(con)
    labels = dict(zip(src["source_id"], src["label"], strict=True))
    geo_extra: dict[str, Any] = {}
    unit_geoms, unit_geo_sources, geo_notes = unit_geometries(
        units, labels, lambda gm: gemeente_layers(con, gm, geo_cache),
        load.gemeenten_with_shapes(con), extra=geo_extra, areas=mset.areas)
    gm_geoms, gm_year, gm_sources = gemeente_geometries(*load.gemeente_boundaries(con), labels)
    with_boundaries = sorted(name or gm for gm, name in load.gemeente_names_with_shapes(con))
    geo = MonitorGeo(units=unit_geoms, gemeenten=gm_geoms, gemeenten_year=gm_year,
                     unit_sources=unit_geo_sources, gemeente_sources=gm_sources,
                     gemeenten_with_boundaries=with_boundaries,
                     unit_years=geo_extra.get("unit_years", {}),
                     context=geo_extra.get("context", {}))

    say("Samenvatten")
    table = unit_table(units, series, trend, latest_total_index(index, report_year, total),
                       typ, risk, unit_geoms, avail,
                       containing=trends.containing_wijken(con, units), signals=signals)
    order = class_order(table["klasse"].unique().tolist())
    class_info = class_info_of(table, order, class_definitions())
    classes = class_distribution(table, order)
    class_series = class_series_of(series, table, order)
    gemeenten = gemeente_summary(table, order, class_info, ranking=ranking)
    warnings = warning_list(table, ranking=ranking)
    early_warning = early_warning_info(skill, bt, table)
    types = type_summary(table, order, class_info)
    typology_info = typology_info_of(typ, features, typ_extra)
    index_info = index_info_of(index, table)
    notes = (monitor_notes(mset, table, later_years, index_info, typology_info, geo, report_year)
             + geo_notes + availability_notes(avail, table) + notes)
    sources = sources_used(src, series, index, typology_info, geo, report_year)
    summary, facts = summarise(mset.title, table, classes, warnings, types, agreement,
                               report_year, early_warning=early_warning)
    return MonitorResult(
        set_name=mset.name, title=mset.title, description=mset.description,
        level_note=mset.level_note, set_kind=mset.kind, spec=mset.spec or str(spec),
        year=report_year, units=table, classes=classes, gemeenten=gemeenten,
        warnings=warnings, types=types,
        lbm_series=series[["unit_id", "year", "lbm", "lbm_afw"]].copy(),
        class_series=class_series, agreement=agreement, backtest=backtest,
        typology_info=typology_info, class_info=class_info, index_info=index_info,
        risk_info=risk_info_of(risk), sources=sources, notes=notes,
        problems=list(mset.problems), summary=summary, facts=facts, geo=geo,
        availability=avail, divisions=_divisions(mset), early_warning=early_warning)


def _divisions(mset: Any) -> dict[str, list[dict[str, Any]]]:
    """Per unit of a YAML set its codes per CBS division, as plain data."""
    out: dict[str, list[dict[str, Any]]] = {}
    for uid, entry in getattr(mset, "areas", {}).items():
        out[uid] = [{"years": list(d.years), "year": d.year, "level": d.level,
                     "codes": list(d.codes), "reason": d.reason} for d in entry.divisions()]
    return out


def _typology(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, year: int,
              notes: list[str], *, cache: dict[str, Any] | None = None,
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
    years_n = load.kwb_unit_years(con, units, year)
    years = list(years_n)
    if not years:
        notes.append(f"Er is geen typologie gemaakt: de database heeft tot en met {year} geen "
                     "inwonertallen (KWB) van deze wijken.")
        return None, None, extra
    ref = years[-1]
    extra["year"] = ref
    cache = {} if cache is None else cache
    features = typology.structural_features(con, units, year=ref, cache=cache)
    typ = typology.typology(features,
                            reference=typology.name_reference(con, units, year=ref))
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


def early_warning_info(skill: Any, bt: Any, table: pd.DataFrame) -> dict[str, Any]:
    """:attr:`MonitorResult.early_warning`: the mode, the skill verdict and the statement."""
    ranking = skill is not None and skill.shows_skill
    statement = ""
    if skill is None:
        statement = ("Met deze gegevens is geen voorspelling van terugval te maken: de "
                     "terugtoets kon niet worden uitgevoerd (zie de opmerkingen). Daarom "
                     "staan hier alleen de vroege signalen die de cijfers zelf laten zien.")
    elif not ranking:
        pooled = bt.pooled.set_index("method")
        statement = earlywarning.no_skill_text(skill, n=int(pooled.loc["model", "n"]),
                                               n_units=int(bt.n_units))
    return {"mode": "ranking" if ranking else "signalen",
            "skill": skill.to_plain() if skill is not None else None,
            "statement": statement,
            "n_signals": int((table["n_signals"] > 0).sum()) if len(table) else 0}


def _backtest_plain(bt: Any) -> dict[str, Any]:
    """The rolling-origin backtest (on every Leefbaarometer series in the database up to the
    report year: the history the risk model is fitted on) as plain tables."""
    labels = earlywarning.METHOD_LABELS
    pooled = bt.pooled.copy()
    pooled.insert(1, "label", pooled["method"].map(lambda m: labels.get(m, m)))
    return {"pooled": pooled, "folds": bt.folds, "n_units": int(bt.n_units),
            "years": [int(y) for y in bt.years], "skipped": list(bt.skipped),
            "delta": _float(getattr(bt.config, "delta", None))}
