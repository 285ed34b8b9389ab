"""Core helpers: CBS cell parsing, codes and names, settings resolution."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkanalyse.cbsvalues import invalid_cells, parse_cbs_values
from wijkanalyse.codes import (
    gemeente_code_of,
    is_valid_code,
    level_from_soort,
    level_of,
    name_key,
    normalise_code,
    wijk_code_of,
    wijk_number_from_name,
)
from wijkanalyse.settings import resolve_settings


def test_cbs_symbols_become_missing_with_reason() -> None:
    raw = pd.Series(["  862965", "       .", "x", "-", "?", "", "2,5", "1.9", "12a"])
    values, reasons = parse_cbs_values(raw, decimal="auto")
    assert values.iloc[0] == 862965
    assert values.iloc[6] == 2.5 and values.iloc[7] == 1.9
    assert values.iloc[1:6].isna().all()
    assert "'.'" in reasons.iloc[1] and "geheim" in reasons.iloc[2]
    assert "'-'" in reasons.iloc[3] and "onbetrouwbaar" in reasons.iloc[4]
    assert reasons.iloc[5] == "leeg in bron"
    assert reasons.iloc[0] is None
    assert invalid_cells(reasons).tolist() == [False] * 8 + [True]


def test_statline_decimal_comma() -> None:
    values, _ = parse_cbs_values(pd.Series(["1.234,5", ".", "7"]), decimal=",")
    assert values.iloc[0] == 1234.5 and math.isnan(values.iloc[1]) and values.iloc[2] == 7


def test_numeric_input_passes_through() -> None:
    values, reasons = parse_cbs_values(pd.Series([1.0, None, 3.5]))
    assert values.tolist()[0] == 1.0 and math.isnan(values.tolist()[1])
    assert reasons.tolist() == [None, "leeg in bron", None]


@settings(max_examples=100)  # Hypothesis' own default, not the lighter "ci" profile
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 3)))
def test_decimal_comma_roundtrip(x: float) -> None:
    text = f"{x:.3f}".replace(".", ",")
    values, reasons = parse_cbs_values(pd.Series([f"  {text}"]), decimal=",")
    assert values.iloc[0] == float(f"{x:.3f}") and reasons.iloc[0] is None


def test_codes() -> None:
    assert normalise_code("GM0363    ") == "GM0363"
    assert normalise_code("   ") is None
    assert is_valid_code("WK0363AA") and is_valid_code("BU03630000") and is_valid_code("NL00")
    assert not is_valid_code("WK03")
    assert level_of("BU03630000") == "buurt" and level_of("NL00") == "land"
    assert level_from_soort("Gemeente  ") == "gemeente"
    assert gemeente_code_of("BU03630000") == "GM0363" and wijk_code_of("BU03630000") == "WK036300"


def test_name_keys() -> None:
    assert name_key("Wijk 43 Angelslo") == name_key("Angelslo") == name_key(" ANGELSLO ")
    assert name_key("'s-Gravenhage") == "s gravenhage"
    assert name_key("Sint-Jozef & Heeswijk") == "sint jozef en heeswijk"
    assert name_key("Financiële wijk") == "financiele wijk"
    assert name_key("Lutkemeer/Ookmeer") == name_key("Lutkemeer en Ookmeer")
    assert name_key("Hoofdweg e.o.") == name_key("Hoofdweg en omgeving")
    assert name_key("Nes e.o.") == "nes en omgeving"
    assert wijk_number_from_name("Wijk 10 Maria Gewanden en Terschuren") == "10"
    assert wijk_number_from_name("Maria Gewanden") is None


def test_settings_resolution_order(tmp_path: Path) -> None:
    env = {"WIJKANALYSE_DB": str(tmp_path / "env.duckdb")}
    assert resolve_settings(db=tmp_path / "opt.duckdb", environ=env).db_path == (
        tmp_path / "opt.duckdb")
    assert resolve_settings(environ=env).db_path == tmp_path / "env.duckdb"
    default = resolve_settings(environ={}, cwd=tmp_path)
    assert default.db_path.name == "wijkanalyse.duckdb"
    assert "wijkanalyse" in str(default.db_path.parent)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    work = tmp_path / "main"
    work.mkdir()
    assert resolve_settings(environ={}, cwd=work).source_dir == tmp_path / "shared" / "data"


def test_area_relation_by_the_code_hierarchy() -> None:
    """One implementation for stories and applied approaches (hand-worked cases, Emmen)."""
    from wijkanalyse.codes import area_relation, covers, relation_sentence

    assert covers("GM0114", "BU01144300") and covers("WK011443", "BU01144300")
    assert not covers("WK011443", "BU01144400") and not covers("BU01144300", "WK011443")
    assert covers("NL00", "GM0114") and not covers("GM0114", "GM0363")
    buurt = {"subject_id": "BU01144300", "own": ["BU01144300"], "wijk_codes": ["WK011443"]}
    assert area_relation("BU01144300", "buurt", ["BU01144300"], **buurt) == "eigen"
    assert area_relation("WK011443", "wijk", ["WK011443"], **buurt) == "omvattend"
    assert area_relation("GM0114", "gemeente", ["GM0114"], **buurt) is None
    wijk = {"subject_id": "WK011443", "own": ["WK011443"]}
    assert area_relation("BU01144300", "buurt", ["BU01144300"], **wijk) == "deel"
    assert area_relation("GM0114", "gemeente", ["GM0114"], **wijk) is None
    assert area_relation("x", "gebied", ["BU01144300", "BU01144400"], **wijk) == "overlappend"
    assert area_relation("y", "gebied", ["BU03630000"], **wijk) is None
    assert area_relation("z", "gebied", ["WK011443"], **wijk) == "eigen"
    assert relation_sentence("omvattend", lead="Over", what="wijk Angelslo",
                             subject_kind="buurt") == "Over wijk Angelslo, waarin deze buurt ligt."
    assert relation_sentence("eigen", lead="Toegepast in", what="-",
                             subject_kind="gebied") == "Toegepast in dit gebied."
    assert relation_sentence("overlappend", lead="Over", what="gebied X", subject_kind="wijk") \
        == "Over gebied X, dat deels samenvalt met deze wijk."
