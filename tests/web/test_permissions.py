"""Every edit route × every role, in-process: who may open the form and who may post it.

Areas: Angelslo (WK011443, gemeente Emmen GM0114; story 1) and the Schildersbuurt (WK051829,
Den Haag GM0518; story 2). The deelnemer has gemeente Emmen only.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.auth_fakes import make_app, seeded_store
from web.helpers import login, page_token
from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import Role, User

STORY = {"soort": "verhaal", "titel": "Nieuw verhaal", "datum": "2024-03-01",
         "tekst": "Tekst.", "tags": "a, b"}

#: (name, GET path, POST path, valid form, which roles may) — area routes for Emmen/Den Haag
ROUTES = [
    ("verhaal nieuw Emmen", "/gebied/WK011443/verhalen/nieuw", STORY, "emmen"),
    ("verhaal nieuw Den Haag", "/gebied/WK051829/verhalen/nieuw", STORY, "area"),
    ("verhaal bewerken Emmen", "/verhalen/1/bewerken", STORY, "emmen"),
    ("verhaal bewerken Den Haag", "/verhalen/2/bewerken", STORY, "area"),
    ("buurt van Emmen", "/gebied/BU01144300/verhalen/nieuw", STORY, "emmen"),
    ("toepassing Emmen", "/gebied/WK011443/toepassingen/nieuw",
     {"aanpak": "buurtteams", "beginjaar": "2019", "eindjaar": "", "resultaat": "Goed."}, "emmen"),
    ("toepassing Den Haag", "/gebied/WK051829/toepassingen/nieuw",
     {"aanpak": "buurtteams", "beginjaar": "2019", "eindjaar": "2021", "resultaat": ""}, "area"),
    ("kennis", "/kennis/buurtteams/bewerken",
     {"naam": "Buurtteams", "samenvatting": "Nieuw.", "bewijs": ""}, "kennis"),
    ("gebruikers", "/beheer/gebruikers",
     {"naam": "Nieuw", "email": "nieuw@example.nl", "wachtwoord": "lang-genoeg-wachtwoord",
      "rol": "deelnemer", "gemeenten": "GM0518"}, "beheer"),
]
EXTRA_POSTS = [  # POST-only routes of the user admin page
    ("rol", "/beheer/gebruikers/rol",
     {"email": "lezer@example.nl", "rol": "redacteur", "gemeenten": ""}, "beheer"),
    ("verwijderen", "/beheer/gebruikers/verwijderen", {"email": "lezer@example.nl"}, "beheer"),
]

#: Which kinds of route each role may use.
ALLOWED = {
    None: set(),
    "lezer@example.nl": set(),
    "emmen@example.nl": {"emmen"},
    "redacteur@example.nl": {"emmen", "area", "kennis"},
    "beheerder@example.nl": {"emmen", "area", "kennis", "beheer"},
}


def _client(email):
    store = seeded_store()
    client = TestClient(make_app(store))
    if email:
        login(client, email)
    return client, store


@pytest.mark.parametrize("email", list(ALLOWED))
@pytest.mark.parametrize("route", ROUTES, ids=[r[0] for r in ROUTES])
def test_get_form(email, route):
    _, path, _, kind = route
    client, _ = _client(email)
    response = client.get(path, follow_redirects=False)
    if email is None:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/inloggen?volgende=")
    elif kind in ALLOWED[email]:
        assert response.status_code == 200
        assert 'name="csrf_token"' in response.text
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("email", list(ALLOWED))
@pytest.mark.parametrize("route", ROUTES + EXTRA_POSTS, ids=[r[0] for r in ROUTES + EXTRA_POSTS])
def test_post_form(email, route):
    _, path, data, kind = route
    client, store = _client(email)
    before = list(store.log), store.list_users()
    token = page_token(client, "/inloggen")
    response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    if email is None:
        assert response.status_code == 401
    elif kind in ALLOWED[email]:
        assert response.status_code == 303, response.text
        assert (store.log, store.list_users()) != before
        if store.log != before[0]:
            assert store.log[-1][1] == email  # the store records who
    else:
        assert response.status_code == 403
        assert (store.log, store.list_users()) == before


def test_deelnemer_refusal_message_is_dutch():
    client, _ = _client("emmen@example.nl")
    response = client.post("/gebied/WK051829/verhalen/nieuw",
                           data={**STORY, "csrf_token": page_token(client)})
    assert response.status_code == 403
    assert "U mag de verhalen en aanpakken van gemeente GM0518 niet wijzigen" in \
        response.json()["detail"]


@pytest.mark.parametrize(("email", "emmen", "den_haag"), [
    (None, False, False), ("lezer@example.nl", False, False),
    ("emmen@example.nl", True, False), ("redacteur@example.nl", True, True),
])
def test_edit_buttons_only_where_allowed(email, emmen, den_haag):
    client, _ = _client(email)
    for code, story_id, expected in (("WK011443", 1, emmen), ("WK051829", 2, den_haag)):
        html = client.get(f"/gebied/{code}/verhalen").text
        assert (f'href="/gebied/{code}/verhalen/nieuw"' in html) is expected
        assert (f'href="/verhalen/{story_id}/bewerken"' in html) is expected


def test_can_edit_area_rules():
    deelnemer = User(1, "D", "d@x.nl", Role.DEELNEMER, ("GM0114", "gm0106"))
    assert auth.can_edit_area(deelnemer, "GM0114")
    assert auth.can_edit_area(deelnemer, "wk011443")
    assert auth.can_edit_area(deelnemer, "BU01144300")
    assert auth.can_edit_area(deelnemer, "WK010601")  # Assen, lower-case in the account
    assert not auth.can_edit_area(deelnemer, "WK051829")
    assert not auth.can_edit_area(deelnemer, "NL00")
    # a user area: every gemeente it touches must be the deelnemer's
    assert auth.can_edit_area(deelnemer, "jol-galjoen", gemeenten_of=lambda a: ["GM0114"])
    assert not auth.can_edit_area(deelnemer, "mix", gemeenten_of=lambda a: ["GM0114", "GM0995"])
    assert not auth.can_edit_area(deelnemer, "leeg", gemeenten_of=lambda a: [])
    assert not auth.can_edit_area(deelnemer, "jol-galjoen")
    assert auth.can_edit_area(User(2, "R", "r@x.nl", Role.REDACTEUR), "jol-galjoen")
    assert not auth.can_edit_area(User(3, "L", "l@x.nl", Role.LEZER, ("GM0114",)), "GM0114")
    assert not auth.can_edit_area(None, "GM0114")
    assert auth.can_edit_kennis(User(2, "R", "r@x.nl", Role.REDACTEUR))
    assert not auth.can_edit_kennis(deelnemer)
    assert auth.can_manage(User(4, "B", "b@x.nl", Role.BEHEERDER))
    assert not auth.can_manage(User(2, "R", "r@x.nl", Role.REDACTEUR))
