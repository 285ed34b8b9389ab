"""Profiel: the wijkprofiel — assembly from the database, similar neighbourhoods (peers),
and the HTML/PDF report.

May import the kernel, :mod:`~wijkanalyse.gebieden`, :mod:`~wijkanalyse.present`,
:mod:`~wijkanalyse.signalen` and the sections it embeds (:mod:`~wijkanalyse.kennis`,
:mod:`~wijkanalyse.segregatie`, :mod:`~wijkanalyse.verhalen`).
"""

from wijkanalyse.profiel.assemble import build_profile, profile, profile_frames
from wijkanalyse.profiel.features import display_value
from wijkanalyse.profiel.peers import find_peers
from wijkanalyse.profiel.report import render_html, write_report

__all__ = [
    "build_profile", "display_value", "find_peers", "profile", "profile_frames", "render_html", "write_report",
]
