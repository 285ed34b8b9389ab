"""Browser tests: Debian's chromium driven by Playwright, the app served by uvicorn in a
thread on a free port.

``playwright install`` cannot download browsers here, so the tests launch
``/usr/bin/chromium`` (``apt-get install chromium``; `.ci/run` installs it). axe-core comes
from npm (``package.json`` at the repository root; `.ci/run` runs ``npm ci``). Screenshots
go to ``tests/web/browser/artefacts/`` (git-ignored); the path is printed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

from web.auth_fakes import ACCOUNTS, PASSWORD, FakeStore, make_app, seeded_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO = Path(__file__).resolve().parents[3]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` in a daemon thread; ``url`` is its base address."""

    def __init__(self, app: FastAPI) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn is niet gestart op poort {self.port}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium ontbreekt: installeer het met `apt-get install -y "
                    "chromium` (zie .ci/run).")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def edit_store() -> FakeStore:
    """The content store behind :func:`edit_server` (shared by the session's tests)."""
    return seeded_store()


@pytest.fixture(scope="session")
def edit_server(edit_store: FakeStore) -> Iterator[LiveServer]:
    """The account and edit pages over :func:`edit_store`, served for the session."""
    with LiveServer(make_app(edit_store)) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page; CSP bypassed so axe can be injected."""
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as an artefact and print its path."""
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"schermafdruk: {path}")
    return path


def axe_violations(page: Page, *, impacts: tuple[str, ...] = ("serious", "critical"),
                   exclude: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Run axe-core (WCAG 2 A/AA rules and best practices) on the page; the violations with
    one of ``impacts``, each with its id, impact, help text and offending elements.
    ``exclude``: CSS selectors of parts left out of the check."""
    if not AXE.exists():
        pytest.fail(f"{AXE} ontbreekt: draai `npm ci` in de repository (zie .ci/run).")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? {include: [document],
                                              exclude: exclude.map(s => [s])} : document;
            const r = await axe.run(context, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return {rules: r.passes.length + r.violations.length,
                    violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                        help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))};
        }""",
        list(exclude),
    )
    assert result["rules"] > 20, "axe heeft (bijna) geen regels uitgevoerd"
    return [v for v in result["violations"] if v["impact"] in impacts]


@pytest.fixture(scope="session")
def site_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveServer]:
    """The whole site (``create_app``) over the test database, with a real content store of
    its own (SQLite in a temporary folder, so the shared database gets no content file) that
    has the accounts of ``web.auth_fakes.ACCOUNTS``; served for the session. The store is
    ``server.app.state.content``."""
    from wijkanalyse.web import WebSettings, create_app

    folder = tmp_path_factory.mktemp("inhoud")
    app = create_app(WebSettings(db_path=built_db, content_url=f"sqlite:///{folder}/c.sqlite",
                                 secret_key="browser-test-" + "k" * 20))
    for email, role, gemeenten in ACCOUNTS:
        app.state.content.add_user(name=email.split("@")[0].title(), email=email,
                                   password=PASSWORD, role=role, gemeenten=gemeenten)
    with LiveServer(app) as server:
        server.app = app
        yield server
    app.state.content.close()
