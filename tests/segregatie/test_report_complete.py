"""Issue 14 item 4: a segregation report without holes, labelled right — on the real data
(Amsterdam 2019 and Den Haag 2019 from ../shared/data).

Pinned figures are the KWB values; where possible they are recomputed here from the
observation view with plain numpy (D, the gemeente share of a group, persons outside private
households).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from wijkanalyse import segregatie as sg
from wijkanalyse import store
from wijkanalyse.cli import segregatie as cli_segregatie
from wijkanalyse.settings import resolve_settings


@pytest.fixture(scope="module")
def con(built_db: Path) -> duckdb.DuckDBPyConnection:
    c = store.connect(built_db, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def ams(con: duckdb.DuckDBPyConnection) -> sg.SegregationResult:
    return sg.segregatie("Amsterdam", year=2019, db=con)


@pytest.fixture(scope="module")
def ams_html(ams: sg.SegregationResult) -> str:
    return sg.render_html(ams)


def _wide(con: duckdb.DuckDBPyConnection, gemeente: str, year: int,
          indicators: list[str]) -> dict[str, np.ndarray]:
    """Per buurt of the gemeente the values of ``indicators`` (NaN where missing), by code."""
    rows = con.execute(
        """SELECT r.code, o.indicator_id, o.value FROM regions r JOIN observation o
           ON o.code = r.code AND o.year = r.year
           WHERE r.level = 'buurt' AND r.gemeente_code = ? AND r.year = ?
             AND list_contains(?, o.indicator_id)""", [gemeente, year, indicators]).fetchall()
    codes = sorted({c for c, _i, _v in rows})
    pos = {c: k for k, c in enumerate(codes)}
    out = {i: np.full(len(codes), np.nan) for i in indicators}
    for c, i, v in rows:
        out[i][pos[c]] = np.nan if v is None else float(v)
    out["code"] = np.array(codes)
    return out


# ------------------------------------------------------------------------------ corporatiebuurt


def test_corporatiebuurt_is_marked_in_every_output_and_matches_the_summary(
        ams: sg.SegregationResult, ams_html: str, tmp_path: Path) -> None:
    mix, spread = ams.housing_mix, ams.housing_spread
    marked = mix["corporatiebuurt"].fillna(False).astype(bool)
    assert int(marked.sum()) == int(spread["n_corporatiebuurten"].iloc[0]) == 60
    # a buurt with 100% corporation housing is marked (Holendrecht West, 2019)
    holendrecht = mix[mix["code"] == "BU03639600"].iloc[0]
    assert holendrecht["share_corporation"] == 100.0 and bool(holendrecht["corporatiebuurt"])
    # HTML: the unit table says ja for exactly those 60 rows (it was empty in all rows)
    units = ams_html[ams_html.index("Eigendom per buurt, 2019"):]
    units = units[:units.index("</table>")]
    assert units.count("<td>ja</td>") == 60
    assert units.count("<td>nee</td>") == 349 and units.count("<td>onbekend</td>") == 70
    assert re.search(r"<td>Holendrecht West</td>.*?<td>ja</td></tr>", units)
    # JSON (--tabel woningvoorraad) and Excel
    rows = json.loads(sg.index_json(sg.result_table(ams, "woningvoorraad")))
    assert sum(r["corporatiebuurt"] == "ja" for r in rows) == 60
    path = sg.write_xlsx(ams, tmp_path / "s.xlsx")
    sheet = list(openpyxl.load_workbook(path)["woningvoorraad"].iter_rows(values_only=True))
    col = sheet[0].index("corporatiebuurt")
    assert sum(r[col] == "ja" for r in sheet[1:]) == 60


# ------------------------------------------------------------------------------ income groups


def test_income_groups_carry_their_cbs_definition(
        con: duckdb.DuckDBPyConnection, ams: sg.SegregationResult, ams_html: str) -> None:
    labels = dict(zip(ams.groups["group"], ams.groups["group_label"], strict=True))
    assert labels["inkomen_onder_p40"] == (
        "Huishoudens met een inkomen onder het landelijke 40%-percentiel")
    assert labels["laag_inkomen"] == "Huishoudens met een laag inkomen"
    assert labels["sociaal_minimum_110"] == "Huishoudens tot 110% van het sociaal minimum"
    definition = dict(zip(ams.groups["group"], ams.groups["definition"], strict=True))
    assert "p_hh_lkk" in definition["laag_inkomen"]
    assert "lage-inkomensgrens" in definition["laag_inkomen"]
    assert "p_hh_li" in definition["inkomen_onder_p40"]
    assert "lage-inkomensgrens" in ams_html and "40%-percentiel" in ams_html
    years = dict(zip(ams.groups["group"], ams.groups["years"], strict=True))
    assert years["sociaal_minimum_110"] == "2019"  # p_hh_110 is not in the 2017 file
    # the share in the gemeente: lowest 40% ≈ 51%, CBS laag inkomen 12,8% (the gemeente row)
    local = ams.local.drop_duplicates("group").set_index("group")
    assert local.loc["laag_inkomen", "share_gemeente"] == pytest.approx(12.8)
    w = _wide(con, "GM0363", 2019, ["p_hh_li", "a_hh"])
    ok = np.isfinite(w["p_hh_li"]) & np.isfinite(w["a_hh"]) & (w["a_hh"] > 0)
    expected = float((w["p_hh_li"][ok] * w["a_hh"][ok] / 100).sum() / w["a_hh"][ok].sum())
    assert local.loc["inkomen_onder_p40", "share_gemeente"] == pytest.approx(expected * 100)
    assert expected * 100 == pytest.approx(51.05, abs=0.01)


# ------------------------------------------------------------------------------ bijstand


def test_bijstand_has_indices_per_buurt_with_the_bound_stated(
        con: duckdb.DuckDBPyConnection, ams: sg.SegregationResult) -> None:
    row = ams.indices[(ams.indices["group"] == "bijstand")
                      & (ams.indices["index"] == "D")].iloc[0]
    w = _wide(con, "GM0363", 2019, ["a_soz_wb", "a_inw"])
    x, t = w["a_soz_wb"], w["a_inw"]
    keep = np.isfinite(x) & np.isfinite(t) & (t > 0)
    suppressed = ~np.isfinite(x) & (t > 0)
    assert int(suppressed.sum()) == 35 and t[suppressed].sum() == 705
    y = t[keep] - x[keep]
    plain = 0.5 * float(np.abs(x[keep] / x[keep].sum() - y / y.sum()).sum())
    assert row["value"] == pytest.approx(plain, abs=1e-12)
    assert row["value"] == pytest.approx(0.297670, abs=1e-6)
    # the bound: 705 inhabitants of 40.430 persons with bijstand (1,7%) -> D within 0,02
    assert x[keep].sum() == 40430
    assert ("35 buurten zonder cijfer (geheim of ontbrekend) met samen 705 inwoners "
            "weggelaten: samen 1,7% van de kleinste groep, D verandert daardoor hoogstens "
            "0,02") in row["note"]
    # WW: the same 705 inhabitants are 5,4% of the persons with WW, too many to leave out
    ww = ams.indices[(ams.indices["group"] == "ww_uitkering")
                     & (ams.indices["index"] == "D")].iloc[0]
    assert np.isnan(ww["value"])
    assert "(samen 705 inwoners, 5,4% van de kleinste groep, weglaten mag tot 5%)" in ww["note"]


def test_bijstand_uitkeringen_2015_per_buurt_in_another_gemeente(
        con: duckdb.DuckDBPyConnection) -> None:
    # the Wijk- en Buurtkaart 2015 has WWB_UITTOT for every buurt of Nederland (uitkeringen)
    dh = sg.segregatie("Den Haag", year=2015, db=con, groups=["bijstand_uitkeringen"])
    d = dh.indices[dh.indices["index"] == "D"].iloc[0]
    assert d["group_label"] == "Bijstandsuitkeringen (WWB, tot en met 2015)"
    w = _wide(con, "GM0518", 2015, ["wwb_uittot", "a_inw"])
    x, t = w["wwb_uittot"], w["a_inw"]
    keep = np.isfinite(x) & np.isfinite(t) & (t > 0)
    y = t[keep] - x[keep]
    assert d["value"] == pytest.approx(
        0.5 * float(np.abs(x[keep] / x[keep].sum() - y / y.sum()).sum()), abs=1e-12)
    assert d["value"] == pytest.approx(0.337498, abs=1e-6)
    assert "1 buurt zonder cijfer (geheim of ontbrekend) met samen 25 inwoners" in d["note"]
    # Emmen: 9 buurten without a figure, too many to leave out: no index, and why
    emmen = sg.segregatie("Emmen", year=2015, db=con, groups=["bijstand_uitkeringen"])
    e = emmen.indices[emmen.indices["index"] == "D"].iloc[0]
    assert np.isnan(e["value"]) and "niet berekend: 9 van de 83" in e["note"]


# ------------------------------------------------------------------------------ woonvormen


def test_special_purpose_housing_is_flagged_by_the_stated_rule(
        con: duckdb.DuckDBPyConnection, ams: sg.SegregationResult, ams_html: str) -> None:
    sp = ams.special.set_index("code")
    assert len(sp) == 27
    assert sp.loc["BU03635608", "kind"] == "studentenhuisvesting"  # Science Park Zuid
    assert sp.loc["BU03635608", "share_15_24"] == pytest.approx(160 / 265 * 100)
    # Ookmeer: 265 inhabitants, 10 households of 1,1 persons: 265 − 10 × 1,15 outside
    assert sp.loc["BU03638000", "kind"] == "instellingen"
    assert sp.loc["BU03638000", "outside_households"] == pytest.approx(253.5)
    assert "Sportpark Middenmeer Noord (studentenhuisvesting)" in " ".join(ams.notes)
    # the top concentrations of bijstand carry the mark
    top = ams.local[(ams.local["group"] == "bijstand") & ams.local["concentration"]]
    top = top.sort_values("lq", ascending=False).head(2)
    assert list(top["special_housing"]) == ["studentenhuisvesting"] * 2
    assert sg.rule_text() in ams_html.replace("&#39;", "'")
    assert "<td>studenten</td>" in ams_html


def test_den_haag_institutions_computed_from_the_kerncijfers(
        con: duckdb.DuckDBPyConnection) -> None:
    dh = sg.segregatie("Den Haag", year=2019, db=con, groups=["leeftijd"])
    w = _wide(con, "GM0518", 2019, ["a_inw", "a_hh", "g_hhgro"])
    k = int(np.flatnonzero(w["code"] == "BU05183960")[0])  # Binckhorst
    outside = w["a_inw"][k] - w["a_hh"][k] * (w["g_hhgro"][k] + 0.05)
    row = dh.special.set_index("code").loc["BU05183960"]
    assert row["outside_households"] == pytest.approx(outside) == pytest.approx(1557.25)
    assert row["kind"] == "instellingen" and len(dh.special) == 6


def test_without_special_housing_leaves_those_buurten_out(
        con: duckdb.DuckDBPyConnection, ams: sg.SegregationResult) -> None:
    without = sg.segregatie("Amsterdam", year=2019, db=con, without_special=True,
                            groups=["leeftijd", "inkomen"])
    before = ams.indices.set_index(["group", "index"])
    after = without.indices.set_index(["group", "index"])
    assert before.loc[("leeftijd_15_24", "D"), "n_units"] == 479
    assert after.loc[("leeftijd_15_24", "D"), "n_units"] == 479 - 27
    assert after.loc[("leeftijd_15_24", "D"), "value"] == pytest.approx(0.112446, abs=1e-6)
    assert before.loc[("leeftijd_15_24", "D"), "value"] == pytest.approx(0.148902, abs=1e-6)
    # students are left out of "laag inkomen" by CBS: without their buurten it is computable
    assert np.isnan(before.loc[("laag_inkomen", "D"), "value"])
    assert after.loc[("laag_inkomen", "D"), "value"] == pytest.approx(0.199344, abs=1e-6)
    assert not set(without.local["code"]) & set(ams.special["code"])
    assert without.without_special and "weggelaten uit de indexen" in without.notes[-1]


# ------------------------------------------------------------------------------ change rows


def test_change_rows_say_why_they_are_missing(ams: sg.SegregationResult,
                                               ams_html: str) -> None:
    ch = ams.change
    missing = ch[ch["change"].isna()]
    assert len(missing) and (missing["reason"].str.len() > 20).all()
    ao = missing[(missing["group"] == "ao_uitkering") & (missing["index"] == "D")].iloc[0]
    assert ao["reason"] == (
        "38 buurten zonder cijfer (geheim) in 2017 of 2019, samen tot 1.810 inwoners: 5,4% "
        "van de kleinste groep, meer dan de 5% die weggelaten mag worden")
    smin = missing[missing["group"] == "sociaal_minimum_110"].iloc[0]
    assert "(p_hh_110) ontbreekt in de gegevens van 2015 en 2017" in smin["reason"]
    lage = missing[(missing["group"] == "laag_inkomen") & (missing["year_from"] == 2015)]
    assert lage["reason"].iloc[0].startswith("grenswijziging: geen buurten van 2015")
    # computed now: bijstand 2017–2019 (38 buurten left out within the bound)
    bij = ch[(ch["group"] == "bijstand") & (ch["index"] == "D")].iloc[0]
    assert bij["change"] == pytest.approx(bij["value_to"] - bij["value_from"])
    section = ams_html[ams_html.index('id="verandering"'):ams_html.index('id="concentraties"')]
    assert ">–<" not in section
    assert "Personen met een arbeidsongeschiktheidsuitkering, 2017–2019: geen verandering: " \
        "38 buurten zonder cijfer" in section
    assert not re.search(r"-0,0+(?![0-9])", ams_html)


# ------------------------------------------------------------------------------ command


def _root() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context, db: Path = typer.Option(None, "--db")) -> None:
        ctx.obj = resolve_settings(db=db)

    root.add_typer(cli_segregatie.app, name="segregatie")
    return root


def test_cli_table_and_without_special_housing(built_db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(_root(), [
        "--db", str(built_db), "segregatie", "Amsterdam", "--jaar", "2019", "--format", "json",
        "--tabel", "bijzondere_woonvormen", "--zonder-bijzondere-woonvormen"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 27 and {r["year"] for r in rows} == {2019}
    bad = runner.invoke(_root(), ["--db", str(built_db), "segregatie", "Amsterdam", "--format",
                                  "json", "--tabel", "alles"])
    assert bad.exit_code != 0 and "Onbekende tabel 'alles'" in bad.output
