"""CSV files whose CBS headers someone renamed, read through an explicit column map.

Layout ``renamed_csv``. Source repositories sometimes re-save a CBS table with their own column
names (``Avg_Income_Per_Inhabitant_1000EUR``). wijkanalyse never guesses what such a column
holds: a **column map** (``data/column_maps/*.yaml``, documented in ``docs/column-maps.md``)
names, for one exact set of headers, the region role (``code``, ``name``, ``gemeente_name``,
``level``) or the catalogue indicator of every column, with the separator, decimal sign and
what an empty cell means. A file is recognised only when its header set equals the header set
of a map (order and surrounding spaces ignored, spelling exact); any other CSV stays
"onbekend bestandsformaat", and :func:`wijkanalyse.sources.registry.unknown_layout_hint` tells the
user
how to add a map.

Codes must be CBS codes (padding is stripped); the year comes from the map (``year``) or the
file name. Values carry the provenance of the original column name, and a ``note`` issue names
the map that was used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse import cbstables, safeyaml
from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbsvalues import EMPTY_REASON
from wijkanalyse.codes import level_from_soort, level_of
from wijkanalyse.errors import CatalogueError, DataFileError
from wijkanalyse.sources.csvtools import (
    checked_codes,
    column_values,
    concat_values,
    read_delimited,
    regions_frame,
    split_header,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import LoadIssue, SourceInfo, SourceTable, file_sha256

LAYOUT = "renamed_csv"
#: Region roles a column map may assign.
ROLES = ("code", "name", "gemeente_name", "level")
_LABELS = {"kwb": "CBS, Kerncijfers Wijken en Buurten {year}"}


@dataclass(frozen=True)
class ColumnMap:
    """One column map: what every column of one renamed layout holds."""

    name: str
    origin: str  # where the map was read from, for messages
    description: str
    kind: str  # source kind in the sources table (kwb, ...)
    separator: str
    decimal: str
    encoding: str
    empty_means: str
    roles: dict[str, str]  # header -> region role
    indicators: dict[str, str]  # header -> indicator id
    year: int | None = None
    table_id: str | None = None
    label: str | None = None  # citation template with {year}

    @property
    def headers(self) -> frozenset[str]:
        """The exact header set this map is for."""
        return frozenset(self.roles) | frozenset(self.indicators)


def parse_column_map(data: Any, *, origin: str) -> ColumnMap:
    """Validate a parsed column-map YAML document.

    Raises
    ------
    CatalogueError
        Naming the map file and the field that is wrong.
    """
    if not isinstance(data, dict):
        raise CatalogueError(f"{origin}: een kolomkaart is een mapping met name, kind en columns.")
    allowed = {"name", "description", "kind", "separator", "decimal", "encoding", "empty_means",
               "columns", "year", "table_id", "label"}
    unknown = set(data) - allowed
    if unknown:
        raise CatalogueError(f"{origin}: onbekende velden {sorted(unknown)}; toegestaan zijn "
                             f"{sorted(allowed)}.")
    for req in ("name", "kind", "columns"):
        if not data.get(req):
            raise CatalogueError(f"{origin}: veld {req!r} ontbreekt.")
    sep = data.get("separator", ";")
    if not isinstance(sep, str) or len(sep) != 1:
        raise CatalogueError(f"{origin}: separator moet één teken zijn, niet {sep!r}.")
    decimal = data.get("decimal", ".")
    if decimal not in (",", "."):
        raise CatalogueError(f"{origin}: decimal moet ',' of '.' zijn, niet {decimal!r}.")
    columns = data["columns"]
    if not isinstance(columns, dict):
        raise CatalogueError(f"{origin}: columns moet kolomnaam: {{role: ...}} of "
                             "{indicator: ...} zijn.")
    roles: dict[str, str] = {}
    indicators: dict[str, str] = {}
    for header, spec in columns.items():
        where = f"{origin}, kolom {header!r}"
        if not isinstance(spec, dict) or len(set(spec) & {"role", "indicator"}) != 1 or (
                set(spec) - {"role", "indicator", "note"}):
            raise CatalogueError(f"{where}: geef precies één van role of indicator "
                                 "(en eventueel note).")
        key = str(header).strip()
        if "role" in spec:
            if spec["role"] not in ROLES:
                raise CatalogueError(f"{where}: rol {spec['role']!r} is onbekend; kies uit "
                                     f"{list(ROLES)}.")
            roles[key] = spec["role"]
        else:
            indicators[key] = str(spec["indicator"])
    code_cols = [h for h, r in roles.items() if r == "code"]
    if len(code_cols) != 1:
        raise CatalogueError(f"{origin}: precies één kolom moet de rol 'code' hebben (gevonden: "
                             f"{code_cols}).")
    year = data.get("year")
    if year is not None and not isinstance(year, int):
        raise CatalogueError(f"{origin}: year moet een jaartal zijn.")
    return ColumnMap(
        name=str(data["name"]), origin=origin, description=str(data.get("description", "")),
        kind=str(data["kind"]), separator=sep, decimal=decimal,
        encoding=str(data.get("encoding", "utf-8-sig")),
        empty_means=str(data.get("empty_means") or EMPTY_REASON), roles=roles,
        indicators=indicators, year=year, table_id=data.get("table_id"),
        label=data.get("label"),
    )


@lru_cache(maxsize=1)
def packaged_column_maps() -> tuple[ColumnMap, ...]:
    """The column maps shipped in ``wijkanalyse/data/column_maps`` (sorted by file name).

    Raises
    ------
    CatalogueError
        A map is invalid, or two maps are for the same header set.
    """
    folder = resources.files("wijkanalyse").joinpath("data/column_maps")
    maps: list[ColumnMap] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        origin = f"wijkanalyse/data/column_maps/{entry.name}"
        maps.append(parse_column_map(safeyaml.load(entry.read_text("utf-8"), origin=origin),
                                     origin=origin))
    by_headers: dict[frozenset[str], str] = {}
    for m in maps:
        if m.headers in by_headers:
            raise CatalogueError(f"{m.origin}: dezelfde kolomnamen als {by_headers[m.headers]}; "
                                 "een bestand moet bij precies één kolomkaart passen.")
        by_headers[m.headers] = m.origin
    return tuple(maps)


def find_map(headers: list[str]) -> ColumnMap | None:
    """The column map for exactly this header set, or ``None``."""
    wanted = frozenset(h.strip() for h in headers)
    for m in packaged_column_maps():
        if m.headers == wanted:
            return m
    return None


def _header_of(path: Path, cmap_sep: str, encoding: str) -> list[str]:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    text = head.decode(encoding if encoding.lower() != "utf-8" else "utf-8-sig",
                       errors="replace").lstrip("\ufeff")
    line = text.splitlines()[0] if text else ""
    return split_header(line, cmap_sep)


def sniff(path: Path) -> str | None:
    """``"renamed_csv"`` when the header set of ``path`` is that of a column map, else None."""
    try:
        p = Path(path)
        if not p.is_file() or p.suffix.lower() != ".csv":
            return None
        for m in packaged_column_maps():
            if frozenset(_header_of(p, m.separator, m.encoding)) == m.headers:
                return LAYOUT
    except (OSError, csv.Error, IndexError, CatalogueError, UnicodeError, LookupError):
        return None
    return None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read a renamed CSV through its column map into one :class:`SourceTable`.

    Raises
    ------
    DataFileError
        No map fits (any more), the map names an indicator the catalogue lacks (the map file is
        named), no year, a row with a wrong number of fields, an invalid or duplicate code, a
        level that contradicts the code or a cell that is not a number (file, line, column).
    """
    del context
    path = Path(path)
    cmap = next((m for m in packaged_column_maps()
                 if frozenset(_header_of(path, m.separator, m.encoding)) == m.headers), None)
    if cmap is None:
        raise DataFileError(path, "de kolomnamen passen bij geen enkele kolomkaart.", line=1,
                            hint="Voeg een kolomkaart toe (docs/column-maps.md).")
    missing = sorted(i for i in cmap.indicators.values() if i not in catalogue)
    if missing:
        raise DataFileError(Path(cmap.origin), f"de kolomkaart {cmap.name!r} noemt indicatoren "
                            f"die niet in de catalogus staan: {missing}.",
                            hint="Corrigeer de indicator-id's in de kolomkaart.")
    year = cmap.year or cbstables.year_from_name(path)
    if year is None:
        raise DataFileError(path, f"het jaar van de cijfers staat niet in de bestandsnaam (en "
                            f"kolomkaart {cmap.name!r} noemt geen jaar).", line=1,
                            hint="Zet het jaar in de bestandsnaam, bijvoorbeeld "
                            "'kwb_2023_amsterdam.csv'.")
    frame, lines = read_delimited(path, sep=cmap.separator, encoding=cmap.encoding,
                                  code_column=lambda h: cmap.roles.get(h) == "code")
    frame.columns = [str(c).strip() for c in frame.columns]
    col_of = {role: h for h, role in cmap.roles.items()}
    code_col = col_of["code"]
    codes = checked_codes(path, frame[code_col], lines=lines, column=code_col)
    dup = pd.Series(codes).duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise DataFileError(path, f"regiocode {codes[i]} staat twee keer in het bestand.",
                            line=int(lines[i]), column=code_col,
                            hint="Elke regio mag één keer in een bestand staan.")
    if "level" in col_of:
        for cell, code, line in zip(frame[col_of["level"]], codes, lines, strict=True):
            lvl = level_from_soort(cell)
            if lvl is not None and lvl != level_of(code):
                raise DataFileError(path, f"soort regio {cell.strip()!r} past niet bij "
                                    f"regiocode {code}.", line=int(line),
                                    column=col_of["level"], hint="Controleer de regel.")

    def stripped(role: str) -> list[str | None]:
        if role not in col_of:
            return [None] * len(codes)
        return [c.strip() or None for c in frame[col_of[role]].astype(str)]

    names = stripped("name")
    gm_names = stripped("gemeente_name")
    gm_names = [None if c.startswith("NL") else (g or (n if c.startswith("GM") else None))
                for c, g, n in zip(codes, gm_names, names, strict=True)]
    regions = regions_frame(codes=codes, years=[year] * len(codes), names=names,
                            gemeente_names=gm_names, lines=lines)
    values = []
    for header, ind in cmap.indicators.items():
        part = column_values(path, frame[header], region_keys=regions["region_key"],
                             years=regions["year"], lines=lines, indicator_id=ind,
                             column=header, decimal=cmap.decimal)
        part["missing_reason"] = part["missing_reason"].where(
            part["missing_reason"] != EMPTY_REASON, cmap.empty_means)
        values.append(part)
    label = (cmap.label or _LABELS.get(cmap.kind, "{year}")).format(year=year)
    table_id = cmap.table_id or (cbstables.KWB_TABLES.get(year) if cmap.kind == "kwb" else None)
    info = SourceInfo(path=path, kind=cmap.kind, layout=LAYOUT, table_id=table_id, year=year,
                      sha256=file_sha256(path), label=label)
    issues = [LoadIssue(kind="note", detail=f"Kolomnamen gelezen met kolomkaart {cmap.name!r} "
                        f"({cmap.origin}): {cmap.description}.")]
    return [SourceTable(source=info, regions=regions, values=concat_values(values),
                        issues=issues)]
