"""Benchmark: selection for spread of GENERATED registrations (not real cities; labelled so in
the output) with the exact integer programme (HiGHS via ``scipy.optimize.milp``), and the
explanation per registration (best swap for each of them).

Goal (issue 16): 200 registrations selected to 15 in under 5 seconds. Prints the time of the
solve alone, of the whole selection with explanations, and the spread score, for each size.

Usage: ``python bench/bench_programma.py [--sizes 40,100,200] [--maximum 15] [--seed 2016]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from wijkanalyse.programma import generate_registrations, new_programme, select_for_spread, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="40,100,200")
    parser.add_argument("--maximum", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args()
    print("Gegenereerde aanmeldingen (geen echte steden), selectie op spreiding:")
    solve(generate_registrations(20, seed=1), maximum=5)  # import and warm up scipy once
    worst = 0.0
    for n in (int(s) for s in args.sizes.split(",")):
        regs = generate_registrations(n, seed=args.seed)
        t0 = time.perf_counter()
        chosen, score = solve(regs, maximum=args.maximum)
        t_solve = time.perf_counter() - t0
        prog = new_programme(slug="bench", name="bench", period_start=dt.date(2016, 9, 1),
                             period_end=dt.date(2017, 6, 30), deadline=dt.date(2016, 10, 14),
                             meeting_start=dt.date(2016, 11, 29),
                             meeting_end=dt.date(2017, 3, 31), maximum=args.maximum)
        prog.registrations = regs
        t0 = time.perf_counter()
        result = select_for_spread(prog)
        t_all = time.perf_counter() - t0
        worst = max(worst, t_all) if n >= 200 else worst
        print(f"  {n:4d} aanmeldingen -> {len(chosen)}: ILP {t_solve:6.2f} s, met uitleg "
              f"{t_all:6.2f} s, spreiding {score.readable():.2f} punten, "
              f"{len(result.decisions)} verklaringen")
    if worst:
        verdict = "gehaald" if worst < 5 else "NIET gehaald"
        print(f"200 aanmeldingen: {worst:.2f} s (doel < 5 s): {verdict}")


if __name__ == "__main__":
    main()
