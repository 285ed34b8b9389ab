"""Segregatie: change of D and H between two years (:func:`change_table`) with the Shapley
split into a compositional and a redistribution part."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import join_nl, nl_number, year_list
from wijkanalyse.segregatie.data import _Data, _empty, _group_counts, _indicators_of, _typed
from wijkanalyse.segregatie.groups import (
    _INDEX_BY_ID,
    _INDEX_ORDER,
    _PLURAL,
    CHANGE_COLUMNS,
    MAX_SUPPRESSED_SHARE,
    GroupDef,
    _check_groups,
    _check_level,
    _check_years,
)
from wijkanalyse.segregatie.load import _lineage, _load, resolve_gemeente
from wijkanalyse.segregatie.tables import (
    _derivation_text,
    _join_notes,
    _negligible,
    _order_key,
    _shapley,
    _two,
    suppressed_bound_text,
)

# change over time


def _year_pairs(years: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive pairs, plus first–last when there are three years or more."""
    ys = sorted(set(int(y) for y in years))
    pairs = list(zip(ys[:-1], ys[1:], strict=True))
    if len(ys) >= 3:
        pairs.append((ys[0], ys[-1]))
    return pairs


def _change_rows(data: _Data, groups: Sequence[GroupDef],
                 end_year: int | None = None) -> pd.DataFrame:
    """Change rows for every gemeente × group × pair of years: per group and pair of years
    one vectorised call over all gemeenten that have both years."""
    rows: list[pd.DataFrame] = []
    keys = ["gemeente_code", "code"]
    for g in groups:
        c = _group_counts(data, g)
        if c.units.empty:
            continue
        frame = c.units.assign(x=c.x, t=c.t)
        if end_year is not None:
            frame = frame[frame["year"] <= end_year]
        if frame.empty:
            continue
        years_per_gm = frame.groupby("gemeente_code")["year"].agg(lambda v: sorted(set(v)))
        all_years = _unit_years(data, end_year)
        sources = data.sources(g.indicators).to_dict()
        pair_gms: dict[tuple[int, int], list[str]] = {}
        for gm, ys in years_per_gm.items():
            pairs = _year_pairs(ys)
            if end_year is not None:
                pairs = [p for p in pairs if p[1] == ys[-1]]
            if not pairs:
                rows.append(_no_pair_rows(g, gm, ys[-1], sources.get((gm, ys[-1]), ""),
                                          lacking=[y for y in all_years.get(gm, [])
                                                   if y not in ys]))
            for pair in pairs:
                pair_gms.setdefault(pair, []).append(gm)
        for (y0, y1), gms in sorted(pair_gms.items()):
            rows.append(_pair_rows(data, g, frame, y0, y1, sorted(gms), sources, keys))
    rows = [r for r in rows if not r.empty]
    if not rows:
        return _empty(CHANGE_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out["gemeente_name"] = out["gemeente_code"].map(data.gemeente_names).fillna(
        out["gemeente_code"])
    out["level"] = data.level
    out["index_label"] = out["index"].map(lambda i: _INDEX_BY_ID[i].label)
    out["_g"] = out["group"].map(_order_key)
    out["_i"] = out["index"].map(_INDEX_ORDER)
    out["_y0"] = pd.to_numeric(out["year_from"]).fillna(-1)
    out["_y1"] = pd.to_numeric(out["year_to"]).fillna(-1)
    out = out.sort_values(["gemeente_code", "_g", "_i", "_y1", "_y0"], kind="stable")
    out = out[list(CHANGE_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year_from", "year_to", "n_units_from", "n_units_to",
                             "n_matched", "n_used"),
                  floats=("value_from", "value_to", "change", "compositional",
                          "redistribution"))


def _unit_years(data: _Data, end_year: int | None) -> dict[str, list[int]]:
    """Per gemeente the years with any figure of its units (up to ``end_year``)."""
    long = data.long if end_year is None else data.long[data.long["year"] <= end_year]
    return {str(gm): sorted(int(y) for y in ys)
            for gm, ys in long.groupby("gemeente_code")["year"].unique().items()}


def _lacking_text(g: GroupDef, lacking: Sequence[int]) -> str:
    """Dutch: which indicator the years without the group lack."""
    from wijkanalyse.catalogue import load_catalogue

    if not lacking:
        return ""
    cat = load_catalogue().indicators
    names = join_nl([f"{cat[i].label if i in cat else i} ({i})" for i in g.numerator])
    return (f"{names} ontbreekt in de gegevens van {year_list(lacking)} (die jaren hebben wel "
            "andere cijfers per gebied)")


def _no_pair_rows(g: GroupDef, gm: str, year: int, source: str, *,
                  lacking: Sequence[int] = ()) -> pd.DataFrame:
    why = _lacking_text(g, lacking)
    reason = f"alleen cijfers voor {year}" + (f": {why}" if why else "")
    return pd.DataFrame([{
        "gemeente_code": gm, "group": g.id, "group_label": g.label, "index": idx,
        "year_from": None, "year_to": year, "value_from": np.nan, "value_to": np.nan,
        "change": np.nan, "compositional": np.nan, "redistribution": np.nan,
        "n_units_from": None, "n_units_to": None, "n_matched": None, "n_used": None,
        "source": source,
        "note": f"{reason}; geen verandering te berekenen", "reason": reason}
        for idx in _CHANGE_INDICES])


#: The indices whose change is decomposed.
_CHANGE_INDICES = ("D", "H")


def _harmonised_year(data: _Data, frame: pd.DataFrame, y0: int, y1: int,
                     f1: pd.DataFrame) -> pd.DataFrame | None:
    """The units of ``y0`` moved onto the boundaries of ``y1`` (lineage, issue 12), or
    ``None`` without a lineage."""
    if data.lineage is None or data.lineage.empty:
        return None
    from wijkanalyse.gebieden.harmonise import chains, move_counts

    key = ("chains", y1)
    if key not in data.cache:
        lin = data.lineage[data.lineage["level"] == data.level]
        data.cache[key] = chains(lin, target_year=y1)
    src = frame[frame["year"] == y0]
    moved = move_counts(src[["code", "x", "t"]], data.cache[key], ["x", "t"], year=y0)
    gm_of = dict(zip(f1["code"], f1["gemeente_code"], strict=True))
    moved["gemeente_code"] = moved["code"].map(gm_of)
    # a unit that misses a part of its area (a unit of y0 without successor next to it) has
    # no figures: it is left out, not counted as "secret"
    moved = moved[moved["x"].notna() | moved["t"].notna()]
    return moved[moved["gemeente_code"].notna()]


def _pair_rows(data: _Data, g: GroupDef, frame: pd.DataFrame, y0: int, y1: int,
               gms: list[str], sources: dict[Any, Any], keys: list[str]) -> pd.DataFrame:
    f0 = frame[(frame["year"] == y0) & frame["gemeente_code"].isin(gms)]
    f1 = frame[(frame["year"] == y1) & frame["gemeente_code"].isin(gms)]
    moved = _harmonised_year(data, frame, y0, y1, f1)
    n_from = f0.groupby("gemeente_code").size()
    if moved is not None:
        f0 = moved[moved["gemeente_code"].isin(gms)]
    both = f0[keys + ["x", "t"]].merge(f1[keys + ["x", "t"]], on=keys, suffixes=("0", "1"))
    both = both.sort_values(keys).reset_index(drop=True)
    n_to = f1.groupby("gemeente_code").size()
    n_matched = both.groupby("gemeente_code").size()
    complete = np.isfinite(both[["x0", "t0", "x1", "t1"]].to_numpy(float)).all(axis=1)
    n_used = both[complete].groupby("gemeente_code").size()
    part_of = {gm: k for k, gm in enumerate(gms)}
    n = len(gms)
    results: dict[str, dict[str, np.ndarray]] = {}
    for idx in _CHANGE_INDICES:
        results[idx] = _shapley_present(both, part_of, n, idx)
    plural = _PLURAL[data.level]
    recs = []
    for idx in _CHANGE_INDICES:
        res = results[idx]
        for gm in gms:
            k = part_of[gm]
            nf, nt = int(n_from.get(gm, 0)), int(n_to.get(gm, 0))
            nm, nu = int(n_matched.get(gm, 0)), int(n_used.get(gm, 0))
            note = [f"{nm} {plural} op code gekoppeld ({nf} in {y0}, {nt} in {y1})"
                    if moved is None else
                    f"op de grenzen van {y1}; {y0} omgerekend: {nm} van de {nt} {plural} van "
                    f"{y1} met cijfers uit {y0} ({nf} {plural} in {y0})"]
            if nm < max(nf, nt):
                note.append(f"{idx} van beide jaren berekend over de gekoppelde {plural}; kan "
                            "afwijken van de cijfers per jaar")
            if nu < nm:
                left_out = int(res["n_dropped"][k])
                note.append(f"{nm - nu} gekoppelde {plural} zonder cijfer in een van de jaren "
                            "(geheim of ontbrekend)" + (
                                f"; {left_out} daarvan weggelaten: "
                                f"{suppressed_bound_text(float(res['share_dropped'][k]))}"
                                if left_out else ""))
            if g.derived:
                note.append(_derivation_text(g))
            reason = ""
            if nm == 0:
                reason = (f"geen {plural} met dezelfde code in {y0} en {y1}" if moved is None
                          else f"grenswijziging: geen {plural} van {y0} volledig om te rekenen "
                          f"naar de grenzen van {y1} (zie 'wijkanalyse data lineage')")
            elif not np.isfinite(res["total_change"][k]):
                reason = _year_reason(both[both["gemeente_code"] == gm], y0, y1, g, plural)
            elif not np.isfinite(res["composition"][k]):
                reason = "splitsing niet te berekenen: de herschaling (IPF) convergeerde niet"
            if reason:
                note.append(f"niet berekend: {reason}")
            src = "; ".join(sorted({s for y in (y0, y1)
                                    for s in sources.get((gm, y), "").split("; ") if s}))
            recs.append({
                "gemeente_code": gm, "group": g.id, "group_label": g.label, "index": idx,
                "year_from": y0, "year_to": y1, "value_from": res["index0"][k],
                "value_to": res["index1"][k], "change": res["total_change"][k],
                "compositional": res["composition"][k],
                "redistribution": res["redistribution"][k], "n_units_from": nf,
                "n_units_to": nt, "n_matched": nm, "n_used": nu, "source": src,
                "note": _join_notes(note), "reason": reason})
    return pd.DataFrame(recs)


def _year_reason(both: pd.DataFrame, y0: int, y1: int, g: GroupDef, plural: str) -> str:
    """Why the change of one gemeente cannot be computed (Dutch), by the rule of
    :func:`~wijkanalyse.segregatie.tables._negligible`: the units without a figure in either
    year, their largest total and its share of the smallest group of the two years."""
    x0, t0, x1, t1 = (both[c].to_numpy(float) for c in ("x0", "t0", "x1", "t1"))
    sup = np.zeros(len(both), dtype=bool)
    for x, t in ((x0, t0), (x1, t1)):
        sup |= (~np.isfinite(x) | ~np.isfinite(t)) & ~(t == 0)
    if not sup.any():
        return ("de index is in een van de jaren niet te berekenen (alle groepsleden in één "
                "gebied, of een groep van nul)")
    smallest = np.inf
    for x, t in ((x0, t0), (x1, t1)):
        ok = ~sup & np.isfinite(t) & (t > 0)
        for part in (x[ok].sum(), (t - x)[ok].sum()):
            if part > 0:
                smallest = min(smallest, float(part))
    if (~np.isfinite(t0[sup]) | ~np.isfinite(t1[sup])).any() or not np.isfinite(smallest):
        return (f"{int(sup.sum())} {plural} zonder cijfer in {y0} of {y1}, ook zonder "
                f"totaal ({g.counted}): niet te zeggen hoeveel ze wegen")
    t_sup = float(np.maximum(np.nan_to_num(t0[sup]), np.nan_to_num(t1[sup])).sum())
    pct = nl_number(t_sup / smallest * 100, decimals=1)
    return (f"{int(sup.sum())} {plural} zonder cijfer (geheim) in {y0} of {y1}, samen tot "
            f"{nl_number(t_sup)} {g.counted}: {pct}% van de kleinste groep, meer dan de "
            f"{nl_number(MAX_SUPPRESSED_SHARE * 100)}% die weggelaten mag worden")


def _shapley_present(both: pd.DataFrame, part_of: dict[str, int], n: int, idx: str
                     ) -> dict[str, np.ndarray]:
    """Shapley decomposition per gemeente (partition ``part_of``); NaN for gemeenten without
    matched units. Suppressed units are left out of both years per
    :data:`MAX_SUPPRESSED_SHARE` (``n_dropped`` per gemeente)."""
    names = ("index0", "index1", "total_change", "composition", "redistribution")
    out = {k: np.full(n, np.nan) for k in names}
    out["n_dropped"] = np.zeros(n)
    out["share_dropped"] = np.zeros(n)
    if both.empty:
        return out
    by_full = both["gemeente_code"].map(part_of).to_numpy(dtype=np.int64)
    present = np.bincount(by_full, minlength=n) > 0
    n_present = int(present.sum())
    dense = (np.cumsum(present) - 1)[by_full]
    x0, t0, x1, t1 = (both[c].to_numpy(float) for c in ("x0", "t0", "x1", "t1"))
    dropped = _negligible([(_two(x0, t0), t0), (_two(x1, t1), t1)], dense, n_present)
    x0, t0, x1, t1 = dropped.apply(x0, t0, x1, t1)
    got = _shapley(x0, t0, x1, t1, index=idx, by=dense, n=n_present,
                   codes=both["code"].tolist())
    for k in names:
        out[k][present] = got[k]
    out["n_dropped"][present] = dropped.n
    if dropped.share is not None:
        out["share_dropped"][present] = np.nan_to_num(dropped.share)
    return out


def change_table(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeenten: Sequence[str] | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
    years: int | Iterable[int] | None = None,
    harmonised: bool = True,
) -> pd.DataFrame:
    """Change of D and H between pairs of years, split into composition and redistribution.

    For every gemeente × group the pairs are consecutive years with figures, plus the first
    and last year when there are three or more. Only units present under the same code in
    both years are used (``n_matched``), and of those the ones with figures in both years
    (``n_used``); D and H of both years are recomputed over exactly those units, so ``change``
    = ``value_to − value_from`` = ``compositional + redistribution`` (the Shapley
    decomposition of :func:`wijkanalyse.segregatie.indices.shapley_decomposition`: the part
    due to changed group sizes and unit sizes, and the part due to who lives where).

    Parameters
    ----------
    con
        Connection to the database.
    gemeenten
        Gemeente names or codes; all when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    groups
        Group or family ids (two-group indices only); all when ``None``.
    years
        Restrict to these years; all when ``None``.
    harmonised
        Put the earlier year of each pair on the boundaries of the later year with the lineage
        (issue 12: counts moved with the weights, ``docs/lineage.md``); ``n_matched`` is then
        the number of units of the later year with figures from the earlier year. With
        ``False`` (or a database without lineage) units are matched on code.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`. A gemeente × group with figures for one year only has
        a row per index with ``year_from`` missing and a note saying so.
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    codes = None if gemeenten is None else [resolve_gemeente(con, g)[0] for g in gemeenten]
    data = _load(con, level=lvl, gemeente_codes=codes, years=_check_years(years),
                 indicators=_indicators_of(chosen))
    if harmonised:
        data.lineage = _lineage(con)
    return _change_rows(data, chosen)


# ------------------------------------------------------------------------------------------
