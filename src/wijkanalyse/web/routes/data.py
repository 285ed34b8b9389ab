"""The data page: sources, years, coverage, what is missing and the licences — the report of
``wijkanalyse data status`` (:func:`wijkanalyse.sources.data_status`). JSON twin ``/data.json``."""

from __future__ import annotations

from typing import Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from wijkanalyse.sources import data_status
from wijkanalyse.web.deps import Database, get_db
from wijkanalyse.web.jinja import render
from wijkanalyse.web.models import DataPage

__all__ = ["LICENCES", "router"]

router = APIRouter()

#: The licence lines of the sources (as in the README, "Bronnen en licenties").
LICENCES: tuple[str, ...] = (
    'CBS-gegevens (Kerncijfers Wijken en Buurten, Wijk- en Buurtkaart, SES-WOA): CC BY 4.0, '
    '"Bron: CBS".',
    "Leefbaarometer 3.0: ministerie van BZK.",
    "Grenzen: CBS/PDOK (CC BY 4.0) en gemeentelijke open data.",
    'Misdrijven: "Politie, Geregistreerde misdrijven (CBS-tabel 47013NED)".',
    'Gezondheid: "RIVM/GGD, Gezondheidsmonitor Volwassenen en Ouderen 2016" (schattingen, '
    "geen tellingen).",
)

#: Dutch column headers of the status tables.
HEADERS: dict[str, str] = {
    "source_id": "Bron", "kind": "Soort", "layout": "Indeling", "table_id": "CBS-tabel",
    "year": "Jaar", "n_regions": "Gebieden", "n_values": "Cijfers", "label": "Naam",
    "level": "Niveau", "n_with_value": "Gebieden met cijfers", "n_indicators": "Indicatoren",
    "id": "Indicator", "domain": "Domein", "rel_path": "Bestand", "description": "Beschrijving",
    "title": "Titel", "size_bytes": "Grootte (bytes)", "message": "Melding", "name": "Naam",
    "column": "Kolom", "source_column": "Kolom", "n": "Aantal",
}


def _status(db: Database) -> dict[str, Any]:
    def make(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        report = data_status(con)
        return {"dict": report.to_dict(), "report": report}

    status: dict[str, Any] = db.cached(("data-status",), make)
    return status


@router.get("/data.json", response_model=DataPage, tags=["data"],
            summary="Bronnen, jaren, dekking, wat ontbreekt en de licenties")
def data_json(db: Database = Depends(get_db)) -> DataPage:
    return DataPage(status=_status(db)["dict"], licenties=list(LICENCES))


@router.get("/data", response_class=HTMLResponse, include_in_schema=False)
def data_page(request: Request, db: Database = Depends(get_db)) -> Response:
    status = _status(db)
    report = status["report"]
    return render(request, "site_data.html", {
        "title": "Gegevens", "report": report, "status": status["dict"],
        "licences": LICENCES, "headers": HEADERS})
