"""The edit forms: validation with Dutch errors next to the field, safe Markdown, the store
records who changed what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from web.auth_fakes import make_app, seeded_store
from web.helpers import login, page_token
from wijkanalyse.web import forms


@pytest.fixture
def emmen():
    store = seeded_store()
    client = TestClient(make_app(store))
    login(client, "emmen@example.nl")
    return client, store


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": page_token(client, "/inloggen")},
                       follow_redirects=False)


def test_story_added_is_shown_with_safe_markdown(emmen):
    client, store = emmen
    response = _post(client, "/gebied/WK011443/verhalen/nieuw", {
        "soort": "aanpak", "titel": "Moestuin aan de Emmalaan", "datum": "2024-04-02",
        "tekst": "Een **moestuin**.\n\n<script>alert(1)</script> [x](javascript:alert(1))",
        "tags": "groen, ontmoeting"})
    assert response.status_code == 303
    assert response.headers["location"] == "/gebied/WK011443/verhalen"
    story = store.stories[3]
    assert (story.kind, story.title, story.story_date, story.tags, story.changed_by) == (
        "aanpak", "Moestuin aan de Emmalaan", "2024-04-02", ("groen", "ontmoeting"), "Emmen")
    assert store.log[-1][:2] == ("add_story", "emmen@example.nl")
    html = client.get("/gebied/WK011443/verhalen").text
    assert "<strong>moestuin</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html and 'href="javascript' not in html


def test_story_errors_next_to_fields(emmen):
    client, store = emmen
    future = (date.today() + timedelta(days=3)).isoformat()
    response = _post(client, "/gebied/WK011443/verhalen/nieuw", {
        "soort": "roman", "titel": "", "datum": future, "tekst": "", "tags": ""})
    assert response.status_code == 400
    html = response.text
    assert 'id="fout-titel">Vul de titel in.' in html
    assert 'id="fout-tekst">Schrijf de tekst.' in html
    assert f'id="fout-datum">De datum {future} ligt in de toekomst' in html
    assert ('id="fout-soort">Kies &#39;verhaal&#39; of &#39;aanpak&#39; '
            "(niet &#39;roman&#39;).") in html
    assert 'aria-describedby="fout-titel"' in html and 'aria-invalid="true"' in html
    assert "Het formulier bevat 4 fouten" in html
    assert len(store.stories) == 2


def test_update_story_keeps_form_on_error_and_saves(emmen):
    client, store = emmen
    bad = _post(client, "/verhalen/1/bewerken", {"soort": "verhaal", "titel": "x" * 201,
                                                  "datum": "1-5-2024", "tekst": "T"})
    assert bad.status_code == 400
    assert "De titel is 201 tekens lang; het maximum is 200." in bad.text
    assert "Ongeldige datum &#39;1-5-2024&#39;: schrijf de datum als JJJJ-MM-DD" in bad.text
    assert 'value="' + "x" * 201 + '"' in bad.text  # what was typed comes back
    ok = _post(client, "/verhalen/1/bewerken", {"soort": "verhaal", "titel": "Buurthuis open",
                                                 "datum": "2024-05-02", "tekst": "Nieuw."})
    assert ok.status_code == 303
    assert store.stories[1].title == "Buurthuis open"
    assert store.stories[1].changed_by == "Emmen"


def test_applied_errors(emmen):
    client, store = emmen
    response = _post(client, "/gebied/WK011443/toepassingen/nieuw",
                     {"aanpak": "onbekend", "beginjaar": "19", "eindjaar": ""})
    assert response.status_code == 400
    assert "De aanpak &#39;onbekend&#39; staat niet in het kennisdossier" in response.text
    assert "Het beginjaar &#39;19&#39; is geen jaartal" in response.text
    response = _post(client, "/gebied/WK011443/toepassingen/nieuw",
                     {"aanpak": "buurtteams", "beginjaar": "2020", "eindjaar": "2018"})
    assert "Het eindjaar 2018 ligt vóór het beginjaar 2020." in response.text
    assert store.applied == []


def test_clean_account_and_role():
    values, errors = forms.clean_account({"naam": "A", "email": "geen-adres", "wachtwoord": "kort",
                                          "rol": "deelnemer", "gemeenten": ""})
    assert errors == {
        "email": "'geen-adres' is geen e-mailadres; schrijf het als naam@voorbeeld.nl.",
        "wachtwoord": "Kies een wachtwoord van minstens 12 tekens.",
        "gemeenten": "Een deelnemer heeft minstens één gemeente nodig (zoals GM0518).",
    }
    values, errors = forms.clean_account({"naam": "A", "email": "a@b.nl",
                                          "wachtwoord": "x" * 12, "rol": "deelnemer",
                                          "gemeenten": "gm0518, GM14"})
    assert errors == {"gemeenten": "GM14 is geen gemeentecode; schrijf codes als GM0518, "
                                   "gescheiden door komma's."}
    assert values["gemeenten"] == ("GM0518", "GM14")


def test_admin_cannot_remove_or_demote_self():
    store = seeded_store()
    client = TestClient(make_app(store))
    login(client, "beheerder@example.nl")
    gone = _post(client, "/beheer/gebruikers/verwijderen", {"email": "beheerder@example.nl"})
    assert gone.status_code == 400 and "U kunt uw eigen account niet verwijderen." in gone.text
    demote = _post(client, "/beheer/gebruikers/rol", {"email": "beheerder@example.nl",
                                                      "rol": "lezer"})
    assert demote.status_code == 400 and "eigen beheerdersrol" in demote.text
    assert store.find_user("beheerder@example.nl").role == "beheerder"
    dup = _post(client, "/beheer/gebruikers", {"naam": "X", "email": "emmen@example.nl",
                                               "wachtwoord": "x" * 12, "rol": "lezer"})
    assert "Er is al een account met het e-mailadres emmen@example.nl." in dup.text
    assert "x" * 12 not in dup.text  # a password is never sent back


def test_kennis_edit_saved(tmp_path):
    store = seeded_store()
    client = TestClient(make_app(store))
    login(client, "redacteur@example.nl")
    response = _post(client, "/kennis/buurtteams/bewerken",
                     {"naam": "Buurtteams", "samenvatting": "Nieuw", "bewijs": "Evaluatie 2020"})
    assert response.status_code == 303
    assert store.kennis["buurtteams"].evidence == "Evaluatie 2020"
    assert store.log[-1][:2] == ("update_intervention", "redacteur@example.nl")
    assert "De wijziging is opgeslagen." in client.get(response.headers["location"]).text
    assert client.get("/kennis/bestaat-niet/bewerken").status_code == 404
