"""The ``wijkanalyse`` command line: thin commands that each call one library function."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import duckdb
import typer
from rich.progress import TaskID
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from wijkanalyse.cli import content as cli_content
from wijkanalyse.cli import kennis as cli_kennis
from wijkanalyse.cli import monitor as cli_monitor
from wijkanalyse.cli import programma as cli_programma
from wijkanalyse.cli import segregatie as cli_segregatie
from wijkanalyse.cli import serve as cli_serve
from wijkanalyse.cli import sets as cli_sets
from wijkanalyse.cli.util import check_out as _check_out
from wijkanalyse.cli.util import clean_text as _clean
from wijkanalyse.cli.util import console, content_db, err_console
from wijkanalyse.cli.util import fail as _fail
from wijkanalyse.cli.util import nl_cell as _nl_number
from wijkanalyse.cli.util import nl_int as _nl
from wijkanalyse.cli.util import progress_bar as _progress
from wijkanalyse.cli.util import read_db as _read_db
from wijkanalyse.cli.util import safe as _safe
from wijkanalyse.cli.util import safe_line as _safe_line
from wijkanalyse.cli.util import settings_from as _settings
from wijkanalyse.cli.util import write_db as _write_db
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame
from wijkanalyse.settings import Settings, resolve_settings

if TYPE_CHECKING:
    from wijkanalyse.content import ContentStore
    from wijkanalyse.model import Profile


class _SafeGroup(TyperGroup):
    """The root command: an error for people that a command did not catch itself ends the
    command with its Dutch message (exit code 1), never with a traceback."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]  # click base is private
        try:
            return super().invoke(ctx)
        except WijkanalyseError as exc:
            _fail(exc)
        except BrokenPipeError:
            raise typer.Exit(code=1) from None  # output piped into e.g. `head`, which stopped
        except OSError as exc:
            from wijkanalyse.atomicio import io_error

            _fail(io_error(Path(exc.filename or "."), exc))
        except duckdb.Error as exc:
            from wijkanalyse import store

            settings = ctx.obj if isinstance(ctx.obj, Settings) else resolve_settings()
            known = store.recognised_error(settings.db_path, exc)
            if known is None:
                raise
            _fail(known)
        return None


app = typer.Typer(
    cls=_SafeGroup,
    help="wijkanalyse: analyse van kwetsbare wijken uit open data van CBS en de Leefbaarometer.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Gegevens laden, downloaden en controleren.", no_args_is_help=True)
gebied_app = typer.Typer(
    help="Eigen gebieden: een wijk of buurtcombinatie als verzameling CBS-codes.",
    no_args_is_help=True,
)
verhaal_app = typer.Typer(
    help="Verhalen (interviews, veldnotities) bij een wijk of gebied.", no_args_is_help=True)
aanpak_app = typer.Typer(
    help="Aanpakken die in een wijk of gebied worden gebruikt.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(gebied_app, name="gebied")
app.add_typer(verhaal_app, name="verhaal")
app.add_typer(aanpak_app, name="aanpak")
app.add_typer(cli_sets.app, name="sets")
app.add_typer(cli_kennis.app, name="kennis")
app.add_typer(cli_segregatie.app, name="segregatie")
app.add_typer(cli_programma.app, name="programma")
app.add_typer(cli_content.gebruiker_app, name="gebruiker")
app.add_typer(cli_content.content_app, name="content")
app.command("monitor")(cli_monitor.monitor_command)
app.command("serve")(cli_serve.serve_command)



@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Databasebestand (anders WIJKANALYSE_DB of de standaardplek)."),
    ] = None,
) -> None:
    ctx.obj = resolve_settings(db=db)


# --------------------------------------------------------------------------- data


@data_app.command("build")
def data_build(
    ctx: typer.Context,
    source: Annotated[
        Path | None,
        typer.Option("--source", help="Map met bronbestanden (anders WIJKANALYSE_SOURCE, "
                     "../shared/data of de standaardmap)."),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option("--sla-fouten-over", help="Sla onleesbare bestanden over in plaats van "
                     "te stoppen; ze staan daarna in 'data status'."),
    ] = False,
    replace_anyway: Annotated[
        bool,
        typer.Option("--vervang-toch", help="Vervang de database ook als deze bouw niets laadt "
                     "of veel minder cijfers dan de database nu heeft (anders weigert data "
                     "build dat en blijft de database zoals hij was)."),
    ] = False,
) -> None:
    """Bouw de database opnieuw uit alle bronbestanden (veilig om te herhalen)."""
    from wijkanalyse.sources.build import BuildRefusedError, build_database

    base = _settings(ctx)
    settings = resolve_settings(db=base.db_path, source=source) if source else base
    tasks: dict[str, TaskID] = {}
    with _progress() as prog:
        def cb(stage: str, done: int, total: int, detail: str) -> None:
            if stage not in tasks:
                label = "Bestanden lezen" if stage == "lezen" else "Database schrijven"
                tasks[stage] = prog.add_task(label, total=total, detail="")
            prog.update(tasks[stage], completed=done, total=total, detail=_clean(detail))

        def wait(message: str) -> None:
            prog.console.print(_safe(message, "yellow"))

        try:
            report = build_database(settings, strict=not skip_invalid, progress=cb,
                                    replace_anyway=replace_anyway, on_wait=wait)
        except WijkanalyseError as exc:
            prog.stop()
            for f in getattr(exc, "failed", []) if isinstance(exc, BuildRefusedError) else []:
                err_console.print(_safe_line("Overgeslagen: ", f.message))
            _fail(exc)
    console.print(
        f"Database gebouwd: [bold]{report.db_path}[/bold]\n"
        f"  {len(report.loaded)} brontabellen, {_nl(report.n_regions)} regio-jaren, "
        f"{_nl(report.n_observations)} waarden, {_nl(report.n_issues)} meldingen "
        f"({report.seconds:.1f} s)"
    )
    if report.documents:
        console.print(f"  {len(report.documents)} documentatiebestanden gevonden (niet als "
                      "gegevens gelezen; zie 'data status')")
    for name, n in report.carried_over.items():
        if n:
            console.print(f"  Overgenomen uit de vorige database: {_nl(n)} rijen in {name}",
                          highlight=False)
    for f in report.failed:
        err_console.print(_safe_line("Overgeslagen: ", f.message))
    console.print("Bekijk wat er geladen is met 'wijkanalyse data status'.")
    if report.failed:
        raise typer.Exit(code=2)


@data_app.command("status")
def data_status_cmd(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="text of json")] = "text",
    all_rows: Annotated[bool, typer.Option("--alles", help="Toon alle regels van lange lijsten.")]
    = False,
) -> None:
    """Laat zien welke bronnen, jaren, niveaus en indicatoren geladen zijn, en wat ontbreekt."""
    from wijkanalyse.cli.status import render_status
    from wijkanalyse.sources.status import data_status

    with _read_db(_settings(ctx)) as con:
        report = data_status(con)
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2,
                                    default=str) + "\n")
    elif fmt == "text":
        render_status(report, console=console, limit=None if all_rows else 15)
    else:
        _fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies 'text' of 'json'."))


@data_app.command("lineage")
def data_lineage(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="CBS-code, bijv. WK036339.")],
    fmt: Annotated[str, typer.Option("--format", help="text of json")] = "text",
) -> None:
    """Toon de geschiedenis van één gebied: codes en namen door de jaren, samenvoegingen,
    splitsingen en hernummeringen, met bewijs en zekerheid."""
    from wijkanalyse.gebieden.lineage import area_history

    if fmt not in ("text", "json"):
        _fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies 'text' of 'json'."))
    with _read_db(_settings(ctx)) as con:
        history = area_history(con, code)
    if fmt == "json":
        sys.stdout.write(json.dumps(history.to_dict(), ensure_ascii=False, indent=2,
                                    default=str) + "\n")
        return
    for line in history.lines:
        console.print(Text(_clean(line)), highlight=False, soft_wrap=True)


@data_app.command("download")
def data_download(
    ctx: typer.Context,
    jaar: Annotated[list[int] | None, typer.Option("--jaar", help="KWB-jaar; herhaal voor "
                    "meer jaren (standaard: alle bekende jaren).")] = None,
    gemeente: Annotated[list[str] | None, typer.Option("--gemeente", help="Alleen deze "
                        "gemeentecode(s), bijv. GM0363.")] = None,
    leefbaarometer: Annotated[bool, typer.Option("--leefbaarometer/--geen-leefbaarometer",
                              help="Ook de Leefbaarometer-scores downloaden.")] = True,
    vernieuw: Annotated[bool, typer.Option("--vernieuw", help="Negeer de cache en haal alles "
                        "opnieuw op.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconden wachten op een "
                       "server die niets stuurt, voor een nieuwe poging volgt.")]
    = 30.0,
) -> None:
    """Download KWB-tabellen (CBS OData) en Leefbaarometer-scores naar de downloadmap."""
    from wijkanalyse.atomicio import io_error
    from wijkanalyse.cbstables import KWB_TABLES
    from wijkanalyse.sources import download

    settings = _settings(ctx)
    years = jaar or sorted(KWB_TABLES)
    with _progress() as prog:
        tasks: dict[str, TaskID] = {}
        status = prog.add_task("Verbinding", total=None, detail="")

        def cb(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = prog.add_task(label, total=total, detail="")
            prog.update(tasks[label], completed=done, total=total)

        def notice(text: str) -> None:
            # what the download waits for, and the countdown to the next try
            prog.update(status, detail=_clean(text))

        try:
            paths = download.download_kwb(
                years, download_dir=settings.download_dir, cache_dir=settings.cache_dir,
                gemeenten=gemeente, force=vernieuw, progress=cb, timeout=timeout,
                notice=notice)
            if leefbaarometer:
                paths += download.download_leefbaarometer(
                    download_dir=settings.download_dir, cache_dir=settings.cache_dir,
                    force=vernieuw, progress=cb, timeout=timeout, notice=notice)
        except WijkanalyseError as exc:
            prog.stop()
            _fail(exc)
        except OSError as exc:
            prog.stop()
            _fail(io_error(Path(exc.filename or settings.cache_dir), exc))
        prog.update(status, detail="klaar", total=1, completed=1)
    for p in paths:
        console.print(_safe(f"  {p}"))
    console.print("Klaar. Laad de downloads met 'wijkanalyse data build'.")


@data_app.command("indicatoren")
def data_indicators(
    domein: Annotated[str | None, typer.Option("--domein", help="Alleen dit domein.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text of json")] = "text",
) -> None:
    """Toon de indicatorencatalogus (id, label, eenheid, domein, soort, weging)."""
    from wijkanalyse.catalogue import load_catalogue

    cat = load_catalogue()
    rows = [i for i in cat if domein is None or i.domain == domein]
    if fmt == "json":
        sys.stdout.write(json.dumps([
            {"id": i.id, "label": i.label, "unit": i.unit, "domain": i.domain,
             "kind": i.kind, "base": i.base, "better": i.better,
             "valid_from": i.valid_from, "valid_to": i.valid_to, "peiljaar": i.peiljaar,
             "numerator": i.numerator, "sum_of": list(i.sum_of), "computed": i.computed,
             "decimals": i.decimals, "signed": i.signed}
            for i in rows
        ], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("id", "label", "eenheid", "domein", "soort", "gewogen met", "beter")
    for i in rows:
        table.add_row(_safe(i.id), _safe(i.label), _safe(i.unit), _safe(i.domain),
                      _safe(i.kind), _safe(i.base or ""),
                      {"higher": "hoger", "lower": "lager"}.get(i.better or "", ""))
    console.print(table)


# --------------------------------------------------------------------------- gebied


@gebied_app.command("add")
def gebied_add(
    ctx: typer.Context,
    naam: Annotated[str, typer.Argument(help="Naam van het gebied, bijv. 'Jol/Galjoen'.")],
    code: Annotated[list[str], typer.Option("--code", help="CBS-code van een buurt of wijk; "
                    "herhaal voor meer codes.")],
    beschrijving: Annotated[str, typer.Option("--beschrijving")] = "",
    auteur: Annotated[str | None, typer.Option("--auteur")] = None,
    vervang: Annotated[bool, typer.Option("--vervang", help="Vervang een bestaand gebied "
                       "met dezelfde naam.")] = False,
    meerdere_gemeenten: Annotated[bool, typer.Option(
        "--meerdere-gemeenten", help="Sta een gebied over gemeentegrenzen toe "
        "(bijv. Parkstad Limburg).")] = False,
) -> None:
    """Leg een eigen gebied vast als verzameling buurten of wijken."""
    from wijkanalyse.gebieden.areas import define_area

    with _write_db(_settings(ctx), purpose="gebied add") as con:
        area = define_area(con, name=naam, codes=code, description=beschrijving,
                           created_by=auteur, replace=vervang,
                           allow_multiple_gemeenten=meerdere_gemeenten)
    console.print(Text.assemble(
        "Gebied ", (_clean(area.name), "bold"), f" ({_clean(area.area_id)}) vastgelegd: "
        f"{len(area.codes)} {_plural(area.level)} in {', '.join(area.gemeente_codes)}."))


@gebied_app.command("import")
def gebied_import(
    ctx: typer.Context,
    bestand: Annotated[Path, typer.Argument(help="YAML- of CSV-bestand met gebieden.")],
    vervang: Annotated[bool, typer.Option("--vervang", help="Vervang bestaande gebieden "
                       "met dezelfde naam.")] = False,
    meerdere_gemeenten: Annotated[bool, typer.Option(
        "--meerdere-gemeenten", help="Sta gebieden over gemeentegrenzen toe.")] = False,
) -> None:
    """Lees gebieden uit een YAML- of CSV-bestand."""
    from wijkanalyse.gebieden import load_area_file

    with _write_db(_settings(ctx), purpose="gebied import") as con:
        areas = load_area_file(con, bestand, replace=vervang,
                               allow_multiple_gemeenten=meerdere_gemeenten)
    for a in areas:
        console.print(_safe(f"  {a.area_id}: {a.name} ({len(a.codes)} {_plural(a.level)})"))


@gebied_app.command("list")
def gebied_list(ctx: typer.Context) -> None:
    """Toon de eigen gebieden."""
    from wijkanalyse.gebieden.areas import list_areas

    with _read_db(_settings(ctx)) as con:
        df = list_areas(con)
    if df.empty:
        console.print("Nog geen eigen gebieden. Voeg er een toe met "
                      "'wijkanalyse gebied add NAAM --code BU... --code BU...'.")
        return
    table = Table("id", "naam", "gemeente", "niveau", "delen", "beschrijving")
    for row in df.itertuples(index=False):
        table.add_row(_safe(row.area_id), _safe(row.name), _safe(row.gemeente_code),
                      _safe(row.level), _safe(row.n_codes), _safe(row.description))
    console.print(table)


@gebied_app.command("show")
def gebied_show(
    ctx: typer.Context,
    gebied: Annotated[str, typer.Argument(help="Id of naam van het gebied.")],
    jaar: Annotated[list[int] | None, typer.Option("--jaar")] = None,
    indicator: Annotated[list[str] | None, typer.Option("--indicator")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json of csv")] = "text",
) -> None:
    """Toon een gebied met zijn correct samengestelde cijfers."""
    from wijkanalyse.gebieden.areas import area_values, get_area

    with _read_db(_settings(ctx)) as con:
        area = get_area(con, gebied)
        df = area_values(con, area.area_id, indicators=indicator, years=jaar)
    if fmt == "csv":
        sys.stdout.write(csv_frame(df).to_csv(index=False))
        return
    if fmt == "json":
        sys.stdout.write(df.to_json(orient="records", force_ascii=False, indent=2) + "\n")
        return
    console.print(Text.assemble((_clean(area.name), "bold"), _clean(
        f" ({area.area_id}), {area.gemeente_code}: {', '.join(area.codes)}")))
    from wijkanalyse.catalogue import load_catalogue

    cat = load_catalogue()
    table = Table("indicator", "label", "jaar", "waarde", "eenheid", "volledig", "toelichting")
    for r in df.itertuples(index=False):
        ind = cat.indicators.get(r.indicator_id)
        decimals = 0 if ind is not None and ind.kind == "count" else 1
        table.add_row(_safe(r.indicator_id), _safe(ind.label if ind else ""), str(r.year),
                      _nl_number(r.value, decimals=decimals), _safe(ind.unit if ind else ""),
                      "ja" if r.complete else "nee", _safe(r.reason or ""))
    console.print(table)


@gebied_app.command("remove")
def gebied_remove(
    ctx: typer.Context,
    gebied: Annotated[str, typer.Argument(help="Id van het gebied.")],
) -> None:
    """Verwijder een eigen gebied."""
    from wijkanalyse.gebieden.areas import remove_area

    with _write_db(_settings(ctx), purpose="gebied remove") as con:
        remove_area(con, gebied)
    console.print(_safe(f"Gebied {gebied} verwijderd."))


# --------------------------------------------------------------------------- profiel


@app.command("profiel")
def profiel(
    ctx: typer.Context,
    naam: Annotated[str, typer.Argument(help="Naam of CBS-code van een wijk, buurt, gemeente "
                                        "of eigen gebied, bijv. 'Angelslo' of WK011443.")],
    gemeente: Annotated[str | None, typer.Option("--gemeente", help="Gemeente (naam of code) "
                        "als de naam in meer gemeenten voorkomt.")] = None,
    jaar: Annotated[int | None, typer.Option("--jaar", help="Jaar van de kerncijfers "
                    "(standaard het laatste jaar met cijfers).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Map voor het rapport "
                   "(standaard ./rapporten).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="rapport (HTML, PDF en Excel met alle "
                   "indicatoren), html, pdf, xlsx of json (JSON naar het scherm, of naar --out "
                   "als die is opgegeven).")]
    = "rapport",
) -> None:
    """Maak het wijkprofiel: kerncijfers, ontwikkeling, signalen, vergelijkbare wijken,
    ligging, aanpakken en verhalen, bronnen."""
    from wijkanalyse.gebieden.subjects import resolve_subject
    from wijkanalyse.model import to_dict
    from wijkanalyse.profiel.assemble import build_profile

    formats = {"rapport": ("html", "pdf", "xlsx"), "html": ("html",), "pdf": ("pdf",),
               "xlsx": ("xlsx",), "json": ("json",)}.get(fmt)
    if formats is None:
        _fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies rapport, html, pdf, xlsx of "
                               "json."))
    if out is not None or formats != ("json",):
        _check_out(out or Path("rapporten"))
    with _read_db(_settings(ctx)) as con, err_console.status("Profiel samenstellen…"):
        subject = resolve_subject(con, naam, gemeente=gemeente, year=jaar)
        if subject.resolution:
            err_console.print(_safe(subject.resolution, style="yellow"))
        with content_db(_settings(ctx), create=False) as content:
            prof = build_profile(con, subject, year=jaar, content=content)
            prof = _with_programmes(prof, content)
    if formats == ("json",) and out is None:
        sys.stdout.write(json.dumps(to_dict(prof), ensure_ascii=False, indent=2) + "\n")
        return
    from wijkanalyse.profiel.report import write_report

    with err_console.status("Rapport schrijven…"):
        paths = write_report(prof, out or Path("rapporten"), formats=formats)
    console.print(Text.assemble("Wijkprofiel ", (_clean(prof.subject.name), "bold"),
                                _clean(f" ({prof.subject.gemeente_name}, {prof.year}):")))
    for kind, path in paths.items():
        console.print(_safe(f"  {kind}: {path}"))


def _with_programmes(prof: Profile, content: ContentStore | None) -> Profile:
    """The profile with the partners and money of the knowledge programmes its wijk takes
    part in (the programmes of ``wijkanalyse programma`` in the content store), if any."""
    if content is None:
        return prof
    from wijkanalyse.profiel import with_section
    from wijkanalyse.programma import SECTION_KEY, ContentProgrammeStore, profile_section

    s = prof.subject
    section = profile_section(ContentProgrammeStore(content), subject_id=s.id, codes=s.members)
    return prof if section is None else with_section(prof, SECTION_KEY, section)


# --------------------------------------------------------------------------- verhalen


def _add_story_cmd(ctx: typer.Context, bestand: Path, gebied: str | None, auteur: str | None,
                   gemeente: str | None, kind: str) -> None:
    from wijkanalyse.verhalen import add_story_from_file

    settings = _settings(ctx)
    with _read_db(settings) as con, content_db(settings) as content:
        assert content is not None
        story = add_story_from_file(con, content, bestand, area=gebied, author=auteur,
                                    kind=kind, gemeente=gemeente)
    console.print(_safe(f"{kind.capitalize()} {story.story_id} toegevoegd bij "
                        f"{story.area_code}: {story.title} ({story.author}, {story.date})."))


def _list_stories_cmd(ctx: typer.Context, gebied: str | None, kind: str) -> None:
    from wijkanalyse.verhalen.stories import list_stories

    settings = _settings(ctx)
    with _read_db(settings) as con, content_db(settings, create=False) as content:
        df = list_stories(con, content, area=gebied, kind=kind)
    if df.empty:
        console.print(f"Nog geen {_plural(kind)}. Voeg er een toe met 'wijkanalyse {kind} add "
                      "bestand.md --gebied CODE'.", highlight=False, markup=False)
        return
    table = Table("id", "gebied", "titel", "auteur", "datum")
    for r in df.itertuples(index=False):
        table.add_row(_safe(r.story_id), _safe(r.area_code), _safe(r.title), _safe(r.author),
                      _safe(r.story_date))
    console.print(table)


def _remove_story_cmd(ctx: typer.Context, story_id: int, door: str, kind: str) -> None:
    from wijkanalyse.verhalen.stories import remove_story

    settings = _settings(ctx)
    with _read_db(settings), content_db(settings) as content:
        assert content is not None
        remove_story(content, story_id, removed_by=door)
    console.print(f"{kind.capitalize()} {story_id} verwijderd (de geschiedenis blijft bewaard).")


_BESTAND = typer.Argument(help="Markdown-bestand, eventueel met kop (--- titel/auteur/datum/"
                          "gebied ---).")
_GEBIED = typer.Option("--gebied", help="CBS-code of id van het gebied (anders uit de kop).")
_AUTEUR = typer.Option("--auteur", help="Auteur (anders uit de kop).")
_GEMEENTE = typer.Option("--gemeente", help="Gemeente, als de gebiedsnaam in meer gemeenten "
                         "voorkomt.")


def _show_story_cmd(ctx: typer.Context, story_id: int, history: bool) -> None:
    from wijkanalyse.verhalen.stories import get_story, story_history

    settings = _settings(ctx)
    with _read_db(settings), content_db(settings) as content:
        assert content is not None
        story = get_story(content, story_id, include_removed=history)
        hist = story_history(content, story_id) if history else None
    console.print(Text.assemble((_clean(story.title), "bold"), _clean(
        f" ({story.kind} {story.story_id}, {story.area_code}) — {story.author}, {story.date}")))
    if hist is None:
        console.print(_safe(story.body_markdown))
        return
    table = Table("versie", "wanneer", "door", "actie", "gewijzigd")
    for r in hist.itertuples(index=False):
        table.add_row(_safe(r.version), _safe(r.changed_at), _safe(r.changed_by),
                      _safe(r.action), _safe(r.changed_fields))
    console.print(table)


@verhaal_app.command("add")
def verhaal_add(ctx: typer.Context, bestand: Annotated[Path, _BESTAND],
                gebied: Annotated[str | None, _GEBIED] = None,
                auteur: Annotated[str | None, _AUTEUR] = None,
                gemeente: Annotated[str | None, _GEMEENTE] = None) -> None:
    """Voeg een verhaal (interview, veldnotitie) toe uit een Markdown-bestand."""
    _add_story_cmd(ctx, bestand, gebied, auteur, gemeente, "verhaal")


@verhaal_app.command("list")
def verhaal_list(ctx: typer.Context, gebied: Annotated[str | None, typer.Option(
        "--gebied", help="Alleen verhalen bij dit gebied.")] = None) -> None:
    """Toon de verhalen."""
    _list_stories_cmd(ctx, gebied, "verhaal")


@verhaal_app.command("remove")
def verhaal_remove(ctx: typer.Context, story_id: Annotated[int, typer.Argument(help="Id.")],
                   door: Annotated[str, typer.Option("--door", help="Wie verwijdert.")]) -> None:
    """Verwijder een verhaal (de geschiedenis blijft bewaard)."""
    _remove_story_cmd(ctx, story_id, door, "verhaal")


@aanpak_app.command("add")
def aanpak_add(ctx: typer.Context, bestand: Annotated[Path, _BESTAND],
               gebied: Annotated[str | None, _GEBIED] = None,
               auteur: Annotated[str | None, _AUTEUR] = None,
               gemeente: Annotated[str | None, _GEMEENTE] = None) -> None:
    """Leg een aanpak vast uit een Markdown-bestand (kop: partners, financiering, startjaar,
    eindjaar, resultaat)."""
    _add_story_cmd(ctx, bestand, gebied, auteur, gemeente, "aanpak")


@aanpak_app.command("list")
def aanpak_list(ctx: typer.Context, gebied: Annotated[str | None, typer.Option(
        "--gebied", help="Alleen aanpakken bij dit gebied.")] = None) -> None:
    """Toon de aanpakken."""
    _list_stories_cmd(ctx, gebied, "aanpak")


@aanpak_app.command("remove")
def aanpak_remove(ctx: typer.Context, story_id: Annotated[int, typer.Argument(help="Id.")],
                  door: Annotated[str, typer.Option("--door", help="Wie verwijdert.")]) -> None:
    """Verwijder een aanpak (de geschiedenis blijft bewaard)."""
    _remove_story_cmd(ctx, story_id, door, "aanpak")


@verhaal_app.command("show")
def verhaal_show(ctx: typer.Context, story_id: Annotated[int, typer.Argument(help="Id.")],
                 geschiedenis: Annotated[bool, typer.Option(
                     "--geschiedenis", help="Toon alle versies in plaats van de tekst.")]
                 = False) -> None:
    """Toon een verhaal, of met --geschiedenis al zijn versies."""
    _show_story_cmd(ctx, story_id, geschiedenis)


@aanpak_app.command("show")
def aanpak_show(ctx: typer.Context, story_id: Annotated[int, typer.Argument(help="Id.")],
                geschiedenis: Annotated[bool, typer.Option(
                    "--geschiedenis", help="Toon alle versies in plaats van de tekst.")]
                = False) -> None:
    """Toon een aanpak, of met --geschiedenis al zijn versies."""
    _show_story_cmd(ctx, story_id, geschiedenis)


#: Dutch plurals of the nouns the commands count.
_PLURALS = {"verhaal": "verhalen", "aanpak": "aanpakken", "buurt": "buurten", "wijk": "wijken",
            "gemeente": "gemeenten", "gebied": "gebieden"}


def _plural(noun: str) -> str:
    return _PLURALS.get(noun, f"{noun}en")


def main() -> None:
    """Entry point of the ``wijkanalyse`` script."""
    app()
