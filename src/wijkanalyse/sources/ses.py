"""CBS SES-WOA scores per wijk en buurt (table 85163NED), StatLine CSV export.

Columns: ``Perioden`` (the year of each row; a selection may hold several years), ``Wijken en
buurten`` (name), ``Regiocode (gemeente, wijk, buurt) (code)`` and the figures: households,
education level (%), the SES-WOA total score and its spread. ``.`` marks a missing figure.
Values carry the year of their row; a file with one year is one table of that year.
"""

from __future__ import annotations

import re
from pathlib import Path

from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.cbstables import SES_WOA_TABLE
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import (
    check_unique_region_years,
    checked_codes,
    concat_values,
    first_csv_line,
    mapped_values,
    read_delimited,
    regions_frame,
    split_header,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import LoadIssue, SourceInfo, SourceTable, file_sha256

LAYOUT = "ses_woa_csv"
_ROLES = {
    header_key("Perioden"): "period",
    header_key("Wijken en buurten"): "name",
    header_key("Regiocode (gemeente, wijk, buurt) (code)"): "code",
}
_PERIOD = re.compile(r"^\s*(\d{4})(?:JJ00)?\s*$")
_HINT = "Exporteer de tabel SES-WOA scores per wijk en buurt (85163NED) opnieuw uit StatLine."


def sniff(path: Path) -> str | None:
    """``"ses_woa_csv"`` for a StatLine export of the SES-WOA table."""
    line = first_csv_line(path)
    if line is None:
        return None
    keys = [header_key(h) for h in split_header(line, ";")]
    roles = {_ROLES.get(k) for k in keys}
    if {"period", "code"} <= roles and any("seswoa" in k for k in keys):
        return LAYOUT
    return None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read the SES-WOA export into one :class:`SourceTable` (values carry their year).

    Raises
    ------
    DataFileError
        Missing period/code column, an invalid code or period, a region twice in one year or a
        figure that is not a number.
    """
    frame, lines = read_delimited(path, sep=";",
                                  code_column=lambda h: _ROLES.get(header_key(h)) == "code")
    role_of = {c: _ROLES.get(header_key(c)) for c in frame.columns}
    cols = {role: c for c, role in role_of.items() if role}
    for role, label in (("period", "Perioden"),
                        ("code", "Regiocode (gemeente, wijk, buurt) (code)")):
        if role not in cols:
            raise DataFileError(path, f"de kolom {label!r} ontbreekt.", line=1, column=label,
                                hint=_HINT + " Neem Perioden en de regiocode op in de export.")
    codes = checked_codes(path, frame[cols["code"]], lines=lines, column=cols["code"])
    years = []
    for cell, line in zip(frame[cols["period"]].tolist(), lines, strict=True):
        m = _PERIOD.match(cell)
        if not m:
            raise DataFileError(path, f"periode {cell!r} is geen jaar.", line=int(line),
                                column=cols["period"], hint=_HINT)
        years.append(int(m.group(1)))
    check_unique_region_years(path, codes, years, lines=lines, column=cols["code"], hint=_HINT)
    names = (frame[cols["name"]].str.strip().tolist() if "name" in cols
             else [None] * len(frame))
    regions = regions_frame(codes=codes, years=years, names=names, lines=lines)

    issues: list[LoadIssue] = []
    values = mapped_values(
        path, frame,
        columns=[c for c in frame.columns if not (role_of[c] or catalogue.meta_role(c))],
        indicator_of=lambda c: catalogue.match(c, table_id=SES_WOA_TABLE),
        regions=regions, lines=lines, issues=issues)
    span = sorted(set(years))
    year = span[0] if len(span) == 1 else None
    period = str(span[0]) if len(span) == 1 else f"{span[0]}–{span[-1]}" if span else ""
    info = SourceInfo(path=path, kind="ses", layout=LAYOUT, table_id=SES_WOA_TABLE, year=year,
                      sha256=file_sha256(path),
                      label=f"CBS, SES-WOA scores per wijk en buurt {period}".strip())
    return [SourceTable(source=info, regions=regions, values=concat_values(values),
                        issues=issues)]
