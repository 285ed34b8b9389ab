"""Compare the database built by another version of wijkanalyse with the one built now.

Builds ``../shared/data`` twice into a temporary folder: once with the source tree of a git
revision (``--ref``, default ``main``; taken with ``git archive``, run with this interpreter)
and once with the working tree, each in its own process. Then compares every table: the number
of rows and an MD5 checksum of the rows in sorted order (each row as DuckDB prints it, so every
value counts to the last digit). The change times of the kennisdossier tables
(``interventions.updated_at``, ``intervention_history.changed_at``) are left out: they are the
time of the build.

Usage: ``python bench/compare_builds.py [--ref main] [--source ../shared/data]``; exits 1 when
a table differs. A build can be made without the worker process with ``--sequential``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
#: Columns that hold the time of the build, left out of the comparison.
BUILD_TIMES = {"interventions": ["updated_at"], "intervention_history": ["changed_at"]}

_BUILD = """
import sys, time
from pathlib import Path
import wijkanalyse
from wijkanalyse.sources.build import build_database
from wijkanalyse.settings import resolve_settings
db, source, parallel = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
settings = resolve_settings(db=db, source=source, cache=db.parent / "cache")
kwargs = {} if parallel else {"parallel": False}
t = time.perf_counter()
build_database(settings, **kwargs)
print(wijkanalyse.__file__)
print(f"{time.perf_counter() - t:.2f}")
"""


def checksums(db: Path) -> dict[str, tuple[int, str]]:
    """``table -> (rows, md5 of the sorted rows)`` for every table of the database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY table_name").fetchall()]
        out = {}
        for t in tables:
            exclude = BUILD_TIMES.get(t)
            cols = f"* EXCLUDE ({', '.join(exclude)})" if exclude else "*"
            out[t] = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) "
                f'FROM (SELECT CAST(x AS VARCHAR) AS r FROM (SELECT {cols} FROM "{t}") x)'
            ).fetchone()
        return out
    finally:
        con.close()


def build(src: Path, db: Path, source: Path, *, parallel: bool) -> float:
    """Build ``db`` with the package in ``src`` (a ``src`` folder) in a new process."""
    result = subprocess.run(
        [sys.executable, "-c", _BUILD, str(db), str(source), "1" if parallel else "0"],
        env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True,
        check=False)
    if result.returncode != 0:
        raise SystemExit(f"bouw met {src} mislukt:\n{result.stderr}")
    used, seconds = result.stdout.strip().splitlines()[-2:]
    if not Path(used).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"de bouw gebruikte {used}, niet de versie in {src}")
    return float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="git-revisie om mee te vergelijken")
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sequential", action="store_true",
                        help="de huidige versie zonder leesproces bouwen")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vergelijk-") as tmp:
        tmp = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref, "src"],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp / "ref", filter="data")
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        t0 = time.perf_counter()
        old = build(tmp / "ref" / "src", tmp / "a" / "w.duckdb", args.source, parallel=True)
        new = build(ROOT / "src", tmp / "b" / "w.duckdb", args.source,
                    parallel=not args.sequential)
        a, b = checksums(tmp / "a" / "w.duckdb"), checksums(tmp / "b" / "w.duckdb")
        print(f"bouw {args.ref}: {old:.2f} s; bouw nu: {new:.2f} s "
              f"({time.perf_counter() - t0:.0f} s in totaal)")
        same = True
        for table in sorted(set(a) | set(b)):
            ok = a.get(table) == b.get(table)
            same &= ok
            rows, digest = b.get(table, (None, None))
            print(f"{'gelijk ' if ok else 'ANDERS '} {table:26s} {rows!s:>9} rijen  {digest}"
                  + ("" if ok else f"  (was {a.get(table)})"))
        print("alle tabellen gelijk" if same else "TABELLEN VERSCHILLEN")
        raise SystemExit(0 if same else 1)


if __name__ == "__main__":
    main()
