"""Matplotlib's SVG made lighter for the PDF (:func:`wijkanalyse.present.printing.slim_svg`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from wijkanalyse.model import Series, SeriesPoint
from wijkanalyse.present import charts
from wijkanalyse.present.printing import slim_svg

NS = "{http://www.w3.org/2000/svg}"


def _chart() -> str:
    pts = [SeriesPoint(y, v, g, source="CBS 85984NED")
           for y, v, g in [(2019, 10.0, 9.0), (2020, 12.5, 9.5), (2021, 11.0, 10.0),
                           (2022, 14.0, 10.5)]]
    series = Series("x", "Iets", "%", "bevolking", None, pts)
    return charts.series_chart(series, area_label="Wijk A", gemeente_label="Gemeente B")


def _shapes(svg: str) -> list[tuple[str, str | None]]:
    """Every drawn element (not a group), in order, with its path data without spaces."""
    root = ET.fromstring(svg)
    return [(e.tag, re.sub(r"\s+", "", e.get("d") or "") or None) for e in root.iter()
            if e.tag != f"{NS}g"]


def test_slim_svg_keeps_every_drawn_element_and_drops_empty_groups() -> None:
    svg = _chart()
    slim = slim_svg(svg)
    assert _shapes(slim) == _shapes(svg)
    texts = [e.text for e in ET.fromstring(svg).iter(f"{NS}text")]
    assert [e.text for e in ET.fromstring(slim).iter(f"{NS}text")] == texts
    assert "Wijk A" in texts
    groups_before = sum(1 for e in ET.fromstring(svg).iter(f"{NS}g"))
    groups_after = [e for e in ET.fromstring(slim).iter(f"{NS}g")]
    assert groups_before > 10 and len(groups_after) < groups_before / 2
    # what is left of the groups carries something (a clip path, a style, a referenced id)
    assert all(set(g.attrib) - {"id"} or g.get("id") in slim.split('"#')[1:] or
               f'url(#{g.get("id")})' in slim for g in groups_after)
    assert "rotate(-0 " in svg and "rotate(-0 " not in slim
    assert "\n" not in slim


def test_slim_svg_keeps_referenced_groups_and_bad_xml() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<g id="a"><path d="M 0 0\nL 1 1"/></g><g id="b"><rect/></g>'
           '<use xlink:href="#b"/></svg>')
    slim = slim_svg(svg)
    assert '<g id="a">' not in slim and '<path d="M 0 0 L 1 1" />' in slim
    assert '<g id="b"><rect /></g>' in slim
    assert slim_svg("<svg><g></svg>") == "<svg><g></svg>"


def test_a_label_past_the_figure_side_widens_the_chart_instead_of_being_cut() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.0, 2.0))
    ax = fig.add_axes((0.1, 0.2, 0.8, 0.7))
    ax.plot([0, 1], [0, 1])
    # 0.3 inch left of the figure: 21.6 pt beyond its 216 pt
    fig.text(-0.1, 0.5, "Herkomst Europa", ha="left")
    svg = charts._to_svg(fig, label="test")
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
    assert width >= 216 + 21.6
    inside = Figure(figsize=(3.0, 2.0))
    inside.add_axes((0.25, 0.25, 0.5, 0.5)).plot([0, 1], [0, 1])
    # nothing reaches past the sides: the full width is kept (same scale as its neighbours)
    assert re.search(r'viewBox="0 0 216 ', charts._to_svg(inside, label="test"))
