"""The structural features of a neighbourhood and the similarity between neighbourhoods: pure
computation over DataFrames (the method is described in :mod:`wijkanalyse.profiel.peers`).

:data:`FEATURES` are computed from catalogue indicators by :func:`features_from_indicators`
(a set of regions is summed first by :func:`sum_members`); :func:`similarity` gives distances
on standardised features with :func:`theme_weights`; :func:`reason_text` and
:func:`choose_reasons` write why a peer is similar.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number

#: A feature needs a value for at least this share of the eligible regions to be used.
FEATURE_MIN_COVERAGE = 0.8
#: z-score beyond which both regions count as high ("ook veel") or low ("ook weinig"), and the
#: largest standardised difference a reason calls "vergelijkbaar" (see :func:`reason_text`).
_HIGH_LOW_Z = 0.5
#: Number of reasons per peer (at most, one per theme).
N_REASONS = 3
#: Result columns of :func:`similarity` besides the per-feature differences.
SIMILARITY_COLUMNS = ("distance", "n_features", "weight_share")


@dataclass(frozen=True)
class Feature:
    """One structural feature.

    Attributes
    ----------
    id
        Column name in :func:`structural_features`.
    theme
        Theme (key of :data:`THEMES`); every theme weighs 1 in the distance.
    label
        Dutch label for notes ("aandeel 65 jaar en ouder").
    noun
        Dutch noun for reasons ("65-plussers"), or ``None`` for features with their own phrase.
    inputs
        Catalogue indicators the feature is computed from.
    display
        How values are shown: ``"log_count"`` (10**value, no decimals), ``"pct"`` (``24%``),
        ``"number1"`` (one decimal) or ``"number0"``.
    unit
        Unit after the values in a reason ("inwoners per km²", "personen"), or ``""``.
    """

    id: str
    theme: str
    label: str
    noun: str | None
    inputs: tuple[str, ...]
    display: str
    unit: str = ""


#: Themes in the order they are described, with their Dutch names.
THEMES: dict[str, str] = {
    "omvang": "omvang",
    "dichtheid": "bevolkingsdichtheid",
    "leeftijd": "leeftijdsopbouw",
    "huishoudens": "huishoudens",
    "woningen": "woningvoorraad",
    "herkomst": "herkomst",
}


#: All structural features; which ones are used depends on the data of the level and year.
FEATURES: tuple[Feature, ...] = (
    Feature("inwoners_log", "omvang", "aantal inwoners", None, ("a_inw",), "log_count"),
    Feature("dichtheid_log", "dichtheid", "bevolkingsdichtheid", None,
            ("bev_dich", "a_lan_ha", "a_inw"), "log_count", "inwoners per km²"),
    Feature("aandeel_0_14", "leeftijd", "aandeel 0 tot 15 jaar", "kinderen tot 15 jaar",
            ("a_00_14", "a_inw"), "pct"),
    Feature("aandeel_15_24", "leeftijd", "aandeel 15 tot 25 jaar",
            "jongeren van 15 tot 25 jaar", ("a_15_24", "a_inw"), "pct"),
    Feature("aandeel_25_44", "leeftijd", "aandeel 25 tot 45 jaar",
            "inwoners van 25 tot 45 jaar", ("a_25_44", "a_inw"), "pct"),
    Feature("aandeel_45_64", "leeftijd", "aandeel 45 tot 65 jaar",
            "inwoners van 45 tot 65 jaar", ("a_45_64", "a_inw"), "pct"),
    Feature("aandeel_65_plus", "leeftijd", "aandeel 65 jaar en ouder", "65-plussers",
            ("a_65_oo", "a_inw"), "pct"),
    Feature("huishoudensgrootte", "huishoudens", "gemiddelde huishoudensgrootte", None,
            ("g_hhgro",), "number1", "personen"),
    Feature("aandeel_eenpersoonshh", "huishoudens", "aandeel eenpersoonshuishoudens",
            "eenpersoonshuishoudens", ("a_1p_hh", "a_hh"), "pct"),
    Feature("aandeel_hh_met_kinderen", "huishoudens", "aandeel huishoudens met kinderen",
            "huishoudens met kinderen", ("a_hh_m_k", "a_hh"), "pct"),
    Feature("woningen_per_100_inw", "woningen", "woningen per 100 inwoners", None,
            ("a_woning", "a_inw"), "number0"),
    Feature("aandeel_corporatie", "woningen", "aandeel corporatiewoningen",
            "corporatiewoningen", ("p_wcorpw",), "pct"),
    Feature("aandeel_koop", "woningen", "aandeel koopwoningen", "koopwoningen",
            ("p_koopw",), "pct"),
    Feature("aandeel_eengezins", "woningen", "aandeel eengezinswoningen", "eengezinswoningen",
            ("p_1gezw",), "pct"),
    Feature("aandeel_bouwjaar_2000", "woningen", "aandeel woningen gebouwd vanaf 2000",
            "woningen gebouwd vanaf 2000", ("p_bjo2k",), "pct"),
    Feature("aandeel_herkomst_nl", "herkomst", "aandeel herkomst Nederland",
            "inwoners van Nederlandse herkomst", ("a_nl_all", "a_inw"), "pct"),
    Feature("aandeel_herkomst_europa", "herkomst", "aandeel herkomst Europa (zonder Nederland)",
            "inwoners met een andere Europese herkomst", ("a_eur_al", "a_inw"), "pct"),
    Feature("aandeel_herkomst_buiten_europa", "herkomst", "aandeel herkomst buiten Europa",
            "inwoners met een herkomst buiten Europa", ("a_neu_al", "a_inw"), "pct"),
    Feature("aandeel_westers", "herkomst", "aandeel westerse migratieachtergrond",
            "inwoners met een westerse migratieachtergrond", ("a_w_all", "a_inw"), "pct"),
    Feature("aandeel_niet_westers", "herkomst", "aandeel niet-westerse migratieachtergrond",
            "inwoners met een niet-westerse migratieachtergrond", ("a_nw_all", "a_inw"), "pct"),
)


FEATURE_BY_ID: dict[str, Feature] = {f.id: f for f in FEATURES}


#: The catalogue indicators read for the features.
INPUT_INDICATORS: tuple[str, ...] = tuple(
    sorted({i for f in FEATURES for i in f.inputs} | {"a_inw"})
)


def features_from_indicators(wide: pd.DataFrame) -> pd.DataFrame:
    """Structural features from indicator values (one row per region).

    Parameters
    ----------
    wide
        Indicator values, one row per region, columns = catalogue ids (``a_inw``, ``a_65_oo``,
        ``bev_dich``, ...); absent columns count as missing.

    Returns
    -------
    pandas.DataFrame
        Same index, one column per feature of :data:`FEATURES` that has at least one value
        (float, ``NaN`` = missing). Shares are in % of their base; a share whose base is 0 or
        missing is ``NaN``; logs of zero are ``NaN``.
    """
    nan = pd.Series(np.nan, index=wide.index, dtype="float64")

    def col(name: str) -> pd.Series:
        return wide[name].astype("float64") if name in wide.columns else nan

    def share(num: str, base: str) -> pd.Series:
        b = col(base)
        return (100.0 * col(num) / b).where(b > 0)

    def log10(x: pd.Series) -> pd.Series:
        return np.log10(x.where(x > 0))

    inw = col("a_inw")
    land = col("a_lan_ha")
    density = col("bev_dich").fillna((inw / (land / 100.0)).where(land > 0))
    values = {
        "inwoners_log": log10(inw),
        "dichtheid_log": log10(density),
        "aandeel_0_14": share("a_00_14", "a_inw"),
        "aandeel_15_24": share("a_15_24", "a_inw"),
        "aandeel_25_44": share("a_25_44", "a_inw"),
        "aandeel_45_64": share("a_45_64", "a_inw"),
        "aandeel_65_plus": share("a_65_oo", "a_inw"),
        "huishoudensgrootte": col("g_hhgro"),
        "aandeel_eenpersoonshh": share("a_1p_hh", "a_hh"),
        "aandeel_hh_met_kinderen": share("a_hh_m_k", "a_hh"),
        "woningen_per_100_inw": share("a_woning", "a_inw"),
        "aandeel_corporatie": col("p_wcorpw"),
        "aandeel_koop": col("p_koopw"),
        "aandeel_eengezins": col("p_1gezw"),
        "aandeel_bouwjaar_2000": col("p_bjo2k"),
        "aandeel_herkomst_nl": share("a_nl_all", "a_inw"),
        "aandeel_herkomst_europa": share("a_eur_al", "a_inw"),
        "aandeel_herkomst_buiten_europa": share("a_neu_al", "a_inw"),
        "aandeel_westers": share("a_w_all", "a_inw"),
        "aandeel_niet_westers": share("a_nw_all", "a_inw"),
    }
    out = pd.DataFrame({k: v.astype("float64") for k, v in values.items()}, index=wide.index)
    return out.loc[:, out.notna().any()]


def _scale(features: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Mean and standard deviation (``ddof=0``, NaN skipped) of every column."""
    mean = features.mean(skipna=True)
    std = features.std(ddof=0, skipna=True)
    return mean, std


def similarity(
    features: pd.DataFrame,
    target: pd.Series,
    *,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Distances of candidates to a target on standardised features.

    Parameters
    ----------
    features
        One row per candidate, one numeric column per feature (``NaN`` = missing). Means and
        standard deviations (``ddof=0``, missing values skipped) of these rows define the
        z-scores.
    target
        The target's values, indexed by feature name; features absent from ``target`` or
        ``NaN`` there are not compared.
    weights
        Weight per feature (default 1; features not in the mapping weigh 1). Must be >= 0.

    Returns
    -------
    pandas.DataFrame
        Index and order of ``features``; columns ``distance`` (weighted root-mean-square of the
        standardised differences over the features both have: ``sqrt(sum(w*dz**2)/sum(w))``;
        ``NaN`` when none), ``n_features`` (features compared), ``weight_share`` (weight
        compared / weight of all usable features), then one column per feature with the
        standardised difference ``(candidate - target) / std`` (``NaN`` when either value is
        missing or the feature has no variance, in which case it is not used at all).

    Raises
    ------
    ValueError
        When a feature is named like a result column, or a weight is negative or not finite.
    """
    clash = [c for c in features.columns if c in SIMILARITY_COLUMNS]
    if clash:
        raise ValueError(f"feature names clash with result columns: {clash}")
    cols = list(features.columns)
    x = features.to_numpy(dtype="float64", na_value=np.nan)
    t = pd.to_numeric(target.reindex(cols), errors="coerce").to_numpy(dtype="float64")
    w = np.ones(len(cols), dtype="float64")
    if weights is not None:
        for i, c in enumerate(cols):
            if c in weights:
                w[i] = float(weights[c])
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"weights must be finite and >= 0: {dict(weights)}")
    _, std = _scale(features)
    s = std.reindex(cols).to_numpy(dtype="float64")
    usable = np.isfinite(s) & (s > 0) & np.isfinite(t) & (w > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dz = (x - t) / np.where(usable, s, np.nan)
    dz[:, ~usable] = np.nan
    present = ~np.isnan(dz)
    wp = np.where(present, w, 0.0)
    wsum = wp.sum(axis=1)
    sq = np.where(present, dz * dz, 0.0) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(wsum > 0, np.sqrt(sq.sum(axis=1) / wsum), np.nan)
    total = w[usable].sum()
    out = pd.DataFrame(
        {
            "distance": distance,
            "n_features": present.sum(axis=1).astype("int64"),
            "weight_share": wsum / total if total > 0 else np.zeros(len(x)),
        },
        index=features.index,
    )
    diffs = pd.DataFrame(dz, index=features.index, columns=cols)
    return pd.concat([out, diffs], axis=1)


def theme_weights(feature_ids: Sequence[str]) -> dict[str, float]:
    """Weights that give every theme a total weight of 1, split evenly over its features."""
    themes = [FEATURE_BY_ID[f].theme for f in feature_ids]
    counts = {th: themes.count(th) for th in set(themes)}
    return {f: 1.0 / counts[th] for f, th in zip(feature_ids, themes, strict=True)}


def display_value(feature_id: str, value: float) -> float:
    """A feature value in the unit a user reads (10**v for log features)."""
    return float(10.0**value) if FEATURE_BY_ID[feature_id].display == "log_count" else value


def _fmt(feature: Feature, value: float) -> str:
    v = display_value(feature.id, value)
    if feature.display == "pct":
        return f"{nl_number(v, decimals=0)}%"
    if feature.display == "number1":
        return nl_number(v, decimals=1)
    return nl_number(v, decimals=0)


#: Phrases of the features that are not shares: (similar, both high, both low).
_PHRASES: dict[str, tuple[str, str, str]] = {
    "inwoners_log": ("vergelijkbaar aantal inwoners", "ook veel inwoners", "ook weinig inwoners"),
    "dichtheid_log": ("vergelijkbare bevolkingsdichtheid", "ook een hoge bevolkingsdichtheid",
                      "ook een lage bevolkingsdichtheid"),
    "huishoudensgrootte": ("vergelijkbare huishoudensgrootte", "ook grote huishoudens",
                           "ook kleine huishoudens"),
    "woningen_per_100_inw": ("vergelijkbaar aantal woningen per 100 inwoners",
                             "ook veel woningen per 100 inwoners",
                             "ook weinig woningen per 100 inwoners"),
}


def reason_text(
    feature_id: str, peer_value: float, subject_value: float, *, peer_z: float, subject_z: float
) -> str:
    """One Dutch reason phrase with both values (the peer's first).

    Parameters
    ----------
    feature_id
        Feature id of :data:`FEATURES`.
    peer_value, subject_value
        Feature values (as in :func:`structural_features`).
    peer_z, subject_z
        Their z-scores. A share reads "ook veel" where both lie above +0.5, "ook weinig" where
        both lie below -0.5, otherwise "vergelijkbaar aandeel". The other features (size,
        density, household size, dwellings per inhabitant) read "vergelijkbaar" while the two
        lie within 0.5 standard deviation, else "ook veel" / "ook een hoge" (both above +0.5)
        or "ook weinig" / "ook een lage" (both below -0.5).

    Returns
    -------
    str
        E.g. ``"ook veel 65-plussers (24% tegen 23%)"``, ``"vergelijkbaar aantal inwoners
        (3.590 tegen 3.455)"``.
    """
    f = FEATURE_BY_ID[feature_id]
    values = f"{_fmt(f, peer_value)} tegen {_fmt(f, subject_value)}"
    if f.unit:
        values += f" {f.unit}"
    high = peer_z > _HIGH_LOW_Z and subject_z > _HIGH_LOW_Z
    low = peer_z < -_HIGH_LOW_Z and subject_z < -_HIGH_LOW_Z
    if f.id in _PHRASES:
        similar, many, few = _PHRASES[f.id]
        close = abs(peer_z - subject_z) <= _HIGH_LOW_Z
        phrase = similar if close else many if high else few if low else similar
    else:
        phrase = (f"ook veel {f.noun}" if high else f"ook weinig {f.noun}" if low
                  else f"vergelijkbaar aandeel {f.noun}")
    return f"{phrase} ({values})"


def choose_reasons(differences: Mapping[str, float], *, n: int = N_REASONS) -> list[str]:
    """The features to explain a peer with: smallest absolute standardised differences.

    First at most one feature per theme among those within 0.5 standard deviation; when that
    gives fewer than two, the next smallest differences fill up to two.

    Parameters
    ----------
    differences
        Standardised differences per feature id (a mapping or Series; ``NaN`` = not
        compared).
    n
        Maximum number of features.
    """
    pairs = [(abs(float(d)), str(f)) for f, d in differences.items() if not math.isnan(d)]
    order = [f for _, f in sorted(pairs, key=lambda p: p[0])]  # stable on ties
    diffs = dict((f, d) for d, f in pairs)
    chosen: list[str] = []
    themes: set[str] = set()
    for f in order:
        theme = FEATURE_BY_ID[f].theme
        if diffs[f] <= _HIGH_LOW_Z and theme not in themes:
            chosen.append(f)
            themes.add(theme)
        if len(chosen) == n:
            return chosen
    for f in order:
        if len(chosen) >= min(2, n):
            break
        if f not in chosen:
            chosen.append(f)
    return chosen


def sum_members(wide: pd.DataFrame, *, bases: Mapping[str, str]) -> pd.Series:
    """Indicator values of a set of regions, from the values of its members.

    The rules of :mod:`wijkanalyse.gebieden.aggregate` (with ``partial=False``), for the indicators
    the
    structural features need: counts are summed; an indicator in ``bases`` (a rate or mean) is
    weighted by its base count, ``sum(v * w) / sum(w)``, and clipped to the range of the values
    that carry weight; a member with weight 0 and no value is ignored; any other member without
    a value (or without its weight) makes the result ``NaN``, never a silently smaller sum. One
    member gives its own values exactly.

    Parameters
    ----------
    wide
        One row per member, one column per indicator (``NaN`` = missing or no row).
    bases
        ``indicator id -> base indicator id`` for the weighted indicators.

    Returns
    -------
    pandas.Series
        Indicator id -> value of the set.
    """
    if len(wide) == 1:
        return wide.iloc[0].astype("float64")
    out: dict[str, float] = {}
    for col in wide.columns:
        v = wide[col].to_numpy(dtype="float64")
        base = bases.get(col)
        if base is None:
            out[col] = math.nan if np.isnan(v).any() else float(v.sum())
            continue
        w = (wide[base].to_numpy(dtype="float64") if base in wide.columns
             else np.full(len(v), np.nan))
        empty = (w == 0) & np.isnan(v)
        if (np.isnan(v) | np.isnan(w) | (w < 0))[~empty].any():
            out[col] = math.nan
            continue
        keep = ~empty & (w > 0)
        total = w[keep].sum()
        if total <= 0:
            out[col] = math.nan
            continue
        mean = float((v[keep] * w[keep]).sum() / total)
        out[col] = float(np.clip(mean, v[keep].min(), v[keep].max()))
    return pd.Series(out, dtype="float64")
