"""Searching the kennisdossier and matching interventions to a neighbourhood.

Two questions are answered here, both over the interventions that :mod:`wijkanalyse.kennis.dossier`
keeps in the ``interventions`` table:

* **Zoeken** (:func:`search`): full-text search that understands Dutch queries (inflections,
  derivations, compounds both ways, a curated thesaurus), so that "woningen" finds "woning",
  "isoleren" finds "isolatie", "jongerenoverlast" finds "overlast door jongeren" and
  "hangjongeren" finds "jeugdgroepen", with filters on theme, partner and evidence level.
  :func:`evaluate_search` measures it on the shipped evaluation set.
* **Passen** (:func:`match`): which interventions a city can start for the signals of a
  wijkprofiel (recommendations), which national programmes and foreign examples address the
  same signals (inspiration, apart), and, for a profile without signals, preventive
  suggestions; explained in Dutch sentences, with the similar neighbourhoods (peer group) where
  an intervention was applied and how their Leefbaarometer developed since.

:func:`profile_section` gives the plain data of the "Wat werkt hier" section of the wijkprofiel
report (rendered by ``templates/_kennis.html``).

The search index
----------------
DuckDB's full-text extension has to be downloaded, which is not possible offline, so the index
is built here, in memory, from the current catalogue (:func:`build_index`). It is cached per
process under a fingerprint of the records, so a changed catalogue gives a new index and
nothing has to be stored (a read-only connection is enough). With some fifty interventions
building it takes well under a second.

Words are folded (lower case, accents removed: "geïsoleerd" = "geisoleerd"), Dutch stopwords
(:data:`STOPWORDS`) are dropped and every remaining word is indexed under several *terms*:

* its stem by the Snowball Dutch stemmer (``snowballstemmer.stemmer("dutch")``, prefix ``k:``)
  and by the older Dutch Porter stemmer (``"dutch_porter"``, prefix ``p:``). Each stemmer
  conflates inflections the other misses: ``dutch`` maps "bemiddelaars" and "bemiddeling" to
  "bemiddel" and "woningen" to "woon" like "woning", but keeps "duurzame" apart from "duurzaam"
  and "schulden" ("schul") apart from "schuld"; ``dutch_porter`` maps both pairs together
  ("duurzam", "schuld") and "groene" to "groen". The Snowball 3 stemmer drops a leading
  "ge" ("gewoon" -> "woon" = "woning", "gezin" -> "zin"); the prefix is kept;
* the same for the word without a plural ``-s`` after ``-en``, ``-el``, ``-er``, ``-em`` or
  ``-je`` ("inkomens" -> "inkomen"), because both stemmers stem "inkomens" and "inkomen"
  differently;
* the root of a derivation family (prefix ``d:``): a verb in ``-eren``, its nouns in
  ``-atie``/``-ering`` and its participle ``ge...eerd`` ("isoleren", "isolatie", "isolering",
  "geisoleerd" -> ``d:isol``);
* instead of all this, its lemma (prefix ``l:``) when the thesaurus lists one: words the
  stemmers would conflate stay apart ("ouderen" -> "oudere", "ouders" -> "ouder");
* compound parts, for :data:`PART_WEIGHT` of a whole word: the parts listed in
  :data:`COMPOUND_PARTS` ("wijk", "buurt", "groen", "bemiddeling", ...) inside a longer word,
  at the start ("buurtbemiddeling" -> buurt) or after at least two letters when what follows
  is an inflection or derivation ending ("vergroening" -> groen), and the two known words a
  word splits into (:func:`_split`: words of at least four letters of the catalogue and the
  thesaurus, a linking "s" or "e" allowed: "krachtwijkenaanpak" -> krachtwijken + aanpak).
  Words that contain a part by accident are excluded by their beginning
  (:data:`COMPOUND_EXCLUDED`: "samenwerking" is not about "werk").

A query word contributes the best of: its own terms (a curated part for :data:`PART_WEIGHT`);
its split into known words ("jongerenoverlast" -> jongeren + overlast), which counts
:data:`PART_WEIGHT` times the summed scores of the parts times the squared share of parts
found, so a record with only "jongeren" counts little; and the other members of its thesaurus
groups (``data/kennis_thesaurus.yaml``, :func:`load_thesaurus`) for the group's weight
(:data:`SYNONYM_WEIGHT`), scaled down when the related word is rarer than the query word. Each
result says how its query words were found (``reasons``).

Ranking is BM25 (``k1`` :data:`BM25_K1`, ``b`` :data:`BM25_B`) over a weighted bag of words:
a term's frequency is summed over the fields with the weights of :data:`FIELD_WEIGHTS`
(name > summary > working elements > themes, addressed problems (indicator labels, signal
titles, domains) and description > pitfalls and background (evidence note, cost note,
partners, funding, source titles)), and so is the record's length. The inverse document
frequency is computed over the whole catalogue, so filters do not change scores. The snippet
is the sentence (from the summary, description, working elements, pitfalls or evidence note)
with the rarest matched words, the matched words marked ``**so**``.

The catalogue is read with :func:`wijkanalyse.kennis.dossier.all_interventions`; a database into
which
the kennisdossier was never loaded (a fresh build opened read-only) gets the catalogue shipped
with the package (:func:`wijkanalyse.kennis.dossier.shipped_catalogue`) instead, and
:func:`profile_section` says so.

Matching
--------
The profile items an intervention can address are its signals, weighted by severity
(:data:`SEVERITY_WEIGHTS`: ernstig 3, aandacht 2, om te volgen 1), and its unfavourable key
figures (``KeyFigure.assessment == "ongunstig"``, weight :data:`KEY_FIGURE_WEIGHT`). An
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

import dataclasses
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd
import snowballstemmer

from wijkanalyse import fmt
from wijkanalyse.codes import wijk_code_of
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl
from wijkanalyse.kennis import dossier as kennis
from wijkanalyse.model import KeyFigure, Profile, Subject

__all__ = [
    "APPLY_COMMAND",
    "BM25_B",
    "BM25_K1",
    "COMPOUND_EXCLUDED",
    "COMPOUND_PARTS",
    "DOMAIN_FACTOR",
    "EVIDENCE_BONUS",
    "FIELD_WEIGHTS",
    "KEY_FIGURE_WEIGHT",
    "Match",
    "PART_WEIGHT",
    "PeerApplication",
    "SEARCH_COLUMNS",
    "SECTION_TITLE",
    "SEVERITY_WEIGHTS",
    "STOPWORDS",
    "SearchIndex",
    "EFFECT_ADJUSTMENT",
    "EVALUATION_COLUMNS",
    "EvaluationQuery",
    "GENERAL_PREVENTIVE_SIGNALS",
    "INSPIRATION_SHOWN",
    "MIN_TRIGGER_SEVERITY",
    "MatchResult",
    "PREVENTIVE_COSTS",
    "PREVENTIVE_DIMENSIONS",
    "PREVENTIVE_EXCLUDED_EFFECTS",
    "RECALL_TARGET",
    "SYNONYM_WEIGHT",
    "Thesaurus",
    "ThesaurusError",
    "CATEGORIES",
    "build_index",
    "evaluate_search",
    "load_search_evaluation",
    "load_thesaurus",
    "match",
    "match_profile",
    "profile_section",
    "search",
    "search_index",
    "terms_of",
    "tokenize",
]

# ------------------------------------------------------------------------------ constants

#: Weight of each field of an intervention in the search ranking.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 4.0,
    "summary": 3.0,
    "themes": 1.0,
    "working_elements": 2.0,
    "addresses": 1.0,
    "description": 1.0,
    "pitfalls": 0.5,
    "background": 0.5,
}
#: BM25 term-frequency saturation.
BM25_K1 = 1.2
#: BM25 length normalisation.
BM25_B = 0.75
#: A compound part found inside a longer word counts for this fraction of a whole word.
PART_WEIGHT = 0.5

#: Dutch stopwords (the Snowball list plus a few words common in the catalogue's prose).
STOPWORDS: frozenset[str] = frozenset("""
aan al alle alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door
dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iets
ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu
of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want
waren was wat we wel werd wezen wie wil worden wordt zal ze zei zelf zich zij zijn zo zonder
zou zoals waar waarin waarbij welke via per bijvoorbeeld bv vaak elk elke binnen tussen
daarna daarbij daarmee gaat gaan hoe wanneer dus
""".split())

#: Parts of compounds indexed inside longer words: canonical part -> its spellings.
COMPOUND_PARTS: dict[str, tuple[str, ...]] = {
    "wijk": ("wijk", "wijken"),
    "buurt": ("buurt", "buurten"),
    "woning": ("woning", "woningen"),
    "huis": ("huis", "huizen"),
    "huur": ("huur", "huurder", "huurders"),
    "koop": ("koop",),
    "bewoner": ("bewoner", "bewoners"),
    "corporatie": ("corporatie", "corporaties"),
    "groen": ("groen", "groene"),
    "energie": ("energie",),
    "duurzaam": ("duurzaam", "duurzam"),
    "warmte": ("warmte",),
    "klimaat": ("klimaat",),
    "armoede": ("armoede",),
    "schuld": ("schuld", "schulden"),
    "inkomen": ("inkomen", "inkomens"),
    "werk": ("werk",),
    "jeugd": ("jeugd",),
    "jongeren": ("jongeren", "jongere"),
    "school": ("school", "scholen"),
    "onderwijs": ("onderwijs",),
    "taal": ("taal",),
    "zorg": ("zorg",),
    "gezondheid": ("gezondheid",),
    "veiligheid": ("veiligheid",),
    "overlast": ("overlast",),
    "bemiddeling": ("bemiddeling", "bemiddelaar", "bemiddelaars"),
    "beheer": ("beheer",),
    "sloop": ("sloop",),
    "nieuwbouw": ("nieuwbouw",),
    "renovatie": ("renovatie",),
    "isolatie": ("isolatie",),
    "straat": ("straat",),
    "plein": ("plein", "pleinen"),
    "speel": ("speel",),
    "park": ("park",),
    "ondernemer": ("ondernemer", "ondernemers"),
    "economie": ("economie",),
    "toewijzing": ("toewijzing",),
    "coach": ("coach", "coaches"),
    "team": ("team", "teams"),
}
#: Beginnings of words that contain a part by accident and are not split ("samenwerking" is
#: not about work, "huishouden" not about a house, "afwijking" not about a wijk).
COMPOUND_EXCLUDED: tuple[str, ...] = (
    "samenwerk", "netwerk", "werking", "werkwijze", "uitwerk", "bewerk", "medewerk",
    "huishoud", "huisarts", "afwijk", "uitwijk", "kapitaal", "parkeer", "groente",
)
_PART_ENDINGS = ("", "s", "e", "en", "es", "er", "ers", "ing", "ingen", "heid", "je", "jes",
                 "lijk", "lijke", "st", "ste")
_MIN_PART = 4
_PLURAL_S = ("ens", "els", "ers", "ems", "jes")
_DERIVATION_ENDINGS = ("eringen", "ering", "aties", "atie", "eren", "eert")
_MIN_ROOT = 4

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

#: Columns of :func:`search`'s result.
SEARCH_COLUMNS = ["id", "name", "score", "soort", "themes", "evidence_level", "snippet",
                  "reasons"]

_STEMMERS = {"k": snowballstemmer.stemmer("dutch"), "p": snowballstemmer.stemmer("dutch_porter")}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9À-Ý])")
_SNIPPET_MAX = 280
_OPPOSITE = {"higher": "lower", "lower": "higher"}


# ------------------------------------------------------------------------------ thesaurus

#: The search thesaurus shipped with the package (lemmas and groups of related words).
THESAURUS_FILE = ("data", "kennis_thesaurus.yaml")
#: Weight of a word found through the thesaurus (a group may set its own ``gewicht``).
SYNONYM_WEIGHT = 0.7


@dataclass(frozen=True)
class Thesaurus:
    """The curated search thesaurus (``data/kennis_thesaurus.yaml``).

    Attributes
    ----------
    lemmas
        Folded word -> lemma: these words are not stemmed but compared by their lemma, so
        that words the stemmers conflate stay apart ("ouderen" -> "oudere", "ouders" ->
        "ouder").
    groups
        Groups of related words or phrases (folded), each with its weight: a query word that
        shares a term with one member also searches the other members, for the group's
        weight.
    """

    lemmas: Mapping[str, str]
    groups: tuple[tuple[tuple[str, ...], float], ...]


class ThesaurusError(WijkanalyseError):
    """The search thesaurus file is invalid (Dutch message naming the file and the entry)."""


def load_thesaurus(text: str | None = None, *, origin: str = "kennis_thesaurus.yaml"
                   ) -> Thesaurus:
    """Read and check a search thesaurus (default: the one shipped with the package).

    Parameters
    ----------
    text
        YAML text with ``lemmas`` (mapping word -> lemma) and ``groepen`` (list of
        ``{termen: [...], gewicht: 0..1}``); ``None`` reads the shipped file.
    origin
        Name of the file in messages.

    Returns
    -------
    Thesaurus

    Raises
    ------
    ThesaurusError
        Invalid YAML, unknown keys, a group with fewer than two terms, a weight outside
        (0, 1], or a lemma that is not a single word.
    """
    from wijkanalyse import safeyaml

    if text is None:
        from importlib import resources

        text = resources.files("wijkanalyse").joinpath(*THESAURUS_FILE).read_text(
            encoding="utf-8")
    try:
        data = safeyaml.load(text) or {}
    except Exception as exc:  # noqa: BLE001 - YAML and limit errors alike
        raise ThesaurusError(f"{origin}: geen geldige YAML ({exc}).") from exc
    if not isinstance(data, Mapping):
        raise ThesaurusError(f"{origin}: verwacht 'lemmas' en 'groepen'.")
    unknown = sorted(set(data) - {"versie", "lemmas", "groepen"})
    if unknown:
        raise ThesaurusError(f"{origin}: onbekende sleutel(s) {', '.join(unknown)}; toegestaan "
                             "zijn versie, lemmas en groepen.")
    lemmas: dict[str, str] = {}
    for word, lemma in (data.get("lemmas") or {}).items():
        w, lm = _fold(str(word)).strip(), _fold(str(lemma)).strip()
        if not _WORD.fullmatch(w) or not _WORD.fullmatch(lm):
            raise ThesaurusError(f"{origin}, lemmas: {word!r}: {lemma!r} moet één woord op één "
                                 "woord zijn.")
        lemmas[w] = lm
    groups: list[tuple[tuple[str, ...], float]] = []
    for pos, group in enumerate(data.get("groepen") or [], start=1):
        if not isinstance(group, Mapping) or set(group) - {"termen", "gewicht"}:
            raise ThesaurusError(f"{origin}, groep {pos}: verwacht 'termen' (en eventueel "
                                 "'gewicht').")
        terms = tuple(dict.fromkeys(" ".join(_fold(str(t)).split())
                                    for t in group.get("termen") or [] if str(t).strip()))
        if len(terms) < 2:
            raise ThesaurusError(f"{origin}, groep {pos}: een groep heeft ten minste twee "
                                 "termen.")
        weight = group.get("gewicht", SYNONYM_WEIGHT)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) \
                or not 0 < weight <= 1:
            raise ThesaurusError(f"{origin}, groep {pos}: gewicht moet een getal groter dan 0 "
                                 f"en hoogstens 1 zijn, niet {weight!r}.")
        groups.append((terms, float(weight)))
    return Thesaurus(lemmas=lemmas, groups=tuple(groups))


@lru_cache(maxsize=1)
def _thesaurus() -> Thesaurus:
    return load_thesaurus()


# ------------------------------------------------------------------------------ text


def _fold(text: str) -> str:
    """Lower case without accents: ``"Geïsoleerd"`` -> ``"geisoleerd"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """The searchable words of a text: folded, without stopwords and one-letter words.

    >>> tokenize("De bewoners van de Schildersbuurt")
    ['bewoners', 'schildersbuurt']
    """
    words = _WORD.findall(_fold(text))
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def _derivation_root(word: str) -> str | None:
    """The root shared by a verb in ``-eren``, its nouns in ``-atie`` and ``-ering`` and its
    participle ``ge...eerd``: ``isoleren``, ``isolatie``, ``isolering`` and ``geisoleerd`` all
    give ``isol``. ``None`` for other words and for roots shorter than four letters."""
    if len(word) < 8:
        return None
    root = None
    if word.startswith("ge") and word.endswith(("eerd", "eerde")):
        root = word[2:-4] if word.endswith("eerd") else word[2:-5]
    else:
        for ending in _DERIVATION_ENDINGS:
            if word.endswith(ending):
                root = word[: -len(ending)]
                break
    return root if root is not None and len(root) >= _MIN_ROOT else None


def _stem(key: str, form: str) -> str:
    stem: str = _STEMMERS[key].stemWord(form)
    if key == "k" and form.startswith("ge") and not stem.startswith("ge"):
        # the Snowball 3 Dutch stemmer drops "ge": gewoon -> woon (= woning), gezin -> zin,
        # gezondheid -> zon; keep the prefix so those words stay apart
        stem = "ge" + stem
    return stem


def _stems(word: str) -> set[str]:
    lemma = _thesaurus().lemmas.get(word)
    if lemma is not None:
        return {f"l:{lemma}"}
    forms = {word}
    if len(word) > 5 and word.endswith(_PLURAL_S):
        forms.add(word[:-1])
    out = {f"{key}:{_stem(key, form)}" for form in forms for key in _STEMMERS}
    root = _derivation_root(word)
    if root is not None:
        out.add(f"d:{root}")
    return out


def _parts(word: str) -> list[str]:
    """Canonical compound parts found inside ``word`` (not the word itself)."""
    if len(word) < _MIN_PART + 3 or word.startswith(COMPOUND_EXCLUDED):
        return []
    found: list[str] = []
    for part, spellings in COMPOUND_PARTS.items():
        for spelling in spellings:
            if len(spelling) < _MIN_PART or spelling == word:
                continue
            if word.startswith(spelling) and len(word) - len(spelling) >= 3:
                found.append(part)
                break
            pos = word.find(spelling, 2)
            if pos >= 2 and word[pos + len(spelling):] in _PART_ENDINGS:
                found.append(part)
                break
    return found


@lru_cache(maxsize=65536)
def terms_of(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """The index terms of one folded word.

    Parameters
    ----------
    word
        A word as :func:`tokenize` returns it.

    Returns
    -------
    tuple of (frozenset of str, frozenset of str)
        Terms of the word itself (stems by both stemmers, also without a plural ``-s``, and
        the derivation root, or only its lemma when the thesaurus protects it) and terms of
        the compound parts found inside it (:data:`COMPOUND_PARTS`), minus those already in
        the first set.

    Examples
    --------
    >>> sorted(terms_of("woningen")[0])
    ['k:woon', 'p:woning']
    >>> sorted(terms_of("buurtbemiddeling")[1])
    ['k:bemiddel', 'k:buurt', 'p:bemiddel', 'p:buurt']
    """
    full = _stems(word)
    parts: set[str] = set()
    for part in _parts(word):
        parts |= _stems(part)
    return frozenset(full), frozenset(parts - full)


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")


def _plain_markdown(text: str) -> str:
    """Markdown as plain text: one paragraph, list item or heading per line, without markup
    (emphasis, links, images, code, HTML tags); wrapped lines are joined."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            blocks.append(" ".join(current))
            current = []
        elif _HEADING.match(line):
            blocks.extend([" ".join(current), line])
            current = []
        elif _LIST_ITEM.match(line) or line.lstrip().startswith(">"):
            blocks.append(" ".join(current))
            current = [line]
        else:
            current.append(line)
    blocks.append(" ".join(current))
    out = []
    for block in blocks:
        block = _LIST_ITEM.sub("", _HEADING.sub("", block.strip()))
        block = re.sub(r"^>\s?", "", block)
        block = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", block)
        block = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", block)
        block = re.sub(r"<[^>]+>", " ", block)
        block = " ".join(re.sub(r"(\*\*|__|\*|`)", "", block).split())
        if block:
            out.append(block)
    return "\n".join(out)


def _sentences(text: str) -> list[str]:
    """The sentences of a (Markdown) text, one list item or heading being one sentence."""
    out: list[str] = []
    for block in _plain_markdown(text).splitlines():
        out.extend(s.strip() for s in _SENTENCE_END.split(block) if s.strip())
    return out


def _texts(value: Any) -> list[str]:
    """Every piece of text in a field value (string, list, mapping, nested)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, (int, float)):
        return []
    return [str(value)]


# ------------------------------------------------------------------------------ records


def _one_or_many(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _catalogue(con: duckdb.DuckDBPyConnection) -> tuple[list[dict[str, Any]], bool]:
    """The current interventions as plain dicts, and whether they came from the database.

    A database into which the kennisdossier was never loaded (no ``interventions`` table, or
    an empty one: a fresh build opened read-only) gets the catalogue shipped with the package
    instead.
    """
    try:
        loaded = con.execute("SELECT count(*) FROM interventions").fetchall()[0][0] > 0
    except duckdb.CatalogException:
        loaded = False
    if loaded:
        try:
            return [kennis.to_dict(iv) for iv in kennis.all_interventions(con)], True
        except kennis.KennisError:
            pass  # the other kennis tables are missing: not loaded by kennis itself
    return [kennis.to_dict(iv) for iv in kennis.shipped_catalogue()], False


def _as_dict(record: Any) -> dict[str, Any]:
    if isinstance(record, Mapping):
        return dict(record)
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    if hasattr(record, "to_dict"):
        return dict(record.to_dict())
    raise TypeError(f"Geen interventie: {record!r}")


def _evidence_level(rec: Mapping[str, Any]) -> str:
    ev = rec.get("evidence")
    if isinstance(ev, Mapping):
        return str(ev.get("level") or "onbekend")
    return str(ev or "onbekend")


def _evidence_source(rec: Mapping[str, Any]) -> str | None:
    ev = rec.get("evidence")
    if isinstance(ev, Mapping) and ev.get("source"):
        src = ev["source"]
        return src if isinstance(src, str) else "; ".join(_texts(src))
    return None


def _theme_label(theme: str) -> str:
    return str(kennis.THEMES.get(theme, theme))


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _address_texts(addresses: Any) -> list[str]:
    """Readable words for the problems an intervention addresses (indicator labels, signal
    titles and domains), so a search for "laag inkomen" finds what addresses ``p_hh_lkk``."""
    labels = _indicator_labels()
    titles = _signal_titles()
    out: list[str] = []
    for entry in addresses or []:
        if not isinstance(entry, Mapping):
            continue
        if entry.get("signal"):
            out.append(titles.get(str(entry["signal"]), ""))
        if entry.get("indicator"):
            out.append(labels.get(str(entry["indicator"]), ""))
        if entry.get("domain"):
            out.append(str(entry["domain"]))
    return [t for t in out if t]


@lru_cache(maxsize=1)
def _indicator_labels() -> dict[str, str]:
    from wijkanalyse.catalogue import load_catalogue

    return {ind.id: ind.label for ind in load_catalogue()}


@lru_cache(maxsize=1)
def _rules_by_id() -> dict[str, Any]:
    from wijkanalyse.signalen.rules import load_rules

    return {rule.id: rule for rule in load_rules()}


def _signal_titles() -> dict[str, str]:
    return {rid: rule.title for rid, rule in _rules_by_id().items()}


# ------------------------------------------------------------------------------ index


@dataclass(frozen=True)
class _Doc:
    id: str
    name: str
    themes: tuple[str, ...]
    partners: tuple[str, ...]
    evidence_level: str
    summary: str
    tf: Mapping[str, float]
    length: float
    sentences: tuple[tuple[str, frozenset[str]], ...]
    kind: str = "lokale aanpak"
    words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchIndex:
    """An in-memory BM25 index over interventions (see the module docstring).

    Attributes
    ----------
    docs
        One entry per intervention, in id order.
    df
        Number of interventions containing each term.
    avgdl
        Mean weighted length of the interventions.
    fingerprint
        SHA-1 of the indexed records (the cache key).
    vocabulary
        The folded words of at least four letters in the indexed texts and in the
        thesaurus: the words a query compound may be split into.
    """

    docs: tuple[_Doc, ...]
    df: Mapping[str, int]
    avgdl: float
    fingerprint: str
    vocabulary: frozenset[str] = frozenset()

    def idf(self, term: str) -> float:
        """BM25 inverse document frequency, ``ln(1 + (N - n + 0.5) / (n + 0.5))``."""
        n = self.df.get(term, 0)
        total = len(self.docs)
        return math.log(1.0 + (total - n + 0.5) / (n + 0.5))

    def bm25(self, term: str, doc: _Doc) -> float:
        """The BM25 weight of one term in one intervention (0 when absent)."""
        tf = doc.tf.get(term, 0.0)
        if tf <= 0.0:
            return 0.0
        norm = 1.0 - BM25_B + BM25_B * (doc.length / self.avgdl if self.avgdl else 1.0)
        return self.idf(term) * tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm)


def _fingerprint(records: Sequence[Mapping[str, Any]]) -> str:
    payload = json.dumps(sorted(records, key=lambda r: str(r.get("id"))), sort_keys=True,
                         default=str, ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _field_values(rec: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        "name": _texts(rec.get("name")),
        "summary": _texts(rec.get("summary")),
        "themes": [_theme_label(t) for t in _texts(rec.get("themes"))],
        "working_elements": _texts(rec.get("working_elements")),
        "addresses": _address_texts(rec.get("addresses")),
        "description": [_plain_markdown(t) for t in _texts(rec.get("description"))],
        "pitfalls": _texts(rec.get("pitfalls")),
        "background": _background_texts(rec),
    }


def _background_texts(rec: Mapping[str, Any]) -> list[str]:
    """Evidence note, cost note, partners, funding and source titles (weight ``background``)."""
    out = [_evidence_source(rec) or ""]
    cost = rec.get("cost")
    if isinstance(cost, Mapping):
        out.append(str(cost.get("note") or ""))
    out.extend(_labels(_list(rec.get("partners")), kennis.PARTNERS))
    out.extend(_labels(_list(rec.get("funding")), kennis.FUNDING))
    for src in rec.get("sources") or []:
        if isinstance(src, Mapping):
            out.extend(str(src.get(k) or "") for k in ("title", "authors", "publisher"))
    return [t for t in out if t.strip()]


@lru_cache(maxsize=65536)
def _doc_terms(word: str, vocabulary: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """:func:`terms_of` plus the terms of the two known words a compound splits into
    (:func:`_split`), so that "krachtwijkenaanpak" is also found by "krachtwijken"."""
    full, parts = terms_of(word)
    extra: set[str] = set()
    for piece in _split(word, vocabulary):
        extra |= terms_of(piece)[0]
    return full, frozenset((parts | extra) - full)


def _sentence_terms(sentence: str, vocabulary: frozenset[str] = frozenset()) -> frozenset[str]:
    terms: set[str] = set()
    for word in tokenize(sentence):
        full, parts = _doc_terms(word, vocabulary)
        terms |= full | parts
    return frozenset(terms)


def _vocabulary(records: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """The words a compound may be split into: the words of at least four letters in the
    records' texts, in the thesaurus and in :data:`COMPOUND_PARTS` (no stopwords, no
    numbers)."""
    words: set[str] = set()
    for rec in records:
        for texts in _field_values(rec).values():
            for text in texts:
                words.update(tokenize(text))
    for terms, _ in _thesaurus().groups:
        words.update(w for t in terms for w in tokenize(t))
    words.update(sp for spellings in COMPOUND_PARTS.values() for sp in spellings)
    return frozenset(w for w in words
                     if len(w) >= _MIN_PART and not w.isdigit() and w not in STOPWORDS)


def _make_doc(rec: Mapping[str, Any], vocabulary: frozenset[str] = frozenset()) -> _Doc:
    tf: dict[str, float] = {}
    length = 0.0
    words: set[str] = set()
    for fname, texts in _field_values(rec).items():
        weight = FIELD_WEIGHTS[fname]
        for text in texts:
            for word in tokenize(text):
                words.add(word)
                length += weight
                full, parts = _doc_terms(word, vocabulary)
                for term in full:
                    tf[term] = tf.get(term, 0.0) + weight
                for term in parts:
                    tf[term] = tf.get(term, 0.0) + weight * PART_WEIGHT
    sentences: list[str] = []
    for key in ("summary", "description", "working_elements", "pitfalls"):
        for text in _texts(rec.get(key)):
            sentences.extend(_sentences(text))
    sentences.extend(_sentences(_evidence_source(rec) or ""))
    return _Doc(
        id=str(rec["id"]),
        name=str(rec.get("name") or rec["id"]),
        themes=tuple(_list(rec.get("themes"))),
        partners=tuple(_list(rec.get("partners"))),
        evidence_level=_evidence_level(rec),
        summary=" ".join(_texts(rec.get("summary"))),
        tf=tf,
        length=length,
        sentences=tuple((s, _sentence_terms(s, vocabulary)) for s in sentences),
        kind=str(rec.get("kind") or "lokale aanpak"),
        words=frozenset(words),
    )


def build_index(records: Iterable[Any]) -> SearchIndex:
    """Build the search index of a set of interventions.

    Parameters
    ----------
    records
        Intervention records (mappings or dataclasses with at least ``id``; the fields of
        :data:`FIELD_WEIGHTS` are indexed when present).

    Returns
    -------
    SearchIndex

    Raises
    ------
    WijkanalyseError
        When a record has no id or two records share one.
    """
    recs = [_as_dict(r) for r in records]
    seen: set[str] = set()
    for pos, rec in enumerate(recs, start=1):
        rid = rec.get("id")
        if not rid:
            raise WijkanalyseError(f"Interventie {pos} heeft geen id.")
        if str(rid) in seen:
            raise WijkanalyseError(f"Interventie-id {rid!r} komt twee keer voor.")
        seen.add(str(rid))
    vocabulary = _vocabulary(recs)
    docs = tuple(sorted((_make_doc(r, vocabulary) for r in recs), key=lambda d: d.id))
    df: dict[str, int] = {}
    for doc in docs:
        for term in doc.tf:
            df[term] = df.get(term, 0) + 1
    avgdl = sum(d.length for d in docs) / len(docs) if docs else 0.0
    return SearchIndex(docs=docs, df=df, avgdl=avgdl, fingerprint=_fingerprint(recs),
                       vocabulary=vocabulary)


_INDEX_CACHE: dict[str, SearchIndex] = {}
_INDEX_CACHE_SIZE = 4


def _cached_index(records: Sequence[Mapping[str, Any]]) -> SearchIndex:
    key = _fingerprint(records)
    index = _INDEX_CACHE.get(key)
    if index is None:
        index = build_index(records)
        while len(_INDEX_CACHE) >= _INDEX_CACHE_SIZE:
            _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))
        _INDEX_CACHE[key] = index
    return index


# ------------------------------------------------------------------------------ search


def _choices(value: str | Sequence[str] | None) -> set[str] | None:
    """Filter values (folded), or ``None`` for no filter."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    folded = {_fold(str(v).strip()) for v in values if str(v).strip()}
    return folded or None


@dataclass(frozen=True)
class _Word:
    """A query word (or a part or thesaurus term of one) with its terms and expansions."""

    text: str
    full: frozenset[str]
    doc_parts: frozenset[str]  # terms of the curated compound parts inside the word
    parts: tuple[_Word, ...] = ()  # the word split into words (two or more), or ()
    synonyms: tuple[tuple[str, tuple[_Word, ...], float], ...] = ()


@lru_cache(maxsize=1)
def _thesaurus_lookup() -> list[tuple[frozenset[str], int]]:
    """(full terms of a single-word thesaurus term, group number)."""
    out = []
    for gid, (terms, _) in enumerate(_thesaurus().groups):
        for term in terms:
            if " " not in term:
                out.append((terms_of(term)[0], gid))
    return out


def _synonyms(word: str, full: frozenset[str], depth: int) -> tuple[
        tuple[str, tuple[_Word, ...], float], ...]:
    groups = _thesaurus().groups
    found: dict[str, float] = {}
    for terms, gid in _thesaurus_lookup():
        if terms & full:
            group, weight = groups[gid]
            for other in group:
                if other != word and not (" " not in other and terms_of(other)[0] & full):
                    found[other] = max(found.get(other, 0.0), weight)
    out = []
    for phrase, weight in sorted(found.items()):
        words = tuple(_query_word(w, None, depth + 1) for w in tokenize(phrase))
        if words:
            out.append((phrase, words, weight))
    return tuple(out)


def _split(word: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """The word split into two known words (with a linking ``s`` or ``e`` allowed after the
    first), the most balanced split first; ``()`` when there is none."""
    if len(word) < 2 * _MIN_PART or word.startswith(COMPOUND_EXCLUDED):
        return ()
    best: tuple[int, tuple[str, str]] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        left, right = word[:i], word[i:]
        if right not in vocabulary or right in STOPWORDS:
            continue
        for cand in (left, left[:-1] if left.endswith(("s", "e")) else None):
            if cand and len(cand) >= _MIN_PART and cand in vocabulary \
                    and cand not in STOPWORDS:
                key = min(len(cand), len(right))
                if best is None or key > best[0]:
                    best = (key, (cand, right))
                break
    return best[1] if best is not None else ()


def _query_word(word: str, vocabulary: frozenset[str] | None, depth: int = 0) -> _Word:
    full, doc_parts = terms_of(word)
    parts: tuple[_Word, ...] = ()
    if depth == 0 and vocabulary is not None:
        pieces = list(_split(word, vocabulary))
        if not pieces:
            pieces = _parts(word)
            if len(pieces) == 1:
                pieces = []  # one curated part: counted through doc_parts
        if len(pieces) >= 2:
            parts = tuple(_query_word(piece, None, 1) for piece in pieces)
    synonyms = _synonyms(word, full, depth) if depth <= 1 else ()
    return _Word(text=word, full=full, doc_parts=doc_parts, parts=parts, synonyms=synonyms)


def _query_words(query: str, vocabulary: frozenset[str]) -> list[_Word]:
    out: list[_Word] = []
    seen: set[str] = set()
    for word in tokenize(query):
        if word not in seen:
            seen.add(word)
            out.append(_query_word(word, vocabulary))
    return out


def _direct(index: SearchIndex, word: _Word, doc: _Doc) -> tuple[float, frozenset[str], bool]:
    """The best BM25 of the word's own terms (its curated parts for :data:`PART_WEIGHT`), the
    term and whether it was a part."""
    best, terms, part = 0.0, frozenset[str](), False
    for t in word.full:
        score = index.bm25(t, doc)
        if score > best:
            best, terms = score, frozenset({t})
    for t in word.doc_parts:
        score = PART_WEIGHT * index.bm25(t, doc)
        if score > best:
            best, terms, part = score, frozenset({t}), True
    return best, terms, part


def _word_idf(index: SearchIndex, word: _Word) -> float:
    """How informative a query word is: the highest idf of its own terms (the idf of a term no
    intervention contains when none does)."""
    return max((index.idf(t) for t in word.full), default=index.idf(""))


def _phrase(index: SearchIndex, words: Sequence[_Word], doc: _Doc,
            with_synonyms: bool) -> tuple[float, frozenset[str]]:
    """Words that belong together (a thesaurus phrase, the parts of a compound): their mean
    score times the squared share of them that occurs."""
    scores = [(_word_score(index, w, doc, with_synonyms=with_synonyms)[:2]) for w in words]
    found = [x for x in scores if x[0] > 0.0]
    if not found:
        return 0.0, frozenset()
    share = len(found) / len(words)
    total = sum(x[0] for x in found) / len(words)
    return total * share * share, frozenset().union(*(x[1] for x in found))


def _word_score(index: SearchIndex, word: _Word, doc: _Doc, *, with_synonyms: bool = True
                ) -> tuple[float, frozenset[str], str]:
    """The contribution of one query word to a document: the best of its own terms, its
    compound parts (all found: their summed scores times :data:`PART_WEIGHT`, fewer: less)
    and its thesaurus terms (times the group's weight). Returns score, matched terms and a
    Dutch reason."""
    best, terms, part = _direct(index, word, doc)
    reason = ("" if best <= 0 else
              f"'{word.text}' als deel van een samengesteld woord" if part else
              f"'{word.text}' in de tekst")
    if word.parts:
        score, matched = _phrase(index, word.parts, doc, with_synonyms=True)
        score *= PART_WEIGHT * len(word.parts)
        if score > best:
            best, terms = score, matched
            reason = (f"'{word.text}' gesplitst in "
                      + " + ".join(f"'{p.text}'" for p in word.parts))
    if with_synonyms and word.synonyms:
        own_idf = _word_idf(index, word)
        for phrase, words, weight in word.synonyms:
            score, matched = _phrase(index, words, doc, with_synonyms=False)
            # a related word never counts for more than the query word itself would: its
            # score is scaled down when it is rarer (more informative) than the query word
            rarest = max((_word_idf(index, w) for w in words), default=own_idf)
            score *= weight * min(1.0, own_idf / rarest) if rarest > 0 else 0.0
            if score > best:
                best, terms = score, matched
                reason = f"'{word.text}' via het verwante woord '{phrase}'"
    return best, terms, reason


def _mark(sentence: str, terms: frozenset[str],
          vocabulary: frozenset[str] = frozenset()) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        folded = _fold(word)
        if folded in STOPWORDS:
            return word
        full, parts = _doc_terms(folded, vocabulary)
        return f"**{word}**" if (full | parts) & terms else word

    return _WORD.sub(repl, sentence)


def _shorten(sentence: str) -> str:
    if len(sentence) <= _SNIPPET_MAX:
        return sentence
    first = sentence.find("**")
    start = 0 if first < _SNIPPET_MAX // 2 else max(0, first - _SNIPPET_MAX // 3)
    if start:
        start = sentence.rfind(" ", 0, start) + 1
    end = start + _SNIPPET_MAX
    if end < len(sentence):
        end = sentence.rfind(" ", start, end) if sentence.rfind(" ", start, end) > start else end
    text = sentence[start:end].strip()
    if text.count("**") % 2:
        text = text.rsplit("**", 1)[0] + text.rsplit("**", 1)[1]
    return ("…" if start else "") + text + ("…" if end < len(sentence) else "")


def _snippet(index: SearchIndex, doc: _Doc, matched: frozenset[str]) -> str:
    best, best_score = None, 0.0
    for sentence, terms in doc.sentences:
        common = terms & matched
        score = sum(index.idf(t) for t in common)
        if score > best_score + 1e-12:
            best, best_score = sentence, score
    if best is None:
        first = _sentences(doc.summary)
        return _shorten(first[0]) if first else ""
    return _shorten(_mark(best, matched, index.vocabulary))


def search_index(
    index: SearchIndex,
    query: str,
    *,
    themes: str | Sequence[str] | None = None,
    partners: str | Sequence[str] | None = None,
    evidence: str | Sequence[str] | None = None,
    limit: int | None = 20,
) -> pd.DataFrame:
    """Search a prepared index (pure; :func:`search` reads the catalogue from the database).

    Parameters
    ----------
    index
        From :func:`build_index`.
    query, limit
        As in :func:`search`.
    themes, partners, evidence
        Keep records with at least one of these theme ids, partner ids, or one of these
        evidence levels (compared without case and accents; not validated here).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SEARCH_COLUMNS`, best first.
    """
    if limit is not None and limit < 1:
        raise WijkanalyseError(f"Het aantal resultaten moet ten minste 1 zijn, niet {limit}.")
    want_themes = _choices(themes)
    want_partners = _choices(partners)
    want_evidence = _choices(evidence)
    words = _query_words(query, index.vocabulary)
    browse = not query.strip()
    rows: list[dict[str, Any]] = []
    for doc in index.docs:
        if want_themes is not None and not want_themes & {_fold(t) for t in doc.themes}:
            continue
        if want_partners is not None and not want_partners & {_fold(p) for p in doc.partners}:
            continue
        if want_evidence is not None and _fold(doc.evidence_level) not in want_evidence:
            continue
        score = 0.0
        matched: set[str] = set()
        reasons: list[str] = []
        for word in words:
            best, terms, reason = _word_score(index, word, doc)
            if best > 0.0:
                score += best
                matched |= terms
                reasons.append(reason)
        if score <= 0.0 and not browse:
            continue
        rows.append({
            "id": doc.id,
            "name": doc.name,
            "score": round(score, 4),
            "soort": doc.kind,
            "themes": list(doc.themes),
            "evidence_level": doc.evidence_level,
            "snippet": _snippet(index, doc, frozenset(matched)),
            "reasons": reasons,
        })
    rows.sort(key=lambda r: (-r["score"], r["id"]))
    if limit is not None:
        rows = rows[:limit]
    return pd.DataFrame(rows, columns=SEARCH_COLUMNS)


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    themes: str | Sequence[str] | None = None,
    partners: str | Sequence[str] | None = None,
    evidence: str | Sequence[str] | None = None,
    limit: int | None = 20,
) -> pd.DataFrame:
    """Full-text search in the kennisdossier.

    Parameters
    ----------
    con
        A connection (read-only is fine) whose ``interventions`` table holds the catalogue
        (:mod:`wijkanalyse.kennis.dossier`).
    query
        Dutch words, e.g. ``"buurtbemiddeling bij overlast"``. Inflected forms and the
        compound parts of :data:`COMPOUND_PARTS` match (see the module docstring). Words are
        combined with OR and ranked by BM25. An empty query lists every intervention that
        passes the filters (score 0, by id); a query of stopwords only finds nothing.
    themes, partners
        Keep interventions with at least one of these themes / partners: one value or a list,
        ids or Dutch labels in any case (``"economie-werk"``, ``"economie en werk"``).
    evidence
        One level: keep interventions with at least that evidence level (as
        :func:`wijkanalyse.kennis.dossier.evidence_at_least` and ``kennis list --bewijs``); a list:
        keep exactly those levels.
    limit
        Maximum number of rows (``None``: all).

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``name``, ``score`` (BM25, rounded to 4 decimals), ``themes`` (list of
        str), ``evidence_level`` and ``snippet`` (the best matching sentence, matched words
        marked ``**so**``), sorted by score (descending) and id.

    Raises
    ------
    KennisError
        Unknown theme, partner or evidence level (the message lists the allowed values).
    WijkanalyseError
        A ``limit`` below 1.
    """
    theme_ids = (None if themes is None else
                 [kennis.normalise_theme(t) for t in _one_or_many(themes)])
    partner_ids = (None if partners is None else
                   [kennis.normalise_partner(p) for p in _one_or_many(partners)])
    if evidence is None:
        levels = None
    elif isinstance(evidence, str):
        levels = list(kennis.evidence_at_least(evidence))
    else:
        levels = [kennis.normalise_evidence(e) for e in evidence]
    records, _ = _catalogue(con)
    return search_index(_cached_index(records), query, themes=theme_ids, partners=partner_ids,
                        evidence=levels, limit=limit)


# ------------------------------------------------------------------------------ evaluation

#: The evaluation set shipped with the package (queries with the expected interventions).
EVALUATION_FILE = ("data", "kennis_zoekvragen.yaml")
#: Columns of :func:`evaluate_search`'s result.
EVALUATION_COLUMNS = ["query", "recall_at_5", "ndcg_at_10", "expected", "missing", "top"]
#: The recall@5 the shipped search must reach on the shipped evaluation set (mean).
RECALL_TARGET = 0.8


@dataclass(frozen=True)
class EvaluationQuery:
    """One query of the evaluation set: the text, the interventions expected in the first five
    results (grade 2) and those that are also relevant (grade 1)."""

    query: str
    expected: tuple[str, ...]
    also: tuple[str, ...] = ()


def load_search_evaluation(text: str | None = None, *,
                           origin: str = "kennis_zoekvragen.yaml") -> list[EvaluationQuery]:
    """Read an evaluation set (default: the one shipped with the package).

    Parameters
    ----------
    text
        YAML with ``vragen``: a list of ``{vraag, verwacht: [ids], ook: [ids]}``.
    origin
        Name of the file in messages.

    Returns
    -------
    list of EvaluationQuery

    Raises
    ------
    WijkanalyseError
        Invalid YAML, a query without text, no or more than five expected ids, an id in both
        lists, or a query that occurs twice.
    """
    from wijkanalyse import safeyaml

    if text is None:
        from importlib import resources

        text = resources.files("wijkanalyse").joinpath(*EVALUATION_FILE).read_text(
            encoding="utf-8")
    try:
        data = safeyaml.load(text) or {}
    except Exception as exc:  # noqa: BLE001 - YAML and limit errors alike
        raise WijkanalyseError(f"{origin}: geen geldige YAML ({exc}).") from exc
    out: list[EvaluationQuery] = []
    seen: set[str] = set()
    for pos, item in enumerate((data or {}).get("vragen") or [], start=1):
        if not isinstance(item, Mapping) or not str(item.get("vraag") or "").strip():
            raise WijkanalyseError(f"{origin}, vraag {pos}: geef 'vraag' en 'verwacht'.")
        query = " ".join(str(item["vraag"]).split())
        expected = tuple(str(i) for i in item.get("verwacht") or [])
        also = tuple(str(i) for i in item.get("ook") or [])
        if not 1 <= len(expected) <= 5:
            raise WijkanalyseError(f"{origin}, vraag {query!r}: 'verwacht' heeft één tot vijf "
                                   f"interventies, niet {len(expected)}.")
        if set(expected) & set(also):
            raise WijkanalyseError(f"{origin}, vraag {query!r}: "
                                   f"{sorted(set(expected) & set(also))} staat in 'verwacht' "
                                   "en in 'ook'.")
        if query in seen:
            raise WijkanalyseError(f"{origin}: vraag {query!r} staat er twee keer in.")
        seen.add(query)
        out.append(EvaluationQuery(query, expected, also))
    return out


def _ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    def dcg(gains: Sequence[int]) -> float:
        return float(sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k])))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(r, 0) for r in ranked]) / ideal if ideal else 0.0


def evaluate_search(index: SearchIndex, queries: Sequence[EvaluationQuery]) -> pd.DataFrame:
    """Recall@5 and nDCG@10 of the search on an evaluation set.

    Parameters
    ----------
    index
        From :func:`build_index`.
    queries
        From :func:`load_search_evaluation`.

    Returns
    -------
    pandas.DataFrame
        One row per query, columns :data:`EVALUATION_COLUMNS`: ``recall_at_5`` (share of the
        expected interventions in the first five results), ``ndcg_at_10`` (grade 2 for
        expected, 1 for also relevant), the expected ids, those missing from the first five
        and the first five ids found.

    Raises
    ------
    WijkanalyseError
        An expected id that is not in the index.
    """
    known = {d.id for d in index.docs}
    rows = []
    for q in queries:
        unknown = sorted((set(q.expected) | set(q.also)) - known)
        if unknown:
            raise WijkanalyseError(f"Zoekvraag {q.query!r} verwacht onbekende interventie(s) "
                                   f"{', '.join(unknown)}.")
        ranked = list(search_index(index, q.query, limit=10)["id"])
        grades = {**{i: 1 for i in q.also}, **{i: 2 for i in q.expected}}
        top5 = ranked[:5]
        rows.append({
            "query": q.query,
            "recall_at_5": sum(i in top5 for i in q.expected) / len(q.expected),
            "ndcg_at_10": _ndcg(ranked, grades, 10),
            "expected": list(q.expected),
            "missing": [i for i in q.expected if i not in top5],
            "top": top5,
        })
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


# ------------------------------------------------------------------------------ matching


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


def _severity_label(severity: int) -> str:
    return {3: "ernstig", 2: "aandacht", 1: "om te volgen"}.get(severity, str(severity))


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


@lru_cache(maxsize=1)
def _indicator_better() -> dict[str, str | None]:
    from wijkanalyse.catalogue import load_catalogue

    return {ind.id: ind.better for ind in load_catalogue()}


@lru_cache(maxsize=1)
def _indicator_domains() -> dict[str, str]:
    from wijkanalyse.catalogue import load_catalogue

    return {ind.id: ind.domain for ind in load_catalogue()}


def _figure_text(kf: KeyFigure) -> str:
    area = fmt.format_value(kf.area.value, unit=kf.unit, kind=kf.kind)
    ref: float | None
    if kf.gemeente.value is not None:
        ref, where = kf.gemeente.value, "in de gemeente"
    else:
        ref, where = kf.nederland.value, "in Nederland"
    if ref is None:
        return f"{kf.label} ({area}, {kf.year})"
    ref_text = fmt.format_value(ref, unit=kf.unit, kind=kf.kind)
    return f"{kf.label} ({area} tegen {ref_text} {where}, {kf.year})"


def _profile_items(profile: Profile) -> list[_Item]:
    rules = _rules_by_id()
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
        if kf.assessment != "ongunstig" or kf.area.value is None:
            continue
        items.append(_Item(
            kind="figure", key=kf.indicator_id, indicator=kf.indicator_id, domain=kf.domain,
            unfavourable=_unfavourable(kf.indicator_id), weight=KEY_FIGURE_WEIGHT,
            covers=frozenset(), text=_figure_text(kf), order=offset + pos,
        ))
    return items


def _addresses(rec: Mapping[str, Any]) -> list[_Address]:
    rules = _rules_by_id()
    domains = _indicator_domains()
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
        recommendable = _kind_of(rec) in kennis.RECOMMENDABLE_KINDS
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
            diff, _ = fmt.difference(value, ref, unit=kf.unit, kind=kf.kind)
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
    out: list[tuple[float, _Item]] = []
    for kf in profile.key_figures:
        value = kf.area.value
        if value is None:
            continue
        dimension = kf.indicator_id in PREVENTIVE_DIMENSIONS and value < 0
        if kf.assessment != "ongunstig" and not dimension:
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
            if _kind_of(r) in kennis.RECOMMENDABLE_KINDS
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


# ------------------------------------------------------------------------------ peers

_Point = tuple[int, float, str]  # year, value, source label


def _observed(con: duckdb.DuckDBPyConnection, indicators: Iterable[str],
              codes: Iterable[str]) -> dict[tuple[str, str], list[_Point]]:
    """(indicator, code) -> [(year, value, source label)] with a value, by year."""
    inds, where = sorted(set(indicators)), sorted({c for c in codes if c})
    if not inds or not where:
        return {}
    rows = con.execute(
        "SELECT o.indicator_id, o.code, o.year, o.value, s.label FROM observation o "
        "JOIN sources s USING (source_id) WHERE list_contains(?, o.indicator_id) "
        "AND list_contains(?, o.code) AND o.value IS NOT NULL ORDER BY o.year",
        [inds, where],
    ).fetchall()
    out: dict[tuple[str, str], list[_Point]] = {}
    for ind, code, year, value, label in rows:
        out.setdefault((ind, code), []).append((int(year), float(value), label or ""))
    return out


def _since(series: Sequence[_Point], start: int) -> tuple[_Point, _Point | None, str]:
    """The measurement to compare from (the last one up to ``start``, else the first), the
    latest later one (or ``None``), and a Dutch lead when there was none before the start."""
    before = [p for p in series if p[0] <= start]
    base = before[-1] if before else series[0]
    later = [p for p in series if p[0] > base[0]]
    lead = "" if before else (f"Er is geen meting van vóór de start ({start}); de eerste is "
                              f"van {base[0]}. ")
    return base, (later[-1] if later else None), lead


def _lbm_development(peer_name: str, lbm_code: str | None, start: int | None,
                     obs: Mapping[tuple[str, str], list[_Point]]) -> tuple[str, dict[str, Any]]:
    """The Dutch sentence on a peer's Leefbaarometer since ``start`` and the figures used."""
    series = obs.get(("lbm", lbm_code or ""), [])
    if not series:
        return (f"Geen gegevens over de ontwikkeling: er is geen Leefbaarometer van "
                f"{peer_name} geladen.", {})
    if start is None:
        return ("Geen gegevens over de ontwikkeling sinds de start: het startjaar is niet "
                "vastgelegd.", {"sources": [series[0][2]]})
    base, last, lead = _since(series, start)
    if last is None:
        return (lead + "Geen gegevens over de ontwikkeling sinds de start: er is nog geen "
                f"Leefbaarometer-meting na {base[0]}.",
                {"lbm_from": base[1], "lbm_from_year": base[0], "sources": [base[2]]})
    change = last[1] - base[1]
    text = (f"De Leefbaarometer-score ging van {fmt.nl_number(base[1], decimals=2)} in "
            f"{base[0]} naar {fmt.nl_number(last[1], decimals=2)} in {last[0]} "
            f"({fmt.nl_number(change, decimals=2, sign=True)})")
    afw = obs.get(("lbm_afw", lbm_code or ""), [])
    a0 = next((v for y, v, _ in afw if y == base[0]), None)
    a1 = next((v for y, v, _ in afw if y == last[0]), None)
    if a0 is not None and a1 is not None:
        text += (f"; de afwijking van het landelijk gemiddelde van "
                 f"{fmt.nl_number(a0, decimals=2, sign=True)} naar "
                 f"{fmt.nl_number(a1, decimals=2, sign=True)}")
    return lead + text + ".", {
        "lbm_from": base[1], "lbm_from_year": base[0], "lbm_to": last[1],
        "lbm_to_year": last[0], "lbm_change": round(change, 6),
        "sources": list(dict.fromkeys([base[2], last[2]])),
    }


def _indicator_development(indicator: str, code: str, start: int | None,
                           obs: Mapping[tuple[str, str], list[_Point]]) -> tuple[str, list[str]]:
    """A Dutch sentence on one result indicator of an application in a peer since ``start``."""
    meta = _indicator_meta().get(indicator)
    label, unit, kind = meta if meta is not None else (indicator, "", "mean")
    series = obs.get((indicator, code), [])
    if not series or start is None:
        return f"{label}: geen gegevens.", []
    base, last, lead = _since(series, start)
    if last is None:
        return lead + f"{label}: geen gegevens van na {base[0]}.", [base[2]]
    _, change = fmt.change(base[1], last[1], unit=unit, kind=kind)
    return (lead + f"{label}: van {fmt.format_value(base[1], unit=unit, kind=kind)} in "
            f"{base[0]} naar {fmt.format_value(last[1], unit=unit, kind=kind)} in {last[0]}"
            + (f" ({change})." if change else "."), list(dict.fromkeys([base[2], last[2]])))


@lru_cache(maxsize=1)
def _indicator_meta() -> dict[str, tuple[str, str, str]]:
    from wijkanalyse.catalogue import load_catalogue

    return {ind.id: (ind.label, ind.unit, ind.kind) for ind in load_catalogue()}


def _peer_of(members: Sequence[str], peers: Mapping[str, Any]) -> str | None:
    """The peer an application area belongs to: a member is the peer, a buurt in a peer wijk,
    or the wijk a peer buurt lies in."""
    for code in members:
        if code in peers:
            return code
    for code in members:
        wijk = wijk_code_of(code) if code.startswith("BU") else None
        if wijk and wijk in peers:
            return wijk
        if code.startswith("WK"):
            inside = [p for p in peers if p.startswith("BU") and wijk_code_of(p) == code]
            if inside:
                return sorted(inside, key=lambda p: peers[p].rank)[0]
    return None


def _peer_applications(con: duckdb.DuckDBPyConnection, profile: Profile,
                       matches: Sequence[Match]) -> None:
    """Fill ``peer_applications`` of ``matches`` (see :class:`PeerApplication`)."""
    peers = {p.code: p for p in (profile.peers.peers if profile.peers is not None else [])}
    if not peers or not matches:
        return
    wanted = {m.intervention_id for m in matches}
    found: dict[str, list[tuple[Any, str]]] = {}
    for app in kennis.list_applied(con):
        if app.intervention_id not in wanted:
            continue
        peer_code = _peer_of([app.area_code, *app.area_members], peers)
        if peer_code is not None:
            found.setdefault(app.intervention_id, []).append((app, peer_code))
    if not found:
        return
    lbm_codes = {code: (code if code.startswith("WK") else wijk_code_of(code)) for code in peers}
    indicators = {"lbm", "lbm_afw"} | {i for apps in found.values() for a, _ in apps
                                       for i in a.result_indicators}
    obs = _observed(con, indicators, [*peers, *(c for c in lbm_codes.values() if c)])
    for m in matches:
        out = []
        for app, peer_code in found.get(m.intervention_id, []):
            peer = peers[peer_code]
            text, figures = _lbm_development(peer.name, lbm_codes.get(peer_code),
                                             app.year_from, obs)
            sources = figures.pop("sources", [])
            parts = [text]
            for ind in app.result_indicators:
                if ind in ("lbm", "lbm_afw"):
                    continue
                line, used = _indicator_development(ind, peer_code, app.year_from, obs)
                parts.append(line)
                sources.extend(used)
            out.append(PeerApplication(
                peer_code=peer_code, peer_name=peer.name, gemeente_name=peer.gemeente_name,
                area_code=app.area_code, area_name=app.area_name, applied_id=app.applied_id,
                start_year=app.year_from, end_year=app.year_to, partners=list(app.partners),
                funding=list(app.funding), result=app.result_text or None,
                development=" ".join(parts),
                source="; ".join(dict.fromkeys(s for s in sources if s)) or None, **figures,
            ))
        out.sort(key=lambda a: (peers[a.peer_code].rank, a.start_year or 0, a.applied_id))
        m.peer_applications = out


def match(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    profile: Profile,
    limit: int | None = 10,
) -> MatchResult:
    """Interventions from the kennisdossier that fit a neighbourhood, best first.

    Parameters
    ----------
    con
        A connection (read-only is fine) with the catalogue and the observations.
    subject
        The area (:func:`wijkanalyse.gebieden.subjects.resolve_subject`).
    profile
        Its wijkprofiel (:func:`wijkanalyse.profiel.assemble.build_profile`, which the caller
        builds: this package does not import the profile assembly, which imports it). Its
        signals, unfavourable key figures and peer group are used.
    limit
        Maximum number of matches per list (``None``: all).

    Returns
    -------
    MatchResult
        Recommendations, examples "ter inspiratie" and preventive suggestions, each scored as
        described in the module docstring, ties ordered by id, with Dutch reasons and the
        applications in the peer group (:class:`PeerApplication`).

    Raises
    ------
    WijkanalyseError
        When ``profile`` is the profile of another subject, or ``limit`` is below 1.
    """
    profile = _profile_for(con, subject, profile)
    records, _ = _catalogue(con)
    result = match_profile(records, profile, limit=limit)
    _peer_applications(con, profile, result.all())
    return result


def _profile_for(con: duckdb.DuckDBPyConnection, subject: Subject,
                 profile: Profile) -> Profile:
    if profile.subject.id != subject.id:
        raise WijkanalyseError(f"Het profiel gaat over {profile.subject.name} "
                               f"({profile.subject.id}), niet over {subject.name} "
                               f"({subject.id}).")
    return profile


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


def _labels(ids: Iterable[str], vocab: Mapping[str, str]) -> list[str]:
    return [str(vocab.get(i, i)) for i in ids]


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

    Returns
    -------
    dict
        ``title``, ``intro``, ``method``, ``notes`` (Dutch statements, e.g. what is missing,
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
    records, from_db = _catalogue(con)
    result = match_profile(records, profile, limit=limit)
    matches = result.all()
    _peer_applications(con, profile, matches)
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
            "themes": _labels(m.themes, kennis.THEMES),
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
        "partners": _labels(a.partners, kennis.PARTNERS),
        "funding": _labels(a.funding, kennis.FUNDING),
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
        "partners": _labels(a.partners, kennis.PARTNERS),
        "funding": _labels(a.funding, kennis.FUNDING),
        "result": a.result_text or None,
        "indicators": [_indicator_labels().get(i, i) for i in a.result_indicators],
        "author": a.author,
        "recorded": str(a.created_at)[:10],
    } for a in kennis.applied_for(con, subject)]

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
        "intro": (f"Aanpakken uit het kennisdossier die zich richten op de signalen en de "
                  f"ongunstige kerncijfers van {subject.name}, met de reden waarom ze passen. "
                  "Het kennisdossier zegt wat er over een aanpak bekend is; of hij hier past, "
                  "vraagt om het gesprek met bewoners en partners."),
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


def _period(start: int | None, end: int | None) -> str:
    if start is None:
        return "onbekend"
    if end is None:
        return f"sinds {start}"
    return str(start) if end == start else f"{start}-{end}"
