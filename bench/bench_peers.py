"""Benchmark: the peer group (vergelijkbare wijken) of many wijken.

Prints the time to build the structural features of all wijken and all buurten (first call,
uncached, and a cached call), and the time per :func:`wijkanalyse.profiel.peers.find_peers` call for
every wijk with Leefbaarometer data and for 200 random wijken (seed 2016).

Usage: ``python bench/bench_peers.py [--db wijkanalyse.duckdb] [--source ../shared/data]``;
without ``--db`` a database is built from ``--source`` in a temporary folder first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from wijkanalyse import store
from wijkanalyse.model import Subject
from wijkanalyse.profiel import peers


def wijk_subjects(con, codes: list[str], year: int) -> list[Subject]:
    """Subjects for wijk codes (name and gemeente from the regions view)."""
    rows = con.execute(
        "SELECT code, name, gemeente_code FROM regions WHERE year = ? AND list_contains(?, code)",
        [year, codes],
    ).fetchall()
    return [
        Subject(kind="wijk", id=code, name=name or code,
                gemeente_code=gm, gemeente_name=None, level="wijk", members=[code],
                wijk_codes=[code])
        for code, name, gm in sorted(rows)
    ]


def time_calls(con, subjects: list[Subject]) -> tuple[list[float], int]:
    """Seconds per find_peers call, and how many calls returned peers."""
    times: list[float] = []
    found = 0
    for subject in subjects:
        started = time.perf_counter()
        group = peers.find_peers(con, subject)
        times.append(time.perf_counter() - started)
        found += bool(group.peers)
    return times, found


def report(label: str, times: list[float], found: int) -> None:
    times_ms = sorted(t * 1000 for t in times)
    p95 = times_ms[min(len(times_ms) - 1, int(0.95 * len(times_ms)))]
    print(f"{label}: {len(times)} calls, {found} with peers; total {sum(times):.2f} s, "
          f"median {statistics.median(times_ms):.1f} ms, p95 {p95:.1f} ms, "
          f"max {times_ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--source", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from wijkanalyse.settings import resolve_settings
            from wijkanalyse.sources.build import build_database

            db = Path(tmp) / "bench.duckdb"
            started = time.perf_counter()
            build_database(resolve_settings(db=db, source=args.source, cache=Path(tmp) / "c"))
            print(f"database built in {time.perf_counter() - started:.1f} s")
        con = store.connect(db, read_only=True)

        for level in ("wijk", "buurt"):
            started = time.perf_counter()
            feats = peers.structural_features(con, level=level, year=args.year)
            first = time.perf_counter() - started
            started = time.perf_counter()
            peers.structural_features(con, level=level, year=args.year)
            cached = time.perf_counter() - started
            print(f"features {level} {args.year}: {len(feats)} regions x {feats.shape[1]} "
                  f"features in {first * 1000:.0f} ms (cached {cached * 1000:.1f} ms)")

        lbm_codes = [c for (c,) in con.execute(
            "SELECT DISTINCT code FROM observation WHERE indicator_id = 'lbm' AND year = ? "
            "AND value IS NOT NULL AND starts_with(code, 'WK') ORDER BY code",
            [args.year]).fetchall()]
        all_wijken = sorted(peers.structural_features(con, level="wijk", year=args.year).index)
        sample = random.Random(2016).sample(all_wijken, min(200, len(all_wijken)))

        times, found = time_calls(con, wijk_subjects(con, lbm_codes, args.year))
        report("find_peers, wijken with Leefbaarometer", times, found)
        times, found = time_calls(con, wijk_subjects(con, sample, args.year))
        report("find_peers, 200 random wijken (seed 2016)", times, found)
        jol = Subject(kind="gebied", id="jol-galjoen", name="Jol/Galjoen",
                      gemeente_code="GM0995", gemeente_name="Lelystad", level="buurt",
                      members=["BU09950633", "BU09950634", "BU09950635", "BU09950637"],
                      wijk_codes=["WK099506"])
        times, found = time_calls(con, [jol] * 20)
        report("find_peers, Jol/Galjoen (set of 4 buurten) x 20", times, found)
        con.close()


if __name__ == "__main__":
    main()
