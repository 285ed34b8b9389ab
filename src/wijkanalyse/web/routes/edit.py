"""Edit forms: stories, approaches and applied interventions of an area (deelnemer of its
gemeente, redacteur, beheerder), kennisdossier entries (redacteur) and accounts (beheerder).

Every POST checks the CSRF token (:func:`~wijkanalyse.web.auth.check_csrf`) and the
permission again on the server: a hidden button is no protection. A refused permission is a
403 with a Dutch message; a form with errors comes back with the errors next to the fields
(status 400). Every change goes through the content store with the user as author; the store
records who and when.

Routes:

``GET  /gebied/{code}/verhalen``                    the area's stories and applied approaches
``GET|POST /gebied/{code}/verhalen/nieuw``          add a verhaal or aanpak
``GET|POST /verhalen/{id}/bewerken``                change one
``GET|POST /gebied/{code}/toepassingen/nieuw``      record an applied intervention
``GET|POST /kennis/{id}/bewerken``                  change a kennisdossier entry (redacteur)
``GET  /beheer/gebruikers``                         accounts (beheerder)
``POST /beheer/gebruikers``, ``/beheer/gebruikers/rol``, ``/beheer/gebruikers/verwijderen``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from wijkanalyse.codes import normalise_code
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.web import auth, forms
from wijkanalyse.web.contentapi import EditStore, Role, User
from wijkanalyse.web.forms import render

router = APIRouter(include_in_schema=False)  # HTML forms, no JSON twins

_csrf = [Depends(auth.check_csrf)]


def editor_of(request: Request) -> EditStore:
    """What the edit routes write through: ``app.state.editor`` when set, else the content
    store itself (the tests' fake implements both).

    ``create_app`` sets :class:`wijkanalyse.web.editing.ContentEditor` (verhalen and kennis
    over the read-only database and the content store).
    """
    editor = getattr(request.app.state, "editor", None)
    return cast(EditStore, editor if editor is not None else auth.content_of(request))


_store = editor_of


def _go(request: Request, path: str) -> RedirectResponse:
    """303 to a local path under the base path (after a POST)."""
    return RedirectResponse(auth.url(request, path), status_code=303)


def _area(code: str) -> str:
    """A CBS code upper-cased; a user area id as given."""
    normal = normalise_code(code) or ""
    return normal if normal[:2] in ("GM", "WK", "BU") else code.strip()


def _may_edit_area(user: User, code: str) -> None:
    if not auth.can_edit_area(user, code):
        gemeente = auth.area_gemeente(code)
        where = f"gemeente {gemeente}" if gemeente else f"gebied {code}"
        raise HTTPException(
            status_code=403,
            detail=f"U mag de verhalen en aanpakken van {where} niet wijzigen: uw account "
                   f"({Role(user.role).value}) mag alleen gebieden in "
                   f"{', '.join(user.gemeenten) or 'geen enkele gemeente'} bewerken. Vraag de "
                   "beheerder om de gemeente aan uw account toe te voegen.",
        )


def _store_error(exc: Exception) -> dict[str, str]:
    return {"algemeen": f"Opslaan is niet gelukt: {exc}"}


async def _save_form(
    request: Request, *,
    clean: Callable[[Mapping[str, Any]], tuple[dict[str, Any], dict[str, str]]],
    save: Callable[[dict[str, Any]], object],
    template: str, context: dict[str, Any], done: str,
) -> Response:
    """The steps every edit POST takes: read the form, ``clean`` it, ``save`` the values
    through the store (an error of the store becomes a general field error), and either show
    ``template`` again with the form, ``context`` and the errors (400) or go to ``done``."""
    form = await request.form()
    values, errors = clean(form)
    if not errors:
        try:
            save(values)
        except (WijkanalyseError, ValueError) as exc:
            errors = _store_error(exc)
    if errors:
        return render(request, template, {**context, "form": dict(form), "errors": errors},
                      status_code=400)
    return _go(request, done)


# --------------------------------------------------------------------------- stories


@router.get("/gebied/{code}/verhalen")
def area_overview(request: Request, code: str,
                  _reader: User | None = Depends(auth.require_reader)) -> Response:
    """The stories and applied approaches of an area, with edit buttons for who may edit."""
    area = _area(code)
    store = _store(request)
    return render(request, "edit/gebied.html", {
        "area": area, "stories": store.stories_for_area(area),
        "applied": store.applied_for_area(area),
    })


@router.get("/gebied/{code}/verhalen/nieuw")
def new_story_form(request: Request, code: str,
                   user: User = Depends(auth.require_user)) -> Response:
    """The form for a new verhaal or aanpak."""
    area = _area(code)
    _may_edit_area(user, area)
    return render(request, "edit/verhaal.html", {"area": area, "story": None,
                                                 "form": {"soort": "verhaal"}})


@router.post("/gebied/{code}/verhalen/nieuw", dependencies=_csrf)
async def add_story(request: Request, code: str,
                    user: User = Depends(auth.require_user)) -> Response:
    """Store a new verhaal or aanpak."""
    area = _area(code)
    _may_edit_area(user, area)
    return await _save_form(
        request, clean=forms.clean_story,
        save=lambda values: _store(request).add_story(area_code=area, author=user, **values),
        template="edit/verhaal.html", context={"area": area, "story": None},
        done=f"/gebied/{area}/verhalen")


def _story_or_404(request: Request, story_id: int) -> Any:
    story = _store(request).get_story(story_id)
    if story is None:
        raise HTTPException(status_code=404, detail=f"Er is geen verhaal met nummer {story_id}.")
    return story


@router.get("/verhalen/{story_id}/bewerken")
def edit_story_form(request: Request, story_id: int,
                    user: User = Depends(auth.require_user)) -> Response:
    """The form to change a story."""
    story = _story_or_404(request, story_id)
    _may_edit_area(user, story.area_code)
    form = {"soort": story.kind, "titel": story.title, "datum": story.story_date,
            "tekst": story.body_markdown, "tags": ", ".join(story.tags)}
    return render(request, "edit/verhaal.html", {"area": story.area_code, "story": story,
                                                 "form": form})


@router.post("/verhalen/{story_id}/bewerken", dependencies=_csrf)
async def update_story(request: Request, story_id: int,
                       user: User = Depends(auth.require_user)) -> Response:
    """Store a changed story (a new version; the store keeps the old ones)."""
    story = _story_or_404(request, story_id)
    _may_edit_area(user, story.area_code)
    return await _save_form(
        request, clean=forms.clean_story,
        save=lambda values: _store(request).update_story(story_id, author=user, **values),
        template="edit/verhaal.html", context={"area": story.area_code, "story": story},
        done=f"/gebied/{story.area_code}/verhalen")


# --------------------------------------------------------------------------- applied


@router.get("/gebied/{code}/toepassingen/nieuw")
def new_applied_form(request: Request, code: str,
                     user: User = Depends(auth.require_user)) -> Response:
    """The form to record an applied intervention."""
    area = _area(code)
    _may_edit_area(user, area)
    return render(request, "edit/toepassing.html",
                  {"area": area, "interventions": _store(request).intervention_ids()})


@router.post("/gebied/{code}/toepassingen/nieuw", dependencies=_csrf)
async def add_applied(request: Request, code: str,
                      user: User = Depends(auth.require_user)) -> Response:
    """Store an applied intervention."""
    area = _area(code)
    _may_edit_area(user, area)
    store = _store(request)
    known = store.intervention_ids()
    return await _save_form(
        request, clean=lambda form: forms.clean_applied(form, known),
        save=lambda values: store.add_applied(area_code=area, author=user, **values),
        template="edit/toepassing.html", context={"area": area, "interventions": known},
        done=f"/gebied/{area}/verhalen")


# --------------------------------------------------------------------------- kennis


_redacteur = auth.require_role(Role.REDACTEUR)
_beheerder = auth.require_role(Role.BEHEERDER)


def _intervention_or_404(request: Request, iid: str) -> Any:
    record = _store(request).get_intervention(iid)
    if record is None:
        raise HTTPException(status_code=404,
                            detail=f"De aanpak {iid!r} staat niet in het kennisdossier.")
    return record


@router.get("/kennis/{iid}/bewerken")
def edit_intervention_form(request: Request, iid: str,
                           _user: User = Depends(_redacteur)) -> Response:
    """The form to change a kennisdossier entry."""
    record = _intervention_or_404(request, iid)
    form = {"naam": record.name, "samenvatting": record.summary, "bewijs": record.evidence}
    return render(request, "edit/kennis.html", {"record": record, "form": form})


@router.post("/kennis/{iid}/bewerken", dependencies=_csrf)
async def update_intervention(request: Request, iid: str,
                              user: User = Depends(_redacteur)) -> Response:
    """Store a changed kennisdossier entry."""
    record = _intervention_or_404(request, iid)
    return await _save_form(
        request, clean=forms.clean_intervention,
        save=lambda values: _store(request).update_intervention(iid, author=user, **values),
        template="edit/kennis.html", context={"record": record},
        done=f"/kennis/{iid}/bewerken?opgeslagen=1")


# --------------------------------------------------------------------------- accounts


def _users_page(request: Request, *, form: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200,
                message: str = "") -> Response:
    return render(request, "edit/gebruikers.html",
                  {"users": auth.content_of(request).list_users(), "roles": list(Role),
                   "form": form or {}, "errors": errors or {}, "message": message},
                  status_code=status_code)


@router.get("/beheer/gebruikers")
def users_page(request: Request, _user: User = Depends(_beheerder)) -> Response:
    """The accounts, a form to add one and per account its role."""
    return _users_page(request)


@router.post("/beheer/gebruikers", dependencies=_csrf)
async def add_user(request: Request, _user: User = Depends(_beheerder)) -> Response:
    """Add an account."""
    form = await request.form()
    values, errors = forms.clean_account(form)
    store = auth.content_of(request)
    if not errors and store.find_user(values["email"]) is not None:
        errors["email"] = f"Er is al een account met het e-mailadres {values['email']}."
    if not errors:
        try:
            store.add_user(**values)
        except (WijkanalyseError, ValueError) as exc:
            errors = _store_error(exc)
    if errors:
        shown = {k: v for k, v in form.items() if k != "wachtwoord"}
        return _users_page(request, form=shown, errors=errors, status_code=400)
    return _go(request, "/beheer/gebruikers")


@router.post("/beheer/gebruikers/rol", dependencies=_csrf)
async def set_role(request: Request, user: User = Depends(_beheerder)) -> Response:
    """Change the role (and gemeenten) of an account."""
    form = await request.form()
    errors: dict[str, str] = {}
    role, gemeenten = forms.clean_role(form, errors)
    email = forms.text(form, "email")
    store = auth.content_of(request)
    if store.find_user(email) is None:
        errors["email"] = f"Er is geen account met het e-mailadres {email!r}."
    elif email.casefold() == user.email.casefold() and role is not Role.BEHEERDER:
        errors["rol"] = "U kunt uw eigen beheerdersrol niet afnemen; vraag een andere beheerder."
    if errors:
        return _users_page(request, errors=errors, status_code=400)
    store.set_role(email, role, gemeenten=gemeenten)
    return _go(request, "/beheer/gebruikers")


@router.post("/beheer/gebruikers/verwijderen", dependencies=_csrf)
async def remove_user(request: Request, user: User = Depends(_beheerder)) -> Response:
    """Remove an account (not one's own)."""
    form = await request.form()
    email = forms.text(form, "email")
    store = auth.content_of(request)
    if email.casefold() == user.email.casefold():
        return _users_page(request, errors={"algemeen": "U kunt uw eigen account niet "
                                            "verwijderen."}, status_code=400)
    if store.find_user(email) is None:
        return _users_page(request, errors={"algemeen": f"Er is geen account met het "
                                            f"e-mailadres {email!r}."}, status_code=400)
    store.remove_user(email)
    return _go(request, "/beheer/gebruikers")
