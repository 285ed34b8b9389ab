"""Tables a feature keeps in the database beside the built data (kennisdossier, verhalen)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from wijkanalyse.store.schema import tables_exist


def ensure_feature_tables(
    con: duckdb.DuckDBPyConnection,
    names: tuple[str, ...],
    create: Callable[[duckdb.DuckDBPyConnection], None],
    *,
    read_only_error: Exception,
) -> None:
    """Create a feature's tables when one of ``names`` does not exist yet (idempotent).

    Parameters
    ----------
    con
        The connection.
    names
        The feature's tables.
    create
        Creates them (``CREATE TABLE IF NOT EXISTS``).
    read_only_error
        Raised (from the DuckDB error) when creating fails, i.e. a table is missing and the
        database is opened read-only; the feature's own error with its Dutch message.
    """
    if tables_exist(con, names):
        return
    try:
        create(con)
    except duckdb.Error as exc:
        raise read_only_error from exc
