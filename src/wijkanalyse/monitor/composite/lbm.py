"""The Leefbaarometer beside the index: its deviation per unit and how far the two agree."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.codes import normalise_code
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden.aggregate import aggregate_many
from wijkanalyse.monitor import load
from wijkanalyse.monitor.composite.compute import unit_members
from wijkanalyse.monitor.composite.config import LBM_DEVIATION, TOTAL


def lbm_deviation(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The Leefbaarometer deviation from the national average (``lbm_afw``) of every unit.

    Wijk units use their own codes; buurt units (the Leefbaarometer is published per wijk
    here) use the wijken they lie in (``wijk_codes``, else derived from the codes), as the
    wijkprofiel does. Several wijken are combined weighted by inhabitants (``a_inw`` of the
    same year), strictly as :mod:`wijkanalyse.gebieden.aggregate` does.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, year, lbm_afw, complete, note, source`` for every unit and Leefbaarometer
        year in which a member has a row.
    """
    members, levels = unit_members(units)
    wijk_col = (units.set_index(units["unit_id"].astype(str))["wijk_codes"]
                if "wijk_codes" in units.columns else pd.Series(dtype=object))
    areas: dict[str, list[str]] = {}
    notes: dict[str, str | None] = {}
    for uid, codes in members.items():
        if levels[uid] == "buurt":
            wk = wijk_col.get(uid)
            wk = list(wk) if isinstance(wk, list | tuple | np.ndarray) and len(wk) else \
                sorted({"WK" + c[2:8] for c in codes})
            areas[uid] = list(dict.fromkeys(n for c in wk if (n := normalise_code(c))))
            notes[uid] = ("De Leefbaarometer is per wijk beschikbaar: de wijk(en) waarin dit "
                          "gebied ligt.")
        else:
            areas[uid] = codes
            notes[uid] = None
    codes = sorted({c for m in areas.values() for c in m})
    values = load.indicator_values(con, codes=codes, prefix=None,
                                   indicator_ids=[LBM_DEVIATION, "a_inw"], years=years)
    agg = aggregate_many(values, areas=areas, indicators=load_catalogue())
    agg = agg[agg["indicator_id"] == LBM_DEVIATION].rename(
        columns={"area_id": "unit_id", "value": LBM_DEVIATION})
    hit = values[(values["indicator_id"] == LBM_DEVIATION) & values["value"].notna()]
    labels = sorted({str(x) for x in hit["label"].dropna()})
    agg["note"] = [" ".join(x for x in (notes[u], r) if x) or None
                   for u, r in zip(agg["unit_id"], agg["reason"], strict=True)]
    agg["source"] = ("Bron: " + "; ".join(labels)) if labels else None
    return agg[["unit_id", "year", LBM_DEVIATION, "complete", "note", "source"]].reset_index(
        drop=True)


def _spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and its two-sided p-value (``NaN`` for fewer than 3 pairs)."""
    if len(a) < 3:
        return math.nan, math.nan
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if np.std(ra) == 0 or np.std(rb) == 0:
        return math.nan, math.nan
    from scipy import stats

    res = stats.spearmanr(a, b)
    return float(res.statistic), float(res.pvalue)


def compare_with_lbm(
    index: pd.DataFrame,
    lbm: pd.DataFrame,
    *,
    domain: str = TOTAL,
    max_year_gap: int = 1,
) -> dict[str, Any]:
    """How far the composite index and the Leefbaarometer agree.

    Parameters
    ----------
    index
        The result of :func:`composite_index`.
    lbm
        ``unit_id, year`` and ``lbm_afw`` (or ``value``): the Leefbaarometer deviation from
        the national average, e.g. from :func:`lbm_deviation`.
    domain
        The index row compared (default the total index).
    max_year_gap
        An index year without a Leefbaarometer measurement is paired with the nearest
        measurement at most this many years away (the earlier one on a tie).

    Returns
    -------
    dict
        ``"per_year"``: DataFrame ``year, lbm_year, n, spearman, p_value`` (``NaN`` for fewer
        than 3 units); ``"units"``: DataFrame ``unit_id, year, lbm_year, index, lbm_afw,
        rank_index, rank_lbm, rank_difference`` (rank 1 = best within the year, ties get
        their mean rank); ``"method"`` and ``"note"``: Dutch texts.
    """
    col = LBM_DEVIATION if LBM_DEVIATION in lbm.columns else "value"
    for need, frame, name in ((("unit_id", "year", "index", "domain"), index, "index"),
                              (("unit_id", "year", col), lbm, "lbm")):
        absent = [c for c in need if c not in frame.columns]
        if absent:
            raise ValueError(f"{name} mist de kolommen {', '.join(absent)}")
    idx = index[(index["domain"] == domain) & index["index"].notna()]
    idx = idx[["unit_id", "year", "index"]].astype({"unit_id": str, "year": "int64"})
    lb = lbm[lbm[col].notna()][["unit_id", "year", col]].rename(columns={col: LBM_DEVIATION})
    lb = lb.astype({"unit_id": str, "year": "int64"})
    lbm_years = sorted(set(lb["year"]))
    pairing: dict[int, int] = {}
    for y in sorted(set(idx["year"])):
        cands = [ly for ly in lbm_years if abs(ly - y) <= max_year_gap]
        if cands:
            pairing[y] = min(cands, key=lambda ly: (abs(ly - y), ly))
    index_years = sorted(set(idx["year"]))
    idx = idx[idx["year"].isin(list(pairing))].assign(
        lbm_year=lambda d: d["year"].map(pairing).astype("int64"))
    units = idx.merge(lb.rename(columns={"year": "lbm_year"}), on=["unit_id", "lbm_year"])
    units["rank_index"] = units.groupby("year")["index"].rank(ascending=False)
    units["rank_lbm"] = units.groupby("year")[LBM_DEVIATION].rank(ascending=False)
    units["rank_difference"] = units["rank_index"] - units["rank_lbm"]
    units = units.sort_values(["year", "rank_index", "unit_id"], ignore_index=True)
    rows = []
    for y, g in units.groupby("year"):
        rho, p = _spearman(g["index"].to_numpy(), g[LBM_DEVIATION].to_numpy())
        rows.append({"year": int(y), "lbm_year": int(pairing[int(y)]), "n": len(g),
                     "spearman": rho, "p_value": p})
    per_year = pd.DataFrame(rows, columns=["year", "lbm_year", "n", "spearman", "p_value"])
    notes = []
    if per_year.empty:
        notes.append("Geen vergelijking mogelijk: er zijn geen gebieden met zowel een index als "
                     "een Leefbaarometer-score in (bijna) hetzelfde jaar.")
    for r in per_year.itertuples():
        if r.year != r.lbm_year:
            notes.append(f"Index {r.year} vergeleken met de Leefbaarometer {r.lbm_year}.")
        if r.n < 3:
            notes.append(f"{r.year}: te weinig gebieden ({r.n}) voor een rangcorrelatie.")
    no_lbm = [y for y in index_years if y not in pairing]
    if no_lbm:
        notes.append(f"Geen Leefbaarometer binnen {max_year_gap} jaar van: "
                     + join_nl([str(y) for y in no_lbm]) + ".")
    no_units = [y for y in index_years if y in pairing and y not in set(per_year["year"])]
    if no_units:
        notes.append("Geen gebieden met zowel een index als een Leefbaarometer-score in: "
                     + join_nl([f"{y} (Leefbaarometer {pairing[y]})" for y in no_units]) + ".")
    method = (
        "Per jaar zijn de gebieden gerangschikt op de samengestelde index "
        f"({domain}) en op de afwijking van de Leefbaarometer van het landelijk gemiddelde "
        "(1 = best). De rangcorrelatie van Spearman (−1 tot 1) zegt hoe goed de twee "
        "volgordes overeenkomen: 1 is dezelfde volgorde, 0 geen verband. De Leefbaarometer "
        "meet de leefbaarheid uit vele kenmerken van de woonomgeving; de index alleen de "
        "KWB-indicatoren, dus volledige overeenstemming is niet te verwachten.")
    return {
        "per_year": per_year,
        "units": units[["unit_id", "year", "lbm_year", "index", LBM_DEVIATION, "rank_index",
                        "rank_lbm", "rank_difference"]],
        "method": method,
        "note": " ".join(notes) or None,
    }
