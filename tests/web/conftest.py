"""Fixtures of the web tests: the app on the session database, in process."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both work here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from wijkanalyse.web import WebSettings, create_app


@pytest.fixture(scope="session")
def client(built_db: Path) -> Iterator[TestClient]:
    """The site on the session database (read-only), one app for all web tests."""
    app = create_app(WebSettings(db_path=built_db))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c
