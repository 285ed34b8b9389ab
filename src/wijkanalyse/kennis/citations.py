"""Author–year citations in evidence notes (``"Wittebrood en Permentier 2011"``) and
whether the intervention's sources list them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wijkanalyse.fmt import MONTHS_NL
from wijkanalyse.kennis.model import Reference
from wijkanalyse.kennis.parse import _Collector

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


__all__ = [
    "Citation", "NAME_PARTICLES", "NOT_CITED_NAMES", "cites", "find_citations",
    "uncited_sources",
]
