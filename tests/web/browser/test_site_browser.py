"""Browser scenarios over the whole site and the test database (built once per session from
../shared/data): keyboard search -> wijk page -> click a neighbour on the map -> download the
Excel file; accessibility of the home, search and wijk pages."""

from __future__ import annotations

import io
import re

import openpyxl
from playwright.sync_api import Page, expect

from web.auth_fakes import PASSWORD

from .conftest import axe_violations, screenshot


def test_search_wijk_map_download(page: Page, site_server):
    base = site_server.url
    page.goto(f"{base}/")
    search = page.get_by_role("searchbox").first
    for _ in range(25):  # keyboard only: tab to the search box
        page.keyboard.press("Tab")
        if search.evaluate("e => e === document.activeElement"):
            break
    expect(search).to_be_focused()
    page.keyboard.type("Angelslo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/wijk/WK011443", timeout=60_000)
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Angelslo")
    screenshot(page, "wijk-angelslo")
    # the map: every area is a link; click a neighbouring wijk
    links = page.locator(".site-kaart svg a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    neighbours = [h for h in hrefs if h and h.startswith("/wijk/WK0114") and h != "/wijk/WK011443"]
    assert len(neighbours) >= 3, hrefs
    target = links.nth(hrefs.index(neighbours[0]))
    target.click()
    expect(page).to_have_url(f"{base}{neighbours[0]}", timeout=60_000)
    code = neighbours[0].rsplit("/", 1)[1]
    screenshot(page, f"wijk-{code}")
    # download the Excel file of that wijk
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("link", name="Excel", exact=True).click()
    download = info.value
    assert re.search(r"\.xlsx$", download.suggested_filename)
    data = open(download.path(), "rb").read()
    assert data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["Indicatoren", "Ontwikkeling"]
    rows = list(book["Indicatoren"].iter_rows(values_only=True))
    assert rows[0][:3] == ("indicator", "omschrijving", "domein")
    inhabitants = {r[0]: r[rows[0].index("gebied")] for r in rows[1:]}["a_inw"]
    # the same figure as the page's JSON twin
    twin = page.request.get(f"{base}{neighbours[0]}.json").json()
    assert inhabitants == _key_figure(twin, "a_inw") and inhabitants > 0


def _key_figure(profile: dict, indicator: str) -> float:
    for kf in profile["key_figures"]:
        if kf["indicator_id"] == indicator:
            return float(kf["area"]["value"])
    raise AssertionError(f"{indicator} niet in de JSON")


def test_accessibility_of_site_pages(page: Page, site_server):
    """No serious or critical axe-core violations on the site's pages around the forms."""
    base = site_server.url
    found = {}
    for path in ("/", "/zoek?q=Vogelwijk", "/inloggen", "/wijk/WK011443"):
        page.goto(base + path)
        found[path] = axe_violations(page)
    assert found == {path: [] for path in found}


def test_map_is_a_named_group_of_area_links(page: Page, site_server):
    """The map holds links, so it is a named group (not role="img", axe nested-interactive):
    no axe violation on the map itself, and each area keeps its tooltip title."""
    page.goto(f"{site_server.url}/wijk/WK011443")
    svg = page.locator(".site-kaart svg")
    assert svg.get_attribute("role") == "group"
    assert svg.get_attribute("aria-label").startswith("Kaart van Emmen")
    assert page.locator(".site-kaart svg a path title").count() == page.locator(
        ".site-kaart svg a").count() > 10
    assert axe_violations(page) == []


def test_real_store_login_add_story_and_refusal(page: Page, site_server):
    """On the whole site with the real content store: the deelnemer of Emmen adds a story to
    Angelslo through the form (verhalen resolves the area in the test database, the content
    store records the account), sees it on the area's page, and is refused (403, Dutch error
    page) on a Den Haag wijk."""
    base = site_server.url
    content = site_server.app.state.content
    page.goto(f"{base}/gebied/WK011443/verhalen/nieuw")
    page.get_by_label("E-mailadres").fill("emmen@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Titel (verplicht)").fill("Buurtfeest in Angelslo")
    page.get_by_label("Datum").fill("2024-06-22")
    page.get_by_label("Tekst (verplicht)").fill("Met *muziek* en 300 bezoekers.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page).to_have_url(f"{base}/gebied/WK011443/verhalen")
    article = page.get_by_role("article").filter(has_text="Buurtfeest in Angelslo")
    expect(article.locator("em")).to_have_text("muziek")
    expect(article).to_contain_text("verhaal · 2024-06-22 · door Emmen")
    screenshot(page, "echte-inhoud-verhaal")
    rows = content.story_rows(area_code="WK011443")
    assert [(r["title"], r["author"]) for r in rows] == [("Buurtfeest in Angelslo", "Emmen")]
    versions = content.story_versions(rows[0]["story_id"])
    user = content.find_user("emmen@example.nl")
    assert [(v["action"], v["changed_by"], v["user_id"]) for v in versions] == [
        ("add", "Emmen", user.id)]
    # another gemeente: no button, and the POST is refused with the site's error page
    page.goto(f"{base}/gebied/WK051829/verhalen")
    expect(page.get_by_role("link", name="Verhaal of aanpak toevoegen")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    response = page.request.post(f"{base}/gebied/WK051829/verhalen/nieuw", form={
        "csrf_token": token, "soort": "verhaal", "titel": "Niet van mij",
        "datum": "2024-01-01", "tekst": "x"}, max_redirects=0)
    assert response.status == 403
    assert "U mag de verhalen en aanpakken van gemeente GM0518 niet wijzigen" in response.text()
    assert content.story_rows(area_code="WK051829") == []
