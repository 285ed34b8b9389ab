"""The public web page of a programme's publication and the "Partners en geld" part of the
wijk pages (issue 16 items 5 and 7), on the app of the other web tests (real database) with
the 2016 programme (12 participating wijken) and partners and money for Groningen (p01) and
Emmen (p02). Never fees or contact data, for anyone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from web.test_programma_pages import EMAILS, SLUG, _save_2016
from wijkanalyse.programma import FileStore, add_money, add_party

#: The 40 krachtwijken of 2007 plus the 12 participating wijken of 2016 (none among them).
PINNED_N_UNITS = 52


@pytest.fixture(scope="module")
def programmes(client: TestClient, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[FileStore]:
    store = _save_2016(tmp_path_factory.mktemp("programma-pub") / "programma")
    with store.editing(SLUG, purpose="test") as prog:
        add_party(prog, wijk="p02", name="Lefier", kind="corporatie", role="actief")
        add_party(prog, wijk="p01", name="Lefier", kind="corporatie", role="actief")
        add_party(prog, wijk="p02", name="Enexis", kind="energiebedrijf", role="uit te dagen")
        add_money(prog, wijk="p02", source="gemeente Emmen", amount=100_000, start=2016,
                  end=2018, purpose="wijkaanpak", model="subsidie")
        add_money(prog, wijk="p01", source="gemeente Groningen", amount=250_000, start=2016,
                  purpose="buurtbudget", model="subsidie")
        add_money(prog, wijk="p02", source="Lefier", amount=1_500_000, start=2016, end=2020,
                  purpose="renovatie", model="investering corporatie")
        store.save(prog, what="partij Lefier (actief) bij p02", who="team@example.nl")
    app = client.app
    app.state.programma_store = store  # type: ignore[attr-defined]
    yield store
    del app.state.programma_store  # type: ignore[attr-defined]


def _no_fees_or_contacts(body: str) -> None:
    assert not [e for e in EMAILS if e in body]
    assert "Contact Emmen" not in body and "Deelnemer Emmen A" not in body
    assert "€ 3.000" not in body and "€ 4.000" not in body
    assert "bijdrage" not in body.lower()


def test_publication_page_and_json(client: TestClient, programmes: FileStore) -> None:
    data = client.get(f"/programma/{SLUG}/publicatie.json").json()
    assert data["programma"] == SLUG and data["set"] == "krachtwijken-2007"
    assert data["stand"]["n_units"] == PINNED_N_UNITS
    assert len(data["wijken"]) == 12
    angelslo = next(w for w in data["wijken"] if w["wijk"] == "Angelslo")
    assert angelslo["url"] == "/wijk/WK011443" and angelslo["samenvatting"] is not None
    per_wijk = {r["wijk"]: r for r in data["partners"]["per_wijk"]}
    assert per_wijk["Angelslo"]["geld"] == 1_600_000
    assert per_wijk["Angelslo"]["actief"] == ["Lefier"]
    assert per_wijk["Angelslo"]["uit_te_dagen"] == ["Enexis"]
    assert per_wijk["Angelslo"]["ontbreekt"] == ["zorg", "welzijn", "onderwijs", "bewoners",
                                                 "ondernemers"]
    assert data["partners"]["in_meerdere_wijken"][0]["naam"] == "Lefier"
    assert len(data["partners"]["in_meerdere_wijken"][0]["wijken"]) == 2
    assert data["partners"]["terugkerende_modellen"] == ["subsidie"]  # Groningen and Emmen
    assert data["partners"]["financieringsmodellen"][0] == {
        "model": "subsidie", "wijken": 2, "bedrag": 350_000}
    assert len(data["bronnen"]) == 5
    _no_fees_or_contacts(json.dumps(data, ensure_ascii=False))
    assert "contact" not in json.dumps(data["wijken"]).lower()

    page = client.get(f"/programma/{SLUG}/publicatie")
    assert page.status_code == 200
    html = page.text
    for words in ("De stand van de aandachtswijken", "Wijkanalyses van de deelnemende wijken",
                  "De themabijeenkomsten en hun uitkomsten", "Partners en geld",
                  "Lefier: ", "€ 1.500.000", "Financieringsmodellen",
                  f'href="/programma/{SLUG}/publicatie.pdf"'):
        assert words in html, words
    assert 'id="wijk-p02"' in html
    _no_fees_or_contacts(html)
    public = client.get(f"/programma/{SLUG}").text
    assert f'href="/programma/{SLUG}/publicatie"' in public


def test_publication_pdf(client: TestClient, programmes: FileStore) -> None:
    response = client.get(f"/programma/{SLUG}/publicatie.pdf")
    assert response.status_code == 200
    assert response.content[:5] == b"%PDF-" and len(response.content) > 50_000


def test_unknown_programme(client: TestClient, programmes: FileStore) -> None:
    assert client.get("/programma/bestaat-niet/publicatie.json").status_code == 404
    assert client.get("/programma/bestaat-niet/publicatie").status_code == 404


def test_wijk_page_shows_partners_and_money(client: TestClient, programmes: FileStore) -> None:
    data = client.get("/wijk/WK011443.json").json()
    (part,) = data["programma"]["programmas"]
    assert part["totaal"] == 1_600_000 and part["naam"].startswith("Nieuwe perspectieven")
    assert part["bron"].startswith("Bron: programma Nieuwe perspectieven voor stedelijke "
                                   "vernieuwing, vastgelegd door team@example.nl")
    html = client.get("/wijk/WK011443").text
    assert 'id="partners-en-geld"' in html and "Enexis" in html and "€ 1.600.000" in html
    start = html.index('id="partners-en-geld"')
    _no_fees_or_contacts(html[start:html.index("</section>", start)])
    other = client.get("/wijk/WK051829.json").json()  # Schildersbuurt: in no programme
    assert other["programma"] is None


def test_every_role_sees_the_same_publication(built_db: Path, programmes: FileStore,
                                              client: TestClient) -> None:
    """Only the programme team sees fees and contact data, and the publication is not part
    of that: a beheerder, a deelnemer and a visitor get the same JSON (the app of the
    permission tests, accounts in a fake store)."""
    from web.helpers import login
    from web.test_programma_pages import _app
    from wijkanalyse.web.deps import Database
    from wijkanalyse.web.routes import programma_publicatie

    db = Database(built_db)
    try:
        seen = []
        for email in (None, "emmen@example.nl", "beheerder@example.nl"):
            app = _app(programmes, db)
            app.include_router(programma_publicatie.router)
            other = TestClient(app)
            if email:
                login(other, email)
            response = other.get(f"/programma/{SLUG}/publicatie.json")
            assert response.status_code == 200, email
            _no_fees_or_contacts(response.text)
            seen.append(response.json())
        assert seen[0] == seen[1] == seen[2]
        # the beheerder (still logged in) does see the contact data on the team's JSON
        assert "contact@emmen.example" in other.get(f"/programma/{SLUG}.json").text
    finally:
        db.close()
