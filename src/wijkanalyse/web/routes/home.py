"""The home page: one search box, and the ways into the site."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.web.jinja import render

__all__ = ["router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> Response:
    return render(request, "site_home.html", {"title": "wijkanalyse"})
