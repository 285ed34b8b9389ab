"""The shared helpers of the delimited-file readers (sources/csvtools.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import check_unique_region_years, first_csv_line


def test_first_csv_line_only_for_csv_files(tmp_path: Path) -> None:
    csv_file = tmp_path / "a.csv"
    csv_file.write_bytes("\ufeffwk_code;jaar\nWK000300;2024\n".encode())
    txt = tmp_path / "a.txt"
    txt.write_text("wk_code;jaar\n")
    assert first_csv_line(csv_file) == "wk_code;jaar"
    assert first_csv_line(txt) is None
    assert first_csv_line(tmp_path / "missing.csv") is None
    (tmp_path / "dir.csv").mkdir()
    assert first_csv_line(tmp_path / "dir.csv") is None


def test_check_unique_region_years_names_the_repeat(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    lines = np.array([2, 3, 5, 7])
    check_unique_region_years(path, ["WK000300", "WK000300", "WK000301", "WK000301"],
                              [2023, 2024, 2023, 2024], lines=lines, column="wk_code", hint="h")
    with pytest.raises(DataFileError) as err:
        check_unique_region_years(path, ["WK000300", "WK000301", "WK000300", "WK000300"],
                                  [2024, 2024, 2023, 2024], lines=lines, column="wk_code",
                                  hint="h")
    assert "WK000300 staat twee keer in 2024." in str(err.value)
    assert err.value.line == 7
    assert err.value.column == "wk_code"
