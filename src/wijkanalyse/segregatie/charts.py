"""Segregatie: the charts of the report (matplotlib -> inline SVG)."""

from __future__ import annotations

import hashlib
import html as html_mod
import io
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.segregatie.groups import (
    _INDEX_BY_ID,
    CORPORATIEBUURT_THRESHOLD,
    FAMILIES,
    GROUPS,
    LQ_THRESHOLD,
)

# rendering: charts (matplotlib -> inline SVG)


_RC: dict[Any, Any] = {  # keys: matplotlib rc names
    "font.family": "DejaVu Sans", "font.size": 7.0, "svg.fonttype": "none",
    "svg.hashsalt": "wijkanalyse", "axes.spines.top": False, "axes.spines.right": False,
    "axes.linewidth": 0.6, "axes.edgecolor": "#444444", "grid.color": "#d0d0d0",
    "grid.linewidth": 0.5, "legend.frameon": False, "hatch.linewidth": 0.6,
}
_BAR_STYLES = (("#1b4f8a", ""), ("#9ec0e6", "//"), ("#f2c894", "||"), ("#c05a00", "\\\\"),
               ("#d9d9d9", "xx"), ("#6b8e23", ".."))
_TENURE_STYLES = (("Corporatie", "#1b4f8a", ""), ("Overige verhuurders", "#9ec0e6", "//"),
                  ("Koop", "#f2c894", ""), ("Onbekend", "#ffffff", ".."))


def _svg(fig: Any, *, label: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    from wijkanalyse.present.charts import unique_svg_ids

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches="tight", pad_inches=0.04)
    text = buf.getvalue()
    start = text.find("<svg")
    svg = text[start:] if start >= 0 else text
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = svg.replace("font-family: 'DejaVu Sans'",
                      "font-family: 'DejaVu Sans', Verdana, sans-serif")
    digest = hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10]
    svg = unique_svg_ids(svg, f"s{digest}")
    attrs = f' role="img" aria-label="{html_mod.escape(label, quote=True)}" class="chart"'
    return svg.replace("<svg", "<svg" + attrs, 1).strip()


def _value_axis(ax: Any, *, unit: str = "") -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    from wijkanalyse.present.charts import dutch_tick_formatter

    ticks = [t for t in ax.yaxis.get_majorticklocs() if math.isfinite(t)]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(dutch_tick_formatter(ticks, unit=unit)))


def _short(text: str, limit: int = 34) -> str:
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def _index_chart(indices: pd.DataFrame, family: str) -> str | None:
    """D and H of the family's groups per year: two panels of grouped bars."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    groups = [g for g in GROUPS if g.family == family]
    sub = indices[indices["group"].isin([g.id for g in groups])
                  & indices["index"].isin(["D", "H"]) & indices["value"].notna()]
    if sub.empty:
        return None
    years = sorted(sub["year"].unique().tolist())
    present = [g for g in groups if g.id in set(sub["group"])]
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, 2.1))
        axes = fig.subplots(1, 2, sharey=True)
        width = 0.8 / len(present)
        for ax, idx in zip(axes, ("D", "H"), strict=True):
            for k, g in enumerate(present):
                colour, hatch = _BAR_STYLES[k % len(_BAR_STYLES)]
                vals = sub[(sub["group"] == g.id) & (sub["index"] == idx)].set_index("year")
                xs = [i - 0.4 + width * (k + 0.5) for i, y in enumerate(years)
                      if y in vals.index]
                hs = [float(vals.loc[y, "value"]) for y in years if y in vals.index]
                ax.bar(xs, hs, width=width * 0.92, color=colour, hatch=hatch,
                       edgecolor="#222222", linewidth=0.5, label=_short(g.label), zorder=3)
            ax.set_title(_INDEX_BY_ID[idx].label, fontsize=7.5)
            ax.set_xticks(range(len(years)))
            ax.set_xticklabels([str(y) for y in years])
            ax.set_xlim(-0.6, len(years) - 0.4)
            ax.grid(axis="y")
            ax.set_axisbelow(True)
            ax.set_ylim(0, max(0.1, min(1.0, float(sub["value"].max()) * 1.15)))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _value_axis(axes[0])
        axes[1].tick_params(labelleft=False)
        axes[0].legend(loc="upper center", bbox_to_anchor=(1.05, -0.12), ncol=min(
            len(present), 3), fontsize=6.3, handlelength=1.6, columnspacing=1.2)
        return _svg(fig, label=f"Staafdiagram: D en H per groep en jaar, "
                               f"{FAMILIES[family].label}")


def _lq_chart(local: pd.DataFrame, *, top: int = 15, level: str = "buurt") -> str | None:
    """Horizontal bars of the highest location quotients among the flagged concentrations."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    flagged = local[local["concentration"].astype(bool) & local["lq"].notna()]
    if flagged.empty:
        return None
    best = flagged.sort_values("lq", ascending=False).head(top).iloc[::-1]
    labels = [_short(f"{n} – {g}", 48) for n, g in zip(best["name"], best["group_label"],
                                                        strict=True)]
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, 0.5 + 0.19 * len(best)))
        ax = fig.add_axes((0.42, 0.12, 0.55, 0.84))
        ax.barh(range(len(best)), best["lq"].to_numpy(float), color="#1b4f8a", zorder=3,
                height=0.7)
        ax.axvline(1.0, color="#666666", linewidth=0.8, linestyle=(0, (1, 1.5)), zorder=4)
        ax.axvline(LQ_THRESHOLD, color="#c05a00", linewidth=0.9, linestyle=(0, (5, 2)),
                   zorder=4)
        ax.set_yticks(range(len(best)))
        ax.set_yticklabels(labels, fontsize=6.3)
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _p=None: nl_number(v, decimals=1)))
        lq_text = nl_number(LQ_THRESHOLD, decimals=1)
        ax.set_xlabel(f"locatiequotiënt (1 = gemeente; streep {lq_text} = grens concentratie)",
                      fontsize=6.3)
        return _svg(fig, label=f"Staafdiagram: hoogste locatiequotiënten per {level} en groep")


def _tenure_chart(mix: pd.DataFrame) -> str | None:
    """Stacked horizontal bars of tenure shares per unit, sorted by corporation share."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    cols = ("share_corporation", "share_private_rental", "share_owner_occupied", "share_unknown")
    data = mix.dropna(subset=list(cols)).sort_values(["share_corporation", "name"])
    if data.empty:
        return None
    labelled = len(data) <= 60
    height = 0.6 + (0.15 * len(data) if labelled else 3.2)
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, height))
        ax = fig.add_axes((0.3 if labelled else 0.08, 0.1, 0.66 if labelled else 0.88, 0.86))
        left = np.zeros(len(data))
        ys = np.arange(len(data))
        for (lab, colour, hatch), col in zip(_TENURE_STYLES, cols, strict=True):
            vals = data[col].to_numpy(float)
            ax.barh(ys, vals, left=left, color=colour, hatch=hatch if labelled else "",
                    edgecolor="#222222",
                    linewidth=0.3 if labelled else 0.0, label=lab, height=0.8 if labelled
                    else 1.0, zorder=3)
            left += vals
        ax.axvline(CORPORATIEBUURT_THRESHOLD, color="#8b1a1a", linewidth=1.0,
                   linestyle=(0, (5, 2)), zorder=4)
        if labelled:
            ax.set_yticks(ys)
            ax.set_yticklabels([_short(n, 36) for n in data["name"]], fontsize=5.8)
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"{len(data)} gebieden, gesorteerd op aandeel corporatiewoningen",
                          fontsize=6.3)
        ax.set_ylim(-0.6, len(data) - 0.4)
        ax.set_xlim(0, 103)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: f"{int(round(v))}%"))
        ax.set_xlabel("aandeel van de woningvoorraad (streep: twee derde, grens "
                      "corporatiebuurt)", fontsize=6.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.7 / height), ncol=4,
                  fontsize=6.3, handlelength=1.6)
        return _svg(fig, label="Staafdiagram: eigendom van de woningvoorraad per gebied")


# ------------------------------------------------------------------------------------------
