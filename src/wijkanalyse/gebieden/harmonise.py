"""Harmonised series: figures of earlier years on the boundaries of one chosen year (issue 12).

Pure functions (DataFrames in, DataFrame out) over the lineage table of
:mod:`wijkanalyse.gebieden.lineage`:

* :func:`chains` composes the links of consecutive years into one weight per (year, code) →
  code of the target year (the product of the weights along the way; an unresolved link
  loses that share, which makes the targets it feeds incomplete);
* :func:`harmonise` moves the figures: counts with the weights; rates, means and scores from
  moved numerators and denominators — a catalogue rate with a ``numerator`` count is
  recomputed as moved numerator / moved base, a published rate without one is weighted by
  its base count moved alongside — never a plain average. A target that depends on an
  ``onzeker`` link is marked, and a target whose parts lack a value gets none.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.codes import gemeente_code_of

#: A chain that brings less than this share of a source region to the target year lost part
#: of it on the way (an unresolved link): the targets it feeds are incomplete.
COMPLETE = 0.99
#: Contributions smaller than this are dropped (products of sliver weights).
MIN_WEIGHT = 1e-6

HARMONISED_COLUMNS = ["indicator_id", "year", "code", "value", "onzeker", "complete",
                      "n_parts", "moved"]


def chains(lineage: pd.DataFrame, *, target_year: int) -> pd.DataFrame:
    """Per source region of a year before ``target_year``: its share in each region of
    ``target_year``.

    Parameters
    ----------
    lineage
        The lineage table (:data:`wijkanalyse.gebieden.lineage.LINEAGE_COLUMNS`).
    target_year
        The year whose boundaries the figures are put on.

    Returns
    -------
    pandas.DataFrame
        ``year, code, target_code, weight, onzeker, zeker, complete``: ``onzeker`` when a
        link on the way is uncertain, ``zeker`` when every link is certain, ``complete`` when
        the whole source arrives (its chain's weights sum to 1; an unresolved link or a
        region whose gemeente no later year covers loses it).
    """
    links = lineage[["source_year", "source_code", "target_year", "target_code", "weight",
                     "certainty"]].copy()
    links = links[links["source_year"] < target_year]
    links["weight"] = links["weight"].astype(float).fillna(0.0)
    links["unsure"] = links["certainty"].eq("onzeker")
    links["sure"] = links["certainty"].eq("zeker")
    start = links[["source_year", "source_code"]].drop_duplicates()
    cur = pd.DataFrame({"year": start["source_year"].to_numpy(),
                        "code": start["source_code"].to_numpy(),
                        "at_year": start["source_year"].to_numpy(),
                        "at_code": start["source_code"].to_numpy(),
                        "weight": 1.0, "onzeker": False, "zeker": True})
    done = []
    for _ in range(64):
        if cur.empty:
            break
        step = cur.merge(links, left_on=["at_year", "at_code"],
                         right_on=["source_year", "source_code"], how="inner")
        step = step[step["target_code"].notna() & (step["target_year"] <= target_year)]
        cur = pd.DataFrame({"year": step["year"].to_numpy(), "code": step["code"].to_numpy(),
                            "at_year": step["target_year"].to_numpy(),
                            "at_code": step["target_code"].to_numpy(),
                            "weight": (step["weight_x"] * step["weight_y"]).to_numpy(),
                            "onzeker": (step["onzeker"] | step["unsure"]).to_numpy(),
                            "zeker": (step["zeker"] & step["sure"]).to_numpy()})
        cur = cur[cur["weight"] > MIN_WEIGHT]
        arrived = cur["at_year"] == target_year
        done.append(cur[arrived])
        cur = cur[~arrived]
    if not done:
        return pd.DataFrame(columns=["year", "code", "target_code", "weight", "onzeker",
                                     "zeker", "complete"])
    out = pd.concat(done, ignore_index=True).rename(columns={"at_code": "target_code"})
    out = (out.groupby(["year", "code", "target_code"], sort=True)
              .agg(weight=("weight", "sum"), onzeker=("onzeker", "any"),
                   zeker=("zeker", "all")).reset_index())
    total = out.groupby(["year", "code"])["weight"].transform("sum")
    out["complete"] = total >= COMPLETE
    # every source region of a year, also the ones that arrive nowhere (their targets are
    # incomplete only through them: they are kept with no target)
    lost = start.rename(columns={"source_year": "year", "source_code": "code"})
    lost = lost.merge(out[["year", "code"]].drop_duplicates(), how="left", indicator=True)
    lost = lost[lost["_merge"] == "left_only"].drop(columns="_merge")
    if not lost.empty:
        lost = lost.assign(target_code=None, weight=0.0, onzeker=False, zeker=False,
                           complete=False)
        out = pd.concat([out, lost], ignore_index=True)
    return out


def harmonise(values: pd.DataFrame, lineage: pd.DataFrame, *, target_year: int,
              catalogue: Catalogue, indicators: Iterable[str] | None = None,
              chain_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures of every year on the boundaries of ``target_year``.

    Parameters
    ----------
    values
        ``indicator_id, year, code, value`` (``NaN`` = missing). Rates and means need their
        catalogue ``base`` (and, where the catalogue has one, their ``numerator``) in the same
        frame for the same codes and years.
    lineage
        The lineage table.
    target_year
        The year whose boundaries the figures are put on; its own figures are kept as they are.
    catalogue
        Says per indicator whether it is a count, and its base and numerator.
    indicators
        The indicators to return (default: all in ``values`` that can be moved).
    chain_table
        :func:`chains` of ``lineage`` for ``target_year``, when the caller has it already.

    Returns
    -------
    pandas.DataFrame
        :data:`HARMONISED_COLUMNS`: ``onzeker`` when a part came through an uncertain link,
        ``complete`` False when a part of the target is missing in that year's lineage (the
        value is then left out: ``NaN``), ``n_parts`` source regions, ``moved`` False for the
        target year's own figures and for figures of the same code with weight 1.
    """
    ch = chain_table if chain_table is not None else chains(lineage, target_year=target_year)
    v = values[["indicator_id", "year", "code", "value"]].copy()
    v["value"] = v["value"].astype(float)
    wanted = list(dict.fromkeys(indicators if indicators is not None
                                else v["indicator_id"].unique()))
    own = v[(v["year"] == target_year) & v["indicator_id"].isin(wanted)]
    out = [own.assign(onzeker=False, complete=True, n_parts=1, moved=False)]
    early = v[v["year"] < target_year]
    if not early.empty and not ch.empty:
        pivot = early.pivot_table(index=["year", "code"], columns="indicator_id",
                                  values="value", aggfunc="first", dropna=False)
        # the chain of every source region of the years with figures
        parts = ch[ch["year"].isin(pivot.index.get_level_values("year").unique())]
        incomplete = parts.loc[~parts["complete"], ["year", "code"]]
        parts = parts[parts["target_code"].notna()]
        # a target is incomplete when one of its parts does not arrive whole
        bad = parts.merge(incomplete.drop_duplicates(), on=["year", "code"])
        bad_targets = set(zip(bad["year"], bad["target_code"], strict=True))
        bad_gemeenten = _lost_gemeenten(ch, incomplete)
        joined = parts.merge(pivot.reset_index(), on=["year", "code"], how="left")
        keys = ["year", "target_code"]
        grouped = joined.groupby(keys, sort=True)
        meta = pd.DataFrame({"onzeker": grouped["onzeker"].any(),
                             "n_parts": grouped["code"].count(),
                             "first": grouped["code"].first(),
                             "w1": grouped["weight"].first(),
                             "sure": grouped["zeker"].all()})
        meta["same"] = ((meta["n_parts"] == 1)
                        & (meta["first"] == meta.index.get_level_values("target_code"))
                        & ((meta["w1"] - 1.0).abs() < 1e-9))
        # one whole region through certain links only: the same area, never missing a part
        meta["whole"] = (meta["n_parts"] == 1) & ((meta["w1"] - 1.0).abs() < 1e-9) \
            & meta["sure"]
        meta = meta.drop(columns=["first", "w1", "sure"])
        w = joined["weight"].to_numpy()
        groups = _Groups(joined, keys)
        # per target, the same for every indicator (meta, groups and the moved values share
        # one sorted index)
        tgt = meta.reset_index()
        t_year = tgt["year"].to_numpy()
        t_code = tgt["target_code"].to_numpy()
        whole = tgt["whole"].to_numpy(dtype=bool)
        near_lost = np.array([(y, gemeente_code_of(c), c[:2]) in bad_gemeenten
                              for y, c in zip(t_year, t_code, strict=True)], dtype=bool)
        # next to a lost region: one whole region through certain links keeps its value
        # (marked: it may have taken in part of the lost one), anything else has none
        complete = np.array([(y, c) not in bad_targets
                             for y, c in zip(t_year, t_code, strict=True)], dtype=bool) \
            & (~near_lost | whole)
        onzeker = tgt["onzeker"].to_numpy(dtype=bool) | (near_lost & whole)
        n_parts = tgt["n_parts"].to_numpy()
        moved_flag = ~tgt["same"].to_numpy(dtype=bool)
        cols: dict[str, list[np.ndarray]] = {k: [] for k in HARMONISED_COLUMNS}
        for ind in wanted:
            if ind not in pivot.columns:
                continue
            moved = _move(ind, joined, w, groups, catalogue, pivot.columns)
            if moved is None:
                continue
            sel = _present(joined[ind].to_numpy(dtype=float), w, groups)
            value = np.where(complete, moved, np.nan)
            cols["indicator_id"].append(np.full(int(sel.sum()), ind, dtype=object))
            for name, arr in (("year", t_year), ("code", t_code), ("value", value),
                              ("onzeker", onzeker), ("complete", complete),
                              ("n_parts", n_parts), ("moved", moved_flag)):
                cols[name].append(arr[sel])
        if cols["year"]:
            out.append(pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()}))
    result = pd.concat(out, ignore_index=True)
    result["year"] = result["year"].astype(int)
    return result[HARMONISED_COLUMNS].sort_values(["indicator_id", "code", "year"]) \
        .reset_index(drop=True)


class _Groups:
    """The targets of ``joined`` (grouped by ``keys``, sorted) once, for the sums of every
    indicator: a group id and the rank within the group per row (numpy, no groupby per
    indicator)."""

    def __init__(self, joined: pd.DataFrame, keys: list[str]) -> None:
        g = joined.groupby(keys, sort=True)
        self.ids = g.ngroup().to_numpy()
        self.index = g.size().index
        self.rank = g.cumcount().to_numpy()
        self.ok = self.ids >= 0
        self.n = len(self.index)
        self.rows_by_rank = [np.flatnonzero(self.ok & (self.rank == k))
                             for k in range(int(self.rank.max()) + 1 if len(self.rank) else 0)]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per group the number of rows where ``mask`` holds."""
        return np.bincount(self.ids[self.ok & mask], minlength=self.n)


def _wsum(x: np.ndarray, w: np.ndarray, groups: _Groups) -> pd.Series:
    """Σ w·x per target; NaN when a part with weight lacks x (:func:`_sums` as a Series)."""
    return pd.Series(_sums(x, w, groups), index=groups.index)


def _sums(x: np.ndarray, w: np.ndarray, groups: _Groups) -> np.ndarray:
    """Σ w·x per target (in the order of ``groups.index``); NaN when a part with weight
    lacks x.

    Summed in row order with the compensated (Kahan) sum pandas' groupby ``sum`` uses, so the
    figures are the same to the last bit."""
    wx = w * x
    total = np.zeros(groups.n)
    comp = np.zeros(groups.n)
    for rows in groups.rows_by_rank:  # at most one row of each group per rank
        val = wx[rows]
        keep = ~np.isnan(val)
        rows, val = rows[keep], val[keep]
        lab = groups.ids[rows]
        y = val - comp[lab]
        t = total[lab] + y
        comp[lab] = t - total[lab] - y
        total[lab] = t
    total[groups.count(~np.isnan(wx)) == 0] = np.nan
    total[groups.count(np.isnan(x) & (w > 0)) > 0] = np.nan
    return total


def _lost_gemeenten(ch: pd.DataFrame, incomplete: pd.DataFrame
                    ) -> set[tuple[int, str, str]]:
    """(year, gemeente of the target year, level prefix) in which a wijk or buurt of that year
    was lost on the way: the wijken (buurten) there may miss a part (a buurt that arrives
    nowhere cannot say where it should have gone, only in which gemeente it lay)."""
    lost = incomplete[~incomplete["code"].str.startswith("GM")]
    if lost.empty:
        return set()
    gm = pd.DataFrame({"year": lost["year"].to_numpy(),
                       "code": [gemeente_code_of(c) for c in lost["code"]],
                       "prefix": lost["code"].str[:2].to_numpy()}).drop_duplicates()
    out = set(zip(gm["year"], gm["code"], gm["prefix"], strict=True))
    moved = ch.merge(gm, on=["year", "code"])
    moved = moved[moved["target_code"].notna()]
    out |= set(zip(moved["year"], moved["target_code"], moved["prefix"], strict=True))
    return {(int(y), str(c), str(p)) for y, c, p in out}


def _present(x: np.ndarray, w: np.ndarray, groups: _Groups) -> np.ndarray:
    """Per target: whether any part has a value (targets without any are left out)."""
    return groups.count(~np.isnan(x) & (w > 0)) > 0


def _move(ind: str, joined: pd.DataFrame, w: np.ndarray, groups: _Groups,
          catalogue: Catalogue, available: pd.Index) -> np.ndarray | None:
    """The moved values of ``ind`` per target (in the order of ``groups.index``)."""
    try:
        meta = catalogue[ind]
    except KeyError:
        return None
    x = joined[ind].to_numpy(dtype=float)
    if meta.aggregation == "sum":
        return _sums(x, w, groups)
    if meta.aggregation != "weighted" or not meta.base or meta.base not in available:
        return None
    base = joined[meta.base].to_numpy(dtype=float)
    den = _sums(base, w, groups)
    den = np.where(den > 0, den, np.nan)
    num_id = meta.numerator
    if num_id and num_id in available:
        num_x = joined[num_id].to_numpy(dtype=float)
        # the computed share from moved counts where the part has its numerator, else the
        # published rate weighted by its base
        parts = np.where(np.isnan(num_x), x * base / (meta.share_factor() or 1.0), num_x)
        share: np.ndarray = _sums(parts, w, groups) / den * (meta.share_factor() or 1.0)
        return share
    mean: np.ndarray = _sums(x * base, w, groups) / den
    return mean


def move_counts(frame: pd.DataFrame, chain_table: pd.DataFrame, columns: list[str], *,
                year: int) -> pd.DataFrame:
    """Counts of the regions of ``year`` moved onto the target year of ``chain_table``.

    Parameters
    ----------
    frame
        ``code`` and the count ``columns`` of the regions of ``year``.
    chain_table
        :func:`chains` for the target year.
    columns
        Count columns to move (summed with the weights; a part without a value makes the
        target's value missing).
    year
        The year of ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``code`` (of the target year), the moved ``columns``, ``onzeker``; targets that miss a
        part (as in :func:`harmonise`) have missing values.
    """
    ch = chain_table[chain_table["year"] == year]
    if ch.empty or frame.empty:
        return pd.DataFrame(columns=["code", *columns, "onzeker"])
    incomplete = ch.loc[~ch["complete"], ["year", "code"]]
    parts = ch[ch["target_code"].notna()]
    bad = set(parts.merge(incomplete.drop_duplicates(), on=["year", "code"])["target_code"])
    lost = _lost_gemeenten(ch, incomplete)
    joined = parts.merge(frame[["code", *columns]], on="code", how="inner")
    if joined.empty:
        return pd.DataFrame(columns=["code", *columns, "onzeker"])
    joined = joined.assign(year=year)
    w = joined["weight"].to_numpy()
    keys = ["year", "target_code"]
    g = joined.groupby(keys, sort=True)
    groups = _Groups(joined, keys)
    out = pd.DataFrame({"onzeker": g["onzeker"].any(), "n": g["code"].count(),
                        "first": g["code"].first(), "w1": g["weight"].first(),
                        "sure": g["zeker"].all()})
    for col in columns:
        out[col] = _wsum(joined[col].to_numpy(dtype=float), w, groups)
    out = out.reset_index()
    whole = (out["n"] == 1) & ((out["w1"] - 1.0).abs() < 1e-9) & out["sure"]
    near = np.array([(year, gemeente_code_of(c), c[:2]) in lost for c in out["target_code"]],
                    dtype=bool)
    missing = out["target_code"].isin(bad).to_numpy() | (near & ~whole.to_numpy())
    out.loc[missing, columns] = np.nan
    out["onzeker"] = out["onzeker"] | (near & whole)
    return out.rename(columns={"target_code": "code"})[["code", *columns, "onzeker"]]
