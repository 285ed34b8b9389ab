"""``wijkanalyse kennis``: the kennisdossier of interventions on the command line.

Browse (``list``, ``show``), search (``zoek``), match to an area (``match``), add and edit
(``add``), validate (``check``), export (``export``), record where an intervention was applied
(``toepassen``, ``toepassingen``, ``toepassing-verwijder``) and follow the history
(``geschiedenis``, ``herstel``, ``verwijder``). Every command calls one function of
:mod:`wijkanalyse.kennis` (search: :mod:`wijkanalyse.kennis.search`, matching:
:mod:`wijkanalyse.kennis.match`). The shipped catalogue is loaded into the database when it is
not there yet or has changed (:func:`wijkanalyse.kennis.ensure_catalogue`); the versions
people store (``add``, ``verwijder``, ``herstel``) go to the content store, where the web editor
writes too, and every command reads the shipped catalogue with those versions applied.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from wijkanalyse.cli.util import (
    cell_text,
    check_out,
    clean_text,
    console,
    content_db,
    err_console,
    fail,
    nl_cell,
    read_db,
    settings_from,
    write_db,
)
from wijkanalyse.errors import WijkanalyseError

if TYPE_CHECKING:
    import duckdb

    from wijkanalyse.content import ContentStore

app = typer.Typer(
    help="Kennisdossier: interventies (wat werkt in de wijk), zoeken, koppelen aan een wijk en "
         "vastleggen waar ze zijn toegepast.",
    no_args_is_help=True,
)


@contextmanager
def _db(ctx: typer.Context) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the shipped catalogue loaded; errors for people end the command.

    The connection reads under the shared lock; the shipped catalogue is brought up to date
    first (a short write) when it is not in sync. No command writes anything else to the
    analytical database: the versions people store go to the content store (:func:`_kennis`).
    """
    import duckdb

    from wijkanalyse import kennis

    settings = settings_from(ctx)
    try:
        with read_db(settings) as con:
            in_sync = kennis.catalogue_in_sync(con)
        if in_sync:
            with read_db(settings) as con:
                yield con
            return
        with write_db(settings, purpose="kennis (catalogus bijwerken)") as con:
            kennis.ensure_catalogue(con)
            yield con
    except WijkanalyseError as exc:
        fail(exc)
    except duckdb.Error as exc:
        from wijkanalyse import store

        fail(store.database_error(settings.db_path, exc))


@contextmanager
def _kennis(ctx: typer.Context, *, create: bool = False
            ) -> Iterator[tuple[duckdb.DuckDBPyConnection, ContentStore | None]]:
    """:func:`_db` and the content store with the stored versions (``create``: made when
    there is none yet, for the commands that write a version; else ``None`` without one)."""
    with _db(ctx) as con, content_db(settings_from(ctx), create=create) as content:
        try:
            yield con, content
        except WijkanalyseError as exc:
            fail(exc)


def _table(*headers: str, title: str | None = None, no_wrap: tuple[str, ...] = ()) -> Table:
    """A table whose long words fold onto the next line instead of being cut off."""
    table = Table(title=title)
    for header in headers:
        table.add_column(header, no_wrap=header in no_wrap, overflow="fold")
    return table


def _t(value: object) -> Text:
    """A table cell with text as given (no Rich markup, no control characters)."""
    return Text(cell_text(value))


def _labels(ids: Any, vocab: dict[str, str]) -> Text:
    return Text(clean_text(", ".join(vocab.get(i, str(i)) for i in list(ids))))


_THEMA = typer.Option("--thema", help="Alleen interventies met dit thema (bijv. 'veiligheid').")
_PARTNER = typer.Option("--partner", help="Alleen interventies met deze partner (bijv. "
                        "'woningcorporatie').")
_BEWIJS = typer.Option("--bewijs", help="Alleen interventies met minstens dit bewijsniveau "
                       "(onbekend, 'goed beschreven', 'goed onderbouwd', effectief).")
_ID = typer.Argument(help="Id van de interventie (bijv. buurtbemiddeling).")
_SOORT = typer.Option("--soort", help="Alleen interventies van deze soort (lokale aanpak, "
                      "werkwijze, beleidskader, 'landelijk programma', 'buitenlands "
                      "voorbeeld').")
_FORMAT = typer.Option("--format", help="text (een tabel) of json (naar het scherm).")


def _check_format(fmt: str) -> str:
    value = str(fmt).strip().lower()
    if value not in ("text", "json"):
        fail(WijkanalyseError(f"Onbekend formaat {fmt!r}: kies 'text' of 'json'."))
    return value


def _json_out(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command("list")
def kennis_list(
    ctx: typer.Context,
    thema: Annotated[str | None, _THEMA] = None,
    partner: Annotated[str | None, _PARTNER] = None,
    bewijs: Annotated[str | None, _BEWIJS] = None,
    soort: Annotated[str | None, _SOORT] = None,
    formaat: Annotated[str, _FORMAT] = "text",
) -> None:
    """Toon de interventies, eventueel gefilterd op thema, partner, bewijsniveau of soort."""
    from wijkanalyse import kennis

    fmt = _check_format(formaat)
    with _kennis(ctx) as (con, content):
        df = kennis.list_interventions(con, theme=thema, partner=partner, evidence=bewijs,
                                       kind=soort, content=content)
    if fmt == "json":
        _json_out([{"id": r.intervention_id, "name": r.name, "soort": r.kind,
                    "themes": list(r.themes), "evidence_level": r.evidence_level,
                    "evidence_effect": r.evidence_effect, "summary": r.summary}
                   for r in df.itertuples(index=False)])
        return
    if df.empty:
        console.print("Geen interventies met deze filters.")
        return
    table = _table("id", "naam", "soort", "thema's", "bewijs", title=f"{len(df)} interventies",
                   no_wrap=("id",))
    for r in df.itertuples(index=False):
        evidence = r.evidence_level + ("" if r.evidence_effect == "onbekend"
                                       else f"\neffect: {r.evidence_effect}")
        table.add_row(_t(r.intervention_id), _t(r.name), _t(r.kind),
                      _labels(r.themes, kennis.THEMES), _t(evidence))
    console.print(table)


@app.command("show")
def kennis_show(ctx: typer.Context, interventie: Annotated[str, _ID]) -> None:
    """Toon één interventie volledig, met waar ze is toegepast."""
    import pandas as pd

    from wijkanalyse import kennis

    with _kennis(ctx) as (con, content):
        iv = kennis.get_intervention(con, interventie, content=content)
        applied = kennis.applied_anywhere(con, content, iv.id)
    console.print(Text.assemble((iv.name, "bold"), f"  ({iv.id}, versie {iv.version}, "
                                f"{kennis.ORIGINS.get(iv.origin or '', iv.origin)}, vastgelegd "
                                f"{iv.updated_at} door {iv.updated_by})"))
    console.print(Text(iv.summary))
    grid = Table(show_header=False, box=None, padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows = [
        ("Soort", Text(iv.kind)),
        ("Thema's", _labels(iv.themes, kennis.THEMES)),
        ("Pakt aan", Text("\n".join(a.text() for a in iv.addresses))),
        ("Werkzame bestanddelen", Text("\n".join(f"- {w}" for w in iv.working_elements))),
        ("Bewijs", Text(iv.evidence.level + f" (effect: {iv.evidence.effect})"
                        + (f": {iv.evidence.source}" if iv.evidence.source else ""))),
        ("Partners", _labels(iv.partners, kennis.PARTNERS)),
        ("Financiering", _labels(iv.funding, kennis.FUNDING)),
        ("Kosten", Text(iv.cost.level + (f": {iv.cost.note}" if iv.cost.note else ""))),
        ("Tijdshorizon", Text(iv.horizon.text())),
        ("Valkuilen", Text("\n".join(f"- {p}" for p in iv.pitfalls))),
        ("Wanneer realistisch", Text(iv.context or "–")),
        ("Verwant", Text(", ".join(iv.related))),
        ("Bronnen", Text("\n".join(s.text() for s in iv.sources) or "geen")),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    console.print(grid)
    console.print(Markdown(clean_text(iv.description), hyperlinks=False))
    if applied.empty:
        console.print("Nog nergens als toegepast vastgelegd ('wijkanalyse kennis toepassen').")
        return
    table = _table("nr", "gebied", "periode", "partners", "resultaat", title="Toegepast in")
    for r in applied.itertuples(index=False):
        period = f"sinds {r.year_from}" if pd.isna(r.year_to) else f"{r.year_from}-{r.year_to}"
        table.add_row(_t(r.applied_id), _t(f"{r.area_name} ({r.area_code})"), _t(period),
                      _t(r.partners), _t(r.result_text))
    console.print(table)


@app.command("zoek")
def kennis_zoek(
    ctx: typer.Context,
    vraag: Annotated[str, typer.Argument(help="Zoekwoorden, bijv. \"overlast van buren\".")],
    thema: Annotated[list[str] | None, typer.Option(
        "--thema", help="Alleen deze thema's (herhaalbaar).")] = None,
    partner: Annotated[list[str] | None, typer.Option(
        "--partner", help="Alleen met deze partners (herhaalbaar).")] = None,
    bewijs: Annotated[str | None, _BEWIJS] = None,
    max_aantal: Annotated[int, typer.Option("--max", min=1, help="Hoogstens zoveel "
                                            "resultaten.")] = 20,
    formaat: Annotated[str, _FORMAT] = "text",
) -> None:
    """Zoek in de interventies (volledige tekst, met Nederlandse woordvormen, samenstellingen
    en synoniemen)."""
    from wijkanalyse import kennis
    from wijkanalyse.kennis import search

    fmt = _check_format(formaat)
    with _kennis(ctx) as (con, content):
        themes = [kennis.normalise_theme(t) for t in thema] if thema else None
        partners = [kennis.normalise_partner(p) for p in partner] if partner else None
        evidence = kennis.normalise_evidence(bewijs) if bewijs else None
        df = search(con, vraag, themes=themes, partners=partners, evidence=evidence,
                    limit=max_aantal, content=content)
    if fmt == "json":
        _json_out({"query": vraag, "results": [
            {"rank": rank, "id": r.id, "name": r.name, "score": float(r.score),
             "soort": r.soort, "reasons": list(r.reasons), "snippet": r.snippet,
             "themes": list(r.themes), "evidence_level": r.evidence_level}
            for rank, r in enumerate(df.itertuples(index=False), start=1)]})
        return
    if df.empty:
        console.print(Text(f"Niets gevonden voor {vraag!r}."))
        return
    table = _table("nr", "interventie", "score", "bewijs", "fragment",
                   title=f"Gevonden voor {vraag!r}")
    for rank, r in enumerate(df.itertuples(index=False), start=1):
        table.add_row(str(rank), Text(f"{r.name}\n({r.id}, {r.soort})"),
                      Text(nl_cell(float(r.score), decimals=2)), _t(r.evidence_level),
                      _t(r.snippet + ("\n" + "; ".join(r.reasons) if r.reasons else "")))
    console.print(table)


@app.command("match")
def kennis_match(
    ctx: typer.Context,
    gebied: Annotated[str, typer.Argument(help="Wijk, buurt, gemeente of eigen gebied "
                                          "(naam of CBS-code).")],
    gemeente: Annotated[str | None, typer.Option(
        "--gemeente", help="Gemeente, als de naam in meer gemeenten voorkomt.")] = None,
    max_aantal: Annotated[int, typer.Option("--max", min=1, help="Hoogstens zoveel "
                                            "interventies per lijst.")] = 10,
    formaat: Annotated[str, _FORMAT] = "text",
) -> None:
    """Welke interventies passen bij de signalen van een wijk, met uitleg: aanbevelingen,
    voorbeelden ter inspiratie en, zonder signalen boven de drempel, preventieve suggesties."""
    from wijkanalyse.gebieden.subjects import resolve_subject
    from wijkanalyse.kennis import match
    from wijkanalyse.profiel.assemble import build_profile

    fmt = _check_format(formaat)
    with _db(ctx) as con:
        subject = resolve_subject(con, gebied, gemeente=gemeente)
        if subject.resolution:
            err_console.print(Text(clean_text(subject.resolution), style="yellow"))
        with content_db(settings_from(ctx), create=False) as content:
            result = match(con, subject, profile=build_profile(con, subject, content=content),
                           limit=max_aantal, content=content)
    if fmt == "json":
        _json_out({"subject": {"id": subject.id, "name": subject.name, "kind": subject.kind,
                               "gemeente": subject.gemeente_name}, **result.to_dict()})
        return
    title = f"Interventies voor {subject.name} ({subject.id})"
    for note in result.notes:
        console.print(Text(note))
    blocks = (("Aanbevolen", result.recommendations), ("Preventief", result.preventive),
              ("Ter inspiratie (landelijke programma's en buitenlandse voorbeelden; geen "
               "aanbeveling)", result.inspiration))
    if not any(items for _, items in blocks):
        console.print(Text(f"{title}: geen passende interventies gevonden (geen signalen of "
                           "geen interventie die erop aansluit)."))
        return
    for label, items in blocks:
        if not items:
            continue
        table = _table("rang", "interventie", "score", "uitleg", title=f"{title}: {label}")
        for m in items:
            lines = list(m.reasons)
            if m.context:
                lines.append(f"Wanneer realistisch: {m.context}")
            table.add_row(str(m.rank), Text(f"{m.name}\n({m.intervention_id}, {m.soort})"),
                          Text(nl_cell(float(m.score), decimals=2)), Text("\n".join(lines)))
        console.print(table)
    for m in result.all():
        for app_ in m.peer_applications:
            period = (f"sinds {app_.start_year}" if app_.end_year is None
                      else f"{app_.start_year}-{app_.end_year}")
            where = f"{app_.peer_name} ({app_.gemeente_name})" if app_.gemeente_name \
                else app_.peer_name
            line = (f"{m.name} in vergelijkbare wijk {where}, {period}: {app_.development}"
                    + (f" Bron: {app_.source}." if app_.source else ""))
            console.print(Text(line))


@app.command("add")
def kennis_add(
    ctx: typer.Context,
    bestand: Annotated[Path, typer.Argument(help="YAML-bestand (<id>.yaml) of Markdown met kop "
                                            "(de tekst is de beschrijving).")],
    auteur: Annotated[str, typer.Option("--auteur", help="Wie dit vastlegt.")],
) -> None:
    """Voeg een interventie toe of leg een nieuwe versie vast (de vorige blijft bewaard)."""
    from wijkanalyse import kennis

    with _kennis(ctx, create=True) as (con, content):
        assert content is not None
        iv = kennis.add_or_update(con, content, bestand, author=auteur)
    console.print(Text(f"Interventie {iv.id} ({iv.name}) vastgelegd als versie {iv.version} "
                       "in de inhoudsdatabase (eerdere versies blijven bewaard)."))


@app.command("check")
def kennis_check(
    paden: Annotated[list[Path] | None, typer.Argument(
        help="Bestanden of mappen (standaard: de meegeleverde catalogus).")] = None,
) -> None:
    """Controleer interventiebestanden: verplichte velden, thema's, indicatoren, verwijzingen."""
    from wijkanalyse import kennis

    try:
        problems = kennis.check_catalogue(paden or None)
        count = len(kennis.intervention_files(paden) if paden else kennis.shipped_files())
    except WijkanalyseError as exc:
        fail(exc)
    if problems:
        for problem in problems:
            console.print(Text(problem), style="red")
        console.print(Text(f"{len(problems)} probleem/problemen in {count} bestand(en)."))
        raise typer.Exit(code=1)
    console.print(Text(f"Alle {count} bestanden zijn in orde."))


@app.command("export")
def kennis_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Map voor de export.")],
    formaat: Annotated[str, typer.Option("--format", help="yaml (één bestand per interventie), "
                                         "json of csv.")] = "yaml",
) -> None:
    """Exporteer de actuele catalogus (ook eigen versies)."""
    from wijkanalyse import kennis

    check_out(out)
    with _kennis(ctx) as (con, content):
        paths = kennis.export_catalogue(con, out, format=formaat, content=content)
    console.print(Text(f"{len(paths)} bestand(en) geschreven naar {out}."))


@app.command("toepassen")
def kennis_toepassen(
    ctx: typer.Context,
    interventie: Annotated[str, _ID],
    gebied: Annotated[str, typer.Option("--gebied", help="Wijk, buurt, gemeente of eigen "
                                        "gebied (naam of CBS-code).")],
    van: Annotated[int, typer.Option("--van", help="Beginjaar.")],
    auteur: Annotated[str, typer.Option("--auteur", help="Wie dit vastlegt.")],
    tot: Annotated[int | None, typer.Option("--tot", help="Eindjaar (leeg: loopt nog).")]
    = None,
    partner: Annotated[list[str] | None, typer.Option(
        "--partner", help="Partner of organisatie (herhaalbaar).")] = None,
    financiering: Annotated[list[str] | None, typer.Option(
        "--financiering", help="Financieringsbron (herhaalbaar).")] = None,
    resultaat: Annotated[str, typer.Option("--resultaat", help="Waargenomen resultaat.")] = "",
    indicator: Annotated[list[str] | None, typer.Option(
        "--indicator", help="Indicator waar het resultaat over gaat (herhaalbaar).")] = None,
    gemeente: Annotated[str | None, typer.Option(
        "--gemeente", help="Gemeente, als de naam in meer gemeenten voorkomt.")] = None,
) -> None:
    """Leg vast dat een interventie in een gebied is (of wordt) toegepast."""
    from wijkanalyse import kennis

    with _db(ctx) as con, content_db(settings_from(ctx)) as content:
        assert content is not None
        applied = kennis.apply_intervention(
            con, content, intervention=interventie, area=gebied, year_from=van, year_to=tot,
            partners=partner or (), funding=financiering or (), result=resultaat,
            indicators=indicator or (), author=auteur, gemeente=gemeente)
    console.print(Text(f"Toepassing {applied.applied_id} vastgelegd: {applied.intervention_name} "
                       f"in {applied.area_kind} {applied.area_name} ({applied.area_code}), "
                       f"{applied.period_text()}."))


@app.command("toepassingen")
def kennis_toepassingen(
    ctx: typer.Context,
    gebied: Annotated[str | None, typer.Option(
        "--gebied", help="Alleen wat in dit gebied (of een wijk eromheen, een buurt erin) is "
        "toegepast.")] = None,
    interventie: Annotated[str | None, typer.Option(
        "--interventie", help="Alleen deze interventie.")] = None,
    gemeente: Annotated[str | None, typer.Option(
        "--gemeente", help="Gemeente, als de naam in meer gemeenten voorkomt.")] = None,
) -> None:
    """Toon waar interventies zijn toegepast."""
    from wijkanalyse import kennis

    with _db(ctx) as con, content_db(settings_from(ctx), create=False) as content:
        items = kennis.list_applied(con, content, area=gebied, gemeente=gemeente)
        if interventie is not None:
            wanted = kennis.get_intervention(con, interventie, include_removed=True).id
            items = [a for a in items if a.intervention_id == wanted]
    if not items:
        console.print("Geen toepassingen gevonden.")
        return
    table = _table("nr", "interventie", "gebied", "periode", "partners", "financiering",
                   "resultaat", "door")
    for a in items:
        area = f"{a.area_name} ({a.area_code})"
        if a.relation_text and a.relation != "eigen":
            area += f"\n{a.relation_text}"
        table.add_row(_t(a.applied_id), _t(a.intervention_name), _t(area), _t(a.period_text()),
                      _labels(a.partners, kennis.PARTNERS), _labels(a.funding, kennis.FUNDING),
                      _t(a.result_text), _t(a.author))
    console.print(table)


@app.command("toepassing-verwijder")
def kennis_toepassing_verwijder(
    ctx: typer.Context,
    nummer: Annotated[int, typer.Argument(help="Nummer van de toepassing.")],
    door: Annotated[str, typer.Option("--door", help="Wie verwijdert.")],
) -> None:
    """Verwijder een toepassing (de geschiedenis blijft bewaard)."""
    from wijkanalyse import kennis

    with content_db(settings_from(ctx)) as content:
        assert content is not None
        try:
            kennis.remove_applied(content, nummer, removed_by=door)
        except WijkanalyseError as exc:
            fail(exc)
    console.print(f"Toepassing {nummer} verwijderd (de geschiedenis blijft bewaard).")


@app.command("geschiedenis")
def kennis_geschiedenis(ctx: typer.Context, interventie: Annotated[str, _ID]) -> None:
    """Toon alle versies van een interventie: wie, wanneer, wat."""
    from wijkanalyse import kennis

    with _kennis(ctx) as (con, content):
        hist = kennis.intervention_history(con, interventie, content=content)
        shipped = kennis.get_intervention(con, interventie, include_removed=True)
    if hist.empty:
        console.print(Text(f"{shipped.id}: niemand heeft deze interventie gewijzigd; de "
                           f"meegeleverde versie ({shipped.version}, vastgelegd "
                           f"{shipped.updated_at}) is actueel."))
        return
    table = _table("versie", "wanneer", "door", "actie", "gewijzigd", "toelichting",
                   title=f"Geschiedenis van {interventie}")
    for r in hist.itertuples(index=False):
        version = f"{r.version} (actueel)" if r.current else str(r.version)
        action = f"{r.action_label} ({kennis.ORIGINS.get(r.origin, r.origin)})"
        table.add_row(_t(version), _t(str(r.changed_at)[:16].replace("T", " ")),
                      _t(r.changed_by), _t(action), _t(r.changed_fields), _t(r.note))
    console.print(table)


@app.command("herstel")
def kennis_herstel(
    ctx: typer.Context,
    interventie: Annotated[str, _ID],
    auteur: Annotated[str, typer.Option("--auteur", help="Wie dit vastlegt.")],
) -> None:
    """Maak de meegeleverde versie weer actueel (na een eigen wijziging of verwijdering)."""
    from wijkanalyse import kennis

    with _kennis(ctx, create=True) as (con, content):
        assert content is not None
        iv = kennis.restore_shipped(con, content, interventie, author=auteur)
    console.print(Text(f"Meegeleverde versie van {iv.id} hersteld als versie {iv.version}."))


@app.command("verwijder")
def kennis_verwijder(
    ctx: typer.Context,
    interventie: Annotated[str, _ID],
    door: Annotated[str, typer.Option("--door", help="Wie verwijdert.")],
) -> None:
    """Verwijder een interventie uit lijsten en koppelingen (de geschiedenis blijft bewaard)."""
    from wijkanalyse import kennis

    with _kennis(ctx, create=True) as (con, content):
        assert content is not None
        kennis.remove_intervention(con, content, interventie, removed_by=door)
    console.print(Text(f"Interventie {interventie} verwijderd (de geschiedenis blijft bewaard; "
                       "'wijkanalyse kennis herstel' of 'add' maakt haar weer actueel)."))
