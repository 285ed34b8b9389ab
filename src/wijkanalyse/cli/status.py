"""Rendering the data-quality report as Rich tables (Dutch)."""

from __future__ import annotations

from typing import SupportsInt

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from wijkanalyse.cli.util import cell_text, clean_text
from wijkanalyse.sources.status import StatusReport

_LEVELS = ["land", "gemeente", "wijk", "buurt"]


def _nl_int(n: SupportsInt) -> str:
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
    if integral and isinstance(value, (int, float, np.integer, np.floating)):
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


def _years_levels_table(report: StatusReport) -> Table:
    """Years × levels: regions with at least one value, and all regions of that year and level
    in the database where that is more (regions with a name or boundary only)."""
    t = Table(title="Regio's per jaar en niveau (met cijfers, van het aantal in de database)",
              title_justify="left", title_style="bold")
    t.add_column("jaar")
    present = set(report.regions["level"])
    levels = [lv for lv in _LEVELS if lv in present]
    for lv in levels:
        t.add_column(lv, justify="right")
    t.add_column("indicatoren", justify="right")
    counts = {(int(r.year), str(r.level)): (int(r.n_with_value), int(r.n_regions),
                                            int(r.n_indicators))
              for r in report.with_values.itertuples(index=False)}
    for year in sorted({y for y, _ in counts}):
        cells = []
        for lv in levels:
            n_val, n_all, _ = counts.get((year, lv), (0, 0, 0))
            if not n_all:
                cells.append("–")
            elif n_val == n_all:
                cells.append(_nl_int(n_val))
            else:
                cells.append(f"{_nl_int(n_val)} van {_nl_int(n_all)}")
        n_ind = max((counts[(year, lv)][2] for lv in levels if (year, lv) in counts), default=0)
        t.add_row(str(year), *cells, _nl_int(n_ind) if n_ind else "–")
    t.caption = ("indicatoren: het grootste aantal indicatoren met een waarde op één niveau; "
                 "'van': ook regio's met alleen een naam of grens")
    return t


def _matrix_table(coverage: pd.DataFrame) -> Table:
    """Per indicator and year the regions with a value per level ("–": not in any file of
    that level and year; 0: there, but without a value)."""
    t = Table(title="Regio's met een waarde per indicator, jaar en niveau", title_justify="left",
              title_style="bold")
    levels = [lv for lv in _LEVELS if lv in set(coverage["level"])]
    t.add_column("id")
    t.add_column("jaar")
    for lv in levels:
        t.add_column(lv, justify="right")
    grid = {(str(r.indicator_id), int(r.year), str(r.level)): int(r.n_value)
            for r in coverage.itertuples(index=False)}
    keys = list(dict.fromkeys((str(r.indicator_id), int(r.year))
                              for r in coverage.itertuples(index=False)))
    for ind, year in keys:
        cells = [grid.get((ind, year, lv)) for lv in levels]
        t.add_row(ind, str(year), *["–" if c is None else _nl_int(c) for c in cells])
    return t


def render_status(report: StatusReport, *, console: Console, limit: int | None = 15) -> None:
    """Print the data-quality report."""
    if report.is_empty:
        console.print("De database is leeg. Bouw hem met 'wijkanalyse data build --source MAP'.")
        return
    console.print(_table("Bronnen", report.sources, {
        "source_id": "bron", "kind": "soort", "layout": "formaat", "table_id": "CBS-tabel",
        "year": "jaar", "n_regions": "regio's", "n_values": "waarden"}, None))

    console.print(_years_levels_table(report))

    cov = report.coverage
    if not cov.empty:
        summary = (cov.groupby(["indicator_id", "label", "domain"], dropna=False)
                   .agg(jaren=("year", lambda s: ", ".join(str(y) for y in sorted(set(s)))),
                        waarden=("n_value", "sum"), ontbrekend=("n_missing", "sum"))
                   .reset_index().sort_values(["domain", "indicator_id"]))
        console.print(_table(f"Indicatoren met gegevens ({len(summary)})", summary, {
            "indicator_id": "id", "label": "label", "domain": "domein", "jaren": "jaren",
            "waarden": "waarden", "ontbrekend": "ontbrekend"}, limit))
        if limit is None:
            console.print(_matrix_table(cov))
        else:
            console.print(Text("Per indicator, jaar en niveau het aantal regio's met een waarde: "
                               "'data status --alles', of de matrix in '--format json'.",
                               style="italic"))
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
