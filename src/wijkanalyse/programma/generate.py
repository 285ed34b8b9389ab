"""Generated (synthetic) registrations for tests, the bench and demonstrations.

Every generated registration has ``generated=True`` and a wijk called ``Gegenereerde wijk N``:
they are never real cities' choices. The same seed gives the same set.
"""

from __future__ import annotations

import datetime as dt
import random

from wijkanalyse.programma.model import Participant, Registration
from wijkanalyse.programma.regions import load_regions

__all__ = ["THEMES", "TREND_CLASSES", "generate_registrations", "to_rows"]

THEMES = ("openbare ruimte", "menging", "verdichting", "participatie", "armoede en schulden",
          "veiligheid", "zorg en welzijn", "onderwijs", "werk en economie", "energietransitie",
          "wonen", "financiering")
TREND_CLASSES = ("vroegsignalering", "terugval", "boven_dalend", "achteruitgang",
                 "recent_herstel", "gestaag_herstel", "stabiel_sterk", "succes",
                 "blijvend_achter", "onvoldoende_gegevens")
_ORGS = ("gemeente", "woningcorporatie", "welzijnsorganisatie", "wijkteam", "GGD", "school",
         "bewonersorganisatie")
_DISCIPLINES = ("beleid", "wonen", "sociaal domein", "ruimtelijke ordening", "economie",
                "onderzoek")


def generate_registrations(n: int, *, seed: int = 2016, received_from: dt.date = dt.date(
        2016, 9, 1), days: int = 40) -> list[Registration]:
    """``n`` generated registrations: distinct gemeenten from the shipped province table
    (regions count as one), one to three themes, a trend class, two or three participants.

    Parameters
    ----------
    n
        How many (at most the number of gemeenten in the table, about 90; beyond that the
        gemeenten get a number: ``Gemeente 91``).
    seed
        Random seed (same seed, same set).
    received_from, days
        Registrations arrive on days ``received_from .. received_from + days``.
    """
    rng = random.Random(seed)
    table = load_regions()
    pool = sorted({(g, p) for g, p in table.gemeenten if g != "'s-Gravenhage"})
    rng.shuffle(pool)
    provinces = sorted({p for _, p in pool})
    out = []
    for i in range(n):
        if i < len(pool):
            gemeente, prov = pool[i]
        else:
            gemeente, prov = f"Gemeente {i + 1}", rng.choice(provinces)
        k = rng.randint(2, 3)
        orgs = rng.sample(_ORGS, k) if rng.random() > 0.15 else ["gemeente"] * k
        participants = tuple(Participant(f"Deelnemer {i + 1}{chr(97 + j)}", orgs[j],
                                         rng.choice(_DISCIPLINES)) for j in range(k))
        out.append(Registration(
            id=f"g{i + 1:03d}", gemeente=gemeente, wijk=f"Gegenereerde wijk {i + 1}",
            themes=tuple(rng.sample(THEMES, rng.randint(1, 3))),
            contact=f"Contact {i + 1}", contact_email=f"contact{i + 1}@voorbeeld.nl",
            participants=participants,
            received=received_from + dt.timedelta(days=rng.randint(0, days)),
            partner=rng.random() < 0.6, provincie=prov,
            inwoners=int(rng.lognormvariate(11.6, 0.7)),
            trend_class=rng.choice(TREND_CLASSES), wijk_note="gegenereerd",
            source="gegenereerd", generated=True))
    return out


def to_rows(regs: list[Registration]) -> list[dict[str, str]]:
    """Registrations as rows of an import file (the columns of
    :data:`wijkanalyse.programma.registration.COLUMNS`; lists joined with ``|``)."""
    rows = []
    for r in regs:
        row = {"id": r.id, "gemeente": r.gemeente, "wijk": r.wijk,
               "themas": "|".join(r.themes), "contactpersoon": r.contact,
               "email": r.contact_email, "datum": r.received.isoformat(),
               "partner": "ja" if r.partner else "nee", "provincie": r.provincie,
               "inwoners": "" if r.inwoners is None else str(r.inwoners),
               "wijkcodes": "|".join(r.wijk_codes), "trendklasse": r.trend_class,
               "gegenereerd": "ja" if r.generated else "nee"}
        for i in (1, 2, 3):
            p = r.participants[i - 1] if len(r.participants) >= i else None
            row[f"deelnemer{i}_naam"] = p.name if p else ""
            row[f"deelnemer{i}_organisatie"] = p.organisation if p else ""
            row[f"deelnemer{i}_discipline"] = p.discipline if p else ""
        rows.append(row)
    return rows
