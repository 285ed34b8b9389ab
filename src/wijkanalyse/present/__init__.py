"""Present: shared presentation — charts (matplotlib to inline SVG), SVG maps and the Jinja2
templates of all reports (``templates/``).

May import the kernel and :mod:`~wijkanalyse.gebieden`.
"""

from wijkanalyse.present.charts import series_chart, unique_svg_ids
from wijkanalyse.present.maps import render_map_svg
from wijkanalyse.present.printing import slim_svg
from wijkanalyse.present.svgmap import (
    MapFrame,
    halo_text,
    path_d,
    place_labels,
    scale_label,
    svg_num,
    wrap_text,
)

__all__ = [
    "MapFrame", "halo_text", "path_d", "place_labels", "render_map_svg", "scale_label",
    "series_chart", "slim_svg", "svg_num", "unique_svg_ids", "wrap_text",
]
