"""The monitor's SVG maps: the Netherlands by gemeente and one map per gemeente with its units
coloured by trend class."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import shapely

from wijkanalyse.fmt import join_nl
from wijkanalyse.monitor.result import NO_CLASS, MonitorGeo
from wijkanalyse.monitor.wording import is_missing
from wijkanalyse.present import (
    MapFrame,
    halo_text,
    path_d,
    place_labels,
    scale_label,
    wrap_text,
)
from wijkanalyse.present import svg_num as _fmt

__all__ = ["gemeente_map", "national_map"]

# ------------------------------------------------------------------------------ maps
# Many areas at once, drawn with the primitives of mapsvg (frame, paths, labels, wrap).

_MAP_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def _legend(items: Sequence[tuple[str, str, str]], *, x: float, y: float, size: float = 10
            ) -> tuple[str, float]:
    """Legend rows (fill, stroke, label) from (x, y) downwards; returns markup and bottom y."""
    out = []
    for fill, stroke, label in items:
        out.append(f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="12" height="9" '
                   f'fill={quoteattr(fill)} stroke={quoteattr(stroke)} stroke-width="0.6"/>')
        out.append(f'<text x="{_fmt(x + 17)}" y="{_fmt(y + 8)}" font-size="{_fmt(size)}" '
                   f'fill="#222222">{escape(label)}</text>')
        y += 14
    return "".join(out), y


def _svg_doc(width: float, height: float, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map-svg" role="img" '
            f'aria-label={quoteattr(label)} viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
            f'width="{_fmt(width)}" height="{_fmt(height)}" font-family="{_MAP_FONT}">'
            f"{body}</svg>")


def national_map(geo: MonitorGeo, units: pd.DataFrame, *, width: int = 360,
                 height: int = 430, max_labels: int = 20) -> str | None:
    """The Netherlands by gemeente: gemeenten with units that have a trend class dark,
    gemeenten with units but no class light, the others white; the marked gemeenten are
    named when there are at most ``max_labels``. ``None`` without a gemeente map."""
    if not geo.gemeenten:
        return None
    with_class = set(units.loc[units["klasse"] != NO_CLASS, "gemeente_code"].dropna())
    in_set = set(units["gemeente_code"].dropna())
    names = dict(zip(units["gemeente_code"], units["gemeente"], strict=False))
    legend_h = 40
    union = shapely.union_all(list(geo.gemeenten.values()))
    frame = MapFrame.fit(union.bounds, width, height - legend_h, 6)
    scale = frame.scale
    tol = 0.6 / scale
    body = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    for code, geom in sorted(geo.gemeenten.items()):
        fill = "#1b4f8a" if code in with_class else "#9ec0e6" if code in in_set else "#ffffff"
        d = path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#8a8a8a" '
                    f'stroke-width="0.35"><title>{escape(names.get(code, code))}</title></path>')
    marked = sorted(c for c in in_set if c in geo.gemeenten)
    if len(marked) <= max_labels:
        size = 8.5
        placed: list[tuple[float, float, float, float]] = []
        points = []
        for code in marked:
            pt = geo.gemeenten[code].representative_point()
            points.append((code, *frame.xy(pt.x, pt.y)))
        for code, x, y in sorted(points, key=lambda t: (t[2], t[1])):
            text = str(names.get(code, code))
            w, h = len(text) * size * 0.6, size * 1.1
            # above the gemeente, else below, right or left: the first spot that is free
            for dx, dy in ((0, -6), (0, 12), (w / 2 + 6, 3), (-w / 2 - 6, 3), (0, -16),
                           (0, 22)):
                box = (x + dx - w / 2, y + dy - h, x + dx + w / 2, y + dy + 2)
                if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                           for b in placed):
                    break
            placed.append(box)
            body.append(halo_text(x + dx, y + dy, text, size=size, fill="#111111"))
    items = [("#1b4f8a", "#8a8a8a", "gemeente met wijken met een klasse"),
             ("#9ec0e6", "#8a8a8a", "gemeente in de set, zonder Leefbaarometer-reeks")]
    if not in_set - with_class:
        items = items[:1]
    legend, _ = _legend(items, x=6, y=height - legend_h + 6, size=10)
    body.append(legend)
    return _svg_doc(width, height, "".join(body),
                    "Kaart van Nederland met de gemeenten van de set")


def gemeente_map(gm: str, gm_name: str, geo: MonitorGeo, units: pd.DataFrame,
                 class_info: dict[str, dict[str, Any]], *, width: int = 520,
                 height: int = 440) -> str | None:
    """The units of one gemeente coloured by trend class, on the gemeente outline with the
    other wijken (or buurten) of the gemeente light around them, every area labelled with its
    name where it fits (the units first; a unit whose name does not fit gets a number, listed
    under the map; :func:`wijkanalyse.present.maps.place_labels`), with a legend that gives the
    boundary years and a scale bar. ``None`` when no unit of the gemeente has a boundary."""
    rows = units[(units["gemeente_code"] == gm) & units["unit_id"].isin(list(geo.units))]
    if rows.empty:
        return None
    shapes = [(r, geo.units[r.unit_id]) for r in rows.itertuples()]
    outline = geo.gemeenten.get(gm)
    context = geo.context.get(gm, [])
    extent = shapely.union_all([g for _, g in shapes] + ([outline] if outline else [])
                               + [c[2] for c in context])
    n_classes = len({r.klasse for r, _ in shapes})
    legend_h = 16 + 14 * (math.ceil(n_classes / 2) + 1 + (1 if context else 0))
    frame = MapFrame.fit(extent.bounds, width, height - legend_h, 8)
    scale = frame.scale
    tol = 0.4 / scale
    body = [f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if outline is not None:
        d = path_d(shapely.simplify(outline, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="#f0f0f0" fill-rule="evenodd" stroke="#555555" '
                    'stroke-width="1"/>')
    if context:
        paths = "".join(
            f'<path d="{path_d(shapely.simplify(g, tol, preserve_topology=True), frame)}">'
            f"<title>{escape(str(name))}</title></path>" for _, name, g, _ in context)
        body.append(f'<g fill="#dddddd" fill-rule="evenodd" stroke="#ffffff" '
                    f'stroke-width="0.6">{paths}</g>')
    for r, geom in shapes:
        colour = class_info.get(r.klasse, {}).get("colour", "#cccccc")
        d = path_d(shapely.simplify(geom, tol, preserve_topology=True), frame)
        body.append(f'<path d="{d}" fill="{colour}" fill-rule="evenodd" stroke="#222222" '
                    f'stroke-width="0.9"><title>{escape(str(r.name))}: '
                    f'{escape(str(r.klasse_label))}'
                    + (f" ({escape(str(r.klasse_geldt_voor_tekst))})"
                       if getattr(r, "klasse_geldt_voor_tekst", "") else "")
                    + '</title></path>')
    # names: the units first (numbered when they do not fit), then the other areas
    y0 = height - legend_h - 10
    reserved: list[tuple[float, float, float, float]] = [
        (width - 160, y0 - 20, width, y0 + 4)]
    named = [(str(r.name), g) for r, g in shapes] + [(str(c[1]), c[2]) for c in context]
    placed = place_labels(named, frame, reserved=reserved, priority=set(range(len(shapes))),
                          max_numbers=40, sizes=(8.0, 6.8))
    body.append(f'<g class="namen">{placed.svg}</g>')
    # scale bar (about a fifth of the width, rounded)
    metres = (width / 5) / scale
    steps = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)
    length = max([s for s in steps if s <= metres] or [steps[0]])
    px = length * scale
    body.append(f'<g><rect x="{_fmt(width - px - 14)}" y="{_fmt(y0 - 4)}" width="{_fmt(px)}" '
                f'height="4" fill="#222222"/><text x="{_fmt(width - px / 2 - 14)}" '
                f'y="{_fmt(y0 - 8)}" font-size="10" text-anchor="middle" fill="#222222">'
                f"{escape(scale_label(length))}</text></g>")
    present = [k for k in class_info if k in {r.klasse for r, _ in shapes}]
    half = math.ceil(len(present) / 2)
    cols = [present[:half], present[half:]]
    bottom: float = height - legend_h + 6
    for c, keys in enumerate(cols):
        items = [(class_info[k]["colour"], "#555555", class_info[k]["label"]) for k in keys]
        legend, end = _legend(items, x=8 + c * width / 2, y=height - legend_h + 6, size=10)
        body.append(legend)
        bottom = max(bottom, end)
    unit_years = sorted({y for r, _ in shapes for y in geo.unit_years.get(r.unit_id, [])})
    ctx_years = sorted({c[3] for c in context if c[3] is not None})
    extra_items = []
    if context:
        extra_items.append(("#dddddd", "#ffffff", "andere wijken of buurten van de gemeente"
                            + (f" (grenzen van {join_nl([str(y) for y in ctx_years])})"
                               if ctx_years else "")))
    if outline is not None and geo.gemeenten_year:
        extra_items.append(("#f0f0f0", "#555555",
                            f"gemeente (grens van {geo.gemeenten_year})"))
    legend, bottom = _legend(extra_items, x=8, y=bottom, size=10)
    body.append(legend)
    text_lines = []
    if unit_years:
        line = "Wijken van de set: grenzen van " + join_nl([str(y) for y in unit_years])
        code_years = sorted({int(r.codes_year) for r, _ in shapes
                             if "codes_year" in rows.columns and not is_missing(r.codes_year)})
        if code_years and max(code_years) > max(unit_years):
            of = join_nl([str(y) for y in code_years])
            line += (f"; hun codes zijn van de indeling van {of}, "
                     "waarin een grens anders kan liggen")
        text_lines.append(line + ".")
    if placed.numbered:
        text_lines.append(" · ".join(f"{n} {name}" for n, name in placed.numbered))
    total = bottom
    for line in text_lines:
        for part in wrap_text(line, width_px=width - 16, font_size=9.5):
            total += 12
            body.append(f'<text x="8" y="{_fmt(total)}" font-size="9.5" fill="#222222">'
                        f"{escape(part)}</text>")
    total_h = max(float(height), total + 8)
    body[0] = f'<rect width="{width}" height="{_fmt(total_h)}" fill="#ffffff"/>'
    return _svg_doc(width, total_h, "".join(body),
                    f"Kaart van {gm_name}: wijken gekleurd naar klasse")

