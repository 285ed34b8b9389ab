"""What every reader returns: regions, values and issues of one source file, not yet stored.

Readers are pure with respect to the database: they read one file and return
:class:`SourceTable` objects (one per year/table in the file). :mod:`wijkanalyse.sources.build`
resolves
names to codes where needed and writes them to the store in one transaction per file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Columns of :attr:`SourceTable.regions`.
REGION_COLUMNS = [
    "region_key",  # int, unique within the table; values refer to it
    "year",  # int
    "code",  # normalised CBS code, or None when the source has names only
    "level",  # land | gemeente | wijk | buurt
    "name",  # name as given in the source (stripped)
    "gemeente_name",  # gemeente name where the source gives it, else None
    "line",  # 1-based line (or row number) in the source, for messages
]

#: Columns of :attr:`SourceTable.values`.
VALUE_COLUMNS = [
    "region_key",  # refers to regions.region_key
    "year",  # int (usually the table year; Leefbaarometer files hold many years)
    "indicator_id",  # id in the catalogue
    "value",  # float64, NaN where missing
    "missing_reason",  # None where a value exists, else the (Dutch) reason
    "source_column",  # column header in the source file
]


@dataclass(frozen=True)
class LoadIssue:
    """Something a reader noticed and the user should see in ``data status``.

    ``kind`` is one of ``unmapped_column`` (column not in the catalogue), ``unmatched_name``
    (a name that could not be resolved to a CBS code), ``unmatched_boundary``, ``note``.
    """

    kind: str
    detail: str
    column: str | None = None
    line: int | None = None


@dataclass
class SourceInfo:
    """Provenance of a source table."""

    path: Path
    kind: str  # kwb | leefbaarometer | ses | boundaries | politie | gezondheid
    layout: str  # e.g. statline_csv, r_csv, odata_csv, heerlen_sqlite, kwb2024_pair, lbm_wijk_csv
    table_id: str | None  # CBS table identifier (e.g. 84583NED) where known
    year: int | None  # table year where one year
    sha256: str = ""
    label: str = ""  # how the source is cited, e.g. "CBS, Kerncijfers Wijken en Buurten 2019"
    #: Source id of one of several tables read from one file or folder (default: file name).
    name: str | None = None

    @property
    def source_id(self) -> str:
        """Stable id: ``name`` when set, else the file name, plus the year for multi-table
        files."""
        if self.name:
            return self.name
        base = self.path.name
        return f"{base}#{self.year}" if self.layout == "heerlen_sqlite" else base


@dataclass
class SourceTable:
    """One table read from a source file."""

    source: SourceInfo
    regions: pd.DataFrame
    values: pd.DataFrame
    issues: list[LoadIssue] = field(default_factory=list)
    #: For boundary files: region_key -> geometry columns (see read_boundaries).
    geometries: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        missing = [c for c in REGION_COLUMNS if c not in self.regions.columns]
        if missing:
            raise ValueError(f"regions frame lacks columns {missing}")
        missing = [c for c in VALUE_COLUMNS if c not in self.values.columns]
        if missing:
            raise ValueError(f"values frame lacks columns {missing}")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def empty_values() -> pd.DataFrame:
    """An empty values frame with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in VALUE_COLUMNS})
