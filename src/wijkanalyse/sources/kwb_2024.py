"""KWB 2024 herkomst export: a StatLine CSV without codes, joined row by row to its partner.

``kwb_2024_nl_all_levels_herkomst.csv`` has names, gemeentenamen and counts but no region code.
It was downloaded from the same StatLine table and selection as a normal export *with* codes
(layout ``statline_csv``, read by :mod:`wijkanalyse.sources.kwb_csv`), so its rows are in the same
order. The partner is found among the other sources of the build (same year, same number of data
rows) and the alignment is checked on every row before the codes are taken over.

This module also holds the small CSV helpers the other text readers share
(:func:`read_delimited`, :func:`column_values`, :func:`regions_frame`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.cbstables import KWB_TABLES, year_from_name
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import (
    checked_codes,
    concat_values,
    first_csv_line,
    mapped_values,
    read_delimited,
    regions_frame,
    split_header,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import (
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


def _role(catalogue: Catalogue | None, column: str) -> str | None:
    role = catalogue.meta_role(column) if catalogue is not None else None
    return role or _DEFAULT_ROLES.get(header_key(column))


def _column_with_role(columns: Sequence[str], role: str, catalogue: Catalogue | None) -> str | None:
    return next((c for c in columns if _role(catalogue, c) == role), None)


def sniff(path: Path) -> str | None:
    """``"kwb2024_herkomst"`` for a StatLine CSV with names and gemeentenamen but no codes."""
    line = first_csv_line(path)
    if line is None:
        return None
    header = split_header(line, ";")
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
    assert code_col is not None  # _find_partner only accepts a file with a code column
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
    values = mapped_values(
        path, frame, columns=[c for c in columns if not _role(catalogue, c)],
        indicator_of=lambda c: catalogue.match(c, table_id=table_id),
        regions=regions, lines=lines, issues=issues)
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
        try:
            other, other_lines = read_delimited(cand, sep=";")
        except DataFileError as exc:
            # the error is about this file (it cannot be read without its partner): name it
            # first, and say which partner is broken where
            where = f", regel {exc.line}" if exc.line is not None else ""
            raise DataFileError(
                path, f"het bijbehorende bestand met de regiocodes, {cand}, is onleesbaar "
                f"({cand.name}{where}: {exc.message}); zonder dat bestand krijgen de regels "
                "van dit bestand geen regiocode.",
                hint=exc.hint or "Herstel of download het bijbehorende bestand opnieuw.",
            ) from exc
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
