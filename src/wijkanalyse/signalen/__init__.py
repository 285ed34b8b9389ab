"""Signalen: the signal rules (``data/signalen.yaml``), the signals they derive from a
profile and the profile's one assessment (:func:`assess_profile`: the signals and the judgement
of every key figure); used by the profile and by the kennisdossier's matching.

May import only the kernel.
"""

from wijkanalyse.signalen.assess import Assessment, assess_profile
from wijkanalyse.signalen.derive import derive_signals
from wijkanalyse.signalen.rules import DERIVED_SUFFIX, load_rules

__all__ = [
    "DERIVED_SUFFIX", "Assessment", "assess_profile", "derive_signals", "load_rules",
]
