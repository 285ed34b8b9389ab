"""Aanpakken en verhalen: stories and approaches that users attach to areas.

A *verhaal* is an interview, a field note or an observation; an *aanpak* is an approach used
in the neighbourhood (with partners, funding, start and end year, status and result). Both are
written in Markdown, attached to one area and kept in the content store
(:class:`wijkanalyse.content.ContentStore`, a file of its own that ``data build`` never
touches; the analytical database is only read, to resolve the area). The area is named
as for ``wijkanalyse profiel`` (:func:`wijkanalyse.gebieden.subjects.resolve_subject`) and
stored under the profile subject's id: a CBS code, the id of a user-defined area (``areas``) or
of an area of a shipped set (``jol-galjoen``).

Tables (in the content store):

``stories``        the current version of every story; a removed story keeps its row with
                   ``removed_at``/``removed_by`` set (soft delete) and is no longer listed;
``story_history``  every version ever written (``add``, ``update``, ``remove``) as a JSON
                   snapshot, so nothing is overwritten or removed without a trace.

This module adds, gets, updates, removes and lists stories. Stored text is never trusted:
:func:`~wijkanalyse.verhalen.markdown.render_markdown` renders it with raw HTML disabled (tags
are shown as text), links limited to ``http``, ``https``, ``mailto`` and ``#`` anchors, and
images shown as a link instead of being loaded (an offline report must not fetch remote
files, and the PDF renderer would try to).

A profile gets its stories from :func:`~wijkanalyse.verhalen.profile.stories_for`: stories
attached to the subject itself, to a member, to a wijk that contains it, to a region inside it,
or to a user area that overlaps it; ``meta["gekoppeld_aan"]`` says to which area each story is
attached and ``meta["koppeling_tekst"]`` says so in Dutch ("Over wijk Kustwijk, waarin dit
gebied ligt.").
"""


from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.content import STORY_COLUMNS as _COLUMNS
from wijkanalyse.content import ContentStore, DuplicateRecordError
from wijkanalyse.model import Story
from wijkanalyse.verhalen.areas import (
    _area_infos,
    _resolve_area,
)
from wijkanalyse.verhalen.markdown import excerpt_markdown, render_markdown
from wijkanalyse.verhalen.validate import (
    _DUTCH_META,
    FIELD_LABELS,
    HISTORY_COLUMNS,
    LIST_COLUMNS,
    META_LABELS,
    UPDATE_FIELDS,
    StoryError,
    _clean_body,
    _clean_date,
    _clean_kind,
    _clean_line,
    _clean_meta,
    _clean_tags,
    _nl,
    _now,
)

# --------------------------------------------------------------------------- rows


def _story(data: Mapping[str, Any], *, extra_meta: Mapping[str, Any] | None = None) -> Story:
    meta = dict(data["meta"])
    if extra_meta:
        meta.update(extra_meta)
    # the report shows an excerpt of a long text (rendering stays bounded, also for texts
    # stored before the input limit existed); the full text stays in body_markdown
    shown, cut = excerpt_markdown(data["body_markdown"])
    body_html = render_markdown(shown)
    if cut:
        rest = len(data["body_markdown"]) - len(shown)
        noun = "aanpak" if data["kind"] == "aanpak" else "verhaal"
        body_html += (f'<p class="ingekort"><em>… ingekort: nog {_nl(rest)} tekens. De volledige '
                      f"tekst: <code>wijkanalyse {noun} show {int(data['story_id'])}</code>"
                      "</em></p>")
    return Story(
        story_id=int(data["story_id"]),
        kind=data["kind"],
        area_code=data["area_code"],
        title=data["title"],
        author=data["author"],
        date=str(data["story_date"]),
        body_markdown=data["body_markdown"],
        body_html=body_html,
        tags=list(data["tags"]),
        meta=meta,
    )


def _load(content: ContentStore, story_id: object, *,
          include_removed: bool = False) -> dict[str, Any]:
    try:
        sid = int(story_id)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise StoryError(f"ongeldig verhaalnummer {story_id!r}: geef een getal.") from exc
    row = content.story(sid)
    if row is None:
        last = content.max_story_id()
        known = f"de nummers lopen van 1 tot en met {last}" if last else "er zijn nog geen verhalen"
        raise StoryError(
            f"verhaal {sid} bestaat niet ({known}); zie 'wijkanalyse verhaal list'."
        )
    data = row
    if data["removed_at"] and not include_removed:
        raise StoryError(
            f"verhaal {sid} is verwijderd op {data['removed_at']} door {data['removed_by']}; de "
            f"geschiedenis blijft bewaard ('wijkanalyse verhaal show {sid} --geschiedenis')."
        )
    return data


def _write_history(content: ContentStore, data: Mapping[str, Any], *, action: str,
                   changed_by: str, changed_at: str, user_id: int | None) -> None:
    """Write a changed story (``update``/``remove``) with its new version."""
    content.save_story(data, action=action, changed_by=changed_by, changed_at=changed_at,
                       user_id=user_id)


# --------------------------------------------------------------------------- public API


def add_story(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    *,
    area: str,
    title: str,
    author: str,
    body_markdown: str,
    date: str | None = None,
    kind: str = "verhaal",
    tags: Iterable[str] | str = (),
    meta: Mapping[str, Any] | None = None,
    gemeente: str | None = None,
    user_id: int | None = None,
) -> Story:
    """Validate and store a new verhaal or aanpak (one transaction, with its history entry).

    Parameters
    ----------
    con
        A connection to the analytical database (read-only is fine): the area is resolved
        there.
    content
        The content store the story is written to.
    area
        Resolved exactly as ``wijkanalyse profiel`` resolves its subject
        (:func:`wijkanalyse.gebieden.subjects.resolve_subject`): a CBS code known in the ``regions``
        view, a region name ("Kustwijk"; "Angelslo" is the wijk), the id or name of a user
        area, or an area of a shipped set ("Jol/Galjoen"). The story is stored under the
        subject's id: the CBS code, or the area id of a gebied.
    title, author
        One line each, required.
    body_markdown
        The text in Markdown (required); stored as given, rendered safely on output.
    date
        ISO date ``JJJJ-MM-DD`` (default: today); not in the future.
    kind
        ``"verhaal"`` or ``"aanpak"``.
    tags
        Tags (a comma-separated string is split).
    meta
        Aanpak only: ``partners`` (list), ``funding``, ``start_year``, ``end_year``, ``status``
        (one of :data:`STATUSES`), ``result``; the Dutch keys of :data:`META_LABELS`
        (``financiering``, ``startjaar``, ...) are accepted too.
    gemeente
        Settles an area name used in several gemeenten ("Meerwijk"), by name or GM code.
    user_id
        The account that adds it (web), recorded with the version; ``None`` from the CLI.

    Returns
    -------
    Story
        The stored story (with ``body_html``).

    Raises
    ------
    StoryError
        A value is invalid (the message names it; unknown areas get suggestions), or the same
        story (kind, area, title, date, text) is already stored.
    """
    return _add(con, content, area=area, title=title, author=author,
                body_markdown=body_markdown, date=date, kind=kind, tags=tags, meta=meta,
                gemeente=gemeente, source_file=None, user_id=user_id)


def _add(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    *,
    area: object,
    title: object,
    author: object,
    body_markdown: object,
    date: object,
    kind: object,
    tags: object,
    meta: Mapping[str, Any] | None,
    gemeente: object,
    source_file: str | None,
    user_id: int | None = None,
) -> Story:
    clean_kind = _clean_kind(kind)
    info = _resolve_area(con, area, gemeente=_clean_line(gemeente, field="gemeente",
                                                         required=False) or None)
    data: dict[str, Any] = {
        "kind": clean_kind,
        "area_code": info.code,
        "title": _clean_line(title, field="title"),
        "author": _clean_line(author, field="author"),
        "story_date": _clean_date(date),
        "body_markdown": _clean_body(body_markdown),
        "tags": _clean_tags(tags),
        "meta": _clean_meta(meta, kind=clean_kind),
        "source_file": source_file,
        "removed_at": None,
        "removed_by": None,
    }
    now = _now()
    data["created_at"] = data["updated_at"] = now
    try:
        data["story_id"] = content.add_story(data, changed_by=data["author"], changed_at=now,
                                             user_id=user_id)
    except DuplicateRecordError as exc:
        same = exc.existing
        raise StoryError(
            f"dit {data['kind']} staat er al in als nummer {same} (zelfde gebied, titel, "
            f"datum en tekst). Wijzig het met 'wijkanalyse verhaal update {same}'."
        ) from exc
    return _story(data)


def get_story(content: ContentStore, story_id: int, *,
              include_removed: bool = False) -> Story:
    """One story by number, from the content store.

    Raises
    ------
    StoryError
        When it does not exist, or was removed (unless ``include_removed``).
    """
    return _story(_load(content, story_id, include_removed=include_removed))


def update_story(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    story_id: int,
    *,
    changed_by: str,
    user_id: int | None = None,
    **fields: Any,
) -> Story:
    """Change fields of a story; the previous version stays in ``story_history``.

    Parameters
    ----------
    con
        A connection to the analytical database (to resolve a new area).
    content
        The content store.
    story_id
        The story's number.
    changed_by
        Who makes the change (required).
    user_id
        The account that makes it (web), or ``None``.
    **fields
        Any of :data:`UPDATE_FIELDS` (``area``, ``gemeente``, ``title``, ``author``,
        ``body_markdown``, ``date``, ``kind``, ``tags``, ``meta``), validated as in
        :func:`add_story` (``gemeente`` only together with ``area``). ``None``
        means "not given" (so CLI options map one to one). ``tags`` replaces the tags;
        ``meta`` is merged into the stored meta, a key with value ``None`` removes it.
        Changing the kind to ``"verhaal"`` requires removing the aanpak meta.

    Returns
    -------
    Story
        The new version.

    Raises
    ------
    StoryError
        Unknown or invalid field, unknown or removed story, or nothing would change.
    """
    return _update(con, content, story_id, changed_by=changed_by, fields=fields,
                   source_file=None, user_id=user_id)


def _update(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    story_id: int,
    *,
    changed_by: str,
    fields: Mapping[str, Any],
    source_file: str | None,
    user_id: int | None = None,
) -> Story:
    """:func:`update_story`; ``source_file`` (when given) is recorded with the new version."""
    unknown = sorted(set(fields) - set(UPDATE_FIELDS))
    if unknown:
        raise StoryError(
            f"onbekend(e) veld(en) {', '.join(unknown)}; te wijzigen zijn "
            f"{', '.join(UPDATE_FIELDS)}."
        )
    who = _clean_line(changed_by, field="changed_by")
    old = _load(content, story_id)
    new = dict(old)
    given = {k: v for k, v in fields.items() if v is not None}
    if "kind" in given:
        new["kind"] = _clean_kind(given["kind"])
    if "gemeente" in given and "area" not in given:
        raise StoryError("'gemeente' kiest tussen gebieden met dezelfde naam; geef het samen met "
                         "een nieuw gebied.", field="gemeente")
    if "area" in given:
        gm = _clean_line(given.get("gemeente"), field="gemeente", required=False) or None
        new["area_code"] = _resolve_area(con, given["area"], gemeente=gm).code
    if "title" in given:
        new["title"] = _clean_line(given["title"], field="title")
    if "author" in given:
        new["author"] = _clean_line(given["author"], field="author")
    if "date" in given:
        new["story_date"] = _clean_date(given["date"])
    if "body_markdown" in given:
        new["body_markdown"] = _clean_body(given["body_markdown"])
    if "tags" in given:
        new["tags"] = _clean_tags(given["tags"])
    merged = dict(old["meta"])
    if "meta" in given:
        if not isinstance(given["meta"], Mapping):
            raise StoryError(f"meta moet een mapping zijn, niet {given['meta']!r}.",
                             field="meta")
        for key, value in given["meta"].items():
            key = _DUTCH_META.get(str(key), str(key))
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
    new["meta"] = _clean_meta(merged, kind=new["kind"])
    if source_file is not None:
        new["source_file"] = source_file
    return _save_update(content, old, new, who, user_id=user_id)


def _save_update(content: ContentStore, old: Mapping[str, Any],
                 new: dict[str, Any], who: str, *, user_id: int | None) -> Story:
    changed = [k for k in _COLUMNS if k not in ("updated_at", "source_file") and old[k] != new[k]]
    if not changed:
        raise StoryError(
            f"verhaal {old['story_id']} is niet gewijzigd: de opgegeven waarden zijn al de "
            "huidige."
        )
    now = _now()
    new["updated_at"] = now
    _write_history(content, new, action="update", changed_by=who, changed_at=now,
                   user_id=user_id)
    return _story(new)


def remove_story(content: ContentStore, story_id: int, *, removed_by: str,
                 user_id: int | None = None) -> None:
    """Remove a story from lists and profiles; its row and history are kept (soft delete).

    Raises
    ------
    StoryError
        Unknown or already removed story, or ``removed_by`` empty.
    """
    who = _clean_line(removed_by, field="removed_by")
    data = _load(content, story_id)
    now = _now()
    data["removed_at"] = data["updated_at"] = now
    data["removed_by"] = who
    _write_history(content, data, action="remove", changed_by=who, changed_at=now,
                   user_id=user_id)


def list_stories(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore | None,
    *,
    area: str | None = None,
    kind: str | None = None,
    include_removed: bool = False,
    gemeente: str | None = None,
) -> pd.DataFrame:
    """Stories as a table, newest first (by date, then number).

    Parameters
    ----------
    con
        A connection to the analytical database (read-only is fine): areas and their names.
    content
        The content store (``None``: no stories yet; an unknown ``area`` is still an error).
    area
        Only stories attached to exactly this area (code, user area id or name, or a unique
        region name). A story attached to a wijk is not listed under its buurten here; use
        :func:`stories_for` for a profile.
    kind
        Only ``"verhaal"`` or ``"aanpak"``.
    include_removed
        Also list removed stories (``removed_at`` set).
    gemeente
        Settles an ambiguous ``area`` name.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LIST_COLUMNS`; ``story_date`` as ISO text, ``tags`` a list, ``meta`` a
        dict, ``area_name`` the display name of the area, ``version`` the number of versions.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in LIST_COLUMNS})
    if kind is not None:
        kind = _clean_kind(kind)
    if content is None:
        if area is not None:
            _resolve_area(con, area, gemeente=gemeente)
        return empty
    code: str | None = None
    if area is not None:
        text = str(area).strip()
        direct = content.count_stories_for_area(text)
        code = text if direct else _resolve_area(con, text, gemeente=gemeente).code
    records = content.story_rows(area_code=code, kind=kind, include_removed=include_removed)
    if not records:
        return empty
    infos = _area_infos(con, {r["area_code"] for r in records})
    for r in records:
        info = infos.get(r["area_code"])
        r["area_name"] = info.name if info else r["area_code"]
    return pd.DataFrame.from_records(records)[LIST_COLUMNS]


def story_history(content: ContentStore, story_id: int) -> pd.DataFrame:
    """Every version of a story, oldest first (also of a removed story).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`; ``changed_fields`` names (in Dutch, see
        :data:`FIELD_LABELS`) what differs from the previous version (``""`` for ``add`` and
        ``remove``); ``snapshot`` is the full version as JSON text.

    Raises
    ------
    StoryError
        When the story does not exist.
    """
    data = _load(content, story_id, include_removed=True)
    records = []
    previous: dict[str, Any] | None = None
    for row in content.story_versions(data["story_id"]):
        sid, version, changed_at, changed_by, action, snapshot = (
            row[k] for k in ("story_id", "version", "changed_at", "changed_by", "action",
                             "snapshot"))
        snap = json.loads(snapshot)
        changed = ""
        if action == "update" and previous is not None:
            changed = ", ".join(_changed_labels(previous, snap))
        records.append({
            "story_id": sid, "version": version, "changed_at": changed_at,
            "changed_by": changed_by, "action": action, "changed_fields": changed,
            "title": snap["title"], "area_code": snap["area_code"],
            "story_date": snap["story_date"], "snapshot": snapshot,
        })
        previous = snap
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


def _changed_labels(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    labels = []
    for key in _COLUMNS:
        if key in ("updated_at", "created_at", "removed_at", "removed_by", "story_id"):
            continue
        if key == "meta":
            keys = sorted(set(old["meta"]) | set(new["meta"]), key=list(META_LABELS).index)
            labels += [META_LABELS[k] for k in keys if old["meta"].get(k) != new["meta"].get(k)]
        elif old.get(key) != new.get(key):
            labels.append(FIELD_LABELS.get(key, key))
    return labels
