"""Search: ``/zoek?q=`` finds a wijk, buurt, gemeente, own area or area of a set (names,
codes, typos and ambiguity as in the CLI: :func:`wijkanalyse.gebieden.subjects.resolve_subject`)
and interventions of the kennisdossier. One area found: a redirect to its page; an ambiguous
name: the candidates with links; nothing: suggestions. JSON twin ``/zoek.json?q=``."""

from __future__ import annotations

from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.content import ContentStore
from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectError,
    SubjectNotFoundError,
    resolve_subject,
)
from wijkanalyse.kennis import search as kennis_search
from wijkanalyse.web.deps import Database, content_mark, get_db
from wijkanalyse.web.jinja import cached_page, keep_page, render
from wijkanalyse.web.models import AreaLink, Candidate, InterventionHit, SearchResult
from wijkanalyse.web.routes.common import (
    ambiguous_text,
    candidate_links,
    not_found_text,
    redirect,
    search_url,
    subject_url,
)

__all__ = ["find", "router"]

router = APIRouter()

#: Interventions shown with a search.
MAX_INTERVENTIONS = 5


def _content(request: Request) -> ContentStore | None:
    """The site's content store (the kennisdossier's stored versions), ``None`` without one."""
    found: ContentStore | None = getattr(request.app.state, "content", None)
    return found


def find(db: Database, q: str, content: ContentStore | None = None,
         mark: Any = None) -> SearchResult:
    """What ``q`` finds (cached per database build and content ``mark``; the kennisdossier
    with the versions stored in ``content``)."""
    text = " ".join(q.split())

    def make(con: duckdb.DuckDBPyConnection) -> SearchResult:
        result = SearchResult(zoekterm=text)
        if not text:
            result.melding = "Typ de naam of code van een wijk, buurt, gemeente of aanpak."
            return result
        try:
            subject = resolve_subject(con, text)
            result.gevonden = AreaLink(naam=subject.name, url=subject_url(subject))
            result.melding = subject.resolution
        except AmbiguousSubjectError as exc:
            result.melding = ambiguous_text(exc)
            result.kandidaten = [Candidate(**c) for c in candidate_links(exc.candidates)]
        except SubjectNotFoundError as exc:
            result.melding = not_found_text(exc)
            result.suggesties = [AreaLink(naam=s, url=search_url(s)) for s in exc.suggestions]
        except SubjectError as exc:
            result.melding = str(exc)
        try:
            frame = kennis_search(con, text, limit=MAX_INTERVENTIONS, content=content)
        except Exception:  # noqa: BLE001 - no kennisdossier: the areas still count
            frame = None
        if frame is not None:
            result.interventies = [
                InterventionHit(id=str(r["id"]), naam=str(r["name"]), soort=r.get("soort"),
                                bewijs=r.get("evidence_level"), score=float(r["score"]),
                                url=f"/kennis/{r['id']}")
                for r in frame.to_dict("records") if float(r["score"]) > 0]
        return result

    found: SearchResult = db.cached(("zoek", text.lower(), mark), make)
    return found


@router.get("/zoek.json", response_model=SearchResult, tags=["zoeken"],
            summary="Zoek een wijk, buurt, gemeente, gebied of aanpak op naam of code")
def search_json(request: Request, db: Database = Depends(get_db),
                q: str = Query("", max_length=200)) -> SearchResult:
    return find(db, q, _content(request), content_mark(request))


@router.get("/zoek", response_class=HTMLResponse, include_in_schema=False)
async def search_page(request: Request, db: Database = Depends(get_db),
                      q: str = Query("", max_length=200)) -> Response:
    mark = content_mark(request)
    found = db.lookup(("zoek", " ".join(q.split()).lower(), mark))
    if found is None:
        found = await run_in_threadpool(find, db, q, _content(request), mark)
    if found.gevonden is not None:
        return redirect(request, found.gevonden.url, status_code=303)
    made = cached_page(request, db, ("zoek-page", found.zoekterm))
    if made is not None:
        return made
    response = render(request, "site_zoek.html", {"title": f"Zoeken: {found.zoekterm}",
                                                  "r": found, "q": found.zoekterm})
    keep_page(db, ("zoek-page", found.zoekterm), response)
    return response
