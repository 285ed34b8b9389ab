"""Trend classes of neighbourhoods from their Leefbaarometer series ("Kwetsbare wijken in beeld").

Platform31 (2017) followed the former aandachtswijken in the Leefbaarometer and sorted them by
level and trend: *Succes*, *Gestaag herstel*, *Terugval* and *Vroegsignalering*. This package
makes that classification repeatable for any set of units and any year, with the classes needed
for units that fit none of the four (see ``docs/trendklassen.md``).

Two steps:

* :func:`lbm_series` (I/O, :mod:`.series`) reads the Leefbaarometer per unit from the database:
  a unit that is a buurt or a set of buurten gets the series of the wijk(en) containing it;
  several wijken are averaged with weights = their inhabitants (``a_inw``) in the latest year
  in which all of them have a count. :func:`containing_wijken` names those wijken per unit:
  such a unit has no class of its own, it shows the class of the wijk(en), labelled so.
* :func:`classify_trends` (pure, :mod:`.classify`) classifies each unit from its series.

The classification uses only ``lbm_afw``, the deviation from the national reference as the
Leefbaarometer defines it (``lbm - lbm_afw``); it is therefore unchanged when a constant is added
to every ``lbm`` score, and the slopes depend on differences only. Levels are compared with
thresholds, trends are least-squares slopes (afwijkingspunten per jaar) over the measurements in
an early and a late period; the spread of the measurements around the late trend line
(``noise``) flags erratic series. Every threshold lives in ``data/trends.yaml``
(:class:`TrendConfig`, :func:`load_trend_config`, :mod:`.config`) and can be overridden per
call. :func:`class_distribution`, :func:`trend_classes` and :func:`trend_summary` help reports.
"""

from wijkanalyse.monitor.trends.classify import class_distribution, classify_trends, trend_summary
from wijkanalyse.monitor.trends.config import (
    CLASS_IDS,
    RESULT_COLUMNS,
    SERIES_COLUMNS,
    TrendClass,
    TrendConfig,
    TrendConfigError,
    load_trend_config,
    trend_classes,
)
from wijkanalyse.monitor.trends.series import containing_wijken, lbm_series

__all__ = [
    "CLASS_IDS", "RESULT_COLUMNS", "SERIES_COLUMNS", "TrendClass", "TrendConfig",
    "TrendConfigError", "class_distribution", "classify_trends", "containing_wijken",
    "lbm_series",
    "load_trend_config", "trend_classes", "trend_summary",
]
