"""Vergelijkbare wijken: the peer group of a neighbourhood.

Method
------
The peers of a subject are the regions of the same level, anywhere in the Netherlands, that are
most similar on *structural* characteristics: what a neighbourhood is, not how it is doing.

Features (:data:`FEATURES`), computed per region from the KWB counts of one year:

* **omvang**: ``log10`` of the number of inhabitants (``a_inw``);
* **dichtheid**: ``log10`` of the population density (``bev_dich``; where CBS leaves it empty,
  inhabitants per km² land from ``a_lan_ha``);
* **leeftijd**: shares 0–14, 15–24, 25–44, 45–64 and 65+ of ``a_inw`` (in %);
* **huishoudens**: mean household size (``g_hhgro``), shares of one-person households and of
  households with children in ``a_hh``;
* **woningen**: dwellings per 100 inhabitants (``a_woning``), shares of corporation-owned,
  owner-occupied and single-family dwellings and of dwellings built from 2000 on;
* **herkomst**: shares of ``a_inw`` by herkomst (Nederland, Europa, buiten Europa; from 2022)
  or by migratieachtergrond (westers, niet-westers; older years).

Only the features that exist in the database for the chosen level and year are used (in this
data: 2024 has size, age and herkomst for every level and density and dwellings for gemeenten
and wijken; the richer 2019 data covers only a few cities).

Standardisation: every feature is turned into z-scores over all *eligible* regions of the level
and year: at least :data:`MIN_INHABITANTS` inhabitants (tiny regions such as industrial estates
have extreme shares and would both distort the scale and make odd peers). Mean and standard
deviation (``ddof=0``) are taken over those regions, including the subject's own, so the scale
does not depend on who is excluded. A feature without variance carries no information and is
left out.

Distance: a weighted root-mean-square of the standardised differences over the features both
regions have, ``sqrt(sum(w * dz**2) / sum(w))``: the Euclidean distance divided by the root of
the total weight, readable as "the typical difference in standard deviations" (0 = equal). Each
theme weighs 1 in total, split evenly over its features, so five age shares do not outweigh the
single size feature.

Missing data, without imputation:

* a feature present for fewer than :data:`FEATURE_MIN_COVERAGE` of the eligible regions, or
  missing for the subject, is dropped for everyone (and named in :attr:`PeerGroup.note`);
* a candidate that lacks some of the remaining features is compared on the features it has (the
  RMS keeps such distances comparable); a candidate with less than
  :data:`CANDIDATE_MIN_WEIGHT` of the total weight is left out.

Candidates: the regions of the comparison level, except the subject itself, its members and the
wijken that contain them, and regions below :data:`MIN_INHABITANTS` (or without inhabitants);
with ``exclude_same_gemeente=True`` also the regions of the subject's gemeente. The comparison
level is the subject's level (wijk -> wijken, buurt -> buurten, gemeente -> gemeenten); a gebied
(a set of buurten or wijken) is summed into one area by :func:`sum_members` (counts summed,
rates weighted by their base, shares from the summed counts; the rules of
:mod:`wijkanalyse.gebieden.aggregate`) and compared with **wijken**, because such sets are about as
large as a wijk; the wijken that contain its buurten are no candidates.

Year: by default the latest year in which every member of the subject has an inhabitant count.

Reasons: for each peer the 2–3 features with the smallest standardised differences (one per
theme, within half a standard deviation; see :func:`choose_reasons`) are written as Dutch
phrases with both values, the peer's first: "vergelijkbaar aantal inwoners (3.590 tegen
3.455)", "ook veel 65-plussers (24% tegen 23%)" (see :func:`reason_text`).

Development: where the Leefbaarometer score (``lbm``) exists for a peer wijk its series is
attached, with the change from the first to the last measurement.

Performance: the features of all regions of a level and year are built in one query and
vectorised pandas; they, the region names, the years with inhabitants and the Leefbaarometer
series are cached per connection, keyed by the loaded sources (a rebuilt database has other
sources and is read again). After the first call a :func:`find_peers` call for a wijk costs one
tiny query and some numpy (about 5 ms); a gebied adds one query for its members.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import change, join_nl, nl_number
from wijkanalyse.model import Peer, PeerGroup, SeriesPoint, Subject

#: Regions with fewer inhabitants are neither candidates nor part of the standardisation.
MIN_INHABITANTS = 500
#: A feature needs a value for at least this share of the eligible regions to be used.
FEATURE_MIN_COVERAGE = 0.8
#: A candidate needs at least this share of the total feature weight to be compared.
CANDIDATE_MIN_WEIGHT = 2 / 3
#: z-score beyond which both regions count as high ("ook veel") or low ("ook weinig"), and the
#: largest standardised difference a reason calls "vergelijkbaar" (see :func:`reason_text`).
_HIGH_LOW_Z = 0.5
#: Number of reasons per peer (at most, one per theme).
N_REASONS = 3
#: Result columns of :func:`similarity` besides the per-feature differences.
SIMILARITY_COLUMNS = ("distance", "n_features", "weight_share")

LBM_INDICATOR = "lbm"
LBM_LABEL = "Leefbaarometer 3.0, ministerie van BZK"

_LEVEL_PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
_PLURAL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
_NAME_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)


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


# --------------------------------------------------------------------------- pure computation


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


# --------------------------------------------------------------------------- database reads


@dataclass
class _Eligible:
    """The regions with enough inhabitants, with coverage, mean and std of every feature."""

    features: pd.DataFrame
    coverage: pd.Series
    mean: pd.Series
    std: pd.Series
    codes: np.ndarray  # region codes (str) in the order of ``features``
    gemeente_digits: np.ndarray  # the four gemeente digits of each code


@dataclass
class _LevelData:
    """Features of all regions of one level and year, with inhabitants and source labels."""

    features: pd.DataFrame
    inhabitants: pd.Series
    labels: dict[str, tuple[str, ...]]  # indicator id -> source labels
    n_gemeenten: int = 0  # gemeenten with an inhabitant count in that year
    eligible_cache: dict[int, _Eligible] | None = None

    def eligible(self, min_inhabitants: int) -> _Eligible:
        """The regions with at least ``min_inhabitants`` inhabitants (cached)."""
        if self.eligible_cache is None:
            self.eligible_cache = {}
        if min_inhabitants not in self.eligible_cache:
            mask = (self.inhabitants.reindex(self.features.index) >= min_inhabitants)
            feats = self.features.loc[mask.fillna(False).to_numpy()]
            mean, std = _scale(feats)
            coverage = feats.notna().mean() if len(feats) else feats.notna().sum()
            codes = np.array([str(c) for c in feats.index], dtype=str)
            digits = np.array([c[2:6] for c in codes], dtype=str)
            self.eligible_cache[min_inhabitants] = _Eligible(feats, coverage, mean, std, codes,
                                                             digits)
        return self.eligible_cache[min_inhabitants]


_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT count(*) || ':' || coalesce(string_agg(source_id || '@' || coalesce(sha256, ''),"
        " ',' ORDER BY source_id), '') FROM sources"
    ).fetchall()[0]
    return str(row[0])


def _per_connection(con: duckdb.DuckDBPyConnection) -> dict[Any, Any]:
    """The cache dict of one connection (a fresh one where it cannot be weakly referenced)."""
    try:
        return _CACHE.setdefault(con, {})
    except TypeError:
        return {}


def _level_data(
    con: duckdb.DuckDBPyConnection, level: str, year: int, *, fingerprint: str | None = None
) -> _LevelData:
    """Read (or take from the per-connection cache) the features of a level and year."""
    if level not in _LEVEL_PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {sorted(_LEVEL_PREFIX)}")
    key = ("features", fingerprint or _fingerprint(con), level, int(year))
    per_con = _per_connection(con)
    if key in per_con:
        cached: _LevelData = per_con[key]
        return cached
    long = con.execute(
        """SELECT o.code, o.indicator_id, o.value, s.label
           FROM observation o JOIN sources s USING (source_id)
           WHERE o.year = ? AND starts_with(o.code, ?) AND list_contains(?, o.indicator_id)""",
        [int(year), _LEVEL_PREFIX[level], list(INPUT_INDICATORS)],
    ).df()
    wide = long.pivot(index="code", columns="indicator_id", values="value")
    wide.columns = [str(c) for c in wide.columns]
    wide.index = wide.index.astype(object)
    wide = wide.sort_index()
    labels = {
        str(k): tuple(sorted({str(x) for x in v.dropna()}))
        for k, v in long.groupby("indicator_id")["label"]
    }
    inhabitants = (
        wide["a_inw"].astype("float64") if "a_inw" in wide.columns
        else pd.Series(np.nan, index=wide.index, dtype="float64")
    )
    n_gm = con.execute(
        "SELECT count(DISTINCT code) FROM observations WHERE year = ? AND indicator_id = 'a_inw'"
        " AND value IS NOT NULL AND starts_with(code, 'GM')",
        [int(year)],
    ).fetchone()
    data = _LevelData(features_from_indicators(wide), inhabitants, labels,
                      n_gemeenten=int(n_gm[0] or 0) if n_gm else 0)
    per_con[key] = data
    return data


def structural_features(
    con: duckdb.DuckDBPyConnection, *, level: str, year: int
) -> pd.DataFrame:
    """The structural features of every region of one level and year.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    level
        ``"wijk"``, ``"buurt"`` or ``"gemeente"``.
    year
        KWB year.

    Returns
    -------
    pandas.DataFrame
        Index ``code`` (sorted), one float column per feature of :data:`FEATURES` that has at
        least one value for this level and year (``NaN`` = missing); empty when nothing is
        loaded. Read in one query and computed vectorised.
    """
    return _level_data(con, level, year).features.copy()


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


def _subject_values(
    con: duckdb.DuckDBPyConnection, subject: Subject, year: int
) -> tuple[pd.Series | None, float | None, tuple[str, ...]]:
    """Features, inhabitants and source labels of a subject that is summed from members."""
    members = list(dict.fromkeys(subject.members))
    values = con.execute(
        """SELECT o.code, o.indicator_id, o.value, s.label
           FROM observation o JOIN sources s USING (source_id)
           WHERE o.year = ? AND list_contains(?, o.code) AND list_contains(?, o.indicator_id)""",
        [int(year), members, list(INPUT_INDICATORS)],
    ).df()
    if values.empty:
        return None, None, ()
    bases = dict(con.execute(
        "SELECT id, base FROM indicators WHERE aggregation = 'weighted' AND base IS NOT NULL "
        "AND list_contains(?, id)", [list(INPUT_INDICATORS)]).fetchall())
    wide = values.pivot(index="code", columns="indicator_id", values="value").reindex(members)
    wide.columns = [str(c) for c in wide.columns]
    summed = sum_members(wide, bases=bases)
    feats = features_from_indicators(summed.to_frame().T)
    row = feats.iloc[0] if len(feats) else pd.Series(dtype="float64")
    inw = float(summed.get("a_inw", math.nan))
    labels = tuple(sorted({str(x) for x in values["label"].dropna()}))
    return row, (None if math.isnan(inw) else inw), labels


def _target(
    con: duckdb.DuckDBPyConnection, subject: Subject, level: str, year: int, data: _LevelData
) -> tuple[pd.Series | None, float | None, tuple[str, ...]]:
    """Features, inhabitants and extra source labels of the subject (``None`` when absent)."""
    if subject.kind != "gebied" and len(subject.members) == 1:
        code = subject.members[0]
        if code not in data.features.index:
            return None, None, ()
        inw = data.inhabitants.get(code)
        return (data.features.loc[code].copy(), None if pd.isna(inw) else float(inw), ())
    return _subject_values(con, subject, year)


def subject_features(
    con: duckdb.DuckDBPyConnection, subject: Subject, *, year: int | None = None
) -> pd.Series:
    """The structural features of a subject, as :func:`find_peers` compares them.

    A single region gives its row of :func:`structural_features`; a gebied is summed from its
    members first (counts summed, shares from the summed counts).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    subject
        The wijk, buurt, gemeente or gebied.
    year
        KWB year; default the latest year in which every member has an inhabitant count.

    Returns
    -------
    pandas.Series
        Feature id -> value (``NaN`` = missing); empty when there is no data for the year.
    """
    level = _comparison_level(subject)
    if level not in _LEVEL_PREFIX or not subject.members:
        return pd.Series(dtype="float64")
    fingerprint = _fingerprint(con)
    if year is None:
        year = _default_year(con, subject.members, fingerprint)
        if year is None:
            return pd.Series(dtype="float64")
    data = _level_data(con, level, int(year), fingerprint=fingerprint)
    target, _, _ = _target(con, subject, level, int(year), data)
    return pd.Series(dtype="float64") if target is None else target


def _years_with_inhabitants(
    con: duckdb.DuckDBPyConnection, fingerprint: str
) -> dict[str, frozenset[int]]:
    """Per region code the years with an inhabitant count (cached per connection)."""
    key = ("years", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        rows = con.execute(
            "SELECT code, list(DISTINCT year) FROM observations "
            "WHERE indicator_id = 'a_inw' AND value IS NOT NULL GROUP BY code"
        ).fetchall()
        per_con[key] = {str(c): frozenset(int(y) for y in ys) for c, ys in rows}
    years: dict[str, frozenset[int]] = per_con[key]
    return years


def _default_year(
    con: duckdb.DuckDBPyConnection, members: Sequence[str], fingerprint: str
) -> int | None:
    """The latest year in which every member has an inhabitant count."""
    years = _years_with_inhabitants(con, fingerprint)
    common: frozenset[int] | None = None
    for code in members:
        own = years.get(code, frozenset())
        common = own if common is None else common & own
    return max(common) if common else None


def _display_name(name: str | None, code: str) -> str:
    """A region name without the CBS prefix ("Wijk 43 Angelslo" -> "Angelslo")."""
    if not name:
        return code
    return _NAME_PREFIX.sub("", str(name).strip()) or str(name).strip()


def _all_names(
    con: duckdb.DuckDBPyConnection, fingerprint: str
) -> dict[str, dict[int, str]]:
    """Per region code its name per year (best source), cached per connection."""
    key = ("names", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        rows = con.execute(
            """SELECT r.code, r.year, arg_min(r.name, s.priority)
               FROM region_sources r JOIN sources s USING (source_id)
               WHERE r.name IS NOT NULL GROUP BY r.code, r.year"""
        ).fetchall()
        names: dict[str, dict[int, str]] = {}
        for code, year, name in rows:
            names.setdefault(str(code), {})[int(year)] = str(name)
        per_con[key] = names
    found: dict[str, dict[int, str]] = per_con[key]
    return found


def _names(
    con: duckdb.DuckDBPyConnection, codes: Sequence[str], year: int, fingerprint: str
) -> dict[str, str | None]:
    """Names of regions (the given year first, else the latest year that names them)."""
    names = _all_names(con, fingerprint)
    out: dict[str, str | None] = {}
    for code in codes:
        by_year = names.get(code)
        out[code] = (by_year.get(year) or by_year[max(by_year)]) if by_year else None
    return out


def _lbm_series(
    con: duckdb.DuckDBPyConnection, codes: Sequence[str], fingerprint: str
) -> dict[str, list[SeriesPoint]]:
    """Leefbaarometer score series per wijk code (new objects on every call)."""
    key = ("lbm", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        rows = con.execute(
            """SELECT o.code, o.year, o.value, s.label FROM observation o JOIN sources s
               USING (source_id)
               WHERE o.indicator_id = ? AND o.value IS NOT NULL ORDER BY o.code, o.year""",
            [LBM_INDICATOR],
        ).fetchall()
        table: dict[str, list[tuple[int, float, str]]] = {}
        for code, year, value, label in rows:
            table.setdefault(str(code), []).append((int(year), float(value), label or LBM_LABEL))
        per_con[key] = table
    table = per_con[key]
    return {
        code: [SeriesPoint(year=y, area=v, source=lab) for y, v, lab in table[code]]
        for code in codes if code in table
    }


# --------------------------------------------------------------------------- find_peers


def _method(level: str, year: int | None, min_inhabitants: int) -> str:
    plural = _PLURAL.get(level, level)
    return (
        f"De {plural} in heel Nederland die qua structuur het meest lijken: elk kenmerk "
        "(omvang, bevolkingsdichtheid, leeftijdsopbouw, huishoudens, woningvoorraad en "
        "herkomst, voor zover beschikbaar) is omgerekend naar standaardscores over alle "
        f"{plural} met minstens {nl_number(min_inhabitants)} inwoners"
        + (f" in {year}" if year else "")
        + ", elk thema weegt even zwaar, en de afstand is het gemiddelde verschil in "
        "standaarddeviaties (0 = gelijk; hoe kleiner, hoe meer vergelijkbaar)."
    )


def _empty(level: str, year: int | None, min_inhabitants: int, note: str) -> PeerGroup:
    return PeerGroup(level=level, year=year, indicators=[],
                     method=_method(level, year, min_inhabitants), peers=[], source=None,
                     note=note)


def _comparison_level(subject: Subject) -> str:
    if subject.kind == "gebied" and subject.level == "buurt":
        return "wijk"
    return subject.level


def find_peers(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    year: int | None = None,
    n: int = 10,
    indicators: Sequence[str] | None = None,
    exclude_same_gemeente: bool = False,
    min_inhabitants: int = MIN_INHABITANTS,
) -> PeerGroup:
    """The most similar regions nationally on structural features (see the module docstring).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    subject
        The wijk, buurt, gemeente or gebied (set of buurten or wijken).
    year
        KWB year of the features; default the latest year in which every member has an
        inhabitant count.
    n
        Number of peers (at most).
    indicators
        Feature ids (of :data:`FEATURES`) to compare on; default all that are available.
    exclude_same_gemeente
        Leave out regions of the subject's gemeente.
    min_inhabitants
        Regions with fewer inhabitants are no candidates and do not shape the z-scores.

    Returns
    -------
    PeerGroup
        Peers sorted by distance (rank 1 = most similar); ``indicators`` lists the feature ids
        used; ``note`` says in Dutch what was used, left out and why. When the subject has no
        structural data for the year the group is empty and ``note`` says why.

    Raises
    ------
    ValueError
        When ``n`` < 1 or ``indicators`` names an unknown feature.
    """
    if n < 1:
        raise ValueError("n moet minstens 1 zijn")
    if indicators is not None:
        unknown = [i for i in indicators if i not in FEATURE_BY_ID]
        if unknown:
            raise ValueError(
                f"onbekende kenmerken: {', '.join(unknown)}; kies uit "
                f"{', '.join(FEATURE_BY_ID)}."
            )
    level = _comparison_level(subject)
    plural = _PLURAL.get(level, level)
    if level not in _LEVEL_PREFIX or not subject.members:
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} (niveau {subject.level}) worden geen vergelijkbare "
                      "gebieden gezocht: dat kan alleen voor gemeenten, wijken, buurten en "
                      "gebieden van buurten of wijken.")
    fingerprint = _fingerprint(con)
    if year is None:
        year = _default_year(con, subject.members, fingerprint)
        if year is None:
            return _empty(level, None, min_inhabitants,
                          f"Voor {subject.name} is in geen enkel jaar een inwonertal geladen; "
                          "daarom zijn er geen vergelijkbare gebieden te bepalen.")
    year = int(year)
    data = _level_data(con, level, year, fingerprint=fingerprint)
    target, target_inw, target_labels = _target(con, subject, level, year, data)
    if target is None or target.isna().all() or target_inw is None or pd.isna(target_inw):
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} zijn in {year} geen structuurkenmerken (zoals het "
                      "aantal inwoners) geladen; daarom zijn er voor dat jaar geen "
                      "vergelijkbare gebieden te bepalen.")

    elig = data.eligible(int(min_inhabitants))
    eligible = elig.features
    if eligible.empty:
        return _empty(level, year, min_inhabitants,
                      f"Er zijn in {year} geen {plural} met minstens "
                      f"{nl_number(min_inhabitants)} inwoners geladen om mee te vergelijken.")

    wanted = list(indicators) if indicators is not None else [f.id for f in FEATURES]
    present = [f for f in wanted if f in eligible.columns]
    not_loaded = [f for f in wanted if f not in eligible.columns]
    low = [f for f in present if elig.coverage[f] < FEATURE_MIN_COVERAGE]
    lacking = [f for f in present if f not in low and pd.isna(target.get(f))]
    flat = [f for f in present if f not in low and f not in lacking and not elig.std[f] > 0]
    used = [f for f in present if f not in (*low, *lacking, *flat)]
    if len(used) < 2:
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} zijn in {year} te weinig structuurkenmerken "
                      f"beschikbaar om {plural} te vergelijken"
                      + (f" (alleen {FEATURE_BY_ID[used[0]].label})" if used else "") + ".")

    sim = similarity(eligible[used], target[used], weights=theme_weights(used))
    codes = elig.codes
    excluded = {subject.id, *subject.members, *subject.wijk_codes}
    keep = ~np.isin(codes, sorted(excluded))
    if exclude_same_gemeente and subject.gemeente_code and level != "gemeente":
        keep &= elig.gemeente_digits != subject.gemeente_code[2:6]
    keep &= sim["weight_share"].to_numpy() >= CANDIDATE_MIN_WEIGHT - 1e-12
    distance = sim["distance"].to_numpy()
    keep &= np.isfinite(distance)
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((codes[idx], distance[idx]))][:n]

    mean = elig.mean[used].to_numpy(dtype="float64")
    std = elig.std[used].to_numpy(dtype="float64")
    t = target[used].to_numpy(dtype="float64")
    x = eligible[used].to_numpy(dtype="float64")[idx]
    dz = sim[used].to_numpy(dtype="float64")[idx]
    peer_codes = [str(c) for c in codes[idx]]
    gemeente_codes = sorted({"GM" + c[2:6] for c in peer_codes if c[:2] in ("WK", "BU")})
    names = _names(con, [*peer_codes, *gemeente_codes], year, fingerprint)
    lbm = _lbm_series(con, peer_codes, fingerprint) if level == "wijk" else {}

    peers: list[Peer] = []
    n_gaps = 0
    n_compared = sim["n_features"].to_numpy()[idx]
    for rank, code in enumerate(peer_codes, start=1):
        row = rank - 1
        if int(n_compared[row]) < len(used):
            n_gaps += 1
        chosen = choose_reasons(dict(zip(used, dz[row], strict=True)))
        reasons = []
        for f in chosen:
            j = used.index(f)
            reasons.append(reason_text(f, float(x[row, j]), float(t[j]),
                                       peer_z=float((x[row, j] - mean[j]) / std[j]),
                                       subject_z=float((t[j] - mean[j]) / std[j])))
        series = lbm.get(code, [])
        lbm_change, lbm_text = (None, None)
        if len(series) >= 2:
            lbm_change, lbm_text = change(series[0].area, series[-1].area, unit="score",
                                          kind="score")
        gm = "GM" + code[2:6] if code[:2] in ("WK", "BU") else None
        peers.append(Peer(
            code=code,
            name=_display_name(names.get(code), code),
            gemeente_name=(names.get(gm) if gm else None),
            distance=float(distance[idx[row]]),
            rank=rank,
            reasons=reasons,
            lbm_change=lbm_change,
            lbm_change_text=lbm_text,
            lbm_series=series,
        ))

    labels = set(target_labels)
    for f in used:
        for ind in FEATURE_BY_ID[f].inputs:
            labels.update(data.labels.get(ind, ()))
    labels.update(pt.source or LBM_LABEL for p in peers for pt in p.lbm_series)
    note = _note(subject, level, year, used=used, not_loaded=not_loaded, low=low,
                 coverage=elig.coverage, lacking=lacking, flat=flat, n_gaps=n_gaps,
                 n_peers=len(peers), min_inhabitants=min_inhabitants,
                 exclude_same_gemeente=exclude_same_gemeente,
                 candidate_gemeenten=_candidate_gemeenten(con, data, elig, year, level,
                                                          fingerprint),
                 indicators_given=indicators is not None)
    return PeerGroup(
        level=level,
        year=year,
        indicators=used,
        method=_method(level, year, min_inhabitants),
        peers=peers,
        source="; ".join(sorted(labels)) or None,
        note=note,
    )


def _candidate_gemeenten(
    con: duckdb.DuckDBPyConnection, data: _LevelData, elig: _Eligible, year: int, level: str,
    fingerprint: str,
) -> tuple[list[str], int]:
    """Names (or codes) of the gemeenten the eligible regions lie in when they are few, and
    how many gemeenten have an inhabitant count that year; for gemeenten ``([], 0)``."""
    if level == "gemeente" or not data.n_gemeenten:
        return [], 0
    gms = ["GM" + d for d in np.unique(elig.gemeente_digits)]
    if len(gms) < 0.9 * data.n_gemeenten and len(gms) <= 10:
        names = _names(con, gms, year, fingerprint)
        gms = sorted(names.get(g) or g for g in gms)
    return gms, data.n_gemeenten


def _labels(ids: Sequence[str]) -> str:
    return join_nl([FEATURE_BY_ID[f].label for f in ids])


def _note(
    subject: Subject,
    level: str,
    year: int,
    *,
    used: list[str],
    not_loaded: list[str],
    low: list[str],
    coverage: pd.Series,
    lacking: list[str],
    flat: list[str],
    n_gaps: int,
    n_peers: int,
    min_inhabitants: int,
    exclude_same_gemeente: bool,
    candidate_gemeenten: tuple[list[str], int],
    indicators_given: bool,
) -> str:
    """Dutch note: features used and left out, exclusions and the reach of the comparison."""
    plural = _PLURAL[level]
    parts = [f"Vergeleken op {len(used)} kenmerken ({year}): {_labels(used)}."]
    used_themes = {FEATURE_BY_ID[f].theme for f in used}
    if not indicators_given:
        absent_themes = [THEMES[t] for t in THEMES
                         if t not in used_themes
                         and all(f.id in not_loaded for f in FEATURES if f.theme == t)]
        absent = [f for f in not_loaded if FEATURE_BY_ID[f].theme in used_themes
                  and FEATURE_BY_ID[f].theme != "herkomst"]
        if absent_themes:
            parts.append(f"Voor {plural} in {year} zijn geen gegevens geladen over "
                         f"{join_nl(absent_themes)}.")
        if absent:
            parts.append(f"Niet geladen voor {plural} in {year}: {_labels(absent)}.")
    elif not_loaded:
        parts.append(f"Niet geladen voor {plural} in {year}: {_labels(not_loaded)}.")
    if low:
        parts.append(
            "Niet gebruikt omdat ze voor te weinig " + plural + " bekend zijn (minder dan "
            f"{nl_number(FEATURE_MIN_COVERAGE * 100)}%): "
            + join_nl([f"{FEATURE_BY_ID[f].label} ({nl_number(coverage[f] * 100)}%)" for f in low])
            + "."
        )
    if lacking:
        parts.append(f"Niet gebruikt omdat ze voor {subject.name} ontbreken: "
                     f"{_labels(lacking)}.")
    if flat:
        parts.append(f"Niet gebruikt omdat ze voor alle {plural} gelijk zijn: {_labels(flat)}.")
    if subject.kind == "gebied" and subject.level == "buurt":
        n_members = len(subject.members)
        parts.append(
            f"{subject.name} ({n_members} buurt{'en' if n_members != 1 else ''}) is "
            "samengeteld (aantallen opgeteld, aandelen uit de opgetelde aantallen) en vergeleken "
            "met wijken, omdat het ongeveer zo groot is als een wijk."
        )
    excluded = [f"{subject.name} zelf"]
    if subject.wijk_codes and subject.kind == "gebied" and subject.level == "buurt":
        excluded.append("de wijk(en) waarin het ligt")
    if exclude_same_gemeente and level != "gemeente":
        excluded.append(f"de {plural} van {subject.gemeente_name or 'dezelfde gemeente'}")
    excluded.append(f"{plural} met minder dan {nl_number(min_inhabitants)} inwoners")
    parts.append(f"Niet meegeteld: {join_nl(excluded)}.")
    if n_gaps:
        parts.append(f"Bij {n_gaps} van de {n_peers} {plural} ontbrak een kenmerk; hun afstand "
                     "is berekend over de kenmerken die er wel zijn.")
    gms, n_gm = candidate_gemeenten
    if n_gm and len(gms) < 0.9 * n_gm:
        which = f" ({join_nl(gms)})" if len(gms) <= 10 else ""
        parts.append(
            f"Let op: voor {year} zijn alleen gegevens van {plural} in {len(gms)} van de "
            f"{n_gm} gemeenten geladen{which}, dus de vergelijking is niet landelijk."
        )
    if n_peers == 0:
        parts.append(f"Er zijn geen {plural} gevonden die aan de voorwaarden voldoen.")
    return " ".join(parts)
