"""The public web page of a programme's publication (issue 16 item 7): the same report as
``wijkanalyse programma publicatie`` (:mod:`wijkanalyse.programma.publicatie`): the state of
the aandachtswijken (the monitor of the broad set), a short wijkanalyse of every participating
wijk, the outcomes of the meetings, the partners and money overview (who is where, which
financing models recur, who is missing) and the sources. Never fees or contact data: the
publication holds none, for anyone.

Routes:

``GET /programma/{slug}/publicatie``        the report embedded in the site
``GET /programma/{slug}/publicatie.json``   its JSON twin (:class:`PublicatiePagina`)
``GET /programma/{slug}/publicatie.pdf``    the PDF (as the CLI writes it)

The publication is built once per database build and programme change (its history), from
the programme store of :func:`~wijkanalyse.web.routes.programma.store_of`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from wijkanalyse.model import to_dict
from wijkanalyse.programma import Programme, overview
from wijkanalyse.programma.publicatie import (
    Publication,
    build_publication,
    render_publication,
    write_publication,
)
from wijkanalyse.web.jinja import render, report_body, url_for_subject
from wijkanalyse.web.programma_models import PublicatiePagina
from wijkanalyse.web.routes.programma import load_programme

T = TypeVar("T")

__all__ = ["publication_view", "router"]

router = APIRouter()


def _mark(programme: Programme) -> tuple[int, str]:
    """Changes with every save of the programme."""
    return len(programme.history), (programme.history[-1].get("when", "")
                                     if programme.history else "")


def _publication(request: Request, programme: Programme) -> Publication:
    db = getattr(request.app.state, "db", None)
    if db is None:
        raise HTTPException(status_code=503, detail=(
            "Geen database: de publicatie heeft de cijfers nodig. Bouw de database met "
            "'wijkanalyse data build' en start de site opnieuw."))
    key = ("programma-publicatie", programme.slug, _mark(programme))
    pub: Publication = db.cached(key, lambda con: build_publication(con, programme))
    return pub


def _sources(pub: Publication) -> list[str]:
    prog = pub.programme
    out = [f"Aanmeldingen bij {prog.name}."]
    if pub.monitor is not None:
        out.append(f"Monitor van de set {pub.set_spec} met de deelnemende wijken "
                   "(Leefbaarometer, CBS Kerncijfers wijken en buurten).")
    out.append("Wijkanalyses: het wijkprofiel van elke deelnemende wijk (CBS Kerncijfers "
               "wijken en buurten, Leefbaarometer; de bronnen per figuur in het wijkprofiel).")
    out.append(f"Verslagen van de bijeenkomsten, vastgelegd in het programma {prog.slug}.")
    out.append("Partners en geld: opgave van de deelnemende steden en regio's, vastgelegd in "
               f"het programma {prog.slug}.")
    return out


def publication_view(pub: Publication) -> dict[str, Any]:
    """The publication as JSON-able data (the JSON twin): no fees or contact data."""
    from wijkanalyse.monitor import to_dict as monitor_dict

    prog = pub.programme
    ov = overview(prog)
    wijk_of = {r.id: r.wijk for r in prog.registrations}
    return {
        "programma": prog.slug, "naam": prog.name,
        "periode": {"van": prog.period_start.isoformat(), "tot": prog.period_end.isoformat()},
        "gemaakt": pub.generated_on.isoformat(), "set": pub.set_spec,
        "stand": monitor_dict(pub.monitor) if pub.monitor is not None else None,
        "wijken": [{"gemeente": w.registration.gemeente, "wijk": w.registration.wijk,
                    "codes": list(w.registration.wijk_codes),
                    "url": url_for_subject(w.registration.wijk_codes[0])
                    if w.registration.wijk_codes else "",
                    "samenvatting": to_dict(w.profile.summary)
                    if w.profile is not None and w.profile.summary is not None else None,
                    "probleem": w.problem} for w in pub.wijken],
        "bijeenkomsten": [{"nummer": m.number, "datum": m.date.isoformat(), "thema": m.theme,
                           "gastwijk": m.host_wijk, "gastgemeente": m.host_gemeente,
                           "aanwezigen": sum(len(a.names) for a in m.attendance),
                           "uitkomsten": [dataclasses.asdict(o) for o in m.outcomes]}
                          for m in prog.meetings],
        "partners": {
            "per_wijk": [{k: v for k, v in r.items() if k != "id"} for r in ov.per_wijk],
            "in_meerdere_wijken": ov.parties_in_several,
            "financieringsmodellen": ov.models,
            "terugkerende_modellen": [m["model"] for m in ov.recurring],
            "geldstromen": [{"wijk": wijk_of.get(m.registration_id, m.registration_id),
                             "bron": m.source, "bedrag": m.amount, "van": m.start,
                             "tot": m.end, "doel": m.purpose,
                             "model": m.model or "niet opgegeven"} for m in prog.money],
        },
        "bronnen": _sources(pub),
    }


def _made(request: Request, slug: str, kind: str, make: Callable[[Publication], T]
          ) -> tuple[Programme, T]:
    """The programme and one form of its publication (``kind``: json, html, pdf), made by
    ``make`` once per database build and programme change (the site's cache)."""
    programme = load_programme(request, slug)
    pub = _publication(request, programme)
    db = request.app.state.db
    key = (f"programma-publicatie-{kind}", slug, _mark(programme))
    value = db.lookup(key)
    if value is None:
        value = make(pub)
        db.remember(key, value)
    return programme, value


def _json(request: Request, slug: str) -> dict[str, Any]:
    return _made(request, slug, "json", publication_view)[1]


@router.get("/programma/{slug}/publicatie.json", tags=["programma"],
            response_model=PublicatiePagina,
            summary="De publicatie van een kennisprogramma als JSON (zoals 'wijkanalyse "
                    "programma publicatie'; zonder bijdragen of contactgegevens)",
            responses={404: {"description": "Onbekend programma"},
                       503: {"description": "Geen database"}})
async def publication_json(request: Request, slug: str) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_json, request, slug))


def _page(request: Request, slug: str) -> Response:
    programme, body = _made(request, slug, "html",
                            lambda pub: report_body(render_publication(pub)))
    return render(request, "programma/publicatie.html", {
        "title": f"Publicatie: {programme.name}", "programme": programme, "report": body,
        "downloads": [("PDF", f"/programma/{slug}/publicatie.pdf"),
                      ("JSON", f"/programma/{slug}/publicatie.json")]})


@router.get("/programma/{slug}/publicatie", response_class=HTMLResponse,
            include_in_schema=False)
async def publication_page(request: Request, slug: str) -> Response:
    """The publication, embedded in the site."""
    return await run_in_threadpool(_page, request, slug)


def _pdf_bytes(pub: Publication) -> bytes:
    with tempfile.TemporaryDirectory(prefix="wijkanalyse-web-") as tmp:
        return write_publication(pub, Path(tmp), formats=("pdf",))["pdf"].read_bytes()


def _pdf(request: Request, slug: str) -> Response:
    content = _made(request, slug, "pdf", _pdf_bytes)[1]
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="publicatie-{slug}.pdf"'})


@router.get("/programma/{slug}/publicatie.pdf", include_in_schema=False)
async def publication_pdf(request: Request, slug: str) -> Response:
    """The publication as PDF."""
    return await run_in_threadpool(_pdf, request, slug)
