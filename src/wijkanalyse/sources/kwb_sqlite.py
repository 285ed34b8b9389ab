"""Reader for KWB tables stored in SQLite, one table per year (layout ``heerlen_sqlite``).

The file this layout is named after (``kwb_2016_2020_heerlen.sqlite``) holds the tables
``Kerncijfers_wijken_en_buurten_{2016..2020}_pp``: gemeente Heerlen with its wijken and buurten,
one row each, identified by **name only**. Its peculiarities, all handled without hard-coding:

* the name column is ``Wijk_Buurt`` followed by a byte order mark (U+FEFF), in 2019 with stray
  quote characters in the declaration; it is found with ``PRAGMA table_info`` and matched on
  letters and digits (``Catalogue.meta_role``);
* the other headers are the StatLine paths with underscores (``Bevolking_Aantal_inwoners``),
  some with trailing non-breaking spaces; they are matched with ``Catalogue.match``; meta
  columns such as ``Regioaanduiding_Indelingswijziging_wijken_en_buurten`` are recognised by
  their StatLine header with the unit (``(code)``, ``(naam)``, ``(omschrijving)``) the
  underscore form drops;
* missing values are ``NULL``; numbers are stored as REAL or INTEGER;
* the tables of 2016-2019 end with a footer row ``"Bron: CBS"`` without values; it is skipped
  (so 82 table rows hold 81 regions; 2020 has no footer).

Levels: the first row is the gemeente (its name becomes ``gemeente_name`` of every row), rows
named ``"Wijk NN ..."`` are wijken, all other rows buurten. Checked against the KWB 2024
reference: every name of every year resolves at exactly that level (the one exception, 2016's
``"Wijk 41 De Beitel"``, is a numbering conflict in the source, see ``tests``).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.cbstables import KWB_TABLES
from wijkanalyse.cbsvalues import EMPTY_REASON, invalid_cells, parse_cbs_values
from wijkanalyse.codes import wijk_number_from_name
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
    SourceInfo,
    SourceTable,
    empty_values,
    file_sha256,
)

LAYOUT = "heerlen_sqlite"
SQLITE_MAGIC = b"SQLite format 3\x00"

#: KWB table names: ``Kerncijfers_wijken_en_buurten_2016_pp`` (any suffix after the year).
_TABLE = re.compile(r"^kerncijfers_wijken_en_buurten_((?:19|20)\d\d)(?:_\w*)?$", re.IGNORECASE)
#: Footer rows of StatLine exports (``"Bron: CBS"``).
_FOOTER = re.compile(r"^\s*bron\s*:", re.IGNORECASE)
#: Units StatLine gives meta columns; the underscore headers drop them.
_META_UNITS = ("code", "naam", "omschrijving")
#: Header keys of the name column when the catalogue does not list it as a meta column.
_NAME_KEYS = ("wijkbuurt", "wijkenenbuurten")

_HINT_FILE = (
    "Gebruik het originele SQLite-bestand met tabellen 'Kerncijfers_wijken_en_buurten_<jaar>' "
    "of haal het bestand uit de bronmap."
)


def sniff(path: Path) -> str | None:
    """``"heerlen_sqlite"`` for an SQLite file holding ``Kerncijfers_wijken_en_buurten_<jaar>``
    tables, else ``None``. Never raises."""
    try:
        path = Path(path)
        if not path.is_file():
            return None
        with open(path, "rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return None
        with closing(_connect(path)) as con:
            tables = _kwb_tables(con)
    except (OSError, sqlite3.Error, ValueError):
        return None
    return LAYOUT if tables else None


def read(
    path: Path,
    *,
    catalogue: Catalogue,
    context: ReadContext | None = None,
) -> list[SourceTable]:
    """Read every ``Kerncijfers_wijken_en_buurten_<jaar>`` table of the SQLite file.

    Parameters
    ----------
    path
        The SQLite file.
    catalogue
        Indicator catalogue; columns it does not know become ``unmapped_column`` issues.
    context
        Not used by this reader (accepted for the reader protocol).

    Returns
    -------
    list of SourceTable
        One per year table, ordered by year. Regions carry names only (``code`` is ``None``);
        ``line`` is the 1-based row number in the table.

    Raises
    ------
    DataFileError
        The file is not an SQLite database, holds no KWB tables, two tables claim one year,
        a table lacks the name column, or a cell is neither a number nor a CBS symbol
        (naming the table, row and column).
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DataFileError(path, f"kan het bestand niet openen ({exc.strerror}).") from exc
    if head != SQLITE_MAGIC:
        raise DataFileError(
            path, "is geen SQLite-database (het bestand begint niet met 'SQLite format 3').",
            hint=_HINT_FILE)
    sha = file_sha256(path)
    try:
        with closing(_connect(path)) as con:
            tables = _kwb_tables(con)
            if not tables:
                others = [r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
                raise DataFileError(
                    path,
                    "bevat geen tabellen 'Kerncijfers_wijken_en_buurten_<jaar>' "
                    f"(gevonden: {', '.join(others) or 'geen tabellen'}).",
                    hint=_HINT_FILE)
            years: dict[int, str] = {}
            for table, year in tables:
                if year in years:
                    raise DataFileError(
                        path,
                        f"de tabellen {years[year]!r} en {table!r} bevatten allebei jaar {year}.",
                        hint="Laat één tabel per jaar in het bestand staan.")
                years[year] = table
            return [
                _read_table(con, path, table, year, catalogue=catalogue, sha256=sha)
                for year, table in sorted(years.items())
            ]
    except sqlite3.Error as exc:
        raise DataFileError(
            path, f"kan de SQLite-database niet lezen: {exc}.", hint=_HINT_FILE) from exc


# --------------------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    """Open read-only (the data folder may be read-only; the file is never changed)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _kwb_tables(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """(table name, year) of the KWB tables in the database."""
    out = []
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        m = _TABLE.match(str(name).strip())
        if m:
            out.append((name, int(m.group(1))))
    return out


def _meta_role(catalogue: Catalogue, column: str) -> str | None:
    """Meta role of a column, also when the underscore header dropped the unit."""
    role = catalogue.meta_role(column)
    if role:
        return role
    for unit in _META_UNITS:
        role = catalogue.meta_role(f"{column} ({unit})")
        if role:
            return role
    return None


def _name_column(catalogue: Catalogue, columns: list[str]) -> int | None:
    for pos, col in enumerate(columns):
        if _meta_role(catalogue, col) == "name":
            return pos
    for pos, col in enumerate(columns):
        if header_key(col) in _NAME_KEYS:
            return pos
    return None


def _read_table(
    con: sqlite3.Connection,
    path: Path,
    table: str,
    year: int,
    *,
    catalogue: Catalogue,
    sha256: str,
) -> SourceTable:
    columns = [str(r[1]) for r in con.execute(f"PRAGMA table_info({_quote(table)})")]
    name_pos = _name_column(catalogue, columns)
    if name_pos is None:
        raise DataFileError(
            path,
            f"tabel {table!r} heeft geen kolom met wijk- en buurtnamen "
            f"(kolommen: {', '.join(repr(c) for c in columns[:5])}"
            f"{', ...' if len(columns) > 5 else ''}).",
            hint="De eerste kolom van deze tabellen heet 'Wijk_Buurt'; herstel de kolom of "
                 "gebruik het originele bestand.")
    name_col = columns[name_pos]
    cursor = con.execute(f"SELECT * FROM {_quote(table)}")
    columns = [str(d[0]) for d in cursor.description]
    rows = cursor.fetchall()

    kept: list[tuple[int, str, tuple[Any, ...]]] = []  # (line, name, row)
    for line, row in enumerate(rows, start=1):
        raw = row[name_pos]
        others_empty = all(v is None for j, v in enumerate(row) if j != name_pos)
        name = raw.strip() if isinstance(raw, str) else raw
        if name is None or name == "":
            if others_empty:
                continue
            raise DataFileError(
                path, f"tabel {table!r}: rij zonder naam maar met cijfers.", line=line,
                column=name_col, hint="Vul de naam van de wijk of buurt in of verwijder de rij.")
        if not isinstance(name, str):
            raise DataFileError(
                path, f"tabel {table!r}: naam {raw!r} is geen tekst.", line=line,
                column=name_col, hint="De naamkolom hoort wijk- en buurtnamen te bevatten.")
        if _FOOTER.match(name) and others_empty:
            continue  # footer "Bron: CBS"
        kept.append((line, name, row))
    if not kept:
        raise DataFileError(
            path, f"tabel {table!r} bevat geen wijken of buurten.", hint=_HINT_FILE)

    first_line, gemeente_name, _ = kept[0]
    if wijk_number_from_name(gemeente_name):
        raise DataFileError(
            path,
            f"tabel {table!r}: de eerste rij {gemeente_name!r} is een wijk; verwacht werd de "
            "gemeente (de eerste rij bepaalt bij welke gemeente de namen horen).",
            line=first_line, column=name_col,
            hint="Zet de gemeente als eerste rij in de tabel.")
    levels = ["gemeente"] + [
        "wijk" if wijk_number_from_name(name) else "buurt" for _, name, _ in kept[1:]
    ]
    lines = [line for line, _, _ in kept]
    regions = pd.DataFrame({
        "region_key": pd.Series(lines, dtype="int64"),
        "year": pd.Series([year] * len(kept), dtype="int64"),
        "code": pd.Series([None] * len(kept), dtype="object"),
        "level": pd.Series(levels, dtype="object"),
        "name": pd.Series([name for _, name, _ in kept], dtype="object"),
        "gemeente_name": pd.Series([gemeente_name] * len(kept), dtype="object"),
        "line": pd.Series(lines, dtype="int64"),
    })[REGION_COLUMNS]

    table_id = KWB_TABLES.get(year)
    issues: list[LoadIssue] = []
    loaded: list[tuple[str, str, np.ndarray, np.ndarray]] = []  # column, indicator, values, why
    seen: dict[str, str] = {}
    for pos, col in enumerate(columns):
        if pos == name_pos or _meta_role(catalogue, col):
            continue
        ind = catalogue.match(col, table_id=table_id)
        if ind is None:
            issues.append(LoadIssue(
                kind="unmapped_column",
                detail=f"kolom {col.strip()!r} van tabel {table!r} staat niet in de "
                       "indicatorcatalogus en is niet geladen.",
                column=col))
            continue
        if ind in seen:
            issues.append(LoadIssue(
                kind="note",
                detail=f"kolom {col.strip()!r} van tabel {table!r} bevat dezelfde indicator "
                       f"{ind!r} als kolom {seen[ind].strip()!r}; alleen de eerste is geladen.",
                column=col))
            continue
        seen[ind] = col
        cells = [row[pos] for _, _, row in kept]
        values, reasons = _parse_column(path, table, col, cells, lines)
        loaded.append((col, ind, values, reasons))
    if loaded:
        # column by column (all regions of the first column, then the second, ...)
        n = len(kept)
        reasons = np.concatenate([r for *_, r in loaded])
        values_frame = pd.DataFrame({
            "region_key": np.tile(regions["region_key"].to_numpy(), len(loaded)),
            "year": np.full(n * len(loaded), year, dtype="int64"),
            "indicator_id": pd.Series(np.repeat(np.array([i for _, i, _, _ in loaded],
                                                         dtype=object), n), dtype="str"),
            "value": np.concatenate([v for _, _, v, _ in loaded]),
            # None (not NaN) where a value exists, whatever parse_cbs_values gives
            "missing_reason": pd.Series(
                [r if isinstance(r, str) else None for r in reasons], dtype="object"),
            "source_column": pd.Series(np.repeat(np.array([c for c, _, _, _ in loaded],
                                                          dtype=object), n), dtype="str"),
        })[VALUE_COLUMNS]
    else:
        values_frame = empty_values()
    info = SourceInfo(
        path=path,
        kind="kwb",
        layout=LAYOUT,
        table_id=table_id,
        year=year,
        sha256=sha256,
        label=f"CBS, Kerncijfers Wijken en Buurten {year}",
    )
    return SourceTable(source=info, regions=regions, values=values_frame, issues=issues)


def _parse_column(
    path: Path, table: str, column: str, cells: list[object], lines: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Floats and missing reasons of one column; text cells go through the CBS symbols."""
    if all(cell is None or isinstance(cell, (int, float)) for cell in cells):
        # numbers (SQLite never gives bools): missing only where empty
        values = np.array([float(c) if isinstance(c, (int, float)) else np.nan for c in cells],
                          dtype="float64")
        reasons = np.where(np.isnan(values), EMPTY_REASON, np.array(None, dtype=object))
        return values, reasons
    for cell, line in zip(cells, lines, strict=True):
        if isinstance(cell, (bytes, bytearray, memoryview)):
            raise DataFileError(
                path, f"tabel {table!r}: binaire waarde in een cijferkolom.", line=line,
                column=column, hint="Herstel de waarde (een getal of leeg).")
    raw = pd.Series([None if c is None else str(c) for c in cells], dtype="object")
    values, reasons = parse_cbs_values(raw, decimal="auto")
    bad = invalid_cells(reasons)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFileError(
            path,
            f"tabel {table!r}: waarde {cells[pos]!r} is geen getal en geen CBS-teken "
            "('.', 'x', '-', '?').",
            line=lines[pos], column=column, hint="Herstel de waarde of laat de cel leeg.")
    return values.to_numpy(dtype="float64"), reasons.to_numpy(dtype=object)
