"""The records of the kennisdossier: :class:`Intervention` (with :class:`Addressed`,
:class:`EvidenceRating`, :class:`Cost`, :class:`Horizon`, :class:`Reference`),
:class:`AppliedApproach` and :class:`CatalogueSync`."""

from __future__ import annotations

from dataclasses import dataclass, field

from wijkanalyse.kennis.vocab import DIRECTION_LABELS, RECOMMENDABLE_KINDS, THEMES

# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Addressed:
    """A problem an intervention addresses.

    Attributes
    ----------
    domain
        Catalogue domain (:data:`wijkanalyse.catalogue.DOMAINS`); for a signal the rule's
        domain, for an indicator the indicator's domain.
    indicator
        Catalogue indicator id (or a derived id a signal rule reads, ``..._afgeleid``), or
        ``None``.
    direction
        ``"lower"`` or ``"higher"``: where the intervention means to move the indicator (for a
        domain alone: optional).
    signal
        Id of a rule in ``data/signalen.yaml``; ``None`` for indicator or domain items.
    """

    domain: str
    indicator: str | None = None
    direction: str | None = None
    signal: str | None = None

    def text(self) -> str:
        """Dutch description, e.g. ``"inkomen: p_hh_li lager"`` or ``"signaal bijstand_hoog"``."""
        if self.signal:
            return f"signaal {self.signal}"
        words = [self.domain + ":" if self.indicator or self.direction else self.domain]
        if self.indicator:
            words.append(self.indicator)
        if self.direction:
            words.append(DIRECTION_LABELS[self.direction])
        return " ".join(words)


@dataclass(frozen=True)
class EvidenceRating:
    """How strong the evidence is (:data:`EVIDENCE_LEVELS`), what evaluations found about the
    intended effect (:data:`EFFECTS`) and on what it rests (Dutch).

    Attributes
    ----------
    level
        The rung of the evidence ladder.
    source
        The note (``bewijs.toelichting``): what the level and the effect rest on.
    effect
        ``positief``, ``gemengd``, ``geen``, ``negatief`` or ``onbekend`` (default): what an
        evaluation found. Anything but ``onbekend`` needs the evaluation under ``bronnen``.
    """

    level: str
    source: str = ""
    effect: str = "onbekend"


@dataclass(frozen=True)
class Cost:
    """Cost indication: ``laag``, ``midden`` or ``hoog`` (:data:`COST_LEVELS`) and a note."""

    level: str
    note: str = ""


@dataclass(frozen=True)
class Horizon:
    """Time horizon: ``kort``, ``middellang`` or ``lang`` and optionally a range of years."""

    term: str
    years_min: int | None = None
    years_max: int | None = None

    def text(self) -> str:
        """Dutch description, e.g. ``"lang (10-15 jaar)"``."""
        if self.years_min is None:
            return self.term
        if self.years_max is None or self.years_max == self.years_min:
            return f"{self.term} ({self.years_min} jaar)"
        return f"{self.term} ({self.years_min}-{self.years_max} jaar)"


@dataclass(frozen=True)
class Reference:
    """A source: title, authors, publisher (or journal), year and URL (all but title
    optional)."""

    title: str
    authors: str = ""
    publisher: str = ""
    year: int | None = None
    url: str = ""

    def text(self) -> str:
        """A citation line in Dutch style: ``"Auteurs (2011). Titel. Uitgever."``."""
        head = self.authors
        if self.year is not None:
            head = f"{head} ({self.year})" if head else str(self.year)
        parts = [p for p in (head, self.title, self.publisher) if p]
        text = ". ".join(p.rstrip(".") for p in parts) + "."
        return f"{text} {self.url}" if self.url else text


@dataclass(frozen=True)
class Intervention:
    """One intervention (interventie / aanpak) of the kennisdossier.

    Content fields compare for equality; the storage metadata (``version``, ``origin``,
    ``updated_at``, ``updated_by``) does not, so a record read back from an exported file
    equals the stored one.

    Attributes
    ----------
    id
        Slug (``buurtbemiddeling``); the file name of a catalogue file.
    name, summary, description
        Name, one-paragraph summary, long description (Markdown).
    themes
        Theme ids (:data:`THEMES`), in the file's order.
    addresses
        The problems it addresses (:class:`Addressed`).
    working_elements
        Werkzame bestanddelen: short texts.
    evidence
        Evidence level and its source (:class:`EvidenceRating`).
    partners, funding
        Partner ids (:data:`PARTNERS`) and funding ids (:data:`FUNDING`).
    cost, horizon
        Cost indication and time horizon.
    pitfalls
        Valkuilen: short texts.
    kind
        Soort (:data:`KINDS`): ``lokale aanpak``, ``werkwijze``, ``beleidskader`` (these can
        be recommended, :data:`RECOMMENDABLE_KINDS`), ``landelijk programma`` or
        ``buitenlands voorbeeld`` (shown "ter inspiratie").
    context
        When and where it is realistic (Dutch, one paragraph), shown with a recommendation; may
        be empty.
    sources
        Sources (:class:`Reference`); may be empty.
    related
        Ids of related interventions.
    updated
        ISO date the content was last reviewed (``bijgewerkt``), or ``None``.
    version
        Current version number in the database (``None`` for a record read from a file).
    origin
        ``"pakket"`` (shipped) or ``"gebruiker"``; ``None`` for a record read from a file.
    updated_at, updated_by
        When and by whom the current version was stored.
    """

    id: str
    name: str
    summary: str
    description: str
    themes: tuple[str, ...]
    addresses: tuple[Addressed, ...]
    working_elements: tuple[str, ...]
    evidence: EvidenceRating
    partners: tuple[str, ...]
    funding: tuple[str, ...]
    cost: Cost
    horizon: Horizon
    pitfalls: tuple[str, ...]
    kind: str
    context: str = ""
    sources: tuple[Reference, ...] = ()
    related: tuple[str, ...] = ()
    updated: str | None = None
    version: int | None = field(default=None, compare=False)
    origin: str | None = field(default=None, compare=False)
    updated_at: str | None = field(default=None, compare=False)
    updated_by: str | None = field(default=None, compare=False)

    @property
    def domains(self) -> tuple[str, ...]:
        """The catalogue domains it addresses, in order, without repeats."""
        return tuple(dict.fromkeys(a.domain for a in self.addresses))

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicator ids it addresses directly, without repeats."""
        return tuple(dict.fromkeys(a.indicator for a in self.addresses if a.indicator))

    @property
    def signals(self) -> tuple[str, ...]:
        """The signal rule ids it addresses, without repeats."""
        return tuple(dict.fromkeys(a.signal for a in self.addresses if a.signal))

    @property
    def theme_labels(self) -> tuple[str, ...]:
        """Dutch labels of the themes."""
        return tuple(THEMES[t] for t in self.themes)

    @property
    def recommendable(self) -> bool:
        """Whether a city or its partners can start it (:data:`RECOMMENDABLE_KINDS`)."""
        return self.kind in RECOMMENDABLE_KINDS


@dataclass(frozen=True)
class AppliedApproach:
    """A record that an intervention was (or is) applied in an area.

    Attributes
    ----------
    applied_id
        Number of the record.
    intervention_id, intervention_name
        The intervention (name as currently stored).
    area_code, area_name, area_kind
        The area as :func:`wijkanalyse.gebieden.subjects.resolve_subject` resolved it: a CBS code
        or the
        id of a user area or of a shipped set area; its kind (``wijk``, ``buurt``,
        ``gemeente``, ``gebied``).
    area_members
        The CBS codes of the area when it was recorded.
    gemeente_code
        The gemeente of the (first) member.
    year_from, year_to
        Years; ``year_to`` ``None`` while it runs.
    partners, funding
        Who did it and who paid: vocabulary ids (:data:`PARTNERS`, :data:`FUNDING`) where an
        entry is a known term, otherwise the text as given (an organisation, a fund).
    result_text, result_indicators
        Observed result in words and the indicator ids it refers to.
    author, created_at, updated_at
        Who recorded it and when.
    relation, relation_text
        Only from :func:`applied_for`: how the area relates to the profile's subject
        (``eigen``, ``omvattend``, ``deel``, ``overlappend``) and that in Dutch.
    """

    applied_id: int
    intervention_id: str
    intervention_name: str
    area_code: str
    area_name: str
    area_kind: str
    area_members: tuple[str, ...]
    gemeente_code: str | None
    year_from: int
    year_to: int | None
    partners: tuple[str, ...]
    funding: tuple[str, ...]
    result_text: str
    result_indicators: tuple[str, ...]
    author: str
    created_at: str
    updated_at: str
    relation: str | None = None
    relation_text: str | None = None

    def period_text(self) -> str:
        """Dutch period, e.g. ``"2016-2020"`` or ``"sinds 2019"``."""
        if self.year_to is None:
            return f"sinds {self.year_from}"
        if self.year_to == self.year_from:
            return str(self.year_from)
        return f"{self.year_from}-{self.year_to}"


@dataclass(frozen=True)
class CatalogueSync:
    """What :func:`ensure_catalogue` did, by intervention id."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.added or self.updated or self.skipped or self.removed)


__all__ = [
    "Addressed", "AppliedApproach", "CatalogueSync", "Cost", "EvidenceRating", "Horizon",
    "Intervention", "Reference",
]
