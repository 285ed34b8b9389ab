"""Wijktypologie: group neighbourhoods into types on structural characteristics.

Features
--------
:func:`structural_features` gives, per unit (a wijk, a buurt or a set of them) and KWB year,
the structural features of :data:`wijkanalyse.profiel.peers.FEATURES` (size, density, age,
households,
housing stock incl. building period "built from 2000", herkomst or migratieachtergrond),
computed exactly as the peer group does (sets of regions are summed first: counts added,
rates weighted by their base), plus the **location within the gemeente**:
``afstand_centrum_rel``, the distance from the unit's centroid to the centre of its gemeente
(:func:`wijkanalyse.gebieden.location.locate`: the wijk called Centrum/Binnenstad, else the densest
wijk,
else the gemeente centroid) divided by the radius of a circle with the gemeente's area (0 = in
the centre, about 1 = at the edge), so that cities of different size are comparable. The
KWB has no coordinates: the location exists only where wijk or buurt boundaries of the unit's
codes are loaded (Amsterdam, Den Haag, Alkmaar; nationwide the 2016 wijk map and the 2015
buurt map for codes that still exist) and is missing elsewhere; the latest boundaries are used
for every year. Only what exists for the level and year is returned; ``attrs["note"]`` says
what is missing.

Method
------
:func:`typology` clusters the units on standardised features (z-scores, mean and standard
deviation ``ddof=0`` over the units that are fitted):

1. units with fewer than ``min_inhabitants`` (500) inhabitants are not typed (industrial
   estates, parks: their shares are extreme and they are no residential neighbourhood);
2. a feature known for fewer than ``min_coverage`` (80 %) of the remaining units, or without
   variance, is dropped (named in the note); units lacking one of the remaining features are
   not typed (their reason says which);
3. k-means (``KMeans(n_init=10, random_state=seed)``) or Ward's hierarchical clustering
   (``AgglomerativeClustering(linkage="ward")``, deterministic, at most
   :data:`WARD_MAX_UNITS` units) is run for every ``k`` in ``k_range``;
4. ``k`` is chosen by the **silhouette criterion**: the ``k`` with the highest mean silhouette
   coefficient (smallest ``k`` on a tie); a ``k`` that leaves fewer than
   :data:`MIN_UNITS_PER_TYPE` (5) units per type on average is not tried (with 19 wijken at
   most 3 types: the silhouette of tiny sets otherwise favours types of one wijk). The
   criterion table (``k, silhouette, inertia, smallest_type``) is returned; above
   :data:`SILHOUETTE_SAMPLE` units the silhouette is computed on a random sample of that
   size drawn with the seed;
5. types are numbered by size (type 1 = most units).

The clustering runs single-threaded (``threadpoolctl``): for these sizes that is faster than
OpenMP threads on a shared machine (a k-means fit of 3,000 wijken takes well under a second
instead of several seconds), and the result never depends on the number of threads.

Every feature weighs the same after standardisation, so a theme with several features (five
age shares) weighs more than one with a single feature (size); the shares within a theme are
correlated, which k-means handles but which the reader should know.

Names
-----
A type is named from its centre (the mean z-score of its units per feature) by a fixed rule:
take the features in order of decreasing ``|z|``, at most one per theme, while ``|z| >=``
:data:`NAME_MIN_Z` (0.5), at most :data:`NAME_MAX_FEATURES` (3); each gives a phrase from
:data:`PHRASES` (high or low), either an adjective ("jonge", "vergrijsde", "stedelijke") or a
"met"-clause ("veel corporatiewoningen"), and the name reads
``<adjectives> wijken met <clauses>``: "Vergrijsde, landelijke wijken met veel
eengezinswoningen". A centre without a salient feature is "Gemiddelde wijken". When two types
get the same name, the next salient features are added to both until they differ (at last
"(type n)").

Years
-----
Types are only comparable between years when they are the same types: :func:`typology_over_years`
fits the typology on one reference year and assigns the units of every other year to the
nearest centre (Euclidean distance of the z-scores, standardised with the *reference year's*
mean and standard deviation) with :func:`assign_types`; by default only features that exist in
every year are used. :func:`transition_table` counts the units by type in year A and type in
year B.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.codes import gemeente_code_of
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden import location
from wijkanalyse.model import Subject
from wijkanalyse.monitor.composite import unit_members
from wijkanalyse.profiel import peers

#: Column of the location feature.
LOCATION_FEATURE = "afstand_centrum_rel"
#: All features :func:`structural_features` can give, in order.
FEATURE_IDS: tuple[str, ...] = (*(f.id for f in peers.FEATURES), LOCATION_FEATURE)
#: Dutch label per feature.
FEATURE_LABELS: dict[str, str] = {
    **{f.id: f.label for f in peers.FEATURES},
    LOCATION_FEATURE: "afstand tot het centrum van de gemeente (deel van de straal)",
}
#: Theme per feature (one name phrase per theme).
FEATURE_THEMES: dict[str, str] = {**{f.id: f.theme for f in peers.FEATURES},
                                  LOCATION_FEATURE: "ligging"}
#: Minimum |z| of a centre for a feature to appear in a type's name.
NAME_MIN_Z = 0.5
#: Features in a name (at most).
NAME_MAX_FEATURES = 3
#: Ward's method keeps a distance matrix of n² numbers: above this many units use k-means.
WARD_MAX_UNITS = 10_000
#: Above this many units the silhouette is computed on a seeded sample of this size.
SILHOUETTE_SAMPLE = 5_000
#: Without a given k, only k with at least this many units per type on average are tried.
MIN_UNITS_PER_TYPE = 5
METHODS = ("kmeans", "ward")

#: Name phrases per feature: (when high, when low); each ``(slot, text)`` with slot ``"adj"``
#: (an adjective before "wijken") or ``"met"`` (a clause after "met").
PHRASES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "inwoners_log": (("adj", "grote"), ("adj", "kleine")),
    "dichtheid_log": (("adj", "stedelijke"), ("adj", "landelijke")),
    "aandeel_0_14": (("met", "veel kinderen"), ("met", "weinig kinderen")),
    "aandeel_15_24": (("met", "veel jongeren"), ("met", "weinig jongeren")),
    "aandeel_25_44": (("adj", "jonge"), ("met", "weinig 25- tot 45-jarigen")),
    "aandeel_45_64": (("met", "veel 45- tot 65-jarigen"), ("met", "weinig 45- tot 65-jarigen")),
    "aandeel_65_plus": (("adj", "vergrijsde"), ("met", "weinig ouderen")),
    "huishoudensgrootte": (("met", "grote huishoudens"), ("met", "kleine huishoudens")),
    "aandeel_eenpersoonshh": (("met", "veel alleenstaanden"), ("met", "weinig alleenstaanden")),
    "aandeel_hh_met_kinderen": (("met", "veel gezinnen"), ("met", "weinig gezinnen")),
    "woningen_per_100_inw": (("met", "veel woningen per inwoner"),
                             ("met", "weinig woningen per inwoner")),
    "aandeel_corporatie": (("met", "veel corporatiewoningen"),
                           ("met", "weinig corporatiewoningen")),
    "aandeel_koop": (("met", "veel koopwoningen"), ("met", "veel huurwoningen")),
    "aandeel_eengezins": (("met", "veel eengezinswoningen"), ("met", "veel appartementen")),
    "aandeel_bouwjaar_2000": (("adj", "nieuwe"), ("adj", "oudere")),
    "aandeel_herkomst_nl": (("met", "veel inwoners van Nederlandse herkomst"),
                            ("met", "een gemengde bevolking")),
    "aandeel_herkomst_europa": (("met", "veel inwoners met een Europese herkomst"),
                                ("met", "weinig inwoners met een Europese herkomst")),
    "aandeel_herkomst_buiten_europa": (("met", "veel inwoners met een herkomst buiten Europa"),
                                       ("met", "weinig inwoners met een herkomst buiten "
                                               "Europa")),
    "aandeel_westers": (("met", "veel inwoners met een westerse migratieachtergrond"),
                        ("met", "weinig inwoners met een westerse migratieachtergrond")),
    "aandeel_niet_westers": (("met", "veel inwoners met een niet-westerse migratieachtergrond"),
                             ("met", "weinig inwoners met een niet-westerse "
                                     "migratieachtergrond")),
    LOCATION_FEATURE: (("adj", "aan de rand gelegen"), ("adj", "centraal gelegen")),
}

LABEL_COLUMNS = ("unit_id", "type_id", "type_name", "fitted", "reason")
CENTER_COLUMNS = ("type_id", "type_name", "n_units", "feature", "label", "value",
                  "display_value", "z")
CRITERION_COLUMNS = ("k", "silhouette", "inertia", "smallest_type")



@dataclass
class TypologyResult:
    """A fitted typology.

    Attributes
    ----------
    labels
        One row per unit of the features: ``unit_id, type_id`` (nullable int, 1 = largest
        type), ``type_name``, ``fitted`` (the unit shaped the types) and ``reason`` (Dutch,
        why a unit has no type).
    centers
        Long: ``type_id, type_name, n_units, feature, label, value`` (mean in the feature's
        unit), ``display_value`` (as a reader reads it: inhabitants rather than their log),
        ``z`` (mean z-score).
    criterion
        ``k, silhouette, inertia, smallest_type`` for every ``k`` tried.
    k
        The number of types (0 when no typology could be made).
    method
        ``"kmeans"`` or ``"ward"``.
    features_used
        The features clustered on.
    note
        Dutch: method, choice of k, dropped features and untyped units.
    seed
        The random seed.
    mean, std
        Mean and standard deviation of every used feature over the fitted units (the
        standardisation that :func:`assign_types` applies to other years).
    center_z
        ``type_id`` x feature: the centres in z-scores.
    min_inhabitants
        Units with fewer inhabitants are not typed.
    reference_year
        The year the typology was fitted on, where known.
    dropped
        Feature -> Dutch reason it was not used.
    """

    labels: pd.DataFrame
    centers: pd.DataFrame
    criterion: pd.DataFrame
    k: int
    method: str
    features_used: list[str]
    note: str
    seed: int = 42
    mean: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))
    std: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))
    center_z: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_inhabitants: int = peers.MIN_INHABITANTS
    reference_year: int | None = None
    dropped: dict[str, str] = field(default_factory=dict)

    def type_names(self) -> dict[int, str]:
        """``type_id -> type_name``."""
        c = self.centers.drop_duplicates("type_id")
        return dict(zip(c["type_id"].astype(int), c["type_name"], strict=True))

    def centers_wide(self, *, kind: str = "display_value") -> pd.DataFrame:
        """The centres as a type x feature table of ``value``, ``display_value`` or ``z``."""
        if kind not in ("value", "display_value", "z"):
            raise ValueError("kind moet 'value', 'display_value' of 'z' zijn")
        wide = self.centers.pivot(index="type_id", columns="feature", values=kind)
        return wide.reindex(columns=self.features_used)


# --------------------------------------------------------------------------- features


def _location_features(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    members: Mapping[str, list[str]],
    levels: Mapping[str, str],
    cache: dict[str, Any],
) -> tuple[pd.Series, list[str]]:
    """Relative distance to the centre per unit (NaN without boundaries) and source labels."""
    out = pd.Series(np.nan, index=pd.Index(list(members), name="unit_id"), dtype="float64")
    with_bounds = {
        "GM" + str(r[0]) for r in con.execute(
            "SELECT DISTINCT substr(code, 3, 4) FROM geometries WHERE level IN ('wijk', 'buurt')"
        ).fetchall()
    }
    if not with_bounds:
        return out, []
    radius = {
        str(code): math.sqrt(float(area) / math.pi) / 1000.0
        for code, area in con.execute(
            """SELECT code, area_m2 FROM geometries WHERE level = 'gemeente' AND area_m2 > 0
               QUALIFY row_number() OVER (PARTITION BY code ORDER BY year DESC, source_id) = 1"""
        ).fetchall()
    }
    rows = units.set_index(units["unit_id"].astype(str))
    labels: set[str] = set()
    for uid, codes in members.items():
        gm = rows.at[uid, "gemeente_code"] if "gemeente_code" in rows.columns else None
        gm = gm if isinstance(gm, str) and gm else gemeente_code_of(codes[0])
        if gm not in with_bounds or gm not in radius:
            continue
        name = rows.at[uid, "name"] if "name" in rows.columns else uid
        gname = rows.at[uid, "gemeente_name"] if "gemeente_name" in rows.columns else None
        wk = rows.at[uid, "wijk_codes"] if "wijk_codes" in rows.columns else None
        kind = levels[uid] if len(codes) == 1 else "gebied"
        subject = Subject(kind=kind, id=codes[0] if len(codes) == 1 else uid,
                          name=str(name), gemeente_code=gm,
                          gemeente_name=gname if isinstance(gname, str) else None,
                          level=levels[uid], members=list(codes),
                          wijk_codes=list(wk) if isinstance(wk, list | tuple | np.ndarray) else [])
        loc = location.locate(con, subject, cache=cache)
        if loc.distance_to_centre_km is not None:
            out[uid] = loc.distance_to_centre_km / radius[gm]
            if loc.source:
                labels.update(loc.source.split("; "))
    return out, sorted(labels)


def structural_features(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    year: int,
    with_location: bool = True,
    cache: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The structural features of every unit in one KWB year.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        One row per unit: ``unit_id``, ``codes`` and optionally ``level``, ``name``,
        ``gemeente_code``, ``gemeente_name``, ``wijk_codes`` (as the ``units`` of a
        MonitorSet).
    year
        KWB year of the features.
    with_location
        Add :data:`LOCATION_FEATURE` where boundaries exist (see the module docstring).
    cache
        Optional dict kept by the caller between calls for the boundaries
        (see :func:`wijkanalyse.gebieden.location.locate`).

    Returns
    -------
    pandas.DataFrame
        Index ``unit_id`` (order of ``units``), one float column per feature with at least one
        value (``NaN`` = missing). ``attrs["note"]``: Dutch text on what is missing;
        ``attrs["source"]``: the citations ("Bron: ...").
    """
    members, levels = unit_members(units)
    year = int(year)
    frames: list[pd.DataFrame] = []
    single = {u: m[0] for u, m in members.items() if len(m) == 1}
    for level in sorted({levels[u] for u in single}):
        codes = {u: c for u, c in single.items() if levels[u] == level}
        data = peers.structural_features(con, level=level, year=year)
        part = data.reindex(list(codes.values()))
        part.index = pd.Index(list(codes), name="unit_id")
        frames.append(part)
    multi = {u: m for u, m in members.items() if len(m) > 1}
    if multi:
        frames.append(_summed_features(con, multi, year))
    feats = pd.concat(frames) if frames else pd.DataFrame()
    feats = feats.reindex(pd.Index(list(members), name="unit_id"))
    feats = feats.reindex(columns=[f for f in FEATURE_IDS if f in feats.columns])
    feats = feats.astype("float64")

    all_codes = sorted({c for m in members.values() for c in m})
    labels = {str(r[0]) for r in con.execute(
        """SELECT DISTINCT coalesce(s.label, s.file_name, o.source_id) FROM observation o
           LEFT JOIN sources s USING (source_id)
           WHERE o.year = ? AND o.code IN (SELECT unnest(?)) AND list_contains(?, o.indicator_id)
             AND o.value IS NOT NULL""",
        [year, all_codes, list(peers.INPUT_INDICATORS)]).fetchall() if r[0]}
    notes: list[str] = []
    if with_location:
        dist, loc_labels = _location_features(con, units, members, levels,
                                              cache if cache is not None else {})
        if dist.notna().any():
            feats[LOCATION_FEATURE] = dist.reindex(feats.index)
            labels.update(loc_labels)
        n_loc = int(dist.notna().sum())
        notes.append(
            f"De afstand tot het centrum van de gemeente is bekend voor {nl_number(n_loc)} van "
            f"de {nl_number(len(members))} gebieden: alleen waar de grenzen van deze wijk- of "
            "buurtcodes geladen zijn (de KWB heeft geen coördinaten).")
    absent = [FEATURE_LABELS[f] for f in FEATURE_IDS
              if f not in feats.columns and f not in ("aandeel_westers", "aandeel_niet_westers",
                                                      "aandeel_herkomst_nl",
                                                      "aandeel_herkomst_europa",
                                                      "aandeel_herkomst_buiten_europa",
                                                      LOCATION_FEATURE)]
    if absent:
        notes.insert(0, f"Niet geladen voor {year}: " + join_nl(absent) + ".")
    if not any(f in feats.columns for f in ("aandeel_westers", "aandeel_herkomst_nl")):
        notes.insert(0, f"Geen gegevens over herkomst in {year}.")
    no_data = int(feats.isna().all(axis=1).sum())
    if no_data:
        notes.append(f"{nl_number(no_data)} {'gebied heeft' if no_data == 1 else 'gebieden hebben'}"
                     f" in {year} geen enkel kenmerk.")
    feats.attrs["note"] = " ".join(notes)
    feats.attrs["source"] = ("Bron: " + "; ".join(sorted(labels))) if labels else None
    feats.attrs["year"] = year
    return feats


def _summed_features(con: duckdb.DuckDBPyConnection, multi: Mapping[str, list[str]],
                     year: int) -> pd.DataFrame:
    """Features of sets of regions: members summed as the peer group does."""
    codes = sorted({c for m in multi.values() for c in m})
    long = con.execute(
        """SELECT code, indicator_id, value FROM observation
           WHERE year = ? AND code IN (SELECT unnest(?)) AND list_contains(?, indicator_id)""",
        [int(year), codes, list(peers.INPUT_INDICATORS)]).df()
    cat = load_catalogue()
    bases = {i: b for i in peers.INPUT_INDICATORS
             if i in cat and cat[i].aggregation == "weighted" and (b := cat[i].base)}
    wide = long.pivot_table(index="code", columns="indicator_id", values="value",
                            aggfunc="first", dropna=False)
    wide.columns = [str(c) for c in wide.columns]
    rows = {}
    for uid, mem in multi.items():
        rows[uid] = peers.sum_members(wide.reindex(mem), bases=bases)
    summed = pd.DataFrame(rows).T
    feats = peers.features_from_indicators(summed) if len(summed.columns) else summed
    feats.index.name = "unit_id"
    return feats


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


# --------------------------------------------------------------------------- clustering


def _cluster(z: np.ndarray, k: int, method: str, seed: int) -> tuple[np.ndarray, float]:
    """Labels (0..k-1) and within-cluster sum of squares."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        if method == "kmeans":
            from sklearn.cluster import KMeans

            labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(z)
        else:
            from sklearn.cluster import AgglomerativeClustering

            labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(z)
    inertia = 0.0
    for c in range(k):
        part = z[labels == c]
        inertia += float(((part - part.mean(axis=0)) ** 2).sum())
    return labels.astype("int64"), inertia


def _silhouette(z: np.ndarray, labels: np.ndarray, seed: int) -> float:
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    if len(np.unique(labels)) < 2:
        return math.nan
    sample = SILHOUETTE_SAMPLE if len(z) > SILHOUETTE_SAMPLE else None
    with threadpool_limits(limits=1):
        return float(silhouette_score(z, labels, sample_size=sample, random_state=seed))


def _empty_result(features: pd.DataFrame, method: str, seed: int, note: str,
                  reasons: pd.Series, min_inhabitants: int, dropped: dict[str, str],
                  criterion: pd.DataFrame | None = None) -> TypologyResult:
    labels = pd.DataFrame({
        "unit_id": pd.Series(features.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(features), dtype="Int64"),
        "type_name": pd.Series([None] * len(features), dtype=object),
        "fitted": np.zeros(len(features), dtype=bool),
        "reason": pd.Series(list(reasons.reindex(features.index)), dtype=object),
    })
    return TypologyResult(
        labels=labels, centers=pd.DataFrame(columns=list(CENTER_COLUMNS)),
        criterion=criterion if criterion is not None
        else pd.DataFrame(columns=list(CRITERION_COLUMNS)),
        k=0, method=method, features_used=[], note=note, seed=seed,
        min_inhabitants=min_inhabitants, reference_year=features.attrs.get("year"),
        dropped=dropped)


def _validate(method: str, k: int | None, k_range: Sequence[int]) -> list[int]:
    if method not in METHODS:
        raise ValueError(f"onbekende methode {method!r}; kies uit {', '.join(METHODS)}")
    if k is not None:
        if int(k) != k or k < 2:
            raise ValueError("k moet een geheel getal van minstens 2 zijn")
        return [int(k)]
    ks = sorted({int(x) for x in k_range})
    if not ks or ks[0] < 2:
        raise ValueError("k_range moet niet leeg zijn en alleen waarden >= 2 bevatten")
    return ks


def typology(
    features: pd.DataFrame,
    *,
    k: int | None = None,
    method: str = "kmeans",
    seed: int = 42,
    k_range: Sequence[int] = range(3, 9),
    min_inhabitants: int = peers.MIN_INHABITANTS,
    min_coverage: float = peers.FEATURE_MIN_COVERAGE,
    noun: str = "wijken",
) -> TypologyResult:
    """Group units into types (see the module docstring for the method and the names).

    Parameters
    ----------
    features
        One row per unit (index = unit id), numeric feature columns, as
        :func:`structural_features` gives them (any numeric columns work; unknown features
        are named with their column name).
    k
        Number of types; default chosen from ``k_range`` by the silhouette criterion.
    method
        ``"kmeans"`` or ``"ward"``.
    seed
        Random seed (k-means initialisation and the silhouette sample).
    k_range
        The numbers of types tried when ``k`` is not given (values >= 2; values of at least the
        number of units are skipped).
    min_inhabitants
        Units with fewer inhabitants (feature ``inwoners_log``) are not typed; 0 types all.
    min_coverage
        A feature must be known for at least this share of the units to be used.
    noun
        Head noun of the type names.

    Returns
    -------
    TypologyResult
        With ``k == 0`` and an explaining note when too few units or features remain.

    Raises
    ------
    ValueError
        For an unknown method, ``k`` < 2, an empty ``k_range``, or Ward on more than
        :data:`WARD_MAX_UNITS` units.
    """
    ks = _validate(method, k, k_range)
    if not isinstance(features, pd.DataFrame):
        raise TypeError("features moet een DataFrame zijn")
    feats = features.apply(pd.to_numeric, errors="coerce").astype("float64")
    reasons = pd.Series(None, index=feats.index, dtype=object)
    eligible = pd.Series(True, index=feats.index)
    notes: list[str] = []
    if min_inhabitants > 0 and "inwoners_log" in feats.columns:
        small = ~(feats["inwoners_log"] >= math.log10(min_inhabitants))
        eligible &= ~small
        reasons[small] = (f"minder dan {nl_number(min_inhabitants)} inwoners (of onbekend): "
                          "geen woonwijk om te typeren")
    elif min_inhabitants > 0:
        notes.append("Het aantal inwoners is onbekend, dus kleine gebieden zijn niet "
                     "uitgesloten.")
    base = feats[eligible]
    dropped: dict[str, str] = {}
    used: list[str] = []
    for col in feats.columns:
        cov = float(base[col].notna().mean()) if len(base) else 0.0
        if cov < min_coverage:
            dropped[col] = (f"bekend voor {nl_number(cov * 100)}% van de gebieden (minder dan "
                            f"{nl_number(min_coverage * 100)}%)")
        elif not float(base[col].std(ddof=0)) > 0:
            dropped[col] = "geen spreiding"
        else:
            used.append(col)
    lacking = eligible & feats[used].isna().any(axis=1) if used else eligible & False
    for uid in feats.index[lacking]:
        miss = [FEATURE_LABELS.get(f, f) for f in used if pd.isna(feats.at[uid, f])]
        reasons[uid] = "kenmerken ontbreken: " + join_nl(miss)
    fit_mask = eligible & ~lacking
    fit = feats.loc[fit_mask, used]
    n = len(fit)
    if dropped:
        notes.append("Niet gebruikt: " + join_nl(
            [f"{FEATURE_LABELS.get(f, f)} ({r})" for f, r in dropped.items()]) + ".")
    too_many = [x for x in ks if x * MIN_UNITS_PER_TYPE > n] if k is None else []
    ks = [x for x in ks if x < n and x not in too_many]
    if too_many and ks:
        notes.append(f"Niet geprobeerd: k = {join_nl([str(x) for x in too_many])} (minder dan "
                     f"{MIN_UNITS_PER_TYPE} gebieden per type bij {nl_number(n)} gebieden).")
    if len(used) < 2 or not ks:
        why = (f"te weinig kenmerken ({len(used)})" if len(used) < 2
               else f"te weinig gebieden met alle kenmerken ({n})")
        reasons[fit_mask] = f"geen typologie: {why}"
        return _empty_result(features, method, seed,
                             f"Geen typologie gemaakt: {why}. " + " ".join(notes), reasons,
                             min_inhabitants, dropped)
    if method == "ward" and n > WARD_MAX_UNITS:
        raise ValueError(f"de methode ward houdt een afstandsmatrix van {n}² getallen bij; "
                         f"gebruik k-means voor meer dan {WARD_MAX_UNITS} gebieden")

    mean = fit.mean()
    std = fit.std(ddof=0)
    z = ((fit - mean) / std).to_numpy(dtype="float64")
    crit_rows = []
    results: dict[int, np.ndarray] = {}
    for kk in ks:
        lab, inertia = _cluster(z, kk, method, seed)
        results[kk] = lab
        crit_rows.append({"k": kk, "silhouette": _silhouette(z, lab, seed), "inertia": inertia,
                          "smallest_type": int(np.bincount(lab, minlength=kk).min())})
    criterion = pd.DataFrame(crit_rows, columns=list(CRITERION_COLUMNS))
    if k is not None:
        best = int(k)
    else:
        valid = criterion[criterion["silhouette"].notna()]
        best = int(valid.sort_values(["silhouette", "k"], ascending=[False, True])["k"].iloc[0]
                   if len(valid) else ks[0])
    raw = results[best]

    # number types by size (largest first), ties by the first unit in feature order
    sizes = np.bincount(raw, minlength=best)
    first = [int(np.flatnonzero(raw == c)[0]) for c in range(best)]
    order = sorted(range(best), key=lambda c: (-sizes[c], first[c]))
    remap = {old: new + 1 for new, old in enumerate(order)}
    type_ids = np.array([remap[int(c)] for c in raw], dtype="int64")

    zdf = pd.DataFrame(z, index=fit.index, columns=used)
    center_z = zdf.groupby(type_ids).mean()
    center_z.index.name = "type_id"
    center_v = fit.groupby(type_ids).mean()
    names = name_types(center_z, noun=noun)
    counts = pd.Series(type_ids).value_counts()

    centers = []
    for t in center_z.index:
        for f in used:
            val = float(center_v.at[t, f])
            disp = (peers.display_value(f, val) if f in peers.FEATURE_BY_ID else val)
            centers.append({"type_id": int(t), "type_name": names[int(t)],
                            "n_units": int(counts[t]), "feature": f,
                            "label": FEATURE_LABELS.get(f, f), "value": val,
                            "display_value": disp, "z": float(center_z.at[t, f])})
    labels = pd.DataFrame({
        "unit_id": pd.Series(feats.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(feats), dtype="Int64"),
        "type_name": pd.Series([None] * len(feats), dtype=object),
        "fitted": fit_mask.to_numpy(dtype=bool),
        "reason": pd.Series(list(reasons), dtype=object),
    })
    pos = np.flatnonzero(fit_mask.to_numpy())
    labels.loc[pos, "type_id"] = type_ids
    labels.loc[pos, "type_name"] = [names[int(t)] for t in type_ids]

    how = "k-means (10 starts, seed " + str(seed) + ")" if method == "kmeans" else \
        "Ward-clustering"
    if k is None:
        best_sil = float(criterion.loc[criterion["k"] == best, "silhouette"].iloc[0])
        tried = str(ks[0]) if len(ks) == 1 else f"{ks[0]}–{ks[-1]}"
        choice = (f"het aantal typen ({best}) is gekozen met het silhouetcriterium over k = "
                  f"{tried} (hoogste silhouet {nl_number(best_sil, decimals=2)})")
    else:
        choice = f"het aantal typen ({best}) is opgegeven"
    text = (f"{how} op {nl_number(n)} gebieden met {len(used)} kenmerken "
            f"(standaardscores); {choice}.")
    n_untyped = int((~fit_mask).sum())
    if n_untyped:
        text += (f" Zonder type: {nl_number(n_untyped)} "
                 f"{'gebied' if n_untyped == 1 else 'gebieden'} (de reden staat per gebied).")
    note = " ".join([text, *notes, features.attrs.get("note") or ""]).strip()
    return TypologyResult(
        labels=labels, centers=pd.DataFrame(centers, columns=list(CENTER_COLUMNS)),
        criterion=criterion, k=best, method=method, features_used=used, note=note, seed=seed,
        mean=mean, std=std, center_z=center_z, min_inhabitants=min_inhabitants,
        reference_year=features.attrs.get("year"), dropped=dropped)


def assign_types(result: TypologyResult, features: pd.DataFrame) -> pd.DataFrame:
    """Assign units (e.g. of another year) to the nearest type of a fitted typology.

    The features are standardised with the typology's own mean and standard deviation and
    each unit gets the type whose centre is nearest (Euclidean distance of the z-scores).
    Units below the typology's ``min_inhabitants`` or lacking a used feature get no type.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LABEL_COLUMNS` (``fitted`` is False: the unit did not shape the types).
    """
    feats = features.apply(pd.to_numeric, errors="coerce").astype("float64")
    out = pd.DataFrame({
        "unit_id": pd.Series(feats.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(feats), dtype="Int64"),
        "type_name": pd.Series([None] * len(feats), dtype=object),
        "fitted": np.zeros(len(feats), dtype=bool),
        "reason": pd.Series([None] * len(feats), dtype=object),
    })
    if result.k == 0:
        out["reason"] = "geen typologie om aan toe te wijzen"
        return out
    used = result.features_used
    ok = np.ones(len(feats), dtype=bool)
    reasons: list[str | None] = [None] * len(feats)
    if result.min_inhabitants > 0 and "inwoners_log" in feats.columns:
        small = ~(feats["inwoners_log"] >= math.log10(result.min_inhabitants)).to_numpy()
        for i in np.flatnonzero(small):
            reasons[i] = (f"minder dan {nl_number(result.min_inhabitants)} inwoners (of "
                          "onbekend): geen woonwijk om te typeren")
        ok &= ~small
    x = feats.reindex(columns=used)
    missing = x.isna().to_numpy()
    for i in np.flatnonzero(ok & missing.any(axis=1)):
        reasons[i] = "kenmerken ontbreken: " + join_nl(
            [FEATURE_LABELS.get(f, f) for f, m in zip(used, missing[i], strict=True) if m])
    ok &= ~missing.any(axis=1)
    z = ((x - result.mean[used]) / result.std[used]).to_numpy(dtype="float64")
    centers = result.center_z[used].to_numpy(dtype="float64")
    ids = result.center_z.index.to_numpy(dtype="int64")
    names = result.type_names()
    idx = np.flatnonzero(ok)
    if len(idx):
        d = ((z[idx, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        nearest = ids[np.argmin(d, axis=1)]
        out.loc[idx, "type_id"] = nearest
        out.loc[idx, "type_name"] = [names[int(t)] for t in nearest]
    out["reason"] = pd.Series(reasons, dtype=object)
    return out


def typology_over_years(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int],
    reference_year: int | None = None,
    common_features: bool = True,
    with_location: bool = True,
    **options: Any,
) -> tuple[TypologyResult, dict[int, pd.DataFrame]]:
    """Fit a typology on one year and assign the units of the other years to its types.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect`.
    units
        The units (see :func:`structural_features`).
    years
        The KWB years.
    reference_year
        The year to fit on; default the year with the most usable features, then the most
        units with an inhabitant count, then the latest.
    common_features
        Use only the features known (for at least ``min_coverage`` of the units) in every
        year, so that every year can be assigned; the note names the features left out.
    with_location
        Include the location feature where boundaries exist.
    **options
        Passed to :func:`typology` (``k``, ``method``, ``seed``, ``k_range``,
        ``min_inhabitants``, ``min_coverage``, ``noun``).

    Returns
    -------
    tuple
        The typology and ``year -> labels`` (the reference year: the fitted labels).
    """
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("geef minstens één jaar")
    if reference_year is not None and int(reference_year) not in years:
        years = sorted({*years, int(reference_year)})
    cache: dict[str, Any] = {}
    feats = {y: structural_features(con, units, year=y, with_location=with_location,
                                    cache=cache) for y in years}
    min_cov = float(options.get("min_coverage", peers.FEATURE_MIN_COVERAGE))

    def covered(f: pd.DataFrame) -> set[str]:
        return {c for c in f.columns if f[c].notna().mean() >= min_cov} if len(f) else set()

    cover = {y: covered(f) for y, f in feats.items()}
    if reference_year is None:
        reference_year = max(years, key=lambda y: (
            len(cover[y]), int(feats[y].get("inwoners_log", pd.Series(dtype=float))
                               .notna().sum()), y))
    ref = int(reference_year)
    ref_feats = feats[ref]
    left_out: list[str] = []
    if common_features:
        keep = set.intersection(*cover.values()) if cover else set()
        left_out = [c for c in ref_feats.columns if c in cover[ref] and c not in keep]
        ref_feats = ref_feats[[c for c in ref_feats.columns if c in keep or c not in cover[ref]]]
        ref_feats.attrs = dict(feats[ref].attrs)
    result = typology(ref_feats, **options)
    result.reference_year = ref
    extra = [f"Gemaakt op {ref} en toegewezen aan de jaren {join_nl([str(y) for y in years])} "
             "(dichtstbijzijnde type, met de standaardisering van het referentiejaar)."]
    if left_out:
        extra.append("Weggelaten omdat ze niet in elk jaar bekend zijn: "
                     + join_nl([FEATURE_LABELS.get(f, f) for f in left_out]) + ".")
    result.note = " ".join([result.note, *extra])
    by_year = {y: (result.labels.copy() if y == ref else assign_types(result, feats[y]))
               for y in years}
    return result, by_year


# --------------------------------------------------------------------------- transitions


def transition_table(
    labels_by_year: Mapping[int, pd.DataFrame],
    *,
    year_from: int | None = None,
    year_to: int | None = None,
) -> pd.DataFrame:
    """Units by type in one year (rows) and type in another year (columns).

    Parameters
    ----------
    labels_by_year
        ``year -> labels`` (``unit_id, type_id, type_name``) of the same typology, e.g. from
        :func:`typology_over_years`.
    year_from, year_to
        The two years; default the first and the last.

    Returns
    -------
    pandas.DataFrame
        Counts (int) of the units typed in both years; rows and columns are the type names
        (every type that occurs in either year, ordered by type id). ``attrs``: ``note``
        (Dutch), ``n_units`` (units in both years), ``n_changed``, ``year_from``,
        ``year_to``. Empty, with a note, when fewer than two years are given or no unit is
        typed in both.

    Raises
    ------
    ValueError
        When a requested year is not in ``labels_by_year``.
    """
    years = sorted(int(y) for y in labels_by_year)
    empty = pd.DataFrame()
    if len(years) < 2:
        empty.attrs.update(note="Geen overgangen: de typen zijn maar voor "
                           f"{'één jaar' if years else 'geen enkel jaar'} bekend.",
                           n_units=0, n_changed=0, year_from=None, year_to=None)
        return empty
    a = years[0] if year_from is None else int(year_from)
    b = years[-1] if year_to is None else int(year_to)
    for y in (a, b):
        if y not in labels_by_year:
            raise ValueError(f"geen typen voor {y}; beschikbaar: {', '.join(map(str, years))}")
    la = labels_by_year[a].dropna(subset=["type_id"])[["unit_id", "type_id", "type_name"]]
    lb = labels_by_year[b].dropna(subset=["type_id"])[["unit_id", "type_id", "type_name"]]
    both = la.merge(lb, on="unit_id", suffixes=("_a", "_b"))
    if both.empty:
        empty.attrs.update(note=f"Geen overgangen: geen enkel gebied heeft zowel in {a} als "
                           f"in {b} een type (kenmerken ontbreken in een van de jaren).",
                           n_units=0, n_changed=0, year_from=a, year_to=b)
        return empty
    types = pd.concat([
        la[["type_id", "type_name"]], lb[["type_id", "type_name"]]
    ]).drop_duplicates("type_id").sort_values("type_id")
    names = list(types["type_name"])
    table = pd.crosstab(both["type_name_a"], both["type_name_b"]).reindex(
        index=names, columns=names, fill_value=0).astype("int64")
    table.index.name = f"type {a}"
    table.columns.name = f"type {b}"
    n = len(both)
    changed = int((both["type_id_a"] != both["type_id_b"]).sum())
    only = (len(set(labels_by_year[a]["unit_id"]) | set(labels_by_year[b]["unit_id"])) - n)
    note = (f"{nl_number(n)} gebieden hebben zowel in {a} als in {b} een type; "
            f"{nl_number(changed)} daarvan ({nl_number(100 * changed / n)}%) veranderden van "
            "type.")
    if only:
        note += f" {nl_number(only)} gebieden hebben in een van de twee jaren geen type."
    table.attrs.update(note=note, n_units=n, n_changed=changed, year_from=a, year_to=b)
    return table
