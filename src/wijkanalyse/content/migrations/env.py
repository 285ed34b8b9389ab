"""Alembic environment of the content store.

Used in two ways:

* programmatically by :func:`wijkanalyse.content.migrate.upgrade` (``open_content`` calls it):
  the caller puts an open SQLAlchemy ``Connection`` in ``config.attributes["connection"]``;
* from the ``alembic`` command (``alembic -c src/wijkanalyse/content/alembic.ini upgrade head``,
  see docs/postgresql.md): the database URL comes from ``-x url=...``, else from
  ``WIJKANALYSE_CONTENT_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from wijkanalyse.content.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "WIJKANALYSE_CONTENT_URL")
    if not url:
        raise SystemExit("geef de database met -x url=... of WIJKANALYSE_CONTENT_URL.")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def run_offline() -> None:
    """``alembic upgrade --sql``: write the SQL instead of running it."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on the caller's connection, or on one made from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
