"""Rendering and validation of the account and edit forms.

:func:`render` renders a template of ``templates/account`` or ``templates/edit`` with the
user, the CSRF token and the permission checks in its context (and sets a new CSRF cookie
when the visitor had none). The ``clean_*`` functions check a submitted form and return the
cleaned values and a dict of Dutch errors per field, shown next to the field.

The templates extend the site's ``site_base.html`` (through ``edit/_layout.html``, which adds
the account bar); the environment is this module's own (autoescape, strict undefined, the
``markdown`` filter of :func:`wijkanalyse.verhalen.render_markdown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from wijkanalyse.verhalen import KINDS, render_markdown
from wijkanalyse.verhalen.validate import MAX_BODY_CHARS
from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import Role

#: Longest title (characters), as the verhalen package.
MAX_TITLE = 200
#: Most tags of a story.
MAX_TAGS = 30
#: Longest free text of an applied intervention or kennis field (characters).
MAX_TEXT = 20_000

Errors = dict[str, str]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the account and edit templates (autoescape on)."""
    env = Environment(loader=PackageLoader("wijkanalyse.web", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = render_markdown
    return env


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with the user, CSRF token and permission helpers in its context."""
    user = auth.user_from_request(request)
    values: dict[str, Any] = {
        "request": request,
        "base": auth.base_path(request),
        "q": "",
        "user": user,
        "csrf_field": auth.CSRF_FIELD,
        "csrf_token": auth.csrf_token(request),
        "can_edit_area": lambda code: auth.can_edit_area(user, code),
        "can_edit_kennis": auth.can_edit_kennis(user),
        "can_manage": auth.can_manage(user),
        "errors": {},
        "form": {},
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    auth.set_pending_csrf(request, response)
    return response


# --------------------------------------------------------------------------- cleaning


def text(form: Mapping[str, Any], name: str) -> str:
    """A form field as stripped text ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _line(value: str, label: str, errors: Errors, key: str, *, required: bool = True,
          limit: int = MAX_TITLE) -> str:
    if not value:
        if required:
            errors[key] = f"Vul de {label} in."
        return ""
    if "\n" in value or "\r" in value:
        errors[key] = f"De {label} moet op één regel staan."
    elif len(value) > limit:
        errors[key] = f"De {label} is {len(value)} tekens lang; het maximum is {limit}."
    return value


def _date(value: str, errors: Errors, key: str = "datum") -> str:
    if not value:
        return date.today().isoformat()
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[key] = (f"Ongeldige datum {value!r}: schrijf de datum als JJJJ-MM-DD, "
                       "bijvoorbeeld 2024-05-01.")
        return value
    if len(value) != 10:
        errors[key] = f"Schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2024-05-01 (niet {value!r})."
    elif parsed > date.today():
        errors[key] = (f"De datum {parsed.isoformat()} ligt in de toekomst; geef de datum van "
                       "het verhaal.")
    elif parsed.year < 1900:
        errors[key] = f"De datum {parsed.isoformat()} ligt vóór 1900; controleer het jaar."
    return parsed.isoformat()


def _body(value: str, errors: Errors, key: str, label: str, *, limit: int,
          required: bool = True) -> str:
    if not value:
        if required:
            errors[key] = f"Schrijf de {label}."
    elif len(value) > limit:
        errors[key] = (f"De {label} is {len(value):,} tekens lang; het maximum is "
                       f"{limit:,}. Kort de tekst in.").replace(",", ".")
    return value


def clean_story(form: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Check a story form (``soort``, ``titel``, ``datum``, ``tekst``, ``tags``)."""
    errors: Errors = {}
    kind = text(form, "soort") or "verhaal"
    if kind not in KINDS:
        errors["soort"] = f"Kies 'verhaal' of 'aanpak' (niet {kind!r})."
    title = _line(text(form, "titel"), "titel", errors, "titel")
    story_date = _date(text(form, "datum"), errors)
    body = _body(text(form, "tekst"), errors, "tekst", "tekst", limit=MAX_BODY_CHARS)
    tags = tuple(t.strip() for t in text(form, "tags").split(",") if t.strip())
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"Geef hooguit {MAX_TAGS} tags (nu {len(tags)})."
    elif any(len(t) > 50 for t in tags):
        errors["tags"] = "Een tag is hooguit 50 tekens lang."
    values = {"kind": kind, "title": title, "story_date": story_date, "body_markdown": body,
              "tags": tags}
    return values, errors


def _year(value: str, label: str, errors: Errors, key: str, *, required: bool) -> int | None:
    if not value:
        if required:
            errors[key] = f"Vul het {label} in (bijvoorbeeld 2019)."
        return None
    if not value.isdigit() or len(value) != 4:
        errors[key] = f"Het {label} {value!r} is geen jaartal; schrijf vier cijfers, zoals 2019."
        return None
    year = int(value)
    if not 1950 <= year <= date.today().year + 10:
        errors[key] = (f"Het {label} {year} ligt buiten 1950–{date.today().year + 10}; "
                       "controleer het jaar.")
    return year


def clean_applied(form: Mapping[str, Any], known: list[str]) -> tuple[dict[str, Any], Errors]:
    """Check an applied-intervention form (``aanpak``, ``beginjaar``, ``eindjaar``,
    ``resultaat``) against the known intervention ids."""
    errors: Errors = {}
    iid = text(form, "aanpak")
    if not iid:
        errors["aanpak"] = "Kies de aanpak uit het kennisdossier."
    elif iid not in known:
        errors["aanpak"] = (f"De aanpak {iid!r} staat niet in het kennisdossier; kies er een "
                            "uit de lijst.")
    start = _year(text(form, "beginjaar"), "beginjaar", errors, "beginjaar", required=True)
    end = _year(text(form, "eindjaar"), "eindjaar", errors, "eindjaar", required=False)
    if start is not None and end is not None and end < start and "eindjaar" not in errors:
        errors["eindjaar"] = f"Het eindjaar {end} ligt vóór het beginjaar {start}."
    result = _body(text(form, "resultaat"), errors, "resultaat", "resultaat", limit=MAX_TEXT,
                   required=False)
    return {"intervention_id": iid, "year_from": start, "year_to": end,
            "result": result}, errors


def clean_intervention(form: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Check a kennisdossier form (``naam``, ``samenvatting``, ``bewijs``)."""
    errors: Errors = {}
    name = _line(text(form, "naam"), "naam", errors, "naam")
    summary = _body(text(form, "samenvatting"), errors, "samenvatting", "samenvatting",
                    limit=MAX_TEXT)
    evidence = _body(text(form, "bewijs"), errors, "bewijs", "beschrijving",
                     limit=MAX_TEXT, required=False)
    return {"name": name, "summary": summary, "evidence": evidence}, errors


def clean_account(form: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Check an account form (``naam``, ``email``, ``wachtwoord``, ``rol``, ``gemeenten``)."""
    errors: Errors = {}
    name = _line(text(form, "naam"), "naam", errors, "naam")
    email = text(form, "email")
    if "@" not in email or " " in email or len(email) > 254:
        errors["email"] = f"{email!r} is geen e-mailadres; schrijf het als naam@voorbeeld.nl."
    password = form.get("wachtwoord")
    password = password if isinstance(password, str) else ""
    if len(password) < 12:
        errors["wachtwoord"] = "Kies een wachtwoord van minstens 12 tekens."
    role, gemeenten = clean_role(form, errors)
    return {"name": name, "email": email, "password": password, "role": role,
            "gemeenten": gemeenten}, errors


def clean_role(form: Mapping[str, Any], errors: Errors) -> tuple[Role, tuple[str, ...]]:
    """The ``rol`` and ``gemeenten`` (GM codes, comma-separated) of an account form."""
    raw = text(form, "rol")
    try:
        role = Role(raw)
    except ValueError:
        errors["rol"] = f"Kies een rol: {', '.join(r.value for r in Role)} (niet {raw!r})."
        role = Role.LEZER
    gemeenten = tuple(g.strip().upper() for g in text(form, "gemeenten").split(",") if g.strip())
    bad = [g for g in gemeenten if not (len(g) == 6 and g[:2] == "GM" and g[2:].isdigit())]
    if bad:
        errors["gemeenten"] = (f"{', '.join(bad)} is geen gemeentecode; schrijf codes als "
                               "GM0518, gescheiden door komma's.")
    elif role is Role.DEELNEMER and not gemeenten:
        errors["gemeenten"] = "Een deelnemer heeft minstens één gemeente nodig (zoals GM0518)."
    return role, gemeenten
