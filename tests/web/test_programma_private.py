"""The registration form on a private site (issue 16): while registration is open, a visitor
without an account reaches the form (HTML and JSON) and registers; nothing else of the
programme is open (its page, JSON, fees export and publication ask for login); after the
deadline the form asks for login too. On a public site the form is open either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from web.helpers import login, page_token, token_of
from web.test_programma_pages import SLUG, _form, _save_2016
from web.test_programma_pages import _app as programme_app
from wijkanalyse.programma import ContentProgrammeStore
from wijkanalyse.web import auth
from wijkanalyse.web.routes import programma as routes


def _app(store: ContentProgrammeStore, *, public: bool) -> FastAPI:
    return programme_app(store, None, public=public)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ContentProgrammeStore]:
    store = _save_2016(tmp_path / "programma")
    yield store
    store.content.close()


def _on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(routes, "_today", lambda: day)


def test_open_patterns_match_only_the_form() -> None:
    pattern = auth.OPEN_PATTERNS[0]
    assert pattern.fullmatch("/programma/programma-2016/aanmelden")
    assert pattern.fullmatch("/programma/programma-2016/aanmelden.json")
    for path in ("/programma/programma-2016", "/programma/programma-2016.json",
                 "/programma/programma-2016/bijdragen.csv", "/programma/x/aanmelden/extra",
                 "/programma/programma-2016/publicatie", "/wijk/WK011443"):
        assert not pattern.fullmatch(path), path


def test_private_site_open_registration(store: ContentProgrammeStore,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, dt.date(2016, 10, 13))
    client = TestClient(_app(store, public=False), follow_redirects=False)
    page = client.get(f"/programma/{SLUG}/aanmelden")
    assert page.status_code == 200 and 'name="formtijd"' in page.text
    assert client.get(f"/programma/{SLUG}/aanmelden.json").json()["open"] is True
    done = client.post(f"/programma/{SLUG}/aanmelden",
                       data={**_form(), "csrf_token": token_of(page.text)})
    assert done.status_code == 200 and "Aanmelding ontvangen" in done.text
    assert "(nummer r013)" in done.text
    assert f'href="/programma/{SLUG}"' not in done.text  # no link into the closed part
    assert store.load(SLUG).registrations[-1].gemeente == "Den Haag"
    for path in (f"/programma/{SLUG}", f"/programma/{SLUG}.json",
                 f"/programma/{SLUG}/bijdragen.csv", f"/programma/{SLUG}/publicatie",
                 f"/programma/{SLUG}/publicatie.json", "/"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/inloggen?volgende="), path
    assert client.post(f"/programma/{SLUG}/selectie").status_code == 401


def test_private_site_closed_registration_asks_for_login(
        store: ContentProgrammeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _on(monkeypatch, dt.date(2016, 10, 20))
    client = TestClient(_app(store, public=False), follow_redirects=False)
    response = client.get(f"/programma/{SLUG}/aanmelden")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/inloggen?volgende=%2Fprogramma%2F{SLUG}%2Faanmelden")
    assert client.get(f"/programma/{SLUG}/aanmelden.json").status_code == 303
    token = page_token(client)  # a valid CSRF token from the (open) login page
    refused = client.post(f"/programma/{SLUG}/aanmelden", data={**_form(), "csrf_token": token})
    assert refused.status_code == 401 and "inloggen" in refused.text
    assert len(store.load(SLUG).registrations) == 12
    login(client, "lezer@example.nl")
    page = client.get(f"/programma/{SLUG}/aanmelden")
    assert page.status_code == 200
    assert "De aanmeldtermijn is gesloten op 14-10-2016" in page.text


@pytest.mark.parametrize("day", [dt.date(2016, 10, 13), dt.date(2016, 10, 20)])
def test_public_site_form_open_either_way(store: ContentProgrammeStore,
                                          monkeypatch: pytest.MonkeyPatch,
                                          day: dt.date) -> None:
    _on(monkeypatch, day)
    client = TestClient(_app(store, public=True), follow_redirects=False)
    assert client.get(f"/programma/{SLUG}/aanmelden").status_code == 200
    assert client.get(f"/programma/{SLUG}/aanmelden.json").json()["open"] is (
        day <= dt.date(2016, 10, 14))
    assert client.get(f"/programma/{SLUG}").status_code == 200  # the public page
