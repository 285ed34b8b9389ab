"""Nothing lost: the build and the writers share one lock; a build never empties or replaces
what it must not (issue 10, items 1-3, 10 and 12). Sources are generated (GM9901 Proefstad)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from robustness_helpers import CLI, generated_source, run, story_file

from wijkanalyse import dblock, store
from wijkanalyse.content import open_content
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources import build
from wijkanalyse.sources.build import BuildRefusedError, build_database
from wijkanalyse.verhalen.stories import add_story


def _settings(db: Path, src: Path):
    return resolve_settings(db=db, source=src, cache=db.parent / "cache")


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A database built from a generated source folder: (db, source folder)."""
    src = generated_source(tmp_path / "bronnen")
    db = tmp_path / "w.duckdb"
    build_database(_settings(db, src))
    return db, src


def _titles(db: Path) -> list[str]:
    """The titles of the stories in the content store next to ``db``, by number."""
    with open_content(db_path=db) as content:
        return [r["title"] for r in sorted(content.story_rows(include_removed=True),
                                           key=lambda r: r["story_id"])]


def _add(con: duckdb.DuckDBPyConnection, db: Path, title: str) -> None:
    """Add a story (the area resolved through ``con``) to the content store next to ``db``."""
    with open_content(db_path=db) as content:
        add_story(con, content, area="WK990101", title=title, author="T", body_markdown="x",
                  date="2024-05-01")


def _count(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


# --------------------------------------------------------------------------- item 1: no loss


def test_story_written_between_carry_over_and_swap_is_kept(built, tmp_path: Path,
                                                            monkeypatch) -> None:
    """The exact window of the reported loss: a writer acts after the user tables have been
    copied and before the new file is swapped in. It must wait, then land in the new file."""
    db, src = built
    md = story_file(tmp_path / "v.md", title="In het venster")
    real = build._carry_over_user_tables
    seen: dict[str, object] = {}

    def carry_over_then_write(con, target, **kwargs):
        result = real(con, target, **kwargs)
        proc = subprocess.Popen([*CLI, "--db", str(db), "verhaal", "add", str(md)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen["proc"] = proc
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        # either the writer finished (it did not wait: the bug) or it says it waits
        while time.monotonic() < deadline and proc.poll() is None and not any(
                "Wachten op de database" in line for line in lines):
            time.sleep(0.05)
        seen["waited"] = any("Wachten op de database" in line for line in lines)
        seen["done_early"] = proc.poll() is not None
        return result

    monkeypatch.setattr(build, "_carry_over_user_tables", carry_over_then_write)
    build_database(_settings(db, src))
    proc = seen["proc"]
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Verhaal 1 toegevoegd" in out
    assert seen["waited"] and not seen["done_early"]
    assert _titles(db) == ["In het venster"]


def test_concurrent_build_and_writers_lose_nothing(built) -> None:
    """Fast version of bench/bench_concurrency.py: rebuilds in another process while this
    process keeps adding stories; every acknowledged story is in the final database."""
    db, src = built
    acknowledged: list[str] = []
    for round_ in range(2):
        proc = subprocess.Popen([*CLI, "--db", str(db), "data", "build", "--source", str(src)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        i = 0
        while proc.poll() is None or i < 3:
            title = f"ronde {round_} verhaal {i}"
            with store.reading(db, on_wait=None) as con:
                _add(con, db, title)
            acknowledged.append(title)  # acknowledged only after the connection is closed
            i += 1
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert _titles(db) == acknowledged


def test_writer_waits_for_another_writer_then_both_are_kept(built) -> None:
    db, _ = built
    started = threading.Event()
    release = threading.Event()

    def slow_writer() -> None:
        with store.writing(db, purpose="trage schrijver", on_wait=None) as con:
            _add(con, db, "eerste")
            started.set()
            release.wait(10)

    t = threading.Thread(target=slow_writer)
    t.start()
    started.wait(10)
    messages: list[str] = []
    threading.Timer(0.5, release.set).start()
    with store.writing(db, purpose="tweede", on_wait=messages.append) as con:
        _add(con, db, "tweede")
    t.join()
    assert _titles(db) == ["eerste", "tweede"]
    assert len(messages) == 1 and "trage schrijver" in messages[0] and str(db) in messages[0]


def test_busy_database_times_out_with_a_message(built) -> None:
    db, _ = built
    with dblock.hold(db, exclusive=True, purpose="data build", on_wait=None):
        result = subprocess.run([*CLI, "--db", str(db), "gebied", "list"], capture_output=True,
                                text=True, timeout=60,
                                env={**os.environ, dblock.ENV_LOCK_TIMEOUT: "0.3"})
    err = " ".join(result.stderr.split())
    assert result.returncode == 1
    assert "Traceback" not in err
    assert f"De database {db} is bezet" in err
    assert "'data build'" in err and dblock.ENV_LOCK_TIMEOUT in err


def test_database_locked_outside_wijkanalyse_gets_a_message(built, tmp_path: Path) -> None:
    """Two writers at once where one is not wijkanalyse (DuckDB's own lock): no traceback."""
    db, _ = built
    holder = subprocess.Popen(
        [CLI[0], "-c", f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); "
         "print('open', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        md = story_file(tmp_path / "v.md", title="Gelijktijdig")
        result = run("--db", str(db), "verhaal", "add", str(md))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"De database {db} is in gebruik door proces {holder.pid}" in result.output
    assert _titles(db) == []


# --------------------------------------------------------------------------- item 2: emptying


def test_empty_source_folder_is_refused(built, tmp_path: Path) -> None:
    db, _ = built
    empty = tmp_path / "leeg"
    empty.mkdir()
    before = _count(db, "observations")
    result = run("--db", str(db), "data", "build", "--source", str(empty))
    assert result.exit_code == 1
    assert f"Geen bronbestanden gevonden in {empty}" in result.output
    assert "--vervang-toch" in result.output
    assert _count(db, "observations") == before == 4
    # with --vervang-toch the user asked for it: an empty database, user tables kept
    with store.writing(db, purpose="test", on_wait=None) as con:
        _add(con, db, "bewaard")
    result = run("--db", str(db), "data", "build", "--source", str(empty), "--vervang-toch")
    assert result.exit_code == 0, result.output
    assert _count(db, "observations") == 0
    assert _titles(db) == ["bewaard"]


def test_only_bad_files_with_skip_is_refused(built, tmp_path: Path) -> None:
    db, _ = built
    bad = tmp_path / "kapot"
    bad.mkdir()
    (bad / "iets.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # generated, unknown layout
    result = run("--db", str(db), "data", "build", "--source", str(bad), "--sla-fouten-over")
    assert result.exit_code == 1
    assert "Geen enkel bronbestand kon worden geladen (1 gevonden, 1 overgeslagen)" in \
        result.output
    assert "iets.csv" in result.output  # the skipped file is named
    assert _count(db, "observations") == 4


def test_build_with_far_fewer_figures_is_refused_with_the_counts(tmp_path: Path) -> None:
    big = generated_source(tmp_path / "groot", n_wijken=9)
    small = generated_source(tmp_path / "klein", n_wijken=2)
    db = tmp_path / "w.duckdb"
    build_database(_settings(db, big))
    with pytest.raises(BuildRefusedError) as info:
        build_database(_settings(db, small))
    text = str(info.value)
    assert "laadt 3 waarden uit 1 brontabel(len)" in text
    assert f"de huidige database {db} heeft 10 waarden uit 1 brontabel(len)" in text
    assert _count(db, "observations") == 10
    assert not list(tmp_path.glob("*.tmp*"))
    report = build_database(_settings(db, small), replace_anyway=True)
    assert report.n_observations == 3


# --------------------------------------------------------------------------- item 3: read-only


def test_write_protected_database_is_not_replaced(built) -> None:
    db, src = built
    os.chmod(db, 0o444)
    try:
        mtime = db.stat().st_mtime_ns
        result = run("--db", str(db), "data", "build", "--source", str(src))
        assert result.exit_code == 1
        assert f"De database {db} is schrijfbeveiligd" in result.output
        assert "chmod u+w" in result.output
        assert db.stat().st_mtime_ns == mtime and oct(db.stat().st_mode & 0o777) == "0o444"
        # writers refuse too, and say so
        result = run("--db", str(db), "gebied", "add", "X", "--code", "WK990101")
        assert result.exit_code == 1 and "schrijfbeveiligd" in result.output
        # reading still works
        assert run("--db", str(db), "gebied", "list").exit_code == 0
    finally:
        os.chmod(db, 0o644)


def test_write_protected_folder_is_refused(tmp_path: Path) -> None:
    src = generated_source(tmp_path / "bronnen")
    folder = tmp_path / "dicht"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        result = run("--db", str(folder / "w.duckdb"), "data", "build", "--source", str(src))
    finally:
        os.chmod(folder, 0o755)
    assert result.exit_code == 1
    assert f"In de map {folder} mag niet worden geschreven" in result.output
    assert not (folder / "w.duckdb").exists()


# --------------------------------------------------------------------------- item 10: messages


@pytest.mark.parametrize("content, what", [
    (b"", "afgebroken, beschadigd of iets anders dan een DuckDB-database"),
    (b"dit is geen database\n" * 10, "afgebroken, beschadigd of iets anders"),
])
def test_non_duckdb_file_gets_a_message_for_every_kind_of_command(tmp_path: Path, content: bytes,
                                                                  what: str) -> None:
    db = tmp_path / "kapot.duckdb"
    db.write_bytes(content)
    for args in (["data", "status"], ["gebied", "add", "X", "--code", "WK990101"],
                 ["kennis", "list"], ["verhaal", "list"]):
        result = run("--db", str(db), *args)
        assert result.exit_code == 1, args
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit), result.exception
        assert f"{db} is geen leesbare wijkanalyse-database" in result.output
        assert what in result.output
        assert "nieuw.duckdb data build" in result.output  # how to recover
    assert db.read_bytes() == content


def test_truncated_database_gets_a_message(built) -> None:
    db, src = built
    data = db.read_bytes()
    db.write_bytes(data[:300_000])  # a copy broken off (the header and the start are there)
    for args in (["data", "status"], ["data", "build", "--source", str(src)]):
        result = run("--db", str(db), *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert f"{db} is geen leesbare wijkanalyse-database" in result.output, result.output
        assert "bouw de database opnieuw naar een nieuw pad" in result.output


def test_other_duckdb_database_is_not_touched(tmp_path: Path) -> None:
    db = tmp_path / "ander.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE klanten (naam VARCHAR)")
    con.close()
    result = run("--db", str(db), "gebied", "add", "X", "--code", "WK990101")
    assert result.exit_code == 1
    assert "niet van wijkanalyse" in result.output
    con = duckdb.connect(str(db), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert tables == {"klanten"}


def test_same_file_name_in_two_source_folders(tmp_path: Path) -> None:
    a = generated_source(tmp_path / "a")
    b = generated_source(tmp_path / "b")
    name = "kwb_2024_proefstad_gegenereerd.csv"
    db = tmp_path / "w.duckdb"
    with pytest.raises(BuildRefusedError) as info:
        build_database(_settings(db, a), source_dirs=[a, b])
    assert str(info.value).startswith(f"{b / name}: dezelfde bestandsnaam als {a / name}")
    assert not db.exists()
    report = build_database(_settings(db, a), source_dirs=[a, b], strict=False)
    assert [f.path for f in report.failed] == [b / name]
    assert report.loaded == [name]


def test_disk_full_during_build_leaves_database_and_no_temporary(built, monkeypatch) -> None:
    db, src = built
    before = db.read_bytes()

    def full(*args, **kwargs):
        raise duckdb.IOException('Could not write file "x": No space left on device')

    monkeypatch.setattr(build, "_write_unit", full)
    result = run("--db", str(db), "data", "build", "--source", str(src))
    assert result.exit_code == 1
    assert "De schijf is vol" in result.output and "Maak ruimte vrij" in result.output
    assert db.read_bytes() == before
    assert not list(db.parent.glob("*.bouw-*"))


def test_disk_full_while_writing_a_story(built, tmp_path: Path, monkeypatch) -> None:
    import errno

    from wijkanalyse.content import ContentStore

    db, _ = built

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ContentStore, "add_story", full)
    md = story_file(tmp_path / "v.md", title="Vol")
    result = run("--db", str(db), "verhaal", "add", str(md))
    assert result.exit_code == 1
    assert "De schijf is vol" in result.output and str(db) in result.output
    assert "Verhaal" not in result.output.replace("verhaal add", "")
    assert _titles(db) == []


# --------------------------------------------------------------------------- item 12: leftovers


def test_stale_temporaries_of_killed_builds_are_removed(built) -> None:
    db, src = built
    dead = subprocess.Popen([CLI[0], "-c", "pass"])
    dead.wait()
    stale = [db.with_name(f"{db.name}.bouw-{dead.pid}-0a1b2c3d.tmp"),
             db.with_name(f"{db.name}.bouw-{dead.pid}-0a1b2c3d.tmp.wal"),
             db.with_name(f"{db.name}.bouw-{dead.pid}.tmp")]  # the name of earlier versions
    alive = db.with_name(f"{db.name}.bouw-{os.getppid()}.tmp")  # a live process: kept
    other = db.with_name("ander.duckdb.bouw-1.tmp")  # another database's: not ours to judge
    for p in (*stale, alive, other):
        p.write_bytes(b"x" * 1000)
    build_database(_settings(db, src))
    assert not any(p.exists() for p in stale)
    assert alive.exists() and other.exists()


@pytest.mark.parametrize(("step", "leftovers"), [
    ("_write_unit", 0),  # while sources are written (into memory): no file yet
    ("_carry_over_user_tables", 1),  # after the copy into the temporary file
])
def test_killed_build_leaves_the_database_usable_and_is_cleaned_up(built, step: str,
                                                                   leftovers: int) -> None:
    db, src = built
    before = _count(db, "observations")
    proc = subprocess.Popen(
        [CLI[0], "-c",
         "import os, sys\n"
         "from wijkanalyse.sources import build\n"
         f"real = build.{step}\n"
         "def die(*a, **k):\n"
         "    real(*a, **k)\n"
         "    os.kill(os.getpid(), 9)\n"
         f"build.{step} = die\n"
         "from wijkanalyse.settings import resolve_settings\n"
         f"build.build_database(resolve_settings(db={str(db)!r}, source={str(src)!r}))\n"])
    proc.wait(timeout=60)
    assert proc.returncode == -9
    assert len(list(db.parent.glob(f"{db.name}.bouw-{proc.pid}-*.tmp"))) == leftovers
    assert _count(db, "observations") == before
    build_database(_settings(db, src))
    assert not list(db.parent.glob("*.bouw-*"))
