"""Errors meant for people: they name the file, line, column or value and say what to do."""

from __future__ import annotations

from pathlib import Path


class WijkanalyseError(Exception):
    """Base class of all errors wijkanalyse reports to its users (messages in Dutch)."""


class DataFileError(WijkanalyseError):
    """A source file cannot be read as what it claims to be.

    Parameters
    ----------
    path
        The file.
    message
        What is wrong (Dutch).
    line
        1-based line number in the file, where known.
    column
        Column name or 1-based column number, where known.
    hint
        What the user can do about it (Dutch).
    """

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: str | int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", regel {self.line}"
        if self.column is not None:
            where += f", kolom {self.column!r}" if isinstance(self.column, str) else (
                f", kolom {self.column}"
            )
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n  Wat te doen: {self.hint}"
        return text


class UnknownLayoutError(DataFileError):
    """No reader recognises the file."""


class CatalogueError(WijkanalyseError):
    """The indicator catalogue (or a user's extension of it) is invalid."""


class AreaError(WijkanalyseError):
    """A user-defined area is invalid (unknown code, mixed gemeenten, ...)."""


class DownloadError(WijkanalyseError):
    """A download failed in a way a retry will not fix."""
