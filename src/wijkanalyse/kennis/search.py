"""Searching the kennisdossier (:func:`search`, :func:`search_index`): query words, their
terms, splits and synonyms, BM25 scores, snippets and filters. The index and its rules
are described in :mod:`wijkanalyse.kennis.index`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.content import ContentStore
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.kennis.index import (
    PART_WEIGHT,
    SearchIndex,
    _cached_index,
    _catalogue,
    _Doc,
    _doc_terms,
    _one_or_many,
)
from wijkanalyse.kennis.text import (
    _SNIPPET_MAX,
    _WORD,
    STOPWORDS,
    _fold,
    _parts,
    _sentences,
    _split,
    _thesaurus,
    terms_of,
    tokenize,
)
from wijkanalyse.kennis.vocab import (
    evidence_at_least,
    normalise_evidence,
    normalise_partner,
    normalise_theme,
)

#: Columns of :func:`search`'s result.
SEARCH_COLUMNS = ["id", "name", "score", "soort", "themes", "evidence_level", "snippet",
                  "reasons"]


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
    content: ContentStore | None = None,
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
    content
        The content store with the stored versions (``None``: the shipped catalogue).

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
                 [normalise_theme(t) for t in _one_or_many(themes)])
    partner_ids = (None if partners is None else
                   [normalise_partner(p) for p in _one_or_many(partners)])
    if evidence is None:
        levels = None
    elif isinstance(evidence, str):
        levels = list(evidence_at_least(evidence))
    else:
        levels = [normalise_evidence(e) for e in evidence]
    records, _ = _catalogue(con, content)
    return search_index(_cached_index(records, con), query, themes=theme_ids, partners=partner_ids,
                        evidence=levels, limit=limit)


__all__ = ["SEARCH_COLUMNS", "search", "search_index"]
