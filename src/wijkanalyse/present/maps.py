"""The Ligging map as a self-contained inline SVG (no JavaScript, no external resources).

:func:`render_map_svg` draws a :class:`~wijkanalyse.model.Location` server-side, so the
same markup works in the offline HTML report and in the PDF (Typst):

* geometries are projected from WGS84 to RD New (EPSG:28992) so shapes are not distorted,
  fitted to the gemeente (and subject) bounds with a margin, and simplified with a tolerance
  of a fraction of a pixel (in metres), which keeps Amsterdam with all its buurten small;
* the gemeente is grey with a dark outline, the other wijken/buurten light with thin white
  borders, the subject hatched with a thick dark outline (legible in black-and-white print),
  with a ring around it when it is smaller than a few pixels (a buurt in Amsterdam);
* the centre the distance is measured to (``Location.gemeente_centroid``) is marked with a
  ringed dot and joined to the subject's centroid by a dashed line, only when a distance was
  computed; without a boundary of the subject but with a known centroid the subject is a dot;
* the neighbours are labelled with their names
  (:func:`~wijkanalyse.present.svgmap.place_labels`): a name is written inside its area when
  it fits there without touching another label, the neighbours that touch the subject first,
  then the larger ones; a neighbour that touches the subject but whose name does not fit gets
  a number, explained in a numbered list under the map; the others stay unnamed. Names
  have a white halo, so they stay readable on any fill;
* the legend says the boundary year of each layer ("grens van 2016", "grenzen van 2015",
  "gemeentegrens van 2022"), and ``Location.boundary_note`` is printed under the map;
* a scale bar with a Dutch label ("1 km", "500 m"), a north arrow (RD New grid north, within
  2° of true north in the Netherlands), a legend and the caption "Bron: ..." with
  ``Location.source``. Without a map of the subject, ``Location.note`` is printed under it.

All text is XML-escaped. Sizes are in CSS pixels; the SVG scales with its ``viewBox``.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden.layers import to_rd
from wijkanalyse.model import Location, MapArea
from wijkanalyse.present.svgmap import (
    _CHAR_WIDTH,
    MapFrame,
    north_arrow,
    path_d,
    place_labels,
    scale_bar,
    svg_num,
    svg_text,
    wrap_text,
)

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
GEMEENTE_FILL = "#ececec"
GEMEENTE_STROKE = "#555555"
CONTEXT_FILL = "#d4d4d4"
SUBJECT_FILL = "#f4a582"
SUBJECT_HATCH = "#b2182b"
SUBJECT_STROKE = "#3b0010"

_SMALL_PX = 14  # subjects smaller than this (pixels) get a ring around them

_num = svg_num  # the short names used in this module
_text = svg_text


def _parse(texts: list[str] | None) -> list[BaseGeometry]:
    texts = [t for t in (texts or []) if t]
    if not texts:
        return []
    geoms = to_rd(shapely.from_geojson(np.array(texts, dtype=object)))
    return [g for g in geoms if g is not None and not g.is_empty]


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
    if location.boundary_years and not outline_only:
        word = "grens" if len(location.area_geojson) <= 1 else "grenzen"
        name += f" ({word} van {join_nl(sorted(set(location.boundary_years)))})"
    if location.has_map:
        fill = GEMEENTE_FILL if outline_only else "url(#wa-arcering)"
        items.append((f'<rect width="14" height="10" fill="{fill}" '
                      f'stroke="{SUBJECT_STROKE}" stroke-width="1.6"/>', name))
    elif show_point:
        items.append((f'<circle cx="7" cy="5" r="4.5" fill="{SUBJECT_HATCH}" '
                      f'stroke="{SUBJECT_STROKE}" stroke-width="1"/>', name))
    if has_gemeente:
        gem = "gemeente"
        if location.gemeente_year:
            gem += f" (grens van {location.gemeente_year})"
        items.append((f'<rect width="14" height="10" fill="{GEMEENTE_FILL}" '
                      f'stroke="{GEMEENTE_STROKE}" stroke-width="1"/>', gem))
    if has_context:
        ctx = "wijken of buurten" if outline_only else "andere wijken of buurten"
        if location.context_years:
            ctx += f" (grenzen van {join_nl(sorted(set(location.context_years)))})"
        items.append((f'<rect width="14" height="10" fill="{CONTEXT_FILL}" stroke="#ffffff" '
                      'stroke-width="1"/>', ctx))
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


def _context_parsed(location: Location) -> list[tuple[MapArea, BaseGeometry]]:
    """The neighbours with their geometries in RD New (one projection call for all)."""
    areas = [a for a in location.context if a.geojson]
    if not areas:
        return []
    geoms = to_rd(shapely.from_geojson(np.array([a.geojson for a in areas], dtype=object)))
    return [(a, g) for a, g in zip(areas, geoms, strict=True)
            if g is not None and not g.is_empty]


#: A subject smaller than this share of its gemeente's extent gets a second, zoomed map.
ZOOM_SHARE = 0.3


def needs_zoom(location: Location) -> bool:
    """Whether the subject is small on the gemeente map, so that a second map of its
    surroundings (``view="omgeving"``) makes the neighbours' names readable."""
    if not location.has_map or not location.gemeente_geojson or not location.context:
        return False
    area = _parse(location.area_geojson)
    gemeente = _parse([location.gemeente_geojson])
    if not area or not gemeente:
        return False
    ax0, ay0, ax1, ay1 = shapely.total_bounds(area)
    gx0, gy0, gx1, gy1 = shapely.total_bounds(gemeente)
    return bool(max(ax1 - ax0, ay1 - ay0) < ZOOM_SHARE * max(gx1 - gx0, gy1 - gy0))


def render_map_svg(location: Location, *, width: int = 560, height: int = 420,
                   title: str | None = None, caption: bool = True,
                   view: str = "gemeente", name: str | None = None) -> str:
    """The Ligging map of a location as a standalone SVG document string.

    Parameters
    ----------
    location
        Output of :func:`wijkanalyse.gebieden.location.locate`.
    width, height
        Size of the whole figure (map, legend and caption) in CSS pixels.
    title
        Heading above the map and the subject's legend label (e.g. ``"Zuid, Alkmaar"``);
        without it the legend says "dit gebied".

    caption
        Draw the "Bron: ..." line inside the SVG (standalone use). A report that captions the
        figure itself passes ``False``.
    view
        ``"gemeente"``: the whole gemeente; ``"omgeving"``: the subject and the neighbours that
        touch it, enlarged (everything outside is cut off), so that their names fit.
    name
        The subject's name in the legend and on the map (default: ``title``).

    Returns
    -------
    str
        ``<svg ...>...</svg>``, without XML declaration, so it can be inlined in HTML; it is
        also a valid XML document on its own.
    """
    if view not in ("gemeente", "omgeving"):
        raise ValueError(f"onbekende kaartweergave {view!r}: kies 'gemeente' of 'omgeving'")
    pad = 8.0
    gemeente = _parse([location.gemeente_geojson] if location.gemeente_geojson else [])
    context_areas = _context_parsed(location)
    context = [g for _, g in context_areas]
    area = _parse(location.area_geojson)
    # a gemeente as subject: outline it, so its wijken stay visible
    outline_only = bool(area) and location.area_geojson == [location.gemeente_geojson]
    centre_ll = location.gemeente_centroid
    show_centre = location.distance_to_centre_km is not None and centre_ll is not None
    centroid_rd: Point | None = to_rd(Point(*location.centroid)) if location.centroid else None
    centre_rd: Point | None = to_rd(Point(*centre_ll)) if centre_ll else None
    show_point = not area and centroid_rd is not None

    # header and footer
    header = 24.0 if title else pad
    legend_size = 10.0
    caption_size = 9.0
    name = name or title
    items = _legend_items(location, name, bool(context), bool(gemeente) and not outline_only,
                          show_centre, show_point, outline_only)
    legend_rows = _layout_legend(items, x0=pad, width=width - 2 * pad, size=legend_size)
    note_lines = ([] if location.has_map or not location.note else
                  wrap_text(location.note, width_px=width - 2 * pad, font_size=caption_size + 1))
    source = f"Bron: {location.source}" if location.source else "Bron: geen grenzen geladen"
    caption_lines = (wrap_text(source, width_px=width - 2 * pad, font_size=caption_size)
                     if caption else [])
    footer = (6 + 15 * len(legend_rows) + 13 * len(note_lines) + 11.5 * len(caption_lines)
              + pad)
    map_x, map_y = pad, header
    map_w, map_h = width - 2 * pad, max(60.0, height - header - footer)

    body: list[str] = [_defs()]
    if title:
        body.append(_text(pad, 17, title, size=14, weight="bold"))

    numbered: list[tuple[int, str]] = []
    shapes = gemeente + area + context
    extras = [g for g in (centroid_rd, centre_rd if show_centre else None) if g is not None]
    zoomed = view == "omgeving" and bool(area)
    if zoomed:
        # the subject with about its own size around it on every side (at least 600 m):
        # the neighbours that touch it are visible, cut off at the frame
        x0, y0, x1, y1 = shapely.total_bounds(area)
        grow = max(1.1 * max(x1 - x0, y1 - y0), 600.0)
        shapes = [shapely.box(x0 - grow, y0 - grow, x1 + grow, y1 + grow)]
        extras = []
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
        frame = MapFrame(minx=minx, maxy=maxy, scale=scale, ox=ox, oy=oy)
        tol = 0.4 / scale  # metres per 0.4 pixel

        def d(geom: BaseGeometry) -> str:
            return path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)

        if zoomed:  # cut everything off at the map frame
            body.append(f'<clipPath id="wa-kader"><rect x="{_num(map_x)}" y="{_num(map_y)}" '
                        f'width="{_num(map_w)}" height="{_num(map_h)}"/></clipPath>'
                        '<g clip-path="url(#wa-kader)">')

        for g in gemeente:
            body.append(f'<path d="{d(g)}" fill="{GEMEENTE_FILL}" stroke="{GEMEENTE_STROKE}" '
                        'stroke-width="1.2" fill-rule="evenodd" stroke-linejoin="round"/>')
        if context:
            paths = "".join(f'<path d="{d(g)}"/>' for g in context)
            body.append(f'<g fill="{CONTEXT_FILL}" stroke="#ffffff" stroke-width="0.7" '
                        f'fill-rule="evenodd" stroke-linejoin="round">{paths}</g>')
        for g in gemeente:  # outline again on top of the context areas
            body.append(f'<path d="{d(g)}" fill="none" stroke="{GEMEENTE_STROKE}" '
                        'stroke-width="1.2" stroke-linejoin="round"/>')
        if area:
            paths = "".join(f'<path d="{d(g)}"/>' for g in area)
            fill = "none" if outline_only else "url(#wa-arcering)"
            body.append(f'<g fill="{fill}" stroke="{SUBJECT_STROKE}" '
                        f'stroke-width="2.2" fill-rule="evenodd" stroke-linejoin="round">'
                        f"{paths}</g>")
            ax0, ay0, ax1, ay1 = shapely.total_bounds(area)
            if max(ax1 - ax0, ay1 - ay0) * scale < _SMALL_PX:  # too small to find: ring it
                rx, ry = frame.xy((ax0 + ax1) / 2, (ay0 + ay1) / 2)
                body.append(f'<circle cx="{_num(rx)}" cy="{_num(ry)}" r="{_SMALL_PX}" '
                            f'fill="none" stroke="{SUBJECT_HATCH}" stroke-width="2"/>')
        if show_centre and centre_rd is not None:
            px, py = frame.xy(centre_rd.x, centre_rd.y)
            if centroid_rd is not None:
                sx, sy = frame.xy(centroid_rd.x, centroid_rd.y)
                if math.hypot(px - sx, py - sy) > 6:
                    body.append(f'<line x1="{_num(sx)}" y1="{_num(sy)}" x2="{_num(px)}" '
                                f'y2="{_num(py)}" stroke="#000000" stroke-width="1.2" '
                                'stroke-dasharray="4 3"/>')
            body.append(f'<circle cx="{_num(px)}" cy="{_num(py)}" r="5" fill="#ffffff" '
                        'stroke="#000000" stroke-width="1.5"/>'
                        f'<circle cx="{_num(px)}" cy="{_num(py)}" r="1.8" fill="#000000"/>')
        if show_point and centroid_rd is not None:
            sx, sy = frame.xy(centroid_rd.x, centroid_rd.y)
            body.append(f'<circle cx="{_num(sx)}" cy="{_num(sy)}" r="6" fill="{SUBJECT_HATCH}" '
                        f'stroke="{SUBJECT_STROKE}" stroke-width="1.5"/>')
        if zoomed:
            body.append("</g>")
            body.append(f'<rect x="{_num(map_x)}" y="{_num(map_y)}" width="{_num(map_w)}" '
                        f'height="{_num(map_h)}" fill="none" stroke="#999999" '
                        'stroke-width="0.6"/>')
        # names of the neighbours (and of the subject), clear of the scale bar and arrow
        reserved = [(map_x, map_y + map_h - 34, map_x + map_w * 0.4, map_y + map_h),
                    (map_x + map_w - 34, map_y, map_x + map_w, map_y + 50)]
        if show_centre and centre_rd is not None:
            px, py = frame.xy(centre_rd.x, centre_rd.y)
            reserved.append((px - 6, py - 6, px + 6, py + 6))
        labelled: list[tuple[str, BaseGeometry]] = []
        bold: set[int] = set()
        view_box = None
        if zoomed:  # the visible part of the map in metres (labels stay inside it)
            view_box = shapely.box(frame.minx - (frame.ox - map_x) / scale,
                                   frame.maxy - (map_y + map_h - frame.oy) / scale,
                                   frame.minx + (map_x + map_w - frame.ox) / scale,
                                   frame.maxy + (frame.oy - map_y) / scale)
        if area and not outline_only and name:
            labelled.append((name, shapely.union_all(area)))
            bold.add(0)
        subject_geom = shapely.union_all(area) if area else None
        near = 2.5 / scale  # touching: within 2,5 pixels
        priority: set[int] = set()
        for a, g in context_areas:
            if view_box is not None:
                if not g.intersects(view_box):
                    continue
                g = g.intersection(view_box)
            if subject_geom is not None and g.distance(subject_geom) <= near:
                priority.add(len(labelled))
            labelled.append((a.name, g))
        if not area and context_areas:
            priority = set(range(len(labelled)))  # no subject: number the largest ones
        placed = place_labels(labelled, frame, reserved=reserved, priority=priority,
                              bold=bold, max_numbers=24 if area else 12)
        body.append(f'<g class="namen">{placed.svg}</g>')
        numbered = placed.numbered
        body.append(scale_bar(frame, map_x + 10, map_y + map_h - 12, map_w))
        body.append(north_arrow(map_x + map_w - 18, map_y + 16))
    else:
        body.append(f'<rect x="{_num(map_x)}" y="{_num(map_y)}" width="{_num(map_w)}" '
                    f'height="{_num(map_h)}" fill="#f6f6f6" stroke="#cccccc"/>')
        body.append(_text(map_x + map_w / 2, map_y + map_h / 2, "Geen kaart beschikbaar",
                          size=12, anchor="middle", style="italic"))

    # legend, numbered names, note and caption (the figure grows when the list is long)
    y = map_y + map_h + 6
    for row in legend_rows:
        for x, swatch, label in row:
            body.append(f'<g transform="translate({_num(x)} {_num(y)})">{swatch}</g>')
            body.append(_text(x + 19, y + 9, label, size=legend_size))
        y += 15
    if numbered:
        listed = " · ".join(f"{n} {name}" for n, name in numbered)
        for line in wrap_text(listed, width_px=width - 2 * pad, font_size=caption_size + 0.5):
            y += 12.5
            body.append(_text(pad, y - 3, line, size=caption_size + 0.5))
    for line in note_lines:
        y += 13
        body.append(_text(pad, y - 3, line, size=caption_size + 1, style="italic"))
    for line in caption_lines:
        y += 11.5
        body.append(_text(pad, y - 2, line, size=caption_size, fill="#444444"))
    total_h = max(float(height), y + pad)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_num(total_h)}" '
        f'viewBox="0 0 {width} {_num(total_h)}" role="img" '
        f"aria-label={quoteattr(title or 'Kaart van de ligging')} "
        f'font-family="{FONT}" class="wa-kaart">',
        f"<title>{escape(title or 'Kaart van de ligging')}</title>",
        f'<rect width="{width}" height="{_num(total_h)}" fill="#ffffff"/>',
    ]
    return "".join(head + body) + "</svg>"
