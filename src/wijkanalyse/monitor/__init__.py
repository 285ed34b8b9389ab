"""Monitor: "Kwetsbare wijken in beeld" — trend classes from the Leefbaarometer, the
composite index, the typology, early warning with its backtest, data availability per area and
the monitor report and exports.

May import everything below it: :mod:`~wijkanalyse.profiel` (peer features) and lower.
"""

from wijkanalyse.monitor.report import MonitorResult, run_monitor, write_monitor

__all__ = [
    "MonitorResult", "run_monitor", "write_monitor",
]
