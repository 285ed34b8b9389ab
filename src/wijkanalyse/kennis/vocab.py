"""Vocabularies of the kennisdossier (themes, partners, funding, evidence, kinds, costs,
horizons, file keys), limits, table columns, the errors, and the functions that turn a Dutch
term into its id (``normalise_*``, :func:`slugify`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.signalen.rules import DERIVED_SUFFIX, load_rules

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
ORIGINS: dict[str, str] = {"pakket": "meegeleverd", "gebruiker": "gebruiker",
                           "web": "website"}



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


@lru_cache(maxsize=2)
def _indicator_domains(*, derived: bool = True) -> dict[str, str]:
    """Indicator id -> domain: the catalogue plus (``derived``) the derived ids the signal
    rules read that the catalogue lacks (with the domain of their rule). Intervention files
    may name a derived id (parse, applied); the scoring of matches reads the catalogue only
    (``derived=False``)."""
    out = {ind.id: ind.domain for ind in load_catalogue()}
    if not derived:
        return out
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


__all__ = [
    "ACTIONS", "APPLIED_COLUMNS", "COST_LEVELS", "DIRECTION_LABELS", "DIRECTION_WORDS",
    "EFFECTS", "EFFECTS_NEEDING_SOURCE", "EVIDENCE_LEVELS", "FIELD_LABELS", "FILE_KEYS",
    "FUNDING", "HISTORY_COLUMNS", "HORIZONS", "INSPIRATION_KINDS", "InterventionFileError",
    "KINDS", "KennisError", "LIST_COLUMNS", "MAX_CONTEXT", "ORIGINS", "PARTNERS", "Problem",
    "RECOMMENDABLE_KINDS", "REQUIRED_KEYS", "REQUIRED_THEMES", "SHIPPED_AUTHOR", "THEMES",
    "evidence_at_least", "normalise_effect", "normalise_evidence", "normalise_funding",
    "normalise_kind", "normalise_partner", "normalise_theme", "slugify",
]
