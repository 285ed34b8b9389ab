"""Messages instead of tracebacks, refusals instead of empty reports, small wording fixes
(issue 10, items 10, 11 and 13). Sources are GENERATED (Proefstad, GM9901) unless a test says
it uses the real files in ../shared/data."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from robustness_helpers import generated_source, run

from wijkanalyse import atomicio
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database


@pytest.fixture(scope="module")
def db_2013(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("db2013")
    db = folder / "w.duckdb"
    build_database(resolve_settings(db=db, source=generated_source(folder / "b", year=2013),
                                    cache=folder / "c"))
    return db


@pytest.fixture
def db(db_2013: Path, tmp_path: Path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copy(db_2013, target)
    return target


# --------------------------------------------------------------------------- item 10: --out


def test_out_pointing_to_an_existing_file(db: Path, tmp_path: Path) -> None:
    existing = tmp_path / "rapport.html"
    existing.write_text("niet overschrijven", encoding="utf-8")
    for args in (["profiel", "WK990101", "--format", "html"],
                 ["kennis", "export", "--format", "csv"],
                 ["segregatie", "Proefstad", "--format", "xlsx"],
                 ["monitor", "gemeente:Proefstad", "--format", "csv"]):
        result = run("--db", str(db), *args, "--out", str(existing))
        assert result.exit_code == 1, (args, result.output)
        assert f"--out {existing} is een bestaand bestand, geen map" in result.output, args
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert existing.read_text(encoding="utf-8") == "niet overschrijven"


def test_out_in_a_write_protected_folder(db: Path, tmp_path: Path) -> None:
    closed = tmp_path / "dicht"
    closed.mkdir()
    os.chmod(closed, 0o555)
    try:
        result = run("--db", str(db), "profiel", "WK990101", "--format", "html", "--out",
                     str(closed / "rapporten"))
    finally:
        os.chmod(closed, 0o755)
    assert result.exit_code == 1
    assert f"In de map {closed} mag niet worden geschreven" in result.output
    assert not (closed / "rapporten").exists()


def test_disk_full_while_writing_a_report(db: Path, tmp_path: Path, monkeypatch) -> None:
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(atomicio.os, "replace", full)
    out = tmp_path / "rapporten"
    result = run("--db", str(db), "profiel", "WK990101", "--format", "html", "--out", str(out))
    assert result.exit_code == 1
    assert "De schijf is vol:" in result.output and str(out) in result.output
    assert "Maak ruimte vrij" in result.output
    assert list(out.iterdir()) == []  # no half report, no temporary file


def test_permission_denied_while_writing_a_report(db: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(atomicio.os, "replace", denied)
    result = run("--db", str(db), "profiel", "WK990101", "--format", "html", "--out",
                 str(tmp_path / "r"))
    assert result.exit_code == 1
    assert "Geen toestemming om" in result.output and "Permission denied" in result.output


# --------------------------------------------------------------------------- item 11: years


def test_profile_for_a_year_outside_the_data_is_refused(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    for year in ("1800", "2019"):
        result = run("--db", str(db), "profiel", "WK990101", "--jaar", year, "--out", str(out))
        assert result.exit_code == 1
        assert (f"Geen KWB-cijfers voor Proefwijk 1 (WK990101) in {year}; wel voor 2013. Kies "
                "een van die jaren met --jaar") in result.output
    assert not out.exists()  # refused before anything is made
    ok = run("--db", str(db), "profiel", "WK990101", "--jaar", "2013", "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert '"year": 2013' in ok.stdout


# --------------------------------------------------------------------------- item 13: wording


def test_status_prints_years_as_years(db: Path) -> None:
    result = run("--db", str(db), "data", "status")
    assert result.exit_code == 0
    assert "2.013" not in result.output
    assert "│ 2013 │" in result.raw.output


def test_empty_lists_use_dutch_plurals(db: Path) -> None:
    assert "Nog geen verhalen." in run("--db", str(db), "verhaal", "list").output
    assert "Nog geen aanpakken." in run("--db", str(db), "aanpak", "list").output


def test_hints_name_the_command_line_options(db: Path) -> None:
    assert run("--db", str(db), "gebied", "add", "Noord", "--code", "WK990101").exit_code == 0
    again = run("--db", str(db), "gebied", "add", "Noord", "--code", "WK990102")
    assert again.exit_code == 1
    assert "gebruik de optie --vervang" in again.output
    replaced = run("--db", str(db), "gebied", "add", "Noord", "--code", "WK990102", "--vervang")
    assert replaced.exit_code == 0, replaced.output


def test_skip_message_names_the_skipped_file_first(shared_data: Path, tmp_path: Path) -> None:
    """Real 2024 herkomst export; its companion (the export with codes) is a generated broken
    copy: the herkomst file is skipped, and the message starts with its own name."""
    src = generated_source(tmp_path / "bronnen")
    herkomst = src / "kwb_2024_nl_all_levels_herkomst.csv"
    shutil.copy(shared_data / "kwb" / herkomst.name, herkomst)
    lines = (shared_data / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv").read_text(
        encoding="utf-8-sig").splitlines()
    lines[500] = lines[500].rsplit(";", 1)[0]  # one field short: the companion is broken
    companion = src / "kwb_2024_nl_all_levels_pop_sex_age.csv"
    companion.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    result = run("--db", str(tmp_path / "w.duckdb"), "data", "build", "--source", str(src),
                 "--sla-fouten-over")
    assert result.exit_code == 2, result.output
    assert (f"Overgeslagen: {herkomst}: het bijbehorende bestand met de regiocodes, "
            f"{companion}, is onleesbaar ({companion.name}, regel 501:") in result.output
    assert f"Overgeslagen: {companion}, regel 501" in result.output
