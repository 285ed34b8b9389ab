"""The Ligging map as a self-contained inline SVG (no JavaScript, no external resources).

:func:`render_map_svg` draws a :class:`~wijkanalyse.profile_model.Location` server-side, so the
same markup works in the offline HTML report and in the PDF (WeasyPrint):

* geometries are projected from WGS84 to RD New (EPSG:28992) so shapes are not distorted,
  fitted to the gemeente (and subject) bounds with a margin, and simplified with a tolerance
  of a fraction of a pixel (in metres), which keeps Amsterdam with all its buurten small;
* the gemeente is grey with a dark outline, the other wijken/buurten light with thin white
  borders, the subject hatched with a thick dark outline (legible in black-and-white print),
  with a ring around it when it is smaller than a few pixels (a buurt in Amsterdam);
* the centre the distance is measured to (``Location.gemeente_centroid``) is marked with a
  ringed dot and joined to the subject's centroid by a dashed line, only when a distance was
  computed; without a boundary of the subject but with a known centroid the subject is a dot;
* a scale bar with a Dutch label ("1 km", "500 m"), a north arrow (RD New grid north, within
  2° of true north in the Netherlands), a legend and the caption "Bron: ..." with
  ``Location.source``. Without a map of the subject, ``Location.note`` is printed under it.

All text is XML-escaped. Sizes are in CSS pixels; the SVG scales with its ``viewBox``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .fmt import nl_number
from .location import to_rd
from .profile_model import Location

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
GEMEENTE_FILL = "#ececec"
GEMEENTE_STROKE = "#555555"
CONTEXT_FILL = "#d4d4d4"
SUBJECT_FILL = "#f4a582"
SUBJECT_HATCH = "#b2182b"
SUBJECT_STROKE = "#3b0010"
TEXT = "#222222"

_SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000,
                  100000)
_CHAR_WIDTH = 0.58  # average glyph width of DejaVu Sans / Arial as a fraction of the font size
_SMALL_PX = 14  # subjects smaller than this (pixels) get a ring around them


@dataclass
class _Frame:
    """Maps RD New metres to SVG pixels."""

    minx: float
    maxy: float
    scale: float  # pixels per metre
    ox: float
    oy: float

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + (x - self.minx) * self.scale, self.oy + (self.maxy - y) * self.scale)


def _parse(texts: list[str] | None) -> list[BaseGeometry]:
    texts = [t for t in (texts or []) if t]
    if not texts:
        return []
    geoms = to_rd(shapely.from_geojson(np.array(texts, dtype=object)))
    return [g for g in geoms if g is not None and not g.is_empty]


def _num(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path_d(geom: BaseGeometry, frame: _Frame) -> str:
    """SVG path data of the polygons in ``geom`` (even-odd fill keeps holes)."""
    parts: list[str] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type == "GeometryCollection" or poly.geom_type.startswith("Multi"):
            parts.append(_path_d(poly, frame))
            continue
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            coords = np.asarray(ring.coords)
            if len(coords) < 4:
                continue
            pts = [frame.xy(x, y) for x, y in coords[:-1]]
            head = f"M{_num(pts[0][0])} {_num(pts[0][1])}"
            rest = " ".join(f"{_num(px)} {_num(py)}" for px, py in pts[1:])
            parts.append(f"{head}L{rest}Z")
    return "".join(parts)


def _wrap(text: str, *, width_px: float, font_size: float) -> list[str]:
    """Greedy word wrap by an estimated glyph width."""
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


def _text(x: float, y: float, text: str, *, size: float = 11, weight: str | None = None,
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


def _scale_bar(frame: _Frame, x: float, y: float, map_w: float) -> str:
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
        + _text(x, y - 4, "0", size=9)
        + _text(x + px, y - 4, label, size=9, anchor="end")
        + "</g>"
    )


def _north_arrow(x: float, y: float) -> str:
    """A north arrow with its tip at (x, y)."""
    return (
        f'<g class="noordpijl"><rect x="{_num(x - 11)}" y="{_num(y - 14)}" width="22" '
        f'height="44" fill="#ffffff" fill-opacity="0.8"/>'
        + _text(x, y - 2, "N", size=11, weight="bold", anchor="middle")
        + f'<path d="M{_num(x)} {_num(y + 2)}L{_num(x + 7)} {_num(y + 26)}L{_num(x)} '
        f'{_num(y + 20)}Z" fill="{TEXT}"/>'
        f'<path d="M{_num(x)} {_num(y + 2)}L{_num(x - 7)} {_num(y + 26)}L{_num(x)} '
        f'{_num(y + 20)}Z" fill="#ffffff" stroke="{TEXT}" stroke-width="0.8"/></g>'
    )


def _defs() -> str:
    return (
        '<defs><pattern id="wa-arcering" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{SUBJECT_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{SUBJECT_HATCH}" stroke-width="2.4"/>'
        "</pattern></defs>"
    )


def _legend_items(location: Location, title: str | None, has_context: bool,
                  has_gemeente: bool, show_centre: bool, show_point: bool,
                  outline_only: bool) -> list[tuple[str, str]]:
    """(swatch svg with origin at 0,0 and size 14x10, label) pairs."""
    items: list[tuple[str, str]] = []
    name = title or "dit gebied"
    if location.has_map:
        fill = GEMEENTE_FILL if outline_only else "url(#wa-arcering)"
        items.append((f'<rect width="14" height="10" fill="{fill}" '
                      f'stroke="{SUBJECT_STROKE}" stroke-width="1.6"/>', name))
    elif show_point:
        items.append((f'<circle cx="7" cy="5" r="4.5" fill="{SUBJECT_HATCH}" '
                      f'stroke="{SUBJECT_STROKE}" stroke-width="1"/>', name))
    if has_gemeente:
        items.append((f'<rect width="14" height="10" fill="{GEMEENTE_FILL}" '
                      f'stroke="{GEMEENTE_STROKE}" stroke-width="1"/>', "gemeente"))
    if has_context:
        items.append((f'<rect width="14" height="10" fill="{CONTEXT_FILL}" stroke="#ffffff" '
                      'stroke-width="1"/>',
                      "wijken of buurten" if outline_only else "andere wijken of buurten"))
    if show_centre:
        km = nl_number(location.distance_to_centre_km, decimals=1)
        items.append(('<circle cx="7" cy="5" r="4.5" fill="#ffffff" stroke="#000000" '
                      'stroke-width="1.5"/><circle cx="7" cy="5" r="1.6" fill="#000000"/>',
                      f"midden van de gemeente (afstand {km} km)"))
    return items


def _layout_legend(items: list[tuple[str, str]], *, x0: float, width: float,
                   size: float) -> list[list[tuple[float, str, str]]]:
    """Flow legend items into rows: [(x, swatch, label)] per row."""
    rows: list[list[tuple[float, str, str]]] = [[]]
    x = x0
    for swatch, label in items:
        w = 14 + 5 + len(label) * size * _CHAR_WIDTH + 14
        if rows[-1] and x + w > x0 + width:
            rows.append([])
            x = x0
        rows[-1].append((x, swatch, label))
        x += w
    return [r for r in rows if r]


def render_map_svg(location: Location, *, width: int = 560, height: int = 420,
                   title: str | None = None, caption: bool = True) -> str:
    """The Ligging map of a location as a standalone SVG document string.

    Parameters
    ----------
    location
        Output of :func:`wijkanalyse.location.locate`.
    width, height
        Size of the whole figure (map, legend and caption) in CSS pixels.
    title
        Heading above the map and the subject's legend label (e.g. ``"Zuid, Alkmaar"``);
        without it the legend says "dit gebied".

    caption
        Draw the "Bron: ..." line inside the SVG (standalone use). A report that captions the
        figure itself passes ``False``.

    Returns
    -------
    str
        ``<svg ...>...</svg>``, without XML declaration, so it can be inlined in HTML; it is
        also a valid XML document on its own.
    """
    pad = 8.0
    gemeente = _parse([location.gemeente_geojson] if location.gemeente_geojson else [])
    context = _parse(location.context_geojson)
    area = _parse(location.area_geojson)
    # a gemeente as subject: outline it, so its wijken stay visible
    outline_only = bool(area) and location.area_geojson == [location.gemeente_geojson]
    centre_ll = location.gemeente_centroid
    show_centre = location.distance_to_centre_km is not None and centre_ll is not None
    centroid_rd = to_rd(Point(*location.centroid)) if location.centroid else None
    centre_rd = to_rd(Point(*centre_ll)) if centre_ll else None
    show_point = not area and centroid_rd is not None

    # header and footer
    header = 24.0 if title else pad
    legend_size = 10.0
    caption_size = 9.0
    items = _legend_items(location, title, bool(context), bool(gemeente) and not outline_only,
                          show_centre, show_point, outline_only)
    legend_rows = _layout_legend(items, x0=pad, width=width - 2 * pad, size=legend_size)
    note_lines = ([] if location.has_map or not location.note else
                  _wrap(location.note, width_px=width - 2 * pad, font_size=caption_size + 1))
    source = f"Bron: {location.source}" if location.source else "Bron: geen grenzen geladen"
    caption_lines = (_wrap(source, width_px=width - 2 * pad, font_size=caption_size)
                     if caption else [])
    footer = (6 + 15 * len(legend_rows) + 13 * len(note_lines) + 11.5 * len(caption_lines)
              + pad)
    map_x, map_y = pad, header
    map_w, map_h = width - 2 * pad, max(60.0, height - header - footer)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_num(height)}" '
        f'viewBox="0 0 {width} {_num(height)}" role="img" '
        f"aria-label={quoteattr(title or 'Kaart van de ligging')} "
        f'font-family="{FONT}" class="wa-kaart">',
        f"<title>{escape(title or 'Kaart van de ligging')}</title>",
        _defs(),
        f'<rect width="{width}" height="{_num(height)}" fill="#ffffff"/>',
    ]
    if title:
        out.append(_text(pad, 17, title, size=14, weight="bold"))

    shapes = gemeente + area + context
    extras = [g for g in (centroid_rd, centre_rd if show_centre else None) if g is not None]
    if shapes or extras:
        minx, miny, maxx, maxy = shapely.total_bounds(shapes + extras)
        span = max(maxx - minx, maxy - miny, 500.0)
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        if maxx - minx < 500.0 and maxy - miny < 500.0:  # a point only: show 1 km around it
            minx, maxx, miny, maxy = cx - span, cx + span, cy - span, cy + span
        inner_w, inner_h = map_w * 0.94, map_h * 0.94
        scale = min(inner_w / max(maxx - minx, 1.0), inner_h / max(maxy - miny, 1.0))
        ox = map_x + (map_w - (maxx - minx) * scale) / 2
        oy = map_y + (map_h - (maxy - miny) * scale) / 2
        frame = _Frame(minx=minx, maxy=maxy, scale=scale, ox=ox, oy=oy)
        tol = 0.4 / scale  # metres per 0.4 pixel

        def d(geom: BaseGeometry) -> str:
            return _path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)

        for g in gemeente:
            out.append(f'<path d="{d(g)}" fill="{GEMEENTE_FILL}" stroke="{GEMEENTE_STROKE}" '
                       'stroke-width="1.2" fill-rule="evenodd" stroke-linejoin="round"/>')
        if context:
            paths = "".join(f'<path d="{d(g)}"/>' for g in context)
            out.append(f'<g fill="{CONTEXT_FILL}" stroke="#ffffff" stroke-width="0.7" '
                       f'fill-rule="evenodd" stroke-linejoin="round">{paths}</g>')
        for g in gemeente:  # outline again on top of the context areas
            out.append(f'<path d="{d(g)}" fill="none" stroke="{GEMEENTE_STROKE}" '
                       'stroke-width="1.2" stroke-linejoin="round"/>')
        if area:
            paths = "".join(f'<path d="{d(g)}"/>' for g in area)
            fill = "none" if outline_only else "url(#wa-arcering)"
            out.append(f'<g fill="{fill}" stroke="{SUBJECT_STROKE}" '
                       f'stroke-width="2.2" fill-rule="evenodd" stroke-linejoin="round">'
                       f"{paths}</g>")
            ax0, ay0, ax1, ay1 = shapely.total_bounds(area)
            if max(ax1 - ax0, ay1 - ay0) * scale < _SMALL_PX:  # too small to find: ring it
                rx, ry = frame.xy((ax0 + ax1) / 2, (ay0 + ay1) / 2)
                out.append(f'<circle cx="{_num(rx)}" cy="{_num(ry)}" r="{_SMALL_PX}" '
                           f'fill="none" stroke="{SUBJECT_HATCH}" stroke-width="2"/>')
        if show_centre and centre_rd is not None:
            px, py = frame.xy(centre_rd.x, centre_rd.y)
            if centroid_rd is not None:
                sx, sy = frame.xy(centroid_rd.x, centroid_rd.y)
                if math.hypot(px - sx, py - sy) > 6:
                    out.append(f'<line x1="{_num(sx)}" y1="{_num(sy)}" x2="{_num(px)}" '
                               f'y2="{_num(py)}" stroke="#000000" stroke-width="1.2" '
                               'stroke-dasharray="4 3"/>')
            out.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="5" fill="#ffffff" '
                       'stroke="#000000" stroke-width="1.5"/>'
                       f'<circle cx="{_num(px)}" cy="{_num(py)}" r="1.8" fill="#000000"/>')
        if show_point and centroid_rd is not None:
            sx, sy = frame.xy(centroid_rd.x, centroid_rd.y)
            out.append(f'<circle cx="{_num(sx)}" cy="{_num(sy)}" r="6" fill="{SUBJECT_HATCH}" '
                       f'stroke="{SUBJECT_STROKE}" stroke-width="1.5"/>')
        out.append(_scale_bar(frame, map_x + 10, map_y + map_h - 12, map_w))
        out.append(_north_arrow(map_x + map_w - 18, map_y + 16))
    else:
        out.append(f'<rect x="{_num(map_x)}" y="{_num(map_y)}" width="{_num(map_w)}" '
                   f'height="{_num(map_h)}" fill="#f6f6f6" stroke="#cccccc"/>')
        out.append(_text(map_x + map_w / 2, map_y + map_h / 2, "Geen kaart beschikbaar",
                         size=12, anchor="middle", style="italic"))

    # legend, note and caption
    y = map_y + map_h + 6
    for row in legend_rows:
        for x, swatch, label in row:
            out.append(f'<g transform="translate({_num(x)} {_num(y)})">{swatch}</g>')
            out.append(_text(x + 19, y + 9, label, size=legend_size))
        y += 15
    for line in note_lines:
        y += 13
        out.append(_text(pad, y - 3, line, size=caption_size + 1, style="italic"))
    for line in caption_lines:
        y += 11.5
        out.append(_text(pad, y - 2, line, size=caption_size, fill="#444444"))
    out.append("</svg>")
    return "".join(out)
