"""The Wijk- en Buurtkaart attribute tables (.dbf): real files with pinned figures, and broken
tables generated under tmp_path (labelled as generated: they are not CBS data)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.kwb_csv import read as read_kwb_csv
from wijkanalyse.sources.registry import ReadContext, detect
from wijkanalyse.sources.wbk_dbf import LAYOUT, LAYOUT_DIVISION, read, read_dbf, sniff
from wijkanalyse.sourcetable import SourceTable

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KWB = DATA / "kwb"
WIJK_2017 = KWB / "wijk_2017_wijkbuurtkaart_attributes.dbf"
GEM_2017 = KWB / "gem_2017_wijkbuurtkaart_attributes.dbf"
WIJK_2023 = KWB / "wijk_2023_v0_codes_names.dbf"
CAT = load_catalogue()


def _read(path: Path) -> SourceTable:
    tables = read(path, catalogue=CAT, context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def _values(t: SourceTable) -> pd.DataFrame:
    return t.values.merge(t.regions[["region_key", "code"]], on="region_key")


def _value(t: SourceTable, code: str, ind: str) -> float:
    v = _values(t)
    hit = v[(v["code"] == code) & (v["indicator_id"] == ind)]
    assert len(hit) == 1, (code, ind)
    return float(hit["value"].iloc[0])


@pytest.fixture(scope="module")
def wijk2017() -> SourceTable:
    return _read(WIJK_2017)


@pytest.fixture(scope="module")
def gem2017() -> SourceTable:
    return _read(GEM_2017)


# ------------------------------------------------------------------------------ real files


def test_sniff_real_files_and_registry() -> None:
    assert sniff(WIJK_2017) == LAYOUT and sniff(GEM_2017) == LAYOUT
    assert sniff(WIJK_2023) == LAYOUT_DIVISION
    hit = detect(WIJK_2017)
    assert hit is not None and hit[0] == LAYOUT
    assert sniff(KWB / "kwb_2017_amsterdam_statline_export.csv") is None
    assert sniff(KWB) is None


def test_wijken_2017_pinned(wijk2017: SourceTable) -> None:
    t = wijk2017
    assert t.source.year == 2017 and t.source.kind == "kwb"
    assert t.source.label == "CBS, Wijk- en Buurtkaart 2017 (wijken)"
    assert len(t.regions) == 3070 and t.regions["code"].is_unique  # land wijken only
    assert set(t.regions["level"]) == {"wijk"}
    v = _values(t)
    assert v.loc[v["indicator_id"] == "a_inw", "value"].sum() == 17_078_610
    assert _value(t, "WK036300", "a_inw") == 4245
    assert _value(t, "WK036310", "a_inw") == 190
    r = t.regions.set_index("code")
    assert r.loc["WK036300", "name"] == "Burgwallen-Oude Zijde"
    assert r.loc["WK036300", "gemeente_name"] == "Amsterdam"
    # UTF-8 text (GDAL without .cpg would read 'SkarsterlÃ¢n')
    assert "Wijk 42 Wielenpôlle" in set(r["name"])


def test_wijken_2017_water_and_dummy_rows_left_out(wijk2017: SourceTable) -> None:
    codes = set(wijk2017.regions["code"])
    assert "WK001099" not in codes and "WK999999" not in codes
    notes = [i.detail for i in wijk2017.issues if i.kind == "note"]
    assert any(d.startswith("88 gebieden met WATER = 'JA'") for d in notes)
    assert any("record 3159 (WK999999): WATER = 'B'" in d for d in notes)
    assert any("hele procenten" in d for d in notes)


def test_wijken_2017_equal_to_statline_export(wijk2017: SourceTable) -> None:
    """Every Amsterdam wijk figure the two files share is equal (99 wijken, 11 indicators)."""
    csv = read_kwb_csv(KWB / "kwb_2017_amsterdam_statline_export.csv", catalogue=CAT,
                       context=ReadContext())[0]
    a = _values(wijk2017).dropna(subset=["value"])
    b = _values(csv).dropna(subset=["value"])
    both = a.merge(b, on=["code", "indicator_id"], suffixes=("_dbf", "_csv"))
    assert both["code"].nunique() == 99
    assert set(both["indicator_id"]) >= {"a_inw", "a_man", "a_hh", "g_hhgro", "bev_dich",
                                         "a_opp_ha", "ste_oad", "ste_mvs"}
    assert both["indicator_id"].nunique() == 11
    assert len(both) == 1087  # 99 x 11 less 2 figures present in one file only
    assert np.allclose(both["value_dbf"], both["value_csv"])


def test_whole_percentages_agree_with_counts(wijk2017: SourceTable) -> None:
    """P_00_14_JR is 100 * a_00_14 / a_inw rounded to whole percents. CBS rounds from exact
    counts (error <= 0.5); the export's counts are rounded to 5 (error <= 2.5 each, so the
    ratio is off by at most about 100 * 5 / a_inw percentage points)."""
    csv = read_kwb_csv(KWB / "kwb_2017_amsterdam_statline_export.csv", catalogue=CAT,
                       context=ReadContext())[0]
    counts = _values(csv).pivot_table(index="code", columns="indicator_id", values="value")
    pct = _values(wijk2017).pivot_table(index="code", columns="indicator_id", values="value")
    j = counts[["a_00_14", "a_65_oo", "a_inw"]].join(pct[["p_00_14_jr", "p_65_eo_jr"]],
                                                      how="inner")
    j = j[j["a_inw"] >= 100]
    assert len(j) >= 90
    bound = 0.5 + 500 / j["a_inw"]
    assert ((j["p_00_14_jr"] - 100 * j["a_00_14"] / j["a_inw"]).abs() <= bound).all()
    assert ((j["p_65_eo_jr"] - 100 * j["a_65_oo"] / j["a_inw"]).abs() <= bound).all()


def test_every_column_maps(wijk2017: SourceTable, gem2017: SourceTable) -> None:
    for t in (wijk2017, gem2017, _read(WIJK_2023)):
        assert [i for i in t.issues if i.kind == "unmapped_column"] == []
    assert len(set(wijk2017.values["indicator_id"])) == 30  # 36 fields - 6 region columns


def test_percentages_are_rates_with_base(wijk2017: SourceTable) -> None:
    assert _value(wijk2017, "WK036300", "p_00_14_jr") == 6  # Burgwallen-Oude Zijde
    for ind in ("p_00_14_jr", "p_west_al", "p_n_w_al", "p_eenp_hh"):
        assert CAT[ind].kind == "rate" and CAT[ind].unit == "%"
    assert CAT["p_eenp_hh"].base == "a_hh" and CAT["p_n_w_al"].base == "a_inw"
    v = _values(wijk2017)
    pct = v[v["indicator_id"].str.startswith("p_")].dropna(subset=["value"])
    assert (pct["value"] == pct["value"].round()).all()  # whole percentages
    assert pct["value"].between(0, 100).all()


def test_secret_codes_become_missing_with_reason(wijk2017: SourceTable) -> None:
    v = _values(wijk2017)
    missing = v[v["value"].isna()]
    assert len(missing) > 0
    assert set(missing["missing_reason"]) == {"geheim of onbekend (CBS-kaartcode -99999999)"}
    assert (v["value"].dropna() > -99_999_990).all()


def test_gemeenten_2017_pinned(gem2017: SourceTable) -> None:
    t = gem2017
    assert len(t.regions) == 388 and t.regions["code"].is_unique
    assert set(t.regions["level"]) == {"gemeente"}
    v = _values(t)
    assert v.loc[v["indicator_id"] == "a_inw", "value"].sum() == 17_081_507
    assert _value(t, "GM0363", "a_inw") == 844_947
    assert _value(t, "GM0518", "a_inw") == 524_882
    r = t.regions.set_index("code")
    assert r.loc["GM1900", "name"] == "Súdwest-Fryslân"
    assert r.loc["GM0518", "name"] == "'s-Gravenhage"


def test_division_2023_regions_without_values() -> None:
    t = _read(WIJK_2023)
    assert t.source.layout == LAYOUT_DIVISION and t.source.year == 2023
    assert t.source.kind == "boundaries"
    assert len(t.values) == 0
    assert len(t.regions) == 3353 and t.regions["code"].is_unique  # 3,434 - 81 water
    r = t.regions.set_index("code")
    assert r.loc["WK0363AA", "name"] == "Haarlemmerbuurt"
    assert r.loc["WK0363AA", "gemeente_name"] == "Amsterdam"
    assert "WK036399" not in r.index  # "Groot water"
    assert (r["gemeente_name"] == "Amsterdam").sum() == 110
    assert any(i.detail.startswith("81 gebieden met WATER = 'JA'") for i in t.issues)


def test_parser_speed_and_encoding() -> None:
    frame, header = read_dbf(WIJK_2017)
    assert header.n_records == 3159 and len(header.fields) == 36
    assert len(frame) == 3159 and frame["__record__"].tolist()[:2] == [1, 2]


# --------------------------------------------------------------------- generated tables


def _dbf(path: Path, fields: list[tuple[str, str, int, int]], rows: list[list[object]], *,
         encoding: str = "utf-8", deleted: set[int] | None = None,
         truncate: int = 0) -> Path:
    """Write a GENERATED dBASE III file (test data, not from CBS)."""
    deleted = deleted or set()
    reclen = 1 + sum(f[2] for f in fields)
    header_len = 32 + 32 * len(fields) + 1
    out = bytearray(struct.pack("<BBBBIHH20x", 0x03, 125, 1, 1, len(rows), header_len, reclen))
    for name, ftype, length, dec in fields:
        out += struct.pack("<11sc4xBB14x", name.encode("ascii"), ftype.encode("ascii"), length,
                           dec)
    out += b"\r"
    for i, row in enumerate(rows, start=1):
        out += b"*" if i in deleted else b" "
        for (name, ftype, length, _), value in zip(fields, row, strict=True):
            if isinstance(value, bytes):
                cell = value
            elif ftype == "C":
                cell = ("" if value is None else str(value)).encode(encoding)
            else:
                cell = ("" if value is None else str(value)).encode("ascii")
            cell = cell.ljust(length) if ftype == "C" else cell.rjust(length)
            assert len(cell) == length, (name, value)
            out += cell
    out += b"\x1a"
    data = bytes(out[: len(out) - truncate]) if truncate else bytes(out)
    path.write_bytes(data)
    return path


WIJK_FIELDS = [("WK_CODE", "C", 8, 0), ("WK_NAAM", "C", 30, 0), ("GM_CODE", "C", 6, 0),
               ("GM_NAAM", "C", 30, 0), ("WATER", "C", 4, 0), ("AANT_INW", "N", 10, 0),
               ("P_00_14_JR", "N", 10, 0), ("GEM_HH_GR", "N", 11, 1)]


def _rows() -> list[list[object]]:
    return [
        ["WK999901", "Wijk 01 Proefdorp", "GM9990", "Proefgemeente", "NEE", 1200, 18, 2.3],
        ["WK999902", "Wijk 02 Zeezicht", "GM9990", "Proefgemeente", "NEE", 35, -99999997, 2.0],
        ["WK999999", None, "GM9990", "Proefgemeente", "JA", -99999999, -99999999,
         -99999999.0],
    ]


def test_generated_table_values_water_and_threshold_code(tmp_path: Path) -> None:
    p = _dbf(tmp_path / "wijk_2019_gegenereerd.dbf", WIJK_FIELDS, _rows())
    assert sniff(p) == LAYOUT
    t = _read(p)
    assert t.source.year == 2019
    assert t.regions["code"].tolist() == ["WK999901", "WK999902"]
    assert _value(t, "WK999901", "a_inw") == 1200
    assert _value(t, "WK999901", "g_hhgro") == pytest.approx(2.3)
    v = _values(t)
    row = v[(v["code"] == "WK999902") & (v["indicator_id"] == "p_00_14_jr")].iloc[0]
    assert np.isnan(row["value"])
    assert row["missing_reason"] == "geheim: minder dan de drempelwaarde (CBS-kaartcode -99999997)"
    assert row["source_column"] == "P_00_14_JR"


def test_generated_deleted_records_are_skipped(tmp_path: Path) -> None:
    p = _dbf(tmp_path / "wijk_2019_gegenereerd.dbf", WIJK_FIELDS, _rows(), deleted={1})
    assert _read(p).regions["code"].tolist() == ["WK999902"]


def test_generated_bad_number_names_file_record_and_field(tmp_path: Path) -> None:
    rows = _rows()
    rows[1][5] = "12a"
    p = _dbf(tmp_path / "wijk_2019_kapot.dbf", WIJK_FIELDS, rows)
    with pytest.raises(DataFileError) as err:
        _read(p)
    msg = str(err.value)
    assert "wijk_2019_kapot.dbf" in msg and "record 2" in msg and "AANT_INW" in msg
    assert "'12a' is geen getal" in msg and "Wat te doen" in msg
    assert err.value.column == "AANT_INW"


def test_generated_bad_code_names_record_and_field(tmp_path: Path) -> None:
    rows = _rows()
    rows[0][0] = "WIJK1"
    p = _dbf(tmp_path / "wijk_2019_kapot.dbf", WIJK_FIELDS, rows)
    with pytest.raises(DataFileError, match=r"record 1, veld WK_CODE: 'WIJK1' is geen "
                                            r"CBS-wijkcode"):
        _read(p)


def test_generated_truncated_file(tmp_path: Path) -> None:
    p = _dbf(tmp_path / "wijk_2019_kapot.dbf", WIJK_FIELDS, _rows(), truncate=40)
    with pytest.raises(DataFileError, match=r"afgebroken: de kop noemt 3 records, er staan er "
                                            r"2 volledig in \(record 3 is onvolledig\)"):
        _read(p)
    assert sniff(p) == LAYOUT  # the header is fine; reading says what is wrong


def test_generated_text_not_utf8_names_record_and_field(tmp_path: Path) -> None:
    rows = _rows()
    rows[0][1] = "Wijk 01 Skarsterlân"
    p = _dbf(tmp_path / "wijk_2019_latin.dbf", WIJK_FIELDS, rows, encoding="cp1252")
    with pytest.raises(DataFileError, match=r"record 1, veld WK_NAAM: de tekst is geen utf-8"):
        _read(p)
    p.with_suffix(".cpg").write_text("1252")
    assert "Wijk 01 Skarsterlân" in set(_read(p).regions["name"])


def test_generated_record_misaligned_and_header_errors(tmp_path: Path) -> None:
    p = _dbf(tmp_path / "wijk_2019_kapot.dbf", WIJK_FIELDS, _rows())
    raw = bytearray(p.read_bytes())
    header_len = struct.unpack("<H", raw[8:10])[0]
    raw[header_len] = ord("X")
    p.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match=r"record 1: de wisvlag is 'X'"):
        _read(p)
    q = tmp_path / "wijk_2019_geen.dbf"
    q.write_bytes(b"\x03" + b"\0" * 20)
    assert sniff(q) is None
    with pytest.raises(DataFileError, match="te kort voor een dBASE-kop"):
        _read(q)


def test_generated_duplicate_code_is_a_conflict(tmp_path: Path) -> None:
    rows = _rows()[:2] + [["WK999901", "Wijk 01 Proefdorp", "GM9990", "Proefgemeente", "NEE",
                           1250, 18, 2.3]]
    t = _read(_dbf(tmp_path / "wijk_2019_dubbel.dbf", WIJK_FIELDS, rows))
    assert t.regions["code"].tolist() == ["WK999901", "WK999902"]
    assert _value(t, "WK999901", "a_inw") == 1200  # the first copy
    conflicts = [i for i in t.issues if i.kind == "conflict"]
    assert len(conflicts) == 1
    assert "WK999901" in conflicts[0].detail and "record 1" in conflicts[0].detail
    assert "record 3" in conflicts[0].detail and "AANT_INW 1200 tegen 1250" in conflicts[0].detail


def test_generated_year_rules(tmp_path: Path) -> None:
    fields = [*WIJK_FIELDS[:5], ("JAAR", "N", 4, 0)]
    rows = [[*r[:5], 2021] for r in _rows()]
    assert _read(_dbf(tmp_path / "indeling.dbf", fields, rows)).source.year == 2021
    with pytest.raises(DataFileError, match="kolom JAAR zegt 2021, de bestandsnaam 2019"):
        _read(_dbf(tmp_path / "wijk_2019.dbf", fields, rows))
    with pytest.raises(DataFileError, match="het jaar van de Wijk- en Buurtkaart is onbekend"):
        _read(_dbf(tmp_path / "wijken.dbf", WIJK_FIELDS, _rows()))


def test_generated_unknown_column_is_reported(tmp_path: Path) -> None:
    fields = [*WIJK_FIELDS, ("NIEUW_VELD", "N", 10, 0)]
    rows = [[*r, 1] for r in _rows()]
    t = _read(_dbf(tmp_path / "wijk_2019.dbf", fields, rows))
    unmapped = [i for i in t.issues if i.kind == "unmapped_column"]
    assert [i.column for i in unmapped] == ["NIEUW_VELD"]


def test_dbf_without_region_code_is_not_sniffed(tmp_path: Path) -> None:
    p = _dbf(tmp_path / "iets.dbf", [("NAAM", "C", 10, 0), ("AANTAL", "N", 5, 0)],
             [["a", 1]])
    assert sniff(p) is None
    with pytest.raises(DataFileError, match="geen kolom BU_CODE, WK_CODE of GM_CODE"):
        _read(p)
