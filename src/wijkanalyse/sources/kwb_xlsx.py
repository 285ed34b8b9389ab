"""The official CBS Excel file of Kerncijfers Wijken en Buurten (``kwb-YYYY.xlsx``).

Layout ``kwb_xlsx``: one sheet (CBS names it ``kwb-YYYY``; a filtered copy may have another
name) whose first row holds the KWB short names: region columns ``gwb_code_10`` (``GM0344``,
``WK034401``, ``BU03440111``), ``gwb_code_8`` (the same without prefix), ``regio`` (name),
``gm_naam``, ``recs`` (Gemeente/Wijk/Buurt), ``gwb_code`` and ``ind_wbi`` (indelingswijziging),
then one column per variable (``a_inw``, ``g_wozbag``, ``p_wcorpw``, ``a_soz_wb``, ...). Cells
are numbers, or text: a number stored as text, or a CBS symbol (``"."`` = unknown, unreliable or
secret). An empty cell means "cannot occur on logical grounds" (CBS legend) and is stored as
missing with the reason "leeg in bron".

Decisions a caller must know
----------------------------
* **Year**: from the sheet name ``kwb-YYYY``; otherwise from the file name
  (:func:`wijkanalyse.cbstables.year_from_name`). Both present and different is an error.
* **Columns**: region columns have a catalogue meta role; every other column is matched with
  :meth:`Catalogue.match` (the catalogue lists every KWB short name as an alias, e.g.
  ``g_wozbag`` -> ``g_woz``); a column the catalogue does not know is reported as
  ``unmapped_column``, never dropped silently. The year a variable describes (``peiljaar``,
  e.g. the WOZ value date of the year before) is recorded in the catalogue, not here: values
  are stored under the edition year, as CBS publishes them.
* **Codes**: ``gwb_code_10`` (else ``gwb_code``) is the code; the other code columns must agree
  with it, and ``recs`` with its prefix. Rows are numbered as in Excel (header = row 1).
* The workbook is opened read-only (streamed), so a nationwide file reads quickly.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse import cbstables
from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbsvalues import EMPTY_REASON, invalid_cells, parse_cbs_values
from wijkanalyse.codes import (
    gemeente_code_of,
    is_valid_code,
    level_from_soort,
    level_of,
    normalise_code,
)
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import concat_values, regions_frame
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import VALUE_COLUMNS, LoadIssue, SourceInfo, SourceTable, file_sha256

LAYOUT = "kwb_xlsx"
_SHEET_YEAR = re.compile(r"^\s*kwb[-_ ]?(\d{4})\s*$", re.IGNORECASE)
#: Header cells that mark a KWB sheet (all must be present).
_MARKERS = ({"gwb_code_10", "gwb_code"}, {"regio"}, {"recs"})
_HINT = ("Download het bestand kwb-JJJJ.xlsx opnieuw van de CBS-pagina 'Kerncijfers wijken en "
         "buurten' en sla het ongewijzigd op.")


def sniff(path: Path) -> str | None:
    """``"kwb_xlsx"`` for an Excel workbook with a KWB sheet (see module docstring), else None.

    Opens the workbook read-only and reads the first row of each sheet only; never raises.
    """
    try:
        p = Path(path)
        if not p.is_file() or p.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(p):
            return None
        return LAYOUT if _find_sheet(p) is not None else None
    except Exception:  # noqa: BLE001 - sniff must never raise for foreign files
        return None


def _is_kwb_header(header: tuple[Any, ...]) -> bool:
    cells = {str(c).strip().lower() for c in header if c is not None}
    return all(cells & alternatives for alternatives in _MARKERS)


def _find_sheet(path: Path) -> str | None:
    """Name of the KWB sheet: ``kwb-YYYY`` when it is one, else the first with a KWB header."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return _kwb_sheet(wb)
    finally:
        wb.close()


def _kwb_sheet(wb: Any) -> str | None:
    """:func:`_find_sheet` in an open (read-only) workbook."""
    found: list[str] = []
    for ws in wb.worksheets:
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        if _is_kwb_header(header):
            found.append(ws.title)
    named = [t for t in found if _SHEET_YEAR.match(t)]
    return next(iter(named or found), None)


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read a ``kwb-YYYY.xlsx`` workbook into one :class:`SourceTable`.

    Raises
    ------
    DataFileError
        Not a readable workbook, no KWB sheet, no year, a missing/invalid/duplicate region
        code, code columns or ``recs`` that contradict each other, or a cell that is neither a
        number nor a CBS symbol (naming sheet row and column).
    """
    del context
    import openpyxl

    path = Path(path)
    wb = None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = _kwb_sheet(wb)
    except Exception as exc:  # noqa: BLE001 - any openpyxl/zip failure is a bad file
        if wb is not None:
            wb.close()
        raise DataFileError(path, f"het Excel-bestand is niet te openen ({exc}).",
                            hint=_HINT) from exc
    try:
        if sheet is None:
            raise DataFileError(path, "geen werkblad met de KWB-kolommen gwb_code_10, regio en "
                                "recs gevonden.", line=1, hint=_HINT)
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [("" if h is None else str(h).strip()) for h in rows[0]]
    body = [(i, r) for i, r in enumerate(rows[1:], start=2)
            if any(c is not None and str(c).strip() != "" for c in r)]
    if not body:
        raise DataFileError(path, f"werkblad {sheet!r} heeft een kopregel maar geen gegevens.",
                            line=1, hint=_HINT)
    year, issues = _year(path, sheet)
    width = len(header)
    cells = np.empty((len(body), width), dtype=object)
    cells[:] = [tuple(r[:width]) + (None,) * (width - len(r)) for _, r in body]
    lines = np.asarray([i for i, _ in body], dtype=np.int64)

    roles: dict[str, list[int]] = {}
    ind_cols: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    for j, h in enumerate(header):
        if not h:
            if any(c is not None for c in cells[:, j]):
                raise DataFileError(path, f"kolom {j + 1} heeft geen naam maar wel waarden.",
                                    line=1, column=j + 1, hint=_HINT)
            continue
        role = catalogue.meta_role(h)
        if role:
            roles.setdefault(role, []).append(j)
            continue
        ind = catalogue.match(h)
        if ind is None:
            issues.append(LoadIssue(kind="unmapped_column", column=h,
                                    detail=f"Kolom {h!r} staat niet in de indicatorcatalogus "
                                    "en is niet geladen."))
        elif ind in seen:
            issues.append(LoadIssue(kind="note", column=h,
                                    detail=f"Kolom {h!r} hoort ook bij indicator {ind!r}, die "
                                    f"al uit kolom {seen[ind]!r} is geladen; overgeslagen."))
        else:
            seen[ind] = h
            ind_cols.append((j, ind))

    regions = _regions(path, cells, lines, header, roles, year=year)
    values = _values(path, cells, lines, header, ind_cols, year=year)
    info = SourceInfo(path=path, kind="kwb", layout=LAYOUT, table_id=cbstables.KWB_TABLES.get(year),
                      year=year, sha256=file_sha256(path),
                      label=f"CBS, Kerncijfers Wijken en Buurten {year}")
    return [SourceTable(source=info, regions=regions, values=values, issues=issues)]


def _year(path: Path, sheet: str) -> tuple[int, list[LoadIssue]]:
    m = _SHEET_YEAR.match(sheet)
    from_sheet = int(m.group(1)) if m else None
    from_name = cbstables.year_from_name(path)
    if from_sheet and from_name and from_sheet != from_name:
        raise DataFileError(
            path, f"het werkblad heet {sheet!r} (jaar {from_sheet}), de bestandsnaam noemt "
            f"{from_name}; welk jaar de cijfers hebben is niet eenduidig.", line=1,
            hint="Geef het bestand de naam van het KWB-jaar (kwb-JJJJ.xlsx) zoals CBS dat doet.")
    year = from_sheet or from_name
    if year is None:
        raise DataFileError(
            path, f"het jaar van de cijfers staat niet in de werkbladnaam ({sheet!r}) en niet in "
            "de bestandsnaam.", line=1,
            hint="Geef het bestand de naam van het KWB-jaar, bijvoorbeeld kwb-2023.xlsx.")
    issues = []
    if from_sheet is None:
        issues.append(LoadIssue(kind="note", detail=f"Werkblad {sheet!r} noemt geen jaar; het "
                                f"jaar {year} komt uit de bestandsnaam."))
    return year, issues


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _regions(path: Path, cells: np.ndarray, lines: np.ndarray, header: list[str],
             roles: dict[str, list[int]], *, year: int) -> pd.DataFrame:
    code_cols = roles.get("code", [])
    by_name = {header[j].lower(): j for j in code_cols}
    main = by_name.get("gwb_code_10", by_name.get("gwb_code"))
    if main is None:
        raise DataFileError(path, "de kolom gwb_code_10 (regiocode) ontbreekt.", line=1,
                            hint=_HINT)
    codes: list[str] = []
    for raw, line in zip(cells[:, main], lines, strict=True):
        code = normalise_code(raw)
        if code is None or not is_valid_code(code):
            raise DataFileError(
                path, f"{raw!r} is geen CBS-regiocode (GMxxxx, WKxxxxxx of BUxxxxxxxx).",
                line=int(line), column=header[main], hint=_HINT)
        codes.append(code)
    dup = pd.Series(codes).duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise DataFileError(path, f"regiocode {codes[i]} staat twee keer in het werkblad.",
                            line=int(lines[i]), column=header[main], hint=_HINT)
    for j in code_cols:
        if j == main:
            continue
        for i, raw in enumerate(cells[:, j]):
            text = _text(raw)
            if text is None:
                continue
            if text.upper() not in (codes[i], codes[i][2:]):
                raise DataFileError(
                    path, f"{header[j]} {text!r} past niet bij {header[main]} {codes[i]}.",
                    line=int(lines[i]), column=header[j],
                    hint="Controleer de regel; de kolommen zijn mogelijk verschoven. " + _HINT)
    for j in roles.get("level", [])[:1]:
        for i, raw in enumerate(cells[:, j]):
            lvl = level_from_soort(raw)
            if lvl is not None and lvl != level_of(codes[i]):
                raise DataFileError(
                    path, f"soort regio {_text(raw)!r} past niet bij regiocode {codes[i]}.",
                    line=int(lines[i]), column=header[j], hint=_HINT)
    names = [_text(v) for v in cells[:, roles["name"][0]]] if "name" in roles else [
        None] * len(codes)
    if "gemeente_name" in roles:
        gm_names = [_text(v) for v in cells[:, roles["gemeente_name"][0]]]
    else:
        own = {c: n for c, n in zip(codes, names, strict=True) if c.startswith("GM")}
        gm_names = [own.get(gemeente_code_of(c) or "") for c in codes]
    gm_names = [None if c.startswith("NL") else g for c, g in zip(codes, gm_names, strict=True)]
    return regions_frame(codes=codes, years=[year] * len(codes), names=names,
                         gemeente_names=gm_names, lines=lines)


def _values(path: Path, cells: np.ndarray, lines: np.ndarray, header: list[str],
            ind_cols: list[tuple[int, str]], *, year: int) -> pd.DataFrame:
    """Long values of the indicator columns (column by column): numbers as they are, text
    parsed as CBS cells in one pass."""
    n, k = len(cells), len(ind_cols)
    if n == 0 or k == 0:
        return concat_values([])
    idx = [j for j, _ in ind_cols]
    raw = cells[:, idx].T.ravel()  # column-major: all rows of the first column, then the next
    value = np.full(n * k, np.nan)
    reason = np.full(n * k, None, dtype=object)
    kind = np.fromiter((0 if v is None else 1 if isinstance(v, (int, float))
                        and not isinstance(v, bool) else 2 for v in raw), dtype=np.int8,
                       count=n * k)
    num = kind == 1
    value[num] = raw[num].astype("float64")
    reason[kind == 0] = EMPTY_REASON
    text = kind == 2
    if text.any():
        vals, reasons = parse_cbs_values(pd.Series(raw[text].astype(str), dtype=object),
                                         decimal="auto")
        bad = invalid_cells(reasons).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(text)[int(np.argmax(bad))])
            col, row = divmod(pos, n)
            raise DataFileError(
                path, f"waarde {raw[pos]!r} is geen getal en geen CBS-teken ('.', 'x', '-', "
                "'?').", line=int(lines[row]), column=header[idx[col]],
                hint="Herstel de cel (geheime of onbekende waarden staan als '.') of download "
                "het bestand opnieuw.")
        value[text] = vals.to_numpy(dtype="float64")
        reason[text] = [r if isinstance(r, str) else None for r in reasons.tolist()]
    reason[np.isnan(value) & pd.isna(reason)] = EMPTY_REASON
    return pd.DataFrame({
        "region_key": np.tile(np.arange(n, dtype="int64"), k),
        "year": np.full(n * k, year, dtype="int64"),
        "indicator_id": np.repeat(np.array([i for _, i in ind_cols], dtype=object), n),
        "value": value,
        "missing_reason": pd.Series(reason, dtype=object),
        "source_column": np.repeat(np.array([header[j] for j in idx], dtype=object), n),
    })[VALUE_COLUMNS]
