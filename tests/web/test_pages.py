"""Every page of the site and its JSON twin, on the real database, with real values."""

from __future__ import annotations

import io

import jsonschema
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_helpers import parse

from wijkanalyse.profiel import profile_schema
from wijkanalyse.web.models import GemeentePage, InterventionPage, KennisPage, SearchResult
from wijkanalyse.web.security import SECURITY_HEADERS


def _schema(model: type) -> dict:
    return model.model_json_schema()  # type: ignore[attr-defined, no-any-return]


def test_home_has_one_search_box_and_the_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    page = parse(r.text)
    assert page.scripts == 0 and page.inline_styles == 0
    assert r.text.count('name="q"') == 1 and 'action="/zoek"' in r.text  # one search box
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_search_by_name_redirects_to_the_wijk(client: TestClient) -> None:
    r = client.get("/zoek", params={"q": "Angelslo"})
    assert r.status_code == 303 and r.headers["location"] == "/wijk/WK011443"
    # the programme wijk of 2016 wins over other Meerwijken (as in the CLI)
    r = client.get("/zoek", params={"q": "Meerwijk"})
    assert r.headers["location"] == "/wijk/WK039221"


def test_ambiguous_name_lists_the_candidates_with_links(client: TestClient) -> None:
    r = client.get("/zoek", params={"q": "Schildersbuurt"})
    assert r.status_code == 200
    page = parse(r.text)
    assert "17 gebieden passen" in page.text
    assert ("/wijk/WK051829", "Schildersbuurt") in page.links
    assert "/buurt/BU00140202" in page.hrefs()  # Schildersbuurt in Groningen
    data = client.get("/zoek.json", params={"q": "Schildersbuurt"}).json()
    jsonschema.validate(data, _schema(SearchResult))
    assert len(data["kandidaten"]) == 17 and data["gevonden"] is None
    first = data["kandidaten"][0]
    assert first == {"code": "WK051829", "naam": "Schildersbuurt", "niveau": "wijk",
                     "gemeente": "'s-Gravenhage", "url": "/wijk/WK051829"}


def test_typo_gets_suggestions(client: TestClient) -> None:
    data = client.get("/zoek.json", params={"q": "Schilderbuurt"}).json()
    assert data["gevonden"] is None
    assert data["suggesties"][0] == {"naam": "Schildersbuurt", "url": "/zoek?q=Schildersbuurt"}
    assert "Bedoelt u" not in data["melding"]  # the suggestions are links, not a sentence


def test_search_finds_interventions(client: TestClient) -> None:
    data = client.get("/zoek.json", params={"q": "Housing First"}).json()
    assert data["interventies"][0]["url"] == "/kennis/housing-first"


def test_wijk_page_is_the_profile_with_links(client: TestClient) -> None:
    r = client.get("/wijk/WK051829")
    assert r.status_code == 200
    page = parse(r.text)
    assert page.scripts == 0 and page.inline_styles == 0  # CSS from /static
    assert "Schildersbuurt" in page.text
    assert "30.700" in page.text  # inhabitants 2024 (CBS KWB 2024)
    assert "Samenvatting" in page.text or "samenvatting" in page.text
    hrefs = page.hrefs()
    assert {"/wijk/WK051829.pdf", "/wijk/WK051829.xlsx", "/wijk/WK051829.json",
            "/gemeente/GM0518"} <= hrefs
    peers = client.get("/wijk/WK051829.json").json()["peers"]["peers"]
    assert {f"/wijk/{p['code']}" for p in peers} <= hrefs  # every peer links to its page
    # the gemeente map: every wijk of Den Haag a link with a tooltip
    assert "/wijk/WK051828" in hrefs
    assert any(t.startswith("Schildersbuurt: 30.700 inwoners") for t in page.titles)


def test_wijk_pdf_download_is_the_printed_profile(client: TestClient) -> None:
    r = client.get("/wijk/WK051829.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert r.headers["content-disposition"].startswith("attachment")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(r.content))
    first = reader.pages[0].extract_text()
    assert "Schildersbuurt" in first and "30.700" in first
    assert f"pagina 1 van {len(reader.pages)}" in first


def test_wijk_json_follows_the_profile_schema(client: TestClient) -> None:
    data = client.get("/wijk/WK051829.json").json()
    jsonschema.validate(data, profile_schema())
    a_inw = next(k for k in data["key_figures"] if k["indicator_id"] == "a_inw")
    assert a_inw["area"]["value"] == 30700.0 and a_inw["year"] == 2024
    assert data["subject"]["gemeente_code"] == "GM0518"


def test_lower_case_code_redirects_and_buurt_page(client: TestClient) -> None:
    r = client.get("/wijk/wk051829")
    assert r.status_code == 308 and r.headers["location"] == "/wijk/WK051829"
    r = client.get("/buurt/BU05182915")
    assert r.status_code == 200 and "Schildersbuurt-West" in parse(r.text).text
    r = client.get("/buurt/WK051829")
    assert r.status_code == 404 and "geen buurt" in r.text


def test_programme_wijk_of_another_code(client: TestClient) -> None:
    r = client.get("/gebied/meerwijk")
    assert r.status_code == 200
    text = parse(r.text).text
    assert "Meerwijk" in text and "Haarlem" in text


def test_unknown_code_is_a_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/wijk/WK051892")
    assert r.status_code == 404
    page = parse(r.text)
    assert "Pagina niet gevonden" in page.text and "Traceback" not in r.text
    assert "/zoek?q=WK051842" in page.hrefs()
    j = client.get("/wijk/WK051892.json")
    assert j.status_code == 404 and j.headers["content-type"] == "application/json"
    assert [s["naam"] for s in j.json()["suggesties"]] == ["WK051842", "WK051839", "WK051832"]


def test_downloads(client: TestClient) -> None:
    r = client.get("/wijk/WK051829.xlsx")
    assert r.status_code == 200
    assert 'filename="profiel-schildersbuurt-s-gravenhage-2024.xlsx"' in \
        r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames
    html = client.get("/wijk/WK051829.html")
    assert html.status_code == 200 and "<style>" in html.text  # the standalone report


def test_gemeente_page_map_and_segregation(client: TestClient) -> None:
    r = client.get("/gemeente/GM0518", params={"indicator": "a_inw"})
    assert r.status_code == 200
    page = parse(r.text)
    assert "Gemeente 's-Gravenhage" in page.text
    assert "/wijk/WK051829" in page.hrefs()
    assert "Schildersbuurt: 30.700" in page.titles
    data = client.get("/gemeente/GM0518.json").json()
    jsonschema.validate(data, _schema(GemeentePage))
    row = next(u for u in data["gebieden"] if u["code"] == "WK051829")
    assert row["waarde"] == 30700.0 and data["jaar"] == 2024
    d = [f for f in data["segregatie"] if f["index"] == "D"]
    assert d and all(f["waarde"] is None or 0 <= f["waarde"] <= 1 for f in d)
    assert {f["niveau"] for f in d} >= {"wijk"}
    by_name = client.get("/gemeente/Den Haag")
    assert by_name.status_code == 308
    assert by_name.headers["location"].startswith("/gemeente/GM0518?")
    other = client.get("/gemeente/GM0518.json", params={"indicator": "p_hh_li"}).json()
    assert other["indicator"] == "p_hh_li" and other["indicator_label"]
    assert client.get("/gemeente/GM0518", params={"indicator": "geen"}).status_code == 404


def test_kennis_pages(client: TestClient) -> None:
    r = client.get("/kennis")
    assert r.status_code == 200
    all_items = client.get("/kennis.json").json()
    jsonschema.validate(all_items, _schema(KennisPage))
    assert len(all_items["interventies"]) == 57
    assert len(parse(r.text).hrefs() & {i["url"] for i in all_items["interventies"]}) == 57
    foreign = client.get("/kennis.json", params={"soort": "buitenlands voorbeeld"}).json()
    assert foreign["interventies"] and all(
        i["soort"] == "buitenlands voorbeeld" for i in foreign["interventies"])
    found = client.get("/kennis.json", params={"q": "housing first"}).json()
    assert found["interventies"][0]["id"] == "housing-first"
    item = client.get("/kennis/housing-first.json").json()
    jsonschema.validate(item, _schema(InterventionPage))
    assert item["interventie"]["name"].startswith("Housing First")
    page = client.get("/kennis/housing-first")
    assert page.status_code == 200 and "Waar toegepast" in page.text
    assert client.get("/kennis/bestaat-niet").status_code == 404
    assert client.get("/kennis.json", params={"thema": "onzin"}).status_code == 404


def test_data_page(client: TestClient) -> None:
    r = client.get("/data")
    assert r.status_code == 200
    text = parse(r.text).text
    assert "CC BY 4.0" in text and "Leefbaarometer 3.0" in text
    data = client.get("/data.json").json()
    sources = {s["source_id"]: s for s in data["status"]["sources"]}
    assert sources["kwb_2024_nl_all_levels_pop_sex_age.csv"]["year"] == 2024
    assert all(f in text for f in sources)
    with_values = {(w["year"], w["level"]): w for w in data["status"]["with_values"]}
    assert with_values[(2015, "gemeente")]["n_with_value"] == 393
    assert "Gebieden met cijfers" in text


@pytest.mark.parametrize("path", ["/wijk/WK051829", "/gemeente/GM0518", "/kennis", "/data",
                                  "/zoek?q=Schildersbuurt", "/bestaat/niet"])
def test_pages_have_no_inline_script(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in r.text.lower()
