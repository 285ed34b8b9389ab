"""Tests of wijkanalyse.gebieden.areasets: the shipped programme set and the checks of set files.

The programme codes are checked against the database built from ../shared/data (KWB 2024 holds
every buurt and wijk of the Netherlands). Broken set files are generated in the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb
import pytest

from wijkanalyse import store
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.areasetfiles import list_area_sets, load_area_set, read_area_set
from wijkanalyse.gebieden.areasets import AreaSet, AreaSetError, SetArea, check_area_set

#: The twelve programme neighbourhoods: id -> (gemeente code, gemeente, level, codes).
PROGRAMME = {
    "selwerd": ("GM0014", "Groningen", "buurt", ("BU00141000",)),
    "angelslo": ("GM0114", "Emmen", "wijk", ("WK011443",)),
    "jol-galjoen": ("GM0995", "Lelystad", "buurt",
                    ("BU09950633", "BU09950634", "BU09950635", "BU09950637")),
    "meerwijk": ("GM0392", "Haarlem", "wijk", ("WK039221",)),
    "dolphia": ("GM0153", "Enschede", "buurt", ("BU01530807",)),
    "buitenhof": ("GM0503", "Delft", "wijk", ("WK050325",)),
    "schiedam-oost": ("GM0606", "Schiedam", "wijk", ("WK060601",)),
    "gestelse-buurt": ("GM0796", "'s-Hertogenbosch", "buurt", ("BU07960205",)),
    "jagershoef": ("GM0772", "Eindhoven", "buurt", ("BU07725130",)),
    "mariaberg": ("GM0935", "Maastricht", "buurt", ("BU09350201",)),
    "meerzicht": ("GM0637", "Zoetermeer", "wijk", ("WK063701",)),
    "kerkrade-west": ("GM0928", "Kerkrade", "wijk", ("WK092800",)),
}

GOOD_ENTRY = """\
title: Testset
description: Een set om te testen.
areas:
  - id: jol-galjoen
    name: Jol/Galjoen
    gemeente: {name: Lelystad, code: GM0995}
    level: buurt
    codes: [BU09950633, bu09950634]
"""


@pytest.fixture(scope="module")
def con(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def write(tmp_path: Path, text: str, name: str = "testset.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ shipped set


def test_programme_set_is_listed() -> None:
    infos = {info.name: info for info in list_area_sets()}
    assert "programma-2016" in infos
    info = infos["programma-2016"]
    assert info.title == "Programmawijken 2016"
    assert info.n_areas == 12


def test_programme_set_is_package_data() -> None:
    path = resources.files("wijkanalyse").joinpath("data", "areasets", "programma-2016.yaml")
    assert path.is_file()
    assert load_area_set("programma-2016.yaml") == load_area_set("programma-2016")


def test_programme_set_content() -> None:
    area_set = load_area_set("programma-2016")
    assert area_set.name == "programma-2016"
    got = {a.id: (a.gemeente_code, a.gemeente_name, a.level, a.codes) for a in area_set.areas}
    assert got == PROGRAMME
    assert area_set.year == 2024
    for area in area_set.areas:
        assert "2024" in area.description, area.id  # the CBS division the codes come from
        assert area.description == " ".join(area.description.split())
    jol = area_set.get("jol-galjoen")
    assert jol.name == "Jol/Galjoen"
    assert "BU09950638" not in jol.codes  # the business park is left out on purpose
    assert "BU09950638" in jol.description
    assert "Oost" in area_set.get("schiedam-oost").aliases
    assert area_set.get("gestelse-buurt").name == "Gestelse buurt"
    with pytest.raises(KeyError):
        area_set.get("bestaat-niet")


def test_programme_file_explains_business_park_left_out() -> None:
    text = resources.files("wijkanalyse").joinpath(
        "data", "areasets", "programma-2016.yaml").read_text(encoding="utf-8")
    assert "BU09950638" in text
    assert "bedrijventerrein" in text.lower()


def test_programme_codes_exist_in_database(con: duckdb.DuckDBPyConnection) -> None:
    assert check_area_set(con, load_area_set("programma-2016")) == []
    # and every code is a 2024 region with the level of its area
    area_set = load_area_set("programma-2016")
    codes = [c for a in area_set.areas for c in a.codes]
    rows = dict(con.execute(
        "SELECT code, level FROM regions WHERE year = 2024 AND list_contains(?, code)", [codes]
    ).fetchall())
    assert len(rows) == 15  # 11 single regions + 4 buurten of Jol/Galjoen
    for area in area_set.areas:
        assert {rows[c] for c in area.codes} == {area.level}


def test_unknown_set_lists_existing_sets() -> None:
    with pytest.raises(AreaSetError, match="programma-2016") as info:
        load_area_set("programma-2099")
    assert "programma-2099" in str(info.value)
    assert isinstance(info.value, WijkanalyseError)


# ------------------------------------------------------------------------------- database check


def test_check_area_set_reports_problems(con: duckdb.DuckDBPyConnection) -> None:
    area_set = AreaSet(
        name="proef",
        title="Proef",
        description="",
        areas=(
            SetArea(id="onbekend", name="Onbekend", gemeente_name="Lelystad",
                    gemeente_code="GM0995", level="buurt", codes=("BU09959999",)),
            SetArea(id="gemengd", name="Gemengd", gemeente_name="Emmen",
                    gemeente_code="GM0114", level="wijk", codes=("BU01144300", "WK011443")),
            SetArea(id="niveau", name="Niveau", gemeente_name="Emmen", gemeente_code="GM0114",
                    level="wijk", codes=("BU01144300",)),
            SetArea(id="naam", name="Naam", gemeente_name="Den Haag", gemeente_code="GM0518",
                    level="wijk", codes=("WK051829",)),
            SetArea(id="goed", name="Goed", gemeente_name="Emmen", gemeente_code="GM0114",
                    level="wijk", codes=("WK011443",)),
        ),
    )
    problems = check_area_set(con, area_set)
    assert len(problems) == 4
    assert "BU09959999" in problems[0] and "Onbekend" in problems[0]
    assert "mengt niveaus (buurt, wijk)" in problems[1]
    assert "buurtcodes" in problems[2] and "niveau wijk" in problems[2]
    assert "'s-Gravenhage" in problems[3] and "Den Haag" in problems[3]
    assert not any("Goed" in p for p in problems)


# ------------------------------------------------------------------------------- set files


def test_read_good_file(tmp_path: Path) -> None:
    area_set = read_area_set(write(tmp_path, GOOD_ENTRY))
    assert area_set.name == "testset"
    assert area_set.title == "Testset"
    (area,) = area_set.areas
    assert area.codes == ("BU09950633", "BU09950634")  # normalised
    assert area.aliases == ()
    assert area.description == ""
    assert area.keys() == {"jol en galjoen"}


@pytest.mark.parametrize(
    ("old", "new", "expected", "line"),
    [
        ("    codes: [BU09950633, bu09950634]\n", "", "het veld 'codes' ontbreekt", 4),
        ("    gemeente: {name: Lelystad, code: GM0995}\n", "", "het veld 'gemeente' ontbreekt",
         4),
        ("bu09950634", "BU0995063", "ongeldige CBS-code(s) BU0995063", 8),
        ("bu09950634", "BU01144300", "BU01144300 liggen niet in gemeente Lelystad", 8),
        ("bu09950634", "WK099506", "WK099506 zijn geen buurt", 8),
        ("bu09950634", "BU09950633", "BU09950633 komen meer dan eens voor", 8),
        ("level: buurt", "level: straat", "niveau 'straat' is onbekend", 7),
        ("code: GM0995", "code: 0995", "gemeentecode '0995' is geen CBS-gemeentecode", 6),
        ("id: jol-galjoen", "id: Jol Galjoen", "id 'Jol Galjoen' is geen geldige id", 4),
        ("    level: buurt\n", "    level: buurt\n    kleur: rood\n",
         "onbekende sleutel(s) ['kleur']", 8),
    ],
)
def test_broken_entry_names_file_entry_and_line(
    tmp_path: Path, old: str, new: str, expected: str, line: int
) -> None:
    assert old in GOOD_ENTRY
    path = write(tmp_path, GOOD_ENTRY.replace(old, new))
    with pytest.raises(AreaSetError) as info:
        read_area_set(path)
    err = info.value
    assert isinstance(err, WijkanalyseError)
    assert err.path == path
    assert err.line == line
    text = str(err)
    assert str(path) in text
    assert expected in text
    assert "gebied 'Jol/Galjoen'" in text


def test_missing_id_or_name_names_entry(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_ENTRY.replace("  - id: jol-galjoen\n    name:", "  - name:"))
    with pytest.raises(AreaSetError, match="gebied 'Jol/Galjoen': het veld 'id' ontbreekt"):
        read_area_set(path)
    path = write(tmp_path, GOOD_ENTRY.replace("    name: Jol/Galjoen\n", ""))
    with pytest.raises(AreaSetError, match="gebied 'jol-galjoen': het veld 'name' ontbreekt"):
        read_area_set(path)
    path = write(tmp_path, GOOD_ENTRY.replace("  - id: jol-galjoen\n    name: Jol/Galjoen\n",
                                              "  - level: buurt\n"))
    with pytest.raises(AreaSetError, match="gebied op regel 4: het veld 'id' ontbreekt"):
        read_area_set(path)


def test_duplicate_id(tmp_path: Path) -> None:
    second = GOOD_ENTRY.split("areas:\n", 1)[1]
    path = write(tmp_path, GOOD_ENTRY + second)
    with pytest.raises(AreaSetError, match=r"'jol-galjoen' staat twee keer.*regel 4") as info:
        read_area_set(path)
    assert info.value.line == 9


def test_invalid_yaml_and_top_level(tmp_path: Path) -> None:
    with pytest.raises(AreaSetError, match="geen geldige YAML") as info:
        read_area_set(write(tmp_path, "title: x\nareas:\n  - id: [a\n"))
    assert info.value.line is not None
    with pytest.raises(AreaSetError, match="de set mist 'areas'"):
        read_area_set(write(tmp_path, "title: x\n"))
    with pytest.raises(AreaSetError, match="verwacht een mapping"):
        read_area_set(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(AreaSetError, match="bestaat niet"):
        read_area_set(tmp_path / "nergens.yaml")


# ------------------------------------------------------------------------ years and uncertainty

YEARS_ENTRY = """\
title: Testset
year: 2024
areas:
  - id: bijlmer
    name: Amsterdam Bijlmer
    gemeente: {name: Amsterdam, code: GM0363}
    level: wijk
    codes: [WK0363TD, WK0363TC]
    reason: Twee wijken van de Bijlmer.
    onzeker: true
    onzeker_reden: Een keuze die de bronnen niet beslissen.
    other_years:
      - years: [2016, 2017]
        level: wijk
        codes: [WK036393]
        reason: Buurtcombinatie Bijlmer Centrum.
      - years: 2015
        level: buurt
        codes: [BU03630793]
"""


def test_years_reason_uncertainty_and_other_years(tmp_path: Path) -> None:
    area_set = read_area_set(write(tmp_path, YEARS_ENTRY))
    assert area_set.year == 2024
    (area,) = area_set.areas
    assert (area.year, area.reason, area.uncertain) == (2024, "Twee wijken van de Bijlmer.", True)
    assert area.uncertain_reason == "Een keuze die de bronnen niet beslissen."
    assert area_set.uncertain == (area,)
    assert area.division(2017).codes == ("WK036393",) and area.division(2017).year == 2016
    assert area.division(2016).reason == "Buurtcombinatie Bijlmer Centrum."
    assert (area.division(2015).level, area.division(2015).codes) == ("buurt", ("BU03630793",))
    assert area.division(2018) == area.main_division == area.division(None)
    assert area.main_division.codes == ("WK0363TC", "WK0363TD")
    assert [d.years for d in area.divisions()] == [(), (2016, 2017), (2015,)]
    # an area without 'year' takes the set's; a set without 'year' leaves it open
    plain = read_area_set(write(tmp_path, GOOD_ENTRY, "plain.yaml")).areas[0]
    assert (plain.year, plain.uncertain, plain.other_years) == (None, False, ())


@pytest.mark.parametrize(
    ("old", "new", "expected", "line"),
    [
        ("    onzeker_reden: Een keuze die de bronnen niet beslissen.\n", "",
         "'onzeker: true' zonder 'onzeker_reden'", 10),
        ("    onzeker: true\n", "", "'onzeker_reden' zonder 'onzeker: true'", 10),
        ("onzeker: true", "onzeker: ja graag", "'onzeker' moet true of false zijn", 10),
        ("year: 2024\nareas", "year: twintig\nareas", "jaar 'twintig' is geen jaartal", 2),
        ("      - years: [2016, 2017]", "      - years: [2016, 2024]",
         "other_years: jaar 2024 is het jaar van 'codes' zelf", 13),
        ("      - years: 2015", "      - years: 2016", "jaar 2016 staat al in other_years "
         "(regel 13)", 17),
        ("codes: [WK036393]", "codes: [WK051829]", "WK051829 liggen niet in gemeente Amsterdam",
         15),
        ("codes: [BU03630793]", "codes: [WK036393]", "WK036393 zijn geen buurt", 19),
        ("        level: buurt\n", "        level: buurt\n        kleur: rood\n",
         "onbekende sleutel(s) ['kleur']", 19),
        ("        level: buurt\n", "", "het veld 'level' ontbreekt", 17),
    ],
)
def test_broken_years_and_uncertainty_name_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str, line: int
) -> None:
    assert old in YEARS_ENTRY
    path = write(tmp_path, YEARS_ENTRY.replace(old, new))
    with pytest.raises(AreaSetError) as info:
        read_area_set(path)
    assert expected in str(info.value)
    assert info.value.line == line
    assert str(path) in str(info.value)
