"""Counterfactual change: IPF counterfactuals and the Shapley decomposition of a change in an index.

Part of :mod:`wijkanalyse.segregatie.indices`; the notation and the handling of awkward data
are described there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wijkanalyse.segregatie.indices._base import (
    IndexResult,
    SegregationInputError,
    _ratio,
    _validate,
)
from wijkanalyse.segregatie.indices.local import _reference_shares
from wijkanalyse.segregatie.indices.validity import TWO_GROUP_INDICES

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
