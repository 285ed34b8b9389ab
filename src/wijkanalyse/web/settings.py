"""The settings of the web application (resolved by ``wijkanalyse serve``, passed in)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["WebSettings"]


@dataclass(frozen=True)
class WebSettings:
    """What the web application needs to know.

    Attributes
    ----------
    db_path
        The analytical DuckDB file (opened read-only; a rebuilt file is picked up).
    content_url
        The content store (accounts, edits); ``None``: the default next to the database.
    public
        Whether the site is public (read-only pages need no login).
    secret_key
        Key for signed cookies (random per process when not given).
    secure_cookies
        Send cookies only over HTTPS (behind a reverse proxy with TLS).
    base_path
        The path prefix under which a reverse proxy serves the site (``"/wijkanalyse"``);
        empty when served at the root.
    """

    db_path: Path
    content_url: str | None = None
    public: bool = True
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    secure_cookies: bool = False
    base_path: str = ""
