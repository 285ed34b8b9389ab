"""The tables of the content store as SQLAlchemy 2 models (typed ``Mapped[...]``).

What people make lives here, apart from the analytical DuckDB file that ``data build``
replaces: accounts and their gemeenten, login sessions (only a hash of the token), stories and
approaches, applied interventions, kennisdossier edits, each record with every version in a
history table (who and when). Timestamps of records are ISO text (as the DuckDB tables had
them, so output stays the same); lists and mappings are JSON.

The schema is created and changed only by the Alembic migrations in
``wijkanalyse/content/migrations`` (:func:`wijkanalyse.content.open_content` upgrades to head);
these models describe it for the queries and must match the latest migration (a test compares
them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Constraint names for every backend (Alembic needs stable names to alter them).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the content tables."""

    metadata = MetaData(naming_convention=NAMING)


class VersionColumns:
    """The columns every version table shares after its key: number, when, who (name and
    account), what (``add``/``update``/``remove``/...) and the snapshot (JSON text)."""

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[str] = mapped_column(Text, sort_order=2)  # last, as in the migration


class UserRow(Base):
    """An account: name, e-mail (lower case, unique), Argon2 hash, role."""

    __tablename__ = "users"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


class UserGemeenteRow(Base):
    """A gemeente (GM code) in which a deelnemer may edit."""

    __tablename__ = "user_gemeenten"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True)
    gemeente_code: Mapped[str] = mapped_column(String(10), primary_key=True)


class SessionRow(Base):
    """A login session: the SHA-256 of its token (never the token), user, expiry (epoch s)."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), index=True)
    created_at: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(Integer)


class StoryRow(Base):
    """The current version of a verhaal or aanpak (soft delete: ``removed_at`` set)."""

    __tablename__ = "stories"
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10))
    area_code: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    story_date: Mapped[dt.date] = mapped_column(Date)
    body_markdown: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    source_file: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[str | None] = mapped_column(String(40))
    removed_by: Mapped[str | None] = mapped_column(Text)


class StoryVersionRow(VersionColumns, Base):
    """One version of a story: who, when, what (``add``/``update``/``remove``), snapshot."""

    __tablename__ = "story_history"
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AppliedRow(Base):
    """An intervention applied in an area (soft delete: ``removed_at`` set)."""

    __tablename__ = "applied_approaches"
    applied_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    intervention_id: Mapped[str] = mapped_column(String(200), index=True)
    area_code: Mapped[str] = mapped_column(String(200))
    area_name: Mapped[str] = mapped_column(Text)
    area_kind: Mapped[str] = mapped_column(String(20))
    area_members: Mapped[list[str]] = mapped_column(JSON)
    gemeente_code: Mapped[str | None] = mapped_column(String(10))
    year_from: Mapped[int] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[list[str]] = mapped_column(JSON)
    funding: Mapped[list[str]] = mapped_column(JSON)
    result_text: Mapped[str] = mapped_column(Text)
    result_indicators: Mapped[list[str]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    removed_at: Mapped[str | None] = mapped_column(String(40))
    removed_by: Mapped[str | None] = mapped_column(Text)


class AppliedVersionRow(VersionColumns, Base):
    """One version of an applied intervention."""

    __tablename__ = "applied_approach_history"
    applied_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class KennisVersionRow(VersionColumns, Base):
    """One version of a kennisdossier intervention written by a person (or the package)."""

    __tablename__ = "kennis_history"
    intervention_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    origin: Mapped[str] = mapped_column(String(20), sort_order=1)
    note: Mapped[str | None] = mapped_column(Text, sort_order=1)


class ProgrammeRow(Base):
    """A knowledge programme (issue 16): its document (JSON, without the history) and the
    version it is at (optimistic concurrency: a save names the version it started from)."""

    __tablename__ = "programmes"
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


class ProgrammeVersionRow(Base):
    """One save of a programme: when, who, what (the programme's history) and the document
    as saved (``None`` for history imported from a JSON file, where only the last version's
    document is known)."""

    __tablename__ = "programme_history"
    slug: Mapped[str] = mapped_column(
        ForeignKey("programmes.slug", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
