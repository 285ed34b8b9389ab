"""Segregatie: local figures per unit (:func:`local_table`): location quotient, local
entropy and the concentration flag."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.segregatie import indices as si
from wijkanalyse.segregatie.data import _Data, _empty, _group_counts, _indicators_of, _typed
from wijkanalyse.segregatie.groups import (
    _PLURAL,
    FAMILIES,
    GROUPS,
    LOCAL_COLUMNS,
    LQ_MIN_COUNT,
    LQ_THRESHOLD,
    GroupDef,
    _check_groups,
    _check_level,
)
from wijkanalyse.segregatie.load import _load, resolve_gemeente
from wijkanalyse.segregatie.tables import (
    _derivation_text,
    _family_counts,
    _join_notes,
    _negligible,
    _two,
    _unit_words,
)

# local figures


def _local_rows(data: _Data, gemeente_code: str, groups: Sequence[GroupDef],
                year: int | None) -> pd.DataFrame:
    frames = []
    for g in groups:
        c = _group_counts(data, g)
        mask = (c.units["gemeente_code"] == gemeente_code).to_numpy()
        if not mask.any():
            continue
        years = sorted(c.units.loc[mask, "year"].unique())
        y = year if year is not None else int(years[-1])
        sel = mask & (c.units["year"] == y).to_numpy()
        if not sel.any():
            continue
        units = c.units[sel].reset_index(drop=True)
        x, t, clipped = c.x[sel], c.t[sel], c.n_clipped[sel]
        lq, share_gm, ref_note = _lq(data, g, gemeente_code, y, x, t)
        flag = np.asarray(si.concentration_flag(lq, count=x, threshold=LQ_THRESHOLD,
                                                min_count=LQ_MIN_COUNT), dtype=bool)
        ent = _local_entropy_for(data, g, units, x, t)
        ok = np.isfinite(x) & np.isfinite(t) & (t > 0)
        share = np.where(ok, x / np.where(ok, t, 1.0) * 100, np.nan)
        notes = []
        for k in range(len(units)):
            parts = [_derivation_text(g)] if g.derived else []
            if not np.isfinite(x[k]) or not np.isfinite(t[k]):
                parts.append("geen cijfer (geheim of ontbrekend)")
            elif t[k] <= 0:
                parts.append(f"geen {g.counted}")
            elif clipped[k]:
                parts.append("groep begrensd op het totaal (afronding CBS)")
            if ref_note:
                parts.append(ref_note)
            notes.append(_join_notes(parts))
        src = data.sources(g.indicators).get((gemeente_code, y), "")
        frames.append(pd.DataFrame({
            "gemeente_code": gemeente_code, "year": y, "code": units["code"],
            "name": units["name"], "group": g.id, "group_label": g.label, "count": x,
            "total": t, "share": share, "share_gemeente": share_gm * 100, "lq": lq,
            "local_entropy": ent, "concentration": flag, "source": src, "note": notes}))
    if not frames:
        return _empty(LOCAL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["gemeente_name"] = data.gemeente_names.get(gemeente_code, gemeente_code)
    out["level"] = data.level
    from wijkanalyse.gebieden.subjects import display_name

    out["name"] = [display_name(n, code=c) for n, c in zip(out["name"], out["code"],
                                                          strict=True)]
    out = out[list(LOCAL_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year",), floats=("count", "total", "share", "share_gemeente",
                                               "lq", "local_entropy"))


def _lq(data: _Data, group: GroupDef, gemeente_code: str, year: int, x: np.ndarray,
        t: np.ndarray) -> tuple[np.ndarray, float, str]:
    """Location quotients of one gemeente-year, the reference share (0–1) and a note.

    The reference is the group's share over the units; when some units are suppressed that
    share would be incomplete, so the gemeente's own CBS row is used instead (if it exists;
    otherwise every LQ is NaN, as :func:`segregation_indices.location_quotient` decides).
    """
    by = np.zeros(len(x), dtype=np.int64)
    dropped = _negligible([(_two(x, t), t)], by, 1)
    xk, tk = dropped.apply(x, t)
    suppressed = (~np.isfinite(xk) | ~np.isfinite(tk)) & ~(tk == 0)
    if not suppressed.any():
        ok = np.isfinite(xk) & np.isfinite(tk) & (tk > 0)
        t_sum = float(tk[ok].sum())
        share = float(xk[ok].sum()) / t_sum if t_sum > 0 else np.nan
        note = ""
        if dropped.n[0]:
            note = (f"aandeel in de gemeente berekend zonder "
                    f"{_unit_words(data.level, int(dropped.n[0]))} zonder cijfer (samen "
                    f"{nl_number(float(dropped.total[0]))} {group.counted})")
        return np.asarray(si.location_quotient(xk, tk), dtype=float), share, note
    ref = data.gemeente_share(group, gemeente_code, year)
    if np.isfinite(ref):
        lq = np.asarray(si.location_quotient(x, t, reference=ref), dtype=float)
        return lq, ref, ("aandeel in de gemeente uit het gemeentecijfer van CBS (niet alle "
                         f"{_PLURAL[data.level]} hebben een cijfer)")
    return (np.asarray(si.location_quotient(x, t), dtype=float), np.nan,
            f"geen locatiequotiënt: niet alle {_PLURAL[data.level]} hebben een cijfer en er is "
            "geen gemeentecijfer")


def _local_entropy_for(data: _Data, group: GroupDef, units: pd.DataFrame, x: np.ndarray,
                       t: np.ndarray) -> np.ndarray:
    """Local entropy of the composition the group belongs to: all groups of a multigroup
    family, else the group against the rest of its total."""
    family = FAMILIES[group.family]
    if family.multigroup:
        got = _family_counts(data, family.id, [g for g in GROUPS if g.family == family.id])
        if got is not None:
            fam_units, counts, _totals = got
            keys = ["gemeente_code", "year", "code"]
            pos = pd.MultiIndex.from_frame(fam_units[keys]).get_indexer(
                pd.MultiIndex.from_frame(units[keys]))
            rows = np.where(pos[:, None] >= 0, counts[np.maximum(pos, 0)], np.nan)
            return np.asarray(si.local_entropy(rows), dtype=float)
    return np.asarray(si.local_entropy(np.column_stack([x, t - x])), dtype=float)


def local_table(
    con: duckdb.DuckDBPyConnection,
    gemeente: str,
    *,
    year: int | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """Per unit of one gemeente: location quotient, local entropy and concentration flag.

    Parameters
    ----------
    con
        Connection to the database.
    gemeente
        Gemeente name or code.
    year
        The year; per group its most recent year with figures when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    groups
        Group or family ids; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOCAL_COLUMNS`, one row per unit × group. ``share`` is the group's share
        in the unit (%), ``share_gemeente`` over all units with figures; ``lq`` = share /
        share_gemeente; ``concentration`` is True when ``lq`` ≥ :data:`LQ_THRESHOLD` and the
        unit has at least :data:`LQ_MIN_COUNT` group members; ``local_entropy`` is the
        normalised entropy of the unit's composition (all groups of the family, or group
        versus the rest). Units without figures have NaN and a note.
    """
    lvl = _check_level(level)
    code, _name = resolve_gemeente(con, gemeente)
    chosen = _check_groups(groups)
    data = _load(con, level=lvl, gemeente_codes=[code], years=None,
                 indicators=_indicators_of(chosen))
    return _local_rows(data, code, chosen, None if year is None else int(year))


# ------------------------------------------------------------------------------------------
