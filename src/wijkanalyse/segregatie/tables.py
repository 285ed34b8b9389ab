"""Segregatie: the long index table (:func:`segregation_table`, one row per gemeente × year
× group × index), the one place that knows the API of
:mod:`~wijkanalyse.segregatie.indices`, and the Dutch notes on dropped units."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.segregatie import indices as si
from wijkanalyse.segregatie.data import (
    _Counts,
    _Data,
    _empty,
    _group_counts,
    _indicators_of,
    _partitions,
    _typed,
)
from wijkanalyse.segregatie.groups import (
    _GROUP_ORDER,
    _INDEX_BY_ID,
    _INDEX_ORDER,
    _MULTI,
    _PLURAL,
    _TWO_GROUP,
    ATKINSON_B,
    FAMILIES,
    GROUPS,
    INDEX_COLUMNS,
    MAX_SUPPRESSED_SHARE,
    Family,
    GroupDef,
    _check_groups,
    _check_level,
    _check_years,
)
from wijkanalyse.segregatie.load import _load, resolve_gemeente

# the index functions (one place that knows the API of segregation_indices)


#: Our index ids -> the function names of :mod:`wijkanalyse.segregatie.indices`.
_SI_NAMES: dict[str, str] = {
    "D": "dissimilarity", "G": "gini", "xPx": "isolation", "xPy": "exposure", "A": "atkinson",
    "H": "entropy", "D_multi": "multi_dissimilarity", "H_multi": "multi_information_theory",
    "SI": "simpsons_interaction",
}
_TWO_GROUP_FUNCS: dict[str, Callable[..., Any]] = {
    "D": si.dissimilarity,
    "G": si.gini,
    "xPx": si.isolation,
    "xPy": si.exposure,
    "A": lambda x, t, *, by=None: si.atkinson(x, t, b=ATKINSON_B, by=by),
    "H": si.entropy,
}
_MULTI_FUNCS: dict[str, Callable[..., Any]] = {
    "D_multi": si.multi_dissimilarity,
    "H_multi": si.multi_information_theory,
    "SI": si.simpsons_interaction,
}


def _per_partition(values: Any, n: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.shape[0] != n:  # pragma: no cover - contract of segregation_indices
        raise ValueError(f"expected {n} partition values, got {arr.shape[0]}")
    return arr


@dataclass
class _Dropped:
    """Suppressed units left out (see :data:`MAX_SUPPRESSED_SHARE`): a mask per unit and, per
    partition, how many and their total."""

    mask: np.ndarray
    n: np.ndarray
    total: np.ndarray
    #: per partition: the left-out totals as a share of the smallest group (0 when none);
    #: D changes by at most this much (a unit holds at most its total of any group)
    share: np.ndarray | None = None
    #: per partition: the totals of all suppressed units and their share of the smallest group
    #: (also where they are too many to leave out; NaN when unknown)
    sup_total: np.ndarray | None = None
    sup_share: np.ndarray | None = None

    def apply(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """The arrays with the left-out units set to zero (a unit without population, which
        the index functions skip)."""
        out = []
        for a in arrays:
            m = self.mask if a.ndim == 1 else self.mask[:, None]
            out.append(np.where(m, 0.0, a))
        return out


def _negligible(years: Sequence[tuple[np.ndarray, np.ndarray]], by: np.ndarray,
                n: int) -> _Dropped:
    """Which suppressed units to leave out, per :data:`MAX_SUPPRESSED_SHARE`.

    ``years`` holds, for the same units, one or more (groups, totals) pairs: ``groups`` is
    units × K (two-group input: the group and the rest), ``totals`` the unit totals. A unit is
    suppressed when a group count or its total is missing while its total is not zero; a
    partition's suppressed units are left out (in every year) when all their totals are known
    and their largest total over the years sums to at most :data:`MAX_SUPPRESSED_SHARE` of the
    smallest group (present in the other units) of any year.
    """
    m = len(by)
    sup = np.zeros(m, dtype=bool)
    for cols, t in years:
        sup |= (~np.all(np.isfinite(cols), axis=1) | ~np.isfinite(t)) & ~(t == 0)
    if not sup.any():
        return _Dropped(mask=sup, n=np.zeros(n, dtype=int), total=np.zeros(n))
    unknown = np.zeros(m, dtype=bool)
    t_max = np.zeros(m)
    limit = np.full(n, np.inf)
    for cols, t in years:
        unknown |= sup & ~np.isfinite(t)
        t_max = np.maximum(t_max, np.where(np.isfinite(t), t, 0.0))
        ok = ~sup & np.isfinite(t) & (t > 0)
        for k in range(cols.shape[1]):
            xk = np.bincount(by, weights=np.where(ok, cols[:, k], 0.0), minlength=n)
            limit = np.where(xk > 0, np.minimum(limit, xk), limit)
    t_sup = np.bincount(by, weights=np.where(sup, t_max, 0.0), minlength=n)
    has = np.bincount(by, weights=sup.astype(float), minlength=n) > 0
    blocked = np.bincount(by, weights=unknown.astype(float), minlength=n) > 0
    droppable = has & ~blocked & np.isfinite(limit) & (t_sup <= MAX_SUPPRESSED_SHARE * limit)
    mask = sup & droppable[by]
    total = np.bincount(by, weights=np.where(mask, t_max, 0.0), minlength=n)
    known = has & ~blocked & np.isfinite(limit) & (limit > 0)
    share = np.where(known, t_sup / np.where(known, limit, 1.0), np.nan)
    return _Dropped(mask=mask,
                    n=np.bincount(by, weights=mask.astype(float), minlength=n).astype(int),
                    total=total, share=np.where(droppable, share, np.nan), sup_total=t_sup,
                    sup_share=share)


def _two(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.column_stack([x, t - x])


def _dropped_note(dropped: _Dropped, k: int, level: str, counted: str) -> str:
    if not dropped.n[k]:
        return ""
    share = float(dropped.share[k]) if dropped.share is not None else MAX_SUPPRESSED_SHARE
    share = share if np.isfinite(share) else MAX_SUPPRESSED_SHARE
    return (f"{_unit_words(level, int(dropped.n[k]))} zonder cijfer (geheim of ontbrekend) "
            f"met samen {nl_number(float(dropped.total[k]))} {counted} weggelaten: "
            f"{suppressed_bound_text(share)}")


def suppressed_bound_text(share: float) -> str:
    """Dutch: how much leaving out units of ``share`` (of the smallest group) can change the
    index — D by at most ``share`` (a unit holds at most its total of any group), rounded up
    to two decimals (at least 0,01)."""
    bound = max(math.ceil(share * 100 - 1e-9), 1) / 100
    pct = nl_number(share * 100, decimals=1)
    return (f"samen {'minder dan 0,1' if share < 0.001 else pct}% van de kleinste groep, D "
            f"verandert daardoor hoogstens {nl_number(bound, decimals=2)} (de andere indexen "
            "ongeveer evenveel)")


@dataclass
class _Valid:
    """Per partition (0..n-1): unit counts and the Dutch reason per index why it is NaN."""

    frame: pd.DataFrame  # n_units, n_zero, n_suppressed
    validity: si.Validity

    def reason(self, index: str, k: int) -> str | None:
        return self.validity.reasons(_SI_NAMES[index])[k]


def _validity(x: np.ndarray, t: np.ndarray | None, by: np.ndarray, n: int) -> _Valid:
    """:func:`segregation_indices.validity` per partition (``t=None``: counts matrix)."""
    res = si.validity(x, t, by=by)
    frame = pd.DataFrame({k: _per_partition(getattr(res, k), n) for k in
                          ("n_units", "n_zero", "n_suppressed")}).astype("int64")
    return _Valid(frame=frame, validity=res)


def _shapley(x0: np.ndarray, t0: np.ndarray, x1: np.ndarray, t1: np.ndarray, *, index: str,
             by: np.ndarray, n: int, codes: Sequence[str]) -> dict[str, np.ndarray]:
    """Index in both years, change and its two Shapley components per partition."""
    res = si.shapley_decomposition(x0, t0, x1, t1, index=_SI_NAMES[index], by=by,
                                   codes0=codes, codes1=codes)
    out = {k: _per_partition(getattr(res, k), n) for k in (
        "index0", "index1", "total_change", "composition", "redistribution")}
    out["converged"] = np.atleast_1d(np.asarray(res.converged, dtype=bool))
    return out


# ------------------------------------------------------------------------------------------
# notes


def _derivation_text(group: GroupDef) -> str:
    """How the group's count is made, in Dutch."""
    from wijkanalyse.catalogue import load_catalogue

    cat = load_catalogue().indicators

    def lab(i: str) -> str:
        ind = cat.get(i)
        return (ind.label.lower() if ind else i)

    if group.derivation == "aandeel":
        return (f"afgeleid: aandeel ({lab(group.numerator[0])}, %) × "
                f"{lab(group.total)} / 100")
    if group.derivation == "rest":
        parts = " − ".join(lab(i) for i in group.numerator)
        return f"afgeleid: {lab(group.total)} − {parts}"
    return f"telling CBS ({lab(group.numerator[0])} van {lab(group.total)})"


def _unit_words(level: str, n: int) -> str:
    return f"{n} {level if n == 1 else _PLURAL[level]}"


def _zero_note(level: str, n_zero: int, counted: str) -> str:
    return f"{_unit_words(level, n_zero)} zonder {counted}, niet meegeteld" if n_zero else ""


def _too_many_text(dropped: _Dropped, k: int, counted: str) -> str:
    """Dutch: the suppressed units' total and share when they are too many to leave out."""
    if dropped.sup_share is None or dropped.sup_total is None or dropped.n[k]:
        return ""
    share = float(dropped.sup_share[k])
    if not np.isfinite(share) or share <= MAX_SUPPRESSED_SHARE:
        return ""
    return (f" (samen {nl_number(float(dropped.sup_total[k]))} {counted}, "
            f"{nl_number(share * 100, decimals=1)}% van de kleinste groep, weglaten mag tot "
            f"{nl_number(MAX_SUPPRESSED_SHARE * 100)}%)")


def _nan_note(valid: _Valid, index: str, k: int, level: str, extra: str = "") -> str:
    reason = valid.reason(index, k) or "niet te berekenen met deze cijfers"
    text = f"niet berekend: {reason}{extra}"
    if int(valid.frame["n_suppressed"][k]) and level == "buurt":
        text += " (op wijkniveau zijn minder cijfers geheim: probeer --niveau wijk)"
    return text


def _join_notes(parts: Iterable[str]) -> str:
    items = [p for p in parts if p]
    return "; ".join(dict.fromkeys(items))


# ------------------------------------------------------------------------------------------
# the long index table


def _two_group_rows(data: _Data, counts: _Counts,
                    indices: Sequence[str] = _TWO_GROUP) -> pd.DataFrame:
    g = counts.group
    if counts.units.empty:
        return pd.DataFrame(columns=list(INDEX_COLUMNS))
    by, parts = _partitions(counts.units)
    n = len(parts)
    valid = _validity(counts.x, counts.t, by, n)
    vf = valid.frame
    ok = np.isfinite(counts.x) & np.isfinite(counts.t) & (counts.t > 0)
    n_valid = np.bincount(by, weights=ok.astype(float), minlength=n).astype(int)
    n_clip = np.bincount(by, weights=counts.n_clipped.astype(float), minlength=n).astype(int)
    sources = data.sources(g.indicators)
    dropped = _negligible([(_two(counts.x, counts.t), counts.t)], by, n)
    x, t = dropped.apply(counts.x, counts.t)
    base_notes = []
    for k in range(n):
        parts_k = [_derivation_text(g)] if g.derived else []
        parts_k.append(_zero_note(data.level, int(vf["n_zero"][k]), g.counted))
        parts_k.append(_dropped_note(dropped, k, data.level, g.counted))
        if n_clip[k]:
            parts_k.append(f"{_unit_words(data.level, int(n_clip[k]))} met een groep groter dan "
                           "het totaal of kleiner dan nul (afronding CBS), begrensd")
        if n_valid[k] == 1:
            parts_k.append(f"maar één {data.level} met cijfers: de index zegt dan niets")
        base_notes.append(parts_k)
    frames = []
    for idx in indices:
        values = _per_partition(_TWO_GROUP_FUNCS[idx](x, t, by=by), n)
        notes = [
            _join_notes(base_notes[k] + ([] if np.isfinite(values[k]) else [
                _nan_note(valid, idx, k, data.level,
                          _too_many_text(dropped, k, g.counted))]))
            for k in range(n)]
        frames.append(pd.DataFrame({
            "gemeente_code": parts["gemeente_code"], "year": parts["year"], "group": g.id,
            "group_label": g.label, "index": idx, "value": values,
            "n_units": vf["n_units"], "n_zero": vf["n_zero"],
            "n_suppressed": vf["n_suppressed"], "note": notes}))
    out = pd.concat(frames, ignore_index=True)
    out["source"] = _source_column(out, sources)
    return out


def _source_column(rows: pd.DataFrame, sources: pd.Series) -> list[str]:
    lookup = sources.to_dict() if not sources.empty else {}
    return [lookup.get((gm, int(y)), "") for gm, y in zip(rows["gemeente_code"], rows["year"],
                                                          strict=True)]


def _family_counts(data: _Data, family: str, groups: Sequence[GroupDef]
                   ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray] | None:
    """Units, the (n_units × n_groups) counts of a multigroup family and the unit totals, on
    the partitions where every group exists."""
    members = [g for g in groups if g.family == family]
    full = [g for g in GROUPS if g.family == family]
    if [g.id for g in members] != [g.id for g in full]:
        return None
    key = ("family", family)
    if key not in data.cache:
        data.cache[key] = _make_family_counts(data, full)
    found: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = data.cache[key]
    return found


def _make_family_counts(data: _Data, full: Sequence[GroupDef]
                        ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray] | None:
    keys = ["gemeente_code", "year", "code"]
    frames = []
    for g in full:
        c = _group_counts(data, g)
        frames.append(c.units[keys].assign(**{g.id: c.x}).set_index(keys))
    frames.append(c.units[keys].assign(_total=c.t).set_index(keys))
    joined = pd.concat(frames, axis=1, join="inner")
    if joined.empty:
        return None
    joined = joined.reset_index()
    names = data.values(full[0].indicators).set_index(keys)["name"]
    joined.insert(3, "name", names.reindex(pd.MultiIndex.from_frame(joined[keys])).to_numpy())
    return (joined[[*keys, "name"]], joined[[g.id for g in full]].to_numpy(dtype=float),
            joined["_total"].to_numpy(dtype=float))


def _multigroup_rows(data: _Data, family: Family, groups: Sequence[GroupDef]) -> pd.DataFrame:
    got = _family_counts(data, family.id, groups)
    if got is None:
        return pd.DataFrame(columns=list(INDEX_COLUMNS))
    units, counts, totals = got
    by, parts = _partitions(units)
    n = len(parts)
    rowsum = np.where(np.all(np.isfinite(counts), axis=1), counts.sum(axis=1), np.nan)
    valid = _validity(counts, None, by, n)
    dropped = _negligible([(counts, totals)], by, n)
    (kept,) = dropped.apply(counts)
    vf = valid.frame
    ok = np.isfinite(rowsum) & (rowsum > 0)
    n_valid = np.bincount(by, weights=ok.astype(float), minlength=n).astype(int)
    members = [g for g in GROUPS if g.family == family.id]
    counted = members[0].counted
    base = [f"{len(members)} groepen: " + ", ".join(g.label for g in members)]
    if any(g.derived for g in members):
        base.append("deels afgeleide aantallen (zie de groepen)")
    frames = []
    for idx in _MULTI:
        values = _per_partition(_MULTI_FUNCS[idx](kept, by=by), n)
        notes = []
        for k in range(n):
            parts_k = [*base, _zero_note(data.level, int(vf["n_zero"][k]), counted),
                       _dropped_note(dropped, k, data.level, counted)]
            if n_valid[k] == 1:
                parts_k.append(f"maar één {data.level} met cijfers: de index zegt dan niets")
            if not np.isfinite(values[k]):
                parts_k.append(_nan_note(valid, idx, k, data.level,
                                         _too_many_text(dropped, k, counted)))
            notes.append(_join_notes(parts_k))
        frames.append(pd.DataFrame({
            "gemeente_code": parts["gemeente_code"], "year": parts["year"], "group": family.id,
            "group_label": family.label, "index": idx, "value": values,
            "n_units": vf["n_units"], "n_zero": vf["n_zero"],
            "n_suppressed": vf["n_suppressed"], "note": notes}))
    out = pd.concat(frames, ignore_index=True)
    inds = [i for g in members for i in g.indicators]
    out["source"] = _source_column(out, data.sources(inds))
    return out


def _order_key(group: str) -> float:
    """Sort key: groups in :data:`GROUPS` order, a family right after its last group."""
    if group in _GROUP_ORDER:
        return float(_GROUP_ORDER[group])
    return max(_GROUP_ORDER[g.id] for g in GROUPS if g.family == group) + 0.5


def _finish_index_table(data: _Data, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty(INDEX_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["gemeente_name"] = out["gemeente_code"].map(data.gemeente_names).fillna(
        out["gemeente_code"])
    out["level"] = data.level
    out["index_label"] = out["index"].map(lambda i: _INDEX_BY_ID[i].label)
    out["_g"] = out["group"].map(_order_key)
    out["_i"] = out["index"].map(_INDEX_ORDER)
    out = out.sort_values(["gemeente_code", "year", "_g", "_i"], kind="stable")
    out = out[list(INDEX_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year", "n_units", "n_zero", "n_suppressed"))


def _index_rows(data: _Data, groups: Sequence[GroupDef], *,
                indices: Sequence[str] | None = None) -> pd.DataFrame:
    """The long index table; ``indices`` restricts it to these two-group indices (and leaves
    the multigroup indices out)."""
    frames = [_two_group_rows(data, _group_counts(data, g), indices or _TWO_GROUP)
              for g in groups]
    if indices is None:
        frames += [_multigroup_rows(data, fam, groups) for fam in FAMILIES.values()
                   if fam.multigroup]
    return _finish_index_table(data, frames)


def segregation_table(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeenten: Sequence[str] | None = None,
    years: int | Iterable[int] | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """All indices for every gemeente × year × group in the database, as one long table.

    Each group is computed for all gemeenten and years at once: one call per index function
    with a partition id per unit (gemeente × year).

    Parameters
    ----------
    con
        Connection to the database (read-only is fine).
    gemeenten
        Gemeente names or codes (``"Den Haag"``, ``"GM0363"``); all gemeenten when ``None``.
    years
        A year or years; all years when ``None``.
    level
        ``"buurt"`` or ``"wijk"``: the units the indices are computed over.
    groups
        Group ids or family ids (:data:`GROUPS`, :data:`FAMILIES`); all when ``None``. The
        multigroup indices of a family are computed when all its groups are selected.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`: one row per gemeente × year × group × index (two-group
        indices per group; multigroup indices per family, with the family id in ``group``).
        ``value`` is NaN when the index cannot be computed (reason in ``note``); ``n_units``,
        ``n_zero`` and ``n_suppressed`` come from
        :func:`wijkanalyse.segregatie.indices.validity`; ``source`` is the citation.

    Raises
    ------
    WijkanalyseError
        Unknown level, group or gemeente.
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    codes = None if gemeenten is None else [resolve_gemeente(con, g)[0] for g in gemeenten]
    data = _load(con, level=lvl, gemeente_codes=codes, years=_check_years(years),
                 indicators=_indicators_of(chosen))
    return _index_rows(data, chosen)


# ------------------------------------------------------------------------------------------
