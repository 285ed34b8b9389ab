"""Dutch names of the types from their most distinctive features."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from wijkanalyse.fmt import join_nl
from wijkanalyse.monitor.typology.model import (
    FEATURE_THEMES,
    NAME_MAX_FEATURES,
    NAME_MIN_Z,
    PHRASES,
)

# --------------------------------------------------------------------------- naming


def _phrase(feature: str, z: float) -> tuple[str, str]:
    high, low = PHRASES.get(feature, (("met", f"veel {feature}"), ("met", f"weinig {feature}")))
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


def _compose(features: Sequence[str], center: pd.Series, noun: str) -> str:
    adjs: list[str] = []
    mets: list[str] = []
    for f in features:
        slot, text = _phrase(f, float(center[f]))
        target = adjs if slot == "adj" else mets
        if text not in target:
            target.append(text)
    if not adjs and not mets:
        return f"Gemiddelde {noun}"
    name = ", ".join(adjs) + (" " if adjs else "") + noun
    if mets:
        name += " met " + join_nl(mets)
    return name[0].upper() + name[1:]


def name_types(center_z: pd.DataFrame, *, noun: str = "wijken") -> dict[int, str]:
    """Dutch names of types from their centres (the rule of the module docstring).

    Parameters
    ----------
    center_z
        One row per type (index ``type_id``), one column per feature: the mean z-score.
    noun
        The head noun ("wijken", "buurten", "gebieden").

    Returns
    -------
    dict
        ``type_id -> name``; all names are distinct.
    """
    orders = {int(t): _ordered(center_z.loc[t]) for t in center_z.index}
    counts = {}
    for t, order in orders.items():
        zs = center_z.loc[t]
        salient = [f for f in order if abs(float(zs[f])) >= NAME_MIN_Z]
        themes = set()
        chosen = []
        for f in salient:
            theme = FEATURE_THEMES.get(f, f)
            if theme not in themes:
                chosen.append(f)
                themes.add(theme)
            if len(chosen) == NAME_MAX_FEATURES:
                break
        counts[t] = len(chosen)
    names = {t: _compose(orders[t][:counts[t]], center_z.loc[t], noun) for t in orders}
    for _ in range(len(center_z.columns)):
        dupes = {n for n in names.values() if list(names.values()).count(n) > 1}
        if not dupes:
            break
        for t in orders:
            if names[t] in dupes and counts[t] < len(orders[t]):
                counts[t] += 1
                names[t] = _compose(orders[t][:counts[t]], center_z.loc[t], noun)
    seen: dict[str, int] = {}
    for t in sorted(names):
        seen[names[t]] = seen.get(names[t], 0) + 1
    for t in sorted(names):
        if seen[names[t]] > 1:
            names[t] = f"{names[t]} (type {t})"
    return names
