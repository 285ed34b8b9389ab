"""Tests of wijkanalyse.verhalen.stories: verhalen and aanpakken attached to areas.

Stories are written to a copy of the database built from ../shared/data (``built_db``); the
areas they are attached to are real regions of that data: Lelystad's wijk Kustwijk
(WK099506) with the buurten Jol (BU09950633), Galjoen (BU09950634), "Park, Jol, Gajoen"
(BU09950635), Galjoen Zuid (BU09950637) and Karveel Oost (BU09950611); Emmen's Angelslo
(wijk WK011443 and its buurt BU01144300). The Markdown files are generated in the tests.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from wijkanalyse import store
from wijkanalyse.content import open_content
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.gebieden.areas import define_area
from wijkanalyse.model import Story, Subject
from wijkanalyse.verhalen import (
    HISTORY_COLUMNS,
    LIST_COLUMNS,
    TABLES,
    StoryError,
    StoryFileError,
    add_story,
    add_story_from_file,
    get_story,
    list_stories,
    remove_story,
    render_markdown,
    stories_for,
    story_history,
    update_story,
    update_story_from_file,
)

JOL, GALJOEN, PARK, GALJOEN_ZUID = "BU09950633", "BU09950634", "BU09950635", "BU09950637"
JOL_GALJOEN = [JOL, GALJOEN, PARK, GALJOEN_ZUID]
KARVEEL_OOST = "BU09950611"
KUSTWIJK = "WK099506"
LELYSTAD = "GM0995"

JOL_GALJOEN_SUBJECT = Subject(
    kind="gebied", id="jol-galjoen", name="Jol/Galjoen", gemeente_code=LELYSTAD,
    gemeente_name="Lelystad", level="buurt", members=JOL_GALJOEN, wijk_codes=[KUSTWIJK])
KUSTWIJK_SUBJECT = Subject(
    kind="wijk", id=KUSTWIJK, name="Kustwijk", gemeente_code=LELYSTAD,
    gemeente_name="Lelystad", level="wijk", members=[KUSTWIJK], wijk_codes=[KUSTWIJK])
JOL_SUBJECT = Subject(
    kind="buurt", id=JOL, name="Jol", gemeente_code=LELYSTAD, gemeente_name="Lelystad",
    level="buurt", members=[JOL], wijk_codes=[KUSTWIJK])


@pytest.fixture
def con(built_db: Path, tmp_path: Path):
    """A writable copy of the built database (the session database is never written)."""
    target = tmp_path / "wijkanalyse.duckdb"
    shutil.copy(built_db, target)
    c = store.connect(target)
    yield c
    c.close()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _add(con, cs, **kw) -> Story:
    values = {"area": JOL, "title": "Titel", "author": "A. de Vries",
              "body_markdown": "Tekst.", "date": "2024-05-01"}
    values.update(kw)
    return add_story(con, cs, **values)


@pytest.fixture
def cs(tmp_path: Path):
    """The content store next to the copy (SQLite, empty): the stories are written here."""
    c = open_content(db_path=tmp_path / "wijkanalyse.duckdb")
    yield c
    c.close()


# --------------------------------------------------------------------------- tables


def test_stories_live_in_the_content_store_not_in_the_analytical_database(con, cs) -> None:
    story = _add(con, cs)
    assert TABLES == ("stories", "story_history")
    assert not store.tables_exist(con, ("stories",))
    assert not store.tables_exist(con, ("story_history",))
    assert [r["story_id"] for r in cs.story_rows()] == [story.story_id]
    assert list(cs.story(story.story_id)) == [
        "story_id", "kind", "area_code", "title", "author", "story_date", "body_markdown",
        "tags", "meta", "created_at", "updated_at", "source_file", "removed_at", "removed_by"]
    assert (cs.story(story.story_id)["story_date"], cs.story(story.story_id)["tags"]) == (
        "2024-05-01", [])


def test_read_only_database(built_db: Path, tmp_path: Path) -> None:
    """The analytical database is only read: a read-only connection is enough to add."""
    ro = store.connect(built_db, read_only=True)
    cs = open_content(f"sqlite:///{tmp_path / 'inhoud.sqlite'}")
    try:
        frame = list_stories(ro, cs)
        assert frame.empty and list(frame.columns) == LIST_COLUMNS
        assert list_stories(ro, None).empty
        assert stories_for(ro, cs, KUSTWIJK_SUBJECT) == ([], [])
        assert stories_for(ro, None, KUSTWIJK_SUBJECT) == ([], [])
        with pytest.raises(StoryError, match="verhaal 1 bestaat niet"):
            get_story(cs, 1)
        story = _add(ro, cs, area=KUSTWIJK)
        assert get_story(cs, story.story_id) == story
        assert [s.title for s in stories_for(ro, cs, KUSTWIJK_SUBJECT)[0]] == ["Titel"]
    finally:
        ro.close()
        cs.close()


def test_add_story_from_file_with_front_matter(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "jol.md", (
        "---\n"
        "titel: Gesprek met bewoners van de Jol\n"
        "auteur: A. de Vries\n"
        "datum: 2024-05-01\n"
        f"gebied: {JOL}\n"
        "tags: [bewoners, veiligheid]\n"
        "---\n"
        "\n"
        "Bewoners vertellen over **de speeltuin**.\n"
        "\n"
        "- meer licht\n"
        "- minder overlast\n"
    ))
    story = add_story_from_file(con, cs, path)
    assert story.story_id == 1
    assert (story.kind, story.area_code, story.title, story.author, story.date) == (
        "verhaal", JOL, "Gesprek met bewoners van de Jol", "A. de Vries", "2024-05-01")
    assert story.tags == ["bewoners", "veiligheid"]
    assert story.meta == {}
    assert story.body_markdown == (
        "Bewoners vertellen over **de speeltuin**.\n\n- meer licht\n- minder overlast")
    assert story.body_html == (
        "<p>Bewoners vertellen over <strong>de speeltuin</strong>.</p>\n"
        "<ul>\n<li>meer licht</li>\n<li>minder overlast</li>\n</ul>\n")
    assert get_story(cs, 1) == story
    row = list_stories(con, cs).iloc[0]
    assert row["source_file"] == str(path.resolve())
    assert row["area_name"] == "Jol"
    assert row["version"] == 1
    history = story_history(cs, 1)
    assert history[["version", "changed_by", "action"]].values.tolist() == [
        [1, "A. de Vries", "add"]]
    assert json.loads(history.iloc[0]["snapshot"])["title"] == "Gesprek met bewoners van de Jol"


def test_add_aanpak_from_file_with_dutch_meta_keys(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "aanpak.md", (
        "---\n"
        "titel: Wijkaanpak Kustwijk\n"
        "auteur: B. Jansen\n"
        "datum: 2023-01-15\n"
        "gebied: Kustwijk\n"  # a unique name resolves to its code
        "soort: aanpak\n"
        "partners: [Centrada, gemeente Lelystad, politie]\n"
        "financiering: Regio Deal\n"
        "startjaar: 2016\n"
        "eindjaar: 2022\n"
        "status: afgerond\n"
        "resultaat: 120 woningen gerenoveerd\n"
        "tags: fysiek, sociaal\n"
        "---\n"
        "Samenwerking van corporatie, gemeente en politie.\n"
    ))
    story = add_story_from_file(con, cs, path)
    assert (story.kind, story.area_code, story.date) == ("aanpak", KUSTWIJK, "2023-01-15")
    assert story.tags == ["fysiek", "sociaal"]
    assert story.meta == {
        "partners": ["Centrada", "gemeente Lelystad", "politie"], "funding": "Regio Deal",
        "start_year": 2016, "end_year": 2022, "status": "afgerond",
        "result": "120 woningen gerenoveerd"}


def test_title_from_heading_and_options_override_the_file(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "notitie.md", (
        "---\nauteur: Uit het bestand\ngebied: WK011443\nsoort: aanpak\n---\n\n"
        "# Veldnotitie Galjoen\n\nRondgang met de wijkagent.\n"
    ))
    story = add_story_from_file(con, cs, path, area=GALJOEN, author="C. Bakker", kind="verhaal")
    assert (story.title, story.area_code, story.author, story.kind) == (
        "Veldnotitie Galjoen", GALJOEN, "C. Bakker", "verhaal")
    assert story.body_markdown == "Rondgang met de wijkagent."
    assert story.date == date.today().isoformat()  # no datum: today


def test_gemeente_in_front_matter_settles_an_ambiguous_name(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "meerwijk.md", (
        "---\ntitel: Brug naar Meerwijk\nauteur: E\ngebied: Meerwijk\ngemeente: Haarlem\n"
        "datum: 2022-11-11\n---\nTekst\n"))
    assert add_story_from_file(con, cs, path).area_code == "WK039221"
    # in Uithoorn, Meerwijk is a wijk and a buurt of another wijk: still ambiguous
    with pytest.raises(StoryFileError, match=r"2 gebieden passen:\n  - WK045165") as exc:
        add_story_from_file(con, cs, path, gemeente="Uithoorn")
    assert exc.value.line == 4


def test_file_without_front_matter(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "kaal.md", "# Gesprek in de Jol\n\nKorte notitie.\n")
    # "Jol" is also the 2015 code BU09952333 (recoded buurt: a name would need --jaar)
    story = add_story_from_file(con, cs, path, area="BU09950633", author="D")
    assert (story.title, story.area_code, story.body_markdown) == (
        "Gesprek in de Jol", JOL, "Korte notitie.")


def test_add_story_to_user_area_and_duplicate_refused(con, cs) -> None:
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    story = _add(con, cs, area="Jol/Galjoen", tags="a, b, a")
    assert story.area_code == "jol-galjoen"
    assert _add(con, cs, area="jol galjoen", title="Via de id").area_code == "jol-galjoen"
    assert story.tags == ["a", "b"]
    with pytest.raises(StoryError, match=r"staat er al in als nummer 1 .*verhaal update 1"):
        _add(con, cs, area="jol-galjoen", tags="a, b, a")
    assert len(list_stories(con, cs)) == 2


# --------------------------------------------------------------------------- validation


def test_unknown_area_suggests_close_names_and_codes(con, cs) -> None:
    with pytest.raises(StoryError) as exc:
        _add(con, cs, area="Kustwyk")
    assert exc.value.field == "area"
    assert "gebied 'Kustwyk' bestaat niet" in str(exc.value)
    assert "Bedoelt u WK099506 (wijk Kustwijk, Lelystad)?" in str(exc.value)
    with pytest.raises(StoryError) as exc:
        _add(con, cs, area="WK011499")
    assert ("Bedoelt u WK011449 (wijk Delftlanden, Emmen) of WK011409 (wijk Zwartemeer, "
            "Emmen)") in str(exc.value)
    with pytest.raises(StoryError) as exc:
        _add(con, cs, area="Angelsloo")
    assert "Bedoelt u WK011443 (wijk Angelslo, Emmen) of BU01144300 (buurt Angelslo, Emmen)" \
        in str(exc.value)


def test_ambiguous_area_name_lists_candidates_and_gemeente_settles_it(con, cs) -> None:
    with pytest.raises(StoryError) as exc:
        _add(con, cs, area="Vogelwijk")
    assert exc.value.field == "area"
    message = str(exc.value)
    assert "'Vogelwijk' is niet eenduidig; 6 gebieden passen:" in message
    for part in ("WK051813: Vogelwijk (wijk in 's-Gravenhage",
                 "WK055314: Vogelwijk (wijk in Lisse", "BU00803004: Vogelwijk (buurt in Leeuwarden",
                 "BU03550304: Vogelwijk (buurt in Zeist)", "--gemeente"):
        assert part in message
    assert _add(con, cs, area="Vogelwijk", gemeente="Den Haag").area_code == "WK051813"
    # a name unique in a shipped set is that set's area, as for the profile (rule 6)
    assert _add(con, cs, area="Meerwijk", title="Via de programmanaam").area_code == "WK039221"
    with pytest.raises(StoryError, match="'Kustwijk' ligt niet in gemeente Emmen"):
        _add(con, cs, area="Kustwijk", gemeente="Emmen")


def test_area_resolved_as_the_profile_subject(con, cs) -> None:
    # the wijk is preferred over its same-named buurt, as in 'wijkanalyse profiel Angelslo'
    assert _add(con, cs, area="Angelslo", title="a").area_code == "WK011443"
    assert _add(con, cs, area="Emmen - Angelslo", title="b").area_code == "WK011443"
    # areas of the shipped programme set: one region gives its code, several the area id
    assert _add(con, cs, area="Selwerd", title="c").area_code == "BU00141000"
    assert _add(con, cs, area="Jol/Galjoen", title="d").area_code == "jol-galjoen"
    assert list_stories(con, cs, area="jol-galjoen")["area_name"].tolist() == ["Jol/Galjoen"]
    with pytest.raises(StoryError, match="NL00 is Nederland als geheel"):
        _add(con, cs, area="NL00")


@pytest.mark.parametrize(
    ("kwargs", "pattern", "field"),
    [
        ({"date": "1-5-2024"}, r"ongeldige datum '1-5-2024': schrijf de datum als JJJJ-MM-DD",
         "date"),
        ({"date": "2024-02-30"}, r"ongeldige datum '2024-02-30'", "date"),
        ({"date": (date.today() + timedelta(days=1)).isoformat()}, r"ligt in de toekomst",
         "date"),
        ({"author": "  "}, r"de auteur is verplicht", "author"),
        ({"title": ""}, r"de titel is verplicht", "title"),
        ({"body_markdown": "\n  \n"}, r"de tekst is leeg", "body_markdown"),
        ({"kind": "verhal"}, r"onbekende soort 'verhal'.*Bedoelt u 'verhaal'\?", "kind"),
        ({"meta": {"startjaar": 2016}}, r"'startjaar' hoort bij een aanpak", "meta.start_year"),
        ({"kind": "aanpak", "meta": {"status": "klaar"}},
         r"onbekende status 'klaar'; kies uit gepland, lopend, afgerond, gestopt", "meta.status"),
        ({"kind": "aanpak", "meta": {"start_year": 2020, "end_year": 2018}},
         r"het eindjaar 2018 ligt voor het startjaar 2020", "meta.end_year"),
        ({"kind": "aanpak", "meta": {"budget": 5}}, r"onbekend gegeven 'budget'", "meta"),
    ],
)
def test_invalid_values_are_named(con, cs, kwargs: dict, pattern: str, field: str) -> None:
    with pytest.raises(StoryError, match=pattern) as exc:
        _add(con, cs, **kwargs)
    assert exc.value.field == field
    assert isinstance(exc.value, WijkanalyseError)
    assert cs.story_rows(include_removed=True) == []


def test_bad_date_in_file_names_value_file_and_line(con, cs, tmp_path: Path) -> None:
    path = _write(tmp_path / "datum.md", (
        "---\ntitel: Gesprek\nauteur: A\ngebied: WK099506\ndatum: 2024-13-01\n---\nTekst\n"))
    with pytest.raises(StoryFileError) as exc:
        add_story_from_file(con, cs, path)
    assert exc.value.line == 5
    assert isinstance(exc.value, DataFileError) and isinstance(exc.value, StoryError)
    assert str(exc.value) == (
        f"{path}, regel 5: ongeldige datum '2024-13-01': schrijf de datum als JJJJ-MM-DD, "
        "bijvoorbeeld 2024-05-01.")


@pytest.mark.parametrize(
    ("text", "line", "pattern"),
    [
        ("---\ntitel: [Gesprek\n---\nTekst\n", 2, r"ongeldige kop \(YAML\)"),
        ("---\nauteur: A\ngebied: WK099506\n---\n\nGeen kop.\n", 1, r"titel ontbreekt"),
        ("---\ntitel: T\nauthor: A\n---\nTekst\n", 3,
         r"onbekende sleutel 'author' in de kop\. Bedoelt u 'auteur'\?"),
        ("---\ntitel: T\nauteur: A\n# vergeten af te sluiten\n", 1, r"niet afgesloten"),
        ("---\ntitel: T\nauteur: A\ngebied: Kustwyk\n---\nTekst\n", 4,
         r"gebied 'Kustwyk' bestaat niet.*WK099506 \(wijk Kustwijk, Lelystad\)"),
        ("---\ntitel: T\ngebied: WK099506\n---\nTekst\n", 1, r"auteur ontbreekt"),
        ("---\ntitel: T\nauteur: A\ngebied: WK099506\nstartjaar: 2016\n---\nTekst\n", 5,
         r"'startjaar' hoort bij een aanpak"),
        ("---\ntitel: T\nauteur: A\ngebied: WK099506\ntitel: U\n---\nTekst\n", 5,
         r"sleutel 'titel' staat twee keer in de kop \(ook op regel 2\)"),
        ("---\ntitel: T\nauteur: A\ngebied: WK099506\n---\n\n   \n", 6, r"de tekst is leeg"),
        ("---\ntitel: [a, b]\nauteur: A\n---\nTekst\n", 2, r"'titel' moet één waarde zijn"),
    ],
)
def test_file_errors_name_file_and_line(con, cs, tmp_path: Path, text: str, line: int,
                                        pattern: str) -> None:
    path = _write(tmp_path / "fout.md", text)
    with pytest.raises(StoryFileError, match=pattern) as exc:
        add_story_from_file(con, cs, path)
    assert exc.value.path == path
    assert exc.value.line == line
    assert str(exc.value).startswith(f"{path}, regel {line}: ")


def test_missing_file_and_override_errors(con, cs, tmp_path: Path) -> None:
    with pytest.raises(StoryFileError, match="bestand bestaat niet"):
        add_story_from_file(con, cs, tmp_path / "weg.md")
    path = _write(tmp_path / "ok.md", "---\ntitel: T\nauteur: A\ngebied: WK099506\n---\nTekst\n")
    with pytest.raises(StoryFileError, match=r"onbekende soort 'x'.*opgegeven bij de opdracht"
                       ) as exc:
        add_story_from_file(con, cs, path, kind="x")
    assert exc.value.line is None


# --------------------------------------------------------------------------- listing


def test_list_by_area_and_kind_newest_first(con, cs) -> None:
    a = _add(con, cs, area=JOL, title="Oud", date="2019-03-01")
    b = _add(con, cs, area=JOL, title="Nieuw", date="2024-03-01")
    c = _add(con, cs, area=KUSTWIJK, title="Aanpak", date="2021-06-30", kind="aanpak",
             meta={"status": "lopend"})
    d = _add(con, cs, area="BU01144300", title="Angelslo", date="2022-01-01")
    frame = list_stories(con, cs)
    assert list(frame.columns) == LIST_COLUMNS
    assert frame["story_id"].tolist() == [b.story_id, d.story_id, c.story_id, a.story_id]
    jol = list_stories(con, cs, area=JOL)
    assert jol[["story_id", "title", "story_date", "area_name"]].values.tolist() == [
        [b.story_id, "Nieuw", "2024-03-01", "Jol"], [a.story_id, "Oud", "2019-03-01", "Jol"]]
    assert list_stories(con, cs, area="kustwijk")["story_id"].tolist() == [c.story_id]
    assert list_stories(con, cs, kind="aanpak")["meta"].tolist() == [{"status": "lopend"}]
    assert list_stories(con, cs, area=JOL, kind="aanpak").empty
    assert list_stories(con, cs, area=GALJOEN).empty
    with pytest.raises(StoryError, match="gebied 'Kustwyk' bestaat niet"):
        list_stories(con, cs, area="Kustwyk")


# --------------------------------------------------------------------------- profiles


def _setup_lelystad(con, cs) -> dict[str, int]:
    """Stories on Jol/Galjoen, around it, elsewhere; returns their ids by name."""
    define_area(con, name="Jol/Galjoen", codes=JOL_GALJOEN)
    ids = {
        "jol": _add(con, cs, area=JOL, title="Jol", date="2024-05-01").story_id,
        "kustwijk": _add(con, cs, area=KUSTWIJK, title="Kustwijk", date="2023-01-15",
                         kind="aanpak", meta={"start_year": 2016}).story_id,
        "gebied": _add(con, cs, area="jol-galjoen", title="Gebied", date="2024-06-01").story_id,
        "galjoen": _add(con, cs, area=GALJOEN, title="Galjoen", date="2020-02-02",
                        kind="aanpak").story_id,
        "karveel": _add(con, cs, area=KARVEEL_OOST, title="Karveel", date="2024-06-02").story_id,
        "lelystad": _add(con, cs, area=LELYSTAD, title="Lelystad", date="2024-06-03").story_id,
        "angelslo": _add(con, cs, area="WK011443", title="Angelslo", date="2024-06-04").story_id,
        "weg": _add(con, cs, area=PARK, title="Verwijderd", date="2024-07-01").story_id,
    }
    remove_story(cs, ids["weg"], removed_by="beheerder")
    return ids


def test_stories_for_a_set_of_buurten(con, cs) -> None:
    ids = _setup_lelystad(con, cs)
    verhalen, aanpakken = stories_for(con, cs, JOL_GALJOEN_SUBJECT)
    assert [s.story_id for s in verhalen] == [ids["gebied"], ids["jol"]]  # newest first
    assert [s.story_id for s in aanpakken] == [ids["kustwijk"], ids["galjoen"]]
    links = {s.title: (s.meta["gekoppeld_aan"], s.meta["koppeling"], s.meta["koppeling_tekst"])
             for s in verhalen + aanpakken}
    assert links == {
        "Gebied": ("jol-galjoen", "eigen", "Over dit gebied."),
        "Jol": (JOL, "deel", "Over buurt Jol, een deel van dit gebied."),
        "Kustwijk": (KUSTWIJK, "omvattend", "Over wijk Kustwijk, waarin dit gebied ligt."),
        "Galjoen": (GALJOEN, "deel", "Over buurt Galjoen, een deel van dit gebied."),
    }
    kustwijk = next(s for s in aanpakken if s.title == "Kustwijk")
    assert kustwijk.meta["start_year"] == 2016
    assert kustwijk.meta["gekoppeld_aan_naam"] == "Kustwijk"
    # the stored meta is not changed by the profile's annotations
    assert get_story(cs, ids["kustwijk"]).meta == {"start_year": 2016}


def test_stories_for_a_shipped_programme_area(con, cs) -> None:
    from wijkanalyse.gebieden.subjects import resolve_subject

    gebied = _add(con, cs, area="Lelystad - Jol/Galjoen", title="Programma", date="2016-09-01",
                  kind="aanpak", meta={"start_year": 2016, "status": "afgerond"})
    jol = _add(con, cs, area=JOL, title="Jol", date="2024-05-01")
    _add(con, cs, area="BU09950638", title="Bedrijventerrein Jol", date="2024-05-02")
    subject = resolve_subject(con, "Jol/Galjoen")
    verhalen, aanpakken = stories_for(con, cs, subject)
    assert [s.story_id for s in verhalen] == [jol.story_id]  # BU09950638 is not a member
    assert [(s.story_id, s.meta["koppeling_tekst"]) for s in aanpakken] == [
        (gebied.story_id, "Over dit gebied.")]
    _, aanpakken = stories_for(con, cs, JOL_SUBJECT)
    assert [(s.story_id, s.meta["koppeling_tekst"]) for s in aanpakken] == [
        (gebied.story_id, "Over gebied Jol/Galjoen, waarin deze buurt ligt.")]


def test_stories_for_a_wijk_and_a_buurt(con, cs) -> None:
    ids = _setup_lelystad(con, cs)
    verhalen, aanpakken = stories_for(con, cs, KUSTWIJK_SUBJECT)
    assert [s.story_id for s in verhalen] == [ids["karveel"], ids["gebied"], ids["jol"]]
    assert [s.story_id for s in aanpakken] == [ids["kustwijk"], ids["galjoen"]]
    assert verhalen[1].meta["koppeling_tekst"] == "Over gebied Jol/Galjoen, een deel van deze wijk."
    assert aanpakken[0].meta["koppeling"] == "eigen"

    verhalen, aanpakken = stories_for(con, cs, JOL_SUBJECT)
    assert [(s.story_id, s.meta["koppeling"]) for s in verhalen] == [
        (ids["gebied"], "omvattend"), (ids["jol"], "eigen")]
    assert [(s.story_id, s.meta["koppeling_tekst"]) for s in aanpakken] == [
        (ids["kustwijk"], "Over wijk Kustwijk, waarin deze buurt ligt.")]

    lelystad = Subject(kind="gemeente", id=LELYSTAD, name="Lelystad", gemeente_code=LELYSTAD,
                       gemeente_name="Lelystad", level="gemeente", members=[LELYSTAD])
    verhalen, _ = stories_for(con, cs, lelystad)
    assert [s.story_id for s in verhalen] == [
        ids["lelystad"], ids["karveel"], ids["gebied"], ids["jol"]]


# --------------------------------------------------------------------------- history


def test_history_keeps_every_version_after_update_and_remove(con, cs) -> None:
    story = _add(con, cs, title="Eerste titel", tags=["a"], body_markdown="Versie één.")
    update_story(con, cs, story.story_id, changed_by="Redactie", title="Tweede titel",
                 date=None, tags=None)  # None: not given
    changed = update_story(con, cs, story.story_id, changed_by="Redactie", tags=["a", "b"],
                           date="2024-05-02", body_markdown="Versie **twee**.")
    assert (changed.title, changed.tags, changed.date) == ("Tweede titel", ["a", "b"],
                                                           "2024-05-02")
    remove_story(cs, story.story_id, removed_by="Beheer")

    history = story_history(cs, story.story_id)
    assert list(history.columns) == HISTORY_COLUMNS
    assert history[["version", "changed_by", "action", "changed_fields", "title"]
                   ].values.tolist() == [
        [1, "A. de Vries", "add", "", "Eerste titel"],
        [2, "Redactie", "update", "titel", "Tweede titel"],
        [3, "Redactie", "update", "datum, tekst, tags", "Tweede titel"],
        [4, "Beheer", "remove", "", "Tweede titel"],
    ]
    snaps = [json.loads(s) for s in history["snapshot"]]
    assert [s["body_markdown"] for s in snaps] == [
        "Versie één.", "Versie één.", "Versie **twee**.", "Versie **twee**."]
    assert snaps[0]["tags"] == ["a"] and snaps[0]["removed_at"] is None
    assert snaps[3]["removed_by"] == "Beheer"

    # soft delete: row kept, no longer listed or shown, history intact
    assert cs.story(story.story_id)["removed_by"] == "Beheer"
    assert list_stories(con, cs).empty
    assert list_stories(con, cs, include_removed=True)["removed_by"].tolist() == ["Beheer"]
    with pytest.raises(StoryError, match=r"verhaal 1 is verwijderd op .* door Beheer"):
        get_story(cs, story.story_id)
    assert get_story(cs, story.story_id, include_removed=True).title == "Tweede titel"
    with pytest.raises(StoryError, match="is verwijderd"):
        update_story(con, cs, story.story_id, changed_by="X", title="Derde")
    with pytest.raises(StoryError, match="is verwijderd"):
        remove_story(cs, story.story_id, removed_by="X")
    assert len(story_history(cs, story.story_id)) == 4
    # numbers are never reused
    assert _add(con, cs, title="Nieuw").story_id == 2


def test_update_meta_merges_and_validates(con, cs) -> None:
    story = _add(con, cs, area=KUSTWIJK, kind="aanpak", meta={"partners": ["Centrada"],
                                                          "startjaar": 2016})
    new = update_story(con, cs, story.story_id, changed_by="B",
                       meta={"eindjaar": 2024, "status": "afgerond"})
    assert new.meta == {"partners": ["Centrada"], "start_year": 2016, "end_year": 2024,
                        "status": "afgerond"}
    new = update_story(con, cs, story.story_id, changed_by="B", meta={"partners": None})
    assert "partners" not in new.meta
    assert story_history(cs, story.story_id)["changed_fields"].tolist() == [
        "", "eindjaar, status", "partners"]
    with pytest.raises(StoryError, match="hoort bij een aanpak, niet bij een verhaal"):
        update_story(con, cs, story.story_id, changed_by="B", kind="verhaal")
    with pytest.raises(StoryError, match="niet gewijzigd"):
        update_story(con, cs, story.story_id, changed_by="B", meta={"status": "afgerond"})
    with pytest.raises(StoryError, match="onbekend\\(e\\) veld\\(en\\) status"):
        update_story(con, cs, story.story_id, changed_by="B", status="afgerond")
    with pytest.raises(StoryError, match="de naam van wie wijzigt is verplicht"):
        update_story(con, cs, story.story_id, changed_by=" ", title="X")
    with pytest.raises(StoryError, match="verhaal 9 bestaat niet"):
        update_story(con, cs, 9, changed_by="B", title="X")
    assert len(story_history(cs, story.story_id)) == 3


def test_update_from_file(con, cs, tmp_path: Path) -> None:
    first = _write(tmp_path / "v1.md", (
        "---\ntitel: Gesprek\nauteur: A\ngebied: WK099506\ndatum: 2024-05-01\n---\nEen.\n"))
    story = add_story_from_file(con, cs, first)
    second = _write(tmp_path / "v2.md", "# Gesprek, uitgewerkt\n\nEen en twee.\n")
    new = update_story_from_file(con, cs, story.story_id, second, changed_by="Redactie")
    assert (new.title, new.body_markdown, new.date, new.area_code) == (
        "Gesprek, uitgewerkt", "Een en twee.", "2024-05-01", KUSTWIJK)
    history = story_history(cs, story.story_id)
    assert history["changed_fields"].tolist() == ["", "titel, tekst, bestand"]
    assert json.loads(history["snapshot"].iloc[1])["source_file"] == str(second.resolve())
    bad = _write(tmp_path / "v3.md", "---\ndatum: gisteren\n---\nTekst\n")
    with pytest.raises(StoryFileError) as exc:
        update_story_from_file(con, cs, story.story_id, bad, changed_by="Redactie")
    assert (exc.value.line, exc.value.field) == (2, "date")


# --------------------------------------------------------------------------- safe rendering


class _Elements(HTMLParser):
    """Start tags and attributes of an HTML fragment (attribute values unescaped)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "strong", "em", "a", "code", "pre", "h4", "h5", "h6", "ul", "ol", "li",
             "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "s"}


def assert_safe(html: str) -> list[tuple[str, dict]]:
    """No script, image, event handler or unsafe URL can be active in ``html``."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in SAFE_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in {"href", "rel", "title", "class", "style", "start"}, name
            if name == "href":
                assert re.match(r"^(https?://|mailto:|#)", value or ""), value
            if name == "style":
                assert re.fullmatch(r"text-align:(left|right|center)", value or ""), value
            if name == "class":
                assert re.fullmatch(r"language-\S*|afbeelding", value or ""), value
    return parser.elements


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
        ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"),
        ("[x](jav&#x61;script:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
        ('<a href="https://x.nl" onclick="alert(1)">x</a>',
         "<p>&lt;a href=&quot;https://x.nl&quot; onclick=&quot;alert(1)&quot;&gt;x&lt;/a&gt;"
         "</p>\n"),
        ('<div onclick="alert(1)">\nblok\n</div>',
         "<p>&lt;div onclick=&quot;alert(1)&quot;&gt;\nblok\n&lt;/div&gt;</p>\n"),
        ('[x](https://x.nl "t\\" onclick=")',
         '<p><a href="https://x.nl" title="t&quot; onclick=" '
         'rel="nofollow noopener noreferrer">x</a></p>\n'),
        ("```\" onclick=\"alert(1)\ncode\n```", "<pre><code>code\n</code></pre>\n"),
        ("[d](data:text/html,<script>alert(1)</script>)",
         "<p>[d](data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;)</p>\n"),
        ("[ref]\n\n[ref]: javascript:alert(1)",
         "<p>[ref]</p>\n<p>[ref]: javascript:alert(1)</p>\n"),
    ],
)
def test_render_markdown_never_makes_stored_text_executable(text: str, expected: str) -> None:
    html = render_markdown(text)
    assert html == expected
    elements = assert_safe(html)
    assert all(tag != "script" and tag != "img" for tag, _ in elements)
    assert "<script" not in html and "<img" not in html and "<div" not in html


def test_render_markdown_links_images_and_headings() -> None:
    html = render_markdown(
        "# Kop\n\n## Sub\n\n[site](https://www.lelystad.nl) [mail](mailto:wijk@lelystad.nl) "
        "[rel](verslag.html) [proto](//evil.example) [anker](#top)\n\n"
        "![Foto *speeltuin*](https://example.org/foto.jpg) ![data](data:image/png;base64,AAAA)")
    assert html == (
        "<h4>Kop</h4>\n<h5>Sub</h5>\n"
        '<p><a href="https://www.lelystad.nl" rel="nofollow noopener noreferrer">site</a> '
        '<a href="mailto:wijk@lelystad.nl" rel="nofollow noopener noreferrer">mail</a> '
        "[rel](verslag.html) [proto](//evil.example) "
        '<a href="#top" rel="nofollow noopener noreferrer">anker</a></p>\n'
        '<p><a href="https://example.org/foto.jpg" rel="nofollow noopener noreferrer" '
        'class="afbeelding">[afbeelding: Foto speeltuin]</a> '
        "![data](data:image/png;base64,AAAA)</p>\n")
    assert render_markdown("# Kop", heading_offset=0) == "<h1>Kop</h1>\n"
    table = render_markdown("| wijk | score |\n|:--|--:|\n| Jol | 3,5 |")
    assert '<td style="text-align:right">3,5</td>' in table
    assert_safe(table)


def test_stored_script_is_escaped_in_stories_and_profiles(con, cs) -> None:
    story = _add(con, cs, body_markdown="Hallo <script>alert(1)</script> [x](javascript:alert(1))")
    assert get_story(cs, story.story_id).body_markdown.startswith("Hallo <script>")
    for s in [get_story(cs, story.story_id), *stories_for(con, cs, JOL_SUBJECT)[0]]:
        assert s.body_html == (
            "<p>Hallo &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\n")


_FRAGMENTS = hs.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "onclick=",
    "[", "]", "(", ")", "![", "<", ">", '"', "'", "`", "```", "\n", "\n\n", "# ", "> ", "- ",
    "http://x.nl", "data:", "&#x61;", "&lt;", "=", " ", "*", "|", "---", "<a href=", "alert(1)",
])


@settings(max_examples=300, deadline=None)
@given(hs.lists(hs.one_of(_FRAGMENTS, hs.text(max_size=5)), max_size=40))
def test_render_markdown_is_safe_for_any_text(parts: list[str]) -> None:
    assert_safe(render_markdown("".join(parts)))


def test_errors_are_wijkanalyse_errors() -> None:
    assert issubclass(StoryError, WijkanalyseError)
    assert issubclass(StoryFileError, DataFileError)
    err = StoryFileError(Path("x.md"), "titel ontbreekt", line=1, hint="geef een titel.")
    assert str(err) == "x.md, regel 1: titel ontbreekt\n  Wat te doen: geef een titel."
