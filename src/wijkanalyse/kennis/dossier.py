"""Het kennisdossier: interventions (interventies, aanpakken) and where they were applied.

An *intervention* is a known approach to vulnerable neighbourhoods (herstructurering,
buurtbemiddeling, Housing First, ...) described as a structured record
(:class:`Intervention`): what it is, which problems it addresses (as indicator domains and
directions or signal rules, so it can be matched to a profile), its working elements, how
strong the evidence is, who works together, who pays, cost, time horizon, pitfalls and
sources. The package ships a starter catalogue, one file per intervention, in
``wijkanalyse/data/interventies/<id>.yaml`` (the id is the file name); ``docs/kennisdossier.md``
explains the format (Dutch keys, :data:`FILE_KEYS`) and how to review a file.

An *applied approach* (:class:`AppliedApproach`) records that an intervention was (or is)
applied in an area from one year to another, by which partners, with which funding and with
which observed result, so a profile can show "what is being done here" and the monitor what
was done where neighbourhoods improved.

Storage (DDL in :data:`SCHEMA`, all four tables in :data:`TABLES` are user tables that
``data build`` carries over):

``interventions``             the current version of every intervention: searchable columns
                              plus the full record as JSON (``record``);
``intervention_history``      every version ever stored, with who, when, what (``action``) and
                              where it came from (``origin``);
``applied_approaches``        the applied approaches (soft delete: ``removed_at``);
``applied_approach_history``  every version of them.

Shipped and user versions
-------------------------
:func:`ensure_catalogue` (re)loads the shipped files. A shipped intervention that no user
changed (``origin = 'pakket'``) follows the package: a changed file becomes a new version
(``update`` by :data:`SHIPPED_AUTHOR`). Once a user stored a version (:func:`add_or_update`,
``origin = 'gebruiker'``) or removed it, the user's version stays current: a changed shipped
file is then recorded in the history as ``shipped_skipped`` with the shipped content as its
snapshot, so it is never lost and never silently applied; :func:`restore_shipped` makes the
shipped version current again. A shipped file that disappears from the package is removed
(soft) unless a user version is current. ``interventions.shipped_sha256`` is the hash of the
last shipped content seen for that id, so reloading is idempotent.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from wijkanalyse import safeyaml, store
from wijkanalyse.atomicio import ensure_out_dir, write_atomic, write_json, write_text
from wijkanalyse.catalogue import DOMAINS, load_catalogue
from wijkanalyse.codes import (
    area_relation,
    gemeente_code_of,
    relation_sentence,
)
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.exportsafe import csv_value
from wijkanalyse.fmt import MONTHS_NL
from wijkanalyse.gebieden.subjects import SubjectError, resolve_subject
from wijkanalyse.model import Subject
from wijkanalyse.signalen.rules import DERIVED_SUFFIX, load_rules
from wijkanalyse.store import transaction

# --------------------------------------------------------------------------- vocabularies

#: Themes: id -> Dutch label. The first ten are the themes every catalogue must cover
#: (:data:`REQUIRED_THEMES`). A file may use the id or the label.
THEMES: dict[str, str] = {
    "openbare-ruimte": "openbare ruimte",
    "menging": "menging",
    "verdichting": "verdichting",
    "fysiek": "fysiek / woningvoorraad",
    "sociaal": "sociaal",
    "economie-werk": "economie en werk",
    "veiligheid": "veiligheid",
    "onderwijs": "onderwijs",
    "gezondheid": "gezondheid",
    "energie-klimaat": "energie en klimaat",
    "armoede-schulden": "armoede en schulden",
    "jeugd-gezin": "jeugd en gezin",
    "participatie": "bewonersparticipatie",
    "programma": "programma en samenwerking",
}
#: Themes the issue requires the catalogue to cover.
REQUIRED_THEMES: tuple[str, ...] = tuple(list(THEMES)[:10])

#: Partners: id -> Dutch label.
PARTNERS: dict[str, str] = {
    "gemeente": "gemeente",
    "woningcorporatie": "woningcorporatie",
    "bewoners": "bewoners",
    "wijkteam": "wijkteam",
    "welzijn": "welzijn",
    "onderwijs": "onderwijs en kinderopvang",
    "zorg": "zorg",
    "ggd": "GGD",
    "zorgverzekeraar": "zorgverzekeraar",
    "politie": "politie",
    "justitie": "justitie en OM",
    "ondernemers": "ondernemers",
    "werkgevers": "werkgevers",
    "uwv": "UWV",
    "energiebedrijf": "energiebedrijf en netbeheerder",
    "drinkwaterbedrijf": "drinkwaterbedrijf",
    "beleggers": "beleggers en ontwikkelaars",
    "eigenaren": "particuliere eigenaren en VvE's",
    "sport": "sportverenigingen",
    "cultuur": "cultuur en kunst",
    "rijk": "Rijk",
    "provincie": "provincie",
    "kennisinstelling": "kennisinstellingen",
}

#: Funding streams: id -> Dutch label. An intervention lists one or more (combinations).
FUNDING: dict[str, str] = {
    "gemeente": "gemeente",
    "corporatie": "woningcorporatie",
    "rijk": "Rijk",
    "provincie": "provincie",
    "eu": "EU",
    "private": "private partijen",
    "fondsen": "fondsen en goede doelen",
    "zorgverzekeraar": "zorgverzekeraar",
    "bewoners": "bewoners (eigen bijdrage)",
}

#: The evidence ladder (lowest first) with what each level means.
EVIDENCE_LEVELS: dict[str, str] = {
    "onbekend": "niet bekend of onderzocht; of wij weten het niet",
    "goed beschreven": "doel, doelgroep en werkwijze zijn beschreven (handboek, databank)",
    "goed onderbouwd": "beschreven én met een onderbouwing waarom het werkt (theorie, onderzoek "
                       "naar werkzame bestanddelen of naar vergelijkbare aanpakken)",
    "effectief": "effectonderzoek met een vergelijkingsgroep laat het beoogde effect zien",
}
#: What an evaluation found about the intended effect (``bewijs.effect``) -> meaning.
EFFECTS: dict[str, str] = {
    "positief": "het onderzoek vond het beoogde effect",
    "gemengd": "het onderzoek vond op sommige doelen of voor sommige groepen een effect, op "
               "andere niet",
    "geen": "het onderzoek vond geen aantoonbaar effect op de beoogde doelen",
    "negatief": "het onderzoek vond een ongewenst effect",
    "onbekend": "geen effectonderzoek bekend, of wij weten het niet",
}
#: Effects that need the evaluation under ``bronnen`` (everything but ``onbekend``).
EFFECTS_NEEDING_SOURCE: tuple[str, ...] = ("positief", "gemengd", "geen", "negatief")

#: Kinds of intervention (``soort``) -> meaning. Matching recommends only the kinds in
#: :data:`RECOMMENDABLE_KINDS`; the others are shown apart, "ter inspiratie".
KINDS: dict[str, str] = {
    "lokale aanpak": "een aanpak die een gemeente met haar partners in een wijk kan starten",
    "werkwijze": "een beschreven werkwijze van professionals of vrijwilligers die een gemeente "
                 "of haar partners kunnen inzetten",
    "beleidskader": "een wettelijk of beleidsinstrument dat een gemeente kan toepassen (vaak met "
                    "een raadsbesluit of toestemming van het Rijk)",
    "landelijk programma": "een programma van het Rijk met aangewezen gebieden en eigen geld; "
                           "een gemeente kan er niet zelf aan beginnen",
    "buitenlands voorbeeld": "een aanpak of programma uit een ander land; een les, geen kant-"
                             "en-klare aanpak",
}
#: Kinds a city or its partners can start: these can be recommended.
RECOMMENDABLE_KINDS: tuple[str, ...] = ("lokale aanpak", "werkwijze", "beleidskader")
#: Kinds shown "ter inspiratie", apart from the recommendations.
INSPIRATION_KINDS: tuple[str, ...] = ("landelijk programma", "buitenlands voorbeeld")

#: Cost indication: level -> meaning.
COST_LEVELS: dict[str, str] = {
    "laag": "tot ongeveer 50.000 euro per wijk per jaar",
    "midden": "ongeveer 50.000 euro tot 1 miljoen euro per wijk per jaar",
    "hoog": "meer dan 1 miljoen euro per wijk (meestal fysieke ingrepen)",
}
#: Time horizon: term -> meaning.
HORIZONS: dict[str, str] = {
    "kort": "resultaat binnen ongeveer twee jaar",
    "middellang": "resultaat na twee tot vijf jaar",
    "lang": "resultaat pas na vijf jaar of later",
}
#: Directions an addressed indicator is meant to move: Dutch word -> stored value.
DIRECTION_WORDS: dict[str, str] = {"lager": "lower", "hoger": "higher",
                                   "lower": "lower", "higher": "higher"}
#: Stored direction -> Dutch word.
DIRECTION_LABELS: dict[str, str] = {"lower": "lager", "higher": "hoger"}

#: Keys of an intervention file (Dutch) -> field of :class:`Intervention`.
FILE_KEYS: dict[str, str] = {
    "id": "id",
    "naam": "name",
    "samenvatting": "summary",
    "soort": "kind",
    "beschrijving": "description",
    "themas": "themes",
    "pakt_aan": "addresses",
    "werkzame_bestanddelen": "working_elements",
    "bewijs": "evidence",
    "partners": "partners",
    "financiering": "funding",
    "kosten": "cost",
    "tijdshorizon": "horizon",
    "valkuilen": "pitfalls",
    "context": "context",
    "bronnen": "sources",
    "verwant": "related",
    "bijgewerkt": "updated",
}
#: Other spellings accepted for file keys.
KEY_ALIASES: dict[str, str] = {"thema's": "themas", "thema": "themas", "pakt aan": "pakt_aan",
                               "werkzame bestanddelen": "werkzame_bestanddelen"}
#: Keys every file must have.
REQUIRED_KEYS: tuple[str, ...] = (
    "naam", "samenvatting", "soort", "beschrijving", "themas", "pakt_aan",
    "werkzame_bestanddelen",
    "bewijs", "partners", "financiering", "kosten", "tijdshorizon", "valkuilen",
)
_ADDRESS_KEYS = ("domein", "indicator", "richting", "signaal")
_EVIDENCE_KEYS = ("niveau", "effect", "toelichting")
_COST_KEYS = ("niveau", "toelichting")
_HORIZON_KEYS = ("termijn", "jaren")
_SOURCE_KEYS = ("titel", "auteurs", "uitgever", "jaar", "url")

#: Who the shipped catalogue's versions are stored by.
SHIPPED_AUTHOR = "wijkanalyse (meegeleverde catalogus)"
#: History actions -> Dutch label.
ACTIONS: dict[str, str] = {
    "add": "toegevoegd",
    "update": "gewijzigd",
    "remove": "verwijderd",
    "restore": "meegeleverde versie hersteld",
    "shipped_skipped": "nieuwe meegeleverde versie niet overgenomen",
}
#: Origins of a version -> Dutch label.
ORIGINS: dict[str, str] = {"pakket": "meegeleverd", "gebruiker": "gebruiker"}

#: The user tables of this module (to be listed in ``store.USER_TABLES``).
TABLES = ("interventions", "intervention_history", "applied_approaches",
          "applied_approach_history")

#: DDL of :data:`TABLES` (part of ``store.SCHEMA``).
SCHEMA = store.KENNIS_SCHEMA

#: Columns of :func:`list_interventions`.
LIST_COLUMNS = [
    "intervention_id", "name", "summary", "kind", "themes", "evidence_level",
    "evidence_effect", "partners", "funding",
    "cost_level", "horizon", "domains", "indicators", "signals", "version", "origin",
    "updated_at", "updated_by",
]
#: Columns of :func:`intervention_history`.
HISTORY_COLUMNS = [
    "intervention_id", "version", "changed_at", "changed_by", "action", "action_label",
    "origin", "note", "changed_fields", "current", "snapshot",
]
#: Columns of :func:`applied_anywhere`.
APPLIED_COLUMNS = [
    "applied_id", "intervention_id", "area_code", "area_name", "area_kind", "gemeente_code",
    "year_from", "year_to", "partners", "funding", "result_text", "result_indicators",
    "author", "created_at",
]
#: Dutch labels of the record fields (history and messages).
FIELD_LABELS: dict[str, str] = {v: k.replace("_", " ") for k, v in FILE_KEYS.items()}

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PACKAGE_DIR = ("data", "interventies")
_MAX_NAME = 120
_MAX_SUMMARY = 400
_MAX_ITEM = 300
#: Longest context note of an intervention (characters).
MAX_CONTEXT = 700
#: Longest description of an intervention (characters).
MAX_DESCRIPTION = 30_000
#: Largest intervention file read (bytes).
MAX_FILE_BYTES = 200_000
_MIN_YEAR = 1900
_URL = re.compile(r"^https?://\S+$")
_FILE_SUFFIXES = (".yaml", ".yml", ".md", ".markdown")


# --------------------------------------------------------------------------- errors


class KennisError(WijkanalyseError):
    """An intervention or applied approach cannot be stored, found or changed (Dutch).

    Attributes
    ----------
    field
        The field the error is about, or ``None``.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Problem:
    """One problem in an intervention file: file, line, field (Dutch key path) and message."""

    path: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", regel {self.line}"
        if self.field:
            where += f", veld {self.field!r}"
        return f"{where}: {self.message}"


class InterventionFileError(DataFileError, KennisError):
    """An intervention file is invalid; lists every problem with file, line and field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        # set the attributes directly: DataFileError.__init__ would pass its formatted text
        # on to KennisError.__init__ (next in the MRO)
        self.problems = tuple(problems)
        first = self.problems[0]
        self.path = first.path
        self.message = first.message
        self.line = first.line
        self.column = None
        self.hint = None
        self.field = first.field
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


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


# --------------------------------------------------------------------------- vocab helpers


def _norm(text: object) -> str:
    return " ".join(str(text).replace("_", " ").split()).lower()


def _lookup(vocab: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for key, label in vocab.items():
        out[_norm(key)] = key
        out[_norm(key.replace("-", " "))] = key
        out[_norm(label)] = key
    return out


_THEME_LOOKUP = _lookup(THEMES)
_PARTNER_LOOKUP = _lookup(PARTNERS)
_FUNDING_LOOKUP = _lookup(FUNDING)


def _suggest(text: str, options: Iterable[str]) -> str:
    """``" Bedoelt u 'x'?"`` with up to two close options, or ``""``."""
    by_norm: dict[str, str] = {}
    for option in options:
        by_norm.setdefault(_norm(option), option)
    close = difflib.get_close_matches(_norm(text), list(by_norm), n=2, cutoff=0.6)
    shown = list(dict.fromkeys(by_norm[c] for c in close))
    return f" Bedoelt u {' of '.join(repr(c) for c in shown)}?" if shown else ""


def normalise_theme(text: str) -> str:
    """The theme id for an id or label (any case).

    Raises
    ------
    KennisError
        Unknown theme, with the allowed ones and a suggestion.
    """
    return _vocab_id(text, THEMES, _THEME_LOOKUP, "onbekend thema", "themes")


def normalise_partner(text: str) -> str:
    """The partner id for an id or label (any case).

    Raises
    ------
    KennisError
        Unknown partner, with the allowed ones and a suggestion.
    """
    return _vocab_id(text, PARTNERS, _PARTNER_LOOKUP, "onbekende partner", "partners")


def normalise_funding(text: str) -> str:
    """The funding id for an id or label (any case).

    Raises
    ------
    KennisError
        Unknown funding stream, with the allowed ones and a suggestion.
    """
    return _vocab_id(text, FUNDING, _FUNDING_LOOKUP, "onbekende financieringsbron",
                     "funding")


def normalise_kind(text: str) -> str:
    """The kind (``soort``) for a kind written in any case, with ``-`` or ``_`` for spaces
    (:data:`KINDS`).

    Raises
    ------
    KennisError
        Unknown kind, with the allowed ones and a suggestion.
    """
    key = _norm(str(text).replace("-", " "))
    if key in KINDS:
        return key
    raise KennisError(
        f"onbekende soort {str(text)!r}; kies uit {', '.join(KINDS)}."
        f"{_suggest(str(text), KINDS)}", field="kind")


def normalise_effect(text: str) -> str:
    """The effect (``bewijs.effect``) for an effect written in any case (:data:`EFFECTS`).

    Raises
    ------
    KennisError
        Unknown effect, with the allowed ones and a suggestion.
    """
    key = _norm(text)
    if key in EFFECTS:
        return key
    raise KennisError(
        f"onbekend effect {str(text)!r}; kies uit {', '.join(EFFECTS)}."
        f"{_suggest(str(text), EFFECTS)}", field="effect")


def normalise_evidence(text: str) -> str:
    """The evidence level for a level written in any case (:data:`EVIDENCE_LEVELS`).

    Raises
    ------
    KennisError
        Unknown level.
    """
    key = _norm(text)
    if key in EVIDENCE_LEVELS:
        return key
    raise KennisError(
        f"onbekend bewijsniveau {str(text)!r}; kies uit {', '.join(EVIDENCE_LEVELS)}."
        f"{_suggest(str(text), EVIDENCE_LEVELS)}", field="evidence")


def evidence_at_least(level: str) -> tuple[str, ...]:
    """The evidence levels at or above ``level`` (the ``--bewijs`` filter)."""
    levels = list(EVIDENCE_LEVELS)
    return tuple(levels[levels.index(normalise_evidence(level)):])


def _vocab_id(text: object, vocab: Mapping[str, str], lookup: Mapping[str, str],
              noun: str, field_name: str) -> str:
    key = lookup.get(_norm(text))
    if key is not None:
        return key
    raise KennisError(
        f"{noun} {str(text)!r}; kies uit {', '.join(vocab)}."
        f"{_suggest(str(text), list(vocab) + list(vocab.values()))}", field=field_name)


def slugify(text: str) -> str:
    """An intervention id from a name or file name: ASCII letters and digits joined by ``-``."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@lru_cache(maxsize=1)
def _indicator_domains() -> dict[str, str]:
    """Indicator id -> domain: the catalogue plus the derived ids the signal rules read."""
    out = {ind.id: ind.domain for ind in load_catalogue()}
    for rule in load_rules():
        if rule.indicator and rule.indicator.endswith(DERIVED_SUFFIX):
            out.setdefault(rule.indicator, rule.domain)
    return out


@lru_cache(maxsize=1)
def _indicator_better() -> dict[str, str | None]:
    return {ind.id: ind.better for ind in load_catalogue()}


@lru_cache(maxsize=1)
def _rule_domains() -> dict[str, str]:
    return {rule.id: rule.domain for rule in load_rules()}


# --------------------------------------------------------------------------- YAML reading


class _Loader(yaml.SafeLoader):
    """The safe YAML loader (own class, so nothing is registered on ``yaml.SafeLoader``)."""


#: Composes YAML into nodes with line marks (the C parser where available: faster).
_COMPOSER = getattr(yaml, "CSafeLoader", _Loader)


@dataclass
class _Doc:
    """A parsed intervention file: top-level values, the line of every key path."""

    path: Path
    data: dict[str, Any]
    lines: dict[str, int]
    first_line: int
    markdown: bool
    body: str | None = None
    body_line: int | None = None


class _Collector:
    """Collects :class:`Problem`\\ s of one file."""

    def __init__(self, doc_path: Path, lines: Mapping[str, int], first_line: int) -> None:
        self.path = doc_path
        self.lines = lines
        self.first_line = first_line
        self.problems: list[Problem] = []

    def line_of(self, key_path: str) -> int:
        probe = key_path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe)
            if probe == key_path:
                break
        return self.first_line

    def add(self, key_path: str | None, message: str, *, line: int | None = None) -> None:
        where = line if line is not None else self.line_of(key_path or "")
        self.problems.append(Problem(self.path, where, key_path, message))


def _compose(text: str, path: Path, *, first_line: int,
             problems: list[Problem]) -> tuple[Any, dict[str, int]]:
    """Parse YAML keeping the line of every key path (``pakt_aan[2].indicator``)."""
    try:
        root = safeyaml.compose(text, loader=_COMPOSER)
    except safeyaml.YamlLimitError as exc:
        line = exc.line + first_line - 1 if exc.line is not None else first_line
        problems.append(Problem(path, line, None, exc.problem))
        return None, {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problems.append(Problem(path, line, None,
                                f"geen geldige YAML: {getattr(exc, 'problem', None) or exc}"))
        return None, {}
    lines: dict[str, int] = {}
    if root is None:
        return None, lines
    loader = _Loader("")
    try:
        return _to_python(root, "", lines, first_line, loader, path, problems), lines
    finally:
        loader.dispose()


def _to_python(node: yaml.Node, key_path: str, lines: dict[str, int], first_line: int,
               loader: _Loader, path: Path, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True)).strip()
            sub = f"{key_path}.{key}" if key_path else key
            line = key_node.start_mark.line + first_line
            if key in out:
                problems.append(Problem(path, line, sub,
                                        f"sleutel {key!r} staat twee keer in het bestand (ook op "
                                        f"regel {lines[sub]})."))
                continue
            out[key] = _to_python(value_node, sub, lines, first_line, loader, path, problems)
            lines[sub] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value, start=1):
            sub = f"{key_path}[{i}]"
            lines[sub] = item.start_mark.line + first_line
            items.append(_to_python(item, sub, lines, first_line, loader, path, problems))
        return items
    return loader.construct_object(node, deep=True)


def _read_doc(path: Path, problems: list[Problem]) -> _Doc | None:
    """Read a YAML file, or a Markdown file with YAML front matter (body = description)."""
    if not path.exists():
        problems.append(Problem(path, None, None, "bestand bestaat niet."))
        return None
    if path.suffix.lower() not in _FILE_SUFFIXES:
        problems.append(Problem(path, None, None,
                                "onbekend bestandstype; gebruik .yaml, .yml of .md (Markdown met "
                                "een kop tussen '---'-regels)."))
        return None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(
                path, None, None,
                f"het bestand is {size:,} bytes; een interventie is hoogstens "
                f"{MAX_FILE_BYTES:,} bytes. Kort de beschrijving in.".replace(",", ".")))
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(path, None, None, "bestand bestaat niet."))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, None, None,
                                f"kan het bestand niet lezen als UTF-8-tekst ({exc})."))
        return None
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    markdown = path.suffix.lower() in (".md", ".markdown")
    if not markdown:
        data, lines = _compose(text, path, first_line=1, problems=problems)
        if problems:
            return None
        return _top_mapping(path, data, lines, first_line=1, markdown=False, problems=problems)
    all_lines = text.split("\n")
    if not all_lines or all_lines[0].strip() != "---":
        problems.append(Problem(path, 1, None,
                                "een Markdown-bestand begint met een kop tussen '---'-regels "
                                "(naam, samenvatting, themas, ...); de tekst daarna is de "
                                "beschrijving."))
        return None
    end = next((i for i, line in enumerate(all_lines[1:], start=1)
                if line.strip() in ("---", "...")), None)
    if end is None:
        problems.append(Problem(path, 1, None, "de kop begint met '---' maar wordt niet "
                                "afgesloten met een regel '---'."))
        return None
    data, lines = _compose("\n".join(all_lines[1:end]), path, first_line=2, problems=problems)
    if problems:
        return None
    doc = _top_mapping(path, data, lines, first_line=1, markdown=True, problems=problems)
    if doc is not None:
        doc.body = "\n".join(all_lines[end + 1:])
        doc.body_line = end + 2
    return doc


def _top_mapping(path: Path, data: Any, lines: dict[str, int], *, first_line: int,
                 markdown: bool, problems: list[Problem]) -> _Doc | None:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(path, first_line, None,
                                "verwacht regels 'sleutel: waarde' (naam, samenvatting, ...)."))
        return None
    out: dict[str, Any] = {}
    where: dict[str, int] = {}
    for key, value in data.items():
        canon = KEY_ALIASES.get(key.lower(), key.lower())
        if canon in out:
            problems.append(Problem(path, lines.get(key, first_line), canon,
                                    f"{key!r} en {canon!r} zijn hetzelfde veld; geef het één "
                                    "keer."))
            continue
        if canon != key:
            for k, v in list(lines.items()):
                if k == key or k.startswith(key + ".") or k.startswith(key + "["):
                    where[canon + k[len(key):]] = v
        out[canon] = value
    for k, v in lines.items():
        where.setdefault(k, v)
    return _Doc(path=path, data=out, lines=where, first_line=first_line, markdown=markdown)


# --------------------------------------------------------------------------- validation


def _text(c: _Collector, value: Any, key: str, *, required: bool = True, one_line: bool = False,
          max_len: int | None = None) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(key, f"{key} is verplicht en mag niet leeg zijn.")
        return ""
    if isinstance(value, (dict, list)):
        kind = "lijst" if isinstance(value, list) else "mapping"
        c.add(key, f"{key} moet tekst zijn, geen {kind}.")
        return ""
    text = _clean_text(str(value))
    if one_line:
        text = " ".join(text.split())
    if max_len is not None and len(text) > max_len:
        c.add(key, f"{key} is {len(text)} tekens lang; het maximum is {max_len}.")
    return text


def _clean_text(text: str) -> str:
    """Trailing spaces removed per line, no leading/trailing empty lines (stable round trip)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n").strip()


def _list(c: _Collector, value: Any, key: str, *, required: bool = True,
          split_commas: bool = False) -> list[tuple[str, Any]]:
    """(key path, item) pairs of a list field; a single text is one item (or split on
    commas)."""
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(key, f"{key} is verplicht: geef minstens één waarde.")
        return []
    if isinstance(value, str):
        parts = value.split(",") if split_commas else [value]
        return [(key, p.strip()) for p in parts if p.strip()]
    if not isinstance(value, list):
        c.add(key, f"{key} moet een lijst zijn, niet {value!r}.")
        return []
    return [(f"{key}[{i}]", item) for i, item in enumerate(value, start=1)]


def _text_items(c: _Collector, value: Any, key: str) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, key):
        if isinstance(item, (dict, list)) or item is None:
            c.add(sub, f"verwacht een korte tekst, niet {item!r}.")
            continue
        text = " ".join(str(item).split())
        if not text:
            c.add(sub, "lege tekst.")
        elif len(text) > _MAX_ITEM:
            c.add(sub, f"te lang ({len(text)} tekens; maximaal {_MAX_ITEM}); schrijf het korter "
                  "of zet het in de beschrijving.")
        elif text not in out:
            out.append(text)
    return tuple(out)


def _vocab_items(c: _Collector, value: Any, key: str, norm: Any) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, key, split_commas=True):
        if isinstance(item, (dict, list)) or item is None:
            c.add(sub, f"verwacht een term, niet {item!r}.")
            continue
        try:
            term = norm(str(item))
        except KennisError as exc:
            c.add(sub, exc.message)
            continue
        if term not in out:
            out.append(term)
    return tuple(out)


def _mapping(c: _Collector, value: Any, key: str, allowed: Sequence[str],
             *, scalar_key: str | None = None) -> dict[str, Any] | None:
    if value is None:
        c.add(key, f"{key} is verplicht.")
        return None
    if scalar_key is not None and not isinstance(value, (dict, list)):
        return {scalar_key: value}
    if not isinstance(value, dict):
        c.add(key, f"{key} moet sleutels hebben ({', '.join(allowed)}).")
        return None
    for k in value:
        if k not in allowed:
            c.add(f"{key}.{k}", f"onbekende sleutel {k!r} in {key}; toegestaan zijn "
                  f"{', '.join(allowed)}.{_suggest(k, allowed)}")
    return value


def _addresses(c: _Collector, value: Any) -> tuple[Addressed, ...]:
    domains = _indicator_domains()
    better = _indicator_better()
    rules = _rule_domains()
    out: list[Addressed] = []
    for sub, item in _list(c, value, "pakt_aan"):
        if not isinstance(item, dict):
            c.add(sub, "elk item van pakt_aan heeft 'indicator' met 'richting', 'signaal' of "
                  "'domein', bijvoorbeeld {indicator: p_hh_li, richting: lager}.")
            continue
        bad = [k for k in item if k not in _ADDRESS_KEYS]
        for k in bad:
            c.add(f"{sub}.{k}", f"onbekende sleutel {k!r}; toegestaan zijn "
                  f"{', '.join(_ADDRESS_KEYS)}.{_suggest(k, _ADDRESS_KEYS)}")
        if bad:
            continue
        domain = item.get("domein")
        indicator = item.get("indicator")
        direction_raw = item.get("richting")
        signal = item.get("signaal")
        if domain is not None and str(domain) not in DOMAINS:
            c.add(f"{sub}.domein", f"onbekend domein {domain!r}; kies uit "
                  f"{', '.join(DOMAINS)}.{_suggest(str(domain), DOMAINS)}")
            continue
        direction = None
        if direction_raw is not None:
            direction = DIRECTION_WORDS.get(_norm(direction_raw))
            if direction is None:
                c.add(f"{sub}.richting", f"onbekende richting {direction_raw!r}; kies 'lager' "
                      "of 'hoger' (waar de interventie de indicator naartoe wil bewegen).")
                continue
        if signal is not None:
            if indicator is not None or direction is not None:
                c.add(sub, "een item met 'signaal' heeft geen 'indicator' of 'richting': de "
                      "signaalregel bepaalt die; maak er twee items van.")
                continue
            sid = str(signal).strip()
            if sid not in rules:
                c.add(f"{sub}.signaal", f"onbekende signaalregel {sid!r} (zie "
                      f"data/signalen.yaml).{_suggest(sid, rules)}")
                continue
            if domain is not None and domain != rules[sid]:
                c.add(f"{sub}.domein", f"signaalregel {sid!r} hoort bij domein "
                      f"{rules[sid]!r}, niet bij {domain!r}; laat 'domein' weg.")
                continue
            out.append(Addressed(domain=rules[sid], signal=sid))
            continue
        if indicator is not None:
            iid = str(indicator).strip()
            if iid not in domains:
                c.add(f"{sub}.indicator", f"onbekende indicator {iid!r}: niet in de "
                      f"indicatorencatalogus (data/indicators.yaml).{_suggest(iid, domains)}")
                continue
            if domain is not None and domain != domains[iid]:
                c.add(f"{sub}.domein", f"indicator {iid!r} hoort bij domein {domains[iid]!r}, "
                      f"niet bij {domain!r}; laat 'domein' weg.")
                continue
            if direction is None:
                c.add(f"{sub}.richting", f"bij indicator {iid!r} hoort een richting: 'lager' "
                      "of 'hoger'.", line=c.line_of(sub))
                continue
            good = better.get(iid)
            if good is not None and good != direction:
                c.add(f"{sub}.richting", f"richting {DIRECTION_LABELS[direction]!r} gaat in "
                      f"tegen de gunstige richting van {iid!r} ({DIRECTION_LABELS[good]} is "
                      "beter).")
                continue
            out.append(Addressed(domain=domains[iid], indicator=iid, direction=direction))
            continue
        if domain is None:
            c.add(sub, "geef 'indicator' (met 'richting'), 'signaal' of 'domein'.")
            continue
        out.append(Addressed(domain=str(domain), direction=direction))
    if not out and not any(p.field and p.field.startswith("pakt_aan") for p in c.problems):
        c.add("pakt_aan", "pakt_aan is verplicht: noem minstens één indicator, signaal of "
              "domein.")
    return tuple(dict.fromkeys(out))


def _evidence(c: _Collector, value: Any) -> EvidenceRating:
    data = _mapping(c, value, "bewijs", _EVIDENCE_KEYS, scalar_key="niveau")
    if data is None:
        return EvidenceRating("onbekend")
    raw = data.get("niveau")
    if raw is None or not str(raw).strip():
        c.add("bewijs.niveau" if "niveau" in data else "bewijs",
              f"bewijs.niveau is verplicht; kies uit {', '.join(EVIDENCE_LEVELS)}.")
        return EvidenceRating("onbekend")
    try:
        level = normalise_evidence(str(raw))
    except KennisError as exc:
        c.add("bewijs.niveau", exc.message)
        return EvidenceRating("onbekend")
    source = _text(c, data.get("toelichting"), "bewijs.toelichting", required=False)
    if level != "onbekend" and not source:
        c.add("bewijs", f"bij bewijsniveau {level!r} hoort een toelichting: waarop rust het "
              "(onderzoek, databank, evaluatie)?")
    effect = "onbekend"
    raw_effect = data.get("effect")
    if raw_effect is not None and str(raw_effect).strip():
        try:
            effect = normalise_effect(str(raw_effect))
        except KennisError as exc:
            c.add("bewijs.effect", exc.message)
    elif "effect" in data:
        c.add("bewijs.effect", f"bewijs.effect is leeg; kies uit {', '.join(EFFECTS)} (of laat "
              "het weg: dan is het 'onbekend').")
    if effect != "onbekend" and not source:
        c.add("bewijs.effect", f"bij effect {effect!r} hoort een toelichting die zegt wat het "
              "onderzoek vond.")
    if level == "effectief" and raw_effect is None and "effect" not in data:
        effect = "positief"  # the ladder's definition: an effect study found the effect
    elif level == "effectief" and effect not in ("positief", "gemengd"):
        c.add("bewijs.effect", f"bewijsniveau 'effectief' betekent dat effectonderzoek met een "
              f"vergelijkingsgroep het beoogde effect liet zien; dat past niet bij effect "
              f"{effect!r}. Kies een lager niveau of effect 'positief' of 'gemengd'.")
    return EvidenceRating(level=level, source=source, effect=effect)


def _kind(c: _Collector, value: Any) -> str:
    if value is None or not str(value).strip() or isinstance(value, (dict, list)):
        c.add("soort", f"soort is verplicht: kies uit {', '.join(KINDS)}.")
        return "lokale aanpak"
    try:
        return normalise_kind(str(value))
    except KennisError as exc:
        c.add("soort", exc.message)
        return "lokale aanpak"


def _check_effect_source(c: _Collector, evidence: EvidenceRating,
                         sources: Sequence[Reference]) -> None:
    if evidence.effect in EFFECTS_NEEDING_SOURCE and not sources:
        c.add("bewijs.effect", f"effect {evidence.effect!r} zegt wat een evaluatie vond; zet "
              "die evaluatie onder 'bronnen' (titel, auteurs of uitgever, jaar), of kies "
              "'onbekend'.")


def _cost(c: _Collector, value: Any) -> Cost:
    data = _mapping(c, value, "kosten", _COST_KEYS, scalar_key="niveau")
    if data is None:
        return Cost("midden")
    level = _norm(data.get("niveau") or "")
    if level not in COST_LEVELS:
        c.add("kosten.niveau" if "niveau" in data else "kosten",
              f"kosten.niveau moet {', '.join(COST_LEVELS)} zijn, niet "
              f"{data.get('niveau')!r}.")
        level = "midden"
    return Cost(level=level, note=_text(c, data.get("toelichting"), "kosten.toelichting",
                                        required=False))


def _horizon(c: _Collector, value: Any) -> Horizon:
    data = _mapping(c, value, "tijdshorizon", _HORIZON_KEYS, scalar_key="termijn")
    if data is None:
        return Horizon("middellang")
    term = _norm(data.get("termijn") or "")
    if term not in HORIZONS:
        c.add("tijdshorizon.termijn" if "termijn" in data else "tijdshorizon",
              f"tijdshorizon.termijn moet {', '.join(HORIZONS)} zijn, niet "
              f"{data.get('termijn')!r}.")
        term = "middellang"
    years = data.get("jaren")
    lo = hi = None
    if years is not None:
        parts: list[Any]
        if isinstance(years, list):
            parts = years
        elif isinstance(years, int) and not isinstance(years, bool):
            parts = [years]
        else:
            parts = [p.strip() for p in re.split(r"[-–]", str(years))]
        try:
            nums = [int(p) for p in parts]
        except (TypeError, ValueError):
            nums = []
        if not 1 <= len(nums) <= 2 or any(n < 0 or n > 100 for n in nums) or nums != sorted(nums):
            c.add("tijdshorizon.jaren", f"jaren moet een aantal of een bereik zijn, "
                  f"bijvoorbeeld 3 of '5-10', niet {years!r}.")
        else:
            lo, hi = nums[0], nums[-1]
    return Horizon(term=term, years_min=lo, years_max=hi)


def _sources(c: _Collector, value: Any) -> tuple[Reference, ...]:
    out = []
    this_year = date.today().year
    for sub, item in _list(c, value, "bronnen", required=False):
        if not isinstance(item, dict):
            c.add(sub, "een bron heeft 'titel' en waar bekend 'auteurs', 'uitgever', 'jaar' en "
                  "'url'.")
            continue
        bad = [k for k in item if k not in _SOURCE_KEYS]
        for k in bad:
            c.add(f"{sub}.{k}", f"onbekende sleutel {k!r} in een bron; toegestaan zijn "
                  f"{', '.join(_SOURCE_KEYS)}.{_suggest(k, _SOURCE_KEYS)}")
        title = _text(c, item.get("titel"), f"{sub}.titel", one_line=True)
        authors = _text(c, item.get("auteurs"), f"{sub}.auteurs", required=False, one_line=True)
        publisher = _text(c, item.get("uitgever"), f"{sub}.uitgever", required=False,
                          one_line=True)
        year = item.get("jaar")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not _MIN_YEAR <= year <= this_year):
            c.add(f"{sub}.jaar", f"jaar moet een jaartal tussen {_MIN_YEAR} en {this_year} zijn, "
                  f"niet {year!r}.")
            year = None
        url = _text(c, item.get("url"), f"{sub}.url", required=False, one_line=True)
        if url and not _URL.match(url):
            c.add(f"{sub}.url", f"url moet met http:// of https:// beginnen, niet {url!r}.")
        if not bad and title:
            out.append(Reference(title=title, authors=authors, publisher=publisher, year=year,
                                 url=url))
    return tuple(out)


# --------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class Citation:
    """An author–year citation in an evidence note, e.g. ``"Wittebrood en Permentier 2011"``.

    Attributes
    ----------
    text
        The citation as written (``"Ludwig et al. 2011"``, ``"SCP 2011"``).
    name
        The first author's surname or the organisation, without leading particles such as
        ``van`` or ``de`` (``"Ludwig"``, ``"Ham"`` for ``"Van Ham"``, ``"SCP"``).
    year
        The year cited.
    """

    text: str
    name: str
    year: int


#: Name particles skipped when comparing surnames (``van Ham`` is filed under ``Ham``).
NAME_PARTICLES: tuple[str, ...] = ("van", "de", "der", "den", "von", "te", "ter", "du", "la",
                                   "le")
#: Capitalised words before a year that name no author or organisation (``Sinds 2019``).
NOT_CITED_NAMES: tuple[str, ...] = (
    "sinds", "sedert", "vanaf", "per", "in", "tot", "na", "voor", "rond", "omstreeks", "circa",
    "medio", "eind", "einde", "begin", "tussen", "tijdens", "uit", "op", "en", "of", "het",
    "een", "dit", "dat", "deze", "die", "jaar", "voorjaar", "najaar", "zomer", "winter",
    *MONTHS_NL, "since", "from", "until", "by", "the",
)
_ONE_NAME = (rf"(?:(?i:{'|'.join(NAME_PARTICLES)})\s+)*"
             r"(?!(?i:" + "|".join(NOT_CITED_NAMES) + r")\b)[A-ZÀ-ÖØ-Þ][\w'’-]*")
_CITATION = re.compile(
    rf"(?<![\w'’-])(?P<first>{_ONE_NAME})"
    rf"(?:\s*,\s*{_ONE_NAME})*(?:\s+(?:en|&|and)\s+{_ONE_NAME})?"
    r"(?:\s+(?:e\.\s?a\.|et\s+al\.?))?"
    r"\s*(?:(?P<open>\(\s*)|,\s*)?(?P<year>(?:1[5-9]|20)\d\d)[a-z]?(?(open)\)?)(?![\w-])"
)
_WORD = re.compile(r"[\w'’-]+")


def _without_particles(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].casefold() in NAME_PARTICLES:
        words.pop(0)
    return " ".join(words)


def find_citations(text: str) -> list[Citation]:
    """The author–year citations in a text (an evidence note).

    A citation is a surname or an organisation followed by a year, optionally with more
    authors (``,``, ``en``, ``&``), ``e.a.`` or ``et al.``, and parentheses or a comma before
    the year: ``Wittebrood en Permentier 2011``, ``Chetty, Hendren & Katz (2016)``,
    ``Ludwig et al. 2011``, ``Goering e.a. 2014``, ``SCP 2011``, ``(ministerie van VWS, 2018)``.
    A capitalised word that only introduces a year (``Sinds 2019``, see
    :data:`NOT_CITED_NAMES`) is no citation.

    Parameters
    ----------
    text
        The text to read.

    Returns
    -------
    list of Citation
        In the order they appear.
    """
    return [Citation(text=" ".join(m.group(0).split()),
                     name=_without_particles(m.group("first")), year=int(m.group("year")))
            for m in _CITATION.finditer(text)]


def _initials(text: str) -> str:
    """``"Sociaal en Cultureel Planbureau"`` -> ``"scp"``."""
    return "".join(w[0] for w in _WORD.findall(text) if w[0].isupper()).casefold()


def _is_organisation_of(name: str, text: str) -> bool:
    key = name.casefold()
    return bool(text) and (key in {w.casefold() for w in _WORD.findall(text)}
                           or (len(key) > 1 and key == _initials(text)))


def cites(reference: Reference, citation: Citation) -> bool:
    """Whether ``citation`` names ``reference``: same year, and the cited name is the
    reference's first author, its organisation (author without initials, or publisher: a word
    of it or its initials, ``SCP`` for Sociaal en Cultureel Planbureau) or the start of its
    title (``Woningwet 2015``).

    Parameters
    ----------
    reference
        A source of an intervention.
    citation
        A citation from :func:`find_citations`.

    Returns
    -------
    bool
    """
    if reference.year != citation.year:
        return False
    key = citation.name.casefold()
    authors = reference.authors.strip()
    if "," in authors:  # "Wittebrood, K. & Permentier, M.": persons, the first one counts
        if _without_particles(authors.split(",")[0]).casefold() == key:
            return True
    elif _is_organisation_of(citation.name, authors):
        return True
    if _is_organisation_of(citation.name, reference.publisher):
        return True
    title = " ".join(_WORD.findall(reference.title)).casefold()
    return title == key or title.startswith(key + " ")


def uncited_sources(text: str, sources: Sequence[Reference]) -> list[Citation]:
    """The citations in ``text`` that no reference in ``sources`` matches (:func:`cites`).

    Parameters
    ----------
    text
        An evidence note (``bewijs.toelichting``).
    sources
        The intervention's ``bronnen``.

    Returns
    -------
    list of Citation
        Empty when every citation has its source.
    """
    return [cit for cit in find_citations(text)
            if not any(cites(ref, cit) for ref in sources)]


def _check_citations(c: _Collector, text: str, sources: Sequence[Reference],
                     key: str) -> None:
    noun = "de toelichting" if key == "bewijs.toelichting" else f"het veld {key!r}"
    for cit in uncited_sources(text, sources):
        c.add(key,
              f"{noun} verwijst naar {cit.text!r}, maar geen bron onder 'bronnen' heeft "
              f"{cit.name!r} als eerste auteur of organisatie en {cit.year} als jaar. Voeg de "
              "bron toe (met 'auteurs' of 'uitgever' en 'jaar') of pas de verwijzing aan.")


def _related(c: _Collector, value: Any, own_id: str,
             known_ids: set[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, "verwant", required=False, split_commas=True):
        rid = str(item).strip() if item is not None else ""
        if not _SLUG.match(rid):
            c.add(sub, f"ongeldige id {item!r}: een id bestaat uit kleine letters, cijfers en "
                  "'-'.")
            continue
        if rid == own_id:
            c.add(sub, "een interventie kan niet naar zichzelf verwijzen.")
            continue
        if known_ids is not None and rid not in known_ids:
            c.add(sub, f"verwijzing naar onbekende interventie {rid!r}.{_suggest(rid, known_ids)}")
            continue
        if rid not in out:
            out.append(rid)
    return tuple(out)


def _updated(c: _Collector, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            c.add("bijgewerkt", f"ongeldige datum {value!r}: schrijf JJJJ-MM-DD.")
            return None
    if parsed > date.today():
        c.add("bijgewerkt", f"de datum {parsed.isoformat()} ligt in de toekomst.")
        return None
    return parsed.isoformat()


def _file_id(doc: _Doc, c: _Collector) -> str:
    stem = doc.path.stem
    given = doc.data.get("id")
    if given is not None:
        gid = str(given).strip()
        if not _SLUG.match(gid):
            c.add("id", f"ongeldige id {given!r}: alleen kleine letters, cijfers en '-' "
                  "(bijvoorbeeld 'buurtbemiddeling').")
            return slugify(gid) or stem
        if not doc.markdown and gid != stem:
            c.add("id", f"id {gid!r} verschilt van de bestandsnaam {stem!r}: bij een "
                  "YAML-bestand is de id de bestandsnaam; hernoem het bestand of laat 'id' weg.")
        return gid
    if doc.markdown:
        slug = slugify(stem)
        if not slug:
            c.add("id", f"uit de bestandsnaam {doc.path.name!r} volgt geen id; geef 'id: ...' "
                  "in de kop.", line=doc.first_line)
        return slug
    if not _SLUG.match(stem):
        c.add("id", f"de bestandsnaam {doc.path.name!r} is geen geldige id: gebruik kleine "
              f"letters, cijfers en '-', bijvoorbeeld {slugify(stem) + '.yaml'!r}.",
              line=doc.first_line)
    return stem


def _build(doc: _Doc, known_ids: set[str] | None) -> tuple[Intervention | None, list[Problem]]:
    c = _Collector(doc.path, doc.lines, doc.first_line)
    data = doc.data
    for key in data:
        if key not in FILE_KEYS:
            c.add(key, f"onbekende sleutel {key!r}; toegestaan zijn {', '.join(FILE_KEYS)}."
                  f"{_suggest(key, FILE_KEYS)}")
    iid = _file_id(doc, c)
    if doc.markdown:
        if data.get("beschrijving") not in (None, "") and (doc.body or "").strip():
            c.add("beschrijving", "de beschrijving staat zowel in de kop als in de tekst; geef "
                  "haar op één plek (bij Markdown: de tekst na de kop).")
        elif (doc.body or "").strip():
            data = {**data, "beschrijving": doc.body}
            c.lines = {**c.lines, "beschrijving": doc.body_line or doc.first_line}
    for key in REQUIRED_KEYS:
        if key not in data:
            hint = (" (bij Markdown: de tekst na de kop)"
                    if key == "beschrijving" and doc.markdown else "")
            c.add(key, f"verplicht veld {key!r} ontbreekt{hint}.", line=doc.first_line)
    get = data.get
    iv_name = _text(c, get("naam"), "naam", one_line=True, max_len=_MAX_NAME) if "naam" in data \
        else ""
    summary = _text(c, get("samenvatting"), "samenvatting", one_line=True,
                    max_len=_MAX_SUMMARY) if "samenvatting" in data else ""
    description = _text(c, get("beschrijving"), "beschrijving",
                        max_len=MAX_DESCRIPTION) if "beschrijving" in data else ""
    themes = _vocab_items(c, get("themas"), "themas", normalise_theme) if "themas" in data \
        else ()
    addresses = _addresses(c, get("pakt_aan")) if "pakt_aan" in data else ()
    working = _text_items(c, get("werkzame_bestanddelen"), "werkzame_bestanddelen") \
        if "werkzame_bestanddelen" in data else ()
    evidence = _evidence(c, get("bewijs")) if "bewijs" in data else EvidenceRating("onbekend")
    partners = _vocab_items(c, get("partners"), "partners", normalise_partner) \
        if "partners" in data else ()
    funding = _vocab_items(c, get("financiering"), "financiering", normalise_funding) \
        if "financiering" in data else ()
    cost = _cost(c, get("kosten")) if "kosten" in data else Cost("midden")
    horizon = _horizon(c, get("tijdshorizon")) if "tijdshorizon" in data \
        else Horizon("middellang")
    pitfalls = _text_items(c, get("valkuilen"), "valkuilen") if "valkuilen" in data else ()
    kind = _kind(c, get("soort")) if "soort" in data else "lokale aanpak"
    context = _text(c, get("context"), "context", required=False, one_line=True,
                    max_len=MAX_CONTEXT)
    sources = _sources(c, get("bronnen"))
    if not any((p.field or "").startswith("bronnen") for p in c.problems):
        if evidence.source:
            _check_citations(c, evidence.source, sources, "bewijs.toelichting")
        if context:
            _check_citations(c, context, sources, "context")
        _check_effect_source(c, evidence, sources)
    related = _related(c, get("verwant"), iid, known_ids)
    updated = _updated(c, get("bijgewerkt"))
    if c.problems:
        return None, sorted(c.problems, key=lambda p: (p.line or 0, p.field or ""))
    return Intervention(
        id=iid, name=iv_name, summary=summary, description=description, themes=themes,
        addresses=addresses, working_elements=working, evidence=evidence, partners=partners,
        funding=funding, cost=cost, horizon=horizon, pitfalls=pitfalls, kind=kind,
        context=context, sources=sources, related=related, updated=updated,
    ), []


def _parse_file(path: Path, known_ids: set[str] | None) -> tuple[
        Intervention | None, list[Problem], _Doc | None]:
    problems: list[Problem] = []
    doc = _read_doc(Path(path), problems)
    if doc is None:
        return None, problems, None
    iv, found = _build(doc, known_ids)
    problems.extend(found)
    return (iv if not problems else None), problems, doc


def _candidate_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in _FILE_SUFFIXES
                  and not p.name.startswith("."))


def load_intervention_file(path: str | Path, *,
                           known_ids: Iterable[str] | None = None) -> Intervention:
    """Read and validate one intervention file (YAML, or Markdown with a YAML front matter).

    Parameters
    ----------
    path
        ``<id>.yaml`` (the id is the file name) or a ``.md`` file whose front matter holds the
        fields and whose text is the description (id from ``id:`` or the file name).
    known_ids
        Ids a ``verwant`` reference may name. Default: the shipped catalogue and the files
        next to ``path``.

    Returns
    -------
    Intervention
        Without storage metadata (``version`` etc. ``None``).

    Raises
    ------
    InterventionFileError
        Every problem, each naming the file, line and field: missing field, unknown key,
        theme, partner, funding or evidence level, unknown indicator or signal rule, broken
        ``verwant`` reference, ...
    """
    path = Path(path)
    if known_ids is None:
        known = set(_shipped_ids())
        if path.parent.is_dir():
            known |= {slugify(p.stem) for p in _candidate_files(path.parent)}
    else:
        known = set(known_ids)
    iv, problems, _ = _parse_file(path, known | {slugify(path.stem)})
    if problems:
        raise InterventionFileError(problems)
    assert iv is not None
    return iv


def check_catalogue(paths: Iterable[str | Path] | str | Path | None = None) -> list[str]:
    """Validate intervention files and their references to each other.

    Parameters
    ----------
    paths
        Files and/or folders (their ``.yaml``/``.yml``/``.md`` files); default: the shipped
        catalogue. ``verwant`` references may name any checked file or any shipped
        intervention.

    Returns
    -------
    list of str
        Every problem in Dutch, each naming file, line and field; empty when all is well.
    """
    files = shipped_files() if paths is None else intervention_files(paths)
    if not files:
        return ["geen interventiebestanden gevonden (verwacht .yaml, .yml of .md)."]
    extra = set(_shipped_ids()) if paths is not None else set()
    return [str(p) for p in _check_files(files, extra)[1]]


def _check_files(files: Sequence[Path], extra_known: set[str]) -> tuple[
        list[Intervention], list[Problem]]:
    """Parse and validate files together: ids unique, ``verwant`` within the files and
    ``extra_known``. Returns the valid interventions and every problem."""
    parsed: list[tuple[_Doc | None, list[Problem]]] = []
    ids: dict[str, Path] = {}
    for path in files:
        found: list[Problem] = []
        doc = _read_doc(path, found)
        parsed.append((doc, found))
        if doc is not None:
            iid = _file_id(doc, _Collector(path, doc.lines, doc.first_line))
            if iid in ids:
                found.append(Problem(path, doc.lines.get("id", doc.first_line), "id",
                                     f"id {iid!r} komt ook voor in {ids[iid]}."))
            else:
                ids[iid] = path
    known = set(ids) | extra_known
    problems: list[Problem] = []
    out: list[Intervention] = []
    for doc, found in parsed:
        problems.extend(found)
        if doc is not None:
            iv, more = _build(doc, known)
            problems.extend(p for p in more if p not in found)
            if iv is not None and not found:
                out.append(iv)
    return out, problems


def intervention_files(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """The intervention files among ``paths``: files as given, folders by their
    ``.yaml``/``.yml``/``.md`` files (sorted)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        out.extend(_candidate_files(p) if p.is_dir() else [p])
    return out


# --------------------------------------------------------------------------- shipped files


def shipped_files() -> list[Path]:
    """The intervention files shipped with the package, sorted by name."""
    folder = resources.files("wijkanalyse").joinpath(*_PACKAGE_DIR)
    return _candidate_files(Path(str(folder)))


def _shipped_ids() -> list[str]:
    return [p.stem for p in shipped_files()]


@lru_cache(maxsize=1)
def _shipped_catalogue() -> tuple[tuple[Intervention, str], ...]:
    """The shipped interventions with their content hash (validated as a whole)."""
    ivs, problems = _check_files(shipped_files(), set())
    if problems:
        raise KennisError("de meegeleverde interventiecatalogus is ongeldig:\n"
                          + "\n".join(str(p) for p in problems))
    return tuple((iv, content_hash(iv)) for iv in ivs)


def shipped_catalogue() -> list[Intervention]:
    """The shipped interventions as read from the package files (no database)."""
    return [iv for iv, _ in _shipped_catalogue()]


# --------------------------------------------------------------------------- records


def to_dict(iv: Intervention) -> dict[str, Any]:
    """The content of an intervention as a JSON-ready dict with English keys (no metadata)."""
    data = dataclasses.asdict(iv)
    for key in ("version", "origin", "updated_at", "updated_by"):
        data.pop(key)
    return data


def from_dict(data: Mapping[str, Any], **meta: Any) -> Intervention:
    """Rebuild an :class:`Intervention` from :func:`to_dict` output (plus metadata keywords)."""
    return Intervention(
        id=data["id"], name=data["name"], summary=data["summary"],
        description=data["description"], themes=tuple(data["themes"]),
        addresses=tuple(Addressed(**a) for a in data["addresses"]),
        working_elements=tuple(data["working_elements"]),
        evidence=EvidenceRating(**data["evidence"]), partners=tuple(data["partners"]),
        funding=tuple(data["funding"]), cost=Cost(**data["cost"]),
        horizon=Horizon(**data["horizon"]), pitfalls=tuple(data["pitfalls"]),
        kind=data.get("kind") or _legacy_kind(data["id"]), context=data.get("context") or "",
        sources=tuple(Reference(**s) for s in data["sources"]),
        related=tuple(data["related"]), updated=data.get("updated"), **meta,
    )


def _legacy_kind(iid: str) -> str:
    """The kind of a record stored before ``soort`` existed: the shipped intervention's kind
    for a shipped id, else ``lokale aanpak`` (a user's own approach)."""
    for iv, _ in _shipped_catalogue():
        if iv.id == iid:
            return iv.kind
    return "lokale aanpak"


def content_hash(iv: Intervention) -> str:
    """SHA-256 of the content (what makes two versions the same)."""
    text = json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_file_data(iv: Intervention) -> dict[str, Any]:
    """The intervention in the file format (Dutch keys, :data:`FILE_KEYS`), without ``id``."""
    addresses = []
    for a in iv.addresses:
        if a.signal:
            addresses.append({"signaal": a.signal})
        elif a.indicator:
            addresses.append({"indicator": a.indicator,
                              "richting": DIRECTION_LABELS[a.direction or "lower"]})
        else:
            item: dict[str, Any] = {"domein": a.domain}
            if a.direction:
                item["richting"] = DIRECTION_LABELS[a.direction]
            addresses.append(item)
    evidence: dict[str, Any] = {"niveau": iv.evidence.level, "effect": iv.evidence.effect}
    if iv.evidence.source:
        evidence["toelichting"] = iv.evidence.source
    cost: dict[str, Any] = {"niveau": iv.cost.level}
    if iv.cost.note:
        cost["toelichting"] = iv.cost.note
    horizon: dict[str, Any] = {"termijn": iv.horizon.term}
    if iv.horizon.years_min is not None:
        horizon["jaren"] = (iv.horizon.years_min if iv.horizon.years_max in
                            (None, iv.horizon.years_min)
                            else f"{iv.horizon.years_min}-{iv.horizon.years_max}")
    sources = []
    for s in iv.sources:
        src: dict[str, Any] = {"titel": s.title}
        for key, value in (("auteurs", s.authors), ("uitgever", s.publisher),
                           ("jaar", s.year), ("url", s.url)):
            if value not in (None, ""):
                src[key] = value
        sources.append(src)
    data: dict[str, Any] = {
        "naam": iv.name,
        "samenvatting": iv.summary,
        "soort": iv.kind,
        "themas": list(iv.themes),
        "pakt_aan": addresses,
        "werkzame_bestanddelen": list(iv.working_elements),
        "bewijs": evidence,
        "partners": list(iv.partners),
        "financiering": list(iv.funding),
        "kosten": cost,
        "tijdshorizon": horizon,
        "valkuilen": list(iv.pitfalls),
    }
    if iv.context:
        data["context"] = iv.context
    if sources:
        data["bronnen"] = sources
    if iv.related:
        data["verwant"] = list(iv.related)
    if iv.updated:
        data["bijgewerkt"] = iv.updated
    data["beschrijving"] = iv.description
    return data


class _Flow(list[Any]):
    """A short list of terms, written on one line (``[sociaal, veiligheid]``)."""


_FLOW_KEYS = ("themas", "partners", "financiering", "verwant")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(
    _Flow, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value,
                                                           flow_style=True))


def to_yaml(iv: Intervention) -> str:
    """The intervention as the text of a catalogue file ``<id>.yaml``."""
    data = to_file_data(iv)
    for key in _FLOW_KEYS:
        if key in data:
            data[key] = _Flow(data[key])
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------- tables


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables of :data:`TABLES` that do not exist yet (idempotent).

    Raises
    ------
    KennisError
        When a table is missing and the database is opened read-only.
    """
    if _tables_exist(con):
        return
    try:
        con.execute(SCHEMA)
    except duckdb.Error as exc:
        raise KennisError(
            "de tabellen van het kennisdossier ontbreken en de database is alleen-lezen "
            "geopend; open hem schrijfbaar."
        ) from exc


def _tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return store.tables_exist(con, TABLES)


def _ensure_writable(con: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(con)
    if store.is_read_only(con):
        raise KennisError("de database is alleen-lezen geopend; open hem schrijfbaar om het "
                          "kennisdossier te wijzigen.")


def _require_loaded(con: duckdb.DuckDBPyConnection) -> None:
    if not _tables_exist(con):
        raise KennisError("het kennisdossier is nog niet in deze database geladen; open de "
                          "database schrijfbaar (bijv. met 'wijkanalyse kennis list') of roep "
                          "kennis.ensure_catalogue aan.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _search_text(iv: Intervention) -> str:
    parts = [iv.name, iv.summary, iv.description, *iv.working_elements, *iv.pitfalls,
             iv.context, *iv.theme_labels, *(PARTNERS[p] for p in iv.partners),
             iv.evidence.source,
             iv.cost.note, *(s.title for s in iv.sources)]
    return "\n".join(p for p in parts if p)


_ROW_COLUMNS = ("intervention_id", "name", "summary", "description", "themes", "partners",
                "funding", "evidence_level", "cost_level", "horizon", "domains", "indicators",
                "signals", "related", "search_text", "record", "origin", "version",
                "shipped_sha256", "updated_at", "updated_by", "removed_at", "removed_by")


def _write_current(con: duckdb.DuckDBPyConnection, iv: Intervention, *, origin: str,
                   version: int, shipped_sha: str | None, now: str, who: str) -> None:
    values = [iv.id, iv.name, iv.summary, iv.description, list(iv.themes), list(iv.partners),
              list(iv.funding), iv.evidence.level, iv.cost.level, iv.horizon.term,
              list(iv.domains), list(iv.indicators), list(iv.signals), list(iv.related),
              _search_text(iv), json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True),
              origin, version, shipped_sha, now, who, None, None]
    con.execute("DELETE FROM interventions WHERE intervention_id = ?", [iv.id])
    con.execute(f"INSERT INTO interventions ({', '.join(_ROW_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in _ROW_COLUMNS)})", values)


def _next_version(con: duckdb.DuckDBPyConnection, iid: str) -> int:
    return store.next_version(con, "intervention_history", "intervention_id", iid)


def _write_history(con: duckdb.DuckDBPyConnection, iv: Intervention, *, version: int,
                   now: str, who: str, action: str, origin: str, note: str | None) -> None:
    store.append_version(con, "intervention_history", "intervention_id", iv.id, to_dict(iv),
                         action=action, changed_by=who, changed_at=now, extra=(origin, note),
                         version=version)


def _current_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = con.execute("SELECT intervention_id, origin, version, shipped_sha256, removed_at, "
                       "record FROM interventions").fetchall()
    return {r[0]: {"origin": r[1], "version": r[2], "shipped_sha256": r[3],
                   "removed_at": r[4], "record": r[5]} for r in rows}


def catalogue_in_sync(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds the tables and every shipped file's current content has been
    seen (so :func:`ensure_catalogue` would change nothing). Works on a read-only connection."""
    if not _tables_exist(con):
        return False
    rows = _current_rows(con)
    shipped = {iv.id: sha for iv, sha in _shipped_catalogue()}
    for iid, sha in shipped.items():
        row = rows.get(iid)
        if row is None or row["shipped_sha256"] != sha:
            return False
    return not any(row["origin"] == "pakket" and row["removed_at"] is None
                   and iid not in shipped for iid, row in rows.items())


def ensure_catalogue(con: duckdb.DuckDBPyConnection) -> CatalogueSync:
    """Load the shipped catalogue into the database (idempotent; rules in the module docstring).

    New shipped interventions are added; changed shipped files update interventions that no
    user changed and are recorded as ``shipped_skipped`` where a user version (or a removal)
    is current; shipped interventions no longer in the package are removed unless a user
    version is current. One transaction.

    Parameters
    ----------
    con
        A writable connection.

    Returns
    -------
    CatalogueSync
        The ids added, updated, skipped and removed.

    Raises
    ------
    KennisError
        Read-only database, or an invalid shipped file.
    """
    _ensure_writable(con)
    if catalogue_in_sync(con):
        return CatalogueSync()
    added: list[str] = []
    updated: list[str] = []
    skipped: list[str] = []
    removed: list[str] = []
    shipped = {iv.id: (iv, sha) for iv, sha in _shipped_catalogue()}
    with transaction(con):
        rows = _current_rows(con)
        now = _now()
        for iid, (iv, sha) in shipped.items():
            row = rows.get(iid)
            if row is None:
                version = _next_version(con, iid)
                _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha,
                               now=now, who=SHIPPED_AUTHOR)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="add", origin="pakket",
                               note="uit de meegeleverde catalogus")
                added.append(iid)
            elif row["shipped_sha256"] == sha:
                continue
            elif row["origin"] == "pakket" and row["removed_at"] is None:
                version = _next_version(con, iid)
                _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha,
                               now=now, who=SHIPPED_AUTHOR)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="update", origin="pakket",
                               note="nieuwe versie van de meegeleverde catalogus")
                updated.append(iid)
            else:
                version = _next_version(con, iid)
                why = ("verwijderd door een gebruiker" if row["removed_at"] is not None
                       else "een versie van een gebruiker is actueel")
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="shipped_skipped", origin="pakket",
                               note=f"nieuwe meegeleverde versie niet overgenomen: {why}; "
                                    "'wijkanalyse kennis herstel' maakt haar actueel")
                con.execute("UPDATE interventions SET shipped_sha256 = ? "
                            "WHERE intervention_id = ?", [sha, iid])
                skipped.append(iid)
        for iid, row in rows.items():
            if row["origin"] == "pakket" and row["removed_at"] is None and iid not in shipped:
                iv = from_dict(json.loads(row["record"]))
                version = _next_version(con, iid)
                _write_history(con, iv, version=version, now=now, who=SHIPPED_AUTHOR,
                               action="remove", origin="pakket",
                               note="niet meer in de meegeleverde catalogus")
                con.execute("UPDATE interventions SET removed_at = ?, removed_by = ?, "
                            "version = ?, updated_at = ?, updated_by = ? "
                            "WHERE intervention_id = ?",
                            [now, SHIPPED_AUTHOR, version, now, SHIPPED_AUTHOR, iid])
                removed.append(iid)
    return CatalogueSync(tuple(added), tuple(updated), tuple(skipped), tuple(removed))


def _clean_author(author: object, what: str = "auteur") -> str:
    text = " ".join(str(author or "").split())
    if not text:
        raise KennisError(f"de {what} is verplicht: wie legt dit vast?", field="author")
    if len(text) > 200:
        raise KennisError(f"de {what} is te lang (maximaal 200 tekens).", field="author")
    return text


def add_or_update(con: duckdb.DuckDBPyConnection, path: str | Path, *,
                  author: str) -> Intervention:
    """Store an intervention from a file as a new version by ``author`` (history kept).

    A new id is added; an existing id gets a new version (``origin = 'gebruiker'``), which
    stays current when the shipped catalogue changes later (see the module docstring). A
    removed intervention is brought back by a new version.

    Parameters
    ----------
    con
        A writable connection.
    path
        A YAML file (``<id>.yaml``) or Markdown with a YAML front matter (the text is the
        description; the id is ``id:`` from the front matter or the file name).
    author
        Who stores it (required).

    Returns
    -------
    Intervention
        The stored version, with metadata.

    Raises
    ------
    InterventionFileError
        The file is invalid (file, line, field named); ``verwant`` may name stored and shipped
        interventions.
    KennisError
        No author, read-only database, or the content equals the current version.
    """
    who = _clean_author(author)
    _ensure_writable(con)
    ensure_catalogue(con)
    path = Path(path)
    known = {r[0] for r in con.execute(
        "SELECT intervention_id FROM interventions WHERE removed_at IS NULL").fetchall()}
    known |= set(_shipped_ids()) | {slugify(path.stem)}
    iv, problems, _ = _parse_file(path, known)
    if problems:
        raise InterventionFileError(problems)
    assert iv is not None
    with transaction(con):
        row = _current_rows(con).get(iv.id)
        now = _now()
        if row is not None and row["removed_at"] is None and \
                row["record"] == json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True):
            raise KennisError(f"interventie {iv.id!r} is niet gewijzigd: de inhoud van "
                              f"{path} is gelijk aan de huidige versie {row['version']}.")
        version = _next_version(con, iv.id)
        action = "add" if row is None else "update"
        note = f"uit bestand {path.name}"
        if row is not None and row["removed_at"] is not None:
            note += "; was verwijderd"
        _write_current(con, iv, origin="gebruiker", version=version,
                       shipped_sha=row["shipped_sha256"] if row else None, now=now, who=who)
        _write_history(con, iv, version=version, now=now, who=who, action=action,
                       origin="gebruiker", note=note)
    return get_intervention(con, iv.id)


def restore_shipped(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                    author: str) -> Intervention:
    """Make the shipped version of an intervention current again (a new version by ``author``);
    from then on it follows the package again.

    Raises
    ------
    KennisError
        Not a shipped intervention, or the shipped version is already current.
    """
    who = _clean_author(author)
    _ensure_writable(con)
    ensure_catalogue(con)
    shipped = {iv.id: (iv, sha) for iv, sha in _shipped_catalogue()}
    iid = str(intervention_id).strip()
    if iid not in shipped:
        raise KennisError(f"{iid!r} is geen interventie uit de meegeleverde catalogus; er is "
                          "geen meegeleverde versie om te herstellen.")
    iv, sha = shipped[iid]
    with transaction(con):
        row = _current_rows(con)[iid]
        if row["origin"] == "pakket" and row["removed_at"] is None:
            raise KennisError(f"de meegeleverde versie van {iid!r} is al actueel "
                              f"(versie {row['version']}).")
        now = _now()
        version = _next_version(con, iid)
        _write_current(con, iv, origin="pakket", version=version, shipped_sha=sha, now=now,
                       who=who)
        _write_history(con, iv, version=version, now=now, who=who, action="restore",
                       origin="pakket", note="meegeleverde versie hersteld")
    return get_intervention(con, iid)


def remove_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                        removed_by: str) -> None:
    """Remove an intervention from lists and matching (soft delete; history kept). Applied
    approaches that name it stay and keep naming it.

    Raises
    ------
    KennisError
        Unknown or already removed intervention, or no name given.
    """
    who = _clean_author(removed_by, "naam van wie verwijdert")
    _ensure_writable(con)
    iv = get_intervention(con, intervention_id)
    with transaction(con):
        now = _now()
        version = _next_version(con, iv.id)
        row = _current_rows(con)[iv.id]
        _write_history(con, iv, version=version, now=now, who=who, action="remove",
                       origin=row["origin"], note=None)
        con.execute("UPDATE interventions SET removed_at = ?, removed_by = ?, version = ?, "
                    "updated_at = ?, updated_by = ? WHERE intervention_id = ?",
                    [now, who, version, now, who, iv.id])


# --------------------------------------------------------------------------- reading


def _unknown_intervention(con: duckdb.DuckDBPyConnection, iid: str) -> KennisError:
    rows = con.execute("SELECT intervention_id, name FROM interventions "
                       "WHERE removed_at IS NULL").fetchall()
    ids = [r[0] for r in rows]
    by_name = {slugify(r[1]): r[0] for r in rows}
    close = difflib.get_close_matches(slugify(iid), ids + list(by_name), n=3, cutoff=0.5)
    hits = list(dict.fromkeys(by_name.get(c, c) for c in close))
    hint = f" Bedoelt u {' of '.join(repr(h) for h in hits)}?" if hits else ""
    return KennisError(f"interventie {iid!r} bestaat niet.{hint} Zie 'wijkanalyse kennis "
                       "list'.", field="intervention")


def get_intervention(con: duckdb.DuckDBPyConnection, intervention_id: str, *,
                     include_removed: bool = False) -> Intervention:
    """One intervention, current version, with its metadata.

    Parameters
    ----------
    con
        A connection with the catalogue loaded (:func:`ensure_catalogue`).
    intervention_id
        The id; a name whose slug is an id is accepted too ("Housing First").
    include_removed
        Also return a removed intervention.

    Raises
    ------
    KennisError
        Unknown (with suggestions) or removed intervention.
    """
    _require_loaded(con)
    text = str(intervention_id).strip()
    for candidate in dict.fromkeys((text, slugify(text))):
        row = con.execute("SELECT record, version, origin, updated_at, updated_by, removed_at, "
                          "removed_by FROM interventions WHERE intervention_id = ?",
                          [candidate]).fetchone()
        if row is not None:
            break
    else:
        raise _unknown_intervention(con, text)
    if row[5] is not None and not include_removed:
        raise KennisError(f"interventie {candidate!r} is verwijderd op {row[5]} door {row[6]}; "
                          "de geschiedenis blijft bewaard ('wijkanalyse kennis geschiedenis "
                          f"{candidate}').", field="intervention")
    return from_dict(json.loads(row[0]), version=row[1], origin=row[2], updated_at=row[3],
                     updated_by=row[4])


def all_interventions(con: duckdb.DuckDBPyConnection) -> list[Intervention]:
    """Every current (not removed) intervention, sorted by id (for matching and search)."""
    _require_loaded(con)
    rows = con.execute("SELECT record, version, origin, updated_at, updated_by FROM "
                       "interventions WHERE removed_at IS NULL ORDER BY intervention_id"
                       ).fetchall()
    return [from_dict(json.loads(r[0]), version=r[1], origin=r[2], updated_at=r[3],
                      updated_by=r[4]) for r in rows]


def list_interventions(
    con: duckdb.DuckDBPyConnection,
    *,
    theme: str | None = None,
    partner: str | None = None,
    evidence: str | None = None,
    kind: str | None = None,
) -> pd.DataFrame:
    """The current interventions as a table, by name.

    Parameters
    ----------
    con
        A connection with the catalogue loaded.
    theme, partner
        Only interventions with this theme / partner (id or Dutch label).
    evidence
        Only interventions with at least this evidence level (:func:`evidence_at_least`).
    kind
        Only interventions of this kind (``soort``, :data:`KINDS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LIST_COLUMNS`; list columns hold ids; ``kind`` and ``evidence_effect``
        come from the stored record.

    Raises
    ------
    KennisError
        Unknown theme, partner, evidence level or kind (with the allowed values).
    """
    stored = [c for c in LIST_COLUMNS if c not in ("kind", "evidence_effect")]
    sql = (f"SELECT {', '.join(stored)}, record FROM interventions WHERE removed_at IS NULL")
    params: list[Any] = []
    wanted_kind = normalise_kind(kind) if kind is not None else None
    if theme is not None:
        sql += " AND list_contains(themes, ?)"
        params.append(normalise_theme(theme))
    if partner is not None:
        sql += " AND list_contains(partners, ?)"
        params.append(normalise_partner(partner))
    if evidence is not None:
        sql += " AND list_contains(?, evidence_level)"
        params.append(list(evidence_at_least(evidence)))
    _require_loaded(con)
    df = con.execute(sql + " ORDER BY lower(name), intervention_id", params).df()
    for col in ("themes", "partners", "funding", "domains", "indicators", "signals"):
        df[col] = df[col].map(lambda v: list(v) if v is not None else [])
    records = [json.loads(r) for r in df["record"]]
    df["kind"] = [r.get("kind") or _legacy_kind(r["id"]) for r in records]
    df["evidence_effect"] = [r["evidence"].get("effect") or "onbekend" for r in records]
    if wanted_kind is not None:
        df = df[df["kind"] == wanted_kind]
    return df[LIST_COLUMNS].reset_index(drop=True)


def intervention_history(con: duckdb.DuckDBPyConnection, intervention_id: str) -> pd.DataFrame:
    """Every version of an intervention, oldest first (also of a removed one).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`: ``action_label`` in Dutch, ``changed_fields`` the
        Dutch names of the fields that differ from the previous version, ``current`` whether
        this version is the current one, ``snapshot`` the content as JSON text.

    Raises
    ------
    KennisError
        Unknown intervention.
    """
    iv = get_intervention(con, intervention_id, include_removed=True)
    current = con.execute("SELECT version FROM interventions WHERE intervention_id = ?",
                          [iv.id]).fetchall()[0][0]
    rows = con.execute("SELECT intervention_id, version, changed_at, changed_by, action, origin, "
                       "note, snapshot FROM intervention_history WHERE intervention_id = ? "
                       "ORDER BY version", [iv.id]).fetchall()
    records = []
    previous: dict[str, Any] | None = None
    for iid, version, changed_at, who, action, origin, note, snapshot in rows:
        snap = json.loads(snapshot)
        changed = ""
        if previous is not None and action in ("update", "restore", "shipped_skipped"):
            changed = ", ".join(label for k, label in FIELD_LABELS.items()
                                if snap.get(k) != previous.get(k))
        records.append({"intervention_id": iid, "version": version, "changed_at": changed_at,
                        "changed_by": who, "action": action, "action_label": ACTIONS[action],
                        "origin": origin, "note": note or "", "changed_fields": changed,
                        "current": version == current, "snapshot": snapshot})
        if action != "shipped_skipped":
            previous = snap
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


# --------------------------------------------------------------------------- export


def export_catalogue(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *,
                     format: str = "yaml") -> list[Path]:
    """Write the current catalogue (also user versions; not removed ones).

    Parameters
    ----------
    con
        A connection with the catalogue loaded.
    out_dir
        Folder (created when missing).
    format
        ``"yaml"``: one ``<id>.yaml`` per intervention in the catalogue file format (loadable
        with :func:`load_intervention_file`, so a round trip gives equal records);
        ``"json"``: ``interventies.json`` with every record (file keys plus ``id``) and its
        version metadata; ``"csv"``: ``interventies.csv`` (``;``-separated, UTF-8 with BOM for
        Excel), one row per intervention, lists joined with ``"; "``.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    KennisError
        Unknown format.
    WijkanalyseError
        The folder cannot be written (an existing file, no permission, a full disk).
    """
    fmt = str(format).strip().lower()
    if fmt not in ("yaml", "json", "csv"):
        raise KennisError(f"onbekend formaat {format!r}; kies yaml, json of csv.",
                          field="format")
    items = all_interventions(con)
    out = ensure_out_dir(out_dir)

    if fmt == "yaml":
        written = []
        for iv in items:
            header = (f"# {iv.name}: versie {iv.version} ({ORIGINS.get(iv.origin or '', '')}"
                      f"), vastgelegd {iv.updated_at} door {iv.updated_by}.\n")
            header = "".join(f"# {line}\n" if not line.startswith("# ") else f"{line}\n"
                             for line in header.splitlines())  # a name never ends the comment
            written.append(write_text(out / f"{iv.id}.yaml", header + to_yaml(iv)))
        return written
    if fmt == "json":
        data = {"interventies": [
            {"id": iv.id, **to_file_data(iv),
             "versie": {"nummer": iv.version, "herkomst": iv.origin,
                        "vastgelegd_op": iv.updated_at, "vastgelegd_door": iv.updated_by}}
            for iv in items]}
        return [write_json(out / "interventies.json", data)]

    def write_csv(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(_CSV_HEADER)
            for iv in items:
                # texts from users stay text in a spreadsheet (no formulas)
                writer.writerow([csv_value(v) for v in _csv_row(iv)])

    return [write_atomic(out / "interventies.csv", write_csv)]


_CSV_HEADER = ["id", "naam", "samenvatting", "soort", "themas", "pakt_aan",
               "werkzame_bestanddelen", "bewijsniveau", "bewijs_effect", "bewijs_toelichting",
               "partners", "financiering", "kosten", "kosten_toelichting", "termijn", "jaren",
               "valkuilen", "context", "bronnen", "verwant", "bijgewerkt", "beschrijving",
               "versie", "herkomst", "vastgelegd_op", "vastgelegd_door"]


def _csv_row(iv: Intervention) -> list[Any]:
    lo, hi = iv.horizon.years_min, iv.horizon.years_max
    years = "" if lo is None else (str(lo) if hi in (None, lo) else f"{lo}-{hi}")
    return [iv.id, iv.name, iv.summary, iv.kind, "; ".join(iv.theme_labels),
            "; ".join(a.text() for a in iv.addresses), "; ".join(iv.working_elements),
            iv.evidence.level, iv.evidence.effect, iv.evidence.source,
            "; ".join(PARTNERS[p] for p in iv.partners),
            "; ".join(FUNDING[f] for f in iv.funding), iv.cost.level, iv.cost.note,
            iv.horizon.term, years, "; ".join(iv.pitfalls), iv.context,
            "; ".join(s.text() for s in iv.sources), "; ".join(iv.related), iv.updated or "",
            iv.description, iv.version, iv.origin, iv.updated_at, iv.updated_by]


# --------------------------------------------------------------------------- applied


_APPLIED_COLUMNS = ("applied_id", "intervention_id", "area_code", "area_name", "area_kind",
                    "area_members", "gemeente_code", "year_from", "year_to", "partners",
                    "funding", "result_text", "result_indicators", "author", "created_at",
                    "updated_at", "removed_at", "removed_by")


def _free_terms(values: Iterable[str] | str, lookup: Mapping[str, str], what: str
                ) -> tuple[str, ...]:
    items = [values] if isinstance(values, str) else list(values or ())
    out: list[str] = []
    for item in items:
        for part in str(item).split(",") if isinstance(item, str) else [item]:
            text = " ".join(str(part).split())
            if not text:
                continue
            if len(text) > 120:
                raise KennisError(f"{what} {text[:40]!r}... is te lang (maximaal 120 tekens).",
                                  field=what)
            term = lookup.get(_norm(text), text)
            if term not in out:
                out.append(term)
    return tuple(out)


def _clean_year(value: object, what: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise KennisError(f"ongeldig {what} {value!r}: geef een jaartal, bijvoorbeeld 2016.",
                          field=what) from exc
    limit = date.today().year + 10
    if not 1950 <= year <= limit:
        raise KennisError(f"{what} {year} valt buiten 1950-{limit}.", field=what)
    return year


def apply_intervention(
    con: duckdb.DuckDBPyConnection,
    *,
    intervention: str,
    area: str,
    year_from: int,
    year_to: int | None = None,
    partners: Iterable[str] | str = (),
    funding: Iterable[str] | str = (),
    result: str = "",
    indicators: Iterable[str] | str = (),
    author: str,
    gemeente: str | None = None,
) -> AppliedApproach:
    """Record that an intervention was (or is) applied in an area.

    Parameters
    ----------
    con
        A writable connection.
    intervention
        Id (or name) of a current intervention.
    area
        Resolved with :func:`wijkanalyse.gebieden.subjects.resolve_subject`: a CBS code, a region
        name,
        a user area or an area of a shipped set; stored under the subject's id.
    year_from, year_to
        Years (1950 to ten years ahead); ``year_to`` ``None`` while it runs, else not before
        ``year_from``.
    partners, funding
        Who did it and who paid; an entry that is a vocabulary term (:data:`PARTNERS`,
        :data:`FUNDING`, id or label) is stored as its id, any other text (an organisation, a
        fund) as given. A text is split on commas.
    result
        The observed result in words.
    indicators
        Indicator ids the result refers to (catalogue ids).
    author
        Who records it (required).
    gemeente
        Settles an area name used in several gemeenten.

    Raises
    ------
    KennisError
        Unknown intervention, area or indicator, invalid years, no author, read-only database.
    """
    who = _clean_author(author)
    _ensure_writable(con)
    ensure_catalogue(con)
    iv = get_intervention(con, intervention)
    start = _clean_year(year_from, "beginjaar")
    end = None if year_to is None else _clean_year(year_to, "eindjaar")
    if end is not None and end < start:
        raise KennisError(f"het eindjaar {end} ligt voor het beginjaar {start}.",
                          field="eindjaar")
    text = " ".join(str(area or "").split())
    if not text:
        raise KennisError("geef een gebied: een CBS-code (bijv. WK011443), de naam van een wijk "
                          "of buurt, of de id van een eigen gebied.", field="gebied")
    try:
        subject = resolve_subject(con, text, gemeente=gemeente)
    except SubjectError as exc:
        raise KennisError(str(exc), field="gebied") from exc
    domains = _indicator_domains()
    inds = _free_terms(indicators, {}, "indicator")
    for ind in inds:
        if ind not in domains:
            raise KennisError(f"onbekende indicator {ind!r}.{_suggest(ind, domains)}",
                              field="indicator")
    result_text = _clean_text(str(result or ""))
    if len(result_text) > 5000:
        raise KennisError("het resultaat is te lang (maximaal 5.000 tekens).", field="resultaat")
    members = tuple(subject.members)
    gm = subject.gemeente_code or (gemeente_code_of(members[0]) if members else None)
    data: dict[str, Any] = {
        "intervention_id": iv.id, "area_code": subject.id, "area_name": subject.name,
        "area_kind": subject.kind, "area_members": list(members), "gemeente_code": gm,
        "year_from": start, "year_to": end,
        "partners": list(_free_terms(partners, _PARTNER_LOOKUP, "partner")),
        "funding": list(_free_terms(funding, _FUNDING_LOOKUP, "financiering")),
        "result_text": result_text, "result_indicators": list(inds), "author": who,
        "removed_at": None, "removed_by": None,
    }
    with transaction(con):
        same = con.execute(
            "SELECT applied_id FROM applied_approaches WHERE removed_at IS NULL AND "
            "intervention_id = ? AND area_code = ? AND year_from = ? "
            "AND year_to IS NOT DISTINCT FROM ?",
            [iv.id, subject.id, start, end]).fetchone()
        if same is not None:
            raise KennisError(f"deze toepassing staat er al in als nummer {same[0]} (zelfde "
                              "interventie, gebied en jaren).")
        now = _now()
        data["applied_id"] = int(con.execute(
            "SELECT coalesce(max(applied_id), 0) + 1 FROM applied_approaches").fetchall()[0][0])
        data["created_at"] = data["updated_at"] = now
        con.execute(f"INSERT INTO applied_approaches ({', '.join(_APPLIED_COLUMNS)}) VALUES "
                    f"({', '.join('?' for _ in _APPLIED_COLUMNS)})",
                    [data[c] for c in _APPLIED_COLUMNS])
        _write_applied_history(con, data, action="add", who=who, now=now)
    return _applied(data, iv.name)


def _write_applied_history(con: duckdb.DuckDBPyConnection, data: Mapping[str, Any], *,
                           action: str, who: str, now: str) -> None:
    store.append_version(con, "applied_approach_history", "applied_id", data["applied_id"],
                         {c: data[c] for c in _APPLIED_COLUMNS}, action=action,
                         changed_by=who, changed_at=now)


def remove_applied(con: duckdb.DuckDBPyConnection, applied_id: int, *,
                   removed_by: str) -> None:
    """Remove an applied approach (soft delete; its history is kept).

    Raises
    ------
    KennisError
        Unknown or already removed, or no name given.
    """
    who = _clean_author(removed_by, "naam van wie verwijdert")
    _ensure_writable(con)
    data = _load_applied(con, applied_id)
    with transaction(con):
        now = _now()
        data["removed_at"] = data["updated_at"] = now
        data["removed_by"] = who
        con.execute("UPDATE applied_approaches SET removed_at = ?, removed_by = ?, "
                    "updated_at = ? WHERE applied_id = ?", [now, who, now, data["applied_id"]])
        _write_applied_history(con, data, action="remove", who=who, now=now)


def _load_applied(con: duckdb.DuckDBPyConnection, applied_id: object) -> dict[str, Any]:
    try:
        aid = int(str(applied_id))
    except ValueError as exc:
        raise KennisError(f"ongeldig nummer {applied_id!r}: geef een getal.") from exc
    row = con.execute(f"SELECT {', '.join(_APPLIED_COLUMNS)} FROM applied_approaches "
                      "WHERE applied_id = ?", [aid]).fetchone()
    if row is None:
        raise KennisError(f"toepassing {aid} bestaat niet.")
    data = dict(zip(_APPLIED_COLUMNS, row, strict=True))
    if data["removed_at"] is not None:
        raise KennisError(f"toepassing {aid} is al verwijderd op {data['removed_at']} door "
                          f"{data['removed_by']}.")
    return data


def _applied(data: Mapping[str, Any], name: str, *, relation: str | None = None,
             relation_text: str | None = None) -> AppliedApproach:
    return AppliedApproach(
        applied_id=int(data["applied_id"]), intervention_id=data["intervention_id"],
        intervention_name=name, area_code=data["area_code"], area_name=data["area_name"],
        area_kind=data["area_kind"], area_members=tuple(data["area_members"] or ()),
        gemeente_code=data["gemeente_code"], year_from=int(data["year_from"]),
        year_to=None if data["year_to"] is None else int(data["year_to"]),
        partners=tuple(data["partners"] or ()), funding=tuple(data["funding"] or ()),
        result_text=data["result_text"] or "",
        result_indicators=tuple(data["result_indicators"] or ()), author=data["author"],
        created_at=data["created_at"], updated_at=data["updated_at"],
        relation=relation, relation_text=relation_text,
    )


def _applied_rows(con: duckdb.DuckDBPyConnection, where: str = "",
                  params: Sequence[Any] = ()) -> list[tuple[dict[str, Any], str]]:
    if not _tables_exist(con):
        return []
    cols = ", ".join(f"a.{c}" for c in _APPLIED_COLUMNS)
    rows = con.execute(
        f"SELECT {cols}, coalesce(i.name, a.intervention_id) FROM applied_approaches a "
        "LEFT JOIN interventions i USING (intervention_id) WHERE a.removed_at IS NULL "
        f"{where} ORDER BY a.year_from DESC, a.applied_id DESC", list(params)).fetchall()
    return [(dict(zip(_APPLIED_COLUMNS, r[:-1], strict=True)), r[-1]) for r in rows]


def _relation(data: Mapping[str, Any], subject: Subject) -> str | None:
    return area_relation(data["area_code"], data["area_kind"], data["area_members"] or (),
                         subject_id=subject.id, own=subject.members,
                         wijk_codes=subject.wijk_codes)


def _relation_text(relation: str, data: Mapping[str, Any], subject: Subject) -> str:
    return relation_sentence(relation, lead="Toegepast in",
                             what=f"{data['area_kind']} {data['area_name']}",
                             subject_kind=subject.kind)


def applied_for(con: duckdb.DuckDBPyConnection, subject: Subject) -> list[AppliedApproach]:
    """The applied approaches of a profile: on the subject, on its members, on a wijk that
    contains it, on a region inside it or on an area that overlaps it (approaches for a whole
    gemeente only in that gemeente's profile). Newest start first.

    Each result carries ``relation`` and ``relation_text`` ("Toegepast in wijk Angelslo,
    waarin deze buurt ligt."). Works on a read-only connection (empty without the tables).
    """
    out = []
    for data, name in _applied_rows(con):
        rel = _relation(data, subject)
        if rel is not None:
            out.append(_applied(data, name, relation=rel,
                                relation_text=_relation_text(rel, data, subject)))
    return out


def applied_anywhere(con: duckdb.DuckDBPyConnection, intervention_id: str) -> pd.DataFrame:
    """Where an intervention was applied (not removed records), newest start first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`APPLIED_COLUMNS`.

    Raises
    ------
    KennisError
        Unknown intervention.
    """
    iv = get_intervention(con, intervention_id, include_removed=True)
    rows = _applied_rows(con, "AND a.intervention_id = ?", [iv.id])
    records = []
    for data, _ in rows:
        rec = {c: data[c] for c in APPLIED_COLUMNS}
        for col in ("partners", "funding", "result_indicators"):
            rec[col] = list(rec[col] or [])
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=APPLIED_COLUMNS)
    return df.astype({"year_to": "Int64"}) if len(df) else df


def list_applied(con: duckdb.DuckDBPyConnection, *, area: str | None = None,
                 gemeente: str | None = None) -> list[AppliedApproach]:
    """All applied approaches, or those of a profile of ``area`` (as :func:`applied_for`)."""
    if area is None:
        return [_applied(d, n) for d, n in _applied_rows(con)]
    try:
        subject = resolve_subject(con, area, gemeente=gemeente)
    except SubjectError as exc:
        raise KennisError(str(exc), field="gebied") from exc
    return applied_for(con, subject)


__all__ = [
    "ACTIONS", "APPLIED_COLUMNS", "COST_LEVELS", "DIRECTION_LABELS", "DIRECTION_WORDS",
    "EFFECTS", "EFFECTS_NEEDING_SOURCE", "EVIDENCE_LEVELS", "FIELD_LABELS", "FILE_KEYS",
    "FUNDING", "HISTORY_COLUMNS", "HORIZONS", "INSPIRATION_KINDS", "KINDS", "LIST_COLUMNS",
    "MAX_CONTEXT", "NAME_PARTICLES", "NOT_CITED_NAMES", "ORIGINS", "PARTNERS",
    "RECOMMENDABLE_KINDS", "REQUIRED_KEYS",
    "REQUIRED_THEMES", "SCHEMA", "SHIPPED_AUTHOR", "TABLES", "THEMES", "Addressed",
    "AppliedApproach", "CatalogueSync", "Citation", "Cost", "EvidenceRating", "Horizon",
    "Intervention", "InterventionFileError", "KennisError", "Problem", "Reference",
    "add_or_update", "all_interventions", "applied_anywhere", "applied_for",
    "apply_intervention", "catalogue_in_sync", "check_catalogue", "cites", "content_hash",
    "ensure_catalogue", "ensure_tables", "evidence_at_least", "export_catalogue",
    "find_citations", "from_dict", "get_intervention", "intervention_files",
    "intervention_history", "list_applied", "list_interventions", "load_intervention_file",
    "normalise_effect", "normalise_evidence", "normalise_funding", "normalise_kind",
    "normalise_partner", "normalise_theme",
    "remove_applied", "remove_intervention", "restore_shipped", "shipped_catalogue",
    "shipped_files", "slugify", "to_dict", "to_file_data", "to_yaml", "uncited_sources",
]
