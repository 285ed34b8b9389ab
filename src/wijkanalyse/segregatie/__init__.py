"""Segregatie: segregation indices (one function per index) and the analysis per gemeente,
its report section in the wijkprofiel and its outputs.

Modules: ``indices`` (the index functions), ``groups`` (definitions), ``load`` (all SQL),
``data`` (loaded observations, counts), ``tables``, ``local``, ``change``, ``housing`` (the
tables), ``analyse`` (one gemeente), ``section`` (the profile section), ``render`` and
``charts`` (HTML), ``export`` (files), ``woonvormen`` (special-purpose housing).

May import the kernel, :mod:`~wijkanalyse.gebieden` and :mod:`~wijkanalyse.present`.
"""

from wijkanalyse.segregatie.analyse import SegregationResult, group_table, segregatie
from wijkanalyse.segregatie.change import change_table
from wijkanalyse.segregatie.export import (
    FORMATS,
    TABLES,
    index_json,
    result_table,
    write_outputs,
    write_xlsx,
)
from wijkanalyse.segregatie.groups import (
    ATKINSON_B,
    CHANGE_COLUMNS,
    CORPORATIEBUURT_THRESHOLD,
    FAMILIES,
    GROUPS,
    HOUSING_COLUMNS,
    INDEX_COLUMNS,
    INDICES,
    LEVELS,
    LOCAL_COLUMNS,
    LQ_MIN_COUNT,
    LQ_THRESHOLD,
    MAX_SUPPRESSED_SHARE,
    PROFILE_GROUPS,
    SPREAD_COLUMNS,
    Family,
    GroupDef,
    IndexDef,
)
from wijkanalyse.segregatie.housing import housing_mix, housing_spread
from wijkanalyse.segregatie.load import resolve_gemeente
from wijkanalyse.segregatie.local import local_table
from wijkanalyse.segregatie.render import render_html, report_stem, source_caption
from wijkanalyse.segregatie.section import profile_section
from wijkanalyse.segregatie.tables import segregation_table
from wijkanalyse.segregatie.woonvormen import SPECIAL_COLUMNS, rule_text

__all__ = [
    "ATKINSON_B",
    "CHANGE_COLUMNS",
    "CORPORATIEBUURT_THRESHOLD",
    "FAMILIES",
    "FORMATS",
    "GROUPS",
    "HOUSING_COLUMNS",
    "INDEX_COLUMNS",
    "INDICES",
    "LEVELS",
    "LOCAL_COLUMNS",
    "LQ_MIN_COUNT",
    "LQ_THRESHOLD",
    "MAX_SUPPRESSED_SHARE",
    "PROFILE_GROUPS",
    "SPECIAL_COLUMNS",
    "SPREAD_COLUMNS",
    "TABLES",
    "Family",
    "GroupDef",
    "IndexDef",
    "SegregationResult",
    "change_table",
    "group_table",
    "housing_mix",
    "housing_spread",
    "index_json",
    "local_table",
    "profile_section",
    "render_html",
    "report_stem",
    "resolve_gemeente",
    "result_table",
    "rule_text",
    "segregatie",
    "segregation_table",
    "source_caption",
    "write_outputs",
    "write_xlsx",
]
