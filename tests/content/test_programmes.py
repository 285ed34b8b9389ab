"""The knowledge programmes in the content store, on SQLite and PostgreSQL: save and load give
the same programme (a Hypothesis property), a save based on an old version is refused,
registrations arriving at once through two connections are both kept, the JSON files of the
former file store come in identical (history included) and idempotently, and the upgrade from
the first schema keeps what a database already holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkanalyse.content import (
    ContentStore,
    StaleProgrammeError,
    current_revision,
    head_revision,
    make_engine,
    open_content,
    upgrade,
)
from wijkanalyse.content.engine import alembic_config
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma import (
    ContentProgrammeStore,
    FileStore,
    MoneyFlow,
    Party,
    Programme,
    RejectedRow,
    SelectionRecord,
    generate_registrations,
    import_folder,
    import_registrations,
    new_programme,
    programme_to_dict,
    read_definition,
)

DATA = Path(__file__).resolve().parents[1] / "programma" / "data"
SLUG = "programma-2016"
_slugs = itertools.count(1)


def _programme_2016(csv: str = "aanmeldingen-2016.csv") -> Programme:
    prog = read_definition(DATA / "programma-2016.yaml")
    result = import_registrations(prog, DATA / csv)
    assert not result.rejected
    prog.registrations += result.accepted
    return prog


_text = st.text(max_size=30)


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    """A programme with generated registrations and arbitrary text, amounts, a selection
    with float weights, rejected rows, payments, parties and money flows."""
    start = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)))
    prog = new_programme(
        slug=f"p-{next(_slugs)}", name=draw(_text), period_start=start,
        period_end=start + dt.timedelta(days=draw(st.integers(0, 900))), deadline=start,
        meeting_start=start + dt.timedelta(days=1), meeting_end=start + dt.timedelta(days=99),
        partner_fee=draw(st.integers(0, 10**7)), non_partner_fee=draw(st.integers(0, 10**7)),
        partners=tuple(draw(st.lists(_text, max_size=3))), maximum=draw(st.integers(1, 40)),
        n_meetings=draw(st.integers(1, 8)))
    prog.registrations = generate_registrations(draw(st.integers(0, 12)),
                                                seed=draw(st.integers(0, 10**6)))
    if prog.registrations:
        first = prog.registrations[0]
        prog.registrations[0] = dataclasses.replace(
            first, gemeente=draw(_text), wijk_codes=tuple(draw(st.lists(_text, max_size=2))),
            inwoners=draw(st.none() | st.integers(0, 10**7)))
        ids = [r.id for r in prog.registrations]
        prog.selection = SelectionRecord(
            tuple(draw(st.lists(st.sampled_from(ids), unique=True))),
            draw(st.floats(allow_nan=False, allow_infinity=False)),
            draw(st.dictionaries(_text, st.floats(allow_nan=False, allow_infinity=False),
                                 max_size=3)), draw(_text))
        prog.paid = draw(st.dictionaries(st.sampled_from(ids), _text, max_size=3))
        prog.parties = [Party(ids[0], draw(_text), "zorg", "actief", draw(_text))]
        prog.money = [MoneyFlow(ids[0], draw(_text), draw(st.integers(0, 10**9)), 2016, 2018,
                                draw(_text))]
    prog.rejected = [RejectedRow(draw(_text), draw(st.integers(1, 999)), draw(_text),
                                 draw(st.dictionaries(_text, _text, max_size=3)))]
    return prog


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(prog=programmes())
def test_save_then_load_gives_the_same_programme(content: ContentStore, prog: Programme) -> None:
    store = ContentProgrammeStore(content)
    store.save(prog, what="nieuw\x00", who="tester")
    loaded = store.load(prog.slug)
    assert programme_to_dict(loaded) == programme_to_dict(prog)
    assert loaded.version == prog.version == 1
    assert loaded.history == [{"when": prog.history[0]["when"], "what": "nieuw",
                               "who": "tester"}]


def test_a_save_based_on_an_old_version_is_refused(content: ContentStore) -> None:
    store = ContentProgrammeStore(content)
    assert store.marks() == ()
    store.save(_programme_2016(), what="nieuw")
    assert store.marks() == ((SLUG, 1),)
    team, other = store.load(SLUG), store.load(SLUG)
    team.paid["p02"] = "2016-12-01"
    store.save(team, what="betaald p02", who="team@example.nl")
    assert store.marks() == ((SLUG, 2),)  # the cache mark of the wijk pages moves on
    other.maximum = 10
    with pytest.raises(StaleProgrammeError, match=(
            r"programma 'programma-2016' is intussen gewijzigd: het staat op versie 2 "
            r"\(laatst: 'betaald p02' door team@example.nl op .*\), uw wijziging ging uit van "
            r"versie 1\. Er is niets bewaard; laad het programma opnieuw")):
        store.save(other, what="maximum 10")
    assert store.marks() == ((SLUG, 2),)
    stored = store.load(SLUG)
    assert stored.version == 2 and stored.maximum == 15 and stored.paid == {"p02": "2016-12-01"}
    assert [h["what"] for h in stored.history] == ["nieuw", "betaald p02"]
    assert len(other.history) == 1  # the refused save added nothing, not even to the object
    with pytest.raises(StaleProgrammeError, match="bestaat al; er is niets overschreven"):
        store.save(_programme_2016(), what="nog eens nieuw")


def test_registrations_at_once_through_two_connections_are_both_kept(
        content_url: str) -> None:
    """Two stores on two engines (two site processes): the second waits for the first's lock
    and then adds its registration to the programme that already holds the first."""
    with open_content(content_url) as first, open_content(content_url) as second:
        a, b = ContentProgrammeStore(first), ContentProgrammeStore(second)
        base = _programme_2016()
        template = base.registrations[0]
        base.registrations = []
        a.save(base, what="nieuw")
        inside = threading.Event()
        errors: list[BaseException] = []

        def take(store: ContentProgrammeStore, n: int, hold: float) -> None:
            try:
                with store.editing(SLUG, purpose="aanmelding via de website") as prog:
                    inside.set()
                    time.sleep(hold)
                    prog.registrations.append(dataclasses.replace(
                        template, id=f"w{n}", gemeente=f"Gemeente {n}"))
                    store.save(prog, what=f"aanmelding {n}", who=f"{n}@example.nl")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        one = threading.Thread(target=take, args=(a, 1, 0.5))
        one.start()
        assert inside.wait(10)
        two = threading.Thread(target=take, args=(b, 2, 0.0))
        two.start()
        one.join(30)
        two.join(30)
        assert errors == []
        stored = a.load(SLUG)
    assert [r.id for r in stored.registrations] == ["w1", "w2"]
    assert stored.version == 3
    assert [h["what"] for h in stored.history] == ["nieuw", "aanmelding 1", "aanmelding 2"]


def test_an_error_in_the_block_undoes_only_what_was_not_saved(content: ContentStore) -> None:
    store = ContentProgrammeStore(content)
    store.save(_programme_2016(), what="nieuw")
    with pytest.raises(RuntimeError), store.editing(SLUG, purpose="test") as prog:
        prog.maximum = 3
        raise RuntimeError("halverwege")
    assert store.load(SLUG).maximum == 15 and store.load(SLUG).version == 1
    with pytest.raises(RuntimeError), store.editing(SLUG, purpose="test") as prog:
        prog.maximum = 4
        store.save(prog, what="maximum 4")
        raise RuntimeError("na het bewaren")
    assert store.load(SLUG).maximum == 4 and store.load(SLUG).version == 2
    with pytest.raises(WijkanalyseError, match="'bestaat-niet' bestaat niet in de inhoud"):
        store.load("bestaat-niet")
    with pytest.raises(WijkanalyseError, match="Ongeldige programmanaam"):
        store.load("../etc")


def _file_programmes(folder: Path) -> dict[str, dict[str, object]]:
    """The 2016 fixture and the generated 40 as JSON files, each saved a few times (history)."""
    files = FileStore(folder)
    prog = read_definition(DATA / "programma-2016.yaml")
    files.save(prog, what="programma aangemaakt uit programma-2016.yaml")
    prog.registrations = _programme_2016().registrations
    files.save(prog, what="12 aanmeldingen", who="team@example.nl")
    prog.paid = {"p02": "2016-12-01"}
    files.save(prog, what="betaling p02 op 2016-12-01")
    forty = _programme_2016("aanmeldingen-gegenereerd-40.csv")
    forty.slug = "gegenereerd-40"
    files.save(forty, what="40 gegenereerde aanmeldingen")
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


def test_json_files_come_in_identical_with_history_and_idempotently(
        content: ContentStore, tmp_path: Path) -> None:
    originals = _file_programmes(tmp_path / "prog")
    store = ContentProgrammeStore(content)
    done = import_folder(store, tmp_path / "prog")
    assert [(d.slug, d.status, d.history) for d in done] == [
        ("gegenereerd-40", "overgenomen", 1), (SLUG, "overgenomen", 3)]
    for slug, original in originals.items():
        assert programme_to_dict(store.load(slug)) == original
    assert len(store.load("gegenereerd-40").registrations) == 40
    assert store.load(SLUG).version == 3
    versions = store.tables.versions(SLUG)
    assert [(v["version"], v["who"]) for v in versions] == [
        (1, ""), (2, "team@example.nl"), (3, "")]
    assert [v["document"] is None for v in versions] == [True, True, False]
    again = import_folder(store, tmp_path / "prog")
    assert [d.status for d in again] == ["al aanwezig", "al aanwezig"]
    assert store.load(SLUG).version == 3
    prog = store.load(SLUG)
    store.save(prog, what="na het overnemen")
    assert store.load(SLUG).version == 4
    clash = import_folder(store, tmp_path / "prog")
    assert [d.status for d in clash] == ["al aanwezig", "conflict"]
    assert store.load(SLUG).history[-1]["what"] == "na het overnemen"


def test_upgrade_from_the_first_schema_keeps_the_content(content_url: str) -> None:
    engine = make_engine(content_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    assert current_revision(engine) == "0001"
    old = ContentStore(engine, url=content_url)
    user = old.add_user(name="Beheerder", email="b@example.nl", password="lang-genoeg-12",
                        role="beheerder")
    when = "2024-05-02T10:00:00+00:00"
    assert old.add_story({
        "kind": "verhaal", "area_code": "WK011443", "title": "Buurthuis weer open",
        "author": "Ans", "story_date": "2024-05-01", "body_markdown": "Open.", "tags": [],
        "meta": {}, "created_at": when, "updated_at": when, "source_file": None,
        "removed_at": None, "removed_by": None}, changed_by="Ans", changed_at=when) == 1
    upgrade(engine)
    assert current_revision(engine) == head_revision() == "0002_programme"
    with open_content(content_url) as content:
        assert content.find_user("b@example.nl") == user
        assert content.story(1)["title"] == "Buurthuis weer open"
        store = ContentProgrammeStore(content)
        store.save(_programme_2016(), what="nieuw")
        assert store.list() == [SLUG]
    engine.dispose()
