"""The shipped set ``krachtwijken-2007``: the 40 krachtwijken of the Besluit Centraal Fonds voor
de Volkshuisvesting as CBS codes, checked against the real files in ../shared/data.

- the 40 names are those of the Bijlage (read from the Besluit itself);
- every code of the set exists in the CBS division of the year the set gives it, in the real
  files of that year (KWB 2024; Wijk- en Buurtkaart 2015 buurten (and the wijken they lie
  in), 2016 and 2017 wijken; the Amsterdam KWB files of 2019 and 2021), so a typo or a code of
  the wrong year fails; years without a file (2018, 2020) must lie between checked years;
- where the set gives no codes for 2015 or 2017, the codes of 2024 are the same areas then
  (same code and a matching name), which catches codes reused for another area;
- ``sets check`` names the uncertain areas without failing; the monitor works on the set.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyogrio
import pytest
import typer
from typer.testing import CliRunner

from wijkanalyse import store
from wijkanalyse.codes import name_key, normalise_code, wijk_code_of
from wijkanalyse.gebieden import load_area_set
from wijkanalyse.gebieden.areasets import SetArea
from wijkanalyse.settings import resolve_settings

SET = "krachtwijken-2007"
runner = CliRunner()


@pytest.fixture(scope="module")
def kw():
    return load_area_set(SET)


@pytest.fixture(scope="module")
def con(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


# ------------------------------------------------------------------------ the real files


@pytest.fixture(scope="module")
def besluit_names(shared_data: Path) -> list[str]:
    """The 40 names of the Bijlage, in order, from the Besluit as published."""
    text = (shared_data / "lists" / "krachtwijken40_BCF_BWBR0004418_2011-07-20.md").read_text(
        encoding="utf-8")
    table = text.split("| Wijk ", 1)[1]
    names = []
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells[0] or cells[0].startswith("*"):
            break
        names.append(cells[0])
    return names


@pytest.fixture(scope="module")
def divisions(shared_data: Path) -> dict[tuple[int, str], dict[str, str]]:
    """(year, level) -> {code: name} from the real files of that year."""
    out: dict[tuple[int, str], dict[str, str]] = {}
    k24 = pd.read_csv(shared_data / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv", sep=";",
                      encoding="utf-8-sig", dtype=str)
    code = k24["Regioaanduiding/Codering (code)"].map(normalise_code)
    names = k24["Wijken en buurten"].str.strip()
    out[(2024, "wijk")] = dict(zip(code[code.str.startswith("WK")],
                                   names[code.str.startswith("WK")], strict=True))
    out[(2024, "buurt")] = dict(zip(code[code.str.startswith("BU")],
                                    names[code.str.startswith("BU")], strict=True))
    b15: dict[str, str] = {}
    w15: dict[str, str] = {}
    for path in sorted((shared_data / "geo" / "wijkbuurtkaart_2015" / "buurt_2015_per_vr")
                       .glob("*.buurt.geojson")):
        df = pyogrio.read_dataframe(path, read_geometry=False,
                                    columns=["BU_CODE", "BU_NAAM", "WK_CODE"])
        b15.update(zip(df["BU_CODE"], df["BU_NAAM"], strict=True))
        w15.update(dict.fromkeys(df["WK_CODE"], ""))  # the wijk files of 2015 are incomplete
    out[(2015, "buurt")] = b15
    out[(2015, "wijk")] = w15
    w16 = pyogrio.read_dataframe(shared_data / "geo" / "wijk_2016_nl_generalised_rd.geojson",
                                 read_geometry=False, columns=["WKC", "WKN"])
    out[(2016, "wijk")] = dict(zip(w16["WKC"], w16["WKN"], strict=True))
    w17 = pyogrio.read_dataframe(shared_data / "kwb" / "wijk_2017_wijkbuurtkaart_attributes.dbf",
                                 read_geometry=False, encoding="utf-8")
    out[(2017, "wijk")] = dict(zip(w17["WK_CODE"], w17["WK_NAAM"], strict=True))
    for year, name in ((2019, "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv"),
                       (2021, "odata_kwb2021_amsterdam_gm_wk_bu_subset.csv")):
        df = pd.read_csv(shared_data / "kwb" / name, sep=";", encoding="utf-8-sig", dtype=str)
        codes = df["WijkenEnBuurten"].str.strip()
        wijken = codes[codes.str.startswith("WK")]
        out[(year, "wijk")] = dict.fromkeys(wijken, "")  # Amsterdam only: codes, no names
    return out


# ------------------------------------------------------------------------ the set itself


def test_all_40_entries_of_the_besluit_in_its_order(kw, besluit_names: list[str]) -> None:
    assert len(besluit_names) == 40
    assert besluit_names[0] == "Alkmaar Overdie" and besluit_names[-1] == "Zaanstad Poelenburg"
    assert [a.name for a in kw.areas] == besluit_names
    assert len({a.id for a in kw.areas}) == 40
    assert kw.title == "Krachtwijken 2007" and kw.year == 2024


def test_every_entry_has_gemeente_codes_year_and_reason(kw) -> None:
    for area in kw.areas:
        assert area.gemeente_code and area.gemeente_name, area.id
        assert area.codes and area.year == 2024, area.id
        assert len(area.reason) > 15 and "\n" not in area.reason, area.id
        for div in area.other_years:
            assert div.years and div.codes and div.reason, area.id
        if area.uncertain:
            assert len(area.uncertain_reason) > 30, area.id
        else:
            assert area.uncertain_reason == "", area.id
        # the gemeente is named as in the name from the Besluit ("Den Haag" = 's-Gravenhage)
        town = area.name.split()[0]
        assert town == area.gemeente_name or (town, area.gemeente_name) == (
            "Den", "'s-Gravenhage"), area.id


def test_certain_and_uncertain_entries(kw) -> None:
    uncertain = [a.id for a in kw.areas if a.uncertain]
    assert uncertain == [
        "amsterdam-noord", "amsterdam-oost", "amsterdam-nieuw-west", "groningen-korrewegwijk",
        "maastricht-noordoost", "rotterdam-oud-zuid", "rotterdam-noord", "rotterdam-west",
        "rotterdam-zuidelijke-tuinsteden", "utrecht-ondiep", "utrecht-zuilen-oost"]
    assert len(kw.areas) - len(uncertain) == 29


@pytest.mark.parametrize(("area_id", "level", "codes"), [
    ("den-haag-schilderswijk", "wijk", ("WK051829",)),  # CBS: Wijk 29 Schildersbuurt
    ("den-haag-zuid-west", "wijk", ("WK051833", "WK051834", "WK051836")),
    ("utrecht-kanaleneiland", "buurt", ("BU03440831", "BU03440832")),
    ("utrecht-overvecht", "wijk", ("WK034403",)),
    ("utrecht-zuilen-oost", "buurt", ("BU03440231", "BU03440232", "BU03440233")),
    ("utrecht-ondiep", "buurt", ("BU03440221", "BU03440222", "BU03440223", "BU03440224")),
    ("rotterdam-oud-zuid", "buurt", ("BU05991081", "BU05991082", "BU05991085", "BU05991086",
                                     "BU05991087", "BU05991571", "BU05991572", "BU05991574")),
    ("rotterdam-vreewijk", "buurt", ("BU05991080",)),
    ("amsterdam-bijlmer", "wijk", ("WK0363TB", "WK0363TC", "WK0363TD", "WK0363TE", "WK0363TF",
                                   "WK0363TG", "WK0363TH")),
    ("amsterdam-bos-en-lommer", "wijk", ("WK0363ED", "WK0363EE", "WK0363EF")),
    ("leeuwarden-heechterp-schieringen", "wijk", ("WK008050",)),
])
def test_pinned_codes(kw, divisions, area_id: str, level: str, codes: tuple[str, ...]) -> None:
    area = kw.get(area_id)
    assert (area.level, area.codes) == (level, codes)
    assert all(c in divisions[(2024, level)] for c in codes)


def test_pinned_codes_of_other_years(kw) -> None:
    bijlmer = kw.get("amsterdam-bijlmer")
    assert bijlmer.division(2017).codes == ("WK036393", "WK036394")
    assert bijlmer.division(2021).codes == ("WK036393", "WK036394")
    assert bijlmer.division(2015).codes == ("BU03630793", "BU03630794")
    assert bijlmer.division(2015).level == "buurt"
    assert bijlmer.division(2022).codes == bijlmer.codes == bijlmer.division(None).codes
    leeuwarden = kw.get("leeuwarden-heechterp-schieringen")
    assert leeuwarden.division(2017).codes == ("WK008034", "WK008035")
    assert leeuwarden.division(2015).codes == ("WK008034", "WK008035")
    assert kw.get("eindhoven-woensel-west").division(2015).codes == ("BU07721421",)
    assert kw.get("den-haag-schilderswijk").division(2015).codes == ("WK051829",)


def _checked_years(area: SetArea, divisions) -> list[tuple[int, str, tuple[str, ...]]]:
    out = [(area.year, area.level, area.codes)]
    for div in area.other_years:
        out += [(y, div.level, div.codes) for y in div.years]
    return out


def test_every_code_exists_in_its_boundary_year_in_the_real_files(kw, divisions) -> None:
    bad, unchecked = [], []
    for area in kw.areas:
        for div in area.other_years:
            checked = [y for y in div.years if (y, div.level) in divisions]
            assert checked, f"{area.id}: geen bestand voor {div.years} ({div.level})"
            # years without a file lie between two checked years of the same division
            unchecked += [(area.id, y) for y in div.years
                          if (y, div.level) not in divisions
                          and not (min(checked) < y < max(checked))]
        for year, level, codes in _checked_years(area, divisions):
            known = divisions.get((year, level))
            if known is None:
                continue
            bad += [(area.id, year, c) for c in codes if c not in known]
    assert bad == []
    assert unchecked == []


def _same_name(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return name_key(re.sub(r"^wijk \d+ ", "", str(text).strip().lower()))
    ka, kb = key(a), key(b)
    if ka.startswith(kb) or kb.startswith(ka):  # "Bouwlust en Vrederust" -> "Bouwlust"
        return True
    return difflib.SequenceMatcher(None, ka, kb).ratio() >= 0.8


def test_codes_without_other_years_mean_the_same_area_in_2015_and_2017(kw, divisions) -> None:
    """No code of 2024 is used for 2015/2017 where it meant another area (Leeuwarden's
    WK008050 was Hempens/Teerns before 2018): where the code existed, the name must match. A
    code that did not exist yet (Eindhoven's wijken were its stadsdelen in 2016-2017) simply
    has no figures of that year, which the monitor says."""
    now_w, now_b = divisions[(2024, "wijk")], divisions[(2024, "buurt")]
    mismatches, absent_2017 = [], []
    for area in kw.areas:
        d17 = area.division(2017)
        if d17.level == "wijk" and not d17.years:
            for c in d17.codes:
                then = divisions[(2017, "wijk")].get(c)
                if then is None:
                    absent_2017.append(c)
                elif not _same_name(then, now_w[c]):
                    mismatches.append((area.id, 2017, c, then, now_w[c]))
        d15 = area.division(2015)
        if d15.level == "buurt" and not d15.years:
            for c in d15.codes:
                then = divisions[(2015, "buurt")].get(c)
                if then is None or not _same_name(then, now_b[c]):
                    mismatches.append((area.id, 2015, c, then, now_b[c]))
        elif d15.level == "wijk":
            # the 2015 buurten of the wijk exist (wijken of 2015 are incomplete in the files)
            codes = d15.codes
            assert any(wijk_code_of(b) in codes for b in divisions[(2015, "buurt")]), area.id
            assert all(c in divisions[(2015, "wijk")] for c in codes), area.id
    assert mismatches == []
    assert absent_2017 == ["WK077232"]  # Doornakkers lay in Stadsdeel Tongelre (WK077213)
    assert divisions[(2017, "wijk")]["WK077213"] == "Wijk 13 Stadsdeel Tongelre"


def test_2015_codes_name_the_same_buurten(kw, divisions) -> None:
    b15 = divisions[(2015, "buurt")]
    assert b15["BU03630793"] == "Bijlmer-Centrum (D, F, H)"
    assert b15["BU03630794"] == "Bijlmer-Oost (E, G, K)"
    assert b15["BU03630668"] == "Nieuwendam-Noord"  # Waterlandpleinbuurt since 2011/2022
    assert b15["BU07721421"] == "Groenewoud"  # Eindhoven Woensel-West in 2015
    assert [b15[c] for c in kw.get("eindhoven-doornakkers").division(2015).codes] == [
        "Doornakkers-West", "Doornakkers-Oost", "Tongelresche Akkers"]
    w17 = divisions[(2017, "wijk")]
    assert [w17[c] for c in kw.get("leeuwarden-heechterp-schieringen").division(2017).codes] == [
        "Wijk 34 Heechterp", "Wijk 35 Schieringen & De Centrale"]
    assert w17["WK051829"] == "Wijk 29 Schildersbuurt"


# ------------------------------------------------------------------------ database and CLI


def test_resolves_in_the_database_without_problems(con) -> None:
    from wijkanalyse.gebieden.sets import resolve_set

    mset = resolve_set(con, SET)
    assert mset.problems == [] and len(mset.units) == 40
    units = mset.units.set_index("unit_id")
    assert units.loc["WK051829", "name"] == "Den Haag Schilderswijk"
    assert units.loc["WK051829", "level"] == "wijk"
    assert units.loc["amsterdam-bijlmer", "level"] == "gebied"
    assert len(units.loc["amsterdam-bijlmer", "codes"]) == 7
    assert units.loc["BU05991080", "wijk_codes"] == ["WK059910"]  # Vreewijk in Feijenoord
    assert int(units["uncertain"].sum()) == 11
    assert set(units["codes_year"]) == {2024}
    assert len(mset.uncertain) == 11
    assert mset.uncertain[0].startswith("Amsterdam Noord (amsterdam-noord): De Bijlage")
    data = mset.to_dict()
    bijlmer = next(u for u in data["units"] if u["unit_id"] == "amsterdam-bijlmer")
    assert bijlmer["other_years"][0]["codes"] == ["WK036393", "WK036394"]


def test_names_of_the_besluit_find_the_area(con) -> None:
    from wijkanalyse.gebieden.subjects import resolve_subject

    assert resolve_subject(con, "Den Haag Schilderswijk").id == "WK051829"
    # alias; Dijk en Waard and Baarn have a Schilderswijk too, so the gemeente settles it
    assert resolve_subject(con, "Schilderswijk", gemeente="Den Haag").id == "WK051829"
    assert resolve_subject(con, "Utrecht Kanaleneiland").members == ["BU03440831",
                                                                     "BU03440832"]
    assert resolve_subject(con, "rotterdam-west").kind == "gebied"


def _root_app() -> typer.Typer:
    from wijkanalyse.cli import sets as cli_sets

    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context, db: Path = typer.Option(None, "--db")) -> None:  # noqa: B008
        ctx.obj = resolve_settings(db=db)

    root.add_typer(cli_sets.app, name="sets")
    return root


def test_sets_check_names_uncertain_areas_and_exits_0(built_db: Path) -> None:
    res = runner.invoke(_root_app(), ["--db", str(built_db), "sets", "check", SET])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "Krachtwijken 2007: 40 gebieden, geen problemen. 11 gebieden zijn onzeker" in out
    assert out.count("Onzeker:") == 11
    assert "Onzeker: Rotterdam West (rotterdam-west):" in out
    assert "Den Haag Schilderswijk" not in out  # certain areas are not listed


def test_sets_show_csv_has_year_and_uncertainty(built_db: Path) -> None:
    res = runner.invoke(_root_app(), ["--db", str(built_db), "sets", "show", SET,
                                      "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(io.StringIO(res.stdout), dtype=str)
    assert len(rows) == 40
    assert (rows["codes_year"] == "2024").all()
    assert (rows["uncertain"] == "ja").sum() == 11
    utrecht = rows.set_index("unit_id").loc["utrecht-ondiep"]
    assert utrecht["uncertain"] == "ja" and "BU03440222" in utrecht["uncertain_reason"]


# ------------------------------------------------------------------------ the monitor


@pytest.fixture(scope="module")
def kw_monitor(con):
    from wijkanalyse import monitor

    return monitor.run_monitor(con, SET)


@pytest.fixture(scope="module")
def kw_files(kw_monitor, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from datetime import date

    from wijkanalyse import monitor

    return monitor.write_monitor(kw_monitor, tmp_path_factory.mktemp("kw"),
                                 formats=("html", "xlsx", "json", "csv"),
                                 generated_on=date(2025, 1, 15))


def _cell(result, unit: str, key: str) -> pd.Series:
    cells = result.availability.cells
    return cells[(cells["unit_id"] == unit) & (cells["key"] == key)].iloc[0]


def test_monitor_runs_on_the_40_krachtwijken(kw_monitor) -> None:
    assert kw_monitor.n_units == 40 and kw_monitor.n_uncertain == 11
    assert kw_monitor.problems == []
    units = kw_monitor.units.set_index("unit_id")
    assert bool(units.loc["rotterdam-west", "uncertain"]) is True
    assert units.loc["WK051829", "codes_year"] == 2024
    assert all(units["missing"].str.len() > 20)
    assert any("11 gebieden van de set zijn onzeker afgebakend" in n for n in kw_monitor.notes)


def test_availability_in_the_monitor(kw_monitor) -> None:
    avail = kw_monitor.availability
    assert set(avail.cells["unit_id"]) == set(kw_monitor.units["unit_id"])
    cols = avail.columns.set_index("key")
    # KWB 2024 has every wijk and buurt: 24 areas are wijken (ja), 16 are buurten, which in
    # the wijk column have only the wijk they lie in
    assert cols.loc["kwb:2024:wijk", ["n_ja", "n_omvattend"]].tolist() == [24, 16]
    assert cols.loc["kwb:2024:buurt", "n_ja"] == 40
    assert cols.loc["leefbaarometer:reeks:wijk", "label"] == "Leefbaarometer 2002–2024 · wijken"
    lbm = "leefbaarometer:reeks:wijk"
    assert _cell(kw_monitor, "amsterdam-bijlmer", lbm)["status"] == "ja"
    kanaleneiland = _cell(kw_monitor, "utrecht-kanaleneiland", lbm)
    assert (kanaleneiland["status"], kanaleneiland["codes"]) == ("omvattend", ["WK034408"])
    vreewijk = _cell(kw_monitor, "BU05991080", lbm)  # Rotterdam: not in the selection
    assert (vreewijk["status"], vreewijk["why"]) == ("nee", "gemeente")
    # each year is looked up on its own codes
    bijlmer_17 = _cell(kw_monitor, "amsterdam-bijlmer", "kwb:2017:wijk")
    assert (bijlmer_17["status"], bijlmer_17["codes"]) == ("ja", ["WK036393", "WK036394"])
    assert _cell(kw_monitor, "WK008050", "kwb:2017:wijk")["codes"] == ["WK008034", "WK008035"]
    assert _cell(kw_monitor, "BU07724210", "kwb:2015:buurt")["codes"] == ["BU07721421"]
    assert kw_monitor.divisions["amsterdam-bijlmer"][1]["codes"] == ["WK036393", "WK036394"]


def test_monitor_files_show_the_data_per_krachtwijk(kw_files: dict[str, Path]) -> None:
    html = kw_files["html"].read_text(encoding="utf-8")
    assert "8 Gegevens per gebied" in html and "9 Bronnen en wat ontbreekt" in html
    matrix = html.split('<table class="avail">', 1)[1].split("</table>", 1)[0]
    assert matrix.count("<tr>") == 2 + 40  # two header rows
    assert matrix.count('class="onzeker"') == 11
    assert "Bijlmer Centrum (D, F, H)" in html  # the codes of other years are listed
    sheets = pd.read_excel(kw_files["xlsx"], sheet_name=None)
    gegevens, detail = sheets["gegevens"], sheets["gegevens_detail"]
    assert len(gegevens) == 40 and "KWB 2024 · wijken" in gegevens.columns
    assert (gegevens["Onzeker afgebakend"] == "ja").sum() == 11
    assert len(detail) == 40 * (len(gegevens.columns) - 6)
    assert set(detail["Status"]) <= {"ja", "deels", "alleen omvattende wijk", "nee"}
    assert (sheets["wijken"]["Onzeker afgebakend"] == "ja").sum() == 11
    data = json.loads(kw_files["json"].read_text(encoding="utf-8"))
    assert len(data["availability"]["cells"]) == len(detail)
    assert data["divisions"]["WK008050"][1]["codes"] == ["WK008034", "WK008035"]
    csv = pd.read_csv(kw_files["csv"], dtype=str)
    assert (csv["onzeker"] == "True").sum() == 11 and (csv["indeling_jaar"] == "2024").all()


def test_docs_table_lists_every_entry_with_its_codes(kw) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "gebiedensets.md").read_text(
        encoding="utf-8")
    for area in kw.areas:
        row = next((line for line in doc.splitlines() if f"| `{area.id}` |" in line), None)
        assert row is not None, area.id
        assert f"| {', '.join(area.codes)} |" in row, area.id
        for div in area.other_years:
            assert ", ".join(div.codes) in row, area.id
        assert row.rstrip().endswith("| ja |" if area.uncertain else "| nee |"), area.id


def test_ids_are_unique_over_the_shipped_sets() -> None:
    from wijkanalyse.gebieden import list_area_sets

    ids = [a.id for info in list_area_sets() for a in load_area_set(info.name).areas]
    assert len(ids) == len(set(ids)) == 52
