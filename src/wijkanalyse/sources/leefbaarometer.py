"""Leefbaarometer 3.0 score files (ministerie van BZK): many years in one CSV.

The open-data files ``Leefbaarometer-scores wijken 2002-2024.csv`` (and the buurt and gemeente
versions) have one row per region and year: ``wk_code`` (``bu_code``, ``gm_code``), the name
(``wk_naam``), ``jaar``, the total score ``lbm``, its deviation from the national mean ``afw`` and
the five dimensions ``fys``, ``onv``, ``soc``, ``vrz``, ``won`` (``NA`` where missing; the
dimensions exist from 2014 on). Every row becomes a region of its own year.

By construction ``lbm - afw`` is the same constant in every row and the dimensions add up to
``afw``; :func:`consistency_issues` reports the rows where that does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.codes import level_of
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import (
    check_unique_region_years,
    checked_codes,
    column_values,
    concat_values,
    first_csv_line,
    first_line,
    read_delimited,
    regions_frame,
    split_header,
    unmapped_issue,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import LoadIssue, SourceInfo, SourceTable, file_sha256

#: Code column -> (layout, level).
CODE_COLUMNS = {
    "wk_code": ("lbm_wijk_csv", "wijk"),
    "bu_code": ("lbm_buurt_csv", "buurt"),
    "gm_code": ("lbm_gemeente_csv", "gemeente"),
}
DIMENSIONS = ("fys", "onv", "soc", "vrz", "won")
TOLERANCE = 1e-9
LABEL = "Leefbaarometer 3.0, ministerie van BZK"
_MAX_ROW_NOTES = 20


def _header(line: str) -> tuple[list[str], str] | None:
    for sep in (",", ";"):
        header = [h.lower() for h in split_header(line, sep)]
        if "lbm" in header and "jaar" in header:
            return header, sep
    return None


def sniff(path: Path) -> str | None:
    """``lbm_wijk_csv`` / ``lbm_buurt_csv`` / ``lbm_gemeente_csv`` for a Leefbaarometer CSV."""
    line = first_csv_line(path)
    found = None if line is None else _header(line)
    if found is None:
        return None
    return next((CODE_COLUMNS[c][0] for c in found[0] if c in CODE_COLUMNS), None)


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read all years of a Leefbaarometer score file into one :class:`SourceTable`.

    Raises
    ------
    DataFileError
        Missing code/``jaar`` column, an invalid code or year, a code of the wrong level, a
        region twice in one year, or a score that is not a number.
    """
    found = _header(first_line(path))
    if found is None:
        raise DataFileError(path, "de kolommen 'jaar' en 'lbm' ontbreken.", line=1,
                            column="jaar", hint="Gebruik het open-databestand van de "
                            "Leefbaarometer (leefbaarometer.nl) zonder de kopregel te wijzigen.")
    frame, lines = read_delimited(path, sep=found[1],
                                  code_column=lambda h: h.lower() in CODE_COLUMNS)
    frame.columns = [c.lower() for c in frame.columns]
    code_col = next((c for c in frame.columns if c in CODE_COLUMNS), None)
    if code_col is None:
        raise DataFileError(path, "er is geen kolom wk_code, bu_code of gm_code.", line=1,
                            column="wk_code", hint="Gebruik het open-databestand van de "
                            "Leefbaarometer zonder de kopregel te wijzigen.")
    layout, level = CODE_COLUMNS[code_col]
    name_col = code_col.replace("_code", "_naam")
    codes = checked_codes(path, frame[code_col], lines=lines, column=code_col)
    for code, line in zip(codes, lines, strict=True):
        if level_of(code) != level:
            raise DataFileError(path, f"code {code} is geen {level}code.", line=int(line),
                                column=code_col, hint="Zet wijk-, buurt- en gemeentescores in "
                                "aparte bestanden, zoals de Leefbaarometer ze publiceert.")
    years = _years(path, frame["jaar"], lines)
    check_unique_region_years(
        path, codes, years, lines=lines, column=code_col,
        hint="Verwijder de dubbele regel of download het bestand opnieuw.")
    names = (frame[name_col].str.strip().tolist() if name_col in frame
             else [None] * len(frame))
    regions = regions_frame(codes=codes, years=years, names=names, lines=lines)

    issues: list[LoadIssue] = []
    values = []
    parsed: dict[str, pd.Series] = {}
    for col in frame.columns:
        if col in (code_col, name_col, "jaar"):
            continue
        ind = catalogue.match(col)
        if ind is None and catalogue.meta_role(col):
            continue
        part = column_values(path, frame[col], region_keys=regions["region_key"], years=years,
                             lines=lines, indicator_id=ind or "", column=col, decimal=".")
        parsed[col] = part["value"]
        if ind is None:
            issues.append(unmapped_issue(col))
        else:
            values.append(part)
    issues += consistency_issues(pd.DataFrame(parsed), lines=lines, codes=codes, years=years)
    info = SourceInfo(path=path, kind="leefbaarometer", layout=layout, table_id=None, year=None,
                      sha256=file_sha256(path), label=LABEL)
    return [SourceTable(source=info, regions=regions, values=concat_values(values),
                        issues=issues)]


def _years(path: Path, raw: pd.Series, lines: np.ndarray) -> list[int]:
    years = []
    for cell, line in zip(raw.tolist(), lines, strict=True):
        text = str(cell).strip()
        if not (text.isdigit() and len(text) == 4):
            raise DataFileError(path, f"{cell!r} is geen jaartal.", line=int(line),
                                column="jaar", hint="Herstel het jaartal of download het "
                                "bestand opnieuw.")
        years.append(int(text))
    return years


def consistency_issues(
    scores: pd.DataFrame,
    *,
    lines: np.ndarray,
    codes: list[str],
    years: list[int],
    tolerance: float = TOLERANCE,
) -> list[LoadIssue]:
    """Notes for rows where ``lbm - afw`` is not the file's constant or the dimensions do not
    add up to ``afw`` (beyond ``tolerance``).

    Parameters
    ----------
    scores
        Parsed scores with (some of) the columns ``lbm``, ``afw`` and :data:`DIMENSIONS`.
    lines, codes, years
        Line, region code and year of every row, for the messages.

    Returns
    -------
    list of LoadIssue
        One note per deviating row (at most 20 per check, then a count).
    """
    issues: list[LoadIssue] = []
    if {"lbm", "afw"} <= set(scores.columns):
        diff = scores["lbm"] - scores["afw"]
        if diff.notna().any():
            constant = float(diff.median())
            bad = (diff - constant).abs() > tolerance
            issues += _row_notes(
                bad, lines, codes, years,
                lambda i: f"lbm − afw = {diff.iloc[i]:.12g}, elders in het bestand "
                f"{constant:.12g}", column="afw")
    if "afw" in scores.columns and set(DIMENSIONS) <= set(scores.columns):
        dims = scores[list(DIMENSIONS)]
        total = dims.sum(axis=1, min_count=len(DIMENSIONS))
        bad = dims.notna().all(axis=1) & ((total - scores["afw"]).abs() > tolerance)
        issues += _row_notes(
            bad, lines, codes, years,
            lambda i: f"de dimensies tellen op tot {total.iloc[i]:.12g}, afw is "
            f"{scores['afw'].iloc[i]:.12g}", column="afw")
    return issues


def _row_notes(
    bad: pd.Series,
    lines: np.ndarray,
    codes: list[str],
    years: list[int],
    text: Callable[[int], str],
    *,
    column: str,
) -> list[LoadIssue]:
    rows = np.flatnonzero(bad.to_numpy(dtype=bool))
    notes = [LoadIssue(kind="note", detail=f"{codes[i]} {years[i]}: {text(i)}", column=column,
                       line=int(lines[i])) for i in rows[:_MAX_ROW_NOTES]]
    if len(rows) > _MAX_ROW_NOTES:
        notes.append(LoadIssue(kind="note", column=column,
                               detail=f"nog {len(rows) - _MAX_ROW_NOTES} regels met dezelfde "
                               "afwijking (niet afzonderlijk vermeld)"))
    return notes
