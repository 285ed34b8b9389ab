"""Applied approaches: recording that an intervention was (or is) applied in an area, removing
such a record, and finding the records that concern a profile's subject.

The records live in the content store (:class:`wijkanalyse.content.ContentStore`, passed in);
the analytical database is read for the catalogue and to resolve the area."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse import store
from wijkanalyse.codes import (
    area_relation,
    gemeente_code_of,
    relation_sentence,
)
from wijkanalyse.content import ContentStore, DuplicateRecordError
from wijkanalyse.gebieden.subjects import SubjectError, resolve_subject
from wijkanalyse.kennis import load
from wijkanalyse.kennis.dossier import (
    _clean_author,
    _now,
    current_state,
    ensure_catalogue,
    get_intervention,
)
from wijkanalyse.kennis.model import AppliedApproach
from wijkanalyse.kennis.parse import _clean_text
from wijkanalyse.kennis.vocab import (
    _FUNDING_LOOKUP,
    _PARTNER_LOOKUP,
    APPLIED_COLUMNS,
    KennisError,
    _indicator_domains,
    _norm,
    _suggest,
)
from wijkanalyse.model import Subject

# --------------------------------------------------------------------------- applied


def _free_terms(values: Iterable[str] | str, lookup: Mapping[str, str], what: str
                ) -> tuple[str, ...]:
    items = [values] if isinstance(values, str) else list(values or ())
    out: list[str] = []
    for item in items:
        for part in str(item).split(",") if isinstance(item, str) else [item]:
            text = " ".join(str(part).split())
            if not text:
                continue
            if len(text) > 120:
                raise KennisError(f"{what} {text[:40]!r}... is te lang (maximaal 120 tekens).",
                                  field=what)
            term = lookup.get(_norm(text), text)
            if term not in out:
                out.append(term)
    return tuple(out)


def _clean_year(value: object, what: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise KennisError(f"ongeldig {what} {value!r}: geef een jaartal, bijvoorbeeld 2016.",
                          field=what) from exc
    limit = date.today().year + 10
    if not 1950 <= year <= limit:
        raise KennisError(f"{what} {year} valt buiten 1950-{limit}.", field=what)
    return year


def apply_intervention(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    *,
    intervention: str,
    area: str,
    year_from: int,
    year_to: int | None = None,
    partners: Iterable[str] | str = (),
    funding: Iterable[str] | str = (),
    result: str = "",
    indicators: Iterable[str] | str = (),
    author: str,
    gemeente: str | None = None,
    user_id: int | None = None,
) -> AppliedApproach:
    """Record that an intervention was (or is) applied in an area.

    Parameters
    ----------
    con
        A connection to the analytical database: the catalogue and the area (a writable one
        first loads the shipped catalogue when it is missing).
    content
        The content store the record is written to.
    intervention
        Id (or name) of a current intervention.
    area
        Resolved with :func:`wijkanalyse.gebieden.subjects.resolve_subject`: a CBS code, a region
        name,
        a user area or an area of a shipped set; stored under the subject's id.
    year_from, year_to
        Years (1950 to ten years ahead); ``year_to`` ``None`` while it runs, else not before
        ``year_from``.
    partners, funding
        Who did it and who paid; an entry that is a vocabulary term (:data:`PARTNERS`,
        :data:`FUNDING`, id or label) is stored as its id, any other text (an organisation, a
        fund) as given. A text is split on commas.
    result
        The observed result in words.
    indicators
        Indicator ids the result refers to (catalogue ids).
    author
        Who records it (required).
    gemeente
        Settles an area name used in several gemeenten.
    user_id
        The account that records it (web), or ``None``.

    Raises
    ------
    KennisError
        Unknown intervention, area or indicator, invalid years, no author, or the same
        application is already stored.
    """
    who = _clean_author(author)
    if not store.is_read_only(con):
        ensure_catalogue(con)
    iv = get_intervention(con, intervention, content=content)
    start = _clean_year(year_from, "beginjaar")
    end = None if year_to is None else _clean_year(year_to, "eindjaar")
    if end is not None and end < start:
        raise KennisError(f"het eindjaar {end} ligt voor het beginjaar {start}.",
                          field="eindjaar")
    text = " ".join(str(area or "").split())
    if not text:
        raise KennisError("geef een gebied: een CBS-code (bijv. WK011443), de naam van een wijk "
                          "of buurt, of de id van een eigen gebied.", field="gebied")
    try:
        subject = resolve_subject(con, text, gemeente=gemeente)
    except SubjectError as exc:
        raise KennisError(str(exc), field="gebied") from exc
    domains = _indicator_domains()
    inds = _free_terms(indicators, {}, "indicator")
    for ind in inds:
        if ind not in domains:
            raise KennisError(f"onbekende indicator {ind!r}.{_suggest(ind, domains)}",
                              field="indicator")
    result_text = _clean_text(str(result or ""))
    if len(result_text) > 5000:
        raise KennisError("het resultaat is te lang (maximaal 5.000 tekens).", field="resultaat")
    members = tuple(subject.members)
    gm = subject.gemeente_code or (gemeente_code_of(members[0]) if members else None)
    data: dict[str, Any] = {
        "intervention_id": iv.id, "area_code": subject.id, "area_name": subject.name,
        "area_kind": subject.kind, "area_members": list(members), "gemeente_code": gm,
        "year_from": start, "year_to": end,
        "partners": list(_free_terms(partners, _PARTNER_LOOKUP, "partner")),
        "funding": list(_free_terms(funding, _FUNDING_LOOKUP, "financiering")),
        "result_text": result_text, "result_indicators": list(inds), "author": who,
        "removed_at": None, "removed_by": None,
    }
    now = _now()
    data["created_at"] = data["updated_at"] = now
    try:
        data["applied_id"] = content.add_applied(data, changed_by=who, changed_at=now,
                                                 user_id=user_id)
    except DuplicateRecordError as exc:
        raise KennisError(f"deze toepassing staat er al in als nummer {exc.existing} (zelfde "
                          "interventie, gebied en jaren).") from exc
    return _applied(data, iv.name)


def remove_applied(content: ContentStore, applied_id: int, *, removed_by: str,
                   user_id: int | None = None) -> None:
    """Remove an applied approach (soft delete; its history is kept).

    Raises
    ------
    KennisError
        Unknown or already removed, or no name given.
    """
    who = _clean_author(removed_by, "naam van wie verwijdert")
    data = _load_applied(content, applied_id)
    now = _now()
    data["removed_at"] = data["updated_at"] = now
    data["removed_by"] = who
    content.save_applied(data, action="remove", changed_by=who, changed_at=now,
                         user_id=user_id)


def _load_applied(content: ContentStore, applied_id: object) -> dict[str, Any]:
    try:
        aid = int(str(applied_id))
    except ValueError as exc:
        raise KennisError(f"ongeldig nummer {applied_id!r}: geef een getal.") from exc
    data = content.applied(aid)
    if data is None:
        raise KennisError(f"toepassing {aid} bestaat niet.")
    if data["removed_at"] is not None:
        raise KennisError(f"toepassing {aid} is al verwijderd op {data['removed_at']} door "
                          f"{data['removed_by']}.")
    return data


def _applied(data: Mapping[str, Any], name: str, *, relation: str | None = None,
             relation_text: str | None = None) -> AppliedApproach:
    return AppliedApproach(
        applied_id=int(data["applied_id"]), intervention_id=data["intervention_id"],
        intervention_name=name, area_code=data["area_code"], area_name=data["area_name"],
        area_kind=data["area_kind"], area_members=tuple(data["area_members"] or ()),
        gemeente_code=data["gemeente_code"], year_from=int(data["year_from"]),
        year_to=None if data["year_to"] is None else int(data["year_to"]),
        partners=tuple(data["partners"] or ()), funding=tuple(data["funding"] or ()),
        result_text=data["result_text"] or "",
        result_indicators=tuple(data["result_indicators"] or ()), author=data["author"],
        created_at=data["created_at"], updated_at=data["updated_at"],
        relation=relation, relation_text=relation_text,
    )


def _applied_rows(con: duckdb.DuckDBPyConnection, content: ContentStore | None,
                  intervention_id: str | None = None) -> list[tuple[dict[str, Any], str]]:
    """The current applications (of one intervention), newest start first, each with the
    intervention's current name (its id when it is not in the catalogue)."""
    if content is None:
        return []
    rows = content.applied_rows(intervention_id)
    if not rows:
        return []
    names = ({iid: str(cur.record["name"]) for iid, cur in current_state(con, content).items()}
             if load.tables_exist(con) else {})
    return [(r, names.get(r["intervention_id"], r["intervention_id"])) for r in rows]


def _relation(data: Mapping[str, Any], subject: Subject) -> str | None:
    return area_relation(data["area_code"], data["area_kind"], data["area_members"] or (),
                         subject_id=subject.id, own=subject.members,
                         wijk_codes=subject.wijk_codes)


def _relation_text(relation: str, data: Mapping[str, Any], subject: Subject) -> str:
    return relation_sentence(relation, lead="Toegepast in",
                             what=f"{data['area_kind']} {data['area_name']}",
                             subject_kind=subject.kind)


def applied_for(con: duckdb.DuckDBPyConnection, content: ContentStore | None,
                subject: Subject) -> list[AppliedApproach]:
    """The applied approaches of a profile: on the subject, on its members, on a wijk that
    contains it, on a region inside it or on an area that overlaps it (approaches for a whole
    gemeente only in that gemeente's profile). Newest start first.

    Each result carries ``relation`` and ``relation_text`` ("Toegepast in wijk Angelslo,
    waarin deze buurt ligt."). Works on a read-only connection; empty without a content store.
    """
    out = []
    for data, name in _applied_rows(con, content):
        rel = _relation(data, subject)
        if rel is not None:
            out.append(_applied(data, name, relation=rel,
                                relation_text=_relation_text(rel, data, subject)))
    return out


def applied_anywhere(con: duckdb.DuckDBPyConnection, content: ContentStore | None,
                     intervention_id: str) -> pd.DataFrame:
    """Where an intervention was applied (not removed records), newest start first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`APPLIED_COLUMNS`.

    Raises
    ------
    KennisError
        Unknown intervention.
    """
    iv = get_intervention(con, intervention_id, include_removed=True, content=content)
    rows = _applied_rows(con, content, iv.id)
    records = []
    for data, _ in rows:
        rec = {c: data[c] for c in APPLIED_COLUMNS}
        for col in ("partners", "funding", "result_indicators"):
            rec[col] = list(rec[col] or [])
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=APPLIED_COLUMNS)
    return df.astype({"year_to": "Int64"}) if len(df) else df


def list_applied(con: duckdb.DuckDBPyConnection, content: ContentStore | None, *,
                 area: str | None = None, gemeente: str | None = None) -> list[AppliedApproach]:
    """All applied approaches, or those of a profile of ``area`` (as :func:`applied_for`)."""
    if area is None:
        return [_applied(d, n) for d, n in _applied_rows(con, content)]
    try:
        subject = resolve_subject(con, area, gemeente=gemeente)
    except SubjectError as exc:
        raise KennisError(str(exc), field="gebied") from exc
    return applied_for(con, content, subject)


__all__ = [
    "applied_anywhere", "applied_for", "apply_intervention", "list_applied", "remove_applied",
]
