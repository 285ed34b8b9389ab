"""Tests of ``wijkanalyse content kopieer`` (:func:`wijkanalyse.content.copy_store`): a whole
content store from SQLite to PostgreSQL and back, equal row for row, in one transaction. The
accounts, stories and versions are GENERATED test data; the PostgreSQL cluster is the one of
conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from robustness_helpers import run

from wijkanalyse.content import ContentStoreError, ProgrammeTables, copy_store, open_content
from wijkanalyse.content.models import Base

PASSWORD = "correct paard batterij"


def _fill(url: str) -> None:
    with open_content(url) as content:
        content.add_user(name="Eva", email="eva@example.nl", password=PASSWORD,
                         role="deelnemer", gemeenten=["GM0114", "GM0363"])
        ad = content.add_user(name="Ad", email="ad@example.nl", password=PASSWORD,
                              role="beheerder")
        content.remove_user("eva@example.nl")
        content.add_user(name="Bo", email="bo@example.nl", password=PASSWORD, role="lezer")
        content.create_session(ad.id)
        content.add_story({"kind": "verhaal", "area_code": "WK011443", "title": "Gesprek",
                           "author": "A. de Vries", "story_date": "2024-05-01",
                           "body_markdown": "Tekst met é en ‘quotes’.", "tags": ["wonen"],
                           "meta": {"partners": ["gemeente"]},
                           "created_at": "2024-05-02T10:00:00+00:00",
                           "updated_at": "2024-05-02T10:00:00+00:00", "source_file": None,
                           "removed_at": None, "removed_by": None},
                          changed_by="A. de Vries", changed_at="2024-05-02T10:00:00+00:00")
        content.add_applied({"intervention_id": "buurtbemiddeling", "area_code": "WK011443",
                             "area_name": "Angelslo", "area_kind": "wijk",
                             "area_members": ["WK011443"], "gemeente_code": "GM0114",
                             "year_from": 2016, "year_to": None, "partners": ["gemeente"],
                             "funding": [], "result_text": "", "result_indicators": [],
                             "author": "E. Smit", "created_at": "t1", "updated_at": "t1",
                             "removed_at": None, "removed_by": None},
                            changed_by="E. Smit", changed_at="t1")
        for n in (1, 2):
            content.add_kennis_version("klushuizen", {"id": "klushuizen", "n": n},
                                       action="update", origin="gebruiker", changed_by="R",
                                       changed_at=f"t{n}")
        programmes = ProgrammeTables(content)
        doc = {"slug": "proef", "name": "Proefprogramma", "maximum": 15, "paid": {}}
        programmes.put("proef", doc, base_version=0, what="nieuw", who="team", when="t1")
        programmes.put("proef", {**doc, "paid": {"p01": "2016-12-01"}}, base_version=1,
                       what="betaald p01", who="team", when="t2")


def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [dict(r) for r in conn.execute(
                sa.select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_sqlite_to_postgresql_and_back_is_equal_row_for_row(tmp_path: Path,
                                                              pg_database: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'bron.sqlite'}"
    _fill(sqlite_url)
    original = _dump(sqlite_url)
    assert {t: len(rows) for t, rows in original.items()} == {
        "users": 2, "applied_approaches": 1, "applied_approach_history": 1,
        "kennis_history": 2, "stories": 1, "story_history": 1, "sessions": 1,
        "user_gemeenten": 0, "programmes": 1, "programme_history": 2}
    pg_url = pg_database
    there = run("content", "kopieer", "--van", sqlite_url, "--naar", pg_url)
    assert there.exit_code == 0, there.output
    assert "12 rijen in 10 tabellen, aantallen gecontroleerd" in there.output
    assert _dump(pg_url) == original
    back_url = f"sqlite:///{tmp_path / 'terug.sqlite'}"
    report = copy_store(pg_url, back_url)
    assert report.total == 12 and report.deleted == 0
    assert _dump(back_url) == original
    # the PostgreSQL sequence continues after the copied numbers (users 2 and 3)
    with open_content(pg_url) as content:
        new = content.add_user(name="Cas", email="cas@example.nl", password=PASSWORD,
                               role="lezer")
        assert new.id == 4
        assert content.verify_login("bo@example.nl", PASSWORD) is not None


def test_a_non_empty_target_is_refused_unless_overwritten(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'bron.sqlite'}"
    target = f"sqlite:///{tmp_path / 'doel.sqlite'}"
    _fill(source)
    with open_content(target) as content:
        content.add_user(name="Zo", email="zo@example.nl", password=PASSWORD, role="lezer")
    refused = run("content", "kopieer", "--van", source, "--naar", target)
    assert refused.exit_code == 1
    assert f"de doeldatabase sqlite:///{tmp_path / 'doel.sqlite'} is niet leeg: users (1). " \
           "Geef --overschrijf" in refused.output
    assert [r["email"] for r in _dump(target)["users"]] == ["zo@example.nl"]
    replaced = run("content", "kopieer", "--van", source, "--naar", target, "--overschrijf")
    assert replaced.exit_code == 0, replaced.output
    assert "1 rijen die al in het doel stonden zijn vervangen" in replaced.output
    assert _dump(target) == _dump(source)


def test_same_database_and_bad_url_are_explained(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'bron.sqlite'}"
    with pytest.raises(ContentStoreError, match="bron en doel zijn dezelfde database"):
        copy_store(source, f"sqlite:///{tmp_path / '.' / 'bron.sqlite'}")
    bad = run("content", "kopieer", "--van", source, "--naar", "geen url")
    assert bad.exit_code == 1 and "'geen url' is geen database-URL" in bad.output
    missing = run("content", "kopieer", "--van", source, "--naar",
                  f"sqlite:///{tmp_path / 'nergens' / 'x.sqlite'}")
    assert missing.exit_code == 1 and "bestaat niet" in missing.output
