"""Big junk behind a valid header is refused while streaming (issue 10, item 8).

The files are GENERATED: a real-looking header followed by megabytes of junk.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from wijkanalyse import read_kwb_csv, read_leefbaarometer
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.readers import ReadContext

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
