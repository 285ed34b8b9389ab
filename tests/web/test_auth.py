"""Login, sessions, cookies, CSRF and the login rate limit (in-process, fake content store)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from web.auth_fakes import PASSWORD, Settings, make_app, seeded_store
from web.helpers import login, page_token
from wijkanalyse.web import auth
from wijkanalyse.web.contentapi import Role, User
from wijkanalyse.web.routes import account, edit


@pytest.fixture
def store():
    return seeded_store()


@pytest.fixture
def client(store):
    return TestClient(make_app(store))


def _set_cookie_headers(response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


def test_login_sets_httponly_lax_session_cookie_and_logout_ends_it(client, store):
    token = page_token(client)
    response = client.post("/inloggen", data={"email": "Emmen@Example.nl",
                                              "wachtwoord": PASSWORD, "csrf_token": token,
                                              "volgende": "/gebied/WK011443/verhalen"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/gebied/WK011443/verhalen"
    session = [c for c in _set_cookie_headers(response) if c.startswith(auth.SESSION_COOKIE)]
    assert len(session) == 1
    assert "HttpOnly" in session[0] and "SameSite=lax" in session[0]
    assert "Secure" not in session[0]
    assert len(store.sessions) == 1
    page = client.get("/gebied/WK011443/verhalen")
    assert "Ingelogd als Emmen (deelnemer)" in page.text
    out = client.post("/uitloggen", data={"csrf_token": page_token(client, "/uitloggen")},
                      follow_redirects=False)
    assert out.status_code == 303 and store.sessions == {}
    assert "Ingelogd als" not in client.get("/gebied/WK011443/verhalen").text


def test_secure_cookie_when_settings_say_so(store):
    client = TestClient(make_app(store, Settings(secure_cookies=True)),
                        base_url="https://testserver")
    token = page_token(client)
    response = client.post("/inloggen", data={"email": "emmen@example.nl",
                                              "wachtwoord": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    cookies = _set_cookie_headers(response)
    assert cookies and all("Secure" in c for c in cookies)


def test_tampered_or_foreign_session_cookie_is_no_login(client, store):
    login(client, "beheerder@example.nl")
    raw = client.cookies.get(auth.SESSION_COOKIE)
    assert raw
    client.cookies.set(auth.SESSION_COOKIE, raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB"))
    assert client.get("/beheer/gebruikers", follow_redirects=False).status_code == 303
    # a token signed with another key is refused too
    other = TestClient(make_app(store, Settings(secret_key="andere-sleutel-" + "y" * 20)))
    other.cookies.set(auth.SESSION_COOKIE, raw)
    assert other.get("/beheer/gebruikers", follow_redirects=False).status_code == 303


def test_wrong_password_dutch_message_same_for_unknown_account(client):
    for email in ("emmen@example.nl", "niemand@example.nl"):
        response = client.post("/inloggen", data={"email": email, "wachtwoord": "fout",
                                                  "csrf_token": page_token(client)})
        assert response.status_code == 400
        assert "Het e-mailadres of het wachtwoord klopt niet." in response.text
    empty = client.post("/inloggen", data={"email": "", "wachtwoord": "",
                                           "csrf_token": page_token(client)})
    assert empty.status_code == 400
    assert 'id="fout-email">Vul uw e-mailadres in.' in empty.text
    assert 'id="fout-wachtwoord">Vul uw wachtwoord in.' in empty.text


@pytest.mark.parametrize("next_url", ["//evil.example/x", "https://evil.example/", "javascript:x",
                                      "/\\\\evil", ""])
def test_login_never_redirects_off_site(client, next_url):
    response = client.post("/inloggen", data={"email": "emmen@example.nl",
                                              "wachtwoord": PASSWORD, "volgende": next_url,
                                              "csrf_token": page_token(client)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("case", ["missing", "wrong", "other_key", "no_cookie", "other_cookie"])
def test_login_post_without_valid_csrf_is_403(client, store, case):
    token = page_token(client)
    data = {"email": "emmen@example.nl", "wachtwoord": PASSWORD}
    if case == "wrong":
        data["csrf_token"] = token[:-3] + "abc"
    elif case == "other_key":
        other = TestClient(make_app(store, Settings(secret_key="andere-sleutel-" + "z" * 20)))
        data["csrf_token"] = page_token(other)
    elif case in ("no_cookie", "other_cookie"):
        data["csrf_token"] = token
        if case == "no_cookie":
            client.cookies.delete(auth.CSRF_COOKIE)
        else:
            client.cookies.set(auth.CSRF_COOKIE, "een-andere-waarde")
    response = client.post("/inloggen", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "controletoken ontbreekt of klopt niet" in response.text
    assert store.sessions == {}


def test_every_post_route_checks_csrf(client, store):
    """Every POST route of the account and edit routers refuses a form without the token,
    also for a logged-in beheerder (who may do everything else)."""
    login(client, "beheerder@example.nl")
    routes = [*account.router.routes, *edit.router.routes]
    posts = [r.path for r in routes if "POST" in getattr(r, "methods", set())]
    assert len(posts) == 9
    for path in posts:
        url = path.replace("{code}", "WK011443").replace("{story_id}", "1").replace(
            "{iid}", "buurtteams")
        response = client.post(url, data={"titel": "x", "tekst": "y", "email": "a@b.nl"},
                               follow_redirects=False)
        assert response.status_code == 403, url
    assert [a for a, _, _ in store.log] == ["add_story", "add_story"]  # only the seeds


def test_csrf_ok_unit():
    settings = Settings()
    cookie = "waarde"
    from itsdangerous import URLSafeSerializer
    good = URLSafeSerializer(settings.secret_key, salt="wijkanalyse-csrf").dumps(cookie)
    assert auth.csrf_ok(settings, cookie, good)
    assert not auth.csrf_ok(settings, "anders", good)
    assert not auth.csrf_ok(settings, None, good)
    assert not auth.csrf_ok(settings, cookie, None)
    assert not auth.csrf_ok(settings, cookie, cookie)


# --------------------------------------------------------------------------- rate limit


def _attempt(client, email, password, ip_client=None):
    c = ip_client or client
    return c.post("/inloggen", data={"email": email, "wachtwoord": password,
                                     "csrf_token": page_token(c)}, follow_redirects=False)


def test_five_failures_block_the_account_from_that_address(client, store):
    for _ in range(5):
        assert _attempt(client, "emmen@example.nl", "fout").status_code == 400
    blocked = _attempt(client, "emmen@example.nl", PASSWORD)  # right password, still refused
    assert blocked.status_code == 429
    assert "Te veel mislukte pogingen om in te loggen" in blocked.text
    assert "Probeer het over 10 minuten opnieuw" in blocked.text
    assert store.sessions == {}
    # another account from the same address is not blocked
    assert _attempt(client, "redacteur@example.nl", PASSWORD).status_code == 303
    # the same account from another address is not blocked (same app, same limiter)
    other = TestClient(client.app, client=("192.0.2.7", 50000))
    assert _attempt(client, "emmen@example.nl", PASSWORD, other).status_code == 303


def test_limiter_window_and_reset():
    now = [1000.0]
    limiter = auth.LoginLimiter(max_failures=5, window_s=600, clock=lambda: now[0])
    for i in range(5):
        assert limiter.wait_seconds("A@x.nl", "1.2.3.4") == 0
        limiter.failure("a@x.nl ", "1.2.3.4")
        now[0] += 10 if i < 4 else 0
    assert limiter.wait_seconds("a@x.nl", "1.2.3.4") == pytest.approx(560.0)
    assert auth.too_many_message(560.0).count("10 minuten") == 1
    assert "1 minuut" in auth.too_many_message(5.0)
    now[0] = 1600.0  # the first failure (at 1000) ages out
    assert limiter.wait_seconds("a@x.nl", "1.2.3.4") == 0
    limiter.failure("a@x.nl", "1.2.3.4")
    assert limiter.wait_seconds("a@x.nl", "1.2.3.4") == pytest.approx(10.0)
    limiter.success("a@x.nl", "1.2.3.4")
    assert limiter.wait_seconds("a@x.nl", "1.2.3.4") == 0


def test_four_failures_then_success_resets(client):
    for _ in range(4):
        _attempt(client, "emmen@example.nl", "fout")
    assert _attempt(client, "emmen@example.nl", PASSWORD).status_code == 303
    for _ in range(4):
        _attempt(client, "emmen@example.nl", "fout")
    assert _attempt(client, "emmen@example.nl", PASSWORD).status_code == 303


# --------------------------------------------------------------------------- public setting


def test_reader_pages_need_login_when_not_public(store):
    client = TestClient(make_app(store, Settings(public=False)))
    response = client.get("/gebied/WK011443/verhalen", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?volgende=%2Fgebied%2FWK011443%2Fverhalen"
    login(client, "lezer@example.nl")
    assert client.get("/gebied/WK011443/verhalen").status_code == 200
    public = TestClient(make_app(store))
    assert public.get("/gebied/WK011443/verhalen").status_code == 200


def test_private_site_asks_login_for_every_page_but_login(store):
    """With public off the middleware guards pages of other routers too (here the test app's
    home page, standing in for the read-only pages)."""
    client = TestClient(make_app(store, Settings(public=False)))
    home = client.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/inloggen?volgende=%2F")
    assert client.get("/inloggen").status_code == 200
    assert client.post("/gebied/WK011443/verhalen/nieuw", data={}).status_code == 401
    login(client, "lezer@example.nl")
    assert client.get("/").status_code == 200
    assert "<h1>wijkanalyse</h1>" in TestClient(make_app(store)).get("/").text


def test_no_base_http_middleware_on_a_public_or_private_site(store):
    """Every middleware is pure ASGI (BaseHTTPMiddleware buffers each response through an
    extra task: slow for the cached pages); the private-site guard only on a private site."""
    from starlette.middleware.base import BaseHTTPMiddleware

    for public, guards in ((True, 0), (False, 1)):
        classes = [m.cls for m in make_app(store, Settings(public=public)).user_middleware]
        assert BaseHTTPMiddleware not in classes
        assert classes.count(auth._PrivateSite) == guards


def test_has_role_is_ordered():
    user = User(1, "R", "r@x.nl", Role.REDACTEUR)
    assert [auth.has_role(user, r) for r in Role] == [True, True, True, False]
    assert not auth.has_role(None, Role.LEZER)


def test_base_path_prefixes_links_and_redirects(store):
    """Behind a reverse proxy at /wijkanalyse the forms, links and redirects keep the prefix
    (the proxy strips it from the request path)."""

    @dataclass(frozen=True)
    class Proxied(Settings):
        base_path: str = "/wijkanalyse/"

    client = TestClient(make_app(store, Proxied()))
    first = client.get("/gebied/WK011443/verhalen/nieuw", follow_redirects=False)
    assert first.headers["location"] == \
        "/wijkanalyse/inloggen?volgende=%2Fgebied%2FWK011443%2Fverhalen%2Fnieuw"
    page = client.get("/inloggen")
    assert 'action="/wijkanalyse/inloggen"' in page.text
    response = client.post("/inloggen", data={"email": "emmen@example.nl", "wachtwoord": PASSWORD,
                                              "volgende": "/gebied/WK011443/verhalen/nieuw",
                                              "csrf_token": page_token(client)},
                           follow_redirects=False)
    assert response.headers["location"] == "/wijkanalyse/gebied/WK011443/verhalen/nieuw"
    html = client.get("/gebied/WK011443/verhalen").text
    assert 'href="/wijkanalyse/verhalen/1/bewerken"' in html
    assert 'action="/wijkanalyse/uitloggen"' in html
