"""The structural features of units in one KWB year (read from the database)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.codes import gemeente_code_of
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden import location
from wijkanalyse.model import Subject
from wijkanalyse.monitor import load
from wijkanalyse.monitor.composite.compute import unit_members
from wijkanalyse.monitor.typology.model import (
    CONTEXT_LOOKBACK,
    FEATURE_IDS,
    FEATURE_LABELS,
    LOCATION_FEATURE,
    NATIONWIDE_MIN_GEMEENTEN,
    NameReference,
)
from wijkanalyse.profiel import peers

# --------------------------------------------------------------------------- features


def _location_features(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    members: Mapping[str, list[str]],
    levels: Mapping[str, str],
    cache: dict[str, Any],
) -> tuple[pd.Series, list[str]]:
    """Relative distance to the centre per unit (NaN without boundaries) and source labels."""
    out = pd.Series(np.nan, index=pd.Index(list(members), name="unit_id"), dtype="float64")
    with_bounds = load.gemeenten_with_boundaries(con)
    if not with_bounds:
        return out, []
    radius = {code: math.sqrt(area / math.pi) / 1000.0
              for code, area in load.gemeente_areas(con).items()}
    rows = units.set_index(units["unit_id"].astype(str))
    labels: set[str] = set()
    for uid, codes in members.items():
        gm = rows.at[uid, "gemeente_code"] if "gemeente_code" in rows.columns else None
        gm = gm if isinstance(gm, str) and gm else gemeente_code_of(codes[0])
        if gm not in with_bounds or gm not in radius:
            continue
        name = rows.at[uid, "name"] if "name" in rows.columns else uid
        gname = rows.at[uid, "gemeente_name"] if "gemeente_name" in rows.columns else None
        wk = rows.at[uid, "wijk_codes"] if "wijk_codes" in rows.columns else None
        kind = levels[uid] if len(codes) == 1 else "gebied"
        subject = Subject(kind=kind, id=codes[0] if len(codes) == 1 else uid,
                          name=str(name), gemeente_code=gm,
                          gemeente_name=gname if isinstance(gname, str) else None,
                          level=levels[uid], members=list(codes),
                          wijk_codes=list(wk) if isinstance(wk, list | tuple | np.ndarray) else [])
        loc = location.locate(con, subject, cache=cache)
        if loc.distance_to_centre_km is not None:
            out[uid] = loc.distance_to_centre_km / radius[gm]
            if loc.source:
                labels.update(loc.source.split("; "))
    return out, sorted(labels)


def structural_features(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    year: int,
    with_location: bool = True,
    cache: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The structural features of every unit in one KWB year.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        One row per unit: ``unit_id``, ``codes`` and optionally ``level``, ``name``,
        ``gemeente_code``, ``gemeente_name``, ``wijk_codes`` (as the ``units`` of a
        MonitorSet).
    year
        KWB year of the features.
    with_location
        Add :data:`LOCATION_FEATURE` where boundaries exist (see the module docstring).
    cache
        Optional dict kept by the caller between calls for the boundaries
        (see :func:`wijkanalyse.gebieden.location.locate`).

    Returns
    -------
    pandas.DataFrame
        Index ``unit_id`` (order of ``units``), one float column per feature with at least one
        value (``NaN`` = missing). ``attrs["note"]``: Dutch text on what is missing;
        ``attrs["source"]``: the citations ("Bron: ...").
    """
    members, levels = unit_members(units)
    year = int(year)
    frames: list[pd.DataFrame] = []
    single = {u: m[0] for u, m in members.items() if len(m) == 1}
    for level in sorted({levels[u] for u in single}):
        codes = {u: c for u, c in single.items() if levels[u] == level}
        data = peers.structural_features(con, level=level, year=year)
        part = data.reindex(list(codes.values()))
        part.index = pd.Index(list(codes), name="unit_id")
        frames.append(part)
    multi = {u: m for u, m in members.items() if len(m) > 1}
    if multi:
        frames.append(_summed_features(con, multi, year))
    feats = pd.concat(frames) if frames else pd.DataFrame()
    feats = feats.reindex(pd.Index(list(members), name="unit_id"))
    feats = feats.reindex(columns=[f for f in FEATURE_IDS if f in feats.columns])
    feats = feats.astype("float64")

    all_codes = sorted({c for m in members.values() for c in m})
    labels = load.source_labels(con, year=year, codes=all_codes,
                                indicator_ids=peers.INPUT_INDICATORS)
    notes: list[str] = []
    if with_location:
        dist, loc_labels = _location_features(con, units, members, levels,
                                              cache if cache is not None else {})
        if dist.notna().any():
            feats[LOCATION_FEATURE] = dist.reindex(feats.index)
            labels.update(loc_labels)
        n_loc = int(dist.notna().sum())
        notes.append(
            f"De afstand tot het centrum van de gemeente is bekend voor {nl_number(n_loc)} van "
            f"de {nl_number(len(members))} gebieden: alleen waar de grenzen van deze wijk- of "
            "buurtcodes geladen zijn (de KWB heeft geen coördinaten).")
    absent = [FEATURE_LABELS[f] for f in FEATURE_IDS
              if f not in feats.columns and f not in ("aandeel_westers", "aandeel_niet_westers",
                                                      "aandeel_herkomst_nl",
                                                      "aandeel_herkomst_europa",
                                                      "aandeel_herkomst_buiten_europa",
                                                      LOCATION_FEATURE)]
    if absent:
        notes.insert(0, f"Niet geladen voor {year}: " + join_nl(absent) + ".")
    if not any(f in feats.columns for f in ("aandeel_westers", "aandeel_herkomst_nl")):
        notes.insert(0, f"Geen gegevens over herkomst in {year}.")
    no_data = int(feats.isna().all(axis=1).sum())
    if no_data:
        notes.append(f"{nl_number(no_data)} {'gebied heeft' if no_data == 1 else 'gebieden hebben'}"
                     f" in {year} geen enkel kenmerk.")
    feats.attrs["note"] = " ".join(notes)
    feats.attrs["source"] = ("Bron: " + "; ".join(sorted(labels))) if labels else None
    feats.attrs["year"] = year
    return feats


def _summed_features(con: duckdb.DuckDBPyConnection, multi: Mapping[str, list[str]],
                     year: int) -> pd.DataFrame:
    """Features of sets of regions: members summed as the peer group does."""
    codes = sorted({c for m in multi.values() for c in m})
    long = load.year_values(con, year=int(year), codes=codes,
                            indicator_ids=peers.INPUT_INDICATORS)
    cat = load_catalogue()
    bases = {i: b for i in peers.INPUT_INDICATORS
             if i in cat and cat[i].aggregation == "weighted" and (b := cat[i].base)}
    wide = long.pivot_table(index="code", columns="indicator_id", values="value",
                            aggfunc="first", dropna=False)
    wide.columns = [str(c) for c in wide.columns]
    rows = {}
    for uid, mem in multi.items():
        rows[uid] = peers.sum_members(wide.reindex(mem), bases=bases)
    summed = pd.DataFrame(rows).T
    feats = peers.features_from_indicators(summed) if len(summed.columns) else summed
    feats.index.name = "unit_id"
    return feats


# --------------------------------------------------------------------------- name reference


def _national_distributions(con: duckdb.DuckDBPyConnection, level: str, year: int
                            ) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Per feature the sorted values of all regions of ``level`` with at least
    :data:`~wijkanalyse.profiel.peers.MIN_INHABITANTS` inhabitants in the year nearest to
    ``year`` (the earlier on a tie) whose regions with a value lie in at least
    :data:`NATIONWIDE_MIN_GEMEENTEN` gemeenten."""
    counts = load.gemeenten_per_year(con, level=level)
    years = sorted((y for y, n in counts.items() if n >= NATIONWIDE_MIN_GEMEENTEN),
                   key=lambda y: (abs(y - year), y > year))
    frames: dict[int, pd.DataFrame] = {}
    dist: dict[str, np.ndarray] = {}
    when: dict[str, int] = {}
    for f in FEATURE_IDS:
        if f == LOCATION_FEATURE:
            continue
        for y in years:
            if y not in frames:
                data = peers.structural_features(con, level=level, year=y)
                if "inwoners_log" in data.columns:
                    data = data[data["inwoners_log"] >= math.log10(peers.MIN_INHABITANTS)]
                frames[y] = data
            data = frames[y]
            if f not in data.columns:
                continue
            known = data[f].dropna()
            if len({gemeente_code_of(str(c)) for c in known.index}) >= NATIONWIDE_MIN_GEMEENTEN:
                dist[f] = np.sort(known.to_numpy(dtype="float64"))
                when[f] = int(y)
                break
    return dist, when


def _latest_ratio(rows: pd.DataFrame, nl: dict[tuple[str, int], float], year: int
                  ) -> dict[str, float]:
    """Per code its latest value up to ``year`` divided by Nederland of the same year:
    income per inhabitant where known, else the WOZ value."""
    out: dict[str, float] = {}
    for ind in ("g_ink_pi", "g_woz"):
        part = rows[(rows["indicator_id"] == ind)
                    & rows["year"].map(lambda y, i=ind: (i, int(y)) in nl)]
        for code, grp in part.sort_values("year").groupby("code"):
            if code in out:
                continue
            last = grp.iloc[-1]
            base = nl[(ind, int(last["year"]))]
            if base:
                out[str(code)] = float(last["value"]) / base
    return out


def name_reference(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, *, year: int
                   ) -> NameReference:
    """What the words of the type names of ``units`` are compared with (see
    :mod:`~wijkanalyse.monitor.typology.names`).

    The national distributions of the features at the level of the units (the nearest year
    with all of Nederland); per unit the CBS stedelijkheid class (``ste_mvs``) and the income
    per inhabitant (``g_ink_pi``), else the WOZ value (``g_woz``), as a ratio to Nederland,
    each the latest value of the last :data:`CONTEXT_LOOKBACK` years up to ``year`` (the
    median of the members for a unit of several regions).
    """
    members, levels = unit_members(units)
    year = int(year)
    counts: dict[str, int] = {}
    for lvl in levels.values():
        counts[lvl] = counts.get(lvl, 0) + 1
    # the level of most units (wijk before buurt on a tie); every level of the units has its
    # own distributions, and a unit is compared with those of its own level
    level = min(counts, key=lambda lv: (-counts[lv], lv != "wijk", lv)) if counts else "wijk"
    by_level = {lv: _national_distributions(con, lv, year) for lv in sorted(counts)}
    dist, when = by_level.get(level, ({}, {}))
    codes = sorted({c for m in members.values() for c in m})
    rows = load.present_values(con, indicator_ids=["ste_mvs", "g_ink_pi", "g_woz"],
                               codes=[*codes, "NL00"])
    rows = rows[(rows["year"] <= year) & (rows["year"] > year - CONTEXT_LOOKBACK)]
    nl = {(str(r.indicator_id), int(r.year)): float(r.value)
          for r in rows[rows["code"] == "NL00"].itertuples()}
    ste = rows[rows["indicator_id"] == "ste_mvs"].sort_values("year")
    ste_by_code = ste.groupby("code")["value"].last().to_dict()
    ste_years = sorted({int(y) for y in ste["year"]})
    ratio = _latest_ratio(rows[rows["code"] != "NL00"], nl, year)
    ctx = pd.DataFrame(index=pd.Index(list(members), name="unit_id"),
                       columns=["stedelijkheid", "welvaart"], dtype="float64")
    for uid, mem in members.items():
        s_vals = [ste_by_code[c] for c in mem if c in ste_by_code]
        w_vals = [ratio[c] for c in mem if c in ratio]
        ctx.at[uid, "stedelijkheid"] = float(np.median(s_vals)) if s_vals else np.nan
        ctx.at[uid, "welvaart"] = float(np.median(w_vals)) if w_vals else np.nan
    plural = "wijken" if level != "buurt" else "buurten"
    parts = []
    if dist:
        by_year: dict[int, list[str]] = {}
        for f, y in when.items():
            by_year.setdefault(y, []).append(FEATURE_LABELS[f])
        parts.append(
            "De woorden van de typenamen vergelijken de mediaan van elk type met alle "
            f"{plural} van Nederland met minstens {nl_number(peers.MIN_INHABITANTS)} inwoners "
            "(laagste of hoogste kwart; "
            + "; ".join(f"{y}: {join_nl(labels)}" for y, labels in sorted(by_year.items()))
            + ").")
    else:
        parts.append("De database heeft geen kenmerken van alle " + plural + " van Nederland: "
                     "de woorden van de typenamen vergelijken de typen met elkaar.")
    if ste_years:
        parts.append("'Stedelijk' en 'landelijk' komen alleen uit de stedelijkheid van het CBS "
                     f"(cijfers van {join_nl([str(y) for y in ste_years])}; per gebied het "
                     "laatste jaar).")
    if ratio:
        parts.append("'Welvarend' komt uit het gemiddelde inkomen per inwoner of, waar dat "
                     "ontbreekt, de gemiddelde WOZ-waarde, tegenover Nederland in hetzelfde "
                     "jaar.")
    return NameReference(distribution=dist, years=when, level=level, context=ctx,
                         by_level={lv: d for lv, (d, _) in by_level.items()},
                         unit_levels={str(u): lv for u, lv in levels.items()},
                         note=" ".join(parts))
