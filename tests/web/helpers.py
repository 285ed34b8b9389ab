"""Logging in and posting forms with a TestClient (CSRF token taken from the page)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from web.auth_fakes import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "geen csrf_token in de pagina"
    return found.group(1)


def page_token(client: TestClient, path: str = "/inloggen") -> str:
    """GET ``path`` and return its CSRF token."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return token_of(response.text)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Log ``client`` in (asserting success)."""
    response = client.post("/inloggen", data={"email": email, "wachtwoord": password,
                                              "csrf_token": page_token(client),
                                              "volgende": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
