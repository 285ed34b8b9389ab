"""Benchmark: build the database from all of ../shared/data, against a plain read floor.

The **floor** reads and parses every byte of the same source units into tables or objects,
with the plainest reader of each format and without any harmonisation (no codes, names,
catalogue, geometry or database content beyond the raw tables):

* CSV (KWB exports, Leefbaarometer, SES-WOA, Politie 47013NED, RIVM Gezondheidsmonitor):
  DuckDB ``read_csv`` (all columns as text, single-threaded) into a table of a DuckDB file;
* JSON (the OData folder): DuckDB ``read_json_auto`` into a table of the same file;
* GeoJSON (boundary files and the folder of 50 Wijk- en Buurtkaart files): ``json.loads`` of
  the whole text into Python objects;
* DBF (Wijk- en Buurtkaart attribute tables): ``pyogrio.read_dataframe`` without geometry
  (GDAL parses every record into a DataFrame);
* SQLite: ``sqlite3``, every row of every table fetched;
* xlsx: openpyxl in read-only mode, every row of every sheet.

The floor runs in one process; the build may use a second process for reading
(:class:`wijkanalyse.sources.build._Reads`). Both are timed as wall-clock time, each ``--repeat``
times in turn (the median is reported), so that load from other processes on the machine hits
both alike. Prints the bytes read, both times, their ratio, the floor per format and the peak
resident memory (of this process, and of the largest child: the build's reader process).

Usage: ``python bench/bench_build.py [--source ../shared/data] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database
from wijkanalyse.sources.registry import discover

#: The build must take at most this many times the floor ...
MAX_RATIO = 3.0
#: ... and at most this many seconds.
MAX_SECONDS = 60.0


def floor(source: Path, db: Path) -> tuple[float, int, dict[str, float]]:
    """Read and parse every source byte with the plainest reader of its format.

    Returns the seconds, the number of bytes and the seconds per file suffix.
    """
    import openpyxl
    import pyogrio

    per_suffix: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    n_bytes = 0
    for i, unit in enumerate(discover(source)):
        files = sorted(p for p in unit.rglob("*") if p.is_file()) if unit.is_dir() else [unit]
        for f in files:
            t0 = time.perf_counter()
            n_bytes += f.stat().st_size
            name = f"t{i}_{f.stem.replace('-', '_')}"[:60]
            path = str(f).replace("'", "''")
            suffix = f.suffix.lower()
            if suffix == ".csv":
                con.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_csv('{path}', "
                            "all_varchar=true, strict_mode=false, null_padding=true, "
                            "ignore_errors=true, parallel=false)")
            elif suffix == ".json":
                con.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_json_auto('{path}')")
            elif suffix == ".geojson":
                json.loads(f.read_text(encoding="utf-8"))
            elif suffix == ".dbf":
                pyogrio.read_dataframe(f, read_geometry=False)
            elif suffix == ".xlsx":
                wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
                for ws in wb.worksheets:
                    list(ws.iter_rows(values_only=True))
                wb.close()
            elif suffix == ".sqlite":
                lite = sqlite3.connect(f)
                for (t,) in lite.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                    lite.execute(f'SELECT * FROM "{t}"').fetchall()
                lite.close()
            else:
                raise SystemExit(f"geen vloer-lezer voor {f}")
            per_suffix[suffix] += time.perf_counter() - t0
    con.close()
    return time.perf_counter() - started, n_bytes, dict(per_suffix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    builds, floors = [], []
    per_suffix: dict[str, list[float]] = defaultdict(list)
    n_bytes = 0
    for r in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            settings = resolve_settings(db=tmp / "w.duckdb", source=args.source,
                                        cache=tmp / "cache")
            t0 = time.perf_counter()
            report = build_database(settings)
            builds.append(time.perf_counter() - t0)
            seconds, n_bytes, parts = floor(args.source, tmp / f"floor{r}.duckdb")
            floors.append(seconds)
            for k, v in parts.items():
                per_suffix[k].append(v)
    b, f = statistics.median(builds), statistics.median(floors)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"bronbytes:            {n_bytes / 1e6:.1f} MB in {len(discover(args.source))} bronnen")
    print(f"wijkanalyse data build: {b:.2f} s (mediaan van {args.repeat}: "
          f"{', '.join(f'{x:.2f}' for x in builds)}; {report.n_observations} waarden, "
          f"{report.n_regions} regio-jaren)")
    print(f"vloer (DuckDB read_csv/read_json, json, pyogrio, sqlite3, openpyxl): {f:.2f} s "
          f"({', '.join(f'{x:.2f}' for x in floors)})")
    print("  vloer per formaat: " + ", ".join(
        f"{k} {statistics.median(v):.2f} s" for k, v in sorted(per_suffix.items())))
    ratio = b / f
    met = "gehaald" if ratio <= MAX_RATIO and b < MAX_SECONDS else "NIET gehaald"
    print(f"verhouding build/vloer: {ratio:.1f}x (doel: hoogstens {MAX_RATIO:.0f}x en onder "
          f"{MAX_SECONDS:.0f} s: {met})")
    print(f"piekgeheugen (RSS): {own:.0f} MB in dit proces, {child:.0f} MB in het leesproces")


if __name__ == "__main__":
    main()
