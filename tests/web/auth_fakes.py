"""An in-memory content store and a minimal app for the auth and edit tests.

TO BE REPLACED AT MERGE where the real pieces exist: ``FakeStore`` stands in for
``wijkanalyse.content.ContentStore`` (the methods of ``web.contentapi.EditStore``) and
``make_app`` for ``web.create_app`` (it mounts the account and edit routers the same way).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import (
    AppliedRecord,
    InterventionRecord,
    Role,
    StoryRecord,
    User,
)
from wijkanalyse.web.routes import account, edit

PASSWORD = "geheim-wachtwoord-1"


@dataclass(frozen=True)
class Settings:
    """The fields of WebSettings that auth reads."""

    secret_key: str = "test-sleutel-" + "x" * 20
    secure_cookies: bool = False
    public: bool = True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FakeStore:
    """Accounts, sessions (only hashes kept), stories, applications and kennis entries in
    memory; every change records its author and time in ``log``."""

    def __init__(self) -> None:
        self.users: dict[str, tuple[User, str]] = {}
        self.sessions: dict[str, int] = {}
        self.stories: dict[int, StoryRecord] = {}
        self.applied: list[AppliedRecord] = []
        self.kennis: dict[str, InterventionRecord] = {
            "buurtteams": InterventionRecord("buurtteams", "Buurtteams", "Eén team per buurt."),
            "wijkaanpak": InterventionRecord("wijkaanpak", "Wijkaanpak", "Integraal."),
        }
        self.log: list[tuple[str, str, str]] = []  # (action, author email, time)

    # accounts
    def add_user(self, *, name: str, email: str, password: str, role: Role,
                 gemeenten: Sequence[str] = ()) -> User:
        user = User(len(self.users) + 1, name, email, Role(role), tuple(gemeenten))
        self.users[email.casefold()] = (user, password)
        return user

    def get_user(self, user_id: int) -> User | None:
        return next((u for u, _ in self.users.values() if u.id == user_id), None)

    def find_user(self, email: str) -> User | None:
        found = self.users.get(email.casefold())
        return found[0] if found else None

    def verify_login(self, email: str, password: str) -> User | None:
        found = self.users.get(email.casefold())
        return found[0] if found and secrets.compare_digest(found[1], password) else None

    def list_users(self) -> list[User]:
        return sorted((u for u, _ in self.users.values()), key=lambda u: u.email)

    def remove_user(self, email: str) -> None:
        self.users.pop(email.casefold())

    def set_role(self, email: str, role: Role, *,
                 gemeenten: Sequence[str] | None = None) -> User:
        user, password = self.users[email.casefold()]
        user = replace(user, role=Role(role),
                       gemeenten=user.gemeenten if gemeenten is None else tuple(gemeenten))
        self.users[email.casefold()] = (user, password)
        return user

    # sessions
    def create_session(self, user_id: int, *, lifetime_s: int = 3600) -> str:
        token = secrets.token_urlsafe(32)
        self.sessions[hashlib.sha256(token.encode()).hexdigest()] = user_id
        return token

    def session_user(self, token: str) -> User | None:
        user_id = self.sessions.get(hashlib.sha256(token.encode()).hexdigest())
        return None if user_id is None else self.get_user(user_id)

    def end_session(self, token: str) -> None:
        self.sessions.pop(hashlib.sha256(token.encode()).hexdigest(), None)

    # stories
    def stories_for_area(self, area_code: str) -> list[StoryRecord]:
        return [s for s in self.stories.values() if s.area_code == area_code]

    def get_story(self, story_id: int) -> StoryRecord | None:
        return self.stories.get(story_id)

    def add_story(self, *, area_code: str, kind: str, title: str, body_markdown: str,
                  story_date: str, tags: Sequence[str], author: User) -> StoryRecord:
        story = StoryRecord(len(self.stories) + 1, area_code, kind, title, body_markdown,
                            story_date, tuple(tags), author.name, _now())
        self.stories[story.id] = story
        self.log.append(("add_story", author.email, story.changed_at))
        return story

    def update_story(self, story_id: int, *, kind: str, title: str, body_markdown: str,
                     story_date: str, tags: Sequence[str], author: User) -> StoryRecord:
        story = replace(self.stories[story_id], kind=kind, title=title,
                        body_markdown=body_markdown, story_date=story_date, tags=tuple(tags),
                        changed_by=author.name, changed_at=_now())
        self.stories[story_id] = story
        self.log.append(("update_story", author.email, story.changed_at))
        return story

    # applied
    def applied_for_area(self, area_code: str) -> list[AppliedRecord]:
        return [a for a in self.applied if a.area_code == area_code]

    def add_applied(self, *, area_code: str, intervention_id: str, year_from: int,
                    year_to: int | None, result: str, author: User) -> AppliedRecord:
        record = AppliedRecord(len(self.applied) + 1, area_code, intervention_id, year_from,
                               year_to, result, author.name)
        self.applied.append(record)
        self.log.append(("add_applied", author.email, _now()))
        return record

    # kennis
    def intervention_ids(self) -> list[str]:
        return sorted(self.kennis)

    def get_intervention(self, intervention_id: str) -> InterventionRecord | None:
        return self.kennis.get(intervention_id)

    def update_intervention(self, intervention_id: str, *, name: str, summary: str,
                            evidence: str, author: User) -> InterventionRecord:
        record = replace(self.kennis[intervention_id], name=name, summary=summary,
                         evidence=evidence, changed_by=author.name)
        self.kennis[intervention_id] = record
        self.log.append(("update_intervention", author.email, _now()))
        return record


#: Accounts of the tests: (email, role, gemeenten). Emmen = GM0114, Den Haag = GM0518.
ACCOUNTS = [
    ("lezer@example.nl", Role.LEZER, ()),
    ("emmen@example.nl", Role.DEELNEMER, ("GM0114",)),
    ("redacteur@example.nl", Role.REDACTEUR, ()),
    ("beheerder@example.nl", Role.BEHEERDER, ()),
]


def seeded_store() -> FakeStore:
    """A store with one account per role (password :data:`PASSWORD`) and one story per area:
    Angelslo (WK011443, Emmen) and the Schildersbuurt (WK051829, Den Haag)."""
    store = FakeStore()
    for email, role, gemeenten in ACCOUNTS:
        store.add_user(name=email.split("@")[0].title(), email=email, password=PASSWORD,
                       role=role, gemeenten=gemeenten)
    admin = store.find_user("beheerder@example.nl")
    assert admin is not None
    store.add_story(area_code="WK011443", kind="verhaal", title="Buurthuis weer open",
                    body_markdown="Het buurthuis is **weer open**.", story_date="2024-05-01",
                    tags=(), author=admin)
    store.add_story(area_code="WK051829", kind="verhaal", title="Markt op het plein",
                    body_markdown="Elke zaterdag markt.", story_date="2024-06-01", tags=(),
                    author=admin)
    return store


def make_app(store: FakeStore, settings: Settings | None = None) -> FastAPI:
    """A create_app-compatible app: the account and edit routers over ``store``."""
    app = FastAPI()
    app.state.settings = settings or Settings()
    app.state.content = store
    auth.install(app)
    app.include_router(account.router)
    app.include_router(edit.router)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return ('<!DOCTYPE html><html lang="nl"><head><title>Start · wijkanalyse</title></head>'
                '<body><main><h1>wijkanalyse</h1><p><a href="/inloggen">Inloggen</a></p>'
                "</main></body></html>")

    return app
