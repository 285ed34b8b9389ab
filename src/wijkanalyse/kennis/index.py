"""The search index of the kennisdossier (:func:`build_index`): a BM25 index over the
interventions, built in memory and cached per process.

The search index
----------------
DuckDB's full-text extension has to be downloaded, which is not possible offline, so the index
is built here, in memory, from the current catalogue (:func:`build_index`). It is cached per
process under a fingerprint of the records, so a changed catalogue gives a new index (a
read-only connection is enough). Building it takes one to two seconds, so ``data build``
stores the index of the catalogue it loads (:func:`stored_index_part`, table
``stored_parts``, kind ``kennis_index``) under that fingerprint and a hash of the shipped files
it is made from (:func:`files_hash`); :func:`_cached_index` reads it when both match and
builds the index otherwise (a user's new version of an intervention, an edited YAML file, a
database of an older version).

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
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from wijkanalyse import store
from wijkanalyse.content import ContentStore
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.kennis import load
from wijkanalyse.kennis.dossier import current_rows, interventions_from_rows
from wijkanalyse.kennis.files import shipped_catalogue, to_dict
from wijkanalyse.kennis.text import (
    _MIN_PART,
    COMPOUND_PARTS,
    STOPWORDS,
    _plain_markdown,
    _sentences,
    _split,
    _texts,
    _thesaurus,
    terms_of,
    tokenize,
)
from wijkanalyse.kennis.vocab import FUNDING, PARTNERS, THEMES, KennisError

LOG = logging.getLogger("wijkanalyse.kennis")

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


# ------------------------------------------------------------------------------ records


def _one_or_many(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _catalogue(con: duckdb.DuckDBPyConnection, content: ContentStore | None = None
               ) -> tuple[list[dict[str, Any]], bool]:
    """The current interventions as plain dicts (the shipped catalogue with the versions
    stored in ``content``), and whether they came from the database.

    A database into which the kennisdossier was never loaded (no ``interventions`` table, or
    an empty one: a fresh build opened read-only) gets the catalogue shipped with the package
    instead.
    """
    if load.catalogue_loaded(con):
        try:
            rows = current_rows(con, content=content)
        except KennisError:
            pass  # the other kennis tables are missing: not loaded by kennis itself
        else:
            return copy.deepcopy(_records_of(tuple(rows))), True
    return [to_dict(iv) for iv in shipped_catalogue()], False


_RECORDS: dict[tuple[Any, ...], list[dict[str, Any]]] = {}


def _records_of(rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The interventions of database rows as plain dicts, made once while the rows stay the
    same (a profile of every wijk reads the same kennisdossier thousands of times); the
    caller gets a copy."""
    if rows not in _RECORDS:
        _RECORDS.clear()
        _RECORDS[rows] = [to_dict(iv) for iv in interventions_from_rows(rows)]
    return _RECORDS[rows]


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
    return str(THEMES.get(theme, theme))


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
    out.extend(_labels(_list(rec.get("partners")), PARTNERS))
    out.extend(_labels(_list(rec.get("funding")), FUNDING))
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


def _cached_index(records: Sequence[Mapping[str, Any]],
                  con: duckdb.DuckDBPyConnection | None = None) -> SearchIndex:
    """The index of ``records``: from this process's cache, else (with ``con``) the index
    stored by ``data build`` when it was built from the same records and shipped files
    (:func:`stored_index_part`), else built here."""
    key = _fingerprint(records)
    index = _INDEX_CACHE.get(key)
    if index is None:
        payload = (store.read_stored_part(con, "kennis_index", key, files_hash())
                   if con is not None else None)
        if payload is None:
            if con is not None:
                LOG.info("De zoekindex van het kennisdossier wordt nu gemaakt (niet opgeslagen "
                         "in deze database, of voor andere interventies of bestanden); "
                         "'wijkanalyse data build' slaat hem op.")
            index = build_index(records)
        else:
            index = decode_index(payload)
        while len(_INDEX_CACHE) >= _INDEX_CACHE_SIZE:
            _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))
        _INDEX_CACHE[key] = index
    return index


# ------------------------------------------------------------------------------ stored index

#: The shipped files and modules the index is made from (besides the records themselves):
#: an edit of any of them gives another :func:`files_hash`, so a stored index is not used.
INDEX_FILES = ("data/kennis_thesaurus.yaml", "data/indicators.yaml", "data/signalen.yaml",
               "kennis/index.py", "kennis/text.py", "kennis/vocab.py")
#: Raise to invalidate stored indexes (a change of their format).
INDEX_STORE_VERSION = 1
_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def files_hash() -> str:
    """A hash of :data:`INDEX_FILES`, the shipped interventions (``data/interventies``) and
    :data:`INDEX_STORE_VERSION`: the fingerprint of a stored index."""
    h = hashlib.sha1(f"v{INDEX_STORE_VERSION}".encode())
    folder = _PACKAGE / "data" / "interventies"
    paths = [_PACKAGE / f for f in INDEX_FILES] + sorted(
        p for p in folder.iterdir() if p.is_file())
    for path in paths:
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def encode_index(index: SearchIndex) -> str:
    """A search index as JSON (sets as sorted lists, keys sorted)."""
    docs = [{
        "id": d.id, "name": d.name, "themes": list(d.themes), "partners": list(d.partners),
        "evidence_level": d.evidence_level, "summary": d.summary, "tf": d.tf,
        "length": d.length, "sentences": [[text, sorted(terms)] for text, terms in d.sentences],
        "kind": d.kind, "words": sorted(d.words)} for d in index.docs]
    return json.dumps({"docs": docs, "df": index.df, "avgdl": index.avgdl,
                       "fingerprint": index.fingerprint,
                       "vocabulary": sorted(index.vocabulary)}, ensure_ascii=False,
                      sort_keys=True)  # the same text in every process (set order varies)


def decode_index(payload: str) -> SearchIndex:
    """The search index of :func:`encode_index` (equal to the one encoded)."""
    data = json.loads(payload)
    docs = tuple(_Doc(
        id=d["id"], name=d["name"], themes=tuple(d["themes"]), partners=tuple(d["partners"]),
        evidence_level=d["evidence_level"], summary=d["summary"],
        tf={str(k): float(v) for k, v in d["tf"].items()}, length=float(d["length"]),
        sentences=tuple((str(t), frozenset(terms)) for t, terms in d["sentences"]),
        kind=d["kind"], words=frozenset(d["words"])) for d in data["docs"])
    return SearchIndex(docs=docs, df={str(k): int(v) for k, v in data["df"].items()},
                       avgdl=float(data["avgdl"]), fingerprint=str(data["fingerprint"]),
                       vocabulary=frozenset(data["vocabulary"]))


def stored_index_part(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
    """The search index of the database's current interventions as a ``stored_parts`` row
    ``(records fingerprint, files hash, JSON)`` (``data build``, after the kennisdossier is
    loaded)."""
    records, _ = _catalogue(con)
    index = build_index(records)
    return index.fingerprint, files_hash(), encode_index(index)


def _labels(ids: Iterable[str], vocab: Mapping[str, str]) -> list[str]:
    return [str(vocab.get(i, i)) for i in ids]


__all__ = ["BM25_B", "BM25_K1", "FIELD_WEIGHTS", "INDEX_FILES", "PART_WEIGHT", "SearchIndex",
           "build_index", "decode_index", "encode_index", "files_hash", "stored_index_part"]
