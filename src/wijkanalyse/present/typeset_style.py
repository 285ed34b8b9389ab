"""The print styles of the report pages for the Typst typesetter (:mod:`.typeset`).

What the stylesheets say for print — ``templates/report.css`` and the additions of the
monitor (``_monitor_style.html``), segregatie and the programme's publication — written once
more as Typst text settings per CSS class, cell settings per table class, and the few inline
elements that draw something (a class's colour chip, the "onzeker" label). Sizes are in
``rem`` of the printed 9 pt. Data enters the markup only as string literals (:func:`string`)
or as a colour checked to be a hex colour (:func:`hex_colour`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["COLOURS", "REM", "TEXT_WIDTH", "Context", "hex_colour", "rem", "string", "text",
           "text_settings"]

REM = 9.0
"""The printed root font size in pt (``@media print { html { font-size: 9pt } }``)."""

COLOURS = {"ink": "#1d1d1b", "muted": "#5a5a5a", "rule": "#c8c8c8", "accent": "#1b4f8a",
           "good": "#e3f1e3", "bad": "#f9e1dc", "note": "#f4f4f0"}
# class -> text settings (sizes in rem, as in the stylesheets; fill a name in COLOURS or a
# hex colour)
TEXT: dict[str, dict[str, str | float]] = {
    "subtitle": {"size": 1.05, "fill": "muted"},
    "meta": {"size": .85, "fill": "muted"},
    "members": {"size": .85, "fill": "muted"},
    "legend": {"size": .78, "fill": "muted"},
    "byline": {"size": .85, "fill": "muted"},
    "tags": {"size": .8, "fill": "muted"},
    "sub": {"size": .72, "fill": "muted", "weight": "regular"},
    "severity": {"size": .78, "weight": "bold"},
    "signal-title": {"weight": "bold"},
    "bron": {"style": "italic"},
    "chart-title": {"size": .92, "fill": "ink", "weight": "bold"},
    "note": {"size": .9},
    "assess": {"size": .72, "weight": "bold"},
    "diff": {"size": .72},
    "reasons": {"size": .76},
    # the monitor (_monitor_style.html)
    "legend-line": {"size": .76},
    "risk-hoog": {"weight": "bold", "fill": "#8b1a1a"},
    "risk-verhoogd": {"weight": "bold", "fill": "#a05000"},
    "av-ja": {"fill": "#1a7837"},
    "av-deels": {"fill": "#b35806"},
    "av-omvattend": {"fill": "#2166ac"},
    "av-nee": {"fill": "#9a9a9a"},
    "codes": {"size": .64, "font": "DejaVu Sans Mono"},
    "mis": {"fill": "muted"},
    # segregatie (segregatie.html)
    "ref": {"size": .8, "fill": "muted"},
}
# table class -> the size of its cells' text (rem); report.css: .78
# the text width of a page in pt: A4 portrait (15 mm margins), landscape (@page breed: 14 mm)
TEXT_WIDTH = {False: 510.2, True: 762.5}
TABLE_SIZE = {"units": .74, "compact": .76, "avail": .7, "segregatie": .78}
# table class -> the cells' padding (x, y in rem); report.css: .35, .22
TABLE_INSET = {"units": (.28, .16), "gemeenten": (.25, .16), "avail": (.1, .08)}
# cells centred (table.avail: the group and level headers, the availability symbols)
CENTRED = frozenset({"grp", "lvl", "av"})
# (table class, cell class) -> the cell's own text settings, over its table's size
CELL: dict[tuple[str, str], dict[str, str | float]] = {
    ("units", "evidence"): {"size": .68, "fill": "muted"},
    ("", "why"): {"size": .72},
    ("", "def"): {"size": .76},
    ("gemeenten", "cls"): {"size": .66},
    ("avail", "grp"): {"size": .58},
    ("avail", "lvl"): {"size": .55, "fill": "muted", "weight": "regular"},
    ("avail", "name"): {"size": .68},
}
# cell classes -> background (table.avail: the availability of a source)
CELL_FILL = {"av-ja": "#e5f5e0", "av-deels": "#fee0b6", "av-omvattend": "#deebf7"}
SEVERITY = {"sev-3": "#8b1a1a", "sev-2": "#c05a00", "sev-1": "#9a9a9a"}
_COL_WIDTH = re.compile(r"col\.([\w-]+)\s*\{\s*width:\s*([\d.]+)%")
_HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]+)")


@dataclass(frozen=True)
class Context:
    """Where a node is: in a number cell (no breaks), a story, the summary page, a landscape
    page, a table cell."""

    nowrap: bool = False
    story: bool = False
    summary: bool = False
    wide: bool = False
    cell: bool = False


def rem(value: float) -> str:
    """A size in ``rem`` of the printed page as Typst points."""
    return f"{value * REM:.2f}pt"


def string(value: str) -> str:
    """A Typst string literal (the only way data enters the markup)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def text(value: str) -> str:
    """Text as markup: a string literal in code mode (nothing for no text)."""
    return f"#{string(value)};" if value else ""


def hex_colour(value: str) -> str | None:
    """A hex colour (``#rgb`` or ``#rrggbb``) as given, or None for anything else."""
    return value if _HEX.fullmatch(value) else None


def background(style: str) -> str | None:
    """The hex background colour of an inline ``style`` attribute, if any."""
    match = _BACKGROUND.search(style)
    return hex_colour(match.group(1)) if match else None


def settings_of(merged: dict[str, str | float]) -> str:
    """Typst ``text`` arguments of merged text settings."""
    parts = []
    for key, value in merged.items():
        if key == "size":
            parts.append(f"size: {rem(float(value))}")
        elif key == "fill":
            colour = COLOURS.get(str(value), str(value))
            parts.append(f'fill: rgb("{colour}")')
        else:
            parts.append(f'{key}: "{value}"')
    return ", ".join(parts)


def _class_text(classes: frozenset[str] | set[str]) -> dict[str, str | float]:
    merged: dict[str, str | float] = {}
    for name in sorted(classes):
        merged.update(TEXT.get(name, {}))
    return merged


def text_settings(classes: frozenset[str] | set[str]) -> str:
    """The Typst ``text`` arguments of an element's classes (empty when none apply)."""
    return settings_of(_class_text(classes))


def cell_settings(table_classes: frozenset[str], classes: frozenset[str]) -> str:
    """The Typst ``text`` arguments of a table cell: its classes, then its table's own."""
    merged = _class_text(classes)
    for name in sorted(classes):
        for table_class in ("", *sorted(table_classes)):
            merged.update(CELL.get((table_class, name), {}))
    return settings_of(merged)


@cache
def column_widths() -> dict[str, float]:
    """The width (percent) of each ``col`` class in report.css."""
    css = resources.files("wijkanalyse.present").joinpath("templates/report.css").read_text(
        encoding="utf-8")
    return {name: float(width) for name, width in _COL_WIDTH.findall(css)}
