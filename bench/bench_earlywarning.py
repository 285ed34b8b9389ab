"""Skill of the early warning: every loaded feature, two learners, the same backtest.

Runs on the real database (``--db``) the rolling-origin backtest of
:func:`wijkanalyse.monitor.earlywarning.compare.compare_backtest`: the shipped logistic model,
a regularised logistic regression and gradient boosting on every feature the database has
(Leefbaarometer level, dimensions and their changes, gemeente context, the neighbours'
development from the boundary files, KWB where present), against the baselines (last change
continues, lowest quarter, base rate, and the regression-to-the-mean rules "high level falls
back" and "after a rise comes a fall"). Prints per method the pooled AUC with its 95% cluster
bootstrap interval (over wijken), the Brier score, the precision in the top 10% per origin,
the reliability table of each learner, the permutation importance on the last origin, the
skill verdict of each learner (:func:`wijkanalyse.monitor.earlywarning.skill_of`) and the
time taken.

The figures in ``docs/backtest.md`` come from ``wijkanalyse monitor --backtest-md``, which
runs the same comparison.

Usage: ``python bench/bench_earlywarning.py --db wijkanalyse.duckdb``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wijkanalyse import store
from wijkanalyse.monitor.earlywarning import METHOD_LABELS, skill_of
from wijkanalyse.monitor.earlywarning.compare import LEARNERS
from wijkanalyse.monitor.earlywarning.data import database_comparison


def main() -> None:
    """Run the comparison on ``--db`` and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    con = store.connect(args.db, read_only=True)
    start = time.perf_counter()
    comp, note = database_comparison(con)
    took = time.perf_counter() - start
    con.close()
    r = comp.result
    print(note)
    pooled = r.pooled.set_index("method")
    iv = r.intervals.set_index(["method", "metric"])
    print(f"{'methode':45s} {'AUC':>5s} {'95%-interval':>13s} {'binnen':>6s} {'Brier':>6s} "
          f"{'prec10%':>7s}")
    for m in pooled.index:
        a = iv.loc[(m, "auc")]
        print(f"{METHOD_LABELS.get(m, m):45s} {pooled.loc[m, 'auc']:5.3f} "
              f"{a['low']:6.3f}-{a['high']:5.3f} {pooled.loc[m, 'auc_within']:6.3f} "
              f"{pooled.loc[m, 'brier']:6.4f} {pooled.loc[m, 'precision_top']:7.3f}")
    for name in ("model", *LEARNERS):
        sk = skill_of(r.pooled, r.intervals, method=name)
        print(f"vaardigheid {name}: {'ja' if sk.shows_skill else 'nee'}"
              + ("" if sk.shows_skill else " (" + "; ".join(sk.failed) + ")"))
    for name, table in comp.calibration.items():
        print(f"kalibratie {name}:")
        for row in table.to_dict("records"):
            print(f"  {row['band']:>10s} n={row['n']:4d} voorspeld {row['mean_risk']:.3f} "
                  f"werkelijk {row['observed']:.3f}")
    print("dekking kenmerken (testovergangen): " + ", ".join(
        f"{k} {v:.0%}" for k, v in comp.coverage.items()))
    top = comp.importance.sort_values("auc_drop", ascending=False)
    for name in LEARNERS:
        part = top[top["learner"] == name].head(6)
        print(f"belangrijkste kenmerken {name} (laatste peiljaar, AUC-daling bij permutatie): "
              + ", ".join(f"{f} {d:+.3f}" for f, d in zip(part["feature"], part["auc_drop"],
                                                          strict=True)))
    print(f"tijd: {took:.1f} s")


if __name__ == "__main__":
    main()
