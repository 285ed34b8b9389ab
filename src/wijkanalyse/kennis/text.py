"""Dutch text analysis for searching the kennisdossier: folding, stopwords, the two Snowball
stemmers, derivation roots, compound parts, the thesaurus (:func:`load_thesaurus`), and plain
text and sentences from Markdown (the rules are in :mod:`wijkanalyse.kennis.index`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer

from wijkanalyse.errors import WijkanalyseError

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


__all__ = [
    "COMPOUND_EXCLUDED", "COMPOUND_PARTS", "STOPWORDS", "SYNONYM_WEIGHT", "Thesaurus",
    "ThesaurusError", "load_thesaurus", "terms_of", "tokenize",
]
