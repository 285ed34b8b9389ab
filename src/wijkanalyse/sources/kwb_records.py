"""Records of a KWB CSV: streamed in UTF-8 or Windows-1252, checked while they arrive
(field counts, footers, region codes), with the header cleaned (used by
:mod:`~wijkanalyse.sources.kwb_csv`)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

from wijkanalyse.catalogue import Catalogue, header_key
from wijkanalyse.codes import is_valid_code, normalise_code
from wijkanalyse.errors import DataFileError

#: Header key of the name column of the StatLine layout with title lines.
NAME_KEY = "wijkenenbuurten"
_FOOTER_PREFIXES = ("bron", "©", "centraal bureau voor de statistiek")
REEXPORT_HINT = ("Exporteer of download de tabel opnieuw van CBS StatLine; het bestand is "
                  "waarschijnlijk niet volledig opgeslagen.")


def not_text_error(path: Path) -> DataFileError:
    return DataFileError(
        path, "het bestand is geen tekst in UTF-8 of Windows-1252.",
        hint="Sla het bestand op als CSV (UTF-8) of exporteer het opnieuw van CBS.",
    )


def parse_records(path: Path, sep: str, *,
                   checker: RowChecker | None = None) -> list[tuple[int, list[str]]]:
    """All non-blank records with the 1-based line on which each starts.

    The file is read as a stream (UTF-8, else Windows-1252, as a whole file would be decoded)
    and every record is checked as it arrives (``checker``): the first hopeless row stops the
    reading, so a large file of junk behind a valid header is never read whole.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                return _stream_records(path, fh, sep, checker)
        except UnicodeDecodeError:
            if checker is not None:
                checker.reset()
            continue
        except OSError as exc:
            raise DataFileError(path, f"het bestand kan niet worden gelezen ({exc.strerror}).",
                                hint="Controleer of het bestand bestaat en leesbaar is.") from exc
    raise not_text_error(path)


def _stream_records(path: Path, fh: io.TextIOBase, sep: str,
                    checker: RowChecker | None) -> list[tuple[int, list[str]]]:
    reader = csv.reader(fh, delimiter=sep, strict=True)
    out: list[tuple[int, list[str]]] = []
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if rec and any(f.strip() for f in rec):
                out.append((start, rec))
                if checker is not None:
                    checker.check(out)
    except csv.Error as exc:
        raise DataFileError(
            path,
            "het bestand is afgekapt of beschadigd: een aanhalingsteken (\") wordt niet "
            f"gesloten of staat op een verkeerde plek ({exc}).",
            line=prev + 1, hint=REEXPORT_HINT,
        ) from exc
    if checker is not None:
        checker.finish()
    return out


class RowChecker:
    """Checks records while the file is streamed; raises at the first hopeless row.

    A data record with another number of fields than the header (a footer such as 'Bron: CBS'
    only at the end), or, in layouts with a code column, without a valid CBS region code, is
    reported with the same message the checks after reading would give
    (:func:`check_field_counts`, :func:`_coded_regions`).
    """

    #: Records searched for the header of the StatLine layout with title lines.
    HEADER_SEARCH = 50

    def __init__(self, path: Path, catalogue: Catalogue, *, names_header: bool) -> None:
        self.path = path
        self.names_header = names_header  # the StatLine layout with title lines
        self.catalogue = catalogue
        self.reset()

    def reset(self) -> None:
        self.headers: list[str] | None = None
        self.first_data = 0
        self.code_col: int | None = None
        self.pending: int | None = None  # index of a short record whose successor decides
        self.footer: int | None = None  # index of the first footer-like record
        self.records: list[tuple[int, list[str]]] = []

    def _start(self, records: list[tuple[int, list[str]]]) -> None:
        """Find the header (and the code column) among the first records."""
        if self.names_header:
            pos = len(records) - 1
            if pos >= 1 and len(records[pos][1]) >= 2 \
                    and header_key(records[pos][1][0]) == NAME_KEY:
                header = [records[pos][1][0], *records[pos - 1][1][1:]]
                self.headers = [clean_header(h) for h in header]
                self.first_data = pos + 1
            elif pos >= self.HEADER_SEARCH:
                raise DataFileError(self.path, "de kopregel met onderwerpen ontbreekt.", line=1,
                                    hint=REEXPORT_HINT)
            return
        self.headers = [clean_header(h) for h in records[0][1]]
        self.first_data = 1
        self.code_col = next((i for i, h in enumerate(self.headers)
                              if self.catalogue.meta_role(h) == "code"), None)

    def check(self, records: list[tuple[int, list[str]]]) -> None:
        """Check the record just added to ``records`` (raises at a hopeless row)."""
        self.records = records
        if self.headers is None:
            self._start(records)
            return
        i = len(records) - 1
        if i < self.first_data:
            return
        headers = self.headers
        rec = records[i][1]
        if is_footer(rec) and len(rec) != len(headers):
            if self.footer is None:
                self.footer = i
            return
        # a data record after a short one, or after a footer: those were not at the end
        for earlier in (self.pending, self.footer):
            if earlier is not None:
                check_field_counts(self.path, headers, [records[earlier], records[i]])
        if len(rec) < len(headers):
            self.pending = i  # truncated last line, or a short line: the next record decides
            return
        if len(rec) > len(headers):
            check_field_counts(self.path, headers, [records[i]])
        if self.code_col is not None:
            raw = rec[self.code_col]
            code = normalise_code(raw)
            if code is None or not is_valid_code(code):
                msg = ("de regiocode ontbreekt." if code is None else
                       f"{raw.strip()!r} is geen geldige CBS-regiocode (verwacht NL00, GMxxxx, "
                       "WKxxxxxx of BUxxxxxxxx).")
                raise DataFileError(self.path, msg, line=records[i][0],
                                    column=headers[self.code_col],
                                    hint="Corrigeer de code of exporteer het bestand opnieuw "
                                    "van CBS.")

    def finish(self) -> None:
        """At the end of the file: a short record followed only by footers was the last one."""
        if self.pending is not None and self.headers is not None:
            check_field_counts(self.path, self.headers, [self.records[self.pending]])


def is_footer(rec: list[str]) -> bool:
    return len(rec) == 1 and rec[0].strip().lower().startswith(_FOOTER_PREFIXES)


def clean_header(header: str) -> str:
    """A header with line breaks replaced by spaces and outer whitespace removed."""
    return re.sub(r"\s*[\r\n]+\s*", " ", header).strip()


def check_field_counts(path: Path, headers: list[str],
                        data: list[tuple[int, list[str]]]) -> None:
    n = len(headers)
    lengths = np.fromiter((len(rec) for _, rec in data), dtype=np.int64, count=len(data))
    bad = np.flatnonzero(lengths != n)
    if not len(bad):
        return
    i = int(bad[0])
    line, rec = data[i]
    k = len(rec)
    if k < n:
        last = i == len(data) - 1
        unclosed = any("\n" in f or "\r" in f for f in rec)
        if last or unclosed:
            msg = (f"de regel heeft {k} van de {n} velden: het bestand lijkt afgekapt"
                   + (" (een aanhalingsteken wordt niet gesloten)." if unclosed else "."))
            hint = REEXPORT_HINT
        else:
            msg = f"de regel heeft {k} velden, maar de kopregel heeft er {n}."
            hint = ("Controleer of de regel niet is afgebroken of bewerkt, of exporteer het "
                    "bestand opnieuw.")
        raise DataFileError(path, msg, line=line, column=headers[k], hint=hint)
    raise DataFileError(
        path, f"de regel heeft {k} velden, maar de kopregel heeft er {n} "
        f"(veld {n + 1} is te veel).", line=line, column=n + 1,
        hint="Waarschijnlijk staat het scheidingsteken in een waarde zonder aanhalingstekens; "
        "corrigeer de regel of exporteer het bestand opnieuw.",
    )
