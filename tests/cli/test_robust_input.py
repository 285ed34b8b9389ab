"""Nothing executed: hostile or careless input stays data (issue 10, items 4-7).

All names, stories and files here are GENERATED test data (gemeente "Proefstad", GM9901).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import generated_source, run, story_file

from wijkanalyse import safeyaml, store
from wijkanalyse.exportsafe import FORMULA_TRIGGERS, csv_frame, csv_value, is_risky
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources.build import build_database

HOSTILE = ['=HYPERLINK("http://evil.example","klik")', "+SUM(1;2)", "@cmd", "-2+3",
           "\t=1+1", " =1+1", "\uff1dcmd"]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("klein")
    src = generated_source(folder / "bronnen")
    db = folder / "w.duckdb"
    build_database(resolve_settings(db=db, source=src, cache=folder / "c"))
    return db


@pytest.fixture
def db(small_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "w.duckdb"
    target.write_bytes(small_db.read_bytes())
    return target


# --------------------------------------------------------------------------- item 4: formulas


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_is_neutralised_for_csv(text: str) -> None:
    assert is_risky(text)
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", ["-12,5", "+3", "-", "12", "gewoon", "a=b", "", "e-mail"])
def test_plain_values_stay_as_they_are(text: str) -> None:
    assert csv_value(text) == text
    assert csv_value(-3.5) == -3.5


def test_csv_frame_changes_text_cells_and_headers_only() -> None:
    frame = pd.DataFrame({"=kop": ["=1+1", "gewoon"], "getal": [-1.5, 2.0]})
    out = csv_frame(frame)
    assert list(out.columns) == ["'=kop", "getal"]
    assert out["'=kop"].tolist() == ["'=1+1", "gewoon"]
    assert out["getal"].tolist() == [-1.5, 2.0]
    assert frame["=kop"].tolist() == ["=1+1", "gewoon"]  # the input is not changed


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_no_csv_cell_can_start_a_formula(text: str) -> None:
    out = csv_value(text)
    first = out.lstrip(" \n")[:1]
    assert out[:1] not in ("\t", "\r")
    if first in FORMULA_TRIGGERS:
        # only a plain number (or a lone sign) may start with + or -
        assert first in "+-\uff0b\uff0d" and not is_risky(out)
    assert out.endswith(text)


def _xlsx_cells(path: Path) -> list[tuple[str, object, str]]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, c.value, c.data_type) for ws in wb.worksheets
            for row in ws.iter_rows() for c in row]


def _assert_no_formula(path: Path, names: list[str]) -> None:
    cells = _xlsx_cells(path)
    assert not [c for c in cells if c[2] == "f"]
    for name in names:
        assert any(v == name and t == "s" for _, v, t in cells), name
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            if member.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(member).decode("utf-8")


def _monitor_source(folder: Path) -> Path:
    """Generated KWB and Leefbaarometer files for six wijken with hostile names."""
    folder.mkdir(parents=True)
    names = [*HOSTILE[:4], "Gewone wijk", "Noord"]
    rows = ['"Proefstad";"GM9901    ";"6000"'] + [
        '"' + n.replace('"', '""') + f'";"WK9901{i:02d}  ";"1000"'
        for i, n in enumerate(names, 1)]
    (folder / "kwb_2024_proefstad_gegenereerd.csv").write_text(
        "\ufeffWijken en buurten;Regioaanduiding/Codering (code);"
        "Bevolking/Aantal inwoners (aantal)\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lines = ["wk_code,wk_naam,jaar,lbm,afw,fys,onv,soc,vrz,won"]
    for i, n in enumerate(names, 1):
        for k, y in enumerate((2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024)):
            afw = round(((i * 7 + k * 3) % 11 - 5) / 40, 4)
            dims = ",".join([str(round(afw / 5, 5))] * 5) if y >= 2014 and y != 2016 else \
                "NA,NA,NA,NA,NA"
            quoted = '"' + n.replace('"', '""') + '"'
            lines.append(f"WK9901{i:02d},{quoted},{y},{4.1022648511437 + afw},{afw},{dims}")
    (folder / "lbm3_scores_wijken_2002_2024_gegenereerd.csv").write_text(
        "\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_monitor_exports_keep_hostile_names_as_text(tmp_path: Path) -> None:
    src = _monitor_source(tmp_path / "bronnen")
    db = tmp_path / "w.duckdb"
    build_database(resolve_settings(db=db, source=src, cache=tmp_path / "c"))
    out = tmp_path / "uit"
    result = run("--db", str(db), "monitor", "gemeente:Proefstad", "--format", "xlsx,csv",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    xlsx = next(out.glob("*.xlsx"))
    _assert_no_formula(xlsx, HOSTILE[:4])
    rows = list(csv.DictReader(next(out.glob("*.csv")).open(encoding="utf-8")))
    names = {r["naam"] for r in rows}
    assert {"'" + h for h in HOSTILE[:4]} <= names
    assert {"Gewone wijk", "Noord"} <= names


def test_segregatie_exports_keep_hostile_names_as_text(tmp_path: Path) -> None:
    from wijkanalyse.segregatie import SegregationResult, write_outputs

    name = HOSTILE[0]
    frame = pd.DataFrame({"gemeente_code": ["GM9901"], "gemeente_name": [name],
                          "group": ["g"], "index": ["D"], "value": [0.25]})
    local = pd.DataFrame({"code": ["BU99010101"], "name": ["@cmd"], "share": [0.4]})
    result = SegregationResult(
        gemeente_code="GM9901", gemeente_name="Proefstad", level="buurt", year=2024,
        indices=frame, local=local, change=pd.DataFrame(), housing_mix=pd.DataFrame(),
        housing_spread=pd.DataFrame(), groups=pd.DataFrame({"group": ["g"]}),
        notes=["+SUM(1;2) is een opmerking"])
    paths = write_outputs(result, tmp_path, formats=("xlsx", "csv"))
    _assert_no_formula(paths["xlsx"], [name, "@cmd", "+SUM(1;2) is een opmerking"])
    text = paths["csv"].read_text(encoding="utf-8")
    assert next(csv.DictReader(io.StringIO(text)))["gemeente_name"] == "'" + name
    assert pytest.approx(0.25) == float(next(csv.DictReader(io.StringIO(text)))["value"])


def test_kennis_export_csv_and_area_csv_keep_hostile_text(db: Path, tmp_path: Path) -> None:
    from importlib import resources

    shipped = resources.files("wijkanalyse") / "data" / "interventies"
    text = (shipped / "buurtbemiddeling.yaml").read_text(encoding="utf-8")
    text = text.replace("naam: Buurtbemiddeling",
                        "naam: '=HYPERLINK(\"http://evil.example\",\"klik\")'")
    text = text.replace("  - Neutrale, onpartijdige", "  - '-2+3 bestanddeel'\n  - Neutrale")
    text = text.replace("verwant: [achter-de-voordeur, huismeesters-woonconsulenten, wijkagent]",
                        "verwant: [achter-de-voordeur]")
    iv = tmp_path / "formule-test.yaml"  # generated from a shipped file, hostile name
    iv.write_text(text, encoding="utf-8")
    added = run("--db", str(db), "kennis", "add", str(iv), "--auteur", "Test")
    assert added.exit_code == 0, added.output
    out = tmp_path / "export"
    result = run("--db", str(db), "kennis", "export", "--out", str(out), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "interventies.csv").open(encoding="utf-8-sig"),
                               delimiter=";"))
    row = next(r for r in rows if r["id"] == "formule-test")
    assert row["naam"] == "'" + '=HYPERLINK("http://evil.example","klik")'
    assert row["werkzame_bestanddelen"].startswith("'-2+3 bestanddeel; Neutrale")
    for r in rows:
        assert not any(v and v[0] in "=+@\t\r" for v in r.values()), r["id"]
    # gebied show --format csv: the area's name is data too
    assert run("--db", str(db), "gebied", "add", "=1+1 gebied", "--code", "WK990101",
               "--beschrijving", "@x").exit_code == 0
    shown = run("--db", str(db), "gebied", "show", "1-1-gebied", "--format", "csv")
    assert shown.exit_code == 0, shown.output
    for cell in (c for line in csv.reader(io.StringIO(shown.stdout)) for c in line):
        assert not is_risky(cell), cell


# --------------------------------------------------------------------------- item 5: YAML bombs

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
       for i in range(8)]) + "\n"


def test_safe_yaml_refuses_an_alias_bomb_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(safeyaml.YamlLimitError) as info:
        safeyaml.load(BOMB)
    assert time.perf_counter() - started < 2
    assert "alias-bom" in str(info.value) and info.value.line is not None


def test_safe_yaml_limits_depth_size_and_self_reference() -> None:
    with pytest.raises(safeyaml.YamlLimitError, match="dieper dan 40"):
        safeyaml.load("a: " + "[" * 100 + "]" * 100)
    with pytest.raises(safeyaml.YamlLimitError, match="1.000.000 bytes"):
        safeyaml.load("a: '" + "x" * 1_000_001 + "'")
    with pytest.raises(safeyaml.YamlLimitError, match="verwijst naar zichzelf"):
        safeyaml.load("a: &a [1, *a]")
    # ordinary aliases still work
    assert safeyaml.load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_kennis_check_refuses_an_alias_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_text(BOMB, encoding="utf-8")
    started = time.perf_counter()
    result = run("kennis", "check", str(path))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    assert "bom.yaml" in result.output and "alias-bom" in result.output


def test_gebied_import_refuses_an_alias_bomb(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "gebieden.yaml"
    path.write_text(BOMB, encoding="utf-8")
    result = run("--db", str(db), "gebied", "import", str(path))
    assert result.exit_code == 1
    assert "gebieden.yaml" in result.output and "alias-bom" in result.output


def test_story_front_matter_alias_bomb_is_refused(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "v.md"
    path.write_text("---\ntitel: x\n" + BOMB + "---\nTekst.\n", encoding="utf-8")
    result = run("--db", str(db), "verhaal", "add", str(path))
    assert result.exit_code == 1
    assert "v.md" in result.output and "alias-bom" in result.output


def test_area_set_file_alias_bomb_is_refused(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(BOMB, encoding="utf-8")
    result = run("--db", str(db), "sets", "check", str(path))
    assert result.exit_code == 1
    assert "alias-bom" in result.output


@pytest.mark.parametrize("loader", ["signals", "composite", "earlywarning", "trends"])
def test_configuration_files_go_through_the_safe_loader(tmp_path: Path, loader: str) -> None:
    """An alias bomb in a rules/configuration file: refused, with the file named."""
    from wijkanalyse.monitor import composite, earlywarning, trends
    from wijkanalyse.signalen import rules as signals

    path = tmp_path / f"{loader}.yaml"
    path.write_text(BOMB, encoding="utf-8")
    load = {"signals": signals.load_rules, "composite": composite.load_config,
            "earlywarning": earlywarning.load_config, "trends": trends.load_trend_config}[loader]
    with pytest.raises(safeyaml.YamlLimitError) as info:
        load(path)
    assert info.value.origin is not None and f"{loader}.yaml" in str(info.value)
    assert "alias-bom" in str(info.value)
    assert str(info.value).startswith(f"{info.value.origin}: regel ")


def test_only_safeyaml_parses_yaml() -> None:
    """One loader: no other module of the package calls PyYAML's parse/load functions."""
    import re

    import wijkanalyse

    package = Path(wijkanalyse.__file__).parent
    calls = re.compile(r"\byaml\.(safe_load|load|load_all|safe_load_all|full_load|unsafe_load|"
                       r"compose|compose_all|parse)\(")
    found = [f"{p.name}:{n}" for p in sorted(package.glob("*.py")) if p.name != "safeyaml.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if calls.search(line)]
    assert found == []


# --------------------------------------------------------------------------- item 6: terminal

ESCAPES = "\x1b[31mRood\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x07\x08\x9b2J"


def test_story_title_with_escapes_and_markup_is_printed_as_text(db: Path) -> None:
    from wijkanalyse.content import open_content
    from wijkanalyse.verhalen.stories import add_story

    title = "[bold red]Kop[/bold red] [link=http://evil.example]x[/link] " + ESCAPES
    with store.reading(db, on_wait=None) as con, open_content(db_path=db) as content:
        add_story(con, content, area="WK990101", title=title, author="\x1b[2JAuteur",
                  body_markdown="Tekst \x1b]0;venstertitel\x07 hier.", date="2024-05-01")
    for args in (["verhaal", "list"], ["verhaal", "show", "1"],
                 ["verhaal", "show", "1", "--geschiedenis"]):
        result = run("--db", str(db), *args)
        assert result.exit_code == 0, result.output
        raw = result.raw.output
        assert "\x1b" not in raw and "\x07" not in raw and "\x9b" not in raw, args
        assert "[bold red]Kop[/bold red]" in result.output, args  # markup shown, not applied
    shown = run("--db", str(db), "verhaal", "show", "1").raw.output
    assert "Tekst  hier." in shown and "Auteur" in shown


def test_area_names_with_markup_and_escapes_in_lists(db: Path) -> None:
    result = run("--db", str(db), "gebied", "add", "[red]Rood\x1b[5m[/red]", "--code", "WK990101",
                 "--beschrijving", "\x1b]0;titel\x07[link=file:///etc/passwd]x[/link]")
    assert result.exit_code == 0, result.output
    listed = run("--db", str(db), "gebied", "list")
    assert "\x1b" not in listed.raw.output and "\x07" not in listed.raw.output
    assert "[link=file:///etc/passwd]x[/link]" in listed.output
    assert "[red]Rood[/red]" in listed.output


def test_file_names_in_build_messages_are_printed_as_text(tmp_path: Path) -> None:
    src = generated_source(tmp_path / "bronnen")
    (src / "[red]raar\x1b[2J.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("--db", str(tmp_path / "w.duckdb"), "data", "build", "--source", str(src),
                 "--sla-fouten-over")
    assert result.exit_code == 2, result.output
    assert "\x1b" not in result.raw.output
    assert "Overgeslagen:" in result.output and "[red]raar[2J.csv" not in result.output
    assert "[red]raar.csv" in result.output


def test_area_set_texts_and_uncertain_areas_are_printed_as_text(db: Path, tmp_path: Path) -> None:
    """The columns of the krachtwijken merge (onzeker, indeling, the uncertain reasons of
    'sets check') print a user's set file as text, and its CSV stays formula-safe."""
    path = tmp_path / "vijandig.yaml"
    path.write_text(
        "title: '[bold red]Set[/bold red] \\e[31m'\n"
        "description: '[link=http://evil.example]x[/link]'\n"
        "year: 2024\n"
        "areas:\n"
        "  - id: proef\n"
        "    name: '=HYPERLINK(\"http://evil.example\",\"klik\") [blink]Wijk'\n"
        "    gemeente: {name: Proefstad, code: GM9901}\n"
        "    level: wijk\n"
        "    codes: [WK990101]\n"
        "    onzeker: true\n"
        "    onzeker_reden: '[red]keuze[/red] \\a'\n", encoding="utf-8")
    shown = run("--db", str(db), "sets", "show", str(path))
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.raw.output and "\x07" not in shown.raw.output
    assert "[bold red]Set[/bold red]" in shown.output
    assert "[link=http://evil.example]x[/link]" in shown.output
    assert "[blink]Wijk (onzeker)" in shown.output and "2024" in shown.output
    checked = run("--db", str(db), "sets", "check", str(path))
    assert checked.exit_code == 0, checked.output
    assert "Onzeker:" in checked.output and "[red]keuze[/red]" in checked.output
    assert "\x07" not in checked.raw.output
    csv_text = run("--db", str(db), "sets", "show", str(path), "--format", "csv").stdout
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert row["name"].startswith("'=HYPERLINK(") and row["uncertain"] == "ja"


def test_documentation_file_names_are_listed_as_text(tmp_path: Path) -> None:
    src = generated_source(tmp_path / "bronnen")
    (src / "[blink]LEESMIJ.md").write_text("# [bold]Toelichting[/bold]\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    built = run("--db", str(db), "data", "build", "--source", str(src))
    assert built.exit_code == 0, built.output
    assert "1 documentatiebestanden gevonden" in built.output
    status = run("--db", str(db), "data", "status")
    assert status.exit_code == 0, status.output
    assert "[blink]LEESMIJ.md" in status.output


# --------------------------------------------------------------------------- item 7: sizes


def test_huge_story_is_refused_with_a_message(db: Path, tmp_path: Path) -> None:
    big = story_file(tmp_path / "groot.md", title="Groot", body="woord " * 20_000)
    result = run("--db", str(db), "verhaal", "add", str(big))
    assert result.exit_code == 1
    assert "groot.md" in result.output
    assert "de tekst is 119.999 tekens lang; het maximum is 100.000" in result.output
    huge = tmp_path / "enorm.md"
    huge.write_bytes(b"---\ntitel: x\n---\n" + b"x" * 5_000_000)
    result = run("--db", str(db), "verhaal", "add", str(huge))
    assert result.exit_code == 1
    assert "enorm.md: het bestand is 5.000.017 bytes" in result.output
    long_title = story_file(tmp_path / "titel.md", title="t" * 300)
    result = run("--db", str(db), "verhaal", "add", str(long_title))
    assert result.exit_code == 1 and "het maximum is 200" in result.output


def test_report_shows_an_excerpt_of_a_long_stored_story(db: Path) -> None:
    """A story stored before the limit existed (or through Python) is rendered bounded."""
    import duckdb

    from wijkanalyse.content import open_content
    from wijkanalyse.model import Subject
    from wijkanalyse.verhalen import add_story, stories_for
    from wijkanalyse.verhalen.markdown import REPORT_BODY_CHARS

    content = open_content(db_path=db)
    with store.reading(db, on_wait=None) as con:
        story = add_story(con, content, area="WK990101", title="Lang", author="T",
                          body_markdown="Alinea.\n\n" * 10, date="2024-05-01")
    with content.engine.begin() as conn:  # stored without the input limit, as through SQL
        conn.exec_driver_sql("UPDATE stories SET body_markdown = ? WHERE story_id = ?",
                             ("Een zin met woorden. " * 250_000, story.story_id))  # 5 MB
    con = duckdb.connect(str(db), read_only=True)
    try:
        subject = Subject(kind="wijk", id="WK990101", name="Proefwijk 1",
                          gemeente_code="GM9901", gemeente_name="Proefstad", level="wijk",
                          members=["WK990101"], wijk_codes=["WK990101"])
        started = time.perf_counter()
        verhalen, _ = stories_for(con, content, subject)
        assert time.perf_counter() - started < 5
    finally:
        con.close()
        content.close()
    html = verhalen[0].body_html
    assert len(html) < REPORT_BODY_CHARS + 500
    assert "ingekort: nog 5.244.0" in html and "wijkanalyse verhaal show 1" in html
    assert len(verhalen[0].body_markdown) == 5_250_000


def test_huge_kennis_file_and_description_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "groot.yaml"
    big.write_text("naam: x\nbeschrijving: '" + "x" * 300_000 + "'\n", encoding="utf-8")
    result = run("kennis", "check", str(big))
    assert result.exit_code == 1
    assert "groot.yaml" in result.output and "300.025 bytes" in result.output


def test_long_area_name_is_refused(db: Path) -> None:
    result = run("--db", str(db), "gebied", "add", "n" * 500, "--code", "WK990101")
    assert result.exit_code == 1
    assert "hoogstens 200 tekens (nu 500)" in result.output
