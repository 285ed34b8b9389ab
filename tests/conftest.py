"""Shared fixtures: the real data in ../shared/data and one database built from it.

Hypothesis profiles: ``ci`` (the default; property tests that leave the number of examples to
the profile run 50) and ``grondig`` (500 each), chosen with ``HYPOTHESIS_PROFILE=grondig``.
Tests that set ``max_examples`` themselves keep their number in both.

Speed: the databases built from all of ../shared/data (``built_db``, ``rebuilt_db``) are built
once per test run, also under pytest-xdist (``-n 2``): the first worker builds them in the
run's common temporary folder under a file lock, the others use that build. Outside
tests/kennis (which tests the search index itself), the kennisdossier's search index of a
catalogue is made once per process (:func:`_kennis_index_once`): every build stores the same
index of the same shipped catalogue.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from hypothesis import settings

from wijkanalyse.kennis.index import build_index as _real_build_index

settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("grondig", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data files (never copied into the repository)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} ontbreekt: de tests hebben de echte bronbestanden nodig.")
    return SHARED_DATA


def _once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                  make: Callable[[Path], dict]) -> dict:
    """``make(folder)`` once per test run; its result (JSON) is kept in ``folder/klaar.json``.

    Without xdist ``folder`` is a new temporary folder of this session. Under xdist it is
    ``name`` in the folder shared by the workers of this run: the first worker to get the
    lock builds, the others wait for it and read the result.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "klaar.json"
        if done.exists():
            result: dict = json.loads(done.read_text(encoding="utf-8"))
            return result
        folder.mkdir(exist_ok=True)
        result = make(folder)
        done.write_text(json.dumps(result), encoding="utf-8")
        return result


@pytest.fixture(scope="session")
def built_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once from all of ../shared/data (read-only use in tests)."""
    from wijkanalyse.settings import resolve_settings
    from wijkanalyse.sources.build import build_database

    def make(folder: Path) -> dict:
        db = folder / "wijkanalyse.duckdb"
        build_database(resolve_settings(db=db, source=shared_data, cache=folder / "cache"))
        return {"path": str(db)}

    return Path(_once_per_run(tmp_path_factory, "db", make)["path"])


_INDEXES: dict[str, Any] = {}


def _index_once(records: Iterable[Any]) -> Any:
    """``kennis.index.build_index`` made once per process for equal records (it is a pure
    function of them)."""
    records = list(records)
    key = repr(records)
    if key not in _INDEXES:
        _INDEXES[key] = _real_build_index(records)
    return _INDEXES[key]


@pytest.fixture(autouse=True)
def _kennis_index_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests/kennis and the stored-parts tests: the search index of a catalogue made
    once per process (``data build`` stores the index of the shipped catalogue every time; it
    took two thirds of the build of a small generated source folder)."""
    path = Path(str(request.node.path))
    if "kennis" in path.parts or path.name == "test_stored_parts.py":
        return
    from wijkanalyse.kennis import index

    monkeypatch.setattr(index, "build_index", _index_once)


@pytest.fixture(scope="session")
def ref2024(shared_data: Path) -> pd.DataFrame:
    """Reference regions (as store.reference_regions gives them) from the real KWB 2024 CSV."""
    from wijkanalyse.codes import gemeente_code_of, level_from_soort, normalise_code

    df = pd.read_csv(shared_data / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv", sep=";",
                     encoding="utf-8-sig", dtype=str)
    code = df["Regioaanduiding/Codering (code)"].map(normalise_code)
    return pd.DataFrame({
        "year": 2024,
        "code": code,
        "level": df["Regioaanduiding/Soort regio (omschrijving)"].map(level_from_soort),
        "name": df["Wijken en buurten"].str.strip(),
        "gemeente_code": code.map(gemeente_code_of),
        "gemeente_name": df["Regioaanduiding/Gemeentenaam (naam)"].str.strip(),
    })


#: The buurten of the programme area Jol/Galjoen (Lelystad), used as a user area.
JOL_GALJOEN_BUURTEN = ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]


@pytest.fixture(scope="session")
def rebuilt_db(built_db: Path, shared_data: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of ``built_db`` to which the CLI added a user area (Jol/Galjoen) and a story
    (GENERATED text), then rebuilt from all of ../shared/data with ``data build``.

    One full rebuild shared by the tests of carry-over (areas, stories) and of a second build
    giving the same tables. Tests that change the database copy ``path`` first. Returns a dict
    with ``path`` and the CLI results ``area_added``, ``story_added``, ``story_listed`` and
    ``rebuilt`` (each with ``exit_code``, ``output`` and ``stdout``). Built once per test run
    (:func:`_once_per_run`). The rebuild runs on one processor (no reader process), so
    that it also serves as the build without a worker that test_build_speed compares with
    ``built_db`` (one full build less per run).
    """
    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app
    from wijkanalyse.sources import readpool

    runner = CliRunner()

    def result(invoked: Any) -> dict:
        return {"exit_code": invoked.exit_code, "output": invoked.output,
                "stdout": invoked.stdout}

    def make(folder: Path) -> dict:
        db = folder / "w.duckdb"
        db.write_bytes(built_db.read_bytes())
        args = ["--db", str(db), "gebied", "add", "Jol/Galjoen"]
        for code in JOL_GALJOEN_BUURTEN:
            args += ["--code", code]
        out = {"path": str(db), "area_added": result(runner.invoke(app, args))}
        md = folder / "verhaal.md"  # generated test story
        md.write_text("---\ntitel: Gesprek met de wijkagent\nauteur: A. de Vries\n"
                      "datum: 2024-05-01\ngebied: WK011443\n---\nHet is <script>x</script> "
                      "rustiger geworden.\n", encoding="utf-8")
        out["story_added"] = result(runner.invoke(app, ["--db", str(db), "verhaal", "add",
                                                        str(md)]))
        out["story_listed"] = result(runner.invoke(app, ["--db", str(db), "verhaal", "list",
                                                         "--gebied", "WK011443"]))
        with pytest.MonkeyPatch.context() as mp:  # no reader process: see test_build_speed
            mp.setattr(readpool, "n_cpus", lambda: 1)
            out["rebuilt"] = result(runner.invoke(app, ["--db", str(db), "data", "build",
                                                        "--source", str(shared_data)],
                                                  env={"COLUMNS": "200"}))
        return out

    made = _once_per_run(tmp_path_factory, "herbouw", make)
    return {"path": Path(made["path"]),
            **{k: SimpleNamespace(**v) for k, v in made.items() if k != "path"}}
