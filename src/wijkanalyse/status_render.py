"""Rendering the data-quality report as Rich tables (Dutch)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .cliutil import cell_text, clean_text
from .status import StatusReport

_LEVELS = ["land", "gemeente", "wijk", "buurt"]


def _nl_int(n: object) -> str:
    return f"{int(n):,}".replace(",", ".")


#: Columns of years and line numbers (printed as 2013, never with a thousands separator).
_PLAIN_COLUMNS = {"year", "jaar", "first_year", "last_year", "year_from", "year_to", "line"}


def _cell(value: object, column: str = "") -> Text:
    """A table cell: Dutch thousands separators for counts, years as they are, text from files
    without markup or control characters."""
    if value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value)):
        return Text("")
    if isinstance(value, bool):
        return Text("ja" if value else "nee")
    integral = isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
        and column in _PLAIN_COLUMNS)
    if integral:
        return Text(str(int(value)) if column in _PLAIN_COLUMNS else _nl_int(value))
    return Text(clean_text(cell_text(value)))


def _table(title: str, df: pd.DataFrame, columns: dict[str, str], limit: int | None) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for label in columns.values():
        table.add_column(label)
    shown = df if limit is None else df.head(limit)
    for row in shown.itertuples(index=False):
        rec = row._asdict()
        table.add_row(*[_cell(rec[c], c) for c in columns])
    if limit is not None and len(df) > limit:
        table.caption = f"… en nog {len(df) - limit} (toon alles met --alles)"
    return table


def render_status(report: StatusReport, *, console: Console, limit: int | None = 15) -> None:
    """Print the data-quality report."""
    if report.is_empty:
        console.print("De database is leeg. Bouw hem met 'wijkanalyse data build --source MAP'.")
        return
    console.print(_table("Bronnen", report.sources, {
        "source_id": "bron", "kind": "soort", "layout": "formaat", "table_id": "CBS-tabel",
        "year": "jaar", "n_regions": "regio's", "n_values": "waarden"}, None))

    grid = report.regions.pivot_table(index="year", columns="level", values="n_regions",
                                      aggfunc="sum", fill_value=0)
    t = Table(title="Regio's per jaar en niveau", title_justify="left", title_style="bold")
    t.add_column("jaar")
    levels = [lv for lv in _LEVELS if lv in grid.columns]
    for lv in levels:
        t.add_column(lv, justify="right")
    for year, row in grid.iterrows():
        t.add_row(str(year), *[_nl_int(row[lv]) if row[lv] else "–" for lv in levels])
    console.print(t)

    cov = report.coverage
    if not cov.empty:
        summary = (cov.groupby(["indicator_id", "label", "domain"], dropna=False)
                   .agg(jaren=("year", lambda s: ", ".join(str(y) for y in sorted(set(s)))),
                        waarden=("n_value", "sum"), ontbrekend=("n_missing", "sum"))
                   .reset_index().sort_values(["domain", "indicator_id"]))
        console.print(_table(f"Indicatoren met gegevens ({len(summary)})", summary, {
            "indicator_id": "id", "label": "label", "domain": "domein", "jaren": "jaren",
            "waarden": "waarden", "ontbrekend": "ontbrekend"}, limit))
    if not report.missing_reasons.empty:
        console.print(_table("Ontbrekende waarden naar reden", report.missing_reasons,
                             {"missing_reason": "reden", "n": "aantal"}, None))
    if not report.not_loaded.empty:
        console.print(_table(f"Indicatoren uit de catalogus zonder gegevens "
                             f"({len(report.not_loaded)})", report.not_loaded,
                             {"id": "id", "label": "label", "domain": "domein"}, limit))
    if not report.unmatched.empty:
        console.print(_table(f"Niet gekoppelde namen ({len(report.unmatched)})",
                             report.unmatched, {"source_id": "bron", "detail": "melding",
                                                "line": "regel"}, limit))
    if not report.unmapped_columns.empty:
        console.print(_table(f"Kolommen die niet in de catalogus staan "
                             f"({len(report.unmapped_columns)})", report.unmapped_columns,
                             {"column_name": "kolom", "n_sources": "bronnen",
                              "first_source": "eerste bron"}, limit))
    if not report.conflicts.empty:
        console.print(_table(f"Bronnen die elkaar tegenspreken ({len(report.conflicts)})",
                             report.conflicts, {"detail": "waarden"}, limit))
    if not report.documents.empty:
        docs = Table(title=f"Documentatie ({len(report.documents)}; niet als gegevens gelezen)",
                     title_justify="left", title_style="bold")
        docs.add_column("bestand", overflow="fold", ratio=3)
        docs.add_column("soort", ratio=1)
        docs.add_column("titel", ratio=2)
        for row in report.documents.itertuples(index=False):
            title = _cell(row.title)
            docs.add_row(_cell(row.rel_path), _cell(row.description),
                         title if len(title) <= 60 else title[:59] + "…")
        console.print(docs)
    if not report.failed.empty:
        console.print(_table("Niet geladen bestanden", report.failed,
                             {"file": "bestand", "message": "melding"}, None))
