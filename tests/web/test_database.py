"""The server reads the database without blocking the CLI, picks up a rebuilt file without a
restart, and never shows a stack trace."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

from typer.testing import CliRunner

from wijkanalyse.cli.main import app as cli
from wijkanalyse.web import WebSettings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _found(client: TestClient, name: str) -> str | None:
    found = client.get("/zoek.json", params={"q": name}).json()["gevonden"]
    return None if found is None else str(found["url"])


def test_cli_writes_while_serving_and_a_rebuilt_file_is_picked_up(
        built_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(built_db, db)
    app = create_app(WebSettings(db_path=db))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert _found(client, "Proefgebied Schilders") is None
        # a command that writes, while the server has the database open: it gets the lock
        # (the server lets go when a writer waits) and its change shows without a restart
        result = CliRunner().invoke(cli, ["--db", str(db), "gebied", "add",
                                          "Proefgebied Schilders", "--code", "BU05182915",
                                          "--code", "BU05182916"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert _found(client, "Proefgebied Schilders") == "/gebied/proefgebied-schilders"
        # a rebuilt database swapped in with os.replace (as data build does): the new file
        # (without the area) is read at the next request
        new = tmp_path / "nieuw.duckdb"
        shutil.copyfile(built_db, new)
        os.replace(new, db)
        assert _found(client, "Proefgebied Schilders") is None
        assert client.get("/wijk/WK011443.json").json()["subject"]["name"] == "Angelslo"


def test_missing_database_is_a_dutch_503(tmp_path: Path) -> None:
    app = create_app(WebSettings(db_path=tmp_path / "geen.duckdb"))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/data")
        assert r.status_code == 503 and "data build" in r.text
        assert client.get("/data.json").json()["status"] == 503


def test_a_crash_shows_no_stack_trace(built_db: Path) -> None:
    app = create_app(WebSettings(db_path=built_db))

    def broken() -> None:
        raise RuntimeError("geheim detail uit /etc/passwd")

    app.add_api_route("/kapot", broken)
    app.add_api_route("/kapot.json", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/kapot")
        assert r.status_code == 500
        assert "Er ging iets mis" in r.text
        assert "geheim" not in r.text and "Traceback" not in r.text
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        j = client.get("/kapot.json")
        assert j.status_code == 500 and j.json()["fout"].startswith("Er ging iets mis")
        assert client.get("/bestaat-niet").status_code == 404


def test_behind_a_reverse_proxy_under_a_path(built_db: Path) -> None:
    app = create_app(WebSettings(db_path=built_db, base_path="/wijkanalyse"))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        home = client.get("/")
        assert 'href="/wijkanalyse/static/site.css"' in home.text
        assert 'action="/wijkanalyse/zoek"' in home.text
        r = client.get("/zoek", params={"q": "Angelslo"})
        assert r.status_code == 303 and r.headers["location"] == "/wijkanalyse/wijk/WK011443"
