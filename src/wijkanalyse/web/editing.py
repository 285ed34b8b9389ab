"""The edit routes' store over the real parts: stories and applied interventions through
:mod:`wijkanalyse.verhalen` and :mod:`wijkanalyse.kennis` (their rules: the area resolved in
the analytical database, the record and its version written to the content store with the
account's name and id), kennisdossier edits as versions in the content store.

:class:`ContentEditor` implements the content part of
:class:`~wijkanalyse.web.contentapi.EditStore`; :func:`install` puts one on
``app.state.editor`` (read by :func:`wijkanalyse.web.routes.edit.editor_of`).

An edit of the kennisdossier on the site is stored as a kennis version in the content store
(``origin="web"``: name, summary and description), the same place ``wijkanalyse kennis
add|verwijder|herstel`` write to; every reader (the dossier pages, search, matching, the CLI)
sees the shipped catalogue with those versions applied (:mod:`wijkanalyse.kennis.versions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
from fastapi import FastAPI

from wijkanalyse.content import ContentStore
from wijkanalyse.kennis import KennisError, apply_intervention, get_intervention
from wijkanalyse.kennis.dossier import all_interventions
from wijkanalyse.verhalen import add_story, update_story
from wijkanalyse.web.contentapi import (
    AppliedRecord,
    InterventionRecord,
    StoryRecord,
    User,
)
from wijkanalyse.web.deps import ContentMark, Database


def _story(row: Mapping[str, Any]) -> StoryRecord:
    tags = row.get("tags") or ()
    return StoryRecord(id=int(row["story_id"]), area_code=str(row["area_code"]),
                       kind=str(row["kind"]), title=str(row["title"]),
                       body_markdown=str(row["body_markdown"]),
                       story_date=str(row["story_date"])[:10],
                       tags=tuple(str(t) for t in tags), changed_by=str(row.get("author") or ""),
                       changed_at=str(row.get("updated_at") or ""))


class ContentEditor:
    """Stories, applications and kennis edits of the site (see the module docstring).

    Parameters
    ----------
    db
        The site's read-only analytical database (areas, the kennisdossier).
    content
        The content store the records are written to.
    mark
        The site's :class:`~wijkanalyse.web.deps.ContentMark`, invalidated after each write
        so the pages made from the records show the change at once.
    """

    def __init__(self, db: Database, content: ContentStore, *,
                 mark: ContentMark | None = None) -> None:
        self.db = db
        self.content = content
        self.mark = mark

    def _changed(self) -> None:
        if self.mark is not None:
            self.mark.invalidate()

    # ------------------------------------------------------------------ stories

    def stories_for_area(self, area_code: str) -> list[StoryRecord]:
        """The current stories stored under exactly ``area_code``, newest first."""
        return [_story(r) for r in self.content.story_rows(area_code=area_code)]

    def get_story(self, story_id: int) -> StoryRecord | None:
        """A current story, or ``None`` (unknown or removed)."""
        row = self.content.story(story_id)
        return None if row is None or row.get("removed_at") else _story(row)

    def add_story(self, *, area_code: str, kind: str, title: str, body_markdown: str,
                  story_date: str, tags: Sequence[str], author: User) -> StoryRecord:
        """Validate and store a story (``verhalen.add_story``) by ``author``."""

        def write(con: duckdb.DuckDBPyConnection) -> int:
            return add_story(con, self.content, area=area_code, title=title,
                             author=author.name, body_markdown=body_markdown, date=story_date,
                             kind=kind, tags=list(tags), user_id=author.id).story_id

        story = self.get_story(self.db.run(write))
        self._changed()
        assert story is not None
        return story

    def update_story(self, story_id: int, *, kind: str, title: str, body_markdown: str,
                     story_date: str, tags: Sequence[str], author: User) -> StoryRecord:
        """Store a new version of a story (``verhalen.update_story``) by ``author``."""

        def write(con: duckdb.DuckDBPyConnection) -> None:
            update_story(con, self.content, story_id, changed_by=author.name,
                         user_id=author.id, kind=kind, title=title,
                         body_markdown=body_markdown, date=story_date, tags=list(tags))

        self.db.run(write)
        self._changed()
        story = self.get_story(story_id)
        assert story is not None
        return story

    # ------------------------------------------------------------------ applied

    def applied_for_area(self, area_code: str) -> list[AppliedRecord]:
        """The current applied interventions stored under exactly ``area_code``."""
        return [AppliedRecord(id=int(r["applied_id"]), area_code=str(r["area_code"]),
                              intervention_id=str(r["intervention_id"]),
                              year_from=int(r["year_from"]),
                              year_to=None if r.get("year_to") is None else int(r["year_to"]),
                              result=str(r.get("result_text") or ""),
                              changed_by=str(r.get("author") or ""))
                for r in self.content.applied_rows() if r["area_code"] == area_code]

    def add_applied(self, *, area_code: str, intervention_id: str, year_from: int,
                    year_to: int | None, result: str, author: User) -> AppliedRecord:
        """Record an applied intervention (``kennis.apply_intervention``) by ``author``."""

        def write(con: duckdb.DuckDBPyConnection) -> None:
            apply_intervention(con, self.content, intervention=intervention_id,
                               area=area_code, year_from=year_from, year_to=year_to,
                               result=result, author=author.name, user_id=author.id)

        self.db.run(write)
        self._changed()
        return next(a for a in self.applied_for_area(area_code)
                    if a.intervention_id == intervention_id and a.year_from == year_from)

    # ------------------------------------------------------------------ kennis

    def intervention_ids(self) -> list[str]:
        """The ids of the current interventions of the kennisdossier."""
        return self.db.run(lambda con: [iv.id for iv in all_interventions(
            con, content=self.content)])

    def get_intervention(self, intervention_id: str) -> InterventionRecord | None:
        """An intervention's editable text, as every reader sees it (shipped or stored)."""

        def read(con: duckdb.DuckDBPyConnection) -> InterventionRecord | None:
            try:
                iv = get_intervention(con, intervention_id, content=self.content)
            except KennisError:
                return None
            return InterventionRecord(id=iv.id, name=iv.name, summary=iv.summary,
                                      evidence=iv.description, changed_by=iv.updated_by or "")

        return self.db.run(read)

    def update_intervention(self, intervention_id: str, *, name: str, summary: str,
                            evidence: str, author: User) -> InterventionRecord:
        """Store an edit of an intervention as a kennis version (``origin="web"``)."""
        self.content.add_kennis_version(
            intervention_id, {"id": intervention_id, "name": name, "summary": summary,
                              "description": evidence},
            action="update", origin="web", changed_by=author.name,
            changed_at=datetime.now(UTC).isoformat(timespec="seconds"), user_id=author.id)
        self._changed()
        record = self.get_intervention(intervention_id)
        assert record is not None
        return record


def install(app: FastAPI, db: Database, content: ContentStore) -> None:
    """Serve ``content`` as the app's content store (with its
    :class:`~wijkanalyse.web.deps.ContentMark`) and write edits through a
    :class:`ContentEditor`."""
    app.state.content = content
    app.state.content_mark = mark = ContentMark(content)
    app.state.editor = ContentEditor(db, content, mark=mark)
