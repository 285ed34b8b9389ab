"""The part of the content store (``wijkanalyse.content``) that login, permissions and the
edit forms use.

``Role`` and ``User`` are ``wijkanalyse.content``'s. :class:`AccountStore` is the part of
``ContentStore`` that :mod:`wijkanalyse.web.auth` uses (the real store satisfies it
structurally); :class:`EditStore` adds what the edit routes write through, implemented over
verhalen/kennis and the content store by :class:`wijkanalyse.web.editing.ContentEditor` (the
tests' in-memory fake implements both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from wijkanalyse.content import Role, User

__all__ = ["AccountStore", "AppliedRecord", "EditStore", "InterventionRecord", "Role",
           "StoryRecord", "User"]


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
