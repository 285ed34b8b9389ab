"""Segregatie: writing the outputs (HTML, PDF, Excel, csv, json)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from wijkanalyse.atomicio import write_atomic as _write_atomic
from wijkanalyse.atomicio import write_report_files, write_text
from wijkanalyse.exportsafe import csv_frame, write_sheets
from wijkanalyse.present.typeset import typeset_pdf
from wijkanalyse.segregatie.analyse import SegregationResult
from wijkanalyse.segregatie.render import corporatiebuurt_text, render_html, report_stem

# writing


#: Formats :func:`write_outputs` writes.
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "csv", "json")
#: The text at the top right of the PDF's pages (but the first).
PDF_KIND = "Segregatie en menging"


def _xlsx_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "boolean":
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def write_xlsx(result: SegregationResult, path: Path) -> Path:
    """Write the result as an Excel workbook with the sheets ``indices``, ``lokaal``,
    ``verandering``, ``woningvoorraad`` (``corporatiebuurt``: ja, nee or onbekend),
    ``spreiding``, ``bijzondere_woonvormen``, ``groepen``, ``bronnen`` and ``opmerkingen``
    (replaced atomically)."""
    sheets = {
        "indices": result.indices, "lokaal": result.local, "verandering": result.change,
        "woningvoorraad": _housing_text(result.housing_mix),
        "spreiding": result.housing_spread,
        "bijzondere_woonvormen": result.special,
        "groepen": result.groups,
        "bronnen": result.sources if not result.sources.empty else pd.DataFrame(
            {"label": ["niet vastgelegd"]}),
        "opmerkingen": pd.DataFrame({"opmerking": result.notes or ["geen"]}),
    }

    def write(tmp: Path) -> None:
        write_sheets(tmp, {name: _xlsx_frame(df) for name, df in sheets.items()})

    return _write_atomic(Path(path), write)


#: The tables ``--tabel`` chooses for csv and json (``indices`` by default).
TABLES: tuple[str, ...] = ("indices", "lokaal", "verandering", "woningvoorraad",
                           "bijzondere_woonvormen", "groepen")


def _housing_text(mix: pd.DataFrame) -> pd.DataFrame:
    """The housing mix with ``corporatiebuurt`` as ja, nee or onbekend."""
    out = mix.copy()
    if "corporatiebuurt" not in mix.columns:  # no housing figures (an empty mix)
        return out
    out["corporatiebuurt"] = [corporatiebuurt_text(v) for v in mix["corporatiebuurt"]]
    return out


def result_table(result: SegregationResult, table: str = "indices") -> pd.DataFrame:
    """One table of the result by its name in :data:`TABLES` (for csv and json)."""
    frames = {"indices": result.indices, "lokaal": result.local,
              "verandering": result.change,
              "woningvoorraad": _housing_text(result.housing_mix),
              "bijzondere_woonvormen": result.special, "groepen": result.groups}
    if table not in frames:
        from wijkanalyse.errors import WijkanalyseError

        raise WijkanalyseError(f"Onbekende tabel {table!r}: kies uit {', '.join(TABLES)}.")
    return frames[table]


def index_json(indices: pd.DataFrame) -> str:
    """The long index table (or any table of the result) as JSON records (NaN -> null),
    UTF-8 text."""
    records = indices.astype(object).where(indices.notna(), None).to_dict("records")
    return json.dumps(records, ensure_ascii=False, indent=2,
                      default=lambda o: o.item() if hasattr(o, "item") else str(o)) + "\n"


def write_outputs(result: SegregationResult, out_dir: Path, *,
                  formats: Sequence[str] = ("html", "pdf"),
                  generated_on: date | None = None, table: str = "indices") -> dict[str, Path]:
    """Write the chosen formats (:data:`FORMATS`) into ``out_dir``; returns the paths.

    ``csv`` and ``json`` hold one table, ``table`` (:data:`TABLES`; by default the long index
    table, :data:`INDEX_COLUMNS`); ``xlsx`` all tables; ``html`` and ``pdf`` the report (the
    PDF typeset by Typst, :func:`wijkanalyse.present.typeset.typeset_pdf`).
    """
    chosen = result_table(result, table)
    stem = report_stem(result)
    if table != "indices" and set(formats) <= {"csv", "json"}:
        stem += f"-{table.replace('_', '-')}"
    return write_report_files(
        out_dir, stem, formats, allowed=FORMATS,
        html=lambda: render_html(result, generated_on=generated_on),
        printer=lambda target, page: typeset_pdf(target, page, kind=PDF_KIND),
        writers={"xlsx": lambda target: write_xlsx(result, target),
                 "csv": lambda target: write_text(target, csv_frame(chosen).to_csv(
                     index=False)),
                 "json": lambda target: write_text(target, index_json(chosen))})
