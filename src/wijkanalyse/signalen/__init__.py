"""Signalen: the signal rules (``data/signalen.yaml``) and the signals they derive from a
profile; used by the profile and by the kennisdossier's matching.

May import only the kernel.
"""

from wijkanalyse.signalen.derive import derive_signals
from wijkanalyse.signalen.rules import DERIVED_SUFFIX, load_rules

__all__ = [
    "DERIVED_SUFFIX", "derive_signals", "load_rules",
]
