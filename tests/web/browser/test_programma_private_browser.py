"""Browser scenario of the registration form on a private site (chromium via Playwright): a
visitor without an account opens the form of an open programme and registers; the
programme's own page asks for login; the beheerder logs in and sees the registration on the
dashboard; the public publication link is on the programme page."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from web.auth_fakes import ACCOUNTS, PASSWORD
from wijkanalyse.programma import ContentProgrammeStore, import_registrations, new_programme

from .conftest import LiveServer, axe_violations

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
    shown = time.monotonic()
    page.get_by_label("Gemeente of regio (verplicht)").fill("Den Haag")
    page.get_by_label("Wijk (verplicht)").fill("Schildersbuurt")
    page.get_by_label("CBS-code(s) van de wijk").fill("WK051829")
    page.get_by_label("Thema's (verplicht)").fill("wonen; veiligheid")
    contact = page.get_by_role("group", name="Contactpersoon")
    contact.get_by_label("Naam (verplicht)").fill("Ans de Vries")
    contact.get_by_label("E-mailadres (verplicht)").fill("ans@denhaag.example")
    for i, (name, org) in enumerate([("Piet", "Gemeente Den Haag"),
                                     ("Fatma", "Haag Wonen")], start=1):
        group = page.get_by_role("group", name=f"Deelnemer {i}")
        group.get_by_label("Naam (verplicht)").fill(name)
        group.get_by_label("Organisatie (verplicht)").fill(org)
    time.sleep(max(0.0, 3.5 - (time.monotonic() - shown)))  # the minimum fill time
    page.get_by_role("button", name="Aanmelding versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelding ontvangen")
    expect(page.get_by_role("link", name="Naar het programma")).to_have_count(0)
    assert [r.gemeente for r in store.load(SLUG).registrations][-1] == "Den Haag"

    page.goto(f"{base}/inloggen?volgende=/programma/{SLUG}")
    page.get_by_label("E-mailadres").fill("beheerder@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Programmateam: Kennisprogramma besloten site")
    rows = page.get_by_role("table", name="Aanmeldingen in volgorde van binnenkomst")
    expect(rows.get_by_role("row").filter(has_text="ans@denhaag.example")).to_have_count(1)
    expect(rows.get_by_role("row")).to_have_count(14)  # header + 12 of 2016 + Den Haag
