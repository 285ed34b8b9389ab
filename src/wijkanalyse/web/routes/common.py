"""Helpers the routers share: resolving areas for pages, links, and 404s with suggestions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import duckdb
from fastapi import Request
from fastapi.responses import RedirectResponse

from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectError,
    SubjectNotFoundError,
    resolve_subject,
)
from wijkanalyse.model import Subject
from wijkanalyse.web.jinja import url_for_subject
from wijkanalyse.web.security import NotFound

__all__ = ["ambiguous_text", "redirect", "candidate_links", "not_found_text", "search_url",
           "subject_or_404", "subject_url"]

_DID_YOU_MEAN = re.compile(r"\s*Bedoelt u .*\?\s*$", re.S)


def not_found_text(exc: SubjectNotFoundError) -> str:
    """The message without its "Bedoelt u ...?" (the page lists the suggestions as links)."""
    text = str(exc)
    return _DID_YOU_MEAN.sub("", text) if exc.suggestions else text


def ambiguous_text(exc: AmbiguousSubjectError) -> str:
    """For the site: how many areas fit (the page lists them as links; the CLI's advice to
    add --gemeente does not apply)."""
    return (f"{exc.query!r} is niet eenduidig: {len(exc.candidates)} gebieden passen. "
            "Kies er een.")


def redirect(request: Request, path: str, *, status_code: int) -> RedirectResponse:
    """A redirect to a page of the site, under the path prefix of a reverse proxy."""
    settings = getattr(request.app.state, "settings", None)
    base = settings.base_path.rstrip("/") if settings is not None else ""
    return RedirectResponse(base + path, status_code=status_code)


def search_url(text: str) -> str:
    """The search page for ``text``."""
    return "/zoek?q=" + quote(text)


def subject_url(subject: Subject) -> str:
    """The page of a resolved subject."""
    if subject.kind in ("wijk", "buurt", "gemeente"):
        return url_for_subject(subject.id, subject.kind)
    return f"/gebied/{quote(subject.id)}"


def candidate_links(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates of an ambiguous name with the url of each."""
    out = []
    for c in candidates:
        code = str(c.get("code") or "")
        level = str(c.get("level") or "")
        url = (url_for_subject(code, level) if level in ("wijk", "buurt", "gemeente")
               else f"/gebied/{quote(code)}")
        out.append({"code": code, "naam": str(c.get("name") or code), "niveau": level,
                    "gemeente": c.get("gemeente_name"), "url": url})
    return out


def subject_or_404(con: duckdb.DuckDBPyConnection, ref: str, *, kind: str | None) -> Subject:
    """The subject ``ref`` names (a CBS code or an area id), or :class:`NotFound` with
    suggestions (close names, or the candidates of an ambiguous name)."""
    try:
        subject = resolve_subject(con, ref)
    except AmbiguousSubjectError as exc:
        raise NotFound(ambiguous_text(exc), [(f"{c['naam']} ({c['code']})", c["url"])
                                  for c in candidate_links(exc.candidates)]) from exc
    except SubjectNotFoundError as exc:
        raise NotFound(not_found_text(exc), [(s, search_url(s)) for s in exc.suggestions]
                       ) from exc
    except SubjectError as exc:
        raise NotFound(str(exc)) from exc
    if kind is not None and subject.kind != kind:
        raise NotFound(f"{ref!r} is geen {kind} maar een {subject.kind}.",
                       [(subject.name, subject_url(subject))])
    return subject
