"""Benchmark: build the database from all of ../shared/data, against a plain DuckDB floor.

The floor reads the same CSV and JSON bytes with DuckDB's own ``read_csv``/``read_json`` into
tables, without any harmonisation (the SQLite and GeoJSON files are read with Python's sqlite3
and json modules, xlsx workbooks with openpyxl in read-only mode). Prints both times and their
ratio.

Usage: ``python bench/bench_build.py [--source ../shared/data] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from wijkanalyse.build import build_database
from wijkanalyse.readers import discover
from wijkanalyse.settings import resolve_settings


def floor(source: Path, db: Path) -> tuple[float, int]:
    """Read every source byte with plain DuckDB (or the stdlib where DuckDB has no reader)."""
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    n_bytes = 0
    for i, unit in enumerate(discover(source)):
        files = sorted(p for p in unit.rglob("*") if p.is_file()) if unit.is_dir() else [unit]
        for f in files:
            n_bytes += f.stat().st_size
            name = f"t{i}_{f.stem.replace('-', '_')}"[:60]
            path = str(f).replace("'", "''")
            if f.suffix == ".csv":
                con.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_csv('{path}', "
                            "all_varchar=true, strict_mode=false, null_padding=true, "
                            "ignore_errors=true, parallel=false)")
            elif f.suffix == ".json":
                con.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_json_auto('{path}')")
            elif f.suffix == ".geojson":
                json.loads(f.read_text(encoding="utf-8"))
            elif f.suffix == ".dbf":
                f.read_bytes()
            elif f.suffix == ".xlsx":
                import openpyxl

                wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
                for ws in wb.worksheets:
                    list(ws.iter_rows(values_only=True))
                wb.close()
            elif f.suffix == ".sqlite":
                lite = sqlite3.connect(f)
                for (t,) in lite.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                    lite.execute(f'SELECT * FROM "{t}"').fetchall()
                lite.close()
    con.close()
    return time.perf_counter() - started, n_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    builds, floors = [], []
    n_bytes = 0
    for r in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            settings = resolve_settings(db=tmp / "w.duckdb", source=args.source,
                                        cache=tmp / "cache")
            t0 = time.perf_counter()
            report = build_database(settings)
            builds.append(time.perf_counter() - t0)
            seconds, n_bytes = floor(args.source, tmp / f"floor{r}.duckdb")
            floors.append(seconds)
    b, f = statistics.median(builds), statistics.median(floors)
    print(f"bronbytes:            {n_bytes / 1e6:.1f} MB in {len(discover(args.source))} bronnen")
    print(f"wijkanalyse data build: {b:.2f} s (mediaan van {args.repeat}; "
          f"{report.n_observations} waarden, {report.n_regions} regio-jaren)")
    print(f"vloer (DuckDB read_csv/read_json, sqlite3, json): {f:.2f} s")
    print(f"verhouding build/vloer: {b / f:.1f}x")


if __name__ == "__main__":
    main()
