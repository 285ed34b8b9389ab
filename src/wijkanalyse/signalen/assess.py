"""One judgement of a profile (:func:`assess_profile`): the signals and, per key figure, its
position against the reference and the signals that rest on it. Pure, no database.

Every part of the wijkprofiel that judges a figure reads this one assessment, computed once per
profile by :func:`wijkanalyse.profiel.assemble.build_profile`: the Oordeel column of the
Kerncijfers, the chapter Opgaven en signalen, the summary and the kennisdossier section
(which interventions fit). The rule, in Dutch, is in ``docs/signalen.md`` ("Eén oordeel").

* **Position** (``Judgement.level``): the area against the gemeente, or Nederland when the
  gemeente has no figure (the Leefbaarometer, a gemeente profile) — the same reference order as
  the signal rules. ``"gunstig"`` or ``"ongunstig"`` outside a neutral band
  (:data:`NEUTRAL_PP` percentage points for rates in %, the index band :data:`NEUTRAL_INDEX`
  for means and rates per 1 000, :data:`NEUTRAL_SCORE` for scores, each narrowed to the
  lowest threshold of a level rule on the indicator), ``None`` inside it.
  Counts and codes are not compared. The favourable side is the catalogue's ``better``; an
  indicator without one takes the unfavourable side from the signal rules that read it
  (``unfavourable`` of a level or composition rule: bijstand, 65-plussers, corporation
  homes) and is then only ever called ``"ongunstig"``, never ``"gunstig"`` (a low share of
  65-plussers is no merit).
* **Signals** (``Judgement.severity``): the strongest signal whose evidence is about the
  indicator (:func:`~wijkanalyse.signalen.derive.derive_signals`), 1 om te volgen, 2 aandacht,
  3 ernstig; 0 without a signal. A signal on a development (a trend rule) marks the figure
  too, whatever its position.
* **Verdict** (``Judgement.verdict``): ``"ongunstig"`` when a signal rests on the figure,
  else its position.

Where the lowest threshold of a level rule on an indicator is smaller than the neutral band
(the Leefbaarometer dimensions: fysieke omgeving from 0,02), that threshold is the band of the
indicator: a level signal always comes with an unfavourable position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wijkanalyse.model import Judgement, KeyFigure, Profile, Signal
from wijkanalyse.signalen.derive import derive_signals
from wijkanalyse.signalen.fields import SEVERITY_LABELS
from wijkanalyse.signalen.rules import Rule, load_rules

__all__ = [
    "NEUTRAL_INDEX",
    "NEUTRAL_PP",
    "NEUTRAL_SCORE",
    "SEVERITY_MARKS",
    "Assessment",
    "assess_profile",
    "level_judgement",
    "rule_types",
]

#: Neutral band of the position: rates in % within this many percentage points of the
#: reference are neither favourable nor unfavourable.
NEUTRAL_PP = 1.0

#: Neutral band for means and rates per 1 000 (index = area / reference × 100), inclusive.
NEUTRAL_INDEX = (95.0, 105.0)

#: Neutral band for scores (Leefbaarometer, SES-WOA): plain difference below this.
NEUTRAL_SCORE = 0.05

#: The marks of the severities, as in the chapter Opgaven en signalen.
SEVERITY_MARKS: dict[int, str] = {3: "●●●", 2: "●●○", 1: "●○○"}

_LEVEL_MARKS = {"gunstig": "▲ gunstig", "ongunstig": "▼ ongunstig"}
_OPPOSITE = {"higher": "lower", "lower": "higher"}


@dataclass
class Assessment:
    """The assessment of one profile: its signals (ranked) and one judgement per key figure
    (in the order of ``Profile.key_figures``)."""

    signals: list[Signal]
    judgements: list[Judgement]


def level_judgement(diff: float | None, *, unit: str, kind: str, better: str | None,
                    band: float | None = None) -> str | None:
    """``"gunstig"``, ``"ongunstig"`` or ``None`` for a difference from :func:`fmt.difference`.

    Rates in % are neutral within :data:`NEUTRAL_PP` percentage points, scores within
    :data:`NEUTRAL_SCORE`, counts and means within the index band :data:`NEUTRAL_INDEX`.
    ``band`` (the lowest threshold of a signal rule on the indicator, in the same measure:
    percentage points, score, index points from 100) narrows the band where it is smaller,
    so that a figure at a signal threshold is never neutral.
    """
    if better not in ("higher", "lower") or diff is None or kind == "code":
        return None
    if unit == "%":
        if abs(diff) < min(NEUTRAL_PP, band if band is not None else NEUTRAL_PP):
            return None
        delta = diff
    elif kind == "score":
        if abs(diff) < min(NEUTRAL_SCORE, band if band is not None else NEUTRAL_SCORE):
            return None
        delta = diff
    else:
        low, high = NEUTRAL_INDEX
        inclusive = True  # index 95 and 105 are neutral; a signal threshold is not
        if band is not None and band < high - 100.0:
            low, high, inclusive = 100.0 - band, 100.0 + band, False
        if (low <= diff <= high) if inclusive else (low < diff < high):
            return None
        delta = diff - 100.0
    good = delta > 0 if better == "higher" else delta < 0
    return "gunstig" if good else "ongunstig"


def rule_types(rules: Sequence[Rule] | None = None) -> dict[str, str]:
    """Rule id -> rule type (``trend``, ``level_vs_reference``, ...) of ``rules`` (default:
    the packaged rules)."""
    return {r.id: r.type for r in (load_rules() if rules is None else rules)}


def _rule_directions(rules: Sequence[Rule]) -> dict[str, str]:
    """Indicator -> the better side, taken from the ``unfavourable`` of the level and
    composition rules that read it (for indicators the catalogue gives no direction)."""
    out: dict[str, str] = {}
    for rule in rules:
        if rule.indicator and rule.type in ("level_vs_reference", "composition", "lbm_level"):
            unfavourable = rule.unfavourable or ("lower" if rule.type == "lbm_level" else None)
            if unfavourable and rule.indicator not in out:
                out[rule.indicator] = _OPPOSITE[unfavourable]
    return out


def _rule_bands(rules: Sequence[Rule]) -> dict[str, float]:
    """Indicator -> the lowest threshold of the level rules that read it (``level_vs_reference``
    and ``lbm_level``; composition thresholds are values, not distances)."""
    out: dict[str, float] = {}
    for rule in rules:
        if rule.indicator and rule.thresholds and rule.type in ("level_vs_reference",
                                                                "lbm_level"):
            lowest = min(rule.thresholds.values())
            out[rule.indicator] = min(lowest, out.get(rule.indicator, lowest))
    return out


def _position(kf: KeyFigure, directions: Mapping[str, str], bands: Mapping[str, float],
              is_gemeente: bool) -> tuple[str | None, str | None]:
    """The position of a key figure against its reference and the reference's name."""
    if kf.kind in ("code", "count") or kf.area.value is None:
        return None, None
    if kf.diff_gemeente is not None and not is_gemeente:
        diff, reference = kf.diff_gemeente, "gemeente"
    elif kf.diff_nederland is not None:
        diff, reference = kf.diff_nederland, "Nederland"
    else:
        return None, None
    band = bands.get(kf.indicator_id)
    if kf.better in ("higher", "lower"):
        return level_judgement(diff, unit=kf.unit, kind=kf.kind, better=kf.better,
                               band=band), reference
    better = directions.get(kf.indicator_id)
    level = level_judgement(diff, unit=kf.unit, kind=kf.kind, better=better, band=band)
    return (level if level == "ongunstig" else None), reference


def _mark(level: str | None, severity: int) -> str:
    """The Oordeel cell: the position, then the signal ("▼ ongunstig · ●●● ernstig"); a
    favourable position with a signal on its development shows the signal only."""
    shown = level if not (severity and level == "gunstig") else None
    parts = [_LEVEL_MARKS[shown]] if shown in _LEVEL_MARKS else []
    if severity:
        parts.append(f"{SEVERITY_MARKS[severity]} {SEVERITY_LABELS[severity]}")
    return " · ".join(parts)


def assess_profile(profile: Profile, *, rules: Sequence[Rule] | None = None,
                   with_signals: bool = True) -> Assessment:
    """The one assessment of a profile (see the module docstring).

    Parameters
    ----------
    profile
        A profile whose ``key_figures`` (with their differences), ``series`` and
        ``leefbaarometer`` are filled; its ``signals`` and ``judgements`` are ignored.
    rules
        The signal rules; default the packaged ``signalen.yaml``.
    with_signals
        Derive the signals; ``False`` judges positions only (no signal, severity 0).

    Returns
    -------
    Assessment
        The ranked signals and one :class:`~wijkanalyse.model.Judgement` per key figure.
    """
    rule_list = load_rules() if rules is None else list(rules)
    signals = derive_signals(profile, rules=rule_list) if with_signals else []
    directions = _rule_directions(rule_list)
    bands = _rule_bands(rule_list)
    on_indicator: dict[str, list[Signal]] = {}
    for sig in signals:  # ranked: the strongest first
        for ind in dict.fromkeys(e.indicator_id for e in sig.evidence):
            on_indicator.setdefault(ind, []).append(sig)
    is_gemeente = profile.subject.kind == "gemeente"
    judgements: list[Judgement] = []
    for kf in profile.key_figures:
        level, reference = _position(kf, directions, bands, is_gemeente)
        sigs = on_indicator.get(kf.indicator_id, []) if kf.area.value is not None else []
        severity = max((s.severity for s in sigs), default=0)
        judgements.append(Judgement(
            indicator_id=kf.indicator_id,
            verdict="ongunstig" if sigs else level,
            level=level,
            reference=reference,
            severity=severity,
            severity_label=SEVERITY_LABELS.get(severity),
            signals=[s.rule_id for s in sigs],
            mark=_mark(level, severity),
        ))
    return Assessment(signals=list(signals), judgements=judgements)
