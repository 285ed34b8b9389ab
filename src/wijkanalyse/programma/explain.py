"""The selection explained: per registration why in or out and which swap would change what,
and the spread before and after as one table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from wijkanalyse.programma.model import Programme, Registration, SelectionRecord
from wijkanalyse.programma.selection import (
    DIMENSIONS,
    SelectionConfig,
    features,
    load_selection_config,
    prepare,
    score,
    solve,
)

__all__ = ["Decision", "SelectionResult", "select_for_spread", "spread_table"]


@dataclass(frozen=True)
class Decision:
    """One registration's outcome with its explanation (Dutch)."""

    registration_id: str
    gemeente: str
    wijk: str
    chosen: bool
    reason: str
    swap: str
    swap_delta: float | None


@dataclass(frozen=True)
class SelectionResult:
    """The selection: chosen ids, score, weights, decisions and the spread table."""

    needed: bool
    selected: tuple[str, ...]
    objective: float
    weights: dict[str, float]
    decisions: list[Decision]
    table: list[dict[str, object]]

    def record(self, *, made: str | None = None) -> SelectionRecord:
        """What the programme keeps of it."""
        return SelectionRecord(self.selected, self.objective, self.weights,
                               made or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def spread_table(regs: Sequence[Registration], chosen: Sequence[int]) -> list[dict[str, object]]:
    """Per dimension and value: how many registrations, how many chosen (before/after)."""
    rows: list[dict[str, object]] = []
    sel = set(chosen)
    for d in (*DIMENSIONS, "trendklasse"):
        counts: dict[str, list[int]] = {}
        for i, r in enumerate(regs):
            vals = (r.trend_class or "onbekend",) if d == "trendklasse" else (
                features(r)[d] or ("onbekend",))
            for v in vals:
                c = counts.setdefault(v, [0, 0])
                c[0] += 1
                c[1] += i in sel
        for v in sorted(counts):
            rows.append({"dimensie": d, "waarde": v, "aangemeld": counts[v][0],
                         "gekozen": counts[v][1]})
    return rows


def _pts(value: int, scale: int) -> str:
    return f"{value / scale:+.2f}".replace(".", ",")


def _diff_text(before: dict[str, int], after: dict[str, int], scale: int) -> str:
    parts = [f"{k} {_pts(after[k] - before[k], scale)}" for k in before
             if after[k] != before[k]]
    return ", ".join(parts) if parts else "geen verschil per dimensie"


def _sole_values(regs: Sequence[Registration], chosen: Sequence[int], i: int) -> list[str]:
    mine = features(regs[i])
    out = []
    for d in DIMENSIONS:
        for v in mine[d]:
            if not any(v in features(regs[j])[d] for j in chosen if j != i):
                out.append(f"{d} {v}")
    return out


def select_for_spread(programme: Programme, *, config: SelectionConfig | None = None
                      ) -> SelectionResult:
    """Select the programme's participants for spread (only above its maximum) and explain.

    Parameters
    ----------
    programme
        The programme with its registrations (accepted ones; rejected rows are not candidates).
    config
        Weights; the shipped ones (``data/programma/selectie.yaml``) by default.

    Returns
    -------
    SelectionResult
        ``needed`` False and everyone chosen when there are at most ``maximum`` registrations.
    """
    cfg = config or load_selection_config()
    regs = list(programme.registrations)
    k = programme.maximum
    if len(regs) <= k:
        all_ = list(range(len(regs)))
        sc = score(regs, all_, maximum=k, config=cfg)
        decisions = [Decision(r.id, r.gemeente, r.wijk, True,
                              f"{len(regs)} aanmeldingen, niet meer dan het maximum van {k}: "
                              "geen selectie nodig.", "", None) for r in regs]
        return SelectionResult(False, tuple(r.id for r in regs), sc.readable(), cfg.weights,
                               decisions, spread_table(regs, all_))
    chosen, sc = solve(regs, maximum=k, config=cfg)
    prep = prepare(regs, maximum=k, config=cfg)
    sel = set(chosen)
    decisions = []
    for i, r in enumerate(regs):
        if i in sel:
            without = [j for j in chosen if j != i]
            best: tuple[int, int] | None = None  # (total, j)
            for j in range(len(regs)):
                if j in sel:
                    continue
                t = prep.score([*without, j]).total
                if best is None or t > best[0]:
                    best = (t, j)
            sole = _sole_values(regs, chosen, i)
            reason = "Gekozen" + (": enige met " + ", ".join(sole) if sole else
                                  ": hoort bij de set met de beste spreiding")
            reason += f" (trendklasse {r.trend_class or 'onbekend'})."
            swap, delta = "", None
            if best is not None:
                alt = prep.score([*without, best[1]])
                delta = (best[0] - sc.total) / sc.scale
                o = regs[best[1]]
                swap = (f"Beste ruil: {o.gemeente} ({o.wijk}) in plaats hiervan: spreiding "
                        f"{_pts(best[0] - sc.total, sc.scale)} punten "
                        f"({_diff_text(sc.per_dimension, alt.per_dimension, sc.scale)}).")
        else:
            best = None
            for j in chosen:
                t = prep.score([*(c for c in chosen if c != j), i]).total
                if best is None or t > best[0]:
                    best = (t, j)
            assert best is not None
            alt = prep.score([*(c for c in chosen if c != best[1]), i])
            o = regs[best[1]]
            delta = (best[0] - sc.total) / sc.scale
            if best[0] == sc.total:
                reason = ("Niet gekozen: even goed voor de spreiding als de gekozen set, maar "
                          f"later binnengekomen dan {o.gemeente} ({o.wijk}) (gelijke stand "
                          "wordt beslist door de volgorde van binnenkomst).")
            else:
                reason = ("Niet gekozen: wat deze wijk toevoegt (" + (", ".join(
                    f"{d} {'/'.join(features(r)[d]) or 'onbekend'}" for d in DIMENSIONS))
                    + f"; trendklasse {r.trend_class or 'onbekend'}) is al vertegenwoordigd.")
            swap = (f"Beste ruil: in plaats van {o.gemeente} ({o.wijk}): spreiding "
                    f"{_pts(best[0] - sc.total, sc.scale)} punten "
                    f"({_diff_text(sc.per_dimension, alt.per_dimension, sc.scale)}).")
        decisions.append(Decision(r.id, r.gemeente, r.wijk, i in sel, reason, swap, delta))
    return SelectionResult(True, tuple(regs[i].id for i in chosen), sc.readable(), cfg.weights,
                           decisions, spread_table(regs, chosen))
