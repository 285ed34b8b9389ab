"""Fixtures of the content store tests: every test that takes ``content`` runs twice, against
an embedded SQLite file and against a throwaway PostgreSQL cluster.

The cluster is started once per session from the Debian binaries
(``/usr/lib/postgresql/*/bin/initdb`` and ``pg_ctl``) in a temporary folder, on a free port,
listening only on a unix socket in that folder, and stopped at the end. As root the binaries
run as the ``postgres`` user (``runuser -u postgres --``). Without the binaries the fixture
fails and says to install PostgreSQL: a test that cannot run must not pass.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL ontbreekt: de tests van de inhoudsdatabase draaien ook tegen "
                    "PostgreSQL. Installeer het (Debian/Ubuntu: 'apt-get install postgresql'; "
                    ".ci/run doet dat) en draai de tests opnieuw.")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL cluster for this test session; yields the URL of its ``postgres`` db."""
    bindir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="wijkanalyse-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    port = _free_port()
    run = dict(check=True, capture_output=True, text=True, cwd=folder)
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                     "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                                     "--no-sync"]), **run)  # type: ignore[call-overload]
        subprocess.run(_as_postgres([
            str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
            f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off", "start"]),
            **run)  # type: ignore[call-overload]
    except subprocess.CalledProcessError as exc:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL starten mislukt: {exc.stderr}\n{log}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                     "immediate", "stop"]), capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters in tests (the real ones take ~0.5 s per hash here);
    the hash format and the checks are the same."""
    from argon2 import PasswordHasher

    from wijkanalyse.content import accounts

    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                           parallelism=1))


_numbers = itertools.count(1)


def fresh_pg_database(server_url: str) -> str:
    """A new, empty database on the session's cluster; its URL."""
    import sqlalchemy as sa

    name = f"inhoud_{next(_numbers)}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.replace("/postgres?", f"/{name}?")


@pytest.fixture(params=["sqlite", "postgresql"])
def content_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty content database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.duckdb.content.sqlite'}"
    return fresh_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def content(content_url: str):
    """An open, migrated content store on each backend."""
    from wijkanalyse.content import open_content

    store = open_content(content_url)
    yield store
    store.close()


@pytest.fixture
def pg_database(pg_server: str) -> str:
    """The URL of a new, empty PostgreSQL database on the session's cluster."""
    return fresh_pg_database(pg_server)
