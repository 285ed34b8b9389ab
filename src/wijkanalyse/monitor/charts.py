"""The monitor's charts (matplotlib → inline SVG): classes, Leefbaarometer deviation per class,
risk of the units on the early-warning list, index against Leefbaarometer."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.result import NO_CLASS

__all__ = ["agreement_chart", "class_series_chart", "distribution_chart", "risk_chart"]

_RISK_COLOURS = {"hoog": "#b2182b", "verhoogd": "#f4a582", "laag": "#92c5de",
                 "gemiddeld": "#d9d9d9"}


# ------------------------------------------------------------------------------ charts
# Drawn with the settings and SVG writer of :mod:`wijkanalyse.present.charts` (DejaVu Sans, text
# kept as text, unique ids); titles and "Bron:" captions are HTML around the SVG.


def _svg(fig: Any, *, label: str) -> str:
    from wijkanalyse.present.charts import _to_svg

    return _to_svg(fig, label=label)


def _rc() -> dict[Any, Any]:  # keys: matplotlib rc names
        from wijkanalyse.present.charts import _RC

        return dict(_RC)


def _short(text: str, limit: int = 34) -> str:
    text = str(text)
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def distribution_chart(classes: pd.DataFrame, class_info: dict[str, dict[str, Any]]
                       ) -> str | None:
    """Horizontal bars: number (and share) of units per trend class.

    Units without a Leefbaarometer series are left out (the caption says how many).
    Returns an ``<svg>`` element, or ``None`` when no unit has a class.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    dist = classes[(classes["klasse"] != NO_CLASS) & (classes["n"] > 0)]
    if dist.empty:
        return None
    counts = [int(x) for x in dist["n"]]
    shares = [float(x) for x in dist["share"]]
    colours = [class_info.get(k, {}).get("colour", "#999999") for k in dist["klasse"]]
    height = 0.55 + 0.23 * len(dist)
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, height))
        bottom = 0.42 / height
        ax = fig.add_axes((0.27, bottom, 0.66, 1 - bottom - 0.06 / height))
        ys = list(range(len(dist)))[::-1]
        ax.barh(ys, counts, color=colours, edgecolor="#333333", linewidth=0.5, height=0.68,
                zorder=3)
        top = max(counts)
        for y, n, share in zip(ys, counts, shares, strict=True):
            ax.text(n + top * 0.012, y, f"{nl_number(n)} ({nl_number(share, decimals=0)}%)",
                    va="center", ha="left", fontsize=6.5, color="#222222")
        ax.set_yticks(ys)
        ax.set_yticklabels([_short(x) for x in dist["klasse_label"]], fontsize=7)
        ax.set_ylim(-0.6, len(dist) - 0.4)
        ax.set_xlim(0, top * 1.2)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v)))
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.set_xlabel("aantal wijken", fontsize=6.5)
        return _svg(fig, label="Staafdiagram: aantal wijken per klasse")


def class_series_chart(series: pd.DataFrame, units: pd.DataFrame,
                       class_info: dict[str, dict[str, Any]]) -> str | None:
    """Small multiples: the Leefbaarometer deviation of every unit of a class over the years
    (thin grey lines) and the class mean (thick line), one panel per class.

    Returns an ``<svg>`` element, or ``None`` without any series.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    if series.empty:
        return None
    s = series.assign(unit_id=series["unit_id"].astype(str)).merge(
        units[["unit_id", "klasse"]], on="unit_id")
    s = s[s["klasse"] != NO_CLASS].dropna(subset=["lbm_afw"])
    if s.empty:
        return None
    present = [k for k in class_info if k in set(s["klasse"])]
    ncols = min(3, len(present))
    nrows = math.ceil(len(present) / ncols)
    years = sorted(int(y) for y in s["year"].unique())
    lo, hi = float(s["lbm_afw"].min()), float(s["lbm_afw"].max())
    pad = max(0.02, (hi - lo) * 0.06)
    ticks = sorted({years[0], years[-1]} | ({2012} if years[0] + 4 <= 2012 <= years[-1] - 4
                                             else set()))
    panel_h = 1.45
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, panel_h * nrows + 0.15))
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for i, k in enumerate(present):
            ax = axes[i // ncols][i % ncols]
            grp = s[s["klasse"] == k]
            for _uid, g in grp.groupby("unit_id", sort=False):
                g = g.sort_values("year")
                ax.plot(g["year"], g["lbm_afw"], color="#9a9a9a", linewidth=0.45, alpha=0.8,
                        zorder=2)
            mean = grp.groupby("year")["lbm_afw"].mean()
            ax.plot(mean.index, mean.values, color="#333333", linewidth=3.2, zorder=4)
            ax.plot(mean.index, mean.values, color=class_info[k]["colour"], linewidth=2.2,
                    zorder=4, marker="o", markersize=2.4, markeredgecolor="#222222",
                    markeredgewidth=0.4)
            ax.axhline(0, color="#222222", linewidth=0.7, linestyle=(0, (4, 2)), zorder=3)
            n = grp["unit_id"].nunique()
            ax.set_title(f"{_short(class_info[k]['label'], 30)} ({nl_number(n)})",
                         fontsize=7, loc="left", pad=3)
            ax.grid(axis="y")
            ax.set_axisbelow(True)
        for j in range(len(present), nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        ax0 = axes[0][0]
        ax0.set_ylim(lo - pad, hi + pad)
        ax0.set_xlim(years[0] - 1, years[-1] + 1)
        ax0.xaxis.set_major_locator(FixedLocator(ticks))
        ax0.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: str(int(round(v)))))
        ax0.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax0.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _p=None: nl_number(0.0 if abs(v) < 1e-12 else v, decimals=2)))
        for row in axes:
            row[0].set_ylabel("afwijking", fontsize=6.3)
        for c in range(ncols):  # the last visible panel of each column gets the year labels
            last = max(r for r in range(nrows) if r * ncols + c < len(present))
            axes[last][c].xaxis.set_tick_params(labelbottom=True)
        fig.subplots_adjust(left=0.09, right=0.99, top=1 - 0.28 / (panel_h * nrows),
                            bottom=0.32 / (panel_h * nrows), hspace=0.55, wspace=0.12)
        return _svg(fig, label="Lijngrafieken: afwijking van de Leefbaarometer per klasse")


def risk_chart(warnings: pd.DataFrame, *, base_rate: float | None, limit: int = 20
               ) -> str | None:
    """Horizontal bars of the risk of the units on the early-warning list (at most ``limit``),
    with the average risk as a dashed line. ``None`` for an empty list."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    top = warnings.head(limit)
    if top.empty:
        return None
    labels = [_short(f"{r.name} ({r.gemeente})", 40) for r in top.itertuples()]
    risks = [float(r) * 100 for r in top["risk"]]
    colours = [_RISK_COLOURS.get(str(c), "#999999") for c in top["risk_class"]]
    hatches = ["////" if c == "hoog" else "" for c in top["risk_class"]]
    height = 0.95 + 0.2 * len(top)
    with rc_context(_rc()):
        fig = Figure(figsize=(6.8, height))
        bottom = 0.72 / height
        ax = fig.add_axes((0.36, bottom, 0.6, 1 - bottom - 0.06 / height))
        ys = list(range(len(top)))[::-1]
        for y, r, c, h in zip(ys, risks, colours, hatches, strict=True):
            ax.barh(y, r, color=c, edgecolor="#333333", linewidth=0.5, height=0.66, hatch=h,
                    zorder=3)
            ax.text(r + max(risks) * 0.01, y, f"{nl_number(r, decimals=0)}%", va="center",
                    fontsize=6.3)
        handles: list[Any]  # patches and a line
        handles = [Patch(facecolor=_RISK_COLOURS["hoog"], edgecolor="#333333", hatch="////",
                         label="hoog"),
                   Patch(facecolor=_RISK_COLOURS["verhoogd"], edgecolor="#333333",
                         label="verhoogd")]
        if base_rate is not None:
            ax.axvline(base_rate * 100, color="#222222", linewidth=0.8,
                       linestyle=(0, (4, 2)), zorder=4)
            from matplotlib.lines import Line2D
            handles.append(Line2D([], [], color="#222222", linewidth=0.8,
                                  linestyle=(0, (4, 2)),
                                  label=f"gemiddeld ({nl_number(base_rate * 100, decimals=0)}%)"))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=6.5)
        ax.set_ylim(-0.6, len(top) - 0.4)
        ax.set_xlim(0, max(risks) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: f"{nl_number(v)}%"))
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.set_xlabel("kans op terugval bij de volgende meting", fontsize=6.3)
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.04 / height),
                   ncol=3, fontsize=6.3, borderaxespad=0.0)
        return _svg(fig, label="Staafdiagram: risico op terugval")


def agreement_chart(agreement: dict[str, Any], units: pd.DataFrame,
                    class_info: dict[str, dict[str, Any]]) -> str | None:
    """Scatter of the total composite index against the Leefbaarometer deviation in the
    headline year of the comparison, points coloured by class. ``None`` without pairs."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    pairs = agreement.get("units")
    year = agreement.get("year")
    if pairs is None or year is None or len(pairs) == 0:
        return None
    pts = pairs[pairs["year"] == year].merge(
        units[["unit_id", "klasse"]].astype({"unit_id": str}), on="unit_id", how="left")
    if pts.empty:
        return None
    with rc_context(_rc()):
        fig = Figure(figsize=(4.2, 3.0))
        ax = fig.add_axes((0.15, 0.16, 0.82, 0.8))
        colours = [class_info.get(str(k), {}).get("colour", "#999999") for k in pts["klasse"]]
        ax.scatter(pts["lbm_afw"], pts["index"], c=colours, edgecolors="#222222",
                   linewidths=0.5, s=22, zorder=3)
        ax.axvline(0, color="#666666", linewidth=0.6, linestyle=(0, (4, 2)))
        ax.axhline(100, color="#666666", linewidth=0.6, linestyle=(0, (4, 2)))
        ax.grid(True)
        ax.set_axisbelow(True)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v, decimals=2)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: nl_number(v)))
        ax.set_xlabel(f"Leefbaarometer: afwijking van landelijk gemiddelde "
                      f"({agreement.get('lbm_year')})", fontsize=6.3)
        ax.set_ylabel(f"samengestelde index {year} (100 = Nederland)", fontsize=6.3)
        return _svg(fig, label="Spreidingsdiagram: index tegen Leefbaarometer")

