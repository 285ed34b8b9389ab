"""Segregatie: the loaded observations of one level (:class:`_Data`, long and wide) and the
counts ``x`` and ``t`` per unit of a group, with the partition (gemeente × year) of each unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.segregatie.groups import GroupDef

# loading


@dataclass
class _Data:
    """The observations needed, for one level: long (one row per unit × year × indicator)."""

    level: str
    long: pd.DataFrame  # gemeente_code, year, code, name, indicator_id, value, source, source_id
    gemeente_names: dict[str, str]
    gemeente_rows: pd.DataFrame  # the gemeenten's own rows: code, year, indicator_id, value
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # derived tables, per instance
    #: the lineage table (issue 12): the change table puts the earlier year of each pair on
    #: the boundaries of the later year; ``None``: units matched on code only
    lineage: pd.DataFrame | None = None

    def only_year(self, year: int | None) -> _Data:
        """The same data restricted to one year (all years for ``None``)."""
        if year is None:
            return self
        return _Data(level=self.level, long=self.long[self.long["year"] == year],
                     gemeente_names=self.gemeente_names,
                     gemeente_rows=self.gemeente_rows[self.gemeente_rows["year"] == year])

    def gemeente_share(self, group: GroupDef, gemeente_code: str, year: int) -> float:
        """The group's share (0–1) from the gemeente's own CBS row; NaN when not there."""
        rows = self.gemeente_rows[(self.gemeente_rows["code"] == gemeente_code)
                                  & (self.gemeente_rows["year"] == year)]
        vals = dict(zip(rows["indicator_id"], rows["value"], strict=True))
        t = vals.get(group.total, np.nan)
        nums = [vals.get(i, np.nan) for i in group.numerator]
        if group.derivation == "aandeel":
            share = nums[0] / 100.0
        elif group.derivation == "rest":
            share = (t - sum(nums)) / t if t else np.nan
        else:
            share = nums[0] / t if t else np.nan
        share = float(share) if share is not None else np.nan
        return share if np.isfinite(share) and 0.0 <= share <= 1.0 else np.nan

    def _wide(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """All units once: keys and name, a value column per indicator, and whether the unit
        has a row (value or missing) for it. Cached."""
        if ("wide",) not in self.cache:
            keys = ["gemeente_code", "year", "code"]
            long = self.long
            idx = pd.MultiIndex.from_frame(long[keys])
            units, pos = np.unique(np.asarray(idx.codes).T, axis=0, return_inverse=True) \
                if len(long) else (np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int))
            pos = np.asarray(pos).reshape(-1)
            inds = sorted(long["indicator_id"].unique().tolist())
            col = pd.Index(inds).get_indexer(long["indicator_id"])
            vals = np.full((len(units), len(inds)), np.nan)
            has = np.zeros((len(units), len(inds)), dtype=bool)
            vals[pos, col] = long["value"].to_numpy(float)
            has[pos, col] = True
            first = np.zeros(len(units), dtype=np.int64)
            first[pos[::-1]] = np.arange(len(long))[::-1]
            head = long.iloc[first][[*keys, "name"]].reset_index(drop=True)
            order = np.lexsort((head["code"].to_numpy(), head["year"].to_numpy(),
                                head["gemeente_code"].to_numpy()))
            self.cache[("wide",)] = (
                head.iloc[order].reset_index(drop=True),
                pd.DataFrame(vals[order], columns=inds),
                pd.DataFrame(has[order], columns=inds))
        wide: tuple[Any, Any, Any] = self.cache[("wide",)]
        return wide

    def values(self, indicators: Sequence[str]) -> pd.DataFrame:
        """Units with a row for any of ``indicators``: gemeente_code, year, code, name and one
        value column per indicator (NaN where the value is missing or suppressed)."""
        head, vals, has = self._wide()
        wanted = list(dict.fromkeys(indicators))
        known = [i for i in wanted if i in has.columns]
        rows = has[known].any(axis=1).to_numpy() if known else np.zeros(len(head), dtype=bool)
        out = head[rows].reset_index(drop=True)
        for ind in wanted:
            out[ind] = (vals.loc[rows, ind].to_numpy() if ind in vals.columns
                        else np.full(int(rows.sum()), np.nan))
        return out

    def present(self, indicator: str) -> pd.DataFrame:
        """(gemeente_code, year) pairs with at least one row of ``indicator``."""
        key = ("present", indicator)
        if key not in self.cache:
            self.cache[key] = self._present(indicator)
        return self.cache[key]

    def _present(self, indicator: str) -> pd.DataFrame:
        sub = self.long[self.long["indicator_id"] == indicator]
        return sub[["gemeente_code", "year"]].drop_duplicates()

    def sources(self, indicators: Sequence[str]) -> pd.Series:
        """Citation labels per (gemeente_code, year), joined with ``"; "``."""
        key = ("sources", tuple(indicators))
        if key not in self.cache:
            self.cache[key] = self._sources(indicators)
        return self.cache[key]

    def _sources(self, indicators: Sequence[str]) -> pd.Series:
        sub = self.long[self.long["indicator_id"].isin(list(indicators))
                        & self.long["value"].notna()]
        if sub.empty:
            return pd.Series(dtype=object)
        # per (gemeente, year) the sorted distinct labels; "" where none is known (the same
        # as a groupby with a join per group, without a Python call per group)
        found: dict[tuple[Any, Any], set[str]] = {
            key: set() for key in zip(sub["gemeente_code"], sub["year"], strict=True)}
        named = sub[sub["source"].notna()]
        for gm, year, label in zip(named["gemeente_code"], named["year"], named["source"],
                                   strict=True):
            found[(gm, year)].add(str(label))
        keys = sorted(found)
        index = pd.MultiIndex.from_tuples(keys, names=["gemeente_code", "year"])
        return pd.Series(["; ".join(sorted(found[k])) for k in keys], index=index,
                         dtype=object, name="source")


def _indicators_of(groups: Sequence[GroupDef]) -> set[str]:
    return {i for g in groups for i in g.indicators}


# ------------------------------------------------------------------------------------------
# counts per unit


@dataclass
class _Counts:
    """x and t of one group over all its units (all gemeenten × years where it exists)."""

    group: GroupDef
    units: pd.DataFrame  # gemeente_code, year, code, name
    x: np.ndarray
    t: np.ndarray
    n_clipped: np.ndarray  # bool per unit: x was outside [0, t] and clipped (CBS rounding)


def _group_counts(data: _Data, group: GroupDef) -> _Counts:
    """x and t per unit of the partitions where every numerator indicator has rows."""
    key = ("counts", group.id)
    if key not in data.cache:
        data.cache[key] = _make_group_counts(data, group)
    counts: _Counts = data.cache[key]
    return counts


def _make_group_counts(data: _Data, group: GroupDef) -> _Counts:
    wide = data.values(group.indicators)
    keep = None
    for ind in group.numerator:
        pres = data.present(ind).assign(_ok=True)
        merged = wide[["gemeente_code", "year"]].merge(pres, how="left",
                                                       on=["gemeente_code", "year"])
        ok = merged["_ok"].fillna(False).to_numpy(dtype=bool)
        keep = ok if keep is None else keep & ok
    if keep is not None:
        wide = wide[keep].reset_index(drop=True)
    t = wide[group.total].to_numpy(dtype=float)
    nums = wide[list(group.numerator)].to_numpy(dtype=float)
    if group.derivation == "aantal":
        x = nums[:, 0]
    elif group.derivation == "aandeel":
        x = nums[:, 0] * t / 100.0
    elif group.derivation == "rest":
        x = t - nums.sum(axis=1)
    else:  # pragma: no cover - guarded by the GROUPS table
        raise ValueError(f"unknown derivation {group.derivation!r}")
    x = np.where(t == 0, 0.0, x)  # a unit without population has nobody in any group
    finite = np.isfinite(x) & np.isfinite(t)
    clipped = finite & ((x < 0) | (x > t))
    x = np.where(finite, np.clip(x, 0.0, np.where(np.isfinite(t), t, 0.0)), np.nan)
    x = np.where(np.isfinite(t), x, np.nan)
    return _Counts(group=group, units=wide[["gemeente_code", "year", "code", "name"]],
                   x=x, t=t, n_clipped=clipped)


def _partitions(units: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """A dense partition id per unit (gemeente × year) and the partitions in order."""
    idx = pd.MultiIndex.from_arrays([units["gemeente_code"], units["year"]])
    by, uniques = idx.factorize()
    parts = pd.DataFrame({"gemeente_code": uniques.get_level_values(0),
                          "year": uniques.get_level_values(1).astype("int64")})
    return np.asarray(by, dtype=np.int64), parts


# ------------------------------------------------------------------------------------------
def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _typed(df: pd.DataFrame, *, ints: Sequence[str] = (), floats: Sequence[str] = ()
           ) -> pd.DataFrame:
    out = df.copy()
    for c in ints:
        out[c] = pd.array(out[c], dtype="Int64") if out[c].isna().any() else out[c].astype(
            "int64")
    for c in floats:
        out[c] = out[c].astype("float64")
    return out
