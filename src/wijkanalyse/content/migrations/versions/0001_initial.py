"""The first content schema: accounts, sessions, stories, applied interventions, kennis
history.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.String(40)


def _history(name: str, key: str, key_type: sa.types.TypeEngine[Any],
             *extra: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column(key, key_type, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        *extra,
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(key, "version", name=f"pk_{name}"),
    )


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "user_gemeenten",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("gemeente_code", sa.String(10), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE",
                                name="fk_user_gemeenten_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "gemeente_code", name="pk_user_gemeenten"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE",
                                name="fk_sessions_user_id_users"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "stories",
        sa.Column("story_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("area_code", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("story_date", sa.Date(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("removed_at", _TS, nullable=True),
        sa.Column("removed_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("story_id", name="pk_stories"),
    )
    op.create_index("ix_stories_area_code", "stories", ["area_code"])
    _history("story_history", "story_id", sa.Integer())
    op.create_table(
        "applied_approaches",
        sa.Column("applied_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("intervention_id", sa.String(200), nullable=False),
        sa.Column("area_code", sa.String(200), nullable=False),
        sa.Column("area_name", sa.Text(), nullable=False),
        sa.Column("area_kind", sa.String(20), nullable=False),
        sa.Column("area_members", sa.JSON(), nullable=False),
        sa.Column("gemeente_code", sa.String(10), nullable=True),
        sa.Column("year_from", sa.Integer(), nullable=False),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("funding", sa.JSON(), nullable=False),
        sa.Column("result_text", sa.Text(), nullable=False),
        sa.Column("result_indicators", sa.JSON(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("removed_at", _TS, nullable=True),
        sa.Column("removed_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("applied_id", name="pk_applied_approaches"),
    )
    op.create_index("ix_applied_approaches_intervention_id", "applied_approaches",
                    ["intervention_id"])
    _history("applied_approach_history", "applied_id", sa.Integer())
    _history("kennis_history", "intervention_id", sa.String(200),
             sa.Column("origin", sa.String(20), nullable=False),
             sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop every table of the first schema."""
    for name in ("kennis_history", "applied_approach_history", "applied_approaches",
                 "story_history", "stories", "sessions", "user_gemeenten", "users"):
        op.drop_table(name)
