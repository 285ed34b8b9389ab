"""Copying what people made from an older analytical DuckDB database into the content store
(``wijkanalyse content migreer``): stories and their versions, applied interventions and
their versions, and the kennisdossier's version history.

Nothing is lost and nothing is doubled: a record whose number is already in the content store
with the same first version is skipped (so running it again copies nothing); a different
record under the same number (one added in the content store since) gets the next free number,
and its versions say so in their snapshot (``story_id``/``applied_id``). Rows are copied as
they are: the same numbers, versions, times, authors and snapshots.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wijkanalyse.content.models import (
    AppliedRow,
    AppliedVersionRow,
    KennisVersionRow,
    StoryRow,
    StoryVersionRow,
)
from wijkanalyse.content.records import APPLIED_COLUMNS, STORY_COLUMNS
from wijkanalyse.content.store import ContentStore

_VERSION = ("version", "changed_at", "changed_by", "action", "snapshot")


@dataclass
class MigrationReport:
    """What one run copied (per table: rows copied, skipped as already there, renumbered)."""

    copied: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    renumbered: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def count(self, table: str, *, skipped: bool = False) -> None:
        """Count one row of ``table``."""
        target = self.skipped if skipped else self.copied
        target[table] = target.get(table, 0) + 1


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {str(r[0]) for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _versions(con: duckdb.DuckDBPyConnection, table: str, key: str
              ) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in _rows(con, f"SELECT {key}, {', '.join(_VERSION)} FROM {table} "
                          f"ORDER BY {key}, version"):
        out.setdefault(row.pop(key), []).append(row)
    return out


def _renumbered(snapshot: str, key: str, new: int) -> str:
    data = json.loads(snapshot)
    data[key] = new
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _without(snapshot: str, key: str) -> dict[str, Any]:
    data = json.loads(snapshot)
    data.pop(key, None)
    return dict(data)


def _target_id(s: Session, model: Any, version_model: Any, key: str, old: int,
               first: Mapping[str, Any] | None) -> int | None:
    """The number to copy a record under: ``None`` when the same record is already there
    (under its own or another number: same first version), ``old`` when free, else the next
    free number."""
    if first is not None:
        candidates = s.execute(select(getattr(version_model, key), version_model.snapshot).where(
            version_model.version == 1, version_model.changed_at == str(first["changed_at"]),
            version_model.changed_by == first["changed_by"])).all()
        mine = _without(first["snapshot"], key)
        if any(_without(snap, key) == mine for _, snap in candidates):
            return None
    if s.get(model, old) is None:
        return old
    return int(s.scalar(select(func.coalesce(func.max(getattr(model, key)), 0) + 1)) or 1)


def _story_values(row: Mapping[str, Any], sid: int) -> dict[str, Any]:
    values = {c: row[c] for c in STORY_COLUMNS}
    values["story_id"] = sid
    date = row["story_date"]
    values["story_date"] = date if isinstance(date, dt.date) else dt.date.fromisoformat(
        str(date))
    values["tags"] = list(row["tags"] or [])
    values["meta"] = json.loads(row["meta"]) if row["meta"] else {}
    return values


def _copy_records(s: Session, report: MigrationReport, *, rows: list[dict[str, Any]],
                  versions: Mapping[Any, list[dict[str, Any]]], key: str, model: Any,
                  version_model: Any, values: Any, table: str) -> None:
    # records whose number is free keep it; the others get new numbers after all of them
    # (else one renumbered record would take the number of the next)
    plan: list[tuple[dict[str, Any], int | None]] = []
    deferred: list[dict[str, Any]] = []
    for row in rows:
        old = int(row[key])
        history = versions.get(row[key], [])
        new = _target_id(s, model, version_model, key, old, history[0] if history else None)
        if new is None:
            report.count(table, skipped=True)
        elif new == old:
            plan.append((row, old))
        else:
            deferred.append(row)
    plan += [(row, None) for row in deferred]
    for row, target in plan:
        old = int(row[key])
        history = versions.get(row[key], [])
        new = target if target is not None else int(s.scalar(select(
            func.coalesce(func.max(getattr(model, key)), 0) + 1)) or 1)
        if new != old:
            report.renumbered.setdefault(table, []).append((old, new))
        s.add(model(**values(row, new)))
        s.flush()
        for v in history:
            snap = v["snapshot"] if new == old else _renumbered(v["snapshot"], key, new)
            s.add(version_model(**{key: new}, version=int(v["version"]),
                                changed_at=str(v["changed_at"]), changed_by=v["changed_by"],
                                user_id=None, action=v["action"], snapshot=snap))
            report.count(f"{table}_history")
        report.count(table)


def copy_from_duckdb(content: ContentStore, con: duckdb.DuckDBPyConnection) -> MigrationReport:
    """Copy stories, applied interventions and kennis versions from an older database.

    Parameters
    ----------
    content
        The content store to copy into.
    con
        A (read-only) connection to the older DuckDB database; tables it does not have are
        skipped.

    Returns
    -------
    MigrationReport
        Rows copied and skipped per table, and records that got another number.
    """
    report = MigrationReport()
    tables = _tables(con)
    with content._sessions.begin() as s:
        if {"stories", "story_history"} <= tables:
            _copy_records(
                s, report, rows=_rows(con, f"SELECT {', '.join(STORY_COLUMNS)} FROM stories "
                                           "ORDER BY story_id"),
                versions=_versions(con, "story_history", "story_id"), key="story_id",
                model=StoryRow, version_model=StoryVersionRow, values=_story_values,
                table="stories")
        if {"applied_approaches", "applied_approach_history"} <= tables:
            _copy_records(
                s, report, rows=_rows(con, f"SELECT {', '.join(APPLIED_COLUMNS)} FROM "
                                           "applied_approaches ORDER BY applied_id"),
                versions=_versions(con, "applied_approach_history", "applied_id"),
                key="applied_id", model=AppliedRow, version_model=AppliedVersionRow,
                values=_applied_values, table="applied_approaches")
        if "intervention_history" in tables:
            for row in _rows(con, "SELECT intervention_id, version, changed_at, changed_by, "
                                  "action, origin, note, snapshot FROM intervention_history "
                                  "ORDER BY intervention_id, version"):
                if s.get(KennisVersionRow, (row["intervention_id"], int(row["version"]))):
                    report.count("kennis_history", skipped=True)
                    continue
                s.add(KennisVersionRow(**row, user_id=None))
                report.count("kennis_history")
    return report


def _applied_values(row: Mapping[str, Any], aid: int) -> dict[str, Any]:
    values = {c: row[c] for c in APPLIED_COLUMNS}
    values["applied_id"] = aid
    for col in ("area_members", "partners", "funding", "result_indicators"):
        values[col] = list(values[col] or [])
    return values
