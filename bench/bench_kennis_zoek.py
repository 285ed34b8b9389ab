"""Measure the kennisdossier search on its evaluation set: recall@5 and nDCG@10 per query and
overall.

The evaluation set is ``src/wijkanalyse/data/kennis_zoekvragen.yaml`` (queries a policy adviser
would type, with the interventions a domain reader expects); the catalogue is the one shipped
with the package, so no database is needed. Run::

    .venv/bin/python bench/bench_kennis_zoek.py            # table per query and the means
    .venv/bin/python bench/bench_kennis_zoek.py --alleen-gemist   # only queries below 1.0

The target is a mean recall@5 of at least ``kennis_zoek.RECALL_TARGET`` (0.8); the test suite
asserts it (``tests/test_kennis_zoek.py``). Prints the time to build the index and to run all
queries too.
"""

from __future__ import annotations

import argparse
import sys
import time

from wijkanalyse import kennis
from wijkanalyse import kennis as kz


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation table; return 1 when the mean recall@5 misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alleen-gemist", action="store_true",
                        help="only the queries with recall@5 below 1")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    records = [kennis.to_dict(iv) for iv in kennis.shipped_catalogue()]
    index = kz.build_index(records)
    built = time.perf_counter() - start
    queries = kz.load_search_evaluation()
    start = time.perf_counter()
    df = kz.evaluate_search(index, queries)
    ran = time.perf_counter() - start
    shown = df[df["recall_at_5"] < 1.0] if args.alleen_gemist else df
    width = max(len(q) for q in df["query"])
    print(f"{'vraag':<{width}}  recall@5  nDCG@10  gemist (niet in de eerste vijf)")
    for row in shown.itertuples(index=False):
        missing = ", ".join(row.missing) or "-"
        print(f"{row.query:<{width}}  {row.recall_at_5:8.2f}  {row.ndcg_at_10:7.3f}  {missing}")
    recall, ndcg = df["recall_at_5"].mean(), df["ndcg_at_10"].mean()
    print(f"\n{len(df)} vragen, {len(index.docs)} interventies")
    print(f"gemiddeld: recall@5 {recall:.3f}  nDCG@10 {ndcg:.3f}  "
          f"(doel recall@5 >= {kz.RECALL_TARGET})")
    print(f"index gebouwd in {built * 1000:.0f} ms; {len(df)} vragen in {ran * 1000:.0f} ms")
    return 0 if recall >= kz.RECALL_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
