"""Wijktypologie: group neighbourhoods into types on structural characteristics.

Modules: :mod:`.model` (features, labels, phrases, :class:`TypologyResult`), :mod:`.features`
(the features of units read from the database), :mod:`.names` (type names), :mod:`.cluster`
(fitting and assigning types) and :mod:`.years` (over the years, transitions).

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
A type's name must be true of its members, so it is made by comparing the **median of the
type's units** per feature with **all of Nederland** (:func:`name_reference`, passed as
``typology(..., reference=...)``; the monitor and :func:`typology_over_years` do this): the
wijken (or buurten) with at least 500 inhabitants of the nearest year in which the database
holds the level for all of Nederland (:data:`~.model.NATIONWIDE_MIN_GEMEENTEN`). A feature
gives a word from :data:`PHRASES` when the median lies in the lowest or highest quarter
(:data:`NAME_QUANTILE`), most extreme first, at most one per theme and
:data:`NAME_MAX_FEATURES` in all; "stedelijke" / "landelijke" come only from CBS stedelijkheid
(``ste_mvs``) and "welvarende" / "minder welvarende" from income or WOZ value against
Nederland, placed first; density gives "dichtbevolkte" / "dunbevolkte". "Vergrijsde" needs
the national distribution ("met relatief veel ouderen" otherwise). Without a reference (or for
a feature without a national distribution, such as the location) the type's mean z-score
among the typed units counts (``|z| >=`` :data:`NAME_MIN_Z`). The rule is in
:mod:`.names`; a centre without a salient feature is "Gemiddelde wijken". When two types get
the same name, the next salient features are added to both until they differ (at last
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

from wijkanalyse.monitor.typology.cluster import assign_types, typology
from wijkanalyse.monitor.typology.features import name_reference, structural_features
from wijkanalyse.monitor.typology.model import (
    CENTER_COLUMNS,
    CRITERION_COLUMNS,
    FEATURE_IDS,
    FEATURE_LABELS,
    FEATURE_THEMES,
    LABEL_COLUMNS,
    LOCATION_FEATURE,
    METHODS,
    MIN_UNITS_PER_TYPE,
    NAME_MAX_FEATURES,
    NAME_MIN_Z,
    NAME_QUANTILE,
    PHRASES,
    SILHOUETTE_SAMPLE,
    WARD_MAX_UNITS,
    NameReference,
    TypologyResult,
)
from wijkanalyse.monitor.typology.names import name_types
from wijkanalyse.monitor.typology.years import transition_table, typology_over_years

__all__ = [
    "CENTER_COLUMNS", "CRITERION_COLUMNS", "FEATURE_IDS", "FEATURE_LABELS", "FEATURE_THEMES",
    "LABEL_COLUMNS", "LOCATION_FEATURE", "METHODS", "MIN_UNITS_PER_TYPE", "NAME_MAX_FEATURES",
    "NAME_MIN_Z", "NAME_QUANTILE", "PHRASES", "SILHOUETTE_SAMPLE", "WARD_MAX_UNITS",
    "NameReference", "TypologyResult", "assign_types", "name_reference", "name_types",
    "structural_features", "transition_table", "typology", "typology_over_years",
]
