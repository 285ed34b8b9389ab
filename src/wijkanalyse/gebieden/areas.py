"""User-defined areas: sets of CBS buurten or wijken, kept in the database.

A knowledge programme's neighbourhood is often not one CBS wijk (Lelystad's "Jol/Galjoen" is a
set of buurten, Groningen's "Selwerd" a buurt, Kerkrade-West several wijken). Users define such
an area once by its member codes; :func:`area_values` then aggregates every indicator over the
members with the rules of :mod:`wijkanalyse.gebieden.aggregate`.

Areas live in the tables ``areas`` and ``area_members`` of the store (see
:data:`wijkanalyse.store.USER_TABLES`); they survive a rebuild of the data.

Validation (:func:`define_area`): codes are normalised, must be known in the ``regions`` view
(in any year), must all be buurten or all wijken (a wijk together with buurten would count the
buurten twice), must lie in one gemeente unless ``allow_multiple_gemeenten=True``, and may not
repeat. The area id is a slug of the name (``"Jol/Galjoen"`` -> ``"jol-galjoen"``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.codes import gemeente_code_of, level_of, name_key, normalise_code
from wijkanalyse.errors import AreaError, CatalogueError
from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.aggregate import aggregate
from wijkanalyse.store import transaction

#: Levels an area may be made of.
AREA_LEVELS = ("buurt", "wijk")
#: Longest area name and description (characters).
MAX_NAME = 200
MAX_DESCRIPTION = 2_000


@dataclass(frozen=True)
class Area:
    """A user-defined area.

    Attributes
    ----------
    area_id
        Slug of the name, unique in the database (``"jol-galjoen"``).
    name
        The name as the user gave it (``"Jol/Galjoen"``).
    gemeente_code
        The gemeente all members lie in; ``None`` for an area across gemeenten.
    level
        ``"buurt"`` or ``"wijk"``: the level of every member.
    codes
        The member codes, sorted.
    description, created_by, created_at
        Free text, who defined it, and when (ISO 8601, UTC).
    """

    area_id: str
    name: str
    gemeente_code: str | None
    level: str
    codes: tuple[str, ...]
    description: str = ""
    created_by: str | None = None
    created_at: str = ""

    @property
    def gemeente_codes(self) -> tuple[str, ...]:
        """Every gemeente the members lie in, sorted."""
        return tuple(sorted({gemeente_code_of(c) or "" for c in self.codes}))


def slugify(name: str) -> str:
    """The area id for a name: ASCII letters and digits, lower case, joined by ``-``.

    >>> slugify("Jol/Galjoen")
    'jol-galjoen'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _error(message: str, codes: Sequence[str] = ()) -> AreaError:
    """An :class:`AreaError` that remembers the codes it is about (for file line numbers)."""
    err = AreaError(message)
    err.codes = tuple(codes)  # type: ignore[attr-defined]
    return err


def define_area(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str,
    codes: Sequence[str],
    description: str = "",
    created_by: str | None = None,
    replace: bool = False,
    allow_multiple_gemeenten: bool = False,
) -> Area:
    """Validate and store an area (one transaction: all or nothing).

    Parameters
    ----------
    con
        A writable connection from :func:`wijkanalyse.store.connect`.
    name
        The area's name; its slug becomes the id.
    codes
        CBS buurt codes or CBS wijk codes (one level), padded or lower case allowed. A single
        string is split on commas, semicolons and white space.
    description, created_by
        Stored with the area.
    replace
        Replace an existing area with the same id instead of refusing.
    allow_multiple_gemeenten
        Allow members in more than one gemeente (regional areas such as Parkstad).

    Raises
    ------
    AreaError
        Unknown codes (with suggestions), mixed levels, members in several gemeenten, duplicate
        codes, or an existing id without ``replace``. Nothing is written then.
    """
    with transaction(con):
        return define_without_transaction(
            con,
            name=name,
            codes=codes,
            description=description,
            created_by=created_by,
            replace=replace,
            allow_multiple_gemeenten=allow_multiple_gemeenten,
        )


def define_without_transaction(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str,
    codes: Sequence[str] | str,
    description: str,
    created_by: str | None,
    replace: bool,
    allow_multiple_gemeenten: bool,
) -> Area:
    """:func:`define_area` without its own transaction (the caller holds one)."""
    name = str(name or "").strip()
    if not name:
        raise _error("een gebied heeft een naam nodig.")
    if len(name) > MAX_NAME or "\n" in name or "\r" in name:
        raise _error(f"de naam van een gebied staat op één regel en is hoogstens {MAX_NAME} "
                     f"tekens (nu {len(name)}).")
    if len(str(description or "")) > MAX_DESCRIPTION:
        raise _error(f"de beschrijving van gebied {name[:60]!r} is {len(str(description))} "
                     f"tekens; het maximum is {MAX_DESCRIPTION}.")
    area_id = slugify(name)
    if not area_id:
        raise _error(f"de naam {name!r} bevat geen letters of cijfers; kies een andere naam.")
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[,;\s]+", codes) if c]
    raw = list(codes)
    if not raw:
        raise _error(f"gebied {name!r} heeft geen codes; geef minstens één buurt- of wijkcode.")
    normalised = [normalise_code(c) for c in raw]
    if any(c is None for c in normalised):
        raise _error(f"gebied {name!r} bevat een lege code; verwijder die.")
    members: list[str] = [c for c in normalised if c is not None]
    counts = Counter(members)
    dups = sorted(c for c, n in counts.items() if n > 1)
    if dups:
        raise _error(
            f"gebied {name!r}: code(s) komen meer dan eens voor: "
            + ", ".join(f"{c} ({counts[c]}x)" for c in dups)
            + "; geef elke code één keer.",
            dups,
        )

    known = _known_regions(con, members)
    unknown = [c for c in members if c not in known.index]
    if unknown:
        typed = {normalise_code(c): str(c).strip() for c in raw}
        raise _error(_unknown_message(con, name, unknown, typed), unknown)

    levels = {c: level_of(c) for c in members}
    wrong = [c for c in members if levels[c] not in AREA_LEVELS]
    if wrong:
        raise _error(
            f"gebied {name!r}: een gebied bestaat uit buurten of uit wijken; "
            + ", ".join(f"{c} is een {levels[c]}" for c in wrong)
            + ". Geef de buurt- of wijkcodes van dat gebied.",
            wrong,
        )
    used = sorted(set(levels.values()))
    if len(used) > 1:
        raise _error(_mixed_level_message(name, members), members)
    level = used[0]

    gemeenten = sorted({gemeente_code_of(c) or "" for c in members})
    if len(gemeenten) > 1 and not allow_multiple_gemeenten:
        gm_names = _gemeente_names(con, gemeenten)
        per_gm = "; ".join(
            f"{gm}{' (' + gm_names[gm] + ')' if gm in gm_names else ''}: "
            + ", ".join(sorted(c for c in members if gemeente_code_of(c) == gm))
            for gm in gemeenten
        )
        raise _error(
            f"gebied {name!r} ligt in {len(gemeenten)} gemeenten ({per_gm}). Is dat de "
            "bedoeling (bijvoorbeeld een regio als Parkstad), gebruik dan de optie "
            "--meerdere-gemeenten (in Python: allow_multiple_gemeenten=True); anders: verwijder "
            "de codes uit de andere gemeente.",
            [c for c in members if gemeente_code_of(c) != _main_gemeente(members)],
        )
    gemeente_code = gemeenten[0] if len(gemeenten) == 1 else None

    existing = load.area_name(con, area_id)
    if existing is not None:
        if not replace:
            raise _error(
                f"er bestaat al een gebied met id {area_id!r} (naam {existing!r}). Kies een "
                "andere naam, of gebruik de optie --vervang (in Python: replace=True) om het te "
                "vervangen."
            )
        load.delete_area(con, area_id)

    area = Area(
        area_id=area_id,
        name=name,
        gemeente_code=gemeente_code,
        level=level,
        codes=tuple(sorted(members)),
        description=str(description or ""),
        created_by=created_by,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    load.insert_area(con, [area.area_id, area.name, area.gemeente_code, area.description,
                           area.created_by, area.created_at], area.codes)
    return area


def _main_gemeente(members: Sequence[str]) -> str | None:
    """The gemeente of most members (ties: the one named first); the others stand out."""
    order = [gemeente_code_of(c) for c in members]
    counts = Counter(order)
    return max(counts, key=lambda gm: (counts[gm], -order.index(gm)))


def _known_regions(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> pd.DataFrame:
    """Regions (any year) among ``codes``: index code, columns name, gemeente_code."""
    return load.latest_names(con, codes).set_index("code")


def _gemeente_names(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> dict[str, str]:
    return {code: name for code, name in load.latest_name_rows(con, codes) if name}


def _unknown_message(
    con: duckdb.DuckDBPyConnection, name: str, unknown: Sequence[str], typed: dict[Any, Any]
) -> str:
    """Dutch message for unknown codes (as the user typed them), with look-alike codes or the
    codes of regions with that name."""
    all_regions = load.buurt_wijk_names(con)
    by_prefix: dict[str, list[str]] = {}
    for code in all_regions["code"]:
        by_prefix.setdefault(code[:2], []).append(code)
    names = dict(zip(all_regions["code"], all_regions["name"], strict=True))
    keys = all_regions.assign(key=all_regions["name"].map(name_key))
    parts = []
    for code in unknown:
        close = _look_alike_codes(code, by_prefix.get(code[:2]) or list(names))
        if not close:  # perhaps a name instead of a code
            close = keys.loc[keys["key"] == name_key(code), "code"].head(5).tolist()
        if close:
            shown = ", ".join(f"{c} ({names[c]})" for c in close)
            parts.append(f"{typed.get(code, code)} (bedoelt u {shown}?)")
        else:
            parts.append(typed.get(code, code))
    return (
        f"gebied {name!r}: onbekende code(s) {'; '.join(parts)}. Deze codes komen in geen enkel "
        "geladen jaar voor; controleer ze (CBS-codes zijn BU + 8 of WK + 6 tekens) of laad eerst "
        "de gegevens met 'wijkanalyse data build'."
    )


def _look_alike_codes(code: str, candidates: Sequence[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` known codes that differ from ``code`` in at most two characters (closest
    numbers first), else close matches by :mod:`difflib`."""
    scored = []
    for cand in candidates:
        if len(cand) != len(code):
            continue
        distance = sum(a != b for a, b in zip(cand, code, strict=True))
        if distance <= 2:
            gap = abs(int(cand[2:], 36) - int(code[2:], 36)) if code[2:].isalnum() else 0
            scored.append((distance, gap, cand))
    if scored:
        return [cand for _, _, cand in sorted(scored)[:n]]
    return difflib.get_close_matches(code, candidates, n=n, cutoff=0.85)


def _mixed_level_message(name: str, members: Sequence[str]) -> str:
    """Dutch message for an area that mixes wijken and buurten, naming the codes."""
    wijken = sorted(c for c in members if level_of(c) == "wijk")
    buurten = sorted(c for c in members if level_of(c) == "buurt")
    overlap = []
    for wk in wijken:
        inside = [b for b in buurten if "WK" + b[2:8] == wk]
        if inside:
            overlap.append(f"{wk} bevat {', '.join(inside)}")
    text = (
        f"gebied {name!r} mengt wijken ({', '.join(wijken)}) en buurten ({', '.join(buurten)}). "
    )
    if overlap:
        text += f"Die zouden dubbel tellen: {'; '.join(overlap)}. "
    return text + "Kies één niveau: alleen buurtcodes of alleen wijkcodes."


def _row_to_area(row: tuple[Any, ...], codes: Sequence[str]) -> Area:
    area_id, name, gemeente_code, description, created_by, created_at = row
    level = level_of(codes[0]) if codes else ""
    return Area(
        area_id=area_id,
        name=name,
        gemeente_code=gemeente_code,
        level=level,
        codes=tuple(sorted(codes)),
        description=description or "",
        created_by=created_by,
        created_at=created_at or "",
    )


def get_area(con: duckdb.DuckDBPyConnection, area_id_or_name: str) -> Area:
    """An area by id, or by name (case-insensitive, or the name's slug).

    Raises
    ------
    AreaError
        When no area matches; the message lists the areas that exist.
    """
    wanted = str(area_id_or_name).strip()
    row = load.area_row(con, wanted, slugify(wanted))
    if row is None:
        ids = load.area_ids(con)
        if not ids:
            raise AreaError(
                f"gebied {wanted!r} bestaat niet; er zijn nog geen gebieden gedefinieerd "
                "(maak er een met define_area of een gebiedenbestand)."
            )
        close = difflib.get_close_matches(slugify(wanted), ids, n=3, cutoff=0.6)
        hint = f" Bedoelt u {', '.join(close)}?" if close else ""
        shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
        raise AreaError(f"gebied {wanted!r} bestaat niet.{hint} Bestaande gebieden: {shown}.")
    return _row_to_area(row, load.area_members(con, row[0]))


def list_areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All areas: area_id, name, gemeente_code, level, n_codes, codes, description,
    created_by, created_at; sorted by area_id."""
    return load.areas_frame(con)


def remove_area(con: duckdb.DuckDBPyConnection, area_id: str) -> None:
    """Delete an area (given by id or name) and its members.

    Raises
    ------
    AreaError
        When the area does not exist.
    """
    area = get_area(con, area_id)
    with transaction(con):
        load.delete_area(con, area.area_id)


def area_values(
    con: duckdb.DuckDBPyConnection,
    area_id: str,
    *,
    indicators: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    partial: bool = False,
) -> pd.DataFrame:
    """Aggregated indicator values of an area.

    Reads the members' observations from the ``observation`` view (for weighted indicators
    also their base counts) and the ``indicators`` table, and aggregates them with
    :func:`wijkanalyse.gebieden.aggregate.aggregate`.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    area_id
        Id or name of the area.
    indicators
        Indicator ids to return (default: every indicator with data for a member).
    years
        Years to return (default: all).
    partial
        See :func:`wijkanalyse.gebieden.aggregate.aggregate`.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id`` and :data:`wijkanalyse.gebieden.aggregate.RESULT_COLUMNS`, sorted by
        indicator and year.
    """
    area = get_area(con, area_id)
    catalogue = load.indicator_rules(con)
    wanted: list[str] | None = None
    with_bases: list[str] | None = None
    if indicators is not None:
        wanted = list(dict.fromkeys(indicators))
        ids = set(catalogue["id"])
        unknown = [i for i in wanted if i not in ids]
        if unknown:
            parts = []
            for ind in unknown:
                close = difflib.get_close_matches(ind, sorted(ids), n=3, cutoff=0.6)
                parts.append(ind + (f" (bedoelt u {', '.join(close)}?)" if close else ""))
            raise CatalogueError(
                f"onbekende indicator(en): {'; '.join(parts)}. Kies ids uit de "
                "indicatorcatalogus."
            )
        bases = catalogue.loc[catalogue["id"].isin(wanted), "base"].dropna().tolist()
        with_bases = sorted(set(wanted) | set(bases))
    values = load.member_observations(
        con, area.codes, indicators=with_bases,
        years=None if years is None else [int(y) for y in years])
    result = aggregate(values, members=area.codes, indicators=catalogue, partial=partial)
    if wanted is not None:
        result = result[result["indicator_id"].isin(wanted)].reset_index(drop=True)
    result.insert(0, "area_id", area.area_id)
    return result
