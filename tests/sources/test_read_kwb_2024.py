"""Tests of the KWB 2024 herkomst reader (code-less export joined to its partner export)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import kwb_2024 as read_kwb_2024
from wijkanalyse.sources.registry import ReadContext

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
HERKOMST = DATA / "kwb" / "kwb_2024_nl_all_levels_herkomst.csv"
POP = DATA / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"
NL_HEADER = "Bevolking/Bevolking naar herkomst/Herkomstland/Nederland (aantal)"
EU_HEADER = "Bevolking/Bevolking naar herkomst/Herkomstland/Europa (exclusief Nederland)  (aantal)"
BUITEN_HEADER = "Bevolking/Bevolking naar herkomst/Herkomstland/Buiten Europa  (aantal)"
INW_HEADER = "Bevolking/Aantal inwoners (aantal)"

needs_data = pytest.mark.skipif(not HERKOMST.exists(), reason="shared/data not available")


@pytest.fixture
def catalogue() -> Catalogue:
    """A small catalogue for these tests (independent of the packaged YAML)."""
    return parse_catalogue({
        "meta_columns": {
            "name": ["Wijken en buurten"],
            "gemeente_name": ["Regioaanduiding/Gemeentenaam (naam)"],
            "level": ["Regioaanduiding/Soort regio (omschrijving)"],
            "code": ["Regioaanduiding/Codering (code)"],
            "indelingswijziging": [
                "Regioaanduiding/Indelingswijziging gemeente, wijk, buurt (code)"],
        },
        "indicators": [
            {"id": "a_inw", "label": "Inwoners", "unit": "aantal", "domain": "bevolking",
             "kind": "count", "headers": [INW_HEADER], "odata_keys": ["AantalInwoners_5"]},
            {"id": "a_h_nl", "label": "Herkomst Nederland", "unit": "aantal",
             "domain": "bevolking", "kind": "count", "headers": [NL_HEADER]},
            {"id": "a_h_eur", "label": "Herkomst Europa excl. NL", "unit": "aantal",
             "domain": "bevolking", "kind": "count",
             "headers": ["Bevolking/Bevolking naar herkomst/Herkomstland/Europa (exclusief "
                         "Nederland) (aantal)"]},
        ],
    })


def _value(table, code: str, indicator: str) -> float:
    keys = table.regions.loc[table.regions["code"] == code, "region_key"]
    v = table.values
    hit = v[(v["region_key"].isin(keys)) & (v["indicator_id"] == indicator)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


# Generated small pair (not real data): a herkomst file and its partner with codes.
_H_HEAD = f'"Wijken en buurten";"Regioaanduiding/Gemeentenaam (naam)";"{INW_HEADER}";"{NL_HEADER}"'
_P_HEAD = ('"Wijken en buurten";"Regioaanduiding/Gemeentenaam (naam)";'
           '"Regioaanduiding/Soort regio (omschrijving)";"Regioaanduiding/Codering (code)";'
           f'"{INW_HEADER}"')
_H_ROWS = ['"Testdorp";"Testdorp   ";1000;800', '"Wijk 00 Kern";"Testdorp   ";600;500',
           '"Kern";"Testdorp   ";600;.', '"Wijk 01 Buiten";"Testdorp   ";400;300']
_P_ROWS = ['"Testdorp";"Testdorp   ";"Gemeente  ";"GM9999    ";1000',
           '"Wijk 00 Kern";"Testdorp   ";"Wijk      ";"WK999900  ";600',
           '"Kern";"Testdorp   ";"Buurt     ";"BU99990000";600',
           '"Wijk 01 Buiten";"Testdorp   ";"Wijk      ";"WK999901  ";400']


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\ufeff" + "\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def _pair(tmp_path: Path, *, h_rows=_H_ROWS, p_rows=_P_ROWS, h_head=_H_HEAD):
    h = _write(tmp_path / "kwb_2024_herkomst_test.csv", h_head, h_rows)
    p = _write(tmp_path / "kwb_2024_codes_test.csv", _P_HEAD, p_rows)
    return h, ReadContext(layouts={h: "kwb2024_herkomst", p: "statline_csv"})


def test_sniff() -> None:
    if HERKOMST.exists():
        assert read_kwb_2024.sniff(HERKOMST) == "kwb2024_herkomst"
        assert read_kwb_2024.sniff(POP) is None  # has codes: a normal StatLine export
    assert read_kwb_2024.sniff(DATA / "does-not-exist.csv") is None
    assert read_kwb_2024.sniff(DATA) is None


@needs_data
def test_real_files_align(catalogue: Catalogue) -> None:
    ctx = ReadContext(layouts={HERKOMST: "kwb2024_herkomst", POP: "statline_csv"})
    (table,) = read_kwb_2024.read(HERKOMST, catalogue=catalogue, context=ctx)
    assert len(table.regions) == 18_310
    assert table.regions["level"].value_counts().to_dict() == {
        "land": 1, "gemeente": 342, "wijk": 3_393, "buurt": 14_574}
    first = table.regions.iloc[1]
    assert (first["code"], first["name"], first["line"]) == ("GM1680", "Aa en Hunze", 3)
    assert _value(table, "NL00", "a_h_nl") == 12_941_748
    assert _value(table, "NL00", "a_h_eur") == 1_677_093
    assert _value(table, "GM1680", "a_inw") == 25_845
    src = table.source
    assert (src.kind, src.layout, src.table_id, src.year) == (
        "kwb", "kwb2024_herkomst", "85984NED", 2024)
    assert src.label == "CBS, Kerncijfers Wijken en Buurten 2024"
    unmapped = [i.column for i in table.issues if i.kind == "unmapped_column"]
    assert unmapped == [BUITEN_HEADER]
    assert set(table.values["source_column"]) == {INW_HEADER, NL_HEADER, EU_HEADER}


@needs_data
def test_real_herkomst_with_swapped_partner_row(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated partner: the real code export with data rows 100 and 101 swapped.
    lines = POP.read_text(encoding="utf-8-sig").splitlines()
    lines[101], lines[102] = lines[102], lines[101]  # file lines 102 and 103
    partner = _write(tmp_path / "kwb_2024_swapped.csv", lines[0], lines[1:])
    ctx = ReadContext(layouts={HERKOMST: "kwb2024_herkomst", partner: "statline_csv"})
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(HERKOMST, catalogue=catalogue, context=ctx)
    msg = str(err.value)
    assert err.value.line == 102
    assert "regel 102" in msg and "kwb_2024_swapped.csv" in msg and HERKOMST.name in msg
    assert "'Verspreide huizen Dalese Veld' tegenover 'Verspreide huizen Dale'" in msg
    assert "horen niet bij elkaar" in msg and "Wat te doen" in msg


def test_generated_pair(tmp_path: Path, catalogue: Catalogue) -> None:
    h, ctx = _pair(tmp_path)
    (table,) = read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert table.regions["code"].tolist() == ["GM9999", "WK999900", "BU99990000", "WK999901"]
    assert table.regions["gemeente_name"].tolist() == ["Testdorp"] * 4
    assert _value(table, "WK999901", "a_h_nl") == 300
    missing = table.values[(table.values["indicator_id"] == "a_h_nl")
                           & (table.values["region_key"] == 2)]
    assert math.isnan(missing["value"].iloc[0])
    assert missing["missing_reason"].iloc[0] == "ontbreekt of geheim (CBS '.')"


def test_partner_with_other_inhabitants(tmp_path: Path, catalogue: Catalogue) -> None:
    p_rows = [*_P_ROWS]
    p_rows[2] = p_rows[2].replace(";600", ";650")
    h, ctx = _pair(tmp_path, p_rows=p_rows)
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert err.value.line == 4 and err.value.column == INW_HEADER
    assert "'600' tegenover '650'" in str(err.value)
    assert "kwb_2024_codes_test.csv" in str(err.value)


def test_no_partner(tmp_path: Path, catalogue: Catalogue) -> None:
    h, ctx = _pair(tmp_path, p_rows=_P_ROWS[:3])  # one row short: not a partner
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert "evenveel regels (4)" in str(err.value) and err.value.hint
    with pytest.raises(DataFileError):
        read_kwb_2024.read(h, catalogue=catalogue, context=ReadContext())


def test_broken_inputs(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated broken files.
    bad = [*_H_ROWS]
    bad[1] = '"Wijk 00 Kern";"Testdorp   ";600;vijfhonderd'
    h, ctx = _pair(tmp_path, h_rows=bad)
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert (err.value.line, err.value.column) == (3, NL_HEADER)
    assert "'vijfhonderd'" in str(err.value)

    ragged = [*_H_ROWS]
    ragged[2] = '"Kern";"Testdorp   ";600'
    h, ctx = _pair(tmp_path, h_rows=ragged)
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert err.value.line == 4 and "3 velden" in str(err.value)

    no_gem = f'"Wijken en buurten";"{INW_HEADER}";"{NL_HEADER}"'
    h, ctx = _pair(tmp_path, h_head=no_gem, h_rows=[r.replace('"Testdorp   ";', "")
                                                    for r in _H_ROWS])
    with pytest.raises(DataFileError) as err:
        read_kwb_2024.read(h, catalogue=catalogue, context=ctx)
    assert err.value.column == "Regioaanduiding/Gemeentenaam (naam)"
    assert h.name in str(err.value)
