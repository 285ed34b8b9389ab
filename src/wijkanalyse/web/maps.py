"""The site's clickable map: the wijken (or buurten) of a gemeente coloured by one indicator,
each area a link to its page with its name and value as tooltip (``<title>``).

Drawn with the shared SVG primitives of :mod:`wijkanalyse.present.svgmap` and the boundaries of
:func:`wijkanalyse.gebieden.layers.gemeente_layers`; no tiles, no script.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

import shapely

from wijkanalyse.present.svgmap import MapFrame, path_d, svg_num

__all__ = ["choropleth_svg", "PALETTE"]

#: Five classes, light to dark (ColorBrewer "Blues").
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
_NO_VALUE = "#e0e0e0"


def _breaks(values: Sequence[float], n: int = len(PALETTE)) -> list[float]:
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, math.floor(len(ordered) * i / n))]
            for i in range(1, n)]


def _colour(value: float | None, breaks: Sequence[float]) -> str:
    if value is None:
        return _NO_VALUE
    return PALETTE[sum(1 for b in breaks if value >= b) if breaks else 0]


def choropleth_svg(areas: Sequence[tuple[str, str, Any]], values: Mapping[str, float], *,
                   url: Callable[[str], str], label: str,
                   value_text: Callable[[float], str], highlight: str | None = None,
                   width: int = 560, height: int = 460) -> str | None:
    """An SVG map of ``areas`` (code, name, shapely geometry in RD metres) coloured by
    ``values`` (quintiles), each a link (``url(code)``) with a tooltip ``name: value``.

    The ``<svg>`` is a ``role="group"`` named by ``label`` (``aria-label``): it holds links, and
    ``role="img"`` would hide them from assistive technology (axe: nested-interactive).
    Returns ``None`` when no area has a geometry.
    """
    shapes = [(c, n, g) for c, n, g in areas if g is not None and not g.is_empty]
    if not shapes:
        return None
    extent = shapely.union_all([g for _, _, g in shapes])
    legend_h = 34
    frame = MapFrame.fit(extent.bounds, width, height - legend_h, 6)
    tol = 0.4 / frame.scale
    breaks = _breaks([v for c, _, _ in shapes if (v := values.get(c)) is not None])
    body = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    for code, name, geom in shapes:
        value = values.get(code)
        d = path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)
        tip = f"{name}: {value_text(value) if value is not None else 'geen waarde'}"
        stroke = ('stroke="#d62728" stroke-width="2.5"' if code == highlight
                  else 'stroke="#444444" stroke-width="0.6"')
        body.append(f'<a href="{escape(url(code))}"><path d="{d}" fill="{_colour(value, breaks)}"'
                    f' fill-rule="evenodd" {stroke}><title>{escape(tip)}</title></path></a>')
    y = height - legend_h + 8
    step = (width - 16) / (len(PALETTE) + 1)
    edges = [min(values.values(), default=0.0), *breaks]
    for i, colour in enumerate([*PALETTE, _NO_VALUE]):
        x = 8 + i * step
        text = ("geen waarde" if i == len(PALETTE)
                else f"vanaf {value_text(edges[i])}" if i < len(edges) else "")
        body.append(f'<rect x="{svg_num(x)}" y="{svg_num(y)}" width="12" height="12" '
                    f'fill="{colour}" stroke="#888888" stroke-width="0.5"/>'
                    f'<text x="{svg_num(x + 16)}" y="{svg_num(y + 10)}" font-size="10" '
                    f'fill="#222222">{escape(text)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="group" aria-label="{escape(label)}">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')
