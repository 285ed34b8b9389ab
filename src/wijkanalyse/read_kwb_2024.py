"""KWB 2024 herkomst export: a StatLine CSV without codes, joined row by row to its partner.

``kwb_2024_nl_all_levels_herkomst.csv`` has names, gemeentenamen and counts but no region code.
It was downloaded from the same StatLine table and selection as a normal export *with* codes
(layout ``statline_csv``, read by :mod:`wijkanalyse.read_kwb_csv`), so its rows are in the same
order. The partner is found among the other sources of the build (same year, same number of data
rows) and the alignment is checked on every row before the codes are taken over.

This module also holds the small CSV helpers the other text readers share
(:func:`read_delimited`, :func:`column_values`, :func:`regions_frame`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import Catalogue, header_key
from .cbstables import KWB_TABLES, year_from_name
from .cbsvalues import invalid_cells, parse_cbs_values
from .codes import is_valid_code, level_of, normalise_code
from .errors import DataFileError
from .readers import ReadContext
from .sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
    SourceInfo,
    SourceTable,
    file_sha256,
)

LAYOUT = "kwb2024_herkomst"
PARTNER_LAYOUT = "statline_csv"

#: Structural StatLine columns, used when the catalogue's ``meta_columns`` do not name them.
_DEFAULT_ROLES = {
    header_key("Wijken en buurten"): "name",
    header_key("Regioaanduiding/Gemeentenaam (naam)"): "gemeente_name",
    header_key("Regioaanduiding/Soort regio (omschrijving)"): "level",
    header_key("Regioaanduiding/Codering (code)"): "code",
}


# --------------------------------------------------------------------------- shared helpers


def read_delimited(
    path: Path, *, sep: str, encoding: str = "utf-8-sig"
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a delimited text file strictly: every row must have as many fields as the header.

    Parameters
    ----------
    path
        The file.
    sep
        Field separator (``";"`` for CBS exports, ``","`` for the Leefbaarometer).
    encoding
        Text encoding; the default drops a UTF-8 BOM.

    Returns
    -------
    frame, lines
        ``frame`` holds the cells as read (strings, padding kept) under the stripped header;
        ``lines`` the 1-based line number of each data row. Blank lines are skipped.

    Raises
    ------
    DataFileError
        Undecodable bytes, an empty file, duplicate column names or a row with too few or too
        many fields (with its line number).
    """
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataFileError(
            path, f"het bestand is geen {encoding.upper()}-tekst (byte {exc.start}).",
            line=raw[: exc.start].count(b"\n") + 1,
            hint="Sla het bestand op als UTF-8 (CSV UTF-8) en probeer het opnieuw.",
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise DataFileError(path, "het bestand is leeg of heeft geen kopregel.", line=1,
                                hint="Download het bestand opnieuw.")
        seen: set[str] = set()
        for pos, h in enumerate(header, start=1):
            if h in seen:
                raise DataFileError(path, f"kolomnaam {h!r} komt twee keer voor.", line=1,
                                    column=pos, hint="Geef elke kolom een eigen naam.")
            seen.add(h)
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataFileError(
                    path, f"deze regel heeft {len(row)} velden, de kopregel {len(header)}.",
                    line=reader.line_num,
                    hint=f"Controleer het scheidingsteken ({sep!r}) en of de regel afgebroken "
                    "of aangevuld is; download het bestand anders opnieuw.",
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataFileError(path, f"onleesbare CSV: {exc}.", line=reader.line_num,
                            hint="Download het bestand opnieuw.") from exc
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return frame, np.asarray(lines, dtype="int64")


def column_values(
    path: Path,
    raw: pd.Series,
    *,
    region_keys: Sequence[int] | np.ndarray,
    years: Sequence[int] | np.ndarray,
    lines: Sequence[int | None] | np.ndarray,
    indicator_id: str,
    column: str,
    decimal: str = "auto",
) -> pd.DataFrame:
    """Parse one source column into a values frame (:data:`VALUE_COLUMNS`).

    Raises
    ------
    DataFileError
        On the first cell that is neither a number nor a CBS symbol, naming line and column.
    """
    values, reasons = parse_cbs_values(raw.reset_index(drop=True), decimal=decimal)
    bad = invalid_cells(reasons)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        line = lines[pos]
        raise DataFileError(
            path, f"waarde {raw.iloc[pos]!r} is geen getal en geen CBS-teken ('.', 'x', '-', "
            "'?').", line=None if line is None else int(line), column=column,
            hint="Herstel of verwijder de waarde, of download het bestand opnieuw.",
        )
    return pd.DataFrame({
        "region_key": np.asarray(region_keys, dtype="int64"),
        "year": np.asarray(years, dtype="int64"),
        "indicator_id": indicator_id,
        "value": values.to_numpy(dtype="float64"),
        "missing_reason": pd.Series([r if isinstance(r, str) else None for r in reasons.tolist()],
                                    dtype=object),
        "source_column": column,
    })[VALUE_COLUMNS]


def concat_values(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate values frames (an empty, well-typed frame when there are none)."""
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VALUE_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def regions_frame(
    *,
    codes: Sequence[str | None],
    years: Sequence[int] | np.ndarray,
    names: Sequence[str | None],
    gemeente_names: Sequence[str | None] | None = None,
    lines: Sequence[int | None] | np.ndarray,
) -> pd.DataFrame:
    """A regions frame (:data:`REGION_COLUMNS`) with ``region_key`` 0..n-1 and levels from codes."""
    n = len(codes)
    return pd.DataFrame({
        "region_key": np.arange(n, dtype="int64"),
        "year": np.asarray(years, dtype="int64"),
        "code": pd.Series(list(codes), dtype=object),
        "level": pd.Series([level_of(c) if c else None for c in codes], dtype=object),
        "name": pd.Series(list(names), dtype=object),
        "gemeente_name": pd.Series(list(gemeente_names) if gemeente_names is not None
                                   else [None] * n, dtype=object),
        "line": pd.Series(list(lines), dtype=object),
    })[REGION_COLUMNS]


def checked_codes(path: Path, raw: pd.Series, *, lines: np.ndarray, column: str) -> list[str]:
    """Normalised region codes; the first invalid one raises with its line."""
    out: list[str] = []
    for cell, line in zip(raw.tolist(), lines, strict=True):
        code = normalise_code(cell)
        if code is None or not is_valid_code(code):
            raise DataFileError(
                path, f"{cell!r} is geen CBS-regiocode (NL00, GMxxxx, WKxxxxxx of BUxxxxxxxx).",
                line=int(line), column=column,
                hint="Herstel de code of download het bestand opnieuw.",
            )
        out.append(code)
    return out


def unmapped_issue(column: str) -> LoadIssue:
    """The issue recorded for a column the catalogue does not know."""
    return LoadIssue(
        kind="unmapped_column",
        detail=f"kolom {column!r} staat niet in de indicatorcatalogus en is niet geladen",
        column=column,
    )


def first_line(path: Path, *, limit: int = 8192) -> str:
    """The first line of a text file (BOM removed), reading at most ``limit`` bytes."""
    with open(path, "rb") as fh:
        head = fh.read(limit)
    return head.decode("utf-8-sig", errors="replace").splitlines()[0] if head else ""


def split_header(line: str, sep: str) -> list[str]:
    """Split one header line into stripped column names."""
    return [h.strip() for h in next(csv.reader([line], delimiter=sep), [])]


# --------------------------------------------------------------------------- the reader


def _role(catalogue: Catalogue | None, column: str) -> str | None:
    role = catalogue.meta_role(column) if catalogue is not None else None
    return role or _DEFAULT_ROLES.get(header_key(column))


def _column_with_role(columns: Sequence[str], role: str, catalogue: Catalogue | None) -> str | None:
    return next((c for c in columns if _role(catalogue, c) == role), None)


def sniff(path: Path) -> str | None:
    """``"kwb2024_herkomst"`` for a StatLine CSV with names and gemeentenamen but no codes."""
    try:
        if not path.is_file() or path.suffix.lower() != ".csv":
            return None
        header = split_header(first_line(path), ";")
    except (OSError, csv.Error, IndexError):
        return None
    roles = [_DEFAULT_ROLES.get(header_key(h)) for h in header]
    if (len(header) > 2 and roles[0] == "name" and "gemeente_name" in roles
            and "code" not in roles and "level" not in roles
            and not any("regiocode" in header_key(h) for h in header)):
        return LAYOUT
    return None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read the code-less export and take the codes from its partner export.

    Raises
    ------
    DataFileError
        When a column is missing, a cell is not a number, no partner is found, or the partner's
        rows do not match this file row for row.
    """
    frame, lines = read_delimited(path, sep=";")
    columns = list(frame.columns)
    for role, label in (("name", "Wijken en buurten"),
                        ("gemeente_name", "Regioaanduiding/Gemeentenaam (naam)")):
        if _column_with_role(columns, role, catalogue) is None:
            raise DataFileError(path, f"de kolom {label!r} ontbreekt.", line=1, column=label,
                                hint="Exporteer uit StatLine met de regionamen en gemeentenamen.")
    year = year_from_name(path)
    if year is None:
        raise DataFileError(path, "het jaar van deze KWB-export staat niet in de bestandsnaam.",
                            hint="Zet het jaar in de bestandsnaam, bijvoorbeeld "
                            "kwb_2024_herkomst.csv, en ook in die van het bestand met codes.")
    partner, partner_lines, partner_path = _find_partner(path, frame, lines, year, catalogue,
                                                         context)
    code_col = _column_with_role(list(partner.columns), "code", catalogue)
    codes = checked_codes(partner_path, partner[code_col], lines=partner_lines, column=code_col)
    name_col = _column_with_role(columns, "name", catalogue)
    gem_col = _column_with_role(columns, "gemeente_name", catalogue)
    regions = regions_frame(
        codes=codes, years=[year] * len(frame), lines=lines,
        names=frame[name_col].str.strip().tolist(),
        gemeente_names=frame[gem_col].str.strip().tolist(),
    )
    table_id = KWB_TABLES.get(year)
    issues = [LoadIssue(
        kind="note",
        detail=f"regiocodes overgenomen uit {partner_path.name} (rij voor rij gecontroleerd op "
        "naam, gemeentenaam en gedeelde kolommen)",
    )]
    values = []
    for col in columns:
        if _role(catalogue, col):
            continue
        ind = catalogue.match(col, table_id=table_id)
        if ind is None:
            issues.append(unmapped_issue(col))
            continue
        values.append(column_values(path, frame[col], region_keys=regions["region_key"],
                                    years=regions["year"], lines=lines, indicator_id=ind,
                                    column=col))
    info = SourceInfo(path=path, kind="kwb", layout=LAYOUT, table_id=table_id, year=year,
                      sha256=file_sha256(path),
                      label=f"CBS, Kerncijfers Wijken en Buurten {year}")
    return [SourceTable(source=info, regions=regions, values=concat_values(values),
                        issues=issues)]


def _find_partner(
    path: Path,
    frame: pd.DataFrame,
    lines: np.ndarray,
    year: int,
    catalogue: Catalogue,
    context: ReadContext,
) -> tuple[pd.DataFrame, np.ndarray, Path]:
    """The aligned partner export (only the columns needed), its lines and its path."""
    candidates = sorted(
        p for p, layout in context.layouts.items()
        if layout == PARTNER_LAYOUT and Path(p) != path and year_from_name(p) == year
    )
    first_error: DataFileError | None = None
    for cand in map(Path, candidates):
        other, other_lines = read_delimited(cand, sep=";")
        if len(other) != len(frame):
            continue
        if _column_with_role(list(other.columns), "code", catalogue) is None:
            continue
        error = _alignment_error(path, frame, lines, cand, other, other_lines, catalogue)
        if error is None:
            return _needed_columns(other, frame, catalogue), other_lines, cand
        first_error = first_error or error
    if first_error is not None:
        raise first_error
    raise DataFileError(
        path,
        f"dit bestand heeft geen regiocodes en er is geen StatLine-export met codes uit "
        f"{year} met evenveel regels ({len(frame)}) gevonden om het mee te koppelen.",
        hint="Zet het bijbehorende bestand met de kolom 'Regioaanduiding/Codering (code)' in "
        "dezelfde bronmap; download beide uit dezelfde StatLine-tabel met dezelfde selectie.",
    )


def _shared_columns(frame: pd.DataFrame, other: pd.DataFrame) -> list[tuple[str, str]]:
    """(column here, column in partner) pairs with the same header key."""
    by_key = {header_key(c): c for c in other.columns}
    return [(c, by_key[header_key(c)]) for c in frame.columns if header_key(c) in by_key]


def _needed_columns(other: pd.DataFrame, frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    keep = [c for c in other.columns if _role(catalogue, c) in ("name", "gemeente_name", "code",
                                                                "level")]
    keep += [p for _, p in _shared_columns(frame, other) if p not in keep]
    return other[keep]


def _alignment_error(
    path: Path,
    frame: pd.DataFrame,
    lines: np.ndarray,
    other_path: Path,
    other: pd.DataFrame,
    other_lines: np.ndarray,
    catalogue: Catalogue,
) -> DataFileError | None:
    """The first row on which the two files disagree, as an error; ``None`` when they align."""
    pairs = _shared_columns(frame, other)
    roles = {_role(catalogue, c) for c, _ in pairs}
    if not {"name", "gemeente_name"} <= roles:
        return DataFileError(
            path, f"{other_path.name} heeft niet dezelfde naamkolommen; de bestanden horen niet "
            "bij elkaar.", hint="Download beide bestanden uit dezelfde StatLine-tabel en selectie.")
    first: tuple[int, str, str] | None = None
    for col, other_col in pairs:
        here = frame[col].str.strip().to_numpy(dtype=object)
        there = other[other_col].str.strip().to_numpy(dtype=object)
        diff = np.flatnonzero(here != there)
        if len(diff) and (first is None or diff[0] < first[0]):
            first = (int(diff[0]), col, other_col)
    if first is None:
        return None
    row, col, other_col = first
    return DataFileError(
        path,
        f"regel {lines[row]} van {path.name} en regel {other_lines[row]} van {other_path.name} "
        f"verschillen: {col!r} is {frame[col].iloc[row].strip()!r} tegenover "
        f"{other[other_col].iloc[row].strip()!r}. De bestanden horen niet bij elkaar, dus de "
        "regiocodes kunnen niet op regelvolgorde worden overgenomen.",
        line=int(lines[row]), column=col,
        hint="Download beide bestanden uit dezelfde StatLine-tabel met dezelfde selectie van "
        "regio's en dezelfde volgorde (of exporteer de herkomstcijfers mét de kolom Codering).",
    )
