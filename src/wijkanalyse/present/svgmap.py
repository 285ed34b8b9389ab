"""SVG drawing for maps: the metres-to-pixels frame, polygon paths, text, labels that never
overlap (:func:`place_labels`), a scale bar and a north arrow.

Used by the Ligging map (:mod:`wijkanalyse.present.maps`) and the maps of the monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from wijkanalyse.fmt import nl_number

TEXT = "#222222"
_SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000,
                  100000)
_CHAR_WIDTH = 0.58  # average glyph width of DejaVu Sans / Arial as a fraction of the font size


@dataclass
class MapFrame:
    """Maps RD New metres to SVG pixels."""

    minx: float
    maxy: float
    scale: float  # pixels per metre
    ox: float
    oy: float

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float], width: float, height: float,
            margin: float) -> MapFrame:
        """The frame that fits ``bounds`` (minx, miny, maxx, maxy in metres), centred, into
        ``width`` × ``height`` pixels less ``margin`` on every side."""
        minx, miny, maxx, maxy = bounds
        scale = min((width - 2 * margin) / max(maxx - minx, 1.0),
                    (height - 2 * margin) / max(maxy - miny, 1.0))
        return cls(minx=minx, maxy=maxy, scale=scale,
                   ox=margin + ((width - 2 * margin) - (maxx - minx) * scale) / 2,
                   oy=margin + ((height - 2 * margin) - (maxy - miny) * scale) / 2)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + (x - self.minx) * self.scale, self.oy + (self.maxy - y) * self.scale)

    def transform(self, coords: np.ndarray) -> np.ndarray:
        """:meth:`xy` of an (n, 2) array of points at once."""
        return np.column_stack([self.ox + (coords[:, 0] - self.minx) * self.scale,
                                self.oy + (self.maxy - coords[:, 1]) * self.scale])


def svg_num(v: float) -> str:
    """A coordinate or size in SVG: one decimal, without ``.0`` (``12.0`` -> ``"12"``)."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


_num = svg_num  # the short name used in this module






def path_d(geom: BaseGeometry, frame: MapFrame) -> str:
    """SVG path data of the polygons in ``geom`` (even-odd fill keeps holes)."""
    parts: list[str] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type == "GeometryCollection" or poly.geom_type.startswith("Multi"):
            parts.append(path_d(poly, frame))
            continue
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = frame.transform(np.asarray(ring.coords)[:-1, :2])
            if len(pts) < 3:
                continue
            head = f"M{_num(pts[0][0])} {_num(pts[0][1])}"
            rest = " ".join(f"{_num(px)} {_num(py)}" for px, py in pts[1:])
            parts.append(f"{head}L{rest}Z")
    return "".join(parts)


def wrap_text(text: str, *, width_px: float, font_size: float) -> list[str]:
    """Greedy word wrap by an estimated glyph width (0,58 of the font size)."""
    max_chars = max(10, int(width_px / (font_size * _CHAR_WIDTH)))
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= max_chars or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def svg_text(x: float, y: float, text: str, *, size: float = 11, weight: str | None = None,
          anchor: str = "start", style: str | None = None, fill: str = TEXT) -> str:
    attrs = [f'x="{_num(x)}"', f'y="{_num(y)}"', f'font-size="{_num(size)}"',
             f"fill={quoteattr(fill)}"]
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if style:
        attrs.append(f'font-style="{style}"')
    return f"<text {' '.join(attrs)}>{escape(text)}</text>"


def _scale_length(metres_per_px: float, map_width_px: float) -> int:
    """A round scale-bar length of about a fifth of the map width."""
    target = map_width_px / 5 * metres_per_px
    fitting = [s for s in _SCALE_STEPS_M if s <= target]
    return fitting[-1] if fitting else _SCALE_STEPS_M[0]


def scale_label(metres: int) -> str:
    """Dutch label of a scale-bar length: ``"1 km"``, ``"2,5 km"``, ``"500 m"``."""
    if metres >= 1000:
        km = metres / 1000
        return f"{nl_number(km, decimals=0 if km == int(km) else 1)} km"
    return f"{metres} m"


def scale_bar(frame: MapFrame, x: float, y: float, map_w: float) -> str:
    """A scale bar of a round length (about a fifth of ``map_w``) at (x, y), labelled in Dutch."""
    length_m = _scale_length(1 / frame.scale, map_w)
    px = length_m * frame.scale
    half = px / 2
    label = scale_label(length_m)
    return (
        f'<g class="schaalbalk"><rect x="{_num(x - 4)}" y="{_num(y - 17)}" '
        f'width="{_num(px + 8)}" height="26" fill="#ffffff" fill-opacity="0.8"/>'
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(half)}" height="5" fill="{TEXT}"/>'
        f'<rect x="{_num(x + half)}" y="{_num(y)}" width="{_num(half)}" height="5" '
        f'fill="#ffffff" stroke="{TEXT}" stroke-width="0.8"/>'
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(px)}" height="5" fill="none" '
        f'stroke="{TEXT}" stroke-width="0.8"/>'
        + svg_text(x, y - 4, "0", size=9)
        + svg_text(x + px, y - 4, label, size=9, anchor="end")
        + "</g>"
    )


def north_arrow(x: float, y: float) -> str:
    """A north arrow with its tip at (x, y)."""
    return (
        f'<g class="noordpijl"><rect x="{_num(x - 11)}" y="{_num(y - 14)}" width="22" '
        f'height="44" fill="#ffffff" fill-opacity="0.8"/>'
        + svg_text(x, y - 2, "N", size=11, weight="bold", anchor="middle")
        + f'<path d="M{_num(x)} {_num(y + 2)}L{_num(x + 7)} {_num(y + 26)}L{_num(x)} '
        f'{_num(y + 20)}Z" fill="{TEXT}"/>'
        f'<path d="M{_num(x)} {_num(y + 2)}L{_num(x - 7)} {_num(y + 26)}L{_num(x)} '
        f'{_num(y + 20)}Z" fill="#ffffff" stroke="{TEXT}" stroke-width="0.8"/></g>'
    )



@dataclass
class PlacedLabels:
    """The labels :func:`place_labels` placed: SVG markup, the numbered list, the names
    written out and the pixel box of every label and number (x0, y0, x1, y1), in that order."""

    svg: str
    numbered: list[tuple[int, str]]
    named: list[str]
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


def _boxes_overlap(a: tuple[float, float, float, float],
                   b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def halo_text(x: float, y: float, text: str, *, size: float, weight: str | None = None,
              fill: str = TEXT) -> str:
    """Centred text with a white halo (a wide white stroke under the text), readable on any
    fill."""
    attrs = (f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="middle"'
             + (f' font-weight="{weight}"' if weight else ""))
    return (f'<text {attrs} fill="#ffffff" stroke="#ffffff" stroke-width="2.6" '
            f'stroke-linejoin="round">{escape(text)}</text>'
            f'<text {attrs} fill="{fill}">{escape(text)}</text>')


def place_labels(areas: list[tuple[str, BaseGeometry]], frame: MapFrame, *,
                 reserved: list[tuple[float, float, float, float]] | None = None,
                 priority: set[int] | None = None, max_numbers: int = 24,
                 sizes: tuple[float, ...] = (8.5, 7.0), bold: set[int] | None = None,
                 ) -> PlacedLabels:
    """Names on a map, never overlapping each other or ``reserved`` boxes.

    Parameters
    ----------
    areas
        (name, geometry in RD New) per area.
    frame
        The map frame (metres to pixels).
    reserved
        Pixel boxes (x0, y0, x1, y1) no label may touch (scale bar, north arrow, legend).
    priority
        Indices of ``areas`` that are labelled first and numbered when their name does not
        fit (the neighbours touching the subject); the others follow by size on the map and
        stay unnamed when their name does not fit.
    max_numbers
        At most this many numbered areas.
    sizes
        Font sizes tried in turn (pixels).
    bold
        Indices whose name is written in bold (the subject).

    Returns
    -------
    PlacedLabels
        The markup, the numbered (number, name) list for a legend and the names written out.
    """
    placed: list[tuple[float, float, float, float]] = list(reserved or [])
    n_reserved = len(placed)
    priority = priority or set()
    bold = bold or set()
    out: list[str] = []
    numbered: list[tuple[int, str]] = []
    named: list[str] = []
    order = sorted(range(len(areas)), key=lambda i: (
        i not in bold, i not in priority, -areas[i][1].area))
    later: list[tuple[int, float, float]] = []
    for i in order:
        name, geom = areas[i]
        if geom.is_empty or not name:
            continue
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        if part.geom_type != "Polygon":
            continue
        try:
            anchor = polylabel(part, tolerance=max(1.0, 2.0 / frame.scale))
        except Exception:  # noqa: BLE001 - degenerate shapes: fall back to a point inside
            anchor = part.representative_point()
        px, py = frame.xy(anchor.x, anchor.y)
        done = False
        for size in sizes:
            w = len(name) * size * _CHAR_WIDTH + 2
            h = size * 1.15
            box = (px - w / 2, py - h * 0.8, px + w / 2, py + h * 0.35)
            if any(_boxes_overlap(box, b) for b in placed):
                continue
            # the box (in metres) must lie (almost) inside the area
            m_box = shapely.box(frame.minx + (box[0] - frame.ox) / frame.scale,
                                frame.maxy - (box[3] - frame.oy) / frame.scale,
                                frame.minx + (box[2] - frame.ox) / frame.scale,
                                frame.maxy - (box[1] - frame.oy) / frame.scale)
            if m_box.area <= 0 or geom.intersection(m_box).area / m_box.area < 0.9:
                continue
            placed.append(box)
            out.append(halo_text(px, py, name, size=size,
                                  weight="bold" if i in bold else None))
            named.append(name)
            done = True
            break
        if not done and i in priority:
            later.append((i, px, py))
    for i, px, py in later:
        if len(numbered) >= max_numbers:
            break
        r = 5.5
        for dx, dy in ((0, 0), (0, -8), (0, 8), (8, 0), (-8, 0)):
            box = (px + dx - r, py + dy - r, px + dx + r, py + dy + r)
            if not any(_boxes_overlap(box, b) for b in placed):
                break
        else:
            continue
        placed.append(box)
        n = len(numbered) + 1
        cx, cy = px + dx, py + dy
        out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="#ffffff" '
                   f'stroke="{TEXT}" stroke-width="0.8"/>'
                   + svg_text(cx, cy + 2.4, str(n), size=6.6, anchor="middle"))
        numbered.append((n, areas[i][0]))
    return PlacedLabels(svg="".join(out), numbered=numbered, named=named,
                        boxes=placed[n_reserved:])
