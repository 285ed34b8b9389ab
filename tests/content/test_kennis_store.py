"""The kennisdossier's versions have one home, the content store: ``wijkanalyse kennis
add|verwijder|herstel|geschiedenis`` and the web editor write and read the same versions, and
the CLI, the dossier pages, search and the JSON twins show the same effective catalogue; on
SQLite and PostgreSQL (``WIJKANALYSE_CONTENT_URL`` set to the fixture's database).

The database is a copy of the one built from the real data (tests/conftest.py); the people,
texts and the "older database" versions are GENERATED test data. The older database has its
versions in the DuckDB table ``intervention_history`` as wijkanalyse wrote them before the
content store (raw SQL into ``store.LEGACY_SCHEMA``'s layout).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from robustness_helpers import run
from web.helpers import login, page_token

from wijkanalyse import kennis, store
from wijkanalyse.content import open_content
from wijkanalyse.web import WebSettings, create_app

PASSWORD = "correct paard batterij"
SHIPPED = {iv.id: iv for iv in kennis.shipped_catalogue()}


@pytest.fixture
def db(built_db: Path, tmp_path: Path, content_url: str,
       monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built database; the CLI uses the fixture's content database."""
    monkeypatch.setenv("WIJKANALYSE_CONTENT_URL", content_url)
    path = tmp_path / "w.duckdb"
    shutil.copy(built_db, path)
    return path


@pytest.fixture
def site(db: Path, content_url: str) -> Iterator[TestClient]:
    """The site on the copy and the same content database, a redacteur logged in."""
    app = create_app(WebSettings(db_path=db, content_url=content_url,
                                 secret_key="kennis-" + "s" * 24))
    app.state.content.add_user(name="Rita Redacteur", email="rita@example.nl",
                               password=PASSWORD, role="redacteur")
    with TestClient(app, follow_redirects=False) as client:
        login(client, "rita@example.nl", PASSWORD)
        yield client


def _file(tmp_path: Path, iv_id: str, **changes: str) -> Path:
    path = tmp_path / f"{iv_id}.yaml"
    path.write_text(kennis.to_yaml(dataclasses.replace(SHIPPED[iv_id], **changes)),
                    encoding="utf-8")
    return path


def _web(site: TestClient, iv_id: str) -> dict:
    # a change by another process shows within the ContentMark's second; do not wait here
    site.app.state.content_mark.invalidate()
    response = site.get(f"/kennis/{iv_id}.json")
    assert response.status_code == 200, response.text
    return response.json()["interventie"]


def _cli(db: Path, *args: str) -> str:
    result = run("--db", str(db), "kennis", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_and_web_edit_the_same_versions(db: Path, site: TestClient, content_url: str,
                                            tmp_path: Path) -> None:
    # CLI add -> the web's JSON twin, its list and its search, and 'kennis show'
    path = _file(tmp_path, "klushuizen", name="Klushuizen Zuid")
    assert "vastgelegd als versie 1 in de inhoudsdatabase" in _cli(
        db, "add", str(path), "--auteur", "Ivo Kok")
    assert _web(site, "klushuizen")["name"] == "Klushuizen Zuid"
    listed = site.get("/kennis.json", params={"thema": "fysiek"}).json()["interventies"]
    assert "Klushuizen Zuid" in [h["naam"] for h in listed]
    found = site.get("/kennis.json", params={"q": "klushuizen"}).json()["interventies"]
    assert found[0]["naam"] == "Klushuizen Zuid"
    assert "Klushuizen Zuid (klushuizen, versie 1, gebruiker" in _cli(db, "show", "klushuizen")
    # a web edit -> the CLI
    form = {"naam": "Klushuizen op Zuid", "samenvatting": "Kopers knappen zelf op.",
            "bewijs": SHIPPED["klushuizen"].description,
            "csrf_token": page_token(site, "/kennis/klushuizen/bewerken")}
    assert site.post("/kennis/klushuizen/bewerken", data=form).status_code == 303
    shown = _cli(db, "show", "klushuizen")
    assert "Klushuizen op Zuid (klushuizen, versie 2, website" in shown
    assert "Kopers knappen zelf op." in shown
    history = _cli(db, "geschiedenis", "klushuizen")
    assert "Ivo Kok" in history and "Rita Redacteur" in history and "2 (actueel)" in history
    # the history the CLI shows is the content store's, the one the web wrote into
    with open_content(content_url) as content:
        rows = content.kennis_versions("klushuizen")
        assert [(r["version"], r["action"], r["origin"], r["changed_by"]) for r in rows] == [
            (1, "update", "gebruiker", "Ivo Kok"), (2, "update", "web", "Rita Redacteur")]
        with store.connect(db, read_only=True) as con:
            hist = kennis.intervention_history(con, "klushuizen", content=content)
            assert list(hist["changed_fields"]) == ["naam", "naam, samenvatting"]
            iv = kennis.get_intervention(con, "klushuizen", content=content)
    web = _web(site, "klushuizen")
    assert (web["name"], web["summary"], web["description"]) == (
        iv.name, iv.summary, iv.description)
    # CLI restore -> the web shows the shipped version again; CLI remove -> gone everywhere
    assert "hersteld als versie 3" in _cli(db, "herstel", "klushuizen", "--auteur", "Ivo Kok")
    assert _web(site, "klushuizen")["name"] == SHIPPED["klushuizen"].name
    _cli(db, "verwijder", "taalcafe", "--door", "Ivo Kok")
    site.app.state.content_mark.invalidate()
    assert site.get("/kennis/taalcafe.json").status_code == 404
    assert "taalcafe" not in [h["id"] for h in site.get("/kennis.json").json()["interventies"]]
    assert len(site.get("/kennis.json").json()["interventies"]) == len(SHIPPED) - 1


def _old_versions(db: Path) -> list[tuple]:
    """Write CLI versions into ``db`` the way wijkanalyse did before the content store."""
    klus = kennis.to_dict(SHIPPED["klushuizen"])
    zuid = {**klus, "name": "Klushuizen Zuid"}
    taal = kennis.to_dict(SHIPPED["taalcafe"])
    rows = [
        ("klushuizen", 1, "2024-01-01T00:00:00+00:00", kennis.SHIPPED_AUTHOR, "add", "pakket",
         "uit de meegeleverde catalogus", json.dumps(klus, sort_keys=True)),
        ("klushuizen", 2, "2024-02-01T09:00:00+00:00", "G. de Boer", "update", "gebruiker",
         "uit bestand klushuizen.yaml", json.dumps(zuid, sort_keys=True)),
        ("taalcafe", 1, "2024-01-01T00:00:00+00:00", kennis.SHIPPED_AUTHOR, "add", "pakket",
         "uit de meegeleverde catalogus", json.dumps(taal, sort_keys=True)),
        ("taalcafe", 2, "2024-03-01T09:00:00+00:00", "G. de Boer", "remove", "pakket", None,
         json.dumps(taal, sort_keys=True)),
    ]
    con = store.connect(db)
    try:
        con.execute(store.LEGACY_SCHEMA)
        con.executemany("INSERT INTO intervention_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("UPDATE interventions SET origin = 'gebruiker', version = 2, record = ? "
                    "WHERE intervention_id = 'klushuizen'",
                    [json.dumps(zuid, ensure_ascii=False, sort_keys=True)])
        con.execute("UPDATE interventions SET removed_at = 't', removed_by = 'G. de Boer', "
                    "version = 2 WHERE intervention_id = 'taalcafe'")
    finally:
        con.close()
    return rows


def test_versions_of_an_older_database_are_migrated_and_shown(db: Path,
                                                              content_url: str) -> None:
    rows = _old_versions(db)
    migrated = run("--db", str(db), "content", "migreer")
    assert migrated.exit_code == 0, migrated.output
    assert "versies van interventies (kennisdossier): 4" in migrated.output
    with open_content(content_url) as content:
        assert [tuple(v[c] for c in ("intervention_id", "version", "changed_at", "changed_by",
                                     "action", "origin", "note", "snapshot"))
                for v in content.kennis_versions()] == rows
    # the CLI reloads the shipped catalogue into DuckDB and shows the migrated versions
    assert "Klushuizen Zuid (klushuizen, versie 2, gebruiker" in _cli(db, "show", "klushuizen")
    gone = run("--db", str(db), "kennis", "show", "taalcafe")
    assert gone.exit_code == 1 and "is verwijderd op 2024-03-01T09:00:00+00:00" in gone.output
    history = _cli(db, "geschiedenis", "klushuizen")
    assert "G. de Boer" in history and "2 (actueel)" in history
    with store.connect(db, read_only=True) as con:
        assert kennis.catalogue_in_sync(con)  # DuckDB holds the shipped catalogue only
        assert con.execute("SELECT name FROM interventions WHERE intervention_id = "
                           "'klushuizen'").fetchone() == (SHIPPED["klushuizen"].name,)
    listed = _cli(db, "list", "--format", "json")
    assert len(json.loads(listed)) == len(SHIPPED) - 1
