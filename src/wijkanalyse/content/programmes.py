"""The knowledge programmes in the content store: one row per programme and one per save.

A programme is a JSON document (the plain data of :func:`wijkanalyse.programma.model.
programme_to_dict`, without its history) in ``programmes`` with the version it is at; each
save adds a row to ``programme_history`` with when, who, what and the document as saved. The
history list of the programme is read back from those rows.

Two ways to write, both safe with several people at once:

* :meth:`ProgrammeTables.editing` locks the programme for a change (PostgreSQL ``SELECT ...
  FOR UPDATE`` on its row, SQLite ``BEGIN IMMEDIATE``): a second writer waits until the first
  has committed and then sees its change (registrations from the public form and the team's
  edits never lose each other);
* :meth:`ProgrammeTables.put` outside such a block is a compare-and-set on the version: a save
  based on a version that is no longer the newest is refused with
  :class:`StaleProgrammeError` (say what changed meanwhile; load again).

Documents go in and out as plain dicts so this module needs nothing from the programme
package (the layers: ``content`` is below ``programma``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from wijkanalyse.content.engine import ContentStoreError
from wijkanalyse.content.models import ProgrammeRow, ProgrammeVersionRow
from wijkanalyse.content.store import ContentStore

__all__ = ["ProgrammeDocument", "ProgrammeTables", "StaleProgrammeError", "plain_text"]


class StaleProgrammeError(ContentStoreError):
    """A save based on an older version than the stored one (someone else saved meanwhile)."""


def plain_text(value: str) -> str:
    """Text for a text column: NUL characters removed (PostgreSQL text cannot hold them; the
    JSON documents keep every character)."""
    return value.replace("\x00", "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ProgrammeDocument:
    """A stored programme: its document (without history), version and history entries
    (dicts with ``when``, ``what``, ``who``, oldest first)."""

    slug: str
    document: dict[str, Any]
    version: int
    history: list[dict[str, str]] = field(default_factory=list)


def _history(s: Session, slug: str) -> list[dict[str, str]]:
    rows = s.execute(select(ProgrammeVersionRow.changed_at, ProgrammeVersionRow.action,
                            ProgrammeVersionRow.changed_by)
                     .where(ProgrammeVersionRow.slug == slug)
                     .order_by(ProgrammeVersionRow.version))
    return [{"when": when, "what": what, "who": who} for when, what, who in rows]


class ProgrammeTables:
    """The programme tables of one content store (see the module docstring).

    Parameters
    ----------
    content
        An open content store (:func:`wijkanalyse.content.open_content`).
    """

    def __init__(self, content: ContentStore) -> None:
        self.content = content
        self._sessions = sessionmaker(content.engine, expire_on_commit=False)
        self._local = threading.local()

    # ------------------------------------------------------------------ reading

    def slugs(self) -> list[str]:
        """The slugs of all programmes, sorted."""
        with self._sessions() as s:
            return list(s.scalars(select(ProgrammeRow.slug).order_by(ProgrammeRow.slug)))

    def marks(self) -> list[tuple[str, int]]:
        """(slug, version) of every programme, sorted by slug, in one query."""
        with self._sessions() as s:
            rows = s.execute(select(ProgrammeRow.slug, ProgrammeRow.version)
                             .order_by(ProgrammeRow.slug))
            return [(str(slug), int(version)) for slug, version in rows]

    def exists(self, slug: str) -> bool:
        """Whether a programme with this slug is stored."""
        with self._sessions() as s:
            return s.get(ProgrammeRow, slug) is not None

    def get(self, slug: str) -> ProgrammeDocument | None:
        """The stored programme, or ``None``."""
        with self._sessions() as s:
            row = s.get(ProgrammeRow, slug)
            if row is None:
                return None
            return ProgrammeDocument(slug, dict(row.document), row.version, _history(s, slug))

    def versions(self, slug: str) -> list[dict[str, Any]]:
        """Every saved version: ``version``, ``when``, ``who``, ``what`` and the ``document``
        (``None`` for history imported from a file), oldest first."""
        with self._sessions() as s:
            rows = s.scalars(select(ProgrammeVersionRow)
                             .where(ProgrammeVersionRow.slug == slug)
                             .order_by(ProgrammeVersionRow.version))
            return [{"version": r.version, "when": r.changed_at, "who": r.changed_by,
                     "what": r.action, "document": r.document} for r in rows]

    # ------------------------------------------------------------------ writing

    def _lock(self, s: Session, slug: str) -> ProgrammeRow | None:
        """Take the programme's write lock in this transaction; its row (``None``: new)."""
        if s.get_bind().dialect.name == "sqlite":
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
            return s.get(ProgrammeRow, slug)
        return s.scalar(select(ProgrammeRow).where(ProgrammeRow.slug == slug)
                        .with_for_update())

    @contextmanager
    def editing(self, slug: str) -> Iterator[ProgrammeDocument | None]:
        """Lock the programme for a change: yields it (``None`` when there is none yet);
        :meth:`put` of this slug in the block (same thread) writes in the same transaction,
        which commits at the end. An error in the block undoes everything unless
        :meth:`put` was already called (a save stands, as with a file)."""
        active: dict[str, Any] = self._local.__dict__.setdefault("active", {})
        if slug in active:
            raise ContentStoreError(f"programma {slug!r} wordt in deze opdracht al bewerkt.")
        with self._sessions() as s:
            s.begin()
            try:
                row = self._lock(s, slug)
                state = {"session": s, "saved": False}
                active[slug] = state
                doc = None if row is None else ProgrammeDocument(
                    slug, dict(row.document), row.version, _history(s, slug))
                yield doc
            except BaseException:
                if _saved(active.get(slug)):
                    s.commit()
                else:
                    s.rollback()
                raise
            else:
                s.commit()
            finally:
                active.pop(slug, None)

    def put(self, slug: str, document: Mapping[str, Any], *, base_version: int, what: str,
            who: str = "", when: str | None = None) -> int:
        """Save a programme's document as the next version; returns the new version.

        Parameters
        ----------
        slug
            The programme.
        document
            Its document (JSON-able, without history).
        base_version
            The version the change started from (0: a new programme).
        what, who, when
            The history entry (``when`` default now, ISO UTC).

        Raises
        ------
        StaleProgrammeError
            Someone saved a newer version meanwhile, or a new programme's slug is taken.
        """
        entry = {"when": when or _now(), "what": plain_text(what), "who": plain_text(who)}
        active = self._local.__dict__.get("active", {}).get(slug)
        if active is not None:
            version = self._write(active["session"], slug, dict(document), base_version, entry)
            active["saved"] = True
            return version
        try:
            with self._sessions.begin() as s:
                self._lock(s, slug)
                return self._write(s, slug, dict(document), base_version, entry)
        except IntegrityError as exc:  # two new programmes with one slug at the same moment
            raise StaleProgrammeError(f"programma {slug!r} bestaat al; er is niets "
                                      "overschreven. Kies een andere naam (slug).") from exc

    def _write(self, s: Session, slug: str, document: dict[str, Any], base: int,
               entry: dict[str, str]) -> int:
        name = plain_text(str(document.get("name", "")))
        if base == 0:
            if s.get(ProgrammeRow, slug) is not None:
                raise StaleProgrammeError(
                    f"programma {slug!r} bestaat al; er is niets overschreven. Kies een andere "
                    "naam (slug) of bewerk het bestaande programma.")
            s.add(ProgrammeRow(slug=slug, name=name, version=1, document=document,
                               created_at=entry["when"], updated_at=entry["when"]))
            s.flush()
            version = 1
        else:
            version = base + 1
            done = s.execute(update(ProgrammeRow)
                             .where(ProgrammeRow.slug == slug, ProgrammeRow.version == base)
                             .values(version=version, name=name, document=document,
                                     updated_at=entry["when"])
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise self._stale(s, slug, base)
        s.add(ProgrammeVersionRow(slug=slug, version=version, changed_at=entry["when"],
                                  changed_by=entry["who"], action=entry["what"],
                                  document=document))
        s.flush()
        return version

    def _stale(self, s: Session, slug: str, base: int) -> ContentStoreError:
        row = s.get(ProgrammeRow, slug, populate_existing=True)
        if row is None:
            return ContentStoreError(f"programma {slug!r} bestaat niet (meer); maak het opnieuw "
                                     "met 'wijkanalyse programma nieuw'.")
        last = s.scalar(select(ProgrammeVersionRow)
                        .where(ProgrammeVersionRow.slug == slug)
                        .order_by(ProgrammeVersionRow.version.desc()).limit(1))
        meanwhile = "" if last is None else (
            f" (laatst: '{last.action}'" + (f" door {last.changed_by}" if last.changed_by
                                             else "") + f" op {last.changed_at})")
        return StaleProgrammeError(
            f"programma {slug!r} is intussen gewijzigd: het staat op versie {row.version}"
            f"{meanwhile}, uw wijziging ging uit van versie {base}. Er is niets bewaard; laad "
            "het programma opnieuw en breng uw wijziging opnieuw aan.")

    # ------------------------------------------------------------------ import

    def import_document(self, slug: str, document: Mapping[str, Any],
                        history: Sequence[Mapping[str, str]]) -> int:
        """Store a programme that comes with its history (a JSON file of the former file
        store): one history row per entry, the document on the last; returns the version.

        Raises
        ------
        StaleProgrammeError
            A programme with this slug is already stored (the caller compares first).
        """
        with self._sessions.begin() as s:
            if self._lock(s, slug) is not None:
                raise StaleProgrammeError(f"programma {slug!r} staat al in de inhoudsdatabase.")
            entries = [{"when": plain_text(str(h.get("when", ""))),
                        "what": plain_text(str(h.get("what", ""))),
                        "who": plain_text(str(h.get("who", "")))} for h in history]
            first = entries[0]["when"] if entries else _now()
            last = entries[-1]["when"] if entries else first
            version = max(1, len(entries))
            s.add(ProgrammeRow(slug=slug, name=plain_text(str(document.get("name", ""))),
                               version=version,
                               document=dict(document), created_at=first, updated_at=last))
            s.flush()
            for number, entry in enumerate(entries, start=1):
                s.add(ProgrammeVersionRow(
                    slug=slug, version=number, changed_at=entry["when"],
                    changed_by=entry["who"], action=entry["what"],
                    document=dict(document) if number == len(entries) else None))
            s.flush()
            count = s.scalar(select(func.count()).select_from(ProgrammeVersionRow)
                             .where(ProgrammeVersionRow.slug == slug))
            if count != len(entries):
                raise ContentStoreError(f"programma {slug!r}: de geschiedenis is niet volledig "
                                        "overgenomen; er is niets bewaard.")
            return version


def _saved(state: Mapping[str, Any] | None) -> bool:
    """Whether the edit ``state`` of :meth:`ProgrammeTables.editing` has saved."""
    return bool(state and state.get("saved"))
