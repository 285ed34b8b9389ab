"""Partners and money per wijk (issue 16 item 5): the parties active in a participating wijk
with their role, the money flows (source, amount, period, purpose, financing model), and the
overview across the programme (who is where, which financing models recur, which kinds of
party are missing per wijk).

Pure functions on :class:`~wijkanalyse.programma.model.Programme`; kept in the programme file
(:mod:`wijkanalyse.programma.files`) for now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from wijkanalyse.codes import name_key
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma.model import MoneyFlow, Party, Programme, Registration

__all__ = ["KINDS", "ROLES", "PartnerOverview", "add_money", "add_party", "overview"]

#: The kinds of party the programme asks about, in the order of the overview.
KINDS: tuple[str, ...] = ("gemeente", "corporatie", "zorg", "welzijn", "onderwijs",
                          "bewoners", "ondernemers", "energiebedrijf", "politie", "overig")
#: Kinds every wijk is expected to have; the overview names the ones that are missing.
EXPECTED_KINDS: tuple[str, ...] = ("corporatie", "zorg", "welzijn", "onderwijs", "bewoners",
                                   "ondernemers")
#: Active in the wijk, or a party the wijk has to challenge (still to be won).
ROLES: tuple[str, ...] = ("actief", "uit te dagen")


def _registration(programme: Programme, wijk: str) -> Registration:
    """The participating registration named by id, wijk name or CBS code."""
    key = name_key(wijk)
    for reg in programme.participating():
        if (wijk == reg.id or key == name_key(reg.wijk) or wijk.upper() in reg.wijk_codes):
            return reg
    known = ", ".join(f"{r.id} ({r.wijk})" for r in programme.participating()) or "geen"
    raise WijkanalyseError(f"Wijk {wijk!r} doet niet mee aan {programme.slug}; kies een "
                           f"aanmelding, wijknaam of CBS-code uit: {known}.")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    v = value.strip().lower()
    if v not in allowed:
        raise WijkanalyseError(f"Onbekende {what} {value!r}: kies uit " + ", ".join(allowed)
                               + ".")
    return v


def add_party(programme: Programme, *, wijk: str, name: str, kind: str, role: str,
              note: str = "") -> Party:
    """Record a party in a participating wijk (a second record of the same name and wijk
    replaces the first).

    Parameters
    ----------
    programme
        The programme (changed in place).
    wijk
        Registration id, wijk name or CBS code of a participating wijk.
    name
        The party ("Woonstad Rotterdam").
    kind
        One of :data:`KINDS`.
    role
        ``actief`` or ``uit te dagen``.
    note
        What the party does or should do.

    Returns
    -------
    Party
        The recorded party.

    Raises
    ------
    WijkanalyseError
        Unknown wijk, kind or role, or an empty name (in Dutch, with the choices).
    """
    reg = _registration(programme, wijk)
    if not name.strip():
        raise WijkanalyseError("De naam van de partij is leeg; geef bijvoorbeeld --naam "
                               "'Woonstad Rotterdam'.")
    party = Party(registration_id=reg.id, name=name.strip(),
                  kind=_choice(kind, KINDS, "soort partij"),
                  role=_choice(role, ROLES, "rol"), note=note.strip())
    programme.parties = [p for p in programme.parties if not (
        p.registration_id == reg.id and name_key(p.name) == name_key(party.name))] + [party]
    return party


def add_money(programme: Programme, *, wijk: str, source: str, amount: int, start: int,
              end: int | None = None, purpose: str, model: str = "") -> MoneyFlow:
    """Record a money flow for a participating wijk.

    Parameters
    ----------
    programme
        The programme (changed in place).
    wijk
        Registration id, wijk name or CBS code of a participating wijk.
    source
        Who pays ("gemeente Emmen", "Lefier").
    amount
        Euros over the whole period (positive).
    start, end
        First and last year of the period (``end`` defaults to ``start``).
    purpose
        What the money is for.
    model
        The financing model ("subsidie", "investering corporatie", "fonds", "sociale
        obligatie", ...); the overview counts the models that recur.

    Raises
    ------
    WijkanalyseError
        Unknown wijk, an amount that is not positive, years out of order or outside
        1990-2100, an empty source or purpose.
    """
    reg = _registration(programme, wijk)
    end = start if end is None else end
    if amount <= 0:
        raise WijkanalyseError(f"Bedrag {amount} is niet positief; geef het bedrag in hele "
                               "euro's over de hele periode, bijvoorbeeld 250000.")
    if not (1990 <= start <= 2100 and 1990 <= end <= 2100) or end < start:
        raise WijkanalyseError(f"Periode {start}-{end} klopt niet: geef jaartallen tussen 1990 "
                               "en 2100, het eindjaar niet voor het beginjaar.")
    if not source.strip() or not purpose.strip():
        raise WijkanalyseError("Bron en doel van het geld zijn verplicht; geef --bron en "
                               "--doel.")
    flow = MoneyFlow(registration_id=reg.id, source=source.strip(), amount=int(amount),
                     start=start, end=end, purpose=purpose.strip(),
                     model=model.strip().lower())
    programme.money.append(flow)
    return flow


@dataclass
class PartnerOverview:
    """Partners and money across the programme.

    Attributes
    ----------
    per_wijk
        Per participating registration (in programme order): ``id``, ``gemeente``, ``wijk``,
        ``actief`` and ``uit_te_dagen`` (party names), ``geld`` (total euros), ``ontbreekt``
        (expected kinds with no party).
    parties_in_several
        Parties active in more than one wijk: ``naam`` and ``wijken``.
    models
        Financing models with the number of wijken and the total amount, most frequent
        first; ``recurring`` is the part used in more than one wijk.
    """

    per_wijk: list[dict[str, Any]]
    parties_in_several: list[dict[str, Any]]
    models: list[dict[str, Any]]

    @property
    def recurring(self) -> list[dict[str, Any]]:
        """Financing models used in more than one wijk."""
        return [m for m in self.models if m["wijken"] > 1]


def overview(programme: Programme) -> PartnerOverview:
    """Who is where, which financing models recur and which kinds of party are missing."""
    regs = programme.participating()
    per_wijk = []
    for reg in regs:
        parties = [p for p in programme.parties if p.registration_id == reg.id]
        flows = [m for m in programme.money if m.registration_id == reg.id]
        kinds = {p.kind for p in parties}
        per_wijk.append({
            "id": reg.id, "gemeente": reg.gemeente, "wijk": reg.wijk,
            "actief": [p.name for p in parties if p.role == "actief"],
            "uit_te_dagen": [p.name for p in parties if p.role == "uit te dagen"],
            "geld": sum(m.amount for m in flows),
            "ontbreekt": [k for k in EXPECTED_KINDS if k not in kinds]})
    names: dict[str, set[str]] = defaultdict(set)
    shown: dict[str, str] = {}
    wijk_of = {r.id: r.wijk for r in regs}
    for p in programme.parties:
        if p.registration_id in wijk_of:
            names[name_key(p.name)].add(wijk_of[p.registration_id])
            shown.setdefault(name_key(p.name), p.name)
    several = [{"naam": shown[k], "wijken": sorted(w)} for k, w in names.items() if len(w) > 1]
    models: dict[str, dict[str, Any]] = {}
    for m in programme.money:
        if m.registration_id not in wijk_of:
            continue
        entry = models.setdefault(m.model or "niet opgegeven",
                                  {"model": m.model or "niet opgegeven", "ids": set(),
                                   "bedrag": 0})
        entry["ids"].add(m.registration_id)
        entry["bedrag"] += m.amount
    model_rows = [{"model": e["model"], "wijken": len(e["ids"]), "bedrag": e["bedrag"]}
                  for e in models.values()]
    model_rows.sort(key=lambda r: (-r["wijken"], -r["bedrag"], r["model"]))
    return PartnerOverview(per_wijk=per_wijk,
                           parties_in_several=sorted(several, key=lambda r: r["naam"]),
                           models=model_rows)
