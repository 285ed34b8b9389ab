"""Readers for CBS Kerncijfers Wijken en Buurten (KWB) tables saved as CSV.

Five layouts are recognised (the names are used by :data:`wijkanalyse.store.LAYOUT_PRIORITY`):

``statline_csv``
    StatLine CSV export: ``;``-separated, UTF-8 with BOM, Dutch header paths
    (``"Bevolking/Aantal inwoners (aantal)"``, quoted headers may contain newlines), codes padded
    with spaces, ``"."`` for missing. Needs a code column (``Regioaanduiding/Codering (code)``).
``r_csv``
    The same table saved from R: ``,``-separated, no BOM, a first column ``""`` holding row
    names, dot-mangled headers (``Regioaanduiding.Codering..code.``), ``NA`` for missing.
``odata_csv``
    An OData ``TypedDataSet`` saved as CSV: ``"ID";"WijkenEnBuurten";...;"Codering_3";
    "AantalInwoners_5"``, values padded with spaces. ``WijkenEnBuurten`` holds the region key
    (the code), not a name, so ``name`` is ``None`` in these tables.
``statline_csv_names``
    The old raw StatLine download: title lines (``"Kerncijfers wijken en buurten 2015"``), a row
    of ``|``-separated topic paths, a units row starting with ``"Wijken en buurten"``, data rows
    with region *names only* and a ``"Bron: CBS"`` footer.
``gemeenten_subset_csv``
    A re-saved gemeente selection with renamed columns (``region``, ``unique_id`` = GM code,
    ``population``, ...); the catalogue's aliases map the value columns.

Decisions a caller must know
----------------------------
* **Decimal separator**: detected per file, not per layout. StatLine exports use a decimal
  comma *or* a decimal point (the 2019 Den Haag export writes ``2.0``), R exports either. A file
  whose numbers contain decimal commas is parsed with ``decimal=","``, otherwise with ``"."``;
  a file with both is rejected (ambiguous). CBS CSV files never use thousands separators.
* **Columns**: a column whose header has a catalogue meta role (:meth:`Catalogue.meta_role`) is
  region metadata; one that matches an indicator becomes values; any other column is reported
  as ``LoadIssue(kind="unmapped_column")``. When two columns match the same indicator the first
  is loaded and the second reported as a ``note``. Only indicator columns are checked for
  invalid cells.
* **Years**: from the file name (:func:`wijkanalyse.cbstables.year_from_name`); for the old
  StatLine download the title line wins over the file name (a ``note`` records a difference).
* **OData key scheme**: ``SourceInfo.table_id`` is the KWB table of the data year
  (``KWB_TABLES[year]``). Column keys are matched with ``table_id=key_table`` where
  ``key_table`` is (1) a table id in the file name (a download named after the table it came
  from), else (2) the table whose key scheme the header shows, judged by marker keys verified
  against the real 84583NED data and the 85984NED ``DataProperties`` (:data:`KEY_SCHEME_MARKERS`;
  e.g. ``WestersTotaal_17`` / ``HuishoudensTotaal_28`` only exist in the 84583NED numbering),
  else (3) ``table_id``. The 2021 Amsterdam/Den Haag/Utrecht files thus get table_id 85039NED
  and key_table 84583NED; a ``note`` issue says so.
* **Names-only rows** (``statline_csv_names``): ``code`` is ``None``. ``"Nederland"`` is the
  land row; the first other row is the gemeente (its name fills ``gemeente_name`` of every row;
  one gemeente per file). Stadsdelen and other aggregates (names starting with ``Stadsdeel``,
  ``Deelgemeente``, ``Stadsgebied``) are neither wijk nor buurt: they are left out (regions and
  values) and reported as ``LoadIssue(kind="unmatched_name", line=...)``. Names starting with
  ``"Wijk NN "`` are wijken and rows after such a wijk are its buurten; rows before any
  ``"Wijk NN"`` row (gemeenten such as Amsterdam name wijken without the prefix) get level
  ``None``, meaning *wijk or buurt*: the name resolver must take the level from the code it
  finds.
* **gemeente_name**: as given in the file; for a gemeente row its own name; for wijken and
  buurten of files without a gemeentenaam column, the name of the file's own gemeente row with
  the same gemeente code; ``None`` for the land row.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse import cbstables
from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.cbsvalues import invalid_cells, parse_cbs_values
from wijkanalyse.codes import (
    gemeente_code_of,
    is_valid_code,
    level_from_soort,
    level_of,
    normalise_code,
    wijk_number_from_name,
)
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.kwb_records import (
    NAME_KEY,
    REEXPORT_HINT,
    RowChecker,
    check_field_counts,
    clean_header,
    is_footer,
    not_text_error,
    parse_records,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
    SourceInfo,
    SourceTable,
    file_sha256,
)

STATLINE_CSV = "statline_csv"
R_CSV = "r_csv"
ODATA_CSV = "odata_csv"
STATLINE_CSV_NAMES = "statline_csv_names"
GEMEENTEN_SUBSET_CSV = "gemeenten_subset_csv"
#: Layouts this module reads.
LAYOUTS = (STATLINE_CSV, R_CSV, ODATA_CSV, STATLINE_CSV_NAMES, GEMEENTEN_SUBSET_CSV)

#: OData keys that exist in only one KWB key numbering, verified against the 84583NED
#: TypedDataSet (Amsterdam 2019 file) and the 85984NED DataProperties (2024).
KEY_SCHEME_MARKERS: dict[str, frozenset[str]] = {
    "84583NED": frozenset({
        "IndelingswijzigingWijkenEnBuurten_4", "WestersTotaal_17", "NietWestersTotaal_18",
        "GeboorteTotaal_24", "HuishoudensTotaal_28", "Eenpersoonshuishoudens_29",
        "GemiddeldeHuishoudensgrootte_32", "Bevolkingsdichtheid_33", "Woningvoorraad_34",
    }),
    "85984NED": frozenset({
        "IndelingswijzigingGemeenteWijkBuurt_4", "Nederland_17", "EuropaExclusiefNederland_18",
        "GeboorteTotaal_25", "HuishoudensTotaal_29", "Eenpersoonshuishoudens_30",
        "GemiddeldeHuishoudensgrootte_33", "Bevolkingsdichtheid_34", "Woningvoorraad_35",
    }),
}

_SNIFF_BYTES = 8192
_CODE_HEADER_KEYS = frozenset({"regioaanduidingcoderingcode", "uniqueid"})
_ODATA_CODE = re.compile(r"^codering_\d+$", re.IGNORECASE)
_TITLE_KEY = "kerncijferswijkenenbuurten"
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_AGGREGATE = re.compile(r"^(stadsde(el|len)|deelgemeente|stadsgebied)\b", re.IGNORECASE)
_COMMA_NUMBER = r"\s*[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][+-]?\d+)?\s*"
_DOT_NUMBER = r"\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*"
_PREFIX_LEVEL = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}


# --------------------------------------------------------------------------- sniffing


def sniff(path: Path) -> str | None:
    """The KWB CSV layout of ``path`` (see :data:`LAYOUTS`), or ``None``.

    Reads at most the first 8 KB and never raises. Files without a region-code column (the 2024
    herkomst export), SES-WOA exports (first column ``Perioden``), Leefbaarometer files and
    anything that is not a ``.csv`` file are not recognised.
    """
    try:
        p = Path(path)
        if not p.is_file() or p.suffix.lower() != ".csv":
            return None
        with open(p, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        if not head or b"\x00" in head:
            return None
        text = head.decode("utf-8-sig", errors="replace")
        if len(head) == _SNIFF_BYTES and "\n" in text:
            text = text[: text.rindex("\n") + 1]
        layout, _sep, has_code = _classify(text)
        if layout in (STATLINE_CSV, R_CSV) and not has_code:
            return None
        return layout
    except Exception:  # noqa: BLE001 - sniff must never raise for foreign files
        return None


def _head_records(text: str, sep: str, limit: int = 12) -> list[list[str]]:
    """The first non-empty records of ``text`` (lenient: stops at a parse error)."""
    out: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for rec in reader:
            if rec and any(f.strip() for f in rec):
                out.append(rec)
                if len(out) >= limit:
                    break
    except csv.Error:
        pass
    return out


def _classify(text: str) -> tuple[str | None, str | None, bool]:
    """``(layout, separator, has_code_column)`` from the start of a file's text."""
    semi = _head_records(text, ";")
    comma = _head_records(text, ",")
    if not semi or not comma:
        return None, None, False
    first = semi[0]
    if len(first) == 1 and len(comma[0]) == 1 and header_key(first[0]).startswith(_TITLE_KEY):
        for rec in semi[1:]:
            if len(rec) >= 2 and header_key(rec[0]) == NAME_KEY:
                return STATLINE_CSV_NAMES, ";", False
        return None, None, False
    sep, records = (";", semi) if len(semi[0]) >= len(comma[0]) else (",", comma)
    header = records[0]
    if len(header) < 2:
        return None, None, False
    raw = [h.strip() for h in header]
    keys = [header_key(h) for h in header]
    odata_code = any(_ODATA_CODE.match(h) for h in raw)
    has_code = odata_code or any(k in _CODE_HEADER_KEYS for k in keys)
    if keys[0] == "perioden":  # SES-WOA and other multi-period tables (read_ses)
        return None, None, False
    if keys[0] == "id" and odata_code and NAME_KEY in keys:
        return ODATA_CSV, sep, True
    body = keys[1:] if raw[0] == "" else keys
    if body and body[0] == NAME_KEY:
        layout = STATLINE_CSV if sep == ";" and raw[0] != "" else R_CSV
        return layout, sep, has_code
    if "uniqueid" in keys and "region" in keys:
        pos = keys.index("uniqueid")
        if len(records) > 1 and len(records[1]) > pos:
            code = normalise_code(records[1][pos])
            if code and is_valid_code(code):
                return GEMEENTEN_SUBSET_CSV, sep, True
    return None, None, False


# --------------------------------------------------------------------------- reading


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read a KWB CSV file into one :class:`SourceTable`.

    Parameters
    ----------
    path
        The CSV file.
    catalogue
        Indicator catalogue used to map columns to indicator ids and meta roles.
    context
        Build context (not needed by this reader).

    Returns
    -------
    list[SourceTable]
        Exactly one table.

    Raises
    ------
    DataFileError
        Empty, undecodable, truncated or malformed file, a row with a wrong number of fields, an
        invalid cell, a missing/invalid/duplicate region code, a 'Soort regio' that contradicts
        the code, or no recognisable year. The message names file, line and column.
    """
    del context  # this reader needs nothing from other sources
    path = Path(path)
    head = _read_head(path)
    layout, sep, _has_code = _classify(head)
    if layout is None or sep is None:
        raise DataFileError(
            path, "geen Kerncijfers Wijken en Buurten-CSV herkend in de kopregel.", line=1,
            hint="Gebruik een CSV-export van CBS StatLine of OData met de kolom "
            "'Wijken en buurten' en 'Regioaanduiding/Codering (code)'.",
        )
    checker = RowChecker(path, catalogue, names_header=layout == STATLINE_CSV_NAMES)
    records = parse_records(path, sep, checker=checker)
    if not records:
        raise DataFileError(path, "het bestand bevat geen gegevens.", hint=REEXPORT_HINT)

    titles: list[str] = []
    units: list[str] | None = None
    if layout == STATLINE_CSV_NAMES:
        pos = next((i for i, (_, rec) in enumerate(records)
                    if len(rec) >= 2 and header_key(rec[0]) == NAME_KEY), None)
        if not pos:
            raise DataFileError(path, "de kopregel met onderwerpen ontbreekt.", line=1,
                                hint=REEXPORT_HINT)
        titles = [" ".join(rec) for _, rec in records[: pos - 1]]
        header_line, header = records[pos - 1]
        units = records[pos][1]
        header = [records[pos][1][0], *header[1:]]
        data = records[pos + 1:]
    else:
        header_line, header = records[0]
        data = records[1:]
    while data and is_footer(data[-1][1]):
        data.pop()
    headers = [clean_header(h) for h in header]
    if not data:
        raise DataFileError(path, "het bestand bevat een kopregel maar geen gegevensregels.",
                            line=header_line, hint=REEXPORT_HINT)
    check_field_counts(path, headers, data)

    year, issues = _year(path, layout=layout, titles=titles, line=header_line)
    table_id, key_table, id_issues = _table_ids(path, layout=layout, year=year, headers=headers)
    issues.extend(id_issues)
    roles, ind_cols, col_issues = _column_roles(headers, units=units, catalogue=catalogue,
                                                key_table=key_table)
    issues.extend(col_issues)

    cells = np.empty((len(data), len(headers)), dtype=object)
    cells[:] = [rec for _, rec in data]
    lines = np.fromiter((line for line, _ in data), dtype=np.int64, count=len(data))

    if layout == STATLINE_CSV_NAMES:
        regions, keep, name_issues = _name_regions(cells, lines, roles, year=year)
        issues.extend(name_issues)
    else:
        regions = _coded_regions(path, cells, lines, roles, headers, layout=layout, year=year,
                                 header_line=header_line)
        keep = np.ones(len(data), dtype=bool)
    values = _values(path, cells, lines, headers, ind_cols, keep=keep, year=year)
    regions = regions[keep].reset_index(drop=True)
    regions["region_key"] = np.arange(len(regions), dtype=np.int64)
    source = SourceInfo(
        path=path, kind="kwb", layout=layout, table_id=table_id, year=year,
        sha256=file_sha256(path), label=f"CBS, Kerncijfers Wijken en Buurten {year}",
    )
    return [SourceTable(source=source, regions=regions[REGION_COLUMNS], values=values,
                        issues=issues)]


def _read_head(path: Path) -> str:
    """The decoded start of ``path`` (whole lines of the first 64 KB) for recognising the layout.

    Raises
    ------
    DataFileError
        Unreadable, empty, or neither UTF-8 nor Windows-1252 at the start.
    """
    limit = 8 * _SNIFF_BYTES
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError as exc:
        raise DataFileError(path, f"het bestand kan niet worden gelezen ({exc.strerror}).",
                            hint="Controleer of het bestand bestaat en leesbaar is.") from exc
    if len(data) == limit and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise not_text_error(path) from exc
    if not text.strip() and path.stat().st_size <= len(data):
        raise DataFileError(path, "het bestand is leeg.",
                            hint="Exporteer de tabel opnieuw van CBS StatLine of haal het "
                            "lege bestand uit de bronmap.")
    return text


# --------------------------------------------------------------------------- metadata


def _year(path: Path, *, layout: str, titles: list[str],
          line: int) -> tuple[int, list[LoadIssue]]:
    issues: list[LoadIssue] = []
    from_name = cbstables.year_from_name(path)
    from_title = None
    for title in titles:
        m = _YEAR.search(title)
        if m:
            from_title = int(m.group(1))
            break
    if from_title is not None:
        if from_name is not None and from_name != from_title:
            issues.append(LoadIssue(
                kind="note", line=1,
                detail=f"De titel noemt jaar {from_title}, de bestandsnaam {from_name}; "
                f"het jaar uit de titel ({from_title}) is gebruikt.",
            ))
        return from_title, issues
    if from_name is None:
        raise DataFileError(
            path, "het jaar van de tabel is niet te bepalen (niet in de bestandsnaam"
            + (" en niet in de titel)." if layout == STATLINE_CSV_NAMES else ")."),
            line=line,
            hint="Zet het jaar in de bestandsnaam, bijvoorbeeld "
            "'kwb_2019_amsterdam.csv' of 'kwb2021_utrecht.csv'.",
        )
    return from_name, issues


def key_scheme_from_headers(headers: list[str]) -> str | None:
    """The table whose OData key numbering ``headers`` use, judged by :data:`KEY_SCHEME_MARKERS`.

    ``None`` when no marker key occurs or markers of more than one table do.
    """
    present = {h.strip() for h in headers}
    hits = [t for t, markers in KEY_SCHEME_MARKERS.items() if present & markers]
    return hits[0] if len(hits) == 1 else None


def _table_ids(path: Path, *, layout: str, year: int,
               headers: list[str]) -> tuple[str | None, str | None, list[LoadIssue]]:
    """``(table_id, key_table, issues)``: the data's table and the table of the column keys."""
    name_table = cbstables.table_id_from_name(path.name)
    table_id = cbstables.KWB_TABLES.get(year) or name_table
    if layout != ODATA_CSV:
        return table_id, table_id, []
    key_table = name_table or key_scheme_from_headers(headers) or table_id
    issues = []
    if key_table != table_id:
        issues.append(LoadIssue(
            kind="note",
            detail=f"De OData-kolomnamen volgen de nummering van tabel {key_table}; de cijfers "
            f"zijn van {year} (tabel {table_id}). Kolommen zijn met de sleutels van "
            f"{key_table} herkend.",
        ))
    return table_id, key_table, issues


def _column_roles(
    headers: list[str], *, units: list[str] | None, catalogue: Catalogue, key_table: str | None,
) -> tuple[dict[str, int], list[tuple[int, str]], list[LoadIssue]]:
    """Meta roles (role -> column index), indicator columns and issues for the header."""
    roles: dict[str, int] = {}
    indicators: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    issues: list[LoadIssue] = []
    for i, h in enumerate(headers):
        role = catalogue.meta_role(h)
        if role:
            roles.setdefault(role, i)
            continue
        candidates = [h]
        unit = units[i].strip() if units is not None and i < len(units) else ""
        if unit:
            candidates.insert(0, f"{h} ({unit})")
        ind = None
        for cand in candidates:
            ind = catalogue.match(cand, table_id=key_table)
            if ind:
                break
        if ind is None:
            issues.append(LoadIssue(
                kind="unmapped_column", column=h,
                detail=f"Kolom {h!r} staat niet in de indicatorcatalogus en is niet geladen.",
            ))
        elif ind in seen:
            issues.append(LoadIssue(
                kind="note", column=h,
                detail=f"Kolom {h!r} hoort ook bij indicator {ind!r}, die al uit kolom "
                f"{seen[ind]!r} is geladen; deze kolom is overgeslagen.",
            ))
        else:
            seen[ind] = h
            indicators.append((i, ind))
    return roles, indicators, issues


# --------------------------------------------------------------------------- regions


def _stripped(cells: np.ndarray, idx: int | None) -> pd.Series | None:
    """Column ``idx`` stripped, with empty cells as ``None``."""
    if idx is None:
        return None
    col = pd.Series(cells[:, idx], dtype=object).map(str.strip)
    return col.where(col != "", None).astype(object)


def _coded_regions(
    path: Path, cells: np.ndarray, lines: np.ndarray, roles: dict[str, int],
    headers: list[str], *, layout: str, year: int, header_line: int,
) -> pd.DataFrame:
    if "code" not in roles:
        raise DataFileError(
            path, "de kolom met regiocodes ontbreekt.", line=header_line,
            hint="Exporteer de tabel opnieuw met het onderwerp 'Regioaanduiding/Codering "
            "(code)' (OData: 'Codering_3') erbij, zodat elke regel een CBS-regiocode heeft.",
        )
    ci = roles["code"]
    code_header = headers[ci]
    codes = pd.Series([normalise_code(c) for c in cells[:, ci]], dtype=object)
    unique = pd.unique(codes.dropna())
    valid_codes = {c for c in unique if is_valid_code(c)}
    bad = ~codes.isin(valid_codes).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raw = cells[i, ci]
        msg = ("de regiocode ontbreekt." if codes[i] is None else
               f"{raw.strip()!r} is geen geldige CBS-regiocode (verwacht NL00, GMxxxx, "
               "WKxxxxxx of BUxxxxxxxx).")
        raise DataFileError(path, msg, line=int(lines[i]), column=code_header,
                            hint="Corrigeer de code of exporteer het bestand opnieuw van CBS.")
    dup = codes.duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        first = int(np.argmax((codes == codes[i]).to_numpy()))
        raise DataFileError(
            path, f"regiocode {codes[i]} komt twee keer voor (ook op regel {lines[first]}).",
            line=int(lines[i]), column=code_header,
            hint="Elke regio mag één keer in een bestand staan; haal de dubbele regel weg of "
            "exporteer het bestand opnieuw.",
        )
    prefix_level = codes.str[:2].map(_PREFIX_LEVEL)
    if "level" in roles:
        li = roles["level"]
        soort = pd.Series(cells[:, li], dtype=object)
        soort_map = {s: level_from_soort(s) for s in pd.unique(soort)}
        soort_level = soort.map(soort_map)
        clash = (soort_level.notna() & (soort_level != prefix_level)).to_numpy()
        if clash.any():
            i = int(np.argmax(clash))
            raise DataFileError(
                path, f"soort regio {soort[i].strip()!r} past niet bij regiocode {codes[i]} "
                f"(een {level_of(codes[i])}).", line=int(lines[i]), column=headers[li],
                hint="Controleer de regel; de kolommen zijn mogelijk verschoven. Exporteer het "
                "bestand zo nodig opnieuw.",
            )
    level = prefix_level.astype(object)
    names = _stripped(cells, roles.get("name"))
    if names is None:
        names = pd.Series([None] * len(codes), dtype=object)
    if layout == ODATA_CSV:  # WijkenEnBuurten is the dimension key (the code), not a name
        names = names.where(names.str.upper() != codes, None).astype(object)
    gem_names = _stripped(cells, roles.get("gemeente_name"))
    is_gem = (level == "gemeente").to_numpy()
    if gem_names is None:
        own = dict(zip(codes[is_gem], names[is_gem], strict=True))
        gem_names = codes.map(lambda c: own.get(gemeente_code_of(c))).astype(object)
    own_name = names.where(names.notna(), gem_names)
    gem_names = gem_names.where(~is_gem, own_name).astype(object)
    gem_names = gem_names.where(level != "land", None).astype(object)
    return pd.DataFrame({
        "region_key": np.arange(len(codes), dtype=np.int64),
        "year": np.full(len(codes), year, dtype=np.int64),
        "code": codes,
        "level": level,
        "name": names,
        "gemeente_name": gem_names,
        "line": lines,
    })


def _name_regions(
    cells: np.ndarray, lines: np.ndarray, roles: dict[str, int], *, year: int,
) -> tuple[pd.DataFrame, np.ndarray, list[LoadIssue]]:
    """Regions of a names-only download; aggregates are dropped (``keep`` False) and reported."""
    names = _stripped(cells, roles.get("name", 0))
    assert names is not None  # a column index always gives a column
    levels: list[str | None] = []
    keep = np.ones(len(names), dtype=bool)
    issues: list[LoadIssue] = []
    gemeente: str | None = None
    after_wijk = False
    for i, name in enumerate(names):
        text = name or ""
        if gemeente is None and text.lower() == "nederland":
            levels.append("land")
        elif gemeente is None and not wijk_number_from_name(text):
            levels.append("gemeente")
            gemeente = text
        elif _AGGREGATE.match(text):
            levels.append(None)
            keep[i] = False
            after_wijk = False
            issues.append(LoadIssue(
                kind="unmatched_name", line=int(lines[i]), column=text,
                detail=f"{text!r} is een stadsdeel of ander samengesteld gebied, geen CBS-wijk "
                "of -buurt; de regel is niet geladen.",
            ))
        elif wijk_number_from_name(text):
            levels.append("wijk")
            after_wijk = True
        else:
            levels.append("buurt" if after_wijk else None)
    level = pd.Series(levels, dtype=object)
    gem_names = pd.Series([gemeente] * len(names), dtype=object)
    gem_names = gem_names.where(level != "land", None).astype(object)
    regions = pd.DataFrame({
        "region_key": np.arange(len(names), dtype=np.int64),
        "year": np.full(len(names), year, dtype=np.int64),
        "code": pd.Series([None] * len(names), dtype=object),
        "level": level,
        "name": names,
        "gemeente_name": gem_names,
        "line": lines,
    })
    return regions, keep, issues


# --------------------------------------------------------------------------- values


def _detect_decimal(path: Path, raw: pd.Series, lines: np.ndarray, k: int,
                    col_headers: list[str]) -> str:
    """``","`` when numbers use a decimal comma, else ``"."``; mixed use is an error.

    The patterns are matched once per distinct cell text and spread over the cells.
    """
    codes, uniques = pd.factorize(raw.astype(str), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=uniques.dtype)
    comma = text.str.fullmatch(_COMMA_NUMBER).to_numpy(dtype=bool, na_value=False)[codes]
    if not comma.any():
        return "."
    dot = text.str.fullmatch(_DOT_NUMBER).to_numpy(dtype=bool, na_value=False)[codes]
    if dot.any():
        i_c, i_d = int(np.argmax(comma)), int(np.argmax(dot))
        i = max(i_c, i_d)
        r, c = divmod(i, k)
        raise DataFileError(
            path, f"het bestand gebruikt zowel een decimale komma als een decimale punt "
            f"(waarde {raw[i].strip()!r}); de getallen zijn niet eenduidig te lezen.",
            line=int(lines[r]), column=col_headers[c],
            hint="Exporteer het bestand opnieuw zonder het te bewerken, zodat alle getallen "
            "hetzelfde decimaalteken hebben.",
        )
    return ","


def _values(
    path: Path, cells: np.ndarray, lines: np.ndarray, headers: list[str],
    ind_cols: list[tuple[int, str]], *, keep: np.ndarray, year: int,
) -> pd.DataFrame:
    """Long-format values of the indicator columns (row-major: file order)."""
    n, k = len(cells), len(ind_cols)
    if n == 0 or k == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VALUE_COLUMNS}).astype(
            {"region_key": "int64", "year": "int64", "value": "float64"})
    idx = [i for i, _ in ind_cols]
    col_headers = [headers[i] for i in idx]
    raw = pd.Series(cells[:, idx].ravel(), dtype=object)
    decimal = _detect_decimal(path, raw, lines, k, col_headers)
    values, reasons = parse_cbs_values(raw, decimal=decimal)
    reason_arr = np.array(reasons.astype(object), dtype=object)
    no_reason = pd.isna(reason_arr)
    reason_arr[no_reason] = None
    value_arr = values.to_numpy(dtype="float64")
    # a cell that looks like a number but did not parse is invalid too
    bad = invalid_cells(reasons).to_numpy(dtype=bool) | (np.isnan(value_arr) & no_reason)
    if bad.any():
        i = int(np.argmax(bad))
        r, c = divmod(i, k)
        raise DataFileError(
            path, f"de waarde {raw[i].strip()!r} is geen getal en geen CBS-symbool "
            "('.', 'x', '-', '?').", line=int(lines[r]), column=col_headers[c],
            hint="Corrigeer de cel of exporteer het bestand opnieuw van CBS; ontbrekende of "
            "geheime waarden staan in CBS-bestanden als '.'.",
        )
    new_key = np.cumsum(keep) - 1  # region_key after dropped rows
    frame = pd.DataFrame({
        "region_key": np.repeat(new_key, k).astype(np.int64),
        "year": np.full(n * k, year, dtype=np.int64),
        "indicator_id": np.tile(np.array([ind for _, ind in ind_cols], dtype=object), n),
        "value": value_arr,
        "missing_reason": pd.Series(reason_arr, dtype=object),
        "source_column": np.tile(np.array(col_headers, dtype=object), n),
    })
    frame = frame[np.repeat(keep, k)].reset_index(drop=True)
    return frame[VALUE_COLUMNS]
