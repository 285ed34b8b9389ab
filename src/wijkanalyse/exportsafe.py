"""Exports that a spreadsheet opens as data, never as formulas ("CSV/formula injection").

Names and texts in exports come from source files and users (a wijk called
``=HYPERLINK("http://…")``, a story title, an intervention). A spreadsheet program that opens
such a cell may evaluate it. Every writer of CSV or Excel files therefore goes through this
module:

* CSV (:func:`csv_frame`, :func:`csv_value`): a text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (also after spaces, and the full-width forms) gets a
  leading apostrophe, as OWASP recommends
  (https://owasp.org/www-community/attacks/CSV_Injection); numbers, and text that is just a
  number (``-12,5``), are left as they are;
* Excel (:func:`text_cells`): text is written as text: a cell that ``openpyxl`` would store
  as a formula (text starting with ``=``) is stored as a string, shown exactly as written.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (or a DDE call).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?|[+-]")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    if not text:
        return False
    if text[0] in ("\t", "\r"):
        return True
    stripped = text.lstrip(" \n")
    return stripped.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(stripped.strip())


def csv_value(value: Any) -> Any:
    """A CSV cell: risky text gets a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe in a spreadsheet."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(csv_value)
    out.columns = [csv_value(c) if isinstance(c, str) else c for c in out.columns]
    return out


def text_cells(workbook: Any) -> int:
    """Store every formula cell of an ``openpyxl`` workbook as text; returns how many.

    Call it after writing data with ``pandas.DataFrame.to_excel`` (the data holds no formulas
    of ours, so every formula came from text in the data).
    """
    changed = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed


def write_sheets(path: Any, frames: dict[str, pd.DataFrame], *, header: bool = False,
                 fit_columns: bool = False) -> None:
    """Write ``frames`` as the sheets of one ``.xlsx`` file, text kept as text
    (:func:`text_cells`).

    Parameters
    ----------
    path
        The file to write (callers write a temporary file and swap it in).
    frames
        Sheet name -> table, in sheet order; written without the index.
    header
        Bold header row, frozen below it.
    fit_columns
        Also wrap the header text and set each column's width from its first 200 values
        (8 to 60 characters).
    """
    from openpyxl.styles import Alignment, Font

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            if header or fit_columns:
                ws.freeze_panes = "A2"
                for cell in ws[1]:
                    cell.font = Font(bold=True)
                    if fit_columns:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            if fit_columns:
                for i, col in enumerate(frame.columns, start=1):
                    values = [str(col)] + [str(v) for v in frame[col].head(200).tolist()]
                    width = min(60, max(8, max(len(v) for v in values) + 2))
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
        text_cells(writer.book)  # names from files and users stay text, never formulas
