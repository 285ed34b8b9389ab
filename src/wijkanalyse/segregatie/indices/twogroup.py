"""Two-group segregation indices (Massey & Denton 1988): dissimilarity, Gini, isolation,
exposure, Atkinson and entropy.

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from wijkanalyse.segregatie.indices._base import (
    IndexResult,
    SegregationInputError,
    _finish,
    _ratio,
    _validate,
    _xlnx,
)

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
