"""The data model of a wijkprofiel: plain dataclasses, JSON-able with :func:`to_dict`.

One :class:`Profile` is what ``wijkanalyse profiel`` renders (HTML, PDF), prints as JSON
(``--format json``) and what ``wijkanalyse.profile(...)`` returns to notebooks. Every figure
carries its source (``bron``) so a report can cite it ("Bron: CBS, Kerncijfers Wijken en
Buurten 2019"), and missing figures carry the reason.

The parts are filled by separate modules:

* :mod:`wijkanalyse.gebieden.subjects` resolves a name or code to a :class:`Subject`;
* :mod:`wijkanalyse.profiel.assemble` assembles key figures, series and sources (the orchestrator);
* :mod:`wijkanalyse.signalen.rules` derives :class:`Signal` s from key figures and series;
* :mod:`wijkanalyse.profiel.peers` finds :class:`Peer` s;
* :mod:`wijkanalyse.gebieden.location` fills :class:`Location`;
* :mod:`wijkanalyse.verhalen.stories` supplies :class:`Story` s (verhalen and aanpakken);
* the sections of other packages (segregatie, kennis) are registered in
  :data:`wijkanalyse.profiel.sections.SECTIONS` and kept in :attr:`Profile.sections`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, TypeAlias

#: JSON-able plain data, as :func:`to_dict` writes it.
JSONValue: TypeAlias = (
    "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]")
#: The data of a profile section made by another package (segregatie, kennis): JSON-able plain
#: data, keyed by the names its template reads.
SectionData: TypeAlias = dict[str, JSONValue]


@dataclass
class Subject:
    """The area a profile is about.

    Attributes
    ----------
    kind
        ``"wijk"``, ``"buurt"``, ``"gemeente"`` (one CBS region) or ``"gebied"`` (a user-defined
        or predefined set of buurten/wijken).
    id
        CBS code for one region; area id (e.g. ``"jol-galjoen"``) for a gebied.
    name
        Display name without the CBS prefix ("Angelslo", not "Wijk 43 Angelslo").
    gemeente_code, gemeente_name
        The gemeente the area lies in (the first one for areas across gemeenten).
    level
        Level of the member regions (``"wijk"``, ``"buurt"``, ``"gemeente"``).
    members
        CBS codes whose figures make up the area (one code for a single region).
    wijk_codes
        Wijk codes that contain the members (for wijk-level sources like the Leefbaarometer when
        the subject is a buurt or a set of buurten).
    description
        Free text (for gebieden).
    other_years
        The members in the CBS division of other years, where they differ (an area of a
        shipped set with ``other_years``: Jol/Galjoen had other buurt codes in 2015). Figures
        of a year listed there are taken from those codes (:meth:`members_in`).
    resolution
        How a name that also means other areas was resolved (Dutch, several lines; empty when
        the name meant only this area): a name unique within a shipped set is that set's area
        (rule 6 of :mod:`wijkanalyse.gebieden.subjects`), and this says so and lists the
        others. Not part of the subject's identity (ignored by ``==``).
    alternatives
        The other areas of that name (as ``AmbiguousSubjectError.candidates``: code, name,
        level, gemeente, years, source, notes); empty when there are none.
    """

    kind: str
    id: str
    name: str
    gemeente_code: str | None
    gemeente_name: str | None
    level: str
    members: list[str]
    wijk_codes: list[str] = field(default_factory=list)
    description: str = ""
    other_years: list[SubjectDivision] = field(default_factory=list)
    resolution: str = field(default="", compare=False)
    alternatives: list[dict[str, Any]] = field(default_factory=list, compare=False)

    def members_in(self, year: int) -> list[str]:
        """The member codes whose figures stand for the subject in ``year``."""
        for div in self.other_years:
            if year in div.years:
                return list(div.members)
        return list(self.members)

    def division_years(self) -> set[int]:
        """Years whose figures come from an ``other_years`` division."""
        return {y for div in self.other_years for y in div.years}


@dataclass
class SubjectDivision:
    """The members of a subject in the CBS division of some years (see
    :attr:`Subject.other_years`)."""

    years: list[int]
    level: str
    members: list[str]
    reason: str = ""


@dataclass
class AreaNote:
    """Something a reader must know about the area in some years: a changed name ("in 2015
    heette dit gebied Schalkwijk") or other codes in an older CBS division.

    Attributes
    ----------
    kind
        ``"naam"`` (the code had another name) or ``"indeling"`` (other codes that year).
    years
        The years it concerns.
    codes
        The CBS codes of those years.
    names
        Their names in those years.
    text
        The Dutch sentence shown once above the charts, in the missing statements and in the
        JSON.
    short
        Its short form under each chart and key figure of those years ("In 2015 heette dit
        gebied Schalkwijk.").
    """

    kind: str
    years: list[int]
    codes: list[str]
    names: list[str]
    text: str
    short: str = ""


@dataclass
class AppliesTo:
    """The containing area a figure belongs to when it is not the subject's own (the
    Leefbaarometer of the wijk for a buurt or a user area). JSON key ``geldt_voor``.

    Attributes
    ----------
    code
        CBS code of the area the value belongs to (the first when several wijken are weighted).
    name
        Its name (several: "A en B").
    level
        ``"wijk"`` (or ``"buurt"``).
    codes
        Every code the value was made from (several wijken weighted by inhabitants).
    inhabitants, inhabitants_year
        Inhabitants of that area (together) in their latest year with a count.
    text
        The Dutch words shown in the same cell: "score van wijk Noordwest, 19.600 inw.".
    """

    code: str
    name: str
    level: str
    codes: list[str] = field(default_factory=list)
    inhabitants: float | None = None
    inhabitants_year: int | None = None
    text: str = ""


@dataclass
class SourceValue:
    """One source's value in a :class:`Conflict`."""

    source_id: str
    label: str | None
    value: float | None
    chosen: bool = False
    #: Dutch name of the kind of file ("OData-download", "StatLine-export (R)").
    kind: str = ""


@dataclass
class Conflict:
    """Two or more loaded sources give different values for one indicator, region and year.

    Attributes
    ----------
    values
        Every source's value, the chosen one first (for an aggregate: those of the first part
        in ``parts``).
    reason
        Why the chosen value was chosen (Dutch).
    text
        The footnote shown in the same cell: both values, both sources, which one and why.
    parts
        For an aggregate of several members: the members on which sources differ (else empty).
    """

    values: list[SourceValue]
    reason: str
    text: str
    parts: list[str] = field(default_factory=list)


@dataclass
class Figure:
    """One value of one indicator for one subject (area, gemeente, Nederland, peers) and year.

    ``geldt_voor`` is set when the value belongs to a containing area (the Leefbaarometer of
    the wijk around a buurt); ``conflict`` when loaded sources disagree on it; ``peiljaar`` is
    the year the value describes when it differs from the edition ``year`` (WOZ: 1 January of
    the year before), and ``peiljaar_text`` says it in words ("inkomen over 2019").
    """

    value: float | None
    year: int | None
    source: str | None = None  # citation label, e.g. "CBS, Kerncijfers Wijken en Buurten 2019"
    complete: bool = True  # False: an aggregate with missing parts, or peers with gaps
    reason: str | None = None  # why missing or incomplete (Dutch)
    #: None for a figure as published; else how it was computed (Dutch), e.g. "berekend uit
    #: aantallen: a_65_oo / a_inw × 100" or "berekend uit de 393 gemeenten".
    derived: str | None = None
    geldt_voor: AppliesTo | None = None
    conflict: Conflict | None = None
    peiljaar: int | None = None
    peiljaar_text: str | None = None


@dataclass
class KeyFigure:
    """A row of the Kerncijfers table: the subject next to its references.

    ``diff_gemeente`` / ``diff_nederland`` are in percentage points for rates (unit ``%``) and
    an index (subject / reference × 100) for counts and means; ``diff_*_text`` is the readable
    Dutch form ("+7,0 procentpunt", "index 164"). ``assessment`` is the verdict of the
    profile's one assessment (:class:`Judgement`): ``"ongunstig"`` when a signal rests on the
    figure, else ``"gunstig"``, ``"ongunstig"`` or ``None`` (no direction, or within the
    neutral band) relative to the gemeente (Nederland when the gemeente has no figure).
    """

    indicator_id: str
    label: str
    unit: str
    domain: str
    kind: str
    better: str | None
    year: int
    area: Figure
    gemeente: Figure
    nederland: Figure
    peers: Figure
    diff_gemeente: float | None = None
    diff_gemeente_text: str | None = None
    diff_nederland: float | None = None
    diff_nederland_text: str | None = None
    assessment: str | None = None
    #: Definition changes and changed names that concern this figure (Dutch), or None.
    note: str | None = None
    #: Decimals and sign of the figure as the catalogue gives them (``Indicator.decimals``,
    #: ``Indicator.signed``), for :func:`wijkanalyse.fmt.format_value`.
    decimals: int | None = None
    signed: bool = False
    #: The year the figures describe (catalogue ``peiljaar``); ``year`` is the KWB edition.
    peiljaar: int | None = None
    #: The year described in words next to the edition ("waardepeildatum 1 januari 2018"), or
    #: None when the catalogue has nothing to say.
    peiljaar_text: str | None = None


@dataclass
class SeriesPoint:
    """One year of a time series.

    ``derived``, ``gemeente_derived`` and ``nederland_derived`` are None for a value as
    published, else how it was computed (see :attr:`Figure.derived`).
    """

    year: int
    area: float | None
    gemeente: float | None = None
    nederland: float | None = None
    source: str | None = None
    complete: bool = True
    derived: str | None = None
    gemeente_derived: str | None = None
    nederland_derived: str | None = None
    #: Loaded sources that disagree on the area's value of this year (see :class:`Conflict`).
    conflict: Conflict | None = None


@dataclass
class Series:
    """An indicator over the years for the subject, its gemeente and the Netherlands.

    ``change_first`` and ``change_previous`` compare the last point with the first and with the
    previous point with a value (same unit rules as :class:`KeyFigure` diffs: percentage points
    for rates, relative change in % for counts and means).
    """

    indicator_id: str
    label: str
    unit: str
    domain: str
    better: str | None
    points: list[SeriesPoint]
    change_first: float | None = None
    change_first_text: str | None = None
    change_previous: float | None = None
    change_previous_text: str | None = None
    note: str | None = None  # e.g. "Leefbaarometer van wijk Oud-Noord, waarin de buurt ligt"
    #: As :attr:`KeyFigure.decimals` / :attr:`KeyFigure.signed` (from the catalogue).
    decimals: int | None = None
    signed: bool = False
    #: The containing area the whole series belongs to (Leefbaarometer of the wijk), or None.
    geldt_voor: AppliesTo | None = None


@dataclass
class SeriesGroup:
    """Rates whose definition changed, shown in one chart with the break marked (the
    migratieachtergrond of 2015–2021 and the herkomst of 2023 on): never one joined line.

    Attributes
    ----------
    id
        Slug of the title.
    title
        Chart title (from the catalogue's definition change).
    unit
        The unit all members share.
    domain
        Catalogue domain of the members.
    break_year
        The first year of the new definition; the break lies between the last year before it
        and this year.
    note
        The definition change in Dutch ("niet 1-op-1 vergelijkbaar").
    series
        Every member, also those with one measured year; members before the break first.
    before, after
        Indicator ids of the members of the old and of the new definition.
    """

    id: str
    title: str
    unit: str
    domain: str
    break_year: int
    note: str
    series: list[Series]
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """A figure a signal rests on."""

    indicator_id: str
    label: str
    subject: str  # "wijk", "gemeente", "Nederland", "vergelijkbare wijken"
    year: int | None
    value: float | None
    text: str  # formatted, e.g. "18,0%"
    source: str | None


@dataclass
class Signal:
    """A rule-based signal (opgave), written as a Dutch sentence with its evidence."""

    rule_id: str
    severity: int  # 3 = ernstig, 2 = aandacht, 1 = om te volgen
    severity_label: str
    domain: str
    title: str
    text: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Judgement:
    """The judgement of one key figure, from the profile's one assessment
    (:func:`wijkanalyse.signalen.assess.assess_profile`; the rule is in ``docs/signalen.md``).

    Attributes
    ----------
    indicator_id
        The key figure's indicator.
    verdict
        ``"ongunstig"`` when a signal rests on the figure, else ``level``.
    level
        The position against ``reference``: ``"gunstig"``, ``"ongunstig"`` or ``None``
        (neutral band, no direction, a count or no reference).
    reference
        ``"gemeente"`` or ``"Nederland"`` (``None`` when not compared).
    severity
        The strongest signal on the figure: 3 ernstig, 2 aandacht, 1 om te volgen, 0 none.
    severity_label
        Its Dutch label, or ``None``.
    signals
        Rule ids of the signals that rest on the figure, strongest first.
    mark
        The text of the Oordeel column ("▼ ongunstig · ●●● ernstig"; "" when neutral).
    """

    indicator_id: str
    verdict: str | None
    level: str | None
    reference: str | None
    severity: int = 0
    severity_label: str | None = None
    signals: list[str] = field(default_factory=list)
    mark: str = ""


@dataclass
class SummaryFigure:
    """One of the most important figures on the summary page."""

    indicator_id: str
    label: str
    year: int
    text: str  # the area's value, formatted
    gemeente_text: str | None
    nederland_text: str | None
    mark: str  # the Oordeel, as in the Kerncijfers
    why: str  # why it is among the most important ("signaal: Veel bijstand (ernstig)")
    source: str | None


@dataclass
class SummaryAnswer:
    """The answer to one of the four questions of a wijkanalyse."""

    key: str  # "stand", "ontwikkeling", "problemen", "aanpakken"
    question: str
    text: str


@dataclass
class Summary:
    """The summary page: the four questions answered in sentences, the most important
    figures and the strongest signals, all from the profile's one assessment.

    ``figures_caption`` and ``signals_caption`` are the source lines ("Bron: CBS, Kerncijfers
    Wijken en Buurten 2024").
    """

    answers: list[SummaryAnswer]
    figures: list[SummaryFigure]
    signals: list[Signal]
    figures_caption: str
    signals_caption: str


@dataclass
class Peer:
    """A similar neighbourhood."""

    code: str
    name: str
    gemeente_name: str | None
    distance: float
    rank: int
    reasons: list[str]  # "vergelijkbaar aantal inwoners (3.590 tegen 3.455)", ...
    lbm_change: float | None = None  # change of the Leefbaarometer score over the peers' series
    lbm_change_text: str | None = None
    lbm_series: list[SeriesPoint] = field(default_factory=list)


@dataclass
class PeerGroup:
    """The peer group and how it was formed."""

    level: str
    year: int | None
    indicators: list[str]
    method: str  # Dutch explanation of the distance measure
    peers: list[Peer] = field(default_factory=list)
    source: str | None = None
    note: str | None = None  # why no peers (e.g. structural indicators missing)


@dataclass
class MapArea:
    """A neighbouring wijk or buurt on the Ligging map (drawn light, labelled by name)."""

    code: str
    name: str
    year: int | None  # the boundary year of its shape
    geojson: str  # WGS84


@dataclass
class Location:
    """Ligging: map and position within the gemeente.

    ``boundary_years`` are the years of the boundaries the subject is drawn with (2016 for a
    wijk of the nationwide 2016 map, 2015 for a buurt), ``context_years`` those of the
    neighbours, ``gemeente_year`` that of the gemeente outline; ``boundary_note`` says in Dutch
    which boundary is used ("grens van 2016") and whether the code's figures are of another
    division than its shape.
    """

    has_map: bool
    area_geojson: list[str] = field(default_factory=list)  # GeoJSON geometries (WGS84)
    gemeente_geojson: str | None = None
    context: list[MapArea] = field(default_factory=list)  # other wijken/buurten of the gemeente
    centroid: tuple[float, float] | None = None  # lon, lat
    gemeente_centroid: tuple[float, float] | None = None
    distance_to_centre_km: float | None = None
    area_km2: float | None = None
    source: str | None = None
    note: str | None = None  # e.g. "Geen grenzen geladen voor deze wijk."
    boundary_years: list[int] = field(default_factory=list)
    context_years: list[int] = field(default_factory=list)
    gemeente_year: int | None = None
    boundary_note: str | None = None

    @property
    def context_geojson(self) -> list[str]:
        """The neighbours' geometries (WGS84 GeoJSON), in the order of :attr:`context`."""
        return [a.geojson for a in self.context]


@dataclass
class Story:
    """A verhaal (interview, field note) or aanpak attached to an area by a user."""

    story_id: int
    kind: str  # "verhaal" | "aanpak"
    area_code: str
    title: str
    author: str
    date: str  # ISO date
    body_markdown: str
    body_html: str  # sanitised: no raw HTML from stored text
    tags: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # aanpak: partners, start/end year, ...


@dataclass
class SourceRef:
    """A source used in the profile (for the Bronnen section)."""

    label: str
    file: str | None
    table_id: str | None
    year: int | None
    licence: str | None = None


@dataclass
class Profile:
    """A complete wijkprofiel."""

    subject: Subject
    year: int  # the year of the Kerncijfers
    years_available: list[int]
    key_figures: list[KeyFigure]
    series: list[Series]
    leefbaarometer: list[Series]  # total score and five dimensions, where available
    signals: list[Signal]
    peers: PeerGroup | None
    location: Location | None
    stories: list[Story]
    approaches: list[Story]
    sources: list[SourceRef]
    missing: list[str]  # Dutch statements about what is missing
    generated_with: str = ""  # "wijkanalyse 0.1.0"
    #: Rates whose definition changed, one chart each with the break marked.
    series_groups: list[SeriesGroup] = field(default_factory=list)
    #: Changed names and other divisions of the area in some years (see :class:`AreaNote`).
    area_notes: list[AreaNote] = field(default_factory=list)
    #: The sections other packages add, by key in report order
    #: (:data:`wijkanalyse.profiel.sections.SECTIONS`): ``segregatie`` (the area's concentration
    #: figures and tenure mix) and ``kennis`` (interventions matched to the signals, approaches
    #: applied here); ``None`` for a section not computed. :func:`to_dict` writes each at the
    #: top level of the profile (``"segregatie": {...}``), as the field metadata ``inline`` says.
    sections: dict[str, SectionData | None] = field(default_factory=dict,
                                                    metadata={"inline": True})
    #: One judgement per key figure, from the same assessment as ``signals``
    #: (:func:`wijkanalyse.signalen.assess.assess_profile`).
    judgements: list[Judgement] = field(default_factory=list)
    #: The summary page (first in the report and in the JSON); ``None`` when not made.
    summary: Summary | None = field(default=None, metadata={"first": True})

    def judgement(self, indicator_id: str) -> Judgement | None:
        """The judgement of the key figure of ``indicator_id``, or ``None``."""
        return next((j for j in self.judgements if j.indicator_id == indicator_id), None)

    def section(self, key: str) -> SectionData | None:
        """The data of section ``key`` (``"segregatie"``, ``"kennis"``), or ``None``."""
        return self.sections.get(key)

    def __getattr__(self, name: str) -> SectionData | None:
        # ``profile.kennis`` and ``profile.segregatie`` (the API before the section registry)
        # read the section of that key; any registered section is reachable the same way.
        sections: dict[str, SectionData | None] | None = self.__dict__.get("sections")
        if sections is not None and name in sections:
            return sections[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def to_dict(obj: Any) -> Any:
    """A profile (or part) as JSON-able plain data; NaN becomes ``None``. A field with the
    metadata ``first`` (the profile's ``summary``) comes before the other keys."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        first: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = to_dict(getattr(obj, f.name))
            if f.metadata.get("inline"):
                out.update(value)  # a mapping whose keys stand at this level
            elif f.metadata.get("first"):
                first[f.name] = value  # written before every other key (the summary)
            else:
                out[f.name] = value
        return {**first, **out} if first else out
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return to_dict(obj.item())  # numpy scalars
    return obj
