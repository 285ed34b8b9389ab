"""Knowledge programmes: one row per programme (document, version) and one row per save.

Revision ID: 0002_programme
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_programme"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.String(40)


def upgrade() -> None:
    """Create ``programmes`` and ``programme_history``."""
    op.create_table(
        "programmes",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_programmes"),
    )
    op.create_table(
        "programme_history",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["slug"], ["programmes.slug"], ondelete="CASCADE",
                                name="fk_programme_history_slug_programmes"),
        sa.PrimaryKeyConstraint("slug", "version", name="pk_programme_history"),
    )


def downgrade() -> None:
    """Drop the programme tables."""
    op.drop_table("programme_history")
    op.drop_table("programmes")
