"""Sets of neighbourhoods for the monitor (sets.py) and `wijkanalyse sets`, on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from wijkanalyse import store
from wijkanalyse.cli import sets as cli_sets
from wijkanalyse.gebieden.sets import (
    UNIT_COLUMNS,
    SetSpecError,
    check_set,
    list_sets,
    resolve_gemeente,
    resolve_set,
)
from wijkanalyse.settings import resolve_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def con(built_db: Path) -> duckdb.DuckDBPyConnection:
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _root_app() -> typer.Typer:
    """A root app with the --db callback of cli.py, with only the sets group."""
    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context,
              db: Path = typer.Option(None, "--db")) -> None:  # noqa: B008
        ctx.obj = resolve_settings(db=db)

    root.add_typer(cli_sets.app, name="sets")
    return root


# ------------------------------------------------------------------------------ resolve_set


def test_programma_2016_resolves_to_twelve_units_without_problems(con) -> None:
    mset = resolve_set(con, "programma-2016")
    assert mset.problems == []
    assert mset.kind == "pakket" and mset.name == "programma-2016"
    assert list(mset.units.columns) == list(UNIT_COLUMNS)
    assert len(mset.units) == 12
    units = mset.units.set_index("unit_id")
    assert units.loc["WK011443", "name"] == "Angelslo"
    assert units.loc["WK011443", "level"] == "wijk"
    assert units.loc["BU00141000", "wijk_codes"] == ["WK001410"]  # Selwerd is a buurt
    jol = units.loc["jol-galjoen"]
    assert jol["level"] == "gebied" and jol["gemeente_name"] == "Lelystad"
    assert jol["codes"] == ["BU09950633", "BU09950634", "BU09950635", "BU09950637"]
    assert jol["wijk_codes"] == ["WK099506"]
    assert units["level"].value_counts().to_dict() == {"wijk": 6, "buurt": 5, "gebied": 1}
    assert "6 wijken, 5 buurten en 1 gebied" in mset.level_note


def test_gemeente_emmen_gives_all_27_wijken_of_2024(con) -> None:
    mset = resolve_set(con, "gemeente:Emmen")
    assert mset.year == 2024 and mset.kind == "gemeente" and mset.problems == []
    assert len(mset.units) == 27
    assert set(mset.units["gemeente_code"]) == {"GM0114"}
    assert set(mset.units["level"]) == {"wijk"}
    assert "WK011443" in set(mset.units["unit_id"])
    assert mset.units.set_index("unit_id").loc["WK011443", "name"] == "Angelslo"
    assert mset.name == "gemeente-emmen"
    by_code = resolve_set(con, "gemeente:gm0114")
    assert by_code.units["unit_id"].tolist() == mset.units["unit_id"].tolist()


def test_gemeente_den_haag_uses_the_everyday_name(con) -> None:
    mset = resolve_set(con, "gemeente:Den Haag")
    assert len(mset.units) == 44
    assert set(mset.units["gemeente_name"]) == {"'s-Gravenhage"}
    assert resolve_gemeente(con, "Den Haag") == ("GM0518", "'s-Gravenhage")


def test_gemeente_with_typo_suggests_the_right_name(con) -> None:
    with pytest.raises(SetSpecError, match="Bedoelt u 'Emmen'"):
        resolve_set(con, "gemeente:Emen")
    problems = check_set(con, "gemeente:Emen")
    assert len(problems) == 1 and "Emmen" in problems[0]


def test_gemeente_year_without_wijken_is_refused(con) -> None:
    with pytest.raises(SetSpecError, match="geen wijken van Emmen in 2019"):
        resolve_set(con, "gemeente:Emmen", year=2019)
    assert len(resolve_set(con, "gemeente:Emmen", year=2012).units) == 27


def test_nl_gives_all_3393_wijken(con) -> None:
    mset = resolve_set(con, "nl")
    assert mset.year == 2024 and mset.kind == "nl"
    assert len(mset.units) == 3393
    assert mset.units["gemeente_code"].nunique() == 342
    assert mset.units["unit_id"].is_unique
    assert mset.units["gemeente_name"].notna().all()
    assert mset.problems == []


def test_unknown_set_name_suggests_the_shipped_set(con) -> None:
    with pytest.raises(SetSpecError, match="Bedoelt u programma-2016"):
        resolve_set(con, "programa-2016")
    with pytest.raises(SetSpecError, match="bestaat niet"):
        resolve_set(con, "geen-bestand.csv")


def test_user_csv_with_a_typo_gives_a_problem_with_suggestion(con, tmp_path: Path) -> None:
    path = tmp_path / "mijnset.csv"
    path.write_text("naam;gemeente\nAngelsloo;\nMeerwijk;Haarlem\nSchildersbuurt;Den Haag\n"
                    "Jol/Galjoen;\n", encoding="utf-8")
    mset = resolve_set(con, str(path))
    assert mset.kind == "bestand" and mset.name == "mijnset"
    assert mset.units["unit_id"].tolist() == ["WK039221", "WK051829", "jol-galjoen"]
    assert len(mset.problems) == 1
    assert mset.problems[0] == ("mijnset.csv, regel 2: 'Angelsloo' is niet gevonden. Bedoelt u "
                                "'Angelslo' of 'Elsloo' of 'Langelo'?")
    assert mset.units.set_index("unit_id").loc["jol-galjoen", "wijk_codes"] == ["WK099506"]


def test_user_csv_ambiguous_name_codes_gemeenten_and_repeats(con, tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("naam,code\nVogelwijk,\n,WK011443\nAngelslo,\nEmmen,\n,BU99999999\n"
                    "Meerwijk,\n", encoding="utf-8")
    mset = resolve_set(con, str(path))
    # Meerwijk is unique in the programme set: Haarlem's wijk, as for the profile (rule 6)
    assert mset.units["unit_id"].tolist() == ["WK011443", "WK039221"]
    text = "\n".join(mset.problems)
    assert len(mset.problems) == 4
    assert "regel 2: 'Vogelwijk' is niet eenduidig" in text
    assert "'s-Gravenhage" in text and "Zeist" in text and "Vul de kolom gemeente in" in text
    assert ("regel 4: 'Angelslo': Angelslo (WK011443) staat al in de set (set.csv, regel 3: "
            "'WK011443'); de herhaling is overgeslagen") in text
    assert "regel 5: 'Emmen' is de gemeente Emmen; gebruik gemeente:Emmen" in text
    assert "regel 6: Code BU99999999 komt in geen enkel geladen jaar voor" in text


def test_user_csv_without_name_or_code_column_is_refused(con, tmp_path: Path) -> None:
    path = tmp_path / "fout.csv"
    path.write_text("wijknaam\nAngelslo\n", encoding="utf-8")
    with pytest.raises(SetSpecError, match="kolom 'naam' of 'code' ontbreekt"):
        resolve_set(con, str(path))


def test_user_yaml_with_an_unknown_code_keeps_the_unit_and_says_so(con, tmp_path: Path
                                                                   ) -> None:
    path = tmp_path / "eigen.yaml"
    path.write_text(
        "title: Eigen set\nareas:\n"
        "  - id: angelslo\n    name: Angelslo\n    gemeente: {name: Emmen, code: GM0114}\n"
        "    level: wijk\n    codes: [WK011443]\n"
        "  - id: twee-wijken\n    name: Twee wijken\n    gemeente: {name: Emmen, code: GM0114}\n"
        "    level: wijk\n    codes: [WK011443, WK011499]\n", encoding="utf-8")
    mset = resolve_set(con, str(path))
    assert mset.title == "Eigen set"
    assert mset.units["unit_id"].tolist() == ["WK011443", "twee-wijken"]
    assert mset.units.set_index("unit_id").loc["twee-wijken", "wijk_codes"] == [
        "WK011443", "WK011499"]
    assert len(mset.problems) == 1 and "WK011499" in mset.problems[0]


def test_list_sets_names_shipped_sets_and_the_special_forms(con) -> None:
    frame = list_sets(con)
    assert frame["spec"].tolist()[:4] == ["krachtwijken-2007", "programma-2016",
                                          "gemeente:<naam of code>", "nl"]
    rows = frame.set_index("spec")
    assert rows.loc["programma-2016", "n_units"] == 12
    assert rows.loc["programma-2016", "n_uncertain"] == 0
    assert rows.loc["krachtwijken-2007", "n_units"] == 40
    assert rows.loc["krachtwijken-2007", "n_uncertain"] == 11
    assert rows.loc["nl", "n_units"] == 3393
    assert set(frame["kind"]) == {"pakket", "gemeente", "nl", "bestand"}


def test_to_dict_is_json_serialisable(con) -> None:
    data = resolve_set(con, "programma-2016").to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert data["n_units"] == 12 and "Jol/Galjoen" in text


# ------------------------------------------------------------------------------------ CLI


def test_cli_sets_check_exit_codes(built_db: Path, tmp_path: Path) -> None:
    app = _root_app()
    ok = runner.invoke(app, ["--db", str(built_db), "sets", "check", "programma-2016"])
    assert ok.exit_code == 0, ok.output
    assert "12 gebieden, geen problemen" in ok.output

    path = tmp_path / "typo.csv"
    path.write_text("naam,gemeente\nAngelsloo,\nBuitenhof,Delft\n", encoding="utf-8")
    bad = runner.invoke(app, ["--db", str(built_db), "sets", "check", str(path)])
    assert bad.exit_code == 1
    assert "1 gebied gevonden, 1 probleem" in bad.output
    assert "Angelslo" in bad.output

    unknown = runner.invoke(app, ["--db", str(built_db), "sets", "check", "gemeente:Emen"])
    assert unknown.exit_code == 1 and "Emmen" in unknown.output


def test_cli_sets_show_formats(built_db: Path) -> None:
    app = _root_app()
    res = runner.invoke(app, ["--db", str(built_db), "sets", "show", "gemeente:Emmen",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_units"] == 27 and data["year"] == 2024

    res = runner.invoke(app, ["--db", str(built_db), "sets", "show", "programma-2016",
                              "--format", "csv"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == ",".join(UNIT_COLUMNS) and len(lines) == 13
    assert any(line.startswith("jol-galjoen,Jol/Galjoen,GM0995,Lelystad,gebied,"
                               "BU09950633 BU09950634 BU09950635 BU09950637,WK099506")
               for line in lines)

    res = runner.invoke(app, ["--db", str(built_db), "sets", "show", "nl"])
    assert res.exit_code == 0, res.output
    assert "nog 3343 gebieden" in res.output

    res = runner.invoke(app, ["--db", str(built_db), "sets", "show", "nl", "--format", "xml"])
    assert res.exit_code == 1


def test_cli_sets_list(built_db: Path) -> None:
    res = runner.invoke(_root_app(), ["--db", str(built_db), "sets", "list"])
    assert res.exit_code == 0, res.output
    assert "programma-2016" in res.output and "3393" in res.output
