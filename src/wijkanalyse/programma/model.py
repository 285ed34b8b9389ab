"""The programme's data: plain dataclasses that go in and come out of every function.

A :class:`Programme` holds its rules (fees, maximum, meetings window), the registrations
(accepted and rejected, nothing is lost), the selection, the meetings and the payments. It is
written to and read from a plain dict (:func:`programme_to_dict`, :func:`programme_from_dict`)
so that the persistence (:mod:`wijkanalyse.programma.files`, later the content store) stays
one small module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Attendance", "FeeRules", "Meeting", "MoneyFlow", "Outcome", "Participant", "Party",
    "Programme", "Registration", "RejectedRow", "SelectionRecord", "programme_from_dict",
    "programme_to_dict",
]


@dataclass(frozen=True)
class FeeRules:
    """Who pays what: one amount per city or region, partners of the organiser pay less.

    Attributes
    ----------
    partner_fee, non_partner_fee
        Euros per participating city/region (2016: 3,000 and 4,000).
    partners
        Names of the organisation's partners (gemeenten or regions); a registration that
        names one of them, or says it is a partner, pays ``partner_fee``.
    """

    partner_fee: int = 3000
    non_partner_fee: int = 4000
    partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participant:
    """One person a city sends: name, organisation and discipline."""

    name: str
    organisation: str
    discipline: str = ""


@dataclass
class Registration:
    """One city's or region's registration with one wijk.

    Attributes
    ----------
    id
        Stable id within the programme (``"r001"``, or from the file).
    gemeente
        The gemeente or region as registered ("Parkstad Limburg").
    gemeente_codes
        The GM codes it stands for (a region is several).
    wijk
        The wijk as registered; ``wijk_codes`` the CBS codes it resolved to (empty when not
        resolved: an own area or no database at hand), ``wijk_note`` how it was resolved.
    themes
        The themes the city brings.
    provincie, inwoners
        Province of the (first) gemeente and the number of inhabitants of the gemeente(n),
        used for the spread.
    trend_class
        The monitor's trend class of the wijk (``vroegsignalering``, ...), when known.
    partner
        Partner of the organiser (fee).
    received
        When the registration came in (date); ``source`` file and row it came from.
    generated
        True for generated (synthetic) registrations: never real cities' choices.
    warnings
        Things that did not stop the registration (all participants from one organisation).
    """

    id: str
    gemeente: str
    wijk: str
    themes: tuple[str, ...]
    contact: str
    contact_email: str
    participants: tuple[Participant, ...]
    received: dt.date
    partner: bool = False
    gemeente_codes: tuple[str, ...] = ()
    wijk_codes: tuple[str, ...] = ()
    wijk_note: str = ""
    provincie: str = ""
    inwoners: int | None = None
    trend_class: str = ""
    source: str = ""
    generated: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RejectedRow:
    """A row that could not be taken in, kept with its reason (nothing is lost)."""

    source: str
    row: int
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SelectionRecord:
    """The outcome of a selection: who is in, with which weights, when."""

    selected: tuple[str, ...]
    objective: float
    weights: dict[str, float]
    made: str


@dataclass(frozen=True)
class Attendance:
    """Who of a city attends a meeting (2-3 people, may vary per meeting)."""

    registration_id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """A note or outcome of a meeting, linked to kennisdossier entries and wijken."""

    text: str
    kennis_ids: tuple[str, ...] = ()
    wijk_codes: tuple[str, ...] = ()


@dataclass
class Meeting:
    """One theme meeting: date, theme, host wijk, attendance and outcomes."""

    number: int
    date: dt.date
    theme: str
    host_registration: str
    host_wijk: str
    host_gemeente: str
    attendance: list[Attendance] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class Party:
    """A party in a participating wijk: name, kind (corporatie, zorg, ...) and role
    (``actief`` or ``uit te dagen``); see :mod:`wijkanalyse.programma.partners`."""

    registration_id: str
    name: str
    kind: str
    role: str
    note: str = ""


@dataclass(frozen=True)
class MoneyFlow:
    """A money flow for a participating wijk: source, euros over the period (years
    ``start``-``end``), purpose and financing model."""

    registration_id: str
    source: str
    amount: int
    start: int
    end: int
    purpose: str
    model: str = ""


@dataclass
class Programme:
    """A knowledge programme: rules, registrations, selection, meetings, payments, history.

    Attributes
    ----------
    slug
        Short id of the programme (file name).
    name
        Full name ("Nieuwe perspectieven voor stedelijke vernieuwing").
    period_start, period_end
        The programme's period; ``deadline`` the last day of registration.
    fees
        The fee rules.
    maximum
        Above this many valid registrations the participants are selected (15).
    n_meetings
        Number of theme meetings (4); ``meeting_start``/``meeting_end`` their window.
    theme_rankings
        The participants' theme rankings (most wanted first), keyed by registration id (from
        the web form ``/programma/{slug}/themas``; a later ranking replaces the earlier) or
        by the ``deelnemer`` of a preferences file; the meetings' themes are their Borda
        count (:func:`~wijkanalyse.programma.rank_themes`).
    history
        What happened, in order: dicts with ``when``, ``what``, ``who``.
    version
        The store's version this programme was loaded at (0: not stored yet); a save based on
        an older version than the stored one is refused. Not part of the document
        (:func:`programme_to_dict` leaves it out) and not compared.
    """

    slug: str
    name: str
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    meeting_start: dt.date
    meeting_end: dt.date
    fees: FeeRules = field(default_factory=FeeRules)
    maximum: int = 15
    n_meetings: int = 4
    registrations: list[Registration] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    selection: SelectionRecord | None = None
    meetings: list[Meeting] = field(default_factory=list)
    paid: dict[str, str] = field(default_factory=dict)
    parties: list[Party] = field(default_factory=list)
    money: list[MoneyFlow] = field(default_factory=list)
    theme_rankings: dict[str, list[str]] = field(default_factory=dict)
    history: list[dict[str, str]] = field(default_factory=list)
    version: int = field(default=0, compare=False)

    def fee_for(self, reg: Registration) -> int:
        """The fee of one registration: partner or not (the fee rules)."""
        return self.fees.partner_fee if is_partner(self, reg) else self.fees.non_partner_fee

    def participating(self) -> list[Registration]:
        """The registrations that take part: the selection if there is one, else all."""
        if self.selection is None:
            return list(self.registrations)
        chosen = set(self.selection.selected)
        return [r for r in self.registrations if r.id in chosen]


def is_partner(programme: Programme, reg: Registration) -> bool:
    """A partner: the registration says so, or its gemeente/region is on the partner list."""
    from wijkanalyse.codes import name_key

    listed = {name_key(p) for p in programme.fees.partners}
    return reg.partner or name_key(reg.gemeente) in listed


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def programme_to_dict(programme: Programme) -> dict[str, Any]:
    """The programme as JSON-able plain data (dates as ISO strings, tuples as lists)."""
    out: dict[str, Any] = _plain(programme)
    out.pop("version", None)
    return out


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _registration(d: dict[str, Any]) -> Registration:
    return Registration(
        id=str(d["id"]), gemeente=str(d["gemeente"]), wijk=str(d["wijk"]),
        themes=tuple(d.get("themes", ())), contact=str(d.get("contact", "")),
        contact_email=str(d.get("contact_email", "")),
        participants=tuple(Participant(**p) for p in d.get("participants", ())),
        received=_date(d["received"]), partner=bool(d.get("partner", False)),
        gemeente_codes=tuple(d.get("gemeente_codes", ())),
        wijk_codes=tuple(d.get("wijk_codes", ())), wijk_note=str(d.get("wijk_note", "")),
        provincie=str(d.get("provincie", "")),
        inwoners=None if d.get("inwoners") is None else int(d["inwoners"]),
        trend_class=str(d.get("trend_class", "")), source=str(d.get("source", "")),
        generated=bool(d.get("generated", False)), warnings=tuple(d.get("warnings", ())))


def _meeting(d: dict[str, Any]) -> Meeting:
    return Meeting(
        number=int(d["number"]), date=_date(d["date"]), theme=str(d["theme"]),
        host_registration=str(d["host_registration"]), host_wijk=str(d["host_wijk"]),
        host_gemeente=str(d["host_gemeente"]),
        attendance=[Attendance(str(a["registration_id"]), tuple(a["names"]))
                    for a in d.get("attendance", ())],
        outcomes=[Outcome(str(o["text"]), tuple(o.get("kennis_ids", ())),
                          tuple(o.get("wijk_codes", ()))) for o in d.get("outcomes", ())])


def programme_from_dict(d: dict[str, Any]) -> Programme:
    """Inverse of :func:`programme_to_dict`."""
    fees = d.get("fees") or {}
    sel = d.get("selection")
    return Programme(
        slug=str(d["slug"]), name=str(d["name"]), period_start=_date(d["period_start"]),
        period_end=_date(d["period_end"]), deadline=_date(d["deadline"]),
        meeting_start=_date(d["meeting_start"]), meeting_end=_date(d["meeting_end"]),
        fees=FeeRules(partner_fee=int(fees.get("partner_fee", 3000)),
                      non_partner_fee=int(fees.get("non_partner_fee", 4000)),
                      partners=tuple(fees.get("partners", ()))),
        maximum=int(d.get("maximum", 15)), n_meetings=int(d.get("n_meetings", 4)),
        registrations=[_registration(r) for r in d.get("registrations", ())],
        rejected=[RejectedRow(str(r["source"]), int(r["row"]), str(r["reason"]),
                              dict(r.get("values", {}))) for r in d.get("rejected", ())],
        selection=None if not sel else SelectionRecord(
            tuple(sel["selected"]), float(sel["objective"]), dict(sel["weights"]),
            str(sel["made"])),
        meetings=[_meeting(m) for m in d.get("meetings", ())],
        paid=dict(d.get("paid", {})),
        parties=[Party(**p) for p in d.get("parties", ())],
        money=[MoneyFlow(**m) for m in d.get("money", ())],
        theme_rankings={str(k): [str(t) for t in v]
                        for k, v in (d.get("theme_rankings") or {}).items()},
        history=[dict(h) for h in d.get("history", ())])
