"""Inloggen en uitloggen: ``GET/POST /inloggen``, ``GET/POST /uitloggen``.

A login checks the CSRF token, the rate limit (:class:`~wijkanalyse.web.auth.LoginLimiter`,
per account and IP address) and then ``ContentStore.verify_login``; a good login starts a
session (signed cookie) and goes to the local page in ``volgende``. Messages are in Dutch and
never say whether the account exists.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from wijkanalyse.web import auth
from wijkanalyse.web.forms import render, text

router = APIRouter(include_in_schema=False)  # HTML forms, no JSON twins

_WRONG = "Het e-mailadres of het wachtwoord klopt niet. Controleer beide en probeer het opnieuw."


def _client_ip(request: Request) -> str:
    return request.client.host if request.client is not None else "onbekend"


@router.get("/inloggen")
def login_page(request: Request, volgende: str = "/") -> Response:
    """The login form."""
    return render(request, "account/inloggen.html",
                  {"volgende": auth.safe_next(volgende), "form": {}, "errors": {}})


@router.post("/inloggen", dependencies=[Depends(auth.check_csrf)])
async def login(request: Request) -> Response:
    """Check the login form; start a session or show the form with the error."""
    form = await request.form()
    email = text(form, "email")
    raw_password = form.get("wachtwoord")
    password = raw_password if isinstance(raw_password, str) else ""
    target = auth.safe_next(text(form, "volgende"))
    context = {"volgende": target, "form": {"email": email}}
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Vul uw e-mailadres in."
    if not password:
        errors["wachtwoord"] = "Vul uw wachtwoord in."
    if errors:
        return render(request, "account/inloggen.html", {**context, "errors": errors},
                      status_code=400)
    limiter = auth.limiter_of(request)
    ip = _client_ip(request)
    wait = limiter.wait_seconds(email, ip)
    if wait > 0:
        return render(request, "account/inloggen.html",
                      {**context, "errors": {"algemeen": auth.too_many_message(wait)}},
                      status_code=429)
    store = auth.content_of(request)
    user = store.verify_login(email, password)
    if user is None:
        limiter.failure(email, ip)
        return render(request, "account/inloggen.html",
                      {**context, "errors": {"algemeen": _WRONG}}, status_code=400)
    limiter.success(email, ip)
    response = RedirectResponse(auth.url(request, target), status_code=303)
    auth.start_session(response, auth.settings_of(request), store, user)
    return response


@router.get("/uitloggen")
def logout_page(request: Request) -> Response:
    """A page with the logout button (logging out is a POST)."""
    return render(request, "account/uitloggen.html")


@router.post("/uitloggen", dependencies=[Depends(auth.check_csrf)])
def logout(request: Request) -> Response:
    """End the session and go to the home page."""
    response = RedirectResponse(auth.url(request, "/"), status_code=303)
    auth.end_session(request, response, auth.settings_of(request), auth.content_of(request))
    return response
