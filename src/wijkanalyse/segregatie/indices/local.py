"""Local measures per unit: location quotients, local entropy and the concentration flag.

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from wijkanalyse.segregatie.indices._base import (
    CONCENTRATION_MIN_COUNT,
    CONCENTRATION_THRESHOLD,
    SegregationInputError,
    _ratio,
    _validate,
    _validate_counts,
    _where,
    _xlnx,
)

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
