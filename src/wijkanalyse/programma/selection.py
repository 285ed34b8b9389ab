"""Selection for spread: choose ``maximum`` registrations that spread best over theme,
landsdeel, province, gemeente size class and the programme's preventive focus.

The model (weights in ``data/programma/selectie.yaml``, explained in ``docs/programma.md``):
every dimension *d* (thema, landsdeel, provincie, grootteklasse) has values *v*; the k-th
chosen registration carrying *v* earns ``w_d / k`` points (a new value always beats one more of
the same, a balanced spread beats a lopsided one). Each chosen registration also earns
``w_preventief x focus(trend class)``. Unknown values earn nothing.

It is solved exactly as a mixed-integer programme with HiGHS (:func:`scipy.optimize.milp`):
binary ``x_i`` (chosen), continuous ``0 <= z_dvk <= 1`` with ``sum_k z_dvk <= sum_{i has v}
x_i`` and ``sum_i x_i = maximum``; because the rewards fall with *k* the optimum fills
``z_dv1, z_dv2, ...`` in order, so the objective equals the score above. All points are scaled
to integers (``lcm(1..maximum)``) so that equal scores are exactly equal. Ties are broken in a
second solve: among the optimal sets, the one whose registrations came in earliest (smallest sum
of their positions in the order received, then id). :func:`brute_force` enumerates all sets
for small instances (tests).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from wijkanalyse import safeyaml
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma.model import Registration
from wijkanalyse.programma.regions import landsdeel_of, size_class

__all__ = ["DIMENSIONS", "Prepared", "SelectionConfig", "SpreadScore", "brute_force",
           "features", "load_selection_config", "order_key", "prepare", "score", "solve"]

DIMENSIONS = ("thema", "landsdeel", "provincie", "grootteklasse")
UNKNOWN = {"", "onbekend"}


@dataclass(frozen=True)
class SelectionConfig:
    """Weights per dimension (and ``preventief``) and the focus score per trend class."""

    weights: dict[str, float]
    focus: dict[str, float]

    def focus_of(self, trend_class: str) -> float:
        """Focus score of a trend class (``onbekend`` for an empty or unknown class)."""
        return self.focus.get(trend_class or "onbekend", self.focus.get("onbekend", 0.5))


@lru_cache(maxsize=1)
def load_selection_config() -> SelectionConfig:
    """The shipped weights (``data/programma/selectie.yaml``)."""
    text = resources.files("wijkanalyse").joinpath("data/programma/selectie.yaml").read_text(
        encoding="utf-8")
    data = safeyaml.load(text, origin="data/programma/selectie.yaml", trusted=True)
    return SelectionConfig({str(k): float(v) for k, v in data["gewichten"].items()},
                           {str(k): float(v) for k, v in data["focus"].items()})


def features(reg: Registration) -> dict[str, tuple[str, ...]]:
    """The values of one registration per dimension (themes lower-cased; unknowns dropped)."""
    themes = tuple(sorted({t.strip().lower() for t in reg.themes if t.strip()}))
    out = {"thema": themes, "landsdeel": (landsdeel_of(reg.provincie),),
           "provincie": (reg.provincie,), "grootteklasse": (size_class(reg.inwoners),)}
    return {d: tuple(v for v in vals if v not in UNKNOWN) for d, vals in out.items()}


def order_key(reg: Registration) -> tuple[str, str]:
    """Order received: date, then id (the tie-break)."""
    return (reg.received.isoformat(), reg.id)


@dataclass(frozen=True)
class SpreadScore:
    """Score of a set in integer points (``total / scale`` is the readable figure)."""

    total: int
    per_dimension: dict[str, int]
    scale: int

    def readable(self) -> float:
        """The score in points (weights as in the YAML)."""
        return self.total / self.scale


def _scale(maximum: int) -> int:
    return math.lcm(*range(1, max(maximum, 10) + 1))


def _unit(weight: float, scale: int) -> int:
    return round(weight * 10) * scale // 10  # weights with at most one decimal


def prepare(regs: Sequence[Registration], *, maximum: int,
            config: SelectionConfig | None = None) -> Prepared:
    """Features and focus points of every registration, computed once (for many scores)."""
    cfg = config or load_selection_config()
    scale = _scale(maximum)
    unit_p = _unit(cfg.weights.get("preventief", 0.0), scale)
    return Prepared(
        feats=[features(r) for r in regs],
        focus=[unit_p * round(cfg.focus_of(r.trend_class) * 10) // 10 for r in regs],
        units={d: _unit(cfg.weights.get(d, 0.0), scale) for d in DIMENSIONS}, scale=scale)


@dataclass(frozen=True)
class Prepared:
    """What :func:`score` needs of the registrations, computed once by :func:`prepare`."""

    feats: list[dict[str, tuple[str, ...]]]
    focus: list[int]
    units: dict[str, int]
    scale: int

    def score(self, chosen: Iterable[int]) -> SpreadScore:
        """The spread score of the registrations at positions ``chosen``."""
        chosen = list(chosen)
        per: dict[str, int] = {}
        for d in DIMENSIONS:
            counts: dict[str, int] = {}
            for i in chosen:
                for v in self.feats[i][d]:
                    counts[v] = counts.get(v, 0) + 1
            unit = self.units[d]
            per[d] = sum(unit // k for c in counts.values() for k in range(1, c + 1))
        per["preventief"] = sum(self.focus[i] for i in chosen)
        return SpreadScore(sum(per.values()), per, self.scale)


def score(regs: Sequence[Registration], chosen: Iterable[int], *, maximum: int,
          config: SelectionConfig | None = None) -> SpreadScore:
    """The spread score of the registrations at positions ``chosen`` (integer points).

    Parameters
    ----------
    regs
        All registrations.
    chosen
        Positions in ``regs``.
    maximum
        The programme's maximum (sets the integer scale).
    config
        Weights; the shipped ones by default.
    """
    return prepare(regs, maximum=maximum, config=config).score(chosen)


def _ranks(regs: Sequence[Registration]) -> np.ndarray:
    order = sorted(range(len(regs)), key=lambda i: order_key(regs[i]))
    rank = np.empty(len(regs))
    for r, i in enumerate(order):
        rank[i] = r + 1
    return rank


def solve(regs: Sequence[Registration], *, maximum: int,
          config: SelectionConfig | None = None) -> tuple[list[int], SpreadScore]:
    """Choose ``maximum`` registrations with the best spread, exactly (HiGHS MILP).

    Parameters
    ----------
    regs
        The valid registrations (more than ``maximum``; otherwise all are returned).
    maximum
        How many to choose.
    config
        Weights; the shipped ones by default.

    Returns
    -------
    tuple of (list of int, SpreadScore)
        Positions chosen (ascending) and their score.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    cfg = config or load_selection_config()
    n = len(regs)
    if n <= maximum:
        chosen = list(range(n))
        return chosen, score(regs, chosen, maximum=maximum, config=cfg)
    scale = _scale(maximum)
    feats = [features(r) for r in regs]
    groups: list[tuple[int, list[int]]] = []  # (unit, members) per dimension value
    for d in DIMENSIONS:
        values = sorted({v for f in feats for v in f[d]})
        for v in values:
            groups.append((_unit(cfg.weights.get(d, 0.0), scale),
                           [i for i, f in enumerate(feats) if v in f[d]]))
    z_cols: list[tuple[int, int]] = []  # (group, k)
    for g, (_, members) in enumerate(groups):
        z_cols += [(g, k) for k in range(1, min(len(members), maximum) + 1)]
    nv = n + len(z_cols)
    unit_p = _unit(cfg.weights.get("preventief", 0.0), scale)
    gain = np.zeros(nv)
    gain[:n] = [unit_p * round(cfg.focus_of(r.trend_class) * 10) // 10 for r in regs]
    for j, (g, k) in enumerate(z_cols):
        gain[n + j] = groups[g][0] // k
    a = lil_matrix((1 + len(groups), nv))
    a[0, :n] = 1
    for j, (g, _) in enumerate(z_cols):
        a[1 + g, n + j] = 1
    for g, (_, members) in enumerate(groups):
        for i in members:
            a[1 + g, i] = -1
    lower = np.r_[maximum, np.full(len(groups), -np.inf)]
    upper = np.r_[maximum, np.zeros(len(groups))]
    integrality = np.r_[np.ones(n), np.zeros(len(z_cols))]
    bounds = Bounds(np.zeros(nv), np.ones(nv))
    opts = {"mip_rel_gap": 0.0, "presolve": True}
    base = [LinearConstraint(a.tocsr(), lower, upper)]
    first = milp(-gain, constraints=base, integrality=integrality, bounds=bounds, options=opts)
    if first.x is None:
        raise WijkanalyseError(f"De selectie kon niet worden berekend: {first.message}")
    best = -float(first.fun)
    tie = LinearConstraint(gain.reshape(1, -1), best - 0.5, np.inf)
    cost = np.r_[_ranks(regs), np.zeros(len(z_cols))]
    second = milp(cost, constraints=[*base, tie], integrality=integrality, bounds=bounds,
                  options=opts)
    x = second.x if second.x is not None else first.x
    chosen = sorted(i for i in range(n) if x[i] > 0.5)
    return chosen, score(regs, chosen, maximum=maximum, config=cfg)


def brute_force(regs: Sequence[Registration], *, maximum: int,
                config: SelectionConfig | None = None, limit: int = 200_000
                ) -> tuple[list[int], SpreadScore]:
    """The same choice by trying every set (small instances only; tests).

    Raises
    ------
    WijkanalyseError
        More than ``limit`` sets to try.
    """
    n = len(regs)
    if n <= maximum:
        chosen = list(range(n))
        return chosen, score(regs, chosen, maximum=maximum, config=config)
    if math.comb(n, maximum) > limit:
        raise WijkanalyseError(f"{math.comb(n, maximum)} combinaties: te veel om alle te "
                               "proberen; gebruik solve().")
    rank = _ranks(regs)
    prep = prepare(regs, maximum=maximum, config=config)
    best: tuple[int, float] | None = None
    best_set: tuple[int, ...] = ()
    for combo in itertools.combinations(range(n), maximum):
        s = prep.score(combo).total
        key = (s, -float(sum(rank[i] for i in combo)))
        if best is None or key > best:
            best, best_set = key, combo
    return list(best_set), prep.score(best_set)
