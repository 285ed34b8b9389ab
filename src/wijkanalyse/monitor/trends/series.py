"""The Leefbaarometer series per unit: wijken read from the database, averaged per unit."""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.monitor import load
from wijkanalyse.monitor.trends.config import SERIES_COLUMNS

# ----------------------------------------------------------------------------- series (I/O)


def lbm_series(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, *,
               complete_only: bool = True) -> pd.DataFrame:
    """The Leefbaarometer series of each unit (long format).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        At least ``unit_id`` and ``wijk_codes`` (list of wijk codes per unit), as in
        :attr:`wijkanalyse.gebieden.sets.MonitorSet.units`.
    complete_only
        Keep only years in which every wijk of a unit has a score (default), so that a
        change of composition never looks like a trend. With ``False`` a year with some of the
        wijken is kept and ``n_wijken`` says how many.

    Returns
    -------
    DataFrame
        Columns :data:`SERIES_COLUMNS`: ``unit_id``, ``year``, ``lbm`` (score), ``lbm_afw``
        (deviation from the national reference), ``lbm_nl`` (the national reference,
        ``lbm - lbm_afw``), ``n_wijken`` (wijken averaged that year), ``n_wijken_total``
        (wijken of the unit), ``weighting`` (Dutch: how several wijken were weighted) and
        ``source`` (citation). Units without any score have no rows. Several wijken are
        averaged with their inhabitants (``a_inw``) of the latest year in which all of them
        have a count; without such a year (or with zero inhabitants) they count equally.

    Raises
    ------
    ValueError
        When ``units`` lacks a column or repeats a unit_id.
    """
    for col in ("unit_id", "wijk_codes"):
        if col not in units.columns:
            raise ValueError(f"units mist de kolom {col!r}")
    if units["unit_id"].duplicated().any():
        dups = sorted(units.loc[units["unit_id"].duplicated(), "unit_id"].astype(str))
        raise ValueError(f"unit_id komt meer dan eens voor: {', '.join(dups[:5])}")
    pairs = units[["unit_id", "wijk_codes"]].copy()
    pairs["wijk_codes"] = pairs["wijk_codes"].map(
        lambda v: sorted({str(c) for c in v}) if isinstance(v, Iterable)
        and not isinstance(v, str) else ([v] if isinstance(v, str) else []))
    pairs = pairs.explode("wijk_codes").dropna(subset=["wijk_codes"]).rename(
        columns={"wijk_codes": "code"})
    pairs["unit_id"] = pairs["unit_id"].astype(str)
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        SERIES_COLUMNS, (str, int, float, float, float, int, int, str, str), strict=True)})
    if pairs.empty:
        return empty
    codes = sorted(pairs["code"].unique())
    obs = load.lbm_observations(con, codes)
    if obs.empty:
        return empty
    wide = obs.pivot_table(index=["code", "year"], columns="indicator_id", values="value",
                           aggfunc="first").reset_index()
    if "lbm" not in wide.columns or "lbm_afw" not in wide.columns:
        return empty
    wide = wide.dropna(subset=["lbm", "lbm_afw"])
    labels = (obs[obs["indicator_id"] == "lbm_afw"].groupby(["code", "year"])["label"]
              .first().rename("source").reset_index())
    wide = wide.merge(labels, on=["code", "year"], how="left")

    weights, weighting = _weights(con, pairs, codes)
    pairs = pairs.merge(weights, on=["unit_id", "code"], how="left")
    n_total = pairs.groupby("unit_id")["code"].nunique().rename("n_wijken_total")
    data = pairs.merge(wide, on="code", how="inner")
    data["w_lbm"] = data["weight"] * data["lbm"]
    data["w_afw"] = data["weight"] * data["lbm_afw"]
    grouped = data.groupby(["unit_id", "year"], sort=False)
    agg = grouped.agg(n_wijken=("code", "nunique"), sw=("weight", "sum"), swl=("w_lbm", "sum"),
                      swa=("w_afw", "sum"), mean_lbm=("lbm", "mean"),
                      mean_afw=("lbm_afw", "mean"),
                      source=("source", lambda s: "; ".join(sorted(set(s.dropna()))))
                      ).reset_index()
    positive = agg["sw"] > 0
    denom = np.where(positive, agg["sw"], 1.0)
    agg["lbm"] = np.where(positive, agg["swl"] / denom, agg["mean_lbm"])
    agg["lbm_afw"] = np.where(positive, agg["swa"] / denom, agg["mean_afw"])
    agg["lbm_nl"] = agg["lbm"] - agg["lbm_afw"]
    agg = agg.merge(n_total, left_on="unit_id", right_index=True, how="left")
    if complete_only:
        agg = agg[agg["n_wijken"] == agg["n_wijken_total"]]
    agg["weighting"] = agg["unit_id"].map(weighting)
    order = {u: i for i, u in enumerate(units["unit_id"].astype(str))}
    agg["_order"] = agg["unit_id"].map(order)
    agg = agg.sort_values(["_order", "year"], kind="stable")
    out = agg[list(SERIES_COLUMNS)].reset_index(drop=True)
    return out.astype({"year": int, "n_wijken": int, "n_wijken_total": int})


def containing_wijken(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """The wijken whose Leefbaarometer (and so whose trend class) a unit gets when they are
    not the unit's own: a buurt or a set of buurten gets the series of the wijk(en) around it.

    Parameters
    ----------
    con
        A store connection.
    units
        ``unit_id``, ``codes`` (the unit's own CBS codes) and ``wijk_codes``.

    Returns
    -------
    DataFrame
        ``unit_id``, ``klasse_geldt_voor`` (the wijk codes, ``"; "``-joined) and
        ``klasse_geldt_voor_tekst`` ("klasse van wijk Kustwijk (WK099506, 13.000 inw.)"),
        one row per unit whose wijken are not its own codes; other units have no row.
    """
    rows: list[tuple[str, list[str]]] = []
    for unit_id, codes, wijken in zip(units["unit_id"].astype(str), units["codes"],
                                      units["wijk_codes"], strict=True):
        own = {str(c) for c in (codes if isinstance(codes, Iterable)
                                and not isinstance(codes, str) else [codes])}
        listed = sorted({str(c) for c in (wijken if isinstance(wijken, Iterable)
                                          and not isinstance(wijken, str) else [wijken])})
        if listed and not set(listed) <= own:
            rows.append((unit_id, listed))
    out = pd.DataFrame({"unit_id": pd.Series(dtype=str),
                        "klasse_geldt_voor": pd.Series(dtype=str),
                        "klasse_geldt_voor_tekst": pd.Series(dtype=str)})
    if not rows:
        return out
    info = load.latest_names_and_inhabitants(
        con, sorted({c for _, codes in rows for c in codes})).set_index("code")
    records = []
    for unit_id, codes in rows:
        names = [_short_name(info["name"].get(c), c) for c in codes]
        counts = [info["inhabitants"].get(c) for c in codes]
        known = all(v is not None and not pd.isna(v) for v in counts)
        total = nl_number(float(sum(float(v) for v in counts)), decimals=0) if known else None
        if len(codes) == 1:
            text = (f"klasse van wijk {names[0]} ({codes[0]}"
                    + (f", {total} inw.)" if total else ")"))
        else:
            text = (f"klasse van de wijken {join_nl(names)} ({', '.join(codes)}; samen "
                    f"{total} inw.)" if total else
                    f"klasse van de wijken {join_nl(names)} ({', '.join(codes)})")
        records.append({"unit_id": unit_id, "klasse_geldt_voor": "; ".join(codes),
                        "klasse_geldt_voor_tekst": text})
    return pd.DataFrame(records, columns=list(out.columns))


def _short_name(name: object, code: str) -> str:
    """"Wijk 06 Kustwijk" -> "Kustwijk"; the code when there is no name."""
    if not isinstance(name, str) or not name.strip():
        return code
    return re.sub(r"^(?:wijk|buurt)\s+\d+[a-z]?\s+", "", name.strip(), flags=re.IGNORECASE)


def _weights(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, codes: list[str]
             ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Weight per (unit, wijk): a_inw of the latest year all the unit's wijken have it."""
    n_per_unit = pairs.groupby("unit_id")["code"].nunique()
    multi = set(n_per_unit[n_per_unit > 1].index)
    weights = pairs[["unit_id", "code"]].copy()
    weights["weight"] = 1.0
    weighting = {u: "één wijk" for u in n_per_unit.index if u not in multi}
    if not multi:
        return weights, weighting
    inw = load.inhabitants(con, codes)
    sub = pairs[pairs["unit_id"].isin(multi)].merge(inw, on="code", how="inner")
    counts = sub.groupby(["unit_id", "year"])["code"].nunique().reset_index(name="n")
    counts = counts.merge(n_per_unit.rename("total"), left_on="unit_id", right_index=True)
    full = counts[counts["n"] == counts["total"]].groupby("unit_id")["year"].max()
    for unit in sorted(multi):
        year = full.get(unit)
        if year is None:
            weighting[unit] = "gelijk gewogen (inwonertal ontbreekt)"
            continue
        rows = sub[(sub["unit_id"] == unit) & (sub["year"] == year)].set_index("code")["value"]
        if float(rows.sum()) <= 0:
            weighting[unit] = f"gelijk gewogen (geen inwoners in {int(year)})"
            continue
        mask = weights["unit_id"] == unit
        weights.loc[mask, "weight"] = weights.loc[mask, "code"].map(rows).astype(float)
        weighting[unit] = f"gewogen met inwoners {int(year)}"
    return weights, weighting


# --------------------------------------------------------------------- classification (pure)
