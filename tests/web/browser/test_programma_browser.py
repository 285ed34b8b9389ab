"""Browser scenario of the knowledge programme (chromium via Playwright, uvicorn in a thread):
register through the public form -> the registration appears on the team's dashboard -> run
the selection -> plan the meetings; axe-core finds no serious or critical violations on the
form.

The programme: the 12 registrations of 2016 (tests/programma/data) in a programme whose
deadline lies in the future and whose maximum is 12, so the 13th (through the form) makes a
selection necessary.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from web.auth_fakes import ACCOUNTS, PASSWORD
from wijkanalyse.content import open_content
from wijkanalyse.programma import ContentProgrammeStore, import_registrations, new_programme

from .conftest import LiveServer, axe_violations, screenshot

DATA = Path(__file__).resolve().parents[2] / "programma" / "data"
SLUG = "browser-2016"


@pytest.fixture(scope="module")
def programme_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[tuple[LiveServer, ContentProgrammeStore]]:
    from wijkanalyse.web import WebSettings, create_app

    today = dt.date.today()
    prog = new_programme(slug=SLUG, name="Kennisprogramma browsertest",
                         period_start=today, period_end=today + dt.timedelta(days=300),
                         deadline=today + dt.timedelta(days=30),
                         meeting_start=today + dt.timedelta(days=60),
                         meeting_end=today + dt.timedelta(days=200), maximum=12,
                         partners=("Emmen",))
    result = import_registrations(prog, DATA / "aanmeldingen-2016.csv")
    prog.registrations += result.accepted
    url = f"sqlite:///{tmp_path_factory.mktemp('inhoud')}/c.sqlite"
    store = ContentProgrammeStore(open_content(url))  # the site's content store: same file
    store.save(prog, what="browsertest")
    app = create_app(WebSettings(db_path=built_db, content_url=url,
                                 secret_key="browser-test-" + "k" * 20))
    for email, role, gemeenten in ACCOUNTS:
        app.state.content.add_user(name=email.split("@")[0].title(), email=email,
                                   password=PASSWORD, role=role, gemeenten=gemeenten)
    with LiveServer(app) as server:
        yield server, store
    app.state.content.close()
    store.content.close()


def send_registration_den_haag(page: Page) -> None:
    """Fill in the registration form shown on ``page`` for Den Haag (Schildersbuurt; contact
    and two participants, GENERATED names), wait the minimum fill time and send it; the
    confirmation page is shown. Shared with the private-site test."""
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


def log_in_as_beheerder(page: Page, base: str, next_path: str) -> None:
    """Log in as the seeded beheerder, going on to ``next_path``."""
    page.goto(f"{base}/inloggen?volgende={next_path}")
    page.get_by_label("E-mailadres").fill("beheerder@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_register_select_and_plan(page: Page, programme_server) -> None:
    server, store = programme_server
    base = server.url
    page.goto(f"{base}/programma/{SLUG}/aanmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Aanmelden: Kennisprogramma browsertest")
    assert axe_violations(page) == []
    send_registration_den_haag(page)
    mail = page.get_by_label("Tekst van de bevestigingsmail")
    assert "Beste Ans de Vries" in mail.input_value()
    assert "De bijdrage is 4.000 euro" in mail.input_value()
    screenshot(page, "programma-aangemeld")
    assert [r.gemeente for r in store.load(SLUG).registrations][-1] == "Den Haag"

    # the team's dashboard
    log_in_as_beheerder(page, base, f"/programma/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Programmateam: Kennisprogramma browsertest")
    rows = page.get_by_role("table", name="Aanmeldingen in volgorde van binnenkomst")
    expect(rows.get_by_role("row").filter(has_text="ans@denhaag.example")).to_have_count(1)
    page.get_by_role("button", name="Selectie uitvoeren").click()
    expect(page.get_by_role("status")).to_have_text("Selectie gemaakt: 12 van 13 aanmeldingen.")
    explained = page.get_by_role("table", name="Uitleg per aanmelding")
    expect(explained.get_by_role("row")).to_have_count(14)  # header + 13
    expect(explained.get_by_text("Niet gekozen", exact=False)).to_have_count(1)
    page.get_by_label("Thema's (op volgorde, gescheiden door komma's)").fill(
        "wonen, participatie")
    page.get_by_role("button", name="Bijeenkomsten plannen").click()
    expect(page.get_by_role("status")).to_have_text(
        "2 bijeenkomsten gepland: wonen, participatie.")
    planned = page.get_by_role("table", name="Geplande bijeenkomsten")
    expect(planned.get_by_role("row")).to_have_count(3)
    screenshot(page, "programma-team")
    prog = store.load(SLUG)
    assert len(prog.selection.selected) == 12
    assert [m.theme for m in prog.meetings] == ["wonen", "participatie"]
