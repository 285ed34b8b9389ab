"""The versioned records of the content store: stories and approaches, applied
interventions and kennisdossier versions.

Each record has its current row and every version in a history table (key, version,
changed_at, changed_by, user_id, action, snapshot JSON). A write and its history entry are
one transaction. Records go in and out as plain dicts with the columns of
:data:`STORY_COLUMNS` / :data:`APPLIED_COLUMNS` (dates as ISO text, lists as lists, ``meta`` a
dict), so callers (:mod:`wijkanalyse.verhalen`, :mod:`wijkanalyse.kennis`) keep their rules and
the store keeps the rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from wijkanalyse.content.engine import ContentStoreError
from wijkanalyse.content.models import (
    AppliedRow,
    AppliedVersionRow,
    KennisVersionRow,
    StoryRow,
    StoryVersionRow,
)

#: Columns of a story (and of its history snapshots), in the order of the old DuckDB table.
STORY_COLUMNS = ("story_id", "kind", "area_code", "title", "author", "story_date",
                 "body_markdown", "tags", "meta", "created_at", "updated_at", "source_file",
                 "removed_at", "removed_by")

#: Columns of an applied intervention (and of its history snapshots).
APPLIED_COLUMNS = ("applied_id", "intervention_id", "area_code", "area_name", "area_kind",
                   "area_members", "gemeente_code", "year_from", "year_to", "partners",
                   "funding", "result_text", "result_indicators", "author", "created_at",
                   "updated_at", "removed_at", "removed_by")

#: Columns of a version (history row) of a story or applied intervention.
VERSION_COLUMNS = ("version", "changed_at", "changed_by", "user_id", "action", "snapshot")

#: Columns of a kennisdossier version.
KENNIS_VERSION_COLUMNS = ("intervention_id", "version", "changed_at", "changed_by", "user_id",
                          "action", "origin", "note", "snapshot")

#: Attempts at a new number when two writers take the same one at once (SQLite; PostgreSQL
#: serialises new numbers with an advisory lock).
_ID_ATTEMPTS = 20

#: Keys of the PostgreSQL advisory locks that serialise new numbers per table.
_NUMBER_LOCKS = {"stories": 150_001, "applied_approaches": 150_002}


class DuplicateRecordError(ContentStoreError):
    """The same record is already stored; ``existing`` is its number."""

    def __init__(self, existing: int) -> None:
        super().__init__(f"dit staat er al in als nummer {existing}.")
        self.existing = existing


def snapshot(record: Mapping[str, Any], columns: tuple[str, ...]) -> str:
    """The JSON text of a version: the record's columns, sorted keys, UTF-8."""
    return json.dumps({c: record[c] for c in columns}, ensure_ascii=False, sort_keys=True)


def _story_dict(row: StoryRow) -> dict[str, Any]:
    data = {c: getattr(row, c) for c in STORY_COLUMNS}
    data["story_date"] = row.story_date.isoformat()
    data["tags"] = list(row.tags or [])
    data["meta"] = dict(row.meta or {})
    return data


def _applied_dict(row: AppliedRow) -> dict[str, Any]:
    data = {c: getattr(row, c) for c in APPLIED_COLUMNS}
    for col in ("area_members", "partners", "funding", "result_indicators"):
        data[col] = list(data[col] or [])
    return data


def _story_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {c: data[c] for c in STORY_COLUMNS}
    values["story_date"] = dt.date.fromisoformat(str(data["story_date"]))
    values["tags"] = list(data["tags"] or [])
    values["meta"] = dict(data["meta"] or {})
    return values


def _lock_numbers(s: Session, table: str) -> None:
    """On PostgreSQL, hold a transaction lock while a new number of ``table`` is chosen (two
    writers would otherwise both take max + 1); SQLite writers are serialised already."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBER_LOCKS[table]})


def _add_version(s: Session, model: Any, key_name: str, key: object, **columns: Any) -> int:
    """Add the next version row of the record ``key`` to ``model`` (a version table with the
    :class:`VersionColumns`) and return its number (max + 1, 1 for the first)."""
    version = int(s.scalar(select(func.coalesce(func.max(model.version), 0) + 1)
                           .where(getattr(model, key_name) == key)) or 1)
    s.add(model(**{key_name: key}, version=version, **columns))
    return version


class RecordsMixin:
    """Stories, applied interventions and kennis versions (part of ``ContentStore``)."""

    _sessions: sessionmaker[Session]

    def last_change(self) -> tuple[tuple[int, str | None], ...]:
        """A mark that changes with every change of a story, applied intervention or kennis
        version: (number of versions, latest ``changed_at``) per history table, in one query.

        The histories only grow (every add, update and removal writes a version), so readers
        that cache what they made from the records (the site's pages) key the cache on this.
        """
        tables = (StoryVersionRow, AppliedVersionRow, KennisVersionRow)
        with self._sessions() as s:
            row = s.execute(select(
                *[select(func.count()).select_from(m).scalar_subquery() for m in tables],
                *[select(func.max(m.changed_at)).scalar_subquery() for m in tables])).one()
        return tuple((int(row[i] or 0), None if row[i + 3] is None else str(row[i + 3]))
                     for i in range(3))

    # ------------------------------------------------------------------ stories

    def story(self, story_id: int) -> dict[str, Any] | None:
        """One story (also a removed one) as a dict of :data:`STORY_COLUMNS`, or ``None``."""
        with self._sessions() as s:
            row = s.get(StoryRow, int(story_id))
            return None if row is None else _story_dict(row)

    def max_story_id(self) -> int | None:
        """The highest story number (``None`` when there are no stories)."""
        with self._sessions() as s:
            return s.scalar(select(func.max(StoryRow.story_id)))

    def count_stories_for_area(self, area_code: str) -> int:
        """How many stories (also removed ones) are stored under exactly this area code."""
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(StoryRow)
                                .where(StoryRow.area_code == area_code)) or 0)

    def add_story(self, data: Mapping[str, Any], *, changed_by: str, changed_at: str,
                  user_id: int | None = None) -> int:
        """Store a new story with the next number and its ``add`` version; returns the number.

        ``data`` holds every column of :data:`STORY_COLUMNS` except ``story_id``.

        Raises
        ------
        DuplicateRecordError
            A current story with the same kind, area, title, date and text exists.
        """
        for _ in range(_ID_ATTEMPTS):
            try:
                with self._sessions.begin() as s:
                    _lock_numbers(s, "stories")
                    same = s.scalar(select(StoryRow.story_id).where(
                        StoryRow.removed_at.is_(None), StoryRow.kind == data["kind"],
                        StoryRow.area_code == data["area_code"],
                        StoryRow.title == data["title"],
                        StoryRow.story_date == dt.date.fromisoformat(str(data["story_date"])),
                        StoryRow.body_markdown == data["body_markdown"],
                    ).order_by(StoryRow.story_id).limit(1))
                    if same is not None:
                        raise DuplicateRecordError(int(same))
                    sid = int(s.scalar(select(func.coalesce(func.max(StoryRow.story_id), 0)
                                              + 1)) or 1)
                    record = {**data, "story_id": sid}
                    s.add(StoryRow(**_story_values(record)))
                    s.add(StoryVersionRow(
                        story_id=sid, version=1, changed_at=changed_at, changed_by=changed_by,
                        user_id=user_id, action="add",
                        snapshot=snapshot(record, STORY_COLUMNS)))
                return sid
            except IntegrityError:
                continue  # another writer took the number: try the next one
        raise ContentStoreError("het verhaal kon niet worden opgeslagen: te veel gelijktijdige "
                                "schrijvers. Probeer het opnieuw.")

    def save_story(self, data: Mapping[str, Any], *, action: str, changed_by: str,
                   changed_at: str, user_id: int | None = None) -> int:
        """Write a changed story (``action`` ``update`` or ``remove``) and its version.

        Returns the version number written.
        """
        with self._sessions.begin() as s:
            row = s.get(StoryRow, int(data["story_id"]))
            if row is None:
                raise ContentStoreError(f"verhaal {data['story_id']} bestaat niet.")
            for key, value in _story_values(data).items():
                setattr(row, key, value)
            version = _add_version(s, StoryVersionRow, "story_id", row.story_id,
                                   changed_at=changed_at, changed_by=changed_by,
                                   user_id=user_id, action=action,
                                   snapshot=snapshot(data, STORY_COLUMNS))
        return version

    def story_rows(self, *, area_code: str | None = None, kind: str | None = None,
                   include_removed: bool = False) -> list[dict[str, Any]]:
        """Stories newest first (date, then number), each with ``version`` (versions stored)."""
        versions = (select(func.count()).where(StoryVersionRow.story_id == StoryRow.story_id)
                    .correlate(StoryRow).scalar_subquery())
        query = select(StoryRow, versions)
        if area_code is not None:
            query = query.where(StoryRow.area_code == area_code)
        if kind is not None:
            query = query.where(StoryRow.kind == kind)
        if not include_removed:
            query = query.where(StoryRow.removed_at.is_(None))
        query = query.order_by(StoryRow.story_date.desc(), StoryRow.story_id.desc())
        with self._sessions() as s:
            return [{**_story_dict(row), "version": int(n)} for row, n in s.execute(query)]

    def story_versions(self, story_id: int) -> list[dict[str, Any]]:
        """Every version of a story, oldest first (``story_id`` + :data:`VERSION_COLUMNS`)."""
        with self._sessions() as s:
            rows = s.scalars(select(StoryVersionRow).where(
                StoryVersionRow.story_id == int(story_id)).order_by(StoryVersionRow.version))
            return [{"story_id": r.story_id, **{c: getattr(r, c) for c in VERSION_COLUMNS}}
                    for r in rows]

    # ------------------------------------------------------------------ applied

    def applied(self, applied_id: int) -> dict[str, Any] | None:
        """One applied intervention (also a removed one), or ``None``."""
        with self._sessions() as s:
            row = s.get(AppliedRow, int(applied_id))
            return None if row is None else _applied_dict(row)

    def add_applied(self, data: Mapping[str, Any], *, changed_by: str, changed_at: str,
                    user_id: int | None = None) -> int:
        """Store a new applied intervention and its ``add`` version; returns its number.

        Raises
        ------
        DuplicateRecordError
            A current one with the same intervention, area and years exists.
        """
        for _ in range(_ID_ATTEMPTS):
            try:
                with self._sessions.begin() as s:
                    _lock_numbers(s, "applied_approaches")
                    end = data["year_to"]
                    same = s.scalar(select(AppliedRow.applied_id).where(
                        AppliedRow.removed_at.is_(None),
                        AppliedRow.intervention_id == data["intervention_id"],
                        AppliedRow.area_code == data["area_code"],
                        AppliedRow.year_from == data["year_from"],
                        AppliedRow.year_to.is_(None) if end is None
                        else AppliedRow.year_to == end,
                    ).limit(1))
                    if same is not None:
                        raise DuplicateRecordError(int(same))
                    aid = int(s.scalar(select(func.coalesce(func.max(AppliedRow.applied_id), 0)
                                              + 1)) or 1)
                    record = {**data, "applied_id": aid}
                    s.add(AppliedRow(**{c: record[c] for c in APPLIED_COLUMNS}))
                    s.add(AppliedVersionRow(
                        applied_id=aid, version=1, changed_at=changed_at,
                        changed_by=changed_by, user_id=user_id, action="add",
                        snapshot=snapshot(record, APPLIED_COLUMNS)))
                return aid
            except IntegrityError:
                continue
        raise ContentStoreError("de toepassing kon niet worden opgeslagen: te veel gelijktijdige "
                                "schrijvers. Probeer het opnieuw.")

    def save_applied(self, data: Mapping[str, Any], *, action: str, changed_by: str,
                     changed_at: str, user_id: int | None = None) -> int:
        """Write a changed applied intervention (``update``/``remove``) and its version."""
        with self._sessions.begin() as s:
            row = s.get(AppliedRow, int(data["applied_id"]))
            if row is None:
                raise ContentStoreError(f"toepassing {data['applied_id']} bestaat niet.")
            for key in APPLIED_COLUMNS:
                setattr(row, key, data[key])
            version = _add_version(s, AppliedVersionRow, "applied_id", row.applied_id,
                                   changed_at=changed_at, changed_by=changed_by,
                                   user_id=user_id, action=action,
                                   snapshot=snapshot(data, APPLIED_COLUMNS))
        return version

    def applied_rows(self, intervention_id: str | None = None) -> list[dict[str, Any]]:
        """The current applied interventions (of one intervention), newest start first."""
        query = select(AppliedRow).where(AppliedRow.removed_at.is_(None))
        if intervention_id is not None:
            query = query.where(AppliedRow.intervention_id == intervention_id)
        query = query.order_by(AppliedRow.year_from.desc(), AppliedRow.applied_id.desc())
        with self._sessions() as s:
            return [_applied_dict(r) for r in s.scalars(query)]

    def applied_versions(self, applied_id: int) -> list[dict[str, Any]]:
        """Every version of an applied intervention, oldest first."""
        with self._sessions() as s:
            rows = s.scalars(select(AppliedVersionRow).where(
                AppliedVersionRow.applied_id == int(applied_id))
                .order_by(AppliedVersionRow.version))
            return [{"applied_id": r.applied_id, **{c: getattr(r, c) for c in VERSION_COLUMNS}}
                    for r in rows]

    # ------------------------------------------------------------------ kennisdossier

    def add_kennis_version(self, intervention_id: str, record: Mapping[str, Any], *,
                           action: str, origin: str, changed_by: str, changed_at: str,
                           note: str | None = None, user_id: int | None = None) -> int:
        """Record one version of a kennisdossier intervention (an edit, a restore, a removal).

        Returns the version number written (1 + the highest stored for it).
        """
        with self._sessions.begin() as s:
            version = _add_version(
                s, KennisVersionRow, "intervention_id", intervention_id,
                changed_at=changed_at, changed_by=changed_by, user_id=user_id, action=action,
                origin=origin, note=note,
                snapshot=json.dumps(dict(record), ensure_ascii=False, sort_keys=True))
        return version

    def kennis_versions(self, intervention_id: str | None = None) -> list[dict[str, Any]]:
        """Kennisdossier versions (of one intervention), by id and version."""
        query = select(KennisVersionRow)
        if intervention_id is not None:
            query = query.where(KennisVersionRow.intervention_id == intervention_id)
        query = query.order_by(KennisVersionRow.intervention_id, KennisVersionRow.version)
        with self._sessions() as s:
            return [{c: getattr(r, c) for c in KENNIS_VERSION_COLUMNS} for r in s.scalars(query)]
