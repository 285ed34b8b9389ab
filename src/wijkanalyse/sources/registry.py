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

import csv
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

#: Reader modules, asked in this order; the first whose ``sniff`` answers wins.
READER_MODULES = (
    "odata_json",
    "kwb_2024",
    "kwb_sqlite",
    "leefbaarometer",
    "ses",
    "kwb_xlsx",
    "renamed_csv",
    "politie",
    "gezondheid",
    "kwb_csv",
    "wbk_dbf",
    "wbk_geojson",
    "boundaries",
)

#: Documentation next to the data (as CBS ships it in its zips): never read as data, but listed
#: by ``data status``. Suffix (longest first) -> (kind, Dutch description).
DOC_SUFFIXES: dict[str, tuple[str, str]] = {
    ".shp.xml": ("esri_metadata", "metadata bij een shapefile (ESRI-XML)"),
    ".pdf": ("pdf", "PDF-document"),
    ".md": ("markdown", "Markdown-tekst"),
    ".txt": ("text", "tekstbestand"),
    ".html": ("html", "HTML-pagina"),
    ".htm": ("html", "HTML-pagina"),
    ".docx": ("document", "tekstdocument (Word)"),
    ".doc": ("document", "tekstdocument (Word)"),
    ".odt": ("document", "tekstdocument (OpenDocument)"),
    ".yaml": ("yaml", "YAML-bestand"),
    ".yml": ("yaml", "YAML-bestand"),
    ".py": ("script", "script (Python)"),
    ".r": ("script", "script (R)"),
    ".ipynb": ("script", "notebook (Jupyter)"),
}
#: File names (without suffix, any case) that are documentation whatever their suffix.
DOC_NAMES = {"readme": ("readme", "leesmij"), "provenance": ("readme", "herkomst van de bestanden"),
             "license": ("licence", "licentie"), "licence": ("licence", "licentie"),
             "copying": ("licence", "licentie"), "notice": ("licence", "licentie")}
#: Kept for compatibility: the simple documentation suffixes.
IGNORED_SUFFIXES = {s for s in DOC_SUFFIXES if s.count(".") == 1}
_XML_METADATA = re.compile(rb"<(?:[\w.-]+:)?(?:metadata|MD_Metadata)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Document:
    """A documentation file found next to the data (listed by ``data status``, never read)."""

    path: Path
    rel_path: str  # relative to the source folder, with '/'
    kind: str  # pdf, markdown, esri_metadata, xml_metadata, text, html, readme, ...
    description: str  # Dutch
    title: str | None
    size_bytes: int


@dataclass
class ReadContext:
    """What a reader may know about the other sources of the same build."""

    layouts: dict[Path, str] = field(default_factory=dict)


def reader_modules() -> list[ModuleType]:
    """Import the reader modules (lazily, so nothing is built at import time)."""
    return [importlib.import_module(f"wijkanalyse.sources.{m}") for m in READER_MODULES]


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
    documentation (:func:`documentation_kind`, listed by :func:`discover_documents`) are
    skipped. The result is sorted, so that a build is deterministic.
    """
    return [p for p, is_doc in _walk(Path(source_dir)) if not is_doc]


def discover_documents(source_dir: Path) -> list[Document]:
    """Documentation files below ``source_dir`` (sorted), with kind, Dutch description and title.

    These are the files :func:`discover` skips: PDFs, Markdown, README/PROVENANCE, ESRI
    ``.shp.xml`` metadata, ... They are recorded by the build and listed by ``data status``.
    """
    base = Path(source_dir)
    out = []
    for p, is_doc in _walk(base):
        if not is_doc:
            continue
        kind, description = documentation_kind(p) or ("document", "document")
        try:
            size = p.stat().st_size
        except OSError:
            size = 0
        out.append(Document(path=p, rel_path=p.relative_to(base).as_posix(), kind=kind,
                            description=description, title=_title(p, kind), size_bytes=size))
    return out


def documentation_kind(path: Path) -> tuple[str, str] | None:
    """``(kind, Dutch description)`` when ``path`` is documentation rather than data, else None.

    Documentation: the suffixes of :data:`DOC_SUFFIXES`, files named README/PROVENANCE/LICENSE
    (any suffix) and XML files whose root element is a metadata record (ESRI or ISO 19115).
    """
    name = path.name.lower()
    stem = name.split(".", 1)[0]
    if stem in DOC_NAMES:
        return DOC_NAMES[stem]
    for suffix, kind in DOC_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    if name.endswith(".xml"):
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            return None
        if _XML_METADATA.search(head):
            return ("xml_metadata", "metadata (XML)")
    return None


def _walk(folder: Path, claims: list[Callable[[Path], bool]] | None = None,
          ) -> list[tuple[Path, bool]]:
    """Every unit below ``folder`` in sorted order, flagged True when it is documentation."""
    if claims is None:
        claims = [m.is_unit_folder for m in reader_modules() if hasattr(m, "is_unit_folder")]
    out: list[tuple[Path, bool]] = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            if (p / "TableInfos.json").exists() or any(claim(p) for claim in claims):
                out.append((p, False))
            else:
                out.extend(_walk(p, claims))
        else:
            out.append((p, documentation_kind(p) is not None))
    return out


def _title(path: Path, kind: str) -> str | None:
    """A short title where one is cheap to find: the first Markdown heading, the ESRI item name."""
    try:
        if kind in ("markdown", "readme", "text") and path.suffix.lower() in (".md", ".txt", ""):
            with open(path, encoding="utf-8", errors="replace") as fh:
                for _, line in zip(range(200), fh, strict=False):
                    m = re.match(r"^#{1,3}\s*([^#\s].*?)\s*#*\s*$", line)
                    if m:
                        return m.group(1)[:200]
        elif kind == "pdf":
            # the document information dictionary; small files are searched whole
            with open(path, "rb") as fh:
                size = path.stat().st_size
                data = fh.read() if size <= 4 << 20 else fh.read(1 << 20)
                if size > 4 << 20:
                    fh.seek(size - (1 << 20))
                    data += fh.read()
            mb = re.search(rb"/Title\s*\(((?:[^()\\]|\\.){1,300})\)", data)
            if mb:
                title = mb.group(1).decode("latin-1").strip()
                return title or None
        elif kind in ("esri_metadata", "xml_metadata"):
            with open(path, "rb") as fh:
                head = fh.read(65536).decode("utf-8", errors="replace")
            m = re.search(r"<(?:resTitle|title|itemName)[^>]*>([^<]+)<", head)
            if m:
                return m.group(1).strip()[:200]
    except OSError:
        return None
    return None


def unknown_layout_hint(path: Path) -> str:
    """What to tell a user whose file no reader recognises (Dutch).

    A CSV that holds CBS region codes under column names wijkanalyse does not know (someone
    renamed the CBS headers) gets a pointer to column maps (``data/column_maps``).
    """
    hint = ("wijkanalyse leest CBS-exports van StatLine (CSV en kwb-JJJJ.xlsx), "
            "OData-bestanden, Leefbaarometer-, SES-WOA-, Politie- (misdrijven per gemeente), "
            "RIVM-Gezondheidsmonitor- en GeoJSON-bestanden. Haal het bestand weg uit de bronmap "
            "of gebruik --sla-fouten-over om het over te slaan.")
    header = _csv_header_with_codes(path)
    if header:
        hint = (f"Dit lijkt een CSV met CBS-regiocodes maar met kolomnamen die wijkanalyse niet "
                f"kent ({', '.join(repr(h) for h in header[:12])}"
                f"{', …' if len(header) > 12 else ''}). Zijn de CBS-kolomnamen hernoemd, leg dan "
                "in een kolomkaart vast welke kolom welke indicator is: een YAML-bestand in "
                "src/wijkanalyse/data/column_maps/ met precies deze kolomnamen (zie "
                "docs/column-maps.md). " + hint)
    return hint


def _csv_header_with_codes(path: Path) -> list[str] | None:
    """The header of a delimited text file whose first rows hold a CBS region code, else None."""
    from wijkanalyse.codes import is_valid_code, normalise_code

    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    try:
        with open(path, "rb") as fh:
            text = fh.read(16384).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()[:12]
    if len(lines) < 2:
        return None
    sep = max((";", ",", "\t"), key=lambda c: lines[0].count(c))
    try:
        rows = list(csv.reader(lines, delimiter=sep))
    except csv.Error:
        return None
    if len(rows[0]) < 2:
        return None
    for row in rows[1:]:
        for cell in row:
            code = normalise_code(cell)
            if code and is_valid_code(code):
                return [h.strip() for h in rows[0]]
    return None
