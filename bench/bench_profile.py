"""Benchmark: the JSON profile of every wijk of a year, warm in one process, and one full
HTML+PDF report of the richest wijk.

Usage::

    python bench/bench_profile.py --db wijkanalyse.duckdb [--jaar 2024] [--steekproef N]
                                  [--report "De Kolenkit"] [--alleen-rapport]

Builds the database from ../shared/data first when ``--db`` does not exist. One wijk is
profiled first to warm the process (caches per connection); then every wijk of ``--jaar``
(all 3,393 of 2024, or a random sample of ``--steekproef`` with a fixed seed, for a quick run)
is resolved by its code and profiled as JSON (``resolve_subject`` + ``build_profile`` +
``to_dict`` + ``json.dumps``), as a web page would. Prints median and p95 per profile, and
the time of the HTML+PDF report (a fresh ``build_profile`` without the shared cache, as
``wijkanalyse profiel NAAM`` makes it; wall and CPU seconds, since the machine may be shared;
``--alleen-rapport`` measures only the report). Before all that, the cold first profile: a fresh
Python process imports wijkanalyse, opens the database and makes one JSON profile (``--koud``,
default the report's wijk), which is what a CLI call or a new web worker pays; the parts
``data build`` stores (``stored_parts``, docs/architecture.md "How a profile is fast") are
read there instead of computed. Targets (issue 13): median <= 150 ms, p95 <= 400 ms,
HTML+PDF <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wijkanalyse import store
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import to_dict
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.report import write_report
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database

TARGETS = {"median": 0.150, "p95": 0.400, "report": 3.0}


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.95 * (len(ordered) - 1))]


#: The cold first profile, run in a fresh process: prints import and profile seconds.
COLD = """
import json, sys, time
t0 = time.perf_counter()
from wijkanalyse import store
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import to_dict
from wijkanalyse.profiel.assemble import build_profile
t1 = time.perf_counter()
con = store.connect(sys.argv[1], read_only=True)
prof = build_profile(con, resolve_subject(con, sys.argv[2]))
json.dumps(to_dict(prof), ensure_ascii=False)
print(t1 - t0, time.perf_counter() - t1)
"""


def cold_profile(db: Path, query: str) -> tuple[float, float]:
    """Seconds of the imports and of the first JSON profile in a fresh process."""
    out = subprocess.run([sys.executable, "-c", COLD, str(db), query], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-2]), float(out[-1])


def report(con: Any, query: str) -> None:
    """Print wall and CPU seconds of one HTML+PDF report (profile, then HTML and PDF)."""
    with tempfile.TemporaryDirectory() as out:
        t0, c0 = time.perf_counter(), time.process_time()
        prof = build_profile(con, resolve_subject(con, query))
        t1, c1 = time.perf_counter(), time.process_time()
        paths = write_report(prof, Path(out), formats=("html", "pdf"))
        t2, c2 = time.perf_counter(), time.process_time()
        pdf = paths["pdf"].stat().st_size
    print(f"rapport {query}: profiel {t1 - t0:.2f} s + HTML en PDF {t2 - t1:.2f} s = "
          f"{t2 - t0:.2f} s (doel {TARGETS['report']:.0f} s; PDF {pdf / 1e6:.1f} MB); "
          f"CPU {c1 - c0:.2f} + {c2 - c1:.2f} = {c2 - c0:.2f} s; "
          f"belasting {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve()
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench.duckdb")
    parser.add_argument("--source", type=Path, default=here.parents[2] / "shared" / "data")
    parser.add_argument("--jaar", type=int, default=2024, help="the wijken of this year")
    parser.add_argument("--steekproef", type=int, default=None,
                        help="only a random sample of N wijken (seed 13)")
    parser.add_argument("--report", default="De Kolenkit", help="name or code of the report")
    parser.add_argument("--geen-rapport", action="store_true", help="skip the HTML+PDF report")
    parser.add_argument("--alleen-rapport", action="store_true",
                        help="only the HTML+PDF report (no cold profile, no JSON profiles)")
    parser.add_argument("--koud", default=None,
                        help="name or code of the cold first profile (default: --report)")
    args = parser.parse_args()
    if not args.db.exists():
        build_database(resolve_settings(db=args.db, source=args.source,
                                        cache=args.db.parent / "bench-cache"))
    if args.alleen_rapport:
        report(store.connect(args.db, read_only=True), args.report)
        return
    imports, first = cold_profile(args.db, args.koud or args.report)
    print(f"koud eerste profiel ({args.koud or args.report}, nieuw proces): imports "
          f"{imports:.2f} s + profiel {first:.2f} s = {imports + first:.2f} s")
    con = store.connect(args.db, read_only=True)
    codes = [r[0] for r in con.execute(
        "SELECT DISTINCT code FROM regions WHERE level = 'wijk' AND year = ? ORDER BY code",
        [args.jaar]).fetchall()]
    if args.steekproef:
        codes = sorted(random.Random(13).sample(codes, min(args.steekproef, len(codes))))
    cache: dict[Any, Any] = {}
    t0 = time.perf_counter()
    build_profile(con, resolve_subject(con, codes[0]), cache=cache)
    warm = time.perf_counter() - t0
    times: list[float] = []
    slowest: list[tuple[float, str]] = []
    n_bytes = 0
    started = time.perf_counter()
    for code in codes:
        t0 = time.perf_counter()
        subject = resolve_subject(con, code)
        prof = build_profile(con, subject, cache=cache)
        n_bytes += len(json.dumps(to_dict(prof), ensure_ascii=False))
        times.append(time.perf_counter() - t0)
        slowest.append((times[-1], code))
    total = time.perf_counter() - started
    median, p95 = statistics.median(times), _p95(times)
    print(f"wijkprofielen (JSON), wijken van {args.jaar}: {len(codes)} in {total:.1f} s "
          f"(warm maken {warm:.2f} s); mediaan {median * 1000:.0f} ms "
          f"(doel {TARGETS['median'] * 1000:.0f}), p95 {p95 * 1000:.0f} ms "
          f"(doel {TARGETS['p95'] * 1000:.0f}), max {max(times) * 1000:.0f} ms; "
          f"{n_bytes / 1e6:.1f} MB JSON")
    print("traagste: " + ", ".join(f"{c} {t * 1000:.0f} ms"
                                   for t, c in sorted(slowest, reverse=True)[:5]))
    if args.geen_rapport:
        return
    report(con, args.report)

if __name__ == "__main__":
    main()
