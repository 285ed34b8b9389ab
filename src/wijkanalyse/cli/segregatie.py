"""``wijkanalyse segregatie GEMEENTE``: segregation indices, concentrations, change over time and
the mix of the housing stock of one gemeente, as a report (HTML + PDF), Excel, csv or json.

The module exposes ``app``, a Typer app whose callback is the command itself; ``cli.py``
registers it with ``app.add_typer(cli_segregatie.app, name="segregatie")``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from wijkanalyse.cli.util import (
    check_out,
    clean_text,
    console,
    err_console,
    fail,
    read_db,
    safe,
    safe_line,
    settings_from,
)
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame

app = typer.Typer(
    help="Segregatie en menging: hoe ongelijk groepen en soorten woningen over de buurten of "
    "wijken van een gemeente verdeeld zijn.",
    invoke_without_command=True,
    add_completion=False,
    # options may follow the gemeente (a Click group stops at its first argument otherwise)
    context_settings={"allow_interspersed_args": True},
)

#: --format values -> the formats written.
FORMAT_CHOICES: dict[str, tuple[str, ...]] = {
    "rapport": ("html", "pdf"),
    "html": ("html",),
    "pdf": ("pdf",),
    "xlsx": ("xlsx",),
    "csv": ("csv",),
    "json": ("json",),
}


@app.callback(invoke_without_command=True)
def segregatie(
    ctx: typer.Context,
    gemeente: Annotated[str, typer.Argument(help="Naam of CBS-code van de gemeente, bijv. "
                                            "'Den Haag' of GM0518.")],
    jaar: Annotated[int | None, typer.Option("--jaar", help="Alleen dit jaar (standaard alle "
                    "jaren, met de verandering ertussen).")] = None,
    niveau: Annotated[str, typer.Option("--niveau", help="buurt of wijk: waarover de indexen "
                      "worden berekend.")] = "buurt",
    fmt: Annotated[str, typer.Option("--format", help="rapport (HTML en PDF), html, pdf, xlsx "
                   "(alle tabellen), csv of json (de indextabel: één regel per gemeente × jaar "
                   "× groep × index; naar het scherm, of naar --out als die is opgegeven).")]
    = "rapport",
    out: Annotated[Path | None, typer.Option("--out", help="Map voor de bestanden (standaard "
                   "./rapporten).")] = None,
    tabel: Annotated[str, typer.Option("--tabel", help="Welke tabel csv en json geven: "
                     "indices (standaard), lokaal, verandering, woningvoorraad (met de kolom "
                     "corporatiebuurt), bijzondere_woonvormen of groepen.")] = "indices",
    zonder_bijzondere_woonvormen: Annotated[bool, typer.Option(
        "--zonder-bijzondere-woonvormen", help="Buurten of wijken die vooral uit "
        "studentenhuisvesting of instellingen bestaan (regel in docs/segregatie.md) weglaten "
        "uit de indexen, concentraties en verandering; zonder deze optie worden ze alleen "
        "gemarkeerd.")] = False,
) -> None:
    """Segregatie-indexen, concentraties, verandering en menging van de woningvoorraad van een
    gemeente."""
    from wijkanalyse.segregatie import TABLES, index_json, result_table, write_outputs
    from wijkanalyse.segregatie.analyse import segregatie as analyse

    formats = FORMAT_CHOICES.get(fmt.strip().lower())
    if formats is None:
        fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies rapport, html, pdf, xlsx, csv of "
                              "json."))
    table = tabel.strip().lower()
    if table not in TABLES:
        fail(WijkanalyseError(f"Onbekende tabel {tabel!r}: kies {', '.join(TABLES)}."))
    if out is not None or formats not in (("csv",), ("json",)):
        check_out(out or Path("rapporten"))
    with read_db(settings_from(ctx)) as con, err_console.status("Segregatie berekenen…"):
        result = analyse(gemeente, year=jaar, level=niveau, db=con,
                         without_special=zonder_bijzondere_woonvormen)
    if formats in (("csv",), ("json",)) and out is None:
        chosen = result_table(result, table)
        text = (csv_frame(chosen).to_csv(index=False) if formats == ("csv",)
                else index_json(chosen))
        sys.stdout.write(text)
        return
    with err_console.status("Bestanden schrijven…"):
        paths = write_outputs(result, out or Path("rapporten"), formats=formats, table=table)
    console.print(Text.assemble(
        "Segregatie en menging ", (clean_text(result.gemeente_name), "bold"),
        clean_text(f" ({result.gemeente_code}, per {result.level}"
                   + (f", {result.year}" if result.year is not None else "") + "):")))
    for kind, path in paths.items():
        console.print(safe(f"  {kind}: {path}"))
    for line in _summary_lines(result):
        console.print(safe(f"  {line}"))
    for note in result.notes[:5]:
        err_console.print(safe_line("Let op: ", note))
    if len(result.notes) > 5:
        err_console.print(f"  … en nog {len(result.notes) - 5} opmerkingen (zie het rapport).",
                          highlight=False)


def _summary_lines(result: object) -> list[str]:
    """Corporatiebuurten and special-purpose housing of the latest year, in Dutch."""
    from wijkanalyse.fmt import count_text
    from wijkanalyse.segregatie import SegregationResult
    from wijkanalyse.segregatie.render import corporatiebuurt_text

    assert isinstance(result, SegregationResult)
    plural = "buurten" if result.level == "buurt" else "wijken"
    lines = []
    mix = result.housing_mix
    if not mix.empty:
        y = int(mix["year"].max())
        latest = mix[mix["year"] == y]
        flags = [corporatiebuurt_text(v) for v in latest["corporatiebuurt"]]
        lines.append(f"Corporatiebuurten {y} (meer dan twee derde corporatiewoningen): "
                     f"{flags.count('ja')} van {count_text(len(flags), result.level, plural)}"
                     f" ({flags.count('onbekend')} onbekend)")
    sp = result.special
    if not sp.empty:
        y = int(sp["year"].max())
        n = int((sp["year"] == y).sum())
        lines.append(f"Bijzondere woonvormen {y}: {count_text(n, result.level, plural)} "
                     + ("weggelaten" if result.without_special else
                        "gemarkeerd (weglaten met --zonder-bijzondere-woonvormen)"))
    return lines
