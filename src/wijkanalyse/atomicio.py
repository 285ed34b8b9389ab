"""Writing output files atomically: a half-written report never looks finished.

:func:`ensure_out_dir` checks an output folder before anything is computed, and
:func:`write_atomic` turns the usual troubles (no permission, a full disk) into messages that
name the path and say what to do. :func:`write_text` and :func:`write_json` write one file
that way; :func:`write_report_files` is the one writer of the reports (profile, monitor,
segregatie, the programme's publication): HTML rendered once, the PDF printed from it by the
caller's printer (:func:`wijkanalyse.present.typeset.typeset_pdf`, which this kernel module
may not import), other formats by the caller.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

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


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
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


class OutputFormatError(WijkanalyseError, ValueError):
    """An output format that the writer does not know (message in Dutch)."""


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (:func:`write_atomic`); returns ``path``."""
    return write_atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON (non-ASCII kept, a final newline) atomically."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_report_files(out_dir: str | Path, stem: str, formats: Sequence[str], *,
                  allowed: Sequence[str], html: Callable[[], str] | None = None,
                  writers: Mapping[str, Callable[[Path], Path]] | None = None,
                  printer: Callable[[Path, str], Path] | None = None) -> dict[str, Path]:
    """Write a report as ``<stem>.<format>`` into ``out_dir``, one file per format.

    Parameters
    ----------
    out_dir
        Output folder (created when missing; see :func:`ensure_out_dir`).
    stem
        File name without extension.
    formats
        The formats to write, in order (repeats are written once).
    allowed
        The formats this report knows.
    html
        Renders the HTML page; called once, only when ``"html"`` or ``"pdf"`` is asked for.
        ``"html"`` writes it, ``"pdf"`` prints it (``printer``).
    writers
        Per other format: writes the given target path and returns it.
    printer
        Prints the page to the PDF at the given path and returns it, e.g.
        :func:`wijkanalyse.present.typeset.typeset_pdf`; needed when ``"pdf"`` is allowed.

    Returns
    -------
    dict of str to Path
        The written file per format.

    Raises
    ------
    OutputFormatError
        A format not in ``allowed`` (nothing is written then).
    ValueError
        ``"pdf"`` allowed without a ``printer`` (a programming error).
    WijkanalyseError
        The folder or a file cannot be written.
    """
    if "pdf" in allowed and printer is None:
        raise ValueError("write_report_files: 'pdf' is allowed but no printer is given")
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise OutputFormatError(f"Onbekend formaat {', '.join(unknown)}; kies uit "
                                f"{', '.join(allowed)}.")
    out = ensure_out_dir(out_dir)
    page = html() if html is not None and {"html", "pdf"} & set(formats) else ""
    written: dict[str, Path] = {}
    for fmt in dict.fromkeys(formats):
        target = out / f"{stem}.{fmt}"
        if fmt == "html":
            written[fmt] = write_text(target, page)
        elif fmt == "pdf" and printer is not None:  # allowed with a printer (checked above)
            written[fmt] = printer(target, page)
        else:
            written[fmt] = (writers or {})[fmt](target)
    return written
