"""Verhalen: every query of the package (the only module with SQL): the story tables, the
areas a story can be attached to, and writing rows. Functions take a connection and return
rows or plain values; writing happens inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from wijkanalyse import store
from wijkanalyse.verhalen.validate import TABLES, StoryError

#: Kinds of story.




#: The columns of ``stories`` in the order they are read and written.
_COLUMNS = ("story_id", "kind", "area_code", "title", "author", "story_date", "body_markdown",
            "tags", "meta", "created_at", "updated_at", "source_file", "removed_at",
            "removed_by")
_SELECT = ", ".join(
    "CAST(story_date AS VARCHAR) AS story_date" if c == "story_date" else c for c in _COLUMNS
)


# --------------------------------------------------------------------------- tables


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables ``stories`` and ``story_history`` when they do not exist yet.

    Idempotent. Needs a writable connection when a table is missing.

    Raises
    ------
    StoryError
        When a table is missing and the database is opened read-only.
    """
    store.ensure_feature_tables(con, TABLES, _create_tables, read_only_error=StoryError(
        "de tabellen voor verhalen en aanpakken ontbreken en de database is alleen-lezen "
        "geopend. Open de database schrijfbaar om een verhaal toe te voegen."))


def _tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return store.tables_exist(con, TABLES)


def _ensure_writable(con: duckdb.DuckDBPyConnection) -> None:
    """Tables present and the connection writable, else a :class:`StoryError`."""
    ensure_tables(con)
    if store.is_read_only(con):
        raise StoryError("de database is alleen-lezen geopend; open hem schrijfbaar om "
                         "verhalen of aanpakken toe te voegen of te wijzigen.")


def _readable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the tables exist (created on a writable connection; read-only: as they are)."""
    if _tables_exist(con):
        return True
    try:
        ensure_tables(con)
    except StoryError:
        return False
    return True


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``stories`` and ``story_history`` (:data:`wijkanalyse.store.STORIES_SCHEMA`)."""
    con.execute(store.STORIES_SCHEMA)


def _region_rows(con: duckdb.DuckDBPyConnection,
                 codes: Iterable[str]) -> list[tuple[Any, ...]]:
    """``(code, latest name, latest level)`` of the regions with these codes."""
    return con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL), arg_max(level, year) "
        "FROM regions WHERE list_contains(?, code) GROUP BY code",
        [list(codes)],
    ).fetchall()


def _user_area_rows(con: duckdb.DuckDBPyConnection,
                    ids: Iterable[str]) -> list[tuple[Any, ...]]:
    """``(area_id, name, member codes)`` of the user areas with these ids."""
    return con.execute(
        "SELECT a.area_id, a.name, list(m.code ORDER BY m.code) FILTER (WHERE m.code IS NOT NULL) "
        "FROM areas a LEFT JOIN area_members m USING (area_id) "
        "WHERE list_contains(?, a.area_id) GROUP BY a.area_id, a.name",
        [list(ids)],
    ).fetchall()


def _user_area_names(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """``(area_id, name)`` of every user area."""
    return con.execute("SELECT area_id, name FROM areas").fetchall()


def _row_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row of :data:`_COLUMNS` as a dict (tags a list, meta decoded)."""
    data = dict(zip(_COLUMNS, row, strict=True))
    data["tags"] = list(data["tags"] or [])
    data["meta"] = json.loads(data["meta"]) if data["meta"] else {}
    return data


def _story_row(con: duckdb.DuckDBPyConnection, story_id: int) -> tuple[Any, ...] | None:
    """The row of one story (also a removed one), None when there is none."""
    row: tuple[Any, ...] | None = con.execute(
        f"SELECT {_SELECT} FROM stories WHERE story_id = ?", [story_id]).fetchone()
    return row


def _max_story_id(con: duckdb.DuckDBPyConnection) -> Any:
    """The highest story number (None when there are no stories)."""
    return con.execute("SELECT max(story_id) FROM stories").fetchall()[0][0]


def _next_story_id(con: duckdb.DuckDBPyConnection) -> Any:
    """The number of a new story."""
    return con.execute("SELECT coalesce(max(story_id), 0) + 1 FROM stories").fetchall()[0][0]


def _same_story(con: duckdb.DuckDBPyConnection,
                data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """``(story_id,)`` of a current story with the same kind, area, title, date and text."""
    row: tuple[Any, ...] | None = con.execute(
        "SELECT story_id FROM stories WHERE removed_at IS NULL AND kind = ? AND area_code = ? "
        "AND title = ? AND story_date = CAST(? AS DATE) AND body_markdown = ? "
        "ORDER BY story_id LIMIT 1",
        [data["kind"], data["area_code"], data["title"], data["story_date"],
         data["body_markdown"]],
    ).fetchone()
    return row


def _write_row(con: duckdb.DuckDBPyConnection, data: Mapping[str, Any]) -> None:
    """Insert a new story row."""
    values = [json.dumps(data["meta"], ensure_ascii=False, sort_keys=True) if c == "meta"
              else data[c] for c in _COLUMNS]
    con.execute(f"INSERT INTO stories ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})", values)


def _update_row(con: duckdb.DuckDBPyConnection, new: Mapping[str, Any], now: str) -> None:
    """Write the changed fields of a story."""
    con.execute(
        "UPDATE stories SET kind = ?, area_code = ?, title = ?, author = ?, "
        "story_date = CAST(? AS DATE), body_markdown = ?, tags = ?, meta = ?, "
        "updated_at = ?, source_file = ? WHERE story_id = ?",
        [new["kind"], new["area_code"], new["title"], new["author"], new["story_date"],
         new["body_markdown"], new["tags"],
         json.dumps(new["meta"], ensure_ascii=False, sort_keys=True), now,
         new["source_file"], new["story_id"]],
    )


def _mark_removed(con: duckdb.DuckDBPyConnection, story_id: Any, who: str, now: str) -> None:
    """Soft-delete a story: its row stays with ``removed_at``/``removed_by`` set."""
    con.execute(
        "UPDATE stories SET removed_at = ?, removed_by = ?, updated_at = ? "
        "WHERE story_id = ?",
        [now, who, now, story_id],
    )


def _count_for_area(con: duckdb.DuckDBPyConnection, area_code: str) -> int:
    """How many stories (also removed ones) are stored under exactly this area code."""
    n: int = con.execute("SELECT count(*) FROM stories WHERE area_code = ?",
                         [area_code]).fetchall()[0][0]
    return n


def _list_rows(con: duckdb.DuckDBPyConnection, *, area_code: str | None, kind: str | None,
               include_removed: bool) -> list[tuple[Any, ...]]:
    """Rows of :data:`_COLUMNS` plus the number of versions, newest first."""
    sql = (f"SELECT {_SELECT}, (SELECT count(*) FROM story_history h "
           "WHERE h.story_id = s.story_id) AS version FROM stories s WHERE 1 = 1")
    params: list[Any] = []
    if area_code is not None:
        sql += " AND area_code = ?"
        params.append(area_code)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if not include_removed:
        sql += " AND removed_at IS NULL"
    sql += " ORDER BY story_date DESC, story_id DESC"
    return con.execute(sql, params).fetchall()


def _history_rows(con: duckdb.DuckDBPyConnection, story_id: Any) -> list[tuple[Any, ...]]:
    """``(story_id, version, changed_at, changed_by, action, snapshot)``, oldest first."""
    return con.execute(
        "SELECT story_id, version, changed_at, changed_by, action, snapshot FROM story_history "
        "WHERE story_id = ? ORDER BY version",
        [story_id],
    ).fetchall()


def _current_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Rows of :data:`_COLUMNS` of every story not removed, newest first."""
    return con.execute(
        f"SELECT {_SELECT} FROM stories WHERE removed_at IS NULL "
        "ORDER BY story_date DESC, story_id DESC"
    ).fetchall()
