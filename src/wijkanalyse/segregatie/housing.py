"""Segregatie: the housing-stock mix per unit (:func:`housing_mix`) and the gemeente's spread
(:func:`housing_spread`)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.segregatie.data import _Data, _empty
from wijkanalyse.segregatie.groups import (
    _TENURE,
    _TENURE_ALL,
    CORPORATIEBUURT_THRESHOLD,
    HOUSING_COLUMNS,
    SPREAD_COLUMNS,
    _check_level,
)
from wijkanalyse.segregatie.load import _load, resolve_gemeente
from wijkanalyse.segregatie.tables import _join_notes

# housing-stock mix


def _housing_rows(data: _Data, gemeente_code: str, year: int | None) -> pd.DataFrame:
    wide = data.values(_TENURE_ALL)
    wide = wide[(wide["gemeente_code"] == gemeente_code)]
    pres = data.long[(data.long["gemeente_code"] == gemeente_code)
                     & data.long["indicator_id"].isin(_TENURE)]
    tenure_years = sorted(pres["year"].unique().tolist())
    wide = wide[wide["year"].isin(tenure_years)]
    if year is not None:
        wide = wide[wide["year"] == int(year)]
    if wide.empty:
        return _empty(HOUSING_COLUMNS)
    wide = wide.reset_index(drop=True)
    corp = wide["p_wcorpw"].to_numpy(float)
    priv = wide["p_ov_hw"].to_numpy(float)
    own = wide["p_koopw"].to_numpy(float)
    shares = np.column_stack([corp, priv, own])
    complete = np.all(np.isfinite(shares), axis=1)
    known = np.where(complete, shares.sum(axis=1), np.nan)
    unknown = np.where(complete, np.clip(100.0 - known, 0.0, 100.0), np.nan)
    diversity = _tenure_entropy(shares)
    flag = pd.array(np.where(np.isfinite(corp), corp > CORPORATIEBUURT_THRESHOLD, False),
                    dtype="boolean")
    flag[~np.isfinite(corp)] = pd.NA
    from wijkanalyse.gebieden.subjects import display_name

    notes = []
    for k in range(len(wide)):
        parts = []
        missing = [lab for lab, v in zip(("corporatie", "overige verhuurders", "koop"),
                                         shares[k], strict=True) if not np.isfinite(v)]
        if missing:
            parts.append("geen cijfer (geheim of ontbrekend) voor " + ", ".join(missing))
        elif known[k] > 100.5:
            parts.append("aandelen tellen op tot meer dan 100% (afronding CBS)")
        notes.append(_join_notes(parts))
    sources = data.sources(_TENURE_ALL).to_dict()
    out = pd.DataFrame({
        "gemeente_code": gemeente_code,
        "gemeente_name": data.gemeente_names.get(gemeente_code, gemeente_code),
        "year": wide["year"].astype("int64"), "level": data.level, "code": wide["code"],
        "name": [display_name(n, code=c) for n, c in zip(wide["name"], wide["code"],
                                                         strict=True)],
        "dwellings": wide["a_woning"].astype(float), "share_corporation": corp,
        "share_private_rental": priv, "share_owner_occupied": own, "share_unknown": unknown,
        "tenure_diversity": diversity, "corporatiebuurt": flag,
        "source": [sources.get((gemeente_code, int(y)), "") for y in wide["year"]],
        "note": notes})
    return out[list(HOUSING_COLUMNS)].sort_values(["year", "code"]).reset_index(drop=True)


def _tenure_entropy(shares: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of the three known tenure shares (renormalised to their sum):
    ``−Σ p ln p / ln 3``; 0 = one kind of tenure only, 1 = a third of each."""
    total = shares.sum(axis=1)
    ok = np.all(np.isfinite(shares), axis=1) & (total > 0)
    p = np.where(ok[:, None], shares / np.where(total > 0, total, 1.0)[:, None], 0.0)
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return np.where(ok, -terms.sum(axis=1) / math.log(3.0), np.nan)


def housing_mix(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeente: str,
    year: int | None = None,
    level: str = "buurt",
) -> pd.DataFrame:
    """Tenure of the housing stock per unit: shares, diversity and *corporatiebuurten*.

    Parameters
    ----------
    con
        Connection to the database.
    gemeente
        Gemeente name or code.
    year
        The year; all years with tenure figures when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HOUSING_COLUMNS`, one row per unit × year. Shares in % of the housing
        stock (``share_unknown`` = 100 − the three known shares, at least 0).
        ``tenure_diversity`` is the normalised Shannon entropy of the three known shares
        (see :func:`_tenure_entropy`; 0 = one-sided, 1 = equal thirds). ``corporatiebuurt`` is
        True when more than two thirds of the dwellings are owned by a housing corporation
        (:data:`CORPORATIEBUURT_THRESHOLD`, a convention in Dutch housing research; missing
        when the share is unknown). Empty when the database has no tenure figures for the
        gemeente (KWB tenure is loaded for few gemeenten and years).
    """
    lvl = _check_level(level)
    code, _name = resolve_gemeente(con, gemeente)
    data = _load(con, level=lvl, gemeente_codes=[code], years=None, indicators=_TENURE_ALL)
    return _housing_rows(data, code, year)


def housing_spread(mix: pd.DataFrame, *, gemeente_shares: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """The gemeente's spread of the corporation share over its units, per year.

    Parameters
    ----------
    mix
        A table from :func:`housing_mix`.
    gemeente_shares
        Optional: the gemeente's own corporation share per ``gemeente_code`` and ``year``
        (column ``share_corporation``), as CBS publishes it for the gemeente.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SPREAD_COLUMNS`: unweighted minimum, quartiles (linear interpolation)
        and maximum of ``share_corporation`` over the units with a value, the number of units
        and of *corporatiebuurten*.
    """
    if mix.empty:
        return _empty(SPREAD_COLUMNS)
    recs = []
    for (gm, gname, y, lvl), part in mix.groupby(
            ["gemeente_code", "gemeente_name", "year", "level"], sort=True):
        vals = part["share_corporation"].to_numpy(float)
        vals = vals[np.isfinite(vals)]
        q = (np.percentile(vals, [0, 25, 50, 75, 100]) if len(vals)
             else np.full(5, np.nan))
        gm_share = np.nan
        if gemeente_shares is not None and not gemeente_shares.empty:
            hit = gemeente_shares[(gemeente_shares["gemeente_code"] == gm)
                                  & (gemeente_shares["year"] == y)]
            if len(hit):
                gm_share = float(hit["share_corporation"].iloc[0])
        recs.append({
            "gemeente_code": gm, "gemeente_name": gname, "year": int(y), "level": lvl,
            "n_units": len(part), "n_with_data": len(vals), "corporation_min": q[0],
            "corporation_q1": q[1], "corporation_median": q[2], "corporation_q3": q[3],
            "corporation_max": q[4], "gemeente_corporation": gm_share,
            "n_corporatiebuurten": int(part["corporatiebuurt"].fillna(False).sum()),
            "source": "; ".join(sorted({s for v in part["source"] for s in str(v).split("; ")
                                        if s}))})
    return pd.DataFrame(recs, columns=list(SPREAD_COLUMNS))
