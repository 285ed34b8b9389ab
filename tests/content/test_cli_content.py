"""Tests of ``wijkanalyse gebruiker add|list|remove|rol`` and ``wijkanalyse content migreer``,
on SQLite and PostgreSQL (``WIJKANALYSE_CONTENT_URL`` set to the fixture's database).

The analytical databases are built from a GENERATED source folder (gemeente "Proefstad",
GM9901; tests/robustness_helpers.py); the stories, applications and accounts are GENERATED
test data. The "older database" has the story and application tables as wijkanalyse had them
before the content store (``store.LEGACY_SCHEMA``), filled as that version wrote them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from robustness_helpers import generated_source, run, story_file

from wijkanalyse import store
from wijkanalyse.content import open_content
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database

PASSWORD = "een lang wachtwoord"


@pytest.fixture
def env_content(content_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI uses the fixture's content database."""
    monkeypatch.setenv("WIJKANALYSE_CONTENT_URL", content_url)
    return content_url


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database built from a generated source folder."""
    path = tmp_path / "w.duckdb"
    src = generated_source(tmp_path / "bronnen")
    build_database(resolve_settings(db=path, source=src, cache=tmp_path / "cache"))
    return path


# --------------------------------------------------------------------------- gebruiker


def test_gebruiker_add_list_rol_remove(env_content: str, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"  # the content database is given by the URL; no DuckDB needed
    added = run("--db", str(db), "gebruiker", "add", "Eva@Example.nl", "--naam", "Eva de Boer",
                "--rol", "deelnemer", "--gemeente", "GM0114", "--gemeente", "gm0363",
                "--wachtwoord-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert added.output == ("Account eva@example.nl (Eva de Boer) aangemaakt met rol deelnemer, "
                            "gemeenten GM0114, GM0363.")
    asked = run("--db", str(db), "gebruiker", "add", "ad@example.nl", "--naam", "Ad",
                "--rol", "beheerder", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert asked.exit_code == 0, asked.output
    assert "Herhaal het wachtwoord" in asked.output and PASSWORD not in asked.output
    listed = run("--db", str(db), "gebruiker", "list")
    assert listed.exit_code == 0
    assert listed.output.index("ad@example.nl") < listed.output.index("eva@example.nl")
    assert "GM0114, GM0363" in listed.output and "beheerder" in listed.output
    rol = run("--db", str(db), "gebruiker", "rol", "eva@example.nl", "redacteur",
              "--gemeente", "GM0114")
    assert rol.output == "Account eva@example.nl heeft nu rol redacteur; gemeenten: GM0114."
    with open_content(env_content) as content:
        assert content.verify_login("eva@example.nl", PASSWORD).role == "redacteur"
        assert content.verify_login("ad@example.nl", PASSWORD).name == "Ad"
    removed = run("--db", str(db), "gebruiker", "remove", "EVA@example.nl")
    assert removed.output == "Account eva@example.nl verwijderd."
    with open_content(env_content) as content:
        assert [u.email for u in content.list_users()] == ["ad@example.nl"]


def test_gebruiker_errors_are_dutch_and_create_nothing(env_content: str,
                                                        tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    cases = [
        (["add", "eva@example.nl", "--naam", "Eva", "--wachtwoord-stdin"], "kort\n",
         "het wachtwoord moet minstens 10 tekens hebben"),
        (["add", "eva@example.nl", "--naam", "Eva", "--wachtwoord-stdin"], "\n",
         "er kwam geen wachtwoord binnen"),
        (["add", "eva@example.nl", "--naam", "Eva"], f"{PASSWORD}\nanders wachtwoord\n"
         "\n", "geen wachtwoord gegeven"),
        (["add", "eva", "--naam", "Eva", "--wachtwoord-stdin"], PASSWORD + "\n",
         "ongeldig e-mailadres 'eva'"),
        (["add", "eva@example.nl", "--naam", "Eva", "--rol", "baas", "--wachtwoord-stdin"],
         PASSWORD + "\n", "onbekende rol 'baas'; kies uit lezer, deelnemer, redacteur, "
         "beheerder"),
        (["remove", "weg@example.nl"], None, "er is geen account met e-mailadres "
         "'weg@example.nl'"),
        (["rol", "weg@example.nl", "lezer"], None, "er is geen account"),
    ]
    for args, given, message in cases:
        result = run("--db", str(db), "gebruiker", *args, input=given)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    listed = run("--db", str(db), "gebruiker", "list")
    assert listed.output.startswith("Nog geen accounts.")


def test_password_is_no_command_line_option() -> None:
    result = run("gebruiker", "add", "x@example.nl", "--naam", "X", "--wachtwoord", "geheim")
    assert result.exit_code == 2 and "No such option: --wachtwoord" in result.output


# --------------------------------------------------------------------------- migreer


def _old_database(db: Path) -> dict[str, list]:
    """Make ``db`` look like a database of the version before the content store: stories,
    applications and their versions in DuckDB (rows as that version wrote them)."""
    con = store.connect(db)
    try:
        con.execute(store.LEGACY_SCHEMA)
        stories = [
            (1, "verhaal", "WK990101", "Gesprek met de wijkagent", "A. de Vries", "2024-05-01",
             "Het is rustiger.", ["veiligheid"], "{}", "t1", "t2", None, None, None),
            (2, "aanpak", "WK990102", "Buurtkamer", "B. Jansen", "2023-02-01", "Open.", [],
             '{"partners": ["gemeente"], "status": "lopend"}', "t3", "t3", "/x/a.md", None,
             None),
            (3, "verhaal", "WK990101", "Weg", "C", "2022-01-01", "x", [], "{}", "t4", "t5",
             None, "t5", "Beheer"),
        ]
        con.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, CAST(? AS DATE), ?, ?, ?, "
                        "?, ?, ?, ?, ?)", stories)
        history = []
        for row in stories:
            snap = dict(zip(("story_id", "kind", "area_code", "title", "author", "story_date",
                             "body_markdown", "tags", "meta", "created_at", "updated_at",
                             "source_file", "removed_at", "removed_by"), row, strict=True))
            snap["meta"] = json.loads(snap["meta"])
            history.append((row[0], 1, row[9], row[4], "add",
                            json.dumps({**snap, "updated_at": row[9], "removed_at": None,
                                        "removed_by": None}, sort_keys=True)))
        history.append((1, 2, "t2", "Redactie", "update", json.dumps(
            {"story_id": 1, "title": "Gesprek met de wijkagent"}, sort_keys=True)))
        history.append((3, 2, "t5", "Beheer", "remove", json.dumps(
            {"story_id": 3, "removed_by": "Beheer"}, sort_keys=True)))
        con.executemany("INSERT INTO story_history VALUES (?, ?, ?, ?, ?, ?)", history)
        con.execute("INSERT INTO applied_approaches VALUES (1, 'buurtbemiddeling', 'WK990101', "
                    "'Proefwijk 1', 'wijk', ['WK990101'], 'GM9901', 2016, NULL, ['gemeente'], "
                    "[], 'Minder ruzies.', ['a_inw'], 'E. Smit', 't6', 't6', NULL, NULL)")
        con.execute("INSERT INTO applied_approach_history VALUES (1, 1, 't6', 'E. Smit', "
                    "'add', '{\"applied_id\": 1}')")
        con.execute("INSERT INTO intervention_history VALUES ('klushuizen', 99, 't7', "
                    "'G. de Boer', 'update', 'gebruiker', 'eigen versie', '{\"id\": 1}')")
        return {
            "stories": con.execute("SELECT story_id, title FROM stories ORDER BY 1").fetchall(),
            "history": con.execute("SELECT story_id, version, changed_at, changed_by, action, "
                                   "snapshot FROM story_history ORDER BY 1, 2").fetchall(),
            "kennis": con.execute("SELECT intervention_id, version, changed_at, changed_by, "
                                  "action, origin, note, snapshot FROM intervention_history "
                                  "ORDER BY 1, 2").fetchall(),
        }
    finally:
        con.close()


def _content_state(url: str) -> dict[str, list]:
    with open_content(url) as content:
        rows = sorted(content.story_rows(include_removed=True), key=lambda r: r["story_id"])
        return {
            "stories": [(r["story_id"], r["title"]) for r in rows],
            "history": [(v["story_id"], v["version"], v["changed_at"], v["changed_by"],
                         v["action"], v["snapshot"])
                        for r in rows for v in content.story_versions(r["story_id"])],
            "kennis": [tuple(v[c] for c in ("intervention_id", "version", "changed_at",
                                             "changed_by", "action", "origin", "note",
                                             "snapshot"))
                       for v in content.kennis_versions()],
            "applied": [(v["applied_id"], v["version"], v["action"])
                        for v in content.applied_versions(1)],
            "rows": rows,
        }


def test_migreer_copies_everything_once(env_content: str, db: Path) -> None:
    old = _old_database(db)
    first = run("--db", str(db), "content", "migreer")
    assert first.exit_code == 0, first.output
    assert "verhalen en aanpakken: 3 " in first.output + " "
    assert "versies van verhalen en aanpakken: 5" in first.output
    assert "toepassingen: 1 " in first.output + " "
    n_kennis = len(old["kennis"])
    assert f"versies van interventies (kennisdossier): {n_kennis}" in first.output
    state = _content_state(env_content)
    assert state["stories"] == old["stories"]
    assert state["history"] == old["history"]  # every version equal: who, when, what
    assert state["kennis"] == old["kennis"]
    assert state["applied"] == [(1, 1, "add")]
    by_id = {r["story_id"]: r for r in state["rows"]}
    assert by_id[2]["meta"] == {"partners": ["gemeente"], "status": "lopend"}
    assert (by_id[1]["tags"], by_id[1]["story_date"]) == (["veiligheid"], "2024-05-01")
    assert (by_id[3]["removed_at"], by_id[3]["removed_by"]) == ("t5", "Beheer")
    # again: nothing doubled
    second = run("--db", str(db), "content", "migreer")
    assert second.exit_code == 0, second.output
    assert "verhalen en aanpakken: 0 (3 stonden er al)" in second.output
    assert f"(kennisdossier): 0 ({n_kennis} stonden er al)" in second.output
    again = _content_state(env_content)
    assert {k: v for k, v in again.items() if k != "rows"} == {
        k: v for k, v in state.items() if k != "rows"}
    # the migrated stories are what the CLI shows
    listed = run("--db", str(db), "verhaal", "list", "--gebied", "WK990101")
    assert "Gesprek met de wijkagent" in listed.output and "Weg" not in listed.output


def test_migreer_renumbers_a_story_whose_number_is_taken(env_content: str, db: Path,
                                                        tmp_path: Path) -> None:
    added = run("--db", str(db), "verhaal", "add",
                str(story_file(tmp_path / "v.md", title="Nieuw in de inhoudsdatabase")))
    assert added.output.startswith("Verhaal 1 toegevoegd")
    old = _old_database(db)
    result = run("--db", str(db), "content", "migreer")
    assert result.exit_code == 0, result.output
    assert "nummer 1 was al in gebruik voor iets anders en is nu nummer 4" in result.output
    state = _content_state(env_content)
    assert state["stories"] == [(1, "Nieuw in de inhoudsdatabase"), (2, "Buurtkamer"),
                                (3, "Weg"), (4, "Gesprek met de wijkagent")]
    moved = [h for h in state["history"] if h[0] == 4]
    assert [json.loads(h[5])["story_id"] for h in moved] == [4, 4]
    assert [h[1:5] for h in moved] == [h[1:5] for h in old["history"] if h[0] == 1]
    rerun = run("--db", str(db), "content", "migreer")
    assert "verhalen en aanpakken: 0 (3 stonden er al)" in rerun.output
    assert _content_state(env_content)["stories"] == state["stories"]


def test_rebuild_keeps_unmigrated_tables_and_migreer_still_works(env_content: str, db: Path,
                                                                  tmp_path: Path) -> None:
    old = _old_database(db)
    rebuilt = run("--db", str(db), "data", "build", "--source", str(tmp_path / "bronnen"))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "3 rijen in stories" in rebuilt.output
    assert "1 rijen in intervention_history" in rebuilt.output
    result = run("--db", str(db), "content", "migreer", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _content_state(env_content)["history"] == old["history"]
    assert _content_state(env_content)["kennis"] == old["kennis"]


def test_migreer_without_old_tables_says_so(env_content: str, db: Path) -> None:
    con = store.connect(db)  # a new build has no table of the older layout at all
    assert not set(store.LEGACY_TABLES) & {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    result = run("--db", str(db), "content", "migreer")
    assert result.exit_code == 0
    assert "er is niets te kopiëren" in result.output
