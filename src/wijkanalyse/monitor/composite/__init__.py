"""Samengestelde wijkindex: a composite index of KWB indicators per domain.

Modules: :mod:`.config` (``data/composite.yaml``), :mod:`.compute` (pure: members, references,
aggregation, scores, domain and total indices), :mod:`.groupsets` (the indicators, sources and
reasons of each row as numbered sets, with NumPy), :mod:`.index` (the index of units read from
the database, the default base year), :mod:`.single` (the values of units of one member code,
read as numbers) and :mod:`.lbm` (the Leefbaarometer beside the index).

In the style of Rotterdam's Wijkprofiel (100 = the city average of the base year 2014, scores
90-110 read "rond het gemiddelde"), every indicator of a unit (a wijk, buurt or a set of them)
is put on one scale where **100 is the national average of a base year** and higher is better;
indicator scores are averaged into domain indices (sociaal, economisch, fysiek/wonen,
veiligheid) and those into a total index.

Method
------
The indicators, their domain and weight are listed in ``data/composite.yaml`` (only catalogue
indicators with a ``better`` direction are allowed). For indicator *i*, unit *u* and year *t*:

``index_i(u, t) = 100 + scale * clip(d_i * (v_i(u, t) - r_i) / s_i, -clip_z, +clip_z)``

* ``v_i(u, t)``: the unit's value, aggregated over its member codes with
  :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (counts summed, rates and means weighted by
  their
  base count; a member without a value makes the value missing, never a silently smaller
  sum);
* ``r_i`` (reference): the value of Nederland (``NL00``) in the base year. Where the database
  has no national value for the indicator in the base year, the mean of all loaded regions of
  the unit's level in the base year is used instead, weighted by the indicator's base count
  (as the national figure is), over the regions that also count for the spread (below). Which
  reference was used is stated for every indicator in :func:`index_references` and in the
  ``note`` of every result row: the two are never mixed silently;
* ``s_i`` (spread): the standard deviation (``ddof=0``) of the indicator over all loaded
  regions of the unit's level in the base year with at least ``min_inhabitants`` inhabitants
  (tiny regions have extreme rates). The spread is computed over the regions that are *loaded*:
  in this data that is a few gemeenten, not the whole country, and the note says how many;
* ``d_i``: +1 where a higher value is better, -1 where a lower value is better (the
  catalogue's ``better``), so a higher index is always better;
* ``scale`` (10) index points per standard deviation; ``clip_z`` (4) caps the standard score,
  so one extreme indicator cannot decide a domain (index between 60 and 140).

The base year and the reference are the same for every year of the series, so an index that
rises over the years is a real improvement relative to the base year, not a moving average.
An indicator is *usable* when the base year has a reference, a spread above 0 and at least
``min_regions`` regions for the spread; otherwise it is left out (and named in the note).

Domain index: the weighted mean of the usable indicator indices the unit has in that year,
provided they carry at least ``min_weight_share`` of the domain's usable weight (else no
index, with the reason). ``complete`` is True when every usable indicator of the domain has a
value. Total index (domain ``"totaal"``): the weighted mean of the domain indices (domain
weights, default 1 each) when at least ``min_domains`` domains have an index; ``complete``
when every domain with usable indicators has a complete index.

Default base year: among the years with values for the configured indicators at the units'
level, the year with the most usable indicators with a *national* reference (the index is meant
to read "100 = Nederland"), then the most domains with a usable indicator, then the most usable
indicators, then the latest year. In the shipped
data that is 2019 (11 indicators, all with a national reference; no safety figures exist for
2019, so veiligheid needs ``base_year=2017``, with a reference that is the mean of the loaded
wijken because the 2017 national row has no crime figures).

Comparison with the Leefbaarometer: :func:`compare_with_lbm` pairs the total index of every
year with the Leefbaarometer deviation from the national average (``lbm_afw``) of the same
year, else the nearest measurement within ``max_year_gap`` years (the earlier one on a tie),
ranks the units within each year on both (1 = best) and reports Spearman's rank correlation
with the number of units; :func:`lbm_deviation` reads ``lbm_afw`` for the units.
"""

from wijkanalyse.monitor.composite.compute import (
    aggregate_unit_values,
    combine_scores,
    compute_references,
    score_values,
    unit_members,
)
from wijkanalyse.monitor.composite.config import (
    DOMAINS,
    INDEX_COLUMNS,
    LBM_DEVIATION,
    NATIONAL_CODE,
    PACKAGED_CONFIG,
    REFERENCE_COLUMNS,
    SCORE_COLUMNS,
    TOTAL,
    CompositeConfig,
    CompositeConfigError,
    IndexDomain,
    IndexIndicator,
    load_config,
    parse_config,
)
from wijkanalyse.monitor.composite.index import (
    composite_index,
    default_base_year,
    index_references,
    indicator_index,
    unit_values,
)
from wijkanalyse.monitor.composite.lbm import compare_with_lbm, lbm_deviation

__all__ = [
    "DOMAINS", "INDEX_COLUMNS", "LBM_DEVIATION", "NATIONAL_CODE", "PACKAGED_CONFIG",
    "REFERENCE_COLUMNS", "SCORE_COLUMNS", "TOTAL", "CompositeConfig", "CompositeConfigError",
    "IndexDomain", "IndexIndicator", "aggregate_unit_values", "combine_scores",
    "compare_with_lbm", "composite_index", "compute_references", "default_base_year",
    "index_references", "indicator_index", "lbm_deviation", "load_config", "parse_config",
    "score_values", "unit_members", "unit_values",
]
