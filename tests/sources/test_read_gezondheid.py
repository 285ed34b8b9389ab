"""RIVM/GGD Gezondheidsmonitor 2016 per wijk: the real file with pinned estimates, the columns
that are deliberately not loaded, and generated broken copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import gezondheid as read_gezondheid
from wijkanalyse.sources.registry import ReadContext, detect
from wijkanalyse.sourcetable import SourceTable

NAME = "gezondheid/rivm_gezondheidsmonitor_2016_wijk_eenzaamheid.csv"


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture(scope="module")
def table(shared_data: Path, cat) -> SourceTable:
    tables = read_gezondheid.read(shared_data / NAME, catalogue=cat, context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def value(table: SourceTable, code: str, indicator: str):
    key = table.regions.loc[table.regions["code"] == code, "region_key"].item()
    row = table.values[(table.values["region_key"] == key)
                       & (table.values["indicator_id"] == indicator)].iloc[0]
    return row["value"], row["missing_reason"]


def test_sniff(shared_data: Path) -> None:
    assert detect(shared_data / NAME)[0] == "ggd_gezondheidsmonitor_csv"
    assert read_gezondheid.sniff(
        shared_data / "leefbaarometer" / "lbm3_scores_wijken_2002_2024_selection.csv") is None


def test_source_and_pinned_estimates(table: SourceTable) -> None:
    src = table.source
    assert (src.kind, src.layout, src.year) == ("gezondheid", "ggd_gezondheidsmonitor_csv", 2016)
    assert src.label == "RIVM/GGD, Gezondheidsmonitor Volwassenen en Ouderen 2016"
    # 2,983 rows, WK191104 three times word for word: 2,981 wijken
    assert len(table.regions) == 2981 and set(table.regions["level"]) == {"wijk"}
    # Wijk 43 Angelslo (Emmen), one of the twelve neighbourhoods of the 2016 programme
    assert value(table, "WK011443", "gzm_p_eenzaam")[0] == 49
    assert value(table, "WK011443", "gzm_p_ernstig_eenzaam")[0] == 14
    assert value(table, "WK011443", "gzm_p_goede_gezondheid")[0] == 67
    assert value(table, "WK011443", "gzm_a_19_oo")[0] == 6230
    assert value(table, "WK036300", "gzm_a_inw")[0] == 4280
    assert value(table, "WK036300", "gzm_p_regie")[0] == 93
    v, reason = value(table, "WK003406", "gzm_p_eenzaam")  # Almere Pampus: no inhabitants
    assert v != v and reason == "leeg in bron"
    row = table.regions[table.regions["code"] == "WK011443"].iloc[0]
    assert (row["name"], row["gemeente_name"]) == ("Wijk 43 Angelslo", "Emmen")
    assert set(table.values["indicator_id"]) == set(read_gezondheid.COLUMNS.values())


def test_columns_not_loaded_are_named_with_their_reason(table: SourceTable) -> None:
    notes = {i.column: i.detail for i in table.issues if i.kind == "note" and i.column}
    assert set(notes) == set(read_gezondheid.NOT_LOADED)
    assert "75-plussers" in notes["Bevolking 65 jaar en ouder"]
    assert "p_1p_hh" in notes["% eenpersoons huishoudens"]
    repeats = [i for i in table.issues if i.kind == "note" and i.line]
    assert [i.line for i in repeats] == [2826, 2827] and "WK191104" in repeats[0].detail
    assert not [i for i in table.issues if i.kind == "unmapped_column"]


def _broken(shared_data: Path, tmp_path: Path, fix, name: str =
            "generated_gezondheidsmonitor_2016_broken.csv") -> Path:
    lines = (shared_data / NAME).read_text(encoding="utf-8").splitlines()
    out = tmp_path / name
    out.write_text("\n".join(fix(lines)) + "\n", encoding="utf-8")
    return out


def _read(path: Path, cat) -> SourceTable:
    return read_gezondheid.read(path, catalogue=cat, context=ReadContext())[0]


def test_bad_cell_names_file_line_and_column(shared_data: Path, tmp_path: Path, cat) -> None:
    path = _broken(shared_data, tmp_path,
                   lambda ls: [*ls[:2], ls[2].replace(",38,8,42,", ",38,8%,42,"), *ls[3:]])
    with pytest.raises(DataFileError) as err:
        _read(path, cat)
    text = str(err.value)
    assert "generated_gezondheidsmonitor_2016_broken.csv" in text and "regel 3" in text
    assert "'% ernstig eenzaam*'" in text and "'8%'" in text


def test_same_wijk_with_different_figures(shared_data: Path, tmp_path: Path, cat) -> None:
    path = _broken(shared_data, tmp_path,
                   lambda ls: [*ls[:3], ls[1].replace(",46,10,", ",45,10,"), *ls[3:]])
    with pytest.raises(DataFileError, match=r"regel 4.*'wijkcode'.*WK000300 staat twee keer"):
        _read(path, cat)


def test_gemeente_number_must_match_the_code(shared_data: Path, tmp_path: Path, cat) -> None:
    path = _broken(shared_data, tmp_path,
                   lambda ls: [*ls[:1], ls[1].replace("Wijk 00,3,", "Wijk 00,4,"), *ls[2:]])
    with pytest.raises(DataFileError, match=r"regel 2.*'gemnr'.*'4' past niet bij WK000300"):
        _read(path, cat)


def test_year_from_the_file_name(shared_data: Path, tmp_path: Path, cat) -> None:
    path = _broken(shared_data, tmp_path, lambda ls: ls, name="generated_gezondheidsmonitor.csv")
    with pytest.raises(DataFileError, match="jaar"):
        _read(path, cat)
