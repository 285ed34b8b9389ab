"""The JSON Schema of the profile JSON (``wijkanalyse profiel X --format json``, ``to_dict``).

The schema is generated from the dataclasses of :mod:`wijkanalyse.model`, so it cannot drift
from what :func:`wijkanalyse.model.to_dict` writes: one ``$defs`` entry per dataclass, one
property per field, every field required (``to_dict`` writes every field, ``null`` where a
value is missing), no other keys. Types come from the type hints (``X | None`` allows
``null``), descriptions from the dataclass docstrings (the ``Attributes`` section) and the
``#:`` or trailing comments of the fields, completed by :data:`NOTES` (units and years);
each object has its Dutch name as ``title`` (:data:`TITLES`).
Fixed sets of values (signal severities, oordeel levels, kinds) are enums taken from the code
that defines them (:data:`ENUMS`). The sections other packages add (``segregatie``,
``kennis``; :data:`~wijkanalyse.profiel.sections.SECTIONS`) are plain data, not
dataclasses: their schemas are written by hand in :data:`SECTION_SCHEMAS` (the tests validate
real sections against them).

The published file is ``docs/profiel.schema.json``; ``tests/profiel/test_schema.py`` fails
when it differs from :func:`profile_schema`. Regenerate it with::

    .venv/bin/python -c "from wijkanalyse.profiel.schema import write_schema; write_schema()"
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import json
import re
import tokenize
import types
import typing
from pathlib import Path
from typing import Any

from wijkanalyse import model
from wijkanalyse.catalogue import DIRECTIONS, DOMAINS, KINDS
from wijkanalyse.kennis.matchmodel import CATEGORIES
from wijkanalyse.kennis.vocab import EFFECTS, EVIDENCE_LEVELS
from wijkanalyse.kennis.vocab import KINDS as KENNIS_KINDS
from wijkanalyse.profiel.sections import SECTIONS
from wijkanalyse.profiel.summary import QUESTIONS
from wijkanalyse.segregatie.groups import GROUPS
from wijkanalyse.signalen.fields import SEVERITY_LABELS

__all__ = ["ENUMS", "NOTES", "REGENERATE", "SCHEMA_ID", "SECTION_SCHEMAS", "TITLES",
           "profile_schema", "schema_text", "write_schema"]

#: The ``$id`` of the schema.
SCHEMA_ID = "urn:wijkanalyse:schema:profiel"
#: How the published file is regenerated (its ``$comment``).
REGENERATE = ('.venv/bin/python -c "from wijkanalyse.profiel.schema import write_schema; '
              'write_schema()"')
#: Where the schema is published, relative to the repository root.
SCHEMA_FILE = Path("docs") / "profiel.schema.json"

_LEVELS = ["wijk", "buurt", "gemeente"]
_POSITION = ["gunstig", "ongunstig", None]

#: Fixed sets of values, by ``Class.field``: taken from the code that makes the values.
ENUMS: dict[str, list[Any]] = {
    "Subject.kind": ["wijk", "buurt", "gemeente", "gebied"],
    "Subject.level": _LEVELS,
    "SubjectDivision.level": _LEVELS,
    "AreaNote.kind": ["naam", "indeling"],
    "AppliesTo.level": ["wijk", "buurt"],
    "KeyFigure.kind": list(KINDS),
    "KeyFigure.better": list(DIRECTIONS),
    "Series.better": list(DIRECTIONS),
    "KeyFigure.domain": list(DOMAINS),
    "Series.domain": list(DOMAINS),
    "SeriesGroup.domain": list(DOMAINS),
    "KeyFigure.assessment": _POSITION,
    "Judgement.verdict": _POSITION,
    "Judgement.level": _POSITION,
    "Judgement.reference": ["gemeente", "Nederland", None],
    "Judgement.severity": [0, *sorted(SEVERITY_LABELS)],
    "Judgement.severity_label": [*(SEVERITY_LABELS[k] for k in sorted(SEVERITY_LABELS)), None],
    "Signal.severity": sorted(SEVERITY_LABELS),
    "Signal.severity_label": [SEVERITY_LABELS[k] for k in sorted(SEVERITY_LABELS)],
    "SummaryAnswer.key": list(QUESTIONS),
    "Story.kind": ["verhaal", "aanpak"],
    "PeerGroup.level": _LEVELS,
}

#: The Dutch name of each object (its ``title``), as the report calls it.
TITLES: dict[str, str] = {
    "Profile": "Wijkprofiel",
    "Subject": "Gebied",
    "SubjectDivision": "Indeling van andere jaren",
    "AreaNote": "Opmerking over het gebied",
    "AppliesTo": "Geldt voor (omliggend gebied)",
    "SourceValue": "Waarde van een bron",
    "Conflict": "Bronnen verschillen",
    "Figure": "Cijfer",
    "KeyFigure": "Kerncijfer",
    "SeriesPoint": "Jaar van een reeks",
    "Series": "Ontwikkeling (reeks)",
    "SeriesGroup": "Reeksen met een nieuwe definitie",
    "Evidence": "Onderbouwing",
    "Signal": "Signaal",
    "Judgement": "Oordeel",
    "SummaryFigure": "Belangrijk cijfer",
    "SummaryAnswer": "Antwoord",
    "Summary": "Samenvatting",
    "Peer": "Vergelijkbare wijk",
    "PeerGroup": "Vergelijkbare wijken",
    "MapArea": "Buurgebied op de kaart",
    "Location": "Ligging",
    "Story": "Verhaal of aanpak",
    "SourceRef": "Bron",
}

_FIGURE_YEAR = ("The year of the figure: the KWB edition (the year of the CBS file) for CBS "
                "figures, the measurement year for the Leefbaarometer; null when missing.")

#: What the docstrings do not say (units, years), by ``Class.field`` (``Class`` alone for the
#: object); appended to the description taken from :mod:`wijkanalyse.model`.
NOTES: dict[str, str] = {
    "Profile": "A complete wijkprofiel, as `wijkanalyse profiel NAAM --format json` writes it. "
               "Texts meant for readers are Dutch; keys and descriptions are English.",
    "Profile.subject": "The area the profile is about.",
    "Profile.year": "The year of the Kerncijfers: the most recent KWB edition shown (each key "
                    "figure states its own `year`).",
    "Profile.years_available": "Years (KWB editions) with figures for the subject.",
    "Profile.key_figures": "The Kerncijfers rows.",
    "Profile.series": "Development of each indicator over the years.",
    "Profile.leefbaarometer": "Leefbaarometer total score and its five dimensions (scores "
                              "around 0, deviation from the national mean).",
    "Profile.signals": "Rule-based signals, strongest first (docs/signalen.md).",
    "Profile.peers": "Similar neighbourhoods; null when not computed.",
    "Profile.location": "Map and position; null when not computed.",
    "Profile.stories": "Verhalen attached to the area.",
    "Profile.approaches": "Aanpakken attached to the area.",
    "Profile.sources": "Every source used (Bronnen).",
    "Profile.missing": "Dutch statements about what is missing or was computed.",
    "Profile.generated_with": "Program and version, e.g. \"wijkanalyse 0.1.0\".",
    "Figure": "Values are in the unit of the key figure or series that holds it (`unit`: %, "
              "aantal, x 1 000 euro, score, ...).",
    "Figure.value": "The value in the unit of its key figure; null when missing (see "
                    "`reason`).",
    "Figure.year": _FIGURE_YEAR,
    "Figure.source": "Citation label, e.g. \"CBS, Kerncijfers Wijken en Buurten 2019\".",
    "Figure.complete": "False for an aggregate with missing parts, or peers with gaps.",
    "Figure.reason": "Why the value is missing or incomplete (Dutch).",
    "Figure.peiljaar": "The year the value describes when it differs from the edition `year` "
                       "(WOZ: 1 January of the year before; income: the year before); null "
                       "otherwise.",
    "KeyFigure.indicator_id": "Catalogue indicator id (`wijkanalyse data indicatoren`).",
    "KeyFigure.label": "Dutch label of the indicator.",
    "KeyFigure.unit": "Unit of every value of the row (%, aantal, x 1 000 euro, score, ...).",
    "KeyFigure.domain": "Catalogue domain.",
    "KeyFigure.kind": "Kind of value: count (summed), rate, mean, score (weighted by a base) "
                      "or code.",
    "KeyFigure.better": "Which direction is favourable: \"higher\", \"lower\" or null (none).",
    "KeyFigure.year": "The KWB edition of the row (the year of the CBS file).",
    "KeyFigure.area": "The subject's figure.",
    "KeyFigure.gemeente": "The figure of the subject's gemeente.",
    "KeyFigure.nederland": "The figure of Nederland.",
    "KeyFigure.peers": "The mean of the similar neighbourhoods.",
    "KeyFigure.diff_gemeente": "Subject against gemeente: percentage points for rates, an "
                               "index (gemeente = 100) for counts and means.",
    "KeyFigure.diff_nederland": "Subject against Nederland, as `diff_gemeente`.",
    "KeyFigure.decimals": "Decimals the catalogue writes the figure with; null for the "
                          "default of its unit.",
    "KeyFigure.signed": "True when the figure is written with a sign (scores around zero).",
    "Series": "Values of the points are in the series' `unit`; years are KWB editions (or "
              "Leefbaarometer years).",
    "SeriesPoint.year": "The KWB edition of the point (Leefbaarometer: the measurement year).",
    "SeriesPoint.area": "The subject's value in the series' unit; null when missing.",
    "SeriesPoint.gemeente": "The gemeente's value; null when missing.",
    "SeriesPoint.nederland": "The value of Nederland; null when missing.",
    "SeriesPoint.source": "Citation label of the area's value.",
    "SeriesPoint.complete": "False for an aggregate with missing parts.",
    "Series.change_first": "Change from the first to the last point: percentage points for "
                           "rates, relative change in % for counts and means.",
    "Series.change_previous": "Change from the previous point with a value to the last, as "
                              "`change_first`.",
    "Series.indicator_id": "Catalogue indicator id.",
    "Series.label": "Dutch label.",
    "Series.unit": "Unit of every value of the series.",
    "Series.domain": "Catalogue domain.",
    "Series.better": "Which direction is favourable: \"higher\", \"lower\" or null.",
    "Series.points": "One point per year, oldest first.",
    "Series.note": "A note on the whole series (definition changes, the peiljaar of the "
                   "editions), or null.",
    "Evidence.indicator_id": "Catalogue indicator id.",
    "Evidence.label": "Dutch label.",
    "Evidence.subject": "Whose figure: the subject (its level, e.g. \"wijk\"), \"gemeente\", "
                        "\"Nederland\" or \"vergelijkbare wijken\".",
    "Evidence.year": "The KWB edition (or Leefbaarometer year) of the value.",
    "Evidence.value": "The value in the indicator's unit.",
    "Evidence.text": "The value formatted in Dutch, e.g. \"18%\".",
    "Evidence.source": "Citation label.",
    "Signal.rule_id": "Id of the rule in data/signalen.yaml.",
    "Signal.severity": "3 ernstig, 2 aandacht, 1 om te volgen.",
    "Signal.severity_label": "Dutch label of the severity.",
    "Signal.domain": "Domain of the rule.",
    "Signal.title": "Short Dutch title.",
    "Signal.text": "The signal as a Dutch sentence; every number in it is in `evidence`.",
    "Signal.evidence": "The figures the signal rests on.",
    "SummaryFigure.indicator_id": "Catalogue indicator id.",
    "SummaryFigure.label": "Dutch label.",
    "SummaryFigure.year": "The KWB edition of the figure.",
    "SummaryFigure.gemeente_text": "The gemeente's value, formatted; null when missing.",
    "SummaryFigure.nederland_text": "The value of Nederland, formatted; null when missing.",
    "SummaryFigure.source": "Citation label.",
    "SummaryAnswer.question": "The question in Dutch (\"Hoe staat de wijk ervoor?\").",
    "SummaryAnswer.text": "The answer in Dutch sentences.",
    "Summary.answers": "The four questions: stand, ontwikkeling, problemen, aanpakken.",
    "Summary.figures": "The five most important figures.",
    "Summary.signals": "The strongest signals (at most five).",
    "SourceValue.source_id": "Id of the loaded source file.",
    "SourceValue.label": "Its citation label.",
    "SourceValue.value": "Its value, in the unit of the figure.",
    "SourceValue.chosen": "True for the value the profile shows.",
    "AppliesTo.inhabitants": "Number of inhabitants (persons).",
    "AppliesTo.inhabitants_year": "The KWB edition of that count.",
    "SubjectDivision.years": "The years (KWB editions) of this division.",
    "SubjectDivision.level": "Level of the member codes.",
    "SubjectDivision.members": "CBS codes of the members in that division.",
    "SubjectDivision.reason": "Why (Dutch), e.g. a renumbering found in the lineage.",
    "Subject.alternatives": "Each an object with the keys code, name, level, gemeente_name, "
                            "gemeente_code, years (years with figures), source and notes.",
    "Peer.code": "CBS code.",
    "Peer.name": "Name.",
    "Peer.gemeente_name": "Its gemeente.",
    "Peer.distance": "Distance in the feature space (RMS of z-scores; smaller is more alike).",
    "Peer.rank": "1 for the most similar.",
    "Peer.reasons": "Why it is similar (Dutch).",
    "Peer.lbm_change": "Change of its Leefbaarometer score over the series (score points).",
    "Peer.lbm_change_text": "The change in Dutch.",
    "Peer.lbm_series": "Its Leefbaarometer total score per year.",
    "PeerGroup.level": "Level of the peers.",
    "PeerGroup.year": "The KWB edition of the features compared; null when no peers.",
    "PeerGroup.indicators": "Indicator ids of the features compared.",
    "PeerGroup.peers": "The peers, most similar first.",
    "PeerGroup.source": "Citation label.",
    "MapArea.code": "CBS code.",
    "MapArea.name": "Name.",
    "MapArea.geojson": "Its shape as a GeoJSON geometry (WGS84) in a string.",
    "Location.has_map": "True when a boundary of the subject is loaded.",
    "Location.area_geojson": "The subject's shapes as GeoJSON geometries (WGS84) in strings.",
    "Location.gemeente_geojson": "The gemeente's outline as GeoJSON (WGS84) in a string.",
    "Location.context": "Other wijken/buurten of the gemeente.",
    "Location.centroid": "Centre of the subject: [longitude, latitude] (WGS84 degrees).",
    "Location.gemeente_centroid": "Centre of the gemeente: [longitude, latitude].",
    "Location.distance_to_centre_km": "Distance from the subject's centre to the gemeente's "
                                      "centre in kilometres.",
    "Location.area_km2": "Area of the subject's shapes in km².",
    "Location.source": "Citation label of the boundaries.",
    "Location.note": "Why there is no map, or another note (Dutch).",
    "Location.boundary_years": "Years of the boundaries the subject is drawn with.",
    "Location.context_years": "Years of the boundaries of the neighbours.",
    "Location.gemeente_year": "Year of the gemeente outline.",
    "Story.story_id": "Id of the story.",
    "Story.area_code": "CBS code or area id the story is attached to.",
    "Story.title": "Title.",
    "Story.author": "Author.",
    "Story.date": "ISO date (YYYY-MM-DD).",
    "Story.body_markdown": "The text as written (Markdown).",
    "Story.body_html": "The text as sanitised HTML.",
    "Story.tags": "Tags.",
    "Story.meta": "Further fields (aanpak: partners, start and end year, ...).",
    "SourceRef.label": "Citation label.",
    "SourceRef.file": "File name of the source.",
    "SourceRef.table_id": "CBS table id (e.g. 84583NED), or null.",
    "SourceRef.year": "The year (KWB edition) of the source, or null.",
    "SourceRef.licence": "Licence, or null.",
    "Figure.geldt_voor": "The containing area the value belongs to (the Leefbaarometer of the "
                         "wijk around a buurt or a user area); null when the value is the "
                         "subject's own.",
    "Figure.conflict": "The values of loaded sources that disagree on this figure, and which "
                       "was chosen; null when they agree.",
    "Figure.peiljaar_text": "`peiljaar` in words (\"inkomen over 2019\"); null when the "
                            "catalogue has nothing to say.",
    "KeyFigure.assessment": "The verdict of the profile's one assessment (the `verdict` of its "
                            "Judgement): \"ongunstig\" when a signal rests on the figure, else "
                            "\"gunstig\", \"ongunstig\" or null (no direction, a count, or "
                            "within the neutral band) against the gemeente (Nederland when "
                            "the gemeente has no figure).",
    "Location.boundary_note": "Which boundary is drawn (\"grens van 2016\") and whether the "
                              "code's figures are of another division than its shape (Dutch).",
    "Series.signed": "True when the values are written with a sign (scores around zero).",
    "SeriesPoint.derived": "Null for the area's value as published; else how it was computed "
                           "(Dutch, e.g. \"berekend uit aantallen: a_65_oo / a_inw × 100\").",
    "SeriesPoint.gemeente_derived": "As `derived`, for the gemeente's value.",
    "SeriesPoint.nederland_derived": "As `derived`, for the value of Nederland (e.g. "
                                     "\"berekend uit de 393 gemeenten van 2015\").",
    "Summary.figures_caption": "Source line of the figures (\"Bron: CBS, Kerncijfers Wijken "
                               "en Buurten 2024\").",
    "Summary.signals_caption": "Source line of the signals.",
    "KeyFigure.diff_gemeente_text": "`diff_gemeente` in Dutch (\"+7 procentpunt\", "
                                    "\"index 164\").",
    "KeyFigure.diff_nederland_text": "`diff_nederland` in Dutch.",
    "Series.change_first_text": "`change_first` in Dutch.",
    "Series.change_previous_text": "`change_previous` in Dutch.",
}

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


def _comments(cls: type) -> dict[str, tuple[str, str]]:
    """Field descriptions from the ``#:`` comments above a field and from its trailing
    comment: field → (above, trailing)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):  # pragma: no cover - source always ships with the package
        return {}
    by_line: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            by_line[tok.start[0]] = tok.string
    out: dict[str, tuple[str, str]] = {}
    tree = ast.parse(source)
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        line = node.lineno - 1
        above: list[str] = []
        while line in by_line and by_line[line].startswith("#:"):
            above.insert(0, by_line[line][2:].strip())
            line -= 1
        trailing = by_line.get(node.end_lineno or node.lineno, "")
        if trailing.startswith("#:"):
            trailing = ""
        out[node.target.id] = (" ".join(above), trailing.lstrip("#").strip())
    return out


def _docstring(cls: type) -> tuple[str, dict[str, str]]:
    """The first paragraph of a class docstring and its numpydoc ``Attributes``."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    summary = " ".join(doc.split("\n\n")[0].split())
    attrs: dict[str, str] = {}
    match = re.search(r"^Attributes\n-+\n(.*)", doc, flags=re.S | re.M)
    if match:
        names: list[str] = []
        text: list[str] = []

        def flush() -> None:
            for name in names:
                attrs[name] = " ".join(text)

        for line in match.group(1).splitlines():
            if line and not line.startswith(" "):
                flush()
                names = [n.strip() for n in line.split(",")]
                text = []
            elif line.strip():
                text.append(line.strip())
        flush()
    return summary, attrs


def _join(*parts: str | None) -> str:
    out = " ".join(p.strip() for p in parts if p and p.strip())
    out = re.sub(r":(?:func|class|data|mod|attr|meth):`~?([^`]+)`", r"`\1`", out)
    out = out.replace("``", "`").replace("`None`", "null")
    out = re.sub(r"\bNone\b", "null", out).replace("` s ", "`s ")
    return re.sub(r"`\\?\"([^`]*)\"`", r'"\1"', out)


def _describe(own: str, note: str | None) -> str:
    """The model's description completed by a note; a note that already says the model's
    words replaces them."""
    if not note:
        return own

    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    if not own or words(own) in words(note):
        return _sentence(_join(note))
    return _join(_sentence(own), _sentence(note))


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a final full stop."""
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", ")", "?")) else text + "."


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one type hint; dataclasses become ``$ref`` to ``$defs``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return {}
    if origin in (typing.Union, types.UnionType):
        nullable = type(None) in args
        rest = [a for a in args if a is not type(None)]
        inner = _type_schema(rest[0], defs) if len(rest) == 1 else {
            "anyOf": [_type_schema(a, defs) for a in rest]}
        if not nullable:
            return inner
        if set(inner) == {"type"} and isinstance(inner["type"], str):
            return {"type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is tuple:
        items = [_type_schema(a, defs) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items),
                "maxItems": len(items)}
    if origin is dict:
        return {"type": "object"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"geen JSON Schema voor het type {tp!r}")


def _with_enum(schema: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    if "$ref" in schema or "anyOf" in schema:
        raise TypeError("een enum hoort bij een eenvoudig type")
    return {**schema, "enum": values}


def _define(cls: type, defs: dict[str, Any]) -> None:
    """Add the schema of dataclass ``cls`` (and the dataclasses it holds) to ``defs``."""
    name = cls.__name__
    if name in defs:
        return
    defs[name] = {}  # placeholder against recursion
    hints = typing.get_type_hints(cls, vars(model))
    summary, attrs = _docstring(cls)
    comments = _comments(cls)
    props: dict[str, Any] = {}
    first: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("inline"):
            continue  # the sections, added by profile_schema
        key = f"{name}.{f.name}"
        prop = _type_schema(hints[f.name], defs)
        if key in ENUMS:
            prop = _with_enum(prop, ENUMS[key])
        above, trailing = comments.get(f.name, ("", ""))
        own = _join(attrs.get(f.name), above)
        # a note replaces the terse trailing comment; it completes the docstring
        description = (_describe(own, NOTES[key]) if key in NOTES
                       else _sentence(_join(own, trailing)))
        if description:
            prop = {"description": description, **prop}
        (first if f.metadata.get("first") else props)[f.name] = prop
    ordered = {**first, **props}
    defs[name] = {
        "title": TITLES[name],
        "type": "object",
        "description": _describe(_join(summary), NOTES.get(name)),
        "properties": ordered,
        "required": list(ordered),
        "additionalProperties": False,
    }


def profile_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the profile JSON, generated from the dataclasses.

    Returns
    -------
    dict
        The schema: the profile's own properties and ``$defs`` with one object schema per
        dataclass of :mod:`wijkanalyse.model`; the sections of
        :data:`~wijkanalyse.profiel.sections.SECTIONS` as top-level keys.
    """
    defs: dict[str, Any] = {}
    _define(model.Profile, defs)
    root = defs.pop("Profile")
    for section in SECTIONS:
        if section.key not in SECTION_SCHEMAS:
            raise KeyError(f"sectie {section.key!r} heeft geen schema in SECTION_SCHEMAS")
        root["properties"][section.key] = SECTION_SCHEMAS[section.key]
        root["required"].append(section.key)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "$comment": ("Generated from the dataclasses of wijkanalyse.model by "
                     f"wijkanalyse.profiel.schema; do not edit. Regenerate: {REGENERATE}"),
        **root,
        "title": "Wijkprofiel (wijkanalyse profiel --format json)",
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """:func:`profile_schema` as the published file's text (indented JSON, final newline)."""
    return json.dumps(profile_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path | str | None = None) -> Path:
    """Write :func:`schema_text` to a file.

    Parameters
    ----------
    path
        The file; by default ``docs/profiel.schema.json`` of the repository the package is
        installed from in development mode (``pip install -e``).

    Returns
    -------
    Path
        The file written.
    """
    target = Path(path) if path is not None else (
        Path(__file__).resolve().parents[3] / SCHEMA_FILE)
    target.write_text(schema_text(), encoding="utf-8")
    return target
