"""The effective kennisdossier: the shipped catalogue with the versions people stored on top.

The shipped catalogue is the package's files, loaded into the analytical database's
``interventions`` table (:func:`wijkanalyse.kennis.dossier.ensure_catalogue`). Every version a
person stores — ``wijkanalyse kennis add|verwijder|herstel`` and the web editor — is a row of
``kennis_history`` in the content store
(:meth:`wijkanalyse.content.ContentStore.add_kennis_version`), its one home.
:func:`apply_versions` lays those versions, oldest first, over the shipped rows:

``add``/``update``  the snapshot becomes the current record (``origin`` ``gebruiker`` from a
                    file, ``web`` from the site); a partial snapshot (the web editor stores
                    name, summary and description) is laid over the record before it;
``remove``          the intervention is removed (soft: the record stays for the history);
``restore``         the shipped record is current again and follows the package from then on.

Versions written by the package itself (``changed_by`` is :data:`SHIPPED_AUTHOR`: shipped
loads and ``shipped_skipped`` notes copied from older databases by ``content migreer``) are
history only. Pure functions: no database access here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from wijkanalyse.kennis.vocab import SHIPPED_AUTHOR

#: Keys a snapshot needs to be a whole record (else it is laid over the previous one).
_WHOLE = frozenset({"id", "name", "summary", "description", "themes", "evidence"})


@dataclass(frozen=True)
class Current:
    """The current state of one intervention: its record and the metadata of that version.

    ``from_content`` says whether the version is one of the content store (else it is the
    shipped row as loaded).
    """

    record: dict[str, Any]
    version: int
    origin: str
    updated_at: str
    updated_by: str
    removed_at: str | None = None
    removed_by: str | None = None
    from_content: bool = False

    @property
    def record_json(self) -> str:
        """The record as JSON text, as it is stored and compared."""
        return record_json(self.record)


def record_json(record: Mapping[str, Any]) -> str:
    """A record as JSON text (sorted keys, UTF-8 kept), as stored and compared."""
    return json.dumps(dict(record), ensure_ascii=False, sort_keys=True)


def is_package_event(version: Mapping[str, Any]) -> bool:
    """Whether a stored version was written by the package (history only)."""
    return bool(version["changed_by"] == SHIPPED_AUTHOR or version["action"] == "shipped_skipped")


def whole_snapshot(snapshot: Mapping[str, Any], before: Mapping[str, Any] | None,
                   intervention_id: str) -> dict[str, Any] | None:
    """The whole record a snapshot stands for: itself, or laid over ``before`` when partial
    (``None`` when partial and there is nothing before it)."""
    if _WHOLE <= set(snapshot):
        return {**snapshot, "id": intervention_id}
    if before is None:
        return None
    return {**before, **snapshot, "id": intervention_id}


def apply_versions(shipped: Mapping[str, Current],
                   versions: Iterable[Mapping[str, Any]]) -> dict[str, Current]:
    """The current state of every intervention: ``shipped`` with ``versions`` (rows of
    ``kennis_history``, by id and version) applied (rules in the module docstring)."""
    out = dict(shipped)
    for v in versions:
        if is_package_event(v):
            continue
        iid, action = str(v["intervention_id"]), v["action"]
        now = out.get(iid)
        version, at, by = int(v["version"]), str(v["changed_at"]), str(v["changed_by"])
        if action == "restore":
            base = shipped.get(iid)
            if base is not None:
                out[iid] = replace(base, origin="pakket", removed_at=None, removed_by=None,
                                   version=version, updated_at=at, updated_by=by,
                                   from_content=True)
        elif action == "remove":
            if now is not None:
                out[iid] = replace(now, removed_at=at, removed_by=by, version=version,
                                   updated_at=at, updated_by=by, from_content=True)
        else:
            record = whole_snapshot(json.loads(v["snapshot"]),
                                    None if now is None else now.record, iid)
            if record is not None:
                out[iid] = Current(record=record, version=version, origin=str(v["origin"]),
                                   updated_at=at, updated_by=by, from_content=True)
    return out


__all__ = ["Current", "apply_versions", "is_package_event", "record_json", "whole_snapshot"]
