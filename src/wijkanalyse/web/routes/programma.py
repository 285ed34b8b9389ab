"""The knowledge programme on the site (issue 16): the public registration form, the public
programme page and the programme team's dashboard.

Routes (every page has a JSON twin, same address with ``.json``):

``GET|POST /programma/{slug}/aanmelden``   registration form (no account); POST shows the
                                           confirmation with the e-mail text to copy
``GET  /programma/{slug}``                 beheerder: the dashboard (registrations, selection
                                           with the explanation per registration, meetings,
                                           attendance, fees); everyone else: the public page
                                           (name, period, participating wijken, meetings;
                                           never fees or contact data)
``POST /programma/{slug}/selectie``        run the selection (beheerder)
``POST /programma/{slug}/bijeenkomsten``   plan the meetings (beheerder)
``POST /programma/{slug}/betaald``         record a payment (beheerder)
``GET  /programma/{slug}/bijdragen.xlsx``  fees paid/unpaid (and ``.csv``; beheerder)

The registration goes through :func:`wijkanalyse.programma.register` (its Dutch messages for a
late, duplicate or incomplete form are shown next to the field they name) and is saved through
the programme store (:class:`~wijkanalyse.programma.ProgrammeStore`: the programmes in the
site's content store, or ``app.state.programma_store``). Spam protection
without third-party services: a honeypot field (``website``, hidden) and a minimum fill time
(:data:`MIN_FILL_S`) from a timestamp signed with the site's secret key; plus the CSRF check of
every form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.background import BackgroundTask

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma import (
    ContentProgrammeStore,
    Programme,
    ProgrammeStore,
    Registration,
    SelectionResult,
    attendance_rows,
    invoices,
    mark_paid,
    plan_meetings,
    register,
    select_for_spread,
    theme_order,
    write_invoices,
)
from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import Role
from wijkanalyse.web.forms import render, text
from wijkanalyse.web.jinja import url_for_subject
from wijkanalyse.web.programma_models import Aanmeldformulier, ProgrammaPagina
from wijkanalyse.web.security import NotFound

__all__ = ["HONEYPOT", "MIN_FILL_S", "fill_token", "load_programme", "router", "store_of"]

router = APIRouter()

#: Seconds a person needs at least to fill in the form (faster: a robot).
MIN_FILL_S = 3.0
#: A form older than this (seconds) is refused: load the page again.
MAX_FILL_S = 2 * 24 * 3600.0
#: The honeypot field: hidden from people, filled in by robots.
HONEYPOT = "website"
_SALT = "programma-aanmelden"
_TEXT_FIELDS = ("gemeente", "wijk", "wijkcodes", "provincie", "themas", "contactpersoon",
                "email", *(f"deelnemer{i}_{k}" for i in (1, 2, 3)
                           for k in ("naam", "organisatie", "discipline")))
_WHERE = re.compile(r"^[^:]*?, rij \d+(?:, kolom '(?P<col>[^']+)')?: ")
_KEPT = "; de aanmelding is bewaard bij de afgewezen rijen"
_manage = [Depends(auth.require_role(Role.BEHEERDER))]
_csrf = [Depends(auth.check_csrf)]


def _today() -> dt.date:
    """The date a registration is received (tests replace it)."""
    return dt.date.today()


def store_of(request: Request) -> ProgrammeStore:
    """``app.state.programma_store`` when set, else the programmes in the site's content store
    (:class:`ContentProgrammeStore`, made once per app).

    Raises
    ------
    NotFound
        The site has no content store, so no programmes.
    """
    state = request.app.state
    store = getattr(state, "programma_store", None)
    if store is not None:
        return store  # type: ignore[no-any-return]
    content = getattr(state, "content", None)
    if content is None:
        raise NotFound("Deze site heeft geen inhoudsdatabase en dus geen programma's. Maak een "
                       "programma met 'wijkanalyse programma nieuw' en start de site opnieuw.")
    state.programma_store = ContentProgrammeStore(content)
    return state.programma_store  # type: ignore[no-any-return]


def load_programme(request: Request, slug: str) -> Programme:
    """The programme ``slug`` from the store (:class:`NotFound` when unknown)."""
    store = store_of(request)
    try:
        if store.exists(slug):
            return store.load(slug)
    except WijkanalyseError as exc:
        raise NotFound(str(exc)) from exc
    raise NotFound(f"Programma {slug!r} bestaat niet. Controleer het adres of vraag het "
                   "programmateam om de juiste link.")


def fill_token(secret_key: str, *, at: float | None = None) -> str:
    """The signed time (``at``, default now) the form was shown."""
    return str(URLSafeSerializer(secret_key, salt=_SALT).dumps(at if at is not None
                                                               else time.time()))


def _fill_error(secret_key: str, token: str, honeypot: str) -> str:
    """'' when the form looks filled in by a person, else the Dutch message."""
    if honeypot:
        return ("De aanmelding is niet verwerkt: een verborgen veld is ingevuld. Laat het veld "
                "'website' leeg en verstuur het formulier opnieuw.")
    try:
        shown = float(URLSafeSerializer(secret_key, salt=_SALT).loads(token))
    except (BadSignature, TypeError, ValueError):
        return "Het formulier is verlopen of beschadigd. Laad de pagina opnieuw en vul het in."
    age = time.time() - shown
    if age < MIN_FILL_S:
        return (f"Het formulier is binnen {MIN_FILL_S:.0f} seconden verstuurd; dat lijkt op een "
                "robot. Controleer uw gegevens en verstuur het opnieuw.")
    if age > MAX_FILL_S:
        return "Het formulier is verlopen. Laad de pagina opnieuw en vul het opnieuw in."
    return ""


def _db(request: Request) -> Any:
    return getattr(request.app.state, "db", None)


def _open(programme: Programme) -> bool:
    return _today() <= programme.deadline


def _visitor_may_register(request: Request, programme: Programme) -> None:
    """On a site that is not public the form is open without login only while registration
    is open (:data:`auth.OPEN_PATTERNS`); afterwards a visitor has to log in."""
    if (not auth.settings_of(request).public and auth.user_from_request(request) is None
            and not _open(programme)):
        raise auth.LoginRequired(request.url.path[len(auth.base_path(request)):] or "/")


def _form_context(request: Request, programme: Programme, form: dict[str, str],
                  errors: dict[str, str]) -> dict[str, Any]:
    return {"programme": programme, "form": form, "errors": errors, "open": _open(programme),
            "fill_token": fill_token(auth.settings_of(request).secret_key),
            "honeypot": HONEYPOT, "title": f"Aanmelden: {programme.name}"}


def _form_json(programme: Programme) -> dict[str, Any]:
    return {"programma": programme.slug, "naam": programme.name,
            "aanmelden_tot": programme.deadline.isoformat(), "open": _open(programme),
            "velden": list(_TEXT_FIELDS) + ["partner"],
            "verplicht": ["gemeente", "wijk", "themas", "contactpersoon", "email",
                          "deelnemer1_naam", "deelnemer1_organisatie", "deelnemer2_naam",
                          "deelnemer2_organisatie"]}


@router.get("/programma/{slug}/aanmelden.json", tags=["programma"],
            response_model=Aanmeldformulier,
            summary="De velden van het aanmeldformulier van een kennisprogramma en of "
                    "aanmelden open is", responses={404: {"description": "Onbekend programma"}})
def form_json(request: Request, slug: str) -> JSONResponse:
    """The form's fields and whether registration is open."""
    programme = load_programme(request, slug)
    _visitor_may_register(request, programme)
    return JSONResponse(_form_json(programme))


@router.get("/programma/{slug}/aanmelden", include_in_schema=False)
def form_page(request: Request, slug: str) -> Response:
    """The registration form."""
    programme = load_programme(request, slug)
    _visitor_may_register(request, programme)
    return render(request, "programma/aanmelden.html",
                  _form_context(request, programme, {}, {}))


def _field_errors(reason: str) -> dict[str, str]:
    """A library message -> {field: message without its 'formulier, rij 1' prefix}."""
    found = _WHERE.match(reason)
    col = (found.group("col") if found else None) or "algemeen"
    message = reason[found.end():] if found else reason
    message = message.replace(_KEPT, "")
    if col == "datum":
        col = "algemeen"
    return {col: message[:1].upper() + message[1:]}


def _confirmation_mail(programme: Programme, reg: Registration) -> str:
    people = "\n".join(f"- {p.name} ({p.organisation}"
                       + (f", {p.discipline}" if p.discipline else "") + ")"
                       for p in reg.participants)
    return (f"Onderwerp: Aanmelding {programme.name}: {reg.gemeente}\n\n"
            f"Beste {reg.contact},\n\n"
            f"Wij hebben de aanmelding van {reg.gemeente} voor het kennisprogramma "
            f"'{programme.name}' ontvangen op {reg.received:%d-%m-%Y} (nummer {reg.id}).\n\n"
            f"Wijk: {reg.wijk}\nThema's: {', '.join(reg.themes)}\nDeelnemers:\n{people}\n\n"
            f"De bijdrage is {programme.fee_for(reg):,} euro per stad of regio".replace(",", ".")
            + (" (partnertarief)" if programme.fee_for(reg) == programme.fees.partner_fee
               and programme.fees.partner_fee != programme.fees.non_partner_fee else "")
            + f". Bij meer dan {programme.maximum} aanmeldingen kiest het programmateam de "
            "deelnemers op spreiding over het land, thema's en soorten wijken; u hoort "
            "daarna of uw wijk meedoet.\n\nMet vriendelijke groet,\nHet programmateam\n")


def _register_locked(request: Request, slug: str, form: dict[str, str]
                     ) -> Registration | dict[str, str]:
    store = store_of(request)
    db = _db(request)
    with store.editing(slug, purpose="aanmelding via de website") as programme:
        def take(resolver: Any = None) -> Any:
            return register(programme, form, source="webformulier", resolver=resolver)

        out: Any
        if db is not None:
            from wijkanalyse.programma.database import complete_from_database, db_resolver

            def with_db(con: Any) -> Any:
                got = take(db_resolver(con))
                if isinstance(got, Registration):
                    got = complete_from_database(con, [got])[0]
                return got

            try:
                out = db.run(with_db)
            except WijkanalyseError:  # no database at hand: an own area, noted
                out = take()
        else:
            out = take()
        if isinstance(out, Registration):
            reg = dataclasses.replace(out, source=f"webformulier {_today().isoformat()}")
            programme.registrations.append(reg)
            store.save(programme, what=f"aanmelding via de website: {reg.gemeente} "
                                       f"({reg.wijk})", who=form.get("email", ""))
            return reg
        if "te laat" in out.reason or "al aangemeld" in out.reason:
            programme.rejected.append(out)  # the team sees it; the visitor cannot fix it
            store.save(programme, what=f"afgewezen aanmelding via de website: "
                                       f"{form.get('gemeente', '')}", who=form.get("email", ""))
        return _field_errors(out.reason)


@router.post("/programma/{slug}/aanmelden", dependencies=_csrf, include_in_schema=False)
async def form_post(request: Request, slug: str) -> Response:
    """Check the form (spam, then the library's rules); save and confirm, or show the errors
    next to the fields (400)."""
    programme = load_programme(request, slug)
    _visitor_may_register(request, programme)
    raw = await request.form()
    form = {k: text(raw, k) for k in _TEXT_FIELDS}
    form["partner"] = "ja" if text(raw, "partner") == "ja" else "nee"
    spam = _fill_error(auth.settings_of(request).secret_key, text(raw, "formtijd"),
                       text(raw, HONEYPOT))
    if spam:
        return render(request, "programma/aanmelden.html",
                      _form_context(request, programme, form, {"algemeen": spam}),
                      status_code=400)
    values = {**form, "datum": _today().isoformat()}
    out = await run_in_threadpool(_register_locked, request, slug, values)
    if isinstance(out, dict):
        return render(request, "programma/aanmelden.html",
                      _form_context(request, programme, form, out), status_code=400)
    return render(request, "programma/bevestiging.html",
                  {"programme": programme, "reg": out, "title": "Aanmelding ontvangen",
                   "mail": _confirmation_mail(programme, out),
                   "programme_link": auth.settings_of(request).public
                   or auth.user_from_request(request) is not None})


# --------------------------------------------------------------------------- programme pages


def _wijk_url(reg: Registration) -> str:
    return url_for_subject(reg.wijk_codes[0]) if reg.wijk_codes else ""


def public_view(programme: Programme) -> dict[str, Any]:
    """What anyone may see: name, period, participating wijken (with links), meetings."""
    return {
        "programma": programme.slug, "naam": programme.name,
        "periode": {"van": programme.period_start.isoformat(),
                    "tot": programme.period_end.isoformat()},
        "aanmelden_tot": programme.deadline.isoformat(),
        "wijken": [{"gemeente": r.gemeente, "wijk": r.wijk, "codes": list(r.wijk_codes),
                    "url": _wijk_url(r)} for r in programme.participating()],
        "selectie_gemaakt": programme.selection is not None,
        "bijeenkomsten": [{"nummer": m.number, "datum": m.date.isoformat(), "thema": m.theme,
                           "gastwijk": m.host_wijk, "gastgemeente": m.host_gemeente}
                          for m in programme.meetings],
    }


def _selection(programme: Programme) -> SelectionResult | None:
    return select_for_spread(programme) if programme.selection is not None else None


def team_view(programme: Programme) -> dict[str, Any]:
    """The dashboard's data: everything of :func:`public_view` plus registrations (with
    contact data), rejected forms, the selection explained, attendance and fees."""
    result = _selection(programme)
    fees = invoices(programme)
    return {
        **public_view(programme),
        "aanmeldingen": [dataclasses.asdict(r) | {"received": r.received.isoformat()}
                         for r in programme.registrations],
        "afgewezen": [dataclasses.asdict(r) for r in programme.rejected],
        "maximum": programme.maximum,
        "selectie": None if result is None else {
            "nodig": result.needed, "gekozen": list(result.selected),
            "spreiding": result.objective, "gemaakt": programme.selection.made
            if programme.selection else "",
            "besluiten": [dataclasses.asdict(d) for d in result.decisions],
            "spreidingstabel": result.table},
        "aanwezigheid": attendance_rows(programme),
        "bijdragen": fees.to_dict(orient="records"),
        "totaal": {"bedrag": int(fees["bedrag"].sum()) if len(fees) else 0,
                   "betaald": int(fees.loc[fees["betaald"] == "ja", "bedrag"].sum())
                   if len(fees) else 0},
    }


@router.get("/programma/{slug}.json", tags=["programma"], response_model=ProgrammaPagina,
            summary="Een kennisprogramma als JSON: het openbare deel, voor een beheerder met "
                    "aanmeldingen, selectie, aanwezigheid en bijdragen",
            responses={404: {"description": "Onbekend programma"}})
def programme_json(request: Request, slug: str) -> JSONResponse:
    """The dashboard's data for a beheerder, the public data for everyone else."""
    programme = load_programme(request, slug)
    manager = auth.can_manage(auth.user_from_request(request))
    data = team_view(programme) if manager else public_view(programme)
    return JSONResponse(data)


@router.get("/programma/{slug}", include_in_schema=False)
def programme_page(request: Request, slug: str, melding: str = "") -> Response:
    """The dashboard (beheerder) or the public page."""
    programme = load_programme(request, slug)
    if not auth.can_manage(auth.user_from_request(request)):
        return render(request, "programma/openbaar.html",
                      {"programme": programme, "view": public_view(programme),
                       "title": programme.name})
    return _dashboard(request, programme, melding=melding)


def _dashboard(request: Request, programme: Programme, *, melding: str = "",
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    view = team_view(programme)
    themes = [t for t, _ in theme_order(programme)]
    return render(request, "programma/team.html",
                  {"programme": programme, "view": view, "melding": melding,
                   "errors": errors or {}, "themes": ", ".join(themes[:programme.n_meetings]),
                   "title": f"Programmateam: {programme.name}"}, status_code=status_code)


def _go(request: Request, slug: str, melding: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(auth.url(request, f"/programma/{slug}?melding={quote(melding)}"),
                            status_code=303)


def _run_selection(request: Request, slug: str) -> str:
    store = store_of(request)
    db = _db(request)
    with store.editing(slug, purpose="selectie via de website") as programme:
        if db is not None and any(not r.trend_class or r.inwoners is None
                                  for r in programme.registrations):
            from wijkanalyse.programma.database import complete_from_database

            regs = programme.registrations
            try:
                programme.registrations = db.run(lambda con: complete_from_database(con, regs))
            except WijkanalyseError:
                pass  # no database: select on what the registrations say
        result = select_for_spread(programme)
        programme.selection = result.record()
        who = auth.user_from_request(request)
        store.save(programme, what=f"selectie: {len(result.selected)} van "
                                   f"{len(programme.registrations)}",
                   who=who.email if who else "")
    return (f"Selectie gemaakt: {len(result.selected)} van {len(programme.registrations)} "
            "aanmeldingen.")


@router.post("/programma/{slug}/selectie", dependencies=[*_csrf, *_manage],
             include_in_schema=False)
async def run_selection(request: Request, slug: str) -> Response:
    """Run the selection for spread and keep it."""
    load_programme(request, slug)
    return _go(request, slug, await run_in_threadpool(_run_selection, request, slug))


def _plan(request: Request, slug: str, themes: list[str]) -> str:
    store = store_of(request)
    db = _db(request)
    if db is None:
        raise WijkanalyseError("Geen database: de ligging van de wijken is nodig om de "
                               "bijeenkomsten te spreiden ('wijkanalyse data build').")
    from wijkanalyse.programma.database import centroids, with_gemeente_codes

    with store.editing(slug, purpose="bijeenkomsten plannen via de website") as programme:
        if not themes:
            themes = [t for t, _ in theme_order(programme)[:programme.n_meetings]]
        regs = programme.participating()
        coords = db.run(lambda con: centroids(con, with_gemeente_codes(con, regs)))
        programme.meetings = plan_meetings(programme, themes, coords=coords)
        who = auth.user_from_request(request)
        store.save(programme, what="bijeenkomsten gepland: " + ", ".join(themes),
                   who=who.email if who else "")
    return f"{len(themes)} bijeenkomsten gepland: " + ", ".join(themes) + "."


@router.post("/programma/{slug}/bijeenkomsten", dependencies=[*_csrf, *_manage],
             include_in_schema=False)
async def plan(request: Request, slug: str) -> Response:
    """Plan the meetings: the themes given (comma-separated), else the top of the stored
    rankings (``/programma/{slug}/themas``), else the most chosen ones."""
    programme = load_programme(request, slug)
    raw = await request.form()
    themes = [t.strip() for t in text(raw, "themas").split(",") if t.strip()]
    try:
        melding = await run_in_threadpool(_plan, request, slug, themes)
    except WijkanalyseError as exc:
        return _dashboard(request, programme, errors={"themas": str(exc)}, status_code=400)
    return _go(request, slug, melding)


@router.post("/programma/{slug}/betaald", dependencies=[*_csrf, *_manage],
             include_in_schema=False)
async def paid(request: Request, slug: str) -> Response:
    """Record that a participating city or region paid (today, or the date given)."""
    programme = load_programme(request, slug)
    raw = await request.form()
    reg_id, day = text(raw, "id"), text(raw, "datum")
    try:
        on = dt.date.fromisoformat(day) if day else _today()
    except ValueError:
        return _dashboard(request, programme, status_code=400, errors={
            "betaald": f"Ongeldige datum {day!r}: schrijf de datum als 2016-12-01."})
    store = store_of(request)
    try:
        with store.editing(slug, purpose="betaling via de website") as prog:
            mark_paid(prog, reg_id, on=on)
            store.save(prog, what=f"betaald: {reg_id} op {on.isoformat()}")
    except WijkanalyseError as exc:
        return _dashboard(request, programme, errors={"betaald": str(exc)}, status_code=400)
    return _go(request, slug, f"Betaling van {reg_id} vastgelegd op {on:%d-%m-%Y}.")


@router.get("/programma/{slug}/bijdragen.{ext}", dependencies=_manage,
            include_in_schema=False)
def fees_export(request: Request, slug: str, ext: str) -> Response:
    """The fees, paid and unpaid, as Excel or CSV (formula-safe, with a total row)."""
    if ext not in ("xlsx", "csv"):
        raise HTTPException(status_code=404, detail=f"Onbekend formaat {ext!r}: kies .xlsx of "
                                                    ".csv.")
    programme = load_programme(request, slug)
    tmp = Path(tempfile.mkdtemp(prefix="bijdragen-"))
    path = write_invoices(programme, tmp / f"bijdragen-{slug}.{ext}")
    media = ("text/csv; charset=utf-8" if ext == "csv" else
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        tmp.rmdir()

    return FileResponse(path, media_type=media, filename=path.name,
                        background=BackgroundTask(cleanup))
