"""Commands of the content store: ``wijkanalyse gebruiker add|list|remove|rol`` (accounts for
the web app), ``wijkanalyse content migreer`` (stories, applied interventions and kennis
versions of an older DuckDB database into the content store) and ``wijkanalyse content
kopieer`` (a whole content store to another database, e.g. SQLite to PostgreSQL)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wijkanalyse.cli.util import console, content_db, err_console, fail, safe, settings_from
from wijkanalyse.errors import WijkanalyseError

gebruiker_app = typer.Typer(
    help="Accounts voor de webapp: toevoegen, tonen, verwijderen, rol wijzigen.",
    no_args_is_help=True)
content_app = typer.Typer(
    help="De inhoudsdatabase (verhalen, aanpakken, toepassingen, accounts).",
    no_args_is_help=True)

_EMAIL = typer.Argument(help="E-mailadres van het account (ook de inlognaam).")
_GEMEENTE = typer.Option(
    "--gemeente", help="CBS-code van een gemeente waarin een deelnemer mag bewerken, bijv. "
    "GM0363 (herhaalbaar).")
_ROLES = "lezer, deelnemer, redacteur of beheerder"


def _password(from_stdin: bool) -> str:
    """The password from the first line of standard input, or asked twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            fail(WijkanalyseError("--wachtwoord-stdin: er kwam geen wachtwoord binnen op "
                                  "standaardinvoer (één regel)."))
        return line.rstrip("\r\n")
    try:
        text: str = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=(
            "Herhaal het wachtwoord"))
    except typer.Abort:
        fail(WijkanalyseError("geen wachtwoord gegeven; het account is niet aangemaakt."))
    return text


def _gemeenten(user_gemeenten: tuple[str, ...]) -> str:
    return ", ".join(user_gemeenten) or "-"


@gebruiker_app.command("add")
def gebruiker_add(
    ctx: typer.Context,
    email: Annotated[str, _EMAIL],
    naam: Annotated[str, typer.Option("--naam", help="Naam zoals anderen hem zien.")],
    rol: Annotated[str, typer.Option("--rol", help=f"Rol: {_ROLES}.")] = "lezer",
    gemeente: Annotated[list[str] | None, _GEMEENTE] = None,
    wachtwoord_stdin: Annotated[bool, typer.Option(
        "--wachtwoord-stdin", help="Lees het wachtwoord van de eerste regel van standaardinvoer "
        "(voor scripts); anders wordt erom gevraagd, twee keer en zonder het te tonen.")]
    = False,
) -> None:
    """Maak een account (het wachtwoord wordt nooit op de opdrachtregel gegeven)."""
    password = _password(wachtwoord_stdin)
    with content_db(settings_from(ctx)) as content:
        assert content is not None
        try:
            user = content.add_user(name=naam, email=email, password=password, role=rol,
                                    gemeenten=gemeente or ())
        except WijkanalyseError as exc:
            fail(exc)
    console.print(safe(f"Account {user.email} ({user.name}) aangemaakt met rol {user.role}"
                       + (f", gemeenten {_gemeenten(user.gemeenten)}" if user.gemeenten
                          else "") + "."))


@gebruiker_app.command("list")
def gebruiker_list(ctx: typer.Context) -> None:
    """Toon de accounts met hun rol en gemeenten."""
    with content_db(settings_from(ctx), create=False) as content:
        users = content.list_users() if content is not None else []
    if not users:
        console.print("Nog geen accounts. Maak er een met 'wijkanalyse gebruiker add "
                      "EMAIL --naam NAAM --rol beheerder'.", highlight=False, markup=False)
        return
    table = Table("e-mail", "naam", "rol", "gemeenten")
    for u in users:
        table.add_row(safe(u.email), safe(u.name), safe(u.role.value),
                      safe(_gemeenten(u.gemeenten)))
    console.print(table)


@gebruiker_app.command("remove")
def gebruiker_remove(ctx: typer.Context, email: Annotated[str, _EMAIL]) -> None:
    """Verwijder een account (en zijn sessies); wat het schreef blijft, met zijn naam."""
    with content_db(settings_from(ctx)) as content:
        assert content is not None
        try:
            content.remove_user(email)
        except WijkanalyseError as exc:
            fail(exc)
    console.print(safe(f"Account {email.strip().lower()} verwijderd."))


@gebruiker_app.command("rol")
def gebruiker_rol(
    ctx: typer.Context,
    email: Annotated[str, _EMAIL],
    rol: Annotated[str, typer.Argument(help=f"De nieuwe rol: {_ROLES}.")],
    gemeente: Annotated[list[str] | None, _GEMEENTE] = None,
) -> None:
    """Geef een account een andere rol; met --gemeente ook andere gemeenten (vervangt ze)."""
    with content_db(settings_from(ctx)) as content:
        assert content is not None
        try:
            user = content.set_role(email, rol, gemeenten=gemeente)
        except WijkanalyseError as exc:
            fail(exc)
    console.print(safe(f"Account {user.email} heeft nu rol {user.role}; gemeenten: "
                       f"{_gemeenten(user.gemeenten)}."))


#: Dutch names of the tables ``content migreer`` reports.
_TABLE_NAMES = {
    "stories": "verhalen en aanpakken",
    "stories_history": "versies van verhalen en aanpakken",
    "applied_approaches": "toepassingen",
    "applied_approaches_history": "versies van toepassingen",
    "kennis_history": "versies van interventies (kennisdossier)",
}


@content_app.command("migreer")
def content_migreer(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option(
        "--db", help="De oudere DuckDB-database met verhalen en toepassingen (standaard de "
        "database van de globale --db of WIJKANALYSE_DB).")] = None,
) -> None:
    """Kopieer verhalen, aanpakken, toepassingen en de versies van het kennisdossier uit een
    oudere database naar de inhoudsdatabase; nog een keer draaien kopieert niets dubbel."""
    from wijkanalyse import store
    from wijkanalyse.content.legacy import copy_from_duckdb

    settings = settings_from(ctx)
    source = db if db is not None else settings.db_path
    with content_db(settings) as content:
        assert content is not None
        try:
            with store.reading(source, on_wait=None) as con:
                report = copy_from_duckdb(content, con)
        except WijkanalyseError as exc:
            fail(exc)
        where = content.url.removeprefix("sqlite:///")
    if not report.copied and not report.skipped:
        console.print(safe(f"{source} bevat geen verhalen, toepassingen of versies van het "
                           "kennisdossier: er is niets te kopiëren."))
        return
    console.print(safe(f"Gekopieerd van {source} naar {where}:"))
    for key, label in _TABLE_NAMES.items():
        n, skipped = report.copied.get(key, 0), report.skipped.get(key, 0)
        if n or skipped:
            extra = f" ({skipped} stonden er al)" if skipped else ""
            console.print(safe(f"  {label}: {n}{extra}"))
    for key, pairs in report.renumbered.items():
        for old, new in pairs:
            err_console.print(safe(
                f"  {_TABLE_NAMES[key]}: nummer {old} was al in gebruik voor iets anders en is "
                f"nu nummer {new}.", style="yellow"))


@content_app.command("kopieer")
def content_kopieer(
    ctx: typer.Context,
    naar: Annotated[str, typer.Option(
        "--naar", help="De database waarheen gekopieerd wordt, bijv. "
        "postgresql://gebruiker@server/wijkanalyse of sqlite:///pad/inhoud.sqlite.")],
    van: Annotated[str | None, typer.Option(
        "--van", help="De database waaruit gekopieerd wordt (standaard de inhoudsdatabase: "
        "WIJKANALYSE_CONTENT_URL of het bestand naast de DuckDB-database).")] = None,
    overschrijf: Annotated[bool, typer.Option(
        "--overschrijf", help="Vervang wat al in de doeldatabase staat (anders weigert het "
        "kopiëren als die niet leeg is).")] = False,
) -> None:
    """Kopieer de hele inhoudsdatabase (accounts, verhalen, toepassingen, versies) naar een
    andere database, in één transactie; het aantal rijen wordt daarna gecontroleerd."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from wijkanalyse.content import copy_store, resolve_url

    settings = settings_from(ctx)
    try:
        source = resolve_url(van, db_path=settings.db_path)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=err_console, transient=True) as bar:
            task = bar.add_task("kopiëren", total=None)

            def step(table: str, done: int, total: int) -> None:
                bar.update(task, description=f"kopiëren: {table}", completed=done, total=total)

            report = copy_store(source, naar, overwrite=overschrijf, progress=step)
    except WijkanalyseError as exc:
        fail(exc)
    console.print(safe(f"Gekopieerd van {report.source} naar {report.target}: "
                       f"{report.total} rijen in {len(report.rows)} tabellen, aantallen "
                       "gecontroleerd."))
    if report.deleted:
        console.print(safe(f"  {report.deleted} rijen die al in het doel stonden zijn "
                           "vervangen (--overschrijf)."))
    for table, n in report.rows.items():
        if n:
            console.print(safe(f"  {table}: {n}"))
