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
    FEATURE_IDS,
    FEATURE_LABELS,
    LOCATION_FEATURE,
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
