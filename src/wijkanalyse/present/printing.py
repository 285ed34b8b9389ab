"""Matplotlib's SVG made lighter for printing (:func:`slim_svg`).

The report's charts and maps stay inline ``<svg>`` in the HTML (accessible, searchable, no
files next to the page); the PDF draws the same figures with Typst's SVG renderer
(:mod:`wijkanalyse.present.typeset`), their text kept as text. Before that, :func:`slim_svg`
makes matplotlib's SVG lighter: groups that only carry an id nobody refers to are dissolved,
no-op ``rotate(-0 x y)`` transforms and the indentation are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["slim_svg"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_G = f"{{{_SVG_NS}}}g"
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
