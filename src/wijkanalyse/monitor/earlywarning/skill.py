"""The skill rule: does a backtest show that a model's risk ranking may be shown?

The monitor shows a risk ranking (a probability per wijk, the list of wijken with the highest
risk) **only** when the rolling-origin backtest of the model it uses shows skill on the loaded
data. The rule (:func:`skill_verdict`), all three conditions together:

1. the lower bound of the 95% interval of the model's pooled AUC (cluster bootstrap over
   wijken) is above 0.5 (better than chance);
2. that lower bound is above the pooled AUC of the best baseline (``laatste_verandering``,
   ``laagste_kwart``, and the regression-to-the-mean rules ``hoog_niveau`` and
   ``recente_stijging`` where the backtest has them; a rule that works backwards counts
   with its AUC as it is, so a rule below 0.5 never lowers the bar under 0.5);
3. the model's Brier score is not worse than that of always predicting the base rate.

Otherwise the monitor shows the descriptive early signals (:mod:`.signals`) and says, in
Dutch, that no reliable prediction can be made, with the figures (:func:`no_skill_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.config import METHOD_LABELS, _num

#: Baselines whose pooled AUC the model's lower bound must beat (those present count).
RULE_BASELINES = ("laatste_verandering", "laagste_kwart", "hoog_niveau", "recente_stijging")
#: Chance level of the AUC.
CHANCE_AUC = 0.5


@dataclass(frozen=True)
class Skill:
    """The verdict of the skill rule on one backtest.

    Attributes
    ----------
    shows_skill
        All conditions hold: the monitor may show the risk ranking.
    method
        The method judged (``"model"``).
    auc, auc_low, auc_high
        The model's pooled AUC and its 95% bootstrap interval.
    best_baseline, best_baseline_auc
        The baseline with the highest pooled AUC and that AUC.
    brier, brier_base
        The model's Brier score and that of always the base rate.
    failed
        Dutch reasons for each condition that does not hold (empty with skill).
    """

    shows_skill: bool
    method: str
    auc: float
    auc_low: float
    auc_high: float
    best_baseline: str
    best_baseline_auc: float
    brier: float
    brier_base: float
    failed: tuple[str, ...]

    def to_plain(self) -> dict[str, Any]:
        """JSON-able dict of the verdict."""
        return {"shows_skill": self.shows_skill, "method": self.method, "auc": self.auc,
                "auc_low": self.auc_low, "auc_high": self.auc_high,
                "best_baseline": self.best_baseline,
                "best_baseline_label": METHOD_LABELS.get(self.best_baseline,
                                                         self.best_baseline),
                "best_baseline_auc": self.best_baseline_auc, "brier": self.brier,
                "brier_base": self.brier_base, "failed": list(self.failed)}


def skill_verdict(*, auc: float, auc_low: float, auc_high: float,
                  baseline_auc: dict[str, float], brier: float, brier_base: float,
                  method: str = "model") -> Skill:
    """Apply the skill rule to a model's backtest figures.

    Parameters
    ----------
    auc, auc_low, auc_high
        The model's pooled AUC and the bounds of its 95% bootstrap interval.
    baseline_auc
        Pooled AUC per baseline (``basispercentage`` may be in it; it is 0.5 by design and
        counts as chance).
    brier, brier_base
        The model's Brier score and that of always the base rate.
    method
        Name of the judged method (for the record).

    Returns
    -------
    Skill
    """
    rules = {k: float(v) for k, v in baseline_auc.items()
             if k != "basispercentage" and math.isfinite(float(v))}
    if rules:
        best = max(rules, key=rules.__getitem__)
        best_auc = rules[best]
    else:
        best, best_auc = "basispercentage", CHANCE_AUC
    failed = []
    low_ok = math.isfinite(auc_low)
    if not (low_ok and auc_low > CHANCE_AUC):
        failed.append(f"de ondergrens van het 95%-interval van de AUC ({_num(auc_low)}) ligt "
                      "niet boven 0,5 (gokken)")
    if not (low_ok and auc_low > best_auc):
        label = METHOD_LABELS.get(best, best).removeprefix("baseline: ")
        failed.append(f"die ondergrens ligt niet boven de AUC van de beste vuistregel "
                      f"(‘{label}’, {_num(best_auc)})")
    if not (math.isfinite(brier) and math.isfinite(brier_base) and brier <= brier_base):
        failed.append(f"de kansen zijn niet beter dan steeds het gemiddelde noemen (Brier "
                      f"{_num(brier, 3)} tegen {_num(brier_base, 3)})")
    return Skill(shows_skill=not failed, method=method, auc=float(auc),
                 auc_low=float(auc_low), auc_high=float(auc_high), best_baseline=best,
                 best_baseline_auc=float(best_auc), brier=float(brier),
                 brier_base=float(brier_base), failed=tuple(failed))


def skill_of(pooled: pd.DataFrame, intervals: pd.DataFrame, *, method: str = "model"
             ) -> Skill:
    """The skill rule on a backtest's pooled table and bootstrap intervals.

    Parameters
    ----------
    pooled
        One row per method with ``method``, ``auc`` and ``brier``
        (:attr:`BacktestResult.pooled`).
    intervals
        ``method, metric, value, low, high`` (:attr:`BacktestResult.intervals`).
    method
        The method judged.

    Returns
    -------
    Skill
    """
    p = pooled.set_index("method")
    iv = intervals.set_index(["method", "metric"])
    row = iv.loc[(method, "auc")] if (method, "auc") in iv.index else None
    low = float(row["low"]) if row is not None else math.nan
    high = float(row["high"]) if row is not None else math.nan
    baselines = {str(m): float(p.loc[m, "auc"]) for m in p.index
                 if m in (*RULE_BASELINES, "basispercentage")}
    base_brier = (float(p.loc["basispercentage", "brier"]) if "basispercentage" in p.index
                  else math.nan)
    return skill_verdict(auc=float(p.loc[method, "auc"]), auc_low=low, auc_high=high,
                         baseline_auc=baselines, brier=float(p.loc[method, "brier"]),
                         brier_base=base_brier, method=method)


def no_skill_text(skill: Skill, *, n: int | None = None, n_units: int | None = None) -> str:
    """The plain Dutch statement that no reliable prediction can be made, with the figures.

    Parameters
    ----------
    skill
        A verdict without skill.
    n, n_units
        Predicted transitions and wijken of the backtest (mentioned when given).
    """
    size = (f" op {nl_number(n)} voorspelde overgangen van {nl_number(n_units)} wijken"
            if n and n_units else "")
    return (
        "Met deze gegevens is geen betrouwbare voorspelling van terugval te maken. In de "
        f"terugtoets{size} haalt het model een AUC van {_num(skill.auc)} (95%-interval "
        f"{_num(skill.auc_low)} tot {_num(skill.auc_high)}; 0,5 is gokken): "
        + "; ".join(skill.failed)
        + ". Daarom toont de monitor geen risicoscore of kans per wijk, maar de vroege "
        "signalen die de cijfers zelf laten zien.")
