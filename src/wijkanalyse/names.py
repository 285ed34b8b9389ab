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

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .codes import (
    LEVELS,
    gemeente_code_of,
    is_valid_code,
    level_of,
    name_key,
    normalise_code,
    wijk_number_from_name,
)
from .sourcetable import LoadIssue

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


def _prepare_reference(reference: pd.DataFrame) -> pd.DataFrame:
    """Normalised reference: code, level, name, key, year, gemeente_code, gemeente_name."""
    cols = ["year", "code", "level", "name", "key", "gemeente_code", "gemeente_name", "gm_key"]
    if reference is None or reference.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    ref = pd.DataFrame(index=reference.index)
    codes = reference["code"].map(normalise_code)
    valid = codes.map(lambda c: isinstance(c, str) and is_valid_code(c))
    ref["code"] = codes
    ref["year"] = pd.to_numeric(reference["year"], errors="coerce") if "year" in reference \
        else float("nan")
    ref["level"] = [level_of(c) if ok else None for c, ok in zip(codes, valid, strict=True)]
    ref["name"] = reference["name"].map(lambda s: None if _isna(s) else str(s).strip())
    given_gm = (reference["gemeente_code"].map(normalise_code) if "gemeente_code" in reference
                else pd.Series(None, index=reference.index, dtype="object"))
    ref["gemeente_code"] = [
        gemeente_code_of(c) if ok else g for c, ok, g in zip(codes, valid, given_gm, strict=True)
    ]
    gm_names = (reference["gemeente_name"] if "gemeente_name" in reference
                else pd.Series(None, index=reference.index, dtype="object"))
    ref["gemeente_name"] = gm_names.map(lambda s: None if _isna(s) else str(s).strip())
    ref = ref[valid.astype(bool)].copy()
    ref["key"] = _keys(ref["name"])
    ref["gm_key"] = _keys(ref["gemeente_name"])
    return ref[cols].reset_index(drop=True)


def _isna(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _keys(names: pd.Series) -> pd.Series:
    """``name_key`` of every value (``""`` for missing), computed once per distinct value."""
    cache: dict[str, str] = {}

    def key(value: object) -> str:
        if _isna(value):
            return ""
        text = str(value)
        if text not in cache:
            cache[text] = name_key(text)
        return cache[text]

    return pd.Series([key(v) for v in names], index=names.index, dtype="object")


def _gemeente_index(ref: pd.DataFrame) -> pd.DataFrame:
    """(key, code, year) of every gemeente name: gemeente rows and the gemeente_name column."""
    own = ref.loc[ref["level"] == "gemeente", ["key", "code", "year"]]
    via = ref.loc[ref["gm_key"] != "", ["gm_key", "gemeente_code", "year"]]
    via = via.rename(columns={"gm_key": "key", "gemeente_code": "code"})
    out = pd.concat([own, via], ignore_index=True)
    out = out[out["code"].notna() & (out["key"] != "")]
    return out.drop_duplicates().reset_index(drop=True)


def _closest(cands: pd.DataFrame, target: float | None) -> list[str]:
    """Codes among ``cands`` (columns code, year) whose nearest year is nearest to ``target``."""
    if cands.empty:
        return []
    if target is None or pd.isna(target):
        return sorted(cands["code"].unique())
    dist = (cands["year"] - target).abs().fillna(float("inf"))
    best = dist.groupby(cands["code"]).min()
    return sorted(best.index[best == best.min()])


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


def suggest(name: str, candidates: Iterable[str], *, n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``candidates``, for "bedoelt u ...?" suggestions.

    Names are compared on their :func:`~wijkanalyse.codes.name_key` with :mod:`difflib`;
    candidates sharing one key are offered once (the shortest spelling, e.g. ``"Angelslo"``
    rather than ``"Wijk 43 Angelslo"``).

    Parameters
    ----------
    name
        The name that was not found.
    candidates
        Names to choose from.
    n
        At most this many suggestions, best first.

    Returns
    -------
    list of str
        Original spellings of the closest candidates (possibly empty).
    """
    by_key: dict[str, str] = {}
    for cand in candidates:
        if _isna(cand):
            continue
        text = str(cand).strip()
        key = name_key(text)
        if not key:
            continue
        prev = by_key.get(key)
        if prev is None or (len(text), text) < (len(prev), prev):
            by_key[key] = text
    hits = difflib.get_close_matches(name_key(name), list(by_key), n=n, cutoff=0.6)
    return [by_key[k] for k in hits]


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
    idx = _gemeente_index(ref)
    return set(idx.loc[idx["key"] == name_key(gemeente), "code"])


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
    that end on the same code are all unmatched again (a source never holds one region twice).
    """
    ref = _prepare_reference(reference)
    gm_idx = _gemeente_index(ref)
    known_codes = set(ref["code"])
    index = regions.index
    codes = pd.Series(None, index=index, dtype="object")
    methods = pd.Series(None, index=index, dtype="object")
    levels = pd.Series(None, index=index, dtype="object")
    problems: dict[object, str] = {}
    lines: dict[object, int | None] = {}

    ref_by_gm = {g: frame for g, frame in ref.groupby("gemeente_code", sort=False)}
    empty = ref.iloc[0:0]

    for idx, row in regions.iterrows():
        name = None if _isna(row.get("name")) else str(row["name"]).strip()
        level = None if _isna(row.get("level")) else str(row["level"])
        gm_name = None if _isna(row.get("gemeente_name")) else str(row["gemeente_name"]).strip()
        line = None if _isna(row.get("line")) else int(row["line"])
        row_year = row.get("year")
        target = float(row_year) if not _isna(row_year) else (
            float(year) if year is not None else None)
        lines[idx] = line
        levels[idx] = level
        where = _where(level, gm_name, line)

        given = normalise_code(row.get("code")) if not _isna(row.get("code")) else None
        if given and is_valid_code(given):
            codes[idx], methods[idx], levels[idx] = given, "code", level_of(given)
            continue
        if not name:
            problems[idx] = f"Regel zonder naam ({where}) kan niet gekoppeld worden."
            continue

        # 1. the gemeente
        if gm_name is None:
            if level in (None, "gemeente"):
                hits = _closest(gm_idx[gm_idx["key"] == name_key(name)], target)
                if len(hits) == 1:
                    codes[idx], methods[idx], levels[idx] = hits[0], "gemeente", "gemeente"
                    continue
            problems[idx] = (
                f"Naam {name!r} ({where}) heeft geen gemeente; namen worden alleen binnen hun "
                "gemeente gekoppeld, niet gekoppeld."
            )
            continue
        gm_hits = _closest(gm_idx[gm_idx["key"] == name_key(gm_name)], target)
        if not gm_hits:
            sugg = suggest(gm_name, ref.loc[ref["level"] == "gemeente", "name"])
            problems[idx] = (
                f"Naam {name!r} ({where}): gemeente {gm_name!r} is onbekend"
                f"{_bedoelt(sugg)}; niet gekoppeld."
            )
            continue
        if len(gm_hits) > 1:
            problems[idx] = (
                f"Naam {name!r} ({where}): gemeentenaam {gm_name!r} is niet eenduidig, past bij "
                f"{_describe(ref, gm_hits)}; niet gekoppeld."
            )
            continue
        gm = gm_hits[0]
        in_gm = ref_by_gm.get(gm, empty)
        key = name_key(name)

        # 2. the gemeente row itself
        if level == "gemeente" or (level is None and key == name_key(gm_name)):
            if key == name_key(gm_name):
                codes[idx], methods[idx], levels[idx] = gm, "gemeente", "gemeente"
            else:
                problems[idx] = (
                    f"Naam {name!r} ({where}) is als gemeente aangemerkt maar heet anders dan "
                    f"de gemeente {gm_name!r}; niet gekoppeld."
                )
            continue

        # 3. candidates by name key within gemeente and level
        number = wijk_number_from_name(name)
        eff_level = level if level is not None else ("wijk" if number else None)
        pool = in_gm if eff_level is None else in_gm[in_gm["level"] == eff_level]
        pool = pool[pool["level"] != "gemeente"] if eff_level is None else pool
        by_name = _closest(pool[pool["key"] == key], target)

        # 4. the wijk number
        if number and level in (None, "wijk"):
            num_code = "WK" + gm[2:6] + number
            if num_code in known_codes:
                agrees = key in set(in_gm.loc[in_gm["code"] == num_code, "key"])
                if agrees:
                    codes[idx], methods[idx], levels[idx] = num_code, "wijknummer+naam", "wijk"
                elif by_name and num_code not in by_name:
                    problems[idx] = (
                        f"Naam {name!r} ({where}): het wijknummer wijst naar "
                        f"{_describe(ref, [num_code])}, de naam naar {_describe(ref, by_name)}; "
                        "niet gekoppeld. Controleer wijknummer en naam in de bron."
                    )
                else:
                    codes[idx], methods[idx], levels[idx] = num_code, "wijknummer", "wijk"
                continue

        if len(by_name) == 1:
            codes[idx] = by_name[0]
            methods[idx] = "naam+niveau" if level is not None else "naam"
            levels[idx] = level_of(by_name[0])
        elif len(by_name) > 1:
            problems[idx] = (
                f"Naam {name!r} ({where}) is niet eenduidig: past bij "
                f"{_describe(ref, by_name)}; niet gekoppeld. Geef de CBS-code op of maak de "
                "naam eenduidig."
            )
        else:
            sugg = suggest(name, pool["name"])
            problems[idx] = (
                f"Naam {name!r} ({where}) niet gevonden onder de bekende regio's van "
                f"{gm_name}{_bedoelt(sugg)}; niet gekoppeld."
            )

    _unmatch_duplicates(regions, codes, methods, levels, problems, target_year=year)
    issues = [
        LoadIssue(kind="unmatched_name", detail=problems[i], line=lines.get(i))
        for i in index if i in problems
    ]
    return Resolution(codes=codes, methods=methods, issues=issues, levels=levels)


def _where(level: str | None, gemeente: str | None, line: int | None) -> str:
    parts = [f"niveau {level}" if level else "niveau onbekend"]
    parts.append(f"gemeente {gemeente}" if gemeente else "gemeente onbekend")
    if line is not None:
        parts.append(f"regel {line}")
    return ", ".join(parts)


def _bedoelt(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    return "; bedoelt u " + " of ".join(repr(s) for s in suggestions) + "?"


def _unmatch_duplicates(
    regions: pd.DataFrame,
    codes: pd.Series,
    methods: pd.Series,
    levels: pd.Series,
    problems: dict[object, str],
    *,
    target_year: int | None,
) -> None:
    """Rows of one year that ended on the same code are all unmatched (never guess which)."""
    if "year" in regions:
        years = regions["year"].astype("object").where(regions["year"].notna(), target_year)
    else:
        years = pd.Series(target_year, index=regions.index, dtype="object")
    resolved = codes.notna() & (methods != "code")
    frame = pd.DataFrame({"code": codes[resolved], "year": years[resolved]})
    dup = frame[frame.duplicated(["year", "code"], keep=False)]
    for (_, code), group in dup.groupby(["year", "code"], sort=True, dropna=False):
        names = [str(regions.at[i, "name"]).strip() for i in group.index]
        for i in group.index:
            others = [n for j, n in zip(group.index, names, strict=True) if j != i]
            line = regions.at[i, "line"] if "line" in regions else None
            where = _where(
                None if _isna(regions.at[i, "level"]) else str(regions.at[i, "level"]),
                None if _isna(regions.at[i, "gemeente_name"])
                else str(regions.at[i, "gemeente_name"]).strip(),
                None if _isna(line) else int(line),
            )
            problems[i] = (
                f"Naam {str(regions.at[i, 'name']).strip()!r} ({where}) en "
                f"{', '.join(repr(o) for o in others)} vallen op dezelfde code {code}; "
                "geen van beide gekoppeld."
            )
            codes[i] = None
            methods[i] = None
            levels[i] = None if _isna(regions.at[i, "level"]) else regions.at[i, "level"]
