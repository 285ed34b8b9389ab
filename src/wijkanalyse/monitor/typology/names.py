"""Dutch names of the types: words that are true of their members.

A type is named from the **median of its units** per feature compared with a reference
distribution: the wijken (or buurten) of all of Nederland where the database has them
(:class:`~wijkanalyse.monitor.typology.model.NameReference`). A feature gives a word when the
median lies in the lowest or highest quarter of that distribution (:data:`NAME_QUANTILE`); a
feature without a national distribution (the location in the gemeente) when the type's mean
z-score among the typed units is at least :data:`NAME_MIN_Z` in size. The words are taken in
order of how far out the type lies (percentile from the middle; a z-score read as a normal
percentile), one per theme, at most :data:`NAME_MAX_FEATURES` in all. Two words come from
outside the clustering: "stedelijke" / "landelijke" only from CBS stedelijkheid
(``ste_mvs``), "welvarende" / "minder welvarende" from income or WOZ value against Nederland;
the density of inhabitants gives "dichtbevolkte" / "dunbevolkte", never "landelijke".
"Vergrijsde" needs the national distribution of the 65+ share (compared with the typed units
only it reads "met relatief veel ouderen").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from wijkanalyse.fmt import join_nl
from wijkanalyse.monitor.typology.model import (
    FEATURE_THEMES,
    LOCAL_PHRASES,
    NAME_MAX_FEATURES,
    NAME_MIN_Z,
    NAME_QUANTILE,
    PHRASES,
    POOR_RATIO,
    RURAL_MIN_CLASS,
    URBAN_MAX_CLASS,
    WEALTHY_RATIO,
    NameReference,
)

#: One word of a name: (slot "adj" or "met", text).
Word = tuple[str, str]

# --------------------------------------------------------------------------- naming


def _phrase(feature: str, z: float, *, local: bool = False) -> Word:
    table = LOCAL_PHRASES if local and feature in LOCAL_PHRASES else PHRASES
    high, low = table.get(feature, (("met", f"veel {feature}"), ("met", f"weinig {feature}")))
    return high if z > 0 else low


def _ordered(center: pd.Series) -> list[str]:
    """Features of a centre by decreasing |z| (ties by name), one per theme first."""
    zs = center.dropna()
    order = sorted(zs.index, key=lambda f: (-abs(float(zs[f])), f))
    first, rest, themes = list[str](), list[str](), set[str]()
    for f in order:
        theme = FEATURE_THEMES.get(f, f)
        (rest if theme in themes else first).append(f)
        themes.add(theme)
    return first + rest


def _compose(words: Sequence[Word], noun: str) -> str:
    adjs: list[str] = []
    mets: list[str] = []
    for slot, text in words:
        target = adjs if slot == "adj" else mets
        if text not in target:
            target.append(text)
    if not adjs and not mets:
        return f"Gemiddelde {noun}"
    name = ", ".join(adjs) + (" " if adjs else "") + noun
    if mets:
        name += " met " + join_nl(mets)
    return name[0].upper() + name[1:]


def _percentile(sorted_values: np.ndarray, x: float) -> float:
    """The share of ``sorted_values`` below ``x`` (ties count half)."""
    lo = int(np.searchsorted(sorted_values, x, side="left"))
    hi = int(np.searchsorted(sorted_values, x, side="right"))
    return (lo + hi) / 2 / len(sorted_values)


def context_words(stedelijkheid: float, welvaart: float) -> list[Word]:
    """The words from CBS stedelijkheid (median class) and welvaart (ratio to Nederland)."""
    words: list[Word] = []
    if stedelijkheid == stedelijkheid:  # not NaN
        if stedelijkheid <= URBAN_MAX_CLASS:
            words.append(("adj", "stedelijke"))
        elif stedelijkheid >= RURAL_MIN_CLASS:
            words.append(("adj", "landelijke"))
    if welvaart == welvaart:
        if welvaart >= WEALTHY_RATIO:
            words.append(("adj", "welvarende"))
        elif welvaart <= POOR_RATIO:
            words.append(("adj", "minder welvarende"))
    return words


def _type_percentile(values: pd.Series, feature: str,
                     reference: NameReference | None) -> float | None:
    """Where a type lies in the national distribution of ``feature`` (0-1; NaN without
    values), or None when there is no national distribution: the median of its units'
    percentiles, each against its own level where the reference knows the units' levels,
    else the percentile of the median."""
    if reference is None:
        return None
    levels = reference.unit_levels
    if levels and all(str(u) in levels for u in values.index):
        pcts = []
        for uid, v in values.dropna().items():
            ref = reference.by_level.get(levels[str(uid)], {}).get(feature)
            if ref is None or not len(ref):
                return None
            pcts.append(_percentile(ref, float(v)))
        return float(np.median(pcts)) if pcts else float("nan")
    ref = reference.distribution.get(feature)
    if ref is None or not len(ref):
        return None
    med = float(values.median())
    return _percentile(ref, med) if med == med else float("nan")


def _salient(values: pd.DataFrame, type_ids: np.ndarray, center_z: pd.DataFrame,
             reference: NameReference | None) -> dict[int, list[tuple[str, Word]]]:
    """Per type the (feature, word) pairs outside the middle half of their reference, most
    extreme first, one per theme first (as :func:`_ordered`)."""
    out: dict[int, list[tuple[str, Word]]] = {}
    for t in center_z.index:
        mine = values[type_ids == t]
        scored = []
        for f in values.columns:
            z = float(center_z.at[t, f]) if f in center_z.columns else 0.0
            p = _type_percentile(mine[f], f, reference)
            if p is not None:
                if p != p:
                    continue
                if NAME_QUANTILE < p < 1 - NAME_QUANTILE:
                    continue
                scored.append((abs(p - 0.5), abs(z), f, _phrase(f, p - 0.5)))
            elif abs(z) >= NAME_MIN_Z:
                # no national distribution: the centre against the typed units (as a
                # percentile of a normal distribution, to order it with the others)
                score = 0.5 * math.erf(abs(z) / math.sqrt(2))
                scored.append((score, abs(z), f, _phrase(f, z, local=True)))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        first: list[tuple[str, Word]] = []
        rest: list[tuple[str, Word]] = []
        themes: set[str] = set()
        for _, _, f, word in scored:
            theme = FEATURE_THEMES.get(f, f)
            (rest if theme in themes else first).append((f, word))
            themes.add(theme)
        out[int(t)] = first + rest
    return out


def name_types(center_z: pd.DataFrame, *, noun: str = "wijken",
               values: pd.DataFrame | None = None, type_ids: np.ndarray | None = None,
               reference: NameReference | None = None,
               context: dict[int, list[Word]] | None = None) -> dict[int, str]:
    """Dutch names of types (the rule of the module docstring).

    Parameters
    ----------
    center_z
        One row per type (index ``type_id``), one column per feature: the mean z-score.
    noun
        The head noun ("wijken", "buurten", "gebieden").
    values, type_ids
        The feature values of the typed units and their type (aligned rows). Without them the
        name is made from the z-scores alone (|z| >= :data:`NAME_MIN_Z`, relative to the typed
        units; "vergrijsde" is then not used).
    reference
        The national distributions the medians are compared with.
    context
        Per type the words from stedelijkheid and welvaart (:func:`context_words`), put
        first.

    Returns
    -------
    dict
        ``type_id -> name``; all names are distinct.
    """
    context = context or {}
    if values is not None and type_ids is not None:
        salient = _salient(values, np.asarray(type_ids), center_z, reference)
        orders = {t: [f for f, _ in pairs] for t, pairs in salient.items()}
        words = {t: dict(pairs) for t, pairs in salient.items()}
        counts = {}
        for t, pairs in salient.items():
            themes: set[str] = set()
            budget = max(1, NAME_MAX_FEATURES - len(context.get(t, [])))
            n = 0
            for f, _ in pairs:
                theme = FEATURE_THEMES.get(f, f)
                if theme in themes or n == budget:
                    break
                themes.add(theme)
                n += 1
            counts[t] = n
    else:
        orders = {int(t): _ordered(center_z.loc[t]) for t in center_z.index}
        words = {int(t): {f: _phrase(f, float(center_z.at[t, f]), local=True)
                          for f in orders[int(t)]} for t in center_z.index}
        counts = {}
        for t, order in orders.items():
            zs = center_z.loc[t]
            chosen: list[str] = []
            themes = set()
            for f in order:
                if abs(float(zs[f])) < NAME_MIN_Z:
                    break
                theme = FEATURE_THEMES.get(f, f)
                if theme not in themes:
                    chosen.append(f)
                    themes.add(theme)
                if len(chosen) == NAME_MAX_FEATURES:
                    break
            counts[t] = len(chosen)

    def make(t: int) -> str:
        return _compose([*context.get(t, []), *(words[t][f] for f in orders[t][:counts[t]])],
                        noun)

    names = {t: make(t) for t in orders}
    for _ in range(len(center_z.columns)):
        dupes = {n for n in names.values() if list(names.values()).count(n) > 1}
        if not dupes:
            break
        for t in orders:
            if names[t] in dupes and counts[t] < len(orders[t]):
                counts[t] += 1
                names[t] = make(t)
    seen: dict[str, int] = {}
    for t in sorted(names):
        seen[names[t]] = seen.get(names[t], 0) + 1
    for t in sorted(names):
        if seen[names[t]] > 1:
            names[t] = f"{names[t]} (type {t})"
    return names
