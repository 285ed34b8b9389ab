"""The HTML that WeasyPrint prints: the report's inline SVG figures as images.

The HTML report keeps its charts and maps as inline ``<svg>`` (accessible, searchable, no
files next to the page). For the PDF the same page is printed, but WeasyPrint treats every
element of an inline SVG as an HTML element first: it tokenises it (tinyhtml5, pure Python),
runs the CSS cascade over it (each matplotlib ``style="fill: ..."`` attribute is validated as
HTML CSS and rejected) and builds boxes for it, before it serialises the ``<svg>`` again and
draws it with its SVG renderer. :func:`svg_as_images` replaces each figure by an ``<img>``
with the same SVG as a ``data:`` URI, which WeasyPrint parses with ElementTree and draws with
the same renderer: the PDF looks and reads the same (the text in the figures stays text), with
about a tenth fewer Python calls for the richest report (docs/architecture.md, "How a profile
is fast"). Matplotlib's SVG is made lighter on the way (:func:`slim_svg`): groups that only
carry an id nobody refers to are dissolved, no-op ``rotate(-0 x y)`` transforms and the
indentation are dropped.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

__all__ = ["slim_svg", "svg_as_images"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_G = f"{{{_SVG_NS}}}g"
_FIGURE = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_CLASS = re.compile(r'\bclass="([^"]*)"')
_LABEL = re.compile(r'\baria-label="([^"]*)"')
_REFERENCE = re.compile(r'(?:href="#|url\(#)([^")]+)')
_NO_ROTATION = re.compile(r"rotate\(-?0 -?[\d.]+ -?[\d.]+\)")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def _dissolve_groups(element: ET.Element, referenced: set[str]) -> None:
    for child in element:
        _dissolve_groups(child, referenced)
    children: list[ET.Element] = []
    for child in element:
        if (child.tag == _G and set(child.attrib) <= {"id"}
                and child.get("id") not in referenced):
            children.extend(child)
        else:
            children.append(child)
    element[:] = children


def slim_svg(svg: str) -> str:
    """The same drawing with fewer SVG elements (for matplotlib's SVG).

    Parameters
    ----------
    svg
        One ``<svg>`` element with its namespace declaration.

    Returns
    -------
    str
        The element with every ``<g>`` that has no attribute but an unreferenced id replaced
        by its children, without ``rotate(-0 x y)`` transforms and without whitespace between
        elements or line breaks in path data; ``svg`` unchanged when it is not well-formed XML.
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return svg
    _dissolve_groups(root, set(_REFERENCE.findall(svg)))
    for element in root.iter():
        transform = element.get("transform")
        if transform is not None and _NO_ROTATION.fullmatch(transform):
            del element.attrib["transform"]
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        path = element.get("d")
        if path is not None:
            element.set("d", _LINE_BREAKS.sub(" ", path).strip())
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _as_image(match: re.Match[str]) -> str:
    svg = match.group(0)
    start = svg[: svg.index(">") + 1]
    if "xmlns=" not in start or svg.count("<svg") > 1:
        return svg  # not a stand-alone SVG document: leave it inline
    classes = _CLASS.search(start)
    label = _LABEL.search(start)
    if classes is not None and "chart" in classes.group(1).split():
        svg = slim_svg(svg)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    class_attr = f' class="{classes.group(1)}"' if classes else ""
    alt = label.group(1) if label else ""
    return f'<img{class_attr} alt="{alt}" src="data:image/svg+xml;base64,{data}">'


def svg_as_images(page: str) -> str:
    """The page to print: every inline ``<svg>`` figure as an ``<img>`` of the same SVG.

    Parameters
    ----------
    page
        A self-contained HTML page whose inline SVG figures declare their namespace (charts
        of :mod:`wijkanalyse.present.charts`, maps of :mod:`wijkanalyse.present.maps`).

    Returns
    -------
    str
        The page with each such ``<svg>`` replaced by ``<img class="(its classes)"
        alt="(its aria-label)" src="data:image/svg+xml;base64,...">``; charts slimmed with
        :func:`slim_svg`. An SVG without ``xmlns`` or with a nested ``<svg>`` stays inline.
    """
    return _FIGURE.sub(_as_image, page)

