"""Conventions of the CBS Wijk- en Buurtkaart attribute tables, shared by its readers.

The Wijk- en Buurtkaart (the CBS map of gemeenten, wijken and buurten) carries the KWB figures
of its year as attributes, with upper-case column names that are the KWB short names of the
older ``kwb-YYYY.xls`` files (``AANT_INW``, ``P_00_14_JR``, ``P_WEST_AL``, ``WWB_UITTOT``).
The same table comes as a shapefile attribute table (:mod:`wijkanalyse.sources.wbk_dbf`) and as
GeoJSON (:mod:`wijkanalyse.sources.wbk_geojson`); this module turns such a table into regions and
values.

Region columns
    ``BU_CODE``/``WK_CODE``/``GM_CODE`` (the region's own code is that of the lowest level
    present; the others name the wijk and gemeente it lies in), ``BU_NAAM``/``WK_NAAM``/
    ``GM_NAAM``, ``IND_WBI`` (changed division), ``WATER``, ``JRSTATCODE`` and ``JAAR`` (year),
    ``Shape_Leng``/``Shape_Area``/``OBJECTID`` (GIS bookkeeping). Every other column must be in
    the catalogue; what is not is reported as ``unmapped_column``.
Missing values
    ``-99999999`` (secret or unknown) and ``-99999997`` (below the threshold) become missing
    values with that reason (:func:`wijkanalyse.cbsvalues.parse_map_codes`).
Water
    Rows with ``WATER = 'JA'`` are water-only regions (lakes, sea) without inhabitants; in the
    gemeente table they even repeat the code of the land gemeente. They are **not loaded** as
    regions and have no values; one ``note`` per table says how many were left out. A row with
    another flag (``'B'`` marks the dummy region ``GM9999``/``WK999999`` of the 2017 map) is
    left out with a note naming it.
Rounding
    The map's percentages are whole percentages and its counts of persons and households at
    wijk and buurt level are rounded (to 5; benefits to 10); every table gets a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbsvalues import parse_map_codes
from wijkanalyse.codes import is_valid_code, normalise_code
from wijkanalyse.errors import DataFileError
from wijkanalyse.sourcetable import REGION_COLUMNS, VALUE_COLUMNS, LoadIssue, empty_values

#: Upper-case column name -> its role in a Wijk- en Buurtkaart table (never an indicator).
REGION_ROLES: dict[str, str] = {
    "BU_CODE": "code",
    "WK_CODE": "code",
    "GM_CODE": "code",
    "BU_NAAM": "name",
    "WK_NAAM": "name",
    "GM_NAAM": "gemeente_name",
    "IND_WBI": "indelingswijziging",
    "WATER": "water",
    "JRSTATCODE": "code",
    "JAAR": "period",
    "SHAPE_LENG": "geometry",
    "SHAPE_AREA": "geometry",
    "SHAPE_LENGTH": "geometry",
    "OBJECTID": "row_id",
    "FID": "row_id",
}

#: Levels from low to high with their code and name columns.
LEVEL_COLUMNS = (
    ("buurt", "BU_CODE", "BU_NAAM"),
    ("wijk", "WK_CODE", "WK_NAAM"),
    ("gemeente", "GM_CODE", "GM_NAAM"),
)
PLURAL = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}

#: Values of the ``WATER`` column.
WATER_YES = "JA"
LAND_VALUES = frozenset({"NEE", ""})

ROUNDING_NOTE = (
    "De Wijk- en Buurtkaart geeft percentages in hele procenten en rondt aantallen personen "
    "en huishoudens van wijken en buurten af (op vijftallen; uitkeringen op tientallen); "
    "cijfers kunnen daardoor iets afwijken van de KWB-tabellen."
)

#: Columns added by the readers to the attribute frame (never from the file).
RECORD = "__record__"  # 1-based record (DBF) or feature (GeoJSON) number
ORIGIN = "__origin__"  # file name the row comes from


def role_of(column: str) -> str | None:
    """The region role of a Wijk- en Buurtkaart column, or ``None`` for a data column."""
    return REGION_ROLES.get(str(column).strip().upper())


def level_of_columns(columns: list[str]) -> tuple[str, str, str | None] | None:
    """``(level, code column, name column)`` of a table from its column names, or ``None``.

    The lowest level whose code column is present wins (a buurt table also names its wijk and
    gemeente). Column names are returned as spelled in the table.
    """
    upper = {str(c).strip().upper(): c for c in columns}
    for level, code_col, name_col in LEVEL_COLUMNS:
        if code_col in upper:
            return level, upper[code_col], upper.get(name_col)
    return None


@dataclass
class Table:
    """Regions and values of one Wijk- en Buurtkaart table, ready for a ``SourceTable``."""

    regions: pd.DataFrame
    values: pd.DataFrame
    issues: list[LoadIssue]
    #: per region (in region_key order): its row position in the frame given to ``to_table``
    rows: np.ndarray
    #: the normalised code of every row of that frame
    codes: pd.Series
    #: rows of that frame that are land regions (water rows are left out)
    land: np.ndarray


def _text_column(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None or column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    col = frame[column].astype(object)
    col = col.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                  else (str(v).strip() or None))
    return col.astype(object)


def _where(row: pd.Series, *, what: str) -> str:
    origin = row.get(ORIGIN)
    prefix = f"{origin}, " if isinstance(origin, str) and origin else ""
    return f"{prefix}{what} {int(row[RECORD])}"


def codes(path: Path, frame: pd.DataFrame, code_col: str, level: str, *,
          what: str = "record") -> pd.Series:
    """The normalised CBS codes of ``code_col``; a bad code raises naming record and field."""
    raw = _text_column(frame, code_col)
    norm = raw.map(lambda c: normalise_code(c) if c is not None else None).astype(object)
    prefix = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}[level]
    ok = norm.map(lambda c: c is not None and is_valid_code(c) and c.startswith(prefix))
    if not ok.all():
        pos = int(np.argmin(ok.to_numpy()))
        row = frame.iloc[pos]
        raise DataFileError(
            path, f"{_where(row, what=what)}, veld {code_col}: {raw.iloc[pos]!r} is geen "
                  f"CBS-{level}code (zoals {prefix}" + ("03630000" if prefix == "BU" else
                                                        "036300" if prefix == "WK" else "0363")
                  + ").",
            column=code_col,
            hint="Herstel de code of gebruik het originele bestand van CBS/PDOK.",
        )
    return norm


def land_rows(frame: pd.DataFrame, code: pd.Series, *,
              what: str = "record") -> tuple[pd.Series, list[LoadIssue]]:
    """Mask of the rows that are land regions, and notes about the rows left out (water)."""
    issues: list[LoadIssue] = []
    water_col = next((c for c in frame.columns if str(c).strip().upper() == "WATER"), None)
    if water_col is None:
        return pd.Series(True, index=frame.index), issues
    flag = _text_column(frame, water_col).fillna("").str.upper()
    water = flag == WATER_YES
    other = ~water & ~flag.isin(LAND_VALUES)
    if water.any():
        examples = ", ".join(sorted(code[water])[:5])
        issues.append(LoadIssue(
            kind="note", column=water_col,
            detail=f"{int(water.sum())} gebieden met {water_col} = '{WATER_YES}' (alleen water, "
                   f"geen inwoners) zijn niet als gebied geladen (bv. {examples}).",
        ))
    for idx in frame.index[other]:
        row = frame.loc[idx]
        issues.append(LoadIssue(
            kind="note", column=water_col, line=int(row[RECORD]),
            detail=f"{_where(row, what=what)} ({code[idx]}): {water_col} = {flag[idx]!r} is "
                   "geen land- of watergebied (JA/NEE); niet geladen.",
        ))
    return ~water & ~other, issues


def dedupe(frame: pd.DataFrame, code: pd.Series, data_columns: list[str], *,
           what: str = "record") -> tuple[pd.Series, list[LoadIssue]]:
    """Mask keeping the first row of every code; conflicting copies become ``conflict`` issues.

    Copies with equal data are dropped silently (a region cut by a file boundary appears in
    both files); copies that differ in a data column are reported with both values, and the
    first copy (in file and record order) is kept.
    """
    dup = code.duplicated(keep=False).to_numpy()
    keep = ~code.duplicated(keep="first")
    issues: list[LoadIssue] = []
    if not dup.any():
        return keep, issues
    sub = frame.loc[dup, data_columns]
    dup_codes = code[dup]
    first_label = pd.Series(sub.index, index=sub.index).groupby(dup_codes.to_numpy()).transform(
        "first")
    firsts = sub.loc[first_label.to_numpy()].set_axis(sub.index)
    same = (sub == firsts) | (sub.isna() & firsts.isna())
    differs = ~same.to_numpy().all(axis=1)
    for label in sub.index[differs]:
        a, b = frame.loc[first_label[label]], frame.loc[label]
        diffs = [col for col in data_columns if not _same(a[col], b[col])]
        shown = "; ".join(f"{col} {_shown(a[col])} tegen {_shown(b[col])}" for col in diffs[:5])
        more = f" (en {len(diffs) - 5} andere velden)" if len(diffs) > 5 else ""
        issues.append(LoadIssue(
            kind="conflict", column=diffs[0] if diffs else None, line=int(b[RECORD]),
            detail=f"{code[label]} staat twee keer in de Wijk- en Buurtkaart met andere "
                   f"waarden: {_where(a, what=what)} en {_where(b, what=what)}: {shown}{more}. "
                   f"De eerste ({_where(a, what=what)}) is geladen.",
        ))
    return keep, issues


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "leeg"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _same(a: object, b: object) -> bool:
    a_none = a is None or (isinstance(a, float) and np.isnan(a))
    b_none = b is None or (isinstance(b, float) and np.isnan(b))
    if a_none or b_none:
        return a_none and b_none
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def data_columns(columns: list[str]) -> list[str]:
    """The columns of a table that are not region columns (candidates for indicators)."""
    return [c for c in columns if c not in (RECORD, ORIGIN) and role_of(c) is None]


def numeric(path: Path, frame: pd.DataFrame, column: str, *, what: str = "record") -> np.ndarray:
    """A data column as float64 (``NaN`` for empty); text that is no number raises."""
    col = frame[column]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return np.asarray(col.to_numpy(dtype="float64"))
    obj = col.astype(object)
    empty = obj.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v))
                    or (isinstance(v, str) and not v.strip()))
    is_bool = obj.map(lambda v: isinstance(v, bool))
    text = obj.where(~empty, None).map(lambda v: v.strip() if isinstance(v, str) else v)
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = (~empty & num.isna()) | is_bool
    if bad.any():
        pos = int(np.argmax(bad.to_numpy()))
        row = frame.iloc[pos]
        raise DataFileError(
            path, f"{_where(row, what=what)}, veld {column}: waarde {obj.iloc[pos]!r} is geen "
                  "getal.", column=column,
            hint="Een Wijk- en Buurtkaart-kenmerk is een getal; ontbrekende cijfers staan er als "
                 "-99999999. Herstel de waarde of gebruik het originele bestand.",
        )
    return np.asarray(num.to_numpy(dtype="float64"))


def to_table(path: Path, frame: pd.DataFrame, *, level: str, code_col: str,
             name_col: str | None, year: int, catalogue: Catalogue,
             what: str = "record") -> Table:
    """Regions and values of one level of a Wijk- en Buurtkaart table.

    Parameters
    ----------
    path
        The file (for messages).
    frame
        The attribute rows as read, with :data:`RECORD` (and optionally :data:`ORIGIN`).
    level, code_col, name_col
        See :func:`level_of_columns`.
    year
        Year of the figures and the division.
    catalogue
        Indicator catalogue: every data column must match an indicator, else it is reported.
    what
        ``"record"`` (DBF) or ``"feature"`` (GeoJSON), for messages.

    Returns
    -------
    Table
        ``rows`` gives, per region (in region_key order), its position in ``frame``.
    """
    frame = frame.reset_index(drop=True)
    issues: list[LoadIssue] = []
    code = codes(path, frame, code_col, level, what=what)
    land, notes = land_rows(frame, code, what=what)
    issues += notes
    cols = data_columns([c for c in frame.columns])
    mapped: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for c in cols:
        ind = catalogue.match(c)
        if ind is None:
            issues.append(LoadIssue(
                kind="unmapped_column", column=c,
                detail=f"kolom {c!r} staat niet in de indicatorcatalogus en is niet geladen."))
        elif ind in seen:
            issues.append(LoadIssue(
                kind="note", column=c,
                detail=f"kolom {c!r} hoort ook bij indicator {ind!r}, die al uit kolom "
                       f"{seen[ind]!r} is geladen; deze kolom is overgeslagen."))
        else:
            seen[ind] = c
            mapped.append((c, ind))
    nums = {c: numeric(path, frame, c, what=what) for c, _ in mapped}
    keep_land = land.to_numpy()
    num_frame = pd.DataFrame(nums, index=frame.index) if nums else frame[[]]
    dedupe_cols = [c for c, _ in mapped] + ([name_col] if name_col else [])
    check = pd.concat([num_frame, frame[[name_col]]], axis=1) if name_col else num_frame
    check[RECORD] = frame[RECORD]
    if ORIGIN in frame.columns:
        check[ORIGIN] = frame[ORIGIN]
    first, conflicts = dedupe(check[keep_land], code[keep_land], dedupe_cols, what=what)
    issues += conflicts
    rows = frame.index[keep_land][first.to_numpy()].to_numpy()

    n = len(rows)
    keys = np.arange(1, n + 1, dtype="int64")
    gm_col = next((c for c in frame.columns if str(c).strip().upper() == "GM_NAAM"), None)
    names = _text_column(frame, name_col).iloc[rows].to_numpy(dtype=object)
    gm_names = _text_column(frame, gm_col).iloc[rows].to_numpy(dtype=object)
    if level == "gemeente":
        names = gm_names
    regions = pd.DataFrame({
        "region_key": keys,
        "year": pd.Series([year] * n, dtype="Int64"),
        "code": pd.Series(code.iloc[rows].to_numpy(dtype=object), dtype=object),
        "level": level,
        "name": pd.Series(names, dtype=object),
        "gemeente_name": pd.Series(gm_names, dtype=object),
        "line": frame[RECORD].iloc[rows].to_numpy(dtype="int64"),
    })[REGION_COLUMNS]

    if not mapped or n == 0:
        values = empty_values()
    else:
        parts = []
        for c, ind in mapped:
            v, reasons = parse_map_codes(nums[c][rows])
            parts.append(pd.DataFrame({
                "region_key": keys, "year": year, "indicator_id": ind, "value": v,
                "missing_reason": reasons, "source_column": c,
            }))
        values = pd.concat(parts, ignore_index=True)[VALUE_COLUMNS]
        values["year"] = values["year"].astype("int64")
        issues.append(LoadIssue(kind="note", detail=ROUNDING_NOTE))
    return Table(regions=regions, values=values, issues=issues, rows=rows, codes=code,
                 land=keep_land)
