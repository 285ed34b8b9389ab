"""Sources: one reader module per file layout, the reader registry, the parallel read
pool, the database build, downloads (CBS OData, Leefbaarometer) and the data status.

May import the kernel, :mod:`wijkanalyse.gebieden` (name matching, aggregation of the
boundary files) and :mod:`wijkanalyse.kennis` (the build seeds the kennisdossier).
"""

from wijkanalyse.sources.build import BuildRefusedError, build_database
from wijkanalyse.sources.download import download_kwb, download_leefbaarometer
from wijkanalyse.sources.registry import ReadContext, detect, discover
from wijkanalyse.sources.status import StatusReport, data_status

__all__ = [
    "BuildRefusedError", "ReadContext", "StatusReport", "build_database", "data_status", "detect",
    "discover", "download_kwb", "download_leefbaarometer",
]
