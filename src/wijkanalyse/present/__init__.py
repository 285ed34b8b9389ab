"""Present: shared presentation — charts (matplotlib to inline SVG), SVG maps and the Jinja2
templates of all reports (``templates/``).

May import the kernel and :mod:`~wijkanalyse.gebieden`.
"""

from wijkanalyse.present.charts import series_chart, unique_svg_ids
from wijkanalyse.present.maps import render_map_svg

__all__ = [
    "render_map_svg", "series_chart", "unique_svg_ids",
]
