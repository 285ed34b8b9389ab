"""CSV files with renamed headers, read only through an explicit column map: the real Amsterdam
KWB 2023 income file, generated broken copies and column-map validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import CatalogueError, DataFileError, UnknownLayoutError
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources import renamed_csv as read_renamed_csv
from wijkanalyse.sources.build import build_database
from wijkanalyse.sources.registry import ReadContext, detect
from wijkanalyse.sources.renamed_csv import ColumnMap, parse_column_map
from wijkanalyse.sourcetable import SourceTable

NAME = "kwb_2023_amsterdam_income_renamed.csv"


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture(scope="module")
def real(shared_data: Path) -> Path:
    return shared_data / "kwb" / NAME


def read(path: Path, cat) -> SourceTable:
    tables = read_renamed_csv.read(path, catalogue=cat, context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def value(table: SourceTable, code: str, indicator: str):
    key = table.regions.loc[table.regions["code"] == code, "region_key"].item()
    row = table.values[(table.values["region_key"] == key)
                       & (table.values["indicator_id"] == indicator)].iloc[0]
    return row["value"], row["missing_reason"], row["source_column"]


def test_sniff_and_pinned_values(real: Path, cat) -> None:
    assert detect(real)[0] == "renamed_csv"
    t = read(real, cat)
    assert (t.source.kind, t.source.year, t.source.table_id) == ("kwb", 2023, "85618NED")
    assert t.source.label == "CBS, Kerncijfers Wijken en Buurten 2023"
    assert t.regions["level"].value_counts().to_dict() == {"buurt": 517, "wijk": 110,
                                                           "gemeente": 1}
    # Amsterdam income per inhabitant 2023: 38.6 (× €1,000)
    assert value(t, "GM0363", "g_ink_pi") == (38.6, None, "Avg_Income_Per_Inhabitant_1000EUR")
    assert value(t, "GM0363", "g_ink_po")[0] == 46.5
    assert value(t, "GM0363", "p_hh_li")[0] == 49.6  # households, see the column map
    assert value(t, "GM0363", "p_hh_120")[0] == 18.4
    assert value(t, "GM0363", "a_opl_hg")[0] == 365670
    # empty = secret, with the reason the map gives; padded codes and names are stripped
    v, reason, _ = value(t, "BU0363AA01", "g_ink_pi")
    assert v != v and reason.startswith("geheim of niet beschikbaar")
    row = t.regions[t.regions["code"] == "WK0363AA"].iloc[0]
    assert (row["name"], row["gemeente_name"], row["line"]) == ("Haarlemmerbuurt", "Amsterdam", 3)
    assert [i.kind for i in t.issues] == ["note"] and "kwb2023_inkomen_en" in t.issues[0].detail


def _variant(real: Path, tmp_path: Path, name: str, fix) -> Path:
    """A generated copy of the real file with one change (lines as in the file)."""
    lines = real.read_text(encoding="utf-8-sig").splitlines()
    out = tmp_path / name
    out.write_text("\n".join(fix(lines)) + "\n", encoding="utf-8")
    return out


def test_bad_cell_names_file_line_and_column(real: Path, tmp_path: Path, cat) -> None:
    def fix(lines):
        lines[2] = lines[2].replace(";45,4;", ";45,4x;")
        return lines

    path = _variant(real, tmp_path, "generated_kwb_2023_renamed_bad.csv", fix)
    with pytest.raises(DataFileError) as err:
        read(path, cat)
    text = str(err.value)
    assert "generated_kwb_2023_renamed_bad.csv" in text and "regel 3" in text
    assert "'Avg_Income_Per_Inhabitant_1000EUR'" in text and "45,4x" in text


def test_bad_code_and_missing_field(real: Path, tmp_path: Path, cat) -> None:
    path = _variant(real, tmp_path, "generated_kwb_2023_code.csv",
                    lambda ls: [ls[0], ls[1].replace("GM0363", "GM036"), *ls[2:]])
    with pytest.raises(DataFileError, match=r"regel 2, kolom 'Area_Code'.*GM036"):
        read(path, cat)
    path = _variant(real, tmp_path, "generated_kwb_2023_short.csv",
                    lambda ls: [*ls[:4], ls[4].rsplit(";", 1)[0], *ls[5:]])
    with pytest.raises(DataFileError, match="regel 5.*10 velden, de kopregel 11"):
        read(path, cat)


def test_unknown_headers_stay_unknown_with_a_hint(real: Path, tmp_path: Path) -> None:
    """A renamed CSV whose headers match no column map is never guessed."""
    src = tmp_path / "bronnen"
    src.mkdir()
    _variant(real, src, "generated_kwb_2023_other_names.csv",
             lambda ls: [ls[0].replace("Avg_Std_Household_Income_1000EUR", "Std_Income"),
                         *ls[1:]])
    assert detect(src / "generated_kwb_2023_other_names.csv") is None
    settings = resolve_settings(db=tmp_path / "w.duckdb", source=src, cache=tmp_path / "c")
    with pytest.raises(UnknownLayoutError) as err:
        build_database(settings, source_dirs=[src])
    text = str(err.value)
    assert "onbekend bestandsformaat" in text
    assert "kolomkaart" in text and "src/wijkanalyse/data/column_maps/" in text
    assert "'Std_Income'" in text and "docs/column-maps.md" in text


def test_year_needed(real: Path, tmp_path: Path, cat) -> None:
    path = _variant(real, tmp_path, "generated_amsterdam_renamed.csv", lambda ls: ls)
    with pytest.raises(DataFileError, match="jaar"):
        read(path, cat)


def test_map_naming_an_unknown_indicator_fails_on_the_map(real: Path, cat, monkeypatch) -> None:
    maps = read_renamed_csv.packaged_column_maps()
    bad = ColumnMap(**{**maps[0].__dict__, "indicators": {**maps[0].indicators,
                                                          "Pct_Low_Income_Households": "p_xx"}})
    monkeypatch.setattr(read_renamed_csv, "packaged_column_maps", lambda: (bad,))
    with pytest.raises(DataFileError, match=r"kwb2023_inkomen_en\.yaml.*'p_xx'"):
        read(real, cat)


@pytest.mark.parametrize("data, match", [
    ({"name": "x", "kind": "kwb", "columns": {"A": {"indicator": "a_inw"}}}, "'code'"),
    ({"name": "x", "kind": "kwb", "columns": {"A": {"role": "code"}, "B": {"role": "wijk"}}},
     "rol 'wijk'"),
    ({"name": "x", "kind": "kwb",
      "columns": {"A": {"role": "code", "indicator": "a_inw"}}}, "precies één"),
    ({"name": "x", "kind": "kwb", "separator": ";;", "columns": {"A": {"role": "code"}}},
     "separator"),
    ({"name": "x", "kind": "kwb", "kolommen": {}}, "onbekende velden"),
])
def test_column_map_validation(data: dict, match: str) -> None:
    with pytest.raises(CatalogueError, match=match) as err:
        parse_column_map(data, origin="mijn_kaart.yaml")
    assert "mijn_kaart.yaml" in str(err.value)


def test_packaged_maps_are_valid_and_distinct(cat) -> None:
    maps = read_renamed_csv.packaged_column_maps()
    assert [m.name for m in maps] == ["kwb2023_inkomen_en"]
    for m in maps:
        assert set(m.indicators.values()) <= set(cat.indicators), m.origin
        assert list(m.roles.values()).count("code") == 1
