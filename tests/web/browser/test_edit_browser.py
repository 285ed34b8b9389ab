"""Browser scenarios of logging in and editing (chromium via Playwright, uvicorn in a thread):
add a story and see it; a deelnemer cannot edit another gemeente's wijk (no button, POST 403);
keyboard use; axe-core finds no serious or critical accessibility violations.

The session's store is shared: each test adds its own story titles.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from web.auth_fakes import PASSWORD

from .conftest import axe_violations, screenshot


def _login(page: Page, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/inloggen?volgende={next_path}")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}{next_path}")


def test_login_add_story_and_see_it(page: Page, edit_server, edit_store):
    base = edit_server.url
    page.goto(f"{base}/gebied/WK011443/verhalen/nieuw")
    expect(page).to_have_url(re.compile(r"/inloggen\?volgende="))  # login first
    page.get_by_label("E-mailadres").fill("emmen@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Verhaal of aanpak toevoegen (WK011443)")
    page.get_by_label("Aanpak in de wijk").check()
    page.get_by_label("Titel (verplicht)").fill("Speeltuin De Kolk vernieuwd")
    page.get_by_label("Datum").fill("2024-09-14")
    page.get_by_label("Tekst (verplicht)").fill("Kinderen hielpen **ontwerpen**.")
    page.get_by_label("Tags").fill("spelen, jeugd")
    page.get_by_role("button", name="Opslaan").click()
    expect(page).to_have_url(f"{base}/gebied/WK011443/verhalen")
    story = page.get_by_role("article").filter(has_text="Speeltuin De Kolk vernieuwd")
    expect(story.get_by_role("heading", level=3)).to_have_text("Speeltuin De Kolk vernieuwd")
    expect(story.locator("strong")).to_have_text("ontwerpen")
    expect(story).to_contain_text("aanpak · 2024-09-14 · door Emmen")
    screenshot(page, "verhaal-toegevoegd")
    saved = [s for s in edit_store.stories.values() if s.title == "Speeltuin De Kolk vernieuwd"]
    assert [(s.area_code, s.kind, s.tags) for s in saved] == [
        ("WK011443", "aanpak", ("spelen", "jeugd"))]


def test_deelnemer_cannot_edit_other_gemeente(page: Page, edit_server, edit_store):
    base = edit_server.url
    _login(page, base, "emmen@example.nl", "/gebied/WK051829/verhalen")
    expect(page.get_by_role("heading", name="Markt op het plein")).to_be_visible()
    expect(page.get_by_role("link", name="Verhaal of aanpak toevoegen")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Bewerken"))).to_have_count(0)
    screenshot(page, "deelnemer-andere-gemeente")
    # the own gemeente has the buttons
    page.goto(f"{base}/gebied/WK011443/verhalen")
    expect(page.get_by_role("link", name="Verhaal of aanpak toevoegen")).to_have_count(1)
    # a POST with a valid CSRF token, the session cookie and all fields is still refused
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    before = len(edit_store.stories)
    response = page.request.post(f"{base}/gebied/WK051829/verhalen/nieuw", form={
        "csrf_token": token or "", "soort": "verhaal", "titel": "Niet van mij",
        "datum": "2024-01-01", "tekst": "x"}, max_redirects=0)
    assert response.status == 403
    assert "niet wijzigen" in response.text()
    response = page.request.get(f"{base}/verhalen/2/bewerken", max_redirects=0)
    assert response.status == 403
    assert len(edit_store.stories) == before
    # the same POST to the own gemeente works: the refusal is the permission, not the form
    response = page.request.post(f"{base}/gebied/WK011443/verhalen/nieuw", form={
        "csrf_token": token or "", "soort": "verhaal", "titel": "Wel van mij",
        "datum": "2024-01-01", "tekst": "x"}, max_redirects=0)
    assert response.status == 303
    assert len(edit_store.stories) == before + 1


def test_keyboard_login_and_form_errors(page: Page, edit_server):
    base = edit_server.url
    page.goto(f"{base}/inloggen")
    email = page.get_by_label("E-mailadres")
    for _ in range(20):  # through the site header to the form
        page.keyboard.press("Tab")
        if email.evaluate("e => e === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type("redacteur@example.nl")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type("verkeerd")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text(
        "Het e-mailadres of het wachtwoord klopt niet")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/gebied/WK051829/verhalen/nieuw")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#fout-titel")).to_have_text("Vul de titel in.")
    expect(page.get_by_label("Titel (verplicht)")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "formulier-met-fouten")
    assert axe_violations(page) == []


def test_accessibility_of_account_and_edit_pages(page: Page, edit_server):
    base = edit_server.url
    page.goto(f"{base}/inloggen")
    assert axe_violations(page) == []
    _login(page, base, "beheerder@example.nl", "/beheer/gebruikers")
    for path in ("/beheer/gebruikers", "/gebied/WK011443/verhalen",
                 "/gebied/WK011443/verhalen/nieuw", "/gebied/WK011443/toepassingen/nieuw",
                 "/kennis/buurtteams/bewerken", "/verhalen/1/bewerken"):
        page.goto(base + path)
        assert axe_violations(page) == [], path
    screenshot(page, "verhaal-bewerken")


def test_axe_check_finds_what_it_should(page: Page):
    """The accessibility check is not vacuous: a field without a label, low contrast and an
    image without alt text are reported as serious or critical."""
    page.set_content('<!DOCTYPE html><html lang="nl"><head><title>Fout</title></head><body>'
                     '<main><h1>Fout</h1><img src="data:," width="10" height="10">'
                     '<input type="text" name="q">'
                     '<p style="color:#bbb;background:#fff">Lichtgrijs</p></main></body></html>')
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= found
