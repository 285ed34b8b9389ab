"""Profiel: the wijkprofiel — assembly from the database, similar neighbourhoods (peers),
and the HTML/PDF report.

May import the kernel, :mod:`~wijkanalyse.gebieden`, :mod:`~wijkanalyse.present`,
:mod:`~wijkanalyse.signalen` and the sections it embeds (:mod:`~wijkanalyse.kennis`,
:mod:`~wijkanalyse.segregatie`, :mod:`~wijkanalyse.verhalen`).
"""

from wijkanalyse.profiel.assemble import (
    YearNotAvailableError,
    build_profile,
    profile,
    profile_frames,
)
from wijkanalyse.profiel.cells import GEMEENTEN_PER_JAAR, LBM_INDICATORS
from wijkanalyse.profiel.figures import KEY_FIGURES, assess
from wijkanalyse.profiel.peers import find_peers
from wijkanalyse.profiel.report import render_html, render_summary_html, write_report
from wijkanalyse.profiel.schema import profile_schema, write_schema
from wijkanalyse.profiel.sections import with_section
from wijkanalyse.signalen.assess import NEUTRAL_INDEX, NEUTRAL_PP, NEUTRAL_SCORE

__all__ = [
    "GEMEENTEN_PER_JAAR", "KEY_FIGURES", "LBM_INDICATORS", "NEUTRAL_INDEX", "NEUTRAL_PP",
    "NEUTRAL_SCORE", "YearNotAvailableError", "assess", "build_profile",
    "find_peers", "profile", "profile_frames", "profile_schema", "render_html",
    "render_summary_html", "with_section", "write_report", "write_schema",
]
