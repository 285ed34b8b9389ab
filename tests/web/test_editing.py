"""The edit routes over the real parts (create_app, the test database, a content store in a
temporary folder): stories, applied interventions and kennis edits are written through
verhalen/kennis into the content store with the account's name and id."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.auth_fakes import ACCOUNTS, PASSWORD
from web.helpers import login, page_token
from wijkanalyse.web import WebSettings, create_app


@pytest.fixture(scope="module")
def site(built_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inhoud-inproces")
    app = create_app(WebSettings(db_path=built_db, content_url=f"sqlite:///{folder}/c.sqlite",
                                 secret_key="inproces-" + "s" * 24))
    content = app.state.content
    for email, role, gemeenten in ACCOUNTS:
        content.add_user(name=email.split("@")[0].title(), email=email, password=PASSWORD,
                         role=role, gemeenten=gemeenten)
    with TestClient(app) as client:
        yield client, content


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": page_token(client, "/inloggen")},
                       follow_redirects=False)


def test_story_applied_and_kennis_through_the_real_store(site):
    client, content = site
    login(client, "redacteur@example.nl")
    redacteur = content.find_user("redacteur@example.nl")
    # a story on a buurt of Den Haag (the redacteur edits every gemeente)
    added = _post(client, "/gebied/BU05182915/verhalen/nieuw", {
        "soort": "verhaal", "titel": "Spreekuur in de buurt", "datum": "2023-11-02",
        "tekst": "Elke dinsdag.", "tags": "zorg"})
    assert added.status_code == 303, added.text
    [row] = content.story_rows(area_code="BU05182915")
    assert (row["title"], row["author"], row["tags"]) == (
        "Spreekuur in de buurt", "Redacteur", ["zorg"])
    changed = _post(client, f"/verhalen/{row['story_id']}/bewerken", {
        "soort": "verhaal", "titel": "Spreekuur in de buurt", "datum": "2023-11-02",
        "tekst": "Elke dinsdag en donderdag.", "tags": "zorg"})
    assert changed.status_code == 303, changed.text
    versions = content.story_versions(row["story_id"])
    assert [(v["action"], v["user_id"]) for v in versions] == [
        ("add", redacteur.id), ("update", redacteur.id)]
    assert content.story(row["story_id"])["body_markdown"] == "Elke dinsdag en donderdag."
    # an unknown area is refused by verhalen with its own Dutch message
    bad = _post(client, "/gebied/WK099999/verhalen/nieuw", {
        "soort": "verhaal", "titel": "X", "datum": "2023-11-02", "tekst": "Y"})
    assert bad.status_code == 400 and "Opslaan is niet gelukt" in bad.text
    # an applied intervention
    iid = client.get("/gebied/WK051829/toepassingen/nieuw").text.split(
        '<option value="', 2)[2].split('"', 1)[0]
    applied = _post(client, "/gebied/WK051829/toepassingen/nieuw", {
        "aanpak": iid, "beginjaar": "2018", "eindjaar": "2022", "resultaat": "Minder leegstand."})
    assert applied.status_code == 303, applied.text
    rows = [r for r in content.applied_rows() if r["area_code"] == "WK051829"]
    assert [(r["intervention_id"], r["year_from"], r["year_to"], r["author"]) for r in rows] == [
        (iid, 2018, 2022, "Redacteur")]
    assert "Minder leegstand." in client.get("/gebied/WK051829/verhalen").text
    # a kennis edit becomes a version in the content store and shows on the form and, at once,
    # on the dossier page (which was made and cached before the edit)
    assert "Nieuwe naam" not in client.get(f"/kennis/{iid}").text
    edited = _post(client, f"/kennis/{iid}/bewerken", {
        "naam": "Nieuwe naam", "samenvatting": "Korte samenvatting.", "bewijs": "Uitleg."})
    assert edited.status_code == 303, edited.text
    [version] = content.kennis_versions(iid)
    assert (version["origin"], version["changed_by"], version["user_id"]) == (
        "web", "Redacteur", redacteur.id)
    assert 'value="Nieuwe naam"' in client.get(f"/kennis/{iid}/bewerken").text
    assert "<h1>Nieuwe naam</h1>" in client.get(f"/kennis/{iid}").text
    assert client.get(f"/kennis/{iid}.json").json()["interventie"]["summary"] == (
        "Korte samenvatting.")


def test_a_story_added_on_the_site_shows_at_once_on_the_wijk_page(site):
    """The wijk page and its JSON twin are built with the content store and cached per
    database build and content-store change: made (and cached) before the story is added, they
    show it right after."""
    client, content = site
    login(client, "redacteur@example.nl")
    before = client.get("/wijk/WK011443.json").json()
    assert "Buurtkamer open" not in client.get("/wijk/WK011443").text
    added = _post(client, "/gebied/WK011443/verhalen/nieuw", {
        "soort": "aanpak", "titel": "Buurtkamer open", "datum": "2024-03-05",
        "tekst": "Elke woensdag koffie.", "tags": ""})
    assert added.status_code == 303, added.text
    after = client.get("/wijk/WK011443.json").json()
    assert "Buurtkamer open" in [a["title"] for a in after["approaches"]]
    assert len(after["approaches"]) == len(before["approaches"]) + 1
    page = client.get("/wijk/WK011443")
    assert "Buurtkamer open" in page.text and "Elke woensdag koffie." in page.text


def test_without_content_store_reading_works_and_login_is_503(client, built_db):
    """The site on the session database has no content store (none configured, no file next
    to the database): pages are read as before, no file is made, login and edits say why they
    are not available."""
    from wijkanalyse.content import content_path

    assert not content_path(built_db).exists()
    assert client.get("/inloggen").status_code == 200
    response = client.post("/inloggen", data={"email": "a@b.nl", "wachtwoord": "x" * 12,
                                              "csrf_token": page_token(client, "/inloggen")})
    assert response.status_code == 503
    assert "Inloggen en bewerken zijn niet beschikbaar" in response.text
    assert client.get("/gebied/WK011443/verhalen").status_code == 503
    assert not content_path(built_db).exists()
