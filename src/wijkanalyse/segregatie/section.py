"""Segregatie: the figures of one neighbourhood for the wijkprofiel
(:func:`profile_section`).

The section has a part that depends only on the gemeente and level (per group the units'
counts and location quotients, the indices D and H, the housing mix and its spread:
:func:`gemeente_part`) and a part that depends on the subject's members. ``data build``
computes the gemeente part of every gemeente at both levels at once
(:func:`gemeente_parts`) and stores it (``segregatie_gemeente``); a profile reads its
gemeente's part and computes it only when the database has none (built before it, or a
``year`` other than the latest).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.model import Subject
from wijkanalyse.segregatie import indices as si
from wijkanalyse.segregatie.data import _Data, _group_counts, _indicators_of
from wijkanalyse.segregatie.groups import (
    _PLURAL,
    _TENURE_ALL,
    CORPORATIEBUURT_THRESHOLD,
    GROUPS,
    LEVELS,
    LQ_MIN_COUNT,
    LQ_THRESHOLD,
    PROFILE_GROUPS,
)
from wijkanalyse.segregatie.housing import _housing_rows, _tenure_entropy, housing_spread
from wijkanalyse.segregatie.load import (
    _gemeente_tenure,
    _load,
    _stored_gemeente_part,
    _stored_gemeente_parts,
    _tenure_availability,
    _write_gemeente_parts,
)
from wijkanalyse.segregatie.local import _lq
from wijkanalyse.segregatie.render import _float, _fmt3, _fmt_pct, source_caption
from wijkanalyse.segregatie.tables import _index_rows

_TENURE_COLS = ("share_corporation", "share_private_rental", "share_owner_occupied",
                "share_unknown")
_SPREAD_KEYS = ("corporation_min", "corporation_q1", "corporation_median", "corporation_q3",
                "corporation_max", "gemeente_corporation")

# the gemeente part


def _floats(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=float)]


class _Lookup:
    """Per group the positions of each gemeente's units, and the D/H indices by key: the
    masks of one gemeente over data of many gemeenten without scanning them for each."""

    def __init__(self, data: _Data, indices: pd.DataFrame) -> None:
        self.data = data
        self.positions: dict[str, dict[str, np.ndarray]] = {}
        self.index: dict[tuple[str, str, str, int], tuple[float, str]] = {}
        for gm, grp, idx, y, v, src in zip(indices["gemeente_code"], indices["group"],
                                           indices["index"], indices["year"],
                                           indices["value"], indices["source"], strict=True):
            self.index.setdefault((str(gm), str(grp), str(idx), int(y)), (float(v), str(src)))

    def units_of(self, group_id: str, gm: str) -> np.ndarray | None:
        if group_id not in self.positions:
            c = _group_counts(self.data, next(g for g in GROUPS if g.id == group_id))
            self.positions[group_id] = {
                str(k): np.asarray(v, dtype=np.int64)
                for k, v in c.units.groupby("gemeente_code", sort=False).indices.items()}
        return self.positions[group_id].get(gm)


def _part(lookup: _Lookup, gm: str, housing_data: _Data, year: int | None,
          con: duckdb.DuckDBPyConnection, availability: dict[str, str]) -> dict[str, Any]:
    """The gemeente part of the section (JSON-able; see :func:`gemeente_part`)."""
    data = lookup.data
    groups: list[dict[str, Any]] = []
    for g in PROFILE_GROUPS:
        if g.family == "woningvoorraad":
            continue
        c = _group_counts(data, g)
        pos = lookup.units_of(g.id, gm)
        if pos is None or not len(pos):
            continue
        years = c.units["year"].to_numpy()[pos]
        ys = sorted(np.unique(years))
        y = int(year) if year is not None else int(ys[-1])
        sel = pos[years == y]
        if not len(sel):
            continue
        x, t = c.x[sel], c.t[sel]
        codes = c.units["code"].to_numpy()[sel]
        lq_units, ref, _ref_note = _lq(data, g, gm, y, x, t)
        indices = {idx: lookup.index.get((gm, g.id, idx, y)) for idx in ("D", "H")}
        groups.append({"group": g.id, "year": y, "codes": [str(s) for s in codes],
                       "x": _floats(x), "t": _floats(t), "lq": _floats(lq_units),
                       "share_gemeente": float(ref * 100),
                       "indices": {k: (list(v) if v is not None else None)
                                   for k, v in indices.items()}})
    part: dict[str, Any] = {"groups": groups, "tenure": None, "tenure_availability": None}
    mix = _housing_rows(housing_data, gm, year)
    if not mix.empty:
        y = int(mix["year"].max()) if year is None else int(year)
        latest = mix[mix["year"] == y]
        spread = housing_spread(latest, gemeente_shares=_gemeente_tenure(con, gm))
        s = spread.iloc[0]
        part["tenure"] = {
            "year": y, "code": [str(v) for v in latest["code"]],
            "dwellings": _floats(latest["dwellings"].to_numpy(float)),
            **{col: _floats(latest[col].to_numpy(float)) for col in _TENURE_COLS},
            "spread": {k: _float(s[k]) for k in _SPREAD_KEYS},
            "n_with_data": int(s["n_with_data"]),
            "n_corporatiebuurten": int(s["n_corporatiebuurten"]), "source": str(s["source"])}
    else:
        if data.level not in availability:
            availability[data.level] = _tenure_availability(con, data.level)
        part["tenure_availability"] = availability[data.level]
    return part


def _load_level(con: duckdb.DuckDBPyConnection, level: str,
                gemeente_codes: list[str] | None) -> tuple[_Data, pd.DataFrame]:
    data = _load(con, level=level, gemeente_codes=gemeente_codes, years=None,
                 indicators=_indicators_of(PROFILE_GROUPS) | set(_TENURE_ALL))
    return data, _index_rows(data, list(PROFILE_GROUPS), indices=("D", "H"))


def gemeente_part(con: duckdb.DuckDBPyConnection, gemeente_code: str, level: str, *,
                  year: int | None = None) -> dict[str, Any]:
    """What the section of every area of one gemeente shares, computed from the database.

    Returns
    -------
    dict
        ``groups`` (per group with units in the gemeente: ``group``, ``year``, the units'
        ``codes``, counts ``x`` and totals ``t``, location quotients ``lq``,
        ``share_gemeente`` in % and ``indices`` D and H as ``[value, source]`` or ``None``),
        ``tenure`` (the housing mix of the latest year and its spread, or ``None``) and
        ``tenure_availability`` (Dutch, when there is no mix). JSON-able.
    """
    data, indices = _load_level(con, level, [gemeente_code])
    return _part(_Lookup(data, indices), gemeente_code, data, year, con, {})


def gemeente_parts(con: duckdb.DuckDBPyConnection, level: str
                   ) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`gemeente_part` of every gemeente with units at ``level`` (latest years), from
    one load of all gemeenten: ``(gemeente code, part)`` in code order."""
    data, indices = _load_level(con, level, None)
    lookup = _Lookup(data, indices)
    long = data.long
    # the housing mix reads only the tenure rows: a gemeente's own slice of them
    tenure = long[long["indicator_id"].isin(list(_TENURE_ALL))]
    slices = tenure.groupby("gemeente_code", sort=True).indices
    availability: dict[str, str] = {}
    for gm in sorted(long["gemeente_code"].unique()):
        rows = slices.get(gm, np.zeros(0, dtype=np.int64))
        one = _Data(level=data.level, long=tenure.iloc[rows],
                    gemeente_names=data.gemeente_names, gemeente_rows=data.gemeente_rows)
        yield str(gm), _part(lookup, str(gm), one, None, con, availability)


def encode_part(part: dict[str, Any]) -> str:
    """A gemeente part as stored (JSON; floats round-trip exactly, NaN kept)."""
    return json.dumps(part, ensure_ascii=False, separators=(",", ":"))


# the wijkprofiel section


def profile_section(con: duckdb.DuckDBPyConnection, subject: Subject, *,
                    year: int | None = None, cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The segregation figures of one neighbourhood for the wijkprofiel, as plain data.

    Parameters
    ----------
    con
        Connection to the database.
    subject
        The profile's subject; a buurt, wijk or gebied (a set of buurten or wijken is taken
        together: summed counts). For a gemeente only the gemeente's indices are given.
    year
        The year; per group its latest year with figures when ``None``.
    cache
        A dict kept between calls on one connection (many profiles): the gemeente's part is
        then read (or computed) once per gemeente, level and year.

    Returns
    -------
    dict
        ``title``, ``subject_name``, ``gemeente_name``, ``level``; ``groups``: a list of dicts
        (``group``, ``label``, ``year``, ``share``, ``share_gemeente``, ``lq``,
        ``concentration``, ``D``, ``H`` and ``*_text`` forms in Dutch notation); ``tenure``:
        the area's tenure shares next to the gemeente's spread of the corporation share, or
        ``None``; ``caption`` ("Bron: ..."), ``sources`` and ``notes`` (Dutch). JSON-able.
    """
    level = subject.level if subject.level in LEVELS else "wijk"
    gm = subject.gemeente_code
    out: dict[str, Any] = {
        "title": "Segregatie en menging", "subject_name": subject.name,
        "gemeente_name": subject.gemeente_name, "level": level, "groups": [], "tenure": None,
        "sources": [], "caption": "", "notes": [],
        "explanation": (f"LQ (locatiequotiënt) = aandeel van de groep in {subject.name} ÷ "
                        f"aandeel in de gemeente; vanaf {nl_number(LQ_THRESHOLD, decimals=1)} "
                        "(en minstens "
                        f"{int(LQ_MIN_COUNT)} groepsleden) heet dat een concentratie. D en H: "
                        f"segregatie van de groep over alle {_PLURAL[level]} van de gemeente "
                        "(0 = gelijk gespreid, 1 = volledig gescheiden)."),
    }
    if gm is None:
        out["notes"].append("Het gebied ligt in meer gemeenten of in geen gemeente: geen "
                            "segregatiecijfers.")
        return out
    key = (gm, level, year)
    if cache is not None and key in cache:
        part: dict[str, Any] = cache[key]
    else:
        stored = None
        if year is None and cache is not None:
            # many profiles: every stored part of the level is read in one query
            if ("stored", level) not in cache:
                cache[("stored", level)] = _stored_gemeente_parts(con, level)
            stored = cache[("stored", level)].get(gm)
        elif year is None:
            stored = _stored_gemeente_part(con, level, gm)
        part = json.loads(stored) if stored is not None else gemeente_part(
            con, gm, level, year=year)
        if cache is not None:
            cache[key] = part
    members = set(subject.members) if subject.kind != "gemeente" else set()
    sources: list[str] = []
    labels = {g.id: g for g in GROUPS}
    for grp in part["groups"]:
        g = labels[grp["group"]]
        y = int(grp["year"])
        x, t = np.asarray(grp["x"], dtype=float), np.asarray(grp["t"], dtype=float)
        codes = np.asarray(grp["codes"], dtype=object)
        lq_units = np.asarray(grp["lq"], dtype=float)
        share_gm = float(grp["share_gemeente"])
        row: dict[str, Any] = {"group": g.id, "label": g.label, "year": y,
                               "derived": g.derived}
        share = lq = np.nan
        flag = False
        inside = np.isin(codes, list(members))
        known = np.isfinite(x) & np.isfinite(t)  # a member without inhabitants is fine
        t_area = float(t[inside & known].sum())
        if inside.any() and known[inside].all() and t_area > 0:
            x_area = float(x[inside].sum())
            share = x_area / t_area * 100
            lq = (float(lq_units[inside][0]) if inside.sum() == 1
                  else share / share_gm if share_gm > 0 else np.nan)
            flag = bool(np.asarray(si.concentration_flag(
                np.array([lq]), count=np.array([x_area]), threshold=LQ_THRESHOLD,
                min_count=LQ_MIN_COUNT), dtype=bool)[0])
        elif inside.any():
            out["notes"].append(f"{g.label} {y}: geen cijfer voor {subject.name} (geheim of "
                                "ontbrekend).")
        row.update(share=_float(share), lq=_float(lq), concentration=flag,
                   share_text=_fmt_pct(share),
                   lq_text=nl_number(lq, decimals=2) if np.isfinite(lq) else "–")
        row.update(share_gemeente=_float(share_gm), share_gemeente_text=_fmt_pct(share_gm))
        for idx in ("D", "H"):
            hit = grp["indices"][idx]
            v = float(hit[0]) if hit is not None else np.nan
            row[idx] = _float(v)
            row[f"{idx}_text"] = _fmt3(v)
            if hit is not None:
                sources.extend(s for s in str(hit[1]).split("; ") if s)
        out["groups"].append(row)
    ten = part["tenure"]
    if ten is not None:
        y = int(ten["year"])
        latest = pd.DataFrame({"code": ten["code"], "dwellings": ten["dwellings"],
                               **{c: ten[c] for c in _TENURE_COLS}})
        area = latest[latest["code"].isin(members)] if members else latest.iloc[0:0]
        tenure: dict[str, Any] = {"year": y, "area": None}
        cols = _TENURE_COLS
        if len(area) and area[list(cols)].notna().all().all():
            # one unit: its shares; several: weighted by their dwellings
            w = np.nan_to_num(area["dwellings"].to_numpy(float))
            weights = w if w.sum() > 0 else None
            shares = {c: float(np.average(area[c].to_numpy(float), weights=weights))
                      for c in cols}
            div = float(_tenure_entropy(np.array([[shares[c] for c in cols[:3]]]))[0])
            tenure["area"] = {
                **shares, **{f"{k}_text": _fmt_pct(v) for k, v in shares.items()},
                "tenure_diversity": _float(div),
                "tenure_diversity_text": nl_number(div, decimals=2) if np.isfinite(div) else "–",
                "corporatiebuurt": shares["share_corporation"] > CORPORATIEBUURT_THRESHOLD}
        elif members:
            out["notes"].append(f"Geen cijfers over eigendom van woningen voor "
                                f"{subject.name} in {y}.")
        tenure["spread"] = dict(ten["spread"])
        tenure["spread_text"] = {k: _fmt_pct(v) for k, v in tenure["spread"].items()}
        tenure["n_units"] = int(ten["n_with_data"])
        tenure["n_corporatiebuurten"] = int(ten["n_corporatiebuurten"])
        sources.extend(x for x in str(ten["source"]).split("; ") if x)
        out["tenure"] = tenure
    else:
        out["notes"].append(f"Geen cijfers over eigendom van woningen voor {subject.gemeente_name}"
                            f" op {level}niveau; in de database staan ze alleen voor "
                            f"{part['tenure_availability']}.")
    if not out["groups"]:
        out["notes"].append(f"Geen cijfers over groepen per {level} voor "
                            f"{subject.gemeente_name} in de database.")
    if any(r.get("derived") for r in out["groups"]) or out["tenure"]:
        out["notes"].append("Huishoudens met een laag inkomen en woningen naar eigendom zijn "
                            "afgeleide aantallen (aandeel × totaal / 100).")
    out["sources"] = list(dict.fromkeys(sources))
    out["caption"] = source_caption(out["sources"])
    return out


def store_gemeente_parts(con: duckdb.DuckDBPyConnection) -> int:
    """Compute the gemeente part of every gemeente at every level and store it in
    ``segregatie_gemeente`` (replacing what was there; ``data build``, inside its
    transaction). Returns the number of rows written."""
    rows = [(level, gm, encode_part(part)) for level in LEVELS
            for gm, part in gemeente_parts(con, level)]
    _write_gemeente_parts(con, rows)
    return len(rows)
