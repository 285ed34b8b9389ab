"""The gemeente page: its wijken (``?niveau=buurt``: buurten) on a map coloured by a chosen
indicator (``?indicator=``), as a table with links, and the segregation figures stored by
``data build`` (``segregatie_gemeente``). JSON twin: ``/gemeente/GM0518.json``."""

from __future__ import annotations

from typing import Any, Literal

import duckdb
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.codes import normalise_code
from wijkanalyse.fmt import format_value
from wijkanalyse.gebieden.layers import gemeente_layers
from wijkanalyse.gebieden.subjects import SubjectError, display_name, resolve_gemeente
from wijkanalyse.segregatie.groups import GROUPS
from wijkanalyse.web import load
from wijkanalyse.web.deps import Database, get_db
from wijkanalyse.web.jinja import render, url_for_subject
from wijkanalyse.web.maps import choropleth_svg
from wijkanalyse.web.models import GemeentePage, SegregationFigure, UnitValue
from wijkanalyse.web.routes.common import redirect, search_url
from wijkanalyse.web.security import NotFound

__all__ = ["DEFAULT_INDICATOR", "router"]

router = APIRouter()

#: The indicator the map shows when none is chosen.
DEFAULT_INDICATOR = "a_inw"
Level = Literal["wijk", "buurt"]


def _gemeente(con: duckdb.DuckDBPyConnection, ref: str) -> tuple[str, str]:
    try:
        return resolve_gemeente(con, ref)
    except SubjectError as exc:
        raise NotFound(str(exc), [(s, search_url(s))
                                  for s in getattr(exc, "suggestions", [])]) from exc


def _data(db: Database, code: str, level: str, indicator: str) -> dict[str, Any]:
    cat = load_catalogue()
    if indicator not in cat.indicators:
        raise NotFound(f"Onbekende indicator {indicator!r}; kies er een uit de lijst op de "
                       "gemeentepagina (zie ook 'wijkanalyse data indicatoren').")

    def make(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        gm, name = _gemeente(con, code)
        year = load.latest_year(con, gm, level)
        units = [(c, display_name(n, code=c)) for c, n in
                 (load.gemeente_units(con, gm, level, year) if year is not None else [])]
        codes = [c for c, _ in units]
        value_year, values = load.indicator_values(con, indicator, codes)
        layers = gemeente_layers(con, gm, db.shared.setdefault("location", {}))
        shapes = layers.buurten if level == "buurt" else layers.wijk_layer
        choices = load.indicators_with_values(con, codes)
        return {"code": gm, "name": name, "units": units, "year": value_year,
                "values": values, "choices": choices,
                "geoms": {c: shapes[c].geom for c in codes if c in shapes},
                "segregation": load.gemeente_segregation(con, gm)}

    data: dict[str, Any] = db.cached(("gemeente", code, level, indicator), make)
    return data


def _figures(parts: dict[str, dict[str, Any]]) -> list[SegregationFigure]:
    labels = {g.id: g.label for g in GROUPS}
    out = []
    for level, part in sorted(parts.items(), key=lambda kv: kv[0] != "wijk"):
        for group in part.get("groups", []):
            for index, found in (group.get("indices") or {}).items():
                value, source = (found[0], found[1]) if found else (None, None)
                out.append(SegregationFigure(
                    niveau=level, groep=labels.get(group["group"], group["group"]),
                    jaar=int(group["year"]), index=index,
                    waarde=None if value is None or value != value else float(value),
                    bron=source, aandeel_gemeente=group.get("share_gemeente")))
    return out


def _page_model(data: dict[str, Any], level: str, indicator: str) -> GemeentePage:
    cat = load_catalogue()
    return GemeentePage(
        code=data["code"], naam=data["name"], niveau=level, indicator=indicator,
        indicator_label=cat.indicators[indicator].label, jaar=data["year"],
        gebieden=[UnitValue(code=c, naam=n, waarde=data["values"].get(c),
                            url=url_for_subject(c, level)) for c, n in data["units"]],
        segregatie=_figures(data["segregation"]))


@router.get("/gemeente/{code}.json", response_model=GemeentePage, tags=["gemeente"],
            summary="Een gemeente: haar wijken met één indicator en de segregatiecijfers",
            responses={404: {"description": "Onbekende gemeente of indicator"}})
def gemeente_json(code: str, db: Database = Depends(get_db),
                  indicator: str = Query(DEFAULT_INDICATOR, max_length=80),
                  niveau: Level = Query("wijk")) -> GemeentePage:
    return _page_model(_data(db, normalise_code(code) or code, niveau, indicator),
                       niveau, indicator)


@router.get("/gemeente/{code}", response_class=HTMLResponse, include_in_schema=False)
def gemeente_page(request: Request, code: str, db: Database = Depends(get_db),
                  indicator: str = Query(DEFAULT_INDICATOR, max_length=80),
                  niveau: Level = Query("wijk")) -> Response:
    data = _data(db, normalise_code(code) or code, niveau, indicator)
    if data["code"] != code:
        return redirect(request, f"/gemeente/{data['code']}?indicator={indicator}"
                                f"&niveau={niveau}", status_code=308)
    cat = load_catalogue()
    ind = cat.indicators[indicator]

    def text(v: float) -> str:
        return format_value(v, unit=ind.unit, kind=ind.kind, decimals=ind.decimals,
                            signed=ind.signed)

    model = _page_model(data, niveau, indicator)
    map_svg = choropleth_svg(
        [(c, n, data["geoms"].get(c)) for c, n in data["units"]], data["values"],
        url=lambda c: url_for_subject(c, niveau),
        label=f"Kaart van {data['name']}: {ind.label}", value_text=text)
    choices = [(i, cat.indicators[i].label) for i in data["choices"] if i in cat.indicators]
    return render(request, "site_gemeente.html", {
        "title": f"Gemeente {data['name']}", "g": model, "map_svg": map_svg,
        "choices": choices, "value_text": text, "unit_label": ind.label})
