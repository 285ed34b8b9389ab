"""Segregatie: segregation indices (one function per index) and the analysis per gemeente,
its report section in the wijkprofiel and its outputs.

May import the kernel, :mod:`~wijkanalyse.gebieden` and :mod:`~wijkanalyse.present`.
"""

from wijkanalyse.segregatie.analyse import (
    SegregationResult,
    profile_section,
    segregatie,
    write_outputs,
)

__all__ = [
    "SegregationResult", "profile_section", "segregatie", "write_outputs",
]
