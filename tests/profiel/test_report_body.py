"""The report around the four questions (issue 13, item 3): a body of at most 12 A4 pages for
the richest wijken, every indicator in the appendix and in the Excel file, no padding in the
body. Rendered from the real files (De Kolenkit and the Schildersbuurt)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from wijkanalyse import store
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import Profile
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.report import APPENDIX_TITLE, write_report
from wijkanalyse.profiel.themes import PADDING_DOMAINS, PADDING_INDICATORS, body_indicators

#: (query, gemeente) of the richest wijken users complained about.
AREAS = [("De Kolenkit", "GM0363"), ("Schildersbuurt", "GM0518")]
NAMES = [name for name, _ in AREAS]
#: A4 pages of the body (summary, themes, development, signals, approaches) at most.
MAX_BODY_PAGES = 12


@pytest.fixture(scope="module")
def written(built_db: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, tuple[Profile, dict[str, Path]]]:
    out: dict[str, tuple[Profile, dict[str, Path]]] = {}
    cache: dict[Any, Any] = {}
    folder = tmp_path_factory.mktemp("romp")
    with store.reading(built_db) as con:
        for name, gemeente in AREAS:
            prof = build_profile(con, resolve_subject(con, name, gemeente=gemeente),
                                 cache=cache)
            out[name] = (prof, write_report(prof, folder / name.replace(" ", "-"),
                                            formats=("html", "pdf", "xlsx")))
    return out


def _pdf_pages(path: Path) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is nodig om de pagina's te tellen")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _body(page: str) -> str:
    """The HTML of the body: everything before the appendix."""
    return page[:page.index('<section id="bijlage"')]


def _text(html: str) -> str:
    html = re.sub(r"<(svg|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.parametrize("name", NAMES)
def test_body_is_at_most_twelve_pages(written: dict[str, tuple[Profile, dict[str, Path]]],
                                      name: str) -> None:
    pages = _pdf_pages(written[name][1]["pdf"])
    # the appendix starts on a page of its own, with its heading at the top
    starts = [i for i, text in enumerate(pages)
              if any(line.strip() == APPENDIX_TITLE for line in text.splitlines())]
    assert len(starts) == 1, starts
    body_pages = starts[0]  # pages before the appendix
    lines = [line.strip() for line in pages[body_pages].splitlines() if line.strip()]
    assert lines.index(APPENDIX_TITLE) <= 1  # under the running header only
    assert 4 <= body_pages <= MAX_BODY_PAGES, body_pages
    assert len(pages) > body_pages + 1  # the appendix may be longer


@pytest.mark.parametrize("name", NAMES)
def test_every_indicator_in_appendix_and_excel(
        written: dict[str, tuple[Profile, dict[str, Path]]], name: str) -> None:
    prof, files = written[name]
    page = files["html"].read_text(encoding="utf-8")
    appendix = page[page.index('<section id="bijlage"'):]
    labels = re.findall(r'<td class="label">([^<]*)', appendix)
    labels = [re.sub(r"\s+", " ", lab).strip().replace("&#39;", "'") for lab in labels]
    missing = [kf.label for kf in prof.key_figures if kf.label not in labels]
    assert not missing
    book = load_workbook(files["xlsx"], read_only=True)
    rows = list(book["Indicatoren"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    ids = [r[header.index("indicator")] for r in data]
    assert ids == [kf.indicator_id for kf in prof.key_figures]
    assert len(prof.key_figures) > 100  # the richest wijken: far more than the body shows
    body = body_indicators(prof)
    where = {r[header.index("indicator")]: r[header.index("in_rapport")] for r in data}
    assert {i for i, w in where.items() if w == "hoofdtekst"} == set(body) & set(ids)
    # numbers stay numbers, and the value is the profile's
    kf = next(k for k in prof.key_figures if k.indicator_id == "a_inw")
    row = next(r for r in data if r[header.index("indicator")] == "a_inw")
    assert row[header.index("gebied")] == kf.area.value
    series = list(book["Ontwikkeling"].iter_rows(values_only=True))
    assert len(series) - 1 == sum(len(s.points) for s in [*prof.series, *prof.leefbaarometer])


@pytest.mark.parametrize("name", NAMES)
def test_padding_is_not_in_the_body(written: dict[str, tuple[Profile, dict[str, Path]]],
                                    name: str) -> None:
    prof, files = written[name]
    page = files["html"].read_text(encoding="utf-8")
    body = _body(page)
    row_labels = {re.sub(r"\s+", " ", lab).strip().replace("&#39;", "'")
                  for lab in re.findall(r'<td class="label">([^<]*)', body)}
    titles = set(re.findall(r'<div class="chart-title">([^<]*)</div>', body))
    padding = [kf.label for kf in prof.key_figures
               if kf.domain in PADDING_DOMAINS or kf.indicator_id in PADDING_INDICATORS]
    assert len(padding) >= 20  # businesses, cars, motorbikes, marital status, surface area
    assert not (set(padding) & row_labels)
    assert not (set(padding) & titles)
    text = _text(body)
    for word in ("Bedrijfsvestigingen", "Motorfietsen", "Personenauto's op benzine",
                 "Burgerlijke staat", "Oppervlakte totaal"):
        assert word not in text
    # ... and they are in the appendix
    assert "Oppervlakte totaal" in _text(page[page.index('<section id="bijlage"'):])


@pytest.mark.parametrize("name", NAMES)
def test_body_charts_and_source_lines(written: dict[str, tuple[Profile, dict[str, Path]]],
                                      name: str) -> None:
    prof, files = written[name]
    page = files["html"].read_text(encoding="utf-8")
    body = _body(page)
    charts = body.count('<figure class="chart-figure">')
    # at most 2 per theme and the Leefbaarometer score; before issue 13: 100+ charts
    assert 3 <= charts <= 2 * 5 + 1
    # every figure keeps its source line, in the body and in the appendix
    for fig in re.findall(r"<figure\b.*?</figure>", page, flags=re.S):
        caption = fig[fig.rindex("<figcaption"):]
        assert "Bron:" in caption, _text(fig)[:80]
    assert re.search(r"Bron: CBS, Kerncijfers Wijken en Buurten [0-9, en–]*2024", _text(body))
