"""Figures of a whole level, of all of NL or of the shipped catalogues that every profile needs,
computed once by ``data build`` and stored as JSON in ``stored_parts`` (issue 13).

A row is ``(kind, key, fingerprint, payload)``: the feature that owns it names the kind
(``peer_features``, ``peer_names``, ``nederland``, ``kennis_index``) and the key (a level and
year, a year, ...); the fingerprint says what the payload was computed from (the loaded sources,
a version of the code, a hash of the shipped files). A reader passes the fingerprint it expects
and gets ``None`` for a missing table (a database built before it existed), a missing row or
a row with another fingerprint (stale): the feature then computes the part itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from wijkanalyse.store.schema import tables_exist

__all__ = ["read_stored_part", "read_stored_parts", "write_stored_parts"]

_TABLE = ("stored_parts",)


def read_stored_part(con: duckdb.DuckDBPyConnection, kind: str, key: str,
                     fingerprint: str) -> str | None:
    """The stored payload of ``(kind, key)`` when its fingerprint is ``fingerprint``.

    Parameters
    ----------
    con
        A connection (read-only is fine).
    kind, key
        Which part.
    fingerprint
        What the caller would compute it from.

    Returns
    -------
    str or None
        The JSON payload, or ``None`` when the table or the row is missing or the row was
        computed from something else.
    """
    if not tables_exist(con, _TABLE):
        return None
    rows = con.execute("SELECT payload FROM stored_parts WHERE kind = ? AND key = ? AND "
                       "fingerprint = ?", [kind, key, fingerprint]).fetchall()
    return str(rows[0][0]) if rows else None


def read_stored_parts(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, tuple[str, str]]:
    """Every stored part of ``kind``: ``key -> (fingerprint, payload)`` (empty when none)."""
    if not tables_exist(con, _TABLE):
        return {}
    return {str(k): (str(f), str(p)) for k, f, p in con.execute(
        "SELECT key, fingerprint, payload FROM stored_parts WHERE kind = ?", [kind]).fetchall()}


def write_stored_parts(con: duckdb.DuckDBPyConnection, kind: str,
                       rows: Sequence[tuple[str, str, str]]) -> int:
    """Replace the parts of ``kind`` by ``rows`` of ``(key, fingerprint, payload)``.

    Returns the number of rows written.
    """
    con.execute("DELETE FROM stored_parts WHERE kind = ?", [kind])
    if rows:
        con.executemany("INSERT INTO stored_parts VALUES (?, ?, ?, ?)",
                        [(kind, k, f, p) for k, f, p in rows])
    return len(rows)
