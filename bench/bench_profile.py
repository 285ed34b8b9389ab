"""Benchmark: the profile of every wijk in the database (JSON), and one full HTML+PDF report.

Usage::

    python bench/bench_profile.py --db wijkanalyse.duckdb [--limit N] [--report WK051829]

Builds the database from ../shared/data first when ``--db`` does not exist. Prints the number
of wijken, total and per-profile time (median, p95) and the time of one HTML+PDF report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from wijkanalyse import store
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import to_dict
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.report import write_report
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve()
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench.duckdb")
    parser.add_argument("--source", type=Path, default=here.parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="only the first N wijken")
    parser.add_argument("--report", default="WK051829", help="code of the HTML+PDF report")
    args = parser.parse_args()
    if not args.db.exists():
        build_database(resolve_settings(db=args.db, source=args.source,
                                        cache=args.db.parent / "bench-cache"))
    con = store.connect(args.db, read_only=True)
    codes = [r[0] for r in con.execute(
        "SELECT DISTINCT code FROM regions WHERE level = 'wijk' ORDER BY code").fetchall()]
    if args.limit:
        codes = codes[: args.limit]
    cache: dict = {}
    times: list[float] = []
    n_bytes = 0
    started = time.perf_counter()
    for code in codes:
        t0 = time.perf_counter()
        subject = resolve_subject(con, code)
        prof = build_profile(con, subject, cache=cache)
        n_bytes += len(json.dumps(to_dict(prof), ensure_ascii=False))
        times.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    times.sort()
    print(f"wijkprofielen (JSON): {len(codes)} wijken in {total:.1f} s; "
          f"mediaan {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.0f} ms per profiel; "
          f"{n_bytes / 1e6:.1f} MB JSON")
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        prof = build_profile(con, resolve_subject(con, args.report))
        t1 = time.perf_counter()
        paths = write_report(prof, Path(out), formats=("html", "pdf"))
        t2 = time.perf_counter()
        pdf = paths["pdf"].stat().st_size
    print(f"rapport {args.report}: profiel {t1 - t0:.2f} s + HTML en PDF {t2 - t1:.2f} s "
          f"(PDF {pdf / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
