"""Benchmark: the lineage build and harmonising one indicator (issue 12).

On a database built from the real files (``--db``; default: the database of the settings),
on a copy in memory so that the database itself is not changed:

1. the lineage as ``data build`` makes it (:func:`wijkanalyse.gebieden.lineage.build_lineage`):
   reading the division regions and boundaries, computing the links of every level and every
   pair of consecutive years (code+naam, polygon overlay in RD New, renumbering, mergers,
   corrections), writing the table; best of ``--herhaal`` runs, with the split over the stages;
2. harmonising one indicator (default ``a_inw``; a rate such as ``p_65_eo_jr`` moves its
   numerator and base along) for all buurten of 2024 across all loaded years, with the chains
   computed inside the timing: best of ``--herhaal`` runs. Target: < 1 s per indicator.

Usage: ``python bench/bench_lineage.py [--db wijkanalyse.duckdb] [--indicator a_inw]
[--herhaal 3]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.gebieden import harmonise, lineage
from wijkanalyse.gebieden import load as gebieden_load
from wijkanalyse.settings import resolve_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--indicator", default="a_inw")
    parser.add_argument("--herhaal", type=int, default=3)
    args = parser.parse_args()
    db = args.db or resolve_settings().db_path
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{db}' AS bron (READ_ONLY)")
    con.execute("COPY FROM DATABASE bron TO memory")
    con.execute("DETACH bron")
    store.init_schema(con)  # a database built before the lineage table existed
    catalogue = load_catalogue()

    stages: dict[str, float] = {}
    best = float("inf")
    for _ in range(args.herhaal):
        t0 = time.perf_counter()
        regions, geometries = gebieden_load.lineage_inputs(con)
        points = gebieden_load.lineage_points(con)
        t1 = time.perf_counter()
        prepared = lineage.prepare_regions(regions)
        fixes = lineage.load_corrections(prepared)
        table = lineage.compute_lineage(regions, geometries, corrections=fixes, points=points)
        t2 = time.perf_counter()
        gebieden_load.write_lineage(con, table)
        t3 = time.perf_counter()
        if t3 - t0 < best:
            best = t3 - t0
            stages = {"lezen": t1 - t0, "berekenen": t2 - t1, "schrijven": t3 - t2}
    counts = table.groupby("level").size().to_dict()
    print(f"afstamming: {len(table):,} koppelingen ({counts}) in {best:.2f} s "
          f"(beste van {args.herhaal}; " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
          + ")")

    meta = catalogue[args.indicator]
    needed = [args.indicator, *(x for x in (meta.base, meta.numerator) if x)]
    values = con.execute(
        "SELECT indicator_id, year, code, value FROM observation "
        "WHERE list_contains(?, indicator_id) AND code LIKE 'BU%'", [needed]).df()
    lin = lineage.read_lineage(con)
    lin = lin[lin["level"] == "buurt"]
    best_h = float("inf")
    for _ in range(args.herhaal):
        t0 = time.perf_counter()
        out = harmonise.harmonise(values, lin, target_year=2024, catalogue=catalogue,
                                  indicators=[args.indicator])
        best_h = min(best_h, time.perf_counter() - t0)
    years = sorted(out["year"].unique())
    n2024 = out.loc[out["year"] == 2024, "code"].nunique()
    moved = out[(out["year"] < 2024) & out["value"].notna()]
    print(f"harmoniseren van {args.indicator} ({len(values):,} waarden van buurten, jaren "
          f"{years[0]}–{years[-1]}) op de {n2024:,} buurten van 2024: {best_h:.2f} s "
          f"(beste van {args.herhaal}, ketens inbegrepen); {len(moved):,} omgerekende waarden, "
          f"{int(moved['onzeker'].sum()):,} onzeker")


if __name__ == "__main__":
    main()
