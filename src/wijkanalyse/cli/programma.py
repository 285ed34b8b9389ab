"""``wijkanalyse programma``: the knowledge programme (registrations, selection, meetings,
fees). Thin commands: each calls one library function of :mod:`wijkanalyse.programma` and
saves the programme through its store: the content store of the database
(:class:`wijkanalyse.programma.ContentProgrammeStore`); ``importeer-map`` moves the JSON files
of the former file store in."""

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

    from wijkanalyse.programma import ContentProgrammeStore

app = typer.Typer(help="Het kennisprogramma: aanmelden, selectie op spreiding, "
                  "themabijeenkomsten en facturen.", no_args_is_help=True)
aanmelding_app = typer.Typer(help="Aanmeldingen invoeren.", no_args_is_help=True)
app.add_typer(aanmelding_app, name="aanmelding")

_PROG = typer.Option("--programma", "-p", help="De programmanaam (slug), bijv. programma-2016.")
_FORMAT = typer.Option("--format", help="text of json")


def _store(ctx: typer.Context) -> ContentProgrammeStore:
    """The programmes in the content store of the database (``WIJKANALYSE_CONTENT_URL`` or the
    SQLite file next to the DuckDB file), closed when the command ends."""
    from wijkanalyse.content import open_content
    from wijkanalyse.programma import ContentProgrammeStore

    try:
        content = open_content(db_path=settings_from(ctx).db_path)
    except WijkanalyseError as exc:
        fail(exc)
    ctx.call_on_close(content.close)
    return ContentProgrammeStore(content)


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
        fail(WijkanalyseError(f"Programma {prog.slug!r} bestaat al in {store.where}; kies een "
                              "andere slug. Een programma wordt nooit overschreven."))
    store.save(prog, what=f"programma aangemaakt uit {bestand.name}")
    console.print(safe(f"Programma {prog.slug} aangemaakt: {prog.name}; aanmelden tot "
                       f"{prog.deadline:%d-%m-%Y}, maximum {prog.maximum}, "
                       f"{prog.n_meetings} bijeenkomsten {prog.meeting_start:%d-%m-%Y} - "
                       f"{prog.meeting_end:%d-%m-%Y}."))


@app.command("importeer-map")
def importeer_map(ctx: typer.Context, map_: Annotated[Path | None, typer.Argument(
        metavar="MAP", help="Map met programmabestanden <slug>.json (anders "
                            "WIJKANALYSE_PROGRAMMA of de standaardplek).")] = None,
                  fmt: Annotated[str, _FORMAT] = "text") -> None:
    """Neem de programmabestanden (JSON) van een map over in de inhoudsdatabase, met hun
    geschiedenis. Opnieuw draaien is veilig: wat er al staat wordt niet overschreven."""
    from wijkanalyse.programma import default_folder, import_folder

    _check_format(fmt)
    folder = map_ if map_ is not None else default_folder()
    store = _store(ctx)
    try:
        done = import_folder(store, folder)
    except WijkanalyseError as exc:
        fail(exc)
    if fmt == "json":
        _json([{"programma": d.slug, "bestand": str(d.path), "status": d.status,
                "geschiedenis": d.history} for d in done])
    else:
        if not done:
            console.print(safe(f"Geen programmabestanden (<slug>.json) in {folder}."))
        for d in done:
            line = {"overgenomen": f"overgenomen met {d.history} regels geschiedenis",
                    "al aanwezig": "stond er al (gelijk); niets gedaan",
                    "conflict": "NIET overgenomen: er staat al een ander programma met deze "
                                "naam in de inhoudsdatabase"}[d.status]
            console.print(safe(f"{d.slug} ({d.path.name}): {line}."))
    if any(d.status == "conflict" for d in done):
        fail(WijkanalyseError(f"Niet alles is overgenomen naar {store.where}: hernoem het "
                              "bestand en de slug erin, of verwijder het programma dat er al "
                              "staat, en draai de opdracht opnieuw."))


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
                             "bijeenkomsten opnieuw en bewaart de voorkeuren.")] = None,
    ics: Annotated[Path | None, typer.Option(
        "--ics", help="Map voor bijeenkomsten.ics en aanwezigheid.csv.")] = None,
    fmt: Annotated[str, _FORMAT] = "text",
) -> None:
    """Plan de themabijeenkomsten (thema's uit de voorkeuren, data in het venster, een
    passende wijk per bijeenkomst, verspreid over het land) of toon de planning. Zonder
    --voorkeuren en nog zonder planning: met de opgeslagen voorkeuren (van de website)."""
    from wijkanalyse.programma import (
        attendance_rows,
        meetings_ics,
        plan_meetings,
        rank_themes,
        read_rankings,
        theme_order,
    )

    _check_format(fmt)
    store = _store(ctx)
    with store.editing(programma, purpose="programma bijeenkomsten") as prog:
        themes: list[str] = []
        if voorkeuren is not None:
            rankings = read_rankings(voorkeuren)
            prog.theme_rankings.update(rankings)
            themes = [t for t, _ in rank_themes(rankings)[:prog.n_meetings]]
        elif prog.theme_rankings and not prog.meetings:
            themes = [t for t, _ in theme_order(prog)[:prog.n_meetings]]
        if themes:
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


partner_app = typer.Typer(help="Partijen in de deelnemende wijken (actief of uit te dagen).",
                          no_args_is_help=True)
geld_app = typer.Typer(help="Geldstromen in de deelnemende wijken.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
app.add_typer(geld_app, name="geld")
_WIJK = typer.Option("--wijk", help="Aanmelding (id), wijknaam of CBS-code van een "
                                    "deelnemende wijk.")


def _euro(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


@partner_app.command("add")
def partner_add(ctx: typer.Context, programma: Annotated[str, _PROG],
                wijk: Annotated[str, _WIJK],
                naam: Annotated[str, typer.Option("--naam", help="Naam van de partij.")],
                soort: Annotated[str, typer.Option(
                    "--soort", help="gemeente, corporatie, zorg, welzijn, onderwijs, bewoners, "
                                    "ondernemers, energiebedrijf, politie of overig.")],
                rol: Annotated[str, typer.Option(
                    "--rol", help="'actief' of 'uit te dagen'.")] = "actief",
                notitie: Annotated[str, typer.Option(
                    "--notitie", help="Wat de partij doet of zou moeten doen.")] = "") -> None:
    """Leg een partij in een deelnemende wijk vast, met soort en rol."""
    from wijkanalyse.programma import add_party

    store = _store(ctx)
    with store.editing(programma, purpose="programma partner add") as prog:
        party = add_party(prog, wijk=wijk, name=naam, kind=soort, role=rol, note=notitie)
        store.save(prog, what=f"partij {party.name} ({party.role}) bij {party.registration_id}")
    console.print(safe(f"Vastgelegd: {party.name} ({party.kind}, {party.role}) bij "
                       f"{party.registration_id}."))


@partner_app.command("list")
def partner_list(ctx: typer.Context, programma: Annotated[str, _PROG],
                 fmt: Annotated[str, _FORMAT] = "text") -> None:
    """De partijen per wijk, wie in meerdere wijken zit en welke soorten ontbreken."""
    from wijkanalyse.programma import overview

    _check_format(fmt)
    prog = _store(ctx).load(programma)
    ov = overview(prog)
    if fmt == "json":
        _json({"partijen": [dataclasses.asdict(p) for p in prog.parties],
               "per_wijk": ov.per_wijk, "in_meerdere_wijken": ov.parties_in_several})
        return
    table = Table("id", "gemeente", "wijk", "actief", "uit te dagen", "ontbreekt",
                  title=f"Partijen in {prog.name}")
    for r in ov.per_wijk:
        table.add_row(safe(r["id"]), safe(r["gemeente"]), safe(r["wijk"]),
                      safe(", ".join(r["actief"]) or "–"),
                      safe(", ".join(r["uit_te_dagen"]) or "–"),
                      safe(", ".join(r["ontbreekt"]) or "–"))
    console.print(table)
    for r in ov.parties_in_several:
        console.print(safe(f"{r['naam']} is actief in " + ", ".join(r["wijken"]) + "."))


@geld_app.command("add")
def geld_add(ctx: typer.Context, programma: Annotated[str, _PROG],
             wijk: Annotated[str, _WIJK],
             bron: Annotated[str, typer.Option("--bron", help="Wie betaalt.")],
             bedrag: Annotated[int, typer.Option(
                 "--bedrag", help="Hele euro's over de hele periode.")],
             van: Annotated[int, typer.Option("--van", help="Eerste jaar.")],
             doel: Annotated[str, typer.Option("--doel", help="Waarvoor het geld is.")],
             tot: Annotated[int | None, typer.Option(
                 "--tot", help="Laatste jaar (standaard het eerste).")] = None,
             model: Annotated[str, typer.Option(
                 "--model", help="Financieringsmodel (subsidie, fonds, investering, ...).")
             ] = "") -> None:
    """Leg een geldstroom voor een deelnemende wijk vast (bron, bedrag, periode, doel)."""
    from wijkanalyse.programma import add_money

    store = _store(ctx)
    with store.editing(programma, purpose="programma geld add") as prog:
        flow = add_money(prog, wijk=wijk, source=bron, amount=bedrag, start=van, end=tot,
                         purpose=doel, model=model)
        store.save(prog, what=f"geldstroom {flow.source} {flow.amount} bij "
                              f"{flow.registration_id}")
    console.print(safe(f"Vastgelegd: {_euro(flow.amount)} van {flow.source} "
                       f"({flow.start}-{flow.end}) bij {flow.registration_id}."))


@geld_app.command("list")
def geld_list(ctx: typer.Context, programma: Annotated[str, _PROG],
              fmt: Annotated[str, _FORMAT] = "text") -> None:
    """De geldstromen per wijk en de financieringsmodellen die terugkomen."""
    from wijkanalyse.programma import overview

    _check_format(fmt)
    prog = _store(ctx).load(programma)
    ov = overview(prog)
    if fmt == "json":
        _json({"geldstromen": [dataclasses.asdict(m) for m in prog.money],
               "modellen": ov.models})
        return
    table = Table("id", "bron", "bedrag", "periode", "doel", "model",
                  title=f"Geldstromen in {prog.name}")
    for m in prog.money:
        table.add_row(safe(m.registration_id), safe(m.source), _euro(m.amount),
                      f"{m.start}-{m.end}", safe(m.purpose), safe(m.model or "–"))
    console.print(table)
    for r in ov.recurring:
        console.print(safe(f"{r['model']}: in {r['wijken']} wijken, samen {_euro(r['bedrag'])}."))


@app.command("publicatie")
def publicatie(ctx: typer.Context, programma: Annotated[str, _PROG],
               set_: Annotated[str, typer.Option(
                   "--set", help="De set voor de stand van de aandachtswijken; de deelnemende "
                                 "wijken komen erbij.")] = "krachtwijken-2007",
               jaar: Annotated[int | None, typer.Option(
                   "--jaar", help="Jaar van de monitor (standaard het laatste "
                                  "Leefbaarometer-jaar).")] = None,
               out: Annotated[Path, typer.Option(
                   "--out", help="Map voor de HTML en PDF.")] = Path("rapporten")) -> None:
    """De publicatie van het programma als HTML en PDF: de stand van de aandachtswijken, een
    korte wijkanalyse per deelnemende wijk, de uitkomsten van de bijeenkomsten en partners en
    geld, met bronnen."""
    from wijkanalyse.cli.util import check_out
    from wijkanalyse.programma.publicatie import build_publication, write_publication

    prog = _store(ctx).load(programma)
    check_out(out)
    with read_db(settings_from(ctx)) as con, \
            err_console.status("Publicatie maken…") as status:
        pub = build_publication(con, prog, set_spec=set_, year=jaar,
                                progress=lambda text: status.update(f"Publicatie: {text}…"))
    with err_console.status("HTML en PDF schrijven…"):
        paths = write_publication(pub, out)
    missing = [w.problem for w in pub.wijken if w.profile is None]
    console.print(safe(f"Publicatie van {prog.name}: {len(pub.wijken)} wijken, monitor van "
                       f"{pub.monitor.n_units if pub.monitor else 0} wijken."))
    for problem in missing:
        console.print(safe_line("Let op: ", problem))
    for kind, path in paths.items():
        console.print(safe(f"  {kind}: {path}"))
