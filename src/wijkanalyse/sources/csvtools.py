"""Small helpers shared by the delimited-file readers (KWB 2024 herkomst, Leefbaarometer, SES).

They read ``;``/``,`` separated files whole, check field counts per line and turn columns
into the long values frame of :mod:`wijkanalyse.sourcetable`, with errors naming file, line
and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse.cbsvalues import invalid_cells, parse_cbs_values
from wijkanalyse.codes import is_valid_code, level_of, normalise_code
from wijkanalyse.errors import DataFileError
from wijkanalyse.sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
)


def read_delimited(
    path: Path, *, sep: str, encoding: str = "utf-8-sig",
    code_column: Callable[[str], bool] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a delimited text file strictly: every row must have as many fields as the header.

    The file is read as a stream and every row is checked as it arrives, so the first
    hopeless row (a wrong number of fields, an invalid region code) stops the reading: a large
    file of junk behind a valid header is never read whole.

    Parameters
    ----------
    path
        The file.
    sep
        Field separator (``";"`` for CBS exports, ``","`` for the Leefbaarometer).
    encoding
        Text encoding; the default drops a UTF-8 BOM.
    code_column
        Tells, for a (stripped) header, whether the column holds CBS region codes; every cell
        of such a column is checked while reading (message as :func:`checked_codes`).

    Returns
    -------
    frame, lines
        ``frame`` holds the cells as read (strings, padding kept) under the stripped header;
        ``lines`` the 1-based line number of each data row. Blank lines are skipped.

    Raises
    ------
    DataFileError
        Undecodable bytes, an empty file, duplicate column names, a row with too few or too
        many fields (with its line number), or an invalid code in a code column.
    """
    try:
        with open(path, encoding=encoding, newline="") as fh:
            return _read_stream(path, fh, sep=sep, code_column=code_column)
    except UnicodeDecodeError as exc:
        raise DataFileError(
            path, f"het bestand is geen {encoding.upper()}-tekst (byte {_byte_offset(path, exc)}).",
            line=_line_of_byte(path, _byte_offset(path, exc)),
            hint="Sla het bestand op als UTF-8 (CSV UTF-8) en probeer het opnieuw.",
        ) from exc


def _byte_offset(path: Path, exc: UnicodeDecodeError) -> int:
    """The offset in the file of the first byte that is not valid UTF-8 (found again, by
    decoding the file incrementally: the stream's error only knows its own chunk)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            pending = len(decoder.getstate()[0])  # bytes of a character split over chunks
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as inner:
                return offset - pending + inner.start
            offset += len(chunk)
    return offset + exc.start


def _line_of_byte(path: Path, offset: int) -> int:
    line = 1
    with open(path, "rb") as fh:
        remaining = offset
        while remaining > 0 and (chunk := fh.read(min(1 << 16, remaining))):
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


def _read_stream(
    path: Path, fh: io.TextIOBase, *, sep: str, code_column: Callable[[str], bool] | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    reader = csv.reader(fh, delimiter=sep)
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise DataFileError(path, "het bestand is leeg of heeft geen kopregel.", line=1,
                                hint="Download het bestand opnieuw.")
        seen: set[str] = set()
        for pos, h in enumerate(header, start=1):
            if h in seen:
                raise DataFileError(path, f"kolomnaam {h!r} komt twee keer voor.", line=1,
                                    column=pos, hint="Geef elke kolom een eigen naam.")
            seen.add(h)
        codes = [i for i, h in enumerate(header) if code_column is not None and code_column(h)]
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataFileError(
                    path, f"deze regel heeft {len(row)} velden, de kopregel {len(header)}.",
                    line=reader.line_num,
                    hint=f"Controleer het scheidingsteken ({sep!r}) en of de regel afgebroken "
                    "of aangevuld is; download het bestand anders opnieuw.",
                )
            for i in codes:
                code = normalise_code(row[i])
                if code is None or not is_valid_code(code):
                    raise _bad_code(path, row[i], line=reader.line_num, column=header[i])
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataFileError(path, f"onleesbare CSV: {exc}.", line=reader.line_num,
                            hint="Download het bestand opnieuw.") from exc
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return frame, np.asarray(lines, dtype="int64")


def _bad_code(path: Path, cell: object, *, line: int, column: str) -> DataFileError:
    return DataFileError(
        path, f"{cell!r} is geen CBS-regiocode (NL00, GMxxxx, WKxxxxxx of BUxxxxxxxx).",
        line=int(line), column=column, hint="Herstel de code of download het bestand opnieuw.",
    )


def column_values(
    path: Path,
    raw: pd.Series,
    *,
    region_keys: Sequence[int] | np.ndarray,
    years: Sequence[int] | np.ndarray,
    lines: Sequence[int | None] | np.ndarray,
    indicator_id: str,
    column: str,
    decimal: str = "auto",
) -> pd.DataFrame:
    """Parse one source column into a values frame (:data:`VALUE_COLUMNS`).

    Raises
    ------
    DataFileError
        On the first cell that is neither a number nor a CBS symbol, naming line and column.
    """
    values, reasons = parse_cbs_values(raw.reset_index(drop=True), decimal=decimal)
    bad = invalid_cells(reasons)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        line = lines[pos]
        raise DataFileError(
            path, f"waarde {raw.iloc[pos]!r} is geen getal en geen CBS-teken ('.', 'x', '-', "
            "'?').", line=None if line is None else int(line), column=column,
            hint="Herstel of verwijder de waarde, of download het bestand opnieuw.",
        )
    return pd.DataFrame({
        "region_key": np.asarray(region_keys, dtype="int64"),
        "year": np.asarray(years, dtype="int64"),
        "indicator_id": indicator_id,
        "value": values.to_numpy(dtype="float64"),
        "missing_reason": pd.Series([r if isinstance(r, str) else None for r in reasons.tolist()],
                                    dtype=object),
        "source_column": column,
    })[VALUE_COLUMNS]


def concat_values(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate values frames (an empty, well-typed frame when there are none)."""
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VALUE_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def regions_frame(
    *,
    codes: Sequence[str | None],
    years: Sequence[int] | np.ndarray,
    names: Sequence[str | None],
    gemeente_names: Sequence[str | None] | None = None,
    lines: Sequence[int | None] | np.ndarray,
) -> pd.DataFrame:
    """A regions frame (:data:`REGION_COLUMNS`) with ``region_key`` 0..n-1 and levels from codes."""
    n = len(codes)
    return pd.DataFrame({
        "region_key": np.arange(n, dtype="int64"),
        "year": np.asarray(years, dtype="int64"),
        "code": pd.Series(list(codes), dtype=object),
        "level": pd.Series([level_of(c) if c else None for c in codes], dtype=object),
        "name": pd.Series(list(names), dtype=object),
        "gemeente_name": pd.Series(list(gemeente_names) if gemeente_names is not None
                                   else [None] * n, dtype=object),
        "line": pd.Series(list(lines), dtype=object),
    })[REGION_COLUMNS]


def checked_codes(path: Path, raw: pd.Series, *, lines: np.ndarray, column: str) -> list[str]:
    """Normalised region codes; the first invalid one raises with its line."""
    out: list[str] = []
    for cell, line in zip(raw.tolist(), lines, strict=True):
        code = normalise_code(cell)
        if code is None or not is_valid_code(code):
            raise _bad_code(path, cell, line=int(line), column=column)
        out.append(code)
    return out


def unmapped_issue(column: str) -> LoadIssue:
    """The issue recorded for a column the catalogue does not know."""
    return LoadIssue(
        kind="unmapped_column",
        detail=f"kolom {column!r} staat niet in de indicatorcatalogus en is niet geladen",
        column=column,
    )


def first_line(path: Path, *, limit: int = 8192) -> str:
    """The first line of a text file (BOM removed), reading at most ``limit`` bytes."""
    with open(path, "rb") as fh:
        head = fh.read(limit)
    return head.decode("utf-8-sig", errors="replace").splitlines()[0] if head else ""


def split_header(line: str, sep: str) -> list[str]:
    """Split one header line into stripped column names."""
    return [h.strip() for h in next(csv.reader([line], delimiter=sep), [])]


def first_csv_line(path: Path) -> str | None:
    """The first line of a ``.csv`` file, for a sniffer: None when ``path`` is no ``.csv`` file
    or cannot be read (a sniffer never raises)."""
    try:
        if not path.is_file() or path.suffix.lower() != ".csv":
            return None
        return first_line(path)
    except (OSError, IndexError):
        return None


def mapped_values(
    path: Path,
    frame: pd.DataFrame,
    *,
    columns: Iterable[str],
    indicator_of: Callable[[str], str | None],
    regions: pd.DataFrame,
    lines: np.ndarray,
    issues: list[LoadIssue],
    decimal: str = "auto",
) -> list[pd.DataFrame]:
    """The values frames of the figure columns whose indicator is known.

    Parameters
    ----------
    path
        The file (for error messages).
    frame
        The cells as read by :func:`read_delimited`.
    columns
        The figure columns, in order (region and meta columns left out by the caller).
    indicator_of
        The catalogue id of a column, or None for a column the catalogue does not know; such a
        column is not loaded and gets an :func:`unmapped_issue`, appended to ``issues``.
    regions
        The regions frame of ``frame`` (:func:`regions_frame`): keys and years of the rows.
    lines
        The line number of each row.
    issues
        Appended to (the unmapped columns).
    decimal
        Decimal separator, as in :func:`column_values`.

    Returns
    -------
    list of pandas.DataFrame
        One values frame per mapped column (combine with :func:`concat_values`).
    """
    values = []
    for col in columns:
        ind = indicator_of(col)
        if ind is None:
            issues.append(unmapped_issue(col))
            continue
        values.append(column_values(path, frame[col], region_keys=regions["region_key"],
                                    years=regions["year"], lines=lines, indicator_id=ind,
                                    column=col, decimal=decimal))
    return values


def check_unique_region_years(
    path: Path, codes: Sequence[str], years: Sequence[int], *, lines: np.ndarray, column: str,
    hint: str,
) -> None:
    """Raise on the first region that stands twice in one year.

    Raises
    ------
    DataFileError
        Naming the code, the year and the line of the repeat.
    """
    dupes = pd.DataFrame({"c": codes, "y": years}).duplicated().to_numpy()
    if dupes.any():
        pos = int(dupes.argmax())
        raise DataFileError(path, f"{codes[pos]} staat twee keer in {years[pos]}.",
                            line=int(lines[pos]), column=column, hint=hint)


# --------------------------------------------------------------------------- the reader
