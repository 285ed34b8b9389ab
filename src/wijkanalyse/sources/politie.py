"""Politie: registered crimes per gemeente, StatLine CSV export of table 47013NED.

Layout ``politie_statline_csv``. The export (``;``-separated, text quoted) starts with the table
title (``"Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente 2026"``), filter lines
(``"Soort misdrijf: Totaal misdrijven"``) and an empty line, then header rows labelled in their
first cell: ``"Onderwerp"`` (topic per column), ``"Perioden"`` (year per column, when periods are
columns) and ``"Regio's"`` (the row dimension; its other cells are units, or ``"Perioden"`` when
periods are rows). Data rows name a region (``"Aa en Hunze"``, ``"Nederland"``,
``"Amsterdam (RE)"``); a ``"Bron: Politie"`` footer ends the table. Regions are **names only**.

Decisions a caller must know
----------------------------
* **Indicator**: a value column is matched in the catalogue as ``"<topic>/<soort misdrijf>
  (<unit>)"`` (``Geregistreerde misdrijven/Totaal misdrijven (aantal)`` -> ``pol_misd_tot``); the
  soort comes from a ``Soort misdrijf`` header row or filter line. Other topics or crime types
  are reported as ``unmapped_column``. A rate per 1,000 inhabitants is not computed here (see
  the catalogue entry of ``pol_misd_tot``).
* **Rows that are not gemeenten** are left out with a ``note``: police units ``(RE)`` and other
  aggregates (``(PV)``, ``(LD)``, ``(CR)``, ``Politie eenheid ...``), ``Buitenland`` and
  ``Gemeenten; niet in te delen``. ``Nederland`` is NL00. The suffix ``" (gemeente)"``, which
  StatLine adds where a gemeente shares its name with a province or police unit
  (``"Utrecht (gemeente)"``), is dropped from the name.
* **Regional division**: Politie tables report every year on the current gemeente division
  (the title names it, here 2026: Voorne aan Zee, formed in 2023, has a figure for 2022). The
  year of a value is its period, and a gemeente gets a code only where that is honest; see
  :func:`resolve`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse import cbstables
from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.cbsvalues import invalid_cells, parse_cbs_values
from wijkanalyse.codes import name_key
from wijkanalyse.errors import DataFileError
from wijkanalyse.gebieden.suggestions import suggest
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
    SourceInfo,
    SourceTable,
    file_sha256,
)

LAYOUT = "politie_statline_csv"
#: CBS/Politie table "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente".
TABLE_ID = "47013NED"

_PERIOD = re.compile(r"^\s*(\d{4})\s*(\*{0,2})\s*$")
_DIVISION = re.compile(r"gemeente\s+(\d{4})\s*$", re.IGNORECASE)
_GEMEENTE_SUFFIX = re.compile(r"\s*\(gemeente\)\s*$", re.IGNORECASE)
#: Suffixes StatLine gives to regions that are not gemeenten, with what they are (Dutch).
_AGGREGATE_SUFFIX = {
    "RE": "een regionale eenheid van de politie",
    "PV": "een provincie",
    "LD": "een landsdeel",
    "CR": "een COROP-gebied",
}
_AGGREGATE = re.compile(r"\(([A-Z]{2})\)\s*$")
_POLICE_PREFIX = re.compile(r"^(politie\s*eenheid|politie-eenheid|eenheid|district|basisteam)\b",
                            re.IGNORECASE)
_NOT_A_REGION = {"buitenland": "misdrijven in het buitenland",
                 "gemeenten niet in te delen": "misdrijven die niet aan een gemeente zijn toe te "
                 "delen",
                 "niet in te delen": "misdrijven die niet aan een gemeente zijn toe te delen"}
_DIMENSIONS = {"regios", "perioden", "soortmisdrijf"}
_HINT = ("Exporteer de tabel 'Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente' "
         "(47013NED) opnieuw als CSV uit StatLine (data.politie.nl) zonder hem te bewerken.")


def sniff(path: Path) -> str | None:
    """``"politie_statline_csv"`` for a StatLine export of registered crimes per gemeente."""
    try:
        p = Path(path)
        if not p.is_file() or p.suffix.lower() != ".csv":
            return None
        with open(p, "rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="replace")
        first = next(csv.reader(io.StringIO(head), delimiter=";"), [])
    except (OSError, csv.Error):
        return None
    if len(first) != 1:
        return None
    key = header_key(first[0])
    if key.startswith("geregistreerdemisdrijven") and "gemeente" in key and "wijk" not in key:
        return LAYOUT
    return None


#: Records after the title and filter lines searched for the ``Regio's`` header row.
_HEADER_SEARCH = 20
#: Most title and filter lines (single-field records) before the header rows.
_MAX_FILTERS = 50
#: Value cells collected before they are checked (a row of junk stops the reading soon).
_CHECK_EVERY = 4096


def _records(path: Path, fh: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of an open export with the 1-based line on which each starts,
    read as a stream (the caller stops reading at the first hopeless row)."""
    reader = csv.reader(fh, delimiter=";", strict=True)
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if rec and any(f.strip() for f in rec):
                yield start, rec
    except csv.Error as exc:
        raise DataFileError(path, f"het bestand is afgekapt of beschadigd ({exc}).",
                            line=prev + 1, hint=_HINT) from exc


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read one Politie export into one :class:`SourceTable` (values carry their year).

    The file is read as a stream (UTF-8, else Windows-1252) and the first hopeless row (a
    wrong number of fields, a region twice, a cell that is not a number) stops the reading:
    a large file of junk behind a valid header is never read whole. Nothing after the
    ``Bron`` footer is read.

    Raises
    ------
    DataFileError
        No ``Regio's`` header row, no periods, a row with the wrong number of fields, a period
        that is not a year, a region twice in one year or a cell that is not a number (naming
        line and column).
    """
    del context
    path = Path(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                return _read_stream(path, fh, catalogue)
        except UnicodeDecodeError as exc:
            if encoding == "cp1252":
                raise DataFileError(path, "het bestand is geen UTF-8- of Windows-1252-tekst.",
                                    hint=_HINT) from exc
        except OSError as exc:
            raise DataFileError(path, f"het bestand kan niet worden gelezen ({exc.strerror}).",
                                hint="Controleer of het bestand bestaat en leesbaar is.") from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _header_records(path: Path, stream: Iterator[tuple[int, list[str]]]
                    ) -> tuple[list[tuple[int, list[str]]], int, int]:
    """Title, filter lines and header rows, read up to the ``Regio's`` row.

    Returns the records read, the index of the first record after the title and filter lines
    (single-field records) and the index of the ``Regio's`` row. Raises when the file is empty,
    or when that row is not among the first :data:`_HEADER_SEARCH` records after the filters
    (at most :data:`_MAX_FILTERS` filter lines are read).
    """
    records: list[tuple[int, list[str]]] = []
    pos: int | None = None
    for item in stream:
        records.append(item)
        i = len(records) - 1
        if pos is None:
            if i == 0 or len(item[1]) == 1:
                if i >= _MAX_FILTERS:
                    break
                continue
            pos = i
        if header_key(item[1][0]) == "regios":
            return records, pos, i
        if i >= pos + _HEADER_SEARCH - 1:
            break
    if not records:
        raise DataFileError(path, "het bestand is leeg.", hint=_HINT)
    pos = len(records) if pos is None else pos
    raise DataFileError(path, "de kopregel die begint met \"Regio's\" ontbreekt.",
                        line=records[min(pos, len(records) - 1)][0], hint=_HINT)


def _read_stream(path: Path, fh: io.TextIOBase, catalogue: Catalogue) -> list[SourceTable]:
    stream = _records(path, fh)
    records, pos, dim_pos = _header_records(path, stream)
    title = records[0][1][0].strip()
    filters: dict[str, str] = {}
    for _, (text,) in records[1:pos]:
        if ":" in text:
            label, _, value = text.partition(":")
            filters[header_key(label)] = value.strip()
    dim_line, dim_row = records[dim_pos]
    width = len(dim_row)
    n_dims = 1
    while n_dims < width and header_key(dim_row[n_dims]) in _DIMENSIONS:
        n_dims += 1
    row_dims = [header_key(c) for c in dim_row[:n_dims]]
    col_attrs: list[dict[str, str]] = [dict(filters) for _ in range(width)]
    header_lines: dict[str, int] = {}
    for line, rec in records[pos:dim_pos]:
        if len(rec) != width:
            raise DataFileError(path, f"deze kopregel heeft {len(rec)} velden, de regel "
                                f"\"Regio's\" {width}.", line=line, hint=_HINT)
        label = header_key(rec[0]) or header_key(next((c for c in rec if c.strip()), ""))
        header_lines[label] = line
        last = ""
        for j in range(n_dims, width):  # a header spanning several columns is given once
            last = rec[j].strip() or last
            col_attrs[j][label] = last
    if "soortmisdrijf" in row_dims:
        raise DataFileError(path, "de soort misdrijf staat in de rijen; dat wordt niet gelezen.",
                            line=dim_line, column=row_dims.index("soortmisdrijf") + 1,
                            hint="Exporteer met 'Soort misdrijf' als filter of in de kolommen.")
    periods_in_rows = "perioden" in row_dims
    issues: list[LoadIssue] = []

    # value columns -> indicator and period
    columns: list[tuple[int, str, int | None, str]] = []  # (j, indicator, year, label)
    for j in range(n_dims, width):
        attrs = col_attrs[j]
        topic = attrs.get("onderwerp") or attrs.get("onderwerpen")
        if not topic:
            raise DataFileError(path, "de kopregel \"Onderwerp\" ontbreekt of is leeg.",
                                line=dim_line, column=j + 1, hint=_HINT)
        soort = attrs.get("soortmisdrijf")
        unit = dim_row[j].strip()
        label = f"{topic}/{soort} ({unit})" if soort else f"{topic} ({unit})"
        year = None
        if not periods_in_rows:
            year = _period(path, attrs.get("perioden", ""),
                           line=header_lines.get("perioden", dim_line), column=j + 1,
                           issues=issues)
        ind = catalogue.match(label, table_id=TABLE_ID)
        shown = f"{label} {year}" if year else label
        if ind is None:
            issues.append(LoadIssue(kind="unmapped_column", column=shown,
                                    detail=f"Kolom {shown!r} staat niet in de indicatorcatalogus "
                                    "en is niet geladen."))
            continue
        columns.append((j, ind, year, shown))

    # data rows, read as a stream: the first hopeless row stops the reading
    region_rows: list[dict[Any, Any]] = []
    cells: list[tuple[int, int, str, str, str]] = []  # (key, line, column, indicator, cell)
    checked = 0
    seen: dict[tuple[str, int | None], int] = {}
    period_col = row_dims.index("perioden") if periods_in_rows else None
    n_data = 0
    for line, rec in stream:
        if len(rec) == 1 and rec[0].strip().lower().startswith(("bron", "©")):
            break
        if len(rec) != width:
            raise DataFileError(path, f"deze regel heeft {len(rec)} velden, de kopregel {width}.",
                                line=line, hint=_HINT)
        n_data += 1
        raw_name = rec[0].strip()
        why = _not_a_gemeente(raw_name)
        if why:
            issues.append(LoadIssue(kind="note", line=line,
                                    detail=f"{raw_name!r} is geen gemeente maar {why}; niet "
                                    "geladen."))
            continue
        is_land = raw_name.lower() == "nederland"
        name = _GEMEENTE_SUFFIX.sub("", raw_name)
        if period_col is not None:
            years: dict[int | None, int | None] = {
                None: _period(path, rec[period_col], line=line, column=period_col + 1,
                              issues=issues)}
        else:
            years = {y: y for _, _, y, _ in columns}
        keys: dict[int | None, int] = {}
        for col_year, year in years.items():
            if (name, year) in seen:
                raise DataFileError(path, f"{name!r} staat twee keer in {year} (ook op regel "
                                    f"{seen[(name, year)]}).", line=line, column=1, hint=_HINT)
            seen[(name, year)] = line
            keys[col_year] = len(region_rows)
            region_rows.append({
                "region_key": len(region_rows), "year": year,
                "code": "NL00" if is_land else None,
                "level": "land" if is_land else "gemeente",
                "name": raw_name if is_land else name,
                "gemeente_name": None if is_land else name, "line": line})
        for j, ind, col_year, shown in columns:
            key = keys[None] if period_col is not None else keys[col_year]
            cells.append((key, line, shown, ind, rec[j]))
        if len(cells) - checked >= _CHECK_EVERY:
            _check_cells(path, cells[checked:])
            checked = len(cells)
    if not n_data:
        raise DataFileError(path, "het bestand heeft kopregels maar geen gegevensregels.",
                            line=dim_line, hint=_HINT)

    regions = pd.DataFrame(region_rows, columns=REGION_COLUMNS)
    regions["code"] = regions["code"].astype(object)
    values = _values(path, cells, regions)
    span = sorted({int(y) for y in regions["year"]})
    division = _DIVISION.search(title)
    issues.append(LoadIssue(kind="note", detail=(
        f"Politie-cijfers staan voor alle jaren op de gemeentelijke indeling van "
        f"{division.group(1)} (titel: {title!r})." if division else
        f"De titel ({title!r}) noemt geen gemeentelijke indeling; aangenomen is dat alle jaren "
        "op de actuele indeling staan, zoals in Politie-tabellen.")
        + " Gemeenten worden alleen gekoppeld in jaren waarin hun code in een geladen "
        "gemeentelijst voorkomt of die tussen twee geladen jaren met die code ligt."))
    table_id = cbstables.table_id_from_name(path.name) or TABLE_ID
    period = (str(span[0]) if len(span) == 1 else f"{span[0]}–{span[-1]}") if span else ""
    info = SourceInfo(path=path, kind="politie", layout=LAYOUT, table_id=table_id,
                      year=span[0] if len(span) == 1 else None, sha256=file_sha256(path),
                      label=f"Politie, Geregistreerde misdrijven (CBS-tabel {table_id}) {period}")
    return [SourceTable(source=info, regions=regions, values=values[VALUE_COLUMNS],
                        issues=issues)]


def division_year(path: Path) -> int | None:
    """The gemeente division a Politie export states in its title (``gemeente 2026``), if any."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="replace")
        title = next(csv.reader(io.StringIO(head), delimiter=";"), [""])[0]
    except (OSError, csv.Error, IndexError):
        return None
    m = _DIVISION.search(title.strip())
    return int(m.group(1)) if m else None


def _not_a_gemeente(name: str) -> str | None:
    """Why a row is not a gemeente (Dutch), or None for gemeenten and Nederland."""
    m = _AGGREGATE.search(name)
    if m and m.group(1) in _AGGREGATE_SUFFIX:
        return _AGGREGATE_SUFFIX[m.group(1)]
    if _POLICE_PREFIX.match(name):
        return "een eenheid van de politie"
    return _NOT_A_REGION.get(name_key(name))


def _period(path: Path, cell: str, *, line: int, column: int,
            issues: list[LoadIssue]) -> int:
    m = _PERIOD.match(cell or "")
    if not m:
        raise DataFileError(path, f"periode {cell!r} is geen jaar; alleen jaarcijfers worden "
                            "gelezen.", line=line, column=column,
                            hint="Kies in StatLine alleen hele jaren als perioden.")
    year = int(m.group(1))
    if m.group(2):
        note = f"De cijfers van {year} zijn voorlopig (StatLine-teken {m.group(2)!r})."
        if all(i.detail != note for i in issues):
            issues.append(LoadIssue(kind="note", detail=note))
    return year


def _check_cells(path: Path, cells: list[tuple[int, int, str, str, str]]) -> None:
    """Raise at the first of ``cells`` that is neither a number nor a CBS symbol."""
    _, lines, columns, _, raw = (list(x) for x in zip(*cells, strict=True))
    _parsed_cells(path, lines, columns, raw)


def _parsed_cells(path: Path, lines: list[int], columns: list[str],
                  raw: list[str]) -> tuple[pd.Series, pd.Series]:
    vals, reasons = parse_cbs_values(pd.Series(raw, dtype=object), decimal=",")
    bad = invalid_cells(reasons).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(path, f"waarde {raw[i]!r} is geen getal en geen CBS-teken ('.', "
                            "'x', '-', '?').", line=lines[i], column=columns[i], hint=_HINT)
    return vals, reasons


def _values(path: Path, cells: list[tuple[int, int, str, str, str]],
            regions: pd.DataFrame) -> pd.DataFrame:
    """The long values frame of all value cells (the first invalid cell raises with its line)."""
    if not cells:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in VALUE_COLUMNS})
    keys, lines, columns, inds, raw = (list(x) for x in zip(*cells, strict=True))
    vals, reasons = _parsed_cells(path, lines, columns, raw)
    key_arr = np.asarray(keys, dtype="int64")
    return pd.DataFrame({
        "region_key": key_arr,
        "year": regions["year"].to_numpy(dtype="int64")[key_arr],
        "indicator_id": pd.Series(inds, dtype=object),
        "value": vals.to_numpy(dtype="float64"),
        "missing_reason": pd.Series([r if isinstance(r, str) else None for r in reasons],
                                    dtype=object),
        "source_column": pd.Series(columns, dtype=object),
    })[VALUE_COLUMNS]


# --------------------------------------------------------------------------- resolution


def resolve(table: SourceTable, reference: pd.DataFrame) -> tuple[SourceTable, pd.Series]:
    """Give the gemeenten of a Politie table their CBS code of each year, where that is honest.

    Called by the build (instead of the generic name resolution) with the regions of all coded
    sources (``store.reference_regions``). For a row of year ``Y`` named ``N``:

    1. the code: the gemeente code whose name (as any loaded source spelled it) has the name key
       of ``N``, taking the code whose years with that name lie closest to ``Y``; two codes at
       the same distance are ambiguous and not guessed;
    2. the year: the code is accepted when it is in the loaded gemeente list of ``Y`` (method
       ``gemeente``), or, for a year without that code in a loaded list (there is no KWB 2022),
       when the code is loaded both for a year before ``Y`` and a year after it: CBS never
       reuses a gemeente code, so the gemeente existed in ``Y`` (method ``gemeente:continu``).
       A code loaded only after ``Y`` (a merger such as Voorne aan Zee, 2023) or only before it
       is not accepted for ``Y``: the Politie figure for ``Y`` is on a later division and does
       not belong to a gemeente of that year.

    Every row that is not matched gets an ``unmatched_name`` issue saying why; per year a
    ``note`` counts the rows matched each way, and gemeenten of a loaded list of ``Y`` that the
    file lacks are listed. A gemeente that kept its code while absorbing another (Amsterdam and
    Weesp, 2022) is treated as the same gemeente, as CBS does.

    Returns
    -------
    table, methods
        The table with codes filled in, and the match method per region row.
    """
    regions = table.regions.copy()
    regions["code"] = regions["code"].astype(object)
    methods = pd.Series("code", index=regions.index, dtype=object)
    division = division_year(table.source.path)
    gm, years_of, by_key, names_of = _gemeente_index(reference)
    issues: list[LoadIssue] = []
    stats: dict[int, dict[str, int]] = {}
    code_arr = regions["code"].to_numpy(dtype=object).copy()
    method_arr = methods.to_numpy(dtype=object).copy()
    years, names, lines = (regions[c].to_numpy(dtype=object) for c in ("year", "name", "line"))
    for k in np.flatnonzero(regions["code"].isna().to_numpy()):
        year, name, line = int(years[k]), str(names[k]), lines[k]
        count = stats.setdefault(year, {"gemeente": 0, "gemeente:continu": 0, "niet": 0})
        code, problem = _code_for(name, year, by_key, years_of, names_of, gm)
        if code is None:
            count["niet"] += 1
            issues.append(LoadIssue(kind="unmatched_name", line=None if pd.isna(line)
                                    else int(line), detail=problem))
            method_arr[k] = None
            continue
        method = "gemeente" if year in years_of[code] else "gemeente:continu"
        count[method] += 1
        code_arr[k] = code
        method_arr[k] = method
    regions["code"] = pd.Series(code_arr, index=regions.index, dtype=object)
    methods = pd.Series(method_arr, index=regions.index, dtype=object)
    # at most one row per (year, code)
    dup = regions[regions["code"].notna()].duplicated(["year", "code"], keep=False)
    for idx in dup[dup].index:
        issues.append(LoadIssue(
            kind="unmatched_name", line=int(regions.at[idx, "line"]),
            detail=f"{regions.at[idx, 'name']!r} ({int(regions.at[idx, 'year'])}) valt op "
            f"dezelfde code {regions.at[idx, 'code']} als een andere regel; niet gekoppeld."))
        regions.at[idx, "code"] = None
        methods[idx] = None
    for year in sorted(stats):
        c = stats[year]
        have = sorted(y for y in {y for ys in years_of.values() for y in ys})
        lo = max((y for y in have if y < year), default=None)
        hi = min((y for y in have if y > year), default=None)
        text = f"{year}: {c['gemeente']} gemeenten gekoppeld in de geladen gemeentelijst van {year}"
        if c["gemeente:continu"]:
            text += (f", {c['gemeente:continu']} via hun code in geladen jaren ervoor en erna "
                     f"(naaste: {lo} en {hi})")
        text += f"; {c['niet']} niet gekoppeld (zie niet-gekoppelde namen)."
        issues.append(LoadIssue(kind="note", detail=text))
        listed = set(gm.loc[gm["year"] == year, "code"])
        found = set(regions.loc[(regions["year"] == year) & regions["code"].notna(), "code"])
        lacking = sorted(listed - found)
        if lacking:
            issues.append(LoadIssue(kind="note", detail=(
                f"{len(lacking)} gemeenten van de geladen gemeentelijst van {year} staan niet "
                "(gekoppeld) in dit bestand: "
                + ", ".join(f"{c} {names_of.get(c, '')}".strip() for c in lacking[:20])
                + (" …" if len(lacking) > 20 else "")
                + f". Zijn zij later opgegaan in een andere gemeente, dan tellen hun misdrijven "
                f"van {year} mee bij die gemeente (de Politie telt op de indeling van "
                f"{division or 'nu'}); het cijfer van {year} van die gemeente geldt dan voor "
                "haar latere grondgebied.")))
    levels = regions["level"]
    out = SourceTable(source=table.source, regions=regions.assign(level=levels),
                      values=table.values, issues=[*table.issues, *issues],
                      geometries=table.geometries)
    return out, methods


_INDEX: list[tuple[pd.DataFrame, tuple[Any, ...]]] = []


def _gemeente_index(reference: pd.DataFrame) -> tuple[
        pd.DataFrame, dict[str, set[int]], dict[str, dict[str, set[int]]], dict[str, str]]:
    """``(gemeente rows, years per code, codes and years per name key, latest name per code)``
    of the reference, made once per reference frame (a build passes one frame to every file;
    nothing here is changed by the caller)."""
    if _INDEX and _INDEX[0][0] is reference:
        return _INDEX[0][1]
    gm = _gemeente_reference(reference)
    years_of: dict[str, set[int]] = {}
    by_key: dict[str, dict[str, set[int]]] = {}
    for code, year, key in zip(gm["code"], gm["year"], gm["key"], strict=True):
        years_of.setdefault(code, set()).add(year)
        by_key.setdefault(key, {}).setdefault(code, set()).add(year)
    names_of = gm.sort_values("year").groupby("code")["name"].last().to_dict()
    index = (gm, years_of, by_key, names_of)
    _INDEX[:] = [(reference, index)]
    return index


def _gemeente_reference(reference: pd.DataFrame) -> pd.DataFrame:
    """Gemeente rows of the reference: code, year (int), name and its name key."""
    if reference is None or reference.empty:
        return pd.DataFrame({"code": pd.Series(dtype=object), "year": pd.Series(dtype="int64"),
                             "name": pd.Series(dtype=object), "key": pd.Series(dtype=object)})
    ref = reference[reference["code"].astype(str).str.startswith("GM")
                    & reference["year"].notna() & reference["name"].notna()]
    ref = ref[["code", "year", "name"]].drop_duplicates().copy()
    ref["year"] = ref["year"].astype("int64")
    ref["name"] = ref["name"].astype(str).str.strip()
    keys = {n: name_key(n) for n in ref["name"].unique()}
    ref["key"] = ref["name"].map(keys)
    return ref.reset_index(drop=True)


def _code_for(name: str, year: int, by_key: dict[str, dict[str, set[int]]],
              years_of: dict[str, set[int]], names_of: dict[str, str],
              gm: pd.DataFrame) -> tuple[str | None, str]:
    """``(code, "")`` or ``(None, problem)`` for a gemeente name of ``year``."""
    cands = by_key.get(name_key(name), {})
    if not cands:
        sugg = suggest(name, gm["name"].unique()) if len(gm) else []
        extra = (" Bedoelt u " + " of ".join(repr(s) for s in sugg) + "?") if sugg else ""
        return None, (f"Gemeente {name!r} ({year}) staat in geen geladen gemeentelijst; niet "
                      f"gekoppeld.{extra}")
    dist = {c: min(abs(y - year) for y in ys) for c, ys in cands.items()}
    best = min(dist.values())
    codes = sorted(c for c, d in dist.items() if d == best)
    if len(codes) > 1:
        listed = ", ".join(f"{c} ({names_of.get(c, '')})" for c in codes)
        return None, (f"Gemeente {name!r} ({year}) past bij meer dan één code: {listed}; niet "
                      "gekoppeld.")
    code = codes[0]
    known = sorted(years_of[code])
    if year in known or (known[0] < year < known[-1]):
        return code, ""
    when = ", ".join(str(y) for y in known)
    return None, (f"Gemeente {name!r} ({code}) staat alleen in de geladen gemeentelijsten van "
                  f"{when}; of zij in {year} al of nog bestond is daarmee niet vast te stellen "
                  f"(de Politie telt alle jaren op de huidige indeling). Het cijfer van {year} is "
                  "niet gekoppeld.")
