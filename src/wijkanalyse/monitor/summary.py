"""The monitor's words: Dutch notes on what is missing, the sources used, and the short
generated summary whose every number is in :attr:`MonitorResult.facts`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.fmt import as_float as _float
from wijkanalyse.fmt import count_text, join_nl, nl_number
from wijkanalyse.monitor.availability import Availability
from wijkanalyse.monitor.result import NO_CLASS, MonitorGeo
from wijkanalyse.monitor.wording import is_missing, n_gebieden, n_wijken, pct, year_span

__all__ = ["availability_notes", "monitor_notes", "sources_used", "summarise"]


def availability_notes(avail: Availability | None, table: pd.DataFrame) -> list[str]:
    """Dutch notes: uncertain units and the source columns without data for the set."""
    notes = []
    unsure = table[table["uncertain"]]
    if len(unsure):
        named = join_nl([f"{r.name}" for r in unsure.itertuples()])
        notes.append(f"{n_gebieden(len(unsure)).capitalize()} van de set "
                     f"{'is' if len(unsure) == 1 else 'zijn'} onzeker afgebakend (de bronnen "
                     f"beslissen niet welke CBS-wijken of -buurten erbij horen): {named}. De "
                     "reden staat per gebied in hoofdstuk 8 en in het Excel-bestand.")
    if avail is not None and avail.absent:
        notes.append("In de database, maar voor geen enkel gebied van deze set: "
                     f"{join_nl(avail.absent)}.")
    return notes


# ------------------------------------------------------------------------------ notes, sources


def monitor_notes(mset: Any, table: pd.DataFrame, later_years: list[int],
                  index_info: dict[str, Any], typology_info: dict[str, Any],
                  geo: MonitorGeo, year: int) -> list[str]:
    """Dutch notes on what is missing: Leefbaarometer series, later years, index, typology, risk,
    boundaries."""
    n = len(table)
    notes = [mset.level_note] if getattr(mset, "level_note", "") else []
    no_lbm = table[table["klasse"] == NO_CLASS]
    if len(no_lbm):
        if len(no_lbm) <= 12:
            named = join_nl([f"{r.name} ({r.gemeente})" for r in no_lbm.itertuples()])
            notes.append(f"Van {n_wijken(len(no_lbm))} van de {nl_number(n)} is geen "
                         f"Leefbaarometer-reeks in de database: {named}. Zij hebben geen "
                         "klasse en tellen niet mee in de verdeling over de klassen.")
        else:
            gms = table.loc[table["klasse"] != NO_CLASS, "gemeente"].nunique()
            notes.append(f"Van {n_wijken(len(no_lbm))} van de {nl_number(n)} is geen "
                         "Leefbaarometer-reeks in de database (de database bevat de "
                         "Leefbaarometer van wijken in "
                         f"{count_text(gms, 'gemeente', 'gemeenten')} van deze "
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
            f"{n_wijken(n)}" + (f" (jaren {join_nl([str(y) for y in years])})" if years
                                 else "")
            + "; voor de andere ontbreken de KWB-cijfers die de index nodig heeft.")
    if typology_info.get("features_note"):
        notes.append(f"Typologie ({typology_info.get('year')}): "
                     f"{typology_info['features_note']}")
    n_risk = int(table["risk"].notna().sum())
    if n_risk < n:
        notes.append(f"Een risicoscore is berekend voor {nl_number(n_risk)} van de "
                     f"{n_wijken(n)}; voor de andere ontbreken de benodigde cijfers.")
    n_geo = len(geo.units)
    if n_geo == 0:
        where = (f" (die zijn er alleen in {join_nl(geo.gemeenten_with_boundaries)})"
                 if geo.gemeenten_with_boundaries else "")
        notes.append("Van geen enkele wijk van de set zijn wijk- of buurtgrenzen in de database"
                     f"{where}; daarom is er geen wijkkaart en hebben de wijken in de "
                     "GeoPackage geen geometrie.")
    elif n_geo < n:
        notes.append(f"Van {nl_number(n_geo)} van de {n_wijken(n)} zijn grenzen in de "
                     "database; alleen die staan op de wijkkaarten en hebben een geometrie in "
                     "de GeoPackage (de andere staan er zonder geometrie in).")
    return notes


def sources_used(src: pd.DataFrame, series: pd.DataFrame, index: pd.DataFrame | None,
                 typology_info: dict[str, Any], geo: MonitorGeo,
                 year: int) -> list[dict[str, Any]]:
    """The sources used (:attr:`MonitorResult.sources`), one row per label and file."""
    rows: list[dict[str, Any]] = []

    def add(sub: pd.DataFrame, used_for: str) -> None:
        for r in sub.itertuples(index=False):
            rows.append({"label": r.label, "kind": r.kind,
                         "year": None if is_missing(r.year) else int(r.year),
                         "file": r.file_name, "used_for": used_for})

    if len(series):
        add(src[src["kind"] == "leefbaarometer"],
            f"Leefbaarometer {year_span(series['year'])}: klassen, ontwikkeling, "
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


def summarise(title: str, table: pd.DataFrame, classes: pd.DataFrame, warnings: pd.DataFrame,
              types: pd.DataFrame, agreement: dict[str, Any],
              year: int, *, early_warning: dict[str, Any] | None = None
              ) -> tuple[list[str], dict[str, Any]]:
    """Three to six Dutch sentences, every number taken from ``facts``.

    ``early_warning`` (:attr:`MonitorResult.early_warning`) decides the sentence on the early
    warning: in ranking mode the units of high or raised risk, otherwise that no reliable
    prediction can be made (with the pooled AUC and its interval) and the units with the
    most descriptive early signals.
    """
    n = len(table)
    n_gm = int(table["gemeente_code"].nunique())
    classified = table[table["klasse"] != NO_CLASS]
    n_lbm = len(classified)
    facts: dict[str, Any] = {"n_units": n, "n_gemeenten": n_gm, "n_lbm": n_lbm, "year": year}
    last = table["lbm_year"].max() if table["lbm_year"].notna().any() else None
    last_text = (f" (laatste meting {int(last)})" if last is not None and int(last) < year
                 else "")
    out = [f"De set ‘{title}’ telt {n_wijken(n)} in {nl_number(n_gm)} "
           f"{'gemeente' if n_gm == 1 else 'gemeenten'}; van {nl_number(n_lbm)} daarvan heeft "
           f"de database een Leefbaarometer-reeks tot en met {year}{last_text}."]
    borrowed = (classified[classified["klasse_geldt_voor"] != ""]
                if "klasse_geldt_voor" in classified else classified.iloc[0:0])
    facts["n_klasse_van_wijk"] = len(borrowed)
    if len(borrowed):
        # a buurt or a set of buurten has the series (and so the class) of its wijk
        named = join_nl([str(r.name) for r in borrowed.itertuples()])
        one = len(borrowed) == 1
        out[0] = (out[0][:-1] + f"; {named} {'heeft' if one else 'hebben'} geen eigen "
                  f"Leefbaarometer en {'toont' if one else 'tonen'} de reeks en de klasse "
                  f"van de wijk waarin {'het ligt' if one else 'zij liggen'}.")
    dist = classes[classes["klasse"] != NO_CLASS]
    facts["classes"] = {str(r.klasse): int(r.n) for r in dist.itertuples()}
    if n_lbm:
        parts = [f"{nl_number(int(r.n))} in de klasse {r.klasse_label}"
                 for r in dist.itertuples()]
        verb = "valt er" if len(dist) == 1 and int(dist["n"].iloc[0]) == 1 else "vallen er"
        out.append(f"Van de {n_wijken(n_lbm)} met een reeks {verb} {join_nl(parts)}.")
        # direction of change in the two periods of the classification
        pe = classified["period_early"].replace("", np.nan).dropna()
        pl = classified["period_late"].replace("", np.nan).dropna()
        up = int((classified["change_early"] > 0).sum())
        n_e = int(classified["change_early"].notna().sum())
        down = int((classified["change_late"] < 0).sum())
        n_l = int(classified["change_late"].notna().sum())
        if n_e and n_l and len(pe) and len(pl):
            p1, p2 = pe.mode().iloc[0], pl.mode().iloc[0]
            share = pct(down, n_l)
            facts.update({"period_early": p1, "period_late": p2, "n_up_early": up,
                          "n_early": n_e, "n_down_late": down, "n_late": n_l,
                          "pct_down_late": share})
            out.append(f"In {p1} ging de positie ten opzichte van het landelijk gemiddelde "
                       f"vooruit bij {nl_number(up)} van de {n_wijken(n_e)}; in {p2} ging "
                       f"die achteruit bij {nl_number(down)} van de {n_wijken(n_l)} "
                       f"({nl_number(share, decimals=0)}%).")
    else:
        out.append("Daarom heeft geen enkele wijk van deze set een klasse; de tabellen tonen "
                   "wel de andere cijfers.")
    n_warn = len(warnings)
    facts["n_warn"] = n_warn
    ew = early_warning or {}
    if ew.get("mode", "ranking") != "ranking":
        out.append(_signals_sentence(warnings, ew, facts))
    elif table["risk"].notna().any():
        if n_warn:
            n_high = int((warnings["risk_class"] == "hoog").sum())
            top = [f"{r.name} ({r.gemeente})" for r in warnings.head(3).itertuples()]
            facts.update({"n_warn_hoog": n_high, "warn_top": top})
            high = (f"{nl_number(n_high)} daarvan hoog" if n_high else "geen daarvan hoog")
            out.append(f"{n_wijken(n_warn).capitalize()} "
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
            spread = (f"; in {year_span(years)} tussen {nl_number(lo, decimals=2)} en "
                      f"{nl_number(hi, decimals=2)}")
        out.append(f"De samengestelde KWB-index en de Leefbaarometer stemmen {word} overeen "
                   f"(rangcorrelatie {nl_number(rho, decimals=2)} over "
                   f"{n_wijken(int(n_pairs))} in {agreement.get('year')}{spread}).")
    if len(types):
        big = types.iloc[0]
        facts.update({"n_types": len(types), "largest_type": str(big["type_name"]),
                      "n_largest_type": int(big["n"])})
        out.append(f"Naar hun structuur vallen de wijken in {nl_number(len(types))} typen; het "
                   f"grootste is ‘{big['type_name']}’ ({n_wijken(int(big['n']))}).")
    return out[:6], facts



def _signals_sentence(warnings: pd.DataFrame, ew: dict[str, Any], facts: dict[str, Any]) -> str:
    """The early warning without skill: no prediction, and the descriptive signals."""
    skill = ew.get("skill") or {}
    facts["early_warning_mode"] = "signalen"
    if skill:
        facts.update({"ew_auc": skill["auc"], "ew_auc_low": skill["auc_low"],
                      "ew_auc_high": skill["auc_high"]})
        lead = ("Een betrouwbare voorspelling van terugval is met deze gegevens niet te maken "
                f"(de terugtoets haalt een AUC van {nl_number(skill['auc'], decimals=2)}, "
                f"95%-interval {nl_number(skill['auc_low'], decimals=2)} tot "
                f"{nl_number(skill['auc_high'], decimals=2)}; 0,5 is gokken)")
    else:
        lead = "Een voorspelling van terugval is met deze gegevens niet te maken"
    if not len(warnings):
        return lead + "; geen enkele wijk toont een vroeg signaal in de cijfers zelf."
    top = [f"{r.name} ({count_text(int(r.n_signals), 'signaal', 'signalen')})"
           for r in warnings.head(3).itertuples()]
    facts["signal_top"] = top
    n = len(warnings)
    return (f"{lead}; {n_wijken(n)} {'toont' if n == 1 else 'tonen'} wel een vroeg signaal in "
            f"de cijfers zelf (een daling van de Leefbaarometer of een dimensie, achterop "
            f"raken bij de gemeente, meer lage inkomens of bijstand), de meeste bij "
            f"{join_nl(top)}.")
