"""The national monitor (``wijkanalyse monitor``) on the database built from the real data."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wijkanalyse import monitor, store
from wijkanalyse.cli.monitor import monitor_command
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor import trends
from wijkanalyse.monitor.summary import summarise
from wijkanalyse.monitor.tables import (
    class_distribution,
    class_info_of,
    class_order,
    gemeente_summary,
)
from wijkanalyse.settings import resolve_settings

GENERATED_ON = date(2025, 1, 15)
PROGRAMMA_WITHOUT_LBM = {"BU07725130", "WK063701"}  # Jagershoef (Eindhoven), Meerzicht


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def prog(con) -> monitor.MonitorResult:
    return monitor.run_monitor(con, "programma-2016")


@pytest.fixture(scope="module")
def prog_files(prog: monitor.MonitorResult, tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("monitor")
    return monitor.write_monitor(prog, out, formats=monitor.FORMATS,
                                 generated_on=GENERATED_ON)


@pytest.fixture(scope="module")
def mixed(con, tmp_path_factory: pytest.TempPathFactory) -> monitor.MonitorResult:
    """A user file (generated here) with units with and without boundaries."""
    path = tmp_path_factory.mktemp("set") / "eigen-wijken.csv"
    path.write_text("code\nWK0363AB\nWK051829\nWK036101\nWK011443\nWK0363SD\n",
                    encoding="utf-8")
    return monitor.run_monitor(con, str(path))


# ------------------------------------------------------------------------ the result


def test_programma_2016_has_twelve_units_in_set_order(prog: monitor.MonitorResult) -> None:
    assert prog.n_units == 12 and prog.year == 2024
    assert prog.units["name"].tolist()[:3] == ["Selwerd", "Angelslo", "Jol/Galjoen"]
    assert prog.set_name == "programma-2016" and prog.title == "Programmawijken 2016"


def test_classes_for_units_with_leefbaarometer(prog: monitor.MonitorResult) -> None:
    units = prog.units.set_index("unit_id")
    no_series = set(units.index[units["klasse"] == "geen_reeks"])
    assert no_series == PROGRAMMA_WITHOUT_LBM
    with_lbm = units.drop(index=list(PROGRAMMA_WITHOUT_LBM))
    assert set(with_lbm["klasse"]) <= set(trends.CLASS_IDS)
    assert prog.n_classified == 10
    # the monitor's class is the trend module's class on the same series
    expected = trends.classify_trends(prog.lbm_series, year=2024).set_index("unit_id")
    assert (with_lbm["klasse"] == expected.loc[with_lbm.index, "klasse"]).all()
    # pinned from the real data (Leefbaarometer of the wijk the buurt/gebied lies in)
    assert units.at["BU00141000", "lbm_afw"] == pytest.approx(-0.141072, abs=1e-6)  # Selwerd
    assert units.at["WK011443", "lbm_afw"] == pytest.approx(-0.165922, abs=1e-6)  # Angelslo
    assert units.at["jol-galjoen", "lbm_afw"] == pytest.approx(0.017716, abs=1e-6)
    # Jol/Galjoen started below average (2002: -0,062) and is above it now: succes
    assert units.at["jol-galjoen", "klasse"] == "succes"
    assert units.at["jol-galjoen", "change_early"] == pytest.approx(0.048655, abs=1e-6)
    assert "Succes" in prog.class_info["succes"]["label"]


def test_a_buurt_shows_the_class_of_its_wijk_labelled(prog: monitor.MonitorResult) -> None:
    """Issue 13: a buurt or a set of buurten has no Leefbaarometer of its own; its row shows
    the class of the wijk it lies in, labelled as such (table, evidence, summary, HTML)."""
    units = prog.units.set_index("unit_id")
    assert units.at["jol-galjoen", "klasse_label"] == "Succes"
    assert units.at["jol-galjoen", "klasse_geldt_voor"] == "WK099506"
    assert units.at["jol-galjoen", "klasse_geldt_voor_tekst"] == (
        "klasse van wijk Kustwijk (WK099506, 13.000 inw.)")
    assert str(units.at["jol-galjoen", "evidence"]).startswith(
        "Geen eigen klasse: klasse van wijk Kustwijk (WK099506, 13.000 inw.), waarin het "
        "gebied ligt. Afwijking 2024 +0,02")
    assert units.at["BU00141000", "klasse_geldt_voor_tekst"] == (
        "klasse van wijk Noordwest (WK001410, 19.600 inw.)")
    assert units.at["BU09350201", "klasse_geldt_voor_tekst"] == (
        "klasse van wijk Buitenwijk West (WK093502, 36.335 inw.)")
    # a wijk has its own class; a buurt without a series has no class to borrow
    assert units.at["WK011443", "klasse_geldt_voor"] == ""
    assert units.at["BU07725130", "klasse_geldt_voor"] == ""
    assert prog.facts["n_klasse_van_wijk"] == 5  # Selwerd, Jol/Galjoen, Dolphia, Gestel, Mariaberg
    assert "geen eigen Leefbaarometer" in " ".join(prog.summary)
    html = monitor.render_html(prog, generated_on=GENERATED_ON)
    row = re.search(r"<td>Jol/Galjoen.*?</tr>", html, re.S)
    assert row is not None
    assert re.search(r"Succes<br><span class=\"sub geldt-voor\">klasse van wijk Kustwijk "
                     r"\(WK099506, 13\.000 inw\.\)</span>", row.group(0))


def test_distribution_and_gemeenten_add_up(prog: monitor.MonitorResult) -> None:
    dist = prog.classes.set_index("klasse")
    assert int(dist["n"].sum()) == 12
    assert int(dist.at["geen_reeks", "n"]) == 2
    classified = dist.drop(index="geen_reeks")
    assert classified["share"].sum() == pytest.approx(100.0)
    gm = prog.gemeenten
    assert int(gm["n_units"].sum()) == 12 and int(gm["n_lbm"].sum()) == 10
    for k, row in classified.iterrows():
        assert int(gm[prog.class_info[k]["label"]].sum()) == int(row["n"])
    # gemeenten with a series come first
    assert gm["n_lbm"].tolist() == sorted(gm["n_lbm"], reverse=True)


def test_summary_numbers_equal_the_class_distribution(prog: monitor.MonitorResult) -> None:
    first, second = prog.summary[0], prog.summary[1]
    assert "12 wijken in 12 gemeenten" in first and "van 10 daarvan" in first
    found = {label: int(n) for n, label in
             re.findall(r"(\d+) in de klasse (.+?)(?=, \d| en \d|\.$)", second)}
    expected = {r.klasse_label: int(r.n) for r in prog.classes.itertuples()
                if r.klasse != "geen_reeks"}
    assert found == expected
    assert prog.facts["classes"] == {r.klasse: int(r.n) for r in prog.classes.itertuples()
                                     if r.klasse != "geen_reeks"}
    assert 3 <= len(prog.summary) <= 6


def test_periods_sentence_is_traceable(prog: monitor.MonitorResult) -> None:
    f = prog.facts
    classified = prog.units[prog.units["klasse"] != "geen_reeks"]
    assert f["n_up_early"] == int((classified["change_early"] > 0).sum())
    assert f["n_down_late"] == int((classified["change_late"] < 0).sum())
    sentence = prog.summary[2]
    assert f"bij {f['n_up_early']} van de {f['n_early']} wijken" in sentence
    assert f["period_early"] == "2002–2012" and f["period_late"] == "2012–2024"


def test_no_skill_means_signals_and_no_probability(prog: monitor.MonitorResult) -> None:
    """The backtest of the model on the real data shows no skill (docs/backtest.md): the
    monitor shows the descriptive early signals, no risk, and says why with the figures."""
    ew = prog.early_warning
    assert ew["mode"] == "signalen" and ew["skill"]["shows_skill"] is False
    assert ew["skill"]["auc"] == pytest.approx(0.530, abs=5e-4)
    assert ew["skill"]["best_baseline"] == "recente_stijging"
    assert ew["statement"].startswith("Met deze gegevens is geen betrouwbare voorspelling "
                                      "van terugval te maken. In de terugtoets op 1.669 ")
    assert prog.units["risk"].isna().all() and (prog.units["risk_class"] == "").all()
    assert prog.risk_info["n"] == 0
    # Selwerd fell -0,047 since 2022: its descriptive signal
    w = prog.warnings
    assert w["unit_id"].tolist() == ["BU00141000"]
    selwerd = w.iloc[0]
    assert selwerd["lbm_change"] == pytest.approx(-0.0467, abs=5e-5)
    assert selwerd["signals"].startswith(
        "Leefbaarometer -0,047 sinds 2022 (afwijking van het landelijk gemiddelde van -0,094 "
        "naar -0,141 in 2024)")
    assert int(selwerd["n_signals"]) == 3 and prog.facts["n_warn"] == 1
    text = " ".join(prog.summary)
    assert "Een betrouwbare voorspelling van terugval is met deze gegevens niet te maken" in text
    assert "de meeste bij Selwerd (3 signalen)" in text
    assert "risico op terugval" not in text and "volgt vaker terugval" not in text
    assert int(prog.gemeenten["n_warn"].sum()) == 1


def test_both_modes_render(prog: monitor.MonitorResult) -> None:
    """Signal mode: no risk column, the statement and the signals; ranking mode (a backtest
    with skill, built by hand here): the risk per wijk and no statement."""
    import dataclasses

    from wijkanalyse.monitor.export import _sheet_frames
    from wijkanalyse.monitor.tables import warning_list

    html = monitor.render_html(prog, generated_on=GENERATED_ON)
    assert "4 Vroegsignalering: vroege signalen" in html
    assert "Met deze gegevens is geen betrouwbare voorspelling" in html
    assert "Leefbaarometer -0,047 sinds 2022" in html
    assert "risico op terugval</h2>" not in html and "kans op terugval" not in html
    sheets = _sheet_frames(prog)
    assert "Risicoscore (kans op terugval)" not in sheets["vroegsignalering"].columns
    assert "Vroege signalen" in sheets["vroegsignalering"].columns
    assert "Wijken met een vroeg signaal" in sheets["gemeenten"].columns
    assert any(sheets["toelichting"]["Onderdeel"] == "Vroegsignalering")

    units = prog.units.copy()
    scored = units["lbm_afw"].notna()
    units.loc[scored, "risk"] = 0.40
    units.loc[scored, "risk_class"] = "hoog"
    units.loc[scored, "risk_explanation"] = "X: kans 40%. Niveau laag."
    ranked = dataclasses.replace(
        prog, units=units, warnings=warning_list(units, ranking=True),
        early_warning={"mode": "ranking", "skill": None, "statement": "", "n_signals": 1},
        risk_info={"as_of": 2024, "base_rate": 0.17, "n": int(scored.sum())})
    html = monitor.render_html(ranked, generated_on=GENERATED_ON)
    assert "4 Vroegsignalering: risico op terugval" in html
    assert "hoog (40%)" in html and "Met deze gegevens is geen" not in html
    sheets = _sheet_frames(ranked)
    assert "Risicoscore (kans op terugval)" in sheets["vroegsignalering"].columns
    assert len(sheets["vroegsignalering"]) == int(scored.sum())


def test_notes_say_what_is_missing(prog: monitor.MonitorResult) -> None:
    text = " ".join(prog.notes)
    assert "Jagershoef (Eindhoven) en Meerzicht (Zoetermeer)" in text
    assert "geen Leefbaarometer-reeks" in text
    # every one of the twelve is on a map: Jol/Galjoen and Jagershoef, whose 2024 codes no
    # boundary file has, with their buurten of 2015 (the set's other_years), and it says so
    assert "wijk- of buurtgrenzen" not in text
    assert ("Op de kaart met de grenzen van een oudere indeling, omdat hun codes in geen "
            "grensbestand staan: Jol/Galjoen (Lelystad): buurt BU09952333, buurt BU09952334, "
            "buurt BU09952335 en buurt BU09952337 van 2015; Jagershoef (Eindhoven): buurt "
            "BU07721513 van 2015.") in prog.notes
    labels = {s["label"] for s in prog.sources}
    assert "Leefbaarometer 3.0, ministerie van BZK" in labels
    assert "CBS/PDOK, gemeentegrenzen 2022" in labels


# ------------------------------------------------------------------------ outputs


def test_files_are_named_after_set_and_year(prog_files: dict[str, Path]) -> None:
    assert set(prog_files) == set(monitor.FORMATS)
    for fmt, path in prog_files.items():
        assert path.name == f"monitor-programma-2016-2024.{fmt}"
        assert path.stat().st_size > 0
    assert not list(prog_files["html"].parent.glob(".*tmp*"))  # no temporary files left


def test_excel_has_named_sheets_and_the_rows_of_the_csv(prog_files: dict[str, Path]) -> None:
    sheets = pd.read_excel(prog_files["xlsx"], sheet_name=None)
    for name in ("wijken", "klassen", "gemeenten", "vroegsignalering", "typologie",
                 "bronnen"):
        assert name in sheets
    csv = pd.read_csv(prog_files["csv"])
    wijken = sheets["wijken"]
    assert len(wijken) == len(csv) == 12
    assert wijken["Code"].tolist() == csv["code"].tolist()
    assert wijken["Klasse"].fillna("").tolist() == csv["klasse"].fillna("").tolist()
    assert list(wijken.columns) == [h for _, _, h in monitor.EXPORT_COLUMNS]
    assert list(csv.columns) == [f for _, f, _ in monitor.EXPORT_COLUMNS]
    assert csv.loc[csv["code"] == "WK011443", "lbm_afwijking"].iloc[0] == pytest.approx(
        -0.165922, abs=1e-6)
    assert int(sheets["klassen"]["Aantal wijken"].sum()) == 12


def test_json_is_plain_data(prog_files: dict[str, Path]) -> None:
    data = json.loads(prog_files["json"].read_text(encoding="utf-8"))
    assert data["n_units"] == 12 and data["n_classified"] == 10
    assert len(data["units"]) == 12 and data["summary"]
    # boundaries of the same codes from the Wijk- en Buurtkaart 2015 (buurten) and the 2016
    # wijk map; Jol/Galjoen and Jagershoef (codes of 2024 that no map has) with their 2015
    # buurten
    assert "geo" not in data and data["boundaries"]["units_with_boundary"] == [
        "BU00141000", "BU01530807", "BU07725130", "BU07960205", "BU09350201", "WK011443",
        "WK039221", "WK050325", "WK060601", "WK063701", "WK092800", "jol-galjoen"]
    assert data["boundaries"]["sources"] == [
        "CBS, Wijk- en Buurtkaart 2015 (buurten)", "CBS/PDOK, Wijk- en Buurtkaart 2016",
        "CBS/PDOK, gemeentegrenzen 2022"]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.figures: list[dict] = []
        self.tables_outside_figures = 0
        self.scripts = 0
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            self.scripts += 1
        for key, value in attrs:
            if key in ("src", "href") and value and re.match(r"(?i)(https?:)?//", value):
                self.remote.append(value)
        if tag == "figure":
            self.figures.append({"text": "", "tables": 0, "svgs": 0})
        if tag == "table":
            if "figure" in self.stack:
                self.figures[-1]["tables"] += 1
            else:
                self.tables_outside_figures += 1
        if tag == "svg" and "figure" in self.stack:
            self.figures[-1]["svgs"] += 1
        if tag not in ("br", "meta", "col", "rect", "path", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "figcaption" in self.stack and self.figures:
            self.figures[-1]["text"] += data


def test_html_is_self_contained_and_cites_every_figure(prog_files: dict[str, Path]) -> None:
    html = prog_files["html"].read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(html)
    assert parser.scripts == 0 and parser.remote == []
    assert "<script" not in html.lower()
    assert not re.search(r"url\((?!#)", html)  # no external images or fonts in CSS
    assert parser.tables_outside_figures == 0
    assert parser.figures and all("Bron:" in f["text"] for f in parser.figures)
    assert sum(f["svgs"] for f in parser.figures) >= 3  # distribution, classes, map
    assert "Programmawijken 2016" in html and "Samenvatting" in html


def test_pdf_has_title_and_page_numbers(prog_files: dict[str, Path]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(prog_files["pdf"]))
    n = len(reader.pages)
    first = reader.pages[0].extract_text()
    last = reader.pages[-1].extract_text()
    assert "Programmawijken 2016" in first
    assert f"pagina 1 van {n}" in first and f"pagina {n} van {n}" in last
    assert "Monitor kwetsbare wijken" in reader.pages[1].extract_text()
    landscape = [p for p in reader.pages if float(p.mediabox.width) > float(p.mediabox.height)]
    assert landscape  # the tables of wijken and gemeenten are printed landscape


def test_pdf_keeps_every_source_line_and_the_class_table(prog_files: dict[str, Path]
                                                          ) -> None:
    """The Typst print of the monitor: every "Bron:" line of the page is in the PDF, the
    class table's figures (pinned from the real files) are there, and exactly the wide
    chapters (2 wijken, 3 gemeenten, 8 data per area) are on landscape pages."""
    from pypdf import PdfReader

    from wijkanalyse.present.htmltree import parse_page, text_of

    reader = PdfReader(str(prog_files["pdf"]))
    texts = [p.extract_text() for p in reader.pages]
    page = text_of(parse_page(prog_files["html"].read_text(encoding="utf-8")))
    assert "".join(texts).count("Bron:") == page.count("Bron:") >= 20
    lines = {line.strip() for t in texts for line in t.splitlines()}
    assert any(line.startswith("Succes 2 20% +0,019") for line in lines)  # 2 of 10, +0,019
    wide = {i for i, p in enumerate(reader.pages)
            if float(p.mediabox.width) > float(p.mediabox.height)}
    chapters = {title: next(i for i, t in enumerate(texts) if f"\n{title}\n" in t)
                for title in ("2 De wijken", "3 Per gemeente", "8 Gegevens per gebied",
                              "4 Vroegsignalering: vroege signalen", "9 Bronnen en wat ontbreekt")}
    assert {chapters["2 De wijken"], chapters["3 Per gemeente"],
            chapters["8 Gegevens per gebied"]} <= wide
    assert chapters["4 Vroegsignalering: vroege signalen"] not in wide
    assert chapters["9 Bronnen en wat ontbreekt"] not in wide and 0 not in wide


# ------------------------------------------------------------------------ boundaries


def test_user_set_with_boundaries_in_geopackage(mixed: monitor.MonitorResult,
                                                tmp_path: Path) -> None:
    import pyogrio

    assert mixed.set_kind == "bestand" and mixed.n_units == 5
    with_geom = set(mixed.units.loc[mixed.units["has_geometry"], "unit_id"])
    assert with_geom == {"WK0363AB", "WK051829", "WK036101", "WK011443"}
    paths = monitor.write_monitor(mixed, tmp_path, formats=["gpkg", "csv"])
    gdf = pyogrio.read_dataframe(paths["gpkg"], layer="wijken")
    assert len(gdf) == 5 and gdf.crs.to_epsg() == 28992
    by_code = gdf.set_index("code")
    assert by_code.loc["WK011443", "geometry"] is not None  # Angelslo: the 2016 wijk map
    assert by_code.loc["WK0363SD", "geometry"] is None  # Weesp: not in the Amsterdam map
    # Den Haag publishes buurten only: wijk 29 is composed from its buurten
    assert by_code.loc["WK051829", "geometry"].area == pytest.approx(1_464_599, rel=0.01)
    assert by_code.loc["WK0363AB", "geometry"].area == pytest.approx(946_448, rel=0.01)
    assert bool(by_code.loc["WK051829", "heeft_grens"]) is True
    series = pyogrio.read_dataframe(paths["gpkg"], layer="leefbaarometer")
    assert set(series.columns) >= {"code", "jaar", "lbm_score", "lbm_afwijking"}
    assert pd.read_csv(paths["csv"])["code"].tolist() == gdf["code"].tolist()


def test_gemeente_maps_name_neighbours_and_boundary_years(prog: monitor.MonitorResult
                                                          ) -> None:
    geo = prog.geo
    assert geo.unit_years["WK011443"] == [2016] and geo.unit_years["BU00141000"] == [2015]
    assert geo.unit_years["jol-galjoen"] == [2015] and geo.unit_years["BU07725130"] == [2015]
    # the other wijken of Emmen (2016 map), light and named
    names = {c[1] for c in geo.context["GM0114"]}
    assert {"Emmerhout", "Bargeres", "Emmen-Centrum"} <= names and "Angelslo" not in names
    emmen = monitor.gemeente_map("GM0114", "Emmen", geo, prog.units, prog.class_info)
    words = " ".join(re.findall(r">([^<>]+)</text>", emmen))
    assert ("Wijken van de set: grenzen van 2016; hun codes zijn van de indeling van 2024, "
            "waarin een grens anders kan liggen.") in words
    assert "andere wijken of buurten van de gemeente (grenzen van 2016)" in emmen
    assert "gemeente (grens van 2022)" in emmen
    assert re.search(r'<g class="namen">.*>Erica<', emmen)  # a large neighbour is named
    # Angelslo is small on the map of Emmen: a number, explained under the map
    assert "1 Angelslo" in emmen
    lelystad = monitor.gemeente_map("GM0995", "Lelystad", geo, prog.units, prog.class_info)
    assert lelystad is not None and "grenzen van 2015" in lelystad


def test_maps_colour_units_by_class(mixed: monitor.MonitorResult) -> None:
    svg = monitor.gemeente_map("GM0363", "Amsterdam", mixed.geo, mixed.units,
                               mixed.class_info)
    klasse = mixed.units.set_index("unit_id").at["WK0363AB", "klasse"]
    assert svg is not None and svg.startswith("<svg")
    assert mixed.class_info[klasse]["colour"] in svg and "Jordaan" in svg
    emmen = monitor.gemeente_map("GM0114", "Emmen", mixed.geo, mixed.units, mixed.class_info)
    assert emmen is not None and "Angelslo" in emmen  # from the 2016 wijk map
    assert monitor.gemeente_map("GM1966", "Het Hogeland", mixed.geo, mixed.units,
                                mixed.class_info) is None  # no unit of the set there
    nat = monitor.national_map(mixed.geo, mixed.units)
    assert nat.count("<path") == len(mixed.geo.gemeenten)
    assert ">Emmen<" in nat and "http://" not in nat.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


# ------------------------------------------------------------------------ nl, failures


def test_nl_runs_and_says_what_is_missing(con) -> None:
    result = monitor.run_monitor(con, "nl")
    assert result.n_units == 3393
    assert result.n_classified == int(result.lbm_series["unit_id"].nunique())
    assert 300 <= result.n_classified <= 340
    no_lbm = result.n_units - result.n_classified
    assert any(f"Van {nl_number(no_lbm)} wijken van de 3.393 is geen "
               "Leefbaarometer-reeks" in n for n in result.notes)
    assert int(result.classes["n"].sum()) == 3393
    assert len(result.gemeenten) > 300
    html = monitor.render_html(result, generated_on=GENERATED_ON)
    assert "staan hier de" in html  # only units with a class in the printed table


def test_failing_parts_become_notes(con, monkeypatch: pytest.MonkeyPatch) -> None:
    from wijkanalyse.monitor import composite, earlywarning, typology

    def broken(*_args, **_kwargs):
        raise WijkanalyseError("testfout: geen gegevens")

    for mod, name in ((composite, "composite_index"), (typology, "structural_features"),
                      (earlywarning, "unit_signals"), (earlywarning, "history_backtest")):
        monkeypatch.setattr(mod, name, broken)
    result = monitor.run_monitor(con, "programma-2016")
    assert result.n_classified == 10
    assert result.types.empty and result.warnings.empty and result.backtest is None
    # index, typology, backtest, signals; without a backtest no risk is computed at all
    assert sum("testfout" in n for n in result.notes) == 4
    assert result.early_warning["mode"] == "signalen" and result.risk_info["n"] == 0
    assert "de terugtoets kon niet worden uitgevoerd" in result.early_warning["statement"]
    html = monitor.render_html(result, generated_on=GENERATED_ON)
    assert "Er is geen typologie gemaakt" in html


def test_unknown_format_and_year(con, prog: monitor.MonitorResult, tmp_path: Path) -> None:
    with pytest.raises(WijkanalyseError, match="Onbekend formaat"):
        monitor.write_monitor(prog, tmp_path, formats=["docx"])
    assert monitor.parse_formats("rapport") == ("html", "pdf", "xlsx")
    with pytest.raises(WijkanalyseError, match="geen cijfers"):
        monitor.run_monitor(con, "programma-2016", year=1990)
    with pytest.raises(WijkanalyseError, match="nog geen cijfers"):
        monitor.run_monitor(con, "programma-2016", year=2031)


def test_peiljaar_2019_repeats_the_platform31_finding(con) -> None:
    """Up to 2019 (as Platform31 looked in 2017): 4 of the 10 programme neighbourhoods with a
    series fell back relative to the national average after 2012."""
    result = monitor.run_monitor(con, "programma-2016", year=2019)
    assert result.lbm_series["year"].max() == 2018
    assert result.facts["period_late"] == "2012–2018"
    assert (result.facts["n_down_late"], result.facts["n_late"]) == (4, 10)
    assert "(40%)" in result.summary[2] and "laatste meting 2018" in result.summary[0]
    assert any("na 2019 (2020, 2022 en 2024) zijn niet gebruikt" in n for n in result.notes)


# ------------------------------------------------------------------------ properties


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(list(trends.CLASS_IDS) + ["geen_reeks"]), min_size=1,
                max_size=40))
def test_summary_counts_any_distribution(klassen: list[str]) -> None:
    labels = {k: k.replace("_", " ").capitalize() for k in klassen}
    n = len(klassen)
    table = pd.DataFrame({
        "unit_id": [f"WK{i:06d}" for i in range(n)], "name": [f"W{i}" for i in range(n)],
        "gemeente_code": [f"GM{i % 3:04d}" for i in range(n)],
        "gemeente": [f"G{i % 3}" for i in range(n)], "klasse": klassen,
        "klasse_label": [labels[k] for k in klassen],
        "lbm_afw": [0.0] * n, "lbm_year": [2024] * n,
        "change_early": [0.01] * n, "change_late": [-0.01] * n,
        "period_early": ["2002–2012"] * n, "period_late": ["2012–2024"] * n,
        "risk": [float("nan")] * n, "risk_class": [""] * n})
    order = class_order(table["klasse"].unique().tolist())
    classes = class_distribution(table, order)
    summary, facts = summarise("Test", table, classes, table.iloc[:0],
                                      pd.DataFrame(), {}, 2024)
    n_lbm = sum(k != "geen_reeks" for k in klassen)
    assert facts["n_lbm"] == n_lbm and int(classes["n"].sum()) == n
    if n_lbm:
        found = re.findall(r"(\d+) in de klasse (.+?)(?=, \d| en \d|\.$)", summary[1])
        assert sum(int(c) for c, _ in found) == n_lbm
        assert {lab: int(c) for c, lab in found} == {
            labels[k]: klassen.count(k) for k in set(klassen) if k != "geen_reeks"}
        gm = gemeente_summary(table, order, class_info_of(table, order, {}))
        assert int(gm["n_lbm"].sum()) == n_lbm


# ------------------------------------------------------------------------ command line


def _cli(built_db: Path) -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context, db: Path = typer.Option(None, "--db")) -> None:
        ctx.obj = resolve_settings(db=db)

    root.command("monitor")(monitor_command)
    return root


def test_cli_writes_the_chosen_formats(built_db: Path, prog: monitor.MonitorResult,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_run(con, spec, *, year=None, progress=None):
        calls.append((spec, year))
        return prog

    monkeypatch.setattr(monitor, "run_monitor", fake_run)
    result = CliRunner().invoke(_cli(built_db), [
        "--db", str(built_db), "monitor", "programma-2016", "--jaar", "2024", "--out",
        str(tmp_path), "--format", "csv,xlsx"])
    assert result.exit_code == 0, result.output
    assert calls == [("programma-2016", 2024)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "monitor-programma-2016-2024.csv", "monitor-programma-2016-2024.xlsx"]
    assert "12 wijken, 10 met een klasse" in result.output


def test_cli_errors_are_dutch(built_db: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(_cli(built_db), ["--db", str(built_db), "monitor", "programma-2016",
                                         "--format", "docx"])
    assert bad.exit_code == 1 and "Onbekend formaat" in bad.output
    unknown = runner.invoke(_cli(built_db), ["--db", str(built_db), "monitor",
                                             "programma-2061"])
    assert unknown.exit_code == 1 and "programma-2016" in unknown.output


def test_monitor_numbers_and_plurals_read_as_dutch(con, prog_files: dict[str, Path]) -> None:
    """Issue 13: no signed zero ("-0,000"), no "x 1 000 euro", no plural after 1 ("44 wijken
    in 1 gemeenten" was the subtitle of a one-gemeente monitor)."""
    import html as html_lib
    import re

    faults = re.compile(r"(?<![\d.,])[-+−]0(?:,0+)?(?![\d,])|x 1 000 euro|"
                        r"(?<![\d.,])1 (?:gemeenten|wijken|gebieden|jaren)\b")

    def text(page: str) -> str:
        page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
        return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))

    programme = text(prog_files["html"].read_text(encoding="utf-8"))
    assert not faults.findall(programme)
    den_haag = monitor.run_monitor(con, "gemeente:Den Haag")
    page = text(monitor.render_html(den_haag, generated_on=GENERATED_ON))
    assert f"{den_haag.n_units} wijken in 1 gemeente ·" in page
    assert not faults.findall(page)
