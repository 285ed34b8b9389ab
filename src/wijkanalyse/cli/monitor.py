"""``wijkanalyse monitor <set>``: the national monitor of aandachtswijken.

The command is the plain function :func:`monitor_command`; ``cli.py`` registers it as a
top-level command (not a group), so that the set is the first argument::

    app.command("monitor")(cli_monitor.monitor_command)

:data:`app` is a one-command Typer of its own (for running or testing the command alone).
"""

from __future__ import annotations

import json
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
    settings_from,
)
from wijkanalyse.errors import WijkanalyseError

app = typer.Typer(help="De monitor van kwetsbare wijken.", add_completion=False)

_FORMAT_HELP = ("Een of meer formaten, met komma's: html, pdf, xlsx, csv, json, gpkg; 'rapport' "
                "= html, pdf en xlsx (standaard); 'alles' = elk formaat. json zonder --out gaat "
                "naar het scherm.")


def monitor_command(
    ctx: typer.Context,
    set_spec: Annotated[str | None, typer.Argument(
        metavar="SET",
        help="De set: programma-2016, gemeente:NAAM, nl of een CSV/YAML-bestand "
             "(zie 'wijkanalyse sets list'). Mag ontbreken met --backtest-md.")] = None,
    jaar: Annotated[int | None, typer.Option(
        "--jaar", help="Peiljaar (standaard het laatste jaar van de Leefbaarometer); latere "
                       "metingen worden niet gebruikt.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Map voor de bestanden (standaard ./rapporten).")] = None,
    fmt: Annotated[str, typer.Option("--format", help=_FORMAT_HELP)] = "rapport",
    backtest_md: Annotated[Path | None, typer.Option(
        "--backtest-md", metavar="PAD",
        help="Schrijf de terugtoets (backtest) van de vroegsignalering op alle "
             "Leefbaarometer-metingen in de database als Markdown naar PAD (zoals "
             "docs/backtest.md). Zonder SET alleen de terugtoets.")] = None,
) -> None:
    """Volg de wijken van een set in de Leefbaarometer en de KWB: klasse per wijk, verdeling,
    per gemeente, vroegsignalering, typologie, index en kaarten, als HTML, PDF en Excel (en
    CSV, JSON, GeoPackage)."""
    from wijkanalyse.monitor import parse_formats, run_monitor, to_dict, write_monitor

    if set_spec is None and backtest_md is None:
        fail(WijkanalyseError("geef een set (bijv. 'wijkanalyse monitor programma-2016') of "
                              "--backtest-md PAD; 'wijkanalyse sets list' toont de sets."))
    if backtest_md is not None:
        _write_backtest(ctx, backtest_md)
    if set_spec is None:
        return
    try:
        formats = parse_formats(fmt)
    except WijkanalyseError as exc:
        fail(exc)
    if out is not None or formats != ("json",):
        check_out(out or Path("rapporten"))
    with read_db(settings_from(ctx)) as con, \
            err_console.status("Monitor berekenen…") as status:
        result = run_monitor(con, set_spec, year=jaar,
                             progress=lambda text: status.update(f"Monitor: {text}…"))
    if formats == ("json",) and out is None:
        sys.stdout.write(json.dumps(to_dict(result), ensure_ascii=False, indent=2) + "\n")
        return
    with err_console.status("Bestanden schrijven…"):
        paths = write_monitor(result, out or Path("rapporten"), formats=formats)
    console.print(Text.assemble("Monitor ", (clean_text(result.title), "bold"),
                                f" ({result.year}): {result.n_units} wijken, "
                                f"{result.n_classified} met een klasse."))
    for line in result.summary:
        console.print(safe(f"  {line}"))
    for kind, path in paths.items():
        console.print(safe(f"  {kind}: {path}"))


def _write_backtest(ctx: typer.Context, path: Path) -> None:
    """``--backtest-md PAD``: the backtest on the whole database, summary and document."""
    from wijkanalyse.monitor.earlywarning import (
        backtest_markdown,
        backtest_summary,
        no_skill_text,
        skill_of,
    )
    from wijkanalyse.monitor.earlywarning.data import database_comparison

    with read_db(settings_from(ctx)) as con, \
            err_console.status("Terugtoets van de vroegsignalering…"):
        try:
            comparison, note = database_comparison(con)
        except WijkanalyseError as exc:
            fail(exc)
    result = comparison.shipped
    for line in backtest_summary(comparison.result):
        console.print(safe(line))
    skill = skill_of(result.pooled, result.intervals)
    console.print(safe("Voorspellende waarde van het model: ja; de monitor toont de "
                       "risicorangorde." if skill.shows_skill else no_skill_text(skill)))
    command = f"wijkanalyse monitor --backtest-md {path}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(backtest_markdown(comparison.result, data_note=note, command=command,
                                          comparison=comparison) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        fail(WijkanalyseError(f"kan {path} niet schrijven ({exc.strerror or exc})."))
    console.print(safe(f"Geschreven: {path}"))


app.command("monitor")(monitor_command)
