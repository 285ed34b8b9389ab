"""Accounts: roles, the :class:`User` others see, password hashing (Argon2 through
argon2-cffi) and the checks of names, e-mail addresses, passwords and gemeente codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wijkanalyse.content.engine import ContentStoreError


class Role(StrEnum):
    """What an account may do: read, edit its gemeenten, edit the kennisdossier, manage."""

    LEZER = "lezer"
    DEELNEMER = "deelnemer"
    REDACTEUR = "redacteur"
    BEHEERDER = "beheerder"


@dataclass(frozen=True)
class User:
    """An account as the rest of the program sees it (never the password hash).

    ``gemeenten`` are the GM codes in which a deelnemer may edit (empty for other roles).
    """

    id: int
    name: str
    email: str
    role: Role
    gemeenten: tuple[str, ...] = ()


class AccountError(ContentStoreError):
    """A value of an account is invalid, or the account does not exist (Dutch message)."""


#: Shortest password accepted.
MIN_PASSWORD = 10

#: Longest password accepted (Argon2 hashes anything, but a megabyte is no password).
MAX_PASSWORD = 1024

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GM = re.compile(r"^GM\d{4}$")

#: The hasher (argon2-cffi's RFC 9106 low-memory defaults: Argon2id, 64 MiB, 3 passes).
HASHER = PasswordHasher()

#: Hashes of nothing per hasher, verified when an e-mail is unknown so that a login takes as
#: long (made on first use, not at import).
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    key = id(HASHER)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = HASHER.hash("wijkanalyse-geen-account")
    return _DUMMY_HASHES[key]


def clean_email(email: object) -> str:
    """An e-mail address trimmed and in lower case, or an :class:`AccountError`."""
    text = str(email or "").strip().lower()
    if not _EMAIL.match(text) or len(text) > 320:
        raise AccountError(f"ongeldig e-mailadres {str(email)!r}: gebruik naam@domein.nl.")
    return text


def clean_name(name: object) -> str:
    """A name on one line (1–200 characters)."""
    text = " ".join(str(name or "").split())
    if not text or len(text) > 200:
        raise AccountError("geef een naam van 1 tot 200 tekens.")
    return text


def clean_role(role: object) -> Role:
    """A :class:`Role` from its value (``"deelnemer"``)."""
    try:
        return Role(str(role).strip().lower())
    except ValueError as exc:
        raise AccountError(f"onbekende rol {role!r}; kies uit "
                           f"{', '.join(r.value for r in Role)}.") from exc


def clean_gemeenten(codes: Iterable[str]) -> tuple[str, ...]:
    """GM codes (``GM0363``), upper case, sorted, without duplicates."""
    out = set()
    for code in codes:
        text = str(code).strip().upper()
        if not _GM.match(text):
            raise AccountError(f"ongeldige gemeentecode {code!r}: gebruik de CBS-code, "
                               "bijvoorbeeld GM0363 voor Amsterdam.")
        out.add(text)
    return tuple(sorted(out))


def check_password(password: str) -> str:
    """The password when it is long enough, else an :class:`AccountError`."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"het wachtwoord moet minstens {MIN_PASSWORD} tekens hebben.")
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of a (checked) password."""
    return HASHER.hash(check_password(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; without a hash a dummy is verified (so
    an unknown account takes as long)."""
    try:
        return HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with older parameters than :data:`HASHER`'s."""
    return HASHER.check_needs_rehash(stored_hash)
