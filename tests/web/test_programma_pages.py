"""The programme pages in process: the public registration form (spam protection, CSRF, the
library's messages next to the fields), the public page (never fees or contact data, HTML and
JSON, for lezer and deelnemer) and the team's dashboard (selection, meetings, fees, exports).

The programme is the 2016 fixture of tests/programma/data: 12 registrations, 9 of them on the
partner list (3,000 euro) and 3 not (Lelystad, Haarlem, Parkstad Limburg: 4,000), total
39,000 euro.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from web.auth_fakes import FakeStore, make_app, seeded_store
from web.helpers import login, token_of
from wijkanalyse.content import open_content
from wijkanalyse.programma import ContentProgrammeStore, import_registrations, read_definition
from wijkanalyse.web import WebSettings, auth, security
from wijkanalyse.web.deps import Database
from wijkanalyse.web.routes import programma as routes

DATA = Path(__file__).resolve().parents[1] / "programma" / "data"
SLUG = "programma-2016"
SECRET = "test-sleutel-" + "x" * 20
EMAILS = [f"contact@{c}.example" for c in ("groningen", "emmen", "haarlem")]


def _save_2016(folder: Path, *, maximum: int = 15) -> ContentProgrammeStore:
    """The 2016 programme in a content store (SQLite) in ``folder``."""
    prog = read_definition(DATA / "programma-2016.yaml")
    result = import_registrations(prog, DATA / "aanmeldingen-2016.csv")
    assert not result.rejected
    prog.registrations += result.accepted
    prog.maximum = maximum
    folder.mkdir(parents=True, exist_ok=True)
    store = ContentProgrammeStore(open_content(f"sqlite:///{folder / 'inhoud.sqlite'}"))
    store.save(prog, what="test")
    return store


@pytest.fixture(scope="module")
def database(built_db: Path) -> Iterator[Database]:
    db = Database(built_db)
    yield db
    db.close()


def _app(store: ContentProgrammeStore, db: Database | None, *, public: bool = True,
         accounts: FakeStore | None = None, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The account routers (``accounts``, default the seeded fake store) plus the programme
    router (and ``routers``) over ``store`` (``app.state.programma_store``; a real site takes
    its content store, see :func:`test_programmes_live_in_the_sites_content_store`); also
    used by the tests of the private site and the theme rankings."""
    settings = WebSettings(db_path=Path("geen.duckdb"), secret_key=SECRET, public=public)
    app = make_app(accounts or seeded_store(), settings)  # type: ignore[arg-type]
    security.install(app)
    for router in (routes.router, *routers):
        app.include_router(router)
    app.state.db = db
    app.state.programma_store = store
    return app


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ContentProgrammeStore]:
    store = _save_2016(tmp_path / "programma")
    yield store
    store.content.close()


@pytest.fixture
def today_2016(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "_today", lambda: dt.date(2016, 10, 13))


def _form(**changes: str) -> dict[str, str]:
    form = {"gemeente": "Den Haag", "wijk": "Schildersbuurt", "wijkcodes": "WK051829",
            "themas": "wonen; veiligheid", "contactpersoon": "Ans de Vries",
            "email": "ans@denhaag.example", "partner": "nee",
            "deelnemer1_naam": "Piet", "deelnemer1_organisatie": "Gemeente Den Haag",
            "deelnemer1_discipline": "beleid", "deelnemer2_naam": "Fatma",
            "deelnemer2_organisatie": "Haag Wonen", "deelnemer2_discipline": "wonen",
            "website": "", "formtijd": routes.fill_token(SECRET, at=time.time() - 30)}
    form.update(changes)
    return form


def _post(client: TestClient, form: dict[str, str]) -> object:
    page = client.get(f"/programma/{SLUG}/aanmelden")
    assert page.status_code == 200
    return client.post(f"/programma/{SLUG}/aanmelden",
                       data={**form, "csrf_token": token_of(page.text)})


def test_programmes_live_in_the_sites_content_store(tmp_path: Path) -> None:
    """Without ``app.state.programma_store`` the pages read the site's content store; a site
    without one has no programmes (404 with what to do)."""
    store = _save_2016(tmp_path / "programma")
    app = FastAPI()
    app.state.settings = WebSettings(db_path=tmp_path / "geen.duckdb", secret_key=SECRET)
    app.state.content = store.content
    app.state.db = None
    auth.install(app)
    security.install(app)
    app.include_router(routes.router)
    data = TestClient(app).get(f"/programma/{SLUG}.json").json()
    assert data["naam"] == store.load(SLUG).name and len(data["wijken"]) == 12
    assert isinstance(app.state.programma_store, ContentProgrammeStore)
    app.state.content = app.state.programma_store = None
    missing = TestClient(app).get(f"/programma/{SLUG}")
    assert missing.status_code == 404 and "geen inhoudsdatabase" in missing.text
    store.content.close()


def test_the_form_has_honeypot_timestamp_and_csrf(store: ContentProgrammeStore) -> None:
    client = TestClient(_app(store, None))
    html = client.get(f"/programma/{SLUG}/aanmelden").text
    assert 'name="website"' in html and 'name="formtijd"' in html
    assert 'name="csrf_token"' in html
    info = client.get(f"/programma/{SLUG}/aanmelden.json").json()
    assert info["aanmelden_tot"] == "2016-10-14" and "deelnemer3_naam" in info["velden"]
    assert client.get("/programma/bestaat-niet/aanmelden").status_code == 404


def test_a_registration_is_stored_and_confirmed(store: ContentProgrammeStore, database: Database,
                                                today_2016: None) -> None:
    client = TestClient(_app(store, database))
    response = _post(client, _form())
    assert response.status_code == 200, response.text
    assert "Aanmelding ontvangen" in response.text
    assert "Beste Ans de Vries" in response.text
    assert "ontvangen op 13-10-2016 (nummer r013)" in response.text
    assert "De bijdrage is 4.000 euro" in response.text  # Den Haag is no partner
    prog = store.load(SLUG)
    reg = prog.registrations[-1]
    assert (reg.id, reg.gemeente, reg.wijk_codes, reg.received) == (
        "r013", "Den Haag", ("WK051829",), dt.date(2016, 10, 13))
    assert reg.gemeente_codes == ("GM0518",)  # resolved in the database
    assert [p.name for p in reg.participants] == ["Piet", "Fatma"]
    assert prog.history[-1]["what"] == "aanmelding via de website: Den Haag (Schildersbuurt)"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"gemeente": "Emmen"}, "gemeente", "Emmen heeft zich al aangemeld"),
    ({"deelnemer2_naam": "", "deelnemer2_organisatie": ""}, "deelnemer2_naam",
     "1 deelnemer(s); elke stad of regio stuurt twee of drie deelnemers"),
    ({"email": "geen-adres"}, "email", "'geen-adres' is geen e-mailadres"),
    ({"wijk": ""}, "wijk", "Leeg. Vul 'wijk' in."),
    ({"deelnemer2_organisatie": ""}, "deelnemer2_organisatie", "heeft geen organisatie"),
])
def test_library_messages_next_to_the_field(store: ContentProgrammeStore, today_2016: None,
                                            changes: dict[str, str], field: str,
                                            words: str) -> None:
    client = TestClient(_app(store, None))
    response = _post(client, _form(**changes))
    assert response.status_code == 400
    html = response.text.replace("&#39;", "'")
    assert f'id="fout-{field}"' in html and words in html
    assert "bewaard bij de afgewezen rijen" not in html
    assert len(store.load(SLUG).registrations) == 12


def test_late_registration_is_kept_for_the_team(store: ContentProgrammeStore,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "_today", lambda: dt.date(2016, 10, 20))
    client = TestClient(_app(store, None))
    html = _post(client, _form()).text
    assert "Te laat aangemeld (20-10-2016; de termijn sloot op 14-10-2016)" in html
    assert "De aanmeldtermijn is gesloten op 14-10-2016" in html
    prog = store.load(SLUG)
    assert len(prog.registrations) == 12
    assert [r.values["gemeente"] for r in prog.rejected] == ["Den Haag"]


@pytest.mark.parametrize(("changes", "words"), [
    ({"website": "http://spam.example"}, "een verborgen veld is ingevuld"),
    ({"formtijd": routes.fill_token(SECRET, at=time.time() + 3600)}, "binnen 3 seconden verstuurd"),
    ({"formtijd": routes.fill_token(SECRET, at=time.time() - 3 * 24 * 3600)}, "verlopen"),
    ({"formtijd": routes.fill_token("een-andere-sleutel", at=time.time() - 30)}, "beschadigd"),
])
def test_spam_is_refused_and_not_stored(store: ContentProgrammeStore, today_2016: None,
                                        changes: dict[str, str], words: str) -> None:
    client = TestClient(_app(store, None))
    response = _post(client, _form(**changes))
    assert response.status_code == 400 and words in response.text
    assert len(store.load(SLUG).registrations) == 12
    assert store.load(SLUG).rejected == []


def test_a_form_without_csrf_token_is_refused(store: ContentProgrammeStore,
                                              today_2016: None) -> None:
    client = TestClient(_app(store, None))
    client.get(f"/programma/{SLUG}/aanmelden")
    response = client.post(f"/programma/{SLUG}/aanmelden", data=_form())
    assert response.status_code == 403
    assert len(store.load(SLUG).registrations) == 12


@pytest.mark.parametrize("email", [None, "lezer@example.nl", "emmen@example.nl"])
def test_public_page_never_shows_fees_or_contact_data(store: ContentProgrammeStore,
                                                      email: str | None) -> None:
    client = TestClient(_app(store, None))
    if email:
        login(client, email)
    html = client.get(f"/programma/{SLUG}").text
    data = client.get(f"/programma/{SLUG}.json").json()
    text = json.dumps(data)
    for body in (html, text):
        assert not [e for e in EMAILS if e in body]
        assert "Contact Emmen" not in body and "Deelnemer Emmen A" not in body
        assert "3000" not in body and "4000" not in body and "bijdrage" not in body.lower()
    assert set(data) == {"programma", "naam", "periode", "aanmelden_tot", "wijken",
                         "selectie_gemaakt", "bijeenkomsten"}
    assert len(data["wijken"]) == 12
    angelslo = next(w for w in data["wijken"] if w["wijk"] == "Angelslo")
    assert angelslo["url"] == "/wijk/WK011443"
    assert 'href="/wijk/WK011443"' in html and "Nieuwe perspectieven" in html


def test_dashboard_shows_registrations_and_fees(store: ContentProgrammeStore) -> None:
    client = TestClient(_app(store, None), follow_redirects=False)
    login(client, "beheerder@example.nl")
    html = client.get(f"/programma/{SLUG}").text
    assert "Programmateam" in html and "contact@emmen.example" in html
    assert "Totaal 39000 euro, betaald 0 euro" in html
    data = client.get(f"/programma/{SLUG}.json").json()
    assert len(data["aanmeldingen"]) == 12 and data["totaal"] == {"bedrag": 39000,
                                                                  "betaald": 0}
    fees = {f["gemeente"]: f["bedrag"] for f in data["bijdragen"]}
    assert fees["Emmen"] == 3000 and fees["Haarlem"] == 4000
    assert fees["Parkstad Limburg"] == 4000
    page = client.get(f"/programma/{SLUG}")
    response = client.post(f"/programma/{SLUG}/betaald",
                           data={"id": "p02", "datum": "2016-12-01",
                                 "csrf_token": token_of(page.text)})
    assert response.status_code == 303
    assert store.load(SLUG).paid == {"p02": "2016-12-01"}
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/programma/{SLUG}/bijdragen.csv").text)))
    assert len(rows) == 13 and rows[-1]["id"] == "totaal" and rows[-1]["bedrag"] == "39000"
    assert [r["betaald"] for r in rows if r["id"] == "p02"] == ["ja"]
    xlsx = client.get(f"/programma/{SLUG}/bijdragen.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@pytest.mark.parametrize("email", [None, "lezer@example.nl", "redacteur@example.nl"])
def test_team_actions_need_a_beheerder(store: ContentProgrammeStore, email: str | None) -> None:
    client = TestClient(_app(store, None), follow_redirects=False)
    if email:
        login(client, email)
    token = token_of(client.get(f"/programma/{SLUG}/aanmelden").text)
    for path in ("selectie", "bijeenkomsten", "betaald"):
        response = client.post(f"/programma/{SLUG}/{path}", data={"csrf_token": token,
                                                                   "id": "p02"})
        assert response.status_code in (401, 403), path
    assert client.get(f"/programma/{SLUG}/bijdragen.csv").status_code in (303, 401, 403)
    prog = store.load(SLUG)
    assert prog.selection is None and prog.meetings == [] and prog.paid == {}


def test_selection_and_meetings_from_the_dashboard(tmp_path: Path,
                                                   database: Database) -> None:
    store = _save_2016(tmp_path / "programma", maximum=10)
    client = TestClient(_app(store, database), follow_redirects=False)
    login(client, "beheerder@example.nl")
    token = token_of(client.get(f"/programma/{SLUG}").text)
    response = client.post(f"/programma/{SLUG}/selectie", data={"csrf_token": token})
    assert response.status_code == 303
    data = client.get(f"/programma/{SLUG}.json").json()
    sel = data["selectie"]
    assert sel["nodig"] is True and len(sel["gekozen"]) == 10
    assert sel["gekozen"] == list(store.load(SLUG).selection.selected)
    chosen = [d for d in sel["besluiten"] if d["chosen"]]
    out = [d for d in sel["besluiten"] if not d["chosen"]]
    assert len(chosen) == 10 and len(out) == 2
    assert all(d["reason"].startswith("Gekozen") for d in chosen)
    assert all(d["reason"].startswith("Niet gekozen") and d["swap"] for d in out)
    assert data["totaal"]["bedrag"] == sum(f["bedrag"] for f in data["bijdragen"])
    assert len(data["bijdragen"]) == 10
    response = client.post(f"/programma/{SLUG}/bijeenkomsten",
                           data={"csrf_token": token, "themas": "wonen, participatie"})
    assert response.status_code == 303, response.text
    prog = store.load(SLUG)
    assert [m.theme for m in prog.meetings] == ["wonen", "participatie"]
    assert len({m.host_registration for m in prog.meetings}) == 2
    assert {m.host_registration for m in prog.meetings} <= set(sel["gekozen"])
    assert all(prog.meeting_start <= m.date <= prog.meeting_end for m in prog.meetings)
    assert all(len(m.attendance) == 10 for m in prog.meetings)
    html = client.get(f"/programma/{SLUG}").text
    assert "Aanwezigheidslijsten" in html and "Uitleg per aanmelding" in html
    assert [m["thema"] for m in client.get(f"/programma/{SLUG}.json").json()[
        "bijeenkomsten"]] == ["wonen", "participatie"]
