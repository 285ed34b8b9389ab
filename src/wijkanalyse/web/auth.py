"""Login sessions, CSRF tokens, the login rate limit and the permission rules of the web app.

- **Session**: ``ContentStore.create_session`` gives a random token (the store keeps only its
  hash); the cookie :data:`SESSION_COOKIE` holds it signed with ``settings.secret_key``
  (itsdangerous), ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when ``settings.secure_cookies``.
  :func:`current_user` turns the cookie back into a :class:`User` (``None``: not logged in,
  expired, ended or tampered with).
- **CSRF**: double submit, signed. The cookie :data:`CSRF_COOKIE` holds a random value; every
  form carries ``csrf_token`` = that value signed with the secret key and a salt. Every POST
  route depends on :func:`check_csrf`: a missing or wrong token (or a missing cookie) is a 403.
  Login and logout set a new value.
- **Rate limit**: :class:`LoginLimiter`, in memory, per account and IP address: after
  ``max_failures`` (5) failed logins within ``window_s`` (10 minutes) further attempts are
  refused (429, Dutch message with the minutes to wait) until the oldest failure ages out.
- **Permissions**: :func:`can_edit_area` (a deelnemer edits areas of their own gemeenten, a
  redacteur and a beheerder edit every area), :func:`can_edit_kennis` (redacteur, beheerder),
  :func:`can_manage` (beheerder); :func:`require_user`, :func:`require_role` and
  :func:`require_reader` are the FastAPI dependencies that enforce them.

The settings and the store come from ``request.app.state.settings`` / ``.content``
(:func:`settings_of`, :func:`content_of`; no content store: nobody is logged in and login and
edits answer 503); ``deps.current_user`` returns :func:`user_from_request`. ``create_app``
calls :func:`install`.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol, cast
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.types import ASGIApp, Receive, Scope, Send

from wijkanalyse.codes import gemeente_code_of, normalise_code
from wijkanalyse.web.contentapi import AccountStore, Role, User

#: Cookie of the signed session token.
SESSION_COOKIE = "wijkanalyse_sessie"
#: Cookie of the CSRF value (double submit).
CSRF_COOKIE = "wijkanalyse_csrf"
#: Form field of the CSRF token.
CSRF_FIELD = "csrf_token"
#: Session lifetime (seconds): 12 hours.
SESSION_LIFETIME_S = 12 * 3600

_SESSION_SALT = "wijkanalyse-sessie"
_CSRF_SALT = "wijkanalyse-csrf"


class AuthSettings(Protocol):
    """The fields of ``WebSettings`` this module reads."""

    @property
    def secret_key(self) -> str: ...

    @property
    def secure_cookies(self) -> bool: ...

    @property
    def public(self) -> bool: ...


def settings_of(request: Request) -> AuthSettings:
    """The app's settings (``app.state.settings``)."""
    return cast(AuthSettings, request.app.state.settings)


def base_path(request: Request) -> str:
    """The path prefix of the site behind a reverse proxy (``settings.base_path``, no
    trailing slash; ``""`` at the root)."""
    return str(getattr(settings_of(request), "base_path", "") or "").rstrip("/")


def url(request: Request, path: str) -> str:
    """A local ``path`` (starting with ``/``) under the site's base path."""
    return base_path(request) + path


class NoContentStore(HTTPException):
    """The app has no content store: nobody can log in or edit (503)."""

    def __init__(self) -> None:
        super().__init__(status_code=503,
                         detail="Inloggen en bewerken zijn niet beschikbaar: de site heeft geen "
                                "inhoudsdatabase. Start de server met een inhoudsdatabase "
                                "(zie docs/accounts.md).")


def content_or_none(request: Request) -> AccountStore | None:
    """The app's content store (``app.state.content``), ``None`` when it has none."""
    return cast(AccountStore | None, getattr(request.app.state, "content", None))


def content_of(request: Request) -> AccountStore:
    """The app's content store (``app.state.content``); :class:`NoContentStore` (503) when it
    has none."""
    store = content_or_none(request)
    if store is None:
        raise NoContentStore()
    return store


# --------------------------------------------------------------------------- cookies


def _cookie(response: Response, settings: AuthSettings, name: str, value: str, *,
            max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=bool(settings.secure_cookies), path="/")


def _serializer(settings: AuthSettings, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=salt)


def start_session(response: Response, settings: AuthSettings, store: AccountStore,
                  user: User) -> str:
    """Create a session for ``user`` in the store and set the signed session cookie (and a new
    CSRF value); returns the CSRF value for the next page."""
    token = store.create_session(user.id, lifetime_s=SESSION_LIFETIME_S)
    _cookie(response, settings, SESSION_COOKIE, _serializer(settings, _SESSION_SALT).dumps(token),
            max_age=SESSION_LIFETIME_S)
    return new_csrf(response, settings)


def session_token(request: Request, settings: AuthSettings) -> str | None:
    """The session token of the request's cookie, ``None`` when absent or not signed by us."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = _serializer(settings, _SESSION_SALT).loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) and token else None


def end_session(request: Request, response: Response, settings: AuthSettings,
                store: AccountStore) -> None:
    """End the request's session in the store and clear the session cookie."""
    token = session_token(request, settings)
    if token is not None:
        store.end_session(token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=bool(settings.secure_cookies))
    new_csrf(response, settings)


def user_from_request(request: Request) -> User | None:
    """The logged-in user of the request (cached on ``request.state``), or ``None``."""
    if hasattr(request.state, "auth_user"):
        return cast(User | None, request.state.auth_user)
    settings = settings_of(request)
    token = session_token(request, settings)
    store = content_or_none(request)
    user = store.session_user(token) if token is not None and store is not None else None
    request.state.auth_user = user
    return user


def current_user(request: Request) -> User | None:
    """FastAPI dependency: the logged-in user or ``None`` (the body of ``deps.current_user``)."""
    return user_from_request(request)


# --------------------------------------------------------------------------- CSRF


def new_csrf(response: Response, settings: AuthSettings) -> str:
    """Set a new CSRF cookie value; returns it."""
    value = secrets.token_urlsafe(32)
    _cookie(response, settings, CSRF_COOKIE, value, max_age=None)
    return value


def csrf_value(request: Request, response: Response | None = None) -> str:
    """The request's CSRF value: the cookie's, or a new one (set on ``response`` when given,
    else remembered on ``request.state.new_csrf`` for :func:`set_pending_csrf`)."""
    value = getattr(request.state, "new_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if value:
        return str(value)
    value = secrets.token_urlsafe(32)
    request.state.new_csrf = value
    if response is not None:
        _cookie(response, settings_of(request), CSRF_COOKIE, value, max_age=None)
    return value


def set_pending_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie chosen during rendering (:func:`csrf_value`) on ``response``."""
    value = getattr(request.state, "new_csrf", None)
    if value:
        _cookie(response, settings_of(request), CSRF_COOKIE, str(value), max_age=None)


def csrf_token(request: Request) -> str:
    """The token to put in a form's hidden ``csrf_token`` field."""
    value = csrf_value(request)
    return str(_serializer(settings_of(request), _CSRF_SALT).dumps(value))


def csrf_ok(settings: AuthSettings, cookie_value: str | None, token: object) -> bool:
    """Whether a form's ``token`` matches the CSRF cookie value (constant-time compare)."""
    if not cookie_value or not isinstance(token, str) or not token:
        return False
    try:
        signed = _serializer(settings, _CSRF_SALT).loads(token)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, cookie_value)


async def check_csrf(request: Request) -> None:
    """FastAPI dependency of every POST route: 403 unless the form's ``csrf_token`` matches
    the CSRF cookie."""
    form = await request.form()
    if not csrf_ok(settings_of(request), request.cookies.get(CSRF_COOKIE),
                   form.get(CSRF_FIELD)):
        raise HTTPException(
            status_code=403,
            detail="Het formulier is verlopen of niet door deze site verstuurd "
                   "(controletoken ontbreekt of klopt niet). Laad de pagina opnieuw en "
                   "probeer het nog eens.",
        )


# --------------------------------------------------------------------------- rate limit


class LoginLimiter:
    """Failed logins per (account, IP address), in memory, thread-safe.

    Parameters
    ----------
    max_failures
        Failures allowed within ``window_s``; the next attempt is refused.
    window_s
        The window (seconds).
    clock
        Monotonic time source (tests pass their own).
    """

    def __init__(self, *, max_failures: int = 5, window_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(email: str, ip: str) -> tuple[str, str]:
        """The key of an attempt: the e-mail address folded to lower case, and the IP."""
        return (email.strip().casefold(), ip)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def wait_seconds(self, email: str, ip: str) -> float:
        """Seconds until the next attempt is allowed (0 when allowed now)."""
        with self._lock:
            now = self._clock()
            times = self._recent(self.key(email, ip), now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, times[0] + self.window_s - now)

    def failure(self, email: str, ip: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            now = self._clock()
            self._recent(self.key(email, ip), now).append(now)

    def success(self, email: str, ip: str) -> None:
        """Forget the failures of a successful login."""
        with self._lock:
            self._failures.pop(self.key(email, ip), None)


def limiter_of(request: Request) -> LoginLimiter:
    """The app's :class:`LoginLimiter` (``app.state.login_limiter``, made on first use)."""
    state = request.app.state
    limiter = getattr(state, "login_limiter", None)
    if limiter is None:
        limiter = LoginLimiter()
        state.login_limiter = limiter
    return cast(LoginLimiter, limiter)


def too_many_message(wait_s: float) -> str:
    """The Dutch message of a refused login."""
    minutes = max(1, int(-(-wait_s // 60)))
    unit = "minuut" if minutes == 1 else "minuten"
    return (f"Te veel mislukte pogingen om in te loggen met dit account vanaf dit adres. "
            f"Probeer het over {minutes} {unit} opnieuw, of vraag de beheerder om een nieuw "
            "wachtwoord.")


# --------------------------------------------------------------------------- permissions


_RANK = {Role.LEZER: 0, Role.DEELNEMER: 1, Role.REDACTEUR: 2, Role.BEHEERDER: 3}


def has_role(user: User | None, role: Role) -> bool:
    """Whether ``user`` has ``role`` or a higher one (lezer < deelnemer < redacteur <
    beheerder)."""
    return user is not None and _RANK[Role(user.role)] >= _RANK[role]


def area_gemeente(area_code: str) -> str | None:
    """The GM code of a CBS area code (gemeente, wijk or buurt), else ``None``."""
    code = normalise_code(area_code)
    return gemeente_code_of(code) if code else None


def can_edit_area(user: User | None, area_code: str, *,
                  gemeenten_of: Callable[[str], Iterable[str]] | None = None) -> bool:
    """Whether ``user`` may add and change stories, approaches and applied interventions of
    an area.

    A redacteur or beheerder may edit every area; a deelnemer only areas whose gemeente is
    one of ``user.gemeenten``; a lezer or anonymous visitor none.

    Parameters
    ----------
    user
        The logged-in user or ``None``.
    area_code
        A CBS code (``GM``/``WK``/``BU``) or the id of a user area.
    gemeenten_of
        The GM codes an area that is no CBS code lies in (a user area may span gemeenten: the
        deelnemer must have all of them); without it such an area is editable by redacteur
        and beheerder only.
    """
    if user is None or not has_role(user, Role.DEELNEMER):
        return False
    if has_role(user, Role.REDACTEUR):
        return True
    own = {g.upper() for g in user.gemeenten}
    gemeente = area_gemeente(area_code)
    if gemeente is not None:
        return gemeente in own
    if gemeenten_of is None:
        return False
    codes = {g.upper() for g in gemeenten_of(area_code)}
    return bool(codes) and codes <= own


def can_edit_kennis(user: User | None) -> bool:
    """Whether ``user`` may edit the kennisdossier (redacteur, beheerder)."""
    return has_role(user, Role.REDACTEUR)


def can_manage(user: User | None) -> bool:
    """Whether ``user`` may manage accounts and the programme (beheerder)."""
    return has_role(user, Role.BEHEERDER)


class LoginRequired(HTTPException):
    """Not logged in: a GET is sent to the login page, other methods get a 401."""

    def __init__(self, next_url: str) -> None:
        super().__init__(status_code=401, detail="U moet inloggen om deze pagina te gebruiken.")
        self.next_url = next_url


def require_user(request: Request) -> User:
    """FastAPI dependency: the logged-in user, else :class:`LoginRequired`."""
    user = user_from_request(request)
    if user is None:
        raise LoginRequired(_here(request))
    return user


def require_role(role: Role) -> Callable[..., User]:
    """FastAPI dependency factory: the logged-in user with at least ``role``, else 401/403."""

    def dependency(user: User = Depends(require_user)) -> User:
        if not has_role(user, role):
            raise HTTPException(status_code=403,
                                detail=f"Hiervoor is de rol {role.value} nodig; uw account "
                                       f"heeft de rol {Role(user.role).value}.")
        return user

    return dependency


def require_reader(request: Request) -> User | None:
    """FastAPI dependency of the read-only pages: anyone when ``settings.public``, otherwise
    a logged-in user (:class:`LoginRequired`)."""
    user = user_from_request(request)
    if user is None and not settings_of(request).public:
        raise LoginRequired(_here(request))
    return user


def _here(request: Request) -> str:
    """The request's path and query without the base path (``volgende`` after login)."""
    path = request.url.path
    prefix = base_path(request)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    query = request.url.query
    return path + (f"?{query}" if query else "")


def safe_next(target: object) -> str:
    """A local path to go to after login (``/`` for anything else: no open redirect)."""
    text = str(target or "")
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    if any(ch < " " for ch in text):
        return "/"
    return text


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if request.method in ("GET", "HEAD"):
        target = urlencode({"volgende": exc.next_url})
        return RedirectResponse(url(request, f"/inloggen?{target}"), status_code=303)
    return PlainTextResponse(str(exc.detail), status_code=401)


#: Paths a visitor may open without login on a site that is not public.
OPEN_PATHS = ("/inloggen", "/uitloggen", "/static/")
#: Further paths open without login on a site that is not public: the registration form of a
#: knowledge programme and its JSON twin (the route itself asks for login when registration
#: has closed; nothing else of the programme is open).
OPEN_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/programma/[a-z0-9][a-z0-9-]*/aanmelden(?:\.json)?"),)


def is_open_path(request: Request) -> bool:
    """Whether the request's path (without the base path) is open without login on a site
    that is not public (:data:`OPEN_PATHS`, :data:`OPEN_PATTERNS`)."""
    path = request.url.path
    prefix = base_path(request)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    return (request.url.path.startswith(OPEN_PATHS) or path.startswith(OPEN_PATHS)
            or any(p.fullmatch(path) for p in OPEN_PATTERNS))


class _PrivateSite:
    """Pure ASGI middleware of a site that is not public: a request for a page other than
    :data:`OPEN_PATHS` (or :data:`OPEN_PATTERNS`) without a logged-in user gets
    :func:`_login_required` (no body buffering and no extra task per request, unlike
    ``BaseHTTPMiddleware``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if (not settings_of(request).public
                    and not is_open_path(request)
                    and user_from_request(request) is None):
                response = await _login_required(request, LoginRequired(_here(request)))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register what this module needs on the app: the handler of :class:`LoginRequired`
    (a GET goes to ``/inloggen?volgende=…``, other methods get a 401) and, for a site that
    is not public (``settings.public`` false), a middleware that asks for login on every
    page but :data:`OPEN_PATHS` (the read-only routers need no dependency of their own)."""
    app.add_exception_handler(LoginRequired, _login_required)
    settings = getattr(app.state, "settings", None)
    if settings is not None and settings.public:
        return  # settings are fixed per app: a public site needs no guard

    app.add_middleware(_PrivateSite)
