"""Helpers for the robustness tests: a small generated source folder and running the CLI.

Everything written here is GENERATED test data (the fictional gemeente "Proefstad", GM9901),
not real CBS figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from wijkanalyse.cli.main import app

#: Run the CLI in a new Python process (for concurrency: a real second process).
CLI = [sys.executable, "-c", "from wijkanalyse.cli.main import main; main()"]

_runner = CliRunner()


def generated_source(folder: Path, *, n_wijken: int = 3, year: int = 2024) -> Path:
    """A folder with one generated StatLine-style CSV (gemeente GM9901 and ``n_wijken`` wijken).

    The CSV has the layout of a StatLine export (``;``, BOM, padded codes) so that the real
    reader and build load it; all names and numbers are made up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = ['"Proefstad";"GM9901    ";"' + str(100 * n_wijken) + '"']
    rows += [f'"Wijk {i:02d} Proefwijk {i}";"WK9901{i:02d}  ";"100"'
             for i in range(1, n_wijken + 1)]
    text = ("\ufeffWijken en buurten;Regioaanduiding/Codering (code);"
            "Bevolking/Aantal inwoners (aantal)\n" + "\n".join(rows) + "\n")
    path = folder / f"kwb_{year}_proefstad_gegenereerd.csv"
    path.write_text(text, encoding="utf-8")
    return folder


def story_file(path: Path, *, title: str, area: str = "WK990101", body: str = "Tekst.") -> Path:
    """A story Markdown file with front matter (generated text)."""
    path.write_text(f"---\ntitel: {title}\nauteur: Test\ngebied: {area}\n---\n{body}\n",
                    encoding="utf-8")
    return path


class Result:
    """What a command printed (``output``: stdout and stderr with line breaks and the wrapping
    of long lines undone, for asserting on messages), its exit code and exception."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.exit_code = raw.exit_code
        self.exception = raw.exception
        self.stdout = raw.stdout
        self.output = " ".join(raw.output.split())


def run(*args: str, width: int = 400, input: str | None = None) -> Result:
    """The CLI in-process (Typer's CliRunner), printed ``width`` columns wide (long paths and
    messages on one line, so that assertions do not depend on where Rich wraps)."""
    from wijkanalyse.cli.util import console, err_console

    before = console.width, err_console.width
    console.width = err_console.width = width
    try:
        return Result(_runner.invoke(app, list(args), input=input))
    finally:
        console.width, err_console.width = before


def run_process(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI in a new process."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
