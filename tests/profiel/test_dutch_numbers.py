"""Issue 13, item 5: the rendered profiles of every programme wijk (the shipped set
``programma-2016``), Schildersbuurt (Den Haag) and De Kolenkit read as correct Dutch numbers.

The profiles are built once from the shared database and rendered as HTML only (no PDF). The
text is checked for the faults users found: a signed zero ("-0,00"), "x 1 000 euro", a score
with the word "score", "1 gemeenten" and other plurals after 1, a unit after a label that
already names it; the Kerncijfers cells of
figures CBS publishes whole (counts, whole percentages, densities, WOZ) carry no decimals.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.gebieden.areasetfiles import load_area_set
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import Profile
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.report import render_html

PROGRAMME = [(a.name, a.gemeente_code) for a in load_area_set("programma-2016").areas]
#: (query, gemeente) of every profile checked: the programme plus two rich wijken.
AREAS = [*PROGRAMME, ("Schildersbuurt", "GM0518"), ("De Kolenkit", "GM0363")]
NAMES = [name for name, _ in AREAS]

#: Nouns that must not stand in the plural after "1".
PLURALS = ("gemeenten", "wijken", "buurten", "gebieden", "jaren", "signalen", "woningen",
           "inwoners", "interventies", "verhalen", "aanpakken", "indicatoren", "bronnen",
           "delen", "kenmerken", "cijfers", "huishoudens", "metingen", "regels")
#: Faults in the text of the page (charts included), by name.
FAULTS = {
    "signed zero": re.compile(r"(?<![\d.,])[-+−]0(?:,0+)?(?![\d,])"),
    "x 1 000 euro": re.compile(r"x 1 000 euro"),
    "score as unit word": re.compile(r"\d score\b(?! van )|score tegen"),
    "plural after 1": re.compile(r"(?<![\d.,])1 (?:" + "|".join(PLURALS) + r")\b"),
    "unit twice": re.compile(r"(per huishouden|per 1 000 inwoners)(?: \([^()]*\))? \(\1\)"),
}
DECIMAL = re.compile(r"\d,\d")


def _text(page: str) -> str:
    """The visible text of a page: no style, tags as spaces, entities resolved."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def rendered(built_db: Path) -> dict[str, tuple[Profile, str]]:
    """Every checked profile, built from one connection (shared caches) and rendered as HTML."""
    out: dict[str, tuple[Profile, str]] = {}
    cache: dict[Any, Any] = {}
    with store.reading(built_db) as con:
        for name, gemeente in AREAS:
            subject = resolve_subject(con, name, gemeente=gemeente)
            prof = build_profile(con, subject, cache=cache)
            out[name] = (prof, render_html(prof))
    return out


def test_the_programme_set_is_checked() -> None:
    assert len(PROGRAMME) == 12
    assert {"Meerwijk", "Buitenhof", "Jol/Galjoen", "Kerkrade-West"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_no_number_faults_in_the_text(rendered: dict[str, tuple[Profile, str]],
                                      name: str) -> None:
    text = _text(rendered[name][1])
    found = {fault: sorted({m.group(0) for m in rx.finditer(text)})
             for fault, rx in FAULTS.items()}
    context = {fault: [text[max(0, m.start() - 60):m.end() + 20]
                       for m in FAULTS[fault].finditer(text)][:3]
               for fault, hits in found.items() if hits}
    assert not any(found.values()), context


def _kerncijfers_rows(page: str) -> dict[str, list[str]]:
    """Label -> the texts of the cells of the subject, gemeente, Nederland and peers and the
    two differences (footnote marks and years left out)."""
    # the body's tables per theme and the appendix of every indicator (issue 13)
    sections = []
    for section_id in ("kerncijfers", "bijlage"):
        start = page.find(f'<section id="{section_id}"')
        sections.append(page[start:page.find("</section>", start)])
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", "".join(sections), flags=re.S):
        cells = re.findall(r"<td class=\"([^\"]*)\">(.*?)</td>", row, flags=re.S)
        if not cells or cells[0][0] != "label":
            continue
        label = html.unescape(cells[0][1].split("<", 1)[0]).strip()
        values = [re.sub(r"<sup>.*?</sup>|<span class=\"sub\">.*?</span>", "", c, flags=re.S)
                  for cls, c in cells[1:] if cls.startswith("num")]
        rows[label] = [html.unescape(re.sub(r"<[^>]+>", "", v)).strip() for v in values]
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_whole_figures_have_no_decimals(rendered: dict[str, tuple[Profile, str]],
                                        name: str) -> None:
    prof, page = rendered[name]
    cat = load_catalogue()
    rows = _kerncijfers_rows(page)
    whole = [kf for kf in prof.key_figures
             if kf.indicator_id in cat and cat[kf.indicator_id].decimals == 0]
    assert whole and all(kf.label in rows for kf in whole), sorted(rows)
    wrong = {kf.label: rows[kf.label] for kf in whole
             if any(DECIMAL.search(cell) for cell in rows[kf.label])}
    assert not wrong
    # the figures users found: "21.079,0" (density), "68,0%", "2.950,0" (inwoners)
    counts = [kf.label for kf in whole if kf.unit in ("aantal", "inwoners per km²", "%")]
    assert counts


def test_pinned_cells_of_the_schildersbuurt(rendered: dict[str, tuple[Profile, str]]) -> None:
    """The figures of the issue, as they now read (KWB of the years shown, real files)."""
    rows = _kerncijfers_rows(rendered["Schildersbuurt"][1])
    assert rows["Bevolkingsdichtheid"][:3] == ["21.079", "6.868", "–"]
    assert rows["Huurwoningen in bezit van woningcorporaties"][:3] == ["68%", "31%", "29%"]
    assert rows["Gemiddelde WOZ-waarde van woningen"][:3] == [
        "€ 140.000", "€ 241.000", "€ 250.000"]
    assert rows["Aantal inwoners"][0] == "30.700"
    lbm = rows["Leefbaarheid: afwijking van het landelijk gemiddelde"]
    assert lbm[0] == "-0,20" and lbm[2] == "0,00"
    text = _text(rendered["Schildersbuurt"][1])
    assert "€ 140.000" in text and "140,0" not in text


def test_evidence_of_signals_as_the_table(rendered: dict[str, tuple[Profile, str]]) -> None:
    """A signal's figures are written like the table's: whole where CBS is whole."""
    cat = load_catalogue()
    seen = 0
    for prof, _ in rendered.values():
        for sig in prof.signals:
            for ev in sig.evidence:
                entry = cat.indicators.get(ev.indicator_id)
                if entry is not None and entry.decimals == 0 and ev.value is not None:
                    seen += 1
                    assert not DECIMAL.search(ev.text), (ev.indicator_id, ev.text)
    assert seen
