"""Candidates for a subject name: the regions, user areas and set areas a name may mean,
how ambiguous candidates are narrowed (outer regions, current names, year, same members,
named areas) and the message that lists the ones left (used by
:mod:`~wijkanalyse.gebieden.subjects`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wijkanalyse.codes import (
    LEVELS,
    gemeente_code_of,
    level_of,
    name_key,
    wijk_code_of,
)
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden import areas as areas_mod
from wijkanalyse.gebieden.areasets import SetArea

_LEVEL_ORDER = {**{lvl: i for i, lvl in enumerate(LEVELS)}, "gebied": len(LEVELS)}


@dataclass
class Region:
    """A CBS region as described by the ``regions`` view over all years."""

    code: str
    level: str
    name: str
    gemeente_code: str | None
    gemeente_name: str | None
    years: list[int]


@dataclass
class Candidate:
    source: str  # "cbs", "gebied" (user-defined), or the set name
    code: str  # CBS code, or area id
    name: str
    level: str  # gemeente/wijk/buurt, or "gebied" for areas of several regions
    gemeente_codes: list[str]
    gemeente_name: str | None
    members: frozenset[str]
    strong: bool = False  # area matched on its id or name (not an alias)
    years: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. titles of sets it belongs to
    region: Region | None = None
    area: areas_mod.Area | None = None
    set_area: SetArea | None = None
    #: earlier regions of another level with the same boundary (lineage, issue 12)
    same_boundary: list[Candidate] = field(default_factory=list)
    #: the shipped sets (name, title) in which this candidate is the area whose id or name
    #: is the query (not an alias): what rule 6 (:func:`prefer_set_member`) looks at
    in_sets: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "gemeente_name": self.gemeente_name,
            "gemeente_code": self.gemeente_codes[0] if self.gemeente_codes else None,
            "years": list(self.years),
            "source": self.source,
            "notes": list(self.notes),
        }


def prefer_outer_regions(cands: list[Candidate]) -> list[Candidate]:
    """Drop regions inside a same-named region that is also a candidate (rule 2)."""
    codes = {c.code for c in cands if c.region is not None}

    def inside(c: Candidate) -> bool:
        if c.region is None:
            return False
        parents = set()
        if c.level == "buurt":
            parents.add(wijk_code_of(c.code))
        if c.level in ("wijk", "buurt"):
            parents.add(gemeente_code_of(c.code))
        return bool(parents & codes)

    return [c for c in cands if not inside(c)]


def prefer_current_names(cands: list[Candidate], keys: set[str]) -> list[Candidate]:
    """Regions renamed since they carried the name give way to regions carrying it now.

    Rule 1a (without ``year``): when some region candidates still have the queried name in
    their latest year, candidates that only had it in earlier years are dropped (the 2015
    buurt BU03920903 "Meerwijk" is "Buitengebied Zuiderpolder" since; Haarlem's Meerwijk is
    the wijk WK039221). With ``year`` every name of that year counts (rule 3).
    """
    regions = [c for c in cands if c.region is not None]
    current = {id(c) for c in regions if c.region is not None and name_key(c.region.name) in keys}
    if not current or len(current) == len(regions):
        return cands
    return [c for c in cands if c.region is None or id(c) in current]


def narrow_by_year(cands: list[Candidate], year: int) -> list[Candidate]:
    """Among regions of one gemeente and level, keep those known in ``year`` (rule 3)."""
    groups: dict[tuple[Any, ...], list[Candidate]] = {}
    for c in cands:
        if c.region is not None:
            groups.setdefault((c.region.gemeente_code, c.level), []).append(c)
    drop: set[int] = set()
    for group in groups.values():
        known = [c for c in group if year in c.years]
        if known and len(known) < len(group):
            drop.update(id(c) for c in group if year not in c.years)
    return [c for c in cands if id(c) not in drop]


def merge_same_members(cands: list[Candidate]) -> list[Candidate]:
    """One candidate per member set: user area, then CBS region, then set area (rule 4)."""
    def rank(c: Candidate) -> int:
        return 0 if c.area is not None else (1 if c.region is not None else 2)

    kept: dict[frozenset[str], Candidate] = {}
    for c in sorted(cands, key=rank):
        if c.members not in kept:
            kept[c.members] = c
        elif c.set_area is not None:
            kept[c.members].notes.append(c.notes[0] if c.notes else c.source)
            # a set area matched on its id or name keeps that strength in the region it
            # merges into (rule 5): "Jagershoef" is the programme's buurt, not its 2015 code
            kept[c.members].strong |= c.strong
            for entry in c.in_sets:
                if entry not in kept[c.members].in_sets:
                    kept[c.members].in_sets.append(entry)
    return list(kept.values())


def prefer_named_areas(cands: list[Candidate]) -> list[Candidate]:
    """Areas matched on id or name beat same-named regions of their gemeente (rule 5)."""
    user_ids = {c.code for c in cands if c.area is not None}
    cands = [c for c in cands if not (c.set_area is not None and c.set_area.id in user_ids)]
    user_gms = {gm for c in cands if c.strong and c.area is not None for gm in c.gemeente_codes}
    strong_gms = {gm for c in cands if c.strong for gm in c.gemeente_codes}

    def beaten(c: Candidate) -> bool:
        if c.region is None:
            return False
        gm = c.region.gemeente_code
        # a user area beats every region of its gemeente; a set area (also one merged into
        # its region) beats the regions that were not matched through a set area
        return gm in user_gms or (gm in strong_gms and not c.strong)

    return [c for c in cands if not beaten(c)]


def unique_set_member(cands: list[Candidate]) -> Candidate | None:
    """The one candidate that a shipped set names by the query, when it is unique (rule 6).

    When exactly one of several candidates is an area of a shipped set matched on its id or
    name (not on an alias: ``"Oost"`` is an alias of Schiedam-Oost and the name of twenty
    other wijken and buurten), and no user-defined area matches, that candidate is meant;
    the others are the alternatives the message lists (:func:`chosen_message`). Two or more
    such candidates (a name in two sets, or twice in one set, for different regions) or a
    user area give ``None``: the name stays ambiguous.
    """
    if len(cands) < 2 or any(c.area is not None for c in cands):
        return None
    members = [c for c in cands if c.strong and c.in_sets]
    return members[0] if len(members) == 1 else None


def sorted_candidates(cands: list[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: (_LEVEL_ORDER.get(c.level, 9), c.gemeente_name or "",
                                        c.code))


# ----------------------------------------------------------------------------- messages


def _span(years: list[int]) -> str:
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _describe(c: Candidate, *, with_years: bool) -> str:
    gm = c.gemeente_name or (c.gemeente_codes[0] if c.gemeente_codes else "?")
    if c.level == "gebied":
        what = (f"gebied van {len(c.members)} {'buurten' if _level(c) == 'buurt' else 'wijken'}"
                + (f" uit set {c.source}" if c.source not in ("cbs", "gebied") else
                   " (zelf gedefinieerd)"))
    elif c.level == "gemeente":
        what = "gemeente"
    else:
        what = f"{c.level} in {gm}"
    if c.level == "gebied":
        what += f", {gm}"
    text = f"{c.code}: {c.name} ({what}"
    if with_years and c.years:
        text += f", bekend in {_span(c.years)}"
    if c.region is not None and c.notes:
        text += "; " + "; ".join(c.notes)
    return text + ")"


def _level(c: Candidate) -> str:
    first = next(iter(sorted(c.members)), "")
    return level_of(first) if first else ""


def _sets_text(c: Candidate) -> str:
    return join_nl([f"{name} ({title})" for name, title in c.in_sets])


def _what(c: Candidate) -> str:
    gm = c.gemeente_name or (c.gemeente_codes[0] if c.gemeente_codes else "?")
    if c.level == "gemeente":
        return f"gemeente {c.name} ({c.code})"
    if c.level == "gebied":
        n = len(c.members)
        unit = ("buurt", "buurten") if _level(c) == "buurt" else ("wijk", "wijken")
        return f"gebied {c.name} in {gm} ({c.code}: {n} {unit[0] if n == 1 else unit[1]})"
    return f"{c.level} {c.name} in {gm} ({c.code})"


def _choose_hint(example: Candidate, gms: list[str]) -> str:
    hints = []
    if gms:
        gm = example.gemeente_name or gms[0]
        shown = f'"{gm}"' if re.search(r"[\s']", gm) else gm
        hints.append(f"voeg --gemeente toe (bijvoorbeeld --gemeente {shown})")
    hints.append(f"gebruik de code (bijvoorbeeld {example.code})")
    return join_nl(hints, "of")


def chosen_message(text: str, chosen: Candidate, others: list[Candidate]) -> str:
    """What rule 6 chose and what else the name means (Dutch, several lines).

    ``'Meerwijk' is opgevat als wijk Meerwijk in Haarlem (WK039221): het gebied met die naam
    in de meegeleverde set programma-2016 (Programmawijken 2016).`` followed by the other
    candidates (code, name, level, gemeente) and how to choose one of them.
    """
    lines = [f"{text!r} is opgevat als {_what(chosen)}: het gebied met die naam in de "
             f"meegeleverde set {_sets_text(chosen)}."]
    if others:
        lines.append("Andere gebieden met die naam:")
        lines += [f"  - {_describe(c, with_years=False)}" for c in others]
        own = set(chosen.gemeente_codes)
        gms = sorted({c.gemeente_name or "" for c in others
                      if not own & set(c.gemeente_codes)} - {""})
        hint = _choose_hint(others[0], gms)
        lines.append(f"Voor een van de andere: {hint}.")
    return "\n".join(lines)


def ambiguous_message(text: str, cands: list[Candidate], gemeente: str | None,
                       year: int | None) -> str:
    groups: dict[tuple[Any, ...], int] = {}
    for c in cands:
        groups[(tuple(c.gemeente_codes), c.level)] = groups.get(
            (tuple(c.gemeente_codes), c.level), 0) + 1
    recoded = any(n > 1 for (_, lvl), n in groups.items() if lvl != "gebied")
    lines = [f"{text!r} is niet eenduidig; {len(cands)} gebieden passen:"]
    lines += [f"  - {_describe(c, with_years=recoded)}" for c in cands]
    gms = sorted({c.gemeente_name or "" for c in cands} - {""})
    example = cands[0]
    hints = []
    if len(gms) > 1 and gemeente is None:
        gm = example.gemeente_name or gms[0]
        shown = f'"{gm}"' if re.search(r"[\s']", gm) else gm
        hints.append(f"voeg --gemeente toe (bijvoorbeeld --gemeente {shown})")
    if recoded and year is None:
        hints.append("kies het jaar met --jaar")
    hints.append(f"gebruik de code (bijvoorbeeld {example.code})")
    hint = join_nl(hints, "of")
    in_sets = [c for c in cands if c.strong and c.in_sets]
    if len(in_sets) > 1:
        lines.append(
            "De naam hoort bij " + str(len(in_sets)) + " verschillende gebieden van de "
            "meegeleverde sets (" + "; ".join(f"{_sets_text(c)}: {_what(c)}" for c in in_sets)
            + "), dus wijkanalyse kiest er geen.")
    return "\n".join(lines) + "\n" + hint[0].upper() + hint[1:] + "."
