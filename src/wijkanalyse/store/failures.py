"""Errors on the database file as errors for people (locked, full disk, damaged, ...)."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import duckdb

from wijkanalyse import dblock
from wijkanalyse.atomicio import write_protected
from wijkanalyse.errors import WijkanalyseError


class BadDatabaseError(WijkanalyseError):
    """The database file is not a (complete) wijkanalyse database."""


class ReadOnlyDatabaseError(WijkanalyseError):
    """The database file is write-protected; nothing writes to or replaces it."""


REBUILD_HINT = (
    "Herstel: bouw de database opnieuw naar een nieuw pad, bijv. 'wijkanalyse --db "
    "nieuw.duckdb data build --source MAP', en gebruik voortaan dat pad. Bewaar {path} tot u "
    "weet dat u er niets meer uit nodig hebt (eigen gebieden en verhalen stonden erin)."
)


def missing_database_message(path: Path) -> str:
    """The message for a database that does not exist yet."""
    return (f"Er is nog geen database op {path}. Bouw hem eerst met "
            "'wijkanalyse data build --source MAP'.")


def check_writable(path: Path) -> None:
    """Raise a :class:`ReadOnlyDatabaseError` when the database file is write-protected."""
    if write_protected(path):
        raise ReadOnlyDatabaseError(
            f"De database {path} is schrijfbeveiligd (alleen-lezen); wijkanalyse verandert of "
            f"vervangt hem niet. Maak hem schrijfbaar (bijv. 'chmod u+w {path}') of gebruik een "
            "ander pad met --db."
        )


def database_error(path: str | Path, exc: BaseException) -> WijkanalyseError:
    """A DuckDB (or file system) error on the database at ``path`` as an error for people."""
    known = recognised_error(path, exc)
    if known is not None:
        return known
    return WijkanalyseError(f"De database {path} kan niet worden gebruikt: "
                            f"{_first_line(str(exc))}. " + REBUILD_HINT.format(path=path))


def recognised_error(path: str | Path, exc: BaseException) -> WijkanalyseError | None:
    """The error for people when ``exc`` is a known trouble with the database file (locked by
    another program, disk full, not a database, truncated, another DuckDB version); ``None``
    for anything else (a programming error stays what it is)."""
    path = Path(path)
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f"proces {pid.group(1)}" if pid else "een ander programma"
        return dblock.DatabaseBusyError(
            f"De database {path} is in gebruik door {who} (buiten wijkanalyse om geopend, "
            "bijv. in Python of de DuckDB-shell). Sluit die verbinding, of wacht tot dat "
            "programma klaar is, en probeer het opnieuw.")
    if is_disk_full(exc):
        return WijkanalyseError(disk_full_message(path))
    if ("not a valid DuckDB database" in text or "Could not read enough bytes" in text
            or "corrupt" in text.lower() or "checksum" in text.lower()):
        return BadDatabaseError(
            f"{path} is geen leesbare wijkanalyse-database: het bestand is afgebroken, "
            f"beschadigd of iets anders dan een DuckDB-database ({_first_line(text)}). "
            + REBUILD_HINT.format(path=path))
    if "serialization" in text.lower() or "storage version" in text.lower():
        return BadDatabaseError(
            f"{path} is gemaakt met een andere versie van DuckDB ({_first_line(text)}). "
            + REBUILD_HINT.format(path=path))
    if isinstance(exc, duckdb.IOException):
        return BadDatabaseError(
            f"{path} is geen leesbare wijkanalyse-database: lezen of schrijven mislukt "
            f"({_first_line(text)}). " + REBUILD_HINT.format(path=path))
    return None


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error means that the disk (or the user's quota) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return ("No space left on device" in text or "Disk quota exceeded" in text
            or "database or disk is full" in text)


def disk_full_message(path: str | Path) -> str:
    """The message for a full disk while writing ``path``."""
    return (f"De schijf is vol: {path} kan niet worden geschreven. Er is niets half "
            f"achtergebleven. Maak ruimte vrij op de schijf van {Path(path).parent} (of kies "
            "een andere plek) en probeer het opnieuw.")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text

