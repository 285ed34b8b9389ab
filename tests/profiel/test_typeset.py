"""The PDF typeset by Typst from a report page (:mod:`wijkanalyse.present.typeset`).

Pages here are written by hand (generated test data, not real figures); what is checked is
what a reader of the PDF sees: the text (every character of the data, none of it read as
markup), the page header and footer, bookmarks, links, page breaks and table layout.
"""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.present import typeset
from wijkanalyse.present.htmltree import parse_page, text_of
from wijkanalyse.present.typeset_style import column_widths


def _page(body: str, *, title: str = "Wijkprofiel Testwijk 2024") -> str:
    return (f"<!DOCTYPE html><html lang=\"nl\"><head><title>{title}</title>"
            "<style>h1 { color: red }</style></head><body>"
            "<header><h1>Testwijk</h1><p class=\"meta generated\">Gemaakt met wijkanalyse op "
            f"1 januari 2025</p></header>{body}</body></html>")


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_tree_keeps_figures_whole_and_skips_head() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" aria-label="Kaart">'
           "<g><text>A&lt;B</text></g></svg>")
    root = parse_page(_page(f"<figure>{svg}<figcaption>Bron: CBS</figcaption></figure>"))
    figure = root.iter("figure")[0]
    assert figure.children[0].tag == "svg" and figure.children[0].svg == svg
    assert text_of(figure) == "Bron: CBS"
    assert not root.iter("style") and not root.iter("title")
    # a stray end tag is ignored, an unclosed element closed by its parent's end
    loose = parse_page("<div><p>a<b>b</div></i><p>c</p>")
    assert [e.tag for e in loose.iter()] == ["document", "div", "p", "b", "p"]
    assert text_of(loose) == "abc"


def test_header_footer_title_bookmarks_and_page_breaks() -> None:
    body = ('<section class="summary"><h2>Samenvatting</h2><p>Kort.</p></section>'
            '<section id="kerncijfers"><h2>1 Kerncijfers</h2><p>Zie '
            '<a href="#bijlage">de bijlage</a>.</p></section>'
            '<section id="bijlage" class="appendix"><h2>Bijlage A Alle indicatoren</h2>'
            "<p>Alles.</p></section>")
    pdf = typeset.pdf_bytes(_page(body))
    reader = PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() or "" for p in reader.pages]
    # the summary on a page of its own, the appendix from a new page
    assert len(pages) == 3
    assert "Samenvatting" in pages[0] and "1 Kerncijfers" in pages[1]
    assert "Bijlage A Alle indicatoren" in pages[2] and "Kerncijfers" not in pages[2]
    for number, text in enumerate(pages, start=1):
        assert f"pagina {number} van 3" in text
        assert "Gemaakt met wijkanalyse op 1 januari 2025" in text
    # the running header from the h1 and the report kind, not on the first page
    assert "Wijkprofiel" not in pages[0]
    assert all("Testwijk" in p and "Wijkprofiel" in p for p in pages[1:])
    assert reader.metadata is not None and reader.metadata.title == "Wijkprofiel Testwijk 2024"
    titles = []
    stack = list(reader.outline)
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        else:
            titles.append(item.title)
    assert titles == ["Testwijk", "Samenvatting", "1 Kerncijfers", "Bijlage A Alle indicatoren"]
    # the link in the body goes to the appendix's page
    annotations = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert len(annotations) == 1
    assert "/Dest" in annotations[0] or "/A" in annotations[0]


def test_tables_numbers_unbroken_widths_from_the_stylesheet() -> None:
    assert column_widths()["c-label"] == 24.0
    table = ('<table class="kerncijfers"><colgroup><col class="c-label"><col class="c-val">'
             '</colgroup><thead><tr><th>Indicator</th><th class="num">Wijk</th></tr></thead>'
             '<tbody><tr class="ongunstig"><td class="label">Inwoners</td>'
             '<td class="num">€ 283.000 <span class="sub">(2019)</span></td></tr></tbody></table>')
    source = typeset.to_typst(_page(table))
    assert "columns: (24.0%, 9.0%,)" in source
    assert "table.header(" in source
    # the figure and its year stay on one line: spaces become non-breaking
    assert '"€\u00a0283.000\u00a0"' in source
    auto = ("<table><tr><td>Een lange omschrijving van iets dat veel ruimte nodig heeft in "
            'de kolom</td><td>kort</td><td class="num">12</td></tr></table>')
    assert "columns: (60fr, auto, auto,)" in typeset.to_typst(_page(auto))
    text = _squash(_pages(typeset.pdf_bytes(_page(table)))[0])
    assert "Inwoners € 283.000 (2019)" in text


# every character a user can type into a story or a name, markup characters of Typst and
# HTML included
_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "#$*_[]<>@\\\"'`=-+/~;:.,()é€",
                min_size=1, max_size=40).filter(lambda t: t.strip() != "")


@settings(max_examples=25, deadline=None)
@given(_TEXT)
def test_any_text_is_printed_as_itself(text: str) -> None:
    from html import escape

    pdf = typeset.pdf_bytes(_page(f"<p>{escape(text)}</p><table><tr><td>{escape(text)}</td>"
                                  f"</tr></table>"))
    printed = _pages(pdf)[0]
    assert printed.count(_squash(text)) >= 2 or _squash(printed).count(_squash(text)) >= 2


def test_typeset_pdf_writes_atomically(tmp_path: Path) -> None:
    out = typeset.typeset_pdf(tmp_path / "p.pdf", _page("<p>Hallo</p>"))
    assert out.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir()] == ["p.pdf"]


def test_a_compile_error_is_reported_in_dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(typeset, "to_typst", lambda html, kind: "#let x = (")
    with pytest.raises(WijkanalyseError, match="De PDF kon niet worden opgemaakt"):
        typeset.pdf_bytes("<p>x</p>")
