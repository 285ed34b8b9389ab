"""Scoring interventions against a profile (:func:`match_profile`): recommendations,
inspiration and preventive suggestions, with Dutch reasons.

which
the kennisdossier was never loaded (a fresh build opened read-only) gets the catalogue shipped
with the package (:func:`wijkanalyse.kennis.dossier.shipped_catalogue`) instead, and
:func:`profile_section` says so.

Matching
--------
The profile items an intervention can address are its signals, weighted by severity
(:data:`SEVERITY_WEIGHTS`: ernstig 3, aandacht 2, om te volgen 1), and its unfavourable key
figures (an unfavourable position in the profile's one assessment, ``Judgement.level``, the
same judgement as the Oordeel column; weight :data:`KEY_FIGURE_WEIGHT`). An
intervention's ``addresses`` entries match an item

* *exactly* when an entry names the signal (also when the fired signal replaces it, e.g.
  "bijstand_hoog_en_stijgend" for "bijstand_hoog") or the indicator the signal or figure is
  about, with a direction that improves it when the entry gives one: the item counts with its
  full weight;
* *on the domain* when an entry only shares the item's domain: per domain this counts once,
  :data:`DOMAIN_FACTOR` times the weight of the heaviest such item (so a domain with many
  unfavourable figures does not outweigh exact matches).

Only an exact match on a signal of at least :data:`MIN_TRIGGER_SEVERITY` (the rule's lowest
threshold in ``data/signalen.yaml``) *triggers*: without a trigger an intervention is not
matched at all, however many unfavourable figures or domains it shares (an overlast deviation
of -0,06 where the rule starts at -0,11 recommends nothing). A triggered intervention scores
the weights of its matches plus :data:`EVIDENCE_BONUS` for its evidence level plus
:data:`EFFECT_ADJUSTMENT` for what evaluations found (``bewijs.effect``: no effect lowers the
score, and the finding is quoted in the reasons). Interventions a city can start
(:data:`wijkanalyse.kennis.dossier.RECOMMENDABLE_KINDS`) are recommendations; national programmes
and
foreign examples go to a separate list "ter inspiratie" (:class:`MatchResult`).

A profile without recommendations gets preventive suggestions: low- and mid-cost
interventions a city can start (:data:`PREVENTIVE_COSTS`, no evaluation without effect) that
address its weakest spots, unfavourable figures and Leefbaarometer dimensions under the
national average, each weighted by how close it comes to its signal threshold; without any
figures, low-cost interventions for liveability in general (:data:`GENERAL_PREVENTIVE_SIGNALS`).

Ties are broken by intervention id, so the order is fully deterministic. Each
:class:`Match` carries the Dutch sentences that explain its score, the intervention's
``context`` (when it is realistic), and the applications
(:func:`wijkanalyse.kennis.dossier.list_applied`) in the profile's peer group: an application counts
for a peer when its area is the peer, a buurt in it, the wijk it lies in, or a user area with
one of those among its members. For each, the peer's Leefbaarometer score at the last
measurement up to the start year is compared with the latest one (and so are the indicators
recorded with the application); without figures the text says "geen gegevens".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wijkanalyse import fmt
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl
from wijkanalyse.kennis.index import (
    _as_dict,
    _evidence_level,
    _evidence_source,
    _list,
    _rules_by_id,
)
from wijkanalyse.kennis.matchmodel import (
    DOMAIN_FACTOR,
    EFFECT_ADJUSTMENT,
    EVIDENCE_BONUS,
    GENERAL_PREVENTIVE_SIGNALS,
    KEY_FIGURE_WEIGHT,
    MIN_TRIGGER_SEVERITY,
    PREVENTIVE_COSTS,
    PREVENTIVE_DIMENSIONS,
    PREVENTIVE_EXCLUDED_EFFECTS,
    SEVERITY_WEIGHTS,
    Match,
    MatchResult,
    _severity_label,
)
from wijkanalyse.kennis.text import _OPPOSITE, _SENTENCE_END, _texts
from wijkanalyse.kennis.vocab import (
    RECOMMENDABLE_KINDS,
    _indicator_better,
    _indicator_domains,
)
from wijkanalyse.model import KeyFigure, Profile


@dataclass(frozen=True)
class _Item:
    """A signal or unfavourable key figure of a profile that interventions can address."""

    kind: str  # "signal" | "figure"
    key: str  # rule id or indicator id
    indicator: str | None
    domain: str
    unfavourable: str | None  # "higher" | "lower" | None (unknown)
    weight: float
    covers: frozenset[str]  # signal ids this item stands for (incl. replaced rules)
    text: str  # Dutch phrase
    order: int
    severity: int | None = None  # signals only


@dataclass(frozen=True)
class _Address:
    """An ``addresses`` entry with what it implies: the signal's indicator and domain, and the
    unfavourable side it tackles (``problem``, the opposite of the entry's ``direction``,
    which says where the intervention moves the indicator)."""

    signal: str | None
    indicator: str | None
    domain: str | None
    problem: str | None


def _replaced(rule_id: str, rules: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    todo = [rule_id]
    while todo:
        rule = rules.get(todo.pop())
        for other in getattr(rule, "replaces", ()) if rule is not None else ():
            if other not in out:
                out.add(other)
                todo.append(other)
    return out


def _rule_indicator(rule: Any, rules: Mapping[str, Any]) -> str | None:
    if rule is None:
        return None
    if rule.indicator:
        return str(rule.indicator)
    level = rules.get(rule.level_rule or "")
    return level.indicator if level is not None else None


def _unfavourable(indicator: str | None, rule: Any = None) -> str | None:
    if rule is not None and rule.unfavourable:
        return str(rule.unfavourable)
    if rule is not None and rule.type in ("lbm_level", "lbm_decline"):
        return "lower"
    return _OPPOSITE.get(_indicator_better().get(indicator or "") or "")


def _figure_text(kf: KeyFigure) -> str:
    area = fmt.format_value(kf.area.value, unit=kf.unit, kind=kf.kind, decimals=kf.decimals,
                            signed=kf.signed)
    ref: float | None
    if kf.gemeente.value is not None:
        ref, where = kf.gemeente.value, "in de gemeente"
    else:
        ref, where = kf.nederland.value, "in Nederland"
    if ref is None:
        return f"{kf.label} ({area}, {kf.year})"
    ref_text = fmt.format_value(ref, unit=kf.unit, kind=kf.kind, decimals=kf.decimals,
                                signed=kf.signed)
    return f"{kf.label} ({area} tegen {ref_text} {where}, {kf.year})"


def _positions(profile: Profile) -> dict[str, str | None]:
    """The position of each key figure against its reference, from the profile's one
    assessment (``Profile.judgements``); a profile made without one (by hand, in tests) falls
    back on ``KeyFigure.assessment``."""
    if profile.judgements:
        return {j.indicator_id: j.level for j in profile.judgements}
    return {kf.indicator_id: kf.assessment for kf in profile.key_figures}


def _profile_items(profile: Profile) -> list[_Item]:
    rules = _rules_by_id()
    positions = _positions(profile)
    items: list[_Item] = []
    for pos, sig in enumerate(profile.signals):
        rule = rules.get(sig.rule_id)
        indicator = _rule_indicator(rule, rules)
        if rule is not None and rule.type == "level_and_trend":
            rule = rules.get(rule.level_rule or "")
        items.append(_Item(
            kind="signal", key=sig.rule_id, indicator=indicator, domain=sig.domain,
            unfavourable=_unfavourable(indicator, rule),
            weight=SEVERITY_WEIGHTS.get(sig.severity, 1.0),
            covers=frozenset({sig.rule_id} | _replaced(sig.rule_id, rules)),
            text=f"'{sig.title}' ({sig.severity_label})", order=pos, severity=sig.severity,
        ))
    offset = len(items)
    for pos, kf in enumerate(profile.key_figures):
        if positions.get(kf.indicator_id) != "ongunstig" or kf.area.value is None:
            continue
        items.append(_Item(
            kind="figure", key=kf.indicator_id, indicator=kf.indicator_id, domain=kf.domain,
            unfavourable=_unfavourable(kf.indicator_id), weight=KEY_FIGURE_WEIGHT,
            covers=frozenset(), text=_figure_text(kf), order=offset + pos,
        ))
    return items


def _addresses(rec: Mapping[str, Any]) -> list[_Address]:
    rules = _rules_by_id()
    domains = _indicator_domains(derived=False)
    out: list[_Address] = []
    for entry in rec.get("addresses") or []:
        if not isinstance(entry, Mapping):
            continue
        signal = str(entry["signal"]) if entry.get("signal") else None
        rule = rules.get(signal or "")
        indicator = (str(entry["indicator"]) if entry.get("indicator")
                     else _rule_indicator(rule, rules))
        domain = (str(entry["domain"]) if entry.get("domain")
                  else domains.get(indicator or "") or (rule.domain if rule else None))
        problem = _OPPOSITE.get(str(entry.get("direction") or ""))
        if problem is None and rule is not None:
            base = rules.get(rule.level_rule or "") if rule.type == "level_and_trend" else rule
            problem = _unfavourable(indicator, base)
        out.append(_Address(signal, indicator, domain, problem))
    return out


def _strength(addr: _Address, item: _Item) -> float:
    if addr.signal and addr.signal in item.covers:
        return 1.0
    if (addr.indicator and addr.indicator == item.indicator
            and (addr.problem is None or item.unfavourable is None
                 or addr.problem == item.unfavourable)):
        return 1.0
    if addr.domain and addr.domain == item.domain:
        return DOMAIN_FACTOR
    return 0.0


def _domain_share() -> str:
    """:data:`DOMAIN_FACTOR` in words: ``"de helft"``, or ``"0,25 maal het gewicht"``."""
    if DOMAIN_FACTOR == 0.5:
        return "de helft"
    return f"{fmt.nl_number(DOMAIN_FACTOR, decimals=2)} maal het gewicht"


_FINDING = re.compile(r"\b(effect\w*|vond|vonden|vinden|gevonden|significant\w*|aangetoond|"
                      r"aantoonbaar|gemengd|uitkomsten|bewijs)\b", re.IGNORECASE)
_QUOTE_MAX = 600


def _finding_quote(note: str) -> str:
    """The sentences of an evidence note that say what was found (effect, found, significant),
    at most :data:`_QUOTE_MAX` characters; the whole note when no sentence says so."""
    sentences = [x.strip() for x in _SENTENCE_END.split(" ".join(note.split())) if x.strip()]
    chosen = [x for x in sentences if _FINDING.search(x)] or sentences
    out: list[str] = []
    for sentence in chosen:
        if out and len(" ".join([*out, sentence])) > _QUOTE_MAX:
            break
        out.append(sentence)
    text = " ".join(out)
    return text if len(text) <= _QUOTE_MAX else text[:_QUOTE_MAX - 1].rsplit(" ", 1)[0] + "…"


_EFFECT_WORDS = {
    "positief": "het onderzoek vond het beoogde effect",
    "gemengd": "het onderzoek vond gemengde uitkomsten",
    "geen": "het onderzoek vond geen aantoonbaar effect",
    "negatief": "het onderzoek vond een ongewenst effect",
}


def _evidence_reasons(level: str, effect: str, note: str | None) -> list[str]:
    """Dutch sentences on the evidence level and, when known, what an evaluation found (quoted
    when it found no, a mixed or an unwanted effect)."""
    bonus = EVIDENCE_BONUS.get(level, 0.0)
    out = [f"Bewijskracht: {level}"
           + (f" (+{fmt.nl_number(bonus, decimals=2)})." if bonus else ".")]
    if effect in _EFFECT_WORDS:
        adjust = EFFECT_ADJUSTMENT.get(effect, 0.0)
        text = "Effect: " + _EFFECT_WORDS[effect]
        text += f" ({fmt.nl_number(adjust, decimals=2, sign=True)})." if adjust else "."
        if effect != "positief" and note:
            text += f" Uit het kennisdossier: \u201c{_finding_quote(note)}\u201d"
        out.append(text)
    return out


def _reasons(strong: Sequence[_Item], domains: Mapping[str, tuple[_Item, int]],
             level: str, effect: str = "onbekend", note: str | None = None) -> list[str]:
    """Dutch sentences for the matched items (see :func:`match_profile`)."""
    out: list[str] = []
    figures = {i.key: i for i in strong if i.kind == "figure"}
    paired: set[str] = set()
    lone_signals: list[_Item] = []
    for item in (i for i in strong if i.kind == "signal"):
        fig = figures.get(item.indicator or "")
        if fig is not None and fig.key not in paired:
            paired.add(fig.key)
            out.append(f"Past bij het signaal {item.text} en bij het ongunstige cijfer "
                       f"{fig.text}.")
        else:
            lone_signals.append(item)
    if lone_signals:
        noun = "het signaal" if len(lone_signals) == 1 else "de signalen"
        out.append(f"Past bij {noun} {join_nl([i.text for i in lone_signals])}.")
    lone_figures = [i for i in strong if i.kind == "figure" and i.key not in paired]
    if lone_figures:
        noun = ("het ongunstige cijfer" if len(lone_figures) == 1
                else "de ongunstige cijfers")
        out.append(f"Past bij {noun} {join_nl([i.text for i in lone_figures])}.")
    for domain, (top, n) in domains.items():
        what = ("het signaal " if top.kind == "signal" else "het ongunstige cijfer ") + top.text
        more = "" if n == 1 else (f" (en nog {n - 1} "
                                  f"{'ander signaal of cijfer' if n == 2 else 'andere'})")
        out.append(f"Richt zich op het domein {domain}, waarin ook {what} valt{more}; dat telt "
                   f"voor {_domain_share()}.")
    out.extend(_evidence_reasons(level, effect, note))
    return out


def _evidence_effect(rec: Mapping[str, Any]) -> str:
    ev = rec.get("evidence")
    if isinstance(ev, Mapping):
        return str(ev.get("effect") or "onbekend")
    return "onbekend"


def _kind_of(rec: Mapping[str, Any]) -> str:
    return str(rec.get("kind") or "lokale aanpak")


def _evidence_term(level: str, effect: str) -> float:
    return EVIDENCE_BONUS.get(level, 0.0) + EFFECT_ADJUSTMENT.get(effect, 0.0)


def _cost_level(rec: Mapping[str, Any]) -> str:
    cost = rec.get("cost")
    return str(cost.get("level") or "") if isinstance(cost, Mapping) else str(cost or "")


def _new_match(rec: Mapping[str, Any], *, score: float, reasons: list[str], category: str,
               used: Sequence[_Item], triggers: Sequence[str]) -> Match:
    rid = str(rec["id"])
    return Match(
        intervention_id=rid, name=str(rec.get("name") or rid), score=round(score, 3), rank=0,
        reasons=reasons, evidence_level=_evidence_level(rec),
        signals=[i.key for i in used if i.kind == "signal"],
        indicators=[i.key for i in used if i.kind == "figure"],
        themes=_list(rec.get("themes")), summary=" ".join(_texts(rec.get("summary"))),
        soort=_kind_of(rec), category=category, evidence_effect=_evidence_effect(rec),
        context=" ".join(_texts(rec.get("context"))), triggers=list(triggers),
    )


def _ranked(matches: list[Match], limit: int | None) -> list[Match]:
    matches.sort(key=lambda m: (-m.score, m.intervention_id))
    if limit is not None:
        matches = matches[:limit]
    for rank, m in enumerate(matches, start=1):
        m.rank = rank
    return matches


def match_profile(
    records: Iterable[Any],
    profile: Profile,
    *,
    limit: int | None = 10,
) -> MatchResult:
    """Rank interventions by how well they address a profile (pure; no database).

    Parameters
    ----------
    records
        Intervention records (mappings or dataclasses with ``id``, ``name``, ``addresses``,
        ``evidence`` and ``kind``; a record without ``kind`` counts as a ``lokale aanpak``).
    profile
        The wijkprofiel.
    limit
        Maximum number of matches per list (``None``: all).

    Returns
    -------
    MatchResult
        Recommendations and inspiration: interventions that address a signal of at least
        :data:`MIN_TRIGGER_SEVERITY` exactly (the signal, a rule it replaces or its indicator
        in the improving direction), best first, split by kind; preventive suggestions when no
        intervention can be recommended. Without peer applications (see :func:`match`).
    """
    if limit is not None and limit < 1:
        raise WijkanalyseError(f"Het aantal resultaten moet ten minste 1 zijn, niet {limit}.")
    recs = [_as_dict(r) for r in records]
    items = _profile_items(profile)
    recommended: list[Match] = []
    inspiring: list[Match] = []
    for rec in recs:
        addresses = _addresses(rec)
        strong: list[_Item] = []
        weak: dict[str, list[_Item]] = {}
        for item in items:
            strength = max((_strength(a, item) for a in addresses), default=0.0)
            if strength >= 1.0:
                strong.append(item)
            elif strength > 0.0:
                weak.setdefault(item.domain, []).append(item)
        triggers = [i.key for i in strong if i.kind == "signal"
                    and (i.severity or 0) >= MIN_TRIGGER_SEVERITY]
        if not triggers:
            continue
        # a domain counts once: half the weight of its heaviest item (first in the profile)
        domains = {d: (min(its, key=lambda i: (-i.weight, i.order)), len(its))
                   for d, its in weak.items()}
        level, effect = _evidence_level(rec), _evidence_effect(rec)
        score = (sum(i.weight for i in strong)
                 + sum(DOMAIN_FACTOR * top.weight for top, _ in domains.values())
                 + _evidence_term(level, effect))
        used = sorted([*strong, *(top for top, _ in domains.values())], key=lambda i: i.order)
        recommendable = _kind_of(rec) in RECOMMENDABLE_KINDS
        match = _new_match(rec, score=score,
                           reasons=_reasons(strong, domains, level, effect,
                                            _evidence_source(rec)),
                           category="aanbeveling" if recommendable else "inspiratie",
                           used=used, triggers=triggers)
        (recommended if recommendable else inspiring).append(match)
    result = MatchResult(recommendations=_ranked(recommended, limit),
                         inspiration=_ranked(inspiring, limit))
    if not result.recommendations:
        result.preventive, note = _preventive(recs, profile, items, limit)
        result.notes.append(note)
    return result


#: Weight of a weak spot whose indicator no signal rule reads (see :func:`_closeness`).
_NO_RULE_CLOSENESS = 0.5


def _closeness(kf: KeyFigure, profile: Profile) -> tuple[float, str]:
    """How close an unfavourable figure comes to the lowest threshold of the signal rule that
    reads it (0 to 1, the unfavourable distance divided by that threshold), and the Dutch
    words for that threshold; :data:`_NO_RULE_CLOSENESS` and ``""`` when no level rule reads
    the indicator."""
    value = kf.area.value
    for rule in _rules_by_id().values():
        if rule.indicator != kf.indicator_id or not rule.thresholds or value is None:
            continue
        lowest = min(rule.thresholds.values())
        if rule.type == "lbm_level":
            amount = -value
            words = fmt.nl_number(-lowest, decimals=3)
        elif rule.type == "level_vs_reference":
            refs = {"gemeente": kf.gemeente.value, "nederland": kf.nederland.value}
            if profile.subject.kind == "gemeente":
                refs.pop("gemeente")
            ref = next((refs[r] for r in rule.reference if refs.get(r) is not None), None)
            diff, _ = fmt.difference(value, ref, unit=kf.unit, kind=kf.kind,
                                     decimals=kf.decimals)
            unfav = rule.unfavourable or _OPPOSITE.get(kf.better or "")
            if diff is None or unfav is None:
                continue
            if rule.measure == "index":
                amount = diff - 100 if unfav == "higher" else 100 - diff
            else:
                amount = diff if unfav == "higher" else -diff
            unit = {"pp": " procentpunt", "index": " indexpunten"}.get(rule.measure or "", "")
            words = (f"{fmt.nl_number(lowest, decimals=1)}{unit} ongunstiger dan "
                     "de referentie")
        else:
            continue
        closeness = max(0.0, min(1.0, amount / lowest))
        return closeness, (f"op {fmt.nl_number(100 * closeness, decimals=0)}% van de drempel "
                           f"voor een signaal, {words}")
    return _NO_RULE_CLOSENESS, ""


def _weak_spots(profile: Profile, start: int) -> list[_Item]:
    """The weakest spots of a profile without signals: its unfavourable key figures and the
    Leefbaarometer dimensions under the national average, each weighted by how close it comes
    to its signal threshold (:func:`_closeness`), weakest first."""
    have = {kf.indicator_id for kf in profile.key_figures}
    positions = _positions(profile)
    out: list[tuple[float, _Item]] = []
    for kf in profile.key_figures:
        value = kf.area.value
        if value is None:
            continue
        dimension = kf.indicator_id in PREVENTIVE_DIMENSIONS and value < 0
        if positions.get(kf.indicator_id) != "ongunstig" and not dimension:
            continue
        if kf.indicator_id == "lbm" and "lbm_afw" in have:
            continue  # the same measurement as its deviation from the national average
        weight, words = _closeness(kf, profile)
        if weight <= 0.0:
            continue
        if kf.kind == "score":
            shown = (f"{kf.label} ({fmt.nl_number(value, decimals=3, sign=True)} in {kf.year}"
                     + (f": onder het landelijk gemiddelde, {words})" if words else ")"))
        else:
            shown = _figure_text(kf)[:-1] + (f"; {words})" if words else ")")
        out.append((weight, _Item(
            kind="figure", key=kf.indicator_id, indicator=kf.indicator_id, domain=kf.domain,
            unfavourable=_unfavourable(kf.indicator_id), weight=round(weight, 3),
            covers=frozenset(), text=shown, order=start + len(out))))
    out.sort(key=lambda t: (-t[0], t[1].order))
    return [item for _, item in out]


def _preventive(records: Sequence[Mapping[str, Any]], profile: Profile,
                items: Sequence[_Item], limit: int | None) -> tuple[list[Match], str]:
    """Preventive suggestions and the note that explains them (see :class:`MatchResult`)."""
    name = profile.subject.name
    # signals that triggered no recommendation (none of them is addressed by an intervention
    # a city can start) still count, with their weight, next to the weakest figures
    spots = [*(i for i in items if i.kind == "signal"), *_weak_spots(profile, len(items))]
    fits = [r for r in records
            if _kind_of(r) in RECOMMENDABLE_KINDS
            and _cost_level(r) in PREVENTIVE_COSTS
            and _evidence_effect(r) not in PREVENTIVE_EXCLUDED_EFFECTS]
    lead = (f"{name} heeft geen signaal dat een aanpak uit het kennisdossier oproept (de drempel "
            f"is '{_severity_label(MIN_TRIGGER_SEVERITY)}').")
    out: list[Match] = []
    if spots:
        for rec in fits:
            addresses = _addresses(rec)
            hit = [i for i in spots if any(_strength(a, i) >= 1.0 for a in addresses)]
            if not hit:
                continue
            level, effect = _evidence_level(rec), _evidence_effect(rec)
            noun = "het aandachtspunt" if len(hit) == 1 else "de aandachtspunten"
            reasons = [f"Preventief: richt zich op {noun} {join_nl([i.text for i in hit])}.",
                       *_evidence_reasons(level, effect, _evidence_source(rec))]
            top = max(i.weight for i in hit)
            out.append(_new_match(rec, score=sum(i.weight for i in hit)
                                  + top * _evidence_term(level, effect), reasons=reasons,
                                  category="preventief", used=hit, triggers=()))
        if out:
            return _ranked(out, limit), (
                lead + " Preventief: goedkope en middeldure aanpakken voor wat hier het minst "
                "gunstig is, ook al blijft het onder de drempel van een signaal; hoe dichter bij "
                "de drempel, hoe zwaarder het telt.")
    general = set(GENERAL_PREVENTIVE_SIGNALS)
    for rec in fits:
        if _cost_level(rec) != "laag":
            continue
        if not any(a.signal in general for a in _addresses(rec)):
            continue
        level, effect = _evidence_level(rec), _evidence_effect(rec)
        reasons = ["Preventief: een goedkope aanpak voor de leefbaarheid en de sociale "
                   "samenhang in het algemeen.",
                   *_evidence_reasons(level, effect, _evidence_source(rec))]
        out.append(_new_match(rec, score=1.0 + _evidence_term(level, effect), reasons=reasons,
                              category="preventief", used=(), triggers=()))
    missing = ("" if spots else " Er zijn ook geen ongunstige cijfers of Leefbaarometer-"
               "dimensies onder het landelijk gemiddelde geladen; ontbrekende cijfers kunnen een "
               "opgave verbergen.")
    return _ranked(out, limit), (lead + missing + " Preventief: goedkope aanpakken voor de "
                                 "leefbaarheid en de sociale samenhang in het algemeen.")


__all__ = ["match_profile"]
