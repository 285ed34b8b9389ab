"""Partners and money in the wijkprofiel (issue 16 item 5): the "Partners en geld" section
of a wijk that takes part in a programme.

The profile (:mod:`wijkanalyse.profiel`) lies below this package and never reads programmes;
the caller (CLI ``wijkanalyse profiel``, the web's wijk pages) asks :func:`profile_section` for
the section data and passes it to :func:`wijkanalyse.profiel.with_section`. The data is
JSON-able (:data:`~wijkanalyse.model.SectionData`) and public: parties and money flows of the
wijk, never the programme's fees or contact data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.model import JSONValue, SectionData
from wijkanalyse.programma.files import ProgrammeStore
from wijkanalyse.programma.model import Programme, Registration
from wijkanalyse.programma.partners import EXPECTED_KINDS

__all__ = ["SECTION_KEY", "profile_section", "wijk_part"]

#: The key of the section in the profile (and its JSON).
SECTION_KEY = "programma"


def _euro(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


def _recorded_by(programme: Programme, reg: Registration) -> str:
    """'vastgelegd door …' from the programme's history of parties and money of ``reg``."""
    entries = [h for h in programme.history
               if h.get("what", "").startswith(("partij ", "geldstroom "))
               and h.get("what", "").rstrip().endswith(f"bij {reg.id}")]
    who = sorted({h["who"] for h in entries if h.get("who")})
    by = ", ".join(who) if who else "het programmateam"
    last = max((h.get("when", "")[:10] for h in entries), default="")
    try:
        day = dt.date.fromisoformat(last)
    except ValueError:  # no entry with a date (a programme file written by hand)
        return f"vastgelegd door {by}"
    return f"vastgelegd door {by}, laatst bijgewerkt {day:%d-%m-%Y}"


def wijk_part(programme: Programme, reg: Registration) -> dict[str, Any]:
    """The parties and money of one participating registration, as the section shows them.

    Returns
    -------
    dict
        ``programma`` (slug), ``naam``, ``gemeente``, ``wijk``, ``actief`` and ``uit_te_dagen``
        (dicts with ``naam``, ``soort``, ``toelichting``), ``geld`` (``bron``, ``bedrag``,
        ``bedrag_tekst``, ``van``, ``tot``, ``periode``, ``doel``, ``model``), ``totaal`` and
        ``totaal_tekst``, ``ontbreekt`` (expected kinds of party without one) and ``bron``
        (the source line).
    """
    parties = [p for p in programme.parties if p.registration_id == reg.id]
    flows = [m for m in programme.money if m.registration_id == reg.id]

    def party(p: Any) -> dict[str, str]:
        return {"naam": p.name, "soort": p.kind, "toelichting": p.note}

    total = sum(m.amount for m in flows)
    kinds = {p.kind for p in parties}
    return {
        "programma": programme.slug, "naam": programme.name, "gemeente": reg.gemeente,
        "wijk": reg.wijk,
        "actief": [party(p) for p in parties if p.role == "actief"],
        "uit_te_dagen": [party(p) for p in parties if p.role == "uit te dagen"],
        "geld": [{"bron": m.source, "bedrag": m.amount, "bedrag_tekst": _euro(m.amount),
                  "van": m.start, "tot": m.end,
                  "periode": f"{m.start}–{m.end}" if m.end != m.start else str(m.start),
                  "doel": m.purpose, "model": m.model or "niet opgegeven"} for m in flows],
        "totaal": total, "totaal_tekst": _euro(total),
        "ontbreekt": [k for k in EXPECTED_KINDS if k not in kinds],
        "bron": f"Bron: programma {programme.name}, {_recorded_by(programme, reg)}.",
    }


def _takes_part(reg: Registration, codes: set[str], subject_id: str) -> bool:
    return bool(codes & {c.upper() for c in reg.wijk_codes}) or (
        bool(subject_id) and subject_id in reg.wijk_codes)


def profile_section(store: ProgrammeStore, *, subject_id: str, codes: Iterable[str],
                    programmes: Iterable[str] | None = None) -> SectionData | None:
    """The "Partners en geld" section of an area that takes part in one or more programmes.

    Parameters
    ----------
    store
        Where the programmes are kept (:class:`~wijkanalyse.programma.ProgrammeStore`).
    subject_id
        The area's id (CBS code or own area id).
    codes
        The CBS codes of the area (its members; a participating registration whose wijk codes
        share one of them is this area).
    programmes
        Slugs to look in (default: every programme of the store).

    Returns
    -------
    SectionData or None
        ``programmas`` (one :func:`wijk_part` per programme the area takes part in), ``intro``
        and ``ontbreekt_uitleg``; ``None`` when the area takes part in none (or the store
        cannot be read: the profile does not depend on it).
    """
    wanted = {c.upper() for c in codes}
    try:
        slugs = list(programmes) if programmes is not None else store.list()
    except (OSError, WijkanalyseError):
        return None
    parts: list[JSONValue] = []
    names: list[str] = []
    for slug in sorted(slugs):
        try:
            programme = store.load(slug)
        except (OSError, WijkanalyseError):
            continue
        for reg in programme.participating():
            if _takes_part(reg, wanted, subject_id):
                parts.append(wijk_part(programme, reg))
                names.append(programme.name)
    if not parts:
        return None
    return {
        "title": "Partners en geld",
        "programmas": parts,
        "intro": (f"Deze wijk doet mee aan het kennisprogramma {'; '.join(names)}. Het "
                  "programma legt vast welke partijen in de wijk actief zijn, wie nog "
                  "uitgedaagd moet worden en welke geldstromen de wijk gebruikt."),
        "ontbreekt_uitleg": ("Soorten partijen die het programma in elke wijk verwacht ("
                             + ", ".join(EXPECTED_KINDS) + ") en die hier nog niet zijn "
                             "vastgelegd."),
    }
