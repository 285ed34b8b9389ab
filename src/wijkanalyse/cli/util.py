"""Shared pieces of the command-line modules: settings from the context, opening the database,
errors for people, progress bars, Dutch table cells.

Every command group lives in its own module (``cli.py`` for data/gebied/profiel/verhaal/aanpak,
``cli_<name>.py`` for later groups) and uses these helpers; ``cli.py`` registers the groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console, ConsoleOptions, RenderableType, RenderHook
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.text import Text

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.settings import Settings, resolve_settings

if TYPE_CHECKING:
    import duckdb

    from wijkanalyse.content import ContentStore

console = Console()
err_console = Console(stderr=True)


def settings_from(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else resolve_settings()


def fail(exc: Exception) -> NoReturn:
    err_console.print(f"[bold red]Fout:[/bold red] {exc}", highlight=False)
    raise typer.Exit(code=1)


def check_out(out: Path) -> Path:
    """Check an output folder before any work is done (it is made when the files are written);
    errors end the command."""
    from wijkanalyse.atomicio import ensure_out_dir

    try:
        return ensure_out_dir(out, create=False)
    except WijkanalyseError as exc:
        fail(exc)


def say_wait(message: str) -> None:
    """Tell the user that a command waits for the database lock."""
    err_console.print(Text(message, style="yellow"))


@contextmanager
def read_db(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection under the shared database lock; errors end the command."""
    from wijkanalyse import store

    try:
        with store.reading(settings.db_path, on_wait=say_wait) as con:
            yield con
    except WijkanalyseError as exc:
        fail(exc)


@contextmanager
def write_db(settings: Settings, *, purpose: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection of a command that writes, under the exclusive database lock.

    ``purpose`` is the command (``'verhaal add'``), shown to a process that has to wait.
    """
    from wijkanalyse import store

    try:
        with store.writing(settings.db_path, purpose=purpose, on_wait=say_wait) as con:
            yield con
    except WijkanalyseError as exc:
        fail(exc)


@contextmanager
def content_db(settings: Settings, *, create: bool = True) -> Iterator[ContentStore | None]:
    """The content store of the database (``WIJKANALYSE_CONTENT_URL`` or the SQLite file next
    to the DuckDB file), closed afterwards; errors end the command.

    With ``create=False`` (commands that only read) it is ``None`` when there is none yet.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from wijkanalyse.content import open_content, open_content_if_present, resolve_url
    from wijkanalyse.store import disk_full_message, is_disk_full

    where: str | Path = settings.db_path
    try:
        where = resolve_url(None, db_path=settings.db_path).removeprefix("sqlite:///")
        content = (open_content(db_path=settings.db_path) if create
                   else open_content_if_present(db_path=settings.db_path))
    except WijkanalyseError as exc:
        fail(exc)
    try:
        yield content
    except (SQLAlchemyError, OSError) as exc:
        if is_disk_full(exc):
            fail(WijkanalyseError(disk_full_message(where)))
        raise
    finally:
        if content is not None:
            content.close()


#: Terminal escape sequences (CSI, OSC, and two-byte ESC sequences), removed as a whole.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])"
                   r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*[\x07\x9c]?")
#: Control characters except tab and newline (C0, DEL, C1) and bidirectional overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: object) -> str:
    """Text from user data made harmless for a terminal: escape sequences and control
    characters removed (tab and newline stay). Rich markup is not touched: print the result
    as :class:`rich.text.Text` (:func:`safe`), never as a markup string."""
    return _CONTROL.sub("", _ANSI.sub("", str(value)))


def safe(value: object, style: str | None = None) -> Text:
    """User data as a Rich ``Text``: no markup interpreted, no control characters."""
    return Text(clean_text(cell_text(value)), style=style or "")


def safe_line(label: str, message: object, *, style: str = "yellow") -> Text:
    """``label`` (styled) followed by user data (plain, cleaned)."""
    return Text.assemble((label, style), clean_text(message))


def cell_text(value: object) -> str:
    """A table cell: lists joined, missing values empty, control characters removed."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        text = ", ".join(str(v) for v in items) if isinstance(items, list) else str(items)
        return clean_text(text)
    if isinstance(value, float) and value != value:
        return ""
    return clean_text(value)


class _CleanSegments:
    """Renders a renderable with control characters removed from its text segments."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for segment in console.render(self.renderable, options):
            if segment.control or not segment.text:
                yield segment
            else:
                yield Segment(_CONTROL.sub("", _ANSI.sub("", segment.text)), segment.style,
                              segment.control)


class _NoControlCharacters(RenderHook):
    """Safety net on both consoles: whatever is printed, no escape sequence from data reaches
    the terminal (Rich's own styling is added after this, so colours still work)."""

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_CleanSegments(r) for r in renderables]


console.push_render_hook(_NoControlCharacters())
err_console.push_render_hook(_NoControlCharacters())


def nl_cell(value: float, *, decimals: int) -> str:
    """A number in Dutch notation (1.234,5); empty when missing."""
    if value is None or value != value:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def nl_int(n: int) -> str:
    """An integer with Dutch thousands separators (1.234.567)."""
    return f"{n:,}".replace(",", ".")


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}", markup=False),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
