"""Charts of a wijkprofiel as inline SVG (matplotlib, Agg backend, no JavaScript).

Every chart is drawn server-side and returned as an ``<svg>`` element ready to be placed in
the HTML report (and so in the PDF made from it). Choices that make the charts the same on
screen and on paper:

* text stays text (``svg.fonttype = "none"``) in DejaVu Sans, the font the PDF (Typst) prints
  with, falling back to Verdana (the same metrics family) and any sans-serif in a browser
  without DejaVu; every label is anchored (start, middle or end), so a fallback font cannot
  push it into a line. Glyph outlines (``"path"``) would look the same everywhere but made the
  PDF three times slower to print and the chart text unsearchable;
* the lines of the area, its gemeente and the Netherlands differ in line style and marker,
  not only in colour, so the charts stay readable in black and white; the bars of the
  Leefbaarometer dimensions carry hatch patterns for the same reason;
* tick labels are Dutch (``1.234,5``; years without a thousands separator);
* element ids are made unique per chart, so many charts can live in one HTML page.

Chart titles and source captions are not drawn inside the charts: the report puts them in
the HTML (``<figcaption>``), where they are searchable text.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from wijkanalyse.fmt import MONEY_UNITS, nl_number, unit_label  # noqa: E402
from wijkanalyse.model import Peer, Series, SeriesGroup  # noqa: E402

__all__ = [
    "LBM_DIMENSIONS",
    "definition_break_chart",
    "dutch_tick_formatter",
    "is_indexed",
    "lbm_dimensions_chart",
    "peers_lbm_chart",
    "series_chart",
    "unique_svg_ids",
]

#: The five Leefbaarometer dimensions, in the order the Leefbaarometer presents them.
LBM_DIMENSIONS: dict[str, str] = {
    "lbm_won": "Woningvoorraad",
    "lbm_fys": "Fysieke omgeving",
    "lbm_vrz": "Voorzieningen",
    "lbm_soc": "Sociale samenhang",
    "lbm_onv": "Overlast en onveiligheid",
}

_RC: dict[Any, Any] = {  # keys: matplotlib rc names
    "font.family": "DejaVu Sans",
    "font.size": 7.0,
    "svg.fonttype": "none",
    "svg.hashsalt": "wijkanalyse",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.5,
    "legend.frameon": False,
    "hatch.linewidth": 0.6,
}

# Area, gemeente, Nederland: dark blue solid with dots, orange dashed with squares, grey dotted
# with triangles. Distinct in black and white through style and marker.
_Style = dict[str, Any]  # keyword arguments of a matplotlib line
_AREA_STYLE: _Style = {"color": "#1b4f8a", "linestyle": "-", "linewidth": 2.0, "marker": "o",
               "markersize": 3.6, "zorder": 3}
_GEMEENTE_STYLE: _Style = {"color": "#c05a00", "linestyle": (0, (5, 2)), "linewidth": 1.3,
                   "marker": "s", "markersize": 3.0, "zorder": 2}
_NEDERLAND_STYLE: _Style = {"color": "#666666", "linestyle": (0, (1, 1.5)), "linewidth": 1.4,
                    "marker": "^", "markersize": 3.2, "zorder": 2}

_DIMENSION_STYLE: dict[str, tuple[str, str]] = {  # face colour, hatch (sparse: cheap to print)
    "lbm_won": ("#1b4f8a", ""),
    "lbm_fys": ("#9ec0e6", "//"),
    "lbm_vrz": ("#f2c894", "||"),
    "lbm_soc": ("#c05a00", "\\\\"),
    "lbm_onv": ("#d9d9d9", "xx"),
}

_FONT_STACK = "font-family: 'DejaVu Sans', Verdana, sans-serif"
_SVG_START = re.compile(r"<svg\b")
_ID = re.compile(r'\bid="([^"]+)"')


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _nan(value: float | None) -> float:
    return math.nan if _is_missing(value) else float(value)  # type: ignore[arg-type]


def _tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals (0–4) that show every tick value exactly."""
    for decimals in range(5):
        if all(abs(round(t, decimals) - t) < 1e-9 * max(1.0, abs(t)) for t in ticks):
            return decimals
    return 4


def dutch_tick_formatter(ticks: Sequence[float], *, unit: str) -> Callable[..., str]:
    """A tick label function for a value axis: Dutch numbers, as few decimals as the ticks
    need (``10%``, ``12,5%``: whole ticks stay whole), ``%`` after percentages.

    Parameters
    ----------
    ticks
        The tick values of the axis (they decide the number of decimals).
    unit
        The indicator's unit; ``"%"`` adds a percent sign.

    Returns
    -------
    callable
        ``f(value, pos=None) -> str``, usable with :class:`matplotlib.ticker.FuncFormatter`.
    """
    finite = [t for t in ticks if math.isfinite(t)]
    decimals = _tick_decimals(finite) if finite else 0
    suffix = "%" if unit == "%" else ""

    def _format(value: float, _pos: int | None = None) -> str:
        if abs(value) < 1e-12:
            value = 0.0
        return nl_number(value, decimals=decimals) + suffix

    return _format


def _dutch_value_axis(ax: Axes, *, unit: str) -> None:
    """Fix the current ticks of the value axis and label them the Dutch way."""
    ticks = [t for t in ax.yaxis.get_majorticklocs() if math.isfinite(t)]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(dutch_tick_formatter(ticks, unit=unit)))


def _year_axis(ax: Axes, years: Sequence[int]) -> None:
    """Years as plain integers (``2019``, never ``2.019``), thinned when they crowd."""
    ordered = sorted(set(years))
    if len(ordered) > 12:
        step = math.ceil(len(ordered) / 12)
        ordered = ordered[::step]
    ax.xaxis.set_major_locator(FixedLocator(ordered))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: str(int(round(v)))))


def _unit_label(unit: str) -> str | None:
    """The axis label of a unit: none for percentages, counts and scores; money in thousands
    as ``× € 1.000``."""
    if unit in MONEY_UNITS:
        return "× € 1.000"
    return unit_label(unit) or None


def unique_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every ``id`` in an SVG document and every reference to it.

    Matplotlib names glyphs, markers and clip paths with ids that repeat between charts; in one
    HTML page ids must be unique, so each chart gets its own prefix.

    Parameters
    ----------
    svg
        SVG markup.
    prefix
        Prefix to put before every id (letters, digits and ``-``).

    Returns
    -------
    str
        The same SVG with ``id="x"``, ``href="#x"`` and ``url(#x)`` renamed to ``prefix-x``.
    """
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    pattern = re.compile(
        r'(\bid="|href="#|url\(#)(' + "|".join(re.escape(i) for i in sorted(ids, key=len,
                                                                           reverse=True))
        + r')(?=[")])'
    )
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def _to_svg(fig: MplFigure, *, label: str) -> str:
    """Render a figure to an inline ``<svg>`` element with unique ids and an accessible name."""
    FigureCanvasSVG(fig)
    width, height = fig.get_size_inches()
    # Crop empty space above and below (under the legend) but keep the full width, so every
    # chart of one size scales to the page with the same font size; a tick label or legend
    # entry reaching past the figure's sides widens it rather than being cut off.
    tight = fig.get_tightbbox()
    pad = 0.04
    box = Bbox([[min(0.0, tight.x0 - pad), tight.y0 - pad],
                [max(width, tight.x1 + pad), tight.y1 + pad]])
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches=box)
    text = buffer.getvalue()
    start = _SVG_START.search(text)
    svg = text[start.start():] if start else text
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = svg.replace("font-family: 'DejaVu Sans'", _FONT_STACK)
    digest = hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10]
    svg = unique_svg_ids(svg, f"g{digest}")
    accessible = f' role="img" aria-label="{html.escape(label, quote=True)}" class="chart"'
    return svg.replace("<svg", "<svg" + accessible, 1).strip()


def _legend_below(ax: Axes, handles: list[Line2D], *, ncol: int | None = None) -> None:
    if not handles:
        return
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=ncol or min(len(handles), 3), fontsize=6.3, handlelength=2.6,
              columnspacing=1.2, borderaxespad=0.0)


def _shorten(text: str, limit: int = 28) -> str:
    """A legend label: shortened, with ``$`` escaped so matplotlib never reads it as math."""
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def _is_count(indicator_id: str) -> bool:
    """Whether the catalogue calls this indicator a count (e.g. areas in ha, cars)."""
    from wijkanalyse.catalogue import load_catalogue

    ind = load_catalogue().indicators.get(indicator_id)
    return ind is not None and ind.kind == "count"


def is_indexed(series: Series) -> bool:
    """Whether :func:`series_chart` draws the series as an index instead of its values.

    Counts (unit ``aantal``, or any indicator of kind ``count`` such as areas in ha) of an area
    and of its gemeente or the Netherlands differ by orders
    of magnitude; their development is compared as an index (base year = 100). A count without
    reference values is drawn as it is.
    """
    if series.unit != "aantal" and not _is_count(series.indicator_id):
        return False
    has_base = any(not _is_missing(p.area) and p.area != 0 for p in series.points)
    return has_base and any(not _is_missing(p.gemeente) or not _is_missing(p.nederland)
                            for p in series.points)


def _indexed(lines: list[tuple[str, list[float], dict[Any, Any]]], years: list[int]
             ) -> tuple[list[tuple[str, list[float], dict[Any, Any]]], int | None]:
    """Index every line to the base year: the earliest year in which the area and as many
    reference lines as possible have a non-zero value. Lines without a value in that year are
    left out (they cannot be indexed to the same year)."""
    usable = [i for i, (_l, vals, _s) in enumerate(lines)
              if any(not math.isnan(v) for v in vals)]
    best: tuple[int, int] | None = None  # (count, -index of year)
    for k in range(len(years)):
        if math.isnan(lines[0][1][k]) or lines[0][1][k] == 0:
            continue
        count = sum(1 for i in usable if not math.isnan(lines[i][1][k]) and lines[i][1][k] != 0)
        if best is None or count > best[0]:
            best = (count, k)
    if best is None:
        return lines, None
    k = best[1]
    out = []
    for i in usable:
        label, vals, style = lines[i]
        base = vals[k]
        if math.isnan(base) or base == 0:
            continue
        out.append((label, [v / base * 100 for v in vals], style))
    return out, years[k]


def series_chart(series: Series, *, area_label: str, gemeente_label: str | None = None,
                 width: float = 3.4, height: float = 2.3) -> str:
    """A small line chart of one indicator: the area against its gemeente and the Netherlands.

    Parameters
    ----------
    series
        The series; points whose value is missing leave a gap.
    area_label
        Legend text of the area (its name).
    gemeente_label
        Legend text of the gemeente line (its name); ``"gemeente"`` when not given.
    width, height
        Size in inches (the size it is printed at in the PDF).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    points = sorted(series.points, key=lambda p: p.year)
    years = [p.year for p in points]
    lines = [
        (_shorten(area_label), [_nan(p.area) for p in points], _AREA_STYLE),
        (_shorten(gemeente_label or "gemeente"), [_nan(p.gemeente) for p in points],
         _GEMEENTE_STYLE),
        ("Nederland", [_nan(p.nederland) for p in points], _NEDERLAND_STYLE),
    ]
    unit = series.unit
    base_year = None
    if is_indexed(series):
        lines, base_year = _indexed(lines, years)
        unit = "index"
    with rc_context(_RC):
        fig = MplFigure(figsize=(width, height))
        ax = fig.add_axes((0.16, 0.24, 0.81, 0.72))
        handles: list[Line2D] = []
        derived = {p.year for p in points if p.derived and not _is_missing(p.area)}
        for i, (label, values, style) in enumerate(lines):
            present = [(y, v) for y, v in zip(years, values, strict=True) if not math.isnan(v)]
            if not present:
                continue
            # a missing year is skipped, not a break: the line joins the measured years
            ax.plot([y for y, _ in present], [v for _, v in present], **style)
            handles.append(Line2D([], [], label=label, **style))
            if i == 0 and derived and label == lines[0][0]:
                # the area's values computed from counts: open markers
                hollow = [(y, v) for y, v in present if y in derived]
                ax.plot([y for y, _ in hollow], [v for _, v in hollow], linestyle="none",
                        marker=style["marker"], markersize=style["markersize"] + 1.2,
                        markerfacecolor="#ffffff", markeredgecolor=style["color"],
                        markeredgewidth=1.1, zorder=4)
        if derived and len(derived) < sum(not _is_missing(p.area) for p in points) \
                and handles:
            handles.append(Line2D([], [], linestyle="none", marker=_AREA_STYLE["marker"],
                                  markersize=_AREA_STYLE["markersize"] + 1.2,
                                  markerfacecolor="#ffffff",
                                  markeredgecolor=_AREA_STYLE["color"], markeredgewidth=1.1,
                                  label="berekend"))
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        if not handles:
            ax.text(0.5, 0.5, "geen waarden", transform=ax.transAxes, ha="center",
                    va="center", color="#5a5a5a")
            ax.set_yticks([])
        if not years:
            ax.set_xticks([])
        elif len(set(years)) == 1:
            ax.set_xlim(years[0] - 1, years[0] + 1)
        else:
            pad = max(0.4, (max(years) - min(years)) * 0.04)
            ax.set_xlim(min(years) - pad, max(years) + pad)
        if years:
            _year_axis(ax, years)
        if handles:
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
            _dutch_value_axis(ax, unit=unit)
        unit_label = f"index ({base_year} = 100)" if base_year else _unit_label(unit)
        if unit_label:
            ax.set_ylabel(unit_label, fontsize=6.3)
        _legend_below(ax, handles)
        return _to_svg(fig, label=f"Lijngrafiek: {series.label}")


_BEFORE_STYLES: tuple[dict[str, Any], ...] = (
    {"color": "#1b4f8a", "linestyle": "-", "linewidth": 1.8, "marker": "o", "markersize": 3.8},
    {"color": "#c05a00", "linestyle": "-", "linewidth": 1.8, "marker": "s", "markersize": 3.4},
    {"color": "#555555", "linestyle": "-", "linewidth": 1.8, "marker": "^", "markersize": 3.6},
)
_AFTER_STYLES: tuple[dict[str, Any], ...] = (
    {"color": "#1b4f8a", "linestyle": (0, (4, 2)), "linewidth": 1.4, "marker": "o",
     "markersize": 4.4, "markerfacecolor": "#ffffff", "markeredgewidth": 1.2},
    {"color": "#c05a00", "linestyle": (0, (4, 2)), "linewidth": 1.4, "marker": "s",
     "markersize": 4.0, "markerfacecolor": "#ffffff", "markeredgewidth": 1.2},
    {"color": "#555555", "linestyle": (0, (4, 2)), "linewidth": 1.4, "marker": "^",
     "markersize": 4.2, "markerfacecolor": "#ffffff", "markeredgewidth": 1.2},
)


def definition_break_chart(group: SeriesGroup, *, width: float = 6.8,
                           height: float = 2.7) -> str:
    """The area's rates of an old and a new definition in one chart, never joined.

    The members of the old definition are solid lines with filled markers, those of the new
    definition dashed lines with open markers (same colour and marker for a member and its
    successor, in catalogue order); a vertical dashed line marks the break with the words
    "nieuwe indeling". Only the area is drawn: the references are in the key figures.

    Parameters
    ----------
    group
        The group (:class:`~wijkanalyse.model.SeriesGroup`).
    width, height
        Size in inches.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    by_id = {s.indicator_id: s for s in group.series}
    drawn: list[tuple[Series, dict[Any, Any]]] = []
    for ids, styles in ((group.before, _BEFORE_STYLES), (group.after, _AFTER_STYLES)):
        for i, ind in enumerate(ids):
            if ind in by_id:
                drawn.append((by_id[ind], styles[i % len(styles)]))
    narrow = width < 5  # half a page: room for the tick labels, the key in one column
    with rc_context(_RC):
        fig = MplFigure(figsize=(width, height))
        ax = fig.add_axes((0.13, 0.30, 0.84, 0.66) if narrow else (0.08, 0.30, 0.90, 0.66))
        handles: list[Line2D] = []
        years: set[int] = set()
        before_years: list[int] = []
        after_years: list[int] = []
        for series, style in drawn:
            pts = [(p.year, _nan(p.area)) for p in sorted(series.points, key=lambda p: p.year)
                   if not _is_missing(p.area)]
            if not pts:
                continue
            years.update(y for y, _ in pts)
            (before_years if series.indicator_id in group.before else after_years).extend(
                y for y, _ in pts)
            ax.plot([y for y, _ in pts], [v for _, v in pts], zorder=3, **style)
            label = re.sub(r"\s*\([^()]*\)$", "", series.label)  # the unit is on the axis
            handles.append(Line2D([], [], label=_shorten(label, 40), **style))
        if before_years and after_years:
            x = (max(before_years) + min(after_years)) / 2
            ax.axvline(x, color="#222222", linewidth=0.9, linestyle=(0, (2, 2)), zorder=2)
            ax.annotate("nieuwe indeling", (x, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -2), textcoords="offset points", fontsize=6.3,
                        ha="left", va="top", color="#222222")
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        if years:
            lo, hi = min(years), max(years)
            pad = max(0.6, (hi - lo) * 0.05)
            ax.set_xlim(lo - pad, hi + pad)
            _year_axis(ax, sorted(years))
        top = max((_nan(p.area) for s, _ in drawn for p in s.points
                   if not _is_missing(p.area)), default=1.0)
        ax.set_ylim(0, max(top * 1.15, 1.0))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _dutch_value_axis(ax, unit=group.unit)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncol=1 if narrow else 2, fontsize=6.3, handlelength=3.0, columnspacing=1.6,
                  borderaxespad=0.0)
        return _to_svg(fig, label=f"Lijngrafiek met definitiebreuk: {group.title}")


def lbm_dimensions_chart(dimensions: Sequence[Series], *, width: float = 6.8,
                         height: float = 2.6) -> str | None:
    """Grouped bars of the five Leefbaarometer dimensions per measurement year.

    Each bar is the contribution of one dimension to the deviation of the area's score from the
    national average (0 = landelijk gemiddelde). Years in which no dimension has a value are
    left out.

    Parameters
    ----------
    dimensions
        Series of the dimensions (ids in :data:`LBM_DIMENSIONS`); other series are ignored.
    width, height
        Size in inches.

    Returns
    -------
    str or None
        An ``<svg>`` element, or ``None`` when no dimension has a value.
    """
    by_id = {s.indicator_id: s for s in dimensions if s.indicator_id in LBM_DIMENSIONS}
    values: dict[str, dict[int, float]] = {
        dim: {p.year: _nan(p.area) for p in s.points if not _is_missing(p.area)}
        for dim, s in by_id.items()
    }
    years = sorted({y for per_year in values.values() for y in per_year})
    if not years:
        return None
    dims = [d for d in LBM_DIMENSIONS if d in values and values[d]]
    with rc_context(_RC):
        fig = MplFigure(figsize=(width, height))
        ax = fig.add_axes((0.08, 0.27, 0.90, 0.68))
        group = 0.8
        bar = group / len(dims)
        for i, dim in enumerate(dims):
            colour, hatch = _DIMENSION_STYLE[dim]
            xs = [k - group / 2 + bar * (i + 0.5) for k, y in enumerate(years)
                  if y in values[dim]]
            hs = [values[dim][y] for y in years if y in values[dim]]
            ax.bar(xs, hs, width=bar * 0.92, color=colour, hatch=hatch, edgecolor="#222222",
                   linewidth=0.5, label=LBM_DIMENSIONS[dim], zorder=3)
        ax.axhline(0, color="#222222", linewidth=0.8, zorder=4)
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        ax.set_xticks(range(len(years)))
        ax.set_xticklabels([str(y) for y in years])
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        _dutch_value_axis(ax, unit="score")
        ax.set_ylabel("afwijking van landelijk gemiddelde", fontsize=6.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(dims),
                  fontsize=6.3, handlelength=1.6, columnspacing=1.4, borderaxespad=0.0)
        return _to_svg(fig, label="Staafdiagram: dimensies van de Leefbaarometer per jaar")


def _end_labels(ax: Axes, ends: list[tuple[float, int, str]], *, height_in: float,
                dx: float) -> None:
    """Write labels at the right end of lines, pushed apart so they never overlap."""
    if not ends:
        return
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * (6.5 / 72) / height_in  # one 6,5 pt line in data units
    placed: list[float] = []
    for y, _x, _t in sorted(ends):
        placed.append(max(y, placed[-1] + gap) if placed else y)
    overflow = placed[-1] - hi if placed else 0.0
    if overflow > 0:  # shift the stack down, keeping the spacing
        placed = [p - overflow for p in placed]
    for (y, x, text), target in zip(sorted(ends), placed, strict=True):
        ax.annotate(text, (x, y), xytext=(x + dx, target), textcoords="data",
                    fontsize=5.8, va="center", ha="left", color="#444444",
                    annotation_clip=False)


def peers_lbm_chart(peers: Sequence[Peer], *, subject: Series | None, area_label: str,
                    width: float = 6.8, height: float = 2.8) -> str | None:
    """The Leefbaarometer score of the area and of its peers over the years.

    The area is a thick solid line; each peer is a thin grey line ending in its rank number
    (the rank in the table of vergelijkbare wijken), so the chart needs no colours.

    Parameters
    ----------
    peers
        The peers; those without :attr:`Peer.lbm_series` values are left out.
    subject
        The area's own Leefbaarometer score series, if any.
    area_label
        Legend text of the area.
    width, height
        Size in inches.

    Returns
    -------
    str or None
        An ``<svg>`` element, or ``None`` when no peer has a Leefbaarometer series.
    """
    drawn: list[tuple[Peer, list[int], list[float]]] = []
    for peer in peers:
        pts = sorted((p for p in peer.lbm_series if not _is_missing(p.area)),
                     key=lambda p: p.year)
        if pts:
            drawn.append((peer, [p.year for p in pts], [_nan(p.area) for p in pts]))
    if not drawn:
        return None
    with rc_context(_RC):
        fig = MplFigure(figsize=(width, height))
        ax = fig.add_axes((0.08, 0.22, 0.86, 0.74))
        all_years: set[int] = set()
        for _peer, years, vals in drawn:
            all_years.update(years)
            ax.plot(years, vals, color="#8c8c8c", linewidth=0.8, marker="o", markersize=1.8,
                    zorder=2)
        ends = [(vals[-1], years[-1], str(peer.rank)) for peer, years, vals in drawn]
        handles = [Line2D([], [], color="#8c8c8c", linewidth=0.8, marker="o", markersize=1.8,
                          label="vergelijkbare wijken (nummer = rang)")]
        if subject is not None:
            pts = [p for p in sorted(subject.points, key=lambda p: p.year)
                   if not _is_missing(p.area)]
            if pts:
                all_years.update(p.year for p in pts)
                ax.plot([p.year for p in pts], [_nan(p.area) for p in pts], **_AREA_STYLE)
                handles.insert(0, Line2D([], [], label=_shorten(area_label), **_AREA_STYLE))
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        lo, hi = min(all_years), max(all_years)
        right = hi + max(1.2, (hi - lo) * 0.05)
        ax.set_xlim(lo - 0.6, right)
        _year_axis(ax, sorted(all_years))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        _dutch_value_axis(ax, unit="score")
        _end_labels(ax, ends, height_in=height * 0.74, dx=(right - lo) * 0.008)
        ax.set_ylabel("Leefbaarometer-score", fontsize=6.3)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11),
                  ncol=len(handles), fontsize=6.3, handlelength=2.6, columnspacing=1.4,
                  borderaxespad=0.0)
        return _to_svg(fig, label="Lijngrafiek: Leefbaarometer-score van vergelijkbare wijken")
