"""Tests of the OData JSON folder reader (TableInfos + DataProperties + data)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from wijkanalyse import store
from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import odata_json as read_odata_json
from wijkanalyse.sources.registry import ReadContext

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FOLDER = DATA / "kwb" / "odata_85984NED_kwb2024"

needs_data = pytest.mark.skipif(not FOLDER.exists(), reason="shared/data not available")


@pytest.fixture
def catalogue() -> Catalogue:
    """A small catalogue: a_inw by OData key, a_man by header path only, a_woning by a key
    qualified with its table."""
    return parse_catalogue({
        "meta_columns": {
            "name": ["WijkenEnBuurten"],
            "gemeente_name": ["Gemeentenaam_1"],
            "level": ["SoortRegio_2"],
            "code": ["Codering_3"],
            "indelingswijziging": ["IndelingswijzigingWijkenEnBuurten_4"],
            "row_id": ["ID"],
        },
        "indicators": [
            {"id": "a_inw", "label": "Inwoners", "unit": "aantal", "domain": "bevolking",
             "kind": "count", "odata_keys": ["AantalInwoners_5"]},
            {"id": "a_man", "label": "Mannen", "unit": "aantal", "domain": "bevolking",
             "kind": "count", "headers": ["Bevolking/Geslacht/Mannen (aantal)"]},
            {"id": "a_woning", "label": "Woningvoorraad", "unit": "aantal", "domain": "wonen",
             "kind": "count", "odata_keys": ["85984NED:Woningvoorraad_35"]},
            {"id": "bev_dich", "label": "Bevolkingsdichtheid", "unit": "per km2",
             "domain": "bevolking", "kind": "count", "odata_keys": ["Bevolkingsdichtheid_34"]},
        ],
    })


def _value(table, code: str, indicator: str, year: int | None = None) -> tuple[float, object]:
    r = table.regions
    keys = r.loc[(r["code"] == code) & ((r["year"] == year) if year else True), "region_key"]
    v = table.values
    hit = v[v["region_key"].isin(keys) & (v["indicator_id"] == indicator)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0]), hit["missing_reason"].iloc[0]


def test_sniff(tmp_path: Path) -> None:
    assert read_odata_json.sniff(tmp_path) is None
    (tmp_path / "TableInfos.json").write_text("[]", encoding="utf-8")
    assert read_odata_json.sniff(tmp_path) == "odata_json"
    assert read_odata_json.sniff(tmp_path / "TableInfos.json") is None
    assert read_odata_json.sniff(tmp_path / "missing") is None


@needs_data
def test_real_stripped_extract(catalogue: Catalogue) -> None:
    (table,) = read_odata_json.read(FOLDER, catalogue=catalogue, context=ReadContext())
    src = table.source
    assert (src.kind, src.layout, src.table_id, src.year) == ("kwb", "odata_json", "85984NED",
                                                               2024)
    assert src.label == "CBS, Kerncijfers Wijken en Buurten 2024"
    assert src.source_id == "odata_85984NED_kwb2024"
    assert table.regions["level"].value_counts().to_dict() == {"gemeente": 342, "wijk": 3_393}
    assert table.regions["name"].isna().all()  # the extract has no names
    assert _value(table, "GM1680", "a_inw") == (25_845, None)
    assert _value(table, "GM0363", "a_inw") == (931_298, None)
    assert _value(table, "GM0363", "a_man") == (460_766, None)  # matched by header path
    assert _value(table, "GM0363", "a_woning") == (480_852, None)  # table-qualified key
    value, reason = _value(table, "WK030732", "a_woning")
    assert math.isnan(value) and reason == "leeg in bron"
    assert set(table.values["year"]) == {2024}
    unmapped = sorted(i.column for i in table.issues if i.kind == "unmapped_column")
    assert unmapped == ["OppervlakteLand_123", "OppervlakteTotaal_122", "OppervlakteWater_124",
                        "Vrouwen_7"]


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _generated_folder(tmp_path: Path, *, records: list[dict] | None = None,
                      names: bool = True, period: bool = False) -> Path:
    """A small generated (not real) OData folder in the form the download module writes."""
    folder = tmp_path / "85984NED"
    folder.mkdir()
    _write_json(folder / "TableInfos.json", [{
        "Identifier": "85984NED", "Title": "Kerncijfers wijken en buurten 2024",
        "Period": "2024", "Modified": "2025-03-27T02:00:00"}])
    props = [
        {"ID": 0, "ParentID": None, "Type": "GeoDetail", "Key": "WijkenEnBuurten",
         "Title": "Wijken en buurten"},
        {"ID": 1, "ParentID": None, "Type": "TopicGroup", "Key": "", "Title": "Regioaanduiding"},
        {"ID": 2, "ParentID": 1, "Type": "Topic", "Key": "Gemeentenaam_1",
         "Title": "Gemeentenaam", "Unit": "naam", "Datatype": "String"},
        {"ID": 3, "ParentID": 1, "Type": "Topic", "Key": "SoortRegio_2", "Title": "Soort regio",
         "Unit": "omschrijving", "Datatype": "String"},
        {"ID": 4, "ParentID": 1, "Type": "Topic", "Key": "Codering_3", "Title": "Codering",
         "Unit": "code", "Datatype": "String"},
        {"ID": 5, "ParentID": None, "Type": "TopicGroup", "Key": "", "Title": "Bevolking"},
        {"ID": 6, "ParentID": 5, "Type": "Topic", "Key": "AantalInwoners_5",
         "Title": "Aantal inwoners", "Unit": "aantal", "Datatype": "Long"},
        {"ID": 7, "ParentID": 5, "Type": "TopicGroup", "Key": "", "Title": "Geslacht"},
        {"ID": 8, "ParentID": 7, "Type": "Topic", "Key": "Mannen_6", "Title": "Mannen",
         "Unit": "aantal", "Datatype": "Long"},
        {"ID": 9, "ParentID": 5, "Type": "Topic", "Key": "GemiddeldeHuishoudensgrootte_33",
         "Title": "Gemiddelde huishoudensgrootte", "Unit": "aantal", "Datatype": "Double"},
    ]
    if period:
        props.insert(1, {"ID": 99, "ParentID": None, "Type": "TimeDimension", "Key": "Perioden",
                         "Title": "Perioden"})
    _write_json(folder / "DataProperties.json", props)
    if records is None:
        records = [
            {"ID": 0, "WijkenEnBuurten": "GM9999    ", "Gemeentenaam_1": "Testdorp        ",
             "SoortRegio_2": "Gemeente  ", "Codering_3": "GM9999    ", "AantalInwoners_5": 1000,
             "Mannen_6": 490, "GemiddeldeHuishoudensgrootte_33": 2.1},
            {"ID": 1, "WijkenEnBuurten": "WK999900  ", "Gemeentenaam_1": "Testdorp        ",
             "SoortRegio_2": "Wijk      ", "Codering_3": "WK999900  ", "AantalInwoners_5": 600,
             "Mannen_6": None, "GemiddeldeHuishoudensgrootte_33": None},
            {"ID": 2, "WijkenEnBuurten": "BU99990000", "Gemeentenaam_1": "Testdorp        ",
             "SoortRegio_2": "Buurt     ", "Codering_3": "BU99990000", "AantalInwoners_5": 600,
             "Mannen_6": 300, "GemiddeldeHuishoudensgrootte_33": 1.95},
        ]
    _write_json(folder / "TypedDataSet.json", {"value": records})
    if names:
        _write_json(folder / "WijkenEnBuurten.json", {"value": [
            {"Key": "GM9999    ", "Title": "Testdorp"},
            {"Key": "WK999900  ", "Title": "Wijk 00 Kern"},
            {"Key": "BU99990000", "Title": "Kern"}]})
    return folder


def test_generated_typed_data_set(tmp_path: Path, catalogue: Catalogue) -> None:
    folder = _generated_folder(tmp_path)
    (table,) = read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    r = table.regions
    assert r["code"].tolist() == ["GM9999", "WK999900", "BU99990000"]
    assert r["level"].tolist() == ["gemeente", "wijk", "buurt"]
    assert r["name"].tolist() == ["Testdorp", "Wijk 00 Kern", "Kern"]
    assert r["gemeente_name"].tolist() == ["Testdorp"] * 3
    assert _value(table, "WK999900", "a_inw") == (600, None)
    assert _value(table, "BU99990000", "a_man") == (300, None)
    value, reason = _value(table, "WK999900", "a_man")
    assert math.isnan(value) and reason == "leeg in bron"
    assert [i.column for i in table.issues] == ["GemiddeldeHuishoudensgrootte_33"]
    assert table.source.sha256 and table.source.year == 2024


def test_generated_without_names_and_padded_strings(tmp_path: Path,
                                                    catalogue: Catalogue) -> None:
    records = [{"ID": 0, "WijkenEnBuurten": "GM9999    ", "AantalInwoners_5": "    1000",
                "Mannen_6": "       ."}]
    folder = _generated_folder(tmp_path, records=records, names=False)
    (table,) = read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert table.regions["name"].tolist() == [None]
    assert table.regions["gemeente_name"].tolist() == [None]
    assert _value(table, "GM9999", "a_inw") == (1000, None)
    value, reason = _value(table, "GM9999", "a_man")
    assert math.isnan(value) and reason == "ontbreekt of geheim (CBS '.')"


def test_generated_with_periods(tmp_path: Path, catalogue: Catalogue) -> None:
    records = [{"ID": 0, "WijkenEnBuurten": "GM9999", "Perioden": "2019JJ00",
                "AantalInwoners_5": 900},
               {"ID": 1, "WijkenEnBuurten": "GM9999", "Perioden": "2020JJ00",
                "AantalInwoners_5": 950}]
    folder = _generated_folder(tmp_path, records=records, period=True)
    (table,) = read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert table.regions["year"].tolist() == [2019, 2020]
    assert _value(table, "GM9999", "a_inw", 2020) == (950, None)
    assert table.source.year is None  # several years in one table


def test_truncated_json(tmp_path: Path, catalogue: Catalogue) -> None:
    folder = _generated_folder(tmp_path)
    text = (folder / "TypedDataSet.json").read_text(encoding="utf-8")
    (folder / "TypedDataSet.json").write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert err.value.path.name == "TypedDataSet.json"
    assert err.value.line is not None and err.value.line > 1
    assert isinstance(err.value.column, int)
    assert "geen geldige JSON" in str(err.value) and "Wat te doen" in str(err.value)


def test_bad_number_and_missing_keys(tmp_path: Path, catalogue: Catalogue) -> None:
    records = [{"ID": 0, "WijkenEnBuurten": "GM9999", "AantalInwoners_5": 10},
               {"ID": 1, "WijkenEnBuurten": "WK999900", "AantalInwoners_5": "veel"}]
    (tmp_path / "a").mkdir()
    folder = _generated_folder(tmp_path / "a", records=records)
    with pytest.raises(DataFileError) as err:
        read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert err.value.column == "AantalInwoners_5"
    assert "WK999900" in str(err.value) and "'veel'" in str(err.value)

    records = [{"ID": 0, "AantalInwoners_5": 10}]
    (tmp_path / "b").mkdir()
    folder = _generated_folder(tmp_path / "b", records=records)
    with pytest.raises(DataFileError) as err:
        read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert err.value.column == "WijkenEnBuurten" and "record 1" in str(err.value)

    (tmp_path / "c").mkdir()
    folder = _generated_folder(tmp_path / "c")
    _write_json(folder / "TableInfos.json", [{"Title": "zonder nummer"}])
    with pytest.raises(DataFileError) as err:
        read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert err.value.path.name == "TableInfos.json" and err.value.column == "Identifier"

    (tmp_path / "d").mkdir()
    folder = _generated_folder(tmp_path / "d")
    (folder / "DataProperties.json").unlink()
    with pytest.raises(DataFileError) as err:
        read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    assert err.value.path.name == "DataProperties.json" and "ontbreekt" in str(err.value)


def test_generated_table_writes_to_store(tmp_path: Path, catalogue: Catalogue) -> None:
    folder = _generated_folder(tmp_path, names=False)
    (table,) = read_odata_json.read(folder, catalogue=catalogue, context=ReadContext())
    con = duckdb.connect(":memory:")
    store.init_schema(con)
    store.write_catalogue(con, catalogue)
    store.write_source_table(con, table)
    rows = con.execute("SELECT code, level, name, gemeente_code FROM regions "
                       "ORDER BY code").fetchall()
    assert rows == [("BU99990000", "buurt", None, "GM9999"),
                    ("GM9999", "gemeente", None, "GM9999"), ("WK999900", "wijk", None, "GM9999")]
    obs = con.execute("SELECT value, missing_reason FROM observation "
                      "WHERE indicator_id = 'a_man' AND code = 'WK999900'").fetchone()
    assert obs == (None, "leeg in bron")
