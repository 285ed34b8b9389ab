"""Registry of source readers and layout detection.

Every reader module exposes two functions:

``sniff(path: Path) -> str | None``
    The layout name when the module recognises the file (or directory), else ``None``. Must be
    cheap (read at most the first few KB) and never raise for foreign files.
``read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]``
    Read the whole source or raise :class:`~wijkanalyse.errors.DataFileError` naming file, line
    and column. Never returns a partial table.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

#: Reader modules, asked in this order; the first whose ``sniff`` answers wins.
READER_MODULES = (
    "read_odata_json",
    "read_kwb_2024",
    "read_kwb_sqlite",
    "read_leefbaarometer",
    "read_ses",
    "read_kwb_csv",
    "read_boundaries",
)

#: Files that are never data (documentation next to the data).
IGNORED_SUFFIXES = {".md", ".txt", ".pdf", ".html", ".yaml", ".yml", ".py", ".r", ".ipynb"}


@dataclass
class ReadContext:
    """What a reader may know about the other sources of the same build."""

    layouts: dict[Path, str] = field(default_factory=dict)


def reader_modules() -> list[ModuleType]:
    """Import the reader modules (lazily, so nothing is built at import time)."""
    return [importlib.import_module(f"wijkanalyse.{m}") for m in READER_MODULES]


def detect(path: Path) -> tuple[str, ModuleType] | None:
    """The layout of ``path`` and the module that reads it, or ``None``."""
    for mod in reader_modules():
        layout = mod.sniff(path)
        if layout:
            return layout, mod
    return None


def discover(source_dir: Path) -> list[Path]:
    """Source units below ``source_dir``: files, and OData download folders as one unit.

    A directory that holds a ``TableInfos.json`` is one source (a CBS OData table); its
    files are not listed separately. Hidden files and documentation are skipped. Sorted, so
    that a build is deterministic.
    """
    units: list[Path] = []
    for p in sorted(source_dir.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(source_dir).parts):
            continue
        if any(parent != source_dir and (parent / "TableInfos.json").exists()
               for parent in p.parents if source_dir in parent.parents or parent == source_dir):
            if p.is_dir() or p.parent != source_dir:
                # inside an OData folder
                if not (p.is_dir() and (p / "TableInfos.json").exists()):
                    continue
        if p.is_dir():
            if (p / "TableInfos.json").exists():
                units.append(p)
            continue
        if p.suffix.lower() in IGNORED_SUFFIXES:
            continue
        units.append(p)
    return units
