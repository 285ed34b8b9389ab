"""Benchmark: the computations of the national monitor (trend classes, composite index, typology,
early warning) on every wijk x every year of the database, and on a GENERATED national panel.

Steps, each run in a fresh forked process and timed, with its peak memory:

* **klassen**: :func:`wijkanalyse.monitor.trends.lbm_series` and
  :func:`~wijkanalyse.monitor.trends.classify_trends`
  for every Leefbaarometer year;
* **index**: :func:`wijkanalyse.monitor.composite.composite_index` for all years;
* **typologie**: :func:`wijkanalyse.monitor.typology.structural_features` for every KWB year, a
  typology
  on the latest year, the other years assigned to its types and the transition table;
* **vroegsignalering backtest**: :func:`wijkanalyse.monitor.earlywarning.lbm_history` and the
  rolling-origin :func:`~wijkanalyse.monitor.earlywarning.backtest`;
* **vroegsignalering scores**: :func:`~wijkanalyse.monitor.earlywarning.risk_scores` for every unit.

Part 1 runs on the real database (``--db``, or one built from ``--source`` in a temporary
folder): all wijken of the national division (set ``nl``). Part 2 runs on GENERATED panels of
``--sizes`` units x ``--years`` years (default 1,000, 5,000 and 15,000 units, the scale of all
buurten of the Netherlands, x 12 years 2002-2024), written to a temporary database with the
same schema: random-walk Leefbaarometer series with a realistic spread (deviation sd ~0.18,
two-year change sd ~0.04, gemeente and period shocks, the five dimensions from 2014) and
structural KWB features (inhabitants, age, households, housing, herkomst, income, care,
facilities, crime). The generated figures are NOT real data and are labelled "gegenereerd" in
every line of output.

Peak memory: by default the growth of the process's peak resident memory during the step
(``VmHWM`` after resetting it, minus ``VmRSS`` at the start; Linux). With ``--tracemalloc`` the
peak of :mod:`tracemalloc` (Python and NumPy allocations) instead; that makes these
pandas-heavy steps up to 100 times slower (the composite index of 300 generated units: 5 s
without, 520 s with), so the times printed with it are not the real cost: use it with small
``--sizes``. scikit-learn is imported before the steps (the forked processes inherit it) so its
import (a few seconds) is not counted in a step.

Composite index on the generated panel of 15,000 units x 12 years (issue 14 item 5; one
process, ``composite_index`` only, 2 cores shared by ~8 busy processes, so CPU time is the
comparable figure): before the vectorisation 142 s CPU (483 s wall), peak RSS 4.0 GB; after
(sets per group with NumPy in ``monitor.composite.groupsets``, one note text per distinct
case, text only for rows that need it in ``gebieden.aggregate``) 66 s CPU (228 s wall), peak
RSS 3.2 GB, with an identical result (900,000 rows). Then (``default_base_year`` reads every
candidate year once per level; ``aggregate_many(indicator_ids=...)`` aggregates only the
configured indicators; its ``missing_parts`` placed by position), measured back to back under
the same load: 66 s CPU / 3.6 GB peak RSS before, 62 s CPU / 3.1 GB after, identical result.
Still above the target of 30 s / 2 GB. At 2,000 units (about 6.5 s CPU) the steps take:
``default_base_year`` 1.8 s, unit values 2.6 s (reading 0.75 s, the rest ``aggregate_many``,
where the merges of its member grid and the per-row lists of ``missing_parts`` cost most),
``combine_scores`` 1.5 s (``set_numbers`` 0.7 s), ``score_values`` 0.2 s. Peak RSS per step
at 5,000 units (``VmHWM`` reset before each step): unit values 1.27 GB (from 0.59 GB),
``default_base_year`` 0.90 GB (from 0.18 GB: all 12 years of the level's regions are now read
at once; reading them in a few slices would lower this), ``combine_scores`` 0.99 GB (from
0.73 GB); so the unit values (read as object strings, then ``aggregate_many``'s member grid)
are the step to shrink for the 2 GB target. Then (``monitor.composite.single``: units of one
member read as numbers, one query per year, no aggregation grid; candidate base years read one
at a time and the chosen year's references reused; references from a region x indicator
array; ``score_values`` by positions instead of merges; ``set_numbers`` by one bit mask per
group; the unit values freed before ``combine_scores``), measured with this script under load
8-9: 53.2 s CPU (210 s wall) / 3.02 GB peak RSS before, 24.5 s CPU (83 s wall) / 1.60 GB
after (a second run at load 6-7: 20.4 s CPU, 1.62 GB), with an identical result (all 900,000
rows equal, exactly, with their column types). Per step after, at 15,000 units (``VmHWM``
reset before each step, load ~9): base year 7 s CPU, unit values 4.4 s, ``score_values`` 2.2 s,
``combine_scores`` 7 s (now the largest peak, +0.63 GB over the frames it is given).

Usage: ``python bench/bench_monitor.py [--db wijkanalyse.duckdb] [--source ../shared/data]
[--sizes 1000,5000,15000] [--years 12] [--alleen-echt | --alleen-gegenereerd]
[--stappen index] [--tracemalloc]``; e.g. only the composite index at 15,000 units:
``python bench/bench_monitor.py --alleen-gegenereerd --sizes 15000 --stappen index``. Every
line also gives the step's CPU time (on a busy machine the wall time is mostly waiting).
"""

from __future__ import annotations

import argparse
import importlib
import math
import multiprocessing
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse import store

GENERATED_LABEL = "GEGENEREERD testpaneel (geen echte gegevens)"
SOURCE_ID = "gegenereerd"
LBM_NL = 4.1022648511437  # the national reference of the Leefbaarometer 3.0 (lbm - afw)


# ------------------------------------------------------------------------------ measurement


def _module(name: str) -> ModuleType | None:
    """``wijkanalyse.<name>``, or None when that module does not exist."""
    try:
        return importlib.import_module(f"wijkanalyse.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"wijkanalyse.{name}":
            return None
        raise


def _status_kb(field: str) -> float:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status in kB (NaN where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return math.nan


def _child(conn: Any, db: Path, fn: Callable[[Any], str], use_tracemalloc: bool) -> None:
    """Run one step in a forked process; send (seconds, peak MB, text, kind) back."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    except OSError:
        pass
    con = store.connect(db, read_only=True)
    start_rss = _status_kb("VmRSS")
    if use_tracemalloc:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        what = fn(con)
    except Exception as exc:  # a failing step is reported, the others still run
        what = f"MISLUKT: {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    what = f"(cpu {time.process_time() - cpu_started:.1f} s) {what}"
    if use_tracemalloc:
        peak, kind = tracemalloc.get_traced_memory()[1] / 2**20, "tracemalloc"
        tracemalloc.stop()
    else:
        peak, kind = (_status_kb("VmHWM") - start_rss) / 1024, "RSS"
    con.close()
    conn.send((seconds, peak, what, kind))
    conn.close()


class Bench:
    """Runs each step in a fresh forked process (so steps do not share caches or memory),
    prints one line per step and keeps the results."""

    def __init__(self, *, use_tracemalloc: bool, only: set[str] | None = None) -> None:
        self.use_tracemalloc = use_tracemalloc
        self.only = only
        self.rows: list[dict[str, Any]] = []
        self.ctx = multiprocessing.get_context("fork")

    def step(self, panel: str, n_units: int, name: str, db: Path,
             fn: Callable[[Any], str]) -> None:
        if self.only and name.split()[0] not in self.only:
            return
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_child, args=(child, db, fn, self.use_tracemalloc))
        proc.start()
        child.close()
        try:
            seconds, peak, what, kind = parent.recv()
        except EOFError:
            seconds, peak, what, kind = math.nan, math.nan, "MISLUKT: proces afgebroken", ""
        proc.join()
        self.rows.append({"panel": panel, "n": n_units, "stap": name, "s": seconds,
                          "mb": peak})
        print(f"  [{panel}] {name:<26} {seconds:8.2f} s  piek {peak:8.1f} MB ({kind})  "
              f"{what}", flush=True)

    def skip(self, panel: str, name: str, module: str) -> None:
        print(f"  [{panel}] {name:<26} overgeslagen: module wijkanalyse.{module} ontbreekt",
              flush=True)


# ------------------------------------------------------------------------------------ steps


def kwb_years(con: Any, codes: list[str]) -> list[int]:
    """Years in which some of the codes have an inhabitant count."""
    return [int(y) for (y,) in con.execute(
        "SELECT DISTINCT year FROM observation WHERE indicator_id = 'a_inw' AND value IS NOT "
        "NULL AND list_contains(?, code) ORDER BY year", [codes]).fetchall()]


def run_steps(bench: Bench, db: Path, units: pd.DataFrame, *, panel: str) -> None:
    """All monitor steps on one database and one set of units."""
    n = len(units)
    trends, composite = _module("monitor.trends"), _module("monitor.composite")
    typology, earlywarning = _module("monitor.typology"), _module("monitor.earlywarning")

    if trends is None:
        bench.skip(panel, "klassen", "trends")
    else:
        def klassen(con: Any) -> str:
            series = trends.lbm_series(con, units)
            years = sorted(int(y) for y in series["year"].unique())
            n_classified = 0
            for year in years:
                n_classified += len(trends.classify_trends(series, year=year))
            return (f"{series['unit_id'].nunique()} reeksen, {len(years)} jaren, "
                    f"{n_classified} klassen")
        bench.step(panel, n, "klassen", db, klassen)

    if composite is None:
        bench.skip(panel, "index", "composite")
    else:
        def index(con: Any) -> str:
            out = composite.composite_index(con, units)
            usable = out[out["index"].notna()] if "index" in out.columns else out
            return (f"{len(out)} rijen ({len(usable)} met index), basisjaar "
                    f"{out.attrs.get('base_year')}")
        bench.step(panel, n, "index", db, index)

    if typology is None:
        bench.skip(panel, "typologie", "typology")
    else:
        def typologie(con: Any) -> str:
            codes = sorted({str(c) for cs in units["codes"] for c in cs})
            years = kwb_years(con, codes)
            if not years:
                return "geen KWB-jaren"
            cache: dict[str, Any] = {}
            feats = {y: typology.structural_features(con, units, year=y, cache=cache)
                     for y in years}
            typ = typology.typology(feats[years[-1]])
            if typ.k == 0:
                return f"{len(years)} jaren kenmerken; geen typologie: {typ.note[:80]}"
            labels = {years[-1]: typ.labels}
            for y in years[:-1]:
                assigned = typology.assign_types(typ, feats[y])
                if int(assigned["type_id"].notna().sum()) >= 3:
                    labels[y] = assigned
            table = typology.transition_table(labels) if len(labels) > 1 else None
            return (f"{len(years)} jaren kenmerken, k = {typ.k} op {years[-1]}, "
                    f"{len(labels) - 1} jaren toegewezen"
                    + (f", overgangstabel {len(table)} rijen" if table is not None else ""))
        bench.step(panel, n, "typologie", db, typologie)

    if earlywarning is None:
        bench.skip(panel, "vroegsignalering", "earlywarning")
        return

    def backtest(con: Any) -> str:
        history = earlywarning.lbm_history(con)
        result = earlywarning.backtest(history)
        model = result.pooled.set_index("method").loc["model"]
        return (f"{result.n_units} reeksen, {len(result.models)} peiljaren, "
                f"{int(model['n'])} overgangen, AUC binnen peiljaar {model['auc_within']:.2f}")
    bench.step(panel, n, "vroegsignalering backtest", db, backtest)

    def scores(con: Any) -> str:
        risk = earlywarning.risk_scores(con, units)
        counts = risk["risk_class"].value_counts(dropna=False)
        return ", ".join(f"{k if isinstance(k, str) else 'geen score'}: {v}"
                         for k, v in counts.items())
    bench.step(panel, n, "vroegsignalering scores", db, scores)


# -------------------------------------------------------------------------- generated panel


def generated_years(n_years: int) -> list[int]:
    """``n_years`` measurement years every two years, ending in 2024."""
    return [2024 - 2 * i for i in range(n_years)][::-1]


def generate_panel(path: Path, *, n_units: int, years: list[int], seed: int = 2016
                   ) -> pd.DataFrame:
    """Write a GENERATED national panel to a new database at ``path``; return its units.

    Units are wijk-level codes (``WKggggnn``) in gemeenten of 44 units each; every year has
    the Leefbaarometer (score, afwijking, dimensions from 2014) and structural KWB figures.
    """
    rng = np.random.default_rng(seed)
    per_gm = 44
    gm_index = np.arange(n_units) // per_gm
    n_gm = int(gm_index.max()) + 1
    gm_codes = np.array([f"GM{g + 1:04d}" for g in range(n_gm)])
    codes = np.array([f"WK{g + 1:04d}{i % per_gm:02d}" for i, g in
                      zip(range(n_units), gm_index, strict=True)])
    unit_gm = gm_codes[gm_index]

    # structural profile per unit (fixed) and a slow drift
    vulnerable = rng.normal(0, 1, n_units)  # latent: high = more vulnerable
    inhabitants = np.exp(rng.normal(np.log(1800), 0.9, n_units))
    age_alpha = np.array([16, 12, 26, 27, 19], dtype=float) * 3
    age = rng.dirichlet(age_alpha, n_units)
    hh_size = np.clip(rng.normal(2.1, 0.3, n_units), 1.3, 3.2)
    density = np.exp(rng.normal(np.log(3000), 1.0, n_units))
    corp = np.clip(30 + 15 * vulnerable + rng.normal(0, 8, n_units), 0, 95)
    koop = np.clip(100 - corp - rng.uniform(5, 25, n_units), 0, 100)
    eengezins = np.clip(rng.normal(55, 20, n_units), 0, 100)
    bouw2000 = np.clip(rng.gamma(1.5, 8, n_units), 0, 100)
    outside_eu = np.clip(0.12 + 0.08 * vulnerable + rng.normal(0, 0.05, n_units), 0.01, 0.8)
    europe = np.clip(rng.normal(0.09, 0.03, n_units), 0.01, 0.4)

    # Leefbaarometer: level with gemeente effect, random walk with mean reversion
    gm_effect = rng.normal(0, 0.08, n_gm)[gm_index]
    afw = gm_effect + rng.normal(0, 0.14, n_units) - 0.05 * vulnerable
    dim_share = rng.dirichlet(np.ones(5) * 2, n_units)

    con = store.connect(path)
    con.execute("INSERT INTO sources VALUES (?, ?, ?, NULL, 'gegenereerd', 'gegenereerd', NULL, "
                "NULL, ?, 1, ?, NULL)",
                [SOURCE_ID, "gegenereerd", "gegenereerd", GENERATED_LABEL, n_units])
    for year in years:
        step = 6 if year == years[0] else 2
        period = rng.normal(0.005, 0.015)
        gm_shock = rng.normal(0, 0.012, n_gm)[gm_index]
        if year != years[0]:
            afw = (afw + period + gm_shock + rng.normal(0, 0.03, n_units)
                   - 0.05 * (afw - afw.mean()))
        drift = 1 + rng.normal(0.004 * step / 2, 0.01, n_units)
        inhabitants = inhabitants * drift
        inw = np.round(inhabitants)
        hh = np.round(inw / hh_size)
        values: dict[str, np.ndarray] = {
            "lbm": afw + LBM_NL, "lbm_afw": afw,
            "a_inw": inw,
            "a_00_14": np.round(inw * age[:, 0]), "a_15_24": np.round(inw * age[:, 1]),
            "a_25_44": np.round(inw * age[:, 2]), "a_45_64": np.round(inw * age[:, 3]),
            "a_65_oo": np.round(inw * age[:, 4]),
            "a_hh": hh, "g_hhgro": hh_size,
            "a_1p_hh": np.round(hh * np.clip(0.35 + 0.1 * vulnerable, 0.1, 0.8)),
            "a_hh_m_k": np.round(hh * np.clip(0.3 - 0.03 * vulnerable, 0.05, 0.6)),
            "bev_dich": density, "a_lan_ha": inw / density * 100,
            "a_woning": np.round(hh * 1.03),
            "p_wcorpw": corp, "p_koopw": koop, "p_1gezw": eengezins, "p_bjo2k": bouw2000,
            "a_nl_all": np.round(inw * (1 - outside_eu - europe)),
            "a_eur_al": np.round(inw * europe), "a_neu_al": np.round(inw * outside_eu),
            "p_hh_li": np.clip(40 + 12 * vulnerable + rng.normal(0, 3, n_units), 5, 95),
            "p_hh_osm": np.clip(8 + 4 * vulnerable + rng.normal(0, 1, n_units), 0, 60),
            "g_ink_pi": np.clip(30 - 5 * vulnerable + rng.normal(0, 2, n_units), 10, 90),
            "p_arb_pp": np.clip(68 - 6 * vulnerable + rng.normal(0, 3, n_units), 30, 90),
            "p_jz_tn": np.clip(10 + 3 * vulnerable + rng.normal(0, 1, n_units), 0, 40),
            "p_wmo_t": np.clip(70 + 20 * vulnerable + rng.normal(0, 8, n_units), 0, 300),
            "p_leegsw": np.clip(rng.gamma(2, 2, n_units), 0, 50),
            "g_afs_hp": rng.gamma(2, 0.5, n_units), "g_afs_gs": rng.gamma(2, 0.4, n_units),
            "g_afs_kv": rng.gamma(2, 0.3, n_units), "g_afs_sc": rng.gamma(2, 0.35, n_units),
            "g_wodief": np.clip(2 + 0.8 * vulnerable + rng.normal(0, 0.5, n_units), 0, 20),
            "g_vernoo": np.clip(6 + 2 * vulnerable + rng.normal(0, 1, n_units), 0, 50),
            "g_gewsek": np.clip(5 + 2 * vulnerable + rng.normal(0, 1, n_units), 0, 50),
        }
        if year >= 2014:
            noise = rng.normal(0, 0.02, (n_units, 5))
            noise -= noise.mean(axis=1, keepdims=True)
            dims = dim_share * afw[:, None] + noise
            for i, d in enumerate(("lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won")):
                values[d] = dims[:, i]
        obs = pd.DataFrame({
            "indicator_id": np.repeat(list(values), n_units),
            "year": year,
            "code": np.tile(codes, len(values)),
            "value": np.concatenate(list(values.values())),
        })
        obs["missing_reason"] = None
        obs["source_id"] = SOURCE_ID
        obs["source_column"] = obs["indicator_id"]
        regions = pd.DataFrame({
            "year": year, "code": np.concatenate([codes, gm_codes]),
            "level": ["wijk"] * n_units + ["gemeente"] * n_gm,
            "name": [f"Gegenereerde wijk {c}" for c in codes]
            + [f"Gegenereerde gemeente {g}" for g in gm_codes],
            "gemeente_code": np.concatenate([unit_gm, gm_codes]),
            "wijk_code": np.concatenate([codes, np.full(n_gm, None)]),
            "gemeente_name": [f"Gegenereerde gemeente {g}" for g in
                              np.concatenate([unit_gm, gm_codes])],
            "source_id": SOURCE_ID, "match_method": "code"})
        con.register("obs_frame", obs)
        con.register("reg_frame", regions)
        con.execute("INSERT INTO observations SELECT indicator_id, year, code, value, "
                    "missing_reason, source_id, source_column FROM obs_frame")
        con.execute("INSERT INTO region_sources SELECT year, code, level, name, gemeente_code, "
                    "wijk_code, gemeente_name, source_id, match_method FROM reg_frame")
        con.unregister("obs_frame")
        con.unregister("reg_frame")
    con.close()
    return pd.DataFrame({
        "unit_id": codes, "name": [f"Gegenereerde wijk {c}" for c in codes],
        "gemeente_code": unit_gm, "gemeente_name": [f"Gegenereerde gemeente {g}"
                                                    for g in unit_gm],
        "level": "wijk", "codes": [[c] for c in codes], "wijk_codes": [[c] for c in codes],
        "source": "gegenereerd"})


# ------------------------------------------------------------------------------------- main


def _summary(bench: Bench) -> None:
    frame = pd.DataFrame(bench.rows)
    gen = frame[frame["panel"].str.startswith("gegenereerd")]
    if gen.empty or gen["n"].nunique() < 2:
        return
    print("\nGroei van de kosten op het gegenereerde paneel (tijd in s; piekgeheugen in MB):")
    wide = gen.pivot_table(index="stap", columns="n", values=["s", "mb"], aggfunc="first")
    sizes = sorted(gen["n"].unique())
    print(f"  {'stap':<28}" + "".join(f"{n:>10,}".replace(",", ".") for n in sizes)
          + "   factor grootste/kleinste")
    for stap in dict.fromkeys(gen["stap"]):
        times = [wide.loc[stap, ("s", n)] for n in sizes]
        factor = times[-1] / times[0] if times[0] > 0 else math.nan
        print(f"  {stap:<28}" + "".join(f"{t:10.2f}" for t in times)
              + f"   x {factor:.1f} bij x {sizes[-1] / sizes[0]:.0f} eenheden")
        mems = [wide.loc[stap, ("mb", n)] for n in sizes]
        print(f"  {'  piek MB':<28}" + "".join(f"{m:10.1f}" for m in mems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--source", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--sizes", default="1000,5000,15000",
                        help="aantallen eenheden van het gegenereerde paneel")
    parser.add_argument("--years", type=int, default=12,
                        help="aantal jaren van het gegenereerde paneel (om de twee jaar)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--alleen-echt", action="store_true")
    only.add_argument("--alleen-gegenereerd", action="store_true")
    parser.add_argument("--stappen", default="",
                        help="alleen deze stappen, met komma's: klassen, index, typologie, "
                        "vroegsignalering (standaard alle)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="meet het piekgeheugen met tracemalloc (veel trager)")
    args = parser.parse_args()
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]

    import sklearn.linear_model  # noqa: F401  (import cost outside the steps)

    only = {x.strip() for x in str(args.stappen).split(",") if x.strip()} or None
    bench = Bench(use_tracemalloc=args.tracemalloc, only=only)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.alleen_gegenereerd:
            db = args.db
            if db is None:
                from wijkanalyse.settings import resolve_settings
                from wijkanalyse.sources.build import build_database

                db = Path(tmp) / "bench.duckdb"
                started = time.perf_counter()
                build_database(resolve_settings(db=db, source=args.source,
                                                cache=Path(tmp) / "c"))
                print(f"database gebouwd uit {args.source} in "
                      f"{time.perf_counter() - started:.1f} s")
            con = store.connect(db, read_only=True)
            sets = _module("gebieden.sets")
            if sets is None:
                print("Echte database: overgeslagen, module wijkanalyse.gebieden.sets ontbreekt.")
            else:
                units = sets.resolve_set(con, "nl").units
                n_lbm = con.execute(
                    "SELECT count(DISTINCT code) FROM observation WHERE indicator_id = "
                    "'lbm_afw' AND value IS NOT NULL").fetchone()[0]
                print(f"\nEchte database {db}: {len(units)} wijken (set nl), waarvan "
                      f"{n_lbm} met een Leefbaarometer-reeks")
            con.close()
            if sets is not None:
                run_steps(bench, db, units, panel="echt")
        if not args.alleen_echt:
            years = generated_years(args.years)
            for n in sizes:
                path = Path(tmp) / f"gegenereerd_{n}.duckdb"
                started = time.perf_counter()
                units = generate_panel(path, n_units=n, years=years)
                print(f"\nGegenereerd paneel (GEEN echte gegevens): {n} eenheden x "
                      f"{len(years)} jaar ({years[0]}-{years[-1]}), database geschreven in "
                      f"{time.perf_counter() - started:.1f} s")
                run_steps(bench, path, units, panel=f"gegenereerd {n}")
                path.unlink()
    _summary(bench)


if __name__ == "__main__":
    main()
