"""CBS region codes and names: normalisation, levels, parents and name keys for matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

LEVELS = ("land", "gemeente", "wijk", "buurt")
_PREFIX_LEVEL = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
_CODE = re.compile(r"^(NL\d{2}|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
_SOORT_REGIO = {
    "land": "land",
    "nederland": "land",
    "gemeente": "gemeente",
    "wijk": "wijk",
    "buurt": "buurt",
}


def normalise_code(code: object) -> str | None:
    """Strip CBS padding and upper-case a region code; ``None`` for empty input.

    >>> normalise_code("GM0363    ")
    'GM0363'
    """
    if code is None:
        return None
    text = str(code).strip().upper()
    return text or None


def is_valid_code(code: str) -> bool:
    """Whether ``code`` looks like a CBS NL/GM/WK/BU code (after normalisation)."""
    return bool(_CODE.match(code))


def level_of(code: str) -> str:
    """The level (land, gemeente, wijk, buurt) of a normalised CBS code."""
    try:
        return _PREFIX_LEVEL[code[:2]]
    except KeyError as exc:
        raise ValueError(f"onbekende regiocode {code!r}") from exc


def level_from_soort(soort: object) -> str | None:
    """Map CBS 'Soort regio' text (``"Gemeente  "``, ``"Wijk"``) to a level."""
    if soort is None:
        return None
    return _SOORT_REGIO.get(str(soort).strip().lower())


def gemeente_code_of(code: str) -> str | None:
    """The gemeente code a wijk or buurt code belongs to (``WK036300`` -> ``GM0363``)."""
    if code[:2] in ("WK", "BU"):
        return "GM" + code[2:6]
    if code[:2] == "GM":
        return code
    return None


def wijk_code_of(code: str) -> str | None:
    """The wijk code a buurt code belongs to (``BU03630000`` -> ``WK036300``)."""
    if code[:2] == "BU":
        return "WK" + code[2:8]
    if code[:2] == "WK":
        return code
    return None


_WIJK_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)


def name_key(name: object) -> str:
    """A key for matching names across sources (see :func:`_name_key`)."""
    return _name_key("" if name is None else str(name))


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    """A key for matching names across sources.

    Case, accents, punctuation, padding and the CBS prefix ``"Wijk 43 "`` are ignored, so
    ``"Wijk 43 Angelslo"``, ``"Angelslo"`` and ``"ANGELSLO "`` share one key; ``"/"`` and
    ``"&"`` read as "en" and ``"e.o."`` as "en omgeving" ("Lutkemeer/Ookmeer" = "Lutkemeer en
    Ookmeer", "Hoofdweg e.o." = "Hoofdweg en omgeving").
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = _WIJK_PREFIX.sub("", text.strip())
    text = text.lower().replace("&", " en ").replace("/", " en ")
    text = re.sub(r"\be\.\s?o\.?(?=\s|$)", " en omgeving", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


_WIJK_NUMBER = re.compile(r"^wijk\s+(\d{1,2})\s", re.IGNORECASE)


def wijk_number_from_name(name: object) -> str | None:
    """The two-digit wijk number in a CBS wijk name (``"Wijk 10 Maria Gewanden"`` -> ``"10"``)."""
    m = _WIJK_NUMBER.match(str(name or "").strip())
    return m.group(1).zfill(2) if m else None


def covers(outer: str, inner: str) -> bool:
    """Whether CBS region ``outer`` is ``inner`` or contains it (by the code hierarchy)."""
    if outer == inner:
        return True
    lo, li = outer[:2], inner[:2]
    if lo == "NL":
        return li in ("GM", "WK", "BU")
    if lo == "GM":
        return li in ("WK", "BU") and gemeente_code_of(inner) == outer
    if lo == "WK":
        return li == "BU" and wijk_code_of(inner) == outer
    return False


def area_relation(code: str, level: str, members: Iterable[str], *, subject_id: str,
                  own: Iterable[str], wijk_codes: Iterable[str] = ()) -> str | None:
    """How an attached area (of a story or an applied approach) relates to a profile's subject.

    Parameters
    ----------
    code, level, members
        The attached area: its code or id, its level (``land``, ``gemeente``, ``wijk``,
        ``buurt`` or ``gebied``) and its CBS member codes.
    subject_id
        The subject's id (its code for one region).
    own
        The subject's CBS codes (members; invalid codes are ignored).
    wijk_codes
        Wijken that contain the subject (``Subject.wijk_codes``).

    Returns
    -------
    str or None
        ``"eigen"`` (the subject itself, or the same regions), ``"omvattend"`` (contains the
        subject), ``"deel"`` (inside it), ``"overlappend"``, or ``None`` (unrelated; an area
        of a whole gemeente or the country only relates to that gemeente's own profile).
    """
    if code == subject_id:
        return "eigen"
    inside = [m for m in members if is_valid_code(m)]
    mine = [m for m in own if is_valid_code(m)]
    if not inside or not mine:
        return None
    contains = all(any(covers(m, t) for m in inside) for t in mine)
    within = all(any(covers(t, m) for t in mine) for m in inside)
    if level in ("land", "gemeente") and not within:
        return None  # an area of the whole gemeente is not one of this wijk
    if contains and within:
        return "eigen"
    if contains or (level == "wijk" and code in set(wijk_codes)):
        return "omvattend"
    if within:
        return "deel"
    overlap = any(covers(m, t) or covers(t, m) for m in inside for t in mine)
    return "overlappend" if overlap else None


def relation_sentence(relation: str, *, lead: str, what: str, subject_kind: str) -> str:
    """The Dutch sentence for :func:`area_relation`: ``lead`` ("Over", "Toegepast in"),
    ``what`` (``"wijk Angelslo"``) and the subject's kind ("deze buurt").

    ``relation_sentence("omvattend", lead="Over", what="wijk Angelslo", subject_kind="buurt")``
    is ``"Over wijk Angelslo, waarin deze buurt ligt."``.
    """
    noun = {"wijk": "deze wijk", "buurt": "deze buurt", "gemeente": "deze gemeente"}.get(
        subject_kind, "dit gebied")
    if relation == "eigen":
        return f"{lead} {noun}."
    if relation == "omvattend":
        return f"{lead} {what}, waarin {noun} ligt."
    if relation == "deel":
        return f"{lead} {what}, een deel van {noun}."
    return f"{lead} {what}, dat deels samenvalt met {noun}."
