"""``wijkanalyse programma``: the knowledge programme (registrations, selection, meetings,
fees). Thin commands: each calls one library function of :mod:`wijkanalyse.programma` and
saves the programme through its store (:mod:`wijkanalyse.programma.files`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from wijkanalyse.cli.util import console, err_console, fail, read_db, safe, safe_line, settings_from
from wijkanalyse.errors import WijkanalyseError

if TYPE_CHECKING:
    import duckdb

    from wijkanalyse.programma import FileStore

app = typer.Typer(help="Het kennisprogramma: aanmelden, selectie op spreiding, "
                  "themabijeenkomsten en facturen.", no_args_is_help=True)
aanmelding_app = typer.Typer(help="Aanmeldingen invoeren.", no_args_is_help=True)
app.add_typer(aanmelding_app, name="aanmelding")

_PROG = typer.Option("--programma", "-p", help="De programmanaam (slug), bijv. programma-2016.")
_FORMAT = typer.Option("--format", help="text of json")


@app.callback()
def _programma(ctx: typer.Context, map_: Annotated[Path | None, typer.Option(
        "--map", help="Map met de programmabestanden (anders WIJKANALYSE_PROGRAMMA of de "
                      "standaardplek).")] = None) -> None:
    ctx.meta["programma_map"] = map_


def _store(ctx: typer.Context) -> FileStore:
    from wijkanalyse.programma import FileStore

    return FileStore(ctx.meta.get("programma_map"))


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies text of json."))


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def _database(ctx: typer.Context, use_db: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection when the database exists (and is wanted), else ``None``."""
    settings = settings_from(ctx)
    if not use_db or not Path(settings.db_path).is_file():
        if use_db:
            err_console.print(safe_line("Let op: ", f"geen database in {settings.db_path}: wijken "
                                        "worden niet opgezocht (alleen de codes uit het "
                                        "bestand)."))
        yield None
        return
    with read_db(settings) as con:
        yield con


@app.command("nieuw")
def nieuw(ctx: typer.Context, bestand: Annotated[Path, typer.Argument(
        help="YAML met slug, naam, periode, aanmelden_tot, bijeenkomsten, bedragen, partners.")],
          ) -> None:
    """Maak een programma uit een YAML-definitie (zie docs/programma.md)."""
    from wijkanalyse.programma import read_definition

    store = _store(ctx)
    prog = read_definition(bestand)
    if store.exists(prog.slug):
        fail(WijkanalyseError(f"Programma {prog.slug!r} bestaat al in {store.folder}; kies een "
                              "andere slug. Een programma wordt nooit overschreven."))
    store.save(prog, what=f"programma aangemaakt uit {bestand.name}")
    console.print(safe(f"Programma {prog.slug} aangemaakt: {prog.name}; aanmelden tot "
                       f"{prog.deadline:%d-%m-%Y}, maximum {prog.maximum}, "
                       f"{prog.n_meetings} bijeenkomsten {prog.meeting_start:%d-%m-%Y} - "
                       f"{prog.meeting_end:%d-%m-%Y}."))


@app.command("lijst")
def lijst(ctx: typer.Context, fmt: Annotated[str, _FORMAT] = "text") -> None:
    """Toon de programma's met het aantal aanmeldingen."""
    _check_format(fmt)
    store = _store(ctx)
    rows = []
    for slug in store.list():
        p = store.load(slug)
        rows.append({"slug": slug, "naam": p.name, "aanmeldingen": len(p.registrations),
                     "afgewezen": len(p.rejected), "geselecteerd": p.selection is not None,
                     "bijeenkomsten": len(p.meetings)})
    if fmt == "json":
        _json(rows)
        return
    table = Table("programma", "naam", "aanmeldingen", "afgewezen", "selectie", "bijeenkomsten")
    for r in rows:
        table.add_row(safe(r["slug"]), safe(r["naam"]), str(r["aanmeldingen"]),
                      str(r["afgewezen"]), "ja" if r["geselecteerd"] else "nee",
                      str(r["bijeenkomsten"]))
    console.print(table)


@aanmelding_app.command("import")
def aanmelding_import(
    ctx: typer.Context,
    bestand: Annotated[Path, typer.Argument(help="Aanmeldingen als .csv of .xlsx.")],
    programma: Annotated[str, _PROG],
    zonder_database: Annotated[bool, typer.Option(
        "--zonder-database", help="Wijken niet in de database opzoeken.")] = False,
    fmt: Annotated[str, _FORMAT] = "text",
) -> None:
    """Lees aanmeldingen uit een bestand; afgewezen rijen worden bewaard met de reden."""
    from wijkanalyse.programma import import_registrations

    _check_format(fmt)
    store = _store(ctx)
    with store.editing(programma, purpose="programma aanmelding import") as prog:
        from wijkanalyse.programma.database import complete_from_database, db_resolver

        with _database(ctx, not zonder_database) as con:
            result = import_registrations(prog, bestand,
                                          resolver=db_resolver(con) if con is not None else None)
            if con is not None:
                result = dataclasses.replace(result, accepted=complete_from_database(
                    con, result.accepted))
        prog.registrations += result.accepted
        prog.rejected += result.rejected
        prog.selection = None if result.accepted else prog.selection
        store.save(prog, what=f"{len(result.accepted)} aanmeldingen en {len(result.rejected)} "
                              f"afgewezen rijen uit {bestand.name}")
        if fmt == "json":
            _json({"aangenomen": [dataclasses.asdict(r) for r in result.accepted],
                   "afgewezen": [dataclasses.asdict(r) for r in result.rejected]})
            return
        console.print(safe(f"{len(result.accepted)} aanmeldingen aangenomen, "
                           f"{len(result.rejected)} afgewezen (bewaard met de reden)."))
        for r in result.accepted:
            for w in r.warnings:
                console.print(safe_line("Let op: ", f"{r.gemeente}: {w}"))
        for rej in result.rejected:
            console.print(safe_line("Afgewezen: ", rej.reason, style="red"))


@app.command("aanmeldingen")
def aanmeldingen(ctx: typer.Context, programma: Annotated[str, _PROG],
                 afgewezen: Annotated[bool, typer.Option(
                     "--afgewezen", help="Toon ook de afgewezen rijen.")] = False,
                 fmt: Annotated[str, _FORMAT] = "text") -> None:
    """Toon de aanmeldingen: gemeente, wijk, thema's, trendklasse, partner, bedrag."""
    _check_format(fmt)
    prog = _store(ctx).load(programma)
    if fmt == "json":
        _json({"aanmeldingen": [dataclasses.asdict(r) for r in prog.registrations],
               "afgewezen": [dataclasses.asdict(r) for r in prog.rejected] if afgewezen
               else []})
        return
    table = Table("id", "gemeente", "wijk", "codes", "thema's", "trendklasse", "bedrag",
                  "binnen", title=f"{prog.name}: {len(prog.registrations)} aanmeldingen")
    for r in prog.registrations:
        table.add_row(safe(r.id), safe(r.gemeente), safe(r.wijk), safe(" ".join(r.wijk_codes)),
                      safe(", ".join(r.themes)), safe(r.trend_class or "onbekend"),
                      f"€ {prog.fee_for(r):,}".replace(",", "."), f"{r.received:%d-%m-%Y}")
    console.print(table)
    if afgewezen:
        for rej in prog.rejected:
            console.print(safe_line("Afgewezen: ", rej.reason, style="red"))


@app.command("selectie")
def selectie(ctx: typer.Context, programma: Annotated[str, _PROG],
             zonder_database: Annotated[bool, typer.Option(
                 "--zonder-database", help="Ontbrekende trendklassen en inwoners niet uit de "
                                           "database aanvullen.")] = False,
             fmt: Annotated[str, _FORMAT] = "text") -> None:
    """Selecteer op spreiding (alleen boven het maximum), met uitleg per aanmelding en de
    spreiding voor en na; de selectie wordt bewaard. Ontbrekende trendklassen (monitor) en
    inwoners worden eerst uit de database aangevuld."""
    from wijkanalyse.programma import select_for_spread
    from wijkanalyse.programma.database import complete_from_database

    _check_format(fmt)
    store = _store(ctx)
    with store.editing(programma, purpose="programma selectie") as prog:
        if any(not r.trend_class or r.inwoners is None for r in prog.registrations):
            with _database(ctx, not zonder_database) as con:
                if con is not None:
                    prog.registrations = complete_from_database(con, prog.registrations)
        result = select_for_spread(prog)
        prog.selection = result.record()
        store.save(prog, what=f"selectie: {len(result.selected)} van {len(prog.registrations)}")
        if fmt == "json":
            _json(dataclasses.asdict(result))
            return
        if not result.needed:
            console.print(safe(result.decisions[0].reason if result.decisions else
                               "Geen aanmeldingen."))
            return
        table = Table("id", "gemeente", "wijk", "gekozen", "waarom", "ruil",
                      title=f"Selectie: {len(result.selected)} van {len(prog.registrations)}, "
                            f"spreiding {result.objective:.2f} punten".replace(".", ","))
        for d in result.decisions:
            table.add_row(safe(d.registration_id), safe(d.gemeente), safe(d.wijk),
                          "ja" if d.chosen else "nee", safe(d.reason), safe(d.swap))
        console.print(table)
        spread = Table("dimensie", "waarde", "aangemeld", "gekozen", title="Spreiding voor en na")
        for row in result.table:
            spread.add_row(safe(row["dimensie"]), safe(row["waarde"]), str(row["aangemeld"]),
                           str(row["gekozen"]))
        console.print(spread)


@app.command("bijeenkomsten")
def bijeenkomsten(
    ctx: typer.Context,
    programma: Annotated[str, _PROG],
    voorkeuren: Annotated[Path | None, typer.Option(
        "--voorkeuren", help="CSV/xlsx met 'deelnemer' en 'themas' (op volgorde): plant de "
                             "bijeenkomsten opnieuw.")] = None,
    ics: Annotated[Path | None, typer.Option(
        "--ics", help="Map voor bijeenkomsten.ics en aanwezigheid.csv.")] = None,
    fmt: Annotated[str, _FORMAT] = "text",
) -> None:
    """Plan de themabijeenkomsten (thema's uit de voorkeuren, data in het venster, een
    passende wijk per bijeenkomst, verspreid over het land) of toon de planning."""
    from wijkanalyse.programma import (
        attendance_rows,
        meetings_ics,
        plan_meetings,
        rank_themes,
        read_rankings,
    )

    _check_format(fmt)
    store = _store(ctx)
    with store.editing(programma, purpose="programma bijeenkomsten") as prog:
        if voorkeuren is not None:
            ranked = rank_themes(read_rankings(voorkeuren))
            themes = [t for t, _ in ranked[:prog.n_meetings]]
            from wijkanalyse.programma.database import centroids, with_gemeente_codes

            with read_db(settings_from(ctx)) as con:
                coords = centroids(con, with_gemeente_codes(con, prog.participating()))
            prog.meetings = plan_meetings(prog, themes, coords=coords)
            store.save(prog, what="bijeenkomsten gepland: " + ", ".join(themes))
        if ics is not None:
            import pandas as pd

            from wijkanalyse.atomicio import write_atomic
            from wijkanalyse.exportsafe import csv_frame

            data = meetings_ics(prog)
            write_atomic(ics / "bijeenkomsten.ics", lambda tmp: tmp.write_bytes(data))
            frame = csv_frame(pd.DataFrame(attendance_rows(prog)))
            write_atomic(ics / "aanwezigheid.csv", lambda tmp: frame.to_csv(tmp, index=False))
        if fmt == "json":
            _json([dataclasses.asdict(m) for m in prog.meetings])
            return
        table = Table("nr", "datum", "thema", "wijk", "gemeente", "aanwezig", "uitkomsten")
        for m in prog.meetings:
            table.add_row(str(m.number), f"{m.date:%d-%m-%Y}", safe(m.theme), safe(m.host_wijk),
                          safe(m.host_gemeente), str(sum(len(a.names) for a in m.attendance)),
                          str(len(m.outcomes)))
        console.print(table)


@app.command("uitkomst")
def uitkomst(ctx: typer.Context, programma: Annotated[str, _PROG],
             bijeenkomst: Annotated[int, typer.Option("--bijeenkomst", help="Nummer.")],
             tekst: Annotated[str, typer.Option("--tekst", help="De notitie of uitkomst.")],
             kennis: Annotated[list[str] | None, typer.Option(
                 "--kennis", help="Id van een kennisdossier-item (herhaalbaar).")] = None,
             wijk: Annotated[list[str] | None, typer.Option(
                 "--wijk", help="CBS-code van een wijk waar het over gaat (herhaalbaar).")
             ] = None) -> None:
    """Leg een notitie of uitkomst van een bijeenkomst vast, met kennisdossier en wijken."""
    from wijkanalyse.programma import add_outcome

    store = _store(ctx)
    with store.editing(programma, purpose="programma uitkomst") as prog:
        meeting = next((m for m in prog.meetings if m.number == bijeenkomst), None)
        if meeting is None:
            fail(WijkanalyseError(f"Bijeenkomst {bijeenkomst} bestaat niet in {programma}; plan "
                                  "eerst met 'wijkanalyse programma bijeenkomsten --voorkeuren'."))
        known = None
        if kennis:
            from wijkanalyse.programma.database import known_kennis_ids

            settings = settings_from(ctx)
            if Path(settings.db_path).is_file():
                with read_db(settings) as con:
                    known = known_kennis_ids(con)
            else:
                known = known_kennis_ids(None)
        add_outcome(meeting, tekst, kennis_ids=kennis or (), wijk_codes=wijk or (),
                    known_kennis=known)
        store.save(prog, what=f"uitkomst bij bijeenkomst {bijeenkomst}")
        console.print(safe(f"Vastgelegd bij bijeenkomst {bijeenkomst} ({meeting.theme})."))


@app.command("aanwezig")
def aanwezig(ctx: typer.Context, programma: Annotated[str, _PROG],
             bijeenkomst: Annotated[int, typer.Option("--bijeenkomst", help="Nummer.")],
             aanmelding: Annotated[str, typer.Option(
                 "--aanmelding", help="Id van de aanmelding (stad of regio).")],
             naam: Annotated[list[str], typer.Option(
                 "--naam", help="Naam van een aanwezige (twee of drie keer).")]) -> None:
    """Leg vast wie van een stad of regio een bijeenkomst bijwoont (twee of drie mensen)."""
    from wijkanalyse.programma import set_attendance

    store = _store(ctx)
    with store.editing(programma, purpose="programma aanwezig") as prog:
        meeting = next((m for m in prog.meetings if m.number == bijeenkomst), None)
        reg = next((r for r in prog.participating() if r.id == aanmelding), None)
        if meeting is None or reg is None:
            fail(WijkanalyseError(f"Bijeenkomst {bijeenkomst} of aanmelding {aanmelding!r} bestaat "
                                  f"niet in {programma}; zie 'wijkanalyse programma bijeenkomsten' "
                                  "en 'wijkanalyse programma aanmeldingen'."))
        set_attendance(meeting, reg, naam)
        store.save(prog, what=f"aanwezigheid {reg.gemeente} bij bijeenkomst {bijeenkomst}")
        console.print(safe(f"Bijeenkomst {bijeenkomst}: {reg.gemeente} met " + ", ".join(naam)
                           + "."))


@app.command("facturen")
def facturen(ctx: typer.Context, programma: Annotated[str, _PROG],
             out: Annotated[Path | None, typer.Option(
                 "--out", help="Schrijf het overzicht naar een .xlsx- of .csv-bestand.")] = None,
             betaald: Annotated[str | None, typer.Option(
                 "--betaald", help="Id van een aanmelding die heeft betaald.")] = None,
             op: Annotated[str | None, typer.Option(
                 "--op", help="Datum van betaling (2016-12-01; standaard vandaag).")] = None,
             fmt: Annotated[str, _FORMAT] = "text") -> None:
    """Het bedrag per stad of regio (partner of niet), betaald of niet; export naar Excel/CSV."""
    from wijkanalyse.programma import invoices, mark_paid, write_invoices

    _check_format(fmt)
    store = _store(ctx)
    with store.editing(programma, purpose="programma facturen") as prog:
        if betaald is not None:
            try:
                day = dt.date.fromisoformat(op) if op else dt.date.today()
            except ValueError:
                fail(WijkanalyseError(f"--op {op!r} is geen datum; schrijf bijvoorbeeld "
                                      "2016-12-01."))
            mark_paid(prog, betaald, on=day)
            store.save(prog, what=f"betaling {betaald} op {day.isoformat()}")
        frame = invoices(prog)
        if out is not None:
            write_invoices(prog, out)
            err_console.print(safe(f"Geschreven: {out}"))
        if fmt == "json":
            _json(frame.to_dict(orient="records"))
            return
        table = Table("id", "gemeente", "wijk", "partner", "bedrag", "betaald")
        for r in frame.itertuples(index=False):
            table.add_row(safe(r.id), safe(r.gemeente), safe(r.wijk), safe(r.partner),
                          f"€ {int(r.bedrag):,}".replace(",", "."), safe(r.betaald_op or "nee"))
        console.print(table)
        total, open_ = int(frame["bedrag"].sum()), int(frame.loc[frame["betaald"] == "nee",
                                                                     "bedrag"].sum())
        console.print(safe(f"Totaal € {total:,}".replace(",", ".") + ", nog open "
                           + f"€ {open_:,}".replace(",", ".")))
