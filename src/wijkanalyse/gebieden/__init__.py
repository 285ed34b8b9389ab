"""Gebieden: areas and how names become areas — CBS codes, user areas, shipped area sets,
monitor sets, subject resolution, name matching over the years, aggregation of member figures,
the geography of an area (its location, neighbours and map layers) and the lineage of areas
across the CBS division years (``lineage``, ``harmonise``).

May import only the kernel.
"""

from wijkanalyse.gebieden.aggregate import aggregate_many
from wijkanalyse.gebieden.areafiles import load_area_file
from wijkanalyse.gebieden.areas import define_area, get_area, list_areas, remove_area
from wijkanalyse.gebieden.areasetfiles import list_area_sets, load_area_set
from wijkanalyse.gebieden.harmonise import chains, move_counts
from wijkanalyse.gebieden.layers import gemeente_layers, to_rd
from wijkanalyse.gebieden.lineage import (
    CorrectionFileError,
    area_history,
    build_lineage,
    read_lineage,
)
from wijkanalyse.gebieden.location import locate
from wijkanalyse.gebieden.names import resolve_names
from wijkanalyse.gebieden.sets import check_set, list_sets, resolve_set
from wijkanalyse.gebieden.subjects import display_name, resolve_subject
from wijkanalyse.gebieden.suggestions import suggest

__all__ = [
    "CorrectionFileError", "aggregate_many", "area_history", "build_lineage", "chains",
    "check_set", "define_area", "display_name", "gemeente_layers", "get_area",
    "list_area_sets", "list_areas", "list_sets", "load_area_file", "load_area_set", "locate",
    "move_counts", "read_lineage", "remove_area", "resolve_names", "resolve_set",
    "resolve_subject", "suggest", "to_rd",
]
