"""Verhalen: the area a story is attached to — resolving a name or code, describing areas,
suggesting look-alikes for an unknown one, and how a story's area relates to a profile's
subject."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from wijkanalyse.codes import (
    area_relation,
    is_valid_code,
    level_of,
    name_key,
    normalise_code,
    relation_sentence,
)
from wijkanalyse.gebieden import list_area_sets, load_area_set, suggest
from wijkanalyse.gebieden.areasets import SetArea
from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectNotFoundError,
    resolve_subject,
)
from wijkanalyse.model import Subject
from wijkanalyse.store import reference_regions
from wijkanalyse.verhalen.load import _region_rows, _user_area_names, _user_area_rows
from wijkanalyse.verhalen.validate import _CBS_PREFIX, StoryError

#: Kinds of story.


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class _AreaInfo:
    """An area a story can be attached to."""

    code: str  # CBS code or user area id
    name: str
    level: str  # land, gemeente, wijk, buurt or "gebied"
    members: tuple[str, ...]  # CBS codes (the code itself for a region)


def _text_or(value: object, default: str = "?") -> str:
    """``value`` as text, ``default`` for ``None``, NaN or empty text."""
    return value.strip() or default if isinstance(value, str) else default


def _display_name(name: object) -> str:
    """A region name without the CBS prefix ("Wijk 43 Angelslo" -> "Angelslo")."""
    return _CBS_PREFIX.sub("", _text_or(name, ""))


def _region_info(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, _AreaInfo]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    rows = _region_rows(con, codes)
    return {
        code: _AreaInfo(code, _display_name(name) or code, level or level_of(code), (code,))
        for code, name, level in rows
    }


def _user_area_info(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[str, _AreaInfo]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = _user_area_rows(con, ids)
    return {aid: _AreaInfo(aid, name or aid, "gebied", tuple(codes or ()))
            for aid, name, codes in rows}


def _set_area_info(ids: Iterable[str]) -> dict[str, _AreaInfo]:
    """Areas of the sets shipped with the package (e.g. ``jol-galjoen``) among ``ids``."""
    wanted = set(ids)
    out: dict[str, _AreaInfo] = {}
    if not wanted:
        return out
    for entry in _shipped_set_areas():
        if entry.id in wanted and entry.id not in out:
            out[entry.id] = _AreaInfo(entry.id, entry.name, "gebied", tuple(entry.codes))
    return out


def _shipped_set_areas() -> list[SetArea]:
    return [area for info in list_area_sets() for area in load_area_set(info.name).areas]


def _area_infos(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, _AreaInfo]:
    """What is known about each stored area code: regions, then user areas, then the areas of
    shipped sets (a user area replaces a shipped one with the same id)."""
    codes = set(codes)
    info = _region_info(con, {c for c in codes if is_valid_code(c)})
    info.update(_user_area_info(con, codes - set(info)))
    info.update(_set_area_info(codes - set(info)))
    return info


def _resolve_area(
    con: duckdb.DuckDBPyConnection, area: object, *, gemeente: str | None = None
) -> _AreaInfo:
    """The area a user names, resolved exactly as ``wijkanalyse profiel`` resolves it
    (:func:`wijkanalyse.gebieden.subjects.resolve_subject`): a CBS code, a region name, a user area
    or
    an area of a shipped set. The stored code is the profile subject's id."""
    text = "" if area is None else " ".join(str(area).split())
    if not text:
        raise StoryError(
            "een gebied is verplicht: geef een CBS-code (bijv. WK011443), de naam van een wijk "
            "of buurt, of de id van een eigen gebied.",
            field="area",
        )
    try:
        subject = resolve_subject(con, text, gemeente=gemeente)
    except AmbiguousSubjectError as exc:
        raise StoryError(str(exc), field="area") from exc
    except SubjectNotFoundError as exc:
        code = normalise_code(text) or ""
        known = is_valid_code(code) and code in _region_info(con, [code])
        if gemeente is not None or known:
            raise StoryError(str(exc), field="area") from exc
        raise StoryError(_unknown_area_message(con, text, reference_regions(con)),
                         field="area") from exc
    return _AreaInfo(subject.id, subject.name, subject.kind, tuple(subject.members))


def _unknown_area_message(
    con: duckdb.DuckDBPyConnection, text: str, reference: pd.DataFrame
) -> str:
    """Dutch message for an unknown area, with close codes or names ("bedoelt u ...?")."""
    ref = reference[reference["name"].notna()].sort_values(["code", "year"])
    latest = ref.drop_duplicates("code", keep="last")
    described: dict[str, str] = {}
    by_code: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for code, name, level, gm in zip(latest["code"], latest["name"], latest["level"],
                                     latest["gemeente_name"], strict=True):
        described[code] = f"{code} ({level} {_display_name(name)}, {_text_or(gm)})"
        by_code[code] = [code]
    names: dict[str, None] = {}

    def add_name(spelling: object, code: str) -> None:
        if isinstance(spelling, str) and spelling.strip():
            names[spelling] = None
            codes = by_name.setdefault(name_key(spelling), [])
            if code not in codes:
                codes.append(code)

    for name, code in zip(ref["name"], ref["code"], strict=True):
        add_name(name, code)
    for entry in _shipped_set_areas():
        if len(entry.codes) > 1 and entry.id not in described:
            described[entry.id] = (f"{entry.id} (gebied {entry.name}, "
                                   f"{_text_or(entry.gemeente_name)})")
            for spelling in (entry.id, entry.name, *entry.aliases):
                add_name(spelling, entry.id)
    for area_id, name in _user_area_names(con):
        described[area_id] = f"{area_id} (eigen gebied {name})"
        by_code[area_id] = [area_id]
        for spelling in (area_id, name):
            add_name(spelling, area_id)
    code = normalise_code(text) or ""
    if re.match(r"^(BU|WK|GM|NL)\d", code):
        hits = _look_alike_codes(code, list(by_code)) or suggest(code, by_code, n=3)
    else:
        hits = [found for hit in suggest(text, names, n=3)
                for found in sorted(by_name[name_key(hit)], key=_code_order)[:3]]
    shown = list(dict.fromkeys(described[h] for h in hits))[:5]
    hint = f" Bedoelt u {' of '.join(shown)}?" if shown else ""
    return (
        f"gebied {text!r} bestaat niet: het is geen CBS-code of naam uit de geladen gegevens en "
        f"geen eigen gebied.{hint} Geef een CBS-code (BU/WK/GM), de naam van een wijk of buurt, "
        "of de id van een eigen gebied ('wijkanalyse gebied list')."
    )


def _code_order(code: str) -> tuple[int, str]:
    """Sort key: gemeenten, wijken, buurten, then user areas; by code within a level."""
    return ({"NL": 0, "GM": 1, "WK": 2, "BU": 3}.get(code[:2], 4), code)


def _look_alike_codes(code: str, candidates: list[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` known codes of the same length and prefix that differ from ``code`` in at
    most two characters, fewest differences and nearest number first."""
    scored = []
    for cand in candidates:
        if len(cand) != len(code) or cand[:2] != code[:2]:
            continue
        distance = sum(x != y for x, y in zip(cand, code, strict=True))
        if distance <= 2:
            gap = abs(int(cand[2:], 36) - int(code[2:], 36)) if code[2:].isalnum() else 0
            scored.append((distance, gap, cand))
    return [cand for _, _, cand in sorted(scored)[:n]]


# --------------------------------------------------------------------------- profiles


def _relation(info: _AreaInfo, subject: Subject, own: set[str], wijken: set[str]) -> str | None:
    """How a story's area relates to the subject: eigen, omvattend, deel, overlappend or None."""
    return area_relation(info.code, info.level, info.members, subject_id=subject.id, own=own,
                         wijk_codes=wijken)


def _relation_text(relation: str, info: _AreaInfo, subject: Subject) -> str:
    return relation_sentence(relation, lead="Over", what=f"{info.level} {info.name}",
                             subject_kind=subject.kind)
