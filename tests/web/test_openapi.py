"""The OpenAPI description of the JSON twins, fuzzed with schemathesis (small budget): no
server errors, and every JSON body a route documents matches its schema."""

from __future__ import annotations

import time
import warnings
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def web_app(client: TestClient) -> Any:
    """The app of the other web tests (its cache is warm); the data page made first."""
    assert client.get("/data.json").status_code == 200
    return client.app


@pytest.fixture(scope="module")
def api_schema(web_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", web_app)


def test_openapi_describes_the_json_twins(web_app: Any) -> None:
    with TestClient(web_app) as client:
        doc = client.get("/openapi.json").json()
    assert {"/wijk/{ref}.json", "/buurt/{ref}.json", "/gebied/{ref}.json",
            "/gemeente/{code}.json", "/monitor/{spec}.json", "/kennis.json",
            "/kennis/{ident}.json", "/data.json", "/zoek.json", "/programma/{slug}.json",
            "/programma/{slug}/aanmelden.json", "/programma/{slug}/publicatie.json",
            "/programma/{slug}/themas.json"} <= set(doc["paths"])
    assert {"ProgrammaPagina", "Aanmeldformulier", "PublicatiePagina", "ThemaVoorkeuren"} <= set(
        doc["components"]["schemas"])
    ok = doc["paths"]["/wijk/{ref}.json"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Profiel"}
    schemas = doc["components"]["schemas"]
    assert "ProfielKeyFigure" in schemas and "ProfielSubject" in schemas
    assert "#/$defs/" not in str(schemas)  # every reference of the profile schema rewritten
    assert not [p for p in doc["paths"] if not p.endswith(".json")]  # only the JSON twins


def test_json_routes_never_fail(api_schema: Any) -> None:
    """Every JSON route with a few generated inputs (schemathesis strategies, run here rather
    than through its pytest plugin): no 500, bodies as documented. The monitor routes are left
    out: a generated set name never names a set, and the real ones are tested above."""
    tested = []
    for found in api_schema.get_all_operations():
        operation = found.ok()
        if operation.path.startswith("/monitor/"):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance],
                                   timeout=60)

        start = time.perf_counter()
        check()
        tested.append((operation.path, round(time.perf_counter() - start, 1)))
    print(tested)  # seconds per route, shown with -s
    assert len(tested) >= 8


def test_programme_json_matches_its_schema(web_app: Any, api_schema: Any, tmp_path: Any
                                           ) -> None:
    """The programme routes with a real programme (the 2016 fixture; a generated slug only
    finds none): status 200 and the body as documented."""
    from web.test_programma_pages import SLUG, _save_2016

    web_app.state.programma_store = _save_2016(tmp_path / "programma")
    try:
        for path in ("/programma/{slug}.json", "/programma/{slug}/aanmelden.json",
                     "/programma/{slug}/publicatie.json"):
            case = api_schema[path]["GET"].Case(path_parameters={"slug": SLUG})
            response = case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance], timeout=300)
            assert response.status_code == 200, path
    finally:
        del web_app.state.programma_store
