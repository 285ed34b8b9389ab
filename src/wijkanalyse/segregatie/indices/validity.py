"""Why an index is NaN (:class:`Validity`) and the registries of the two-group and
multigroup indices.

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wijkanalyse.segregatie.indices._base import (
    IndexResult,
    SegregationInputError,
    _validate,
    _validate_counts,
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

# --------------------------------------------------------------------------------------------
# Validity: why an index is NaN
# --------------------------------------------------------------------------------------------

# Which condition each index needs besides population and complete counts.
_NEEDS = {
    "dissimilarity": "mixed", "gini": "mixed", "atkinson": "mixed", "entropy": "mixed",
    "isolation": "group", "exposure": "group",
    "multi_dissimilarity": "two_groups", "multi_information_theory": "two_groups",
    "simpsons_interaction": "population",
}


@dataclass(frozen=True)
class Validity:
    """What each partition contains, to explain NaN results (arrays, one value per partition).

    Attributes
    ----------
    n_units
        Units in the partition.
    n_zero
        Units with zero population (dropped).
    n_suppressed
        Used units with a suppressed (NaN) count; > 0 makes every index NaN.
    n_groups_present
        Groups with a count above zero among the used units (two-group: the group and the
        rest, so 0–2).
    group_count
        ``X`` over the used units (two-group input); NaN for multigroup input.
    population
        ``T`` over the used units.
    """

    n_units: np.ndarray
    n_zero: np.ndarray
    n_suppressed: np.ndarray
    n_groups_present: np.ndarray
    group_count: np.ndarray
    population: np.ndarray

    def reasons(self, index: str = "dissimilarity") -> list[str | None]:
        """Dutch reason per partition why ``index`` is NaN there, or None where it is defined.

        Parameters
        ----------
        index
            A name from :data:`TWO_GROUP_INDICES` or :data:`MULTIGROUP_INDICES`.

        Returns
        -------
        list of str or None
            One entry per partition.
        """
        if index not in _NEEDS:
            raise SegregationInputError(
                f"Onbekende index {index!r}; kies uit {', '.join(sorted(_NEEDS))}."
            )
        need = _NEEDS[index]
        out: list[str | None] = []
        for g in range(len(self.n_units)):
            n, zero, sup = int(self.n_units[g]), int(self.n_zero[g]), int(self.n_suppressed[g])
            X, T = self.group_count[g], self.population[g]
            if n == 0:
                out.append("geen buurten of wijken in deze partitie")
            elif sup > 0:
                out.append(f"{sup} van de {n} buurten/wijken hebben geheimgehouden "
                           "(onderdrukte) aantallen: de index zou onvolledig zijn")
            elif zero == n or T == 0:
                out.append(f"geen inwoners: alle {n} buurten/wijken zijn leeg")
            elif need in ("mixed", "group") and X == 0:
                out.append("de groep komt niet voor (X = 0): de index is niet gedefinieerd")
            elif need == "mixed" and X == T:
                out.append("iedereen behoort tot de groep (X = T): de index is niet "
                           "gedefinieerd")
            elif need == "two_groups" and self.n_groups_present[g] < 2:
                out.append("minder dan twee groepen aanwezig: de index is niet gedefinieerd")
            else:
                out.append(None)
        return out


def validity(x: npt.ArrayLike, t: npt.ArrayLike | None = None, *,
             by: npt.ArrayLike | None = None) -> Validity:
    """Per partition: units, zero-population units, suppressed units and groups present.

    Parameters
    ----------
    x
        Group counts per unit (1-D, with ``t``) or a counts matrix units × groups (2-D, without
        ``t``).
    t
        Totals per unit for two-group input; ``None`` for a counts matrix.
    by
        Partition id per unit; ``None`` = one partition.

    Returns
    -------
    Validity
        Arrays with one value per partition (also when ``by`` is None: length 1).
    """
    if t is None:
        u = _validate_counts(x, by)
        Xk = u.total_columns(u.counts)
        present = (Xk > 0).sum(axis=1)
        group_count = np.full(u.n_parts, np.nan)
        population = Xk.sum(axis=1)
    else:
        u = _validate(x, t, by)
        group_count = u.total(u.x)
        population = u.total(u.t)
        present = (group_count > 0).astype(int) + (group_count < population).astype(int)
    count = np.bincount(u.by, minlength=u.n_parts)
    return Validity(
        n_units=count,
        n_zero=np.bincount(u.by[u.zero], minlength=u.n_parts),
        n_suppressed=np.bincount(u.by[u.suppressed], minlength=u.n_parts),
        n_groups_present=present,
        group_count=group_count,
        population=population,
    )


TWO_GROUP_INDICES: dict[str, Callable[..., IndexResult]] = {
    "dissimilarity": dissimilarity,
    "gini": gini,
    "isolation": isolation,
    "exposure": exposure,
    "atkinson": atkinson,
    "entropy": entropy,
}
"""Two-group indices by name: ``f(x, t, *, by=None)``."""

MULTIGROUP_INDICES: dict[str, Callable[..., IndexResult]] = {
    "multi_dissimilarity": multi_dissimilarity,
    "multi_information_theory": multi_information_theory,
    "simpsons_interaction": simpsons_interaction,
}
"""Multigroup indices by name: ``f(counts, *, by=None)``."""
