"""The web application: :func:`create_app` mounts the routers, the static files, the security
middleware and the error handlers. Nothing is built at import time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from wijkanalyse import __version__
from wijkanalyse.content import open_content, open_content_if_present
from wijkanalyse.web import auth, editing, security
from wijkanalyse.web.deps import Database
from wijkanalyse.web.jinja import report_css
from wijkanalyse.web.routes import (
    account,
    data,
    edit,
    gemeente,
    home,
    kennis,
    monitor,
    programma,
    programma_publicatie,
    programma_themas,
    search,
    wijk,
)
from wijkanalyse.web.settings import WebSettings

__all__ = ["create_app", "openapi_profile_components"]

_STATIC = Path(__file__).resolve().parent / "static"
_PROFILE_PREFIX = "Profiel"


@lru_cache(maxsize=1)
def openapi_profile_components() -> dict[str, Any]:
    """The profile's JSON Schema (:func:`wijkanalyse.profiel.profile_schema`) as OpenAPI
    components: the root as ``Profiel``, each ``$defs`` entry as ``Profiel<Naam>``."""
    from wijkanalyse.profiel import profile_schema

    schema = json.loads(json.dumps(profile_schema()))
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id", "$comment"):
        schema.pop(key, None)
    text = json.dumps({"Profiel": schema, **{_PROFILE_PREFIX + k: v for k, v in defs.items()}})
    text = text.replace('"#/$defs/', f'"#/components/schemas/{_PROFILE_PREFIX}')
    out: dict[str, Any] = json.loads(text)
    out["Fout"] = security.json_error_schema()
    return out


def _errors_as_fout(schema: dict[str, Any]) -> None:
    """Invalid input (422) answers with the site's JSON error body, not FastAPI's."""
    fout = {"application/json": {"schema": {"$ref": "#/components/schemas/Fout"}}}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Ongeldige invoer", "content": fout}
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)


def create_app(settings: WebSettings) -> FastAPI:
    """The site for the database of ``settings``.

    Parameters
    ----------
    settings
        Where the database is, the path prefix behind a proxy, cookie settings.

    Returns
    -------
    FastAPI
        An ASGI app (``uvicorn``, or ``httpx.ASGITransport`` in tests).
    """
    db = Database(settings.db_path)
    # the content store (accounts, edits): the configured one, else the one next to the
    # database when it exists (made by 'wijkanalyse gebruiker add'); none: reading only
    content = (open_content(settings.content_url, db_path=settings.db_path)
               if settings.content_url else open_content_if_present(db_path=settings.db_path))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()
        if content is not None:
            content.close()

    app = FastAPI(title="wijkanalyse", version=__version__, lifespan=lifespan,
                  description="Wijkprofielen, monitor, gemeenten en kennisdossier: elke pagina "
                  "heeft een JSON-tweeling (zelfde adres met .json).",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.db = db
    security.install(app)
    auth.install(app)
    if content is not None:
        editing.install(app, db, content)

    @app.get("/static/report.css", include_in_schema=False)
    def _report_css() -> Response:
        return Response(report_css("report.css"), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/static/monitor.css", include_in_schema=False)
    def _monitor_css() -> Response:
        return Response(report_css("_monitor_style.html"), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    for module in (home, search, wijk, gemeente, monitor, kennis, data, account, edit, programma,
                   programma_publicatie, programma_themas):
        app.include_router(module.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                openapi_profile_components())
            _errors_as_fout(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
