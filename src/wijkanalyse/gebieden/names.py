"""Resolving region names to CBS codes, and looking regions up by code or name.

Some sources carry names only: the Heerlen SQLite (2016-2020), the 2015 StatLine income export
of Amsterdam, municipal boundary files. :func:`resolve_names` matches their names against the
regions already known from coded sources (``store.reference_regions``). Matching is strict:

* a name is only ever matched inside its own gemeente (never across gemeenten);
* a CBS wijk name ``"Wijk 10 Maria Gewanden en Terschuren"`` gives the code ``WK`` + gemeente
  number + ``10`` when that code is known; whether the name agrees is recorded in the method;
* otherwise names are compared with :func:`wijkanalyse.codes.name_key` (case, accents,
  punctuation and the ``"Wijk 43 "`` prefix ignored) within gemeente and level, preferring the
  reference year closest to the source year;
* ambiguous matches are never guessed: they become ``unmatched_name`` issues that list the
  candidates, and so do two names that would end on the same code.

All functions are pure: pandas in, pandas out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.codes import (
    LEVELS,
    gemeente_code_of,
    is_valid_code,
    level_of,
    name_key,
    normalise_code,
    wijk_number_from_name,
)
from wijkanalyse.gebieden.suggestions import NamePool, closest_names, suggestion_keys
from wijkanalyse.sourcetable import LoadIssue

#: Columns of the frame :func:`find_regions` returns.
FIND_COLUMNS = ["code", "level", "name", "gemeente_code", "gemeente_name", "latest_year"]

#: Match methods recorded in :attr:`Resolution.methods`.
METHODS = {
    "code": "the source row already had a valid CBS code",
    "gemeente": "the row is the gemeente itself (its name is the gemeente name)",
    "wijknummer+naam": "wijk number in the name gives a known code, and the name agrees",
    "wijknummer": "wijk number in the name gives a known code; the name differs (renamed)",
    "naam+niveau": "name matched within the gemeente at the level the source states",
    "naam": "name matched within the gemeente, level unknown, match unique over all levels",
}

_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(LEVELS)}
#: Strength of the evidence of a match (lower is stronger), to settle two rows on one code.
_STRENGTH = {"gemeente": 0, "wijknummer+naam": 0, "naam+niveau": 1, "naam": 1, "wijknummer": 2}


@dataclass
class Resolution:
    """Outcome of :func:`resolve_names`, aligned with the index of the input regions.

    Attributes
    ----------
    codes
        The CBS code per row, ``None`` where the name was not matched.
    methods
        How each row was matched (a key of :data:`METHODS`), ``None`` where unmatched.
    issues
        One ``unmatched_name`` :class:`~wijkanalyse.sourcetable.LoadIssue` per unmatched row
        (Dutch text naming name, gemeente, level, line, candidates or suggestions).
    levels
        The level implied by the matched code (fills in rows whose level was unknown),
        otherwise the level given in the input.
    """

    codes: pd.Series
    methods: pd.Series
    issues: list[LoadIssue] = field(default_factory=list)
    levels: pd.Series | None = None


# --------------------------------------------------------------------------------------------
# reference preparation

_REF_COLUMNS = ["year", "code", "level", "name", "key", "gemeente_code", "gemeente_name",
                "gm_key"]
_INF = float("inf")
#: (code, year) of one reference row.
_Cand = tuple[str, float]


def _isna(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _map_unique(values: pd.Series, func: Callable[[Any], object],
                missing: object = None) -> pd.Series:
    """``func`` of every non-missing value, computed once per distinct value."""
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, v in enumerate(uniques):
        table[i] = func(v)
    table[-1] = missing  # code -1: a missing value
    return pd.Series(table[codes], index=values.index, dtype="object")


def _strip(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def _prepare_reference(reference: pd.DataFrame, *, keys: bool = True) -> pd.DataFrame:
    """Normalised reference with columns :data:`_REF_COLUMNS`; rows without a valid code dropped.

    With ``keys=False`` the name keys are left empty (``""``) except for gemeente rows, so that
    a caller can compute them for the gemeenten it needs only (:func:`_fill_keys`).
    """
    if reference is None or reference.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in _REF_COLUMNS})

    def column(name: str) -> pd.Series:
        if name in reference:
            return reference[name]
        return pd.Series(None, index=reference.index, dtype="object")

    codes = _map_unique(column("code"), normalise_code)
    valid = _map_unique(codes, is_valid_code, False).astype(bool)
    rows = reference.index[valid.to_numpy()]
    codes = codes[rows]
    ref = pd.DataFrame(index=rows)
    ref["year"] = pd.to_numeric(column("year")[rows], errors="coerce").astype("float64")
    ref["code"] = codes
    ref["level"] = _map_unique(codes, level_of)
    ref["name"] = _map_unique(column("name")[rows], _strip)
    derived = _map_unique(codes, gemeente_code_of)
    given = _map_unique(column("gemeente_code")[rows], normalise_code)
    ref["gemeente_code"] = derived.where(derived.notna(), given)
    ref["gemeente_name"] = _map_unique(column("gemeente_name")[rows], _strip)
    ref["gm_key"] = _map_unique(ref["gemeente_name"], name_key, "")
    ref["key"] = ""
    ref = ref.reset_index(drop=True)
    if keys:
        ref["key"] = _map_unique(ref["name"], name_key, "")
    else:
        _fill_keys(ref, (ref["level"] == "gemeente").to_numpy())
    return ref[_REF_COLUMNS]


@dataclass
class _Prepared:
    """A prepared reference with what is derived from it once (see :func:`_prepared_once`)."""

    ref: pd.DataFrame
    gemeenten: dict[str, list[_Cand]]  # :func:`_gemeente_index` of ``ref``
    gemeente_names: NamePool | None = None  # :func:`suggestion_keys` of the gemeenten


_PREPARED: list[tuple[pd.DataFrame, _Prepared]] = []


def _prepared_once(reference: pd.DataFrame) -> _Prepared:
    """:func:`_prepare_reference` (without keys), reused while the same frame is passed in.

    The build resolves many tables against one reference frame; the prepared copy is never
    mutated (callers take ``.copy()`` of the rows they fill), nor is its gemeente index.
    """
    if _PREPARED and _PREPARED[0][0] is reference:
        return _PREPARED[0][1]
    ref = _prepare_reference(reference, keys=False)
    prepared = _Prepared(ref=ref, gemeenten=_gemeente_index(ref))
    _PREPARED[:] = [(reference, prepared)]
    return prepared


def _fill_keys(ref: pd.DataFrame, mask: pd.Series) -> None:
    """Compute the name keys of the rows selected by ``mask`` in place."""
    if mask.any():
        ref.loc[mask, "key"] = _map_unique(ref.loc[mask, "name"], name_key, "")


def _gemeente_index(ref: pd.DataFrame) -> dict[str, list[_Cand]]:
    """Gemeente name key -> (code, year): from gemeente rows and from the gemeente_name column."""
    out: dict[str, set[_Cand]] = {}
    own = ref[ref["level"] == "gemeente"]
    for key, code, yr in zip(own["key"], own["code"], own["year"], strict=True):
        if key:
            out.setdefault(key, set()).add((code, yr))
    via = ref[(ref["gm_key"] != "") & ref["gemeente_code"].notna()]
    via = via[["gm_key", "gemeente_code", "year"]].drop_duplicates()
    for key, code, yr in zip(via["gm_key"], via["gemeente_code"], via["year"], strict=True):
        out.setdefault(key, set()).add((code, yr))
    return {k: sorted(v, key=lambda c: (c[0], -_INF if pd.isna(c[1]) else c[1]))
            for k, v in out.items()}


def _closest(cands: Iterable[_Cand], target: float | None) -> list[str]:
    """Codes among ``cands`` whose nearest year is nearest to ``target`` (all without target)."""
    best: dict[str, float] = {}
    for code, yr in cands:
        dist = _INF if target is None or pd.isna(yr) else abs(yr - target)
        best[code] = min(best.get(code, _INF), dist)
    if not best:
        return []
    if target is None:
        return sorted(best)
    low = min(best.values())
    return sorted(c for c, d in best.items() if d == low)


def _describe(ref: pd.DataFrame, codes: Iterable[str]) -> str:
    """``"WK011443 (Wijk 43 Angelslo, Emmen)"`` for each code, with its latest name."""
    parts = []
    for code in codes:
        rows = ref[ref["code"] == code].sort_values(["year", "name"], na_position="first")
        if rows.empty:
            parts.append(code)
            continue
        last = rows.iloc[-1]
        gm = last["gemeente_name"] or last["gemeente_code"] or "?"
        parts.append(f"{code} ({last['name']}, {gm})")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# public API


def find_regions(
    query: str,
    reference: pd.DataFrame,
    *,
    gemeente: str | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Look a region up by CBS code or by name.

    ``"WK011443"``, ``"Wijk 43 Angelslo"`` and (with ``level="wijk"``) ``"Angelslo"`` find the
    same wijk. A query with a CBS wijk prefix (``"Wijk 43 ..."``) only finds wijken. Without a
    level, a name finds every level that uses it (``"Angelslo"`` is both wijk WK011443 and
    buurt BU01144300), and without a gemeente every gemeente (``"Meerwijk"``), so a caller can
    list the candidates.

    Parameters
    ----------
    query
        A CBS code (any case, padding ignored) or a name.
    reference
        Known regions (columns year, code, level, name, gemeente_code, gemeente_name), e.g.
        ``store.reference_regions``.
    gemeente
        Restrict to one gemeente, given by name or GM code.
    level
        Restrict to one level (gemeente, wijk, buurt, land).

    Returns
    -------
    pandas.DataFrame
        One row per candidate code with columns :data:`FIND_COLUMNS` (name, gemeente name and
        level as in the latest year the code is known), ordered by level, gemeente and code;
        empty when nothing matches.
    """
    ref = _prepare_reference(reference)
    code = normalise_code(query)
    if code and is_valid_code(code):
        hits = ref[ref["code"] == code]
    else:
        key = name_key(query)
        hits = ref[(ref["key"] == key) & (key != "")]
        if wijk_number_from_name(query):
            hits = hits[hits["level"] == "wijk"]
    if level is not None:
        hits = hits[hits["level"] == level]
    if gemeente is not None and not hits.empty:
        gm_codes = _gemeente_codes(ref, gemeente)
        hits = hits[hits["gemeente_code"].isin(gm_codes)]
    if hits.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FIND_COLUMNS})
    # describe each code as in the latest year it is known (all names of that code count)
    rows = ref[ref["code"].isin(hits["code"].unique())]
    rows = rows.sort_values(["code", "year", "name"], na_position="first")
    last = rows.groupby("code", sort=False).tail(1).copy()
    last["latest_year"] = last["year"].map(lambda y: None if pd.isna(y) else int(y))
    last["order"] = last["level"].map(_LEVEL_ORDER)
    last = last.sort_values(["order", "gemeente_name", "code"], na_position="last")
    return last[FIND_COLUMNS].reset_index(drop=True)


def _gemeente_codes(ref: pd.DataFrame, gemeente: str) -> set[str]:
    code = normalise_code(gemeente)
    if code and code.startswith("GM") and is_valid_code(code):
        return {code}
    return {c for c, _ in _gemeente_index(ref).get(name_key(gemeente), [])}


def resolve_names(
    regions: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    year: int | None = None,
) -> Resolution:
    """Resolve names of a names-only source to CBS codes.

    Parameters
    ----------
    regions
        Rows with the :data:`~wijkanalyse.sourcetable.REGION_COLUMNS` (``code`` usually
        ``None``; ``level`` may be ``None`` for unknown; ``gemeente_name`` should be given:
        without it only gemeente rows can be matched).
    reference
        Known regions: columns year, code, level, name, gemeente_code, gemeente_name, one row
        per (year, code, name as some source spelled it) (``store.reference_regions``).
    year
        Year of the source; a row's own ``year`` takes precedence. Used to prefer the
        reference year closest to it when a name belongs to different codes over the years.

    Returns
    -------
    Resolution
        Codes and methods aligned with ``regions.index``, and one issue per unmatched row.

    Notes
    -----
    Order of the rules per row: an existing valid code; the gemeente (by the name of
    ``gemeente_name``); a gemeente row (level gemeente, or level unknown and name equal to the
    gemeente name); the wijk number of a ``"Wijk NN ..."`` name; the name key within gemeente
    and level (any level when unknown, then it must be unique). Finally, rows of the same year
    that end on the same code are unmatched again (a source never holds one region twice),
    except the one with clearly the strongest evidence (number and name agreeing beats name
    alone, which beats number alone).
    """
    prepared = _prepared_once(reference)
    full = prepared.ref
    gm_idx = prepared.gemeenten
    known_codes = set(full["code"])
    pools: dict[tuple[str, str | None], NamePool] = {}  # suggestion candidates per pool
    index = regions.index
    codes = pd.Series(None, index=index, dtype="object")
    methods = pd.Series(None, index=index, dtype="object")
    levels = pd.Series(None, index=index, dtype="object")
    problems: dict[object, str] = {}
    lines: dict[object, int | None] = {}

    def cell(row: dict[str, Any], col: str) -> Any:
        value = row.get(col)
        return None if _isna(value) else value

    # pass 1: the gemeente of every row (names are only matched inside it)
    todo: list[tuple[Any, ...]] = []  # (idx, name, level, gm_name, gm_code, target, where)
    for idx, row in zip(regions.index, regions.to_dict("records"), strict=True):
        name = _strip(cell(row, "name")) if cell(row, "name") is not None else None
        level = cell(row, "level")
        level = str(level) if level is not None else None
        gm_name = _strip(cell(row, "gemeente_name")) if cell(row, "gemeente_name") is not None \
            else None
        line = int(cell(row, "line")) if cell(row, "line") is not None else None
        row_year = cell(row, "year")
        target = float(row_year) if row_year is not None else (
            float(year) if year is not None else None)
        lines[idx] = line
        levels[idx] = level
        where = _where(level, gm_name, line)

        given = normalise_code(cell(row, "code"))
        if given and is_valid_code(given):
            codes[idx], methods[idx], levels[idx] = given, "code", level_of(given)
            continue
        if not name:
            problems[idx] = f"Regel zonder naam ({where}) kan niet gekoppeld worden."
            continue
        if gm_name is None:
            if level in (None, "gemeente"):
                hits = _closest(gm_idx.get(name_key(name), []), target)
                if len(hits) == 1:
                    codes[idx], methods[idx], levels[idx] = hits[0], "gemeente", "gemeente"
                    continue
            problems[idx] = (
                f"Naam {name!r} ({where}) heeft geen gemeente en is niet gekoppeld; namen "
                "worden alleen binnen hun eigen gemeente gezocht."
            )
            continue
        gm_hits = _closest(gm_idx.get(name_key(gm_name), []), target)
        if not gm_hits:
            if prepared.gemeente_names is None:
                prepared.gemeente_names = suggestion_keys(
                    full.loc[full["level"] == "gemeente", "name"])
            sugg = closest_names(gm_name, prepared.gemeente_names)
            problems[idx] = (
                f"Naam {name!r} ({where}): gemeente {gm_name!r} is onbekend; niet gekoppeld."
                f"{_bedoelt(sugg)}"
            )
            continue
        if len(gm_hits) > 1:
            problems[idx] = (
                f"Naam {name!r} ({where}): gemeentenaam {gm_name!r} is niet eenduidig, past bij "
                f"{_describe(full, gm_hits)}; niet gekoppeld."
            )
            continue
        todo.append((idx, name, level, gm_name, gm_hits[0], target, where))

    # name keys and indexes of the gemeenten concerned only
    wanted = {t[4] for t in todo}
    ref = full[full["gemeente_code"].isin(wanted)].copy()
    _fill_keys(ref, (ref["key"] == "").to_numpy())
    by_name: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
    code_keys: dict[str, set[str]] = {}
    for code, yr, lvl, key, gm in zip(ref["code"], ref["year"], ref["level"], ref["key"],
                                      ref["gemeente_code"], strict=True):
        by_name.setdefault((gm, key), []).append((code, yr, lvl))
        code_keys.setdefault(code, set()).add(key)

    # pass 2: the region within its gemeente
    for idx, name, level, gm_name, gm, target, where in todo:
        key = name_key(name)
        gm_key = name_key(gm_name)

        # the gemeente row itself
        if level == "gemeente" or (level is None and key == gm_key):
            if key == gm_key:
                codes[idx], methods[idx], levels[idx] = gm, "gemeente", "gemeente"
            else:
                problems[idx] = (
                    f"Naam {name!r} ({where}) is als gemeente aangemerkt maar heet anders dan "
                    f"de gemeente {gm_name!r}; niet gekoppeld."
                )
            continue

        # candidates by name key within gemeente and level (any level below the gemeente
        # when unknown; a "Wijk NN" prefix says wijk)
        number = wijk_number_from_name(name)
        eff_level = level if level is not None else ("wijk" if number else None)
        same = [(c, y) for c, y, lvl in by_name.get((gm, key), [])
                if (lvl == eff_level if eff_level is not None else lvl != "gemeente")]
        found = _closest(same, target)

        # the wijk number
        if number and level in (None, "wijk"):
            num_code = "WK" + gm[2:6] + number
            if num_code in known_codes:
                if key in code_keys.get(num_code, set()):
                    codes[idx], methods[idx], levels[idx] = num_code, "wijknummer+naam", "wijk"
                elif found and num_code not in found:
                    problems[idx] = (
                        f"Naam {name!r} ({where}): het wijknummer wijst naar "
                        f"{_describe(full, [num_code])}, de naam naar {_describe(full, found)}; "
                        "niet gekoppeld. Controleer wijknummer en naam in de bron."
                    )
                else:
                    codes[idx], methods[idx], levels[idx] = num_code, "wijknummer", "wijk"
                continue

        if len(found) == 1:
            codes[idx] = found[0]
            methods[idx] = "naam+niveau" if level is not None else "naam"
            levels[idx] = level_of(found[0])
        elif len(found) > 1:
            problems[idx] = (
                f"Naam {name!r} ({where}) is niet eenduidig: past bij "
                f"{_describe(full, found)}; niet gekoppeld. Geef de CBS-code op of maak de "
                "naam eenduidig."
            )
        else:
            if (gm, eff_level) not in pools:
                pool = ref[ref["gemeente_code"] == gm]
                pool = pool[pool["level"] == eff_level] if eff_level is not None else pool[
                    pool["level"] != "gemeente"]
                pools[(gm, eff_level)] = suggestion_keys(pool["name"])
            sugg = closest_names(name, pools[(gm, eff_level)])
            problems[idx] = (
                f"Naam {name!r} ({where}) niet gevonden onder de bekende regio's van "
                f"{gm_name}; niet gekoppeld.{_bedoelt(sugg)}"
            )

    _unmatch_duplicates(regions, codes, methods, levels, problems, target_year=year)
    issues = [
        LoadIssue(kind="unmatched_name", detail=problems[i], line=lines.get(i))
        for i in index if i in problems
    ]
    return Resolution(codes=_nones(codes), methods=_nones(methods), issues=issues,
                      levels=_nones(levels))


def _nones(series: pd.Series) -> pd.Series:
    """Object series with ``None`` (not ``NaN``) for missing entries."""
    return pd.Series([None if _isna(v) else v for v in series], index=series.index,
                     dtype="object")


def _where(level: str | None, gemeente: str | None, line: int | None) -> str:
    parts = [f"niveau {level}" if level else "niveau onbekend"]
    parts.append(f"gemeente {gemeente}" if gemeente else "gemeente onbekend")
    if line is not None:
        parts.append(f"regel {line}")
    return ", ".join(parts)


def _bedoelt(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    return " Bedoelt u " + " of ".join(repr(s) for s in suggestions) + "?"


def _unmatch_duplicates(
    regions: pd.DataFrame,
    codes: pd.Series,
    methods: pd.Series,
    levels: pd.Series,
    problems: dict[object, str],
    *,
    target_year: int | None,
) -> None:
    """Rows of one year that ended on the same code: never guess which one is meant.

    The evidence of each match is ranked (number and name agreeing, or the gemeente itself;
    then name alone; then wijk number alone). When exactly one row has the strongest evidence
    it keeps the code and the others are unmatched; otherwise all of them are unmatched.
    """
    if "year" in regions:
        years = regions["year"].astype("object").where(regions["year"].notna(), target_year)
    else:
        years = pd.Series(target_year, index=regions.index, dtype="object")
    resolved = codes.notna() & (methods != "code")
    frame = pd.DataFrame({"code": codes[resolved], "year": years[resolved]})
    dup = frame[frame.duplicated(["year", "code"], keep=False)]
    for (_, code), group in dup.groupby(["year", "code"], sort=True, dropna=False):
        ranks = {i: _STRENGTH.get(methods[i], 9) for i in group.index}
        best = min(ranks.values())
        strong = [i for i in group.index if ranks[i] == best]
        losers = [i for i in group.index if i not in strong] if len(strong) == 1 else list(
            group.index)
        for i in losers:
            others = [_text(regions.at[j, "name"]) for j in group.index if j != i]
            line = regions.at[i, "line"] if "line" in regions else None
            level = None if _isna(regions.at[i, "level"]) else str(regions.at[i, "level"])
            gm = regions.at[i, "gemeente_name"] if "gemeente_name" in regions else None
            where = _where(level, None if _isna(gm) else _text(gm),
                           None if line is None or _isna(line) else int(line))
            problems[i] = (
                f"Naam {_text(regions.at[i, 'name'])!r} ({where}) en "
                f"{', '.join(repr(o) for o in others)} vallen op dezelfde code {code}; "
                + (f"die is gegeven aan {_text(regions.at[strong[0], 'name'])!r}, die er beter "
                   "bij past; niet gekoppeld."
                   if len(strong) == 1 else "geen van beide gekoppeld.")
            )
            codes[i] = None
            methods[i] = None
            levels[i] = level


def _text(value: object) -> str:
    return "" if _isna(value) else str(value).strip()
