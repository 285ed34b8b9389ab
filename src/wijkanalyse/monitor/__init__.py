"""Monitor: "Kwetsbare wijken in beeld" — trend classes from the Leefbaarometer, the
composite index, the typology, early warning with its backtest, data availability per area and
the monitor report and exports.

May import everything below it: :mod:`~wijkanalyse.profiel` (peer features) and lower.
"""

from wijkanalyse.monitor.charts import (
    agreement_chart,
    class_series_chart,
    distribution_chart,
    risk_chart,
)
from wijkanalyse.monitor.export import (
    FORMATS,
    export_units,
    monitor_stem,
    parse_formats,
    to_dict,
    write_monitor,
)
from wijkanalyse.monitor.maps import gemeente_map, national_map
from wijkanalyse.monitor.render import (
    MAX_AVAIL_ROWS,
    MAX_TABLE_ROWS,
    MAX_WARN_ROWS,
    render_html,
    render_pdf,
    short_explanation,
)
from wijkanalyse.monitor.report import run_monitor
from wijkanalyse.monitor.result import EXPORT_COLUMNS, WARN_CLASSES, MonitorGeo, MonitorResult
from wijkanalyse.monitor.tables import CLASS_COLOURS

__all__ = [
    "CLASS_COLOURS",
    "EXPORT_COLUMNS",
    "FORMATS",
    "MAX_AVAIL_ROWS",
    "MAX_TABLE_ROWS",
    "MAX_WARN_ROWS",
    "WARN_CLASSES",
    "MonitorGeo",
    "MonitorResult",
    "agreement_chart",
    "class_series_chart",
    "distribution_chart",
    "export_units",
    "gemeente_map",
    "monitor_stem",
    "national_map",
    "parse_formats",
    "render_html",
    "render_pdf",
    "risk_chart",
    "run_monitor",
    "short_explanation",
    "to_dict",
    "write_monitor",
]
