"""Multigroup segregation indices: multigroup dissimilarity, information theory (H) and
Simpson's interaction.

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from wijkanalyse.segregatie.indices._base import (
    IndexResult,
    _finish,
    _ratio,
    _validate_counts,
    _xlnx,
)

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
