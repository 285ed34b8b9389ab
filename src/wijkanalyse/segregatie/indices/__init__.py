"""Segregation indices, vectorised over many partitions (gemeente × jaar) at once.

Every index is one function that takes 1-D arrays over *units* (buurten or wijken) and an
optional integer array ``by`` giving the partition of each unit (usually the gemeente × year
the unit belongs to, numbered ``0 .. by.max()``, e.g. with :func:`pandas.factorize`). With
``by=None`` all units form one partition and the function returns a ``float``; with ``by`` it
returns a NumPy array with one value per partition ``0 .. by.max()`` (a partition number without
units gives NaN). Grouping is done with :func:`numpy.bincount` and one :func:`numpy.lexsort`, never
with a Python loop over partitions, so the whole country × all years is one call.

Notation (as in Massey & Denton 1988 and the PySAL ``segregation`` package): for unit *i*,
``x_i`` is the count of the group of interest, ``t_i`` the unit's total, ``y_i = t_i - x_i``,
``p_i = x_i / t_i``; per partition ``X = Σ x_i``, ``Y = Σ y_i``, ``T = Σ t_i`` and ``P = X / T``.
Multigroup functions take a counts matrix (units × groups) ``c_ik`` with ``t_i = Σ_k c_ik``,
``p_ik = c_ik / t_i``, ``X_k = Σ_i c_ik`` and ``P_k = X_k / T``. Natural logarithms throughout;
``0 · ln 0 = 0``.

The definitions match ``segregation`` 2.5.4 (``segregation.singlegroup``, ``.multigroup`` and
``.local``) to 1e-9 on the real KWB 2024 data of every gemeente (see
``tests/test_segregation_indices.py``); the exceptions are listed per function.

Explicit handling of awkward data (never a silent value):

* **Zero population** — units with ``t_i = 0`` carry no people and are dropped from the
  computation (whatever their group count says; a group count cannot exceed zero). Local
  measures give NaN for such a unit (its share is undefined).
* **Suppressed counts** — NaN marks a suppressed (geheimgehouden) count. A partition in which a
  used unit (``t_i > 0`` or unknown) has a NaN count gets NaN for every index, because any value
  computed from the other units would be incomplete. :func:`validity` gives per partition the
  number of units, zero-population units and suppressed units, and :meth:`Validity.reasons`
  says in Dutch why an index is NaN.
* **Undefined indices** — the evenness indices (D, Gini, Atkinson, H) are undefined when the
  group is absent (``X = 0``) or everyone belongs to it (``X = T``): NaN, not 0 and not 1.
  Isolation and exposure are undefined when ``X = 0``. Multigroup D and H are undefined when
  fewer than two groups are present. Every index of an empty partition (``T = 0``) is NaN.
* **Bounds** — results are clipped to their mathematical range (D, Gini, H, A in [0, 1];
  isolation in [P, 1]; exposure in [0, 1 − P]; Simpson's interaction in [0, 1 − 1/K]). The
  clipping only removes floating-point rounding (of the order of 1e-15).
* **Invalid input** (negative or infinite counts, a group count above the total, arrays of
  different length, a non-integer or negative ``by``) raises :class:`SegregationInputError`
  with a Dutch message naming the row (counted from 0) and the value.

Divisions use :func:`numpy.where` guards (no ``numpy.seterr``).
"""

from __future__ import annotations

from wijkanalyse.segregatie.indices._base import (
    CONCENTRATION_MIN_COUNT,
    CONCENTRATION_THRESHOLD,
    IndexResult,
    SegregationInputError,
)
from wijkanalyse.segregatie.indices.decomposition import (
    ShapleyDecomposition,
    ipf_counterfactual,
    shapley_decomposition,
)
from wijkanalyse.segregatie.indices.local import (
    concentration_flag,
    local_entropy,
    location_quotient,
    multi_location_quotient,
)
from wijkanalyse.segregatie.indices.multigroup import (
    multi_dissimilarity,
    multi_information_theory,
    simpsons_interaction,
)
from wijkanalyse.segregatie.indices.twogroup import (
    atkinson,
    dissimilarity,
    entropy,
    exposure,
    gini,
    isolation,
)
from wijkanalyse.segregatie.indices.validity import (
    MULTIGROUP_INDICES,
    TWO_GROUP_INDICES,
    Validity,
    validity,
)

__all__ = [
    "IndexResult",
    "CONCENTRATION_MIN_COUNT",
    "CONCENTRATION_THRESHOLD",
    "MULTIGROUP_INDICES",
    "TWO_GROUP_INDICES",
    "SegregationInputError",
    "ShapleyDecomposition",
    "Validity",
    "atkinson",
    "concentration_flag",
    "dissimilarity",
    "entropy",
    "exposure",
    "gini",
    "ipf_counterfactual",
    "isolation",
    "local_entropy",
    "location_quotient",
    "multi_dissimilarity",
    "multi_information_theory",
    "multi_location_quotient",
    "shapley_decomposition",
    "simpsons_interaction",
    "validity",
]
