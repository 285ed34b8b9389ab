"""Building the database from a folder of source files (orchestration; no computation here).

The build is atomic and repeatable:

* everything is written to a temporary database next to the target (built in memory and
  copied into a temporary file, :class:`wijkanalyse.store.FileCopy`), which replaces the
  target only when the whole build succeeded (``os.replace``): the database is never
  half-updated;
* each source file is written in one transaction: a file is loaded whole or not at all;
* large builds read in two processes (:mod:`wijkanalyse.sources.readpool`); sources are written in
  the
  same order whoever read them, so the result is the same;
* files are processed in sorted order and the tables hold no timestamps, so two builds from the
  same files give the same content;
* what users made themselves (``store.USER_TABLES``: areas, ...) is carried over from the
  previous database under the exclusive database lock (:mod:`wijkanalyse.dblock`), in the same
  locked step as the swap: a write acknowledged to a user is never lost;
* a build that would load nothing, or far fewer figures than the database holds, is refused
  (unless ``replace_anyway``); a write-protected database is never replaced; temporary files
  of killed builds are removed by the next build.

Sources with codes are loaded first; sources with names only (the Heerlen SQLite, the 2015
StatLine download, municipal boundary files) are then resolved against the regions already
loaded (:func:`wijkanalyse.gebieden.names.resolve_names`), and what did not match is recorded in
``load_issues``.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd

from wijkanalyse import dblock, store
from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.dblock import WaitCallback, print_wait
from wijkanalyse.errors import DataFileError, UnknownLayoutError, WijkanalyseError
from wijkanalyse.settings import Settings
from wijkanalyse.sources.readpool import Reads
from wijkanalyse.sources.registry import (
    ReadContext,
    detect,
    discover,
    discover_documents,
    unknown_layout_hint,
)
from wijkanalyse.sourcetable import LoadIssue, SourceTable

#: Suffix of the temporary database a build writes (``<db>.bouw-<pid>-<nr>.tmp``: the process
#: id, so that the next build can tell a killed build's leftover from a running one).
TMP_SUFFIX = ".tmp"
#: A build with fewer figures than this share of the current database's is refused.
SHRINK_LIMIT = 0.5

#: ``progress(stage, done, total, detail)``; stage is "lezen" or "schrijven".
ProgressCallback = Callable[[str, int, int, str], None]


class BuildRefusedError(WijkanalyseError):
    """The build would lose data or cannot replace the database; nothing was changed."""

    def __init__(self, message: str, *, failed: list[FailedSource] | None = None) -> None:
        super().__init__(message)
        self.failed = list(failed or [])


@dataclass
class FailedSource:
    """A source that could not be loaded, with the message for the user."""

    path: Path
    message: str


@dataclass
class BuildReport:
    """What a build did."""

    db_path: Path
    loaded: list[str] = field(default_factory=list)
    failed: list[FailedSource] = field(default_factory=list)
    n_observations: int = 0
    n_regions: int = 0
    n_issues: int = 0
    seconds: float = 0.0
    carried_over: dict[str, int] = field(default_factory=dict)
    documents: list[Path] = field(default_factory=list)
    n_lineage: int = 0
    lineage_seconds: float = 0.0
    #: rows of the derived tables (``segregatie_gemeente``) and the seconds they took
    n_derived: int = 0
    derived_seconds: float = 0.0


@dataclass
class _Unit:
    path: Path
    layout: str
    module: ModuleType
    tables: list[SourceTable] = field(default_factory=list)


def build_database(
    settings: Settings,
    *,
    source_dirs: Sequence[Path] | None = None,
    catalogue: Catalogue | None = None,
    strict: bool = True,
    progress: ProgressCallback | None = None,
    replace_anyway: bool = False,
    on_wait: WaitCallback | None = print_wait,
    parallel: bool = True,
) -> BuildReport:
    """Build the database at ``settings.db_path`` from all sources found.

    Parameters
    ----------
    settings
        Resolved settings; ``settings.source_dir`` and ``settings.download_dir`` are read
        unless ``source_dirs`` is given.
    source_dirs
        Folders to read instead of the defaults.
    catalogue
        Indicator catalogue (default: the packaged one).
    strict
        When True (default) the first bad or unknown file stops the build with a
        :class:`~wijkanalyse.errors.DataFileError` and the existing database stays as it was.
        When False, bad files are skipped, listed in the report and in ``load_issues``.
    progress
        Optional progress callback.
    replace_anyway
        Replace the database even when the build loads nothing, or far fewer figures than the
        database holds (the CLI's ``--vervang-toch``); otherwise such a build is refused with
        a :class:`BuildRefusedError` and the database stays as it was.
    on_wait
        Told once when the swap has to wait for a command that is writing to (or reading)
        the database (see :func:`wijkanalyse.dblock.hold`).
    parallel
        Let a second process read the largest sources while this one reads the others and
        writes (only on Linux, with two or more processors and at least
        :data:`~wijkanalyse.sources.readpool.PARALLEL_MIN_BYTES` of sources; see
        :class:`wijkanalyse.sources.readpool.Reads`). The database is the same either way.

    Returns
    -------
    BuildReport

    Raises
    ------
    BuildRefusedError
        Nothing (or far too little) to load, a write-protected database or folder, or the
        same source name in two places.
    """
    started = time.perf_counter()
    catalogue = catalogue or load_catalogue()
    if source_dirs is None:
        source_dirs = [settings.source_dir]
        if settings.download_dir.is_dir():
            source_dirs.append(settings.download_dir)
    for d in source_dirs:
        if not Path(d).is_dir():
            raise WijkanalyseError(
                f"Bronmap {d} bestaat niet. Geef een map met bronbestanden op met "
                "--source MAP of zet WIJKANALYSE_SOURCE."
            )
    target = Path(settings.db_path)
    _check_target(target)
    _remove_stale_temporaries(target)
    report = BuildReport(db_path=settings.db_path)
    paths = [p for d in source_dirs for p in discover(Path(d))]
    documents = [doc for d in source_dirs for doc in discover_documents(Path(d))]
    report.documents = [doc.path for doc in documents]
    if not paths and not replace_anyway:
        raise BuildRefusedError(
            f"Geen bronbestanden gevonden in {', '.join(str(d) for d in source_dirs)}; de "
            f"database {target} blijft zoals hij was. Geef de map met bronbestanden op met "
            "--source MAP (of --vervang-toch om toch een lege database te maken)."
        )
    paths, duplicates = _unique_names(paths, strict=strict)
    report.failed.extend(duplicates)
    units, failed = _detect_all(paths, strict=strict)
    report.failed.extend(failed)
    context = ReadContext(layouts={u.path: u.layout for u in units})

    tmp = target.with_name(
        f"{target.name}.bouw-{os.getpid()}-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")
    _remove_db(tmp)
    # The readers make millions of short-lived containers (parsed JSON, rows) and no
    # reference cycles worth collecting; Python's cyclic garbage collector would walk them all
    # again and again (about a tenth of the build). It is off until the build is done.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # the worker process (if any) is forked first, before DuckDB starts its threads here
    reads = Reads(units, catalogue=catalogue, context=context, parallel=parallel)
    con = None
    copy: store.FileCopy | None = None
    try:
        # Sources are written into an in-memory database (one transaction per file, as
        # before), copied into the temporary file while the build goes on (store.FileCopy): a
        # file database would write every figure to its write-ahead log at each commit and
        # again at each checkpoint. One DuckDB thread: the small inserts run next to the worker
        # process, the copy and the conflict query next to each other.
        con = store.connect_memory()
        store.use_one_thread(con)
        store.write_catalogue(con, catalogue)
        store.write_documents(con, documents)
        # Coded sources are written in discovery order as soon as they are read (while the
        # worker process reads on); name-only sources after all of them, against their regions.
        read_failed: list[FailedSource] = []
        write_failed: list[FailedSource] = []
        written: list[_Unit] = []
        named: list[_Unit] = []
        n_read = 0

        def write(unit: _Unit, reference: pd.DataFrame | None) -> None:
            if progress:
                progress("schrijven", len(written), len(units), unit.path.name)
            assert con is not None  # set before the first unit is written
            try:
                _write_unit(con, unit, reference=reference)
                report.loaded.extend(t.source.source_id for t in unit.tables)
            except (DataFileError, duckdb.Error) as exc:
                if strict:
                    # as if all files were read before any was written: a bad file wins
                    reads.raise_first_error()
                    raise
                write_failed.append(FailedSource(unit.path, str(exc)))
            written.append(unit)
            unit.tables = []  # written: its frames are no longer needed

        for unit in units:
            if progress:
                progress("lezen", n_read, len(units), unit.path.name)
            try:
                unit.tables = reads.tables(unit)
            except DataFileError as exc:
                if strict:
                    raise
                read_failed.append(FailedSource(unit.path, str(exc)))
            n_read += 1
            if not unit.tables:
                continue
            if all(t.regions["code"].notna().all() for t in unit.tables):
                write(unit, None)
                if copy is None and reads.worker_done():
                    # a processor is free: copy what is written so far into the file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    copy = store.FileCopy(con, tmp)
                    copy.start(_GROWING_TABLES)
            else:
                named.append(unit)
        if progress:
            progress("lezen", len(units), len(units), "")
        report.failed.extend(read_failed)
        if not written and not named and not replace_anyway:
            raise BuildRefusedError(
                f"Geen enkel bronbestand kon worden geladen ({len(paths)} gevonden, "
                f"{len(report.failed)} overgeslagen); de database {target} blijft zoals hij "
                "was. Bekijk de meldingen hierboven, of geef --vervang-toch om toch een lege "
                "database te maken.", failed=report.failed)
        target.parent.mkdir(parents=True, exist_ok=True)
        # the figures of coded sources are copied into the file while names are resolved
        if copy is None:
            copy = store.FileCopy(con, tmp)
        copy.start(_GROWING_TABLES)
        if named:
            # names are resolved against the regions of all coded sources
            reference = store.reference_regions(con, for_resolution=True)
            for unit in named:
                write(unit, reference)
        report.failed.extend(write_failed)
        if progress:
            progress("schrijven", len(written), len(written), "")
        reads.close()
        _record_failures(con, report.failed)
        from wijkanalyse.gebieden.lineage import build_lineage
        from wijkanalyse.segregatie.section import store_gemeente_parts

        def alongside(cur: duckdb.DuckDBPyConnection) -> None:
            _record_conflicts(cur)
            # which region of one division year becomes which of the next (issue 12)
            started = time.perf_counter()
            report.n_lineage = build_lineage(cur)
            report.lineage_seconds = time.perf_counter() - started
            # figures of a whole gemeente or of all of NL that every profile needs (issue 13)
            started = time.perf_counter()
            with store.transaction(cur):
                report.n_derived = store_gemeente_parts(cur)
                report.n_derived += _store_profile_parts(cur)
            report.derived_seconds = time.perf_counter() - started

        # the conflicts between sources, the lineage and the derived tables are made while
        # the rest is copied into the file (on two processors), and copied after it
        copy.finish(alongside=alongside, last=("load_issues", "lineage", *_DERIVED_TABLES))
        copy.close()
        copy = None
        report.n_observations = store.row_count(con, "observations")
        report.n_regions = store.row_count(con, "regions")
        report.n_issues = store.row_count(con, "load_issues")
        n_sources = store.row_count(con, "sources")
        con.close()
        con = store.connect(tmp)
        # Copy the user tables over and swap under the exclusive lock: a write acknowledged
        # before this point is copied, a write after it waits and goes into the new file.
        with dblock.hold(target, exclusive=True, purpose="data build",
                         timeout=dblock.BUILD_TIMEOUT, on_wait=on_wait):
            _check_target(target)
            previous: dict[str, int] = {}
            report.carried_over = _carry_over_user_tables(con, target, previous=previous)
            if not replace_anyway:
                _check_not_shrinking(target, previous, report, n_sources)
            _load_kennis_catalogue(con)
            store.checkpoint(con)
            con.close()
            _remove_wal(target)
            os.replace(tmp, target)
    except BaseException as exc:
        reads.close()
        if copy is not None:
            copy.close()
        if con is not None:
            con.close()
        _remove_db(tmp)
        if gc_was_enabled:
            gc.enable()
        if isinstance(exc, (duckdb.Error, OSError)) and store.is_disk_full(exc):
            raise WijkanalyseError(store.disk_full_message(tmp)) from exc
        raise
    reads.close()
    if gc_was_enabled:
        gc.enable()
    report.seconds = time.perf_counter() - started
    return report


#: Tables computed from the figures by every build (never carried over: they are rebuilt).
_DERIVED_TABLES = ("segregatie_gemeente", "stored_parts")


def _store_profile_parts(con: duckdb.DuckDBPyConnection) -> int:
    """The peer features and names and Nederland from its gemeenten, stored for every profile
    (``stored_parts``, :mod:`wijkanalyse.profiel.stored`). Returns the rows written."""
    from wijkanalyse.profiel.assemble import nederland_parts
    from wijkanalyse.profiel.peers import stored_parts

    n = 0
    for kind, rows in stored_parts(con).items():
        n += store.write_stored_parts(con, kind, rows)
    return n + store.write_stored_parts(con, "nederland", nederland_parts(con))

#: The large tables every source adds to, copied into the file while the build goes on.
_GROWING_TABLES = ("observations", "region_sources", "geometries")


def _detect_all(paths: list[Path], *, strict: bool) -> tuple[list[_Unit], list[FailedSource]]:
    units, failed = [], []
    for p in paths:
        hit = detect(p)
        if hit is None:
            exc = UnknownLayoutError(
                p,
                "onbekend bestandsformaat: geen lezer herkent dit bestand.",
                hint=unknown_layout_hint(p),
            )
            if strict:
                raise exc
            failed.append(FailedSource(p, str(exc)))
            continue
        layout, module = hit
        units.append(_Unit(path=p, layout=layout, module=module))
    return units, failed


def _write_unit(con: duckdb.DuckDBPyConnection, unit: _Unit, *,
                reference: pd.DataFrame | None) -> None:
    """Write all tables of one source file in one transaction (resolving names if needed).

    A reader module may define ``resolve(table, reference) -> (table, methods)`` with its own
    rules for name-only regions (``read_politie``: gemeenten of years without a loaded division);
    otherwise :func:`_resolve` is used.
    """
    resolver = getattr(unit.module, "resolve", None) or _resolve
    with store.transaction(con):
        for table in unit.tables:
            methods = None
            if reference is not None and table.regions["code"].isna().any():
                table, methods = resolver(table, reference)
            store.write_source_table(con, table, match_methods=methods)


def _resolve(table: SourceTable, reference: pd.DataFrame) -> tuple[SourceTable, pd.Series]:
    """Fill codes (and unknown levels and years) of a name-only table from the reference."""
    from wijkanalyse.gebieden.names import resolve_names

    regions = table.regions.copy()
    methods = pd.Series("code", index=regions.index, dtype="object")
    todo = regions["code"].isna()
    # a source without a year (municipal boundary files) is matched against the latest division
    year = table.source.year
    if year is None and regions["year"].isna().any() and len(reference):
        year = int(reference["year"].max())
    res = resolve_names(regions[todo], reference, year=year)
    regions["code"] = regions["code"].astype("object")
    regions.loc[todo, "code"] = res.codes
    methods[todo] = res.methods
    if res.levels is not None:
        regions["level"] = regions["level"].astype("object")
        regions.loc[todo, "level"] = res.levels
    if regions["year"].isna().any():
        # boundary files without a year: the latest year in which the matched code exists
        latest = reference.groupby("code")["year"].max()
        regions["year"] = regions["year"].fillna(regions["code"].map(latest))
        regions = regions[regions["year"].notna() | regions["code"].isna()]
    out = SourceTable(source=table.source, regions=regions, values=table.values,
                      issues=[*table.issues, *res.issues], geometries=table.geometries)
    return out, methods


def _record_failures(con: duckdb.DuckDBPyConnection, failed: list[FailedSource]) -> None:
    store.write_issues(
        con, "(build)",
        [LoadIssue(kind="failed_source", detail=f.message, column=f.path.name) for f in failed],
    )


def _record_conflicts(con: duckdb.DuckDBPyConnection) -> None:
    """Record the figures on which two sources disagree (:func:`store.record_conflicts`)."""
    store.record_conflicts(con)


def _load_kennis_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """Load the shipped interventions (idempotent; the versions people stored are in the
    content store, which the build does not touch)."""
    from wijkanalyse.kennis import ensure_catalogue
    from wijkanalyse.kennis.index import stored_index_part

    ensure_catalogue(con)
    # the search index of the catalogue just loaded, so that 'kennis zoek' need not make it
    store.write_stored_parts(con, "kennis_index", [stored_index_part(con)])


def _carry_over_user_tables(
    con: duckdb.DuckDBPyConnection, target: Path, *, previous: dict[str, int] | None = None,
) -> dict[str, int]:
    """Copy the user tables of the database at ``target`` into ``con``
    (:func:`store.carry_over_user_tables`); a DuckDB file that is not ours is refused."""
    try:
        return store.carry_over_user_tables(con, target, previous=previous)
    except store.NotWijkanalyseDatabaseError as exc:
        raise BuildRefusedError(str(exc)) from exc


def _check_not_shrinking(target: Path, previous: dict[str, int], report: BuildReport,
                         n_sources: int) -> None:
    """Refuse a build that would replace the database with far fewer figures."""
    before = previous.get("observations", 0)
    after = report.n_observations
    if before and after < SHRINK_LIMIT * before:
        skipped = (f", {len(report.failed)} bestand(en) overgeslagen" if report.failed
                   else "")
        raise BuildRefusedError(
            f"Deze bouw laadt {_nl(after)} waarden uit {n_sources} brontabel(len){skipped}; "
            f"de huidige database {target} heeft {_nl(before)} waarden uit "
            f"{previous.get('sources', 0)} brontabel(len). Vervangen zou "
            f"{'alle' if after == 0 else 'de meeste'} cijfers weggooien, dus de database "
            "blijft zoals hij was. Controleer de bronmap (--source), of geef --vervang-toch "
            "om hem toch te vervangen.", failed=report.failed)


def _nl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _check_target(target: Path) -> None:
    """Refuse to replace a write-protected database, or one in a write-protected folder."""
    if target.exists() and store.write_protected(target):
        raise BuildRefusedError(
            f"De database {target} is schrijfbeveiligd (alleen-lezen); data build vervangt "
            f"hem niet. Maak hem schrijfbaar (bijv. 'chmod u+w {target}') of bouw naar een "
            "ander pad met --db.")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if store.write_protected(folder):
        raise BuildRefusedError(
            f"In de map {folder} mag niet worden geschreven (schrijfbeveiligd); daar kan de "
            f"database {target.name} niet worden gebouwd. Kies een andere plek met --db.")


def _remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of earlier builds of ``target`` whose process is gone."""
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for p in sorted(target.parent.glob(f"{glob.escape(target.name)}.bouw-*{TMP_SUFFIX}*")):
        m = re.fullmatch(re.escape(target.name) + r"\.bouw-(\d+)(?:-[0-9a-f]+)?"
                         + re.escape(TMP_SUFFIX)
                         + r"(\.wal)?", p.name)
        if m and not dblock.pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _unique_names(paths: list[Path], *, strict: bool) -> tuple[list[Path], list[FailedSource]]:
    """Sources are known by their file name: the same name twice is refused (or skipped)."""
    first: dict[str, Path] = {}
    keep, failed = [], []
    for p in paths:
        if p.name in first:
            message = (f"{p}: dezelfde bestandsnaam als {first[p.name]}; een bron heet naar "
                       "zijn bestandsnaam, dus twee bronnen kunnen niet dezelfde naam hebben.\n"
                       "  Wat te doen: haal een van beide weg (een kopie?) of geef het een "
                       "eigen naam.")
            if strict:
                raise BuildRefusedError(message)
            failed.append(FailedSource(p, message))
            continue
        first[p.name] = p
        keep.append(p)
    return keep, failed


def _remove_wal(path: Path) -> None:
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.unlink()


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()
