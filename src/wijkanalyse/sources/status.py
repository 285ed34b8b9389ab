"""The data-quality report behind ``wijkanalyse data status`` (queries only, no printing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.sources import load


@dataclass
class StatusReport:
    """What is loaded and how complete it is.

    Attributes
    ----------
    sources
        One row per loaded source: file, kind, layout, CBS table, year, regions, values.
    regions
        Number of regions per year and level.
    coverage
        Per indicator, year and level: regions with a value, regions without (suppressed or
        empty), regions of that year and level in the database, and the coverage share. This
        is the complete matrix indicator × year × level (``to_dict`` adds it nested as
        ``matrix``).
    with_values
        Per year and level: the regions with at least one value (of any indicator), the
        regions of that year and level in the database (also those with a name or boundary
        only), and the number of indicators with a value. The nationwide series show here:
        2015 has 393 gemeenten, 2,816 wijken and 12,229 buurten with figures.
    missing_reasons
        Counts of missing values per reason.
    issues
        Counts of load issues per kind.
    unmatched
        Names (regions, boundaries) that could not be resolved to CBS codes.
    unmapped_columns
        Source columns not in the indicator catalogue.
    failed
        Sources that could not be loaded at all (with the message).
    conflicts
        Figures on which two sources disagree.
    not_loaded
        Catalogue indicators without any value in the database.
    documents
        Documentation found next to the data (PDF, Markdown, metadata): path, kind, title.
    """

    sources: pd.DataFrame
    regions: pd.DataFrame
    coverage: pd.DataFrame
    with_values: pd.DataFrame
    missing_reasons: pd.DataFrame
    issues: pd.DataFrame
    unmatched: pd.DataFrame
    unmapped_columns: pd.DataFrame
    failed: pd.DataFrame
    conflicts: pd.DataFrame
    not_loaded: pd.DataFrame
    documents: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output: every table as records, plus ``matrix``."""
        out: dict[str, Any] = {
            name: _records(getattr(self, name))
            for name in self.__dataclass_fields__
        }
        out["matrix"] = coverage_matrix(self.coverage)
        return out

    @property
    def is_empty(self) -> bool:
        """True when nothing has been loaded."""
        return bool(self.sources.empty)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
        for row in df.astype(object).to_dict(orient="records")
    ]


def coverage_matrix(coverage: pd.DataFrame) -> dict[str, Any]:
    """The coverage as a nested matrix: indicator -> year -> level -> regions with a value.

    Parameters
    ----------
    coverage
        :attr:`StatusReport.coverage`.

    Returns
    -------
    dict
        ``{"a_inw": {"label": ..., "years": {"2015": {"gemeente": 393, "wijk": 2816,
        "buurt": 12229}, ...}}, ...}``; a level without a row for that indicator and year is
        absent (no region of that level has the indicator), a level whose regions are all
        suppressed has 0. Years are strings (JSON keys).
    """
    out: dict[str, Any] = {}
    for row in coverage.itertuples(index=False):
        entry = out.setdefault(str(row.indicator_id), {
            "label": None if pd.isna(row.label) else row.label, "years": {}})
        entry["years"].setdefault(str(int(row.year)), {})[str(row.level)] = int(row.n_value)
    return out


def data_status(con: duckdb.DuckDBPyConnection) -> StatusReport:
    """Collect the data-quality report from an open database."""
    return StatusReport(**load.status_tables(con))
