"""Registrations: one form (a web form later, a row of a CSV/Excel file now) -> a Registration
or a RejectedRow with a Dutch reason naming file, row and column. Nothing is lost.

Columns (header names, case ignored): ``gemeente`` (a gemeente or a region such as Parkstad
Limburg), ``wijk``, ``themas`` (separated by ``;``), ``contactpersoon``, ``email``, ``datum``
(received, ``2016-10-03`` or ``3-10-2016``), ``partner`` (ja/nee), ``deelnemer1_naam``,
``deelnemer1_organisatie``, ``deelnemer1_discipline`` up to ``deelnemer3_...``; optional
``id``, ``provincie``, ``inwoners``, ``wijkcodes`` (CBS codes, ``;``-separated: settles an
ambiguous wijk name), ``trendklasse`` and ``gegenereerd`` (ja for generated test data).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wijkanalyse.codes import name_key
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.programma.model import Participant, Programme, Registration, RejectedRow
from wijkanalyse.programma.regions import load_regions

__all__ = ["COLUMNS", "ImportResult", "Resolution", "Resolver", "import_registrations",
           "read_rows", "register"]

COLUMNS = ("id", "gemeente", "wijk", "themas", "contactpersoon", "email", "datum", "partner",
           *(f"deelnemer{i}_{k}" for i in (1, 2, 3) for k in ("naam", "organisatie",
                                                             "discipline")),
           "provincie", "inwoners", "wijkcodes", "trendklasse", "gegenereerd")
_REQUIRED = ("gemeente", "wijk", "themas", "contactpersoon", "email", "datum")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_YES = {"ja", "j", "yes", "y", "1", "true", "waar", "x"}
_NO = {"nee", "n", "no", "0", "false", "onwaar", ""}


@dataclass(frozen=True)
class Resolution:
    """What a database says about a registration's gemeente and wijk."""

    gemeente_codes: tuple[str, ...]
    wijk_codes: tuple[str, ...]
    note: str = ""
    inwoners: int | None = None
    trend_class: str = ""


Resolver = Callable[[str, tuple[str, ...], str, tuple[str, ...]], Resolution]
"""``(gemeente, region members, wijk, given codes) -> Resolution``; raises
:class:`~wijkanalyse.errors.WijkanalyseError` with a Dutch message when the wijk is unknown or
ambiguous (the profile's ambiguity handling, :func:`wijkanalyse.gebieden.resolve_subject`)."""


@dataclass(frozen=True)
class ImportResult:
    """Accepted and rejected rows of one file."""

    accepted: list[Registration]
    rejected: list[RejectedRow]


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _split(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in re.split(r"[;|]", text) if t.strip())


def _where(source: str, row: int, column: str | None = None) -> str:
    return f"{source}, rij {row}" + (f", kolom {column!r}" if column else "")


def register(
    programme: Programme,
    form: Mapping[str, str],
    *,
    source: str = "formulier",
    row: int = 1,
    resolver: Resolver | None = None,
    seen: Sequence[Registration] = (),
) -> Registration | RejectedRow:
    """Take one registration form in: a :class:`Registration`, or a :class:`RejectedRow`
    with the reason (Dutch, naming source, row and column).

    Parameters
    ----------
    programme
        The programme (deadline, earlier registrations for duplicates).
    form
        Field -> text (the columns in the module docstring; keys case-insensitive).
    source, row
        Where the form came from (file name and 1-based row with the header as row 1).
    resolver
        Resolves gemeente and wijk against the database; without it the wijk keeps the codes
        given in ``wijkcodes`` (none: an own area, noted).
    seen
        Registrations accepted earlier in the same file (duplicates).

    Returns
    -------
    Registration or RejectedRow
    """
    f = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in form.items()}
    values = {k: v for k, v in f.items() if v}

    def reject(reason: str) -> RejectedRow:
        return RejectedRow(source=source, row=row, reason=reason, values=values)

    for col in _REQUIRED:
        if not f.get(col):
            return reject(f"{_where(source, row, col)}: leeg. Vul '{col}' in; de aanmelding "
                          "is bewaard bij de afgewezen rijen.")
    try:
        received = _parse_date(f["datum"])
    except ValueError:
        return reject(f"{_where(source, row, 'datum')}: {f['datum']!r} is geen datum. Schrijf "
                      "bijvoorbeeld 2016-10-03 of 3-10-2016.")
    if received > programme.deadline:
        return reject(f"{_where(source, row, 'datum')}: te laat aangemeld ({received:%d-%m-%Y}"
                      f"; de termijn sloot op {programme.deadline:%d-%m-%Y}). Neem contact op "
                      "met het programmateam als u een uitzondering wilt vragen.")
    if not _EMAIL.match(f["email"]):
        return reject(f"{_where(source, row, 'email')}: {f['email']!r} is geen e-mailadres. "
                      "Vul een adres in als naam@organisatie.nl.")
    participants: list[Participant] = []
    for i in (1, 2, 3):
        name, org = f.get(f"deelnemer{i}_naam", ""), f.get(f"deelnemer{i}_organisatie", "")
        if name and not org:
            return reject(f"{_where(source, row, f'deelnemer{i}_organisatie')}: deelnemer "
                          f"{name!r} heeft geen organisatie. Vul de organisatie in.")
        if org and not name:
            return reject(f"{_where(source, row, f'deelnemer{i}_naam')}: een deelnemer van "
                          f"{org!r} zonder naam. Vul de naam in.")
        if name:
            participants.append(Participant(name, org, f.get(f"deelnemer{i}_discipline", "")))
    if len(participants) < 2:
        col = "deelnemer1_naam" if not participants else "deelnemer2_naam"
        return reject(f"{_where(source, row, col)}: {len(participants)} deelnemer(s); elke stad "
                      "of regio stuurt twee of drie deelnemers. Vul er minstens twee in.")
    key = name_key(f["gemeente"])
    for other in [*programme.registrations, *seen]:
        if name_key(other.gemeente) == key:
            return reject(f"{_where(source, row, 'gemeente')}: {f['gemeente']} heeft zich al "
                          f"aangemeld ({other.source or 'eerder'}, wijk {other.wijk}); elke stad "
                          "of regio brengt één wijk in. Trek de eerdere aanmelding in of "
                          "verwijder deze rij.")
    if f.get("id") and any(o.id == f["id"] for o in [*programme.registrations, *seen]):
        return reject(f"{_where(source, row, 'id')}: id {f['id']!r} is al in gebruik; geef "
                      "elke aanmelding een eigen id of laat de kolom leeg.")
    warnings: list[str] = []
    if len({name_key(p.organisation) for p in participants}) == 1:
        warnings.append(f"Alle deelnemers komen van {participants[0].organisation}; bij voorkeur "
                        "komen ze uit verschillende organisaties en disciplines.")
    table = load_regions()
    members = table.region(f["gemeente"]) or ()
    provincie = f.get("provincie") or table.provincie(f["gemeente"])
    if not provincie:
        warnings.append(f"De provincie van {f['gemeente']} is onbekend; vul de kolom "
                        "'provincie' in voor de spreiding over het land.")
    given = tuple(c.upper() for c in _split(f.get("wijkcodes", "")))
    try:
        inwoners = int(f["inwoners"].replace(".", "")) if f.get("inwoners") else None
    except ValueError:
        return reject(f"{_where(source, row, 'inwoners')}: {f['inwoners']!r} is geen aantal.")
    partner = f.get("partner", "").lower()
    if partner not in _YES | _NO:
        return reject(f"{_where(source, row, 'partner')}: {f['partner']!r}; vul ja of nee in.")
    reg = Registration(
        id=f.get("id") or f"r{len(programme.registrations) + len(seen) + 1:03d}",
        gemeente=f["gemeente"], wijk=f["wijk"], themes=_split(f["themas"]),
        contact=f["contactpersoon"], contact_email=f["email"], participants=tuple(participants),
        received=received, partner=partner in _YES, wijk_codes=given,
        wijk_note="CBS-codes uit het bestand" if given else "eigen gebied (niet opgezocht)",
        provincie=provincie, inwoners=inwoners, trend_class=f.get("trendklasse", ""),
        source=_where(source, row), generated=f.get("gegenereerd", "").lower() in _YES,
        warnings=tuple(warnings))
    if resolver is not None:
        try:
            res = resolver(reg.gemeente, members, reg.wijk, given)
        except WijkanalyseError as exc:
            return reject(f"{_where(source, row, 'wijk')}: {exc} Vul de CBS-code(s) in de "
                          "kolom 'wijkcodes' in om de wijk vast te leggen.")
        reg = replace(reg, gemeente_codes=res.gemeente_codes,
                      wijk_codes=res.wijk_codes or given, wijk_note=res.note or reg.wijk_note,
                      inwoners=reg.inwoners if reg.inwoners is not None else res.inwoners,
                      trend_class=reg.trend_class or res.trend_class)
    return reg


def read_rows(path: Path, *, required: str = "gemeente") -> list[dict[str, str]]:
    """The rows of a CSV (``,`` or ``;``, UTF-8 with or without BOM) or ``.xlsx`` file.

    Raises
    ------
    DataFileError
        Unknown extension, unreadable file, or no ``required`` column (names the columns
        found).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    rows: list[dict[str, str]]
    try:
        if suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(
                ",") else ","
            rows = [dict(r) for r in csv.DictReader(text.splitlines(), delimiter=dialect)]
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            ws = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            it = ws.iter_rows(values_only=True)
            header = [str(h or "").strip() for h in next(it, ())]
            rows = [{h: _cell(v) for h, v in zip(header, r, strict=False) if h} for r in it
                    if any(v not in (None, "") for v in r)]
        else:
            raise DataFileError(path, f"onbekend bestandstype {suffix!r}.",
                                hint="Lever de aanmeldingen als .csv of .xlsx.")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, "het bestand is geen UTF-8-tekst.",
                            hint="Sla het op als CSV (UTF-8) of als .xlsx.") from exc
    except (OSError, KeyError, ValueError) as exc:
        if isinstance(exc, WijkanalyseError):
            raise
        raise DataFileError(path, f"kan niet worden gelezen ({exc}).",
                            hint="Controleer of het een CSV- of Excel-bestand is.") from exc
    found = {k.strip().lower() for r in rows for k in r}
    if rows and required not in found:
        raise DataFileError(path, f"geen kolom {required!r}.", line=1,
                            hint="Gevonden kolommen: " + ", ".join(sorted(found)) + ". Gebruik "
                            "de kolomnamen uit docs/programma.md.")
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def import_registrations(programme: Programme, path: Path, *,
                         resolver: Resolver | None = None) -> ImportResult:
    """Read a CSV/Excel file of registrations (:func:`read_rows`) and take each row in
    (:func:`register`); rows that cannot be taken in are returned with their reason."""
    accepted: list[Registration] = []
    rejected: list[RejectedRow] = []
    for i, form in enumerate(read_rows(path), start=2):
        out = register(programme, form, source=Path(path).name, row=i, resolver=resolver,
                       seen=accepted)
        if isinstance(out, Registration):
            accepted.append(out)
        else:
            rejected.append(out)
    return ImportResult(accepted, rejected)
