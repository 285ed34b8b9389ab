"""Het kennisdossier: interventions (interventies, aanpakken) and where they were applied.

An *intervention* is a known approach to vulnerable neighbourhoods (herstructurering,
buurtbemiddeling, Housing First, ...) described as a structured record
(:class:`Intervention`): what it is, which problems it addresses (as indicator domains and
directions or signal rules, so it can be matched to a profile), its working elements, how
strong the evidence is, who works together, who pays, cost, time horizon, pitfalls and
sources. The package ships a starter catalogue, one file per intervention, in
``wijkanalyse/data/interventies/<id>.yaml`` (the id is the file name); ``docs/kennisdossier.md``
explains the format (Dutch keys, :data:`FILE_KEYS`) and how to review a file.

An *applied approach* (:class:`AppliedApproach`) records that an intervention was (or is)
applied in an area from one year to another, by which partners, with which funding and with
which observed result, so a profile can show "what is being done here" and the monitor what
was done where neighbourhoods improved.

Storage (DDL in :data:`~wijkanalyse.kennis.load.SCHEMA`, all four tables in
:data:`~wijkanalyse.kennis.load.TABLES` are user tables that ``data build`` carries over; the
SQL is in :mod:`~wijkanalyse.kennis.load`):

``interventions``             the current version of every intervention: searchable columns
                              plus the full record as JSON (``record``);
``intervention_history``      every version ever stored, with who, when, what (``action``) and
                              where it came from (``origin``);
``applied_approaches``        the applied approaches (soft delete: ``removed_at``);
``applied_approach_history``  every version of them.

Shipped and user versions
-------------------------
:func:`ensure_catalogue` (re)loads the shipped files. A shipped intervention that no user
changed (``origin = 'pakket'``) follows the package: a changed file becomes a new version
(``update`` by :data:`SHIPPED_AUTHOR`). Once a user stored a version (:func:`add_or_update`,
``origin = 'gebruiker'``) or removed it, the user's version stays current: a changed shipped
file is then recorded in the history as ``shipped_skipped`` with the shipped content as its
snapshot, so it is never lost and never silently applied; :func:`restore_shipped` makes the
shipped version current again. A shipped file that disappears from the package is removed
(soft) unless a user version is current. ``interventions.shipped_sha256`` is the hash of the
last shipped content seen for that id, so reloading is idempotent.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse import store
from wijkanalyse.kennis import load
from wijkanalyse.kennis.files import (
    _legacy_kind,
    _parse_file,
    _shipped_catalogue,
    _shipped_ids,
    from_dict,
    to_dict,
)
from wijkanalyse.kennis.model import CatalogueSync, Intervention
from wijkanalyse.kennis.vocab import (
    ACTIONS,
    FIELD_LABELS,
    HISTORY_COLUMNS,
    LIST_COLUMNS,
    PARTNERS,
    SHIPPED_AUTHOR,
    InterventionFileError,
    KennisError,
    evidence_at_least,
    normalise_kind,
    normalise_partner,
    normalise_theme,
    slugify,
)
from wijkanalyse.store import transaction

# --------------------------------------------------------------------------- tables


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables of :data:`TABLES` that do not exist yet (idempotent).

    Raises
    ------
    KennisError
        When a table is missing and the database is opened read-only.
    """
    store.ensure_feature_tables(con, load.TABLES, load.create_tables, read_only_error=KennisError(
        "de tabellen van het kennisdossier ontbreken en de database is alleen-lezen "
        "geopend; open hem schrijfbaar."))


def _tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return load.tables_exist(con)


def _ensure_writable(con: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(con)
    if store.is_read_only(con):
        raise KennisError("de database is alleen-lezen geopend; open hem schrijfbaar om het "
                          "kennisdossier te wijzigen.")


def _require_loaded(con: duckdb.DuckDBPyConnection) -> None:
    if not _tables_exist(con):
        raise KennisError("het kennisdossier is nog niet in deze database geladen; open de "
                          "database schrijfbaar (bijv. met 'wijkanalyse kennis list') of roep "
                          "kennis.ensure_catalogue aan.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _search_text(iv: Intervention) -> str:
    parts = [iv.name, iv.summary, iv.description, *iv.working_elements, *iv.pitfalls,
             iv.context, *iv.theme_labels, *(PARTNERS[p] for p in iv.partners),
             iv.evidence.source,
             iv.cost.note, *(s.title for s in iv.sources)]
    return "\n".join(p for p in parts if p)


def _write_current(con: duckdb.DuckDBPyConnection, iv: Intervention, *, origin: str,
                   version: int, shipped_sha: str | None, now: str, who: str) -> None:
    values = [iv.id, iv.name, iv.summary, iv.description, list(iv.themes), list(iv.partners),
              list(iv.funding), iv.evidence.level, iv.cost.level, iv.horizon.term,
              list(iv.domains), list(iv.indicators), list(iv.signals), list(iv.related),
              _search_text(iv), json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True),
              origin, version, shipped_sha, now, who, None, None]
    load.replace_intervention(con, values)


def _next_version(con: duckdb.DuckDBPyConnection, iid: str) -> int:
    return store.next_version(con, "intervention_history", "intervention_id", iid)


def _write_history(con: duckdb.DuckDBPyConnection, iv: Intervention, *, version: int,
                   now: str, who: str, action: str, origin: str, note: str | None) -> None:
    store.append_version(con, "intervention_history", "intervention_id", iv.id, to_dict(iv),
                         action=action, changed_by=who, changed_at=now, extra=(origin, note),
                         version=version)


def catalogue_in_sync(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds the tables and every shipped file's current content has been
    seen (so :func:`ensure_catalogue` would change nothing). Works on a read-only connection."""
    if not _tables_exist(con):
        return False
    rows = load.current_rows(con)
    shipped = {iv.id: sha for iv, sha in _shipped_catalogue()}
    for iid, sha in shipped.items():
        row = rows.get(iid)
        if row is None or row["shipped_sha256"] != sha:
            return False
    return not any(row["origin"] == "pakket" and row["removed_at"] is None
                   and iid not in shipped for iid, row in rows.items())


def ensure_catalogue(con: duckdb.DuckDBPyConnection) -> CatalogueSync:
    """Load the shipped catalogue into the database (idempotent; rules in the module docstring).

    New shipped interventions are added; changed shipped files update interventions that no
    user changed and are recorded as ``shipped_skipped`` where a user version (or a removal)
    is current; shipped interventions no longer in the package are removed unless a user
    version is current. One transaction.

    Parameters
    ----------
    con
        A writable connection.

    Returns
    -------
    CatalogueSync
        The ids added, updated, skipped and removed.

    Raises
    ------
    KennisError
        Read-only database, or an invalid shipped file.
    """
    _ensure_writable(con)
    if catalogue_in_sync(con):
        return CatalogueSync()
    added: list[str] = []
    updated: list[str] = []
    skipped: list[str] = []
    removed: list[str] = []
    shipped = {iv.id: (iv, sha) for iv, sha in _shipped_catalogue()}
    with transaction(con):
        rows = load.current_rows(con)
        now = _now()
        for iid, (iv, sha) in shipped.items():
            row = rows.get(iid)
            if row is None:
                version = _next_version(con, iid)
                _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha,
                               now=now, who=SHIPPED_AUTHOR)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="add", origin="pakket",
                               note="uit de meegeleverde catalogus")
                added.append(iid)
            elif row["shipped_sha256"] == sha:
                continue
            elif row["origin"] == "pakket" and row["removed_at"] is None:
                version = _next_version(con, iid)
                _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha,
                               now=now, who=SHIPPED_AUTHOR)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="update", origin="pakket",
                               note="nieuwe versie van de meegeleverde catalogus")
                updated.append(iid)
            else:
                version = _next_version(con, iid)
                why = ("verwijderd door een gebruiker" if row["removed_at"] is not None
                       else "een versie van een gebruiker is actueel")
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="shipped_skipped", origin="pakket",
                               note=f"nieuwe meegeleverde versie niet overgenomen: {why}; "
                                    "'wijkanalyse kennis herstel' maakt haar actueel")
                load.set_shipped_sha(con, iid, sha)
                skipped.append(iid)
        for iid, row in rows.items():
            if row["origin"] == "pakket" and row["removed_at"] is None and iid not in shipped:
                iv = from_dict(json.loads(row["record"]))
                version = _next_version(con, iid)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="remove", origin="pakket",
                               note="niet meer in de meegeleverde catalogus")
                load.mark_removed(con, iid, now=now, who=SHIPPED_AUTHOR, version=version)
                removed.append(iid)
    return CatalogueSync(tuple(added), tuple(updated), tuple(skipped), tuple(removed))


def _clean_author(author: object, what: str = "auteur") -> str:
    text = " ".join(str(author or "").split())
    if not text:
        raise KennisError(f"de {what} is verplicht: wie legt dit vast?", field="author")
    if len(text) > 200:
        raise KennisError(f"de {what} is te lang (maximaal 200 tekens).", field="author")
    return text


def add_or_update(con: duckdb.DuckDBPyConnection, path: str | Path, *,
                  author: str) -> Intervention:
    """Store an intervention from a file as a new version by ``author`` (history kept).

    A new id is added; an existing id gets a new version (``origin = 'gebruiker'``), which
    stays current when the shipped catalogue changes later (see the module docstring). A
    removed intervention is brought back by a new version.

    Parameters
    ----------
    con
        A writable connection.
    path
        A YAML file (``<id>.yaml``) or Markdown with a YAML front matter (the text is the
        description; the id is ``id:`` from the front matter or the file name).
    author
        Who stores it (required).

    Returns
    -------
    Intervention
        The stored version, with metadata.

    Raises
    ------
    InterventionFileError
        The file is invalid (file, line, field named); ``verwant`` may name stored and shipped
        interventions.
    KennisError
        No author, read-only database, or the content equals the current version.
    """
    who = _clean_author(author)
    _ensure_writable(con)
    ensure_catalogue(con)
    path = Path(path)
    known = load.current_ids(con)
    known |= set(_shipped_ids()) | {slugify(path.stem)}
    iv, problems, _ = _parse_file(path, known)
    if problems:
        raise InterventionFileError(problems)
    assert iv is not None
    with transaction(con):
        row = load.current_rows(con).get(iv.id)
        now = _now()
        if row is not None and row["removed_at"] is None and \
                row["record"] == json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True):
            raise KennisError(f"interventie {iv.id!r} is niet gewijzigd: de inhoud van "
                              f"{path} is gelijk aan de huidige versie {row['version']}.")
        version = _next_version(con, iv.id)
        action = "add" if row is None else "update"
        note = f"uit bestand {path.name}"
        if row is not None and row["removed_at"] is not None:
            note += "; was verwijderd"
        _write_current(con, iv, origin="gebruiker", version=version,
                       shipped_sha=row["shipped_sha256"] if row else None, now=now, who=who)
        _write_history(con, iv, version=version, now=now, who=who, action=action,
                       origin="gebruiker", note=note)
    return get_intervention(con, iv.id)


def restore_shipped(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                    author: str) -> Intervention:
    """Make the shipped version of an intervention current again (a new version by ``author``);
    from then on it follows the package again.

    Raises
    ------
    KennisError
        Not a shipped intervention, or the shipped version is already current.
    """
    who = _clean_author(author)
    _ensure_writable(con)
    ensure_catalogue(con)
    shipped = {iv.id: (iv, sha) for iv, sha in _shipped_catalogue()}
    iid = str(intervention_id).strip()
    if iid not in shipped:
        raise KennisError(f"{iid!r} is geen interventie uit de meegeleverde catalogus; er is "
                          "geen meegeleverde versie om te herstellen.")
    iv, sha = shipped[iid]
    with transaction(con):
        row = load.current_rows(con)[iid]
        if row["origin"] == "pakket" and row["removed_at"] is None:
            raise KennisError(f"de meegeleverde versie van {iid!r} is al actueel "
                              f"(versie {row['version']}).")
        now = _now()
        version = _next_version(con, iid)
        _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha, now=now,
                       who=who)
        _write_history(con, iv, version=version, now=now, who=who, action="restore",
                       origin="pakket", note="meegeleverde versie hersteld")
    return get_intervention(con, iid)


def remove_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                        removed_by: str) -> None:
    """Remove an intervention from lists and matching (soft delete; history kept). Applied
    approaches that name it stay and keep naming it.

    Raises
    ------
    KennisError
        Unknown or already removed intervention, or no name given.
    """
    who = _clean_author(removed_by, "naam van wie verwijdert")
    _ensure_writable(con)
    iv = get_intervention(con, intervention_id)
    with transaction(con):
        now = _now()
        version = _next_version(con, iv.id)
        row = load.current_rows(con)[iv.id]
        _write_history(con, iv, version=version, now=now, who=who, action="remove",
                       origin=row["origin"], note=None)
        load.mark_removed(con, iv.id, now=now, who=who, version=version)


# --------------------------------------------------------------------------- reading


def _unknown_intervention(con: duckdb.DuckDBPyConnection, iid: str) -> KennisError:
    rows = load.current_names(con)
    ids = [r[0] for r in rows]
    by_name = {slugify(r[1]): r[0] for r in rows}
    close = difflib.get_close_matches(slugify(iid), ids + list(by_name), n=3, cutoff=0.5)
    hits = list(dict.fromkeys(by_name.get(c, c) for c in close))
    hint = f" Bedoelt u {' of '.join(repr(h) for h in hits)}?" if hits else ""
    return KennisError(f"interventie {iid!r} bestaat niet.{hint} Zie 'wijkanalyse kennis "
                       "list'.", field="intervention")


def get_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                     include_removed: bool = False) -> Intervention:
    """One intervention, current version, with its metadata.

    Parameters
    ----------
    con
        A connection with the catalogue loaded (:func:`ensure_catalogue`).
    intervention_id
        The id; a name whose slug is an id is accepted too ("Housing First").
    include_removed
        Also return a removed intervention.

    Raises
    ------
    KennisError
        Unknown (with suggestions) or removed intervention.
    """
    _require_loaded(con)
    text = str(intervention_id).strip()
    for candidate in dict.fromkeys((text, slugify(text))):
        row = load.intervention_row(con, candidate)
        if row is not None:
            break
    else:
        raise _unknown_intervention(con, text)
    if row[5] is not None and not include_removed:
        raise KennisError(f"interventie {candidate!r} is verwijderd op {row[5]} door {row[6]}; "
                          "de geschiedenis blijft bewaard ('wijkanalyse kennis geschiedenis "
                          f"{candidate}').", field="intervention")
    return from_dict(json.loads(row[0]), version=row[1], origin=row[2], updated_at=row[3],
                     updated_by=row[4])


def current_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """``record, version, origin, updated_at, updated_by`` of every current intervention, by
    id (what :func:`all_interventions` is made from)."""
    _require_loaded(con)
    return load.current_records(con)


def interventions_from_rows(rows: Sequence[tuple[Any, ...]]) -> list[Intervention]:
    """The interventions of rows from :func:`current_rows`."""
    return [from_dict(json.loads(r[0]), version=r[1], origin=r[2], updated_at=r[3],
                      updated_by=r[4]) for r in rows]


def all_interventions(con: duckdb.DuckDBPyConnection) -> list[Intervention]:
    """Every current (not removed) intervention, sorted by id (for matching and search)."""
    return interventions_from_rows(current_rows(con))


def list_interventions(
    con: duckdb.DuckDBPyConnection,
    *,
    theme: str | None = None,
    partner: str | None = None,
    evidence: str | None = None,
    kind: str | None = None,
) -> pd.DataFrame:
    """The current interventions as a table, by name.

    Parameters
    ----------
    con
        A connection with the catalogue loaded.
    theme, partner
        Only interventions with this theme / partner (id or Dutch label).
    evidence
        Only interventions with at least this evidence level (:func:`evidence_at_least`).
    kind
        Only interventions of this kind (``soort``, :data:`KINDS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LIST_COLUMNS`; list columns hold ids; ``kind`` and ``evidence_effect``
        come from the stored record.

    Raises
    ------
    KennisError
        Unknown theme, partner, evidence level or kind (with the allowed values).
    """
    stored = [c for c in LIST_COLUMNS if c not in ("kind", "evidence_effect")]
    wanted_kind = normalise_kind(kind) if kind is not None else None
    theme_id = normalise_theme(theme) if theme is not None else None
    partner_id = normalise_partner(partner) if partner is not None else None
    levels = evidence_at_least(evidence) if evidence is not None else None
    _require_loaded(con)
    df = load.intervention_table(con, stored, theme=theme_id, partner=partner_id,
                                 evidence_levels=levels)
    for col in ("themes", "partners", "funding", "domains", "indicators", "signals"):
        df[col] = df[col].map(lambda v: list(v) if v is not None else [])
    records = [json.loads(r) for r in df["record"]]
    df["kind"] = [r.get("kind") or _legacy_kind(r["id"]) for r in records]
    df["evidence_effect"] = [r["evidence"].get("effect") or "onbekend" for r in records]
    if wanted_kind is not None:
        df = df[df["kind"] == wanted_kind]
    return df[LIST_COLUMNS].reset_index(drop=True)


def intervention_history(con: duckdb.DuckDBPyConnection, intervention_id: str) -> pd.DataFrame:
    """Every version of an intervention, oldest first (also of a removed one).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`: ``action_label`` in Dutch, ``changed_fields`` the
        Dutch names of the fields that differ from the previous version, ``current`` whether
        this version is the current one, ``snapshot`` the content as JSON text.

    Raises
    ------
    KennisError
        Unknown intervention.
    """
    iv = get_intervention(con, intervention_id, include_removed=True)
    current = load.current_version(con, iv.id)
    rows = load.history_rows(con, iv.id)
    records = []
    previous: dict[str, Any] | None = None
    for iid, version, changed_at, who, action, origin, note, snapshot in rows:
        snap = json.loads(snapshot)
        changed = ""
        if previous is not None and action in ("update", "restore", "shipped_skipped"):
            changed = ", ".join(label for k, label in FIELD_LABELS.items()
                                if snap.get(k) != previous.get(k))
        records.append({"intervention_id": iid, "version": version, "changed_at": changed_at,
                        "changed_by": who, "action": action, "action_label": ACTIONS[action],
                        "origin": origin, "note": note or "", "changed_fields": changed,
                        "current": version == current, "snapshot": snapshot})
        if action != "shipped_skipped":
            previous = snap
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


__all__ = [
    "add_or_update", "all_interventions", "catalogue_in_sync",
    "ensure_catalogue", "ensure_tables", "get_intervention", "intervention_history",
    "list_interventions", "remove_intervention", "restore_shipped",
]
