"""The results of matching (:class:`MatchResult`, :class:`Match`, :class:`PeerApplication`)
and the weights and categories that :func:`wijkanalyse.kennis.scoring.match_profile` uses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# ------------------------------------------------------------------------------ weights

#: Weight of a signal by severity (3 ernstig, 2 aandacht, 1 om te volgen).
SEVERITY_WEIGHTS: dict[int, float] = {3: 3.0, 2: 2.0, 1: 1.0}
#: Weight of an unfavourable key figure.
KEY_FIGURE_WEIGHT = 1.0
#: Strength of a match on the domain only (a match on the signal or indicator counts 1).
DOMAIN_FACTOR = 0.5
#: Bonus for the evidence level of an intervention that matches at least one item.
EVIDENCE_BONUS: dict[str, float] = {
    "onbekend": 0.0,
    "goed beschreven": 0.25,
    "goed onderbouwd": 0.5,
    "effectief": 1.0,
}
#: What an evaluation found counts both ways: added to the score of a match (``bewijs.effect``).
EFFECT_ADJUSTMENT: dict[str, float] = {
    "positief": 0.0,
    "gemengd": -0.5,
    "geen": -1.5,
    "negatief": -3.0,
    "onbekend": 0.0,
}
#: The lowest severity of a signal that can trigger a recommendation (1 = "om te volgen": the
#: rule's lowest threshold in ``data/signalen.yaml``). Unfavourable key figures never trigger.
MIN_TRIGGER_SEVERITY = 1
#: Categories of a match -> Dutch label.
CATEGORIES: dict[str, str] = {
    "aanbeveling": "aanbeveling",
    "inspiratie": "ter inspiratie",
    "preventief": "preventief",
}
#: Cost levels a preventive suggestion may have (no large physical interventions as prevention).
PREVENTIVE_COSTS: tuple[str, ...] = ("laag", "midden")
#: Effects that keep an intervention out of the preventive suggestions.
PREVENTIVE_EXCLUDED_EFFECTS: tuple[str, ...] = ("geen", "negatief")
#: The Leefbaarometer dimensions looked at for preventive suggestions.
PREVENTIVE_DIMENSIONS: tuple[str, ...] = ("lbm_onv", "lbm_soc", "lbm_fys", "lbm_won", "lbm_vrz")
#: Signals whose interventions are the general preventive suggestions when a profile has no
#: figures to go on (liveability in general; only low-cost interventions).
GENERAL_PREVENTIVE_SIGNALS: tuple[str, ...] = (
    "sociale_samenhang_leefbaarometer", "fysieke_omgeving_leefbaarometer", "leefbaarheid_laag")



def _severity_label(severity: int) -> str:
    return {3: "ernstig", 2: "aandacht", 1: "om te volgen"}.get(severity, str(severity))



# ------------------------------------------------------------------------------ results


@dataclass
class PeerApplication:
    """An application of an intervention in a similar neighbourhood, and what happened since.

    Attributes
    ----------
    peer_code, peer_name, gemeente_name
        The similar neighbourhood (from the profile's peer group).
    area_code, area_name, applied_id
        The area the application is recorded for (the peer itself, a buurt in it, the wijk
        it lies in or a user area containing one of these) and the record's number.
    start_year, end_year
        As recorded (``None``: not recorded, or still running).
    partners, funding, result
        As recorded.
    development
        Dutch sentences on the Leefbaarometer of the peer since the start year (the last
        measurement up to the start year against the latest one) and on the result indicators
        recorded with the application, or why that is not known ("geen gegevens").
    lbm_from, lbm_from_year, lbm_to, lbm_to_year, lbm_change
        The Leefbaarometer scores compared (the last measurement up to the start year and the
        latest one) and their difference.
    source
        Citation of the figures in ``development`` (``None`` when there are none).
    """

    peer_code: str
    peer_name: str
    gemeente_name: str | None
    area_code: str
    area_name: str
    applied_id: int
    start_year: int | None
    end_year: int | None
    partners: list[str]
    funding: list[str]
    result: str | None
    development: str
    lbm_from: float | None = None
    lbm_from_year: int | None = None
    lbm_to: float | None = None
    lbm_to_year: int | None = None
    lbm_change: float | None = None
    source: str | None = None


@dataclass
class Match:
    """An intervention that fits a neighbourhood: a recommendation, an example "ter inspiratie"
    or a preventive suggestion.

    Attributes
    ----------
    intervention_id, name
        The intervention.
    score
        Sum of the weights of the matched profile items (see the module docstring) plus the
        evidence bonus and the effect adjustment, rounded to 3 decimals.
    rank
        1 for the best match of its list; ties are ordered by intervention id.
    reasons
        Dutch sentences explaining the score (the signals and figures it fits, the evidence,
        and what an evaluation found, quoted, when it found no or a mixed effect).
    evidence_level
        The intervention's evidence level.
    peer_applications
        Where it was applied in the peer group and how those neighbourhoods developed.
    signals, indicators
        Rule ids of the signals and indicator ids of the unfavourable figures that count in the
        score (exact matches and the heaviest item of each domain-only match), in profile
        order.
    themes, summary
        From the intervention (for display).
    soort
        The intervention's kind (:data:`wijkanalyse.kennis.dossier.KINDS`).
    category
        ``aanbeveling`` (a city can start it), ``inspiratie`` (a national programme or a
        foreign example) or ``preventief`` (no signal above the threshold; see
        :data:`CATEGORIES`).
    evidence_effect
        What an evaluation found (:data:`wijkanalyse.kennis.dossier.EFFECTS`).
    context
        When and where it is realistic (from the intervention), or ``""``.
    triggers
        Rule ids of the signals (of at least :data:`MIN_TRIGGER_SEVERITY`) that the
        intervention addresses exactly: why it is recommended. Empty for preventive
        suggestions.
    """

    intervention_id: str
    name: str
    score: float
    rank: int
    reasons: list[str]
    evidence_level: str
    peer_applications: list[PeerApplication] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    summary: str = ""
    soort: str = "lokale aanpak"
    category: str = "aanbeveling"
    evidence_effect: str = "onbekend"
    context: str = ""
    triggers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The match as plain data (JSON): rank, id, name, score, soort, category, reasons,
        evidence, context, triggers, signals, indicators and peer applications."""
        return {
            "rank": self.rank, "id": self.intervention_id, "name": self.name,
            "score": self.score, "soort": self.soort, "category": self.category,
            "reasons": list(self.reasons), "evidence_level": self.evidence_level,
            "evidence_effect": self.evidence_effect, "context": self.context,
            "triggers": list(self.triggers), "signals": list(self.signals),
            "indicators": list(self.indicators), "themes": list(self.themes),
            "summary": self.summary,
            "peer_applications": [dataclasses.asdict(a) for a in self.peer_applications],
        }


@dataclass
class MatchResult:
    """What the kennisdossier offers a neighbourhood, in three separate lists.

    Attributes
    ----------
    recommendations
        Interventions a city or its partners can start (kinds in
        :data:`wijkanalyse.kennis.dossier.RECOMMENDABLE_KINDS`) that address a signal of at least
        :data:`MIN_TRIGGER_SEVERITY`; best first.
    inspiration
        National programmes and foreign examples that address such a signal, "ter
        inspiratie"; best first.
    preventive
        Only when there is no recommendation: low- and mid-cost interventions a city can start
        that address the weakest spots of the profile (unfavourable figures below the signal
        thresholds, Leefbaarometer dimensions under the national average), or, without any
        figures, liveability in general; labelled ``preventief``.
    notes
        Dutch sentences on what was done (why preventive suggestions, what is missing).
    min_severity
        :data:`MIN_TRIGGER_SEVERITY` as used.
    """

    recommendations: list[Match] = field(default_factory=list)
    inspiration: list[Match] = field(default_factory=list)
    preventive: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    min_severity: int = MIN_TRIGGER_SEVERITY

    def all(self) -> list[Match]:
        """Every match, recommendations first, then inspiration, then preventive ones."""
        return [*self.recommendations, *self.inspiration, *self.preventive]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON) with the three lists apart."""
        return {
            "min_severity": self.min_severity,
            "min_severity_label": _severity_label(self.min_severity),
            "recommendations": [m.to_dict() for m in self.recommendations],
            "inspiration": [m.to_dict() for m in self.inspiration],
            "preventive": [m.to_dict() for m in self.preventive],
            "notes": list(self.notes),
        }


__all__ = [
    "CATEGORIES", "DOMAIN_FACTOR", "EFFECT_ADJUSTMENT", "EVIDENCE_BONUS",
    "GENERAL_PREVENTIVE_SIGNALS", "KEY_FIGURE_WEIGHT", "MIN_TRIGGER_SEVERITY", "Match",
    "MatchResult", "PREVENTIVE_COSTS", "PREVENTIVE_DIMENSIONS", "PREVENTIVE_EXCLUDED_EFFECTS",
    "PeerApplication", "SEVERITY_WEIGHTS",
]
