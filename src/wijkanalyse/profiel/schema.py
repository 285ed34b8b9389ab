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
dataclasses: their schemas are written by hand in :mod:`wijkanalyse.profiel.sectionschemas`
(:data:`SECTION_SCHEMAS`, re-exported here; the tests validate real sections against them).

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
from wijkanalyse.profiel.sections import SECTIONS
from wijkanalyse.profiel.sectionschemas import SECTION_SCHEMAS
from wijkanalyse.profiel.summary import QUESTIONS
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
