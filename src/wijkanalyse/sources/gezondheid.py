"""RIVM/GGD Gezondheidsmonitor Volwassenen en Ouderen, small-area estimates per wijk (CSV).

Layout ``ggd_gezondheidsmonitor_csv``: ``,``-separated, one row per wijk, region columns
``wijkcode`` (``WK000300``), ``wijknaam``, ``gemnr`` (gemeente number, ``3``) and ``gemnaam``,
then population counts and percentages. Headers ending in ``*`` are the model estimates
(loneliness, health, regie, beperking, langdurige aandoening); an empty cell is a missing value.

Decisions a caller must know
----------------------------
* **Columns** are mapped through :data:`COLUMNS` (header -> catalogue id), scoped to this
  layout because headers such as ``Totale bevolking`` are too generic for global catalogue
  aliases. The estimates are ``gzm_*`` indicators in the domain "gezondheid en welzijn"; they
  are weighted by ``gzm_a_19_oo`` (adults 19+, the population the estimates describe).
* **Not loaded** (:data:`NOT_LOADED`, each reported as a ``note`` with its reason): the
  background columns without ``*`` that repeat KWB concepts whose register figures belong to
  CBS (``% eenpersoons huishoudens``, ``% verweduwd``, ``% niet-westers allochtonen``; the file
  gives neither their denominator nor their reference date, so they could not be aggregated
  honestly), ``% 75 jaar en ouder`` (empty in every row) and ``Bevolking 65 jaar en ouder``
  (its national sum, 1.35 million, is the number of people aged 75+, not 65+, and in 169 rows
  where the 19+ count is empty it holds a number close to the adult population: the column does
  not hold what its header says).
* **Year**: from the file name (the edition of the monitor, ``..._2016_...``).
* **Duplicates**: the source repeats some wijken (``WK191104`` three times) with identical
  rows; the repeats are dropped with a note. Differing rows for one code are an error.
* ``gemnr`` must agree with the gemeente number in ``wijkcode``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbstables import year_from_name
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import (
    checked_codes,
    column_values,
    concat_values,
    first_csv_line,
    read_delimited,
    regions_frame,
    split_header,
    unmapped_issue,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import LoadIssue, SourceInfo, SourceTable, file_sha256

LAYOUT = "ggd_gezondheidsmonitor_csv"
LABEL = "RIVM/GGD, Gezondheidsmonitor Volwassenen en Ouderen {year}"

#: Header -> indicator id (own ids, see the catalogue section "Gezondheid en welzijn").
COLUMNS: dict[str, str] = {
    "Totale bevolking": "gzm_a_inw",
    "Bevolking 19 jaar en ouder": "gzm_a_19_oo",
    "% eenzaam*": "gzm_p_eenzaam",
    "% ernstig eenzaam*": "gzm_p_ernstig_eenzaam",
    "% sociaal eenzaam*": "gzm_p_sociaal_eenzaam",
    "% emotioneel eenzaam*": "gzm_p_emotioneel_eenzaam",
    "% met beperking*": "gzm_p_beperking",
    "% met langdurige aandoening*": "gzm_p_langdurige_aandoening",
    "% met voldoende regie over het eigen leven*": "gzm_p_regie",
    "% met goede ervaren gezondheid*": "gzm_p_goede_gezondheid",
}

#: Header -> why the column is not loaded (Dutch; recorded as a ``note`` issue).
NOT_LOADED: dict[str, str] = {
    "Bevolking 65 jaar en ouder": (
        "niet geladen: de kolom bevat niet wat de kop zegt (de landelijke som, 1,35 miljoen, is "
        "het aantal 75-plussers, niet 65-plussers, en waar 'Bevolking 19 jaar en ouder' leeg is "
        "staat hier een getal ter grootte van de volwassen bevolking)"),
    "% 75 jaar en ouder": "niet geladen: de kolom is in elke regel leeg",
    "% eenpersoons huishoudens": (
        "niet geladen: achtergrondkenmerk van het schattingsmodel, geen schatting; het bestand "
        "noemt noemer noch peildatum, het registercijfer is de CBS-indicator p_1p_hh/a_1p_hh"),
    "% verweduwd": (
        "niet geladen: achtergrondkenmerk van het schattingsmodel, geen schatting; het bestand "
        "noemt noemer noch peildatum, het registercijfer is de CBS-indicator a_verwed"),
    "% niet-westers allochtonen": (
        "niet geladen: achtergrondkenmerk van het schattingsmodel, geen schatting; het bestand "
        "noemt noemer noch peildatum, het registercijfer is de CBS-indicator a_nw_all/p_nw_all"),
}

_REQUIRED = ("wijkcode", "gemnaam")
_HINT = ("Gebruik het CSV-bestand van de Gezondheidsmonitor per wijk zoals het is gepubliceerd "
         "(kolommen wijkcode, wijknaam, gemnr, gemnaam en de schattingen met '*').")


def sniff(path: Path) -> str | None:
    """``"ggd_gezondheidsmonitor_csv"`` for a Gezondheidsmonitor wijk CSV, else None."""
    line = first_csv_line(Path(path))
    if line is None:
        return None
    header = {h.lower() for h in split_header(line, ",")}
    if set(_REQUIRED) <= header and any(h.endswith("eenzaam*") for h in header):
        return LAYOUT
    return None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read the Gezondheidsmonitor wijk CSV into one :class:`SourceTable`.

    Raises
    ------
    DataFileError
        Missing region columns, no year in the file name, a wrong number of fields, an invalid
        code, a ``gemnr`` that contradicts the code, two different rows for one code, or a cell
        that is not a number (naming line and column).
    """
    del context
    path = Path(path)
    frame, lines = read_delimited(path, sep=",",
                                  code_column=lambda h: catalogue.meta_role(h) == "code")
    roles = {c: catalogue.meta_role(c) for c in frame.columns}
    col_of = {role: c for c, role in roles.items() if role}
    for need, label in (("code", "wijkcode"), ("gemeente_name", "gemnaam")):
        if need not in col_of:
            raise DataFileError(path, f"de kolom {label!r} ontbreekt.", line=1, column=label,
                                hint=_HINT)
    year = year_from_name(path)
    if year is None:
        raise DataFileError(path, "het jaar van de Gezondheidsmonitor staat niet in de "
                            "bestandsnaam.", line=1,
                            hint="Zet het jaar in de bestandsnaam, bijvoorbeeld "
                            "'rivm_gezondheidsmonitor_2016_wijk.csv'.")
    issues: list[LoadIssue] = []

    # identical repeated rows are dropped (with a note), differing ones are an error
    dup = frame.duplicated(keep="first").to_numpy()
    for pos in np.flatnonzero(dup):
        issues.append(LoadIssue(kind="note", line=int(lines[pos]),
                                detail=f"Regel {int(lines[pos])} herhaalt een eerdere regel "
                                f"({frame.iloc[pos][col_of['code']].strip()}) woord voor woord; "
                                "de herhaling is overgeslagen."))
    frame = frame[~dup].reset_index(drop=True)
    lines = lines[~dup]
    code_col = col_of["code"]
    codes = checked_codes(path, frame[code_col], lines=lines, column=code_col)
    twice = pd.Series(codes).duplicated().to_numpy()
    if twice.any():
        i = int(np.argmax(twice))
        first = codes.index(codes[i])
        raise DataFileError(path, f"{codes[i]} staat twee keer in het bestand met verschillende "
                            f"cijfers (ook op regel {int(lines[first])}).", line=int(lines[i]),
                            column=code_col, hint=_HINT)
    if "gemeente_code" in col_of:
        gm_col = col_of["gemeente_code"]
        for cell, code, line in zip(frame[gm_col], codes, lines, strict=True):
            text = cell.strip()
            if not text.isdigit() or int(text) != int(code[2:6]):
                raise DataFileError(path, f"gemeentenummer {text!r} past niet bij {code}.",
                                    line=int(line), column=gm_col,
                                    hint="Controleer de regel; de kolommen zijn mogelijk "
                                    "verschoven.")
    names = ([c.strip() or None for c in frame[col_of["name"]]] if "name" in col_of
             else [None] * len(codes))
    gm_names = [c.strip() or None for c in frame[col_of["gemeente_name"]]]
    regions = regions_frame(codes=codes, years=[year] * len(codes), names=names,
                            gemeente_names=gm_names, lines=lines)

    values = []
    for col in frame.columns:
        if roles[col]:
            continue
        if col in NOT_LOADED:
            issues.append(LoadIssue(kind="note", column=col,
                                    detail=f"Kolom {col!r}: {NOT_LOADED[col]}."))
            continue
        ind = COLUMNS.get(col)
        if ind is None or ind not in catalogue:
            issues.append(unmapped_issue(col))
            continue
        values.append(column_values(path, frame[col], region_keys=regions["region_key"],
                                    years=regions["year"], lines=lines, indicator_id=ind,
                                    column=col, decimal="."))
    info = SourceInfo(path=path, kind="gezondheid", layout=LAYOUT, table_id=None, year=year,
                      sha256=file_sha256(path), label=LABEL.format(year=year))
    return [SourceTable(source=info, regions=regions, values=concat_values(values),
                        issues=issues)]
