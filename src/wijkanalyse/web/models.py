"""Response models of the JSON twins (they describe the JSON routes in OpenAPI).

The profile JSON (``/wijk/CODE.json``) is described by the profile's own JSON Schema
(:func:`wijkanalyse.profiel.profile_schema`, ``docs/profiel.schema.json``), merged into the
OpenAPI document by :func:`wijkanalyse.web.app.create_app`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AreaLink", "Candidate", "DataPage", "GemeentePage", "InterventionHit",
           "InterventionPage", "KennisPage", "MonitorPage", "SearchResult", "SegregationFigure",
           "UnitValue"]


class AreaLink(BaseModel):
    """A link to a page of the site."""

    naam: str
    url: str


class Candidate(BaseModel):
    """One of the areas an ambiguous name may mean."""

    code: str
    naam: str
    niveau: str
    gemeente: str | None = None
    url: str


class InterventionHit(BaseModel):
    """An intervention of the kennisdossier in a list or a search result."""

    id: str
    naam: str
    soort: str | None = None
    bewijs: str | None = None
    score: float | None = None
    url: str


class SearchResult(BaseModel):
    """What a search found: one area (``gevonden``), or candidates, or suggestions."""

    zoekterm: str
    gevonden: AreaLink | None = None
    melding: str | None = None
    kandidaten: list[Candidate] = Field(default_factory=list)
    suggesties: list[AreaLink] = Field(default_factory=list)
    interventies: list[InterventionHit] = Field(default_factory=list)


class UnitValue(BaseModel):
    """A wijk or buurt of a gemeente with the value of the chosen indicator."""

    code: str
    naam: str
    waarde: float | None = None
    url: str


class SegregationFigure(BaseModel):
    """A segregation index of a gemeente (stored by ``data build``)."""

    niveau: str
    groep: str
    jaar: int
    index: str
    waarde: float | None = None
    bron: str | None = None
    aandeel_gemeente: float | None = None


class GemeentePage(BaseModel):
    """The gemeente page: its wijken with one indicator, and its segregation figures."""

    code: str
    naam: str
    niveau: str
    indicator: str
    indicator_label: str
    jaar: int | None = None
    gebieden: list[UnitValue]
    segregatie: list[SegregationFigure]


class MonitorPage(BaseModel):
    """The monitor of one set (``wijkanalyse monitor SET --format json``), as it exports."""

    set: str
    monitor: dict[str, Any]


class KennisPage(BaseModel):
    """The kennisdossier, filtered or searched."""

    zoekterm: str | None = None
    thema: str | None = None
    soort: str | None = None
    bewijs: str | None = None
    interventies: list[InterventionHit]


class InterventionPage(BaseModel):
    """One intervention and where it was applied."""

    interventie: dict[str, Any]
    toepassingen: list[dict[str, Any]]


class DataPage(BaseModel):
    """``wijkanalyse data status --format json``: sources, coverage, what is missing."""

    status: dict[str, Any]
    licenties: list[str]
