"""The monitor pages: ``/monitor`` (the sets) and ``/monitor/SET`` (``programma-2016``,
``krachtwijken-2007``, ``gemeente:Emmen``, ``nl``): the monitor report as
:func:`wijkanalyse.monitor.render_html` renders it (class distribution, maps, early warning,
typology, index, data per area — whatever the monitor shows), after a table of the units
with links, sortable on the server (``?sort=kolom`` or ``?sort=-kolom``). Exports
``/monitor/SET.xlsx`` and ``.csv`` (:func:`wijkanalyse.monitor.write_monitor`); JSON twin
``/monitor/SET.json`` (:func:`wijkanalyse.monitor.to_dict`). Only the sets of the site
(shipped sets, ``gemeente:NAAM``, ``nl``), never a file path.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.sets import list_sets
from wijkanalyse.monitor import (
    MonitorResult,
    monitor_stem,
    render_html,
    run_monitor,
    to_dict,
    write_monitor,
)
from wijkanalyse.web.deps import Database, get_db
from wijkanalyse.web.jinja import render, report_body, url_for_subject
from wijkanalyse.web.models import MonitorPage
from wijkanalyse.web.security import NotFound

__all__ = ["TABLE_COLUMNS", "router"]

router = APIRouter()

#: The columns of the sortable table: (column of ``MonitorResult.units``, Dutch header).
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Naam"), ("gemeente", "Gemeente"), ("klasse_label", "Klasse"),
    ("lbm_afw", "Leefbaarometer: afwijking"), ("index", "Index (100 = NL)"),
    ("type_name", "Type"), ("risk", "Risico"), ("risk_class", "Risicoklasse"))
_MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "csv": "text/csv; charset=utf-8"}


def _check_spec(spec: str) -> str:
    text = spec.strip()
    if not text or "/" in text or "\\" in text or text.lower().endswith((".csv", ".yaml",
                                                                          ".yml")):
        raise NotFound(f"{spec!r} is geen set van de site: kies een set uit /monitor, "
                       "'gemeente:NAAM' of 'nl'.", [("Alle sets", "/monitor")])
    return text


def monitor_of(db: Database, spec: str) -> MonitorResult:
    """The monitor of ``spec`` (cached per database build)."""
    text = _check_spec(spec)

    def make(con: duckdb.DuckDBPyConnection) -> MonitorResult:
        try:
            return run_monitor(con, text)
        except WijkanalyseError as exc:
            raise NotFound(str(exc), [("Alle sets", "/monitor")]) from exc

    result: MonitorResult = db.cached(("monitor", text.lower()), make)
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (1, 0)
    return (0, value if isinstance(value, (int, float)) else str(value).lower())


def _rows(result: MonitorResult, sort: str) -> list[dict[str, Any]]:
    column = sort.lstrip("-")
    if column not in {c for c, _ in TABLE_COLUMNS}:
        raise NotFound(f"Onbekende sorteerkolom {column!r}; kies uit "
                       + ", ".join(c for c, _ in TABLE_COLUMNS) + ".")
    records = result.units.to_dict("records")
    present = [r for r in records if _sort_key(r.get(column))[0] == 0]
    absent = [r for r in records if _sort_key(r.get(column))[0] == 1]
    present.sort(key=lambda r: _sort_key(r.get(column)), reverse=sort.startswith("-"))
    out = []
    for r in present + absent:
        code = str(r.get("unit_id"))
        level = str(r.get("level") or "")
        out.append({**r, "url": url_for_subject(code, level if level in ("wijk", "buurt")
                                                else None)})
    return out


@router.get("/monitor.json", tags=["monitor"], summary="De gebiedensets van de monitor")
def sets_json(db: Database = Depends(get_db)) -> list[dict[str, Any]]:
    frame = db.cached(("sets",), list_sets)
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


@router.get("/monitor", response_class=HTMLResponse, include_in_schema=False)
def sets_page(request: Request, db: Database = Depends(get_db)) -> Response:
    frame = db.cached(("sets",), list_sets)
    sets = [r for r in frame.to_dict("records") if r.get("kind") in ("pakket", "nl")]
    return render(request, "site_monitor_sets.html", {"title": "Monitor kwetsbare wijken",
                                                      "sets": sets})


@router.get("/monitor/{spec}.json", response_model=MonitorPage, tags=["monitor"],
            summary="De monitor van een set als JSON (zoals 'wijkanalyse monitor --format json')",
            responses={404: {"description": "Onbekende set"}})
def monitor_json(spec: str, db: Database = Depends(get_db)) -> MonitorPage:
    result = monitor_of(db, spec)
    data = db.lookup(("monitor-json", spec.lower()))
    if data is None:
        data = to_dict(result)
        db.remember(("monitor-json", spec.lower()), data)
    return MonitorPage(set=spec, monitor=data)


def _export(db: Database, spec: str, fmt: str) -> Response:
    result = monitor_of(db, spec)
    key = ("monitor-file", spec.lower(), fmt)
    content = db.lookup(key)
    if content is None:
        with tempfile.TemporaryDirectory(prefix="wijkanalyse-web-") as tmp:
            written = write_monitor(result, Path(tmp), formats=[fmt])
            content = written[fmt].read_bytes()
        db.remember(key, content)
    name = f"{monitor_stem(result)}.{fmt}"
    return Response(content, media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/monitor/{spec}.xlsx", include_in_schema=False)
def monitor_xlsx(spec: str, db: Database = Depends(get_db)) -> Response:
    return _export(db, spec, "xlsx")


@router.get("/monitor/{spec}.csv", include_in_schema=False)
def monitor_csv(spec: str, db: Database = Depends(get_db)) -> Response:
    return _export(db, spec, "csv")


@router.get("/monitor/{spec}", response_class=HTMLResponse, include_in_schema=False)
async def monitor_page(request: Request, spec: str, db: Database = Depends(get_db),
                       sort: str = Query("name", max_length=40)) -> Response:
    html = db.lookup(("monitor-page", spec, sort))  # a made page: no thread needed
    if html is not None:
        return HTMLResponse(html)
    return await run_in_threadpool(_monitor_page, request, spec, db, sort)


def _monitor_page(request: Request, spec: str, db: Database, sort: str) -> Response:
    result = monitor_of(db, spec)
    key = ("monitor-html", spec.lower())
    body = db.lookup(key)
    if body is None:
        body = report_body(render_html(result))
        db.remember(key, body)
    response = render(request, "site_monitor.html", {
        "title": f"Monitor {result.title}", "r": result, "spec": spec, "report": body,
        "rows": _rows(result, sort), "columns": TABLE_COLUMNS, "sort": sort})
    db.remember(("monitor-page", spec, sort), bytes(response.body))
    return response
