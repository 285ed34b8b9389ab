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
applied in an area from one year to another (kept in the content store, see
:mod:`~wijkanalyse.kennis.applied`).

Storage
-------
``interventions`` (analytical DuckDB database, DDL in :data:`~wijkanalyse.kennis.load.SCHEMA`)
    the shipped catalogue as loaded by :func:`ensure_catalogue` (``data build`` does it; a
    changed file becomes a new row version; ``shipped_sha256`` makes reloading idempotent).
``kennis_history`` (content store, :mod:`wijkanalyse.content`)
    every version a person stored: :func:`add_or_update`, :func:`remove_intervention` and
    :func:`restore_shipped` (the CLI) and the web editor write there, with who and when.

Every reader takes the content store as ``content`` and sees the effective catalogue:
the shipped rows with the stored versions applied (:mod:`~wijkanalyse.kennis.versions`). A
user version stays current when the shipped file changes later (the new shipped version is
what :func:`restore_shipped` brings back); without ``content`` (no content store) readers see
the shipped catalogue. Databases made before the content store kept the versions in a DuckDB
table ``intervention_history``; ``wijkanalyse content migreer`` copies them over.
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
from wijkanalyse.content import ContentStore
from wijkanalyse.kennis import load
from wijkanalyse.kennis.files import (
    _parse_file,
    _shipped_catalogue,
    _shipped_ids,
    from_dict,
    to_dict,
)
from wijkanalyse.kennis.model import CatalogueSync, Intervention
from wijkanalyse.kennis.versions import Current, apply_versions, record_json, whole_snapshot
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


def _write_current(con: duckdb.DuckDBPyConnection, iv: Intervention, *, version: int,
                   shipped_sha: str, now: str) -> None:
    values = [iv.id, iv.name, iv.summary, iv.description, list(iv.themes), list(iv.partners),
              list(iv.funding), iv.evidence.level, iv.cost.level, iv.horizon.term,
              list(iv.domains), list(iv.indicators), list(iv.signals), list(iv.related),
              _search_text(iv), record_json(to_dict(iv)), "pakket", version, shipped_sha, now,
              SHIPPED_AUTHOR, None, None]
    load.replace_intervention(con, values)


def catalogue_in_sync(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``interventions`` holds exactly the shipped catalogue's current content (so
    :func:`ensure_catalogue` would change nothing). Works on a read-only connection."""
    if not _tables_exist(con):
        return False
    rows = load.current_rows(con)
    shipped = {iv.id: sha for iv, sha in _shipped_catalogue()}
    if set(rows) != set(shipped):
        return False
    return all(row["shipped_sha256"] == shipped[iid] and row["origin"] == "pakket"
               and row["removed_at"] is None for iid, row in rows.items())


def ensure_catalogue(con: duckdb.DuckDBPyConnection) -> CatalogueSync:
    """Load the shipped catalogue into ``interventions`` (idempotent, one transaction).

    New shipped interventions are added, changed files replace their row (a new row version),
    rows of interventions no longer shipped are deleted. Rows an older version of wijkanalyse
    wrote for a person's version are replaced by the shipped one too: those versions are in
    the older ``intervention_history`` table, which ``wijkanalyse content migreer`` copies into
    the content store (where every reader finds them).

    Parameters
    ----------
    con
        A writable connection.

    Returns
    -------
    CatalogueSync
        The ids added, updated and removed.

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
    removed: list[str] = []
    shipped = {iv.id: (iv, sha) for iv, sha in _shipped_catalogue()}
    with transaction(con):
        rows = load.current_rows(con)
        now = _now()
        for iid, (iv, sha) in shipped.items():
            row = rows.get(iid)
            if row is None:
                _write_current(con, iv, version=1, shipped_sha=sha, now=now)
                added.append(iid)
            elif (row["shipped_sha256"], row["origin"], row["removed_at"]) != (sha, "pakket",
                                                                               None):
                _write_current(con, iv, version=int(row["version"]) + 1, shipped_sha=sha,
                               now=now)
                updated.append(iid)
        for iid in rows:
            if iid not in shipped:
                load.delete_intervention(con, iid)
                removed.append(iid)
    return CatalogueSync(added=tuple(added), updated=tuple(updated), removed=tuple(removed))


# --------------------------------------------------------------------------- the current state


def current_state(con: duckdb.DuckDBPyConnection,
                  content: ContentStore | None = None) -> dict[str, Current]:
    """Id -> current state of every intervention (removed ones too): the shipped rows with
    the content store's versions applied (:func:`~wijkanalyse.kennis.versions.apply_versions`).

    Raises
    ------
    KennisError
        The catalogue is not loaded in the database.
    """
    _require_loaded(con)
    shipped = {str(r[0]): Current(record=json.loads(r[1]), version=int(r[2]), origin=str(r[3]),
                                  updated_at=str(r[4]), updated_by=str(r[5]), removed_at=r[6],
                                  removed_by=r[7]) for r in load.all_rows(con)}
    if content is None:
        return shipped
    return apply_versions(shipped, content.kennis_versions())


def _intervention(cur: Current) -> Intervention:
    return from_dict(cur.record, version=cur.version, origin=cur.origin,
                     updated_at=cur.updated_at, updated_by=cur.updated_by)


# --------------------------------------------------------------------------- writing


def _clean_author(author: object, what: str = "auteur") -> str:
    text = " ".join(str(author or "").split())
    if not text:
        raise KennisError(f"de {what} is verplicht: wie legt dit vast?", field="author")
    if len(text) > 200:
        raise KennisError(f"de {what} is te lang (maximaal 200 tekens).", field="author")
    return text


def add_or_update(con: duckdb.DuckDBPyConnection, content: ContentStore, path: str | Path, *,
                  author: str, user_id: int | None = None) -> Intervention:
    """Store an intervention from a file as a new version by ``author`` in the content store.

    A new id is added; an existing id gets a new version (``origin = 'gebruiker'``), which
    stays current when the shipped catalogue changes later (see the module docstring). A
    removed intervention is brought back by a new version.

    Parameters
    ----------
    con
        A connection (read-only is fine) with the shipped catalogue loaded.
    content
        The content store the version is written to.
    path
        A YAML file (``<id>.yaml``) or Markdown with a YAML front matter (the text is the
        description; the id is ``id:`` from the front matter or the file name).
    author
        Who stores it (required).
    user_id
        The account that stores it, if any.

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
        No author, or the content equals the current version.
    """
    who = _clean_author(author)
    state = current_state(con, content)
    path = Path(path)
    known = {iid for iid, cur in state.items() if cur.removed_at is None}
    known |= set(_shipped_ids()) | {slugify(path.stem)}
    iv, problems, _ = _parse_file(path, known)
    if problems:
        raise InterventionFileError(problems)
    assert iv is not None
    record = to_dict(iv)
    cur = state.get(iv.id)
    if cur is not None and cur.removed_at is None and cur.record_json == record_json(record):
        raise KennisError(f"interventie {iv.id!r} is niet gewijzigd: de inhoud van "
                          f"{path} is gelijk aan de huidige versie {cur.version}.")
    note = f"uit bestand {path.name}"
    if cur is not None and cur.removed_at is not None:
        note += "; was verwijderd"
    content.add_kennis_version(iv.id, record, action="add" if cur is None else "update",
                               origin="gebruiker", changed_by=who, changed_at=_now(),
                               note=note, user_id=user_id)
    return get_intervention(con, iv.id, content=content)


def restore_shipped(con: duckdb.DuckDBPyConnection, content: ContentStore,
                    intervention_id: str, *, author: str,
                    user_id: int | None = None) -> Intervention:
    """Make the shipped version of an intervention current again (a new version by ``author``
    in the content store); from then on it follows the package again.

    Raises
    ------
    KennisError
        Not a shipped intervention, or the shipped version is already current.
    """
    who = _clean_author(author)
    shipped = {iv.id: iv for iv, _ in _shipped_catalogue()}
    iid = str(intervention_id).strip()
    if iid not in shipped:
        raise KennisError(f"{iid!r} is geen interventie uit de meegeleverde catalogus; er is "
                          "geen meegeleverde versie om te herstellen.")
    cur = current_state(con, content).get(iid)
    if cur is not None and cur.origin == "pakket" and cur.removed_at is None:
        raise KennisError(f"de meegeleverde versie van {iid!r} is al actueel "
                          f"(versie {cur.version}).")
    content.add_kennis_version(iid, to_dict(shipped[iid]), action="restore", origin="pakket",
                               changed_by=who, changed_at=_now(),
                               note="meegeleverde versie hersteld", user_id=user_id)
    return get_intervention(con, iid, content=content)


def remove_intervention(con: duckdb.DuckDBPyConnection, content: ContentStore,
                        intervention_id: str, *, removed_by: str,
                        user_id: int | None = None) -> None:
    """Remove an intervention from lists and matching (soft delete, a version in the content
    store; history kept). Applied approaches that name it stay and keep naming it.

    Raises
    ------
    KennisError
        Unknown or already removed intervention, or no name given.
    """
    who = _clean_author(removed_by, "naam van wie verwijdert")
    iv = get_intervention(con, intervention_id, content=content)
    cur = current_state(con, content)[iv.id]
    content.add_kennis_version(iv.id, cur.record, action="remove", origin=cur.origin,
                               changed_by=who, changed_at=_now(), user_id=user_id)


# --------------------------------------------------------------------------- reading


def _unknown_intervention(state: dict[str, Current], iid: str) -> KennisError:
    ids = [i for i, cur in state.items() if cur.removed_at is None]
    by_name = {slugify(str(state[i].record["name"])): i for i in ids}
    close = difflib.get_close_matches(slugify(iid), ids + list(by_name), n=3, cutoff=0.5)
    hits = list(dict.fromkeys(by_name.get(c, c) for c in close))
    hint = f" Bedoelt u {' of '.join(repr(h) for h in hits)}?" if hits else ""
    return KennisError(f"interventie {iid!r} bestaat niet.{hint} Zie 'wijkanalyse kennis "
                       "list'.", field="intervention")


def get_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                     include_removed: bool = False,
                     content: ContentStore | None = None) -> Intervention:
    """One intervention, current version, with its metadata.

    Parameters
    ----------
    con
        A connection with the catalogue loaded (:func:`ensure_catalogue`).
    intervention_id
        The id; a name whose slug is an id is accepted too ("Housing First").
    include_removed
        Also return a removed intervention.
    content
        The content store with the stored versions (``None``: the shipped catalogue).

    Raises
    ------
    KennisError
        Unknown (with suggestions) or removed intervention.
    """
    state = current_state(con, content)
    text = str(intervention_id).strip()
    for candidate in dict.fromkeys((text, slugify(text))):
        cur = state.get(candidate)
        if cur is not None:
            break
    else:
        raise _unknown_intervention(state, text)
    if cur.removed_at is not None and not include_removed:
        raise KennisError(f"interventie {candidate!r} is verwijderd op {cur.removed_at} door "
                          f"{cur.removed_by}; de geschiedenis blijft bewaard ('wijkanalyse "
                          f"kennis geschiedenis {candidate}').", field="intervention")
    return _intervention(cur)


def current_rows(con: duckdb.DuckDBPyConnection, *,
                 content: ContentStore | None = None) -> list[tuple[Any, ...]]:
    """``record, version, origin, updated_at, updated_by`` of every current intervention, by
    id (what :func:`all_interventions` is made from; ``record`` is JSON text)."""
    state = current_state(con, content)
    return [(cur.record_json, cur.version, cur.origin, cur.updated_at, cur.updated_by)
            for _, cur in sorted(state.items()) if cur.removed_at is None]


def interventions_from_rows(rows: Sequence[tuple[Any, ...]]) -> list[Intervention]:
    """The interventions of rows from :func:`current_rows`."""
    return [from_dict(json.loads(r[0]), version=r[1], origin=r[2], updated_at=r[3],
                      updated_by=r[4]) for r in rows]


def all_interventions(con: duckdb.DuckDBPyConnection, *,
                      content: ContentStore | None = None) -> list[Intervention]:
    """Every current (not removed) intervention, sorted by id (for matching and search)."""
    return interventions_from_rows(current_rows(con, content=content))


def list_interventions(
    con: duckdb.DuckDBPyConnection,
    *,
    theme: str | None = None,
    partner: str | None = None,
    evidence: str | None = None,
    kind: str | None = None,
    content: ContentStore | None = None,
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
    content
        The content store with the stored versions (``None``: the shipped catalogue).

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
    wanted_kind = normalise_kind(kind) if kind is not None else None
    theme_id = normalise_theme(theme) if theme is not None else None
    partner_id = normalise_partner(partner) if partner is not None else None
    levels = evidence_at_least(evidence) if evidence is not None else None
    records = []
    for iv in all_interventions(con, content=content):
        if (theme_id is not None and theme_id not in iv.themes) or \
                (partner_id is not None and partner_id not in iv.partners) or \
                (levels is not None and iv.evidence.level not in levels) or \
                (wanted_kind is not None and iv.kind != wanted_kind):
            continue
        records.append({
            "intervention_id": iv.id, "name": iv.name, "summary": iv.summary, "kind": iv.kind,
            "themes": list(iv.themes), "evidence_level": iv.evidence.level,
            "evidence_effect": iv.evidence.effect or "onbekend", "partners": list(iv.partners),
            "funding": list(iv.funding), "cost_level": iv.cost.level,
            "horizon": iv.horizon.term, "domains": list(iv.domains),
            "indicators": list(iv.indicators), "signals": list(iv.signals),
            "version": iv.version, "origin": iv.origin, "updated_at": iv.updated_at,
            "updated_by": iv.updated_by})
    records.sort(key=lambda r: (str(r["name"]).lower(), r["intervention_id"]))
    return pd.DataFrame.from_records(records, columns=LIST_COLUMNS)


def intervention_history(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                         content: ContentStore | None = None) -> pd.DataFrame:
    """Every version of an intervention stored in the content store, oldest first (also of a
    removed one); empty when nobody changed it (the shipped version is current).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`: ``action_label`` in Dutch, ``changed_fields`` the
        Dutch names of the fields that differ from the version before (the first: from the
        shipped version), ``current`` whether this version is the current one, ``snapshot``
        the stored content as JSON text.

    Raises
    ------
    KennisError
        Unknown intervention.
    """
    iv = get_intervention(con, intervention_id, include_removed=True, content=content)
    cur = current_state(con, content)[iv.id]
    shipped = current_state(con).get(iv.id)
    previous: dict[str, Any] | None = None if shipped is None else shipped.record
    records = []
    for v in [] if content is None else content.kennis_versions(iv.id):
        snap = whole_snapshot(json.loads(v["snapshot"]), previous, iv.id) or {}
        changed = ""
        if previous is not None and v["action"] in ("update", "restore", "shipped_skipped"):
            changed = ", ".join(label for k, label in FIELD_LABELS.items()
                                if snap.get(k) != previous.get(k))
        records.append({"intervention_id": iv.id, "version": v["version"],
                        "changed_at": v["changed_at"], "changed_by": v["changed_by"],
                        "action": v["action"], "action_label": ACTIONS[v["action"]],
                        "origin": v["origin"], "note": v["note"] or "",
                        "changed_fields": changed,
                        "current": cur.from_content and v["version"] == cur.version,
                        "snapshot": v["snapshot"]})
        if v["action"] != "shipped_skipped":
            previous = snap
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


__all__ = [
    "add_or_update", "all_interventions", "catalogue_in_sync", "current_state",
    "ensure_catalogue", "ensure_tables", "get_intervention", "intervention_history",
    "list_interventions", "remove_intervention", "restore_shipped",
]
