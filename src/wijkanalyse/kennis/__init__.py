"""Kennis: the kennisdossier — interventions as versioned files and records (``dossier``),
and search and matching to a profile (``zoek``).

May import the kernel, :mod:`~wijkanalyse.gebieden` and :mod:`~wijkanalyse.signalen`; the
profile it matches is passed in (it does not import :mod:`~wijkanalyse.profiel`).
"""

from wijkanalyse.kennis.dossier import (
    add_or_update,
    apply_intervention,
    ensure_catalogue,
    get_intervention,
    list_interventions,
)
from wijkanalyse.kennis.zoek import match, match_profile, profile_section, search

__all__ = [
    "add_or_update", "apply_intervention", "ensure_catalogue", "get_intervention",
    "list_interventions", "match", "match_profile", "profile_section", "search",
]
