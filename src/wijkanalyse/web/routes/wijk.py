"""The wijkprofiel pages: ``/wijk/CODE``, ``/buurt/CODE`` and ``/gebied/ID`` (own areas and
the areas of the shipped sets), with the JSON twin (``.json``, the profile JSON of
``docs/profiel.schema.json``) and downloads made on request and cached per database build
(``.html`` the standalone report, ``.pdf``, ``.xlsx``).

The page embeds the report as :func:`wijkanalyse.profiel.render_html` renders it (the same
templates, not a second rendering), after a short part of the site's own: downloads, links to
the gemeente and the similar wijken, and a map of the gemeente on which every area is a link.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from wijkanalyse.content import ContentStore
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.layers import gemeente_layers
from wijkanalyse.model import Profile, to_dict
from wijkanalyse.profiel import build_profile, render_html, with_section
from wijkanalyse.profiel.report import render_pdf, report_stem
from wijkanalyse.profiel.workbook import write_workbook
from wijkanalyse.programma import SECTION_KEY, ProgrammeStore, profile_section
from wijkanalyse.web import load
from wijkanalyse.web.deps import Database, content_mark, get_db
from wijkanalyse.web.jinja import (
    cached_page,
    keep_page,
    render,
    report_body,
    url_for_subject,
)
from wijkanalyse.web.maps import choropleth_svg
from wijkanalyse.web.routes.common import redirect, subject_or_404, subject_url
from wijkanalyse.web.routes.programma import store_of
from wijkanalyse.web.security import NotFound

__all__ = ["PROFILE_ROUTES", "profile_of", "router"]

router = APIRouter()

#: (path prefix, subject kind) of the profile pages; ``None``: any kind (own areas, sets).
PROFILE_ROUTES: tuple[tuple[str, str | None], ...] = (
    ("wijk", "wijk"), ("buurt", "buurt"), ("gebied", None))
_MEDIA = {"pdf": "application/pdf",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "html": "text/html; charset=utf-8"}


def _key(ref: str) -> str:
    return ref.strip().upper() if ref.strip()[:2].upper() in ("WK", "BU", "GM") else ref.strip()


def _programme_mark(store: ProgrammeStore | None) -> tuple[tuple[str, int], ...]:
    """(slug, version) of every programme (:meth:`ProgrammeStore.marks`, one query): changes
    with every save."""
    if store is None:
        return ()
    try:
        return store.marks()
    except (OSError, WijkanalyseError):
        return ()


def _programmes_of(request: Request) -> ProgrammeStore | None:
    """The site's programme store, ``None`` on a site without a content store (the wijk
    pages then have no "Partners en geld" section; they are not a 404)."""
    try:
        return store_of(request)
    except NotFound:
        return None


class _Reader:
    """What a profile request reads: the database, the content store, the programme store
    (partners and money of a participating wijk) and their marks."""

    def __init__(self, request: Request, db: Database) -> None:
        self.db = db
        self.content: ContentStore | None = getattr(request.app.state, "content", None)
        self.programmes: ProgrammeStore | None = _programmes_of(request)
        self.mark = (content_mark(request), _programme_mark(self.programmes))


def profile_of(db: Database, ref: str, kind: str | None, *,
               content: ContentStore | None = None, mark: Any = None,
               programmes: ProgrammeStore | None = None) -> Profile:
    """The profile of ``ref`` with the stories and approaches of ``content`` and, for a wijk
    taking part in a programme of ``programmes``, its partners and money (section
    ``programma``), cached per database build and ``mark`` (the content store's last change,
    :class:`~wijkanalyse.web.deps.ContentMark`, and the programmes'); :class:`NotFound` when
    unknown."""
    key = _key(ref)

    def make(con: duckdb.DuckDBPyConnection) -> Profile:
        subject = subject_or_404(con, key, kind=kind)
        made = build_profile(con, subject, cache=db.shared, content=content)
        if programmes is not None:
            section = profile_section(programmes, subject_id=subject.id, codes=subject.members)
            if section is not None:
                made = with_section(made, SECTION_KEY, section)
        return made

    profile: Profile = db.cached(("profile", key, kind, mark), make)
    return profile


def _gemeente_map(db: Database, profile: Profile) -> str | None:
    """The map of the subject's gemeente (wijken, or buurten for a buurt), areas as links."""
    s = profile.subject
    gm = s.gemeente_code
    if not gm:
        return None
    level = "buurt" if s.level == "buurt" else "wijk"

    def make(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str, Any]], dict[str, float]]:
        layers = gemeente_layers(con, gm, db.shared.setdefault("location", {}))
        shapes = layers.buurten if level == "buurt" else layers.wijk_layer
        areas = [(code, sh.name, sh.geom) for code, sh in sorted(shapes.items())]
        _, values = load.indicator_values(con, "a_inw", [c for c, _, _ in areas])
        return areas, values

    areas, values = db.cached(("gemeente-areas", gm, level), make)
    highlight = s.members[0] if len(s.members) == 1 else None
    return choropleth_svg(
        areas, values, url=lambda c: url_for_subject(c, level),
        label=f"Kaart van {s.gemeente_name or gm}: {level}en naar aantal inwoners",
        value_text=lambda v: f"{round(v):,}".replace(",", ".") + " inwoners",
        highlight=highlight)


def _page_key(ref: str, kind: str | None, mark: Any) -> tuple[Any, ...]:
    return ("profile-page", ref, kind, mark)  # the address as asked: "wk…" redirects


def _page(request: Request, r: _Reader, ref: str, kind: str | None) -> Response:
    db = r.db
    page_key = _page_key(ref, kind, r.mark)
    profile = profile_of(db, ref, kind, content=r.content, mark=r.mark,
                         programmes=r.programmes)
    canonical = subject_url(profile.subject)
    if kind is not None and canonical.rsplit("/", 1)[-1] != ref:
        return redirect(request, canonical, status_code=308)
    body = report_body(render_html(profile))
    map_svg = _gemeente_map(db, profile)
    peers = sorted(profile.peers.peers, key=lambda p: p.rank) if profile.peers else []
    response = render(request, "site_profiel.html", {
        "title": f"Wijkprofiel {profile.subject.name}",
        "p": profile, "subject": profile.subject, "url": canonical, "report": body,
        "map_svg": map_svg, "peers": peers,
        "gemeente_url": (url_for_subject(profile.subject.gemeente_code, "gemeente")
                         if profile.subject.gemeente_code else None),
        "downloads": [("HTML", f"{canonical}.html"), ("PDF", f"{canonical}.pdf"),
                      ("Excel", f"{canonical}.xlsx"), ("JSON", f"{canonical}.json")]})
    keep_page(db, page_key, response)
    return response


def _json(r: _Reader, ref: str, kind: str | None) -> JSONResponse:
    db = r.db
    key = ("profile-json", _key(ref), kind, r.mark)
    data = db.lookup(key)
    if data is None:
        data = to_dict(profile_of(db, ref, kind, content=r.content, mark=r.mark,
                         programmes=r.programmes))
        db.remember(key, data)
    return JSONResponse(data)


def _download(r: _Reader, ref: str, kind: str | None, fmt: str) -> Response:
    db = r.db
    profile = profile_of(db, ref, kind, content=r.content, mark=r.mark,
                         programmes=r.programmes)
    key = ("profile-file", _key(ref), kind, fmt, r.mark)
    content = db.lookup(key)
    if content is None:
        if fmt == "html":
            content = render_html(profile).encode("utf-8")
        else:
            with tempfile.TemporaryDirectory(prefix="wijkanalyse-web-") as tmp:
                target = Path(tmp) / f"bestand.{fmt}"
                if fmt == "pdf":
                    render_pdf(profile, target)
                else:
                    write_workbook(profile, target)
                content = target.read_bytes()
        db.remember(key, content)
    name = f"{report_stem(profile)}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(content, media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


def _profile_schema_ref() -> dict[str, Any]:
    return {"200": {"description": "Het wijkprofiel als JSON (docs/profiel.schema.json)",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Profiel"}}}},
            "404": {"description": "Onbekende code, met suggesties",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Fout"}}}}}


def _download_route(kind: str | None, fmt: str) -> Any:
    def download(request: Request, ref: str, db: Database = Depends(get_db)) -> Response:
        return _download(_Reader(request, db), ref, kind, fmt)

    return download


def _register(prefix: str, kind: str | None) -> None:
    what = kind or "gebied (eigen gebied of gebied van een set)"

    @router.get(f"/{prefix}/{{ref}}.json", tags=["wijkprofiel"], response_class=JSONResponse,
                summary=f"Wijkprofiel van een {what} als JSON",
                openapi_extra={"responses": _profile_schema_ref()},
                name=f"{prefix}_json")
    def profile_json(request: Request, ref: str, db: Database = Depends(get_db)) -> Response:
        return _json(_Reader(request, db), ref, kind)

    for fmt in ("pdf", "xlsx", "html"):
        router.add_api_route(f"/{prefix}/{{ref}}.{fmt}", _download_route(kind, fmt),
                             methods=["GET"], include_in_schema=False, name=f"{prefix}_{fmt}")

    @router.get(f"/{prefix}/{{ref}}", response_class=HTMLResponse, include_in_schema=False,
                name=f"{prefix}_page")
    async def profile_page(request: Request, ref: str,
                           db: Database = Depends(get_db)) -> Response:
        r = _Reader(request, db)
        made = cached_page(request, db, _page_key(ref, kind, r.mark))  # no thread needed
        if made is not None:
            return made
        return await run_in_threadpool(_page, request, r, ref, kind)


for _prefix, _kind in PROFILE_ROUTES:
    _register(_prefix, _kind)
