"""Fees and invoices: the fee per city or region, paid or not, exported as Excel or CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from wijkanalyse.atomicio import write_atomic
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame, write_sheets
from wijkanalyse.programma.model import Programme, is_partner

__all__ = ["INVOICE_COLUMNS", "invoices", "mark_paid", "write_invoices"]

INVOICE_COLUMNS = ("id", "gemeente", "wijk", "partner", "bedrag", "betaald", "betaald_op",
                   "contactpersoon", "email")


def invoices(programme: Programme) -> pd.DataFrame:
    """One row per participating city or region: fee (partner or not) and payment.

    Returns
    -------
    DataFrame
        Columns :data:`INVOICE_COLUMNS`; ``bedrag`` in euros, ``betaald`` ja/nee.
    """
    rows = []
    for r in programme.participating():
        paid = programme.paid.get(r.id, "")
        rows.append({"id": r.id, "gemeente": r.gemeente, "wijk": r.wijk,
                     "partner": "ja" if is_partner(programme, r) else "nee",
                     "bedrag": programme.fee_for(r), "betaald": "ja" if paid else "nee",
                     "betaald_op": paid, "contactpersoon": r.contact, "email": r.contact_email})
    return pd.DataFrame(rows, columns=list(INVOICE_COLUMNS))


def mark_paid(programme: Programme, registration_id: str, *, on: dt.date) -> Programme:
    """Record that a city or region paid (date).

    Raises
    ------
    WijkanalyseError
        The id is not a participating registration.
    """
    ids = {r.id for r in programme.participating()}
    if registration_id not in ids:
        raise WijkanalyseError(f"Aanmelding {registration_id!r} doet niet mee aan "
                               f"{programme.slug}; kies een id uit 'wijkanalyse programma "
                               "facturen'.")
    programme.paid[registration_id] = on.isoformat()
    return programme


def write_invoices(programme: Programme, path: Path) -> Path:
    """Write the overview to ``path`` (``.xlsx`` or ``.csv``), formula-safe and atomically,
    with a total row."""
    frame = invoices(programme)
    total = pd.DataFrame([{"id": "totaal", "bedrag": int(frame["bedrag"].sum())}],
                         columns=frame.columns)
    out = pd.concat([frame, total], ignore_index=True) if len(frame) else frame
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return write_atomic(path, lambda tmp: csv_frame(out).to_csv(tmp, index=False))
    if path.suffix.lower() == ".xlsx":
        return write_atomic(path, lambda tmp: write_sheets(tmp, {"facturen": out}, header=True))
    raise WijkanalyseError(f"{path}: onbekend formaat {path.suffix!r}; kies .xlsx of .csv.")
