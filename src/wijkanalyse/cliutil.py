"""Shared pieces of the command-line modules: settings from the context, opening the database,
errors for people, progress bars, Dutch table cells.

Every command group lives in its own module (``cli.py`` for data/gebied/profiel/verhaal/aanpak,
``cli_<name>.py`` for later groups) and uses these helpers; ``cli.py`` registers the groups.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .errors import WijkanalyseError
from .settings import Settings, resolve_settings

console = Console()
err_console = Console(stderr=True)


def settings_from(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else resolve_settings()


def fail(exc: Exception) -> None:
    err_console.print(f"[bold red]Fout:[/bold red] {exc}", highlight=False)
    raise typer.Exit(code=1)


def open_db(settings: Settings, *, read_only: bool = True):
    from . import store

    if not settings.db_path.exists():
        fail(WijkanalyseError(
            f"Er is nog geen database op {settings.db_path}. Bouw hem eerst met "
            "'wijkanalyse data build --source MAP'."
        ))
    return store.connect(settings.db_path, read_only=read_only)


def cell_text(value: object) -> str:
    """A table cell: lists joined, missing values empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return ", ".join(str(v) for v in items) if isinstance(items, list) else str(items)
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


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
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
