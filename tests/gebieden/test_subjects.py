"""Tests of wijkanalyse.gebieden.subjects: what the user typed, resolved to a Subject.

All regions come from the database built from ../shared/data (KWB 2024 nationwide, KWB 2017
and 2019 of Amsterdam, Leefbaarometer per wijk 2002-2024). The names used are real: Meerwijk is
a wijk in Haarlem (WK039221) and in Uithoorn (WK045165, "Wijk 65 Meerwijk", whose buurt
BU04516500 is also called Meerwijk) and a buurt in Bloemendaal (BU03770404) and in Uithoorn's
wijk De Kwakel (BU04518500).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from wijkanalyse import store
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.areas import define_area, remove_area
from wijkanalyse.gebieden.areasetfiles import load_area_set
from wijkanalyse.gebieden.areasets import SetArea
from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectNotFoundError,
    display_name,
    resolve_gemeente,
    resolve_subject,
    subject_for_area_set_entry,
)
from wijkanalyse.model import Subject, SubjectDivision

ANGELSLO = Subject(kind="wijk", id="WK011443", name="Angelslo", gemeente_code="GM0114",
                   gemeente_name="Emmen", level="wijk", members=["WK011443"],
                   wijk_codes=["WK011443"], description="")
JOL_GALJOEN = ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]
# Uithoorn: wijk WK045165 "Wijk 65 Meerwijk" carries the name in every year; wijk WK045185 was
# "Wijk 85 Meerwijk" in 2015-2023 (Wijk- en Buurtkaart 2015/2017, RIVM 2016, wijk_2023_v0) and
# is "Wijk 85 De Kwakel" in the KWB 2024, so it gives way (rule 1a) to its buurt BU04518500
# "Meerwijk", which carries the name in 2024. BU04516500 lies inside WK045165: not listed.
MEERWIJK = {"WK039221": ("wijk", "Haarlem"), "WK045165": ("wijk", "Uithoorn"),
            "BU03770404": ("buurt", "Bloemendaal"), "BU04518500": ("buurt", "Uithoorn")}


@pytest.fixture(scope="module")
def con(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def user_con(built_db: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the built database with user-defined areas."""
    path = tmp_path_factory.mktemp("subjects") / "wijkanalyse.duckdb"
    shutil.copy(built_db, path)
    connection = store.connect(path)
    define_area(connection, name="Selwerd en Selwerderhof",
                codes=["BU00141000", "bu00141004"], description="Twee buurten in Groningen.")
    # a user area named like a CBS buurt in its own gemeente, and one that redefines a
    # programme area (id jol-galjoen) with fewer buurten
    define_area(connection, name="Dolphia", codes=["BU01530807", "BU01530806"])
    define_area(connection, name="Jol/Galjoen", codes=JOL_GALJOEN[:2])
    yield connection
    connection.close()


# ------------------------------------------------------------------------------ regions


@pytest.mark.parametrize("query", ["Angelslo", "Wijk 43 Angelslo", "WK011443", "wk011443 ",
                                   "  angelslo  ", "ANGELSLO"])
def test_angelslo_spellings_give_one_subject(con: duckdb.DuckDBPyConnection,
                                            query: str) -> None:
    # "Angelslo" is also buurt BU01144300 inside the wijk: the wijk is preferred
    assert resolve_subject(con, query) == ANGELSLO
    assert resolve_subject(con, query, gemeente="Emmen") == ANGELSLO
    assert resolve_subject(con, query, gemeente="gm0114") == ANGELSLO


def test_programme_alias_gives_same_region_with_programme_text(
        con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "Emmen - Angelslo")  # an alias of the programme area only
    assert subject.description == "Wijk 43 Angelslo in Emmen (CBS-wijkindeling 2024)."
    assert dataclasses.replace(subject, description="") == ANGELSLO


def test_inner_buurt_still_reachable_by_code(con: duckdb.DuckDBPyConnection) -> None:
    buurt = resolve_subject(con, "BU01144300")
    assert (buurt.kind, buurt.name, buurt.level) == ("buurt", "Angelslo", "buurt")
    assert buurt.wijk_codes == ["WK011443"]
    assert buurt.gemeente_name == "Emmen"


MEERWIJK_RESOLVED = (
    "'Meerwijk' is opgevat als wijk Meerwijk in Haarlem (WK039221): het gebied met die naam "
    "in de meegeleverde set programma-2016 (Programmawijken 2016).\n"
    "Andere gebieden met die naam:\n"
    "  - WK045165: Meerwijk (wijk in Uithoorn)\n"
    "  - BU03770404: Meerwijk (buurt in Bloemendaal)\n"
    "  - BU04518500: Meerwijk (buurt in Uithoorn)\n"
    "Voor een van de andere: voeg --gemeente toe (bijvoorbeeld --gemeente Uithoorn) of "
    "gebruik de code (bijvoorbeeld WK045165).")


def test_meerwijk_is_the_programme_wijk_and_the_others_are_listed(
        con: duckdb.DuckDBPyConnection) -> None:
    # rule 6: Meerwijk is one area of the shipped programme set (Haarlem), so the name means
    # it, although Uithoorn and Bloemendaal have regions of that name too
    subject = resolve_subject(con, "Meerwijk")
    assert subject == resolve_subject(con, "Meerwijk", gemeente="Haarlem")
    assert (subject.id, subject.kind, subject.gemeente_name) == ("WK039221", "wijk", "Haarlem")
    assert subject.resolution == MEERWIJK_RESOLVED
    got = {c["code"]: (c["level"], c["gemeente_name"]) for c in subject.alternatives}
    assert got == {k: v for k, v in MEERWIJK.items() if k != "WK039221"}
    assert [c["code"] for c in subject.alternatives] == ["WK045165", "BU03770404",
                                                         "BU04518500"]
    assert {"code", "name", "level", "gemeente_name", "gemeente_code"} <= set(
        subject.alternatives[0])
    # the same with a year (the programme gives Meerwijk's 2015 code)
    assert resolve_subject(con, "Meerwijk", year=2016).id == "WK039221"
    # the code or the gemeente settles it without a note
    assert resolve_subject(con, "WK039221").resolution == ""
    assert resolve_subject(con, "Meerwijk", gemeente="Haarlem").resolution == ""


def test_buitenhof_is_the_programme_wijk_in_delft(con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "Buitenhof")
    assert (subject.id, subject.kind, subject.name, subject.gemeente_name) == (
        "WK050325", "wijk", "Buitenhof", "Delft")
    assert subject.resolution == (
        "'Buitenhof' is opgevat als wijk Buitenhof in Delft (WK050325): het gebied met die naam "
        "in de meegeleverde set programma-2016 (Programmawijken 2016).\n"
        "Andere gebieden met die naam:\n"
        "  - BU02250203: Buitenhof (buurt in Druten)\n"
        "  - BU09950227: Buitenhof (buurt in Lelystad)\n"
        "Voor een van de andere: voeg --gemeente toe (bijvoorbeeld --gemeente Druten) of "
        "gebruik de code (bijvoorbeeld BU02250203).")
    assert [(c["code"], c["gemeente_name"]) for c in subject.alternatives] == [
        ("BU02250203", "Druten"), ("BU09950227", "Lelystad")]
    # the others stay reachable by gemeente or code
    assert resolve_subject(con, "Buitenhof", gemeente="Lelystad").id == "BU09950227"
    assert resolve_subject(con, "BU02250203").id == "BU02250203"


def test_an_exact_cbs_code_still_wins(con: duckdb.DuckDBPyConnection) -> None:
    uithoorn = resolve_subject(con, "WK045165")
    assert (uithoorn.id, uithoorn.gemeente_name, uithoorn.resolution) == (
        "WK045165", "Uithoorn", "")
    assert resolve_subject(con, "bu03770404").gemeente_name == "Bloemendaal"


def test_an_alias_does_not_make_a_name_unique(con: duckdb.DuckDBPyConnection) -> None:
    # "Oost" is an alias of the programme's Schiedam-Oost and the name of 20 other regions
    with pytest.raises(AmbiguousSubjectError) as info:
        resolve_subject(con, "Oost")
    assert len(info.value.candidates) == 21
    assert "WK060601: Oost (wijk in Schiedam; Programmawijken 2016: Schiedam-Oost)" in str(
        info.value)
    assert "meegeleverde sets" not in str(info.value)


def test_a_name_of_two_set_areas_stays_ambiguous(con: duckdb.DuckDBPyConnection,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A second shipped set (made up here) that calls Uithoorn's wijk WK045165 "Meerwijk":
    the name now means two different areas of the shipped sets, so none is chosen."""
    from wijkanalyse.gebieden import subjects
    from wijkanalyse.gebieden.areasets import AreaSet

    real = subjects.shipped_set_areas()
    other = SetArea(id="meerwijk", name="Meerwijk", gemeente_name="Uithoorn",
                    gemeente_code="GM0451", level="wijk", codes=("WK045165",))
    extra = AreaSet(name="voorbeeld-2030", title="Voorbeeldwijken 2030", description="",
                    areas=(other,))
    monkeypatch.setattr(subjects, "shipped_set_areas", lambda: [*real, (extra, other)])
    with pytest.raises(AmbiguousSubjectError) as info:
        resolve_subject(con, "Meerwijk")
    # the set's Meerwijk beats the buurt Meerwijk of its own gemeente (rule 5)
    got = {c["code"]: (c["level"], c["gemeente_name"]) for c in info.value.candidates}
    assert got == {k: v for k, v in MEERWIJK.items() if k != "BU04518500"}
    message = str(info.value)
    assert message == (
        "'Meerwijk' is niet eenduidig; 3 gebieden passen:\n"
        "  - WK039221: Meerwijk (wijk in Haarlem; Programmawijken 2016: Meerwijk)\n"
        "  - WK045165: Meerwijk (wijk in Uithoorn; Voorbeeldwijken 2030: Meerwijk)\n"
        "  - BU03770404: Meerwijk (buurt in Bloemendaal)\n"
        "De naam hoort bij 2 verschillende gebieden van de meegeleverde sets (programma-2016 "
        "(Programmawijken 2016): wijk Meerwijk in Haarlem (WK039221); voorbeeld-2030 "
        "(Voorbeeldwijken 2030): wijk Meerwijk in Uithoorn (WK045165)), dus wijkanalyse kiest "
        "er geen.\n"
        "Voeg --gemeente toe (bijvoorbeeld --gemeente Haarlem) of gebruik de code "
        "(bijvoorbeeld WK039221).")
    # the same region in two sets is one area: no ambiguity
    same = SetArea(id="meerwijk", name="Meerwijk", gemeente_name="Haarlem",
                   gemeente_code="GM0392", level="wijk", codes=("WK039221",))
    monkeypatch.setattr(subjects, "shipped_set_areas", lambda: [*real, (extra, same)])
    subject = resolve_subject(con, "Meerwijk")
    assert subject.id == "WK039221"
    assert ("in de meegeleverde set programma-2016 (Programmawijken 2016) en voorbeeld-2030 "
            "(Voorbeeldwijken 2030).") in subject.resolution


def test_a_user_area_of_that_name_keeps_it_ambiguous(
        user_con: duckdb.DuckDBPyConnection) -> None:
    define_area(user_con, name="Buitenhof", codes=["BU02250203"])
    try:
        with pytest.raises(AmbiguousSubjectError) as info:
            resolve_subject(user_con, "Buitenhof")
        assert {c["code"] for c in info.value.candidates} == {"buitenhof", "WK050325",
                                                              "BU09950227"}
    finally:
        remove_area(user_con, "buitenhof")


@pytest.mark.parametrize("gemeente", ["Haarlem", "haarlem", "GM0392"])
def test_meerwijk_in_haarlem(con: duckdb.DuckDBPyConnection, gemeente: str) -> None:
    subject = resolve_subject(con, "Meerwijk", gemeente=gemeente)
    # the programme set records Meerwijk's 2015 code (a buurt of wijk Schalkwijk then): the
    # region's subject carries it, by name and by code alike
    meerwijk_2015 = [SubjectDivision(
        years=[2015], level="buurt", members=["BU03920903"],
        reason="Haarlem kreeg in 2016 een nieuwe wijkindeling; in 2015 was Meerwijk een buurt "
               "van wijk Schalkwijk (WK039209).")]
    assert subject == Subject(kind="wijk", id="WK039221", name="Meerwijk",
                              gemeente_code="GM0392", gemeente_name="Haarlem", level="wijk",
                              members=["WK039221"], wijk_codes=["WK039221"],
                              other_years=meerwijk_2015)
    assert resolve_subject(con, "WK039221").other_years == meerwijk_2015
    assert subject.members_in(2015) == ["BU03920903"]
    assert subject.members_in(2017) == subject.members_in(2024) == ["WK039221"]


def test_meerwijk_in_uithoorn_needs_the_code(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AmbiguousSubjectError) as info:
        resolve_subject(con, "Meerwijk", gemeente="Uithoorn")
    assert [c["code"] for c in info.value.candidates] == ["WK045165", "BU04518500"]
    message = str(info.value)
    assert "--gemeente" not in message
    assert "Gebruik de code (bijvoorbeeld WK045165)." in message


def test_name_in_other_gemeente(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SubjectNotFoundError) as info:
        resolve_subject(con, "Meerwijk", gemeente="Emmen")
    assert "wel gevonden in: Bloemendaal, Haarlem, Uithoorn" in str(info.value)


def test_typo_gets_suggestion(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SubjectNotFoundError) as info:
        resolve_subject(con, "Angelsloo")
    assert info.value.suggestions[0] == "Angelslo"
    assert "Bedoelt u 'Angelslo'" in str(info.value)
    with pytest.raises(SubjectNotFoundError) as info:
        resolve_subject(con, "Jol/Galjon")
    assert "Jol/Galjoen" in info.value.suggestions


def test_gemeente_by_name_preferred_over_same_named_wijk(
        con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "Kerkrade")
    assert (subject.kind, subject.id, subject.level) == ("gemeente", "GM0928", "gemeente")
    assert subject.members == ["GM0928"] and subject.wijk_codes == []
    assert resolve_subject(con, "Den Haag").id == "GM0518"  # everyday name of 's-Gravenhage


def test_den_haag_wijk_with_everyday_gemeente_name(con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "Wijk 29 Schildersbuurt", gemeente="Den Haag")
    assert (subject.id, subject.name, subject.gemeente_name) == (
        "WK051829", "Schildersbuurt", "'s-Gravenhage")
    # the everyday name is an alias in the shipped set krachtwijken-2007
    assert resolve_subject(con, "Schilderswijk", gemeente="Den Haag").id == "WK051829"
    with pytest.raises(SubjectNotFoundError) as info:
        resolve_subject(con, "Schilderbuurt", gemeente="Den Haag")
    assert "Schildersbuurt" in info.value.suggestions


def test_recoded_amsterdam_wijk_is_one_area(con: duckdb.DuckDBPyConnection) -> None:
    # CBS code WK036300 (2015 names, RIVM 2016, KWB 2017-2021) and the 2022 code WK0363AE (also
    # in the Leefbaarometer 2002-2024) carry the same name. Since the lineage (issue 12) links
    # WK036300 of 2021 to WK0363AE of 2023 as a renumbering, the name is one area: the latest
    # code, with the old code for the years 2016-2021 (not 2015: then WK036300 was stadsdeel
    # Centrum, which the lineage splits over the wijken of 2016)
    subject = resolve_subject(con, "Burgwallen-Oude Zijde")
    assert subject.id == "WK0363AE"
    assert [(d.years, d.members) for d in subject.other_years] == [
        ([2016, 2017, 2019, 2021], ["WK036300"])]
    assert subject.other_years[0].reason.startswith(
        "op de grenzen van 2024; 2016, 2017, 2019 en 2021 omgerekend (WK036300 → WK0363AE: "
        "hernummerd")
    assert subject.members_in(2019) == ["WK036300"] and subject.members_in(2024) == [
        "WK0363AE"]
    # a year still picks the code of that year
    assert resolve_subject(con, "Burgwallen-Oude Zijde", year=2019).id == "WK036300"
    assert resolve_subject(con, "Burgwallen-Oude Zijde", year=2024).id == "WK0363AE"
    # a year cannot settle a name shared by different gemeenten (Meerwijk, unique in the
    # programme set, is settled by rule 6; Vogelwijk is in no shipped set)
    with pytest.raises(AmbiguousSubjectError):
        resolve_subject(con, "Vogelwijk", year=2016)


def test_codes_errors(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SubjectNotFoundError, match="WK011449"):
        resolve_subject(con, "WK011499")
    with pytest.raises(SubjectNotFoundError, match="ligt in gemeente Emmen, niet in Haarlem"):
        resolve_subject(con, "WK011443", gemeente="Haarlem")
    with pytest.raises(SubjectNotFoundError, match="Nederland als geheel"):
        resolve_subject(con, "NL00")
    with pytest.raises(SubjectNotFoundError, match="Bedoelt u 'Emmen'"):
        resolve_subject(con, "Angelslo", gemeente="Emmeen")
    with pytest.raises(SubjectNotFoundError, match="GM9999 is onbekend"):
        resolve_subject(con, "Angelslo", gemeente="GM9999")
    with pytest.raises(SubjectNotFoundError, match="Geef de naam of code"):
        resolve_subject(con, "   ")


def test_display_name() -> None:
    assert display_name("Wijk 43 Angelslo") == "Angelslo"
    assert display_name("Wijk 00 Kerkrade-West") == "Kerkrade-West"
    assert display_name("Buurt 09 Oost 1") == "Oost 1"
    assert display_name("Wijk 7") == "Wijk 7"
    assert display_name(None, code="WK036300") == "WK036300"


# ------------------------------------------------------------------------- programme areas


def test_jol_galjoen_is_a_set_of_buurten(con: duckdb.DuckDBPyConnection) -> None:
    expected = Subject(
        kind="gebied", id="jol-galjoen", name="Jol/Galjoen", gemeente_code="GM0995",
        gemeente_name="Lelystad", level="buurt", members=JOL_GALJOEN,
        wijk_codes=["WK099506"],  # all four lie in wijk Kustwijk
        description=load_area_set("programma-2016").get("jol-galjoen").description,
        other_years=[SubjectDivision(  # the same four buurten under their 2015 codes
            years=[2015], level="buurt",
            members=["BU09952333", "BU09952334", "BU09952335", "BU09952337"],
            reason=load_area_set("programma-2016").get("jol-galjoen").other_years[0].reason)])
    for query in ("Jol/Galjoen", "jol-galjoen", "Jol en Galjoen", "Lelystad - Jol/Galjoen"):
        assert resolve_subject(con, query) == expected
    assert resolve_subject(con, "Jol/Galjoen", gemeente="Lelystad") == expected


def test_single_region_programme_areas(con: duckdb.DuckDBPyConnection) -> None:
    # same members as the CBS region: the region's Subject, as by its code
    assert resolve_subject(con, "Selwerd") == resolve_subject(con, "BU00141000")
    assert resolve_subject(con, "Kerkrade-West") == resolve_subject(con, "WK092800")
    assert resolve_subject(con, "WK092800").name == "Kerkrade-West"
    # found by the programme's name only: the programme's name and description
    oost = resolve_subject(con, "Schiedam-Oost")
    assert (oost.kind, oost.id, oost.name, oost.gemeente_name) == (
        "wijk", "WK060601", "Schiedam-Oost", "Schiedam")
    assert "Wijk 01 Oost" in oost.description
    assert resolve_subject(con, "Oost", gemeente="Schiedam").id == "WK060601"
    gestel = resolve_subject(con, "Gestelse buurt")
    assert (gestel.kind, gestel.id, gestel.wijk_codes) == ("buurt", "BU07960205", ["WK079602"])


def test_every_programme_area_resolves(con: duckdb.DuckDBPyConnection) -> None:
    area_set = load_area_set("programma-2016")
    for entry in area_set.areas:
        subject = resolve_subject(con, entry.name, gemeente=entry.gemeente_name)
        assert subject.members == list(entry.codes), entry.id
        assert subject.gemeente_code == entry.gemeente_code


def test_subject_for_area_set_entry(con: duckdb.DuckDBPyConnection) -> None:
    area_set = load_area_set("programma-2016")
    subjects = {e.id: subject_for_area_set_entry(con, e) for e in area_set.areas}
    assert {k: (s.kind, s.id) for k, s in subjects.items()} == {
        "selwerd": ("buurt", "BU00141000"),
        "angelslo": ("wijk", "WK011443"),
        "jol-galjoen": ("gebied", "jol-galjoen"),
        "meerwijk": ("wijk", "WK039221"),
        "dolphia": ("buurt", "BU01530807"),
        "buitenhof": ("wijk", "WK050325"),
        "schiedam-oost": ("wijk", "WK060601"),
        "gestelse-buurt": ("buurt", "BU07960205"),
        "jagershoef": ("buurt", "BU07725130"),
        "mariaberg": ("buurt", "BU09350201"),
        "meerzicht": ("wijk", "WK063701"),
        "kerkrade-west": ("wijk", "WK092800"),
    }
    assert subjects["selwerd"].wijk_codes == ["WK001410"]
    assert subjects["jagershoef"].wijk_codes == ["WK077251"]
    assert subjects["kerkrade-west"].gemeente_name == "Kerkrade"
    assert subjects["jol-galjoen"].members == JOL_GALJOEN
    bad = SetArea(id="proef", name="Proef", gemeente_name="Lelystad", gemeente_code="GM0995",
                  level="buurt", codes=("BU09950633", "BU09959999"))
    with pytest.raises(SubjectNotFoundError, match="BU09959999"):
        subject_for_area_set_entry(con, bad)


# --------------------------------------------------------------------- user-defined areas


def test_user_area_by_id_and_name(user_con: duckdb.DuckDBPyConnection) -> None:
    expected = Subject(
        kind="gebied", id="selwerd-en-selwerderhof", name="Selwerd en Selwerderhof",
        gemeente_code="GM0014", gemeente_name="Groningen", level="buurt",
        members=["BU00141000", "BU00141004"], wijk_codes=["WK001410"],
        description="Twee buurten in Groningen.")
    assert resolve_subject(user_con, "selwerd-en-selwerderhof") == expected
    assert resolve_subject(user_con, "Selwerd en Selwerderhof") == expected
    assert resolve_subject(user_con, "selwerd EN selwerderhof", gemeente="Groningen") == expected
    with pytest.raises(SubjectNotFoundError):
        resolve_subject(user_con, "Selwerd en Selwerderhof", gemeente="Emmen")


def test_user_area_wins_over_same_named_buurt_and_programme(
        user_con: duckdb.DuckDBPyConnection) -> None:
    dolphia = resolve_subject(user_con, "Dolphia")
    assert (dolphia.kind, dolphia.id, dolphia.members) == (
        "gebied", "dolphia", ["BU01530806", "BU01530807"])
    assert resolve_subject(user_con, "BU01530807").kind == "buurt"  # the code stays the buurt
    jol = resolve_subject(user_con, "Jol/Galjoen")
    assert (jol.kind, jol.id, jol.members) == ("gebied", "jol-galjoen", JOL_GALJOEN[:2])
    # an unrelated name is unaffected by user areas
    assert resolve_subject(user_con, "Angelslo") == ANGELSLO


# ------------------------------------------------------------------ one gemeente resolver


def _three_ways(con: duckdb.DuckDBPyConnection, query: str) -> list[object]:
    """The answer (``(code, name)`` or the error text) through area sets, segregation and
    profile subjects (``--gemeente``)."""
    from wijkanalyse.gebieden import sets
    from wijkanalyse.segregatie import analyse as segregatie

    out: list[object] = []
    for resolve in (sets.resolve_gemeente, segregatie.resolve_gemeente):
        try:
            out.append(resolve(con, query))
        except WijkanalyseError as exc:
            out.append(str(exc))
    try:
        code, _ = resolve_gemeente(con, query)
    except WijkanalyseError:
        code = "GM0114"
    wijk = con.execute("SELECT min(code) FROM regions WHERE level = 'wijk' AND "
                       "gemeente_code = ? AND year = 2024", [code]).fetchone()[0]
    try:  # a profile of a wijk in the gemeente, narrowed with --gemeente
        subject = resolve_subject(con, wijk, gemeente=query)
        out.append((subject.gemeente_code, subject.gemeente_name))
    except WijkanalyseError as exc:
        out.append(str(exc))
    return out


@pytest.mark.parametrize(("query", "expected"), [
    ("gm0518", ("GM0518", "'s-Gravenhage")),
    ("Den Haag", ("GM0518", "'s-Gravenhage")),
    ("Rijswijk", ("GM0603", "Rijswijk (ZH.)")),  # renamed in 2022: the old name still counts
    ("Beek", ("GM0888", "Beek (L.)")),  # renamed likewise
    ("Hengelo", ("GM0164", "Hengelo (O.)")),  # the one gemeente of that name + province
    ("Bergen", "Gemeente 'Bergen' is niet eenduidig: Bergen (NH.) (GM0373), Bergen (L.) "
               "(GM0893). Kies met de gemeentecode (bijvoorbeeld GM0373) of de volledige naam "
               "('Bergen (NH.)')."),
    ("Amsterdm", "Gemeente 'Amsterdm' is onbekend in de database. Bedoelt u 'Amsterdam' of "
                 "'Lemsterland' of 'Beemster'?"),
    ("GM9999", "Gemeentecode GM9999 is onbekend in de database."),
    ("Angelslo", "'Angelslo' is een wijk in gemeente Emmen, geen gemeente. Bedoelt u 'Emmen'?"),
])
def test_one_gemeente_resolver_for_sets_segregatie_and_profiles(
        con: duckdb.DuckDBPyConnection, query: str, expected: object) -> None:
    if isinstance(expected, tuple):
        assert resolve_gemeente(con, query) == expected
    assert _three_ways(con, query) == [expected] * 3


def test_gemeente_resolver_rule_on_a_hand_made_table() -> None:
    """Rule 3 (a name of several codes: the most recent carrier) and rule 4 (a tie)."""
    mem = duckdb.connect()
    mem.execute("CREATE TABLE regions (year INTEGER, code VARCHAR, level VARCHAR, name VARCHAR,"
                " names VARCHAR[])")
    mem.executemany("INSERT INTO regions VALUES (?, ?, 'gemeente', ?, ?)", [
        (2015, "GM0001", "Oudstad", ["Oudstad"]),  # merged away in 2019 ...
        (2019, "GM0002", "Oudstad", ["Oudstad", "Oudstad-Nieuw"]),  # ... into a new code
        (2024, "GM0002", "Oudstad", ["Oudstad"]),
        (2024, "GM0003", "Veld (A.)", ["Veld (A.)"]),
        (2024, "GM0004", "Veld (B.)", ["Veld (B.)"]),
    ])
    assert resolve_gemeente(mem, "oudstad") == ("GM0002", "Oudstad")
    assert resolve_gemeente(mem, "Oudstad-Nieuw") == ("GM0002", "Oudstad")
    assert resolve_gemeente(mem, "GM0001") == ("GM0001", "Oudstad")
    assert resolve_gemeente(mem, "Veld (B.)") == ("GM0004", "Veld (B.)")
    with pytest.raises(AmbiguousSubjectError) as info:
        resolve_gemeente(mem, "Veld")
    assert [c["code"] for c in info.value.candidates] == ["GM0003", "GM0004"]
    assert str(info.value) == ("Gemeente 'Veld' is niet eenduidig: Veld (A.) (GM0003), Veld (B.) "
                               "(GM0004). Kies met de gemeentecode (bijvoorbeeld GM0003) of de "
                               "volledige naam ('Veld (A.)').")
    with pytest.raises(SubjectNotFoundError, match="Geef de naam of CBS-code"):
        resolve_gemeente(mem, "  ")
