"""What the user typed, resolved to the :class:`~wijkanalyse.model.Subject` of a profile.

``wijkanalyse profiel <naam of code>`` accepts:

* a CBS code of a gemeente, wijk or buurt (``WK011443``, ``bu00141000``, ``GM0363 ``);
* a region name as any source spelled it (``"Angelslo"``, ``"Wijk 43 Angelslo"``); a name
  with the CBS prefix ``"Wijk NN "`` only finds wijken;
* the id or name of a user-defined area (:mod:`wijkanalyse.gebieden.areas`);
* the id, name or an alias of an area of a set shipped with the package
  (:mod:`wijkanalyse.gebieden.areasets`, e.g. ``"Jol/Galjoen"``, ``"Schiedam-Oost"``);
* the everyday name of a gemeente whose CBS name differs (:data:`GEMEENTE_ALIASES`:
  ``"Den Haag"`` is ``'s-Gravenhage``), also as ``gemeente``.

Names are compared with :func:`~wijkanalyse.codes.name_key` (case, accents, punctuation and the
``"Wijk 43 "`` prefix ignored). Rules, applied in this order:

1. ``gemeente`` (a name or GM code) keeps only candidates in that gemeente.
1a. Without ``year``, a region that carried the name only before it was renamed gives way to
   regions that carry it in their latest year (see :func:`prefer_current_names`).
2. A region is preferred over same-named regions *inside* it: the wijk Angelslo (WK011443)
   over its buurt Angelslo (BU01144300), the gemeente Kerkrade over a wijk Kerkrade in it.
   That is what users mean; the inner region remains reachable by its code.
3. With ``year``, among same-named candidates of one gemeente and level (a region recoded over
   the years, as Amsterdam's wijken in 2022) only those known in that year are kept.
4. Candidates with the same members are one: a user-defined area is kept before a CBS region,
   a CBS region before an area of a shipped set. So ``"Selwerd"`` (programme area = the single
   buurt BU00141000) resolves to the buurt itself and gives the same Subject as its code.
5. A user-defined area or shipped set area whose *id or name* (not an alias) equals the query
   wins over same-named CBS regions in its own gemeente; a user-defined area also replaces a
   shipped area with the same id.
6. A name unique within the shipped sets means that set's area, also against same-named
   regions in other gemeenten: when exactly one of the candidates left is an area of a
   shipped set whose *id or name* (not an alias) is the query, and no user-defined area
   matches, that area is the Subject. ``"Meerwijk"`` is the programme's wijk in Haarlem
   (WK039221), not the wijk or buurt Meerwijk in Uithoorn or the buurt in Bloemendaal;
   ``"Buitenhof"`` is the programme's wijk in Delft (WK050325), not the buurten in Druten and
   Lelystad. :attr:`Subject.resolution <wijkanalyse.model.Subject.resolution>` says which area
   was taken via which set, lists the others (code, name, level, gemeente; also in
   ``Subject.alternatives``) and how to choose one of them (``--gemeente`` or the code); the
   CLI prints it. Aliases do not count (``"Oost"`` is an alias of Schiedam-Oost and the name
   of twenty other wijken and buurten). A name that names two different areas of the shipped
   sets (in two sets or twice in one) stays ambiguous, and the message says so. ``gemeente``,
   ``year`` and an exact CBS code come first: a code is always that region, and
   ``--gemeente Uithoorn`` leaves the programme's Meerwijk out before this rule is applied.

This is the one rule for every caller: ``wijkanalyse profiel``, ``wijkanalyse kennis``,
stories, applied approaches, user set files (:mod:`wijkanalyse.gebieden.sets`) and the
library API (:func:`wijkanalyse.profile`) all call :func:`resolve_subject`.

One candidate left gives the Subject; several raise :class:`AmbiguousSubjectError` (listing
code, name, level and gemeente of each); none raises :class:`SubjectNotFoundError` with close
names ("Angelsloo" -> "Angelslo").

Subjects: a CBS region gives ``kind`` = its level and ``id`` = its code; a user-defined area
gives ``kind="gebied"`` and its area id; an area of a shipped set that is one CBS region gives
that region's kind and code (with the set's name and description), a set area of several
regions ``kind="gebied"`` and the set area's id.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Any

import duckdb

from wijkanalyse import store
from wijkanalyse.codes import (
    gemeente_code_of,
    is_valid_code,
    level_of,
    name_key,
    normalise_code,
    wijk_code_of,
)
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden import areas as areas_mod
from wijkanalyse.gebieden import load, names
from wijkanalyse.gebieden.areasetfiles import list_area_sets, load_area_set
from wijkanalyse.gebieden.areasets import AreaSet, SetArea
from wijkanalyse.gebieden.candidates import (
    Candidate,
    Region,
    ambiguous_message,
    chosen_message,
    merge_same_members,
    narrow_by_year,
    prefer_current_names,
    prefer_named_areas,
    prefer_outer_regions,
    sorted_candidates,
    unique_set_member,
)
from wijkanalyse.gebieden.renumbered import merge_lineage, with_lineage
from wijkanalyse.gebieden.suggestions import suggest
from wijkanalyse.model import Subject, SubjectDivision

_CBS_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)
#: Everyday names of gemeenten whose official (CBS) name differs, by name key.
GEMEENTE_ALIASES = {"den haag": "'s-Gravenhage", "den bosch": "'s-Hertogenbosch"}


class SubjectError(WijkanalyseError):
    """The query does not lead to exactly one area."""


class AmbiguousSubjectError(SubjectError):
    """Several areas fit the query.

    Attributes
    ----------
    query
        What the user typed.
    candidates
        One dict per candidate: ``code`` (CBS code, or area id for a gebied), ``name``,
        ``level`` (gemeente, wijk, buurt or gebied), ``gemeente_name``, ``gemeente_code``,
        ``years`` (years the region is known in the database; empty for gebieden) and
        ``source`` (``"cbs"``, ``"gebied"`` for a user-defined area, or the set name).
    """

    def __init__(self, query: str, candidates: list[dict[str, Any]], message: str) -> None:
        self.query = query
        self.candidates = candidates
        super().__init__(message)


class SubjectNotFoundError(SubjectError):
    """Nothing fits the query; ``suggestions`` holds close names or codes (maybe empty)."""

    def __init__(self, query: str, message: str, suggestions: list[str] | None = None) -> None:
        self.query = query
        self.suggestions = list(suggestions or [])
        super().__init__(message)


# -------------------------------------------------------------------------------- public API


def display_name(name: str | None, *, code: str | None = None) -> str:
    """A region name without the CBS prefix: ``"Wijk 43 Angelslo"`` -> ``"Angelslo"``.

    Falls back to ``code`` (or ``""``) when there is no name.
    """
    text = " ".join(str(name or "").split())
    stripped = _CBS_PREFIX.sub("", text)
    return stripped or text or (code or "")


def resolve_subject(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    gemeente: str | None = None,
    year: int | None = None,
) -> Subject:
    """Resolve a code or name to the Subject of a profile (rules in the module docstring).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    query
        A CBS code (any case, padding ignored), a region name, a user-defined area's id or
        name, or a shipped set area's id, name or alias.
    gemeente
        Keep only candidates in this gemeente (name or GM code).
    year
        Settles a name used by a recoded region (same name, gemeente and level, another code
        in other years): the code known in this year is taken.

    Returns
    -------
    Subject
        ``kind`` wijk, buurt, gemeente or gebied; ``members`` the codes whose figures make up
        the area; ``wijk_codes`` the wijken containing them.

    Raises
    ------
    AmbiguousSubjectError
        Several areas fit; the message lists them and says to add ``--gemeente`` or use the
        code.
    SubjectNotFoundError
        Nothing fits (unknown code, name, or gemeente); with close suggestions.
    """
    text = " ".join(str(query or "").split())
    if not text:
        raise SubjectNotFoundError(str(query), "Geef de naam of code van een wijk, buurt, "
                                   "gemeente of gebied op.")
    gm_codes = {resolve_gemeente(con, gemeente)[0]} if gemeente is not None else None
    code = normalise_code(text)
    if code and is_valid_code(code):
        return _subject_for_code(con, text, code, gm_codes, gemeente)

    key = name_key(text)
    slug = areas_mod.slugify(text)
    cands = _area_candidates(con, key, slug) + _region_candidates(
        con, GEMEENTE_ALIASES.get(key, text)) + _set_candidates(key, slug)
    matched_before_filter = list(cands)
    if gm_codes is not None:
        cands = [c for c in cands if set(c.gemeente_codes) & gm_codes]
    if year is None:
        cands = prefer_current_names(cands, {key, name_key(GEMEENTE_ALIASES.get(key, text))})
    cands = prefer_outer_regions(cands)
    if year is not None:
        cands = narrow_by_year(cands, int(year))
    cands = merge_same_members(cands)
    cands = prefer_named_areas(cands)
    cands = merge_lineage(con, cands)
    chosen = unique_set_member(cands)
    if chosen is not None:
        others = sorted_candidates([c for c in cands if c is not chosen])
        subject = _subject_of(con, chosen)
        subject.resolution = chosen_message(text, chosen, others)
        subject.alternatives = [c.as_dict() for c in others]
        return subject

    if len(cands) == 1:
        return _subject_of(con, cands[0])
    if cands:
        ordered = sorted_candidates(cands)
        raise AmbiguousSubjectError(text, [c.as_dict() for c in ordered],
                                    ambiguous_message(text, ordered, gemeente, year))
    if matched_before_filter and gm_codes is not None:
        elsewhere = sorted({c.gemeente_name or (c.gemeente_codes or ["?"])[0]
                            for c in matched_before_filter})
        close = _suggestions(con, text, gm_codes)
        raise SubjectNotFoundError(
            text,
            f"{text!r} ligt niet in gemeente {gemeente}; wel gevonden in: "
            f"{', '.join(elsewhere)}. Pas --gemeente aan of laat het weg."
            + (" Of bedoelt u " + " of ".join(repr(s) for s in close) + f" in {gemeente}?"
               if close else ""),
            close,
        )
    suggestions = _suggestions(con, text, gm_codes)
    where = f" in gemeente {gemeente}" if gemeente is not None else ""
    message = (f"{text!r} is niet gevonden{where}: geen wijk, buurt, gemeente of gebied met die "
               "naam of code in de database.")
    if suggestions:
        message += " Bedoelt u " + " of ".join(repr(s) for s in suggestions) + "?"
    else:
        message += (" Controleer de spelling, zoek de CBS-code op, of laad eerst de gegevens "
                    "met 'wijkanalyse data build'.")
    raise SubjectNotFoundError(text, message, suggestions)


def subject_for_area_set_entry(con: duckdb.DuckDBPyConnection, entry: SetArea) -> Subject:
    """The Subject of one area of a set (for benchmarks and the monitor).

    An area that is one CBS region gives that region's kind and code (with the set's name and
    description); an area of several regions gives ``kind="gebied"`` and the area's id.

    Raises
    ------
    SubjectNotFoundError
        When codes of the area are unknown in every year of the database.
    """
    known = _regions(con, entry.codes)
    unknown = [c for c in entry.codes if c not in known]
    if unknown:
        raise SubjectNotFoundError(
            entry.id,
            f"Gebied {entry.name!r} ({entry.id}): code(s) {', '.join(unknown)} komen in geen "
            "enkel geladen jaar voor; laad de gegevens met 'wijkanalyse data build'.",
        )
    gm_code = entry.gemeente_code or gemeente_code_of(entry.codes[0])
    gm_name = entry.gemeente_name or _gemeente_names(con, [gm_code]).get(gm_code or "")
    members = list(entry.codes)
    single = len(members) == 1
    return Subject(
        kind=entry.level if single else "gebied",
        id=members[0] if single else entry.id,
        name=entry.name,
        gemeente_code=gm_code,
        gemeente_name=gm_name,
        level=entry.level,
        members=members,
        wijk_codes=_wijk_codes(members),
        description=entry.description,
        other_years=[SubjectDivision(years=list(div.years), level=div.level,
                                     members=list(div.codes), reason=div.reason)
                     for div in entry.other_years],
    )


@lru_cache(maxsize=1)
def _shipped_set_areas_cached() -> tuple[tuple[AreaSet, SetArea], ...]:
    out: list[tuple[AreaSet, SetArea]] = []
    for info in list_area_sets():
        area_set = load_area_set(info.name)
        out.extend((area_set, area) for area in area_set.areas)
    return tuple(out)


def shipped_set_areas() -> list[tuple[AreaSet, SetArea]]:
    """Every area of every shipped set, with its set (the pool names are resolved against)."""
    return list(_shipped_set_areas_cached())


# ------------------------------------------------------------------------------ candidates


def _regions(con: duckdb.DuckDBPyConnection, codes: list[str] | tuple[str, ...]) -> dict[
        str, Region]:
    """The regions among ``codes`` as known over all years (latest name that is not empty)."""
    if not codes:
        return {}
    rows = load.region_summaries(con, codes)
    gm_codes = sorted({r[3] for r in rows if r[3]} | {r[0] for r in rows if r[1] == "gemeente"})
    gm_names = _gemeente_names(con, gm_codes)
    out = {}
    for code, level, name, gm_code, years in rows:
        level = level or level_of(code)
        gm_code = code if level == "gemeente" else (gm_code or gemeente_code_of(code))
        out[code] = Region(
            code=code,
            level=level,
            name=display_name(name, code=code) if level in ("wijk", "buurt") else (name or code),
            gemeente_code=gm_code,
            gemeente_name=gm_names.get(gm_code or ""),
            years=[int(y) for y in years or [] if y is not None],
        )
    return out


def _gemeente_names(con: duckdb.DuckDBPyConnection, codes: list[str | None]) -> dict[str, str]:
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    rows = load.latest_nonempty_names(con, wanted)
    return {code: name for code, name in rows if name}


#: A province suffix in a CBS gemeente name: "Bergen (NH.)", "Rijswijk (ZH.)".
_PROVINCE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def resolve_gemeente(con: duckdb.DuckDBPyConnection, query: str) -> tuple[str, str]:
    """THE gemeente resolver: a gemeente by code or name -> ``(code, name)``.

    Used by profiles (``--gemeente``, :func:`resolve_subject`), area sets
    (``gemeente:NAAM``, :func:`wijkanalyse.gebieden.sets.resolve_gemeente`) and segregation
    (:func:`wijkanalyse.segregatie.resolve_gemeente`), so that one query gives one answer
    everywhere. The rule, in this order:

    1. A GM code (any case, ``"gm0518"``) is that gemeente when the database knows it; an
       unknown code is an error ("Gemeentecode GM9999 is onbekend in de database.").
    2. A name is compared with :func:`~wijkanalyse.codes.name_key` (case, accents,
       punctuation ignored) to every name any source gave a gemeente code in any year, and to
       the everyday names of :data:`GEMEENTE_ALIASES` (``"Den Haag"``). When no name matches,
       the name without its province suffix counts (``"Rijswijk"`` is ``Rijswijk (ZH.)``).
    3. When the name belongs to several codes, the code that carries it in the most recent
       year wins (a name taken over by a merged gemeente means that gemeente).
    4. Several codes still (``"Bergen"``: Bergen (L.) GM0893 and Bergen (NH.) GM0373, both in
       2024): :class:`AmbiguousSubjectError`, listing every candidate as "name (code)" and
       saying to choose with the code or the full name.
    5. No match: :class:`SubjectNotFoundError`; when the text is a wijk, buurt or gebied it
       says in which gemeente it lies, otherwise it suggests close names ("Amsterdm" ->
       'Amsterdam') or the CBS code.

    The name returned is the gemeente's name in its latest year in the database.

    Parameters
    ----------
    con
        A connection (read-only is fine).
    query
        A GM code or a gemeente name.

    Returns
    -------
    tuple of (str, str)
        GM code and latest name.

    Raises
    ------
    AmbiguousSubjectError
        Several gemeenten fit (rule 4); ``candidates`` lists them.
    SubjectNotFoundError
        Empty, unknown code, or no gemeente of that name (rule 5).
    """
    text = " ".join(str(query or "").split())
    if not text:
        raise SubjectNotFoundError(text, "Geef de naam of CBS-code van een gemeente op.")
    rows = load.gemeente_name_rows(con)
    display: dict[str, str] = {}
    exact: dict[str, dict[str, int]] = {}  # name key -> code -> last year with that name
    stem: dict[str, dict[str, int]] = {}  # the same without a province suffix
    for code, year, name, more in rows:
        display[code] = name or display.get(code) or code  # rows ordered by year: latest
        for n in {name, *(more or [])} - {None, ""}:
            exact.setdefault(name_key(n), {})[code] = year
            stem.setdefault(name_key(_PROVINCE_SUFFIX.sub("", n)), {})[code] = year
    code = normalise_code(text)
    if code and code.startswith("GM") and is_valid_code(code):
        if code in display:
            return code, display[code]
        raise SubjectNotFoundError(text, f"Gemeentecode {code} is onbekend in de database.")
    key = name_key(GEMEENTE_ALIASES.get(name_key(text), text))
    found = exact.get(key) or stem.get(key) or {}
    if len(found) > 1:
        newest = max(found.values())
        found = {c: y for c, y in found.items() if y == newest}
    if len(found) == 1:
        (code,) = found
        return code, display[code]
    if found:
        codes = sorted(found)
        listed = ", ".join(f"{display[c]} ({c})" for c in codes)
        candidates = [{"code": c, "name": display[c], "level": "gemeente",
                       "gemeente_name": display[c], "gemeente_code": c,
                       "years": sorted({int(r[1]) for r in rows if r[0] == c}), "source": "cbs"}
                      for c in codes]
        raise AmbiguousSubjectError(
            text, candidates,
            f"Gemeente {text!r} is niet eenduidig: {listed}. Kies met de gemeentecode "
            f"(bijvoorbeeld {codes[0]}) of de volledige naam ({display[codes[0]]!r}).")
    try:
        subject = resolve_subject(con, text)
    except SubjectError:
        subject = None
    if subject is not None and subject.kind in ("wijk", "buurt", "gebied"):
        gm = subject.gemeente_name
        raise SubjectNotFoundError(
            text, f"{text!r} is een {subject.kind} in gemeente {gm}, geen gemeente. Bedoelt u "
            f"{gm!r}?", [gm] if gm else [])
    pool = sorted({n for _, _, name, more in rows for n in {name, *(more or [])} - {None, ""}})
    pool += [alias.title() for alias in GEMEENTE_ALIASES]
    sugg = suggest(text, pool)
    message = f"Gemeente {text!r} is onbekend in de database."
    if sugg:
        message += " Bedoelt u " + " of ".join(repr(s) for s in sugg) + "?"
    else:
        message += " Controleer de spelling of gebruik de CBS-code (bijvoorbeeld GM0363)."
    raise SubjectNotFoundError(text, message, sugg)


def _subject_for_code(con: duckdb.DuckDBPyConnection, text: str, code: str,
                      gm_codes: set[str] | None, gemeente: str | None) -> Subject:
    region = _regions(con, [code]).get(code)
    if region is None:
        close = _look_alike_codes(con, code)
        message = f"Code {code} komt in geen enkel geladen jaar voor."
        if close:
            message += " Bedoelt u " + " of ".join(close) + "?"
        else:
            message += " Controleer de code of laad de gegevens met 'wijkanalyse data build'."
        raise SubjectNotFoundError(text, message, close)
    if region.level == "land":
        raise SubjectNotFoundError(
            text, f"{code} is Nederland als geheel; een profiel gaat over een gemeente, wijk, "
            "buurt of gebied (Nederland staat in elk profiel als vergelijking).")
    if gm_codes is not None and region.gemeente_code not in gm_codes:
        raise SubjectNotFoundError(
            text, f"{code} ({region.name}) ligt in gemeente {region.gemeente_name or '?'}, niet "
            f"in {gemeente}. Pas --gemeente aan of laat het weg.")
    return with_lineage(con, _region_subject(region))


def _look_alike_codes(con: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    pool = [c for c in load.codes_with_prefix(con, code[:6]) if len(c) == len(code)]
    return difflib.get_close_matches(code, pool, n=3, cutoff=0.75)


def _area_candidates(con: duckdb.DuckDBPyConnection, key: str, slug: str) -> list[Candidate]:
    """User-defined areas whose id or name is the query."""
    try:
        listed = areas_mod.list_areas(con)
    except duckdb.CatalogException:  # a database without the user tables
        return []
    out = []
    for area_id, name in zip(listed["area_id"], listed["name"], strict=True):
        if area_id != slug and (not key or name_key(name) != key):
            continue
        area = areas_mod.get_area(con, area_id)
        gms = list(area.gemeente_codes)
        out.append(Candidate(
            source="gebied", code=area.area_id, name=area.name, level="gebied",
            gemeente_codes=gms, gemeente_name=_gemeente_names(con, [gms[0]]).get(gms[0])
            if gms else None, members=frozenset(area.codes), strong=True, area=area))
    return out


def _region_candidates(con: duckdb.DuckDBPyConnection, text: str) -> list[Candidate]:
    """CBS regions whose name (as any source spelled it) is the query."""
    reference = store.reference_regions(con)
    # cheap pre-selection: a name with the query's key contains each of its words (apart from
    # "en" and "omgeving", which name_key may have written for "/", "&" and "e.o.")
    words = [w for w in name_key(text).split() if w not in ("en", "omgeving")]
    if words:
        folded = (reference["name"].fillna("").astype(str).str.normalize("NFKD")
                  .str.encode("ascii", "ignore").str.decode("ascii").str.lower())
        mask = folded.str.contains(words[0], regex=False)
        for word in words[1:]:
            mask &= folded.str.contains(word, regex=False)
        reference = reference[mask]
    found = names.find_regions(text, reference)
    found = found[found["level"] != "land"]
    regions = _regions(con, found["code"].tolist())
    return [
        Candidate(source="cbs", code=r.code, name=r.name, level=r.level,
                   gemeente_codes=[r.gemeente_code] if r.gemeente_code else [],
                   gemeente_name=r.gemeente_name, members=frozenset([r.code]), years=r.years,
                   region=r)
        for r in (regions[c] for c in found["code"] if c in regions)
    ]


def _set_candidates(key: str, slug: str) -> list[Candidate]:
    """Areas of shipped sets whose id, name or an alias is the query."""
    out = []
    for area_set, entry in shipped_set_areas():
        strong = entry.id == slug or (bool(key) and name_key(entry.name) == key)
        if not strong and key not in entry.keys():
            continue
        out.append(Candidate(
            source=area_set.name, code=entry.codes[0] if entry.is_single_region else entry.id,
            name=entry.name, level=entry.level if entry.is_single_region else "gebied",
            gemeente_codes=[entry.gemeente_code] if entry.gemeente_code else [],
            gemeente_name=entry.gemeente_name, members=frozenset(entry.codes), strong=strong,
            notes=[f"{area_set.title}: {entry.name}"], set_area=entry,
            in_sets=[(area_set.name, area_set.title)] if strong else []))
    return out


# ---------------------------------------------------------------------------- subjects


def _wijk_codes(members: list[str]) -> list[str]:
    return sorted({w for w in (wijk_code_of(c) for c in members) if w})


def _shipped_other_years(code: str) -> list[SubjectDivision]:
    """The older codes a shipped set records for exactly this one region (the programme's
    Jagershoef had code BU07721513 in 2015), when the shipped sets agree on them."""
    found: set[tuple[Any, ...]] = set()
    for _, entry in shipped_set_areas():
        if entry.codes == (code,) and entry.other_years:
            found.add(tuple((div.years, div.level, div.codes, div.reason)
                            for div in entry.other_years))
    if len(found) != 1:
        return []
    return [SubjectDivision(years=list(years), level=level, members=list(codes), reason=reason)
            for years, level, codes, reason in found.pop()]


def _region_subject(region: Region) -> Subject:
    return Subject(
        kind=region.level,
        id=region.code,
        name=region.name,
        gemeente_code=region.gemeente_code,
        gemeente_name=region.gemeente_name,
        level=region.level,
        members=[region.code],
        wijk_codes=_wijk_codes([region.code]),
        other_years=_shipped_other_years(region.code),
    )


def _subject_of(con: duckdb.DuckDBPyConnection, cand: Candidate) -> Subject:
    if cand.region is not None:
        return with_lineage(con, _region_subject(cand.region), cand)
    if cand.set_area is not None:
        return subject_for_area_set_entry(con, cand.set_area)
    area = cand.area
    assert area is not None
    members = list(area.codes)
    gm_code = area.gemeente_code or (cand.gemeente_codes[0] if cand.gemeente_codes else None)
    return Subject(
        kind="gebied",
        id=area.area_id,
        name=area.name,
        gemeente_code=gm_code,
        gemeente_name=cand.gemeente_name,
        level=area.level,
        members=members,
        wijk_codes=_wijk_codes(members),
        description=area.description,
    )


def _suggestions(con: duckdb.DuckDBPyConnection, text: str,
                 gm_codes: set[str] | None) -> list[str]:
    """Close names among regions (of the gemeente, if given) and areas of sets and users."""
    pool = load.region_names(con, None if gm_codes is None else sorted(gm_codes))
    for _, entry in shipped_set_areas():
        if gm_codes is None or entry.gemeente_code in gm_codes:
            pool.extend([entry.name, *entry.aliases])
    try:
        pool.extend(areas_mod.list_areas(con)["name"].tolist())
    except duckdb.CatalogException:
        pass
    return suggest(text, [display_name(n) for n in pool])
