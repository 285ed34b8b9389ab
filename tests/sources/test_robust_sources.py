"""Big junk behind a valid header is refused while streaming (issue 10, item 8).

The files are GENERATED: a real-looking header followed by megabytes of junk.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import gezondheid as read_gezondheid
from wijkanalyse.sources import kwb_csv as read_kwb_csv
from wijkanalyse.sources import leefbaarometer as read_leefbaarometer
from wijkanalyse.sources import politie as read_politie
from wijkanalyse.sources import renamed_csv as read_renamed_csv
from wijkanalyse.sources.registry import ReadContext

MB = 1 << 20


def _junk_file(path: Path, header: str, line: str, *, size: int = 40 * MB) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write(line * (size // len(line)))
    return path


def _read_refused(module, path: Path) -> tuple[DataFileError, float, int]:
    catalogue = load_catalogue()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DataFileError) as info:
            module.read(path, catalogue=catalogue, context=ReadContext())
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, seconds, peak


@pytest.mark.parametrize("line, message", [
    ("rommel;xxxxxxxxxx;yyyyyyyy\n", "'xxxxxxxxxx' is geen geldige CBS-regiocode"),
    ("rommel zonder scheidingstekens\n", "de regel heeft 1 velden, maar de kopregel heeft er 3"),
    ("a;b;c;d;e\n", "de regel heeft 5 velden, maar de kopregel heeft er 3"),
])
def test_statline_header_with_junk_stops_at_the_first_hopeless_row(tmp_path: Path, line: str,
                                                                   message: str) -> None:
    path = _junk_file(tmp_path / "kwb_2019_rommel.csv",
                      "\ufeffWijken en buurten;Regioaanduiding/Codering (code);"
                      "Bevolking/Aantal inwoners (aantal)\n", line)
    assert read_kwb_csv.sniff(path) == "statline_csv"
    error, seconds, peak = _read_refused(read_kwb_csv, path)
    assert error.line == 2 and message in str(error)
    assert seconds < 5
    assert peak < 5 * MB  # not read whole (the file is 40 MB)


def test_statline_junk_after_good_rows_names_the_first_bad_line(tmp_path: Path) -> None:
    good = "".join(f'"Wijk {i}";"WK0363{i:02d}  ";"{i}"\n' for i in range(10))
    path = _junk_file(tmp_path / "kwb_2019_rommel.csv",
                      "\ufeffWijken en buurten;Regioaanduiding/Codering (code);"
                      "Bevolking/Aantal inwoners (aantal)\n" + good, "x;y;z\n", size=20 * MB)
    error, _, peak = _read_refused(read_kwb_csv, path)
    assert error.line == 12 and "'y' is geen geldige CBS-regiocode" in str(error)
    assert peak < 5 * MB


def test_leefbaarometer_header_with_junk_is_refused_while_streaming(tmp_path: Path) -> None:
    path = _junk_file(tmp_path / "lbm3_scores_wijken_rommel.csv",
                      "wk_code,wk_naam,jaar,lbm,afw,fys,onv,soc,vrz,won\n",
                      "rommel,rommel,rommel,1,2,3,4,5,6,7\n")
    assert read_leefbaarometer.sniff(path) == "lbm_wijk_csv"
    error, seconds, peak = _read_refused(read_leefbaarometer, path)
    assert error.line == 2 and "'rommel' is geen CBS-regiocode" in str(error)
    assert seconds < 5 and peak < 5 * MB


def test_truncated_last_line_keeps_its_message(tmp_path: Path) -> None:
    """Streaming keeps the distinction between a short last line (a broken-off file) and a
    short line in the middle."""
    header = ("\ufeffWijken en buurten;Regioaanduiding/Codering (code);"
              "Bevolking/Aantal inwoners (aantal)\n")
    last = tmp_path / "kwb_2019_afgekapt.csv"
    last.write_text(header + '"A";"GM0363";"5"\n"B";"WK036301"\nBron: CBS\n', encoding="utf-8")
    error, _, _ = _read_refused(read_kwb_csv, last)
    assert error.line == 3 and "het bestand lijkt afgekapt" in str(error)
    middle = tmp_path / "kwb_2019_kort.csv"
    middle.write_text(header + '"B";"WK036301"\n"A";"GM0363";"5"\n', encoding="utf-8")
    error, _, _ = _read_refused(read_kwb_csv, middle)
    assert error.line == 2 and "de regel heeft 2 velden, maar de kopregel heeft er 3" in \
        str(error)


# The readers added with the nationwide data (issue 9) stream their files too. The headers are
# the first lines of the real files in ../shared/data; everything behind them is GENERATED junk.

def _real_head(shared_data: Path, rel: str, n_lines: int) -> str:
    with (shared_data / rel).open(encoding="utf-8-sig") as fh:
        return "".join(next(fh) for _ in range(n_lines))


@pytest.mark.parametrize("line, message", [
    ('"x";"1"\n', "'x' staat twee keer in 2024 (ook op regel 7)"),
    ("a;b;c\n", "deze regel heeft 3 velden, de kopregel 2"),
])
def test_politie_header_with_junk_stops_at_the_first_hopeless_row(
        shared_data: Path, tmp_path: Path, line: str, message: str) -> None:
    head = _real_head(shared_data, "crime/politie_47013NED_misdrijven_gemeente_2024.csv", 6)
    path = _junk_file(tmp_path / "politie_47013NED_rommel_2024.csv", head, line)
    assert read_politie.sniff(path) == "politie_statline_csv"
    error, seconds, peak = _read_refused(read_politie, path)
    assert error.line == (8 if "twee keer" in message else 7) and message in str(error)
    assert seconds < 5 and peak < 5 * MB


def test_politie_junk_values_stop_within_one_chunk(shared_data: Path, tmp_path: Path) -> None:
    """Rows that each look like a gemeente but carry no number: the value check runs every
    few thousand cells, so the reading stops near the first one and names it."""
    head = _real_head(shared_data, "crime/politie_47013NED_misdrijven_gemeente_2024.csv", 6)
    path = tmp_path / "politie_47013NED_rommel_2024.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        for i in range(600_000):  # about 20 MB
            fh.write(f'"Gemeente {i:07d} rommel";"geen getal"\n')
    error, seconds, peak = _read_refused(read_politie, path)
    assert error.line == 7 and "'geen getal' is geen getal" in str(error)
    assert "Geregistreerde misdrijven/Totaal misdrijven (aantal) 2024" in str(error)
    assert seconds < 5 and peak < 5 * MB


def test_gezondheid_header_with_junk_is_refused_while_streaming(shared_data: Path,
                                                               tmp_path: Path) -> None:
    head = _real_head(shared_data, "gezondheid/rivm_gezondheidsmonitor_2016_wijk_eenzaamheid.csv",
                      1)
    width = head.count(",") + 1
    path = _junk_file(tmp_path / "rivm_gezondheidsmonitor_2016_rommel.csv", head,
                      "rommel" + ",1" * (width - 1) + "\n")
    assert read_gezondheid.sniff(path) == "ggd_gezondheidsmonitor_csv"
    error, seconds, peak = _read_refused(read_gezondheid, path)
    assert error.line == 2 and "'rommel' is geen CBS-regiocode" in str(error)
    assert seconds < 5 and peak < 5 * MB


def test_renamed_csv_header_with_junk_is_refused_while_streaming(shared_data: Path,
                                                                tmp_path: Path) -> None:
    head = _real_head(shared_data, "kwb/kwb_2023_amsterdam_income_renamed.csv", 1)
    width = head.count(";") + 1
    path = _junk_file(tmp_path / "kwb_2023_rommel_renamed.csv", head,
                      '"x";"y";"rommel"' + ";1" * (width - 3) + "\n")
    assert read_renamed_csv.sniff(path) == "renamed_csv"
    error, seconds, peak = _read_refused(read_renamed_csv, path)
    assert error.line == 2 and "'rommel' is geen CBS-regiocode" in str(error)
    assert seconds < 5 and peak < 5 * MB
