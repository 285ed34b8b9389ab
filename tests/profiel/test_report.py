"""The wijkprofiel report: HTML (self-contained, escaped, Dutch), PDF and written files.

Most tests render a profile built here by hand for Moerwijk (WK051836, 's-Gravenhage, 2019): the
wijk's figures and its Leefbaarometer 2002–2024 are the real values from ../shared/data; the
income figures (suppressed in the real 2019 file) and the business count are set to round
values the assertions can pin (18,0% and 1.234). One test renders a profile built from the
real database by ``wijkanalyse.profiel.assemble.build_profile`` when that module exists.
"""

from __future__ import annotations

import copy
import html
import importlib.util
import inspect
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.fmt import change, difference, format_value
from wijkanalyse.model import (
    Evidence,
    Figure,
    KeyFigure,
    Location,
    Peer,
    PeerGroup,
    Profile,
    Series,
    SeriesPoint,
    Signal,
    SourceRef,
    Story,
    Subject,
    to_dict,
)
from wijkanalyse.present import charts
from wijkanalyse.profiel import report

KWB19 = "CBS, Kerncijfers Wijken en Buurten 2019"
KWB17 = "CBS, Kerncijfers Wijken en Buurten 2017"
KWB21 = "CBS, Kerncijfers Wijken en Buurten 2021"
KWB24 = "CBS, Kerncijfers Wijken en Buurten 2024"
LBM = "Leefbaarometer 3.0, ministerie van BZK"
TODAY = date(2025, 3, 5)

SECTION_HEADINGS = [
    "Samenvatting",
    "1 Kerncijfers",
    "2 Ontwikkeling",
    "3 Opgaven en signalen",
    "4 Aanpakken en verhalen",
    # issue 13: the body answers the four questions; the rest is appendix
    "Bijlage A Alle indicatoren",
    "Bijlage B Vergelijkbare wijken",
    "Bijlage C Ligging",
    "Bijlage D Bronnen",
]

# --------------------------------------------------------------------------------------------
# a realistic profile


def _kf(indicator_id: str, label: str, unit: str, domain: str, kind: str, better: str | None,
        area: float | None, gemeente: float | None, nederland: float | None,
        peers: float | None, *, source: str = KWB19, reason: str | None = None) -> KeyFigure:
    # decimals and sign from the catalogue, as profiel.figures gives them
    ind = load_catalogue()[indicator_id]
    d_g, d_g_text = difference(area, gemeente, unit=unit, kind=kind, decimals=ind.decimals)
    d_n, d_n_text = difference(area, nederland, unit=unit, kind=kind, decimals=ind.decimals)
    assessment = None
    if better and d_g is not None:
        higher = d_g > (0 if unit == "%" or kind == "score" else 100)
        assessment = "gunstig" if higher == (better == "higher") else "ongunstig"
    return KeyFigure(
        indicator_id=indicator_id, label=label, unit=unit, domain=domain, kind=kind,
        better=better, year=2019,
        area=Figure(area, 2019, source if area is not None else None,
                    reason=reason if area is None else None),
        gemeente=Figure(gemeente, 2019, source if gemeente is not None else None,
                        reason=None if gemeente is not None else
                        "Geen cijfer van de gemeente in 2019."),
        nederland=Figure(nederland, 2019, source if nederland is not None else None),
        peers=Figure(peers, 2019, source if peers is not None else None,
                     complete=indicator_id != "g_woz",
                     reason="2 van de 10 vergelijkbare wijken zonder cijfer."
                     if indicator_id == "g_woz" else None),
        diff_gemeente=d_g, diff_gemeente_text=d_g_text, diff_nederland=d_n,
        diff_nederland_text=d_n_text, assessment=assessment, decimals=ind.decimals,
        signed=ind.signed,
    )


def _series(indicator_id: str, label: str, unit: str, domain: str, better: str | None,
            kind: str, rows: list[tuple[int, float | None, float | None, float | None, str]],
            *, note: str | None = None) -> Series:
    points = [SeriesPoint(year=y, area=a, gemeente=g, nederland=n, source=s)
              for y, a, g, n, s in rows]
    present = [p for p in points if p.area is not None]
    first, prev, last = present[0], present[-2], present[-1]
    ind = load_catalogue()[indicator_id]
    c1, c1_text = change(first.area, last.area, unit=unit, kind=kind, decimals=ind.decimals)
    c2, c2_text = change(prev.area, last.area, unit=unit, kind=kind, decimals=ind.decimals)
    return Series(indicator_id=indicator_id, label=label, unit=unit, domain=domain,
                  better=better, points=points, change_first=c1, change_first_text=c1_text,
                  change_previous=c2, change_previous_text=c2_text, note=note,
                  decimals=ind.decimals, signed=ind.signed)


LBM_YEARS = [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024]
LBM_SCORE = [3.891145, 3.799902, 3.785651, 3.808649, 3.805480, 3.821357, 3.837954, 3.879725,
             3.872545]
LBM_DIMS = {  # real Moerwijk values 2014, 2018, 2020, 2022, 2024 (none before 2014, none 2016)
    "lbm_fys": [-0.014115, -0.020902, -0.013701, -0.010349, -0.010563],
    "lbm_onv": [-0.207105, -0.202313, -0.209825, -0.207885, -0.214151],
    "lbm_soc": [-0.095615, -0.094591, -0.093721, -0.092084, -0.092252],
    "lbm_vrz": [0.131406, 0.155362, 0.176145, 0.193866, 0.191494],
    "lbm_won": [-0.108187, -0.118463, -0.123208, -0.106088, -0.104247],
}
DIM_YEARS = [2014, 2018, 2020, 2022, 2024]


def _lbm_series() -> list[Series]:
    out = [_series("lbm", "Leefbaarheid (Leefbaarometer-score)", "score", "leefbaarheid",
                   "higher", "score", [(y, v, None, None, LBM) for y, v in
                                       zip(LBM_YEARS, LBM_SCORE, strict=True)])]
    labels = {"lbm_fys": "Leefbaarheid dimensie fysieke omgeving",
              "lbm_onv": "Leefbaarheid dimensie overlast en onveiligheid",
              "lbm_soc": "Leefbaarheid dimensie sociale samenhang",
              "lbm_vrz": "Leefbaarheid dimensie voorzieningen",
              "lbm_won": "Leefbaarheid dimensie woningvoorraad"}
    for dim, values in LBM_DIMS.items():
        by_year = dict(zip(DIM_YEARS, values, strict=True))
        out.append(_series(dim, labels[dim], "score", "leefbaarheid", "higher", "score",
                           [(y, by_year.get(y), None, None, LBM) for y in LBM_YEARS]))
    return out


def _peers() -> PeerGroup:
    names = [("WK051833", "Bouwlust en Vrederust", "'s-Gravenhage"),
             ("WK051838", "Laakkwartier en Spoorwijk", "'s-Gravenhage"),
             ("WK036347", "Slotermeer-Zuidwest", "Amsterdam"),
             ("WK036380", "Osdorp-Midden", "Amsterdam"),
             ("WK034405", "Kanaleneiland", "Utrecht"),
             ("WK059901", "Schiedam-Oost", "Schiedam"),
             ("WK014501", "Selwerd", "Groningen"),
             ("WK091701", "Heerlen-Noord", "Heerlen"),
             ("WK050301", "Buitenhof", "Delft"),
             ("WK039201", "Meerwijk", "Haarlem")]
    peers = []
    for rank, (code, name, gm) in enumerate(names, start=1):
        series = [SeriesPoint(year=y, area=3.70 + 0.01 * rank + 0.004 * k, source=LBM)
                  for k, y in enumerate(LBM_YEARS)] if rank != 7 else []
        first, last = (series[0].area, series[-1].area) if series else (None, None)
        c, c_text = change(first, last, unit="score", kind="score")
        peers.append(Peer(code=code, name=name, gemeente_name=gm,
                          distance=round(0.31 + 0.07 * rank, 2), rank=rank,
                          reasons=[f"vergelijkbaar aantal inwoners ({format_value(21300 - 400 * rank, unit='aantal', kind='count')} tegen 21.300)",  # noqa: E501
                                   "vergelijkbaar aandeel corporatiewoningen"],
                          lbm_change=c, lbm_change_text=c_text, lbm_series=series))
    return PeerGroup(level="wijk", year=2019,
                     indicators=["a_inw", "bev_dich", "p_wcorpw", "p_bjj2k", "g_hhgro"],
                     method="Gelijkenis op vijf structuurkenmerken (gestandaardiseerde "
                            "euclidische afstand) onder alle wijken met ten minste 1.000 "
                            "inwoners.",
                     peers=peers, source=KWB19)


def moerwijk_profile() -> Profile:
    """A profile of Moerwijk ('s-Gravenhage) for 2019, as profile.py would fill it."""
    subject = Subject(kind="wijk", id="WK051836", name="Moerwijk", gemeente_code="GM0518",
                      gemeente_name="'s-Gravenhage", level="wijk", members=["WK051836"],
                      wijk_codes=["WK051836"])
    key_figures = [
        _kf("a_inw", "Aantal inwoners", "aantal", "bevolking", "count", None,
            21300, 537833, 17282163, 19850),
        _kf("bev_dich", "Bevolkingsdichtheid", "inwoners per km²", "bevolking", "rate", None,
            11936, 6523, 513, 9870),
        _kf("a_00_14", "Inwoners 0 tot 15 jaar", "aantal", "bevolking", "count", None,
            4485, 92532, 2739819, 3510),
        _kf("a_65_oo", "Inwoners 65 jaar of ouder", "aantal", "bevolking", "count", None,
            2295, 78020, 3314004, 2840),
        _kf("a_nw_all", "Niet-westerse migratieachtergrond", "aantal", "bevolking", "count",
            None, 13085, 193599, 2311867, 9120),
        _kf("a_hh", "Huishoudens totaal", "aantal", "huishoudens", "count", None,
            10890, 263371, 7924691, 9650),
        _kf("g_hhgro", "Gemiddelde huishoudensgrootte", "personen per huishouden",
            "huishoudens", "mean", None, 1.9, 2.0, 2.1, 2.0),
        _kf("a_woning", "Woningvoorraad", "aantal", "wonen", "count", None,
            10431, 259264, 7814912, 9420),
        _kf("g_woz", "Gemiddelde WOZ-waarde van woningen", "x 1 000 euro", "wonen", "mean",
            None, 118, 241, 250, 142),
        _kf("p_koopw", "Koopwoningen", "%", "wonen", "rate", None, 17, 43, 57, 24),
        _kf("p_wcorpw", "Huurwoningen in bezit van woningcorporaties", "%", "wonen", "rate",
            None, 67, 31, 29, 58),
        _kf("p_leegsw", "Onbewoonde woningen", "%", "wonen", "rate", "lower", 5, 8, 4, 6),
        _kf("p_bjj2k", "Bouwjaar voor 2000", "%", "wonen", "rate", None, 92, 83, 84, 88),
        _kf("p_hh_li", "Huishoudens met een laag inkomen", "%", "inkomen", "rate", "lower",
            18.0, 11.0, 8.5, 15.2),
        _kf("g_ink_pi", "Gemiddeld inkomen per inwoner", "x 1 000 euro", "inkomen", "mean",
            "higher", None, None, 27.1, 21.4,
            reason="Geheim (CBS-teken 'x') voor Moerwijk in 2019."),
        _kf("a_soz_wb", "Personen met een bijstandsuitkering", "aantal", "sociale zekerheid",
            "count", None, 2480, 25280, 431360, 1890),
        _kf("a_soz_ww", "Personen met een WW-uitkering", "aantal", "sociale zekerheid",
            "count", None, 350, 7740, 230180, 330),
        _kf("a_soz_ao", "Personen met een arbeidsongeschiktheidsuitkering", "aantal",
            "sociale zekerheid", "count", None, 1290, 23100, 735350, 1010),
        _kf("a_opl_lg", "Opleidingsniveau laag", "aantal", "onderwijs", "count", None,
            7710, 128180, 3746290, 6120),
        _kf("a_bedv", "Bedrijfsvestigingen", "aantal", "bedrijvigheid", "count", None,
            1234, 61250, 1893390, 1010),
        _kf("g_pau_hh", "Personenauto's per huishouden", "per huishouden", "mobiliteit",
            "mean", None, 0.5, 0.7, 1.1, 0.6),
        _kf("lbm", "Leefbaarheid (Leefbaarometer-score)", "score", "leefbaarheid", "score",
            "higher", 3.821357, 3.95, None, 3.78, source=LBM),
    ]
    series = [
        _series("a_inw", "Aantal inwoners", "aantal", "bevolking", None, "count",
                [(2019, 21300, 537833, 17282163, KWB19), (2021, 20995, 548320, None, KWB21),
                 (2024, 21555, 566221, 17942942, KWB24)]),
        _series("p_hh_li", "Huishoudens met een laag inkomen", "%", "inkomen", "lower", "rate",
                [(2015, 15.5, 10.8, 8.9, "CBS, Kerncijfers Wijken en Buurten 2015"),
                 (2017, 16.9, 11.2, 8.7, KWB17), (2019, 18.0, 11.0, 8.5, KWB19)]),
        _series("g_hhgro", "Gemiddelde huishoudensgrootte", "personen per huishouden",
                "huishoudens", None, "mean",
                [(2019, 1.9, 2.0, 2.1, KWB19), (2021, 2.0, 2.0, None, KWB21)]),
    ]
    signals = [
        Signal(rule_id="laag_inkomen_hoog", severity=3, severity_label="ernstig",
               domain="inkomen", title="Veel huishoudens met een laag inkomen",
               text="Het aandeel huishoudens met een laag inkomen, 18,0%, ligt ver boven dat "
                    "van de gemeente, 11,0%, en is gestegen sinds 2015 (15,5%).",
               evidence=[
                   Evidence("p_hh_li", "Huishoudens met een laag inkomen", "wijk", 2019, 18.0,
                            "18,0%", KWB19),
                   Evidence("p_hh_li", "Huishoudens met een laag inkomen", "gemeente", 2019,
                            11.0, "11,0%", KWB19),
                   Evidence("p_hh_li", "Huishoudens met een laag inkomen", "wijk", 2015, 15.5,
                            "15,5%", "CBS, Kerncijfers Wijken en Buurten 2015")]),
        Signal(rule_id="corporatiebezit_hoog", severity=1, severity_label="om te volgen",
               domain="wonen", title="Eenzijdige woningvoorraad",
               text="Twee op de drie woningen (67,0%) zijn van een corporatie; in de gemeente "
                    "is dat 31,0%.",
               evidence=[Evidence("p_wcorpw", "Huurwoningen in bezit van woningcorporaties",
                                  "wijk", 2019, 67.0, "67,0%", KWB19)]),
        Signal(rule_id="leefbaarheid_onder_gemiddeld", severity=2, severity_label="aandacht",
               domain="leefbaarheid", title="Overlast en onveiligheid drukken de leefbaarheid",
               text="De dimensie overlast en onveiligheid ligt met -0,21 duidelijk onder het "
                    "landelijk gemiddelde en is sinds 2014 niet verbeterd.",
               evidence=[Evidence("lbm_onv", "Leefbaarheid dimensie overlast en onveiligheid",
                                  "wijk", 2024, -0.214151, "-0,21", LBM),
                         Evidence("lbm_onv", "Leefbaarheid dimensie overlast en onveiligheid",
                                  "wijk", 2014, -0.207105, "-0,21", LBM)]),
    ]
    location = Location(has_map=False, centroid=(4.2931, 52.0512),
                        gemeente_centroid=(4.3127, 52.0799), distance_to_centre_km=3.5,
                        area_km2=1.8, source=None,
                        note="Geen grenzen geladen voor wijk Moerwijk; de kaart ontbreekt.")
    md_verhaal = ("Gesprek met bewoners van de Zuiderparklaan over de **speelplekken**.\n\n"
                  "<script>alert('x')</script>")
    stories = [
        Story(story_id=1, kind="verhaal", area_code="WK051836",
              title="Bewoners over de <b>buitenruimte</b>", author="A. de Vries",
              date="2024-03-05", body_markdown=md_verhaal,
              body_html="<p>" + html.escape(md_verhaal) + "</p>", tags=["buitenruimte"]),
        Story(story_id=2, kind="verhaal", area_code="WK051836",
              title="Veldnotitie winkelcentrum", author="B. Yilmaz", date="2023-11-20",
              body_markdown="Leegstand in het winkelcentrum *De Leyweg*.",
              body_html="<p>Leegstand in het winkelcentrum <em>De Leyweg</em>.</p>"),
    ]
    return Profile(
        subject=subject, year=2019, years_available=[2019, 2021, 2024],
        key_figures=key_figures, series=series, leefbaarometer=_lbm_series(),
        signals=signals, peers=_peers(), location=location, stories=stories, approaches=[],
        sources=[
            SourceRef(KWB19, "kwb_2019_denhaag_statline_export.csv", "84583NED", 2019,
                      "CC BY 4.0"),
            SourceRef(KWB21, "odata_kwb2021_denhaag_subset.csv", "85039NED", 2021,
                      "CC BY 4.0"),
            SourceRef(KWB24, "odata_85984NED_kwb2024", "85984NED", 2024, "CC BY 4.0"),
            SourceRef(LBM, "lbm3_scores_wijken_2002_2024_selection.csv", None, None, None),
        ],
        missing=[
            "Gemiddeld inkomen per inwoner: geheim voor Moerwijk in 2019.",
            "Geen wijk- of buurtgrenzen van 's-Gravenhage op wijkniveau geladen; daarom geen "
            "kaart.",
            "Geen cijfers voor Nederland in 2021.",
        ],
        generated_with="wijkanalyse 0.1.0",
    )


# --------------------------------------------------------------------------------------------
# a small DOM from the standard library parser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        if self.tag == "br":
            return "\n"
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for c in self.children:
            if isinstance(c, Node):
                if tag is None or c.tag == tag:
                    yield c
                yield from c.iter(tag)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def ancestor(self, tag: str) -> Node | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):  # noqa: ANN001
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):  # noqa: ANN001
        self.current.children.append(data)


def parse(text: str) -> Node:
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def profile() -> Profile:
    return moerwijk_profile()


@pytest.fixture(scope="module")
def page(profile: Profile) -> str:
    return report.render_html(profile, generated_on=TODAY)


@pytest.fixture(scope="module")
def dom(page: str) -> Node:
    return parse(page)


def section(dom: Node, section_id: str) -> Node:
    return next(s for s in dom.iter("section") if s.attrs.get("id") == section_id)


def row_of(dom: Node, label: str) -> list[str]:
    for tr in dom.iter("tr"):
        cells = [squash(td.text()) for td in tr.iter("td")]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"geen rij {label!r}")


# --------------------------------------------------------------------------------------------
# HTML


def test_all_sections_present_in_order(dom: Node) -> None:
    headings = [squash(h.text()) for h in dom.iter("h2")]
    assert headings == SECTION_HEADINGS
    h3 = {squash(h.text()) for h in dom.iter("h3")}
    assert {"Leefbaarometer", "Aanpakken", "Verhalen", "Ontbrekende gegevens"} <= h3


def test_header_names_subject_gemeente_level_and_year(dom: Node) -> None:
    assert squash(next(dom.iter("h1")).text()) == "Moerwijk"
    subtitle = squash(next(p for p in dom.iter("p") if "subtitle" in p.classes()).text())
    assert subtitle == "Wijk in gemeente 's-Gravenhage · code WK051836 · kerncijfers 2019"
    assert "Jaren met gegevens: 2019, 2021, 2024" in squash(dom.text())
    assert "Gemaakt met wijkanalyse 0.1.0 op 5 maart 2025" in squash(dom.text())


def test_summary_lists_top_signals_by_severity(dom: Node) -> None:
    summary = section(dom, "samenvatting")
    # the four questions of a wijkanalyse, answered (issue 13)
    assert [squash(h.text()) for h in summary.iter("h3")] == [
        "Hoe staat de wijk ervoor?", "Hoe heeft de wijk zich ontwikkeld?",
        "Welke problemen komen op?", "Welke aanpakken worden er gebruikt?",
        "De belangrijkste cijfers", "De sterkste signalen"]
    items = [squash(li.text()) for li in summary.iter("li")]
    # each signal with its sentence, strongest first
    assert [item.split(":")[0] for item in items] == [
        "●●● ernstig — Veel huishoudens met een laag inkomen",
        "●●○ aandacht — Overlast en onveiligheid drukken de leefbaarheid",
        "●○○ om te volgen — Eenzijdige woningvoorraad",
    ]
    assert items[0].endswith("ligt ver boven dat van de gemeente, 11,0%, en is gestegen sinds "
                             "2015 (15,5%).")
    assert "3 signalen (1 ernstig, 1 aandacht en 1 om te volgen)." in squash(summary.text())


def test_key_figures_dutch_formatting_difference_and_assessment(dom: Node) -> None:
    assert row_of(dom, "Huishoudens met een laag inkomen") == [
        "Huishoudens met een laag inkomen", "18,0%", "11,0%", "8,5%", "15,2%",
        "+7,0 procentpunt", "+9,5 procentpunt", "▼ ongunstig"]
    assert row_of(dom, "Bedrijfsvestigingen")[:2] == ["Bedrijfsvestigingen", "1.234"]
    inwoners = row_of(dom, "Aantal inwoners")
    assert inwoners[1:5] == ["21.300", "537.833", "17.282.163", "19.850"]
    assert inwoners[5] == "index 4"  # 21.300 / 537.833 × 100
    assert row_of(dom, "Onbewoonde woningen")[-1] == "▲ gunstig"
    # money in euros, no unit in the label (issue 13: not "118,0 x 1 000 euro")
    woz = row_of(dom, "Gemiddelde WOZ-waarde van woningen")
    assert woz[1:5] == ["€ 118.000", "€ 241.000", "€ 250.000", "€ 142.000*1"]
    assert woz[5] == "index 49"


def test_figures_of_another_year_say_which(profile: Profile) -> None:
    kf = next(k for k in profile.key_figures if k.indicator_id == "p_koopw")
    older = replace(kf, year=2017, area=replace(kf.area, year=2017),
                    gemeente=replace(kf.gemeente, year=2015))
    other = replace(profile, key_figures=[older])
    dom = parse(report.render_html(other, generated_on=TODAY))
    # whole percentages as CBS publishes them (issue 13: not "17,0%")
    assert row_of(dom, "Koopwoningen (2017)")[1:3] == ["17%", "43% (2015)"]


def test_key_figures_grouped_by_domain_in_catalogue_order(dom: Node) -> None:
    # issue 13: the body shows the themes' indicators, the appendix every key figure per
    # catalogue domain
    kern = section(dom, "kerncijfers")
    assert [squash(h.text()) for h in kern.iter("h3")] == [
        "Bevolking", "Wonen", "Inkomen en werk", "Veiligheid en leefbaarheid"]
    body_rows = [squash(next(tr.iter("td")).text()) for tr in kern.iter("tr")
                 if list(tr.iter("td"))]
    assert body_rows == [
        "Aantal inwoners", "Gemiddelde huishoudensgrootte (personen per huishouden)",
        "Woningvoorraad",
        "Gemiddelde WOZ-waarde van woningen", "Koopwoningen",
        "Huurwoningen in bezit van woningcorporaties", "Onbewoonde woningen",
        "Huishoudens met een laag inkomen", "Leefbaarheid (Leefbaarometer-score)"]
    bijlage = section(dom, "bijlage")
    assert [squash(h.text()) for h in bijlage.iter("h3")] == [
        "Bevolking", "Huishoudens", "Wonen", "Onderwijs", "Inkomen", "Sociale zekerheid",
        "Bedrijvigheid", "Mobiliteit", "Leefbaarheid", "Ontwikkeling van de andere indicatoren",
        "Leefbaarometer per meetjaar"]


def test_missing_and_incomplete_figures_are_explained_under_the_table(dom: Node) -> None:
    income = row_of(dom, "Gemiddeld inkomen per inwoner")
    assert income[1:4] == ["–1", "–2", "€ 27.100"]
    inkomen_fig = [f for f in section(dom, "bijlage").iter("figure")  # not in the body
                   if "Gemiddeld inkomen" in f.text()][0]
    notes = [squash(li.text()) for li in inkomen_fig.iter("li")]
    assert notes == ["Geheim (CBS-teken 'x') voor Moerwijk in 2019.",
                     "Geen cijfer van de gemeente in 2019."]
    wonen_fig = [f for f in section(dom, "kerncijfers").iter("figure") if "WOZ" in f.text()][0]
    assert [squash(li.text()) for li in wonen_fig.iter("li")] == [
        "2 van de 10 vergelijkbare wijken zonder cijfer."]


def test_every_figure_and_table_names_its_source(dom: Node) -> None:
    figures = list(dom.iter("figure"))
    assert len(figures) >= 15
    for fig in figures:
        captions = list(fig.iter("figcaption"))
        assert captions and "Bron:" in captions[-1].text(), squash(fig.text())[:80]
    tables = list(dom.iter("table"))
    # summary, kerncijfers per theme, appendix (per domain, other series, lbm), evidence,
    # peers, bronnen
    assert len(tables) == 1 + 4 + (9 + 1 + 1) + 3 + 1 + 1
    for table in tables:
        fig = table.ancestor("figure")
        assert fig is not None and "Bron:" in next(fig.iter("figcaption")).text()
    for svg in dom.iter("svg"):
        assert svg.ancestor("figure") is not None
    kern = [squash(f.text()) for f in section(dom, "kerncijfers").iter("figcaption")]
    assert kern[0] == f"Bron: {KWB19}"
    assert kern[-1] == f"Bron: {LBM}"
    evidence = [squash(c.text()) for c in section(dom, "signalen").iter("figcaption")]
    assert evidence[0] == "Bron: CBS, Kerncijfers Wijken en Buurten 2015 en 2019"


def test_source_captions_cite_each_source_once_with_its_years() -> None:
    kwb = [f"CBS, Kerncijfers Wijken en Buurten {y}" for y in (2020, 2016, 2017, 2018, 2016)]
    assert report._source_caption(kwb + [LBM, None, "CBS/PDOK, gemeentegrenzen 2022"]) == (
        "Bron: CBS, Kerncijfers Wijken en Buurten 2016–2018 en 2020; "
        f"{LBM}; CBS/PDOK, gemeentegrenzen 2022")
    assert report._source_caption([KWB19, KWB21]) == (
        "Bron: CBS, Kerncijfers Wijken en Buurten 2019 en 2021")
    assert report._source_caption([None, ""]) == "Bron: niet vastgelegd"


def test_charts_inline_svg_with_unique_ids(dom: Node, page: str) -> None:
    svgs = [s for s in dom.iter("svg") if "chart" in s.classes()]
    # 2 series (household size: 2 years, -5%, a line in the appendix) + Leefbaarometer
    # score + dimensions (appendix) + peers
    assert len(svgs) == 5
    labels = [s.attrs["aria-label"] for s in svgs]
    assert "Lijngrafiek: Huishoudens met een laag inkomen" in labels
    assert "Staafdiagram: dimensies van de Leefbaarometer per jaar" in labels
    ids = [n.attrs["id"] for n in dom.iter() if n.attrs.get("id")]
    assert len(ids) == len(set(ids))
    for node in dom.iter("use"):
        ref = node.attrs.get("xlink:href") or node.attrs.get("href")
        assert ref and ref[1:] in set(ids)


def test_chart_text_is_dutch(dom: Node) -> None:
    def texts(label: str) -> list[str]:
        svg = next(s for s in dom.iter("svg") if s.attrs.get("aria-label") == label)
        return [squash(t.text()) for t in svg.iter("text")]

    income = texts("Lijngrafiek: Huishoudens met een laag inkomen")
    assert ["2015", "2017", "2019"] == [t for t in income if t.isdigit()]
    assert {"10,0%", "12,5%", "15,0%", "17,5%"} <= set(income)
    assert {"Moerwijk", "'s-Gravenhage", "Nederland"} <= set(income)
    inwoners = texts("Lijngrafiek: Aantal inwoners")
    assert "index (2019 = 100)" in inwoners
    lbm = texts("Lijngrafiek: Leefbaarheid (Leefbaarometer-score)")
    assert [t for t in lbm if t.isdigit()] == [str(y) for y in LBM_YEARS]
    assert {"3,800", "3,825", "3,850", "3,875"} <= set(lbm)
    dims = texts("Staafdiagram: dimensies van de Leefbaarometer per jaar")
    assert [t for t in dims if t.isdigit()] == [str(y) for y in DIM_YEARS]
    assert {"-0,2", "0,0", "0,2", "Overlast en onveiligheid"} <= set(dims)


def test_self_contained_no_scripts_no_external_resources(dom: Node, page: str) -> None:
    assert not list(dom.iter("script"))
    assert not list(dom.iter("link"))
    assert not list(dom.iter("iframe"))
    for node in dom.iter():
        for attr in ("src", "href", "xlink:href"):
            value = node.attrs.get(attr)
            if value is not None:
                assert value.startswith("#"), (node.tag, attr, value)
        assert not any(k.startswith("on") for k in node.attrs), node.tag
    style = "".join(s.text() for s in dom.iter("style"))
    assert "@import" not in style and "url(" not in style and "@font-face" not in style
    assert "<script" not in page.lower()


def test_stored_text_is_escaped(dom: Node, page: str) -> None:
    verhalen = section(dom, "aanpakken-en-verhalen")
    articles = list(verhalen.iter("article"))
    assert [squash(next(a.iter("h4")).text()) for a in articles] == [
        "Bewoners over de <b>buitenruimte</b>", "Veldnotitie winkelcentrum"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Bewoners over de &lt;b&gt;buitenruimte&lt;/b&gt;" in page
    assert "<script>alert('x')</script>" in squash(articles[0].text())
    # the sanitised body HTML is kept as markup
    assert [squash(e.text()) for e in articles[1].iter("em")] == ["De Leyweg"]


def test_stories_with_author_and_dutch_date(dom: Node) -> None:
    bylines = [squash(p.text()) for p in section(dom, "aanpakken-en-verhalen").iter("p")
               if "byline" in p.classes()]
    assert bylines == ["A. de Vries · 5 maart 2024 · buitenruimte",
                       "B. Yilmaz · 20 november 2023"]


def test_empty_stories_and_approaches_explain_the_command(profile: Profile) -> None:
    text = squash(parse(report.render_html(replace(profile, stories=[], approaches=[]),
                                           generated_on=TODAY)).text())
    assert ("Nog geen verhalen. Voeg er een toe met: wijkanalyse verhaal add --gebied "
            "WK051836 bestand.md") in text
    assert ("Nog geen aanpakken. Voeg er een toe met: wijkanalyse aanpak add --gebied "
            "WK051836 bestand.md") in text


def test_approach_meta_is_listed(profile: Profile) -> None:
    aanpak = Story(story_id=9, kind="aanpak", area_code="WK051836", title="Buurtteam Moerwijk",
                   author="Gemeente Den Haag", date="2022-01-10", body_markdown="Start.",
                   body_html="<p>Start.</p>",
                   meta={"partners": ["Haag Wonen", "Vestia"], "startjaar": 2021,
                         "eindjaar": None})
    dom = parse(report.render_html(replace(profile, approaches=[aanpak]), generated_on=TODAY))
    meta = next(d for d in dom.iter("dl"))
    pairs = [squash(n.text()) for n in meta.iter() if n.tag in ("dt", "dd")]
    assert pairs == ["partners:", "Haag Wonen, Vestia", "startjaar:", "2021"]
    assert "Nog geen aanpakken" not in dom.text()


def test_signals_ranked_with_evidence(dom: Node) -> None:
    items = [li for li in section(dom, "signalen").iter("li")
             if any(c.startswith("sev-") for c in li.classes())]
    assert [li.attrs["class"] for li in items] == ["sev-3", "sev-2", "sev-1"]
    rows = [[squash(td.text()) for td in tr.iter("td")] for tr in items[0].iter("tr")][1:]
    assert rows[0] == ["Huishoudens met een laag inkomen", "wijk", "2019", "18,0%", KWB19]
    assert rows[2][2:4] == ["2015", "15,5%"]


def test_peers_table_and_chart(dom: Node) -> None:
    sec = section(dom, "vergelijkbare-wijken")
    rows = [[squash(td.text()) for td in tr.iter("td")] for tr in sec.iter("tr")][1:]
    assert len(rows) == 10
    assert rows[0][:4] == ["1", "Bouwlust en Vrederust WK051833", "'s-Gravenhage", "0,38"]
    assert rows[0][4] == ("vergelijkbaar aantal inwoners (20.900 tegen 21.300) "
                          "vergelijkbaar aandeel corporatiewoningen")
    assert rows[0][5] == "+0,03"
    assert rows[6][5] == "–"  # Selwerd has no Leefbaarometer series
    assert "gestandaardiseerde euclidische afstand" in squash(sec.text())
    assert any("chart" in s.classes() for s in sec.iter("svg"))


def test_leefbaarometer_table_has_every_year(dom: Node) -> None:
    lbm = next(t for t in dom.iter("table") if "lbm" in (t.attrs.get("class") or ""))
    rows = [[squash(td.text()) for td in tr.iter("td")] for tr in lbm.iter("tr")][1:]
    assert [r[0] for r in rows] == [str(y) for y in LBM_YEARS]
    assert rows[0][:2] == ["2002", "3,891"]
    assert rows[0][2:] == ["–"] * 5  # no dimensions before 2014
    # the dimensions are deviations from the national average: written with their sign
    assert rows[-1] == ["2024", "3,873", "-0,104", "-0,011", "+0,191", "-0,092", "-0,214"]


def test_series_captions_give_changes(dom: Node) -> None:
    caps = {}
    for fig in section(dom, "ontwikkeling").iter("figure"):
        title = next((d for d in fig.iter("div") if "chart-title" in d.classes()), None)
        if title is not None:
            caps[squash(title.text())] = squash(next(fig.iter("figcaption")).text())
    # issue 13: only series with >= 3 years or a change worth seeing get a chart in the body
    assert list(caps) == ["Aantal inwoners", "Huishoudens met een laag inkomen",
                          "Leefbaarometer-score"]
    # the others are a line of the appendix, with their values, change and source
    other = section(dom, "bijlage")
    rows = [[squash(td.text()) for td in tr.iter("td")] for tr in other.iter("tr")
            if "ontwikkeling-bijlage" in (tr.ancestor("table").attrs.get("class") or "")]
    assert [r[0] for r in rows if r] == ["Gemiddelde huishoudensgrootte"]
    hh = next(r for r in rows if r)
    assert hh[1] == ("2019: 1,9 personen per huishouden, 2021: 2,0 personen per huishouden "
                     "Bron: CBS, Kerncijfers Wijken en Buurten 2019 en 2021")
    assert hh[2] == "2019–2021: +5,3%"
    dims = [squash(d.text()) for d in other.iter("div") if "chart-title" in d.classes()]
    assert dims == ["De vijf dimensies: bijdrage aan de afwijking van het landelijk "
                    "gemiddelde"]
    income = caps["Huishoudens met een laag inkomen"]
    assert "2015–2019: +2,5 procentpunt" in income
    assert "2017–2019: +1,1 procentpunt" in income
    assert income.endswith("Bron: CBS, Kerncijfers Wijken en Buurten 2015, 2017 en 2019")
    inwoners = caps["Aantal inwoners"]
    assert "2019–2024: +1,2%" in inwoners and "2021–2024: +2,7%" in inwoners
    assert "als index" in inwoners


def test_location_without_map_states_why(dom: Node) -> None:
    text = squash(section(dom, "ligging").text())
    assert "Geen grenzen geladen voor wijk Moerwijk; de kaart ontbreekt." in text
    assert ("Afstand van het midden van het gebied tot het midden van de gemeente: 3,5 km"
            in text)
    assert "Oppervlakte: 1,80 km²" in text
    assert "Middelpunt: 52,0512° NB, 4,2931° OL" in text
    assert not list(section(dom, "ligging").iter("svg"))


def test_location_map_missing_module_and_present(profile: Profile,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    loc = replace(profile.location, has_map=True, note=None, source="CBS/PDOK, grenzen")
    with_map = replace(profile, location=loc)
    monkeypatch.setitem(sys.modules, "wijkanalyse.present.maps", None)  # import fails
    text = squash(parse(report.render_html(with_map, generated_on=TODAY)).text())
    assert "de kaartmodule (mapsvg) ontbreekt" in text
    monkeypatch.setattr(report, "_map_renderer", lambda: lambda location, **_: (
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<defs><pattern id="h"/></defs><rect fill="url(#h)" width="5" height="5"/></svg>'))
    dom = parse(report.render_html(with_map, generated_on=TODAY))
    fig = next(f for f in section(dom, "ligging").iter("figure"))
    assert squash(next(fig.iter("figcaption")).text()).endswith("Bron: CBS/PDOK, grenzen")
    assert next(fig.iter("rect")).attrs["fill"] == "url(#kaart-h)"
    assert "<?xml" not in report.render_html(with_map, generated_on=TODAY)


def test_sources_with_licence_and_missing_statements(dom: Node, profile: Profile) -> None:
    sec = section(dom, "bronnen")
    rows = [[squash(td.text()) for td in tr.iter("td")] for tr in sec.iter("tr")][1:]
    assert rows[0] == [KWB19, "kwb_2019_denhaag_statline_export.csv", "84583NED", "2019",
                       "CC BY 4.0"]
    assert rows[3] == [LBM, "lbm3_scores_wijken_2002_2024_selection.csv", "–", "–",
                       "niet vastgelegd"]
    missing = next(u for u in sec.iter("ul") if "missing" in u.classes())
    assert [squash(li.text()) for li in missing.iter("li")] == profile.missing


def test_gebied_header_lists_members(profile: Profile) -> None:
    subject = Subject(kind="gebied", id="jol-galjoen", name="Jol/Galjoen",
                      gemeente_code="GM0995", gemeente_name="Lelystad", level="buurt",
                      members=["BU09950301", "BU09950302"], wijk_codes=["WK099503"])
    gebied = replace(profile, subject=subject, key_figures=[], series=[], leefbaarometer=[],
                     signals=[], peers=None, location=None, stories=[], approaches=[],
                     sources=[], missing=[])
    dom = parse(report.render_html(gebied, generated_on=TODAY))
    text = squash(dom.text())
    assert "Gebied in gemeente Lelystad · kerncijfers 2019" in text
    assert "Bestaat uit 2 buurten: BU09950301, BU09950302" in text
    # every empty state says so instead of leaving a hole
    assert "Er zijn geen kerncijfers voor Jol/Galjoen in 2019." in text
    assert "Er zijn geen Leefbaarometer-scores voor Jol/Galjoen geladen." in text
    assert ("Geen signalen: geen van de regels slaat aan op de cijfers van Jol/Galjoen. "
            "Ontbrekende cijfers kunnen een opgave verbergen.") in text
    assert "Er zijn geen vergelijkbare wijken bepaald." in text
    assert "De ligging van dit gebied is niet bepaald." in text
    assert "wijkanalyse verhaal add --gebied jol-galjoen bestand.md" in text
    assert "Er zijn geen ontbrekende gegevens vastgesteld." in text
    assert [squash(h.text()) for h in dom.iter("h2")] == SECTION_HEADINGS


# --------------------------------------------------------------------------------------------
# charts


def test_dutch_tick_labels() -> None:
    fmt = charts.dutch_tick_formatter([0.0, 1500.0, 3000.0], unit="aantal")
    assert [fmt(v) for v in (0.0, 1500.0, 3000.0)] == ["0", "1.500", "3.000"]
    fmt = charts.dutch_tick_formatter([10.0, 12.5, 15.0], unit="%")
    assert [fmt(v) for v in (10.0, 12.5, 15.0)] == ["10,0%", "12,5%", "15,0%"]
    fmt = charts.dutch_tick_formatter([-0.2, -0.1, 0.0, 0.1], unit="score")
    assert [fmt(v) for v in (-0.2, -1e-17, 0.1)] == ["-0,2", "0,0", "0,1"]


def test_count_series_are_indexed_and_rates_are_not(profile: Profile) -> None:
    inwoners, income, hhgro = profile.series
    assert charts.is_indexed(inwoners)
    assert not charts.is_indexed(income) and not charts.is_indexed(hhgro)
    alone = replace(inwoners, points=[replace(p, gemeente=None, nederland=None)
                                      for p in inwoners.points])
    assert not charts.is_indexed(alone)


def test_series_chart_without_values_or_points() -> None:
    empty = Series("a_inw", "Aantal inwoners", "aantal", "bevolking", None,
                   [SeriesPoint(2019, None, 500.0), SeriesPoint(2021, None, 510.0)])
    assert not charts.is_indexed(empty)  # no area value to index to
    svg = parse(charts.series_chart(empty, area_label="X", gemeente_label="G"))
    texts = [squash(t.text()) for t in svg.iter("text")]
    assert "index" not in " ".join(texts) and "G" in texts
    none = replace(empty, points=[])
    svg = parse(charts.series_chart(none, area_label="X"))
    assert [squash(t.text()) for t in svg.iter("text")] == ["geen waarden"]


def test_unique_svg_ids_renames_definitions_and_references() -> None:
    svg = ('<svg><defs><path id="a"/><clipPath id="ab"/></defs><use xlink:href="#a"/>'
           '<g clip-path="url(#ab)"/></svg>')
    assert charts.unique_svg_ids(svg, "x") == (
        '<svg><defs><path id="x-a"/><clipPath id="x-ab"/></defs><use xlink:href="#x-a"/>'
        '<g clip-path="url(#x-ab)"/></svg>')


def test_empty_dimension_and_peer_charts_are_none() -> None:
    empty = Series("lbm_fys", "x", "score", "leefbaarheid", "higher",
                   [SeriesPoint(2002, None)])
    assert charts.lbm_dimensions_chart([empty]) is None
    assert charts.peers_lbm_chart([], subject=None, area_label="x") is None


# --------------------------------------------------------------------------------------------
# files and PDF


def pdf_pages_text(path: Path) -> list[str]:
    """Text per page, with pypdf when installed, else pdftotext (poppler-utils)."""
    if importlib.util.find_spec("pypdf") is not None:
        from pypdf import PdfReader

        return [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                             capture_output=True, text=True).stdout
        return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")
    pytest.skip("pypdf noch pdftotext is geïnstalleerd: PDF-tekst niet te controleren")


@pytest.fixture(scope="module")
def written(profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("rapport")
    return report.write_report(profile, out, generated_on=TODAY)


def test_write_report_names_and_json(written: dict[str, Path], profile: Profile) -> None:
    assert {k: p.name for k, p in written.items()} == {
        "html": "profiel-moerwijk-s-gravenhage-2019.html",
        "pdf": "profiel-moerwijk-s-gravenhage-2019.pdf",
        "json": "profiel-moerwijk-s-gravenhage-2019.json",
        "xlsx": "profiel-moerwijk-s-gravenhage-2019.xlsx",
    }
    folder = written["html"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written.values())
    assert json.loads(written["json"].read_text(encoding="utf-8")) == json.loads(
        json.dumps(to_dict(profile)))
    assert written["html"].read_text(encoding="utf-8") == report.render_html(
        profile, generated_on=TODAY)
    assert written["pdf"].read_bytes()[:5] == b"%PDF-"


def test_write_report_selected_formats_and_unknown(profile: Profile, tmp_path: Path) -> None:
    files = report.write_report(profile, tmp_path / "uit", formats=["json"])
    assert list(files) == ["json"] and files["json"].exists()
    with pytest.raises(ValueError, match="Onbekend formaat docx"):
        report.write_report(profile, tmp_path, formats=["html", "docx"])
    assert not any(tmp_path.glob("*.html"))


def test_failed_write_leaves_old_file_and_no_temporary(profile: Profile, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / f"{report.report_stem(profile)}.json"
    target.write_text("oud", encoding="utf-8")

    def boom(obj):  # noqa: ANN001, ANN202
        raise RuntimeError("kapot")

    monkeypatch.setattr(report, "to_dict", boom)
    with pytest.raises(RuntimeError):
        report.write_report(profile, tmp_path, formats=["json"])
    assert target.read_text(encoding="utf-8") == "oud"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_report_stem_per_kind(profile: Profile) -> None:
    gm = replace(profile, subject=replace(profile.subject, kind="gemeente", id="GM0518",
                                          name="'s-Gravenhage", level="gemeente"))
    assert report.report_stem(gm) == "profiel-s-gravenhage-2019"
    gebied = replace(profile, year=2024, subject=replace(profile.subject, kind="gebied",
                                                         id="jol-galjoen", name="Jol/Galjoen"))
    assert report.report_stem(gebied) == "profiel-jol-galjoen-2024"


def test_pdf_text_pages_and_numbering(written: dict[str, Path]) -> None:
    pages = pdf_pages_text(written["pdf"])
    n = len(pages)
    assert n > 1
    for i, text in enumerate(pages, start=1):
        assert f"pagina {i} van {n}" in text
    everything = "\n".join(pages)
    assert "Moerwijk" in pages[0]
    assert all("Moerwijk" in text for text in pages[1:])  # running header
    assert "Bron:" in everything
    assert "18,0%" in everything
    assert "Gemaakt met wijkanalyse 0.1.0 op 5 maart 2025" in everything


def test_render_pdf_standalone(profile: Profile, tmp_path: Path) -> None:
    small = replace(profile, key_figures=profile.key_figures[:3], series=[],
                    leefbaarometer=[], peers=None)
    out = report.render_pdf(small, tmp_path / "p.pdf", generated_on=TODAY)
    assert out == tmp_path / "p.pdf"
    pages = pdf_pages_text(out)
    assert "Moerwijk" in pages[0] and "Nog geen aanpakken" in "\n".join(pages)
    assert [p.name for p in tmp_path.iterdir()] == ["p.pdf"]


# --------------------------------------------------------------------------------------------
# a profile built from the real database


def test_real_profile_from_database(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if importlib.util.find_spec("wijkanalyse.profiel.assemble") is None:
        pytest.skip("wijkanalyse.profiel.assemble (build_profile) bestaat nog niet")
    built_db: Path = request.getfixturevalue("built_db")
    from wijkanalyse import store
    from wijkanalyse.gebieden.subjects import resolve_subject
    from wijkanalyse.profiel.assemble import build_profile

    con = store.connect(built_db, read_only=True)
    try:
        subject = resolve_subject(con, "WK051836")
        kwargs = {"year": 2019} if "year" in inspect.signature(build_profile).parameters else {}
        built = build_profile(con, subject, **kwargs)
    finally:
        con.close()
    assert built.subject.id == "WK051836"
    files = report.write_report(copy.deepcopy(built), tmp_path, generated_on=TODAY)
    dom = parse(files["html"].read_text(encoding="utf-8"))
    # a profile from the database also has the segregatie and kennisdossier sections
    assert [squash(h.text()) for h in dom.iter("h2")] == [
        *SECTION_HEADINGS[:5], "5 Wat werkt: passende interventies",
        "Bijlage A Alle indicatoren", "Bijlage B Vergelijkbare wijken", "Bijlage C Ligging",
        "Bijlage D Segregatie en menging", "Bijlage E Bronnen"]
    assert "21.300" in row_of(dom, "Aantal inwoners")  # KWB 2019, Moerwijk
    lbm = next(t for t in dom.iter("table") if "lbm" in (t.attrs.get("class") or ""))
    lbm_rows = {r[0]: r for r in ([squash(td.text()) for td in tr.iter("td")]
                                  for tr in lbm.iter("tr")) if r}
    assert lbm_rows["2002"][1] == "3,891" and lbm_rows["2024"][1] == "3,873"
    ligging = section(dom, "ligging")
    if built.location is not None and built.location.has_map:
        fig = next(ligging.iter("figure"))
        assert next(fig.iter("svg")) is not None
        assert "Bron:" in next(fig.iter("figcaption")).text()
    for fig in dom.iter("figure"):
        assert "Bron:" in next(fig.iter("figcaption")).text()
    assert not list(dom.iter("script"))
    text = "\n".join(pdf_pages_text(files["pdf"]))
    assert "Moerwijk" in text and "Bron:" in text and "pagina 1 van" in text


# --------------------------------------------------------------------------------------------
# the Excel file and the body's choice (issue 13, item 3)


def test_excel_keeps_text_as_text_and_numbers_as_numbers(profile: Profile,
                                                         tmp_path: Path) -> None:
    from openpyxl import load_workbook

    evil = replace(profile.key_figures[0], label='=HYPERLINK("http://x","klik")')
    files = report.write_report(replace(profile, key_figures=[evil, *profile.key_figures[1:]]),
                                tmp_path, formats=["xlsx"], generated_on=TODAY)
    ws = load_workbook(files["xlsx"])["Indicatoren"]
    header = [c.value for c in ws[1]]
    label = ws.cell(row=2, column=header.index("omschrijving") + 1)
    assert label.data_type == "s" and label.value == '=HYPERLINK("http://x","klik")'
    assert ws.cell(row=2, column=header.index("gebied") + 1).value == 21300
    assert [c.value for c in ws["A"]][1:] == [kf.indicator_id for kf in profile.key_figures]
    in_report = {r[0]: r[header.index("in_rapport")]
                 for r in ws.iter_rows(min_row=2, values_only=True)}
    assert in_report["a_inw"] == "hoofdtekst" and in_report["a_bedv"] == "bijlage"
    assert in_report["g_pau_hh"] == "bijlage"  # cars: padding, never in the body


def test_body_charts_need_three_years_or_a_change_worth_seeing() -> None:
    from wijkanalyse.profiel.themes import change_worth_seeing, chart_in_body, theme_of

    body = {"a_inw": "Bevolking", "p_hh_lkk": "Inkomen en werk"}
    rows = [(2019, 100.0, None, None, KWB19), (2021, 105.0, None, None, KWB21)]
    two = _series("a_inw", "Aantal inwoners", "aantal", "bevolking", None, "count", rows)
    assert not change_worth_seeing(two) and not chart_in_body(two, body)  # +5%
    grown = _series("a_inw", "Aantal inwoners", "aantal", "bevolking", None, "count",
                    [rows[0], (2021, 110.0, None, None, KWB21)])
    assert change_worth_seeing(grown) and chart_in_body(grown, body)  # +10%
    three = _series("a_inw", "Aantal inwoners", "aantal", "bevolking", None, "count",
                    [*rows, (2024, 105.0, None, None, KWB19)])
    assert chart_in_body(three, body)
    rate = _series("p_hh_lkk", "Huishoudens met een laag inkomen", "%", "inkomen", "lower",
                   "rate", [(2019, 10.0, None, None, KWB19), (2021, 11.9, None, None, KWB21)])
    assert not chart_in_body(rate, body)  # +1,9 procentpunt
    assert not chart_in_body(three, {})  # not a body indicator
    assert theme_of("a_bed_gi", "bedrijvigheid") is None
    assert theme_of("p_gehuwd", "bevolking") is None
    assert theme_of("a_opp_ha", "oppervlakte") is None
    assert theme_of("g_ink_pi", "inkomen") == "Inkomen en werk"
