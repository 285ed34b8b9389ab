"""Security headers, a Content-Security-Policy without inline script, and Dutch error pages.

Every response gets :data:`SECURITY_HEADERS`. Errors never show a stack trace: an HTML page
in Dutch (404 with suggestions where the caller gives them, 500 with a short apology), or,
for a JSON route (path ending in ``.json``, ``/openapi.json``), a JSON body
``{"fout": ..., "status": ..., "suggesties": [...]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wijkanalyse.errors import WijkanalyseError

__all__ = ["CSP", "SECURITY_HEADERS", "NotFound", "install"]

log = logging.getLogger("wijkanalyse.web")

#: No inline script (and no script at all but our own files), styles from /static; style
#: attributes stay allowed because the inline SVG charts (matplotlib) colour by ``style=``.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class NotFound(Exception):
    """A page that does not exist, with a Dutch message and suggestions (label, url)."""

    def __init__(self, message: str, suggestions: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions or [])


_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in SECURITY_HEADERS.items()]


class _Headers:
    """Pure ASGI middleware (no body buffering): the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in _RAW_HEADERS if k not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wants_json(request: Request) -> bool:
    """Whether the request is for a JSON twin (``.json`` path) or the OpenAPI document."""
    path = request.url.path
    return path.endswith(".json") or "application/json" in request.headers.get("accept", "") \
        and "text/html" not in request.headers.get("accept", "")


def _error(request: Request, status: int, title: str, message: str,
           suggestions: list[tuple[str, str]] | None = None) -> Response:
    suggestions = suggestions or []
    if wants_json(request):
        body = {"status": status, "fout": message,
                "suggesties": [{"naam": n, "url": u} for n, u in suggestions]}
        return JSONResponse(body, status_code=status, headers=SECURITY_HEADERS)
    from wijkanalyse.web.jinja import render

    response = render(request, "fout.html", {"status": status, "title": title,
                                             "message": message, "suggestions": suggestions},
                      status_code=status)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value  # the 500 handler runs outside the middleware
    return response


_TITLES = {400: "Ongeldig verzoek", 404: "Pagina niet gevonden", 405: "Methode niet toegestaan",
           422: "Ongeldige invoer", 500: "Er ging iets mis", 503: "Database niet beschikbaar"}


def install(app: FastAPI) -> None:
    """Add the header middleware and the error handlers to ``app``."""
    app.add_middleware(_Headers)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, _TITLES[404], exc.message, exc.suggestions)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        message = (str(exc.detail) if exc.detail and status != 404 else
                   "Deze pagina bestaat niet. Zoek een wijk, buurt, gemeente of aanpak via "
                   "het zoekvak.")
        return _error(request, status, _TITLES.get(status, "Fout"), message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                 for e in exc.errors()]
        return _error(request, 422, _TITLES[422],
                      "Ongeldige invoer (" + "; ".join(parts) + "). Pas de adresregel aan.")

    @app.exception_handler(WijkanalyseError)
    async def _ours(request: Request, exc: WijkanalyseError) -> Response:
        from wijkanalyse.web.deps import DatabaseMissingError

        status = 503 if isinstance(exc, DatabaseMissingError) else 400
        return _error(request, status, _TITLES[status], str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("Fout bij %s", request.url.path, exc_info=exc)
        return _error(request, 500, _TITLES[500],
                      "Er ging iets mis bij het maken van deze pagina. Probeer het later "
                      "opnieuw; blijft het misgaan, meld dan het adres van de pagina.")


def json_error_schema() -> dict[str, Any]:
    """The OpenAPI schema of a JSON error body."""
    return {"type": "object", "required": ["status", "fout", "suggesties"],
            "properties": {"status": {"type": "integer"}, "fout": {"type": "string"},
                           "suggesties": {"type": "array", "items": {
                               "type": "object", "properties": {
                                   "naam": {"type": "string"}, "url": {"type": "string"}}}}}}
