"""The programme's publication (issue 16 item 7): the 2016 programme's report renders with a
section per participating wijk (its name and a pinned figure of its profile's summary page),
the monitor of the broad set, the meetings' outcomes, partners and money and source lines;
the PDF has pages. One shared rendering per module (the monitor and twelve summaries)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wijkanalyse.programma import (
    Meeting,
    Outcome,
    Programme,
    add_money,
    add_party,
    import_registrations,
    read_definition,
)
from wijkanalyse.programma.publicatie import (
    Publication,
    build_publication,
    render_publication,
    write_publication,
)

from .conftest import DATA

#: Angelslo's summary figures (Leefbaarometer 3.0 deviations, 2024) from ../shared/data.
PINNED_ANGELSLO = {"lbm_afw": "-0,17", "lbm_won": "-0,05", "lbm_vrz": "-0,07"}
#: The 40 krachtwijken of 2007 plus the 12 participating wijken of 2016 (none among them).
PINNED_N_UNITS = 52


class _Sections(HTMLParser):
    """Text per ``<section id="wijk-…">`` and the page's whole text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.text: list[str] = []
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            ident = dict(attrs).get("id") or ""
            self._stack.append(ident if ident.startswith("wijk-") else None)
            if ident.startswith("wijk-"):
                self.sections[ident] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for ident in self._stack:
            if ident:
                self.sections[ident].append(data)


@pytest.fixture(scope="module")
def programme() -> Programme:
    prog = read_definition(DATA / "programma-2016.yaml")
    prog.registrations += import_registrations(prog, DATA / "aanmeldingen-2016.csv").accepted
    add_party(prog, wijk="p02", name="Lefier", kind="corporatie", role="actief")
    add_party(prog, wijk="p01", name="Lefier", kind="corporatie", role="actief")
    add_party(prog, wijk="p02", name="Enexis", kind="energiebedrijf", role="uit te dagen")
    add_money(prog, wijk="p02", source="gemeente Emmen", amount=120_000, start=2016,
              end=2018, purpose="buurtbudget", model="subsidie")
    prog.meetings = [Meeting(1, dt.date(2016, 11, 29), "participatie", "p02", "Angelslo",
                             "Emmen", outcomes=[Outcome("Bewoners beslissen mee over het "
                                                        "buurtbudget.")])]
    return prog


@pytest.fixture(scope="module")
def publication(built_db: Path, programme: Programme) -> Publication:
    from wijkanalyse import store

    con = store.connect(built_db, read_only=True)
    try:
        return build_publication(con, programme)
    finally:
        con.close()


@pytest.fixture(scope="module")
def written(publication: Publication, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, Path]:
    return write_publication(publication, tmp_path_factory.mktemp("publicatie"))


@pytest.fixture(scope="module")
def parsed(written: dict[str, Path]) -> _Sections:
    parser = _Sections()
    parser.feed(written["html"].read_text(encoding="utf-8"))
    return parser


def test_a_section_per_participating_wijk_with_its_name(parsed: _Sections,
                                                        programme: Programme) -> None:
    ids = [f"wijk-{r.id}" for r in programme.registrations]
    assert list(parsed.sections) == ids
    for reg in programme.registrations:
        text = " ".join(parsed.sections[f"wijk-{reg.id}"])
        assert reg.wijk.split("/")[0] in text, reg.wijk
        assert "De belangrijkste cijfers" in text or "Geen wijkanalyse" in text
        assert "Bron: " in text


def test_every_wijk_has_its_profile(publication: Publication) -> None:
    assert [w.problem for w in publication.wijken if w.profile is None] == []


def test_pinned_figure_from_a_profile(parsed: _Sections, publication: Publication) -> None:
    angelslo = next(w for w in publication.wijken if w.registration.id == "p02")
    assert angelslo.profile is not None and angelslo.profile.summary is not None
    figures = {f.indicator_id: f.text for f in angelslo.profile.summary.figures}
    text = " ".join(parsed.sections["wijk-p02"])
    for value in figures.values():
        assert value in text
    assert PINNED_ANGELSLO.items() <= figures.items()


def test_monitor_of_the_broad_set(publication: Publication, parsed: _Sections) -> None:
    assert publication.monitor is not None
    # the 40 krachtwijken plus the participating wijken that are not among them
    assert publication.monitor.n_units == PINNED_N_UNITS
    text = " ".join(parsed.text)
    assert "De stand van de aandachtswijken" in text
    assert "Leefbaarometer 3.0" in text


def test_meetings_partners_and_sources(parsed: _Sections) -> None:
    text = " ".join(parsed.text)
    assert "Bewoners beslissen mee over het buurtbudget." in text
    assert "1. participatie — 29 november 2016, Angelslo (Emmen)" in text
    assert "Lefier: Angelslo, Selwerd" in text
    assert "€ 120.000" in text
    assert "subsidie: 1 wijk, samen € 120.000" in text
    assert text.count("Bron: ") >= 12 + 3


def test_pdf_has_pages(written: dict[str, Path]) -> None:
    from pypdf import PdfReader

    assert len(PdfReader(written["pdf"]).pages) > 12


def test_pdf_starts_each_wijk_on_a_page_with_its_figures(written: dict[str, Path],
                                                        programme: Programme) -> None:
    """The Typst print: "pagina X van Y", "Kennisprogramma" at the top, every "Bron:" line of
    the page in the PDF, each participating wijk's analysis from the top of a page (its name
    the first line under the running header, the chapter's heading above the first), and
    Angelslo's pinned Leefbaarometer deviation on its page."""
    import re

    from pypdf import PdfReader

    from wijkanalyse.present.htmltree import parse_page, text_of

    reader = PdfReader(written["pdf"])
    n = len(reader.pages)
    # a hyphen glyph first used to hyphenate (a narrow table header) is mapped to U+00AD in the
    # font's ToUnicode table by Typst, so pypdf reads every later "-" in that font as U+00AD
    # (poppler's pdftotext reads "-")
    texts = [p.extract_text().replace("\u00ad", "-") for p in reader.pages]
    assert f"pagina 1 van {n}" in texts[0] and f"pagina {n} van {n}" in texts[-1]
    assert texts[1].splitlines()[0] == f"{programme.name} Kennisprogramma"
    html = written["html"].read_text(encoding="utf-8")
    assert "".join(texts).count("Bron:") == text_of(parse_page(html)).count("Bron:") >= 15
    names = [text_of(parse_page(h)) for h in re.findall(
        r'<section class="pub-wijk".*?<h1[^>]*>(.*?)</h1>', html, flags=re.S)]
    assert len(names) == len(programme.registrations)
    starts = {}
    for name in names:
        starts[name] = next(i for i, t in enumerate(texts)
                            if name in [line.strip() for line in t.splitlines()[1:3]])
        first = texts[starts[name]].splitlines()[1].strip()
        assert first in (name, "Wijkanalyses van de deelnemende wijken"), first
    assert sorted(starts.values()) == list(starts.values())  # in order, a page each
    assert len(set(starts.values())) == len(names)
    rows = [line.strip() for line in texts[starts["Angelslo"]].splitlines()]
    for value in PINNED_ANGELSLO.values():  # the figure's row: Angelslo, gemeente, Nederland
        assert any(row.startswith(f"{value} – 0,00") for row in rows), value


def test_html_is_self_contained(publication: Publication) -> None:
    html = render_publication(publication)
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org", "")
