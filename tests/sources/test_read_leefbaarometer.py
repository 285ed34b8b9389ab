"""Tests of the Leefbaarometer 3.0 score file reader."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.codes import is_valid_code
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import leefbaarometer as read_leefbaarometer
from wijkanalyse.sources.registry import ReadContext

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LBM = DATA / "leefbaarometer" / "lbm3_scores_wijken_2002_2024_selection.csv"

needs_data = pytest.mark.skipif(not LBM.exists(), reason="shared/data not available")


@pytest.fixture
def catalogue() -> Catalogue:
    """A small catalogue with the Leefbaarometer scores (``won`` left out on purpose)."""
    base = {"unit": "score", "domain": "leefbaarheid", "kind": "score", "base": "a_inw"}
    return parse_catalogue({
        "meta_columns": {"code": ["wk_code"], "period": ["jaar"]},
        "indicators": [
            {"id": "a_inw", "label": "Inwoners", "unit": "aantal", "domain": "bevolking",
             "kind": "count"},
            {"id": "lbm", "label": "Leefbaarometer", "aliases": ["lbm"], **base},
            {"id": "lbm_afw", "label": "Afwijking", "aliases": ["afw"], **base},
            {"id": "lbm_fys", "label": "Fysieke omgeving", "aliases": ["fys"], **base},
            {"id": "lbm_onv", "label": "Onveiligheid", "aliases": ["onv"], **base},
            {"id": "lbm_soc", "label": "Sociale samenhang", "aliases": ["soc"], **base},
            {"id": "lbm_vrz", "label": "Voorzieningen", "aliases": ["vrz"], **base},
        ],
    })


def _value(table, code: str, year: int, indicator: str) -> tuple[float, object]:
    r = table.regions
    key = r.loc[(r["code"] == code) & (r["year"] == year), "region_key"]
    v = table.values
    hit = v[v["region_key"].isin(key) & (v["indicator_id"] == indicator)]
    assert len(hit) == 1
    assert int(hit["year"].iloc[0]) == year
    return float(hit["value"].iloc[0]), hit["missing_reason"].iloc[0]


_HEAD = '"wk_code","wk_naam","jaar","lbm","afw","fys","onv","soc","vrz","won"'


def _write(path: Path, rows: list[str], header: str = _HEAD) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_sniff(tmp_path: Path) -> None:
    # Generated headers of the three official variants.
    assert read_leefbaarometer.sniff(_write(tmp_path / "w.csv", [])) == "lbm_wijk_csv"
    bu = _write(tmp_path / "b.csv", [], '"bu_code","bu_naam","jaar","lbm","afw"')
    assert read_leefbaarometer.sniff(bu) == "lbm_buurt_csv"
    gm = _write(tmp_path / "g.csv", [], "gm_code;gm_naam;jaar;lbm;afw")
    assert read_leefbaarometer.sniff(gm) == "lbm_gemeente_csv"
    other = _write(tmp_path / "o.csv", [], '"Perioden";"Wijken en buurten"')
    assert read_leefbaarometer.sniff(other) is None
    assert read_leefbaarometer.sniff(tmp_path) is None
    if LBM.exists():
        assert read_leefbaarometer.sniff(LBM) == "lbm_wijk_csv"


@needs_data
def test_real_file(catalogue: Catalogue) -> None:
    (table,) = read_leefbaarometer.read(LBM, catalogue=catalogue, context=ReadContext())
    r = table.regions
    assert len(r) == 3_007 and r["code"].nunique() == 335
    assert set(r["level"]) == {"wijk"}
    assert sorted(set(r["year"])) == [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024]
    assert r["code"].map(is_valid_code).all()
    assert "WK0363AA" in set(r["code"])
    assert r.loc[r["code"] == "WK0363AA", "name"].iloc[0] == "Haarlemmerbuurt"
    assert _value(table, "WK001403", 2024, "lbm") == (3.99955665916473, None)
    assert _value(table, "WK001403", 2024, "lbm_afw") == (-0.102708191978951, None)
    assert _value(table, "WK001403", 2014, "lbm_fys") == (0.0197436987086535, None)
    value, reason = _value(table, "WK001403", 2016, "lbm_fys")  # no dimensions in 2016
    assert math.isnan(value) and reason == "leeg in bron (NA)"
    src = table.source
    assert (src.kind, src.layout, src.table_id, src.year) == (
        "leefbaarometer", "lbm_wijk_csv", None, None)
    assert src.label == "Leefbaarometer 3.0, ministerie van BZK"
    assert [i.column for i in table.issues if i.kind == "unmapped_column"] == ["won"]
    # PROVENANCE: lbm - afw is constant and the dimensions add up to afw in every row.
    assert [i for i in table.issues if i.kind == "note"] == []


@needs_data
def test_real_file_consistency_by_hand() -> None:
    frame = pd.read_csv(LBM)
    diff = frame["lbm"] - frame["afw"]
    assert np.allclose(diff, 4.1022648511437, atol=1e-9, rtol=0)
    dims = frame[["fys", "onv", "soc", "vrz", "won"]].dropna()
    assert len(dims) > 0
    assert np.allclose(dims.sum(axis=1), frame.loc[dims.index, "afw"], atol=1e-9, rtol=0)


def test_generated_inconsistent_rows(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated: constant 4.0; line 3 breaks lbm - afw, line 4 breaks the dimension sum.
    rows = ['"WK999900","Kern",2020,4.1,0.1,0.02,0.02,0.02,0.02,0.02',
            '"WK999900","Kern",2022,4.3,0.2,0.04,0.04,0.04,0.04,0.04',
            '"WK999901","Buiten",2022,3.9,-0.1,-0.05,-0.05,-0.05,NA,NA',
            '"WK999901","Buiten",2024,3.8,-0.2,-0.04,-0.04,-0.04,-0.04,-0.05']
    (table,) = read_leefbaarometer.read(_write(tmp_path / "lbm.csv", rows),
                                        catalogue=catalogue, context=ReadContext())
    notes = [(i.line, i.detail) for i in table.issues if i.kind == "note"]
    assert len(notes) == 2
    assert notes[0][0] == 3 and notes[0][1].startswith("WK999900 2022: lbm − afw = 4.1")
    assert notes[1][0] == 5 and "tellen op tot -0.21" in notes[1][1]
    assert _value(table, "WK999901", 2022, "lbm_vrz")[1] == "leeg in bron (NA)"


def test_broken_inputs(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated broken files.
    ok = '"WK999900","Kern",2020,4.1,0.1,NA,NA,NA,NA,NA'
    cases = [
        (['"WK999900","Kern",2020,4.1,hoog,NA,NA,NA,NA,NA'], 2, "afw", "'hoog'"),
        ([ok, '"WK999900","Kern",twintig,4.1,0.1,NA,NA,NA,NA,NA'], 3, "jaar", "geen jaartal"),
        ([ok, '"GM9999","Testdorp",2020,4.1,0.1,NA,NA,NA,NA,NA'], 3, "wk_code", "geen wijkcode"),
        ([ok, '"WK99","Kern",2022,4.1,0.1,NA,NA,NA,NA,NA'], 3, "wk_code", "geen CBS-regiocode"),
        ([ok, ok], 3, "wk_code", "twee keer"),
        ([ok, '"WK999900","Kern",2022,4.1,0.1'], 3, None, "5 velden"),
    ]
    for rows, line, column, text in cases:
        path = _write(tmp_path / "lbm.csv", rows)
        with pytest.raises(DataFileError) as err:
            read_leefbaarometer.read(path, catalogue=catalogue, context=ReadContext())
        assert (err.value.line, err.value.column) == (line, column), text
        assert text in str(err.value) and "lbm.csv" in str(err.value)

    no_year = _write(tmp_path / "lbm.csv", ['"WK999900","Kern",4.1'], '"wk_code","wk_naam","lbm"')
    with pytest.raises(DataFileError) as err:
        read_leefbaarometer.read(no_year, catalogue=catalogue, context=ReadContext())
    assert err.value.column == "jaar" and err.value.line == 1
