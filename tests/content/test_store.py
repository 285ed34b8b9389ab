"""Tests of wijkanalyse.content: migrations, accounts, sessions and versioned records, each
against SQLite and PostgreSQL (fixture ``content`` in conftest.py). All names, e-mail
addresses and texts here are GENERATED test data."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from wijkanalyse.content import (
    STORY_COLUMNS,
    AccountError,
    DuplicateRecordError,
    Role,
    User,
    content_path,
    current_revision,
    head_revision,
    open_content,
    resolve_url,
)
from wijkanalyse.content.models import Base

PASSWORD = "correct paard batterij"


def _story(**kw) -> dict:
    data = {"kind": "verhaal", "area_code": "WK011443", "title": "Gesprek", "author": "A. de Vries",
            "story_date": "2024-05-01", "body_markdown": "Tekst.", "tags": ["wonen"],
            "meta": {}, "created_at": "2024-05-02T10:00:00+00:00",
            "updated_at": "2024-05-02T10:00:00+00:00", "source_file": None,
            "removed_at": None, "removed_by": None}
    data.update(kw)
    return data


def _applied(**kw) -> dict:
    data = {"intervention_id": "buurtbemiddeling", "area_code": "WK011443",
            "area_name": "Angelslo", "area_kind": "wijk", "area_members": ["WK011443"],
            "gemeente_code": "GM0114", "year_from": 2016, "year_to": None,
            "partners": ["gemeente"], "funding": [], "result_text": "", "result_indicators": [],
            "author": "E. Smit", "created_at": "2024-05-02T10:00:00+00:00",
            "updated_at": "2024-05-02T10:00:00+00:00", "removed_at": None, "removed_by": None}
    data.update(kw)
    return data


# --------------------------------------------------------------------------- migrations


def test_migrations_reach_head_match_the_models_and_rerun_safely(content, content_url) -> None:
    assert head_revision() == "0002_programme"
    assert current_revision(content.engine) == "0002_programme"
    with content.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD, role="lezer")
    again = open_content(content_url)  # upgrading an up-to-date database changes nothing
    try:
        assert current_revision(again.engine) == "0002_programme"
        assert [u.email for u in again.list_users()] == ["eva@example.nl"]
    finally:
        again.close()


def test_version_tables_share_the_mixin_columns_in_migration_order(content) -> None:
    shared = ["version", "changed_at", "changed_by", "user_id", "action"]
    expected = {"story_history": ["story_id", *shared, "snapshot"],
                "applied_approach_history": ["applied_id", *shared, "snapshot"],
                "kennis_history": ["intervention_id", *shared, "origin", "note", "snapshot"]}
    migrated = sa.inspect(content.engine)
    for table, names in expected.items():
        assert [c["name"] for c in migrated.get_columns(table)] == names
        assert [c.name for c in Base.metadata.tables[table].columns] == names
        assert migrated.get_pk_constraint(table)["constrained_columns"] == names[:2]


def test_processes_opening_a_new_store_at_once_migrate_once(content_url) -> None:
    """Several app processes starting on an empty database: one migrates, the others wait
    and find the schema up to date (threads here, each with its own engine)."""
    stores: list = []
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            stores.append(open_content(content_url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert [current_revision(s.engine) for s in stores] == ["0002_programme"] * 4
        stores[0].add_user(name="Eva", email="eva@example.nl", password=PASSWORD, role="lezer")
        assert [len(s.list_users()) for s in stores] == [1, 1, 1, 1]
    finally:
        for s in stores:
            s.close()


def test_sqlite_file_next_to_the_database_in_wal_mode(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("WIJKANALYSE_CONTENT_URL", raising=False)
    db = tmp_path / "w.duckdb"
    assert content_path(db) == tmp_path / "w.duckdb.content.sqlite"
    assert resolve_url(db_path=db) == f"sqlite:///{tmp_path / 'w.duckdb.content.sqlite'}"
    store = open_content(db_path=db)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
    assert content_path(db).is_file()
    monkeypatch.setenv("WIJKANALYSE_CONTENT_URL", "postgresql://wa@server/inhoud")
    assert resolve_url(db_path=db) == "postgresql+psycopg://wa@server/inhoud"


def test_unknown_place_and_bad_url_are_explained(tmp_path, monkeypatch) -> None:
    from wijkanalyse.content import ContentStoreError

    monkeypatch.delenv("WIJKANALYSE_CONTENT_URL", raising=False)
    with pytest.raises(ContentStoreError, match="WIJKANALYSE_CONTENT_URL"):
        resolve_url()
    with pytest.raises(ContentStoreError, match="geen database-URL"):
        resolve_url("geen url")
    with pytest.raises(ContentStoreError, match="bestaat niet"):
        open_content(f"sqlite:///{tmp_path / 'weg' / 'inhoud.sqlite'}")


# --------------------------------------------------------------------------- accounts


def test_add_user_stores_only_an_argon2id_hash(content) -> None:
    user = content.add_user(name=" Eva  de Boer ", email="Eva@Example.NL", password=PASSWORD,
                            role="deelnemer", gemeenten=["gm0114", "GM0363", "GM0114"])
    assert user == User(id=user.id, name="Eva de Boer", email="eva@example.nl",
                        role=Role.DEELNEMER, gemeenten=("GM0114", "GM0363"))
    with content.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert content.get_user(user.id) == user
    assert content.find_user(" EVA@example.nl") == user
    assert content.get_user(user.id + 1) is None and content.find_user("x@y.nl") is None


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"email": "geen-adres"}, "ongeldig e-mailadres"),
    ({"password": "kort"}, "minstens 10 tekens"),
    ({"role": "koning"}, "onbekende rol 'koning'"),
    ({"gemeenten": ["0363"]}, "ongeldige gemeentecode '0363'"),
    ({"name": "  "}, "geef een naam"),
])
def test_invalid_account_values_are_named(content, kwargs: dict, pattern: str) -> None:
    values = {"name": "Eva", "email": "eva@example.nl", "password": PASSWORD, "role": "lezer"}
    values.update(kwargs)
    with pytest.raises(AccountError, match=pattern):
        content.add_user(**values)
    assert content.list_users() == []


def test_duplicate_email_is_refused_in_any_case(content) -> None:
    content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD, role="lezer")
    with pytest.raises(AccountError, match="er is al een account met e-mailadres eva@"):
        content.add_user(name="Eva 2", email="EVA@example.nl", password=PASSWORD, role="lezer")
    assert len(content.list_users()) == 1


def test_verify_login(content) -> None:
    user = content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD,
                            role="redacteur")
    assert content.verify_login("EVA@example.nl", PASSWORD) == user
    assert content.verify_login("eva@example.nl", PASSWORD + "x") is None
    assert content.verify_login("onbekend@example.nl", PASSWORD) is None
    assert content.verify_login("eva@example.nl", "") is None


def test_roles_gemeenten_and_removal(content) -> None:
    content.add_user(name="Bo", email="bo@example.nl", password=PASSWORD, role="lezer")
    content.add_user(name="Ad", email="ad@example.nl", password=PASSWORD, role="beheerder")
    user = content.set_role("bo@example.nl", "deelnemer", gemeenten=["GM0114"])
    assert (user.role, user.gemeenten) == (Role.DEELNEMER, ("GM0114",))
    assert content.set_role("bo@example.nl", Role.REDACTEUR).gemeenten == ("GM0114",)
    assert content.set_role("bo@example.nl", "lezer", gemeenten=[]).gemeenten == ()
    assert [u.email for u in content.list_users()] == ["ad@example.nl", "bo@example.nl"]
    token = content.create_session(user.id)
    content.remove_user("BO@example.nl")
    assert content.session_user(token) is None
    assert [u.email for u in content.list_users()] == ["ad@example.nl"]
    with pytest.raises(AccountError, match="geen account met e-mailadres 'bo@example.nl'"):
        content.remove_user("bo@example.nl")
    with pytest.raises(AccountError, match="geen account"):
        content.set_role("bo@example.nl", "lezer")


# --------------------------------------------------------------------------- sessions


def test_sessions_store_only_the_token_hash_and_expire(content) -> None:
    user = content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD, role="lezer")
    token = content.create_session(user.id)
    assert len(token) >= 40
    with content.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT token_hash, user_id, expires_at - created_at "
                                    "FROM sessions")).all()
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), user.id, 8 * 3600)]
    assert content.session_user(token) == user
    assert content.session_user(token + "x") is None and content.session_user("") is None
    content.end_session(token)
    assert content.session_user(token) is None
    expired = content.create_session(user.id, lifetime_s=0)
    assert content.session_user(expired) is None
    content.create_session(user.id)  # removes the expired one on the way
    with content.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one() == 1
    with pytest.raises(AccountError, match="geen account met nummer"):
        content.create_session(user.id + 99)


def test_new_password_ends_sessions(content) -> None:
    user = content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD, role="lezer")
    token = content.create_session(user.id)
    content.set_password("eva@example.nl", "een ander wachtwoord")
    assert content.session_user(token) is None
    assert content.verify_login("eva@example.nl", PASSWORD) is None
    assert content.verify_login("eva@example.nl", "een ander wachtwoord") == user


# --------------------------------------------------------------------------- records


def test_story_versions_keep_who_and_when(content) -> None:
    sid = content.add_story(_story(), changed_by="A. de Vries",
                            changed_at="2024-05-02T10:00:00+00:00")
    assert sid == 1
    with pytest.raises(DuplicateRecordError) as exc:
        content.add_story(_story(), changed_by="X", changed_at="2024-05-03T10:00:00+00:00")
    assert exc.value.existing == 1
    assert content.add_story(_story(title="Tweede", story_date="2023-01-01"), changed_by="B",
                             changed_at="2024-05-03T10:00:00+00:00", user_id=7) == 2
    changed = {**content.story(1), "title": "Gesprek (bijgewerkt)",
               "updated_at": "2024-06-01T09:00:00+00:00"}
    assert content.save_story(changed, action="update", changed_by="C. Bakker",
                              changed_at="2024-06-01T09:00:00+00:00", user_id=3) == 2
    assert content.story(1)["title"] == "Gesprek (bijgewerkt)"
    assert content.story(1)["story_date"] == "2024-05-01"
    versions = content.story_versions(1)
    assert [(v["version"], v["action"], v["changed_by"], v["user_id"]) for v in versions] == [
        (1, "add", "A. de Vries", None), (2, "update", "C. Bakker", 3)]
    assert json.loads(versions[1]["snapshot"]) == {c: changed[c] for c in STORY_COLUMNS}
    rows = content.story_rows()
    assert [(r["story_id"], r["version"]) for r in rows] == [(1, 2), (2, 1)]  # newest first
    assert [r["story_id"] for r in content.story_rows(area_code="WK011443", kind="aanpak")] == []
    removed = {**content.story(2), "removed_at": "2024-07-01T00:00:00+00:00", "removed_by": "D"}
    content.save_story(removed, action="remove", changed_by="D",
                       changed_at="2024-07-01T00:00:00+00:00")
    assert [r["story_id"] for r in content.story_rows()] == [1]
    assert [r["story_id"] for r in content.story_rows(include_removed=True)] == [1, 2]
    assert content.count_stories_for_area("WK011443") == 2 and content.max_story_id() == 2


def test_applied_duplicates_compare_open_ended_years(content) -> None:
    first = content.add_applied(_applied(), changed_by="E. Smit", changed_at="t1")
    with pytest.raises(DuplicateRecordError):
        content.add_applied(_applied(), changed_by="E. Smit", changed_at="t2")
    second = content.add_applied(_applied(year_to=2020), changed_by="E. Smit", changed_at="t2")
    assert (first, second) == (1, 2)
    assert [r["applied_id"] for r in content.applied_rows("buurtbemiddeling")] == [2, 1]
    gone = {**content.applied(1), "removed_at": "t3", "removed_by": "F"}
    content.save_applied(gone, action="remove", changed_by="F", changed_at="t3")
    assert [r["applied_id"] for r in content.applied_rows()] == [2]
    assert [v["action"] for v in content.applied_versions(1)] == ["add", "remove"]
    assert content.applied(2)["area_members"] == ["WK011443"]


def test_kennis_versions(content) -> None:
    assert content.add_kennis_version("buurtbemiddeling", {"id": "buurtbemiddeling"},
                                      action="update", origin="gebruiker", changed_by="R",
                                      changed_at="t1", note="bron toegevoegd") == 1
    assert content.add_kennis_version("buurtbemiddeling", {"id": "buurtbemiddeling", "x": 1},
                                      action="update", origin="gebruiker", changed_by="R",
                                      changed_at="t2", user_id=4) == 2
    rows = content.kennis_versions("buurtbemiddeling")
    assert [(r["version"], r["note"], r["user_id"]) for r in rows] == [
        (1, "bron toegevoegd", None), (2, None, 4)]


def test_concurrent_writers_get_distinct_numbers(content) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                content.add_story(_story(title=f"schrijver {n} verhaal {i}"), changed_by=str(n),
                                  changed_at="t")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = content.story_rows()
    assert sorted(r["story_id"] for r in rows) == list(range(1, 16))
    assert len({r["title"] for r in rows}) == 15
