"""Segregatie en menging on the database built from the real data in ../shared/data.

Pinned figures are the real KWB values (Schildersbuurt 2019 tenure, Emmen 2024 herkomst);
indices are recomputed here independently with plain numpy from the observations.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import duckdb
import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, PackageLoader, StrictUndefined
from typer.testing import CliRunner

from wijkanalyse import segregatie as sg
from wijkanalyse import store
from wijkanalyse.cli import segregatie as cli_segregatie
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.segregatie.housing import _tenure_entropy
from wijkanalyse.segregatie.tables import _negligible, _two
from wijkanalyse.settings import resolve_settings

KWB19 = "CBS, Kerncijfers Wijken en Buurten 2019"
KWB24 = "CBS, Kerncijfers Wijken en Buurten 2024"
SCHILDERSBUURT = {"BU05182915": ("Schildersbuurt-West", False),
                  "BU05182916": ("Schildersbuurt-Noord", True),
                  "BU05182917": ("Schildersbuurt-Oost", True)}


@pytest.fixture(scope="module")
def con(built_db: Path) -> duckdb.DuckDBPyConnection:
    c = store.connect(built_db, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def table2024(con: duckdb.DuckDBPyConnection):
    return sg.segregation_table(con, years=2024, level="buurt")


@pytest.fixture(scope="module")
def den_haag(con: duckdb.DuckDBPyConnection) -> sg.SegregationResult:
    return sg.segregatie("Den Haag", db=con)


def _units(con: duckdb.DuckDBPyConnection, gemeente: str, year: int, x_id: str,
           t_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Group and total per buurt straight from the observation view."""
    rows = con.execute(
        """SELECT x.value, t.value FROM regions r
           JOIN observation x ON x.code = r.code AND x.year = r.year AND x.indicator_id = ?
           JOIN observation t ON t.code = r.code AND t.year = r.year AND t.indicator_id = ?
           WHERE r.level = 'buurt' AND r.gemeente_code = ? AND r.year = ?""",
        [x_id, t_id, gemeente, year]).fetchall()
    arr = np.array(rows, dtype=float)
    return arr[:, 0], arr[:, 1]


def _plain_d(x: np.ndarray, t: np.ndarray) -> float:
    keep = np.isfinite(x) & np.isfinite(t) & (t > 0)
    x, t = x[keep], t[keep]
    y = t - x
    return 0.5 * float(np.abs(x / x.sum() - y / y.sum()).sum())


# ------------------------------------------------------------------------------ index table


def test_long_table_has_exactly_the_named_columns(table2024) -> None:
    assert list(table2024.columns) == [
        "gemeente_code", "gemeente_name", "year", "level", "group", "group_label", "index",
        "index_label", "value", "n_units", "n_zero", "n_suppressed", "source", "note"]
    assert set(table2024["level"]) == {"buurt"} and set(table2024["year"]) == {2024}


def test_herkomst_rows_are_gemeenten_times_groups_times_indices(
        con: duckdb.DuckDBPyConnection, table2024) -> None:
    n_gemeenten = con.execute(
        "SELECT count(DISTINCT r.gemeente_code) FROM observation o JOIN regions r "
        "USING (year, code) WHERE o.indicator_id = 'a_neu_al' AND o.year = 2024 "
        "AND r.level = 'buurt'").fetchone()[0]
    assert n_gemeenten == 342
    herkomst = table2024[table2024["group"].str.startswith("herkomst")]
    two = herkomst[herkomst["group"] != "herkomst"]
    multi = herkomst[herkomst["group"] == "herkomst"]
    assert len(two) == n_gemeenten * 3 * 6
    assert len(multi) == n_gemeenten * 3
    assert set(multi["index"]) == {"D_multi", "H_multi", "SI"}
    assert (herkomst["source"] == KWB24).all()
    # every gemeente × group × index exactly once
    assert not herkomst.duplicated(["gemeente_code", "group", "index"]).any()


def test_emmen_2024_dissimilarity_buiten_europa_matches_plain_numpy(
        con: duckdb.DuckDBPyConnection, table2024) -> None:
    x, t = _units(con, "GM0114", 2024, "a_neu_al", "a_inw")
    expected = _plain_d(x, t)
    row = table2024[(table2024["gemeente_code"] == "GM0114")
                    & (table2024["group"] == "herkomst_buiten_europa")
                    & (table2024["index"] == "D")].iloc[0]
    assert row["value"] == pytest.approx(expected, abs=1e-12)
    assert row["value"] == pytest.approx(0.353445, abs=1e-6)
    assert row["gemeente_name"] == "Emmen" and row["n_units"] == 83 and row["n_zero"] == 1
    # isolation = share of the group in the buurt of the average member; exposure = 1 − it
    keep = t > 0
    iso = float(np.sum(x[keep] / x[keep].sum() * x[keep] / t[keep]))
    emmen = table2024[(table2024["gemeente_code"] == "GM0114")
                      & (table2024["group"] == "herkomst_buiten_europa")].set_index("index")
    assert emmen.loc["xPx", "value"] == pytest.approx(iso, abs=1e-12)
    assert emmen.loc["xPy", "value"] == pytest.approx(1 - iso, abs=1e-12)


def test_suppressed_buurt_with_few_inhabitants_is_left_out_and_said(
        con: duckdb.DuckDBPyConnection, den_haag: sg.SegregationResult) -> None:
    row = den_haag.indices[(den_haag.indices["group"] == "bijstand")
                           & (den_haag.indices["index"] == "D")].iloc[0]
    assert row["year"] == 2019 and row["n_suppressed"] == 1
    assert "weggelaten" in row["note"] and "40 inwoners" in row["note"]
    x, t = _units(con, "GM0518", 2019, "a_soz_wb", "a_inw")
    assert row["value"] == pytest.approx(_plain_d(x, t), abs=1e-12)  # without the NaN buurt


def test_too_many_suppressed_buurten_give_nan_with_dutch_reason(
        den_haag: sg.SegregationResult) -> None:
    low = den_haag.indices[den_haag.indices["group"] == "inkomen_onder_p40"]
    assert len(low) == 6 and low["value"].isna().all()
    assert low["n_suppressed"].iloc[0] == 111
    assert "geheimgehouden" in low["note"].iloc[0] and "afgeleid" in low["note"].iloc[0]
    assert any("Huishoudens met een laag inkomen 2019: niet berekend" in n
               for n in den_haag.notes)


def test_herkomst_and_migratieachtergrond_stay_apart(den_haag: sg.SegregationResult) -> None:
    ind = den_haag.indices
    assert set(ind.loc[ind["group"].str.startswith("herkomst"), "year"]) == {2024}
    assert set(ind.loc[ind["group"].str.startswith("migratie"), "year"]) == {2019, 2021}


# ------------------------------------------------------------------------------ housing mix


def test_housing_mix_schildersbuurt_2019(con: duckdb.DuckDBPyConnection) -> None:
    mix = sg.housing_mix(con, gemeente="Den Haag", year=2019, level="buurt")
    assert list(mix.columns) == list(sg.HOUSING_COLUMNS)
    west = mix[mix["code"] == "BU05182915"].iloc[0]
    assert west["name"] == "Schildersbuurt-West" and west["dwellings"] == 5574
    assert (west["share_corporation"], west["share_private_rental"],
            west["share_owner_occupied"], west["share_unknown"]) == (58, 17, 24, 1)
    p = np.array([58, 17, 24]) / 99
    assert west["tenure_diversity"] == pytest.approx(-(p * np.log(p)).sum() / math.log(3),
                                                     abs=1e-12)
    flags = dict(zip(mix["code"], mix["corporatiebuurt"], strict=True))
    for code, (_name, flag) in SCHILDERSBUURT.items():
        assert bool(flags[code]) is flag, code
    # a buurt whose shares CBS keeps secret has no flag, not "False"
    assert mix.loc[mix["code"] == "BU05180170", "corporatiebuurt"].isna().all()
    assert (mix["source"] == KWB19).all()


def test_housing_spread_and_missing_tenure(den_haag: sg.SegregationResult,
                                           con: duckdb.DuckDBPyConnection) -> None:
    spread = den_haag.housing_spread.iloc[0]
    assert (spread["year"], spread["n_units"], spread["n_with_data"]) == (2019, 114, 109)
    assert (spread["corporation_min"], spread["corporation_q1"], spread["corporation_median"],
            spread["corporation_q3"], spread["corporation_max"]) == (0, 5, 26, 47, 99)
    assert spread["gemeente_corporation"] == 31 and spread["n_corporatiebuurten"] == 13
    emmen = sg.segregatie("Emmen", db=con, groups=["woningvoorraad", "herkomst"])
    assert emmen.housing_mix.empty
    note = next(n for n in emmen.notes if "eigendom van woningen" in n)
    assert "Emmen" in note and "Heerlen (2016–2019)" in note and "'s-Gravenhage (2019)" in note


# ------------------------------------------------------------------------------ local, change


def test_local_table_location_quotient(con: duckdb.DuckDBPyConnection) -> None:
    loc = sg.local_table(con, "GM0518", year=2024, groups=["herkomst_buiten_europa"])
    assert list(loc.columns) == list(sg.LOCAL_COLUMNS)
    x, t = _units(con, "GM0518", 2024, "a_neu_al", "a_inw")
    share = x[t > 0].sum() / t[t > 0].sum()
    noord = loc[loc["code"] == "BU05182916"].iloc[0]
    assert noord["share_gemeente"] == pytest.approx(share * 100, abs=1e-9)
    assert noord["lq"] == pytest.approx(noord["count"] / noord["total"] / share, abs=1e-12)
    assert bool(noord["concentration"]) == (noord["lq"] >= 1.5 and noord["count"] >= 50)
    # entropy of the three herkomst groups in the buurt, normalised by ln 3
    assert 0 <= noord["local_entropy"] <= 1


def test_change_amsterdam_age_2019_2021(con: duckdb.DuckDBPyConnection) -> None:
    ch = sg.change_table(con, gemeenten=["Amsterdam"], groups="leeftijd", years=[2019, 2021])
    assert list(ch.columns) == list(sg.CHANGE_COLUMNS)
    assert len(ch) == 5 * 2
    assert (ch["year_from"] == 2019).all() and (ch["year_to"] == 2021).all()
    assert (ch["n_matched"] == 479).all() and (ch["n_used"] == 479).all()
    assert np.allclose(ch["compositional"] + ch["redistribution"], ch["change"], atol=1e-12)
    assert np.allclose(ch["value_to"] - ch["value_from"], ch["change"], atol=1e-12)
    old = ch[(ch["group"] == "leeftijd_65_plus") & (ch["index"] == "D")].iloc[0]
    assert old["change"] == pytest.approx(-0.003597, abs=1e-6)
    # all buurten matched: the D of 2019 is the D of the yearly table
    table = sg.segregation_table(con, gemeenten=["GM0363"], years=2019,
                                 groups=["leeftijd_65_plus"])
    d19 = table[table["index"] == "D"]["value"].iloc[0]
    assert old["value_from"] == pytest.approx(d19, abs=1e-12)
    x, t = _units(con, "GM0363", 2019, "a_65_oo", "a_inw")
    assert d19 == pytest.approx(_plain_d(x, t), abs=1e-12)


def test_change_says_when_there_is_only_one_year(den_haag: sg.SegregationResult) -> None:
    her = den_haag.change[den_haag.change["group"] == "herkomst_buiten_europa"]
    assert len(her) == 2 and her["year_from"].isna().all() and (her["year_to"] == 2024).all()
    assert her["note"].iloc[0] == (
        "alleen cijfers voor 2024: Herkomst buiten Europa (a_neu_al) ontbreekt in de gegevens "
        "van 2015, 2019 en 2021 (die jaren hebben wel andere cijfers per gebied); geen "
        "verandering te berekenen")
    assert her["reason"].iloc[0].startswith("alleen cijfers voor 2024: Herkomst buiten")


# ------------------------------------------------------------------------------ API, profile


@pytest.mark.parametrize("query", ["Den Haag", "'s-Gravenhage", "gm0518"])
def test_gemeente_by_name_alias_or_code(con: duckdb.DuckDBPyConnection, query: str) -> None:
    assert sg.resolve_gemeente(con, query) == ("GM0518", "'s-Gravenhage")


def test_unknown_gemeente_and_year_without_data(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(WijkanalyseError, match=r"Bedoelt u 'Amsterdam'"):
        sg.resolve_gemeente(con, "Amsterdm")
    with pytest.raises(WijkanalyseError, match="is een wijk in gemeente Emmen"):
        sg.resolve_gemeente(con, "Angelslo")
    with pytest.raises(WijkanalyseError, match=r"Geen cijfers .* in 2010.*2024"):
        sg.segregatie("Emmen", year=2010, db=con)
    with pytest.raises(WijkanalyseError, match="kies 'buurt' of 'wijk'"):
        sg.segregation_table(con, level="gemeente")


def test_profile_section_for_a_buurt(con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "BU05182916")
    sec = sg.profile_section(con, subject)
    json.dumps(sec)  # plain data
    groups = {g["group"]: g for g in sec["groups"]}
    neu = groups["herkomst_buiten_europa"]
    assert neu["year"] == 2024 and neu["concentration"] is True
    x, t = _units(con, "GM0518", 2024, "a_neu_al", "a_inw")
    assert neu["lq"] == pytest.approx(neu["share"] / (x[t > 0].sum() / t[t > 0].sum() * 100),
                                      abs=1e-9)
    assert neu["D"] == pytest.approx(0.330, abs=5e-4)
    tenure = sec["tenure"]
    assert tenure["year"] == 2019 and tenure["area"]["share_corporation"] == 75
    assert tenure["area"]["corporatiebuurt"] is True
    assert tenure["spread"]["corporation_median"] == 26
    assert sec["caption"] == "Bron: CBS, Kerncijfers Wijken en Buurten 2019, 2021 en 2024"
    env = Environment(loader=PackageLoader("wijkanalyse.present", "templates"), autoescape=True,
                      undefined=StrictUndefined)
    page = env.from_string('{% include "_segregatie.html" %}').render(segregatie=sec)
    assert "Schildersbuurt-Noord" in page and "75,0%" in page
    assert page.count("Bron: CBS, Kerncijfers Wijken en Buurten 2019, 2021 en 2024") == 2
    assert "Er zijn geen segregatiecijfers" in env.from_string(
        '{% include "_segregatie.html" %}').render(segregatie=None)


# ------------------------------------------------------------------------------ command


def _root() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context, db: Path = typer.Option(None, "--db")) -> None:
        ctx.obj = resolve_settings(db=db)

    root.add_typer(cli_segregatie.app, name="segregatie")
    return root


runner = CliRunner()


def test_cli_csv_parses_with_the_columns(built_db: Path) -> None:
    result = runner.invoke(_root(), ["--db", str(built_db), "segregatie", "Emmen", "--format",
                                     "csv", "--jaar", "2024"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(sg.INDEX_COLUMNS)
    d = next(r for r in rows if r["group"] == "herkomst_buiten_europa" and r["index"] == "D")
    assert float(d["value"]) == pytest.approx(0.353445, abs=1e-6)
    assert len(rows) == (3 * 6 + 3) + (5 * 6 + 3)  # herkomst and leeftijd in 2024


def test_pdf_pages_sources_and_a_pinned_index(den_haag: sg.SegregationResult,
                                             tmp_path: Path) -> None:
    """The Typst print of the report: "pagina X van Y" and the report's name at the top, every
    "Bron:" line of the page in the PDF, and Den Haag's dissimilarity index of inhabitants
    of Dutch origin in 2024 (0,340, from the real KWB 2024) in its table row."""
    from pypdf import PdfReader

    from wijkanalyse.present.htmltree import parse_page, text_of

    written = sg.write_outputs(den_haag, tmp_path, formats=("html", "pdf"))
    reader = PdfReader(str(written["pdf"]))
    n = len(reader.pages)
    texts = [p.extract_text() for p in reader.pages]
    assert n >= 10 and f"pagina 1 van {n}" in texts[0] and f"pagina {n} van {n}" in texts[-1]
    assert texts[1].startswith("Segregatie en menging: 's-Gravenhage Segregatie en menging")
    page = text_of(parse_page(written["html"].read_text(encoding="utf-8")))
    assert "".join(texts).count("Bron:") == page.count("Bron:") >= 20
    ind = den_haag.indices
    d = ind[(ind["group"] == "herkomst_nederland") & (ind["year"] == 2024)
            & (ind["index"] == "D")]["value"].iloc[0]
    assert f"{d:.3f}".replace(".", ",") == "0,340"
    lines = [line.strip() for t in texts for line in t.splitlines()]
    assert any(line.startswith("Herkomst Nederland 2024 0,340 ") for line in lines)


def test_cli_unknown_gemeente_dutch_error(built_db: Path) -> None:
    result = runner.invoke(_root(), ["--db", str(built_db), "segregatie", "Amsterdm"])
    assert result.exit_code == 1
    assert "onbekend in de database" in result.output and "Amsterdam" in result.output


def test_cli_report_xlsx_and_html(built_db: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "rapporten"
    args = ["--db", str(built_db), "segregatie", "Heerlen", "--niveau", "wijk", "--jaar",
            "2019", "--out", str(out)]
    result = runner.invoke(_root(), [*args, "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")), read_only=True)
    assert {"indices", "lokaal", "verandering", "woningvoorraad", "bronnen"} <= set(
        book.sheetnames)
    result = runner.invoke(_root(), args)  # default: html and pdf
    assert result.exit_code == 0, result.output
    assert next(out.glob("segregatie-heerlen-wijk-2019.pdf")).read_bytes().startswith(b"%PDF")
    page = (out / "segregatie-heerlen-wijk-2019.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure\b.*?</figure>", page, flags=re.S)
    assert page.count("<table") == sum(f.count("<table") for f in figures)  # all in figures
    assert page.count("<svg") == sum(f.count("<svg") for f in figures)
    for fig in figures:
        if "<table" in fig or "<svg" in fig:
            caption = re.search(r"<figcaption>.*?</figcaption>", fig, flags=re.S).group(0)
            assert "Bron: " in caption, fig[:200]
    assert sum("<table" in f for f in figures) >= 8
    assert "<script" not in page.lower()
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)
    assert all(v.startswith("#") for v in re.findall(r'\b(?:src|href)="([^"]*)"', page))
    assert "Corporatiebuurt" in page and "Heerlen" in page and "corporatiebuurt" in page


def test_profile_section_for_an_area_of_buurten(con: duckdb.DuckDBPyConnection) -> None:
    subject = resolve_subject(con, "Jol/Galjoen")  # four buurten, one of them without people
    sec = sg.profile_section(con, subject)
    neu = next(g for g in sec["groups"] if g["group"] == "herkomst_buiten_europa")
    rows = con.execute(
        """SELECT x.code, x.value, t.value FROM observation x JOIN observation t
           ON t.code = x.code AND t.year = x.year AND t.indicator_id = 'a_inw'
           JOIN regions r ON r.code = x.code AND r.year = x.year
           WHERE x.indicator_id = 'a_neu_al' AND x.year = 2024 AND r.level = 'buurt'
             AND r.gemeente_code = 'GM0995'""").fetchall()
    inside = [(x, t) for code, x, t in rows if code in subject.members]
    share = sum(x for x, _ in inside) / sum(t for _, t in inside)
    share_gm = sum(x for _, x, _ in rows) / sum(t for _, _, t in rows)
    assert neu["share"] == pytest.approx(share * 100, abs=1e-9)
    assert neu["lq"] == pytest.approx(share / share_gm, abs=1e-9)
    assert sec["tenure"] is None
    assert any("Lelystad" in n and "eigendom van woningen" in n for n in sec["notes"])


# ------------------------------------------------------------------------------ properties

_share = st.integers(min_value=0, max_value=100)


@settings(max_examples=200, deadline=None)
@given(_share, _share, _share, st.integers(min_value=1, max_value=50))
def test_tenure_diversity_bounds_symmetry_and_scale(a: int, b: int, c: int, k: int) -> None:
    rows = np.array([[a, b, c], [c, a, b], [k * a, k * b, k * c]], dtype=float)
    div = _tenure_entropy(rows)
    if a + b + c == 0:
        assert np.isnan(div).all()
        return
    assert ((div >= -1e-12) & (div <= 1 + 1e-12)).all()
    assert div[0] == pytest.approx(div[1], abs=1e-12) == pytest.approx(div[2], abs=1e-12)
    assert _tenure_entropy(np.array([[1.0, 1.0, 1.0]]))[0] == pytest.approx(1.0)
    if min(a, b, c) == 0 and sorted((a, b, c))[1] == 0:
        assert div[0] == pytest.approx(0.0, abs=1e-12)  # one kind of tenure only


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.booleans()),
                min_size=1, max_size=30))
def test_left_out_suppressed_units_stay_below_the_threshold(units: list) -> None:
    x = np.array([float(min(a, b)) for a, b, _ in units])
    t = np.array([float(max(a, b)) for a, b, _ in units])
    x = np.where([s for _, _, s in units], np.nan, x)  # suppressed group counts
    by = np.zeros(len(units), dtype=np.int64)
    dropped = _negligible([(_two(x, t), t)], by, 1)
    suppressed = np.isnan(x) & (t != 0)
    assert not (dropped.mask & ~suppressed).any()  # only suppressed units are left out
    if dropped.mask.any():
        assert dropped.mask[suppressed].all()  # all of them or none
        kept = ~suppressed & (t > 0)
        smallest = min(v for v in (x[kept].sum(), (t - x)[kept].sum()) if v > 0)
        assert dropped.total[0] <= sg.MAX_SUPPRESSED_SHARE * smallest + 1e-9


@pytest.mark.parametrize("level", ["wijk", "buurt"])
def test_stored_gemeente_parts_equal_the_parts_computed_for_one_gemeente(con, level) -> None:
    """``data build`` stores the gemeente part of the profile section of every gemeente,
    computed for all gemeenten at once; it is the part computed for that gemeente alone,
    float for float (Den Haag, Emmen, Heerlen, Groningen, Leeuwarden, Kerkrade)."""
    from wijkanalyse.segregatie.section import encode_part, gemeente_part

    stored = dict(con.execute("SELECT gemeente_code, part FROM segregatie_gemeente "
                              "WHERE level = ?", [level]).fetchall())
    assert len(stored) >= 342
    for gm in ("GM0518", "GM0114", "GM0917", "GM0014", "GM0080", "GM0928"):
        assert stored[gm] == encode_part(gemeente_part(con, gm, level)), gm


def test_profile_section_from_the_stored_part_equals_the_live_one(con) -> None:
    """The section made from the stored part (no year) and the one computed live (the year
    given) agree on every group of that year (Schildersbuurt, Den Haag)."""
    subject = resolve_subject(con, "WK051829")
    stored = sg.profile_section(con, subject)
    year = max(g["year"] for g in stored["groups"])
    live = sg.profile_section(con, subject, year=year)
    same = [g for g in stored["groups"] if g["year"] == year]
    assert len(same) >= 5
    assert same == [g for g in live["groups"] if g["year"] == year]
    assert stored["tenure"] == live["tenure"] or stored["tenure"]["year"] != year
