"""The theme rankings of a knowledge programme (issue 16, item 4): participants rank the
candidate themes on a web form; the beheerder's *bijeenkomsten plannen* and the CLI take the
Borda count of the stored rankings.

Routes:

``GET|POST /programma/{slug}/themas``   the form: a logged-in deelnemer of a gemeente of a
                                        participating registration ranks the candidate themes
                                        (the themes the participating registrations bring) with
                                        a place per theme; a beheerder may rank for any
                                        participating registration. A later ranking of the
                                        same registration replaces the earlier one.
``GET  /programma/{slug}/themas.json``  the JSON twin: candidates, the Borda order of the
                                        stored rankings, how many were received and which
                                        participants have not ranked yet (no contact data)

A deelnemer's registrations are the participating ones whose gemeente codes (or the gemeente
of their wijk codes) are among the account's gemeenten (as :func:`auth.can_edit_area`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse

from wijkanalyse.codes import name_key
from wijkanalyse.programma import (
    Programme,
    Registration,
    candidate_themes,
    rank_themes,
    theme_order,
)
from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import Role, User
from wijkanalyse.web.forms import render, text
from wijkanalyse.web.programma_models import ThemaVoorkeuren
from wijkanalyse.web.routes.programma import load_programme, store_of

__all__ = ["parse_ranking", "rankable", "router", "themes_view"]

router = APIRouter()

_THEME_FIELD = re.compile(r"^thema(\d+)$")


def _gemeenten(reg: Registration) -> set[str]:
    """The GM codes a registration stands for: its gemeente codes, else those of its wijken."""
    codes = {g.upper() for g in reg.gemeente_codes}
    codes |= {g for g in (auth.area_gemeente(w) for w in reg.wijk_codes) if g}
    return codes


def rankable(user: User | None, programme: Programme) -> list[Registration]:
    """The participating registrations ``user`` may rank themes for: all for a beheerder,
    those of the account's gemeenten for a deelnemer (or redacteur), none otherwise."""
    regs = programme.participating()
    if auth.can_manage(user):
        return regs
    if user is None or not auth.has_role(user, Role.DEELNEMER):
        return []
    own = {g.upper() for g in user.gemeenten}
    return [r for r in regs if _gemeenten(r) & own]


def _may_rank(user: User, programme: Programme) -> list[Registration]:
    regs = rankable(user, programme)
    if not regs:
        raise HTTPException(
            status_code=403,
            detail=f"U mag geen themavoorkeur opgeven voor {programme.name}: uw account "
                   f"({Role(user.role).value}, gemeenten "
                   f"{', '.join(user.gemeenten) or 'geen'}) hoort bij geen deelnemende stad "
                   "of regio. Vraag de beheerder om de gemeente aan uw account toe te voegen.")
    return regs


def parse_ranking(form: dict[str, str], themes: list[str], regs: list[Registration]
                  ) -> tuple[str, list[str], dict[str, str]]:
    """The registration id, the ranking (most wanted first) and the Dutch errors per field.

    ``form`` has ``aanmelding`` (may be left out when there is one registration) and pairs
    ``thema<i>`` (the theme) / ``plaats<i>`` (its place, 1..n, or '' for no preference).
    """
    errors: dict[str, str] = {}
    ids = [r.id for r in regs]
    reg_id = form.get("aanmelding", "") or (ids[0] if len(ids) == 1 else "")
    if reg_id not in ids:
        errors["aanmelding"] = (f"Onbekende aanmelding {reg_id!r}: kies een van "
                                f"{', '.join(ids)}." if reg_id else
                                "Kies de stad of regio waarvoor u de voorkeur opgeeft.")
    known = {name_key(t): t for t in themes}
    n = len(themes)
    placed: dict[int, list[tuple[str, str]]] = {}
    for key in sorted(form, key=lambda k: (len(k), k)):
        found = _THEME_FIELD.match(key)
        if not found:
            continue
        field = f"plaats{found.group(1)}"
        theme, place = form[key], form.get(field, "")
        if name_key(theme) not in known:
            errors[field] = (f"Onbekend thema {theme!r}: kies uit de thema's van de "
                             f"deelnemers ({', '.join(themes)}). Laad de pagina opnieuw.")
            continue
        if not place:
            continue
        if not place.isdigit() or not 1 <= int(place) <= n:
            errors[field] = f"Ongeldige plaats {place!r}: kies een plaats van 1 tot en met {n}."
            continue
        placed.setdefault(int(place), []).append((field, known[name_key(theme)]))
    for at, items in placed.items():
        if len(items) > 1:
            for field, theme in items:
                others = ", ".join(t for _, t in items if t != theme)
                errors[field] = (f"Plaats {at} is ook gegeven aan {others}: geef elk thema "
                                 "een eigen plaats.")
    if not placed and not errors:
        errors["algemeen"] = "Geef minstens één thema een plaats (1 is het belangrijkste)."
    ranking = [items[0][1] for _, items in sorted(placed.items())]
    return reg_id, ranking, errors


def _who(reg: Registration) -> dict[str, str]:
    return {"id": reg.id, "gemeente": reg.gemeente, "wijk": reg.wijk}


def themes_view(programme: Programme) -> dict[str, Any]:
    """The JSON twin: candidates, the Borda order of the stored rankings, who has ranked."""
    regs = programme.participating()
    stored = programme.theme_rankings
    return {
        "programma": programme.slug, "naam": programme.name,
        "kandidaten": candidate_themes(programme),
        "ranglijst": [{"thema": t, "punten": p} for t, p in rank_themes(stored)],
        "bijeenkomsten": [t for t, _ in theme_order(programme)[:programme.n_meetings]],
        "rangschikkingen": len(stored),
        "gerangschikt": [_who(r) for r in regs if r.id in stored],
        "nog_niet": [_who(r) for r in regs if r.id not in stored],
    }


def _page(request: Request, programme: Programme, regs: list[Registration], *,
          form: dict[str, str], errors: dict[str, str], melding: str = "",
          status_code: int = 200) -> Response:
    themes = candidate_themes(programme)
    return render(request, "programma/themas.html",
                  {"programme": programme, "regs": regs, "themes": themes, "form": form,
                   "errors": errors, "melding": melding, "view": themes_view(programme),
                   "title": f"Themavoorkeur: {programme.name}"}, status_code=status_code)


def _prefill(programme: Programme, reg_id: str) -> dict[str, str]:
    """The form with the stored ranking of ``reg_id`` (if any)."""
    themes = candidate_themes(programme)
    form = {"aanmelding": reg_id}
    places = {name_key(t): p for p, t in enumerate(programme.theme_rankings.get(reg_id, ()),
                                                   start=1)}
    for i, theme in enumerate(themes, start=1):
        form[f"plaats{i}"] = str(places.get(name_key(theme), ""))
    return form


@router.get("/programma/{slug}/themas.json", tags=["programma"],
            response_model=ThemaVoorkeuren,
            summary="De themavoorkeuren van een kennisprogramma: kandidaten, Borda-telling, "
                    "wie nog geen voorkeur gaf (na inloggen)",
            responses={404: {"description": "Onbekend programma"}})
def themes_json(request: Request, slug: str,
                _user: User = Depends(auth.require_user)) -> JSONResponse:
    """Candidates, the Borda order, the number of rankings and who has not ranked yet."""
    return JSONResponse(themes_view(load_programme(request, slug)))


@router.get("/programma/{slug}/themas", include_in_schema=False)
def themes_page(request: Request, slug: str, melding: str = "", aanmelding: str = "",
                user: User = Depends(auth.require_user)) -> Response:
    """The ranking form (with the stored ranking of the chosen registration)."""
    programme = load_programme(request, slug)
    regs = _may_rank(user, programme)
    chosen = aanmelding if aanmelding in {r.id for r in regs} else regs[0].id
    return _page(request, programme, regs, form=_prefill(programme, chosen), errors={},
                 melding=melding)


def _save(request: Request, slug: str, reg_id: str, ranking: list[str], who: str) -> None:
    store = store_of(request)
    with store.editing(slug, purpose="themavoorkeur via de website") as programme:
        programme.theme_rankings[reg_id] = ranking
        store.save(programme, what=f"themavoorkeur van {reg_id}: " + ", ".join(ranking),
                   who=who)


@router.post("/programma/{slug}/themas", dependencies=[Depends(auth.check_csrf)],
             include_in_schema=False)
async def themes_post(request: Request, slug: str,
                      user: User = Depends(auth.require_user)) -> Response:
    """Check and store the ranking (replacing an earlier one of the same registration), or
    show the errors next to the fields (400)."""
    programme = load_programme(request, slug)
    regs = _may_rank(user, programme)
    raw = await request.form()
    form = {str(k): text(raw, str(k)) for k in raw if str(k) != "csrf_token"}
    themes = candidate_themes(programme)
    reg_id, ranking, errors = parse_ranking(form, themes, regs)
    shown = {"aanmelding", "algemeen", *(f"plaats{i}" for i in range(1, len(themes) + 1))}
    lost = [errors.pop(k) for k in list(errors) if k not in shown]
    if lost:  # a field the page does not show (an old form): the message on top
        errors["algemeen"] = " ".join([errors.get("algemeen", ""), *lost]).strip()
    if errors:
        return _page(request, programme, regs, form=form, errors=errors, status_code=400)
    await run_in_threadpool(_save, request, slug, reg_id, ranking, user.email)
    gemeente = next(r.gemeente for r in regs if r.id == reg_id)
    melding = f"Themavoorkeur van {gemeente} opgeslagen: {', '.join(ranking)}."
    return RedirectResponse(auth.url(request, f"/programma/{slug}/themas?aanmelding="
                                              f"{quote(reg_id)}&melding={quote(melding)}"),
                            status_code=303)
