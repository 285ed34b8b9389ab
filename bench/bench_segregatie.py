"""Benchmark: all segregation indices for every gemeente × jaar, vectorised vs PySAL segregation.

Part 1 uses a GENERATED national panel (not real data; labelled as such in the output): by
default 350 gemeenten with 15,000 buurten in total over 12 years (180,000 buurt-years, 4,200
gemeente × jaar partitions). Each buurt has a population (log-normal, some empty buurten), a
share of the group of interest whose spread around the gemeente's share differs per gemeente
(from nearly even to strongly concentrated), drifting a little per year, and three group counts
drawn from a seeded multinomial (the third group is the two-group "x").

Every two-group index (D, Gini, isolation, exposure, Atkinson, H), every multigroup index
(multigroup D, Theil's H, Simpson's interaction) and the two local measures (location quotient,
local entropy) are computed for all partitions in one call each with
:mod:`wijkanalyse.segregatie.indices`, and the same computation runs through PySAL's
``segregation`` package (one pandas DataFrame per gemeente × jaar, the way that package is
used). PySAL is timed on a random sample of partitions (``--steekproef``, default 200) and its
time extrapolated linearly to all partitions (said so in the output); its numba compilation
(Gini) is done before timing and reported apart, and splitting the panel into per-partition
DataFrames is not counted for PySAL. Results are compared on the sample (maximum absolute
difference). Peak memory of the vectorised pass is measured with tracemalloc in a separate run.

Part 2 (with ``--db``) does the same on the real data in a database: every gemeente × jaar with
buurt counts (herkomst: three groups, 2024; leeftijd: five groups, all years present), PySAL on
all partitions (no extrapolation).

Usage: ``python bench/bench_segregatie.py [--db wijkanalyse.duckdb] [--gemeenten 350]
[--buurten 15000] [--jaren 12] [--steekproef 200] [--seed 2024]``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wijkanalyse import store
from wijkanalyse.segregatie import indices as si

TARGET_RATIO = 20.0


@dataclass
class Panel:
    """Units of all partitions: group counts, partition id and a label per partition."""

    counts: np.ndarray  # units × groups
    by: np.ndarray  # partition id per unit
    labels: list[str]  # one per partition
    two_group: int  # column of the two-group "x"

    @property
    def x(self) -> np.ndarray:
        return self.counts[:, self.two_group]

    @property
    def t(self) -> np.ndarray:
        return self.counts.sum(axis=1)


def generated_panel(n_gemeenten: int, n_buurten: int, n_years: int, seed: int) -> Panel:
    """A GENERATED national panel (seeded); see the module docstring."""
    rng = np.random.default_rng(seed)
    sizes = rng.lognormal(mean=0.0, sigma=0.9, size=n_gemeenten)
    per_gemeente = np.maximum(1, np.round(sizes / sizes.sum() * n_buurten)).astype(int)
    per_gemeente[np.argmax(per_gemeente)] += n_buurten - per_gemeente.sum()
    gemeente = np.repeat(np.arange(n_gemeenten), per_gemeente)
    base_pop = rng.lognormal(mean=6.7, sigma=0.9, size=n_buurten)
    base_pop[rng.random(n_buurten) < 0.03] = 0.0  # empty buurten (industrial estates, parks)
    share = rng.beta(2, 8, n_gemeenten)  # gemeente share of the group of interest
    spread = rng.uniform(0.1, 1.6, n_gemeenten)  # from nearly even to strongly concentrated
    position = rng.normal(size=n_buurten)
    other = rng.normal(size=n_buurten)
    logit = np.log(share / (1 - share))
    blocks, bys = [], []
    for year in range(n_years):
        growth = rng.lognormal(0.0, 0.03, n_buurten) * (1 + 0.004 * year)
        pop = rng.poisson(base_pop * growth)
        drift = position + 0.05 * year * rng.normal(size=n_buurten)
        z3 = logit[gemeente] + spread[gemeente] * drift + 0.02 * year
        z2 = np.log(0.12) + 0.5 * spread[gemeente] * other
        z1 = np.zeros(n_buurten)
        z = np.column_stack([z1, z2, z3])
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        blocks.append(rng.multinomial(pop, p).astype(np.float64))
        bys.append(gemeente + year * n_gemeenten)
    labels = [f"GM{g:04d}-{2013 + y}" for y in range(n_years) for g in range(n_gemeenten)]
    return Panel(np.vstack(blocks), np.concatenate(bys), labels, two_group=2)


def real_panels(db: Path, level: str) -> dict[str, Panel]:
    """Every gemeente × jaar with buurt (or wijk) counts in the database, per group set."""
    sets = {
        "herkomst (Nederland, Europa, buiten Europa; x = buiten Europa)": (
            ["a_nl_all", "a_eur_al", "a_neu_al"], 2),
        "leeftijd (5 groepen; x = 65 jaar of ouder)": (
            ["a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"], 4),
    }
    con = store.connect(db, read_only=True)
    try:
        panels = {}
        for name, (columns, two_group) in sets.items():
            df = con.execute(
                """
                SELECT o.year, r.gemeente_code, o.code, o.indicator_id, o.value
                FROM observation o JOIN regions r USING (year, code)
                WHERE r.level = ? AND list_contains(?, o.indicator_id)
                """,
                [level, columns],
            ).df()
            if df.empty:
                continue
            wide = df.pivot(index=["year", "gemeente_code", "code"], columns="indicator_id",
                            values="value").reindex(columns=columns).reset_index()
            wide = wide.sort_values(["year", "gemeente_code", "code"], ignore_index=True)
            key = wide["gemeente_code"] + "-" + wide["year"].astype(str)
            by, labels = pd.factorize(key)
            panels[name] = Panel(wide[columns].to_numpy(np.float64), by, list(labels),
                                 two_group)
    finally:
        con.close()
    return panels


def ours(panel: Panel) -> dict[str, Callable[[], np.ndarray]]:
    """The vectorised computations, one closure per index (all partitions at once)."""
    x, t, c, by = panel.x, panel.t, panel.counts, panel.by
    calls: dict[str, Callable[[], np.ndarray]] = {
        name: (lambda f=f: f(x, t, by=by)) for name, f in si.TWO_GROUP_INDICES.items()
    }
    calls.update({name: (lambda f=f: f(c, by=by)) for name, f in si.MULTIGROUP_INDICES.items()})
    calls["location_quotient"] = lambda: si.multi_location_quotient(c, by=by)
    calls["local_entropy"] = lambda: si.local_entropy(c)
    return calls


def pysal_calls(frame: pd.DataFrame, groups: list[str]) -> dict[str, Callable[[], object]]:
    """The same indices through PySAL segregation for one partition (pandas input)."""
    from segregation.local import MultiLocalEntropy, MultiLocationQuotient
    from segregation.multigroup import MultiDissim, MultiInfoTheory, SimpsonsInteraction
    from segregation.singlegroup import (
        Atkinson,
        Dissim,
        Entropy,
        Gini,
        Interaction,
        Isolation,
    )

    two = {"dissimilarity": Dissim, "gini": Gini, "isolation": Isolation,
           "exposure": Interaction, "atkinson": Atkinson, "entropy": Entropy}
    multi = {"multi_dissimilarity": MultiDissim, "multi_information_theory": MultiInfoTheory,
             "simpsons_interaction": SimpsonsInteraction}
    calls: dict[str, Callable[[], object]] = {
        name: (lambda cls=cls: cls(frame, "x", "t").statistic) for name, cls in two.items()}
    calls.update({name: (lambda cls=cls: cls(frame, groups).statistic)
                  for name, cls in multi.items()})
    calls["location_quotient"] = lambda: MultiLocationQuotient(frame, groups).statistics
    calls["local_entropy"] = lambda: MultiLocalEntropy(frame, groups).statistics
    return calls


def time_ours(panel: Panel, repeat: int) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Best-of-``repeat`` seconds per index over the whole panel, and the results."""
    seconds, results = {}, {}
    for name, call in ours(panel).items():
        best = np.inf
        for _ in range(repeat):
            started = time.perf_counter()
            results[name] = call()
            best = min(best, time.perf_counter() - started)
        seconds[name] = best
    return seconds, results


def peak_memory(panel: Panel) -> float:
    """Peak traced memory (MB) of one vectorised pass over all indices."""
    tracemalloc.start()
    try:
        for call in ours(panel).values():
            call()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run_pysal(panel: Panel, partitions: np.ndarray
              ) -> tuple[dict[str, float], dict[str, dict[int, object]], float]:
    """Seconds per index through PySAL over ``partitions``, their results, and compile time."""
    groups = [f"g{k}" for k in range(panel.counts.shape[1])]
    frame = pd.DataFrame(panel.counts, columns=groups)
    frame["x"], frame["t"] = panel.x, panel.t
    wanted = set(partitions.tolist())
    frames = {g: sub for g, sub in frame.groupby(panel.by) if g in wanted}
    seconds: dict[str, float] = {}
    results: dict[str, dict[int, object]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL divides 0/0 for empty buurten
        started = time.perf_counter()
        for call in pysal_calls(frames[int(partitions[0])], groups).values():
            call()  # numba compiles Gini on first use
        compile_seconds = time.perf_counter() - started
        for g in partitions.tolist():
            for name, call in pysal_calls(frames[g], groups).items():
                started = time.perf_counter()
                value = call()
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
                results.setdefault(name, {})[g] = value
    return seconds, results, compile_seconds


def max_difference(panel: Panel, ours_results: dict[str, np.ndarray],
                   pysal_results: dict[str, dict[int, object]]) -> dict[str, float]:
    """Maximum absolute difference per index on the compared partitions (units with people)."""
    populated = panel.t > 0
    diffs = {}
    for name, per_partition in pysal_results.items():
        worst = 0.0
        for g, value in per_partition.items():
            if name in ("location_quotient", "local_entropy"):
                rows = (panel.by == g) & populated
                mine = ours_results[name][rows]
                theirs = np.asarray(value)[populated[panel.by == g]]
            else:
                mine, theirs = ours_results[name][g], value
            diff = np.nanmax(np.abs(np.asarray(mine, dtype=float) - np.asarray(theirs,
                                                                                 dtype=float)))
            worst = max(worst, float(diff))
        diffs[name] = worst
    return diffs


def report(title: str, panel: Panel, sample_size: int | None, seed: int, repeat: int) -> None:
    """Time, compare and print one panel."""
    n_parts = len(panel.labels)
    print(f"\n=== {title}")
    print(f"{len(panel.t):,} eenheid-jaren in {n_parts:,} gemeente × jaar-partities; "
          f"{int((panel.t == 0).sum()):,} zonder inwoners; {panel.counts.shape[1]} groepen"
          .replace(",", "."))
    mine_s, mine_r = time_ours(panel, repeat)
    memory = peak_memory(panel)
    if sample_size is None or sample_size >= n_parts:
        partitions = np.arange(n_parts)
        scale = 1.0
        how = f"PySAL op alle {n_parts} partities (niet geëxtrapoleerd)"
    else:
        rng = np.random.default_rng(seed)
        partitions = np.sort(rng.choice(n_parts, sample_size, replace=False))
        scale = n_parts / sample_size
        how = (f"PySAL op een steekproef van {sample_size} partities (seed {seed}), lineair "
               f"geëxtrapoleerd naar {n_parts} (× {scale:.1f})")
    pysal_s, pysal_r, compile_s = run_pysal(panel, partitions)
    diffs = max_difference(panel, mine_r, pysal_r)
    print(how + f"; numba-compilatie vooraf: {compile_s:.1f} s (niet meegeteld)")
    print(f"{'index':<26}{'wijkanalyse (s)':>16}{'PySAL (s)':>12}{'verhouding':>12}"
          f"{'max |verschil|':>16}")
    total_mine = total_pysal = 0.0
    for name in mine_s:
        theirs = pysal_s[name] * scale
        total_mine += mine_s[name]
        total_pysal += theirs
        print(f"{name:<26}{mine_s[name]:>16.4f}{theirs:>12.2f}{theirs / mine_s[name]:>11.0f}x"
              f"{diffs[name]:>16.1e}")
    ratio = total_pysal / total_mine
    verdict = "gehaald" if ratio >= TARGET_RATIO else "NIET gehaald"
    print(f"{'totaal':<26}{total_mine:>16.4f}{total_pysal:>12.2f}{ratio:>11.0f}x"
          f"{max(diffs.values()):>16.1e}")
    print(f"doel ≥ {TARGET_RATIO:.0f}x: {verdict}; piekgeheugen vectorised (tracemalloc): "
          f"{memory:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None,
                        help="ook de echte gegevens uit deze database meten")
    parser.add_argument("--niveau", choices=["buurt", "wijk"], default="buurt")
    parser.add_argument("--gemeenten", type=int, default=350)
    parser.add_argument("--buurten", type=int, default=15_000)
    parser.add_argument("--jaren", type=int, default=12)
    parser.add_argument("--steekproef", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--herhaal", type=int, default=3,
                        help="beste van zoveel herhalingen voor de vectorised tijden")
    args = parser.parse_args()

    started = time.perf_counter()
    panel = generated_panel(args.gemeenten, args.buurten, args.jaren, args.seed)
    print(f"GEGENEREERD landelijk panel (geen echte gegevens), seed {args.seed}: "
          f"{args.gemeenten} gemeenten, {args.buurten} buurten, {args.jaren} jaren; "
          f"gemaakt in {time.perf_counter() - started:.1f} s")
    report("GEGENEREERDE gegevens (niet echt)", panel, args.steekproef, args.seed,
           args.herhaal)
    if args.db is not None:
        panels = real_panels(args.db, args.niveau)
        if not panels:
            print(f"\nDe database {args.db} bevat geen aantallen per {args.niveau}.")
        for name, real in panels.items():
            report(f"ECHTE gegevens uit {args.db} ({args.niveau}): {name}", real, None,
                   args.seed, args.herhaal)


if __name__ == "__main__":
    main()
