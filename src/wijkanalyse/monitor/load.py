# --- trends, composite, typology, early warning
"""The SQL of the monitor: functions that take a connection and return DataFrames or values.

The analysis modules (:mod:`~wijkanalyse.monitor.trends`,
:mod:`~wijkanalyse.monitor.composite`, :mod:`~wijkanalyse.monitor.typology`,
:mod:`~wijkanalyse.monitor.earlywarning`) read the database only through these functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd


def lbm_observations(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Leefbaarometer ``lbm`` and ``lbm_afw`` of ``codes``: ``code``, ``year``,
    ``indicator_id``, ``value`` and the source ``label``."""
    return con.execute(
        "SELECT o.code, o.year, o.indicator_id, o.value, s.label FROM observation o "
        "LEFT JOIN sources s ON s.source_id = o.source_id "
        "WHERE o.indicator_id IN ('lbm', 'lbm_afw') AND o.value IS NOT NULL "
        "AND list_contains(?, o.code)", [list(codes)]).df()


def inhabitants(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Inhabitants (``a_inw``) of ``codes`` per year: ``code``, ``year``, ``value``."""
    return con.execute(
        "SELECT code, year, value FROM observation WHERE indicator_id = 'a_inw' "
        "AND value IS NOT NULL AND list_contains(?, code)", [list(codes)]).df()
