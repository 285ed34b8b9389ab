"""The "Wat werkt hier" section of the wijkprofiel report (:func:`profile_section`): plain
data rendered by ``templates/_kennis.html``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from wijkanalyse import fmt
from wijkanalyse.content import ContentStore
from wijkanalyse.kennis.applied import applied_for
from wijkanalyse.kennis.index import _catalogue, _indicator_labels, _labels
from wijkanalyse.kennis.match import _peer_applications, _profile_for
from wijkanalyse.kennis.matchmodel import (
    CATEGORIES,
    EFFECT_ADJUSTMENT,
    EVIDENCE_BONUS,
    KEY_FIGURE_WEIGHT,
    MIN_TRIGGER_SEVERITY,
    SEVERITY_WEIGHTS,
    Match,
    _severity_label,
)
from wijkanalyse.kennis.scoring import _domain_share, _profile_items, match_profile
from wijkanalyse.kennis.vocab import FUNDING, PARTNERS, THEMES
from wijkanalyse.model import Profile, Subject

# ------------------------------------------------------------------------------ report section

#: Title of the report section (the report may number it).
SECTION_TITLE = "Wat werkt hier: aanpakken uit het kennisdossier"
#: How many examples "ter inspiratie" the report section shows.
INSPIRATION_SHOWN = 3
#: The command that records an application (shown where nothing is recorded yet).
APPLY_COMMAND = ("wijkanalyse kennis toepassen INTERVENTIE --gebied {code} --van JAAR "
                 "--auteur NAAM")
_CATALOGUE_LABEL = "Kennisdossier wijkanalyse"
_APPLIED_LABEL = "toepassingen vastgelegd in wijkanalyse"


def _method_text() -> str:
    sev = ", ".join(f"{label} {fmt.nl_number(SEVERITY_WEIGHTS[n], decimals=0)}"
                    for n, label in ((3, "ernstig"), (2, "aandacht"), (1, "om te volgen")))
    bonus = ", ".join(f"{level} {fmt.nl_number(b, decimals=2)}"
                      for level, b in EVIDENCE_BONUS.items() if b)
    malus = ", ".join(f"{effect} {fmt.nl_number(b, decimals=2)}"
                      for effect, b in EFFECT_ADJUSTMENT.items() if b)
    return (f"Een aanpak wordt alleen aanbevolen als hij zich richt op een signaal van ten minste "
            f"'{_severity_label(MIN_TRIGGER_SEVERITY)}' (de laagste drempel van de signaalregel); "
            "een ongunstig cijfer onder die drempel roept geen aanbeveling op. Alleen aanpakken "
            "die een gemeente met haar partners kan starten worden aanbevolen; landelijke "
            "programma's en buitenlandse voorbeelden staan apart, ter inspiratie. "
            f"Score: elk signaal waarop een aanpak zich richt telt naar ernst ({sev}), elk "
            f"ongunstig cijfer {fmt.nl_number(KEY_FIGURE_WEIGHT, decimals=0)}. Richt een aanpak "
            f"zich alleen op het domein, dan telt dat domein één keer, voor {_domain_share()} van "
            f"het zwaarste signaal of cijfer erin. Bewijskracht geeft een kleine bonus ({bonus}); "
            f"een evaluatie zonder of met gemengd effect trekt af ({malus}). "
            "Bij gelijke score beslist de id van de aanpak.")


def _item_sources(profile: Profile, matches: Sequence[Match]) -> list[str]:
    signals = {rid for m in matches for rid in m.signals}
    figures = {ind for m in matches for ind in m.indicators}
    labels: list[str] = []
    for sig in profile.signals:
        if sig.rule_id in signals:
            labels.extend(e.source for e in sig.evidence if e.source)
    for kf in profile.key_figures:
        if kf.indicator_id in figures:
            labels.extend(f.source for f in (kf.area, kf.gemeente, kf.nederland) if f.source)
    out: list[str] = []
    for label in labels:
        for part in str(label).split("; "):
            if part and part not in out:
                out.append(part)
    return out


def profile_section(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    profile: Profile,
    limit: int = 5,
    content: ContentStore | None = None,
) -> dict[str, Any]:
    """The "Wat werkt hier" section of the wijkprofiel as plain data (JSON-able).

    Parameters
    ----------
    con
        A connection (read-only is fine). Without the kennisdossier tables the shipped
        catalogue is used and a note says so.
    subject
        The profile's subject.
    profile
        Its profile (signals, key figures, peer group).
    limit
        Number of recommendations (and of preventive suggestions) shown; the examples "ter
        inspiratie" are at most :data:`INSPIRATION_SHOWN`.
    content
        The content store with the applied approaches; ``None``: none are shown.

    Returns
    -------
    dict
        ``title``, ``intro`` (true to the assessment: without signals it says so and what the
        preventive suggestions are matched on), ``basis`` (``"signalen"``, ``"preventief"``
        or ``"geen"``), ``method``, ``notes`` (Dutch statements, e.g. what is missing,
        why preventive suggestions), ``matches`` (the recommendations: rank, id, name, score,
        score_text, soort, category, category_label, evidence_level, evidence_effect, themes
        as labels, summary, reasons, context), ``inspiration`` and ``preventive`` (the same
        fields), ``min_severity_label``, ``matches_caption`` ("Bron: ..."), ``peer_rows`` (one per
        application in a similar neighbourhood: intervention, peer, period, partners, result,
        development) with ``peer_caption``, ``applied`` (the applications in or around this
        area, :func:`wijkanalyse.kennis.dossier.applied_for`) with ``applied_caption``,
        ``apply_command`` (for this area) and ``apply_command_peer`` (any area),
        ``catalogue_size`` and ``n_peers``. Rendered by ``templates/_kennis.html``
        (the template variable is ``kennis``).
    """
    profile = _profile_for(con, subject, profile)
    records, from_db = _catalogue(con, content)
    result = match_profile(records, profile, limit=limit)
    matches = result.all()
    _peer_applications(con, profile, matches, content)
    names = {str(r["id"]): str(r.get("name") or r["id"]) for r in records}
    notes: list[str] = []
    if not from_db:
        notes.append("Het kennisdossier is nog niet in deze database geladen; de catalogus die "
                     f"met wijkanalyse wordt meegeleverd is gebruikt ({len(records)} "
                     "interventies).")
    items = _profile_items(profile)
    if not items:
        notes.append(f"{subject.name} heeft geen signalen en geen ongunstige kerncijfers: er is "
                     "niets om aanpakken op af te stemmen. Ontbrekende cijfers kunnen een "
                     "opgave verbergen.")
    elif profile.signals and not result.recommendations and not result.inspiration:
        notes.append(f"Geen van de {len(records)} interventies in het kennisdossier richt zich op "
                     f"de signalen van {subject.name}.")
    notes.extend(result.notes)
    peers = profile.peers.peers if profile.peers is not None else []

    def row(m: Match) -> dict[str, Any]:
        return {
            "rank": m.rank,
            "id": m.intervention_id,
            "name": m.name,
            "score": m.score,
            "score_text": fmt.nl_number(m.score, decimals=2),
            "soort": m.soort,
            "category": m.category,
            "category_label": CATEGORIES[m.category],
            "evidence_level": m.evidence_level,
            "evidence_effect": m.evidence_effect,
            "themes": _labels(m.themes, THEMES),
            "summary": m.summary,
            "reasons": list(m.reasons),
            "context": m.context,
        }

    match_rows = [row(m) for m in result.recommendations]
    inspiration_rows = [row(m) for m in result.inspiration[:INSPIRATION_SHOWN]]
    preventive_rows = [row(m) for m in result.preventive]
    peer_rows = [{
        "intervention_id": m.intervention_id,
        "intervention_name": m.name,
        "peer_code": a.peer_code,
        "peer_name": a.peer_name,
        "gemeente_name": a.gemeente_name,
        "area_text": (a.area_name if a.area_code == a.peer_code
                      else f"{a.area_name} ({a.area_code})"),
        "period": _period(a.start_year, a.end_year),
        "partners": _labels(a.partners, PARTNERS),
        "funding": _labels(a.funding, FUNDING),
        "result": a.result,
        "development": a.development,
        "source": a.source,
    } for m in [*result.recommendations, *result.preventive] for a in m.peer_applications]
    applied = [{
        "applied_id": a.applied_id,
        "intervention_id": a.intervention_id,
        "name": names.get(a.intervention_id, a.intervention_name),
        "area_text": a.relation_text or a.area_name,
        "period": a.period_text(),
        "partners": _labels(a.partners, PARTNERS),
        "funding": _labels(a.funding, FUNDING),
        "result": a.result_text or None,
        "indicators": [_indicator_labels().get(i, i) for i in a.result_indicators],
        "author": a.author,
        "recorded": str(a.created_at)[:10],
    } for a in applied_for(con, content, subject)]

    catalogue = (f"{_CATALOGUE_LABEL} ({len(records)} interventies"
                 + (")" if from_db else ", meegeleverde catalogus)"))
    item_sources = _item_sources(profile, matches)
    matches_caption = f"Bron: {catalogue}" + (
        f"; signalen en cijfers: {'; '.join(item_sources)}." if item_sources else ".")
    peer_sources = list(dict.fromkeys(
        part for row in peer_rows for part in str(row["source"] or "").split("; ") if part))
    peer_caption = (f"Bron: {_APPLIED_LABEL}; ontwikkeling: "
                    f"{'; '.join(peer_sources) or 'geen gegevens'}.")
    authors = sorted({str(row["author"]) for row in applied})
    applied_caption = (f"Bron: {_APPLIED_LABEL} door {', '.join(authors)}." if authors
                       else f"Bron: {_APPLIED_LABEL}.")
    n_peers = len(peers)
    return {
        "title": SECTION_TITLE,
        "subject_name": subject.name,
        "intro": _intro(subject.name, profile, bool(match_rows or inspiration_rows),
                        bool(preventive_rows)),
        "basis": _basis(profile, bool(match_rows or inspiration_rows), bool(preventive_rows)),
        "method": _method_text(),
        "notes": notes,
        "catalogue_size": len(records),
        "catalogue_from_database": from_db,
        "matches": match_rows,
        "inspiration": inspiration_rows,
        "preventive": preventive_rows,
        "min_severity_label": _severity_label(MIN_TRIGGER_SEVERITY),
        "matches_caption": matches_caption,
        "peer_rows": peer_rows,
        "peer_caption": peer_caption,
        "n_peers": n_peers,
        "applied": applied,
        "applied_caption": applied_caption,
        "apply_command": APPLY_COMMAND.format(code=subject.id),
        "apply_command_peer": APPLY_COMMAND.format(code="CODE"),
    }


_ASK = ("Het kennisdossier zegt wat er over een aanpak bekend is; of hij hier past, vraagt om "
        "het gesprek met bewoners en partners.")


def _basis(profile: Profile, matched: bool, preventive: bool) -> str:
    """What the listed interventions rest on: ``"signalen"`` (recommendations for the
    profile's signals), ``"preventief"`` (no signal calls for one: suggestions for the least
    favourable figures) or ``"geen"``."""
    if matched:
        return "signalen"
    return "preventief" if preventive else "geen"


def _intro(name: str, profile: Profile, matched: bool, preventive: bool) -> str:
    """The section's first sentence, true to the profile's assessment: interventions are
    recommended "for the signals" only when there are signals they address; without signals
    the section says so and what the preventive suggestions are matched on."""
    if matched:
        return (f"Aanpakken uit het kennisdossier die zich richten op de signalen van {name} "
                "(hoofdstuk Opgaven en signalen) en op de kerncijfers die daar ongunstig "
                f"afwijken, met de reden waarom ze passen. {_ASK}")
    if profile.signals:
        lead = (f"Geen aanpak uit het kennisdossier richt zich op de signalen van {name} "
                "(hoofdstuk Opgaven en signalen).")
    else:
        lead = (f"{name} heeft geen signalen (hoofdstuk Opgaven en signalen): er is geen "
                "opgave waarvoor het kennisdossier een aanpak aanbeveelt.")
    if preventive:
        return (f"{lead} De aanpakken hieronder zijn preventief: ze richten zich op wat hier "
                "het minst gunstig is, ook al blijft dat onder de drempel van een signaal; bij "
                f"elke aanpak staat op welk cijfer. {_ASK}")
    return lead


def _period(start: int | None, end: int | None) -> str:
    if start is None:
        return "onbekend"
    if end is None:
        return f"sinds {start}"
    return str(start) if end == start else f"{start}-{end}"


__all__ = ["APPLY_COMMAND", "INSPIRATION_SHOWN", "SECTION_TITLE", "profile_section"]
