"""The web's Jinja environment: the site's own templates (``web/templates``) on top of the
report templates of :mod:`wijkanalyse.present` (the partials of the profile and the monitor
are reused, not written a second time), and helpers to embed a rendered report."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from wijkanalyse.present.jinja import environment as report_environment

__all__ = ["environment", "render", "report_body", "report_css", "url_for_subject"]

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_SCRIPT = re.compile(r"<script[^>]*>.*?</script>", re.S | re.I)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The site's templates first, then the report templates (same filters and settings)."""
    base = report_environment()
    env = base.overlay(loader=ChoiceLoader([PackageLoader("wijkanalyse.web", "templates"),
                                            base.loader]))  # type: ignore[list-item]
    env.globals["subject_url"] = url_for_subject
    return env


def render(request: Request, name: str, context: dict[str, Any], *,
           status_code: int = 200) -> HTMLResponse:
    """A page of the site: ``name`` rendered with ``context`` plus ``base`` (the path prefix
    behind a reverse proxy) and ``q`` (the search box's text)."""
    settings = getattr(request.app.state, "settings", None)
    base = settings.base_path.rstrip("/") if settings is not None else ""
    html = environment().get_template(name).render(
        base=base, q=context.pop("q", ""), **context)
    return HTMLResponse(html, status_code=status_code)


def report_body(html: str) -> Markup:
    """The body of a rendered report (profile, monitor) without its ``<style>`` elements (the
    site serves the same CSS from /static; the Content-Security-Policy forbids inline styles
    elements) and without any script (the reports have none)."""
    match = _BODY.search(html)
    body = match.group(1) if match else html
    return Markup(_SCRIPT.sub("", _STYLE.sub("", body)))  # noqa: S704 - our own rendering


@lru_cache(maxsize=4)
def report_css(name: str) -> str:
    """The CSS of a report template: ``report.css`` itself, or the ``<style>`` elements of a
    partial (``_monitor_style.html``), for /static."""
    env = report_environment()
    loader = env.loader
    assert loader is not None
    source, _, _ = loader.get_source(env, name)
    if name.endswith(".css"):
        return source
    return "\n".join(m.group(0).split(">", 1)[1].rsplit("</style", 1)[0]
                     for m in _STYLE.finditer(source))


def url_for_subject(code: str, kind: str | None = None) -> str:
    """The page of an area: ``/wijk/WK..``, ``/buurt/BU..``, ``/gemeente/GM..`` or
    ``/gebied/ID`` (own areas, areas of a shipped set)."""
    upper = str(code).upper()
    if upper.startswith("WK") and kind in (None, "wijk"):
        return f"/wijk/{upper}"
    if upper.startswith("BU") and kind in (None, "buurt"):
        return f"/buurt/{upper}"
    if upper.startswith("GM") and kind in (None, "gemeente"):
        return f"/gemeente/{upper}"
    return f"/gebied/{code}"
