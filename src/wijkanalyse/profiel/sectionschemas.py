"""The hand-written schemas of the profile's plain-data sections (``segregatie``, ``kennis``,
``programma``; :data:`~wijkanalyse.profiel.sections.SECTIONS`): they are made by functions of
other packages, not by dataclasses, so :mod:`wijkanalyse.profiel.schema` cannot derive them.
Written from the functions that make them and validated against real profiles by
``tests/profiel/test_schema.py``.
"""

from __future__ import annotations

from typing import Any

from wijkanalyse.kennis.matchmodel import CATEGORIES
from wijkanalyse.kennis.vocab import EFFECTS, EVIDENCE_LEVELS
from wijkanalyse.kennis.vocab import KINDS as KENNIS_KINDS
from wijkanalyse.segregatie.groups import GROUPS
from wijkanalyse.signalen.fields import SEVERITY_LABELS

__all__ = ["SECTION_SCHEMAS"]


def _p(types_: str | list[str], description: str, **more: Any) -> dict[str, Any]:
    """A property of a section: its type(s), description and further keywords."""
    return {"description": description, "type": types_, **more}


def _obj(description: str, props: dict[str, dict[str, Any]], *,
         nullable: bool = False) -> dict[str, Any]:
    """An object of a section's plain data: every listed key required, no other keys."""
    return {"description": description, "type": ["object", "null"] if nullable else "object",
            "properties": props, "required": list(props), "additionalProperties": False}


def _texts(description: str) -> dict[str, Any]:
    return _p("array", description, items={"type": "string"})


_PCT = "(%, 0-100; null when missing)"
_PARTY = _obj("A party in the wijk.", {
    "naam": _p("string", "Name."), "soort": _p("string", "Kind (corporatie, zorg, ...)."),
    "toelichting": _p("string", "What it does or should do (may be empty)."),
})
_FLOW = _obj("A money flow for the wijk.", {
    "bron": _p("string", "Who pays."), "bedrag": _p("integer", "Euros over the period."),
    "bedrag_tekst": _p("string", "`bedrag` in Dutch."), "van": _p("integer", "First year."),
    "tot": _p("integer", "Last year."), "periode": _p("string", "The years as text."),
    "doel": _p("string", "Purpose."), "model": _p("string", "Financing model."),
})
_PROGRAMME_PART = _obj("Parties and money of the wijk in one programme.", {
    "programma": _p("string", "Programme slug."), "naam": _p("string", "Programme name."),
    "gemeente": _p("string", "Gemeente or region of the registration."),
    "wijk": _p("string", "The wijk as registered."),
    "actief": _p("array", "Parties active in the wijk.", items=_PARTY),
    "uit_te_dagen": _p("array", "Parties the wijk has to challenge.", items=_PARTY),
    "geld": _p("array", "Money flows.", items=_FLOW),
    "totaal": _p("integer", "Sum of the money flows (euros)."),
    "totaal_tekst": _p("string", "`totaal` in Dutch."),
    "ontbreekt": _texts("Expected kinds of party with none recorded."),
    "bron": _p("string", "Source line (\"Bron: programma ..., vastgelegd door ...\")."),
})
_MATCH = _obj("One intervention of the kennisdossier matched to the profile.", {
    "rank": _p("integer", "1 for the best match."),
    "id": _p("string", "Id of the intervention (`wijkanalyse kennis show ID`)."),
    "name": _p("string", "Its name."),
    "score": _p("number", "Match score (higher is a better match; see docs/kennisdossier.md)."),
    "score_text": _p("string", "The score in Dutch notation (two decimals)."),
    "soort": _p("string", "Kind of intervention.", enum=list(KENNIS_KINDS)),
    "category": _p("string", "Which list it is in.", enum=list(CATEGORIES)),
    "category_label": _p("string", "Dutch label of the category."),
    "evidence_level": _p("string", "Level of evidence.", enum=list(EVIDENCE_LEVELS)),
    "evidence_effect": _p("string", "Effect found.", enum=list(EFFECTS)),
    "themes": _texts("Its themes, as Dutch labels."),
    "summary": _p("string", "Summary (Dutch)."),
    "reasons": _texts("Why it matches (Dutch): the signals and figures it addresses."),
    "context": _p("string", "When it is realistic here (Dutch)."),
})
_PEER_ROW = _obj("An application of a matched intervention in a similar neighbourhood.", {
    "intervention_id": _p("string", "Id of the intervention."),
    "intervention_name": _p("string", "Its name."),
    "peer_code": _p("string", "CBS code of the similar neighbourhood."),
    "peer_name": _p("string", "Its name."),
    "gemeente_name": _p(["string", "null"], "Its gemeente."),
    "area_text": _p("string", "The area it was applied in (name, with its code when it is "
                              "not the neighbourhood itself)."),
    "period": _p("string", "Years it ran (\"2018-2022\", \"sinds 2020\", \"onbekend\")."),
    "partners": _texts("Partners, as Dutch labels."),
    "funding": _texts("Funding, as Dutch labels."),
    "result": _p(["string", "null"], "The recorded result (Dutch)."),
    "development": _p("string", "How its Leefbaarometer score developed since (Dutch)."),
    "source": _p(["string", "null"], "Citation labels of that development."),
})
_APPLIED = _obj("An application recorded in or around this area.", {
    "applied_id": _p("integer", "Id of the application."),
    "intervention_id": _p("string", "Id of the intervention."),
    "name": _p("string", "Its name."),
    "area_text": _p("string", "The area and how it relates to the subject (Dutch)."),
    "period": _p("string", "Years it ran, as `period` of a peer row."),
    "partners": _texts("Partners, as Dutch labels."),
    "funding": _texts("Funding, as Dutch labels."),
    "result": _p(["string", "null"], "The recorded result (Dutch)."),
    "indicators": _texts("Labels of the indicators the result is about."),
    "author": _p("string", "Who recorded it."),
    "recorded": _p("string", "Date recorded (YYYY-MM-DD)."),
})
_GROUP = _obj("One population group: its share in the area and its segregation over the "
              "gemeente's units, in the group's latest year.", {
    "group": _p("string", "Id of the group.", enum=[g.id for g in GROUPS]),
    "label": _p("string", "Dutch label."),
    "year": _p("integer", "The KWB edition of the figures."),
    "derived": _p("boolean", "True when the counts are derived (share × total / 100)."),
    "share": _p(["number", "null"], f"Share of the group in the area {_PCT}."),
    "lq": _p(["number", "null"], "Location quotient: share in the area ÷ share in the "
                                 "gemeente (1 = as in the gemeente); null when missing."),
    "concentration": _p("boolean", "True when the area is a concentration of the group (LQ "
                                   "above the threshold and enough members)."),
    "share_text": _p("string", "`share` in Dutch (\"–\" when missing)."),
    "lq_text": _p("string", "`lq` in Dutch."),
    "share_gemeente": _p(["number", "null"], f"Share of the group in the gemeente {_PCT}."),
    "share_gemeente_text": _p("string", "`share_gemeente` in Dutch."),
    "D": _p(["number", "null"], "Dissimilarity index D over the gemeente's units (0 = evenly "
                                "spread, 1 = fully separated)."),
    "D_text": _p("string", "`D` in Dutch."),
    "H": _p(["number", "null"], "Information theory index H (0-1, as D)."),
    "H_text": _p("string", "`H` in Dutch."),
})
_TENURE_SHARES = ("share_corporation", "share_private_rental", "share_owner_occupied",
                  "share_unknown")
_SPREAD = ("corporation_min", "corporation_q1", "corporation_median", "corporation_q3",
           "corporation_max", "gemeente_corporation")
_TENURE = _obj("Dwellings by ownership in the area next to the gemeente; null when the "
               "database has none for the gemeente at this level.", {
    "year": _p("integer", "The KWB edition of the figures."),
    "area": _obj("The area's shares of dwellings, or null when missing.", {
        **{k: _p("number", f"Share of dwellings: {k[6:].replace('_', ' ')} (%).")
           for k in _TENURE_SHARES},
        **{f"{k}_text": _p("string", f"`{k}` in Dutch.") for k in _TENURE_SHARES},
        "tenure_diversity": _p(["number", "null"], "Entropy of the three tenure shares "
                                                   "(0 = one kind of ownership)."),
        "tenure_diversity_text": _p("string", "`tenure_diversity` in Dutch."),
        "corporatiebuurt": _p("boolean", "True when the corporation share is above the "
                                         "threshold of a corporatiebuurt."),
    }, nullable=True),
    "spread": _obj("The corporation share (%) over the gemeente's units: minimum, quartiles, "
                   "maximum, and the gemeente's own share.",
                   {k: _p(["number", "null"], "Share of corporation dwellings (%).")
                    for k in _SPREAD}),
    "spread_text": _obj("`spread` in Dutch.", {k: _p("string", f"`{k}` in Dutch.")
                                              for k in _SPREAD}),
    "n_units": _p("integer", "Units of the gemeente with tenure figures."),
    "n_corporatiebuurten": _p("integer", "Of those, units that are corporatiebuurten."),
}, nullable=True)

#: The sections other packages add (plain data, not dataclasses), by key: their schema,
#: written here from the functions that make them (validated against real profiles by
#: ``tests/profiel/test_schema.py``).
SECTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "segregatie": _obj(
        "Segregatie en menging (`wijkanalyse.segregatie.section.profile_section`): the area's "
        "concentration of population groups and tenure mix against its gemeente; null when "
        "not computed.", {
            "title": _p("string", "Section title (Dutch)."),
            "subject_name": _p("string", "The subject's name."),
            "gemeente_name": _p(["string", "null"], "Its gemeente."),
            "level": _p("string", "Level of the units the indices are computed over.",
                        enum=["wijk", "buurt"]),
            "groups": _p("array", "Per population group.", items=_GROUP),
            "tenure": _TENURE,
            "sources": _texts("Citation labels."),
            "caption": _p("string", "Source line (\"Bron: ...\")."),
            "notes": _texts("Dutch statements (what is missing, derived counts)."),
            "explanation": _p("string", "What LQ, D and H mean (Dutch)."),
        }, nullable=True),
    "kennis": _obj(
        "Wat werkt hier (`wijkanalyse.kennis.section.profile_section`): interventions of the "
        "kennisdossier matched to the profile's one assessment, applications in similar "
        "neighbourhoods and in this area; null when not computed.", {
            "title": _p("string", "Section title (Dutch)."),
            "subject_name": _p("string", "The subject's name."),
            "intro": _p("string", "Introduction, true to the assessment (Dutch)."),
            "basis": _p("string", "What the lists rest on: the signals, preventive "
                                  "suggestions for the least favourable figures, or nothing.",
                        enum=["signalen", "preventief", "geen"]),
            "method": _p("string", "How matching works (Dutch)."),
            "notes": _texts("Dutch statements."),
            "catalogue_size": _p("integer", "Number of interventions in the catalogue."),
            "catalogue_from_database": _p("boolean", "False when the shipped catalogue was "
                                                     "used (not loaded in the database)."),
            "matches": _p("array", "Recommendations, best first.", items=_MATCH),
            "inspiration": _p("array", "Examples \"ter inspiratie\" (national programmes, "
                                       "foreign examples).", items=_MATCH),
            "preventive": _p("array", "Preventive suggestions.", items=_MATCH),
            "min_severity_label": _p("string", "The weakest signal severity matched on.",
                                     enum=[SEVERITY_LABELS[k] for k in sorted(SEVERITY_LABELS)]),
            "matches_caption": _p("string", "Source line of the lists."),
            "peer_rows": _p("array", "Applications in similar neighbourhoods.",
                            items=_PEER_ROW),
            "peer_caption": _p("string", "Source line of `peer_rows`."),
            "n_peers": _p("integer", "Number of similar neighbourhoods looked at."),
            "applied": _p("array", "Applications in or around this area.", items=_APPLIED),
            "applied_caption": _p("string", "Source line of `applied`."),
            "apply_command": _p("string", "The command that records an application here."),
            "apply_command_peer": _p("string", "The same for any area (CODE)."),
        }, nullable=True),
    "programma": _obj(
        "Partners en geld (`wijkanalyse.programma.wijkprofiel.profile_section`, passed in by the "
        "caller): the parties and money flows a knowledge programme recorded for this wijk; "
        "null when the wijk takes part in no programme. Never fees or contact data.", {
            "title": _p("string", "Section title (Dutch)."),
            "intro": _p("string", "Introduction (Dutch)."),
            "ontbreekt_uitleg": _p("string", "What `ontbreekt` means (Dutch)."),
            "programmas": _p("array", "One entry per programme the wijk takes part in.",
                             items=_PROGRAMME_PART),
        }, nullable=True),
}
