"""Writing output files atomically: a half-written report never looks finished.

:func:`ensure_out_dir` checks an output folder before anything is computed, and
:func:`write_atomic` turns the usual troubles (no permission, a full disk) into messages that
name the path and say what to do.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from wijkanalyse.errors import WijkanalyseError


def write_protected(path: Path) -> bool:
    """Whether ``path`` may not be written: no permission, or no write bit at all.

    The write bits count even for the superuser (who could write anyway): a folder or file
    someone has made read-only is meant to stay as it is.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or (mode & 0o222) == 0


def ensure_out_dir(out_dir: str | Path, *, create: bool = True) -> Path:
    """The output folder ``out_dir``, created when missing; an error for people otherwise.

    With ``create=False`` the folder is only checked (before a long computation), not made.

    Raises
    ------
    WijkanalyseError
        ``out_dir`` is an existing file, lies below a file, is write-protected or cannot be
        created (permission, full disk).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise WijkanalyseError(
            f"--out {out} is een bestaand bestand, geen map. Geef een map op (die wordt "
            "aangemaakt als hij nog niet bestaat), bijv. --out rapporten.")
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise WijkanalyseError(
            f"--out {out} kan geen map worden: {probe} is een bestand. Kies een andere map.")
    if write_protected(probe):
        raise WijkanalyseError(
            f"In de map {probe} mag niet worden geschreven (schrijfbeveiligd), dus --out {out} "
            "kan niet worden gebruikt. Kies een map waarin u mag schrijven, bijv. --out "
            "rapporten in uw eigen map.")
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise io_error(out, exc) from exc
    return out


def io_error(path: Path, exc: OSError) -> WijkanalyseError:
    """An operating-system error on ``path`` as an error for people."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return WijkanalyseError(
            f"De schijf is vol: {path} kan niet worden geschreven. Er is niets half "
            f"achtergebleven. Maak ruimte vrij op de schijf van {path.parent} (of kies een "
            "andere plek) en probeer het opnieuw.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WijkanalyseError(
            f"Geen toestemming om {path} te schrijven ({exc.strerror}). Kies een map waarin u "
            "mag schrijven, of vraag de beheerder om schrijfrechten.")
    return WijkanalyseError(f"{path} kan niet worden geschreven: {exc.strerror or exc}. "
                            "Controleer het pad en probeer het opnieuw.")


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write`` fill a temporary file next to ``path``, then move it into place.

    The temporary file lives in the target folder (same file system, so ``os.replace`` is
    atomic), gets the usual read permissions (``mkstemp`` makes it private; reports are meant
    to be shared) and is removed when ``write`` fails.

    Parameters
    ----------
    path
        The file to write.
    write
        Called with the temporary path; writes the complete content there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    WijkanalyseError
        The file cannot be written (a full disk, no permission, a folder in its place); the
        previous file, if any, is left as it was.
    """
    path = Path(path)
    if path.is_dir():
        raise WijkanalyseError(f"{path} is een map; daar kan geen bestand worden geschreven. "
                               "Haal de map weg of kies een andere --out.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise io_error(path, exc) from exc
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise io_error(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
