"""Browser scenario of the registration form on a private site (chromium via Playwright): a
visitor without an account opens the form of an open programme and registers; the
programme's own page asks for login; the beheerder logs in and sees the registration on the
dashboard; the public publication link is on the programme page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from web.auth_fakes import ACCOUNTS, PASSWORD
from wijkanalyse.programma import ContentProgrammeStore, import_registrations, new_programme

from .conftest import LiveServer, axe_violations
from .test_programma_browser import log_in_as_beheerder, send_registration_den_haag

DATA = Path(__file__).resolve().parents[2] / "programma" / "data"
SLUG = "prive-2016"


@pytest.fixture(scope="module")
def private_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[LiveServer, ContentProgrammeStore]]:
    from wijkanalyse.web import WebSettings, create_app

    today = dt.date.today()
    prog = new_programme(slug=SLUG, name="Kennisprogramma besloten site",
                         period_start=today, period_end=today + dt.timedelta(days=300),
                         deadline=today + dt.timedelta(days=30),
                         meeting_start=today + dt.timedelta(days=60),
                         meeting_end=today + dt.timedelta(days=200), maximum=15,
                         partners=("Emmen",))
    prog.registrations += import_registrations(prog, DATA / "aanmeldingen-2016.csv").accepted
    content = tmp_path_factory.mktemp("inhoud-prive")
    app = create_app(WebSettings(db_path=built_db, content_url=f"sqlite:///{content}/c.sqlite",
                                 secret_key="browser-prive-" + "k" * 20, public=False))
    store = ContentProgrammeStore(app.state.content)
    store.save(prog, what="browsertest")
    for email, role, gemeenten in ACCOUNTS:
        app.state.content.add_user(name=email.split("@")[0].title(), email=email,
                                   password=PASSWORD, role=role, gemeenten=gemeenten)
    with LiveServer(app) as server:
        yield server, store
    app.state.content.close()


def test_register_without_account_on_a_private_site(page: Page, private_server) -> None:
    server, store = private_server
    base = server.url
    page.goto(f"{base}/programma/{SLUG}")  # the programme itself: login first
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.goto(f"{base}/programma/{SLUG}/aanmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Aanmelden: Kennisprogramma besloten site")
    assert axe_violations(page) == []
    send_registration_den_haag(page)
    expect(page.get_by_role("link", name="Naar het programma")).to_have_count(0)
    assert [r.gemeente for r in store.load(SLUG).registrations][-1] == "Den Haag"

    log_in_as_beheerder(page, base, f"/programma/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Programmateam: Kennisprogramma besloten site")
    rows = page.get_by_role("table", name="Aanmeldingen in volgorde van binnenkomst")
    expect(rows.get_by_role("row").filter(has_text="ans@denhaag.example")).to_have_count(1)
    expect(rows.get_by_role("row")).to_have_count(14)  # header + 12 of 2016 + Den Haag
