"""Versioned records (stories, interventions, applied approaches): their history tables."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def next_version(con: duckdb.DuckDBPyConnection, history: str, key_column: str,
                 key: object) -> int:
    """The next version number of a versioned record: 1 + the highest in its history table.

    Versioned records (stories, interventions, applied approaches) keep their current row in
    one table and every version ever written in ``history`` (key, version, changed_at,
    changed_by, action, [extra columns], snapshot JSON); :func:`append_version` writes one.
    """
    if not (_IDENTIFIER.match(history) and _IDENTIFIER.match(key_column)):
        raise ValueError(f"not a table or column name: {history!r}, {key_column!r}")
    row = con.execute(f"SELECT coalesce(max(version), 0) + 1 FROM {history} "
                      f"WHERE {key_column} = ?", [key]).fetchone()
    return int(row[0]) if row is not None else 1


def append_version(con: duckdb.DuckDBPyConnection, history: str, key_column: str, key: object,
                   record: Mapping[str, Any], *, action: str, changed_by: str, changed_at: str,
                   extra: Sequence[Any] = (), version: int | None = None) -> int:
    """Append one version of a record to its history table.

    Parameters
    ----------
    con
        A writable connection.
    history, key_column, key
        The history table, its key column and the record's key.
    record
        The full record; stored as JSON (sorted keys, UTF-8 text) in the last column.
    action
        ``"add"``, ``"update"``, ``"remove"`` (or the module's own actions).
    changed_by, changed_at
        Who and when (ISO timestamp).
    extra
        Values of the table's columns between ``action`` and the snapshot (e.g. origin, note).
    version
        The version number; default :func:`next_version`.

    Returns
    -------
    int
        The version written.
    """
    if version is None:
        version = next_version(con, history, key_column, key)
    values = [key, version, changed_at, changed_by, action, *extra,
              json.dumps(dict(record), ensure_ascii=False, sort_keys=True)]
    con.execute(f"INSERT INTO {history} VALUES ({', '.join('?' for _ in values)})", values)
    return version
