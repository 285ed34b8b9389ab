"""Benchmark of the web site: ``wijkanalyse serve`` in a subprocess on 127.0.0.1, then 20
concurrent httpx clients over a mix of wijk, gemeente, monitor and search pages for 60 s.

Prints per page kind the number of requests, p50 and p95 in ms, and the errors (any status
other than 200/303). Targets (issue 15): p95 < 100 ms for wijk pages, < 300 ms for monitor
pages, 0 errors.

The pages are first requested once each (the "cold" pass: a page is made on its first request
and cached for this database build); the timed run then requests the same pages in random
order, as a site with returning visitors would. The cold pass is reported too.

Usage::

    python bench/bench_web.py --db wijkanalyse.duckdb [--seconds 60] [--clients 20]
        [--wijken 30] [--port 8765]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx

KINDS = ("wijk", "gemeente", "monitor", "zoek")
SEARCHES = ("Angelslo", "Schildersbuurt", "Schilderbuurt", "Meerwijk", "Den Haag",
            "Vogelwijk", "Housing First", "WK011443", "buurtbemiddeling", "Selwerd")
MONITOR_SORTS = ("name", "-name", "risk", "-risk", "lbm_afw", "klasse_label", "gemeente")
GEMEENTEN = ("GM0518", "GM0014", "GM0114", "GM0392", "GM0995", "GM0363", "GM0599",
             "GM0772", "GM0344", "GM0935")
INDICATORS = ("a_inw", "p_hh_li")


def _pages(db: Path, n_wijken: int, seed: int) -> dict[str, list[str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT DISTINCT code FROM observation WHERE indicator_id = 'a_inw' AND year = 2024 "
            "AND code LIKE 'WK%' AND value >= 2000 ORDER BY code").fetchall()]
    finally:
        con.close()
    rng = random.Random(seed)
    wijken = ["WK051829", "WK011443", "WK039221", *rng.sample(codes, max(0, n_wijken - 3))]
    return {
        "wijk": [f"/wijk/{c}" for c in wijken],
        "gemeente": [f"/gemeente/{g}?indicator={i}" for g in GEMEENTEN for i in INDICATORS],
        "monitor": [f"/monitor/programma-2016?sort={s}" for s in MONITOR_SORTS],
        "zoek": [f"/zoek?q={q}" for q in SEARCHES],
    }


def _start(db: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("wijkanalyse")
    proc = subprocess.Popen([str(exe), "--db", str(db), "serve", "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("de server startte niet binnen 60 s")


async def _cold(base: str, pages: dict[str, list[str]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        for kind in KINDS:
            for path in pages[kind]:
                start = time.perf_counter()
                r = await client.get(path)
                times[kind].append((time.perf_counter() - start) * 1000)
                if r.status_code not in (200, 303):
                    print(f"  koud: {r.status_code} {path}")
    return times


async def _run(base: str, pages: dict[str, list[str]], seconds: float, clients: int,
               seed: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: dict[str, int] = {k: 0 for k in KINDS}
    stop = time.monotonic() + seconds
    # the mix: wijk pages most, then search, gemeente and monitor
    weights = {"wijk": 5, "zoek": 2, "gemeente": 2, "monitor": 1}
    mix = [k for k in KINDS for _ in range(weights[k])]

    async def worker(n: int) -> None:
        rng = random.Random(seed + n)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while time.monotonic() < stop:
                kind = rng.choice(mix)
                path = rng.choice(pages[kind])
                start = time.perf_counter()
                try:
                    r = await client.get(path)
                    ok = r.status_code in (200, 303)
                except httpx.HTTPError:
                    ok = False
                times[kind].append((time.perf_counter() - start) * 1000)
                if not ok:
                    errors[kind] += 1

    await asyncio.gather(*(worker(n) for n in range(clients)))
    return times, errors


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("WIJKANALYSE_DB",
                                                                       "wijkanalyse.duckdb")))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--wijken", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    pages = _pages(args.db, args.wijken, args.seed)
    proc = _start(args.db, args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        t0 = time.perf_counter()
        cold = asyncio.run(_cold(base, pages))
        print(f"Koude ronde (elke pagina één keer, na elkaar): {time.perf_counter() - t0:.0f} s")
        for kind in KINDS:
            print(f"  {kind:9s} n={len(cold[kind]):3d}  p50 {_pct(cold[kind], 50):8.0f} ms  "
                  f"max {max(cold[kind]):8.0f} ms")
        times, errors = asyncio.run(_run(base, pages, args.seconds, args.clients, args.seed))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    targets = {"wijk": 100.0, "monitor": 300.0}
    print(f"Warme ronde: {args.clients} clients, {args.seconds:.0f} s, load "
          f"{os.getloadavg()[0]:.1f}")
    for kind in KINDS:
        p95 = _pct(times[kind], 95)
        target = targets.get(kind)
        reached = "gehaald" if target is not None and p95 < target else "NIET gehaald"
        verdict = "" if target is None else f" (doel < {target:.0f} ms: {reached})"
        print(f"  {kind:9s} n={len(times[kind]):5d}  p50 {_pct(times[kind], 50):7.1f} ms  "
              f"p95 {p95:7.1f} ms  fouten {errors[kind]}{verdict}")
    print(f"Totaal: {sum(len(v) for v in times.values())} verzoeken, "
          f"{sum(errors.values())} fouten")


if __name__ == "__main__":
    main()
