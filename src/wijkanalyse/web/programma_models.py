"""Response models of the knowledge programme's JSON twins (issue 16), for the OpenAPI
description (as :mod:`wijkanalyse.web.models` for the other pages).

``/programma/{slug}.json`` answers the public part to everyone and adds the team's part
(registrations with contact data, selection, attendance, fees) for a beheerder: the team's
fields are optional in :class:`ProgrammaPagina`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["Aanmeldformulier", "Bijeenkomst", "DeelnemendeWijk", "Periode", "ProgrammaPagina",
           "PublicatiePagina", "ThemaPunten", "ThemaVoorkeuren", "VoorkeurDeelnemer"]


class Periode(BaseModel):
    """From and to (ISO dates)."""

    van: str
    tot: str


class DeelnemendeWijk(BaseModel):
    """A participating wijk with a link to its profile ('' for an own area)."""

    gemeente: str
    wijk: str
    codes: list[str]
    url: str


class Bijeenkomst(BaseModel):
    """A theme meeting: number, date, theme and host wijk."""

    nummer: int
    datum: str
    thema: str
    gastwijk: str
    gastgemeente: str


class ProgrammaPagina(BaseModel):
    """A programme: the public part for everyone, with the team's part for a beheerder."""

    programma: str
    naam: str
    periode: Periode
    aanmelden_tot: str
    wijken: list[DeelnemendeWijk]
    selectie_gemaakt: bool
    bijeenkomsten: list[Bijeenkomst]
    aanmeldingen: list[dict[str, Any]] | None = Field(
        default=None, description="Alleen voor een beheerder: alle aanmeldingen.")
    afgewezen: list[dict[str, Any]] | None = Field(
        default=None, description="Alleen voor een beheerder: afgewezen aanmeldingen.")
    maximum: int | None = Field(default=None, description="Alleen voor een beheerder.")
    selectie: dict[str, Any] | None = Field(
        default=None, description="Alleen voor een beheerder: de selectie met uitleg.")
    aanwezigheid: list[dict[str, Any]] | None = Field(
        default=None, description="Alleen voor een beheerder: aanwezigheid per bijeenkomst.")
    bijdragen: list[dict[str, Any]] | None = Field(
        default=None, description="Alleen voor een beheerder: bijdragen, betaald of niet.")
    totaal: dict[str, int] | None = Field(
        default=None, description="Alleen voor een beheerder: totaal en betaald (euro).")


class Aanmeldformulier(BaseModel):
    """The registration form's fields and whether registration is open."""

    programma: str
    naam: str
    aanmelden_tot: str
    open: bool
    velden: list[str]
    verplicht: list[str]


class PublicatiePagina(BaseModel):
    """The publication of a programme (no fees or contact data)."""

    programma: str
    naam: str
    periode: Periode
    gemaakt: str
    set: str = Field(description="De set waarmee de monitor begint (krachtwijken-2007).")
    stand: dict[str, Any] | None = Field(
        description="De monitor van de set met de deelnemende wijken (als /monitor/SET.json).")
    wijken: list[dict[str, Any]] = Field(
        description="Per deelnemende wijk: gemeente, wijk, codes, url, samenvatting (de "
                    "samenvattingspagina van het wijkprofiel) of probleem.")
    bijeenkomsten: list[dict[str, Any]]
    partners: dict[str, Any] = Field(
        description="Partijen per wijk (actief, uit te dagen, ontbreekt, geld), partijen in "
                    "meer wijken, financieringsmodellen (terugkerend) en geldstromen.")
    bronnen: list[str]


class ThemaPunten(BaseModel):
    """A theme with its Borda points."""

    thema: str
    punten: int


class VoorkeurDeelnemer(BaseModel):
    """A participating registration (no contact data)."""

    id: str
    gemeente: str
    wijk: str


class ThemaVoorkeuren(BaseModel):
    """The participants' theme rankings: candidates, the Borda order, who has ranked."""

    programma: str
    naam: str
    kandidaten: list[str]
    ranglijst: list[ThemaPunten]
    bijeenkomsten: list[str] = Field(description="De thema's die 'bijeenkomsten plannen' "
                                                 "zonder opgegeven thema's kiest.")
    rangschikkingen: int
    gerangschikt: list[VoorkeurDeelnemer]
    nog_niet: list[VoorkeurDeelnemer]
