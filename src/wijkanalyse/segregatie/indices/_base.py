"""Shared input validation, partition grouping and numeric helpers of the segregation
indices (written once, used by every index).

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from wijkanalyse.errors import WijkanalyseError

IndexResult = float | np.ndarray
"""A float (``by=None``) or an array with one value per partition."""

#: Default threshold of :func:`concentration_flag` (see there for the choice).
CONCENTRATION_THRESHOLD = 1.5
#: Default minimum group count of :func:`concentration_flag`.
CONCENTRATION_MIN_COUNT = 50


class SegregationInputError(WijkanalyseError, ValueError):
    """Invalid input to a segregation index (message in Dutch, naming row and value)."""


# --------------------------------------------------------------------------------------------
# Validation and grouping (written once, used by every index)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Units:
    """Validated units of one call: clean counts, partition ids and what was dropped.

    ``x``/``t`` (two-group) or ``counts`` (multigroup) hold 0 for dropped units (zero population
    or suppressed), so sums over them are sums over the used units.
    """

    t: np.ndarray
    by: np.ndarray
    n_parts: int
    scalar: bool
    zero: np.ndarray
    suppressed: np.ndarray
    # two-group input fills x, multigroup input fills counts; the other stays empty
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def used(self) -> np.ndarray:
        """Units that take part: population above zero and no suppressed count."""
        used: np.ndarray = ~self.zero & ~self.suppressed
        return used

    @property
    def bad(self) -> np.ndarray:
        """Partitions with at least one suppressed count in a used unit."""
        return np.bincount(self.by[self.suppressed], minlength=self.n_parts) > 0

    def total(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (one per unit) per partition."""
        return np.bincount(self.by, weights=values, minlength=self.n_parts)

    def total_columns(self, values: np.ndarray) -> np.ndarray:
        """Column sums of ``values`` (units × K) per partition: an ``n_parts × K`` array."""
        return np.stack([self.total(values[:, k]) for k in range(values.shape[1])], axis=1)


def _where(position: tuple[int, ...]) -> str:
    if len(position) == 1:
        return f"rij {position[0]}"
    return f"rij {position[0]}, kolom {position[1]}"


def _as_counts(values: npt.ArrayLike, name: str, *, ndim: int = 1) -> np.ndarray:
    """``values`` as a float array of counts: NaN allowed (suppressed), no inf, no negatives."""
    try:
        if hasattr(values, "to_numpy"):
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SegregationInputError(f"'{name}' bevat waarden die geen getal zijn: {exc}.") from exc
    if array.ndim != ndim:
        shape = "een rij getallen (1-D)" if ndim == 1 else "een tabel eenheden × groepen (2-D)"
        raise SegregationInputError(
            f"'{name}' moet {shape} zijn, maar heeft {array.ndim} dimensie(s)."
        )
    infinite = np.isinf(array)
    if infinite.any():
        pos = tuple(int(i) for i in np.argwhere(infinite)[0])
        raise SegregationInputError(f"'{name}' is oneindig op {_where(pos)}: {array[pos]}.")
    negative = array < 0
    if negative.any():
        pos = tuple(int(i) for i in np.argwhere(negative)[0])
        raise SegregationInputError(
            f"'{name}' is negatief op {_where(pos)}: {array[pos]:g}. Aantallen zijn nooit negatief."
        )
    return array


def _partitions(by: npt.ArrayLike | None, n: int) -> tuple[np.ndarray, int, bool]:
    """Partition id per unit, number of partitions, and whether the caller gave no ``by``."""
    if by is None:
        return np.zeros(n, dtype=np.intp), 1, True
    ids = np.asarray(by)
    if ids.ndim != 1:
        raise SegregationInputError(f"'by' moet een rij getallen (1-D) zijn, niet {ids.ndim}-D.")
    if len(ids) != n:
        raise SegregationInputError(
            f"'by' heeft {len(ids)} waarden, maar er zijn {n} eenheden: geef elke eenheid het "
            "nummer van haar partitie."
        )
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0, False
    if not np.issubdtype(ids.dtype, np.integer):
        raise SegregationInputError(
            f"'by' moet gehele getallen bevatten (partitienummers 0, 1, 2, ...), niet "
            f"{ids.dtype}; gebruik bijvoorbeeld pandas.factorize."
        )
    if ids.min() < 0:
        pos = int(np.argmax(ids < 0))
        raise SegregationInputError(
            f"'by' is negatief op rij {pos}: {ids[pos]}. Partitienummers beginnen bij 0."
        )
    return ids.astype(np.intp, copy=False), int(ids.max()) + 1, False


def _validate(
    x: npt.ArrayLike, t: npt.ArrayLike, by: npt.ArrayLike | None, *,
    names: tuple[str, str] = ("x", "t"),
) -> _Units:
    """Validate two-group input once: counts, group ≤ total, equal lengths, partition ids."""
    xs = _as_counts(x, names[0])
    ts = _as_counts(t, names[1])
    if len(xs) != len(ts):
        raise SegregationInputError(
            f"'{names[0]}' heeft {len(xs)} waarden en '{names[1]}' {len(ts)}: elke eenheid heeft "
            "een groepsaantal en een totaal nodig."
        )
    over = xs > ts
    if over.any():
        pos = int(np.argmax(over))
        raise SegregationInputError(
            f"Het aantal in de groep ('{names[0]}') is groter dan het totaal ('{names[1]}') op rij "
            f"{pos}: {xs[pos]:g} > {ts[pos]:g}. Neem als totaal de som van de groepen die samen "
            "de bevolking vormen (CBS rondt aantallen afzonderlijk af)."
        )
    ids, n_parts, scalar = _partitions(by, len(xs))
    zero = ts == 0
    suppressed = (np.isnan(xs) | np.isnan(ts)) & ~zero
    used = ~zero & ~suppressed
    return _Units(
        t=np.where(used, ts, 0.0), x=np.where(used, xs, 0.0), by=ids, n_parts=n_parts,
        scalar=scalar, zero=zero, suppressed=suppressed,
    )


def _validate_counts(counts: npt.ArrayLike, by: npt.ArrayLike | None) -> _Units:
    """Validate a multigroup counts matrix (units × groups, at least two groups)."""
    c = _as_counts(counts, "counts", ndim=2)
    if c.shape[1] < 2:
        raise SegregationInputError(
            f"'counts' heeft {c.shape[1]} groep(en); een multigroepsindex heeft er minstens "
            "twee nodig (één kolom per groep)."
        )
    ids, n_parts, scalar = _partitions(by, c.shape[0])
    missing = np.isnan(c).any(axis=1)
    t = np.where(missing, np.nan, c.sum(axis=1))
    zero = t == 0
    suppressed = missing
    used = ~zero & ~suppressed
    return _Units(
        t=np.where(used, t, 0.0), counts=np.where(used[:, None], c, 0.0), by=ids,
        n_parts=n_parts, scalar=scalar, zero=zero, suppressed=suppressed,
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (callers mask undefined results explicitly)."""
    den = np.asarray(den, dtype=np.float64)
    nonzero = den != 0
    return np.where(nonzero, num / np.where(nonzero, den, 1.0), 0.0)


def _xlnx(p: np.ndarray) -> np.ndarray:
    """``p · ln p`` with the limit 0 at ``p = 0``."""
    positive = p > 0
    return np.where(positive, p * np.log(np.where(positive, p, 1.0)), 0.0)


def _finish(
    values: np.ndarray, units: _Units, defined: np.ndarray, low: Any, high: Any
) -> IndexResult:
    """Mask undefined and suppressed partitions with NaN, clip rounding, unwrap ``by=None``."""
    result = np.where(defined & ~units.bad, np.clip(values, low, high), np.nan)
    if units.scalar:
        return float(result[0])
    return result
