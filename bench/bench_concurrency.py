"""Benchmark (and soak test): rebuilding while users add stories loses nothing.

The case of issue 10, as a user would run it, repeated ``--rounds`` times::

    wijkanalyse data build &  while build runs: wijkanalyse verhaal add ...

Every ``verhaal add`` is a separate process, as in a shell loop; a story counts as
acknowledged when the command exits 0 and printed "Verhaal N toegevoegd". After each round
the content store must hold every acknowledged story. Prints per round the build time, the number
of stories acknowledged during the build and how many are missing, and exits 1 on any loss.

By default the source folder is a temporary folder of symbolic links to two real files in
../shared/data (KWB 2024 all levels and the Leefbaarometer selection; nothing is copied), so
that a build takes a few seconds, as a real one does.

Usage: ``python bench/bench_concurrency.py [--rounds 20] [--source MAP] [--gebied WK011443]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-c", "from wijkanalyse.cli.main import main; main()"]
REAL_FILES = ("kwb/kwb_2024_nl_all_levels_pop_sex_age.csv",
              "leefbaarometer/lbm3_scores_wijken_2002_2024_selection.csv")


def source_folder(shared: Path, folder: Path) -> Path:
    """A folder of symbolic links to :data:`REAL_FILES`."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel in REAL_FILES:
        (folder / Path(rel).name).symlink_to(shared / rel)
    return folder


def add_story(db: Path, work: Path, title: str, area: str) -> bool:
    """One ``verhaal add`` process; True when it acknowledged the story."""
    md = work / f"{title}.md"
    md.write_text(f"---\ntitel: {title}\nauteur: Bench\ngebied: {area}\n---\nTekst.\n",
                  encoding="utf-8")
    done = subprocess.run([*CLI, "--db", str(db), "verhaal", "add", str(md)],
                          capture_output=True, text=True, timeout=600)
    return done.returncode == 0 and "toegevoegd" in done.stdout


def stored_titles(db: Path) -> set[str]:
    """The titles in the content store next to ``db`` (where stories live since issue 15)."""
    from wijkanalyse.content import open_content

    with open_content(db_path=db) as content:
        return {r["title"] for r in content.story_rows(include_removed=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--source", type=Path, default=None,
                        help="source folder (default: links to two real files)")
    parser.add_argument("--gebied", default="WK011443",
                        help="area code the stories are added to (must be in the source)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        work = Path(tmp)
        shared = Path(__file__).resolve().parents[2] / "shared" / "data"
        source = args.source or source_folder(shared, work / "bronnen")
        db = work / "w.duckdb"
        first = subprocess.run([*CLI, "--db", str(db), "data", "build", "--source", str(source)],
                               capture_output=True, text=True, timeout=1800)
        if first.returncode != 0:
            print(first.stdout + first.stderr)
            return 2
        acknowledged: list[str] = []
        total_lost = 0
        print(f"{'ronde':>5} {'bouw (s)':>9} {'tijdens bouw':>13} {'bevestigd':>10} "
              f"{'kwijt':>6}")
        for r in range(1, args.rounds + 1):
            started = time.perf_counter()
            build = subprocess.Popen(
                [*CLI, "--db", str(db), "data", "build", "--source", str(source)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            during = 0
            i = 0
            while build.poll() is None:
                title = f"ronde-{r}-verhaal-{i}"
                i += 1
                if add_story(db, work, title, args.gebied):
                    acknowledged.append(title)
                    during += build.poll() is None
            _, err = build.communicate(timeout=1800)
            seconds = time.perf_counter() - started
            if build.returncode != 0:
                print(err)
                return 2
            # one more after the build, as a user's loop would do
            title = f"ronde-{r}-na-de-bouw"
            if add_story(db, work, title, args.gebied):
                acknowledged.append(title)
            lost = sorted(set(acknowledged) - stored_titles(db))
            total_lost = len(lost)
            print(f"{r:>5} {seconds:>9.1f} {during:>13} {len(acknowledged):>10} "
                  f"{len(lost):>6}", flush=True)
        print(f"{args.rounds} rondes, {len(acknowledged)} verhalen bevestigd, "
              f"{total_lost} kwijt.")
        return 1 if total_lost else 0


if __name__ == "__main__":
    sys.exit(main())
