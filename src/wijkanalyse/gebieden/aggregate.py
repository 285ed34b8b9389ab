"""Aggregation of indicator values over user-defined areas (sets of buurten or wijken).

Pure computation: DataFrames in, DataFrame out, vectorised with pandas/numpy (no Python loops
over values). :mod:`wijkanalyse.gebieden.areas` reads the database and calls these functions.

Rules
-----
* ``sum`` indicators (counts) are summed over the parts.
* ``weighted`` indicators (rates, means, scores) are weighted by their ``base`` count of the
  same year: ``sum(v_i * w_i) / sum(w_i)``; never the plain mean of percentages.
* ``none`` indicators (codes, classes) are not aggregated: the value is ``NaN`` and ``reason``
  says so.
* A part whose value is missing or suppressed (CBS ``'.'``, ``'x'``), whose weight is missing,
  or that has no row at all for the indicator and year, makes the aggregate *incomplete*: the
  value is ``NaN`` (never a silently smaller sum) and ``complete`` is ``False``. With
  ``partial=True`` the value over the parts that are present is returned, still with
  ``complete=False`` and the missing parts listed.
* A part with weight exactly 0 and a missing value (an empty buurt with 0 inhabitants, for which
  CBS suppresses the rate) contributes nothing and does **not** make a weighted aggregate
  incomplete: with weight 0 its value could not change the result. It is counted neither in
  ``n_present`` nor in ``missing_parts``, so ``n_present + len(missing_parts) <= n_parts``.
* When the weights of the parts with a value add up to 0, or every part has weight 0 and no
  value, there is no weighted mean: ``NaN``, ``complete=False``, and ``reason`` says why.
* An area of one part returns that part's value exactly, for every kind (a one-buurt area *is*
  that buurt; the weight is not needed and a code is passed on unchanged).
* A weighted result is clipped to ``[min, max]`` of the values with a weight above 0, which
  removes floating-point rounding outside that range; when all those values are equal, that
  value is returned exactly.

Result columns
--------------
``area_id`` (only :func:`aggregate_many`), ``indicator_id``, ``year``, ``value``, ``complete``
(bool), ``n_parts`` (number of members), ``n_present`` (parts that contribute a value, and a
weight for weighted indicators), ``missing_parts`` (sorted list of member codes without a value,
with a suppressed value, without the weight, or without any row), ``reason`` (Dutch text when the
aggregate is incomplete or not aggregatable, else ``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import KINDS, Catalogue
from wijkanalyse.codes import normalise_code
from wijkanalyse.errors import CatalogueError

#: Columns of the result of :func:`aggregate` (``aggregate_many`` adds ``area_id`` in front).
RESULT_COLUMNS = [
    "indicator_id",
    "year",
    "value",
    "complete",
    "n_parts",
    "n_present",
    "missing_parts",
    "reason",
]
AGGREGATIONS = ("sum", "weighted", "none")
NO_ROW_REASON = "geen gegevens"
MISSING_VALUE_REASON = "ontbreekt"
_KEY = ["area_id", "indicator_id", "year"]
_OBS_KEY = ["indicator_id", "year", "code"]
_UNITS = {"BU": ("buurt", "buurten"), "WK": ("wijk", "wijken"), "GM": ("gemeente", "gemeenten")}


def indicator_table(catalogue: Catalogue) -> pd.DataFrame:
    """The ``indicators`` frame (id, kind, aggregation, base) of a catalogue.

    Shares the catalogue marks ``computed`` are left out: they are never stored, only computed
    from their counts after these are aggregated (see :mod:`wijkanalyse.catalogue`).
    """
    return pd.DataFrame(
        [(i.id, i.kind, i.aggregation, i.base) for i in catalogue if not i.computed],
        columns=["id", "kind", "aggregation", "base"],
    )


def aggregate(
    values: pd.DataFrame,
    *,
    members: Sequence[str],
    indicators: pd.DataFrame | Catalogue,
    partial: bool = False,
) -> pd.DataFrame:
    """Aggregate observations of the ``members`` codes into one area.

    Parameters
    ----------
    values
        Long observations with columns ``indicator_id``, ``year``, ``code``, ``value`` (``NaN``
        = missing) and ``missing_reason`` (as the ``observation`` view of the store). Rows of
        other codes are ignored. At most one row per (indicator_id, year, code).
    members
        The CBS codes that make up the area (no duplicates).
    indicators
        The catalogue table with columns ``id``, ``aggregation`` (``sum``, ``weighted``,
        ``none``; derived from ``kind`` when absent) and ``base``; or a
        :class:`~wijkanalyse.catalogue.Catalogue`.
    partial
        Return the sum / weighted mean over the parts that are present when some are missing
        (``complete`` stays ``False``). By default such aggregates are ``NaN``.

    Returns
    -------
    pandas.DataFrame
        One row per (indicator_id, year) for which at least one member has a row, with the
        columns :data:`RESULT_COLUMNS`, sorted by indicator_id and year.
    """
    out = aggregate_many(values, areas={"": members}, indicators=indicators, partial=partial)
    return out.drop(columns="area_id")


def aggregate_many(
    values: pd.DataFrame,
    *,
    areas: Mapping[str, Sequence[str]],
    indicators: pd.DataFrame | Catalogue,
    partial: bool = False,
    indicator_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Aggregate observations into many areas in one vectorised pass.

    Parameters
    ----------
    values
        Long observations, see :func:`aggregate`.
    areas
        ``area_id -> member codes``. Areas may overlap; a code may not occur twice in one area.
    indicators
        The catalogue table or a catalogue, see :func:`aggregate`.
    partial
        See :func:`aggregate`.
    indicator_ids
        Aggregate only these indicators (default: every indicator in ``values``); the other
        rows of ``values`` still serve as weights (bases). The result is the same as filtering
        the full result, without building the rows of the others.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id`` and :data:`RESULT_COLUMNS`; one row per (area_id, indicator_id, year)
        for which at least one member of the area has a row; sorted by those keys.
    """
    members = _members_frame(areas)
    meta = _indicator_meta(indicators)
    vals = _values_frame(values)
    vals = vals[vals["code"].isin(members["code"].unique())]

    wanted = vals if indicator_ids is None else vals[
        vals["indicator_id"].isin(list(indicator_ids))]
    hit = wanted[_OBS_KEY].merge(members[["area_id", "code"]], on="code")
    keys = hit[_KEY].drop_duplicates()
    if keys.empty:
        return _empty_result()

    # one row per (area, indicator, year, member): the full grid, so absent rows count
    grid = keys.merge(members, on="area_id")
    grid = grid.merge(meta, on="indicator_id", how="left")
    grid["aggregation"] = grid["aggregation"].fillna("unknown")
    grid = grid.merge(vals.assign(has_row=True), on=_OBS_KEY, how="left")
    weights = vals.rename(
        columns={"indicator_id": "base", "value": "weight", "missing_reason": "weight_reason"}
    ).assign(has_weight_row=True)
    grid = grid.merge(weights, on=["base", "year", "code"], how="left")
    # sorting makes every sum independent of member order
    grid = grid.sort_values([*_KEY, "code"], kind="stable", ignore_index=True)

    agg = grid["aggregation"].to_numpy(dtype=object)
    single = grid["n_parts"].to_numpy() == 1
    v = grid["value"].to_numpy(dtype="float64")
    wt = grid["weight"].to_numpy(dtype="float64")
    has_row = grid["has_row"].fillna(False).to_numpy(dtype=bool)
    has_v = ~np.isnan(v)
    is_weighted = (agg == "weighted") & ~single
    is_summed = (agg == "sum") | single
    has_w = ~np.isnan(wt) & (wt >= 0)
    empty = is_weighted & has_w & (wt == 0) & ~has_v
    contrib = has_v & (~is_weighted | has_w)
    missing = ~contrib & ~empty

    with np.errstate(invalid="ignore"):
        grid["_sv"] = np.where(contrib & is_summed, v, 0.0)
        grid["_vw"] = np.where(contrib & is_weighted, v * wt, 0.0)
    grid["_w"] = np.where(contrib & is_weighted, wt, 0.0)
    # bounds of a weighted mean: the values that carry weight
    bounded = contrib & (~is_weighted | (wt > 0))
    grid["_vmin"] = np.where(bounded, v, np.inf)
    grid["_vmax"] = np.where(bounded, v, -np.inf)
    grid["_contrib"] = contrib
    grid["_missing"] = missing
    grid["_empty"] = empty

    res = grid.groupby(_KEY, sort=True).agg(
        n_parts=("n_parts", "first"),
        unit=("unit", "first"),
        aggregation=("aggregation", "first"),
        base=("base", "first"),
        n_present=("_contrib", "sum"),
        n_missing=("_missing", "sum"),
        n_empty=("_empty", "sum"),
        sv=("_sv", "sum"),
        vw=("_vw", "sum"),
        w=("_w", "sum"),
        vmin=("_vmin", "min"),
        vmax=("_vmax", "max"),
    )

    n_parts = res["n_parts"].to_numpy()
    n_present = res["n_present"].to_numpy()
    r_single = n_parts == 1
    r_agg = res["aggregation"].to_numpy(dtype=object)
    r_sum = (r_agg == "sum") | r_single
    r_weighted = (r_agg == "weighted") & ~r_single
    aggregatable = r_sum | r_weighted
    w_total = res["w"].to_numpy()
    vmin = res["vmin"].to_numpy()
    vmax = res["vmax"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        wmean = np.where(w_total > 0, res["vw"].to_numpy() / w_total, np.nan)
    wmean = np.where(vmin == vmax, vmin, np.clip(wmean, vmin, vmax))
    raw = np.where(r_sum, res["sv"].to_numpy(), np.where(r_weighted, wmean, np.nan))
    raw = np.where(n_present > 0, raw, np.nan)
    zero_weight = r_weighted & (n_present > 0) & (w_total == 0)
    all_empty = r_weighted & (n_present == 0) & (res["n_missing"].to_numpy() == 0)
    complete = aggregatable & (res["n_missing"].to_numpy() == 0) & (n_present > 0) & ~zero_weight
    value = np.where(complete | (partial & aggregatable), raw, np.nan)

    # reasons: per missing part a category, counted per aggregate
    miss = grid.loc[missing, [*_KEY, "code", "n_parts", "unit", "base"]].copy()
    m_has_row = has_row[missing]
    m_reason = grid.loc[missing, "missing_reason"].astype(object)
    m_wreason = grid.loc[missing, "weight_reason"].astype(object)
    m_wrow = grid.loc[missing, "has_weight_row"].fillna(False).to_numpy(dtype=bool)
    m_wt = wt[missing]
    weight_text = np.where(
        ~m_wrow,
        NO_ROW_REASON,
        np.where(np.isnan(m_wt), m_wreason.where(m_wreason.notna(), MISSING_VALUE_REASON),
                 "negatief"),
    ).astype(object)
    base_text = miss["base"].astype(object).where(miss["base"].notna(), "?")
    miss["category"] = np.where(
        ~m_has_row,
        NO_ROW_REASON,
        np.where(
            ~has_v[missing],
            m_reason.where(m_reason.notna(), MISSING_VALUE_REASON),
            "gewicht (" + base_text + "): " + weight_text,
        ),
    )
    counts = (
        miss.groupby([*_KEY, "category"], sort=False)
        .agg(n=("code", "size"), first=("code", "first"), n_parts=("n_parts", "first"),
             unit=("unit", "first"))
        .reset_index()
        .sort_values([*_KEY, "first"], kind="stable")
    )
    counts["text"] = (
        counts["n"].astype(str) + " van " + counts["n_parts"].astype(str) + " "
        + _unit_text(counts["unit"], counts["n_parts"]) + ": " + counts["category"]
    )
    missing_text = counts.groupby(_KEY, sort=True)["text"].agg("; ".join)
    missing_parts = miss.groupby(_KEY, sort=True)["code"].agg(list)

    # the texts are built only for the rows they apply to (most aggregates have none)
    ind_ids = res.index.get_level_values("indicator_id").to_numpy(dtype=object)
    base_r = res["base"].astype(object).where(res["base"].notna(), "?").to_numpy(dtype=object)
    texts: list[pd.Series] = []

    def _text(mask: np.ndarray, make: Callable[[np.ndarray], Any]) -> None:
        rows = np.flatnonzero(mask)
        texts.append(pd.Series(make(rows), index=rows, dtype=object))

    _text((r_agg == "none") & ~aggregatable,
          lambda i: "niet samen te voegen: " + ind_ids[i] + " is een code of klasse")
    _text((r_agg == "unknown") & ~aggregatable,
          lambda i: "niet samen te voegen: " + ind_ids[i] + " staat niet in de indicatorcatalogus")
    has_missing = missing_text.reindex(res.index)
    _text(has_missing.notna().to_numpy(), lambda i: has_missing.to_numpy(dtype=object)[i])
    _text(zero_weight, lambda i: "totaal gewicht (" + base_r[i]
          + ") is 0: geen gewogen gemiddelde mogelijk")
    _text(all_empty & ~zero_weight, lambda i: "alle " + _unit_text(
        res["unit"].iloc[i], pd.Series(2, index=i)).to_numpy(dtype=object) + " hebben gewicht ("
        + base_r[i] + ") 0 en geen waarde")
    _text(partial & aggregatable & ~complete & ~np.isnan(value), lambda i: (
        "gedeeltelijke waarde over " + n_present[i].astype(str).astype(object) + " van "
        + n_parts[i].astype(str).astype(object) + " "
        + _unit_text(res["unit"].iloc[i], res["n_parts"].iloc[i]).to_numpy(dtype=object)))
    # in column order per aggregate: not aggregatable, missing, weights, partial
    reason = pd.concat(texts).groupby(level=0, sort=True).agg("; ".join)

    out = pd.DataFrame(index=res.index)
    out["value"] = value.astype("float64")
    out["complete"] = complete.astype(bool)
    out["n_parts"] = n_parts.astype("int64")
    out["n_present"] = n_present.astype("int64")
    # an empty list for every aggregate, the members' codes where parts are missing
    parts: list[list[str]] = [[] for _ in range(len(res))]
    for at, codes in zip(res.index.get_indexer(missing_parts.index),
                         missing_parts.to_numpy(dtype=object), strict=True):
        parts[at] = codes
    out["missing_parts"] = pd.Series(parts, index=res.index, dtype=object)
    reasons = np.full(len(res), None, dtype=object)
    reasons[reason.index.to_numpy(dtype=np.int64)] = reason.to_numpy(dtype=object)
    out["reason"] = pd.Series(reasons, index=out.index, dtype=object)
    out = out.reset_index()
    out["area_id"] = out["area_id"].astype(object)
    out["indicator_id"] = out["indicator_id"].astype(object)
    out["year"] = out["year"].astype("int64")
    return out[["area_id", *RESULT_COLUMNS]]


def _unit_text(units: pd.Series, n_parts: pd.Series) -> pd.Series:
    """``buurt``/``buurten`` (etc.) per row, singular where the area has one part."""
    prefix = units.astype(object)
    singular = prefix.map({p: s for p, (s, _) in _UNITS.items()}).fillna("deel")
    plural = prefix.map({p: pl for p, (_, pl) in _UNITS.items()}).fillna("delen")
    return singular.where(n_parts.to_numpy() == 1, plural).astype(object)


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": pd.Series(dtype=object),
            "indicator_id": pd.Series(dtype=object),
            "year": pd.Series(dtype="int64"),
            "value": pd.Series(dtype="float64"),
            "complete": pd.Series(dtype=bool),
            "n_parts": pd.Series(dtype="int64"),
            "n_present": pd.Series(dtype="int64"),
            "missing_parts": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
        }
    )


def _members_frame(areas: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """``area_id, code, n_parts, unit`` (unit: the common code prefix, or ``""``)."""
    area_ids: list[str] = []
    codes: list[str | None] = []
    for area_id, members in areas.items():
        if isinstance(members, str):
            raise TypeError(f"members of area {area_id!r} must be a sequence of codes, not a str")
        normalised = [normalise_code(c) for c in members]
        if not normalised:
            raise ValueError(f"area {area_id!r} has no members")
        if any(c is None for c in normalised):
            raise ValueError(f"area {area_id!r} has an empty member code")
        area_ids.extend([str(area_id)] * len(normalised))
        codes.extend(normalised)
    frame = pd.DataFrame({"area_id": pd.Series(area_ids, dtype=object),
                          "code": pd.Series(codes, dtype=object)})
    dup = frame.duplicated(["area_id", "code"])
    if dup.any():
        bad = frame[dup].drop_duplicates()
        raise ValueError(
            "duplicate member codes: "
            + ", ".join(f"{a!r}: {c}" for a, c in bad.itertuples(index=False))
        )
    frame["n_parts"] = frame.groupby("area_id")["code"].transform("size").astype("int64")
    prefix = frame["code"].str[:2]
    n_prefixes = prefix.groupby(frame["area_id"]).transform("nunique")
    frame["unit"] = prefix.where(n_prefixes == 1, "").astype(object)
    return frame


def _indicator_meta(indicators: pd.DataFrame | Catalogue) -> pd.DataFrame:
    """``indicator_id, aggregation, base`` from the catalogue table, validated."""
    if isinstance(indicators, Catalogue):
        indicators = indicator_table(indicators)
    if "id" not in indicators.columns:
        raise ValueError("indicators frame lacks column 'id'")
    meta = pd.DataFrame({"indicator_id": indicators["id"].astype(object)})
    if "aggregation" in indicators.columns:
        meta["aggregation"] = indicators["aggregation"].astype(object)
    elif "kind" in indicators.columns:
        meta["aggregation"] = indicators["kind"].map(KINDS).astype(object)
    else:
        raise ValueError("indicators frame needs column 'aggregation' or 'kind'")
    meta["base"] = (
        indicators["base"].astype(object) if "base" in indicators.columns else None
    )
    meta["base"] = meta["base"].where(meta["base"].notna() & (meta["base"] != ""), None)
    bad = meta[~meta["aggregation"].isin(AGGREGATIONS)]
    if len(bad):
        raise CatalogueError(
            "indicatorcatalogus: onbekende aggregatie bij "
            + ", ".join(f"{i!r} ({a!r})" for i, a in bad[["indicator_id", "aggregation"]]
                        .itertuples(index=False))
            + f"; kies uit {list(AGGREGATIONS)}."
        )
    no_base = meta[(meta["aggregation"] == "weighted") & meta["base"].isna()]
    if len(no_base):
        raise CatalogueError(
            "indicatorcatalogus: gewogen indicatoren zonder 'base' (de teller waarmee ze "
            f"gewogen worden): {', '.join(map(repr, no_base['indicator_id']))}."
        )
    if meta["indicator_id"].duplicated().any():
        dups = meta.loc[meta["indicator_id"].duplicated(), "indicator_id"].unique()
        raise CatalogueError(f"indicatorcatalogus: id komt twee keer voor: {list(dups)}.")
    return meta


def _values_frame(values: pd.DataFrame) -> pd.DataFrame:
    """Select and type the observation columns; refuse duplicate observations."""
    needed = ["indicator_id", "year", "code", "value"]
    lacking = [c for c in needed if c not in values.columns]
    if lacking:
        raise ValueError(f"values frame lacks columns {lacking}")
    vals = pd.DataFrame(
        {
            "indicator_id": values["indicator_id"].astype(object),
            "year": pd.to_numeric(values["year"]).astype("int64"),
            "code": _normalised_codes(values["code"]),
            "value": pd.to_numeric(values["value"], errors="coerce").astype("float64"),
            "missing_reason": (
                values["missing_reason"].astype(object)
                if "missing_reason" in values.columns
                else pd.Series(None, index=values.index, dtype=object)
            ),
        }
    )
    vals = vals[vals["indicator_id"].notna()]
    dup = vals.duplicated(_OBS_KEY)
    if dup.any():
        example = vals.loc[dup, _OBS_KEY].head(3).to_dict("records")
        raise ValueError(f"values hold more than one row per (indicator_id, year, code): {example}")
    return vals.reset_index(drop=True)


def _normalised_codes(codes: pd.Series) -> np.ndarray:
    """``str``, stripped and upper-case; computed once per distinct code."""
    number, distinct = pd.factorize(codes, use_na_sentinel=False)
    clean = pd.Series(distinct, dtype=object).astype(str).str.strip().str.upper()
    out: np.ndarray = clean.to_numpy(dtype=object)[number]
    return out
