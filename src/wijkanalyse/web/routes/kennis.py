"""The kennisdossier: ``/kennis`` (browse by ``?thema=``, ``?soort=``, ``?bewijs=``; search
with ``?q=``, the same Dutch search as ``wijkanalyse kennis zoek``) and ``/kennis/ID`` (one
intervention and where it was applied). JSON twins ``/kennis.json`` and ``/kennis/ID.json``."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.content import ContentStore
from wijkanalyse.kennis import (
    KennisError,
    get_intervention,
    list_applied,
    list_interventions,
    search,
)
from wijkanalyse.kennis.files import to_dict as intervention_dict
from wijkanalyse.kennis.vocab import EVIDENCE_LEVELS, KINDS, THEMES
from wijkanalyse.web.deps import Database, content_mark, get_db
from wijkanalyse.web.jinja import render, url_for_subject
from wijkanalyse.web.models import InterventionHit, InterventionPage, KennisPage
from wijkanalyse.web.security import NotFound

__all__ = ["router"]

router = APIRouter()


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _hits(db: Database, q: str | None, thema: str | None, soort: str | None,
          bewijs: str | None, content: ContentStore | None = None,
          mark: Any = None) -> list[InterventionHit]:
    def make(con: duckdb.DuckDBPyConnection) -> list[InterventionHit]:
        try:
            if q:
                frame = search(con, q, themes=thema, evidence=bewijs, limit=None,
                               content=content)
                rows = frame.to_dict("records")
                if soort:
                    rows = [r for r in rows if r.get("soort") == soort]
                return [InterventionHit(id=str(r["id"]), naam=str(r["name"]),
                                        soort=_text(r.get("soort")),
                                        bewijs=_text(r.get("evidence_level")),
                                        score=float(r["score"]), url=f"/kennis/{r['id']}")
                        for r in rows]
            frame = list_interventions(con, theme=thema, evidence=bewijs, kind=soort,
                                       content=content)
            return [InterventionHit(id=str(r["intervention_id"]), naam=str(r["name"]),
                                    soort=_text(r.get("kind")),
                                    bewijs=_text(r.get("evidence_level")),
                                    url=f"/kennis/{r['intervention_id']}")
                    for r in frame.to_dict("records")]
        except KennisError as exc:
            raise NotFound(str(exc), [("Het hele kennisdossier", "/kennis")]) from exc

    hits: list[InterventionHit] = db.cached(("kennis", q, thema, soort, bewijs, mark), make)
    return hits


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/kennis.json", response_model=KennisPage, tags=["kennisdossier"],
            summary="Het kennisdossier: bladeren op thema, soort en bewijskracht, of zoeken",
            responses={404: {"description": "Onbekend thema, soort of bewijsniveau"}})
def kennis_json(request: Request, db: Database = Depends(get_db),
                q: str | None = Query(None, max_length=200),
                thema: str | None = Query(None, max_length=60),
                soort: str | None = Query(None, max_length=60),
                bewijs: str | None = Query(None, max_length=60)) -> KennisPage:
    q, thema, soort, bewijs = _blank(q), _blank(thema), _blank(soort), _blank(bewijs)
    return KennisPage(zoekterm=q, thema=thema, soort=soort, bewijs=bewijs,
                      interventies=_hits(db, q, thema, soort, bewijs, _content(request),
                                         content_mark(request)))


@router.get("/kennis", response_class=HTMLResponse, include_in_schema=False)
def kennis_page(request: Request, db: Database = Depends(get_db),
                q: str | None = Query(None, max_length=200),
                thema: str | None = Query(None, max_length=60),
                soort: str | None = Query(None, max_length=60),
                bewijs: str | None = Query(None, max_length=60)) -> Response:
    q, thema, soort, bewijs = _blank(q), _blank(thema), _blank(soort), _blank(bewijs)
    return render(request, "site_kennis.html", {
        "title": "Kennisdossier", "kq": q or "",
        "hits": _hits(db, q, thema, soort, bewijs, _content(request), content_mark(request)),
        "thema": thema, "soort": soort, "bewijs": bewijs, "themes": THEMES, "kinds": KINDS,
        "levels": EVIDENCE_LEVELS})


def _content(request: Request) -> ContentStore | None:
    """The site's content store (applied interventions), ``None`` without one."""
    found: ContentStore | None = getattr(request.app.state, "content", None)
    return found


def _intervention(db: Database, ident: str, content: ContentStore | None,
                  mark: Any = None) -> InterventionPage:
    def make(con: duckdb.DuckDBPyConnection) -> InterventionPage:
        try:
            iv = get_intervention(con, ident, content=content)
        except KennisError as exc:
            raise NotFound(str(exc), [("Zoek in het kennisdossier", f"/kennis?q={ident}")]
                           ) from exc
        applied = [dataclasses.asdict(a) for a in list_applied(con, content)
                   if a.intervention_id == iv.id]
        for a in applied:
            a["url"] = url_for_subject(str(a["area_code"]), str(a.get("area_kind") or ""))
        return InterventionPage(interventie=intervention_dict(iv),
                                toepassingen=applied)

    page: InterventionPage = db.cached(("interventie", ident, mark), make)
    return page


@router.get("/kennis/{ident}.json", response_model=InterventionPage, tags=["kennisdossier"],
            summary="Eén interventie met waar ze is toegepast",
            responses={404: {"description": "Onbekende interventie"}})
def intervention_json(request: Request, ident: str,
                      db: Database = Depends(get_db)) -> InterventionPage:
    return _intervention(db, ident, _content(request), content_mark(request))


@router.get("/kennis/{ident}", response_class=HTMLResponse, include_in_schema=False)
def intervention_page(request: Request, ident: str, db: Database = Depends(get_db)) -> Response:
    page = _intervention(db, ident, _content(request), content_mark(request))
    iv = page.interventie
    return render(request, "site_interventie.html", {
        "title": str(iv.get("name")), "iv": iv, "applied": page.toepassingen,
        "themes": THEMES})
