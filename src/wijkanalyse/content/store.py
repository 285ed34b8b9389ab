"""The content store: one object over a SQLAlchemy engine with accounts, sessions and the
versioned records (:class:`~wijkanalyse.content.records.RecordsMixin`)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from wijkanalyse.content.accounts import (
    AccountError,
    Role,
    User,
    clean_email,
    clean_gemeenten,
    clean_name,
    clean_role,
    hash_password,
    needs_rehash,
    verify_password,
)
from wijkanalyse.content.models import SessionRow, UserGemeenteRow, UserRow
from wijkanalyse.content.records import RecordsMixin

#: How long a login session lasts unless asked otherwise: eight hours.
SESSION_LIFETIME_S = 8 * 3600


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ContentStore(RecordsMixin):
    """Accounts, sessions, stories, approaches, applied interventions and kennis versions.

    Made by :func:`wijkanalyse.content.open_content` (which migrates the schema); safe to use
    from several threads (each call takes its own database session).
    """

    def __init__(self, engine: Engine, *, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> ContentStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    # ------------------------------------------------------------------ users

    def _user(self, s: Session, row: UserRow) -> User:
        codes = s.scalars(select(UserGemeenteRow.gemeente_code)
                          .where(UserGemeenteRow.user_id == row.user_id)
                          .order_by(UserGemeenteRow.gemeente_code))
        return User(id=row.user_id, name=row.name, email=row.email, role=Role(row.role),
                    gemeenten=tuple(codes))

    def add_user(self, *, name: str, email: str, password: str, role: Role | str,
                 gemeenten: Iterable[str] = ()) -> User:
        """Create an account (the password stored as an Argon2id hash).

        Raises
        ------
        AccountError
            Invalid name, e-mail, role, gemeente code or too short a password, or an account
            with this e-mail exists.
        """
        clean = clean_email(email)
        row = UserRow(name=clean_name(name), email=clean, password_hash=hash_password(password),
                      role=clean_role(role).value, created_at=_now(), updated_at=_now())
        codes = clean_gemeenten(gemeenten)
        try:
            with self._sessions.begin() as s:
                if s.scalar(select(UserRow.user_id).where(UserRow.email == clean)) is not None:
                    raise AccountError(f"er is al een account met e-mailadres {clean}.")
                s.add(row)
                s.flush()
                s.add_all(UserGemeenteRow(user_id=row.user_id, gemeente_code=c) for c in codes)
        except IntegrityError as exc:
            raise AccountError(f"er is al een account met e-mailadres {clean}.") from exc
        with self._sessions() as s:
            return self._user(s, s.get_one(UserRow, row.user_id))

    def get_user(self, user_id: int) -> User | None:
        """The account with this id, or ``None``."""
        with self._sessions() as s:
            row = s.get(UserRow, int(user_id))
            return None if row is None else self._user(s, row)

    def find_user(self, email: str) -> User | None:
        """The account with this e-mail address (any case), or ``None``."""
        text = str(email or "").strip().lower()
        with self._sessions() as s:
            row = s.scalar(select(UserRow).where(UserRow.email == text))
            return None if row is None else self._user(s, row)

    def verify_login(self, email: str, password: str) -> User | None:
        """The account when e-mail and password match, else ``None`` (same work either way).

        An old hash is replaced by one with the current Argon2 parameters.
        """
        text = str(email or "").strip().lower()
        with self._sessions.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.email == text))
            if not verify_password(None if row is None else row.password_hash, password):
                return None
            assert row is not None
            if needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            return self._user(s, row)

    def list_users(self) -> list[User]:
        """Every account, by e-mail address."""
        with self._sessions() as s:
            return [self._user(s, r) for r in s.scalars(select(UserRow).order_by(UserRow.email))]

    def _row_of(self, s: Session, email: str) -> UserRow:
        text = str(email or "").strip().lower()
        row = s.scalar(select(UserRow).where(UserRow.email == text))
        if row is None:
            raise AccountError(f"er is geen account met e-mailadres {text!r}; zie "
                               "'wijkanalyse gebruiker list'.")
        return row

    def remove_user(self, email: str) -> None:
        """Remove an account, its gemeenten and its sessions.

        Raises
        ------
        AccountError
            No account with this e-mail address.
        """
        with self._sessions.begin() as s:
            row = self._row_of(s, email)
            s.execute(delete(SessionRow).where(SessionRow.user_id == row.user_id))
            s.execute(delete(UserGemeenteRow).where(UserGemeenteRow.user_id == row.user_id))
            s.delete(row)

    def set_role(self, email: str, role: Role | str, *,
                 gemeenten: Iterable[str] | None = None) -> User:
        """Give an account another role; ``gemeenten`` (when given) replaces its gemeenten.

        Raises
        ------
        AccountError
            Unknown account, role or gemeente code.
        """
        new_role = clean_role(role)
        codes = None if gemeenten is None else clean_gemeenten(gemeenten)
        with self._sessions.begin() as s:
            row = self._row_of(s, email)
            row.role = new_role.value
            row.updated_at = _now()
            if codes is not None:
                s.execute(delete(UserGemeenteRow).where(UserGemeenteRow.user_id == row.user_id))
                s.add_all(UserGemeenteRow(user_id=row.user_id, gemeente_code=c) for c in codes)
            s.flush()
            return self._user(s, row)

    def set_password(self, email: str, password: str) -> None:
        """Replace an account's password (and end its sessions)."""
        with self._sessions.begin() as s:
            row = self._row_of(s, email)
            row.password_hash = hash_password(password)
            row.updated_at = _now()
            s.execute(delete(SessionRow).where(SessionRow.user_id == row.user_id))

    # ------------------------------------------------------------------ sessions

    def create_session(self, user_id: int, *, lifetime_s: int = SESSION_LIFETIME_S) -> str:
        """A new random session token for the account; only its SHA-256 is stored.

        Expired sessions are removed on the way.
        """
        token = secrets.token_urlsafe(32)
        now = int(time.time())
        with self._sessions.begin() as s:
            if s.get(UserRow, int(user_id)) is None:
                raise AccountError(f"er is geen account met nummer {user_id}.")
            s.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
            s.add(SessionRow(token_hash=token_hash(token), user_id=int(user_id),
                             created_at=now, expires_at=now + int(lifetime_s)))
        return token

    def session_user(self, token: str) -> User | None:
        """The account of a valid, unexpired session token, else ``None``."""
        if not token:
            return None
        with self._sessions() as s:
            row = s.get(SessionRow, token_hash(token))
            if row is None or row.expires_at <= int(time.time()):
                return None
            user = s.get(UserRow, row.user_id)
            return None if user is None else self._user(s, user)

    def end_session(self, token: str) -> None:
        """End a session (nothing happens for an unknown token)."""
        with self._sessions.begin() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))
