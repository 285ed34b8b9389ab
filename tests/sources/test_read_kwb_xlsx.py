"""The official CBS kwb-YYYY.xlsx layout: real Utrecht files (2023, 2024) with pinned figures,
and generated broken copies (written under tmp_path, named generated_*)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import kwb_xlsx as read_kwb_xlsx
from wijkanalyse.sources.registry import ReadContext, detect
from wijkanalyse.sourcetable import SourceTable

KWB23 = "kwb/kwb_2023_utrecht_cbs_xlsx.xlsx"
KWB24 = "kwb/kwb_2024_utrecht_cbs_xlsx.xlsx"


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def read(path: Path, cat) -> SourceTable:
    tables = read_kwb_xlsx.read(path, catalogue=cat, context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def value(table: SourceTable, code: str, indicator: str) -> tuple[float, str | None, str]:
    key = table.regions.loc[table.regions["code"] == code, "region_key"].item()
    row = table.values[(table.values["region_key"] == key)
                       & (table.values["indicator_id"] == indicator)]
    assert len(row) == 1, (code, indicator)
    r = row.iloc[0]
    return r["value"], r["missing_reason"], r["source_column"]


def test_sniff(shared_data: Path, tmp_path: Path) -> None:
    assert detect(shared_data / KWB23)[0] == "kwb_xlsx"
    assert detect(shared_data / KWB24)[0] == "kwb_xlsx"
    assert read_kwb_xlsx.sniff(shared_data / "kwb" / "kwb_2019_denhaag_statline_export.csv") is None
    other = tmp_path / "generated_other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["naam", "waarde"])
    wb.save(other)
    assert read_kwb_xlsx.sniff(other) is None
    (tmp_path / "generated_broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    assert read_kwb_xlsx.sniff(tmp_path / "generated_broken.xlsx") is None


def test_utrecht_2023_pinned(shared_data: Path, cat) -> None:
    t = read(shared_data / KWB23, cat)
    assert t.source.layout == "kwb_xlsx" and t.source.kind == "kwb"
    assert (t.source.year, t.source.table_id) == (2023, "85618NED")
    assert t.source.label == "CBS, Kerncijfers Wijken en Buurten 2023"
    assert t.regions["level"].value_counts().to_dict() == {"buurt": 111, "wijk": 10,
                                                           "gemeente": 1}
    assert value(t, "GM0344", "a_inw")[0] == 367947
    assert value(t, "GM0344", "g_woz") == (458, None, "g_wozbag")  # × €1,000
    assert value(t, "GM0344", "p_wcorpw")[0] == 31
    assert value(t, "GM0344", "a_soz_wb")[0] == 10410  # stored as text "10410" in the sheet
    assert value(t, "GM0344", "g_hhgro")[0] == pytest.approx(1.9)
    v, reason, _ = value(t, "GM0344", "g_ink_pi")  # income is "." in this release
    assert v != v and reason == "ontbreekt of geheim (CBS '.')"
    wijk = t.regions[t.regions["code"] == "WK034401"].iloc[0]
    assert (wijk["name"], wijk["gemeente_name"], wijk["line"]) == ("Wijk 01 West", "Utrecht", 3)
    # every column is a region role or an indicator: nothing unmapped, 114 indicators per row
    assert not t.issues
    assert t.values.groupby("region_key").size().eq(114).all()


def test_utrecht_2024_pinned(shared_data: Path, cat) -> None:
    t = read(shared_data / KWB24, cat)
    assert (t.source.year, t.source.table_id) == (2024, "85984NED")
    assert value(t, "GM0344", "a_inw")[0] == 374238
    assert value(t, "BU03440111", "a_inw")[0] == 1800
    # the sheet is called 'Gemeente-Utrecht': the year comes from the file name, said in a note
    assert [i.kind for i in t.issues] == ["note"]
    assert "Gemeente-Utrecht" in t.issues[0].detail and "2024" in t.issues[0].detail


# --------------------------------------------------------------------------- broken copies


@pytest.fixture(scope="module")
def first_rows(shared_data: Path) -> list[tuple]:
    """Header and the first 8 data rows of the real 2023 workbook."""
    wb = openpyxl.load_workbook(shared_data / KWB23, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(max_row=9, values_only=True))
    wb.close()
    return rows


def broken_copy(first_rows: list[tuple], tmp_path: Path, edit,
                name: str = "generated_kwb-2023.xlsx", sheet: str = "kwb-2023") -> Path:
    """A generated workbook: the real header and first rows, with one edit (Excel rows)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in first_rows:
        ws.append(row)
    edit(ws)
    out = tmp_path / name
    wb.save(out)
    return out


def column_of(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def test_bad_cell_names_file_row_and_column(first_rows, tmp_path: Path, cat) -> None:
    def edit(ws):
        ws.cell(row=5, column=column_of(ws, "a_inw"), value="12a")

    path = broken_copy(first_rows, tmp_path, edit)
    with pytest.raises(DataFileError) as err:
        read(path, cat)
    text = str(err.value)
    assert "generated_kwb-2023.xlsx" in text and "regel 5" in text and "'a_inw'" in text
    assert "'12a'" in text and "Wat te doen" in text


def test_duplicate_code(first_rows, tmp_path: Path, cat) -> None:
    def edit(ws):
        for col in ("gwb_code_10", "gwb_code"):
            ws.cell(row=4, column=column_of(ws, col), value="WK034401")
        ws.cell(row=4, column=column_of(ws, "gwb_code_8"), value="034401")
        ws.cell(row=4, column=column_of(ws, "recs"), value="Wijk")

    with pytest.raises(DataFileError, match=r"regel 4.*'gwb_code_10'.*WK034401 staat twee keer"):
        read(broken_copy(first_rows, tmp_path, edit), cat)


def test_code_columns_must_agree(first_rows, tmp_path: Path, cat) -> None:
    def edit(ws):
        ws.cell(row=3, column=column_of(ws, "gwb_code_8"), value="034402")

    with pytest.raises(DataFileError, match=r"regel 3.*'gwb_code_8'.*past niet bij"):
        read(broken_copy(first_rows, tmp_path, edit), cat)


def test_recs_must_agree_with_code(first_rows, tmp_path: Path, cat) -> None:
    def edit(ws):
        ws.cell(row=3, column=column_of(ws, "recs"), value="Buurt")

    with pytest.raises(DataFileError, match=r"regel 3.*'recs'.*'Buurt'.*WK034401"):
        read(broken_copy(first_rows, tmp_path, edit), cat)


def test_year_sheet_and_file_name_disagree(first_rows, tmp_path: Path, cat) -> None:
    path = broken_copy(first_rows, tmp_path, lambda ws: None, name="generated_kwb-2022.xlsx")
    with pytest.raises(DataFileError, match="kwb-2023.*2022"):
        read(path, cat)


def test_no_year_anywhere(first_rows, tmp_path: Path, cat) -> None:
    path = broken_copy(first_rows, tmp_path, lambda ws: None, name="generated_utrecht.xlsx",
                       sheet="Utrecht")
    with pytest.raises(DataFileError, match="jaar"):
        read(path, cat)


def test_unknown_column_is_reported_not_dropped(first_rows, tmp_path: Path, cat) -> None:
    def edit(ws):
        col = ws.max_column + 1
        ws.cell(row=1, column=col, value="x_nieuw")
        ws.cell(row=2, column=col, value=1)

    t = read(broken_copy(first_rows, tmp_path, edit), cat)
    assert [(i.kind, i.column) for i in t.issues] == [("unmapped_column", "x_nieuw")]
