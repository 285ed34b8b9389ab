"""The theme ranking form ``/programma/{slug}/themas`` in process (issue 16, item 4).

The programme is the 2016 fixture (12 registrations, no selection: all take part). The
accounts: ``emmen@example.nl`` is deelnemer of GM0114 (Emmen: registration p02, wijk
WK011443); ``amsterdam@example.nl`` deelnemer of GM0363 (not participating); the beheerder may
rank for any registration.

Three rankings, hand-computed Borda count (5 themes named in all rankings together, so place
1 gets 5 points, place 2 gets 4, place 3 gets 3):

=========  =====================================================  ==========================
p02 Emmen  participatie, zorg en welzijn, wonen                   5, 4, 3
p01        wonen, verdichting                                     5, 4
p04        participatie, armoede en schulden, wonen               5, 4, 3
=========  =====================================================  ==========================

wonen 3 + 5 + 3 = 11, participatie 5 + 5 = 10, armoede en schulden 4, verdichting 4, zorg en
welzijn 4 (equal points alphabetically).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from web.auth_fakes import PASSWORD, seeded_store
from web.helpers import login, token_of
from web.test_programma_pages import SLUG, _save_2016
from web.test_programma_pages import _app as programme_app
from wijkanalyse.content import Role
from wijkanalyse.programma import ContentProgrammeStore
from wijkanalyse.web.deps import Database
from wijkanalyse.web.routes import programma_themas

CANDIDATES = ["armoede en schulden", "energietransitie", "menging", "onderwijs",
              "openbare ruimte", "participatie", "veiligheid", "verdichting",
              "werk en economie", "wonen", "zorg en welzijn"]
BORDA = [{"thema": "wonen", "punten": 11}, {"thema": "participatie", "punten": 10},
         {"thema": "armoede en schulden", "punten": 4}, {"thema": "verdichting", "punten": 4},
         {"thema": "zorg en welzijn", "punten": 4}]
RANKINGS = {"p02": ["participatie", "zorg en welzijn", "wonen"],
            "p01": ["wonen", "verdichting"],
            "p04": ["participatie", "armoede en schulden", "wonen"]}


def _app(store: ContentProgrammeStore, db: Database | None = None) -> FastAPI:
    accounts = seeded_store()
    accounts.add_user(name="Amsterdam", email="amsterdam@example.nl", password=PASSWORD,
                      role=Role.DEELNEMER, gemeenten=("GM0363",))
    return programme_app(store, db, accounts=accounts, routers=(programma_themas.router,))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ContentProgrammeStore]:
    store = _save_2016(tmp_path / "programma")
    yield store
    store.content.close()


@pytest.fixture(scope="module")
def database(built_db: Path) -> Iterator[Database]:
    db = Database(built_db)
    yield db
    db.close()


def _form(ranking: list[str], *, reg_id: str = "", token: str) -> dict[str, str]:
    """The form as the page sends it: every candidate with its place ('' when unranked)."""
    form = {"csrf_token": token}
    if reg_id:
        form["aanmelding"] = reg_id
    for i, theme in enumerate(CANDIDATES, start=1):
        form[f"thema{i}"] = theme
        form[f"plaats{i}"] = str(ranking.index(theme) + 1) if theme in ranking else ""
    return form


def _submit(client: TestClient, ranking: list[str], reg_id: str = "") -> object:
    token = token_of(client.get(f"/programma/{SLUG}/themas").text)
    return client.post(f"/programma/{SLUG}/themas", data=_form(ranking, reg_id=reg_id,
                                                                token=token))


def _field(theme: str) -> str:
    return f"plaats{CANDIDATES.index(theme) + 1}"


def test_rankings_are_stored_and_counted(store: ContentProgrammeStore) -> None:
    emmen = TestClient(_app(store), follow_redirects=False)
    login(emmen, "emmen@example.nl")
    page = emmen.get(f"/programma/{SLUG}/themas")
    assert page.status_code == 200
    assert 'value="p02"' in page.text and 'value="p01"' not in page.text  # only Emmen's
    response = _submit(emmen, ["wonen"])
    assert response.status_code == 303, response.text
    response = _submit(emmen, RANKINGS["p02"])  # a later ranking replaces the earlier
    assert response.status_code == 303
    assert "Themavoorkeur%20van%20Emmen%20opgeslagen" in response.headers["location"]
    admin = TestClient(_app(store), follow_redirects=False)
    login(admin, "beheerder@example.nl")
    for reg_id in ("p01", "p04"):
        assert _submit(admin, RANKINGS[reg_id], reg_id).status_code == 303
    assert store.load(SLUG).theme_rankings == RANKINGS
    data = emmen.get(f"/programma/{SLUG}/themas.json").json()
    assert data["kandidaten"] == CANDIDATES
    assert data["ranglijst"] == BORDA
    assert data["bijeenkomsten"] == ["wonen", "participatie", "armoede en schulden",
                                     "verdichting"]
    assert data["rangschikkingen"] == 3
    assert [w["id"] for w in data["gerangschikt"]] == ["p01", "p02", "p04"]
    assert [w["id"] for w in data["nog_niet"]] == [f"p{i:02d}" for i in range(3, 13) if i != 4]
    assert "@" not in str(data) and "Contact" not in str(data)  # no contact data
    again = emmen.get(f"/programma/{SLUG}/themas").text  # the stored ranking pre-filled
    assert f'name="{_field("participatie")}"' in again
    assert '<option value="1" selected>plaats 1</option>' in again
    assert "3 voorkeuren ontvangen" in again


@pytest.mark.parametrize("email", ["amsterdam@example.nl", "lezer@example.nl"])
def test_other_gemeenten_may_not_rank(store: ContentProgrammeStore, email: str) -> None:
    client = TestClient(_app(store), follow_redirects=False)
    login(client, email)
    page = client.get(f"/programma/{SLUG}/themas")
    assert page.status_code == 403 and "geen deelnemende stad" in page.text
    token = token_of(client.get("/inloggen").text)
    response = client.post(f"/programma/{SLUG}/themas",
                           data=_form(["wonen"], reg_id="p02", token=token))
    assert response.status_code == 403
    assert store.load(SLUG).theme_rankings == {}


def test_a_deelnemer_cannot_rank_for_another_city(store: ContentProgrammeStore) -> None:
    client = TestClient(_app(store), follow_redirects=False)
    login(client, "emmen@example.nl")
    response = _submit(client, ["wonen"], "p01")
    assert response.status_code == 400
    assert "Onbekende aanmelding &#39;p01&#39;: kies een van p02." in response.text
    assert store.load(SLUG).theme_rankings == {}


def test_anonymous_visitors_are_sent_to_login(store: ContentProgrammeStore) -> None:
    client = TestClient(_app(store), follow_redirects=False)
    for path in ("themas", "themas.json"):
        response = client.get(f"/programma/{SLUG}/{path}")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/inloggen?")
    token = token_of(client.get("/inloggen").text)
    response = client.post(f"/programma/{SLUG}/themas",
                           data=_form(["wonen"], reg_id="p02", token=token))
    assert response.status_code == 401
    assert store.load(SLUG).theme_rankings == {}


def test_invalid_forms_show_the_dutch_message_next_to_the_field(
        store: ContentProgrammeStore) -> None:
    client = TestClient(_app(store), follow_redirects=False)
    login(client, "emmen@example.nl")
    token = token_of(client.get(f"/programma/{SLUG}/themas").text)
    twice = _form(["wonen", "participatie"], token=token)
    twice[_field("participatie")] = "1"
    response = client.post(f"/programma/{SLUG}/themas", data=twice)
    assert response.status_code == 400
    assert (f'<p class="fout" id="fout-{_field("wonen")}">Plaats 1 is ook gegeven aan '
            "participatie: geef elk thema een eigen plaats.</p>") in response.text
    assert (f'<p class="fout" id="fout-{_field("participatie")}">Plaats 1 is ook gegeven aan '
            "wonen") in response.text
    stale = _form(["wonen"], token=token) | {"thema3": "ruimtevaart", "plaats3": "2"}
    response = client.post(f"/programma/{SLUG}/themas", data=stale)
    assert response.status_code == 400
    assert ('<p class="fout" id="fout-plaats3">Onbekend thema &#39;ruimtevaart&#39;: kies uit '
            "de thema&#39;s van de deelnemers (armoede en schulden, ") in response.text
    extra = _form(["wonen"], token=token) | {"thema12": "ruimtevaart", "plaats12": "2"}
    response = client.post(f"/programma/{SLUG}/themas", data=extra)
    assert response.status_code == 400
    assert ('<p class="fout" role="alert" id="fout-algemeen">Onbekend thema '
            "&#39;ruimtevaart&#39;") in response.text
    far = _form(["wonen"], token=token) | {_field("wonen"): "12"}
    response = client.post(f"/programma/{SLUG}/themas", data=far)
    assert response.status_code == 400
    assert "Ongeldige plaats &#39;12&#39;: kies een plaats van 1 tot en met 11." in response.text
    response = client.post(f"/programma/{SLUG}/themas", data=_form([], token=token))
    assert response.status_code == 400 and "Geef minstens één thema een plaats" in response.text
    assert store.load(SLUG).theme_rankings == {}


def test_planning_uses_the_stored_rankings(store: ContentProgrammeStore,
                                           database: Database) -> None:
    prog = store.load(SLUG)
    prog.theme_rankings = {k: list(v) for k, v in RANKINGS.items()}
    store.save(prog, what="test")
    client = TestClient(_app(store, database), follow_redirects=False)
    login(client, "beheerder@example.nl")
    page = client.get(f"/programma/{SLUG}").text
    assert "(wonen, participatie, armoede en schulden, verdichting" in page
    response = client.post(f"/programma/{SLUG}/bijeenkomsten",
                           data={"csrf_token": token_of(page), "themas": ""})
    assert response.status_code == 303, response.text
    meetings = store.load(SLUG).meetings
    assert [m.theme for m in meetings] == ["wonen", "participatie", "armoede en schulden",
                                           "verdichting"]
    assert len({m.host_registration for m in meetings}) == 4
