"""Segregatie: the figures of one neighbourhood for the wijkprofiel
(:func:`profile_section`)."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from wijkanalyse.fmt import nl_number
from wijkanalyse.model import Subject
from wijkanalyse.segregatie import indices as si
from wijkanalyse.segregatie.data import _group_counts, _indicators_of
from wijkanalyse.segregatie.groups import (
    _PLURAL,
    _TENURE_ALL,
    CORPORATIEBUURT_THRESHOLD,
    GROUPS,
    LEVELS,
    LQ_MIN_COUNT,
    LQ_THRESHOLD,
)
from wijkanalyse.segregatie.housing import _housing_rows, _tenure_entropy, housing_spread
from wijkanalyse.segregatie.load import _gemeente_tenure, _load, _tenure_availability
from wijkanalyse.segregatie.local import _lq
from wijkanalyse.segregatie.render import _float, _fmt3, _fmt_pct, source_caption
from wijkanalyse.segregatie.tables import _index_rows

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
        A dict kept between calls on one connection (many profiles): the gemeente's data and
        indices are then loaded and computed once per gemeente, level and year.

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
        data, indices = cache[key]
    else:
        data = _load(con, level=level, gemeente_codes=[gm], years=None,
                     indicators=_indicators_of(GROUPS) | set(_TENURE_ALL))
        indices = _index_rows(data.only_year(year), list(GROUPS), indices=("D", "H"))
        if cache is not None:
            cache[key] = (data, indices)
    members = set(subject.members) if subject.kind != "gemeente" else set()
    sources: list[str] = []
    two = [g for g in GROUPS if not (g.family == "woningvoorraad")]
    for g in two:
        c = _group_counts(data, g)
        mask = (c.units["gemeente_code"] == gm).to_numpy()
        if not mask.any():
            continue
        ys = sorted(c.units.loc[mask, "year"].unique())
        y = int(year) if year is not None else int(ys[-1])
        sel = mask & (c.units["year"] == y).to_numpy()
        if not sel.any():
            continue
        x, t = c.x[sel], c.t[sel]
        codes = c.units.loc[sel, "code"].to_numpy()
        lq_units, ref, _ref_note = _lq(data, g, gm, y, x, t)
        share_gm = ref * 100
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
            hit = indices[(indices["group"] == g.id) & (indices["index"] == idx)
                          & (indices["year"] == y)]
            v = float(hit["value"].iloc[0]) if len(hit) else np.nan
            row[idx] = _float(v)
            row[f"{idx}_text"] = _fmt3(v)
            if len(hit):
                sources.extend(s for s in str(hit["source"].iloc[0]).split("; ") if s)
        out["groups"].append(row)
    mix = _housing_rows(data, gm, year)
    if not mix.empty:
        y = int(mix["year"].max()) if year is None else int(year)
        latest = mix[mix["year"] == y]
        spread = housing_spread(latest, gemeente_shares=_gemeente_tenure(con, gm))
        area = latest[latest["code"].isin(members)] if members else latest.iloc[0:0]
        tenure: dict[str, Any] = {"year": y, "area": None}
        cols = ("share_corporation", "share_private_rental", "share_owner_occupied",
                "share_unknown")
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
        s = spread.iloc[0]
        tenure["spread"] = {k: _float(s[k]) for k in (
            "corporation_min", "corporation_q1", "corporation_median", "corporation_q3",
            "corporation_max", "gemeente_corporation")}
        tenure["spread_text"] = {k: _fmt_pct(v) for k, v in tenure["spread"].items()}
        tenure["n_units"] = int(s["n_with_data"])
        tenure["n_corporatiebuurten"] = int(s["n_corporatiebuurten"])
        sources.extend(x for x in str(s["source"]).split("; ") if x)
        out["tenure"] = tenure
    else:
        out["notes"].append(f"Geen cijfers over eigendom van woningen voor {subject.gemeente_name}"
                            f" op {level}niveau; in de database staan ze alleen voor "
                            f"{_tenure_availability(con, level)}.")
    if not out["groups"]:
        out["notes"].append(f"Geen cijfers over groepen per {level} voor "
                            f"{subject.gemeente_name} in de database.")
    if any(r.get("derived") for r in out["groups"]) or out["tenure"]:
        out["notes"].append("Huishoudens met een laag inkomen en woningen naar eigendom zijn "
                            "afgeleide aantallen (aandeel × totaal / 100).")
    out["sources"] = list(dict.fromkeys(sources))
    out["caption"] = source_caption(out["sources"])
    return out


# ------------------------------------------------------------------------------------------
