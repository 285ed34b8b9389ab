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
    "read_wbk_dbf",
    "read_wbk_geojson",
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
    """Source units below ``source_dir``: files, and OData table folders as one unit each.

    A directory holding a ``TableInfos.json`` is one source (a CBS OData table); the files in
    it are not listed separately. So is a directory that a reader module claims with its
    optional ``is_unit_folder(path) -> bool`` (a Wijk- en Buurtkaart split into files per
    region, read together so that regions in two files are deduplicated). Hidden files and
    documentation are skipped. The result is sorted, so that a build is deterministic.
    """
    units: list[Path] = []
    claims = [m.is_unit_folder for m in reader_modules() if hasattr(m, "is_unit_folder")]

    def walk(folder: Path) -> None:
        for p in sorted(folder.iterdir()):
            if p.name.startswith("."):
                continue
            if p.is_dir():
                if (p / "TableInfos.json").exists() or any(claim(p) for claim in claims):
                    units.append(p)
                else:
                    walk(p)
            elif p.suffix.lower() not in IGNORED_SUFFIXES:
                units.append(p)

    walk(source_dir)
    return units
