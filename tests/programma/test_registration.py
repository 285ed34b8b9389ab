"""Registrations: the 2016 file end to end, and late, duplicate and incomplete rows kept with a
Dutch reason naming file, row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.programma import (
    Programme,
    Registration,
    RejectedRow,
    Resolution,
    import_registrations,
    register,
)

from .conftest import DATA

GOOD = {"gemeente": "Delft", "wijk": "Buitenhof", "themas": "wonen|menging",
        "contactpersoon": "A. de Vries", "email": "a.devries@delft.example",
        "datum": "2016-10-01", "partner": "ja",
        "deelnemer1_naam": "A", "deelnemer1_organisatie": "Gemeente Delft",
        "deelnemer2_naam": "B", "deelnemer2_organisatie": "Woonbron"}


def test_2016_file_gives_twelve_cities_with_their_wijken(programme_2016: Programme) -> None:
    regs = programme_2016.registrations
    assert [r.gemeente for r in regs] == [
        "Groningen", "Emmen", "Lelystad", "Haarlem", "Enschede", "Delft", "Schiedam",
        "'s-Hertogenbosch", "Eindhoven", "Maastricht", "Zoetermeer", "Parkstad Limburg"]
    by = {r.gemeente: r for r in regs}
    assert by["Lelystad"].wijk_codes == ("BU09950633", "BU09950634", "BU09950635",
                                         "BU09950637")
    assert by["Emmen"].wijk_codes == ("WK011443",)
    assert by["Parkstad Limburg"].provincie == "Limburg"
    assert by["Parkstad Limburg"].inwoners == 256180  # 7 gemeenten, a_inw KWB 2024
    assert by["Groningen"].themes == ("verdichting", "wonen", "participatie")
    assert [r.id for r in regs if r.warnings] == ["p11"]  # Zoetermeer: both from the gemeente
    assert "Gemeente Zoetermeer" in by["Zoetermeer"].warnings[0]


def test_late_registration_is_kept_with_reason(empty_2016: Programme) -> None:
    out = register(empty_2016, {**GOOD, "datum": "15-10-2016"}, source="a.csv", row=7)
    assert isinstance(out, RejectedRow)
    assert out.reason.startswith("a.csv, rij 7, kolom 'datum': te laat aangemeld (15-10-2016")
    assert "14-10-2016" in out.reason
    assert out.values["gemeente"] == "Delft"  # nothing lost


def test_deadline_day_itself_is_in_time(empty_2016: Programme) -> None:
    out = register(empty_2016, {**GOOD, "datum": "2016-10-14"})
    assert isinstance(out, Registration) and out.received == dt.date(2016, 10, 14)


@pytest.mark.parametrize(("change", "column", "words"), [
    ({"wijk": ""}, "wijk", "leeg"),
    ({"email": "geen-adres"}, "email", "geen e-mailadres"),
    ({"deelnemer2_naam": "", "deelnemer2_organisatie": ""}, "deelnemer2_naam",
     "twee of drie deelnemers"),
    ({"deelnemer2_organisatie": ""}, "deelnemer2_organisatie", "geen organisatie"),
    ({"datum": "gisteren"}, "datum", "geen datum"),
    ({"partner": "misschien"}, "partner", "ja of nee"),
])
def test_incomplete_rows_name_row_and_column(empty_2016: Programme, change: dict[str, str],
                                             column: str, words: str) -> None:
    out = register(empty_2016, {**GOOD, **change}, source="f.xlsx", row=3)
    assert isinstance(out, RejectedRow)
    assert out.reason.startswith(f"f.xlsx, rij 3, kolom {column!r}")
    assert words in out.reason


def test_duplicate_city_is_rejected_naming_the_first(empty_2016: Programme,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "dubbel.csv"
    header = ";".join(GOOD)
    row = ";".join(GOOD.values())
    other = row.replace("Buitenhof", "Tanthof")
    path.write_text(f"{header}\n{row}\n{other}\n", encoding="utf-8")
    result = import_registrations(empty_2016, path)
    assert len(result.accepted) == 1 and len(result.rejected) == 1
    rej = result.rejected[0]
    assert rej.row == 3 and rej.values["wijk"] == "Tanthof"
    assert "Delft heeft zich al aangemeld (dubbel.csv, rij 2, wijk Buitenhof)" in rej.reason


def test_xlsx_import_reads_dates_and_numbers(empty_2016: Programme, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*GOOD, "inwoners"])
    ws.append([*(dt.datetime(2016, 10, 1) if k == "datum" else v for k, v in GOOD.items()),
               109577])
    path = tmp_path / "aanmelding.xlsx"
    wb.save(path)
    result = import_registrations(empty_2016, path)
    (reg,) = result.accepted
    assert reg.received == dt.date(2016, 10, 1) and reg.inwoners == 109577
    assert reg.partner and empty_2016.fee_for(reg) == 3000
    assert reg.source == "aanmelding.xlsx, rij 2"


def test_unknown_file_type_and_missing_column(empty_2016: Programme, tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("a", encoding="utf-8")
    with pytest.raises(DataFileError, match="onbekend bestandstype"):
        import_registrations(empty_2016, bad)
    csv = tmp_path / "x.csv"
    csv.write_text("stad;wijk\nDelft;Buitenhof\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="(?s)geen kolom 'gemeente'.*stad, wijk"):
        import_registrations(empty_2016, csv)


def test_resolver_fills_codes_and_refuses_ambiguity(empty_2016: Programme) -> None:
    def resolver(gemeente: str, members: tuple[str, ...], wijk: str,
                 given: tuple[str, ...]) -> Resolution:
        if wijk == "Vogelwijk":
            raise WijkanalyseError("'Vogelwijk' is niet eenduidig: Den Haag, Hilversum.")
        assert gemeente == "Parkstad Limburg" and "Heerlen" in members
        return Resolution(("GM0928",), ("WK092800",), "wijk Kerkrade-West", 45311, "terugval")

    ok = register(empty_2016, {**GOOD, "gemeente": "Parkstad Limburg",
                               "wijk": "Kerkrade-West"}, resolver=resolver)
    assert isinstance(ok, Registration)
    assert ok.wijk_codes == ("WK092800",) and ok.trend_class == "terugval"
    assert ok.inwoners == 45311 and ok.provincie == "Limburg"
    bad = register(empty_2016, {**GOOD, "wijk": "Vogelwijk"}, source="a.csv", row=4,
                   resolver=resolver)
    assert isinstance(bad, RejectedRow)
    assert bad.reason.startswith("a.csv, rij 4, kolom 'wijk': 'Vogelwijk' is niet eenduidig")
    assert "wijkcodes" in bad.reason


def test_generated_file_is_labelled() -> None:
    text = (DATA / "aanmeldingen-gegenereerd-40.csv").read_text(encoding="utf-8")
    rows = text.strip().splitlines()[1:]
    assert len(rows) == 40 and all(r.endswith(";ja") for r in rows)
    assert all("Gegenereerde wijk" in r for r in rows)


def test_an_id_used_twice_is_rejected(programme_2016: Programme) -> None:
    out = register(programme_2016, {**GOOD, "gemeente": "Utrecht", "id": "p01"},
                   source="b.csv", row=5)
    assert isinstance(out, RejectedRow)
    assert out.reason.startswith("b.csv, rij 5, kolom 'id': id 'p01' is al in gebruik")
