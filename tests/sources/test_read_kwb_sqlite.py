"""Tests of the Heerlen SQLite reader (layout ``heerlen_sqlite``) on the real file, and on
small SQLite files generated in tmp_path for the error cases.

The catalogue is built here with ``parse_catalogue`` for the indicators asserted on, so the
tests do not depend on the packaged YAML.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.cbsvalues import EMPTY_REASON, MISSING_REASONS
from wijkanalyse.codes import gemeente_code_of, level_of
from wijkanalyse.errors import DataFileError
from wijkanalyse.gebieden.names import resolve_names
from wijkanalyse.sources import kwb_sqlite as read_kwb_sqlite
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import REGION_COLUMNS, VALUE_COLUMNS

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
HEERLEN = SHARED_DATA / "kwb" / "kwb_2016_2020_heerlen.sqlite"
KWB_2024 = SHARED_DATA / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return parse_catalogue({
        "meta_columns": {
            "name": ["Wijk_Buurt"],
            "indelingswijziging": [
                "Regioaanduiding/Indelingswijziging wijken en buurten (code)"],
        },
        "indicators": [
            {"id": "a_inw", "label": "Aantal inwoners", "unit": "aantal",
             "domain": "bevolking", "kind": "count",
             "headers": ["Bevolking/Aantal inwoners (aantal)"]},
            {"id": "a_woning", "label": "Woningvoorraad", "unit": "aantal", "domain": "wonen",
             "kind": "count", "headers": ["Wonen/Woningvoorraad (aantal)"]},
            {"id": "p_wcorpw", "label": "In bezit woningcorporatie", "unit": "%",
             "domain": "wonen", "kind": "rate", "base": "a_woning",
             "headers": ["Wonen/Woningen naar eigendom/Huurwoningen/In bezit woningcorporatie "
                         "(%)"]},
            # the SQLite header ends in two no-break spaces ("...per_inwoner\xa0")
            {"id": "g_ink_pi", "label": "Gemiddeld inkomen per inwoner",
             "unit": "x 1 000 euro", "domain": "inkomen", "kind": "mean", "base": "a_inw",
             "headers": ["Inkomen/Inkomen van personen/Gemiddeld inkomen per inwoner "
                         "(x 1 000 euro)"]},
            # a column that exists from 2018 on and is NULL everywhere
            {"id": "g_hh_sti", "label": "Gem. gestandaardiseerd inkomen van huishoudens",
             "unit": "x 1 000 euro", "domain": "inkomen", "kind": "mean", "base": "a_inw",
             "headers": ["Inkomen/Inkomen van huishoudens/Gem. gestandaardiseerd inkomen van "
                         "huish. (x 1 000 euro)"]},
        ],
    }, origin="test")


@pytest.fixture(scope="module")
def tables(catalogue: Catalogue):
    if not HEERLEN.exists():
        pytest.fail(f"real data not available: {HEERLEN}")
    return read_kwb_sqlite.read(HEERLEN, catalogue=catalogue, context=ReadContext())


def value(table, name: str, indicator: str) -> tuple[float, str | None]:
    key = table.regions.loc[table.regions["name"] == name, "region_key"]
    assert len(key) == 1, name
    row = table.values[(table.values["region_key"] == key.iloc[0])
                       & (table.values["indicator_id"] == indicator)]
    assert len(row) == 1, (name, indicator)
    return row["value"].iloc[0], row["missing_reason"].iloc[0]


# --------------------------------------------------------------------------------------------
# the real file


def test_sniff(tmp_path: Path) -> None:
    if not HEERLEN.exists():
        pytest.fail("real data not available")
    assert read_kwb_sqlite.sniff(HEERLEN) == "heerlen_sqlite"
    assert read_kwb_sqlite.sniff(KWB_2024) is None
    assert read_kwb_sqlite.sniff(SHARED_DATA / "kwb") is None
    assert read_kwb_sqlite.sniff(tmp_path / "does-not-exist.sqlite") is None
    # generated: an SQLite database without KWB tables is not this layout
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    assert read_kwb_sqlite.sniff(other) is None


def test_one_table_per_year(tables) -> None:
    assert [t.source.year for t in tables] == [2016, 2017, 2018, 2019, 2020]
    assert [t.source.table_id for t in tables] == [
        "83487NED", "83765NED", "84286NED", "84583NED", "84799NED"]
    assert [t.source.source_id for t in tables] == [
        f"kwb_2016_2020_heerlen.sqlite#{y}" for y in range(2016, 2021)]
    for t in tables:
        assert t.source.kind == "kwb" and t.source.layout == "heerlen_sqlite"
        assert t.source.label == f"CBS, Kerncijfers Wijken en Buurten {t.source.year}"
        assert len(t.source.sha256) == 64
        assert list(t.regions.columns) == REGION_COLUMNS
        assert list(t.values.columns) == VALUE_COLUMNS


def test_rows_and_levels(tables) -> None:
    # 82/82/82/82/81 table rows; 2016-2019 end with the footer "Bron: CBS", which is no region
    with sqlite3.connect(f"{HEERLEN.resolve().as_uri()}?mode=ro", uri=True) as con:
        counts = [con.execute(f'SELECT count(*) FROM "Kerncijfers_wijken_en_buurten_{y}_pp"'
                              ).fetchone()[0] for y in range(2016, 2021)]
    assert counts == [82, 82, 82, 82, 81]
    for t in tables:
        regs = t.regions
        assert len(regs) == 81
        assert regs["line"].tolist() == list(range(1, 82))
        assert regs["code"].isna().all()
        assert (regs["gemeente_name"] == "Heerlen").all()
        assert regs["level"].value_counts().to_dict() == {"buurt": 57, "wijk": 23,
                                                          "gemeente": 1}
        assert regs.iloc[0][["name", "level"]].tolist() == ["Heerlen", "gemeente"]
        assert "Bron: CBS" not in set(regs["name"])
    r16 = tables[0].regions.set_index("line")
    assert r16.loc[2, "name"] == "Wijk 10 Maria Gewanden en Terschuren"
    assert r16.loc[80, ["name", "level"]].tolist() == ["Wijk 41 De Beitel", "wijk"]
    assert r16.loc[81, ["name", "level"]].tolist() == ["Beitel", "buurt"]
    assert tables[1].regions.set_index("line").loc[80, "name"] == "Wijk 42 De Beitel"


def test_values(tables) -> None:
    t16, t17, t18, t19, t20 = tables
    assert value(t16, "Heerlen", "a_inw") == (87406.0, None)
    assert value(t17, "Heerlen", "a_inw") == (87189.0, None)
    assert value(t18, "Heerlen", "a_inw") == (86762.0, None)
    assert value(t19, "Heerlen", "a_inw") == (86832.0, None)
    assert value(t20, "Heerlen", "a_inw") == (87086.0, None)  # INTEGER column in 2020
    assert value(t16, "Wijk 10 Maria Gewanden en Terschuren", "a_inw") == (4175.0, None)
    assert value(t16, "Maria Gewanden", "a_inw") == (3700.0, None)
    assert value(t16, "Heerlen", "a_woning") == (45227.0, None)
    assert value(t16, "Heerlen", "p_wcorpw") == (37.0, None)
    assert value(t16, "Heerlen", "g_ink_pi") == (21.9, None)
    assert value(t18, "Heerlen", "g_ink_pi") == (22.9, None)
    # NULL -> NaN with the reason "leeg in bron"
    v, reason = value(t16, "Beitel", "g_ink_pi")
    assert math.isnan(v) and reason == EMPTY_REASON
    v, reason = value(t20, "Heerlen", "a_woning")
    assert math.isnan(v) and reason == EMPTY_REASON
    # g_hh_sti exists from 2018 on, all NULL
    assert "g_hh_sti" not in set(t16.values["indicator_id"])
    sti = t18.values[t18.values["indicator_id"] == "g_hh_sti"]
    assert len(sti) == 81 and sti["value"].isna().all()
    # long format: every mapped indicator once per region
    assert t16.values.groupby("indicator_id").size().to_dict() == {
        "a_inw": 81, "a_woning": 81, "p_wcorpw": 81, "g_ink_pi": 81}
    assert len(t20.values) == 5 * 81
    assert t16.values["value"].dtype == "float64"
    assert (t16.values["year"] == 2016).all()
    src = t16.values.loc[t16.values["indicator_id"] == "g_ink_pi", "source_column"].iloc[0]
    assert src == "Inkomen_Inkomen_van_personen_Gemiddeld_inkomen_per_inwoner\xa0"


def test_unmapped_columns(tables) -> None:
    # 2016: 92 columns = name + Indelingswijziging (meta) + 4 mapped + 86 unmapped
    # 2017-2020: 99 columns = name + meta + 5 mapped + 92 unmapped
    assert [len(t.issues) for t in tables] == [86, 93, 92, 92, 92]
    for t in tables:
        assert {i.kind for i in t.issues} == {"unmapped_column"}
        cols = {i.column for i in t.issues}
        assert "Bevolking_Geslacht_Mannen" in cols
        assert not any(c.startswith("Wijk_Buurt") for c in cols)
        assert "Regioaanduiding_Indelingswijziging_wijken_en_buurten" not in cols
        assert "Bevolking_Aantal_inwoners" not in cols
    assert "Zorg_Wmo_cliënten" in {i.column for i in tables[3].issues}  # 2019 spelling


def test_names_resolve_against_kwb_2024(tables, ref2024: pd.DataFrame) -> None:
    unresolved = []
    for t in tables:
        res = resolve_names(t.regions, ref2024, year=t.source.year)
        for idx in t.regions.index[res.codes.isna()]:
            unresolved.append((t.source.year, int(t.regions.at[idx, "line"]),
                               t.regions.at[idx, "name"]))
        matched = res.codes.dropna()
        # the level the reader gave is the level of the code every name resolves to
        assert (matched.map(level_of) == t.regions.loc[matched.index, "level"]).all()
        assert matched.map(gemeente_code_of).eq("GM0917").all()
        assert matched.is_unique
        codes = dict(zip(t.regions["name"], res.codes, strict=True))
        assert codes["Heerlen"] == "GM0917"
        assert codes["Wijk 10 Maria Gewanden en Terschuren"] == "WK091710"
        assert codes["Maria Gewanden"] == "BU09171000"
        assert codes["Beitel"] == "BU09174200"
        assert codes["Wijk 41 Heerlerbaan-Schil"] == "WK091741"
        methods = dict(zip(t.regions["name"], res.methods, strict=True))
        assert methods["Wijk 10 Maria Gewanden en Terschuren"] == "wijknummer+naam"
        assert methods["Maria Gewanden"] == "naam+niveau"
    # Only one name of 2016 stays unmatched: the source numbers De Beitel 41 (the number of
    # Heerlerbaan-Schil) while 2017-2020 and CBS 2024 number it 42; the conflict is reported,
    # not guessed. All buurt names of 2016-2020 are unchanged in 2024.
    assert unresolved == [(2016, 80, "Wijk 41 De Beitel")]
    res16 = resolve_names(tables[0].regions, ref2024, year=2016)
    (issue,) = res16.issues
    assert issue.line == 80
    assert "WK091741" in issue.detail and "WK091742" in issue.detail


# --------------------------------------------------------------------------------------------
# generated files (tmp_path): small cases and corrupt files


def make_db(path: Path, tables: dict[str, tuple[list[str], list[tuple]]]) -> Path:
    """Generate an SQLite file with the given tables: name -> (column decls, rows)."""
    with sqlite3.connect(path) as con:
        for name, (cols, rows) in tables.items():
            con.execute(f'CREATE TABLE "{name}" ({", ".join(cols)})')
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
    con.close()
    return path


SMALL_COLS = ['"Naam\ufeff""" text', '"Bevolking_Aantal_inwoners" REAL',
              '"Wonen_Woningvoorraad\xa0" TEXT', '"Iets_onbekends" REAL']


def test_generated_small_file(tmp_path: Path, catalogue: Catalogue) -> None:
    # generated: a gemeente, a wijk and a buurt, text cells with CBS symbols and a footer;
    # the name column is called "Wijk_Buurt<BOM>" followed by quotes, as in the real file
    cols = ['"Wijk_Buurt\ufeff""" text'] + SMALL_COLS[1:]
    path = make_db(tmp_path / "klein.sqlite", {
        "Kerncijfers_wijken_en_buurten_2019_pp": (cols, [
            ("Testgem ", 1000, "400", 1.0),
            ("Wijk 01 Centrum", 600.0, "250,5", None),
            ("Centrum", None, ".", 2.0),
            ("Bron: CBS", None, None, None),
        ]),
    })
    assert read_kwb_sqlite.sniff(path) == "heerlen_sqlite"
    (t,) = read_kwb_sqlite.read(path, catalogue=catalogue)
    assert t.regions[["name", "level", "gemeente_name", "line", "year"]].values.tolist() == [
        ["Testgem", "gemeente", "Testgem", 1, 2019],
        ["Wijk 01 Centrum", "wijk", "Testgem", 2, 2019],
        ["Centrum", "buurt", "Testgem", 3, 2019],
    ]
    assert t.source.table_id == "84583NED"
    inw = t.values[t.values["indicator_id"] == "a_inw"]
    assert inw["value"].tolist()[:2] == [1000.0, 600.0] and math.isnan(inw["value"].iloc[2])
    won = t.values[t.values["indicator_id"] == "a_woning"]
    assert won["value"].tolist()[:2] == [400.0, 250.5]
    assert won["missing_reason"].tolist() == [None, None, MISSING_REASONS["."]]
    assert [(i.kind, i.column) for i in t.issues] == [("unmapped_column", "Iets_onbekends")]


def test_not_sqlite(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "kapot.sqlite"  # generated: a CSV file with a .sqlite suffix
    path.write_text("Wijk_Buurt;Bevolking_Aantal_inwoners\nHeerlen;87406\n", encoding="utf-8")
    assert read_kwb_sqlite.sniff(path) is None
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert err.value.path == path
    assert "kapot.sqlite" in str(err.value)
    assert "geen SQLite-database" in str(err.value)
    assert "Wat te doen" in str(err.value)


def test_truncated_sqlite(tmp_path: Path, catalogue: Catalogue) -> None:
    # generated: the header of a real SQLite file followed by garbage
    good = make_db(tmp_path / "goed.sqlite", {
        "Kerncijfers_wijken_en_buurten_2017_pp": (SMALL_COLS, [("Testgem", 1, "1", 1)])})
    path = tmp_path / "afgebroken.sqlite"
    path.write_bytes(good.read_bytes()[:100] + b"\x07" * 2000)
    assert read_kwb_sqlite.sniff(path) is None
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert "afgebroken.sqlite" in str(err.value)


def test_table_without_name_column(tmp_path: Path, catalogue: Catalogue) -> None:
    path = make_db(tmp_path / "zonder_naam.sqlite", {  # generated
        "Kerncijfers_wijken_en_buurten_2016_pp": (SMALL_COLS, [("Testgem", 1, "1", 1)]),
        "Kerncijfers_wijken_en_buurten_2017_pp": (
            ['"Bevolking_Aantal_inwoners" REAL'], [(87189.0,)]),
    })
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    text = str(err.value)
    assert "zonder_naam.sqlite" in text
    assert "Kerncijfers_wijken_en_buurten_2016_pp" in text  # first table lacks it ("Naam")
    assert "geen kolom met wijk- en buurtnamen" in text


def test_invalid_cell_names_table_row_and_column(tmp_path: Path, catalogue: Catalogue) -> None:
    cols = ['"Wijk_Buurt" text'] + SMALL_COLS[1:]
    path = make_db(tmp_path / "fout.sqlite", {  # generated
        "Kerncijfers_wijken_en_buurten_2018": (cols, [
            ("Testgem", 1000, "400", 1.0),
            ("Wijk 01 Centrum", 600, "veel", 1.0),
        ]),
    })
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert err.value.line == 2
    assert err.value.column == "Wonen_Woningvoorraad\xa0"
    assert "Kerncijfers_wijken_en_buurten_2018" in err.value.message
    assert "'veel'" in err.value.message


def test_row_without_name(tmp_path: Path, catalogue: Catalogue) -> None:
    cols = ['"Wijk_Buurt" text'] + SMALL_COLS[1:]
    path = make_db(tmp_path / "leeg.sqlite", {  # generated
        "Kerncijfers_wijken_en_buurten_2018_pp": (cols, [
            ("Testgem", 1000, "400", 1.0),
            (None, None, None, None),  # an empty row is skipped
            ("  ", 600, "400", 1.0),
        ]),
    })
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert err.value.line == 3 and "zonder naam" in err.value.message


def test_first_row_must_be_gemeente(tmp_path: Path, catalogue: Catalogue) -> None:
    cols = ['"Wijk_Buurt" text'] + SMALL_COLS[1:]
    path = make_db(tmp_path / "volgorde.sqlite", {  # generated
        "Kerncijfers_wijken_en_buurten_2018_pp": (cols, [("Wijk 01 Centrum", 1, "1", 1)])})
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert err.value.line == 1 and "gemeente" in err.value.message


def test_two_tables_for_one_year(tmp_path: Path, catalogue: Catalogue) -> None:
    cols = ['"Wijk_Buurt" text'] + SMALL_COLS[1:]
    row = [("Testgem", 1, "1", 1)]
    path = make_db(tmp_path / "dubbel.sqlite", {  # generated
        "Kerncijfers_wijken_en_buurten_2018_pp": (cols, row),
        "Kerncijfers_wijken_en_buurten_2018": (cols, row),
    })
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert "2018" in err.value.message and "dubbel.sqlite" in str(err.value)


def test_no_kwb_tables(tmp_path: Path, catalogue: Catalogue) -> None:
    path = make_db(tmp_path / "anders.sqlite", {"buurten": (["naam text"], [("x",)])})
    with pytest.raises(DataFileError) as err:
        read_kwb_sqlite.read(path, catalogue=catalogue)
    assert "buurten" in err.value.message
