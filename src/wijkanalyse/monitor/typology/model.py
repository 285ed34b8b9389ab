"""The typology's features and types: ids, labels, themes, naming phrases, limits, result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
#: Minimum |z| of a centre for a feature to appear in a type's name (only when no values
#: are given to :func:`~wijkanalyse.monitor.typology.name_types`: the z-scores alone).
NAME_MIN_Z = 0.5
#: A feature names a type when the type's median lies in the lowest or highest quarter of the
#: reference distribution (the wijken or buurten of all of Nederland where loaded).
NAME_QUANTILE = 0.25
#: A year's regions of a level are "all of Nederland" for a feature when those with a value
#: lie in at least this many gemeenten (Nederland had 342 gemeenten in 2024, 393 in 2015).
NATIONWIDE_MIN_GEMEENTEN = 300
#: CBS stedelijkheid (``ste_mvs``, 1 zeer sterk ... 5 niet stedelijk): a type's median class
#: at most the first gives "stedelijke", at least the second "landelijke".
URBAN_MAX_CLASS = 2.0
RURAL_MIN_CLASS = 4.0
#: Welvaart: the type's median of income per inhabitant (``g_ink_pi``), else of the WOZ value
#: (``g_woz``), as a ratio to Nederland of the same year: at least the first gives
#: "welvarende", at most the second "minder welvarende".
WEALTHY_RATIO = 4 / 3
POOR_RATIO = 3 / 4
#: How far back (years) stedelijkheid and welvaart are looked up before the typology's year.
CONTEXT_LOOKBACK = 10
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
    # "stedelijk"/"landelijk" only from CBS stedelijkheid (URBAN_MAX_CLASS), never from the
    # density of inhabitants: an area of villas and embassies is thinly populated and urban
    "dichtheid_log": (("adj", "dichtbevolkte"), ("adj", "dunbevolkte")),
    "aandeel_0_14": (("met", "veel kinderen"), ("met", "weinig kinderen")),
    "aandeel_15_24": (("met", "veel jongeren"), ("met", "weinig jongeren")),
    "aandeel_25_44": (("adj", "jonge"), ("met", "weinig 25- tot 45-jarigen")),
    "aandeel_45_64": (("met", "veel 45- tot 65-jarigen"), ("met", "weinig 45- tot 65-jarigen")),
    # "vergrijsde" only against the national distribution (LOCAL_PHRASES otherwise)
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

#: Phrases used instead of :data:`PHRASES` when a feature is compared with the typed areas
#: only (no distribution of all of Nederland loaded): no word that claims a national level.
LOCAL_PHRASES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "aandeel_65_plus": (("met", "relatief veel ouderen"), ("met", "relatief weinig ouderen")),
}


@dataclass
class NameReference:
    """What the words of type names are compared with.

    Attributes
    ----------
    distribution
        Feature -> the sorted values of the regions of all of Nederland (level of the units,
        at least :data:`~wijkanalyse.profiel.peers.MIN_INHABITANTS` inhabitants).
    years
        Feature -> the year of that distribution (the nearest year in which the level is
        loaded for all of Nederland).
    level
        ``"wijk"`` or ``"buurt"``.
    context
        Per unit id: ``stedelijkheid`` (CBS class 1-5, median of its members) and
        ``welvaart`` (income per inhabitant, else WOZ value, as a ratio to Nederland of the
        same year); NaN where unknown.
    note
        Dutch: what the words are compared with.
    by_level, unit_levels
        The distributions per level (``level -> feature -> sorted values``) and the level of
        each unit: a set of wijken and buurten compares each unit with its own level (the
        type's median percentile); empty for hand-made references, which use
        ``distribution``.
    """

    distribution: dict[str, np.ndarray] = field(default_factory=dict)
    years: dict[str, int] = field(default_factory=dict)
    level: str = "wijk"
    context: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str = ""
    by_level: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    unit_levels: dict[str, str] = field(default_factory=dict)


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
