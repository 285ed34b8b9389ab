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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from wijkanalyse.errors import WijkanalyseError

__all__ = [
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


# --------------------------------------------------------------------------------------------
# Two-group indices
# --------------------------------------------------------------------------------------------


def dissimilarity(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None
                  ) -> IndexResult:
    r"""Index of dissimilarity D (Duncan & Duncan 1955).

    .. math:: D = \frac{\sum_i t_i \lvert p_i - P\rvert}{2\,T\,P\,(1-P)}
              = \tfrac12 \sum_i \left\lvert \frac{x_i}{X} - \frac{y_i}{Y} \right\rvert

    The share of the group (or, equally, of the rest) that would have to move to another unit
    for every unit to have the partition's composition. In [0, 1]; 0 = even spread,
    1 = complete segregation. Symmetric in group and rest.

    Parameters
    ----------
    x
        Count of the group per unit (NaN = suppressed).
    t
        Total per unit (``x ≤ t``).
    by
        Partition id per unit (integers ``0 .. by.max()``); ``None`` = one partition.

    Returns
    -------
    float or numpy.ndarray
        D per partition; NaN where ``X = 0`` or ``X = T`` (undefined), the partition has no
        population, or a used unit has a suppressed count (see :func:`validity`).

    References
    ----------
    Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
    *American Sociological Review* 20(2), 210–217. Form as in Massey, D. S. & Denton, N. A.
    (1988). The dimensions of residential segregation. *Social Forces* 67(2), 281–315, and in
    ``segregation.singlegroup.Dissim``.
    """
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    p = _ratio(u.x, u.t)
    num = u.total(u.t * np.abs(p - P[u.by]))
    D = _ratio(num, 2.0 * T * P * (1.0 - P))
    return _finish(D, u, (X > 0) & (X < T), 0.0, 1.0)


def gini(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None) -> IndexResult:
    r"""Gini segregation index G (Duncan & Duncan 1955; Massey & Denton 1988).

    .. math:: G = \frac{\sum_i \sum_j t_i t_j \lvert p_i - p_j \rvert}{2\,T^2 P (1-P)}

    The mean absolute difference in group share between all pairs of people, relative to its
    maximum. Computed without the O(n²) double sum: within each partition the units are sorted
    by ``p_i`` (one ``lexsort`` by partition and share), so that with ``τ_i = t_i/T``,
    ``ξ_i = x_i/T``

    .. math:: G = \frac{1}{P(1-P)} \sum_j \Bigl(\xi_j \sum_{i<j} \tau_i
              - \tau_j \sum_{i<j} \xi_i\Bigr),

    the inner sums being running sums within the partition. In [0, 1]; symmetric in group and
    rest.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        G per partition; NaN in the cases listed for :func:`dissimilarity`.

    References
    ----------
    Duncan, O. D. & Duncan, B. (1955), see :func:`dissimilarity`; Massey, D. S. & Denton, N. A.
    (1988), *Social Forces* 67(2), 281–315, eq. for G; ``segregation.singlegroup.Gini``.
    """
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    p = _ratio(u.x, u.t)
    order = np.lexsort((p, u.by))
    part = u.by[order]
    tau = _ratio(u.t[order], T[part])
    xi = _ratio(u.x[order], T[part])
    # Running sums within each partition from one global cumsum. Successive populated partitions
    # alternate in sign so that the global running total stays within [0, 1] (each partition's
    # τ sums to 1): the rounding of a within-partition sum is then that of numbers ≤ 1, however
    # many partitions there are.
    parity = np.cumsum(T > 0) % 2
    sign = np.where(parity[part] == 1, 1.0, -1.0)
    before_tau = np.cumsum(sign * tau) - sign * tau
    before_xi = np.cumsum(sign * xi) - sign * xi
    first = np.searchsorted(part, np.arange(u.n_parts))
    present = first < len(part)
    start_tau = np.zeros(u.n_parts)
    start_xi = np.zeros(u.n_parts)
    start_tau[present] = before_tau[first[present]]
    start_xi[present] = before_xi[first[present]]
    cum_tau = sign * (before_tau - start_tau[part])
    cum_xi = sign * (before_xi - start_xi[part])
    num = np.bincount(part, weights=xi * cum_tau - tau * cum_xi, minlength=u.n_parts)
    G = _ratio(num, P * (1.0 - P))
    return _finish(G, u, (X > 0) & (X < T), 0.0, 1.0)


def isolation(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None
              ) -> IndexResult:
    r"""Isolation index :math:`{}_xP^*_x` (Bell 1954; Lieberson 1981).

    .. math:: {}_xP^*_x = \sum_i \frac{x_i}{X} \cdot \frac{x_i}{t_i}

    The share of the group in the unit of the average group member: the probability that a
    person met in one's own unit belongs to one's own group. In [P, 1] (P = even spread).
    ``isolation + exposure = 1``.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        Isolation per partition; NaN where ``X = 0`` (undefined), the partition has no
        population, or a used unit has a suppressed count. ``X = T`` gives 1.

    References
    ----------
    Bell, W. (1954). A probability model for the measurement of ecological segregation.
    *Social Forces* 32(4), 357–364. Lieberson, S. (1981). An asymmetrical approach to
    segregation. In C. Peach et al. (eds.), *Ethnic Segregation in Cities*, 61–82.
    ``segregation.singlegroup.Isolation``.
    """
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    xPx = _ratio(u.total(u.x * _ratio(u.x, u.t)), X)
    return _finish(xPx, u, X > 0, P, 1.0)


def exposure(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None
             ) -> IndexResult:
    r"""Exposure (interaction) index :math:`{}_xP^*_y` (Bell 1954; Lieberson 1981).

    .. math:: {}_xP^*_y = \sum_i \frac{x_i}{X} \cdot \frac{y_i}{t_i}

    The share of the rest (``y = t - x``) in the unit of the average group member. In
    [0, 1 − P]; ``isolation + exposure = 1``.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        Exposure per partition; NaN where ``X = 0``, the partition has no population, or a used
        unit has a suppressed count.

    References
    ----------
    Bell (1954) and Lieberson (1981), see :func:`isolation`;
    ``segregation.singlegroup.Interaction``.
    """
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    xPy = _ratio(u.total(u.x * _ratio(u.t - u.x, u.t)), X)
    return _finish(xPy, u, X > 0, 0.0, 1.0 - P)


def atkinson(x: npt.ArrayLike, t: npt.ArrayLike, *, b: float = 0.5,
             by: npt.ArrayLike | None = None) -> IndexResult:
    r"""Atkinson index A(b) (Atkinson 1970, in the form of Massey & Denton 1988).

    .. math:: A = 1 - \frac{P}{1-P} \left\lvert \frac{1}{P\,T} \sum_i (1-p_i)^{1-b}\,
              p_i^{\,b}\, t_i \right\rvert^{1/(1-b)}

    The shape parameter ``b`` weighs units where the group is under-represented (``b < 0.5``)
    or over-represented (``b > 0.5``); ``b = 0.5`` weighs both equally. In [0, 1]. Not
    symmetric in group and rest unless ``b = 0.5``.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.
    b
        Shape parameter, strictly between 0 and 1 (``b = 0`` gives 0 always, ``b = 1`` is
        undefined).

    Returns
    -------
    float or numpy.ndarray
        A per partition; NaN in the cases listed for :func:`dissimilarity`.

    References
    ----------
    Atkinson, A. B. (1970). On the measurement of inequality. *Journal of Economic Theory*
    2(3), 244–263. Massey & Denton (1988), see :func:`dissimilarity`;
    ``segregation.singlegroup.Atkinson``.
    """
    if not (isinstance(b, int | float) and 0.0 < float(b) < 1.0):
        raise SegregationInputError(f"De parameter b van de Atkinson-index moet tussen 0 en 1 "
                                    f"liggen (0 en 1 uitgesloten), niet {b!r}.")
    b = float(b)
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    p = _ratio(u.x, u.t)
    inner = _ratio(u.total((1.0 - p) ** (1.0 - b) * p**b * u.t), P * T)
    A = 1.0 - _ratio(P, 1.0 - P) * np.abs(inner) ** (1.0 / (1.0 - b))
    return _finish(A, u, (X > 0) & (X < T), 0.0, 1.0)


def entropy(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None
            ) -> IndexResult:
    r"""Entropy (information theory) index H for two groups (Theil & Finizza 1971).

    .. math:: E = P \ln\frac1P + (1-P)\ln\frac1{1-P}, \qquad
              E_i = p_i \ln\frac1{p_i} + (1-p_i)\ln\frac1{1-p_i},
    .. math:: H = \sum_i \frac{t_i\,(E - E_i)}{E\,T}

    The relative loss of diversity (entropy) in the units compared with the partition as a
    whole. In [0, 1]; symmetric in group and rest.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        H per partition; NaN in the cases listed for :func:`dissimilarity`.

    References
    ----------
    Theil, H. & Finizza, A. J. (1971). A note on the measurement of racial integration of
    schools by means of informational concepts. *Journal of Mathematical Sociology* 1(2),
    187–193. Massey & Denton (1988); ``segregation.singlegroup.Entropy``.
    """
    u = _validate(x, t, by)
    X, T = u.total(u.x), u.total(u.t)
    P = _ratio(X, T)
    p = _ratio(u.x, u.t)
    E = -(_xlnx(P) + _xlnx(1.0 - P))
    E_i = -(_xlnx(p) + _xlnx(1.0 - p))
    H = _ratio(u.total(u.t * (E[u.by] - E_i)), E * T)
    return _finish(H, u, (X > 0) & (X < T), 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Multigroup indices
# --------------------------------------------------------------------------------------------


def multi_dissimilarity(counts: npt.ArrayLike, *, by: npt.ArrayLike | None = None
                        ) -> IndexResult:
    r"""Multigroup dissimilarity index D (Sakoda 1981).

    .. math:: I = \sum_k P_k (1 - P_k), \qquad
              D = \frac{1}{2\,T\,I} \sum_i \sum_k t_i \lvert p_{ik} - P_k \rvert

    Generalises :func:`dissimilarity` to K groups (equal to it for K = 2). In [0, 1].

    Parameters
    ----------
    counts
        Counts per unit and group (units × groups, K ≥ 2; NaN = suppressed). The unit total is
        the row sum.
    by
        Partition id per unit; ``None`` = one partition.

    Returns
    -------
    float or numpy.ndarray
        D per partition; NaN where fewer than two groups are present, the partition has no
        population, or a used unit has a suppressed count.

    References
    ----------
    Sakoda, J. M. (1981). A generalized index of dissimilarity. *Demography* 18(2), 245–250.
    ``segregation.multigroup.MultiDissim``.
    """
    u = _validate_counts(counts, by)
    c = u.counts
    Xk = u.total_columns(c)
    T = Xk.sum(axis=1)
    Pk = _ratio(Xk, T[:, None])
    I = (Pk * (1.0 - Pk)).sum(axis=1)  # noqa: E741 (the paper's symbol)
    pik = _ratio(c, u.t[:, None])
    num = u.total((u.t[:, None] * np.abs(pik - Pk[u.by])).sum(axis=1))
    D = _ratio(num, 2.0 * T * I)
    return _finish(D, u, (Xk > 0).sum(axis=1) >= 2, 0.0, 1.0)


def multi_information_theory(counts: npt.ArrayLike, *, by: npt.ArrayLike | None = None
                             ) -> IndexResult:
    r"""Theil's multigroup information theory index H (Theil 1972; Reardon & Firebaugh 2002).

    .. math:: E = \sum_k P_k \ln\frac{1}{P_k}, \qquad
              H = \sum_i \sum_k \frac{t_i}{T\,E}\; p_{ik} \ln\frac{p_{ik}}{P_k}

    The relative reduction of entropy (diversity) within units compared with the partition. In
    [0, 1]; equal to :func:`entropy` for K = 2.

    Groups absent from a partition (``X_k = 0``) contribute nothing (``0 · ln 0 = 0``);
    ``segregation.multigroup.MultiInfoTheory`` returns NaN in that case.

    Parameters
    ----------
    counts, by
        As in :func:`multi_dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        H per partition; NaN in the cases listed for :func:`multi_dissimilarity`.

    References
    ----------
    Theil, H. (1972). *Statistical Decomposition Analysis*. Amsterdam: North-Holland.
    Reardon, S. F. & Firebaugh, G. (2002). Measures of multigroup segregation. *Sociological
    Methodology* 32, 33–67.
    """
    u = _validate_counts(counts, by)
    c = u.counts
    Xk = u.total_columns(c)
    T = Xk.sum(axis=1)
    Pk = _ratio(Xk, T[:, None])
    E = -_xlnx(Pk).sum(axis=1)
    E_i = -_xlnx(_ratio(c, u.t[:, None])).sum(axis=1)
    H = _ratio(u.total(u.t * (E[u.by] - E_i)), T * E)
    return _finish(H, u, (Xk > 0).sum(axis=1) >= 2, 0.0, 1.0)


def simpsons_interaction(counts: npt.ArrayLike, *, by: npt.ArrayLike | None = None
                         ) -> IndexResult:
    r"""Simpson's interaction index (Simpson 1949; Reardon & Firebaugh 2002, eq. 1).

    .. math:: I = \sum_k P_k (1 - P_k)

    The probability that two people drawn at random (with replacement) from the partition
    belong to different groups: a diversity measure of the partition as a whole that does not
    depend on how people are spread over its units (as in
    ``segregation.multigroup.SimpsonsInteraction``). In [0, 1 − 1/K]; higher = more mixed.

    Parameters
    ----------
    counts, by
        As in :func:`multi_dissimilarity`.

    Returns
    -------
    float or numpy.ndarray
        I per partition; NaN where the partition has no population or a used unit has a
        suppressed count. One group only gives 0.

    References
    ----------
    Simpson, E. H. (1949). Measurement of diversity. *Nature* 163, 688. Reardon & Firebaugh
    (2002), see :func:`multi_information_theory`.
    """
    u = _validate_counts(counts, by)
    Xk = u.total_columns(u.counts)
    T = Xk.sum(axis=1)
    Pk = _ratio(Xk, T[:, None])
    K = Xk.shape[1]
    return _finish((Pk * (1.0 - Pk)).sum(axis=1), u, T > 0, 0.0, 1.0 - 1.0 / K)


# --------------------------------------------------------------------------------------------
# Local measures (one value per unit)
# --------------------------------------------------------------------------------------------


def _reference_shares(reference: npt.ArrayLike | None, n_parts: int, k: int | None
                      ) -> np.ndarray | None:
    """The caller's reference shares per partition (and group), validated to lie in [0, 1]."""
    if reference is None:
        return None
    ref = np.asarray(reference, dtype=np.float64)
    shape = (n_parts,) if k is None else (n_parts, k)
    try:
        ref = np.broadcast_to(ref, shape)
    except ValueError as exc:
        raise SegregationInputError(
            f"'reference' heeft vorm {ref.shape}; verwacht één aandeel per partitie"
            f"{'' if k is None else ' en groep'} (vorm {shape})."
        ) from exc
    outside = ~np.isnan(ref) & ((ref < 0) | (ref > 1))
    if outside.any():
        pos = tuple(int(i) for i in np.argwhere(outside)[0])
        raise SegregationInputError(
            f"'reference' is geen aandeel tussen 0 en 1 op {_where(pos)}: {ref[pos]:g}."
        )
    return ref


def location_quotient(x: npt.ArrayLike, t: npt.ArrayLike, *, by: npt.ArrayLike | None = None,
                      reference: npt.ArrayLike | None = None) -> np.ndarray:
    r"""Location quotient per unit (Isard 1960).

    .. math:: LQ_i = \frac{x_i / t_i}{X / T}

    The group's share in the unit relative to its share in the partition (e.g. the gemeente):
    1 = as in the gemeente, 2 = twice as high.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.
    reference
        Optional group share ``X/T`` per partition from another source (e.g. the gemeente's own
        KWB row), a float or one value per partition. Without it the share is computed from the
        units, and a partition with a suppressed count gets NaN for all its units (its share
        would be incomplete); with it only the suppressed units themselves are NaN.

    Returns
    -------
    numpy.ndarray
        One value per unit (always an array); NaN for units without population, units with a
        suppressed count, units in a partition whose share is unknown or 0.

    References
    ----------
    Isard, W. (1960). *Methods of Regional Analysis*. Cambridge, MA: MIT Press.
    ``segregation.local.MultiLocationQuotient`` (per group of a counts matrix).
    """
    u = _validate(x, t, by)
    ref = _reference_shares(reference, u.n_parts, None)
    if ref is None:
        X, T = u.total(u.x), u.total(u.t)
        share = np.where(~u.bad & (T > 0), _ratio(X, T), np.nan)
    else:
        share = ref
    share_u = share[u.by]
    ok = u.used & (share_u > 0)
    return np.where(ok, _ratio(_ratio(u.x, u.t), np.where(ok, share_u, 1.0)), np.nan)


def multi_location_quotient(counts: npt.ArrayLike, *, by: npt.ArrayLike | None = None,
                            reference: npt.ArrayLike | None = None) -> np.ndarray:
    r"""Location quotient per unit and group (Isard 1960).

    .. math:: LQ_{ik} = \frac{c_{ik} / t_i}{X_k / T}

    Parameters
    ----------
    counts, by
        As in :func:`multi_dissimilarity`.
    reference
        Optional group shares per partition and group (shape ``(n_parts, K)`` or ``(K,)``), as
        in :func:`location_quotient`.

    Returns
    -------
    numpy.ndarray
        Units × groups; NaN as in :func:`location_quotient` (also for a group absent from the
        partition).

    References
    ----------
    Isard (1960), see :func:`location_quotient`; ``segregation.local.MultiLocationQuotient``.
    """
    u = _validate_counts(counts, by)
    K = u.counts.shape[1]
    ref = _reference_shares(reference, u.n_parts, K)
    if ref is None:
        Xk = u.total_columns(u.counts)
        T = Xk.sum(axis=1)
        share = np.where((~u.bad & (T > 0))[:, None], _ratio(Xk, T[:, None]), np.nan)
    else:
        share = ref
    share_u = share[u.by]
    ok = u.used[:, None] & (share_u > 0)
    pik = _ratio(u.counts, u.t[:, None])
    return np.where(ok, _ratio(pik, np.where(ok, share_u, 1.0)), np.nan)


def local_entropy(counts: npt.ArrayLike) -> np.ndarray:
    r"""Local (normalised) entropy per unit (Reardon & O'Sullivan 2004, eq. 6).

    .. math:: \tilde E_i = -\frac{1}{\ln K} \sum_k p_{ik} \ln p_{ik}

    The diversity of the unit itself: 0 = one group only, 1 = all K groups equally large. It
    depends on the unit only, so it takes no ``by``.

    Parameters
    ----------
    counts
        Counts per unit and group (units × groups, K ≥ 2; NaN = suppressed).

    Returns
    -------
    numpy.ndarray
        One value per unit in [0, 1]; NaN for units without population or with a suppressed
        count (``segregation.local.MultiLocalEntropy`` gives 0 for an empty unit).

    References
    ----------
    Reardon, S. F. & O'Sullivan, D. (2004). Measures of spatial segregation. *Sociological
    Methodology* 34, 121–162. ``segregation.local.MultiLocalEntropy``.
    """
    u = _validate_counts(counts, None)
    K = u.counts.shape[1]
    value = -_xlnx(_ratio(u.counts, u.t[:, None])).sum(axis=1) / np.log(K)
    return np.where(u.used, np.clip(value, 0.0, 1.0), np.nan)


def concentration_flag(lq: npt.ArrayLike, *, count: npt.ArrayLike,
                       threshold: float = CONCENTRATION_THRESHOLD,
                       min_count: float = CONCENTRATION_MIN_COUNT) -> np.ndarray:
    """Flag units where a group is concentrated: ``LQ ≥ threshold`` and ``count ≥ min_count``.

    The threshold 1.5 (the group's share at least one and a half times the gemeente's) is a
    common cut-off for a clear over-representation in location-quotient studies (some use
    1.25, which flags mild over-representation too; 2 flags only extreme cases). The minimum count
    keeps tiny buurten from flagging: with 30 inhabitants, 10 people of a group that makes up
    20 % of the gemeente give LQ = 1.7, which says nothing about concentration. 50 persons is
    ten times the rounding unit of the KWB counts (multiples of 5). Both are options for the
    caller; reports should print them.

    Parameters
    ----------
    lq
        Location quotients (any shape; NaN never flags).
    count
        The group count per unit (same shape; NaN never flags).
    threshold
        Minimum location quotient (> 0).
    min_count
        Minimum group count (≥ 0).

    Returns
    -------
    numpy.ndarray
        Boolean array of the shape of ``lq``.
    """
    q = np.asarray(lq, dtype=np.float64)
    n = np.asarray(count, dtype=np.float64)
    if q.shape != n.shape:
        raise SegregationInputError(
            f"'lq' (vorm {q.shape}) en 'count' (vorm {n.shape}) moeten dezelfde vorm hebben."
        )
    if not threshold > 0:
        raise SegregationInputError(f"De drempel moet groter dan 0 zijn, niet {threshold!r}.")
    if not min_count >= 0:
        raise SegregationInputError(f"Het minimumaantal mag niet negatief zijn: {min_count!r}.")
    return (q >= threshold) & (n >= min_count)


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


# --------------------------------------------------------------------------------------------
# Change over time: Shapley decomposition with IPF counterfactuals
# --------------------------------------------------------------------------------------------


_IPF_WINDOW = 100
_IPF_STALL = 0.99


def ipf_counterfactual(x: npt.ArrayLike, t: npt.ArrayLike, *, share: npt.ArrayLike,
                       by: npt.ArrayLike | None = None, tol: float = 1e-11,
                       max_iter: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    r"""Group counts with the unit totals of ``t``, group share ``share``, and the structure of x.

    Iterative proportional fitting (Deming & Stephan 1940) of the unit × {group, rest} table
    ``[x, t − x]`` to the row margins ``t`` (unchanged) and the column margins
    ``(share · T, (1 − share) · T)`` per partition, alternating a column and a row scaling until
    the column margins are met to ``tol`` (relative to T). IPF keeps all odds ratios between
    units, so the result is ``x*_i = t_i λ x_i / (λ x_i + y_i)`` for the one λ per partition
    that gives ``Σ x*_i = share · T`` (Karmel & Maclachlan 1988). Cells that are 0 stay 0.

    Parameters
    ----------
    x, t, by
        As in :func:`dissimilarity`.
    share
        Target group share per partition (a float, or one value per partition), in [0, 1].
    tol
        Convergence tolerance on the column margins, relative to the partition total.
    max_iter
        Maximum number of iterations.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Counterfactual group counts per unit (0 for dropped units; NaN for units of partitions
        that did not converge or have suppressed counts) and, per partition, whether IPF
        converged (False when the margins cannot be met with the table's zero cells, e.g.
        complete segregation with another group share, or an absent group with a share above
        0 — detected as an error that falls by less than 1 % in 100 iterations; also False for
        partitions with suppressed counts or no population).

    References
    ----------
    Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled
    frequency table when the expected marginal totals are known. *Annals of Mathematical
    Statistics* 11(4), 427–444. Karmel, T. & Maclachlan, M. (1988). Occupational sex
    segregation — increasing or decreasing? *Economic Record* 64(3), 187–195.
    """
    u = _validate(x, t, by)
    target = _reference_shares(share, u.n_parts, None)
    if target is None:
        raise SegregationInputError("'share' ontbreekt: geef het doelaandeel van de groep.")
    T = u.total(u.t)
    goal = np.where(np.isnan(target), 0.0, target) * T
    n1 = u.x.copy()
    active = (T > 0) & ~u.bad & ~np.isnan(target)
    converged = np.zeros(u.n_parts, dtype=bool)
    # Iterate on the units of partitions that have not converged yet (a partition whose margins
    # cannot be met does not slow down the others).
    sel = np.flatnonzero(active[u.by])
    part, tot = u.by[sel], u.t[sel]
    g1, g2 = n1[sel], tot - n1[sel]
    earlier = np.full(u.n_parts, np.inf)
    for iteration in range(max_iter + 1):
        c1 = np.bincount(part, weights=g1, minlength=u.n_parts)
        c2 = np.bincount(part, weights=g2, minlength=u.n_parts)
        rows = np.bincount(part, weights=np.abs(g1 + g2 - tot), minlength=u.n_parts)
        error = _ratio(np.abs(c1 - goal) + rows, T)
        done = active & (error <= tol)
        stop = done.copy()
        if iteration % _IPF_WINDOW == 0:
            # Margins that cannot be met: the error settles at a positive value. Give up on a
            # partition whose error fell by less than 1 % over the last window.
            stop |= active & (error > _IPF_STALL * earlier)
            earlier = error
        if stop.any():
            converged |= done
            active &= ~stop
            keep = active[part]
            n1[sel[~keep]] = g1[~keep]
            sel, part, tot, g1, g2 = sel[keep], part[keep], tot[keep], g1[keep], g2[keep]
        if not active.any():
            break
        g1 = g1 * _ratio(goal, c1)[part]
        g2 = g2 * _ratio(T - goal, c2)[part]
        rescale = _ratio(tot, g1 + g2)
        g1 *= rescale
        g2 *= rescale
    return np.where(converged[u.by], n1, np.nan), converged


@dataclass(frozen=True)
class ShapleyDecomposition:
    """The change of a two-group index between two years, split in two additive parts.

    All fields are floats (``by=None``) or arrays with one value per partition.

    Attributes
    ----------
    index
        Name of the index (a key of :data:`TWO_GROUP_INDICES`).
    index0, index1
        The index in year 0 and year 1.
    total_change
        ``index1 − index0``.
    composition
        The part due to the changed group share of the partition (compositional component).
    redistribution
        The part due to the changed distribution of people over the units (unit sizes and who
        lives where) at a fixed group share; ``composition + redistribution = total_change``.
    counterfactual_01
        The index of year 0's distribution with year 1's group share.
    counterfactual_10
        The index of year 1's distribution with year 0's group share.
    converged
        Whether both IPF counterfactuals converged (else all components are NaN).
    """

    index: str
    index0: IndexResult
    index1: IndexResult
    total_change: IndexResult
    composition: IndexResult
    redistribution: IndexResult
    counterfactual_01: IndexResult
    counterfactual_10: IndexResult
    converged: bool | np.ndarray


def shapley_decomposition(
    x0: npt.ArrayLike, t0: npt.ArrayLike, x1: npt.ArrayLike, t1: npt.ArrayLike, *,
    index: str = "dissimilarity", by: npt.ArrayLike | None = None,
    codes0: Sequence[str] | None = None, codes1: Sequence[str] | None = None,
    tol: float = 1e-11, max_iter: int = 2000,
) -> ShapleyDecomposition:
    r"""Split the change of a two-group index into composition and redistribution (Shapley).

    Two factors determine the unit × {group, rest} table of a partition: the group share
    ``P`` (composition) and everything else, i.e. how people are distributed over the units
    (unit totals and the odds ratios between units: redistribution). With ``I(d, c)`` the index
    of distribution *d* with composition *c*, the counterfactuals are built by iterative
    proportional fitting (:func:`ipf_counterfactual`): ``I(d0, c1)`` fits year 0's table to its
    own unit totals and year 1's group share, ``I(d1, c0)`` the other way round. The Shapley
    value averages the two orders in which the factors can change:

    .. math:: C_{comp} = \tfrac12\bigl[(I(d_0,c_1) - I(d_0,c_0)) + (I(d_1,c_1) - I(d_1,c_0))\bigr]
    .. math:: C_{redis} = \tfrac12\bigl[(I(d_1,c_0) - I(d_0,c_0)) + (I(d_1,c_1) - I(d_0,c_1))\bigr]

    so that ``C_comp + C_redis = I(d1, c1) − I(d0, c0)`` exactly (up to rounding). This is the
    Karmel–Maclachlan decomposition made symmetric with the Shapley value (Deutsch, Flückiger &
    Silber 2006; 2009), as used by Elbers (2021) for the M index, reduced to two factors: the
    group margin versus the rest. PySAL's ``segregation.decomposition.DecomposeSegregation`` is a
    different method: it compares two *different* regions (e.g. two cities) and builds its
    counterfactuals by swapping the distributions of unit compositions between them (quantile
    mapping), not by IPF on the same units; it has no over-time decomposition on fixed units.

    Parameters
    ----------
    x0, t0
        Group count and total per unit in year 0.
    x1, t1
        The same units in year 1, in the same order (the caller aligns on code).
    index
        Name of a two-group index (:data:`TWO_GROUP_INDICES`); the method is meant for the
        evenness indices D (``"dissimilarity"``) and H (``"entropy"``), and works for all.
    by
        Partition id per unit (the same in both years); ``None`` = one partition.
    codes0, codes1
        Optional unit codes of both years; when given they must be equal position by position
        (a check that the caller aligned the units).
    tol, max_iter
        Passed to :func:`ipf_counterfactual`.

    Returns
    -------
    ShapleyDecomposition
        Index values, change and components; NaN where the index is undefined in a year, counts
        are suppressed, or IPF did not converge.

    References
    ----------
    Shapley, L. S. (1953). A value for n-person games. In *Contributions to the Theory of
    Games* II, 307–317. Karmel & Maclachlan (1988), see :func:`ipf_counterfactual`. Deutsch,
    J., Flückiger, Y. & Silber, J. (2006). The concept of Shapley decomposition and the study of
    occupational segregation. Paper, PAA 2006 annual meeting; published as (2009) Analyzing
    changes in occupational segregation: the case of Switzerland (1970–2000). *Research on
    Economic Inequality* 17, 171–202. Elbers, B. (2021). A method for studying differences in
    segregation across time and space. *Sociological Methods & Research*,
    doi:10.1177/0049124121986204; applied in Elbers (2021), Trends in U.S. residential racial
    segregation, 1990 to 2020, *Socius* 7.
    """
    if index not in TWO_GROUP_INDICES:
        raise SegregationInputError(
            f"Onbekende index {index!r}; kies uit {', '.join(TWO_GROUP_INDICES)}."
        )
    u0 = _validate(x0, t0, by, names=("x0", "t0"))
    u1 = _validate(x1, t1, by, names=("x1", "t1"))
    if len(u0.t) != len(u1.t):
        raise SegregationInputError(
            f"Jaar 0 heeft {len(u0.t)} eenheden en jaar 1 {len(u1.t)}: de decompositie vraagt "
            "dezelfde buurten of wijken in beide jaren (koppel ze op code)."
        )
    if (codes0 is None) != (codes1 is None):
        raise SegregationInputError("Geef de codes van beide jaren (codes0 én codes1) of geen.")
    if codes0 is not None and codes1 is not None:
        c0, c1 = np.asarray(codes0, dtype=object), np.asarray(codes1, dtype=object)
        if len(c0) != len(u0.t) or len(c1) != len(u1.t):
            raise SegregationInputError(
                f"Er zijn {len(c0)} en {len(c1)} codes voor {len(u0.t)} eenheden."
            )
        differ = c0 != c1
        if differ.any():
            pos = int(np.argmax(differ))
            raise SegregationInputError(
                f"De eenheden van beide jaren verschillen op rij {pos}: {c0[pos]!r} tegenover "
                f"{c1[pos]!r}. Koppel de jaren op code (zelfde buurten, zelfde volgorde)."
            )
    f = TWO_GROUP_INDICES[index]
    ids = u0.by
    X0, T0 = u0.total(u0.x), u0.total(u0.t)
    X1, T1 = u1.total(u1.x), u1.total(u1.t)
    P0 = np.where(T0 > 0, _ratio(X0, T0), np.nan)
    P1 = np.where(T1 > 0, _ratio(X1, T1), np.nan)
    bad0 = np.where(u0.bad[ids], np.nan, 0.0)
    bad1 = np.where(u1.bad[ids], np.nan, 0.0)
    # Suppressed units are NaN again so that the index itself marks their partition.
    I0 = np.asarray(f(u0.x + bad0, u0.t + bad0, by=ids))
    I1 = np.asarray(f(u1.x + bad1, u1.t + bad1, by=ids))
    x01, conv01 = ipf_counterfactual(u0.x + bad0, u0.t + bad0, share=P1, by=ids, tol=tol,
                                     max_iter=max_iter)
    x10, conv10 = ipf_counterfactual(u1.x + bad1, u1.t + bad1, share=P0, by=ids, tol=tol,
                                     max_iter=max_iter)
    converged = conv01 & conv10
    t01 = np.where(np.isnan(x01), np.nan, u0.t)
    t10 = np.where(np.isnan(x10), np.nan, u1.t)
    # IPF rounding can leave x* a hair above t*; the counterfactual is a fitted table.
    I01 = np.asarray(f(np.minimum(x01, t01), t01, by=ids))
    I10 = np.asarray(f(np.minimum(x10, t10), t10, by=ids))
    ok = converged & ~np.isnan(I0) & ~np.isnan(I1)
    composition = np.where(ok, 0.5 * ((I01 - I0) + (I1 - I10)), np.nan)
    redistribution = np.where(ok, 0.5 * ((I10 - I0) + (I1 - I01)), np.nan)
    total = I1 - I0

    def out(a: np.ndarray) -> IndexResult:
        return float(a[0]) if u0.scalar else a

    return ShapleyDecomposition(
        index=index, index0=out(I0), index1=out(I1), total_change=out(total),
        composition=out(composition), redistribution=out(redistribution),
        counterfactual_01=out(I01), counterfactual_10=out(I10),
        converged=bool(converged[0]) if u0.scalar else converged,
    )
