"""``wijkanalyse sets``: list, show and check sets of neighbourhoods for the monitor."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from wijkanalyse.cli.util import console, err_console, fail, read_db, safe, safe_line, settings_from
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame

app = typer.Typer(
    help="Sets van wijken voor de monitor: meegeleverde sets, gemeente:NAAM, nl of een eigen "
         "CSV/YAML-bestand.",
    no_args_is_help=True,
)

_SHOW_LIMIT = 50


@app.command("list")
def sets_list(ctx: typer.Context) -> None:
    """Toon de meegeleverde sets en de andere vormen waarin u een set kunt opgeven."""
    from wijkanalyse.gebieden.sets import list_sets

    with read_db(settings_from(ctx)) as con:
        frame = list_sets(con)
    table = Table("set", "soort", "titel", "gebieden", "onzeker", "omschrijving")
    table.columns[0].no_wrap = True
    for row in frame.itertuples(index=False):
        n = "" if pd.isna(row.n_units) else str(int(row.n_units))
        unsure = "" if pd.isna(row.n_uncertain) else str(int(row.n_uncertain))
        table.add_row(safe(row.spec), safe(row.kind), safe(row.title), n, unsure,
                      safe(row.description))
    console.print(table)


@app.command("show")
def sets_show(
    ctx: typer.Context,
    spec: Annotated[str, typer.Argument(help="programma-2016, gemeente:NAAM, nl of een "
                                        "CSV/YAML-bestand.")],
    fmt: Annotated[str, typer.Option("--format", help="text, json of csv")] = "text",
    jaar: Annotated[int | None, typer.Option("--jaar", help="Jaar van de CBS-wijkindeling "
                                             "(voor gemeente:NAAM en nl).")] = None,
    alles: Annotated[bool, typer.Option("--alles", help="Toon alle gebieden (tekst).")] = False,
) -> None:
    """Toon de gebieden van een set: code, naam, gemeente, niveau, CBS-codes, wijken, het jaar
    van de indeling en welke gebieden onzeker zijn afgebakend."""
    from wijkanalyse.gebieden.sets import UNIT_COLUMNS, resolve_set

    if fmt not in ("text", "json", "csv"):
        fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies text, json of csv."))
    with read_db(settings_from(ctx)) as con:
        mset = resolve_set(con, spec, year=jaar)
    if fmt == "json":
        sys.stdout.write(json.dumps(mset.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":
        frame = mset.units.copy()
        for col in ("codes", "wijk_codes"):
            frame[col] = frame[col].map(lambda v: " ".join(v))
        frame["uncertain"] = frame["uncertain"].map({True: "ja", False: "nee"})
        sys.stdout.write(csv_frame(frame[list(UNIT_COLUMNS)]).to_csv(index=False))
        return
    console.print(safe(mset.title, "bold"))
    if mset.description:
        console.print(safe(mset.description))
    console.print(safe(mset.level_note))
    table = Table("code", "naam", "gemeente", "niveau", "bestaat uit", "in wijk(en)",
                  "indeling")
    table.columns[0].no_wrap = True
    units = mset.units if alles else mset.units.head(_SHOW_LIMIT)
    for row in units.itertuples(index=False):
        codes = list(row.codes)
        members = codes[0] if len(codes) == 1 else f"{len(codes)} {_members_word(codes[0])}"
        name = f"{row.name} (onzeker)" if row.uncertain else row.name
        table.add_row(safe(row.unit_id), safe(name), safe(row.gemeente_name), safe(row.level),
                      safe(members), safe(row.wijk_codes),
                      "" if pd.isna(row.codes_year) else str(int(row.codes_year)))
    console.print(table)
    if len(units) < len(mset.units):
        console.print(f"… en nog {len(mset.units) - len(units)} gebieden (gebruik --alles of "
                      "--format csv).", highlight=False)
    _print_uncertain(mset.uncertain)
    _print_problems(mset.problems)


@app.command("check")
def sets_check(
    ctx: typer.Context,
    spec: Annotated[str, typer.Argument(help="programma-2016, gemeente:NAAM, nl of een "
                                        "CSV/YAML-bestand.")],
    jaar: Annotated[int | None, typer.Option("--jaar", help="Jaar van de CBS-wijkindeling "
                                             "(voor gemeente:NAAM en nl).")] = None,
) -> None:
    """Controleer een set: onbekende of dubbelzinnige namen, ontbrekende codes (exitcode 1).

    Gebieden die de set als onzeker afgebakend markeert (onzeker: true), worden met hun reden
    genoemd; dat is geen probleem (exitcode 0): de codes zijn bruikbaar, de afbakening is een
    keuze."""
    from wijkanalyse.gebieden.sets import resolve_set

    with read_db(settings_from(ctx)) as con:
        mset = resolve_set(con, spec, year=jaar)
    n = len(mset.units)
    n_unsure = len(mset.uncertain)
    unsure = (f" {n_unsure} {'gebieden zijn' if n_unsure != 1 else 'gebied is'} onzeker "
              "afgebakend." if n_unsure else "")
    if not mset.problems:
        console.print(safe(f"Set {mset.title}: {n} gebied{'en' if n != 1 else ''}, "
                           "geen problemen." + unsure))
        _print_uncertain(mset.uncertain)
        return
    console.print(safe(f"Set {mset.title}: {n} gebied{'en' if n != 1 else ''} gevonden, "
                       f"{len(mset.problems)} "
                       f"{'problemen' if len(mset.problems) != 1 else 'probleem'}." + unsure))
    _print_uncertain(mset.uncertain)
    _print_problems(mset.problems)
    raise typer.Exit(code=1)


def _members_word(code: str) -> str:
    return {"BU": "buurten", "WK": "wijken"}.get(code[:2], "gebieden")


def _print_uncertain(lines: list[str]) -> None:
    for line in lines:
        console.print(safe_line("Onzeker: ", line, style="cyan"))


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        err_console.print(safe_line("Probleem: ", problem))
