"""The part of the content store (``wijkanalyse.content``) that login, permissions and the
edit forms use, written against the issue-15 contract while that package is built on another
branch.

TO BE REPLACED AT MERGE: ``Role`` and ``User`` come from ``wijkanalyse.content``; the
protocols stay as the typed view of ``ContentStore`` that :mod:`wijkanalyse.web.auth` and
:mod:`wijkanalyse.web.routes.edit` need (the real store satisfies them structurally). The
story, application and kennis methods are the edit routes' assumptions of the store's API;
an adapter can map them at merge if the content helper named them differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """What a user may do (contract: ``wijkanalyse.content.Role``)."""

    LEZER = "lezer"
    DEELNEMER = "deelnemer"
    REDACTEUR = "redacteur"
    BEHEERDER = "beheerder"


@dataclass(frozen=True)
class User:
    """An account (contract: ``wijkanalyse.content.User``); ``gemeenten`` are the GM codes
    a deelnemer may edit."""

    id: int
    name: str
    email: str
    role: Role
    gemeenten: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryRecord:
    """A verhaal or aanpak as the edit pages show it."""

    id: int
    area_code: str
    kind: str
    title: str
    body_markdown: str
    story_date: str
    tags: tuple[str, ...] = ()
    changed_by: str = ""
    changed_at: str = ""


@dataclass(frozen=True)
class AppliedRecord:
    """An intervention applied in an area."""

    id: int
    area_code: str
    intervention_id: str
    year_from: int
    year_to: int | None
    result: str = ""
    changed_by: str = ""


@dataclass(frozen=True)
class InterventionRecord:
    """The editable text of a kennisdossier entry."""

    id: str
    name: str
    summary: str
    evidence: str = ""
    changed_by: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class AccountStore(Protocol):
    """Accounts and sessions of ``ContentStore``."""

    def add_user(self, *, name: str, email: str, password: str, role: Role,
                 gemeenten: Sequence[str] = ()) -> User: ...

    def get_user(self, user_id: int) -> User | None: ...

    def find_user(self, email: str) -> User | None: ...

    def verify_login(self, email: str, password: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def remove_user(self, email: str) -> None: ...

    def set_role(self, email: str, role: Role, *,
                 gemeenten: Sequence[str] | None = None) -> User: ...

    def create_session(self, user_id: int, *, lifetime_s: int = ...) -> str: ...

    def session_user(self, token: str) -> User | None: ...

    def end_session(self, token: str) -> None: ...


class EditStore(AccountStore, Protocol):
    """Accounts plus the content the edit forms change; every change names its author (the
    store records who and when)."""

    def stories_for_area(self, area_code: str) -> list[StoryRecord]: ...

    def get_story(self, story_id: int) -> StoryRecord | None: ...

    def add_story(self, *, area_code: str, kind: str, title: str, body_markdown: str,
                  story_date: str, tags: Sequence[str], author: User) -> StoryRecord: ...

    def update_story(self, story_id: int, *, kind: str, title: str, body_markdown: str,
                     story_date: str, tags: Sequence[str], author: User) -> StoryRecord: ...

    def applied_for_area(self, area_code: str) -> list[AppliedRecord]: ...

    def add_applied(self, *, area_code: str, intervention_id: str, year_from: int,
                    year_to: int | None, result: str, author: User) -> AppliedRecord: ...

    def intervention_ids(self) -> list[str]: ...

    def get_intervention(self, intervention_id: str) -> InterventionRecord | None: ...

    def update_intervention(self, intervention_id: str, *, name: str, summary: str,
                            evidence: str, author: User) -> InterventionRecord: ...
