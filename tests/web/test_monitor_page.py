"""The monitor page of the programme wijken of 2016: the monitor's own report, a table sortable
on the server, exports."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from web_helpers import parse

from wijkanalyse.web.models import MonitorPage


def test_monitor_page_programma_2016(client: TestClient) -> None:
    r = client.get("/monitor/programma-2016", params={"sort": "name"})
    assert r.status_code == 200
    page = parse(r.text)
    assert page.scripts == 0 and page.inline_styles == 0
    # the table: the twelve programme wijken, each a link, sorted by name
    rows = [(h, t) for h, t in page.links if h.startswith(("/wijk/", "/buurt/", "/gebied/"))]
    names = [t for _, t in rows][:12]
    assert len(names) == 12 and names == sorted(names, key=str.lower)
    assert "Angelslo" in names and "Selwerd" in names
    # the monitor's own report (class distribution, maps) follows
    assert "Kwetsbare wijken" in page.text or "kwetsbare wijken" in page.text
    assert r.text.count("<svg") >= 2
    # sorted the other way round on the server
    down = parse(client.get("/monitor/programma-2016", params={"sort": "-name"}).text)
    down_names = [t for h, t in down.links
                  if h.startswith(("/wijk/", "/buurt/", "/gebied/"))][:12]
    assert down_names == names[::-1]
    assert client.get("/monitor/programma-2016", params={"sort": "onzin"}).status_code == 404


def test_monitor_json_and_exports(client: TestClient) -> None:
    data = client.get("/monitor/programma-2016.json").json()
    MonitorPage.model_validate(data)
    assert data["monitor"]["n_units"] == 12
    table = client.get("/monitor/programma-2016.csv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 12 and {"code", "naam", "klasse"} <= set(rows[0])
    assert {r["naam"] for r in rows} == {u["name"] for u in data["monitor"]["units"]}
    book = client.get("/monitor/programma-2016.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"


def test_monitor_refuses_files_and_unknown_sets(client: TestClient) -> None:
    assert client.get("/monitor/set.csv.json").status_code == 404
    r = client.get("/monitor/onbekende-set")
    assert r.status_code == 404 and "/monitor" in parse(r.text).hrefs()
    sets = client.get("/monitor.json").json()
    assert {"programma-2016", "krachtwijken-2007"} <= {s["spec"] for s in sets}
